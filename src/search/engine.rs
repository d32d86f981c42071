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
//! 5. **decide** (here) — answer when one initiative clearly fits, offer candidates when a
//!    few fit alike, a list when filters or a topic ask for one, not-found otherwise.
//!
//! [`Engine::explain`] returns what each stage made of a question.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Searcher, Term};

use super::analyzer::{Analyzer, bigrams};
use super::figures::{self, Figure};
use super::fuse::{self, Basis};
use super::index::PlanIndex;
use super::lexicon::Lexicon;
use super::matcher::{DocText, Evidence, SubjectTerm, Via, evidence, within_one_edit};
use super::outcome::{Hit, NotFoundReason, Outcome};
use super::phonetic::Phonetic;
use super::prepared::Prepared;
use super::understand::{self, Context, Filters, Intent, Parsed, Superlative, YearRelation};
use super::vectors::Vectors;
use crate::normalize::{fold_kana, normalize};
use crate::plan::{Initiative, Plan};

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
        }
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

    /// A question as the models read it: its question sentence, normalised (in the plan's
    /// words when written by sound), with the intent its cues name as a tag — what
    /// [`Engine::evidence`] would hand the models, without searching.
    pub fn model_input(&self, question: &str) -> crate::nlu::Analysed {
        let (terms, parsed) = self.read(&cut_question(question));
        self.for_model(&parsed.text, &terms, parsed.intent)
    }

    /// A question (already cut to its question sentence) normalised — in the plan's words
    /// when written by sound —, analysed and taken apart.
    fn read(&self, question: &str) -> (Vec<super::analyzer::Term>, Parsed) {
        let kanji = self.phonetic.kanjify(question);
        let text = normalize(kanji.as_deref().unwrap_or(question));
        let terms = self.analyzer.terms(&text);
        let parsed = understand::parse(&text, &terms, &self.context());
        (terms, parsed)
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

    /// The words of `question`'s subject that no initiative has (nor a thesaurus entry
    /// leads to): what an administrator may teach from it.
    /// Each is spelt as the question spells it (the matchers' words are kana-folded).
    pub fn unknown_words(&self, question: &str) -> Vec<String> {
        let asked: Vec<char> = normalize(question).chars().collect();
        let folded: Vec<char> = asked.iter().map(|c| crate::normalize::hiragana_to_katakana(*c)).collect();
        let mut out: Vec<String> = Vec::new();
        for term in self.explain(question).subject {
            let word: Vec<char> = term.word.chars().collect();
            let at =
                (!word.is_empty()).then(|| folded.windows(word.len()).position(|w| w == word.as_slice())).flatten();
            let word = at.map_or(term.word, |at| asked[at..at + word.len()].iter().collect());
            let known = self.mentions(&word) || self.lexicon.terms_for(&word).next().is_some();
            if word.chars().count() >= 2 && term.pages.is_empty() && !known && !out.contains(&word) {
                out.push(word);
            }
        }
        out
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
        let normalized = normalize(&cut_question(text));
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
            .filter(|t| t.content && !self.lexicon.stopwords.contains(t.text.as_str()))
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

    /// What the engine's own stages make of a question — filters, figures, the coverage of
    /// its words, the intent its cues name, and the engine's own decision — before the
    /// learned models weigh in. A question with nothing found is tried once more with a
    /// one-character typo of a plan word corrected.
    pub fn evidence(
        &self,
        question: &str,
        context: Option<u16>,
        mut explain: Option<&mut Explanation>,
    ) -> fuse::Evidence {
        let cut = cut_question(question);
        let evidence = self.answer(&cut, question, context, explain.as_deref_mut());
        if matches!(evidence.outcome.not_found, Some(NotFoundReason::NoMatch | NotFoundReason::NoSubject))
            && let Some(corrected) = self.correct(&cut)
        {
            let retry = self.answer(&corrected, question, context, None);
            if retry.outcome.intent != Intent::NotFound {
                tracing::debug!(%corrected, "answered a corrected question");
                if let Some(x) = explain {
                    x.normalized = corrected;
                    x.outcome = retry.outcome.clone();
                }
                return retry;
            }
        }
        evidence
    }

    /// A question's text and terms as the models read them, with the intent its cues name
    /// as a tag.
    fn for_model(&self, text: &str, terms: &[super::analyzer::Term], cue: Option<Intent>) -> crate::nlu::Analysed {
        let mut a = super::learned::analysed(text, terms);
        a.tags.push(format!("cue:{}", cue.map_or("none", Intent::as_str)));
        // Every intent some cue of the lexicon names, not only the one that won: the model
        // learns how far to trust each.
        for (intent, cues) in &self.lexicon.intents {
            if cues.iter().any(|c| text.contains(c.as_str())) {
                a.tags.push(format!("any-cue:{}", intent.as_str()));
            }
        }
        a
    }

    /// The question with one word of the plan's vocabulary restored where it is misspelt by
    /// one character (「どこでも窓囗」 → 「どこでも窓口」), or `None`.
    fn correct(&self, question: &str) -> Option<String> {
        let q: Vec<char> = fold_kana(question).chars().collect();
        // A slip in a short question, where one word is most of it; a long message is
        // understood by its other words.
        if q.len() > MAX_CORRECTED_CHARS {
            return None;
        }
        for word in &self.vocabulary {
            let n = word.len();
            for len in [n, n - 1, n + 1] {
                if len > q.len() {
                    continue;
                }
                for start in 0..=q.len() - len {
                    let window = &q[start..start + len];
                    if window != word.as_slice() && within_one_edit(window, word) {
                        let mut fixed: Vec<char> = q[..start].to_vec();
                        fixed.extend(word);
                        fixed.extend(&q[start + len..]);
                        return Some(fixed.into_iter().collect());
                    }
                }
            }
        }
        None
    }

    fn answer(
        &self,
        question: &str,
        asked: &str,
        context: Option<u16>,
        explain: Option<&mut Explanation>,
    ) -> fuse::Evidence {
        let (terms, mut parsed) = self.read(question);
        let input = self.for_model(&parsed.text, &terms, parsed.intent);
        let figures: Vec<(Figure, Vec<(u16, f32)>)> = figures::extract(&parsed.text)
            .into_iter()
            .map(|f| {
                let pages = figures::matches(&self.plan, &f);
                (f, pages)
            })
            .map(|(f, pages)| (f, pages.into_iter().filter(|(_, fit)| *fit >= 0.6).collect::<Vec<_>>()))
            .filter(|(_, pages)| !pages.is_empty())
            .collect();
        for (f, _) in &figures {
            parsed.subject_text = blank_range(&parsed.subject_text, &parsed.text, f.span.clone());
        }
        let searcher = self.index.reader.searcher();
        let background = background_spans(&parsed.text);
        let mut subject = self.subject_terms(&parsed, &terms, background.as_ref(), &searcher);
        for (f, pages) in &figures {
            let mut t = SubjectTerm::new("", "", String::new(), FIGURE_WEIGHT);
            t.word = parsed.text[f.span.clone()].to_string();
            t.forms.clear();
            t.bigrams.clear();
            t.pages = pages.clone();
            if background.as_ref().is_some_and(|r| r.contains(&f.span.start)) {
                t.importance = BACKGROUND;
            }
            subject.push(t);
        }
        let mut outcome = Outcome {
            question: asked.to_string(),
            intent: parsed.intent.unwrap_or(Intent::Overview),
            ambiguous: false,
            hits: Vec::new(),
            suggestions: Vec::new(),
            filters: parsed.filters.clone(),
            topic: None,
            year: parsed.year,
            not_found: None,
            progress: false,
            truncated: asked.chars().nth(MAX_QUESTION_CHARS).is_some(),
        };
        let (outcome, basis) = self.decide(&mut outcome, &parsed, &subject, &searcher, context);
        let ranked = self.ranked(&subject, &searcher, CANDIDATES_WEIGHED);
        let figure_fit = |page: u16| {
            figures
                .iter()
                .flat_map(|(_, pages)| pages)
                .filter(|(p, _)| *p == page)
                .map(|(_, fit)| *fit)
                .fold(0.0, f32::max)
        };
        let mut candidates: Vec<fuse::Candidate> = ranked
            .iter()
            .enumerate()
            .map(|(rank, h)| fuse::Candidate {
                page: h.page,
                coverage: h.coverage,
                named: self.names(&parsed, &subject, h.page),
                names_kpi: self.mentions_kpi(&parsed.text, h.page),
                has_kpi: self.plan.initiative(h.page).is_some_and(|i| !i.kpis.is_empty()),
                figure: figure_fit(h.page),
                rank: Some(rank),
            })
            .collect();
        for (_, pages) in &figures {
            for (page, _) in pages {
                if !candidates.iter().any(|c| c.page == *page) {
                    candidates.push(fuse::Candidate {
                        page: *page,
                        coverage: 0.0,
                        named: false,
                        names_kpi: self.mentions_kpi(&parsed.text, *page),
                        has_kpi: true,
                        figure: figure_fit(*page),
                        rank: None,
                    });
                }
            }
        }
        if let Some(x) = explain {
            x.normalized = parsed.text.clone();
            x.words =
                terms.iter().map(|t| (t.surface.clone(), t.text.clone(), t.pos.clone(), t.reading.clone())).collect();
            x.cue = parsed.cue.clone();
            x.filters = parsed.filters.clone();
            x.figures = figures;
            x.not_in_plan = parsed.unsupported.clone();
            x.candidates = ranked
                .iter()
                .filter_map(|h| {
                    let doc = self.doc_on(h.page)?;
                    let evidence = subject
                        .iter()
                        .map(|t| {
                            let (s, via) = doc.holds(t);
                            (t.word.clone(), s, via)
                        })
                        .collect();
                    Some((h.page, h.coverage, evidence))
                })
                .collect();
            x.subject = subject;
            x.outcome = outcome.clone();
        }
        let engine_intent = match outcome.intent {
            Intent::List | Intent::NotFound => parsed.intent.filter(|i| !matches!(i, Intent::List | Intent::NotFound)),
            intent => Some(intent),
        }
        .unwrap_or(Intent::Overview);
        fuse::Evidence { outcome, basis, cue: parsed.intent, engine_intent, candidates, text: parsed.text, input }
    }

    fn decide(
        &self,
        outcome: &mut Outcome,
        parsed: &Parsed,
        subject: &[SubjectTerm],
        searcher: &Searcher,
        context: Option<u16>,
    ) -> (Outcome, Basis) {
        let mut outcome = outcome.clone();
        if let Some(what) = &parsed.unsupported {
            let hits = self.ranked(subject, searcher, 40);
            outcome.suggestions = hits.into_iter().filter(|h| h.coverage >= MIN_COVERAGE).take(3).collect();
            return (not_found(outcome, NotFoundReason::NotInPlan(what.clone())), Basis::Unsupported);
        }

        // Subject words that only repeat a filter (「キャッシュレス」 of キャッシュレス化) do not
        // make the question about one initiative.
        let residual: Vec<SubjectTerm> = subject
            .iter()
            .filter(|t| !t.is_background() && !self.repeats_filter(t, &parsed.filters))
            .cloned()
            .collect();
        let f = &parsed.filters;
        let structural = f.department.is_some()
            || f.policy.is_some()
            || f.means.is_some()
            || f.kpi.is_some()
            || f.single_year
            || f.superlative.is_some()
            || f.constant_targets
            || f.stage.is_some()
            || f.year.is_some_and(|y| y.relation != YearRelation::Active);
        // Filters that narrow the plan to one initiative answer a question about it
        // (「企画政策課の2つの事業のうち、KPIの表があるほう」).
        if structural && let Some(intent) = parsed.intent.filter(|i| *i != Intent::List) {
            let pages = self.filtered(f, intent);
            if pages.len() == 1 && !parsed.list {
                outcome.intent = intent;
                outcome.hits = vec![Hit { page: pages[0], score: 1.0, coverage: 1.0 }];
                return (outcome, Basis::Filters);
            }
        }
        if f.superlative.is_some() {
            // The oldest (or newest): one initiative is answered; several that started in
            // the same year are listed.
            let pages = self.filtered(f, Intent::List);
            if let [page] = pages.as_slice() {
                outcome.intent = parsed.intent.filter(|i| *i != Intent::List).unwrap_or(Intent::Period);
                outcome.hits = vec![Hit { page: *page, score: 1.0, coverage: 1.0 }];
                return (outcome, Basis::Filters);
            }
            if !pages.is_empty() {
                return (self.list(outcome, parsed, &[], searcher), Basis::Filters);
            }
        }
        let wants_list = parsed.list
            || (parsed.progress && residual.is_empty())
            || (!f.is_empty() && residual.is_empty() && (parsed.intent.is_none() || structural));
        if wants_list {
            return (
                self.list(outcome, parsed, &residual, searcher),
                if parsed.list || !f.is_empty() { Basis::Filters } else { Basis::Evidence },
            );
        }
        if subject.is_empty() {
            if let (Some(intent), Some(page)) = (parsed.intent, context)
                && self.by_page.contains_key(&page)
            {
                outcome.intent = intent;
                outcome.hits = vec![Hit { page, score: 1.0, coverage: 1.0 }];
                return (outcome, Basis::Context);
            }
            return (not_found(outcome, NotFoundReason::NoSubject), Basis::NoSubject);
        }

        let mut hits = self.ranked(subject, searcher, 40);
        if structural {
            let allowed: HashSet<u16> = self.filtered(f, Intent::List).into_iter().collect();
            let kept: Vec<Hit> = hits.iter().filter(|h| allowed.contains(&h.page)).cloned().collect();
            // 「…は機器管理課の担当で合ってる？」: a department asked about is checked, not
            // trusted — when it holds nothing that fits, the answer names the right one.
            let fits = kept.first().is_some_and(|h| h.coverage >= MIN_COVERAGE);
            if fits || parsed.intent != Some(Intent::Department) {
                hits = kept;
            }
        }
        let best = hits.first().map_or(0.0, |h| h.coverage);
        if best < MIN_COVERAGE {
            outcome.suggestions = hits.into_iter().filter(|h| h.coverage >= NEAR_MISS).take(3).collect();
            return (not_found(outcome, NotFoundReason::NoMatch), Basis::Evidence);
        }
        let tied: Vec<Hit> = hits.iter().filter(|h| h.coverage >= best - TIE).cloned().collect();
        let named: Vec<&Hit> = tied.iter().filter(|h| self.names(parsed, subject, h.page)).collect();
        tracing::debug!(?tied, named = named.len(), "candidates");
        let top_score = tied.first().map_or(0.0, |h| h.score);
        outcome.hits = match named.as_slice() {
            [one] => vec![(*one).clone()],
            _ => {
                let close: Vec<Hit> = tied
                    .into_iter()
                    .filter(|h| h.score >= top_score * AMBIGUOUS_SCORE_RATIO)
                    .take(MAX_CANDIDATES)
                    .collect();
                outcome.ambiguous = close.len() > 1;
                close
            }
        };
        if outcome.ambiguous && parsed.about_initiatives && parsed.intent.is_none() {
            // 「子育ての取組」: several fit the topic, so list them all.
            outcome.intent = Intent::List;
            outcome.ambiguous = false;
            let mut pages: Vec<u16> = hits.iter().filter(|h| h.coverage >= best - TIE).map(|h| h.page).collect();
            pages.sort();
            outcome.hits = pages.into_iter().map(|page| Hit { page, score: 1.0, coverage: 1.0 }).collect();
            outcome.topic = Some(topic_of(subject));
            return (outcome, Basis::Evidence);
        }
        if parsed.intent.is_none() && parsed.progress {
            outcome.intent = Intent::Kpi;
        }
        let Some(top) = outcome.single_page() else {
            return (outcome, Basis::Evidence);
        };
        if parsed.intent.is_none() && self.mentions_kpi(&parsed.text, top) {
            outcome.intent = Intent::Kpi;
        }
        if outcome.intent == Intent::Contents && parsed.weak_contents && !self.refers_by_name(subject, top) {
            outcome.intent = Intent::Overview;
        }
        (outcome, Basis::Evidence)
    }

    /// The initiatives that pass the list filters, in page order (the superlative last:
    /// only the oldest or newest remain). A year that only says which year's target is
    /// meant (`Active` with a single-initiative intent) does not filter.
    fn filtered(&self, f: &Filters, intent: Intent) -> Vec<u16> {
        let mut list: Vec<&Initiative> = self
            .plan
            .initiatives
            .iter()
            .filter(|i| f.department.as_ref().is_none_or(|d| i.departments.contains(d)))
            .filter(|i| f.policy.is_none_or(|p| i.policy == p))
            .filter(|i| f.means.is_none_or(|m| i.means.contains(&m)))
            .filter(|i| {
                f.year.is_none_or(|y| match y.relation {
                    YearRelation::Starts => i.period.start == y.year,
                    YearRelation::Ends => i.period.end == y.year,
                    YearRelation::Active => intent != Intent::List || i.period.contains(y.year),
                })
            })
            .filter(|i| f.kpi.is_none_or(|has| has != i.kpis.is_empty()))
            .filter(|i| !f.single_year || i.period.start == i.period.end)
            .filter(|i| {
                !f.constant_targets
                    || !i.kpis.is_empty()
                        && i.kpis
                            .iter()
                            .all(|k| k.targets.len() > 1 && k.targets.iter().all(|(_, t)| t.raw == k.targets[0].1.raw))
            })
            .filter(|i| {
                f.stage.as_ref().is_none_or(|(year, word)| {
                    i.schedule
                        .iter()
                        .any(|row| row.cells.iter().any(|(y, cell)| y == year && cell.contains(word.as_str())))
                })
            })
            .collect();
        if let Some(s) = f.superlative {
            let starts = list.iter().map(|i| i.period.start);
            let pick = match s {
                Superlative::Oldest => starts.min(),
                Superlative::Newest => starts.max(),
            };
            list.retain(|i| Some(i.period.start) == pick);
        }
        list.into_iter().map(|i| i.page).collect()
    }

    fn list(&self, mut outcome: Outcome, parsed: &Parsed, residual: &[SubjectTerm], searcher: &Searcher) -> Outcome {
        outcome.intent = Intent::List;
        outcome.progress = parsed.progress;
        let f = &parsed.filters;
        let mut pages = self.filtered(f, Intent::List);
        if !residual.is_empty() {
            let topical: HashSet<u16> = self
                .ranked(residual, searcher, 500)
                .into_iter()
                .filter(|h| h.coverage >= 1.0 - TIE)
                .map(|h| h.page)
                .collect();
            let before = pages.clone();
            pages.retain(|p| topical.contains(p));
            // Left-over words of a filtered question (「担当分」) that fit nothing do not
            // empty the list the filters ask for.
            if pages.is_empty() && !f.is_empty() && parsed.list {
                pages = before;
            } else {
                outcome.topic = Some(topic_of(residual));
            }
            // A topic that only one initiative covers is a question about that initiative.
            if pages.len() == 1 && f.is_empty() {
                outcome.intent = parsed.intent.filter(|i| *i != Intent::List).unwrap_or(Intent::Overview);
            }
        }
        if pages.is_empty() {
            return not_found(outcome, NotFoundReason::EmptyList);
        }
        outcome.hits = pages.into_iter().map(|page| Hit { page, score: 1.0, coverage: 1.0 }).collect();
        outcome
    }

    /// True when `term` only restates a filter of the question.
    fn repeats_filter(&self, term: &SubjectTerm, filters: &Filters) -> bool {
        let word = &term.word;
        filters
            .means
            .and_then(|m| self.plan.means_by_number(m))
            .is_some_and(|m| fold_kana(&m.name).contains(word.as_str()))
            || filters.department.as_ref().is_some_and(|d| fold_kana(d).contains(word.as_str()))
    }

    /// True when the question holds most of the initiative's name.
    fn names(&self, parsed: &Parsed, subject: &[SubjectTerm], page: u16) -> bool {
        let Some(doc) = self.doc_on(page) else {
            return false;
        };
        let mut haystack = fold_kana(&parsed.text);
        for t in subject.iter().filter(|t| !t.is_background()) {
            for f in t.forms.iter().filter(|f| f.strength >= 0.8) {
                haystack.push(' ');
                haystack.push_str(&f.text);
            }
        }
        let question = fold_kana(&parsed.text);
        if doc.kpi_names.iter().any(|k| k.chars().count() >= 4 && question.contains(k.as_str())) {
            return true;
        }
        let total: usize = doc.name_terms.iter().map(|t| t.chars().count()).sum();
        if total == 0 {
            return false;
        }
        let held: usize =
            doc.name_terms.iter().filter(|t| haystack.contains(t.as_str())).map(|t| t.chars().count()).sum();
        held as f32 / total as f32 >= NAMES_INITIATIVE
    }

    /// True when the question names a measure (…数, …率, …時間) that one of the initiative's
    /// KPIs measures: 「…の搭載手続数」 asks for the KPI.
    fn mentions_kpi(&self, question: &str, page: u16) -> bool {
        let Some(doc) = self.doc_on(page) else {
            return false;
        };
        let folded = fold_kana(question);
        // As written, and with 「の」 dropped: 「施設の数」 names 施設数.
        [folded.clone(), folded.replace("ノ数", "数").replace("ノ率", "率")].iter().any(|text| {
            let q: Vec<char> = text.chars().collect();
            MEASURES.iter().any(|m| {
                let m: Vec<char> = m.chars().collect();
                (1..q.len()).any(|i| {
                    q[i..].starts_with(&m) && {
                        let chunk: String = q[i - 1..i + m.len()].iter().collect();
                        doc.kpi_names.iter().any(|k| k.contains(&chunk))
                    }
                })
            })
        })
    }

    /// True when the question's subject words are (nearly) all in the initiative's title or
    /// heading: it is referred to by name, if only in part.
    fn refers_by_name(&self, subject: &[SubjectTerm], page: u16) -> bool {
        let Some(doc) = self.doc_on(page) else {
            return false;
        };
        let focus: Vec<&SubjectTerm> = subject.iter().filter(|t| !t.is_background() && t.pages.is_empty()).collect();
        let total: f32 = focus.iter().map(|t| t.weight).sum();
        let held: f32 = focus
            .iter()
            .filter(|t| t.forms.iter().any(|f| f.strength >= 1.0 && doc.name.contains(f.text.as_str())))
            .map(|t| t.weight)
            .sum();
        total > 0.0 && held / total >= 1.0 - TIE
    }

    /// The question's subject words with their forms, weights and importance. Linear in
    /// the question's length: the subject text is analysed once.
    fn subject_terms(
        &self,
        parsed: &Parsed,
        terms: &[super::analyzer::Term],
        background: Option<&std::ops::Range<usize>>,
        searcher: &Searcher,
    ) -> Vec<SubjectTerm> {
        let importance = |at: usize| if background.is_some_and(|r| r.contains(&at)) { BACKGROUND } else { 1.0 };
        let text = &parsed.subject_text;
        let words = self.analyzer.terms(text);
        let starts: HashSet<usize> = words.iter().map(|w| w.span.start).collect();
        let ends: HashSet<usize> = words.iter().map(|w| w.span.end).collect();
        let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
        let mut out: Vec<SubjectTerm> = Vec::new();
        // Thesaurus words and phrases first, as the analyzer might split them
        // (「乗り合いタクシー」, 「書かなくて」): a match must start and end where words do.
        for entry in &self.lexicon.thesaurus {
            let word = &entry.word;
            if word.chars().count() < 2 || self.lexicon.stopwords.contains(word.as_str()) {
                continue;
            }
            let Some(at) = text.match_indices(word.as_str()).map(|(at, _)| at).find(|at| {
                starts.contains(at) && ends.contains(&(at + word.len())) && !taken.iter().any(|r| r.contains(at))
            }) else {
                continue;
            };
            taken.push(at..at + word.len());
            let parts: Vec<&super::analyzer::Term> =
                words.iter().filter(|w| w.span.start >= at && w.span.end <= at + word.len()).collect();
            let reading: String = parts.iter().map(|w| w.reading.as_str()).collect();
            let mut t = self.subject_term(word, &reading, String::new(), searcher);
            if parts.first().is_some_and(|w| w.pos == "動詞" || w.pos == "形容詞") {
                t.weight *= 0.5;
            }
            for term in &entry.terms {
                t.add_form(term, 1.0, Via::Thesaurus);
            }
            let in_plan = self.in_plan(&t.word, searcher);
            self.add_sound_forms(&mut t, in_plan);
            t.importance = importance(at);
            out.push(t);
        }
        for t in &words {
            if !t.content
                || taken.iter().any(|r| r.contains(&t.span.start))
                || self.lexicon.stopwords.contains(t.text.as_str())
                || t.text.chars().all(|c| c.is_ascii_digit())
            {
                continue;
            }
            let folded = fold_kana(&t.text);
            if let Some(seen) = out.iter_mut().find(|s| s.word == folded) {
                // Said in the background and again in the question: it is the question's.
                seen.importance = seen.importance.max(importance(t.span.start));
                continue;
            }
            // The reading as the whole question has it (a word cut short by blanking reads
            // otherwise).
            let reading =
                terms.iter().find(|q| q.span == t.span).map_or_else(|| t.reading.clone(), |q| q.reading.clone());
            let mut term = self.subject_term(&t.text, &reading, t.text.clone(), searcher);
            for entry in self.lexicon.terms_for(&t.text).chain(self.lexicon.terms_for(&t.surface)) {
                for alt in &entry.terms {
                    term.add_form(alt, 1.0, Via::Thesaurus);
                }
            }
            if t.pos == "動詞" || t.pos == "形容詞" {
                let chars: Vec<char> = t.text.chars().collect();
                if chars.len() >= 3 {
                    term.add_form(&fold_kana(&chars[..chars.len() - 1].iter().collect::<String>()), 1.0, Via::Word);
                }
                // A verb says less about which initiative is meant than a noun does.
                term.weight *= 0.5;
            }
            let in_plan = self.in_plan(&term.word, searcher);
            self.add_sound_forms(&mut term, in_plan);
            if !in_plan {
                self.add_vector_forms(&mut term);
            }
            term.importance = importance(t.span.start);
            out.push(term);
        }
        out
    }

    /// True when some initiative's text holds `word` (kana-folded) as written.
    /// The index narrows the initiatives to those holding the word's rarest bigram; only
    /// their texts are read.
    fn in_plan(&self, word: &str, searcher: &Searcher) -> bool {
        let chars: Vec<char> = word.chars().collect();
        if let [c] = chars.as_slice() {
            return self.chars.binary_search(c).is_ok();
        }
        // Only bigrams (a run of one letter is indexed only where it stands alone).
        let field = self.index.fields.body_bigram;
        let rarest = bigrams(word)
            .into_iter()
            .filter(|g| g.chars().count() == 2)
            .map(|g| {
                let term = Term::from_field_text(field, &g);
                (searcher.doc_freq(&term).unwrap_or(0), term)
            })
            .min_by_key(|(df, _)| *df);
        let Some((df, term)) = rarest else {
            return (0..self.docs.len()).any(|n| self.doc(n).folded.contains(word));
        };
        if df == 0 {
            return false;
        }
        // The bigram's postings, read directly (no query, no scoring).
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(field) else { continue };
            let Ok(Some(mut postings)) = inverted.read_postings(&term, IndexRecordOption::Basic) else { continue };
            let Ok(pages) = segment.fast_fields().u64("page") else { continue };
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                let page = pages.first(doc).and_then(|p| u16::try_from(p).ok());
                if page.and_then(|p| self.doc_on(p)).is_some_and(|d| d.folded.contains(word)) {
                    return true;
                }
                doc = postings.advance();
            }
        }
        false
    }

    /// Plan words that sound like the term: an IME slip (投機 → 登記). `in_plan`: the word
    /// is the plan's own too, so a homophone counts for less.
    fn add_sound_forms(&self, term: &mut SubjectTerm, in_plan: bool) {
        if term.reading.chars().count() < 2
            || term.word.chars().count() < 2
            || term.word.chars().all(super::reading::is_kana)
        {
            return;
        }
        let (exact, loose) = self.phonetic.homophones(&term.reading);
        let own = term.word.clone();
        for w in exact.iter().filter(|w| **w != own) {
            term.add_form(w, if in_plan { 0.6 } else { 0.8 }, Via::Reading);
        }
        for w in &loose {
            term.add_form(w, if in_plan { 0.5 } else { 0.6 }, Via::LooseReading);
        }
    }

    /// Plan words near in meaning, for a word the plan, its readings and the thesaurus do
    /// not know (the caller has checked the plan): they propose, at a discount, and never
    /// decide alone.
    fn add_vector_forms(&self, term: &mut SubjectTerm) {
        let Some(vectors) = &self.vectors else {
            return;
        };
        if term.forms.len() > 1 {
            return;
        }
        let Some(row) = vectors.row_of(&term.term) else {
            return;
        };
        let words = self.plan_words.get_or_init(|| {
            let mut rows: HashSet<usize> = HashSet::new();
            self.content_words
                .iter()
                .filter_map(|w| vectors.row_of(w).filter(|r| rows.insert(*r)).map(|r| (fold_kana(w), r)))
                .collect()
        });
        let mut near: Vec<(f32, &str)> =
            words.iter().map(|(w, r)| (vectors.cosine(row, *r), w.as_str())).filter(|(c, _)| *c >= 0.6).collect();
        near.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (c, w) in near.into_iter().take(3) {
            term.add_form(w, (c * 0.8).min(0.6), Via::Vector);
        }
    }

    fn subject_term(&self, word: &str, reading: &str, term: String, searcher: &Searcher) -> SubjectTerm {
        let folded = fold_kana(word);
        let grams = bigrams(&folded);
        let n = self.plan.initiatives.len().max(1) as f32;
        let field = self.index.fields.body_bigram;
        // The rarest bigram bounds how many initiatives can hold the word.
        let df =
            grams.iter().map(|g| searcher.doc_freq(&Term::from_field_text(field, g)).unwrap_or(0)).min().unwrap_or(0)
                as f32;
        let weight = (1.0 + n / (1.0 + df)).ln().max(0.1);
        let mut weight = weight;
        // Everyday words for channels and people, and lone characters, say less.
        if self.lexicon.light.contains(&folded) || folded.chars().count() == 1 {
            weight *= 0.5;
        }
        SubjectTerm::new(word, reading, term, weight)
    }

    /// Candidates by BM25, with coverage, best first.
    fn ranked(&self, subject: &[SubjectTerm], searcher: &Searcher, limit: usize) -> Vec<Hit> {
        if subject.is_empty() {
            return Vec::new();
        }
        let f = self.index.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut add = |field, text: &str, boost: f32| {
            let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
        };
        for t in subject {
            let b = t.importance;
            if !t.term.is_empty() {
                add(f.title, &t.term, 4.0 * b);
                add(f.body, &t.term, b);
            }
            for g in &t.bigrams {
                add(f.title_bigram, g, b);
                add(f.body_bigram, g, 0.3 * b);
            }
            for alt in t.forms.iter().skip(1) {
                for g in bigrams(&alt.text) {
                    add(f.body_bigram, &g, 0.2 * b * alt.strength);
                }
            }
        }
        let query = BooleanQuery::new(clauses);
        let top: Vec<(f32, DocAddress)> = match searcher.search(&query, &TopDocs::with_limit(limit).order_by_score()) {
            Ok(top) => top,
            Err(e) => {
                tracing::error!(error = %e, "search failed");
                return Vec::new();
            }
        };
        let mut pages: Vec<(u16, f32)> = Vec::new();
        for (score, addr) in top {
            if let Some(page) = self.page_of(searcher, addr) {
                pages.push((page, score));
            }
        }
        // Pages a figure names are candidates even when no word of the question is there.
        for t in subject {
            for (page, _) in &t.pages {
                if !pages.iter().any(|(p, _)| p == page) {
                    pages.push((*page, 0.0));
                }
            }
        }
        let docs: Vec<(&DocText, f32)> =
            pages.iter().filter_map(|(p, score)| Some((self.doc_on(*p)?, *score))).collect();
        let mut subject = subject.to_vec();
        for t in subject.iter_mut().filter(|t| !t.is_background() && t.pages.is_empty()) {
            t.found_elsewhere = docs.iter().any(|(d, _)| matches!(d.holds(t), (s, Some(Via::Word)) if s >= 1.0));
        }
        let subject = subject.as_slice();
        let held: Vec<(u16, f32, Evidence)> =
            docs.into_iter().map(|(doc, score)| (doc.page, score, evidence(subject, doc))).collect();
        let best_background = held.iter().map(|(_, _, e)| e.background).fold(0.0, f32::max);
        let mut hits: Vec<Hit> = held
            .into_iter()
            .map(|(page, score, e)| {
                let coverage = e.coverage(best_background);
                Hit { page, score: score.max(0.01) * coverage, coverage }
            })
            .collect();
        hits.sort_by(|a, b| {
            let ca = (a.coverage / TIE).round();
            let cb = (b.coverage / TIE).round();
            cb.total_cmp(&ca).then(b.score.total_cmp(&a.score)).then(a.page.cmp(&b.page))
        });
        hits
    }

    fn page_of(&self, searcher: &Searcher, addr: DocAddress) -> Option<u16> {
        let reader = searcher.segment_reader(addr.segment_ord);
        let column = reader.fast_fields().u64("page").ok()?;
        column.first(addr.doc_id).and_then(|p| u16::try_from(p).ok())
    }
}

/// The question cut to [`MAX_QUESTION_CHARS`] characters.
fn cut_question(question: &str) -> String {
    match question.char_indices().nth(MAX_QUESTION_CHARS) {
        Some((at, _)) => question[..at].to_string(),
        None => question.to_string(),
    }
}

/// The byte ranges of a long message's background: everything but its last clause, which
/// is where a message written with personal context and courtesy puts its question
/// (「…大変なのですが、パソコン上で承認まで済ませる取組はいつまで？」).
fn background_spans(text: &str) -> Option<std::ops::Range<usize>> {
    if text.chars().count() < 60 {
        return None;
    }
    let mut cut = 0;
    let trimmed = text.trim_end_matches(['。', '!', '?', '！', '？', ' ']);
    for (at, c) in trimmed.char_indices() {
        if matches!(c, '。' | '!' | '?' | '！' | '？') {
            cut = at + c.len_utf8();
        }
    }
    for joint in ["のですが、", "ですが、", "ますが、", "けれど、", "けど、", "ので、", "が、"]
    {
        if let Some(at) = trimmed[cut..].rfind(joint) {
            cut += at + joint.len();
            break;
        }
    }
    (cut > 0).then_some(0..cut)
}

/// `subject_text` (which is `text` with parts blanked) with the characters of `range` of
/// `text` blanked too.
fn blank_range(subject_text: &str, text: &str, range: std::ops::Range<usize>) -> String {
    let piece = &text[range];
    subject_text.replacen(piece, "、", 1)
}

fn topic_of(subject: &[SubjectTerm]) -> String {
    subject
        .iter()
        .filter(|t| !t.is_background() && t.pages.is_empty())
        .map(|t| t.word.clone())
        .collect::<Vec<_>>()
        .join(" ")
}

fn not_found(mut outcome: Outcome, reason: NotFoundReason) -> Outcome {
    outcome.intent = Intent::NotFound;
    outcome.ambiguous = false;
    outcome.hits.clear();
    outcome.not_found = Some(reason);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_keeps_its_question_sentence_in_focus() {
        let text = "母が運転免許を返納してから、市の乗り合いタクシーを使っています。電話で予約しても乗れないそうです。AIで配車する取組は何年度からでしょうか。";
        let span = background_spans(text);
        let question_at = text.find("AIで配車").unwrap_or(0);
        assert_eq!(span, Some(0..question_at));
    }

    #[test]
    fn the_last_clause_after_a_joint_is_the_question() {
        let text = "本庁の係で働いています。書類を作るたびに紙に印刷してハンコをもらっていて正直しんどいのですが、パソコン上で承認まで済ませる取組はいつまで?";
        let question_at = text.find("パソコン").unwrap_or(0);
        assert_eq!(background_spans(text), Some(0..question_at));
    }

    #[test]
    fn a_short_question_has_no_background() {
        assert!(background_spans("どこでも窓口のKPIは？").is_none());
    }

    #[test]
    fn long_questions_are_cut() {
        let long = "あ".repeat(MAX_QUESTION_CHARS + 10);
        assert_eq!(cut_question(&long).chars().count(), MAX_QUESTION_CHARS);
    }
}
