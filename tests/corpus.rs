//! The corpus of example questions (`data/nlu/`): every file parses, it holds what the
//! README promises (per initiative, per style, per intent, per list facet, out of plan),
//! no question is a near copy of an evaluation question, and the calibration kept beside
//! it was fit on it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use keikaku::nlu::corpus::{self, Example, jaccard, trigrams};
use keikaku::plan::Plan;
use keikaku::search::learned::CorpusTexts;

fn plan() -> Plan {
    Plan::parse(&std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md").unwrap()).unwrap()
}

/// Every question of `tests/eval_*.jsonl`, with its file's name.
fn evaluation_questions() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("tests").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("eval_") && name.ends_with(".jsonl") {
            for line in std::fs::read_to_string(&path).unwrap().lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                out.push((v["q"].as_str().unwrap().to_string(), name.clone()));
            }
        }
    }
    out
}

fn examples() -> (CorpusTexts, Vec<Example>) {
    let texts = CorpusTexts::read(std::path::Path::new("data")).unwrap();
    let examples = texts.examples(&plan()).expect("every corpus line parses");
    (texts, examples)
}

#[test]
fn every_initiative_has_twenty_questions_in_six_styles_and_every_intent() {
    let (_, examples) = examples();
    let counts = corpus::counts(&examples);
    for i in &plan().initiatives {
        let n = counts.per_page.get(&i.page).copied().unwrap_or(0);
        assert!(n >= 20, "p.{} has {n} questions (at least 20)", i.page);
        let styles = counts.page_styles.get(&i.page).map_or(0, |s| s.len());
        assert!(styles >= 6, "p.{} is written in {styles} styles (at least 6)", i.page);
        let intents = counts.page_intents.get(&i.page).map_or(0, |s| s.len());
        assert_eq!(intents, 8, "p.{} asks {intents} of the 8 single-initiative intents", i.page);
    }
}

#[test]
fn every_intent_and_list_facet_has_forty_phrasings_and_out_of_plan_has_250() {
    let (_, examples) = examples();
    let counts = corpus::counts(&examples);
    for intent in corpus::INTENTS {
        let n = counts.per_intent.get(intent).copied().unwrap_or(0);
        assert!(n >= 40, "intent {intent}: {n} questions (at least 40)");
    }
    for facet in [
        "department",
        "policy",
        "means",
        "year-starts",
        "year-ends",
        "year-runs",
        "single-year",
        "has-kpi",
        "no-kpi",
        "stage",
        "oldest",
        "newest",
        "topic",
        "combined",
    ] {
        let n = counts.per_facet.get(facet).copied().unwrap_or(0);
        assert!(n >= 40, "list facet {facet}: {n} questions (at least 40)");
    }
    assert!(counts.out_of_plan >= 250, "{} out-of-plan questions (at least 250)", counts.out_of_plan);
    for style in ["everyday", "hiragana", "casual", "shorthand", "polite", "figure"] {
        assert!(counts.per_style.get(style).copied().unwrap_or(0) >= 100, "style {style}");
    }
}

#[test]
fn polite_questions_are_long_messages_and_no_question_is_listed_twice() {
    let (_, examples) = examples();
    let mut seen = BTreeSet::new();
    for e in &examples {
        assert!(seen.insert(e.question.clone()), "{}: 「{}」 is listed twice", e.origin, e.question);
        if e.style == "polite" {
            let n = e.question.chars().count();
            assert!((120..=450).contains(&n), "{}: a polite message of {n} characters", e.origin);
        }
    }
}

/// A corpus question that nearly copies an evaluation question would teach the model the
/// test: none may (character-trigram Jaccard ≥ 0.5 after NFKC).
#[test]
fn no_corpus_question_is_a_near_copy_of_an_evaluation_question() {
    let (_, examples) = examples();
    let evaluation: Vec<_> = evaluation_questions().into_iter().map(|(q, file)| (trigrams(&q), q, file)).collect();
    assert!(evaluation.len() > 250);
    let mut copies = Vec::new();
    for e in &examples {
        let t = trigrams(&e.question);
        for (et, q, file) in &evaluation {
            if jaccard(&t, et) >= 0.5 {
                copies.push(format!("{}: 「{}」 ≈ {file} 「{q}」", e.origin, e.question));
            }
        }
    }
    assert!(copies.is_empty(), "near copies of evaluation questions:\n{}", copies.join("\n"));
}

/// The calibration the bots read was fit on this corpus: after changing the corpus, run
/// `keikaku nlu eval --write`.
#[test]
fn the_calibration_was_fit_on_this_corpus() {
    let (texts, _) = examples();
    let calibration = texts.calibration().unwrap();
    assert_eq!(
        calibration.corpus,
        texts.fingerprint(),
        "data/nlu/calibration.json is stale: run `keikaku nlu eval --write` and commit it"
    );
    assert!(calibration.thresholds.temperature > 0.0 && calibration.thresholds.cost.is_finite());
}

/// The program's code and data quote no evaluation question: `src/` and `data/` hold none of
/// `tests/eval_*.jsonl`'s questions verbatim. Short ones (under twelve characters) are left
/// out: a topic and a facet (「…のKPI」, 「…課の取組」) is how the help texts show the bot is
/// asked, not a question fit to; a longer one quoted is.
#[test]
fn no_evaluation_question_is_quoted_in_the_code_or_the_data() {
    let questions: Vec<String> =
        evaluation_questions().into_iter().map(|(q, _)| q).filter(|q| q.chars().count() >= 12).collect();
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                // The state folder is the running bot's; the LINE rich menu's buttons send
                // the plan's basic means as typed (「ペーパーレス化の取組一覧」), a menu, not a
                // question fit to.
                if !path.ends_with("state") && !path.ends_with("line") {
                    files(&path, out);
                }
            } else {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    files(std::path::Path::new("src"), &mut paths);
    files(std::path::Path::new("data"), &mut paths);
    let mut quoted = Vec::new();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for q in questions.iter().filter(|q| text.contains(q.as_str())) {
            quoted.push(format!("{}: 「{q}」", path.display()));
        }
    }
    assert!(quoted.is_empty(), "evaluation questions quoted:\n{}", quoted.join("\n"));
}
