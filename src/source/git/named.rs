//! Named files of a repository, as the pre-commit framework passes them
//! (`pre-commit run --all-files`, `--files X`, and the commit stage's staged names).
//!
//! Owns what a name means: its staged (index) blob when the path is in the index — what
//! a commit records, and after `--all-files` the committed content — else the
//! working-tree file, read without following symlinks (`O_NOFOLLOW` on the file, no
//! symlinked directory on the way) and bounded by `settings.max_file_size`. Names are
//! validated first: relative to the work-tree root (an absolute name must lie inside
//! it), no `..`, no empty name. Never writes the index, the working tree or a ref.
//! Must not import the CLI.

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use git2::{ObjectType, Oid, Repository};

use super::{GitItem, Kind, Totals};
use crate::engine::{Engine, ItemMeta, Pieces};
use crate::report::Finding;

/// A named file that is not in the index: read from the working tree.
#[derive(Debug)]
pub struct WorkFile {
    /// Relative to the work-tree root, `/`-separated.
    pub path: String,
    pub abs: PathBuf,
}

/// What the names stand for: index blobs, and working-tree files for the rest.
#[derive(Debug, Default)]
pub struct Named {
    pub staged: Vec<GitItem>,
    pub work: Vec<WorkFile>,
}

/// Sorts `names` into index blobs and working-tree files. A name outside the work tree,
/// with `..`, or through a symlinked directory is an error that keeps the name. Names
/// of neither (deleted, never existed) and gitlinks have no content and are skipped.
pub fn resolve(repo: &Repository, names: &[String]) -> Result<Named, String> {
    let root = repo.workdir().ok_or("a bare repository has no named files to scan")?;
    let index = repo.index().map_err(|e| format!("git: cannot read the index: {}", e.message()))?;
    let mut out = Named::default();
    for rel in checked(root, names)? {
        match index.get_path(Path::new(&rel), 0) {
            // A gitlink names a commit of another repository: no content here.
            Some(e) if e.mode == 0o160000 || e.id.is_zero() => {}
            Some(e) => out.staged.push(GitItem { path: rel, oid: e.id, commit: None, kind: Kind::Blob }),
            None => out.work.extend(work_file(root, rel)?),
        }
    }
    Ok(out)
}

/// `names` validated and made relative to the work-tree `root`, each once.
pub fn checked(root: &Path, names: &[String]) -> Result<Vec<String>, String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for name in names {
        let rel = relative(root, name)?;
        if seen.insert(rel.clone()) {
            out.push(rel);
        }
    }
    Ok(out)
}

/// A checked name that is not in the index, as a working-tree file: `None` when
/// nothing is there (deleted) or it is a directory; an error beyond a symlinked directory.
pub fn work_file(root: &Path, rel: String) -> Result<Option<WorkFile>, String> {
    no_symlinked_dirs(root, &rel)?;
    let abs = root.join(&rel);
    match std::fs::symlink_metadata(&abs) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Ok(m) if m.is_dir() => Ok(None),
        _ => Ok(Some(WorkFile { path: rel, abs })),
    }
}

/// `name` as a path relative to `root`, checked: `/`-separated normal components only.
fn relative(root: &Path, name: &str) -> Result<String, String> {
    let bad = |why: &str| format!("file name {name:?} {why}: not scanned, the step is stopped");
    let p = Path::new(name);
    let p = if p.is_absolute() {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        p.strip_prefix(&root).map_err(|_| bad("is outside the repository"))?
    } else {
        p
    };
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str().ok_or_else(|| bad("is not UTF-8"))?),
            Component::CurDir => {}
            _ => return Err(bad("has `..` or a root")),
        }
    }
    if parts.is_empty() {
        return Err(bad("is empty"));
    }
    Ok(parts.join("/"))
}

/// Refuses a name whose directories on the way are symlinks (git never records a path
/// beyond a symbolic link; reading through one could leave the repository).
fn no_symlinked_dirs(root: &Path, rel: &str) -> Result<(), String> {
    let mut dir = root.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts[..parts.len() - 1] {
        dir.push(part);
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!("file name {rel:?} lies beyond a symbolic link ({}): not scanned", dir.display()));
        }
    }
    Ok(())
}

/// Scans the named files for `destination`: index blobs through [`super::scan`],
/// working-tree files through [`scan_work`].
pub fn scan(
    engine: &Engine,
    repo: &Repository,
    names: &[String],
    destination: &str,
) -> Result<(Vec<Finding>, Totals), String> {
    let named = resolve(repo, names)?;
    let (mut findings, mut totals, mut pieces) = super::scan_pieces(engine, &named.staged, destination, &super::open);
    let (f, t, p) = scan_work(engine, &named.work, destination, true);
    findings.extend(f);
    pieces.extend(p);
    totals.items += t.items;
    totals.bytes += t.bytes;
    // The named files are one set: pieces of a list among them are judged together.
    findings.extend(engine.judge_union(&super::scope_of(destination), &pieces));
    Ok((findings, totals))
}

/// Scans working-tree files for `destination`. One that cannot be read within bounds
/// (a FIFO, over `settings.max_file_size`, unreadable) is a blocking `unscannable`
/// finding; a symlink is judged by its target text, which is what git would record.
/// `blob_ids`: label findings with the SHA-1 blob id git would give the content. The
/// pieces found (records below a detector's thresholds) are returned for the caller to
/// judge with the rest of the set.
pub fn scan_work(
    engine: &Engine,
    work: &[WorkFile],
    destination: &str,
    blob_ids: bool,
) -> (Vec<Finding>, Totals, Pieces) {
    let mut findings = Vec::new();
    let mut pieces = Vec::new();
    let mut totals = Totals::default();
    let max = engine.policy.settings.max_file_size;
    for w in work {
        let meta = |blob: Option<String>| ItemMeta {
            path: w.path.clone(),
            abs: Some(w.abs.to_string_lossy().into_owned()),
            destination: destination.to_string(),
            blob: blob.filter(|_| blob_ids),
            commit: None,
        };
        totals.items += 1;
        match scan_work_file(engine, &w.abs, &w.path, max, &meta) {
            Ok((f, n, p)) => {
                totals.bytes += n;
                findings.extend(f);
                pieces.extend(p);
            }
            Err(why) => findings.push(super::unreadable(engine, &meta(None), &w.path, &why)),
        }
    }
    (findings, totals, pieces)
}

/// Findings of one working-tree file and its size. A regular file is opened with
/// `O_NOFOLLOW` (never blocking on a FIFO), read whole up to the scanner's whole-read
/// size, streamed beyond it; a symlink is judged by its target text.
fn scan_work_file(
    engine: &Engine,
    abs: &Path,
    path: &str,
    max: u64,
    meta: &dyn Fn(Option<String>) -> ItemMeta,
) -> Result<(Vec<Finding>, u64, Pieces), String> {
    let judge = |data: &[u8]| {
        let blob = Oid::hash_object(ObjectType::Blob, data).ok().map(|o| o.to_string());
        let m = meta(blob);
        let scan = engine.scanner.scan_bytes(path, data);
        let mut f = engine.judge(&m, &scan);
        Engine::bind_content(&mut f, data);
        (f, data.len() as u64, scan.pieces.into_iter().map(|p| (m.clone(), p)).collect())
    };
    let lmeta = std::fs::symlink_metadata(abs).map_err(|e| e.to_string())?;
    if lmeta.file_type().is_symlink() {
        let target = std::fs::read_link(abs).map_err(|e| e.to_string())?;
        return Ok(judge(target.as_os_str().as_encoded_bytes()));
    }
    let open = || {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(abs)
            .map_err(|e| format!("cannot be opened without following links: {e}"))
    };
    let f = open()?;
    let m = f.metadata().map_err(|e| e.to_string())?;
    if !m.is_file() {
        return Err("not a regular file (fifo, socket or device)".into());
    }
    let len = m.len();
    if len > max {
        return Err(format!("file of {len} bytes is larger than settings.max_file_size ({max} bytes)"));
    }
    if len <= engine.scanner.whole_read_max {
        let mut buf = Vec::with_capacity(len as usize);
        f.take(len + 1).read_to_end(&mut buf).map_err(|e| e.to_string())?;
        if buf.len() as u64 > len {
            return Err("file grew while it was read".into());
        }
        return Ok(judge(&buf));
    }
    let reader = std::io::BufReader::with_capacity(1 << 16, f.take(len));
    let scan = engine.scanner.scan_reader(path, reader, len).map_err(|e| e.to_string())?;
    let mut found = engine.judge(&meta(None), &scan);
    if !found.is_empty() {
        Engine::bind_content_reader(&mut found, open()?.take(len)).map_err(|e| e.to_string())?;
    }
    Ok((found, len, Vec::new()))
}
