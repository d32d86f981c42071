//! One turn of a conversation, for every channel: [`Conversation::turn`] takes what a chat
//! said or pressed ([`Input`]) and gives the [`Reply`]: the card, the actions it offers as
//! data, and what the conversation now remembers. Context, candidates, paging, the chart
//! offer, 👍 / 👎 with 「何を知りたかったですか？」, and the question log are decided here;
//! the channels only translate the input and draw the reply.

use std::sync::Arc;

use super::paging::{self, Page, Turning};
use super::{Callback, Sessions};
use crate::actuals::{AnswerId, Channel, VoteOn};
use crate::answer::Card;
use crate::app::{App, Asker, Audience};
use crate::search::{Intent, Outcome};

/// What a chat said or pressed.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A message in the user's words: a question, perhaps a follow-up on the last answer,
    /// or, after a 👎, what they wanted to know (kept, then answered as a question).
    Text(String),
    /// A pressed button or postback.
    Action {
        /// What it asks for.
        action: Callback,
        /// The channel's id of the message the button is under, when it has one: 👍 / 👎
        /// made before answer ids name their answer by it (Telegram).
        pressed: Option<i64>,
    },
    /// A command with its argument, typed by the channel's own parser.
    Command(Command),
}

/// What a command asks of the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An initiative by name, its KPIs (`/kpi 名前`).
    Kpi(String),
    /// A list by the facets the argument names (`/list 部署|基本方針N|手段|話題`).
    List(String),
    /// Progress by the facets the argument names (`/progress [部署]`).
    Progress(String),
}

/// What a turn comes to.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    /// The card to show, if any.
    pub card: Option<Card>,
    /// The card answers a pressed button: it takes the place of the card pressed, where
    /// the channel can edit (Telegram), and comes as a new message otherwise.
    pub in_place: bool,
    /// The actions the card offers besides its own sections or candidates
    /// ([`Card::actions`]).
    pub offers: Offers,
    /// A short acknowledgement of a press (Telegram shows it as a toast).
    pub ack: Option<&'static str>,
    /// A message of its own after the card (or instead of one).
    pub say: Option<&'static str>,
    /// Draw the KPI charts of the initiative on this page, as pictures.
    pub charts: Option<u16>,
    /// What the conversation remembers after this turn.
    pub remember: Remember,
    /// What the engine made of a question (for the channels' logs and timings).
    pub outcome: Option<Outcome>,
}

/// The actions a reply offers, as data; the channels draw them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Offers {
    /// The card's actions are candidates to pick one of (a question that fits several),
    /// not sections of one initiative.
    pub candidates: bool,
    /// The card is a page of a longer list.
    pub page: Option<Turning>,
    /// 「📈 グラフ」 for the KPI charts of the initiative on this page.
    pub chart: Option<u16>,
    /// 👍 / 👎 on this answer.
    pub vote: Option<AnswerId>,
}

impl Offers {
    /// The 👍 and 👎 actions, when a vote is offered.
    pub fn votes(&self) -> Option<[Callback; 2]> {
        self.vote
            .map(|id| [Callback::Vote { up: true, answer: Some(id) }, Callback::Vote { up: false, answer: Some(id) }])
    }
}

/// What the conversation remembers once a turn is over (kept by the [`Conversation`]; said
/// here so that channels and tests can see it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Remember {
    /// The initiative a follow-up is about.
    pub context: Option<u16>,
    /// The answer given, as logged.
    pub answer: Option<AnswerId>,
    /// The next message says what they wanted to know (after a 👎).
    pub wanted: bool,
}

/// The conversations of one channel: its chats' sessions and how it logs.
pub struct Conversation {
    app: Arc<App>,
    channel: Channel,
    audience: Audience,
    sessions: Sessions,
}

/// The acknowledgement of a press that cannot be acted on.
const UNUSABLE: &str = "この操作は使えません";
/// Said once a vote is counted.
const THANKS: &str = "ありがとうございます";
/// Asked after a 👎.
const WHAT_WANTED: &str = "何を知りたかったですか？ 次のメッセージで一言どうぞ（任意）。";

impl Conversation {
    /// The conversations of `channel`, answered for `audience`.
    pub fn new(app: Arc<App>, channel: Channel, audience: Audience) -> Conversation {
        Conversation { app, channel, audience, sessions: Sessions::default() }
    }

    /// The app answering.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// The chats' sessions (the staff bot's report flow keeps its state there too).
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// One turn of chat `chat`. Runs the engine and the store: call it off an async
    /// runtime's threads (`spawn_blocking`).
    pub fn turn(&self, chat: i64, input: Input) -> Reply {
        match input {
            Input::Text(text) => {
                self.heard(chat, &text);
                self.answer(chat, Ask::Question(text))
            }
            Input::Command(Command::Kpi(name)) => self.answer(chat, Ask::About(name, Intent::Kpi)),
            Input::Command(Command::List(arg)) => self.answer(chat, Ask::List(arg, false)),
            Input::Command(Command::Progress(arg)) => self.answer(chat, Ask::List(arg, true)),
            Input::Action { action, pressed } => self.press(chat, action, pressed),
        }
    }

    /// A message heard: after a 👎, it says what they wanted to know, kept with that
    /// answer. [`Conversation::turn`] calls this for every text; a channel that takes a
    /// message elsewhere (the staff bot's reports) calls it first.
    pub fn heard(&self, chat: i64, text: &str) {
        if let Some(on) = self.sessions.take_wanted(chat)
            && let Err(e) = self.app.wanted(on, self.audience, self.asker(chat), text)
        {
            tracing::warn!(error = %e, "what they wanted was not recorded");
        }
    }

    fn asker(&self, chat: i64) -> Asker {
        match self.channel {
            Channel::Terminal | Channel::Ask => Asker::Terminal,
            Channel::Web => Asker::Anonymous,
            Channel::Telegram | Channel::Line => Asker::Chat(chat),
        }
    }

    fn answer(&self, chat: i64, ask: Ask) -> Reply {
        let logged = ask.logged();
        let context = self.sessions.context(chat);
        let outcome = ask.outcome(&self.app, context);
        let (outcome, card) = match self.app.present(outcome, self.audience) {
            Ok((outcome, card, _)) => (outcome, card),
            Err(e) => {
                tracing::warn!(error = %e, "an answer failed");
                return Reply { say: Some(UNAVAILABLE), ..Reply::default() };
            }
        };
        self.sessions.answered(chat, &outcome);
        let answer = record(&self.app, self.channel, self.audience, self.asker(chat), &logged, &outcome);
        let remember = Remember { context: super::context_after(&outcome), answer, wanted: false };
        if paging::is_paged(&outcome) {
            let id = self.sessions.store_list(outcome.clone());
            let page = Page::of(&self.app.plan(), &outcome, id, 0);
            let offers = Offers { page: Some(page.turning()), ..Offers::default() };
            return Reply { card: Some(page.card), offers, remember, outcome: Some(outcome), ..Reply::default() };
        }
        let kpi_of = outcome.single_page().filter(|_| outcome.intent == Intent::Kpi);
        let offers = Offers {
            candidates: outcome.ambiguous,
            page: None,
            chart: self.chart_of(kpi_of),
            vote: answer.filter(|_| self.app.logs_questions()),
        };
        Reply { card: Some(card), offers, remember, outcome: Some(outcome), ..Reply::default() }
    }

    /// 「📈 グラフ」 for the initiative on `page` when its KPIs have numbers to draw.
    fn chart_of(&self, page: Option<u16>) -> Option<u16> {
        page.filter(|&p| self.app.plan().initiative(p).is_some_and(crate::chart::has_chart))
    }

    fn press(&self, chat: i64, action: Callback, pressed: Option<i64>) -> Reply {
        let ack = |text: &'static str| Reply { ack: Some(text), ..Reply::default() };
        match action {
            Callback::Show { page, intent } => match self.app.card_for(page, intent, self.audience) {
                Ok(card) => {
                    self.sessions.set_context(chat, page);
                    let chart = self.chart_of(Some(page).filter(|_| intent == Intent::Kpi));
                    Reply {
                        card: Some(card),
                        in_place: true,
                        offers: Offers { chart, ..Offers::default() },
                        remember: Remember { context: Some(page), ..Remember::default() },
                        ..Reply::default()
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a section could not be shown");
                    ack("表示できませんでした")
                }
            },
            Callback::ListPage { list, n } => {
                let Some(outcome) = self.sessions.list(list) else {
                    return ack("この一覧は期限切れです。もう一度聞いてください");
                };
                let page = Page::of(&self.app.plan(), &outcome, list, usize::from(n));
                let offers = Offers { page: Some(page.turning()), ..Offers::default() };
                Reply { card: Some(page.card), in_place: true, offers, ..Reply::default() }
            }
            Callback::Vote { up, answer } => {
                let on = match (answer, pressed) {
                    (Some(id), _) => VoteOn::Answer(id),
                    (None, Some(message)) => VoteOn::Message(message),
                    (None, None) => return ack(UNUSABLE),
                };
                self.vote(chat, on, up)
            }
            Callback::Chart(page) => Reply { charts: Some(page), ack: Some(""), ..Reply::default() },
            Callback::Noop => ack(""),
            // The staff bot's report flow and its /missing list answer these before a turn.
            Callback::Confirm(_)
            | Callback::Cancel(_)
            | Callback::FlowInitiative(_)
            | Callback::FlowKpi { .. }
            | Callback::FlowYear { .. }
            | Callback::Missing { .. } => ack(UNUSABLE),
        }
    }

    /// 👍 or 👎 on `on`; after a 👎, the next message says what they wanted to know.
    fn vote(&self, chat: i64, on: VoteOn, up: bool) -> Reply {
        match self.app.vote(on, self.audience, self.asker(chat), up) {
            Ok(true) if up => Reply { ack: Some(THANKS), ..Reply::default() },
            Ok(true) => {
                self.sessions.await_wanted(chat, on);
                let remember = Remember { wanted: true, ..Remember::default() };
                Reply { ack: Some(THANKS), say: Some(WHAT_WANTED), remember, ..Reply::default() }
            }
            Ok(false) => Reply { ack: Some(UNUSABLE), ..Reply::default() },
            Err(e) => {
                tracing::warn!(error = %e, "a vote was not recorded");
                Reply { ack: Some("記録できませんでした"), ..Reply::default() }
            }
        }
    }
}

/// Said when the engine or the store fails to answer.
const UNAVAILABLE: &str = "ただいま回答できません。しばらくしてからもう一度お試しください。";

/// Logs `question` and what came of it under a new answer id, the one its 👍 / 👎 will
/// carry; `None` when the app keeps no question log. Every channel logs through here (the
/// chats in [`Conversation::turn`]; `ask` and the site's search when configured to).
pub fn record(
    app: &App,
    channel: Channel,
    audience: Audience,
    asker: Asker,
    question: &str,
    outcome: &Outcome,
) -> Option<AnswerId> {
    if !app.logs_questions() {
        return None;
    }
    let id = AnswerId::fresh();
    app.record_question(channel, audience, asker, question, outcome, Some(id));
    Some(id)
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
