//! `cargo bench --bench engine`: the figures of BENCHMARKS.md, measured the same way every
//! time.
//!
//! - per-question latency in-process, over the evaluation questions, many rounds (p50, p99);
//!   the engine alone and the whole `ask --json` path, interleaved in the same run;
//! - questions of 100, 1,000 and 4,096 characters;
//! - cold start to first answer: the keikaku binary run as a fresh process, index built;
//! - first-run build: dictionary compile and index build into an empty folder;
//! - dictionary load, memory-mapped against read into memory, interleaved;
//! - word vectors read out of the wheel against the compact file;
//! - peak RSS of a process answering every question;
//! - all of it again on a synthetic plan N× larger (`--scales 1,100`).
//!
//! Options after `--`: `cargo bench --bench engine -- --scales 1 --rounds 50`.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context;
use clap::Parser;

use keikaku::answer::ask_json;
use keikaku::plan::Plan;
use keikaku::search::{self, Paths, Rebuild};
use support::{Stats, read_questions, tempfile_dir};

/// Options of the engine benchmark.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    common: support::Common,
    /// Rounds over all questions for in-process latency.
    #[arg(long, default_value_t = 200)]
    rounds: usize,
    /// Fresh processes for cold start.
    #[arg(long, default_value_t = 30)]
    cold_runs: usize,
    /// First-run builds (dictionary + index into an empty folder).
    #[arg(long, default_value_t = 5)]
    build_runs: usize,
    /// Plan sizes to measure, as multiples of the real plan (1 = the real plan).
    #[arg(long, value_delimiter = ',', default_value = "1,100")]
    scales: Vec<usize>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    run(&args.common.paths(), &args)
}

/// Runs the benchmark and prints a Markdown report.
fn run(paths: &Paths, args: &Args) -> anyhow::Result<()> {
    let questions = read_questions(&args.common.questions)?;
    let plan_text = search::read_data_file(&paths.plan_file())?;
    let user = search::read_optional(&paths.data_dir.join(search::USER_DICTIONARY_FILE))?;
    let lexicon = search::Lexicon::load(&paths.data_dir)?;
    let full_corpus = search::learned::CorpusTexts::read(&paths.data_dir)?;
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_keikaku"));
    say!("# keikaku bench\n");
    say!("- machine: {}", support::machine());
    say!("- questions: {} from {}\n", questions.len(), args.common.questions.display());

    for &scale in &args.scales {
        let work = tempfile_dir(&format!("keikaku-bench-x{scale}"))?;
        let data_dir = work.join("data");
        std::fs::create_dir_all(&data_dir)?;
        let text = if scale <= 1 { plan_text.clone() } else { support::synthetic::synthetic_plan(&plan_text, scale)? };
        std::fs::write(data_dir.join(search::PLAN_FILE), &text)?;
        std::fs::write(data_dir.join(search::USER_DICTIONARY_FILE), &user)?;
        let lexicon_dir = data_dir.join(search::lexicon::LEXICON_DIR);
        std::fs::create_dir_all(&lexicon_dir)?;
        for name in search::lexicon::FILES {
            std::fs::copy(paths.data_dir.join(search::lexicon::LEXICON_DIR).join(name), lexicon_dir.join(name))?;
        }
        // The corpus speaks of the real plan's pages; a synthetic plan is measured without it.
        let corpus = if scale <= 1 { full_corpus.clone() } else { search::learned::CorpusTexts::default() };
        let open = |corpus: &search::learned::CorpusTexts, index_dir: &Path| {
            search::open_from_text(
                &text,
                Path::new("bench"),
                &user,
                lexicon.clone(),
                corpus,
                index_dir,
                Rebuild::IfStale,
            )
        };
        let initiatives = Plan::parse(&text).map(|p| p.initiatives.len()).unwrap_or(0);
        let original = Plan::parse(&plan_text).map(|p| p.initiatives.len()).unwrap_or(0);
        anyhow::ensure!(initiatives == original * scale.max(1), "the ×{scale} plan has {initiatives} initiatives");
        say!("## Plan ×{scale}: {initiatives} initiatives, {} KiB\n", text.len() / 1024);

        // First-run build: dictionary compile + index build into an empty folder.
        let mut dict_times = Vec::new();
        let mut index_times = Vec::new();
        let mut index_dir = work.join("index-0");
        for run in 0..args.build_runs.max(1) {
            index_dir = work.join(format!("index-{run}"));
            let started = Instant::now();
            search::dictionary::ensure_compiled(&index_dir)?;
            dict_times.push(started.elapsed());
            let started = Instant::now();
            open(&corpus, &index_dir)?;
            index_times.push(started.elapsed());
        }
        say!("| measure | figures |\n|---|---|");
        say!("| first run: compile IPADIC | {} |", Stats::new(dict_times).line());
        say!("| first run: parse + index build (+ open) | {} |", Stats::new(index_times).line());

        // Dictionary load, mmap against read, interleaved.
        let compiled = index_dir.join(search::dictionary::COMPILED_DIR);
        let (mut mmap, mut read) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            let t = Instant::now();
            lindera::dictionary::load_fs_dictionary_with_options(&compiled, true)?;
            mmap.push(t.elapsed());
            let t = Instant::now();
            lindera::dictionary::load_fs_dictionary_with_options(&compiled, false)?;
            read.push(t.elapsed());
        }
        say!("| dictionary load, mmap | {} |", Stats::new(mmap).line());
        say!("| dictionary load, read into memory | {} |", Stats::new(read).line());

        // Word vectors: built from the wheel once, then the compact file is read.
        let vectors_file = index_dir.join(search::vectors::COMPILED);
        if vectors_file.is_file() {
            let mut loads = Vec::new();
            let mut builds = Vec::new();
            for n in 0..10 {
                let t = Instant::now();
                std::hint::black_box(search::vectors::Vectors::open(&index_dir)?);
                loads.push(t.elapsed());
                if n < 2 {
                    let t = Instant::now();
                    std::hint::black_box(search::vectors::Vectors::from_wheel(&search::vectors::wheel_path())?);
                    builds.push(t.elapsed());
                }
            }
            say!("| word vectors: read from the wheel (first run) | {} |", Stats::new(builds).line());
            say!("| word vectors: load the compact file | {} |", Stats::new(loads).line());
        } else {
            say!("| word vectors | not available (no wheel) |");
        }

        // Warm open (what every process start pays, index built).
        let mut opens = Vec::new();
        let mut engine = None;
        for _ in 0..10 {
            let t = Instant::now();
            engine = Some(open(&corpus, &index_dir)?);
            opens.push(t.elapsed());
        }
        say!("| open engine in-process (index built) | {} |", Stats::new(opens).line());
        let engine = engine.context("no engine")?;

        // Training the understanding models from the corpus and the plan (what a start
        // after a change of either pays, once), and the engine with and without them.
        if let Ok(examples) = corpus.examples(engine.plan())
            && !examples.is_empty()
        {
            let calibration = corpus.calibration().unwrap_or_default();
            let mut trainings = Vec::new();
            for _ in 0..3 {
                let t = Instant::now();
                std::hint::black_box(keikaku::nlu::Nlu::train(
                    engine.plan(),
                    &examples,
                    &|q| engine.question_input(q),
                    &|t| engine.model_input(t),
                    calibration.clone(),
                ));
                trainings.push(t.elapsed());
            }
            say!(
                "| train the models ({} questions and the plan's texts) | {} |",
                examples.len(),
                Stats::new(trainings).line()
            );
            let bare_engine = open(&search::learned::CorpusTexts::default(), &index_dir)?;
            let (mut with, mut without) = (Vec::new(), Vec::new());
            for _ in 0..args.rounds {
                for q in &questions {
                    let t = Instant::now();
                    std::hint::black_box(engine.ask(q));
                    with.push(t.elapsed());
                    let t = Instant::now();
                    std::hint::black_box(bare_engine.ask(q));
                    without.push(t.elapsed());
                }
            }
            say!("| per question, with the models | {} |", Stats::new(with).line());
            say!("| per question, the engine's stages alone | {} |", Stats::new(without).line());
        }

        // Per-question latency, engine only and the whole --json path, interleaved.
        let (mut bare, mut full) = (Vec::new(), Vec::new());
        for _ in 0..args.rounds {
            for q in &questions {
                let t = Instant::now();
                let o = engine.ask(q);
                bare.push(t.elapsed());
                std::hint::black_box(&o);
                let t = Instant::now();
                let j = ask_json(engine.plan(), &engine.ask(q));
                let s = serde_json::to_string(&j)?;
                full.push(t.elapsed());
                std::hint::black_box(s);
            }
        }
        say!("| per question, engine.ask | {} |", Stats::new(bare).line());
        say!("| per question, ask + card + JSON | {} |", Stats::new(full).line());

        // Long messages: the questions strung together to 100, 1,000 and 4,096 characters.
        let joined: String = questions.join("。");
        for len in [100usize, 1000, 4096] {
            let long: String = joined.chars().cycle().take(len).collect();
            let mut times = Vec::new();
            for _ in 0..(args.rounds / 4).max(20) {
                let t = Instant::now();
                std::hint::black_box(engine.ask(&long));
                times.push(t.elapsed());
            }
            say!("| per question of {len} characters, engine.ask | {} |", Stats::new(times).line());
        }

        // Cold start: a fresh process answering one question, the index and the prepared
        // data built (the first run of the keikaku binary prepares its own; not timed).
        let mut cold = Vec::new();
        for n in 0..=args.cold_runs {
            let q = &questions[n % questions.len()];
            let t = Instant::now();
            let status = Command::new(&exe)
                .args(["--data-dir"])
                .arg(&data_dir)
                .args(["--index-dir"])
                .arg(&index_dir)
                .args(["ask", "--json", q])
                .stdout(Stdio::null())
                .status()?;
            if n > 0 {
                cold.push(t.elapsed());
            }
            anyhow::ensure!(status.success(), "cold-start run failed");
        }
        say!("| cold start to first answer (process) | {} |", Stats::new(cold).line());

        // Peak RSS of a process answering every question ten times.
        let mut child = Command::new(&exe)
            .args(["--data-dir"])
            .arg(&data_dir)
            .args(["--index-dir"])
            .arg(&index_dir)
            .args(["ask", "--json", "--batch"])
            .env(keikaku::telemetry::PEAK_RSS_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            for _ in 0..10 {
                for q in &questions {
                    writeln!(stdin, "{q}")?;
                }
            }
        }
        let out = child.wait_with_output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kib =
            stderr.lines().find_map(|l| l.strip_prefix("peak_rss_kib=")).and_then(|v| v.trim().parse::<u64>().ok());
        match kib {
            Some(kib) => say!(
                "| peak RSS, `ask --json --batch` over {} questions | {:.1} MB |\n",
                questions.len() * 10,
                kib as f64 / 1024.0
            ),
            None => say!("| peak RSS | not measured (no /proc) |\n"),
        }
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(())
}
