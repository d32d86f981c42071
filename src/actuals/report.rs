//! Understanding a report — 「どこでも窓口 搭載手続数 R8 92件」 or 「どこでも窓口の搭載手続数、
//! 令和8年度は92件でした」 — into a [`ResolvedReport`], and deciding who may write it.
//!
//! Every way of reporting (the CLI, the bot's `/report`, its guided flow, a plain message)
//! goes through [`resolve`]; refusals say why in Japanese, for the person who reported.

use super::Staff;
use super::value::{ReportedValue, ValueError};
use crate::normalize::{fold_kana, normalize};
use crate::plan::{FiscalYear, Initiative, Kpi, Plan};

/// How the caller's search found an initiative named in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Exactly one.
    One(u16),
    /// Several fit equally.
    Many(Vec<u16>),
    /// None; near misses.
    None(Vec<u16>),
}

/// Finds initiatives by name (implemented by the search engine).
pub trait InitiativeFinder {
    /// Finds the initiative `text` names.
    fn find_initiative(&self, text: &str) -> Found;
}

/// A report understood and checked against the plan, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedReport {
    /// The initiative's page.
    pub page: u16,
    /// The indicator's name, as the plan prints it.
    pub kpi: String,
    /// The fiscal year.
    pub year: FiscalYear,
    /// The value, its unit checked against the target's.
    pub value: ReportedValue,
    /// The plan's target for that year, as printed.
    pub target: String,
    /// Said before writing when the value looks like a slip (far beyond every target): the
    /// bot asks for 確定 with it shown; the CLI wants `--confirm`.
    pub warning: Option<String>,
    /// How the year was read when the report did not name it as such (「来年度」 →
    /// 令和9年度), to be shown before writing.
    pub year_note: Option<String>,
}

impl ResolvedReport {
    /// How the value stands against its target.
    pub fn verdict(&self, plan: &Plan) -> Option<super::Verdict> {
        super::progress::verdict_for(plan, self.page, &self.kpi, self.year, self.value.number).map(|(_, v)| v)
    }
}

/// Why a report is refused. The text is for the person who reported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The sender is not registered (or was removed).
    #[error("Telegram ID {telegram_id} は登録されていません。報告するには管理者に登録を依頼してください")]
    NotRegistered {
        /// Their id.
        telegram_id: i64,
    },
    /// The sender may read only.
    #[error("{name}さんは閲覧のみの権限（staff）です。報告は各課の担当リーダーか管理者が行います")]
    ReadOnly {
        /// Their name.
        name: String,
    },
    /// The initiative belongs to other departments.
    #[error("「{initiative}」は{owners}の取組です。{name}さん（{own}）は自分の課の取組だけ報告できます")]
    OtherDepartment {
        /// The sender's name.
        name: String,
        /// The initiative's title.
        initiative: String,
        /// Its departments.
        owners: String,
        /// The sender's departments.
        own: String,
    },
    /// No initiative fits.
    #[error("取組「{query}」が見つかりません。{}", suggest(suggestions))]
    UnknownInitiative {
        /// What was asked for.
        query: String,
        /// Near misses, as titles.
        suggestions: Vec<String>,
    },
    /// Several initiatives fit.
    #[error("「{query}」に当てはまる取組が複数あります: {}。取組名をもう少し詳しく書いてください", candidates.join(" ／ "))]
    AmbiguousInitiative {
        /// What was asked for.
        query: String,
        /// The candidates' titles.
        candidates: Vec<String>,
    },
    /// The initiative has no KPI.
    #[error("「{initiative}」には計画上KPIがないため、実績は報告できません")]
    NoKpi {
        /// Its title.
        initiative: String,
    },
    /// No indicator of the initiative fits.
    #[error("「{initiative}」に指標「{query}」はありません。指標: {}", indicators.join(" ／ "))]
    UnknownIndicator {
        /// The initiative's title.
        initiative: String,
        /// What was asked for.
        query: String,
        /// Its indicators, closest first.
        indicators: Vec<String>,
    },
    /// The year cannot be read.
    #[error("年度「{0}」が読めません。例: 令和8年度、R8、2026")]
    BadYear(String),
    /// The year is outside the plan.
    #[error("{year}は計画の対象外です。報告できるのは{range}です")]
    YearOutsidePlan {
        /// The year given.
        year: String,
        /// The plan's years.
        range: String,
    },
    /// The plan sets no target for that year.
    #[error("「{kpi}」には{year}の目標が設定されていません（目標のある年度: {years}）")]
    NoTargetThatYear {
        /// The indicator.
        kpi: String,
        /// The year given.
        year: String,
        /// The years with targets.
        years: String,
    },
    /// The value is not acceptable.
    #[error("{0}")]
    Value(#[from] ValueError),
    /// A sentence with no fiscal year it can read.
    #[error("年度が読み取れません。「令和8年度は」「R8」のように年度を書いてください")]
    NoYear,
    /// A sentence naming several years.
    #[error("年度が複数あります（{0}）。1回の報告では1つの年度だけ書いてください")]
    SeveralYears(String),
    /// A year-like number that is no fiscal year of the plan's calendar (「FY2027」「7年度」).
    #[error("「{0}」を年度として読めません。例: 令和8年度、R8、2026年度")]
    UnreadableYear(String),
    /// A sentence with several numbers besides the year.
    #[error("数値が複数あります（{0}）。報告する値を1つだけ書いてください")]
    SeveralValues(String),
    /// A value far beyond every target, from the command line without `--confirm`.
    #[error("{0}。このまま記録するには --confirm を付けてください")]
    Implausible(String),
    /// A message that is not a report.
    #[error(
        "報告として読めませんでした。例:「どこでも窓口の搭載手続数、令和8年度は92件でした」または /report どこでも窓口 搭載手続数 R8 92件"
    )]
    NotAReport,
}

fn suggest(titles: &[String]) -> String {
    if titles.is_empty() {
        "取組名を確認してください".into()
    } else {
        format!("もしかして: {}", titles.join(" ／ "))
    }
}

/// A lead may report for initiatives of their own departments; an admin for any.
pub fn authorize(staff: &Staff, initiative: &Initiative) -> Result<(), Refusal> {
    use super::Role;
    match staff.role {
        Role::Admin => Ok(()),
        Role::Lead if initiative.departments.iter().any(|d| staff.departments.contains(d)) => Ok(()),
        Role::Lead => Err(Refusal::OtherDepartment {
            name: staff.name.clone(),
            initiative: initiative.title.clone(),
            owners: initiative.department_label(),
            own: staff.departments.join("・"),
        }),
        Role::Staff => Err(Refusal::ReadOnly { name: staff.name.clone() }),
    }
}

/// Resolves the four parts of a report: initiative, indicator, year, value.
pub fn resolve(
    plan: &Plan,
    finder: &dyn InitiativeFinder,
    initiative: &str,
    indicator: &str,
    year: &str,
    value: &str,
) -> Result<ResolvedReport, Refusal> {
    let i = find_initiative(plan, finder, initiative)?;
    let kpi = find_indicator(i, indicator)?;
    let year = FiscalYear::parse(year).ok_or_else(|| Refusal::BadYear(year.trim().to_string()))?;
    finish(plan, i, kpi, year, value)
}

fn finish(plan: &Plan, i: &Initiative, kpi: &Kpi, year: FiscalYear, value: &str) -> Result<ResolvedReport, Refusal> {
    if !plan.years.contains(&year) {
        return Err(Refusal::YearOutsidePlan { year: year.to_string(), range: year_range(&plan.years) });
    }
    let Some(target) = kpi.target(year) else {
        return Err(Refusal::NoTargetThatYear {
            kpi: kpi.name.clone(),
            year: year.japanese(),
            years: kpi.targets.iter().map(|(y, _)| y.japanese()).collect::<Vec<_>>().join("・"),
        });
    };
    let value = ReportedValue::parse(value)?.check_against(kpi)?;
    let warning = value.implausible(kpi);
    Ok(ResolvedReport {
        page: i.page,
        kpi: kpi.name.clone(),
        year,
        value,
        target: target.raw.clone(),
        warning,
        year_note: None,
    })
}

fn year_range(years: &[FiscalYear]) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if a != b => format!("{}～{}", a.japanese(), b.japanese()),
        (Some(a), _) => a.japanese(),
        _ => "（なし）".into(),
    }
}

/// The initiative `text` names: a page number (「p18」, 「18」) or a name.
pub fn find_initiative<'p>(
    plan: &'p Plan,
    finder: &dyn InitiativeFinder,
    text: &str,
) -> Result<&'p Initiative, Refusal> {
    let t = normalize(text);
    let digits = t.trim_start_matches('p').trim_start_matches('.').trim_end_matches("ページ").trim_end_matches('頁');
    if let Ok(page) = digits.parse::<u16>()
        && let Some(i) = plan.initiative(page)
    {
        return Ok(i);
    }
    let titles = |pages: &[u16]| pages.iter().filter_map(|p| plan.initiative(*p)).map(|i| i.title.clone()).collect();
    match finder.find_initiative(text) {
        Found::One(page) => plan
            .initiative(page)
            .ok_or_else(|| Refusal::UnknownInitiative { query: text.trim().into(), suggestions: Vec::new() }),
        Found::Many(pages) => {
            Err(Refusal::AmbiguousInitiative { query: text.trim().into(), candidates: titles(&pages) })
        }
        Found::None(pages) => {
            Err(Refusal::UnknownInitiative { query: text.trim().into(), suggestions: titles(&pages) })
        }
    }
}

/// The indicator of `i` that `text` names: the name itself, a part of it, or, failing that,
/// the closest by shared bigrams. An initiative with one KPI takes an empty `text`.
pub fn find_indicator<'i>(i: &'i Initiative, text: &str) -> Result<&'i Kpi, Refusal> {
    if i.kpis.is_empty() {
        return Err(Refusal::NoKpi { initiative: i.title.clone() });
    }
    let q = fold_kana(text);
    if q.is_empty() && i.kpis.len() == 1 {
        return Ok(&i.kpis[0]);
    }
    let names: Vec<String> = i.kpis.iter().map(|k| fold_kana(&k.name)).collect();
    if let Some(n) = names.iter().position(|n| *n == q) {
        return Ok(&i.kpis[n]);
    }
    let containing: Vec<usize> =
        (0..names.len()).filter(|n| !q.is_empty() && (names[*n].contains(&q) || q.contains(&names[*n]))).collect();
    if let [one] = containing[..] {
        return Ok(&i.kpis[one]);
    }
    let mut scored: Vec<(f32, usize)> = names.iter().enumerate().map(|(n, name)| (dice(&q, name), n)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    if let Some((best, n)) = scored.first()
        && *best >= 0.5
        && scored.get(1).is_none_or(|(second, _)| second < best)
    {
        return Ok(&i.kpis[*n]);
    }
    Err(Refusal::UnknownIndicator {
        initiative: i.title.clone(),
        query: text.trim().into(),
        indicators: scored.iter().map(|(_, n)| i.kpis[*n].name.clone()).collect(),
    })
}

/// Dice similarity of two strings' character bigrams.
fn dice(a: &str, b: &str) -> f32 {
    let grams = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = s.chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let shared = ga.iter().filter(|g| gb.contains(g)).count();
    2.0 * shared as f32 / (ga.len() + gb.len()) as f32
}

/// Understands a report written as a sentence: 「どこでも窓口の搭載手続数、令和8年度は92件でした」.
///
/// The numbers are found by the same scanner as a question's figures
/// ([`crate::numbers::scan`]). Exactly one fiscal year must be named (「今年度」「来年度」
/// 「昨年度」 are read from `this_year`, the current fiscal year, and said before writing),
/// and exactly one value besides it; anything else is refused with the reason, never
/// guessed.
pub fn parse_message(
    plan: &Plan,
    finder: &dyn InitiativeFinder,
    message: &str,
    this_year: FiscalYear,
) -> Result<ResolvedReport, Refusal> {
    if crate::numbers::odd_digit(message).is_some() {
        return Err(Refusal::Value(ValueError::OddDigits(message.trim().to_string())));
    }
    let text = normalize(message);
    let years = FiscalYear::find_all(&text);
    let tokens = crate::numbers::scan(&text);
    if tokens.is_empty() {
        return Err(Refusal::NotAReport);
    }
    let in_year =
        |span: &std::ops::Range<usize>| years.iter().any(|(_, r)| r.start <= span.start && span.start < r.end);
    // Year-like numbers that are no year we read: refuse rather than take them as values.
    if let Some(t) = tokens.iter().find(|t| t.year_like && !in_year(&t.digits)) {
        // Shown with the letters around it (「FY2027」「R0」「7年度」), as written.
        let before = &text[..t.digits.start];
        let prefix =
            ["令和", "平成", "昭和", "fy", "r", "h"].iter().find(|p| before.ends_with(**p)).map_or(0, |p| p.len());
        let after = &text[t.digits.end..];
        let suffix = ["年度", "年"].iter().find(|s| after.starts_with(**s)).map_or(0, |s| s.len());
        return Err(Refusal::UnreadableYear(text[t.digits.start - prefix..t.digits.end + suffix].to_string()));
    }
    let mut distinct: Vec<FiscalYear> = years.iter().map(|(y, _)| *y).collect();
    distinct.dedup();
    let (year, year_note) = match distinct.as_slice() {
        [one] => (*one, None),
        [] => relative_year(&text, this_year).ok_or(Refusal::NoYear)?,
        several => {
            return Err(Refusal::SeveralYears(several.iter().map(|y| y.japanese()).collect::<Vec<_>>().join("・")));
        }
    };
    let values: Vec<&crate::numbers::NumberToken> = tokens.iter().filter(|t| !in_year(&t.digits)).collect();
    let value = match values.as_slice() {
        [] => return Err(Refusal::NotAReport),
        [one] => *one,
        several => {
            let shown: Vec<&str> = several.iter().map(|t| &text[t.span.clone()]).collect();
            return Err(Refusal::SeveralValues(shown.join("・")));
        }
    };
    let value_text = &text[value.span.clone()];
    // What names the initiative and the indicator: the text before the year and the value.
    let first_year = years.first().map(|(_, r)| r.start).unwrap_or(value.span.start);
    let head_end = first_year.min(value.span.start);
    let head = text[..head_end].trim_end_matches(['、', ',', ' ', 'は', 'が', 'の']).to_string();
    let head = strip_relative_year(&head);
    if head.is_empty() {
        return Err(Refusal::NotAReport);
    }
    let i = find_initiative(plan, finder, &head)?;
    let kpi = indicator_in(i, &head)?;
    let mut resolved = finish(plan, i, kpi, year, value_text)?;
    resolved.year_note = year_note;
    Ok(resolved)
}

/// 「今年度」「来年度」「昨年度」 (and 本年度, 前年度, 次年度) from the current fiscal year.
fn relative_year(text: &str, this_year: FiscalYear) -> Option<(FiscalYear, Option<String>)> {
    const WORDS: &[(&str, i32)] =
        &[("今年度", 0), ("本年度", 0), ("来年度", 1), ("次年度", 1), ("翌年度", 1), ("昨年度", -1), ("前年度", -1)];
    let (word, offset) = WORDS.iter().find(|(w, _)| text.contains(w))?;
    let year = FiscalYear::from_gregorian(u16::try_from(i32::from(this_year.gregorian()) + offset).ok()?);
    Some((year, Some(format!("「{word}」を{}として記録します", year.japanese()))))
}

fn strip_relative_year(head: &str) -> String {
    let mut h = head.to_string();
    for w in ["今年度", "本年度", "来年度", "次年度", "翌年度", "昨年度", "前年度"] {
        h = h.replace(w, "");
    }
    h.trim_end_matches(['、', ',', ' ', 'は', 'が', 'の']).to_string()
}

/// The indicator of `i` named somewhere in `head` (which also names the initiative).
fn indicator_in<'i>(i: &'i Initiative, head: &str) -> Result<&'i Kpi, Refusal> {
    if i.kpis.is_empty() {
        return Err(Refusal::NoKpi { initiative: i.title.clone() });
    }
    let h = fold_kana(head);
    let named: Vec<&Kpi> = i.kpis.iter().filter(|k| h.contains(&fold_kana(&k.name))).collect();
    if let [one] = named[..] {
        return Ok(one);
    }
    // The words after the initiative's name (「…の搭載手続数」).
    let tail = h.rsplit('の').next().unwrap_or("");
    if i.kpis.len() == 1 && named.is_empty() && tail.is_empty() {
        return Ok(&i.kpis[0]);
    }
    // Words after the name that are no indicator of this initiative: refused, as the parts
    // form refuses them, even when the initiative has a single KPI.
    find_indicator(i, tail)
}
