//! What is still missing: by department, each KPI of a fiscal year that has ended with no
//! actual, and who should report it (the department's leads on the roster). Pure: the plan,
//! the actuals, the roster and today's fiscal year are passed in; the CLI and the staff bot
//! render the result.

use serde::Serialize;

use super::store::ActualsView;
use super::{Role, Staff};
use crate::plan::{FiscalYear, Plan};

/// Said in place of the reporters when a department has no lead on the roster.
pub const NOBODY: &str = "未登録";

/// One KPI with a target in the year and no actual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingKpi {
    /// The initiative's page.
    pub page: u16,
    /// Its title.
    pub title: String,
    /// The indicator.
    pub kpi: String,
    /// The year's target, as the plan prints it.
    pub target: String,
}

/// A department's missing KPIs and who should report them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentMissing {
    /// The department.
    pub department: String,
    /// The names of its leads on the roster; empty when none is registered.
    pub leads: Vec<String>,
    /// Its KPIs without an actual, by page.
    pub kpis: Vec<MissingKpi>,
}

impl DepartmentMissing {
    /// 「山田太郎・佐藤花子」, or 「未登録」.
    pub fn reporters(&self) -> String {
        if self.leads.is_empty() { NOBODY.to_string() } else { self.leads.join("・") }
    }
}

/// The fiscal year to list: `asked`, or the last one that has ended on `today`. A year that
/// has not ended (running or to come) is refused with the reason, in Japanese.
///
/// ```
/// use keikaku::actuals::year_to_list;
/// use keikaku::plan::FiscalYear;
/// let r9 = FiscalYear::reiwa(9);
/// assert_eq!(year_to_list(None, r9), Ok(FiscalYear::reiwa(8)));
/// assert!(year_to_list(Some(r9), r9).unwrap_err().contains("まだ終わっていません"));
/// ```
pub fn year_to_list(asked: Option<FiscalYear>, today: FiscalYear) -> Result<FiscalYear, String> {
    let Some(year) = asked else {
        return Ok(FiscalYear::from_gregorian(today.gregorian().saturating_sub(1)));
    };
    if year < today {
        return Ok(year);
    }
    let when = if year == today { "まだ終わっていません" } else { "まだ始まっていません" };
    Err(format!(
        "{}は{when}（{}年3月31日まで。今年度は{}です）。未報告の一覧は、終わった年度について出せます。年度を省くと、最後に終わった年度（{}）です",
        year.japanese(),
        year.gregorian() + 1,
        today.japanese(),
        FiscalYear::from_gregorian(today.gregorian().saturating_sub(1)).japanese()
    ))
}

/// By department (in the plan's order), every KPI with a target in `year` and no actual in
/// `view`, with the department's leads in `roster`. An initiative of two departments
/// (課税課・市民課) is listed under each: either's leads may report it. Departments with
/// nothing missing are left out.
pub fn missing(plan: &Plan, view: &ActualsView, roster: &[Staff], year: FiscalYear) -> Vec<DepartmentMissing> {
    let mut out: Vec<DepartmentMissing> = Vec::new();
    for department in plan.departments() {
        let kpis: Vec<MissingKpi> = plan
            .initiatives
            .iter()
            .filter(|i| i.departments.iter().any(|d| d == department))
            .flat_map(|i| {
                i.kpis.iter().filter_map(move |k| {
                    let target = k.target(year)?;
                    view.get(i.page, &k.name, year).is_none().then(|| MissingKpi {
                        page: i.page,
                        title: i.title.clone(),
                        kpi: k.name.clone(),
                        target: target.raw.clone(),
                    })
                })
            })
            .collect();
        if kpis.is_empty() {
            continue;
        }
        let leads = roster
            .iter()
            .filter(|s| s.role == Role::Lead && s.departments.iter().any(|d| d == department))
            .map(|s| s.name.clone())
            .collect();
        out.push(DepartmentMissing { department: department.to_string(), leads, kpis });
    }
    out
}

/// The list as CSV for Excel: UTF-8 with a byte-order mark, CRLF, a header row, one KPI a
/// row (`department,reporters,page,title,kpi,fiscal_year,target`).
pub fn missing_csv(list: &[DepartmentMissing], year: FiscalYear) -> String {
    let mut out = String::from("\u{feff}department,reporters,page,title,kpi,fiscal_year,target\r\n");
    for d in list {
        for k in &d.kpis {
            let fields = [
                d.department.clone(),
                d.reporters(),
                k.page.to_string(),
                k.title.clone(),
                k.kpi.clone(),
                year.japanese(),
                k.target.clone(),
            ];
            let line: Vec<String> = fields.iter().map(|f| super::export::csv_field(f)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_year_is_the_last_ended_one() {
        assert_eq!(year_to_list(None, FiscalYear::reiwa(9)), Ok(FiscalYear::reiwa(8)));
        assert_eq!(year_to_list(Some(FiscalYear::reiwa(7)), FiscalYear::reiwa(9)), Ok(FiscalYear::reiwa(7)));
    }

    #[test]
    fn a_year_not_ended_is_refused_with_the_reason() {
        let running = year_to_list(Some(FiscalYear::reiwa(8)), FiscalYear::reiwa(8)).unwrap_err();
        assert!(running.contains("令和8年度はまだ終わっていません（2027年3月31日まで"), "{running}");
        let ahead = year_to_list(Some(FiscalYear::reiwa(10)), FiscalYear::reiwa(8)).unwrap_err();
        assert!(ahead.contains("まだ始まっていません"), "{ahead}");
    }
}
