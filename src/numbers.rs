//! Numbers in people's text, found one way for every reader: a KPI figure in a question
//! (「7千人」「4割減」), a reported value (「92件」「85.5%」), a year-like number (「R8」「7年度」).
//!
//! [`scan`] finds every number-like token of normalised text with its sign, scale, unit,
//! per-what and 削減/減, and says what is wrong with it rather than guessing: an exponent
//! (「1e5」), hex (「0x10」), underscores (「1_000」), misplaced thousands separators
//! (「9,2」「1,2,3」), a leading point (「.5」). Callers decide: a question's figure with a
//! problem is ignored; a report with one is refused. No plan, no search, no I/O.

use std::ops::Range;

/// What is wrong with a number as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// 「1e5」.
    Exponent,
    /// 「0x10」.
    Hex,
    /// 「1_000」.
    Underscore,
    /// 「9,2」, 「1,2,3」, 「1,0000」.
    Separators,
    /// 「.5」.
    LeadingPoint,
    /// More than 15 significant digits: beyond what is exact.
    TooLong,
}

impl Problem {
    /// What is wrong, in Japanese, for the person who wrote it.
    pub fn japanese(self) -> &'static str {
        match self {
            Problem::Exponent => "指数表記（1e5 など）は使えません",
            Problem::Hex => "16進数は使えません",
            Problem::Underscore => "「_」で区切った数は使えません",
            Problem::Separators => "桁区切りのカンマの位置が正しくありません（例: 1,200）",
            Problem::LeadingPoint => "小数は 0.5 のように書いてください",
            Problem::TooLong => "桁数が多すぎます",
        }
    }
}

/// A number-like token of normalised text.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberToken {
    /// The whole token: sign, digits, scale, unit, 削減/減, per-what (bytes).
    pub span: Range<usize>,
    /// The digits alone (bytes).
    pub digits: Range<usize>,
    /// The value with its scale (「7千」 → 7000, 「4割」 → 40); `None` when malformed.
    pub value: Option<f64>,
    /// Written with a minus sign, △/▲, or 「マイナス」.
    pub negative: bool,
    /// What is wrong with it, if anything.
    pub problem: Option<Problem>,
    /// Looks like a year rather than a quantity: 「令和8」「R8」「FY2027」「7年度」「2026年」.
    pub year_like: bool,
    /// The unit after it, canonical (件, 人, 時間, %, ポイント, 施設, 分, 日, 回, 箱, 台).
    pub unit: Option<&'static str>,
    /// What it is counted per: 「10件/週」, 「月5000回」 → 週, 月.
    pub per: Option<String>,
    /// Followed by 「削減」 or 「減」.
    pub reduction: bool,
    /// Has a fractional part.
    pub fractional: bool,
}

/// Unit spellings and their canonical unit, longest first.
const UNITS: &[(&str, &str)] = &[
    ("パーセント", "%"),
    ("ポイント", "ポイント"),
    ("時間", "時間"),
    ("施設", "施設"),
    ("pt", "ポイント"),
    ("点", "ポイント"),
    ("件", "件"),
    ("人", "人"),
    ("名", "人"),
    ("%", "%"),
    ("分", "分"),
    ("日", "日"),
    ("回", "回"),
    ("箱", "箱"),
    ("台", "台"),
    ("割", "%"),
];
/// What a value may be counted per, after a slash (「10件/週」).
const PERS: &[&str] = &["週", "月", "年", "日", "回", "件", "人", "施設"];
/// Signs that make a number negative.
const MINUS: &[&str] = &["マイナス", "-", "−", "‐", "‑", "–", "—", "△", "▲", "▼", "ー"];
/// Words before a number that make it a year.
pub const YEAR_BEFORE: &[&str] = &["令和", "平成", "昭和", "r", "fy", "h", "西暦"];
/// Words after a number that make it a year.
const YEAR_AFTER: &[&str] = &["年度", "年"];

/// Every number-like token of `text` (normalised: NFKC, lower case), in order.
///
/// ```
/// let t = keikaku::numbers::scan("令和8年度は1,200件でした");
/// assert_eq!(t.len(), 2);
/// assert!(t[0].year_like);
/// assert_eq!((t[1].value, t[1].unit), (Some(1200.0), Some("件")));
/// ```
pub fn scan(text: &str) -> Vec<NumberToken> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map_or(text.len(), |(b, _)| *b);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let leading_point = c == '.' && chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit());
        if !c.is_ascii_digit() && !leading_point {
            i += 1;
            continue;
        }
        let start = i;
        let mut problem = leading_point.then_some(Problem::LeadingPoint);
        // The run of digits with separators, and anything that makes it something else.
        while i < chars.len() {
            let c = chars[i].1;
            let next_digit = chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit());
            let next_sign_digit = chars.get(i + 1).is_some_and(|(_, d)| *d == '+' || *d == '-')
                && chars.get(i + 2).is_some_and(|(_, d)| d.is_ascii_digit());
            if c.is_ascii_digit() || ((c == ',' || c == '.') && next_digit) {
                i += 1;
            } else if c == '_' && next_digit {
                problem.get_or_insert(Problem::Underscore);
                i += 1;
            } else if (c == 'e') && (next_digit || next_sign_digit) && i > start {
                problem.get_or_insert(Problem::Exponent);
                i += if next_sign_digit { 2 } else { 1 };
            } else if c == 'x' && i == start + 1 && chars[start].1 == '0' {
                problem.get_or_insert(Problem::Hex);
                i += 1;
                while i < chars.len() && chars[i].1.is_ascii_hexdigit() {
                    i += 1;
                }
            } else {
                break;
            }
        }
        let digits = at(start)..at(i);
        let written = &text[digits.clone()];
        if problem.is_none() {
            problem = check_separators(written);
        }
        let plain: String = written.chars().filter(|c| *c != ',').collect();
        if problem.is_none() && plain.chars().filter(char::is_ascii_digit).count() > 15 {
            problem = Some(Problem::TooLong);
        }
        let fractional = plain.contains('.');
        let mut value = if problem.is_none() { plain.parse::<f64>().ok().filter(|v| v.is_finite()) } else { None };
        // Before: a sign, or what makes it a year.
        let before = &text[..at(start)];
        let trimmed_before = before.trim_end();
        let minus = MINUS.iter().find(|m| trimmed_before.ends_with(**m));
        // A long-vowel mark is a minus only where no kana precedes it (「ー5」, not 「データー5」).
        let minus = minus.filter(|m| {
            **m != "ー"
                || !trimmed_before
                    .trim_end_matches('ー')
                    .chars()
                    .next_back()
                    .is_some_and(|c| ('\u{3041}'..='\u{30FF}').contains(&c))
        });
        let token_start = minus.map_or(at(start), |m| trimmed_before.len() - m.len());
        let negative = minus.is_some();
        let mut year_like = YEAR_BEFORE.iter().any(|w| before.ends_with(w));
        // After: a scale, a unit, 削減/減, a per-what.
        let mut end = i;
        let rest = |end: usize| &text[at(end)..];
        for (word, scale) in [("千", 1e3), ("万", 1e4), ("億", 1e8)] {
            if rest(end).starts_with(word) {
                value = value.map(|v| v * scale);
                end += 1;
                break;
            }
        }
        if YEAR_AFTER.iter().any(|w| rest(end).starts_with(w)) {
            year_like = true;
        }
        let mut unit = None;
        if !year_like && let Some((spelling, canonical)) = UNITS.iter().find(|(s, _)| rest(end).starts_with(s)) {
            unit = Some(*canonical);
            end += spelling.chars().count();
            if *spelling == "割" {
                value = value.map(|v| v * 10.0);
            }
        }
        let mut reduction = false;
        for w in ["削減", "減"] {
            if rest(end).starts_with(w) {
                reduction = true;
                end += w.chars().count();
                break;
            }
        }
        let mut per = None;
        if let Some(after) = rest(end).strip_prefix('/') {
            let spaces = after.chars().take_while(|c| c.is_whitespace()).count();
            let after = after.trim_start();
            if let Some(word) = PERS.iter().find(|p| after.starts_with(**p)) {
                end += 1 + spaces + word.chars().count();
                per = Some((*word).to_string());
            }
        }
        if per.is_none() {
            // 「月5000回」「年35時間」「1日6件」: the period before the number.
            per = ["月", "年", "週", "日"]
                .into_iter()
                .find(|p| {
                    before.ends_with(p) || before.ends_with(&format!("1{p}")) || before.ends_with(&format!("{p}間"))
                })
                .filter(|_| !year_like)
                .map(str::to_string);
        }
        out.push(NumberToken {
            span: token_start..at(end),
            digits,
            value,
            negative,
            problem,
            year_like,
            unit,
            per,
            reduction,
            fractional,
        });
        i = end.max(i);
    }
    out
}

/// Thousands separators, when present, must group the integer part by three
/// (「1,200」「12,345.6」), with one to three digits first.
fn check_separators(written: &str) -> Option<Problem> {
    let integer = written.split('.').next().unwrap_or("");
    if written.matches('.').count() > 1 {
        return Some(Problem::Separators);
    }
    if !integer.contains(',') {
        return None;
    }
    let groups: Vec<&str> = integer.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    (!(first_ok && rest_ok)).then_some(Problem::Separators)
}

/// A digit written other than 0–9 or full-width ０–９ (「𝟗」, 「⑨」, 「٩」), which
/// normalisation would silently turn into another number.
pub fn odd_digit(raw: &str) -> Option<char> {
    raw.chars().find(|c| c.is_numeric() && !c.is_ascii_digit() && !('０'..='９').contains(c) && !is_kanji_numeral(*c))
}

fn is_kanji_numeral(c: char) -> bool {
    "〇一二三四五六七八九十百千万億兆".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> NumberToken {
        let t = scan(text);
        assert_eq!(t.len(), 1, "{text}: {t:?}");
        t.into_iter().next().unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn values_units_scales_and_separators() {
        assert_eq!(one("1,200人").value, Some(1200.0));
        assert_eq!(one("85.5%").value, Some(85.5));
        assert_eq!(one("7千人").value, Some(7000.0));
        assert_eq!((one("4割減").value, one("4割減").unit, one("4割減").reduction), (Some(40.0), Some("%"), true));
        assert_eq!(one("10件/週").per.as_deref(), Some("週"));
        assert_eq!(one("月5000回").per.as_deref(), Some("月"));
    }

    #[test]
    fn odd_forms_are_named_not_guessed() {
        assert_eq!(one("1e309件").problem, Some(Problem::Exponent));
        assert_eq!(one("1e5").problem, Some(Problem::Exponent));
        assert_eq!(one("0x10").problem, Some(Problem::Hex));
        assert_eq!(one("1_000").problem, Some(Problem::Underscore));
        assert_eq!(one("9,2件").problem, Some(Problem::Separators));
        assert_eq!(one("1,2,3件").problem, Some(Problem::Separators));
        assert_eq!(one(".5件").problem, Some(Problem::LeadingPoint));
        assert_eq!(one("99999999999999999999件").problem, Some(Problem::TooLong));
        assert_eq!(one("1,200").problem, None);
    }

    #[test]
    fn negative_signs_in_every_notation() {
        for text in ["-5件", "−5件", "マイナス5件", "△5件", "▲5件", "- 5件", "ー5件"] {
            assert!(one(text).negative, "{text}");
        }
        assert!(!one("データ5件").negative);
    }

    #[test]
    fn year_like_numbers() {
        for text in ["令和8", "r8", "fy2027", "7年度", "2026年", "h30"] {
            assert!(one(text).year_like, "{text}");
        }
        assert!(!one("92件").year_like);
    }

    #[test]
    fn odd_digits_are_found_before_normalisation() {
        assert_eq!(odd_digit("𝟗𝟐件"), Some('𝟗'));
        assert_eq!(odd_digit("⑨②"), Some('⑨'));
        assert_eq!(odd_digit("９２件"), None);
        assert_eq!(odd_digit("九十件"), None);
    }
}
