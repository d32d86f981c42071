//! List facets: which initiatives a set of [`Filters`] selects, the filters as the corpus
//! labels them (`department=総務課`, `year-ends=2026` …), and the filters of a list question
//! as the learned models read it, beside what its structure names.
//!
//! What the structure of a question names exactly — a department's name, 基本方針2, a
//! basic means by name, a year with 「から始まる」 right after it — stays. The facet model
//! ([`crate::nlu::FACETS`]) adds what people say in other words: 「2026年度いっぱいで
//! 終わるもの」 filters by the year's end, 「紙を減らす系」 by a basic means, 「道路の面倒を
//! みてる課」 by a department the value model picks. A year is never guessed: a year facet
//! without a year in the question sets nothing.

use super::understand::{Filters, Intent, Superlative, YearFilter, YearRelation};
use crate::nlu::Prediction;
use crate::plan::{FiscalYear, Initiative, Plan};

/// The initiatives that pass the list filters, in page order (the superlative last: only
/// the oldest or newest remain). A year that only says which year's target is meant
/// (`Active` with a single-initiative intent) does not filter.
pub fn select(plan: &Plan, f: &Filters, intent: Intent) -> Vec<u16> {
    let mut list: Vec<&Initiative> = plan
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
                i.schedule.iter().any(|row| {
                    row.cells.iter().any(|(y, cell)| year.is_none_or(|year| *y == year) && cell.contains(word.as_str()))
                })
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

/// The filters as the corpus labels list targets: `department=総務課`, `policy=2`,
/// `means=オンライン化`, `year-starts=2027`, `year-ends=2026`, `year-runs=2027`,
/// `single-year`, `has-kpi`, `no-kpi`, `oldest`, `newest`, `constant-targets`,
/// `stage=構築`.
pub fn labels(f: &Filters, plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(d) = &f.department {
        out.push(format!("department={d}"));
    }
    if let Some(p) = f.policy {
        out.push(format!("policy={p}"));
    }
    if let Some(m) = f.means {
        let name = plan.means.iter().find(|x| x.number == m).map_or_else(|| m.to_string(), |x| x.name.clone());
        out.push(format!("means={name}"));
    }
    if let Some(y) = f.year {
        let kind = match y.relation {
            YearRelation::Starts => "year-starts",
            YearRelation::Ends => "year-ends",
            YearRelation::Active => "year-runs",
        };
        out.push(format!("{kind}={}", y.year.gregorian()));
    }
    match f.kpi {
        Some(true) => out.push("has-kpi".into()),
        Some(false) => out.push("no-kpi".into()),
        None => {}
    }
    if f.single_year {
        out.push("single-year".into());
    }
    match f.superlative {
        Some(Superlative::Oldest) => out.push("oldest".into()),
        Some(Superlative::Newest) => out.push("newest".into()),
        None => {}
    }
    if f.constant_targets {
        out.push("constant-targets".into());
    }
    if let Some((_, word)) = &f.stage {
        out.push(format!("stage={word}"));
    }
    out
}

/// What the models must be this sure of, at the least, for a facet or a value to be taken:
/// below it, the structure of the question decides alone.
pub const SURE: f32 = 0.5;

/// The filters of a list question: what its structure names (`structural`), with what the
/// facet and value models read in it added where the structure named nothing of that kind,
/// and the relation of a year the structure found without one (「2026年度いっぱいで終わる」
/// ends in it). `year` is the fiscal year the question mentions.
pub fn learned(structural: &Filters, year: Option<FiscalYear>, text: &str, p: &Prediction, plan: &Plan) -> Filters {
    let mut f = structural.clone();
    let value = |facet: &str| p.value(facet).filter(|(_, share)| *share >= SURE).map(|(v, _)| v.to_string());
    for (facet, probability) in &p.facets {
        if *probability < SURE {
            break;
        }
        match facet.as_str() {
            "department" if f.department.is_none() && !names_unknown_department(text) => {
                f.department = value("department");
            }
            "policy" if f.policy.is_none() => f.policy = value("policy").and_then(|v| v.parse().ok()),
            "means" if f.means.is_none() => {
                f.means = value("means").and_then(|name| plan.means.iter().find(|m| m.name == name)).map(|m| m.number);
            }
            "year-starts" | "year-ends" | "year-runs" if f.stage.is_none() => {
                let relation = match facet.as_str() {
                    "year-starts" => YearRelation::Starts,
                    "year-ends" => YearRelation::Ends,
                    _ => YearRelation::Active,
                };
                match &mut f.year {
                    Some(y) if y.relation == YearRelation::Active => y.relation = relation,
                    Some(_) => {}
                    None => f.year = year.map(|year| YearFilter { year, relation }),
                }
            }
            "single-year" => f.single_year = true,
            "has-kpi" if f.kpi.is_none() => f.kpi = Some(true),
            "no-kpi" if f.kpi.is_none() => f.kpi = Some(false),
            "oldest" if f.superlative.is_none() => f.superlative = Some(Superlative::Oldest),
            "newest" if f.superlative.is_none() => f.superlative = Some(Superlative::Newest),
            "constant-targets" => f.constant_targets = true,
            "stage" if f.stage.is_none() => {
                // A word of the schedules the question says (「構築」) is the stage; else the
                // value model's.
                if let Some(word) = schedule_word(text, plan).or_else(|| value("stage")) {
                    f.stage = Some((f.year.map(|y| y.year).or(year), word));
                    f.year = None;
                }
            }
            _ => {}
        }
    }
    f
}

/// The longest word of the plan's schedules (「構築」「運用」) that `text` holds.
fn schedule_word(text: &str, plan: &Plan) -> Option<String> {
    plan.initiatives
        .iter()
        .flat_map(|i| &i.schedule)
        .flat_map(|row| row.cells.iter().map(|(_, cell)| cell.as_str()))
        .flat_map(|cell| cell.split(['・', '、', '/', ' ', '　', '(', ')', '（', '）']))
        .filter(|w| w.chars().count() >= 2 && text.contains(*w))
        .max_by_key(|w| (w.chars().count(), *w))
        .map(str::to_string)
}

/// True when `text` names a department the plan does not have (「子育て総合課」: kanji
/// right before 課): what the writer named is not guessed at.
fn names_unknown_department(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .any(|(at, c)| *c == '課' && at >= 2 && chars[at - 2..at].iter().all(|c| ('\u{4e00}'..='\u{9fff}').contains(c)))
}
