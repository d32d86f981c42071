//! The staff bot's reading and administration commands: `/history`, `/export`, `/missing`
//! (leads and administrators), and the administrators' `/staff`, `/review`, `/stats`, `/teach` (who may is checked by the
//! caller), and telling the administrators something.

use std::sync::Arc;

use teloxide::types::ChatId;

use super::handlers::{HandlerError, HandlerResult, blocking, usage};
use super::outbox::{Outbox, send_html};
use super::{BotState, keyboard};
use crate::actuals::{Role, Staff};
use crate::answer::{escape, render_html};

pub(super) async fn history(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, arg: &str) -> HandlerResult {
    if arg.is_empty() {
        return usage(bot, chat, "/history 取組名（例: /history どこでも窓口）").await;
    }
    let name = arg.to_string();
    let text = blocking(state, move |app| -> Result<String, HandlerError> {
        let engine = app.engine();
        let plan = engine.plan();
        let i = match crate::actuals::report::find_initiative(plan, &*engine, &name) {
            Ok(i) => i,
            Err(refusal) => return Ok(escape(&refusal.to_string())),
        };
        let rows = app.with_store(|s| s.history(i.page))?;
        let view = app.actuals()?.unwrap_or_default();
        Ok(render_html(&crate::answer::history_card(plan, i, &rows, &view, app.today())))
    })
    .await??;
    send_html(bot, chat, &text, None).await?;
    Ok(())
}

pub(super) async fn export(bot: &Outbox, state: &Arc<BotState>, chat: ChatId) -> HandlerResult {
    let csv = blocking(state, |app| -> Result<String, HandlerError> {
        let view = app.actuals()?.unwrap_or_default();
        Ok(crate::actuals::export_csv(&app.plan(), &view, app.today()))
    })
    .await??;
    let date = crate::actuals::jst(crate::actuals::now_unix()).chars().take(10).collect::<String>();
    let name = format!("keikaku-actuals-{date}.csv");
    super::outbox::send_document(bot, chat, csv.into_bytes(), &name, "現在の実績（UTF-8 BOM付きCSV、Excelで開けます）")
        .await?;
    Ok(())
}

/// `/missing [年度]` (leads and administrators; checked by the caller): the KPIs of an ended
/// fiscal year without an actual, by department, a page at a time.
pub(super) async fn missing(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, arg: &str) -> HandlerResult {
    let asked = if arg.is_empty() {
        None
    } else {
        match crate::plan::FiscalYear::parse(arg) {
            Some(y) => Some(y),
            None => return usage(bot, chat, "/missing または /missing 年度（例: /missing R8）").await,
        }
    };
    let year = match crate::actuals::year_to_list(asked, state.app.today()) {
        Ok(year) => year,
        Err(why) => {
            send_html(bot, chat, &escape(&why), None).await?;
            return Ok(());
        }
    };
    let (text, pages) = blocking(state, move |app| missing_text(app, year, 0)).await??;
    send_html(bot, chat, &text, keyboard::missing_paging(year, 0, pages)).await?;
    Ok(())
}

/// ◀ / ▶ on the missing list: page `n` of `year`'s, read again (it may have changed).
pub(super) async fn missing_page(
    bot: &Outbox,
    state: &Arc<BotState>,
    message: &teloxide::types::Message,
    year: u16,
    n: u16,
) -> HandlerResult {
    let year = crate::plan::FiscalYear::from_gregorian(year);
    if crate::actuals::year_to_list(Some(year), state.app.today()).is_err() {
        return Ok(());
    }
    let n = usize::from(n);
    let (text, pages) = blocking(state, move |app| missing_text(app, year, n)).await??;
    let shown = n.min(pages.saturating_sub(1));
    super::outbox::edit_pressed(bot, message, &text, keyboard::missing_paging(year, shown, pages)).await?;
    Ok(())
}

/// Page `n` of the missing list of `year` as HTML, and how many pages it has.
fn missing_text(
    app: &crate::app::App,
    year: crate::plan::FiscalYear,
    n: usize,
) -> Result<(String, usize), HandlerError> {
    let plan = app.plan();
    if !plan.years.contains(&year) {
        return Ok((
            escape(&format!("{}は計画の対象外です（計画の年度で終わったものはまだありません）。", year.japanese())),
            1,
        ));
    }
    let view = app.actuals()?.unwrap_or_default();
    let roster = app.with_store(|s| s.list_staff())?;
    let list = crate::actuals::missing(&plan, &view, &roster, year);
    let (card, pages) = crate::answer::missing_card(&list, year, Some(n));
    Ok((render_html(&card), pages))
}

/// `/staff …` (administrators; checked by the caller).
pub(super) async fn staff(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, user: i64, arg: &str) -> HandlerResult {
    let words: Vec<String> = arg.split_whitespace().map(String::from).collect();
    let reply = blocking(state, move |app| -> Result<String, HandlerError> {
        let plan = &app.plan();
        let text = match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] | ["list"] => {
                let all = app.with_store(|s| s.list_staff())?;
                render_html(&crate::answer::roster_card(&all))
            }
            ["add", id, name, role, depts @ ..] => {
                let (Ok(id), Some(role)) = (id.parse::<i64>(), Role::parse(role)) else {
                    return Ok("使い方: /staff add Telegram-ID 名前 admin|lead|staff [課…]".into());
                };
                let s = Staff {
                    telegram_id: id,
                    name: (*name).to_string(),
                    role,
                    departments: depts.iter().map(|d| (*d).to_string()).collect(),
                };
                match app.with_store(|st| st.add_staff(plan, Some(user), &s)) {
                    Ok(()) => format!("{}（{}）を {} として登録しました。", escape(&s.name), id, role.as_str()),
                    Err(e) => format!("登録できません: {}", escape(&e.to_string())),
                }
            }
            ["remove", id] => match id.parse::<i64>() {
                Ok(id) => match app.with_store(|st| st.remove_staff(Some(user), id)) {
                    Ok(()) => format!("{id} の登録を取り消しました（過去の報告は残ります）。"),
                    Err(e) => format!("取り消せません: {}", escape(&e.to_string())),
                },
                Err(_) => "使い方: /staff remove Telegram-ID".into(),
            },
            _ => "使い方: /staff、/staff add Telegram-ID 名前 admin|lead|staff [課…]、/staff remove Telegram-ID".into(),
        };
        Ok(text)
    })
    .await??;
    send_html(bot, chat, &reply, None).await?;
    Ok(())
}

/// How far back the bot's review and statistics look.
const REVIEW_PERIOD: i64 = 30 * 86_400;

/// `/review`, `/review resolve N`, `/review ignore N` (administrators; checked by the caller):
/// the last 30 days' unanswered and 👎 questions, pending.
pub(super) async fn review(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, arg: &str) -> HandlerResult {
    let words: Vec<String> = arg.split_whitespace().map(String::from).collect();
    let reply = blocking(state, move |app| -> Result<String, HandlerError> {
        use crate::actuals::ReviewStatus;
        let mut out = String::new();
        match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] => {}
            [verb @ ("resolve" | "ignore"), n] => {
                let to = if *verb == "resolve" { ReviewStatus::Resolved } else { ReviewStatus::Ignored };
                let id = n.trim_start_matches('#').parse::<i64>().ok();
                match id.map(|id| app.mark_review(id, Some(REVIEW_PERIOD), to)).transpose()? {
                    Some(Some(count)) => out.push_str(&format!("#{n} の{count}件を {} にしました。\n\n", to.as_str())),
                    _ => return Ok(format!("#{} は見直しの一覧にありません。", escape(n))),
                }
            }
            _ => return Ok("使い方: /review、/review resolve 番号、/review ignore 番号".into()),
        }
        let items = app.review(Some(REVIEW_PERIOD), Some(ReviewStatus::Pending))?;
        out.push_str(&render_html(&crate::answer::review_card(&items, "見直す質問（30日・未対応）")));
        Ok(out)
    })
    .await??;
    send_html(bot, chat, &reply, None).await?;
    Ok(())
}

/// `/stats` (administrators; checked by the caller): the last 30 days of questions.
pub(super) async fn stats(bot: &Outbox, state: &Arc<BotState>, chat: ChatId) -> HandlerResult {
    let reply = blocking(state, |app| -> Result<String, HandlerError> {
        let stats = app.stats(Some(REVIEW_PERIOD))?;
        Ok(render_html(&crate::answer::stats_card(&app.plan(), &stats, "質問の統計（30日）")))
    })
    .await??;
    send_html(bot, chat, &reply, None).await?;
    Ok(())
}

/// `/teach 言葉 用語`, `/teach #番号 p.ページ [意図]`, `/teach undo 言葉|例N`, `/teach list`
/// (administrators; checked by the caller): see [`App::teach`]. The cross-validation of the
/// corpus takes a few seconds; a note says so first.
pub(super) async fn teach(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, user: i64, arg: &str) -> HandlerResult {
    use crate::teach::Request;
    let request = Request::parse(arg);
    if matches!(request, Ok(Request::Change(_) | Request::FromItem { .. })) {
        send_html(bot, chat, "例文で交差検証して確かめています（数秒かかります）…", None).await?;
    }
    let reply = blocking(state, move |app| match request.and_then(|r| app.teach_request(Some(user), r)) {
        Ok(reply) => render_html(&reply.card()),
        Err(e) => escape(&e.to_string()),
    })
    .await?;
    send_html(bot, chat, &reply, None).await?;
    Ok(())
}

/// Sends `html` to every administrator on the roster; failures (an admin who never opened
/// the bot) are logged.
pub(crate) async fn tell_admins(state: &Arc<BotState>, html: &str) {
    let admins = blocking(state, |app| app.with_store(|s| s.list_staff())).await;
    let admins: Vec<i64> = match admins {
        Ok(Ok(all)) => all.into_iter().filter(|s| s.role == Role::Admin).map(|s| s.telegram_id).collect(),
        Ok(Err(e)) => return tracing::warn!(error = %e, "the roster cannot be read: the admins were not told"),
        Err(e) => return tracing::warn!(error = %e, "the roster cannot be read: the admins were not told"),
    };
    for admin in admins {
        if let Err(e) = send_html(&state.outbox, ChatId(admin), html, None).await {
            tracing::warn!(error = %e, admin, "an admin could not be told");
        }
    }
}
