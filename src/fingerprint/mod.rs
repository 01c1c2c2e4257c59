//! Exact data match: fingerprint sets of values registered from a real export.
//!
//! Values are normalised (e-mail: NFKC, trimmed, lower-case; names: NFKC, case-folded,
//! punctuation runs to one space) and stored only as keyed hashes — HMAC-SHA-256 with
//! a key held outside the repository, truncated to 64 bits — in a compact sorted file
//! that is memory-mapped, so a set of 10 million values opens in milliseconds.
//! The `fingerprints` detector asks a loaded [`Set`] which registered records a text
//! contains, whatever its shape. Never stores or prints a plain value.
//!
//! Owns the set file format and the key; must not import git2.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;

use crate::detect::FingerprintLookup;

const MAGIC: &[u8; 8] = b"LGFP1\0\0\0";
const HEADER: usize = 8 + 8 + 8;
/// After the records: this tag and the key's check value (sets written before it lack both).
const KCV_TAG: &[u8; 8] = b"LGFPKCV\0";

/// What a value is, so an e-mail and a name never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Email = 1,
    Name = 2,
}

/// The secret key behind every fingerprint.
#[derive(Clone)]
pub struct Key(Hmac<Sha256>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// Key from bytes (at least 16).
    pub fn new(bytes: &[u8]) -> Result<Key, String> {
        if bytes.len() < 16 {
            return Err("a fingerprint key needs at least 16 bytes".into());
        }
        Hmac::<Sha256>::new_from_slice(bytes).map(Key).map_err(|e| e.to_string())
    }

    /// `--key-file`, else `$LEAKGUARD_FP_KEY` (hex, or a path to a key file).
    /// A key file holds raw bytes or hex; its surrounding white space is ignored.
    pub fn load(key_file: Option<&Path>) -> Result<Option<Key>, String> {
        let raw = match key_file {
            Some(p) => std::fs::read(p).map_err(|e| format!("cannot read key file {}: {e}", p.display()))?,
            None => match std::env::var("LEAKGUARD_FP_KEY") {
                Ok(v) if !v.is_empty() => {
                    let p = Path::new(&v);
                    if p.is_file() {
                        std::fs::read(p).map_err(|e| format!("cannot read key file {v}: {e}"))?
                    } else {
                        v.into_bytes()
                    }
                }
                _ => return Ok(None),
            },
        };
        let trimmed = String::from_utf8_lossy(&raw).trim().to_string();
        let bytes =
            if trimmed.len() >= 32 && trimmed.len().is_multiple_of(2) && trimmed.bytes().all(|b| b.is_ascii_hexdigit())
            {
                (0..trimmed.len()).step_by(2).filter_map(|i| u8::from_str_radix(&trimmed[i..i + 2], 16).ok()).collect()
            } else {
                raw
            };
        Key::new(&bytes).map(Some)
    }

    /// The key check value stored with a set: a keyed hash of a fixed text in its own
    /// domain, so a set opened with another key is detected (and reveals nothing).
    pub fn check_value(&self) -> u64 {
        let mut m = self.0.clone();
        m.update(&[0xff]);
        m.update(b"leakguard fingerprint key check v1");
        let out = m.finalize().into_bytes();
        let mut b = [0u8; 8];
        b.copy_from_slice(&out[..8]);
        u64::from_be_bytes(b)
    }

    /// The 64-bit fingerprint of a normalised value.
    pub fn fingerprint(&self, kind: Kind, normalised: &str) -> u64 {
        let mut m = self.0.clone();
        m.update(&[kind as u8]);
        m.update(normalised.as_bytes());
        let out = m.finalize().into_bytes();
        let mut b = [0u8; 8];
        b.copy_from_slice(&out[..8]);
        u64::from_be_bytes(b)
    }
}

/// NFKC, trimmed, lower-case.
pub fn normalise_email(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_lowercase()
}

/// NFKC, case-folded, runs of punctuation and space to one space, trimmed.
pub fn normalise_name(s: &str) -> String {
    // NFKC and case folding leave ASCII as it is (but for case): skip them there.
    let folded: String =
        if s.is_ascii() { s.to_ascii_lowercase() } else { s.nfkc().collect::<String>().to_lowercase() };
    let mut out = String::with_capacity(folded.len());
    let mut gap = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Where sets live: `$LEAKGUARD_FP_DIR`, else the policy's `settings.fingerprint_dir`,
/// else `$XDG_DATA_HOME/leakguard/fingerprints` (`~/.local/share/…`).
pub fn default_dir(policy_dir: Option<&Path>) -> PathBuf {
    if let Some(d) = std::env::var_os("LEAKGUARD_FP_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = policy_dir {
        return d.to_path_buf();
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("leakguard/fingerprints")
}

/// File of a named set.
pub fn set_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.lgfp"))
}

/// A loaded, memory-mapped set: sorted 64-bit keys, then a record id for each.
pub struct Set {
    pub name: String,
    key: Key,
    map: memmap2::Mmap,
    n: usize,
    pub records: u64,
}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Set({}, {} values)", self.name, self.n)
    }
}

impl Set {
    /// Opens a set file; checks its header and size.
    pub fn open(path: &Path, name: &str, key: Key) -> Result<Set, String> {
        let file = File::open(path).map_err(|e| format!("cannot open fingerprint set {}: {e}", path.display()))?;
        // SAFETY: the file is opened read-only; a concurrent writer replaces it by rename, never in place.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("cannot map {}: {e}", path.display()))?;
        let (n, records, kcv) =
            header(&map).ok_or_else(|| format!("{} is not a leakguard fingerprint set", path.display()))?;
        if kcv.is_some_and(|k| k != key.check_value()) {
            return Err(wrong_key(name));
        }
        Ok(Set { name: name.to_string(), key, map, n, records })
    }

    /// Number of stored values.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn key_at(&self, i: usize) -> u64 {
        let o = HEADER + i * 8;
        u64::from_le_bytes(self.map[o..o + 8].try_into().unwrap_or([0; 8]))
    }

    fn record_at(&self, i: usize) -> u64 {
        let o = HEADER + self.n * 8 + i * 4;
        u32::from_le_bytes(self.map[o..o + 4].try_into().unwrap_or([0; 4])) as u64
    }

    /// The record holding a fingerprint, if registered.
    pub fn lookup(&self, fp: u64) -> Option<u64> {
        let (mut lo, mut hi) = (0usize, self.n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.key_at(mid).cmp(&fp) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(self.record_at(mid)),
            }
        }
        None
    }
}

fn wrong_key(name: &str) -> String {
    format!("fingerprint set `{name}` was registered with another key (its key check value differs): check LEAKGUARD_FP_KEY / settings.fingerprint_key_file")
}

/// Values, records, and the key check value when the set has one.
fn header(map: &[u8]) -> Option<(usize, u64, Option<u64>)> {
    if map.len() < HEADER || &map[..8] != MAGIC {
        return None;
    }
    let n = u64::from_le_bytes(map[8..16].try_into().ok()?) as usize;
    let records = u64::from_le_bytes(map[16..24].try_into().ok()?);
    let body = HEADER + n.checked_mul(12)?;
    if map.len() == body {
        return Some((n, records, None));
    }
    (map.len() == body + 16 && &map[body..body + 8] == KCV_TAG)
        .then(|| Some((n, records, Some(u64::from_le_bytes(map[body + 8..body + 16].try_into().ok()?)))))
        .flatten()
}

impl FingerprintLookup for Set {
    fn matches(&self, text: &str, emails: &[(usize, usize)]) -> Vec<(u64, (usize, usize))> {
        let mut out = Vec::new();
        for &(s, e) in emails {
            if let Some(r) = self.lookup(self.key.fingerprint(Kind::Email, &normalise_email(&text[s..e]))) {
                out.push((r, (s, e)));
            }
        }
        for (s, e) in cells(text) {
            let cell = &text[s..e];
            if cell.contains('@') || too_many_words(cell) {
                continue;
            }
            let n = normalise_name(cell);
            if n.len() < 4 {
                continue;
            }
            if let Some(r) = self.lookup(self.key.fingerprint(Kind::Name, &n)) {
                out.push((r, (s, e)));
            }
        }
        out
    }
}

/// Names of more than eight words are neither registered nor looked up: prose
/// between commas is not a company name, and skipping it keeps scans fast.
fn too_many_words(s: &str) -> bool {
    memchr::memchr_iter(b' ', s.as_bytes()).count() >= 8
}

/// Candidate name values: runs between structural punctuation, 4–80 bytes, with a letter.
fn cells(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i <= b.len() {
            let boundary = i == b.len()
                || matches!(
                    b[i],
                    b',' | b';'
                        | b'\t'
                        | b'|'
                        | b'\n'
                        | b'\r'
                        | b'"'
                        | b'\''
                        | b'<'
                        | b'>'
                        | b'('
                        | b')'
                        | b'{'
                        | b'}'
                        | b'['
                        | b']'
                        | b':'
                        | b'='
                );
            i += 1;
            if boundary {
                let (mut s, mut e) = (start, i - 1);
                start = i;
                while s < e && b[s] == b' ' {
                    s += 1;
                }
                while e > s && b[e - 1] == b' ' {
                    e -= 1;
                }
                if (4..=80).contains(&(e - s))
                    && text.is_char_boundary(s)
                    && text.is_char_boundary(e)
                    && b[s..e].iter().any(u8::is_ascii_alphabetic)
                {
                    return Some((s, e));
                }
            }
        }
        None
    })
}

/// Registers the values of a table's columns into a set (merging with what is there).
pub struct Registration {
    pub records: u64,
    pub values: u64,
}

/// Reads a delimited file and registers the named columns (header names, or 1-based
/// numbers). E-mail columns are those whose name mentions mail or whose values hold `@`.
pub fn register_table(
    dir: &Path,
    set: &str,
    key: &Key,
    data: &[u8],
    columns: &[String],
) -> Result<Registration, String> {
    let text = String::from_utf8_lossy(data);
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delim =
        [b',', b'\t', b';', b'|'].into_iter().max_by_key(|d| first.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(delim).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers: Vec<String> =
        rdr.headers().map_err(|e| e.to_string())?.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut idx = Vec::new();
    for c in columns {
        let i = match c.parse::<usize>() {
            Ok(n) if n >= 1 => n - 1,
            _ => headers
                .iter()
                .position(|h| h == &c.to_lowercase())
                .ok_or_else(|| format!("no column `{c}` (columns: {})", headers.join(", ")))?,
        };
        idx.push(i);
    }
    let mut rows: Vec<Vec<(Kind, String)>> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let mut vals = Vec::new();
        for &i in &idx {
            let v = rec.get(i).unwrap_or("").trim();
            if v.is_empty() {
                continue;
            }
            let is_mail = headers.get(i).is_some_and(|h| h.contains("mail")) || v.contains('@');
            if is_mail {
                vals.push((Kind::Email, normalise_email(v)));
            } else {
                let n = normalise_name(v);
                if n.len() >= 4 && !too_many_words(&n) {
                    vals.push((Kind::Name, n));
                }
            }
        }
        if !vals.is_empty() {
            rows.push(vals);
        }
    }
    register_rows(dir, set, key, &rows)
}

/// Registers an export without being told its columns: every column holding e-mail
/// addresses and every column whose header names a company, tenant, group, customer,
/// organisation or name.
pub fn register_auto(dir: &Path, set: &str, key: &Key, data: &[u8]) -> Result<Registration, String> {
    const HINTS: &[&str] =
        &["mail", "company", "tenant", "group", "customer", "org", "name", "firma", "kunde", "account"];
    let text = String::from_utf8_lossy(data);
    let header = text.trim_start_matches('\u{feff}').lines().next().unwrap_or("");
    let delim = [',', '\t', ';', '|'].into_iter().max_by_key(|d| header.matches(*d).count()).unwrap_or(',');
    let columns: Vec<String> = header
        .split(delim)
        .enumerate()
        .filter(|(_, h)| {
            let h = h.trim().trim_matches('"').to_lowercase();
            HINTS.iter().any(|k| h.contains(k))
        })
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if columns.is_empty() {
        return Err("no e-mail or name columns recognised in the header".into());
    }
    register_table(dir, set, key, data, &columns)
}

/// Adds rows of normalised values to a set file (atomically replaced, mode 0600).
pub fn register_rows(dir: &Path, set: &str, key: &Key, rows: &[Vec<(Kind, String)>]) -> Result<Registration, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = set_path(dir, set);
    let (mut entries, base) = match std::fs::read(&path) {
        Ok(bytes) => {
            let (n, records, kcv) =
                header(&bytes).ok_or_else(|| format!("{} is not a leakguard fingerprint set", path.display()))?;
            if kcv.is_some_and(|k| k != key.check_value()) {
                return Err(wrong_key(set));
            }
            let mut v = Vec::with_capacity(n + rows.len() * 2);
            for i in 0..n {
                let k = u64::from_le_bytes(bytes[HEADER + i * 8..HEADER + i * 8 + 8].try_into().unwrap_or([0; 8]));
                let r = u32::from_le_bytes(
                    bytes[HEADER + n * 8 + i * 4..HEADER + n * 8 + i * 4 + 4].try_into().unwrap_or([0; 4]),
                );
                v.push((k, r));
            }
            (v, records)
        }
        Err(_) => (Vec::new(), 0),
    };
    let mut seen: HashMap<u64, ()> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let rec = (base + i as u64).min(u32::MAX as u64) as u32;
        for (kind, v) in row {
            let fp = key.fingerprint(*kind, v);
            if seen.insert(fp, ()).is_none() {
                entries.push((fp, rec));
            }
        }
    }
    entries.sort_unstable();
    entries.dedup_by_key(|e| e.0);
    let records = base + rows.len() as u64;
    let tmp = path.with_extension("lgfp.tmp");
    {
        let mut f = open_private(&tmp)?;
        let mut buf = Vec::with_capacity(HEADER + entries.len() * 12);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        buf.extend_from_slice(&records.to_le_bytes());
        for (k, _) in &entries {
            buf.extend_from_slice(&k.to_le_bytes());
        }
        for (_, r) in &entries {
            buf.extend_from_slice(&r.to_le_bytes());
        }
        buf.extend_from_slice(KCV_TAG);
        buf.extend_from_slice(&key.check_value().to_le_bytes());
        f.write_all(&buf).and_then(|_| f.sync_all()).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
    Ok(Registration { records, values: entries.len() as u64 })
}

fn open_private(p: &Path) -> Result<File, String> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(p)
        .map_err(|e| format!("cannot create {}: {e}", p.display()))
}

/// Why the fingerprint detectors of these classes cannot work: an invalid key (always),
/// no key while a set exists, a set registered with another key, an unreadable set.
/// Empty when they work (or when no set was registered yet).
pub fn problems(classes: &[crate::detect::ClassSpec], dir: &Path, key_file: Option<&Path>) -> Vec<String> {
    let sets: std::collections::BTreeSet<&str> = classes
        .iter()
        .flat_map(|c| &c.detectors)
        .filter_map(|d| match d {
            crate::detect::Detector::Fingerprints(f) => Some(f.set.as_str()),
            _ => None,
        })
        .collect();
    if sets.is_empty() {
        return Vec::new();
    }
    let key = match Key::load(key_file) {
        Ok(k) => k,
        Err(e) => return vec![format!("the fingerprint key is invalid: {e}")],
    };
    let mut out = Vec::new();
    for set in sets {
        let path = set_path(dir, set);
        if !path.exists() {
            continue;
        }
        match &key {
            None => out.push(format!(
                "fingerprint set `{set}` exists but no key is given (LEAKGUARD_FP_KEY or settings.fingerprint_key_file): its detector cannot match"
            )),
            Some(k) => {
                if let Err(e) = Set::open(&path, set, k.clone()) {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// Loads every set a policy's detectors name, when a key is available. A set that
/// cannot be used (see [`problems`]) is said on stderr once per process.
pub fn attach(classes: &mut [crate::detect::ClassSpec], dir: &Path, key: Option<&Key>) {
    static SAID: std::sync::Once = std::sync::Once::new();
    let Some(key) = key else {
        let unkeyed = classes.iter().flat_map(|c| &c.detectors).find_map(|d| match d {
            crate::detect::Detector::Fingerprints(f) if set_path(dir, &f.set).exists() => Some(f.set.clone()),
            _ => None,
        });
        if let Some(set) = unkeyed {
            SAID.call_once(|| {
                eprintln!(
                    "leakguard: warning: fingerprint set `{set}` exists but no valid key is given (LEAKGUARD_FP_KEY or settings.fingerprint_key_file): its detector matches nothing"
                )
            });
        }
        return;
    };
    let mut cache: HashMap<String, Option<Arc<Set>>> = HashMap::new();
    for c in classes {
        for d in &mut c.detectors {
            if let crate::detect::Detector::Fingerprints(f) = d {
                let set = cache.entry(f.set.clone()).or_insert_with(|| {
                    let path = set_path(dir, &f.set);
                    match Set::open(&path, &f.set, key.clone()) {
                        Ok(s) => Some(Arc::new(s)),
                        Err(e) => {
                            if path.exists() {
                                SAID.call_once(|| eprintln!("leakguard: warning: {e}"));
                            }
                            None
                        }
                    }
                });
                f.lookup = set.clone().map(|s| s as Arc<dyn FingerprintLookup>);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalise_email("  Jane.Doe@Example.COM "), "jane.doe@example.com");
        assert_eq!(normalise_name("Kestrel—Mark  GmbH."), "kestrel mark gmbh");
        assert_eq!(normalise_name("ＡＣＭＥ Inc"), "acme inc");
    }

    #[test]
    fn set_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = Key::new(b"0123456789abcdef0123").expect("key");
        let rows = vec![
            vec![(Kind::Email, "a@b.io".to_string()), (Kind::Name, "brightfalcon".to_string())],
            vec![(Kind::Email, "c@d.io".to_string())],
        ];
        let reg = register_rows(dir.path(), "t", &key, &rows).expect("write");
        assert_eq!((reg.records, reg.values), (2, 3));
        let set = Set::open(&set_path(dir.path(), "t"), "t", key.clone()).expect("open");
        assert_eq!(set.lookup(key.fingerprint(Kind::Email, "c@d.io")), Some(1));
        assert_eq!(set.lookup(key.fingerprint(Kind::Email, "x@d.io")), None);
        let text = "note: Brightfalcon, c@d.io";
        let spans = crate::detect::emails::find(text);
        let mut recs: Vec<u64> = set.matches(text, &spans).into_iter().map(|m| m.0).collect();
        recs.sort();
        assert_eq!(recs, [0, 1]);
        let raw = std::fs::read(set_path(dir.path(), "t")).expect("read");
        assert!(!raw.windows(6).any(|w| w == b"a@b.io"));
    }
}
