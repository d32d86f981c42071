//! The site's connections, served by hyper's HTTP/1 directly rather than `axum::serve`, for
//! what that does not offer (issue 18: 5,000 silent connections were all held):
//!
//! - a deadline for each request's head, from the moment the server waits for it (a new
//!   connection, or the previous answer sent): a client that sends nothing, or its header a
//!   byte at a time, is closed ([`Limits::header`]; hyper's own timer);
//! - an idle timeout: a connection on which nothing moves either way, while no page is being
//!   made for it, is closed ([`Limits::idle`]) — a kept-alive connection between requests,
//!   or an answer the client does not read;
//! - a cap on each client's open connections ([`Limits::per_client`]);
//! - the site's own page, with its headers, where hyper answers a malformed request itself
//!   (400, 414, 431) before any of our code sees it ([`Watched`]).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use super::limit::{ClientKey, Connections};

/// The largest request head read (request line and headers). The site's longest address is
/// a search of 200 characters (about 2.5 KB encoded), and it sets no cookies: 32 KiB leaves
/// room for any browser and proxy while bounding what a slow client can make us hold
/// (hyper's default is 400 KiB).
const MAX_HEAD: usize = 32 * 1024;

/// How a connection is bounded.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub header: Duration,
    pub idle: Duration,
    pub per_client: usize,
    /// Behind a trusted proxy on this machine every connection is the proxy's: the cap per
    /// client does not apply to loopback then (the proxy bounds its own clients).
    pub proxy_on_loopback: bool,
}

/// The whole answer, head and body, to send where hyper answers `status` to a request it
/// could not read.
pub(super) type OwnAnswer = Arc<dyn Fn(u16) -> Vec<u8> + Send + Sync>;

/// Serves `router` on `listener` until `stop` completes, then lets open connections finish
/// (each bounded by the timeouts) and returns.
pub(super) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    own_answer: OwnAnswer,
    limits: Limits,
    stop: impl Future<Output = ()>,
) {
    let connections = Connections::new(limits.per_client);
    let (closing_tx, closing) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of descriptors, most likely: wait for some to close rather
                        // than spin.
                        tracing::warn!(error = %e, "the site cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let exempt = limits.proxy_on_loopback && peer.ip().is_loopback();
                let slot = if exempt { None } else {
                    match connections.enter(ClientKey::of(peer.ip())) {
                        Some(slot) => Some(slot),
                        None => {
                            tracing::debug!("a client has too many connections open: one more is closed at once");
                            continue;
                        }
                    }
                };
                let (router, own_answer, closing) = (router.clone(), Arc::clone(&own_answer), closing.clone());
                tasks.spawn(async move {
                    connection(stream, peer, router, own_answer, limits, closing).await;
                    drop(slot);
                });
            }
            // Finished connections are collected as they go, so the set stays the open ones.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let _ = closing_tx.send(true);
    // Idle connections close at once; the others within a page and the idle timeout.
    let bound = limits.header.max(limits.idle) + Duration::from_secs(1);
    if tokio::time::timeout(bound, async { while tasks.join_next().await.is_some() {} }).await.is_err() {
        tracing::debug!(left = tasks.len(), "connections still open at the stop are closed");
        tasks.shutdown().await;
    }
}

/// One connection, until the client closes it, a limit closes it, or the site stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    own_answer: OwnAnswer,
    limits: Limits,
    mut closing: tokio::sync::watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io =
        TokioIo::new(Watched { stream, activity: Arc::clone(&activity), own_answer, pending: Vec::new(), sent: 0 });
    let seen = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let making = Making::start(&seen);
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await;
            drop(making);
            response
        }
    });
    let served = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header)
        .max_buf_size(MAX_HEAD)
        .serve_connection(io, service);
    tokio::pin!(served);
    let mut stopping = *closing.borrow();
    if stopping {
        served.as_mut().graceful_shutdown();
    }
    loop {
        // While a page is being made the clock does not run: look again a whole `idle` on.
        let wait = if activity.making.load(Ordering::Acquire) > 0 {
            limits.idle
        } else {
            limits.idle.saturating_sub(activity.quiet_for())
        };
        tokio::select! {
            done = served.as_mut() => {
                if let Err(e) = done {
                    // A client's doing (a timeout, a malformed request, a reset): not ours.
                    tracing::debug!(error = %e, "a site connection ended");
                }
                return;
            }
            changed = closing.changed(), if !stopping => {
                // Finish the answer being made, if any, then close; a closed channel means
                // the server is gone too.
                stopping = true;
                served.as_mut().graceful_shutdown();
                if changed.is_err() {
                    return;
                }
            }
            () = tokio::time::sleep(wait) => {
                if activity.making.load(Ordering::Acquire) == 0 && activity.quiet_for() >= limits.idle {
                    tracing::debug!("a site connection was idle too long and is closed");
                    return;
                }
            }
        }
    }
}

/// When a connection last moved a byte, and whether a page is being made for it.
struct Activity {
    started: Instant,
    /// The last byte read or written, in ms since `started`.
    last: AtomicU64,
    /// Requests being answered (their handlers still running).
    making: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity { started: Instant::now(), last: AtomicU64::new(0), making: AtomicUsize::new(0) }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Release);
    }

    fn quiet_for(&self) -> Duration {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(now.saturating_sub(self.last.load(Ordering::Acquire)))
    }
}

/// A request being answered: counted while its handler runs (a slow page is not idleness).
struct Making(Arc<Activity>);

impl Making {
    fn start(activity: &Arc<Activity>) -> Making {
        activity.making.fetch_add(1, Ordering::AcqRel);
        Making(Arc::clone(activity))
    }
}

impl Drop for Making {
    fn drop(&mut self) {
        self.0.making.fetch_sub(1, Ordering::AcqRel);
        self.0.touch();
    }
}

/// The connection's socket, noting every byte that moves, and sending the site's page in
/// place of the bare answer hyper writes for a request it could not read.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
    own_answer: OwnAnswer,
    /// The site's answer in place of hyper's, sent before anything else.
    pending: Vec<u8>,
    sent: usize,
}

impl Watched {
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.stream).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
            self.activity.touch();
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        if let Some((at, status)) = hypers_own_answer(buf) {
            tracing::debug!(status, "a request the server could not read gets the site's page");
            this.pending.extend_from_slice(&buf[..at]);
            this.pending.extend_from_slice(&(this.own_answer)(status));
            // Taken whole; what the socket does not take now goes at the next write, flush
            // or shutdown.
            if let Poll::Ready(Err(e)) = this.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        let n = ready!(Pin::new(&mut this.stream).poll_write(cx, buf))?;
        if n > 0 {
            this.activity.touch();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }

    /// No: hyper then hands each answer as one buffer (its head first), which is what
    /// [`hypers_own_answer`] recognises. The copy costs microseconds on the site's pages.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// Where `buf` ends with an answer hyper wrote by itself — an error head (status 400 and
/// up) with no body and none of the site's headers, which every answer of the site carries
/// — its offset and status. That answer is the last thing hyper writes on a connection.
fn hypers_own_answer(buf: &[u8]) -> Option<(usize, u16)> {
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let at = buf.windows(9).rposition(|w| w == b"HTTP/1.1 ")?;
    let head = &buf[at..];
    if head.windows(4).position(|w| w == b"\r\n\r\n")? != head.len() - 4 {
        return None;
    }
    let status: u16 = std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()?;
    let ours = b"content-security-policy:";
    if status < 400 || head.windows(ours.len()).any(|w| w.eq_ignore_ascii_case(ours)) {
        return None;
    }
    Some((at, status))
}

#[cfg(test)]
mod tests {
    use super::hypers_own_answer;

    #[test]
    fn hypers_bare_error_answers_are_recognised_and_the_sites_are_not() {
        let bare = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 00:00:00 GMT\r\n\r\n";
        assert_eq!(hypers_own_answer(bare), Some((0, 400)));
        let after: Vec<u8> = [&b"...the end of an earlier answer</html>\n"[..], &bare[..]].concat();
        assert_eq!(hypers_own_answer(&after), Some((39, 400)));
        let ours =
            b"HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\nContent-Security-Policy: default-src 'none'\r\n\r\n";
        assert_eq!(hypers_own_answer(ours), None, "the site's answer to HEAD");
        assert_eq!(hypers_own_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"), None);
        assert_eq!(hypers_own_answer(b"a,b\r\n\r\n"), None);
        assert_eq!(hypers_own_answer(b"HTTP/1.1 431 x\r\n\r\nbody\r\n\r\n"), None, "a head then a body");
    }
}
