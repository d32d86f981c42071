//! Building the dictionary and the index from nothing, from several threads at once (as
//! parallel tests, or two processes starting together, do).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use keikaku::search::{self, Paths, Rebuild};

#[test]
fn parallel_first_runs_into_one_empty_folder_all_succeed() {
    let index = tempfile::tempdir().unwrap();
    let paths = Paths { data_dir: "data".into(), index_dir: index.path().to_path_buf() };
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let paths = paths.clone();
            std::thread::spawn(move || {
                search::open(&paths, Rebuild::IfStale).map(|e| e.ask("どこでも窓口のKPI").hits[0].page)
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().expect("every first run succeeds"), 18);
    }
    // Nothing half-built is left behind.
    let leftovers: Vec<String> = std::fs::read_dir(index.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
