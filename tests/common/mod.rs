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

/// The context rule (`keikaku::conversation::context_after`), as a script every channel runs:
/// each question with a word its answer must hold. A follow-up after a single initiative is
/// about it; after a list (a long, paged one) it is about nothing, not the initiative before
/// the list.
pub const CONTEXT_SCRIPT: [(&str, &str); 4] = [
    ("生成AIの導入", "p.35"),
    ("そのKPIは？", "7,000時間"),
    ("デジタル推進課の取組", "デジタル推進課"),
    ("そのKPIは？", "何についての質問か分かりませんでした"),
];
