//! Teaching from chat or the terminal ([`crate::teach`]): a word, or a question as an
//! example of what it means, is checked by cross-validating the corpus with and without it,
//! written to its file, audited, and put in service at once; bots running in another
//! process take it up at their next look at the data folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::App;
use crate::actuals::ReviewStatus;
use crate::answer::Card;
use crate::nlu::crossval::Figures;
use crate::search::{self, Inputs, Intent, Paths, Rebuild, Stamp, learned};
use crate::teach::{self, Change, Example, Lesson, Meaning, TeachError};

/// What came of a `teach` request.
#[derive(Debug)]
pub enum TeachReply {
    /// The words and the questions taught so far.
    List(Vec<Lesson>, Vec<Example>),
    /// The change is in service.
    Done {
        /// What was changed.
        change: Change,
        /// How it went.
        taught: Box<Taught>,
    },
}

impl TeachReply {
    /// As a card.
    pub fn card(&self) -> Card {
        match self {
            TeachReply::List(lessons, examples) => crate::answer::taught_card(lessons, examples),
            TeachReply::Done { change, taught } => Card {
                blocks: vec![crate::answer::Block::Text(change.done(
                    taught.figures.as_ref(),
                    taught.number,
                    &taught.forgotten,
                ))],
                actions: Vec::new(),
            },
        }
    }
}

/// A change taught and in service.
#[derive(Debug)]
pub struct Taught {
    /// The corpus's cross-validated figures before and after it (none without a corpus).
    pub figures: Option<(Figures, Figures)>,
    /// A taught question's number (for `teach undo 例N`).
    pub number: Option<usize>,
    /// The file written (`data/lexicon/taught.tsv` or `data/nlu/taught.tsv`).
    pub file: PathBuf,
    /// The taught words an undo forgot, as they were written (the word typed may differ).
    pub forgotten: Vec<String>,
}

/// A checked change, ready to be put in place.
struct Staged {
    file: PathBuf,
    new: String,
    engine: Arc<crate::search::Engine>,
    figures: Option<(Figures, Figures)>,
    number: Option<usize>,
    forgotten: Vec<String>,
}

/// The two files teaching writes.
fn taught_files(paths: &Paths) -> [PathBuf; 2] {
    [
        paths.data_dir.join(search::lexicon::LEXICON_DIR).join(search::lexicon::TAUGHT_FILE),
        paths.data_dir.join(learned::CORPUS_DIR).join(learned::TAUGHT_FILE),
    ]
}

/// The teachers' lock.
fn lock_file(paths: &Paths) -> PathBuf {
    paths.data_dir.join(search::lexicon::LEXICON_DIR).join(".taught.lock")
}

/// Where a change's new text waits for its audit row: `.taught.tsv.pending` beside the file.
fn pending_path(file: &Path) -> PathBuf {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    file.with_file_name(format!(".{name}.pending"))
}

/// How the audit names a file's new text: its folder and name, and a fingerprint of it.
fn version(file: &Path, text: &str) -> String {
    let folder =
        file.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{folder}/{name} {}", search::index::fingerprint(&[text.as_bytes()]))
}

/// A stop injected after a step of [`App::commit`] (`KEIKAKU_FAULT_TEACH=staged|audited|
/// renamed`): how the tests show that a kill at any step leaves no change or the change
/// with its audit row. Unset in service.
fn fault(step: &str) {
    if std::env::var("KEIKAKU_FAULT_TEACH").is_ok_and(|s| s == step) {
        eprintln!("KEIKAKU_FAULT_TEACH: stopped after {step}");
        std::process::abort();
    }
}

impl App {
    /// The words and the questions taught so far.
    pub fn taught(&self) -> Result<(Vec<Lesson>, Vec<Example>), TeachError> {
        let paths = self.source.as_ref().ok_or(TeachError::NoDataFolder)?;
        let inputs = Inputs::read(paths).map_err(|e| TeachError::Data(e.to_string()))?;
        let lessons = teach::lessons(&inputs.lexicon.taught).into_iter().map(|(_, l)| l).collect();
        Ok((lessons, teach::example::examples(inputs.corpus.taught())))
    }

    /// Teaches a word or a question (or forgets one taught). What adds is kept only when the
    /// corpus's cross-validated figures do not fall by it (see [`teach::lowered`]); then the
    /// file is written, the change audited (`actor`: the administrator's Telegram id, none
    /// for the terminal) and the new engine put in service. A refusal is audited too and
    /// changes nothing.
    pub fn teach(&self, actor: Option<i64>, change: &Change) -> Result<Taught, TeachError> {
        let paths = self.source.as_ref().ok_or(TeachError::NoDataFolder)?;
        let _one = self.changing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // One teacher at a time across processes too (the terminal and the staff bot): an
        // advisory lock, released when the file is closed, or the process ends.
        let lock = lock_file(paths);
        let _lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .and_then(|f| f.lock().map(|()| f))
            .map_err(|cause| TeachError::Write { path: lock.display().to_string(), cause })?;
        self.finish_interrupted(paths);
        let staged = match self.try_teach(paths, change) {
            Ok(staged) => staged,
            Err(refusal) => {
                let refused = refusal.to_string();
                if let Err(e) = self.with_store(|s| s.record(actor, change.action(), Some(&refused), &change.detail()))
                {
                    tracing::warn!(error = %e, "a refused teaching was not audited");
                }
                return Err(refusal);
            }
        };
        self.commit(actor, change, paths, staged)
    }

    /// Puts a checked change in place so that a stop at any step leaves either no change or
    /// the change with its audit row: the new text is staged beside the file, the audit
    /// row — naming the new text's fingerprint — is the commit point, and the staged text
    /// is renamed over the file. A stop between the row and the rename is finished by the
    /// next teaching or start ([`App::finish_interrupted`]); a stop before the row leaves a
    /// staged file that is thrown away.
    fn commit(&self, actor: Option<i64>, change: &Change, paths: &Paths, staged: Staged) -> Result<Taught, TeachError> {
        let pending = pending_path(&staged.file);
        write_atomically(&pending, &staged.new)?;
        fault("staged");
        let what = match change {
            Change::Forget(typed) if staged.forgotten != [typed.clone()] => {
                format!("{typed} → {}", staged.forgotten.join(", "))
            }
            _ => change.detail(),
        };
        let detail = format!("{what} [{}]", version(&staged.file, &staged.new));
        if let Err(e) = self.with_store(|s| s.record(actor, change.action(), None, &detail)) {
            let _ = std::fs::remove_file(&pending);
            return Err(TeachError::Audit(e.to_string()));
        }
        fault("audited");
        std::fs::rename(&pending, &staged.file)
            .map_err(|cause| TeachError::Write { path: staged.file.display().to_string(), cause })?;
        fault("renamed");
        self.put_in_service(staged.engine);
        *self.stamp.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Stamp::of(paths));
        Ok(Taught { figures: staged.figures, number: staged.number, file: staged.file, forgotten: staged.forgotten })
    }

    /// Finishes a teaching a stop interrupted: a staged text whose audit row was written is
    /// put in place; one without its row is thrown away. Run by each teaching (under its
    /// lock) and at the start of every keikaku command and bot (when no teacher holds the
    /// lock).
    pub fn finish_interrupted(&self, paths: &Paths) {
        for file in taught_files(paths) {
            let pending = pending_path(&file);
            let Ok(text) = std::fs::read_to_string(&pending) else { continue };
            let name = version(&file, &text);
            let audited = self.with_store(|s| s.audit_log()).map(|log| {
                log.iter()
                    .rev()
                    .find(|a| a.action.starts_with("teach"))
                    .is_some_and(|a| a.outcome == "ok" && a.detail.ends_with(&format!("[{name}]")))
            });
            match audited {
                Ok(true) => match std::fs::rename(&pending, &file) {
                    Ok(()) => tracing::info!(file = %file.display(), "finished a teaching a stop interrupted"),
                    Err(e) => {
                        tracing::warn!(error = %e, file = %file.display(), "an interrupted teaching is not finished")
                    }
                },
                Ok(false) => {
                    let _ = std::fs::remove_file(&pending);
                    tracing::info!(file = %file.display(), "threw away a teaching a stop interrupted before its audit");
                }
                Err(e) => tracing::warn!(error = %e, "an interrupted teaching waits: the audit log cannot be read"),
            }
        }
    }

    /// [`App::finish_interrupted`] at a start, unless a teacher holds the lock (its own
    /// teaching finishes what it staged).
    pub(super) fn finish_interrupted_at_start(&self) {
        let Some(paths) = &self.source else { return };
        if !taught_files(paths).iter().any(|f| pending_path(f).exists()) {
            return;
        }
        let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(lock_file(paths));
        if let Ok(f) = lock
            && f.try_lock().is_ok()
        {
            self.finish_interrupted(paths);
        }
    }

    /// Carries out what `/teach` or `keikaku teach` asked: see [`App::teach`]. A review
    /// item taught from is marked resolved.
    pub fn teach_request(&self, actor: Option<i64>, request: teach::Request) -> Result<TeachReply, TeachError> {
        let (change, item) = match request {
            teach::Request::List => return self.taught().map(|(l, e)| TeachReply::List(l, e)),
            teach::Request::Change(change) => (change, None),
            teach::Request::FromItem { item, page, intent } => {
                let item = self
                    .review_item(item, None)
                    .map_err(|e| TeachError::Data(e.to_string()))?
                    .ok_or(TeachError::NoSuchItem(item))?;
                (Change::Example(self.example(&item.question, page, intent)?), Some(item))
            }
            teach::Request::Question { question, page, intent } => {
                (Change::Example(self.example(&question, page, intent)?), None)
            }
        };
        let taught = self.teach(actor, &change)?;
        if let Some(item) = item
            && let Err(e) = self.mark_item(&item, ReviewStatus::Resolved)
        {
            tracing::warn!(error = %e, "the review item taught from was not marked resolved");
        }
        Ok(TeachReply::Done { change, taught: Box::new(taught) })
    }

    /// A question as an example of the initiative on `page` (asked for `intent`; without
    /// one, for the intent it is read as, when that is about one initiative, else its
    /// overview), or of a question the plan does not answer.
    fn example(&self, question: &str, page: Option<u16>, intent: Option<&str>) -> Result<Example, TeachError> {
        let Some(page) = page else {
            return Ok(Example::new(question, Meaning::Outside));
        };
        let engine = self.engine();
        engine.plan().initiative(page).ok_or(TeachError::NoSuchPage(page))?;
        let intent = match intent {
            Some(i) => i.to_string(),
            None => match engine.ask(question).intent {
                Intent::List | Intent::NotFound => Intent::Overview,
                read => read,
            }
            .as_str()
            .to_string(),
        };
        Ok(Example::new(question, Meaning::Initiative { page, intent }))
    }

    /// Checks a change and makes what it would put in service, writing nothing.
    fn try_teach(&self, paths: &Paths, change: &Change) -> Result<Staged, TeachError> {
        let data = |e: &dyn std::fmt::Display| TeachError::Data(e.to_string());
        let inputs = Inputs::read(paths).map_err(|e| data(&e))?;
        // What is in service may be older than the files (a reload not yet made): check
        // against what the files say now.
        let before = self.engine_for(&inputs, paths).map_err(|e| data(&e))?;
        let mut changed = inputs.clone();
        let mut forgotten = Vec::new();
        let (file, new) = match change {
            Change::Teach(_) | Change::Forget(_) => {
                if let Change::Teach(lessons) = change
                    && let Some(term) = lessons.iter().flat_map(|l| &l.terms).find(|t| !before.mentions(t))
                {
                    return Err(TeachError::TermNotInPlan(term.clone()));
                }
                changed.lexicon.taught = match change {
                    // The word as the administrator typed it: as taught, in another script,
                    // or as it reads (「見つけた」 for a taught 「見ツケル」).
                    Change::Forget(typed) => {
                        let analyzer = analyzer(paths, &inputs).map_err(|e| data(&e))?;
                        forgotten =
                            teach::undo::named(&inputs.lexicon.taught, typed, |w| teach::undo::readings(&analyzer, w))?;
                        teach::undo::forget(&inputs.lexicon.taught, &forgotten)
                    }
                    _ => teach::apply(&inputs.lexicon.taught, change)?,
                };
                let file = paths.data_dir.join(search::lexicon::LEXICON_DIR).join(search::lexicon::TAUGHT_FILE);
                (file, changed.lexicon.taught.clone())
            }
            Change::Example(_) | Change::ForgetExample(_) => {
                let old = inputs.corpus.taught().to_string();
                let new = match change {
                    Change::Example(e) => {
                        if let Meaning::Initiative { page, .. } = e.meaning {
                            before.plan().initiative(page).ok_or(TeachError::NoSuchPage(page))?;
                        }
                        teach::example::add(&old, e)?
                    }
                    Change::ForgetExample(n) => teach::example::remove(&old, *n)?.0,
                    _ => old,
                };
                changed.corpus = inputs.corpus.with_taught(new.clone());
                (paths.data_dir.join(learned::CORPUS_DIR).join(learned::TAUGHT_FILE), new)
            }
        };
        // The new engine, its models trained on the changed corpus (kept in the index
        // folder, where a bot in another process finds them at its next look).
        let after = search::open_inputs(&changed, paths, Rebuild::IfStale).map_err(|e| data(&e))?;
        let figures = match (
            learned::figures(&before, &paths.index_dir, &inputs.corpus).map_err(|e| data(&e))?,
            learned::figures(&after, &paths.index_dir, &changed.corpus).map_err(|e| data(&e))?,
        ) {
            (Some(b), Some(a)) => Some((b, a)),
            _ => None,
        };
        if change.adds()
            && let Some((b, a)) = &figures
            && !teach::lowered(b, a).is_empty()
        {
            return Err(TeachError::WouldLower { before: Box::new(b.clone()), after: Box::new(a.clone()) });
        }
        let number = matches!(change, Change::Example(_)).then(|| teach::example::examples(&new).len());
        Ok(Staged { file, new, engine: Arc::new(after), figures, number, forgotten })
    }
}

/// The analyzer the engine reads questions with (IPADIC and the plan's user dictionary), to
/// read a word an administrator typed.
fn analyzer(paths: &Paths, inputs: &Inputs) -> Result<search::Analyzer, search::SearchError> {
    let dictionary = search::dictionary::load(&search::dictionary::ensure_compiled(&paths.index_dir)?)?;
    Ok(search::Analyzer::new(dictionary, Some(search::dictionary::user_dictionary(&inputs.user_dictionary)?)))
}

/// Replaces `path`'s contents at once (a temporary file beside it, renamed over it), so a
/// reader sees the old text or the new one; the file is readable by all, like the data.
fn write_atomically(path: &Path, text: &str) -> Result<(), TeachError> {
    let failed = |cause| TeachError::Write { path: path.display().to_string(), cause };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", search::unique_suffix()));
    std::fs::write(&tmp, text).map_err(failed)?;
    search::set_mode(&tmp, 0o644);
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        failed(e)
    })
}
