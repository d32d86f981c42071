//! Paging of list answers, for every channel: how many items a page holds, which lists are
//! paged, and which page a press asks for. The channels only draw the page's buttons
//! (Telegram's ◀ 前へ / 次へ ▶ row, LINE's quick replies).

use super::Callback;
use crate::answer::{Card, list_page};
use crate::plan::Plan;
use crate::search::{Intent, Outcome};

/// Items on one page of a list.
pub const PER_PAGE: usize = 10;

/// Whether `outcome` is answered a page at a time: a list (not a progress table, which
/// stays whole) of more than [`PER_PAGE`] initiatives.
pub fn is_paged(outcome: &Outcome) -> bool {
    outcome.intent == Intent::List && !outcome.progress && outcome.hits.len() > PER_PAGE
}

/// One page of a stored list: its card, where it is among the pages, and the actions that
/// turn to its neighbours.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page's card (the heading counts the whole list).
    pub card: Card,
    /// The page shown, 0-based.
    pub n: usize,
    /// How many pages the list has.
    pub pages: usize,
    /// The list's id in the [`Sessions`](super::Sessions).
    list: u32,
}

impl Page {
    /// Page `n` of `outcome`'s list, stored as `list`; a page past the end (a stale button)
    /// is the last one.
    pub fn of(plan: &Plan, outcome: &Outcome, list: u32, n: usize) -> Page {
        let pages = outcome.hits.len().div_ceil(PER_PAGE);
        let n = clamp(n, pages);
        Page { card: list_page(plan, outcome, n, PER_PAGE), n, pages, list }
    }

    /// Where the page is and the actions that turn it, without its card.
    pub fn turning(&self) -> Turning {
        Turning { n: self.n, pages: self.pages, previous: self.previous(), next: self.next() }
    }

    /// The action that shows the page before this one, if any.
    pub fn previous(&self) -> Option<Callback> {
        self.n.checked_sub(1).map(|n| self.turn_to(n))
    }

    /// The action that shows the page after this one, if any.
    pub fn next(&self) -> Option<Callback> {
        Some(self.n + 1).filter(|&n| n < self.pages).map(|n| self.turn_to(n))
    }

    fn turn_to(&self, n: usize) -> Callback {
        Callback::ListPage { list: self.list, n: u16::try_from(n).unwrap_or(u16::MAX) }
    }
}

/// The page actions a list's page offers, as data: the channels draw them (Telegram's
/// ◀ 前へ / n/N / 次へ ▶ row, LINE's quick replies).
#[derive(Debug, Clone, PartialEq)]
pub struct Turning {
    /// The page shown, 0-based.
    pub n: usize,
    /// How many pages the list has.
    pub pages: usize,
    /// The page before, if any.
    pub previous: Option<Callback>,
    /// The page after, if any.
    pub next: Option<Callback>,
}

/// Page `n` kept within `pages` (the first of an empty list).
fn clamp(n: usize, pages: usize) -> usize {
    n.min(pages.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_of(count: usize) -> Outcome {
        let mut outcome = Outcome::about(18, Intent::List);
        let hit = outcome.hits[0].clone();
        outcome.hits = vec![hit; count];
        outcome
    }

    #[test]
    fn only_lists_longer_than_a_page_are_paged() {
        assert!(!is_paged(&list_of(PER_PAGE)));
        assert!(is_paged(&list_of(PER_PAGE + 1)));
        let mut progress = list_of(PER_PAGE + 1);
        progress.progress = true;
        assert!(!is_paged(&progress), "a progress table stays whole");
        let mut single = list_of(PER_PAGE + 1);
        single.intent = Intent::Kpi;
        assert!(!is_paged(&single));
    }

    #[test]
    fn a_page_past_the_end_is_the_last_and_neighbours_stay_inside() {
        assert_eq!((clamp(0, 3), clamp(2, 3), clamp(7, 3), clamp(5, 0)), (0, 2, 2, 0));
        let plan = Plan { title: String::new(), policies: vec![], means: vec![], initiatives: vec![], years: vec![] };
        let outcome = list_of(2 * PER_PAGE + 1);
        let first = Page::of(&plan, &outcome, 7, 0);
        let at = |n| Some(Callback::ListPage { list: 7, n });
        assert_eq!((first.n, first.pages, first.previous(), first.next()), (0, 3, None, at(1)));
        let last = Page::of(&plan, &outcome, 7, 99);
        assert_eq!((last.n, last.previous(), last.next()), (2, at(1), None));
    }
}
