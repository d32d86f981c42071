//! The lexicon's data files: they load, and the thesaurus points only at words the plan has.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use keikaku::normalize::fold_kana;
use keikaku::search::Lexicon;

#[test]
fn the_lexicon_loads() {
    let lex = Lexicon::load(std::path::Path::new("data")).expect("data/lexicon loads");
    assert!(lex.thesaurus.len() > 300, "the thesaurus has {} entries", lex.thesaurus.len());
    assert!(!lex.stopwords.is_empty());
    assert!(lex.intents.iter().all(|(_, cues)| !cues.is_empty()));
}

#[test]
fn every_thesaurus_term_is_in_the_plan() {
    let plan = std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md").unwrap();
    let plan = fold_kana(&plan).replace(' ', "");
    let lex = Lexicon::load(std::path::Path::new("data")).unwrap();
    let dangling: Vec<String> = lex
        .thesaurus
        .iter()
        .flat_map(|e| {
            e.terms
                .iter()
                .filter(|t| !plan.contains(t.as_str()))
                .map(move |t| format!("line {}: {} → {t}", e.line, e.word))
        })
        .collect();
    assert!(dangling.is_empty(), "thesaurus terms the plan does not have: {dangling:#?}");
}

#[test]
fn thesaurus_words_are_not_repeated() {
    let lex = Lexicon::load(std::path::Path::new("data")).unwrap();
    let mut seen = std::collections::HashMap::new();
    for e in &lex.thesaurus {
        if let Some(first) = seen.insert(fold_kana(&e.word), e.line) {
            panic!("「{}」 is on line {first} and again on line {}", e.word, e.line);
        }
    }
}

#[test]
fn no_evaluation_question_is_in_the_data_or_the_code() {
    let mut blob = String::new();
    for dir in ["src", "data"] {
        for entry in walk(std::path::Path::new(dir)) {
            blob.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
        }
    }
    let blob = keikaku::normalize::normalize(&blob);
    for jsonl in
        // The residents' set (the public set's 「どこでも窓口のKPI」 is DESIGN.md's own example
        // of the contract, quoted in help texts on purpose).
        [include_str!("eval_residents.jsonl")]
    {
        for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let q = keikaku::normalize::normalize(case["q"].as_str().unwrap_or(""));
            assert!(q.chars().count() < 8 || !blob.contains(&q), "evaluation question in src/ or data/: {q}");
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("state") {
                out.extend(walk(&path));
            }
        } else {
            out.push(path);
        }
    }
    out
}
