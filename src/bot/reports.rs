//! The staff bot's reporting endpoints: `/report` (parts, the guided flow, 確定 / 取消), the
//! reason asked after a 未達 report, `/history`, `/export` and `/missing`. Extract → call the
//! library → render → send, as the other endpoints.

use std::sync::Arc;

use teloxide::types::{ChatId, MessageId};

use super::handlers::{HandlerError, HandlerResult, blocking, usage};
use super::outbox::{Outbox, edit_html, send_html};
use super::{BotState, keyboard};
use crate::actuals::{Refusal, ResolvedReport, Staff, Status};
use crate::answer::{escape, render_html};
use crate::conversation::Callback;
use crate::conversation::session::{Flow, Pending};

pub(super) async fn report_command(
    bot: &Outbox,
    state: &Arc<BotState>,
    chat: ChatId,
    user: i64,
    staff: Option<&Staff>,
    arg: &str,
) -> HandlerResult {
    let Some(staff) = staff.filter(|s| crate::actuals::authority::can_report(Some(s))) else {
        let refusal = Refusal::ReadOnly { name: staff.map_or_else(String::new, |s| s.name.clone()) };
        let attempt = format!("/report {arg}");
        // Audited as a refused write; the answer is the refusal itself.
        let _refused =
            blocking(state, move |app| app.with_store(|s| s.check(&app.plan(), user, &attempt, Err(refusal))))
                .await??;
        send_html(bot, chat, "報告できるのは各課の担当リーダーと管理者です。閲覧のみの権限では報告できません。", None)
            .await?;
        return Ok(());
    };
    if arg.is_empty() {
        return start_flow(bot, state, chat, staff).await;
    }
    let words: Vec<&str> = arg.split_whitespace().collect();
    if words.len() < 4 {
        return usage(bot, chat, "/report 取組 指標 年度 値（例: /report どこでも窓口 搭載手続数 R8 92件）。引数なしの /report で対話形式になります").await;
    }
    let (value, year, indicator) = (words[words.len() - 1], words[words.len() - 2], words[words.len() - 3]);
    let initiative = words[..words.len() - 3].join(" ");
    let (v, y, k) = (value.to_string(), year.to_string(), indicator.to_string());
    let resolved = blocking(state, move |app| app.resolve_parts(&initiative, &k, &y, &v)).await?;
    preview(bot, state, chat, user, format!("/report {arg}"), resolved).await
}

pub(super) async fn start_flow(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, staff: &Staff) -> HandlerResult {
    let plan = &state.app.plan();
    let mine = crate::actuals::authority::reportable(staff, plan);
    if mine.is_empty() {
        send_html(bot, chat, "報告できるKPIのある取組がありません（担当の課を管理者に確認してください）。", None)
            .await?;
        return Ok(());
    }
    send_html(bot, chat, "<b>実績の報告</b>\nどの取組について報告しますか？", Some(keyboard::flow_initiatives(&mine)))
        .await?;
    Ok(())
}

/// Shows what was understood with 確定 / 取消, or why it cannot be reported.
pub(super) async fn preview(
    bot: &Outbox,
    state: &Arc<BotState>,
    chat: ChatId,
    user: i64,
    attempt: String,
    resolved: Result<ResolvedReport, Refusal>,
) -> HandlerResult {
    let a = attempt.clone();
    let checked = blocking(state, move |app| app.with_store(|s| s.check(&app.plan(), user, &a, resolved))).await??;
    match checked {
        Err(refusal) => {
            tracing::info!(asker = %state.names.of(chat.0), "report refused");
            send_html(bot, chat, &format!("報告できません: {}", escape(&refusal.to_string())), None).await?;
        }
        Ok((_, report)) => {
            let text = describe(state, &report, "この内容で記録しますか？", true);
            let id = state.sessions.store_pending(Pending { actor: user, report, attempt });
            send_html(bot, chat, &text, Some(keyboard::confirm(id))).await?;
        }
    }
    Ok(())
}

/// The report card; before writing (`asking`), a value's warning asks for 確定.
pub(super) fn describe(state: &BotState, r: &ResolvedReport, heading: &str, asking: bool) -> String {
    let mut card = crate::answer::report_card(&state.app.plan(), r, heading, state.app.today());
    if asking && r.warning.is_some() {
        card.blocks.push(crate::answer::Block::Text("正しければ「確定」を押してください。".into()));
    }
    render_html(&card)
}

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

pub(super) async fn confirm<F, Fut>(
    bot: &Outbox,
    state: &Arc<BotState>,
    chat: ChatId,
    message_id: MessageId,
    user: i64,
    pid: u32,
    say: &F,
) -> HandlerResult
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = Result<(), teloxide::RequestError>>,
{
    let Some(pending) = state.sessions.take_pending(pid) else {
        // A second press, or a press after a restart: nothing to do.
        say("この報告はすでに処理されています").await?;
        return Ok(());
    };
    if pending.actor != user {
        state.sessions.restore_pending(pid, pending);
        say("報告した本人だけが確定できます").await?;
        return Ok(());
    }
    let p = pending.clone();
    let written = blocking(state, move |app| {
        app.with_store(|s| s.report(&app.plan(), p.actor, &p.attempt, Ok(p.report.clone()), "bot"))
    })
    .await?;
    match written {
        Ok(Ok(actual_id)) => {
            tracing::info!(asker = %state.names.of(chat.0), actual_id, "report recorded");
            say("記録しました").await?;
            let text = describe(state, &pending.report, &format!("✅ 記録しました（#{actual_id}）"), false);
            edit_html(bot, chat, message_id, &text, None).await?;
            // A missed target (its year ended, below target): ask why, once, optionally.
            let missed = pending
                .report
                .verdict(&state.app.plan(), state.app.today())
                .is_some_and(|v| v.status == Status::NotAchieved);
            if missed {
                state.sessions.set_flow(chat.0, Some(Flow::Reason { actual: actual_id, user }));
                let ask = format!(
                    "目標に届かなかった理由を、次のメッセージで一言どうぞ（任意・{}文字まで）。履歴・公開サイト・エクスポートに実績と並んで表示されます。残さない場合は「なし」と送ってください。",
                    crate::actuals::MAX_REASON_CHARS
                );
                send_html(bot, chat, &escape(&ask), None).await?;
            }
        }
        Ok(Err(refusal)) => {
            say("記録できませんでした").await?;
            edit_html(bot, chat, message_id, &format!("記録できませんでした: {}", escape(&refusal.to_string())), None)
                .await?;
        }
        Err(e) => {
            tracing::error!(error = %e, "writing a confirmed report failed");
            state.sessions.restore_pending(pid, pending);
            say("保存に失敗しました。もう一度「確定」を押してください").await?;
        }
    }
    Ok(())
}

pub(super) async fn flow_step(
    bot: &Outbox,
    state: &Arc<BotState>,
    chat: ChatId,
    message_id: MessageId,
    staff: &Staff,
    cb: Callback,
    page: u16,
) -> HandlerResult {
    let plan = &state.app.plan();
    let Some(i) = plan.initiative(page) else { return Ok(()) };
    if let Err(refusal) = crate::actuals::authority::may_report(Some(staff), staff.telegram_id, i) {
        edit_html(bot, chat, message_id, &escape(&refusal.to_string()), None).await?;
        return Ok(());
    }
    let head = format!("<b>実績の報告</b>\n取組: {}（p.{}）", escape(&i.title), i.page);
    match cb {
        Callback::FlowInitiative(_) if i.kpis.len() > 1 => {
            edit_html(bot, chat, message_id, &format!("{head}\nどの指標ですか？"), Some(keyboard::flow_kpis(i)))
                .await?;
        }
        Callback::FlowInitiative(_) | Callback::FlowKpi { .. } => {
            let kpi = match cb {
                Callback::FlowKpi { kpi, .. } => kpi,
                _ => 0,
            };
            let name = i.kpis.get(usize::from(kpi)).map_or("", |k| k.name.as_str());
            let text = format!("{head}\n指標: {}\nどの年度ですか？", escape(name));
            let today = state.app.today();
            if !i.kpis.get(usize::from(kpi)).is_some_and(|k| k.targets.iter().any(|(y, _)| *y <= today)) {
                let text = format!(
                    "{head}\n指標: {}\n目標のある年度がまだ始まっていないため、報告できる年度はありません（今年度は{}）。",
                    escape(name),
                    today.japanese()
                );
                edit_html(bot, chat, message_id, &text, None).await?;
                return Ok(());
            }
            edit_html(bot, chat, message_id, &text, Some(keyboard::flow_years(plan, i, kpi, today))).await?;
        }
        Callback::FlowYear { kpi, year, .. } => {
            let Some(k) = i.kpis.get(usize::from(kpi)) else { return Ok(()) };
            let fy = crate::plan::FiscalYear::from_gregorian(year);
            let target = k.target(fy).map_or_else(String::new, |t| format!("（目標 {}）", t.raw));
            state
                .sessions
                .set_flow(chat.0, Some(Flow::Value { page, kpi: k.name.clone(), year, user: staff.telegram_id }));
            let text = format!(
                "{head}\n指標: {}\n年度: {fy}\n値を送ってください{}。例: 92件",
                escape(&k.name),
                escape(&target)
            );
            edit_html(bot, chat, message_id, &text, None).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Words that skip the reason asked after a 未達 report.
const NO_REASON: [&str; 5] = ["なし", "無し", "スキップ", "skip", "/skip"];

/// The message after a 未達 report: its reason, kept with the actual (audited), or skipped.
pub(super) async fn reason_reply(
    bot: &Outbox,
    state: &Arc<BotState>,
    chat: ChatId,
    user: i64,
    actual: i64,
    text: &str,
) -> HandlerResult {
    if NO_REASON.contains(&text.trim()) {
        send_html(bot, chat, "理由は記録しませんでした。", None).await?;
        return Ok(());
    }
    let reason = text.to_string();
    let kept =
        blocking(state, move |app| app.with_store(|s| s.add_reason(&app.plan(), user, actual, &reason))).await??;
    match kept {
        Ok(()) => send_html(bot, chat, &format!("未達の理由を記録しました（#{actual}）。"), None).await?,
        Err(refusal @ Refusal::BadReason { .. }) => {
            // Too long or empty: ask again, the flow goes on.
            state.sessions.set_flow(chat.0, Some(Flow::Reason { actual, user }));
            send_html(
                bot,
                chat,
                &format!("{}。もう一度送ってください（残さない場合は「なし」）。", escape(&refusal.to_string())),
                None,
            )
            .await?
        }
        Err(refusal) => {
            send_html(bot, chat, &format!("理由を記録できません: {}", escape(&refusal.to_string())), None).await?
        }
    };
    Ok(())
}

/// `/missing [年度]` (leads and administrators; checked by the caller): the KPIs of an ended
/// fiscal year without an actual, by department, a page at a time.
pub(super) async fn missing_command(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, arg: &str) -> HandlerResult {
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
