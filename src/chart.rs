//! One kind of chart, done well: a KPI's targets for each year of the plan against its
//! reported actuals. Hand-written SVG (a few rectangles, lines and labels: simpler to get
//! exactly right, and to pin in golden tests, than a plotting library's output); the bots
//! get it as PNG ([`png`]), rasterised with a Japanese font loaded from a file.
//!
//! Nothing depends on colour alone: each actual says 「✓ 達成」 or 「× 未達」 in words (or
//! 「年度途中」 while its year runs: nothing is missed before the year ends), targets
//! are outlined and dashed while actuals are solid, the direction is written in the title
//! (「多いほど良い ↑」), a reduction's baseline is a labelled line, and the SVG carries a
//! `<title>` and a `<desc>` that say everything the picture shows.

pub mod png;

use crate::actuals::{ActualsView, Status, judge};
use crate::plan::{Direction, FiscalYear, Initiative, Kpi, TargetKind, format_number};

/// What one year of the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Year {
    /// The fiscal year.
    pub year: FiscalYear,
    /// The target's number, and how the plan prints it.
    pub target: Option<(f64, String)>,
    /// The actual reported, and how it stands.
    pub actual: Option<(f64, Status)>,
}

/// Everything a chart draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The initiative's name.
    pub initiative: String,
    /// The indicator.
    pub kpi: String,
    /// The unit (件, %, …).
    pub unit: String,
    /// Which way is better.
    pub direction: Direction,
    /// For a reduction target: what it is measured against (「令和5年度」).
    pub baseline: Option<String>,
    /// The plan's years.
    pub years: Vec<Year>,
    /// Today's fiscal year, when known: a later year is still to come, not unreported.
    pub today: Option<FiscalYear>,
}

impl Chart {
    /// The chart of `kpi` of `initiative` over `years`, with the actuals of `view`, read on
    /// `today` (the current fiscal year): a value of the year still running is 年度途中, a
    /// later year without one says 「これから」.
    pub fn of(
        initiative: &Initiative,
        kpi: &Kpi,
        years: &[FiscalYear],
        view: Option<&ActualsView>,
        today: FiscalYear,
    ) -> Chart {
        let mut unit = String::new();
        let mut baseline = None;
        let years = years
            .iter()
            .map(|&year| {
                let target = kpi.target(year);
                if let Some(t) = target {
                    if unit.is_empty() {
                        unit = t.unit.clone().unwrap_or_default();
                    }
                    if t.kind == TargetKind::Reduction && baseline.is_none() {
                        baseline = t.baseline.clone();
                    }
                }
                let actual = view.and_then(|v| v.get(initiative.page, &kpi.name, year)).map(|a| {
                    let status = target.map_or(Status::NoVerdict, |t| judge(kpi, t, year, Some(a.value), today).status);
                    (a.value, status)
                });
                Year { year, target: target.and_then(|t| t.value.map(|v| (v, t.raw.clone()))), actual }
            })
            .collect();
        Chart {
            initiative: crate::search::matcher::strip_brackets(&initiative.title),
            kpi: kpi.name.clone(),
            unit,
            direction: kpi.direction,
            baseline,
            years,
            today: Some(today),
        }
    }

    /// 「未報告」, or 「これから」 for a year still ahead.
    fn nothing_yet(&self, year: FiscalYear) -> &'static str {
        if self.today.is_some_and(|t| year > t) { "これから" } else { "未報告" }
    }

    /// 「多いほど良い ↑」 or 「少ないほど良い ↓」.
    fn direction_label(&self) -> String {
        match self.direction {
            Direction::Higher => format!("{} ↑", self.direction.japanese()),
            Direction::Lower => format!("{} ↓", self.direction.japanese()),
        }
    }

    /// What the chart shows, in words: its text alternative.
    pub fn description(&self) -> String {
        let mut parts =
            vec![format!("{}「{}」の年度別の目標と実績（{}）", self.initiative, self.kpi, self.direction_label())];
        if let Some(b) = &self.baseline {
            parts.push(format!("目標は{b}比の削減率"));
        }
        for y in &self.years {
            let target = y.target.as_ref().map_or_else(|| "目標なし".to_string(), |(_, raw)| format!("目標 {raw}"));
            let actual = match &y.actual {
                Some((v, status)) => format!("実績 {}{}（{}）", format_number(*v), self.unit, status.japanese()),
                None => format!("実績 {}", self.nothing_yet(y.year)),
            };
            parts.push(format!("{}: {target}、{actual}", y.year.japanese()));
        }
        parts.join("。") + "。"
    }
}

/// True when `kpi` has a target with a number: something to draw.
pub fn drawable(kpi: &Kpi) -> bool {
    kpi.targets.iter().any(|(_, t)| t.value.is_some())
}

/// True when some KPI of `initiative` is [`drawable`].
pub fn has_chart(initiative: &Initiative) -> bool {
    initiative.kpis.iter().any(drawable)
}

/// Escapes text for SVG (XML).
fn xml(text: &str) -> String {
    crate::answer::escape(text).replace('"', "&quot;")
}

/// Width and height of the picture, in SVG units (pixels for the PNG).
pub const WIDTH: u32 = 640;
/// Height.
pub const HEIGHT: u32 = 360;

const LEFT: f64 = 64.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 72.0;
const BOTTOM: f64 = 64.0;
const TARGET_FILL: &str = "#FFFFFF";
const TARGET_LINE: &str = "#1F4E79";
const MET: &str = "#1F6F3F";
const MISSED: &str = "#A33A00";
const NEUTRAL: &str = "#555555";
pub const FONT_FAMILIES: &str = "'Noto Sans CJK JP', 'IPAexGothic', 'IPAGothic', sans-serif";

/// Numbers for the axis: a round step, so that ticks read 0, 25, 50, 75, 100.
fn nice_step(max: f64) -> f64 {
    let raw = (max / 4.0).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude)
}

/// The chart as an SVG document (`<svg>` with `role="img"`, a `<title>` and a `<desc>`), its
/// ids made unique by `id`.
pub fn svg(chart: &Chart, id: &str) -> String {
    let id = xml(id);
    let (w, h) = (f64::from(WIDTH), f64::from(HEIGHT));
    let plot_w = w - LEFT - RIGHT;
    let plot_h = h - TOP - BOTTOM;
    let max = chart
        .years
        .iter()
        .flat_map(|y| y.target.iter().map(|t| t.0).chain(y.actual.iter().map(|a| a.0)))
        .fold(0.0_f64, f64::max);
    let step = nice_step(if max > 0.0 { max } else { 1.0 });
    let top_value = (max / step).ceil().max(1.0) * step;
    let y_of = |v: f64| TOP + plot_h - (v / top_value * plot_h);
    let mut out = String::new();
    let title = format!("{}: {}", chart.initiative, chart.kpi);
    out.push_str(&format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT_FAMILIES}">"#
    ));
    out.push_str(&format!(r#"<title id="{id}-title">{}</title>"#, xml(&title)));
    out.push_str(&format!(r#"<desc id="{id}-desc">{}</desc>"#, xml(&chart.description())));
    out.push_str(r##"<rect width="100%" height="100%" fill="#FFFFFF"/>"##);
    out.push_str(&format!(
        r##"<text x="{LEFT}" y="26" font-size="18" font-weight="bold" fill="#1A1A1A">{}</text>"##,
        xml(&chart.kpi)
    ));
    let unit = if chart.unit.is_empty() { String::new() } else { format!("単位: {} ／ ", chart.unit) };
    let basis = chart.baseline.as_ref().map_or_else(String::new, |b| format!(" ／ {b}比の削減"));
    out.push_str(&format!(
        r##"<text x="{LEFT}" y="48" font-size="13" fill="#333333">{}</text>"##,
        xml(&format!("{unit}{}{basis}", chart.direction_label()))
    ));
    // The scale: ticks and gridlines.
    let mut v = 0.0;
    while v <= top_value + step / 2.0 {
        let y = y_of(v);
        out.push_str(&format!(
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#DDDDDD" stroke-width="1"/>"##,
            w - RIGHT
        ));
        out.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#333333">{}</text>"##,
            LEFT - 8.0,
            y + 4.0,
            xml(&format_number(v))
        ));
        v += step;
    }
    let group = plot_w / chart.years.len().max(1) as f64;
    let bar = (group * 0.28).min(64.0);
    for (n, y) in chart.years.iter().enumerate() {
        let x0 = LEFT + group * n as f64 + group / 2.0;
        if let Some((value, raw)) = &y.target {
            let top = y_of(*value);
            out.push_str(&format!(
                r#"<rect x="{:.1}" y="{top:.1}" width="{bar:.1}" height="{:.1}" fill="{TARGET_FILL}" stroke="{TARGET_LINE}" stroke-width="2" stroke-dasharray="6 3"/>"#,
                x0 - bar - 4.0,
                y_of(0.0) - top
            ));
            out.push_str(&format!(
                r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="{TARGET_LINE}">{}</text>"#,
                x0 - bar / 2.0 - 4.0,
                top - 6.0,
                xml(&format!("目標 {}", short_target(chart, *value, raw)))
            ));
        }
        match &y.actual {
            Some((value, status)) => {
                let (colour, mark) = match status {
                    Status::Achieved => (MET, "✓ 達成"),
                    Status::NotAchieved => (MISSED, "× 未達"),
                    Status::Interim => (NEUTRAL, "年度途中"),
                    _ => (NEUTRAL, "判定なし"),
                };
                let top = y_of(*value);
                out.push_str(&format!(
                    r#"<rect x="{:.1}" y="{top:.1}" width="{bar:.1}" height="{:.1}" fill="{colour}"/>"#,
                    x0 + 4.0,
                    y_of(0.0) - top
                ));
                out.push_str(&format!(
                    r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="{colour}" font-weight="bold">{}</text>"#,
                    x0 + bar / 2.0 + 4.0,
                    top - 20.0,
                    xml(&format!("実績 {}", format_number(*value)))
                ));
                out.push_str(&format!(
                    r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="{colour}" font-weight="bold">{mark}</text>"#,
                    x0 + bar / 2.0 + 4.0,
                    top - 6.0
                ));
            }
            None => out.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#555555">{}</text>"##,
                x0 + bar / 2.0 + 4.0,
                y_of(0.0) - 6.0,
                chart.nothing_yet(y.year)
            )),
        }
        out.push_str(&format!(
            r##"<text x="{x0:.1}" y="{:.1}" font-size="13" text-anchor="middle" fill="#1A1A1A">{}</text>"##,
            h - BOTTOM + 22.0,
            xml(&y.year.japanese())
        ));
    }
    // The axis, then the legend: target dashed and outlined, actual solid.
    out.push_str(&format!(
        r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#1A1A1A" stroke-width="1.5"/>"##,
        w - RIGHT,
        y_of(0.0),
        y_of(0.0)
    ));
    let ly = h - 18.0;
    out.push_str(&format!(
        r#"<rect x="{LEFT}" y="{:.1}" width="18" height="12" fill="{TARGET_FILL}" stroke="{TARGET_LINE}" stroke-width="2" stroke-dasharray="4 2"/>"#,
        ly - 10.0
    ));
    out.push_str(&format!(
        r##"<text x="{:.1}" y="{ly:.1}" font-size="12" fill="#1A1A1A">目標（計画）</text>"##,
        LEFT + 24.0
    ));
    out.push_str(&format!(
        r#"<rect x="{:.1}" y="{:.1}" width="18" height="12" fill="{MET}"/>"#,
        LEFT + 130.0,
        ly - 10.0
    ));
    out.push_str(&format!(
        r##"<text x="{:.1}" y="{ly:.1}" font-size="12" fill="#1A1A1A">実績（✓ 達成 ／ × 未達）</text>"##,
        LEFT + 154.0
    ));
    // A reduction is measured from its baseline: the 0 line is that year, said in the legend.
    if let Some(b) = &chart.baseline {
        let y0 = y_of(0.0);
        out.push_str(&format!(
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y0:.1}" y2="{y0:.1}" stroke="#1A1A1A" stroke-width="2" stroke-dasharray="2 3"/>"##,
            w - RIGHT
        ));
        out.push_str(&format!(
            r##"<line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#1A1A1A" stroke-width="2" stroke-dasharray="2 3"/>"##,
            LEFT + 350.0,
            LEFT + 368.0,
            ly - 4.0,
            ly - 4.0
        ));
        out.push_str(&format!(
            r##"<text x="{:.1}" y="{ly:.1}" font-size="12" fill="#1A1A1A">{}</text>"##,
            LEFT + 374.0,
            xml(&format!("基準 {b}（削減 0%）"))
        ));
    }
    out.push_str("</svg>");
    out
}

/// A target as a bar's label: short enough for its bar (the full text is in the title and
/// the text alternative).
fn short_target(chart: &Chart, value: f64, raw: &str) -> String {
    if chart.baseline.is_some() {
        format!("{}{}削減", format_number(value), chart.unit)
    } else if raw.chars().count() > 9 {
        format!("{}{}", format_number(value), chart.unit)
    } else {
        raw.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(100.0), 25.0);
        assert_eq!(nice_step(247.0), 100.0);
        assert_eq!(nice_step(8.0), 2.0);
    }
}
