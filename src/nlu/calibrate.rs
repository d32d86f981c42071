//! The decision: answer with one initiative, offer a few candidates, or say the plan has
//! nothing — whichever costs least in expectation under the ranker's probabilities
//! ([`super::rank`]), with the probabilities' temperature fit on held-out predictions
//! (never typed by hand).
//!
//! The costs say what is worst: an out-of-plan question answered with a card (10), a wrong
//! card (3), telling someone the plan has nothing when it has (2); candidates are the safe
//! choice when unsure (0.5 when the right one is among them, 1.5 when not, 1 for a
//! question the plan does not answer).
//!
//! What is fit is kept as a [`Calibration`] in `data/nlu/calibration.json`, written by
//! `keikaku nlu eval --write`: reviewable in a diff, and checked against the corpus it was
//! fit on.

use serde::{Deserialize, Serialize};

use super::rank::Ranker;

/// At most this many candidates are offered.
pub const MAX_CANDIDATES: usize = 3;

/// What a wrong card costs.
const WRONG_CARD: f32 = 3.0;
/// What offering candidates with the right one among them costs.
const CANDIDATES_HIT: f32 = 0.5;
/// What offering candidates without the right one costs.
const CANDIDATES_MISS: f32 = 1.5;
/// What telling someone the plan has nothing, when it has, costs (the likeliest
/// initiatives shown beside it as related ones, [`suggestions`], do not make it less
/// wrong: costing it 1 instead when the right one is among them, measured on the corpus,
/// told 38 more in-plan questions (2 points of false not-found) the plan has nothing, for
/// 22 fewer out-of-plan questions offered candidates).
const FALSE_NOT_FOUND: f32 = 2.0;
/// The least probability (the ranker's) of an initiative shown as related when the plan is
/// said to have nothing.
pub const SUGGESTION_FLOOR: f32 = 0.1;
/// What each candidate offered adds: one more to read (so a third is offered only when it
/// is likely enough to be the one).
const PER_CANDIDATE: f32 = 0.05;
/// What answering an out-of-plan question with a card (or a list) costs.
const OUT_OF_PLAN_CARD: f32 = 10.0;
/// What offering candidates for an out-of-plan question costs.
const OUT_OF_PLAN_CANDIDATES: f32 = 1.0;

/// How sure the ranker's probabilities are taken to be.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Thresholds {
    /// The probabilities' temperature: above 1 they are taken as less sure than the
    /// ranker says, below 1 as surer.
    pub temperature: f32,
    /// The cost per question on the held-out folds at this temperature.
    pub cost: f32,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds { temperature: 1.0, cost: 0.0 }
    }
}

/// Everything fit on held-out folds of the corpus.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    /// The fingerprint of the corpus it was fit on (without the taught questions).
    pub corpus: String,
    /// The ranker's weights.
    pub ranker: Ranker,
    /// The thresholds of the decision.
    pub thresholds: Thresholds,
    /// What the intent the engine's cues name adds to the intent model's log-probability.
    pub cue_weight: f32,
    /// What the intent the engine only implies (a KPI measure named; the overview when
    /// nothing is asked) adds.
    #[serde(default)]
    pub implied_weight: f32,
}

/// What to do with a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// Answer with this initiative.
    Answer(u16),
    /// Offer these (2–3) initiatives.
    Candidates(Vec<u16>),
    /// A list of initiatives: by the question's filters (empty), or these.
    List(Vec<u16>),
    /// The plan does not answer it.
    NotFound,
}

impl Thresholds {
    /// The decision for ranked candidates (highest first) and the probability of "none":
    /// the least expected cost among answering the first, offering the first two or three,
    /// and saying the plan has nothing.
    pub fn decide(&self, ranked: &[(u16, f32)], none: f32) -> Decision {
        let t = self.temperature.max(0.05);
        let sharpen = |p: f32| p.max(1e-9).powf(1.0 / t);
        let z: f32 = ranked.iter().map(|(_, p)| sharpen(*p)).sum::<f32>() + sharpen(none);
        let p: Vec<(u16, f32)> = ranked.iter().map(|(page, v)| (*page, sharpen(*v) / z)).collect();
        let none = sharpen(none) / z;
        let inside = 1.0 - none;
        let Some(&(first, p1)) = p.first() else {
            return Decision::NotFound;
        };
        let mut best = ((inside - p1) * WRONG_CARD + none * OUT_OF_PLAN_CARD, Decision::Answer(first));
        for k in 2..=MAX_CANDIDATES.min(p.len()) {
            let held: f32 = p[..k].iter().map(|(_, v)| v).sum();
            let cost = held * CANDIDATES_HIT
                + (inside - held) * CANDIDATES_MISS
                + none * OUT_OF_PLAN_CANDIDATES
                + k as f32 * PER_CANDIDATE;
            if cost < best.0 {
                best = (cost, Decision::Candidates(p[..k].iter().map(|(page, _)| *page).collect()));
            }
        }
        if inside * FALSE_NOT_FOUND < best.0 {
            return Decision::NotFound;
        }
        best.1
    }
}

/// The initiatives shown as related when the plan is said to have nothing: the ranker's
/// first three that are at least [`SUGGESTION_FLOOR`] likely.
pub fn suggestions(ranked: &[(u16, f32)]) -> impl Iterator<Item = u16> + '_ {
    ranked.iter().take(MAX_CANDIDATES).take_while(|(_, v)| *v >= SUGGESTION_FLOOR).map(|(page, _)| *page)
}

/// The cost of deciding `d` for a question about `truth` (`None`: out of plan).
pub fn cost(truth: Option<u16>, d: &Decision) -> f32 {
    match (truth, d) {
        (Some(t), Decision::Answer(p)) => {
            if *p == t {
                0.0
            } else {
                WRONG_CARD
            }
        }
        (Some(t), Decision::Candidates(c)) => {
            c.len() as f32 * PER_CANDIDATE + if c.contains(&t) { CANDIDATES_HIT } else { CANDIDATES_MISS }
        }
        (Some(_), Decision::List(_)) => CANDIDATES_MISS,
        (Some(_), Decision::NotFound) => FALSE_NOT_FOUND,
        (None, Decision::Answer(_) | Decision::List(_)) => OUT_OF_PLAN_CARD,
        (None, Decision::Candidates(c)) => c.len() as f32 * PER_CANDIDATE + OUT_OF_PLAN_CANDIDATES,
        (None, Decision::NotFound) => 0.0,
    }
}

/// One held-out case: the right initiative (`None`: out of plan), the ranked candidates
/// and the probability of "none".
pub type Case = (Option<u16>, Vec<(u16, f32)>, f32);

/// Fits the temperature on held-out cases: the least total cost.
pub fn fit(cases: &[Case]) -> Thresholds {
    let mut best = Thresholds { temperature: 1.0, cost: f32::INFINITY };
    for temperature in (4..=40).map(|n| n as f32 * 0.05) {
        let t = Thresholds { temperature, cost: 0.0 };
        let total: f32 = cases.iter().map(|(truth, ranked, none)| cost(*truth, &t.decide(ranked, *none))).sum();
        let per = total / cases.len().max(1) as f32;
        if per < best.cost {
            best = Thresholds { temperature, cost: per };
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_answers_offers_or_says_not_found() {
        let t = Thresholds::default();
        assert_eq!(t.decide(&[(18, 0.9)], 0.05), Decision::Answer(18));
        assert_eq!(t.decide(&[(22, 0.45), (23, 0.45)], 0.05), Decision::Candidates(vec![22, 23]));
        assert_eq!(t.decide(&[(18, 0.1)], 0.8), Decision::NotFound);
    }

    #[test]
    fn the_fit_keeps_half_sure_out_of_plan_questions_from_cards() {
        // In-plan questions are sure; out-of-plan ones look as sure as some in-plan ones.
        let mut cases: Vec<Case> = (0..50).map(|_| (Some(18), vec![(18, 0.95)], 0.02)).collect();
        cases.extend((0..20).map(|_| (None, vec![(18, 0.8)], 0.15)));
        cases.extend((0..20).map(|_| (Some(18), vec![(18, 0.8)], 0.15)));
        let t = fit(&cases);
        assert_eq!(t.decide(&[(18, 0.95)], 0.02), Decision::Answer(18));
        assert_ne!(t.decide(&[(18, 0.8)], 0.15), Decision::Answer(18), "{t:?}");
    }
}
