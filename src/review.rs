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
    group(rows, key, |row| {
        (row.result == QuestionResult::NotFound || row.vote == Some(-1)) && status.is_none_or(|s| s == row.status)
    })
}

/// The rows `keep` selects, grouped by `key`, most asked first, then most recent.
fn group(
    rows: &[LoggedQuestion],
    key: impl Fn(&str) -> String,
    keep: impl Fn(&LoggedQuestion) -> bool,
) -> Vec<ReviewItem> {
    let mut groups: HashMap<String, Vec<&LoggedQuestion>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for row in rows.iter().filter(|r| keep(r)) {
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

/// One day of one mode.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayStats {
    /// The day in Japan (YYYY-MM-DD).
    pub day: String,
    /// `staff` or `public`.
    pub mode: &'static str,
    /// Questions asked.
    pub questions: usize,
    /// Answered (one initiative or a list).
    pub answered: usize,
    /// Answered with candidates.
    pub candidates: usize,
    /// Nothing found.
    pub not_found: usize,
    /// 👍.
    pub up: usize,
    /// 👎.
    pub down: usize,
}

/// What the log says of a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Per day and mode, oldest first.
    pub days: Vec<DayStats>,
    /// The sums of every day.
    pub total: DayStats,
    /// The initiatives answered most often: (page, times), most first.
    pub top_pages: Vec<(u16, usize)>,
    /// The questions that found nothing most often: (latest wording, times), most first.
    pub top_unanswered: Vec<(String, usize)>,
}

/// Counts `rows` per day and mode; the same unanswered question is one (by `key`).
pub fn stats(rows: &[LoggedQuestion], key: impl Fn(&str) -> String) -> Stats {
    let mut days: Vec<DayStats> = Vec::new();
    let mut total = DayStats { day: "合計".into(), mode: "all", ..DayStats::default() };
    let mut pages: HashMap<u16, usize> = HashMap::new();
    for row in rows {
        let day: String = crate::actuals::jst(row.asked_at).chars().take(10).collect();
        let mode = if row.public { "public" } else { "staff" };
        let i = match days.iter().position(|d| d.day == day && d.mode == mode) {
            Some(i) => i,
            None => {
                days.push(DayStats { day, mode, ..DayStats::default() });
                days.len() - 1
            }
        };
        for d in [&mut days[i], &mut total] {
            d.questions += 1;
            match row.result {
                QuestionResult::Answered => d.answered += 1,
                QuestionResult::Candidates => d.candidates += 1,
                QuestionResult::NotFound => d.not_found += 1,
            }
            d.up += usize::from(row.vote == Some(1));
            d.down += usize::from(row.vote == Some(-1));
        }
        if row.result == QuestionResult::Answered
            && row.intent != "list"
            && let Some(page) = row.pages.first()
        {
            *pages.entry(*page).or_default() += 1;
        }
    }
    days.sort_by(|a, b| (a.day.as_str(), a.mode).cmp(&(b.day.as_str(), b.mode)));
    let mut top_pages: Vec<(u16, usize)> = pages.into_iter().collect();
    top_pages.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top_pages.truncate(10);
    let unanswered: Vec<LoggedQuestion> = rows
        .iter()
        .filter(|r| r.result == QuestionResult::NotFound)
        .map(|r| LoggedQuestion { vote: None, ..r.clone() })
        .collect();
    let top_unanswered = review(&unanswered, key, None).into_iter().take(10).map(|i| (i.question, i.count)).collect();
    Stats { days, total, top_pages, top_unanswered }
}

/// The days as CSV for Excel (UTF-8 with BOM, CRLF), like the actuals' export.
pub fn stats_csv(stats: &Stats) -> String {
    let mut out = String::from("\u{feff}day,mode,questions,answered,candidates,not_found,thumbs_up,thumbs_down\r\n");
    for d in stats.days.iter().chain(std::iter::once(&stats.total)) {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            d.day, d.mode, d.questions, d.answered, d.candidates, d.not_found, d.up, d.down
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, asker: &str, question: &str, result: QuestionResult, vote: Option<i8>) -> LoggedQuestion {
        LoggedQuestion {
            id,
            asked_at: 1_000 + id,
            channel: crate::actuals::Channel::Telegram,
            public: true,
            asker: asker.into(),
            question: question.into(),
            intent: "not_found".into(),
            pages: Vec::new(),
            result,
            vote,
            wanted: None,
            status: ReviewStatus::Pending,
            answer: None,
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

    #[test]
    fn stats_count_what_a_hand_count_counts() {
        let mut rows = vec![
            row(1, "a", "ごみの日", QuestionResult::NotFound, None),
            row(2, "b", "ごみの日", QuestionResult::NotFound, Some(-1)),
            row(3, "c", "どこでも窓口のKPI", QuestionResult::Answered, Some(1)),
            row(4, "c", "コンビニ交付", QuestionResult::Candidates, None),
            row(5, "d", "どこでも窓口", QuestionResult::Answered, None),
        ];
        rows[2].pages = vec![18];
        rows[4].pages = vec![18];
        rows[4].public = false;
        let s = stats(&rows, |q: &str| q.to_string());
        assert_eq!(s.days.len(), 2, "{s:?}");
        let t = &s.total;
        assert_eq!((t.questions, t.answered, t.candidates, t.not_found, t.up, t.down), (5, 2, 1, 2, 1, 1));
        assert_eq!(s.top_pages, vec![(18, 2)]);
        assert_eq!(s.top_unanswered, vec![("ごみの日".to_string(), 2)]);
        let csv = stats_csv(&s);
        assert!(csv.starts_with("\u{feff}day,mode,") && csv.ends_with("合計,all,5,2,1,2,1,1\r\n"), "{csv}");
    }
}
