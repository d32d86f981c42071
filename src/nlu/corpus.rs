//! The corpus: example questions people ask, each labelled with what it is about
//! (`data/nlu/*.tsv`). One line a question, four tab-separated columns:
//!
//! ```text
//! target<TAB>intent<TAB>style<TAB>question
//! 18<TAB>kpi<TAB>shorthand<TAB>どこでも窓口 目標 R9
//! list:department=デジタル推進課<TAB>list<TAB>casual<TAB>デジタル推進課って何やってんの？
//! none<TAB>not_found<TAB>everyday<TAB>粗大ごみの出し方を知りたい
//! ```
//!
//! `target` is an initiative's page, `list:FACET[=VALUE]` for a question that asks for a
//! list, `none` for one the plan does not answer, or `none:PAGE` for one about that
//! initiative's topic asking what the plan never states (a fee, opening hours, an app's
//! name). Lines starting with `#` are comments.
//! Pure: parsing and checking text; the files are read by the caller.

use std::collections::BTreeMap;

/// The intents a question may have (the contract's names).
pub const INTENTS: [&str; 10] =
    ["overview", "kpi", "contents", "methods", "effects", "period", "schedule", "department", "list", "not_found"];

/// The styles a question is written in.
/// `taught` is a question an administrator taught from chat (`data/nlu/taught.tsv`).
pub const STYLES: [&str; 9] =
    ["everyday", "hiragana", "casual", "shorthand", "polite", "figure", "typo", "romaji", "taught"];

/// What a question is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// One initiative, by page.
    Page(u16),
    /// A list of initiatives by a facet (`department=デジタル推進課`, `oldest` …).
    List(String),
    /// Something the plan does not answer.
    None,
}

impl Target {
    /// The page of a single-initiative target.
    pub fn page(&self) -> Option<u16> {
        match self {
            Target::Page(p) => Some(*p),
            _ => None,
        }
    }

    /// The facet's kind of a list target (`department` of `department=…`).
    pub fn facet(&self) -> Option<&str> {
        match self {
            Target::List(f) => Some(f.split('=').next().unwrap_or(f)),
            _ => None,
        }
    }
}

/// One example question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// What it is about.
    pub target: Target,
    /// Its intent, one of [`INTENTS`].
    pub intent: String,
    /// How it is written, one of [`STYLES`].
    pub style: String,
    /// The question.
    pub question: String,
    /// For an out-of-plan question about an initiative's topic, that initiative.
    pub topic: Option<u16>,
    /// The file it came from and its line, for messages.
    pub origin: String,
}

/// A line of a corpus file that is not in the expected form.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file} line {line}: {what}; write `page<TAB>intent<TAB>style<TAB>question` (see data/nlu/README.md)")]
pub struct CorpusError {
    /// The file.
    pub file: String,
    /// The line, from 1.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

/// The examples of one file's text; `pages` are the plan's pages (a target must be one).
pub fn parse(file: &str, text: &str, pages: &[u16]) -> Result<Vec<Example>, CorpusError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |what: String| CorpusError { file: file.to_string(), line: n + 1, what };
        let cells: Vec<&str> = line.split('\t').collect();
        let [target, intent, style, question] = cells.as_slice() else {
            return Err(err(format!("{} columns instead of 4", cells.len())));
        };
        let mut topic = None;
        let target = match target.trim() {
            "none" => Target::None,
            t if t.starts_with("none:") => match t[5..].parse::<u16>() {
                Ok(p) if pages.contains(&p) => {
                    topic = Some(p);
                    Target::None
                }
                _ => return Err(err(format!("「{t}」: none:PAGE needs a page of the plan"))),
            },
            t if t.starts_with("list:") && t.len() > 5 => Target::List(t[5..].to_string()),
            t => match t.parse::<u16>() {
                Ok(p) if pages.contains(&p) => Target::Page(p),
                _ => return Err(err(format!("「{t}」 is neither a page of the plan, list:FACET nor none"))),
            },
        };
        let intent = intent.trim();
        if !INTENTS.contains(&intent) {
            return Err(err(format!("unknown intent 「{intent}」 (one of {})", INTENTS.join(", "))));
        }
        let consistent = match &target {
            Target::Page(_) => !matches!(intent, "list" | "not_found"),
            Target::List(_) => intent == "list",
            Target::None => intent == "not_found",
        };
        if !consistent {
            return Err(err(format!("intent 「{intent}」 does not go with this target")));
        }
        let style = style.trim();
        if !STYLES.contains(&style) {
            return Err(err(format!("unknown style 「{style}」 (one of {})", STYLES.join(", "))));
        }
        let question = question.trim();
        if question.is_empty() {
            return Err(err("the question is empty".to_string()));
        }
        out.push(Example {
            target,
            intent: intent.to_string(),
            style: style.to_string(),
            question: question.to_string(),
            topic,
            origin: format!("{file}:{}", n + 1),
        });
    }
    Ok(out)
}

/// Counts of a corpus, for its checks and the README: per page, per intent, per style,
/// per list facet, and the out-of-plan questions.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Questions per initiative page.
    pub per_page: BTreeMap<u16, usize>,
    /// Per page, the styles and the intents it has (with counts).
    pub page_styles: BTreeMap<u16, BTreeMap<String, usize>>,
    /// Per page, its intents.
    pub page_intents: BTreeMap<u16, BTreeMap<String, usize>>,
    /// Questions per intent.
    pub per_intent: BTreeMap<String, usize>,
    /// Questions per style.
    pub per_style: BTreeMap<String, usize>,
    /// List questions per facet kind.
    pub per_facet: BTreeMap<String, usize>,
    /// Out-of-plan questions.
    pub out_of_plan: usize,
}

/// The counts of `examples`.
pub fn counts(examples: &[Example]) -> Counts {
    let mut c = Counts::default();
    for e in examples {
        *c.per_intent.entry(e.intent.clone()).or_default() += 1;
        *c.per_style.entry(e.style.clone()).or_default() += 1;
        match &e.target {
            Target::Page(p) => {
                *c.per_page.entry(*p).or_default() += 1;
                *c.page_styles.entry(*p).or_default().entry(e.style.clone()).or_default() += 1;
                *c.page_intents.entry(*p).or_default().entry(e.intent.clone()).or_default() += 1;
            }
            Target::List(_) => {
                let facet = e.target.facet().unwrap_or_default().to_string();
                *c.per_facet.entry(facet).or_default() += 1;
            }
            Target::None => c.out_of_plan += 1,
        }
    }
    c
}

/// The character trigrams of a text after NFKC (the measure of a near copy).
pub fn trigrams(text: &str) -> std::collections::HashSet<String> {
    let chars: Vec<char> = crate::normalize::normalize(text).chars().collect();
    chars.windows(3).map(|w| w.iter().collect()).collect()
}

/// The Jaccard similarity of two trigram sets.
pub fn jaccard(a: &std::collections::HashSet<String>, b: &std::collections::HashSet<String>) -> f32 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 { 0.0 } else { inter as f32 / union as f32 }
}

/// True when a list target's label (`department=総務課`, `combined=policy+no-kpi`,
/// `topic=介護`, `all`) is what `labels` (of the filters a list was made by) and `topic`
/// (whether words narrowed it) say: the same facets, and the same values where the target
/// names them.
pub fn matches_target(target: &str, labels: &[String], topic: bool) -> bool {
    let kind = |l: &str| l.split('=').next().unwrap_or(l).to_string();
    let mut got: Vec<String> = labels.iter().map(|l| kind(l)).collect();
    got.sort();
    let (facet, value) = target.split_once('=').unwrap_or((target, ""));
    match facet {
        "all" => got.is_empty() && !topic,
        "topic" => got.is_empty() && topic,
        "combined" => {
            let mut want: Vec<String> = value.split('+').map(str::to_string).collect();
            want.sort();
            got == want
        }
        _ => got == [facet.to_string()] && (value.is_empty() || labels.iter().any(|l| l == target)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_and_mistakes_name_the_line() {
        let text = "# a comment\n18\tkpi\tshorthand\tどこでも窓口 目標\nnone\tnot_found\teveryday\t粗大ごみ\nlist:oldest\tlist\tcasual\t一番古いのは？\nnone:18\tnot_found\tcasual\tどこでも窓口の利用料いくら\n";
        let ex = parse("t.tsv", text, &[18]).unwrap();
        assert_eq!(ex.len(), 4);
        assert_eq!((ex[3].target.clone(), ex[3].topic), (Target::None, Some(18)));
        assert!(parse("t.tsv", "none:19\tnot_found\tcasual\tx\n", &[18]).is_err());
        assert_eq!(ex[0].target, Target::Page(18));
        assert_eq!(ex[2].target.facet(), Some("oldest"));
        let bad = parse("t.tsv", "ok\n19\tkpi\tshorthand\tx\n", &[18]).unwrap_err();
        assert_eq!(bad.line, 1);
        let bad = parse("t.tsv", "18\tlist\tshorthand\tx\n", &[18]).unwrap_err();
        assert!(bad.what.contains("does not go"), "{bad}");
        assert!(parse("t.tsv", "18\tkpi\tpoem\tx\n", &[18]).is_err());
    }

    #[test]
    fn near_copies_are_measured_by_trigrams() {
        let a = trigrams("どこでも窓口のKPIを教えて");
        let b = trigrams("どこでも窓口のKPIを教えてください");
        assert!(jaccard(&a, &b) >= 0.5);
        assert!(jaccard(&a, &trigrams("粗大ごみの出し方")) < 0.1);
    }

    #[test]
    fn targets_match_the_facets_and_the_values_they_name() {
        let l = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches_target("department=総務課", &l(&["department=総務課"]), false));
        assert!(!matches_target("department=総務課", &l(&["department=市民課"]), false));
        assert!(!matches_target("department=総務課", &l(&["department=総務課", "no-kpi"]), false));
        assert!(matches_target("year-ends", &l(&["year-ends=2026"]), false));
        assert!(matches_target("combined=policy+no-kpi", &l(&["no-kpi", "policy=2"]), false));
        assert!(matches_target("topic=介護", &[], true));
        assert!(!matches_target("topic=介護", &[], false));
        assert!(matches_target("all", &[], false));
        assert!(matches_target("stage=構築", &l(&["stage=構築"]), true));
    }
}
