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
}

/// Units a value may carry, and the spellings that mean them.
const UNITS: &[(&str, &str)] = &[
    ("ポイント", "ポイント"),
    ("pt", "ポイント"),
    ("点", "ポイント"),
    ("時間", "時間"),
    ("施設", "施設"),
    ("件", "件"),
    ("人", "人"),
    ("名", "人"),
    ("%", "%"),
    ("パーセント", "%"),
    ("分", "分"),
    ("日", "日"),
    ("回", "回"),
    ("箱", "箱"),
];

/// Why a value was refused. Messages are Japanese: they reach the person who reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// No number at all.
    #[error("「{0}」は数値として読めません。例: 92件、85.5%、1,200人")]
    NotANumber(String),
    /// A negative number.
    #[error("「{0}」は負の値です。実績は0以上の数値で報告してください")]
    Negative(String),
    /// A unit that is not the target's.
    #[error("単位「{unit}」が目標の単位「{expected}」と合いません（目標: {target}）")]
    WrongUnit {
        /// The reported unit.
        unit: String,
        /// The target's unit.
        expected: String,
        /// The target as the plan prints it.
        target: String,
    },
}

impl ReportedValue {
    /// Parses a value: full-width digits, thousands separators, decimals, a unit, a per-what,
    /// and a trailing 「削減」 or 「減」 (for reduction targets).
    ///
    /// ```
    /// use keikaku::actuals::ReportedValue;
    /// let v = ReportedValue::parse("１，２００人").unwrap();
    /// assert_eq!((v.number, v.unit.as_deref()), (1200.0, Some("人")));
    /// assert!(ReportedValue::parse("たくさん").is_err());
    /// assert!(ReportedValue::parse("-3件").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<ReportedValue, ValueError> {
        let text = normalize(raw);
        let text = text.trim().trim_end_matches(['。', '.']).trim_end_matches("でした").trim_end_matches("です");
        let negative = text.starts_with('-') || text.starts_with('−') || text.starts_with("マイナス");
        let body = text.trim_start_matches(['-', '−', '+']).trim_start_matches("マイナス");
        let end = body
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '.'))
            .map_or(body.len(), |(i, _)| i);
        let digits: String = body[..end].chars().filter(|c| *c != ',').collect();
        let Ok(number) = digits.parse::<f64>() else {
            return Err(ValueError::NotANumber(raw.trim().to_string()));
        };
        if negative && number != 0.0 {
            return Err(ValueError::Negative(raw.trim().to_string()));
        }
        let mut rest = body[end..].trim();
        let mut unit = None;
        if let Some((spelling, canonical)) = UNITS.iter().find(|(s, _)| rest.starts_with(s)) {
            unit = Some((*canonical).to_string());
            rest = &rest[spelling.len()..];
        }
        rest = rest.strip_prefix("削減").or_else(|| rest.strip_prefix('減')).unwrap_or(rest).trim();
        let mut per = None;
        if let Some(p) = rest.strip_prefix('/') {
            per = Some(p.trim().to_string());
            rest = "";
        }
        if !rest.is_empty() || !number.is_finite() {
            return Err(ValueError::NotANumber(raw.trim().to_string()));
        }
        Ok(ReportedValue { raw: raw.trim().to_string(), number, unit, per })
    }

    /// Checks the unit (and per-what) against the KPI's targets; a value written without a
    /// unit takes the target's.
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
        if let (Some(p), Some(e)) = (&self.per, &target.per)
            && p != e
        {
            return Err(ValueError::WrongUnit {
                unit: format!("{}/{p}", self.unit.clone().unwrap_or_default()),
                expected: format!("{}/{e}", expected.unwrap_or_default()),
                target: target.raw.clone(),
            });
        }
        if self.per.is_none() {
            self.per = target.per.clone();
        }
        Ok(self)
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
        for bad in ["たくさん", "", "約90件", "90件くらい", "1.2.3件"] {
            assert!(matches!(ReportedValue::parse(bad), Err(ValueError::NotANumber(_))), "{bad}");
        }
        assert!(matches!(ReportedValue::parse("-5件"), Err(ValueError::Negative(_))));
        assert!(matches!(ReportedValue::parse("−5件"), Err(ValueError::Negative(_))));
    }
}
