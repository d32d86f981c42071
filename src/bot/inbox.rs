//! The bot's durable inbox (the SQL is `actuals::Store::inbox_*`): updates are stored here
//! before Telegram is told to forget them, deleted once answered, and the messages sent for
//! each are recorded as they go, so that answering it again after a restart sends only what
//! Telegram has not taken yet ([`replayed`], [`made`]).
//!
//! Its writer is a thread of its own with its own connection (`synchronous=FULL`): what it
//! confirms survives a crash of the process or of the machine.

use std::path::Path;
use std::sync::{Arc, Mutex};

use teloxide::types::MessageId;

use crate::actuals::{Accepted, BatchWriter, InboxItem, Incoming, Store, StoreError};

/// One bot's inbox.
pub struct Inbox {
    writer: Arc<BatchWriter>,
    bot: i64,
}

impl Inbox {
    /// The inbox of bot `bot` (its Telegram user id) in the database at `db`.
    pub fn open(db: &Path, bot: i64) -> std::io::Result<Inbox> {
        let writer = BatchWriter::start_with("telegram-inbox", db.to_path_buf(), Ok, |_| {})?;
        Ok(Inbox { writer: Arc::new(writer), bot })
    }

    /// Runs `f` in the writer's next batch and waits for its commit (off the async workers).
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store, i64) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (writer, bot) = (Arc::clone(&self.writer), self.bot);
        tokio::task::spawn_blocking(move || writer.write(move |s| f(s, bot)))
            .await
            .unwrap_or_else(|e| Err(StoreError::Invalid(e.to_string())))
    }

    /// The offset to start polling from (none: Telegram's first unconfirmed update).
    pub async fn offset(&self) -> Result<Option<i64>, StoreError> {
        self.write(|s, bot| s.inbox_offset(bot)).await
    }

    /// What a previous run left to answer.
    pub async fn pending(&self) -> Result<Vec<InboxItem>, StoreError> {
        self.write(|s, bot| s.inbox_pending(bot)).await
    }

    /// Stores a batch of updates with the offset that confirms them, on disk when this
    /// returns (see [`Store::inbox_accept`]).
    pub async fn accept(&self, next: i64, incoming: Vec<Incoming>, per_chat: usize) -> Result<Accepted, StoreError> {
        self.write(move |s, bot| s.inbox_accept(bot, next, &incoming, per_chat)).await
    }

    /// Item `id` is answered: removed in the writer's next batch, without waiting (should the
    /// process die first, the restart finds every message of it recorded and sends none).
    pub fn done(&self, id: i64) {
        let bot = self.bot;
        self.writer.submit("an answered update's removal", move |s| s.inbox_done(bot, id));
    }

    /// Waits until everything submitted so far is written (before the process ends).
    pub async fn flush(&self) {
        let writer = Arc::clone(&self.writer);
        let _ = tokio::task::spawn_blocking(move || writer.flush()).await;
    }
}

/// The messages of the item being answered: those sent before (by an earlier run) and those
/// sent now.
struct Progress {
    inbox: Arc<Inbox>,
    id: i64,
    sent: Mutex<(usize, Vec<i64>)>,
}

tokio::task_local! {
    static PROGRESS: Progress;
}

/// Runs `answer` as the answer to item `item`: its sends go through [`replayed`] and [`made`].
pub async fn answering<F: Future>(inbox: &Arc<Inbox>, item: &InboxItem, answer: F) -> F::Output {
    let progress = Progress { inbox: Arc::clone(inbox), id: item.id, sent: Mutex::new((0, item.sent.clone())) };
    PROGRESS.scope(progress, answer).await
}

/// When the current item's next message was sent by an earlier run: its id (the message is
/// not sent again).
pub fn replayed() -> Option<MessageId> {
    PROGRESS
        .try_with(|p| {
            let mut sent = p.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let (next, ids) = &mut *sent;
            let id = ids.get(*next).copied()?;
            *next += 1;
            i32::try_from(id).ok().map(MessageId)
        })
        .ok()
        .flatten()
}

/// Telegram took the current item's next message, `id`: recorded before the answer goes on
/// (a failure to record is logged; the restart would then send it again).
pub async fn made(id: MessageId) {
    let target = PROGRESS
        .try_with(|p| {
            let mut sent = p.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            sent.1.push(i64::from(id.0));
            sent.0 = sent.1.len();
            (Arc::clone(&p.inbox), p.id)
        })
        .ok();
    if let Some((inbox, item)) = target
        && let Err(e) = inbox.write(move |s, bot| s.inbox_sent(bot, item, i64::from(id.0))).await
    {
        tracing::warn!(error = %e, "a sent message was not recorded in the inbox");
    }
}
