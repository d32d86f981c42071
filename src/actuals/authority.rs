//! Who may write what — decided here, once, for the store, the bot and the CLI alike.
//!
//! Roles: an admin manages staff and reports for any initiative; a lead reports for the
//! initiatives of their own departments (p.22 belongs to both 課税課 and 市民課); staff read.

use super::resolved::Refusal;
use super::{Role, Staff};
use crate::plan::{Initiative, Plan};

/// May `staff` (as the roster has them, or `None` when unknown or removed) report a value
/// of `initiative`? The refusal says why not, for the person who reported.
pub fn may_report(staff: Option<&Staff>, telegram_id: i64, initiative: &Initiative) -> Result<(), Refusal> {
    let Some(staff) = staff else {
        return Err(Refusal::NotRegistered { telegram_id });
    };
    match staff.role {
        Role::Admin => Ok(()),
        Role::Lead if initiative.departments.iter().any(|d| staff.departments.contains(d)) => Ok(()),
        Role::Lead => Err(Refusal::OtherDepartment {
            name: staff.name.clone(),
            initiative: initiative.title.clone(),
            owners: initiative.department_label(),
            own: staff.departments.join("・"),
        }),
        Role::Staff => Err(Refusal::ReadOnly { name: staff.name.clone() }),
    }
}

/// True when `staff` may report at all (a lead or an admin): what the bot's menus and
/// guided flow offer.
pub fn can_report(staff: Option<&Staff>) -> bool {
    staff.is_some_and(|s| s.role != Role::Staff)
}

/// True when `staff` may manage the roster.
pub fn is_admin(staff: Option<&Staff>) -> bool {
    staff.is_some_and(|s| s.role == Role::Admin)
}

/// The initiatives `staff` may report for, in page order (the guided flow's choices).
pub fn reportable<'p>(staff: &Staff, plan: &'p Plan) -> Vec<&'p Initiative> {
    plan.initiatives
        .iter()
        .filter(|i| !i.kpis.is_empty() && may_report(Some(staff), staff.telegram_id, i).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, departments: &[&str]) -> Staff {
        Staff {
            telegram_id: 7,
            name: "試験".into(),
            role,
            departments: departments.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn roles_against_departments() {
        let plan = crate::plan::Plan::parse(include_str!("../../data/nasushiobara-dx-action-plan-2026-2028.md"))
            .unwrap_or_else(|e| panic!("{e}"));
        let p22 = plan.initiative(22).unwrap_or_else(|| unreachable!());
        assert!(may_report(Some(&staff(Role::Admin, &[])), 7, p22).is_ok());
        assert!(may_report(Some(&staff(Role::Lead, &["市民課"])), 7, p22).is_ok());
        assert!(may_report(Some(&staff(Role::Lead, &["課税課"])), 7, p22).is_ok());
        assert!(matches!(
            may_report(Some(&staff(Role::Lead, &["総務課"])), 7, p22),
            Err(Refusal::OtherDepartment { .. })
        ));
        assert!(matches!(may_report(Some(&staff(Role::Staff, &["市民課"])), 7, p22), Err(Refusal::ReadOnly { .. })));
        assert!(matches!(may_report(None, 7, p22), Err(Refusal::NotRegistered { telegram_id: 7 })));
        assert!(
            reportable(&staff(Role::Lead, &["市民課"]), &plan)
                .iter()
                .all(|i| i.departments.contains(&"市民課".to_string()))
        );
    }
}
