//! Timestamps without a date library: UTC for storage (RFC 3339), Japan time for people, and
//! the current Japanese fiscal year.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::plan::FiscalYear;

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// 「2026-11-24T06:16:00Z」.
pub fn rfc3339(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

/// 「2026-11-24 15:16」 in Japan time (UTC+9, no daylight saving).
pub fn jst(unix: i64) -> String {
    let t = unix + 9 * 3600;
    let (y, m, d) = civil(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// The Japanese fiscal year (April to March, Japan time) that `unix` falls in.
pub fn fiscal_year(unix: i64) -> FiscalYear {
    let (y, m, _) = civil((unix + 9 * 3600).div_euclid(86_400));
    let start = if m >= 4 { y } else { y - 1 };
    FiscalYear::from_gregorian(u16::try_from(start).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways_of_new_year_and_april() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_488_000), "2026-11-24T02:40:00Z");
        assert_eq!(jst(1_795_488_000), "2026-11-24 11:40");
        // 2027-03-31 23:00 JST is still FY2026; 2027-04-01 00:30 JST is FY2027.
        assert_eq!(fiscal_year(1_806_505_200 - 3600).gregorian(), 2026);
        assert_eq!(fiscal_year(1_806_505_200 + 1800).gregorian(), 2027);
    }
}
