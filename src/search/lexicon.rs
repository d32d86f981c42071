//! The word lists that understanding runs on, kept as data in `data/lexicon/` so that an
//! administrator can read and extend them without touching code:
//!
//! - `cues.tsv` — phrases that say what a question asks (`kind<TAB>phrase[<TAB>value]`):
//!   intent cues, list and progress cues, KPI facets, superlatives, year relations, and the
//!   things the plan never states;
//! - `thesaurus.tsv` — people's words for the plan's terms (`word<TAB>term, term`);
//! - `taught.tsv` — more of them, as administrators taught them from chat (`keikaku teach`,
//!   `/teach`): the same form, written by [`crate::teach`], optional;
//! - `stopwords.txt` — words that never name a subject (one a line);
//! - `name-noise.txt` — words too common in initiative names to identify one.
//!
//! Every file is checked when it is loaded: an error names the file and the line.

use std::collections::BTreeSet;
use std::path::Path;

use super::intent::Intent;
use crate::normalize::{fold_kana, normalize};

/// The folder under the data directory.
pub const LEXICON_DIR: &str = "lexicon";
/// The files of the lexicon, in the order they are read.
pub const FILES: [&str; 5] = ["cues.tsv", "thesaurus.tsv", TAUGHT_FILE, "stopwords.txt", "name-noise.txt"];
/// The words administrators taught, inside the lexicon folder (missing: none taught).
pub const TAUGHT_FILE: &str = "taught.tsv";

/// The texts of the lexicon's files, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    /// `cues.tsv`.
    pub cues: String,
    /// `thesaurus.tsv`.
    pub thesaurus: String,
    /// `taught.tsv` (empty when there is none).
    pub taught: String,
    /// `stopwords.txt`.
    pub stopwords: String,
    /// `name-noise.txt`.
    pub name_noise: String,
}

impl Texts {
    /// Reads the files from `data_dir/lexicon/`; only `taught.tsv` may be missing.
    pub fn read(data_dir: &Path) -> Result<Texts, LexiconError> {
        let dir = data_dir.join(LEXICON_DIR);
        let read = |name: &str| {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Err(e) if name == TAUGHT_FILE && e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
                Err(e) => Err(LexiconError {
                    file: path.display().to_string(),
                    line: 0,
                    message: format!(
                        "cannot be read ({e}); restore it from the repository or point --data-dir elsewhere"
                    ),
                }),
                Ok(text) => Ok(text),
            }
        };
        Ok(Texts {
            cues: read("cues.tsv")?,
            thesaurus: read("thesaurus.tsv")?,
            taught: read(TAUGHT_FILE)?,
            stopwords: read("stopwords.txt")?,
            name_noise: read("name-noise.txt")?,
        })
    }

    /// A hash of every text: what data prepared with the lexicon is kept under.
    pub fn fingerprint(&self) -> String {
        super::index::fingerprint(&[
            self.cues.as_bytes(),
            self.thesaurus.as_bytes(),
            self.taught.as_bytes(),
            self.stopwords.as_bytes(),
            self.name_noise.as_bytes(),
        ])
    }
}

/// A malformed lexicon line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct LexiconError {
    /// The file's name.
    pub file: String,
    /// The line, from 1 (0 when the file itself cannot be read).
    pub line: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

/// One thesaurus entry: a word people use and the plan's terms it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The word as people write it, normalised.
    pub word: String,
    /// The plan's terms, kana-folded.
    pub terms: Vec<String>,
    /// The line it came from, for errors and `--explain`.
    pub line: usize,
}

/// Every word list understanding uses.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Intent cues, per intent, in order of precedence.
    pub intents: Vec<(Intent, Vec<String>)>,
    /// Contents cues that as often ask for the overview (「どんな事業」).
    pub weak_contents: Vec<String>,
    /// Cues of a request for several initiatives.
    pub list: Vec<String>,
    /// Cues of a request for progress (actuals against targets).
    pub progress: Vec<String>,
    /// Phrases that never narrow a question (the plan's and the city's names).
    pub ignore: Vec<String>,
    /// Words that speak of initiatives in general (「取組」).
    pub about: Vec<String>,
    /// Words that name KPIs (「KPI」「数値目標」), for the has/has-no KPI facet.
    pub kpi_words: Vec<String>,
    /// Words after a KPI word that say it is there (「ある」「設定されている」).
    pub kpi_present: Vec<String>,
    /// Words after a KPI word that say it is missing (「ない」「空欄」).
    pub kpi_absent: Vec<String>,
    /// Phrases asking for a single-year initiative.
    pub single_year: Vec<String>,
    /// Phrases asking for the oldest initiative (earliest start).
    pub oldest: Vec<String>,
    /// Phrases asking for the newest initiative (latest start).
    pub newest: Vec<String>,
    /// Phrases asking for KPI targets that stay the same every year.
    pub constant_targets: Vec<String>,
    /// Phrases naming a stage of the schedule, with the schedule's word (作っている → 構築).
    pub stages: Vec<(String, String)>,
    /// Phrases naming a basic policy by its theme (地域社会 → 3).
    pub policies: Vec<(String, u8)>,
    /// Phrases after a year that make it a start (「から」「に着手」).
    pub starts: Vec<String>,
    /// Phrases after a year that make it an end (「まで」「で終わる」).
    pub ends: Vec<String>,
    /// KPI cues that count only when no other cue is there (「目指す」).
    pub kpi_weak: Vec<String>,
    /// Phrases that look like a cue and are none (「…しなくてよい」).
    pub neutral: Vec<String>,
    /// Everyday words that say less about which initiative is meant (スマホ, 子ども).
    pub light: BTreeSet<String>,
    /// Phrases asking what the plan never states, with what that is (「いくら」 → 金額).
    pub not_in_plan: Vec<(String, String)>,
    /// People's words for the plan's terms, longest word first.
    pub thesaurus: Vec<Entry>,
    /// Kana-folded thesaurus word → its entries (indexes into `thesaurus`).
    by_word: std::collections::HashMap<String, Vec<usize>>,
    /// Words that never name a subject.
    pub stopwords: BTreeSet<String>,
    /// Words too common in initiative names to identify one.
    pub name_noise: BTreeSet<String>,
    /// A hash of the four files' texts: data prepared with this lexicon is kept under it.
    pub fingerprint: String,
}

impl Lexicon {
    /// Reads the lexicon from `data_dir/lexicon/`.
    pub fn load(data_dir: &Path) -> Result<Lexicon, LexiconError> {
        Lexicon::from_texts(&Texts::read(data_dir)?)
    }

    /// Parses four files' texts, with nothing taught.
    pub fn parse(cues: &str, thesaurus: &str, stopwords: &str, name_noise: &str) -> Result<Lexicon, LexiconError> {
        Lexicon::from_texts(&Texts {
            cues: cues.into(),
            thesaurus: thesaurus.into(),
            taught: String::new(),
            stopwords: stopwords.into(),
            name_noise: name_noise.into(),
        })
    }

    /// Parses the files' texts.
    pub fn from_texts(texts: &Texts) -> Result<Lexicon, LexiconError> {
        let Texts { cues, thesaurus, taught, stopwords, name_noise } = texts;
        let mut lex = Lexicon {
            fingerprint: texts.fingerprint(),
            intents: [
                Intent::Department,
                Intent::Period,
                Intent::Schedule,
                Intent::Kpi,
                Intent::Methods,
                Intent::Effects,
                Intent::Contents,
                Intent::Overview,
            ]
            .into_iter()
            .map(|i| (i, Vec::new()))
            .collect(),
            ..Lexicon::default()
        };
        for (line, cells) in rows(cues) {
            let err = |message: String| LexiconError { file: "cues.tsv".into(), line, message };
            let (kind, phrase, value) = match cells.as_slice() {
                [k, p] => (*k, normalize(p), None),
                [k, p, v] => (*k, normalize(p), Some(*v)),
                _ => return Err(err("expected 「kind<TAB>phrase」 or 「kind<TAB>phrase<TAB>value」".into())),
            };
            if phrase.is_empty() {
                return Err(err("the phrase is empty".into()));
            }
            let need_value =
                |v: Option<&str>| v.map(str::to_string).ok_or_else(|| err(format!("「{kind}」 needs a value")));
            match kind {
                "contents-weak" => {
                    lex.weak_contents.push(phrase.clone());
                    lex.push_intent(Intent::Contents, phrase);
                }
                "list" => lex.list.push(phrase),
                "progress" => lex.progress.push(phrase),
                "ignore" => lex.ignore.push(phrase),
                "about" => lex.about.push(phrase),
                "kpi-word" => lex.kpi_words.push(phrase),
                "kpi-present" => lex.kpi_present.push(phrase),
                "kpi-absent" => lex.kpi_absent.push(phrase),
                "single-year" => lex.single_year.push(phrase),
                "oldest" => lex.oldest.push(phrase),
                "newest" => lex.newest.push(phrase),
                "constant-targets" => lex.constant_targets.push(phrase),
                "starts" => lex.starts.push(phrase),
                "kpi-weak" => lex.kpi_weak.push(phrase),
                "neutral" => lex.neutral.push(phrase),
                "light" => {
                    lex.light.insert(fold_kana(&phrase));
                }
                "ends" => lex.ends.push(phrase),
                "stage" => lex.stages.push((phrase, need_value(value)?)),
                "not-in-plan" => lex.not_in_plan.push((phrase, need_value(value)?)),
                "policy" => {
                    let n = need_value(value)?;
                    let n = n.parse::<u8>().map_err(|_| err(format!("「{n}」 is not a policy number")))?;
                    lex.policies.push((phrase, n));
                }
                other => match intent_named(other) {
                    Some(intent) => lex.push_intent(intent, phrase),
                    None => return Err(err(format!("unknown kind 「{other}」"))),
                },
            }
        }
        for (file, text) in [("thesaurus.tsv", thesaurus), (TAUGHT_FILE, taught)] {
            for (line, cells) in rows(text) {
                let entry =
                    thesaurus_entry(&cells).map_err(|message| LexiconError { file: file.into(), line, message })?;
                lex.thesaurus.push(Entry { line, ..entry });
            }
        }
        lex.thesaurus.sort_by(|a, b| b.word.chars().count().cmp(&a.word.chars().count()).then(a.line.cmp(&b.line)));
        for (n, e) in lex.thesaurus.iter().enumerate() {
            lex.by_word.entry(fold_kana(&e.word)).or_default().push(n);
        }
        lex.stopwords = words(stopwords);
        lex.name_noise = words(name_noise);
        // Longest phrases first, so that 「何年度から」 is found before 「から」.
        for (_, cues) in &mut lex.intents {
            cues.sort_by_key(|c| std::cmp::Reverse(c.len()));
        }
        for list in
            [&mut lex.list, &mut lex.progress, &mut lex.starts, &mut lex.ends, &mut lex.kpi_words, &mut lex.kpi_weak]
        {
            list.sort_by_key(|c| std::cmp::Reverse(c.len()));
        }
        Ok(lex)
    }

    fn push_intent(&mut self, intent: Intent, phrase: String) {
        if let Some((_, cues)) = self.intents.iter_mut().find(|(i, _)| *i == intent) {
            cues.push(phrase);
        }
    }

    /// The thesaurus entries whose word is `word` (normalised, kana-folded).
    pub fn terms_for(&self, word: &str) -> impl Iterator<Item = &Entry> {
        self.by_word.get(&fold_kana(word)).into_iter().flatten().filter_map(|n| self.thesaurus.get(*n))
    }
}

/// A thesaurus line's cells as an entry (line 0), or what is wrong with them.
pub fn thesaurus_entry(cells: &[&str]) -> Result<Entry, String> {
    let [word, terms] = cells else {
        return Err("expected 「word<TAB>term, term」".into());
    };
    let terms: Vec<String> = terms.split([',', '、']).map(|t| fold_kana(t.trim())).filter(|t| !t.is_empty()).collect();
    let word = normalize(word);
    if word.is_empty() || terms.is_empty() {
        return Err("the word and at least one term are needed".into());
    }
    Ok(Entry { word, terms, line: 0 })
}

fn intent_named(name: &str) -> Option<Intent> {
    Some(match name {
        "department" => Intent::Department,
        "period" => Intent::Period,
        "schedule" => Intent::Schedule,
        "kpi" => Intent::Kpi,
        "methods" => Intent::Methods,
        "effects" => Intent::Effects,
        "contents" => Intent::Contents,
        "overview" => Intent::Overview,
        _ => return None,
    })
}

/// The non-comment lines of a TSV, with their numbers, split on tabs.
pub(crate) fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(n, line)| {
        let line = line.trim_end_matches(['\r', ' ']);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            return None;
        }
        Some((n + 1, line.split('\t').map(str::trim).collect()))
    })
}

fn words(text: &str) -> BTreeSet<String> {
    text.lines().map(|l| l.split('#').next().unwrap_or("").trim()).filter(|l| !l.is_empty()).map(normalize).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_are_read_by_kind_and_sorted_longest_first() {
        let lex = Lexicon::parse("period\tいつ\nperiod\tいつから\nlist\t一覧\nnot-in-plan\tいくら\t金額\n", "", "", "")
            .unwrap_or_default();
        let period = lex.intents.iter().find(|(i, _)| *i == Intent::Period).map(|(_, c)| c.clone());
        assert_eq!(period, Some(vec!["いつから".to_string(), "いつ".to_string()]));
        assert_eq!(lex.list, vec!["一覧"]);
        assert_eq!(lex.not_in_plan, vec![("いくら".to_string(), "金額".to_string())]);
    }

    #[test]
    fn a_malformed_line_names_its_file_and_line() {
        let err = Lexicon::parse("# comment\nperiod\tいつ\nwhatever\tx\n", "", "", "").err();
        assert_eq!(err.map(|e| (e.file, e.line)), Some(("cues.tsv".to_string(), 3)));
        let err = Lexicon::parse("", "ナイター\n", "", "").err();
        assert_eq!(err.map(|e| (e.file, e.line)), Some(("thesaurus.tsv".to_string(), 1)));
        let err = Lexicon::parse("policy\t地域社会\tthree\n", "", "", "").err();
        assert!(err.is_some_and(|e| e.message.contains("policy number")));
    }

    #[test]
    fn thesaurus_terms_are_kana_folded_and_longest_words_come_first() {
        let lex = Lexicon::parse("", "注射\t予防接種\n予防注射\t予防接種、よぼう\n", "", "").unwrap_or_default();
        assert_eq!(lex.thesaurus[0].word, "予防注射");
        assert_eq!(lex.thesaurus[0].terms, vec!["予防接種", "ヨボウ"]);
        assert_eq!(lex.terms_for("注射").count(), 1);
    }
}
