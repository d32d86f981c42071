//! The public bot on LINE: a webhook server (axum) for the Messaging API, answering as the
//! Telegram public bot does, with the same cards rendered as Flex Messages.
//!
//! `keikaku serve --channel line --mode public`. A request is checked first
//! ([`signature::verify`] on the raw body, before anything is parsed); its events are read
//! one by one (a malformed one is skipped) and taken into a durable inbox, and LINE is
//! answered 200 ([`webhook`]); each new event is answered on its own task ([`respond`]
//! says what, [`delivery`] sends it once: a reply, or a push with a retry key, by the rule
//! written there and in the README). An event LINE sends again (`webhookEventId`), even
//! after a restart, is answered once; one taken and not answered before a stop is finished
//! at the next start.

pub mod api;
mod delivery;
pub mod event;
pub mod flex;
mod inbox;
mod respond;
pub mod rich_menu;
pub mod signature;
mod webhook;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::actuals::Channel;
use crate::app::App;
use crate::app::Audience;
use crate::conversation::{Conversation, Probe};
use api::Api;
use inbox::Inbox;

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
    /// How long one try of an API call may take (`KEIKAKU_LINE_API_TIMEOUT`, seconds,
    /// default 10): past it, the call's outcome is unknown (see the delivery rule).
    pub api_timeout: Duration,
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
        let api_timeout = match env("KEIKAKU_LINE_API_TIMEOUT") {
            Some(t) => t
                .parse::<f64>()
                .ok()
                .filter(|t| t.is_finite() && *t > 0.0 && *t <= 60.0)
                .map(Duration::from_secs_f64)
                .with_context(|| format!("KEIKAKU_LINE_API_TIMEOUT 「{t}」: seconds, more than 0 and at most 60"))?,
            None => api::TIMEOUT,
        };
        Ok(Config {
            secret,
            token,
            api_url: env("LINE_API_URL").unwrap_or_else(|| "https://api.line.me".into()),
            data_api_url: env("LINE_DATA_API_URL").unwrap_or_else(|| "https://api-data.line.me".into()),
            listen,
            path,
            per_sec,
            max_body: 1 << 20,
            api_timeout,
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
    /// The residents' conversations (the core of every channel).
    conversation: Arc<Conversation>,
    /// The events taken, on disk.
    inbox: Inbox,
    /// The bot's display name, when LINE told it: in a group, a message that starts with it
    /// is addressed to the bot even without a mention.
    name: Option<String>,
    probe: Option<Probe>,
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
        .route(path, post(webhook::webhook))
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
    let api =
        Api::new(&config.api_url, &config.data_api_url, &config.token, config.per_sec).timeout(config.api_timeout);
    let inbox = Inbox::start(app.db.clone()).context("the LINE inbox's writer could not be started")?;
    // The name people address the bot by; without it, groups need a mention.
    let name = match tokio::time::timeout(Duration::from_secs(5), api.bot_info()).await {
        Ok(Ok(info)) => info["displayName"].as_str().map(String::from).filter(|n| !n.is_empty()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the bot's profile could not be read: in groups, only mentions are answered");
            None
        }
        Err(_) => None,
    };
    let conversation = Arc::new(Conversation::new(Arc::clone(&app), Channel::Line, Audience::Public));
    let state = Arc::new(LineState {
        app,
        conversation,
        api,
        name,
        secret: config.secret.clone(),
        inbox,
        probe: config.probe.clone(),
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(every) = config.reload_every {
        // A file that does not load is logged: the LINE bot has no administrators' chat.
        tokio::spawn(crate::app::watch_data(Arc::clone(&state.app), every, stop_rx.clone(), |_| async {}));
    }
    let pending = delivery::left_pending(&state).await;
    tokio::spawn(delivery::recover(Arc::clone(&state), pending));
    let at = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(listen = %at, path = %config.path, "LINE webhook server listening");
    let router = router(Arc::clone(&state), &config.path, config.max_body);
    let mut stopped = stop_rx;
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            stop.await;
            let _ = stop_tx.send(true);
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await
        .context("the LINE webhook server failed")?;
    // What is recorded of the answers sent so far goes to disk before the process ends
    // (events still being answered are finished at the next start).
    state.inbox.flush().await;
    tracing::info!("stopped");
    Ok(())
}
