//! The bot's commands. Latin names, as Telegram requires; Japanese descriptions, which
//! become the menus registered with setMyCommands and the /help text.

use teloxide::types::BotCommand;
use teloxide::utils::command::BotCommands;

/// The public (residents') bot: read-only.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum PublicCommand {
    /// はじめに
    Start,
    /// 使い方と質問の例
    Help,
    /// 取組のKPI（例: /kpi どこでも窓口）
    Kpi(String),
    /// 取組の一覧（例: /list デジタル推進課、/list 基本方針1、/list キャッシュレス化）
    List(String),
    /// KPIの進捗（例: /progress デジタル推進課）
    Progress(String),
}

/// The staff bot: everything of the public bot, and reporting.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum StaffCommand {
    /// はじめに
    Start,
    /// 使い方と質問の例
    Help,
    /// 取組のKPI（例: /kpi どこでも窓口）
    Kpi(String),
    /// 取組の一覧（例: /list デジタル推進課、/list 基本方針1、/list キャッシュレス化）
    List(String),
    /// KPIの進捗（例: /progress デジタル推進課）
    Progress(String),
    /// 実績の報告（例: /report どこでも窓口 搭載手続数 R8 92件。引数なしで対話形式）
    Report(String),
    /// 実績の履歴（例: /history どこでも窓口）
    History(String),
    /// 現在の実績をCSVで出力
    Export,
    /// 終わった年度で実績が未報告のKPI（部署別・報告する人）: /missing、/missing R8
    Missing(String),
    /// 職員の管理（管理者のみ）: /staff、/staff add ID 名前 役割 [課…]、/staff remove ID
    Staff(String),
    /// 答えられなかった質問と👎の見直し（管理者のみ）: /review、/review resolve 番号、/review ignore 番号
    Review(String),
    /// 質問の統計（管理者のみ）
    Stats,
    /// 言葉を教える（管理者のみ）: /teach 注射 予防接種、/teach undo 注射、/teach list
    Teach(String),
}

/// The staff bot's commands only administrators may use.
pub const ADMIN_ONLY: [&str; 4] = ["staff", "review", "stats", "teach"];

/// Commands as setMyCommands takes them: names without the leading slash.
fn menu(commands: Vec<BotCommand>) -> Vec<BotCommand> {
    commands.into_iter().map(|c| BotCommand::new(c.command.trim_start_matches('/'), c.description)).collect()
}

/// The command lines of the /help text, one `/name — description` a line, in menu order.
pub fn help_lines(menu: &[BotCommand]) -> String {
    menu.iter().map(|c| format!("/{} — {}", c.command, c.description)).collect::<Vec<_>>().join("\n")
}

/// The public bot's menu.
pub fn public_menu() -> Vec<BotCommand> {
    menu(PublicCommand::bot_commands())
}

/// The staff bot's menu; admins also get /staff.
pub fn staff_menu(admin: bool) -> Vec<BotCommand> {
    menu(StaffCommand::bot_commands())
        .into_iter()
        .filter(|c| admin || !ADMIN_ONLY.contains(&c.command.as_str()))
        .collect()
}
