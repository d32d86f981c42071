//! Judging an actual against its target, direction-aware and aware of the calendar: the one
//! place every surface (cards, the site, charts, exports, history, the CLI) takes its verdict
//! from. A count that should fall meets its ceiling when it is at or below it; 「以上」 is a
//! floor; a reduction target is met by a reduction at least as large. Where the target has no
//! number, no verdict is given. A year still running is judged only as 年度途中 (interim),
//! with the share of the year's target reached so far, never as 未達: what is missed is known
//! only once the year has ended. Pure: today's fiscal year is passed in.

use serde::Serialize;

use crate::plan::{Direction, FiscalYear, Kpi, Plan, Target, TargetKind, format_number};

/// How an indicator stands in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The target is met.
    Achieved,
    /// The target is not met (the year has ended).
    NotAchieved,
    /// Nothing reported yet.
    NotReported,
    /// A value is reported but the target cannot be judged (no number in it).
    NoVerdict,
    /// A value is reported for the year still running: no verdict until it ends.
    Interim,
}

impl Status {
    /// Every status, in the order counts show them.
    pub const ALL: [Status; 5] =
        [Status::Achieved, Status::NotAchieved, Status::Interim, Status::NotReported, Status::NoVerdict];

    /// 達成, 未達, 未報告, 判定なし, 年度途中.
    pub fn japanese(self) -> &'static str {
        match self {
            Status::Achieved => "達成",
            Status::NotAchieved => "未達",
            Status::NotReported => "未報告",
            Status::NoVerdict => "判定なし",
            Status::Interim => "年度途中",
        }
    }
}

/// The verdict on one actual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Met, not met, interim, not reported, or not judgeable.
    pub status: Status,
    /// Achievement in percent (100 = exactly on target), when it can be computed; for an
    /// interim value, the share of the year's target reached so far.
    pub achievement: Option<f64>,
    /// For an interim value: 「100/7,000時間」, the value against the year's target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub so_far: Option<String>,
}

impl Verdict {
    /// The verdict in words, the same on every surface: 「102%・達成」「86%・未達」
    /// 「年度途中 1%（100/7,000時間）」「判定なし」「未報告」.
    pub fn label(&self) -> String {
        match (self.status, self.achievement) {
            (Status::Interim, Some(a)) => match &self.so_far {
                Some(so_far) => format!("年度途中 {a:.0}%（{so_far}）"),
                None => format!("年度途中 {a:.0}%"),
            },
            (Status::Achieved | Status::NotAchieved, Some(a)) => format!("{a:.0}%・{}", self.status.japanese()),
            (s, _) => s.japanese().to_string(),
        }
    }
}

/// Judges `actual` (in the target's unit) against `target` of `kpi` for fiscal `year`, read
/// on `today` (the current fiscal year): a year that has not ended gets [`Status::Interim`].
///
/// ```
/// use keikaku::actuals::{judge, Status};
/// use keikaku::plan::{FiscalYear, Plan};
/// # let plan = Plan::parse(&std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md").unwrap()).unwrap();
/// let leak = &plan.initiative(32).unwrap().kpis[0]; // 漏水の発生件数, 247 → 194 → 141
/// let (r8, r9) = (FiscalYear::reiwa(8), FiscalYear::reiwa(9));
/// let target = &leak.targets[0].1;                   // 247件, a ceiling
/// assert_eq!(judge(leak, target, r8, Some(230.0), r9).status, Status::Achieved);
/// assert_eq!(judge(leak, target, r8, Some(260.0), r9).status, Status::NotAchieved);
/// // While 令和8年度 runs, nothing is missed yet.
/// assert_eq!(judge(leak, target, r8, Some(260.0), r8).status, Status::Interim);
/// ```
pub fn judge(kpi: &Kpi, target: &Target, year: FiscalYear, actual: Option<f64>, today: FiscalYear) -> Verdict {
    let Some(actual) = actual else {
        return Verdict { status: Status::NotReported, achievement: None, so_far: None };
    };
    let Some(goal) = target.value else {
        let status = if year >= today { Status::Interim } else { Status::NoVerdict };
        return Verdict { status, achievement: None, so_far: None };
    };
    if year >= today {
        let unit = target.unit.as_deref().unwrap_or("");
        let per = target.per.as_deref().map_or(String::new(), |p| format!("/{p}"));
        return Verdict {
            status: Status::Interim,
            achievement: (goal > 0.0).then(|| actual / goal * 100.0),
            so_far: Some(format!("{}/{}{unit}{per}", format_number(actual), format_number(goal))),
        };
    }
    let lower = kpi.direction == Direction::Lower && target.kind != TargetKind::Reduction;
    let met = if lower { actual <= goal } else { actual >= goal };
    let achievement = if lower {
        if actual > 0.0 { Some(goal / actual * 100.0) } else { Some(100.0) }
    } else if goal > 0.0 {
        Some(actual / goal * 100.0)
    } else {
        None
    };
    Verdict { status: if met { Status::Achieved } else { Status::NotAchieved }, achievement, so_far: None }
}

/// The plan's target for an indicator and year, and how `value` stands against it on `today`.
pub fn verdict_for<'p>(
    plan: &'p Plan,
    page: u16,
    kpi: &str,
    year: FiscalYear,
    value: f64,
    today: FiscalYear,
) -> Option<(&'p Target, Verdict)> {
    let kpi = plan.initiative(page)?.kpis.iter().find(|k| k.name == kpi)?;
    let target = kpi.target(year)?;
    Some((target, judge(kpi, target, year, Some(value), today)))
}

/// 「102%」, or 「—」.
pub fn achievement_label(v: &Verdict) -> String {
    v.achievement.map_or_else(|| "—".to_string(), |a| format!("{a:.0}%"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Target;

    fn hours() -> (Kpi, Target) {
        let target = Target::parse("7,000時間");
        let kpi = Kpi {
            name: "業務削減時間".into(),
            direction: Direction::Higher,
            targets: vec![],
            direction_basis: "".into(),
            line: 0,
        };
        (kpi, target)
    }

    #[test]
    fn a_running_year_is_interim_with_its_share_never_missed() {
        let (kpi, t) = hours();
        let v = judge(&kpi, &t, FiscalYear::reiwa(8), Some(100.0), FiscalYear::reiwa(8));
        assert_eq!(v.status, Status::Interim);
        assert_eq!(v.label(), "年度途中 1%（100/7,000時間）");
    }

    #[test]
    fn an_ended_year_is_judged() {
        let (kpi, t) = hours();
        let v = judge(&kpi, &t, FiscalYear::reiwa(8), Some(100.0), FiscalYear::reiwa(9));
        assert_eq!(v.label(), "1%・未達");
        let v = judge(&kpi, &t, FiscalYear::reiwa(8), Some(7_200.0), FiscalYear::reiwa(9));
        assert_eq!(v.label(), "103%・達成");
    }
}
