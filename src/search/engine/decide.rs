//! The engine's own decision: answer, candidates, a list or not found, from the
//! coverage of the question's words and its filters.

use std::collections::HashSet;

use tantivy::Searcher;

use super::text::{not_found, topic_of};
use super::{AMBIGUOUS_SCORE_RATIO, Engine, MAX_CANDIDATES, MEASURES, MIN_COVERAGE, NAMES_INITIATIVE, NEAR_MISS, TIE};
use crate::normalize::fold_kana;
use crate::search::fuse::Basis;
use crate::search::matcher::SubjectTerm;
use crate::search::outcome::{Hit, NotFoundReason, Outcome};
use crate::search::understand::{Filters, Intent, Parsed, YearRelation};

impl Engine {
    pub(super) fn decide(
        &self,
        outcome: &mut Outcome,
        parsed: &Parsed,
        subject: &[SubjectTerm],
        searcher: &Searcher,
        context: Option<u16>,
    ) -> (Outcome, Basis) {
        let mut outcome = outcome.clone();
        if let Some(what) = &parsed.unsupported {
            let hits = self.ranked(subject, searcher, 40);
            outcome.suggestions = hits.into_iter().filter(|h| h.coverage >= MIN_COVERAGE).take(3).collect();
            return (not_found(outcome, NotFoundReason::NotInPlan(what.clone())), Basis::Unsupported);
        }

        // Subject words that only repeat a filter (「キャッシュレス」 of キャッシュレス化) do not
        // make the question about one initiative.
        let residual: Vec<SubjectTerm> = subject
            .iter()
            .filter(|t| !t.is_background() && !self.repeats_filter(t, &parsed.filters))
            .cloned()
            .collect();
        let f = &parsed.filters;
        let structural = f.department.is_some()
            || f.policy.is_some()
            || f.means.is_some()
            || f.kpi.is_some()
            || f.single_year
            || f.superlative.is_some()
            || f.constant_targets
            || f.stage.is_some()
            || f.year.is_some_and(|y| y.relation != YearRelation::Active);
        // Filters that narrow the plan to one initiative answer a question about it
        // (「企画政策課の2つの事業のうち、KPIの表があるほう」).
        if structural && let Some(intent) = parsed.intent.filter(|i| *i != Intent::List) {
            let pages = self.filtered(f, intent);
            if pages.len() == 1 && !parsed.list {
                outcome.intent = intent;
                outcome.hits = vec![Hit { page: pages[0], score: 1.0, coverage: 1.0 }];
                return (outcome, Basis::Filters);
            }
        }
        if f.superlative.is_some() {
            // The oldest (or newest): one initiative is answered; several that started in
            // the same year are listed.
            let pages = self.filtered(f, Intent::List);
            if let [page] = pages.as_slice() {
                outcome.intent = parsed.intent.filter(|i| *i != Intent::List).unwrap_or(Intent::Period);
                outcome.hits = vec![Hit { page: *page, score: 1.0, coverage: 1.0 }];
                return (outcome, Basis::Filters);
            }
            if !pages.is_empty() {
                return (self.list(outcome, parsed, &[], searcher), Basis::Filters);
            }
        }
        let wants_list = parsed.list
            || (parsed.progress && residual.is_empty())
            || (!f.is_empty() && residual.is_empty() && (parsed.intent.is_none() || structural));
        if wants_list {
            return (
                self.list(outcome, parsed, &residual, searcher),
                if parsed.list || !f.is_empty() { Basis::Filters } else { Basis::Evidence },
            );
        }
        if subject.is_empty() {
            if let (Some(intent), Some(page)) = (parsed.intent, context)
                && self.by_page.contains_key(&page)
            {
                outcome.intent = intent;
                outcome.hits = vec![Hit { page, score: 1.0, coverage: 1.0 }];
                return (outcome, Basis::Context);
            }
            return (not_found(outcome, NotFoundReason::NoSubject), Basis::NoSubject);
        }

        let mut hits = self.ranked(subject, searcher, 40);
        if structural {
            let allowed: HashSet<u16> = self.filtered(f, Intent::List).into_iter().collect();
            let kept: Vec<Hit> = hits.iter().filter(|h| allowed.contains(&h.page)).cloned().collect();
            // 「…は機器管理課の担当で合ってる？」: a department asked about is checked, not
            // trusted — when it holds nothing that fits, the answer names the right one.
            let fits = kept.first().is_some_and(|h| h.coverage >= MIN_COVERAGE);
            if fits || parsed.intent != Some(Intent::Department) {
                hits = kept;
            }
        }
        let best = hits.first().map_or(0.0, |h| h.coverage);
        if best < MIN_COVERAGE {
            outcome.suggestions = hits.into_iter().filter(|h| h.coverage >= NEAR_MISS).take(3).collect();
            return (not_found(outcome, NotFoundReason::NoMatch), Basis::Evidence);
        }
        let tied: Vec<Hit> = hits.iter().filter(|h| h.coverage >= best - TIE).cloned().collect();
        let named: Vec<&Hit> = tied.iter().filter(|h| self.names(parsed, subject, h.page)).collect();
        tracing::debug!(?tied, named = named.len(), "candidates");
        let top_score = tied.first().map_or(0.0, |h| h.score);
        outcome.hits = match named.as_slice() {
            [one] => vec![(*one).clone()],
            _ => {
                let close: Vec<Hit> = tied
                    .into_iter()
                    .filter(|h| h.score >= top_score * AMBIGUOUS_SCORE_RATIO)
                    .take(MAX_CANDIDATES)
                    .collect();
                outcome.ambiguous = close.len() > 1;
                close
            }
        };
        if outcome.ambiguous && parsed.about_initiatives && parsed.intent.is_none() {
            // 「子育ての取組」: several fit the topic, so list them all.
            outcome.intent = Intent::List;
            outcome.ambiguous = false;
            let mut pages: Vec<u16> = hits.iter().filter(|h| h.coverage >= best - TIE).map(|h| h.page).collect();
            pages.sort();
            outcome.hits = pages.into_iter().map(|page| Hit { page, score: 1.0, coverage: 1.0 }).collect();
            outcome.topic = Some(topic_of(subject));
            return (outcome, Basis::Evidence);
        }
        if parsed.intent.is_none() && parsed.progress {
            outcome.intent = Intent::Kpi;
        }
        let Some(top) = outcome.single_page() else {
            return (outcome, Basis::Evidence);
        };
        if parsed.intent.is_none() && self.mentions_kpi(&parsed.text, top) {
            outcome.intent = Intent::Kpi;
        }
        if outcome.intent == Intent::Contents && parsed.weak_contents && !self.refers_by_name(subject, top) {
            outcome.intent = Intent::Overview;
        }
        (outcome, Basis::Evidence)
    }

    /// True when `term` only restates a filter of the question.
    pub(super) fn repeats_filter(&self, term: &SubjectTerm, filters: &Filters) -> bool {
        let word = &term.word;
        filters
            .means
            .and_then(|m| self.plan.means_by_number(m))
            .is_some_and(|m| fold_kana(&m.name).contains(word.as_str()))
            || filters.department.as_ref().is_some_and(|d| fold_kana(d).contains(word.as_str()))
    }

    /// True when the question holds most of the initiative's name.
    pub(super) fn names(&self, parsed: &Parsed, subject: &[SubjectTerm], page: u16) -> bool {
        let Some(doc) = self.doc_on(page) else {
            return false;
        };
        let mut haystack = fold_kana(&parsed.text);
        for t in subject.iter().filter(|t| !t.is_background()) {
            for f in t.forms.iter().filter(|f| f.strength >= 0.8) {
                haystack.push(' ');
                haystack.push_str(&f.text);
            }
        }
        let question = fold_kana(&parsed.text);
        if doc.kpi_names.iter().any(|k| k.chars().count() >= 4 && question.contains(k.as_str())) {
            return true;
        }
        let total: usize = doc.name_terms.iter().map(|t| t.chars().count()).sum();
        if total == 0 {
            return false;
        }
        let held: usize =
            doc.name_terms.iter().filter(|t| haystack.contains(t.as_str())).map(|t| t.chars().count()).sum();
        held as f32 / total as f32 >= NAMES_INITIATIVE
    }

    /// True when the question names a measure (…数, …率, …時間) that one of the initiative's
    /// KPIs measures: 「…の搭載手続数」 asks for the KPI.
    pub(super) fn mentions_kpi(&self, question: &str, page: u16) -> bool {
        let Some(doc) = self.doc_on(page) else {
            return false;
        };
        let folded = fold_kana(question);
        // As written, and with 「の」 dropped: 「施設の数」 names 施設数.
        [folded.clone(), folded.replace("ノ数", "数").replace("ノ率", "率")].iter().any(|text| {
            let q: Vec<char> = text.chars().collect();
            MEASURES.iter().any(|m| {
                let m: Vec<char> = m.chars().collect();
                (1..q.len()).any(|i| {
                    q[i..].starts_with(&m) && {
                        let chunk: String = q[i - 1..i + m.len()].iter().collect();
                        doc.kpi_names.iter().any(|k| k.contains(&chunk))
                    }
                })
            })
        })
    }

    /// True when the question's subject words are (nearly) all in the initiative's title or
    /// heading: it is referred to by name, if only in part.
    pub(super) fn refers_by_name(&self, subject: &[SubjectTerm], page: u16) -> bool {
        let Some(doc) = self.doc_on(page) else {
            return false;
        };
        let focus: Vec<&SubjectTerm> = subject.iter().filter(|t| !t.is_background() && t.pages.is_empty()).collect();
        let total: f32 = focus.iter().map(|t| t.weight).sum();
        let held: f32 = focus
            .iter()
            .filter(|t| t.forms.iter().any(|f| f.strength >= 1.0 && doc.name.contains(f.text.as_str())))
            .map(|t| t.weight)
            .sum();
        total > 0.0 && held / total >= 1.0 - TIE
    }
}
