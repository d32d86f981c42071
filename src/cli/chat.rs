//! The terminal chat: the conversation core ([`Conversation`]) with the terminal's own
//! translation, one line at a time, so that it can be driven by tests and by a pipe as by
//! a person.
//!
//! - the words of [`QUIT_WORDS`] (and Ctrl-D) leave; `/help`, `help`, `使い方` explain;
//! - a line is a question for [`Conversation::turn`], which keeps the context by the rule
//!   every channel follows;
//! - when a question fits several initiatives they are numbered, and a bare number presses
//!   that candidate's action, as a button would in a bot.

use std::sync::Arc;

use crate::actuals::Channel;
use crate::answer::{Action, HelpFor, QUIT_WORDS, help_card, render_text};
use crate::app::{App, Audience};
use crate::conversation::{Callback, Conversation, Input, Reply};

/// What one line of the chat comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// Leave the chat.
    Quit,
    /// Print this.
    Say(String),
    /// Nothing to do (a blank line).
    Nothing,
}

/// The terminal's conversation and the candidates its last answer numbered.
pub struct Chat {
    conversation: Conversation,
    candidates: Vec<Callback>,
}

/// The terminal is one conversation.
const TERMINAL: i64 = 0;

impl Chat {
    /// A chat with `app`, answered for `audience`.
    pub fn new(app: Arc<App>, audience: Audience) -> Chat {
        Chat { conversation: Conversation::new(app, Channel::Terminal, audience), candidates: Vec::new() }
    }

    /// The conversation underneath (tests drive its turns directly).
    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }

    /// One line in, what to do out.
    pub fn turn(&mut self, line: &str) -> anyhow::Result<Turn> {
        let q = line.trim();
        if q.is_empty() {
            return Ok(Turn::Nothing);
        }
        let word = crate::normalize::normalize(q);
        if QUIT_WORDS.contains(&word.as_str()) {
            return Ok(Turn::Quit);
        }
        if matches!(word.as_str(), "/help" | "help" | "?" | "使い方" | "ヘルプ") {
            return Ok(Turn::Say(render_text(&help_card(&self.conversation.app().plan(), HelpFor::Terminal))));
        }
        let input = match word.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| self.candidates.get(i))
        {
            Some(&action) => Input::Action { action, pressed: None },
            None => Input::Text(q.to_string()),
        };
        let reply = self.conversation.turn(TERMINAL, input);
        Ok(Turn::Say(self.say(&reply)))
    }

    /// The reply as the terminal prints it: the card, its candidates numbered.
    fn say(&mut self, reply: &Reply) -> String {
        self.candidates.clear();
        let Some(card) = &reply.card else {
            return reply.say.or(reply.ack).unwrap_or_default().to_string();
        };
        let mut text = render_text(card);
        if reply.offers.candidates {
            // The card numbers the candidates in this order; a bare number picks one.
            let hits = reply.outcome.as_ref().map(|o| o.hits.as_slice()).unwrap_or_default();
            for action in &card.actions {
                let Action::Show { page, intent, .. } = action;
                let action = Callback::Show { page: *page, intent: *intent };
                if hits.iter().any(|h| h.page == *page) && !self.candidates.iter().any(|c| same_page(c, *page)) {
                    self.candidates.push(action);
                }
            }
            if !self.candidates.is_empty() {
                text.push_str("\n番号（1〜");
                text.push_str(&self.candidates.len().to_string());
                text.push_str("）を入力すると、その取組を表示します。");
            }
        }
        text
    }
}

fn same_page(action: &Callback, page: u16) -> bool {
    matches!(action, Callback::Show { page: p, .. } if *p == page)
}
