//! Undoing a taught word by what the administrator types (`teach undo 見つける`): the word
//! as it was taught, in another script (「デコボコ」 for a taught 「でこぼこ」), or as it
//! reads and as a question writes it (「ちゅうしゃ」 for 「注射」, 「見つけた」 for a 「見ツケル」
//! an older keikaku learned from a review item).
//!
//! Which taught words a typed word names is decided here, tier by tier — the first tier
//! that names any decides, so 「注射」 forgets 「注射」 and not also a 「ちゅうしゃ」 taught
//! beside it. How a word reads is the analyzer's ([`readings`]); the tiers take it as a
//! function, so that they are tested without a dictionary.

use super::{TeachError, lessons};
use crate::normalize::{fold_kana, normalize};
use crate::search::Analyzer;

/// The taught words (as written in `taught.tsv`, in file order, each once) that `typed`
/// names: those equal to it once normalised; else those equal once hiragana is folded into
/// katakana (the lexicon reads them alike); else the one that reads as it does, by
/// `readings` (the ways a word may be read: see [`readings`]).
///
/// Errors: [`TeachError::NotTaught`] when no tier names one; [`TeachError::AmbiguousUndo`]
/// when readings name several different words (「こうかい」 for a taught 公開 and 後悔):
/// the administrator then types the one meant.
pub fn named(taught: &str, typed: &str, readings: impl Fn(&str) -> Vec<String>) -> Result<Vec<String>, TeachError> {
    let mut words: Vec<String> = Vec::new();
    for (_, lesson) in lessons(taught) {
        if !words.contains(&lesson.word) {
            words.push(lesson.word);
        }
    }
    let pick = |same: &dyn Fn(&str) -> bool| -> Vec<String> { words.iter().filter(|w| same(w)).cloned().collect() };
    let typed_n = normalize(typed);
    let exact = pick(&|w| normalize(w) == typed_n);
    if !exact.is_empty() {
        return Ok(exact);
    }
    let typed_k = fold_kana(typed);
    let folded = pick(&|w| fold_kana(w) == typed_k);
    if !folded.is_empty() {
        return Ok(folded);
    }
    let typed_r = readings(typed);
    let read = pick(&|w| readings(w).iter().any(|r| typed_r.contains(r)));
    match read.as_slice() {
        [] => Err(TeachError::NotTaught { word: typed_n, known: words }),
        [_] => Ok(read),
        _ => Err(TeachError::AmbiguousUndo { typed: typed.to_string(), words: read }),
    }
}

/// `taught` without the lines of `words` (taught words as written, from [`named`]).
pub fn forget(taught: &str, words: &[String]) -> String {
    let gone: std::collections::HashSet<usize> =
        lessons(taught).into_iter().filter(|(_, l)| words.contains(&l.word)).map(|(n, _)| n).collect();
    let mut text = String::with_capacity(taught.len());
    for (n, line) in taught.lines().enumerate() {
        if !gone.contains(&(n + 1)) {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// How `word` may be read, folded as the analyzer folds readings: as written (each part's
/// reading in turn: 「見つけた」 ミツケタ, 「見ツケル」 ミツケル) and as a dictionary would list
/// it (each content word's dictionary form read: 「見つけた」 ミツケル). Empty for a word
/// with no reading.
pub fn readings(analyzer: &Analyzer, word: &str) -> Vec<String> {
    let terms = analyzer.terms(word);
    let written: String = terms.iter().map(|t| t.reading.as_str()).collect();
    let listed: String = terms
        .iter()
        .filter(|t| t.content)
        .flat_map(|t| analyzer.terms(&t.text))
        .map(|t| t.reading)
        .collect::<Vec<_>>()
        .concat();
    let mut out = Vec::with_capacity(2);
    for r in [written, listed] {
        if !r.is_empty() && !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAUGHT: &str =
        "# header\n注射\t予防接種\nちゅうしゃ\t接種\nでこぼこ\t陥没\n見ツケル\t陥没\nアウ\t陥没\n見ツケル\t舗装\n";

    /// Readings as a dictionary would give them, for the words of these tests.
    fn reads(word: &str) -> Vec<String> {
        let r: &[&str] = match word {
            "注射" | "ちゅうしゃ" => &["チュウシャ"],
            "見ツケル" => &["ミツケル", "ミルツケル"],
            "見つけた" => &["ミツケタ", "ミツケル"],
            "公開" | "後悔" | "こうかい" => &["コウカイ"],
            _ => &[],
        };
        r.iter().map(|s| s.to_string()).collect()
    }

    fn named_in(taught: &str, typed: &str) -> Result<Vec<String>, TeachError> {
        named(taught, typed, reads)
    }

    #[test]
    fn the_word_as_taught_names_only_itself() {
        assert_eq!(named_in(TAUGHT, "注射").ok(), Some(vec!["注射".to_string()]));
        assert_eq!(named_in(TAUGHT, "ちゅうしゃ").ok(), Some(vec!["ちゅうしゃ".to_string()]));
        assert_eq!(named_in(TAUGHT, " ｱｳ ").ok(), Some(vec!["アウ".to_string()]));
    }

    #[test]
    fn another_script_names_the_word_as_the_lexicon_reads_it() {
        assert_eq!(named_in(TAUGHT, "デコボコ").ok(), Some(vec!["でこぼこ".to_string()]));
        assert_eq!(named_in(TAUGHT, "あう").ok(), Some(vec!["アウ".to_string()]));
        assert_eq!(named_in(TAUGHT, "見つける").ok(), Some(vec!["見ツケル".to_string()]));
    }

    #[test]
    fn a_word_as_a_question_writes_it_names_the_word_that_reads_so() {
        assert_eq!(named_in(TAUGHT, "見つけた").ok(), Some(vec!["見ツケル".to_string()]));
        let only_kana = "ちゅうしゃ\t接種\n";
        assert_eq!(named_in(only_kana, "注射").ok(), Some(vec!["ちゅうしゃ".to_string()]));
    }

    #[test]
    fn a_reading_that_names_two_words_is_refused_and_nothing_named_lists_what_was_taught() {
        let both = "公開\t情報公開\n後悔\t反省\n";
        let err = named_in(both, "こうかい").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("公開") && err.contains("後悔") && err.contains("こうかい"), "{err}");
        let err = named_in(TAUGHT, "天気").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("教えた言葉にありません") && err.contains("でこぼこ"), "{err}");
    }

    #[test]
    fn forgetting_removes_every_line_of_the_words_and_keeps_the_rest() {
        let left = forget(TAUGHT, &["見ツケル".to_string()]);
        assert_eq!(left, "# header\n注射\t予防接種\nちゅうしゃ\t接種\nでこぼこ\t陥没\nアウ\t陥没\n");
    }
}
