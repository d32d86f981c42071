//! What a chat remembers between turns, whatever its channel, in memory and bounded: per
//! chat, the initiative follow-ups are about (by [`super::context_after`]) and the guided
//! report flow; lists being paged; reports waiting for 確定. A restart forgets these (a pending report then asks to be sent again;
//! nothing confirmed lives here).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::actuals::{ResolvedReport, VoteOn};
use crate::search::Outcome;

/// The most entries each map keeps; the oldest go first.
const CAPACITY: usize = 10_000;

/// Where a chat is in the guided report flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Flow {
    /// Waiting for the value of an indicator and year.
    Value {
        /// The initiative.
        page: u16,
        /// The indicator's name.
        kpi: String,
        /// The fiscal year (Gregorian start).
        year: u16,
        /// Who is reporting.
        user: i64,
    },
    /// Waiting for the reason an actual just recorded missed its target (未達).
    Reason {
        /// The actual's id.
        actual: i64,
        /// Who reported it (only their next message is the reason).
        user: i64,
    },
}

/// A report shown with 確定 / 取消, not yet written.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Who reported (only they may confirm).
    pub actor: i64,
    /// The report.
    pub report: ResolvedReport,
    /// The text it came from, for the audit log.
    pub attempt: String,
}

#[derive(Default)]
struct Chat {
    context: Option<u16>,
    flow: Option<Flow>,
    /// A 👎 waiting for 「何を知りたかったですか？」: the answer voted on.
    wanted: Option<VoteOn>,
    touched: u64,
}

/// Every chat's session of one bot.
#[derive(Default)]
pub struct Sessions {
    chats: Mutex<HashMap<i64, Chat>>,
    lists: Mutex<HashMap<u32, Outcome>>,
    pending: Mutex<HashMap<u32, Pending>>,
    next: AtomicU32,
    clock: AtomicU32,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Drops the lowest keys (the oldest, ids being increasing) above capacity.
fn bound<V>(map: &mut HashMap<u32, V>) {
    if map.len() > CAPACITY {
        let mut keys: Vec<u32> = map.keys().copied().collect();
        keys.sort_unstable();
        for k in &keys[..map.len() - CAPACITY] {
            map.remove(k);
        }
    }
}

impl Sessions {
    fn id(&self) -> u32 {
        self.next.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn chat<T>(&self, chat: i64, f: impl FnOnce(&mut Chat) -> T) -> T {
        let mut chats = lock(&self.chats);
        if chats.len() > CAPACITY
            && !chats.contains_key(&chat)
            && let Some(oldest) = chats.iter().min_by_key(|(_, c)| c.touched).map(|(k, _)| *k)
        {
            chats.remove(&oldest);
        }
        let entry = chats.entry(chat).or_default();
        entry.touched = u64::from(self.clock.fetch_add(1, Ordering::Relaxed));
        f(entry)
    }

    /// The initiative the chat's last card was about.
    pub fn context(&self, chat: i64) -> Option<u16> {
        self.chat(chat, |c| c.context)
    }

    /// Makes the initiative on `page` the chat's context: a section or a candidate of it
    /// was shown.
    pub fn set_context(&self, chat: i64, page: u16) {
        self.chat(chat, |c| c.context = Some(page));
    }

    /// Keeps or drops the chat's context after `outcome` was answered, by the one rule of
    /// [`super::context_after`].
    pub fn answered(&self, chat: i64, outcome: &Outcome) {
        let context = super::context_after(outcome);
        self.chat(chat, |c| c.context = context);
    }

    /// The chat's report flow, left in place.
    pub fn flow(&self, chat: i64) -> Option<Flow> {
        self.chat(chat, |c| c.flow.clone())
    }

    /// Sets (or clears) the chat's report flow.
    pub fn set_flow(&self, chat: i64, flow: Option<Flow>) {
        self.chat(chat, |c| c.flow = flow);
    }

    /// After a 👎 on the answer `on`: the chat's next message says what they wanted to know.
    pub fn await_wanted(&self, chat: i64, on: VoteOn) {
        self.chat(chat, |c| c.wanted = Some(on));
    }

    /// The 👎 waiting for what they wanted, taken out.
    pub fn take_wanted(&self, chat: i64) -> Option<VoteOn> {
        self.chat(chat, |c| c.wanted.take())
    }

    /// Stores a list for paging; returns its id.
    pub fn store_list(&self, outcome: Outcome) -> u32 {
        let id = self.id();
        let mut lists = lock(&self.lists);
        lists.insert(id, outcome);
        bound(&mut lists);
        id
    }

    /// A stored list.
    pub fn list(&self, id: u32) -> Option<Outcome> {
        lock(&self.lists).get(&id).cloned()
    }

    /// Stores a report waiting for 確定; returns its id.
    pub fn store_pending(&self, pending: Pending) -> u32 {
        let id = self.id();
        let mut map = lock(&self.pending);
        map.insert(id, pending);
        bound(&mut map);
        id
    }

    /// Takes a pending report out: a second press finds nothing.
    pub fn take_pending(&self, id: u32) -> Option<Pending> {
        lock(&self.pending).remove(&id)
    }

    /// Puts a pending report back (the write failed, or the presser was not the reporter).
    pub fn restore_pending(&self, id: u32, pending: Pending) {
        lock(&self.pending).insert(id, pending);
    }
}
