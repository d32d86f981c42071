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

use super::authority::may_report;
use super::resolved::{Refusal, ResolvedReport};
use super::{Role, Staff, clock};
use crate::plan::{FiscalYear, Plan};

mod batch;
mod inbox;
mod line_inbox;
mod question_log;
pub use batch::BatchWriter;
pub use inbox::{Accepted, InboxItem, Incoming};
pub use line_inbox::{InboxEntry, InboxState, Taken};
pub use question_log::{
    AnswerId, Channel, LoggedQuestion, Pseudonyms, QuestionRecord, QuestionResult, ReviewStatus, VoteOn,
};

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

/// Schema migrations, in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE staff (
    telegram_id INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'staff')),
    active      INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);
CREATE TABLE staff_department (
    telegram_id INTEGER NOT NULL REFERENCES staff(telegram_id),
    department  TEXT NOT NULL,
    PRIMARY KEY (telegram_id, department)
);
CREATE TABLE actual (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    page        INTEGER NOT NULL,
    kpi         TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    value_raw   TEXT NOT NULL,
    value       REAL NOT NULL CHECK (value >= 0),
    unit        TEXT,
    per         TEXT,
    reported_by INTEGER NOT NULL REFERENCES staff(telegram_id),
    reported_at INTEGER NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX actual_by_kpi ON actual (page, kpi, fiscal_year, id);
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     INTEGER,
    action    TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'refused')),
    detail    TEXT NOT NULL,
    reason    TEXT,
    actual_id INTEGER REFERENCES actual(id)
);
CREATE TRIGGER actual_append_only_update BEFORE UPDATE ON actual
    BEGIN SELECT RAISE(ABORT, 'actuals are append-only: report a correction instead'); END;
CREATE TRIGGER actual_append_only_delete BEFORE DELETE ON actual
    BEGIN SELECT RAISE(ABORT, 'actuals are append-only: report a correction instead'); END;
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
    r#"
-- The reporter's name as it was when the report was made (history and export show it;
-- a later rename of the staff member does not rewrite the record).
ALTER TABLE actual ADD COLUMN reporter_name TEXT;
"#,
    r#"
-- What people asked and what they got: reviewed by administrators (keikaku review). In public
-- mode `asker` is a pseudonym (a keyed hash of the chat, see `secret`), never a Telegram id.
CREATE TABLE question_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at INTEGER NOT NULL,
    channel  TEXT NOT NULL,
    mode     TEXT NOT NULL CHECK (mode IN ('staff', 'public')),
    asker    TEXT NOT NULL,
    question TEXT NOT NULL,
    intent   TEXT NOT NULL,
    pages    TEXT NOT NULL,
    result   TEXT NOT NULL CHECK (result IN ('answered', 'candidates', 'not_found')),
    vote     INTEGER CHECK (vote IN (-1, 1)),
    wanted   TEXT,
    status   TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'resolved', 'ignored')),
    message  INTEGER
);
CREATE INDEX question_log_by_time ON question_log (asked_at);
CREATE INDEX question_log_by_message ON question_log (asker, message);
CREATE TABLE secret (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"#,
    r#"
-- The LINE bot's inbox: every webhook event taken (LINE's webhookEventId), so that an event
-- LINE sends again, or one met again after a restart, is answered once, and one accepted
-- but not answered before a stop is finished at the next start. What identifies a resident
-- is kept only as long as it is needed: the event (with the question) until its answer is
-- ready, the reply token and the user or group to push to until it is sent.
CREATE TABLE line_event (
    event_id    TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('accepted', 'sending', 'answered', 'dropped')),
    received_at INTEGER NOT NULL,
    event       TEXT,
    reply_token TEXT,
    push_to     TEXT,
    answer      TEXT
);
CREATE INDEX line_event_pending ON line_event (state) WHERE state IN ('accepted', 'sending');
CREATE INDEX line_event_by_time ON line_event (received_at);
"#,
    r#"
-- The Telegram bots' inbox: updates taken from Telegram and not yet answered (Telegram is
-- told to forget an update only once it is here), and notices owed to chats whose backlog
-- is full. A row goes once answered. `bot` is the bot's own user id: the staff and public
-- bots share the database. `sent`: the ids of the messages already sent for it.
CREATE TABLE telegram_inbox (
    bot       INTEGER NOT NULL,
    update_id INTEGER NOT NULL,
    chat      INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('update', 'notice')),
    body      TEXT NOT NULL,
    sent      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (bot, update_id)
);
CREATE INDEX telegram_inbox_by_chat ON telegram_inbox (bot, chat, kind);
CREATE TABLE telegram_offset (
    bot  INTEGER PRIMARY KEY,
    next INTEGER NOT NULL
);
"#,
    r#"
-- Votes are keyed on an answer id of ours, whatever the channel: `answer` is given when the
-- answer is made and carried by its 👍 / 👎. Rows logged before keep `message` (the Telegram
-- message of the answer), and the buttons already sent under them still vote through it.
ALTER TABLE question_log ADD COLUMN answer INTEGER;
CREATE INDEX question_log_by_answer ON question_log (asker, answer);
"#,
];

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
pub struct ActualsVersion(Option<i64>, Option<String>, i64);

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
            return Ok(Store { conn, path: path.to_path_buf(), pseudonym_key: None });
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
        Ok(Store { conn, path: path.to_path_buf(), pseudonym_key: None })
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

    // ---- reporting ----

    /// Checks that `actor` may write `resolved` (or that resolving it succeeded at all);
    /// a refusal is audited and returned. Nothing else is written.
    pub fn check(
        &mut self,
        plan: &Plan,
        actor: i64,
        attempt: &str,
        resolved: Result<ResolvedReport, Refusal>,
    ) -> Result<Result<(Staff, ResolvedReport), Refusal>, StoreError> {
        let staff = self.staff(actor)?;
        let verdict = match (staff, resolved) {
            (None, _) => Err(Refusal::NotRegistered { telegram_id: actor }),
            (Some(s), _) if s.role == Role::Staff => Err(Refusal::ReadOnly { name: s.name }),
            (Some(_), Err(refusal)) => Err(refusal),
            (Some(s), Ok(r)) => match plan.initiative(r.page) {
                Some(i) => may_report(Some(&s), actor, i).map(|()| (s, r)),
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
        tx.commit().map_err(e)?;
        Ok(Ok(id))
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
                    COALESCE(a.reporter_name, s.name, ''), a.reported_at
             FROM actual a LEFT JOIN staff s ON s.telegram_id = a.reported_by {filter} ORDER BY a.id"
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
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// What [`Store::view`] depends on: the newest actual (they are append-only) and the
    /// roster's last change (reporters' names). Equal versions, equal views.
    pub fn actuals_version(&self) -> Result<ActualsVersion, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT (SELECT MAX(id) FROM actual), (SELECT MAX(updated_at) FROM staff), (SELECT COUNT(*) FROM staff)",
            )
            .and_then(|mut stmt| stmt.query_row([], |r| Ok(ActualsVersion(r.get(0)?, r.get(1)?, r.get(2)?))))
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
