//! The question log: what people asked, what they got, and what administrators made of it.
//!
//! Privacy: in public mode the asker is a pseudonym — an HMAC-SHA256 of the chat id under a
//! secret kept in the database (made on first use, from the system's random source) — so
//! distinct people can be counted and nobody can be named. Rows older than the retention
//! period are deleted ([`Store::forget_questions_before`]).

use hmac::{Hmac, Mac};
use rusqlite::{OptionalExtension, params};
use sha2::Sha256;

use super::{Store, StoreError};

/// What came of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionResult {
    /// One initiative, or a list.
    Answered,
    /// Several candidates were offered.
    Candidates,
    /// Nothing in the plan.
    NotFound,
}

impl QuestionResult {
    fn as_str(self) -> &'static str {
        match self {
            QuestionResult::Answered => "answered",
            QuestionResult::Candidates => "candidates",
            QuestionResult::NotFound => "not_found",
        }
    }

    fn parse(s: &str) -> QuestionResult {
        match s {
            "answered" => QuestionResult::Answered,
            "candidates" => QuestionResult::Candidates,
            _ => QuestionResult::NotFound,
        }
    }
}

/// Where a question was asked: the channels that log questions, one name each in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `keikaku chat`.
    Terminal,
    /// A Telegram bot (staff or public).
    Telegram,
    /// The LINE bot.
    Line,
    /// `keikaku ask` (logged only when configured: `ask --log-questions`).
    Ask,
    /// The progress site's search (logged only when configured: `web --log-questions`).
    Web,
}

impl Channel {
    /// The name stored (`terminal`, `telegram`, `line`, `ask`, `web`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Terminal => "terminal",
            Channel::Telegram => "telegram",
            Channel::Line => "line",
            Channel::Ask => "ask",
            Channel::Web => "web",
        }
    }

    /// Reads a stored name; `None` for a name no channel has.
    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Terminal, Channel::Telegram, Channel::Line, Channel::Ask, Channel::Web]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Channel {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An answer of ours, as its 👍 / 👎 name it: given when the answer is made, kept with its
/// question in the log, carried by the buttons whatever the channel (no channel's message
/// id is needed to vote).
///
/// Ids are unique across processes sharing a database in practice: the millisecond the
/// process made its first one, the process id and a counter; a vote also names its asker,
/// so two equal ids would have to meet in one chat to matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnswerId(i64);

impl AnswerId {
    /// A new id, never given before by this process.
    pub fn fresh() -> AnswerId {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicI64, Ordering};
        static NEXT: OnceLock<AtomicI64> = OnceLock::new();
        let next = NEXT.get_or_init(|| {
            let ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
            let pid = i64::from(std::process::id() & 0xff);
            // 41 bits of milliseconds, 8 of the process, 12 of count before they meet the next.
            AtomicI64::new(((ms & ((1 << 41) - 1)) << 20) | (pid << 12))
        });
        AnswerId(next.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// The number, as stored and as the buttons carry it.
    pub fn get(self) -> i64 {
        self.0
    }

    /// An id read back from a button or the log (positive).
    pub fn from_raw(n: i64) -> Option<AnswerId> {
        (n > 0).then_some(AnswerId(n))
    }
}

impl std::fmt::Display for AnswerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which answer a 👍 / 👎 is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOn {
    /// An answer by its id (every button made since answer ids exist).
    Answer(AnswerId),
    /// An answer by the Telegram message that carried it: buttons made before answer ids
    /// (`v:u`, `v:d`), whose questions the log keeps with `message`.
    Message(i64),
}

/// Where an administrator has put a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    /// Not looked at yet.
    Pending,
    /// Taught or otherwise fixed.
    Resolved,
    /// Nothing to do (not about the plan, noise).
    Ignored,
}

impl ReviewStatus {
    /// The name stored and typed (`pending`, `resolved`, `ignored`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Resolved => "resolved",
            ReviewStatus::Ignored => "ignored",
        }
    }

    /// Reads a status name.
    pub fn parse(s: &str) -> Option<ReviewStatus> {
        match s {
            "pending" => Some(ReviewStatus::Pending),
            "resolved" => Some(ReviewStatus::Resolved),
            "ignored" => Some(ReviewStatus::Ignored),
            _ => None,
        }
    }
}

/// A question to log.
#[derive(Debug, Clone)]
pub struct QuestionRecord<'a> {
    /// When (Unix seconds).
    pub at: i64,
    /// Where it was asked.
    pub channel: Channel,
    /// Asked of the public bot (the asker is then a pseudonym).
    pub public: bool,
    /// Who: a staff member's id, a pseudonym, or `terminal`.
    pub asker: &'a str,
    /// The question as written.
    pub question: &'a str,
    /// The intent answered (`kpi`, `not_found` …).
    pub intent: &'a str,
    /// The initiatives answered or offered.
    pub pages: &'a [u16],
    /// What came of it.
    pub result: QuestionResult,
    /// The answer's id, which its 👍 / 👎 name (none where no vote can be offered).
    pub answer: Option<AnswerId>,
}

/// A logged question.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedQuestion {
    /// Its row id.
    pub id: i64,
    /// When (Unix seconds).
    pub asked_at: i64,
    /// Where it was asked.
    pub channel: Channel,
    /// Asked of the public bot.
    pub public: bool,
    /// Who (a staff id, a pseudonym, `terminal`).
    pub asker: String,
    /// The question as written.
    pub question: String,
    /// The intent answered.
    pub intent: String,
    /// The initiatives answered or offered.
    pub pages: Vec<u16>,
    /// What came of it.
    pub result: QuestionResult,
    /// 👍 (1), 👎 (-1) or no vote.
    pub vote: Option<i8>,
    /// What they wanted, said after a 👎.
    pub wanted: Option<String>,
    /// Where review has put it.
    pub status: ReviewStatus,
    /// The answer's id, when it was given one.
    pub answer: Option<AnswerId>,
}

impl Store {
    /// This connection made for the question log: its commits are not waited to disk
    /// (`synchronous=NORMAL`; WAL keeps the database consistent), so logging costs an
    /// answer tens of microseconds, not an fsync. A crash may lose the last few questions,
    /// never a report: reports are written through connections that wait.
    pub fn for_question_log(self) -> Result<Store, StoreError> {
        self.conn.pragma_update(None, "synchronous", "NORMAL").map_err(self.err())?;
        Ok(self)
    }

    /// Logs a question; returns its row id.
    pub fn log_question(&mut self, r: &QuestionRecord<'_>) -> Result<i64, StoreError> {
        let pages = r.pages.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
        self.conn
            .prepare_cached(
                "INSERT INTO question_log (asked_at, channel, mode, asker, question, intent, pages, result, answer)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut insert| {
                insert.execute(params![
                    r.at,
                    r.channel.as_str(),
                    if r.public { "public" } else { "staff" },
                    r.asker,
                    r.question,
                    r.intent,
                    pages,
                    r.result.as_str(),
                    r.answer.map(AnswerId::get)
                ])
            })
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A stable pseudonym for a chat: 16 hex digits of HMAC-SHA256(secret, chat id).
    pub fn pseudonym(&mut self, chat: i64) -> Result<String, StoreError> {
        Ok(Pseudonyms::new(self.pseudonym_key()?).of(chat))
    }

    /// The secret pseudonyms are made under (made on first use), for a caller that names
    /// many chats without the database at hand (the bots' log lines: [`Pseudonyms`]).
    pub fn pseudonym_key(&mut self) -> Result<Vec<u8>, StoreError> {
        if let Some(key) = &self.pseudonym_key {
            return Ok(key.clone());
        }
        let key = self.secret("pseudonym")?;
        Ok(self.pseudonym_key.insert(key).clone())
    }

    /// The named secret, made (32 random bytes) and kept on first use.
    fn secret(&mut self, name: &str) -> Result<Vec<u8>, StoreError> {
        let found: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT value FROM secret WHERE name = ?1")
            .and_then(|mut select| select.query_row([name], |r| r.get(0)))
            .optional()
            .map_err(self.err())?;
        if let Some(value) = found {
            return Ok(value);
        }
        let fresh =
            random_bytes().map_err(|e| StoreError::Invalid(format!("no random source for the pseudonym key: {e}")))?;
        // Another process may have made one meanwhile: theirs wins, and is read back.
        self.conn
            .execute("INSERT OR IGNORE INTO secret (name, value) VALUES (?1, ?2)", params![name, fresh])
            .map_err(self.err())?;
        self.conn.query_row("SELECT value FROM secret WHERE name = ?1", [name], |r| r.get(0)).map_err(self.err())
    }

    /// Deletes the questions asked before `cutoff` (Unix seconds); returns how many.
    pub fn forget_questions_before(&mut self, cutoff: i64) -> Result<usize, StoreError> {
        self.conn.execute("DELETE FROM question_log WHERE asked_at < ?1", [cutoff]).map_err(self.err())
    }

    /// The questions asked since `since` (Unix seconds), oldest first.
    pub fn questions_since(&self, since: i64) -> Result<Vec<LoggedQuestion>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, asked_at, channel, mode, asker, question, intent, pages, result, vote, wanted, status, answer
                 FROM question_log WHERE asked_at >= ?1 ORDER BY id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([since], |r| {
                let pages: String = r.get(7)?;
                let result: String = r.get(8)?;
                let status: String = r.get(11)?;
                let mode: String = r.get(3)?;
                let channel: String = r.get(2)?;
                let answer: Option<i64> = r.get(12)?;
                Ok(LoggedQuestion {
                    id: r.get(0)?,
                    asked_at: r.get(1)?,
                    // A name no channel has was never written: read as the terminal's.
                    channel: Channel::parse(&channel).unwrap_or(Channel::Terminal),
                    public: mode == "public",
                    asker: r.get(4)?,
                    question: r.get(5)?,
                    intent: r.get(6)?,
                    pages: pages.split(',').filter_map(|p| p.parse().ok()).collect(),
                    result: QuestionResult::parse(&result),
                    vote: r.get(9)?,
                    wanted: r.get(10)?,
                    status: ReviewStatus::parse(&status).unwrap_or(ReviewStatus::Pending),
                    answer: answer.and_then(AnswerId::from_raw),
                })
            })
            .map_err(self.err())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// Records 👍 (`up`) or 👎 on the answer `asker` got, `on` (nobody else may vote on
    /// it). A second vote replaces the first. False when there is no such answer of theirs.
    pub fn vote(&mut self, asker: &str, on: VoteOn, up: bool) -> Result<bool, StoreError> {
        let vote = if up { 1 } else { -1 };
        let n = match on {
            VoteOn::Answer(id) => self.conn.execute(
                "UPDATE question_log SET vote = ?1 WHERE asker = ?2 AND answer = ?3",
                params![vote, asker, id.get()],
            ),
            VoteOn::Message(m) => self.conn.execute(
                "UPDATE question_log SET vote = ?1 WHERE asker = ?2 AND message = ?3",
                params![vote, asker, m],
            ),
        }
        .map_err(self.err())?;
        Ok(n >= 1)
    }

    /// Records what `asker` wanted to know, said after a 👎 on the answer `on`.
    pub fn set_wanted(&mut self, asker: &str, on: VoteOn, wanted: &str) -> Result<bool, StoreError> {
        let n = match on {
            VoteOn::Answer(id) => self.conn.execute(
                "UPDATE question_log SET wanted = ?1 WHERE asker = ?2 AND answer = ?3",
                params![wanted, asker, id.get()],
            ),
            VoteOn::Message(m) => self.conn.execute(
                "UPDATE question_log SET wanted = ?1 WHERE asker = ?2 AND message = ?3",
                params![wanted, asker, m],
            ),
        }
        .map_err(self.err())?;
        Ok(n >= 1)
    }

    /// Puts the questions `ids` under `status`; returns how many there were. (Through the
    /// log's writer it is one transaction with the rest of its batch.)
    pub fn set_review_status(&mut self, ids: &[i64], status: ReviewStatus) -> Result<usize, StoreError> {
        let mut n = 0;
        for id in ids {
            n += self
                .conn
                .execute("UPDATE question_log SET status = ?1 WHERE id = ?2", params![status.as_str(), id])
                .map_err(self.err())?;
        }
        Ok(n)
    }
}

/// 32 bytes from the system's random source.
/// Names chats as the question log does: 16 hex digits of HMAC-SHA256(key, chat id).
#[derive(Clone)]
pub struct Pseudonyms(Hmac<Sha256>);

impl Pseudonyms {
    /// Pseudonyms under `key` ([`Store::pseudonym_key`]).
    pub fn new(key: Vec<u8>) -> Pseudonyms {
        // HMAC takes a key of any length: this cannot fail.
        Pseudonyms(<Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap_or_else(|_| unreachable!("HMAC takes any key")))
    }

    /// Pseudonyms under a fresh random key, kept nowhere: they tell chats apart within
    /// this process and match nothing stored (for a bot that keeps no question log).
    pub fn ephemeral() -> std::io::Result<Pseudonyms> {
        random_bytes().map(Pseudonyms::new)
    }

    /// The pseudonym of `chat`.
    pub fn of(&self, chat: i64) -> String {
        let mut mac = self.0.clone();
        mac.update(&chat.to_be_bytes());
        mac.finalize().into_bytes().iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

fn random_bytes() -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = vec![0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_on_answers_logged_before_answer_ids_still_count_after_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keikaku.db");
        // A database as the last release left it: a Telegram answer logged with its message,
        // already voted on.
        let before = super::super::MIGRATIONS.len() - 1;
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &super::super::MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64).unwrap();
            conn.execute(
                "INSERT INTO question_log (asked_at, channel, mode, asker, question, intent, pages, result, vote, message)
                 VALUES (1, 'telegram', 'staff', '1001', 'どこでも窓口のKPI', 'kpi', '18', 'answered', 1, 42)",
                [],
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let old = &store.questions_since(0).unwrap()[0];
        assert_eq!((old.vote, old.answer, old.channel), (Some(1), None, Channel::Telegram));
        // The old buttons (`v:d`, under message 42) still vote, and 「何を知りたかったですか」 is kept.
        assert!(store.vote("1001", VoteOn::Message(42), false).unwrap());
        assert!(store.set_wanted("1001", VoteOn::Message(42), "目標の根拠").unwrap());
        assert!(!store.vote("someone else", VoteOn::Message(42), true).unwrap());
        // A new answer is voted on by its id.
        let id = AnswerId::fresh();
        let record = QuestionRecord {
            at: 2,
            channel: Channel::Line,
            public: true,
            asker: "p",
            question: "いつまで？",
            intent: "period",
            pages: &[18],
            result: QuestionResult::Answered,
            answer: Some(id),
        };
        store.log_question(&record).unwrap();
        assert!(store.vote("p", VoteOn::Answer(id), false).unwrap());
        let rows = store.questions_since(0).unwrap();
        assert_eq!((rows[0].vote, rows[0].wanted.as_deref()), (Some(-1), Some("目標の根拠")));
        assert_eq!((rows[1].vote, rows[1].answer, rows[1].channel), (Some(-1), Some(id), Channel::Line));
    }

    #[test]
    fn answer_ids_are_positive_and_never_repeat() {
        let ids: Vec<AnswerId> = (0..1000).map(|_| AnswerId::fresh()).collect();
        let mut sorted = ids.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
        assert!(ids.iter().all(|id| id.get() > 0 && AnswerId::from_raw(id.get()) == Some(*id)));
    }
}
