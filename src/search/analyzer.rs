//! The analyzer: one way of cutting text into terms, used alike for indexing and for
//! questions, so that what a question says meets what the plan says.
//!
//! Two views of a text: morphological terms from lindera (content words only, verbs in their
//! dictionary form, text normalised first), and character bigrams of the kana-folded text,
//! which catch partial words, kana variants and small typos. Both are exposed as tantivy
//! tokenizers, registered by name.

use std::borrow::Cow;
use std::sync::Arc;

use lindera::dictionary::{Dictionary, UserDictionary};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::normalize::{fold_kana, normalize};

/// The tantivy name of the morphological tokenizer.
pub const JA: &str = "lang_ja";
/// The tantivy name of the bigram tokenizer.
pub const BIGRAM: &str = "ja_bigram";

/// A term of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The normalised surface (or, for verbs and adjectives, the dictionary form).
    pub text: String,
    /// The part of speech, as IPADIC names it (名詞, 動詞, カスタム名詞 …).
    pub pos: String,
    /// A content word (noun, verb, adjective, user-dictionary term), as opposed to particles,
    /// auxiliaries and symbols.
    pub content: bool,
    /// The normalised surface as written.
    pub surface: String,
    /// How the surface is read, folded (see [`super::reading::fold`]); for words the
    /// dictionary does not know, the surface itself.
    pub reading: String,
    /// Where the surface stands in the normalised text (bytes).
    pub span: std::ops::Range<usize>,
}

/// The morphological analyzer: lindera with IPADIC and the plan's user dictionary.
#[derive(Clone)]
pub struct Analyzer {
    segmenter: Arc<Segmenter>,
}

impl Analyzer {
    /// An analyzer over a loaded dictionary and an optional user dictionary.
    pub fn new(dictionary: Dictionary, user: Option<UserDictionary>) -> Analyzer {
        Analyzer { segmenter: Arc::new(Segmenter::new(Mode::Normal, dictionary, user)) }
    }

    /// Every term of `text`, after normalisation, in order.
    pub fn terms(&self, text: &str) -> Vec<Term> {
        let normalized = normalize(text);
        let Ok(tokens) = self.segmenter.segment(Cow::Borrowed(normalized.as_str())) else {
            return Vec::new();
        };
        let mut terms = Vec::with_capacity(tokens.len());
        for mut token in tokens {
            let surface = token.surface.to_string();
            let span = token.byte_start..token.byte_end;
            let details: Vec<String> = token.details().iter().map(|s| s.to_string()).collect();
            let pos = details.first().cloned().unwrap_or_default();
            let sub = details.get(1).map(String::as_str).unwrap_or("");
            let base = details.get(6).filter(|b| b.as_str() != "*").cloned();
            let reading = details
                .get(7)
                .filter(|r| r.as_str() != "*")
                .map_or_else(|| super::reading::fold(&surface), |r| super::reading::fold(r));
            let content = match pos.as_str() {
                "名詞" => {
                    !matches!(sub, "非自立" | "代名詞" | "接尾" | "副詞可能")
                        || surface.chars().count() > 1 && sub == "接尾"
                }
                "動詞" | "形容詞" => sub == "自立",
                "カスタム名詞" | "UNK" => true,
                "接頭詞" | "副詞" => false,
                _ => false,
            };
            let content = content && !surface.chars().all(|c| !c.is_alphanumeric());
            let text = match pos.as_str() {
                "動詞" | "形容詞" => base.unwrap_or_else(|| surface.clone()),
                _ => surface.clone(),
            };
            terms.push(Term { text, pos, content, surface, reading, span });
        }
        terms
    }

    /// The content terms of `text`, as strings.
    pub fn content_terms(&self, text: &str) -> Vec<String> {
        self.terms(text).into_iter().filter(|t| t.content).map(|t| t.text).collect()
    }
}

/// Character bigrams of the kana-folded text; a run of one character gives that character.
/// Punctuation and spaces break runs.
///
/// ```
/// assert_eq!(keikaku::search::bigrams("ゆーバス"), vec!["ユー", "ーバ", "バス"]);
/// ```
pub fn bigrams(text: &str) -> Vec<String> {
    let folded = fold_kana(text);
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut flush = |run: &mut Vec<char>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => out.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
        }
        run.clear();
    };
    for c in folded.chars() {
        if c.is_alphanumeric() || c == 'ー' || c == '々' {
            run.push(c);
        } else {
            flush(&mut run);
        }
    }
    flush(&mut run);
    out
}

/// A token stream over precomputed terms.
pub struct TermStream {
    terms: Vec<String>,
    index: usize,
    token: Token,
}

impl TermStream {
    fn new(terms: Vec<String>) -> TermStream {
        TermStream { terms, index: 0, token: Token::default() }
    }
}

impl TokenStream for TermStream {
    fn advance(&mut self) -> bool {
        let Some(text) = self.terms.get(self.index) else {
            return false;
        };
        self.token.text.clear();
        self.token.text.push_str(text);
        self.token.position = self.index;
        self.token.offset_from = self.index;
        self.token.offset_to = self.index + 1;
        self.token.position_length = 1;
        self.index += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// [`Analyzer`] as a tantivy tokenizer: content terms only.
#[derive(Clone)]
pub struct JaTokenizer(pub Analyzer);

impl Tokenizer for JaTokenizer {
    type TokenStream<'a> = TermStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TermStream {
        TermStream::new(self.0.content_terms(text))
    }
}

/// [`bigrams`] as a tantivy tokenizer.
#[derive(Clone, Default)]
pub struct BigramTokenizer;

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = TermStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TermStream {
        TermStream::new(bigrams(text))
    }
}
