//! The bot in service, against the fake Bot API on 127.0.0.1: what it must not send (edits
//! Telegram refuses) and what it must not write to its log (residents' ids).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/fake_telegram.rs"]
mod fake;
#[path = "support/harness.rs"]
mod harness;

use std::time::Duration;

use fake::{BOT_USERNAME, Call, Failure, FakeTelegram};
use harness::*;
use keikaku::actuals::Store;
use keikaku::bot::Mode;

fn edits(calls: &[Call]) -> Vec<&Call> {
    calls.iter().filter(|c| c.method == "editMessageText").collect()
}

/// Pressing the section a card already shows sends no edit: Telegram would refuse it
/// ("message is not modified", 400). Two presses that race (both sent before the first
/// edit) get that 400 for the second, and the bot takes it quietly and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pressing_the_section_already_shown_sends_no_edit() {
    let h = start(Mode::Public).await;
    h.fake.message(STRANGER, "どこでも窓口のKPI");
    let card = h.reply(STRANGER, 1).await;
    let id = card.message_id.unwrap();
    let section = |label: &str| buttons(&card).into_iter().find(|(l, _)| l == label).unwrap().1;
    h.fake.callback(STRANGER, STRANGER, id, &section("方法"));
    h.edits(1).await;
    // The card shows 方法 now: two more presses, each carrying that text and those buttons.
    for n in 2..=3 {
        h.fake.callback(STRANGER, STRANGER, id, &section("方法"));
        h.fake.message(STRANGER, "どこでも窓口のKPI");
        // A chat's updates are handled in order: once this reply is out, the press was handled.
        h.reply(STRANGER, n).await;
    }
    let calls = h.fake.calls();
    assert_eq!(edits(&calls).len(), 1, "{:#?}", edits(&calls));

    // Two presses of 効果 on the new card before either is answered: both see the KPI card,
    // so both edit, and Telegram refuses the second.
    let card = h.reply(STRANGER, 3).await;
    let id = card.message_id.unwrap();
    let effects = buttons(&card).into_iter().find(|(l, _)| l == "効果").unwrap().1;
    h.fake.callback(STRANGER, STRANGER, id, &effects);
    h.fake.callback(STRANGER, STRANGER, id, &effects);
    h.fake.message(STRANGER, "いつまで？");
    let follow = h.reply(STRANGER, 4).await;
    assert!(follow.text().contains("取組期間"), "the bot goes on: {}", follow.text());
    let calls = h.fake.calls();
    let on_card: Vec<_> = edits(&calls).into_iter().filter(|c| c.params["message_id"] == id).collect();
    // Under load the second press may be handled after the first edit is answered; then it
    // sees nothing to change and sends nothing. Either way, one edit is taken and any second
    // one is refused as not modified.
    assert!((1..=2).contains(&on_card.len()), "{on_card:#?}");
    assert_eq!(on_card[0].message_id, Some(id), "the first edit is taken");
    assert!(on_card.get(1).is_none_or(|c| c.message_id.is_none()), "a second is refused as not modified");
    h.stop().await;
}

/// A resident's session with the public bot — /start, a question, a section button, 👎 and
/// what they wanted, an inline query, a mention in a group, a 429 and a failed update — run
/// by the real binary at `KEIKAKU_LOG=debug`, as the README's unit runs it (stderr is the
/// journal): no chat or user id is written; the chat is named by the question log's
/// pseudonym.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_public_bot_logs_pseudonyms_never_telegram_ids() {
    const RESIDENT: i64 = 918_273_645;
    const GROUP: i64 = -1_009_876_543_210;
    tokio::task::spawn_blocking(|| drop(common::engine())).await.unwrap(); // the index exists
    let fake = FakeTelegram::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state/keikaku.db");
    let log = dir.path().join("stderr.log");
    let mut bot = Running(
        std::process::Command::new(env!("CARGO_BIN_EXE_keikaku"))
            .args(["--data-dir", "data", "--index-dir"])
            .arg(common::index_dir())
            .arg("--db")
            .arg(&db)
            .args(["serve", "--mode", "public"])
            .env("TELOXIDE_TOKEN", "123456:TEST")
            .env("TELOXIDE_API_URL", fake.url())
            .env("KEIKAKU_LOG", "debug")
            .env_remove("RUST_LOG")
            .env("KEIKAKU_RATE_LIMIT", "10000")
            .env("KEIKAKU_POLL_TIMEOUT", "1")
            .env("KEIKAKU_RELOAD_SECS", "0")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let sent = |n: usize, chat: i64| {
        let fake = &fake;
        async move { fake.wait_for(WAIT, |c| sent_to(c, chat).len() >= n).await }
    };

    fake.message(RESIDENT, "/start");
    sent(1, RESIDENT).await;
    fake.fail_next("sendMessage", Failure::TooManyRequests(1), 1);
    fake.message(RESIDENT, "どこでも窓口のKPI");
    let calls = sent(2, RESIDENT).await;
    let card = sent_to(&calls, RESIDENT)[1].clone();
    let id = card.message_id.unwrap();
    let pick = |label: &str| buttons(&card).into_iter().find(|(l, _)| l.starts_with(label)).unwrap().1;
    fake.callback(RESIDENT, RESIDENT, id, &pick("方法"));
    fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "editMessageText")).await;
    fake.callback(RESIDENT, RESIDENT, id, &pick("👎"));
    sent(3, RESIDENT).await;
    fake.message(RESIDENT, "窓口に行かずに済む手続きの数");
    sent(4, RESIDENT).await;
    fake.inline_query(RESIDENT, "どこでも窓口");
    fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "answerInlineQuery")).await;
    fake.chat_message(GROUP, "group", RESIDENT, &format!("@{BOT_USERNAME} どこでも窓口のKPI"));
    sent(1, GROUP).await;
    // Telegram refuses an answer for good: the update fails, and the bot says so in its log.
    fake.fail_next("sendMessage", Failure::Unauthorized, 1);
    fake.message(RESIDENT, "生成AIの削減目標は？");
    let deadline = std::time::Instant::now() + WAIT;
    while fake.pending_failures() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    fake.message(RESIDENT, "/help");
    sent(5, RESIDENT).await;

    // SIGTERM, as systemd stops it; it stops gracefully.
    let stopped = std::process::Command::new("kill").args(["-TERM", &bot.0.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = bot.0.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "the bot did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");

    let text = std::fs::read_to_string(&log).unwrap();
    for id in [RESIDENT.to_string(), GROUP.to_string(), GROUP.unsigned_abs().to_string(), "9876543210".into()] {
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(id.as_str())).collect();
        assert!(lines.is_empty(), "the id {id} is in the log:\n{}", lines.join("\n"));
    }
    // What the log says instead: the question log's pseudonyms, at info and at debug.
    let rows = Store::open(&db).unwrap().questions_since(0).unwrap();
    assert!(rows.len() >= 3, "{rows:?}");
    for row in &rows {
        assert!(text.contains(&format!("asker={}", row.asker)), "{} is not in the log:\n{text}", row.asker);
    }
    for line in ["message text", "answered", "button", "inline query", "an update failed", "transient failure"] {
        assert!(text.contains(line), "no 「{line}」 in the log:\n{text}");
    }
}

/// The bot's process, killed if the test fails before it stops.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A flood from one chat under Telegram's own limits, against a Telegram that keeps its
/// per-chat pace and answers some sends slowly: every question is answered, and not one
/// send is refused with 429 (the chat's next message waits a second from Telegram's answer
/// to its previous one, not from when that one left).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_one_chat_flood_keeps_telegrams_pace_without_429s() {
    const FLOODER: i64 = 4242;
    const FLOOD: usize = 6;
    let fake = FakeTelegram::start().await.unwrap();
    fake.keep_chat_pace(Duration::from_secs(1), Duration::from_millis(300));
    // The chat's backlog holds the whole flood: every question is answered.
    let delivery = keikaku::bot::Delivery { per_chat: FLOOD, ..delivery() };
    let h = start_delivering(Mode::Public, fake, keikaku::bot::Limits::default(), delivery).await;
    for _ in 0..FLOOD {
        h.fake.message(FLOODER, "どこでも窓口のKPI");
    }
    let calls = h.fake.wait_for(Duration::from_secs(30), |c| sent_to(c, FLOODER).len() >= FLOOD).await;
    assert_eq!(sent_to(&calls, FLOODER).len(), FLOOD);
    assert_eq!(h.fake.rate_limited(), 0, "per-chat 429s");
    h.stop().await;
}
