//! Understanding learned from examples: the corpus of people's questions
//! ([`corpus`], `data/nlu/`), their features ([`features`]), two linear classifiers trained
//! from the corpus and the plan's own text ([`model`]) — one for the intent, one for the
//! initiative, with "the plan does not answer this" a class of its own — and the decision
//! they make, with thresholds fit on held-out folds ([`calibrate`], [`crossval`]).
//!
//! Knows the plan's text and the corpus; nothing of the search index, the analyzer (the
//! caller analyses text and hands in [`features::Analysed`]) or any channel.

pub mod calibrate;
pub mod corpus;
pub mod crossval;
pub mod features;
pub mod model;
pub mod rank;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::plan::Plan;
pub use calibrate::{Calibration, Decision, Thresholds};
pub use corpus::{Example, Target};
pub use features::Analysed;
use model::{Linear, Training};

/// The intent model's L2 weight decay.
const INTENT_L2: f32 = 1e-4;

/// The class of the initiative model for "the plan does not answer it".
pub const NONE: &str = "none";

/// What a list question may filter by: the facets of the corpus's list targets
/// (`list:FACET[=VALUE]`), each a class of the facet model.
pub const FACETS: [&str; 15] = [
    "department",
    "policy",
    "means",
    "year-starts",
    "year-ends",
    "year-runs",
    "single-year",
    "has-kpi",
    "no-kpi",
    "stage",
    "oldest",
    "newest",
    "constant-targets",
    "topic",
    "all",
];

/// The facets whose value the value model picks (a department, a basic policy, a basic
/// means, a schedule stage); a year is read from the question, never guessed.
pub const VALUED: [&str; 4] = ["department", "policy", "means", "stage"];

/// The trained understanding: the intent and initiative models and the decision's
/// thresholds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Nlu {
    intents: Linear,
    pages: Linear,
    /// What a list question filters by ([`FACETS`]): which one most.
    facets: Linear,
    /// The same, one yes-or-no model a facet (in the order of [`FACETS`]): whether it
    /// filters by this one too, as sure as its own evidence and not a share of one total
    /// (「デジ推の取組でKPIがないもの」 filters by two).
    each_facet: Vec<Linear>,
    /// Which department, basic policy, basic means or stage it names (`department=総務課`,
    /// `policy=2`, `means=オンライン化`, `stage=構築`), learned from the list questions
    /// and from the plan's texts of each.
    values: Linear,
    /// The ranker, thresholds and cue weight, fit on held-out folds of the corpus
    /// (`data/nlu/calibration.json`).
    pub calibration: Calibration,
}

/// What the models make of a question.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Prediction {
    /// Intents by probability, highest first.
    pub intents: Vec<(String, f32)>,
    /// Initiatives by probability, highest first; `None` is "the plan does not answer it".
    pub pages: Vec<(Option<u16>, f32)>,
    /// For a list question, what it filters by ([`FACETS`]), highest first.
    pub facets: Vec<(String, f32)>,
    /// Each facet by the probability of its own yes-or-no model (these do not sum to one:
    /// a question that filters by two makes both sure), highest first.
    pub each_facet: Vec<(String, f32)>,
    /// The values it names (`department=総務課` …), highest first.
    pub values: Vec<(String, f32)>,
}

impl Prediction {
    /// The probability that the plan does not answer it.
    pub fn none(&self) -> f32 {
        self.pages.iter().find(|(p, _)| p.is_none()).map_or(0.0, |(_, v)| *v)
    }

    /// The probability that the plan does not answer it, by either model: the initiative
    /// model's "none", or the intent model's `not_found` (a question about a covered topic
    /// asking what the plan never states: a fee, opening hours).
    pub fn outside(&self) -> f32 {
        self.none().max(self.intent("not_found"))
    }

    /// The initiatives only (not "none"), highest first, their probabilities scaled so that
    /// with [`Prediction::outside`] they sum to one.
    pub fn initiatives(&self) -> impl Iterator<Item = (u16, f32)> + '_ {
        let inside = (1.0 - self.none()).max(1e-6);
        let scale = (1.0 - self.outside()) / inside;
        self.pages.iter().filter_map(move |(p, v)| p.map(|p| (p, *v * scale)))
    }

    /// The probability of an intent.
    pub fn intent(&self, name: &str) -> f32 {
        self.intents.iter().find(|(n, _)| n == name).map_or(0.0, |(_, v)| *v)
    }

    /// The likeliest value of a valued facet (`department` → 「総務課」), with its share of
    /// that facet's probability.
    pub fn value(&self, facet: &str) -> Option<(&str, f32)> {
        let prefix = format!("{facet}=");
        let of_facet = || self.values.iter().filter_map(|(c, v)| c.strip_prefix(&prefix).map(|name| (name, *v)));
        let total: f32 = of_facet().map(|(_, v)| v).sum();
        let (name, v) = of_facet().next()?;
        Some((name, v / total.max(1e-6)))
    }
}

/// A training example: the analysed question and its labels.
pub struct Labelled {
    /// Its features for the initiative model.
    pub features: Vec<u64>,
    /// Its features for the intent model.
    pub intent_features: Vec<u64>,
    /// Its intent (`None` for plan texts, which train only the initiative model).
    pub intent: Option<String>,
    /// Its initiative class: a page, [`NONE`], or `None` for a list question (which trains
    /// only the intent model).
    pub page: Option<String>,
    /// For a list question, what it filters by (two for a combined one).
    pub facets: Vec<String>,
    /// The values it names, as the value model's classes (`department=総務課`); a plan text
    /// names its initiative's department, basic policy and basic means.
    pub values: Vec<String>,
}

impl Labelled {
    /// A corpus example.
    pub fn example(e: &Example, analysed: &Analysed) -> Labelled {
        let page = match &e.target {
            Target::Page(p) => Some(p.to_string()),
            // A question about an initiative's topic that asks what the plan never states
            // teaches the initiative model its topic; the intent model, that it is not answered.
            Target::None => Some(e.topic.map_or_else(|| NONE.to_string(), |p| p.to_string())),
            Target::List(_) => None,
        };
        let (facets, values) = match &e.target {
            Target::List(target) => list_labels(target),
            _ => (Vec::new(), Vec::new()),
        };
        Labelled {
            features: features::extract(analysed),
            intent_features: features::extract_intent(analysed),
            intent: Some(e.intent.clone()),
            page,
            facets,
            values,
        }
    }
}

/// The facets and values of a list target: `department=総務課` → ([department],
/// [department=総務課]); `combined=department+no-kpi` → ([department, no-kpi], []);
/// `topic=介護` → ([topic], []) (a topic is any words, not a class).
pub fn list_labels(target: &str) -> (Vec<String>, Vec<String>) {
    let (facet, value) = target.split_once('=').unwrap_or((target, ""));
    if facet == "combined" {
        return (value.split('+').filter(|f| FACETS.contains(f)).map(str::to_string).collect(), Vec::new());
    }
    let facets = FACETS.contains(&facet).then(|| facet.to_string()).into_iter().collect();
    let values = (VALUED.contains(&facet) && !value.is_empty()).then(|| target.to_string()).into_iter().collect();
    (facets, values)
}

/// The plan's own texts as examples of their initiative: titles and headings (also as
/// examples of the overview intent), departments with the title, each bullet of 内容,
/// 具体的方法 and 期待する効果, KPI names, schedule rows.
pub fn plan_examples(plan: &Plan, analyse: &dyn Fn(&str) -> Analysed) -> Vec<Labelled> {
    let mut out = Vec::new();
    for i in &plan.initiatives {
        let page = Some(i.page.to_string());
        // What the initiative's texts say of its department, basic policy and basic means.
        let values: Vec<String> = i
            .departments
            .iter()
            .map(|d| format!("department={d}"))
            .chain(std::iter::once(format!("policy={}", i.policy)))
            .chain(
                i.means
                    .iter()
                    .filter_map(|m| plan.means.iter().find(|x| x.number == *m))
                    .map(|m| format!("means={}", m.name)),
            )
            .collect();
        let mut add = |text: &str, intent: Option<&str>| {
            if !text.trim().is_empty() {
                let a = analyse(text);
                out.push(Labelled {
                    features: features::extract(&a),
                    intent_features: features::extract_intent(&a),
                    intent: intent.map(str::to_string),
                    page: page.clone(),
                    facets: Vec::new(),
                    values: values.clone(),
                });
            }
        };
        add(&i.title, Some("overview"));
        if i.heading != i.title {
            add(&i.heading, Some("overview"));
        }
        add(&format!("{} {}", i.department_label(), i.title), None);
        for text in i.contents.iter().chain(&i.methods).chain(&i.effects) {
            add(text, None);
        }
        for k in &i.kpis {
            add(&k.name, None);
        }
        for row in &i.schedule {
            let cells: Vec<&str> = row.cells.iter().map(|(_, c)| c.as_str()).collect();
            add(&format!("{} {}", row.label, cells.join(" ")), None);
        }
    }
    // The names of what lists are filtered by, as examples of their value.
    let mut named = |text: &str, value: String| {
        let a = analyse(text);
        out.push(Labelled {
            features: features::extract(&a),
            intent_features: features::extract_intent(&a),
            intent: None,
            page: None,
            facets: Vec::new(),
            values: vec![value],
        });
    };
    for d in plan.departments() {
        named(d, format!("department={d}"));
    }
    for p in &plan.policies {
        named(&p.title, format!("policy={}", p.number));
    }
    for m in &plan.means {
        named(&format!("{} {}", m.name, m.description), format!("means={}", m.name));
    }
    // The schedules' words (「構築」「運用」): what a stage is called.
    let stages: std::collections::BTreeSet<&str> = plan
        .initiatives
        .iter()
        .flat_map(|i| &i.schedule)
        .flat_map(|row| row.cells.iter().map(|(_, cell)| cell.as_str()))
        .flat_map(|cell| cell.split(['・', '、', '/', ' ', '　', '(', ')', '（', '）']))
        .filter(|w| w.chars().count() >= 2)
        .collect();
    for word in stages {
        named(word, format!("stage={word}"));
    }
    out
}

/// Each example's features and class for one model (`pick` says which); those without a
/// label for it are left out.
fn classed<'a>(
    examples: &[&'a Labelled],
    classes: &[String],
    pick: impl Fn(&'a Labelled) -> (&'a Vec<u64>, &'a Option<String>),
) -> Vec<(Vec<u64>, usize)> {
    examples
        .iter()
        .filter_map(|e| {
            let (features, label) = pick(e);
            let y = classes.iter().position(|c| Some(c) == label.as_ref())?;
            Some((features.clone(), y))
        })
        .collect()
}

/// Like [`classed`], for labels of which an example may have several (an example a row
/// for each).
fn multi_classed<'a>(
    examples: &[&'a Labelled],
    classes: &[String],
    pick: impl Fn(&'a Labelled) -> (&'a Vec<u64>, &'a Vec<String>),
) -> Vec<(Vec<u64>, usize)> {
    let mut out = Vec::new();
    for e in examples {
        let (features, labels) = pick(e);
        for label in labels {
            if let Some(y) = classes.iter().position(|c| c == label) {
                out.push((features.clone(), y));
            }
        }
    }
    out
}

/// The value model's classes: every department, basic policy and basic means of the plan,
/// and every value the examples name (schedule stages), sorted.
fn value_classes(examples: &[&Labelled], plan: &Plan) -> Vec<String> {
    let mut classes: std::collections::BTreeSet<String> = plan
        .departments()
        .into_iter()
        .map(|d| format!("department={d}"))
        .chain(plan.policies.iter().map(|p| format!("policy={}", p.number)))
        .chain(plan.means.iter().map(|m| format!("means={}", m.name)))
        .collect();
    classes.extend(examples.iter().flat_map(|e| e.values.iter().cloned()));
    classes.into_iter().collect()
}

impl Nlu {
    /// Trains the models on `examples` (no calibration: the thresholds are the defaults).
    pub fn fit(examples: &[&Labelled], plan: &Plan, training: Training) -> Nlu {
        let intent_classes: Vec<String> = corpus::INTENTS.iter().map(|s| s.to_string()).collect();
        let mut page_classes: Vec<String> = plan.initiatives.iter().map(|i| i.page.to_string()).collect();
        page_classes.push(NONE.to_string());
        let intent_data = classed(examples, &intent_classes, |e| (&e.intent_features, &e.intent));
        let page_data = classed(examples, &page_classes, |e| (&e.features, &e.page));
        let facet_classes: Vec<String> = FACETS.iter().map(|s| s.to_string()).collect();
        let facet_data = multi_classed(examples, &facet_classes, |e| (&e.features, &e.facets));
        // Each facet's yes-or-no model learns from the list questions: those that filter by
        // it, and those that do not.
        let lists: Vec<&Labelled> = examples.iter().copied().filter(|e| !e.facets.is_empty()).collect();
        let each_facet = FACETS
            .iter()
            .map(|facet| {
                let data: Vec<(Vec<u64>, usize)> = lists
                    .iter()
                    .map(|e| (e.features.clone(), usize::from(e.facets.iter().any(|f| f == facet))))
                    .collect();
                Linear::train(vec![format!("not {facet}"), facet.to_string()], &data, training)
            })
            .collect();
        let value_classes = value_classes(examples, plan);
        let value_data = multi_classed(examples, &value_classes, |e| (&e.features, &e.values));
        Nlu {
            // The intent model is held back harder: an initiative's name says nothing of
            // what is asked about it, and must not learn to.
            intents: Linear::train(intent_classes, &intent_data, Training { l2: INTENT_L2, ..training }),
            pages: Linear::train(page_classes, &page_data, training),
            facets: Linear::train(facet_classes, &facet_data, training),
            each_facet,
            values: Linear::train(value_classes, &value_data, training),
            calibration: Calibration::default(),
        }
    }

    /// Trains on the corpus and the plan's texts, with a calibration fit earlier. `question`
    /// analyses a question as it is read when asked (with the evidence of the engine's
    /// stages: the same features the cross-validation trains on and a question meets when
    /// served); `text`, a text of the plan.
    pub fn train(
        plan: &Plan,
        corpus: &[Example],
        question: &(dyn Fn(&str) -> Analysed + Sync),
        text: &dyn Fn(&str) -> Analysed,
        calibration: Calibration,
    ) -> Nlu {
        // Reading each question with the search is most of a training's time; the questions
        // are independent, and the order is kept (the same model as on one thread).
        let labelled: Vec<Labelled> = corpus.par_iter().map(|e| Labelled::example(e, &question(&e.question))).collect();
        let plan_texts = plan_examples(plan, text);
        let all: Vec<&Labelled> = labelled.iter().chain(&plan_texts).collect();
        let mut nlu = Nlu::fit(&all, plan, Training::default());
        nlu.calibration = calibration;
        nlu
    }

    /// What the models make of an analysed question.
    pub fn predict(&self, analysed: &Analysed) -> Prediction {
        self.predict_features(&features::extract(analysed), &features::extract_intent(analysed))
    }

    /// What the models make of a question's features (the initiative model's, the intent
    /// model's).
    pub fn predict_features(&self, f: &[u64], intent_features: &[u64]) -> Prediction {
        let intents: Vec<(String, f32)> = self
            .intents
            .ranked(intent_features)
            .into_iter()
            .map(|(c, p)| (self.intents.classes[c].clone(), p))
            .collect();
        let pages =
            self.pages.ranked(f).into_iter().map(|(c, p)| (self.pages.classes[c].parse::<u16>().ok(), p)).collect();
        let named = |model: &Linear| -> Vec<(String, f32)> {
            model.ranked(f).into_iter().map(|(c, p)| (model.classes[c].clone(), p)).collect()
        };
        // Fifteen small models more a question: asked only of one the intent model takes
        // for a list, the only kind whose filters they add to (`search::facets::learned`).
        let is_list = intents.first().is_some_and(|(i, _)| i == "list");
        let mut each_facet: Vec<(String, f32)> = if is_list {
            self.each_facet.iter().map(|m| (m.classes[1].clone(), m.probabilities(f)[1])).collect()
        } else {
            Vec::new()
        };
        each_facet.sort_by(|a, b| b.1.total_cmp(&a.1));
        Prediction { intents, pages, facets: named(&self.facets), each_facet, values: named(&self.values) }
    }
}
