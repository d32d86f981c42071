//! The command line: clap definitions (plain data) and the dispatch to one function per
//! subcommand. English messages; the answers themselves are Japanese.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::answer::{ask_json, card, render_text};
use crate::search::{self, Engine, Paths, Rebuild};

/// keikaku: answers questions about the DX action plan and tracks its KPIs.
#[derive(Debug, Parser)]
#[command(name = "keikaku", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Paths shared by every subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// The plan document, user dictionary and synonyms.
    #[arg(long, global = true, env = "KEIKAKU_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The compiled dictionary and the search index (built on first use).
    #[arg(long, global = true, env = "KEIKAKU_INDEX_DIR", default_value = "index")]
    pub index_dir: PathBuf,
    /// The state database.
    #[arg(long, global = true, env = "KEIKAKU_DB", default_value = "data/state/keikaku.db")]
    pub db: PathBuf,
}

/// Who an answer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// City staff.
    Staff,
    /// Residents: read-only, no reporters or history.
    Public,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer one question (or, with --batch, one per line of stdin) and exit.
    Ask {
        /// Who the answer is for.
        #[arg(long, value_enum, default_value = "staff")]
        mode: Mode,
        /// Print the JSON object of the contract instead of text.
        #[arg(long)]
        json: bool,
        /// Read questions one per line from stdin; print one answer per line (with --json).
        #[arg(long)]
        batch: bool,
        /// The question, e.g. 「どこでも窓口のKPI」.
        #[arg(required_unless_present = "batch")]
        question: Vec<String>,
    },
    /// Chat in the terminal: ask, follow up (「そのKPIは？」), quit with /quit or Ctrl-D.
    Chat {
        /// Who the answers are for.
        #[arg(long, value_enum, default_value = "staff")]
        mode: Mode,
    },
    /// Build (or rebuild) the dictionary and the search index.
    Index,
    /// Check the document, dictionary, index and database, and say what to do about problems.
    Doctor,
    /// Measure latency, cold start, build time and memory (see BENCHMARKS.md).
    Bench(crate::bench::BenchArgs),
}

impl Global {
    /// The engine's paths.
    pub fn paths(&self) -> Paths {
        Paths { data_dir: self.data_dir.clone(), index_dir: self.index_dir.clone() }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = cli.global.paths();
    match cli.command {
        Command::Ask { mode: _, json, batch, question } => ask(&paths, json, batch, &question.join(" ")),
        Command::Chat { mode: _ } => chat(&paths),
        Command::Index => index(&paths),
        Command::Doctor => Ok(crate::doctor::run(&paths, &cli.global.db)),
        Command::Bench(args) => crate::bench::run(&paths, &args),
    }
}

fn open(paths: &Paths) -> anyhow::Result<Engine> {
    search::open(paths, Rebuild::IfStale).context("cannot open the plan")
}

fn ask(paths: &Paths, json: bool, batch: bool, question: &str) -> anyhow::Result<ExitCode> {
    let engine = open(paths)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let answer = |q: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        let outcome = engine.ask(q);
        if json {
            writeln!(out, "{}", serde_json::to_string(&ask_json(engine.plan(), &outcome))?)?;
        } else {
            writeln!(out, "{}", render_text(&card(engine.plan(), &outcome)))?;
        }
        Ok(())
    };
    if batch {
        for line in std::io::stdin().lock().lines() {
            let line = line.context("reading questions from stdin")?;
            answer(line.trim(), &mut out)?;
        }
    } else {
        answer(question, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn chat(paths: &Paths) -> anyhow::Result<ExitCode> {
    let engine = open(paths)?;
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "keikaku — {}（{}件の取組）", engine.plan().title, engine.plan().initiatives.len())?;
    writeln!(stdout, "質問をどうぞ（例: どこでも窓口のKPI / デジタル推進課の取組）。/quit で終了。")?;
    let mut context: Option<u16> = None;
    loop {
        write!(stdout, "> ")?;
        stdout.flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            writeln!(stdout)?;
            break;
        }
        let q = line.trim();
        if q.is_empty() {
            continue;
        }
        if matches!(q, "/quit" | "/exit" | "/q") {
            break;
        }
        let outcome = engine.ask_in_context(q, context);
        if !outcome.ambiguous
            && outcome.intent != search::Intent::List
            && let Some(hit) = outcome.hits.first()
        {
            context = Some(hit.page);
        }
        writeln!(stdout, "{}", render_text(&card(engine.plan(), &outcome)))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn index(paths: &Paths) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let engine = search::open(paths, Rebuild::Always).context("cannot build the index")?;
    println!(
        "indexed {} initiatives into {} in {:.2?}",
        engine.plan().initiatives.len(),
        engine.index_dir().display(),
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}
