//! The command line: clap definitions (plain data) and the dispatch to one function per
//! subcommand. English messages; the answers themselves are Japanese.
//!
//! Its parts are children of this module, so nothing outside `cli` depends on them:
//! `actuals` (staff, report, history, progress, export), `doctor`.

pub mod actuals;
pub mod chat;
pub mod doctor;
pub mod nlu;
pub mod since;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::answer::render_text;
use crate::app::App;
use crate::search::{self, Engine, Paths, Rebuild};

/// `println!` that returns an error instead of panicking when stdout is closed (a pipe into
/// `head`); `main` exits quietly on that error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}
pub(crate) use say;

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
    /// The plan document, user dictionary and lexicon.
    #[arg(long, global = true, env = "KEIKAKU_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The compiled dictionary and the search index (built on first use).
    #[arg(long, global = true, env = "KEIKAKU_INDEX_DIR", default_value = "index")]
    pub index_dir: PathBuf,
    /// The state database.
    #[arg(long, global = true, env = "KEIKAKU_DB", default_value = "data/state/keikaku.db")]
    pub db: PathBuf,
}

/// Who an answer is for (the one [`Audience`] type, as the command line names it).
pub use crate::app::Audience as Mode;

/// Which messenger a bot serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Channel {
    /// Telegram (long polling): `--mode staff` or `--mode public`.
    Telegram,
    /// LINE (a webhook server): `--mode public` only.
    Line,
}

/// LINE's set-up commands.
#[derive(Debug, Subcommand)]
pub enum LineCommand {
    /// Create the rich menu of data/line/ (rich-menu.json, rich-menu.png) and make it the
    /// default for every user (LINE_CHANNEL_ACCESS_TOKEN; LINE_API_URL, LINE_DATA_API_URL).
    RichMenu,
}

/// The learned understanding's commands.
#[derive(Debug, Subcommand)]
pub enum NluCommand {
    /// Grouped k-fold cross-validation of the corpus: intent accuracy, initiative top-1,
    /// false not-found and out-of-plan answered, overall and per style.
    Eval {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Keep what was fit (the ranker, thresholds and cue weight) in
        /// data/nlu/calibration.json, where the bots read it.
        #[arg(long)]
        write: bool,
        /// Also list every held-out question the decision got wrong.
        #[arg(long)]
        mistakes: bool,
    },
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
        /// Print what each stage made of the question (words, readings, facets, each
        /// matcher's proposals, the decision) before the answer; JSON with --json.
        #[arg(long)]
        explain: bool,
        /// Keep each question in the question log (channel `ask`), as the chats and bots
        /// do, for `keikaku review` and `stats`. Off by default: scripts and the evaluation
        /// ask many questions nobody asked.
        #[arg(long, env = "KEIKAKU_ASK_LOG_QUESTIONS")]
        log_questions: bool,
        /// The question, e.g. 「どこでも窓口のKPI」.
        #[arg(required_unless_present = "batch")]
        question: Vec<String>,
    },
    // Chat in the terminal: ask, follow up, quit. The help is built from the quit words
    // themselves, so that it says what the chat accepts.
    #[command(about = format!("Chat in the terminal: ask, follow up (「そのKPIは？」), {}.", crate::answer::how_to_leave_en()))]
    Chat {
        /// Who the answers are for.
        #[arg(long, value_enum, default_value = "staff")]
        mode: Mode,
    },
    /// Run a bot: Telegram (token from TELOXIDE_TOKEN; API base from TELOXIDE_API_URL), or
    /// the LINE webhook server (`--channel line --mode public`; LINE_CHANNEL_SECRET,
    /// LINE_CHANNEL_ACCESS_TOKEN, LINE_API_URL).
    Serve {
        /// staff (registered staff, reporting) or public (everyone, read-only).
        #[arg(long, value_enum)]
        mode: Mode,
        /// Which messenger: telegram (long polling) or line (a webhook server).
        #[arg(long, value_enum, default_value = "telegram")]
        channel: Channel,
        /// Where the LINE webhook server listens (default 127.0.0.1:8090).
        #[arg(long, env = "KEIKAKU_LISTEN")]
        listen: Option<String>,
    },
    /// Serve the public progress site (read-only): the plan, targets, actuals and charts,
    /// search, open data.
    Web {
        /// Where to listen (default 127.0.0.1:8080; put a reverse proxy in front).
        #[arg(long, env = "KEIKAKU_WEB_LISTEN")]
        listen: Option<String>,
        /// Keep each search in the question log (channel `web`, asker `anonymous`), as the
        /// chats and bots keep questions. Off by default: the site keeps nothing of its
        /// visitors.
        #[arg(long, env = "KEIKAKU_WEB_LOG_QUESTIONS")]
        log_questions: bool,
    },
    /// LINE: set up the official account's rich menu.
    #[command(subcommand)]
    Line(LineCommand),
    /// The learned understanding: `nlu eval` cross-validates the corpus of example
    /// questions (data/nlu/) and prints its figures.
    #[command(subcommand)]
    Nlu(NluCommand),
    /// Build (or rebuild) the dictionary and the search index.
    Index,
    /// Check the document, dictionary, index and database, and say what to do about problems.
    Doctor,
    /// Manage who may report: add, list, remove.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Report a KPI actual: `report --as ID 取組 指標 年度 値`, `--message 文`, or `--batch`.
    Report {
        /// The reporter's Telegram user id (they must be registered as lead or admin).
        #[arg(long = "as", value_name = "TELEGRAM_ID")]
        actor: i64,
        /// The report as a sentence: 「どこでも窓口の搭載手続数、令和8年度は92件でした」.
        #[arg(long, conflicts_with_all = ["batch", "parts"])]
        message: Option<String>,
        /// Read reports from stdin, one a line (取組<TAB>指標<TAB>年度<TAB>値, or a sentence);
        /// print `ok ID` or `refused REASON` for each as soon as it is on disk.
        #[arg(long, conflicts_with = "parts")]
        batch: bool,
        /// Record a value even when it is more than 1,000 times the largest target (without
        /// this, such a value is refused as a likely slip).
        #[arg(long)]
        confirm: bool,
        /// Why the value missed its target (未達: its year has ended, below target), up to 200
        /// characters; kept with the value, shown in history, on the site and in the export.
        #[arg(long, conflicts_with = "batch")]
        reason: Option<String>,
        /// 取組 指標 年度 値, e.g. どこでも窓口 搭載手続数 R8 92件.
        #[arg(num_args = 4, value_names = ["取組", "指標", "年度", "値"], allow_hyphen_values = true)]
        parts: Vec<String>,
    },
    /// Every value reported for an initiative, with who and when.
    History {
        /// The initiative (name or page).
        initiative: Vec<String>,
    },
    /// Targets against actuals for a department, or for the whole plan.
    Progress {
        /// A department (「デジタル推進課」); the whole plan when left out.
        department: Option<String>,
        /// The fiscal year (R8, 令和9年度, 2026 …); the current one when left out.
        #[arg(long)]
        year: Option<String>,
    },
    /// The current actual of every reported KPI.
    #[command(subcommand)]
    Actuals(ActualsCommand),
    /// By department, each KPI of a fiscal year that has ended with no actual, and who
    /// should report it (the department's leads, or 未登録).
    Missing {
        /// The fiscal year (R8, 令和8年度, 2026 …); it must have ended. The last ended one
        /// when left out.
        #[arg(long)]
        year: Option<String>,
        /// CSV for Excel (UTF-8 with BOM, a header row) instead of text.
        #[arg(long)]
        csv: bool,
    },
    /// What people asked that the plan did not answer (or voted 👎), the same questions
    /// grouped, most asked first; mark an item resolved or ignored by its #number.
    Review {
        /// How far back: 7d (7日, 7日間), 2w (2週間), 24h (24時間), a date (2026-11-01), or all.
        #[arg(long, default_value = "30d")]
        since: String,
        /// Which items: pending, resolved, ignored, or all.
        #[arg(long, default_value = "pending")]
        status: String,
        /// Mark the item #ID as resolved (repeat for several).
        #[arg(long, value_name = "ID")]
        resolve: Vec<i64>,
        /// Mark the item #ID as ignored (repeat for several).
        #[arg(long, value_name = "ID")]
        ignore: Vec<i64>,
    },
    /// Teach a word: `teach 注射 予防接種`; or a review item's question as an example of
    /// what it meant: `teach --item 12 --page 64 --intent kpi` (or `teach #12 p.64 kpi`).
    /// Kept only when the corpus's cross-validated figures do not fall; written to
    /// data/lexicon/taught.tsv or data/nlu/taught.tsv and audited; running bots pick it up
    /// by themselves.
    Teach {
        /// Forget a taught word — typed as taught, in another script or as it reads
        /// (でこぼこ for デコボコ, 注射 for ちゅうしゃ) — or the taught question 例N.
        #[arg(long, value_name = "WORD|例N", conflicts_with_all = ["list", "item", "lesson"])]
        undo: Option<String>,
        /// List the words and questions taught.
        #[arg(long, conflicts_with_all = ["item", "lesson"])]
        list: bool,
        /// A review item's #ID whose question meant the initiative on --page (or, with
        /// --outside, nothing in the plan): the question joins the corpus as an example.
        #[arg(long, value_name = "ID", conflicts_with_all = ["lesson", "question"])]
        item: Option<i64>,
        /// A question (from a letter, a call) to teach as --item's would be.
        #[arg(long, value_name = "TEXT", conflicts_with = "lesson")]
        question: Option<String>,
        /// The page of the initiative the question meant.
        #[arg(long, conflicts_with = "outside")]
        page: Option<u16>,
        /// What it asked of it: overview, kpi, contents, methods, effects, period, schedule,
        /// department (or 概要, KPI, 内容 …); by default, what the question is read as.
        #[arg(long, requires = "page")]
        intent: Option<String>,
        /// The question is one the plan does not answer.
        #[arg(long)]
        outside: bool,
        /// The word, then the plan's term (or terms, separated by commas).
        #[arg(value_names = ["WORD", "TERM"])]
        lesson: Vec<String>,
    },
    /// Questions per day and mode, the answer rate, 👍 / 👎, the initiatives asked about most
    /// and what most often found nothing.
    Stats {
        /// How far back: 7d (7日, 7日間), 2w (2週間), 24h (24時間), a date (2026-11-01), or all.
        #[arg(long, default_value = "30d")]
        since: String,
        /// The days as CSV (UTF-8 with BOM, for Excel).
        #[arg(long)]
        csv: bool,
    },
}

/// `keikaku staff …`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Register someone (or change their name, role or departments).
    Add {
        /// Their Telegram user id.
        #[arg(long)]
        telegram_id: i64,
        /// Their name.
        #[arg(long)]
        name: String,
        /// admin (everything), lead (reports for their departments), staff (read only).
        #[arg(long)]
        role: String,
        /// A department of the plan (repeat for several).
        #[arg(long)]
        department: Vec<String>,
    },
    /// List registered staff.
    List,
    /// Revoke someone; their past reports stay.
    Remove {
        /// Their Telegram user id.
        #[arg(long)]
        telegram_id: i64,
    },
}

/// `keikaku actuals …`.
#[derive(Debug, Subcommand)]
pub enum ActualsCommand {
    /// Export the current actuals (CSV: UTF-8 with BOM, for Excel).
    Export {
        /// csv or json.
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV, UTF-8 with BOM.
    Csv,
    /// A JSON array.
    Json,
}

impl Global {
    /// The engine's paths.
    pub fn paths(&self) -> Paths {
        Paths { data_dir: self.data_dir.clone(), index_dir: self.index_dir.clone() }
    }
}

/// Parses the command line, exiting with clap's message on an error. A mistyped subcommand
/// gets the nearest one as a tip: clap's own similarity (Jaro) misses a swap in a short word
/// (`aks` for `ask`), so our edit distance, which counts a swap as one slip, fills in.
pub fn parse() -> Cli {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let mut e = match Cli::try_parse() {
        Ok(cli) => return cli,
        Err(e) => e,
    };
    if e.kind() == ErrorKind::InvalidSubcommand
        && e.get(ContextKind::SuggestedSubcommand).is_none()
        && let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidSubcommand)
    {
        // The level the slip was made at (`keikaku staff aks` is about staff's subcommands):
        // follow the words that name subcommands up to the mistyped one.
        let mut level = Cli::command();
        for arg in std::env::args().skip(1).take_while(|a| a != typed) {
            if let Some(sub) = level.find_subcommand(&arg) {
                level = sub.clone();
            }
        }
        let near: Vec<String> = crate::nearest::nearest(typed, level.get_subcommands().map(|c| c.get_name()), 1)
            .into_iter()
            .map(String::from)
            .collect();
        if !near.is_empty() {
            e.insert(ContextKind::SuggestedSubcommand, ContextValue::Strings(near));
        }
    }
    e.exit()
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = cli.global.paths();
    let db = cli.global.db.clone();
    match cli.command {
        Command::Ask { mode, json, batch, explain: true, question, .. } => {
            explain(&app(&paths, &db)?, mode, json, batch, &question.join(" "))
        }
        Command::Ask { mode, json, batch, explain: false, log_questions, question } => {
            let app = app(&paths, &db)?;
            let app = if log_questions { app } else { app.without_question_log() };
            ask(&app, mode, json, batch, &question.join(" "))
        }
        Command::Chat { mode } => chat(app(&paths, &db)?, mode, &history_file(&db)),
        Command::Serve { mode, channel: Channel::Telegram, .. } => serve(app(&paths, &db)?, mode),
        Command::Serve { mode: Mode::Staff, channel: Channel::Line, .. } => {
            anyhow::bail!("the LINE bot is for residents: run it with --mode public (staff use the Telegram staff bot)")
        }
        Command::Serve { mode: Mode::Public, channel: Channel::Line, listen } => {
            serve_line(app(&paths, &db)?, listen.as_deref())
        }
        Command::Line(LineCommand::RichMenu) => rich_menu(&paths),
        Command::Web { listen, log_questions } => {
            let app = app(&paths, &db)?;
            web(if log_questions { app } else { app.without_question_log() }, listen.as_deref())
        }
        Command::Nlu(NluCommand::Eval { json, write, mistakes }) => nlu::eval(&paths, json, write, mistakes),
        Command::Index => index(&paths),
        Command::Doctor => doctor::run(&paths, &db),
        Command::Staff(cmd) => actuals::staff(&app(&paths, &db)?, cmd),
        Command::Report { actor, message, batch, confirm, reason, parts } => {
            let how = actuals::How { message: message.as_deref(), batch, confirm, reason: reason.as_deref() };
            actuals::report(&app(&paths, &db)?, actor, how, &parts)
        }
        Command::Missing { year, csv } => actuals::missing(&app(&paths, &db)?, year.as_deref(), csv),
        Command::History { initiative } => actuals::history(&app(&paths, &db)?, &initiative.join(" ")),
        Command::Progress { department, year } => {
            actuals::progress(&app(&paths, &db)?, department.as_deref(), year.as_deref())
        }
        Command::Actuals(ActualsCommand::Export { format }) => actuals::export(&app(&paths, &db)?, format),
        // The period is read before the app opens: a refused --since creates and changes nothing.
        Command::Review { since, status, resolve, ignore } => {
            let back = parse_since(&since)?;
            review(&app(&paths, &db)?, (&since, back), &status, &resolve, &ignore)
        }
        Command::Stats { since, csv } => {
            let back = parse_since(&since)?;
            stats(&app(&paths, &db)?, (&since, back), csv)
        }
        Command::Teach { undo, list, item, question, page, intent, outside, lesson } => {
            use crate::teach::{Request, TeachError, example};
            let named = match intent.as_deref().map(example::intent_of) {
                Some(None) => Err(TeachError::UnknownIntent(intent.clone().unwrap_or_default())),
                named => Ok(named.flatten()),
            };
            let meant = page.is_some() || outside;
            let request = match (undo, item, question) {
                _ if list => Ok(Request::List),
                (Some(what), ..) => Request::parse(&format!("undo {what}")),
                (None, Some(item), None) if meant => named.map(|intent| Request::FromItem { item, page, intent }),
                (None, None, Some(question)) if meant => {
                    named.map(|intent| Request::Question { question, page, intent })
                }
                (None, Some(_), _) | (None, _, Some(_)) => Err(TeachError::Usage),
                // The bot's own words work too: `teach #12 p.64`, `teach undo 注射`, `teach list`.
                (None, None, None) => Request::parse(&lesson.join(" ")),
            };
            teach(&app(&paths, &db)?, request)
        }
    }
}

fn open(paths: &Paths) -> anyhow::Result<Engine> {
    search::open(paths, Rebuild::IfStale).context("cannot open the plan")
}

fn app(paths: &Paths, db: &std::path::Path) -> anyhow::Result<App> {
    let mut app = App::new(open(paths)?, db).with_source(paths.clone());
    if let Some(today) = today_from_env()? {
        app = app.with_today(today);
    }
    Ok(match std::env::var("KEIKAKU_QUESTION_LOG").ok().as_deref().map(str::trim) {
        None | Some("" | "on") => app,
        Some("off") => app.without_question_log(),
        Some(other) => anyhow::bail!("KEIKAKU_QUESTION_LOG 「{other}」: use on (the default) or off"),
    })
}

/// `KEIKAKU_TODAY=2027-05-01`: the date taken as today (its fiscal year), for demos and
/// tests; the clock's when unset.
fn today_from_env() -> anyhow::Result<Option<crate::plan::FiscalYear>> {
    let Some(text) = std::env::var("KEIKAKU_TODAY").ok().filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let parts: Vec<u32> = text.trim().split('-').filter_map(|p| p.parse().ok()).collect();
    match parts[..] {
        [y, m, d] if (1990..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) => {
            let start = if m >= 4 { y } else { y - 1 };
            Ok(Some(crate::plan::FiscalYear::from_gregorian(u16::try_from(start)?)))
        }
        _ => anyhow::bail!("KEIKAKU_TODAY 「{text}」: write a date as 2027-05-01, or leave it unset for today"),
    }
}

fn ask(app: &App, mode: Mode, json: bool, batch: bool, question: &str) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let answer = |q: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        let (outcome, card, json_answer) = app.answer(q, None, mode)?;
        // Logged only when the app logs (`--log-questions`), as every channel logs.
        crate::conversation::record(app, crate::actuals::Channel::Ask, mode, crate::app::Asker::Terminal, q, &outcome);
        if json {
            writeln!(out, "{}", serde_json::to_string(&json_answer)?)?;
        } else {
            writeln!(out, "{}", render_text(&card))?;
        }
        Ok(())
    };
    if batch {
        // One answer a line, in order, flushed at once (a program on the other end of a pipe
        // waits for each); a line that is not UTF-8 gets an error line of its own.
        for (n, line) in actuals::stdin_lines().enumerate() {
            match line? {
                Ok(text) => answer(text.trim(), &mut out)?,
                Err(()) => {
                    let message = format!("line {} is not valid UTF-8; it was skipped", n + 1);
                    if json {
                        writeln!(out, "{}", serde_json::json!({"line": n + 1, "error": message}))?;
                    } else {
                        writeln!(out, "{message}")?;
                    }
                }
            }
            out.flush()?;
        }
    } else {
        answer(question, &mut out)?;
    }
    out.flush()?;
    // The questions asked are in the log before the process ends.
    app.flush_log();
    Ok(ExitCode::SUCCESS)
}

fn explain(app: &App, mode: Mode, json: bool, batch: bool, question: &str) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let one = |q: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        let x = app.engine().explain(q);
        if json {
            writeln!(out, "{}", serde_json::to_string(&x)?)?;
        } else {
            writeln!(out, "{}", crate::answer::render_explanation(&x))?;
            let (_, card, _) = app.answer(q, None, mode)?;
            writeln!(out, "{}", render_text(&card))?;
        }
        out.flush()?;
        Ok(())
    };
    if batch {
        for line in std::io::stdin().lock().lines() {
            one(line.context("reading questions from stdin")?.trim(), &mut out)?;
        }
    } else {
        one(question, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The terminal chat: a line editor with history when a person types, plain lines when a
/// program pipes questions in.
fn chat(app: App, mode: Mode, history: &Path) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let app = std::sync::Arc::new(app);
    let plan = &app.plan();
    say!(
        "keikaku — {}（{}件の取組）。質問をどうぞ。/help で使い方、{}",
        plan.title,
        plan.initiatives.len(),
        crate::answer::how_to_leave()
    );
    let mut session = chat::Chat::new(std::sync::Arc::clone(&app), mode);
    let left = if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        chat_terminal(&mut session, history)
    } else {
        chat_plain(&mut session)
    };
    // The questions asked are in the log before the process ends.
    app.flush_log();
    left
}

/// Plain lines from a program or a file.
fn chat_plain(session: &mut chat::Chat) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    loop {
        write!(stdout, "> ")?;
        stdout.flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            writeln!(stdout)?;
            break;
        }
        match session.turn(&line)? {
            chat::Turn::Quit => break,
            chat::Turn::Nothing => {}
            chat::Turn::Say(text) => writeln!(stdout, "{text}")?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Line editing (arrows, Home/End, Ctrl-R search), history kept between sessions in
/// `history` (private: it holds what was asked); Ctrl-C clears the line, Ctrl-D leaves.
fn chat_terminal(session: &mut chat::Chat, history: &Path) -> anyhow::Result<ExitCode> {
    use rustyline::error::ReadlineError;
    let config = rustyline::Config::builder().max_history_size(1000)?.auto_add_history(false).build();
    let mut editor = rustyline::DefaultEditor::with_config(config).context("starting the line editor")?;
    // No history yet, or one that cannot be read: the chat works without it.
    let _ = editor.load_history(history);
    loop {
        match editor.readline("> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                match session.turn(&line)? {
                    chat::Turn::Quit => break,
                    chat::Turn::Nothing => {}
                    chat::Turn::Say(text) => say!("{text}"),
                }
            }
            Err(ReadlineError::Interrupted) => say!("（入力を取り消しました。{}）", crate::answer::how_to_leave()),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e).context("reading from the terminal"),
        }
    }
    if let Err(e) = save_history(&mut editor, history) {
        tracing::warn!(error = %e, path = %history.display(), "the chat history was not saved");
    }
    Ok(ExitCode::SUCCESS)
}

fn save_history(editor: &mut rustyline::DefaultEditor, path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::actuals::private_dir(dir)?;
    }
    editor.save_history(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Serves `app` with `server` until SIGINT or SIGTERM; the questions answered are in the log
/// before the process ends.
fn serve_until_stopped<F>(app: App, server: impl FnOnce(std::sync::Arc<App>) -> F) -> anyhow::Result<()>
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    let app = std::sync::Arc::new(app);
    let served = runtime.block_on(server(app.clone()));
    app.flush_log();
    // Dropping the runtime would wait for any blocking task still running (a teaching's
    // cross-validation takes seconds), past the stop's bound: such work is left unfinished,
    // as a kill would leave it (its writes are transactions).
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    served
}

fn serve(app: App, mode: Mode) -> anyhow::Result<ExitCode> {
    let config = crate::bot::Config::from_env(mode)?;
    match serve_until_stopped(app, |app| crate::bot::run(config, app, crate::bot::shutdown_signal())) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A configuration error the operator must fix: exit 2, like a usage error.
        Err(e) if e.is::<crate::bot::InvalidToken>() => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e),
    }
}

fn serve_line(app: App, listen: Option<&str>) -> anyhow::Result<ExitCode> {
    let config = crate::line::Config::from_env(listen)?;
    serve_until_stopped(app, |app| crate::line::run(config, app, crate::bot::shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

fn web(app: App, listen: Option<&str>) -> anyhow::Result<ExitCode> {
    let config = crate::web::Config::from_env(listen)?;
    serve_until_stopped(app, |app| async move {
        let listener = crate::web::bind(&config).await?;
        // Printed, not logged: the default log level hides info, and the address (the port
        // actually bound, when --listen asks for port 0) is what the person starting it needs.
        let at = listener.local_addr().context("reading the address listened on")?;
        say!("http://{at}/ で公開しています（Ctrl-C で停止）");
        crate::web::serve_on(listener, &config, app, crate::bot::shutdown_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

fn rich_menu(paths: &Paths) -> anyhow::Result<ExitCode> {
    let config = crate::line::Config::from_env(None)?;
    let (definition, png) = crate::line::rich_menu::load(&paths.data_dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let api = crate::line::api::Api::new(&config.api_url, &config.data_api_url, &config.token, config.per_sec);
    let id = runtime.block_on(crate::line::rich_menu::install(&api, &definition, &png))?;
    say!("rich menu {id} created and set as every user's default");
    Ok(ExitCode::SUCCESS)
}

fn index(paths: &Paths) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let engine = search::open(paths, Rebuild::Always).context("cannot build the index")?;
    say!(
        "indexed {} initiatives into {} in {:.2?}",
        engine.plan().initiatives.len(),
        engine.index_dir().display(),
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}

/// The terminal chat's history: beside the database, in the state folder.
fn history_file(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("chat_history")
}

/// A `--since` as typed and as read (seconds back; `None` for all time).
type Period<'a> = (&'a str, Option<i64>);

/// `keikaku review`: the items, after marking those asked.
fn review(
    app: &App,
    (period, since): Period<'_>,
    status: &str,
    resolve: &[i64],
    ignore: &[i64],
) -> anyhow::Result<ExitCode> {
    use crate::actuals::ReviewStatus;
    let wanted = match status {
        "all" => None,
        s => Some(
            ReviewStatus::parse(s)
                .with_context(|| format!("unknown status 「{s}」: use pending, resolved, ignored or all"))?,
        ),
    };
    let marks = resolve
        .iter()
        .map(|id| (*id, ReviewStatus::Resolved))
        .chain(ignore.iter().map(|id| (*id, ReviewStatus::Ignored)));
    for (id, to) in marks {
        let Some(n) = app.mark_review(id, since, to)? else {
            anyhow::bail!(
                "no item #{id} to review in this period: run `keikaku review --status all --since all` to see them all"
            );
        };
        say!("#{id}: {n} question(s) marked {}", to.as_str());
    }
    let items = app.review(since, wanted)?;
    let what = format!("見直す質問 {status}・{}", if since.is_some() { period } else { "全期間" });
    say!("{}", render_text(&crate::answer::review_card(&items, &what)));
    Ok(ExitCode::SUCCESS)
}

/// `keikaku stats`: as text, or as CSV for Excel.
fn stats(app: &App, (period, since): Period<'_>, csv: bool) -> anyhow::Result<ExitCode> {
    let stats = app.stats(since)?;
    if csv {
        let mut out = std::io::stdout().lock();
        out.write_all(crate::review::stats_csv(&stats).as_bytes())?;
        out.flush()?;
    } else {
        let what = format!("質問の統計（{}）", if since.is_some() { period } else { "全期間" });
        say!("{}", render_text(&crate::answer::stats_card(&app.plan(), &stats, &what)));
    }
    Ok(ExitCode::SUCCESS)
}

fn teach(app: &App, request: Result<crate::teach::Request, crate::teach::TeachError>) -> anyhow::Result<ExitCode> {
    match request.and_then(|request| app.teach_request(None, request)) {
        Ok(reply) => {
            say!("{}", render_text(&reply.card()));
            if let crate::app::TeachReply::Done { taught, .. } = reply {
                say!("({})", taught.file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `--since` read against the clock now (see [`since::parse_since`]).
fn parse_since(text: &str) -> Result<Option<i64>, since::SinceError> {
    since::parse_since(text, crate::actuals::now_unix())
}
