//! `keikaku doctor`: checks what keikaku needs, and says what to do about each problem.

use std::path::Path;
use std::process::ExitCode;

use super::say;
use crate::plan::Plan;
use crate::search::{self, Paths, dictionary};

struct Report {
    problems: usize,
    lines: Vec<String>,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl AsRef<str>) {
        self.lines.push(format!("ok       {what}: {}", detail.as_ref()));
    }

    fn note(&mut self, what: &str, detail: impl AsRef<str>) {
        self.lines.push(format!("note     {what}: {}", detail.as_ref()));
    }

    fn problem(&mut self, what: &str, detail: impl AsRef<str>, todo: impl AsRef<str>) {
        self.problems += 1;
        self.lines.push(format!("PROBLEM  {what}: {}\n         → {}", detail.as_ref(), todo.as_ref()));
    }
}

/// Runs every check; exits 1 when any found a problem.
pub fn run(paths: &Paths, db: &Path) -> anyhow::Result<ExitCode> {
    let mut r = Report { problems: 0, lines: Vec::new() };
    let plan_path = paths.plan_file();
    let plan_text = match search::read_data_file(&plan_path) {
        Ok(text) => Some(text),
        Err(e) => {
            r.problem(
                "plan document",
                e.to_string(),
                format!(
                    "put the published plan (UTF-8) at {}, or point --data-dir / KEIKAKU_DATA_DIR at the folder that holds {}",
                    plan_path.display(),
                    search::PLAN_FILE
                ),
            );
            None
        }
    };
    if let Some(text) = &plan_text {
        match Plan::parse(text) {
            Ok(plan) => {
                let first = plan.initiatives.first().map_or(0, |i| i.page);
                let last = plan.initiatives.last().map_or(0, |i| i.page);
                let kpis: usize = plan.initiatives.iter().map(|i| i.kpis.len()).sum();
                r.ok(
                    "plan document",
                    format!(
                        "{}: {} initiatives (p.{first}–{last}), {kpis} KPIs",
                        plan_path.display(),
                        plan.initiatives.len()
                    ),
                );
            }
            Err(e) => r.problem(
                "plan document",
                format!("{}: {e}", plan_path.display()),
                "fix the document at that line, or restore the published one",
            ),
        }
    }
    let user_path = paths.data_dir.join(search::USER_DICTIONARY_FILE);
    let user_text = match search::read_optional(&user_path) {
        Ok(text) if text.is_empty() => {
            r.note(
                search::USER_DICTIONARY_FILE,
                format!("{} is missing or empty: search works, with less recall", user_path.display()),
            );
            text
        }
        Ok(text) => {
            match dictionary::user_dictionary(&text) {
                Ok(_) => r.ok(search::USER_DICTIONARY_FILE, user_path.display().to_string()),
                Err(e) => {
                    r.problem(search::USER_DICTIONARY_FILE, e.to_string(), format!("fix {}", user_path.display()))
                }
            }
            text
        }
        Err(e) => {
            r.problem(search::USER_DICTIONARY_FILE, e.to_string(), "make it readable");
            String::new()
        }
    };
    match search::Lexicon::load(&paths.data_dir) {
        Ok(lex) => r.ok(
            "lexicon",
            format!(
                "{}: {} thesaurus entries, {} stop-words",
                paths.data_dir.join(search::lexicon::LEXICON_DIR).display(),
                lex.thesaurus.len(),
                lex.stopwords.len()
            ),
        ),
        Err(e) => r.problem("lexicon", e.to_string(), "fix that line, or restore the file from the repository"),
    }
    corpus(&mut r, paths, plan_text.as_deref());
    // The bots' charts (「📈 グラフ」) need a Japanese font; the rest of keikaku does not.
    match crate::chart::png::Renderer::new() {
        Ok(renderer) => r.ok("chart font", renderer.font.display().to_string()),
        Err(e) => r.note("chart font", format!("{e} (only the bots' 📈 グラフ needs it)")),
    }
    let compiled_vectors = paths.index_dir.join(search::vectors::COMPILED);
    let wheel = search::vectors::wheel_path();
    if compiled_vectors.is_file() {
        match search::vectors::Vectors::open(&paths.index_dir) {
            Ok(Some(v)) => r.ok("word vectors", format!("{} words in {}", v.len(), compiled_vectors.display())),
            Ok(None) => r.note("word vectors", "not loaded"),
            Err(e) => r.problem("word vectors", e.to_string(), "delete the file; it is rebuilt from the wheel"),
        }
    } else if wheel.is_file() {
        r.note("word vectors", format!("not compiled yet; built from {} on first use (about 1 s)", wheel.display()));
    } else {
        r.problem(
            "word vectors",
            format!(
                "the wheel {} is missing: words the plan does not know are not matched by meaning",
                wheel.display()
            ),
            "run .ci/setup (it runs `pip download --no-deps ja-ginza==5.3.0`), or set KEIKAKU_VECTORS_WHEEL",
        );
    }

    let compiled = paths.index_dir.join(dictionary::COMPILED_DIR);
    let source = dictionary::source_dir();
    if dictionary::is_compiled(&compiled) {
        match dictionary::load(&compiled) {
            Ok(_) => r.ok("dictionary", format!("IPADIC compiled in {}", compiled.display())),
            Err(e) => r.problem("dictionary", e.to_string(), "run `keikaku index` to rebuild it"),
        }
    } else {
        match dictionary::check_source(&source) {
            Ok(()) => r.note(
                "dictionary",
                format!(
                    "not compiled yet; it is built from {} on first use (about 2 s), or now with `keikaku index`",
                    source.display()
                ),
            ),
            Err(e) => r.problem("dictionary", "not compiled, and its sources are missing", e.to_string()),
        }
    }

    // The index is for every user to read (README: who owns what).
    match writable(&paths.index_dir, |dir| std::fs::create_dir_all(dir)) {
        Ok(()) => r.ok("index directory", format!("{} is writable", paths.index_dir.display())),
        Err(e) => r.problem(
            "index directory",
            format!("{} is not writable: {e}", paths.index_dir.display()),
            "make it writable, or point --index-dir / KEIKAKU_INDEX_DIR at a writable folder",
        ),
    }

    if let Some(text) = &plan_text {
        let fp = search::inputs_fingerprint(text, &user_text);
        match search::index::current(&paths.search_dir(), &fp) {
            Some(dir) => r.ok("search index", format!("{} is current", dir.display())),
            None => r.note(
                "search index",
                "missing or older than the document: it is rebuilt on next start, or now with `keikaku index`",
            ),
        }
    }

    let db_dir = db.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if db.exists() {
        match crate::actuals::Store::open(db)
            .and_then(|s| Ok((s.integrity_check()?, s.list_staff()?, s.all_actuals()?)))
        {
            Ok((integrity, staff, actuals)) if integrity == "ok" => r.ok(
                "database",
                format!("{}: integrity ok, {} staff, {} reported values", db.display(), staff.len(), actuals.len()),
            ),
            Ok((integrity, _, _)) => r.problem(
                "database",
                format!("{}: integrity check says 「{integrity}」", db.display()),
                "stop keikaku, keep a copy of the file, and restore the last good backup",
            ),
            Err(e) => r.problem("database", e.to_string(), "check the path (--db / KEIKAKU_DB) and its permissions"),
        }
    } else {
        // The state folder is private, whoever creates it first: the same helper as the store's.
        match writable(db_dir, crate::actuals::private_dir) {
            Ok(()) => r.note("database", format!("{} does not exist yet; it is created on first write", db.display())),
            Err(e) => r.problem(
                "database",
                format!("cannot create {}: {e}", db.display()),
                "make its folder writable, or point --db / KEIKAKU_DB elsewhere",
            ),
        }
    }

    say!("{}", r.lines.join("\n"));
    if r.problems == 0 {
        say!("\nall good");
        Ok(ExitCode::SUCCESS)
    } else {
        say!("\n{} problem(s) found", r.problems);
        Ok(ExitCode::from(1))
    }
}

/// Creates `dir` if needed (with `create`) and writes a probe file in it.
fn writable(dir: &Path, create: fn(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    create(dir)?;
    let probe = dir.join(format!(".keikaku-probe-{}", std::process::id()));
    std::fs::write(&probe, b"probe")?;
    std::fs::remove_file(probe)
}

/// The corpus of example questions parses, and the calibration was fit on it.
fn corpus(r: &mut Report, paths: &Paths, plan_text: Option<&str>) {
    use search::learned::CorpusTexts;
    let texts = match CorpusTexts::read(&paths.data_dir) {
        Ok(t) => t,
        Err(e) => return r.problem("corpus", e.to_string(), "make data/nlu/ readable"),
    };
    let Some(plan) = plan_text.and_then(|t| crate::plan::Plan::parse(t).ok()) else { return };
    match texts.examples(&plan) {
        Ok(examples) if examples.is_empty() => {
            r.note("corpus", "data/nlu/ holds no questions: the engine's stages decide alone")
        }
        Ok(examples) => {
            r.ok("corpus", format!("{} example questions in {} files", examples.len(), texts.0.len()));
            match texts.calibration() {
                Ok(c) if c.corpus == texts.fingerprint() => r.ok("calibration", "fit on this corpus"),
                Ok(_) => r.problem(
                    "calibration",
                    "data/nlu/calibration.json was fit on another corpus",
                    "run `keikaku nlu eval --write` to fit it again",
                ),
                Err(e) => r.problem("calibration", e.to_string(), "run `keikaku nlu eval --write`"),
            }
        }
        Err(e) => r.problem("corpus", e.to_string(), "fix that line"),
    }
}
