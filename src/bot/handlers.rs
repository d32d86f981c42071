//! The endpoints: extract → call the library → render → send. Database and search calls run
//! on the blocking pool. Logs name the chat and what happened, never a resident's words at
//! info level.

use std::sync::Arc;
use std::time::Instant;

use teloxide::payloads::{AnswerCallbackQuerySetters, AnswerInlineQuerySetters};
use teloxide::prelude::*;
use teloxide::types::{
    ChatId, InlineQueryResult, InlineQueryResultArticle, InputMessageContent, InputMessageContentText, Me, ParseMode,
};
use teloxide::utils::command::BotCommands;

use super::admin::{review_command, staff_command, stats_command, teach_command};
use super::commands::{PublicCommand, StaffCommand};
use super::outbox::{Outbox, edit_html, edit_pressed, send_html, split, with_retry};
use super::reports::{
    confirm, export, flow_step, history, missing_command, missing_page, preview, reason_reply, report_command,
};
use super::{BotState, Mode, keyboard};
use crate::actuals::{Refusal, Role, Staff};
use crate::answer::{Card, escape, render_html};
use crate::app::{App, Asker, Audience};
use crate::conversation::Callback;
use crate::conversation::paging::{self, Page};
use crate::conversation::session::Flow;
use crate::search::{Intent, Outcome};

/// The error type of endpoints.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;
pub(super) type HandlerResult = Result<(), HandlerError>;

const STAFF_ONLY: &str = "このボットは那須塩原市の職員専用です。利用するには管理者に登録を依頼してください（あなたのTelegram ID: {id}）。市民の方は公開版のボットをご利用ください。";

pub(super) async fn blocking<T: Send + 'static>(
    state: &BotState,
    f: impl FnOnce(&App) -> T + Send + 'static,
) -> Result<T, HandlerError> {
    let app = state.app.clone();
    Ok(tokio::task::spawn_blocking(move || f(&app)).await?)
}

fn audience(state: &BotState) -> Audience {
    state.mode
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
    // After a 👎, the next message says what they wanted to know: kept with the question,
    // and answered as any question.
    if let Some(answer) = state.sessions.take_wanted(chat.0) {
        let (who, asker, text) = (audience(&state), Asker::Chat(chat.0), question.clone());
        if let Err(e) = blocking(&state, move |app| app.wanted(answer, who, asker, &text)).await? {
            tracing::warn!(error = %e, "what they wanted was not recorded");
        }
    }
    if let Some(Flow::Reason { actual, user: flow_user }) = state.sessions.flow(chat.0)
        && flow_user == user
    {
        state.sessions.set_flow(chat.0, None);
        return reason_reply(bot, &state, chat, user, actual, &question).await;
    }
    if let Some(Flow::Value { page, kpi, year, user: flow_user }) = state.sessions.flow(chat.0)
        && flow_user == user
    {
        state.sessions.set_flow(chat.0, None);
        let (attempt, value) = (format!("p.{page} {kpi} {year} {question}"), question.clone());
        let resolved =
            blocking(&state, move |app| app.resolve_parts(&page.to_string(), &kpi, &year.to_string(), &value)).await?;
        return preview(bot, &state, chat, user, attempt, resolved).await;
    }
    if crate::actuals::authority::can_report(staff.as_ref()) && looks_like_report(&question) {
        let q = question.clone();
        let resolved = blocking(&state, move |app| app.resolve_message(&q)).await?;
        if resolved != Err(Refusal::NotAReport) {
            return preview(bot, &state, chat, user, question, resolved).await;
        }
    }
    answer_question(bot, &state, chat, &question).await
}

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

/// What a message or a command asks the engine.
enum Ask {
    /// A question in the user's words, perhaps following up on the last answer.
    Question(String),
    /// An initiative by name, for an intent (`/kpi 名前`).
    About(String, Intent),
    /// A list (or, when `true`, progress) by the facets a command's argument names.
    List(String, bool),
}

impl Ask {
    /// How the question log keeps it.
    fn logged(&self) -> String {
        match self {
            Ask::Question(q) => q.clone(),
            Ask::About(name, intent) => format!("/{} {name}", intent.as_str()),
            Ask::List(arg, progress) => format!("/{} {arg}", if *progress { "progress" } else { "list" }),
        }
    }

    fn outcome(self, app: &App, context: Option<u16>) -> Outcome {
        let engine = app.engine();
        match self {
            Ask::Question(q) => engine.ask_in_context(&q, context),
            Ask::About(name, intent) => engine.about_name(&name, intent),
            Ask::List(arg, progress) => {
                let filters = engine.facets(&arg);
                if arg.trim().is_empty() || !filters.is_empty() {
                    engine.list_by(filters, progress)
                } else {
                    // No department, policy, means or year: a topic (「/list 子育て」), which
                    // only the question's understanding knows.
                    let what = if progress { "の進捗" } else { "の取組一覧" };
                    engine.ask(&format!("{}{what}", arg.trim()))
                }
            }
        }
    }
}

async fn answer_question(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, question: &str) -> HandlerResult {
    answer(bot, state, chat, Ask::Question(question.to_string())).await
}

async fn answer(bot: &Outbox, state: &Arc<BotState>, chat: ChatId, ask: Ask) -> HandlerResult {
    let started = Instant::now();
    let context = state.sessions.context(chat.0);
    let who = audience(state);
    let logged = ask.logged();
    let (outcome, card, _) = blocking(state, move |app| app.present(ask.outcome(app, context), who)).await??;
    let sent = send_outcome(bot, state, chat, &outcome, &card).await?;
    // Logged once sent, naming the message its 👍 / 👎 are on; the log's writer takes it from
    // here (nothing waits for the disk).
    state.app.record_question("telegram", who, Asker::Chat(chat.0), &logged, &outcome, sent.map(|m| i64::from(m.0)));
    if let Some(probe) = &state.probe {
        probe.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(started.elapsed());
    }
    tracing::info!(
        asker = %state.names.of(chat.0),
        intent = outcome.intent.as_str(),
        ambiguous = outcome.ambiguous,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "answered"
    );
    Ok(())
}

/// Sends the card, with 「解決しましたか？」 👍 / 👎 under it; returns the message that has
/// them (none for a paged list).
async fn send_outcome(
    bot: &Outbox,
    state: &BotState,
    chat: ChatId,
    outcome: &Outcome,
    card: &Card,
) -> Result<Option<teloxide::types::MessageId>, HandlerError> {
    state.sessions.answered(chat.0, outcome);
    if paging::is_paged(outcome) {
        let id = state.sessions.store_list(outcome.clone());
        let first = Page::of(&state.app.plan(), outcome, id, 0);
        send_html(bot, chat, &render_html(&first.card), keyboard::paging(&first)).await?;
        return Ok(None);
    }
    let kpi_of = outcome.single_page().filter(|_| outcome.intent == Intent::Kpi);
    let buttons = card_buttons(&state.app, card, kpi_of, state.app.logs_questions());
    Ok(send_html(bot, chat, &render_html(card), buttons).await?)
}

/// A card's buttons: its sections (or candidates); 「📈 グラフ」 when it shows the KPIs of
/// the initiative on `kpi_of` and they have numbers to draw; 👍 / 👎 when `feedback`.
fn card_buttons(
    app: &App,
    card: &Card,
    kpi_of: Option<u16>,
    feedback: bool,
) -> Option<teloxide::types::InlineKeyboardMarkup> {
    let mut buttons = keyboard::card(card);
    if let Some(page) = kpi_of
        && app.plan().initiative(page).is_some_and(crate::chart::has_chart)
    {
        buttons = keyboard::with_chart(buttons, page);
    }
    if feedback { keyboard::with_feedback(buttons) } else { buttons }
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
        StaffCommand::Kpi(arg) => answer(bot, state, chat, Ask::About(arg.trim().to_string(), Intent::Kpi)).await?,
        StaffCommand::List(arg) if arg.trim().is_empty() => usage(
            bot,
            chat,
            "/list 部署名、基本方針N、または手段（例: /list デジタル推進課、/list 基本方針1、/list キャッシュレス化）",
        )
        .await?,
        StaffCommand::List(arg) => answer(bot, state, chat, Ask::List(arg, false)).await?,
        StaffCommand::Progress(arg) => answer(bot, state, chat, Ask::List(arg, true)).await?,
        StaffCommand::Report(arg) => report_command(bot, state, chat, user, staff.as_ref(), arg.trim()).await?,
        StaffCommand::History(arg) => history(bot, state, chat, arg.trim()).await?,
        StaffCommand::Export => export(bot, state, chat).await?,
        StaffCommand::Staff(arg) => staff_command(bot, state, chat, user, arg.trim()).await?,
        StaffCommand::Review(arg) => review_command(bot, state, chat, arg.trim()).await?,
        StaffCommand::Stats => stats_command(bot, state, chat).await?,
        StaffCommand::Teach(arg) => teach_command(bot, state, chat, user, arg.trim()).await?,
        StaffCommand::Missing(arg) => missing_command(bot, state, chat, arg.trim()).await?,
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

/// The KPI charts of the initiative on `page` as PNGs with their captions (the chart's text
/// alternative), public: actuals without reporters.
fn charts(app: &App, page: u16) -> Result<Vec<(Vec<u8>, String)>, String> {
    let renderer = crate::chart::png::shared()?;
    let plan = app.plan();
    let i = plan.initiative(page).ok_or("no such initiative")?;
    let view = app.actuals().map_err(|e| e.to_string())?;
    i.kpis
        .iter()
        .filter(|k| crate::chart::drawable(k))
        .take(4)
        .enumerate()
        .map(|(n, kpi)| {
            let chart = crate::chart::Chart::of(i, kpi, &plan.years, view.as_deref(), app.today());
            let png = renderer.png(&crate::chart::svg(&chart, &format!("k{n}")), 2.0).map_err(|e| e.to_string())?;
            Ok((png, chart.description()))
        })
        .collect()
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

/// Button presses.
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
        Callback::Noop => say("").await?,
        Callback::Chart(page) => {
            say("").await?;
            let charts = blocking(&state, move |app| charts(app, page)).await?;
            match charts {
                Ok(charts) => {
                    for (png, caption) in charts {
                        super::outbox::send_photo(bot, chat, png, &caption).await?;
                    }
                }
                Err(why) => {
                    tracing::warn!(error = %why, "a chart could not be drawn");
                    send_html(bot, chat, "グラフを表示できませんでした。表の数値をご覧ください。", None).await?;
                }
            }
        }
        Callback::Vote { up } => {
            let (who, asker, answer) = (audience(&state), Asker::Chat(chat.0), i64::from(message_id.0));
            let counted = blocking(&state, move |app| app.vote(answer, who, asker, up)).await?;
            match counted {
                Ok(true) if up => say("ありがとうございます").await?,
                Ok(true) => {
                    state.sessions.await_wanted(chat.0, answer);
                    say("ありがとうございます").await?;
                    send_html(bot, chat, "何を知りたかったですか？ 次のメッセージで一言どうぞ（任意）。", None).await?;
                }
                Ok(false) => say("この操作は使えません").await?,
                Err(e) => {
                    tracing::warn!(error = %e, "a vote was not recorded");
                    say("記録できませんでした").await?;
                }
            }
        }
        Callback::Show { page, intent } => {
            let who = audience(&state);
            let card = blocking(&state, move |app| app.card_for(page, intent, who)).await??;
            state.sessions.set_context(chat.0, page);
            say("").await?;
            // The 👍 / 👎 row stays with the card as its sections change; the KPI section
            // has its charts.
            let feedback = message.reply_markup().is_some_and(keyboard::has_feedback);
            let markup = card_buttons(&state.app, &card, (intent == Intent::Kpi).then_some(page), feedback);
            edit_pressed(bot, message, &render_html(&card), markup).await?;
        }
        Callback::ListPage { list, n } => {
            let Some(outcome) = state.sessions.list(list) else {
                return Ok(say("この一覧は期限切れです。もう一度聞いてください").await?);
            };
            let page = Page::of(&state.app.plan(), &outcome, list, usize::from(n));
            say("").await?;
            edit_pressed(bot, message, &render_html(&page.card), keyboard::paging(&page)).await?;
        }
        Callback::Confirm(pid) => confirm(bot, &state, chat, message_id, user, pid, &say).await?,
        Callback::Missing { year, n } => {
            if !crate::actuals::authority::can_report(staff.as_ref()) {
                return Ok(say("報告できる権限がありません").await?);
            }
            say("").await?;
            missing_page(bot, &state, message, year, n).await?;
        }
        Callback::Cancel(pid) => match state.sessions.take_pending(pid) {
            Some(p) if p.actor != user => {
                state.sessions.restore_pending(pid, p);
                say("報告した本人だけが操作できます").await?;
            }
            Some(_) => {
                say("取り消しました").await?;
                edit_html(bot, chat, message_id, "取り消しました。記録していません。", None).await?;
            }
            None => say("この報告はすでに処理されています").await?,
        },
        Callback::FlowInitiative(page) | Callback::FlowKpi { page, .. } | Callback::FlowYear { page, .. } => {
            let Some(staff) = staff.filter(|s| crate::actuals::authority::can_report(Some(s))) else {
                return Ok(say("報告できる権限がありません").await?);
            };
            flow_step(bot, &state, chat, message_id, &staff, cb, page).await?;
            say("").await?;
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
