//! Answers: an [`Outcome`] and the [`Plan`] in, a [`Card`] out, rendered as plain text (CLI),
//! Telegram HTML (the bot) or the `ask --json` object.
//!
//! Everything here is a pure function: no I/O, no async, no teloxide. A card is a list of
//! [`Block`]s that each renderer turns into its own form, plus the [`Action`]s a chat client
//! may offer as buttons.

mod actuals;
mod card;
mod explain;
mod html;
mod json;
mod review;
mod text;
mod web;

pub use actuals::{HelpFor, MISSING_PER_PAGE, help_card, history_card, missing_card, report_card, roster_card};
pub use card::{Extras, card, card_with, list_page};
pub use explain::render_explanation;
pub use html::{escape, render_html, strip_tags};
pub use json::{AskJson, ResultJson, ask_json, ask_json_with};
pub use review::{review_card, stats_card, taught_card};
pub use text::render_text;
pub use web::render_web;

/// The words that leave the terminal chat (and the demo), besides Ctrl-D: one list for the
/// code that accepts them and for every text that names them (banner, help, `keikaku --help`,
/// README), so that they cannot drift apart again.
pub const QUIT_WORDS: [&str; 4] = ["exit", "quit", "/quit", "終了"];

/// 「終了は exit、quit、/quit、終了 または Ctrl-D」: how to leave, for the banner and the help.
pub fn how_to_leave() -> String {
    format!("終了は {} または Ctrl-D", QUIT_WORDS.join("、"))
}

/// The same in English, for `keikaku chat --help` (clap's texts are in English).
pub fn how_to_leave_en() -> String {
    format!("quit with {} or Ctrl-D", QUIT_WORDS.join(", "))
}

use crate::search::Intent;

/// One element of a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The card's title (an initiative's name, a list's heading).
    Title(String),
    /// A line of facts about the title: department, page, policy.
    Meta(String),
    /// A section heading (■ KPI).
    Section(String),
    /// A bullet item.
    Item(String),
    /// An indented detail under an item (a yearly target).
    Detail(String),
    /// A plain sentence.
    Text(String),
    /// A hint in a smaller voice (what else can be asked).
    Note(String),
}

/// Something a chat client can offer as a button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Show `intent` for the initiative on `page` (a section button, or a candidate).
    Show {
        /// The button's label.
        label: String,
        /// The initiative.
        page: u16,
        /// What to show.
        intent: Intent,
    },
}

/// A rendered-to-be answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The content, in order.
    pub blocks: Vec<Block>,
    /// Buttons a chat client may offer.
    pub actions: Vec<Action>,
}
