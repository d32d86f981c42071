//! Inline keyboards: a card's actions as buttons, list paging, 確定 / 取消, and the steps of
//! the guided report flow. Plain functions from our types to teloxide's.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::answer::{Action, Card};
use crate::conversation::{Callback, Page};
use crate::plan::{FiscalYear, Initiative, Plan};

fn button(label: impl Into<String>, cb: Callback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label.into(), cb.encode())
}

/// The card's actions: short labels (sections) share a row; long ones (candidates) get
/// their own.
pub fn card(card: &Card) -> Option<InlineKeyboardMarkup> {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    let mut short: Vec<InlineKeyboardButton> = Vec::new();
    for action in &card.actions {
        let Action::Show { label, page, intent } = action;
        let b = button(label.clone(), Callback::Show { page: *page, intent: *intent });
        if label.chars().count() <= 6 {
            short.push(b);
        } else {
            rows.push(vec![b]);
        }
    }
    if !short.is_empty() {
        rows.push(short);
    }
    (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
}

/// The card's buttons with 「📈 グラフ」 for the KPI charts of the initiative on `page`.
pub fn with_chart(markup: Option<InlineKeyboardMarkup>, page: u16) -> Option<InlineKeyboardMarkup> {
    let mut rows = markup.map(|m| m.inline_keyboard).unwrap_or_default();
    rows.push(vec![button("📈 グラフ", Callback::Chart(page))]);
    Some(InlineKeyboardMarkup::new(rows))
}

/// The card's buttons with 「解決しましたか？」 👍 / 👎 under them.
pub fn with_feedback(markup: Option<InlineKeyboardMarkup>) -> Option<InlineKeyboardMarkup> {
    let row =
        vec![button("👍 解決した", Callback::Vote { up: true }), button("👎 解決しない", Callback::Vote { up: false })];
    let mut rows = markup.map(|m| m.inline_keyboard).unwrap_or_default();
    rows.push(row);
    Some(InlineKeyboardMarkup::new(rows))
}

/// True when the buttons hold 👍 / 👎.
pub fn has_feedback(markup: &InlineKeyboardMarkup) -> bool {
    markup.inline_keyboard.iter().flatten().any(|b| {
        matches!(&b.kind, teloxide::types::InlineKeyboardButtonKind::CallbackData(data)
            if matches!(Callback::decode(data), Some(Callback::Vote { .. })))
    })
}

/// ◀ / n/N / ▶ under page `n` of `pages` of the missing list of `year`; none for one page.
pub fn missing_paging(year: FiscalYear, n: usize, pages: usize) -> Option<InlineKeyboardMarkup> {
    if pages <= 1 {
        return None;
    }
    let at = |n: usize| Callback::Missing { year: year.gregorian(), n: u16::try_from(n).unwrap_or(u16::MAX) };
    let mut row = Vec::new();
    if n > 0 {
        row.push(button("◀ 前へ", at(n - 1)));
    }
    row.push(button(format!("{}/{pages}", n + 1), Callback::Noop));
    if n + 1 < pages {
        row.push(button("次へ ▶", at(n + 1)));
    }
    Some(InlineKeyboardMarkup::new(vec![row]))
}

/// ◀ / n/N / ▶ under a list's `page`; none for a list of one page.
pub fn paging(page: &Page) -> Option<InlineKeyboardMarkup> {
    if page.pages <= 1 {
        return None;
    }
    let mut row = Vec::new();
    if let Some(previous) = page.previous() {
        row.push(button("◀ 前へ", previous));
    }
    row.push(button(format!("{}/{}", page.n + 1, page.pages), Callback::Noop));
    if let Some(next) = page.next() {
        row.push(button("次へ ▶", next));
    }
    Some(InlineKeyboardMarkup::new(vec![row]))
}

/// 確定 / 取消 for a pending report.
pub fn confirm(id: u32) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![button("確定", Callback::Confirm(id)), button("取消", Callback::Cancel(id))]])
}

/// The first step of the guided flow: the initiatives the user may report for.
pub fn flow_initiatives(initiatives: &[&Initiative]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(
        initiatives
            .iter()
            .map(|i| vec![button(format!("p.{} {}", i.page, short(&i.title)), Callback::FlowInitiative(i.page))]),
    )
}

/// The second step: the initiative's indicators.
pub fn flow_kpis(i: &Initiative) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(i.kpis.iter().enumerate().map(|(n, k)| {
        vec![button(short(&k.name), Callback::FlowKpi { page: i.page, kpi: u8::try_from(n).unwrap_or(u8::MAX) })]
    }))
}

/// The third step: the years the indicator has targets for that have started on `today`
/// (a year to come is not offered: nothing can be reported for it yet).
pub fn flow_years(plan: &Plan, i: &Initiative, kpi: u8, today: FiscalYear) -> InlineKeyboardMarkup {
    let years =
        i.kpis.get(usize::from(kpi)).map(|k| k.targets.iter().map(|(y, _)| *y).collect::<Vec<_>>()).unwrap_or_default();
    let row: Vec<InlineKeyboardButton> = plan
        .years
        .iter()
        .filter(|y| years.contains(y) && **y <= today)
        .map(|y| button(y.japanese(), Callback::FlowYear { page: i.page, kpi, year: y.gregorian() }))
        .collect();
    InlineKeyboardMarkup::new(vec![row])
}

fn short(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 28 { text.to_string() } else { format!("{}…", chars[..27].iter().collect::<String>()) }
}
