//! Lists: the initiatives the filters select, narrowed by a topic.

use std::collections::HashSet;

use tantivy::Searcher;

use super::text::{not_found, topic_of};
use super::{Engine, TIE};
use crate::plan::Initiative;
use crate::search::matcher::SubjectTerm;
use crate::search::outcome::{Hit, NotFoundReason, Outcome};
use crate::search::understand::{Filters, Intent, Parsed, Superlative, YearRelation};

impl Engine {
    /// The initiatives that pass the list filters, in page order (the superlative last:
    /// only the oldest or newest remain). A year that only says which year's target is
    /// meant (`Active` with a single-initiative intent) does not filter.
    pub(super) fn filtered(&self, f: &Filters, intent: Intent) -> Vec<u16> {
        let mut list: Vec<&Initiative> = self
            .plan
            .initiatives
            .iter()
            .filter(|i| f.department.as_ref().is_none_or(|d| i.departments.contains(d)))
            .filter(|i| f.policy.is_none_or(|p| i.policy == p))
            .filter(|i| f.means.is_none_or(|m| i.means.contains(&m)))
            .filter(|i| {
                f.year.is_none_or(|y| match y.relation {
                    YearRelation::Starts => i.period.start == y.year,
                    YearRelation::Ends => i.period.end == y.year,
                    YearRelation::Active => intent != Intent::List || i.period.contains(y.year),
                })
            })
            .filter(|i| f.kpi.is_none_or(|has| has != i.kpis.is_empty()))
            .filter(|i| !f.single_year || i.period.start == i.period.end)
            .filter(|i| {
                !f.constant_targets
                    || !i.kpis.is_empty()
                        && i.kpis
                            .iter()
                            .all(|k| k.targets.len() > 1 && k.targets.iter().all(|(_, t)| t.raw == k.targets[0].1.raw))
            })
            .filter(|i| {
                f.stage.as_ref().is_none_or(|(year, word)| {
                    i.schedule
                        .iter()
                        .any(|row| row.cells.iter().any(|(y, cell)| y == year && cell.contains(word.as_str())))
                })
            })
            .collect();
        if let Some(s) = f.superlative {
            let starts = list.iter().map(|i| i.period.start);
            let pick = match s {
                Superlative::Oldest => starts.min(),
                Superlative::Newest => starts.max(),
            };
            list.retain(|i| Some(i.period.start) == pick);
        }
        list.into_iter().map(|i| i.page).collect()
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
