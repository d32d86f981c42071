//! The engine: a question in, an [`Outcome`] out (intent, the initiatives it is about, or
//! why the plan does not answer it).
//!
//! The pipeline, each stage its own module:
//!
//! 1. **normalise** (`crate::normalize`) — NFKC, lower case; a question written by sound is
//!    rewritten in the plan's words ([`super::phonetic`]);
//! 2. **analyse** ([`super::analyzer`]) — words with base forms and readings;
//! 3. **extract** ([`super::understand`], [`super::figures`]) — intent cues, list facets
//!    (department, policy, means, years, KPI or none, stage, oldest …), things the plan never
//!    states, KPI figures; a long message's question sentence;
//! 4. **match** ([`super::matcher`]) — each subject word gets its forms from the matchers
//!    (the word, thesaurus, readings, vectors, figures); BM25 finds candidates and the
//!    coverage of each is measured;
//! 5. **decide** (`decide`, `lists`) — answer when one initiative clearly fits, offer candidates when a
//!    few fit alike, a list when filters or a topic ask for one, not-found otherwise.
//!
//! [`Engine::explain`] returns what each stage made of a question.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use super::analyzer::Analyzer;
use super::figures::Figure;
use super::fuse::{self};
use super::index::PlanIndex;
use super::lexicon::Lexicon;
use super::matcher::{DocText, SubjectTerm, Via};
use super::outcome::{Hit, NotFoundReason, Outcome};
use super::phonetic::Phonetic;
use super::prepared::Prepared;
use super::understand::{self, Context, Filters, Intent};
use super::vectors::Vectors;
use crate::normalize::{fold_kana, normalize};
use crate::plan::Plan;

mod decide;
mod lists;
mod rank;
mod read;
mod subject;
mod text;

use text::{cut_question, not_found};

/// The smallest coverage at which an initiative answers a question.
const MIN_COVERAGE: f32 = 0.65;
/// Near misses are offered from this coverage on.
const NEAR_MISS: f32 = 0.45;
/// Coverage within this of the best counts as equally good.
const TIE: f32 = 0.02;
/// A candidate is offered beside the best when its BM25 score is at least this share of it.
const AMBIGUOUS_SCORE_RATIO: f32 = 0.1;
/// A question names an initiative when it holds this share of the initiative's name.
const NAMES_INITIATIVE: f32 = 0.7;
/// At most this many candidates are offered for an ambiguous question.
const MAX_CANDIDATES: usize = 5;
/// What a KPI figure weighs, against a word's rarity weight (≈1–4).
const FIGURE_WEIGHT: f32 = 4.0;
/// What a background word of a long message weighs, against a word of its question.
const BACKGROUND: f32 = 0.5;
/// The engine's candidates the last stage weighs.
const CANDIDATES_WEIGHED: usize = 8;
/// Questions longer than this are not searched for one-character typos.
const MAX_CORRECTED_CHARS: usize = 80;
/// Questions are cut to this many characters (with a note in the answer).
pub const MAX_QUESTION_CHARS: usize = 1000;

/// Words that name a measure; a question naming one of a KPI's measures asks for the KPI.
const MEASURES: &[&str] = &["数", "率", "度", "時間", "割合", "日数"];

/// The question-answering engine over one plan.
pub struct Engine {
    plan: Arc<Plan>,
    analyzer: Analyzer,
    index: PlanIndex,
    lexicon: Lexicon,
    /// Per initiative (plan order), its match data, made on first need.
    docs: Vec<OnceLock<DocText>>,
    /// Per initiative, the words of its name.
    name_terms: Vec<Vec<String>>,
    by_page: HashMap<u16, usize>,
    /// Words of names and KPIs, for correcting a misspelt question.
    vocabulary: Vec<Vec<char>>,
    /// Each department with its reading.
    department_readings: Vec<(String, String)>,
    /// The plan's words by sound.
    phonetic: Phonetic,
    /// Word vectors, when available; the plan's content words; and those of them that have
    /// a vector, with its row (found on first need).
    vectors: Option<Arc<Vectors>>,
    content_words: Vec<String>,
    plan_words: OnceLock<Vec<(String, usize)>>,
    /// Every character of the plan, sorted.
    chars: Vec<char>,
    /// The fingerprint of the plan document and the user dictionary it was built from.
    inputs: String,
    /// The learned understanding, when there is a corpus.
    nlu: Option<Arc<crate::nlu::Nlu>>,
    /// The stop-words by sound (「オシエル」 for 教える): a stop-word written in kana is one
    /// too.
    stopword_sounds: std::collections::HashSet<String>,
}

/// A candidate of `--explain`: its page, its coverage, and per subject word how strongly
/// it holds it and by which matcher.
pub type Candidate = (u16, f32, Vec<(String, f32, Option<Via>)>);

/// What each stage made of a question (`keikaku ask --explain`).
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The question as asked.
    pub question: String,
    /// After normalisation (and, for a question written by sound, in the plan's words).
    pub normalized: String,
    /// Each word: surface, base form, part of speech, reading.
    pub words: Vec<(String, String, String, String)>,
    /// The intent cue found, and the intent.
    pub cue: Option<String>,
    /// The list facets.
    pub filters: Filters,
    /// KPI figures, with the pages they fit.
    pub figures: Vec<(Figure, Vec<(u16, f32)>)>,
    /// What the plan never states, if asked.
    pub not_in_plan: Option<String>,
    /// The subject words with every form the matchers proposed.
    pub subject: Vec<SubjectTerm>,
    /// Candidates with their coverage and the evidence per word.
    pub candidates: Vec<Candidate>,
    /// What the learned models made of it, and how that was weighed with the above.
    pub model: Option<super::fuse::ModelView>,
    /// The decision.
    pub outcome: Outcome,
}

impl Engine {
    /// An engine over a plan and its open index.
    pub fn new(
        prepared: Prepared,
        analyzer: Analyzer,
        index: PlanIndex,
        lexicon: Lexicon,
        vectors: Option<Arc<Vectors>>,
        inputs: String,
    ) -> Engine {
        let Prepared { plan, name_terms, vocabulary, department_readings, phonetic, content_words, chars } = prepared;
        let by_page = plan.initiatives.iter().enumerate().map(|(n, i)| (i.page, n)).collect();
        let stopword_sounds = lexicon
            .stopwords
            .iter()
            .map(|w| analyzer.terms(w).into_iter().map(|t| t.reading).collect::<String>())
            .filter(|r| r.chars().count() >= 2)
            .collect();
        let docs = plan.initiatives.iter().map(|_| OnceLock::new()).collect();
        Engine {
            plan: Arc::new(plan),
            analyzer,
            index,
            lexicon,
            docs,
            name_terms,
            by_page,
            vocabulary: vocabulary.iter().map(|w| w.chars().collect()).collect(),
            department_readings,
            phonetic,
            vectors,
            content_words,
            chars,
            plan_words: OnceLock::new(),
            inputs,
            nlu: None,
            stopword_sounds,
        }
    }

    /// True when `word` (an analyzed term's text) is a stop-word, as written or, written in
    /// kana, by its sound.
    pub(super) fn is_stopword(&self, word: &str) -> bool {
        self.lexicon.stopwords.contains(word)
            || word.chars().all(crate::search::reading::is_kana)
                && self.stopword_sounds.contains(&crate::normalize::fold_kana(word))
    }

    /// What understanding a question needs of the plan and the lexicon.
    fn context(&self) -> Context<'_> {
        Context { plan: &self.plan, lexicon: &self.lexicon, department_readings: &self.department_readings }
    }

    /// The match data of the initiative at `n` (plan order), made on first need: a
    /// question looks at a few candidates, never at every initiative.
    fn doc(&self, n: usize) -> &DocText {
        self.docs[n].get_or_init(|| DocText::of(&self.plan.initiatives[n], &self.name_terms[n]))
    }

    /// The match data of the initiative on `page`.
    fn doc_on(&self, page: u16) -> Option<&DocText> {
        self.by_page.get(&page).map(|n| self.doc(*n))
    }

    /// The plan served.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// The learned understanding, when there is a corpus.
    pub fn nlu(&self) -> Option<&crate::nlu::Nlu> {
        self.nlu.as_deref()
    }

    /// The same engine with another learned understanding (`None`: the engine's own stages
    /// decide alone).
    pub fn with_nlu(mut self, nlu: Option<Arc<crate::nlu::Nlu>>) -> Engine {
        self.nlu = nlu;
        self
    }

    /// The word lists in use.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// True when word vectors are loaded.
    pub fn has_vectors(&self) -> bool {
        self.vectors.is_some()
    }

    /// What it was made from: the plan document, the user dictionary and the lexicon, as
    /// one fingerprint. Two engines with the same one answer alike.
    pub fn inputs(&self) -> String {
        format!("{}-{}", self.inputs, self.lexicon.fingerprint)
    }

    /// True when `term` occurs in some initiative's text (kana-folded, spaces ignored), as
    /// a thesaurus term must.
    pub fn mentions(&self, term: &str) -> bool {
        let term = fold_kana(&normalize(term)).replace(' ', "");
        !term.is_empty()
            && self.plan.initiatives.iter().any(|i| {
                let mut text = i.full_text();
                text.push_str(&i.department_label());
                fold_kana(&normalize(&text)).replace(' ', "").contains(&term)
            })
    }

    /// The same plan and index understood with another lexicon (a word taught, to be
    /// checked before it is kept): nothing is read or written on disk.
    pub fn with_lexicon(&self, lexicon: Lexicon) -> Engine {
        let prepared = Prepared::compute(Plan::clone(&self.plan), &self.analyzer, &lexicon);
        Engine::new(
            prepared,
            self.analyzer.clone(),
            self.index.clone(),
            lexicon,
            self.vectors.clone(),
            self.inputs.clone(),
        )
        .with_nlu(self.nlu.clone())
    }

    /// The folder of the open index.
    pub fn index_dir(&self) -> &std::path::Path {
        &self.index.dir
    }

    /// Answers one question on its own.
    pub fn ask(&self, question: &str) -> Outcome {
        self.ask_in_context(question, None)
    }

    /// Answers a question that may follow up on the initiative on page `context`
    /// (「そのKPIは？」, 「いつまで？」): a question that names an intent but no subject is
    /// taken to be about that initiative.
    pub fn ask_in_context(&self, question: &str, context: Option<u16>) -> Outcome {
        self.run(question, context, None)
    }

    /// The initiative `name` names, shown for `intent`: what a command asks (`/kpi
    /// どこでも窓口`). Only the name is understood, as any question's subject; the intent is
    /// the command's. A name that fits several initiatives, a department's list or nothing
    /// is answered as such.
    pub fn about_name(&self, name: &str, intent: Intent) -> Outcome {
        let mut outcome = self.by_name(name);
        if !matches!(outcome.intent, Intent::List | Intent::NotFound) {
            outcome.intent = intent;
        }
        outcome
    }

    /// The initiative (or initiatives) a name names, by the engine's own stages — words,
    /// readings, slips, figures — without the learned models: what a report or a command
    /// names (「漏水」「どこでも窓口」) is found where the plan's text says it, never guessed.
    pub fn by_name(&self, name: &str) -> Outcome {
        self.evidence(name, None, None).outcome
    }

    /// The list facets `text` names (a department by name, reading or slip; a basic policy;
    /// a basic means; a year), for a command's argument (`/list デジタル推進課`, `/progress
    /// R8`).
    pub fn facets(&self, text: &str) -> Filters {
        let normalized = self.spell_years(&cut_question(text));
        let terms = self.analyzer.terms(&normalized);
        let cx = self.context();
        understand::parse(&normalized, &terms, &cx).filters
    }

    /// The initiatives `filters` select, in page order, as a list or (with `progress`) as
    /// the progress against their targets: what a command asks (`/list`, `/progress`,
    /// `keikaku progress`), with nothing to understand.
    pub fn list_by(&self, filters: Filters, progress: bool) -> Outcome {
        let mut outcome = Outcome::about(0, Intent::List);
        outcome.hits.clear();
        outcome.year = filters.year.map(|y| y.year);
        outcome.progress = progress;
        let pages = self.filtered(&filters, Intent::List);
        outcome.filters = filters;
        if pages.is_empty() {
            return not_found(outcome, NotFoundReason::EmptyList);
        }
        outcome.hits = pages.into_iter().map(|page| Hit { page, score: 1.0, coverage: 1.0 }).collect();
        outcome
    }

    /// What makes two questions the same for review: their content words by reading, in
    /// order of reading (「ごみの日」「ゴミの日は？」 and 「ごみ の ひ」 meet), or, when they have
    /// none, the kana-folded text without blanks or punctuation.
    pub fn question_key(&self, question: &str) -> String {
        let text = normalize(&cut_question(question));
        let mut readings: Vec<String> = self
            .analyzer
            .terms(&text)
            .into_iter()
            .filter(|t| t.content && !self.is_stopword(&t.text))
            .map(|t| t.reading)
            .collect();
        readings.sort();
        readings.dedup();
        if readings.is_empty() {
            return fold_kana(&text).chars().filter(|c| c.is_alphanumeric()).collect();
        }
        readings.join(" ")
    }

    /// What each stage made of `question`.
    pub fn explain(&self, question: &str) -> Explanation {
        let mut x = Explanation {
            question: question.to_string(),
            normalized: String::new(),
            words: Vec::new(),
            cue: None,
            filters: Filters::default(),
            figures: Vec::new(),
            not_in_plan: None,
            subject: Vec::new(),
            candidates: Vec::new(),
            model: None,
            outcome: Outcome::about(0, Intent::NotFound),
        };
        x.outcome = self.run(question, None, Some(&mut x));
        x
    }

    fn run(&self, question: &str, context: Option<u16>, mut explain: Option<&mut Explanation>) -> Outcome {
        let evidence = self.evidence(question, context, explain.as_deref_mut());
        let Some(nlu) = self.nlu.as_ref() else {
            return evidence.outcome;
        };
        let prediction = nlu.predict(&evidence.input);
        let decided = fuse::decide(&evidence, &prediction, &nlu.calibration, &self.plan);
        let model = explain.is_some().then(|| fuse::explain(&evidence, &prediction, nlu, &decided));
        let outcome = fuse::fuse(&evidence, &prediction, decided);
        if let Some(x) = explain {
            x.model = model;
            x.outcome = outcome.clone();
        }
        outcome
    }
}
