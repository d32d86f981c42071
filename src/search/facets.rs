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
    // The facets the facet model is sure of, then any other that its own yes-or-no model
    // is sure of (the second of a combined question).
    let first: Vec<&String> = p.facets.iter().take_while(|(_, v)| *v >= SURE).map(|(f, _)| f).collect();
    // Only a filter joins a filter: 「全部」 and a topic are no second facet, nor have one.
    let filter = |f: &str| !matches!(f, "topic" | "all");
    // The yes-or-no models are sure of anything in a text unlike any list question (a
    // greeting): only a question the models take for one about the plan gets a second.
    let filtered = first.first().is_some_and(|f| filter(f)) && p.outside() < SURE;
    let also = p.each_facet.iter().take_while(|(_, v)| *v >= SURE && filtered).map(|(f, _)| f).filter(|f| filter(f));
    let mut taken: Vec<&str> = Vec::new();
    for facet in first.iter().copied().chain(also) {
        if taken.iter().any(|t| family(t) == family(facet)) {
            continue;
        }
        taken.push(facet);
        match facet.as_str() {
            "department" if f.department.is_none() && !names_unknown_department(text) => {
                f.department = department(p, plan);
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

/// The department a list question describes (「水道管のことをやってる課」): by the value
/// model, and by the initiatives the initiative model finds the question about (their
/// departments), each with half the say — the initiative model learned from every question
/// about each initiative, the value model from the few lists that name the department.
fn department(p: &Prediction, plan: &Plan) -> Option<String> {
    let prefix = "department=";
    let values: Vec<(&str, f32)> =
        p.values.iter().filter_map(|(c, v)| c.strip_prefix(prefix).map(|name| (name, *v))).collect();
    let of_values: f32 = values.iter().map(|(_, v)| v).sum::<f32>().max(1e-6);
    let pages: Vec<(u16, f32)> = p.initiatives().collect();
    let of_pages: f32 = pages.iter().map(|(_, v)| v).sum::<f32>().max(1e-6);
    let mut best: Option<(&str, f32)> = None;
    for (name, v) in &values {
        let by_pages: f32 = pages
            .iter()
            .filter(|(page, _)| plan.initiative(*page).is_some_and(|i| i.departments.iter().any(|d| d == name)))
            .map(|(_, v)| v)
            .sum();
        let score = 0.5 * v / of_values + 0.5 * by_pages / of_pages;
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((name, score));
        }
    }
    best.filter(|(_, score)| *score >= SURE).map(|(name, _)| name.to_string())
}

/// What a facet says of an initiative; two facets of one family contradict each other
/// (「令和8年度から始まる」 and 「令和8年度に終わる」 are two readings of one year).
fn family(facet: &str) -> &str {
    match facet {
        "year-starts" | "year-ends" | "year-runs" | "stage" => "year",
        "has-kpi" | "no-kpi" => "kpi",
        "oldest" | "newest" => "superlative",
        other => other,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan::parse(include_str!("../../data/nasushiobara-dx-action-plan-2026-2028.md")).expect("the plan parses")
    }

    fn named(pairs: &[(&str, f32)]) -> Vec<(String, f32)> {
        pairs.iter().map(|(n, p)| (n.to_string(), *p)).collect()
    }

    /// A prediction of a list question about 総務課's initiatives (pp. 41–44 are 総務課's in
    /// this plan), with the facets given.
    fn prediction(facets: &[(&str, f32)], each: &[(&str, f32)]) -> Prediction {
        Prediction {
            intents: named(&[("list", 0.95)]),
            pages: vec![(Some(42), 0.4), (Some(43), 0.3), (Some(44), 0.2), (None, 0.1)],
            facets: named(facets),
            each_facet: named(each),
            values: named(&[("department=総務課", 0.8), ("policy=2", 0.1)]),
        }
    }

    #[test]
    fn a_second_facet_its_own_model_is_sure_of_joins_the_first() {
        let plan = plan();
        let p = prediction(&[("department", 0.6), ("no-kpi", 0.3)], &[("department", 0.99), ("no-kpi", 0.9)]);
        let f = learned(&Filters::default(), None, "総務の取組で数値目標のないもの", &p, &plan);
        assert_eq!(labels(&f, &plan), ["department=総務課", "no-kpi"]);
        // Not when the question reads as outside the plan (a greeting the yes-or-no models
        // are sure of anything in).
        let mut outside = p.clone();
        outside.pages = vec![(None, 0.9), (Some(42), 0.1)];
        let f = learned(&Filters::default(), None, "はじめまして", &outside, &plan);
        assert_eq!(labels(&f, &plan), ["department=総務課"]);
    }

    #[test]
    fn facets_of_one_family_do_not_both_apply_nor_does_a_topic_join_a_filter() {
        let plan = plan();
        let p = prediction(&[("has-kpi", 0.7)], &[("no-kpi", 0.95), ("has-kpi", 0.9), ("topic", 0.9)]);
        let f = learned(&Filters::default(), None, "目標のある取組", &p, &plan);
        assert_eq!(labels(&f, &plan), ["has-kpi"]);
        let p = prediction(&[("topic", 0.9)], &[("topic", 0.99), ("department", 0.9)]);
        assert!(learned(&Filters::default(), None, "子育ての取組", &p, &plan).is_empty());
    }

    #[test]
    fn a_described_department_is_read_from_the_initiatives_too() {
        let plan = plan();
        // The value model alone is unsure (40% of the departments' share); the initiatives
        // the question is about are 総務課's.
        let mut p = prediction(&[("department", 0.9)], &[("department", 0.9)]);
        p.values = named(&[("department=総務課", 0.4), ("department=企画政策課", 0.35), ("department=財政課", 0.25)]);
        let f = learned(&Filters::default(), None, "職員の文書を扱う課の取組", &p, &plan);
        assert_eq!(f.department.as_deref(), Some("総務課"));
    }
}
