//! What a question asks for: the intents of the `ask --json` contract. Its own module, as
//! the lexicon (which names each intent's cues) and understanding both speak of it.

use serde::Serialize;

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
