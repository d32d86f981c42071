//! The `keikaku` binary, run as a user runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn keikaku(data: &Path, index: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keikaku"))
        .arg("--data-dir")
        .arg(data)
        .arg("--index-dir")
        .arg(index)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A copy of `data/` in a temporary folder, to change freely.
fn data_copy() -> (tempfile::TempDir, PathBuf) {
    let (dir, paths) = common::data_copy();
    (dir, paths.data_dir)
}

#[test]
fn ask_prints_the_kpi_card_of_dokodemo_madoguchi() {
    let o = keikaku(Path::new("data"), &common::index_dir(), &["ask", "どこでも窓口のKPI"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for s in [
        "搭載手続数",
        "令和8年度 (2026): 90件",
        "令和9年度 (2027): 95件",
        "令和10年度 (2028): 100件",
        "デジタル推進課",
        "p.18",
    ] {
        assert!(text.contains(s), "missing {s} in\n{text}");
    }
}

#[test]
fn ask_json_follows_the_contract() {
    let o = keikaku(Path::new("data"), &common::index_dir(), &["ask", "--json", "どこでも窓口のKPI"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["question"], "どこでも窓口のKPI");
    assert_eq!(v["intent"], "kpi");
    assert_eq!(v["ambiguous"], false);
    assert_eq!(v["results"][0]["page"], 18);
    assert_eq!(v["results"][0]["title"], "どこでも窓口(行政手続のオンライン化)");
    assert_eq!(v["results"][0]["department"][0], "デジタル推進課");
    assert!(v["results"][0]["score"].as_f64().unwrap() > 0.0);
    assert!(v["suggestions"].as_array().unwrap().is_empty());
    assert!(v["text"].as_str().unwrap().contains("100件"));
}

#[test]
fn ask_json_batch_answers_every_line_in_order() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keikaku"))
        .args(["--data-dir", "data", "--index-dir"])
        .arg(common::index_dir())
        .args(["ask", "--json", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("どこでも窓口のKPI\nコンビニ交付\nごみの収集日を知りたい\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["results"][0]["page"], 18);
    assert_eq!(lines[1]["ambiguous"], true);
    assert_eq!(lines[2]["intent"], "not_found");
    assert!(lines[2]["results"].as_array().unwrap().is_empty());
}

#[test]
fn a_missing_document_says_where_it_was_looked_for_and_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    let o = keikaku(empty.path(), &common::index_dir(), &["ask", "どこでも窓口のKPI"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cannot read") && err.contains("KEIKAKU_DATA_DIR"), "{err}");
    // The cause is said once, not again at the end of the chain.
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn a_document_that_is_not_utf8_names_the_line_and_the_byte() {
    let (_dir, data) = data_copy();
    let plan = data.join("nasushiobara-dx-action-plan-2026-2028.md");
    let mut bytes = b"# title\nsecond line\n".to_vec();
    bytes.extend_from_slice(&[0x82, 0xa0, b'\n']);
    std::fs::write(&plan, bytes).unwrap();
    let o = keikaku(&data, &common::index_dir(), &["ask", "どこでも窓口のKPI"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("not UTF-8") && err.contains("line 3") && err.contains("byte 20"), "{err}");
}

#[test]
fn a_malformed_document_names_the_line_and_leaves_the_index_alone() {
    let (_dir, data) = data_copy();
    let index = tempfile::tempdir().unwrap();
    assert!(keikaku(&data, index.path(), &["ask", "生成AIのKPI"]).status.success());
    let current = std::fs::read_to_string(index.path().join("search/CURRENT")).unwrap();

    let plan = data.join("nasushiobara-dx-action-plan-2026-2028.md");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text.replace("- 令和5年度～令和10年度", "- 近いうちに")).unwrap();
    let o = keikaku(&data, index.path(), &["ask", "生成AIのKPI"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("line ") && err.contains("令和5年度～令和10年度") && err.contains("近いうちに"), "{err}");
    assert_eq!(err.matches("近いうちに").count(), 1, "the cause is said once: {err}");
    assert_eq!(std::fs::read_to_string(index.path().join("search/CURRENT")).unwrap(), current);
    let o = keikaku(&data, index.path(), &["doctor"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("PROBLEM  plan document"), "{}", stdout(&o));
}

/// Each kind of malformed document is refused by `index` and by `doctor` (exit 1), with its
/// line: a KPI row with a cell missing, a target that is no number, a stray line in a
/// section, bytes that are not UTF-8.
#[test]
fn every_kind_of_malformed_document_is_refused_with_its_line() {
    let published = std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md").unwrap();
    let line_of = |needle: &str| published.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let row = "搭載手続数\t90件\t95件\t100件";
    let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        (
            "missing cell",
            published.replacen(row, "搭載手続数\t90件\t95件", 1).into_bytes(),
            line_of(row),
            "each of the 3 years",
        ),
        (
            "target no number",
            published.replacen(row, "搭載手続数\t九十件\t95件\t100件", 1).into_bytes(),
            line_of(row),
            "九十件",
        ),
        (
            "stray line",
            published.replacen("\n## ■ 具体的方法", "\n迷い込んだ一行\n\n## ■ 具体的方法", 1).into_bytes(),
            line_of("## ■ 具体的方法"),
            "迷い込んだ一行",
        ),
        ("not UTF-8", [b"# t\n".as_slice(), &[0x82, 0xa0]].concat(), 2, "not UTF-8"),
    ];
    for (kind, bytes, line, says) in cases {
        let (_dir, data) = data_copy();
        std::fs::write(data.join("nasushiobara-dx-action-plan-2026-2028.md"), bytes).unwrap();
        let index = tempfile::tempdir().unwrap();
        let o = keikaku(&data, index.path(), &["index"]);
        assert_eq!(o.status.code(), Some(2), "{kind}");
        let err = stderr(&o);
        assert!(err.contains(&format!("line {line}")) && err.contains(says), "{kind}: {err}");
        let o = keikaku(&data, index.path(), &["doctor"]);
        assert_eq!(o.status.code(), Some(1), "{kind}");
        let out = stdout(&o);
        assert!(out.contains("PROBLEM  plan document") && out.contains(&format!("line {line}")), "{kind}: {out}");
    }
}

#[test]
fn a_database_that_is_no_database_says_so_once() {
    let state = tempfile::tempdir().unwrap();
    let db = state.path().join("keikaku.db");
    std::fs::write(&db, vec![b'x'; 4096]).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_keikaku"))
        .args(["--data-dir", "data", "--index-dir"])
        .arg(common::index_dir())
        .arg("--db")
        .arg(&db)
        .args(["history", "どこでも窓口"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("keikaku.db") && err.contains("not a database"), "{err}");
    assert_eq!(err.matches("not a database").count(), 1, "the cause is said once: {err}");
}

#[test]
fn a_changed_document_is_reindexed_on_next_start() {
    let (_dir, data) = data_copy();
    let index = tempfile::tempdir().unwrap();
    assert!(stdout(&keikaku(&data, index.path(), &["ask", "どこでも窓口のKPI"])).contains("90件"));
    let before = std::fs::read_to_string(index.path().join("search/CURRENT")).unwrap();
    let plan = data.join("nasushiobara-dx-action-plan-2026-2028.md");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text.replacen("搭載手続数\t90件\t95件\t100件", "搭載手続数\t91件\t95件\t100件", 1)).unwrap();
    let after_text = stdout(&keikaku(&data, index.path(), &["ask", "どこでも窓口のKPI"]));
    assert!(after_text.contains("91件"), "{after_text}");
    let after = std::fs::read_to_string(index.path().join("search/CURRENT")).unwrap();
    assert_ne!(before, after);
    // The old index folder is gone; only the current one is left.
    let dirs =
        std::fs::read_dir(index.path().join("search")).unwrap().filter(|e| e.as_ref().unwrap().path().is_dir()).count();
    assert_eq!(dirs, 1);
}

#[test]
fn a_missing_dictionary_source_tells_what_to_install() {
    let index = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_keikaku"))
        .args(["--data-dir", "data", "--index-dir"])
        .arg(index.path())
        .args(["ask", "どこでも窓口のKPI"])
        .env("KEIKAKU_IPADIC_SOURCE", "/nonexistent/ipadic")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("apt-get install -y mecab-ipadic") && err.contains("/nonexistent/ipadic"), "{err}");
}

#[test]
fn an_unwritable_index_directory_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let o = keikaku(Path::new("data"), &file.join("index"), &["ask", "どこでも窓口のKPI"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cannot write to the index directory") && err.contains("KEIKAKU_INDEX_DIR"), "{err}");
    let o = keikaku(Path::new("data"), &file.join("index"), &["doctor"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("PROBLEM  index directory"), "{}", stdout(&o));
}

#[test]
fn doctor_is_content_with_a_working_setup() {
    let o = keikaku(Path::new("data"), &common::index_dir(), &["doctor"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("58 initiatives") && out.contains("all good"), "{out}");
}

#[test]
fn chat_follows_up_on_the_last_initiative() {
    let out = chat_session("生成AIの導入\nそのKPIは？\nいつまで？\n/quit\n");
    assert!(out.contains("7,000時間"), "{out}");
    assert!(out.contains("取組期間") && out.matches("p.35").count() >= 3, "{out}");
}

/// `keikaku` over `data/` and the shared index, with a database of its own in `state`.
fn scratch_keikaku(state: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keikaku"));
    cmd.args(["--data-dir", "data", "--index-dir"]).arg(common::index_dir()).arg("--db").arg(state.join("keikaku.db"));
    cmd
}

fn chat_session(input: &str) -> String {
    let state = tempfile::tempdir().unwrap();
    let mut child = scratch_keikaku(state.path())
        .arg("chat")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    stdout(&o)
}

/// The title of candidate `n` in a candidates card (「【2. 証明書の自動交付(…)】」).
fn candidate_title(card: &str, n: usize) -> String {
    let start = format!("【{n}. ");
    let at = card.find(&start).unwrap_or_else(|| panic!("no candidate {n} in {card}")) + start.len();
    card[at..].split('】').next().unwrap_or_default().to_string()
}

#[test]
fn chat_picks_a_numbered_candidate_and_leaves_on_exit() {
    let out = chat_session("コンビニ交付\n2\nexit\nどこでも窓口のKPI\n");
    let answers: Vec<&str> = out.split("> ").collect();
    // The banner, the candidates, the second one's card (whichever the ranking put second),
    // and nothing after `exit`.
    assert!(answers[1].contains("番号（1〜2）"), "{out}");
    assert!(answers[2].starts_with(&format!("【{}", candidate_title(answers[1], 2))), "{out}");
    assert!(!out.contains("搭載手続数"), "the chat went on after exit: {out}");
    let out = chat_session("/help\n終了\n");
    assert!(out.contains("終了は exit"), "{out}");
}

/// The conversation contract (`common::CONVERSATION`) on the terminal core: the same cards
/// and the same logged outcome as on the Telegram and LINE bots, the 👎 kept on the answer
/// whose id it carried.
#[test]
fn the_terminal_core_holds_the_conversation_contract() {
    use common::Step;
    use keikaku::actuals::Channel;
    use keikaku::answer::{Action, render_text};
    use keikaku::app::{App, Audience};
    use keikaku::conversation::{Callback, Conversation, Input, Reply};
    let dir = tempfile::tempdir().unwrap();
    let app =
        App::new(common::engine(), &dir.path().join("keikaku.db")).with_today(keikaku::plan::FiscalYear::reiwa(8));
    let app = std::sync::Arc::new(app);
    let chat = Conversation::new(std::sync::Arc::clone(&app), Channel::Terminal, Audience::Public);
    let (mut last, mut voted) = (Reply::default(), None);
    for (step, expected) in common::CONVERSATION {
        let action = match step {
            Step::Say(_) => None,
            Step::Pick(wanted) => {
                let card = last.card.as_ref().unwrap();
                let Action::Show { page, intent, .. } =
                    card.actions.iter().find(|Action::Show { page, .. }| *page == wanted).unwrap().clone();
                Some(Callback::Show { page, intent })
            }
            Step::NextPage => last.offers.page.as_ref().and_then(|p| p.next),
            Step::Down => {
                let [_, down] = last.offers.votes().expect("👍 / 👎 under the answer");
                voted = Some(common::voted_on(&down.encode()));
                Some(down)
            }
        };
        let input = match (step, action) {
            (Step::Say(text), _) => Input::Text(text.into()),
            (_, Some(action)) => Input::Action { action, pressed: None },
            (_, None) => panic!("{step:?}: nothing to press"),
        };
        let reply = chat.turn(0, input);
        let text = format!(
            "{}\n{}\n{}",
            reply.card.as_ref().map(render_text).unwrap_or_default(),
            reply.ack.unwrap_or_default(),
            reply.say.unwrap_or_default()
        );
        for e in expected {
            assert!(text.contains(e), "{step:?} → {text}");
        }
        if reply.card.is_some() {
            last = reply;
        }
    }
    let rows = app.questions(None).unwrap();
    assert_eq!(common::logged(&rows), common::expected_log());
    common::assert_linked(&rows, voted.unwrap());
    assert!(rows.iter().all(|r| r.channel == "terminal" && r.asker == "terminal"), "{rows:?}");
}

/// The terminal's own translation: a bare number picks the candidate so numbered.
#[test]
fn a_bare_number_picks_a_candidate_in_the_terminal_chat() {
    use keikaku::app::{App, Audience};
    use keikaku::cli::chat::{Chat, Turn};
    let dir = tempfile::tempdir().unwrap();
    let app = std::sync::Arc::new(App::new(common::engine(), &dir.path().join("keikaku.db")));
    let mut chat = Chat::new(app, Audience::Public);
    let Turn::Say(candidates) = chat.turn("コンビニ交付").unwrap() else { panic!() };
    assert!(candidates.contains("番号（1〜2）"), "{candidates}");
    // The number of p.22's candidate, wherever the ranking put it.
    let n = (1..=2).find(|n| candidate_title(&candidates, *n).starts_with("証明書の自動交付")).unwrap();
    let Turn::Say(picked) = chat.turn(&n.to_string()).unwrap() else { panic!() };
    assert!(picked.starts_with("【証明書の自動交付"), "{picked}");
    let Turn::Say(kpi) = chat.turn("そのKPIは？").unwrap() else { panic!() };
    assert!(kpi.contains("証明書のコンビニ交付率"), "{kpi}");
}

#[test]
fn chat_drops_the_context_after_a_question_it_cannot_answer() {
    let out = chat_session("生成AIの導入\nごみの収集日を知りたい\nスケジュールは\n");
    let answers: Vec<&str> = out.split("> ").collect();
    assert!(answers[1].contains("p.35"), "{out}");
    assert!(answers[3].contains("何についての質問か分かりませんでした"), "{out}");
}

/// `ask` logs nothing by default; with `--log-questions` (or `KEIKAKU_ASK_LOG_QUESTIONS`) it
/// logs each question as the chats do, under the channel `ask`, with an answer id.
#[test]
fn ask_logs_its_questions_only_when_told_to() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keikaku.db");
    let ask = |extra: &[&str], env: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keikaku"));
        command.args(["--data-dir", "data", "--index-dir"]).arg(common::index_dir()).arg("--db").arg(&db);
        command.arg("ask").args(extra).arg("どこでも窓口のKPI").env_remove("KEIKAKU_ASK_LOG_QUESTIONS");
        if let Some(value) = env {
            command.env("KEIKAKU_ASK_LOG_QUESTIONS", value);
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let rows = || keikaku::actuals::Store::open(&db).unwrap().questions_since(0).unwrap();
    ask(&[], None);
    assert!(rows().is_empty(), "{:?}", rows());
    ask(&["--log-questions"], None);
    ask(&[], Some("true"));
    let logged = rows();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(
        logged.iter().all(|r| r.channel == "ask" && r.asker == "terminal" && r.pages == [18] && r.answer.is_some()),
        "{logged:?}"
    );
}

#[test]
fn a_report_from_the_cli_shows_in_ask_json_and_in_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keikaku.db");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_keikaku"))
            // 令和9年度: 令和8年度 has ended and its actuals have their verdicts.
            .env("KEIKAKU_TODAY", "2027-05-01")
            .args(["--data-dir", "data", "--index-dir"])
            .arg(common::index_dir())
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        "staff",
        "add",
        "--telegram-id",
        "1001",
        "--name",
        "山田",
        "--role",
        "lead",
        "--department",
        "デジタル推進課",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["staff", "add", "--telegram-id", "7", "--name", "X", "--role", "lead", "--department", "宇宙開発課"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("宇宙開発課") && stderr(&o).contains("デジタル推進課"), "{}", stderr(&o));
    let o = run(&["report", "--as", "1001", "どこでも窓口", "搭載手続数", "R8", "92件"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("記録しました（#1）") && stdout(&o).contains("102%・達成"), "{}", stdout(&o));
    let o = run(&["report", "--as", "1001", "漏水", "発生件数", "R8", "200件"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("整備課の取組です"), "{}", stderr(&o));

    let v: serde_json::Value =
        serde_json::from_str(stdout(&run(&["ask", "--json", "どこでも窓口のKPI"])).trim()).unwrap();
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("実績 92件（102%・達成）"), "{text}");
    let public = stdout(&run(&["ask", "--mode", "public", "どこでも窓口のKPI"]));
    assert!(public.contains("実績 92件") && !public.contains("山田"), "{public}");

    let csv = stdout(&run(&["actuals", "export", "--format", "csv"]));
    let row = csv.lines().find(|l| l.starts_with("18,")).unwrap();
    assert!(row.contains(",搭載手続数,令和8年度,90件,92,件,102% 達成,山田 (1001),"), "{row}");
    let history = stdout(&run(&["history", "どこでも窓口"]));
    assert!(history.contains("92件（102%・達成） — 山田 (1001)") && history.contains("現在値"), "{history}");
    let progress = stdout(&run(&["progress", "デジタル推進課", "--year", "R8"]));
    assert!(progress.contains("達成 1") && progress.contains("実績 92件"), "{progress}");
}

/// One list of quit words: each of them leaves the chat, and the banner, the chat's help,
/// `keikaku --help` and the README all name the same list.
#[test]
fn every_quit_word_leaves_and_every_text_names_the_same_list() {
    use keikaku::answer::{QUIT_WORDS, how_to_leave, how_to_leave_en};
    for word in QUIT_WORDS {
        let out = chat_session(&format!("{word}\nどこでも窓口のKPI\n"));
        assert!(!out.contains("搭載手続数"), "the chat went on after {word}: {out}");
    }
    let out = chat_session("/help\n");
    assert_eq!(out.matches(&how_to_leave()).count(), 2, "the banner and the help: {out}");
    let help = Command::new(env!("CARGO_BIN_EXE_keikaku")).arg("--help").output().unwrap();
    assert!(stdout(&help).contains(&how_to_leave_en()), "{}", stdout(&help));
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let listed = QUIT_WORDS.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
    assert_eq!(readme.matches(&format!("{listed} or Ctrl-D")).count(), 2, "the README's prose");
    assert!(readme.contains(&how_to_leave()), "the README's transcript");
    for stale in ["終了は exit か", "with /quit or", "`exit`, `終了` or"] {
        assert!(!readme.contains(stale), "the README still says {stale}");
    }
}

/// `keikaku web --listen 127.0.0.1:0` with its log (at info) in `log`; returns the child and
/// the URL it printed, read within a bounded time.
fn start_web(log: &Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let state = tempfile::tempdir().unwrap();
    let mut child = scratch_keikaku(state.path())
        .args(["web", "--listen", "127.0.0.1:0"])
        .env("KEIKAKU_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(std::time::Duration::from_secs(60));
    let Ok(line) = first else {
        let _ = child.kill();
        panic!("keikaku web printed nothing within 60 s");
    };
    (child, line)
}

/// GET `path` from `addr` (host:port) over plain HTTP/1.1; the status line.
fn get_status(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn web_prints_the_url_it_serves_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, line) = start_web(&dir.path().join("log"));
    let url = line.split_whitespace().next().unwrap_or_default().to_string();
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let status = get_status(&addr, "/healthz");
    child.kill().unwrap();
    let _ = child.wait();
    assert!(line.starts_with("http://127.0.0.1:") && line.contains("で公開しています"), "{line}");
    assert!(status.contains(" 200 "), "the printed URL answers: {status}");
}

#[test]
fn logs_to_a_file_carry_no_colour_codes() {
    // A corpus without its calibration is always warned about: a log line to look at,
    // whatever the index folder already holds.
    let (dir, paths) = common::data_copy_with_corpus(&["terse.tsv"]);
    let log = dir.path().join("log");
    let out = Command::new(env!("CARGO_BIN_EXE_keikaku"))
        .arg("--data-dir")
        .arg(&paths.data_dir)
        .arg("--index-dir")
        .arg(&paths.index_dir)
        .arg("--db")
        .arg(dir.path().join("keikaku.db"))
        .args(["ask", "書かない窓口はいつから？"])
        .env("KEIKAKU_LOG", "info")
        .stderr(std::fs::File::create(&log).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    let bytes = std::fs::read(&log).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("WARN"), "something was logged");
    assert!(!bytes.contains(&0x1b), "an ANSI escape in {}", String::from_utf8_lossy(&bytes));
}

#[test]
fn a_mistyped_subcommand_suggests_the_nearest() {
    let o = Command::new(env!("CARGO_BIN_EXE_keikaku")).arg("aks").output().unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("'ask'"), "{}", stderr(&o));
}

#[test]
fn an_unknown_department_names_the_nearest_not_all() {
    let index = common::index_dir();
    let o = keikaku(Path::new("data"), &index, &["progress", "デジタル推進化"]);
    assert!(!o.status.success());
    let said = stderr(&o);
    assert!(said.contains("近い部署: デジタル推進課"), "{said}");
    assert!(!said.contains("保全管理課"), "not every department: {said}");
}

/// A slip under `staff` is mended against staff's own subcommands, not the top level's.
#[test]
fn a_mistyped_nested_subcommand_suggests_from_its_own_level() {
    let o = Command::new(env!("CARGO_BIN_EXE_keikaku")).args(["staff", "lsit"]).output().unwrap();
    assert!(stderr(&o).contains("'list'"), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_keikaku")).args(["staff", "aks"]).output().unwrap();
    assert!(!o.status.success());
    assert!(!stderr(&o).contains("'ask'"), "{}", stderr(&o));
}
