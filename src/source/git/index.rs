//! The staged entries listed in-process: the index file (`.git/index`, or
//! `$GIT_INDEX_FILE`) read directly and compared with HEAD's tree — what
//! `git diff --cached --raw --no-renames --diff-filter=AMT --ignore-submodules=all`
//! reports, without starting git (which reads and SHA-1-verifies the whole index: most
//! of a pre-commit hook's latency in a large repository).
//!
//! Owns the index format — versions 2, 3 and 4 (prefix-compressed paths), extended
//! flags (skip-worktree, intent-to-add), the cache-tree extension (`TREE`) — and the
//! index-vs-tree comparison: a directory whose valid cache-tree entry names HEAD's
//! subtree is skipped without being read. Anything unusual is an [`Unsupported`] reason
//! and the caller asks git instead: unmerged entries (stage > 0), split index (`link`),
//! sparse index (`sdir`, directory entries), an unknown required extension, a relative
//! `$GIT_INDEX_FILE` read outside the top of the work tree, a missing index, any
//! malformed byte. Reads are bounds-checked:
//! bad input is a reason, never a panic. The trailing checksum is not verified.
//!
//! Must not import the engine, detectors, policy or report: bytes in, entries out
//! (git2 only to read HEAD's trees).

use git2::{ObjectType, Oid, Repository, Tree};

/// Why the index could not be used; the caller falls back to `git diff --cached`.
pub type Unsupported = &'static str;

/// Canonical index modes.
const REGULAR: u32 = 0o100644;
const EXECUTABLE: u32 = 0o100755;
const SYMLINK: u32 = 0o120000;
const GITLINK: u32 = 0o160000;
const DIRECTORY: u32 = 0o040000;

/// Extended flags (index v3+).
const SKIP_WORKTREE: u16 = 0x4000;
const INTENT_TO_ADD: u16 = 0x2000;

const OID_LEN: usize = 20;
/// Paths and cache-trees nested deeper are left to git (bounded recursion).
const MAX_DEPTH: usize = 512;

/// One stage-0 index entry.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Path: `start..start + len` of the file (v2, v3) or of [`Index::names`] (v4).
    start: u32,
    len: u32,
    /// Offset of the object id in the file.
    oid_at: u32,
    mode: u32,
    intent_to_add: bool,
}

/// A cache-tree node: the tree object a directory's index entries make, when valid.
#[derive(Debug, Default)]
struct CacheTree {
    name: Vec<u8>,
    /// Index entries under this directory; `-1`: invalid (changed since written).
    entry_count: i64,
    oid: Option<[u8; OID_LEN]>,
    /// Sorted by name.
    children: Vec<CacheTree>,
}

impl CacheTree {
    fn child(&self, name: &[u8]) -> Option<&CacheTree> {
        self.children.binary_search_by(|c| c.name.as_slice().cmp(name)).ok().map(|i| &self.children[i])
    }
}

/// A parsed index, holding the file's bytes (a mapping, or a slice in tests).
pub struct Index<D: AsRef<[u8]>> {
    data: D,
    /// Reconstructed paths of a v4 index.
    names: Vec<u8>,
    version: u32,
    entries: Vec<Entry>,
    cache_tree: Option<CacheTree>,
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at.checked_add(4)?).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at.checked_add(2)?).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

/// Git's offset varint (index v4 prefix lengths): `None` on overflow or past `end`.
fn varint(d: &[u8], mut at: usize, end: usize) -> Option<(usize, usize)> {
    let mut c = *d.get(at).filter(|_| at < end)?;
    at += 1;
    let mut val = u64::from(c & 0x7f);
    while c & 0x80 != 0 {
        val = val.checked_add(1)?;
        if val >> 57 != 0 {
            return None;
        }
        c = *d.get(at).filter(|_| at < end)?;
        at += 1;
        val = (val << 7) | u64::from(c & 0x7f);
    }
    Some((usize::try_from(val).ok()?, at))
}

impl<D: AsRef<[u8]>> Index<D> {
    /// Parses an index file's bytes. Stage > 0, split and sparse indexes, unknown
    /// required extensions and any malformed byte are [`Unsupported`].
    pub fn parse(bytes: D) -> Result<Index<D>, Unsupported> {
        const BAD: Unsupported = "malformed index";
        let data = bytes.as_ref();
        if data.len() > u32::MAX as usize {
            return Err("index larger than 4 GiB");
        }
        if data.len() < 12 + OID_LEN || &data[..4] != b"DIRC" {
            return Err(BAD);
        }
        let version = be32(data, 4).ok_or(BAD)?;
        if !(2..=4).contains(&version) {
            return Err("index version other than 2, 3, 4");
        }
        let count = be32(data, 8).ok_or(BAD)? as usize;
        // The entries and extensions end where the trailing checksum starts.
        let end = data.len() - OID_LEN;
        let mut entries = Vec::with_capacity(count.min(end / 62));
        let mut names = Vec::new();
        let mut prev: Vec<u8> = Vec::new();
        let mut at = 12usize;
        for _ in 0..count {
            let hdr = at;
            if hdr.checked_add(62).is_none_or(|e| e > end) {
                return Err(BAD);
            }
            let mode = be32(data, hdr + 24).ok_or(BAD)?;
            let flags = be16(data, hdr + 60).ok_or(BAD)?;
            let mut name_at = hdr + 62;
            let mut ext = 0u16;
            if flags & 0x4000 != 0 {
                if version < 3 {
                    return Err(BAD);
                }
                ext = be16(data, name_at).filter(|_| name_at + 2 <= end).ok_or(BAD)?;
                name_at += 2;
                if ext & !(SKIP_WORKTREE | INTENT_TO_ADD) != 0 {
                    return Err("unknown extended index flags");
                }
            }
            if (flags >> 12) & 3 != 0 {
                return Err("unmerged entries");
            }
            match mode {
                REGULAR | EXECUTABLE | SYMLINK | GITLINK => {}
                DIRECTORY => return Err("sparse directory entry"),
                _ => return Err(BAD),
            }
            let short_len = usize::from(flags & 0xfff);
            let (start, len) = if version == 4 {
                let (strip, after) = varint(data, name_at, end).ok_or(BAD)?;
                if strip > prev.len() {
                    return Err(BAD);
                }
                let nul = memchr::memchr(0, data.get(after..end).ok_or(BAD)?).ok_or(BAD)?;
                prev.truncate(prev.len() - strip);
                prev.extend_from_slice(&data[after..after + nul]);
                at = after + nul + 1;
                let start = names.len();
                names.extend_from_slice(&prev);
                (start, prev.len())
            } else {
                let len = if short_len < 0xfff {
                    short_len
                } else {
                    memchr::memchr(0, data.get(name_at..end).ok_or(BAD)?).ok_or(BAD)?
                };
                // Header + name, padded with 1 to 8 NULs to a multiple of 8.
                let size = (name_at - hdr + len + 8) & !7;
                at = hdr.checked_add(size).filter(|&e| e <= end).ok_or(BAD)?;
                // NUL-terminated, none inside (git2's lookups take C strings).
                if data[name_at + len] != 0 || memchr::memchr(0, &data[name_at..name_at + len]).is_some() {
                    return Err(BAD);
                }
                (name_at, len)
            };
            if len == 0 || (short_len < 0xfff && short_len != len) || (short_len == 0xfff && len < 0xfff) {
                return Err(BAD);
            }
            let e = Entry {
                start: start as u32,
                len: len as u32,
                oid_at: (hdr + 40) as u32,
                mode,
                intent_to_add: ext & INTENT_TO_ADD != 0,
            };
            entries.push(e);
        }
        // Paths strictly increasing (sorted, each once at stage 0): directories are
        // contiguous ranges.
        let base = if version == 4 { &names[..] } else { data };
        let path = |e: &Entry| &base[e.start as usize..(e.start + e.len) as usize];
        if entries.windows(2).any(|w| path(&w[0]) >= path(&w[1])) {
            return Err(BAD);
        }
        let mut cache_tree = None;
        while at < end {
            let sig = data.get(at..at + 4).filter(|_| at + 8 <= end).ok_or(BAD)?;
            let size = be32(data, at + 4).ok_or(BAD)? as usize;
            let body_at = at + 8;
            let body = data.get(body_at..body_at.checked_add(size).filter(|&e| e <= end).ok_or(BAD)?).ok_or(BAD)?;
            match sig {
                b"TREE" => {
                    let mut pos = 0;
                    let root = parse_cache_tree(body, &mut pos, 0).ok_or("malformed cache-tree")?;
                    if pos != body.len() {
                        return Err("malformed cache-tree");
                    }
                    cache_tree = Some(root);
                }
                b"link" => return Err("split index"),
                b"sdir" => return Err("sparse index"),
                _ if sig[0].is_ascii_uppercase() => {}
                _ => return Err("unknown required index extension"),
            }
            at = body_at + size;
        }
        Ok(Index { data: bytes, names, version, entries, cache_tree })
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn path(&self, i: usize) -> &[u8] {
        let e = &self.entries[i];
        let base = if self.version == 4 { &self.names } else { self.data.as_ref() };
        &base[e.start as usize..(e.start + e.len) as usize]
    }

    fn oid(&self, i: usize) -> Oid {
        let at = self.entries[i].oid_at as usize;
        // In bounds: checked when the entry was parsed (header before the name).
        Oid::from_bytes(&self.data.as_ref()[at..at + OID_LEN]).unwrap_or_else(|_| Oid::zero())
    }

    /// The entries `git diff --cached --no-renames --diff-filter=AMT
    /// --ignore-submodules=all` reports against `head` (`None`: the empty tree of an
    /// unborn branch): (path bytes, mode, object id) in path order. Deletions,
    /// gitlinks and intent-to-add entries are left out. `only`: exact paths or
    /// directory prefixes (literal pathspecs, relative to the top).
    pub fn staged(
        &self,
        repo: &Repository,
        head: Option<&Tree<'_>>,
        only: &[String],
    ) -> Result<Vec<(Vec<u8>, u32, Oid)>, Unsupported> {
        let mut out = Vec::new();
        let root = self.cache_tree.as_ref();
        self.walk(repo, 0, self.entries.len(), 0, head.map(|t| t.id()), root, 0, &mut out)?;
        if !only.is_empty() {
            let specs = only.iter().map(|p| pathspec(p)).collect::<Option<Vec<_>>>().ok_or("unusual pathspec")?;
            out.retain(|(path, _, _)| {
                specs.iter().any(|s| {
                    s.is_empty() || path.starts_with(s) && (path.len() == s.len() || path.get(s.len()) == Some(&b'/'))
                })
            });
        }
        Ok(out)
    }

    /// Entries `lo..hi`, all under the directory `path[..plen]` (with its `/`), against
    /// that directory's tree in HEAD (read only when its cache-tree node does not
    /// already say it is unchanged) and its cache-tree node.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        repo: &Repository,
        lo: usize,
        hi: usize,
        plen: usize,
        tree: Option<Oid>,
        ct: Option<&CacheTree>,
        depth: usize,
        out: &mut Vec<(Vec<u8>, u32, Oid)>,
    ) -> Result<(), Unsupported> {
        if depth > MAX_DEPTH {
            return Err("paths nested too deep");
        }
        if let (Some(t), Some(c)) = (tree, ct) {
            if c.entry_count >= 0
                && c.entry_count as u64 == (hi - lo) as u64
                && c.oid.is_some_and(|o| o == t.as_bytes())
            {
                return Ok(());
            }
        }
        let tree = match tree {
            Some(id) => Some(repo.find_tree(id).map_err(|_| "HEAD tree unreadable")?),
            None => None,
        };
        let tree = tree.as_ref();
        let mut i = lo;
        while i < hi {
            let path = self.path(i);
            let rest = path.get(plen..).ok_or("malformed index")?;
            match memchr::memchr(b'/', rest) {
                Some(0) => return Err("malformed index path"),
                Some(k) => {
                    let dir = &path[..plen + k + 1];
                    let name = &rest[..k];
                    // The directory's entries are contiguous from `i`: binary search for
                    // the first one outside it.
                    let (mut a, mut b) = (i + 1, hi);
                    while a < b {
                        let m = a + (b - a) / 2;
                        if self.path(m).starts_with(dir) {
                            a = m + 1;
                        } else {
                            b = m;
                        }
                    }
                    let j = a;
                    let sub = tree
                        .and_then(|t| t.get_name_bytes(name))
                        .filter(|e| e.kind() == Some(ObjectType::Tree))
                        .map(|e| e.id());
                    let sub_ct = ct.and_then(|c| c.child(name));
                    self.walk(repo, i, j, plen + k + 1, sub, sub_ct, depth + 1, out)?;
                    i = j;
                }
                None => {
                    if rest.is_empty() {
                        return Err("malformed index path");
                    }
                    let e = &self.entries[i];
                    if e.mode != GITLINK && !e.intent_to_add {
                        let oid = self.oid(i);
                        let same = tree
                            .and_then(|t| t.get_name_bytes(rest))
                            .is_some_and(|h| canonical_mode(h.filemode_raw()) == e.mode && h.id() == oid);
                        if !same {
                            out.push((path.to_vec(), e.mode, oid));
                        }
                    }
                    i += 1;
                }
            }
        }
        Ok(())
    }
}

/// Git's canonical form of a tree entry's mode (old trees hold 100664 and the like).
fn canonical_mode(raw: i32) -> u32 {
    let m = raw as u32;
    match m & 0o170000 {
        0o100000 if m & 0o100 != 0 => EXECUTABLE,
        0o100000 => REGULAR,
        0o120000 => SYMLINK,
        0o160000 => GITLINK,
        0o040000 => DIRECTORY,
        other => other,
    }
}

/// A literal pathspec as a path prefix without a trailing `/`; `None` for what git would
/// normalise (`./x`, `a//b`, `..`, absolute paths): left to git.
fn pathspec(p: &str) -> Option<&[u8]> {
    let p = p.strip_suffix('/').unwrap_or(p);
    if p.is_empty() || p == "." {
        return Some(b"");
    }
    if p.starts_with('/') || p.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return None;
    }
    Some(p.as_bytes())
}

/// One cache-tree node and its children (preorder): `name NUL count SP subtrees LF
/// [oid]`. `None` on any malformed byte.
fn parse_cache_tree(b: &[u8], pos: &mut usize, depth: usize) -> Option<CacheTree> {
    if depth > MAX_DEPTH {
        return None;
    }
    let rest = b.get(*pos..)?;
    let nul = memchr::memchr(0, rest)?;
    let name = rest[..nul].to_vec();
    *pos += nul + 1;
    let rest = b.get(*pos..)?;
    let sp = memchr::memchr(b' ', rest)?;
    let entry_count: i64 = std::str::from_utf8(&rest[..sp]).ok()?.parse().ok()?;
    *pos += sp + 1;
    let rest = b.get(*pos..)?;
    let lf = memchr::memchr(b'\n', rest)?;
    let subtrees: usize = std::str::from_utf8(&rest[..lf]).ok()?.parse().ok()?;
    *pos += lf + 1;
    if entry_count < -1 {
        return None;
    }
    let oid = if entry_count >= 0 {
        let o: [u8; OID_LEN] = b.get(*pos..pos.checked_add(OID_LEN)?)?.try_into().ok()?;
        *pos += OID_LEN;
        Some(o)
    } else {
        None
    };
    // Each child takes at least 5 bytes: a bound before allocating.
    if subtrees > b.len().saturating_sub(*pos) / 5 {
        return None;
    }
    let mut children = Vec::with_capacity(subtrees);
    for _ in 0..subtrees {
        children.push(parse_cache_tree(b, pos, depth + 1)?);
    }
    children.sort_by(|a, b| a.name.cmp(&b.name));
    if children.windows(2).any(|w| w[0].name == w[1].name) {
        return None;
    }
    Some(CacheTree { name, entry_count, oid, children })
}

/// The index git would read: `$GIT_INDEX_FILE` or `<git dir>/index`. A relative
/// `$GIT_INDEX_FILE` (plain `git commit` passes `.git/index` to its hooks, which it runs
/// at the top of the work tree) is taken from the current directory only when that is
/// the top of the work tree, where git and libgit2 read it too.
pub fn index_path(repo: &Repository) -> Result<std::path::PathBuf, Unsupported> {
    let Some(p) = std::env::var_os("GIT_INDEX_FILE") else { return Ok(repo.path().join("index")) };
    let p = std::path::PathBuf::from(p);
    if p.is_absolute() {
        return Ok(p);
    }
    let cwd = std::env::current_dir().map_err(|_| "relative GIT_INDEX_FILE")?;
    let top = repo.workdir().and_then(|w| w.canonicalize().ok()).ok_or("relative GIT_INDEX_FILE")?;
    if cwd.canonicalize().is_ok_and(|c| c == top) {
        Ok(cwd.join(p))
    } else {
        Err("relative GIT_INDEX_FILE outside the top of the work tree")
    }
}

/// The index file of `repo` ([`index_path`]), mapped and parsed: what can run beside
/// other work (no git2 handle needed).
pub fn read(path: &std::path::Path) -> Result<Index<memmap2::Mmap>, Unsupported> {
    let file = std::fs::File::open(path).map_err(|_| "no index file")?;
    // SAFETY: git replaces the index by renaming a new file over it, never by
    // rewriting it in place; the mapping is read-only and every read is bounds-checked.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|_| "index unreadable")?;
    Index::parse(map)
}

/// The staged entries of a parsed index of `repo` against HEAD: (path bytes, mode,
/// object id) in path order, as `git diff --cached --raw --no-renames --diff-filter=AMT
/// --ignore-submodules=all -- <only>` lists them, gitlinks left out.
pub fn staged_of<D: AsRef<[u8]>>(
    index: &Index<D>,
    repo: &Repository,
    only: &[String],
) -> Result<Vec<(Vec<u8>, u32, Oid)>, Unsupported> {
    let head = match repo.head() {
        Ok(h) => Some(h.peel_to_tree().map_err(|_| "HEAD unreadable")?),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => None,
        Err(_) => return Err("HEAD unreadable"),
    };
    index.staged(repo, head.as_ref(), only)
}

/// [`read`] then [`staged_of`].
pub fn staged(repo: &Repository, only: &[String]) -> Result<Vec<(Vec<u8>, u32, Oid)>, Unsupported> {
    staged_of(&read(&index_path(repo)?)?, repo, only)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &std::path::Path, args: &[&str]) {
        let o = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_DIR")
            .output()
            .expect("git runs");
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }

    /// A repository with nested directories, a commit and staged changes; its index bytes.
    fn real_index(version: &str) -> (tempfile::TempDir, Vec<u8>) {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path();
        run(d, &["init", "-q", "-b", "main"]);
        for i in 0..40 {
            let p = d.join(format!("d{}/sub{}/f{i}.txt", i % 4, i % 3));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, format!("{i}\n")).expect("write");
        }
        run(d, &["add", "-A"]);
        run(d, &["-c", "user.name=A", "-c", "user.email=a@corp.test", "commit", "-q", "-m", "init"]);
        std::fs::write(d.join("d1/sub1/f1.txt"), "changed\n").expect("write");
        std::fs::write(d.join("top.txt"), "new\n").expect("write");
        run(d, &["add", "-A"]);
        run(d, &["update-index", "--index-version", version]);
        if version == "3" {
            // Git writes version 2 unless an entry has extended flags.
            run(d, &["update-index", "--skip-worktree", "d0/sub0/f0.txt"]);
        }
        let bytes = std::fs::read(d.join(".git/index")).expect("index");
        (t, bytes)
    }

    #[test]
    fn parses_versions_2_3_4() {
        for v in ["2", "3", "4"] {
            let (t, bytes) = real_index(v);
            let ix = Index::parse(&bytes).expect("parses");
            assert_eq!(ix.version().to_string(), v);
            assert_eq!(ix.len(), 41);
            assert!(ix.cache_tree.is_some(), "v{v}: git writes a cache-tree on commit");
            let repo = Repository::open(t.path()).expect("repo");
            let head = repo.head().expect("head").peel_to_tree().expect("tree");
            let got = ix.staged(&repo, Some(&head), &[]).expect("staged");
            let paths: Vec<_> = got.iter().map(|(p, _, _)| String::from_utf8_lossy(p).into_owned()).collect();
            assert_eq!(paths, ["d1/sub1/f1.txt", "top.txt"], "v{v}");
            let only = ix.staged(&repo, Some(&head), &["d1".into()]).expect("staged");
            assert_eq!(only.len(), 1);
            assert_eq!(ix.staged(&repo, None, &[]).expect("staged").len(), 41);
        }
    }

    /// Every truncation and many corruptions of a real index: an answer or a reason,
    /// never a panic.
    #[test]
    fn truncated_or_garbled_index_never_panics() {
        for v in ["2", "4"] {
            let (t, bytes) = real_index(v);
            let repo = Repository::open(t.path()).expect("repo");
            for cut in 0..bytes.len() {
                if let Ok(ix) = Index::parse(&bytes[..cut]) {
                    let _ = ix.staged(&repo, None, &[]);
                }
            }
            // A deterministic xorshift: flip bytes at pseudo-random places.
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
            let mut parsed = 0;
            for _ in 0..4000 {
                let mut b = bytes.clone();
                for _ in 0..1 + (x % 4) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let at = (x as usize) % b.len();
                    b[at] = (x >> 32) as u8;
                }
                if let Ok(ix) = Index::parse(&b) {
                    parsed += 1;
                    let head = repo.head().expect("head").peel_to_tree().expect("tree");
                    let _ = ix.staged(&repo, Some(&head), &[]);
                }
            }
            assert!(parsed > 0, "some corruptions (in stat data) still parse");
        }
    }

    #[test]
    fn varint_matches_git() {
        assert_eq!(varint(&[0x05], 0, 1), Some((5, 1)));
        // 0x80 0x00 = (0 + 1) << 7 = 128 in git's offset encoding.
        assert_eq!(varint(&[0x80, 0x00], 0, 2), Some((128, 2)));
        assert_eq!(varint(&[0x80], 0, 1), None);
        assert_eq!(varint(&[0xff; 16], 0, 16), None);
    }

    #[test]
    fn pathspecs() {
        assert_eq!(pathspec("a/b/"), Some(&b"a/b"[..]));
        assert_eq!(pathspec("."), Some(&b""[..]));
        assert_eq!(pathspec("./a"), None);
        assert_eq!(pathspec("a//b"), None);
        assert_eq!(pathspec("/a"), None);
        assert_eq!(pathspec("a/../b"), None);
    }
}
