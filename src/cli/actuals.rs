//! The CLI's actuals commands: staff, report, history, progress, export. The terminal
//! operator is trusted (they hold the database file); reports name their reporter with `--as`
//! and are checked like any other.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;

use super::say;

use super::{ExportFormat, StaffCommand};
use crate::actuals::report::find_initiative;
use crate::actuals::{Refusal, ResolvedReport, Role, Staff, Store, achievement_label, export_csv, export_json};
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

/// One report from the CLI: parts or a message. Prints what was recorded, or the refusal.
pub(crate) fn report(
    app: &App,
    actor: i64,
    message: Option<&str>,
    batch: bool,
    confirm: bool,
    parts: &[String],
) -> anyhow::Result<ExitCode> {
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
    match store.report(&app.plan(), actor, &attempt, resolved, "cli")? {
        Ok(id) => {
            if let Some(r) = resolved_copy {
                say!("{}", render_text(&report_card(&app.plan(), &r, &format!("記録しました（#{id}）"))));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(refusal) => {
            eprintln!("refused: {refusal}");
            Ok(ExitCode::from(1))
        }
    }
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
    let verdict =
        r.verdict(plan).map(|v| format!("{}・{}", achievement_label(&v), v.status.japanese())).unwrap_or_default();
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
    say!("{}", render_text(&history_card(i, &rows, &view)));
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
        ExportFormat::Csv => export_csv(&app.plan(), &view),
        ExportFormat::Json => export_json(&app.plan(), &view),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
