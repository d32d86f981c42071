//! Cards about reported actuals and the people who report them — a report before or after it
//! is written, an initiative's report history, the staff roster — and the help. The bot
//! renders them as HTML and the terminal as text; both build them here.

use super::{Block, Card};
use crate::actuals::{Actual, ActualsView, DepartmentMissing, ResolvedReport, Staff, jst, verdict_for};
use crate::plan::{FiscalYear, Initiative, Plan};

/// A report as understood: before it is written (heading 「この内容で記録しますか？」) or
/// after (「✅ 記録しました（#12）」). The year as read and a value's warning are shown.
/// The verdict is read on `today` (the current fiscal year): 年度途中 while the year runs.
pub fn report_card(plan: &Plan, r: &ResolvedReport, heading: &str, today: FiscalYear) -> Card {
    let title = plan.initiative(r.page).map_or_else(String::new, |i| i.title.clone());
    let verdict = r.verdict(plan, today).map(|v| format!(": {}", v.label())).unwrap_or_default();
    let mut blocks = vec![
        Block::Title(heading.to_string()),
        Block::Text(format!("取組: {title}（p.{}）", r.page)),
        Block::Text(format!("指標: {}", r.kpi)),
        Block::Text(format!("年度: {}", r.year)),
        Block::Text(format!("値: {}（目標 {}{verdict}）", r.value.display(), r.target)),
    ];
    if let Some(note) = &r.year_note {
        blocks.push(Block::Text(format!("※ {note}")));
    }
    if let Some(warning) = &r.warning {
        blocks.push(Block::Text(format!("⚠ {warning}")));
    }
    Card { blocks, actions: Vec::new() }
}

/// Every report for an initiative, oldest first, each with who reported it (their name as
/// it was then) and when, its verdict read on `today` (年度途中 while its year runs) and the
/// reason given for a missed target; the value in force for its indicator and year is marked.
pub fn history_card(plan: &Plan, i: &Initiative, rows: &[Actual], current: &ActualsView, today: FiscalYear) -> Card {
    let mut blocks = vec![
        Block::Title(format!("{} の報告履歴", i.title)),
        Block::Meta(format!("{} ／ p.{}", i.department_label(), i.page)),
    ];
    if rows.is_empty() {
        blocks.push(Block::Text("まだ報告はありません。".into()));
    }
    for a in rows {
        let in_force = current.get(a.page, &a.kpi, a.fiscal_year).is_some_and(|c| c.id == a.id);
        let verdict = verdict_for(plan, a.page, &a.kpi, a.fiscal_year, a.value, today)
            .map_or_else(String::new, |(_, v)| format!("（{}）", v.label()));
        blocks.push(Block::Item(format!(
            "#{} {} {} {}{verdict} — {} ({}) {}{}",
            a.id,
            a.fiscal_year.japanese(),
            a.kpi,
            a.value_raw,
            a.reporter,
            a.reported_by,
            jst(a.reported_at),
            if in_force { "（現在値）" } else { "" }
        )));
        if let Some(reason) = &a.reason {
            blocks.push(Block::Detail(format!("未達の理由: {reason}")));
        }
    }
    Card { blocks, actions: Vec::new() }
}

/// The staff who may use the staff bot, with their roles and departments.
pub fn roster_card(staff: &[Staff]) -> Card {
    let mut blocks = vec![Block::Title("登録職員".into())];
    if staff.is_empty() {
        blocks.push(Block::Text(
            "まだ誰も登録されていません（keikaku staff add --telegram-id N --name 名前 --role lead --department 課）。"
                .into(),
        ));
    }
    for s in staff {
        let departments =
            if s.departments.is_empty() { String::new() } else { format!(" ／ {}", s.departments.join("・")) };
        blocks.push(Block::Item(format!("{} {}（{}）{departments}", s.telegram_id, s.name, s.role.as_str())));
    }
    Card { blocks, actions: Vec::new() }
}

/// Where the help is read, and what its reader may do there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpFor<'a> {
    /// The terminal chat.
    Terminal,
    /// A bot: its commands (one per line, as Telegram lists them) and whether the reader
    /// may report actuals.
    Bot {
        /// The commands this reader may use.
        commands: &'a str,
        /// True when they may report.
        reporter: bool,
    },
    /// The LINE bot (residents; no commands: the menu and plain questions).
    Line,
}

/// How to ask, with examples drawn from the plan itself (its first initiatives' names and a
/// department), and what the channel offers besides.
pub fn help_card(plan: &Plan, how: HelpFor<'_>) -> Card {
    let mut blocks = vec![Block::Title("質問の例".into())];
    let first_with_kpi = plan.initiatives.iter().find(|i| !i.kpis.is_empty());
    if let Some(i) = first_with_kpi {
        blocks.push(Block::Item(format!("{}のKPI", short_name(&i.title))));
    }
    if let Some(i) = plan.initiatives.iter().find(|i| Some(i.page) != first_with_kpi.map(|f| f.page)) {
        blocks.push(Block::Item(format!("{}はいつまで？", short_name(&i.title))));
    }
    if let Some(d) = plan.departments().first() {
        blocks.push(Block::Item(format!("{d}の取組")));
    }
    if let Some(p) = plan.policies.first() {
        blocks.push(Block::Item(format!("基本方針{}の取組一覧", p.number)));
    }
    blocks.push(Block::Item("コンビニで住民票は取れる？（ふだんの言葉で、ひらがなでも）".into()));
    blocks.push(Block::Text("続けて「そのKPIは？」「いつまで？」とも聞けます。".into()));
    match how {
        HelpFor::Terminal => {
            blocks.push(Block::Text("候補が番号で出たら、番号で選べます。".into()));
            blocks.push(Block::Text(format!("{}。Ctrl-C は入力中の行を消します。", super::how_to_leave())));
        }
        HelpFor::Line => {
            blocks.push(Block::Text("カードの下のボタンで、概要・KPI・方法・効果・期間を切り替えられます。".into()));
            blocks.push(Block::Text("下のメニューから、基本的な手段ごとの取組一覧も見られます。".into()));
        }
        HelpFor::Bot { commands, reporter } => {
            blocks.push(Block::Text("カードの下のボタンで、概要・KPI・方法・効果・期間を切り替えられます。".into()));
            blocks.push(Block::Section("コマンド".into()));
            blocks.extend(commands.lines().filter(|l| !l.trim().is_empty()).map(|l| Block::Item(l.to_string())));
            if reporter {
                blocks.push(Block::Section("実績の報告".into()));
                // An example from the plan: its first KPI with a numeric target.
                let example = plan.initiatives.iter().find_map(|i| {
                    i.kpis.iter().find_map(|k| {
                        let (year, t) = k.targets.iter().find(|(_, t)| t.understood)?;
                        let value = t.value.map(crate::plan::format_number)?;
                        Some((
                            short_name(&i.title),
                            k.name.as_str(),
                            year.japanese(),
                            value,
                            t.unit.clone().unwrap_or_default(),
                        ))
                    })
                });
                match example {
                    Some((name, kpi, year, value, unit)) => {
                        blocks.push(Block::Item(format!(
                            "/report 取組 指標 年度 値（例: /report {name} {kpi} {year} {value}{unit}）"
                        )));
                        blocks.push(Block::Item(format!(
                            "「{name}の{kpi}、{year}は{value}{unit}でした」のような文でも報告できます"
                        )));
                    }
                    None => blocks.push(Block::Item("/report 取組 指標 年度 値".into())),
                }
                blocks.push(Block::Item("/report だけを送ると、取組・指標・年度を順に選べます".into()));
                blocks.push(Block::Text("どの方法でも、確認のあと「確定」を押したときだけ記録されます。".into()));
            }
        }
    }
    Card { blocks, actions: Vec::new() }
}

/// An initiative's name without its bracketed gloss: 「どこでも窓口(行政手続のオンライン化)」 →
/// 「どこでも窓口」.
fn short_name(title: &str) -> String {
    crate::search::matcher::strip_brackets(title).trim().to_string()
}

/// KPIs a page of the missing list holds.
pub const MISSING_PER_PAGE: usize = 15;

/// The KPIs of `year` still without an actual, by department, with who should report each:
/// the whole list (`page` none: the terminal), or page `n` of [`MISSING_PER_PAGE`] KPIs (the
/// bot; a department cut by a page goes on with 「（続き）」). Returns the card and how many
/// pages the list has.
pub fn missing_card(list: &[DepartmentMissing], year: FiscalYear, page: Option<usize>) -> (Card, usize) {
    let total: usize = list.iter().map(|d| d.kpis.len()).sum();
    let mut blocks = vec![Block::Title(format!("{year} の未報告KPI"))];
    if total == 0 {
        blocks.push(Block::Text(format!("{}に目標のあるKPIは、すべて実績が報告されています。", year.japanese())));
        return (Card { blocks, actions: Vec::new() }, 1);
    }
    let pages = total.div_ceil(MISSING_PER_PAGE);
    let (from, to) = match page {
        Some(n) => {
            let n = n.min(pages - 1);
            (n * MISSING_PER_PAGE, (n + 1) * MISSING_PER_PAGE)
        }
        None => (0, total),
    };
    blocks.push(Block::Meta(format!("{total}件（{}課）", list.len())));
    let mut at = 0;
    for d in list {
        let mut header = false;
        for k in &d.kpis {
            if (from..to).contains(&at) {
                if !header {
                    let more = if at == d_first(list, d) { "" } else { "（続き）" };
                    blocks.push(Block::Section(format!("{}{more}（報告: {}）", d.department, d.reporters())));
                    header = true;
                }
                blocks.push(Block::Item(format!("p.{} {} — {}（目標 {}）", k.page, k.title, k.kpi, k.target)));
            }
            at += 1;
        }
    }
    (Card { blocks, actions: Vec::new() }, if page.is_some() { pages } else { 1 })
}

/// Where the department `d` starts in the flattened list.
fn d_first(list: &[DepartmentMissing], d: &DepartmentMissing) -> usize {
    list.iter().take_while(|x| x.department != d.department).map(|x| x.kpis.len()).sum()
}
