//! # The Telegram bot, without Telegram
//!
//! The real bot — its handler tree, teloxide's own client, the same cards, buttons, follow-ups
//! and report flow — talking to the fake Bot API server of the tests on 127.0.0.1, with you
//! as a Telegram user typing in the terminal. No account, no token, no network:
//!
//! ```sh
//! cargo run --example demo                  # the public bot
//! cargo run --example demo -- --staff       # the staff bot; you are an admin of a scratch roster
//! ```
//!
//! Type a question or a command (`/help`, `/kpi どこでも窓口`, `/report`); the bot's
//! messages are printed as Telegram shows them, with their buttons numbered: type `#2` to
//! press button 2 of the last message that has buttons. Leave with `exit`, `quit`, `/quit`, `終了` or Ctrl-D. The
//! staff bot writes to a scratch database in a temporary folder, never to `data/state`.

#![allow(clippy::unwrap_used)]

#[path = "../tests/support/fake_telegram.rs"]
mod fake;

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

use fake::{Call, FakeTelegram};
use keikaku::actuals::{Role, Staff};
use keikaku::app::App;
use keikaku::bot::{self, Config, Mode};
use keikaku::search::{self, Paths, Rebuild};
use serde_json::Value;

/// You, as a Telegram user (and the chat with the bot).
const YOU: i64 = 4242;

fn main() -> anyhow::Result<()> {
    let staff = std::env::args().any(|a| a == "--staff");
    let mode = if staff { Mode::Staff } else { Mode::Public };
    let paths = Paths {
        data_dir: std::env::var_os("KEIKAKU_DATA_DIR").map_or_else(|| "data".into(), Into::into),
        index_dir: std::env::var_os("KEIKAKU_INDEX_DIR").map_or_else(|| "index".into(), Into::into),
    };
    let engine = search::open(&paths, Rebuild::IfStale)?;
    let scratch = std::env::temp_dir().join(format!("keikaku-demo-{}", std::process::id()));
    let app = App::new(engine, &scratch.join("keikaku.db"));
    if staff {
        let me = Staff { telegram_id: YOU, name: "デモ職員".into(), role: Role::Admin, departments: Vec::new() };
        app.store()?.add_staff(&app.plan(), None, &me)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(talk(Arc::new(app), mode));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

async fn talk(app: Arc<App>, mode: Mode) -> anyhow::Result<()> {
    let server = FakeTelegram::start_for(Duration::from_secs(24 * 3600)).await?;
    let config = Config {
        mode,
        token: "1:DEMO".into(),
        api_url: Some(server.url().parse()?),
        poll_timeout: Duration::from_secs(1),
        limits: bot::relaxed_limits(1000),
        probe: None,
        reload_every: None,
        delivery: bot::Delivery::default(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(bot::run(config, app, async move {
        let _ = stopped.await;
    }));
    server.wait_for(Duration::from_secs(30), |c| c.iter().any(|c| c.method == "setMyCommands")).await;
    let who =
        if mode == Mode::Staff { "職員向けボット（あなたは管理者）" } else { "市民向けボット" };
    println!(
        "keikaku demo — {who}。質問か /help を入力。ボタンは #番号 で押せます。{}",
        keikaku::answer::how_to_leave()
    );

    let mut seen = server.calls().len();
    // The last message with buttons: its id and each button's callback data.
    let mut keyboard: Option<(i64, Vec<String>)> = None;
    loop {
        print!("あなた> ");
        std::io::stdout().flush()?;
        let read = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            match std::io::stdin().lock().read_line(&mut line) {
                Ok(0) | Err(_) => None,
                Ok(_) => Some(line),
            }
        });
        let Some(line) = read.await? else {
            println!();
            break;
        };
        let line = line.trim();
        if keikaku::answer::QUIT_WORDS.contains(&line) {
            break;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(n) = line.strip_prefix('#').and_then(|n| n.trim().parse::<usize>().ok()) {
            match keyboard.as_ref().and_then(|(id, data)| Some((*id, data.get(n.checked_sub(1)?)?.clone()))) {
                Some((message_id, data)) => {
                    server.callback(YOU, YOU, message_id, &data);
                }
                None => {
                    println!("（押せるボタン #{n} はありません）");
                    continue;
                }
            }
        } else {
            server.message(YOU, line);
        }
        // The bot's answer: wait until it has said something and then fallen quiet.
        let mut last = seen;
        let mut quiet = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while quiet < 3 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = server.calls().len();
            if now > last {
                last = now;
                quiet = 0;
            } else if now > seen {
                quiet += 1;
            }
        }
        for call in &server.calls()[seen..] {
            show(call, &mut keyboard);
        }
        seen = last;
    }
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), running).await;
    Ok(())
}

/// Prints one call of the bot as Telegram would show it.
fn show(call: &Call, keyboard: &mut Option<(i64, Vec<String>)>) {
    let what = match call.method.as_str() {
        "sendMessage" => "",
        "editMessageText" => "（メッセージを書き換え）\n",
        "sendDocument" => {
            println!(
                "ボット> （ファイルを送信: {}）",
                call.params.get("caption").and_then(Value::as_str).unwrap_or("")
            );
            return;
        }
        "answerCallbackQuery" => {
            if let Some(text) = call.params.get("text").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                println!("ボット> （通知: {text}）");
            }
            return;
        }
        _ => return,
    };
    println!("ボット> {what}{}", from_html(call.text()));
    let mut data = Vec::new();
    let mut row_texts = Vec::new();
    for row in call.params.pointer("/reply_markup/inline_keyboard").and_then(Value::as_array).into_iter().flatten() {
        let mut shown = Vec::new();
        for button in row.as_array().into_iter().flatten() {
            data.push(button["callback_data"].as_str().unwrap_or("").to_string());
            shown.push(format!("[#{} {}]", data.len(), button["text"].as_str().unwrap_or("")));
        }
        row_texts.push(shown.join(" "));
    }
    if !data.is_empty() {
        println!("{}", row_texts.join("\n"));
        *keyboard = call.message_id.map(|id| (id, data));
    }
}

/// Telegram HTML as it reads: bold and italics dropped, entities restored.
fn from_html(html: &str) -> String {
    keikaku::answer::strip_tags(html)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}
