//! `cargo bench --bench web_clients`: what a request costs the progress site when many
//! different clients come in a minute (issue 18: behind a proxy, past about 100,000 client
//! addresses in a minute the median went from 3 ms to 111 ms). Each run sends the same
//! number of requests from 1,000 and from 200,000 distinct addresses:
//!
//! 1. over loopback, as the issue measured: the site trusts its "proxy"
//!    (`KEIKAKU_WEB_TRUST_PROXY`) and each `GET /healthz` names its client in
//!    `X-Forwarded-For`; a few kept-alive connections send the requests in turn; the figure
//!    is each request's round trip. The rate limit is set so that nobody is refused and no
//!    bucket is forgotten during the run (a burst of a million, 20 a second): the limiter
//!    then holds every address it has seen, its hardest case.
//! 2. the limiter alone, over a simulated minute, timed in batches of 1,000 calls: as served
//!    (60 at once, 20 a second) and with nothing forgotten; and, for comparison, the limiter
//!    of issue 11 holding the clients of that minute (1,000 calls, timed in batches of 10:
//!    past 100,000 clients it sweeps its whole map on every call).
//!
//! Options after `--`: `cargo bench --bench web_clients -- --requests 200000 --connections 4`.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use keikaku::web::limit::{ClientKey, Limiter};
use support::{Stats, fmt, tempfile_dir};

/// Options of the many-clients benchmark.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    common: support::Common,
    /// Requests in each run (each of the 200,000 addresses once, by default).
    #[arg(long, default_value_t = 200_000)]
    requests: usize,
    /// Kept-alive connections sending them.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Runs of each address count, alternating (a busy machine shows as runs that differ).
    #[arg(long, default_value_t = 2)]
    rounds: usize,
}

const FEW: usize = 1_000;
const MANY: usize = 200_000;

/// The `n`th client address: 10.0.0.0 onwards.
fn address(n: usize) -> Ipv4Addr {
    Ipv4Addr::from(0x0A00_0000 + u32::try_from(n).unwrap())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let work = tempfile_dir("keikaku-bench-web-clients")?;
    let engine = keikaku::search::open(&args.common.paths(), keikaku::search::Rebuild::IfStale)?;
    let app = Arc::new(keikaku::app::App::new(engine, &work.join("keikaku.db")).without_question_log());
    say!("# keikaku bench: the site with many clients\n");
    say!("- machine: {}", support::machine());
    say!("- {} requests a run, {} kept-alive connections\n", args.requests, args.connections);

    say!(
        "| over 127.0.0.1, `GET /healthz` with `X-Forwarded-For` | wall | requests/s | round trip p50 · p99 | not 200 |"
    );
    say!("|---|---|---|---|---|");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut medians: HashMap<usize, Vec<Duration>> = HashMap::new();
    for round in 0..args.rounds {
        for clients in [FEW, MANY] {
            let (wall, stats, refused) = runtime.block_on(over_loopback(&app, &args, clients))?;
            medians.entry(clients).or_default().push(stats.pct(50.0));
            say!(
                "| round {}, {clients} addresses | {:.1} s | {:.0} | {} · {} | {refused} |",
                round + 1,
                wall.as_secs_f64(),
                args.requests as f64 / wall.as_secs_f64(),
                fmt(stats.pct(50.0)),
                fmt(stats.pct(99.0))
            );
        }
    }
    let best = |n: usize| medians[&n].iter().min().copied().unwrap_or_default();
    say!(
        "\nMedian, best run of each: {} with {FEW} addresses, {} with {MANY} ({:.2}×).\n",
        fmt(best(FEW)),
        fmt(best(MANY)),
        best(MANY).as_secs_f64() / best(FEW).as_secs_f64().max(1e-9)
    );

    say!(
        "| the limiter alone, {} calls over a simulated minute | per call: p50 · p99 | remembered at the end |",
        args.requests
    );
    say!("|---|---|---|");
    for clients in [FEW, MANY] {
        let served = Limiter::new(60.0, 20.0);
        let (stats, _) = alone(args.requests, clients, 1000, Instant::now(), |key, at| served.allow_at(key, at));
        say!(
            "| as served, {clients} addresses | {} · {} | {} |",
            nanos(stats.pct(50.0)),
            nanos(stats.pct(99.0)),
            served.remembered()
        );
        let all = Limiter::new(1e6, 20.0);
        let (stats, _) = alone(args.requests, clients, 1000, Instant::now(), |key, at| all.allow_at(key, at));
        say!(
            "| nothing forgotten, {clients} addresses | {} · {} | {} |",
            nanos(stats.pct(50.0)),
            nanos(stats.pct(99.0)),
            all.remembered()
        );
        // Holding the minute's clients already (filled directly: through it, that alone
        // would take hours), then 1,000 calls.
        let start = Instant::now();
        let old = std::sync::Mutex::new(
            (0..clients).map(|n| (ClientKey::of(IpAddr::V4(address(n))), (60.0, start))).collect::<HashMap<_, _>>(),
        );
        let (stats, _) = alone(1000, clients, 10, start, |key, at| issue_11_limiter(&old, key, at));
        say!(
            "| issue 11's limiter, {clients} addresses (1,000 calls) | {} · {} | {} |",
            nanos(stats.pct(50.0)),
            nanos(stats.pct(99.0)),
            old.lock().unwrap().len()
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// One run over loopback: the wall time, each request's round trip, and how many were not
/// answered 200.
async fn over_loopback(
    app: &Arc<keikaku::app::App>,
    args: &Args,
    clients: usize,
) -> anyhow::Result<(Duration, Stats, usize)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let at = listener.local_addr()?;
    let config = keikaku::web::Config {
        trust_proxy: true,
        burst: 1e6,
        per_sec: 20.0,
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(60),
        ..keikaku::web::Config::at(at)
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let site_app = Arc::clone(app);
    let server = tokio::spawn(async move {
        keikaku::web::serve_on(listener, &config, site_app, async move {
            let _ = stop_rx.await;
        })
        .await
    });
    let started = Instant::now();
    let mut tasks = Vec::new();
    for connection in 0..args.connections {
        let (requests, connections) = (args.requests, args.connections);
        tasks.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(at).await?;
            stream.set_nodelay(true)?;
            let (mut times, mut refused, mut buf) = (Vec::new(), 0usize, vec![0u8; 4096]);
            for n in (connection..requests).step_by(connections) {
                let request = format!(
                    "GET /healthz HTTP/1.1\r\nHost: keikaku.example.jp\r\nX-Forwarded-For: {}\r\n\r\n",
                    address(n % clients)
                );
                let t = Instant::now();
                stream.write_all(request.as_bytes()).await?;
                let mut got = Vec::new();
                // Every answer of /healthz ends with its body: "ok", or the 429 page's end.
                while !(got.ends_with(b"\r\n\r\nok") || got.ends_with(b"</html>\n")) {
                    let read = stream.read(&mut buf).await?;
                    anyhow::ensure!(read > 0, "the site closed a connection");
                    got.extend_from_slice(&buf[..read]);
                }
                times.push(t.elapsed());
                if !got.starts_with(b"HTTP/1.1 200 ") {
                    refused += 1;
                }
            }
            anyhow::Ok((times, refused))
        }));
    }
    let (mut times, mut refused) = (Vec::with_capacity(args.requests), 0);
    for task in tasks {
        let (t, r) = task.await??;
        times.extend(t);
        refused += r;
    }
    let wall = started.elapsed();
    let _ = stop_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    Ok((wall, Stats::new(times), refused))
}

/// Below a microsecond in nanoseconds (the limiter's own scale), else as the other benches.
fn nanos(d: Duration) -> String {
    if d < Duration::from_micros(1) { format!("{} ns", d.as_nanos()) } else { fmt(d) }
}

/// `requests` calls of `allow` spread evenly over the simulated minute from `start`, from
/// `clients` addresses in turn; the cost of a call, from batches of `batch`, and how many
/// were allowed.
fn alone(
    requests: usize,
    clients: usize,
    batch: usize,
    start: Instant,
    allow: impl Fn(ClientKey, Instant) -> bool,
) -> (Stats, usize) {
    let keys: Vec<ClientKey> = (0..clients).map(|n| ClientKey::of(IpAddr::V4(address(n)))).collect();
    let step = Duration::from_secs(60) / u32::try_from(requests.max(1)).unwrap();
    let (mut batches, mut allowed) = (Vec::new(), 0);
    for first in (0..requests).step_by(batch) {
        let last = (first + batch).min(requests);
        let t = Instant::now();
        for n in first..last {
            allowed += usize::from(allow(keys[n % clients], start + step * u32::try_from(n).unwrap()));
        }
        batches.push(t.elapsed() / u32::try_from(last - first).unwrap());
    }
    (Stats::new(batches), allowed)
}

/// The limiter the site had before issue 18, for comparison: one map under one lock,
/// swept whole on every request once it holds more than 100,000 clients.
fn issue_11_limiter(
    buckets: &std::sync::Mutex<HashMap<ClientKey, (f64, Instant)>>,
    key: ClientKey,
    now: Instant,
) -> bool {
    let mut buckets = buckets.lock().unwrap();
    if buckets.len() > 100_000 {
        buckets.retain(|_, (_, at)| now.duration_since(*at) < Duration::from_secs(60));
    }
    let (tokens, at) = buckets.entry(key).or_insert((60.0, now));
    *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * 20.0).min(60.0);
    *at = now;
    if *tokens >= 1.0 {
        *tokens -= 1.0;
        true
    } else {
        false
    }
}
