//! `POST` of the webhook: the signature first, on the raw body; then each event read on its
//! own (a malformed one is logged and skipped, the others answered); the events taken into
//! the inbox, on disk, before LINE is answered 200; each new event answered on its own task.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize as _;
use serde_json::Value;

use super::delivery::handle;
use super::event::Event;
use super::inbox::{Arrival, now_ms};
use super::{LineState, signature};
use crate::actuals::Taken;

/// The webhook's handler: 401 without a valid signature, 200 otherwise (LINE would only send
/// a malformed body again).
pub(super) async fn webhook(State(state): State<Arc<LineState>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("x-line-signature").and_then(|v| v.to_str().ok());
    if !signature::verify(&state.secret, &body, signature) {
        tracing::warn!("a webhook request without a valid signature was refused");
        return StatusCode::UNAUTHORIZED;
    }
    let received_at = now_ms();
    let (recorded, unrecorded): (Vec<Read>, Vec<Read>) =
        events(&body).into_iter().partition(|(e, _)| e.webhook_event_id.is_some());
    // Without an id (LINE has sent one with every event since 2021) an event cannot be
    // recognised again: it is answered, unrecorded.
    let mut new: Vec<Event> = unrecorded.into_iter().map(|(e, _)| e).collect();
    let arrivals = recorded
        .iter()
        .map(|(e, raw)| Arrival {
            id: e.webhook_event_id.clone().unwrap_or_default(),
            event: raw.clone(),
            reply_token: e.reply_token.clone(),
            push_to: e.source.as_ref().and_then(|s| s.push_target()).map(String::from),
        })
        .collect();
    match state.inbox.take(arrivals, received_at).await {
        Ok(taken) => {
            for ((event, _), taken) in recorded.into_iter().zip(taken) {
                let again = event.delivery_context.as_ref().is_some_and(|c| c.is_redelivery);
                match taken {
                    Taken::New if again => {
                        // Sent again by LINE, but never taken here (keikaku answers 200 only
                        // once an event is on record): nothing was sent for it.
                        tracing::info!(
                            event = event.webhook_event_id.as_deref().unwrap_or(""),
                            "a redelivered event, new here"
                        );
                        new.push(event);
                    }
                    Taken::New => new.push(event),
                    Taken::Seen(was) => tracing::info!(
                        event = event.webhook_event_id.as_deref().unwrap_or(""),
                        state = was.as_str(),
                        redelivery = again,
                        "an event taken before is not answered again"
                    ),
                }
            }
        }
        Err(e) => {
            // Better answered without a record than not at all: LINE would not send them again.
            tracing::warn!(error = %e, "the LINE inbox could not take the events: answered without a record");
            new.extend(recorded.into_iter().map(|(e, _)| e));
        }
    }
    for event in new {
        tokio::spawn(handle(Arc::clone(&state), event, received_at));
    }
    StatusCode::OK
}

/// An event read, and its JSON as sent (what the inbox keeps until it is answered).
type Read = (Event, String);

/// The events of a webhook body; one that is not as LINE documents it is logged (never its
/// content: it may hold a question or a user id) and left out.
pub(super) fn events(body: &[u8]) -> Vec<Read> {
    let list = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut hook)) => match hook.remove("events") {
            Some(Value::Array(list)) => list,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                tracing::warn!("a signed webhook request whose events are not a list: nothing to answer");
                return Vec::new();
            }
        },
        Ok(_) => {
            tracing::warn!("a signed webhook request that is not a JSON object: nothing to answer");
            return Vec::new();
        }
        Err(e) => {
            tracing::warn!(error = %e, "a signed webhook request that is not JSON: nothing to answer");
            return Vec::new();
        }
    };
    let mut events = Vec::with_capacity(list.len());
    for (index, value) in list.into_iter().enumerate() {
        match Event::deserialize(&value) {
            Ok(event) => events.push((event, value.to_string())),
            Err(e) => tracing::warn!(
                index,
                kind = %word(value.get("type")),
                event = %word(value.get("webhookEventId")),
                error = %redacted(&e.to_string()),
                "a webhook event not as LINE documents it was skipped"
            ),
        }
    }
    events
}

/// A short identifier-like string of the event, safe to log; `?` otherwise.
fn word(v: Option<&Value>) -> String {
    v.and_then(Value::as_str)
        .filter(|s| s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .unwrap_or("?")
        .to_string()
}

/// serde's message without the quoted values it may echo (`invalid type: string "…"`).
fn redacted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_event_is_left_out_and_the_others_kept() {
        let body = r#"{"events":[
            {"type":"message","timestamp":"yesterday","webhookEventId":"ev-bad","message":{"type":"text","text":"秘密"}},
            42,
            {"type":"message","timestamp":1,"webhookEventId":"ev-good","message":{"type":"text","text":"KPI"}}
        ]}"#;
        let events = events(body.as_bytes());
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].0.webhook_event_id.as_deref(), Some("ev-good"));
        assert!(events[0].1.contains("ev-good"));
    }

    #[test]
    fn a_body_without_a_list_of_events_has_none() {
        assert!(events(b"not json").is_empty());
        assert!(events(br#"{"events":{"type":"message"}}"#).is_empty());
        assert!(events(br#"[1,2]"#).is_empty());
        assert!(events(br#"{"destination":"U1"}"#).is_empty());
    }

    #[test]
    fn what_serde_quotes_is_not_logged() {
        assert_eq!(
            redacted(r#"invalid type: string "どこでも窓口", expected i64"#),
            r#"invalid type: string "…", expected i64"#
        );
        assert_eq!(redacted("missing field `type`"), "missing field `type`");
        assert_eq!(word(Some(&Value::from("message"))), "message");
        assert_eq!(word(Some(&Value::from("秘密の質問"))), "?");
    }
}
