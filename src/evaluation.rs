//! The rule that judges an answer to an evaluation question (DESIGN.md), for the tests and
//! benches that score the engine with `tests/eval_*.jsonl`. The sets are not built into the
//! program: what is taught from chat is checked by cross-validating the corpus instead
//! ([`crate::app::App::teach`]), so the sets stay a measure nobody fits to.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::answer::{AskJson, ask_json};
use crate::normalize::normalize;
use crate::search::Engine;

/// One evaluation question and what a right answer is.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// Its id (`k001`, `r012` …).
    pub id: String,
    /// The question.
    pub q: String,
    /// The intent the answer must have (`not_found` for a question the plan does not answer).
    pub intent: String,
    /// The pages it may answer with (for a list, the pages it must cover).
    pub pages: Vec<u16>,
    /// Texts the answer must hold.
    pub must_contain: Vec<String>,
}

/// The cases of a JSON-lines text, or the first line that is not one.
pub fn parse(jsonl: &str) -> Result<Vec<Case>, String> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect()
}

/// Why `answer` is wrong for `case`, or `None` when it is right.
pub fn judge(case: &Case, answer: &AskJson) -> Option<String> {
    if answer.intent != case.intent {
        return Some(format!("intent {} (expected {})", answer.intent, case.intent));
    }
    let pages: Vec<u16> = answer.results.iter().map(|r| r.page).collect();
    match case.intent.as_str() {
        "not_found" => {
            if !pages.is_empty() {
                return Some(format!("results {pages:?} (expected none)"));
            }
        }
        "list" => {
            let missing: Vec<&u16> = case.pages.iter().filter(|p| !pages.contains(p)).collect();
            let inside = pages.iter().filter(|p| case.pages.contains(p)).count();
            if !missing.is_empty() || inside * 2 < pages.len() {
                return Some(format!("list {pages:?} (expected to cover {:?}; missing {missing:?})", case.pages));
            }
        }
        _ => {
            if !pages.first().is_some_and(|p| case.pages.contains(p)) {
                return Some(format!("results {pages:?} (expected first among {:?})", case.pages));
            }
        }
    }
    let text = normalize(&answer.text);
    let missing: Vec<&String> = case.must_contain.iter().filter(|s| !text.contains(&normalize(s))).collect();
    if !missing.is_empty() {
        return Some(format!("text lacks {missing:?}"));
    }
    None
}

/// `engine`'s answer to `case`, and why it is wrong (`None`: right).
pub fn run_case(engine: &Engine, case: &Case) -> (AskJson, Option<String>) {
    let answer = ask_json(engine.plan(), &engine.ask(&case.q));
    let why = judge(case, &answer);
    (answer, why)
}

/// The cases `engine` answers wrongly, by id, with why.
pub fn failures(engine: &Engine, cases: &[Case]) -> BTreeMap<String, String> {
    cases.iter().filter_map(|c| run_case(engine, c).1.map(|why| (c.id.clone(), why))).collect()
}
