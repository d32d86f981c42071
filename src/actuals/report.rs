//! Understanding a report — 「どこでも窓口 搭載手続数 R8 92件」 or 「どこでも窓口の搭載手続数、
//! 令和8年度は92件でした」 — into a [`ResolvedReport`], and deciding who may write it.
//!
//! Every way of reporting (the CLI, the bot's `/report`, its guided flow, a plain message)
//! goes through [`resolve`]; refusals say why in Japanese, for the person who reported.

pub use super::resolved::{Refusal, ResolvedReport};
use super::value::{ReportedValue, ValueError};
use crate::normalize::{fold_kana, normalize};
use crate::plan::{FiscalYear, Initiative, Kpi, Plan};

/// How the caller's search found an initiative named in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Exactly one.
    One(u16),
    /// Several fit equally.
    Many(Vec<u16>),
    /// None; near misses.
    None(Vec<u16>),
}

/// Finds initiatives by name (implemented by the search engine).
pub trait InitiativeFinder {
    /// Finds the initiative `text` names.
    fn find_initiative(&self, text: &str) -> Found;
}

/// Resolves the four parts of a report: initiative, indicator, year, value, read on `today`
/// (the current fiscal year: a year that has not started is refused).
pub fn resolve(
    plan: &Plan,
    finder: &dyn InitiativeFinder,
    initiative: &str,
    indicator: &str,
    year: &str,
    value: &str,
    today: FiscalYear,
) -> Result<ResolvedReport, Refusal> {
    let i = find_initiative(plan, finder, initiative)?;
    let kpi = find_indicator(i, indicator)?;
    let year = FiscalYear::parse(year).ok_or_else(|| Refusal::BadYear(year.trim().to_string()))?;
    finish(plan, i, kpi, year, value, today)
}

fn finish(
    plan: &Plan,
    i: &Initiative,
    kpi: &Kpi,
    year: FiscalYear,
    value: &str,
    today: FiscalYear,
) -> Result<ResolvedReport, Refusal> {
    if !plan.years.contains(&year) {
        return Err(Refusal::YearOutsidePlan { year: year.to_string(), range: year_range(&plan.years) });
    }
    not_started(year, today)?;
    let Some(target) = kpi.target(year) else {
        return Err(Refusal::NoTargetThatYear {
            kpi: kpi.name.clone(),
            year: year.japanese(),
            years: kpi.targets.iter().map(|(y, _)| y.japanese()).collect::<Vec<_>>().join("・"),
        });
    };
    let value = ReportedValue::parse(value)?.check_against(kpi)?;
    let warning = value.implausible(kpi);
    Ok(ResolvedReport {
        page: i.page,
        kpi: kpi.name.clone(),
        year,
        value,
        target: target.raw.clone(),
        warning,
        year_note: None,
    })
}

/// Refuses a fiscal year that has not started on `today`: nothing can have been achieved in
/// it yet (a value for it is a slip of the year, or a plan, not an actual).
pub fn not_started(year: FiscalYear, today: FiscalYear) -> Result<(), Refusal> {
    if year <= today {
        return Ok(());
    }
    Err(Refusal::YearNotStarted {
        year: year.japanese(),
        starts: format!("{}年4月1日", year.gregorian()),
        today: today.japanese(),
    })
}

fn year_range(years: &[FiscalYear]) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if a != b => format!("{}～{}", a.japanese(), b.japanese()),
        (Some(a), _) => a.japanese(),
        _ => "（なし）".into(),
    }
}

/// The initiative `text` names: a page number (「p18」, 「18」) or a name.
pub fn find_initiative<'p>(
    plan: &'p Plan,
    finder: &dyn InitiativeFinder,
    text: &str,
) -> Result<&'p Initiative, Refusal> {
    let t = normalize(text);
    let digits = t.trim_start_matches('p').trim_start_matches('.').trim_end_matches("ページ").trim_end_matches('頁');
    if let Ok(page) = digits.parse::<u16>()
        && let Some(i) = plan.initiative(page)
    {
        return Ok(i);
    }
    let titles = |pages: &[u16]| pages.iter().filter_map(|p| plan.initiative(*p)).map(|i| i.title.clone()).collect();
    match finder.find_initiative(text) {
        Found::One(page) => plan
            .initiative(page)
            .ok_or_else(|| Refusal::UnknownInitiative { query: text.trim().into(), suggestions: Vec::new() }),
        Found::Many(pages) => {
            Err(Refusal::AmbiguousInitiative { query: text.trim().into(), candidates: titles(&pages) })
        }
        Found::None(pages) => {
            Err(Refusal::UnknownInitiative { query: text.trim().into(), suggestions: titles(&pages) })
        }
    }
}

/// The indicator of `i` that `text` names: the name itself, a part of it, or, failing that,
/// the closest by shared bigrams. An initiative with one KPI takes an empty `text`.
pub fn find_indicator<'i>(i: &'i Initiative, text: &str) -> Result<&'i Kpi, Refusal> {
    if i.kpis.is_empty() {
        return Err(Refusal::NoKpi { initiative: i.title.clone() });
    }
    let q = fold_kana(text);
    if q.is_empty() && i.kpis.len() == 1 {
        return Ok(&i.kpis[0]);
    }
    let names: Vec<String> = i.kpis.iter().map(|k| fold_kana(&k.name)).collect();
    if let Some(n) = names.iter().position(|n| *n == q) {
        return Ok(&i.kpis[n]);
    }
    let containing: Vec<usize> =
        (0..names.len()).filter(|n| !q.is_empty() && (names[*n].contains(&q) || q.contains(&names[*n]))).collect();
    if let [one] = containing[..] {
        return Ok(&i.kpis[one]);
    }
    let mut scored: Vec<(f32, usize)> = names.iter().enumerate().map(|(n, name)| (dice(&q, name), n)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    if let Some((best, n)) = scored.first()
        && *best >= 0.5
        && scored.get(1).is_none_or(|(second, _)| second < best)
    {
        return Ok(&i.kpis[*n]);
    }
    Err(Refusal::UnknownIndicator {
        initiative: i.title.clone(),
        query: text.trim().into(),
        indicators: scored.iter().map(|(_, n)| i.kpis[*n].name.clone()).collect(),
    })
}

/// Dice similarity of two strings' character bigrams.
fn dice(a: &str, b: &str) -> f32 {
    let grams = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = s.chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let shared = ga.iter().filter(|g| gb.contains(g)).count();
    2.0 * shared as f32 / (ga.len() + gb.len()) as f32
}

/// Understands a report written as a sentence: 「どこでも窓口の搭載手続数、令和8年度は92件でした」.
///
/// The numbers are found by the same scanner as a question's figures
/// ([`crate::numbers::scan`]). Exactly one fiscal year must be named (「今年度」「来年度」
/// 「昨年度」 are read from `this_year`, the current fiscal year, and said before writing),
/// and exactly one value besides it; anything else is refused with the reason, never
/// guessed. A year after `this_year` has not started and is refused.
pub fn parse_message(
    plan: &Plan,
    finder: &dyn InitiativeFinder,
    message: &str,
    this_year: FiscalYear,
) -> Result<ResolvedReport, Refusal> {
    if crate::numbers::odd_digit(message).is_some() {
        return Err(Refusal::Value(ValueError::OddDigits(message.trim().to_string())));
    }
    let text = normalize(message);
    let years = FiscalYear::find_all(&text);
    let tokens = crate::numbers::scan(&text);
    if tokens.is_empty() {
        return Err(Refusal::NotAReport);
    }
    let in_year =
        |span: &std::ops::Range<usize>| years.iter().any(|(_, r)| r.start <= span.start && span.start < r.end);
    // Year-like numbers that are no year we read: refuse rather than take them as values.
    if let Some(t) = tokens.iter().find(|t| t.year_like && !in_year(&t.digits)) {
        // Shown with the letters around it (「FY2027」「R0」「7年度」), as written.
        let before = &text[..t.digits.start];
        let prefix = crate::numbers::YEAR_BEFORE.iter().find(|p| before.ends_with(**p)).map_or(0, |p| p.len());
        let after = &text[t.digits.end..];
        let suffix = ["年度", "年"].iter().find(|s| after.starts_with(**s)).map_or(0, |s| s.len());
        return Err(Refusal::UnreadableYear(text[t.digits.start - prefix..t.digits.end + suffix].to_string()));
    }
    let mut distinct: Vec<FiscalYear> = years.iter().map(|(y, _)| *y).collect();
    distinct.dedup();
    let (year, year_note) = match distinct.as_slice() {
        [one] => (*one, None),
        [] => relative_year(&text, this_year).ok_or(Refusal::NoYear)?,
        several => {
            return Err(Refusal::SeveralYears(several.iter().map(|y| y.japanese()).collect::<Vec<_>>().join("・")));
        }
    };
    let values: Vec<&crate::numbers::NumberToken> = tokens.iter().filter(|t| !in_year(&t.digits)).collect();
    let value = match values.as_slice() {
        [] => return Err(Refusal::NotAReport),
        [one] => *one,
        several => {
            let shown: Vec<&str> = several.iter().map(|t| &text[t.span.clone()]).collect();
            return Err(Refusal::SeveralValues(shown.join("・")));
        }
    };
    let value_text = &text[value.span.clone()];
    // What names the initiative and the indicator: the text before the year and the value.
    let first_year = years.first().map(|(_, r)| r.start).unwrap_or(value.span.start);
    let head_end = first_year.min(value.span.start);
    let head = text[..head_end].trim_end_matches(['、', ',', ' ', 'は', 'が', 'の']).to_string();
    let head = strip_relative_year(&head);
    if head.is_empty() {
        return Err(Refusal::NotAReport);
    }
    let i = find_initiative(plan, finder, &head)?;
    let kpi = indicator_in(i, &head)?;
    let mut resolved = finish(plan, i, kpi, year, value_text, this_year)?;
    resolved.year_note = year_note;
    Ok(resolved)
}

/// Words for a fiscal year relative to the current one, with the offset.
const RELATIVE_YEARS: &[(&str, i32)] =
    &[("今年度", 0), ("本年度", 0), ("来年度", 1), ("次年度", 1), ("翌年度", 1), ("昨年度", -1), ("前年度", -1)];

/// 「今年度」「来年度」「昨年度」 (and 本年度, 前年度, 次年度) from the current fiscal year.
fn relative_year(text: &str, this_year: FiscalYear) -> Option<(FiscalYear, Option<String>)> {
    let (word, offset) = RELATIVE_YEARS.iter().find(|(w, _)| text.contains(w))?;
    let year = FiscalYear::from_gregorian(u16::try_from(i32::from(this_year.gregorian()) + offset).ok()?);
    Some((year, Some(format!("「{word}」を{}として記録します", year.japanese()))))
}

fn strip_relative_year(head: &str) -> String {
    let mut h = head.to_string();
    for (w, _) in RELATIVE_YEARS {
        h = h.replace(w, "");
    }
    h.trim_end_matches(['、', ',', ' ', 'は', 'が', 'の']).to_string()
}

/// The indicator of `i` named somewhere in `head` (which also names the initiative).
fn indicator_in<'i>(i: &'i Initiative, head: &str) -> Result<&'i Kpi, Refusal> {
    if i.kpis.is_empty() {
        return Err(Refusal::NoKpi { initiative: i.title.clone() });
    }
    let h = fold_kana(head);
    let named: Vec<&Kpi> = i.kpis.iter().filter(|k| h.contains(&fold_kana(&k.name))).collect();
    if let [one] = named[..] {
        return Ok(one);
    }
    // The words after the initiative's name (「…の搭載手続数」).
    let tail = h.rsplit('の').next().unwrap_or("");
    if i.kpis.len() == 1 && named.is_empty() && tail.is_empty() {
        return Ok(&i.kpis[0]);
    }
    // Words after the name that are no indicator of this initiative: refused, as the parts
    // form refuses them, even when the initiative has a single KPI.
    find_indicator(i, tail)
}
