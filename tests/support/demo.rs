//! The terminal side of `cargo run --example demo`: a person's lines go to the real bot as
//! Telegram updates (through the fake Bot API server, [`crate::fake`]), and what the bot
//! sends comes back as text — cards with their buttons numbered (`#2` presses button 2),
//! edits, notices, files, and pictures as a line 「📈 グラフ（画像）: path」 naming the PNG
//! the bot sent, written into a folder the person can open.
//!
//! Apart from the terminal, so that `tests/readme.rs` runs it on the README's transcript and
//! compares what it prints, line for line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use keikaku::app::App;
use keikaku::bot::{self, Config, Mode};
use serde_json::Value;

use crate::fake::{Call, FakeTelegram};

/// You, as a Telegram user (and the chat with the bot).
pub const YOU: i64 = 4242;

/// How a picture is announced, before its path.
pub const PICTURE: &str = "📈 グラフ（画像）: ";

/// How long the bot may take to answer one line (a chart is drawn in a debug build too).
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// Where the demo's output goes and how.
pub struct Terminal<'a> {
    /// What the person sees.
    pub out: &'a mut (dyn Write + Send),
    /// Writes each line read after its prompt, as a terminal would have shown it typed
    /// (for input from a pipe: the output reads as a session).
    pub echo: bool,
    /// The folder pictures are written to.
    pub pictures: PathBuf,
}

/// Runs the bot in `mode` against a fake Telegram and talks to it, one line of `lines` at
/// a time, until a quit word or the end of `lines`.
pub async fn talk(
    app: Arc<App>,
    mode: Mode,
    mut lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    term: &mut Terminal<'_>,
) -> anyhow::Result<()> {
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
    writeln!(
        term.out,
        "keikaku demo — {who}。質問か /help を入力。ボタンは #番号 で押せます。{}",
        keikaku::answer::how_to_leave()
    )?;

    let mut seen = server.calls().len();
    // The last message with buttons: its id and each button's callback data.
    let mut keyboard: Option<(i64, Vec<String>)> = None;
    loop {
        write!(term.out, "あなた> ")?;
        term.out.flush()?;
        let Some(line) = lines.recv().await else {
            writeln!(term.out)?;
            break;
        };
        let line = line.trim();
        if term.echo {
            writeln!(term.out, "{line}")?;
        }
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
                    writeln!(term.out, "（押せるボタン #{n} はありません）")?;
                    continue;
                }
            }
        } else {
            server.message(YOU, line);
        }
        let calls = answer(&server, seen).await;
        for call in &calls[seen..] {
            show(call, &mut keyboard, term)?;
        }
        seen = calls.len();
    }
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), running).await;
    Ok(())
}

/// The calls once the bot has answered: it has sent something a person sees (a button's
/// silent acknowledgement does not count: a chart follows it) and then fallen quiet.
async fn answer(server: &FakeTelegram, seen: usize) -> Vec<Call> {
    let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
    let mut last = seen;
    let mut quiet = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let calls = server.calls();
        if calls.len() > last {
            last = calls.len();
            quiet = 0;
        } else if calls[seen..].iter().any(visible) {
            quiet += 1;
        }
        if quiet >= 3 || tokio::time::Instant::now() >= deadline {
            return calls;
        }
    }
}

/// True for a call a person would see.
fn visible(call: &Call) -> bool {
    match call.method.as_str() {
        "sendMessage" | "editMessageText" | "sendDocument" | "sendPhoto" => true,
        "answerCallbackQuery" => call.params.get("text").and_then(Value::as_str).is_some_and(|t| !t.is_empty()),
        _ => false,
    }
}

/// Prints one call of the bot as Telegram would show it.
fn show(call: &Call, keyboard: &mut Option<(i64, Vec<String>)>, term: &mut Terminal<'_>) -> anyhow::Result<()> {
    let what = match call.method.as_str() {
        "sendMessage" => "",
        "editMessageText" => "（メッセージを書き換え）\n",
        "sendDocument" => {
            writeln!(term.out, "ボット> （ファイルを送信: {}）", call.field("caption").unwrap_or_default())?;
            return Ok(());
        }
        "sendPhoto" => {
            let path = picture(call, &term.pictures)?;
            writeln!(term.out, "ボット> {PICTURE}{}", path.display())?;
            if let Some(caption) = call.field("caption").filter(|c| !c.is_empty()) {
                writeln!(term.out, "{caption}")?;
            }
            return Ok(());
        }
        "answerCallbackQuery" => {
            if let Some(text) = call.params.get("text").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                writeln!(term.out, "ボット> （通知: {text}）")?;
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    writeln!(term.out, "ボット> {what}{}", from_html(call.text()))?;
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
        writeln!(term.out, "{}", row_texts.join("\n"))?;
        *keyboard = call.message_id.map(|id| (id, data));
    }
    Ok(())
}

/// Writes the picture a `sendPhoto` carried into `folder`, named by its message, and says
/// where.
fn picture(call: &Call, folder: &Path) -> anyhow::Result<PathBuf> {
    let file = call.file().ok_or_else(|| anyhow::anyhow!("a picture without its file"))?;
    let extension = Path::new(file.file_name.as_deref().unwrap_or("chart.png"))
        .extension()
        .map_or_else(|| "png".to_string(), |e| e.to_string_lossy().into_owned());
    std::fs::create_dir_all(folder)?;
    let path = folder.join(format!("chart-{}.{extension}", call.message_id.unwrap_or(0)));
    std::fs::write(&path, &file.data)?;
    Ok(path)
}

/// Telegram HTML as it reads: bold and italics dropped, entities restored.
fn from_html(html: &str) -> String {
    keikaku::answer::strip_tags(html)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}
