//! The README's examples, run as written: every shell block marked `<!-- runnable -->`
//! (the line before its fence) runs in a scratch folder, and the demo's transcript is what
//! the demo prints.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/demo.rs"]
mod demo;
#[path = "support/fake_telegram.rs"]
mod fake;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The marker of a block that runs as written.
const RUNNABLE: &str = "<!-- runnable -->";
/// How long one block may take (a debug build; no block waits on anything but keikaku).
const BLOCK_WITHIN: Duration = Duration::from_secs(180);

fn readme() -> String {
    std::fs::read_to_string("README.md").unwrap()
}

/// The shell blocks of `text` marked [`RUNNABLE`]: (the line of the fence, the block's text).
fn runnable_blocks(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if line.trim() != RUNNABLE {
            continue;
        }
        let fence = lines.get(n + 1).map(|l| l.trim()).unwrap_or("");
        assert!(
            matches!(fence, "```sh" | "```bash"),
            "README.md:{}: {RUNNABLE} must stand right before a ```sh block",
            n + 1
        );
        let body: Vec<&str> = lines[n + 2..].iter().take_while(|l| l.trim() != "```").copied().collect();
        out.push((n + 2, body.join("\n") + "\n"));
    }
    out
}

/// A folder set up as a checkout that has run its first command: `data/` copied (without its
/// `state/`: a new database), `index/` copied from the tests' (the compiled dictionary and
/// the word vectors linked), and `bin/keikaku` the binary under test.
fn scratch() -> tempfile::TempDir {
    // The tests' index holds the dictionary, the search index and the models for `data/`.
    drop(common::engine());
    let dir = tempfile::tempdir().unwrap();
    copy_tree(Path::new("data"), &dir.path().join("data"), &|p| p.file_name().is_some_and(|n| n == "state"));
    let index = dir.path().join("index");
    std::fs::create_dir_all(&index).unwrap();
    for entry in std::fs::read_dir(common::index_dir()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "ipadic" || name == "vectors" {
            std::os::unix::fs::symlink(entry.path(), index.join(&name)).unwrap();
        } else {
            copy_tree(&entry.path(), &index.join(&name), &|_| false);
        }
    }
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_keikaku"), dir.path().join("bin/keikaku")).unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) {
    if skip(from) {
        return;
    }
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_tree(&entry.path(), &to.join(entry.file_name()), skip);
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

/// Runs `block` with `sh -e` in `dir`, `keikaku` (and `cargo run --locked --`) meaning the
/// binary under test, keikaku's settings unset (its defaults are the folder's `data/`,
/// `index/`, `data/state/keikaku.db`), every network call pointed at a closed port; killed
/// after `within`. Returns (succeeded, what it printed).
fn run_block(dir: &Path, block: &str, within: Duration) -> (bool, String) {
    let script = block.replace("cargo run --locked --", "keikaku");
    let path = format!("{}:{}", dir.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    let mut command = Command::new("sh");
    command.arg("-e").arg("-c").arg(&script).current_dir(dir).env("PATH", path);
    for (key, _) in std::env::vars() {
        if key.starts_with("KEIKAKU_") {
            command.env_remove(key);
        }
    }
    let closed = "http://127.0.0.1:9";
    for key in ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        command.env(key, closed);
    }
    command.env("TELOXIDE_API_URL", closed).env("LINE_API_URL", closed).env("LINE_DATA_API_URL", closed);
    let out = tempfile::tempfile().unwrap();
    let mut child = {
        use std::os::unix::process::CommandExt;
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out.try_clone().unwrap())
            .spawn()
            .unwrap()
    };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > within {
            // The shell and whatever it started.
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut printed = String::new();
    {
        use std::io::{Read, Seek};
        let mut out = out;
        out.rewind().unwrap();
        out.read_to_string(&mut printed).unwrap();
    }
    match status {
        Some(s) => (s.success(), printed),
        None => (false, format!("{printed}\n(killed after {within:?})")),
    }
}

/// Each marked block runs, as written, in a scratch folder of its own: it exits 0 within
/// the bound and nothing it prints is refused (`report --batch` goes on past a refused
/// line, and exits 0).
#[test]
fn every_runnable_block_of_the_readme_runs_as_written() {
    let blocks = runnable_blocks(&readme());
    assert!(!blocks.is_empty(), "no block of README.md is marked {RUNNABLE}");
    for (line, block) in blocks {
        let dir = scratch();
        let (ok, printed) = run_block(dir.path(), &block, BLOCK_WITHIN);
        assert!(ok, "README.md:{line}: the block failed:\n{block}\n--- it printed:\n{printed}");
        let refused: Vec<&str> = printed.lines().filter(|l| l.starts_with("refused")).collect();
        assert!(refused.is_empty(), "README.md:{line}: refused:\n{}\n--- in:\n{printed}", refused.join("\n"));
    }
}

#[test]
fn a_marker_names_the_block_after_it_and_only_that() {
    let text =
        "```sh\nnot this\n```\n<!-- runnable -->\n```sh\nkeikaku ask a\nkeikaku ask b\n```\n\n```sh\nnor this\n```\n";
    assert_eq!(runnable_blocks(text), vec![(5, "keikaku ask a\nkeikaku ask b\n".to_string())]);
}

/// A block that fails, or does not end in time, fails the test (and is killed, with what
/// it started); it sees none of keikaku's settings, and a closed port for any network.
#[test]
fn a_failing_or_endless_block_is_caught_and_runs_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    let (ok, _) = run_block(dir.path(), "true\nfalse\ntrue\n", BLOCK_WITHIN);
    assert!(!ok, "sh -e stops at the first failure");
    let started = Instant::now();
    let (ok, printed) = run_block(dir.path(), "sleep 60 &\nsleep 60\n", Duration::from_secs(1));
    assert!(!ok && printed.contains("killed after") && started.elapsed() < Duration::from_secs(20), "{printed}");
    let (ok, printed) = run_block(dir.path(), "echo \"[$KEIKAKU_DB]\" $https_proxy\n", BLOCK_WITHIN);
    assert!(ok && printed.starts_with("[] http://127.0.0.1:9"), "{printed}");
}

/// The transcript of 「Trying the bots without Telegram」 is what the demo prints for the
/// lines typed in it: the same cards, buttons, edits, and the chart as a line naming a PNG.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_transcript_of_the_readme_is_what_the_demo_prints() {
    let text = readme();
    let start = text.find("keikaku demo — ").expect("the README shows a demo session");
    let shown = &text[start..start + text[start..].find("\n```").unwrap()];
    let typed: Vec<String> = shown.lines().filter_map(|l| l.strip_prefix("あなた> ")).map(str::to_string).collect();
    assert!(typed.iter().any(|t| t.starts_with('#')), "the session presses a button");

    let dir = tempfile::tempdir().unwrap();
    // Today fixed: the card says 「実績 未報告」 for 令和8年度 as in the README.
    let engine = tokio::task::spawn_blocking(common::engine).await.unwrap();
    let app = keikaku::app::App::new(engine, &dir.path().join("state/keikaku.db"))
        .with_today(keikaku::plan::FiscalYear::reiwa(8));
    let (lines, input) = tokio::sync::mpsc::unbounded_channel();
    for line in &typed {
        lines.send(line.clone()).unwrap();
    }
    drop(lines);
    let pictures = dir.path().join("pictures");
    let mut out = Vec::new();
    let mut term = demo::Terminal { out: &mut out, echo: true, pictures: pictures.clone() };
    demo::talk(Arc::new(app), keikaku::bot::Mode::Public, input, &mut term).await.unwrap();
    let printed = String::from_utf8(out).unwrap();

    // A picture's folder differs from run to run; its file must be there, a PNG.
    let mut charts = 0;
    for line in printed.lines().filter_map(|l| l.split_once(demo::PICTURE)).map(|(_, path)| path) {
        let bytes = std::fs::read(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{line} is not a PNG");
        charts += 1;
    }
    assert!(charts > 0, "the chart button shows a picture:\n{printed}");
    let folder_free = |t: &str| -> String {
        t.lines()
            .map(|l| match l.split_once(demo::PICTURE) {
                Some((before, path)) => format!("{before}{}…/{}", demo::PICTURE, path.rsplit('/').next().unwrap_or("")),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (want, got) = (folder_free(shown), folder_free(printed.trim_end()));
    assert!(
        want == got,
        "README.md's demo session differs from what the demo prints:\n--- README\n{want}\n--- demo\n{got}"
    );
}
