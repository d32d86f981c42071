//! The Japanese dictionary: IPADIC compiled from Debian's `mecab-ipadic` sources on first use,
//! kept under the index directory, plus a user dictionary of the plan's own terms.
//!
//! lindera's `embed-ipadic` feature downloads the dictionary at build time, which cannot work
//! offline, so we build it here instead: about a second and a half once, then a memory-mapped
//! load in well under a millisecond.

use std::path::{Path, PathBuf};

use lindera::dictionary::{Dictionary, DictionaryBuilder, Metadata, Schema, UserDictionary};

use super::SearchError;
use crate::normalize::normalize;

/// Where Debian's `mecab-ipadic` package puts IPADIC's CSV and definition files.
pub const DEFAULT_IPADIC_SOURCE: &str = "/usr/share/mecab/dic/ipadic";
/// The environment variable that overrides [`DEFAULT_IPADIC_SOURCE`].
pub const IPADIC_SOURCE_ENV: &str = "KEIKAKU_IPADIC_SOURCE";
/// The folder under the index directory that holds the compiled dictionary.
pub const COMPILED_DIR: &str = "ipadic";
/// Written last into a compiled dictionary; its content names the lindera version.
const STAMP: &str = "KEIKAKU_COMPLETE";
const LINDERA_FORMAT: &str = "lindera 6.2 ipadic (mecab-ipadic EUC-JP)";

static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The IPADIC source directory: `$KEIKAKU_IPADIC_SOURCE`, else Debian's.
pub fn source_dir() -> PathBuf {
    std::env::var_os(IPADIC_SOURCE_ENV).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEFAULT_IPADIC_SOURCE))
}

/// IPADIC's layout as mecab-ipadic ships it (EUC-JP), and the simple user-dictionary rows
/// 「表層形,品詞,読み」.
pub fn ipadic_metadata() -> Metadata {
    let fields = [
        "surface",
        "left_context_id",
        "right_context_id",
        "cost",
        "part_of_speech",
        "part_of_speech_subcategory_1",
        "part_of_speech_subcategory_2",
        "part_of_speech_subcategory_3",
        "conjugation_form",
        "conjugation_type",
        "base_form",
        "reading",
        "pronunciation",
    ];
    Metadata::new(
        "ipadic".into(),
        "EUC-JP".into(),
        -10000,
        0,
        0,
        "*".into(),
        true,
        false,
        true,
        Schema::new(fields.iter().map(|s| s.to_string()).collect()),
        Schema::new(vec!["surface".into(), "part_of_speech".into(), "reading".into()]),
    )
}

/// True when `dir` holds a dictionary this build compiled completely.
pub fn is_compiled(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s == LINDERA_FORMAT)
}

/// Compiles IPADIC into `index_dir/ipadic` unless it is there already; returns its path.
///
/// The build goes to a temporary sibling first and is renamed into place, so a crash or a
/// concurrent build never leaves a half-written dictionary where a reader would load it.
pub fn ensure_compiled(index_dir: &Path) -> Result<PathBuf, SearchError> {
    let target = index_dir.join(COMPILED_DIR);
    if is_compiled(&target) {
        return Ok(target);
    }
    // One build at a time in this process (other processes are kept apart by the unique
    // temporary folder and the rename).
    let _guard = BUILDING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if is_compiled(&target) {
        return Ok(target);
    }
    let source = source_dir();
    check_source(&source)?;
    std::fs::create_dir_all(index_dir).map_err(|e| SearchError::unwritable(index_dir, e))?;
    let tmp = index_dir.join(format!("{COMPILED_DIR}.tmp-{}", super::unique_suffix()));
    let _ = std::fs::remove_dir_all(&tmp);
    // The folder first: an index folder we cannot write to is said as such, not as a
    // failure of the dictionary build.
    std::fs::create_dir(&tmp).map_err(|e| SearchError::unwritable(index_dir, e))?;
    tracing::info!(source = %source.display(), "compiling IPADIC (first use)");
    DictionaryBuilder::new(ipadic_metadata())
        .build_dictionary(&source, &tmp)
        .map_err(|e| SearchError::Dictionary(format!("building IPADIC from {}: {e}", source.display())))?;
    std::fs::write(tmp.join(STAMP), LINDERA_FORMAT).map_err(|e| SearchError::unwritable(&tmp, e))?;
    super::readable_by_all(&tmp);
    if target.exists() {
        // A stale or partial dictionary from an older build; another process may also have
        // finished one just now, in which case ours is simply dropped.
        if is_compiled(&target) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Ok(target);
        }
        std::fs::remove_dir_all(&target).map_err(|e| SearchError::unwritable(&target, e))?;
    }
    if let Err(e) = std::fs::rename(&tmp, &target) {
        let _ = std::fs::remove_dir_all(&tmp);
        if is_compiled(&target) {
            return Ok(target);
        }
        return Err(SearchError::unwritable(index_dir, e));
    }
    Ok(target)
}

/// Fails with advice when `source` does not hold IPADIC's sources.
pub fn check_source(source: &Path) -> Result<(), SearchError> {
    let needed = ["matrix.def", "char.def", "unk.def", "Noun.csv"];
    if needed.iter().all(|f| source.join(f).is_file()) {
        Ok(())
    } else {
        Err(SearchError::MissingDictionarySource(source.to_path_buf()))
    }
}

/// Loads a compiled dictionary (memory-mapped).
pub fn load(dir: &Path) -> Result<Dictionary, SearchError> {
    lindera::dictionary::load_fs_dictionary(dir).map_err(|e| {
        SearchError::Dictionary(format!("loading {}: {e}; run `keikaku index` to rebuild it", dir.display()))
    })
}

/// Builds the user dictionary from rows 「表層形,品詞,読み」 (lines starting with `#` are
/// comments). Surfaces are normalised as questions are, so 「ｅＬＴＡＸ」 meets 「eLTAX」.
pub fn user_dictionary(csv: &str) -> Result<UserDictionary, SearchError> {
    let mut rows = String::new();
    for (n, line) in csv.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let [surface, pos, reading] = cells[..] else {
            return Err(SearchError::Dictionary(format!(
                "user dictionary line {}: expected 「表層形,品詞,読み」, found 「{line}」",
                n + 1
            )));
        };
        rows.push_str(&format!("{},{pos},{reading}\n", normalize(surface)));
    }
    DictionaryBuilder::new(ipadic_metadata())
        .build_user_dict_from_reader(rows.as_bytes())
        .map_err(|e| SearchError::Dictionary(format!("user dictionary: {e}")))
}
