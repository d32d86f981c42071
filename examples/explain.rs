//! # What the engine makes of questions
//!
//! Reads questions from stdin, one per line, and prints for each the intent, the pages it
//! found (with their coverage) and, with `-v`, the card. A tool for tuning the engine on
//! questions people really ask:
//!
//! ```sh
//! printf 'どこでも窓口のKPI\nコンビニ交付\n' | cargo run --example explain -- -v
//! ```

use std::io::BufRead;

use keikaku::answer::{card, render_text};
use keikaku::search::{self, Paths, Rebuild};

fn main() -> anyhow::Result<()> {
    // # Opening the engine
    //
    // The same call the CLI makes: the plan is parsed, the dictionary compiled on first use,
    // and the index opened (or rebuilt when the document changed).
    let paths = Paths { data_dir: "data".into(), index_dir: "index".into() };
    let engine = search::open(&paths, Rebuild::IfStale)?;
    let verbose = std::env::args().any(|a| a == "-v");

    // # Asking
    //
    // `ask` returns an `Outcome`: the intent, the hits with their coverage (the share of
    // the question's subject an initiative holds), and, for `not_found`, suggestions.
    for line in std::io::stdin().lock().lines() {
        let question = line?;
        let outcome = engine.ask(&question);
        let hits: Vec<String> = outcome.hits.iter().map(|h| format!("p.{} ({:.2})", h.page, h.coverage)).collect();
        let suggestions: Vec<String> = outcome.suggestions.iter().map(|h| format!("p.{}", h.page)).collect();
        println!(
            "{question} => {}{} [{}]{}",
            outcome.intent.as_str(),
            if outcome.ambiguous { " (ambiguous)" } else { "" },
            hits.join(", "),
            if suggestions.is_empty() { String::new() } else { format!(" suggestions: {}", suggestions.join(", ")) }
        );
        if verbose {
            println!("{}", render_text(&card(engine.plan(), &outcome)));
        }
    }
    Ok(())
}
