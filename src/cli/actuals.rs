//! The CLI's actuals commands: staff, report, history, progress, export. The terminal
//! operator is trusted (they hold the database file); reports name their reporter with `--as`
//! and are checked like any other.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;

use super::say;

use super::{ExportFormat, StaffCommand};
use crate::actuals::report::find_initiative;
use crate::actuals::{Refusal, ResolvedReport, Role, Staff, Store, export_csv, export_json};
use crate::answer::{history_card, render_text, report_card, roster_card};
use crate::app::{App, Audience};
use crate::plan::FiscalYear;
use crate::search::{Filters, YearFilter, YearRelation};

pub(crate) fn staff(app: &App, cmd: StaffCommand) -> anyhow::Result<ExitCode> {
    let plan = &app.plan();
    let mut store = app.store()?;
    match cmd {
        StaffCommand::Add { telegram_id, name, role, department } => {
            let Some(role) = Role::parse(&role) else {
                anyhow::bail!("unknown role 「{role}」: use admin, lead or staff");
            };
            let staff = Staff { telegram_id, name, role, departments: department };
            store.add_staff(plan, None, &staff)?;
            say!("registered {} ({}) as {}{}", staff.name, telegram_id, role.as_str(), departments_note(&staff));
        }
        StaffCommand::List => {
            say!("{}", render_text(&roster_card(&store.list_staff()?)));
        }
        StaffCommand::Remove { telegram_id } => {
            store.remove_staff(None, telegram_id)?;
            say!("removed {telegram_id}; their past reports stay in the history");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn departments_note(s: &Staff) -> String {
    if s.departments.is_empty() { String::new() } else { format!(" [{}]", s.departments.join(", ")) }
}

/// How a report is given on the command line, besides its parts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct How<'a> {
    /// The report as a sentence.
    pub message: Option<&'a str>,
    /// Reports from stdin.
    pub batch: bool,
    /// Take a value far beyond every target.
    pub confirm: bool,
    /// Why a 未達 value missed its target.
    pub reason: Option<&'a str>,
}

/// One report from the CLI: parts or a message. Prints what was recorded, or the refusal
/// (exit 2 for a year that has not started, 1 for any other refusal).
pub(crate) fn report(app: &App, actor: i64, how: How<'_>, parts: &[String]) -> anyhow::Result<ExitCode> {
    let How { message, batch, confirm, reason } = how;
    let mut store = app.store()?;
    if batch {
        return report_batch(app, &mut store, actor, confirm);
    }
    let (attempt, resolved) = match (message, parts) {
        (Some(m), _) => (m.to_string(), app.resolve_message(m)),
        (None, [i, k, y, v]) => (parts.join(" "), app.resolve_parts(i, k, y, v)),
        _ => anyhow::bail!("give 取組 指標 年度 値 (e.g. どこでも窓口 搭載手続数 R8 92件), --message, or --batch"),
    };
    let resolved = confirmed(resolved, confirm);
    if let Ok(r) = &resolved
        && let Some(note) = &r.year_note
    {
        say!("{note}");
    }
    let resolved_copy = resolved.clone().ok();
    match store.report_with_reason(&app.plan(), actor, &attempt, resolved, "cli", reason)? {
        Ok(id) => {
            if let Some(r) = resolved_copy {
                let plan = &app.plan();
                let mut card = report_card(plan, &r, &format!("記録しました（#{id}）"), app.today());
                match reason.map(crate::actuals::clean_reason) {
                    Some(Ok(reason)) => card.blocks.push(crate::answer::Block::Text(format!("未達の理由: {reason}"))),
                    _ if missed(app, &r) => card.blocks.push(crate::answer::Block::Text(format!(
                        "※ 目標に届いていません。理由を残すには、次の報告で --reason \"…\" を付けてください（{}文字まで）",
                        crate::actuals::MAX_REASON_CHARS
                    ))),
                    _ => {}
                }
                say!("{}", render_text(&card));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(refusal) => {
            eprintln!("refused: {refusal}");
            Ok(ExitCode::from(if matches!(refusal, Refusal::YearNotStarted { .. }) { 2 } else { 1 }))
        }
    }
}

/// True when `r` is 未達 today (its year ended, below target).
fn missed(app: &App, r: &ResolvedReport) -> bool {
    r.verdict(&app.plan(), app.today()).is_some_and(|v| v.status == crate::actuals::Status::NotAchieved)
}

/// A value far beyond every target is refused unless `confirm` was given.
fn confirmed(resolved: Result<ResolvedReport, Refusal>, confirm: bool) -> Result<ResolvedReport, Refusal> {
    match resolved {
        Ok(r) if !confirm && r.warning.is_some() => Err(Refusal::Implausible(r.warning.unwrap_or_default())),
        other => other,
    }
}

/// The lines of stdin as they come; a line that is not UTF-8 is `Err(())` and the next one
/// is read on (a bad byte never ends the run).
pub(crate) fn stdin_lines() -> impl Iterator<Item = std::io::Result<Result<String, ()>>> {
    let mut input = std::io::stdin().lock();
    std::iter::from_fn(move || {
        let mut bytes = Vec::new();
        match input.read_until(b'\n', &mut bytes) {
            Ok(0) => None,
            Ok(_) => {
                while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    bytes.pop();
                }
                Some(Ok(String::from_utf8(bytes).map_err(|_| ())))
            }
            Err(e) => Some(Err(e)),
        }
    })
}

/// Reports from stdin, one a line: every input line gets exactly one output line, flushed
/// once the report is on disk: `ok ID`, `refused line N: reason` or `skipped line N: …`.
fn report_batch(app: &App, store: &mut Store, actor: i64, confirm: bool) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (n, line) in stdin_lines().enumerate() {
        let n = n + 1;
        let line = match line.context("reading reports from stdin")? {
            Ok(line) => line,
            Err(()) => {
                writeln!(out, "refused line {n}: not valid UTF-8")?;
                out.flush()?;
                continue;
            }
        };
        let line = line.trim();
        if line.is_empty() {
            writeln!(out, "skipped line {n}: blank")?;
            out.flush()?;
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let resolved = match cells[..] {
            [i, k, y, v] => app.resolve_parts(i, k, y, v),
            _ => app.resolve_message(line),
        };
        match store.report(&app.plan(), actor, line, confirmed(resolved, confirm), "cli-batch")? {
            Ok(id) => writeln!(out, "ok {id}")?,
            Err(refusal) => writeln!(out, "refused line {n}: {refusal}")?,
        }
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// 「どこでも窓口(…) p.18 ／ 搭載手続数 ／ 令和8年度 (2026) = 92件（目標 90件: 102%・達成）」.
pub fn describe(app: &App, r: &crate::actuals::ResolvedReport) -> String {
    let plan = &app.plan();
    let Some(i) = plan.initiative(r.page) else { return String::new() };
    let verdict = r.verdict(plan, app.today()).map(|v| v.label()).unwrap_or_default();
    format!(
        "{} p.{} ／ {} ／ {} = {}（目標 {}: {verdict}）",
        i.title,
        i.page,
        r.kpi,
        r.year,
        r.value.display(),
        r.target
    )
}

pub(crate) fn history(app: &App, initiative: &str) -> anyhow::Result<ExitCode> {
    let engine = app.engine();
    let plan = engine.plan();
    let i = match find_initiative(plan, &*engine, initiative) {
        Ok(i) => i,
        Err(refusal) => anyhow::bail!("{refusal}"),
    };
    let (rows, view) = match Store::open_existing(&app.db)? {
        Some(store) => (store.history(i.page)?, store.view()?),
        None => (Vec::new(), Default::default()),
    };
    say!("{}", render_text(&history_card(plan, i, &rows, &view, app.today())));
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn progress(app: &App, department: Option<&str>, year: Option<&str>) -> anyhow::Result<ExitCode> {
    let plan = &app.plan();
    if let Some(d) = department
        && !plan.departments().contains(&d)
    {
        anyhow::bail!("{}", crate::plan::unknown_department(plan, d));
    }
    let year = match year {
        Some(y) => Some(
            FiscalYear::parse(y).with_context(|| format!("cannot read the year 「{y}」: use R8, 令和8年度 or 2026"))?,
        ),
        None => None,
    };
    let filters = Filters {
        department: department.map(String::from),
        year: year.map(|year| YearFilter { year, relation: YearRelation::Active }),
        ..Filters::default()
    };
    let (_, card, _) = app.present(app.engine().list_by(filters, true), Audience::Staff)?;
    say!("{}", render_text(&card));
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn export(app: &App, format: ExportFormat) -> anyhow::Result<ExitCode> {
    let view = app.actuals()?.unwrap_or_default();
    let text = match format {
        ExportFormat::Csv => export_csv(&app.plan(), &view, app.today()),
        ExportFormat::Json => export_json(&app.plan(), &view, app.today()),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `keikaku missing`: by department, the KPIs of an ended fiscal year without an actual.
pub(crate) fn missing(app: &App, year: Option<&str>, csv: bool) -> anyhow::Result<ExitCode> {
    let asked = match year {
        Some(y) => Some(
            FiscalYear::parse(y).with_context(|| format!("cannot read the year 「{y}」: use R8, 令和8年度 or 2026"))?,
        ),
        None => None,
    };
    let year = match crate::actuals::year_to_list(asked, app.today()) {
        Ok(year) => year,
        Err(why) => {
            eprintln!("refused: {why}");
            return Ok(ExitCode::from(2));
        }
    };
    let plan = &app.plan();
    let (view, roster) = match Store::open_existing(&app.db)? {
        Some(store) => (store.view()?, store.list_staff()?),
        None => (Default::default(), Vec::new()),
    };
    if !plan.years.contains(&year) {
        let range = match (plan.years.first(), plan.years.last()) {
            (Some(a), Some(b)) => format!("{}～{}", a.japanese(), b.japanese()),
            _ => "（なし）".into(),
        };
        say!(
            "{}は計画の対象外です（計画の年度: {range}）。計画の年度で終わったものはまだないか、--year で選んでください。",
            year.japanese()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let list = crate::actuals::missing(plan, &view, &roster, year);
    let mut out = std::io::stdout().lock();
    if csv {
        out.write_all(crate::actuals::missing_csv(&list, year).as_bytes())?;
    } else {
        writeln!(out, "{}", render_text(&crate::answer::missing_card(&list, year, None).0))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
