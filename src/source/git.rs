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

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use git2::{Delta, DiffOptions, ObjectType, Oid, Repository, Sort, Tree};
use rayon::prelude::*;

use crate::engine::{Engine, ItemMeta};
use crate::report::Finding;

/// One blob (or commit message) to scan.
#[derive(Debug, Clone)]
pub struct GitItem {
    /// Path in the tree (non-UTF-8 bytes replaced), or `COMMIT_MSG`.
    pub path: String,
    pub oid: Oid,
    pub commit: Option<Oid>,
    /// True for a commit message (its text is the commit's message, not a blob).
    pub message: bool,
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
    // `git diff --cached` skips unchanged subtrees with the index's cache-tree: a few
    // milliseconds on 50,000 files where a full index-to-tree diff takes tens. It runs
    // with our environment, so GIT_DIR / GIT_INDEX_FILE mean the same to it.
    if let Some(items) = staged_by_git_cli(repo, only) {
        return Ok(items);
    }
    staged_by_libgit2(repo, only)
}

/// `git diff --cached --raw -z`: `:old new oldsha newsha status\0path\0` records.
fn staged_by_git_cli(repo: &Repository, only: &[String]) -> Option<Vec<GitItem>> {
    let mut cmd = std::process::Command::new("git");
    if let Some(w) = repo.workdir() {
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
    if repo.head().is_err() {
        // Before the first commit: compare with the empty tree.
        cmd.arg("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
    }
    cmd.arg("--").args(only);
    let out = cmd.output().ok().filter(|o| o.status.success())?;
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
        let oid = Oid::from_str(new_sha).ok()?;
        if oid.is_zero() || !seen.insert(oid) {
            continue;
        }
        items.push(GitItem { path: String::from_utf8_lossy(path).into_owned(), oid, commit: None, message: false });
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
            if seen.insert(item.oid) {
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
    Some(GitItem { path, oid: f.id(), commit, message: false })
}

/// Commits a push of `local` to a remote sends: `remote..local`, or, for a new branch
/// (remote oid all zeros) or a remote commit we do not have, the commits not
/// reachable from any of that remote's refs.
pub fn pushed_commits(repo: &Repository, local: Oid, remote: Oid, remote_name: &str) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    push_peeled(repo, &mut walk, local)?;
    if !remote.is_zero() && repo.find_commit(remote).is_ok() {
        walk.hide(remote)?;
    } else {
        let glob = format!("refs/remotes/{remote_name}/*");
        if repo.references_glob(&glob)?.next().is_some() {
            walk.hide_glob(&glob)?;
        }
    }
    walk.collect()
}

/// Commits a server receives for `new`: those not reachable from any existing ref.
pub fn received_commits(repo: &Repository, new: Oid) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    push_peeled(repo, &mut walk, new)?;
    for r in repo.references()?.flatten() {
        if let Ok(c) = r.peel_to_commit() {
            walk.hide(c.id())?;
        }
    }
    walk.collect()
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

/// An annotated tag or a commit id pushed onto a walk (tags of non-commits are skipped).
fn push_peeled(repo: &Repository, walk: &mut git2::Revwalk<'_>, oid: Oid) -> Result<(), git2::Error> {
    let obj = repo.find_object(oid, None)?;
    match obj.peel(ObjectType::Commit) {
        Ok(c) => walk.push(c.id()),
        Err(_) => Ok(()),
    }
}

/// Blobs the commits introduce (differing from every parent; the whole tree for a root
/// commit), each once with the first commit and path, plus each commit's message.
pub fn introduced(repo: &Repository, commits: &[Oid], seen: &mut HashSet<Oid>) -> Result<Vec<GitItem>, git2::Error> {
    let mut out = Vec::new();
    for &c in commits {
        let commit = repo.find_commit(c)?;
        out.push(GitItem { path: "COMMIT_MSG".into(), oid: c, commit: Some(c), message: true });
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
                    let keep: HashSet<Oid> = items.iter().map(|i| i.oid).collect();
                    prev.into_iter().filter(|i| keep.contains(&i.oid)).collect()
                }
            });
        }
        for item in candidates.unwrap_or_default() {
            if seen.insert(item.oid) {
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

/// Scans items in parallel (each worker opens its own handle with `reopen`); a blob
/// that cannot be read is an `unscannable` finding.
pub fn scan(
    engine: &Engine,
    items: &[GitItem],
    destination: &str,
    reopen: &(dyn Fn() -> Result<Repository, String> + Sync),
    progress: Option<&indicatif::ProgressBar>,
) -> (Vec<Finding>, Totals) {
    let bytes = AtomicU64::new(0);
    let findings: Vec<Finding> = items
        .par_iter()
        .map_init(reopen, |repo, item| {
            if let Some(p) = progress {
                p.inc(1);
            }
            let meta = ItemMeta {
                path: item.path.clone(),
                abs: None,
                destination: destination.to_string(),
                blob: (!item.message).then(|| item.oid.to_string()),
                commit: item.commit.map(|c| c.to_string()),
            };
            let repo = match repo {
                Ok(r) => r,
                Err(e) => return vec![engine.unscannable(&meta, &item.path, e)],
            };
            let data: Vec<u8> = if item.message {
                match repo.find_commit(item.oid) {
                    Ok(c) => c.message_bytes().to_vec(),
                    Err(e) => return vec![engine.unscannable(&meta, &item.path, e.message())],
                }
            } else {
                match repo.find_blob(item.oid) {
                    Ok(b) => b.content().to_vec(),
                    Err(e) => return vec![engine.unscannable(&meta, &item.path, e.message())],
                }
            };
            bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
            let scan = engine.scanner.scan_bytes(&item.path, &data);
            let mut f = engine.judge(&meta, &scan);
            Engine::bind_content(&mut f, &data);
            f
        })
        .flatten()
        .collect();
    (findings, Totals { items: items.len() as u64, bytes: bytes.into_inner() })
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
