//! A fake Telegram Bot API server on 127.0.0.1, for the integration tests and the load
//! benchmark: it queues updates for `getUpdates` (long polling), records every call, answers
//! the methods the bot uses, and fails on request (429 with `retry_after`, 502, a dropped
//! connection) to test retries.
//!
//! It listens on loopback only, on a port the OS picks, and stops when dropped or, at the
//! latest, after its lifetime (default ten minutes).
//!
//! A test double: it is compiled into the tests (`tests/bot.rs`) and the bot benchmark
//! (`benches/bot.rs`), never into keikaku.

#![allow(dead_code)]

#[path = "multipart.rs"]
mod multipart;
pub use multipart::Part;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The bot's own user, as `getMe` reports it.
pub const BOT_USERNAME: &str = "keikaku_test_bot";

/// A recorded API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method (`sendMessage` …).
    pub method: String,
    /// Its parameters (JSON), or `{"raw": "…"}` for a multipart body.
    pub params: Value,
    /// Monotonic time the call arrived.
    pub at: std::time::Instant,
    /// The message a `sendMessage` made or an `editMessageText` changed.
    pub message_id: Option<i64>,
    /// A multipart body's parts (the picture of a `sendPhoto`, with its caption).
    pub parts: Vec<Part>,
}

impl Call {
    /// The `chat_id` parameter.
    pub fn chat_id(&self) -> Option<i64> {
        self.params.get("chat_id").and_then(Value::as_i64)
    }

    /// The `text` parameter.
    pub fn text(&self) -> &str {
        self.params.get("text").and_then(Value::as_str).unwrap_or("")
    }

    /// The file a multipart call sent (a `sendPhoto`'s picture): its part.
    pub fn file(&self) -> Option<&Part> {
        self.parts.iter().find(|p| p.file_name.is_some())
    }

    /// A text field of a multipart call (`caption`).
    pub fn field(&self, name: &str) -> Option<String> {
        self.parts.iter().find(|p| p.name == name).map(|p| String::from_utf8_lossy(&p.data).into_owned())
    }
}

/// A failure to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 429 Too Many Requests with `retry_after` seconds.
    TooManyRequests(u32),
    /// 502 Bad Gateway (the request is not processed).
    BadGateway,
    /// The connection is closed without an answer (the request is not processed).
    Drop,
    /// 401 Unauthorized: what Telegram answers to a wrong or revoked token.
    Unauthorized,
}

#[derive(Default)]
struct State {
    updates: Vec<Value>,
    next_update_id: i64,
    next_message_id: i64,
    calls: Vec<Call>,
    failures: VecDeque<(String, Failure)>,
    unavailable: bool,
    /// Telegram's per-chat pace, kept: (the least gap between two messages it takes for one
    /// chat, how late every other send is answered).
    pace: Option<(Duration, Duration)>,
    sends: u64,
    rate_limited: usize,
    /// While set, `getUpdates` hands out nothing (a test queues a batch, then lets it go).
    held: bool,
    /// The highest offset a `getUpdates` carried: Telegram has forgotten the updates below.
    confirmed: i64,
}

/// The running fake server.
pub struct FakeTelegram {
    state: Arc<Mutex<State>>,
    notify: Arc<Notify>,
    addr: std::net::SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeTelegram {
    /// Starts a server that stops by itself after ten minutes.
    pub async fn start() -> std::io::Result<FakeTelegram> {
        FakeTelegram::start_for(Duration::from_secs(600)).await
    }

    /// Starts a server that stops by itself after `lifetime`.
    pub async fn start_for(lifetime: Duration) -> std::io::Result<FakeTelegram> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State { next_update_id: 1, next_message_id: 1, ..State::default() }));
        let notify = Arc::new(Notify::new());
        let (s, n) = (state.clone(), notify.clone());
        let task = tokio::spawn(async move {
            let serve = async {
                loop {
                    let Ok((socket, _)) = listener.accept().await else { continue };
                    let (s, n) = (s.clone(), n.clone());
                    tokio::spawn(async move {
                        let _ = connection(socket, s, n).await;
                    });
                }
            };
            let _ = tokio::time::timeout(lifetime, serve).await;
        });
        Ok(FakeTelegram { state, notify, addr, task })
    }

    /// The API base URL to give the bot (`TELOXIDE_API_URL`).
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn push(&self, kind: &str, body: Value) -> i64 {
        let id = {
            let mut s = self.lock();
            let id = s.next_update_id;
            s.next_update_id += 1;
            s.updates.push(json!({ "update_id": id, kind: body }));
            id
        };
        self.notify.notify_waiters();
        id
    }

    fn next_message_id(&self) -> i64 {
        let mut s = self.lock();
        let id = s.next_message_id;
        s.next_message_id += 1;
        id
    }

    /// A private text message from `user` (chat id = user id).
    pub fn message(&self, user: i64, text: &str) -> i64 {
        self.chat_message(user, "private", user, text)
    }

    /// A text message in a chat of `kind` (private, group, supergroup).
    pub fn chat_message(&self, chat: i64, kind: &str, user: i64, text: &str) -> i64 {
        let message_id = self.next_message_id();
        let mut chat_json = json!({ "id": chat, "type": kind });
        if kind == "private" {
            chat_json["first_name"] = json!(format!("user{user}"));
        } else {
            chat_json["title"] = json!("テストグループ");
        }
        let mut message = json!({
            "message_id": message_id,
            "date": 1_795_488_000,
            "chat": chat_json,
            "from": { "id": user, "is_bot": false, "first_name": format!("user{user}") },
            "text": text,
        });
        if let Some(rest) = text.strip_prefix('/') {
            let len = rest.split_whitespace().next().map_or(0, |c| c.encode_utf16().count() + 1);
            message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": len }]);
        }
        self.push("message", message)
    }

    /// A press of an inline button with `data` on the bot's message `message_id`. As Telegram
    /// does, the message carries its text and buttons as the bot last sent or edited them.
    pub fn callback(&self, user: i64, chat: i64, message_id: i64, data: &str) -> i64 {
        let (n, markup, text) = {
            let s = self.lock();
            let last = current(&s.calls, chat, message_id);
            let markup = last.and_then(|c| c.params.get("reply_markup").cloned());
            let text = last.map_or_else(|| "card".to_string(), |c| plain_text(c.text()));
            (s.next_update_id, markup, text)
        };
        let mut message = json!({
            "message_id": message_id,
            "date": 1_795_488_000,
            "chat": { "id": chat, "type": "private", "first_name": format!("user{user}") },
            "from": { "id": 1, "is_bot": true, "first_name": "keikaku", "username": BOT_USERNAME },
            "text": text,
        });
        if let Some(markup) = markup {
            message["reply_markup"] = markup;
        }
        self.push(
            "callback_query",
            json!({
                "id": format!("cb{n}"),
                "from": { "id": user, "is_bot": false, "first_name": format!("user{user}") },
                "message": message,
                "chat_instance": "ci",
                "data": data,
            }),
        )
    }

    /// An inline query (`@bot どこでも窓口`).
    pub fn inline_query(&self, user: i64, query: &str) -> i64 {
        let n = self.lock().next_update_id;
        self.push(
            "inline_query",
            json!({
                "id": format!("iq{n}"),
                "from": { "id": user, "is_bot": false, "first_name": format!("user{user}") },
                "query": query,
                "offset": "",
            }),
        )
    }

    /// Makes the next `count` calls of `method` fail with `failure`.
    pub fn fail_next(&self, method: &str, failure: Failure, count: usize) {
        let mut s = self.lock();
        for _ in 0..count {
            s.failures.push_back((method.to_string(), failure));
        }
    }

    /// Injected failures not yet used.
    pub fn pending_failures(&self) -> usize {
        self.lock().failures.len()
    }

    /// Keeps a per-chat pace as Telegram does: a message to a chat taken less than `gap`
    /// after the one it took before is refused with 429 (`retry_after` 1). Every other send
    /// is answered `slow` late and taken then (Telegram's answer times vary, and when within
    /// a request it counts the message is its own business).
    pub fn keep_chat_pace(&self, gap: Duration, slow: Duration) {
        self.lock().pace = Some((gap, slow));
    }

    /// How many sends [`FakeTelegram::keep_chat_pace`] refused.
    pub fn rate_limited(&self) -> usize {
        self.lock().rate_limited
    }

    /// While held, `getUpdates` gives no update: what is queued meanwhile goes out in one
    /// batch when let go (up to a hundred, as Telegram's).
    pub fn hold_updates(&self, held: bool) {
        self.lock().held = held;
        self.notify.notify_waiters();
    }

    /// The highest offset the bot has sent: every update below it is confirmed (forgotten).
    pub fn confirmed(&self) -> i64 {
        self.lock().confirmed
    }

    /// While set, every connection is closed unanswered (Telegram unreachable).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.lock().unavailable = unavailable;
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Calls of `method` so far.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.lock().calls.iter().filter(|c| c.method == method).cloned().collect()
    }

    /// Waits until `done` holds for the recorded calls, or `timeout` passes; returns the
    /// calls either way. `done` looks at them in place: copying thousands of calls every
    /// few milliseconds would take the CPU a load benchmark measures.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let state = self.lock();
                if done(&state.calls) || tokio::time::Instant::now() >= deadline {
                    return state.calls.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn connection(socket: TcpStream, state: Arc<Mutex<State>>, notify: Arc<Notify>) -> std::io::Result<()> {
    socket.set_nodelay(true)?;
    let mut reader = BufReader::new(socket);
    loop {
        // The request head.
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut length = 0usize;
        let mut chunked = false;
        let mut content_type = String::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).await?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                "content-type" => content_type = value.trim().to_string(),
                _ => {}
            }
        }
        let body = if chunked { read_chunked(&mut reader).await? } else { read_exact(&mut reader, length).await? };
        // Telegram's method names are case-insensitive; teloxide sends `SendMessage`.
        let method = {
            let raw = path.rsplit('/').next().unwrap_or("");
            let mut chars = raw.chars();
            chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
        };
        let params: Value = if content_type.starts_with("application/json") {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        } else {
            json!({ "raw": String::from_utf8_lossy(&body) })
        };
        let parts = multipart::parts(&content_type, &body);

        let failure = {
            let mut s = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if s.unavailable {
                Some(Failure::Drop)
            } else if let Some(pos) = s.failures.iter().position(|(m, _)| *m == method) {
                s.failures.remove(pos).map(|(_, f)| f)
            } else {
                None
            }
        };
        let (status, response) = match failure {
            Some(Failure::Drop) => return Ok(()),
            Some(Failure::BadGateway) => (502, "<html><body>502 Bad Gateway</body></html>".to_string()),
            Some(Failure::TooManyRequests(after)) => (
                429,
                json!({ "ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {after}"),
                        "parameters": { "retry_after": after } })
                .to_string(),
            ),
            Some(Failure::Unauthorized) => {
                (401, json!({ "ok": false, "error_code": 401, "description": "Unauthorized" }).to_string())
            }
            None => {
                let answer = answer(&method, &params, parts, &state, &notify).await;
                let status = answer.get("error_code").and_then(Value::as_u64).map_or(200, |c| c as u16);
                (status, answer.to_string())
            }
        };
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            429 => "Too Many Requests",
            _ => "Bad Gateway",
        };
        let content = if status == 502 { "text/html" } else { "application/json" };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: {content}\r\ncontent-length: {}\r\nconnection: keep-alive\r\n\r\n",
            response.len()
        );
        let socket = reader.get_mut();
        socket.write_all(head.as_bytes()).await?;
        socket.write_all(response.as_bytes()).await?;
        socket.flush().await?;
    }
}

async fn read_exact(reader: &mut BufReader<TcpStream>, n: usize) -> std::io::Result<Vec<u8>> {
    let mut body = vec![0; n];
    reader.read_exact(&mut body).await?;
    Ok(body)
}

async fn read_chunked(reader: &mut BufReader<TcpStream>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).await?;
        let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        let chunk = read_exact(reader, n + 2).await?;
        body.extend_from_slice(&chunk[..n]);
        if n == 0 {
            return Ok(body);
        }
    }
}

/// The successful answer to `method`; records the call (getUpdates is not recorded).
async fn answer(
    method: &str,
    params: &Value,
    parts: Vec<Part>,
    state: &Arc<Mutex<State>>,
    notify: &Arc<Notify>,
) -> Value {
    if method == "getUpdates" {
        let offset = params.get("offset").and_then(Value::as_i64).unwrap_or(0);
        let timeout = params.get("timeout").and_then(Value::as_u64).unwrap_or(0).min(30);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        loop {
            let notified = notify.notified();
            let ready: Vec<Value> = {
                let mut s = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                s.confirmed = s.confirmed.max(offset);
                s.updates.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                if s.held { Vec::new() } else { s.updates.iter().take(100).cloned().collect() }
            };
            if !ready.is_empty() || tokio::time::Instant::now() >= deadline {
                return json!({ "ok": true, "result": ready });
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
    let sends = ["sendMessage", "sendDocument", "sendPhoto"];
    let pace = {
        let mut s = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match s.pace {
            Some((gap, slow)) if sends.contains(&method) => {
                s.sends += 1;
                Some((gap, if s.sends.is_multiple_of(2) { slow } else { Duration::ZERO }))
            }
            _ => None,
        }
    };
    if let Some((_, late)) = pace {
        tokio::time::sleep(late).await;
    }
    let mut s = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((gap, _)) = pace {
        let chat = params.get("chat_id").and_then(Value::as_i64);
        let now = std::time::Instant::now();
        let last = s
            .calls
            .iter()
            .rev()
            .find(|c| sends.contains(&c.method.as_str()) && c.chat_id() == chat && c.message_id.is_some());
        if last.is_some_and(|c| now.duration_since(c.at) < gap) {
            s.rate_limited += 1;
            return json!({ "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
                           "parameters": { "retry_after": 1 } });
        }
    }
    s.calls.push(Call {
        method: method.to_string(),
        params: params.clone(),
        at: std::time::Instant::now(),
        message_id: None,
        parts,
    });
    let result = match method {
        "getMe" => json!({ "id": 1, "is_bot": true, "first_name": "keikaku", "username": BOT_USERNAME,
                           "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": true,
                           "has_main_web_app": false }),
        "getWebhookInfo" => json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 }),
        "editMessageText" if unchanged(&s.calls, params) => {
            return json!({ "ok": false, "error_code": 400, "description": NOT_MODIFIED });
        }
        "sendMessage" | "sendDocument" | "sendPhoto" | "editMessageText" => {
            if method == "editMessageText" && params.get("inline_message_id").is_some() {
                json!(true)
            } else {
                let id = match params.get("message_id").and_then(Value::as_i64) {
                    Some(id) => id,
                    None => {
                        let id = s.next_message_id;
                        s.next_message_id += 1;
                        id
                    }
                };
                if let Some(call) = s.calls.last_mut() {
                    call.message_id = Some(id);
                }
                let chat = params.get("chat_id").and_then(Value::as_i64).unwrap_or(0);
                let mut m = json!({
                    "message_id": id,
                    "date": 1_795_488_000,
                    "chat": { "id": chat, "type": if chat < 0 { "group" } else { "private" }, "title": "t", "first_name": "u" },
                    "from": { "id": 1, "is_bot": true, "first_name": "keikaku", "username": BOT_USERNAME },
                });
                if method == "sendDocument" {
                    m["document"] = json!({ "file_id": "f1", "file_unique_id": "u1", "file_name": "actuals.csv" });
                } else if method == "sendPhoto" {
                    m["photo"] = json!([{ "file_id": "p1", "file_unique_id": "q1", "width": 1280, "height": 720 }]);
                } else {
                    m["text"] = params.get("text").cloned().unwrap_or(json!(""));
                }
                m
            }
        }
        _ => json!(true),
    };
    json!({ "ok": true, "result": result })
}

/// What Telegram answers (400) to an edit that would change nothing.
pub const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply markup \
                                are exactly the same as a current content and reply markup of the message";

/// The call that last set message `id` of `chat` (its send or its latest edit).
fn current(calls: &[Call], chat: i64, id: i64) -> Option<&Call> {
    calls.iter().rev().find(|c| c.message_id == Some(id) && c.chat_id() == Some(chat))
}

/// True when the edit in `params` (already recorded as the last call) would leave its
/// message as it is: the same text and the same buttons.
fn unchanged(calls: &[Call], params: &Value) -> bool {
    let (Some(chat), Some(id)) =
        (params.get("chat_id").and_then(Value::as_i64), params.get("message_id").and_then(Value::as_i64))
    else {
        return false;
    };
    let earlier = &calls[..calls.len().saturating_sub(1)];
    current(earlier, chat, id).is_some_and(|c| {
        plain_text(c.text()) == plain_text(params.get("text").and_then(Value::as_str).unwrap_or(""))
            && c.params.get("reply_markup") == params.get("reply_markup")
    })
}

/// The text Telegram keeps of an HTML message: tags dropped, references resolved, trimmed.
pub fn plain_text(html: &str) -> String {
    let mut plain = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&").trim().to_string()
}
