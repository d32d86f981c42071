//! The evaluation questions shipped with keikaku (`tests/eval_*.jsonl`) and the rule that
//! judges an answer to one (DESIGN.md): the tests score the engine with them, and a word
//! taught from chat is checked against them before it is kept ([`crate::teach`]).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::answer::{AskJson, ask_json};
use crate::normalize::normalize;
use crate::search::Engine;

/// The shipped sets: their names and texts, built into the program so that a deployed bot
/// checks with the same questions as the tests.
pub const SHIPPED: [(&str, &str); 3] = [
    ("public", include_str!("../tests/eval_public.jsonl")),
    ("residents", include_str!("../tests/eval_residents.jsonl")),
    ("paraphrase", include_str!("../tests/eval_paraphrase.jsonl")),
];

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

/// Every shipped case, parsed once.
pub fn shipped() -> &'static [Case] {
    static CASES: std::sync::OnceLock<Vec<Case>> = std::sync::OnceLock::new();
    // The sets are built in and checked by the tests: a malformed one cannot ship.
    CASES.get_or_init(|| SHIPPED.iter().flat_map(|(_, text)| parse(text).unwrap_or_default()).collect())
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

/// A case one engine answered rightly and another does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The case's id.
    pub id: String,
    /// Its question.
    pub question: String,
    /// What is wrong now.
    pub why: String,
}

/// The cases `before` answers rightly and `after` does not.
pub fn broken_by(before: &Engine, after: &Engine, cases: &[Case]) -> Vec<Broken> {
    let was_wrong = failures(before, cases);
    cases
        .iter()
        .filter(|c| !was_wrong.contains_key(&c.id))
        .filter_map(|c| run_case(after, c).1.map(|why| Broken { id: c.id.clone(), question: c.q.clone(), why }))
        .collect()
}
