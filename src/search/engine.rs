//! The engine: a question in, an [`Outcome`] out (intent, the initiatives it is about, or
//! why the plan does not answer it).
//!
//! Retrieval is tantivy's BM25 over morphological and bigram fields, title boosted. On top,
//! a *coverage* check decides whether a candidate really fits: the share of the question's
//! subject words (weighted by rarity) that the initiative's text holds, directly, through a
//! synonym, or by most of their bigrams (typos, kana variants). Nothing fits → `not_found`;
//! several fit equally and none is named → ambiguous, and the candidates are offered.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, Term};

use super::analyzer::{Analyzer, bigrams};
use super::index::PlanIndex;
use super::understand::{self, Filters, Intent, Parsed, YearRelation};
use crate::normalize::{fold_kana, normalize};
use crate::plan::{FiscalYear, Initiative, Plan};

/// The smallest coverage at which an initiative answers a question.
const MIN_COVERAGE: f32 = 0.7;
/// Coverage within this of the best counts as equally good.
const TIE: f32 = 0.02;
/// A candidate is offered beside the best when its BM25 score is at least this share of it.
const AMBIGUOUS_SCORE_RATIO: f32 = 0.1;
/// A question names an initiative when it holds this share of the initiative's name.
const NAMES_INITIATIVE: f32 = 0.7;
/// At most this many candidates are offered for an ambiguous question.
const MAX_CANDIDATES: usize = 5;

/// Words that name a measure; a question naming one of a KPI's measures asks for the KPI.
const MEASURES: &[&str] = &["数", "率", "度", "時間", "割合", "日数"];

/// Words that never name a subject: question words, politeness, the plan's generic words.
const STOPWORDS: &[&str] = &[
    "取組",
    "取り組み",
    "取組み",
    "事業",
    "教える",
    "知る",
    "知りたい",
    "分かる",
    "わかる",
    "聞く",
    "那須塩原",
    "那須塩原市",
    "市",
    "本市",
    "いる",
    "ある",
    "する",
    "なる",
    "できる",
    "やる",
    "いう",
    "思う",
    "くる",
    "来る",
    "もらう",
    "くれる",
    "ください",
    "下さい",
    "お願い",
    "願う",
    "感じ",
    "もの",
    "こと",
    "ところ",
    "とき",
    "何",
    "なに",
    "いつ",
    "どこ",
    "どれ",
    "どう",
    "どんな",
    "よう",
    "令和",
    "平成",
    "年度",
    "年",
    "度",
    "今",
    "今年",
    "来年",
    "計画",
    "アクションプラン",
    "プラン",
    "dx推進戦略",
    "戦略",
    "行う",
    "上げる",
    "始まる",
    "始める",
    "終わる",
    "実施",
    "予定",
    "見込み",
    "いい",
    "良い",
    "よい",
    "ほしい",
    "欲しい",
    "具体",
    "具体的",
    "的",
    "今後",
    "現在",
    "状況",
    "化",
    "やっ",
    "てる",
    "いく",
    "行く",
    "みる",
    "見せる",
    "説明",
    "詳しい",
    "詳細",
    "ok",
    "つまり",
    "使う",
    "使える",
    "向け",
    "関係",
    "関連",
    "関する",
    "系",
    "など",
    "等",
    "これ",
    "それ",
    "あれ",
    "その",
    "この",
    "続く",
    "続ける",
    "行われる",
    "進める",
    "取り組む",
    "取組む",
];

/// One initiative's texts, prepared once for matching.
struct DocText {
    /// Everything it says, normalised and kana-folded.
    folded: String,
    /// The bigrams of `folded`, packed and sorted (see [`pack`]).
    bigrams: Vec<u64>,
    /// The words of its name (title without brackets, and heading).
    name_terms: Vec<String>,
    /// Its title and heading, normalised and kana-folded.
    name: String,
    /// Each line of its text (items, KPI names), kana-folded: words that stand together.
    lines: Vec<String>,
    /// Its KPI names, kana-folded.
    kpi_names: Vec<String>,
}

/// A word of the question that names its subject.
#[derive(Debug, Clone)]
struct SubjectTerm {
    /// Forms that count as a match (the word, its stem, its synonyms), kana-folded.
    forms: Vec<String>,
    /// The analyzer's term, for the morphological fields (empty for phrases).
    term: String,
    /// Rarity weight.
    weight: f32,
    /// Bigrams of the word itself.
    bigrams: Vec<String>,
}

/// One initiative an outcome is about, with its score.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// The initiative's page.
    pub page: u16,
    /// BM25 relevance times coverage; higher is better.
    pub score: f32,
    /// The share of the question's subject the initiative covers (0–1).
    pub coverage: f32,
}

/// Why a question has no answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "what")]
pub enum NotFoundReason {
    /// The question names nothing to look for.
    NoSubject,
    /// No initiative fits it.
    NoMatch,
    /// It asks for something the plan never states (the string says what: 予算 …).
    NotInPlan(String),
    /// A list filter left nothing.
    EmptyList,
}

/// What the engine understood and found.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The question as asked.
    pub question: String,
    /// What it asks for.
    pub intent: Intent,
    /// True when several initiatives fit equally; `hits` are the candidates.
    pub ambiguous: bool,
    /// The answer's initiatives, best first (for `list`, the whole list in page order).
    pub hits: Vec<Hit>,
    /// Near misses, for `not_found`.
    pub suggestions: Vec<Hit>,
    /// The list filters the question names.
    pub filters: Filters,
    /// The topic words of a topic list (「キャッシュレス」).
    pub topic: Option<String>,
    /// A fiscal year the question mentions.
    pub year: Option<FiscalYear>,
    /// Why nothing was found, for `not_found`.
    pub not_found: Option<NotFoundReason>,
    /// True when a list asks for progress (「デジタル推進課の進捗」): targets with actuals.
    pub progress: bool,
}

impl Outcome {
    /// An outcome about one initiative, for `intent`: what a section button asks for.
    pub fn about(page: u16, intent: Intent) -> Outcome {
        Outcome {
            question: String::new(),
            intent,
            ambiguous: false,
            hits: vec![Hit { page, score: 1.0, coverage: 1.0 }],
            suggestions: Vec::new(),
            filters: Filters::default(),
            topic: None,
            year: None,
            not_found: None,
            progress: false,
        }
    }

    /// The initiative the outcome is about, when it is about exactly one.
    pub fn single_page(&self) -> Option<u16> {
        match self.intent {
            Intent::List | Intent::NotFound => None,
            _ if self.ambiguous => None,
            _ => self.hits.first().map(|h| h.page),
        }
    }
}

/// Synonym rules: a normalised word and the kana-folded forms that also match it.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    rules: Vec<(String, Vec<String>)>,
}

impl Synonyms {
    /// Parses `word<TAB>alt, alt, …` lines; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<Synonyms, String> {
        let mut rules = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((word, alts)) = line.split_once('\t') else {
                return Err(format!("line {}: expected 「語<TAB>言い換え, 言い換え」, found 「{line}」", n + 1));
            };
            let alts: Vec<String> = alts.split([',', '、']).map(fold_kana).filter(|a| !a.is_empty()).collect();
            rules.push((normalize(word.trim()), alts));
        }
        // Longest first, so that phrases win over their parts.
        rules.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        Ok(Synonyms { rules })
    }

    fn alternatives(&self, word: &str) -> Option<&[String]> {
        self.rules.iter().find(|(w, _)| w == word).map(|(_, a)| a.as_slice())
    }
}

/// The question-answering engine over one plan.
pub struct Engine {
    plan: Arc<Plan>,
    analyzer: Analyzer,
    index: PlanIndex,
    synonyms: Synonyms,
    docs: Vec<DocText>,
    by_page: HashMap<u16, usize>,
    stopwords: HashSet<&'static str>,
    /// Words of names and KPIs, for correcting a misspelt question.
    vocabulary: Vec<Vec<char>>,
}

impl Engine {
    /// An engine over a plan and its open index.
    pub fn new(plan: Arc<Plan>, analyzer: Analyzer, index: PlanIndex, synonyms: Synonyms) -> Engine {
        let noise: HashSet<&str> = ["導入", "事業", "推進", "取組", "構築", "活用", "関する", "更新", "整備"].into();
        let docs: Vec<DocText> = plan
            .initiatives
            .iter()
            .map(|i| {
                let mut text = i.full_text();
                text.push_str(&i.department_label());
                let folded = fold_kana(&text);
                let mut bigrams: Vec<u64> = bigrams(&folded).iter().map(|g| pack(g)).collect();
                bigrams.sort_unstable();
                bigrams.dedup();
                let name = format!("{} {}", strip_brackets(&i.title), strip_brackets(&i.heading));
                let mut name_terms: Vec<String> = analyzer
                    .content_terms(&name)
                    .into_iter()
                    .filter(|t| !noise.contains(t.as_str()))
                    .map(|t| fold_kana(&t))
                    .collect();
                name_terms.sort();
                name_terms.dedup();
                let name = fold_kana(&format!("{}\n{}", i.title, i.heading));
                let lines = folded.lines().map(str::to_string).collect();
                let kpi_names = i.kpis.iter().map(|k| fold_kana(&k.name)).collect();
                DocText { folded, bigrams, name_terms, name, lines, kpi_names }
            })
            .collect();
        let by_page = plan.initiatives.iter().enumerate().map(|(n, i)| (i.page, n)).collect();
        let mut vocabulary: Vec<Vec<char>> = docs
            .iter()
            .flat_map(|d: &DocText| d.name_terms.iter().chain(&d.kpi_names))
            .filter(|w| w.chars().count() >= 4)
            .map(|w| w.chars().collect())
            .collect();
        vocabulary.sort();
        vocabulary.dedup();
        Engine {
            plan,
            analyzer,
            index,
            synonyms,
            docs,
            by_page,
            stopwords: STOPWORDS.iter().copied().collect(),
            vocabulary,
        }
    }

    /// The plan served.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
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
        let outcome = self.answer(question, context);
        if matches!(outcome.not_found, Some(NotFoundReason::NoMatch | NotFoundReason::NoSubject))
            && let Some(corrected) = self.correct(question)
        {
            let mut retry = self.answer(&corrected, context);
            if retry.intent != Intent::NotFound {
                tracing::debug!(%corrected, "answered a corrected question");
                retry.question = question.to_string();
                return retry;
            }
        }
        outcome
    }

    /// The question with one word of the plan's vocabulary restored where it is misspelt by
    /// one character (「どこでも窓囗」 → 「どこでも窓口」), or `None`.
    fn correct(&self, question: &str) -> Option<String> {
        let q: Vec<char> = fold_kana(question).chars().collect();
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

    fn answer(&self, question: &str, context: Option<u16>) -> Outcome {
        let parsed = understand::parse(question, &self.plan);
        let searcher = self.index.reader.searcher();
        let subject = self.subject_terms(&parsed, &searcher);
        let mut outcome = Outcome {
            question: question.to_string(),
            intent: parsed.intent.unwrap_or(Intent::Overview),
            ambiguous: false,
            hits: Vec::new(),
            suggestions: Vec::new(),
            filters: parsed.filters.clone(),
            topic: None,
            year: parsed.year,
            not_found: None,
            progress: false,
        };

        if let Some(what) = parsed.unsupported {
            let hits = self.ranked(&subject, &searcher, 40);
            outcome.suggestions = hits.into_iter().filter(|h| h.coverage >= MIN_COVERAGE).take(3).collect();
            return not_found(outcome, NotFoundReason::NotInPlan(what.to_string()));
        }

        // Subject words that only repeat a filter (「キャッシュレス」 of キャッシュレス化) do not
        // make the question about one initiative.
        let residual: Vec<SubjectTerm> =
            subject.iter().filter(|t| !self.repeats_filter(t, &parsed.filters)).cloned().collect();
        let wants_list = parsed.list
            || (parsed.progress && residual.is_empty())
            || (!parsed.filters.is_empty()
                && residual.is_empty()
                && (parsed.intent.is_none()
                    || parsed.filters.year.is_some_and(|y| y.relation != YearRelation::Active)));
        if wants_list {
            return self.list(outcome, &parsed, &residual, &searcher);
        }
        if subject.is_empty() {
            if let (Some(intent), Some(page)) = (parsed.intent, context)
                && self.by_page.contains_key(&page)
            {
                outcome.intent = intent;
                outcome.hits = vec![Hit { page, score: 1.0, coverage: 1.0 }];
                return outcome;
            }
            return not_found(outcome, NotFoundReason::NoSubject);
        }

        let mut hits = self.ranked(&subject, &searcher, 40);
        if let Some(dept) = &parsed.filters.department {
            hits.retain(|h| self.initiative(h.page).is_some_and(|i| i.departments.contains(dept)));
        }
        let best = hits.first().map_or(0.0, |h| h.coverage);
        if best < MIN_COVERAGE {
            outcome.suggestions = hits.into_iter().filter(|h| h.coverage > 0.0).take(3).collect();
            return not_found(outcome, NotFoundReason::NoMatch);
        }
        let tied: Vec<Hit> = hits.iter().filter(|h| h.coverage >= best - TIE).cloned().collect();
        let named: Vec<&Hit> = tied.iter().filter(|h| self.names(&parsed, &subject, h.page)).collect();
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
            outcome.topic = Some(subject.iter().map(|t| t.forms[0].clone()).collect::<Vec<_>>().join(" "));
            return outcome;
        }
        if parsed.intent.is_none() && parsed.progress {
            outcome.intent = Intent::Kpi;
        }
        let Some(top) = outcome.single_page() else {
            return outcome;
        };
        if parsed.intent.is_none() && self.mentions_kpi(&parsed.text, top) {
            outcome.intent = Intent::Kpi;
        }
        if outcome.intent == Intent::Contents && parsed.weak_contents && !self.refers_by_name(&subject, top) {
            outcome.intent = Intent::Overview;
        }
        outcome
    }

    fn initiative(&self, page: u16) -> Option<&Initiative> {
        self.by_page.get(&page).map(|n| &self.plan.initiatives[*n])
    }

    fn list(&self, mut outcome: Outcome, parsed: &Parsed, residual: &[SubjectTerm], searcher: &Searcher) -> Outcome {
        outcome.intent = Intent::List;
        outcome.progress = parsed.progress;
        let f = &parsed.filters;
        let mut pages: Vec<u16> = self
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
                    YearRelation::Active => i.period.contains(y.year),
                })
            })
            .map(|i| i.page)
            .collect();
        if !residual.is_empty() {
            let topical: HashSet<u16> = self
                .ranked(residual, searcher, 500)
                .into_iter()
                .filter(|h| h.coverage >= 1.0 - TIE)
                .map(|h| h.page)
                .collect();
            pages.retain(|p| topical.contains(p));
            outcome.topic = Some(residual.iter().map(|t| t.forms[0].clone()).collect::<Vec<_>>().join(" "));
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
        let word = &term.forms[0];
        filters
            .means
            .and_then(|m| self.plan.means_by_number(m))
            .is_some_and(|m| fold_kana(&m.name).contains(word.as_str()))
            || filters.department.as_ref().is_some_and(|d| fold_kana(d).contains(word.as_str()))
    }

    /// True when the question holds most of the initiative's name.
    fn names(&self, parsed: &Parsed, subject: &[SubjectTerm], page: u16) -> bool {
        let Some(doc) = self.by_page.get(&page).map(|n| &self.docs[*n]) else {
            return false;
        };
        let mut haystack = fold_kana(&parsed.text);
        for t in subject {
            for f in &t.forms {
                haystack.push(' ');
                haystack.push_str(f);
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
    /// KPIs measures: 「書かない窓口の搭載手続数」 asks for the KPI.
    fn mentions_kpi(&self, question: &str, page: u16) -> bool {
        let Some(doc) = self.by_page.get(&page).map(|n| &self.docs[*n]) else {
            return false;
        };
        let q: Vec<char> = fold_kana(question).chars().collect();
        MEASURES.iter().any(|m| {
            let m: Vec<char> = m.chars().collect();
            (1..q.len()).any(|i| {
                q[i..].starts_with(&m) && {
                    let chunk: String = q[i - 1..i + m.len()].iter().collect();
                    doc.kpi_names.iter().any(|k| k.contains(&chunk))
                }
            })
        })
    }

    /// True when the question's subject words are (nearly) all in the initiative's title or
    /// heading: it is referred to by name, if only in part.
    fn refers_by_name(&self, subject: &[SubjectTerm], page: u16) -> bool {
        let Some(doc) = self.by_page.get(&page).map(|n| &self.docs[*n]) else {
            return false;
        };
        let total: f32 = subject.iter().map(|t| t.weight).sum();
        let held: f32 = subject
            .iter()
            .filter(|t| t.forms.iter().any(|f| !f.is_empty() && doc.name.contains(f.as_str())))
            .map(|t| t.weight)
            .sum();
        total > 0.0 && held / total >= 1.0 - TIE
    }

    /// The question's subject words with their match forms and weights.
    fn subject_terms(&self, parsed: &Parsed, searcher: &Searcher) -> Vec<SubjectTerm> {
        let mut rest = parsed.subject_text.clone();
        let mut terms: Vec<SubjectTerm> = Vec::new();
        // Phrases with synonyms first, as the analyzer might split them.
        for (word, alts) in &self.synonyms.rules {
            if word.chars().count() >= 2 && rest.contains(word.as_str()) && !self.stopwords.contains(word.as_str()) {
                let analyzed = self.analyzer.content_terms(word);
                if analyzed.len() > 1 {
                    rest = rest.replace(word.as_str(), "、");
                    terms.push(self.subject_term(word, String::new(), Some(alts), searcher));
                }
            }
        }
        for t in self.analyzer.terms(&rest) {
            if !t.content || self.stopwords.contains(t.text.as_str()) || t.text.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            if terms.iter().any(|s| s.forms[0] == fold_kana(&t.text)) {
                continue;
            }
            let alts = self.synonyms.alternatives(&t.text);
            let mut term = self.subject_term(&t.text, t.text.clone(), alts, searcher);
            if t.pos == "動詞" || t.pos == "形容詞" {
                let chars: Vec<char> = t.text.chars().collect();
                if chars.len() >= 3 {
                    term.forms.push(fold_kana(&chars[..chars.len() - 1].iter().collect::<String>()));
                }
            }
            terms.push(term);
        }
        terms
    }

    fn subject_term(&self, word: &str, term: String, alts: Option<&[String]>, searcher: &Searcher) -> SubjectTerm {
        let folded = fold_kana(word);
        let grams = bigrams(&folded);
        let n = self.plan.initiatives.len().max(1) as f32;
        let field = self.index.fields.body_bigram;
        // The rarest bigram bounds how many initiatives can hold the word.
        let df =
            grams.iter().map(|g| searcher.doc_freq(&Term::from_field_text(field, g)).unwrap_or(0)).min().unwrap_or(0)
                as f32;
        let weight = (1.0 + n / (1.0 + df)).ln().max(0.1);
        let mut forms = vec![folded];
        forms.extend(alts.unwrap_or_default().iter().cloned());
        SubjectTerm { forms, term, weight, bigrams: grams }
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
            if !t.term.is_empty() {
                add(f.title, &t.term, 4.0);
                add(f.body, &t.term, 1.0);
            }
            for g in &t.bigrams {
                add(f.title_bigram, g, 1.0);
                add(f.body_bigram, g, 0.3);
            }
            for alt in t.forms.iter().skip(1) {
                for g in bigrams(alt) {
                    add(f.body_bigram, &g, 0.2);
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
        let mut hits: Vec<Hit> = top
            .into_iter()
            .filter_map(|(score, addr)| {
                let page = self.page_of(searcher, addr)?;
                let doc = &self.docs[*self.by_page.get(&page)?];
                let coverage = coverage(subject, doc);
                Some(Hit { page, score: score * coverage, coverage })
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

/// The weighted share of `subject` that `doc` holds.
fn coverage(subject: &[SubjectTerm], doc: &DocText) -> f32 {
    let total: f32 = subject.iter().map(|t| t.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let held: Vec<&SubjectTerm> = subject.iter().filter(|t| holds(doc, t)).collect();
    let share = held.iter().map(|t| t.weight).sum::<f32>() / total;
    // Words that only meet in different corners of a long text (「職員」 in one section,
    // 「人数」 in another) do not make an answer: at least one must be in the name, or two
    // must stand in one line.
    let scattered = held.len() >= 2
        && !held.iter().any(|t| t.forms.iter().any(|f| !f.is_empty() && doc.name.contains(f.as_str())))
        && !doc.lines.iter().any(|line| {
            held.iter().filter(|t| t.forms.iter().any(|f| !f.is_empty() && line.contains(f.as_str()))).count() >= 2
        });
    if scattered { share * 0.5 } else { share }
}

/// A bigram (or a single character) as one number: two chars side by side.
fn pack(gram: &str) -> u64 {
    let mut chars = gram.chars();
    let a = chars.next().map_or(0, u64::from);
    let b = chars.next().map_or(0, u64::from);
    (a << 32) | b
}

/// True when `a` becomes `b` by at most one substitution, insertion or deletion.
fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => short.iter().zip(long).filter(|(x, y)| x != y).count() <= 1,
        1 => {
            let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
            short[prefix..] == long[prefix + 1..]
        }
        _ => false,
    }
}

fn holds(doc: &DocText, term: &SubjectTerm) -> bool {
    if term.forms.iter().any(|f| !f.is_empty() && doc.folded.contains(f.as_str())) {
        return true;
    }
    // A misspelt or differently written word: most of its bigrams are there.
    let grams = &term.bigrams;
    grams.len() >= 3 && {
        let held = grams.iter().filter(|g| doc.bigrams.binary_search(&pack(g)).is_ok()).count();
        held as f32 / grams.len() as f32 >= 0.66
    }
}

fn not_found(mut outcome: Outcome, reason: NotFoundReason) -> Outcome {
    outcome.intent = Intent::NotFound;
    outcome.ambiguous = false;
    outcome.hits.clear();
    outcome.not_found = Some(reason);
    outcome
}

/// 「どこでも窓口(行政手続のオンライン化)」 → 「どこでも窓口」.
fn strip_brackets(title: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in title.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}
