//! Candidates by BM25 over the subject's forms, ordered by how much of the question
//! each covers.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, Term};

use super::{Engine, TIE};
use crate::search::analyzer::bigrams;
use crate::search::matcher::{DocText, Evidence, SubjectTerm, Via, evidence};
use crate::search::outcome::Hit;

impl Engine {
    /// Candidates by BM25, with coverage, best first.
    pub(super) fn ranked(&self, subject: &[SubjectTerm], searcher: &Searcher, limit: usize) -> Vec<Hit> {
        if subject.is_empty() {
            return Vec::new();
        }
        let f = self.index.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut add = |field, text: &str, boost: f32| {
            let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
        };
        for t in subject {
            let b = t.importance;
            if !t.term.is_empty() {
                add(f.title, &t.term, 4.0 * b);
                add(f.body, &t.term, b);
            }
            for g in &t.bigrams {
                add(f.title_bigram, g, b);
                add(f.body_bigram, g, 0.3 * b);
            }
            for alt in t.forms.iter().skip(1) {
                for g in bigrams(&alt.text) {
                    add(f.body_bigram, &g, 0.2 * b * alt.strength);
                }
            }
        }
        let query = BooleanQuery::new(clauses);
        let top: Vec<(f32, DocAddress)> = match searcher.search(&query, &TopDocs::with_limit(limit).order_by_score()) {
            Ok(top) => top,
            Err(e) => {
                tracing::error!(error = %e, "search failed");
                return Vec::new();
            }
        };
        let mut pages: Vec<(u16, f32)> = Vec::new();
        for (score, addr) in top {
            if let Some(page) = self.page_of(searcher, addr) {
                pages.push((page, score));
            }
        }
        // Pages a figure names are candidates even when no word of the question is there.
        for t in subject {
            for (page, _) in &t.pages {
                if !pages.iter().any(|(p, _)| p == page) {
                    pages.push((*page, 0.0));
                }
            }
        }
        let docs: Vec<(&DocText, f32)> =
            pages.iter().filter_map(|(p, score)| Some((self.doc_on(*p)?, *score))).collect();
        let mut subject = subject.to_vec();
        for t in subject.iter_mut().filter(|t| !t.is_background() && t.pages.is_empty()) {
            t.found_elsewhere = docs.iter().any(|(d, _)| matches!(d.holds(t), (s, Some(Via::Word)) if s >= 1.0));
        }
        let subject = subject.as_slice();
        let held: Vec<(u16, f32, Evidence)> =
            docs.into_iter().map(|(doc, score)| (doc.page, score, evidence(subject, doc))).collect();
        let best_background = held.iter().map(|(_, _, e)| e.background).fold(0.0, f32::max);
        let mut hits: Vec<Hit> = held
            .into_iter()
            .map(|(page, score, e)| {
                let coverage = e.coverage(best_background);
                Hit { page, score: score.max(0.01) * coverage, coverage }
            })
            .collect();
        hits.sort_by(|a, b| {
            let ca = (a.coverage / TIE).round();
            let cb = (b.coverage / TIE).round();
            cb.total_cmp(&ca).then(b.score.total_cmp(&a.score)).then(a.page.cmp(&b.page))
        });
        hits
    }

    pub(super) fn page_of(&self, searcher: &Searcher, addr: DocAddress) -> Option<u16> {
        let reader = searcher.segment_reader(addr.segment_ord);
        let column = reader.fast_fields().u64("page").ok()?;
        column.first(addr.doc_id).and_then(|p| u16::try_from(p).ok())
    }
}
