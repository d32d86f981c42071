//! The Telegram bots' inbox: the updates taken from Telegram and not yet answered, the
//! notices owed to chats whose backlog is full, and the offset up to which Telegram may
//! forget its updates. A restart answers what waits here (see `bot::backlog`).
//!
//! Every method runs inside the caller's transaction (the inbox's [`super::BatchWriter`]
//! batch): [`Store::inbox_accept`] stores a batch of updates and the offset that confirms
//! them together, so that Telegram is never told to forget an update the inbox lacks.
//!
//! Privacy: a row holds the chat's id and the update (names removed by the bot) only while
//! it waits; it is deleted once answered. The offset row holds no one's id.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// An update taken from Telegram, to store.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Telegram's update id.
    pub id: i64,
    /// The chat it is answered in (for an inline query, the user).
    pub chat: i64,
    /// The update as JSON.
    pub body: String,
}

/// What waits in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    /// The update's id (a notice takes the id of the first update it skipped).
    pub id: i64,
    /// The chat.
    pub chat: i64,
    /// A notice that the chat's backlog is full, rather than an update.
    pub notice: bool,
    /// The update as JSON (empty for a notice).
    pub body: String,
    /// The messages already sent for it, in order (what a restart must not send again).
    pub sent: Vec<i64>,
}

/// What [`Store::inbox_accept`] did with a batch.
#[derive(Debug, Default)]
pub struct Accepted {
    /// The updates and notices stored, to answer.
    pub stored: Vec<InboxItem>,
    /// Chats whose backlog was full, and how many of their updates were skipped.
    pub skipped: Vec<(i64, usize)>,
}

impl Store {
    /// Stores `incoming` for bot `bot` and records `next_offset` as the offset to confirm
    /// them with. A chat that already has `per_chat` updates waiting has the rest skipped,
    /// and a notice stored for it once (until its backlog is empty again). An update stored
    /// before (offered again by Telegram) is not stored twice.
    pub fn inbox_accept(
        &mut self,
        bot: i64,
        next_offset: i64,
        incoming: &[Incoming],
        per_chat: usize,
    ) -> Result<Accepted, StoreError> {
        let mut accepted = Accepted::default();
        for u in incoming {
            let waiting: i64 = self
                .conn
                .prepare_cached("SELECT COUNT(*) FROM telegram_inbox WHERE bot = ?1 AND chat = ?2 AND kind = 'update'")
                .and_then(|mut s| s.query_row(params![bot, u.chat], |r| r.get(0)))
                .map_err(self.err())?;
            if usize::try_from(waiting).unwrap_or(usize::MAX) < per_chat {
                let added = self
                    .conn
                    .prepare_cached(
                        "INSERT OR IGNORE INTO telegram_inbox (bot, update_id, chat, kind, body)
                         VALUES (?1, ?2, ?3, 'update', ?4)",
                    )
                    .and_then(|mut s| s.execute(params![bot, u.id, u.chat, u.body]))
                    .map_err(self.err())?;
                if added == 1 {
                    accepted.stored.push(item(u.id, u.chat, false, &u.body));
                }
                continue;
            }
            match accepted.skipped.iter_mut().find(|(chat, _)| *chat == u.chat) {
                Some((_, n)) => *n += 1,
                None => accepted.skipped.push((u.chat, 1)),
            }
            let told: bool = self
                .conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM telegram_inbox WHERE bot = ?1 AND chat = ?2 AND kind = 'notice')",
                )
                .and_then(|mut s| s.query_row(params![bot, u.chat], |r| r.get(0)))
                .map_err(self.err())?;
            if !told {
                self.conn
                    .prepare_cached(
                        "INSERT OR IGNORE INTO telegram_inbox (bot, update_id, chat, kind, body)
                         VALUES (?1, ?2, ?3, 'notice', '')",
                    )
                    .and_then(|mut s| s.execute(params![bot, u.id, u.chat]))
                    .map_err(self.err())?;
                accepted.stored.push(item(u.id, u.chat, true, ""));
            }
        }
        self.conn
            .prepare_cached(
                "INSERT INTO telegram_offset (bot, next) VALUES (?1, ?2)
                 ON CONFLICT (bot) DO UPDATE SET next = max(next, excluded.next)",
            )
            .and_then(|mut s| s.execute(params![bot, next_offset]))
            .map_err(self.err())?;
        Ok(accepted)
    }

    /// The offset to confirm Telegram's updates with (none before the first update).
    pub fn inbox_offset(&self, bot: i64) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT next FROM telegram_offset WHERE bot = ?1", [bot], |r| r.get(0))
            .optional()
            .map_err(self.err())
    }

    /// What waits for bot `bot`: notices not yet sent first (each is its chat's next
    /// message), then updates in the order Telegram gave them.
    pub fn inbox_pending(&self, bot: i64) -> Result<Vec<InboxItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT update_id, chat, kind, body, sent FROM telegram_inbox
                 WHERE bot = ?1 AND NOT (kind = 'notice' AND sent != '')
                 ORDER BY kind = 'update', update_id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([bot], |r| {
                let kind: String = r.get(2)?;
                let sent: String = r.get(4)?;
                Ok(InboxItem {
                    id: r.get(0)?,
                    chat: r.get(1)?,
                    notice: kind == "notice",
                    body: r.get(3)?,
                    sent: sent.split(',').filter_map(|m| m.parse().ok()).collect(),
                })
            })
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(self.err())
    }

    /// Message `message` was sent for item `id`.
    pub fn inbox_sent(&mut self, bot: i64, id: i64, message: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE telegram_inbox SET sent = CASE sent WHEN '' THEN ?3 ELSE sent || ',' || ?3 END
                 WHERE bot = ?1 AND update_id = ?2",
            )
            .and_then(|mut s| s.execute(params![bot, id, message.to_string()]))
            .map_err(self.err())?;
        Ok(())
    }

    /// Item `id` is finished: an update is deleted; a notice is kept, as sent, while its chat
    /// has updates waiting (so that the chat is told once), and deleted with the last.
    pub fn inbox_done(&mut self, bot: i64, id: i64) -> Result<(), StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT chat, kind FROM telegram_inbox WHERE bot = ?1 AND update_id = ?2")
            .and_then(|mut s| s.query_row(params![bot, id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(self.err())?;
        let Some((chat, kind)) = row else { return Ok(()) };
        let finish = if kind == "notice" {
            "UPDATE telegram_inbox SET sent = '0' WHERE bot = ?1 AND update_id = ?2 AND sent = ''"
        } else {
            "DELETE FROM telegram_inbox WHERE bot = ?1 AND update_id = ?2"
        };
        self.conn.prepare_cached(finish).and_then(|mut s| s.execute(params![bot, id])).map_err(self.err())?;
        self.conn
            .prepare_cached(
                "DELETE FROM telegram_inbox WHERE bot = ?1 AND chat = ?2 AND kind = 'notice' AND sent != ''
                 AND NOT EXISTS (SELECT 1 FROM telegram_inbox WHERE bot = ?1 AND chat = ?2 AND kind = 'update')",
            )
            .and_then(|mut s| s.execute(params![bot, chat]))
            .map_err(self.err())?;
        Ok(())
    }
}

fn item(id: i64, chat: i64, notice: bool, body: &str) -> InboxItem {
    InboxItem { id, chat, notice, body: body.to_string(), sent: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.db")).unwrap();
        (dir, store)
    }

    fn updates(chat: i64, ids: std::ops::Range<i64>) -> Vec<Incoming> {
        ids.map(|id| Incoming { id, chat, body: format!("{{\"update_id\":{id}}}") }).collect()
    }

    #[test]
    fn a_full_backlog_skips_the_rest_and_owes_one_notice() {
        let (_dir, mut s) = store();
        let mut batch = updates(7, 1..9);
        batch.extend(updates(8, 9..10));
        let a = s.inbox_accept(1, 10, &batch, 5).unwrap();
        let ids: Vec<(i64, bool)> = a.stored.iter().map(|i| (i.id, i.notice)).collect();
        assert_eq!(ids, [(1, false), (2, false), (3, false), (4, false), (5, false), (6, true), (9, false)]);
        assert_eq!(a.skipped, [(7, 3)]);
        assert_eq!(s.inbox_offset(1).unwrap(), Some(10));
        // Still full: skipped, and no second notice.
        let a = s.inbox_accept(1, 11, &updates(7, 10..11), 5).unwrap();
        assert!(a.stored.is_empty());
        assert_eq!(a.skipped, [(7, 1)]);
        // The notice first, then the updates in order.
        let pending: Vec<i64> = s.inbox_pending(1).unwrap().iter().map(|i| i.id).collect();
        assert_eq!(pending, [6, 1, 2, 3, 4, 5, 9]);
        // The notice sent, it no longer waits but the chat is still told.
        s.inbox_done(1, 6).unwrap();
        assert!(!s.inbox_pending(1).unwrap().iter().any(|i| i.notice));
        assert!(s.inbox_accept(1, 12, &updates(7, 11..12), 5).unwrap().stored.is_empty());
        // Once its backlog is answered, the chat may be told again in a later flood.
        for id in 1..6 {
            s.inbox_done(1, id).unwrap();
        }
        let a = s.inbox_accept(1, 20, &updates(7, 12..19), 5).unwrap();
        assert_eq!(a.stored.iter().filter(|i| i.notice).count(), 1);
        assert_eq!(a.stored.len(), 6);
    }

    #[test]
    fn sent_messages_are_remembered_and_an_update_is_stored_once() {
        let (_dir, mut s) = store();
        s.inbox_accept(1, 4, &updates(7, 3..4), 5).unwrap();
        let again = s.inbox_accept(1, 4, &updates(7, 3..4), 5).unwrap();
        assert!(again.stored.is_empty(), "offered again by Telegram: stored once");
        s.inbox_sent(1, 3, 41).unwrap();
        s.inbox_sent(1, 3, 42).unwrap();
        assert_eq!(s.inbox_pending(1).unwrap()[0].sent, [41, 42]);
        // Another bot's inbox is its own.
        assert!(s.inbox_pending(2).unwrap().is_empty());
        assert_eq!(s.inbox_offset(2).unwrap(), None);
        s.inbox_done(1, 3).unwrap();
        assert!(s.inbox_pending(1).unwrap().is_empty());
        // The offset never goes back.
        s.inbox_accept(1, 2, &[], 5).unwrap();
        assert_eq!(s.inbox_offset(1).unwrap(), Some(4));
    }
}
