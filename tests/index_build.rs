//! Building the dictionary and the index from nothing, from several threads at once (as
//! parallel tests, or two processes starting together, do).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

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

/// The index holds only the published plan and the bots may run as another user than the one
/// who built it: everything under it is readable by all, whatever tantivy's or the umask's
/// choice (tantivy writes `meta.json` owner-only). The prepared data is kept with it, and a
/// second start reads it instead of analysing the plan again.
#[cfg(unix)]
#[test]
fn the_index_is_readable_by_every_user_and_keeps_its_prepared_data() {
    use std::os::unix::fs::PermissionsExt;
    // Its own index folder over the plan without the corpus (the models are another test's
    // matter), sharing the compiled dictionary.
    let (_dir, paths) = common::data_copy();
    let first = search::open(&paths, Rebuild::IfStale).unwrap();
    let mut checked = 0;
    let mut stack = vec![paths.index_dir.join("search"), paths.index_dir.join("ipadic")];
    while let Some(path) = stack.pop() {
        let meta = std::fs::metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode & 0o555, 0o555, "{} is {mode:o}", path.display());
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            assert_eq!(mode & 0o444, 0o444, "{} is {mode:o}", path.display());
            checked += 1;
        }
    }
    let prepared = first.index_dir().join(search::prepared::FILE);
    assert!(checked > 10 && prepared.is_file(), "{checked} files; {}", prepared.display());
    let again = search::open(&paths, Rebuild::IfStale).unwrap();
    assert_eq!(again.ask("どこでも窓口のKPI").hits[0].page, 18);
    assert_eq!(again.plan().initiatives.len(), first.plan().initiatives.len());
}

/// A build killed midway leaves its `.building-…` folder; the next start or build removes
/// it once its process is gone (or it is older than any build takes), and leaves alone the
/// folder of a build that is still running.
#[cfg(target_os = "linux")]
#[test]
fn the_folders_of_killed_builds_are_removed_and_running_ones_kept() {
    // Its own index folder, sharing the compiled dictionary: nothing is compiled again.
    let (_dir, paths) = common::data_copy();
    drop(search::open(&paths, Rebuild::IfStale).unwrap());
    let search_dir = paths.index_dir.join("search");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let two_hours_ago = now - 2 * 3600 * 1_000_000_000;
    // A process that ran and is gone (reaped), and one that runs (a build in progress).
    let gone = std::process::Command::new("true").spawn().unwrap();
    let gone_pid = gone.id();
    let mut gone = gone;
    gone.wait().unwrap();
    let mut running = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    let folder = |nonce: u128, pid: u32| {
        let dir = search_dir.join(format!(".building-0123456789abcdef-{nonce:x}-{pid}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("meta.json"), "{}").unwrap();
        dir
    };
    let killed = folder(now, gone_pid);
    let ancient = folder(two_hours_ago, running.id());
    let in_progress = folder(now, running.id());

    // Start (the index is current: nothing is built).
    drop(search::open(&paths, Rebuild::IfStale).unwrap());
    assert!(!killed.exists(), "the killed build's folder is removed at start");
    assert!(!ancient.exists(), "an hours-old building folder is stale whoever has its process id now");
    assert!(in_progress.exists(), "a running build's folder is kept");

    // The next build removes one killed meanwhile, and still keeps the running one.
    let killed = folder(now, gone_pid);
    let engine = search::open(&paths, Rebuild::Always).unwrap();
    assert_eq!(engine.ask("どこでも窓口のKPI").hits[0].page, 18);
    assert!(!killed.exists() && in_progress.exists());
    running.kill().unwrap();
    running.wait().unwrap();
    drop(search::open(&paths, Rebuild::IfStale).unwrap());
    assert!(!in_progress.exists(), "removed once its process is gone");
}
