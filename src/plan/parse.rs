//! The document parser: a line-oriented state machine over the published Markdown.
//!
//! Structure is checked strictly (list tables, detail headings in list order, known section
//! headings, table shapes, periods); prose inside sections is taken as it is. Any deviation is
//! a [`PlanError`] naming the line and what was expected, so a changed document never yields a
//! half-understood plan.

use super::{BasicMeans, BasicPolicy, FiscalYear, Initiative, Kpi, Period, Plan, ScheduleRow, Target, infer_direction};
use crate::normalize::{is_japanese, normalize};

/// Why a document could not be read as a plan.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum PlanError {
    /// A line is not what the structure requires there.
    #[error("line {line}: expected {expected}, found 「{found}」")]
    Unexpected {
        /// 1-based line number.
        line: usize,
        /// What the parser expected, in words.
        expected: String,
        /// The offending line, shortened.
        found: String,
    },
    /// Something the plan must contain is missing.
    #[error("line {line}: {what}")]
    Missing {
        /// The line where it was looked for (the section's heading), or the last line.
        line: usize,
        /// What is missing, in words.
        what: String,
    },
}

/// The sections of an initiative's detail page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Contents,
    Methods,
    Effects,
    Period,
    Schedule,
    Kpi,
}

impl Section {
    const ALL: [(Section, &'static str); 6] = [
        (Section::Contents, "内容"),
        (Section::Methods, "具体的方法"),
        (Section::Effects, "期待する効果"),
        (Section::Period, "取組期間"),
        (Section::Schedule, "実施スケジュール"),
        (Section::Kpi, "KPI"),
    ];

    fn from_heading(text: &str) -> Option<Section> {
        let t = text.trim_start_matches('■').trim();
        Section::ALL.iter().find(|(_, name)| *name == t).map(|(s, _)| *s)
    }

    fn name(self) -> &'static str {
        Section::ALL.iter().find(|(s, _)| *s == self).map_or("", |(_, n)| n)
    }
}

/// One row of a list table, waiting for its detail section.
struct ListEntry {
    page: u16,
    policy: u8,
    departments: Vec<String>,
    title: String,
    line: usize,
}

/// An initiative whose detail section is being read.
struct Draft {
    entry: ListEntry,
    heading: String,
    line: usize,
    sections: Vec<(Section, usize)>,
    contents: Vec<(usize, String)>,
    methods: Vec<(usize, String)>,
    effects: Vec<(usize, String)>,
    period: Vec<(usize, String)>,
    schedule: Vec<ScheduleRow>,
    kpis: Vec<Kpi>,
    /// The open table's fiscal years, and its width in cells (the label's included).
    table_years: Option<(Vec<FiscalYear>, usize)>,
}

#[derive(Default)]
struct Parser {
    title: String,
    policies: Vec<BasicPolicy>,
    means: Vec<BasicMeans>,
    list: Vec<ListEntry>,
    in_list_table: bool,
    current_policy: Option<u8>,
    matched: usize,
    draft: Option<Draft>,
    section: Option<Section>,
    done: Vec<Initiative>,
    years: Vec<FiscalYear>,
    finished: bool,
    /// True right after an item line of a text section: a line with no bullet directly
    /// under it continues that item (the PDF's line breaks, 「…工場等  」 / 「を新設…」).
    continues: bool,
}

pub(super) fn parse(source: &str) -> Result<Plan, PlanError> {
    let mut p = Parser::default();
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut last = 0;
    for (i, raw) in source.lines().enumerate() {
        last = i + 1;
        if p.finished {
            break;
        }
        p.line(i + 1, raw.strip_suffix('\r').unwrap_or(raw))?;
    }
    p.finish(last)
}

fn unexpected(line: usize, expected: impl Into<String>, found: &str) -> PlanError {
    let found: String = found.chars().take(60).collect();
    PlanError::Unexpected { line, expected: expected.into(), found }
}

/// Removes the spaces PDF extraction left between Japanese characters, keeping the text's
/// own characters (no NFKC: what is shown is what the plan prints).
pub(crate) fn tidy(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let prev = out.chars().next_back();
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace()).copied();
            let japanese_side = prev.is_some_and(|p| is_japanese(p) || "()（）".contains(p))
                || next.is_some_and(|n| is_japanese(n) || "()（）".contains(n));
            if japanese_side || prev.is_some_and(char::is_whitespace) {
                continue;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

impl Parser {
    fn line(&mut self, n: usize, raw: &str) -> Result<(), PlanError> {
        let line = raw.trim_end();
        if line.trim().is_empty() {
            self.in_list_table = false;
            self.continues = false;
            return Ok(());
        }
        let continues = std::mem::take(&mut self.continues);
        if let Some(heading) = line.strip_prefix('#') {
            let level = 1 + heading.chars().take_while(|c| *c == '#').count();
            let text = heading.trim_start_matches('#').trim();
            return self.heading(n, level, text, line);
        }
        if line.starts_with("<p>") {
            return self.means_row(n, line);
        }
        if self.in_list_table {
            return self.list_row(n, line);
        }
        if line.starts_with("所属\t") {
            if self.current_policy.is_none() {
                return Err(unexpected(n, "a 基本方針 heading before the list table", line));
            }
            self.in_list_table = true;
            return Ok(());
        }
        if self.draft.is_some() {
            return self.section_line(n, raw, continues);
        }
        Ok(())
    }

    fn heading(&mut self, n: usize, level: usize, text: &str, line: &str) -> Result<(), PlanError> {
        if self.title.is_empty() && level == 1 && text.contains("アクションプラン") {
            self.title = tidy(text);
            return Ok(());
        }
        if let Some(policy) = parse_policy_heading(text) {
            if self.draft.is_some() {
                return Err(unexpected(n, "initiative sections, not a 基本方針 heading", line));
            }
            self.current_policy = Some(policy.number);
            if !self.policies.iter().any(|p| p.number == policy.number) {
                self.policies.push(policy);
            }
            return Ok(());
        }
        if let Some(section) = self.draft.as_ref().and(Section::from_heading(text)) {
            let draft = self.draft.as_mut().expect("checked just above");
            if draft.sections.iter().any(|(s, _)| *s == section) {
                return Err(unexpected(n, format!("one ■ {} section only", section.name()), line));
            }
            draft.sections.push((section, n));
            draft.table_years = None;
            self.section = Some(section);
            return Ok(());
        }
        if level == 1 && self.matched < self.list.len() && !self.list.is_empty() {
            return self.start_detail(n, text);
        }
        if self.draft.is_some() {
            if level >= 2 && self.matched == self.list.len() {
                // The colophon after the last initiative.
                self.close_draft()?;
                self.finished = true;
                return Ok(());
            }
            let names: Vec<&str> = Section::ALL.iter().map(|(_, n)| *n).collect();
            return Err(unexpected(n, format!("a section heading (■ {})", names.join(" / ■ ")), line));
        }
        Ok(())
    }

    fn start_detail(&mut self, n: usize, text: &str) -> Result<(), PlanError> {
        self.close_draft()?;
        let entry_index = self.matched;
        let heading = tidy(text);
        let entry = &self.list[entry_index];
        if !headings_match(&entry.title, &heading) {
            return Err(unexpected(
                n,
                format!(
                    "the detail heading of p.{} 「{}」 (list line {}), detail sections being in list order",
                    entry.page, entry.title, entry.line
                ),
                text,
            ));
        }
        self.matched += 1;
        let entry = std::mem::replace(
            &mut self.list[entry_index],
            ListEntry { page: 0, policy: 0, departments: Vec::new(), title: String::new(), line: 0 },
        );
        self.draft = Some(Draft {
            entry,
            heading,
            line: n,
            sections: Vec::new(),
            contents: Vec::new(),
            methods: Vec::new(),
            effects: Vec::new(),
            period: Vec::new(),
            schedule: Vec::new(),
            kpis: Vec::new(),
            table_years: None,
        });
        self.section = None;
        Ok(())
    }

    fn list_row(&mut self, n: usize, line: &str) -> Result<(), PlanError> {
        let expected = "a list row 「所属<TAB>取組名<TAB><a href=\"#\">頁</a>」";
        let cells: Vec<&str> = line.split('\t').collect();
        let [dept, title, page] = cells[..] else {
            return Err(unexpected(n, expected, line));
        };
        let page_text = page.trim().trim_start_matches("<a href=\"#\">").trim_end_matches("</a>").trim();
        let Ok(page) = page_text.parse::<u16>() else {
            return Err(unexpected(n, "a page number in the 頁 column", line));
        };
        let departments: Vec<String> = dept.split(['・', '、']).map(tidy).filter(|d| !d.is_empty()).collect();
        if departments.is_empty() || title.trim().is_empty() {
            return Err(unexpected(n, expected, line));
        }
        if let Some(prev) = self.list.last()
            && prev.page >= page
        {
            return Err(unexpected(n, format!("pages in increasing order (after p.{})", prev.page), line));
        }
        let policy = self.current_policy.unwrap_or(0);
        self.list.push(ListEntry { page, policy, departments, title: tidy(title), line: n });
        Ok(())
    }

    fn means_row(&mut self, n: usize, line: &str) -> Result<(), PlanError> {
        let cells: Vec<&str> = line.split('\t').collect();
        let strip = |s: &str| -> String {
            let mut out = String::new();
            let mut in_tag = false;
            for c in s.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => out.push(c),
                    _ => {}
                }
            }
            out.trim().to_string()
        };
        let head = cells.first().map(|c| strip(c)).unwrap_or_default();
        let (num, name) = head.split_once(' ').unwrap_or(("", ""));
        let Ok(number) = num.parse::<u8>() else {
            return Err(unexpected(n, "a basic means row 「<p>01 オンライン化</p>…」", line));
        };
        let description = cells.get(1).map(|c| strip(c)).unwrap_or_default();
        let examples = cells
            .get(2)
            .map(|c| {
                c.split("<li>")
                    .skip(1)
                    .map(|li| strip(li).trim_start_matches('・').to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        self.means.push(BasicMeans { number, name: tidy(name), description, examples });
        Ok(())
    }

    fn section_line(&mut self, n: usize, raw: &str, continues: bool) -> Result<(), PlanError> {
        let line = raw.trim_end();
        let Some(draft) = self.draft.as_mut() else {
            return Ok(());
        };
        let Some(section) = self.section else {
            return Err(unexpected(n, "a section heading such as 「## ■ 内容」", line));
        };
        match section {
            Section::Contents | Section::Methods | Section::Effects | Section::Period => {
                if line.contains('\t') {
                    return Err(unexpected(n, format!("text in ■ {}, not a table", section.name()), line));
                }
                let items = match section {
                    Section::Contents => &mut draft.contents,
                    Section::Methods => &mut draft.methods,
                    Section::Effects => &mut draft.effects,
                    _ => &mut draft.period,
                };
                let trimmed = line.trim_start();
                let bullet = trimmed.strip_prefix(['-', '*', '・']);
                match (bullet, items.last_mut()) {
                    (Some(text), _) => {
                        let item = tidy(text);
                        if !item.is_empty() {
                            items.push((n, item));
                        }
                    }
                    // A line broken in the middle of an item (the PDF's layout).
                    (None, Some((_, last))) if continues => *last = tidy(&format!("{last} {trimmed}")),
                    (None, _) => {
                        return Err(unexpected(
                            n,
                            format!(
                                "an item 「- …」 in ■ {} (or the rest of the item right above it); a line on its own is not part of the plan's structure",
                                section.name()
                            ),
                            line,
                        ));
                    }
                }
                self.continues = true;
                Ok(())
            }
            Section::Schedule | Section::Kpi => table_line(draft, section, n, raw, &mut self.years),
        }
    }

    fn close_draft(&mut self) -> Result<(), PlanError> {
        let Some(d) = self.draft.take() else {
            return Ok(());
        };
        let line_of = |s: Section| d.sections.iter().find(|(x, _)| *x == s).map(|(_, l)| *l);
        for (section, name) in &Section::ALL[..4] {
            if line_of(*section).is_none() {
                return Err(PlanError::Missing {
                    line: d.line,
                    what: format!("p.{} 「{}」 has no ■ {} section", d.entry.page, d.heading, name),
                });
            }
        }
        for (section, items) in
            [(Section::Contents, &d.contents), (Section::Methods, &d.methods), (Section::Effects, &d.effects)]
        {
            if items.is_empty() {
                return Err(PlanError::Missing {
                    line: line_of(section).unwrap_or(d.line),
                    what: format!("p.{} 「{}」: ■ {} is empty", d.entry.page, d.heading, section.name()),
                });
            }
        }
        let (period_line, period_raw) = match d.period.as_slice() {
            [(l, text)] => (*l, text.clone()),
            _ => {
                return Err(PlanError::Missing {
                    line: line_of(Section::Period).unwrap_or(d.line),
                    what: format!(
                        "p.{}: ■ 取組期間 must hold exactly one period such as 「令和5年度～令和10年度」",
                        d.entry.page
                    ),
                });
            }
        };
        let Some(period) = Period::parse(&period_raw) else {
            return Err(unexpected(
                period_line,
                "a period such as 「令和5年度～令和10年度」 or 「令和8年度」",
                &period_raw,
            ));
        };
        self.done.push(Initiative {
            page: d.entry.page,
            policy: d.entry.policy,
            departments: d.entry.departments,
            title: d.entry.title,
            heading: d.heading,
            contents: d.contents.into_iter().map(|(_, t)| t).collect(),
            methods: d.methods.into_iter().map(|(_, t)| t).collect(),
            effects: d.effects.into_iter().map(|(_, t)| t).collect(),
            period,
            period_raw,
            schedule: d.schedule,
            kpis: d.kpis,
            means: Vec::new(),
            line: d.line,
        });
        Ok(())
    }

    fn finish(mut self, last: usize) -> Result<Plan, PlanError> {
        self.close_draft()?;
        if self.list.is_empty() {
            return Err(PlanError::Missing {
                line: last,
                what: "no list table 「所属<TAB>取組名<TAB>頁」 under a 基本方針 heading: is this the action plan?"
                    .into(),
            });
        }
        if self.matched < self.list.len() {
            let e = &self.list[self.matched];
            return Err(PlanError::Missing {
                line: last,
                what: format!("p.{} 「{}」 (list line {}) has no detail section", e.page, e.title, e.line),
            });
        }
        let mut initiatives = self.done;
        for initiative in &mut initiatives {
            let text = normalize(&initiative.full_text());
            initiative.means = self
                .means
                .iter()
                .filter(|m| m.keywords().iter().any(|k| text.contains(k.as_str())))
                .map(|m| m.number)
                .collect();
        }
        self.years.sort();
        self.years.dedup();
        Ok(Plan { title: self.title, policies: self.policies, means: self.means, initiatives, years: self.years })
    }
}

fn table_line(
    draft: &mut Draft,
    section: Section,
    n: usize,
    raw: &str,
    plan_years: &mut Vec<FiscalYear>,
) -> Result<(), PlanError> {
    // Cells are counted on the raw line: an empty last cell is a tab at the end.
    let cells: Vec<&str> = raw.split('\t').collect();
    let line = raw.trim_end();
    if raw.starts_with('\t') {
        let years: Option<Vec<FiscalYear>> =
            cells[1..].iter().filter(|c| !c.trim().is_empty()).map(|c| FiscalYear::parse(c)).collect();
        match years {
            Some(years) if !years.is_empty() => {
                plan_years.extend(&years);
                let width = years.len() + 1;
                draft.table_years = Some((years, width));
                Ok(())
            }
            _ => Err(unexpected(n, "a table header of fiscal years 「<TAB>令和8年度<TAB>令和9年度…」", line)),
        }
    } else {
        let Some((years, width)) = draft.table_years.as_ref() else {
            return Err(unexpected(n, format!("a table header of fiscal years in ■ {}", section.name()), line));
        };
        // Trailing empty cells beyond the header's width are only blanks.
        let mut cells = cells;
        while cells.len() > *width && cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        if cells.len() != *width {
            let expected = if cells.len() < *width {
                format!(
                    "a row 「名前<TAB>値…」 with a cell for each of the {} years in ■ {}, found {} (an empty cell is still a tab)",
                    years.len(),
                    section.name(),
                    cells.len().saturating_sub(1)
                )
            } else {
                format!("a row 「名前<TAB>値…」 with at most {} values in ■ {}", years.len(), section.name())
            };
            return Err(unexpected(n, expected, line));
        }
        let label = tidy(cells[0]);
        if label.is_empty() {
            return Err(unexpected(n, format!("a row name in the first cell of ■ {}", section.name()), line));
        }
        let values: Vec<(FiscalYear, String)> = years
            .iter()
            .zip(&cells[1..])
            .filter(|(_, c)| !c.trim().is_empty())
            .map(|(y, c)| (*y, c.trim().to_string()))
            .collect();
        match section {
            Section::Schedule => draft
                .schedule
                .push(ScheduleRow { label, cells: values.into_iter().map(|(y, c)| (y, tidy(&c))).collect() }),
            _ => {
                let targets: Vec<(FiscalYear, Target)> =
                    values.into_iter().map(|(y, c)| (y, Target::parse(&c))).collect();
                // A target is a figure progress is judged against: one that cannot be read
                // as a number would be shown but never judged.
                if let Some((year, t)) = targets.iter().find(|(_, t)| !t.understood) {
                    return Err(unexpected(
                        n,
                        format!(
                            "a target with a number in ■ KPI for {} (「90件」「10%削減」「令和5年度比 20%減」; digits, not 九十)",
                            year.japanese()
                        ),
                        &t.raw,
                    ));
                }
                let refs: Vec<&Target> = targets.iter().map(|(_, t)| t).collect();
                let (direction, direction_basis) = infer_direction(&label, &refs);
                draft.kpis.push(Kpi {
                    name: label,
                    targets,
                    direction,
                    direction_basis: direction_basis.into(),
                    line: n,
                });
            }
        }
        Ok(())
    }
}

/// 「基本方針1 「市民サービスの利便性向上」を実現するための取組」 → policy 1.
fn parse_policy_heading(text: &str) -> Option<BasicPolicy> {
    let rest = text.strip_prefix("基本方針")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number = digits.parse::<u8>().ok()?;
    let open = rest.find('「')?;
    let close = rest.find('」')?;
    let title = rest.get(open + '「'.len_utf8()..close)?.replace("**", "");
    Some(BasicPolicy { number, title: tidy(&title) })
}

/// A detail heading belongs to a list entry when, spaces aside, one is the other or one
/// extends the other (「固定資産税GIS導入」 / 「固定資産税GIS導入事業」).
fn headings_match(list_title: &str, heading: &str) -> bool {
    let a = normalize(list_title);
    let b = normalize(heading);
    a == b || a.starts_with(&b) || b.starts_with(&a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = "# 那須塩原市DX推進戦略アクションプラン\n\n\
# 基本方針1 「市民サービスの利便性向上」を実現するための取組\n\n\
所属\t取組名\t頁\n\
デジタル推進課\tどこでも窓口\t<a href=\"#\">18</a>\n\n\
# どこでも窓口\n\n## ■ 内容\n\n- 手続のオンライン化\n\n## ■ 具体的方法\n\n- 導入\n\n\
## ■ 期待する効果\n\n- 来庁負担軽減\n\n## ■ 取組期間\n\n- 令和5年度～令和10年度\n\n\
## ■ 実施スケジュール\n\n\t令和8年度\t令和9年度\t令和10年度\nシステム\t運用\t\t\n\n\
## ■ KPI\n\n\t令和8年度\t令和9年度\t令和10年度\n搭載手続数\t90件\t95件\t100件\n";

    #[test]
    fn a_minimal_plan_parses() {
        let plan = parse(MINI).unwrap();
        assert_eq!(plan.initiatives.len(), 1);
        let i = &plan.initiatives[0];
        assert_eq!((i.page, i.policy), (18, 1));
        assert_eq!(i.kpis[0].targets.len(), 3);
        assert_eq!(i.schedule[0].cells.len(), 1);
    }

    #[test]
    fn a_detail_heading_out_of_list_order_names_its_line() {
        let bad = MINI.replace("# どこでも窓口\n", "# 書かない窓口\n");
        let err = parse(&bad).unwrap_err();
        assert!(matches!(err, PlanError::Unexpected { line: 8, .. }), "{err}");
        assert!(err.to_string().contains("p.18"), "{err}");
    }

    #[test]
    fn an_unreadable_period_names_its_line_and_the_expected_form() {
        let bad = MINI.replace("- 令和5年度～令和10年度", "- そのうち");
        let err = parse(&bad).unwrap_err().to_string();
        assert!(err.starts_with("line 24:") && err.contains("令和5年度～令和10年度"), "{err}");
    }

    #[test]
    fn a_kpi_row_wider_than_its_header_is_rejected() {
        let bad = MINI.replace("100件\n", "100件\t105件\n");
        let err = parse(&bad).unwrap_err().to_string();
        assert!(err.starts_with("line 34:"), "{err}");
    }

    #[test]
    fn a_kpi_row_with_a_cell_missing_names_its_line() {
        let bad = MINI.replace("搭載手続数\t90件\t95件\t100件", "搭載手続数\t90件\t95件");
        let err = parse(&bad).unwrap_err().to_string();
        assert!(err.starts_with("line 34:") && err.contains("each of the 3 years"), "{err}");
        // An empty cell is still there, between tabs.
        let empty = MINI.replace("搭載手続数\t90件\t95件\t100件", "搭載手続数\t90件\t\t100件");
        assert_eq!(parse(&empty).unwrap().initiatives[0].kpis[0].targets.len(), 2);
    }

    #[test]
    fn a_target_that_is_no_number_names_its_line() {
        let bad = MINI.replace("90件\t95件", "九十件\t95件");
        let err = parse(&bad).unwrap_err().to_string();
        assert!(err.starts_with("line 34:") && err.contains("九十件") && err.contains("令和8年度"), "{err}");
    }

    #[test]
    fn a_stray_line_in_a_section_names_its_line() {
        let bad = MINI.replace("- 手続のオンライン化\n", "- 手続のオンライン化\n\nここに迷い込んだ行\n");
        let err = parse(&bad).unwrap_err().to_string();
        assert!(err.starts_with("line 14:") && err.contains("■ 内容"), "{err}");
    }

    #[test]
    fn a_line_broken_inside_an_item_continues_it() {
        let broken = MINI.replace("- 手続のオンライン化\n", "- 手続の  \nオンライン化\n");
        let plan = parse(&broken).unwrap();
        assert_eq!(plan.initiatives[0].contents, vec!["手続のオンライン化".to_string()]);
    }

    #[test]
    fn a_missing_section_is_reported() {
        let bad = MINI.replace("## ■ 具体的方法\n\n- 導入\n\n", "");
        let err = parse(&bad).unwrap_err().to_string();
        assert!(err.contains("■ 具体的方法"), "{err}");
    }

    #[test]
    fn a_list_entry_without_detail_is_reported() {
        let bad = MINI.replace(
            "どこでも窓口\t<a href=\"#\">18</a>\n",
            "どこでも窓口\t<a href=\"#\">18</a>\nデジタル推進課\t生成AIの導入\t<a href=\"#\">35</a>\n",
        );
        let err = parse(&bad).unwrap_err().to_string();
        assert!(err.contains("p.35") && err.contains("no detail section"), "{err}");
    }

    #[test]
    fn something_else_entirely_is_not_a_plan() {
        let err = parse("# 議事録\n\n本日は晴天なり\n").unwrap_err().to_string();
        assert!(err.contains("list table"), "{err}");
    }

    #[test]
    fn tidy_removes_pdf_spaces_but_keeps_latin_ones() {
        assert_eq!(tidy("オンライン予約 ができる公民 館の数"), "オンライン予約ができる公民館の数");
        assert_eq!(tidy("どこでも窓口 (行政手続のオンライン化)"), "どこでも窓口(行政手続のオンライン化)");
        assert_eq!(tidy("LINE 友達登録者数"), "LINE友達登録者数");
        assert_eq!(tidy("AI OCR"), "AI OCR");
    }
}
