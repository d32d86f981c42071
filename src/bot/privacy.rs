//! What the bots write to their log about people: a chat is named by its Telegram id in the
//! staff bot (staff are registered by it), by the pseudonym the question log keeps in the
//! public bot — never a chat or user id, at any level (README: the public bot never stores a
//! Telegram id, and the journal stores its log).
//!
//! teloxide itself logs through the `log` crate, which keikaku does not bridge to tracing:
//! its lines (among them Debug dumps of whole updates, ids and all) are never written. Its
//! `LoggingErrorHandler` writes there too, so the bots log failed updates themselves, by the
//! error's message ([`describe`]), not by teloxide's Debug dump.

use crate::actuals::Pseudonyms;
use crate::app::{App, Audience};

/// A chat's name in the log, as [`LogNames::of`] gives it.
pub enum LogNames {
    /// The staff bot: ids.
    Ids,
    /// The public bot: pseudonyms.
    Pseudonyms(Pseudonyms),
    /// The public bot when no key could be had: one name for everyone, still no id.
    Hidden,
}

impl LogNames {
    /// The names for a bot of `mode`. The public bot's are the question log's own
    /// pseudonyms, so the log and the question log name a chat alike; with the question
    /// log off, pseudonyms under a key kept nowhere. Reads the database: call it off the async
    /// workers.
    pub fn for_mode(mode: Audience, app: &App) -> LogNames {
        if mode == Audience::Staff {
            return LogNames::Ids;
        }
        let pseudonyms = if app.logs_questions() {
            app.with_store(|s| s.pseudonym_key()).map(Pseudonyms::new).map_err(|e| e.to_string())
        } else {
            Pseudonyms::ephemeral().map_err(|e| e.to_string())
        };
        match pseudonyms {
            Ok(p) => LogNames::Pseudonyms(p),
            Err(error) => {
                tracing::warn!(%error, "no pseudonym key: the log names no chat");
                LogNames::Hidden
            }
        }
    }

    /// How the log names `chat` (a chat id, or a user id for inline queries).
    pub fn of(&self, chat: i64) -> String {
        match self {
            LogNames::Ids => chat.to_string(),
            LogNames::Pseudonyms(p) => p.of(chat),
            LogNames::Hidden => "-".to_string(),
        }
    }
}

/// An error's message for the log, with the one Telegram error that carries a chat id (a
/// group moved to a supergroup) told without it.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    match error.downcast_ref::<teloxide::RequestError>() {
        Some(teloxide::RequestError::MigrateToChatId(_)) => "the group was moved to a supergroup".to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_group_is_logged_without_its_id() {
        let moved = teloxide::RequestError::MigrateToChatId(teloxide::types::ChatId(-1_009_876_543_210));
        assert!(moved.to_string().contains("1009876543210"), "teloxide's own message names it");
        assert!(!describe(&moved).contains("1009876543210"));
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(moved);
        assert!(!describe(&*boxed).contains("1009876543210"));
    }

    #[test]
    fn pseudonyms_are_the_question_logs_and_hide_the_id() {
        let names = LogNames::Pseudonyms(Pseudonyms::new(b"key".to_vec()));
        let name = names.of(918_273_645);
        assert_eq!(name.len(), 16);
        assert!(!name.contains("918273645"));
        assert_eq!(name, names.of(918_273_645));
        assert_ne!(name, names.of(918_273_646));
        assert_eq!(LogNames::Ids.of(42), "42");
        assert_eq!(LogNames::Hidden.of(918_273_645), "-");
    }
}
