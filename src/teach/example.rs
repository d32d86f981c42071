//! Questions taught from chat as examples of what they mean: 「見直しの #12 の質問は p.64 の
//! KPI のこと」 (`/teach #12 p.64 kpi`). They join the corpus the models learn from, kept
//! apart in `data/nlu/taught.tsv` in the corpus's own form (`page<TAB>intent<TAB>taught<TAB>
//! question`), so that `git diff` shows them and a reviewer can move a good one into the
//! corpus's files.

use super::TeachError;
use crate::normalize::normalize;

/// The first lines of a new `data/nlu/taught.tsv`.
pub const HEADER: &str = "# Questions administrators taught from chat (keikaku teach, /teach #番号 p.ページ): page<TAB>intent<TAB>taught<TAB>question.\n\
# Written by keikaku; each was cross-validated with the corpus and audited.\n\
# Review them now and then: move a good one into the corpus's files (see README.md).\n";

/// The style the corpus gives a taught question.
pub const STYLE: &str = "taught";

/// What a taught question means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meaning {
    /// The initiative on this page, asked for this intent (`kpi`, `period` …).
    Initiative {
        /// Its page.
        page: u16,
        /// The intent, one of the corpus's single-initiative intents.
        intent: String,
    },
    /// Something the plan does not answer.
    Outside,
}

/// A question and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The question as it was asked (one line).
    pub question: String,
    /// What it means.
    pub meaning: Meaning,
}

impl Example {
    /// A question meaning `meaning`; its line breaks and tabs become blanks.
    pub fn new(question: &str, meaning: Meaning) -> Example {
        let parts: Vec<&str> = question.split(['\t', '\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).collect();
        Example { question: parts.join(" "), meaning }
    }

    /// Its line in `taught.tsv`.
    pub fn line(&self) -> String {
        match &self.meaning {
            Meaning::Initiative { page, intent } => format!("{page}\t{intent}\t{STYLE}\t{}", self.question),
            Meaning::Outside => format!("none\tnot_found\t{STYLE}\t{}", self.question),
        }
    }

    /// How an administrator is told what it means: 「p.64 の KPI」, 「計画にない質問」.
    pub fn meaning_text(&self) -> String {
        match &self.meaning {
            Meaning::Initiative { page, intent } => format!("p.{page} の{}", intent_name(intent)),
            Meaning::Outside => "計画にない質問".to_string(),
        }
    }
}

/// The intents an administrator may name, in the corpus's words and in Japanese.
const INTENT_WORDS: &[(&str, &[&str])] = &[
    ("overview", &["overview", "概要", "全体", "どんな"]),
    ("kpi", &["kpi", "目標", "目標値", "指標"]),
    ("contents", &["contents", "内容"]),
    ("methods", &["methods", "方法", "具体的方法", "やり方"]),
    ("effects", &["effects", "効果", "期待する効果"]),
    ("period", &["period", "期間", "取組期間", "いつ"]),
    ("schedule", &["schedule", "スケジュール", "予定", "実施スケジュール"]),
    ("department", &["department", "担当", "所属", "課", "担当課"]),
];

/// The intent `word` names (`KPI`, `期間`, `schedule` …), or `None`.
pub fn intent_of(word: &str) -> Option<&'static str> {
    let w = normalize(word);
    INTENT_WORDS.iter().find(|(_, words)| words.iter().any(|x| normalize(x) == w)).map(|(intent, _)| *intent)
}

/// The intent's name as a card says it.
pub fn intent_name(intent: &str) -> &'static str {
    match intent {
        "kpi" => "KPI",
        "contents" => "内容",
        "methods" => "具体的方法",
        "effects" => "期待する効果",
        "period" => "取組期間",
        "schedule" => "実施スケジュール",
        "department" => "担当課",
        _ => "概要",
    }
}

/// The taught examples of a `taught.tsv` text, numbered from 1 in file order (the number
/// `teach undo 例N` names). Lines that do not read are skipped (the corpus's loading
/// reports them).
pub fn examples(taught: &str) -> Vec<Example> {
    taught
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            let [target, intent, _, question] = cells.as_slice() else { return None };
            let meaning = match target.trim() {
                "none" => Meaning::Outside,
                page => Meaning::Initiative { page: page.parse().ok()?, intent: intent.trim().to_string() },
            };
            Some(Example { question: question.trim().to_string(), meaning })
        })
        .collect()
}

/// `taught` with `example` added, or why not (the same question taught already).
pub fn add(taught: &str, example: &Example) -> Result<String, TeachError> {
    if example.question.is_empty() {
        return Err(TeachError::Usage);
    }
    let asked = normalize(&example.question);
    if let Some(same) = examples(taught).into_iter().find(|e| normalize(&e.question) == asked) {
        return Err(TeachError::AlreadyTaught(format!("「{}」（{}）", same.question, same.meaning_text())));
    }
    let mut text = if taught.trim().is_empty() { HEADER.to_string() } else { taught.to_string() };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&example.line());
    text.push('\n');
    Ok(text)
}

/// `taught` without its example number `n` (from 1), and that example; or why not.
pub fn remove(taught: &str, n: usize) -> Result<(String, Example), TeachError> {
    let all = examples(taught);
    let gone = n.checked_sub(1).and_then(|i| all.get(i)).cloned().ok_or(TeachError::NoSuchExample(n, all.len()))?;
    let mut seen = 0;
    let mut text = String::with_capacity(taught.len());
    for line in taught.lines() {
        let is_example = !line.trim().is_empty() && !line.starts_with('#') && line.split('\t').count() == 4;
        if is_example {
            seen += 1;
            if seen == n {
                continue;
            }
        }
        text.push_str(line);
        text.push('\n');
    }
    Ok((text, gone))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taught_question_is_a_corpus_line_and_undo_takes_it_out() {
        let ex =
            Example::new("子どもの\t予防注射\nスマホで？", Meaning::Initiative { page: 28, intent: "overview".into() });
        assert_eq!(ex.line(), "28\toverview\ttaught\t子どもの 予防注射 スマホで？");
        let once = add("", &ex).unwrap_or_default();
        assert!(once.starts_with(HEADER) && once.ends_with("スマホで？\n"), "{once}");
        assert!(matches!(add(&once, &ex), Err(TeachError::AlreadyTaught(_))));
        let outside = Example::new("粗大ごみの日は？", Meaning::Outside);
        let twice = add(&once, &outside).unwrap_or_default();
        assert_eq!(examples(&twice), vec![ex.clone(), outside.clone()]);
        let (left, gone) = remove(&twice, 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((examples(&left), gone), (vec![outside], ex));
        assert!(left.starts_with(HEADER));
        assert!(matches!(remove(&left, 2), Err(TeachError::NoSuchExample(2, 1))));
        assert!(matches!(remove(&left, 0), Err(TeachError::NoSuchExample(0, 1))));
    }

    #[test]
    fn intents_are_named_in_either_language() {
        assert_eq!(intent_of("KPI"), Some("kpi"));
        assert_eq!(intent_of("期間"), Some("period"));
        assert_eq!(intent_of("スケジュール"), Some("schedule"));
        assert_eq!(intent_of("担当"), Some("department"));
        assert_eq!(intent_of("天気"), None);
    }
}
