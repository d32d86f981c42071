//! The Telegram bots: a thin adapter over search, answer and actuals.
//!
//! `keikaku serve --mode staff|public` runs one of them with long polling ([`polling`]: an
//! update is confirmed to Telegram only once it is in the durable [`inbox`]). The handler tree
//! is [`schema`]; state is [`BotState`]; updates wait in a queue per chat ([`backlog`]);
//! sending goes through [`outbox`] (split, retried), chats served in [`turns`]; keyboards come
//! from [`keyboard`]. Start-up waits for Telegram with backoff instead of crashing; SIGINT and
//! SIGTERM stop it within [`Delivery::stop_within`], leaving what is unanswered in the inbox.

mod admin;
pub mod backlog;
pub mod commands;
pub mod handlers;
pub mod inbox;
pub mod keyboard;
pub mod outbox;
mod polling;
pub mod privacy;
mod reply;
mod report;
pub mod turns;

pub use crate::conversation::{Callback, Probe};
pub use backlog::Delivery;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use teloxide::adaptors::CacheMe;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, BotCommandScope, Me, Recipient};
use tokio::sync::watch;

use crate::actuals::Channel;
use crate::actuals::Role;
use crate::app::App;
use crate::conversation::Conversation;
use handlers::HandlerError;

/// The bot client: `getMe` cached, so the dispatcher never fails on it after start-up. Rate
/// limits are kept by [`outbox::Outbox`].
pub type TgBot = CacheMe<Bot>;

pub use crate::limits::Limits;

/// Which bot: the staff bot or the public one.
pub use crate::app::Audience as Mode;

/// How to reach Telegram.
#[derive(Debug, Clone)]
pub struct Config {
    /// Staff or public.
    pub mode: Mode,
    /// The bot token from BotFather.
    pub token: String,
    /// The Bot API base URL (`TELOXIDE_API_URL`); Telegram's when `None`.
    pub api_url: Option<reqwest::Url>,
    /// How long one `getUpdates` long poll waits.
    pub poll_timeout: Duration,
    /// Rate limits; Telegram's by default.
    pub limits: Limits,
    /// Where to record how long each question took inside the bot (benchmarks); `None` in
    /// service.
    pub probe: Option<Probe>,
    /// How often to look whether the data files changed (`KEIKAKU_RELOAD_SECS`, default
    /// 10; `0`: never): see [`App::reload_if_changed`].
    pub reload_every: Option<Duration>,
    /// A chat's backlog and the stop's bound.
    pub delivery: Delivery,
}

impl Config {
    /// From `TELOXIDE_TOKEN`, `TELOXIDE_API_URL`, `KEIKAKU_POLL_TIMEOUT` (seconds, default 25),
    /// `KEIKAKU_RATE_LIMIT` (`telegram`, the default, or messages per second overall),
    /// `KEIKAKU_STOP_SECS` (default 10) and `KEIKAKU_CHAT_BACKLOG` (default 5).
    pub fn from_env(mode: Mode) -> anyhow::Result<Config> {
        let token = std::env::var("TELOXIDE_TOKEN").ok().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            anyhow::anyhow!(
                "TELOXIDE_TOKEN is not set (or empty): create a bot with @BotFather in Telegram, then `export TELOXIDE_TOKEN=…` (one bot, and one process, per mode)"
            )
        })?;
        let api_url = match std::env::var("TELOXIDE_API_URL") {
            Ok(u) if !u.trim().is_empty() => {
                Some(reqwest::Url::parse(u.trim()).with_context(|| format!("TELOXIDE_API_URL 「{u}」 is not a URL"))?)
            }
            _ => None,
        };
        let poll_timeout = std::env::var("KEIKAKU_POLL_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map_or(Duration::from_secs(25), Duration::from_secs);
        let limits = match std::env::var("KEIKAKU_RATE_LIMIT").ok().as_deref().map(str::trim) {
            None | Some("") | Some("telegram") => Limits::default(),
            Some(n) => {
                let per_sec: u32 =
                    n.parse().with_context(|| format!("KEIKAKU_RATE_LIMIT 「{n}」: use `telegram` or a number"))?;
                relaxed_limits(per_sec)
            }
        };
        let reload_every = crate::app::reload_every_from_env().map_err(anyhow::Error::msg)?;
        let delivery = delivery_from_env()?;
        Ok(Config { mode, token, api_url, poll_timeout, limits, probe: None, reload_every, delivery })
    }
}

/// [`Delivery`] from `KEIKAKU_STOP_SECS` (seconds, fractions allowed, 0.1–300) and
/// `KEIKAKU_CHAT_BACKLOG` (1–1000); the defaults where unset.
fn delivery_from_env() -> anyhow::Result<Delivery> {
    let mut delivery = Delivery::default();
    if let Some(s) = std::env::var("KEIKAKU_STOP_SECS").ok().filter(|s| !s.trim().is_empty()) {
        let secs: f64 = s.trim().parse().ok().filter(|n| (0.1..=300.0).contains(n)).with_context(|| {
            format!("KEIKAKU_STOP_SECS 「{s}」: give the seconds a stop may take, from 0.1 to 300 (default 10)")
        })?;
        delivery.stop_within = Duration::from_secs_f64(secs);
    }
    if let Some(s) = std::env::var("KEIKAKU_CHAT_BACKLOG").ok().filter(|s| !s.trim().is_empty()) {
        delivery.per_chat = s.trim().parse().ok().filter(|n| (1..=1000).contains(n)).with_context(|| {
            format!(
                "KEIKAKU_CHAT_BACKLOG 「{s}」: give how many messages of one chat may wait, from 1 to 1000 (default 5)"
            )
        })?;
    }
    Ok(delivery)
}

/// Limits of `per_sec` messages a second everywhere (for a fake server).
pub fn relaxed_limits(per_sec: u32) -> Limits {
    Limits::relaxed(per_sec)
}

/// What the endpoints share.
pub struct BotState {
    /// The engine and the store.
    pub app: Arc<App>,
    /// Staff or public.
    pub mode: Mode,
    /// The chats' conversations (the core of every channel, with their memory).
    pub conversation: Arc<Conversation>,
    /// Latency probe (benchmarks only).
    pub probe: Option<Probe>,
    /// Sending, rate-limited and retried.
    pub outbox: outbox::Outbox,
    /// How log lines name a chat (never by id in the public bot).
    pub names: privacy::LogNames,
}

/// The handler tree: messages, button presses, inline queries.
pub fn schema() -> UpdateHandler<HandlerError> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(handlers::message))
        .branch(Update::filter_callback_query().endpoint(handlers::callback))
        .branch(Update::filter_inline_query().endpoint(handlers::inline))
}

/// Telegram refused the token (401/404 at start-up): retrying cannot help.
#[derive(Debug, thiserror::Error)]
#[error(
    "Telegram refused the bot token (401 Unauthorized): set TELOXIDE_TOKEN to the token @BotFather gave this bot \
     (`/mybots` → the bot → API Token), and check it was not revoked"
)]
pub struct InvalidToken;

/// Builds the bot client for `config`.
pub fn client(config: &Config) -> TgBot {
    let mut bot = Bot::new(config.token.clone());
    if let Some(url) = &config.api_url {
        bot = bot.set_api_url(url.clone());
    }
    bot.cache_me()
}

/// Runs the bot until `stop` completes (or SIGINT/SIGTERM arrives, when `signals` is set).
pub async fn run(config: Config, app: Arc<App>, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let (stop_tx, mut stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        stop.await;
        let _ = stop_tx.send(true);
    });
    let bot = client(&config);

    // Telegram may be unreachable at start-up: wait for it, with backoff, instead of crashing.
    // A token Telegram refuses is no passing trouble: stop at once and say so.
    let mut delay = Duration::from_millis(500);
    let me = loop {
        match bot.get_me().await {
            Ok(me) => break me,
            Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => {
                return Err(InvalidToken.into());
            }
            Err(e) => {
                tracing::warn!(error = %e, "Telegram is not reachable yet; retrying in {delay:?}");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop_rx.wait_for(|s| *s) => return Ok(()),
                }
                delay = (delay * 2).min(Duration::from_secs(60));
            }
        }
    };
    tracing::info!(username = %me.username(), mode = ?config.mode, "connected to Telegram");
    register_commands(&bot, &app, config.mode).await;

    let outbox = outbox::Outbox::new(bot.clone(), config.limits);
    let names = {
        let (app, mode) = (Arc::clone(&app), config.mode);
        tokio::task::spawn_blocking(move || privacy::LogNames::for_mode(mode, &app)).await?
    };
    let conversation = Arc::new(Conversation::new(Arc::clone(&app), Channel::Telegram, config.mode));
    let state = Arc::new(BotState { app, mode: config.mode, conversation, probe: config.probe.clone(), outbox, names });
    if let Some(every) = config.reload_every {
        let told = Arc::clone(&state);
        tokio::spawn(crate::app::watch_data(Arc::clone(&state.app), every, stop_rx.clone(), move |error| {
            let state = Arc::clone(&told);
            async move {
                if state.mode == Mode::Staff {
                    let text = format!(
                        "⚠️ 計画または語彙ファイルの変更を読み込めませんでした。以前のデータで回答を続けています。\n\n{}\n\nファイルを直すと自動で読み込み直します。",
                        crate::answer::escape(&error)
                    );
                    admin::tell_admins(&state, &text).await;
                }
            }
        }));
    }
    let stopped = serve(bot, me, state, &config, stop_rx).await?;
    tracing::info!(left = stopped, "stopped; what is left waits in the inbox for the next start");
    Ok(())
}

/// Takes updates and answers them until `stop` is set, then stops within the bound; returns
/// how many items were left in the inbox.
async fn serve(
    bot: TgBot,
    me: Me,
    state: Arc<BotState>,
    config: &Config,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<usize> {
    let id = i64::try_from(me.id.0).context("the bot's user id")?;
    let inbox = Arc::new(inbox::Inbox::open(&state.app.db, id).context("starting the inbox's writer")?);
    let schema = schema();
    // What the endpoints take must be what the backlog gives them: a bug otherwise, found at
    // start-up rather than at the first update.
    dptree::type_check(
        schema.sig(),
        &dptree::deps![Arc::clone(&state)],
        &[dptree::Type::of::<Update>(), dptree::Type::of::<Me>()],
    );
    // The kinds [`schema`] has branches for (teloxide keeps its own list to itself).
    let allowed = vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery, AllowedUpdate::InlineQuery];
    let backlog = backlog::Backlog::new(Arc::clone(&state), Arc::clone(&inbox), me.clone(), schema, config.delivery);
    // What the last run accepted and did not answer comes first.
    match inbox.pending().await {
        Ok(items) if !items.is_empty() => {
            tracing::info!(count = items.len(), "answering what the last run left in the inbox");
            backlog.push(items);
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "the inbox cannot be read; what the last run left waits"),
    }
    let intake = polling::Intake {
        bot,
        me,
        inbox,
        backlog: backlog.clone(),
        state,
        timeout: config.poll_timeout,
        per_chat: config.delivery.per_chat,
        allowed,
    };
    polling::poll(intake, stop.clone()).await;
    let _ = stop.wait_for(|s| *s).await;
    let since = tokio::time::Instant::now();
    tracing::info!(within = ?config.delivery.stop_within, "stopping: no more updates are taken");
    Ok(backlog.drain(since, config.delivery.stop_within).await)
}

/// The menus: the mode's commands for everyone; admins of the staff bot also get /staff.
/// Failures are logged, not fatal: the bot works without menus.
async fn register_commands(bot: &TgBot, app: &App, mode: Mode) {
    let commands = match mode {
        Mode::Public => commands::public_menu(),
        Mode::Staff => commands::staff_menu(false),
    };
    let result = outbox::with_retry("setMyCommands", || {
        let req = bot.set_my_commands(commands.clone());
        async move { req.await }
    })
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not register the command menu");
    }
    if mode == Mode::Staff {
        let admins: Vec<i64> = app
            .with_store(|s| s.list_staff())
            .map(|all| all.into_iter().filter(|s| s.role == Role::Admin).map(|s| s.telegram_id).collect())
            .unwrap_or_default();
        for admin in admins {
            let scope = BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(admin)) };
            let req = bot.set_my_commands(commands::staff_menu(true)).scope(scope);
            if let Err(e) = req.await {
                tracing::warn!(error = %e, admin, "could not register the admin menu");
            }
        }
    }
}

/// SIGINT or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the bot");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down");
}
