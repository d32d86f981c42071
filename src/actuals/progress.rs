//! Judging an actual against its target, direction-aware: a count that should fall meets its
//! ceiling when it is at or below it; 「以上」 is a floor; a reduction target is met by a
//! reduction at least as large. Where the target has no number, no verdict is given.

use serde::Serialize;

use crate::plan::{Direction, FiscalYear, Kpi, Plan, Target, TargetKind};

/// How an indicator stands in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The target is met.
    Achieved,
    /// The target is not met.
    NotAchieved,
    /// Nothing reported yet.
    NotReported,
    /// A value is reported but the target cannot be judged (no number in it).
    NoVerdict,
}

impl Status {
    /// 達成, 未達, 未報告, 判定なし.
    pub fn japanese(self) -> &'static str {
        match self {
            Status::Achieved => "達成",
            Status::NotAchieved => "未達",
            Status::NotReported => "未報告",
            Status::NoVerdict => "判定なし",
        }
    }
}

/// The verdict on one actual.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Verdict {
    /// Met, not met, not reported, or not judgeable.
    pub status: Status,
    /// Achievement in percent (100 = exactly on target), when it can be computed.
    pub achievement: Option<f64>,
}

/// Judges `actual` (in the target's unit) against `target` of `kpi`.
///
/// ```
/// use keikaku::actuals::{judge, Status};
/// use keikaku::plan::Plan;
/// # let plan = Plan::parse(&std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md").unwrap()).unwrap();
/// let leak = &plan.initiative(32).unwrap().kpis[0]; // 漏水の発生件数, 247 → 194 → 141
/// let target = &leak.targets[0].1;                   // 247件, a ceiling
/// assert_eq!(judge(leak, target, Some(230.0)).status, Status::Achieved);
/// assert_eq!(judge(leak, target, Some(260.0)).status, Status::NotAchieved);
/// ```
pub fn judge(kpi: &Kpi, target: &Target, actual: Option<f64>) -> Verdict {
    let Some(actual) = actual else {
        return Verdict { status: Status::NotReported, achievement: None };
    };
    let Some(goal) = target.value else {
        return Verdict { status: Status::NoVerdict, achievement: None };
    };
    let lower = kpi.direction == Direction::Lower && target.kind != TargetKind::Reduction;
    let met = if lower { actual <= goal } else { actual >= goal };
    let achievement = if lower {
        if actual > 0.0 { Some(goal / actual * 100.0) } else { Some(100.0) }
    } else if goal > 0.0 {
        Some(actual / goal * 100.0)
    } else {
        None
    };
    Verdict { status: if met { Status::Achieved } else { Status::NotAchieved }, achievement }
}

/// The plan's target for an indicator and year, and how `value` stands against it.
pub fn verdict_for<'p>(
    plan: &'p Plan,
    page: u16,
    kpi: &str,
    year: FiscalYear,
    value: f64,
) -> Option<(&'p Target, Verdict)> {
    let kpi = plan.initiative(page)?.kpis.iter().find(|k| k.name == kpi)?;
    let target = kpi.target(year)?;
    Some((target, judge(kpi, target, Some(value))))
}

/// 「102%」, or 「—」.
pub fn achievement_label(v: &Verdict) -> String {
    v.achievement.map_or_else(|| "—".to_string(), |a| format!("{a:.0}%"))
}
