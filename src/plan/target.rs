//! KPI targets: the raw text of a cell (「導入前比 5%削減」) understood as a number, a unit,
//! a baseline and a direction, so that progress can be judged. Where the text is not fully
//! understood, [`Target::understood`] is false and the raw text is all we claim.

use serde::{Deserialize, Serialize};

use crate::normalize::normalize;

/// Which way a KPI should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (利用件数, 登録者数, a reduction achieved).
    Higher,
    /// Less is better, and the target is a ceiling (漏水の発生件数, インシデント発生件数).
    Lower,
}

impl Direction {
    /// 「多いほど良い」 or 「少ないほど良い」.
    pub fn japanese(self) -> &'static str {
        match self {
            Direction::Higher => "多いほど良い",
            Direction::Lower => "少ないほど良い",
        }
    }

    /// 「増えるほど良い指標」 or 「減るほど良い指標」: the direction as the site tells residents,
    /// without how it was decided (that basis is for staff and the parser's tests).
    pub fn for_residents(self) -> &'static str {
        match self {
            Direction::Higher => "増えるほど良い指標",
            Direction::Lower => "減るほど良い指標",
        }
    }
}

/// What kind of quantity a target states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A level to reach or keep (90件, 80%).
    Level,
    /// An amount or share to cut, relative to a baseline when one is named
    /// (「令和5年度比 10%削減」, 「2分削減」, 「800時間減」).
    Reduction,
}

/// One yearly target of one KPI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The text as the plan prints it, for display.
    pub raw: String,
    /// The number, when there is one (「5,000件」 → 5000).
    pub value: Option<f64>,
    /// The unit after the number (件, 人, 時間, %, ポイント, 分, 日, 施設, 回).
    pub unit: Option<String>,
    /// The period or item the value is counted per (「10件/週」 → 週).
    pub per: Option<String>,
    /// What a reduction is measured against (「令和5年度比」 → 令和5年度).
    pub baseline: Option<String>,
    /// The scale a rating is out of (「5ポイントのうち」 → 5).
    pub out_of: Option<f64>,
    /// Words before the number that qualify it (「導入後」, 「先進事例の把握」).
    pub qualifier: Option<String>,
    /// A note in brackets after the value (「26施設 / 43施設」).
    pub note: Option<String>,
    /// Level or reduction.
    pub kind: TargetKind,
    /// True when the plan says 「以上」: the value is a floor.
    pub at_least: bool,
    /// True when every part of the text was understood.
    pub understood: bool,
}

/// Units recognised after a number, longest first so that 「ポイント」 wins over nothing.
const UNITS: &[&str] = &[
    "ポイント",
    "時間",
    "施設",
    "件",
    "人",
    "%",
    "分",
    "日",
    "回",
    "箱",
    "台",
    "円",
    "ページ",
    "個",
    "か所",
    "箇所",
    "校",
    "館",
];

impl Target {
    /// Parses one table cell. Never fails: what is not understood is flagged.
    ///
    /// ```
    /// use keikaku::plan::{Target, TargetKind};
    /// let t = Target::parse("令和5年度比 10%削減");
    /// assert_eq!((t.value, t.unit.as_deref()), (Some(10.0), Some("%")));
    /// assert_eq!((t.kind, t.baseline.as_deref()), (TargetKind::Reduction, Some("令和5年度")));
    /// ```
    pub fn parse(raw: &str) -> Target {
        let raw = raw.trim().to_string();
        let t = normalize(&raw);
        let mut target = Target {
            raw,
            value: None,
            unit: None,
            per: None,
            baseline: None,
            out_of: None,
            qualifier: None,
            note: None,
            kind: TargetKind::Level,
            at_least: false,
            understood: false,
        };
        let mut rest: &str = &t;

        // 「…比」: the baseline of a reduction.
        if let Some(pos) = rest.find('比') {
            let before = &rest[..pos];
            if !before.is_empty() {
                target.baseline = Some(before.to_string());
                rest = &rest[pos + '比'.len_utf8()..];
            }
        }
        // 「5ポイントのうち」: the scale of a rating.
        if let Some(pos) = rest.find("のうち")
            && let (Some(n), "ポイント") = split_number(&rest[..pos])
        {
            target.out_of = Some(n);
            rest = &rest[pos + "のうち".len()..];
        }
        // Words before the number.
        let first_digit = rest.find(|c: char| c.is_ascii_digit());
        match first_digit {
            Some(0) => {}
            Some(pos) => {
                target.qualifier = Some(rest[..pos].to_string());
                rest = &rest[pos..];
            }
            None => return target,
        }
        let (value, after) = split_number(rest);
        target.value = value;
        rest = after;
        if let Some(unit) = UNITS.iter().find(|u| rest.starts_with(**u)) {
            target.unit = Some((*unit).to_string());
            rest = &rest[unit.len()..];
        }
        if let Some(r) = rest.strip_prefix("削減").or_else(|| rest.strip_prefix('減')) {
            target.kind = TargetKind::Reduction;
            rest = r;
        }
        if let Some(r) = rest.strip_prefix("以上") {
            target.at_least = true;
            rest = r;
        }
        if let Some(r) = rest.strip_prefix('/') {
            let end = r.find('(').unwrap_or(r.len());
            target.per = Some(r[..end].to_string());
            rest = &r[end..];
        }
        if let Some(r) = rest.strip_prefix('(')
            && let Some(end) = r.find(')')
        {
            target.note = Some(r[..end].split_whitespace().collect());
            rest = &r[end + 1..];
        }
        target.understood = target.value.is_some() && rest.is_empty();
        target
    }

    /// The value with its unit and per-what, e.g. 「10件/週」; the raw text when no number
    /// was found.
    pub fn display_value(&self) -> String {
        match self.value {
            Some(v) => {
                let mut s = format_number(v);
                if let Some(u) = &self.unit {
                    s.push_str(u);
                }
                if let Some(p) = &self.per {
                    s.push('/');
                    s.push_str(p);
                }
                s
            }
            None => self.raw.clone(),
        }
    }
}

/// Splits a leading number (with thousands separators and decimals) off `text`.
fn split_number(text: &str) -> (Option<f64>, &str) {
    let text = text.trim_start();
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '.'))
        .map_or(text.len(), |(i, _)| i);
    let digits: String = text[..end].chars().filter(|c| *c != ',').collect();
    let value = digits.parse::<f64>().ok();
    (value, text[end..].trim_start())
}

/// 「5,000」, 「3.5」, 「60.5」: thousands separated, no trailing zeros.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let n = v as i64;
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Words in an indicator's name that mean fewer is better.
const LOWER_IS_BETTER: &[&str] = &["発生件数", "インシデント", "誤り", "紙使用率", "照会件数", "平均日数", "待ち時間"];

/// Decides which way an indicator should move, and says why (for display).
///
/// A reduction target (「削減」, 「減」) states an amount to achieve, so more is better. Then a
/// name such as 「発生件数」 means fewer is better; then targets that fall from year to year
/// (漏水 247 → 194 → 141) mean the target is a ceiling. Otherwise more is better.
pub fn infer_direction(name: &str, targets: &[&Target]) -> (Direction, &'static str) {
    if targets.iter().any(|t| t.kind == TargetKind::Reduction) {
        return (Direction::Higher, "削減量の目標");
    }
    if targets.iter().any(|t| t.at_least) {
        return (Direction::Higher, "「以上」の目標");
    }
    let name = normalize(name);
    if LOWER_IS_BETTER.iter().any(|w| name.contains(w)) {
        return (Direction::Lower, "指標名から");
    }
    let values: Vec<f64> = targets.iter().filter_map(|t| t.value).collect();
    if values.len() >= 2 && values.windows(2).all(|w| w[1] <= w[0]) && values[0] > values[values.len() - 1] {
        return (Direction::Lower, "年度ごとに目標値が下がる");
    }
    (Direction::Higher, "既定")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Target {
        Target::parse(s)
    }

    #[test]
    fn plain_counts_parse_with_their_unit() {
        let t = p("5,000件");
        assert_eq!((t.value, t.unit.as_deref(), t.understood), (Some(5000.0), Some("件"), true));
        assert_eq!(t.display_value(), "5,000件");
    }

    #[test]
    fn ratings_keep_their_scale_and_floor() {
        let t = p("5ポイントのうち 3.5ポイント以上");
        assert_eq!((t.value, t.out_of, t.at_least), (Some(3.5), Some(5.0), true));
        assert_eq!(t.unit.as_deref(), Some("ポイント"));
        assert!(t.understood);
        assert!(p("5ポイントのうち3.0ポイント以上").understood);
    }

    #[test]
    fn reductions_keep_their_baseline_and_per() {
        let t = p("導入前比 5%削減");
        assert_eq!((t.kind, t.baseline.as_deref()), (TargetKind::Reduction, Some("導入前")));
        let t = p("20分削減/回");
        assert_eq!((t.value, t.per.as_deref(), t.baseline), (Some(20.0), Some("回"), None));
        let t = p("システム導入前比 800時間減");
        assert_eq!((t.kind, t.value), (TargetKind::Reduction, Some(800.0)));
        let t = p("データ公開前比40%減");
        assert_eq!((t.baseline.as_deref(), t.value), (Some("データ公開前"), Some(40.0)));
        let t = p("2分減/件");
        assert_eq!((t.per.as_deref(), t.understood), (Some("件"), true));
    }

    #[test]
    fn a_note_in_brackets_is_kept_apart() {
        let t = p("60.5%(26施設 / 43施設)");
        assert_eq!((t.value, t.note.as_deref()), (Some(60.5), Some("26施設/43施設")));
        assert!(t.understood);
    }

    #[test]
    fn words_before_the_number_are_a_qualifier() {
        let t = p("導入後 60%");
        assert_eq!((t.qualifier.as_deref(), t.value), (Some("導入後"), Some(60.0)));
        let t = p("先進事例の把握 2件");
        assert_eq!(t.qualifier.as_deref(), Some("先進事例の把握"));
    }

    #[test]
    fn text_without_a_number_is_not_understood() {
        let t = p("運用");
        assert_eq!((t.value, t.understood), (None, false));
        assert_eq!(t.display_value(), "運用");
    }

    #[test]
    fn falling_counts_are_lower_is_better_and_reductions_higher() {
        let leak: Vec<Target> = ["247件", "194件", "141件"].into_iter().map(p).collect();
        let refs: Vec<&Target> = leak.iter().collect();
        assert_eq!(infer_direction("突発的な断水を伴う漏水の発生件数", &refs).0, Direction::Lower);
        let cut: Vec<Target> = ["10%削減", "5%削減"].into_iter().map(p).collect();
        let refs: Vec<&Target> = cut.iter().collect();
        assert_eq!(infer_direction("サイト総ページ数の削減率", &refs).0, Direction::Higher);
        let zero = [p("0件")];
        let refs: Vec<&Target> = zero.iter().collect();
        assert_eq!(infer_direction("インシデント発生件数", &refs).0, Direction::Lower);
        let paper: Vec<Target> = ["85%", "80%", "75%"].into_iter().map(p).collect();
        let refs: Vec<&Target> = paper.iter().collect();
        assert_eq!(infer_direction("紙使用率", &refs).0, Direction::Lower);
    }

    #[test]
    fn numbers_format_with_separators() {
        assert_eq!(format_number(91600.0), "91,600");
        assert_eq!(format_number(3.5), "3.5");
        assert_eq!(format_number(0.0), "0");
    }
}
