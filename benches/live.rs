//! `cargo bench --bench live`: how long fixing keikaku while it serves takes — a word taught
//! (the corpus cross-validated with it and, the first time, without it) and undone, and a running
//! app's reload after a changed word list and after a changed plan document (a new index) —
//! and what a look that finds nothing changed costs. Over a copy of the data folder.
//!
//! Options after `--`: `cargo bench --bench live -- --runs 20`.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;

use keikaku::app::{App, Reload};
use keikaku::search::{self, Paths, Rebuild};
use keikaku::teach::{Change, Lesson};
use support::{Stats, tempfile_dir};

/// Options of the live benchmark.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    common: support::Common,
    /// Rounds of each measure.
    #[arg(long, default_value_t = 20)]
    runs: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let source = args.common.paths();
    let work = tempfile_dir("keikaku-bench-live")?;
    let paths = copy_data(&source, &work)?;
    say!("# keikaku bench: live changes\n");
    say!("- machine: {}", support::machine());
    say!("- {} rounds each, over a copy of {}\n", args.runs, source.data_dir.display());
    let app = App::new(search::open(&paths, Rebuild::IfStale)?, &work.join("keikaku.db")).with_source(paths.clone());
    let lesson = Change::Teach(vec![Lesson { word: "でこぼこ".into(), terms: vec!["陥没".into()] }]);
    let forget = Change::Forget("でこぼこ".into());

    let (mut taught, mut undone, mut checked) = (Vec::new(), Vec::new(), 0);
    for _ in 0..args.runs {
        let started = Instant::now();
        checked = app.teach(None, &lesson)?.figures.map_or(0, |(_, after)| after.questions);
        taught.push(started.elapsed());
        let started = Instant::now();
        app.teach(None, &forget)?;
        undone.push(started.elapsed());
    }

    // Another process's view: a change made behind the app's back.
    let taught_file = paths.data_dir.join("lexicon/taught.tsv");
    let plan_file = paths.plan_file();
    let (taught_text, plan_text) = (std::fs::read_to_string(&taught_file)?, std::fs::read_to_string(&plan_file)?);
    let mut idle = Vec::new();
    let mut words = Vec::new();
    let mut plans = Vec::new();
    for run in 0..args.runs {
        let started = Instant::now();
        let r = app.reload_if_changed();
        idle.push(started.elapsed());
        anyhow::ensure!(r == Reload::Unchanged, "nothing changed, yet: {r:?}");
        std::fs::write(&taught_file, format!("{taught_text}でこぼこ\t陥没\n"))?;
        words.push(reload(&app)?);
        std::fs::write(&taught_file, &taught_text)?;
        reload(&app)?;
        // A changed target: the index is built again.
        std::fs::write(&plan_file, plan_text.replacen("90件", &format!("{}件", 80 + run % 10), 1))?;
        plans.push(reload(&app)?);
    }
    std::fs::write(&plan_file, &plan_text)?;
    say!("| measure | figures |\n|---|---|");
    say!("| teach a word (cross-validate {checked} corpus questions, write, audit, in service) | {} |", line(taught));
    say!("| undo it (the same) | {} |", line(undone));
    say!("| a look that finds nothing changed | {} |", line(idle));
    say!("| reload after a changed word list (new lexicon, same index) | {} |", line(words));
    say!("| reload after a changed plan document (new index) | {} |", line(plans));
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn line(times: Vec<Duration>) -> String {
    Stats::new(times).line()
}

/// Reloads after a change, and how long it took.
fn reload(app: &App) -> anyhow::Result<Duration> {
    let started = Instant::now();
    match app.reload_if_changed() {
        Reload::Reloaded { .. } => Ok(started.elapsed()),
        other => anyhow::bail!("a change was not reloaded: {other:?}"),
    }
}

/// The data folder copied into `work`, with an index folder sharing the compiled dictionary
/// and word vectors (symbolic links).
fn copy_data(source: &Paths, work: &Path) -> anyhow::Result<Paths> {
    let data = work.join("data");
    std::fs::create_dir_all(data.join(search::lexicon::LEXICON_DIR))?;
    std::fs::copy(source.plan_file(), data.join(search::PLAN_FILE))?;
    let user = source.data_dir.join(search::USER_DICTIONARY_FILE);
    if user.exists() {
        std::fs::copy(user, data.join(search::USER_DICTIONARY_FILE))?;
    }
    for name in search::lexicon::FILES {
        let from = source.data_dir.join(search::lexicon::LEXICON_DIR).join(name);
        if from.exists() {
            std::fs::copy(from, data.join(search::lexicon::LEXICON_DIR).join(name))?;
        }
    }
    drop(search::open(source, Rebuild::IfStale)?);
    let index = work.join("index");
    std::fs::create_dir_all(&index)?;
    for shared in ["ipadic", "vectors"] {
        let from = std::fs::canonicalize(source.index_dir.join(shared));
        if let Ok(from) = from {
            std::os::unix::fs::symlink(from, index.join(shared))?;
        }
    }
    Ok(Paths { data_dir: data, index_dir: index })
}
