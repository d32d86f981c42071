//! A linear classifier in the fastText style: hashed sparse features (see
//! [`super::features`]) weighted by TF-IDF and L2-normalised, a softmax over the classes,
//! trained by AdaGrad on cross-entropy with a fixed seed (the same examples give the same
//! model, bit for bit). Small enough to train in well under a second on the corpus.
//! Features seen in one example only are left out (they teach nothing that carries over),
//! and the weights are kept as 8-bit integers with a scale per feature: a quarter of the
//! memory and of the file, for probabilities that differ in the third decimal.

use serde::{Deserialize, Serialize};

/// How the model is trained.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    /// Passes over the examples.
    pub epochs: usize,
    /// AdaGrad's step.
    pub rate: f32,
    /// L2 weight decay, per step.
    pub l2: f32,
    /// The seed of the shuffle.
    pub seed: u64,
}

impl Default for Training {
    fn default() -> Training {
        Training { epochs: 12, rate: 0.5, l2: 1e-6, seed: 0x6b65_696b_616b_7521 }
    }
}

/// A trained classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Linear {
    /// The class names, in the order of the weights.
    pub classes: Vec<String>,
    /// The features seen in training, sorted (a feature's row is its position).
    vocab: Vec<u64>,
    /// Each feature's inverse document frequency.
    idf: Vec<f32>,
    /// Weights, feature-major (`w[row * classes + class]`), as `q × scale[row]`.
    q: Vec<i8>,
    /// Each feature's scale.
    scale: Vec<f32>,
    /// A bias per class.
    b: Vec<f32>,
}

/// A sparse, weighted, normalised input.
type Input = Vec<(u32, f32)>;

impl Linear {
    /// Trains on `examples`: each its features and its class (an index into `classes`).
    pub fn train(classes: Vec<String>, examples: &[(Vec<u64>, usize)], t: Training) -> Linear {
        let mut all: Vec<u64> = examples.iter().flat_map(|(f, _)| f.iter().copied()).collect();
        all.sort_unstable();
        let mut vocab = Vec::new();
        let mut df = Vec::new();
        for run in all.chunk_by(|a, b| a == b) {
            if run.len() >= MIN_EXAMPLES {
                vocab.push(run[0]);
                df.push(run.len() as f32);
            }
        }
        let n = examples.len().max(1) as f32;
        let idf: Vec<f32> = df.iter().map(|d| ((1.0 + n) / (1.0 + d)).ln() + 1.0).collect();
        let k = classes.len();
        let rows = vocab.len();
        let mut model = Linear { classes, vocab, idf, q: Vec::new(), scale: Vec::new(), b: vec![0.0; k] };
        let inputs: Vec<(Input, usize)> = examples.iter().map(|(f, y)| (model.input(f), *y)).collect();
        let mut w = vec![0.0f32; rows * k];
        let mut g2w = vec![1e-6f32; w.len()];
        let mut g2b = vec![1e-6f32; k];
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        // Each epoch visits the examples in an order keyed by their content, not by their
        // place: one example more (a question taught) falls in somewhere and leaves the
        // others' order as it was, so the models with and without it differ by it alone.
        let keys: Vec<u64> = examples.iter().map(|(f, y)| content_key(f, *y)).collect();
        let mut probs = vec![0.0f32; k];
        for epoch in 0..t.epochs {
            let salt = mix(t.seed ^ (epoch as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            order.sort_by_key(|&i| (mix(keys[i] ^ salt), i));
            for &i in &order {
                let (x, y) = &inputs[i];
                softmax_into(&w, &model.b, x, &mut probs);
                for c in 0..k {
                    let g = probs[c] - if c == *y { 1.0 } else { 0.0 };
                    g2b[c] += g * g;
                    model.b[c] -= t.rate * g / g2b[c].sqrt();
                    // A class the example is already sure of (or sure against) teaches
                    // nothing: skipping it makes an epoch touch a few classes, not all.
                    if g.abs() < 1e-3 {
                        continue;
                    }
                    for (row, v) in x {
                        let at = *row as usize * k + c;
                        let gw = g * v + t.l2 * w[at];
                        g2w[at] += gw * gw;
                        w[at] -= t.rate * gw / g2w[at].sqrt();
                    }
                }
            }
        }
        for row in w.chunks(k.max(1)) {
            let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
            model.scale.push(scale);
            model.q.extend(row.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8));
        }
        model
    }

    /// The features' rows and TF-IDF weights, L2-normalised; unseen features are dropped.
    fn input(&self, features: &[u64]) -> Input {
        let mut x: Input =
            features.iter().filter_map(|f| self.vocab.binary_search(f).ok()).map(|r| (r as u32, self.idf[r])).collect();
        let norm = x.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut x {
                *v /= norm;
            }
        }
        x
    }

    fn probabilities_into(&self, x: &Input, out: &mut [f32]) {
        let k = self.classes.len();
        out.copy_from_slice(&self.b);
        for (row, v) in x {
            let r = *row as usize;
            let w = &self.q[r * k..(r + 1) * k];
            let scaled = v * self.scale[r];
            for (o, wc) in out.iter_mut().zip(w) {
                *o += f32::from(*wc) * scaled;
            }
        }
        normalise(out);
    }

    /// The probability of each class (in the order of [`Linear::classes`]).
    pub fn probabilities(&self, features: &[u64]) -> Vec<f32> {
        let mut out = vec![0.0; self.classes.len()];
        self.probabilities_into(&self.input(features), &mut out);
        out
    }

    /// The classes by probability, highest first.
    pub fn ranked(&self, features: &[u64]) -> Vec<(usize, f32)> {
        let mut r: Vec<(usize, f32)> = self.probabilities(features).into_iter().enumerate().collect();
        r.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        r
    }
}

/// A feature must occur in at least this many examples to be learned.
const MIN_EXAMPLES: usize = 2;

/// The softmax of the weights `w` (feature-major, `out.len()` classes) for input `x`.
fn softmax_into(w: &[f32], b: &[f32], x: &Input, out: &mut [f32]) {
    let k = out.len();
    out.copy_from_slice(b);
    for (row, v) in x {
        let r = *row as usize;
        for (o, wc) in out.iter_mut().zip(&w[r * k..(r + 1) * k]) {
            *o += wc * v;
        }
    }
    normalise(out);
}

/// Scores to probabilities, in place.
fn normalise(out: &mut [f32]) {
    let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for o in out.iter_mut() {
        *o = (*o - max).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// An example's key: its features and class, hashed (FNV-1a).
fn content_key(features: &[u64], class: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in features.iter().copied().chain([class as u64]) {
        h ^= v;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A 64-bit mix (splitmix64's finaliser).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_learns_a_separable_toy_problem_and_is_deterministic() {
        let ex = vec![(vec![1, 2], 0), (vec![1, 3], 0), (vec![4, 5], 1), (vec![4, 6], 1), (vec![1], 0), (vec![4], 1)];
        let m = Linear::train(vec!["a".into(), "b".into()], &ex, Training::default());
        assert_eq!(m.ranked(&[1, 9])[0].0, 0);
        assert_eq!(m.ranked(&[4])[0].0, 1);
        let again = Linear::train(vec!["a".into(), "b".into()], &ex, Training::default());
        assert_eq!(m.probabilities(&[1, 4]), again.probabilities(&[1, 4]));
    }
}
