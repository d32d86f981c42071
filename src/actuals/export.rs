//! Export of the current actuals: CSV for Excel (UTF-8 with BOM, so that Excel on Japanese
//! Windows opens it correctly) and JSON.

use serde::Serialize;

use super::progress::{Status, achievement_label, verdict_for};
use super::store::ActualsView;
use super::{clock, value};
use crate::plan::{FiscalYear, Plan};

/// One exported row: the columns of DESIGN.md.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExportRow {
    /// The initiative's page.
    pub page: u16,
    /// Its title.
    pub title: String,
    /// Its departments, 「・」-joined.
    pub department: String,
    /// The indicator.
    pub kpi: String,
    /// 「令和8年度」.
    pub fiscal_year: String,
    /// The plan's target, as printed.
    pub target: String,
    /// The current actual, as a number.
    pub actual: f64,
    /// Its unit (with per-what).
    pub unit: String,
    /// Achievement against the target and the status (「102% 達成」), 「年度途中 1%（100/7,000時間）」
    /// for the year still running, or 「—」.
    pub achievement: String,
    /// Who reported it, 「name (id)」.
    pub reported_by: String,
    /// When, in Japan time.
    pub reported_at: String,
    /// Why it missed its target (未達), when its reporter said; empty otherwise.
    pub reason: String,
}

/// The rows, by page, indicator and year, judged on `today` (the current fiscal year).
pub fn rows(plan: &Plan, view: &ActualsView, today: FiscalYear) -> Vec<ExportRow> {
    let mut out = Vec::new();
    for a in view.all() {
        let Some(i) = plan.initiative(a.page) else { continue };
        let verdict = verdict_for(plan, a.page, &a.kpi, a.fiscal_year, a.value, today);
        let target = verdict.as_ref().map(|(t, _)| *t);
        let achievement = verdict.as_ref().map_or_else(
            || "—".into(),
            |(_, v)| match v.status {
                Status::Achieved | Status::NotAchieved => format!("{} {}", achievement_label(v), v.status.japanese()),
                _ => v.label(),
            },
        );
        out.push(ExportRow {
            page: a.page,
            title: i.title.clone(),
            department: i.department_label(),
            kpi: a.kpi.clone(),
            fiscal_year: a.fiscal_year.japanese(),
            target: target.map(|t| t.raw.clone()).unwrap_or_default(),
            actual: a.value,
            unit: value::unit_label(a.unit.as_deref(), a.per.as_deref()),
            achievement,
            reported_by: format!("{} ({})", a.reporter, a.reported_by),
            reported_at: clock::jst(a.reported_at),
            reason: a.reason.clone().unwrap_or_default(),
        });
    }
    out
}

/// Who may see an export: staff (with who reported), or everyone (open data: without).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readers {
    /// The staff's export (`/export`, `keikaku actuals export`).
    Staff,
    /// Open data (the public site): no reporter, no time of report.
    Everyone,
}

/// CSV with a byte-order mark and CRLF line ends, fields quoted where needed.
pub fn export_csv(plan: &Plan, view: &ActualsView, today: FiscalYear) -> String {
    export_csv_for(plan, view, Readers::Staff, today)
}

/// The CSV for `readers`: everyone's has no `reported_by` and `reported_at` columns. The
/// last column, `reason`, is why a value missed its target.
pub fn export_csv_for(plan: &Plan, view: &ActualsView, readers: Readers, today: FiscalYear) -> String {
    let mut out = String::from("\u{feff}page,title,department,kpi,fiscal_year,target,actual,unit,achievement");
    out.push_str(if readers == Readers::Staff { ",reported_by,reported_at,reason\r\n" } else { ",reason\r\n" });
    for r in rows(plan, view, today) {
        let mut fields = vec![
            r.page.to_string(),
            r.title,
            r.department,
            r.kpi,
            r.fiscal_year,
            r.target,
            crate::plan::format_number(r.actual).replace(',', ""),
            r.unit,
            r.achievement,
        ];
        if readers == Readers::Staff {
            fields.extend([r.reported_by, r.reported_at]);
        }
        fields.push(r.reason);
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The rows as a JSON array.
pub fn export_json(plan: &Plan, view: &ActualsView, today: FiscalYear) -> String {
    export_json_for(plan, view, Readers::Staff, today)
}

/// The JSON for `readers`: everyone's rows have no `reported_by` and `reported_at`.
pub fn export_json_for(plan: &Plan, view: &ActualsView, readers: Readers, today: FiscalYear) -> String {
    let rows = rows(plan, view, today);
    let value = match readers {
        Readers::Staff => serde_json::to_value(&rows),
        Readers::Everyone => serde_json::to_value(&rows).map(|mut v| {
            for row in v.as_array_mut().into_iter().flatten() {
                if let Some(o) = row.as_object_mut() {
                    o.remove("reported_by");
                    o.remove("reported_at");
                }
            }
            v
        }),
    };
    value.and_then(|v| serde_json::to_string_pretty(&v)).unwrap_or_else(|_| "[]".into())
}

pub(super) fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.to_string() }
}
