//! `cargo bench --bench web`: the progress site — how long each kind of page takes to render
//! in process, and how many requests a second the server answers on loopback with many
//! clients at once (the per-client rate limit and connection cap lifted: the clients all come
//! from 127.0.0.1).
//!
//! Options after `--`: `cargo bench --bench web -- --rounds 200 --clients 64 --seconds 5`.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;

use keikaku::actuals::{Role, Staff};
use keikaku::search::{self, Rebuild};
use keikaku::web::pages;
use support::{Stats, tempfile_dir};

/// Renders one page.
type Render<'a> = Box<dyn Fn() -> String + 'a>;

/// Options of the site benchmark.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    common: support::Common,
    /// Renders of each page kind, in process.
    #[arg(long, default_value_t = 300)]
    rounds: usize,
    /// Clients requesting at once.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// How long each load run lasts.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let work = tempfile_dir("keikaku-bench-web")?;
    let engine = search::open(&args.common.paths(), Rebuild::IfStale)?;
    let app = keikaku::app::App::new(engine, &work.join("keikaku.db")).without_question_log();
    // Some actuals, as a served site has.
    {
        let mut store = app.store()?;
        let plan = app.plan();
        store.add_staff(
            &plan,
            None,
            &Staff { telegram_id: 1, name: "管理者".into(), role: Role::Admin, departments: vec![] },
        )?;
        for (i, k, v) in
            [("どこでも窓口", "搭載手続数", "92件"), ("漏水", "発生件数", "230件"), ("書庫", "箱数", "12%")]
        {
            let resolved = app.resolve_parts(i, k, "R8", v);
            let _ = store.report(&plan, 1, "bench", resolved, "bench")?;
        }
    }
    let app = Arc::new(app);
    say!("# keikaku bench: the progress site\n");
    say!("- machine: {}\n", support::machine());

    // In process: each page kind rendered `rounds` times (the actuals read, as a request does).
    let plan = app.plan();
    let year = app.today();
    let mut rows: Vec<(String, Vec<Duration>)> = Vec::new();
    let kinds: [(&str, Render); 5] = [
        ("top page", Box::new(|| pages::top(&plan, &app.actuals().unwrap().unwrap_or_default(), year))),
        (
            "initiative page (p.18, a KPI and its chart)",
            Box::new(|| {
                let i = plan.initiative(18).unwrap();
                pages::initiative(&plan, i, &app.actuals().unwrap().unwrap_or_default(), year)
            }),
        ),
        (
            "initiative page (p.42, two KPIs)",
            Box::new(|| {
                let i = plan.initiative(42).unwrap();
                pages::initiative(&plan, i, &app.actuals().unwrap().unwrap_or_default(), year)
            }),
        ),
        (
            "policy page (基本方針2, 26 initiatives)",
            Box::new(|| {
                let of: Vec<_> = plan.initiatives.iter().filter(|i| i.policy == 2).collect();
                pages::list(&plan, "基本方針2", "", &of, &app.actuals().unwrap().unwrap_or_default(), year)
            }),
        ),
        (
            "search 「どこでも窓口のKPI」 (the engine's answer as HTML)",
            Box::new(|| {
                let (_, card, _) = app.answer("どこでも窓口のKPI", None, keikaku::app::Audience::Public).unwrap();
                pages::search(&plan, "どこでも窓口のKPI", Some(&card))
            }),
        ),
    ];
    for (name, render) in &kinds {
        let _ = render();
        let mut times = Vec::with_capacity(args.rounds);
        for _ in 0..args.rounds {
            let started = Instant::now();
            std::hint::black_box(render());
            times.push(started.elapsed());
        }
        rows.push((name.to_string(), times));
    }
    say!("| page, rendered in process ({} times) | figures |\n|---|---|", args.rounds);
    for (name, times) in rows {
        say!("| {name} | {} |", Stats::new(times).line());
    }

    // Over loopback: `clients` keep requesting for `seconds`.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        // All the clients are 127.0.0.1: the per-client rate and connection cap are lifted.
        let config = keikaku::web::Config {
            burst: 1e12,
            per_sec: 1e12,
            max_connections: usize::MAX,
            ..keikaku::web::Config::at(listener.local_addr()?)
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let site_app = Arc::clone(&app);
        let server = tokio::spawn(async move {
            keikaku::web::serve_on(listener, &config, site_app, async move {
                let _ = stop_rx.await;
            })
            .await
        });
        say!("\n| {} clients for {} s on 127.0.0.1 | requests | requests/s | latency p50 · p99 | errors |\n|---|---|---|---|---|", args.clients, args.seconds);
        for path in ["/initiatives/18", "/", "/search?q=%E3%81%A9%E3%81%93%E3%81%A7%E3%82%82%E7%AA%93%E5%8F%A3%E3%81%AEKPI"] {
            let done = Arc::new(AtomicBool::new(false));
            let mut tasks = Vec::new();
            let started = Instant::now();
            for _ in 0..args.clients {
                let (url, done) = (format!("{base}{path}"), Arc::clone(&done));
                tasks.push(tokio::spawn(async move {
                    let http = reqwest::Client::new();
                    let (mut times, mut errors) = (Vec::new(), 0usize);
                    while !done.load(Ordering::Relaxed) {
                        let t = Instant::now();
                        match http.get(&url).send().await {
                            Ok(r) if r.status().is_success() => {
                                let _ = r.bytes().await;
                                times.push(t.elapsed());
                            }
                            _ => errors += 1,
                        }
                    }
                    (times, errors)
                }));
            }
            tokio::time::sleep(Duration::from_secs(args.seconds)).await;
            done.store(true, Ordering::Relaxed);
            let (mut times, mut errors) = (Vec::new(), 0);
            for t in tasks {
                let (t, e) = t.await?;
                times.extend(t);
                errors += e;
            }
            let wall = started.elapsed().as_secs_f64();
            let n = times.len();
            let stats = Stats::new(times);
            say!(
                "| `{}` | {n} | {:.0} | {} · {} | {errors} |",
                path.split('?').next().unwrap_or(path),
                n as f64 / wall,
                support::fmt(stats.pct(50.0)),
                support::fmt(stats.pct(99.0))
            );
        }
        let _ = stop_tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        anyhow::Ok(())
    })?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
