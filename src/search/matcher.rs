//! Matching: how much of a question's subject an initiative holds, and by what evidence.
//!
//! Each [`SubjectTerm`] of the question is held by an initiative's text ([`DocText`]) with a
//! strength from 0 to 1, by the best of several matchers:
//!
//! | matcher | strength | example |
//! |---|---|---|
//! | the word, its stem or a thesaurus term in the text | 1.0 | ナイター → 夜間照明 |
//! | a KPI figure of the initiative | the figure's fit | 194件 → p.32 |
//! | most of the word's bigrams (a typo, a kana variant) | 0.8 | どこでも窓囗 |
//! | a plan word that sounds the same | 0.8 (0.6 if the word is the plan's own too) | 投機 → 登記 |
//! | a plan word that sounds the same but for voicing marks | 0.6 | 解雇 → 介護 |
//! | a plan word near in meaning (word vectors) | up to 0.6 | 判子 → 押印 |
//!
//! The coverage of an initiative is the weighted share its text holds (rarer words weigh
//! more; words of a long message's background weigh less and only count where they help).

use serde::Serialize;

use super::analyzer::bigrams;
use crate::normalize::fold_kana;

/// How a term came to be held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The word itself, its stem, or the phrase.
    Word,
    /// A thesaurus term.
    Thesaurus,
    /// A KPI figure.
    Figure,
    /// Most of its bigrams.
    Bigrams,
    /// A plan word with the same reading.
    Reading,
    /// A plan word with the same reading but for voicing marks.
    LooseReading,
    /// A plan word near in meaning.
    Vector,
}

/// One way a term may be found: a kana-folded form and what finding it is worth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    /// The text to look for, kana-folded.
    pub text: String,
    /// What finding it is worth (0–1).
    pub strength: f32,
    /// Which matcher proposed it.
    pub via: Via,
}

/// A word (or phrase, or figure) of the question that names its subject.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectTerm {
    /// The word as the question has it, kana-folded.
    pub word: String,
    /// Its reading.
    pub reading: String,
    /// The analyzer's term, for the morphological fields (empty for phrases and figures).
    #[serde(skip)]
    pub term: String,
    /// Every form that counts as a match, best first.
    pub forms: Vec<Form>,
    /// The pages that hold it without a text form (a KPI figure), with the strength.
    pub pages: Vec<(u16, f32)>,
    /// Rarity weight.
    pub weight: f32,
    /// 1 for words of the question itself, less for the background of a long message.
    pub importance: f32,
    /// True when some initiative holds the word as written: an initiative that lacks it
    /// then misses something the plan does speak of elsewhere, which counts more against it
    /// (a question about a booth that also asks to book it: 予約 is another initiative's word).
    #[serde(skip)]
    pub found_elsewhere: bool,
    /// Bigrams of the word itself (empty for figures).
    #[serde(skip)]
    pub bigrams: Vec<String>,
}

impl SubjectTerm {
    /// A term for `word` with its own form.
    pub fn new(word: &str, reading: &str, term: String, weight: f32) -> SubjectTerm {
        let folded = fold_kana(word);
        SubjectTerm {
            bigrams: bigrams(&folded),
            forms: vec![Form { text: folded.clone(), strength: 1.0, via: Via::Word }],
            word: folded,
            reading: reading.to_string(),
            term,
            pages: Vec::new(),
            weight,
            importance: 1.0,
            found_elsewhere: false,
        }
    }

    /// Adds a form unless one as good is there.
    pub fn add_form(&mut self, text: &str, strength: f32, via: Via) {
        if text.is_empty() {
            return;
        }
        match self.forms.iter_mut().find(|f| f.text == text) {
            Some(f) if f.strength >= strength => {}
            Some(f) => {
                f.strength = strength;
                f.via = via;
            }
            None => self.forms.push(Form { text: text.to_string(), strength, via }),
        }
    }

    /// True when the term is a background word of a long message.
    pub fn is_background(&self) -> bool {
        self.importance < 1.0
    }
}

/// One initiative's texts, prepared once for matching.
pub struct DocText {
    /// Its page.
    pub page: u16,
    /// Everything it says, normalised and kana-folded.
    pub folded: String,
    /// The bigrams of `folded`, packed and sorted (see [`pack`]).
    pub bigrams: Vec<u64>,
    /// The words of its name (title without brackets, and heading).
    pub name_terms: Vec<String>,
    /// Its title and heading, normalised and kana-folded.
    pub name: String,
    /// Each line of its text (items, KPI names), kana-folded: words that stand together.
    pub lines: Vec<String>,
    /// Its KPI names, kana-folded.
    pub kpi_names: Vec<String>,
    /// The text of each of its sections, kana-folded, in [`SECTIONS`] order.
    pub sections: [String; SECTIONS.len()],
}

/// The sections of an initiative a question's words can be found in, each named by the
/// intent that answers with it.
pub const SECTIONS: [&str; 5] = ["contents", "methods", "effects", "kpi", "schedule"];

impl DocText {
    /// The match data of one initiative, given the words of its name.
    pub fn of(i: &crate::plan::Initiative, name_terms: &[String]) -> DocText {
        let mut text = i.full_text();
        text.push_str(&i.department_label());
        let folded = fold_kana(&text);
        let mut bigrams: Vec<u64> = super::analyzer::bigrams(&folded).iter().map(|g| pack(g)).collect();
        bigrams.sort_unstable();
        bigrams.dedup();
        let name = fold_kana(&format!("{}\n{}", i.title, i.heading));
        // Line by line: normalising the whole text would join lines of Japanese.
        let lines = text.lines().map(fold_kana).collect();
        let kpi_names: Vec<String> = i.kpis.iter().map(|k| fold_kana(&k.name)).collect();
        let cells = i.schedule.iter().flat_map(|row| row.cells.iter().map(|(_, cell)| cell.as_str()));
        let sections = [
            fold_kana(&i.contents.join("\n")),
            fold_kana(&i.methods.join("\n")),
            fold_kana(&i.effects.join("\n")),
            kpi_names.join("\n"),
            fold_kana(&cells.collect::<Vec<_>>().join("\n")),
        ];
        DocText { page: i.page, folded, bigrams, name_terms: name_terms.to_vec(), name, lines, kpi_names, sections }
    }

    /// Which of its sections hold `term` in one of its forms of full strength (by
    /// [`SECTIONS`] order); none for a word of its name, which tells the initiative and
    /// not what is asked of it.
    pub fn sections_holding(&self, term: &SubjectTerm) -> [bool; SECTIONS.len()] {
        let mut held = [false; SECTIONS.len()];
        let forms = || term.forms.iter().filter(|f| f.strength >= 0.9 && f.text.chars().count() >= 2);
        if forms().any(|f| self.name.contains(f.text.as_str())) {
            return held;
        }
        for (h, section) in held.iter_mut().zip(&self.sections) {
            *h = forms().any(|f| section.contains(f.text.as_str()));
        }
        held
    }

    /// How strongly the text holds `term` (0 when not at all), and by what.
    pub fn holds(&self, term: &SubjectTerm) -> (f32, Option<Via>) {
        let mut best = (0.0, None);
        if let Some((_, s)) = term.pages.iter().find(|(p, _)| *p == self.page) {
            best = (*s, Some(Via::Figure));
        }
        for f in &term.forms {
            if f.strength > best.0 && self.folded.contains(f.text.as_str()) {
                best = (f.strength, Some(f.via));
            }
        }
        if best.0 < 0.8 && !term.bigrams.is_empty() {
            // A misspelt or differently written word: most of its bigrams are there.
            let grams = &term.bigrams;
            let held = grams.iter().filter(|g| self.bigrams.binary_search(&pack(g)).is_ok()).count();
            if grams.len() >= 3 && held as f32 / grams.len() as f32 >= 0.66 {
                best = (0.8, Some(Via::Bigrams));
            }
        }
        best
    }

    /// True when a form of `term` stands in the name.
    fn names(&self, term: &SubjectTerm) -> bool {
        term.forms.iter().any(|f| f.strength >= 0.8 && self.name.contains(f.text.as_str()))
    }

    /// True when forms of two of `terms` stand in one line.
    fn together(&self, terms: &[&SubjectTerm]) -> bool {
        self.lines.iter().any(|line| {
            terms.iter().filter(|t| t.forms.iter().any(|f| f.strength >= 0.8 && line.contains(f.text.as_str()))).count()
                >= 2
        })
    }
}

/// What a word the initiative lacks but another holds counts in addition to its weight.
const CONFLICT: f32 = 0.5;

/// What an initiative holds of a question's subject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// The weight of the question's own words it holds (times their strength).
    pub held: f32,
    /// The weight of all the question's own words.
    pub total: f32,
    /// The weight of the background words (of a long message) it holds.
    pub background: f32,
}

impl Evidence {
    /// The coverage: the share of the question's words held, with the background counted
    /// against the best any initiative holds of it (`best_background`): background words
    /// never count against an initiative that does not mention them, but the one that holds
    /// most of them fits best.
    pub fn coverage(&self, best_background: f32) -> f32 {
        let denominator = self.total + best_background;
        if denominator <= 0.0 { 0.0 } else { (self.held + self.background) / denominator }
    }
}

/// What `doc` holds of `subject`.
pub fn evidence(subject: &[SubjectTerm], doc: &DocText) -> Evidence {
    let mut total = 0.0;
    let mut held_weight = 0.0;
    let mut background = 0.0;
    let mut held: Vec<&SubjectTerm> = Vec::new();
    for t in subject {
        let (strength, _) = doc.holds(t);
        let w = t.weight * t.importance;
        if t.is_background() {
            background += w * strength;
            continue;
        }
        total += w;
        if strength <= 0.0 && t.found_elsewhere {
            total += w * CONFLICT;
        }
        if strength > 0.0 {
            held_weight += w * strength;
            if t.pages.is_empty() {
                held.push(t);
            }
        }
    }
    // Words that only meet in different corners of a long text (「職員」 in one section,
    // 「人数」 in another) do not make an answer: at least one must be in the name, or two
    // must stand in one line.
    let scattered = held.len() >= 2 && !held.iter().any(|t| doc.names(t)) && !doc.together(&held);
    if scattered {
        held_weight *= 0.5;
    }
    Evidence { held: held_weight, total, background }
}

/// The coverage of `doc` for a question measured alone (its own background is the best).
pub fn coverage(subject: &[SubjectTerm], doc: &DocText) -> f32 {
    let e = evidence(subject, doc);
    e.coverage(e.background)
}

/// A bigram (or a single character) as one number: two chars side by side.
pub fn pack(gram: &str) -> u64 {
    let mut chars = gram.chars();
    let a = chars.next().map_or(0, u64::from);
    let b = chars.next().map_or(0, u64::from);
    (a << 32) | b
}

/// True when `a` becomes `b` by at most one substitution, insertion or deletion.
pub fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => short.iter().zip(long).filter(|(x, y)| x != y).count() <= 1,
        1 => {
            let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
            short[prefix..] == long[prefix + 1..]
        }
        _ => false,
    }
}

/// 「どこでも窓口(行政手続のオンライン化)」 → 「どこでも窓口」.
pub fn strip_brackets(title: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in title.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str, name: &str) -> DocText {
        let folded = fold_kana(text);
        let mut grams: Vec<u64> = bigrams(&folded).iter().map(|g| pack(g)).collect();
        grams.sort_unstable();
        DocText {
            page: 1,
            lines: text.lines().map(fold_kana).collect(),
            folded,
            bigrams: grams,
            name_terms: Vec::new(),
            name: fold_kana(name),
            kpi_names: Vec::new(),
            sections: [fold_kana(text), String::new(), String::new(), String::new(), String::new()],
        }
    }

    #[test]
    fn a_word_is_found_in_its_section_and_a_name_word_in_none() {
        let mut d = doc("内容", "予約システム");
        d.sections[1] = fold_kana("電子錠を設置");
        let mut lock = SubjectTerm::new("電子錠", "デンシジョウ", String::new(), 1.0);
        lock.add_form("電子錠", 1.0, Via::Word);
        assert_eq!(d.sections_holding(&lock), [false, true, false, false, false]);
        let mut name = SubjectTerm::new("予約", "ヨヤク", String::new(), 1.0);
        name.add_form("予約", 1.0, Via::Word);
        assert_eq!(d.sections_holding(&name), [false; 5]);
    }

    #[test]
    fn a_thesaurus_form_holds_and_a_missing_word_does_not() {
        let d = doc("体育施設及び学校開放事業夜間照明の使用料", "夜間照明");
        let mut t = SubjectTerm::new("ナイター", "ナイタア", String::new(), 1.0);
        assert_eq!(d.holds(&t).0, 0.0);
        t.add_form("夜間照明", 1.0, Via::Thesaurus);
        assert_eq!(d.holds(&t), (1.0, Some(Via::Thesaurus)));
    }

    #[test]
    fn a_typo_is_held_by_its_bigrams() {
        let d = doc("オンライン申請システム「どこでも窓口」の導入", "どこでも窓口");
        let t = SubjectTerm::new("どこでも窓囗", "", String::new(), 1.0);
        assert_eq!(d.holds(&t), (0.8, Some(Via::Bigrams)));
    }

    #[test]
    fn background_words_only_help() {
        let d = doc("ゆータクの利便性向上\nAIオンデマンドシステムの導入", "AIデマンド交通");
        let mut focus = SubjectTerm::new("ai", "", String::new(), 1.0);
        focus.add_form("オンデマンド", 1.0, Via::Thesaurus);
        let mut unknown = SubjectTerm::new("運転免許", "", String::new(), 3.0);
        unknown.importance = 0.4;
        let mut known = SubjectTerm::new("ゆータク", "", String::new(), 3.0);
        known.importance = 0.4;
        assert!((coverage(&[focus.clone(), unknown], &d) - 1.0).abs() < 1e-6);
        assert!((coverage(&[focus.clone(), known.clone()], &d) - 1.0).abs() < 1e-6);
        // Against an initiative holding more of the background, this one fits less.
        assert!(evidence(&[focus, known], &d).coverage(2.4) < 1.0);
    }

    #[test]
    fn words_scattered_over_a_text_count_half() {
        let d = doc("職員の負担軽減\n利用人数", "何か");
        let a = SubjectTerm::new("職員", "", String::new(), 1.0);
        let b = SubjectTerm::new("人数", "", String::new(), 1.0);
        assert!((coverage(&[a, b], &d) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn one_edit_apart() {
        let a: Vec<char> = "どこでも窓口".chars().collect();
        let b: Vec<char> = "どこでも窓囗".chars().collect();
        assert!(within_one_edit(&a, &b));
        assert!(!within_one_edit(&a, &a[..4]));
    }
}
