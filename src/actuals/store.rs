//! The SQLite store: schema migrations, pragmas, the roster, actuals and the audit log.
//!
//! Durability: WAL with `synchronous=FULL`, so a report acknowledged to its sender survives a
//! crash of the process or of the machine. Actuals and the audit log are append-only (triggers
//! refuse UPDATE and DELETE): a correction is a newer row, and history is never erased.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::{Role, Staff, clock};
use crate::plan::{FiscalYear, Plan};

mod batch;
mod inbox;
mod line_inbox;
mod question_log;
mod reports;
mod schema;
pub use batch::BatchWriter;
pub use inbox::{Accepted, InboxItem, Incoming};
pub use line_inbox::{InboxEntry, InboxState, Taken};
pub use question_log::{
    AnswerId, Channel, LoggedQuestion, Pseudonyms, QuestionRecord, QuestionResult, ReviewStatus, VoteOn,
};
pub use reports::{MAX_REASON_CHARS, clean_reason};

/// Why the store failed (not a refusal: those are [`Refusal`]s).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("database {path}: {cause}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite said (in the message, once: not a `source`, which `{:#}` would print
        /// again).
        cause: rusqlite::Error,
    },
    /// The database folder cannot be created.
    #[error(
        "cannot create the database folder {path}: {cause}; make it writable, or point --db / KEIKAKU_DB elsewhere"
    )]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        cause: std::io::Error,
    },
    /// The database was written by a newer keikaku.
    #[error("database {path} has schema version {found}, newer than this keikaku knows ({known}); upgrade keikaku")]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// A request the roster cannot take (unknown department, unknown id).
    #[error("{0}")]
    Invalid(String),
}

use schema::MIGRATIONS;

/// A member of staff as the roster has them now, read through `conn` (a transaction's).
fn load_staff(conn: &Connection, telegram_id: i64) -> rusqlite::Result<Option<Staff>> {
    let row: Option<(String, String)> = conn
        .query_row("SELECT name, role FROM staff WHERE telegram_id = ?1 AND active = 1", [telegram_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((name, role)) = row else { return Ok(None) };
    let mut stmt =
        conn.prepare_cached("SELECT department FROM staff_department WHERE telegram_id = ?1 ORDER BY department")?;
    let departments = stmt.query_map([telegram_id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Some(Staff { telegram_id, name, role: Role::parse(&role).unwrap_or(Role::Staff), departments }))
}

/// Creates `dir` (and its parents) readable by its owner only. Every creation of the state
/// folder goes through here (the store, the chat history, `keikaku doctor`'s probe), so
/// whichever comes first, the folder is 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the empty database file readable by its owner only (SQLite gives its `-wal` and
/// `-shm` files the same permissions).
fn private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(|_| ())
}

/// The version of the actuals and the roster, as [`Store::actuals_version`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActualsVersion(Option<i64>, Option<String>, i64, i64);

/// One reported value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actual {
    /// Its row id (increasing: a higher id is newer).
    pub id: i64,
    /// The initiative's page.
    pub page: u16,
    /// The indicator's name.
    pub kpi: String,
    /// The fiscal year it is for.
    pub fiscal_year: FiscalYear,
    /// As reported.
    pub value_raw: String,
    /// The number.
    pub value: f64,
    /// Its unit.
    pub unit: Option<String>,
    /// Its per-what.
    pub per: Option<String>,
    /// Who reported it (Telegram id).
    pub reported_by: i64,
    /// Their name.
    pub reporter: String,
    /// When (Unix seconds).
    pub reported_at: i64,
    /// Why it missed its target (未達), when its reporter said.
    pub reason: Option<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Its id.
    pub id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// Who (Telegram id; none for the terminal operator).
    pub actor: Option<i64>,
    /// report, staff_add, staff_remove.
    pub action: String,
    /// ok or refused.
    pub outcome: String,
    /// What was attempted.
    pub detail: String,
    /// Why it was refused.
    pub reason: Option<String>,
}

/// The current actual of every reported (initiative, indicator, year): what answers show.
#[derive(Debug, Clone, Default)]
pub struct ActualsView {
    current: HashMap<(u16, String, FiscalYear), Actual>,
}

impl ActualsView {
    /// The newest value for an indicator and year.
    pub fn get(&self, page: u16, kpi: &str, year: FiscalYear) -> Option<&Actual> {
        self.current.get(&(page, kpi.to_string(), year))
    }

    /// Every current value, by page, indicator and year.
    pub fn all(&self) -> Vec<&Actual> {
        let mut v: Vec<&Actual> = self.current.values().collect();
        v.sort_by(|a, b| (a.page, &a.kpi, a.fiscal_year).cmp(&(b.page, &b.kpi, b.fiscal_year)));
        v
    }
}

/// The store. One per process; `rusqlite::Connection` is `Send`, not `Sync`: share it behind
/// a mutex.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The pseudonym key, once read (it never changes once made).
    pseudonym_key: Option<Vec<u8>>,
    /// Today's fiscal year when fixed (tests, demos); the clock's otherwise.
    today: Option<FiscalYear>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// A new database is private: its folder (when created here) is 0700 and the file 0600,
    /// which SQLite carries over to the `-wal` and `-shm` files. Staff names and roles are
    /// not for every local user.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            private_dir(dir).map_err(|cause| StoreError::Folder { path: dir.to_path_buf(), cause })?;
        }
        if !path.exists() {
            private_file(path).map_err(|cause| StoreError::Folder { path: path.to_path_buf(), cause })?;
        }
        let conn = Connection::open(path).map_err(|e| sqlite(path, e))?;
        Store::setup(conn, path)
    }

    /// Opens the database only if it exists (readers need not create one).
    pub fn open_existing(path: &Path) -> Result<Option<Store>, StoreError> {
        if path.exists() { Store::open(path).map(Some) } else { Ok(None) }
    }

    fn setup(mut conn: Connection, path: &Path) -> Result<Store, StoreError> {
        let e = |err| sqlite(path, err);
        conn.busy_timeout(Duration::from_secs(10)).map_err(e)?;
        // Readers never take the write lock: the journal mode is set, and the schema
        // migrated, only when they need to be (a reader answers while a writer holds a
        // transaction).
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(e)?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
        }
        conn.pragma_update(None, "synchronous", "FULL").map_err(e)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(e)?;
        let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(e)?;
        if current == MIGRATIONS.len() as i64 {
            return Ok(Store { conn, path: path.to_path_buf(), pseudonym_key: None, today: None });
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(e)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(e)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found: version, known });
        }
        for (n, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(e)?;
            tx.pragma_update(None, "user_version", n as i64 + 1).map_err(e)?;
        }
        tx.commit().map_err(e)?;
        Ok(Store { conn, path: path.to_path_buf(), pseudonym_key: None, today: None })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |e| sqlite(&self.path, e)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    // ---- roster ----

    /// Registers (or updates) a member of staff. Departments must be the plan's; the
    /// terminal operator (`actor` none) or an admin may do this.
    pub fn add_staff(&mut self, plan: &Plan, actor: Option<i64>, staff: &Staff) -> Result<(), StoreError> {
        let known = plan.departments();
        let unknown: Vec<&String> = staff.departments.iter().filter(|d| !known.contains(&d.as_str())).collect();
        let detail = format!(
            "staff add {} {} {} [{}]",
            staff.telegram_id,
            staff.name,
            staff.role.as_str(),
            staff.departments.join(", ")
        );
        let refusal = if !unknown.is_empty() {
            Some(unknown.iter().map(|d| crate::plan::unknown_department(plan, d)).collect::<Vec<_>>().join(" "))
        } else if staff.role == Role::Lead && staff.departments.is_empty() {
            Some("a lead needs at least one --department".to_string())
        } else if staff.name.trim().is_empty() {
            Some("a name is needed".to_string())
        } else {
            None
        };
        if let Some(actor_id) = actor
            && self.staff(actor_id)?.is_none_or(|s| s.role != Role::Admin)
        {
            let reason = "only an admin may manage staff".to_string();
            self.audit(actor, "staff_add", Some(&reason), &detail, None)?;
            return Err(StoreError::Invalid(reason));
        }
        if let Some(reason) = refusal {
            self.audit(actor, "staff_add", Some(&reason), &detail, None)?;
            return Err(StoreError::Invalid(reason));
        }
        let now = clock::now_unix();
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| sqlite(&self.path, e))?;
        let path = self.path.clone();
        let e = |err| sqlite(&path, err);
        tx.execute(
            "INSERT INTO staff (telegram_id, name, role, active, updated_at) VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (telegram_id) DO UPDATE SET name = ?2, role = ?3, active = 1, updated_at = ?4",
            params![staff.telegram_id, staff.name.trim(), staff.role.as_str(), clock::rfc3339(now)],
        )
        .map_err(e)?;
        tx.execute("DELETE FROM staff_department WHERE telegram_id = ?1", [staff.telegram_id]).map_err(e)?;
        for d in &staff.departments {
            tx.execute(
                "INSERT OR IGNORE INTO staff_department (telegram_id, department) VALUES (?1, ?2)",
                params![staff.telegram_id, d],
            )
            .map_err(e)?;
        }
        insert_audit(&tx, now, actor, "staff_add", None, &detail, None).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(())
    }

    /// Revokes a member of staff. Their past reports stay, with their name.
    pub fn remove_staff(&mut self, actor: Option<i64>, telegram_id: i64) -> Result<(), StoreError> {
        let detail = format!("staff remove {telegram_id}");
        if self.staff(telegram_id)?.is_none() {
            let reason = format!("no active staff with Telegram id {telegram_id}; see `keikaku staff list`");
            self.audit(actor, "staff_remove", Some(&reason), &detail, None)?;
            return Err(StoreError::Invalid(reason));
        }
        let now = clock::now_unix();
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| sqlite(&self.path, e))?;
        let path = self.path.clone();
        let e = |err| sqlite(&path, err);
        tx.execute(
            "UPDATE staff SET active = 0, updated_at = ?2 WHERE telegram_id = ?1",
            params![telegram_id, clock::rfc3339(now)],
        )
        .map_err(e)?;
        insert_audit(&tx, now, actor, "staff_remove", None, &detail, None).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(())
    }

    /// The active member of staff with this id.
    pub fn staff(&self, telegram_id: i64) -> Result<Option<Staff>, StoreError> {
        load_staff(&self.conn, telegram_id).map_err(self.err())
    }

    /// Every active member of staff, by id.
    pub fn list_staff(&self) -> Result<Vec<Staff>, StoreError> {
        let ids: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare("SELECT telegram_id FROM staff WHERE active = 1 ORDER BY telegram_id")
                .map_err(self.err())?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(self.err())?;
            rows.collect::<Result<_, _>>().map_err(self.err())?
        };
        let mut out = Vec::new();
        for id in ids {
            if let Some(s) = self.staff(id)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Records in the audit log an action that is not a report (a word taught): `actor`
    /// none for the terminal operator, `refused` the reason when it was refused.
    pub fn record(
        &mut self,
        actor: Option<i64>,
        action: &str,
        refused: Option<&str>,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.audit(actor, action, refused, detail, None)
    }

    fn audit(
        &mut self,
        actor: Option<i64>,
        action: &str,
        refused: Option<&str>,
        detail: &str,
        actual: Option<i64>,
    ) -> Result<(), StoreError> {
        insert_audit(&self.conn, clock::now_unix(), actor, action, refused, detail, actual).map_err(self.err())
    }

    // ---- reading ----

    fn actuals_where(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Actual>, StoreError> {
        let sql = format!(
            "SELECT a.id, a.page, a.kpi, a.fiscal_year, a.value_raw, a.value, a.unit, a.per, a.reported_by,
                    COALESCE(a.reporter_name, s.name, ''), a.reported_at, r.reason
             FROM actual a LEFT JOIN staff s ON s.telegram_id = a.reported_by
                  LEFT JOIN actual_reason r ON r.actual_id = a.id {filter} ORDER BY a.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Actual {
                    id: r.get(0)?,
                    page: r.get(1)?,
                    kpi: r.get(2)?,
                    fiscal_year: FiscalYear::from_gregorian(r.get(3)?),
                    value_raw: r.get(4)?,
                    value: r.get(5)?,
                    unit: r.get(6)?,
                    per: r.get(7)?,
                    reported_by: r.get(8)?,
                    reporter: r.get(9)?,
                    reported_at: r.get(10)?,
                    reason: r.get(11)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// What [`Store::view`] depends on: the newest actual (they are append-only), the
    /// roster's last change (reporters' names) and the reasons given. Equal versions, equal views.
    pub fn actuals_version(&self) -> Result<ActualsVersion, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT (SELECT MAX(id) FROM actual), (SELECT MAX(updated_at) FROM staff), (SELECT COUNT(*) FROM staff),
                        (SELECT COUNT(*) FROM actual_reason)",
            )
            .and_then(|mut stmt| stmt.query_row([], |r| Ok(ActualsVersion(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))))
            .map_err(self.err())
    }

    /// The current (newest) actual of every reported indicator and year.
    pub fn view(&self) -> Result<ActualsView, StoreError> {
        let rows =
            self.actuals_where("WHERE a.id IN (SELECT MAX(id) FROM actual GROUP BY page, kpi, fiscal_year)", &[])?;
        Ok(ActualsView { current: rows.into_iter().map(|a| ((a.page, a.kpi.clone(), a.fiscal_year), a)).collect() })
    }

    /// Every value ever reported for the initiative on `page`, oldest first.
    pub fn history(&self, page: u16) -> Result<Vec<Actual>, StoreError> {
        self.actuals_where("WHERE a.page = ?1", &[&page])
    }

    /// Every value ever reported, oldest first.
    pub fn all_actuals(&self) -> Result<Vec<Actual>, StoreError> {
        self.actuals_where("", &[])
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, at, actor, action, outcome, detail, reason FROM audit ORDER BY id")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    outcome: r.get(4)?,
                    detail: r.get(5)?,
                    reason: r.get(6)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(self.err())
    }
}

fn sqlite(path: &Path, cause: rusqlite::Error) -> StoreError {
    StoreError::Sqlite { path: path.to_path_buf(), cause }
}

fn insert_audit(
    conn: &Connection,
    at: i64,
    actor: Option<i64>,
    action: &str,
    refused: Option<&str>,
    detail: &str,
    actual: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, outcome, detail, reason, actual_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![at, actor, action, if refused.is_some() { "refused" } else { "ok" }, detail, refused, actual],
    )?;
    Ok(())
}
