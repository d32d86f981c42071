//! `keikaku nlu eval`: the corpus cross-validated, as a table (or JSON).

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::say;
use crate::nlu::crossval::{Figures, Report};
use crate::search::learned::{self, CorpusTexts};
use crate::search::{self, Paths, Rebuild};

/// Cross-validates the corpus and prints the figures.
pub fn eval(paths: &Paths, json: bool, write: bool, mistakes: bool) -> anyhow::Result<ExitCode> {
    let engine = search::open(paths, Rebuild::IfStale)?;
    let corpus = CorpusTexts::read(&paths.data_dir)?;
    let started = std::time::Instant::now();
    let report = learned::cross_validate(&engine.with_nlu(None), &corpus)?;
    let seconds = started.elapsed().as_secs_f32();
    if write {
        let file = paths.data_dir.join(learned::CORPUS_DIR).join(learned::CALIBRATION_FILE);
        let text = serde_json::to_string_pretty(&report.calibration)? + "\n";
        std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
        eprintln!("wrote {}", file.display());
    }
    if json {
        say!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_report(&report, seconds)?;
    if mistakes {
        say!("\n| where | question | expected | answered |\n|---|---|---|---|");
        for (origin, q, expected, answered) in &report.mistakes {
            say!("| {origin} | {q} | {expected} | {answered} |");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &Report, seconds: f32) -> anyhow::Result<()> {
    say!(
        "{}-fold cross-validation of {} corpus questions, grouped (near copies in one fold); {seconds:.1} s",
        r.k,
        r.overall.questions
    );
    say!(
        "the decision: the least expected cost under the ranker's probabilities at temperature {:.2}, fit on the held-out folds (cost {:.3} per question)",
        r.calibration.thresholds.temperature,
        r.calibration.thresholds.cost
    );
    let w = &r.calibration.ranker;
    say!(
        "ranker weights: candidate {:?}, none {:?}; the engine's intent: {:.2} when a cue names it, {:.2} when implied\n",
        w.candidate,
        w.none,
        r.calibration.cue_weight,
        r.calibration.implied_weight
    );
    say!(
        "| style | questions | intent | initiative top-1 | answered right | offered right | false not-found | wrong card | out-of-plan answered | list right | passes |"
    );
    say!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    say!("{}", row("all", &r.overall));
    for (style, f) in &r.per_style {
        say!("{}", row(style, f));
    }
    say!(
        "\n| intent | questions | intent | initiative top-1 | answered right | offered right | false not-found | wrong card | out-of-plan answered | list right | passes |"
    );
    say!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (intent, f) in &r.per_intent {
        say!("{}", row(intent, f));
    }
    Ok(())
}

fn row(name: &str, f: &Figures) -> String {
    let pct = |x: f32| format!("{:.1}%", 100.0 * x);
    format!(
        "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        f.questions,
        pct(f.intent_accuracy),
        pct(f.initiative_top1),
        pct(f.answered_right),
        pct(f.offered_right),
        pct(f.false_not_found),
        pct(f.wrong_card),
        pct(f.out_of_plan_answered),
        pct(f.list_right),
        pct(f.passes)
    )
}
