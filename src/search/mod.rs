//! Search: the Japanese index of the plan and the understanding of questions.

pub mod analyzer;
pub mod dictionary;
pub mod engine;
pub mod facets;
pub mod figures;
pub mod fuse;
pub mod index;
pub mod intent;
pub mod learned;
pub mod lexicon;
pub mod matcher;
pub mod outcome;
pub mod phonetic;
pub mod policy_number;
pub mod prepared;
pub mod reading;
pub mod understand;
pub mod vectors;
pub mod years;

pub use analyzer::{Analyzer, bigrams};
pub use engine::{Engine, Explanation};
pub use lexicon::{Lexicon, LexiconError};
pub use outcome::{Hit, NotFoundReason, Outcome};
pub use understand::{Filters, Intent, Superlative, YearFilter, YearRelation};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use prepared::Prepared;

use crate::plan::{Plan, PlanError};

/// The plan document's file name inside the data directory.
pub const PLAN_FILE: &str = "nasushiobara-dx-action-plan-2026-2028.md";
/// The user dictionary's file name inside the data directory.
pub const USER_DICTIONARY_FILE: &str = "userdict.csv";

/// Where the engine reads and writes.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The plan document, user dictionary and lexicon (default `data`).
    pub data_dir: PathBuf,
    /// The compiled dictionary and the search index (default `index`).
    pub index_dir: PathBuf,
}

impl Paths {
    /// The plan document.
    pub fn plan_file(&self) -> PathBuf {
        self.data_dir.join(PLAN_FILE)
    }

    /// The folder of search indexes.
    pub fn search_dir(&self) -> PathBuf {
        self.index_dir.join("search")
    }
}

/// How [`open`] treats an existing index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rebuild {
    /// Reuse the index when it was built from the same inputs.
    IfStale,
    /// Build a new one regardless.
    Always,
}

/// Reads a data file, saying which and what to do when it cannot.
pub fn read_data_file(path: &Path) -> Result<String, SearchError> {
    let bytes = std::fs::read(path).map_err(|cause| SearchError::Unreadable { path: path.to_path_buf(), cause })?;
    utf8(path, bytes)
}

/// The text of a file's bytes, or where the first byte that is not UTF-8 stands.
fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, SearchError> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        SearchError::NotUtf8 { path: path.to_path_buf(), line, offset }
    })
}

/// Opens the engine: reads and parses the plan and the lexicon, compiles the dictionary
/// (and the word vectors, when their wheel is there) on first use, and opens the search
/// index, rebuilding it when the document or the user dictionary changed. A plan that does
/// not parse leaves any existing index untouched.
pub fn open(paths: &Paths, rebuild: Rebuild) -> Result<Engine, SearchError> {
    open_inputs(&Inputs::read(paths)?, paths, rebuild)
}

/// [`open`] over inputs already read.
pub fn open_inputs(inputs: &Inputs, paths: &Paths, rebuild: Rebuild) -> Result<Engine, SearchError> {
    let lexicon = Lexicon::from_texts(&inputs.lexicon)?;
    open_from_text(
        &inputs.plan,
        &paths.plan_file(),
        &inputs.user_dictionary,
        lexicon,
        &inputs.corpus,
        &paths.index_dir,
        rebuild,
    )
}

/// Everything an engine is made from, as read from the data folder.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The plan document.
    pub plan: String,
    /// The user dictionary (empty when there is none).
    pub user_dictionary: String,
    /// The lexicon's files.
    pub lexicon: lexicon::Texts,
    /// The corpus of example questions (`data/nlu/`).
    pub corpus: learned::CorpusTexts,
}

impl Inputs {
    /// Reads them.
    pub fn read(paths: &Paths) -> Result<Inputs, SearchError> {
        Ok(Inputs {
            plan: read_data_file(&paths.plan_file())?,
            user_dictionary: read_optional(&paths.data_dir.join(USER_DICTIONARY_FILE))?,
            lexicon: lexicon::Texts::read(&paths.data_dir)?,
            corpus: learned::CorpusTexts::read(&paths.data_dir)?,
        })
    }

    /// What an engine made from them reports as [`Engine::inputs`].
    pub fn fingerprint(&self) -> String {
        format!(
            "{}-{}-{}",
            inputs_fingerprint(&self.plan, &self.user_dictionary),
            index::fingerprint(&[&self.corpus.bytes()]),
            self.lexicon.fingerprint()
        )
    }
}

/// The size and modification time of every input file: a cheap look that tells whether
/// any may have changed (then their contents are compared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp(Vec<Option<(u64, std::time::SystemTime)>>);

impl Stamp {
    /// The input files' stamps now (a missing file has none): the plan, the user
    /// dictionary, the lexicon and the corpus with its calibration.
    pub fn of(paths: &Paths) -> Stamp {
        let lexicon_dir = paths.data_dir.join(lexicon::LEXICON_DIR);
        let corpus_dir = paths.data_dir.join(learned::CORPUS_DIR);
        let mut corpus: Vec<PathBuf> = std::fs::read_dir(&corpus_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "tsv" || x == "json"))
            .collect();
        corpus.sort();
        let files = [paths.plan_file(), paths.data_dir.join(USER_DICTIONARY_FILE)]
            .into_iter()
            .chain(lexicon::FILES.iter().map(|name| lexicon_dir.join(name)))
            .chain(corpus);
        Stamp(
            files.map(|path| std::fs::metadata(path).ok().and_then(|m| Some((m.len(), m.modified().ok()?)))).collect(),
        )
    }
}

/// [`open`] over texts already read; `plan_path` only names the document in errors.
pub fn open_from_text(
    plan_text: &str,
    plan_path: &Path,
    user_dictionary_text: &str,
    lexicon: Lexicon,
    corpus: &learned::CorpusTexts,
    index_dir: &Path,
    rebuild: Rebuild,
) -> Result<Engine, SearchError> {
    let dict_dir = dictionary::ensure_compiled(index_dir)?;
    let dict = dictionary::load(&dict_dir)?;
    let user = dictionary::user_dictionary(user_dictionary_text)?;
    let analyzer = Analyzer::new(dict, Some(user));
    let fingerprint = inputs_fingerprint(plan_text, user_dictionary_text);
    let search_dir = index_dir.join("search");
    // A build killed midway (by anyone) leaves its folder: gone once its builder is.
    index::remove_stale_builds(&search_dir);
    let vectors = vectors::Vectors::open(index_dir)?.map(Arc::new);
    // What the engine reports as made from: the index's inputs and the corpus.
    let made_from = format!("{fingerprint}-{}", index::fingerprint(&[&corpus.bytes()]));
    // An index built from these very inputs, with the data prepared from them: nothing to
    // parse or analyse.
    if rebuild == Rebuild::IfStale
        && let Some(dir) = index::current(&search_dir, &fingerprint)
        && let Some(prepared) = Prepared::load(&dir, &lexicon)
    {
        match index::open(&dir, &analyzer) {
            Ok(index) => {
                let engine = Engine::new(prepared, analyzer, index, lexicon, vectors, made_from);
                return learned::attach(engine, index_dir, corpus);
            }
            Err(e) => tracing::warn!(error = %e, "the current index cannot be opened; rebuilding it"),
        }
    }
    let plan = Plan::parse(plan_text).map_err(|error| SearchError::Plan { path: plan_path.to_path_buf(), error })?;
    let index = index::open_or_build(&search_dir, &fingerprint, &plan, &analyzer, rebuild == Rebuild::Always)?;
    let prepared = Prepared::compute(plan, &analyzer, &lexicon);
    prepared.save(&index.dir, &lexicon);
    learned::attach(Engine::new(prepared, analyzer, index, lexicon, vectors, made_from), index_dir, corpus)
}

/// Makes what keikaku built under the index folder readable by every user — files 0644,
/// folders 0755 — whatever the builder's umask: the index holds only the published plan, and
/// the bots may run as another user than the one who built it (README: who builds the index,
/// who serves). Failures are left to the reader's own error.
pub(crate) fn readable_by_all(path: &Path) {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return };
    if meta.is_dir() {
        readable_by_all_shallow(path);
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            readable_by_all(&entry.path());
        }
    } else if meta.is_file() {
        set_mode(path, 0o644);
    }
}

/// [`readable_by_all`] for one folder keikaku made (`index/search`, `index/vectors`), not
/// what is inside.
pub(crate) fn readable_by_all_shallow(dir: &Path) {
    set_mode(dir, 0o755);
}

pub(crate) fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// A name part no other build uses: process id, a counter within the process, and the time.
pub(crate) fn unique_suffix() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}-{n}-{nanos:x}", std::process::id())
}

/// The fingerprint of the index built from these inputs.
pub fn inputs_fingerprint(plan_text: &str, user_dictionary_text: &str) -> String {
    index::fingerprint(&[plan_text.as_bytes(), user_dictionary_text.as_bytes()])
}

/// Reads an optional data file: a missing file is empty.
pub fn read_optional(path: &Path) -> Result<String, SearchError> {
    match std::fs::read(path) {
        Ok(bytes) => utf8(path, bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(cause) => Err(SearchError::Unreadable { path: path.to_path_buf(), cause }),
    }
}

/// What went wrong in search, and what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// IPADIC's sources are not where we look for them.
    #[error(
        "the IPADIC dictionary sources are not in {0}: install them with `apt-get install -y mecab-ipadic` \
         (Debian/Ubuntu), or set KEIKAKU_IPADIC_SOURCE to a folder holding IPADIC's .csv and .def files"
    )]
    MissingDictionarySource(PathBuf),
    /// The index directory cannot be written.
    #[error(
        "cannot write to the index directory {path}: {cause}; make it writable, or point --index-dir / KEIKAKU_INDEX_DIR elsewhere"
    )]
    Unwritable {
        /// The folder.
        path: PathBuf,
        /// The I/O error (said in the message, once: not a `source`, which `{:#}` would
        /// print again).
        cause: std::io::Error,
    },
    /// A data file cannot be read.
    #[error("cannot read {path}: {cause}; check the path (--data-dir / KEIKAKU_DATA_DIR) and its permissions")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        cause: std::io::Error,
    },
    /// A data file is not UTF-8.
    #[error(
        "{path} is not UTF-8 text: the first bad byte is at byte {offset}, line {line}; save it as UTF-8 (the plan is published in UTF-8)"
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The line of the first bad byte, from 1.
        line: usize,
        /// Its byte offset.
        offset: usize,
    },
    /// The plan document does not parse.
    #[error(
        "the plan document {path} is not in the expected form: {error}. Fix the document (or restore the published one); the existing index is left as it was"
    )]
    Plan {
        /// The document.
        path: PathBuf,
        /// What is wrong, and where.
        error: PlanError,
    },
    /// A lexicon file is malformed.
    #[error("the lexicon is not in the expected form: {0}")]
    Lexicon(#[from] LexiconError),
    /// A corpus file is malformed.
    #[error("the corpus of example questions is not in the expected form: {0}")]
    Corpus(String),
    /// The word vectors cannot be read.
    #[error("word vectors: {0}; delete the file and run .ci/setup again, or set KEIKAKU_VECTORS_WHEEL")]
    Vectors(String),
    /// Building or loading a dictionary failed.
    #[error("dictionary: {0}")]
    Dictionary(String),
    /// tantivy failed.
    #[error("search index: {0}; run `keikaku index` to rebuild it")]
    Index(#[from] tantivy::TantivyError),
}

impl SearchError {
    pub(crate) fn unwritable(path: &Path, cause: std::io::Error) -> SearchError {
        SearchError::Unwritable { path: path.to_path_buf(), cause }
    }
}
