//! What the engine answers: the [`Outcome`] of a question, with the initiatives it is about
//! ([`Hit`]s) or why the plan does not answer it ([`NotFoundReason`]).

use serde::Serialize;

use super::understand::{Filters, Intent};
use crate::plan::FiscalYear;

/// One initiative an outcome is about, with its score.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// The initiative's page.
    pub page: u16,
    /// BM25 relevance times coverage; higher is better.
    pub score: f32,
    /// The share of the question's subject the initiative covers (0–1).
    pub coverage: f32,
}

/// Why a question has no answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "what")]
pub enum NotFoundReason {
    /// The question names nothing to look for.
    NoSubject,
    /// No initiative fits it.
    NoMatch,
    /// It asks for something the plan never states (the string says what: 予算 …).
    NotInPlan(String),
    /// A list filter left nothing.
    EmptyList,
}

/// What the engine understood and found.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The question as asked.
    pub question: String,
    /// What it asks for.
    pub intent: Intent,
    /// True when several initiatives fit equally; `hits` are the candidates.
    pub ambiguous: bool,
    /// The answer's initiatives, best first (for `list`, the whole list in page order).
    pub hits: Vec<Hit>,
    /// Near misses, for `not_found`.
    pub suggestions: Vec<Hit>,
    /// The list filters the question names.
    pub filters: Filters,
    /// The topic words of a topic list (「キャッシュレス」).
    pub topic: Option<String>,
    /// A fiscal year the question mentions.
    pub year: Option<FiscalYear>,
    /// Why nothing was found, for `not_found`.
    pub not_found: Option<NotFoundReason>,
    /// True when a list asks for progress (「デジタル推進課の進捗」): targets with actuals.
    pub progress: bool,
    /// True when the question was longer than the engine reads and only its first part
    /// was understood (the answer says so).
    pub truncated: bool,
}

impl Outcome {
    /// An outcome about one initiative, for `intent`: what a section button asks for.
    pub fn about(page: u16, intent: Intent) -> Outcome {
        Outcome {
            question: String::new(),
            intent,
            ambiguous: false,
            hits: vec![Hit { page, score: 1.0, coverage: 1.0 }],
            suggestions: Vec::new(),
            filters: Filters::default(),
            topic: None,
            year: None,
            not_found: None,
            progress: false,
            truncated: false,
        }
    }

    /// The initiative the outcome is about, when it is about exactly one.
    pub fn single_page(&self) -> Option<u16> {
        match self.intent {
            Intent::List | Intent::NotFound => None,
            _ if self.ambiguous => None,
            _ => self.hits.first().map(|h| h.page),
        }
    }
}
