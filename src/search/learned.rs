//! The learned understanding ([`crate::nlu`]) wired to the search side: the corpus read
//! from `data/nlu/`, questions analysed for the models by the analyzer, and the trained
//! models kept in the index folder (`index/nlu/`), retrained when the plan, the user
//! dictionary, the corpus or the program change.
//!
//! A model file that is missing, stale or unreadable is only a slower start (training
//! takes about a second), never an error; a corpus that does not parse is an error that
//! names the file and the line.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use rayon::prelude::*;

use super::analyzer::Term;
use super::fuse::{self, Evidence};
use super::understand::Intent;
use super::{Engine, SearchError, read_data_file};
use crate::nlu::crossval::{Figures, System, Verdict};
use crate::nlu::rank::Choice;
use crate::nlu::{self, Analysed, Calibration, Example, Nlu, Prediction};
use crate::plan::Plan;

/// The corpus's folder inside the data directory.
pub const CORPUS_DIR: &str = "nlu";
/// The questions taught from chat, inside the corpus's folder.
pub const TAUGHT_FILE: &str = "taught.tsv";
/// Bump when the features or the file's shape change.
const FORMAT: u32 = 4;

/// The corpus's files: name and text, in name order; and the calibration's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorpusTexts(pub Vec<(String, String)>, pub Option<String>);

impl CorpusTexts {
    /// Reads every `*.tsv` of `data/nlu/` (none is an empty corpus).
    pub fn read(data_dir: &Path) -> Result<CorpusTexts, SearchError> {
        let dir = data_dir.join(CORPUS_DIR);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(CorpusTexts::default());
        };
        let calibration = super::read_optional(&dir.join(CALIBRATION_FILE))?;
        let mut paths: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "tsv")).collect();
        // In name order, the taught questions last: a question taught from chat comes after
        // every curated one (and so changes no other question's fold).
        paths.sort_by_key(|p| (p.file_name().is_some_and(|n| n == TAUGHT_FILE), p.clone()));
        let mut files = Vec::new();
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push((name, read_data_file(&path)?));
        }
        Ok(CorpusTexts(files, (!calibration.is_empty()).then_some(calibration)))
    }

    /// The calibration kept beside the corpus (the defaults when there is none).
    pub fn calibration(&self) -> Result<Calibration, SearchError> {
        match &self.1 {
            None => Ok(Calibration::default()),
            Some(text) => serde_json::from_str(text).map_err(|e| {
                SearchError::Corpus(format!(
                    "data/{CORPUS_DIR}/{CALIBRATION_FILE}: {e}; run `keikaku nlu eval --write` to write it again"
                ))
            }),
        }
    }

    /// The fingerprint of the corpus a calibration is fit on: every file but the taught
    /// questions.
    pub fn fingerprint(&self) -> String {
        let parts: Vec<&[u8]> =
            self.0.iter().filter(|(n, _)| n != TAUGHT_FILE).flat_map(|(n, t)| [n.as_bytes(), t.as_bytes()]).collect();
        super::index::fingerprint(&parts)
    }

    /// The taught questions' text (empty when none were taught).
    pub fn taught(&self) -> &str {
        self.0.iter().find(|(n, _)| n == TAUGHT_FILE).map_or("", |(_, t)| t.as_str())
    }

    /// The same corpus with the taught questions' text replaced.
    pub fn with_taught(&self, text: String) -> CorpusTexts {
        let mut files: Vec<(String, String)> = self.0.iter().filter(|(n, _)| n != TAUGHT_FILE).cloned().collect();
        files.push((TAUGHT_FILE.to_string(), text));
        CorpusTexts(files, self.1.clone())
    }

    /// The examples, or the first line that is not one.
    pub fn examples(&self, plan: &Plan) -> Result<Vec<Example>, SearchError> {
        let pages: Vec<u16> = plan.initiatives.iter().map(|i| i.page).collect();
        let mut out = Vec::new();
        for (name, text) in &self.0 {
            let file = format!("{}/{CORPUS_DIR}/{name}", "data");
            out.extend(nlu::corpus::parse(&file, text, &pages).map_err(|e| SearchError::Corpus(e.to_string()))?);
        }
        Ok(out)
    }

    /// Their bytes, for fingerprints (the calibration's too).
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = self.1.clone().unwrap_or_default().into_bytes();
        for (name, text) in &self.0 {
            b.extend(name.as_bytes());
            b.push(0);
            b.extend(text.as_bytes());
            b.push(0);
        }
        b
    }
}

/// A question as the models read it — its normalised text, reading and content words —
/// from the analyzer's terms of that text.
pub fn analysed(text: &str, terms: &[Term]) -> Analysed {
    let reading: String = terms.iter().map(|t| t.reading.as_str()).collect();
    let words = terms.iter().filter(|t| t.content).map(|t| t.text.clone()).collect();
    Analysed { text: text.to_string(), reading, words, tags: Vec::new() }
}

/// The calibration's file inside the corpus's folder.
pub const CALIBRATION_FILE: &str = "calibration.json";

/// The engine with its learned understanding: the models read from `index/nlu/` when they
/// were trained on the same inputs, otherwise trained now (about a second) and kept there;
/// the calibration read from `data/nlu/calibration.json`. The engine as it was when the
/// corpus is empty.
pub fn attach(engine: Engine, index_dir: &Path, corpus: &CorpusTexts) -> Result<Engine, SearchError> {
    let examples = corpus.examples(engine.plan())?;
    if examples.is_empty() {
        return Ok(engine);
    }
    // A calibration that does not read (written by another version) is only a worse
    // decision until `keikaku nlu eval --write` fits it again, never a stop.
    let calibration = corpus.calibration().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the calibration is not used");
        Calibration::default()
    });
    if calibration.corpus != corpus.fingerprint() {
        tracing::warn!(
            "data/nlu/calibration.json was fit on another corpus; run `keikaku nlu eval --write` to fit it again"
        );
    }
    let key = key(&engine, corpus);
    let dir = index_dir.join(CORPUS_DIR);
    let file = dir.join(format!("model-{key}.bin"));
    let kept = |calibration: &Calibration| {
        let mut nlu = postcard::from_bytes::<Nlu>(&std::fs::read(&file).ok()?).ok()?;
        nlu.calibration = calibration.clone();
        Some(nlu)
    };
    if let Some(nlu) = kept(&calibration) {
        return Ok(engine.with_nlu(Some(Arc::new(nlu))));
    }
    // One training at a time over this folder, whichever process or thread asks (two bots
    // started together, parallel tests): the others wait, then read what it kept. A folder
    // we cannot lock (read-only) only loses the sharing.
    let _lock = training_lock(&dir);
    if let Some(nlu) = kept(&calibration) {
        return Ok(engine.with_nlu(Some(Arc::new(nlu))));
    }
    let started = std::time::Instant::now();
    let nlu =
        Nlu::train(engine.plan(), &examples, &|q| engine.question_input(q), &|t| engine.model_input(t), calibration);
    tracing::info!(
        examples = examples.len(),
        ms = started.elapsed().as_millis() as u64,
        "trained the understanding models"
    );
    match postcard::to_stdvec(&nlu) {
        Ok(bytes) => keep(&dir, &file, &bytes, "model-"),
        Err(e) => tracing::debug!(error = %e, "the trained model was not kept"),
    }
    Ok(engine.with_nlu(Some(Arc::new(nlu))))
}

/// The lock on training into `dir`, held until it is dropped; `None` when the folder
/// cannot be written.
fn training_lock(dir: &Path) -> Option<std::fs::File> {
    std::fs::create_dir_all(dir).ok()?;
    let file =
        std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(".training.lock")).ok()?;
    file.lock().ok()?;
    Some(file)
}

/// What the models and figures kept in `index/nlu/` are named by: the engine's inputs, the
/// corpus, the program (its version and build: a rebuilt keikaku may read questions
/// otherwise) and the models' format.
fn key(engine: &Engine, corpus: &CorpusTexts) -> String {
    super::index::fingerprint(&[
        engine.inputs().as_bytes(),
        &corpus.bytes(),
        super::prepared::program_identity().as_bytes(),
        &FORMAT.to_le_bytes(),
    ])
}

/// Writes `bytes` to `file` atomically, leaving older files of its kind (`prefix`) made
/// from other inputs, for other processes still serving them, to be cleaned later (only
/// the newest few are kept).
fn keep(dir: &Path, file: &Path, bytes: &[u8], prefix: &str) {
    let write = || -> Result<(), Box<dyn std::error::Error>> {
        std::fs::create_dir_all(dir)?;
        super::readable_by_all_shallow(dir);
        let tmp = dir.join(format!(".{prefix}.{}", super::unique_suffix()));
        std::fs::write(&tmp, bytes)?;
        super::readable_by_all(&tmp);
        std::fs::rename(&tmp, file).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        let mut models: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        models.sort();
        let excess = models.len().saturating_sub(4);
        for (_, old) in models.into_iter().take(excess) {
            let _ = std::fs::remove_file(old);
        }
        Ok(())
    };
    if let Err(e) = write() {
        tracing::debug!(error = %e, dir = %dir.display(), "the trained model was not kept; the next start trains it again");
    }
}

/// The corpus as the whole decision sees it: each question's evidence from the engine's
/// own stages, computed once (it does not depend on the models).
struct Corpus<'a> {
    engine: &'a Engine,
    evidence: Vec<Evidence>,
}

impl System for Corpus<'_> {
    fn choice(&self, i: usize, p: &Prediction) -> Choice {
        fuse::choice(&self.evidence[i], p, self.engine.plan())
    }

    fn cue(&self, i: usize) -> Option<(String, bool)> {
        let e = &self.evidence[i];
        Some((e.engine_intent.as_str().to_string(), e.cue == Some(e.engine_intent)))
    }

    fn weighed(&self, i: usize, p: &Prediction) -> bool {
        fuse::weighed(&self.evidence[i], p)
    }

    fn verdict(&self, i: usize, p: &Prediction, c: &Calibration) -> Verdict {
        let e = &self.evidence[i];
        let d = fuse::decide(e, p, c, self.engine.plan());
        // What a list was made by: the filters the models read, or the engine's.
        let (facets, topic) = match (&d.filters, &d.decision) {
            (Some(f), _) => {
                let topic = d.topic
                    || e.outcome.topic.is_some()
                        && e.outcome.intent == Intent::List
                        && !f.is_empty()
                        && !e.outcome.filters.is_empty();
                (crate::search::facets::labels(f, self.engine.plan()), topic)
            }
            (None, nlu::Decision::List(_)) if e.outcome.intent == Intent::List => {
                (crate::search::facets::labels(&e.outcome.filters, self.engine.plan()), e.outcome.topic.is_some())
            }
            (None, nlu::Decision::List(_)) => (Vec::new(), true),
            _ => (Vec::new(), false),
        };
        Verdict { intent: d.intent.as_str().to_string(), decision: d.decision, ranked: d.ranked, facets, topic }
    }
}

/// The corpus's cross-validated figures overall, under its calibration (see
/// [`crate::nlu::crossval::figures_with`]), with `engine`'s own stages; kept in
/// `index/nlu/` beside the models (a teaching compares the figures with and without it,
/// and the next one starts from the last), recomputed when the plan, the lexicon, the
/// corpus or the program change. `None` without a corpus.
pub fn figures(engine: &Engine, index_dir: &Path, corpus: &CorpusTexts) -> Result<Option<Figures>, SearchError> {
    if corpus.examples(engine.plan())?.is_empty() {
        return Ok(None);
    }
    let key = key(engine, corpus);
    let dir = index_dir.join(CORPUS_DIR);
    // `fixed`: figures under the corpus's own calibration (not refit), see above.
    let file = dir.join(format!("figures-fixed-{key}.json"));
    if let Ok(text) = std::fs::read_to_string(&file)
        && let Ok(figures) = serde_json::from_str::<Figures>(&text)
    {
        return Ok(Some(figures));
    }
    let started = std::time::Instant::now();
    let figures = cross_validate_with(engine, corpus, &corpus.calibration().unwrap_or_default())?;
    tracing::info!(ms = started.elapsed().as_millis() as u64, "cross-validated the corpus");
    if let Ok(text) = serde_json::to_string(&figures) {
        keep(&dir, &file, text.as_bytes(), "figures-");
    }
    Ok(Some(figures))
}

/// The examples, their features, the plan's texts, and the whole decision over them.
type ForCrossValidation<'a> = (Vec<Example>, Vec<nlu::Labelled>, Vec<nlu::Labelled>, Corpus<'a>);

/// The corpus ready for cross-validation: its examples, their features from the engine's
/// own stages (computed once: they do not depend on the models), the plan's texts, and the
/// whole decision over them.
fn prepared<'a>(engine: &'a Engine, corpus: &CorpusTexts) -> Result<ForCrossValidation<'a>, SearchError> {
    let plan = engine.plan();
    let examples = corpus.examples(plan)?;
    let evidence: Vec<Evidence> = examples.par_iter().map(|e| engine.evidence(&e.question, None, None)).collect();
    let labelled: Vec<nlu::Labelled> =
        examples.iter().zip(&evidence).map(|(e, ev)| nlu::Labelled::example(e, &ev.input)).collect();
    // The same reading as the served models are trained on (see `attach`).
    let plan_texts = nlu::plan_examples(plan, &|t| engine.model_input(t));
    Ok((examples, labelled, plan_texts, Corpus { engine, evidence }))
}

/// The corpus cross-validated under a fixed calibration: the models trained without each
/// fold, the decision's thresholds as given.
fn cross_validate_with(
    engine: &Engine,
    corpus: &CorpusTexts,
    calibration: &Calibration,
) -> Result<Figures, SearchError> {
    let (examples, labelled, plan_texts, system) = prepared(engine, corpus)?;
    Ok(nlu::crossval::figures_with(&examples, &labelled, &plan_texts, engine.plan(), &system, calibration))
}

/// Cross-validates the corpus (`keikaku nlu eval`): grouped k-fold, the ranker and the
/// thresholds fit on the held-out predictions, the figures of the whole decision overall,
/// per style and per intent. The report's calibration carries the corpus's fingerprint.
pub fn cross_validate(engine: &Engine, corpus: &CorpusTexts) -> Result<nlu::crossval::Report, SearchError> {
    let (examples, labelled, plan_texts, system) = prepared(engine, corpus)?;
    let mut report = nlu::crossval::evaluate(&examples, &labelled, &plan_texts, engine.plan(), &system);
    report.calibration.corpus = corpus.fingerprint();
    Ok(report)
}
