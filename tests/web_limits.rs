//! The progress site against slow and malformed clients (issue 18), over HTTP and raw TCP on
//! 127.0.0.1: a head that never completes and an idle kept-alive connection are closed
//! within their timeouts; one client holds at most its cap of connections; every answer,
//! the server's own 400/414/431 included, carries the security headers and says how long it
//! may be kept; a malformed address gets the Japanese page; the search limit is counted in
//! characters.
//!
//! The timeouts are set to a second here and the checks allow twenty: nothing depends on
//! how fast the machine is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/site.rs"]
mod site;

use std::time::{Duration, Instant};

use keikaku::web::Config;
use site::{start, start_with};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far longer than any timeout set here.
const BOUND: Duration = Duration::from_secs(20);

/// What the server sends until it closes the connection (end of stream, or a reset after
/// its answer); `None` when it is still open after `within`.
async fn until_closed(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| got)
}

/// One `GET /healthz` on a kept-alive connection: whether it was answered.
async fn healthz(stream: &mut TcpStream) -> bool {
    if stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.is_err() {
        return false;
    }
    let mut got = Vec::new();
    let answered = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 4096];
        while !got.ends_with(b"\r\n\r\nok") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        true
    })
    .await;
    answered == Ok(true) && got.starts_with(b"HTTP/1.1 200 OK\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_that_never_completes_is_closed_after_the_header_timeout() {
    let site =
        start_with(|c| Config { header_timeout: Duration::from_secs(1), idle_timeout: Duration::from_secs(60), ..c })
            .await;
    let started = Instant::now();
    // One client sends nothing at all; another its header a byte at a time, never ending it
    // (so the idle timeout, a minute here, never runs).
    let mut silent = TcpStream::connect(site.addr).await.unwrap();
    let (mut trickle, mut trickle_w) = TcpStream::connect(site.addr).await.unwrap().into_split();
    let writer = tokio::spawn(async move {
        let head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".iter().chain(std::iter::repeat(&b'a'));
        for byte in head.take(10_000) {
            if trickle_w.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    assert!(until_closed(&mut silent, BOUND).await.is_some(), "a silent connection is still open");
    assert!(until_closed(&mut trickle, BOUND).await.is_some(), "a trickling header is still being read");
    assert!(started.elapsed() >= Duration::from_millis(500), "closed before its timeout");
    writer.abort();
    // The site still answers.
    assert_eq!(site.get("/healthz").await.0, 200);
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    // The header timeout (30 s) is longer than the bound: only the idle timeout can close it.
    let site =
        start_with(|c| Config { header_timeout: Duration::from_secs(30), idle_timeout: Duration::from_secs(1), ..c })
            .await;
    let mut stream = TcpStream::connect(site.addr).await.unwrap();
    assert!(healthz(&mut stream).await, "the first request is answered");
    assert!(healthz(&mut stream).await, "the connection is kept alive");
    assert!(until_closed(&mut stream, BOUND).await.is_some(), "an idle connection is still open");
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_holds_at_most_its_cap_of_connections() {
    let site = start_with(|c| Config {
        max_connections: 2,
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        ..c
    })
    .await;
    let mut first = TcpStream::connect(site.addr).await.unwrap();
    let mut second = TcpStream::connect(site.addr).await.unwrap();
    assert!(healthz(&mut first).await && healthz(&mut second).await);
    // The third is closed at once, without an answer.
    let mut third = TcpStream::connect(site.addr).await.unwrap();
    let _ = third.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(until_closed(&mut third, BOUND).await, Some(Vec::new()), "a third connection was served");
    assert!(healthz(&mut second).await, "the client's other connections go on");
    // A closed connection frees its place (the server notices the close a moment later).
    drop(first);
    let deadline = Instant::now() + BOUND;
    loop {
        let mut again = TcpStream::connect(site.addr).await.unwrap();
        if healthz(&mut again).await {
            break;
        }
        assert!(Instant::now() < deadline, "the closed connection's place was never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(second);
    site.stop().await;
}

/// The answer's status line, its headers (lower-case names) and its body.
fn parse(answer: &[u8]) -> (u16, Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// The security headers every answer carries.
fn assert_secured(headers: &[(String, String)], what: &str) {
    let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert!(get("content-security-policy").is_some_and(|v| v.contains("default-src 'none'")), "{what}: {headers:?}");
    assert_eq!(get("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(get("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(get("x-frame-options"), Some("DENY"), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_the_server_cannot_read_get_the_japanese_page_with_every_header() {
    let site = start().await;
    let long_header = format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n", "a".repeat(100_000));
    let long_address = format!("GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n", "a".repeat(70_000));
    let cases: [(&str, Vec<u8>, &[u16]); 4] = [
        ("a control character in the address", b"GET /\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec(), &[400]),
        ("a header line without a colon", b"GET / HTTP/1.1\r\nHost localhost\r\n\r\n".to_vec(), &[400]),
        ("a 100 KB header", long_header.into_bytes(), &[431]),
        ("a 70 KB address", long_address.into_bytes(), &[414, 431]),
    ];
    for (what, request, statuses) in cases {
        let mut stream = TcpStream::connect(site.addr).await.unwrap();
        // A server that stops reading may reset the connection while this is still sent.
        let _ = stream.write_all(&request).await;
        let answer = until_closed(&mut stream, BOUND).await.expect("the connection is closed after the answer");
        let (status, headers, body) = parse(&answer);
        assert!(statuses.contains(&status), "{what}: {status}\n{}", String::from_utf8_lossy(&answer));
        assert_secured(&headers, what);
        let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("cache-control"), Some("no-store"), "{what}");
        assert_eq!(get("content-length").and_then(|n| n.parse().ok()), Some(body.len()), "{what}");
        assert!(get("content-type").is_some_and(|t| t.starts_with("text/html")), "{what}");
        assert!(body.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">") && body.contains("<h1>"), "{what}: {body}");
    }
    site.stop().await;
}

#[test]
fn the_timeouts_and_the_cap_are_read_from_the_environment_and_bounded() {
    let env = |pairs: Vec<(&'static str, String)>| {
        move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    };
    let c = Config::from_vars(None, env(vec![])).unwrap();
    assert_eq!((c.header_timeout.as_secs(), c.idle_timeout.as_secs(), c.max_connections), (10, 5, 64));
    let c = Config::from_vars(
        None,
        env(vec![
            ("KEIKAKU_WEB_HEADER_TIMEOUT", "30".into()),
            ("KEIKAKU_WEB_IDLE_TIMEOUT", " 2 ".into()),
            ("KEIKAKU_WEB_MAX_CONNECTIONS", "8".into()),
        ]),
    )
    .unwrap();
    assert_eq!((c.header_timeout.as_secs(), c.idle_timeout.as_secs(), c.max_connections), (30, 2, 8));
    // The header timeout is at most 30 s, as issue 18 asks; nothing is zero.
    for bad in ["31", "0", "10s", "-1"] {
        let refused = Config::from_vars(None, env(vec![("KEIKAKU_WEB_HEADER_TIMEOUT", bad.into())]));
        let message = refused.expect_err(bad).to_string();
        assert!(message.contains("KEIKAKU_WEB_HEADER_TIMEOUT") && message.contains("1 to 30"), "{message}");
    }
    assert!(Config::from_vars(None, env(vec![("KEIKAKU_WEB_MAX_CONNECTIONS", "0".into())])).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_has_the_security_headers_and_says_how_long_it_may_be_kept() {
    let site = start().await;
    let five_minutes = "public, max-age=300";
    let too_long_query = format!("/search?q={}", "a".repeat(3_000));
    let cases: Vec<(&str, u16, &str)> = vec![
        ("/", 200, five_minutes),
        ("/initiatives/18", 200, five_minutes),
        ("/search?q=どこでも窓口のKPI", 200, five_minutes),
        ("/charts/18/0.svg", 200, five_minutes),
        ("/opendata/actuals.csv", 200, five_minutes),
        ("/opendata/actuals.json", 200, five_minutes),
        ("/opendata/plan.json", 200, five_minutes),
        ("/static/style.css", 200, "max-age=3600"),
        ("/healthz", 200, "no-store"),
        ("/no/such/page", 404, "no-store"),
        ("/initiatives/9999", 404, "no-store"),
        ("/departments/%ff", 400, "no-store"),
        (&too_long_query, 414, "no-store"),
    ];
    for (path, status, cache) in cases {
        let (got, headers, body) = site.get(path).await;
        assert_eq!(got, status, "{path}");
        let pairs: Vec<(String, String)> =
            headers.iter().map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
        assert_secured(&pairs, path);
        assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some(cache), "{path}");
        if status != 200 {
            assert!(body.contains("<html lang=\"ja\">"), "{path}: {body}");
        }
    }
    let posted = site.http.post(format!("{}/search", site.base)).body("q=x").send().await.unwrap();
    assert_eq!(posted.status().as_u16(), 405);
    assert_eq!(posted.headers()["cache-control"], "no-store");
    assert_eq!(posted.headers()["x-frame-options"], "DENY");
    // A refusal for being too fast is never kept: the reader is welcome again a second later.
    let mut limited = None;
    for _ in 0..1_000 {
        let (status, headers, _) = site.get("/healthz").await;
        if status == 429 {
            limited = Some(headers);
            break;
        }
    }
    let limited = limited.expect("the rate limit never held");
    assert_eq!(limited["cache-control"], "no-store");
    assert_eq!(limited["content-security-policy"], site.get("/healthz").await.1["content-security-policy"]);
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_address_gets_the_japanese_page() {
    let site = start().await;
    // %ff and %c3%28 decode to bytes that are not UTF-8.
    for path in ["/departments/%ff", "/initiatives/%ff", "/policies/%c3%28", "/means/%ff", "/charts/%ff/0.svg"] {
        let (status, headers, html) = site.get(path).await;
        assert_eq!(status, 400, "{path}");
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"), "{path}: {html}");
        assert!(html.contains("<h1>アドレスが正しくありません</h1>"), "{path}: {html}");
    }
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_limit_is_counted_in_characters() {
    let site = start().await;
    let max = keikaku::web::MAX_QUERY;
    // Four bytes of UTF-8 each, twelve once encoded: the longest characters there are.
    for c in ["😀", "𠮷"] {
        let (status, _, html) = site.get(&format!("/search?q={}", c.repeat(max))).await;
        assert_eq!(status, 200, "{max} × {c}: {html}");
        assert!(html.contains(&c.repeat(max)), "the query is shown back");
        let (status, _, html) = site.get(&format!("/search?q={}", c.repeat(max + 1))).await;
        assert!(status == 400 && html.contains("検索語が長すぎます"), "{} × {c}: {status}", max + 1);
    }
    site.stop().await;
}
