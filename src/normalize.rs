//! Text normalisation shared by the plan parser, the search index and the evaluation.
//!
//! Owns one idea: two strings that a reader would call "the same" compare equal after
//! [`normalize`]. It knows nothing of the plan, tantivy or Telegram.

use unicode_normalization::UnicodeNormalization;

/// NFKC, latin lower-cased, and the stray spaces that PDF extraction leaves between
/// Japanese characters removed (「公民 館」 → 「公民館」). Spaces between latin words stay.
///
/// ```
/// assert_eq!(keikaku::normalize::normalize("ＫＰＩの 公民 館 ｶﾀｶﾅ"), "kpiの公民館カタカナ");
/// assert_eq!(keikaku::normalize::normalize("LINE  友達"), "line友達");
/// assert_eq!(keikaku::normalize::normalize("AI OCR"), "ai ocr");
/// ```
pub fn normalize(text: &str) -> String {
    let nfkc: Vec<char> = text.nfkc().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < nfkc.len() {
        let c = nfkc[i];
        if c.is_whitespace() {
            let start = i;
            while i < nfkc.len() && nfkc[i].is_whitespace() {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| nfkc[j]);
            let after = nfkc.get(i).copied();
            let keep = match (before, after) {
                (Some(b), Some(a)) => !is_japanese(b) && !is_japanese(a),
                _ => false,
            };
            if keep {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// [`normalize`], then hiragana folded into katakana, so that 「ゆーばす」 meets 「ゆーバス」.
///
/// ```
/// assert_eq!(keikaku::normalize::fold_kana("ゆーばす"), "ユーバス");
/// ```
pub fn fold_kana(text: &str) -> String {
    normalize(text).chars().map(hiragana_to_katakana).collect()
}

/// Maps one hiragana letter to its katakana; every other character is returned as is.
pub fn hiragana_to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

/// True for kana, kanji, the prolonged sound mark and Japanese punctuation.
pub fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'   // CJK punctuation
        | '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility
        | '\u{FF5E}'              // ～ (NFKC keeps it)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_letters_become_ascii() {
        assert_eq!(normalize("Ｒ８　ＤＸ"), "r8 dx");
        assert_eq!(normalize("Ｒ８年度"), "r8年度");
    }

    #[test]
    fn spaces_inside_japanese_are_dropped_but_latin_words_keep_theirs() {
        assert_eq!(normalize("システムによ る予約率"), "システムによる予約率");
        assert_eq!(normalize("どこでも窓口 (行政手続)"), "どこでも窓口(行政手続)");
        assert_eq!(normalize("line 友達"), "line友達");
        assert_eq!(normalize("e mail"), "e mail");
    }

    #[test]
    fn kana_folding_leaves_katakana_and_kanji_alone() {
        assert_eq!(fold_kana("こんびに交付"), "コンビニ交付");
    }
}
