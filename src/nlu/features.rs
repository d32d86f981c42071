//! Features of a question for the linear models: character 1–3-grams of the kana-folded
//! text, 2–3-grams of its reading (so that 「よぼうせっしゅ」, 「ヨボウセッシュ」 and
//! 「予防接種」 share features, and a homophone slip 投機 for 登記 lands near), its content
//! words, and tags the caller adds (plan terms the thesaurus leads to, facets found).
//! Hashed to 64 bits with FNV-1a and a kind prefix; pure.

/// What the analyzer made of a question, as the models read it.
#[derive(Debug, Clone, Default)]
pub struct Analysed {
    /// The normalised text (NFKC, lower case); for a question written by sound, also in the
    /// plan's words, after a blank.
    pub text: String,
    /// Its reading: katakana, folded (long vowels spelt out).
    pub reading: String,
    /// Its content words (base forms).
    pub words: Vec<String>,
    /// Other evidence, each a short tag (`cue:period`: the intent the engine's cues name).
    pub tags: Vec<String>,
}

/// The features the intent model reads: character 1–3-grams of the text, those of its end
/// apart (where a question says what it asks), the tags, and its length in words.
pub fn extract_intent(a: &Analysed) -> Vec<u64> {
    let mut out = Vec::new();
    let text: Vec<char> = crate::normalize::fold_kana(&a.text).chars().collect();
    ngrams(b'm', &text, 1..=3, &mut out);
    tail_features(&text, &mut out);
    for t in &a.tags {
        out.push(hash_str(b't', t));
    }
    let bucket = |n: usize| match n {
        0 => "0",
        1 => "1",
        2..=3 => "2-3",
        4..=8 => "4-8",
        _ => "9+",
    };
    // How long it is: a bare name asks for the initiative in general.
    out.push(hash_str(b'l', bucket(a.words.len())));
    out.sort_unstable();
    out.dedup();
    out
}

/// The hashed features of a question, each once (counts are not kept: a word said twice
/// means what it means once).
pub fn extract(a: &Analysed) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.text.chars().count() * 3 + a.reading.chars().count() * 2 + 16);
    let folded: Vec<char> = crate::normalize::fold_kana(&a.text).chars().collect();
    ngrams(b'c', &folded, 1..=3, &mut out);
    tail_features(&folded, &mut out);
    let reading: Vec<char> = a.reading.chars().collect();
    ngrams(b'r', &reading, 2..=3, &mut out);
    for w in &a.words {
        out.push(hash_str(b'w', w));
    }
    for t in &a.tags {
        out.push(hash_str(b't', t));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Where a question says what it asks: the end of its last sentence (「…何て名前？」
/// 「…いつから？」), as features of their own.
fn tail_features(text: &[char], out: &mut Vec<u64>) {
    let tail: Vec<char> = last_sentence(text).iter().rev().take(TAIL).rev().copied().collect();
    ngrams(b'e', &tail, 1..=3, out);
}

/// The character n-grams of `chars` (within runs of letters and digits), hashed as `kind`.
fn ngrams(kind: u8, chars: &[char], sizes: std::ops::RangeInclusive<usize>, out: &mut Vec<u64>) {
    for run in runs(chars) {
        for n in sizes.clone() {
            for w in run.windows(n) {
                out.push(hash(kind, w));
            }
        }
    }
}

/// The characters of a question's end that are its own features.
const TAIL: usize = 12;

/// The last sentence with some text, without its closing punctuation.
fn last_sentence(chars: &[char]) -> &[char] {
    chars
        .split(|c| matches!(c, '。' | '？' | '?' | '！' | '!' | '\n'))
        .rev()
        .find(|s| s.iter().any(|c| c.is_alphanumeric()))
        .unwrap_or(&[])
}

/// Runs of letters and digits: spaces and punctuation break them.
fn runs(chars: &[char]) -> impl Iterator<Item = &[char]> {
    chars.split(|c| !(c.is_alphanumeric() || *c == 'ー')).filter(|r| !r.is_empty())
}

fn hash(kind: u8, chars: &[char]) -> u64 {
    let mut h = fnv(0xcbf2_9ce4_8422_2325, &[kind]);
    let mut buf = [0u8; 4];
    for c in chars {
        h = fnv(h, c.encode_utf8(&mut buf).as_bytes());
    }
    h
}

fn hash_str(kind: u8, s: &str) -> u64 {
    fnv(fnv(0xcbf2_9ce4_8422_2325, &[kind]), s.as_bytes())
}

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_and_kanji_share_reading_features() {
        let kanji =
            Analysed { text: "予防接種".into(), reading: "ヨボウセッシュ".into(), ..Default::default() };
        let kana = Analysed {
            text: "よぼうせっしゅ".into(), reading: "ヨボウセッシュ".into(), ..Default::default()
        };
        let a = extract(&kanji);
        let b = extract(&kana);
        let shared = a.iter().filter(|f| b.contains(f)).count();
        assert!(shared >= 8, "{shared}");
        // Deterministic.
        assert_eq!(a, extract(&kanji));
    }
}
