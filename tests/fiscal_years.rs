//! Issue 21's first slice, through the same fakes as the other tests (a fixed fiscal year,
//! `KEIKAKU_TODAY` for the binary; no sleeping): a year that has not started is refused on
//! every path that records; a running year's actual is 年度途中, never 未達; `keikaku
//! missing` lists the ended year's KPIs without an actual; a 未達 report keeps its reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use keikaku::actuals::{Refusal, Role, Store};
use keikaku::app::Audience;
use keikaku::plan::FiscalYear;

const ADMIN: i64 = 1;
const LEAD: i64 = 1001;
const LEAK_LEAD: i64 = 2001;

fn roster() -> [(i64, &'static str, Role, &'static [&'static str]); 3] {
    [
        (ADMIN, "管理者", Role::Admin, &[]),
        (LEAD, "山田", Role::Lead, &["デジタル推進課"]),
        (LEAK_LEAD, "佐藤", Role::Lead, &["整備課"]),
    ]
}

/// The binary on `db` with today's date `today`, `stdin` fed in.
fn keikaku(db: &Path, today: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keikaku"))
        .env("KEIKAKU_TODAY", today)
        .args(["--data-dir", "data", "--index-dir"])
        .arg(common::index_dir())
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn counts(db: &Path) -> (usize, usize) {
    let store = Store::open(db).unwrap();
    let refused = store.audit_log().unwrap().iter().filter(|a| a.outcome == "refused").count();
    (store.all_actuals().unwrap().len(), refused)
}

/// December 2026 (令和8年度 runs April 2026 – March 2027): 令和9年度 has not started.
#[test]
fn a_year_not_started_is_refused_on_every_path_and_changes_nothing() {
    let (_dir, db, app) = common::app_with_roster_on(FiscalYear::reiwa(8), &roster());
    let plan = app.plan();
    // The library's two readings, and the store's own check when handed a report anyway.
    let parts = app.resolve_parts("どこでも窓口", "搭載手続数", "R9", "96件").unwrap_err();
    assert!(matches!(parts, Refusal::YearNotStarted { .. }), "{parts}");
    assert!(parts.to_string().contains("令和9年度はまだ始まっていません（2027年4月1日から"), "{parts}");
    let sentence = app.resolve_message("どこでも窓口の搭載手続数、来年度は96件").unwrap_err();
    assert!(matches!(sentence, Refusal::YearNotStarted { .. }), "{sentence}");
    let ahead = keikaku::app::App::new(common::engine(), &db)
        .with_today(FiscalYear::reiwa(9))
        .resolve_parts("どこでも窓口", "搭載手続数", "R9", "96件")
        .unwrap();
    let before = counts(&db);
    let mut store = app.store().unwrap();
    let refused = store.report(&plan, ADMIN, "R9 96件", Ok(ahead), "test").unwrap().unwrap_err();
    assert!(matches!(refused, Refusal::YearNotStarted { .. }));
    assert_eq!(counts(&db), (before.0, before.1 + 1), "refused, audited, nothing written");

    // The CLI: parts, a sentence, a batch; exit 2, the reason in Japanese, nothing written.
    let dec = "2026-12-02";
    let o = keikaku(&db, dec, &["report", "--as", "1001", "どこでも窓口", "搭載手続数", "R9", "96件"], b"");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("令和9年度はまだ始まっていません"), "{}", err(&o));
    let o = keikaku(&db, dec, &["report", "--as", "1001", "--message", "どこでも窓口の搭載手続数、来年度は96件"], b"");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let o =
        keikaku(&db, dec, &["report", "--as", "1001", "--batch"], "どこでも窓口\t搭載手続数\tR9\t96件\n".as_bytes());
    assert!(out(&o).starts_with("refused line 1: 令和9年度はまだ始まっていません"), "{}", out(&o));
    assert_eq!(counts(&db).0, 0);
    // The running year and an ended one are accepted as before.
    let o = keikaku(&db, dec, &["report", "--as", "1001", "どこでも窓口", "搭載手続数", "R8", "40件"], b"");
    assert!(o.status.success(), "{}", err(&o));
    let o = keikaku(&db, "2027-04-01", &["report", "--as", "1001", "どこでも窓口", "搭載手続数", "R9", "96件"], b"");
    assert!(o.status.success(), "on its first day 令和9年度 has started: {}", err(&o));
}

/// An actual of the running year is 年度途中 with its share, on the card, the site, the
/// chart, the export and the history; once the year has ended it is judged.
#[test]
fn a_running_years_actual_is_interim_everywhere_never_missed() {
    let (_dir, db, app) = common::app_with_roster_on(FiscalYear::reiwa(8), &roster());
    let plan = app.plan();
    let r = app.resolve_parts("生成AIの導入", "業務削減時間", "R8", "100時間");
    app.store().unwrap().report(&plan, ADMIN, "interim", r, "test").unwrap().unwrap();
    let interim = "年度途中 1%（100/7,000時間）";

    let card = app.answer("生成AIの導入のKPI", None, Audience::Public).unwrap().2.text;
    assert!(card.contains(&format!("実績 100時間（{interim}）")) && !card.contains("未達"), "{card}");
    let view = app.actuals().unwrap().unwrap();
    let csv = keikaku::actuals::export_csv(&plan, &view, app.today());
    assert!(csv.contains(interim) && !csv.contains("未達"), "{csv}");
    let i = plan.initiative(35).unwrap();
    let page = keikaku::web::pages::initiative(&plan, i, &view, app.today());
    assert!(page.contains(interim) && !page.contains("× 未達<"), "the site: {page}");
    let chart = keikaku::chart::Chart::of(i, &i.kpis[0], &plan.years, Some(&view), app.today());
    assert!(chart.description().contains("実績 100時間（年度途中）"), "{}", chart.description());
    let history =
        keikaku::answer::history_card(&plan, i, &Store::open(&db).unwrap().history(35).unwrap(), &view, app.today());
    assert!(keikaku::answer::render_text(&history).contains(interim));

    // 令和9年度: 令和8年度 has ended; the same value is judged.
    let later = keikaku::actuals::export_csv(&plan, &view, FiscalYear::reiwa(9));
    assert!(later.contains("1% 未達"), "{later}");
}

/// `keikaku missing`: the ended year's KPIs without an actual, by department, with who
/// should report them; text and BOM CSV; a year not ended is refused.
#[test]
fn missing_lists_the_ended_years_kpis_by_department_with_their_reporters() {
    let (_dir, db, app) = common::app_with_roster_on(FiscalYear::reiwa(9), &roster());
    let plan = app.plan();
    let r = app.resolve_parts("どこでも窓口", "搭載手続数", "R8", "92件");
    app.store().unwrap().report(&plan, LEAD, "reported", r, "test").unwrap().unwrap();
    let may = "2027-05-10";

    let o = keikaku(&db, may, &["missing"], b"");
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains("令和8年度 (2026) の未報告KPI"), "the last ended year by default: {text}");
    assert!(text.contains("デジタル推進課（報告: 山田）"), "{text}");
    assert!(text.contains("整備課（報告: 佐藤）") && text.contains("漏水の発生件数"), "{text}");
    assert!(text.contains("（報告: 未登録）"), "a department with no lead: {text}");
    assert!(!text.contains("p.18 どこでも窓口"), "a reported KPI is not missing: {text}");

    let o = keikaku(&db, may, &["missing", "--year", "2026", "--csv"], b"");
    let csv = out(&o);
    assert!(csv.starts_with("\u{feff}department,reporters,page,title,kpi,fiscal_year,target\r\n"), "{csv}");
    assert!(csv.contains("\r\n整備課,佐藤,32,"), "{csv}");

    let o = keikaku(&db, may, &["missing", "--year", "R9"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("令和9年度はまだ終わっていません"), "{}", err(&o));
}

/// A 未達 report keeps its reason: given with `--reason`, in the history, the export and on
/// the site; refused for a value that is not 未達; the bot's way (after 確定) likewise.
#[test]
fn a_missed_target_keeps_its_reason() {
    let (_dir, db, app) = common::app_with_roster_on(FiscalYear::reiwa(9), &roster());
    let may = "2027-05-10";
    let reason = "システム更改が年度末にずれ込んだため";
    let o = keikaku(
        &db,
        may,
        &["report", "--as", "1001", "--reason", reason, "どこでも窓口", "搭載手続数", "R8", "80件"],
        b"",
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("89%・未達") && out(&o).contains(&format!("未達の理由: {reason}")), "{}", out(&o));
    let history = out(&keikaku(&db, may, &["history", "どこでも窓口"], b""));
    assert!(history.contains(&format!("未達の理由: {reason}")), "{history}");
    let csv = out(&keikaku(&db, may, &["actuals", "export"], b""));
    assert!(csv.lines().next().unwrap().ends_with(",reason"));
    assert!(csv.contains("89% 未達,山田 (1001),") && csv.contains(reason), "{csv}");
    let view = app.actuals().unwrap().unwrap();
    let plan = app.plan();
    let page = keikaku::web::pages::initiative(&plan, plan.initiative(18).unwrap(), &view, app.today());
    assert!(page.contains(reason), "the site shows the reason beside the value");

    // A reason for a value that met its target is refused, and nothing is written.
    let before = counts(&db).0;
    let o = keikaku(
        &db,
        may,
        &["report", "--as", "1001", "--reason", "念のため", "どこでも窓口", "搭載手続数", "R8", "95件"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("理由は未達"), "{}", err(&o));
    assert_eq!(counts(&db).0, before);

    // Given after the report (the bot asks once it is written): its reporter only, once.
    let r = app.resolve_parts("漏水", "発生件数", "R8", "260件");
    let mut store = app.store().unwrap();
    let id = store.report(&plan, LEAK_LEAD, "leak", r, "test").unwrap().unwrap();
    let other = store.add_reason(&plan, LEAD, id, "他人の理由").unwrap().unwrap_err();
    assert!(matches!(other, Refusal::NotYourReport { .. }), "{other}");
    let long = "あ".repeat(201);
    assert!(matches!(store.add_reason(&plan, LEAK_LEAD, id, &long).unwrap(), Err(Refusal::BadReason { .. })));
    store.add_reason(&plan, LEAK_LEAD, id, "豪雨で老朽管の破損が重なった").unwrap().unwrap();
    assert!(store.add_reason(&plan, LEAK_LEAD, id, "二度目").unwrap().is_err());
    let kept = store.history(32).unwrap();
    assert_eq!(kept[0].reason.as_deref(), Some("豪雨で老朽管の破損が重なった"));
}

/// The schema migration keeps the data written before it: a database of the previous
/// version opens with its actuals, and a reason table beside them.
#[test]
fn the_reason_migration_keeps_existing_actuals() {
    let (_dir, db, app) = common::app_with_roster_on(FiscalYear::reiwa(9), &roster());
    let r = app.resolve_parts("どこでも窓口", "搭載手続数", "R8", "92件");
    app.store().unwrap().report(&app.plan(), LEAD, "before", r, "test").unwrap().unwrap();
    {
        // Back to the version before (5): the reason table (migration 6) as if never made,
        // nor the question log's answer id (migration 7) that follows it.
        let conn = rusqlite::Connection::open(&db).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 7);
        conn.execute_batch(
            "DROP INDEX question_log_by_answer; ALTER TABLE question_log DROP COLUMN answer;
             DROP TRIGGER actual_reason_append_only_update; DROP TRIGGER actual_reason_append_only_delete;
             DROP TABLE actual_reason;",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 5).unwrap();
    }
    let store = Store::open(&db).unwrap();
    let all = store.all_actuals().unwrap();
    assert_eq!((all.len(), all[0].value, all[0].reason.clone()), (1, 92.0, None));
}
