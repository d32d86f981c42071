//! Helpers shared by the integration tests.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

/// An index folder shared by every test binary of this build (the dictionary is compiled
/// once; builds are atomic, so concurrent tests are safe).
pub fn index_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("keikaku-test-index")
}

/// The engine over `data/`, with the shared index folder.
pub fn engine() -> keikaku::search::Engine {
    let paths = keikaku::search::Paths { data_dir: "data".into(), index_dir: index_dir() };
    keikaku::search::open(&paths, keikaku::search::Rebuild::IfStale).expect("the engine opens")
}

/// An app over the shared engine and a fresh database in a temporary folder, with `roster`
/// registered: (Telegram id, name, role, departments).
pub fn app_with_roster(
    roster: &[(i64, &str, keikaku::actuals::Role, &[&str])],
) -> (tempfile::TempDir, PathBuf, keikaku::app::App) {
    // Today fixed: cards and 「来年度」 read the same whatever the date.
    app_with_roster_on(keikaku::plan::FiscalYear::reiwa(8), roster)
}

/// [`app_with_roster`] with today's fiscal year `today` (the years before it have ended).
pub fn app_with_roster_on(
    today: keikaku::plan::FiscalYear,
    roster: &[(i64, &str, keikaku::actuals::Role, &[&str])],
) -> (tempfile::TempDir, PathBuf, keikaku::app::App) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state/keikaku.db");
    let app = keikaku::app::App::new(engine(), &db).with_today(today);
    let mut store = app.store().unwrap();
    let plan = app.plan();
    for (id, name, role, departments) in roster {
        let staff = keikaku::actuals::Staff {
            telegram_id: *id,
            name: (*name).into(),
            role: *role,
            departments: departments.iter().map(|d| d.to_string()).collect(),
        };
        store.add_staff(&plan, None, &staff).unwrap();
    }
    (dir, db, app)
}

/// A copy of `data/` in a temporary folder, to change freely, with an index folder of its
/// own that shares the compiled dictionary and word vectors of [`index_dir`] (symbolic
/// links, so nothing is compiled again).
pub fn data_copy() -> (tempfile::TempDir, keikaku::search::Paths) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("lexicon")).unwrap();
    for f in ["nasushiobara-dx-action-plan-2026-2028.md", "userdict.csv"] {
        std::fs::copy(std::path::Path::new("data").join(f), data.join(f)).unwrap();
    }
    for entry in std::fs::read_dir("data/lexicon").unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), data.join("lexicon").join(entry.file_name())).unwrap();
    }
    // The shared folder's dictionary (and vectors, when the wheel is there) exist once an
    // engine was opened over it.
    drop(engine());
    let index = dir.path().join("index");
    std::fs::create_dir_all(&index).unwrap();
    for shared in ["ipadic", "vectors"] {
        let from = index_dir().join(shared);
        if from.exists() {
            std::os::unix::fs::symlink(&from, index.join(shared)).unwrap();
        }
    }
    (dir, keikaku::search::Paths { data_dir: data, index_dir: index })
}

/// The corpus files a test of teaching copies: the bare topics and the out-of-plan
/// questions, about a third of the corpus, so that a teaching's cross-validation takes
/// seconds in a test build rather than minutes (the whole corpus is measured by
/// `keikaku nlu eval` and the bench).
pub const TEACHING_CORPUS: [&str; 2] = ["terse.tsv", "out-of-plan.tsv"];

/// [`data_copy`] with `files` of the corpus (`data/nlu/`).
pub fn data_copy_with_corpus(files: &[&str]) -> (tempfile::TempDir, keikaku::search::Paths) {
    let (dir, paths) = data_copy();
    let nlu = paths.data_dir.join("nlu");
    std::fs::create_dir_all(&nlu).unwrap();
    for f in files {
        std::fs::copy(std::path::Path::new("data/nlu").join(f), nlu.join(f)).unwrap();
    }
    (dir, paths)
}

/// One step of the conversation contract ([`CONVERSATION`]), as a person takes it on any
/// channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A message.
    Say(&'static str),
    /// The candidate on this page, pressed (its number typed in the terminal), wherever
    /// the ranking put it: two initiatives a question fits alike may come in either order.
    Pick(u16),
    /// The last list's next page, pressed.
    NextPage,
    /// 👎 under the last answer, pressed.
    Down,
}

/// The conversation contract: one script of turns that the fake Telegram server, the fake
/// LINE server and the terminal core each run, with words each step's card must hold (the
/// same cards), and [`expected_log`] (the same logged outcome). The context rule
/// (`keikaku::conversation::context_after`) is in it: a follow-up after a single
/// initiative (or a candidate picked) is about it; after a list it is about nothing, not
/// the initiative before the list.
pub const CONVERSATION: [(Step, &[&str]); 11] = [
    (Step::Say("生成AIの導入"), &["p.35"]),
    (Step::Say("そのKPIは？"), &["7,000時間"]),
    (Step::Say("コンビニ交付"), &["戸籍証明書コンビニ交付の導入", "証明書の自動交付"]),
    (Step::Pick(22), &["証明書の自動交付", "p.22"]),
    (Step::Say("そのKPIは？"), &["証明書のコンビニ交付率"]),
    (Step::Say("取組の一覧"), &["1–10件目"]),
    (Step::NextPage, &["11–20件目"]),
    (Step::Say("そのKPIは？"), &["何についての質問か分かりませんでした"]),
    (Step::Say("どこでも窓口のKPI"), &["搭載手続数", "90件"]),
    (Step::Down, &["何を知りたかったですか"]),
    (Step::Say("いつまで？"), &["取組期間", "令和10年度"]),
];

/// What the log keeps of a question, whatever the channel: the question, the intent, the
/// first pages, what came of it, the vote and what they wanted.
pub type Logged = (String, String, Vec<u16>, keikaku::actuals::QuestionResult, Option<i8>, Option<String>);

/// The rows as [`Logged`].
pub fn logged(rows: &[keikaku::actuals::LoggedQuestion]) -> Vec<Logged> {
    rows.iter()
        .map(|r| {
            let mut pages: Vec<u16> = r.pages.iter().take(3).copied().collect();
            // Candidates are offered in the ranking's order, which a near tie may flip.
            if r.result == keikaku::actuals::QuestionResult::Candidates {
                pages.sort_unstable();
            }
            (r.question.clone(), r.intent.clone(), pages, r.result, r.vote, r.wanted.clone())
        })
        .collect()
}

/// The logged outcome of [`CONVERSATION`]: every message a row (a pick or a page turn is not
/// a question), the 👎 and what they wanted on the answer it was pressed under.
pub fn expected_log() -> Vec<Logged> {
    use keikaku::actuals::QuestionResult::{Answered, Candidates, NotFound};
    let row = |q: &str, intent: &str, pages: &[u16], result, vote: Option<i8>, wanted: Option<&str>| {
        (q.to_string(), intent.to_string(), pages.to_vec(), result, vote, wanted.map(String::from))
    };
    vec![
        row("生成AIの導入", "overview", &[35], Answered, None, None),
        row("そのKPIは？", "kpi", &[35], Answered, None, None),
        row("コンビニ交付", "overview", &[22, 23], Candidates, None, None),
        row("そのKPIは？", "kpi", &[22], Answered, None, None),
        row("取組の一覧", "list", &[15, 16, 17], Answered, None, None),
        row("そのKPIは？", "not_found", &[], NotFound, None, None),
        row("どこでも窓口のKPI", "kpi", &[18], Answered, Some(-1), Some("いつまで？")),
        row("いつまで？", "period", &[18], Answered, None, None),
    ]
}

/// The answer-id linkage: every answer has an id of its own, and the 👎 pressed (carrying
/// `voted`) is kept on the answer it was under.
pub fn assert_linked(rows: &[keikaku::actuals::LoggedQuestion], voted: keikaku::actuals::AnswerId) {
    let ids: Vec<_> = rows.iter().map(|r| r.answer.expect("every answer has an id")).collect();
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    let down = rows.iter().find(|r| r.vote == Some(-1)).expect("the 👎 is kept");
    assert_eq!(down.answer, Some(voted), "the 👎 names the answer it was pressed under");
}

/// The answer id a vote button's data carries (`v:d:ID`).
pub fn voted_on(data: &str) -> keikaku::actuals::AnswerId {
    match keikaku::conversation::Callback::decode(data) {
        Some(keikaku::conversation::Callback::Vote { answer: Some(id), .. }) => id,
        other => panic!("not a vote on an answer id: {data} → {other:?}"),
    }
}
