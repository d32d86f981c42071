//! `cargo bench --bench line`: the LINE webhook under load — many clients post signed
//! events at once to the real webhook server (127.0.0.1), which answers through the fake
//! LINE API. Measures how fast events are accepted (the webhook's 200) and the response
//! time, then how long until every event is answered, exactly once.
//!
//! Options after `--`: `cargo bench --bench line -- --events 5000 --clients 50`.

#![allow(clippy::unwrap_used)]

#[path = "../tests/support/fake_line.rs"]
mod fake_line;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;

use fake_line::{FakeLine, SECRET, TOKEN};
use keikaku::search::{self, Rebuild};
use support::{Stats, fmt, read_questions, tempfile_dir};

/// Options of the LINE benchmark.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    common: support::Common,
    /// Events in all, one a request.
    #[arg(long, default_value_t = 5000)]
    events: usize,
    /// Clients posting at once.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Different users the events come from.
    #[arg(long, default_value_t = 1000)]
    users: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let questions = read_questions(&args.common.questions)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let engine = search::open(&args.common.paths(), Rebuild::IfStale)?;
    let work = tempfile_dir("keikaku-bench-line")?;
    let app = keikaku::app::App::new(engine, &work.join("keikaku.db"));
    drop(app.store()?);
    let app = Arc::new(app);
    say!("# keikaku bench: LINE webhook\n");
    say!("- machine: {}", support::machine());
    say!(
        "- {} events (one text a request) from {} users, {} clients at once, {} questions from {}\n",
        args.events,
        args.users,
        args.clients,
        questions.len(),
        args.common.questions.display()
    );
    runtime.block_on(async {
        let fake = FakeLine::start().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let webhook = format!("http://{}/line/webhook", listener.local_addr()?);
        let probe: keikaku::bot::Probe = Arc::default();
        let config = keikaku::line::Config {
            secret: SECRET.into(),
            token: TOKEN.into(),
            api_url: fake.url(),
            data_api_url: fake.url(),
            listen: listener.local_addr()?,
            path: "/line/webhook".into(),
            per_sec: 1_000_000,
            max_body: 1 << 20,
            api_timeout: keikaku::line::api::TIMEOUT,
            reload_every: None,
            probe: Some(probe.clone()),
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(keikaku::line::serve_on(listener, config, app, async move {
            let _ = stop_rx.await;
        }));
        // The signed bodies are made before the clock starts: LINE makes them, not us.
        let bodies: Vec<(String, Vec<u8>)> = (0..args.events)
            .map(|n| {
                let user = format!("U{:032x}", n % args.users);
                let event = fake.text(&user, &format!("bench-{n}"), &questions[n % questions.len()]);
                let body = serde_json::to_vec(&serde_json::json!({"destination": "Ubot", "events": [event]})).unwrap();
                (keikaku::line::signature::sign(SECRET, &body), body)
            })
            .collect();
        let bodies = Arc::new(bodies);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let mut clients = Vec::new();
        for _ in 0..args.clients {
            let (bodies, next, webhook) = (Arc::clone(&bodies), Arc::clone(&next), webhook.clone());
            clients.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut times = Vec::new();
                let mut accepted = 0usize;
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((signature, body)) = bodies.get(n) else { break };
                    let sent = Instant::now();
                    let status = http
                        .post(&webhook)
                        .header("Content-Type", "application/json")
                        .header("X-Line-Signature", signature)
                        .body(body.clone())
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0);
                    times.push(sent.elapsed());
                    accepted += usize::from(status == 200);
                }
                (times, accepted)
            }));
        }
        let mut times = Vec::new();
        let mut accepted = 0;
        for c in clients {
            let (t, a) = c.await?;
            times.extend(t);
            accepted += a;
        }
        let accepting = started.elapsed();
        let deadline = Instant::now() + Duration::from_secs(300);
        while fake.delivered_count() < args.events && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let answering = started.elapsed();
        let delivered = fake.delivered();
        let exactly_once = delivered.len() == args.events && fake.refused().is_empty();
        let response = Stats::new(times);
        let inside = Stats::new(probe.lock().map(|v| v.clone()).unwrap_or_default());
        say!("| measure | figures |\n|---|---|");
        say!(
            "| accepted (200) | {accepted}/{} in {:.2} s: {:.0} events/s |",
            args.events,
            accepting.as_secs_f64(),
            accepted as f64 / accepting.as_secs_f64()
        );
        say!("| webhook response time | {} |", response.line());
        say!(
            "| answered (replies LINE took) | {}/{} in {:.2} s: {:.0} answers/s; exactly once: {} |",
            delivered.len(),
            args.events,
            answering.as_secs_f64(),
            delivered.len() as f64 / answering.as_secs_f64(),
            if exactly_once { "yes" } else { "NO" }
        );
        say!("| event handling (answer + reply) p50 · p99 | {} · {} |", fmt(inside.pct(50.0)), fmt(inside.pct(99.0)));
        let _ = stop_tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(30), server).await;
        anyhow::Ok(())
    })?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
