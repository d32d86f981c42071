//! `keikaku ask --explain`: what each stage of understanding made of a question, as text an
//! administrator reads to see why an answer came out as it did.

use std::fmt::Write;

use crate::search::Explanation;

/// The explanation as plain text, one stage a block.
pub fn render_explanation(x: &Explanation) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "question:   {}", x.question);
    let _ = writeln!(s, "normalised: {}", x.normalized);
    let words: Vec<String> = x
        .words
        .iter()
        .map(|(surface, base, pos, reading)| {
            if surface == base {
                format!("{surface}/{pos}/{reading}")
            } else {
                format!("{surface}({base})/{pos}/{reading}")
            }
        })
        .collect();
    let _ = writeln!(s, "words:      {}", words.join(" "));
    let _ = writeln!(s, "intent cue: {}", x.cue.as_deref().unwrap_or("-"));
    let _ = writeln!(s, "facets:     {}", serde_json::to_string(&x.filters).unwrap_or_default());
    if let Some(what) = &x.not_in_plan {
        let _ = writeln!(s, "not in plan: {what}");
    }
    for (f, pages) in &x.figures {
        let pages: Vec<String> = pages.iter().map(|(p, fit)| format!("p.{p} ({fit:.2})")).collect();
        let _ = writeln!(s, "figure:     {} {} → {}", f.value, f.unit.as_deref().unwrap_or(""), pages.join(", "));
    }
    let _ = writeln!(s, "subject:");
    for t in &x.subject {
        let forms: Vec<String> =
            t.forms.iter().skip(1).map(|f| format!("{}({:?} {:.1})", f.text, f.via, f.strength)).collect();
        let _ = writeln!(
            s,
            "  {} [{}] weight {:.2}{}{}",
            t.word,
            t.reading,
            t.weight,
            if t.is_background() { " (background)" } else { "" },
            if forms.is_empty() { String::new() } else { format!(" → {}", forms.join(", ")) }
        );
    }
    let _ = writeln!(s, "candidates:");
    for (page, coverage, evidence) in &x.candidates {
        let held: Vec<String> = evidence
            .iter()
            .filter(|(_, strength, _)| *strength > 0.0)
            .map(|(w, strength, via)| {
                format!("{w}:{:?} {strength:.1}", via.unwrap_or(crate::search::matcher::Via::Word))
            })
            .collect();
        let _ = writeln!(s, "  p.{page} coverage {coverage:.2}  {}", held.join(", "));
    }
    match &x.model {
        None => {
            let _ = writeln!(s, "models:     none (no corpus in data/nlu/): the engine's stages decide alone");
        }
        Some(m) => {
            let pct = |p: f32| format!("{:.0}%", 100.0 * p);
            let pages: Vec<String> = m
                .pages
                .iter()
                .map(|(page, p)| match page {
                    Some(page) => format!("p.{page} {}", pct(*p)),
                    None => format!("none {}", pct(*p)),
                })
                .collect();
            let ranked: Vec<String> = m.ranked.iter().map(|(page, p)| format!("p.{page} {}", pct(*p))).collect();
            let named =
                |v: &[(String, f32)]| v.iter().map(|(n, p)| format!("{n} {}", pct(*p))).collect::<Vec<_>>().join(", ");
            let _ = writeln!(s, "intent model:     {}", named(&m.intents));
            let _ =
                writeln!(s, "initiative model: {} (out of plan by either model {})", pages.join(", "), pct(m.outside));
            if m.intents.first().is_some_and(|(i, _)| i == "list") {
                let _ = writeln!(
                    s,
                    "list facets:      {} (each by its own model: {}); values: {}",
                    named(&m.facets),
                    named(&m.each_facet),
                    named(&m.values)
                );
            }
            let _ = writeln!(s, "ranker:           {}; none {}", ranked.join(", "), pct(m.none));
            let _ = writeln!(s, "weighed:          {}", m.decision);
        }
    }
    let pages: Vec<String> = x.outcome.hits.iter().map(|h| format!("p.{}", h.page)).collect();
    let _ = writeln!(
        s,
        "decision:   {}{} [{}]{}",
        x.outcome.intent.as_str(),
        if x.outcome.ambiguous { " (candidates offered)" } else { "" },
        pages.join(", "),
        x.outcome.not_found.as_ref().map(|r| format!(" — {r:?}")).unwrap_or_default()
    );
    s
}
