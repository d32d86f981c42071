//! The evaluation sets (`tests/eval_public.jsonl` and `tests/eval_residents.jsonl`, copied
//! from shared/eval) run through the
//! same code path as `ask --json`, scored by the rule of DESIGN.md ([`keikaku::evaluation`]).
//! Prints the score and every failing case; fails below 95%.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use keikaku::answer::ask_json;
use keikaku::evaluation::{self, Case};
use keikaku::search::{self, Paths, Rebuild};

mod common;

/// Runs every case of `jsonl`; returns the score in percent, printing failures.
fn run(name: &str, jsonl: &str) -> f64 {
    let cases: Vec<Case> = evaluation::parse(jsonl).expect("well-formed eval cases");
    let paths = Paths { data_dir: "data".into(), index_dir: common::index_dir() };
    let engine = search::open(&paths, Rebuild::IfStale).expect("the engine opens");
    let mut failures = Vec::new();
    for case in &cases {
        if let (answer, Some(why)) = evaluation::run_case(&engine, case) {
            failures.push(format!("{} 「{}」: {why}\n{}", case.id, case.q, answer.text));
        }
    }
    let passed = cases.len() - failures.len();
    let score = 100.0 * passed as f64 / cases.len() as f64;
    println!("evaluation {name}: {passed}/{} passed ({score:.1}%)", cases.len());
    for f in &failures {
        println!("FAIL {f}");
    }
    score
}

/// The floors of the shared sets since understanding is learned from the corpus (README,
/// "Evaluation"): the phrase rules written for single questions of these sets are retired,
/// and the sets are a regression floor, not the target — unseen questions are.
const SHARED_FLOOR: f64 = 90.0;

#[test]
fn the_public_evaluation_set_passes_at_the_floor() {
    let score = run("public", include_str!("eval_public.jsonl"));
    assert!(score >= SHARED_FLOOR, "evaluation score {score:.1}% is below {SHARED_FLOOR}%");
}

/// The residents' set: everyday words, kana and romaji, IME slips, KPI figures, combined
/// filters, long messages, and questions the plan does not answer.
#[test]
fn the_residents_evaluation_set_passes_at_the_floor() {
    let score = run("residents", include_str!("eval_residents.jsonl"));
    assert!(score >= SHARED_FLOOR, "evaluation score {score:.1}% is below {SHARED_FLOOR}%");
}

/// No not-found case of the shared sets is answered with a card: a question the plan does
/// not answer gets 「見つかりませんでした」, or at most candidates to choose from (the safe
/// answer when unsure), never one initiative as if it were the answer.
#[test]
fn out_of_plan_questions_stay_honest() {
    for jsonl in [include_str!("eval_public.jsonl"), include_str!("eval_residents.jsonl")] {
        let cases = evaluation::parse(jsonl).unwrap();
        let paths = Paths { data_dir: "data".into(), index_dir: common::index_dir() };
        let engine = search::open(&paths, Rebuild::IfStale).expect("the engine opens");
        for case in cases.iter().filter(|c| c.intent == "not_found") {
            let answer = ask_json(engine.plan(), &engine.ask(&case.q));
            assert!(
                answer.intent == "not_found" || answer.ambiguous,
                "{} 「{}」 was answered with a card: {}",
                case.id,
                case.q,
                answer.text
            );
        }
    }
}

/// Our own paraphrases, written apart from the public set, to keep us honest about
/// questions phrased in other ways.
#[test]
fn our_paraphrase_set_passes_at_85_percent_or_more() {
    let score = run("paraphrase", include_str!("eval_paraphrase.jsonl"));
    assert!(score >= 85.0, "paraphrase score {score:.1}% is below 85%");
}

/// Every line of the sets parses, and no set is built into the program: what is taught is
/// checked by cross-validating the corpus, never against these questions. (A set built in
/// holds its first and last questions; a question quoted alone in `src/` or `data/` is
/// what `tests/corpus.rs` looks for.)
#[test]
fn the_sets_parse_and_stay_out_of_the_binary() {
    let sets = [
        include_str!("eval_public.jsonl"),
        include_str!("eval_residents.jsonl"),
        include_str!("eval_paraphrase.jsonl"),
    ];
    let binary = std::fs::read(env!("CARGO_BIN_EXE_keikaku")).unwrap();
    let binary = String::from_utf8_lossy(&binary);
    let mut total = 0;
    for set in sets {
        let cases: Vec<Case> = evaluation::parse(set).unwrap();
        total += cases.len();
        for case in [cases.first(), cases.last()].into_iter().flatten() {
            assert!(!binary.contains(case.q.as_str()), "the program holds {} 「{}」", case.id, case.q);
        }
    }
    assert!(total > 250, "{total} cases");
}
