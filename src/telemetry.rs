//! Logging: tracing to stderr, filtered by `KEIKAKU_LOG` (or `RUST_LOG`), warnings by default.

/// Installs the subscriber. Safe to call once per process.
pub fn init() {
    use std::io::IsTerminal;
    let filter = std::env::var("KEIKAKU_LOG").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colours only for a person at a terminal: in a file or the journal the escape codes
        // are noise that breaks grep.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// The environment variable that makes the binary print its peak resident memory on exit
/// (used by `keikaku bench` to measure a child process).
pub const PEAK_RSS_ENV: &str = "KEIKAKU_REPORT_PEAK_RSS";

/// Peak resident set size of this process in KiB (Linux), from /proc/self/status.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Prints `peak_rss_kib=N` to stderr when [`PEAK_RSS_ENV`] is set.
pub fn report_peak_rss() {
    if std::env::var_os(PEAK_RSS_ENV).is_some()
        && let Some(kib) = peak_rss_kib()
    {
        eprintln!("peak_rss_kib={kib}");
    }
}
