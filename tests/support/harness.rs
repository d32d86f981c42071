//! The bot under test: the real handler tree and teloxide's client against the fake Bot API
//! server, over an app with a fresh database and a roster of an admin, a lead and a reader.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use super::common;
use super::fake::{Call, FakeTelegram};
use keikaku::actuals::{Role, Staff, Store};
use keikaku::app::App;
use keikaku::bot::{Config, Delivery, Mode, relaxed_limits};
use serde_json::Value;

pub const ADMIN: i64 = 1;
pub const LEAD: i64 = 1001; // デジタル推進課
pub const READER: i64 = 3001;
pub const STRANGER: i64 = 5555;
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Harness {
    pub fake: FakeTelegram,
    pub db: std::path::PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

pub async fn start(mode: Mode) -> Harness {
    start_with(mode, FakeTelegram::start().await.unwrap()).await
}

pub async fn start_with(mode: Mode, fake: FakeTelegram) -> Harness {
    start_serving(mode, fake, None).await
}

/// The bot over the data in `source` (its own copy, to change), looking for changes every
/// 50 ms; over the shared `data/` and never looking when `None`.
pub async fn start_serving(mode: Mode, fake: FakeTelegram, source: Option<keikaku::search::Paths>) -> Harness {
    start_custom(mode, fake, source, |app| app).await
}

/// [`start_serving`] with the app changed by `tweak` before the bot starts.
pub async fn start_custom(
    mode: Mode,
    fake: FakeTelegram,
    source: Option<keikaku::search::Paths>,
    tweak: impl FnOnce(App) -> App,
) -> Harness {
    start_limited(mode, fake, source, tweak, relaxed_limits(10_000), delivery()).await
}

/// The bot keeping Telegram's own rate limits (1 message a second per chat …).
pub async fn start_with_telegram_limits(mode: Mode, fake: FakeTelegram) -> Harness {
    start_limited(mode, fake, None, |app| app, keikaku::bot::Limits::default(), delivery()).await
}

/// The bot keeping `limits`, taking updates and stopping as `delivery` says.
pub async fn start_delivering(
    mode: Mode,
    fake: FakeTelegram,
    limits: keikaku::bot::Limits,
    delivery: Delivery,
) -> Harness {
    start_limited(mode, fake, None, |app| app, limits, delivery).await
}

/// The tests' delivery: a stop takes at most 5 s.
pub fn delivery() -> Delivery {
    Delivery { stop_within: Duration::from_secs(5), ..Delivery::default() }
}

async fn start_limited(
    mode: Mode,
    fake: FakeTelegram,
    source: Option<keikaku::search::Paths>,
    tweak: impl FnOnce(App) -> App,
    limits: keikaku::bot::Limits,
    delivery: Delivery,
) -> Harness {
    if std::env::var_os("TEST_LOG").is_some() {
        keikaku::telemetry::init();
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keikaku.db");
    let paths = source.clone();
    let engine = tokio::task::spawn_blocking(move || match paths {
        Some(paths) => keikaku::search::open(&paths, keikaku::search::Rebuild::IfStale).unwrap(),
        None => common::engine(),
    })
    .await
    .unwrap();
    let mut app = App::new(engine, &db).with_today(keikaku::plan::FiscalYear::reiwa(8));
    let reload_every = source.as_ref().map(|_| Duration::from_millis(50));
    if let Some(paths) = source {
        app = app.with_source(paths);
    }
    let app = Arc::new(tweak(app));
    {
        let mut store = Store::open(&db).unwrap();
        let plan = app.plan();
        for (id, name, role, depts) in [
            (ADMIN, "管理者", Role::Admin, vec![]),
            (LEAD, "山田", Role::Lead, vec!["デジタル推進課".to_string()]),
            (READER, "鈴木", Role::Staff, vec![]),
        ] {
            store
                .add_staff(&plan, None, &Staff { telegram_id: id, name: name.into(), role, departments: depts })
                .unwrap();
        }
    }
    let config = Config {
        mode,
        token: "123456:TEST".into(),
        api_url: Some(fake.url().parse().unwrap()),
        poll_timeout: Duration::from_secs(1),
        limits,
        probe: None,
        reload_every,
        delivery,
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(keikaku::bot::run(config, app, async move {
        let _ = rx.await;
    }));
    Harness { fake, db, stop: Some(tx), task, _dir: dir }
}

impl Harness {
    /// Waits for the `n`-th sendMessage to `chat` and returns it.
    pub async fn reply(&self, chat: i64, n: usize) -> Call {
        self.reply_within(chat, n, WAIT).await
    }

    /// [`Harness::reply`] with a wait of its own (a teaching cross-validates the corpus: a
    /// few seconds in a release build, a minute or two in a test build).
    pub async fn reply_within(&self, chat: i64, n: usize, wait: Duration) -> Call {
        let calls = self.fake.wait_for(wait, |c| sent_to(c, chat).len() >= n).await;
        sent_to(&calls, chat).get(n - 1).cloned().unwrap_or_else(|| panic!("no reply #{n} to {chat}: {calls:#?}"))
    }

    pub async fn edits(&self, n: usize) -> Vec<Call> {
        self.fake.wait_for(WAIT, |c| c.iter().filter(|c| c.method == "editMessageText").count() >= n).await;
        self.fake.calls_of("editMessageText")
    }

    /// The question log once it holds `n` rows (its writer commits in the background).
    pub async fn logged(&self, n: usize) -> Vec<keikaku::actuals::LoggedQuestion> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let rows = Store::open(&self.db).unwrap().questions_since(0).unwrap();
            if rows.len() >= n || tokio::time::Instant::now() > deadline {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn actual_values(&self) -> Vec<(u16, String, u16, f64)> {
        let store = Store::open(&self.db).unwrap();
        store.all_actuals().unwrap().into_iter().map(|a| (a.page, a.kpi, a.fiscal_year.gregorian(), a.value)).collect()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let done = tokio::time::timeout(Duration::from_secs(15), &mut self.task).await;
        assert!(matches!(done, Ok(Ok(Ok(())))), "the bot stops gracefully: {done:?}");
    }
}

pub fn sent_to(calls: &[Call], chat: i64) -> Vec<Call> {
    calls.iter().filter(|c| c.method == "sendMessage" && c.chat_id() == Some(chat)).cloned().collect()
}

/// Every callback_data of a reply markup.
pub fn buttons(call: &Call) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(rows) = call.params.pointer("/reply_markup/inline_keyboard").and_then(Value::as_array) {
        for row in rows {
            for b in row.as_array().unwrap() {
                out.push((
                    b["text"].as_str().unwrap().to_string(),
                    b["callback_data"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    }
    out
}

/// Allowed HTML: <b>, <i>, and entities.
pub fn assert_valid_html(text: &str) {
    for (i, _) in text.match_indices('<') {
        let rest = &text[i..];
        assert!(["<b>", "</b>", "<i>", "</i>"].iter().any(|t| rest.starts_with(t)), "bad tag in: {text}");
    }
    assert!(text.chars().count() <= 4096, "too long: {}", text.chars().count());
}
