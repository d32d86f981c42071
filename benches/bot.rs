//! `cargo bench --bench bot`: the load benchmark of BENCHMARKS.md — simulated chats ask
//! questions through the fake Bot API server on 127.0.0.1; the real bot answers.
//!
//! Options after `--`: `cargo bench --bench bot -- --chats 200`.

#![allow(clippy::unwrap_used)]

#[path = "../tests/support/fake_telegram.rs"]
mod fake;
mod support;

use std::time::{Duration, Instant};

use clap::Parser;

use fake::FakeTelegram;
use keikaku::bot;
use keikaku::search::{self, Paths, Rebuild};
use support::{Stats, fmt, read_questions, tempfile_dir};

/// Options of the bot benchmark.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    common: support::Common,
    /// Simulated chats.
    #[arg(long, default_value_t = 1000)]
    chats: usize,
    /// Questions each chat asks, in order.
    #[arg(long, default_value_t = 5)]
    per_chat: usize,
    /// Chats for the second run, under Telegram's own rate limits (30 messages/s).
    #[arg(long, default_value_t = 100)]
    limited_chats: usize,
    /// Look for changed data files this often (milliseconds), as a served bot does every
    /// 10 s; never when left out.
    #[arg(long, value_name = "MS")]
    reload_every_ms: Option<u64>,
    /// Instead of the two runs: the capacity run this many times with the question log and
    /// 👍 / 👎 and as many without, alternated, and the two medians compared.
    #[arg(long, value_name = "ROUNDS")]
    compare_log: Option<usize>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    run(&args.common.paths(), &args)
}

/// The load benchmark: simulated chats ask questions through the fake Bot API server; the
/// real bot answers. Reports throughput, latency inside the bot (handler start to reply sent)
/// and end to end (update queued to reply received), and checks every question got exactly
/// one reply. Run twice: rate limits relaxed (the bot's capacity), then Telegram's.
fn run(paths: &Paths, args: &Args) -> anyhow::Result<()> {
    let questions = read_questions(&args.common.questions)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    say!("# keikaku bench-bot\n");
    say!("- machine: {}", support::machine());
    say!(
        "- questions: {} from {}, public bot, fake Bot API server on 127.0.0.1\n",
        questions.len(),
        args.common.questions.display()
    );
    if let Some(ms) = args.reload_every_ms {
        say!("- looking for changed data files every {ms} ms\n");
    }
    say!(
        "| run | replies | wall | throughput | in bot p50 · p99 | end to end p50 · p99 | exactly once |\n|---|---|---|---|---|---|---|"
    );
    let runs = [
        ("limits relaxed (capacity)", args.chats, bot::Limits::relaxed(1_000_000)),
        ("Telegram's limits", args.limited_chats, bot::Limits::default()),
    ];
    if let Some(rounds) = args.compare_log {
        let mut with = Vec::new();
        let mut without = Vec::new();
        for _ in 0..rounds {
            for log in [true, false] {
                let name = if log { "with log and 👍/👎" } else { "without" };
                let run =
                    one_run(&runtime, paths, args, &questions, name, args.chats, bot::Limits::relaxed(1_000_000), log)?;
                say!("{}", run.row);
                if log { with.push(run.throughput) } else { without.push(run.throughput) }
            }
        }
        let (with, without) = (median(&mut with), median(&mut without));
        say!(
            "\nmedian throughput: with the log {with:.0} replies/s, without {without:.0} replies/s: the log costs {:.1}%",
            100.0 * (without - with) / without
        );
        return Ok(());
    }
    for (name, chats, limits) in runs {
        let run = one_run(&runtime, paths, args, &questions, name, chats, limits, true)?;
        say!("{}", run.row);
    }
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// One run's table row and its throughput.
struct Run {
    row: String,
    throughput: f64,
}

/// One run: `chats` chats each asking `per_chat` questions at once, under `limits`, with or
/// without the question log.
#[allow(clippy::too_many_arguments)]
fn one_run(
    runtime: &tokio::runtime::Runtime,
    paths: &Paths,
    args: &Args,
    questions: &[String],
    name: &str,
    chats: usize,
    limits: bot::Limits,
    log: bool,
) -> anyhow::Result<Run> {
    let engine = search::open(paths, Rebuild::IfStale)?;
    let work = tempfile_dir("keikaku-bench-bot")?;
    let app = keikaku::app::App::new(engine, &work.join("keikaku.db")).with_source(paths.clone());
    let app = std::sync::Arc::new(if log { app } else { app.without_question_log() });
    // A served bot has its database (the roster, the actuals); without one, answers would
    // skip reading the actuals, and a variant that creates it (the log) would look slower.
    drop(app.store()?);
    let row = runtime.block_on(async {
        let fake = FakeTelegram::start().await?;
        let probe: bot::Probe = std::sync::Arc::default();
        let config = bot::Config {
            mode: bot::Mode::Public,
            token: "1:BENCH".into(),
            api_url: Some(fake.url().parse()?),
            poll_timeout: Duration::from_secs(1),
            limits,
            probe: Some(probe.clone()),
            reload_every: args.reload_every_ms.map(Duration::from_millis),
            // Every question of the run is answered: no chat's backlog is cut.
            delivery: bot::Delivery {
                per_chat: args.per_chat.max(bot::Delivery::default().per_chat),
                ..Default::default()
            },
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(bot::run(config, app, async move {
            let _ = stop_rx.await;
        }));
        fake.wait_for(Duration::from_secs(30), |c| c.iter().any(|c| c.method == "setMyCommands")).await;
        let total = chats * args.per_chat;
        let started = Instant::now();
        let mut asked: std::collections::HashMap<i64, Vec<Instant>> = std::collections::HashMap::new();
        for round in 0..args.per_chat {
            for chat in 0..chats {
                let id = 100_000 + chat as i64;
                asked.entry(id).or_default().push(Instant::now());
                fake.message(id, &questions[(chat + round) % questions.len()]);
            }
        }
        let calls = fake
            .wait_for(Duration::from_secs(900), |c| c.iter().filter(|c| c.method == "sendMessage").count() >= total)
            .await;
        let wall = started.elapsed();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let calls = if calls.len() < fake.calls().len() { fake.calls() } else { calls };
        let _ = stop_tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        let mut replies: std::collections::HashMap<i64, Vec<Instant>> = std::collections::HashMap::new();
        for c in calls.iter().filter(|c| c.method == "sendMessage") {
            if let Some(chat) = c.chat_id() {
                replies.entry(chat).or_default().push(c.at);
            }
        }
        let exactly_once = asked.iter().all(|(chat, a)| replies.get(chat).is_some_and(|r| r.len() == a.len()));
        let mut e2e = Vec::new();
        for (chat, times) in &asked {
            if let Some(r) = replies.get(chat) {
                e2e.extend(times.iter().zip(r).map(|(a, b)| b.saturating_duration_since(*a)));
            }
        }
        let inside = Stats::new(probe.lock().map(|v| v.clone()).unwrap_or_default());
        let e2e = Stats::new(e2e);
        let count: usize = replies.values().map(Vec::len).sum();
        let throughput = count as f64 / wall.as_secs_f64();
        anyhow::Ok((
            throughput,
            format!(
                "| {name}: {chats} chats × {} | {count}/{total} | {:.2} s | {:.0} replies/s | {} · {} | {} · {} | {} |",
                args.per_chat,
                wall.as_secs_f64(),
                throughput,
                fmt(inside.pct(50.0)),
                fmt(inside.pct(99.0)),
                fmt(e2e.pct(50.0)),
                fmt(e2e.pct(99.0)),
                if exactly_once { "yes" } else { "NO" }
            ),
        ))
    })?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(Run { row: row.1, throughput: row.0 })
}
