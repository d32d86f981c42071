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
