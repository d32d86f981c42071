//! The LINE bot's durable record of the events it took (the store's `line_event` table),
//! written by a thread of its own that commits to disk in batches: taking the events of a
//! webhook request waits for its commit (LINE is answered 200 only once they are on disk);
//! where an answer is afterwards is written without waiting (a restart treats an event
//! whose record is behind as possibly answered, see [`super::delivery`]).

use std::path::PathBuf;
use std::sync::Arc;

use crate::actuals::{BatchWriter, InboxEntry, InboxState, StoreError, Taken};

/// How long answered events are remembered, to recognise LINE sending one again.
const KEEP_MS: i64 = 7 * 24 * 3_600_000;

/// Now, in Unix milliseconds.
pub(super) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// An event to take.
pub(super) struct Arrival {
    /// LINE's `webhookEventId`.
    pub id: String,
    /// The event as LINE sent it (JSON).
    pub event: String,
    /// Its reply token.
    pub reply_token: Option<String>,
    /// Where a push would go.
    pub push_to: Option<String>,
}

/// The handle over the inbox's writer.
pub(super) struct Inbox {
    writer: Arc<BatchWriter>,
}

impl Inbox {
    /// Starts the inbox's writer over the database at `db` (opened, and created, on first
    /// use).
    pub fn start(db: PathBuf) -> std::io::Result<Inbox> {
        let mut trimmed_at = 0;
        let writer = BatchWriter::start_durable("line-inbox", db, move |store| {
            let now = now_ms();
            if now - trimmed_at >= 3_600_000 {
                trimmed_at = now;
                if let Err(e) = store.line_forget_before(now - KEEP_MS) {
                    tracing::warn!(error = %e, "old LINE events were not forgotten");
                }
            }
        })?;
        Ok(Inbox { writer: Arc::new(writer) })
    }

    /// Takes `arrivals` (received at `at`, Unix milliseconds) in one commit: for each, new
    /// (now accepted) or seen before.
    pub async fn take(&self, arrivals: Vec<Arrival>, at: i64) -> Result<Vec<Taken>, StoreError> {
        let writer = Arc::clone(&self.writer);
        blocking(move || {
            writer.write(move |store| {
                arrivals
                    .iter()
                    .map(|a| store.line_take(&a.id, at, &a.event, a.reply_token.as_deref(), a.push_to.as_deref()))
                    .collect()
            })
        })
        .await
    }

    /// Keeps the answer (messages as JSON) of event `id`, about to be sent.
    pub fn sending(&self, id: &str, answer: &str) {
        let (id, answer) = (id.to_string(), answer.to_string());
        self.writer.submit("the answer of a LINE event", move |store| store.line_sending(&id, &answer));
    }

    /// Records event `id` answered or dropped.
    pub fn done(&self, id: &str, state: InboxState) {
        let id = id.to_string();
        self.writer.submit("where a LINE event's answer is", move |store| store.line_done(&id, state));
    }

    /// Every event accepted and not recorded as answered.
    pub async fn pending(&self) -> Result<Vec<InboxEntry>, StoreError> {
        let writer = Arc::clone(&self.writer);
        blocking(move || writer.write(|store| store.line_pending())).await
    }

    /// Waits until everything recorded so far is on disk.
    pub async fn flush(&self) {
        let writer = Arc::clone(&self.writer);
        let _ = tokio::task::spawn_blocking(move || writer.flush()).await;
    }
}

/// Runs `f` (which waits for the writer) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::Invalid(e.to_string()))?
}
