//! The real bot (its handler tree, teloxide's own client) against a fake Bot API server on
//! 127.0.0.1: questions, buttons, paging, inline mode, groups, the three ways of reporting,
//! refusals, hostile input, long answers, and a burst of 429s and 502s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/fake_telegram.rs"]
mod fake;
#[path = "support/harness.rs"]
mod harness;

use std::time::Duration;

use fake::{BOT_USERNAME, Call, Failure, FakeTelegram};
use harness::*;
use keikaku::actuals::Store;
use keikaku::app::App;
use keikaku::bot::Mode;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_question_gets_a_card_with_section_buttons_that_edit_in_place() {
    let h = start(Mode::Staff).await;
    h.fake.message(LEAD, "どこでも窓口のKPI");
    let reply = h.reply(LEAD, 1).await;
    assert_eq!(reply.params["parse_mode"], "HTML");
    assert!(
        reply.text().contains("搭載手続数") && reply.text().contains("90件") && reply.text().contains("p.18"),
        "{}",
        reply.text()
    );
    assert_valid_html(reply.text());
    let b = buttons(&reply);
    let labels: Vec<&str> = b.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["概要", "方法", "効果", "期間・予定", "📈 グラフ", "👍 解決した", "👎 解決しない"]);
    assert!(b.iter().all(|(_, d)| d.len() <= 64));
    // 方法 edits the message into the methods card.
    let methods = b.iter().find(|(l, _)| l == "方法").unwrap().1.clone();
    h.fake.callback(LEAD, LEAD, 2, &methods);
    let edits = h.edits(1).await;
    assert!(
        edits[0].text().contains("具体的方法") && edits[0].text().contains("搭載手続の拡大"),
        "{}",
        edits[0].text()
    );
    assert_eq!(edits[0].params["message_id"], 2);
    // The 👍 / 👎 row stays with the card as its sections change.
    assert!(
        buttons(&edits[0]).iter().any(|(l, d)| l == "👎 解決しない" && d.starts_with("v:")),
        "{:?}",
        buttons(&edits[0])
    );
    // A follow-up is about the same initiative.
    h.fake.message(LEAD, "いつまで？");
    let follow = h.reply(LEAD, 2).await;
    assert!(follow.text().contains("取組期間") && follow.text().contains("令和10年度"), "{}", follow.text());
    h.stop().await;
}

/// The conversation contract (`common::CONVERSATION`) on the public bot: a question, a
/// follow-up, a candidate picked, a page turned, a 👎 with what they wanted give the same
/// cards and the same logged outcome as on LINE and in the terminal core, the 👎 kept on
/// the answer whose id its button carried.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bot_holds_the_conversation_contract() {
    use common::Step;
    let h = start(Mode::Public).await;
    let (mut sent, mut edited, mut voted) = (0, 0, None);
    let mut last: Option<Call> = None;
    for (step, expected) in common::CONVERSATION {
        let press = |data: &str| h.fake.callback(STRANGER, STRANGER, last.as_ref().unwrap().message_id.unwrap(), data);
        let pressable = last.as_ref().map(buttons).unwrap_or_default();
        let text = match step {
            Step::Say(q) => {
                h.fake.message(STRANGER, q);
                sent += 1;
                let reply = h.reply(STRANGER, sent).await;
                last = Some(reply.clone());
                reply.text().to_string()
            }
            Step::Pick(_) | Step::NextPage => {
                let data = match step {
                    Step::Pick(page) => {
                        let show = format!("s:{page}:");
                        pressable.iter().find(|(_, d)| d.starts_with(&show)).unwrap().1.clone()
                    }
                    _ => pressable.iter().find(|(l, _)| l == "次へ ▶").expect("a next page").1.clone(),
                };
                press(&data);
                edited += 1;
                h.edits(edited).await[edited - 1].text().to_string()
            }
            Step::Down => {
                let down = pressable.iter().find(|(l, _)| l == "👎 解決しない").expect("👎 under the answer").1.clone();
                voted = Some(common::voted_on(&down));
                press(&down);
                sent += 1;
                h.reply(STRANGER, sent).await.text().to_string()
            }
        };
        for e in expected {
            assert!(text.contains(e), "{step:?} → {text}");
        }
    }
    let expected = common::expected_log();
    let rows = h.logged(expected.len()).await;
    assert_eq!(common::logged(&rows), expected);
    common::assert_linked(&rows, voted.unwrap());
    assert!(rows.iter().all(|r| r.channel == "telegram" && r.public), "{rows:?}");
    h.stop().await;
}

/// 「📈 グラフ」 under a KPI card sends the charts as pictures, captioned with their text
/// alternative; the staff bot's show the actual without who reported it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_graph_button_sends_the_kpi_chart_as_a_picture() {
    let h = start(Mode::Public).await;
    h.fake.message(STRANGER, "どこでも窓口のKPI");
    let card = h.reply(STRANGER, 1).await;
    let graph = buttons(&card).into_iter().find(|(l, _)| l == "📈 グラフ").expect("a graph button").1;
    assert_eq!(graph, "g:18");
    h.fake.callback(STRANGER, STRANGER, card.message_id.unwrap(), &graph);
    let calls = h.fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "sendPhoto")).await;
    let photo = calls.iter().find(|c| c.method == "sendPhoto").unwrap();
    let raw = photo.params["raw"].as_str().unwrap();
    assert!(raw.contains("PNG") && raw.contains("IHDR"), "a PNG is sent");
    assert!(raw.contains("搭載手続数") && raw.contains("令和8年度: 目標 90件"), "captioned with the text alternative");
    // An overview card has no graph button; a card without KPIs neither.
    h.fake.message(STRANGER, "各種システムのクラウド化の数値目標は？");
    let none = h.reply(STRANGER, 2).await;
    assert!(buttons(&none).iter().all(|(l, _)| l != "📈 グラフ"), "{:?}", buttons(&none));
    h.stop().await;
}

/// A deployment that must not keep what residents ask (`KEIKAKU_QUESTION_LOG=off`): no row
/// is written, and no 👍 / 👎 is offered (there would be nothing to keep them with).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_the_question_log_off_nothing_is_kept_and_no_vote_is_offered() {
    let fake = FakeTelegram::start().await.unwrap();
    let h = start_custom(Mode::Public, fake, None, App::without_question_log).await;
    h.fake.message(STRANGER, "どこでも窓口のKPI");
    let reply = h.reply(STRANGER, 1).await;
    assert!(reply.text().contains("搭載手続数"));
    assert!(buttons(&reply).iter().all(|(_, d)| !d.starts_with("v:")), "{:?}", buttons(&reply));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(Store::open(&h.db).unwrap().questions_since(0).unwrap().is_empty());
    h.stop().await;
}

/// Every question the public bot answers is logged for review — under a pseudonym, never the
/// resident's Telegram id.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_public_bot_logs_questions_without_telegram_ids() {
    let h = start(Mode::Public).await;
    h.fake.message(STRANGER, "ごみの収集日を知りたい");
    h.reply(STRANGER, 1).await;
    h.fake.message(STRANGER, "/kpi どこでも窓口");
    h.reply(STRANGER, 2).await;
    let rows = h.logged(2).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.public && r.channel == "telegram" && r.asker != STRANGER.to_string()));
    assert_eq!(rows[0].intent, "not_found");
    assert_eq!(
        (rows[1].question.as_str(), rows[1].intent.as_str(), rows[1].pages.first()),
        ("/kpi どこでも窓口", "kpi", Some(&18))
    );
    h.stop().await;
}

/// 「解決しましたか？」: 👎 asks what they wanted and keeps the reply with the question (which
/// is still answered); a second press changes the vote; nobody else can vote on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thumbs_down_keeps_what_they_wanted_and_a_second_press_changes_the_vote() {
    let h = start(Mode::Public).await;
    h.fake.message(STRANGER, "ごみの収集日を知りたい");
    let reply = h.reply(STRANGER, 1).await;
    let votes: Vec<_> = buttons(&reply).into_iter().filter(|(_, d)| d.starts_with("v:")).collect();
    assert_eq!(votes.len(), 2, "{votes:?}");
    let (up, down) = (votes[0].1.clone(), votes[1].1.clone());

    h.fake.callback(STRANGER, STRANGER, 2, &down);
    let ask = h.reply(STRANGER, 2).await;
    assert!(ask.text().contains("何を知りたかった"), "{}", ask.text());
    h.fake.message(STRANGER, "燃えるごみの曜日");
    h.reply(STRANGER, 3).await; // answered as any question
    let rows = h.logged(2).await;
    assert_eq!((rows[0].vote, rows[0].wanted.as_deref()), (Some(-1), Some("燃えるごみの曜日")));
    assert_eq!(rows.len(), 2, "the reply is itself a logged question: {rows:?}");

    // Someone else pressing the same button (a forwarded card) changes nothing.
    h.fake.callback(STRANGER + 1, STRANGER + 1, 2, &up);
    // The asker changes their mind: one vote, now 👍.
    h.fake.callback(STRANGER, STRANGER, 2, &up);
    h.fake.wait_for(WAIT, |c| c.iter().filter(|c| c.method == "answerCallbackQuery").count() >= 3).await;
    let rows = Store::open(&h.db).unwrap().questions_since(0).unwrap();
    assert_eq!(rows[0].vote, Some(1));
    let toasts: Vec<String> = h
        .fake
        .calls_of("answerCallbackQuery")
        .iter()
        .map(|c| c.params["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(toasts.contains(&"この操作は使えません".to_string()), "{toasts:?}");
    h.stop().await;
}

/// A 👎 with what they wanted shows in an administrator's /review; /stats counts it; neither
/// is for anyone but administrators.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thumbs_down_with_what_they_wanted_shows_in_review() {
    let h = start(Mode::Staff).await;
    h.fake.message(READER, "ごみの収集日を知りたい");
    let reply = h.reply(READER, 1).await;
    let down = buttons(&reply).into_iter().find(|(l, _)| l.contains("👎")).unwrap().1;
    h.fake.callback(READER, READER, reply.message_id.unwrap(), &down);
    h.reply(READER, 2).await; // 何を知りたかったですか？
    h.fake.message(READER, "燃えるごみの曜日");
    h.reply(READER, 3).await;
    h.logged(2).await;

    h.fake.message(LEAD, "/review");
    assert!(h.reply(LEAD, 1).await.text().contains("管理者だけ"));
    h.fake.message(ADMIN, "/review");
    let review = h.reply(ADMIN, 1).await;
    assert!(
        review.text().contains("ごみの収集日を知りたい")
            && review.text().contains("知りたかったこと: 燃えるごみの曜日"),
        "{}",
        review.text()
    );
    assert_valid_html(review.text());
    h.fake.message(ADMIN, "/stats");
    let stats = h.reply(ADMIN, 2).await;
    assert!(stats.text().contains("質問 2件") && stats.text().contains("👎 1"), "{}", stats.text());
    h.stop().await;
}

/// What Telegram receives for a card, text and buttons, pinned: the README shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_telegram_card_is_pinned_as_sent() {
    let h = start(Mode::Public).await;
    h.fake.message(STRANGER, "どこでも窓口のKPI");
    let reply = h.reply(STRANGER, 1).await;
    let mut rows = Vec::new();
    for row in reply.params.pointer("/reply_markup/inline_keyboard").and_then(Value::as_array).unwrap() {
        let labels: Vec<String> =
            row.as_array().unwrap().iter().map(|b| format!("[ {} ]", b["text"].as_str().unwrap())).collect();
        rows.push(labels.join(" "));
    }
    let sent = format!("parse_mode: {}\n\n{}\n\n{}\n", reply.params["parse_mode"], reply.text(), rows.join("\n"));
    insta::assert_snapshot!("telegram_card_kpi_p18", sent);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_ambiguous_question_offers_candidates_and_a_press_shows_the_card() {
    let h = start(Mode::Public).await;
    h.fake.message(700, "コンビニ交付");
    let reply = h.reply(700, 1).await;
    assert!(reply.text().contains("2件"), "{}", reply.text());
    let b: Vec<_> = buttons(&reply).into_iter().filter(|(_, d)| d.starts_with("s:")).collect();
    assert_eq!(b.len(), 2, "{b:?}");
    h.fake.callback(700, 700, 2, &b[1].1);
    let edits = h.edits(1).await;
    assert!(
        edits[0].text().contains("証明書の自動交付") || edits[0].text().contains("戸籍証明書"),
        "{}",
        edits[0].text()
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn list_pages_with_buttons() {
    let h = start(Mode::Public).await;
    h.fake.message(701, "/list 基本方針2");
    let reply = h.reply(701, 1).await;
    assert!(reply.text().contains("26件・1–10件目"), "{}", reply.text());
    let next = buttons(&reply).into_iter().find(|(l, _)| l.contains("次へ")).unwrap().1;
    h.fake.callback(701, 701, 2, &next);
    let edits = h.edits(1).await;
    assert!(edits[0].text().contains("11–20件目"), "{}", edits[0].text());
    let labels: Vec<String> = buttons(&edits[0]).into_iter().map(|(l, _)| l).collect();
    assert!(labels.iter().any(|l| l.contains("前へ")) && labels.iter().any(|l| l == "2/3"), "{labels:?}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inline_queries_offer_cards_to_share() {
    let h = start(Mode::Public).await;
    h.fake.inline_query(702, "どこでも窓口");
    let calls = h.fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "answerInlineQuery")).await;
    let answer = calls.iter().find(|c| c.method == "answerInlineQuery").unwrap();
    let results = answer.params["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert_eq!(results[0]["title"], "どこでも窓口(行政手続のオンライン化)");
    let text = results[0]["input_message_content"]["message_text"].as_str().unwrap();
    assert!(text.contains("搭載手続数"), "{text}");
    assert_valid_html(text);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_groups_only_commands_and_mentions_are_answered() {
    let h = start(Mode::Public).await;
    let group = -100_123;
    h.fake.chat_message(group, "group", 703, "どこでも窓口のKPI");
    h.fake.chat_message(group, "group", 703, "/kpi@other_bot どこでも窓口");
    h.fake.chat_message(group, "group", 703, &format!("@{BOT_USERNAME} 生成AIのKPI"));
    let first = h.reply(group, 1).await;
    assert!(first.text().contains("7,000時間"), "the mention is answered, the plain message is not: {}", first.text());
    h.fake.chat_message(group, "group", 703, &format!("/kpi@{BOT_USERNAME} どこでも窓口"));
    let second = h.reply(group, 2).await;
    assert!(second.text().contains("搭載手続数"), "{}", second.text());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sent_to(&h.fake.calls(), group).len(), 2, "nothing else was answered");
    h.stop().await;
}

/// Presses the 確定 button of a preview and waits for the edit.
async fn confirm(h: &Harness, user: i64, preview: &Call, edits_before: usize) -> Call {
    let ok =
        buttons(preview).into_iter().find(|(l, _)| l == "確定").unwrap_or_else(|| panic!("no 確定 in {preview:?}")).1;
    h.fake.callback(user, user, 99, &ok);
    h.edits(edits_before + 1).await.pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_three_ways_of_reporting_write_only_on_confirm_and_only_once() {
    let h = start(Mode::Staff).await;
    // 1. /report with arguments.
    h.fake.message(LEAD, "/report どこでも窓口 搭載手続数 R8 92件");
    let preview = h.reply(LEAD, 1).await;
    assert!(preview.text().contains("この内容で記録しますか") && preview.text().contains("92件"), "{}", preview.text());
    assert!(h.actual_values().is_empty(), "nothing is written before 確定");
    let done = confirm(&h, LEAD, &preview, 0).await;
    assert!(done.text().contains("記録しました"), "{}", done.text());
    assert_eq!(h.actual_values(), vec![(18, "搭載手続数".to_string(), 2026, 92.0)]);
    // A second press does nothing.
    let ok = buttons(&preview).into_iter().find(|(l, _)| l == "確定").unwrap().1;
    h.fake.callback(LEAD, LEAD, 99, &ok);
    let calls = h.fake.wait_for(WAIT, |c| c.iter().filter(|c| c.method == "answerCallbackQuery").count() >= 2).await;
    let last = calls.iter().rfind(|c| c.method == "answerCallbackQuery").unwrap();
    assert!(last.text().contains("すでに処理"), "{:?}", last.params);
    assert_eq!(h.actual_values().len(), 1);

    // 2. The guided flow: /report → initiative → (one indicator) → year → value. Today is
    // 令和8年度: the years to come are not offered.
    h.fake.message(LEAD, "/report");
    let menu = h.reply(LEAD, 2).await;
    let ri = buttons(&menu).into_iter().find(|(l, _)| l.starts_with("p.18 ")).expect("own initiative offered").1;
    assert!(
        !buttons(&menu).iter().any(|(l, _)| l.starts_with("p.32 ")),
        "other departments' initiatives are not offered"
    );
    h.fake.callback(LEAD, LEAD, 50, &ri);
    let years = h.edits(2).await.pop().unwrap();
    assert!(!buttons(&years).iter().any(|(l, _)| l == "令和9年度"), "a year not started is not offered");
    let ry = buttons(&years).into_iter().find(|(l, _)| l == "令和8年度").unwrap().1;
    h.fake.callback(LEAD, LEAD, 50, &ry);
    let prompt = h.edits(3).await.pop().unwrap();
    assert!(prompt.text().contains("値を送ってください") && prompt.text().contains("90件"), "{}", prompt.text());
    h.fake.message(LEAD, "９６件");
    let preview = h.reply(LEAD, 3).await;
    assert!(preview.text().contains("令和8年度") && preview.text().contains("96件"), "{}", preview.text());
    assert!(preview.text().contains("年度途中 107%（96/90件）"), "the year runs: {}", preview.text());
    confirm(&h, LEAD, &preview, 3).await;
    assert!(h.actual_values().contains(&(18, "搭載手続数".to_string(), 2026, 96.0)));

    // 3. A plain sentence from a lead.
    h.fake.message(LEAD, "どこでも窓口の搭載手続数、令和8年度は99件でした");
    let preview = h.reply(LEAD, 4).await;
    assert!(preview.text().contains("令和8年度") && preview.text().contains("99件"), "{}", preview.text());
    // 取消 writes nothing.
    let cancel = buttons(&preview).into_iter().find(|(l, _)| l == "取消").unwrap().1;
    h.fake.callback(LEAD, LEAD, 99, &cancel);
    let cancelled = h.edits(5).await.pop().unwrap();
    assert!(cancelled.text().contains("取り消しました"));
    assert_eq!(h.actual_values().len(), 2);
    h.fake.message(LEAD, "どこでも窓口の搭載手続数、令和8年度は99件でした");
    let preview = h.reply(LEAD, 5).await;
    confirm(&h, LEAD, &preview, 5).await;
    assert_eq!(h.actual_values().len(), 3);
    // The card shows it.
    h.fake.message(LEAD, "どこでも窓口のKPI");
    let card = h.reply(LEAD, 6).await;
    assert!(card.text().contains("実績 99件（年度途中 110%（99/90件））"), "{}", card.text());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn strangers_readers_other_departments_and_the_public_bot_are_refused() {
    let h = start(Mode::Staff).await;
    h.fake.message(STRANGER, "どこでも窓口のKPI");
    assert!(h.reply(STRANGER, 1).await.text().contains("職員専用"));
    h.fake.message(READER, "/report どこでも窓口 搭載手続数 R8 92件");
    assert!(h.reply(READER, 1).await.text().contains("閲覧のみ"));
    h.fake.message(LEAD, "/report 漏水 発生件数 R8 200件");
    let refused = h.reply(LEAD, 1).await;
    assert!(refused.text().contains("報告できません") && refused.text().contains("整備課"), "{}", refused.text());
    h.fake.message(LEAD, "/report どこでも窓口 搭載手続数 R8 たくさん");
    assert!(h.reply(LEAD, 2).await.text().contains("数値として読めません"));
    assert!(h.actual_values().is_empty());
    let refusals = Store::open(&h.db).unwrap().audit_log().unwrap().iter().filter(|a| a.outcome == "refused").count();
    assert_eq!(refusals, 3, "every refused write is audited");
    h.stop().await;

    let public = start(Mode::Public).await;
    public.fake.message(LEAD, "/report どこでも窓口 搭載手続数 R8 92件");
    assert!(public.reply(LEAD, 1).await.text().contains("閲覧専用"));
    public.fake.message(LEAD, "どこでも窓口の搭載手続数、令和8年度は92件でした");
    let answer = public.reply(LEAD, 2).await;
    assert!(!answer.text().contains("記録しますか") && buttons(&answer).iter().all(|(l, _)| l != "確定"));
    assert!(public.actual_values().is_empty());
    let menus = public.fake.calls_of("setMyCommands");
    let names: Vec<&str> =
        menus[0].params["commands"].as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap()).collect();
    assert_eq!(names, ["start", "help", "kpi", "list", "progress"]);
    public.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_staff_menu_differs_for_admins() {
    let h = start(Mode::Staff).await;
    let calls = h.fake.wait_for(WAIT, |c| c.iter().filter(|c| c.method == "setMyCommands").count() >= 2).await;
    let menus: Vec<&Call> = calls.iter().filter(|c| c.method == "setMyCommands").collect();
    let names = |c: &Call| -> Vec<String> {
        c.params["commands"].as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(menus[0]), ["start", "help", "kpi", "list", "progress", "report", "history", "export", "missing"]);
    assert!(names(menus[1]).contains(&"staff".to_string()));
    assert_eq!(menus[1].params["scope"]["chat_id"], ADMIN);
    assert!(
        menus[0].params["commands"].as_array().unwrap().iter().all(|c| !c["description"].as_str().unwrap().is_empty())
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn html_hostile_input_is_answered_with_valid_html() {
    let h = start(Mode::Public).await;
    for (n, q) in ["<script>alert(1)</script>", "どこでも窓口 & <b>KPI</b>", "<b>コンビニ交付</b>", "a & b < c > d"]
        .iter()
        .enumerate()
    {
        h.fake.message(704, q);
        let reply = h.reply(704, n + 1).await;
        assert_valid_html(reply.text());
        assert!(!reply.text().contains("<script>") && !reply.text().contains("<b>KPI"), "{}", reply.text());
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_very_long_answer_is_split_on_line_boundaries() {
    let h = start(Mode::Staff).await;
    {
        // Report every indicator of 令和8年度 so that the whole plan's progress runs long.
        let app = App::new(tokio::task::spawn_blocking(common::engine).await.unwrap(), &h.db);
        let plan = app.plan();
        let mut store = Store::open(&h.db).unwrap();
        for i in &plan.initiatives {
            for k in &i.kpis {
                if let Some(t) = k.target(keikaku::plan::FiscalYear::reiwa(8))
                    && t.value.is_some()
                {
                    let r = app.resolve_parts(&i.page.to_string(), &k.name, "R8", &t.display_value());
                    store.report(&plan, ADMIN, "bulk", r, "test").unwrap().unwrap();
                }
            }
        }
    }
    h.fake.message(LEAD, "/progress");
    let calls = h.fake.wait_for(WAIT, |c| sent_to(c, LEAD).len() >= 2).await;
    let parts = sent_to(&calls, LEAD);
    assert!(parts.len() >= 2, "{parts:?}");
    for p in &parts {
        assert_valid_html(p.text());
    }
    let whole: String = parts.iter().map(|p| p.text().to_string()).collect::<Vec<_>>().join("\n");
    assert!(whole.contains("アクションプラン全体の進捗") && whole.contains("スマート公民館事業"), "nothing is lost");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_429s_and_502s_delivers_every_reply_exactly_once() {
    let fake = FakeTelegram::start().await.unwrap();
    let h = start_with(Mode::Public, fake).await;
    // Wait until the bot is up, then make sending fail in every way we retry.
    h.fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "setMyCommands")).await;
    h.fake.fail_next("sendMessage", Failure::TooManyRequests(1), 3);
    h.fake.fail_next("sendMessage", Failure::Drop, 2);
    h.fake.fail_next("sendMessage", Failure::BadGateway, 1);
    let chats: Vec<i64> = (800..808).collect();
    for c in &chats {
        h.fake.message(*c, "生成AIのKPI");
    }
    h.fake.wait_for(Duration::from_secs(60), |c| chats.iter().all(|chat| !sent_to(c, *chat).is_empty())).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = h.fake.calls();
    for chat in &chats {
        let replies = sent_to(&calls, *chat);
        assert_eq!(replies.len(), 1, "chat {chat}: {} replies", replies.len());
        assert!(replies[0].text().contains("7,000時間"));
    }
    assert_eq!(h.fake.pending_failures(), 0, "every injected failure was hit");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn start_up_waits_for_an_unreachable_telegram_instead_of_crashing() {
    let fake = FakeTelegram::start().await.unwrap();
    fake.set_unavailable(true);
    let h = start_with(Mode::Public, fake).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!h.task.is_finished(), "the bot keeps trying");
    h.fake.set_unavailable(false);
    h.fake.message(705, "どこでも窓口のKPI");
    assert!(h.reply(705, 1).await.text().contains("搭載手続数"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn export_sends_the_csv_and_staff_admin_manages_the_roster() {
    let h = start(Mode::Staff).await;
    h.fake.message(ADMIN, "/staff add 4004 佐藤 lead 総務課");
    assert!(h.reply(ADMIN, 1).await.text().contains("登録しました"));
    h.fake.message(LEAD, "/staff add 4005 田中 admin");
    assert!(h.reply(LEAD, 1).await.text().contains("管理者だけ"));
    h.fake.message(4004, "/report 電子決裁 電子決裁率 R8 50%");
    let r = h.reply(4004, 1).await;
    assert!(r.text().contains("電子決裁"), "{}", r.text());
    h.fake.message(ADMIN, "/export");
    let calls = h.fake.wait_for(WAIT, |c| c.iter().any(|c| c.method == "sendDocument")).await;
    let doc = calls.iter().find(|c| c.method == "sendDocument").unwrap();
    let raw = doc.params["raw"].as_str().unwrap();
    assert!(
        raw.contains("page,title,department,kpi,fiscal_year,target,actual,unit,achievement,reported_by,reported_at"),
        "{raw}"
    );
    h.stop().await;
}

/// A token Telegram refuses (401) ends `serve` with exit code 2 and a message naming the
/// token, instead of retrying forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_ends_serve_with_exit_code_2() {
    let fake = FakeTelegram::start().await.unwrap();
    fake.fail_next("getMe", Failure::Unauthorized, 1000);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_keikaku"))
        .args(["--data-dir", "data", "--index-dir"])
        .arg(common::index_dir())
        .args(["--db"])
        .arg(std::env::temp_dir().join(format!("keikaku-badtoken-{}.db", std::process::id())))
        .args(["serve", "--mode", "public"])
        .env("TELOXIDE_TOKEN", "123:not-a-token")
        .env("TELOXIDE_API_URL", fake.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut status = None;
    for _ in 0..200 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("serve still runs 10 s after Telegram refused the token");
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TELOXIDE_TOKEN"), "{stderr}");
}

/// A line of English prose: three Latin words in a row, once command names (`/kpi`) and URLs
/// are taken out. Two are allowed, for command arguments such as `/staff remove ID`.
fn english_prose(line: &str) -> bool {
    let mut run = 0;
    for token in line.split(|c: char| c.is_whitespace() || "()[]:,.、。「」（）・—".contains(c)) {
        let latin = !token.is_empty()
            && !token.starts_with('/')
            && !token.starts_with("http")
            && token.chars().all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-')
            && token.chars().any(|c| c.is_ascii_alphabetic());
        if token.is_empty() {
            continue;
        }
        run = if latin { run + 1 } else { 0 };
        if run >= 3 {
            return true;
        }
    }
    false
}

#[test]
fn the_prose_check_finds_the_english_line_it_was_written_for() {
    assert!(english_prose("・The public (residents') bot: read-only."));
    assert!(!english_prose("/staff remove ID 名前"));
    assert!(!english_prose("https://example.org/a/b を開く"));
}

/// What a user sees of /start and /help, in both bots and for every role, is Japanese.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn start_and_help_have_no_english_prose_in_either_bot() {
    for (mode, users) in [(Mode::Public, vec![STRANGER]), (Mode::Staff, vec![ADMIN, LEAD, READER])] {
        let h = start(mode).await;
        for user in users {
            h.fake.message(user, "/start");
            let start_text = h.reply(user, 1).await;
            h.fake.message(user, "/help");
            let help = h.reply(user, 2).await;
            assert!(help.text().contains("/kpi"), "{}", help.text());
            for text in [start_text.text(), help.text()] {
                let bad: Vec<&str> = text.lines().filter(|l| english_prose(l)).collect();
                assert!(bad.is_empty(), "{mode:?} {user}: {bad:?}");
            }
        }
        h.stop().await;
    }
}
