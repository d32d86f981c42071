//! Reading a question: normalised, analysed, taken apart; the engine's own evidence for
//! the learned models.

use super::text::{background_spans, blank_range, cut_question, question_end};
use super::{
    BACKGROUND, CANDIDATES_WEIGHED, Engine, Explanation, FIGURE_WEIGHT, MAX_CORRECTED_CHARS, MAX_QUESTION_CHARS,
};
use crate::normalize::normalize;
use crate::search::analyzer::{self};
use crate::search::figures::{self, Figure};
use crate::search::fuse::{self};
use crate::search::learned;
use crate::search::matcher::{SubjectTerm, within_one_edit};
use crate::search::outcome::{NotFoundReason, Outcome};
use crate::search::understand::{self, Intent, Parsed};

impl Engine {
    /// A text as the models read it without searching (a text of the plan, a name): its
    /// question sentence, normalised (in the plan's words when written by sound), with the
    /// intent its cues name as a tag. A question asked is read by
    /// [`Engine::question_input`], which adds the evidence of the search.
    pub fn model_input(&self, question: &str) -> crate::nlu::Analysed {
        let (terms, parsed) = self.read(&cut_question(question));
        self.for_model(&parsed.text, &terms, parsed.intent)
    }

    /// What the models read of a question as it is asked: its features with the evidence of
    /// the engine's stages (the section of the first candidate that holds its words, the
    /// cues). The models are trained on this, so that they learn what they will be given.
    pub fn question_input(&self, question: &str) -> crate::nlu::Analysed {
        self.evidence(question, None, None).input
    }

    /// A question (already cut to its question sentence) normalised — in the plan's words
    /// when written by sound —, analysed and taken apart.
    pub(super) fn read(&self, question: &str) -> (Vec<analyzer::Term>, Parsed) {
        let question = self.spell_years(question);
        let kanji = self.phonetic.kanjify(&question);
        let text = normalize(kanji.as_deref().unwrap_or(&question));
        let terms = self.analyzer.terms(&text);
        let mut parsed = understand::parse(&text, &terms, &self.context());
        // A long message asks in its question sentence; what its background mentions (the
        // writer's department, a tax they pay, a contact they would like) is context, not a
        // filter, a thing asked for, or the intent.
        if let Some(background) = background_spans(&text) {
            let focus = &text[background.end..question_end(&text).max(background.end)];
            let focus = understand::parse(focus, &self.analyzer.terms(focus), &self.context());
            parsed.filters = focus.filters;
            parsed.list = focus.list;
            parsed.progress = focus.progress;
            parsed.unsupported = focus.unsupported;
            if focus.intent.is_some() {
                (parsed.intent, parsed.cue, parsed.weak_contents) = (focus.intent, focus.cue, focus.weak_contents);
            }
        }
        (terms, parsed)
    }

    /// What the engine's own stages make of a question — filters, figures, the coverage of
    /// its words, the intent its cues name, and the engine's own decision — before the
    /// learned models weigh in. A question with nothing found is tried once more with a
    /// one-character typo of a plan word corrected.
    pub fn evidence(
        &self,
        question: &str,
        context: Option<u16>,
        mut explain: Option<&mut Explanation>,
    ) -> fuse::Evidence {
        let cut = cut_question(question);
        let evidence = self.answer(&cut, question, context, explain.as_deref_mut());
        if matches!(
            evidence.outcome.not_found,
            Some(NotFoundReason::NoMatch | NotFoundReason::NoSubject | NotFoundReason::EmptyList)
        ) && let Some(corrected) = self.correct(&cut)
        {
            let retry = self.answer(&corrected, question, context, None);
            if retry.outcome.intent != Intent::NotFound {
                tracing::debug!(%corrected, "answered a corrected question");
                if let Some(x) = explain {
                    x.normalized = corrected;
                    x.outcome = retry.outcome.clone();
                }
                return retry;
            }
        }
        evidence
    }

    /// The question with its years written by sound or with a slip spelt as the plan spells
    /// them (「れいわはちねんど」 → 「令和8年度」), before anything else reads it.
    pub(super) fn spell_years(&self, question: &str) -> String {
        let text = normalize(question);
        let reads = |s: &str| self.analyzer.terms(s).into_iter().map(|t| t.reading).collect::<String>();
        crate::search::years::spell(&text, &reads).unwrap_or(text)
    }

    /// A question's text and terms as the models read them, with the intent its cues name
    /// as a tag.
    pub(super) fn for_model(&self, text: &str, terms: &[analyzer::Term], cue: Option<Intent>) -> crate::nlu::Analysed {
        let mut a = learned::analysed(text, terms);
        a.tags.push(format!("cue:{}", cue.map_or("none", Intent::as_str)));
        // Every intent some cue of the lexicon names, not only the one that won: the model
        // learns how far to trust each.
        for (intent, cues) in &self.lexicon.intents {
            if cues.iter().any(|c| text.contains(c.as_str())) {
                a.tags.push(format!("any-cue:{}", intent.as_str()));
            }
        }
        a
    }

    /// The question with one word of the plan's vocabulary restored where it is misspelt by
    /// one character (「どこでも窓囗」 → 「どこでも窓口」), or `None`.
    pub(super) fn correct(&self, question: &str) -> Option<String> {
        // Compared kana-folded, mended as written: the folding maps character to character,
        // so the rest of the question keeps its hiragana (its particles, its cues).
        let written: Vec<char> = normalize(question).chars().collect();
        let q: Vec<char> = written.iter().map(|c| crate::normalize::hiragana_to_katakana(*c)).collect();
        // A slip in a short question, where one word is most of it; a long message is
        // understood by its other words.
        if q.len() > MAX_CORRECTED_CHARS {
            return None;
        }
        for word in &self.vocabulary {
            let n = word.len();
            for len in [n, n - 1, n + 1] {
                if len > q.len() {
                    continue;
                }
                for start in 0..=q.len() - len {
                    let window = &q[start..start + len];
                    if window != word.as_slice() && within_one_edit(window, word) {
                        let mut fixed: Vec<char> = written[..start].to_vec();
                        fixed.extend(word);
                        fixed.extend(&written[start + len..]);
                        return Some(fixed.into_iter().collect());
                    }
                }
            }
        }
        None
    }

    pub(super) fn answer(
        &self,
        question: &str,
        asked: &str,
        context: Option<u16>,
        explain: Option<&mut Explanation>,
    ) -> fuse::Evidence {
        let (terms, mut parsed) = self.read(question);
        let mut input = self.for_model(&parsed.text, &terms, parsed.intent);
        let figures: Vec<(Figure, Vec<(u16, f32)>)> = figures::extract(&parsed.text)
            .into_iter()
            .map(|f| {
                let pages = figures::matches(&self.plan, &f);
                (f, pages)
            })
            .map(|(f, pages)| (f, pages.into_iter().filter(|(_, fit)| *fit >= 0.6).collect::<Vec<_>>()))
            .filter(|(_, pages)| !pages.is_empty())
            .collect();
        for (f, _) in &figures {
            parsed.subject_text = blank_range(&parsed.subject_text, &parsed.text, f.span.clone());
        }
        let searcher = self.index.reader.searcher();
        let background = background_spans(&parsed.text);
        let mut subject = self.subject_terms(&parsed, &terms, background.as_ref(), &searcher);
        for (f, pages) in &figures {
            let mut t = SubjectTerm::new("", "", String::new(), FIGURE_WEIGHT);
            t.word = parsed.text[f.span.clone()].to_string();
            t.forms.clear();
            t.bigrams.clear();
            t.pages = pages.clone();
            if background.as_ref().is_some_and(|r| r.contains(&f.span.start)) {
                t.importance = BACKGROUND;
            }
            subject.push(t);
        }
        let mut outcome = Outcome {
            question: asked.to_string(),
            intent: parsed.intent.unwrap_or(Intent::Overview),
            ambiguous: false,
            hits: Vec::new(),
            suggestions: Vec::new(),
            filters: parsed.filters.clone(),
            topic: None,
            year: parsed.year,
            not_found: None,
            progress: false,
            truncated: asked.chars().nth(MAX_QUESTION_CHARS).is_some(),
        };
        let (outcome, basis) = self.decide(&mut outcome, &parsed, &subject, &searcher, context);
        let ranked = self.ranked(&subject, &searcher, CANDIDATES_WEIGHED);
        if let Some(doc) = ranked.first().and_then(|h| self.doc_on(h.page)) {
            input.tags.extend(section_tags(doc, &subject, asks(&terms)));
        }
        let figure_fit = |page: u16| {
            figures
                .iter()
                .flat_map(|(_, pages)| pages)
                .filter(|(p, _)| *p == page)
                .map(|(_, fit)| *fit)
                .fold(0.0, f32::max)
        };
        let mut candidates: Vec<fuse::Candidate> = ranked
            .iter()
            .enumerate()
            .map(|(rank, h)| fuse::Candidate {
                page: h.page,
                coverage: h.coverage,
                named: self.names(&parsed, &subject, h.page),
                names_kpi: self.mentions_kpi(&parsed.text, h.page),
                has_kpi: self.plan.initiative(h.page).is_some_and(|i| !i.kpis.is_empty()),
                figure: figure_fit(h.page),
                rank: Some(rank),
            })
            .collect();
        for (_, pages) in &figures {
            for (page, _) in pages {
                if !candidates.iter().any(|c| c.page == *page) {
                    candidates.push(fuse::Candidate {
                        page: *page,
                        coverage: 0.0,
                        named: false,
                        names_kpi: self.mentions_kpi(&parsed.text, *page),
                        has_kpi: true,
                        figure: figure_fit(*page),
                        rank: None,
                    });
                }
            }
        }
        if let Some(x) = explain {
            x.normalized = parsed.text.clone();
            x.words =
                terms.iter().map(|t| (t.surface.clone(), t.text.clone(), t.pos.clone(), t.reading.clone())).collect();
            x.cue = parsed.cue.clone();
            x.filters = parsed.filters.clone();
            x.figures = figures;
            x.not_in_plan = parsed.unsupported.clone();
            x.candidates = ranked
                .iter()
                .filter_map(|h| {
                    let doc = self.doc_on(h.page)?;
                    let evidence = subject
                        .iter()
                        .map(|t| {
                            let (s, via) = doc.holds(t);
                            (t.word.clone(), s, via)
                        })
                        .collect();
                    Some((h.page, h.coverage, evidence))
                })
                .collect();
            x.subject = subject;
            x.outcome = outcome.clone();
        }
        let engine_intent = match outcome.intent {
            Intent::List | Intent::NotFound => parsed.intent.filter(|i| !matches!(i, Intent::List | Intent::NotFound)),
            intent => Some(intent),
        }
        .unwrap_or(Intent::Overview);
        fuse::Evidence { outcome, basis, cue: parsed.intent, engine_intent, candidates, text: parsed.text, input }
    }
}

/// True when a question ends in something that asks (a verb, an auxiliary, a particle, a
/// question mark: 「…設置するんですか」), not in a noun: a bare noun phrase
/// (「鍵の受け渡しが要らなくなる予約の仕組み」) names an initiative by describing it.
fn asks(terms: &[analyzer::Term]) -> bool {
    terms
        .iter()
        .rev()
        .find(|t| t.surface.chars().any(char::is_alphanumeric) || t.surface.contains(['?', '？']))
        .is_some_and(|t| t.surface.contains(['?', '？']) || !t.pos.contains("名詞"))
}

/// Where the question's words are found in the initiative the engine ranks first: a tag
/// for the section that holds most of them (`sec:methods`), and `sec-only:` when no other
/// section holds any. A question whose cue is vague (「…するの？」) asks for the section
/// that holds its detail; the intent model learns how far to trust it — apart for a question
/// that asks and a noun phrase that describes an initiative by words of one of its sections
/// (`sec:effects/np`), which asks for the initiative in general.
fn section_tags(doc: &crate::search::matcher::DocText, subject: &[SubjectTerm], asks: bool) -> Vec<String> {
    let form = if asks { "" } else { "/np" };
    use crate::search::matcher::SECTIONS;
    let mut counts = [0usize; SECTIONS.len()];
    for t in subject {
        for (count, held) in counts.iter_mut().zip(doc.sections_holding(t)) {
            *count += usize::from(held);
        }
    }
    // Nothing held says nothing: a list or an out-of-plan question holds no section either,
    // and a tag of its own would only tie those two together.
    let Some(best) = counts.iter().copied().max().filter(|n| *n > 0) else {
        return Vec::new();
    };
    let mut tags = Vec::new();
    for (name, count) in SECTIONS.iter().zip(counts) {
        if count == best {
            tags.push(format!("sec:{name}{form}"));
        }
    }
    if counts.iter().filter(|c| **c > 0).count() == 1 {
        tags.extend(tags.clone().iter().map(|t| t.replace("sec:", "sec-only:")));
    }
    tags
}
