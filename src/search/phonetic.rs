//! The plan's words by sound: a small IME that knows only the plan's vocabulary, and the
//! homophones of each reading.
//!
//! - A question written in kana or romaji (「よぼうせっしゅ」「kyouiku dx」) is
//!   rewritten in the plan's own words (予防接種, 人事評価のシステム) by cutting its reading into
//!   the fewest known words — the plan's words and compounds, the lexicon's cues, thesaurus
//!   words and stop-words — and then understood as any other question.
//! - A word typed with the wrong kanji (投機 for 登記, 解雇 for 介護) finds the plan's words
//!   that sound the same (exactly, or but for voicing marks).

use std::collections::HashMap;

use super::analyzer::Analyzer;
use super::lexicon::Lexicon;
use super::reading::{self, fold, unvoice};
use crate::normalize::fold_kana;
use crate::plan::Plan;

/// The longest word, in kana, the rewriting looks for.
const MAX_WORD: usize = 14;

/// Readings of the plan's vocabulary.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Phonetic {
    /// Reading → the surface to write for it (the most frequent in the plan).
    words: HashMap<String, (String, u32)>,
    /// Reading → the plan's content words (kana-folded) that sound so.
    homophones: HashMap<String, Vec<String>>,
    /// Unvoiced reading → the plan's content words that sound so but for voicing.
    unvoiced: HashMap<String, Vec<String>>,
    /// Every content word of the plan written with kanji: (reading, kana-folded surface).
    kanji_words: Vec<(String, String)>,
    /// The plan's short latin words (ai, dx, gis …), spelt out when a question is romaji.
    acronyms: Vec<String>,
}

impl Phonetic {
    /// Reads every text of the plan and the lexicon's phrases.
    pub fn new(plan: &Plan, lexicon: &Lexicon, analyzer: &Analyzer) -> Phonetic {
        let mut p = Phonetic {
            words: HashMap::new(),
            homophones: HashMap::new(),
            unvoiced: HashMap::new(),
            kanji_words: Vec::new(),
            acronyms: Vec::new(),
        };
        let mut kanji_seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut texts: Vec<String> = plan.initiatives.iter().map(|i| i.full_text()).collect();
        texts.extend(plan.departments().iter().map(|d| d.to_string()));
        for text in &texts {
            for line in text.lines() {
                let terms = analyzer.terms(line);
                for t in &terms {
                    p.add_word(&t.reading, &t.surface, 1);
                    if t.content && t.reading.chars().count() >= 2 && t.surface.chars().any(|c| !reading::is_kana(c)) {
                        let folded = fold_kana(&t.surface);
                        push_unique(p.homophones.entry(t.reading.clone()).or_default(), &folded);
                        push_unique(p.unvoiced.entry(unvoice(&t.reading)).or_default(), &folded);
                        if kanji_seen.insert(folded.clone()) {
                            p.kanji_words.push((t.reading.clone(), folded));
                        }
                    }
                }
                // Compounds of two to four nouns (建築確認, 予防接種事務): a kana question
                // names them as one word.
                for start in 0..terms.len() {
                    let mut surface = String::new();
                    let mut sound = String::new();
                    for t in terms.iter().skip(start).take(4) {
                        if !t.pos.contains("名詞") {
                            break;
                        }
                        surface.push_str(&t.surface);
                        sound.push_str(&t.reading);
                        if surface.chars().count() > t.surface.chars().count() {
                            p.add_word(&sound, &surface, 1);
                        }
                    }
                }
            }
        }
        // Short latin words of the plan, by their letters: 「えーあい」, romaji 「ai」.
        for text in &texts {
            for word in crate::normalize::normalize(text).split(|c: char| !c.is_ascii_alphabetic()) {
                if (2..=4).contains(&word.len()) && !p.acronyms.iter().any(|a| a == word) {
                    p.acronyms.push(word.to_string());
                }
            }
        }
        for a in p.acronyms.clone() {
            if let Some(letters) = reading::spell_out(&a) {
                p.add_word(&letters, &a, 5);
            }
        }
        // The lexicon's phrases, whole and word by word: cues (「なんねんどから」), thesaurus
        // words (「すまほ」 stays スマホ, 「ないたー」 → ナイター) and stop-words.
        let mut phrases: Vec<&str> = Vec::new();
        for (_, cues) in &lexicon.intents {
            phrases.extend(cues.iter().map(String::as_str));
        }
        for list in [&lexicon.list, &lexicon.progress, &lexicon.kpi_words, &lexicon.kpi_present, &lexicon.kpi_absent] {
            phrases.extend(list.iter().map(String::as_str));
        }
        phrases.extend(lexicon.thesaurus.iter().map(|e| e.word.as_str()));
        phrases.extend(lexicon.stopwords.iter().map(String::as_str));
        phrases.extend(lexicon.not_in_plan.iter().map(|(p, _)| p.as_str()));
        for phrase in phrases {
            let terms = analyzer.terms(phrase);
            let sound: String = terms.iter().map(|t| t.reading.as_str()).collect();
            p.add_word(&sound, phrase, 50);
            for t in &terms {
                p.add_word(&t.reading, &t.surface, 2);
            }
        }
        p
    }

    fn add_word(&mut self, sound: &str, surface: &str, weight: u32) {
        let sound = fold(sound);
        if sound.is_empty() || sound.chars().count() > MAX_WORD || !sound.chars().all(reading::is_kana) {
            return;
        }
        let entry = self.words.entry(sound).or_insert_with(|| (surface.to_string(), 0));
        if entry.0 == surface {
            entry.1 += weight;
        } else if weight > entry.1 {
            *entry = (surface.to_string(), weight);
        }
    }

    /// The question rewritten in the plan's words when it is written by sound (kana or
    /// romaji), or `None` when it is not, or nothing in it reads as a plan word.
    ///
    /// The reading is cut into the fewest pieces, each a known word; a letter no word
    /// covers is kept as it is (and costs more than a word).
    pub fn kanjify(&self, question: &str) -> Option<String> {
        let normalized = crate::normalize::normalize(question);
        // Only a question with no kanji at all: one that has some is read as written.
        if !reading::is_phonetic(&normalized) || normalized.chars().any(is_kanji) {
            return None;
        }
        let kana = reading::romaji_question_with(&normalized, &self.acronyms).unwrap_or(normalized);
        let sound: Vec<char> = fold(&kana).chars().filter(|c| !c.is_whitespace()).collect();
        if sound.iter().filter(|c| reading::is_kana(**c)).count() < 3 {
            return None;
        }
        // cost[i]: the cheapest cut of sound[..i], in tenths; back[i]: where its last piece starts.
        let n = sound.len();
        let mut cost = vec![u32::MAX; n + 1];
        let mut back: Vec<(usize, Option<String>)> = vec![(0, None); n + 1];
        cost[0] = 0;
        for i in 0..n {
            if cost[i] == u32::MAX {
                continue;
            }
            // A letter kept as written.
            if cost[i] + 15 < cost[i + 1] {
                cost[i + 1] = cost[i] + 15;
                back[i + 1] = (i, None);
            }
            if !reading::is_kana(sound[i]) {
                continue;
            }
            let mut piece = String::new();
            for j in i..n.min(i + MAX_WORD) {
                piece.push(sound[j]);
                if let Some((surface, _)) = self.words.get(&piece)
                    && cost[i] + 10 < cost[j + 1]
                {
                    cost[j + 1] = cost[i] + 10;
                    back[j + 1] = (i, Some(surface.clone()));
                }
            }
        }
        let mut pieces = Vec::new();
        let mut at = n;
        let mut known = 0;
        while at > 0 {
            let (from, word) = &back[at];
            match word {
                Some(w) => {
                    known += 1;
                    pieces.push(w.clone());
                }
                None => pieces.push(sound[*from..at].iter().collect()),
            }
            at = *from;
        }
        pieces.reverse();
        (known > 0).then(|| pieces.concat())
    }

    /// The plan's words that sound like `reading` (kana-folded surfaces): exactly; and,
    /// looser, but for voicing marks or as the first or last part of a compound the plan
    /// writes as one word (登記 in 登記情報).
    pub fn homophones(&self, reading: &str) -> (Vec<String>, Vec<String>) {
        let exact = self.homophones.get(reading).cloned().unwrap_or_default();
        let mut loose: Vec<String> = self
            .unvoiced
            .get(&unvoice(reading))
            .map(|v| v.iter().filter(|w| !exact.contains(w)).cloned().collect())
            .unwrap_or_default();
        if reading.chars().count() >= 3 {
            for (sound, word) in &self.kanji_words {
                if sound.len() > reading.len()
                    && (sound.starts_with(reading) || sound.ends_with(reading))
                    && !exact.contains(word)
                {
                    push_unique(&mut loose, word);
                }
            }
        }
        (exact, loose)
    }
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

fn push_unique(list: &mut Vec<String>, word: &str) {
    if !list.iter().any(|w| w == word) {
        list.push(word.to_string());
    }
}
