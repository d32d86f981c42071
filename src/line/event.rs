//! The webhook's events, as LINE sends them (the fields keikaku reads). A request's body is
//! `{"destination": …, "events": [...]}` (no events when LINE checks the URL from the
//! console); each event is read on its own (see `line::webhook`).

use serde::Deserialize;

/// One event.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `message`, `postback`, `follow`, `unfollow`, `join`, `leave`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// `active`, or `standby` when another channel answers (then keikaku must not).
    #[serde(default)]
    pub mode: Option<String>,
    /// When it happened (Unix milliseconds).
    #[serde(default)]
    pub timestamp: i64,
    /// Who: a user, a group or a room.
    #[serde(default)]
    pub source: Option<Source>,
    /// The single-use token to reply with.
    #[serde(default)]
    pub reply_token: Option<String>,
    /// The event's id, the same on a redelivery.
    #[serde(default)]
    pub webhook_event_id: Option<String>,
    /// Whether this is a redelivery.
    #[serde(default)]
    pub delivery_context: Option<DeliveryContext>,
    /// A message event's message.
    #[serde(default)]
    pub message: Option<Message>,
    /// A postback event's data.
    #[serde(default)]
    pub postback: Option<Postback>,
}

/// Who sent an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// `user`, `group` or `room`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The user (in a group, when they agreed to share it).
    #[serde(default)]
    pub user_id: Option<String>,
    /// The group.
    #[serde(default)]
    pub group_id: Option<String>,
    /// The room.
    #[serde(default)]
    pub room_id: Option<String>,
}

impl Source {
    /// Where a push message goes: the group or room, else the user.
    pub fn push_target(&self) -> Option<&str> {
        self.group_id.as_deref().or(self.room_id.as_deref()).or(self.user_id.as_deref())
    }

    /// True for a group or a room (answer only when mentioned).
    pub fn is_group(&self) -> bool {
        self.kind == "group" || self.kind == "room"
    }
}

/// Redelivery information.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryContext {
    /// True when LINE sends the event again (our earlier answer to it may have gone out).
    #[serde(default)]
    pub is_redelivery: bool,
}

/// A message.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// `text`, `image`, `sticker`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The text of a text message.
    #[serde(default)]
    pub text: Option<String>,
    /// Who the text mentions.
    #[serde(default)]
    pub mention: Option<Mention>,
}

/// Mentions in a text.
#[derive(Debug, Clone, Deserialize)]
pub struct Mention {
    /// Each mention.
    #[serde(default)]
    pub mentionees: Vec<Mentionee>,
}

/// One mention.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mentionee {
    /// Where it starts in the text (UTF-16 code units).
    #[serde(default)]
    pub index: usize,
    /// How long it is (UTF-16 code units).
    #[serde(default)]
    pub length: usize,
    /// True when it mentions this bot.
    #[serde(default)]
    pub is_self: bool,
}

impl Message {
    /// The text without the mentions of this bot (「@けいかく どこでも窓口」 → 「どこでも窓口」).
    pub fn text_without_self_mentions(&self) -> String {
        let text = self.text.clone().unwrap_or_default();
        let Some(mention) = &self.mention else { return text };
        let units: Vec<u16> = text.encode_utf16().collect();
        let mut keep = vec![true; units.len()];
        for m in mention.mentionees.iter().filter(|m| m.is_self) {
            for k in keep.iter_mut().skip(m.index).take(m.length) {
                *k = false;
            }
        }
        let kept: Vec<u16> = units.iter().zip(&keep).filter(|(_, k)| **k).map(|(u, _)| *u).collect();
        String::from_utf16_lossy(&kept).trim().to_string()
    }

    /// True when the text mentions this bot.
    pub fn mentions_self(&self) -> bool {
        self.mention.as_ref().is_some_and(|m| m.mentionees.iter().any(|m| m.is_self))
    }
}

/// A postback's data.
#[derive(Debug, Clone, Deserialize)]
pub struct Postback {
    /// What the button carried.
    #[serde(default)]
    pub data: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_of_the_bot_is_taken_out_of_the_question() {
        let m: Message = serde_json::from_str(
            r#"{"type":"text","text":"@けいかく どこでも窓口のKPI","mention":{"mentionees":[{"index":0,"length":5,"isSelf":true}]}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(m.mentions_self());
        assert_eq!(m.text_without_self_mentions(), "どこでも窓口のKPI");
    }
}
