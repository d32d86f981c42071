//! Each stage of understanding on questions of its kind, written apart from the evaluation
//! sets: readings (kana, romaji, homophones), departments by reading or misspelt, KPI
//! figures, list facets, long messages, things the plan never states, and word vectors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use keikaku::search::{Engine, Intent, Outcome};

mod common;

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(common::engine)
}

fn pages(o: &Outcome) -> Vec<u16> {
    o.hits.iter().map(|h| h.page).collect()
}

/// The question is answered about `page` with `intent`.
fn answers(question: &str, intent: Intent, page: u16) {
    let o = engine().ask(question);
    assert_eq!((o.intent, pages(&o).first().copied()), (intent, Some(page)), "「{question}」: {o:?}");
}

#[test]
fn hiragana_katakana_and_romaji_are_read_in_the_plans_words() {
    answers("よぼうせっしゅ の じむ", Intent::Overview, 64);
    answers("こうみんかん の よやく", Intent::Overview, 72);
    answers("ケンコウ ポイント ノ アプリ", Intent::Overview, 63);
    answers("kouminkan no yoyaku", Intent::Overview, 72);
    let x = engine().explain("よぼうせっしゅ の じむ");
    assert!(x.normalized.contains("予防接種"), "{}", x.normalized);
}

#[test]
fn a_homophone_typed_by_mistake_finds_the_word_meant() {
    // 大腸 (ダイチョウ) for 台帳, 商会 (ショウカイ) for 照会.
    answers("下水道大腸のデジタル化", Intent::Overview, 59);
    answers("介護認定商会システム", Intent::Overview, 51);
}

#[test]
fn departments_are_found_by_reading_and_with_a_character_or_two_wrong() {
    let o = engine().ask("保全管理化の取組");
    assert_eq!((o.intent, pages(&o)), (Intent::List, vec![69, 70]));
    let o = engine().ask("子育て相段課の取組");
    assert_eq!((o.intent, pages(&o)), (Intent::List, vec![30, 52]));
    // Two characters off two departments alike (相談課, 支援課): neither is guessed.
    let o = engine().ask("子育て総合課の取組");
    assert!(o.filters.department.is_none(), "{o:?}");
}

#[test]
fn a_kpi_figure_names_its_initiative() {
    answers("103,000人を目指している取組", Intent::Kpi, 33);
    answers("9割減を掲げている事業の担当は？", Intent::Department, 46);
    answers("1,700時間の削減目標がある取組はいつから？", Intent::Period, 38);
}

#[test]
fn list_facets_combine() {
    let o = engine().ask("総務課でKPIがない取組");
    assert_eq!((o.intent, pages(&o)), (Intent::List, vec![43]));
    let o = engine().ask("基本方針2の単年度の取組は？");
    assert_eq!((o.intent, pages(&o)), (Intent::List, vec![37]));
    let o = engine().ask("いちばん新しく始まる取組は？");
    assert_eq!((o.intent, pages(&o)), (Intent::List, vec![23, 64]));
    let o = engine().ask("令和6年度に着手した健康増進課の取組は何をする？");
    assert_eq!((o.intent, pages(&o)), (Intent::Contents, vec![63]));
    let o = engine().ask("業務効率化の取組で令和9年度で終わるもの一覧");
    assert_eq!((o.intent, pages(&o)), (Intent::List, vec![41, 43]));
}

#[test]
fn years_written_by_sound_or_with_a_slip_filter_lists() {
    use keikaku::search::YearRelation;
    for (question, year, relation) in [
        ("れいわくねんどから はじまる とりくみ", 2027, YearRelation::Starts),
        ("令和九年度で終わる取組", 2027, YearRelation::Ends),
        ("例和8年度から始まる取組", 2026, YearRelation::Starts),
    ] {
        let o = engine().ask(question);
        let y = o.filters.year.unwrap_or_else(|| panic!("「{question}」: {o:?}"));
        assert_eq!((o.intent, y.year.gregorian(), y.relation), (Intent::List, year, relation), "「{question}」");
    }
}

#[test]
fn what_a_list_filters_by_is_learned_from_examples() {
    // No cue of the lexicon says 「段階にある」 or 「ひとつ残らず」: the facet model reads them.
    let o = engine().ask("こうちくの だんかいに ある とりくみ");
    assert_eq!(o.intent, Intent::List, "{o:?}");
    assert_eq!(o.filters.stage.as_ref().map(|(_, w)| w.as_str()), Some("構築"), "{o:?}");
    let o = engine().ask("計画にある取組をひとつ残らず並べてほしい");
    assert_eq!((o.intent, o.hits.len()), (Intent::List, 58), "{o:?}");
}

#[test]
fn a_long_message_is_answered_from_its_question() {
    answers(
        "週末に家族で観光に来る予定です。子どもたちはスタンプを集めるのが好きなのですが、LINEで観光情報やクーポンが届く市の仕組みはいつから始まっていますか。",
        Intent::Period,
        68,
    );
}

#[test]
fn what_the_plan_never_states_is_not_found() {
    for q in
        ["スマート公民館の利用料はいくら？", "ゆーバスの時刻表はどこで見られる？", "健康ポイントの去年の参加者数は？"]
    {
        let o = engine().ask(q);
        assert_eq!(o.intent, Intent::NotFound, "「{q}」: {o:?}");
        assert!(o.hits.is_empty());
    }
}

#[test]
fn word_vectors_know_near_words() {
    assert!(engine().has_vectors(), "the word vectors are loaded (run .ci/setup to fetch the wheel)");
    let v = keikaku::search::vectors::Vectors::open(&common::index_dir()).unwrap().unwrap();
    let near = |a: &str, b: &str| v.similarity(a, b).unwrap_or(0.0);
    assert!((near("注射", "予防接種") - 0.64).abs() < 0.02);
    assert!((near("判子", "押印") - 0.74).abs() < 0.02);
    assert!(near("給料", "給与") > near("給料", "森林"));
}

#[test]
fn a_question_longer_than_the_engine_reads_is_cut_and_says_so() {
    let long = format!("どこでも窓口のKPIは？{}", "とても長い前置き".repeat(200));
    let o = engine().ask(&long);
    assert!(o.truncated);
    let card = keikaku::answer::render_text(&keikaku::answer::card(engine().plan(), &o));
    assert!(card.contains("最初の1000文字だけ"), "{card}");
}

/// The question keikaku exists for, as a resident writes it: in kanji, in hiragana, and
/// with an IME slip.
#[test]
fn a_resident_asking_about_childrens_vaccinations_gets_the_plans_answer() {
    for q in [
        "子どもの予防注射、スマホで手続きできる？",
        "こどもの よぼうちゅうしゃ、すまほで てつづき できる？",
        "子どもの予報注射、スマホで手続きできる？",
        "予防注射の予診票、ネットで出せる？",
    ] {
        answers(q, Intent::Overview, 64);
    }
}

/// What a command asks (`/kpi 名前`, `/list 部署`, `/progress R8`) reaches the engine as a
/// typed call, not as a question made up and understood again.
#[test]
fn commands_are_typed_calls_to_the_engine() {
    let e = engine();
    let o = e.about_name("どこでも窓口", Intent::Kpi);
    assert_eq!((o.intent, pages(&o).first().copied()), (Intent::Kpi, Some(18)), "{o:?}");
    // A name written by sound is understood as in any question.
    let o = e.about_name("どこでもまどぐち", Intent::Schedule);
    assert_eq!((o.intent, pages(&o).first().copied()), (Intent::Schedule, Some(18)), "{o:?}");

    let f = e.facets("デジタル推進課");
    assert_eq!(f.department.as_deref(), Some("デジタル推進課"));
    let list = e.list_by(f, false);
    let expected: Vec<u16> = e
        .plan()
        .initiatives
        .iter()
        .filter(|i| i.departments.iter().any(|d| d == "デジタル推進課"))
        .map(|i| i.page)
        .collect();
    assert_eq!((list.intent, pages(&list)), (Intent::List, expected));

    let f = e.facets("基本方針2");
    assert_eq!(f.policy, Some(2));
    let progress = e.list_by(f, true);
    assert!(progress.progress && progress.hits.len() > 5, "{progress:?}");
    let f = e.facets("R9");
    assert_eq!(f.year.map(|y| y.year.gregorian()), Some(2027));
    let f = e.facets("デジタル推進課 令和8年度");
    assert_eq!((f.department.as_deref(), f.year.map(|y| y.year.gregorian())), (Some("デジタル推進課"), Some(2026)));

    // Nothing to select: everything, in page order.
    let all = e.list_by(Default::default(), true);
    assert_eq!(all.hits.len(), e.plan().initiatives.len());
}
