//! A reported value: 「92件」, 「１，２００人」, 「85.5%」, 「12%削減」, checked against the unit
//! of the KPI's target.

use crate::normalize::normalize;
use crate::plan::{Kpi, format_number};

/// A value as reported, understood.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedValue {
    /// The text as reported.
    pub raw: String,
    /// The number.
    pub number: f64,
    /// The unit, when one was written (normalised: 「点」 → 「ポイント」).
    pub unit: Option<String>,
    /// The per-what, when written (「/週」).
    pub per: Option<String>,
    /// Written as a cut: 「12%削減」, 「800時間減」.
    pub reduction: bool,
    /// Has a fractional part (「85.5%」).
    pub fractional: bool,
}

/// Units that count whole things: a fraction of one is a mistake.
const COUNTS: &[&str] = &["件", "人", "施設", "回", "箱", "台"];
/// A value more than this many times the largest target is asked about before it is written.
pub const IMPLAUSIBLE_FACTOR: f64 = 1000.0;

/// Why a value was refused. Messages are Japanese: they reach the person who reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// No number at all.
    #[error("「{0}」は数値として読めません。例: 92件、85.5%、1,200人")]
    NotANumber(String),
    /// A negative number.
    #[error("「{0}」は負の値です。実績は0以上の数値で報告してください")]
    Negative(String),
    /// A number written in a form we do not read (exponent, hex, separators …).
    #[error("「{value}」は読めません: {why}")]
    Malformed {
        /// The text.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Digits other than 0–9 (「𝟗」「⑨」).
    #[error("「{0}」の数字は半角か全角の0〜9で書いてください")]
    OddDigits(String),
    /// More than one number where one value was expected.
    #[error("「{0}」には数値が複数あります。報告する値を1つだけ書いてください")]
    Several(String),
    /// A unit that is not the target's.
    #[error("単位「{unit}」が目標の単位「{expected}」と合いません（目標: {target}）")]
    WrongUnit {
        /// The reported unit.
        unit: String,
        /// The target's unit.
        expected: String,
        /// The target's text.
        target: String,
    },
    /// 「/週」 on a target counted otherwise, or none.
    #[error("「{value}」の「/{per}」は目標（{target}）にありません。目標と同じ形で書いてください")]
    WrongPer {
        /// The value.
        value: String,
        /// The per-what written.
        per: String,
        /// The target's text.
        target: String,
    },
    /// 「削減」「減」 on a target that is not a cut.
    #[error("「{value}」は削減量ですが、この指標の目標（{target}）は削減量ではありません。実際の値を書いてください")]
    NotAReduction {
        /// The value.
        value: String,
        /// The target's text.
        target: String,
    },
    /// A fraction of a count.
    #[error("「{value}」は{unit}の数なので、整数で書いてください")]
    FractionOfCount {
        /// The value.
        value: String,
        /// The unit.
        unit: String,
    },
}

impl ReportedValue {
    /// Parses a value: exactly one number, in ordinary or full-width digits, with thousands
    /// separators where they belong, decimals, a unit, a per-what, a trailing 「削減」 or
    /// 「減」; anything else is refused with the reason, never guessed.
    ///
    /// ```
    /// use keikaku::actuals::ReportedValue;
    /// let v = ReportedValue::parse("１，２００人").unwrap();
    /// assert_eq!((v.number, v.unit.as_deref()), (1200.0, Some("人")));
    /// assert!(ReportedValue::parse("たくさん").is_err());
    /// assert!(ReportedValue::parse("-3件").is_err());
    /// assert!(ReportedValue::parse("1e5").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<ReportedValue, ValueError> {
        let shown = raw.trim().to_string();
        if crate::numbers::odd_digit(raw).is_some() {
            return Err(ValueError::OddDigits(shown));
        }
        let text = normalize(raw);
        let text =
            text.trim().trim_end_matches(['。', '.', '!']).trim_end_matches("でした").trim_end_matches("です").trim();
        let tokens = crate::numbers::scan(text);
        let token = match tokens.as_slice() {
            [] => return Err(ValueError::NotANumber(shown)),
            [one] => one,
            _ => return Err(ValueError::Several(shown)),
        };
        if let Some(p) = token.problem {
            return Err(ValueError::Malformed { value: shown, why: p.japanese() });
        }
        // Nothing but the number may stand there (「約90件」「90件くらい」 are not values).
        let before = text[..token.span.start].trim();
        let after = text[token.span.end..].trim();
        if !(before.is_empty() || before == "+") || !after.is_empty() || token.year_like {
            return Err(ValueError::NotANumber(shown));
        }
        let Some(number) = token.value else {
            return Err(ValueError::NotANumber(shown));
        };
        if token.negative && number != 0.0 {
            return Err(ValueError::Negative(shown));
        }
        Ok(ReportedValue {
            raw: shown,
            number,
            unit: token.unit.map(str::to_string),
            per: token.per.clone(),
            reduction: token.reduction,
            fractional: token.fractional,
        })
    }

    /// Checks the value against the KPI's targets: the same unit (a value written without
    /// one takes the target's), the same per-what, a cut only where the target is a cut, a
    /// whole number of a count.
    pub fn check_against(mut self, kpi: &Kpi) -> Result<ReportedValue, ValueError> {
        let Some(target) = kpi.targets.iter().map(|(_, t)| t).find(|t| t.value.is_some()) else {
            return Ok(self);
        };
        let expected = target.unit.clone();
        match (&self.unit, &expected) {
            (Some(u), Some(e)) if u != e => {
                return Err(ValueError::WrongUnit { unit: u.clone(), expected: e.clone(), target: target.raw.clone() });
            }
            (None, Some(e)) => self.unit = Some(e.clone()),
            _ => {}
        }
        match (&self.per, &target.per) {
            (Some(p), Some(e)) if p != e => {
                return Err(ValueError::WrongPer {
                    value: self.raw.clone(),
                    per: p.clone(),
                    target: target.raw.clone(),
                });
            }
            (Some(p), None) => {
                return Err(ValueError::WrongPer {
                    value: self.raw.clone(),
                    per: p.clone(),
                    target: target.raw.clone(),
                });
            }
            (None, Some(e)) => self.per = Some(e.clone()),
            _ => {}
        }
        if self.reduction && target.kind != crate::plan::TargetKind::Reduction {
            return Err(ValueError::NotAReduction { value: self.raw.clone(), target: target.raw.clone() });
        }
        if self.fractional
            && let Some(u) = self.unit.as_deref().filter(|u| COUNTS.contains(u))
        {
            return Err(ValueError::FractionOfCount { value: self.raw.clone(), unit: u.to_string() });
        }
        Ok(self)
    }

    /// A warning when the value is far beyond anything the plan aims at (more than
    /// [`IMPLAUSIBLE_FACTOR`] times the largest target): likely a slip, to be confirmed.
    pub fn implausible(&self, kpi: &Kpi) -> Option<String> {
        let largest = kpi.targets.iter().filter_map(|(_, t)| t.value).fold(0.0_f64, f64::max);
        (largest > 0.0 && self.number > largest * IMPLAUSIBLE_FACTOR).then(|| {
            format!(
                "{} は目標の最大値（{}）の{}倍を超えています。桁の誤りではありませんか",
                self.display(),
                format_number(largest),
                format_number(IMPLAUSIBLE_FACTOR)
            )
        })
    }

    /// 「92件」, 「10件/週」.
    pub fn display(&self) -> String {
        display(self.number, self.unit.as_deref(), self.per.as_deref())
    }
}

/// A number with its unit and per-what.
pub fn display(number: f64, unit: Option<&str>, per: Option<&str>) -> String {
    format!("{}{}", format_number(number), unit_label(unit, per))
}

/// 「件」, 「件/週」: a unit with its per-what.
pub fn unit_label(unit: Option<&str>, per: Option<&str>) -> String {
    match (unit, per) {
        (u, Some(p)) => format!("{}/{p}", u.unwrap_or("")),
        (u, None) => u.unwrap_or("").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_commas_and_decimals_parse() {
        assert_eq!(ReportedValue::parse("９２件").unwrap().number, 92.0);
        assert_eq!(ReportedValue::parse("5,100件").unwrap().number, 5100.0);
        let v = ReportedValue::parse("85.5％").unwrap();
        assert_eq!((v.number, v.unit.as_deref()), (85.5, Some("%")));
        assert_eq!(ReportedValue::parse("3.6点").unwrap().unit.as_deref(), Some("ポイント"));
        assert_eq!(ReportedValue::parse("12%削減").unwrap().number, 12.0);
        assert_eq!(ReportedValue::parse("11件/週").unwrap().per.as_deref(), Some("週"));
        assert_eq!(ReportedValue::parse("92件でした。").unwrap().number, 92.0);
    }

    #[test]
    fn words_negative_numbers_and_trailing_junk_are_refused() {
        for bad in ["たくさん", "", "約90件", "90件くらい", "九十件"] {
            assert!(matches!(ReportedValue::parse(bad), Err(ValueError::NotANumber(_))), "{bad}");
        }
        for minus in ["-5件", "−5件", "－5件", "マイナス5件", "△5件", "▲5件"] {
            assert!(matches!(ReportedValue::parse(minus), Err(ValueError::Negative(_))), "{minus}");
        }
    }

    #[test]
    fn odd_notations_are_refused_with_the_reason() {
        for bad in ["1e309件", "1e5", "0x10", "1_000", "9,2件", "1,2,3件", ".5件", "1.2.3件", "99999999999999999999件"]
        {
            assert!(matches!(ReportedValue::parse(bad), Err(ValueError::Malformed { .. })), "{bad}");
        }
        for bad in ["𝟗𝟐件", "⑨②"] {
            assert!(matches!(ReportedValue::parse(bad), Err(ValueError::OddDigits(_))), "{bad}");
        }
        assert!(matches!(ReportedValue::parse("92件 88件"), Err(ValueError::Several(_))));
    }
}
