//! Staged scans through the `git` CLI alone, for repositories libgit2 cannot open
//! (SHA-256 object format, reftable refs): the staged (path, blob) pairs from
//! `git diff --cached --raw -z`, contents from one `git cat-file --batch`. Without
//! this, such a repository would fail closed on every commit.
//!
//! With file names (the pre-commit framework), each name's index blob from
//! `git ls-files --stage`, else its working-tree file ([`super::named`]).
//!
//! Owns only that path: object ids stay hex strings (32-byte ids do not fit
//! `git2::Oid`). Must not import git2; never writes the index, the working tree or a ref.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::objects::{self, Batch, Header, ObjType};
use super::Totals;
use crate::engine::{Engine, ItemMeta, Pieces};
use crate::report::Finding;

/// A repository as git itself finds it from here (the environment git runs hooks
/// with: GIT_DIR, GIT_INDEX_FILE, worktrees).
#[derive(Debug, Clone)]
pub struct CliRepo {
    pub git_dir: PathBuf,
    pub workdir: Option<PathBuf>,
}

fn git_out(args: &[&str]) -> Option<String> {
    let o = Command::new("git").args(args).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim_end_matches('\n').to_string())
}

impl CliRepo {
    /// `None` when git finds no repository either.
    pub fn open() -> Option<CliRepo> {
        let git_dir = objects::git_dir_by_cli()?;
        let workdir = git_out(&["rev-parse", "--show-toplevel"]).filter(|s| !s.is_empty()).map(PathBuf::from);
        Some(CliRepo { git_dir, workdir })
    }

    /// Where the repository's files are (work tree, or the git directory when bare).
    pub fn root(&self) -> PathBuf {
        self.workdir.clone().unwrap_or_else(|| self.git_dir.clone())
    }

    /// `git:refs/heads/<branch>` of HEAD (`git:HEAD` when detached).
    pub fn head_destination(&self) -> String {
        match git_out(&["symbolic-ref", "-q", "HEAD"]) {
            Some(r) if !r.is_empty() => format!("git:{r}"),
            _ => "git:HEAD".into(),
        }
    }
}

/// The staged blobs of `repo` (only `only` when given), judged for `destination`.
/// Each blob is read once (size from its header first: over `settings.max_file_size`
/// or unreadable is a blocking unscannable finding; large ones are streamed).
pub fn staged_scan(
    engine: &Engine,
    repo: &CliRepo,
    only: &[String],
    destination: &str,
) -> Result<(Vec<Finding>, Totals), String> {
    let unborn = git_out(&["rev-parse", "-q", "--verify", "HEAD"]).is_none();
    let pairs = super::staged_pairs_by_git_cli(repo.workdir.as_deref(), unborn, only)
        .ok_or("git diff --cached failed: the staged blobs cannot be listed")?;
    let (mut findings, totals, pieces) = scan_pairs(engine, repo, pairs, destination)?;
    findings.extend(engine.judge_union(&super::scope_of(destination), &pieces));
    Ok((findings, totals))
}

/// The files the pre-commit framework names (see [`super::named`]): each name's index
/// blob (`git ls-files --stage`), else its working-tree file.
pub fn named_scan(
    engine: &Engine,
    repo: &CliRepo,
    names: &[String],
    destination: &str,
) -> Result<(Vec<Finding>, Totals), String> {
    let root = repo.workdir.clone().ok_or("a bare repository has no named files to scan")?;
    let rels = super::named::checked(&root, names)?;
    let o = Command::new("git")
        .current_dir(&root)
        .args(["--literal-pathspecs", "ls-files", "--stage", "-z", "--"])
        .args(&rels)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("git ls-files cannot run: {e}"))?;
    if !o.status.success() {
        return Err(format!("git ls-files failed: {}", String::from_utf8_lossy(&o.stderr).trim()));
    }
    // `<mode> <object> <stage>\t<path>`; stage 0 only (a conflicted path is not committable).
    let mut staged: HashMap<String, (String, String)> = HashMap::new();
    for rec in o.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let rec = String::from_utf8_lossy(rec);
        let Some((meta, path)) = rec.split_once('\t') else { continue };
        if let [mode, oid, "0"] = meta.split(' ').collect::<Vec<_>>()[..] {
            staged.insert(path.to_string(), (mode.to_string(), oid.to_string()));
        }
    }
    let (mut pairs, mut work) = (Vec::new(), Vec::new());
    for rel in rels {
        match staged.remove(&rel) {
            Some((mode, _)) if mode == "160000" => {} // a gitlink
            Some((_, oid)) => pairs.push((rel.into_bytes(), oid)),
            None => work.extend(super::named::work_file(&root, rel)?),
        }
    }
    let (mut findings, mut totals, mut pieces) = scan_pairs(engine, repo, pairs, destination)?;
    let (f, t, p) = super::named::scan_work(engine, &work, destination, false);
    findings.extend(f);
    pieces.extend(p);
    totals.items += t.items;
    totals.bytes += t.bytes;
    findings.extend(engine.judge_union(&super::scope_of(destination), &pieces));
    Ok((findings, totals))
}

/// Judges (path bytes, object id) pairs: each object read once from one `git cat-file`.
fn scan_pairs(
    engine: &Engine,
    repo: &CliRepo,
    pairs: Vec<(Vec<u8>, String)>,
    destination: &str,
) -> Result<(Vec<Finding>, Totals, Pieces), String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (path, oid) in pairs {
        let path = String::from_utf8_lossy(&path).into_owned();
        let i = *index.entry(oid.clone()).or_insert_with(|| {
            groups.push((oid, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(path);
    }
    let mut batch = Batch::spawn(Some(&repo.git_dir))?;
    let (mut findings, mut totals, mut pieces) = (Vec::new(), Totals::default(), Vec::new());
    let max = engine.policy.settings.max_file_size;
    for (oid, paths) in &groups {
        totals.items += paths.len() as u64;
        let meta = |path: &str| ItemMeta {
            path: path.to_string(),
            abs: None,
            destination: destination.to_string(),
            blob: Some(oid.clone()),
            commit: None,
        };
        let blocked = |reason: &str| -> Vec<Finding> {
            paths.iter().map(|p| super::unreadable(engine, &meta(p), p, reason)).collect()
        };
        batch.request(oid)?;
        let size = match batch.header()? {
            Header::Found { kind: ObjType::Blob, size, .. } => size,
            Header::Found { kind, .. } => {
                findings.extend(blocked(&format!("object {oid} is a {kind:?}, not a blob")));
                continue;
            }
            Header::Missing { reason, .. } => {
                findings.extend(blocked(&format!("object {oid} cannot be read: {reason}")));
                continue;
            }
        };
        if size > max {
            findings
                .extend(blocked(&format!("blob of {size} bytes is larger than settings.max_file_size ({max} bytes)")));
            continue;
        }
        let first = &paths[0];
        let (scan, data) = if size > engine.scanner.whole_read_max {
            (engine.scanner.scan_reader(first, batch.body(), size).map_err(|e| e.to_string())?, None)
        } else {
            let data = batch.read_all(size)?;
            (engine.scanner.scan_bytes(first, &data), Some(data))
        };
        totals.bytes += size;
        let mut out = Vec::new();
        for p in paths {
            let scan = scan.rebased(first, p);
            out.extend(engine.judge(&meta(p), &scan));
            pieces.extend(scan.pieces.iter().map(|x| (meta(p), x.clone())));
        }
        match &data {
            Some(d) => Engine::bind_content(&mut out, d),
            None if !out.is_empty() => {
                batch.request(oid)?;
                batch.header()?;
                Engine::bind_content_reader(&mut out, batch.body()).map_err(|e| e.to_string())?;
            }
            None => {}
        }
        findings.extend(out);
    }
    batch.close()?;
    Ok((findings, totals, pieces))
}
