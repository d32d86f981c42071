//! Issue-8 hardening, one test per defect found by probing: a report is never recorded with
//! a value nobody wrote, readers never wait on writers, the database is private, history
//! keeps the reporter's name as it was, batch modes answer every line, and hostile
//! questions get one valid answer each.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use keikaku::actuals::{Refusal, Role, Staff, Store, ValueError};
use keikaku::app::App;
use keikaku::plan::FiscalYear;
use proptest::prelude::*;

const ADMIN: i64 = 1;

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    app: App,
}

fn fixture() -> Fixture {
    let (dir, db, app) = common::app_with_roster(&[
        (ADMIN, "管理者", Role::Admin, &[]),
        (1001, "山田", Role::Lead, &["デジタル推進課"]),
    ]);
    Fixture { _dir: dir, db, app }
}

fn actual_count(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT COUNT(*) FROM actual", [], |r| r.get(0)).unwrap()
}

fn keikaku(db: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keikaku"))
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
    // Written from another thread: a child answering line by line fills its stdout pipe
    // while we are still writing.
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// What a refusal must be.
type Expected = fn(&Refusal) -> bool;

/// Every sentence the probe got a wrong value recorded from is now refused, with its
/// reason, and nothing is written.
#[test]
fn sentences_that_recorded_values_nobody_wrote_are_refused() {
    let f = fixture();
    let head = "どこでも窓口の搭載手続数、";
    let cases: &[(&str, Expected)] = &[
        ("令和8年度は-5件でした", |r| matches!(r, Refusal::Value(ValueError::Negative(_)))),
        ("令和8年度は−5件でした", |r| matches!(r, Refusal::Value(ValueError::Negative(_)))),
        ("令和8年度は－5件でした", |r| matches!(r, Refusal::Value(ValueError::Negative(_)))),
        ("令和8年度はマイナス5件でした", |r| matches!(r, Refusal::Value(ValueError::Negative(_)))),
        ("令和8年度は△5件でした", |r| matches!(r, Refusal::Value(ValueError::Negative(_)))),
        ("令和8年度は▲5件でした", |r| matches!(r, Refusal::Value(ValueError::Negative(_)))),
        ("令和8年度は1e309件でした", |r| matches!(r, Refusal::Value(ValueError::Malformed { .. }))),
        ("令和8年度は1e5件でした", |r| matches!(r, Refusal::Value(ValueError::Malformed { .. }))),
        ("令和8年度は0x10件でした", |r| matches!(r, Refusal::Value(ValueError::Malformed { .. }))),
        ("令和8年度は1_000件でした", |r| matches!(r, Refusal::Value(ValueError::Malformed { .. }))),
        ("R8,92件でした", |r| !matches!(r, Refusal::Value(ValueError::OddDigits(_)))),
        ("2026,92件でした", |r| !matches!(r, Refusal::Value(ValueError::OddDigits(_)))),
        ("FY2027は92件でした", |r| matches!(r, Refusal::UnreadableYear(_))),
        ("7年度は92件でした", |r| matches!(r, Refusal::UnreadableYear(_))),
        ("R0は92件でした", |r| matches!(r, Refusal::UnreadableYear(_))),
        ("R100は92件でした", |r| matches!(r, Refusal::UnreadableYear(_))),
        ("92件でした", |r| matches!(r, Refusal::NoYear)),
        ("令和9年度は92件、令和8年度は88件でした", |r| matches!(r, Refusal::SeveralYears(_))),
        ("令和8年度は92件と88件でした", |r| matches!(r, Refusal::SeveralValues(_))),
        ("令和8年度は99999999999999999999件でした", |r| {
            matches!(r, Refusal::Value(ValueError::Malformed { .. }))
        }),
        ("令和8年度は92件削減でした", |r| matches!(r, Refusal::Value(ValueError::NotAReduction { .. }))),
        ("令和8年度は92減でした", |r| matches!(r, Refusal::Value(ValueError::NotAReduction { .. }))),
        ("令和8年度は92件/週でした", |r| matches!(r, Refusal::Value(ValueError::WrongPer { .. }))),
        ("令和8年度は9,2件でした", |r| matches!(r, Refusal::Value(ValueError::Malformed { .. }))),
        ("令和8年度は1,2,3件でした", |r| matches!(r, Refusal::Value(ValueError::Malformed { .. }))),
        ("令和8年度は.5件でした", |r| matches!(r, Refusal::Value(ValueError::Malformed { .. }))),
        ("令和8年度は92.5件でした", |r| matches!(r, Refusal::Value(ValueError::FractionOfCount { .. }))),
        ("令和8年度は𝟗𝟐件でした", |r| matches!(r, Refusal::Value(ValueError::OddDigits(_)))),
        ("令和8年度は⑨②件でした", |r| matches!(r, Refusal::Value(ValueError::OddDigits(_)))),
    ];
    let mut store = f.app.store().unwrap();
    for (tail, expected) in cases {
        let message = format!("{head}{tail}");
        let resolved = f.app.resolve_message(&message);
        let refusal = resolved.clone().err().unwrap_or_else(|| panic!("「{message}」 was accepted: {resolved:?}"));
        assert!(expected(&refusal), "「{message}」 was refused for another reason: {refusal}");
        assert!(store.report(&f.app.plan(), ADMIN, &message, resolved, "test").unwrap().is_err());
    }
    // An indicator the initiative does not have, even when it has a single KPI.
    let r = f.app.resolve_message("どこでも窓口の利用者数、R8は92件でした");
    assert!(matches!(r, Err(Refusal::UnknownIndicator { .. })), "{r:?}");
    assert_eq!(actual_count(&f.db), 0);
}

/// The parts form goes through the same parser: the same refusals.
#[test]
fn the_parts_form_refuses_the_same_values() {
    let f = fixture();
    for value in ["99999999999999999999件", "92件削減", "92件/週", "9,2件", "1,2,3件", ".5件", "𝟗𝟐", "⑨②", "1e5"]
    {
        let r = f.app.resolve_parts("どこでも窓口", "搭載手続数", "R8", value);
        assert!(r.is_err(), "{value} was accepted: {r:?}");
    }
}

/// 来年度 and 昨年度 are read from today's date and said before writing; 来年度 has not
/// started, so it is refused.
#[test]
fn relative_years_are_resolved_and_shown() {
    let f = fixture();
    let read = |text: &str, today: u16| {
        keikaku::actuals::report::parse_message(
            &f.app.plan(),
            &*f.app.engine(),
            text,
            FiscalYear::from_gregorian(today),
        )
    };
    let r = read("どこでも窓口の搭載手続数、昨年度は92件でした", 2027).unwrap();
    assert_eq!(r.year, FiscalYear::from_gregorian(2026));
    assert!(r.year_note.as_deref().is_some_and(|n| n.contains("令和8年度")));
    let next = read("どこでも窓口の搭載手続数、来年度は92件でした", 2026).unwrap_err();
    assert!(matches!(next, Refusal::YearNotStarted { .. }), "{next}");
}

/// A value far beyond every target is a likely slip: the CLI wants --confirm.
#[test]
fn an_implausible_value_needs_confirmation() {
    let f = fixture();
    let o = keikaku(&f.db, &["report", "--as", "1", "どこでも窓口", "搭載手続数", "R8", "200000件"], b"");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--confirm"));
    assert_eq!(actual_count(&f.db), 0);
    let o = keikaku(&f.db, &["report", "--as", "1", "--confirm", "どこでも窓口", "搭載手続数", "R8", "200000件"], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(actual_count(&f.db), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Sentences written around a known value: the value read is the value written, or the
    /// report is refused — never a third value.
    #[test]
    fn a_sentence_yields_the_value_written_or_a_refusal(
        value in 0u32..100_000,
        comma in any::<bool>(),
        full_width in any::<bool>(),
        year in prop::sample::select(vec!["令和8年度は", "R8は", "2026年度は", "令和8年度", "R8:"]),
        before in prop::sample::select(vec!["", "実績", "約", "およそ", "-", "△", "第"]),
        after in prop::sample::select(vec!["件でした", "件です", "件", "でした", "件削減", "件/週", "人", "件、", "件くらい"]),
        tail in prop::sample::select(vec!["", "。", "!", "です", "以上"]),
    ) {
        let f = fixture();
        let digits = if comma { keikaku::plan::format_number(f64::from(value)) } else { value.to_string() };
        let digits = if full_width {
            digits.chars().map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c) } else { c }).collect()
        } else {
            digits
        };
        let message = format!("どこでも窓口の搭載手続数、{year}{before}{digits}{after}{tail}");
        if let Ok(r) = f.app.resolve_message(&message) {
            prop_assert_eq!(r.value.number, f64::from(value), "「{}」", message);
            prop_assert_eq!(r.year, FiscalYear::from_gregorian(2026));
        }
    }
}

/// A plain `ask` answers, with the actuals, while another process holds a write
/// transaction: readers never take the write lock.
#[test]
fn ask_answers_while_a_writer_holds_a_transaction() {
    let f = fixture();
    let o = keikaku(&f.db, &["report", "--as", "1", "どこでも窓口", "搭載手続数", "R8", "92件"], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let writer = rusqlite::Connection::open(&f.db).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE; INSERT INTO audit (at, actor, action, outcome, detail) VALUES (0, 1, 'probe', 'ok', 'held');").unwrap();
    let o = keikaku(&f.db, &["ask", "どこでも窓口のKPI"], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("実績 92件"));
    writer.execute_batch("ROLLBACK").unwrap();
}

/// The database, its folder and its WAL files are readable by their owner only.
#[cfg(unix)]
#[test]
fn the_database_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    let _ = f.app.store().unwrap().view().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(f.db.parent().unwrap()), 0o700);
    assert_eq!(mode(&f.db), 0o600);
    for suffix in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", f.db.display()));
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
}

/// The state folder is private whichever command creates it first: `keikaku doctor` (its
/// write probe), the terminal chat (its history) or the store.
#[cfg(unix)]
#[test]
fn the_state_folder_is_private_whoever_creates_it() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for first in [&["doctor"][..], &["chat"], &["staff", "list"]] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("srv/state/keikaku.db");
        let o = keikaku(&db, first, "どこでも窓口のKPI\nexit\n".as_bytes());
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"), "{first:?}");
        let state = db.parent().unwrap();
        assert_eq!(mode(state), 0o700, "{first:?} made {}", state.display());
        assert_eq!(mode(state.parent().unwrap()), 0o700, "{first:?}: the parents it made too");
        // The database made next keeps the folder as it is.
        let o = keikaku(&db, &["staff", "list"], b"");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(mode(state), 0o700);
    }
}

/// History and export show the reporter's name as it was when the report was made.
#[test]
fn history_keeps_the_name_at_the_time_of_the_report() {
    let f = fixture();
    let o = keikaku(&f.db, &["report", "--as", "1001", "どこでも窓口", "搭載手続数", "R8", "92件"], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan = f.app.plan();
    let renamed =
        Staff {
            telegram_id: 1001, name: "佐藤".into(), role: Role::Lead, departments: vec!["デジタル推進課".into()]
        };
    f.app.store().unwrap().add_staff(&plan, None, &renamed).unwrap();
    let history = Store::open(&f.db).unwrap().history(18).unwrap();
    assert_eq!(history[0].reporter, "山田");
}

/// A lead made read-only between resolving and writing is refused at the write.
#[test]
fn the_write_decides_on_the_roster_as_it_is() {
    let f = fixture();
    let resolved = f.app.resolve_parts("どこでも窓口", "搭載手続数", "R8", "92件");
    let plan = f.app.plan();
    let demoted =
        Staff {
            telegram_id: 1001, name: "山田".into(), role: Role::Staff, departments: vec!["デジタル推進課".into()]
        };
    f.app.store().unwrap().add_staff(&plan, None, &demoted).unwrap();
    let r = f.app.store().unwrap().report(&plan, 1001, "test", resolved, "test").unwrap();
    assert!(matches!(r, Err(Refusal::ReadOnly { .. })), "{r:?}");
    assert_eq!(actual_count(&f.db), 0);
}

/// `report --batch`: one output line per input line, numbered refusals, blank lines said,
/// bad UTF-8 refused without ending the run.
#[test]
fn report_batch_answers_every_line() {
    let f = fixture();
    let input = b"\xe3\x81\x93\xff\n\n\xe3\x81\xa9\xe3\x81\x93\xe3\x81\xa7\xe3\x82\x82\xe7\xaa\x93\xe5\x8f\xa3\t\xe6\x90\xad\xe8\xbc\x89\xe6\x89\x8b\xe7\xb6\x9a\xe6\x95\xb0\tR8\t92\xe4\xbb\xb6\nnonsense\n";
    let o = keikaku(&f.db, &["report", "--as", "1", "--batch"], input);
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("refused line 1: not valid UTF-8"), "{out}");
    assert!(lines[1].starts_with("skipped line 2"), "{out}");
    assert!(lines[2].starts_with("ok "), "{out}");
    assert!(lines[3].starts_with("refused line 4: "), "{out}");
}

/// `ask --json --batch` over 10,000 hostile questions — control characters, 4,096-character
/// lines, HTML, mixed scripts, bad UTF-8 — gives one valid JSON line each, in order.
#[test]
fn ten_thousand_hostile_questions_get_one_json_line_each() {
    let f = fixture();
    let pieces = [
        "どこでも窓口のKPI",
        "<script>alert(1)</script>",
        "\u{0}\u{7}\u{1b}[31m",
        "ＫＰＩ",
        "ゆーバス",
        "𝟗𝟐件",
        "\u{202e}逆",
        "令和99年度",
        "🙂",
        "SELECT * FROM staff;",
        "a&b<c>d\"e'",
        "基本方針3の取組一覧",
        "　",
        "ー",
    ];
    let mut input = Vec::new();
    let mut expected = 0;
    let mut seed: u64 = 42;
    for n in 0..10_000 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut q = String::new();
        let len = if n % 50 == 0 { 4096 } else { (seed >> 33) as usize % 60 };
        while q.chars().count() < len {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            q.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        let q: String = q.chars().take(len.max(1)).collect::<String>().replace(['\n', '\r'], " ");
        input.extend_from_slice(q.as_bytes());
        if n % 997 == 0 {
            input.push(0xff);
        }
        input.push(b'\n');
        expected += 1;
    }
    let o = keikaku(&f.db, &["ask", "--json", "--batch"], &input);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), expected);
    for (n, line) in lines.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}: {line}", n + 1));
        assert!(v.get("intent").is_some() || v.get("error").is_some(), "line {}: {line}", n + 1);
    }
}
