//! Delivery under floods, stops and restarts, against the fake Bot API on 127.0.0.1: one
//! chat's flood costs only that chat; a chat over its backlog is told once and the rest is
//! skipped; SIGTERM stops within the bound; an update Telegram was told to forget is
//! answered exactly once, across a stop or a kill and a restart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/fake_telegram.rs"]
mod fake;
#[path = "support/harness.rs"]
mod harness;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake::{Call, FakeTelegram};
use harness::*;
use keikaku::actuals::Store;
use keikaku::bot::{Delivery, Limits, Mode};

/// A resident's id long enough that the log could not show it by chance.
const FLOODER: i64 = 918_273_645;
const OTHER: i64 = 777;
const QUESTION: &str = "どこでも窓口のKPI";
/// The fake's bot user id, which keys the inbox.
const BOT_ID: i64 = 1;

/// Queues `questions` while the bot is held from taking them, then lets them go at once (in
/// batches of a hundred, as Telegram gives them); returns the last update's id.
fn queue_at_once(fake: &FakeTelegram, questions: &[(i64, String)]) -> i64 {
    fake.hold_updates(true);
    let last = questions.iter().map(|(chat, q)| fake.message(*chat, q)).max().unwrap_or(0);
    fake.hold_updates(false);
    last
}

/// Waits until Telegram has been told to forget every update up to `last` (they are in the
/// bot's inbox).
async fn accepted(fake: &FakeTelegram, last: i64) {
    let deadline = Instant::now() + WAIT;
    while fake.confirmed() <= last {
        assert!(Instant::now() < deadline, "only {} confirmed of {last}", fake.confirmed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn replies_by_chat(calls: &[Call]) -> HashMap<i64, Vec<String>> {
    let mut by_chat: HashMap<i64, Vec<String>> = HashMap::new();
    for c in calls.iter().filter(|c| c.method == "sendMessage") {
        by_chat.entry(c.chat_id().unwrap()).or_default().push(c.text().to_string());
    }
    by_chat
}

/// With 200 questions from one chat queued under Telegram's limits (1 a second per chat),
/// another chat's question is answered within 3 s, and the flood keeps its own pace.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_from_one_chat_costs_only_that_chat() {
    let delivery = Delivery { stop_within: Duration::from_secs(2), per_chat: 500, workers: 64 };
    let h = start_delivering(Mode::Public, FakeTelegram::start().await.unwrap(), Limits::default(), delivery).await;
    h.fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "setMyCommands")).await;
    let flood: Vec<(i64, String)> = (0..200).map(|_| (FLOODER, QUESTION.to_string())).collect();
    let last = queue_at_once(&h.fake, &flood);
    h.reply(FLOODER, 1).await;
    accepted(&h.fake, last).await;

    let asked = Instant::now();
    h.fake.message(OTHER, "生成AIのKPI");
    let answer = h.reply(OTHER, 1).await;
    let waited = asked.elapsed();
    eprintln!("with 200 of one chat queued, another chat waited {waited:?}");
    assert!(answer.text().contains("7,000時間"), "{}", answer.text());
    assert!(waited < Duration::from_secs(3), "the other chat waited {waited:?}");
    let flooded = sent_to(&h.fake.calls(), FLOODER).len();
    assert!((1..=10).contains(&flooded), "the flood keeps one a second: {flooded}");

    // A stop with the flood's backlog takes its bound, no more.
    let stopping = Instant::now();
    h.stop().await;
    assert!(stopping.elapsed() < Duration::from_secs(3), "the stop took {:?}", stopping.elapsed());
}

/// A chat with more than five questions waiting gets one notice, in Japanese, and its
/// later questions are skipped; once its backlog is answered it is answered as ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chat_over_its_backlog_is_told_once_and_the_rest_is_skipped() {
    let h = start_delivering(Mode::Public, FakeTelegram::start().await.unwrap(), Limits::default(), delivery()).await;
    h.fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "setMyCommands")).await;
    let flood: Vec<(i64, String)> = (0..12).map(|_| (FLOODER, QUESTION.to_string())).collect();
    let last = queue_at_once(&h.fake, &flood);
    accepted(&h.fake, last).await;
    h.reply(FLOODER, 6).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent: Vec<String> = sent_to(&h.fake.calls(), FLOODER).iter().map(|c| c.text().to_string()).collect();
    assert_eq!(sent.len(), 6, "five answers and one notice: {sent:#?}");
    let notices: Vec<usize> = (0..sent.len()).filter(|n| sent[*n].contains("少しお待ちください")).collect();
    assert_eq!(notices.len(), 1, "{sent:#?}");
    assert!(notices[0] <= 1, "the notice is the chat's next message: {sent:#?}");
    assert!(sent[notices[0]].contains("5件") && sent[notices[0]].contains("改めてお送りください"));
    assert_eq!(sent.iter().filter(|t| t.contains("搭載手続数")).count(), 5);

    // The backlog answered, the chat is answered again, with no second notice.
    h.fake.message(FLOODER, "生成AIのKPI");
    assert!(h.reply(FLOODER, 7).await.text().contains("7,000時間"));
    // Nothing is left in the inbox: the notice went with the last of its backlog.
    let deadline = Instant::now() + WAIT;
    loop {
        let left = Store::open(&h.db).unwrap().inbox_pending(BOT_ID).unwrap();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "left in the inbox: {left:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    h.stop().await;
}

/// The binary serving the public bot against `fake` over the database `db`, with `env`;
/// its stderr goes to `log`.
fn serve(fake: &FakeTelegram, db: &Path, log: &Path, env: &[(&str, &str)]) -> Running {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_keikaku"));
    command
        .args(["--data-dir", "data", "--index-dir"])
        .arg(common::index_dir())
        .arg("--db")
        .arg(db)
        .args(["serve", "--mode", "public"])
        .env("TELOXIDE_TOKEN", "123456:TEST")
        .env("TELOXIDE_API_URL", fake.url())
        .env("KEIKAKU_LOG", "info")
        .env_remove("RUST_LOG")
        .env_remove("KEIKAKU_RATE_LIMIT")
        .env("KEIKAKU_POLL_TIMEOUT", "1")
        .env("KEIKAKU_RELOAD_SECS", "0")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    for (name, value) in env {
        command.env(name, value);
    }
    Running(command.spawn().unwrap())
}

/// The bot's process, killed if the test fails before it stops.
struct Running(std::process::Child);

impl Running {
    fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill").args([signal, &self.0.id().to_string()]).status().unwrap();
        assert!(sent.success());
    }

    /// Sends SIGTERM and waits for the exit; returns how long it took.
    async fn terminate(&mut self) -> Duration {
        let start = Instant::now();
        self.signal("-TERM");
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                assert!(status.success(), "{status:?}");
                return start.elapsed();
            }
            assert!(start.elapsed() < Duration::from_secs(30), "the bot did not stop on SIGTERM");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

struct Scratch {
    _dir: tempfile::TempDir,
    db: PathBuf,
    logs: PathBuf,
}

async fn scratch() -> Scratch {
    tokio::task::spawn_blocking(|| drop(common::engine())).await.unwrap(); // the index exists
    let dir = tempfile::tempdir().unwrap();
    Scratch { db: dir.path().join("state/keikaku.db"), logs: dir.path().to_path_buf(), _dir: dir }
}

/// SIGTERM with 100 questions of one chat queued (Telegram's pace: one a second) exits 0
/// within the bound; the restart answers the rest, each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_with_a_flood_queued_exits_within_the_bound_and_a_restart_answers_the_rest() {
    let s = scratch().await;
    let fake = FakeTelegram::start().await.unwrap();
    let limits = [("KEIKAKU_STOP_SECS", "2"), ("KEIKAKU_CHAT_BACKLOG", "100")];
    let mut bot = serve(&fake, &s.db, &s.logs.join("first.log"), &limits);
    fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "setMyCommands")).await;
    let flood: Vec<(i64, String)> = (0..100).map(|_| (FLOODER, QUESTION.to_string())).collect();
    let last = queue_at_once(&fake, &flood);
    accepted(&fake, last).await;
    fake.wait_for(WAIT, |c| sent_to(c, FLOODER).len() >= 2).await;

    let took = bot.terminate().await;
    assert!(took < Duration::from_millis(3500), "SIGTERM took {took:?} (bound 2 s)");
    let first = sent_to(&fake.calls(), FLOODER).len();
    eprintln!("SIGTERM with a flood of 100 queued: exited 0 after {took:?}, {first} answered before");
    assert!(first < 100, "the stop came with a backlog: {first}");

    let _bot = serve(&fake, &s.db, &s.logs.join("second.log"), &[("KEIKAKU_RATE_LIMIT", "1000"), limits[1]]);
    fake.wait_for(Duration::from_secs(60), |c| sent_to(c, FLOODER).len() >= 100).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let answers = sent_to(&fake.calls(), FLOODER);
    assert_eq!(answers.len(), 100, "each answered once ({first} before the stop)");
    assert!(answers.iter().all(|a| a.text().contains("搭載手続数")));
}

/// One question from each of 1,500 chats and 100 from one more, SIGTERM while they are being
/// answered, and a restart: each of the 1,500 is answered exactly once, and the flooding chat
/// gets its first five answers and one notice. Neither run's log names the flooding chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_then_restart_answers_each_of_1500_chats_exactly_once() {
    const CHATS: i64 = 1500;
    let s = scratch().await;
    let fake = FakeTelegram::start().await.unwrap();
    let stop = ("KEIKAKU_STOP_SECS", "2");
    let mut bot = serve(&fake, &s.db, &s.logs.join("first.log"), &[stop, ("KEIKAKU_RATE_LIMIT", "100")]);
    fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "setMyCommands")).await;
    let mut questions: Vec<(i64, String)> = (0..100).map(|_| (FLOODER, QUESTION.to_string())).collect();
    questions.extend((0..CHATS).map(|n| (10_000 + n, QUESTION.to_string())));
    let last = queue_at_once(&fake, &questions);
    accepted(&fake, last).await;
    fake.wait_for(WAIT, |c| c.iter().filter(|c| c.method == "sendMessage").count() >= 50).await;

    let took = bot.terminate().await;
    assert!(took < Duration::from_millis(3500), "SIGTERM took {took:?} (bound 2 s)");
    let first = fake.calls_of("sendMessage").len();
    assert!(first < CHATS as usize, "the stop came with a backlog: {first} sent");
    eprintln!("SIGTERM with 1,500 chats queued: exited 0 after {took:?}, {first} messages sent before");

    let _bot = serve(&fake, &s.db, &s.logs.join("second.log"), &[stop, ("KEIKAKU_RATE_LIMIT", "3000")]);
    let all_answered = |c: &[Call]| {
        let by_chat = c.iter().filter(|c| c.method == "sendMessage").fold(HashMap::new(), |mut m, c| {
            *m.entry(c.chat_id().unwrap_or(0)).or_insert(0) += 1;
            m
        });
        (0..CHATS).all(|n| by_chat.contains_key(&(10_000 + n))) && by_chat.get(&FLOODER).is_some_and(|n| *n >= 6)
    };
    fake.wait_for(Duration::from_secs(240), all_answered).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let by_chat = replies_by_chat(&fake.calls());
    let counts: Vec<(i64, usize)> =
        (0..CHATS).map(|n| 10_000 + n).map(|c| (c, by_chat.get(&c).map_or(0, Vec::len))).collect();
    let wrong: Vec<&(i64, usize)> = counts.iter().filter(|(_, n)| *n != 1).collect();
    assert!(wrong.is_empty(), "not answered exactly once ({first} sent before the stop): {wrong:?}");
    let flooded = &by_chat[&FLOODER];
    assert_eq!(flooded.len(), 6, "{flooded:#?}");
    assert_eq!(flooded.iter().filter(|t| t.contains("少しお待ちください")).count(), 1);

    let logs = ["first.log", "second.log"].map(|f| std::fs::read_to_string(s.logs.join(f)).unwrap());
    let full = logs[0].lines().find(|l| l.contains("backlog is full")).expect("the skipped questions are logged");
    assert!(full.contains("asker=") && full.contains("skipped=95"), "{full}");
    for log in &logs {
        assert!(!log.contains(&FLOODER.to_string()), "the chat's id is in the log:\n{log}");
    }
}

/// A kill (SIGKILL, no chance to stop) while a chat's backlog is answered loses nothing: the
/// restart answers what the inbox holds, and sends none of what Telegram had already taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_bot_answers_what_it_accepted_after_a_restart() {
    let s = scratch().await;
    let fake = FakeTelegram::start().await.unwrap();
    let mut bot = serve(&fake, &s.db, &s.logs.join("first.log"), &[("KEIKAKU_CHAT_BACKLOG", "30")]);
    fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "setMyCommands")).await;
    let flood: Vec<(i64, String)> = (0..30).map(|_| (FLOODER, QUESTION.to_string())).collect();
    let last = queue_at_once(&fake, &flood);
    accepted(&fake, last).await;
    let calls = fake.wait_for(WAIT, |c| sent_to(c, FLOODER).len() >= 3).await;
    // Half-way between two of the chat's messages (a second apart): none is in flight.
    let latest = sent_to(&calls, FLOODER).last().unwrap().at;
    tokio::time::sleep((latest + Duration::from_millis(500)).saturating_duration_since(Instant::now())).await;
    bot.signal("-KILL");
    let _ = bot.0.wait();
    let first = sent_to(&fake.calls(), FLOODER).len();
    assert!(first < 30, "{first}");

    let _bot = serve(
        &fake,
        &s.db,
        &s.logs.join("second.log"),
        &[("KEIKAKU_RATE_LIMIT", "1000"), ("KEIKAKU_CHAT_BACKLOG", "30")],
    );
    fake.wait_for(Duration::from_secs(60), |c| sent_to(c, FLOODER).len() >= 30).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(sent_to(&fake.calls(), FLOODER).len(), 30, "each answered once ({first} before the kill)");
}

/// The README's unit and the stop's bound agree: systemd waits longer than the bot may take.
#[test]
fn the_readme_unit_gives_the_stop_its_bound() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let unit = readme.split("```ini").nth(1).and_then(|u| u.split("```").next()).unwrap();
    assert!(unit.contains("keikaku serve --mode staff"), "{unit}");
    let value = |key: &str| -> f64 {
        let line = unit.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key} in {unit}"));
        line[key.len()..].trim().parse().unwrap()
    };
    let bound = value("Environment=KEIKAKU_STOP_SECS=");
    assert_eq!(Duration::from_secs_f64(bound), Delivery::default().stop_within);
    assert!(value("TimeoutStopSec=") >= bound + 2.0, "systemd must not kill a stop within its bound");
}
