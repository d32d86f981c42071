//! KPI actuals and authority: the authority matrix, refusals that change nothing, corrections
//! that keep history, sentences understood, progress and export, and writers in several
//! processes, including ones killed mid-stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use keikaku::actuals::{Refusal, Role, Staff, Store};
use keikaku::app::{App, Audience};
use keikaku::plan::FiscalYear;

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    app: App,
}

const ADMIN: i64 = 1;
const DIGITAL_LEAD: i64 = 1001;
const TAX_LEAD: i64 = 2001;
const CITIZEN_LEAD: i64 = 2002;
const READER: i64 = 3001;
const STRANGER: i64 = 9999;

fn fixture() -> Fixture {
    fixture_on(FiscalYear::reiwa(8))
}

/// The fixture with today's fiscal year `today` (the years before it have ended).
fn fixture_on(today: FiscalYear) -> Fixture {
    let (dir, db, app) = common::app_with_roster_on(
        today,
        &[
            (ADMIN, "管理者", Role::Admin, &[]),
            (DIGITAL_LEAD, "山田", Role::Lead, &["デジタル推進課"]),
            (TAX_LEAD, "田中", Role::Lead, &["課税課"]),
            (CITIZEN_LEAD, "高橋", Role::Lead, &["市民課"]),
            (READER, "鈴木", Role::Staff, &["デジタル推進課"]),
        ],
    );
    Fixture { _dir: dir, db, app }
}

impl Fixture {
    fn report(&self, actor: i64, parts: [&str; 4]) -> Result<i64, Refusal> {
        let [i, k, y, v] = parts;
        let resolved = self.app.resolve_parts(i, k, y, v);
        let mut store = self.app.store().unwrap();
        store.report(&self.app.plan(), actor, &parts.join(" "), resolved, "test").unwrap()
    }

    fn counts(&self) -> (usize, usize) {
        let store = Store::open(&self.db).unwrap();
        let refused = store.audit_log().unwrap().iter().filter(|a| a.outcome == "refused").count();
        (store.all_actuals().unwrap().len(), refused)
    }
}

#[test]
fn the_authority_matrix_holds_for_every_role_and_department() {
    let f = fixture();
    let own_digital = ["どこでも窓口", "搭載手続数", "R8", "92件"]; // p.18, デジタル推進課
    let sewer = ["管路劣化診断", "漏水の発生件数", "R8", "230件"]; // p.32, 整備課
    let shared = ["証明書の自動交付", "コンビニ交付率", "R8", "52%"]; // p.22, 課税課・市民課
    let cases: [(i64, [&str; 4], bool); 11] = [
        (ADMIN, own_digital, true),
        (ADMIN, sewer, true),
        (DIGITAL_LEAD, own_digital, true),
        (DIGITAL_LEAD, sewer, false),
        (DIGITAL_LEAD, shared, false),
        (TAX_LEAD, shared, true),
        (CITIZEN_LEAD, shared, true),
        (TAX_LEAD, own_digital, false),
        (READER, own_digital, false),
        (READER, sewer, false),
        (STRANGER, own_digital, false),
    ];
    for (actor, parts, allowed) in cases {
        let (before, refused_before) = f.counts();
        let result = f.report(actor, parts);
        let (after, refused_after) = f.counts();
        assert_eq!(result.is_ok(), allowed, "{actor} {parts:?}: {result:?}");
        if allowed {
            assert_eq!((after, refused_after), (before + 1, refused_before));
        } else {
            assert_eq!((after, refused_after), (before, refused_before + 1), "a refusal is audited and writes nothing");
        }
    }
    assert!(matches!(f.report(READER, own_digital), Err(Refusal::ReadOnly { .. })));
    assert!(matches!(f.report(STRANGER, own_digital), Err(Refusal::NotRegistered { .. })));
    assert!(matches!(f.report(DIGITAL_LEAD, sewer), Err(Refusal::OtherDepartment { .. })));
    // A removed lead may no longer report; their past reports stay.
    let mut store = f.app.store().unwrap();
    store.remove_staff(None, DIGITAL_LEAD).unwrap();
    assert!(matches!(f.report(DIGITAL_LEAD, own_digital), Err(Refusal::NotRegistered { .. })));
    assert!(store.history(18).unwrap().iter().any(|a| a.reporter == "山田"));
}

#[test]
fn every_kind_of_bad_input_is_refused_with_a_reason_and_changes_nothing() {
    // 令和10年度: every year of the plan has started, so each case meets its own refusal.
    let f = fixture_on(FiscalYear::reiwa(10));
    let cases: [([&str; 4], &str); 9] = [
        (["どこでも窓口", "搭載手続数", "R8", "92人"], "単位"),
        (["どこでも窓口", "搭載手続数", "R11", "92件"], "対象外"),
        (["どこでも窓口", "搭載手続数", "令和7年度", "92件"], "対象外"),
        (["どこでも窓口", "搭載手続数", "来年", "92件"], "年度"),
        (["ごみ収集アプリ", "搭載手続数", "R8", "92件"], "見つかりません"),
        (["どこでも窓口", "満足度", "R8", "92件"], "搭載手続数"),
        (["どこでも窓口", "搭載手続数", "R8", "-3件"], "負の値"),
        (["どこでも窓口", "搭載手続数", "R8", "たくさん"], "数値"),
        (["人流データ", "分析回数", "R9", "210件"], "目標が設定されていません"),
    ];
    for (parts, why) in cases {
        let before = f.counts();
        let refusal = f.report(ADMIN, parts).expect_err(&format!("{parts:?} should be refused"));
        assert!(refusal.to_string().contains(why), "{parts:?}: {refusal}");
        let after = f.counts();
        assert_eq!(after.0, before.0, "{parts:?} wrote an actual");
        assert_eq!(after.1, before.1 + 1, "{parts:?} was not audited");
    }
    let store = Store::open(&f.db).unwrap();
    assert!(store.all_actuals().unwrap().is_empty());
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn a_correction_appends_and_history_keeps_every_value() {
    let f = fixture();
    let first = f.report(DIGITAL_LEAD, ["どこでも窓口", "搭載手続数", "R8", "92件"]).unwrap();
    let second = f.report(ADMIN, ["どこでも窓口", "搭載手続数", "令和8年度", "９３件"]).unwrap();
    assert!(second > first);
    let store = Store::open(&f.db).unwrap();
    let history = store.history(18).unwrap();
    let values: Vec<(f64, &str)> = history.iter().map(|a| (a.value, a.reporter.as_str())).collect();
    assert_eq!(values, vec![(92.0, "山田"), (93.0, "管理者")]);
    let view = store.view().unwrap();
    let current = view.get(18, "搭載手続数", keikaku::plan::FiscalYear::reiwa(8)).unwrap();
    assert_eq!(current.id, second);
    // The table itself refuses to forget.
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    assert!(conn.execute("DELETE FROM actual", []).is_err());
    assert!(conn.execute("UPDATE actual SET value = 1", []).is_err());
    assert!(conn.execute("DELETE FROM audit", []).is_err());
}

#[test]
fn reports_written_as_sentences_are_understood() {
    let f = fixture_on(FiscalYear::reiwa(9));
    let r = f.app.resolve_message("どこでも窓口の搭載手続数、令和8年度は92件でした").unwrap();
    assert_eq!((r.page, r.kpi.as_str(), r.year.gregorian(), r.value.number), (18, "搭載手続数", 2026, 92.0));
    let r = f.app.resolve_message("漏水の発生件数はR9で180件").unwrap();
    assert_eq!((r.page, r.year.gregorian(), r.value.number), (32, 2027, 180.0));
    let r = f.app.resolve_message("生成AIの業務削減時間 令和8年度 ７，２００時間です").unwrap();
    assert_eq!((r.page, r.value.number, r.value.unit.as_deref()), (35, 7200.0, Some("時間")));
    let r = f.app.resolve_message("学校開放の利用人数は令和9年度 98,000人").unwrap();
    assert_eq!((r.page, r.kpi.as_str()), (33, "学校開放年間利用人数"));
    assert!(matches!(f.app.resolve_message("こんにちは"), Err(Refusal::NotAReport)));
    assert!(matches!(f.app.resolve_message("どこでも窓口の搭載手続数、令和8年度は92人でした"), Err(Refusal::Value(_))));
}

#[test]
fn answers_show_the_actual_and_the_export_row_matches() {
    // 令和9年度: 令和8年度 has ended, and its actuals have their verdicts.
    let f = fixture_on(FiscalYear::reiwa(9));
    f.report(DIGITAL_LEAD, ["どこでも窓口", "搭載手続数", "R8", "92件"]).unwrap();
    f.report(ADMIN, ["漏水", "発生件数", "R8", "260件"]).unwrap();
    let (_, _, json) = f.app.answer("どこでも窓口のKPI", None, Audience::Staff).unwrap();
    assert!(json.text.contains("令和8年度 (2026): 90件 ／ 実績 92件（102%・達成）"), "{}", json.text);
    assert!(json.text.contains("山田"), "staff see who reported:\n{}", json.text);
    // Today is 令和9年度: a year still ahead has nothing to report yet.
    assert!(json.text.contains("令和10年度 (2028): 100件\n"), "{}", json.text);
    let (_, _, public) = f.app.answer("どこでも窓口のKPI", None, Audience::Public).unwrap();
    assert!(public.text.contains("実績 92件") && !public.text.contains("山田"), "{}", public.text);
    let (_, _, leak) = f.app.answer("漏水のKPI", None, Audience::Staff).unwrap();
    assert!(leak.text.contains("実績 260件（95%・未達）"), "a falling count above its ceiling:\n{}", leak.text);

    let view = f.app.actuals().unwrap().unwrap();
    let csv = keikaku::actuals::export_csv(&f.app.plan(), &view, f.app.today());
    assert!(csv.starts_with(
        "\u{feff}page,title,department,kpi,fiscal_year,target,actual,unit,achievement,reported_by,reported_at,reason\r\n"
    ));
    let row = csv.lines().find(|l| l.starts_with("18,")).unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(
        &cells[..9],
        [
            "18",
            "どこでも窓口(行政手続のオンライン化)",
            "デジタル推進課",
            "搭載手続数",
            "令和8年度",
            "90件",
            "92",
            "件",
            "102% 達成"
        ]
    );
    assert_eq!(cells[9], "山田 (1001)");
    let json: serde_json::Value =
        serde_json::from_str(&keikaku::actuals::export_json(&f.app.plan(), &view, f.app.today())).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
}

/// Answers keep the actuals they read until a report (or the roster) changes: the next
/// answer after a report shows it, from this process or another.
#[test]
fn the_next_answer_after_a_report_shows_it() {
    let f = fixture_on(FiscalYear::reiwa(9));
    let kpi = |who| f.app.answer("どこでも窓口のKPI", None, who).unwrap().2.text;
    assert!(!kpi(Audience::Staff).contains("実績 92件"));
    f.report(DIGITAL_LEAD, ["どこでも窓口", "搭載手続数", "R8", "92件"]).unwrap();
    assert!(kpi(Audience::Staff).contains("実績 92件"));
    // Another connection (another process) corrects it.
    let mut other = Store::open(&f.db).unwrap();
    let resolved = f.app.resolve_parts("どこでも窓口", "搭載手続数", "R8", "93件");
    other.report(&f.app.plan(), DIGITAL_LEAD, "correction", resolved, "test").unwrap().unwrap();
    assert!(kpi(Audience::Staff).contains("実績 93件（103%・達成）"), "{}", kpi(Audience::Staff));
    // A reporter renamed on the roster: reports keep the name they were made under.
    let renamed = Staff {
        telegram_id: DIGITAL_LEAD,
        name: "山田太郎".into(),
        role: Role::Lead,
        departments: vec!["デジタル推進課".into()],
    };
    other.add_staff(&f.app.plan(), None, &renamed).unwrap();
    assert!(kpi(Audience::Staff).contains("山田"));
}

#[test]
fn unknown_departments_and_roles_are_refused_when_registering() {
    let f = fixture();
    let mut store = f.app.store().unwrap();
    let plan = f.app.plan();
    let bad = Staff { telegram_id: 5, name: "X".into(), role: Role::Lead, departments: vec!["宇宙開発課".into()] };
    let err = store.add_staff(&plan, None, &bad).unwrap_err().to_string();
    assert!(err.contains("宇宙開発課") && err.contains("デジタル推進課"), "{err}");
    let not_admin = Staff { telegram_id: 6, name: "Y".into(), role: Role::Staff, departments: vec![] };
    assert!(store.add_staff(&plan, Some(DIGITAL_LEAD), &not_admin).is_err(), "only admins manage staff");
    assert!(store.add_staff(&plan, Some(ADMIN), &not_admin).is_ok());
    assert!(Role::parse("boss").is_none());
}

/// Starts `keikaku report --batch` as `actor` against `db`.
fn batch_reporter(db: &Path, actor: i64) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_keikaku"))
        .args(["--data-dir", "data", "--index-dir"])
        .arg(common::index_dir())
        .arg("--db")
        .arg(db)
        .args(["report", "--as", &actor.to_string(), "--batch"])
        // Every year of the plan has ended: each line is accepted, whatever today's date.
        .env("KEIKAKU_TODAY", "2029-05-01")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

const LINES: [&str; 4] = [
    "どこでも窓口\t搭載手続数\tR8\t{}件",
    "生成AIの導入\t業務削減時間\tR9\t{}時間",
    "漏水\t発生件数\tR10\t{}件",
    "学校開放予約\t学校開放年間利用人数\tR8\t{}人",
];

#[test]
fn concurrent_writers_in_several_processes_lose_nothing() {
    let f = fixture();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let db = f.db.clone();
            std::thread::spawn(move || {
                let mut child = batch_reporter(&db, ADMIN);
                let mut stdin = child.stdin.take().unwrap();
                for n in 0..25 {
                    writeln!(stdin, "{}", LINES[n % 4].replace("{}", &(w * 1000 + n).to_string())).unwrap();
                }
                drop(stdin);
                let out = child.wait_with_output().unwrap();
                String::from_utf8(out.stdout).unwrap().lines().filter(|l| l.starts_with("ok ")).count()
            })
        })
        .collect();
    let acknowledged: usize = writers.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(acknowledged, 100);
    let store = Store::open(&f.db).unwrap();
    assert_eq!(store.all_actuals().unwrap().len(), 100);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// A tiny deterministic generator: the test is random in where it kills, yet repeatable.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn every_acknowledged_report_survives_sigkill_at_random_points() {
    let f = fixture();
    let seed = std::env::var("KEIKAKU_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_124);
    let mut rng = Lcg(seed);
    let mut acknowledged: Vec<i64> = Vec::new();
    for round in 0..6 {
        let mut child = batch_reporter(&f.db, ADMIN);
        let mut stdin = child.stdin.take().unwrap();
        let mut acks = BufReader::new(child.stdout.take().unwrap());
        let kill_at = 1 + rng.below(30) as usize;
        for n in 0..=kill_at {
            writeln!(stdin, "{}", LINES[n % 4].replace("{}", &(round * 100 + n).to_string())).unwrap();
            stdin.flush().unwrap();
            if n == kill_at {
                // Mid-write: the report was sent, its acknowledgement not yet read.
                std::thread::sleep(std::time::Duration::from_micros(rng.below(3000)));
                break;
            }
            let mut line = String::new();
            acks.read_line(&mut line).unwrap();
            let id = line.trim().strip_prefix("ok ").unwrap_or_else(|| panic!("not acknowledged: {line}"));
            acknowledged.push(id.parse().unwrap());
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    let store = Store::open(&f.db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let ids: std::collections::HashSet<i64> = store.all_actuals().unwrap().iter().map(|a| a.id).collect();
    let lost: Vec<&i64> = acknowledged.iter().filter(|id| !ids.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(ids.len() >= acknowledged.len());
    // Every write that reached the table is also in the audit log (same transaction).
    let audited: std::collections::HashSet<i64> = rusqlite::Connection::open(&f.db)
        .unwrap()
        .prepare("SELECT actual_id FROM audit WHERE actual_id IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(audited, ids);
}
