//! The last step of understanding a question about one initiative: a few candidate
//! initiatives — the models' first few and the engine's — each described by a handful of
//! numbers (the initiative model's probability, how much of the question the initiative's
//! text covers, whether the question names it or quotes one of its figures …), and
//! "the plan does not answer it" described by its own. A conditional logit (a softmax over
//! the candidates and "none") weighs them; its weights are learned from held-out
//! predictions of the corpus, never set by hand.

use serde::{Deserialize, Serialize};

/// The numbers that describe a candidate.
pub const CANDIDATE_FEATURES: usize = 9;
/// The numbers that describe "none".
pub const NONE_FEATURES: usize = 6;

/// One question's choice: its candidates and "none", described.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Choice {
    /// Each candidate page with its numbers.
    pub candidates: Vec<(u16, [f32; CANDIDATE_FEATURES])>,
    /// The numbers of "none".
    pub none: [f32; NONE_FEATURES],
}

/// The weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ranker {
    /// Per candidate feature.
    pub candidate: [f32; CANDIDATE_FEATURES],
    /// Per "none" feature.
    pub none: [f32; NONE_FEATURES],
}

impl Default for Ranker {
    /// Before any fitting: the initiative model's probability alone decides.
    fn default() -> Ranker {
        let mut candidate = [0.0; CANDIDATE_FEATURES];
        candidate[0] = 1.0;
        let mut none = [0.0; NONE_FEATURES];
        none[0] = 1.0;
        Ranker { candidate, none }
    }
}

fn dot<const N: usize>(w: &[f32; N], x: &[f32; N]) -> f32 {
    w.iter().zip(x).map(|(a, b)| a * b).sum()
}

impl Ranker {
    /// The softmax over the candidates (in their order) and "none" (last).
    fn softmax(&self, c: &Choice) -> (Vec<f32>, f32) {
        let scores: Vec<f32> = c.candidates.iter().map(|(_, x)| dot(&self.candidate, x)).collect();
        let none = dot(&self.none, &c.none);
        let max = scores.iter().copied().fold(none, f32::max);
        let e: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
        let en = (none - max).exp();
        let sum: f32 = e.iter().sum::<f32>() + en;
        (e.into_iter().map(|v| v / sum).collect(), en / sum)
    }

    /// The candidates by probability (highest first) and the probability of "none".
    pub fn probabilities(&self, c: &Choice) -> (Vec<(u16, f32)>, f32) {
        let (p, none) = self.softmax(c);
        let mut ranked: Vec<(u16, f32)> = c.candidates.iter().zip(&p).map(|((page, _), v)| (*page, *v)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        (ranked, none)
    }

    /// Fits the weights by gradient descent on the cross-entropy of the right choice
    /// (`None`: "none"); a question whose right initiative is not among its candidates
    /// teaches nothing and is left out. Deterministic.
    pub fn train(data: &[(&Choice, Option<u16>)]) -> Ranker {
        let usable: Vec<(&Choice, Option<usize>)> = data
            .iter()
            .filter_map(|(c, truth)| match truth {
                None => Some((*c, None)),
                Some(t) => c.candidates.iter().position(|(p, _)| p == t).map(|i| (*c, Some(i))),
            })
            .collect();
        let mut r = Ranker::default();
        let n = usable.len().max(1) as f32;
        let (rate, l2) = (0.5f32, 1e-3f32);
        for _ in 0..400 {
            let mut gc = [0.0f32; CANDIDATE_FEATURES];
            let mut gn = [0.0f32; NONE_FEATURES];
            for (c, truth) in &usable {
                let (p, none) = r.softmax(c);
                for (i, (_, x)) in c.candidates.iter().enumerate() {
                    let g = p[i] - f32::from(u8::from(*truth == Some(i)));
                    for (gk, xk) in gc.iter_mut().zip(x) {
                        *gk += g * xk;
                    }
                }
                let g = none - f32::from(u8::from(truth.is_none()));
                for (gk, xk) in gn.iter_mut().zip(&c.none) {
                    *gk += g * xk;
                }
            }
            for (w, g) in r.candidate.iter_mut().zip(gc) {
                *w -= rate * (g / n + l2 * *w);
            }
            for (w, g) in r.none.iter_mut().zip(gn) {
                *w -= rate * (g / n + l2 * *w);
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_learns_which_number_tells_the_right_candidate() {
        // The second number marks the right candidate; the first is noise.
        let mk = |right: usize| Choice {
            candidates: (0..3u16)
                .map(|p| {
                    let mut x = [0.0; CANDIDATE_FEATURES];
                    x[0] = if p as usize == right { -1.0 } else { -0.5 };
                    x[1] = f32::from(u8::from(p as usize == right));
                    (p, x)
                })
                .collect(),
            none: [-2.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        };
        let data: Vec<Choice> = (0..30).map(|i| mk(i % 3)).collect();
        let pairs: Vec<(&Choice, Option<u16>)> =
            data.iter().enumerate().map(|(i, c)| (c, Some((i % 3) as u16))).collect();
        let r = Ranker::train(&pairs);
        let (ranked, _) = r.probabilities(&mk(2));
        assert_eq!(ranked[0].0, 2);
        assert_eq!(r, Ranker::train(&pairs));
    }
}
