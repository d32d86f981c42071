//! Gives the library an identity of its own: a hash of its sources and of the lock file, so
//! that what one build of keikaku prepared (the analysed plan, the trained models, kept in
//! the index folder) is reused by every program built from the same code — the bot, the
//! terminal and each test binary alike — and never by a build of other code.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rerun-if-changed=Cargo.lock");
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.push(PathBuf::from("Cargo.lock"));
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        // A file that cannot be read is hashed by its name alone: the identity only
        // decides whether prepared data is reused, and a changed name still changes it.
        let bytes = std::fs::read(file).unwrap_or_default();
        for b in file.to_string_lossy().as_bytes().iter().chain([0u8].iter()).chain(bytes.iter()) {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let profile = std::env::var("PROFILE").unwrap_or_default();
    println!("cargo::rustc-env=KEIKAKU_SOURCE_HASH={hash:016x}-{profile}");
}

/// Every file under `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
