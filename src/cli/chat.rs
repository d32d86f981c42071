//! The terminal chat's core, apart from the terminal: one turn at a time, so that it can be
//! driven by tests and by a pipe as by a person.
//!
//! - the words of [`QUIT_WORDS`] (and Ctrl-D) leave; `/help`, `help`, `使い方` explain;
//! - when a question fits several initiatives they are numbered, and a bare number picks one;
//! - a follow-up (「そのKPIは？」「いつまで？」) is about the last initiative answered, by the
//!   rule every channel follows ([`context_after`]): a list, candidates or nothing found end
//!   the context; a picked candidate starts it.

use crate::answer::{Action, HelpFor, QUIT_WORDS, help_card, render_text};
use crate::app::{App, Asker, Audience};
use crate::conversation::context_after;
use crate::search::Intent;

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

/// The chat's memory between turns.
#[derive(Debug, Default)]
pub struct Chat {
    context: Option<u16>,
    candidates: Vec<(u16, Intent)>,
}

impl Chat {
    /// One line in, what to do out.
    pub fn turn(&mut self, app: &App, line: &str, audience: Audience) -> anyhow::Result<Turn> {
        let q = line.trim();
        if q.is_empty() {
            return Ok(Turn::Nothing);
        }
        let word = crate::normalize::normalize(q);
        if QUIT_WORDS.contains(&word.as_str()) {
            return Ok(Turn::Quit);
        }
        if matches!(word.as_str(), "/help" | "help" | "?" | "使い方" | "ヘルプ") {
            return Ok(Turn::Say(render_text(&help_card(&app.plan(), HelpFor::Terminal))));
        }
        if let Ok(n) = word.parse::<usize>()
            && let Some((page, intent)) = n.checked_sub(1).and_then(|i| self.candidates.get(i)).copied()
        {
            self.candidates.clear();
            self.context = Some(page);
            return Ok(Turn::Say(render_text(&app.card_for(page, intent, audience)?)));
        }
        let (outcome, card, _) = app.answer(q, self.context, audience)?;
        app.record_question("terminal", audience, Asker::Terminal, q, &outcome, None);
        let mut text = render_text(&card);
        self.candidates.clear();
        self.context = context_after(&outcome);
        if outcome.ambiguous {
            // The card numbers the candidates in this order; a bare number picks one.
            for action in &card.actions {
                let Action::Show { page, intent, .. } = action;
                if outcome.hits.iter().any(|h| h.page == *page) && !self.candidates.iter().any(|(p, _)| p == page) {
                    self.candidates.push((*page, *intent));
                }
            }
            if !self.candidates.is_empty() {
                text.push_str("\n番号（1〜");
                text.push_str(&self.candidates.len().to_string());
                text.push_str("）を入力すると、その取組を表示します。");
            }
        }
        Ok(Turn::Say(text))
    }
}
