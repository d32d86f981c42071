//! The public bot on LINE: a webhook server (axum) for the Messaging API, answering as the
//! Telegram public bot does, with the same cards rendered as Flex Messages.
//!
//! `keikaku serve --channel line --mode public`. A request is checked first
//! ([`signature::verify`] on the raw body, before anything is parsed), then answered 200 at
//! once; each event is handled on its own task: a text → the answer card; a postback → a
//! section, a candidate, a list's page or a vote; follow and join → a greeting. Replies use
//! the event's reply token; when it has expired (or was used), the answer is pushed with a
//! retry key derived from the event, so that it is never delivered twice. An event LINE
//! sends again (`webhookEventId`) is handled once.

pub mod api;
pub mod event;
pub mod flex;
pub mod rich_menu;
pub mod signature;

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;

use crate::answer::{Card, help_card, list_page};
use crate::app::{App, Asker, Audience};
use crate::bot::session::Sessions;
use crate::bot::{Callback, Probe};
use crate::search::{Intent, Outcome};
use api::{Api, ApiError};
use event::{Event, Webhook};

/// Items per page of a list (as on Telegram).
const PER_PAGE: usize = 10;
/// Event ids remembered for redeliveries.
const SEEN: usize = 100_000;

/// How to reach LINE and where to listen.
#[derive(Debug, Clone)]
pub struct Config {
    /// The channel secret (`LINE_CHANNEL_SECRET`): what webhook requests are signed with.
    pub secret: String,
    /// The channel access token (`LINE_CHANNEL_ACCESS_TOKEN`).
    pub token: String,
    /// The Messaging API's base URL (`LINE_API_URL`, default `https://api.line.me`).
    pub api_url: String,
    /// The content API's base URL (`LINE_DATA_API_URL`, default `https://api-data.line.me`).
    pub data_api_url: String,
    /// Where the webhook server listens (`--listen` / `KEIKAKU_LISTEN`, default
    /// `127.0.0.1:8090`).
    pub listen: SocketAddr,
    /// The webhook's path (`KEIKAKU_LINE_WEBHOOK_PATH`, default `/line/webhook`).
    pub path: String,
    /// Requests a second to the API at most (`KEIKAKU_LINE_RATE`, default 1000; LINE allows
    /// 2,000 for replies and pushes).
    pub per_sec: u32,
    /// The largest webhook body taken, in bytes (1 MiB).
    pub max_body: usize,
    /// How often to look for changed data files (`KEIKAKU_RELOAD_SECS`, as the Telegram
    /// bots).
    pub reload_every: Option<Duration>,
    /// Handler latencies, for the load benchmark.
    pub probe: Option<Probe>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl Config {
    /// From the environment; `listen` overrides `KEIKAKU_LISTEN`.
    pub fn from_env(listen: Option<&str>) -> anyhow::Result<Config> {
        let need = |name: &str, what: &str| {
            env(name).ok_or_else(|| {
                anyhow::anyhow!(
                    "{name} is not set: in the LINE Developers console, open the Messaging API channel and copy its {what} (see README: LINE)"
                )
            })
        };
        let secret = need("LINE_CHANNEL_SECRET", "channel secret (Basic settings)")?;
        let token = need("LINE_CHANNEL_ACCESS_TOKEN", "channel access token (Messaging API tab, long-lived)")?;
        let listen_text = listen.map(str::to_string).or_else(|| env("KEIKAKU_LISTEN"));
        let listen_text = listen_text.unwrap_or_else(|| "127.0.0.1:8090".into());
        let listen: SocketAddr = listen_text.parse().with_context(|| {
            format!("cannot listen on 「{listen_text}」: give an address and port, e.g. 127.0.0.1:8090")
        })?;
        let per_sec = match env("KEIKAKU_LINE_RATE") {
            Some(n) => n.parse().with_context(|| format!("KEIKAKU_LINE_RATE 「{n}」: requests a second, a number"))?,
            None => 1000,
        };
        let path = env("KEIKAKU_LINE_WEBHOOK_PATH").unwrap_or_else(|| "/line/webhook".into());
        anyhow::ensure!(path.starts_with('/'), "KEIKAKU_LINE_WEBHOOK_PATH 「{path}」 must start with /");
        let reload_every = crate::app::reload_every_from_env().map_err(anyhow::Error::msg)?;
        Ok(Config {
            secret,
            token,
            api_url: env("LINE_API_URL").unwrap_or_else(|| "https://api.line.me".into()),
            data_api_url: env("LINE_DATA_API_URL").unwrap_or_else(|| "https://api-data.line.me".into()),
            listen,
            path,
            per_sec,
            max_body: 1 << 20,
            reload_every,
            probe: None,
        })
    }
}

/// What the handlers share.
pub struct LineState {
    app: Arc<App>,
    api: Api,
    secret: String,
    sessions: Sessions,
    seen: Mutex<Seen>,
    /// Numbers the answers, for their 👍 / 👎 (LINE's replies carry no message id we keep).
    answers: AtomicI64,
    /// The bot's display name, when LINE told it: in a group, a message that starts with it
    /// is addressed to the bot even without a mention.
    name: Option<String>,
    probe: Option<Probe>,
}

/// Event ids already taken, the oldest forgotten first.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// True the first time `id` is offered.
    fn first(&mut self, id: &str) -> bool {
        if !self.ids.insert(id.to_string()) {
            return false;
        }
        self.order.push_back(id.to_string());
        if self.order.len() > SEEN
            && let Some(old) = self.order.pop_front()
        {
            self.ids.remove(&old);
        }
        true
    }
}

/// A LINE user, group or room as the sessions and the log key chats: a 64-bit hash of its id
/// (the log keeps only a keyed hash of that, as for Telegram chats).
pub fn chat_key(id: &str) -> i64 {
    let digest = crate::search::index::fingerprint(&[b"line", id.as_bytes()]);
    i64::from_str_radix(&digest[1..], 16).unwrap_or(0)
}

/// The webhook server's routes over `state`.
pub fn router(state: Arc<LineState>, path: &str, max_body: usize) -> axum::Router {
    axum::Router::new()
        .route(path, post(webhook))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

/// Runs the webhook server at `config.listen` until `stop` completes.
pub async fn run(config: Config, app: Arc<App>, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| {
        format!("cannot listen on {}: is another process there? (--listen / KEIKAKU_LISTEN)", config.listen)
    })?;
    serve_on(listener, config, app, stop).await
}

/// Runs the webhook server on `listener` (tests bind port 0) until `stop` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: Config,
    app: Arc<App>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let api = Api::new(&config.api_url, &config.data_api_url, &config.token, config.per_sec);
    // The name people address the bot by; without it, groups need a mention.
    let name = match tokio::time::timeout(Duration::from_secs(5), api.bot_info()).await {
        Ok(Ok(info)) => info["displayName"].as_str().map(String::from).filter(|n| !n.is_empty()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the bot's profile could not be read: in groups, only mentions are answered");
            None
        }
        Err(_) => None,
    };
    let state = Arc::new(LineState {
        app,
        api,
        name,
        secret: config.secret.clone(),
        sessions: Sessions::default(),
        seen: Mutex::new(Seen::default()),
        answers: AtomicI64::new(crate::actuals::now_unix() * 1000),
        probe: config.probe.clone(),
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(every) = config.reload_every {
        // A file that does not load is logged: the LINE bot has no administrators' chat.
        tokio::spawn(crate::app::watch_data(Arc::clone(&state.app), every, stop_rx.clone(), |_| async {}));
    }
    let at = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(listen = %at, path = %config.path, "LINE webhook server listening");
    let router = router(state, &config.path, config.max_body);
    let mut stopped = stop_rx;
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            stop.await;
            let _ = stop_tx.send(true);
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await
        .context("the LINE webhook server failed")?;
    tracing::info!("stopped");
    Ok(())
}

/// `POST` of the webhook: the signature first, then 200 at once; the events are handled on
/// their own tasks.
async fn webhook(State(state): State<Arc<LineState>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("x-line-signature").and_then(|v| v.to_str().ok());
    if !signature::verify(&state.secret, &body, signature) {
        tracing::warn!("a webhook request without a valid signature was refused");
        return StatusCode::UNAUTHORIZED;
    }
    let hook: Webhook = match serde_json::from_slice(&body) {
        Ok(hook) => hook,
        Err(e) => {
            tracing::warn!(error = %e, "a signed webhook request is not the JSON LINE sends");
            return StatusCode::BAD_REQUEST;
        }
    };
    for event in hook.events {
        if let Some(id) = &event.webhook_event_id {
            let first = state.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).first(id);
            if !first {
                tracing::info!(event = %id, "a redelivered event was already handled");
                continue;
            }
        }
        tokio::spawn(handle(Arc::clone(&state), event));
    }
    StatusCode::OK
}

/// Where an answer goes: the reply token, or a push to the source when it has expired.
struct To {
    reply_token: Option<String>,
    push: Option<String>,
    /// What the retry key of a push is made from (the event's id).
    seed: String,
}

async fn handle(state: Arc<LineState>, event: Event) {
    if event.mode.as_deref() == Some("standby") {
        return;
    }
    let Some(source) = event.source.clone() else { return };
    let chat = chat_key(source.push_target().unwrap_or(""));
    let to = To {
        reply_token: event.reply_token.clone(),
        push: source.push_target().map(String::from),
        seed: event.webhook_event_id.clone().unwrap_or_else(|| format!("{chat}-{}", event.timestamp)),
    };
    let started = std::time::Instant::now();
    let messages = match event.kind.as_str() {
        "message" => match &event.message {
            Some(m) if m.kind == "text" => {
                let mut text = m.text_without_self_mentions();
                if source.is_group() && !m.mentions_self() {
                    // Addressed by name (「けいかく、どこでも窓口は？」), or not for the bot.
                    let Some(rest) = state.name.as_deref().and_then(|n| addressed(&text, n)) else { return };
                    text = rest;
                }
                if let Some(answer) = state.sessions.take_wanted(chat) {
                    // After a 👎: what they wanted to know, kept with that answer.
                    let (app, said) = (Arc::clone(&state.app), text.clone());
                    let kept = tokio::task::spawn_blocking(move || {
                        app.wanted(answer, Audience::Public, Asker::Chat(chat), &said)
                    })
                    .await;
                    if !matches!(kept, Ok(Ok(_))) {
                        tracing::warn!("what a resident wanted to know was not kept");
                    }
                }
                if text.is_empty() || is_help(&text) {
                    vec![greeting(&state, None)]
                } else {
                    answer(&state, chat, text).await
                }
            }
            Some(_) if !source.is_group() => {
                vec![flex::text_message("文字で質問してください（例: どこでも窓口のKPI）。", None)]
            }
            _ => return,
        },
        "postback" => {
            let data = event.postback.as_ref().map(|p| p.data.clone()).unwrap_or_default();
            match postback(&state, chat, &data).await {
                Some(messages) => messages,
                None => return,
            }
        }
        "follow" => vec![greeting(&state, Some("友だち追加ありがとうございます。"))],
        "join" => vec![greeting(
            &state,
            Some(
                "グループに招待ありがとうございます。このグループでは、メンション（@）をつけるか名前で呼びかけた質問に答えます。",
            ),
        )],
        other => {
            tracing::info!(event = other, "a LINE event that needs no answer");
            return;
        }
    };
    send(&state, &to, &messages).await;
    if let Some(probe) = &state.probe {
        probe.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(started.elapsed());
    }
}

/// Replies, or pushes when the reply token is no longer good.
async fn send(state: &LineState, to: &To, messages: &[Value]) {
    let replied = match &to.reply_token {
        Some(token) => state.api.reply(token, messages).await,
        None => Err(ApiError::InvalidReplyToken),
    };
    match replied {
        Ok(()) => {}
        Err(ApiError::InvalidReplyToken) => {
            let Some(target) = &to.push else { return };
            let key = api::retry_key(&to.seed);
            tracing::info!("the reply token had expired: pushing the answer instead");
            if let Err(e) = state.api.push(target, messages, &key).await {
                tracing::warn!(error = %e, "an answer could not be pushed");
            }
        }
        Err(e) => tracing::warn!(error = %e, "an answer could not be sent"),
    }
}

/// The rest of `text` when it starts with the bot's name (「@けいかく …」「けいかく、…」).
fn addressed(text: &str, name: &str) -> Option<String> {
    let t = text.trim_start().trim_start_matches(['@', '＠']);
    let rest = t.strip_prefix(name)?;
    Some(rest.trim_start_matches([' ', '　', '、', ',', '，', ':', '：']).trim().to_string())
}

/// 「使い方」, 「ヘルプ」, `help`.
fn is_help(text: &str) -> bool {
    let t = crate::normalize::normalize(text);
    ["使い方", "つかいかた", "ヘルプ", "help", "/help", "/start"].contains(&t.trim())
}

/// How to ask, with examples as quick replies; `hello`: the first words to a new friend or
/// a group.
fn greeting(state: &LineState, hello: Option<&str>) -> Value {
    let plan = state.app.plan();
    let card = help_card(&plan, crate::answer::HelpFor::Line);
    let mut text = crate::answer::render_text(&card);
    if let Some(hello) = hello {
        text = format!("{hello}{}（{}件の取組）について答えます。\n\n{text}", plan.title, plan.initiatives.len());
    }
    // The help card's own examples (made from the plan), as buttons that ask them.
    let examples: Vec<Value> = card
        .blocks
        .iter()
        .filter_map(|b| match b {
            crate::answer::Block::Item(q) => Some(q),
            _ => None,
        })
        .take(flex::MAX_QUICK_REPLIES)
        .map(|q| serde_json::json!({"type": "action", "action": {"type": "message", "label": flex::truncate(q, flex::MAX_LABEL), "text": q}}))
        .collect();
    flex::text_message(text.trim(), Some(serde_json::json!({"items": examples})))
}

/// The answer's messages: the card (its list paged), candidates and 👍 / 👎 as quick
/// replies; the question logged.
async fn answer(state: &Arc<LineState>, chat: i64, question: String) -> Vec<Value> {
    let context = state.sessions.context(chat);
    let app = Arc::clone(&state.app);
    let q = question.clone();
    let presented = tokio::task::spawn_blocking(move || app.answer(&q, context, Audience::Public))
        .await
        .map_err(|e| e.to_string())
        .and_then(|answered| answered.map_err(|e| e.to_string()));
    let (outcome, card) = match presented {
        Ok((outcome, card, _)) => (outcome, card),
        Err(error) => {
            tracing::warn!(%error, "an answer failed");
            return vec![flex::text_message("ただいま回答できません。しばらくしてからもう一度お試しください。", None)];
        }
    };
    let number = state.answers.fetch_add(1, Ordering::Relaxed);
    state.app.record_question("line", Audience::Public, Asker::Chat(chat), &question, &outcome, Some(number));
    tracing::info!(intent = outcome.intent.as_str(), ambiguous = outcome.ambiguous, "answered on LINE");
    render(state, chat, &outcome, &card, number)
}

/// The messages of an outcome's card: a long list as its first page with 「次へ」.
fn render(state: &LineState, chat: i64, outcome: &Outcome, card: &Card, answer: i64) -> Vec<Value> {
    if outcome.intent == Intent::List && !outcome.progress && outcome.hits.len() > PER_PAGE {
        let id = state.sessions.store_list(outcome.clone());
        return list_messages(state, outcome, id, 0);
    }
    if let Some(page) = outcome.single_page() {
        state.sessions.set_context(chat, Some(page));
    }
    let mut more: Vec<(String, Callback)> = Vec::new();
    if state.app.logs_questions() {
        more.push(("👍 解決した".into(), Callback::Vote { up: true }));
        more.push(("👎 解決しない".into(), Callback::Vote { up: false }));
        state.sessions.set_last_answer(chat, answer);
    }
    flex::messages(card, outcome.ambiguous, &more)
}

/// Page `n` of the stored list `list`, with 「◀ 前の10件」 and 「次の10件 ▶」 as quick replies.
fn list_messages(state: &LineState, outcome: &Outcome, list: u32, n: usize) -> Vec<Value> {
    let pages = outcome.hits.len().div_ceil(PER_PAGE);
    let n = n.min(pages.saturating_sub(1));
    let card = list_page(&state.app.plan(), outcome, n, PER_PAGE);
    let at = |n: usize| Callback::ListPage { list, n: u16::try_from(n).unwrap_or(u16::MAX) };
    let mut more = Vec::new();
    if n > 0 {
        more.push(("◀ 前の10件".into(), at(n - 1)));
    }
    if n + 1 < pages {
        more.push(("次の10件 ▶".into(), at(n + 1)));
    }
    flex::messages(&card, false, &more)
}

/// A postback: a section or a candidate, a list's page, a vote. `None`: nothing to say.
async fn postback(state: &Arc<LineState>, chat: i64, data: &str) -> Option<Vec<Value>> {
    match Callback::decode(data)? {
        Callback::Show { page, intent } => {
            let app = Arc::clone(&state.app);
            let card =
                tokio::task::spawn_blocking(move || app.card_for(page, intent, Audience::Public)).await.ok()?.ok()?;
            state.sessions.set_context(chat, Some(page));
            Some(flex::messages(&card, false, &[]))
        }
        Callback::ListPage { list, n } => {
            let Some(outcome) = state.sessions.list(list) else {
                return Some(vec![flex::text_message("この一覧は期限切れです。もう一度聞いてください。", None)]);
            };
            Some(list_messages(state, &outcome, list, usize::from(n)))
        }
        Callback::Vote { up } => {
            let answer = state.sessions.last_answer(chat)?;
            let app = Arc::clone(&state.app);
            let counted =
                tokio::task::spawn_blocking(move || app.vote(answer, Audience::Public, Asker::Chat(chat), up))
                    .await
                    .ok()?;
            match counted {
                Ok(true) if up => Some(vec![flex::text_message("ありがとうございます。", None)]),
                Ok(true) => {
                    state.sessions.await_wanted(chat, answer);
                    Some(vec![flex::text_message(
                        "ありがとうございます。何を知りたかったですか？ 次のメッセージで一言どうぞ（任意）。",
                        None,
                    )])
                }
                _ => None,
            }
        }
        _ => None,
    }
}
