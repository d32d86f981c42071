//! Lists: the initiatives the filters select, narrowed by a topic.

use std::collections::HashSet;

use tantivy::Searcher;

use super::text::{not_found, topic_of};
use super::{Engine, TIE};
use crate::search::matcher::SubjectTerm;
use crate::search::outcome::{Hit, NotFoundReason, Outcome};
use crate::search::understand::{Filters, Intent, Parsed};

impl Engine {
    /// The initiatives that pass the list filters, in page order (see
    /// [`crate::search::facets::select`]).
    pub(super) fn filtered(&self, f: &Filters, intent: Intent) -> Vec<u16> {
        crate::search::facets::select(&self.plan, f, intent)
    }

    pub(super) fn list(
        &self,
        mut outcome: Outcome,
        parsed: &Parsed,
        residual: &[SubjectTerm],
        searcher: &Searcher,
    ) -> Outcome {
        outcome.intent = Intent::List;
        outcome.progress = parsed.progress;
        let f = &parsed.filters;
        let mut pages = self.filtered(f, Intent::List);
        if !residual.is_empty() {
            let topical: HashSet<u16> = self
                .ranked(residual, searcher, 500)
                .into_iter()
                .filter(|h| h.coverage >= 1.0 - TIE)
                .map(|h| h.page)
                .collect();
            let before = pages.clone();
            pages.retain(|p| topical.contains(p));
            // Left-over words of a filtered question (「担当分」) that fit nothing do not
            // empty the list the filters ask for.
            if pages.is_empty() && !f.is_empty() && parsed.list {
                pages = before;
            } else {
                outcome.topic = Some(topic_of(residual));
            }
            // A topic that only one initiative covers is a question about that initiative.
            if pages.len() == 1 && f.is_empty() {
                outcome.intent = parsed.intent.filter(|i| *i != Intent::List).unwrap_or(Intent::Overview);
            }
        }
        if pages.is_empty() {
            return not_found(outcome, NotFoundReason::EmptyList);
        }
        outcome.hits = pages.into_iter().map(|page| Hit { page, score: 1.0, coverage: 1.0 }).collect();
        outcome
    }
}
