//! Teaching keikaku a word from chat: `/teach 注射 予防接種` in the staff bot,
//! `keikaku teach 注射 予防接種` in the terminal.
//!
//! What is taught is kept in one place, `data/lexicon/taught.tsv`, in the thesaurus's own
//! form (`word<TAB>term, term`), so that `git diff` shows it and a reviewer can move a line
//! into `thesaurus.tsv`. This module knows the lesson and the file; checking a lesson
//! against the evaluation questions, auditing it and putting it in service is
//! [`crate::app::App::teach`]'s.

use crate::evaluation::Broken;
use crate::normalize::{fold_kana, normalize};
use crate::search::lexicon::{rows, thesaurus_entry};

/// The first lines of a new `taught.tsv`.
pub const HEADER: &str = "# Words administrators taught from chat (keikaku teach, /teach): word<TAB>term, term.\n\
# Written by keikaku; each line was checked against the evaluation questions and audited.\n\
# Review them now and then: keep a good one by moving it into thesaurus.tsv.\n";

/// A word and the plan's terms it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// The word as people write it.
    pub word: String,
    /// The plan's terms.
    pub terms: Vec<String>,
}

impl Lesson {
    /// Reads `注射 予防接種` or `注射 予防接種, ワクチン接種`: a word, then one term or more
    /// (separated by spaces, commas or 「、」).
    pub fn parse(text: &str) -> Result<Lesson, TeachError> {
        let mut words = text.split_whitespace();
        let word = words.next().map(str::to_string).unwrap_or_default();
        let terms: Vec<String> = words
            .flat_map(|w| w.split([',', '、', '，']))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        if word.is_empty() || terms.is_empty() {
            return Err(TeachError::Usage);
        }
        if word.contains('\t') || terms.iter().any(|t| t.contains('\t')) {
            return Err(TeachError::Usage);
        }
        Ok(Lesson { word, terms })
    }

    /// Its line in `taught.tsv`.
    pub fn line(&self) -> String {
        format!("{}\t{}", self.word, self.terms.join(", "))
    }

    /// As the thesaurus reads it (normalised word, kana-folded terms).
    pub fn normalized(&self) -> (String, Vec<String>) {
        (normalize(&self.word), self.terms.iter().map(|t| fold_kana(t)).collect())
    }
}

/// What an administrator asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Teach words (one from a command, maybe more from a review item).
    Teach(Vec<Lesson>),
    /// Forget every taught line of a word.
    Forget(String),
}

impl Change {
    /// How the audit log names it.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Teach(_) => "teach",
            Change::Forget(_) => "teach_undo",
        }
    }

    /// What the audit log says of it.
    pub fn detail(&self) -> String {
        match self {
            Change::Teach(lessons) => lessons.iter().map(Lesson::line).collect::<Vec<_>>().join(" / "),
            Change::Forget(word) => word.clone(),
        }
    }
}

/// What `/teach` was asked, as its argument says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `/teach`, `/teach list`: the words taught.
    List,
    /// `/teach 注射 予防接種`, `/teach undo 注射`.
    Change(Change),
    /// `/teach #12 p.64`: review item #12's question meant the initiative on p.64.
    FromItem {
        /// The review item (any of its question ids).
        item: i64,
        /// The page of the initiative meant.
        page: u16,
    },
}

impl Request {
    /// Reads `/teach`'s argument.
    pub fn parse(arg: &str) -> Result<Request, TeachError> {
        let words: Vec<&str> = arg.split_whitespace().collect();
        Ok(match words.as_slice() {
            [] | ["list"] => Request::List,
            ["undo", word] => Request::Change(Change::Forget((*word).to_string())),
            [item, page] if item.starts_with('#') => {
                let item = item.trim_start_matches('#').parse().map_err(|_| TeachError::Usage)?;
                let page = page.trim_start_matches(['p', 'P', '.', 'ｐ', '．']).trim_end_matches(['の', 'こ', 'と']);
                Request::FromItem { item, page: page.parse().map_err(|_| TeachError::Usage)? }
            }
            _ => Request::Change(Change::Teach(vec![Lesson::parse(arg)?])),
        })
    }
}

impl Change {
    /// What was done, said to the administrator once it is in service.
    pub fn done(&self, checked: usize) -> String {
        let what = match self {
            Change::Teach(lessons) => lessons
                .iter()
                .map(|l| format!("「{}」を「{}」のこととして覚えました", l.word, l.terms.join("、")))
                .collect::<Vec<_>>()
                .join("。"),
            Change::Forget(word) => format!("「{word}」を忘れました"),
        };
        let undo = if matches!(self, Change::Teach(_)) { "（取り消し: teach undo 言葉）" } else { "" };
        format!(
            "{what}。評価用の質問{checked}件で、正しかった答えが変わらないことを確かめました。今から回答に使います{undo}。"
        )
    }
}

/// The taught lessons of a `taught.tsv` text, with their lines' numbers; lines that do not
/// read are skipped (the lexicon's loading reports them).
pub fn lessons(taught: &str) -> Vec<(usize, Lesson)> {
    rows(taught)
        .filter_map(|(n, cells)| {
            let [word, terms] = cells.as_slice() else { return None };
            let terms = terms.split([',', '、']).map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect();
            Some((n, Lesson { word: (*word).to_string(), terms }))
        })
        .collect()
}

/// `taught` with `change` made, or why it cannot be made.
pub fn apply(taught: &str, change: &Change) -> Result<String, TeachError> {
    match change {
        Change::Teach(new) => {
            if new.is_empty() {
                return Err(TeachError::Usage);
            }
            let mut text = if taught.trim().is_empty() { HEADER.to_string() } else { taught.to_string() };
            for lesson in new {
                let entry =
                    thesaurus_entry(&[lesson.word.as_str(), &lesson.terms.join(", ")]).map_err(TeachError::Form)?;
                if lessons(&text).iter().any(|(_, l)| l.normalized() == (entry.word.clone(), entry.terms.clone())) {
                    return Err(TeachError::AlreadyTaught(lesson.line()));
                }
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&lesson.line());
                text.push('\n');
            }
            Ok(text)
        }
        Change::Forget(word) => {
            let word = normalize(word);
            let mut found = false;
            let mut text = String::with_capacity(taught.len());
            let taught_lines: std::collections::HashSet<usize> =
                lessons(taught).into_iter().filter(|(_, l)| normalize(&l.word) == word).map(|(n, _)| n).collect();
            for (n, line) in taught.lines().enumerate() {
                if taught_lines.contains(&(n + 1)) {
                    found = true;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            if !found {
                let known: Vec<String> = lessons(taught).into_iter().map(|(_, l)| l.word).collect();
                return Err(TeachError::NotTaught { word, known });
            }
            Ok(text)
        }
    }
}

/// Why a word was not taught (or forgotten), said to an administrator in Japanese.
#[derive(Debug, thiserror::Error)]
pub enum TeachError {
    /// The command was not understood.
    #[error(
        "使い方: 「teach 言葉 計画の用語」（例: teach 注射 予防接種。用語はカンマで複数可）、「teach #見直し番号 p.ページ」で見直しの質問から、「teach undo 言葉」で取り消し、「teach list」で一覧"
    )]
    Usage,
    /// The line would not be a thesaurus line.
    #[error("その形では辞書に書けません: {0}")]
    Form(String),
    /// A review item has no word the plan lacks: nothing to teach from it.
    #[error(
        "「{0}」の言葉はどれも計画にあります。どの言葉をどの用語のことと教えるか、「teach 言葉 用語」で指定してください。"
    )]
    NothingUnknown(String),
    /// No review item holds that question.
    #[error("#{0} は見直しの一覧にありません。")]
    NoSuchItem(i64),
    /// No initiative on that page.
    #[error("p.{0} の取組は計画にありません。")]
    NoSuchPage(u16),
    /// A term does not occur in the plan: the word would lead nowhere.
    #[error("「{0}」は計画の本文にない言葉です。計画に書かれている言葉（取組名や本文の語）を用語に指定してください。")]
    TermNotInPlan(String),
    /// The same lesson is already there.
    #[error("「{0}」は教えてあります（変更はありません）。")]
    AlreadyTaught(String),
    /// Undo of a word nobody taught.
    #[error("「{word}」は教えた言葉にありません。教えた言葉: {}", if known.is_empty() { "なし".to_string() } else { known.join("、") })]
    NotTaught {
        /// The word asked for.
        word: String,
        /// The words taught.
        known: Vec<String>,
    },
    /// Right answers would turn wrong.
    #[error("{}", breaks_text(.0))]
    WouldBreak(Vec<Broken>),
    /// keikaku runs without its data folder (a test's app, a benchmark).
    #[error("この環境ではデータフォルダが分からないため、言葉を教えられません。")]
    NoDataFolder,
    /// The data files cannot be read, or the lexicon does not load.
    #[error("データを読めませんでした: {0}")]
    Data(String),
    /// The file cannot be written.
    #[error("{path} に書き込めませんでした（{cause}）。ボットを動かすユーザーに書き込み権限があるか確認してください。")]
    Write {
        /// The file.
        path: String,
        /// Why.
        cause: std::io::Error,
    },
    /// The audit could not be recorded (the file is restored).
    #[error("監査記録を書けなかったため、取り消しました: {0}")]
    Audit(String),
}

/// The refusal that lists what a change would break.
fn breaks_text(broken: &[Broken]) -> String {
    let mut out = format!(
        "この変更で、正しく答えていた評価用の質問が{}件答えられなくなるため、登録しませんでした:",
        broken.len()
    );
    for b in broken.iter().take(10) {
        out.push_str(&format!("\n・{} 「{}」: {}", b.id, b.question, b.why));
    }
    if broken.len() > 10 {
        out.push_str(&format!("\n…ほか{}件", broken.len() - 10));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lesson_is_a_word_and_its_terms() {
        let l = Lesson::parse(" 注射  予防接種、ワクチン接種 ").ok();
        assert_eq!(l.map(|l| l.line()), Some("注射\t予防接種, ワクチン接種".to_string()));
        assert!(matches!(Lesson::parse("注射"), Err(TeachError::Usage)));
        assert!(matches!(Lesson::parse(""), Err(TeachError::Usage)));
    }

    #[test]
    fn the_command_says_list_undo_an_item_or_a_lesson() {
        assert_eq!(Request::parse("").ok(), Some(Request::List));
        assert_eq!(Request::parse("undo 注射").ok(), Some(Request::Change(Change::Forget("注射".into()))));
        assert_eq!(Request::parse("#12 p.64").ok(), Some(Request::FromItem { item: 12, page: 64 }));
        assert_eq!(Request::parse("#12 64").ok(), Some(Request::FromItem { item: 12, page: 64 }));
        assert!(matches!(Request::parse("#x p.64"), Err(TeachError::Usage)));
        let taught = Request::parse("注射 予防接種").ok();
        assert!(matches!(taught, Some(Request::Change(Change::Teach(l))) if l.len() == 1 && l[0].word == "注射"));
    }

    #[test]
    fn teaching_appends_a_line_and_forgetting_removes_every_line_of_the_word() {
        let lesson = |t: &str| Change::Teach(Lesson::parse(t).into_iter().collect());
        let once = apply("", &lesson("注射 予防接種")).unwrap_or_default();
        assert!(once.starts_with(HEADER) && once.ends_with("注射\t予防接種\n"), "{once}");
        assert!(matches!(apply(&once, &lesson("注射 予防接種")), Err(TeachError::AlreadyTaught(_))));
        let twice = apply(&once, &lesson("ちゅうしゃ 予防接種, 接種")).unwrap_or_default();
        assert_eq!(lessons(&twice).len(), 2);
        let forgotten = apply(&twice, &Change::Forget("注射".into())).unwrap_or_default();
        assert_eq!(lessons(&forgotten).iter().map(|(_, l)| l.word.as_str()).collect::<Vec<_>>(), ["ちゅうしゃ"]);
        assert!(forgotten.starts_with(HEADER));
        let err = apply(&forgotten, &Change::Forget("注射".into())).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("ちゅうしゃ"), "{err}");
    }
}
