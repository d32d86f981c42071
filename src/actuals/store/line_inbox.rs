//! The LINE bot's inbox: one row per webhook event taken, keyed by LINE's `webhookEventId`,
//! with where its answer is (accepted → sending → answered, or dropped) and the answer.
//!
//! The bot decides what to send (see `line::delivery`); this only keeps the record, so that
//! the record outlives the process. What identifies a resident is forgotten as soon as it
//! is not needed: the event itself (which holds the question) once the answer is ready,
//! the reply token and the push target once it is sent.

use rusqlite::params;

use super::{Store, StoreError};

/// Where an event's answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxState {
    /// Taken (the webhook was answered 200), no answer made yet.
    Accepted,
    /// Its answer is made and kept; sending it may have begun.
    Sending,
    /// Sent, or there was nothing to say.
    Answered,
    /// Given up: it could no longer be sent without the risk of sending it twice.
    Dropped,
}

impl InboxState {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxState::Accepted => "accepted",
            InboxState::Sending => "sending",
            InboxState::Answered => "answered",
            InboxState::Dropped => "dropped",
        }
    }

    fn parse(s: &str) -> InboxState {
        match s {
            "accepted" => InboxState::Accepted,
            "sending" => InboxState::Sending,
            "dropped" => InboxState::Dropped,
            _ => InboxState::Answered,
        }
    }
}

/// What taking an event found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// First seen: now recorded as accepted.
    New,
    /// Taken before (this process or an earlier one), and where it is now.
    Seen(InboxState),
}

/// One event as the inbox has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEntry {
    /// LINE's `webhookEventId`.
    pub event_id: String,
    /// Where its answer is.
    pub state: InboxState,
    /// When keikaku received it (Unix milliseconds, keikaku's clock).
    pub received_at: i64,
    /// The event as LINE sent it (JSON), until its answer is made.
    pub event: Option<String>,
    /// Its reply token, until the answer is sent.
    pub reply_token: Option<String>,
    /// The user, group or room to push to, until the answer is sent.
    pub push_to: Option<String>,
    /// The messages of the answer (a JSON array), once made; none when there was nothing
    /// to say.
    pub answer: Option<String>,
}

impl Store {
    /// Records a webhook event as accepted unless it was taken before; says which.
    pub fn line_take(
        &mut self,
        event_id: &str,
        received_at: i64,
        event: &str,
        reply_token: Option<&str>,
        push_to: Option<&str>,
    ) -> Result<Taken, StoreError> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO line_event (event_id, state, received_at, event, reply_token, push_to)
                 VALUES (?1, 'accepted', ?2, ?3, ?4, ?5) ON CONFLICT (event_id) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![event_id, received_at, event, reply_token, push_to]))
            .map_err(self.err())?;
        if inserted == 1 {
            return Ok(Taken::New);
        }
        let state: String = self
            .conn
            .query_row("SELECT state FROM line_event WHERE event_id = ?1", [event_id], |r| r.get(0))
            .map_err(self.err())?;
        Ok(Taken::Seen(InboxState::parse(&state)))
    }

    /// Keeps the answer of an event about to be sent, and forgets the event itself.
    pub fn line_sending(&mut self, event_id: &str, answer: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE line_event SET state = 'sending', answer = ?2, event = NULL
                 WHERE event_id = ?1 AND state IN ('accepted', 'sending')",
                params![event_id, answer],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// Marks an event answered (or `dropped`), forgetting everything that names the
    /// resident; the answer stays.
    pub fn line_done(&mut self, event_id: &str, state: InboxState) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE line_event SET state = ?2, event = NULL, reply_token = NULL, push_to = NULL
                 WHERE event_id = ?1",
                params![event_id, state.as_str()],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// The event `event_id`, if taken.
    pub fn line_entry(&self, event_id: &str) -> Result<Option<InboxEntry>, StoreError> {
        self.line_entries("WHERE event_id = ?1", &[&event_id]).map(|mut v| v.pop())
    }

    /// Every event accepted or being sent, oldest first: what a start must finish.
    pub fn line_pending(&self) -> Result<Vec<InboxEntry>, StoreError> {
        self.line_entries("WHERE state IN ('accepted', 'sending') ORDER BY received_at", &[])
    }

    /// Forgets answered and dropped events received before `before` (Unix milliseconds);
    /// returns how many.
    pub fn line_forget_before(&mut self, before: i64) -> Result<usize, StoreError> {
        self.conn
            .execute("DELETE FROM line_event WHERE received_at < ?1 AND state IN ('answered', 'dropped')", [before])
            .map_err(self.err())
    }

    fn line_entries(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<InboxEntry>, StoreError> {
        let sql = format!(
            "SELECT event_id, state, received_at, event, reply_token, push_to, answer FROM line_event {filter}"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(InboxEntry {
                    event_id: r.get(0)?,
                    state: InboxState::parse(&r.get::<_, String>(1)?),
                    received_at: r.get(2)?,
                    event: r.get(3)?,
                    reply_token: r.get(4)?,
                    push_to: r.get(5)?,
                    answer: r.get(6)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&dir.path().join("k.db")).unwrap_or_else(|e| panic!("{e}"));
        (dir, store)
    }

    #[test]
    fn an_event_is_new_once_and_then_seen_with_its_state() {
        let (_dir, mut s) = store();
        let take =
            |s: &mut Store| s.line_take("ev-1", 1_000, "{}", Some("rt"), Some("U1")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(take(&mut s), Taken::New);
        assert_eq!(take(&mut s), Taken::Seen(InboxState::Accepted));
        s.line_sending("ev-1", "[]").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(take(&mut s), Taken::Seen(InboxState::Sending));
        s.line_done("ev-1", InboxState::Answered).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(take(&mut s), Taken::Seen(InboxState::Answered));
    }

    #[test]
    fn what_names_the_resident_is_forgotten_once_answered_and_the_answer_stays() {
        let (_dir, mut s) = store();
        s.line_take("ev-1", 1_000, r#"{"text":"q"}"#, Some("rt"), Some("U1")).unwrap_or_else(|e| panic!("{e}"));
        s.line_take("ev-2", 2_000, "{}", None, Some("U2")).unwrap_or_else(|e| panic!("{e}"));
        s.line_sending("ev-1", r#"[{"type":"text"}]"#).unwrap_or_else(|e| panic!("{e}"));
        let pending = s.line_pending().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pending.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(), ["ev-1", "ev-2"]);
        assert_eq!(pending[0].event, None, "the question goes once the answer is made");
        s.line_done("ev-1", InboxState::Answered).unwrap_or_else(|e| panic!("{e}"));
        let e = s.line_entry("ev-1").unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("kept"));
        assert_eq!((e.reply_token, e.push_to, e.answer.as_deref()), (None, None, Some(r#"[{"type":"text"}]"#)));
        assert_eq!(s.line_forget_before(10_000).unwrap_or_else(|e| panic!("{e}")), 1, "pending rows stay");
    }
}
