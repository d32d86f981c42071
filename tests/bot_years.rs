//! The staff bot and the fiscal year (issue 21), through the fake Bot API with today's year
//! fixed: the guided flow offers only years that have started and a sentence for one that
//! has not is refused; a 未達 report asks for its reason and keeps it; `/missing` lists the
//! ended year's KPIs without an actual, a page at a time, for leads and administrators only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/fake_telegram.rs"]
mod fake;
#[path = "support/harness.rs"]
mod harness;

use fake::FakeTelegram;
use harness::*;
use keikaku::actuals::Store;
use keikaku::bot::Mode;
use keikaku::plan::FiscalYear;

/// The staff bot with today in `today`'s fiscal year.
async fn staff_bot(today: FiscalYear) -> Harness {
    start_custom(Mode::Staff, FakeTelegram::start().await.unwrap(), None, move |app| app.with_today(today)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn years_not_started_are_neither_offered_nor_taken() {
    // 令和8年度 runs: 令和9年度 and 令和10年度 have not started.
    let h = staff_bot(FiscalYear::reiwa(8)).await;
    h.fake.message(LEAD, "どこでも窓口の搭載手続数、来年度は96件");
    let refused = h.reply(LEAD, 1).await;
    assert!(
        refused.text().contains("報告できません") && refused.text().contains("まだ始まっていません"),
        "{}",
        refused.text()
    );
    h.fake.message(LEAD, "/report どこでも窓口 搭載手続数 R9 96件");
    assert!(h.reply(LEAD, 2).await.text().contains("令和9年度はまだ始まっていません"));
    h.fake.message(LEAD, "/report");
    let menu = h.reply(LEAD, 3).await;
    let ri = buttons(&menu).into_iter().find(|(l, _)| l.starts_with("p.18 ")).unwrap().1;
    h.fake.callback(LEAD, LEAD, 50, &ri);
    let years = h.edits(1).await.pop().unwrap();
    let offered: Vec<String> = buttons(&years).into_iter().map(|(l, _)| l).collect();
    assert_eq!(offered, ["令和8年度"], "only the years that have started");
    assert!(h.actual_values().is_empty());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missed_target_asks_for_its_reason_and_missing_lists_what_is_left() {
    // 令和9年度: 令和8年度 has ended.
    let h = staff_bot(FiscalYear::reiwa(9)).await;
    h.fake.message(LEAD, "/report どこでも窓口 搭載手続数 R8 80件");
    let preview = h.reply(LEAD, 1).await;
    assert!(preview.text().contains("89%・未達"), "{}", preview.text());
    let ok = buttons(&preview).into_iter().find(|(l, _)| l == "確定").unwrap().1;
    h.fake.callback(LEAD, LEAD, 99, &ok);
    h.edits(1).await;
    let ask = h.reply(LEAD, 2).await;
    assert!(ask.text().contains("目標に届かなかった理由"), "{}", ask.text());
    h.fake.message(LEAD, "システム更改が年度末にずれ込んだため");
    assert!(h.reply(LEAD, 3).await.text().contains("未達の理由を記録しました"));
    let history = Store::open(&h.db).unwrap().history(18).unwrap();
    assert_eq!(history[0].reason.as_deref(), Some("システム更改が年度末にずれ込んだため"));
    h.fake.message(LEAD, "/history どこでも窓口");
    assert!(h.reply(LEAD, 4).await.text().contains("未達の理由: システム更改"));

    // What is missing for 令和8年度, a page at a time.
    h.fake.message(LEAD, "/missing");
    let first = h.reply(LEAD, 5).await;
    assert!(first.text().contains("令和8年度 (2026) の未報告KPI"), "{}", first.text());
    assert!(
        first.text().contains("デジタル推進課（報告: 山田）") && !first.text().contains("p.18 "),
        "{}",
        first.text()
    );
    let next = buttons(&first).into_iter().find(|(l, _)| l.starts_with("次へ")).expect("paged").1;
    h.fake.callback(LEAD, LEAD, 0, &next);
    let second = h.edits(2).await.pop().unwrap();
    assert!(buttons(&second).iter().any(|(l, _)| l.starts_with("2/")), "{:?}", buttons(&second));
    h.fake.message(LEAD, "/missing R9");
    assert!(h.reply(LEAD, 6).await.text().contains("まだ終わっていません"));
    h.fake.message(READER, "/missing");
    assert!(h.reply(READER, 1).await.text().contains("担当リーダーと管理者"));
    h.stop().await;

    let public = start(Mode::Public).await;
    public.fake.message(LEAD, "/missing");
    assert!(public.reply(LEAD, 1).await.text().contains("そのコマンドはありません"));
    public.stop().await;
}
