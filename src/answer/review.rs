//! The review card: what people asked that the plan did not answer, or that they voted 👎.

use super::{Block, Card};
use crate::actuals::jst;
use crate::review::ReviewItem;

/// The items, most asked first, each numbered by its first question's id (`#12`), which is
/// what marking it takes.
pub fn review_card(items: &[ReviewItem], what: &str) -> Card {
    let mut blocks = vec![Block::Title(format!("{what}（{}件）", items.len()))];
    if items.is_empty() {
        blocks.push(Block::Text("見直す質問はありません。".into()));
    }
    for item in items {
        let id = item.ids.first().copied().unwrap_or(0);
        blocks.push(Block::Item(format!(
            "#{id} 「{}」 {}回・{}人 ／ 最終 {} ／ {}",
            item.question,
            item.count,
            item.people,
            jst(item.last),
            item.status.as_str()
        )));
        let (intent, pages) = &item.answered;
        let answered = if pages.is_empty() {
            "見つからず".to_string()
        } else {
            format!("{intent} {}", pages.iter().map(|p| format!("p.{p}")).collect::<Vec<_>>().join("・"))
        };
        blocks.push(Block::Detail(format!(
            "最後の回答: {answered} ／ 見つからず {} ／ 👎 {}",
            item.not_found, item.down
        )));
        for wanted in &item.wanted {
            blocks.push(Block::Detail(format!("知りたかったこと: {wanted}")));
        }
    }
    Card { blocks, actions: Vec::new() }
}
