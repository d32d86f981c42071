//! The endpoints: extract → call → render → send. A message, a command or a button press
//! that asks something of the plan is a turn of the conversation core
//! ([`crate::conversation::Conversation::turn`]), drawn by [`super::reply`]; the staff's
//! reports are [`super::report`]'s, the administrators' commands [`super::admin`]'s.
//! Database and search calls run on the blocking pool. Logs name the chat and what happened,
//! never a resident's words at info level.

use std::sync::Arc;
use std::time::Instant;

use teloxide::payloads::{AnswerCallbackQuerySetters, AnswerInlineQuerySetters};
use teloxide::prelude::*;
use teloxide::types::{
    ChatId, InlineQueryResult, InlineQueryResultArticle, InputMessageContent, InputMessageContentText, Me, ParseMode,
};
use teloxide::utils::command::BotCommands;

use super::commands::{PublicCommand, StaffCommand};
use super::outbox::{Outbox, send_html, split, with_retry};
use super::{BotState, Mode, admin, reply, report};
use crate::actuals::{Refusal, Staff};
use crate::answer::{escape, render_html};
use crate::app::App;
use crate::conversation::session::Flow;
use crate::conversation::{Callback, Command, Input};
use crate::search::Intent;

/// The error type of endpoints.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;
pub(super) type HandlerResult = Result<(), HandlerError>;

const STAFF_ONLY: &str = "このボットは那須塩原市の職員専用です。利用するには管理者に登録を依頼してください（あなたのTelegram ID: {id}）。市民の方は公開版のボットをご利用ください。";

/// Runs `f` with the app on the blocking pool.
pub(super) async fn blocking<T: Send + 'static>(
    state: &BotState,
    f: impl FnOnce(&App) -> T + Send + 'static,
) -> Result<T, HandlerError> {
    let app = state.app.clone();
    Ok(tokio::task::spawn_blocking(move || f(&app)).await?)
}

/// The registered member of staff with this id (staff mode).
async fn staff_member(state: &BotState, user: i64) -> Result<Option<Staff>, HandlerError> {
    Ok(blocking(state, move |app| app.with_store(|s| s.staff(user))).await??)
}

/// Any message: commands, questions, report sentences, guided-flow values.
pub async fn message(msg: Message, me: Me, state: Arc<BotState>) -> HandlerResult {
    let bot = &state.outbox;
    let Some(text) = msg.text() else { return Ok(()) };
    let chat = msg.chat.id;
    let user = msg.from.as_ref().map_or(chat.0, |u| i64::try_from(u.id.0).unwrap_or(0));
    let is_command = text.starts_with('/');
    let mention = format!("@{}", me.username());
    // Groups: commands and mentions only.
    let question = if !msg.chat.is_private() && !is_command {
        if !text.contains(&mention) {
            return Ok(());
        }
        text.replace(&mention, " ").trim().to_string()
    } else {
        text.trim().to_string()
    };
    let asker = state.names.of(chat.0);
    tracing::info!(%asker, kind = if is_command { "command" } else { "text" }, "message");
    tracing::debug!(%asker, text = %question, "message text");

    let staff = match state.mode {
        Mode::Staff => match staff_member(&state, user).await? {
            Some(s) => Some(s),
            None => {
                send_html(bot, chat, &escape(&STAFF_ONLY.replace("{id}", &user.to_string())), None).await?;
                return Ok(());
            }
        },
        Mode::Public => None,
    };

    if is_command {
        return command(bot, &state, &msg, text, &me, staff, user).await;
    }
    // After a 👎, the next message says what they wanted to know: kept with that answer by
    // the core, whatever this message turns out to be.
    let (conversation, said) = (Arc::clone(&state.conversation), question.clone());
    tokio::task::spawn_blocking(move || conversation.heard(chat.0, &said)).await?;
    if let Some(Flow::Reason { actual, user: flow_user }) = state.conversation.sessions().flow(chat.0)
        && flow_user == user
    {
        state.conversation.sessions().set_flow(chat.0, None);
        return report::reason_reply(bot, &state, chat, user, actual, &question).await;
    }
    if let Some(Flow::Value { page, kpi, year, user: flow_user }) = state.conversation.sessions().flow(chat.0)
        && flow_user == user
    {
        state.conversation.sessions().set_flow(chat.0, None);
        let (attempt, value) = (format!("p.{page} {kpi} {year} {question}"), question.clone());
        let resolved =
            blocking(&state, move |app| app.resolve_parts(&page.to_string(), &kpi, &year.to_string(), &value)).await?;
        return report::preview(bot, &state, chat, user, attempt, resolved).await;
    }
    if crate::actuals::authority::can_report(staff.as_ref()) && report::looks_like_report(&question) {
        let q = question.clone();
        let resolved = blocking(&state, move |app| app.resolve_message(&q)).await?;
        if resolved != Err(Refusal::NotAReport) {
            return report::preview(bot, &state, chat, user, question, resolved).await;
        }
    }
    ask(&state, chat, Input::Text(question)).await
}

/// A turn of the conversation core for `chat`, its reply sent as new messages.
async fn ask(state: &Arc<BotState>, chat: ChatId, input: Input) -> HandlerResult {
    let started = Instant::now();
    let conversation = Arc::clone(&state.conversation);
    let turned = tokio::task::spawn_blocking(move || conversation.turn(chat.0, input)).await?;
    reply::send(state, chat, &turned).await?;
    if let Some(probe) = &state.probe {
        probe.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(started.elapsed());
    }
    if let Some(outcome) = &turned.outcome {
        tracing::info!(
            asker = %state.names.of(chat.0),
            intent = outcome.intent.as_str(),
            ambiguous = outcome.ambiguous,
            answer = turned.remember.answer.map(|a| a.get()),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "answered"
        );
    }
    Ok(())
}

async fn command(
    bot: &Outbox,
    state: &Arc<BotState>,
    msg: &Message,
    text: &str,
    me: &Me,
    staff: Option<Staff>,
    user: i64,
) -> HandlerResult {
    let chat = msg.chat.id;
    let parsed = match state.mode {
        Mode::Staff => StaffCommand::parse(text, me.username()).ok(),
        Mode::Public => PublicCommand::parse(text, me.username()).ok().map(|c| match c {
            PublicCommand::Start => StaffCommand::Start,
            PublicCommand::Help => StaffCommand::Help,
            PublicCommand::Kpi(a) => StaffCommand::Kpi(a),
            PublicCommand::List(a) => StaffCommand::List(a),
            PublicCommand::Progress(a) => StaffCommand::Progress(a),
        }),
    };
    let Some(cmd) = parsed else {
        // A command of another bot in a group is not ours to answer.
        let ours = !text.split_whitespace().next().unwrap_or("").contains('@')
            || text.contains(&format!("@{}", me.username()));
        if msg.chat.is_private() || ours {
            let note = match state.mode {
                Mode::Public => "そのコマンドはありません。このボットは閲覧専用です。/help で使い方を表示します。",
                Mode::Staff => "そのコマンドはありません。/help で使い方を表示します。",
            };
            send_html(bot, chat, note, None).await?;
        }
        return Ok(());
    };
    // The administrators' commands, decided here once.
    let admin_only = match &cmd {
        StaffCommand::Staff(_) => Some("/staff"),
        StaffCommand::Review(_) => Some("/review"),
        StaffCommand::Stats => Some("/stats"),
        StaffCommand::Teach(_) => Some("/teach"),
        _ => None,
    };
    // The list of what is missing is the reporters': leads and administrators.
    if matches!(cmd, StaffCommand::Missing(_)) && !crate::actuals::authority::can_report(staff.as_ref()) {
        send_html(bot, chat, "/missing は各課の担当リーダーと管理者が使えます。", None).await?;
        return Ok(());
    }
    if let Some(name) = admin_only
        && !crate::actuals::authority::is_admin(staff.as_ref())
    {
        send_html(bot, chat, &format!("{name} は管理者だけが使えます。"), None).await?;
        return Ok(());
    }
    match cmd {
        StaffCommand::Start => send_html(bot, chat, &start_text(state), None).await.map(drop)?,
        StaffCommand::Help => send_html(bot, chat, &help_text(state, staff.as_ref()), None).await.map(drop)?,
        StaffCommand::Kpi(arg) if arg.trim().is_empty() => {
            usage(bot, chat, "/kpi 取組名（例: /kpi どこでも窓口）").await?
        }
        StaffCommand::Kpi(arg) => ask(state, chat, Input::Command(Command::Kpi(arg.trim().to_string()))).await?,
        StaffCommand::List(arg) if arg.trim().is_empty() => usage(
            bot,
            chat,
            "/list 部署名、基本方針N、または手段（例: /list デジタル推進課、/list 基本方針1、/list キャッシュレス化）",
        )
        .await?,
        StaffCommand::List(arg) => ask(state, chat, Input::Command(Command::List(arg))).await?,
        StaffCommand::Progress(arg) => ask(state, chat, Input::Command(Command::Progress(arg))).await?,
        StaffCommand::Report(arg) => report::command(bot, state, chat, user, staff.as_ref(), arg.trim()).await?,
        StaffCommand::History(arg) => admin::history(bot, state, chat, arg.trim()).await?,
        StaffCommand::Export => admin::export(bot, state, chat).await?,
        StaffCommand::Staff(arg) => admin::staff(bot, state, chat, user, arg.trim()).await?,
        StaffCommand::Review(arg) => admin::review(bot, state, chat, arg.trim()).await?,
        StaffCommand::Stats => admin::stats(bot, state, chat).await?,
        StaffCommand::Teach(arg) => admin::teach(bot, state, chat, user, arg.trim()).await?,
        StaffCommand::Missing(arg) => admin::missing(bot, state, chat, arg.trim()).await?,
    }
    Ok(())
}

pub(super) async fn usage(bot: &Outbox, chat: ChatId, how: &str) -> HandlerResult {
    send_html(bot, chat, &format!("使い方: {}", escape(how)), None).await?;
    Ok(())
}

fn start_text(state: &BotState) -> String {
    let plan = &state.app.plan();
    let who = match state.mode {
        Mode::Staff => "職員向け",
        Mode::Public => "市民向け（閲覧専用）",
    };
    format!(
        "<b>{}</b>（{}件の取組）について答えるボットです（{who}）。\n\n質問をそのまま送ってください。例:\n・書かない窓口はいつから？\n・漏水調査のKPI\n・保全管理課の取組\n\n/help で使い方を表示します。",
        escape(&plan.title),
        plan.initiatives.len()
    )
}

fn help_text(state: &BotState, staff: Option<&Staff>) -> String {
    // From the menus, not from `descriptions()`: that would put the enum's doc comment (written
    // in English for Rust readers) at the top of the residents' help.
    let menu = match state.mode {
        Mode::Public => super::commands::public_menu(),
        Mode::Staff => super::commands::staff_menu(crate::actuals::authority::is_admin(staff)),
    };
    let commands = super::commands::help_lines(&menu);
    let reporter = state.mode == Mode::Staff && crate::actuals::authority::can_report(staff);
    let how = crate::answer::HelpFor::Bot { commands: &commands, reporter };
    render_html(&crate::answer::help_card(&state.app.plan(), how))
}

/// Button presses: the staff's report flow is [`super::report`]'s; every other action is a
/// turn of the conversation core, its reply put in place of the card pressed.
pub async fn callback(q: CallbackQuery, state: Arc<BotState>) -> HandlerResult {
    let bot = &state.outbox;
    let user = i64::try_from(q.from.id.0).unwrap_or(0);
    let id = q.id.clone();
    let say = |text: &'static str| {
        let client = bot.bot.clone();
        let id = id.clone();
        async move {
            with_retry("answerCallbackQuery", || {
                let req = client.answer_callback_query(id.clone()).text(text);
                async move { req.await }
            })
            .await
            .map(drop)
        }
    };
    let staff = match state.mode {
        Mode::Staff => match staff_member(&state, user).await? {
            Some(s) => Some(s),
            None => return Ok(say("このボットは職員専用です").await?),
        },
        Mode::Public => None,
    };
    let Some(cb) = q.data.as_deref().and_then(Callback::decode) else {
        return Ok(say("この操作は使えません").await?);
    };
    let Some(message) = q.regular_message() else {
        return Ok(say("").await?);
    };
    let (chat, message_id) = (message.chat.id, message.id);
    tracing::info!(asker = %state.names.of(chat.0), "button");
    match cb {
        Callback::Confirm(pid) => {
            report::confirm(bot, &state, report::Press { chat, message: message_id, user }, pid, &say).await?
        }
        Callback::Cancel(pid) => {
            say(report::cancel(bot, &state, report::Press { chat, message: message_id, user }, pid).await?).await?
        }
        Callback::Missing { year, n } => {
            if !crate::actuals::authority::can_report(staff.as_ref()) {
                return Ok(say("報告できる権限がありません").await?);
            }
            say("").await?;
            admin::missing_page(bot, &state, message, year, n).await?;
        }
        Callback::FlowInitiative(page) | Callback::FlowKpi { page, .. } | Callback::FlowYear { page, .. } => {
            let Some(staff) = staff.filter(|s| crate::actuals::authority::can_report(Some(s))) else {
                return Ok(say("報告できる権限がありません").await?);
            };
            report::flow_step(bot, &state, chat, message_id, &staff, cb, page).await?;
            say("").await?;
        }
        action => {
            let conversation = Arc::clone(&state.conversation);
            let input = Input::Action { action, pressed: Some(i64::from(message_id.0)) };
            let turned = tokio::task::spawn_blocking(move || conversation.turn(chat.0, input)).await?;
            say(turned.ack.unwrap_or("")).await?;
            reply::pressed(&state, message, &turned).await?;
        }
    }
    Ok(())
}

/// `@bot どこでも窓口` in any chat: cards to share.
pub async fn inline(q: InlineQuery, state: Arc<BotState>) -> HandlerResult {
    let bot = &state.outbox;
    let user = i64::try_from(q.from.id.0).unwrap_or(0);
    let allowed = state.mode == Mode::Public || staff_member(&state, user).await?.is_some();
    let query = q.query.trim().to_string();
    tracing::info!(asker = %state.names.of(user), "inline query");
    let results: Vec<InlineQueryResult> = if !allowed || query.is_empty() {
        Vec::new()
    } else {
        // An inline card is posted into any chat, seen by anyone there: it is the public
        // card (actuals without reporters and times), whichever bot made it.
        let who = crate::app::Audience::Public;
        blocking(&state, move |app| -> Result<Vec<InlineQueryResult>, HandlerError> {
            let engine = app.engine();
            let outcome = engine.ask(&query);
            let single = outcome.single_page();
            let pages: Vec<u16> = match single {
                Some(p) => vec![p],
                None => outcome.hits.iter().take(10).map(|h| h.page).collect(),
            };
            let mut out = Vec::new();
            for page in pages {
                let intent = if single.is_some() { outcome.intent } else { Intent::Overview };
                let card = app.card_for(page, intent, who)?;
                let Some(i) = engine.plan().initiative(page) else { continue };
                let html =
                    split(&render_html(&card), super::outbox::MESSAGE_LIMIT).into_iter().next().unwrap_or_default();
                let content = InputMessageContent::Text(InputMessageContentText::new(html).parse_mode(ParseMode::Html));
                let article =
                    InlineQueryResultArticle::new(format!("p{page}-{}", intent.as_str()), i.title.clone(), content)
                        .description(format!("{} ／ p.{}", i.department_label(), i.page));
                out.push(InlineQueryResult::Article(article));
            }
            Ok(out)
        })
        .await??
    };
    let personal = state.mode == Mode::Staff;
    with_retry("answerInlineQuery", || {
        let req = bot.bot.answer_inline_query(q.id.clone(), results.clone()).cache_time(0).is_personal(personal);
        async move { req.await }
    })
    .await?;
    Ok(())
}
