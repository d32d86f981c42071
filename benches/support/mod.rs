//! What both benchmarks share: percentiles, the questions, a scratch folder, the machine.
#![allow(dead_code)]

pub mod stats;
pub mod synthetic;

use std::path::{Path, PathBuf};

use anyhow::Context;

#[allow(unused_imports)]
pub use stats::{Stats, fmt};

/// The options both benchmarks take.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The plan document, user dictionary and lexicon.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// The compiled dictionary and the search index.
    #[arg(long, default_value = "index")]
    pub index_dir: PathBuf,
    /// Questions: a .jsonl file with a "q" field per line, or plain text, one per line.
    #[arg(long, default_value = "tests/eval_public.jsonl")]
    pub questions: PathBuf,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    pub bench: bool,
}

impl Common {
    /// Where the engine reads and writes.
    pub fn paths(&self) -> keikaku::search::Paths {
        keikaku::search::Paths { data_dir: self.data_dir.clone(), index_dir: self.index_dir.clone() }
    }
}

/// Prints a line of the report and flushes it, so progress shows while a long run goes on.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, $($arg)*);
        let _ = out.flush();
    }};
}

pub fn read_questions(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if line.trim_start().starts_with('{') {
            let v: serde_json::Value =
                serde_json::from_str(line).with_context(|| format!("a line of {}", path.display()))?;
            if let Some(q) = v.get("q").and_then(|q| q.as_str()) {
                out.push(q.to_string());
            }
        } else {
            out.push(line.trim().to_string());
        }
    }
    anyhow::ensure!(!out.is_empty(), "no questions in {}", path.display());
    Ok(out)
}

pub fn tempfile_dir(prefix: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// 「2 cores, AMD EPYC」: the machine a report was made on.
pub fn machine() -> String {
    format!("{} cores, {}", std::thread::available_parallelism().map_or(0, |n| n.get()), cpu_model())
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
