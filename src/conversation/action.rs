//! What a pressed button asks for, typed: a Telegram inline button's callback data and a LINE
//! postback's data are the same [`Callback`], encoded compactly (Telegram allows 64 bytes,
//! LINE 300).
//!
//! The data is versioned by its shape: a form once sent stays readable, as buttons live on in
//! chats for ever. 👍 / 👎 were first `v:u` / `v:d` (the answer named by the Telegram message
//! the button is under) and are now `v:u:ID` / `v:d:ID` (the answer's [`AnswerId`]); both
//! decode.

use crate::actuals::AnswerId;
use crate::search::Intent;

/// What a button press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// Show `intent` for the initiative on `page` (section buttons, candidates).
    Show {
        /// The initiative.
        page: u16,
        /// The section.
        intent: Intent,
    },
    /// Page `n` of the stored list `list`.
    ListPage {
        /// The list's id in the [`Sessions`](super::Sessions).
        list: u32,
        /// The page (0-based).
        n: u16,
    },
    /// 確定 of a pending report.
    Confirm(u32),
    /// 取消 of a pending report.
    Cancel(u32),
    /// The guided report flow: the initiative chosen.
    FlowInitiative(u16),
    /// The guided report flow: the indicator chosen.
    FlowKpi {
        /// The initiative.
        page: u16,
        /// The indicator's index in the initiative's KPIs.
        kpi: u8,
    },
    /// The guided report flow: the year chosen.
    FlowYear {
        /// The initiative.
        page: u16,
        /// The indicator's index.
        kpi: u8,
        /// The fiscal year (Gregorian start).
        year: u16,
    },
    /// 👍 (`up`) or 👎 on an answer.
    Vote {
        /// 👍.
        up: bool,
        /// The answer; `None` on buttons made before answer ids (`v:u`), which name the
        /// message they are under.
        answer: Option<AnswerId>,
    },
    /// The KPI charts of the initiative on `page`, as pictures.
    Chart(u16),
    /// Page `n` of the KPIs of fiscal `year` still without an actual (`/missing`).
    Missing {
        /// The fiscal year (Gregorian start).
        year: u16,
        /// The page (0-based).
        n: u16,
    },
    /// A button that does nothing (a page counter).
    Noop,
}

const INTENTS: [(Intent, char); 8] = [
    (Intent::Overview, 'o'),
    (Intent::Kpi, 'k'),
    (Intent::Contents, 'c'),
    (Intent::Methods, 'm'),
    (Intent::Effects, 'e'),
    (Intent::Period, 'p'),
    (Intent::Schedule, 's'),
    (Intent::Department, 'd'),
];

impl Callback {
    /// The data string (at most 64 bytes by construction).
    ///
    /// ```
    /// use keikaku::conversation::Callback;
    /// use keikaku::search::Intent;
    /// let c = Callback::Show { page: 18, intent: Intent::Kpi };
    /// assert_eq!(c.encode(), "s:18:k");
    /// assert_eq!(Callback::decode("s:18:k"), Some(c));
    /// ```
    pub fn encode(&self) -> String {
        match *self {
            Callback::Show { page, intent } => {
                let code = INTENTS.iter().find(|(i, _)| *i == intent).map_or('o', |(_, c)| *c);
                format!("s:{page}:{code}")
            }
            Callback::ListPage { list, n } => format!("l:{list}:{n}"),
            Callback::Confirm(id) => format!("ok:{id}"),
            Callback::Cancel(id) => format!("no:{id}"),
            Callback::FlowInitiative(page) => format!("ri:{page}"),
            Callback::FlowKpi { page, kpi } => format!("rk:{page}:{kpi}"),
            Callback::FlowYear { page, kpi, year } => format!("ry:{page}:{kpi}:{year}"),
            Callback::Vote { up, answer: Some(id) } => format!("v:{}:{id}", if up { 'u' } else { 'd' }),
            Callback::Vote { up, answer: None } => format!("v:{}", if up { 'u' } else { 'd' }),
            Callback::Chart(page) => format!("g:{page}"),
            Callback::Missing { year, n } => format!("m:{year}:{n}"),
            Callback::Noop => "noop".into(),
        }
    }

    /// Parses data made by [`Callback::encode`]; anything else is `None`.
    pub fn decode(data: &str) -> Option<Callback> {
        let parts: Vec<&str> = data.split(':').collect();
        let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
        Some(match parts.first().copied()? {
            "s" => {
                let code = parts.get(2)?.chars().next()?;
                let intent = INTENTS.iter().find(|(_, c)| *c == code)?.0;
                Callback::Show { page: u16::try_from(num(1)?).ok()?, intent }
            }
            "l" => Callback::ListPage { list: num(1)?, n: u16::try_from(num(2)?).ok()? },
            "ok" => Callback::Confirm(num(1)?),
            "g" => Callback::Chart(u16::try_from(num(1)?).ok()?),
            "no" => Callback::Cancel(num(1)?),
            "ri" => Callback::FlowInitiative(u16::try_from(num(1)?).ok()?),
            "rk" => Callback::FlowKpi { page: u16::try_from(num(1)?).ok()?, kpi: u8::try_from(num(2)?).ok()? },
            "ry" => Callback::FlowYear {
                page: u16::try_from(num(1)?).ok()?,
                kpi: u8::try_from(num(2)?).ok()?,
                year: u16::try_from(num(3)?).ok()?,
            },
            "v" if parts.len() <= 3 => Callback::Vote {
                up: match *parts.get(1)? {
                    "u" => true,
                    "d" => false,
                    _ => return None,
                },
                answer: match parts.get(2) {
                    None => None,
                    Some(id) => Some(AnswerId::from_raw(id.parse().ok()?)?),
                },
            },
            "m" => Callback::Missing { year: u16::try_from(num(1)?).ok()?, n: u16::try_from(num(2)?).ok()? },
            "noop" => Callback::Noop,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_callback_round_trips_within_64_bytes() {
        let all = [
            Callback::Show { page: u16::MAX, intent: Intent::Schedule },
            Callback::ListPage { list: u32::MAX, n: u16::MAX },
            Callback::Confirm(u32::MAX),
            Callback::Cancel(u32::MAX),
            Callback::FlowInitiative(u16::MAX),
            Callback::FlowKpi { page: u16::MAX, kpi: u8::MAX },
            Callback::FlowYear { page: u16::MAX, kpi: u8::MAX, year: u16::MAX },
            Callback::Vote { up: true, answer: None },
            Callback::Vote { up: false, answer: None },
            Callback::Vote { up: false, answer: AnswerId::from_raw(i64::MAX) },
            Callback::Vote { up: true, answer: Some(AnswerId::fresh()) },
            Callback::Missing { year: u16::MAX, n: u16::MAX },
            Callback::Noop,
        ];
        for c in all {
            let data = c.encode();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(Callback::decode(&data), Some(c), "{data}");
        }
    }

    #[test]
    fn votes_sent_before_answer_ids_still_decode() {
        assert_eq!(Callback::decode("v:u"), Some(Callback::Vote { up: true, answer: None }));
        assert_eq!(Callback::decode("v:d"), Some(Callback::Vote { up: false, answer: None }));
        assert_eq!(Callback::decode("v:d:42"), Some(Callback::Vote { up: false, answer: AnswerId::from_raw(42) }));
    }

    #[test]
    fn foreign_or_damaged_data_is_ignored() {
        for bad in [
            "",
            "s:18",
            "s:x:k",
            "s:18:z",
            "l:1",
            "ok:",
            "zz:1",
            "ry:1:2",
            "s:99999:k",
            "v:0:u",
            "v:-1:d",
            "v:5:x",
            "v:5",
            "v:u:0",
            "v:d:-3",
            "v:u:x",
            "v:u:1:2",
        ] {
            assert_eq!(Callback::decode(bad), None, "{bad}");
        }
    }
}
