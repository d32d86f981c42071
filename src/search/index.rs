//! The tantivy index of the plan: schema, build, open, and the atomic swap.
//!
//! Each build goes into a fresh folder `index/search/<fingerprint>-<nonce>`; the file
//! `index/search/CURRENT` names the folder in use and is replaced by a rename, so readers see
//! the old index or the new one, never a half-built one. The fingerprint covers the plan
//! document, the user dictionary and the schema version: change any and the
//! index is rebuilt on next start. A build is written in `.building-…` first; one killed
//! midway leaves that folder, removed by the next start or build once its process is gone.

use std::path::{Path, PathBuf};

use tantivy::schema::{FAST, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument};

use super::SearchError;
use super::analyzer::{Analyzer, BIGRAM, BigramTokenizer, JA, JaTokenizer};
use crate::plan::Plan;

/// Bump when the schema or the analysis changes, so old indexes are rebuilt.
const SCHEMA_VERSION: &str = "keikaku-index-v2";
const CURRENT: &str = "CURRENT";
/// The prefix of a folder still being written (`.building-<fingerprint>-<nonce>-<pid>`);
/// never opened, and removed by others only once its builder is gone (see
/// [`remove_stale_builds`]).
const BUILDING: &str = ".building-";
/// No build takes this long (about a second): a building folder older than this is stale even
/// when a process with its builder's id runs (the id was reused).
const BUILD_AT_MOST: std::time::Duration = std::time::Duration::from_secs(3600);

static BUILD_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The fields of the index; every field name lives here.
#[derive(Clone, Copy)]
pub struct Fields {
    /// The page, the initiative's key.
    pub page: tantivy::schema::Field,
    /// List title and detail heading, morphological terms.
    pub title: tantivy::schema::Field,
    /// List title and detail heading, bigrams.
    pub title_bigram: tantivy::schema::Field,
    /// Every other text of the initiative, morphological terms.
    pub body: tantivy::schema::Field,
    /// Every other text of the initiative, bigrams.
    pub body_bigram: tantivy::schema::Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let page = b.add_u64_field("page", INDEXED | STORED | FAST);
    let title = b.add_text_field("title", text(JA));
    let title_bigram = b.add_text_field("title_bigram", text(BIGRAM));
    let body = b.add_text_field("body", text(JA));
    let body_bigram = b.add_text_field("body_bigram", text(BIGRAM));
    (b.build(), Fields { page, title, title_bigram, body, body_bigram })
}

/// An open index with its reader.
#[derive(Clone)]
pub struct PlanIndex {
    /// The tantivy index.
    pub index: Index,
    /// A reader; searchers come from here.
    pub reader: IndexReader,
    /// The fields.
    pub fields: Fields,
    /// The folder it was opened from.
    pub dir: PathBuf,
}

/// A 64-bit FNV-1a hash of the inputs, as 16 hex digits: enough to notice a change.
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in std::iter::once(SCHEMA_VERSION.as_bytes()).chain(parts.iter().copied()) {
        for b in part.iter().chain(&[0xff]) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn register(index: &Index, analyzer: &Analyzer) {
    index.tokenizers().register(JA, TextAnalyzer::from(JaTokenizer(analyzer.clone())));
    index.tokenizers().register(BIGRAM, TextAnalyzer::from(BigramTokenizer));
}

/// The folder named by `CURRENT`, when it was built for `fingerprint`.
pub fn current(search_dir: &Path, fingerprint: &str) -> Option<PathBuf> {
    let name = std::fs::read_to_string(search_dir.join(CURRENT)).ok()?;
    let name = name.trim();
    let dir = search_dir.join(name);
    (name.starts_with(fingerprint) && dir.join("meta.json").is_file()).then_some(dir)
}

/// Opens the index for `fingerprint`, building it first when it is missing or stale (or
/// when `force` is set).
pub fn open_or_build(
    search_dir: &Path,
    fingerprint: &str,
    plan: &Plan,
    analyzer: &Analyzer,
    force: bool,
) -> Result<PlanIndex, SearchError> {
    if !force && let Some(dir) = current(search_dir, fingerprint) {
        match open(&dir, analyzer) {
            Ok(index) => return Ok(index),
            Err(e) => tracing::warn!(error = %e, "the current index cannot be opened; rebuilding it"),
        }
    }
    // One build at a time in this process; another thread may have built it meanwhile.
    let _guard = BUILD_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !force
        && let Some(dir) = current(search_dir, fingerprint)
        && let Ok(index) = open(&dir, analyzer)
    {
        return Ok(index);
    }
    let dir = build(search_dir, fingerprint, plan, analyzer)?;
    open(&dir, analyzer)
}

pub fn open(dir: &Path, analyzer: &Analyzer) -> Result<PlanIndex, SearchError> {
    let index = Index::open_in_dir(dir)?;
    register(&index, analyzer);
    let (_, fields) = schema();
    let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    Ok(PlanIndex { index, reader, fields, dir: dir.to_path_buf() })
}

/// Builds a fresh index for `plan` and makes it current; returns its folder. The caller holds
/// `BUILD_LOCK`.
fn build(search_dir: &Path, fingerprint: &str, plan: &Plan, analyzer: &Analyzer) -> Result<PathBuf, SearchError> {
    std::fs::create_dir_all(search_dir).map_err(|e| SearchError::unwritable(search_dir, e))?;
    super::readable_by_all_shallow(search_dir);
    // Callers hold BUILD_LOCK: no other build of this process is under way.
    sweep_stale_builds(search_dir);
    let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!("{fingerprint}-{nonce:x}-{}", std::process::id());
    let building = search_dir.join(format!("{BUILDING}{name}"));
    std::fs::create_dir_all(&building).map_err(|e| SearchError::unwritable(&building, e))?;
    if let Err(e) = write_documents(&building, plan, analyzer) {
        let _ = std::fs::remove_dir_all(&building);
        return Err(e);
    }
    // tantivy writes meta.json owner-only; the bots may be another user.
    super::readable_by_all(&building);
    let dir = search_dir.join(&name);
    std::fs::rename(&building, &dir).map_err(|e| SearchError::unwritable(search_dir, e))?;
    let tmp = search_dir.join(format!("{CURRENT}.tmp-{}", super::unique_suffix()));
    std::fs::write(&tmp, &name).map_err(|e| SearchError::unwritable(search_dir, e))?;
    super::readable_by_all(&tmp);
    std::fs::rename(&tmp, search_dir.join(CURRENT)).map_err(|e| SearchError::unwritable(search_dir, e))?;
    remove_others(search_dir, &name);
    Ok(dir)
}

fn write_documents(dir: &Path, plan: &Plan, analyzer: &Analyzer) -> Result<(), SearchError> {
    let (schema, f) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    register(&index, analyzer);
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?;
    for i in &plan.initiatives {
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.page, u64::from(i.page));
        let titles = format!("{}\n{}", i.title, i.heading);
        doc.add_text(f.title, &titles);
        doc.add_text(f.title_bigram, &titles);
        let mut body = i.full_text();
        body.push_str(&i.department_label());
        doc.add_text(f.body, &body);
        doc.add_text(f.body_bigram, &body);
        writer.add_document(doc)?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// Removes index folders other than `keep` (older builds); failures are only logged, as a
/// reader in another process may still hold one open.
fn remove_others(search_dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(search_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.path().is_dir()
            && name != keep
            && !name.starts_with(BUILDING)
            && let Err(e) = std::fs::remove_dir_all(entry.path())
        {
            tracing::debug!(error = %e, dir = %name, "old index folder left in place");
        }
    }
}

/// Removes the building folders of builds that were killed (their process is gone, or the
/// folder is older than any build takes). Skipped while this process builds: that build
/// sweeps when it starts.
pub fn remove_stale_builds(search_dir: &Path) {
    if let Ok(_guard) = BUILD_LOCK.try_lock() {
        sweep_stale_builds(search_dir);
    }
}

/// [`remove_stale_builds`] for a caller that holds `BUILD_LOCK`, so that a building folder of
/// this very process id is stale too: it was left by a failed build, or by an earlier process
/// that had the same id (a container's service restarts with the same small id).
fn sweep_stale_builds(search_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(search_dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(BUILDING)) else { continue };
        let created = building_nonce(rest)
            .map(|nanos| std::time::UNIX_EPOCH + std::time::Duration::from_nanos(nanos))
            .or_else(|| entry.metadata().and_then(|m| m.modified()).ok());
        let old = created.is_none_or(|t| now.duration_since(t).is_ok_and(|age| age > BUILD_AT_MOST));
        let stale = old
            || match building_pid(rest) {
                Some(pid) if pid == std::process::id() => true,
                Some(pid) => process_is_gone(pid),
                None => false,
            };
        if stale && entry.path().is_dir() {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => {
                    tracing::info!(dir = %entry.path().display(), "removed the folder of a build that was stopped")
                }
                // Another process may have removed it first, or this user may not own it.
                Err(e) => {
                    tracing::debug!(error = %e, dir = %entry.path().display(), "stale build folder left in place")
                }
            }
        }
    }
}

/// The builder's process id: the last part of `<fingerprint>-<nonce>-<pid>`.
fn building_pid(rest: &str) -> Option<u32> {
    rest.rsplit('-').next()?.parse().ok()
}

/// When the build started (nanoseconds since the epoch, hex): the part before the pid.
fn building_nonce(rest: &str) -> Option<u64> {
    u64::from_str_radix(rest.rsplit('-').nth(1)?, 16).ok()
}

/// True when no process `pid` runs. Read from /proc; where there is none (not Linux), the
/// process is taken as running and only the age rule removes its folder. A build in another
/// pid namespace sharing this folder would look gone: keikaku's processes share one machine.
fn process_is_gone(pid: u32) -> bool {
    let proc = Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
}
