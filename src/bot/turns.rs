//! Whose message goes next: a queue per chat, served in turn (round robin) within Telegram's
//! limits, so that one chat's flood costs only that chat.
//!
//! Every message the bots send waits for a turn ([`Turns::take`]). One driver task hands the
//! turns out: it goes round the chats that wait, in the order they came, and gives the next
//! turn to the first whose own limit allows a message now (one a second; twenty a minute in a
//! group) and which has no message in flight (a chat's pace counts from Telegram's answer to
//! its previous message, see [`crate::limits`]), whenever the overall limit (thirty a second)
//! allows one. A chat served goes to the back of the round. A flood from one chat thus waits
//! its own second per message while every other chat's message takes the next free slot.
//!
//! (The limiter alone, with every sender sleeping until its slot, gave no order: at the
//! overall limit every waiter woke at the same instant and whoever locked first won.)
//!
//! Before the bot stops, [`Turns::close_at`] sets the time after which no turn is given:
//! the messages still waiting are refused, and their updates stay in the inbox for the next
//! start, never half sent (see [`super::backlog`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

use crate::limits::{Limiter, Limits};

/// The turns of every chat of one bot.
pub struct Turns {
    limiter: Limiter,
    round: Mutex<Round>,
    wake: Notify,
}

/// Who waits, in which order.
#[derive(Default)]
struct Round {
    /// Chats with a message waiting, in turn order (each once).
    order: VecDeque<i64>,
    /// Each waiting chat's messages, first come first served.
    waiting: HashMap<i64, VecDeque<oneshot::Sender<Instant>>>,
    /// Chats with a message in flight.
    busy: HashSet<i64>,
    /// No turn is given from then on.
    closes: Option<Instant>,
}

/// A turn to send one message; dropping it says Telegram answered (or the attempt ended).
pub struct Turn {
    turns: Arc<Turns>,
    chat: i64,
    slot: Instant,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.turns.finished(self.chat, self.slot);
    }
}

/// The driver task, ended when this is dropped (with the bot's outbox).
pub struct Driver(tokio::task::JoinHandle<()>);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Turns {
    /// Turns within `limits`, and the task that hands them out (on the current runtime).
    pub fn start(limits: Limits) -> (Arc<Turns>, Driver) {
        let turns = Arc::new(Turns { limiter: Limiter::new(limits), round: Mutex::default(), wake: Notify::new() });
        let driver = tokio::spawn(drive(Arc::clone(&turns)));
        (turns, Driver(driver))
    }

    fn round(&self) -> std::sync::MutexGuard<'_, Round> {
        self.round.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits for a turn to send a message to `chat`; `None` once sending has closed.
    pub async fn take(self: &Arc<Self>, chat: i64) -> Option<Turn> {
        let (tx, rx) = oneshot::channel();
        {
            let mut r = self.round();
            if r.closes.is_some_and(|c| Instant::now() >= c) {
                return None;
            }
            let queue = r.waiting.entry(chat).or_default();
            queue.push_back(tx);
            if queue.len() == 1 {
                r.order.push_back(chat);
            }
        }
        self.wake.notify_one();
        let slot = rx.await.ok()?;
        Some(Turn { turns: Arc::clone(self), chat, slot })
    }

    /// Telegram said 429: nothing goes for `after`.
    pub fn freeze(&self, after: std::time::Duration) {
        self.limiter.freeze(after);
        self.wake.notify_one();
    }

    /// No turn is given from `at` on; the messages waiting then are refused.
    pub fn close_at(&self, at: Instant) {
        self.round().closes = Some(at);
        self.wake.notify_one();
    }

    /// True once no more turns are given.
    pub fn closed(&self) -> bool {
        self.round().closes.is_some_and(|c| Instant::now() >= c)
    }

    fn finished(&self, chat: i64, slot: Instant) {
        self.limiter.answered(chat, slot);
        self.round().busy.remove(&chat);
        self.wake.notify_one();
    }

    /// Hands out every turn the limits allow now; returns when to look again (`None`: when
    /// something changes).
    fn assign(&self) -> Option<Instant> {
        let mut r = self.round();
        let Round { order, waiting, busy, closes } = &mut *r;
        if closes.is_some_and(|c| Instant::now() >= c) {
            // Dropping the senders refuses every waiting message.
            order.clear();
            waiting.clear();
            return None;
        }
        let earliest = |a: Option<Instant>, b: Option<Instant>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut next = None;
        let mut i = 0;
        loop {
            if let Some(at) = self.limiter.overall_ready() {
                return earliest(Some(at), *closes);
            }
            let mut chosen = None;
            while let Some(&chat) = order.get(i) {
                if busy.contains(&chat) {
                    i += 1;
                    continue;
                }
                let queue = waiting.entry(chat).or_default();
                while queue.front().is_some_and(oneshot::Sender::is_closed) {
                    queue.pop_front();
                }
                if queue.is_empty() {
                    waiting.remove(&chat);
                    order.remove(i);
                    continue;
                }
                match self.limiter.try_acquire(chat) {
                    Ok(slot) => {
                        chosen = Some((chat, slot));
                        break;
                    }
                    Err(at) => {
                        next = earliest(next, Some(at));
                        i += 1;
                    }
                }
            }
            let Some((chat, slot)) = chosen else { return earliest(next, *closes) };
            order.remove(i);
            let queue = waiting.entry(chat).or_default();
            if let Some(tx) = queue.pop_front()
                && tx.send(slot).is_ok()
            {
                busy.insert(chat);
            }
            if queue.is_empty() {
                waiting.remove(&chat);
            } else {
                order.push_back(chat);
            }
        }
    }
}

/// Hands out turns whenever a message comes to wait, a turn ends, or a limit's wait is over.
async fn drive(turns: Arc<Turns>) {
    loop {
        match turns.assign() {
            Some(at) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(at) => {}
                    _ = turns.wake.notified() => {}
                }
            }
            None => turns.wake.notified().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Takes a turn for `chat`, records it in `log` and ends it at once.
    fn send(turns: &Arc<Turns>, log: &Arc<Mutex<Vec<(i64, Duration)>>>, chat: i64, start: Instant) {
        let (turns, log) = (Arc::clone(turns), Arc::clone(log));
        tokio::spawn(async move {
            if turns.take(chat).await.is_some() {
                log.lock().unwrap().push((chat, start.elapsed()));
            }
        });
    }

    #[tokio::test(start_paused = true)]
    async fn a_flooding_chat_waits_its_own_second_while_another_goes_at_once() {
        let (turns, _driver) = Turns::start(Limits::default());
        let log = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        for _ in 0..20 {
            send(&turns, &log, 1, start);
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        send(&turns, &log, 2, start);
        tokio::time::sleep(Duration::from_millis(10)).await;
        let log = log.lock().unwrap().clone();
        let flood: Vec<&Duration> = log.iter().filter(|(c, _)| *c == 1).map(|(_, t)| t).collect();
        assert_eq!(flood.len(), 3, "one a second: {log:?}");
        let other = log.iter().find(|(c, _)| *c == 2).expect("the other chat had its turn");
        assert!(other.1 < Duration::from_millis(2510), "{log:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn turns_go_round_the_chats_in_order_under_the_overall_limit() {
        let limits = Limits { per_sec_overall: 2, per_sec_chat: 100, per_min_group: 100 };
        let (turns, _driver) = Turns::start(limits);
        let log = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        for chat in [1, 1, 1, 2, 2, 2, 3, 3, 3] {
            send(&turns, &log, chat, start);
        }
        tokio::time::sleep(Duration::from_millis(4500)).await;
        let chats: Vec<i64> = log.lock().unwrap().iter().map(|(c, _)| *c).collect();
        assert_eq!(chats, [1, 2, 3, 1, 2, 3, 1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn no_turn_is_given_after_the_close() {
        let (turns, _driver) = Turns::start(Limits::default());
        let first = turns.take(5).await;
        assert!(first.is_some());
        drop(first);
        turns.close_at(Instant::now() + Duration::from_millis(500));
        let start = Instant::now();
        assert!(turns.take(5).await.is_none(), "the chat's next second is after the close");
        assert!(start.elapsed() <= Duration::from_millis(501));
        assert!(turns.closed());
        assert!(turns.take(6).await.is_none());
    }
}
