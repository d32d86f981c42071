//! Teaching keikaku a word from chat: `/teach 注射 予防接種` in the staff bot,
//! `keikaku teach 注射 予防接種` in the terminal.
//!
//! And a question from the review list as an example of what it meant: `/teach #12 p.64
//! kpi` ([`example`]).
//!
//! Words are kept in one place, `data/lexicon/taught.tsv`, in the thesaurus's own form
//! (`word<TAB>term, term`); questions in `data/nlu/taught.tsv`, in the corpus's. `git diff`
//! shows both, and a reviewer can move a line into `thesaurus.tsv` or the corpus. This
//! module knows the lessons and the files; checking a change by cross-validation, auditing
//! it and putting it in service is [`crate::app::App::teach`]'s.

pub mod example;
pub mod undo;

pub use example::{Example, Meaning};

use crate::nlu::crossval::Figures;
use crate::normalize::{fold_kana, normalize};
use crate::search::lexicon::{rows, thesaurus_entry};

/// The first lines of a new `taught.tsv`.
pub const HEADER: &str = "# Words administrators taught from chat (keikaku teach, /teach): word<TAB>term, term.\n\
# Written by keikaku; each line was cross-validated with the corpus and audited.\n\
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
    /// Teach words (a command names one; a review item teaches its question instead, as an
    /// [`Change::Example`], and no word is taken out of it).
    Teach(Vec<Lesson>),
    /// Forget every taught line of a word, as the administrator typed it: the word as
    /// taught, in another script, or as it reads (see [`undo::named`]).
    Forget(String),
    /// Teach a question as an example of what it means.
    Example(Example),
    /// Forget the taught example number N (from 1, as `teach list` numbers them).
    ForgetExample(usize),
}

impl Change {
    /// How the audit log names it.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Teach(_) => "teach",
            Change::Forget(_) => "teach_undo",
            Change::Example(_) => "teach_example",
            Change::ForgetExample(_) => "teach_example_undo",
        }
    }

    /// What the audit log says of it.
    pub fn detail(&self) -> String {
        match self {
            Change::Teach(lessons) => lessons.iter().map(Lesson::line).collect::<Vec<_>>().join(" / "),
            Change::Forget(word) => word.clone(),
            Change::Example(e) => e.line(),
            Change::ForgetExample(n) => format!("例{n}"),
        }
    }

    /// True when it adds to what is taught (checked by cross-validation before it is
    /// kept); undoing is never refused.
    pub fn adds(&self) -> bool {
        matches!(self, Change::Teach(_) | Change::Example(_))
    }
}

/// What `/teach` was asked, as its argument says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `/teach`, `/teach list`: the words taught.
    List,
    /// `/teach 注射 予防接種`, `/teach undo 注射`.
    Change(Change),
    /// `/teach #12 p.64 kpi`: review item #12's question meant the initiative on p.64 (its
    /// KPI; without an intent, the one the question is read as); `/teach #12 なし`: the plan
    /// has nothing for it.
    FromItem {
        /// The review item (any of its question ids).
        item: i64,
        /// The page of the initiative meant; `None`: nothing in the plan.
        page: Option<u16>,
        /// The intent named, if any.
        intent: Option<&'static str>,
    },
    /// `keikaku teach --question 「…」 --page 64`: a question (from a letter, a call) as an
    /// example, as from a review item.
    Question {
        /// The question.
        question: String,
        /// The page of the initiative meant; `None`: nothing in the plan.
        page: Option<u16>,
        /// The intent named, if any.
        intent: Option<&'static str>,
    },
}

impl Request {
    /// Reads `/teach`'s argument.
    pub fn parse(arg: &str) -> Result<Request, TeachError> {
        let words: Vec<&str> = arg.split_whitespace().collect();
        Ok(match words.as_slice() {
            [] | ["list"] => Request::List,
            ["undo", n] if example_number(n).is_some() => {
                Request::Change(Change::ForgetExample(example_number(n).unwrap_or_default()))
            }
            ["undo", word] => Request::Change(Change::Forget((*word).to_string())),
            [item, rest @ ..] if item.starts_with(['#', '＃']) && (1..=2).contains(&rest.len()) => {
                let item = normalize(item).trim_start_matches('#').parse().map_err(|_| TeachError::Usage)?;
                let (page, intent) = match rest {
                    [none] if matches!(normalize(none).as_str(), "none" | "なし" | "計画外") => (None, None),
                    [page] => (Some(page_number(page)?), None),
                    [page, intent] => {
                        let intent = example::intent_of(intent).ok_or(TeachError::UnknownIntent((*intent).into()))?;
                        (Some(page_number(page)?), Some(intent))
                    }
                    _ => return Err(TeachError::Usage),
                };
                Request::FromItem { item, page, intent }
            }
            _ => Request::Change(Change::Teach(vec![Lesson::parse(arg)?])),
        })
    }
}

/// 「p.64」「64」「p64の」 as a page number.
fn page_number(text: &str) -> Result<u16, TeachError> {
    let page = normalize(text);
    let page = page.trim_start_matches(['p', '.']).trim_end_matches(['の', 'こ', 'と']);
    page.parse().map_err(|_| TeachError::Usage)
}

/// 「例3」「e3」 as an example's number.
fn example_number(text: &str) -> Option<usize> {
    let t = normalize(text);
    t.strip_prefix('例').or_else(|| t.strip_prefix('e'))?.parse().ok()
}

impl Change {
    /// What was done, said to the administrator once it is in service: the change (for an
    /// undo, the taught words `forgotten`, when they differ from the word typed), and the
    /// corpus's cross-validated figures before and after it (none without a corpus).
    pub fn done(&self, figures: Option<&(Figures, Figures)>, number: Option<usize>, forgotten: &[String]) -> String {
        let what = match self {
            Change::Teach(lessons) => lessons
                .iter()
                .map(|l| format!("「{}」を「{}」のこととして覚えました", l.word, l.terms.join("、")))
                .collect::<Vec<_>>()
                .join("。"),
            Change::Forget(word) if forgotten.is_empty() || forgotten == [word.clone()] => {
                format!("「{word}」を忘れました")
            }
            Change::Forget(word) => {
                format!("「{}」を忘れました（「{word}」に当たる教えた言葉）", forgotten.join("」「"))
            }
            Change::Example(e) => format!("「{}」を{}の例として覚えました", e.question, e.meaning_text()),
            Change::ForgetExample(n) => format!("例{n}を忘れました"),
        };
        let checked = match figures {
            Some((before, after)) => format!("例文{}件の交差検証: {}。", after.questions, compare(before, after)),
            None => "例文がないため、交差検証はしていません。".to_string(),
        };
        let undo = match (self, number) {
            (Change::Teach(_), _) => "（取り消し: teach undo 言葉）",
            (Change::Example(_), Some(n)) => {
                return format!("{what}。{checked}今から回答に使います（取り消し: teach undo 例{n}）。");
            }
            _ => "",
        };
        format!("{what}。{checked}今から回答に使います{undo}。")
    }
}

/// The figures a change is judged by: name, share before and after, true when higher is
/// better, and how many questions the share is of.
pub fn judged(before: &Figures, after: &Figures) -> [(&'static str, f32, f32, bool, usize); 5] {
    [
        ("正しいカード", before.answered_right, after.answered_right, true, after.singles),
        ("意図の正解", before.intent_accuracy, after.intent_accuracy, true, after.questions),
        ("誤ったカード", before.wrong_card, after.wrong_card, false, after.singles),
        ("見つからない誤り", before.false_not_found, after.false_not_found, false, after.singles),
        ("計画外にカード", before.out_of_plan_answered, after.out_of_plan_answered, false, after.outside),
    ]
}

/// 「正しいカード 76.4% → 76.5%、…」.
pub fn compare(before: &Figures, after: &Figures) -> String {
    judged(before, after)
        .iter()
        .map(|(name, b, a, ..)| format!("{name} {:.1}% → {:.1}%", 100.0 * b, 100.0 * a))
        .collect::<Vec<_>>()
        .join("、")
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

/// `taught` (the words' file) with `change` made, or why it cannot be made. A change of the
/// taught questions leaves the words as they are.
pub fn apply(taught: &str, change: &Change) -> Result<String, TeachError> {
    match change {
        Change::Example(_) | Change::ForgetExample(_) => Ok(taught.to_string()),
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
            // Without the analyzer: the word as taught, or in another script
            // ([`crate::app::App::teach`] reads it too).
            let words = undo::named(taught, word, |_| Vec::new())?;
            Ok(undo::forget(taught, &words))
        }
    }
}

/// Why a word was not taught (or forgotten), said to an administrator in Japanese.
#[derive(Debug, thiserror::Error)]
pub enum TeachError {
    /// The command was not understood.
    #[error(
        "使い方: 「teach 言葉 計画の用語」（例: teach 注射 予防接種。用語はカンマで複数可）、「teach #見直し番号 p.ページ [意図]」で見直しの質問をその取組の例に（意図: 概要・KPI・内容・方法・効果・期間・スケジュール・担当）、「teach #見直し番号 なし」で計画にない質問の例に、「teach undo 言葉」「teach undo 例番号」で取り消し、「teach list」で一覧"
    )]
    Usage,
    /// An intent nobody knows.
    #[error(
        "「{0}」は意図として読めません。概要・KPI・内容・方法・効果・期間・スケジュール・担当のどれかで指定してください。"
    )]
    UnknownIntent(String),
    /// No taught example has that number.
    #[error("例{0}はありません（教えた例は{1}件）。「teach list」で番号を確かめてください。")]
    NoSuchExample(usize, usize),
    /// The line would not be a thesaurus line.
    #[error("その形では辞書に書けません: {0}")]
    Form(String),
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
    /// An undo whose word reads as several taught words.
    #[error("「{typed}」と読める教えた言葉が複数あります（{}）。取り消す言葉を、教えたとおりに入力してください。", .words.join("、"))]
    AmbiguousUndo {
        /// The word typed.
        typed: String,
        /// The taught words it reads as.
        words: Vec<String>,
    },
    /// The corpus's cross-validated figures would fall.
    #[error("この変更で例文{}件の交差検証の成績が下がるため、登録しませんでした: {}。", .after.questions, lowered_text(.before, .after))]
    WouldLower {
        /// The figures without the change.
        before: Box<Figures>,
        /// With it.
        after: Box<Figures>,
    },
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

/// How far a figure may move the wrong way before a change is refused: one question, or
/// 0.1% of the questions it is of, whichever is more. One more question in the corpus, or
/// one word, can tip a few neighbours either way; a change that misleads moves more.
pub const TOLERANCE: (f32, f32) = (1.0, 0.001);

/// The figures that moved the wrong way by more than [`TOLERANCE`].
pub fn lowered(before: &Figures, after: &Figures) -> Vec<&'static str> {
    judged(before, after)
        .into_iter()
        .filter(|(_, b, a, higher_better, of)| {
            let worse = if *higher_better { b - a } else { a - b };
            // Half a question's share of slack for rounding (shares are of slightly
            // different counts before and after).
            let allowed = TOLERANCE.0.max(TOLERANCE.1 * *of as f32);
            worse * *of as f32 > allowed + 0.5
        })
        .map(|(name, ..)| name)
        .collect()
}

/// The refusal's figures: those that fell, then the rest.
fn lowered_text(before: &Figures, after: &Figures) -> String {
    let fell = lowered(before, after);
    let all = judged(before, after);
    let (worse, rest): (Vec<_>, Vec<_>) = all.iter().partition(|(name, ..)| fell.contains(name));
    let show = |v: &[&(&str, f32, f32, bool, usize)]| {
        v.iter()
            .map(|(n, b, a, ..)| format!("{n} {:.1}% → {:.1}%", 100.0 * b, 100.0 * a))
            .collect::<Vec<_>>()
            .join("、")
    };
    format!("{}（ほか: {}）", show(&worse), show(&rest))
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
        let item = |page, intent| Some(Request::FromItem { item: 12, page, intent });
        assert_eq!(Request::parse("#12 p.64").ok(), item(Some(64), None));
        assert_eq!(Request::parse("#12 64").ok(), item(Some(64), None));
        assert_eq!(Request::parse("＃12 ｐ．64 KPI").ok(), item(Some(64), Some("kpi")));
        assert_eq!(Request::parse("#12 p.64 期間").ok(), item(Some(64), Some("period")));
        assert_eq!(Request::parse("#12 なし").ok(), item(None, None));
        assert!(matches!(Request::parse("#12 p.64 天気"), Err(TeachError::UnknownIntent(_))));
        assert!(matches!(Request::parse("#x p.64"), Err(TeachError::Usage)));
        assert_eq!(Request::parse("undo 例3").ok(), Some(Request::Change(Change::ForgetExample(3))));
        assert_eq!(Request::parse("undo e3").ok(), Some(Request::Change(Change::ForgetExample(3))));
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
