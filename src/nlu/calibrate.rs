//! The decision: answer with one initiative, offer a few candidates, or say the plan has
//! nothing — from the ranker's probabilities ([`super::rank`]), with two thresholds fit on
//! held-out predictions by the least expected cost (never typed by hand).
//!
//! The costs say what is worst: an out-of-plan question answered with a card (10), a wrong
//! card (3), telling someone the plan has nothing when it has (2); candidates are the safe
//! choice when unsure (0.5 when the right one is among them). The thresholds of least
//! total cost win.
//!
//! What is fit is kept as a [`Calibration`] in `data/nlu/calibration.json`, written by
//! `keikaku nlu eval --write`: reviewable in a diff, and checked against the corpus it was
//! fit on.

use serde::{Deserialize, Serialize};

use super::rank::Ranker;

/// At most this many candidates are offered.
pub const MAX_CANDIDATES: usize = 3;

/// The decision's thresholds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Thresholds {
    /// The top initiative is answered when its probability is at least this.
    pub answer: f32,
    /// Otherwise candidates are offered when the top ones together hold at least this
    /// (each at least a quarter of it).
    pub offer: f32,
    /// The cost per question on the held-out folds at these thresholds.
    pub cost: f32,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds { answer: 0.5, offer: 0.4, cost: 0.0 }
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
    /// The decision for ranked candidates (highest first) and the probability of "none".
    pub fn decide(&self, ranked: &[(u16, f32)], none: f32) -> Decision {
        let top: Vec<(u16, f32)> = ranked.iter().copied().take(MAX_CANDIDATES).collect();
        let Some(&(first, p1)) = top.first() else {
            return Decision::NotFound;
        };
        if p1 >= self.answer && p1 > none {
            return Decision::Answer(first);
        }
        let members: Vec<(u16, f32)> = top.iter().copied().filter(|(_, v)| *v >= self.offer / 4.0).collect();
        let held: f32 = members.iter().map(|(_, v)| v).sum();
        if held >= self.offer && held > none {
            return match members.as_slice() {
                [(one, _)] => Decision::Answer(*one),
                _ => Decision::Candidates(members.into_iter().map(|(p, _)| p).collect()),
            };
        }
        Decision::NotFound
    }
}

/// The cost of deciding `d` for a question about `truth` (`None`: out of plan).
pub fn cost(truth: Option<u16>, d: &Decision) -> f32 {
    match (truth, d) {
        (Some(t), Decision::Answer(p)) => {
            if *p == t {
                0.0
            } else {
                3.0
            }
        }
        (Some(t), Decision::Candidates(c)) => {
            if c.contains(&t) {
                0.5
            } else {
                1.5
            }
        }
        (Some(_), Decision::List(_)) => 1.5,
        (Some(_), Decision::NotFound) => 2.0,
        (None, Decision::Answer(_) | Decision::List(_)) => 10.0,
        (None, Decision::Candidates(_)) => 1.0,
        (None, Decision::NotFound) => 0.0,
    }
}

/// One held-out case: the right initiative (`None`: out of plan), the ranked candidates
/// and the probability of "none".
pub type Case = (Option<u16>, Vec<(u16, f32)>, f32);

/// Fits the thresholds on held-out cases: the least cost.
pub fn fit(cases: &[Case]) -> Thresholds {
    let mut best: Option<Thresholds> = None;
    for a in (4..=39).map(|n| n as f32 * 0.025) {
        for o in (4..=39).map(|n| n as f32 * 0.025).filter(|o| *o <= a + 0.2) {
            let t = Thresholds { answer: a, offer: o, cost: 0.0 };
            let total: f32 = cases.iter().map(|(truth, ranked, none)| cost(*truth, &t.decide(ranked, *none))).sum();
            let t = Thresholds { cost: total / cases.len().max(1) as f32, ..t };
            if best.is_none_or(|b| t.cost < b.cost) {
                best = Some(t);
            }
        }
    }
    best.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_answers_offers_or_says_not_found() {
        let t = Thresholds { answer: 0.5, offer: 0.4, cost: 0.0 };
        assert_eq!(t.decide(&[(18, 0.7)], 0.2), Decision::Answer(18));
        assert_eq!(t.decide(&[(22, 0.3), (23, 0.3)], 0.2), Decision::Candidates(vec![22, 23]));
        assert_eq!(t.decide(&[(18, 0.1)], 0.8), Decision::NotFound);
    }

    #[test]
    fn the_fit_keeps_half_sure_out_of_plan_questions_from_cards() {
        // In-plan questions are sure (0.9); out-of-plan ones look half sure (0.6).
        let mut cases: Vec<Case> = (0..50).map(|_| (Some(18), vec![(18, 0.9)], 0.05)).collect();
        cases.extend((0..50).map(|_| (None, vec![(18, 0.6)], 0.3)));
        let t = fit(&cases);
        assert!(t.answer > 0.6 && t.answer <= 0.9, "{t:?}");
    }
}
