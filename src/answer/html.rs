//! Telegram HTML (parse_mode=HTML): every dynamic string escaped.

use super::{Block, Card};

/// Escapes `&`, `<`, `>` and `"` for Telegram's HTML parse mode.
///
/// ```
/// assert_eq!(keikaku::answer::escape("<b>A&B</b>"), "&lt;b&gt;A&amp;B&lt;/b&gt;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The text of Telegram HTML without its tags (entities left as they are).
///
/// ```
/// assert_eq!(keikaku::answer::strip_tags("<b>A &amp; B</b>"), "A &amp; B");
/// ```
pub fn strip_tags(html: &str) -> String {
    let mut plain = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain
}

/// The card as Telegram HTML.
pub fn render_html(card: &Card) -> String {
    let mut out = String::new();
    for block in &card.blocks {
        match block {
            Block::Title(t) => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("<b>{}</b>", escape(t)));
            }
            Block::Meta(t) => out.push_str(&format!("<i>{}</i>", escape(t))),
            Block::Section(t) => out.push_str(&format!("\n<b>■ {}</b>", escape(t))),
            Block::Item(t) => out.push_str(&format!("・{}", escape(t))),
            Block::Detail(t) => out.push_str(&format!("　{}", escape(t))),
            Block::Text(t) => out.push_str(&escape(t)),
            Block::Note(t) => out.push_str(&format!("\n<i>{}</i>", escape(t))),
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}
