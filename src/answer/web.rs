//! Cards as HTML for the public site: semantic markup (a card's title is an `h2`, its
//! sections `h3`, items a list), every string escaped; candidates and section buttons become
//! links to the initiatives' pages.

use super::{Action, Block, Card, escape};

/// The card as an `<article>`.
pub fn render_web(card: &Card) -> String {
    let mut out = String::from("<article class=\"card\">\n");
    let mut in_list = false;
    let close = |out: &mut String, in_list: &mut bool| {
        if *in_list {
            out.push_str("</ul>\n");
            *in_list = false;
        }
    };
    for block in &card.blocks {
        match block {
            Block::Item(t) | Block::Detail(t) => {
                if !in_list {
                    out.push_str("<ul>\n");
                    in_list = true;
                }
                let class = if matches!(block, Block::Detail(_)) { " class=\"detail\"" } else { "" };
                out.push_str(&format!("<li{class}>{}</li>\n", escape(t)));
            }
            other => {
                close(&mut out, &mut in_list);
                out.push_str(&match other {
                    Block::Title(t) => format!("<h2>{}</h2>\n", escape(t)),
                    Block::Meta(t) => format!("<p class=\"meta\">{}</p>\n", escape(t)),
                    Block::Section(t) => format!("<h3>{}</h3>\n", escape(t)),
                    Block::Text(t) => format!("<p>{}</p>\n", escape(t)),
                    Block::Note(t) => format!("<p class=\"note\">{}</p>\n", escape(t)),
                    Block::Item(_) | Block::Detail(_) => String::new(),
                });
            }
        }
    }
    close(&mut out, &mut in_list);
    if !card.actions.is_empty() {
        out.push_str("<nav class=\"actions\" aria-label=\"関連するページ\"><ul>\n");
        for action in &card.actions {
            let Action::Show { label, page, .. } = action;
            out.push_str(&format!("<li><a href=\"/initiatives/{page}\">{}</a></li>\n", escape(label)));
        }
        out.push_str("</ul></nav>\n");
    }
    out.push_str("</article>\n");
    out
}
