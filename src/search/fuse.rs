//! The last stage: the engine's evidence (filters, figures, the coverage of the question's
//! words, the intent its cues name) and the learned models' prediction ([`crate::nlu`])
//! make one decision.
//!
//! - What the structure of a question decides stays decided: a list by department, policy,
//!   year …, a filter that narrows the plan to one initiative, a follow-up on the last
//!   initiative, a fact the plan never states (an amount, opening hours).
//! - Otherwise the candidates — the initiative model's first few and the engine's — are
//!   weighed by the ranker ([`crate::nlu::rank`]) on the model's probability, coverage,
//!   whether the question names the initiative or quotes its figure; "the plan does not
//!   answer it" is weighed beside them. The least expected cost decides: answer, offer
//!   candidates, or say not found ([`crate::nlu::calibrate`]).
//! - The intent is the intent model's, with the intent the engine's stages settle on as
//!   evidence (its weight fit on held-out folds).

use serde::Serialize;

use super::facets;
use super::outcome::{Hit, NotFoundReason, Outcome};
use super::understand::{Filters, Intent};
use crate::nlu::rank::{CANDIDATE_FEATURES, Choice, NONE_FEATURES};
use crate::nlu::{Calibration, Decision, Nlu, Prediction};

/// How the engine reached its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// A question about something the plan never states.
    Unsupported,
    /// List filters (or a filter narrowing the plan to one initiative).
    Filters,
    /// A follow-up on the initiative in context.
    Context,
    /// Nothing in it names a subject and nothing is in context (「スケジュールは」 first
    /// thing): there is nothing to weigh.
    NoSubject,
    /// The words of the question and the initiatives' texts.
    Evidence,
}

/// One of the engine's candidates, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The initiative's page.
    pub page: u16,
    /// The share of the question's words its text holds (0–1).
    pub coverage: f32,
    /// True when the question holds most of its name.
    pub named: bool,
    /// How well a figure of the question fits one of its KPIs (0–1).
    pub figure: f32,
    /// True when the question names one of its KPIs' measures (「…の搭載手続数」).
    pub names_kpi: bool,
    /// True when it has a KPI at all.
    pub has_kpi: bool,
    /// Its place in the engine's ranking (BM25 × coverage), if ranked.
    pub rank: Option<usize>,
}

/// What the engine's stages made of a question.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The engine's own decision.
    pub outcome: Outcome,
    /// How it reached it.
    pub basis: Basis,
    /// The intent the cues name (what the models read as a tag).
    pub cue: Option<Intent>,
    /// The single-initiative intent the engine's stages settle on: the cues', else one a
    /// KPI measure the question names implies (「…の施設の数」), else the overview.
    pub engine_intent: Intent,
    /// Its candidates.
    pub candidates: Vec<Candidate>,
    /// The normalised question (the question sentence of a long message).
    pub text: String,
    /// The same, as the models read it (analysed once, with the engine's other stages).
    pub input: crate::nlu::Analysed,
}

/// An initiative belongs to a topic list the models make when the ranker gives it this.
const TOPIC_MEMBER: f32 = 0.1;
/// The model's first few initiatives that become candidates too.
const MODEL_CANDIDATES: usize = 5;

/// The single-initiative intents.
const SINGLE: [Intent; 8] = [
    Intent::Overview,
    Intent::Kpi,
    Intent::Contents,
    Intent::Methods,
    Intent::Effects,
    Intent::Period,
    Intent::Schedule,
    Intent::Department,
];

fn ln(p: f32) -> f32 {
    p.max(1e-4).ln()
}

/// The candidates and "none" of a question, described for the ranker.
pub fn choice(e: &Evidence, p: &Prediction, plan: &crate::plan::Plan) -> Choice {
    let engine_single = e.outcome.single_page();
    let engine_hits: Vec<u16> = match e.outcome.intent {
        Intent::List | Intent::NotFound => Vec::new(),
        _ => e.outcome.hits.iter().map(|h| h.page).collect(),
    };
    let mut pages: Vec<u16> = p.initiatives().take(MODEL_CANDIDATES).map(|(page, _)| page).collect();
    for c in &e.candidates {
        if !pages.contains(&c.page) {
            pages.push(c.page);
        }
    }
    let candidates = pages
        .into_iter()
        .map(|page| {
            let model = p.initiatives().find(|(q, _)| *q == page).map_or(0.0, |(_, v)| v);
            let c = e.candidates.iter().find(|c| c.page == page);
            let mut x = [0.0f32; CANDIDATE_FEATURES];
            x[0] = ln(model);
            x[1] = c.map_or(0.0, |c| c.coverage);
            x[2] = f32::from(u8::from(c.is_some_and(|c| c.named)));
            x[3] = c.map_or(0.0, |c| c.figure);
            x[4] = f32::from(u8::from(engine_single == Some(page)));
            x[5] = f32::from(u8::from(engine_hits.contains(&page)));
            x[6] = c.and_then(|c| c.rank).map_or(0.0, |r| 1.0 / (1.0 + r as f32));
            // A question about targets, and an initiative with none.
            let has_kpi = c.map_or_else(|| plan.initiative(page).is_some_and(|i| !i.kpis.is_empty()), |c| c.has_kpi);
            x[7] = p.intent("kpi") * f32::from(u8::from(!has_kpi));
            x[8] = f32::from(u8::from(c.is_some_and(|c| c.names_kpi)));
            (page, x)
        })
        .collect();
    let mut none = [0.0f32; NONE_FEATURES];
    none[0] = ln(p.none());
    none[1] = ln(p.intent("not_found"));
    none[2] = f32::from(u8::from(e.outcome.not_found == Some(NotFoundReason::NoMatch)));
    none[3] = e.candidates.iter().map(|c| c.coverage).fold(0.0, f32::max);
    none[4] = 1.0;
    none[5] = f32::from(u8::from(e.outcome.not_found == Some(NotFoundReason::NoSubject)));
    Choice { candidates, none }
}

/// The single-initiative intent: the intent model's log-probability, with a weight added
/// to the intent the engine's stages settle on — the cue weight when a cue names it, the
/// implied weight otherwise.
pub fn single_intent(p: &Prediction, e: &Evidence, c: &Calibration) -> Intent {
    let weight = if e.cue == Some(e.engine_intent) { c.cue_weight } else { c.implied_weight };
    SINGLE
        .iter()
        .map(|i| (*i, ln(p.intent(i.as_str())) + if e.engine_intent == *i { weight } else { 0.0 }))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(Intent::Overview, |(i, _)| i)
}

/// The engine's single answer when the question holds that initiative's name and every word
/// of the question is found in it.
fn named(e: &Evidence) -> Option<u16> {
    let page = e.outcome.single_page()?;
    e.candidates.iter().any(|c| c.page == page && c.named && c.coverage >= 0.99).then_some(page)
}

/// The other initiatives a question fits exactly as well as `page` by what the plan says:
/// it names a KPI measure or quotes a figure that both have alike (「搭載手続数の目標」 when
/// two initiatives count 搭載手続数 with the same targets), both hold all its words, and it
/// names both alike (a KPI's measure counts as naming its initiative). The plan cannot tell
/// them apart, so neither can an answer: they are offered together, in the ranker's order.
fn twins(e: &Evidence, page: u16, ranked: &[(u16, f32)]) -> Vec<u16> {
    let Some(answered) = e.candidates.iter().find(|c| c.page == page) else { return Vec::new() };
    let by_kpi = answered.names_kpi || answered.figure > 0.0;
    if !by_kpi || answered.coverage < 0.99 {
        return Vec::new();
    }
    let alike = |c: &&Candidate| {
        c.page != page
            && c.named == answered.named
            && c.coverage >= 0.99
            && c.names_kpi == answered.names_kpi
            && (c.figure - answered.figure).abs() < 1e-3
    };
    let mut out: Vec<u16> = e.candidates.iter().filter(alike).map(|c| c.page).collect();
    out.sort_by_key(|p| ranked.iter().position(|(r, _)| r == p).unwrap_or(usize::MAX));
    out.dedup();
    out
}

/// True when the ranker and the thresholds decide the question (not its structure).
pub fn weighed(e: &Evidence, p: &Prediction) -> bool {
    e.basis == Basis::Evidence
        && !(e.outcome.intent == Intent::List && p.intents.first().is_some_and(|(i, _)| i == "list"))
}

/// What the last stage decided.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The intent answered.
    pub intent: Intent,
    /// Answer, candidates, a list or not found.
    pub decision: Decision,
    /// The ranker's candidates, highest first (empty where the structure decided).
    pub ranked: Vec<(u16, f32)>,
    /// The ranker's probability of "none".
    pub none: f32,
    /// For a list the models read filters in: those filters.
    pub filters: Option<Filters>,
    /// For a list the models read a topic in (「子育て関係の取組全部」): true.
    pub topic: bool,
}

impl Decided {
    fn new(intent: Intent, decision: Decision, ranked: Vec<(u16, f32)>, none: f32) -> Decided {
        Decided { intent, decision, ranked, none, filters: None, topic: false }
    }
}

/// The whole decision: the intent, what to answer, the ranker's candidates and the
/// probability of "none".
pub fn decide(e: &Evidence, p: &Prediction, c: &Calibration, plan: &crate::plan::Plan) -> Decided {
    if let Some(list) = learned_list(e, p, c, plan) {
        return list;
    }
    let engine = || match e.outcome.intent {
        Intent::List => Decided::new(Intent::List, Decision::List(Vec::new()), Vec::new(), 0.0),
        Intent::NotFound => Decided::new(Intent::NotFound, Decision::NotFound, Vec::new(), 1.0),
        intent => match e.outcome.single_page() {
            Some(page) => Decided::new(intent, Decision::Answer(page), vec![(page, 1.0)], 0.0),
            None => Decided::new(
                intent,
                Decision::Candidates(e.outcome.hits.iter().map(|h| h.page).collect()),
                Vec::new(),
                0.0,
            ),
        },
    };
    if !weighed(e, p) {
        return engine();
    }
    // A question that holds an initiative's name, all of whose words that initiative holds,
    // is about it: the models only say what it asks — unless what it asks is what the plan
    // never states (「ゆーバスでSuicaが使えるのは何月から」), which the ranker weighs.
    let asks_unstated = p.intents.first().is_some_and(|(i, _)| i == "not_found");
    if let Some(page) = named(e).filter(|_| !asks_unstated) {
        return Decided::new(single_intent(p, e, c), Decision::Answer(page), vec![(page, 1.0)], 0.0);
    }
    let (ranked, none) = c.ranker.probabilities(&choice(e, p, plan));
    // A question the intent model takes for a list that the engine's filters did not make
    // one (「介護まわりの取組まとめて」): the initiatives the ranker finds likely.
    if p.intents.first().is_some_and(|(i, v)| i == "list" && *v >= 0.5) {
        let pages: Vec<u16> = ranked.iter().filter(|(_, v)| *v >= TOPIC_MEMBER).map(|(page, _)| *page).collect();
        if pages.len() >= 2 {
            return Decided::new(Intent::List, Decision::List(pages), ranked, none);
        }
    }
    let decision = match c.thresholds.decide(&ranked, none) {
        Decision::Answer(page) => match twins(e, page, &ranked) {
            twins if twins.is_empty() => Decision::Answer(page),
            twins => Decision::Candidates(std::iter::once(page).chain(twins).collect()),
        },
        decision => decision,
    };
    let intent = match decision {
        Decision::NotFound => Intent::NotFound,
        _ => single_intent(p, e, c),
    };
    Decided::new(intent, decision, ranked, none)
}

/// A question the intent model takes for a list, whose filters the facet and value models
/// read beyond what its structure names ([`facets::learned`]): the list those filters
/// select (narrowed by the topic the engine's list was, if any). `None` when the models add
/// nothing to the structure's reading, or the question is no list.
fn learned_list(e: &Evidence, p: &Prediction, c: &Calibration, plan: &crate::plan::Plan) -> Option<Decided> {
    let is_list = p.intents.first().is_some_and(|(i, v)| i == "list" && *v >= facets::SURE);
    // A question that names an initiative — by its name, or by a figure of its KPIs
    // (「1,700時間の削減目標がある取組はいつから」) — asks about that one.
    let names_one = named(e).is_some() || e.candidates.iter().any(|c| c.figure > 0.0);
    if !is_list || matches!(e.basis, Basis::Unsupported | Basis::Context) || names_one {
        return None;
    }
    // A cue that asks something of one initiative (「内容を教えて」) outweighs the list as it
    // does any other intent: by the cue weight fit on held-out folds.
    if let Some(cue) = e.cue.filter(|i| SINGLE.contains(i))
        && ln(p.intent(cue.as_str())) + c.cue_weight > ln(p.intent("list"))
    {
        return None;
    }
    let filters = facets::learned(&e.outcome.filters, e.outcome.year, &e.text, p, plan);
    // 「全部の取組を並べて」: every initiative, whatever other words the question has
    // (「最初から最後まで」「名前も」), when no filter narrows it.
    let everything = filters.is_empty() && p.facets.first().is_some_and(|(f, v)| f == "all" && *v >= facets::SURE);
    if everything {
        if e.outcome.intent == Intent::List && e.outcome.topic.is_none() {
            return None;
        }
        let pages = facets::select(plan, &filters, Intent::List);
        return Some(Decided {
            filters: Some(filters),
            ..Decided::new(Intent::List, Decision::List(pages), Vec::new(), 0.0)
        });
    }
    // 「子育て関係の取組全部」: the initiatives the initiative model finds likely, with those
    // that hold every word of the question, unless the engine's own topic list has some.
    let topic = filters.is_empty() && p.facets.first().is_some_and(|(f, v)| f == "topic" && *v >= facets::SURE);
    let engine_listed = e.outcome.intent == Intent::List && !e.outcome.hits.is_empty();
    if topic && !engine_listed {
        let mut pages: Vec<u16> = p.initiatives().filter(|(_, v)| *v >= TOPIC_MEMBER).map(|(page, _)| page).collect();
        pages.extend(e.candidates.iter().filter(|c| c.coverage >= 0.99).map(|c| c.page));
        pages.sort_unstable();
        pages.dedup();
        if pages.len() >= 2 {
            let list = Decided::new(Intent::List, Decision::List(pages), Vec::new(), 0.0);
            return Some(Decided { filters: Some(filters), topic: true, ..list });
        }
    }
    // What the structure's reading made a list of already stays the engine's.
    if filters.is_empty() || (filters == e.outcome.filters && e.outcome.intent == Intent::List) {
        return None;
    }
    let mut pages = facets::select(plan, &filters, Intent::List);
    // The topic of the engine's list narrows it still when the engine found filters besides
    // (「介護の取組で令和9年度から始まるもの」); a list of words alone (「構築の段階のもの」)
    // was the engine reading the facet's words as a topic.
    let topical = e.outcome.intent == Intent::List && e.outcome.topic.is_some() && !e.outcome.filters.is_empty();
    if topical {
        pages.retain(|page| e.outcome.hits.iter().any(|h| h.page == *page));
    }
    // Filters that leave one initiative, in a question whose cue asks something of one
    // (「財政課が令和6年度から進めてる取組の中身」): that initiative, as the engine's own
    // filters do.
    if let ([page], Some(cue)) = (pages.as_slice(), e.cue)
        && !matches!(cue, Intent::List | Intent::NotFound)
    {
        return Some(Decided::new(single_intent(p, e, c), Decision::Answer(*page), vec![(*page, 1.0)], 0.0));
    }
    Some(Decided { filters: Some(filters), ..Decided::new(Intent::List, Decision::List(pages), Vec::new(), 0.0) })
}

/// The outcome of the whole decision.
pub fn fuse(e: &Evidence, p: &Prediction, decided: Decided) -> Outcome {
    let Decided { intent, decision, ranked, filters, topic, .. } = decided;
    if let Some(filters) = filters {
        return learned_list_outcome(e, filters, decision, topic);
    }
    let hit = |page: u16| Hit {
        page,
        score: ranked.iter().find(|(q, _)| *q == page).map_or(0.0, |(_, v)| *v),
        coverage: e.candidates.iter().find(|c| c.page == page).map_or(0.0, |c| c.coverage),
    };
    let mut out = e.outcome.clone();
    match decision {
        _ if !weighed(e, p) => return out,
        Decision::List(pages) => {
            let mut pages = pages;
            pages.sort();
            out.intent = Intent::List;
            out.ambiguous = false;
            out.hits = pages.into_iter().map(|page| Hit { page, score: 1.0, coverage: 1.0 }).collect();
            out.topic = Some(e.text.clone());
            out.not_found = None;
            out.suggestions.clear();
            return out;
        }
        Decision::Answer(page) => {
            out.intent = intent;
            out.ambiguous = false;
            out.hits = vec![hit(page)];
        }
        Decision::Candidates(pages) => {
            out.intent = intent;
            out.ambiguous = true;
            out.hits = pages.into_iter().map(hit).collect();
        }
        Decision::NotFound => {
            out.intent = Intent::NotFound;
            out.ambiguous = false;
            out.hits.clear();
            out.suggestions = crate::nlu::calibrate::suggestions(&ranked).map(hit).collect();
            out.not_found = Some(NotFoundReason::NoMatch);
            return out;
        }
    }
    out.not_found = None;
    out.suggestions.clear();
    out.topic = None;
    out
}

/// The outcome of a list whose filters the models read.
fn learned_list_outcome(e: &Evidence, filters: Filters, decision: Decision, topic: bool) -> Outcome {
    let mut out = e.outcome.clone();
    let pages = match decision {
        Decision::List(pages) => pages,
        _ => Vec::new(),
    };
    if topic {
        out.topic = Some(e.outcome.topic.clone().unwrap_or_else(|| e.text.clone()));
    } else if e.outcome.intent != Intent::List || filters.is_empty() || e.outcome.filters.is_empty() {
        out.topic = None;
    }
    out.filters = filters;
    out.ambiguous = false;
    out.suggestions.clear();
    if pages.is_empty() {
        out.intent = Intent::NotFound;
        out.hits.clear();
        out.not_found = Some(NotFoundReason::EmptyList);
        return out;
    }
    out.intent = Intent::List;
    out.not_found = None;
    out.hits = pages.into_iter().map(|page| Hit { page, score: 1.0, coverage: 1.0 }).collect();
    out
}

/// What the models made of a question, for `--explain`.
#[derive(Debug, Clone, Serialize)]
pub struct ModelView {
    /// The intent model's first intents with their probabilities.
    pub intents: Vec<(String, f32)>,
    /// The initiative model's first initiatives (`None`: out of plan).
    pub pages: Vec<(Option<u16>, f32)>,
    /// The probability that the plan does not answer it, by either model.
    pub outside: f32,
    /// The ranker's candidates and the probability of "none".
    pub ranked: Vec<(u16, f32)>,
    /// The ranker's "none".
    pub none: f32,
    /// For a list question: the facet model's first facets.
    pub facets: Vec<(String, f32)>,
    /// The facets whose own yes-or-no models are likeliest.
    pub each_facet: Vec<(String, f32)>,
    /// The value model's first values.
    pub values: Vec<(String, f32)>,
    /// The decision, and at which thresholds.
    pub decision: String,
}

/// The models' view of a question.
pub fn explain(e: &Evidence, p: &Prediction, nlu: &Nlu, decided: &Decided) -> ModelView {
    let Decided { intent, decision, ranked, none, filters, .. } = decided;
    let t = nlu.calibration.thresholds;
    ModelView {
        intents: p.intents.iter().take(4).cloned().collect(),
        pages: p.pages.iter().take(5).copied().collect(),
        outside: p.outside(),
        ranked: ranked.iter().take(5).copied().collect(),
        none: *none,
        facets: p.facets.iter().take(3).cloned().collect(),
        each_facet: p.each_facet.iter().take(3).cloned().collect(),
        values: p.values.iter().take(3).cloned().collect(),
        decision: format!(
            "{} {decision:?} (the least expected cost at temperature {:.2}; {})",
            intent.as_str(),
            t.temperature,
            if filters.is_some() {
                "a list by the filters the models read"
            } else if weighed(e, p) {
                "weighed by the ranker"
            } else {
                "decided by the question's structure"
            }
        ),
    }
}
