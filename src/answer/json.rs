//! The `ask --json` object, as DESIGN.md fixes it.

use serde::Serialize;

use super::{Extras, card_with, render_text};
use crate::plan::Plan;
use crate::search::{Hit, Outcome};

/// One initiative in `results` or `suggestions`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResultJson {
    /// Its page.
    pub page: u16,
    /// Its list title.
    pub title: String,
    /// Its departments.
    pub department: Vec<String>,
    /// Its score (higher is better), rounded to 0.1.
    pub score: f32,
}

/// The whole answer of `ask --json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AskJson {
    /// The question as asked.
    pub question: String,
    /// overview, kpi, contents, methods, effects, period, schedule, department, list, not_found.
    pub intent: String,
    /// True when several initiatives fit equally.
    pub ambiguous: bool,
    /// The answer's initiatives, in rank order (for `list`, the whole list).
    pub results: Vec<ResultJson>,
    /// Near misses, for `not_found`.
    pub suggestions: Vec<ResultJson>,
    /// The plain-text answer.
    pub text: String,
}

/// Builds the `ask --json` object for an outcome.
pub fn ask_json(plan: &Plan, outcome: &Outcome) -> AskJson {
    ask_json_with(plan, outcome, Extras::default())
}

/// [`ask_json`] with actuals in the text.
pub fn ask_json_with(plan: &Plan, outcome: &Outcome, extras: Extras<'_>) -> AskJson {
    let result = |h: &Hit| {
        plan.initiative(h.page).map(|i| ResultJson {
            page: i.page,
            title: i.title.clone(),
            department: i.departments.clone(),
            score: (h.score * 10.0).round() / 10.0,
        })
    };
    AskJson {
        question: outcome.question.clone(),
        intent: outcome.intent.as_str().to_string(),
        ambiguous: outcome.ambiguous,
        results: outcome.hits.iter().filter_map(result).collect(),
        suggestions: outcome.suggestions.iter().filter_map(result).collect(),
        text: render_text(&card_with(plan, outcome, extras)),
    }
}
