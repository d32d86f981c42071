//! The plan domain: a municipality's DX action plan as typed data.
//!
//! [`Plan::parse`] turns the published Markdown document into [`Initiative`]s with their
//! sections, schedule tables and KPIs, whose yearly [`Target`]s are understood (number, unit,
//! baseline, direction), not just echoed. This module knows nothing of search, storage or
//! Telegram, and does no I/O: the caller reads the file.

mod fiscal;
mod parse;
mod target;

pub use fiscal::{FiscalYear, Period};
pub use parse::PlanError;
/// How to tell someone a department name is not the plan's: the nearest names (by edit
/// distance, so a slip such as 「デジタル推進化」 finds 「デジタル推進課」) rather than all of them;
/// the whole list only when nothing is near.
pub fn unknown_department(plan: &Plan, name: &str) -> String {
    let known = plan.departments();
    let near = crate::nearest::nearest(name, known.iter().copied(), 3);
    if near.is_empty() {
        format!("部署「{name}」は計画にありません。計画の部署: {}", known.join("、"))
    } else {
        format!("部署「{name}」は計画にありません。近い部署: {}", near.join("、"))
    }
}

pub use target::{Direction, Target, TargetKind, format_number, infer_direction};

use serde::{Deserialize, Serialize};

use crate::normalize::normalize;

/// A whole action plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// The document's title, e.g. 「那須塩原市DX推進戦略アクションプラン」.
    pub title: String,
    /// The basic policies (基本方針1–3), in order.
    pub policies: Vec<BasicPolicy>,
    /// The basic means (オンライン化, ペーパーレス化, オートメーション化, キャッシュレス化).
    pub means: Vec<BasicMeans>,
    /// Every initiative, in page order.
    pub initiatives: Vec<Initiative>,
    /// The fiscal years the plan's tables cover (令和8–10年度 in this edition).
    pub years: Vec<FiscalYear>,
}

/// One basic policy (基本方針).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BasicPolicy {
    /// 1, 2 or 3.
    pub number: u8,
    /// 「市民サービスの利便性向上」.
    pub title: String,
}

/// One basic means (取組を進めるに当たっての基本的な手段).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BasicMeans {
    /// 1 to 4, as numbered in the plan (01 オンライン化 …).
    pub number: u8,
    /// 「キャッシュレス化」.
    pub name: String,
    /// What it brings to residents, staff and the community.
    pub description: String,
    /// The plan's examples of the means.
    pub examples: Vec<String>,
}

impl BasicMeans {
    /// The words whose presence in an initiative's text makes it an initiative of this means.
    /// The plan does not assign means to initiatives; an initiative belongs to a means when
    /// its own text says so (「キャッシュレス」), or names the tools the plan lists for it.
    pub fn keywords(&self) -> Vec<String> {
        let stem = self.name.trim_end_matches('化').to_string();
        let extra: &[&str] = match stem.as_str() {
            "オンライン" => &["電子申請", "オンライン申請"],
            "ペーパーレス" => &["電子化", "電子決裁", "電子契約", "紙媒体", "紙使用"],
            "オートメーション" => &["自動化", "自動応答", "自動交付", "rpa", "ocr"],
            _ => &[],
        };
        std::iter::once(normalize(&stem)).chain(extra.iter().map(|w| normalize(w))).collect()
    }
}

/// A row of a table with one cell per fiscal year (実施スケジュール).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScheduleRow {
    /// The row's label (「システム」).
    pub label: String,
    /// The non-empty cells, by year.
    pub cells: Vec<(FiscalYear, String)>,
}

/// One KPI of an initiative.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kpi {
    /// The indicator (「搭載手続数」).
    pub name: String,
    /// The targets the plan sets, by year; years left blank in the plan are absent.
    pub targets: Vec<(FiscalYear, Target)>,
    /// Which way the indicator should move.
    pub direction: Direction,
    /// Why that direction was chosen, in Japanese, for display.
    pub direction_basis: std::borrow::Cow<'static, str>,
    /// The line of its row in the document, from 1.
    pub line: usize,
}

impl Kpi {
    /// The target for `year`, if the plan sets one.
    pub fn target(&self, year: FiscalYear) -> Option<&Target> {
        self.targets.iter().find(|(y, _)| *y == year).map(|(_, t)| t)
    }
}

/// One initiative (取組). Its page is its stable key within an edition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Initiative {
    /// The page of its detail section, as printed in the list tables.
    pub page: u16,
    /// The basic policy it serves (1–3).
    pub policy: u8,
    /// Its department(s); 「課税課・市民課」 is two.
    pub departments: Vec<String>,
    /// The name in the list tables (「固定資産税GIS導入」).
    pub title: String,
    /// The heading of its detail section (「固定資産税GIS導入事業」).
    pub heading: String,
    /// ■ 内容.
    pub contents: Vec<String>,
    /// ■ 具体的方法.
    pub methods: Vec<String>,
    /// ■ 期待する効果.
    pub effects: Vec<String>,
    /// ■ 取組期間, understood.
    pub period: Period,
    /// ■ 取組期間, as printed.
    pub period_raw: String,
    /// ■ 実施スケジュール; empty when the plan's table is empty.
    pub schedule: Vec<ScheduleRow>,
    /// ■ KPI; empty when the plan lists none.
    pub kpis: Vec<Kpi>,
    /// The basic means (by number) its text names.
    pub means: Vec<u8>,
    /// The line of the document where its detail section starts.
    pub line: usize,
}

impl Initiative {
    /// Every text of the initiative in one string, for searching and matching.
    pub fn full_text(&self) -> String {
        let mut s = String::new();
        for part in [&self.title, &self.heading] {
            s.push_str(part);
            s.push('\n');
        }
        for item in self.contents.iter().chain(&self.methods).chain(&self.effects) {
            s.push_str(item);
            s.push('\n');
        }
        for row in &self.schedule {
            s.push_str(&row.label);
            for (_, cell) in &row.cells {
                s.push(' ');
                s.push_str(cell);
            }
            s.push('\n');
        }
        for kpi in &self.kpis {
            s.push_str(&kpi.name);
            s.push('\n');
        }
        s
    }

    /// 「課税課・市民課」.
    pub fn department_label(&self) -> String {
        self.departments.join("・")
    }
}

impl Plan {
    /// Parses the plan document. See [`PlanError`] for what is checked.
    pub fn parse(source: &str) -> Result<Plan, PlanError> {
        parse::parse(source)
    }

    /// The initiative on `page`.
    pub fn initiative(&self, page: u16) -> Option<&Initiative> {
        // In page order: the parser refuses a list whose pages do not increase.
        self.initiatives.binary_search_by_key(&page, |i| i.page).ok().map(|n| &self.initiatives[n])
    }

    /// The basic policy numbered `n`.
    pub fn policy(&self, n: u8) -> Option<&BasicPolicy> {
        self.policies.iter().find(|p| p.number == n)
    }

    /// The basic means numbered `n`.
    pub fn means_by_number(&self, n: u8) -> Option<&BasicMeans> {
        self.means.iter().find(|m| m.number == n)
    }

    /// Every department that owns an initiative, in order of first appearance.
    pub fn departments(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for d in self.initiatives.iter().flat_map(|i| &i.departments) {
            if !seen.contains(&d.as_str()) {
                seen.push(d);
            }
        }
        seen
    }
}
