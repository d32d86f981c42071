//! The review card: what people asked that the plan did not answer, or that they voted 👎.

use super::{Block, Card};
use crate::actuals::jst;
use crate::plan::Plan;
use crate::review::{ReviewItem, Stats};

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
    if !items.is_empty() {
        blocks.push(Block::Note(
            "対応: resolve 番号 ／ ignore 番号 ／ 例として教える: teach #番号 p.ページ [意図]（その質問が指していた取組）、teach #番号 なし（計画にない質問）"
                .into(),
        ));
    }
    Card { blocks, actions: Vec::new() }
}

/// What the log says of a period: per day and mode, the answer rate, the votes, the
/// initiatives asked about most, the questions that most often found nothing.
pub fn stats_card(plan: &Plan, stats: &Stats, what: &str) -> Card {
    let t = &stats.total;
    let rate = |n: usize| {
        if t.questions == 0 { "—".to_string() } else { format!("{:.0}%", 100.0 * n as f64 / t.questions as f64) }
    };
    let mut blocks = vec![
        Block::Title(what.to_string()),
        Block::Text(format!(
            "質問 {}件: 回答 {}（{}）・候補 {}・見つからず {}（{}） ／ 👍 {} ・ 👎 {}",
            t.questions,
            t.answered,
            rate(t.answered),
            t.candidates,
            t.not_found,
            rate(t.not_found),
            t.up,
            t.down
        )),
        Block::Section("日ごと".into()),
    ];
    for d in &stats.days {
        blocks.push(Block::Item(format!(
            "{} {}: {}件（回答 {}・候補 {}・見つからず {}、👍 {}・👎 {}）",
            d.day, d.mode, d.questions, d.answered, d.candidates, d.not_found, d.up, d.down
        )));
    }
    blocks.push(Block::Section("よく聞かれた取組".into()));
    for (page, n) in &stats.top_pages {
        let title = plan.initiative(*page).map_or_else(String::new, |i| i.title.clone());
        blocks.push(Block::Item(format!("{title}（p.{page}）: {n}回")));
    }
    blocks.push(Block::Section("見つからなかった質問".into()));
    for (q, n) in &stats.top_unanswered {
        blocks.push(Block::Item(format!("「{q}」: {n}回")));
    }
    Card { blocks, actions: Vec::new() }
}

/// The words and the questions taught (`/teach list`, `keikaku teach --list`).
pub fn taught_card(lessons: &[crate::teach::Lesson], examples: &[crate::teach::Example]) -> Card {
    let mut blocks = vec![Block::Title(format!("教えた言葉（{}件）", lessons.len()))];
    if lessons.is_empty() {
        blocks.push(Block::Text("教えた言葉はまだありません。".into()));
    }
    blocks.extend(lessons.iter().map(|l| Block::Item(format!("{} → {}", l.word, l.terms.join("、")))));
    blocks.push(Block::Section(format!("教えた質問（{}件）", examples.len())));
    if examples.is_empty() {
        blocks.push(Block::Text("教えた質問はまだありません。".into()));
    }
    blocks.extend(
        examples
            .iter()
            .enumerate()
            .map(|(n, e)| Block::Item(format!("例{}: 「{}」→ {}", n + 1, e.question, e.meaning_text()))),
    );
    blocks.push(Block::Note(
        "教える: teach 言葉 用語（例: teach 注射 予防接種）／ 見直しの質問を例に: teach #番号 p.ページ [意図]、teach #番号 なし ／ 取り消し: teach undo 言葉、teach undo 例番号".into(),
    ));
    Card { blocks, actions: Vec::new() }
}
