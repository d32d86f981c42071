//! KPI actuals and authority: a durable, audited SQLite store of who may report what, the
//! values they reported, and every write and refused write.
//!
//! Knows the plan (to check initiatives, indicators, years and departments) and nothing of
//! search or Telegram: finding an initiative by name is the caller's, through
//! [`report::InitiativeFinder`].

pub mod authority;
mod clock;
mod export;
mod missing;
mod progress;
pub mod report;
mod resolved;
mod store;
pub mod value;

pub use clock::{fiscal_year, jst, now_unix, rfc3339};
pub use export::{Readers, export_csv, export_csv_for, export_json, export_json_for};
pub use missing::{DepartmentMissing, MissingKpi, missing, missing_csv, year_to_list};
pub use progress::{Status, Verdict, achievement_label, judge, verdict_for};
pub use resolved::{Refusal, ResolvedReport};
pub use store::{
    Accepted, Actual, ActualsVersion, ActualsView, AnswerId, AuditEntry, BatchWriter, Channel, InboxEntry, InboxItem,
    InboxState, Incoming, LoggedQuestion, MAX_REASON_CHARS, Pseudonyms, QuestionRecord, QuestionResult, ReviewStatus,
    Store, StoreError, Taken, VoteOn, clean_reason, private_dir,
};
pub use value::{ReportedValue, ValueError};

use serde::Serialize;

/// What a member of staff may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manage staff; report anything.
    Admin,
    /// Report KPIs of the initiatives of their own departments.
    Lead,
    /// Read, including actuals and history.
    Staff,
}

impl Role {
    /// `admin`, `lead`, `staff`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Lead => "lead",
            Role::Staff => "staff",
        }
    }

    /// Parses `admin`, `lead` or `staff`.
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Role::Admin),
            "lead" => Some(Role::Lead),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// A registered member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Staff {
    /// Their Telegram user id.
    pub telegram_id: i64,
    /// Their name, for the audit log and history.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Their departments (a lead reports for these).
    pub departments: Vec<String>,
}
