//! Golden tests of the rendered cards: plain text and Telegram HTML, for each kind of answer.
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test`), and commit
//! the `.snap` files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use keikaku::answer::{card, render_html, render_text};
use keikaku::search::Engine;

fn both(engine: &Engine, question: &str) -> String {
    let outcome = engine.ask(question);
    let c = card(engine.plan(), &outcome);
    format!("{}\n---- html ----\n{}\n", render_text(&c), render_html(&c))
}

#[test]
fn golden_cards() {
    let engine = common::engine();
    let cases = [
        ("kpi_p18", "どこでも窓口のKPI"),
        ("kpi_lower_is_better_p32", "漏水の件数目標"),
        ("kpi_reduction_with_baseline_p42", "書庫の箱数はどれくらい減らすの？"),
        ("kpi_single_year_p37", "人流データのKPI"),
        ("kpi_year_asked_p33", "令和9年度の学校開放の利用人数目標は？"),
        ("kpi_none_p40", "各種システムのクラウド化の数値目標は？"),
        ("overview_p62", "交通系ICカード導入事業"),
        ("period_single_year_p19", "eLTAX更改対応事業の取組期間は？"),
        ("schedule_p46", "固定資産税GIS導入のスケジュールを教えてください"),
        ("schedule_empty_p26", "AIデマンド交通のスケジュール"),
        ("department_p22", "証明書の自動交付の担当課は"),
        ("ambiguous_kpi", "搭載手続数の目標ってどうなってる？"),
        ("ambiguous_overview", "コンビニ交付"),
        ("list_policy_3", "基本方針3の取組一覧"),
        ("list_year", "令和9年度から始まる取組はある？"),
        ("not_found_budget", "生成AI導入の予算はいくら？"),
        ("not_found_nothing", "ごみの収集日を知りたい"),
    ];
    for (name, question) in cases {
        insta::assert_snapshot!(name, both(&engine, question), question);
    }
}

#[test]
fn html_hostile_questions_are_escaped() {
    let engine = common::engine();
    for q in ["<script>alert(1)</script>コンビニ交付", "どこでも窓口 & <b>KPI</b>", "<b>ごみ</b>の日"] {
        let html = render_html(&card(engine.plan(), &engine.ask(q)));
        assert!(!html.contains("<script>") && !html.contains("<b>ごみ") && !html.contains("& <"), "{html}");
        let tags: Vec<&str> = html.match_indices('<').map(|(i, _)| &html[i..]).collect();
        for t in tags {
            assert!(["<b>", "</b>", "<i>", "</i>"].iter().any(|ok| t.starts_with(ok)), "unexpected tag in {html}");
        }
    }
}

/// The cards of actuals and of the help, which the bot renders as HTML and the terminal as
/// text: a report before it is written, an initiative's history, the roster, the help.
#[test]
fn golden_actuals_and_help_cards() {
    use keikaku::actuals::Role;
    use keikaku::answer::{HelpFor, help_card, history_card, report_card, roster_card};
    let both = |c: &keikaku::answer::Card| format!("{}\n---- html ----\n{}\n", render_text(c), render_html(c));
    let (_dir, _db, app) = common::app_with_roster(&[
        (1001, "山田", Role::Lead, &["デジタル推進課"]),
        (1, "管理者", Role::Admin, &[]),
        (2002, "佐藤 <b>", Role::Staff, &[]),
    ]);
    let plan = app.plan();
    let mut store = app.store().unwrap();

    let first = app.resolve_parts("どこでも窓口", "搭載手続数", "R8", "88件").unwrap();
    let today = app.today();
    insta::assert_snapshot!("report_preview", both(&report_card(&plan, &first, "この内容で記録しますか？", today)));
    let slip = app.resolve_message("どこでも窓口の搭載手続数、令和8年度は9200000件でした").unwrap();
    insta::assert_snapshot!(
        "report_preview_warning",
        both(&report_card(&plan, &slip, "この内容で記録しますか？", today))
    );

    store.report(&plan, 1001, "first", Ok(first), "test").unwrap().unwrap();
    let second = app.resolve_parts("どこでも窓口", "搭載手続数", "R8", "92件").unwrap();
    store.report(&plan, 1001, "second", Ok(second), "test").unwrap().unwrap();
    let mut rows = store.history(18).unwrap();
    for (n, a) in rows.iter_mut().enumerate() {
        a.reported_at = 1_780_000_000 + 3600 * n as i64; // the clock, fixed
    }
    let i = plan.initiative(18).unwrap();
    insta::assert_snapshot!("history_p18", both(&history_card(&plan, i, &rows, &store.view().unwrap(), today)));
    insta::assert_snapshot!("roster", both(&roster_card(&store.list_staff().unwrap())));

    insta::assert_snapshot!("help_terminal", both(&help_card(&plan, HelpFor::Terminal)));
    let commands = "/kpi — 取組のKPI\n/list — 取組の一覧";
    insta::assert_snapshot!("help_bot_reporter", both(&help_card(&plan, HelpFor::Bot { commands, reporter: true })));
}

#[test]
fn golden_review_and_taught_cards() {
    use keikaku::actuals::ReviewStatus;
    use keikaku::answer::{review_card, taught_card};
    use keikaku::review::ReviewItem;
    use keikaku::teach::Lesson;
    let both = |c: &keikaku::answer::Card| format!("{}\n---- html ----\n{}\n", render_text(c), render_html(c));
    let items = [
        ReviewItem {
            ids: vec![12, 15, 31],
            question: "ごみの収集日を知りたい".into(),
            count: 3,
            people: 2,
            last: 1_780_000_000,
            not_found: 3,
            down: 0,
            answered: ("not_found".into(), vec![]),
            wanted: vec![],
            status: ReviewStatus::Pending,
        },
        ReviewItem {
            ids: vec![20],
            question: "子どもの注射 <予約>".into(),
            count: 1,
            people: 1,
            last: 1_780_003_600,
            not_found: 0,
            down: 1,
            answered: ("overview".into(), vec![64, 65]),
            wanted: vec!["予約のしかた".into()],
            status: ReviewStatus::Pending,
        },
    ];
    insta::assert_snapshot!("review", both(&review_card(&items, "見直す質問（30日・未対応）")));
    insta::assert_snapshot!("review_empty", both(&review_card(&[], "見直す質問（30日・未対応）")));
    let lessons = [
        Lesson { word: "でこぼこ".into(), terms: vec!["陥没".into()] },
        Lesson { word: "注射".into(), terms: vec!["予防接種".into(), "ワクチン接種".into()] },
    ];
    let examples = [
        keikaku::teach::Example::new(
            "予防接種の予診票って紙じゃなくなるの？",
            keikaku::teach::Meaning::Initiative { page: 64, intent: "methods".into() },
        ),
        keikaku::teach::Example::new("粗大ごみの出し方", keikaku::teach::Meaning::Outside),
    ];
    insta::assert_snapshot!("taught", both(&taught_card(&lessons, &examples)));
    insta::assert_snapshot!("taught_none", both(&taught_card(&[], &[])));
}
