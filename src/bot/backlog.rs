//! The updates accepted and not yet answered: a queue per chat, each answered in order by a
//! worker of its own, the chats side by side (at most [`Delivery::workers`] updates in hand
//! at once, taken first come first served), and a stop within a bound.
//!
//! An item leaves the inbox once answered: its handler returned, or failed for a reason a
//! retry would not mend. One cut short by the stop stays, for the next start. teloxide's
//! dispatcher is not used: it held a chat's updates in a queue of 64 and, when a flood
//! filled it, stopped taking anyone's updates until it drained.
//!
//! The stop ([`Backlog::drain`]): nothing more is taken from Telegram; the queued items go
//! on being answered until the cut, [`Delivery::stop_within`] less a last fifth (at most a
//! second), after which no item starts and no message leaves; what is in flight then has
//! until the bound to come back, and whatever is still in hand at the bound is dropped,
//! left in the inbox.

use std::collections::{HashMap, VecDeque};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use teloxide::dispatching::UpdateHandler;
use teloxide::types::{ChatId, Me, Update};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use super::handlers::HandlerError;
use super::inbox::{Inbox, answering};
use super::outbox::send_html;
use super::{BotState, privacy};
use crate::actuals::InboxItem;

/// How the bot takes updates, bounds a chat's backlog and stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// How long a stop may take (`KEIKAKU_STOP_SECS`, default 10 s).
    pub stop_within: Duration,
    /// How many updates of one chat may wait unanswered (`KEIKAKU_CHAT_BACKLOG`, default 5);
    /// the chat's later ones are skipped and it is told once.
    pub per_chat: usize,
    /// How many updates are in hand at once, across chats (default 64).
    pub workers: usize,
}

impl Default for Delivery {
    fn default() -> Delivery {
        Delivery { stop_within: Duration::from_secs(10), per_chat: 5, workers: 64 }
    }
}

/// The notice a chat gets once when its backlog is full (`{n}`: how many are answered).
pub const NOTICE: &str = "少しお待ちください。先にお送りいただいた{n}件に、順番にお答えしています。それより後に届いたメッセージにはお答えできませんでしたので、回答が届いてから、改めてお送りください。";

/// The queues, shared by the poller, the workers and the stop.
#[derive(Clone)]
pub struct Backlog {
    inner: Arc<Inner>,
}

struct Inner {
    state: Arc<BotState>,
    inbox: Arc<Inbox>,
    me: Me,
    schema: UpdateHandler<HandlerError>,
    per_chat: usize,
    permits: Semaphore,
    /// A chat is here while its worker runs.
    queues: Mutex<HashMap<i64, VecDeque<InboxItem>>>,
    /// Workers alive.
    running: watch::Sender<usize>,
    /// No item starts from then on (set by the stop).
    cut: Mutex<Option<Instant>>,
    /// Set at the stop's bound: what is in hand is dropped.
    abandon: watch::Sender<bool>,
}

/// Counts a worker as alive until dropped.
struct Alive(Arc<Inner>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.running.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Backlog {
    /// An empty backlog answering with `schema` (whose dependencies are an [`Update`], `me`
    /// and `state`).
    pub fn new(
        state: Arc<BotState>,
        inbox: Arc<Inbox>,
        me: Me,
        schema: UpdateHandler<HandlerError>,
        delivery: Delivery,
    ) -> Backlog {
        Backlog {
            inner: Arc::new(Inner {
                state,
                inbox,
                me,
                schema,
                per_chat: delivery.per_chat,
                permits: Semaphore::new(delivery.workers.max(1)),
                queues: Mutex::default(),
                running: watch::Sender::new(0),
                cut: Mutex::new(None),
                abandon: watch::Sender::new(false),
            }),
        }
    }

    /// Queues `items`, each after its chat's others (a notice first: it is the chat's next
    /// message), and starts a worker for a chat that has none.
    pub fn push(&self, items: Vec<InboxItem>) {
        let mut queues = self.inner.lock();
        for item in items {
            let chat = item.chat;
            let fresh = !queues.contains_key(&chat);
            let queue = queues.entry(chat).or_default();
            if item.notice {
                queue.push_front(item);
            } else {
                queue.push_back(item);
            }
            if fresh {
                self.inner.running.send_modify(|n| *n += 1);
                let alive = Alive(Arc::clone(&self.inner));
                tokio::spawn(work(alive, chat));
            }
        }
    }

    /// Stops within `within` of `since` (see the module's doc); returns how many items were
    /// left in the inbox.
    pub async fn drain(&self, since: Instant, within: Duration) -> usize {
        let bound = since + within;
        let cut = bound - (within / 5).min(Duration::from_secs(1));
        *self.inner.cut.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(cut);
        self.inner.state.outbox.close_at(cut);
        let mut running = self.inner.running.subscribe();
        let finished = tokio::time::timeout_at(bound, running.wait_for(|n| *n == 0)).await.is_ok();
        let in_hand = if finished { 0 } else { *self.inner.running.borrow() };
        self.inner.abandon.send_replace(true);
        let queued: usize = self.inner.lock().values().map(VecDeque::len).sum();
        // Every answered item's removal is on disk before the process ends.
        self.inner.inbox.flush().await;
        queued + in_hand
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, VecDeque<InboxItem>>> {
        self.queues.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn past_cut(&self) -> bool {
        self.cut.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some_and(|c| Instant::now() >= c)
    }

    /// The chat's next item; none (and the chat's worker ends) when its queue is empty.
    fn next(&self, chat: i64) -> Option<InboxItem> {
        let mut queues = self.lock();
        let item = queues.get_mut(&chat).and_then(VecDeque::pop_front);
        if item.is_none() {
            queues.remove(&chat);
        }
        item
    }

    /// Answers `item`; true when it is finished with (answered, or failed for good), false
    /// when the stop cut it short.
    async fn answer(&self, item: &InboxItem) -> bool {
        let state = &self.state;
        if item.notice {
            let text = NOTICE.replace("{n}", &self.per_chat.to_string());
            // Recorded as sent like an answer: once Telegram took it, no restart sends it again.
            let sent = answering(&self.inbox, item, send_html(&state.outbox, ChatId(item.chat), &text, None)).await;
            return match sent {
                Ok(_) => true,
                Err(_) if state.outbox.closed() => false,
                Err(e) => {
                    tracing::warn!(asker = %state.names.of(item.chat), error = %privacy::describe(&e), "a backlog notice failed");
                    true
                }
            };
        }
        let update: Update = match serde_json::from_str(&item.body) {
            Ok(u) => u,
            Err(e) => {
                tracing::error!(error = %e, "an update in the inbox cannot be read; dropped");
                return true;
            }
        };
        let deps = teloxide::dptree::deps![update, self.me.clone(), Arc::clone(state)];
        match answering(&self.inbox, item, self.schema.dispatch(deps)).await {
            ControlFlow::Break(Err(_)) if state.outbox.closed() => false,
            ControlFlow::Break(Err(e)) => {
                tracing::error!(error = %privacy::describe(&*e), "an update failed");
                true
            }
            ControlFlow::Break(Ok(())) | ControlFlow::Continue(_) => true,
        }
    }
}

/// A chat's worker: its items in order, each with a permit, until the queue is empty or the
/// stop comes.
async fn work(alive: Alive, chat: i64) {
    let inner = &alive.0;
    let mut abandon = inner.abandon.subscribe();
    loop {
        let _permit = tokio::select! {
            p = inner.permits.acquire() => match p { Ok(p) => p, Err(_) => return },
            _ = abandon.wait_for(|a| *a) => return,
        };
        if inner.past_cut() {
            return;
        }
        let Some(item) = inner.next(chat) else { return };
        let finished = tokio::select! {
            f = inner.answer(&item) => f,
            _ = abandon.wait_for(|a| *a) => return,
        };
        if finished {
            inner.inbox.done(item.id);
        }
    }
}
