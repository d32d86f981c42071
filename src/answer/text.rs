//! Plain text, for the terminal and for `ask --json`'s `text`.

use super::{Block, Card};

/// The card as plain text, one block a line.
pub fn render_text(card: &Card) -> String {
    let mut out = String::new();
    for block in &card.blocks {
        match block {
            Block::Title(t) => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("【{t}】"));
            }
            Block::Meta(t) | Block::Text(t) => out.push_str(t),
            Block::Section(t) => {
                out.push('\n');
                out.push_str(&format!("■ {t}"));
            }
            Block::Item(t) => out.push_str(&format!("・{t}")),
            Block::Detail(t) => out.push_str(&format!("    {t}")),
            Block::Note(t) => {
                out.push('\n');
                out.push_str(&format!("※ {t}"));
            }
        }
        out.push('\n');
    }
    out
}
