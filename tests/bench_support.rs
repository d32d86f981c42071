//! The benchmarks' own helpers (`benches/support/`), tested here because `cargo test` does not
//! build the benchmarks: the synthetic plan they grow the real one into, and the percentiles
//! they report.

#![allow(clippy::unwrap_used)]

#[path = "../benches/support/stats.rs"]
mod stats;
#[path = "../benches/support/synthetic.rs"]
mod synthetic;

use std::time::Duration;

use keikaku::plan::Plan;

#[test]
fn the_synthetic_plan_parses_with_factor_times_the_initiatives() {
    let text = std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md").unwrap();
    let big = synthetic::synthetic_plan(&text, 3).unwrap();
    let plan = Plan::parse(&big).unwrap();
    assert_eq!(plan.initiatives.len(), 58 * 3);
    let kpis: usize = plan.initiatives.iter().map(|i| i.kpis.len()).sum();
    let original: usize = Plan::parse(&text).unwrap().initiatives.iter().map(|i| i.kpis.len()).sum();
    assert_eq!(kpis, original * 3);
}

#[test]
fn percentiles_pick_by_rank() {
    let s = stats::Stats::new((1..=100).map(Duration::from_micros).collect());
    assert_eq!(s.pct(50.0), Duration::from_micros(50));
    assert_eq!(s.pct(99.0), Duration::from_micros(99));
    assert_eq!(stats::fmt(Duration::from_micros(1500)), "1.50 ms");
}
