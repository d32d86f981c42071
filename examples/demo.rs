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
//! press button 2 of the last message that has buttons; a picture (「📈 グラフ」's chart) is
//! written as a PNG file and shown as a line with its path, 「📈 グラフ（画像）: …」. Leave with
//! `exit`, `quit`, `/quit`, `終了` or Ctrl-D. The staff bot writes to a scratch database in a
//! temporary folder, never to `data/state`; the pictures stay in that folder after the demo.
//! Input from a pipe is echoed after its prompt, so that the output reads as a session:
//!
//! ```sh
//! printf 'どこでも窓口のKPI\n#5\nexit\n' | cargo run --example demo
//! ```

#![allow(clippy::unwrap_used)]

#[path = "../tests/support/demo.rs"]
mod demo;
#[path = "../tests/support/fake_telegram.rs"]
mod fake;

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use keikaku::actuals::{Role, Staff};
use keikaku::app::App;
use keikaku::bot::Mode;
use keikaku::search::{self, Paths, Rebuild};

fn main() -> anyhow::Result<()> {
    let staff = std::env::args().any(|a| a == "--staff");
    let mode = if staff { Mode::Staff } else { Mode::Public };
    let paths = Paths {
        data_dir: std::env::var_os("KEIKAKU_DATA_DIR").map_or_else(|| "data".into(), Into::into),
        index_dir: std::env::var_os("KEIKAKU_INDEX_DIR").map_or_else(|| "index".into(), Into::into),
    };
    let engine = search::open(&paths, Rebuild::IfStale)?;
    let scratch = std::env::temp_dir().join(format!("keikaku-demo-{}", std::process::id()));
    let state = scratch.join("state");
    let app = App::new(engine, &state.join("keikaku.db"));
    if staff {
        let me =
            Staff { telegram_id: demo::YOU, name: "デモ職員".into(), role: Role::Admin, departments: Vec::new() };
        app.store()?.add_staff(&app.plan(), None, &me)?;
    }
    // The person's lines, read on a thread of their own (a read blocks).
    let (lines, typed) = tokio::sync::mpsc::unbounded_channel();
    let echo = !std::io::stdin().is_terminal();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdout = std::io::stdout();
    let mut term = demo::Terminal { out: &mut stdout, echo, pictures: scratch.clone() };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(demo::talk(Arc::new(app), mode, typed, &mut term));
    // The scratch database goes; the pictures stay, for the person to open.
    let _ = std::fs::remove_dir_all(&state);
    let _ = std::fs::remove_dir(&scratch);
    result
}
