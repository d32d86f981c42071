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
                blocks: vec![crate::answer::Block::Text(change.done(taught.figures.as_ref(), taught.number))],
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
    /// Its text before.
    before: String,
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
        let lock = paths.data_dir.join(search::lexicon::LEXICON_DIR).join(".taught.lock");
        let _lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .and_then(|f| f.lock().map(|()| f))
            .map_err(|cause| TeachError::Write { path: lock.display().to_string(), cause })?;
        let result = self.try_teach(paths, change);
        let refused = result.as_ref().err().map(ToString::to_string);
        if let Err(e) = self.with_store(|s| s.record(actor, change.action(), refused.as_deref(), &change.detail())) {
            return match result {
                // Kept only with its audit: put the file back as it was.
                Ok(done) => {
                    let restored = write_atomically(&done.file, &done.before);
                    if let Ok(engine) = restored.and_then(|()| {
                        search::open(paths, Rebuild::IfStale).map_err(|e| TeachError::Data(e.to_string()))
                    }) {
                        self.put_in_service(Arc::new(engine));
                    }
                    Err(TeachError::Audit(e.to_string()))
                }
                Err(refusal) => Err(refusal),
            };
        }
        result
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

    fn try_teach(&self, paths: &Paths, change: &Change) -> Result<Taught, TeachError> {
        let data = |e: &dyn std::fmt::Display| TeachError::Data(e.to_string());
        let inputs = Inputs::read(paths).map_err(|e| data(&e))?;
        // What is in service may be older than the files (a reload not yet made): check
        // against what the files say now.
        let before = self.engine_for(&inputs, paths).map_err(|e| data(&e))?;
        let mut changed = inputs.clone();
        let (file, old, new) = match change {
            Change::Teach(_) | Change::Forget(_) => {
                if let Change::Teach(lessons) = change
                    && let Some(term) = lessons.iter().flat_map(|l| &l.terms).find(|t| !before.mentions(t))
                {
                    return Err(TeachError::TermNotInPlan(term.clone()));
                }
                changed.lexicon.taught = teach::apply(&inputs.lexicon.taught, change)?;
                let file = paths.data_dir.join(search::lexicon::LEXICON_DIR).join(search::lexicon::TAUGHT_FILE);
                (file, inputs.lexicon.taught.clone(), changed.lexicon.taught.clone())
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
                    _ => old.clone(),
                };
                changed.corpus = inputs.corpus.with_taught(new.clone());
                (paths.data_dir.join(learned::CORPUS_DIR).join(learned::TAUGHT_FILE), old, new)
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
        write_atomically(&file, &new)?;
        self.put_in_service(Arc::new(after));
        *self.stamp.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Stamp::of(paths));
        let number = matches!(change, Change::Example(_)).then(|| teach::example::examples(&new).len());
        Ok(Taught { figures, number, file, before: old })
    }
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
