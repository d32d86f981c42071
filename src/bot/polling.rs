//! Taking updates from Telegram: a long-polling loop of our own over `getUpdates`, because
//! the offset is the confirmation.
//!
//! Telegram forgets every update below the offset the next `getUpdates` carries. teloxide's
//! `Polling` moves the offset on as soon as it has *read* a batch, before anything is
//! answered (and its stop confirms what it read), so a stop or a crash lost the questions
//! still queued. Here a batch goes into the inbox first, with its offset, in one transaction;
//! only the next call carries the offset. A stop drops the call in flight: what it would have
//! brought stays with Telegram, unconfirmed, for the next start.
//!
//! What nobody answers is not stored: updates of other kinds, messages without text, and in
//! groups what is neither a command nor a mention (Telegram hides those from a bot in
//! privacy mode anyway). Names are removed from what is stored.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Me, UpdateKind};
use tokio::sync::watch;

use super::backlog::Backlog;
use super::inbox::Inbox;
use super::{BotState, TgBot, privacy};
use crate::actuals::Incoming;

/// What the loop needs.
pub(super) struct Intake {
    pub bot: TgBot,
    pub me: Me,
    pub inbox: Arc<Inbox>,
    pub backlog: Backlog,
    pub state: Arc<BotState>,
    /// The long poll's wait.
    pub timeout: Duration,
    /// A chat's most updates waiting (see [`super::Delivery::per_chat`]).
    pub per_chat: usize,
    /// The kinds of update the handler tree answers.
    pub allowed: Vec<AllowedUpdate>,
}

/// Polls until `stop` is set; each batch is stored and handed to the backlog.
pub(super) async fn poll(intake: Intake, mut stop: watch::Receiver<bool>) {
    let mut offset = match intake.inbox.offset().await {
        Ok(o) => o,
        Err(e) => {
            // Without the stored offset Telegram offers its unconfirmed updates again; those
            // still in the inbox are not stored twice.
            tracing::warn!(error = %e, "the inbox's offset cannot be read; starting from Telegram's");
            None
        }
    };
    let mut delay = Duration::from_millis(500);
    loop {
        let mut request = intake
            .bot
            .get_updates()
            .timeout(u32::try_from(intake.timeout.as_secs()).unwrap_or(25))
            .limit(100)
            .allowed_updates(intake.allowed.clone());
        if let Some(o) = offset.and_then(|o| i32::try_from(o).ok()) {
            request = request.offset(o);
        }
        let result = tokio::select! {
            r = request.send() => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        let updates = match result {
            Ok(updates) => updates,
            Err(e) => {
                let wait = match &e {
                    teloxide::RequestError::RetryAfter(s) => s.duration(),
                    _ => delay,
                };
                tracing::warn!(error = %privacy::describe(&e), "polling failed; retrying in {wait:?}");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                delay = (delay * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        delay = Duration::from_millis(500);
        let Some(last) = updates.last() else { continue };
        let next = i64::from(last.id.as_offset());
        let username = intake.me.username();
        let incoming: Vec<Incoming> = updates.iter().filter_map(|u| incoming(u, username)).collect();
        // Not raced with the stop: a batch read is stored whole, or not confirmed.
        match intake.inbox.accept(next, incoming, intake.per_chat).await {
            Ok(accepted) => {
                for (chat, skipped) in &accepted.skipped {
                    tracing::warn!(
                        asker = %intake.state.names.of(*chat),
                        skipped,
                        waiting = intake.per_chat,
                        "a chat's backlog is full: its later updates are skipped, and it is told once"
                    );
                }
                intake.backlog.push(accepted.stored);
                offset = Some(next);
            }
            Err(e) => {
                // Not confirmed: Telegram offers the batch again.
                tracing::error!(error = %e, "the inbox cannot be written; updates are left with Telegram");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// The update as the inbox keeps it, when it is one the bot answers: its chat (for an inline
/// query, its user) and its JSON without names.
pub fn incoming(update: &Update, username: &str) -> Option<Incoming> {
    let chat = match &update.kind {
        UpdateKind::Message(m) => {
            let text = m.text()?;
            let ours = m.chat.is_private() || text.starts_with('/') || text.contains(&format!("@{username}"));
            if !ours {
                return None;
            }
            m.chat.id.0
        }
        UpdateKind::CallbackQuery(q) => match q.regular_message() {
            Some(m) => m.chat.id.0,
            None => i64::try_from(q.from.id.0).ok()?,
        },
        UpdateKind::InlineQuery(q) => i64::try_from(q.from.id.0).ok()?,
        _ => return None,
    };
    let mut body = serde_json::to_value(update).ok()?;
    without_names(&mut body);
    Some(Incoming { id: i64::from(update.id.0), chat, body: body.to_string() })
}

/// Removes people's names from an update's JSON: a first name becomes empty (Telegram always
/// sends one), last names and usernames go.
fn without_names(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(first) = map.get_mut("first_name") {
                *first = Value::String(String::new());
            }
            map.remove("last_name");
            map.remove("username");
            map.values_mut().for_each(without_names);
        }
        Value::Array(items) => items.iter_mut().for_each(without_names),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An update as Telegram sends it (teloxide reads updates from text, not from a `Value`).
    fn update(chat: serde_json::Value, text: &str) -> Update {
        serde_json::from_str(
            &serde_json::to_string(&serde_json::json!({
                "update_id": 41,
                "message": {
                    "message_id": 7, "date": 1_795_488_000, "chat": chat, "text": text,
                    "from": { "id": 918_273_645, "is_bot": false, "first_name": "花子", "last_name": "山田",
                              "username": "hanako" },
                }
            }))
            .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_stored_update_reads_back_without_names() {
        let private =
            serde_json::json!({ "id": 918_273_645, "type": "private", "first_name": "花子", "username": "hanako" });
        let u = update(private, "どこでも窓口のKPI");
        let stored = incoming(&u, "keikaku_bot").unwrap();
        assert_eq!((stored.id, stored.chat), (41, 918_273_645));
        for name in ["花子", "山田", "hanako"] {
            assert!(!stored.body.contains(name), "{}", stored.body);
        }
        let back: Update = serde_json::from_str(&stored.body).unwrap();
        let UpdateKind::Message(m) = back.kind else { panic!("{back:?}") };
        assert_eq!(m.text(), Some("どこでも窓口のKPI"));
        assert_eq!(m.chat.id.0, 918_273_645);
        assert_eq!(m.from.map(|f| f.id.0), Some(918_273_645));
    }

    #[test]
    fn group_chatter_is_not_stored_but_commands_and_mentions_are() {
        let group = || serde_json::json!({ "id": -100, "type": "group", "title": "課内" });
        assert!(incoming(&update(group(), "おはようございます"), "keikaku_bot").is_none());
        assert!(incoming(&update(group(), "/kpi どこでも窓口"), "keikaku_bot").is_some());
        assert_eq!(incoming(&update(group(), "@keikaku_bot どこでも窓口"), "keikaku_bot").map(|i| i.chat), Some(-100));
    }
}
