//! Sending an answer once, and recording where it is.
//!
//! LINE offers two ways to answer an event: a *reply*, with the event's reply token (single
//! use, good for about a minute after the webhook), and a *push* to the user or group, which
//! takes an `X-Line-Retry-Key` (LINE carries out a push once per key, for 24 hours; replies
//! take no key). When a call fails, LINE may still have carried it out. The rule (README:
//! "Answered once"):
//!
//! 1. Reply, and as long as the token is fresh, try the reply again — with the *same*
//!    token — whenever its outcome is unknown (a timeout once sent, a broken connection, a
//!    5xx) or LINE did not take it (429, no connection): LINE takes a token once, so a
//!    retried reply never arrives twice.
//! 2. When LINE then calls the token invalid, and an earlier try of it (in this process, or
//!    in the one before a restart) may have been carried out while the token was still
//!    fresh, that try used it: the answer was delivered, and is not pushed (logged).
//! 3. Otherwise — no token, a token that expired unused, or a whole minute of replies
//!    without a definite answer — push, with a key made from the event's id, so that a
//!    retried push, or one by a restarted process, arrives once.
//! 4. A push LINE cannot be reached for stays pending, and is pushed (same key) at the next
//!    start; a refusal (4xx) is logged and dropped: it would be refused again.
//!
//! An answer arrives twice only where LINE carried out a reply and lost its answers to it
//! until the token could no longer tell (a minute), or where keikaku stopped between
//! LINE's reply and its record and started again over a minute later.

use std::sync::Arc;

use serde_json::Value;

use super::api::{self, Api, ApiError};
use super::event::Event;
use super::inbox::now_ms;
use super::respond::compose;
use super::{LineState, chat_key};
use crate::actuals::{InboxEntry, InboxState};

/// How long a reply token is taken to be good: LINE asks for it to be used within a minute
/// of the webhook.
pub const TOKEN_LIFE_MS: i64 = 60_000;
/// How long LINE honours a retry key: an answer pending longer is not pushed any more.
pub const RETRY_KEY_LIFE_MS: i64 = 24 * 3_600_000;

/// Where an answer goes.
#[derive(Debug, Clone)]
pub(super) struct To {
    /// The event's reply token.
    pub reply_token: Option<String>,
    /// The user, group or room to push to.
    pub push: Option<String>,
    /// The event's id: the inbox's key, and what the push's retry key is made from.
    pub event_id: String,
    /// True when the inbox has the event (false: an event without an id).
    pub recorded: bool,
    /// When keikaku received the event (Unix milliseconds).
    pub received_at: i64,
}

impl To {
    /// Where the answer to `event`, received at `received_at`, goes.
    pub fn of(event: &Event, received_at: i64) -> To {
        let push = event.source.as_ref().and_then(|s| s.push_target()).map(String::from);
        let (event_id, recorded) = match &event.webhook_event_id {
            Some(id) => (id.clone(), true),
            None => (format!("{}-{}", chat_key(push.as_deref().unwrap_or("")), event.timestamp), false),
        };
        To { reply_token: event.reply_token.clone(), push, event_id, recorded, received_at }
    }
}

/// What came of sending an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// LINE took the reply.
    Replied,
    /// The reply's answer was lost, and its token was then found used by it.
    TakenAsReplied,
    /// LINE took the push (or had taken it before: 409).
    Pushed,
    /// LINE could not be reached: pushed again at the next start.
    Pending,
    /// Refused, or nowhere to send it.
    Dropped,
}

/// What to do after a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterReply {
    Done(Outcome),
    Push,
}

/// The rule, for a reply that came back `result`: `tried`, an earlier try (in an earlier
/// call, or a process before this one) may have been carried out; `fresh`, the token is
/// still within its minute.
fn after_reply(result: &Result<(), ApiError>, tried: bool, fresh: bool) -> AfterReply {
    match result {
        Ok(()) => AfterReply::Done(Outcome::Replied),
        Err(ApiError::InvalidReplyToken { maybe_taken }) if (*maybe_taken || tried) && fresh => {
            AfterReply::Done(Outcome::TakenAsReplied)
        }
        Err(ApiError::InvalidReplyToken { .. } | ApiError::Unavailable { .. }) => AfterReply::Push,
        Err(ApiError::Refused { .. }) => AfterReply::Done(Outcome::Dropped),
    }
}

/// Sends `messages` to `to` by the rule; `earlier`: a process before this one may have
/// sent them already.
pub(super) async fn deliver(api: &Api, to: &To, messages: &[Value], earlier: bool) -> Outcome {
    if let Some(token) = &to.reply_token {
        let mut tried = earlier;
        let (result, fresh) = loop {
            let result = api.reply(token, messages).await;
            let fresh = now_ms() - to.received_at < TOKEN_LIFE_MS;
            match result {
                // Safe to try again while the token lives: LINE takes it once at most. (Each
                // call has waited between its own tries, up to 4 s after its last.)
                Err(ApiError::Unavailable { maybe_taken, .. }) if fresh => tried |= maybe_taken,
                result => break (result, fresh),
            }
        };
        match after_reply(&result, tried, fresh) {
            AfterReply::Done(Outcome::TakenAsReplied) => {
                tracing::info!(
                    event = %to.event_id,
                    "a reply's token was used by an earlier try whose outcome was unknown: taken as delivered, not pushed"
                );
                return Outcome::TakenAsReplied;
            }
            AfterReply::Done(Outcome::Dropped) => {
                if let Err(e) = result {
                    tracing::warn!(event = %to.event_id, error = %e, "LINE refused an answer");
                }
                return Outcome::Dropped;
            }
            AfterReply::Done(outcome) => return outcome,
            AfterReply::Push => {
                if let Err(e) = result {
                    tracing::info!(event = %to.event_id, error = %e, "the answer could not be replied: pushing it");
                }
            }
        }
    }
    let Some(target) = &to.push else {
        tracing::warn!(event = %to.event_id, "an answer had nowhere to go (no reply token, no source)");
        return Outcome::Dropped;
    };
    match api.push(target, messages, &api::retry_key(&to.event_id)).await {
        Ok(()) => Outcome::Pushed,
        Err(e @ ApiError::Unavailable { .. }) if to.recorded => {
            tracing::warn!(event = %to.event_id, error = %e, "an answer could not be pushed: it is pushed again at the next start");
            Outcome::Pending
        }
        Err(e) => {
            tracing::warn!(event = %to.event_id, error = %e, "an answer could not be pushed");
            Outcome::Dropped
        }
    }
}

/// Answers `event` (received at `received_at`) and records where its answer is.
pub(super) async fn handle(state: Arc<LineState>, event: Event, received_at: i64) {
    let started = std::time::Instant::now();
    let to = To::of(&event, received_at);
    let messages = compose(&state, &event).await;
    let sent = send(&state, &to, messages, false).await;
    if sent && let Some(probe) = &state.probe {
        probe.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(started.elapsed());
    }
}

/// Keeps `messages` (none: nothing to say), sends them by the rule, records the outcome;
/// true when something was sent.
async fn send(state: &LineState, to: &To, messages: Option<Vec<Value>>, earlier: bool) -> bool {
    let Some(messages) = messages else {
        if to.recorded {
            state.inbox.done(&to.event_id, InboxState::Answered);
        }
        return false;
    };
    if to.recorded {
        // Kept before sending, so that a restart sends the same answer (under the same key).
        state.inbox.sending(&to.event_id, &Value::from(messages.clone()).to_string());
    }
    let outcome = deliver(&state.api, to, &messages, earlier).await;
    if to.recorded {
        match outcome {
            Outcome::Replied | Outcome::TakenAsReplied | Outcome::Pushed => {
                state.inbox.done(&to.event_id, InboxState::Answered);
            }
            Outcome::Dropped => state.inbox.done(&to.event_id, InboxState::Dropped),
            Outcome::Pending => {}
        }
    }
    matches!(outcome, Outcome::Replied | Outcome::Pushed)
}

/// What an earlier process accepted and did not record as answered. Read before the
/// webhook takes anything: what this process takes is its own to answer.
pub(super) async fn left_pending(state: &LineState) -> Vec<InboxEntry> {
    state.inbox.pending().await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the LINE events left pending at the last stop could not be read");
        Vec::new()
    })
}

/// Finishes `pending` (see [`left_pending`]): its kept answer sent again, or the event
/// answered now, each as possibly sent already. Older than a retry key lives, it is
/// dropped: pushing it could deliver it twice.
pub(super) async fn recover(state: Arc<LineState>, pending: Vec<InboxEntry>) {
    if pending.is_empty() {
        return;
    }
    let now = now_ms();
    let (stale, pending): (Vec<InboxEntry>, Vec<InboxEntry>) =
        pending.into_iter().partition(|e| now - e.received_at > RETRY_KEY_LIFE_MS);
    for entry in &stale {
        state.inbox.done(&entry.event_id, InboxState::Dropped);
    }
    tracing::info!(
        finishing = pending.len(),
        dropped = stale.len(),
        "LINE events accepted before the last stop and not answered"
    );
    for entry in pending {
        tokio::spawn(finish(Arc::clone(&state), entry));
    }
}

async fn finish(state: Arc<LineState>, entry: InboxEntry) {
    let to = To {
        reply_token: entry.reply_token,
        push: entry.push_to,
        event_id: entry.event_id,
        recorded: true,
        received_at: entry.received_at,
    };
    let messages = match (entry.state, entry.answer, entry.event) {
        (InboxState::Sending, Some(answer), _) => serde_json::from_str::<Vec<Value>>(&answer).ok(),
        (_, _, Some(event)) => match serde_json::from_str::<Event>(&event) {
            Ok(event) => compose(&state, &event).await,
            Err(_) => None,
        },
        _ => None,
    };
    send(&state, &to, messages, true).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(maybe_taken: bool) -> Result<(), ApiError> {
        Err(ApiError::InvalidReplyToken { maybe_taken })
    }

    fn unavailable(maybe_taken: bool) -> Result<(), ApiError> {
        Err(ApiError::Unavailable { what: "a reply", cause: "timeout".into(), maybe_taken })
    }

    #[test]
    fn a_used_token_after_a_lost_answer_is_taken_as_delivered_while_fresh() {
        assert_eq!(after_reply(&invalid(true), false, true), AfterReply::Done(Outcome::TakenAsReplied));
        // Over a minute old, an invalid token may just have expired: push (LINE lost its
        // answer; this is where an answer can arrive twice).
        assert_eq!(after_reply(&invalid(true), false, false), AfterReply::Push);
    }

    #[test]
    fn after_a_restart_a_used_token_means_the_earlier_process_replied() {
        assert_eq!(after_reply(&invalid(false), true, true), AfterReply::Done(Outcome::TakenAsReplied));
    }

    #[test]
    fn an_invalid_token_no_try_could_have_used_is_pushed() {
        assert_eq!(after_reply(&invalid(false), false, true), AfterReply::Push);
    }

    #[test]
    fn replies_that_never_arrived_or_whose_answers_were_all_lost_are_pushed() {
        assert_eq!(after_reply(&unavailable(false), false, true), AfterReply::Push);
        assert_eq!(after_reply(&unavailable(true), false, true), AfterReply::Push);
    }

    #[test]
    fn a_refusal_is_not_pushed_and_a_reply_taken_is_done() {
        let refused = Err(ApiError::Refused { what: "a reply", status: 400, body: "bad".into(), maybe_taken: false });
        assert_eq!(after_reply(&refused, false, true), AfterReply::Done(Outcome::Dropped));
        assert_eq!(after_reply(&Ok(()), true, false), AfterReply::Done(Outcome::Replied));
    }
}
