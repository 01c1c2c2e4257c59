//! Git sources: what git is about to record or transfer, read from the object
//! database — never the working tree.
//!
//! Owns which blobs a step introduces: the staged blobs (index vs HEAD, honouring
//! `GIT_INDEX_FILE` through `Repository::open_from_env`), the commits a push sends
//! (`remote..local`, or for a new branch everything no ref of that remote has), the
//! commits a server receives (not reachable from any existing ref; quarantined objects
//! are visible through the environment git sets), ranges and whole history. Each blob
//! is read and scanned once (deduplicated by oid) and reported with the first commit
//! and path that introduced it. Commit messages are items too (`COMMIT_MSG`).
//! Never writes the index, the working tree or a ref.
//!
//! Submodules: `index` (the staged entries read from the index file in-process),
//! `objects` (the `git cat-file` pipes), `history` (the two-pass
//! whole-history engine), `named` (the files the pre-commit framework names: index
//! blobs, else working-tree files read without following links), `cli_only` (staged scans where libgit2 cannot open the
//! repository: SHA-256 object format, reftable refs).

pub mod cli_only;
pub mod history;
pub mod index;
pub mod named;
pub mod objects;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use git2::{Delta, DiffOptions, ObjectType, Oid, Repository, Sort, Tree};
use rayon::prelude::*;

use crate::engine::{Engine, ItemMeta, Pieces};
use crate::report::Finding;

/// What an item's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Blob,
    /// A commit's message (`oid` is the commit).
    CommitMessage,
    /// An annotated tag's message (`oid` is the tag).
    TagMessage,
}

/// One blob (or commit/tag message) to scan, under one path. The same blob at two
/// paths is two items: content is read and scanned once, path rules apply per path.
#[derive(Debug, Clone)]
pub struct GitItem {
    /// Path in the tree (non-UTF-8 bytes replaced), `COMMIT_MSG`, or for what a ref
    /// points at directly, the ref (`refs/tags/v1^{tag}`, `refs/tags/x^{blob}`).
    pub path: String,
    pub oid: Oid,
    pub commit: Option<Oid>,
    pub kind: Kind,
}

/// Opens the repository git is running us in (GIT_DIR, GIT_INDEX_FILE, worktrees,
/// GIT_OBJECT_DIRECTORY / alternates of a receive quarantine).
pub fn open() -> Result<Repository, String> {
    Repository::open_from_env().map_err(|e| format!("not in a git repository: {}", e.message()))
}

/// Staged blobs: index vs HEAD (or vs nothing before the first commit). Added,
/// modified, renamed, copied and type-changed entries; deletions and gitlinks skipped.
/// With `only`, just those paths (the files the pre-commit framework passes).
pub fn staged(repo: &Repository, only: &[String]) -> Result<Vec<GitItem>, git2::Error> {
    StagedQuery::start(repo, only).finish(repo)
}

/// The staged blobs, listed so that the caller can load its policy meanwhile (the
/// hook's start-up). First in-process ([`index`]: the index file, mapped and parsed on
/// a thread beside the caller, then compared with HEAD's tree with unchanged
/// directories skipped through the cache-tree — about a millisecond on 50,000 files);
/// for anything that reader leaves to git (conflicts, split or sparse index, a
/// malformed file), `git diff --cached` in a child process, which runs with our
/// environment (GIT_DIR / GIT_INDEX_FILE mean the same to it); libgit2's diff when git
/// cannot run. `-vv` logs `staged.source=index|git|libgit2`.
pub struct StagedQuery {
    pending: Pending,
    only: Vec<String>,
    workdir: Option<std::path::PathBuf>,
    unborn: bool,
}

enum Pending {
    /// The index being read on a thread (which starts git itself when it cannot be used).
    Reading(std::thread::JoinHandle<IndexRead>),
    Child(Option<std::process::Child>),
}

enum IndexRead {
    Parsed(index::Index<memmap2::Mmap>, u128),
    Child(Option<std::process::Child>, index::Unsupported),
}

impl StagedQuery {
    pub fn start(repo: &Repository, only: &[String]) -> Self {
        let workdir = repo.workdir().map(std::path::Path::to_path_buf);
        let unborn = repo.head().is_err();
        let pending = match index::index_path(repo) {
            Ok(path) => {
                let (w, o) = (workdir.clone(), only.to_vec());
                let reading = std::thread::Builder::new().name("index".into()).spawn(move || {
                    let t = std::time::Instant::now();
                    match index::read(&path) {
                        Ok(ix) => IndexRead::Parsed(ix, t.elapsed().as_micros()),
                        Err(reason) => IndexRead::Child(spawn_staged_diff(w.as_deref(), unborn, &o), reason),
                    }
                });
                match reading {
                    Ok(h) => Pending::Reading(h),
                    Err(_) => Pending::Child(spawn_staged_diff(workdir.as_deref(), unborn, only)),
                }
            }
            Err(reason) => {
                crate::report::log::debug("staged.index_skipped", &[("reason", &reason)]);
                Pending::Child(spawn_staged_diff(workdir.as_deref(), unborn, only))
            }
        };
        StagedQuery { pending, only: only.to_vec(), workdir, unborn }
    }

    /// The items; libgit2's diff when git could not run or said no.
    pub fn finish(self, repo: &Repository) -> Result<Vec<GitItem>, git2::Error> {
        let child = match self.pending {
            Pending::Child(child) => child,
            Pending::Reading(h) => {
                let (child, reason) = match h.join() {
                    Ok(IndexRead::Parsed(ix, parse_us)) => {
                        let t = std::time::Instant::now();
                        match index::staged_of(&ix, repo, &self.only) {
                            Ok(entries) => {
                                let diff_us = t.elapsed().as_micros();
                                crate::report::log::debug(
                                    "staged.source",
                                    &[
                                        ("source", &"index"),
                                        ("items", &entries.len()),
                                        ("entries", &ix.len()),
                                        ("parse_us", &parse_us),
                                        ("diff_us", &diff_us),
                                    ],
                                );
                                return Ok(entries
                                    .into_iter()
                                    .map(|(path, _, oid)| GitItem {
                                        path: String::from_utf8_lossy(&path).into_owned(),
                                        oid,
                                        commit: None,
                                        kind: Kind::Blob,
                                    })
                                    .collect());
                            }
                            Err(reason) => (None, reason),
                        }
                    }
                    Ok(IndexRead::Child(child, reason)) => (child, reason),
                    Err(_) => (None, "index reader failed"),
                };
                crate::report::log::debug("staged.index_skipped", &[("reason", &reason)]);
                child.or_else(|| spawn_staged_diff(self.workdir.as_deref(), self.unborn, &self.only))
            }
        };
        let from_cli = child.and_then(parse_staged_diff).and_then(|pairs| {
            pairs
                .into_iter()
                .map(|(path, oid)| {
                    Some(GitItem {
                        path: String::from_utf8_lossy(&path).into_owned(),
                        oid: Oid::from_str(&oid).ok()?,
                        commit: None,
                        kind: Kind::Blob,
                    })
                })
                .collect()
        });
        let (source, items) = match from_cli {
            Some(items) => ("git", items),
            None => ("libgit2", staged_by_libgit2(repo, &self.only)?),
        };
        crate::report::log::debug("staged.source", &[("source", &source), ("items", &items.len())]);
        Ok(items)
    }
}

/// `git diff --cached --raw -z` run with our environment: (path bytes, new object id
/// in hex) of added, modified and type-changed entries, gitlinks skipped, each pair
/// once. `None` when git cannot run or says no. `workdir`: where to run it.
pub fn staged_pairs_by_git_cli(
    workdir: Option<&std::path::Path>,
    unborn: bool,
    only: &[String],
) -> Option<Vec<(Vec<u8>, String)>> {
    parse_staged_diff(spawn_staged_diff(workdir, unborn, only)?)
}

fn spawn_staged_diff(workdir: Option<&std::path::Path>, unborn: bool, only: &[String]) -> Option<std::process::Child> {
    let mut cmd = std::process::Command::new("git");
    if let Some(w) = workdir {
        cmd.current_dir(w);
    }
    cmd.args([
        "--literal-pathspecs",
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-renames",
        "--no-abbrev",
        "--no-ext-diff",
        "--ignore-submodules=all",
        "--diff-filter=AMT",
    ]);
    if unborn {
        // Before the first commit: compare with the empty tree (of the repository's
        // object format).
        let empty = std::process::Command::new("git")
            .args(["hash-object", "-t", "tree", "--stdin"])
            .current_dir(workdir.unwrap_or(std::path::Path::new(".")))
            .stdin(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())?;
        cmd.arg(empty);
    }
    cmd.arg("--").args(only);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()
}

fn parse_staged_diff(child: std::process::Child) -> Option<Vec<(Vec<u8>, String)>> {
    let out = child.wait_with_output().ok().filter(|o| o.status.success())?;
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut fields = out.stdout.split(|&b| b == 0);
    while let Some(meta) = fields.next() {
        if meta.is_empty() {
            continue;
        }
        let path = fields.next()?;
        let meta = std::str::from_utf8(meta).ok()?;
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let [_, new_mode, _, new_sha, _status] = parts[..] else { return None };
        if new_mode == "160000" {
            continue; // gitlink
        }
        if new_sha.bytes().all(|b| b == b'0') || !seen.insert((new_sha.to_string(), path.to_vec())) {
            continue;
        }
        items.push((path.to_vec(), new_sha.to_string()));
    }
    Some(items)
}

fn staged_by_libgit2(repo: &Repository, only: &[String]) -> Result<Vec<GitItem>, git2::Error> {
    let index = repo.index()?;
    let head_tree = match repo.head() {
        Ok(h) => Some(h.peel_to_tree()?),
        Err(_) => None,
    };
    let mut opts = DiffOptions::new();
    opts.include_typechange(true).ignore_submodules(true);
    for p in only {
        opts.pathspec(p);
    }
    if !only.is_empty() {
        opts.disable_pathspec_match(true);
    }
    let diff = repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for d in diff.deltas() {
        if let Some(item) = blob_of(&d, None) {
            if seen.insert((item.oid, item.path.clone())) {
                out.push(item);
            }
        }
    }
    Ok(out)
}

fn blob_of(d: &git2::DiffDelta<'_>, commit: Option<Oid>) -> Option<GitItem> {
    if !matches!(d.status(), Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange) {
        return None;
    }
    let f = d.new_file();
    // Gitlinks (submodules) point at commits of another repository: nothing to read here.
    if f.mode() == git2::FileMode::Commit || f.id().is_zero() {
        return None;
    }
    let path = f.path_bytes().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
    Some(GitItem { path, oid: f.id(), commit, kind: Kind::Blob })
}

/// Commits a push of `local` to a remote sends: `remote..local`, or, for a new branch
/// (remote oid all zeros) or a remote commit we do not have, the commits not
/// reachable from that remote's refs for which `same_rules` holds (a commit the
/// remote has under a ref with other rules — a store — is judged again here).
pub fn pushed_commits(
    repo: &Repository,
    local: Oid,
    remote: Oid,
    remote_name: &str,
    same_rules: &dyn Fn(&str) -> bool,
) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    if push_peeled(repo, &mut walk, local)?.is_none() {
        return Ok(Vec::new());
    }
    if !remote.is_zero() && repo.find_commit(remote).is_ok() {
        walk.hide(remote)?;
    }
    let prefix = format!("refs/remotes/{remote_name}/");
    for r in repo.references_glob(&format!("{prefix}*"))?.flatten() {
        let Some(name) = r.name() else { continue };
        let remote_ref = format!("refs/heads/{}", &name[prefix.len()..]);
        if let (true, Ok(c)) = (same_rules(&remote_ref), r.peel_to_commit()) {
            walk.hide(c.id())?;
        }
    }
    walk.collect()
}

/// Commits a server receives for `new`: those not reachable from an existing ref for
/// which `same_rules` holds. A commit stored under a ref whose rules differ (a `git:`
/// store such as `refs/heads/secure/*`) is judged again for this destination.
pub fn received_commits(
    repo: &Repository,
    new: Oid,
    same_rules: &dyn Fn(&str) -> bool,
) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    if push_peeled(repo, &mut walk, new)?.is_none() {
        return Ok(Vec::new());
    }
    for r in repo.references()?.flatten() {
        let Some(name) = r.name() else { continue };
        if !same_rules(name) {
            continue;
        }
        if let Ok(c) = r.peel_to_commit() {
            walk.hide(c.id())?;
        }
    }
    walk.collect()
}

/// What a pushed ref makes reachable besides commits: every annotated tag's message on
/// the way (tags of tags followed), and, when the ref or a tag points at a tree or a
/// blob rather than a commit, that tree's blobs or that blob. Nothing a push brings is
/// left unjudged because it is not a commit.
pub fn ref_objects(repo: &Repository, new: Oid, refname: &str) -> Result<Vec<GitItem>, git2::Error> {
    let mut out = Vec::new();
    let mut obj = repo.find_object(new, None)?;
    for _ in 0..64 {
        match obj.kind() {
            Some(ObjectType::Tag) => {
                let tag = obj.as_tag().ok_or_else(|| git2::Error::from_str("tag object without tag"))?;
                out.push(GitItem {
                    path: format!("{refname}^{{tag}}"),
                    oid: tag.id(),
                    commit: None,
                    kind: Kind::TagMessage,
                });
                obj = tag.target()?;
            }
            Some(ObjectType::Blob) => {
                out.push(GitItem {
                    path: format!("{refname}^{{blob}}"),
                    oid: obj.id(),
                    commit: None,
                    kind: Kind::Blob,
                });
                return Ok(out);
            }
            Some(ObjectType::Tree) => {
                let tree = obj.as_tree().ok_or_else(|| git2::Error::from_str("tree object without tree"))?;
                tree_blobs(tree, "", None, &mut out)?;
                return Ok(out);
            }
            _ => return Ok(out),
        }
    }
    Err(git2::Error::from_str(&format!("{refname}: tags nested more than 64 deep")))
}

/// [`ref_objects`] of every ref (tags, and refs that point at trees or blobs).
pub fn all_ref_objects(repo: &Repository) -> Result<Vec<GitItem>, git2::Error> {
    let mut out = Vec::new();
    for r in repo.references()?.flatten() {
        if let (Some(name), Some(oid)) = (r.name(), r.target()) {
            out.extend(ref_objects(repo, oid, name)?);
        }
    }
    Ok(out)
}

/// Every blob of `tree` (recursively) as items under `prefix`.
fn tree_blobs(tree: &Tree<'_>, prefix: &str, commit: Option<Oid>, out: &mut Vec<GitItem>) -> Result<(), git2::Error> {
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
        if e.kind() == Some(ObjectType::Blob) {
            let name = String::from_utf8_lossy(e.name_bytes());
            out.push(GitItem { path: format!("{prefix}{dir}{name}"), oid: e.id(), commit, kind: Kind::Blob });
        }
        git2::TreeWalkResult::Ok
    })
}

/// Commits of `A..B` (or of everything reachable from B for a single revision).
pub fn range_commits(repo: &Repository, range: &str) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    if range.contains("..") {
        walk.push_range(range)?;
    } else {
        walk.push(repo.revparse_single(range)?.peel_to_commit()?.id())?;
    }
    walk.collect()
}

/// Every commit reachable from `refs` (branch names, ref names or revisions), oldest
/// first, in the same order as [`all_commits`].
pub fn commits_of(repo: &Repository, refs: &[String]) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    for r in refs {
        let obj = match repo.resolve_reference_from_short_name(r) {
            Ok(reference) => reference.peel(ObjectType::Commit)?,
            Err(_) => repo.revparse_single(r)?.peel(ObjectType::Commit)?,
        };
        walk.push(obj.id())?;
    }
    walk.collect()
}

/// Every commit reachable from any ref, oldest first.
pub fn all_commits(repo: &Repository) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    for r in repo.references()?.flatten() {
        if let Ok(c) = r.peel_to_commit() {
            walk.push(c.id())?;
        }
    }
    walk.collect()
}

/// An annotated tag or a commit id pushed onto a walk; `None` when it does not peel to
/// a commit (then [`ref_objects`] covers what it points at).
fn push_peeled(repo: &Repository, walk: &mut git2::Revwalk<'_>, oid: Oid) -> Result<Option<Oid>, git2::Error> {
    let obj = repo.find_object(oid, None)?;
    match obj.peel(ObjectType::Commit) {
        Ok(c) => walk.push(c.id()).map(|_| Some(c.id())),
        Err(_) => Ok(None),
    }
}

/// Blobs the commits introduce (differing from every parent; the whole tree for a root
/// commit), each (blob, path) pair once with the first commit that introduced it, plus
/// each commit's message.
///
/// Long lists (a push of thousands of commits) are diffed by one `git log --no-walk
/// --stdin -c --raw` ([`history::introduced_by_log`]: same rule, computed by git);
/// short ones, or when git cannot run, with libgit2 ([`introduced_per_commit`]).
pub fn introduced(
    repo: &Repository,
    commits: &[Oid],
    seen: &mut HashSet<(Oid, String)>,
) -> Result<Vec<GitItem>, git2::Error> {
    if commits.len() < 32 {
        return introduced_per_commit(repo, commits, seen);
    }
    let pairs = match history::introduced_by_log(repo.path(), commits, None) {
        Ok(p) => p,
        Err(e) if e.starts_with("cannot run") => return introduced_per_commit(repo, commits, seen),
        Err(e) => return Err(git2::Error::from_str(&e)),
    };
    let mut out = Vec::with_capacity(pairs.len() + commits.len());
    let mut pairs = pairs.into_iter().peekable();
    for &c in commits {
        out.push(GitItem { path: "COMMIT_MSG".into(), oid: c, commit: Some(c), kind: Kind::CommitMessage });
        while let Some(item) = pairs.next_if(|i| i.commit == Some(c)) {
            if seen.insert((item.oid, item.path.clone())) {
                out.push(item);
            }
        }
    }
    Ok(out)
}

/// [`introduced`] by libgit2 tree diffs, one commit at a time (the former strategy,
/// kept for short lists and for comparison).
pub fn introduced_per_commit(
    repo: &Repository,
    commits: &[Oid],
    seen: &mut HashSet<(Oid, String)>,
) -> Result<Vec<GitItem>, git2::Error> {
    let mut out = Vec::new();
    for &c in commits {
        let commit = repo.find_commit(c)?;
        out.push(GitItem { path: "COMMIT_MSG".into(), oid: c, commit: Some(c), kind: Kind::CommitMessage });
        let tree = commit.tree()?;
        let parents: Vec<Tree<'_>> = commit.parents().map(|p| p.tree()).collect::<Result<_, _>>()?;
        let mut candidates: Option<Vec<GitItem>> = None;
        let bases: Vec<Option<&Tree<'_>>> =
            if parents.is_empty() { vec![None] } else { parents.iter().map(Some).collect() };
        for base in bases {
            let mut opts = DiffOptions::new();
            opts.include_typechange(true).ignore_submodules(true);
            let diff = repo.diff_tree_to_tree(base, Some(&tree), Some(&mut opts))?;
            let items: Vec<GitItem> = diff.deltas().filter_map(|d| blob_of(&d, Some(c))).collect();
            candidates = Some(match candidates {
                None => items,
                Some(prev) => {
                    let keep: HashSet<(Oid, &str)> = items.iter().map(|i| (i.oid, i.path.as_str())).collect();
                    prev.into_iter().filter(|i| keep.contains(&(i.oid, i.path.as_str()))).collect()
                }
            });
        }
        for item in candidates.unwrap_or_default() {
            if seen.insert((item.oid, item.path.clone())) {
                out.push(item);
            }
        }
    }
    Ok(out)
}

/// A file of a directory in a commit's tree, read from the object database.
#[derive(Debug, Clone)]
pub struct TreeFile {
    /// The sub-directory it is in (one level below the directory asked for; `""` at its top).
    pub dir: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Blobs of `dir` (e.g. `.leakguard/approvals`) in `commit`'s tree and one level below,
/// each at most `max_bytes` (larger ones are skipped by their header, never loaded), at
/// most `max_files` in all. Names are returned as the tree records them — possibly
/// absolute, `..`, or with control characters — for the caller to validate; nothing is
/// written anywhere.
pub fn tree_files(repo: &Repository, commit: Oid, dir: &str, max_bytes: u64, max_files: usize) -> Vec<TreeFile> {
    let mut out = Vec::new();
    let Some(top) = repo
        .find_commit(commit)
        .ok()
        .and_then(|c| c.tree().ok())
        .and_then(|t| t.get_path(std::path::Path::new(dir)).ok())
        .and_then(|e| repo.find_tree(e.id()).ok())
    else {
        return out;
    };
    let Ok(odb) = repo.odb() else { return out };
    let take = |sub: &str, e: &git2::TreeEntry<'_>, out: &mut Vec<TreeFile>| {
        if out.len() >= max_files || e.kind() != Some(ObjectType::Blob) {
            return;
        }
        let small =
            odb.read_header(e.id()).is_ok_and(|(size, kind)| kind == ObjectType::Blob && size as u64 <= max_bytes);
        if let (true, Ok(b)) = (small, repo.find_blob(e.id())) {
            let name = String::from_utf8_lossy(e.name_bytes()).into_owned();
            out.push(TreeFile { dir: sub.to_string(), name, bytes: b.content().to_vec() });
        }
    };
    for e in top.iter() {
        match e.kind() {
            Some(ObjectType::Blob) => take("", &e, &mut out),
            Some(ObjectType::Tree) => {
                let sub = String::from_utf8_lossy(e.name_bytes()).into_owned();
                if let Ok(t) = repo.find_tree(e.id()) {
                    for f in t.iter() {
                        take(&sub, &f, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Totals of one git scan.
#[derive(Debug, Default)]
pub struct Totals {
    pub items: u64,
    pub bytes: u64,
}

/// Scans items in parallel (each worker opens its own handle with `reopen`): the
/// bytes of each object once, judged under every path it has among `items`. An object
/// that cannot be read (missing, corrupt) or a blob larger than
/// `settings.max_file_size` is a blocking `unscannable` finding at each of its paths:
/// what cannot be judged is not let through. Blobs larger than the scanner's
/// whole-read size are streamed from `git cat-file`, never held whole.
pub fn scan(
    engine: &Engine,
    items: &[GitItem],
    destination: &str,
    reopen: &(dyn Fn() -> Result<Repository, String> + Sync),
    progress: Option<&indicatif::ProgressBar>,
) -> (Vec<Finding>, Totals) {
    let (mut findings, totals, pieces) = scan_impl(engine, items, destination, None, reopen, progress);
    findings.extend(engine.judge_union(&scope_of(destination), &pieces));
    (findings, totals)
}

/// [`scan`] with the caller's repository handle for the objects read on this thread
/// (a hook has one open already; opening another costs as much as reading a commit).
pub fn scan_in(
    repo: &Repository,
    engine: &Engine,
    items: &[GitItem],
    destination: &str,
    reopen: &(dyn Fn() -> Result<Repository, String> + Sync),
) -> (Vec<Finding>, Totals) {
    let (mut findings, totals, pieces) = scan_impl(engine, items, destination, Some(repo), reopen, None);
    findings.extend(engine.judge_union(&scope_of(destination), &pieces));
    (findings, totals)
}

/// [`scan`] judging each item alone, and the pieces (records below a detector's
/// thresholds) of all of them, for a caller that judges their union with other items
/// (the named files of the pre-commit framework) or not at all (a history).
pub fn scan_pieces(
    engine: &Engine,
    items: &[GitItem],
    destination: &str,
    reopen: &(dyn Fn() -> Result<Repository, String> + Sync),
) -> (Vec<Finding>, Totals, Pieces) {
    scan_impl(engine, items, destination, None, reopen, None)
}

/// How a union's evidence names what it was gathered over.
pub fn scope_of(destination: &str) -> String {
    match destination.strip_prefix("git:") {
        Some(r) => format!("going to {r}"),
        None if destination.is_empty() => "of the scan".into(),
        None => format!("going to {destination}"),
    }
}

fn scan_impl(
    engine: &Engine,
    items: &[GitItem],
    destination: &str,
    here: Option<&Repository>,
    reopen: &(dyn Fn() -> Result<Repository, String> + Sync),
    progress: Option<&indicatif::ProgressBar>,
) -> (Vec<Finding>, Totals, Pieces) {
    // Objects are read as git reads them: libgit2's re-hashing of every object read
    // (SHA-1 with collision detection) was 15 % of a 10,000-commit pre-receive, and git
    // itself does not verify on read either. Unreadable objects still block (inflate,
    // delta and header errors are not hash checks).
    git2::opts::strict_hash_verification(false);
    // Group by object, in the order of first appearance.
    let mut index: std::collections::HashMap<(Oid, Kind), usize> = Default::default();
    let mut groups: Vec<Vec<&GitItem>> = Vec::new();
    for item in items {
        let i = *index.entry((item.oid, item.kind)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(item);
    }
    let bytes = AtomicU64::new(0);
    let meta = Meta { destination };
    // A few objects (a typical commit) are read on this thread with one repository
    // handle (opening one per worker costs more than reading), then scanned in
    // parallel; many objects are read and scanned by every worker.
    let judged: Vec<(Vec<Finding>, Pieces)> = if groups.len() <= SEQUENTIAL_GROUPS {
        let opened = here.is_none().then(reopen);
        let repo: Result<&Repository, &str> = match (here, &opened) {
            (Some(r), _) | (None, Some(Ok(r))) => Ok(r),
            (None, Some(Err(e))) => Err(e.as_str()),
            (None, None) => Err("no repository"),
        };
        // Bytes held for the parallel pass stay under a budget; past it an object is
        // judged at once.
        let mut held = 0usize;
        let read: Vec<Read> = groups
            .iter()
            .map(|g| match read_group(engine, repo, g, &meta, progress, &bytes) {
                Read::Data(d) if held + d.len() > HELD_BYTES => {
                    let (f, p) = judge_group(engine, g, Read::Data(d), &meta);
                    Read::Judged(f, p)
                }
                Read::Data(d) => {
                    held += d.len();
                    Read::Data(d)
                }
                judged => judged,
            })
            .collect();
        groups.par_iter().zip(read).map(|(g, r)| judge_group(engine, g, r, &meta)).collect()
    } else {
        groups
            .par_iter()
            .map_init(reopen, |repo, g| {
                judge_group(
                    engine,
                    g,
                    read_group(engine, repo.as_ref().map_err(|e| e.as_str()), g, &meta, progress, &bytes),
                    &meta,
                )
            })
            .collect()
    };
    let (mut findings, mut pieces) = (Vec::new(), Vec::new());
    for (f, p) in judged {
        findings.extend(f);
        pieces.extend(p);
    }
    (findings, Totals { items: items.len() as u64, bytes: bytes.into_inner() }, pieces)
}

/// Up to this many objects, [`scan`] reads them on the calling thread, holding at most
/// [`HELD_BYTES`] of them for the parallel scan.
const SEQUENTIAL_GROUPS: usize = 64;
const HELD_BYTES: usize = 64 << 20;

/// What every item of a scan shares.
struct Meta<'a> {
    destination: &'a str,
}

impl Meta<'_> {
    fn of(&self, item: &GitItem) -> ItemMeta {
        ItemMeta {
            path: item.path.clone(),
            abs: None,
            destination: self.destination.to_string(),
            blob: (item.kind == Kind::Blob).then(|| item.oid.to_string()),
            commit: item.commit.map(|c| c.to_string()),
        }
    }
}

/// An object read for judging: its bytes, or the findings already made (unreadable,
/// streamed because large, an LFS pointer judged by its object).
enum Read {
    Data(Vec<u8>),
    /// Judged already (unreadable, LFS, or scanned early), with the pieces found.
    Judged(Vec<Finding>, Pieces),
}

/// Reads one object (the group's blob or message) through `repo`.
fn read_group(
    engine: &Engine,
    repo: Result<&Repository, &str>,
    group: &[&GitItem],
    meta: &Meta,
    progress: Option<&indicatif::ProgressBar>,
    bytes: &AtomicU64,
) -> Read {
    if let Some(p) = progress {
        p.inc(group.len() as u64);
    }
    let meta_of = |item: &GitItem| meta.of(item);
    let first = group[0];
    let blocked = |reason: &str| -> Read {
        Read::Judged(group.iter().map(|i| unreadable(engine, &meta_of(i), &i.path, reason)).collect(), Vec::new())
    };
    let repo = match repo {
        Ok(r) => r,
        Err(e) => return blocked(e),
    };
    let data = match read(engine, repo, first) {
        Ok(Content::Whole(d)) => d,
        Ok(Content::Large(size)) => {
            return match scan_large(engine, repo, group, size, &meta_of) {
                Ok(f) => {
                    bytes.fetch_add(size, Ordering::Relaxed);
                    Read::Judged(f, Vec::new())
                }
                Err(e) => blocked(&e),
            };
        }
        Err(e) => return blocked(&e),
    };
    bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
    if let Some(p) = (first.kind == Kind::Blob).then(|| super::lfs::pointer(&data)).flatten() {
        return Read::Judged(lfs_object(engine, repo, group, &p, &meta_of), Vec::new());
    }
    Read::Data(data)
}

/// Scans an object's bytes once and judges them under each of its paths; the pieces
/// found, under each path.
fn judge_group(engine: &Engine, group: &[&GitItem], read: Read, meta: &Meta) -> (Vec<Finding>, Pieces) {
    let data = match read {
        Read::Data(d) => d,
        Read::Judged(f, p) => return (f, p),
    };
    let first = group[0];
    let scan = engine.scanner.scan_bytes(&first.path, &data);
    let mut out = Vec::new();
    let mut pieces = Vec::new();
    for item in group {
        let scan = scan.rebased(&first.path, &item.path);
        let m = meta.of(item);
        let mut f = engine.judge(&m, &scan);
        Engine::bind_content(&mut f, &data);
        out.extend(f);
        pieces.extend(scan.pieces.iter().map(|p| (m.clone(), p.clone())));
    }
    (out, pieces)
}

/// A Git LFS pointer: the object it stands for is judged under each path when it is in
/// the local LFS store (`.git/lfs/objects`, where `git lfs` keeps what it will upload),
/// else each path gets an `unscannable` finding (severity from the policy).
fn lfs_object(
    engine: &Engine,
    repo: &Repository,
    group: &[&GitItem],
    p: &super::lfs::Pointer,
    meta_of: &dyn Fn(&GitItem) -> ItemMeta,
) -> Vec<Finding> {
    let path = super::lfs::object_path(repo.commondir(), p);
    let max = engine.policy.settings.max_file_size.min(engine.scanner.whole_read_max);
    let data = match crate::safe_fs::read_bounded(&path, max) {
        Some(d) => d,
        None => {
            let why = if path.exists() {
                format!("Git LFS object sha256:{} ({} bytes) cannot be read whole", p.oid, p.size)
            } else {
                format!("Git LFS object sha256:{} is not in the local LFS store: its content cannot be judged", p.oid)
            };
            return group.iter().map(|i| engine.unscannable(&meta_of(i), &i.path, &why)).collect();
        }
    };
    let first = &group[0].path;
    let scan = engine.scanner.scan_bytes(first, &data);
    let mut out = Vec::new();
    for item in group {
        let mut f = engine.judge(&meta_of(item), &scan.rebased(first, &item.path));
        Engine::bind_content(&mut f, &data);
        out.extend(f);
    }
    out
}

/// An `unscannable` finding that blocks whatever `settings.unscannable` says: the
/// object itself could not be read (or is over the size cap), so nothing about its
/// content is known.
pub fn unreadable(engine: &Engine, meta: &ItemMeta, path: &str, reason: &str) -> Finding {
    let mut f = engine.unscannable(meta, path, reason);
    f.severity = crate::policy::Severity::Block;
    f
}

enum Content {
    Whole(Vec<u8>),
    /// A blob too large to hold whole (its size): streamed.
    Large(u64),
}

/// The bytes of an item: a blob's content (its size checked first from the object
/// header, so a blob over the cap is never loaded), or a commit's or tag's message.
fn read(engine: &Engine, repo: &Repository, item: &GitItem) -> Result<Content, String> {
    let e = |e: git2::Error| format!("object {} cannot be read: {}", item.oid, e.message());
    match item.kind {
        Kind::Blob => {
            let (size, kind) = repo.odb().and_then(|o| o.read_header(item.oid)).map_err(e)?;
            if kind != ObjectType::Blob {
                return Err(format!("object {} is a {kind}, not a blob", item.oid));
            }
            let size = size as u64;
            let max = engine.policy.settings.max_file_size;
            if size > max {
                return Err(format!("blob of {size} bytes is larger than settings.max_file_size ({max} bytes)"));
            }
            if size > engine.scanner.whole_read_max {
                return Ok(Content::Large(size));
            }
            repo.find_blob(item.oid).map(|b| Content::Whole(b.content().to_vec())).map_err(e)
        }
        Kind::CommitMessage => {
            repo.find_commit(item.oid).map(|c| Content::Whole(c.message_bytes().to_vec())).map_err(e)
        }
        Kind::TagMessage => {
            repo.find_tag(item.oid).map(|t| Content::Whole(t.message_bytes().unwrap_or_default().to_vec())).map_err(e)
        }
    }
}

/// A blob larger than the whole-read size: scanned in windows from `git cat-file`, and
/// hashed in a second streaming read only when something was found.
fn scan_large(
    engine: &Engine,
    repo: &Repository,
    group: &[&GitItem],
    size: u64,
    meta_of: &dyn Fn(&GitItem) -> ItemMeta,
) -> Result<Vec<Finding>, String> {
    let first = group[0];
    let oid = first.oid.to_string();
    let mut batch = objects::Batch::spawn(Some(repo.path()))?;
    batch.request(&oid)?;
    match batch.header()? {
        objects::Header::Found { size: s, .. } if s == size => {}
        h => return Err(format!("object {oid} cannot be read: {h:?}")),
    }
    let scan = engine.scanner.scan_reader(&first.path, batch.body(), size).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for item in group {
        out.extend(engine.judge(&meta_of(item), &scan.rebased(&first.path, &item.path)));
    }
    if !out.is_empty() {
        batch.request(&oid)?;
        batch.header()?;
        Engine::bind_content_reader(&mut out, batch.body()).map_err(|e| e.to_string())?;
    }
    batch.close()?;
    Ok(out)
}

/// The branch HEAD points at, as `git:refs/heads/<name>`, for pre-commit findings.
pub fn head_destination(repo: &Repository) -> String {
    match repo.find_reference("HEAD").ok().and_then(|h| h.symbolic_target().map(str::to_string)) {
        Some(t) => format!("git:{t}"),
        None => "git:HEAD".into(),
    }
}

/// Author and committer e-mails of commits (they may not approve their own push).
pub fn identities(repo: &Repository, commits: &[Oid]) -> Vec<String> {
    let mut out: Vec<String> = commits
        .iter()
        .filter_map(|c| repo.find_commit(*c).ok())
        .flat_map(|c| [c.author().email().map(str::to_string), c.committer().email().map(str::to_string)])
        .flatten()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A name for the repository every clone agrees on: its root commit (following first
/// parents from `tip`, or HEAD), `unborn` before the first commit.
pub fn repo_id(repo: &Repository, tip: Option<Oid>) -> String {
    let start = tip.or_else(|| repo.head().ok().and_then(|h| h.target()));
    let Some(mut c) = start.and_then(|o| repo.find_object(o, None).ok()).and_then(|o| o.peel_to_commit().ok()) else {
        return "git:unborn".into();
    };
    while let Ok(p) = c.parent(0) {
        c = p;
    }
    format!("git:{}", c.id())
}
