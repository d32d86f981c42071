//! KPI figures in a question: 「7千人」「4割減」「1万時間」「47%」「月5000回」 read as numbers
//! with units, and matched against the plan's KPI targets, so that a figure someone remembers
//! names the initiative it belongs to (「194件を目標にしている取組」 → p.32).
//!
//! Pure functions over normalised text and the plan; no search.

use std::ops::Range;

use serde::Serialize;

use crate::plan::{Plan, Target, TargetKind};

/// A number a question states, with what it counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// The value (「7千」 → 7000, 「4割」 → 40 with unit %).
    pub value: f64,
    /// The unit after it (件, 人, 時間, %, 施設, 回 …), when there is one.
    pub unit: Option<String>,
    /// 「月5000回」, 「年35時間」: what the value is counted per.
    pub per: Option<String>,
    /// True when the question says the figure is a cut (「減」「削減」「減らす」).
    pub reduction: bool,
    /// Where it stands in the normalised question (bytes).
    #[serde(skip)]
    pub span: Range<usize>,
}

/// The figures of a normalised question: the numbers [`crate::numbers::scan`] finds, less
/// years (「令和8年度」「2026年」), counts of things that are not KPIs (「2つ」「3年間」),
/// policy numbers, negatives and malformed numbers, and bare small numbers.
pub fn extract(text: &str) -> Vec<Figure> {
    crate::numbers::scan(text)
        .into_iter()
        .filter_map(|t| {
            let value = t.value?;
            let before = &text[..t.digits.start];
            let after = &text[t.digits.end..];
            let not_a_figure = t.year_like
                || t.negative
                || t.problem.is_some()
                || before.ends_with("方針")
                || before.ends_with('第')
                || ["つ", "歳", "才", "か月", "ヶ月", "カ月", "階", "番", "号", "区"]
                    .iter()
                    .any(|w| after.starts_with(w));
            if not_a_figure || (t.unit.is_none() && value < 10.0) {
                return None;
            }
            // The figure's own words go with it: 「令和5年度比」 before.
            let begin = if before.ends_with('比') {
                t.span.start.min(t.digits.start - '比'.len_utf8())
            } else {
                t.span.start
            };
            Some(Figure {
                value,
                unit: t.unit.map(str::to_string),
                per: t.per,
                reduction: t.reduction || text[t.span.end..].chars().take(6).collect::<String>().contains('減'),
                span: begin..t.span.end,
            })
        })
        .collect()
}

/// How well a figure fits a target: 0 (not at all) to 1 (number, unit and kind agree).
pub fn fit(figure: &Figure, target: &Target) -> f32 {
    let Some(value) = target.value else {
        return 0.0;
    };
    let same_number = (value - figure.value).abs() < 1e-6
        || target.note.as_deref().is_some_and(|n| note_numbers(n).iter().any(|v| (v - figure.value).abs() < 1e-6));
    if !same_number {
        return 0.0;
    }
    let in_note = (value - figure.value).abs() >= 1e-6;
    let unit_fits = match (&figure.unit, &target.unit) {
        (None, _) => 0.6,
        (Some(a), Some(b)) if a == b => 1.0,
        (Some(a), Some(b)) if same_kind(a, b) => 0.9,
        (Some(a), _) if in_note && target.note.as_deref().is_some_and(|n| n.contains(a.as_str())) => 1.0,
        _ => 0.3,
    };
    let kind_fits = if figure.reduction && target.kind != TargetKind::Reduction { 0.8 } else { 1.0 };
    unit_fits * kind_fits
}

fn same_kind(a: &str, b: &str) -> bool {
    let counts = ["件", "回"];
    counts.contains(&a) && counts.contains(&b)
}

fn note_numbers(note: &str) -> Vec<f64> {
    note.split(|c: char| !(c.is_ascii_digit() || c == '.')).filter_map(|s| s.parse::<f64>().ok()).collect()
}

/// The initiatives whose KPI targets (or baselines) hold the figure, with how well it fits.
pub fn matches(plan: &Plan, figure: &Figure) -> Vec<(u16, f32)> {
    let mut out: Vec<(u16, f32)> = Vec::new();
    for i in &plan.initiatives {
        let best = i.kpis.iter().flat_map(|k| k.targets.iter().map(|(_, t)| fit(figure, t))).fold(0.0_f32, f32::max);
        if best > 0.0 {
            out.push((i.page, best));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(f64, Option<String>)> {
        extract(text).into_iter().map(|f| (f.value, f.unit)).collect()
    }

    #[test]
    fn scales_units_and_separators_are_read() {
        assert_eq!(values("7千人が使う"), vec![(7000.0, Some("人".into()))]);
        assert_eq!(values("1万時間も"), vec![(10000.0, Some("時間".into()))]);
        assert_eq!(values("4割減"), vec![(40.0, Some("%".into()))]);
        assert_eq!(values("7,000時間"), vec![(7000.0, Some("時間".into()))]);
        assert_eq!(values("47%まで"), vec![(47.0, Some("%".into()))]);
        assert_eq!(values("26施設を"), vec![(26.0, Some("施設".into()))]);
    }

    #[test]
    fn years_policies_and_small_counts_are_not_figures() {
        assert!(values("令和5年度比で").is_empty());
        assert!(values("基本方針2の").is_empty());
        assert!(values("2つの取組").is_empty());
        assert!(values("3年間ずっと").is_empty());
        assert!(values("2026年に").is_empty());
    }

    #[test]
    fn per_and_reduction_are_noticed() {
        let f = extract("月5000回のアクセス");
        assert_eq!(f[0].per.as_deref(), Some("月"));
        let f = extract("年35時間の削減");
        assert_eq!(f[0].per.as_deref(), Some("年"));
        assert!(f[0].reduction);
        assert!(extract("20%減を目指す")[0].reduction);
    }

    #[test]
    fn a_figure_fits_a_target_with_the_same_number_and_unit() {
        let t = Target::parse("7,000時間");
        let f = &extract("7千時間")[0];
        assert!((fit(f, &t) - 1.0).abs() < 1e-6);
        let f = &extract("7千人")[0];
        assert!(fit(f, &t) < 0.5);
        let f = &extract("200回")[0];
        assert!(fit(f, &Target::parse("200件")) >= 0.9);
        let f = &extract("26施設")[0];
        assert!(fit(f, &Target::parse("60.5%(26施設 / 43施設)")) >= 0.9);
    }
}
