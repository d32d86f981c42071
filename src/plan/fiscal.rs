//! Japanese fiscal years: 令和N年度 is FY(2018+N), April to March; 平成N年度 is FY(1988+N).

use std::fmt;

use crate::normalize::normalize;

/// A fiscal year, kept as the Gregorian year in which it starts (令和8年度 = 2026).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct FiscalYear(u16);

/// The first Gregorian year of the Reiwa era minus one: 令和N = REIWA_BASE + N.
const REIWA_BASE: u16 = 2018;
/// 平成N = HEISEI_BASE + N.
const HEISEI_BASE: u16 = 1988;

impl FiscalYear {
    /// The fiscal year that starts in April of `year`.
    pub const fn from_gregorian(year: u16) -> FiscalYear {
        FiscalYear(year)
    }

    /// 令和`n`年度.
    pub const fn reiwa(n: u16) -> FiscalYear {
        FiscalYear(REIWA_BASE + n)
    }

    /// The Gregorian year in which this fiscal year starts.
    pub const fn gregorian(self) -> u16 {
        self.0
    }

    /// 「令和8年度」, or 「平成25年度」 before 2019.
    pub fn japanese(self) -> String {
        if self.0 > REIWA_BASE {
            format!("令和{}年度", self.0 - REIWA_BASE)
        } else if self.0 > HEISEI_BASE {
            format!("平成{}年度", self.0 - HEISEI_BASE)
        } else {
            // Before 平成 (never in a plan; a crafted button could carry one).
            format!("{}年度", self.0)
        }
    }

    /// Parses the whole of `text` as one fiscal year: 令和8年度, 令和8, R8, Ｒ８, r8年度,
    /// 2026, 2026年度, 平成25年度, H25. Returns `None` for anything else.
    ///
    /// ```
    /// use keikaku::plan::FiscalYear;
    /// assert_eq!(FiscalYear::parse("Ｒ８"), Some(FiscalYear::reiwa(8)));
    /// assert_eq!(FiscalYear::parse("2026年度"), Some(FiscalYear::reiwa(8)));
    /// assert_eq!(FiscalYear::parse("平成25年度").map(|y| y.gregorian()), Some(2013));
    /// assert_eq!(FiscalYear::parse("来年"), None);
    /// ```
    pub fn parse(text: &str) -> Option<FiscalYear> {
        let t = normalize(text);
        let (year, rest) = parse_prefix(&t)?;
        rest.is_empty().then_some(year)
    }

    /// Finds every fiscal year mentioned in `text` (already normalised), in order, with the
    /// byte range of the mention.
    pub fn find_all(text: &str) -> Vec<(FiscalYear, std::ops::Range<usize>)> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if !text.is_char_boundary(i) {
                i += 1;
                continue;
            }
            let at_word_start = text[..i].chars().next_back().is_none_or(|c| !c.is_ascii_alphanumeric());
            if at_word_start && let Some((year, rest)) = parse_prefix(&text[i..]) {
                let end = text.len() - rest.len();
                // 「r80」 is no year; 「令和8年度7,200時間」 is one, then a value.
                let closed = text[i..end].ends_with('年') || text[i..end].ends_with("年度");
                let followed_by_digit = !closed && rest.chars().next().is_some_and(|c| c.is_ascii_digit());
                if !followed_by_digit {
                    found.push((year, i..end));
                    i = end;
                    continue;
                }
            }
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        found
    }
}

/// Parses a fiscal year at the start of normalised `t`; returns it and the rest.
fn parse_prefix(t: &str) -> Option<(FiscalYear, &str)> {
    let (base, rest, era) = if let Some(r) = t.strip_prefix("令和") {
        (REIWA_BASE, r, true)
    } else if let Some(r) = t.strip_prefix("平成") {
        (HEISEI_BASE, r, true)
    } else if let Some(r) = t.strip_prefix('r') {
        (REIWA_BASE, r, true)
    } else if let Some(r) = t.strip_prefix('h') {
        (HEISEI_BASE, r, true)
    } else {
        (0, t, false)
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (rest, n) = if digits == 0 && era && rest.starts_with('元') {
        (&rest['元'.len_utf8()..], 1)
    } else {
        if digits == 0 || digits > 4 {
            return None;
        }
        (&rest[digits..], rest[..digits].parse::<u16>().ok()?)
    };
    let year = if era {
        if !(1..=99).contains(&n) {
            return None;
        }
        base + n
    } else {
        if !(1990..=2100).contains(&n) || digits != 4 {
            return None;
        }
        n
    };
    let rest = rest.strip_prefix("年度").or_else(|| rest.strip_prefix('年')).unwrap_or(rest);
    Some((FiscalYear(year), rest))
}

impl fmt::Display for FiscalYear {
    /// 「令和8年度 (2026)」, the form every answer uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.japanese(), self.0)
    }
}

/// The span of fiscal years an initiative runs (取組期間), both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Period {
    /// The first fiscal year.
    pub start: FiscalYear,
    /// The last fiscal year; equal to `start` for a single-year initiative.
    pub end: FiscalYear,
}

impl Period {
    /// True when the initiative runs during `year`.
    pub fn contains(&self, year: FiscalYear) -> bool {
        self.start <= year && year <= self.end
    }

    /// Parses 「令和5年度～令和10年度」, 「令和8年度」, 「平成25年度～令和10年度」.
    pub fn parse(text: &str) -> Option<Period> {
        let t = normalize(text);
        let mut parts = t.split(['~', '〜', '-', '－']);
        let start = FiscalYear::parse(parts.next()?.trim())?;
        let end = match parts.next() {
            Some(p) => FiscalYear::parse(p.trim())?,
            None => start,
        };
        if parts.next().is_some() || end < start {
            return None;
        }
        Some(Period { start, end })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end { write!(f, "{}", self.start) } else { write!(f, "{} ～ {}", self.start, self.end) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reiwa_eight_is_twenty_twenty_six() {
        assert_eq!(FiscalYear::reiwa(8).gregorian(), 2026);
        assert_eq!(FiscalYear::reiwa(8).to_string(), "令和8年度 (2026)");
    }

    #[test]
    fn every_accepted_spelling_of_a_year_parses() {
        for s in ["令和8年度", "令和8", "R8", "r8", "Ｒ８", "2026", "2026年度", "R8年度"] {
            assert_eq!(FiscalYear::parse(s), Some(FiscalYear::reiwa(8)), "{s}");
        }
        assert_eq!(FiscalYear::parse("令和元年度"), Some(FiscalYear::reiwa(1)));
        assert_eq!(FiscalYear::parse("H28").map(|y| y.gregorian()), Some(2016));
    }

    #[test]
    fn nonsense_is_not_a_year() {
        for s in ["", "令和", "R", "92件", "26", "令和8年度は", "12345"] {
            assert_eq!(FiscalYear::parse(s), None, "{s}");
        }
    }

    #[test]
    fn years_are_found_inside_sentences() {
        let found = FiscalYear::find_all("令和9年度から始まる取組とr10の予定");
        let years: Vec<_> = found.iter().map(|(y, _)| y.gregorian()).collect();
        assert_eq!(years, vec![2027, 2028]);
    }

    #[test]
    fn periods_with_both_eras_parse() {
        let p = Period::parse("平成25年度～令和10年度").unwrap();
        assert_eq!((p.start.gregorian(), p.end.gregorian()), (2013, 2028));
        let single = Period::parse("令和8年度").unwrap();
        assert_eq!(single.start, single.end);
        assert!(Period::parse("令和10年度～令和8年度").is_none());
    }
}
