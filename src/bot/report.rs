//! The staff bot's reports: a report sentence or `/report 取組 指標 年度 値` shown with
//! 確定 / 取消 (only 確定 writes), the guided flow (initiative → indicator → year → value),
//! the reason asked after a 未達 report, and telling a report sentence from a question.

use std::sync::Arc;

use teloxide::types::{ChatId, MessageId};

use super::handlers::{HandlerError, HandlerResult, blocking, usage};
use super::outbox::{Outbox, edit_html, send_html};
use super::{BotState, keyboard};
use crate::actuals::{Refusal, ResolvedReport, Staff, Status};
use crate::answer::{escape, render_html};
use crate::conversation::Callback;
use crate::conversation::session::{Flow, Pending};

/// A sentence that reads as a report rather than a question: a value (a number that is not
/// a year, found by the same scanner as reports and questions' figures) with a unit or
/// 「でした」, and no question cue. Whether it really is a report is then the report
/// parser's call: it refuses what it cannot read exactly.
pub fn looks_like_report(text: &str) -> bool {
    let t = crate::normalize::normalize(text);
    let question =
        t.contains('?') || ["教えて", "ですか", "ますか", "は何", "どれ", "いくつ"].iter().any(|w| t.contains(w));
    let closing = t.ends_with("でした") || t.ends_with("です");
    let value = crate::numbers::scan(&t).iter().any(|n| !n.year_like && (n.unit.is_some() || closing));
    value && !question && (t.contains("でした") || t.contains("です") || t.contains("実績") || t.contains("は"))
}

pub(super) async fn command(
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

async fn start_flow(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, staff: &Staff) -> HandlerResult {
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
            let id = state.conversation.sessions().store_pending(Pending { actor: user, report, attempt });
            send_html(bot, chat, &text, Some(keyboard::confirm(id))).await?;
        }
    }
    Ok(())
}

/// The report card; before writing (`asking`), a value's warning asks for 確定.
fn describe(state: &BotState, r: &ResolvedReport, heading: &str, asking: bool) -> String {
    let mut card = crate::answer::report_card(&state.app.plan(), r, heading, state.app.today());
    if asking && r.warning.is_some() {
        card.blocks.push(crate::answer::Block::Text("正しければ「確定」を押してください。".into()));
    }
    render_html(&card)
}

/// The press of 確定 or 取消 under a report: where, and by whom.
pub(super) struct Press {
    /// The chat.
    pub chat: ChatId,
    /// The message the buttons are under.
    pub message: MessageId,
    /// Who pressed.
    pub user: i64,
}

/// 確定 of a pending report: written by the one who reported, once.
pub(super) async fn confirm<F, Fut>(
    bot: &Outbox,
    state: &Arc<BotState>,
    press: Press,
    pid: u32,
    say: &F,
) -> HandlerResult
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = Result<(), teloxide::RequestError>>,
{
    let Press { chat, message: message_id, user } = press;
    let Some(pending) = state.conversation.sessions().take_pending(pid) else {
        // A second press, or a press after a restart: nothing to do.
        say("この報告はすでに処理されています").await?;
        return Ok(());
    };
    if pending.actor != user {
        state.conversation.sessions().restore_pending(pid, pending);
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
                state.conversation.sessions().set_flow(chat.0, Some(Flow::Reason { actual: actual_id, user }));
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
            state.conversation.sessions().restore_pending(pid, pending);
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
                .conversation
                .sessions()
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

/// 取消 of a pending report: only the one who reported may. Returns what the press is
/// answered with.
pub(super) async fn cancel(
    bot: &Outbox,
    state: &Arc<BotState>,
    press: Press,
    pid: u32,
) -> Result<&'static str, HandlerError> {
    let Press { chat, message: message_id, user } = press;
    let sessions = state.conversation.sessions();
    Ok(match sessions.take_pending(pid) {
        Some(p) if p.actor != user => {
            sessions.restore_pending(pid, p);
            "報告した本人だけが操作できます"
        }
        Some(_) => {
            edit_html(bot, chat, message_id, "取り消しました。記録していません。", None).await?;
            "取り消しました"
        }
        None => "この報告はすでに処理されています",
    })
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
            state.conversation.sessions().set_flow(chat.0, Some(Flow::Reason { actual, user }));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_sentences_are_told_from_questions() {
        assert!(looks_like_report("どこでも窓口の搭載手続数、令和8年度は92件でした"));
        assert!(looks_like_report("漏水の発生件数は180件です"));
        assert!(!looks_like_report("令和9年度の漏水調査の目標は？"));
        assert!(!looks_like_report("漏水調査のKPI"));
        assert!(!looks_like_report("5,000件の目標の取組はどれ"));
    }
}
