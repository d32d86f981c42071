//! Grouped k-fold cross-validation of the corpus: questions that are near copies of each
//! other (character-trigram Jaccard ≥ 0.5, the same target) stay in one fold, so no
//! paraphrase of a held-out question trains the model that is scored on it.
//!
//! The models are trained without the fold; the ranker and the thresholds are fit on the
//! other folds' held-out predictions (nested), so every figure is of questions the whole
//! decision never saw.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::calibrate::{self, Calibration, Decision};
use super::corpus::{Example, Target, jaccard, trigrams};
use super::rank::{Choice, Ranker};
use super::{Labelled, Nlu, Prediction};
use crate::plan::Plan;

/// The number of folds.
pub const K: usize = 5;
/// Near copies at or above this trigram Jaccard are grouped.
pub const NEAR_COPY: f32 = 0.5;

/// The fold of each example.
pub fn folds(corpus: &[Example], k: usize) -> Vec<usize> {
    let grams: Vec<_> = corpus.iter().map(|e| trigrams(&e.question)).collect();
    let mut parent: Vec<usize> = (0..corpus.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut by_target: BTreeMap<&Target, Vec<usize>> = BTreeMap::new();
    for (i, e) in corpus.iter().enumerate() {
        by_target.entry(&e.target).or_default().push(i);
    }
    for members in by_target.values() {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                if jaccard(&grams[i], &grams[j]) >= NEAR_COPY {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    // Groups are dealt to the folds in turn within each target, so every target is spread
    // over the folds; each target starts at a fold its name picks, so that a question more
    // (taught, read last) leaves every other question in its fold.
    let mut fold_of_group: BTreeMap<usize, usize> = BTreeMap::new();
    let mut next_per_target: BTreeMap<&Target, usize> = BTreeMap::new();
    (0..corpus.len())
        .map(|i| {
            let g = root(&mut parent, i);
            *fold_of_group.entry(g).or_insert_with(|| {
                let n = next_per_target.entry(&corpus[i].target).or_insert_with(|| start_fold(&corpus[i].target, k));
                let f = *n % k;
                *n += 1;
                f
            })
        })
        .collect()
}

/// The fold a target's first group goes to.
fn start_fold(target: &Target, k: usize) -> usize {
    let name = match target {
        Target::Page(p) => p.to_string(),
        Target::List(f) => format!("list:{f}"),
        Target::None => "none".to_string(),
    };
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    (h % k.max(1) as u64) as usize
}

/// Predictions for every corpus example by models trained without its fold (and with the
/// plan's texts).
pub fn out_of_fold(labelled: &[Labelled], plan_texts: &[Labelled], folds: &[usize], plan: &Plan) -> Vec<Prediction> {
    let k = folds.iter().max().map_or(1, |m| m + 1);
    // The folds on every core (each model is fit as on one thread: the same figures).
    let per_fold: Vec<Vec<(usize, Prediction)>> = (0..k)
        .into_par_iter()
        .map(|fold| {
            let train: Vec<&Labelled> =
                labelled.iter().zip(folds).filter(|(_, f)| **f != fold).map(|(l, _)| l).chain(plan_texts).collect();
            let nlu = Nlu::fit(&train, plan, super::model::Training::default());
            labelled
                .iter()
                .enumerate()
                .filter(|(i, _)| folds[*i] == fold)
                .map(|(i, l)| (i, nlu.predict_features(&l.features, &l.intent_features)))
                .collect()
        })
        .collect();
    let mut out: Vec<Option<Prediction>> = vec![None; labelled.len()];
    for (i, p) in per_fold.into_iter().flatten() {
        out[i] = Some(p);
    }
    out.into_iter().map(Option::unwrap_or_default).collect()
}

/// What the whole decision made of one question: its intent, the decision, and the
/// ranked candidates.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The intent answered (`not_found` when nothing is).
    pub intent: String,
    /// Answer, candidates, list or not found.
    pub decision: Decision,
    /// The ranker's candidates, highest first.
    pub ranked: Vec<(u16, f32)>,
    /// For a list, the filters it was made by, as the corpus labels them
    /// (`department=総務課`, `year-ends=2026`).
    pub facets: Vec<String>,
    /// For a list, whether words of the question narrowed it (a topic).
    pub topic: bool,
}

/// What the caller (the search side) supplies: the ranker's choice of a question given the
/// models' prediction, and the whole decision.
pub trait System {
    /// The candidates and "none" of example `i`, described.
    fn choice(&self, i: usize, p: &Prediction) -> Choice;
    /// The intent the engine's stages settle on, and whether a cue names it (or it is only
    /// implied).
    fn cue(&self, i: usize) -> Option<(String, bool)>;
    /// True when the ranker and the thresholds decide example `i` (not its structure).
    fn weighed(&self, i: usize, p: &Prediction) -> bool;
    /// The whole decision for example `i`.
    fn verdict(&self, i: usize, p: &Prediction, c: &Calibration) -> Verdict;
}

/// The cross-validated figures of the corpus, overall and per style.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct Figures {
    /// Questions scored.
    pub questions: usize,
    /// Share whose intent is right (lists and not-found included).
    pub intent_accuracy: f32,
    /// Share of single-initiative questions whose top candidate is right.
    pub initiative_top1: f32,
    /// Share of single-initiative questions answered with the right card.
    pub answered_right: f32,
    /// Share of single-initiative questions offered candidates that hold the right one.
    pub offered_right: f32,
    /// Share of single-initiative questions told the plan has nothing.
    pub false_not_found: f32,
    /// Share of single-initiative questions answered with a wrong card (or a list).
    pub wrong_card: f32,
    /// Share of out-of-plan questions answered with a card (or a list).
    pub out_of_plan_answered: f32,
    /// Share of out-of-plan questions told the plan has nothing.
    pub out_of_plan_refused: f32,
    /// Share of list questions answered with a list.
    pub list_answered: f32,
    /// Share of list questions answered with the list they ask for: made by the same
    /// facets, with the same values where the question names them.
    #[serde(default)]
    pub list_right: f32,
    /// Single-initiative questions (what the shares of those are of).
    #[serde(default)]
    pub singles: usize,
    /// Out-of-plan questions.
    #[serde(default)]
    pub outside: usize,
    /// Share of all questions that pass by the rule the evaluation sets are scored by
    /// (DESIGN.md): the intent right and the first initiative offered the right one; for an
    /// out-of-plan question, nothing offered; for a list, the list asked for.
    #[serde(default)]
    pub passes: f32,
}

fn figures(corpus: &[Example], verdicts: &[Verdict], indices: &[usize]) -> Figures {
    let mut f = Figures { questions: indices.len(), ..Figures::default() };
    let (mut singles, mut outside, mut lists) = (0usize, 0usize, 0usize);
    for &i in indices {
        let (e, v) = (&corpus[i], &verdicts[i]);
        f.intent_accuracy += f32::from(u8::from(v.intent == e.intent));
        f.passes += f32::from(u8::from(passes(e, v)));
        match e.target {
            Target::Page(page) => {
                singles += 1;
                f.initiative_top1 += f32::from(u8::from(v.ranked.first().is_some_and(|(p, _)| *p == page)));
                match &v.decision {
                    Decision::Answer(a) if *a == page => f.answered_right += 1.0,
                    // An empty list is told as 「条件に当てはまる取組はありません」.
                    Decision::List(pages) if pages.is_empty() => f.false_not_found += 1.0,
                    Decision::Answer(_) | Decision::List(_) => f.wrong_card += 1.0,
                    Decision::Candidates(c) if c.contains(&page) => f.offered_right += 1.0,
                    Decision::Candidates(_) => {}
                    Decision::NotFound => f.false_not_found += 1.0,
                }
            }
            Target::None => {
                outside += 1;
                match &v.decision {
                    Decision::List(pages) if pages.is_empty() => f.out_of_plan_refused += 1.0,
                    Decision::Answer(_) | Decision::List(_) => f.out_of_plan_answered += 1.0,
                    Decision::NotFound => f.out_of_plan_refused += 1.0,
                    Decision::Candidates(_) => {}
                }
            }
            Target::List(_) => {
                lists += 1;
                f.list_answered += f32::from(u8::from(matches!(v.decision, Decision::List(_))));
                f.list_right += f32::from(u8::from(list_right(e, v)));
            }
        }
    }
    let share = |x: &mut f32, n: usize| *x /= n.max(1) as f32;
    share(&mut f.intent_accuracy, indices.len());
    share(&mut f.passes, indices.len());
    for x in
        [&mut f.initiative_top1, &mut f.answered_right, &mut f.offered_right, &mut f.false_not_found, &mut f.wrong_card]
    {
        share(x, singles);
    }
    share(&mut f.out_of_plan_answered, outside);
    share(&mut f.out_of_plan_refused, outside);
    share(&mut f.list_answered, lists);
    share(&mut f.list_right, lists);
    (f.singles, f.outside) = (singles, outside);
    f
}

/// True when the answer passes by the evaluation sets' rule.
fn passes(e: &Example, v: &Verdict) -> bool {
    match (&e.target, &v.decision) {
        (Target::Page(page), Decision::Answer(a)) => v.intent == e.intent && a == page,
        (Target::Page(page), Decision::Candidates(c)) => v.intent == e.intent && c.first() == Some(page),
        (Target::Page(_), _) => false,
        (Target::None, Decision::NotFound) => true,
        (Target::None, Decision::List(pages)) => pages.is_empty(),
        (Target::None, _) => false,
        (Target::List(_), _) => list_right(e, v),
    }
}

/// True when a list question got a list made by what it asks for.
fn list_right(e: &Example, v: &Verdict) -> bool {
    match (&e.target, &v.decision) {
        (Target::List(target), Decision::List(_)) => super::corpus::matches_target(target, &v.facets, v.topic),
        _ => false,
    }
}

/// The report of `keikaku nlu eval`: what was fit, the figures overall, per style and per
/// intent.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The folds.
    pub k: usize,
    /// What was fit on all the held-out predictions (what `--write` keeps).
    pub calibration: Calibration,
    /// All questions.
    pub overall: Figures,
    /// Per style.
    pub per_style: BTreeMap<String, Figures>,
    /// Per intent.
    pub per_intent: BTreeMap<String, Figures>,
    /// The held-out questions the decision got wrong: origin, question, expected, answered.
    pub mistakes: Vec<(String, String, String, String)>,
}

/// The ranker's probabilities as a threshold-fitting case.
fn case(e: &Example, ranker: &Ranker, choice: &Choice) -> Option<calibrate::Case> {
    let truth = match e.target {
        Target::Page(p) => Some(p),
        Target::None => None,
        Target::List(_) => return None,
    };
    let (ranked, none) = ranker.probabilities(choice);
    Some((truth, ranked, none))
}

/// The weights of the engine's intent — named by a cue, or only implied — that make the
/// most single-initiative intents right on held-out predictions.
fn fit_cue_weights(corpus: &[Example], oof: &[Prediction], system: &dyn System) -> (f32, f32) {
    let single: Vec<usize> = (0..corpus.len()).filter(|i| corpus[*i].target.page().is_some()).collect();
    let cues: Vec<Option<(String, bool)>> = (0..corpus.len()).map(|i| system.cue(i)).collect();
    let right = |cued: f32, implied: f32| {
        single
            .iter()
            .filter(|&&i| {
                let best = oof[i]
                    .intents
                    .iter()
                    .filter(|(n, _)| !matches!(n.as_str(), "list" | "not_found"))
                    .map(|(n, p)| {
                        let bonus = match &cues[i] {
                            Some((c, explicit)) if c == n => {
                                if *explicit {
                                    cued
                                } else {
                                    implied
                                }
                            }
                            _ => 0.0,
                        };
                        (n, p.max(1e-6).ln() + bonus)
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                best.is_some_and(|(n, _)| *n == corpus[i].intent)
            })
            .count()
    };
    let grid: Vec<f32> = (0..=24).map(|n| n as f32 * 0.25).collect();
    let mut best = (0.0f32, 0.0f32, right(0.0, 0.0));
    for &c in &grid {
        for &d in &grid {
            let r = right(c, d);
            if r > best.2 {
                best = (c, d, r);
            }
        }
    }
    (best.0, best.1)
}

/// Fits the calibration on held-out predictions (the ranker trained on all choices).
fn fit_calibration(
    corpus: &[Example],
    oof: &[Prediction],
    choices: &[Choice],
    folds: &[usize],
    system: &dyn System,
) -> (Calibration, Vec<Ranker>) {
    let k = folds.iter().max().map_or(1, |m| m + 1);
    // Only what the ranker decides teaches it (and sets its thresholds).
    let truth = |i: usize| match corpus[i].target {
        _ if !system.weighed(i, &oof[i]) => None,
        Target::Page(p) => Some(Some(p)),
        Target::None => Some(None),
        Target::List(_) => None,
    };
    // Nested: each fold's ranker is fit on the other folds.
    let rankers: Vec<Ranker> = (0..k)
        .map(|fold| {
            let data: Vec<(&Choice, Option<u16>)> = (0..corpus.len())
                .filter(|i| folds[*i] != fold)
                .filter_map(|i| Some((&choices[i], truth(i)?)))
                .collect();
            Ranker::train(&data)
        })
        .collect();
    let cases: Vec<calibrate::Case> = (0..corpus.len())
        .filter(|i| system.weighed(*i, &oof[*i]))
        .filter_map(|i| case(&corpus[i], &rankers[folds[i]], &choices[i]))
        .collect();
    let thresholds = calibrate::fit(&cases);
    let all: Vec<(&Choice, Option<u16>)> = (0..corpus.len()).filter_map(|i| Some((&choices[i], truth(i)?))).collect();
    let calibration = Calibration {
        corpus: String::new(),
        ranker: Ranker::train(&all),
        thresholds,
        cue_weight: 0.0,
        implied_weight: 0.0,
    };
    let (cue_weight, implied_weight) = fit_cue_weights(corpus, oof, system);
    let calibration = Calibration { cue_weight, implied_weight, ..calibration };
    (calibration, rankers)
}

/// The figures of the whole decision under a calibration fit earlier, with the models
/// trained without each fold: what a change of the corpus or the lexicon does to the
/// understanding, with the decision's thresholds held still (refitting them on a corpus one
/// question larger moves the figures more than most changes do).
pub fn figures_with(
    corpus: &[Example],
    labelled: &[Labelled],
    plan_texts: &[Labelled],
    plan: &Plan,
    system: &dyn System,
    calibration: &Calibration,
) -> Figures {
    let folds = folds(corpus, K);
    let oof = out_of_fold(labelled, plan_texts, &folds, plan);
    let verdicts: Vec<Verdict> = (0..corpus.len()).map(|i| system.verdict(i, &oof[i], calibration)).collect();
    let all: Vec<usize> = (0..corpus.len()).collect();
    figures(corpus, &verdicts, &all)
}

/// Cross-validates the corpus: grouped folds, out-of-fold predictions, the ranker and the
/// thresholds fit on them (nested), figures of the whole decision.
pub fn evaluate(
    corpus: &[Example],
    labelled: &[Labelled],
    plan_texts: &[Labelled],
    plan: &Plan,
    system: &dyn System,
) -> Report {
    let folds = folds(corpus, K);
    let oof = out_of_fold(labelled, plan_texts, &folds, plan);
    let choices: Vec<Choice> = oof.iter().enumerate().map(|(i, p)| system.choice(i, p)).collect();
    let (calibration, rankers) = fit_calibration(corpus, &oof, &choices, &folds, system);
    let verdicts: Vec<Verdict> = (0..corpus.len())
        .map(|i| {
            let c = Calibration { ranker: rankers[folds[i]].clone(), ..calibration.clone() };
            system.verdict(i, &oof[i], &c)
        })
        .collect();
    let all: Vec<usize> = (0..corpus.len()).collect();
    let overall = figures(corpus, &verdicts, &all);
    let mut per_style = BTreeMap::new();
    for style in super::corpus::STYLES {
        let idx: Vec<usize> = all.iter().copied().filter(|i| corpus[*i].style == style).collect();
        if !idx.is_empty() {
            per_style.insert(style.to_string(), figures(corpus, &verdicts, &idx));
        }
    }
    let mut per_intent = BTreeMap::new();
    for intent in super::corpus::INTENTS {
        let idx: Vec<usize> = all.iter().copied().filter(|i| corpus[*i].intent == intent).collect();
        if !idx.is_empty() {
            per_intent.insert(intent.to_string(), figures(corpus, &verdicts, &idx));
        }
    }
    let mistakes = all
        .iter()
        .filter_map(|&i| {
            let (e, v) = (&corpus[i], &verdicts[i]);
            let right = v.intent == e.intent
                && match (&e.target, &v.decision) {
                    (Target::Page(p), Decision::Answer(a)) => a == p,
                    (Target::None, Decision::NotFound) => true,
                    (Target::List(_), Decision::List(_)) => list_right(e, v),
                    _ => false,
                };
            let target = match &e.target {
                Target::Page(p) => format!("p{p}"),
                Target::List(f) => format!("list:{f}"),
                Target::None => "none".into(),
            };
            (!right).then(|| {
                (
                    e.origin.clone(),
                    e.question.clone(),
                    format!("{} {target}", e.intent),
                    format!("{} {:?}", v.intent, v.decision),
                )
            })
        })
        .collect();
    Report { k: K, calibration, overall, per_style, per_intent, mistakes }
}
