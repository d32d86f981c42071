//! Inline keyboards: a card's actions as buttons, list paging, 確定 / 取消, and the steps of
//! the guided report flow. Plain functions from our types to teloxide's.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::answer::{Action, Card};
use crate::conversation::{Callback, Reply, Turning};
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

/// The buttons of a reply: its card's sections or candidates, 「📈 グラフ」, 👍 / 👎 (with
/// 「解決しましたか？」 their row), or a list's ◀ / n/N / ▶.
pub fn reply(reply: &Reply) -> Option<InlineKeyboardMarkup> {
    let mut rows = reply.card.as_ref().and_then(card).map(|m| m.inline_keyboard).unwrap_or_default();
    if let Some(page) = reply.offers.chart {
        rows.push(vec![button("📈 グラフ", Callback::Chart(page))]);
    }
    if let Some([up, down]) = reply.offers.votes() {
        rows.push(vec![button("👍 解決した", up), button("👎 解決しない", down)]);
    }
    if let Some(page) = &reply.offers.page {
        rows.extend(paging(page));
    }
    (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
}

/// The 👍 / 👎 row of `markup`, if it has one: it stays with a card as its sections change.
pub fn feedback_row(markup: &InlineKeyboardMarkup) -> Option<Vec<InlineKeyboardButton>> {
    markup
        .inline_keyboard
        .iter()
        .find(|row| {
            row.iter().any(|b| {
                matches!(&b.kind, teloxide::types::InlineKeyboardButtonKind::CallbackData(data)
                    if matches!(Callback::decode(data), Some(Callback::Vote { .. })))
            })
        })
        .cloned()
}

/// `markup` with `row` under it.
pub fn with_row(markup: Option<InlineKeyboardMarkup>, row: Vec<InlineKeyboardButton>) -> InlineKeyboardMarkup {
    let mut rows = markup.map(|m| m.inline_keyboard).unwrap_or_default();
    rows.push(row);
    InlineKeyboardMarkup::new(rows)
}

/// ◀ / n/N / ▶ under page `n` of `pages` of the missing list of `year`; none for one page.
pub fn missing_paging(year: FiscalYear, n: usize, pages: usize) -> Option<InlineKeyboardMarkup> {
    let at = |n: usize| Callback::Missing { year: year.gregorian(), n: u16::try_from(n).unwrap_or(u16::MAX) };
    let turning = Turning { n, pages, previous: n.checked_sub(1).map(at), next: (n + 1 < pages).then(|| at(n + 1)) };
    paging(&turning).map(|row| InlineKeyboardMarkup::new(vec![row]))
}

/// ◀ / n/N / ▶ under a list's page; none for a list of one page.
fn paging(page: &Turning) -> Option<Vec<InlineKeyboardButton>> {
    if page.pages <= 1 {
        return None;
    }
    let mut row = Vec::new();
    if let Some(previous) = page.previous {
        row.push(button("◀ 前へ", previous));
    }
    row.push(button(format!("{}/{}", page.n + 1, page.pages), Callback::Noop));
    if let Some(next) = page.next {
        row.push(button("次へ ▶", next));
    }
    Some(row)
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
