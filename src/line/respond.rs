//! What to say to an event: a text → the answer card (its list paged, candidates and
//! 👍 / 👎 as quick replies), a postback → a section, a candidate, a list's page or a vote,
//! follow and join → a greeting. Knows nothing of how it is sent (see [`super::delivery`]).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::Value;

use super::event::Event;
use super::{LineState, chat_key, flex};
use crate::answer::{Card, help_card};
use crate::app::{Asker, Audience};
use crate::conversation::Callback;
use crate::conversation::paging::{self, PER_PAGE, Page};
use crate::search::Outcome;

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
                if let Some(answer) = state.sessions.take_wanted(chat) {
                    // After a 👎: what they wanted to know, kept with that answer.
                    let (app, said) = (Arc::clone(&state.app), text.clone());
                    let kept = tokio::task::spawn_blocking(move || {
                        app.wanted(answer, Audience::Public, Asker::Chat(chat), &said)
                    })
                    .await;
                    if !matches!(kept, Ok(Ok(_))) {
                        tracing::warn!("what a resident wanted to know was not kept");
                    }
                }
                if text.is_empty() || is_help(&text) {
                    vec![greeting(state, None)]
                } else {
                    answer(state, chat, text).await
                }
            }
            Some(_) if !source.is_group() => {
                vec![flex::text_message("文字で質問してください（例: どこでも窓口のKPI）。", None)]
            }
            _ => return None,
        },
        "postback" => {
            let data = event.postback.as_ref().map(|p| p.data.clone()).unwrap_or_default();
            postback(state, chat, &data).await?
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

/// The answer's messages: the card (its list paged), candidates and 👍 / 👎 as quick
/// replies; the question logged.
async fn answer(state: &Arc<LineState>, chat: i64, question: String) -> Vec<Value> {
    let context = state.sessions.context(chat);
    let app = Arc::clone(&state.app);
    let q = question.clone();
    let presented = tokio::task::spawn_blocking(move || app.answer(&q, context, Audience::Public))
        .await
        .map_err(|e| e.to_string())
        .and_then(|answered| answered.map_err(|e| e.to_string()));
    let (outcome, card) = match presented {
        Ok((outcome, card, _)) => (outcome, card),
        Err(error) => {
            tracing::warn!(%error, "an answer failed");
            return vec![flex::text_message("ただいま回答できません。しばらくしてからもう一度お試しください。", None)];
        }
    };
    let number = state.answers.fetch_add(1, Ordering::Relaxed);
    state.app.record_question("line", Audience::Public, Asker::Chat(chat), &question, &outcome, Some(number));
    tracing::info!(intent = outcome.intent.as_str(), ambiguous = outcome.ambiguous, "answered on LINE");
    render(state, chat, &outcome, &card, number)
}

/// The messages of an outcome's card: a long list as its first page with 「次へ」.
fn render(state: &LineState, chat: i64, outcome: &Outcome, card: &Card, answer: i64) -> Vec<Value> {
    state.sessions.answered(chat, outcome);
    if paging::is_paged(outcome) {
        let id = state.sessions.store_list(outcome.clone());
        return list_messages(state, outcome, id, 0);
    }
    let mut more: Vec<(String, Callback)> = Vec::new();
    if state.app.logs_questions() {
        more.push(("👍 解決した".into(), Callback::Vote { up: true }));
        more.push(("👎 解決しない".into(), Callback::Vote { up: false }));
        state.sessions.set_last_answer(chat, answer);
    }
    flex::messages(card, outcome.ambiguous, &more)
}

/// Page `n` of the stored list `list`, with 「◀ 前の10件」 and 「次の10件 ▶」 as quick replies.
fn list_messages(state: &LineState, outcome: &Outcome, list: u32, n: usize) -> Vec<Value> {
    let page = Page::of(&state.app.plan(), outcome, list, n);
    let mut more = Vec::new();
    if let Some(previous) = page.previous() {
        more.push((format!("◀ 前の{PER_PAGE}件"), previous));
    }
    if let Some(next) = page.next() {
        more.push((format!("次の{PER_PAGE}件 ▶"), next));
    }
    flex::messages(&page.card, false, &more)
}

/// A postback: a section or a candidate, a list's page, a vote. `None`: nothing to say.
async fn postback(state: &Arc<LineState>, chat: i64, data: &str) -> Option<Vec<Value>> {
    match Callback::decode(data)? {
        Callback::Show { page, intent } => {
            let app = Arc::clone(&state.app);
            let card =
                tokio::task::spawn_blocking(move || app.card_for(page, intent, Audience::Public)).await.ok()?.ok()?;
            state.sessions.set_context(chat, page);
            Some(flex::messages(&card, false, &[]))
        }
        Callback::ListPage { list, n } => {
            let Some(outcome) = state.sessions.list(list) else {
                return Some(vec![flex::text_message("この一覧は期限切れです。もう一度聞いてください。", None)]);
            };
            Some(list_messages(state, &outcome, list, usize::from(n)))
        }
        Callback::Vote { up } => {
            let answer = state.sessions.last_answer(chat)?;
            let app = Arc::clone(&state.app);
            let counted =
                tokio::task::spawn_blocking(move || app.vote(answer, Audience::Public, Asker::Chat(chat), up))
                    .await
                    .ok()?;
            match counted {
                Ok(true) if up => Some(vec![flex::text_message("ありがとうございます。", None)]),
                Ok(true) => {
                    state.sessions.await_wanted(chat, answer);
                    Some(vec![flex::text_message(
                        "ありがとうございます。何を知りたかったですか？ 次のメッセージで一言どうぞ（任意）。",
                        None,
                    )])
                }
                _ => None,
            }
        }
        _ => None,
    }
}
