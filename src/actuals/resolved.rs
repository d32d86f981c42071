//! What a report comes to: a [`ResolvedReport`] ready to write, or the [`Refusal`] that says
//! why not. Data only: the parsers (`report.rs`), the authority rule (`authority.rs`) and
//! the store (`store.rs`) share these types without depending on each other.

use super::value::{ReportedValue, ValueError};
use crate::plan::{FiscalYear, Plan};

/// A report understood and checked against the plan, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedReport {
    /// The initiative's page.
    pub page: u16,
    /// The indicator's name, as the plan prints it.
    pub kpi: String,
    /// The fiscal year.
    pub year: FiscalYear,
    /// The value, its unit checked against the target's.
    pub value: ReportedValue,
    /// The plan's target for that year, as printed.
    pub target: String,
    /// Said before writing when the value looks like a slip (far beyond every target): the
    /// bot asks for 確定 with it shown; the CLI wants `--confirm`.
    pub warning: Option<String>,
    /// How the year was read when the report did not name it as such (「来年度」 →
    /// 令和9年度), to be shown before writing.
    pub year_note: Option<String>,
}

impl ResolvedReport {
    /// How the value stands against its target, read on `today` (the current fiscal year).
    pub fn verdict(&self, plan: &Plan, today: FiscalYear) -> Option<super::Verdict> {
        super::progress::verdict_for(plan, self.page, &self.kpi, self.year, self.value.number, today).map(|(_, v)| v)
    }
}

/// Why a report is refused. The text is for the person who reported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The sender is not registered (or was removed).
    #[error("Telegram ID {telegram_id} は登録されていません。報告するには管理者に登録を依頼してください")]
    NotRegistered {
        /// Their id.
        telegram_id: i64,
    },
    /// The sender may read only.
    #[error("{name}さんは閲覧のみの権限（staff）です。報告は各課の担当リーダーか管理者が行います")]
    ReadOnly {
        /// Their name.
        name: String,
    },
    /// The initiative belongs to other departments.
    #[error("「{initiative}」は{owners}の取組です。{name}さん（{own}）は自分の課の取組だけ報告できます")]
    OtherDepartment {
        /// The sender's name.
        name: String,
        /// The initiative's title.
        initiative: String,
        /// Its departments.
        owners: String,
        /// The sender's departments.
        own: String,
    },
    /// No initiative fits.
    #[error("取組「{query}」が見つかりません。{}", suggest(suggestions))]
    UnknownInitiative {
        /// What was asked for.
        query: String,
        /// Near misses, as titles.
        suggestions: Vec<String>,
    },
    /// Several initiatives fit.
    #[error("「{query}」に当てはまる取組が複数あります: {}。取組名をもう少し詳しく書いてください", candidates.join(" ／ "))]
    AmbiguousInitiative {
        /// What was asked for.
        query: String,
        /// The candidates' titles.
        candidates: Vec<String>,
    },
    /// The initiative has no KPI.
    #[error("「{initiative}」には計画上KPIがないため、実績は報告できません")]
    NoKpi {
        /// Its title.
        initiative: String,
    },
    /// No indicator of the initiative fits.
    #[error("「{initiative}」に指標「{query}」はありません。指標: {}", indicators.join(" ／ "))]
    UnknownIndicator {
        /// The initiative's title.
        initiative: String,
        /// What was asked for.
        query: String,
        /// Its indicators, closest first.
        indicators: Vec<String>,
    },
    /// The year cannot be read.
    #[error("年度「{0}」が読めません。例: 令和8年度、R8、2026")]
    BadYear(String),
    /// The year is outside the plan.
    #[error("{year}は計画の対象外です。報告できるのは{range}です")]
    YearOutsidePlan {
        /// The year given.
        year: String,
        /// The plan's years.
        range: String,
    },
    /// The fiscal year has not started: nothing can be reported for it yet.
    #[error(
        "{year}はまだ始まっていません（{starts}から。今年度は{today}です）。実績は年度が始まってから報告してください"
    )]
    YearNotStarted {
        /// The year given.
        year: String,
        /// When it starts (「2027年4月1日」).
        starts: String,
        /// The current fiscal year.
        today: String,
    },
    /// A reason was given for a value that is not 未達.
    #[error("理由は未達（年度が終わって目標に届かなかった）実績にだけ付けられます。この値は{0}です")]
    ReasonNotNeeded(String),
    /// No actual has this id.
    #[error("実績 #{0} はありません。番号は keikaku history か /history で確かめてください")]
    UnknownActual(i64),
    /// A reason for someone else's report.
    #[error("実績 #{id} は{reporter}さんの報告です。理由を付けられるのは報告した本人か管理者です")]
    NotYourReport {
        /// The actual's id.
        id: i64,
        /// Who reported it.
        reporter: String,
    },
    /// A reason longer than the limit, or empty.
    #[error("理由は1～{max}文字で書いてください（{given}文字でした）")]
    BadReason {
        /// The limit.
        max: usize,
        /// Its length.
        given: usize,
    },
    /// The plan sets no target for that year.
    #[error("「{kpi}」には{year}の目標が設定されていません（目標のある年度: {years}）")]
    NoTargetThatYear {
        /// The indicator.
        kpi: String,
        /// The year given.
        year: String,
        /// The years with targets.
        years: String,
    },
    /// The value is not acceptable.
    #[error("{0}")]
    Value(#[from] ValueError),
    /// A sentence with no fiscal year it can read.
    #[error("年度が読み取れません。「令和8年度は」「R8」のように年度を書いてください")]
    NoYear,
    /// A sentence naming several years.
    #[error("年度が複数あります（{0}）。1回の報告では1つの年度だけ書いてください")]
    SeveralYears(String),
    /// A year-like number that is no fiscal year of the plan's calendar (「FY2027」「7年度」).
    #[error("「{0}」を年度として読めません。例: 令和8年度、R8、2026年度")]
    UnreadableYear(String),
    /// A sentence with several numbers besides the year.
    #[error("数値が複数あります（{0}）。報告する値を1つだけ書いてください")]
    SeveralValues(String),
    /// A value far beyond every target, from the command line without `--confirm`.
    #[error("{0}。このまま記録するには --confirm を付けてください")]
    Implausible(String),
    /// A message that is not a report.
    #[error(
        "報告として読めませんでした。例:「どこでも窓口の搭載手続数、令和8年度は92件でした」または /report どこでも窓口 搭載手続数 R8 92件"
    )]
    NotAReport,
}

fn suggest(titles: &[String]) -> String {
    if titles.is_empty() {
        "取組名を確認してください".into()
    } else {
        format!("もしかして: {}", titles.join(" ／ "))
    }
}
