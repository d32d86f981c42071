//! Understanding a question before retrieval: what is asked (the [`Intent`]), which list
//! filters it names ([`Filters`]), whether it asks for something the plan never states, and
//! which part of it names the subject. Works on normalised text; knows the plan only through
//! the department and means names it is given.

use std::ops::Range;

use serde::Serialize;

use super::analyzer::Term;
pub use super::intent::Intent;
use super::lexicon::Lexicon;
use crate::normalize::normalize;
use crate::plan::{FiscalYear, Plan};

/// A year a list is filtered by, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct YearFilter {
    /// The year.
    pub year: FiscalYear,
    /// Starting, ending, or running in that year.
    pub relation: YearRelation,
}

/// How a [`YearFilter`] applies to an initiative's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YearRelation {
    /// 「令和9年度から始まる」.
    Starts,
    /// 「令和9年度まで」, 「令和9年度に終わる」.
    Ends,
    /// 「令和9年度の」, 「令和9年度に実施」.
    Active,
}

/// The list filters a question names.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Filters {
    /// A department of the plan.
    pub department: Option<String>,
    /// A basic policy (1–3).
    pub policy: Option<u8>,
    /// A basic means (by number).
    pub means: Option<u8>,
    /// A fiscal year.
    pub year: Option<YearFilter>,
    /// With a KPI table (`Some(true)`) or without one (`Some(false)`).
    pub kpi: Option<bool>,
    /// Only initiatives of a single fiscal year.
    pub single_year: bool,
    /// The oldest or the newest initiative.
    pub superlative: Option<Superlative>,
    /// Only initiatives whose KPI targets are the same every year.
    pub constant_targets: bool,
    /// Initiatives whose schedule shows this stage (構築, 運用) in this year, or in any year.
    pub stage: Option<(Option<FiscalYear>, String)>,
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.department.is_none()
            && self.policy.is_none()
            && self.means.is_none()
            && self.year.is_none()
            && self.kpi.is_none()
            && !self.single_year
            && self.superlative.is_none()
            && !self.constant_targets
            && self.stage.is_none()
    }
}

/// Which end of the plan's time line a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Superlative {
    /// The initiative that started first (「最も古くから」).
    Oldest,
    /// The initiative that started last (「一番新しい」).
    Newest,
}

/// A question taken apart.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The normalised question.
    pub text: String,
    /// The intent its cues name, if any.
    pub intent: Option<Intent>,
    /// The cue that named the intent.
    pub cue: Option<String>,
    /// True when the only contents cue is a weak one (「どんな事業」).
    pub weak_contents: bool,
    /// True when it asks for several initiatives.
    pub list: bool,
    /// Something it asks that the plan never states (予算 …).
    pub unsupported: Option<String>,
    /// Its list filters.
    pub filters: Filters,
    /// The fiscal year it mentions, if any (for highlighting a KPI's year).
    pub year: Option<FiscalYear>,
    /// The question with cues, filters and years blanked out: what names the subject.
    pub subject_text: String,
    /// True when it asks for progress: actuals against targets (「進捗」「達成状況」).
    pub progress: bool,
    /// True when it speaks of initiatives in general (「子育ての取組」): an answer that fits
    /// several equally is then a list, not a choice.
    pub about_initiatives: bool,
}

/// What [`parse`] needs besides the question.
pub struct Context<'a> {
    /// The plan (department, policy and means names).
    pub plan: &'a Plan,
    /// The word lists.
    pub lexicon: &'a Lexicon,
    /// Each department with its reading, for departments written with a homophone slip
    /// (「機器管理課」 for 危機管理課).
    pub department_readings: &'a [(String, String)],
}

/// Takes a question apart. `terms` are the analyzer's terms of `text` (the normalised
/// question), used to find departments by reading.
pub fn parse(text: &str, terms: &[Term], cx: &Context<'_>) -> Parsed {
    let text = text.to_string();
    let lex = cx.lexicon;
    let mut blank: Vec<Range<usize>> = Vec::new();
    let mut filters = Filters::default();

    // Departments: the full name, its stem when long enough to be unambiguous, or the same
    // reading (a homophone typed by mistake).
    let mut best: Option<(usize, Range<usize>, &str)> = None;
    for dept in cx.plan.departments() {
        let name = normalize(dept);
        let stem = name.strip_suffix('課').filter(|s| s.chars().count() >= 4);
        for form in std::iter::once(name.as_str()).chain(stem) {
            if let Some(at) = text.find(form) {
                let len = form.len();
                if best.as_ref().is_none_or(|(l, _, _)| len > *l) {
                    best = Some((len, at..at + len, dept));
                }
            }
        }
    }
    if best.is_none() {
        best = department_by_reading(terms, cx.department_readings);
    }
    if best.is_none() {
        best = department_misspelt(&text, cx.plan);
    }
    if let Some((_, range, dept)) = best {
        filters.department = Some(dept.to_string());
        blank.push(range);
    }
    let dept_span = blank.first().cloned();
    // A cue inside a department's name (「担当課」 in no name, but 「課は」 after one) is
    // not a cue; one that runs on past the name (「…課がやってる」) is.
    let overlaps_dept = |at: usize, len: usize| dept_span.as_ref().is_some_and(|d| d.start <= at && at + len <= d.end);

    // List facets first: their words (「目標値が空欄」) are not intent cues.
    filters.kpi = kpi_facet(&text, lex, &mut blank);
    filters.single_year = mark(&text, &lex.single_year, &mut blank);
    if mark(&text, &lex.oldest, &mut blank) {
        filters.superlative = Some(Superlative::Oldest);
    } else if mark(&text, &lex.newest, &mut blank) {
        filters.superlative = Some(Superlative::Newest);
    }
    filters.constant_targets = mark(&text, &lex.constant_targets, &mut blank);

    // Fiscal years, and how they relate.
    // A year a figure is measured against (「令和5年度比20%減」) is no year the question is
    // about.
    let years: Vec<_> =
        FiscalYear::find_all(&text).into_iter().filter(|(_, r)| !text[r.end..].starts_with('比')).collect();
    let year = years.first().map(|(y, _)| *y);
    if let Some((y, range)) = years.first() {
        let after = &text[range.end..];
        let after = after.trim_start_matches(['は', 'に', 'で', 'が', 'の']);
        let skipped = text.len() - range.end - after.len();
        let starts = lex.starts.iter().find(|t| after.starts_with(t.as_str()));
        let ends = lex.ends.iter().find(|t| after.starts_with(t.as_str()));
        let (relation, tail) = match (starts, ends) {
            (Some(s), _) => (YearRelation::Starts, s.len()),
            (None, Some(e)) => (YearRelation::Ends, e.len()),
            _ => (YearRelation::Active, 0),
        };
        // 「令和N年度に構築中」: a stage of the schedule in that year.
        if let Some((phrase, word)) = lex.stages.iter().find(|(p, _)| after.contains(p.as_str())) {
            filters.stage = Some((Some(*y), word.clone()));
            if let Some(at) = text[range.end..].find(phrase.as_str()) {
                blank.push(range.end + at..range.end + at + phrase.len());
            }
        } else {
            filters.year = Some(YearFilter { year: *y, relation });
        }
        let tail = if tail > 0 { skipped + tail } else { 0 };
        blank.push(range.start..range.end + tail);
    }

    mark(&text, &lex.neutral, &mut blank);
    // The intent: the longest cue wins; on a tie, the earlier intent of the lexicon's order.
    let mut intent: Option<(usize, Intent, String)> = None;
    for (candidate, cues) in &lex.intents {
        for cue in cues {
            for (at, _) in text.match_indices(cue.as_str()) {
                if overlaps_dept(at, cue.len()) || covered(&blank, at..at + cue.len()) {
                    continue;
                }
                // A cue that continues a department's name (「…課は」) needs one: 「効課は」 is a
                // slip for 効果, not a question about a department.
                if cue.starts_with('課')
                    && filters.department.is_none()
                    && text[..at].chars().next_back().is_some_and(|c| !crate::search::reading::is_kana(c))
                {
                    continue;
                }
                blank.push(at..at + cue.len());
                let len = cue.chars().count();
                if intent.as_ref().is_none_or(|(l, _, _)| len > *l) {
                    intent = Some((len, *candidate, cue.clone()));
                }
            }
        }
    }
    // Weak when every contents cue of the question is a weak one.
    let weak_contents = intent.as_ref().is_some_and(|(_, i, _)| *i == Intent::Contents)
        && lex
            .intents
            .iter()
            .filter(|(i, _)| *i == Intent::Contents)
            .flat_map(|(_, cues)| cues)
            .filter(|c| text.contains(c.as_str()))
            .all(|c| lex.weak_contents.contains(c));
    let (intent, cue) = match intent {
        Some((_, i, c)) => (Some(i), Some(c)),
        None => match lex.kpi_weak.iter().find(|c| text.contains(c.as_str())) {
            Some(c) => {
                if let Some(at) = text.find(c.as_str()) {
                    blank.push(at..at + c.len());
                }
                (Some(Intent::Kpi), Some(c.clone()))
            }
            None => (None, None),
        },
    };

    let mut unsupported = None;
    for (word, what) in &lex.not_in_plan {
        if let Some(at) = text.find(word.as_str()) {
            unsupported.get_or_insert_with(|| what.clone());
            blank.push(at..at + word.len());
        }
    }

    // 基本方針N (「三つ目の方針」, 「第2の柱」 …), or a policy named by its theme.
    if let Some((n, range)) = super::policy_number::find(&text, &|n| cx.plan.policy(n).is_some()) {
        filters.policy = Some(n);
        blank.push(range);
    }
    if filters.policy.is_none() {
        for (phrase, n) in &lex.policies {
            if let Some(at) = text.find(phrase.as_str()) {
                filters.policy = Some(*n);
                blank.push(at..at + phrase.len());
                break;
            }
        }
    }
    // Basic means, by name or stem (「キャッシュレス化」, 「キャッシュレス」).
    for m in &cx.plan.means {
        let name = normalize(&m.name);
        let stem = name.trim_end_matches('化').to_string();
        if let Some(at) = text.find(&stem) {
            let end = if text[at..].starts_with(&name) { at + name.len() } else { at + stem.len() };
            filters.means = Some(m.number);
            blank.push(at..end);
            break;
        }
    }
    // A list cue that overlaps an intent cue (「取組は何」 in 「取組は何をする」) is not one.
    let list = mark_free(&text, &lex.list, &mut blank);
    let progress = mark(&text, &lex.progress, &mut blank);
    mark(&text, &lex.ignore, &mut blank);
    let subject_text = blank_out(&text, &blank);
    let about_initiatives = lex.about.iter().any(|w| text.contains(w.as_str()));
    Parsed {
        text,
        intent,
        cue,
        weak_contents,
        list,
        unsupported,
        filters,
        year,
        subject_text,
        progress,
        about_initiatives,
    }
}

/// A department found in a question: the length of what was found, where, and the name.
type DepartmentMatch<'a> = (usize, Range<usize>, &'a str);

/// A department whose reading the question's words spell out, with the byte range of those
/// words.
fn department_by_reading<'a>(
    terms: &[Term],
    readings: &'a [(String, String)],
) -> Option<(usize, Range<usize>, &'a str)> {
    for (dept, reading) in readings {
        if reading.chars().count() < 4 {
            continue;
        }
        // Every run of consecutive terms whose readings concatenate to the department's.
        for start in 0..terms.len() {
            let mut joined = String::new();
            for (end, t) in terms.iter().enumerate().skip(start) {
                joined.push_str(&t.reading);
                if joined == *reading {
                    let range = terms[start].span.start..t.span.end;
                    return Some((range.len(), range, dept.as_str()));
                }
                if !reading.starts_with(&joined) || end - start > 6 {
                    break;
                }
            }
        }
    }
    None
}

/// A department written with up to two wrong characters (「市民共同推進課」 for 市民協働推進課):
/// a name of five or more characters, ending in 課 as written, the rest mostly the same.
fn department_misspelt<'a>(text: &str, plan: &'a Plan) -> Option<DepartmentMatch<'a>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // (characters wrong, the match); two departments equally near are no answer.
    let mut best: Option<(usize, DepartmentMatch<'a>)> = None;
    let mut tied = false;
    for dept in plan.departments() {
        let name: Vec<char> = normalize(dept).chars().collect();
        if name.len() < 5 || name.last() != Some(&'課') || chars.len() < name.len() {
            continue;
        }
        for start in 0..=chars.len() - name.len() {
            let window = &chars[start..start + name.len()];
            if window.last().map(|(_, c)| *c) != Some('課') {
                continue;
            }
            let wrong = window.iter().zip(&name).filter(|((_, a), b)| a != *b).count();
            if wrong == 0 || wrong > 2 || wrong * 3 > name.len() {
                continue;
            }
            let from = window[0].0;
            let to = window[name.len() - 1].0 + '課'.len_utf8();
            match &best {
                Some((w, (_, _, d))) if *w == wrong && *d != dept => tied = true,
                Some((w, _)) if *w <= wrong => {}
                _ => {
                    best = Some((wrong, (to - from, from..to, dept)));
                    tied = false;
                }
            }
        }
    }
    if tied { None } else { best.map(|(_, m)| m) }
}

/// 「KPIがある」 → `Some(true)`, 「数値目標なし」「目標値が空欄」 → `Some(false)`.
fn kpi_facet(text: &str, lex: &Lexicon, blank: &mut Vec<Range<usize>>) -> Option<bool> {
    for word in &lex.kpi_words {
        for (at, _) in text.match_indices(word.as_str()) {
            let after_at = at + word.len();
            let after = &text[after_at..];
            // The presence or absence word may follow a few characters later
            // (「KPIの表がない」「KPIが設定されている」).
            let window: String = after.chars().take(12).collect();
            let found = |words: &[String]| {
                words.iter().filter_map(|w| window.find(w.as_str()).map(|p| (p, w.len()))).min_by_key(|(p, _)| *p)
            };
            let absent = found(&lex.kpi_absent);
            let present = found(&lex.kpi_present);
            let pick = match (absent, present) {
                (Some(a), Some(p)) if a.0 <= p.0 || a.0 + a.1 > p.0 + p.1 => Some((false, a)),
                (Some(a), None) => Some((false, a)),
                (_, Some(p)) => Some((true, p)),
                (None, None) => None,
            };
            if let Some((has, (p, len))) = pick {
                blank.push(at..after_at + p + len);
                return Some(has);
            }
        }
    }
    None
}

/// True when `range` lies inside one of `blank`.
fn covered(blank: &[Range<usize>], range: Range<usize>) -> bool {
    blank.iter().any(|b| b.start <= range.start && range.end <= b.end)
}

/// Adds every occurrence of every phrase to `blank`; true when any occurs.
fn mark(text: &str, phrases: &[String], blank: &mut Vec<Range<usize>>) -> bool {
    let before = blank.len();
    for phrase in phrases {
        blank.extend(text.match_indices(phrase.as_str()).map(|(at, _)| at..at + phrase.len()));
    }
    blank.len() > before
}

/// Like [`mark`], but only occurrences that overlap nothing marked already.
fn mark_free(text: &str, phrases: &[String], blank: &mut Vec<Range<usize>>) -> bool {
    let mut found = Vec::new();
    for phrase in phrases {
        for (at, _) in text.match_indices(phrase.as_str()) {
            let r = at..at + phrase.len();
            if !blank.iter().any(|b| b.start < r.end && r.start < b.end) {
                found.push(r);
            }
        }
    }
    let any = !found.is_empty();
    blank.extend(found);
    any
}

/// `text` with the byte ranges replaced by 「、」, which no term spans.
fn blank_out(text: &str, ranges: &[Range<usize>]) -> String {
    let mut mask = vec![false; text.len()];
    for r in ranges {
        for m in &mut mask[r.start.min(text.len())..r.end.min(text.len())] {
            *m = true;
        }
    }
    // Each blanked character becomes a filler of the same length in bytes, so that a byte
    // offset means the same place in the question and in its subject text.
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if mask[i] {
            match c.len_utf8() {
                3 => out.push('、'),
                1 => out.push(' '),
                n => (0..n / 2).for_each(|_| out.push('·')),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_keeps_byte_offsets() {
        let text = "どこでも窓口のkpi";
        let kpi = text.find("kpi").unwrap();
        let blanked = blank_out(text, &[kpi..text.len(), 0..3]);
        assert_eq!(blanked, "、こでも窓口の   ");
        assert_eq!(blanked.len(), text.len());
    }
}
