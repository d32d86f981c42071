//! Cards as LINE messages: a Flex Message bubble (title, department and page, the section's
//! facts, the other sections as postback buttons), with a text `altText`; candidates and
//! list pages as quick-reply buttons. Pure functions, pinned by golden tests.
//!
//! LINE's limits, kept here by construction (the fake LINE server of the tests checks them
//! as LINE does): 5 messages a reply, 5,000 characters a text message, `altText` ≤ 400,
//! 13 quick-reply items, labels ≤ 20 characters, postback data ≤ 300, a bubble's JSON ≤ 30 KB.

use serde_json::{Value, json};

use crate::answer::{Action, Block, Card, render_text};
use crate::conversation::Callback;

/// Messages in one reply.
pub const MAX_MESSAGES: usize = 5;
/// Characters in one text message.
pub const MAX_TEXT: usize = 5000;
/// Characters of a Flex Message's `altText`.
pub const MAX_ALT_TEXT: usize = 400;
/// Quick-reply buttons.
pub const MAX_QUICK_REPLIES: usize = 13;
/// Characters of a button's label.
pub const MAX_LABEL: usize = 20;
/// Bytes of postback data.
pub const MAX_POSTBACK: usize = 300;
/// Bytes of a bubble's JSON (LINE's limit is 30 KB; a margin for what LINE adds).
pub const MAX_BUBBLE_BYTES: usize = 28_000;

/// A button: a postback that shows what `callback` asks, saying `display` in the chat.
fn postback(label: &str, callback: Callback) -> Value {
    json!({
        "type": "postback",
        "label": truncate(label, MAX_LABEL),
        "data": callback.encode(),
        "displayText": truncate(label, 300),
    })
}

/// `text` cut to `max` characters, with 「…」 when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// One text component.
fn text(t: &str, style: &[(&str, &str)]) -> Value {
    let mut v = json!({"type": "text", "text": t, "wrap": true});
    for (k, val) in style {
        v[*k] = json!(val);
    }
    v
}

/// The bubble of a card: its blocks in the body; its section buttons (not candidates) in
/// the footer.
pub fn bubble(card: &Card, with_buttons: bool) -> Value {
    let mut body: Vec<Value> = Vec::new();
    for block in &card.blocks {
        body.push(match block {
            Block::Title(t) => text(t, &[("weight", "bold"), ("size", "md"), ("color", "#1A1A1A")]),
            Block::Meta(t) => text(t, &[("size", "xs"), ("color", "#666666")]),
            Block::Section(t) => text(&format!("■ {t}"), &[("weight", "bold"), ("size", "sm"), ("margin", "lg")]),
            Block::Item(t) => text(&format!("・{t}"), &[("size", "sm")]),
            Block::Detail(t) => text(t, &[("size", "xs"), ("margin", "none"), ("offsetStart", "12px")]),
            Block::Text(t) => text(t, &[("size", "sm")]),
            Block::Note(t) => text(&format!("※ {t}"), &[("size", "xxs"), ("color", "#666666"), ("margin", "lg")]),
        });
    }
    let mut bubble = json!({
        "type": "bubble",
        "size": "mega",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
    });
    let buttons: Vec<Value> = card
        .actions
        .iter()
        .take(6)
        .map(|action| {
            let Action::Show { label, page, intent } = action;
            json!({
                "type": "button",
                "style": "link",
                "height": "sm",
                "action": postback(label, Callback::Show { page: *page, intent: *intent }),
            })
        })
        .collect();
    if with_buttons && !buttons.is_empty() {
        bubble["footer"] = json!({"type": "box", "layout": "vertical", "spacing": "none", "contents": buttons});
    }
    bubble
}

/// Quick-reply buttons: the card's candidates (or any actions), then `more` (a list's next
/// page, 👍 / 👎), at most 13.
pub fn quick_reply(actions: &[Action], more: &[(String, Callback)]) -> Option<Value> {
    let items: Vec<Value> = actions
        .iter()
        .map(|a| {
            let Action::Show { label, page, intent } = a;
            (label.clone(), Callback::Show { page: *page, intent: *intent })
        })
        .chain(more.iter().cloned())
        .take(MAX_QUICK_REPLIES)
        .map(|(label, callback)| json!({"type": "action", "action": postback(&label, callback)}))
        .collect();
    (!items.is_empty()).then(|| json!({"items": items}))
}

/// The messages of a card: a Flex Message (or, when the bubble would be too large, the
/// card as text in up to five messages), with quick replies on the last: the candidates
/// when `candidates`, then `more`.
pub fn messages(card: &Card, candidates: bool, more: &[(String, Callback)]) -> Vec<Value> {
    let plain = render_text(card);
    let bubble = bubble(card, !candidates);
    let fits = serde_json::to_vec(&bubble).is_ok_and(|b| b.len() <= MAX_BUBBLE_BYTES);
    let mut out: Vec<Value> = if fits {
        vec![json!({"type": "flex", "altText": truncate(plain.trim(), MAX_ALT_TEXT), "contents": bubble})]
    } else {
        text_messages(&plain)
    };
    let quick = if candidates { quick_reply(&card.actions, more) } else { quick_reply(&[], more) };
    if let (Some(quick), Some(last)) = (quick, out.last_mut()) {
        last["quickReply"] = quick;
    }
    out
}

/// A text as text messages of at most 5,000 characters, split on line boundaries, at most
/// five (the last says the rest was cut).
pub fn text_messages(text: &str) -> Vec<Value> {
    let mut parts: Vec<String> = vec![String::new()];
    for line in text.trim_end().lines() {
        let line = truncate(line, MAX_TEXT - 1);
        let Some(current) = parts.last_mut() else { break };
        if current.chars().count() + line.chars().count() + 1 > MAX_TEXT {
            parts.push(String::new());
        }
        if let Some(current) = parts.last_mut() {
            current.push_str(&line);
            current.push('\n');
        }
    }
    if parts.len() > MAX_MESSAGES {
        parts.truncate(MAX_MESSAGES);
        if let Some(last) = parts.last_mut() {
            let note = "\n（長いため省略しました。質問を絞ってください）";
            *last = truncate(last, MAX_TEXT - note.chars().count());
            last.push_str(note);
        }
    }
    parts.into_iter().map(|p| json!({"type": "text", "text": p.trim_end()})).collect()
}

/// A plain text message (greetings, notices), with optional quick replies.
pub fn text_message(text: &str, quick: Option<Value>) -> Value {
    let mut v = json!({"type": "text", "text": truncate(text, MAX_TEXT)});
    if let Some(q) = quick {
        v["quickReply"] = q;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::Intent;

    fn card(items: usize) -> Card {
        let mut blocks = vec![Block::Title("取組".into()), Block::Meta("所属: 課 ／ p.18".into())];
        blocks.extend((0..items).map(|n| Block::Item(format!("項目{n}"))));
        Card {
            blocks,
            actions: vec![Action::Show {
                label: "とても長いボタンのラベルで二十文字を超えるもの".into(),
                page: 18,
                intent: Intent::Kpi,
            }],
        }
    }

    #[test]
    fn a_card_is_a_bubble_with_its_buttons_and_an_alt_text() {
        let m = messages(&card(3), false, &[]);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["type"], "flex");
        assert!(m[0]["altText"].as_str().is_some_and(|a| a.starts_with("【取組】")));
        let label = m[0].pointer("/contents/footer/contents/0/action/label").and_then(Value::as_str).unwrap_or("");
        assert_eq!(label.chars().count(), MAX_LABEL);
        assert_eq!(m[0].pointer("/contents/footer/contents/0/action/data"), Some(&json!("s:18:k")));
    }

    #[test]
    fn candidates_are_quick_replies_and_a_huge_card_is_text_within_limits() {
        let m = messages(&card(1), true, &[("次へ ▶".into(), Callback::ListPage { list: 1, n: 1 })]);
        assert!(m[0].pointer("/contents/footer").is_none());
        let items = m[0].pointer("/quickReply/items").and_then(Value::as_array).map_or(0, Vec::len);
        assert_eq!(items, 2);
        let huge = messages(&card(3000), false, &[]);
        assert!(huge.len() <= MAX_MESSAGES && huge.iter().all(|m| m["type"] == "text"));
        assert!(huge.iter().all(|m| m["text"].as_str().is_some_and(|t| t.chars().count() <= MAX_TEXT)));
    }

    #[test]
    fn long_text_is_split_on_lines_into_at_most_five_messages() {
        let text: String = (0..4000).map(|n| format!("行{n:04}です\n")).collect();
        let parts = text_messages(&text);
        assert_eq!(parts.len(), MAX_MESSAGES);
        assert!(parts[0]["text"].as_str().is_some_and(|t| t.starts_with("行0000です\n行0001です")));
        assert!(parts[4]["text"].as_str().is_some_and(|t| t.ends_with("質問を絞ってください）")));
    }
}
