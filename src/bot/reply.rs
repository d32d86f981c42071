//! A turn's [`Reply`] drawn on Telegram: the card as HTML with its buttons
//! ([`keyboard::reply`]), sent as a new message or put in place of the card pressed; what
//! it says after; the KPI charts as pictures.

use teloxide::types::{ChatId, Message};

use super::outbox::{edit_pressed, send_html, send_photo};
use super::{BotState, keyboard};
use crate::answer::{escape, render_html};
use crate::app::App;
use crate::conversation::Reply;

/// Sends `reply` to `chat` as new messages.
pub(super) async fn send(state: &BotState, chat: ChatId, reply: &Reply) -> Result<(), teloxide::RequestError> {
    let bot = &state.outbox;
    if let Some(card) = &reply.card {
        send_html(bot, chat, &render_html(card), keyboard::reply(reply)).await?;
    }
    after(state, chat, reply).await
}

/// Puts `reply`'s card in place of the card pressed in `message` (the 👍 / 👎 row stays with
/// it as its sections change), then sends what follows.
pub(super) async fn pressed(state: &BotState, message: &Message, reply: &Reply) -> Result<(), teloxide::RequestError> {
    if let Some(card) = &reply.card {
        let mut markup = keyboard::reply(reply);
        if reply.offers.page.is_none()
            && let Some(row) = message.reply_markup().and_then(keyboard::feedback_row)
        {
            markup = Some(keyboard::with_row(markup, row));
        }
        edit_pressed(&state.outbox, message, &render_html(card), markup).await?;
    }
    after(state, message.chat.id, reply).await
}

/// What follows a card: a message of its own, the charts asked for.
async fn after(state: &BotState, chat: ChatId, reply: &Reply) -> Result<(), teloxide::RequestError> {
    let bot = &state.outbox;
    if let Some(say) = reply.say {
        send_html(bot, chat, &escape(say), None).await?;
    }
    if let Some(page) = reply.charts {
        let app = state.app.clone();
        let drawn = tokio::task::spawn_blocking(move || charts(&app, page)).await.map_err(|e| e.to_string());
        match drawn.and_then(|charts| charts) {
            Ok(charts) => {
                for (png, caption) in charts {
                    send_photo(bot, chat, png, &caption).await?;
                }
            }
            Err(why) => {
                tracing::warn!(error = %why, "a chart could not be drawn");
                send_html(bot, chat, "グラフを表示できませんでした。表の数値をご覧ください。", None).await?;
            }
        }
    }
    Ok(())
}

/// The KPI charts of the initiative on `page` as PNGs with their captions (the chart's text
/// alternative), public: actuals without reporters.
fn charts(app: &App, page: u16) -> Result<Vec<(Vec<u8>, String)>, String> {
    let renderer = crate::chart::png::shared()?;
    let plan = app.plan();
    let i = plan.initiative(page).ok_or("no such initiative")?;
    let view = app.actuals().map_err(|e| e.to_string())?;
    i.kpis
        .iter()
        .filter(|k| crate::chart::drawable(k))
        .take(4)
        .enumerate()
        .map(|(n, kpi)| {
            let chart = crate::chart::Chart::of(i, kpi, &plan.years, view.as_deref(), app.today());
            let png = renderer.png(&crate::chart::svg(&chart, &format!("k{n}")), 2.0).map_err(|e| e.to_string())?;
            Ok((png, chart.description()))
        })
        .collect()
}
