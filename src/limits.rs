//! Outbound rate limits, kept on our side, for every channel that sends: Telegram's by
//! default (about 30 messages a second overall, one a second per chat, twenty a minute per
//! group), or one rate everywhere ([`Limits::relaxed`]: LINE's API, fake servers). A message
//! waits only when a limit would be crossed, so an idle bot answers at once; a 429
//! `retry_after` freezes sending for that long.
//!
//! A chat's pace is counted from when Telegram *answered* its previous message
//! ([`Limiter::answered`]), not from when we sent it: Telegram counts a message somewhere
//! between its arrival and its answer, and a second counted from our side let a slow
//! answer followed by a quick one land closer than a second apart there (per-chat 429s in
//! a one-chat flood).
//!
//! (teloxide's `Throttle` adaptor does the same with a worker that wakes every 250 ms, which
//! adds up to a quarter of a second to every reply.)

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// How many messages may go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Messages per second, all chats together.
    pub per_sec_overall: u32,
    /// Messages per second to one chat.
    pub per_sec_chat: u32,
    /// Messages per minute to one group, supergroup or channel.
    pub per_min_group: u32,
}

impl Default for Limits {
    /// Telegram's published limits.
    fn default() -> Limits {
        Limits { per_sec_overall: 30, per_sec_chat: 1, per_min_group: 20 }
    }
}

impl Limits {
    /// `n` messages a second everywhere (for a fake server).
    pub fn relaxed(n: u32) -> Limits {
        Limits { per_sec_overall: n, per_sec_chat: n, per_min_group: n.saturating_mul(60) }
    }
}

#[derive(Default)]
struct State {
    overall: VecDeque<Instant>,
    chats: HashMap<i64, VecDeque<Instant>>,
    frozen_until: Option<Instant>,
}

/// Schedules messages within [`Limits`].
pub struct Limiter {
    limits: Limits,
    state: Mutex<State>,
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

impl Limiter {
    /// A limiter for `limits`.
    pub fn new(limits: Limits) -> Limiter {
        Limiter { limits, state: Mutex::new(State::default()) }
    }

    /// Waits until a message to `chat` may go out, and counts it as sent; returns its slot,
    /// for [`Limiter::answered`].
    pub async fn acquire(&self, chat: i64) -> Instant {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = Instant::now();
                match self.next_slot(&mut s, chat, now) {
                    None => {
                        s.overall.push_back(now);
                        s.chats.entry(chat).or_default().push_back(now);
                        return now;
                    }
                    Some(at) => at.saturating_duration_since(now).max(Duration::from_millis(1)),
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// `None` when a message may go now; else the earliest time it may.
    fn next_slot(&self, s: &mut State, chat: i64, now: Instant) -> Option<Instant> {
        let overall = self.overall_wait(s, now);
        let chat = self.chat_wait(s, chat, now);
        match (overall, chat) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// When all chats together, or a 429's freeze, hold every message: until when.
    fn overall_wait(&self, s: &mut State, now: Instant) -> Option<Instant> {
        if let Some(until) = s.frozen_until {
            if until > now {
                return Some(until);
            }
            s.frozen_until = None;
        }
        while s.overall.front().is_some_and(|t| now.duration_since(*t) >= SECOND) {
            s.overall.pop_front();
        }
        if s.overall.len() >= self.limits.per_sec_overall as usize {
            return s.overall.front().map(|first| *first + SECOND);
        }
        None
    }

    /// When `chat`'s own limit holds its next message: until when.
    fn chat_wait(&self, s: &mut State, chat: i64, now: Instant) -> Option<Instant> {
        let group = chat < 0;
        let window = if group { MINUTE } else { SECOND };
        let cap = if group { self.limits.per_min_group } else { self.limits.per_sec_chat } as usize;
        let sent = s.chats.entry(chat).or_default();
        while sent.front().is_some_and(|t| now.duration_since(*t) >= window) {
            sent.pop_front();
        }
        let wait = if sent.len() >= cap { sent.front().map(|first| *first + window) } else { None };
        if s.chats.len() > 50_000 {
            s.chats.retain(|_, v| !v.is_empty());
        }
        wait
    }

    /// When every chat must wait (the overall limit, a 429's freeze): until when; `None`
    /// when a message may go now, to a chat whose own limit allows it. For a scheduler that
    /// picks the chat itself (the Telegram bot's turns).
    pub fn overall_ready(&self) -> Option<Instant> {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.overall_wait(&mut s, Instant::now())
    }

    /// Counts a message to `chat` as sent now, if both limits allow it: its slot (for
    /// [`Limiter::answered`]), or the earliest time it may go.
    pub fn try_acquire(&self, chat: i64) -> Result<Instant, Instant> {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        match self.next_slot(&mut s, chat, now) {
            Some(at) => Err(at),
            None => {
                s.overall.push_back(now);
                s.chats.entry(chat).or_default().push_back(now);
                Ok(now)
            }
        }
    }

    /// Telegram answered (or the attempt ended) the message sent to `chat` in `slot`: the
    /// chat's next message is paced from now. The overall limit keeps the sending times.
    pub fn answered(&self, chat: i64, slot: Instant) {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let sent = s.chats.entry(chat).or_default();
        // The slot may have left the window already (an answer slower than the window).
        if let Some(i) = sent.iter().position(|t| *t == slot) {
            sent.remove(i);
        }
        let at = sent.partition_point(|t| *t <= now);
        sent.insert(at, now);
    }

    /// Telegram said 429: send nothing for `after`.
    pub fn freeze(&self, after: Duration) {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let until = Instant::now() + after;
        s.frozen_until = Some(s.frozen_until.map_or(until, |u| u.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_chat_gets_one_message_a_second_and_others_are_not_held_up() {
        let limiter = Limiter::new(Limits::default());
        let start = Instant::now();
        limiter.acquire(1).await;
        limiter.acquire(2).await;
        assert!(start.elapsed() < Duration::from_millis(5), "different chats go at once");
        limiter.acquire(1).await;
        assert!(start.elapsed() >= SECOND, "the same chat waits a second");
    }

    #[tokio::test(start_paused = true)]
    async fn the_overall_limit_spreads_a_burst_over_seconds() {
        let limiter = Limiter::new(Limits { per_sec_overall: 30, per_sec_chat: 1, per_min_group: 20 });
        let start = Instant::now();
        for chat in 0..90 {
            limiter.acquire(chat).await;
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(3), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_chat_is_paced_from_when_telegram_answered() {
        let limiter = Limiter::new(Limits::default());
        let start = Instant::now();
        let slot = limiter.acquire(1).await;
        // Telegram took 300 ms to answer: it may have counted the message that late.
        tokio::time::sleep(Duration::from_millis(300)).await;
        limiter.answered(1, slot);
        limiter.acquire(2).await;
        assert!(start.elapsed() < Duration::from_millis(305), "other chats are not held up");
        let slot = limiter.acquire(1).await;
        assert!(start.elapsed() >= Duration::from_millis(1300), "{:?}", start.elapsed());
        // An answer slower than the window still paces the next message from it.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        limiter.answered(1, slot);
        let before = Instant::now();
        limiter.acquire(1).await;
        assert!(before.elapsed() >= SECOND, "{:?}", before.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_freeze_holds_everything() {
        let limiter = Limiter::new(Limits::default());
        limiter.freeze(Duration::from_secs(3));
        let start = Instant::now();
        limiter.acquire(7).await;
        assert!(start.elapsed() >= Duration::from_secs(3));
    }
}
