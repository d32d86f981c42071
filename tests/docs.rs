//! The documents a newcomer reads have no dead links: every relative link in README.md and
//! BENCHMARKS.md names a file of the repository, and every `#anchor` a heading of it.

#![allow(clippy::unwrap_used)]

use std::path::Path;

/// The targets of the Markdown links `[text](target)` of `text`, outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].trim().to_string());
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's anchor of a heading: lower case, spaces to hyphens, punctuation dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

#[test]
fn every_relative_link_of_the_readme_and_the_benchmarks_resolves() {
    let mut checked = 0;
    for doc in ["README.md", "BENCHMARKS.md"] {
        let text = std::fs::read_to_string(doc).unwrap();
        for link in links(&text) {
            if link.starts_with("http://") || link.starts_with("https://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() { doc.to_string() } else { file.to_string() };
            assert!(Path::new(&target).exists(), "{doc}: the link ({link}) names no file of the repository");
            if !anchor.is_empty() {
                let headings = anchors(&std::fs::read_to_string(&target).unwrap());
                assert!(headings.iter().any(|h| h == anchor), "{doc}: ({link}) names no heading of {target}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} links found: is the link reader broken?");
}

#[test]
fn headings_become_github_anchors() {
    assert_eq!(slug(" Who owns what"), "who-owns-what");
    assert_eq!(slug(" `ask --json`"), "ask---json");
    assert_eq!(slug(" Trying the bots without Telegram"), "trying-the-bots-without-telegram");
}
