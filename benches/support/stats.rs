//! Sorted durations and their percentiles, for the benchmarks' reports.
#![allow(dead_code)]

use std::time::Duration;

/// Sorted durations and their percentiles.
pub struct Stats(Vec<Duration>);

impl Stats {
    pub fn new(mut v: Vec<Duration>) -> Stats {
        v.sort();
        Stats(v)
    }

    pub fn pct(&self, p: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    pub fn line(&self) -> String {
        format!(
            "p50 {} · p99 {} · max {} (n={})",
            fmt(self.pct(50.0)),
            fmt(self.pct(99.0)),
            fmt(self.pct(100.0)),
            self.0.len()
        )
    }
}

pub fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}
