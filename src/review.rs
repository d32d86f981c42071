//! Review of what people asked: the questions the plan did not answer and those voted 👎,
//! grouped when they are the same question (the same words, or the same reading), most asked
//! first. Pure: the log's rows and a way to key a question in, items out.

use std::collections::{HashMap, HashSet};

use crate::actuals::{LoggedQuestion, QuestionResult, ReviewStatus};

/// One group of the same question.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewItem {
    /// The log rows it gathers (marking the item marks them all).
    pub ids: Vec<i64>,
    /// The latest wording.
    pub question: String,
    /// How many times it was asked.
    pub count: usize,
    /// By how many different people (chats, pseudonyms).
    pub people: usize,
    /// When it was last asked (Unix seconds).
    pub last: i64,
    /// How many of those found nothing, and how many were voted 👎.
    pub not_found: usize,
    /// Voted 👎.
    pub down: usize,
    /// What the bot answered the last time: the intent and the pages.
    pub answered: (String, Vec<u16>),
    /// What people said they wanted, after a 👎.
    pub wanted: Vec<String>,
    /// Where review has put the latest of them.
    pub status: ReviewStatus,
}

/// The items to review among `rows`: questions that found nothing or were voted 👎, in
/// `status` (all when `None`), grouped by `key`, most asked first, then most recent.
pub fn review(rows: &[LoggedQuestion], key: impl Fn(&str) -> String, status: Option<ReviewStatus>) -> Vec<ReviewItem> {
    let mut groups: HashMap<String, Vec<&LoggedQuestion>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for row in rows {
        let unanswered = row.result == QuestionResult::NotFound || row.vote == Some(-1);
        if !unanswered || status.is_some_and(|s| s != row.status) {
            continue;
        }
        let k = key(&row.question);
        let group = groups.entry(k.clone()).or_default();
        if group.is_empty() {
            order.push(k);
        }
        group.push(row);
    }
    let mut items: Vec<ReviewItem> = order
        .iter()
        .filter_map(|k| groups.get(k))
        .filter_map(|group| {
            let last = group.iter().max_by_key(|r| (r.asked_at, r.id))?;
            let people: HashSet<&str> = group.iter().map(|r| r.asker.as_str()).collect();
            Some(ReviewItem {
                ids: group.iter().map(|r| r.id).collect(),
                question: last.question.clone(),
                count: group.len(),
                people: people.len(),
                last: last.asked_at,
                not_found: group.iter().filter(|r| r.result == QuestionResult::NotFound).count(),
                down: group.iter().filter(|r| r.vote == Some(-1)).count(),
                answered: (last.intent.clone(), last.pages.clone()),
                wanted: group.iter().filter_map(|r| r.wanted.clone()).collect(),
                status: last.status,
            })
        })
        .collect();
    items.sort_by(|a, b| b.count.cmp(&a.count).then(b.last.cmp(&a.last)));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, asker: &str, question: &str, result: QuestionResult, vote: Option<i8>) -> LoggedQuestion {
        LoggedQuestion {
            id,
            asked_at: 1_000 + id,
            channel: "telegram".into(),
            public: true,
            asker: asker.into(),
            question: question.into(),
            intent: "not_found".into(),
            pages: Vec::new(),
            result,
            vote,
            wanted: None,
            status: ReviewStatus::Pending,
        }
    }

    #[test]
    fn the_same_question_is_one_item_counted_with_its_people() {
        let rows = vec![
            row(1, "a", "ごみの日", QuestionResult::NotFound, None),
            row(2, "b", "ごみの日", QuestionResult::NotFound, None),
            row(3, "a", "ゴミの日", QuestionResult::NotFound, None),
            row(4, "c", "どこでも窓口のKPI", QuestionResult::Answered, None),
            row(5, "c", "電子申請", QuestionResult::Answered, Some(-1)),
        ];
        let key = |q: &str| crate::normalize::fold_kana(q);
        let items = review(&rows, key, Some(ReviewStatus::Pending));
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!((items[0].count, items[0].people, items[0].ids.clone()), (3, 2, vec![1, 2, 3]));
        assert_eq!((items[1].question.as_str(), items[1].down), ("電子申請", 1));
    }
}
