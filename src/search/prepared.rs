//! What the engine derives from the plan by analysing all of it — the parsed plan itself,
//! the words of every initiative's name, the vocabulary typos are corrected to, the plan's
//! words by sound, the words word vectors are compared with — computed once and kept beside
//! the index (`prepared.bin` in the index's folder), so that a start reads it instead of
//! analysing the document again.
//!
//! The file is keyed: the index's folder is already the document's and the user
//! dictionary's; the file also records the lexicon's fingerprint and the program that wrote
//! it (its version and its executable's size and time), so a changed lexicon or a new build
//! of keikaku prepares the data afresh. A file that is missing, stale, unreadable or cannot
//! be written is only a slower start, never an error.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::analyzer::Analyzer;
use super::lexicon::Lexicon;
use super::matcher::strip_brackets;
use super::phonetic::Phonetic;
use crate::normalize::fold_kana;
use crate::plan::Plan;

/// The file's name inside the index's folder.
pub const FILE: &str = "prepared.bin";
/// Bump when what is prepared changes shape or meaning.
const FORMAT: u32 = 1;

/// Everything derived from the whole plan.
#[derive(Serialize, Deserialize)]
pub struct Prepared {
    /// The plan, parsed.
    pub plan: Plan,
    /// Per initiative (in plan order), the words of its name (title without brackets, and
    /// heading), kana-folded, without the lexicon's name noise.
    pub name_terms: Vec<Vec<String>>,
    /// Words of names and KPIs of four characters or more, kana-folded: what a misspelt
    /// question is corrected to.
    pub vocabulary: Vec<String>,
    /// Each department with its reading.
    pub department_readings: Vec<(String, String)>,
    /// The plan's words by sound.
    pub phonetic: Phonetic,
    /// The plan's content words (two characters or more, no stop-words), each once: the
    /// words word vectors compare a question's unknown word with.
    pub content_words: Vec<String>,
    /// Every character of the plan's texts (kana-folded), sorted: whether a one-character
    /// word is in the plan at all.
    pub chars: Vec<char>,
}

/// What a prepared file was written for.
#[derive(Serialize, Deserialize, PartialEq)]
struct Key {
    format: u32,
    program: String,
    lexicon: String,
}

impl Key {
    fn now(lexicon: &Lexicon) -> Key {
        Key { format: FORMAT, program: program_identity(), lexicon: lexicon.fingerprint.clone() }
    }
}

/// The code that prepared the data: keikaku's version and a hash of its sources and lock
/// file, made by `build.rs`, so that a rebuilt keikaku whose parser or analysis may differ
/// never reads data another build prepared, while every program of one build (the bots, the
/// terminal, each test binary) shares what the first of them prepared.
pub(crate) fn program_identity() -> String {
    format!("{}-{}", env!("CARGO_PKG_VERSION"), env!("KEIKAKU_SOURCE_HASH"))
}

impl Prepared {
    /// Analyses the whole plan.
    pub fn compute(plan: Plan, analyzer: &Analyzer, lexicon: &Lexicon) -> Prepared {
        let name_terms: Vec<Vec<String>> = plan
            .initiatives
            .iter()
            .map(|i| {
                let name = format!("{} {}", strip_brackets(&i.title), strip_brackets(&i.heading));
                let mut terms: Vec<String> = analyzer
                    .content_terms(&name)
                    .into_iter()
                    .filter(|t| !lexicon.name_noise.contains(t.as_str()))
                    .map(|t| fold_kana(&t))
                    .collect();
                terms.sort();
                terms.dedup();
                terms
            })
            .collect();
        let kpi_names = plan.initiatives.iter().flat_map(|i| i.kpis.iter().map(|k| fold_kana(&k.name)));
        // The names lists are asked by, too: a department, a basic means, 「基本方針」 itself
        // (「契約険査課」, 「ペーパレス化」, 「基本放心1」 are each one slip from a list).
        let facet_names = plan
            .departments()
            .iter()
            .map(|d| fold_kana(d))
            .chain(plan.means.iter().map(|m| fold_kana(&m.name)))
            .chain(["基本方針".to_string()])
            .collect::<Vec<_>>();
        let mut vocabulary: Vec<String> = name_terms
            .iter()
            .flatten()
            .cloned()
            .chain(kpi_names)
            .chain(facet_names)
            .filter(|w| w.chars().count() >= 4)
            .collect();
        vocabulary.sort_by(|a, b| a.chars().cmp(b.chars()));
        vocabulary.dedup();
        // Longest first: the correction tried first is the most specific word a slip is
        // one character from (「ペーパレス化」 is ペーパーレス化, not some shorter word).
        vocabulary.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        let department_readings = plan
            .departments()
            .iter()
            .map(|d| (d.to_string(), analyzer.terms(d).iter().map(|t| t.reading.as_str()).collect()))
            .collect();
        let phonetic = Phonetic::new(&plan, lexicon, analyzer);
        let mut seen: HashSet<String> = HashSet::new();
        let mut content_words = Vec::new();
        let mut chars: HashSet<char> = HashSet::new();
        for i in &plan.initiatives {
            let text = i.full_text();
            for w in analyzer.content_terms(&text) {
                if w.chars().count() >= 2 && !lexicon.stopwords.contains(w.as_str()) && seen.insert(w.clone()) {
                    content_words.push(w);
                }
            }
            let mut all = text;
            all.push_str(&i.department_label());
            chars.extend(fold_kana(&all).chars());
        }
        let mut chars: Vec<char> = chars.into_iter().collect();
        chars.sort_unstable();
        Prepared { plan, name_terms, vocabulary, department_readings, phonetic, content_words, chars }
    }

    /// Reads the file in `dir` when it was written for this lexicon by this program.
    pub fn load(dir: &Path, lexicon: &Lexicon) -> Option<Prepared> {
        let bytes = std::fs::read(dir.join(FILE)).ok()?;
        let (key, rest): (Key, &[u8]) = postcard::take_from_bytes(&bytes).ok()?;
        if key != Key::now(lexicon) {
            return None;
        }
        match postcard::from_bytes(rest) {
            Ok(prepared) => Some(prepared),
            Err(e) => {
                tracing::warn!(error = %e, dir = %dir.display(), "the prepared data cannot be read; preparing it again");
                None
            }
        }
    }

    /// Writes the file into `dir` (atomically, by a rename). A failure (a read-only index
    /// folder, as when the service user is not the one who built the index) is logged and
    /// costs only a slower start.
    pub fn save(&self, dir: &Path, lexicon: &Lexicon) {
        let write = || -> Result<(), Box<dyn std::error::Error>> {
            let mut bytes = postcard::to_stdvec(&Key::now(lexicon))?;
            bytes.extend(postcard::to_stdvec(self)?);
            let tmp = dir.join(format!(".{FILE}.{}", super::unique_suffix()));
            std::fs::write(&tmp, &bytes)?;
            super::readable_by_all(&tmp);
            std::fs::rename(&tmp, dir.join(FILE)).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })?;
            Ok(())
        };
        if let Err(e) = write() {
            tracing::debug!(error = %e, dir = %dir.display(), "the prepared data was not kept; the next start prepares it again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_for_another_lexicon_differs() {
        let mut a = Lexicon::default();
        a.fingerprint = "a".into();
        let mut b = Lexicon::default();
        b.fingerprint = "b".into();
        assert!(Key::now(&a) == Key::now(&a));
        assert!(Key::now(&a) != Key::now(&b));
    }
}
