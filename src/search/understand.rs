//! Understanding a question before retrieval: what is asked (the [`Intent`]), which list
//! filters it names ([`Filters`]), whether it asks for something the plan never states, and
//! which part of it names the subject. Works on normalised text; knows the plan only through
//! the department and means names it is given.

use std::ops::Range;

use serde::Serialize;

use crate::plan::{FiscalYear, Plan};

/// What a question asks for. The names are those of the `ask --json` contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// The initiative in general, or just its name.
    Overview,
    /// Its KPIs and targets.
    Kpi,
    /// ■ 内容.
    Contents,
    /// ■ 具体的方法.
    Methods,
    /// ■ 期待する効果.
    Effects,
    /// ■ 取組期間.
    Period,
    /// ■ 実施スケジュール.
    Schedule,
    /// Which department runs it.
    Department,
    /// Several initiatives: by department, basic policy, basic means, year or topic.
    List,
    /// The plan does not answer the question.
    NotFound,
}

impl Intent {
    /// The contract name (`kpi`, `not_found` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Overview => "overview",
            Intent::Kpi => "kpi",
            Intent::Contents => "contents",
            Intent::Methods => "methods",
            Intent::Effects => "effects",
            Intent::Period => "period",
            Intent::Schedule => "schedule",
            Intent::Department => "department",
            Intent::List => "list",
            Intent::NotFound => "not_found",
        }
    }
}

/// Cue phrases, in order of precedence: the first intent with a cue in the question wins.
/// Phrases are matched on normalised text (NFKC, lower case).
const INTENT_CUES: &[(Intent, &[&str])] = &[
    (
        Intent::Department,
        &[
            "どこの課",
            "どの課",
            "どこが担当",
            "どこの部署",
            "どの部署",
            "担当課",
            "担当部署",
            "所管",
            "所属",
            "担当は",
            "課は",
            "部署は",
            "どこがやって",
            "どこでやって",
        ],
    ),
    (
        Intent::Period,
        &[
            "いつから",
            "いつまで",
            "取組期間",
            "実施期間",
            "期間は",
            "期間を",
            "期間って",
            "期間",
            "何年度から",
            "何年度まで",
            "開始年度",
            "いつ始",
            "いつ終",
            "始まっ",
            "終わる",
            "いつ",
        ],
    ),
    (Intent::Schedule, &["スケジュール", "予定", "工程", "ロードマップ", "年度ごと", "各年度"]),
    (
        Intent::Kpi,
        &[
            "kpi",
            "指標",
            "数値目標",
            "目標値",
            "目標",
            "ターゲット",
            "どれくらい",
            "どのくらい",
            "どれぐらい",
            "どのぐらい",
            "どれだけ",
            "どの程度",
            "どれほど",
            "何件",
            "何人",
            "何%",
            "何パーセント",
            "何時間",
            "どこまで",
            "達成",
            "ノルマ",
            "何割",
        ],
    ),
    (
        Intent::Methods,
        &[
            "具体的方法",
            "方法",
            "手段",
            "手法",
            "やり方",
            "進め方",
            "どうやって",
            "どうやる",
            "どうする",
            "どのように",
            "どうやり",
            "どういう支援",
            "どんな支援",
            "支援内容",
            "具体的に何",
        ],
    ),
    (
        Intent::Effects,
        &[
            "期待する効果",
            "効果",
            "メリット",
            "何がいい",
            "何が良い",
            "何がよい",
            "よくなる",
            "良くなる",
            "利点",
            "狙い",
            "ねらい",
            "目的",
            "どう変わる",
            "便利になる",
            "うれしい",
            "嬉しい",
        ],
    ),
    (
        Intent::Contents,
        &[
            "内容",
            "中身",
            "何をする",
            "何をやる",
            "どんなもの",
            "どういうもの",
            "どんな事業",
            "どういう事業",
            "どんな取組",
            "どういう取組",
            "どんなこと",
        ],
    ),
    (Intent::Overview, &["概要", "とは", "って何", "ってなに", "について"]),
];

/// Contents cues that are as often a request for the overview: 「ゆータクのAI化ってどんな事業?」
/// asks what the initiative is when the asker does not know its name. The engine keeps
/// `contents` for these only when the question names the initiative.
pub const WEAK_CONTENTS_CUES: &[&str] =
    &["どんなもの", "どういうもの", "どんな事業", "どういう事業", "どんな取組", "どういう取組", "どんなこと"];

/// Cues of a request for progress: actuals against targets. For one initiative they ask for
/// its KPI card (with actuals); for a department or the whole plan, for a progress summary.
const PROGRESS_CUES: &[&str] = &["進捗状況", "進捗", "達成状況", "達成率", "実績"];

/// Cues of a request for several initiatives.
const LIST_CUES: &[&str] = &[
    "一覧",
    "まとめて",
    "まとめ",
    "リスト",
    "全部",
    "すべて",
    "全て",
    "取組は何",
    "取組はなに",
    "どんな取組がある",
    "何がある",
    "取組はある",
    "取組ある",
    "取組を教えて",
    "取組教えて",
    "取組は?",
    "取組を知りたい",
    "取組が知りたい",
    "事業を教えて",
    "どんな取組をして",
    "取組って何がある",
    "取り組みを教えて",
    "取り組みはある",
    "何をしている",
    "何をしてる",
];

/// Things the plan never states; a question about them is answered with `not_found` and the
/// initiative it concerns as a suggestion.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("予算", "予算"),
    ("費用", "費用"),
    ("事業費", "事業費"),
    ("金額", "金額"),
    ("いくら", "金額"),
    ("値段", "金額"),
    ("価格", "金額"),
    ("コスト", "費用"),
    ("財源", "財源"),
    ("委託先", "委託先"),
    ("業者", "事業者名"),
    ("ベンダー", "事業者名"),
    ("担当者", "担当者"),
    ("電話番号", "連絡先"),
    ("メールアドレス", "連絡先"),
    ("市長", "市長"),
    ("議会", "議会"),
    ("人口", "人口"),
];

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
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.department.is_none() && self.policy.is_none() && self.means.is_none() && self.year.is_none()
    }
}

/// A question taken apart.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The normalised question.
    pub text: String,
    /// The intent its cues name, if any.
    pub intent: Option<Intent>,
    /// True when the only contents cue is a weak one (see [`WEAK_CONTENTS_CUES`]).
    pub weak_contents: bool,
    /// True when it asks for several initiatives.
    pub list: bool,
    /// Something it asks that the plan never states (予算 …).
    pub unsupported: Option<&'static str>,
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

/// Takes `question` apart. `plan` supplies the department and means names.
pub fn parse(question: &str, plan: &Plan) -> Parsed {
    let text = crate::normalize::normalize(question);
    let mut blank: Vec<Range<usize>> = Vec::new();

    let mut filters = Filters::default();
    // Departments: the full name, or its stem when that is long enough to be unambiguous.
    let mut best: Option<(usize, Range<usize>, &str)> = None;
    for dept in plan.departments() {
        let name = crate::normalize::normalize(dept);
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
    if let Some((_, range, dept)) = best {
        filters.department = Some(dept.to_string());
        blank.push(range);
    }
    let dept_span = blank.first().cloned();
    let overlaps_dept = |at: usize, len: usize| dept_span.as_ref().is_some_and(|d| at < d.end && d.start < at + len);
    let mut intent = None;
    let mut weak_contents = false;
    for (candidate, cues) in INTENT_CUES {
        let mut hit = false;
        for cue in *cues {
            for (at, _) in text.match_indices(cue) {
                if overlaps_dept(at, cue.len()) {
                    continue;
                }
                blank.push(at..at + cue.len());
                hit = true;
            }
        }
        if hit && intent.is_none() {
            intent = Some(*candidate);
            if *candidate == Intent::Contents {
                weak_contents = !INTENT_CUES
                    .iter()
                    .find(|(i, _)| *i == Intent::Contents)
                    .is_some_and(|(_, cues)| cues.iter().any(|c| !WEAK_CONTENTS_CUES.contains(c) && text.contains(c)));
            }
        }
    }

    let mut unsupported = None;
    for (word, what) in UNSUPPORTED {
        if let Some(at) = text.find(word) {
            unsupported.get_or_insert(*what);
            blank.push(at..at + word.len());
        }
    }

    // 基本方針N.
    for prefix in ["基本方針", "方針"] {
        if let Some(at) = text.find(prefix) {
            let after = &text[at + prefix.len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse::<u8>()
                && plan.policy(n).is_some()
            {
                filters.policy = Some(n);
                blank.push(at..at + prefix.len() + digits.len());
                break;
            }
        }
    }
    // Basic means, by name or stem (「キャッシュレス化」, 「キャッシュレス」).
    for m in &plan.means {
        let name = crate::normalize::normalize(&m.name);
        let stem = name.trim_end_matches('化').to_string();
        if let Some(at) = text.find(&stem) {
            let end = if text[at..].starts_with(&name) { at + name.len() } else { at + stem.len() };
            filters.means = Some(m.number);
            blank.push(at..end);
            break;
        }
    }
    // Fiscal years, and how they relate.
    let years = FiscalYear::find_all(&text);
    let year = years.first().map(|(y, _)| *y);
    if let Some((y, range)) = years.first() {
        let after = &text[range.end..];
        let relation = if after.starts_with("から")
            || after.starts_with("に始")
            || after.starts_with("開始")
            || after.starts_with("に開始")
        {
            YearRelation::Starts
        } else if ["まで", "に終", "で終", "終了", "に完了", "で完了"].iter().any(|t| after.starts_with(t))
        {
            YearRelation::Ends
        } else {
            YearRelation::Active
        };
        filters.year = Some(YearFilter { year: *y, relation });
        let mut end = range.end;
        for tail in [
            "から始まる",
            "から始まっ",
            "から開始",
            "から",
            "に始まる",
            "に開始",
            "開始",
            "まで",
            "に終わる",
            "で終わる",
            "に終了",
            "で終了",
            "終了",
        ] {
            if after.starts_with(tail) {
                end += tail.len();
                break;
            }
        }
        blank.push(range.start..end);
    }

    let list = mark(&text, LIST_CUES, &mut blank);
    let progress = mark(&text, PROGRESS_CUES, &mut blank);
    // The plan's own name and the city's never narrow a question.
    mark(&text, &["アクションプラン", "dx推進戦略", "那須塩原市", "那須塩原", "計画全体", "全体"], &mut blank);
    let subject_text = blank_out(&text, &blank);
    let about_initiatives = ["取組", "取り組み", "事業は", "施策"].iter().any(|w| text.contains(w));
    Parsed { text, intent, weak_contents, list, unsupported, filters, year, subject_text, progress, about_initiatives }
}

/// Adds every occurrence of every phrase to `blank`; true when any occurs.
fn mark(text: &str, phrases: &[&str], blank: &mut Vec<Range<usize>>) -> bool {
    let before = blank.len();
    for phrase in phrases {
        blank.extend(text.match_indices(phrase).map(|(at, _)| at..at + phrase.len()));
    }
    blank.len() > before
}

/// `text` with the byte ranges replaced by 「、」, which no term spans.
fn blank_out(text: &str, ranges: &[Range<usize>]) -> String {
    let mut mask = vec![false; text.len()];
    for r in ranges {
        for m in &mut mask[r.clone()] {
            *m = true;
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut blanked = false;
    for (i, c) in text.char_indices() {
        if mask[i] {
            if !blanked {
                out.push('、');
            }
            blanked = true;
        } else {
            out.push(c);
            blanked = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_replaces_each_run_once() {
        let text = "どこでも窓口のkpi";
        let kpi = text.find("kpi").unwrap();
        assert_eq!(blank_out(text, &[kpi..text.len(), 0..3]), "、こでも窓口の、");
    }
}
