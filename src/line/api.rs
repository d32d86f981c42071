//! The few LINE Messaging API calls keikaku makes, with reqwest: reply, push, the bot's
//! profile, and the rich menu's. Written here rather than with `line-bot-sdk-rust` (an
//! unofficial crate, generated from the OpenAPI file, that pulls a second HTTP stack and
//! every endpoint of the API): five calls, each with our own retries and limits.
//!
//! Every path is appended to `LINE_API_URL` (default `https://api.line.me`; the rich menu's
//! image goes to `LINE_DATA_API_URL`, default `https://api-data.line.me`), so tests point
//! both at a fake server on 127.0.0.1.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::limits::{Limiter, Limits};

/// What went wrong with a call.
///
/// `maybe_taken` says whether an earlier try of the same call may have reached LINE and
/// been carried out, its answer lost: a timeout once the request was sent, a connection
/// broken after it, or a 5xx (LINE's own words: "there is a possibility that your message
/// was delivered"). A try that never left (no connection) or that LINE refused (429, 4xx)
/// was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The reply token was used already or has expired. When `maybe_taken`, it may have
    /// been used by an earlier try of this very reply.
    #[error("the reply token is invalid (used, or expired)")]
    InvalidReplyToken {
        /// An earlier try may have been carried out.
        maybe_taken: bool,
    },
    /// LINE refused the request (a 4xx other than 429), saying why.
    #[error("LINE refused {what}: {status} {body}")]
    Refused {
        /// The call.
        what: &'static str,
        /// The HTTP status.
        status: u16,
        /// LINE's message.
        body: String,
        /// An earlier try may have been carried out.
        maybe_taken: bool,
    },
    /// LINE could not be reached, or kept failing (429, 5xx, timeouts) through every retry.
    #[error("LINE did not take {what}: {cause}")]
    Unavailable {
        /// The call.
        what: &'static str,
        /// The last failure.
        cause: String,
        /// A try may have been carried out.
        maybe_taken: bool,
    },
}

/// A client of the Messaging API.
pub struct Api {
    http: reqwest::Client,
    base: String,
    data_base: String,
    token: String,
    limiter: Limiter,
}

/// Tries of a call that fails with 429, 5xx or no connection.
const ATTEMPTS: u32 = 5;
/// How long one try may take, by default: LINE answers in well under a second, and a reply
/// token is good for about a minute, which five tries of 20 s would outlast.
pub const TIMEOUT: Duration = Duration::from_secs(10);

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(timeout).build().unwrap_or_else(|_| reqwest::Client::new())
}

impl Api {
    /// A client with the channel access token, at `base` (and `data_base` for content),
    /// sending at most `per_sec` requests a second.
    pub fn new(base: &str, data_base: &str, token: &str, per_sec: u32) -> Api {
        Api {
            http: client(TIMEOUT),
            base: base.trim_end_matches('/').to_string(),
            data_base: data_base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            limiter: Limiter::new(Limits::relaxed(per_sec.max(1))),
        }
    }

    /// The same client with `timeout` for each try (default [`TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Api {
        self.http = client(timeout);
        self
    }

    /// Replies with `messages` (at most five) to the event of `reply_token`. A reply whose
    /// answer was lost is tried again with the same token, which LINE takes once at most:
    /// a retried reply is never delivered twice.
    pub async fn reply(&self, reply_token: &str, messages: &[Value]) -> Result<(), ApiError> {
        let body = json!({"replyToken": reply_token, "messages": messages});
        match self.call("a reply", &format!("{}/v2/bot/message/reply", self.base), body, None).await {
            Err(ApiError::Refused { status: 400, body, maybe_taken, .. }) if body.contains("Invalid reply token") => {
                Err(ApiError::InvalidReplyToken { maybe_taken })
            }
            other => other.map(drop),
        }
    }

    /// Pushes `messages` to `to`. `retry_key` (a UUID) makes a retried push a no-op at LINE
    /// when the first got through: LINE answers 409, taken here as success.
    pub async fn push(&self, to: &str, messages: &[Value], retry_key: &str) -> Result<(), ApiError> {
        let body = json!({"to": to, "messages": messages});
        match self.call("a push message", &format!("{}/v2/bot/message/push", self.base), body, Some(retry_key)).await {
            Err(ApiError::Refused { status: 409, .. }) => Ok(()),
            other => other.map(drop),
        }
    }

    /// The bot's own profile (its user id, to know mentions of it).
    pub async fn bot_info(&self) -> Result<Value, ApiError> {
        self.send("the bot's profile", || self.http.get(format!("{}/v2/bot/info", self.base)), None).await
    }

    /// Creates a rich menu from its definition; returns its id.
    pub async fn create_rich_menu(&self, definition: &Value) -> Result<String, ApiError> {
        let url = format!("{}/v2/bot/richmenu", self.base);
        let answer = self.call("the rich menu", &url, definition.clone(), None).await?;
        answer["richMenuId"].as_str().map(String::from).ok_or_else(|| ApiError::Refused {
            what: "the rich menu",
            status: 200,
            body: format!("no richMenuId in {answer}"),
            maybe_taken: false,
        })
    }

    /// Uploads the rich menu's image (PNG).
    pub async fn upload_rich_menu_image(&self, id: &str, png: &[u8]) -> Result<(), ApiError> {
        let url = format!("{}/v2/bot/richmenu/{id}/content", self.data_base);
        let png = png.to_vec();
        self.send(
            "the rich menu's image",
            || self.http.post(&url).header("Content-Type", "image/png").body(png.clone()),
            None,
        )
        .await
        .map(drop)
    }

    /// Makes the rich menu everyone's default.
    pub async fn set_default_rich_menu(&self, id: &str) -> Result<(), ApiError> {
        let url = format!("{}/v2/bot/user/all/richmenu/{id}", self.base);
        self.send("the default rich menu", || self.http.post(&url), None).await.map(drop)
    }

    async fn call(
        &self,
        what: &'static str,
        url: &str,
        body: Value,
        retry_key: Option<&str>,
    ) -> Result<Value, ApiError> {
        let body = serde_json::to_vec(&body).map_err(|e| ApiError::Refused {
            what,
            status: 0,
            body: e.to_string(),
            maybe_taken: false,
        })?;
        self.send(what, || self.http.post(url).header("Content-Type", "application/json").body(body.clone()), retry_key)
            .await
    }

    /// Sends a request built by `build`, within the rate limit, retrying 429, 5xx, timeouts
    /// and lost connections with backoff (a 429 also holds every other call back for the
    /// wait). Which failures may have been carried out is told in the error.
    async fn send(
        &self,
        what: &'static str,
        build: impl Fn() -> reqwest::RequestBuilder,
        retry_key: Option<&str>,
    ) -> Result<Value, ApiError> {
        let mut delay = Duration::from_millis(250);
        let mut last = String::new();
        let mut maybe_taken = false;
        for attempt in 1..=ATTEMPTS {
            self.limiter.acquire(0).await;
            let mut request = build().bearer_auth(&self.token);
            if let Some(key) = retry_key {
                request = request.header("X-Line-Retry-Key", key);
            }
            match request.send().await {
                Ok(response) if response.status().is_success() => {
                    let text = response.text().await.unwrap_or_default();
                    return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
                }
                Ok(response) => {
                    let status = response.status();
                    let wait = retry_after(&response).unwrap_or(delay);
                    let body = response.text().await.unwrap_or_default();
                    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                        return Err(ApiError::Refused { what, status: status.as_u16(), body, maybe_taken });
                    }
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        self.limiter.freeze(wait);
                    } else {
                        maybe_taken = true;
                    }
                    last = format!("{status} {body}");
                    tracing::warn!(what, %status, attempt, "LINE asked to wait; retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    last = e.to_string();
                    // No connection: the request never left. Anything else (a timeout, a
                    // connection broken mid-way) may have reached LINE.
                    maybe_taken |= !(e.is_connect() || e.is_builder());
                    tracing::warn!(what, error = %e, attempt, "LINE is not reachable; retrying in {delay:?}");
                    tokio::time::sleep(delay).await;
                }
            }
            delay = (delay * 2).min(Duration::from_secs(8));
        }
        Err(ApiError::Unavailable { what, cause: last, maybe_taken })
    }
}

/// A `Retry-After` in seconds, when LINE gives one.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let secs = response.headers().get("retry-after")?.to_str().ok()?.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(secs.min(60)))
}

/// A retry key (a UUID, as LINE wants) derived from what identifies the message: the same
/// event pushed again, even by a restarted process, carries the same key.
pub fn retry_key(seed: &str) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_key_is_a_stable_uuid() {
        let k = retry_key("01HABCDEF:0");
        assert_eq!(k, retry_key("01HABCDEF:0"));
        assert_ne!(k, retry_key("01HABCDEF:1"));
        assert_eq!(k.len(), 36);
        assert_eq!(k.as_bytes()[14], b'4');
        assert!(matches!(k.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }
}
