//! What to say to an event: a text or a postback is a turn of the conversation core
//! ([`crate::conversation::Conversation::turn`]), drawn here as Flex Messages and quick
//! replies; follow and join → a greeting. Knows nothing of how it is sent (see [`super::delivery`]).

use std::sync::Arc;

use serde_json::Value;

use super::event::Event;
use super::{LineState, chat_key, flex};
use crate::answer::help_card;
use crate::conversation::{Callback, Input, PER_PAGE, Reply};

/// The messages that answer `event`; `None` when there is nothing to say (another channel
/// answers, a group message not addressed to the bot, an event that needs no answer).
pub(super) async fn compose(state: &Arc<LineState>, event: &Event) -> Option<Vec<Value>> {
    if event.mode.as_deref() == Some("standby") {
        return None;
    }
    let source = event.source.as_ref()?;
    let chat = chat_key(source.push_target().unwrap_or(""));
    let messages = match event.kind.as_str() {
        "message" => match &event.message {
            Some(m) if m.kind == "text" => {
                let mut text = m.text_without_self_mentions();
                if source.is_group() && !m.mentions_self() {
                    // Addressed by name (「けいかく、どこでも窓口は？」), or not for the bot.
                    let rest = state.name.as_deref().and_then(|n| addressed(&text, n))?;
                    text = rest;
                }
                if text.is_empty() || is_help(&text) {
                    // After a 👎, even 「使い方」 is what they wanted to know.
                    let (conversation, said) = (Arc::clone(&state.conversation), text.clone());
                    let _ = tokio::task::spawn_blocking(move || conversation.heard(chat, &said)).await;
                    vec![greeting(state, None)]
                } else {
                    turn(state, chat, Input::Text(text)).await
                }
            }
            Some(_) if !source.is_group() => {
                vec![flex::text_message("文字で質問してください（例: どこでも窓口のKPI）。", None)]
            }
            _ => return None,
        },
        "postback" => {
            let data = event.postback.as_ref().map(|p| p.data.clone()).unwrap_or_default();
            let action = Callback::decode(&data)?;
            let messages = turn(state, chat, Input::Action { action, pressed: None }).await;
            if messages.is_empty() {
                return None;
            }
            messages
        }
        "follow" => vec![greeting(state, Some("友だち追加ありがとうございます。"))],
        "join" => vec![greeting(
            state,
            Some(
                "グループに招待ありがとうございます。このグループでは、メンション（@）をつけるか名前で呼びかけた質問に答えます。",
            ),
        )],
        other => {
            tracing::info!(event = other, "a LINE event that needs no answer");
            return None;
        }
    };
    Some(messages)
}

/// The rest of `text` when it starts with the bot's name (「@けいかく …」「けいかく、…」).
fn addressed(text: &str, name: &str) -> Option<String> {
    let t = text.trim_start().trim_start_matches(['@', '＠']);
    let rest = t.strip_prefix(name)?;
    Some(rest.trim_start_matches([' ', '　', '、', ',', '，', ':', '：']).trim().to_string())
}

/// 「使い方」, 「ヘルプ」, `help`.
fn is_help(text: &str) -> bool {
    let t = crate::normalize::normalize(text);
    ["使い方", "つかいかた", "ヘルプ", "help", "/help", "/start"].contains(&t.trim())
}

/// How to ask, with examples as quick replies; `hello`: the first words to a new friend or
/// a group.
fn greeting(state: &LineState, hello: Option<&str>) -> Value {
    let plan = state.app.plan();
    let card = help_card(&plan, crate::answer::HelpFor::Line);
    let mut text = crate::answer::render_text(&card);
    if let Some(hello) = hello {
        text = format!("{hello}{}（{}件の取組）について答えます。\n\n{text}", plan.title, plan.initiatives.len());
    }
    // The help card's own examples (made from the plan), as buttons that ask them.
    let examples: Vec<Value> = card
        .blocks
        .iter()
        .filter_map(|b| match b {
            crate::answer::Block::Item(q) => Some(q),
            _ => None,
        })
        .take(flex::MAX_QUICK_REPLIES)
        .map(|q| serde_json::json!({"type": "action", "action": {"type": "message", "label": flex::truncate(q, flex::MAX_LABEL), "text": q}}))
        .collect();
    flex::text_message(text.trim(), Some(serde_json::json!({"items": examples})))
}

/// What the conversation core replies to `input`, as LINE messages: the card (its list paged,
/// its candidates, page turns and 👍 / 👎 as quick replies), then what it says. Charts are
/// not drawn on LINE.
async fn turn(state: &Arc<LineState>, chat: i64, input: Input) -> Vec<Value> {
    let conversation = Arc::clone(&state.conversation);
    let Ok(reply) = tokio::task::spawn_blocking(move || conversation.turn(chat, input)).await else {
        tracing::warn!("a turn failed");
        return vec![flex::text_message("ただいま回答できません。しばらくしてからもう一度お試しください。", None)];
    };
    if let Some(outcome) = &reply.outcome {
        tracing::info!(
            intent = outcome.intent.as_str(),
            ambiguous = outcome.ambiguous,
            answer = reply.remember.answer.map(|a| a.get()),
            "answered on LINE"
        );
    }
    render(&reply)
}

/// A reply's messages.
fn render(reply: &Reply) -> Vec<Value> {
    let mut more: Vec<(String, Callback)> = Vec::new();
    if let Some(page) = &reply.offers.page {
        if let Some(previous) = page.previous {
            more.push((format!("◀ 前の{PER_PAGE}件"), previous));
        }
        if let Some(next) = page.next {
            more.push((format!("次の{PER_PAGE}件 ▶"), next));
        }
    }
    if let Some([up, down]) = reply.offers.votes() {
        more.push(("👍 解決した".into(), up));
        more.push(("👎 解決しない".into(), down));
    }
    let mut out = match &reply.card {
        Some(card) => flex::messages(card, reply.offers.candidates, &more),
        None => Vec::new(),
    };
    // A press's acknowledgement and what follows it, in one text (LINE has no toast).
    let said: Vec<String> = [reply.ack.filter(|_| reply.card.is_none()), reply.say]
        .into_iter()
        .flatten()
        .filter(|t| !t.is_empty())
        .map(|t| if t.ends_with(['。', '？', '）']) { t.to_string() } else { format!("{t}。") })
        .collect();
    if !said.is_empty() {
        out.push(flex::text_message(&said.concat(), None));
    }
    out
}
