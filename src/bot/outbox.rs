//! Sending, safely: every message fits Telegram's 4096 characters (split on line
//! boundaries), and transient failures are retried.
//!
//! Messages wait for their chat's turn ([`Turns`]: Telegram's rate limits, chats served in
//! turn); a 429 freezes sending for its `retry_after` and the message is sent again. 5xx answers, dropped connections and timeouts
//! are retried with backoff, a bounded number of times. A 5xx from Telegram's front or a connection refused
//! means the request was not processed, so retrying does not duplicate the reply; a timeout
//! after Telegram processed a message could, which is the price of not losing one.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardMarkup, Message, MessageId, ParseMode};
use teloxide::{ApiError, RequestError};

use super::TgBot;
use super::inbox::{made, replayed};
use super::turns::{Driver, Turns};
use crate::limits::Limits;

/// The bot client with our rate limits: everything the bot sends goes through here.
pub struct Outbox {
    /// The client (`getMe` cached).
    pub bot: TgBot,
    turns: Arc<Turns>,
    _driver: Driver,
}

impl Outbox {
    /// An outbox over `bot`, keeping `limits` (its driver runs on the current runtime).
    pub fn new(bot: TgBot, limits: Limits) -> Outbox {
        let (turns, driver) = Turns::start(limits);
        Outbox { bot, turns, _driver: driver }
    }

    /// No message starts from `at` on: those waiting then fail (see [`Turns::close_at`]).
    pub fn close_at(&self, at: tokio::time::Instant) {
        self.turns.close_at(at);
    }

    /// True once sending has closed.
    pub fn closed(&self) -> bool {
        self.turns.closed()
    }
}

/// Telegram's limit on one message's text.
pub const MESSAGE_LIMIT: usize = 4096;
/// How many times a transient failure is retried.
const ATTEMPTS: u32 = 6;

/// True for failures that mean "try again": 5xx, network, unparsable (an HTML error page).
pub fn is_transient(e: &RequestError) -> bool {
    match e {
        RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::RetryAfter(_) => true,
        RequestError::Api(ApiError::Unknown(text)) => {
            let t = text.to_ascii_lowercase();
            ["bad gateway", "internal server error", "gateway timeout", "service unavailable", "too many requests"]
                .iter()
                .any(|w| t.contains(w))
        }
        _ => false,
    }
}

/// Runs `request` until it succeeds, fails for good, or the attempts are spent.
pub async fn with_retry<T, F, Fut>(what: &str, request: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    retry_limited(what, None, request).await
}

/// [`with_retry`], freezing `turns` on a 429 so that no other message jumps in.
async fn retry_limited<T, F, Fut>(what: &str, turns: Option<&Turns>, mut request: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut delay = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        match request().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                let wait = match &e {
                    RequestError::RetryAfter(s) => {
                        if let Some(t) = turns {
                            t.freeze(s.duration());
                        }
                        s.duration()
                    }
                    _ => delay,
                };
                tracing::warn!(what, attempt, error = %e, "transient failure; retrying in {wait:?}");
                tokio::time::sleep(wait).await;
                delay = (delay * 2).min(Duration::from_secs(10));
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sends `request` to `chat` in its turn; the turn ends when Telegram answered: the chat's
/// next message is paced from then. Fails without sending once sending has closed.
async fn paced<T>(
    out: &Outbox,
    chat: ChatId,
    request: impl std::future::IntoFuture<Output = Result<T, RequestError>>,
) -> Result<T, RequestError> {
    let Some(turn) = out.turns.take(chat.0).await else {
        return Err(RequestError::Io(Arc::new(std::io::Error::other("the bot is stopping: nothing more is sent"))));
    };
    let answer = request.await;
    drop(turn);
    answer
}

/// Splits HTML into parts of at most `limit` characters, on line boundaries; a single longer
/// line is cut between characters, never inside a tag or an entity.
pub fn split(html: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in html.split('\n') {
        let len = line.chars().count();
        if current_len > 0 && current_len + 1 + len > limit {
            parts.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if len > limit {
            for piece in cut_line(line, limit) {
                if current_len > 0 {
                    parts.push(std::mem::take(&mut current));
                }
                current_len = piece.chars().count();
                current = piece;
            }
            continue;
        }
        if current_len > 0 {
            current.push('\n');
            current_len += 1;
        }
        current.push_str(line);
        current_len += len;
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts
}

/// Cuts one long line into pieces of at most `limit` characters, tags and entities intact.
/// Our lines wrap whole lines in a tag, so a cut line loses its tags rather than break them.
fn cut_line(line: &str, limit: usize) -> Vec<String> {
    let plain = crate::answer::strip_tags(line);
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut len = 0;
    let mut chars = plain.chars().peekable();
    while let Some(c) = chars.next() {
        let mut token = c.to_string();
        if c == '&' {
            while let Some(&n) = chars.peek() {
                token.push(n);
                chars.next();
                if n == ';' || token.len() > 8 {
                    break;
                }
            }
        }
        let tlen = token.chars().count();
        if len + tlen > limit {
            pieces.push(std::mem::take(&mut piece));
            len = 0;
        }
        piece.push_str(&token);
        len += tlen;
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// Sends `html` to `chat`, split as needed; the keyboard goes on the last part. Returns the
/// last message's id. A part an earlier run sent for the same update is not sent again.
pub async fn send_html(
    out: &Outbox,
    chat: ChatId,
    html: &str,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<Option<MessageId>, RequestError> {
    let parts = split(html, MESSAGE_LIMIT);
    let count = parts.len();
    let mut last = None;
    for (n, part) in parts.into_iter().enumerate() {
        if let Some(id) = replayed() {
            last = Some(id);
            continue;
        }
        let markup = if n + 1 == count { keyboard.clone() } else { None };
        let sent = retry_limited("sendMessage", Some(&out.turns), || {
            let mut req = out.bot.send_message(chat, part.clone()).parse_mode(ParseMode::Html);
            if let Some(k) = markup.clone() {
                req = req.reply_markup(k);
            }
            paced(out, chat, req)
        })
        .await?;
        made(sent.id).await;
        last = Some(sent.id);
    }
    Ok(last)
}

/// Sends a document (the CSV export), within the limits, retried.
pub async fn send_document(
    out: &Outbox,
    chat: ChatId,
    bytes: Vec<u8>,
    name: &str,
    caption: &str,
) -> Result<(), RequestError> {
    use teloxide::payloads::SendDocumentSetters;
    use teloxide::types::InputFile;
    if replayed().is_some() {
        return Ok(());
    }
    let sent = retry_limited("sendDocument", Some(&out.turns), || {
        let req = out
            .bot
            .send_document(chat, InputFile::memory(bytes.clone()).file_name(name.to_string()))
            .caption(caption.to_string());
        paced(out, chat, req)
    })
    .await?;
    made(sent.id).await;
    Ok(())
}

/// Sends a picture (a KPI chart) with its caption, within the limits, retried.
pub async fn send_photo(out: &Outbox, chat: ChatId, png: Vec<u8>, caption: &str) -> Result<(), RequestError> {
    use teloxide::payloads::SendPhotoSetters;
    use teloxide::types::InputFile;
    let caption: String = caption.chars().take(1024).collect();
    if replayed().is_some() {
        return Ok(());
    }
    let sent = retry_limited("sendPhoto", Some(&out.turns), || {
        let req =
            out.bot.send_photo(chat, InputFile::memory(png.clone()).file_name("chart.png")).caption(caption.clone());
        paced(out, chat, req)
    })
    .await?;
    made(sent.id).await;
    Ok(())
}

/// Replaces a message's text and keyboard (a card's section buttons, list paging). A text
/// too long for one message is cut to fit, with a note.
pub async fn edit_html(
    out: &Outbox,
    chat: ChatId,
    message: MessageId,
    html: &str,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<(), RequestError> {
    send_edit(out, chat, message, fit_for_edit(html), keyboard).await
}

/// [`edit_html`] of the message a button was pressed on, unless it already shows exactly
/// this text and keyboard. Telegram refuses such an edit ("message is not modified", 400),
/// and pressing the same section button twice would otherwise send one.
pub async fn edit_pressed(
    out: &Outbox,
    current: &Message,
    html: &str,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<(), RequestError> {
    let text = fit_for_edit(html);
    if shows(current, &text, keyboard.as_ref()) {
        return Ok(());
    }
    send_edit(out, current.chat.id, current.id, text, keyboard).await
}

/// The text an edit sends for `html`: its first part, with a note when cut.
fn fit_for_edit(html: &str) -> String {
    let mut parts = split(html, MESSAGE_LIMIT - 40);
    let mut text = if parts.is_empty() { String::from("—") } else { parts.remove(0) };
    if !parts.is_empty() {
        text.push_str("\n…（続きは質問し直してください）");
    }
    text
}

async fn send_edit(
    out: &Outbox,
    chat: ChatId,
    message: MessageId,
    text: String,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<(), RequestError> {
    let result = retry_limited("editMessageText", Some(&out.turns), || {
        let mut req = out.bot.edit_message_text(chat, message, text.clone()).parse_mode(ParseMode::Html);
        if let Some(k) = keyboard.clone() {
            req = req.reply_markup(k);
        }
        async move { req.await }
    })
    .await;
    match result {
        // The message already shows this (a press raced an earlier edit): what was wanted
        // holds, so it is no failure and nothing to log.
        Err(e) if is_not_modified(&e) => Ok(()),
        other => other.map(drop),
    }
}

/// Telegram's "message is not modified" refusal, in teloxide's own variant or, when the
/// description differs from the one teloxide knows, by its words.
fn is_not_modified(e: &RequestError) -> bool {
    match e {
        RequestError::Api(ApiError::MessageNotModified) => true,
        RequestError::Api(ApiError::Unknown(text)) => text.to_ascii_lowercase().contains("message is not modified"),
        _ => false,
    }
}

/// True when `current` already shows the HTML `text` (as Telegram keeps it: tags become
/// entities, character references characters, ends trimmed) with `keyboard`.
fn shows(current: &Message, text: &str, keyboard: Option<&InlineKeyboardMarkup>) -> bool {
    let shown = current.text().map(str::trim);
    let markup = current.reply_markup().filter(|m| !m.inline_keyboard.is_empty());
    let keyboard = keyboard.filter(|m| !m.inline_keyboard.is_empty());
    shown == Some(as_telegram_text(text).trim()) && markup == keyboard
}

/// The plain text Telegram makes of our HTML: tags dropped, the references
/// [`crate::answer::escape`] writes turned back into characters (`&amp;` last).
fn as_telegram_text(html: &str) -> String {
    crate::answer::strip_tags(html)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_keeps_our_html_as_plain_text() {
        assert_eq!(as_telegram_text("<b>A &amp; B</b>\n&lt;x&gt; &quot;y&quot; &amp;lt;"), "A & B\n<x> \"y\" &lt;");
    }

    #[test]
    fn not_modified_is_recognised_in_both_forms() {
        assert!(is_not_modified(&RequestError::Api(ApiError::MessageNotModified)));
        let short = RequestError::Api(ApiError::Unknown("Bad Request: message is not modified".into()));
        assert!(is_not_modified(&short));
        let other = RequestError::Api(ApiError::Unknown("Bad Request: message to edit not found".into()));
        assert!(!is_not_modified(&other));
    }

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(split("<b>a</b>\nb", 4096), vec!["<b>a</b>\nb".to_string()]);
    }

    #[test]
    fn long_text_splits_on_lines_within_the_limit() {
        let line = "・あいうえお".repeat(10);
        let text: Vec<String> = (0..200).map(|n| format!("<b>{n}</b>{line}")).collect();
        let text = text.join("\n");
        let parts = split(&text, 4096);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= 4096));
        assert_eq!(parts.join("\n"), text, "nothing lost, nothing added");
        assert!(parts.iter().all(|p| p.matches("<b>").count() == p.matches("</b>").count()));
    }

    #[test]
    fn an_overlong_line_is_cut_without_breaking_entities() {
        let line = format!("<b>{}</b>", "&amp;あ".repeat(3000));
        let parts = split(&line, 4096);
        assert!(parts.len() >= 2);
        for p in &parts {
            assert!(p.chars().count() <= 4096);
            assert!(!p.contains('<'));
            assert!(!p.ends_with('&') && !p.ends_with("&am"));
        }
    }
}
