//! Japanese word vectors, for words that neither the plan, its readings nor the thesaurus
//! know: 「判子」 is near 「押印」. They propose plan words at a discount and never decide
//! alone (予算 is near 経費, and the plan states neither).
//!
//! The vectors are chiVe-based ones shipped in PyPI's `ja-ginza` 5.3.0 wheel
//! (`vocab/vectors`: a NumPy array of 20,000 × 300 float32; `vocab/key2row`: a msgpack map
//! from spaCy's 64-bit string hash — MurmurHash64A, seed 1, of the UTF-8 word — to a row).
//! On first use they are read from the wheel (zip → deflate → msgpack / npy, our own small
//! readers) into a compact file under the index folder: sorted keys, rows, and each vector
//! normalised and quantised to 8 bits (12 MB instead of 30). Later starts read that file.

use std::path::{Path, PathBuf};

use super::SearchError;

/// The wheel `.ci/setup` fetches (`pip download --no-deps ja-ginza==5.3.0`).
pub const WHEEL: &str = "ja_ginza-5.3.0-py3-none-any.whl";
/// The environment variable naming the wheel (or a folder holding it).
pub const WHEEL_ENV: &str = "KEIKAKU_VECTORS_WHEEL";
/// The compact file under the index folder.
pub const COMPILED: &str = "vectors/ginza-5.3.0.kvec";
const MAGIC: &[u8; 8] = b"KKVEC001";
const KEY2ROW: &str = "ja_ginza/ja_ginza-5.3.0/vocab/key2row";
const VECTORS: &str = "ja_ginza/ja_ginza-5.3.0/vocab/vectors";

/// Word vectors: key → row, and rows of normalised, quantised vectors.
pub struct Vectors {
    keys: Vec<u64>,
    rows: Vec<u32>,
    dim: usize,
    data: Vec<i8>,
    /// The length of each quantised row, for cosines.
    norms: Vec<f32>,
}

/// Where the wheel is looked for: `$KEIKAKU_VECTORS_WHEEL` (the file, or a folder holding
/// it), else `~/.cache/keikaku/`.
pub fn wheel_path() -> PathBuf {
    let from_env = std::env::var_os(WHEEL_ENV).map(PathBuf::from);
    match from_env {
        Some(p) if p.is_dir() => p.join(WHEEL),
        Some(p) => p,
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from(".cache"));
            cache.join("keikaku").join(WHEEL)
        }
    }
}

impl Vectors {
    /// Opens the compact file under `index_dir`, building it from the wheel first when it
    /// is missing. `Ok(None)` when neither is there: search works without vectors.
    pub fn open(index_dir: &Path) -> Result<Option<Vectors>, SearchError> {
        let compiled = index_dir.join(COMPILED);
        if let Ok(bytes) = std::fs::read(&compiled) {
            match Vectors::from_compact(&bytes) {
                Some(v) => return Ok(Some(v)),
                None => tracing::warn!(file = %compiled.display(), "word vectors file is damaged; rebuilding it"),
            }
        }
        let wheel = wheel_path();
        if !wheel.is_file() {
            tracing::info!(wheel = %wheel.display(), "no word vectors: the wheel is missing (run .ci/setup)");
            return Ok(None);
        }
        let vectors = Vectors::from_wheel(&wheel)?;
        let dir = compiled.parent().unwrap_or(index_dir);
        std::fs::create_dir_all(dir).map_err(|e| SearchError::unwritable(dir, e))?;
        let tmp = dir.join(format!(".kvec-{}", super::unique_suffix()));
        std::fs::write(&tmp, vectors.to_compact()).map_err(|e| SearchError::unwritable(dir, e))?;
        super::readable_by_all(&tmp);
        super::readable_by_all_shallow(dir);
        std::fs::rename(&tmp, &compiled).map_err(|e| SearchError::unwritable(dir, e))?;
        Ok(Some(vectors))
    }

    /// Reads the vectors out of the `ja-ginza` wheel.
    pub fn from_wheel(wheel: &Path) -> Result<Vectors, SearchError> {
        let bad = |what: &str| SearchError::Vectors(format!("{}: {what}", wheel.display()));
        let zip = std::fs::read(wheel).map_err(|e| bad(&format!("cannot be read ({e})")))?;
        let key2row = zip_entry(&zip, KEY2ROW).ok_or_else(|| bad("no vocab/key2row in the wheel"))?;
        let npy = zip_entry(&zip, VECTORS).ok_or_else(|| bad("no vocab/vectors in the wheel"))?;
        let mut pairs = msgpack_u64_map(&key2row).ok_or_else(|| bad("vocab/key2row is not a msgpack map"))?;
        let (n_rows, dim, floats) = npy_f32(&npy).ok_or_else(|| bad("vocab/vectors is not a float32 .npy"))?;
        pairs.retain(|(_, r)| (*r as usize) < n_rows);
        pairs.sort_unstable();
        let mut data = Vec::with_capacity(n_rows * dim);
        for row in floats.chunks(dim) {
            let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
            let max = row.iter().map(|x| (x / norm).abs()).fold(1e-9, f32::max);
            // Scaled so the largest component is ±127; cosine only needs directions.
            data.extend(row.iter().map(|x| ((x / norm) / max * 127.0).round() as i8));
        }
        Ok(Vectors::assemble(pairs.iter().map(|p| p.0).collect(), pairs.iter().map(|p| p.1).collect(), dim, data))
    }

    fn to_compact(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + self.keys.len() * 12 + self.data.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.keys.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.dim as u32).to_le_bytes());
        out.extend_from_slice(&((self.data.len() / self.dim.max(1)) as u32).to_le_bytes());
        for k in &self.keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        for r in &self.rows {
            out.extend_from_slice(&r.to_le_bytes());
        }
        out.extend(self.data.iter().map(|b| *b as u8));
        out
    }

    fn from_compact(bytes: &[u8]) -> Option<Vectors> {
        if bytes.get(..8)? != MAGIC {
            return None;
        }
        let n = u64::from_le_bytes(bytes.get(8..16)?.try_into().ok()?) as usize;
        let dim = u32::from_le_bytes(bytes.get(16..20)?.try_into().ok()?) as usize;
        let n_rows = u32::from_le_bytes(bytes.get(20..24)?.try_into().ok()?) as usize;
        let keys_at = 24;
        let rows_at = keys_at + n * 8;
        let data_at = rows_at + n * 4;
        if bytes.len() != data_at + n_rows * dim || dim == 0 {
            return None;
        }
        let keys = bytes[keys_at..rows_at]
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        let rows = bytes[rows_at..data_at]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
            .collect();
        let data = bytes[data_at..].iter().map(|b| *b as i8).collect();
        Some(Vectors::assemble(keys, rows, dim, data))
    }

    fn assemble(keys: Vec<u64>, rows: Vec<u32>, dim: usize, data: Vec<i8>) -> Vectors {
        let norms = data
            .chunks(dim.max(1))
            .map(|r| (r.iter().map(|x| i32::from(*x) * i32::from(*x)).sum::<i32>() as f32).sqrt().max(1e-9))
            .collect();
        Vectors { keys, rows, dim, data, norms }
    }

    /// The row of `word`'s vector, if the vocabulary has it.
    pub fn row_of(&self, word: &str) -> Option<usize> {
        let key = murmur64a(word.as_bytes(), 1);
        let at = self.keys.binary_search(&key).ok()?;
        Some(self.rows[at] as usize)
    }

    /// The cosine of two rows' vectors.
    pub fn cosine(&self, a: usize, b: usize) -> f32 {
        let (Some(x), Some(y)) = (self.row(a), self.row(b)) else {
            return 0.0;
        };
        let dot: i32 = x.iter().zip(y).map(|(p, q)| i32::from(*p) * i32::from(*q)).sum();
        dot as f32 / (self.norms[a] * self.norms[b])
    }

    /// The cosine of two words, when both have vectors.
    pub fn similarity(&self, a: &str, b: &str) -> Option<f32> {
        Some(self.cosine(self.row_of(a)?, self.row_of(b)?))
    }

    fn row(&self, r: usize) -> Option<&[i8]> {
        self.data.get(r * self.dim..(r + 1) * self.dim)
    }

    /// How many words have a vector.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no word has a vector.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// MurmurHash64A, as spaCy hashes its strings (seed 1).
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut k = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, b) in tail.iter().enumerate().rev() {
            h ^= u64::from(*b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The uncompressed bytes of the entry `name` of a zip archive (stored or deflated).
fn zip_entry(zip: &[u8], name: &str) -> Option<Vec<u8>> {
    let u16_at = |at: usize| zip.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at = |at: usize| zip.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
    let from = zip.len().saturating_sub(65_557);
    let eocd = (from..zip.len().saturating_sub(21)).rev().find(|&i| zip[i..].starts_with(b"PK\x05\x06"))?;
    let entries = u16_at(eocd + 10)?;
    let mut at = u32_at(eocd + 16)?;
    for _ in 0..entries {
        if !zip.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let method = u16_at(at + 10)?;
        let compressed = u32_at(at + 20)?;
        let name_len = u16_at(at + 28)?;
        let extra_len = u16_at(at + 30)?;
        let comment_len = u16_at(at + 32)?;
        let local = u32_at(at + 42)?;
        let entry_name = zip.get(at + 46..at + 46 + name_len)?;
        if entry_name == name.as_bytes() {
            let data_at = local + 30 + u16_at(local + 26)? + u16_at(local + 28)?;
            let data = zip.get(data_at..data_at + compressed)?;
            return match method {
                0 => Some(data.to_vec()),
                8 => miniz_oxide::inflate::decompress_to_vec(data).ok(),
                _ => None,
            };
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    None
}

/// A msgpack map of unsigned integers to unsigned integers.
fn msgpack_u64_map(bytes: &[u8]) -> Option<Vec<(u64, u32)>> {
    let mut at;
    let len = match *bytes.first()? {
        b @ 0x80..=0x8f => {
            at = 1;
            usize::from(b & 0x0f)
        }
        0xde => {
            at = 3;
            usize::from(u16::from_be_bytes(bytes.get(1..3)?.try_into().ok()?))
        }
        0xdf => {
            at = 5;
            u32::from_be_bytes(bytes.get(1..5)?.try_into().ok()?) as usize
        }
        _ => return None,
    };
    let uint = |at: &mut usize| -> Option<u64> {
        let tag = *bytes.get(*at)?;
        *at += 1;
        let take = |at: &mut usize, n: usize| -> Option<u64> {
            let b = bytes.get(*at..*at + n)?;
            *at += n;
            Some(b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
        };
        match tag {
            0x00..=0x7f => Some(u64::from(tag)),
            0xcc => take(at, 1),
            0xcd => take(at, 2),
            0xce => take(at, 4),
            0xcf => take(at, 8),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        let k = uint(&mut at)?;
        let v = uint(&mut at)?;
        out.push((k, u32::try_from(v).ok()?));
    }
    Some(out)
}

/// A little-endian float32, C-order, two-dimensional .npy: (rows, columns, values).
fn npy_f32(bytes: &[u8]) -> Option<(usize, usize, Vec<f32>)> {
    if !bytes.starts_with(b"\x93NUMPY") {
        return None;
    }
    let major = *bytes.get(6)?;
    let (header_len, header_at) = if major == 1 {
        (usize::from(u16::from_le_bytes(bytes.get(8..10)?.try_into().ok()?)), 10)
    } else {
        (u32::from_le_bytes(bytes.get(8..12)?.try_into().ok()?) as usize, 12)
    };
    let header = std::str::from_utf8(bytes.get(header_at..header_at + header_len)?).ok()?;
    if !header.contains("'<f4'") || header.contains("'fortran_order': True") {
        return None;
    }
    let shape = header.split("'shape': (").nth(1)?.split(')').next()?;
    let dims: Vec<usize> = shape.split(',').filter_map(|s| s.trim().parse().ok()).collect();
    let [rows, cols] = dims[..] else { return None };
    let data = bytes.get(header_at + header_len..)?;
    if data.len() < rows * cols * 4 {
        return None;
    }
    let values = data.chunks_exact(4).take(rows * cols).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Some((rows, cols, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur64a_matches_known_values() {
        assert_ne!(murmur64a(b"a", 1), murmur64a(b"b", 1));
        assert_ne!(murmur64a(b"abcdefgh", 1), murmur64a(b"abcdefgh", 2));
        assert_eq!(murmur64a(b"abcdefgh", 1), murmur64a(b"abcdefgh", 1));
    }

    #[test]
    fn msgpack_maps_of_integers_are_read() {
        // {1: 2, 300: 70000}
        let bytes = [0x82, 0x01, 0x02, 0xcd, 0x01, 0x2c, 0xce, 0x00, 0x01, 0x11, 0x70];
        assert_eq!(msgpack_u64_map(&bytes), Some(vec![(1, 2), (300, 70000)]));
        assert_eq!(msgpack_u64_map(&[0x91, 0x01]), None);
    }

    #[test]
    fn npy_float32_matrices_are_read() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        for v in [1.0f32, 0.0, 0.0, 1.0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(npy_f32(&bytes), Some((2, 2, vec![1.0, 0.0, 0.0, 1.0])));
    }

    #[test]
    fn the_compact_form_round_trips() {
        let v = Vectors::assemble(vec![3, 9], vec![0, 1], 2, vec![127, 0, 90, 90]);
        let back = Vectors::from_compact(&v.to_compact()).map(|b| (b.keys, b.rows, b.data));
        assert_eq!(back, Some((vec![3, 9], vec![0, 1], vec![127, 0, 90, 90])));
        assert!(Vectors::from_compact(b"nonsense").is_none());
    }
}
