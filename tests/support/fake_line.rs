//! A fake LINE Messaging API on 127.0.0.1 that enforces what LINE enforces — the access
//! token, single-use reply tokens (and expired ones), at most five messages, text and
//! altText lengths, Flex JSON shape and size, quick replies, labels, postback data, retry
//! keys — and posts signed webhook events to the bot under test, as LINE does.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub const TOKEN: &str = "test-access-token";
pub const SECRET: &str = "test-channel-secret";
pub const BOT_USER_ID: &str = "Ubot0000000000000000000000000000";

/// One request the bot made that LINE accepted.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// `reply` or `push`.
    pub kind: &'static str,
    /// The user (or group) it went to.
    pub to: String,
    /// The messages.
    pub messages: Vec<Value>,
    /// The push's retry key.
    pub retry_key: Option<String>,
}

#[derive(Default)]
struct Inner {
    /// Reply token → the chat it answers; removed when used.
    tokens: HashMap<String, String>,
    expired: HashSet<String>,
    retry_keys: HashSet<String>,
    delivered: Vec<Delivered>,
    /// Every refusal LINE would have made, with why: a test fails on any it did not expect.
    refused: Vec<String>,
    /// Path fragment → statuses to answer instead, in order.
    failures: HashMap<String, Vec<u16>>,
    /// Replies whose answer comes late, in order.
    late: Vec<(Late, Duration)>,
    rich_menu: Vec<String>,
    next: u64,
}

/// A reply whose answer comes after the client has stopped waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Late {
    /// Carried out (delivered, the token used), its answer lost: LINE's side of a timeout.
    Lost,
    /// Never carried out (answered 503 late): the request did not get through.
    NotTaken,
}

#[derive(Clone)]
pub struct FakeLine {
    inner: Arc<Mutex<Inner>>,
    pub addr: SocketAddr,
    http: reqwest::Client,
}

impl FakeLine {
    pub async fn start() -> FakeLine {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/v2/bot/message/reply", post(reply))
            .route("/v2/bot/message/push", post(push))
            .route("/v2/bot/info", get(|| async { Json(json!({"userId": BOT_USER_ID, "displayName": "けいかく"})) }))
            .route("/v2/bot/richmenu", post(create_menu))
            .route("/v2/bot/richmenu/{id}/content", post(menu_image))
            .route("/v2/bot/user/all/richmenu/{id}", post(default_menu))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            // Bounded: the server goes with the test's runtime, and after a minute at most.
            let _ = tokio::time::timeout(Duration::from_secs(120), axum::serve(listener, app)).await;
        });
        FakeLine { inner, addr, http: reqwest::Client::new() }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A fresh reply token for an event from `chat`.
    pub fn token(&self, chat: &str) -> String {
        let mut s = self.lock();
        s.next += 1;
        let t = format!("rt-{}", s.next);
        s.tokens.insert(t.clone(), chat.to_string());
        t
    }

    /// Makes `token` expired: a reply with it is refused as LINE refuses it.
    pub fn expire(&self, token: &str) {
        self.lock().expired.insert(token.to_string());
    }

    /// The next `statuses.len()` calls whose path contains `path` get these statuses.
    pub fn fail_next(&self, path: &str, statuses: &[u16]) {
        self.lock().failures.insert(path.to_string(), statuses.to_vec());
    }

    /// The next `n` replies come late (`hold`, past the client's timeout) as `late` says.
    pub fn late_replies(&self, late: Late, n: usize, hold: Duration) {
        self.lock().late.extend(std::iter::repeat_n((late, hold), n));
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.lock().delivered.clone()
    }

    /// How many were delivered (without copying them).
    pub fn delivered_count(&self) -> usize {
        self.lock().delivered.len()
    }

    pub fn refused(&self) -> Vec<String> {
        self.lock().refused.clone()
    }

    pub fn rich_menu_calls(&self) -> Vec<String> {
        self.lock().rich_menu.clone()
    }

    /// Waits until `n` messages were delivered to `chat`, or 20 s; returns them.
    pub async fn wait_delivered(&self, chat: &str, n: usize) -> Vec<Delivered> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let d: Vec<Delivered> = self.delivered().into_iter().filter(|d| d.to == chat).collect();
            if d.len() >= n || tokio::time::Instant::now() > deadline {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Posts `events` to the webhook at `url`, signed with `secret` (LINE's way).
    pub async fn post(&self, url: &str, secret: &str, events: Vec<Value>) -> u16 {
        let body = serde_json::to_vec(&json!({"destination": BOT_USER_ID, "events": events})).unwrap();
        let signature = keikaku::line::signature::sign(secret, &body);
        self.post_raw(url, &body, Some(&signature)).await
    }

    /// Posts a body with the given signature header (or none).
    pub async fn post_raw(&self, url: &str, body: &[u8], signature: Option<&str>) -> u16 {
        let mut req = self.http.post(url).header("Content-Type", "application/json").body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("X-Line-Signature", s);
        }
        req.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
    }

    fn event(&self, kind: &str, chat: &str, id: &str, extra: Value) -> Value {
        let mut e = json!({
            "type": kind,
            "mode": "active",
            "timestamp": 1_780_000_000_000_i64,
            "source": {"type": "user", "userId": chat},
            "webhookEventId": id,
            "deliveryContext": {"isRedelivery": false},
        });
        if kind != "unfollow" {
            e["replyToken"] = json!(self.token(chat));
        }
        if let (Some(e), Some(extra)) = (e.as_object_mut(), extra.as_object()) {
            e.extend(extra.clone());
        }
        e
    }

    /// A text message event from `chat`.
    pub fn text(&self, chat: &str, id: &str, text: &str) -> Value {
        self.event("message", chat, id, json!({"message": {"type": "text", "id": id, "text": text}}))
    }

    /// A postback event from `chat`.
    pub fn postback(&self, chat: &str, id: &str, data: &str) -> Value {
        self.event("postback", chat, id, json!({"postback": {"data": data}}))
    }

    /// A follow (friend added) event.
    pub fn follow(&self, chat: &str, id: &str) -> Value {
        self.event("follow", chat, id, json!({}))
    }

    /// A text in group `group` from `user`, mentioning the bot at its start when `mention`.
    pub fn group_text(&self, group: &str, user: &str, id: &str, text: &str, mention: bool) -> Value {
        let mut e = self.text(group, id, text);
        e["source"] = json!({"type": "group", "groupId": group, "userId": user});
        if mention {
            e["message"]["mention"] =
                json!({"mentionees": [{"index": 0, "length": 5, "type": "user", "isSelf": true}]});
        }
        e
    }
}

type St = State<Arc<Mutex<Inner>>>;

fn lock(s: &Arc<Mutex<Inner>>) -> std::sync::MutexGuard<'_, Inner> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn refuse(s: &Arc<Mutex<Inner>>, status: StatusCode, why: String) -> (StatusCode, Json<Value>) {
    lock(s).refused.push(why.clone());
    (status, Json(json!({"message": why})))
}

/// An injected failure for `path`, if one is due.
fn injected(s: &Arc<Mutex<Inner>>, path: &str) -> Option<(StatusCode, Json<Value>)> {
    let mut inner = lock(s);
    let statuses = inner.failures.get_mut(path)?;
    if statuses.is_empty() {
        return None;
    }
    let status = StatusCode::from_u16(statuses.remove(0)).ok()?;
    Some((status, Json(json!({"message": "injected failure"}))))
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// What LINE would say is wrong with `messages`, if anything.
fn check_messages(messages: &Value) -> Result<Vec<Value>, String> {
    let list = messages.as_array().ok_or("messages must be an array")?;
    if list.is_empty() || list.len() > 5 {
        return Err(format!("{} messages (1–5 allowed)", list.len()));
    }
    for m in list {
        match m["type"].as_str() {
            Some("text") => {
                let n = chars(&m["text"]);
                if n == 0 || n > 5000 {
                    return Err(format!("a text of {n} characters"));
                }
            }
            Some("flex") => {
                let alt = chars(&m["altText"]);
                if alt == 0 || alt > 400 {
                    return Err(format!("altText of {alt} characters"));
                }
                check_container(&m["contents"])?;
            }
            other => return Err(format!("message type {other:?}")),
        }
        if let Some(q) = m.get("quickReply") {
            let items = q["items"].as_array().ok_or("quickReply.items must be an array")?;
            if items.is_empty() || items.len() > 13 {
                return Err(format!("{} quick reply items", items.len()));
            }
            for item in items {
                if item["type"] != "action" {
                    return Err("a quick reply item is not an action".into());
                }
                check_action(&item["action"])?;
            }
        }
    }
    Ok(list.clone())
}

fn check_container(c: &Value) -> Result<(), String> {
    match c["type"].as_str() {
        Some("bubble") => {
            let size = serde_json::to_vec(c).map_or(usize::MAX, |b| b.len());
            if size > 30 * 1024 {
                return Err(format!("a bubble of {size} bytes"));
            }
            for block in ["header", "body", "footer"] {
                if let Some(b) = c.get(block) {
                    check_component(b)?;
                }
            }
            Ok(())
        }
        Some("carousel") => {
            let bubbles = c["contents"].as_array().ok_or("carousel contents")?;
            if bubbles.is_empty() || bubbles.len() > 12 {
                return Err(format!("{} bubbles", bubbles.len()));
            }
            bubbles.iter().try_for_each(check_container)
        }
        other => Err(format!("container type {other:?}")),
    }
}

fn check_component(c: &Value) -> Result<(), String> {
    match c["type"].as_str() {
        Some("box") => {
            if !matches!(c["layout"].as_str(), Some("vertical" | "horizontal" | "baseline")) {
                return Err(format!("box layout {:?}", c["layout"]));
            }
            c["contents"].as_array().ok_or("box contents")?.iter().try_for_each(check_component)
        }
        Some("text") => {
            if chars(&c["text"]) == 0 {
                return Err("an empty text component".into());
            }
            Ok(())
        }
        Some("button") => check_action(&c["action"]),
        Some("separator" | "filler" | "image" | "icon" | "span") => Ok(()),
        other => Err(format!("component type {other:?}")),
    }
}

fn check_action(a: &Value) -> Result<(), String> {
    let label = chars(&a["label"]);
    if label == 0 || label > 20 {
        return Err(format!("an action label of {label} characters"));
    }
    match a["type"].as_str() {
        Some("postback") => {
            let data = a["data"].as_str().map_or(0, str::len);
            if data == 0 || data > 300 {
                return Err(format!("postback data of {data} bytes"));
            }
            Ok(())
        }
        Some("message") => (chars(&a["text"]) > 0).then_some(()).ok_or_else(|| "a message action without text".into()),
        other => Err(format!("action type {other:?}")),
    }
}

async fn reply(State(s): St, headers: HeaderMap, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let late = {
        let mut inner = lock(&s);
        if inner.late.is_empty() { None } else { Some(inner.late.remove(0)) }
    };
    match late {
        None => reply_now(&s, &headers, &body),
        Some((Late::Lost, hold)) => {
            let answer = reply_now(&s, &headers, &body);
            tokio::time::sleep(hold).await;
            answer
        }
        Some((Late::NotTaken, hold)) => {
            tokio::time::sleep(hold).await;
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"message": "late"})))
        }
    }
}

fn reply_now(s: &Arc<Mutex<Inner>>, headers: &HeaderMap, body: &Value) -> (StatusCode, Json<Value>) {
    if !authorized(headers) {
        return refuse(s, StatusCode::UNAUTHORIZED, "bad access token".into());
    }
    if let Some(failure) = injected(s, "reply") {
        return failure;
    }
    let token = body["replyToken"].as_str().unwrap_or("").to_string();
    let messages = match check_messages(&body["messages"]) {
        Ok(m) => m,
        Err(why) => return refuse(s, StatusCode::BAD_REQUEST, why),
    };
    let mut inner = lock(s);
    let expired = inner.expired.contains(&token);
    match inner.tokens.remove(&token) {
        Some(chat) if !expired => {
            inner.delivered.push(Delivered { kind: "reply", to: chat, messages, retry_key: None });
            (StatusCode::OK, Json(json!({"sentMessages": []})))
        }
        // LINE's own words; an expired or reused token is not a bug of the bot, it pushes.
        _ => (StatusCode::BAD_REQUEST, Json(json!({"message": "Invalid reply token"}))),
    }
}

async fn push(State(s): St, headers: HeaderMap, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return refuse(&s, StatusCode::UNAUTHORIZED, "bad access token".into());
    }
    let key = headers.get("x-line-retry-key").and_then(|v| v.to_str().ok()).map(String::from);
    if let Some(k) = &key {
        let uuid = k.len() == 36
            && k.chars()
                .enumerate()
                .all(|(n, c)| if [8, 13, 18, 23].contains(&n) { c == '-' } else { c.is_ascii_hexdigit() });
        if !uuid {
            return refuse(&s, StatusCode::BAD_REQUEST, format!("retry key {k} is no UUID"));
        }
        if lock(&s).retry_keys.contains(k) {
            return (StatusCode::CONFLICT, Json(json!({"message": "The retry key is already accepted"})));
        }
    }
    if let Some(failure) = injected(&s, "push") {
        // A 5xx after LINE took the message: the retry must not deliver it again.
        if failure.0.is_server_error()
            && let Some(k) = &key
        {
            let messages = check_messages(&body["messages"]).unwrap_or_default();
            let mut inner = lock(&s);
            inner.retry_keys.insert(k.clone());
            let to = body["to"].as_str().unwrap_or("").to_string();
            inner.delivered.push(Delivered { kind: "push", to, messages, retry_key: key.clone() });
        }
        return failure;
    }
    let messages = match check_messages(&body["messages"]) {
        Ok(m) => m,
        Err(why) => return refuse(&s, StatusCode::BAD_REQUEST, why),
    };
    let mut inner = lock(&s);
    if let Some(k) = &key {
        inner.retry_keys.insert(k.clone());
    }
    let to = body["to"].as_str().unwrap_or("").to_string();
    inner.delivered.push(Delivered { kind: "push", to, messages, retry_key: key });
    (StatusCode::OK, Json(json!({"sentMessages": []})))
}

async fn create_menu(State(s): St, headers: HeaderMap, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return refuse(&s, StatusCode::UNAUTHORIZED, "bad access token".into());
    }
    let areas = body["areas"].as_array().map_or(0, Vec::len);
    if body.pointer("/size/width") != Some(&json!(2500)) || areas == 0 {
        return refuse(&s, StatusCode::BAD_REQUEST, "a rich menu LINE would refuse".into());
    }
    lock(&s).rich_menu.push(format!("create {areas} areas"));
    (StatusCode::OK, Json(json!({"richMenuId": "richmenu-0001"})))
}

async fn menu_image(State(s): St, Path(id): Path<String>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let png = headers.get("content-type").and_then(|v| v.to_str().ok()) == Some("image/png");
    if !authorized(&headers) || !png || !body.starts_with(b"\x89PNG") {
        lock(&s).refused.push("a rich menu image LINE would refuse".into());
        return StatusCode::BAD_REQUEST;
    }
    lock(&s).rich_menu.push(format!("image {id} {} bytes", body.len()));
    StatusCode::OK
}

async fn default_menu(State(s): St, Path(id): Path<String>, headers: HeaderMap) -> StatusCode {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED;
    }
    lock(&s).rich_menu.push(format!("default {id}"));
    StatusCode::OK
}
