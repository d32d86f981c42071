//! Years written by sound or with a slip — 「れいわはちねんど」, 「れい和8年度」, 「例話9年度」,
//! 「令話8年度」, 「令和九年度」, 「にせんにじゅうななねんど」 — rewritten as the plan writes
//! them (「令和8年度」, 「2027年度」), so that the year parser reads them and what follows
//! (「から始まる」, 「で終わる」) is read as it is meant.
//!
//! A year is a number (digits, kanji numerals or numerals in kana) directly followed by
//! 年度 or 年 (also in kana), after an era whose characters are one slip from 令和 or 平成
//! or that reads レイワ or ヘイセイ; or a number from 1990 to 2100 without an era. Pure: the
//! caller says how a few characters read.

use crate::normalize::hiragana_to_katakana;

/// Eras a slip of one character must not be taken for: they are real.
const OTHER_ERAS: [&str; 3] = ["昭和", "大正", "明治"];

/// The eras: as written, as read, and the Gregorian year before their first.
const ERAS: [(&str, &str, u32); 2] = [("令和", "レイワ", 2018), ("平成", "ヘイセイ", 1988)];

/// `text` (normalised) with every year written by sound or with a slip spelt as the plan
/// spells it, or `None` when there is none. `reads` gives the reading (katakana) of a few
/// characters.
pub fn spell(text: &str, reads: &dyn Fn(&str) -> String) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        if let Some((value, written_as_digits, end)) = number_at(&chars, i)
            && let Some(after) = year_suffix(&chars, end)
        {
            let era = era_before(&chars, i, reads);
            let canonical = match era {
                Some((base, len, exact)) if (1..=99).contains(&value) => {
                    // Already as the plan writes it: nothing to do.
                    let as_plan = exact && written_as_digits;
                    Some((format!("{}{value}年度", if base == 2018 { "令和" } else { "平成" }), len, as_plan))
                }
                None if (1990..=2100).contains(&value) => Some((format!("{value}年度"), 0, written_as_digits)),
                _ => None,
            };
            if let Some((spelt, era_len, as_plan)) = canonical
                && !as_plan
            {
                // The era's characters were pushed already: take them back.
                for _ in 0..era_len {
                    out.pop();
                }
                out.push_str(&spelt);
                changed = true;
                i = after;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// The era written just before `at`: its base year, its length in characters, and whether it
/// is written as the plan writes it.
fn era_before(chars: &[char], at: usize, reads: &dyn Fn(&str) -> String) -> Option<(u32, usize, bool)> {
    let written = |len: usize| -> Option<String> {
        (len <= at && chars[at - len..at].iter().all(|c| c.is_alphabetic()))
            .then(|| chars[at - len..at].iter().collect())
    };
    // As written, or by its sound (「れい和」「例話」), the longest that reads as an era.
    for len in [4usize, 3, 2] {
        let Some(w) = written(len) else { continue };
        for (era, reading, base) in ERAS {
            if w == era {
                return Some((base, len, true));
            }
            let kana: String = w.chars().map(hiragana_to_katakana).collect();
            let sounds = if kana.chars().all(is_katakana) { kana } else { reads(&w) };
            if sounds == reading {
                return Some((base, len, false));
            }
        }
    }
    // One character of two wrong (「令話」), unless that is another era.
    let w = written(2)?;
    ERAS.iter()
        .find(|(era, _, _)| w.chars().zip(era.chars()).filter(|(a, b)| a != b).count() == 1)
        .filter(|_| !OTHER_ERAS.contains(&w.as_str()))
        .map(|(_, _, base)| (*base, 2, false))
}

fn is_katakana(c: char) -> bool {
    ('\u{30a1}'..='\u{30fa}').contains(&c) || c == 'ー'
}

/// 年度 or 年 (also in kana) at `at`: the position after it.
fn year_suffix(chars: &[char], at: usize) -> Option<usize> {
    let rest: String = chars[at..chars.len().min(at + 3)].iter().map(|c| hiragana_to_katakana(*c)).collect();
    for (suffix, len) in [("年度", 2), ("ネンド", 3), ("年", 1), ("ネン", 2)] {
        if rest.starts_with(suffix) {
            return Some(at + len);
        }
    }
    None
}

/// A number at `at`: digits, kanji numerals (「九」「二十七」「二千二十七」) or numerals in
/// kana (「はち」「にせんにじゅうなな」); its value, whether it is written in digits, and
/// where it ends.
fn number_at(chars: &[char], at: usize) -> Option<(u32, bool, usize)> {
    let digits = chars[at..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        let at_start = at == 0 || !chars[at - 1].is_ascii_digit();
        let value: u32 = chars[at..at + digits].iter().collect::<String>().parse().ok()?;
        return (at_start && digits <= 4).then_some((value, true, at + digits));
    }
    if at > 0 && numeral(&chars[at - 1..]).is_some() {
        return None;
    }
    let (value, end) = numerals(chars, at)?;
    Some((value, false, end))
}

/// Kanji or kana numerals from `at`, read as one number.
fn numerals(chars: &[char], at: usize) -> Option<(u32, usize)> {
    let (mut total, mut current, mut i, mut any) = (0u32, None::<u32>, at, false);
    while let Some((token, len)) = numeral(&chars[i..]) {
        match token {
            Numeral::Digit(d) => {
                if current.is_some() {
                    break;
                }
                current = Some(d);
            }
            Numeral::Times(m) => {
                total += current.unwrap_or(1) * m;
                current = None;
            }
        }
        any = true;
        i += len;
    }
    any.then(|| (total + current.unwrap_or(0), i))
}

enum Numeral {
    Digit(u32),
    Times(u32),
}

/// The numeral at the start of `chars` and its length in characters.
fn numeral(chars: &[char]) -> Option<(Numeral, usize)> {
    const KANJI: [(char, Numeral); 13] = [
        ('〇', Numeral::Digit(0)),
        ('一', Numeral::Digit(1)),
        ('二', Numeral::Digit(2)),
        ('三', Numeral::Digit(3)),
        ('四', Numeral::Digit(4)),
        ('五', Numeral::Digit(5)),
        ('六', Numeral::Digit(6)),
        ('七', Numeral::Digit(7)),
        ('八', Numeral::Digit(8)),
        ('九', Numeral::Digit(9)),
        ('十', Numeral::Times(10)),
        ('百', Numeral::Times(100)),
        ('千', Numeral::Times(1000)),
    ];
    // Longest first where one is the start of another (キュウ before ク, ニセン as ニ セン).
    const KANA: [(&str, Numeral); 19] = [
        ("キュウ", Numeral::Digit(9)),
        ("ジュウ", Numeral::Times(10)),
        ("ヒャク", Numeral::Times(100)),
        ("ビャク", Numeral::Times(100)),
        ("ピャク", Numeral::Times(100)),
        ("イチ", Numeral::Digit(1)),
        ("サン", Numeral::Digit(3)),
        ("ヨン", Numeral::Digit(4)),
        ("ロク", Numeral::Digit(6)),
        ("ナナ", Numeral::Digit(7)),
        ("シチ", Numeral::Digit(7)),
        ("ハチ", Numeral::Digit(8)),
        ("セン", Numeral::Times(1000)),
        ("ゼン", Numeral::Times(1000)),
        ("ガン", Numeral::Digit(1)),
        ("ニ", Numeral::Digit(2)),
        ("ゴ", Numeral::Digit(5)),
        ("ク", Numeral::Digit(9)),
        ("ヨ", Numeral::Digit(4)),
    ];
    let first = *chars.first()?;
    if let Some((_, n)) = KANJI.iter().find(|(c, _)| *c == first) {
        let n = match n {
            Numeral::Digit(d) => Numeral::Digit(*d),
            Numeral::Times(m) => Numeral::Times(*m),
        };
        return Some((n, 1));
    }
    if first == '元' {
        return Some((Numeral::Digit(1), 1));
    }
    let kana: String = chars.iter().take(3).map(|c| hiragana_to_katakana(*c)).collect();
    let (word, n) = KANA.iter().find(|(w, _)| kana.starts_with(w))?;
    let n = match n {
        Numeral::Digit(d) => Numeral::Digit(*d),
        Numeral::Times(m) => Numeral::Times(*m),
    };
    Some((n, word.chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(text: &str) -> String {
        match text {
            "例話" => "レイワ".into(),
            "れい和" => "レイワ".into(),
            _ => "?".into(),
        }
    }

    #[test]
    fn years_by_sound_and_with_slips_are_spelt_as_the_plan_spells_them() {
        for (asked, spelt) in [
            ("れいわはちねんどまでの とりくみ", "令和8年度までの とりくみ"),
            ("れい和8年度でおわる", "令和8年度でおわる"),
            ("例話9年度から始まる", "令和9年度から始まる"),
            ("令話8年度に終わる", "令和8年度に終わる"),
            ("令和九年度の目標", "令和9年度の目標"),
            ("にせんにじゅうななねんどに すすめてる", "2027年度に すすめてる"),
            ("二千二十六年度", "2026年度"),
            ("れいわがんねん", "令和1年度"),
            ("へいせいにじゅうごねんど", "平成25年度"),
        ] {
            assert_eq!(spell(asked, &reads).as_deref(), Some(spelt), "{asked}");
        }
    }

    #[test]
    fn what_is_no_year_or_already_spelt_is_left_alone() {
        for asked in
            ["令和8年度の目標", "2026年度", "にねんかん", "昭和50年", "10年後", "三年間", "予約率70%", "いちねんせい"]
        {
            assert_eq!(spell(asked, &reads), None, "{asked}");
        }
    }
}
