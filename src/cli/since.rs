//! `--since` of `keikaku review` and `keikaku stats`: how far back to look, in the forms a
//! Japanese user types (「7日」「2週間」「24時間」, full-width digits, a date) as well as the
//! latin ones (7d, 2w, 24h).
//!
//! Pure: the current time is passed in, so the tests need no clock.

use std::fmt;

use crate::normalize::normalize;

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
/// Japan has no daylight saving: a date typed by a user starts at 00:00 UTC+9.
const JST_OFFSET: i64 = 9 * HOUR;

/// Why a `--since` value was refused; its `Display` is the Japanese message the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinceError {
    /// Not a form we read.
    Unreadable(String),
    /// A date that has not come yet (nothing could have been asked since).
    Future(String),
}

const FORMS: &str = "7d・7日・7日間（日数）、2w・2週間（週数）、24h・24時間（時間数）、\
                     2026-11-01（その日から）、all・全期間";

impl fmt::Display for SinceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SinceError::Unreadable(text) => {
                write!(f, "--since 「{text}」は期間として読めません。{FORMS} のどれかで指定してください")
            }
            SinceError::Future(text) => {
                write!(f, "--since 「{text}」はまだ来ていない日付です。今日以前の日付か、{FORMS} で指定してください")
            }
        }
    }
}

impl std::error::Error for SinceError {}

/// How many seconds back from `now` (Unix seconds) `text` reaches; `None` for all time.
///
/// ```
/// # use keikaku::cli::since::parse_since;
/// let now = 1_795_488_000; // 2026-11-24 11:40 JST
/// assert_eq!(parse_since("７日間", now), Ok(Some(7 * 86_400)));
/// assert_eq!(parse_since("2w", now), Ok(Some(14 * 86_400)));
/// assert_eq!(parse_since("all", now), Ok(None));
/// assert!(parse_since("7x", now).is_err());
/// ```
pub fn parse_since(text: &str, now: i64) -> Result<Option<i64>, SinceError> {
    let unreadable = || SinceError::Unreadable(text.trim().to_string());
    // NFKC folds full-width digits and letters (「７日」「７Ｄ」); spaces inside do not matter.
    let t: String = normalize(text).chars().filter(|c| !c.is_whitespace()).collect();
    if matches!(t.as_str(), "all" | "全期間" | "全部" | "すべて") {
        return Ok(None);
    }
    if let Some(start) = date(&t) {
        let start = start.ok_or_else(unreadable)?;
        return match now - start {
            back if back > 0 => Ok(Some(back)),
            _ => Err(SinceError::Future(text.trim().to_string())),
        };
    }
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let unit = match unit {
        "h" | "時間" => HOUR,
        "d" | "日" | "日間" => DAY,
        "w" | "週" | "週間" => WEEK,
        _ => return Err(unreadable()),
    };
    // A leading zero-free, bounded count: 「0日」 would show nothing, 20 digits would overflow.
    let n: i64 = number.parse().ok().filter(|n| *n > 0).ok_or_else(unreadable)?;
    n.checked_mul(unit).map(Some).ok_or_else(unreadable)
}

/// A date (「2026-11-01」「2026/11/1」「2026年11月1日」) as the Unix second its day starts in
/// Japan; `None` when `t` is not shaped as a date, `Some(None)` when it is but no such day
/// exists (2026-02-30).
fn date(t: &str) -> Option<Option<i64>> {
    let parts: Vec<&str> = if let Some(rest) = t.strip_suffix('日') {
        rest.split(['年', '月']).collect()
    } else {
        t.split(['-', '/']).collect()
    };
    let [y, m, d] = parts.as_slice() else { return None };
    let all_digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || ![y, m, d].iter().all(|s| all_digits(s)) {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    Some(days_from_civil(y, m, d).map(|days| days * DAY - JST_OFFSET))
}

/// (year, month, day) → days since 1970-01-01, proleptic Gregorian; `None` for a day that
/// does not exist. (The inverse of `actuals::clock`'s conversion.)
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days_in_month {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-24 11:40 JST.
    const NOW: i64 = 1_795_488_000;

    #[test]
    fn latin_and_japanese_units_read_alike() {
        for (text, back) in [
            ("7d", 7 * DAY),
            ("7日", 7 * DAY),
            ("7日間", 7 * DAY),
            ("2w", 2 * WEEK),
            ("2週", 2 * WEEK),
            ("2週間", 2 * WEEK),
            ("24h", 24 * HOUR),
            ("24時間", 24 * HOUR),
            ("30d", 30 * DAY),
        ] {
            assert_eq!(parse_since(text, NOW), Ok(Some(back)), "{text}");
        }
    }

    #[test]
    fn full_width_digits_letters_and_spaces_are_folded() {
        assert_eq!(parse_since("７日", NOW), Ok(Some(7 * DAY)));
        assert_eq!(parse_since("１４Ｄ", NOW), Ok(Some(14 * DAY)));
        assert_eq!(parse_since(" 2 週間 ", NOW), Ok(Some(2 * WEEK)));
        assert_eq!(parse_since("ＡＬＬ", NOW), Ok(None));
        assert_eq!(parse_since("全期間", NOW), Ok(None));
    }

    #[test]
    fn a_date_reaches_back_to_its_midnight_in_japan() {
        // 2026-11-24 00:00 JST is 11 h 40 min before NOW.
        let today = 11 * HOUR + 40 * 60;
        assert_eq!(parse_since("2026-11-24", NOW), Ok(Some(today)));
        assert_eq!(parse_since("2026/11/1", NOW), Ok(Some(today + 23 * DAY)));
        assert_eq!(parse_since("２０２６年１１月１日", NOW), Ok(Some(today + 23 * DAY)));
        assert_eq!(parse_since("2024-02-29", NOW).map(|s| s.is_some()), Ok(true));
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_named() {
        for text in [
            "7x",
            "7",
            "日",
            "d",
            "0d",
            "-7d",
            "7.5日",
            "1か月",
            "",
            "99999999999999999999d",
            "9999999999999999w",
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-11",
            "26-11-01",
        ] {
            let err = parse_since(text, NOW).expect_err(text);
            assert!(matches!(err, SinceError::Unreadable(_)), "{text}: {err:?}");
            let message = err.to_string();
            assert!(
                message.contains("読めません") && message.contains("7日") && message.contains("2026-11-01"),
                "{message}"
            );
        }
        assert_eq!(parse_since("2026-12-01", NOW), Err(SinceError::Future("2026-12-01".into())));
    }

    #[test]
    fn multibyte_text_never_panics() {
        for text in ["7日", "日7", "🎌", "７", "ｄ", "７日間間", "年月日", "2026年11月日"] {
            let _ = parse_since(text, NOW);
        }
    }
}
