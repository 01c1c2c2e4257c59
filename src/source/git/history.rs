//! Whole-history scans at the speed of the object database.
//!
//! Owns the two passes of `scan --history`:
//! 1. **Content**: every blob (and the message of every commit in the scanned set) is
//!    listed once from the object database in pack order (`git cat-file
//!    --batch-all-objects --unordered`, started before the commit walk:
//!    [`Prelisting`]), read in-process through libgit2 by every worker of rayon's pool
//!    (runs of the pack order, each worker its own repository handle) and scanned where
//!    it was inflated. Path-free: a blob's bytes are scanned once with no path; a blob
//!    is a *candidate* when that scan has hits or problems, when its decoding could
//!    depend on its name (OLE2 `.xls`, gzip), or when it is larger than
//!    `settings.max_file_size`. Clean blobs leave nothing behind.
//! 2. **Attribution**, only for candidates (and for blobs commits name that the object
//!    database lacks — those are judged unreadable, never skipped): one `git log
//!    --no-walk --stdin --diff-merges=first-parent --raw --root` over the scanned
//!    commits, beside pass 1 (see [`Merges`] for why first-parent gives the per-commit
//!    strategy's pairs over a list closed under parents); each (candidate blob, path)
//!    pair gets the earliest introducing commit in the order the per-commit strategy
//!    uses (libgit2's topological walk, oldest first). Without git, libgit2 tree walks
//!    (each (tree, directory) pair read once) give the same pairs, slower. These pairs
//!    (and ref objects: tag messages, trees and blobs refs point at) are judged through
//!    [`super::scan`], which rescans the candidate bytes under their real path and
//!    applies path rules per path.
//!
//! Memory is bounded by design: the list of object ids and sizes, the set of listed blob
//! ids, one object per worker, libgit2's bounded pack windows ([`tune_libgit2`]), the
//! candidate set, and the attribution's pairs of blobs not yet known clean. Nothing per
//! clean blob once decided. `git` runs with `GIT_NO_REPLACE_OBJECTS` and bounded pack
//! windows (see `objects`). Must not import report renderers or policy internals; never
//! writes anything.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository};
use rayon::prelude::*;

use super::objects::{self, Batch, Header, ObjType};
use super::{GitItem, Kind, Totals};
use crate::engine::Engine;
use crate::report::Finding;

/// What pass 1 found worth a second look.
#[derive(Debug, Default)]
pub struct Candidates {
    pub blobs: HashSet<Oid>,
    pub commits: HashSet<Oid>,
    /// Objects read and bytes scanned.
    pub objects: u64,
    pub bytes: u64,
}

/// The objects pass 1 reads, listed from the object database in pack order.
pub struct Listing {
    /// Blobs, and commits of the scanned set, with their sizes.
    pub wanted: Vec<(Oid, u64)>,
    /// Every blob the object database lists, with its index into [`Listing::state`]: a
    /// blob a commit introduces that is not here is missing, and judged (as
    /// unreadable, blocking) rather than skipped.
    pub present: HashMap<Oid, u32>,
    /// What pass 1 decided about each listed blob ([`UNSCANNED`], [`CLEAN`],
    /// [`CANDIDATE`]): attribution running beside it drops clean blobs' pairs.
    pub state: Vec<AtomicU8>,
    pub bytes: u64,
}

pub const UNSCANNED: u8 = 0;
pub const CLEAN: u8 = 1;
pub const CANDIDATE: u8 = 2;

impl Listing {
    /// Lists blobs and the commits of `commits`, in pack order.
    pub fn new(git_dir: &std::path::Path, commits: &HashSet<Oid>) -> Result<Listing, String> {
        let mut l = Listing::all(git_dir)?;
        l.keep_commits(commits);
        Ok(l)
    }

    /// Lists every blob and every commit, in pack order: it needs no commit list, so it
    /// can run while the commits are walked ([`Prelisting`]).
    pub fn all(git_dir: &std::path::Path) -> Result<Listing, String> {
        let mut l = Listing { wanted: Vec::new(), present: HashMap::new(), state: Vec::new(), bytes: 0 };
        objects::list_all(Some(git_dir), &mut |o| {
            if !matches!(o.kind, ObjType::Blob | ObjType::Commit) {
                return;
            }
            let Ok(oid) = Oid::from_str(&o.oid) else { return };
            if o.kind == ObjType::Blob {
                let n = l.present.len() as u32;
                if l.present.entry(oid).or_insert(n) != &n {
                    return; // listed twice (two packs): read once
                }
            }
            l.wanted.push((oid, o.size));
        })?;
        l.state = (0..l.present.len()).map(|_| AtomicU8::new(UNSCANNED)).collect();
        Ok(l)
    }

    /// Keeps, of the commits listed, those of `commits` (the scanned set), and sums
    /// the bytes pass 1 reads.
    fn keep_commits(&mut self, commits: &HashSet<Oid>) {
        let present = &self.present;
        self.wanted.retain(|(oid, _)| present.contains_key(oid) || commits.contains(oid));
        self.bytes = self.wanted.iter().map(|w| w.1).sum();
    }

    fn set(&self, oid: &Oid, state: u8) {
        if let Some(&i) = self.present.get(oid) {
            self.state[i as usize].store(state, Ordering::Relaxed);
        }
    }

    /// Whether pairs of `oid` may matter: not a blob pass 1 found clean.
    pub fn may_matter(&self, oid: &Oid) -> bool {
        self.present.get(oid).is_none_or(|&i| self.state[i as usize].load(Ordering::Relaxed) != CLEAN)
    }
}

/// The object listing, started on a thread of its own before the commits are walked
/// (libgit2's topological walk of git/git's 85,361 commits and the listing each take
/// about a second, on one core each).
pub struct Prelisting(std::thread::JoinHandle<Result<Listing, String>>);

impl Prelisting {
    pub fn start(git_dir: &std::path::Path) -> Prelisting {
        let d = git_dir.to_path_buf();
        Prelisting(std::thread::spawn(move || Listing::all(&d)))
    }

    fn finish(self, commits: &HashSet<Oid>) -> Result<Listing, String> {
        let mut l = self.0.join().map_err(|_| "the listing thread panicked".to_string())??;
        l.keep_commits(commits);
        Ok(l)
    }
}

/// Progress of pass 1, for a bar: (objects done, bytes done) of (objects, bytes).
pub trait Progress: Sync {
    fn start(&self, objects: u64, bytes: u64);
    fn advance(&self, objects: u64, bytes: u64);
}

/// Objects each scanning task reads and scans in a row: runs of the pack order stay
/// together, so libgit2's delta-base cache serves the objects of a run.
const RUN: usize = 64;

/// Pass 1: scans every blob of the object database and the messages of the listed
/// commits, path-free; `decided(oid, kind, candidate)` is called for each object as
/// soon as it is decided (from any thread).
///
/// Every worker of rayon's pool reads its objects itself, in-process through libgit2
/// (one repository handle per worker, packs shared), in runs of the pack order, and
/// scans them where they were inflated: no pipe, no reading thread, no copy. On
/// git/git this read costs ≈ 4.9 CPU-s against ≈ 8 for `git cat-file --batch` plus
/// ≈ 3.5 for the thread reading its pipe. Blobs over `settings.max_file_size` are never
/// read (the listing gives the size); blobs over the scanner's whole-read size are
/// streamed through it in windows from a `git cat-file --batch` of their own, after
/// the others.
pub fn content_pass(
    engine: &Engine,
    git_dir: &std::path::Path,
    listing: &Listing,
    progress: Option<&dyn Progress>,
    decided: &(dyn Fn(Oid, ObjType, bool) + Sync),
) -> Result<Candidates, String> {
    let wanted = &listing.wanted;
    if let Some(p) = progress {
        p.start(wanted.len() as u64, listing.bytes);
    }
    let max = engine.policy.settings.max_file_size;
    let whole_max = engine.scanner.whole_read_max;
    let cands = Mutex::new(Candidates::default());
    let scanned = AtomicU64::new(0);
    // Repository handles, one per worker at a time (a handle is not shareable).
    let repos: Mutex<Vec<Repository>> = Mutex::new(Vec::new());
    let large: Mutex<Vec<(Oid, u64)>> = Mutex::new(Vec::new());
    let decide = |oid: Oid, kind: ObjType, keep: bool, n: u64| {
        scanned.fetch_add(n, Ordering::Relaxed);
        if let Some(p) = progress {
            p.advance(1, n);
        }
        if kind == ObjType::Blob {
            listing.set(&oid, if keep { CANDIDATE } else { CLEAN });
        }
        decided(oid, kind, keep);
        if keep {
            let mut c = cands.lock().unwrap_or_else(|e| e.into_inner());
            if kind == ObjType::Commit {
                c.commits.insert(oid);
            } else {
                c.blobs.insert(oid);
            }
        }
    };
    let run = |objs: &[(Oid, u64)]| -> Result<(), String> {
        let popped = repos.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let repo = match popped {
            Some(r) => r,
            None => super::open()?,
        };
        let res = (|| -> Result<(), String> {
            let odb = repo.odb().map_err(|e| e.message().to_string())?;
            for &(oid, size) in objs {
                let commit = !listing.present.contains_key(&oid);
                let kind = if commit { ObjType::Commit } else { ObjType::Blob };
                if !commit && size > max {
                    // Judged as unscannable at each of its paths in pass 2; never loaded.
                    decide(oid, kind, true, size);
                    continue;
                }
                if !commit && size > whole_max {
                    // Streamed in windows once the rest is done (below).
                    large.lock().unwrap_or_else(|e| e.into_inner()).push((oid, size));
                    continue;
                }
                let o = odb.read(oid).map_err(|e| format!("object {oid} cannot be read: {}", e.message()))?;
                let data = o.data();
                let keep = if commit {
                    has_anything(&engine.scanner.scan_bytes("COMMIT_MSG", commit_message(data)))
                } else {
                    name_sensitive(data) || has_anything(&engine.scanner.scan_bytes("", data))
                };
                decide(oid, kind, keep, data.len() as u64);
            }
            Ok(())
        })();
        repos.lock().unwrap_or_else(|e| e.into_inner()).push(repo);
        res
    };
    wanted.par_chunks(RUN).try_for_each(run)?;
    // Blobs over the whole-read size, last: each streamed in windows through a `git
    // cat-file --batch` of its own (bounded memory; rare — git/git has none).
    let large = large.into_inner().unwrap_or_else(|e| e.into_inner());
    large.par_iter().try_for_each(|&(oid, size)| -> Result<(), String> {
        let keep = has_anything(&scan_streamed(engine, git_dir, oid, size)?);
        decide(oid, ObjType::Blob, keep, size);
        Ok(())
    })?;
    let mut c = cands.into_inner().unwrap_or_else(|e| e.into_inner());
    c.objects = wanted.len() as u64;
    c.bytes = scanned.into_inner();
    Ok(c)
}

/// A blob larger than the scanner's whole-read size, scanned path-free in windows
/// from a `git cat-file --batch` of its own (rare: git/git has none).
fn scan_streamed(
    engine: &Engine,
    git_dir: &std::path::Path,
    oid: Oid,
    size: u64,
) -> Result<crate::detect::ItemScan, String> {
    let mut batch = Batch::spawn(Some(git_dir))?;
    batch.request(&oid.to_string())?;
    match batch.header()? {
        Header::Found { size: s, .. } if s == size => {}
        Header::Found { size: s, .. } => return Err(format!("object {oid}: {s} bytes, listed as {size}")),
        Header::Missing { oid: o, reason } => return Err(format!("object {o} cannot be read: {reason}")),
    }
    let scan = engine.scanner.scan_reader("", batch.body(), size).map_err(|e| e.to_string())?;
    batch.close()?;
    Ok(scan)
}

/// A commit's message as libgit2's `message_bytes` gives it: after the header's blank
/// line, leading newlines trimmed.
pub fn commit_message(raw: &[u8]) -> &[u8] {
    let body = match memchr::memmem::find(raw, b"\n\n") {
        Some(i) => &raw[i + 2..],
        None => &[][..],
    };
    let lead = body.iter().take_while(|&&b| b == b'\n').count();
    &body[lead..]
}

fn has_anything(s: &crate::detect::ItemScan) -> bool {
    !s.problems.is_empty() || s.parts.iter().any(|p| !p.hits.is_empty())
}

/// Content whose decoding depends on the name it is found under (an OLE2 workbook is
/// opened only as `.xls`; a gzip member is named after its file).
fn name_sensitive(data: &[u8]) -> bool {
    data.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) || data.starts_with(&[0x1f, 0x8b])
}

/// Attribution: the (blob, path) pairs `commits` (oldest first, closed under parents)
/// introduce for blobs `keep` accepts, each with its first introducing commit in that
/// order — from `git log --diff-merges=first-parent` (the same earliest commits as `-c`
/// over such a list, see [`Merges`]), with `-c` when git is too old for it, and from
/// libgit2 tree walks ([`attribute_by_trees`]) when git cannot run.
pub fn attribution(
    git_dir: &std::path::Path,
    commits: &[Oid],
    keep: &(dyn Fn(&Oid) -> bool + Sync),
) -> Result<Pairs, String> {
    match log_pairs(git_dir, commits, Merges::FirstParent, keep) {
        Ok(p) => Ok(p),
        Err(e) if e.starts_with("cannot run") => {
            let repo = super::open()?;
            let items = attribute_by_trees(&repo, commits, keep).map_err(|e| e.message().to_string())?;
            let pos: HashMap<Oid, u32> = commits.iter().enumerate().map(|(i, c)| (*c, i as u32)).collect();
            let mut pairs = Pairs::default();
            for it in items {
                let i = pairs.paths.len() as u32;
                pairs.paths.push(it.path.into_bytes());
                let p = it.commit.and_then(|c| pos.get(&c).copied()).unwrap_or(0);
                pairs.by_blob.entry(it.oid).or_default().push((i, p));
            }
            Ok(pairs)
        }
        Err(e) if e.contains("diff-merges") => log_pairs(git_dir, commits, Merges::Combined, keep),
        Err(e) => Err(e),
    }
}

/// Every (blob, path) pair `commits` introduce (restricted to `only` when given), each
/// with its first introducing commit in the order of `commits`, sorted by that order
/// then path. One `git log --no-walk --stdin -c --raw --root`: each commit's diff
/// against every parent, computed by git.
pub fn introduced_by_log(
    git_dir: &std::path::Path,
    commits: &[Oid],
    only: Option<&(dyn Fn(&Oid) -> bool + Sync)>,
) -> Result<Vec<GitItem>, String> {
    let keep = |o: &Oid| only.is_none_or(|t| t(o));
    let pairs = log_pairs(git_dir, commits, Merges::Combined, &keep)?;
    let mut out: Vec<(u32, &[u8], Oid)> = Vec::new();
    for (oid, v) in &pairs.by_blob {
        for &(path, pos) in v {
            out.push((pos, &pairs.paths[path as usize], *oid));
        }
    }
    out.sort();
    Ok(out
        .into_iter()
        .map(|(pos, path, oid)| GitItem {
            path: String::from_utf8_lossy(path).into_owned(),
            oid,
            commit: Some(commits[pos as usize]),
            kind: Kind::Blob,
        })
        .collect())
}

/// How `git log` diffs a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merges {
    /// `-c`: paths that differ from every parent — what a merge introduces when its
    /// parents may lie outside the commit list (a push, a dated range).
    Combined,
    /// `--diff-merges=first-parent`: against the first parent only. Lists more than
    /// `-c` but only pairs the merge contains, so over a list closed under parents
    /// (every parent earlier) the *earliest* commit listing each pair is the same:
    /// the first commit in the order whose tree holds it. One tree diff per merge
    /// instead of one per parent.
    FirstParent,
}

/// (blob, path) pairs with the position (in the commit list) of the first commit that
/// introduces each.
#[derive(Debug, Default)]
pub struct Pairs {
    /// Paths, interned.
    pub paths: Vec<Vec<u8>>,
    /// Per blob: (path index, first commit position), one per path.
    pub by_blob: HashMap<Oid, Vec<(u32, u32)>>,
}

impl Pairs {
    /// The path `oid` is first introduced at (earliest commit, then smallest path).
    fn first_path(&self, oid: &Oid) -> Vec<u8> {
        let v = self.by_blob.get(oid).map(|v| v.as_slice()).unwrap_or_default();
        v.iter().map(|&(p, pos)| (pos, &self.paths[p as usize])).min().map(|(_, p)| p.clone()).unwrap_or_default()
    }

    /// The items of `oid`, sorted by commit position then path.
    pub fn items(&self, oid: &Oid, commits: &[Oid]) -> Vec<GitItem> {
        let mut v: Vec<(u32, &[u8])> = self
            .by_blob
            .get(oid)
            .map(|v| v.iter().map(|&(p, pos)| (pos, self.paths[p as usize].as_slice())).collect())
            .unwrap_or_default();
        v.sort();
        v.into_iter()
            .map(|(pos, path)| GitItem {
                path: String::from_utf8_lossy(path).into_owned(),
                oid: *oid,
                commit: Some(commits[pos as usize]),
                kind: Kind::Blob,
            })
            .collect()
    }
}

/// Runs `git log --no-walk=unsorted --stdin --raw -r --root` over `commits` and keeps,
/// for each (blob, path) line whose blob passes `keep` (asked when the line is read,
/// and again at the end), the earliest position. Gitlinks and deletions introduce
/// nothing.
pub fn log_pairs(
    git_dir: &std::path::Path,
    commits: &[Oid],
    merges: Merges,
    keep: &(dyn Fn(&Oid) -> bool + Sync),
) -> Result<Pairs, String> {
    let mut pairs = Pairs::default();
    if commits.is_empty() {
        // `git log --stdin` with no revision would fall back to HEAD.
        return Ok(pairs);
    }
    use std::io::BufRead;
    let pos: HashMap<Oid, u32> = commits.iter().enumerate().map(|(i, c)| (*c, i as u32)).collect();
    let mut child = objects::git_command(Some(git_dir))
        .args(["-c", "log.showSignature=false", "log", "--no-walk=unsorted", "--stdin"])
        .arg(match merges {
            Merges::Combined => "-c",
            Merges::FirstParent => "--diff-merges=first-parent",
        })
        .args([
            "-r",
            "--raw",
            "--no-renames",
            "--no-relative",
            "--no-abbrev",
            "--root",
            "--no-color",
            "--no-ext-diff",
            "--format=%x01%H",
            "-z",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git log: {e}"))?;
    let stdin = child.stdin.take().ok_or("git log: no stdin")?;
    let list: Vec<Oid> = commits.to_vec();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(stdin);
        for c in list {
            writeln!(w, "{c}")?;
        }
        w.flush()
    });
    let stdout = child.stdout.take().ok_or("git log: no stdout")?;
    objects::widen_pipe(&stdout);
    let mut r = std::io::BufReader::with_capacity(1 << 16, stdout);
    let mut interned: HashMap<Vec<u8>, u32> = HashMap::new();
    // (blob, path) -> earliest position: one entry per pair, however many paths a blob
    // has (the empty blob may be at thousands).
    let mut first: HashMap<(Oid, u32), u32> = HashMap::new();
    let (mut tok, mut current, mut pending): (Vec<u8>, Option<u32>, Option<Oid>) = (Vec::new(), None, None);
    loop {
        tok.clear();
        if r.read_until(0, &mut tok).map_err(|e| format!("git log: {e}"))? == 0 {
            break;
        }
        if tok.last() == Some(&0) {
            tok.pop();
        }
        let t = tok.strip_prefix(b"\n").unwrap_or(&tok);
        if let Some(blob) = pending.take() {
            // The path of the record before.
            if let Some(p) = current {
                let path = match interned.get(tok.as_slice()) {
                    Some(&i) => i,
                    None => {
                        let i = pairs.paths.len() as u32;
                        interned.insert(tok.clone(), i);
                        pairs.paths.push(tok.clone());
                        i
                    }
                };
                let e = first.entry((blob, path)).or_insert(p);
                *e = (*e).min(p);
            }
            continue;
        }
        if let Some(h) = t.strip_prefix(b"\x01") {
            let h = std::str::from_utf8(h).map_err(|_| "git log: odd commit line")?;
            let oid = Oid::from_str(h).map_err(|e| format!("git log: {h:?}: {}", e.message()))?;
            current = pos.get(&oid).copied();
            continue;
        }
        if t.first() == Some(&b':') {
            // `:`×n modes×(n+1) ids×(n+1) status, n = number of parents diffed (1 for a root).
            let n = t.iter().take_while(|&&b| b == b':').count();
            let meta = std::str::from_utf8(&t[n..]).map_err(|_| "git log: odd raw line")?;
            let f: Vec<&str> = meta.split(' ').collect();
            let (Some(mode), Some(id)) = (f.get(n), f.get(2 * n + 1)) else {
                return Err(format!("git log: odd raw line {meta:?}"));
            };
            let id = Oid::from_str(id).map_err(|e| format!("git log: {id:?}: {}", e.message()))?;
            // Paths follow; only targets are kept. Gitlinks and deletions introduce nothing.
            pending = Some(id).filter(|id| *mode != "160000" && !id.is_zero() && keep(id));
            if pending.is_none() {
                // Still consume the path token.
                tok.clear();
                r.read_until(0, &mut tok).map_err(|e| format!("git log: {e}"))?;
            }
            continue;
        }
        if !t.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("git log: unexpected output {:?}", String::from_utf8_lossy(t)));
        }
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    let st = child.wait().map_err(|e| format!("git log: {e}"))?;
    match writer.join() {
        Ok(Ok(())) => {}
        _ if !st.success() => {}
        _ => return Err("git log: the commit list could not be written".into()),
    }
    if !st.success() {
        return Err(format!("git log failed ({st}): {}", err.trim()));
    }
    for ((blob, path), p) in first {
        if keep(&blob) {
            pairs.by_blob.entry(blob).or_default().push((path, p));
        }
    }
    Ok(pairs)
}

/// [`attribute`] by reading trees with libgit2: each (tree, directory) pair once — a
/// tree seen at the same directory before can only hold pairs already seen.
pub fn attribute_by_trees(
    repo: &Repository,
    commits: &[Oid],
    targets: &(dyn Fn(&Oid) -> bool + Sync),
) -> Result<Vec<GitItem>, git2::Error> {
    let mut st = Walk { dirs: HashMap::new(), visited: HashSet::new(), seen: HashSet::new(), out: Vec::new() };
    let mut prefix = Vec::new();
    for &c in commits {
        let tree = repo.find_commit(c)?.tree_id();
        st.tree(repo, tree, &mut prefix, c, targets)?;
    }
    Ok(st.out)
}
struct Walk {
    /// Directory prefixes (`a/b/`) interned to small ids.
    dirs: HashMap<Vec<u8>, u32>,
    visited: HashSet<(Oid, u32)>,
    seen: HashSet<(Oid, String)>,
    out: Vec<GitItem>,
}

impl Walk {
    fn tree(
        &mut self,
        repo: &Repository,
        id: Oid,
        prefix: &mut Vec<u8>,
        commit: Oid,
        targets: &(dyn Fn(&Oid) -> bool + Sync),
    ) -> Result<(), git2::Error> {
        let n = self.dirs.len() as u32;
        let dir = *self.dirs.entry(prefix.clone()).or_insert(n);
        if !self.visited.insert((id, dir)) {
            return Ok(());
        }
        let tree = repo.find_tree(id)?;
        for e in tree.iter() {
            match e.kind() {
                Some(ObjectType::Blob) if targets(&e.id()) => {
                    let mut p = prefix.clone();
                    p.extend_from_slice(e.name_bytes());
                    let path = String::from_utf8_lossy(&p).into_owned();
                    if self.seen.insert((e.id(), path.clone())) {
                        self.out.push(GitItem { path, oid: e.id(), commit: Some(commit), kind: Kind::Blob });
                    }
                }
                Some(ObjectType::Tree) => {
                    let len = prefix.len();
                    prefix.extend_from_slice(e.name_bytes());
                    prefix.push(b'/');
                    let r = self.tree(repo, e.id(), prefix, commit, targets);
                    prefix.truncate(len);
                    r?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Where findings go as soon as they are judged (a streamed report); called from the
/// judging thread, one batch at a time.
pub type Sink<'a> = &'a (dyn Fn(&[Finding]) + Sync);

/// What the judging thread hears about.
enum Event {
    /// Pass 1 found something in a blob.
    Blob(Oid),
    /// Pass 1 found something in a commit's message.
    Message(Oid),
    /// Attribution is complete.
    Pairs(Result<Pairs, String>),
}

/// Where a group of findings stood in the former single list of items (commit messages
/// in commit order, then blobs by their first (commit, path), then ref objects): the
/// final order does not depend on when a group was judged.
type Key = (u8, u32, Vec<u8>);

/// libgit2's global settings for a history scan; [`scan_history`] calls it, and the
/// caller should before it opens the repository and walks the commits, so that the
/// pack windows that walk maps are already the small ones (libgit2 shares a pack's
/// windows between handles: a 1 GiB window mapped by the walk would serve every later
/// read and count whole in our memory).
///
/// Each object is read once, so libgit2's object cache would only grow; pack windows
/// are small and bounded (git/git: 104 MB peak reading every blob, against 253 MB with
/// 1 GiB windows, same CPU). Objects are not re-hashed on read (`git cat-file` does
/// not either): 5.6 GB of SHA-1 would cost more than inflating it.
pub fn tune_libgit2() {
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    // SAFETY: plain libgit2 global settings, set from the main thread before any thread
    // of the scan starts.
    unsafe {
        let _ = git2::opts::set_mwindow_size(32 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(64 << 20);
    }
}

/// `scan --history` over `commits` (every commit reachable from the refs, oldest
/// first, so closed under parents), with the object listing `listed` started before
/// the commits were walked (or listed here). Three things run at once:
/// - pass 1 ([`content_pass`]) on this thread and rayon's pool;
/// - attribution ([`attribution`], one `git log`) on its own thread, keeping the pairs
///   of every blob pass 1 has not found clean;
/// - judging on its own thread: a candidate (or a blob commits name that the object
///   database lacks) is judged through [`super::scan`] under all its paths as soon as
///   both pass 1 and attribution are done with it, and handed to `sink`.
///
/// Ref objects (tag messages, trees and blobs refs point at) are judged with the
/// candidate blob they share an id with, the others last. Findings are returned in the
/// order of the former single list, whatever the timing.
pub fn scan_history(
    engine: &Engine,
    repo: &Repository,
    commits: &[Oid],
    with_ref_objects: bool,
    listed: Option<Prelisting>,
    progress: Option<&dyn Progress>,
    sink: Option<Sink<'_>>,
) -> Result<(Vec<Finding>, Totals), String> {
    let timings = std::env::var_os("LEAKGUARD_TIMINGS").is_some();
    let t0 = std::time::Instant::now();
    tune_libgit2();
    let ge = |e: git2::Error| e.message().to_string();
    let git_dir = repo.path();
    let refs = if with_ref_objects { super::all_ref_objects(repo).map_err(ge)? } else { Vec::new() };
    let set: HashSet<Oid> = commits.iter().copied().collect();
    let listing = match listed {
        Some(p) => p.finish(&set)?,
        None => Listing::new(git_dir, &set)?,
    };
    let pos: HashMap<Oid, u32> = commits.iter().enumerate().map(|(i, c)| (*c, i as u32)).collect();
    let (tx, rx) = std::sync::mpsc::channel::<Event>();
    let (pass1, judged) = std::thread::scope(|s| {
        let (listing, pos, refs) = (&listing, &pos, &refs);
        let log_tx = tx.clone();
        s.spawn(move || {
            let t = std::time::Instant::now();
            let r = attribution(git_dir, commits, &|o| listing.may_matter(o));
            if timings {
                match &r {
                    Ok(p) => eprintln!(
                        "leakguard: attribution: {} blobs kept, {} paths in {:.2?}",
                        p.by_blob.len(),
                        p.paths.len(),
                        t.elapsed()
                    ),
                    Err(e) => eprintln!("leakguard: attribution failed after {:.2?}: {e}", t.elapsed()),
                }
            }
            let _ = log_tx.send(Event::Pairs(r));
        });
        let judge = s.spawn(move || judge_loop(engine, commits, pos, listing, refs, rx, sink));
        let pass1 = {
            let tx = &tx;
            let decided = move |oid: Oid, kind: ObjType, keep: bool| {
                if keep {
                    let _ = tx.send(if kind == ObjType::Commit { Event::Message(oid) } else { Event::Blob(oid) });
                }
            };
            content_pass(engine, git_dir, listing, progress, &decided)
        };
        drop(tx);
        if timings {
            if let Ok(c) = &pass1 {
                eprintln!(
                    "leakguard: pass 1: {} objects, {} bytes, {} candidate blobs, {} candidate messages in {:.2?}",
                    c.objects,
                    c.bytes,
                    c.blobs.len(),
                    c.commits.len(),
                    t0.elapsed()
                );
            }
        }
        let judged = judge
            .join()
            .unwrap_or_else(|_| Judged { error: Some("the judging thread panicked".into()), ..Default::default() });
        (pass1, judged)
    });
    let cands = pass1?;
    if let Some(e) = judged.error {
        return Err(e);
    }
    let mut groups = judged.groups;
    let mut t = judged.totals;
    // Ref objects not judged with a candidate.
    let rest: Vec<GitItem> =
        refs.into_iter().filter(|i| !(i.kind == Kind::Blob && judged.merged.contains(&i.oid))).collect();
    if !rest.is_empty() {
        let (f, rt) = super::scan(engine, &rest, "", &super::open, None);
        if let Some(s) = sink {
            s(&f);
        }
        t.items += rt.items;
        t.bytes += rt.bytes;
        groups.push(((2, 0, Vec::new()), f));
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let findings: Vec<Finding> = groups.into_iter().flat_map(|g| g.1).collect();
    if timings {
        eprintln!("leakguard: {} items judged, {} findings; done in {:.2?}", t.items, findings.len(), t0.elapsed());
    }
    Ok((findings, Totals { items: cands.objects + t.items, bytes: cands.bytes + t.bytes }))
}

#[derive(Default)]
struct Judged {
    groups: Vec<(Key, Vec<Finding>)>,
    totals: Totals,
    /// Candidate blobs judged with the ref objects that share their id.
    merged: HashSet<Oid>,
    error: Option<String>,
}

/// The judging thread: see [`scan_history`].
fn judge_loop(
    engine: &Engine,
    commits: &[Oid],
    pos: &HashMap<Oid, u32>,
    listing: &Listing,
    refs: &[GitItem],
    rx: std::sync::mpsc::Receiver<Event>,
    sink: Option<Sink<'_>>,
) -> Judged {
    let mut out = Judged::default();
    let mut ref_blobs: HashMap<Oid, Vec<&GitItem>> = HashMap::new();
    for r in refs.iter().filter(|r| r.kind == Kind::Blob) {
        ref_blobs.entry(r.oid).or_default().push(r);
    }
    // Judging runs on a pool of its own: work handed to rayon's global pool from outside
    // waits until its workers run out of pass 1's work — on git/git the first finding
    // came out only when pass 1 ended (34.7 s of 35.2) instead of when attribution did.
    let own_pool = rayon::ThreadPoolBuilder::new().num_threads(1).thread_name(|_| "judge".into()).build().ok();
    let mut pairs: Option<Pairs> = None;
    let mut waiting: Vec<Oid> = Vec::new();
    let mut done: HashSet<Oid> = HashSet::new();
    let mut group = |p: &Pairs, b: Oid, batch: &mut Vec<(Key, Vec<GitItem>)>, merged: &mut HashSet<Oid>| {
        if !done.insert(b) {
            return;
        }
        let mut items = p.items(&b, commits);
        let Some(first) = items.first() else { return };
        let key = (1, first.commit.and_then(|c| pos.get(&c).copied()).unwrap_or(0), p.first_path(&b));
        if let Some(r) = ref_blobs.get(&b) {
            items.extend(r.iter().map(|i| (*i).clone()));
            merged.insert(b);
        }
        batch.push((key, items));
    };
    while let Ok(ev) = rx.recv() {
        let mut batch: Vec<(Key, Vec<GitItem>)> = Vec::new();
        for ev in std::iter::once(ev).chain(rx.try_iter()) {
            match ev {
                Event::Message(c) => batch.push((
                    (0, pos.get(&c).copied().unwrap_or(0), Vec::new()),
                    vec![GitItem { path: "COMMIT_MSG".into(), oid: c, commit: Some(c), kind: Kind::CommitMessage }],
                )),
                Event::Blob(b) => match &pairs {
                    Some(p) => group(p, b, &mut batch, &mut out.merged),
                    None => waiting.push(b),
                },
                Event::Pairs(Ok(p)) => {
                    for b in waiting.drain(..) {
                        group(&p, b, &mut batch, &mut out.merged);
                    }
                    // Blobs commits name that the object database does not have.
                    let mut missing: Vec<Oid> =
                        p.by_blob.keys().filter(|b| !listing.present.contains_key(b)).copied().collect();
                    missing.sort();
                    for b in missing {
                        group(&p, b, &mut batch, &mut out.merged);
                    }
                    pairs = Some(p);
                }
                Event::Pairs(Err(e)) => out.error = Some(e),
            }
        }
        if batch.is_empty() || out.error.is_some() {
            continue;
        }
        let items: Vec<GitItem> = batch.iter().flat_map(|g| g.1.iter().cloned()).collect();
        let judge = || super::scan(engine, &items, "", &super::open, None);
        let (findings, t) = match &own_pool {
            Some(p) => p.install(judge),
            None => judge(),
        };
        out.totals.items += t.items;
        out.totals.bytes += t.bytes;
        if let Some(s) = sink {
            s(&findings);
        }
        // Back to their groups: a blob's findings name the blob, a message's its commit.
        let mut slot: HashMap<(bool, String), usize> = HashMap::new();
        let base = out.groups.len();
        for (i, (key, items)) in batch.into_iter().enumerate() {
            let first = &items[0];
            slot.insert((first.kind == Kind::Blob, first.oid.to_string()), base + i);
            out.groups.push((key, Vec::new()));
        }
        for f in findings {
            let k = match (&f.blob, &f.commit) {
                (Some(b), _) => (true, b.clone()),
                (None, Some(c)) => (false, c.clone()),
                (None, None) => (false, String::new()),
            };
            match slot.get(&k) {
                Some(&i) => out.groups[i].1.push(f),
                None => out.groups.push(((3, 0, Vec::new()), vec![f])),
            }
        }
    }
    out
}
