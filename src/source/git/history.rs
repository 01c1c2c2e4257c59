//! Whole-history scans at the speed of the object database.
//!
//! Owns the two passes of `scan --history`:
//! 1. **Content**: every blob (and the message of every commit in the scanned set) is
//!    listed once from the object database in pack order (`git cat-file
//!    --batch-all-objects --unordered`), streamed through one `git cat-file --batch`
//!    and scanned in parallel (rayon). Path-free: a blob's bytes are scanned once with
//!    no path; a blob is a *candidate* when that scan has hits or problems, when its
//!    decoding could depend on its name (OLE2 `.xls`, gzip), or when it is larger than
//!    `settings.max_file_size`. Clean blobs leave nothing behind.
//! 2. **Attribution**, only for candidates (and for blobs commits name that the object
//!    database lacks — those are judged unreadable, never skipped): one `git log
//!    --no-walk --stdin -c --raw --root` over the scanned commits gives each commit's
//!    diff against every parent (a merge lists only paths differing from all parents —
//!    the per-commit strategy's rule); each (candidate blob, path) pair gets the
//!    earliest introducing commit in the order the per-commit strategy uses
//!    (libgit2's topological walk, oldest first). Without git, libgit2 tree walks
//!    (each (tree, directory) pair read once) give the same pairs, slower. These pairs
//!    (and ref objects: tag messages, trees and blobs refs point at) are judged through
//!    [`super::scan`], which rescans the candidate bytes under their real path and
//!    applies path rules per path.
//!
//! Memory is bounded by design: the list of object ids and sizes, the set of listed blob
//! ids, a byte budget for blobs in flight, the candidate set, and in pass 2 only the
//! candidates' pairs and a commit → position map. Nothing per clean blob, nothing per
//! (blob, path) pair of the history. `git` runs with `GIT_NO_REPLACE_OBJECTS` and
//! bounded pack windows (see `objects`). Must not import report renderers or policy
//! internals; never writes anything.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use git2::{ObjectType, Oid, Repository};
use rayon::prelude::*;

use super::objects::{self, Batch, Header, ObjType};
use super::{GitItem, Kind, Totals};
use crate::engine::Engine;
use crate::report::Finding;

/// Bytes of blob content held in memory between the reader and the scanning threads.
const IN_FLIGHT: u64 = 64 << 20;

/// What pass 1 found worth a second look.
#[derive(Debug, Default)]
pub struct Candidates {
    pub blobs: HashSet<Oid>,
    /// Every blob the object database lists: a blob a commit introduces that is not
    /// here is missing, and judged (as unreadable, blocking) rather than skipped.
    pub present: HashSet<Oid>,
    pub commits: HashSet<Oid>,
    /// Objects read and bytes scanned.
    pub objects: u64,
    pub bytes: u64,
}

/// Progress of pass 1, for a bar: (objects done, bytes done) of (objects, bytes).
pub trait Progress: Sync {
    fn start(&self, objects: u64, bytes: u64);
    fn advance(&self, objects: u64, bytes: u64);
}

/// A byte budget: the reader waits until what is in flight leaves room.
struct Budget {
    used: Mutex<u64>,
    freed: Condvar,
}

impl Budget {
    fn take(&self, n: u64) {
        let mut u = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *u > 0 && *u + n > IN_FLIGHT {
            u = self.freed.wait(u).unwrap_or_else(|e| e.into_inner());
        }
        *u += n;
    }
    fn give(&self, n: u64) {
        let mut u = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *u = u.saturating_sub(n);
        self.freed.notify_all();
    }
}

/// Pass 1: scans every blob of the object database and the messages of `commits`,
/// path-free, and returns the candidates.
pub fn content_pass(
    engine: &Engine,
    git_dir: &std::path::Path,
    commits: &HashSet<Oid>,
    progress: Option<&dyn Progress>,
) -> Result<Candidates, String> {
    // The ids to read, in pack order: blobs, and commits of the scanned set.
    let mut wanted: Vec<(Oid, u64)> = Vec::new();
    let mut present: HashSet<Oid> = HashSet::new();
    let mut bytes_total = 0u64;
    objects::list_all(Some(git_dir), &mut |l| {
        let keep = match l.kind {
            ObjType::Blob => true,
            ObjType::Commit => Oid::from_str(&l.oid).is_ok_and(|o| commits.contains(&o)),
            _ => false,
        };
        if let (true, Ok(oid)) = (keep, Oid::from_str(&l.oid)) {
            bytes_total += l.size;
            wanted.push((oid, l.size));
            if l.kind == ObjType::Blob {
                present.insert(oid);
            }
        }
    })?;
    if let Some(p) = progress {
        p.start(wanted.len() as u64, bytes_total);
    }
    let max = engine.policy.settings.max_file_size;
    let whole_max = engine.scanner.whole_read_max;
    let wanted = Arc::new(wanted);
    let mut batch = Batch::spawn(Some(git_dir))?;
    let stdin = batch.take_stdin().ok_or("git cat-file: no stdin")?;
    // Requests are queued by a writer thread; objects over the cap are asked for too
    // (their header tells the size) but never read.
    let writer = {
        let wanted = Arc::clone(&wanted);
        std::thread::spawn(move || -> std::io::Result<()> {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdin);
            for (oid, _) in wanted.iter() {
                writeln!(w, "{oid}")?;
            }
            w.flush()
        })
    };
    let cands = Mutex::new(Candidates::default());
    let budget = Budget { used: Mutex::new(0), freed: Condvar::new() };
    let scanned = AtomicU64::new(0);
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Oid, ObjType, Vec<u8>)>(256);
    let mut read_err: Option<String> = None;
    // The reader runs on this thread, the scanning on every worker of rayon's pool
    // (`crate::threads`): under `rayon::scope` the reader would itself occupy a worker
    // and leave a 2-CPU machine one scanning thread.
    std::thread::scope(|s| {
        let (cands, budget, scanned) = (&cands, &budget, &scanned);
        s.spawn(move || {
            rx.into_iter().par_bridge().for_each(|(oid, kind, data)| {
                let n = data.len() as u64;
                let keep = match kind {
                    ObjType::Commit => {
                        let msg = commit_message(&data);
                        has_anything(&engine.scanner.scan_bytes("COMMIT_MSG", msg))
                    }
                    _ => name_sensitive(&data) || has_anything(&engine.scanner.scan_bytes("", &data)),
                };
                drop(data);
                budget.give(n);
                scanned.fetch_add(n, Ordering::Relaxed);
                if let Some(p) = progress {
                    p.advance(1, n);
                }
                if keep {
                    let mut c = cands.lock().unwrap_or_else(|e| e.into_inner());
                    if kind == ObjType::Commit {
                        c.commits.insert(oid);
                    } else {
                        c.blobs.insert(oid);
                    }
                }
            });
        });
        // This thread reads: headers in request order, bodies into the channel.
        let res = (|| -> Result<(), String> {
            for &(oid, _) in wanted.iter() {
                let (kind, size) = match batch.header()? {
                    Header::Found { kind, size, .. } => (kind, size),
                    Header::Missing { oid: o, reason } => {
                        return Err(format!("object {o} cannot be read: {reason}"));
                    }
                };
                let mark = |c: &Mutex<Candidates>| {
                    c.lock().unwrap_or_else(|e| e.into_inner()).blobs.insert(oid);
                };
                if kind == ObjType::Blob && size > max {
                    // Judged as unscannable at each of its paths in pass 2; never loaded.
                    batch.skip()?;
                    mark(cands);
                    if let Some(p) = progress {
                        p.advance(1, size);
                    }
                    continue;
                }
                if kind == ObjType::Blob && size > whole_max {
                    // Streamed in windows by this thread; bounded memory.
                    let scan = engine.scanner.scan_reader("", batch.body(), size).map_err(|e| e.to_string())?;
                    batch.skip()?;
                    scanned.fetch_add(size, Ordering::Relaxed);
                    if has_anything(&scan) {
                        mark(cands);
                    }
                    if let Some(p) = progress {
                        p.advance(1, size);
                    }
                    continue;
                }
                budget.take(size);
                let data = batch.read_all(size)?;
                if tx.send((oid, kind, data)).is_err() {
                    return Err("scanning threads stopped".into());
                }
            }
            Ok(())
        })();
        drop(tx);
        read_err = res.err();
    });
    if let Some(e) = read_err {
        // Stop git first: the writer may be blocked on a pipe nobody reads any more.
        drop(batch);
        let _ = writer.join();
        return Err(e);
    }
    let writer_res = writer.join();
    match writer_res {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("git cat-file: {e}")),
        Err(_) => return Err("git cat-file writer panicked".into()),
    }
    batch.close()?;
    let mut c = cands.into_inner().unwrap_or_else(|e| e.into_inner());
    c.objects = wanted.len() as u64;
    c.present = present;
    c.bytes = scanned.into_inner();
    Ok(c)
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

/// Pass 2: the (blob, path) pairs of `targets` that `commits` (oldest first)
/// introduce, each with its first introducing commit in that order. Git computes each
/// commit's diff against every parent (`git log --no-walk --stdin -c --raw --root`: a
/// merge lists only paths that differ from *all* parents — the per-commit strategy's
/// rule); only lines naming a target are kept. Falls back to [`attribute_by_trees`]
/// when git cannot run.
pub fn attribute(
    repo: &Repository,
    commits: &[Oid],
    targets: &(dyn Fn(&Oid) -> bool + Sync),
) -> Result<Vec<GitItem>, String> {
    match attribute_by_log(repo.path(), commits, targets) {
        Ok(items) => Ok(items),
        Err(e) if e.starts_with("cannot run") => {
            attribute_by_trees(repo, commits, targets).map_err(|e| e.message().to_string())
        }
        Err(e) => Err(e),
    }
}

fn attribute_by_log(
    git_dir: &std::path::Path,
    commits: &[Oid],
    targets: &(dyn Fn(&Oid) -> bool + Sync),
) -> Result<Vec<GitItem>, String> {
    introduced_by_log(git_dir, commits, Some(targets))
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
    let targets = only;
    if commits.is_empty() {
        // `git log --stdin` with no revision would fall back to HEAD.
        return Ok(Vec::new());
    }
    use std::io::BufRead;
    let pos: HashMap<Oid, u32> = commits.iter().enumerate().map(|(i, c)| (*c, i as u32)).collect();
    let mut child = objects::git_command(Some(git_dir))
        .args([
            "-c",
            "log.showSignature=false",
            "log",
            "--no-walk=unsorted",
            "--stdin",
            "-c",
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
    let mut r = std::io::BufReader::with_capacity(1 << 16, child.stdout.take().ok_or("git log: no stdout")?);
    let mut first: HashMap<(Oid, Vec<u8>), u32> = HashMap::new();
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
                let e = first.entry((blob, tok.clone())).or_insert(p);
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
            // `:`×n modes×(n+1) ids×(n+1) status, n = number of parents (1 for a root).
            let n = t.iter().take_while(|&&b| b == b':').count();
            let meta = std::str::from_utf8(&t[n..]).map_err(|_| "git log: odd raw line")?;
            let f: Vec<&str> = meta.split(' ').collect();
            let (Some(mode), Some(id)) = (f.get(n), f.get(2 * n + 1)) else {
                return Err(format!("git log: odd raw line {meta:?}"));
            };
            let id = Oid::from_str(id).map_err(|e| format!("git log: {id:?}: {}", e.message()))?;
            // Paths follow; only targets are kept. Gitlinks and deletions introduce nothing.
            pending = Some(id).filter(|id| *mode != "160000" && !id.is_zero() && targets.is_none_or(|t| t(id)));
            if pending.is_none() {
                // Still consume the path token.
                tok.clear();
                r.read_until(0, &mut tok).map_err(|e| format!("git log: {e}"))?;
            }
            continue;
        }
        if !t.is_empty() {
            let _ = child.kill();
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
    let mut pairs: Vec<((Oid, Vec<u8>), u32)> = first.into_iter().collect();
    pairs.sort_by(|a, b| (a.1, &a.0 .1).cmp(&(b.1, &b.0 .1)));
    Ok(pairs
        .into_iter()
        .map(|((oid, path), p)| GitItem {
            path: String::from_utf8_lossy(&path).into_owned(),
            oid,
            commit: Some(commits[p as usize]),
            kind: Kind::Blob,
        })
        .collect())
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

/// `scan --history` over `commits` (every commit reachable from the refs, oldest
/// first): pass 1 over the object database, pass 2 for the candidates, plus every
/// ref's own objects (tag messages, trees and blobs refs point at).
pub fn scan_history(
    engine: &Engine,
    repo: &Repository,
    commits: &[Oid],
    with_ref_objects: bool,
    progress: Option<&dyn Progress>,
) -> Result<(Vec<Finding>, Totals), String> {
    let timings = std::env::var_os("LEAKGUARD_TIMINGS").is_some();
    let t0 = std::time::Instant::now();
    let set: HashSet<Oid> = commits.iter().copied().collect();
    let cands = content_pass(engine, repo.path(), &set, progress)?;
    if timings {
        eprintln!(
            "leakguard: pass 1: {} objects, {} bytes, {} candidate blobs, {} candidate messages in {:.2?}",
            cands.objects,
            cands.bytes,
            cands.blobs.len(),
            cands.commits.len(),
            t0.elapsed()
        );
    }
    // Pass 2 reads each tree once: libgit2's object cache would only grow, and its pack
    // windows are bounded so the mapped pack does not count whole in our memory.
    git2::opts::enable_caching(false);
    // SAFETY: plain libgit2 global settings, set before this thread's next libgit2
    // call; the scanning threads of pass 1 have finished.
    unsafe {
        let _ = git2::opts::set_mwindow_mapped_limit(128 << 20);
    }
    let t1 = std::time::Instant::now();
    let ge = |e: git2::Error| e.message().to_string();
    let mut items = Vec::new();
    for &c in commits {
        if cands.commits.contains(&c) {
            items.push(GitItem { path: "COMMIT_MSG".into(), oid: c, commit: Some(c), kind: Kind::CommitMessage });
        }
    }
    // Candidates, and blobs commits name that the object database does not have.
    let wanted = |o: &Oid| cands.blobs.contains(o) || !cands.present.contains(o);
    items.extend(attribute(repo, commits, &wanted)?);
    if with_ref_objects {
        items.extend(super::all_ref_objects(repo).map_err(ge)?);
    }
    if timings {
        eprintln!("leakguard: pass 2: {} (blob, path) pairs attributed in {:.2?}", items.len(), t1.elapsed());
    }
    let t2 = std::time::Instant::now();
    let (findings, t) = super::scan(engine, &items, "", &super::open, None);
    if timings {
        eprintln!("leakguard: judged {} findings in {:.2?}", findings.len(), t2.elapsed());
    }
    Ok((findings, Totals { items: cands.objects + t.items, bytes: cands.bytes + t.bytes }))
}
