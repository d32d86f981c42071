//! The LINE adapter — its real webhook server and API client — against a fake LINE
//! Messaging API on 127.0.0.1 that enforces LINE's rules and posts signed events.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/fake_line.rs"]
mod fake_line;

use std::sync::Arc;
use std::time::Duration;

use fake_line::{Delivered, FakeLine, Late, SECRET, TOKEN};
use keikaku::actuals::{InboxState, Store};
use keikaku::app::App;
use serde_json::{Value, json};

struct Line {
    fake: FakeLine,
    webhook: String,
    db: std::path::PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start() -> Line {
    start_over(FakeLine::start().await, tempfile::tempdir().unwrap()).await
}

/// A new app over the database in `dir`, talking to `fake`.
async fn start_over(fake: FakeLine, dir: tempfile::TempDir) -> Line {
    if std::env::var_os("TEST_LOG").is_some() {
        keikaku::telemetry::init();
    }
    let db = dir.path().join("keikaku.db");
    let engine = tokio::task::spawn_blocking(common::engine).await.unwrap();
    let app = Arc::new(App::new(engine, &db).with_today(keikaku::plan::FiscalYear::reiwa(8)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let webhook = format!("http://{}/line/webhook", listener.local_addr().unwrap());
    let config = keikaku::line::Config {
        secret: SECRET.into(),
        token: TOKEN.into(),
        api_url: fake.url(),
        data_api_url: fake.url(),
        listen: listener.local_addr().unwrap(),
        path: "/line/webhook".into(),
        per_sec: 10_000,
        max_body: 64 * 1024,
        // Short, so that a lost answer costs the tests little.
        api_timeout: Duration::from_millis(500),
        reload_every: None,
        probe: None,
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(keikaku::line::serve_on(listener, config, app, async move {
        let _ = rx.await;
    }));
    Line { fake, webhook, db, stop: Some(tx), task, _dir: dir }
}

impl Line {
    async fn post(&self, events: Vec<Value>) -> u16 {
        self.fake.post(&self.webhook, SECRET, events).await
    }

    /// The `n`-th delivery to `chat`.
    async fn nth(&self, chat: &str, n: usize) -> Delivered {
        let d = self.fake.wait_delivered(chat, n).await;
        d.get(n - 1)
            .cloned()
            .unwrap_or_else(|| panic!("no delivery #{n} to {chat}: {d:#?}; refused {:?}", self.fake.refused()))
    }

    async fn stop(mut self) {
        self.shut().await;
    }

    async fn shut(&mut self) {
        assert!(self.fake.refused().is_empty(), "LINE would have refused: {:?}", self.fake.refused());
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let done = tokio::time::timeout(Duration::from_secs(15), &mut self.task).await;
        assert!(matches!(done, Ok(Ok(Ok(())))), "the server stops gracefully: {done:?}");
    }

    /// Stops, and starts a new app over the same database and the same LINE.
    async fn restart(mut self) -> Line {
        self.shut().await;
        start_over(self.fake, self._dir).await
    }

    /// Where the inbox has event `id` once it has settled (answered or dropped), within 10 s.
    async fn settled(&self, id: &str) -> InboxState {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let state = Store::open(&self.db).unwrap().line_entry(id).unwrap().map(|e| e.state);
            match state {
                Some(s @ (InboxState::Answered | InboxState::Dropped)) => return s,
                _ if tokio::time::Instant::now() > deadline => panic!("{id} did not settle: {state:?}"),
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}

/// Every JSON object of `v` whose `type` is `kind`, depth first.
fn objects<'a>(v: &'a Value, kind: &str, out: &mut Vec<&'a serde_json::Map<String, Value>>) {
    match v {
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) == Some(kind) {
                out.push(o);
            }
            o.values().for_each(|v| objects(v, kind, out));
        }
        Value::Array(a) => a.iter().for_each(|v| objects(v, kind, out)),
        _ => {}
    }
}

/// Every text of a message (a Flex bubble's components, or a text message).
fn texts(m: &Value) -> String {
    let mut found = Vec::new();
    objects(m, "text", &mut found);
    found.iter().filter_map(|o| o.get("text").and_then(Value::as_str)).map(|t| format!("{t}\n")).collect()
}

/// The postback buttons of a message: footer buttons and quick replies, (label, data).
fn postbacks(m: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    objects(m, "postback", &mut found);
    found
        .iter()
        .map(|o| (o["label"].as_str().unwrap_or("").to_string(), o["data"].as_str().unwrap_or("").to_string()))
        .collect()
}

const ALICE: &str = "U0000000000000000000000000000a11c";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_question_gets_a_flex_card_and_a_postback_switches_the_section() {
    let line = start().await;
    assert_eq!(line.post(vec![line.fake.text(ALICE, "ev-1", "どこでも窓口のKPI")]).await, 200);
    let card = line.nth(ALICE, 1).await;
    assert_eq!(card.kind, "reply");
    let m = &card.messages[0];
    assert_eq!(m["type"], "flex");
    assert!(m["altText"].as_str().unwrap().contains("搭載手続数"), "{m}");
    let text = texts(m);
    assert!(text.contains("どこでも窓口") && text.contains("p.18") && text.contains("90件"), "{text}");
    let buttons = postbacks(m);
    let labels: Vec<&str> = buttons.iter().map(|(l, _)| l.as_str()).collect();
    assert!(labels.contains(&"方法") && labels.contains(&"👍 解決した"), "{labels:?}");
    // 方法: the methods card of the same initiative.
    let methods = buttons.iter().find(|(l, _)| l == "方法").unwrap().1.clone();
    line.post(vec![line.fake.postback(ALICE, "ev-2", &methods)]).await;
    let switched = line.nth(ALICE, 2).await;
    let text = texts(&switched.messages[0]);
    assert!(text.contains("具体的方法") && text.contains("搭載手続の拡大"), "{text}");
    // A follow-up keeps the initiative, as on Telegram.
    line.post(vec![line.fake.text(ALICE, "ev-3", "いつまで？")]).await;
    let follow = texts(&line.nth(ALICE, 3).await.messages[0]);
    assert!(follow.contains("取組期間") && follow.contains("令和10年度"), "{follow}");
    // 👎 asks what they wanted; the answer is kept with the question.
    let down = postbacks(&line.nth(ALICE, 3).await.messages[0]).into_iter().find(|(l, _)| l.starts_with("👎")).unwrap();
    line.post(vec![line.fake.postback(ALICE, "ev-4", &down.1)]).await;
    assert!(texts(&line.nth(ALICE, 4).await.messages[0]).contains("何を知りたかったですか"));
    line.post(vec![line.fake.text(ALICE, "ev-5", "終わる日を知りたかった")]).await;
    line.nth(ALICE, 5).await;
    let app = App::new(common::engine(), &line.db);
    let rows = app.questions(None).unwrap();
    assert!(rows.iter().all(|r| r.channel == "line" && r.public && !r.asker.contains(ALICE)), "{rows:?}");
    let voted = rows.iter().find(|r| r.vote == Some(-1)).expect("the 👎 is kept");
    assert_eq!((voted.question.as_str(), voted.wanted.as_deref()), ("いつまで？", Some("終わる日を知りたかった")));
    line.stop().await;
}

/// The conversation contract (`common::CONVERSATION`) on the LINE bot: the same cards and
/// the same logged outcome as on Telegram and in the terminal core, the 👎 kept on the
/// answer whose id its postback carried (LINE's replies carry no message id to key it on).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_line_bot_holds_the_conversation_contract() {
    use common::Step;
    let line = start().await;
    let (mut last, mut voted): (Option<Value>, _) = (None, None);
    for (n, (step, expected)) in common::CONVERSATION.into_iter().enumerate() {
        let id = format!("ev-{n}");
        let pressable = last.as_ref().map(postbacks).unwrap_or_default();
        let event = match step {
            Step::Say(q) => line.fake.text(ALICE, &id, q),
            Step::Pick(page) => {
                let show = format!("s:{page}:");
                let data = &pressable.iter().find(|(_, d)| d.starts_with(&show)).unwrap().1;
                line.fake.postback(ALICE, &id, data)
            }
            Step::NextPage => {
                let next = pressable.iter().find(|(l, _)| l.starts_with("次の10件")).expect("a next page");
                line.fake.postback(ALICE, &id, &next.1)
            }
            Step::Down => {
                let down = pressable.iter().find(|(l, _)| l.starts_with("👎")).expect("👎 under the answer");
                voted = Some(common::voted_on(&down.1));
                line.fake.postback(ALICE, &id, &down.1)
            }
        };
        line.post(vec![event]).await;
        let delivered = line.nth(ALICE, n + 1).await;
        let text: String = delivered.messages.iter().map(texts).collect();
        for e in expected {
            assert!(text.contains(e), "{step:?} → {text}");
        }
        if step != Step::Down {
            last = delivered.messages.last().cloned();
        }
    }
    let expected = common::expected_log();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let rows = loop {
        let rows = Store::open(&line.db).unwrap().questions_since(0).unwrap();
        if rows.len() >= expected.len() || std::time::Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(common::logged(&rows), expected);
    common::assert_linked(&rows, voted.unwrap());
    assert!(rows.iter().all(|r| r.channel == "line" && r.public && !r.asker.contains(ALICE)), "{rows:?}");
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn candidates_arrive_as_quick_replies_and_a_long_list_pages() {
    let line = start().await;
    line.post(vec![line.fake.text(ALICE, "ev-1", "コンビニ交付")]).await;
    let m = line.nth(ALICE, 1).await.messages.pop().unwrap();
    let quick: Vec<(String, String)> = postbacks(&m["quickReply"]);
    assert!(quick.len() >= 2 && quick.iter().filter(|(_, d)| d.starts_with("s:")).count() >= 2, "{quick:?}");
    assert!(m["contents"].get("footer").is_none(), "candidates are quick replies, not buttons: {m}");
    // A candidate pressed: its card.
    line.post(vec![line.fake.postback(ALICE, "ev-2", &quick[0].1)]).await;
    assert!(texts(&line.nth(ALICE, 2).await.messages[0]).contains("コンビニ"));
    // A list of 58: ten at a time, with 「次の10件」.
    line.post(vec![line.fake.text(ALICE, "ev-3", "取組の一覧")]).await;
    let list = line.nth(ALICE, 3).await.messages.pop().unwrap();
    let next =
        postbacks(&list["quickReply"]).into_iter().find(|(l, _)| l.starts_with("次の10件")).expect("a next page");
    line.post(vec![line.fake.postback(ALICE, "ev-4", &next.1)]).await;
    assert!(texts(&line.nth(ALICE, 4).await.messages[0]).contains("11–20件目"));
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bad_signature_is_refused_and_nothing_is_answered() {
    let line = start().await;
    let body = br#"{"events":[{"type":"message","replyToken":"x","source":{"type":"user","userId":"Ubad"},"message":{"type":"text","text":"hi"}}]}"#;
    assert_eq!(line.fake.post_raw(&line.webhook, body, Some("bm90IHRoZSBzaWduYXR1cmU=")).await, 401);
    assert_eq!(line.fake.post_raw(&line.webhook, body, None).await, 401);
    assert_eq!(line.fake.post(&line.webhook, "another secret", vec![line.fake.text("Ubad", "ev-x", "hi")]).await, 401);
    // Too big is refused before anything.
    let big = vec![b'x'; 128 * 1024];
    assert_eq!(line.fake.post_raw(&line.webhook, &big, Some("AAAA")).await, 413);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(line.fake.delivered().is_empty());
    // LINE's console checks the URL with no events: 200.
    assert_eq!(line.post(vec![]).await, 200);
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redelivered_event_is_answered_once() {
    let line = start().await;
    let event = line.fake.text(ALICE, "ev-same", "どこでも窓口のKPI");
    let mut again = event.clone();
    again["deliveryContext"]["isRedelivery"] = Value::Bool(true);
    assert_eq!(line.post(vec![event]).await, 200);
    assert_eq!(line.post(vec![again]).await, 200);
    line.nth(ALICE, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(line.fake.delivered().len(), 1);
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_429_then_200_is_answered_once() {
    let line = start().await;
    line.fake.fail_next("reply", &[429]);
    line.post(vec![line.fake.text(ALICE, "ev-1", "どこでも窓口のKPI")]).await;
    let d = line.nth(ALICE, 1).await;
    assert_eq!(d.kind, "reply");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(line.fake.delivered().len(), 1);
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_reply_token_falls_back_to_one_push_even_when_the_push_is_retried() {
    let line = start().await;
    let event = line.fake.text(ALICE, "ev-late", "どこでも窓口のKPI");
    line.fake.expire(event["replyToken"].as_str().unwrap());
    // LINE takes the push, then answers 500: the retry carries the same key and is not
    // delivered again.
    line.fake.fail_next("push", &[500]);
    line.post(vec![event]).await;
    let d = line.nth(ALICE, 1).await;
    assert_eq!(d.kind, "push");
    let key = d.retry_key.clone().expect("a push has a retry key");
    assert_eq!(key.len(), 36);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let all = line.fake.delivered();
    assert_eq!(all.len(), 1, "{all:#?}");
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_whose_answer_is_lost_reaches_the_resident_once() {
    let line = start().await;
    // LINE carries the reply out and its answer comes after the bot stopped waiting: the
    // reply is tried again with the same token, LINE calls it used, and nothing is pushed.
    line.fake.late_replies(Late::Lost, 1, Duration::from_secs(2));
    line.post(vec![line.fake.text(ALICE, "ev-lost", "どこでも窓口のKPI")]).await;
    assert_eq!(line.nth(ALICE, 1).await.kind, "reply");
    assert_eq!(line.settled("ev-lost").await, InboxState::Answered);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(line.fake.delivered().len(), 1, "{:#?}", line.fake.delivered());
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_that_never_got_through_is_tried_again_and_arrives_once() {
    let line = start().await;
    line.fake.late_replies(Late::NotTaken, 1, Duration::from_secs(1));
    line.post(vec![line.fake.text(ALICE, "ev-slow", "どこでも窓口のKPI")]).await;
    assert_eq!(line.nth(ALICE, 1).await.kind, "reply");
    assert_eq!(line.settled("ev-slow").await, InboxState::Answered);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(line.fake.delivered().len(), 1, "{:#?}", line.fake.delivered());
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_redelivered_after_a_restart_is_not_answered_again() {
    let line = start().await;
    let event = line.fake.text(ALICE, "ev-r", "どこでも窓口のKPI");
    line.post(vec![event.clone()]).await;
    line.nth(ALICE, 1).await;
    assert_eq!(line.settled("ev-r").await, InboxState::Answered);
    let line = line.restart().await;
    let mut again = event;
    again["deliveryContext"]["isRedelivery"] = Value::Bool(true);
    assert_eq!(line.post(vec![again]).await, 200);
    line.post(vec![line.fake.text(ALICE, "ev-n", "生成AIの削減目標は？")]).await;
    assert!(texts(&line.nth(ALICE, 2).await.messages[0]).contains("生成AI"), "the new app answers");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(line.fake.delivered().len(), 2, "{:#?}", line.fake.delivered());
    line.stop().await;
}

/// What a stopped bot left pending is finished by the next, each as possibly sent already.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_left_pending_at_a_stop_are_finished_at_the_next_start() {
    let (fake, dir) = (FakeLine::start().await, tempfile::tempdir().unwrap());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let kept = json!([{"type": "text", "text": "保留していた回答"}]).to_string();
    let mut store = Store::open(&dir.path().join("keikaku.db")).unwrap();
    let mut pending = |id: &str, age_ms: i64, answer: Option<&str>, used: bool| {
        let event = fake.text(ALICE, id, "どこでも窓口のKPI");
        let token = event["replyToken"].as_str().unwrap();
        if used {
            fake.expire(token);
        }
        store.line_take(id, now - age_ms, &event.to_string(), Some(token), Some(ALICE)).unwrap();
        if let Some(answer) = answer {
            store.line_sending(id, answer).unwrap();
        }
        event
    };
    // Accepted, not answered: answered now, by reply.
    let first = pending("ev-p1", 1_000, None, false);
    // Being sent, its token since used: the stopped bot's reply went through.
    pending("ev-p2", 1_000, Some(&kept), true);
    // Being sent two minutes ago: the token cannot tell, so the kept answer is pushed.
    pending("ev-p3", 120_000, Some(&kept), true);
    // A day old: past LINE's retry key, dropped rather than risk a second copy.
    pending("ev-p4", 25 * 3_600_000, None, false);
    drop(store);
    let line = start_over(fake, dir).await;
    for (id, state) in [("ev-p1", InboxState::Answered), ("ev-p2", InboxState::Answered)] {
        assert_eq!(line.settled(id).await, state, "{id}");
    }
    assert_eq!(line.settled("ev-p3").await, InboxState::Answered);
    assert_eq!(line.settled("ev-p4").await, InboxState::Dropped);
    let mut again = first;
    again["deliveryContext"]["isRedelivery"] = Value::Bool(true);
    line.post(vec![again]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = line.fake.delivered();
    let kinds: Vec<&str> = all.iter().map(|d| d.kind).collect();
    assert_eq!(kinds.len(), 2, "{all:#?}");
    assert!(kinds.contains(&"reply") && kinds.contains(&"push"), "{all:#?}");
    let pushed = all.iter().find(|d| d.kind == "push").unwrap();
    assert_eq!(pushed.messages[0]["text"], "保留していた回答");
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_bad_event_does_not_keep_the_others_from_being_answered() {
    let line = start().await;
    let mut bad = line.fake.text(ALICE, "ev-bad", "生成AIの削減目標は？");
    bad["timestamp"] = json!("yesterday");
    let good = line.fake.text(ALICE, "ev-good", "どこでも窓口のKPI");
    assert_eq!(line.post(vec![bad, json!(42), good]).await, 200);
    assert!(texts(&line.nth(ALICE, 1).await.messages[0]).contains("搭載手続数"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(line.fake.delivered().len(), 1);
    line.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_friend_is_greeted_and_groups_are_answered_only_when_mentioned() {
    let line = start().await;
    line.post(vec![line.fake.follow(ALICE, "ev-f")]).await;
    let hello = line.nth(ALICE, 1).await.messages.pop().unwrap();
    assert!(hello["text"].as_str().unwrap().contains("友だち追加ありがとうございます"), "{hello}");
    let examples = hello["quickReply"]["items"].as_array().unwrap();
    assert!(examples.len() >= 3 && examples.iter().all(|i| i["action"]["type"] == "message"));
    let group = "C0000000000000000000000000000g01";
    line.post(vec![line.fake.group_text(group, ALICE, "ev-g1", "今日の会議は何時から？", false)]).await;
    line.post(vec![line.fake.group_text(group, ALICE, "ev-g2", "@けいかく どこでも窓口のKPI", true)]).await;
    let answered = line.nth(group, 1).await;
    assert!(texts(&answered.messages[0]).contains("搭載手続数"));
    // Addressed by its name (the profile's displayName), without a mention.
    line.post(vec![line.fake.group_text(group, ALICE, "ev-g3", "けいかく、生成AIの削減目標は？", false)]).await;
    assert!(texts(&line.nth(group, 2).await.messages[0]).contains("生成AI"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(line.fake.delivered().iter().filter(|d| d.to == group).count(), 2);
    // An unfollow needs no answer; an image gets a hint.
    line.post(vec![serde_json::json!({"type": "unfollow", "mode": "active", "timestamp": 0, "source": {"type": "user", "userId": ALICE}, "webhookEventId": "ev-u"})]).await;
    let mut image = line.fake.text(ALICE, "ev-i", "");
    image["message"] = serde_json::json!({"type": "image", "id": "1"});
    line.post(vec![image]).await;
    assert!(line.nth(ALICE, 2).await.messages[0]["text"].as_str().unwrap().contains("文字で質問"));
    line.stop().await;
}

/// `keikaku line rich-menu` against the fake API: created, image uploaded, default set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rich_menu_is_created_uploaded_and_set() {
    let fake = FakeLine::start().await;
    let url = fake.url();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_keikaku"))
            .args(["--index-dir"])
            .arg(common::index_dir())
            .args(["line", "rich-menu"])
            .env("LINE_CHANNEL_SECRET", SECRET)
            .env("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
            .env("LINE_API_URL", &url)
            .env("LINE_DATA_API_URL", &url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("richmenu-0001"));
    let calls = fake.rich_menu_calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(
        calls[0] == "create 5 areas"
            && calls[1].starts_with("image richmenu-0001")
            && calls[2] == "default richmenu-0001"
    );
}

/// Every button of the rich menu sends a question the bot answers (a list, never 「ありません」).
#[test]
fn the_rich_menu_asks_what_the_bot_answers() {
    let engine = common::engine();
    let (menu, _) = keikaku::line::rich_menu::load(std::path::Path::new("data")).unwrap();
    for area in menu["areas"].as_array().unwrap() {
        let text = area["action"]["text"].as_str().unwrap();
        if text == "使い方" {
            continue;
        }
        let outcome = engine.ask(text);
        assert_eq!(outcome.intent, keikaku::search::Intent::List, "{text}");
        assert!(outcome.hits.len() >= 3, "{text}: {} initiatives", outcome.hits.len());
    }
}

/// The 「どこでも窓口のKPI」 card as LINE gets it, pinned: paste it into LINE's Flex Message
/// Simulator to see it.
#[test]
fn the_flex_card_is_pinned() {
    let engine = common::engine();
    let outcome = engine.ask("どこでも窓口のKPI");
    let card = keikaku::answer::card(engine.plan(), &outcome);
    let messages = keikaku::line::flex::messages(&card, outcome.ambiguous, &[]);
    insta::assert_snapshot!("line_flex_kpi_p18", serde_json::to_string_pretty(&messages[0]["contents"]).unwrap());
}
