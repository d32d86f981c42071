//! The conversation around an answer, owned once for every channel: one turn
//! ([`Conversation::turn`]: text, a pressed action or a command in, a [`Reply`] out), what a
//! chat remembers between turns ([`Sessions`]), the typed actions its buttons carry
//! ([`Callback`]), how a long list is paged ([`paging`]), which initiative a follow-up is
//! about ([`context_after`]), 👍 / 👎 keyed on our own answer ids, and the question log
//! ([`record`]).
//!
//! The channels — the Telegram bots, the LINE bot, the terminal chat — stand beside each
//! other on top of this module and only translate: Telegram's inline keyboards and LINE's
//! quick replies render the same [`Callback`]s and the same [`paging::Page`]s. This module
//! may use the engine ([`crate::app`], [`crate::search`]) and the cards ([`crate::answer`]);
//! it knows nothing of a channel (no teloxide, no axum, no LINE's JSON).

pub mod action;
pub mod paging;
pub mod session;
pub mod turn;

pub use action::Callback;
pub use paging::{PER_PAGE, Page, Turning};
pub use session::Sessions;
pub use turn::{Command, Conversation, Input, Offers, Remember, Reply, record};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::search::Outcome;

/// How long each question took inside a channel, collected for the load benchmarks; `None`
/// in service.
pub type Probe = Arc<Mutex<Vec<Duration>>>;

/// The initiative a follow-up is about once `outcome` has been answered: the context rule,
/// the same on every channel.
///
/// A follow-up (「そのKPIは？」「いつまで？」) names no subject of its own, so it refers to
/// the answer just before it. When that answer was about one initiative, that initiative is
/// the context. Any other answer ends the context:
///
/// - after a **list**, 「その」 points at several initiatives, not at one asked about earlier;
/// - after **candidates** (a question that fits several equally), the user has not said which
///   one yet: picking a candidate ([`Callback::Show`], or its number in the terminal) makes
///   it the context;
/// - after **not found**, the user has moved to a subject the plan does not cover.
///
/// In each case answering the next follow-up about an initiative the user has moved away
/// from would be a confident answer to a question nobody asked; without a context the
/// engine reads the question on its own and says when it cannot tell what it is about.
/// Showing a section of an initiative (a section button) makes that initiative the context.
///
/// ```
/// use keikaku::conversation::context_after;
/// use keikaku::search::{Intent, Outcome};
/// let mut answered = Outcome::about(35, Intent::Kpi);
/// assert_eq!(context_after(&answered), Some(35));
/// answered.intent = Intent::List;
/// assert_eq!(context_after(&answered), None);
/// ```
pub fn context_after(outcome: &Outcome) -> Option<u16> {
    outcome.single_page()
}
