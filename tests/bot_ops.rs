//! The bot in service, against the fake Bot API on 127.0.0.1: what it must not send (edits
//! Telegram refuses) and what it must not write to its log (residents' ids).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/fake_telegram.rs"]
mod fake;
#[path = "support/harness.rs"]
mod harness;

use fake::Call;
use harness::*;
use keikaku::bot::Mode;

fn edits(calls: &[Call]) -> Vec<&Call> {
    calls.iter().filter(|c| c.method == "editMessageText").collect()
}

/// Pressing the section a card already shows sends no edit: Telegram would refuse it
/// ("message is not modified", 400). Two presses that race (both sent before the first
/// edit) get that 400 for the second, and the bot takes it quietly and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pressing_the_section_already_shown_sends_no_edit() {
    let h = start(Mode::Public).await;
    h.fake.message(STRANGER, "どこでも窓口のKPI");
    let card = h.reply(STRANGER, 1).await;
    let id = card.message_id.unwrap();
    let section = |label: &str| buttons(&card).into_iter().find(|(l, _)| l == label).unwrap().1;
    h.fake.callback(STRANGER, STRANGER, id, &section("方法"));
    h.edits(1).await;
    // The card shows 方法 now: two more presses, each carrying that text and those buttons.
    for n in 2..=3 {
        h.fake.callback(STRANGER, STRANGER, id, &section("方法"));
        h.fake.message(STRANGER, "どこでも窓口のKPI");
        // A chat's updates are handled in order: once this reply is out, the press was handled.
        h.reply(STRANGER, n).await;
    }
    let calls = h.fake.calls();
    assert_eq!(edits(&calls).len(), 1, "{:#?}", edits(&calls));

    // Two presses of 効果 on the new card before either is answered: both see the KPI card,
    // so both edit, and Telegram refuses the second.
    let card = h.reply(STRANGER, 3).await;
    let id = card.message_id.unwrap();
    let effects = buttons(&card).into_iter().find(|(l, _)| l == "効果").unwrap().1;
    h.fake.callback(STRANGER, STRANGER, id, &effects);
    h.fake.callback(STRANGER, STRANGER, id, &effects);
    h.fake.message(STRANGER, "いつまで？");
    let follow = h.reply(STRANGER, 4).await;
    assert!(follow.text().contains("取組期間"), "the bot goes on: {}", follow.text());
    let calls = h.fake.calls();
    let on_card: Vec<_> = edits(&calls).into_iter().filter(|c| c.params["message_id"] == id).collect();
    assert_eq!(on_card.len(), 2, "{on_card:#?}");
    assert_eq!(on_card[0].message_id, Some(id), "the first edit is taken");
    assert_eq!(on_card[1].message_id, None, "the second is refused as not modified");
    h.stop().await;
}
