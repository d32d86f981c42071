//! The question log and its review: what people asked and the plan did not answer, grouped,
//! counted by people; residents kept anonymous; old questions forgotten.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use keikaku::actuals::{AnswerId, Channel, QuestionRecord, QuestionResult, ReviewStatus, Role};
use keikaku::app::{Asker, Audience};

#[test]
fn a_question_asked_three_times_by_two_chats_is_one_item_of_three_by_two_people() {
    let (_dir, _db, app) = common::app_with_roster(&[(1001, "山田", Role::Lead, &["デジタル推進課"])]);
    for (chat, question) in [(100, "ごみの収集日を知りたい"), (200, "ゴミの収集日は？"), (100, "ごみ　収集日")]
    {
        let outcome = app.engine().ask(question);
        app.record_question(
            Channel::Telegram,
            Audience::Public,
            Asker::Chat(chat),
            question,
            &outcome,
            Some(AnswerId::fresh()),
        );
    }
    let answered = app.engine().ask("どこでも窓口のKPI");
    app.record_question(Channel::Telegram, Audience::Staff, Asker::Chat(1001), "どこでも窓口のKPI", &answered, None);
    app.flush_log();

    let mut store = app.store().unwrap();
    let rows = store.questions_since(0).unwrap();
    assert_eq!(rows.len(), 4);
    // Residents are pseudonyms: never their chat id; one chat, one pseudonym.
    let public: Vec<_> = rows.iter().filter(|r| r.public).collect();
    assert!(
        public.iter().all(|r| r.asker.len() == 16
            && r.asker.chars().all(|c| c.is_ascii_hexdigit())
            && r.asker != "100"
            && r.asker != "200"),
        "{public:?}"
    );
    assert_eq!(public[0].asker, public[2].asker);
    assert_ne!(public[0].asker, public[1].asker);
    // Staff may be named by id.
    assert_eq!(rows[3].asker, "1001");
    assert_eq!((rows[3].result, rows[3].pages.first().copied()), (QuestionResult::Answered, Some(18)));

    let key = |q: &str| app.engine().question_key(q);
    let items = keikaku::review::review(&rows, key, Some(ReviewStatus::Pending));
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!((items[0].count, items[0].people, items[0].not_found), (3, 2, 3));

    // Marked resolved, it leaves the pending list.
    assert_eq!(store.set_review_status(&items[0].ids, ReviewStatus::Resolved).unwrap(), 3);
    let rows = store.questions_since(0).unwrap();
    assert!(keikaku::review::review(&rows, key, Some(ReviewStatus::Pending)).is_empty());
    assert_eq!(keikaku::review::review(&rows, key, Some(ReviewStatus::Resolved)).len(), 1);
}

#[test]
fn retention_forgets_only_what_is_older_than_the_period() {
    let (_dir, _db, app) = common::app_with_roster(&[]);
    let mut store = app.store().unwrap();
    let now = keikaku::actuals::now_unix();
    let day = 86_400;
    for (age, q) in [(400, "古い質問"), (366, "一年と一日前"), (364, "一年足らず前"), (0, "今日の質問")]
    {
        store
            .log_question(&QuestionRecord {
                at: now - age * day,
                channel: Channel::Telegram,
                public: true,
                asker: "x",
                question: q,
                intent: "not_found",
                pages: &[],
                result: QuestionResult::NotFound,
                answer: None,
            })
            .unwrap();
    }
    assert_eq!(store.forget_questions_before(now - 365 * day).unwrap(), 2);
    let left: Vec<String> = store.questions_since(0).unwrap().into_iter().map(|r| r.question).collect();
    assert_eq!(left, ["一年足らず前", "今日の質問"]);
}

#[test]
fn keikaku_review_lists_and_marks_items() {
    let state = tempfile::tempdir().unwrap();
    let db = state.path().join("keikaku.db");
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_keikaku"))
            .args(["--data-dir", "data", "--index-dir"])
            .arg(common::index_dir())
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let o = child.wait_with_output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    run(&["chat"], "ごみの収集日を知りたい\nゴミの収集日は？\nどこでも窓口のKPI\nexit\n");
    let (code, out, _) = run(&["review"], "");
    assert_eq!(code, Some(0));
    assert!(out.contains("（1件）") && out.contains("#1 ") && out.contains("2回・1人"), "{out}");
    let (code, out, _) = run(&["review", "--ignore", "1"], "");
    assert_eq!(code, Some(0));
    assert!(out.contains("#1: 2 question(s) marked ignored") && out.contains("（0件）"), "{out}");
    let (code, _, err) = run(&["review", "--resolve", "99"], "");
    assert_eq!(code, Some(2));
    assert!(err.contains("no item #99"), "{err}");
    let (code, out, err) = run(&["stats"], "");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("質問 3件: 回答 1") && out.contains("見つからず 2") && out.contains("（p.18）: 1回"), "{out}");
    let (_, csv, _) = run(&["stats", "--csv", "--since", "all"], "");
    assert!(csv.starts_with("\u{feff}day,mode,questions") && csv.contains("合計,all,3,1,0,2,0,0\r\n"), "{csv}");
    let (code, _, err) = run(&["review", "--since", "2x"], "");
    assert_eq!(code, Some(2));
    assert!(err.contains("読めません") && err.contains("7日間"), "{err}");
    // The forms a Japanese user types are read (this panicked once: 「not a char boundary」).
    for since in ["7日", "７日間", "2週間", "24時間", "2026-11-01"] {
        let (code, _, err) = run(&["stats", "--since", since], "");
        assert_eq!(code, Some(0), "{since}: {err}");
        let (code, _, err) = run(&["review", "--since", since], "");
        assert_eq!(code, Some(0), "{since}: {err}");
    }
}

#[test]
fn a_refused_since_names_the_forms_and_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let db = state.path().join("state/keikaku.db");
    for args in [&["review", "--since", "1か月", "--resolve", "1"][..], &["stats", "--since", "７x"]] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_keikaku"))
            .args(["--data-dir", "data", "--index-dir"])
            .arg(common::index_dir())
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("読めません") && err.contains("24時間") && err.contains("2026-11-01"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        // Refused before anything opened: not even the state folder exists.
        assert!(!db.parent().unwrap().exists(), "{args:?}");
    }
}
