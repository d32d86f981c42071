//! Writing reports: the check (who may write what, and whether its year has started), the
//! write in one transaction with its audit row, and the reason for a missed target (未達).

use rusqlite::{TransactionBehavior, params};

use super::{Store, StoreError, insert_audit, load_staff, sqlite};
use crate::actuals::authority::may_report;
use crate::actuals::report::not_started;
use crate::actuals::resolved::{Refusal, ResolvedReport};
use crate::actuals::{Role, Staff, Status, clock};
use crate::plan::{FiscalYear, Plan};

/// The longest reason for a missed target, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// A reason as it will be kept: trimmed, its lines joined, 1–[`MAX_REASON_CHARS`] characters.
pub fn clean_reason(text: &str) -> Result<String, Refusal> {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let given = joined.chars().count();
    if given == 0 || given > MAX_REASON_CHARS {
        return Err(Refusal::BadReason { max: MAX_REASON_CHARS, given });
    }
    Ok(joined)
}

impl Store {
    /// The same store reading today's fiscal year as `today` (tests, demos; the clock's
    /// otherwise).
    pub fn with_today(mut self, today: FiscalYear) -> Store {
        self.today = Some(today);
        self
    }

    /// Today's fiscal year: the fixed one, or the clock's.
    pub fn today(&self) -> FiscalYear {
        self.today.unwrap_or_else(|| clock::fiscal_year(clock::now_unix()))
    }

    /// Checks that `actor` may write `resolved` (or that resolving it succeeded at all), and
    /// that its year has started; a refusal is audited and returned. Nothing else is written.
    pub fn check(
        &mut self,
        plan: &Plan,
        actor: i64,
        attempt: &str,
        resolved: Result<ResolvedReport, Refusal>,
    ) -> Result<Result<(Staff, ResolvedReport), Refusal>, StoreError> {
        let staff = self.staff(actor)?;
        let today = self.today();
        let verdict = match (staff, resolved) {
            (None, _) => Err(Refusal::NotRegistered { telegram_id: actor }),
            (Some(s), _) if s.role == Role::Staff => Err(Refusal::ReadOnly { name: s.name }),
            (Some(_), Err(refusal)) => Err(refusal),
            (Some(s), Ok(r)) => match plan.initiative(r.page) {
                Some(i) => may_report(Some(&s), actor, i).and_then(|()| not_started(r.year, today)).map(|()| (s, r)),
                None => Err(Refusal::UnknownInitiative { query: r.page.to_string(), suggestions: Vec::new() }),
            },
        };
        if let Err(refusal) = &verdict {
            self.audit(Some(actor), "report", Some(&refusal.to_string()), attempt, None)?;
        }
        Ok(verdict)
    }

    /// Checks and writes a report in one transaction; returns the new actual's id, or the
    /// refusal (audited). When this returns `Ok(Ok(id))` the value is on disk.
    pub fn report(
        &mut self,
        plan: &Plan,
        actor: i64,
        attempt: &str,
        resolved: Result<ResolvedReport, Refusal>,
        source: &str,
    ) -> Result<Result<i64, Refusal>, StoreError> {
        self.report_with_reason(plan, actor, attempt, resolved, source, None)
    }

    /// [`Store::report`] with the reason for a missed target, written in the same
    /// transaction. A reason is taken only for a value that is 未達 (its year ended, below
    /// target) and of 1–200 characters; otherwise the report is refused and nothing written.
    pub fn report_with_reason(
        &mut self,
        plan: &Plan,
        actor: i64,
        attempt: &str,
        resolved: Result<ResolvedReport, Refusal>,
        source: &str,
        reason: Option<&str>,
    ) -> Result<Result<i64, Refusal>, StoreError> {
        let today = self.today();
        let resolved = match (resolved, reason) {
            (Ok(r), Some(text)) => match r.verdict(plan, today) {
                Some(v) if v.status == Status::NotAchieved => clean_reason(text).map(|_| r),
                v => Err(Refusal::ReasonNotNeeded(v.map_or_else(|| "判定なし".into(), |v| v.label()))),
            },
            (other, _) => other,
        };
        let (staff, r) = match self.check(plan, actor, attempt, resolved)? {
            Ok(ok) => ok,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let now = clock::now_unix();
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| sqlite(&self.path, e))?;
        let path = self.path.clone();
        let e = |err| sqlite(&path, err);
        // The roster may have changed since the check (removed, made read-only, moved to
        // another department): decide again, on the roster as it is inside the transaction.
        let now_staff = load_staff(&tx, staff.telegram_id).map_err(e)?;
        let again = match plan.initiative(r.page) {
            Some(i) => may_report(now_staff.as_ref(), actor, i),
            None => Err(Refusal::UnknownInitiative { query: r.page.to_string(), suggestions: Vec::new() }),
        };
        if let Err(refusal) = again {
            drop(tx);
            self.audit(Some(actor), "report", Some(&refusal.to_string()), attempt, None)?;
            return Ok(Err(refusal));
        }
        let name = now_staff.map(|s| s.name).unwrap_or_default();
        tx.execute(
            "INSERT INTO actual (page, kpi, fiscal_year, value_raw, value, unit, per, reported_by, reported_at, source,
                                 reporter_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                r.page,
                r.kpi,
                r.year.gregorian(),
                r.value.raw,
                r.value.number,
                r.value.unit,
                r.value.per,
                actor,
                now,
                source,
                name
            ],
        )
        .map_err(e)?;
        let id = tx.last_insert_rowid();
        insert_audit(&tx, now, Some(actor), "report", None, attempt, Some(id)).map_err(e)?;
        if let Some(reason) = reason.map(clean_reason).transpose().ok().flatten() {
            insert_reason(&tx, now, actor, id, &reason).map_err(e)?;
        }
        tx.commit().map_err(e)?;
        Ok(Ok(id))
    }

    /// Keeps `reason` for the actual `id`, given after it was written (the bot asks for it):
    /// only its reporter or an admin may, once, for a value that is 未達. Audited either way.
    pub fn add_reason(
        &mut self,
        plan: &Plan,
        actor: i64,
        id: i64,
        reason: &str,
    ) -> Result<Result<(), Refusal>, StoreError> {
        let detail = format!("#{id} {}", reason.trim());
        let today = self.today();
        let actual = self.actuals_where("WHERE a.id = ?1", &[&id])?.into_iter().next();
        let staff = self.staff(actor)?;
        let verdict = match (&actual, &staff) {
            (_, None) => Err(Refusal::NotRegistered { telegram_id: actor }),
            (None, _) => Err(Refusal::UnknownActual(id)),
            (Some(a), Some(s)) if a.reported_by != actor && s.role != Role::Admin => {
                Err(Refusal::NotYourReport { id, reporter: a.reporter.clone() })
            }
            (Some(a), Some(_)) => {
                let status = crate::actuals::progress::verdict_for(plan, a.page, &a.kpi, a.fiscal_year, a.value, today)
                    .map(|(_, v)| v);
                match status {
                    Some(v) if v.status == Status::NotAchieved && a.reason.is_none() => clean_reason(reason),
                    Some(_) if a.reason.is_some() => Err(Refusal::ReasonNotNeeded("理由が記録済み".into())),
                    v => Err(Refusal::ReasonNotNeeded(v.map_or_else(|| "判定なし".into(), |v| v.label()))),
                }
            }
        };
        let reason = match verdict {
            Ok(reason) => reason,
            Err(refusal) => {
                self.audit(Some(actor), "reason", Some(&refusal.to_string()), &detail, None)?;
                return Ok(Err(refusal));
            }
        };
        let now = clock::now_unix();
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| sqlite(&self.path, e))?;
        let path = self.path.clone();
        let e = |err| sqlite(&path, err);
        insert_reason(&tx, now, actor, id, &reason).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(Ok(()))
    }
}

/// Keeps the reason for the actual `id` and audits it, inside the caller's transaction.
fn insert_reason(tx: &rusqlite::Transaction<'_>, now: i64, actor: i64, id: i64, reason: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO actual_reason (actual_id, reason, given_by, given_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, reason, actor, now],
    )?;
    insert_audit(tx, now, Some(actor), "reason", None, &format!("#{id} {reason}"), Some(id))
}
