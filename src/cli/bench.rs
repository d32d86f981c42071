//! `keikaku bench`: the figures of BENCHMARKS.md, measured the same way every time.
//!
//! - per-question latency in-process, over the evaluation questions, many rounds (p50, p99);
//!   the engine alone and the whole `ask --json` path, interleaved in the same run;
//! - cold start to first answer: the binary run as a fresh process, index and dictionary built;
//! - first-run build: dictionary compile and index build into an empty folder;
//! - dictionary load, memory-mapped against read into memory, interleaved;
//! - peak RSS of a process answering every question;
//! - all of it again on a synthetic plan N× larger (`--scales 1,100`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::say;

use crate::answer::ask_json;
use crate::plan::Plan;
use crate::search::{self, Paths, Rebuild};

/// Options of `keikaku bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Questions: a .jsonl file with a "q" field per line, or plain text, one per line.
    #[arg(long, default_value = "tests/eval_public.jsonl")]
    pub questions: PathBuf,
    /// Rounds over all questions for in-process latency.
    #[arg(long, default_value_t = 200)]
    pub rounds: usize,
    /// Fresh processes for cold start.
    #[arg(long, default_value_t = 30)]
    pub cold_runs: usize,
    /// First-run builds (dictionary + index into an empty folder).
    #[arg(long, default_value_t = 5)]
    pub build_runs: usize,
    /// Plan sizes to measure, as multiples of the real plan (1 = the real plan).
    #[arg(long, value_delimiter = ',', default_value = "1,100")]
    pub scales: Vec<usize>,
}

/// Sorted durations and their percentiles.
struct Stats(Vec<Duration>);

impl Stats {
    fn new(mut v: Vec<Duration>) -> Stats {
        v.sort();
        Stats(v)
    }

    fn pct(&self, p: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    fn line(&self) -> String {
        format!(
            "p50 {} · p99 {} · max {} (n={})",
            fmt(self.pct(50.0)),
            fmt(self.pct(99.0)),
            fmt(self.pct(100.0)),
            self.0.len()
        )
    }
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

/// Runs the benchmark and prints a Markdown report.
pub fn run(paths: &Paths, args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let questions = read_questions(&args.questions)?;
    let plan_text = search::read_data_file(&paths.plan_file())?;
    let user = search::read_optional(&paths.data_dir.join(search::USER_DICTIONARY_FILE))?;
    let lexicon = search::Lexicon::load(&paths.data_dir)?;
    let exe = std::env::current_exe().context("finding the keikaku binary")?;
    say!("# keikaku bench\n");
    say!("- machine: {} cores, {}", std::thread::available_parallelism().map_or(0, |n| n.get()), cpu_model());
    say!("- questions: {} from {}\n", questions.len(), args.questions.display());

    for &scale in &args.scales {
        let work = tempfile_dir(&format!("keikaku-bench-x{scale}"))?;
        let data_dir = work.join("data");
        std::fs::create_dir_all(&data_dir)?;
        let text = if scale <= 1 { plan_text.clone() } else { synthetic_plan(&plan_text, scale)? };
        std::fs::write(data_dir.join(search::PLAN_FILE), &text)?;
        std::fs::write(data_dir.join(search::USER_DICTIONARY_FILE), &user)?;
        let lexicon_dir = data_dir.join(search::lexicon::LEXICON_DIR);
        std::fs::create_dir_all(&lexicon_dir)?;
        for name in search::lexicon::FILES {
            std::fs::copy(paths.data_dir.join(search::lexicon::LEXICON_DIR).join(name), lexicon_dir.join(name))?;
        }
        let initiatives = Plan::parse(&text).map(|p| p.initiatives.len()).unwrap_or(0);
        say!("## Plan ×{scale}: {initiatives} initiatives, {} KiB\n", text.len() / 1024);

        // First-run build: dictionary compile + index build into an empty folder.
        let mut dict_times = Vec::new();
        let mut index_times = Vec::new();
        let mut index_dir = work.join("index-0");
        for run in 0..args.build_runs.max(1) {
            index_dir = work.join(format!("index-{run}"));
            let started = Instant::now();
            search::dictionary::ensure_compiled(&index_dir)?;
            dict_times.push(started.elapsed());
            let started = Instant::now();
            search::open_from_text(&text, Path::new("bench"), &user, lexicon.clone(), &index_dir, Rebuild::IfStale)?;
            index_times.push(started.elapsed());
        }
        say!("| measure | figures |\n|---|---|");
        say!("| first run: compile IPADIC | {} |", Stats::new(dict_times).line());
        say!("| first run: parse + index build (+ open) | {} |", Stats::new(index_times).line());

        // Dictionary load, mmap against read, interleaved.
        let compiled = index_dir.join(search::dictionary::COMPILED_DIR);
        let (mut mmap, mut read) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            let t = Instant::now();
            lindera::dictionary::load_fs_dictionary_with_options(&compiled, true)?;
            mmap.push(t.elapsed());
            let t = Instant::now();
            lindera::dictionary::load_fs_dictionary_with_options(&compiled, false)?;
            read.push(t.elapsed());
        }
        say!("| dictionary load, mmap | {} |", Stats::new(mmap).line());
        say!("| dictionary load, read into memory | {} |", Stats::new(read).line());

        // Word vectors: built from the wheel once, then the compact file is read.
        let vectors_file = index_dir.join(search::vectors::COMPILED);
        if vectors_file.is_file() {
            let mut loads = Vec::new();
            let mut builds = Vec::new();
            for n in 0..10 {
                let t = Instant::now();
                std::hint::black_box(search::vectors::Vectors::open(&index_dir)?);
                loads.push(t.elapsed());
                if n < 2 {
                    let t = Instant::now();
                    std::hint::black_box(search::vectors::Vectors::from_wheel(&search::vectors::wheel_path())?);
                    builds.push(t.elapsed());
                }
            }
            say!("| word vectors: read from the wheel (first run) | {} |", Stats::new(builds).line());
            say!("| word vectors: load the compact file | {} |", Stats::new(loads).line());
        } else {
            say!("| word vectors | not available (no wheel) |");
        }

        // Warm open (what every process start pays, index built).
        let mut opens = Vec::new();
        let mut engine = None;
        for _ in 0..10 {
            let t = Instant::now();
            engine = Some(search::open_from_text(
                &text,
                Path::new("bench"),
                &user,
                lexicon.clone(),
                &index_dir,
                Rebuild::IfStale,
            )?);
            opens.push(t.elapsed());
        }
        say!("| open engine in-process (index built) | {} |", Stats::new(opens).line());
        let engine = engine.context("no engine")?;

        // Per-question latency, engine only and the whole --json path, interleaved.
        let (mut bare, mut full) = (Vec::new(), Vec::new());
        for _ in 0..args.rounds {
            for q in &questions {
                let t = Instant::now();
                let o = engine.ask(q);
                bare.push(t.elapsed());
                std::hint::black_box(&o);
                let t = Instant::now();
                let j = ask_json(engine.plan(), &engine.ask(q));
                let s = serde_json::to_string(&j)?;
                full.push(t.elapsed());
                std::hint::black_box(s);
            }
        }
        say!("| per question, engine.ask | {} |", Stats::new(bare).line());
        say!("| per question, ask + card + JSON | {} |", Stats::new(full).line());

        // Long messages: the questions strung together to 100, 1,000 and 4,096 characters.
        let joined: String = questions.join("。");
        for len in [100usize, 1000, 4096] {
            let long: String = joined.chars().cycle().take(len).collect();
            let mut times = Vec::new();
            for _ in 0..(args.rounds / 4).max(20) {
                let t = Instant::now();
                std::hint::black_box(engine.ask(&long));
                times.push(t.elapsed());
            }
            say!("| per question of {len} characters, engine.ask | {} |", Stats::new(times).line());
        }

        // Cold start: a fresh process answering one question.
        let mut cold = Vec::new();
        for n in 0..args.cold_runs {
            let q = &questions[n % questions.len()];
            let t = Instant::now();
            let status = Command::new(&exe)
                .args(["--data-dir"])
                .arg(&data_dir)
                .args(["--index-dir"])
                .arg(&index_dir)
                .args(["ask", "--json", q])
                .stdout(Stdio::null())
                .status()?;
            cold.push(t.elapsed());
            anyhow::ensure!(status.success(), "cold-start run failed");
        }
        say!("| cold start to first answer (process) | {} |", Stats::new(cold).line());

        // Peak RSS of a process answering every question ten times.
        let mut child = Command::new(&exe)
            .args(["--data-dir"])
            .arg(&data_dir)
            .args(["--index-dir"])
            .arg(&index_dir)
            .args(["ask", "--json", "--batch"])
            .env(crate::telemetry::PEAK_RSS_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            for _ in 0..10 {
                for q in &questions {
                    writeln!(stdin, "{q}")?;
                }
            }
        }
        let out = child.wait_with_output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kib =
            stderr.lines().find_map(|l| l.strip_prefix("peak_rss_kib=")).and_then(|v| v.trim().parse::<u64>().ok());
        match kib {
            Some(kib) => say!(
                "| peak RSS, `ask --json --batch` over {} questions | {:.1} MB |\n",
                questions.len() * 10,
                kib as f64 / 1024.0
            ),
            None => say!("| peak RSS | not measured (no /proc) |\n"),
        }
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(ExitCode::SUCCESS)
}

fn read_questions(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if line.trim_start().starts_with('{') {
            let v: serde_json::Value =
                serde_json::from_str(line).with_context(|| format!("a line of {}", path.display()))?;
            if let Some(q) = v.get("q").and_then(|q| q.as_str()) {
                out.push(q.to_string());
            }
        } else {
            out.push(line.trim().to_string());
        }
    }
    anyhow::ensure!(!out.is_empty(), "no questions in {}", path.display());
    Ok(out)
}

fn tempfile_dir(prefix: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// A plan `factor` times larger: every initiative copied `factor` times, copies named
/// 「第N地区 …」, pages renumbered in order, the list tables and details rebuilt to match.
pub fn synthetic_plan(text: &str, factor: usize) -> anyhow::Result<String> {
    let plan = Plan::parse(text)?;
    let lines: Vec<&str> = text.lines().collect();
    // Each initiative's detail block, from its heading to the next one (or the colophon).
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for (n, i) in plan.initiatives.iter().enumerate() {
        let start = i.line - 1;
        let end = match plan.initiatives.get(n + 1) {
            Some(next) => next.line - 1,
            None => lines[start + 1..]
                .iter()
                .position(|l| l.starts_with("## ") && !is_section_heading(l))
                .map_or(lines.len(), |p| start + 1 + p),
        };
        blocks.push(lines[start..end].to_vec());
    }
    let mut out = String::new();
    out.push_str(&format!("# {}（合成 ×{factor}）\n\n", plan.title));
    for l in lines.iter().filter(|l| l.starts_with("<p>")) {
        out.push_str(l);
        out.push('\n');
    }
    let mut page: usize = 15;
    let mut details = String::new();
    for policy in &plan.policies {
        out.push_str(&format!(
            "\n# 基本方針{} 「{}」を実現するための取組\n\n所属\t取組名\t頁\n",
            policy.number, policy.title
        ));
        for copy in 0..factor {
            let prefix = if copy == 0 { String::new() } else { format!("第{copy}地区 ") };
            for (n, i) in plan.initiatives.iter().enumerate().filter(|(_, i)| i.policy == policy.number) {
                anyhow::ensure!(page <= usize::from(u16::MAX), "too many pages for a u16 page number");
                out.push_str(&format!("{}\t{prefix}{}\t<a href=\"#\">{page}</a>\n", i.departments.join("・"), i.title));
                let block = &blocks[n];
                details.push_str(&format!("\n# {prefix}{}\n", i.heading));
                for l in &block[1..] {
                    details.push_str(l);
                    details.push('\n');
                }
                page += 1;
            }
        }
    }
    out.push_str(&details);
    out.push_str("\n## 那須塩原市DX推進戦略アクションプラン\n");
    Ok(out)
}

fn is_section_heading(line: &str) -> bool {
    let name = line.trim_start_matches('#').trim().trim_start_matches('■').trim();
    ["内容", "具体的方法", "期待する効果", "取組期間", "実施スケジュール", "KPI"].contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_plan_parses_with_factor_times_the_initiatives() {
        let text = std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md").unwrap();
        let big = synthetic_plan(&text, 3).unwrap();
        let plan = Plan::parse(&big).unwrap();
        assert_eq!(plan.initiatives.len(), 58 * 3);
        let kpis: usize = plan.initiatives.iter().map(|i| i.kpis.len()).sum();
        let original: usize = Plan::parse(&text).unwrap().initiatives.iter().map(|i| i.kpis.len()).sum();
        assert_eq!(kpis, original * 3);
    }

    #[test]
    fn percentiles_pick_by_rank() {
        let s = Stats::new((1..=100).map(Duration::from_micros).collect());
        assert_eq!(s.pct(50.0), Duration::from_micros(50));
        assert_eq!(s.pct(99.0), Duration::from_micros(99));
    }
}

/// Options of `keikaku bench-bot`.
#[derive(Debug, clap::Args)]
pub struct BenchBotArgs {
    /// Questions: a .jsonl file with a "q" field per line, or plain text, one per line.
    #[arg(long, default_value = "tests/eval_public.jsonl")]
    pub questions: PathBuf,
    /// Simulated chats.
    #[arg(long, default_value_t = 1000)]
    pub chats: usize,
    /// Questions each chat asks, in order.
    #[arg(long, default_value_t = 5)]
    pub per_chat: usize,
    /// Chats for the second run, under Telegram's own rate limits (30 messages/s).
    #[arg(long, default_value_t = 100)]
    pub limited_chats: usize,
}

/// The load benchmark: simulated chats ask questions through the fake Bot API server; the
/// real bot answers. Reports throughput, latency inside the bot (handler start to reply sent)
/// and end to end (update queued to reply received), and checks every question got exactly
/// one reply. Run twice: rate limits relaxed (the bot's capacity), then Telegram's.
pub fn run_bot(paths: &Paths, args: &BenchBotArgs) -> anyhow::Result<ExitCode> {
    use crate::bot::{self, fake::FakeTelegram};
    let questions = read_questions(&args.questions)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    say!("# keikaku bench-bot\n");
    say!("- machine: {} cores, {}", std::thread::available_parallelism().map_or(0, |n| n.get()), cpu_model());
    say!(
        "- questions: {} from {}, public bot, fake Bot API server on 127.0.0.1\n",
        questions.len(),
        args.questions.display()
    );
    say!(
        "| run | replies | wall | throughput | in bot p50 · p99 | end to end p50 · p99 | exactly once |\n|---|---|---|---|---|---|---|"
    );
    let runs = [
        ("limits relaxed (capacity)", args.chats, bot::Limits::relaxed(1_000_000)),
        ("Telegram's limits", args.limited_chats, bot::Limits::default()),
    ];
    for (name, chats, limits) in runs {
        let engine = search::open(paths, Rebuild::IfStale)?;
        let work = tempfile_dir("keikaku-bench-bot")?;
        let app = std::sync::Arc::new(crate::app::App::new(engine, &work.join("keikaku.db")));
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
            anyhow::Ok(format!(
                "| {name}: {chats} chats × {} | {count}/{total} | {:.2} s | {:.0} replies/s | {} · {} | {} · {} | {} |",
                args.per_chat,
                wall.as_secs_f64(),
                count as f64 / wall.as_secs_f64(),
                fmt(inside.pct(50.0)),
                fmt(inside.pct(99.0)),
                fmt(e2e.pct(50.0)),
                fmt(e2e.pct(99.0)),
                if exactly_once { "yes" } else { "NO" }
            ))
        })?;
        say!("{row}");
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(ExitCode::SUCCESS)
}
