//! The question's subject words and the forms the matchers propose for each.

use std::collections::HashSet;

use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Searcher, Term};

use super::{BACKGROUND, Engine};
use crate::normalize::fold_kana;
use crate::search::analyzer::{self, bigrams};
use crate::search::matcher::{SubjectTerm, Via};
use crate::search::reading;
use crate::search::understand::Parsed;

impl Engine {
    /// The question's subject words with their forms, weights and importance. Linear in
    /// the question's length: the subject text is analysed once.
    pub(super) fn subject_terms(
        &self,
        parsed: &Parsed,
        terms: &[analyzer::Term],
        background: Option<&std::ops::Range<usize>>,
        searcher: &Searcher,
    ) -> Vec<SubjectTerm> {
        let importance = |at: usize| if background.is_some_and(|r| r.contains(&at)) { BACKGROUND } else { 1.0 };
        let text = &parsed.subject_text;
        let words = self.analyzer.terms(text);
        let starts: HashSet<usize> = words.iter().map(|w| w.span.start).collect();
        let ends: HashSet<usize> = words.iter().map(|w| w.span.end).collect();
        let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
        let mut out: Vec<SubjectTerm> = Vec::new();
        // Thesaurus words and phrases first, as the analyzer might split them
        // (「乗り合いタクシー」, 「書かなくて」): a match must start and end where words do.
        for entry in &self.lexicon.thesaurus {
            let word = &entry.word;
            if word.chars().count() < 2 || self.lexicon.stopwords.contains(word.as_str()) {
                continue;
            }
            let Some(at) = text.match_indices(word.as_str()).map(|(at, _)| at).find(|at| {
                starts.contains(at) && ends.contains(&(at + word.len())) && !taken.iter().any(|r| r.contains(at))
            }) else {
                continue;
            };
            taken.push(at..at + word.len());
            let parts: Vec<&analyzer::Term> =
                words.iter().filter(|w| w.span.start >= at && w.span.end <= at + word.len()).collect();
            let reading: String = parts.iter().map(|w| w.reading.as_str()).collect();
            let mut t = self.subject_term(word, &reading, String::new(), searcher);
            if parts.first().is_some_and(|w| w.pos == "動詞" || w.pos == "形容詞") {
                t.weight *= 0.5;
            }
            for term in &entry.terms {
                t.add_form(term, 1.0, Via::Thesaurus);
            }
            let in_plan = self.in_plan(&t.word, searcher);
            self.add_sound_forms(&mut t, in_plan);
            t.importance = importance(at);
            out.push(t);
        }
        for t in &words {
            if !t.content
                || taken.iter().any(|r| r.contains(&t.span.start))
                || self.is_stopword(&t.text)
                || t.text.chars().all(|c| c.is_ascii_digit())
            {
                continue;
            }
            let folded = fold_kana(&t.text);
            if let Some(seen) = out.iter_mut().find(|s| s.word == folded) {
                // Said in the background and again in the question: it is the question's.
                seen.importance = seen.importance.max(importance(t.span.start));
                continue;
            }
            // The reading as the whole question has it (a word cut short by blanking reads
            // otherwise).
            let reading =
                terms.iter().find(|q| q.span == t.span).map_or_else(|| t.reading.clone(), |q| q.reading.clone());
            let mut term = self.subject_term(&t.text, &reading, t.text.clone(), searcher);
            for entry in self.lexicon.terms_for(&t.text).chain(self.lexicon.terms_for(&t.surface)) {
                for alt in &entry.terms {
                    term.add_form(alt, 1.0, Via::Thesaurus);
                }
            }
            if t.pos == "動詞" || t.pos == "形容詞" {
                let chars: Vec<char> = t.text.chars().collect();
                if chars.len() >= 3 {
                    term.add_form(&fold_kana(&chars[..chars.len() - 1].iter().collect::<String>()), 1.0, Via::Word);
                }
                // A verb says less about which initiative is meant than a noun does.
                term.weight *= 0.5;
            }
            let in_plan = self.in_plan(&term.word, searcher);
            self.add_sound_forms(&mut term, in_plan);
            if !in_plan {
                self.add_vector_forms(&mut term);
            }
            term.importance = importance(t.span.start);
            out.push(term);
        }
        out
    }

    /// True when some initiative's text holds `word` (kana-folded) as written.
    /// The index narrows the initiatives to those holding the word's rarest bigram; only
    /// their texts are read.
    pub(super) fn in_plan(&self, word: &str, searcher: &Searcher) -> bool {
        let chars: Vec<char> = word.chars().collect();
        if let [c] = chars.as_slice() {
            return self.chars.binary_search(c).is_ok();
        }
        // Only bigrams (a run of one letter is indexed only where it stands alone).
        let field = self.index.fields.body_bigram;
        let rarest = bigrams(word)
            .into_iter()
            .filter(|g| g.chars().count() == 2)
            .map(|g| {
                let term = Term::from_field_text(field, &g);
                (searcher.doc_freq(&term).unwrap_or(0), term)
            })
            .min_by_key(|(df, _)| *df);
        let Some((df, term)) = rarest else {
            return (0..self.docs.len()).any(|n| self.doc(n).folded.contains(word));
        };
        if df == 0 {
            return false;
        }
        // The bigram's postings, read directly (no query, no scoring).
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(field) else { continue };
            let Ok(Some(mut postings)) = inverted.read_postings(&term, IndexRecordOption::Basic) else { continue };
            let Ok(pages) = segment.fast_fields().u64("page") else { continue };
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                let page = pages.first(doc).and_then(|p| u16::try_from(p).ok());
                if page.and_then(|p| self.doc_on(p)).is_some_and(|d| d.folded.contains(word)) {
                    return true;
                }
                doc = postings.advance();
            }
        }
        false
    }

    /// Plan words that sound like the term: an IME slip (投機 → 登記). `in_plan`: the word
    /// is the plan's own too, so a homophone counts for less.
    pub(super) fn add_sound_forms(&self, term: &mut SubjectTerm, in_plan: bool) {
        if term.reading.chars().count() < 2 || term.word.chars().count() < 2 || term.word.chars().all(reading::is_kana)
        {
            return;
        }
        let (exact, loose) = self.phonetic.homophones(&term.reading);
        let own = term.word.clone();
        for w in exact.iter().filter(|w| **w != own) {
            term.add_form(w, if in_plan { 0.6 } else { 0.8 }, Via::Reading);
        }
        for w in &loose {
            term.add_form(w, if in_plan { 0.5 } else { 0.6 }, Via::LooseReading);
        }
    }

    /// Plan words near in meaning, for a word the plan, its readings and the thesaurus do
    /// not know (the caller has checked the plan): they propose, at a discount, and never
    /// decide alone.
    pub(super) fn add_vector_forms(&self, term: &mut SubjectTerm) {
        let Some(vectors) = &self.vectors else {
            return;
        };
        if term.forms.len() > 1 {
            return;
        }
        let Some(row) = vectors.row_of(&term.term) else {
            return;
        };
        let words = self.plan_words.get_or_init(|| {
            let mut rows: HashSet<usize> = HashSet::new();
            self.content_words
                .iter()
                .filter_map(|w| vectors.row_of(w).filter(|r| rows.insert(*r)).map(|r| (fold_kana(w), r)))
                .collect()
        });
        let mut near: Vec<(f32, &str)> =
            words.iter().map(|(w, r)| (vectors.cosine(row, *r), w.as_str())).filter(|(c, _)| *c >= 0.6).collect();
        near.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (c, w) in near.into_iter().take(3) {
            term.add_form(w, (c * 0.8).min(0.6), Via::Vector);
        }
    }

    pub(super) fn subject_term(&self, word: &str, reading: &str, term: String, searcher: &Searcher) -> SubjectTerm {
        let folded = fold_kana(word);
        let grams = bigrams(&folded);
        let n = self.plan.initiatives.len().max(1) as f32;
        let field = self.index.fields.body_bigram;
        // The rarest bigram bounds how many initiatives can hold the word.
        let df =
            grams.iter().map(|g| searcher.doc_freq(&Term::from_field_text(field, g)).unwrap_or(0)).min().unwrap_or(0)
                as f32;
        let weight = (1.0 + n / (1.0 + df)).ln().max(0.1);
        let mut weight = weight;
        // Everyday words for channels and people, and lone characters, say less.
        if self.lexicon.light.contains(&folded) || folded.chars().count() == 1 {
            weight *= 0.5;
        }
        SubjectTerm::new(word, reading, term, weight)
    }
}
