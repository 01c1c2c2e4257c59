//! Files and directories: walked with the `ignore` crate (`.gitignore` honoured,
//! hidden files included, `.git/` skipped, symlinks not followed so loops cannot
//! trap the walk), scanned in parallel with rayon, large files streamed in windows.
//! A file that cannot be read is an `unscannable` finding, never a silent skip.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::engine::{Engine, ItemMeta, Pieces};
use crate::report::Finding;

/// One file to scan.
#[derive(Debug, Clone)]
pub struct Target {
    pub abs: PathBuf,
    /// Shown path: relative to the single scanned directory, else as walked.
    pub rel: String,
    /// Set when the walk itself failed here (permission denied, loop, not a file).
    pub problem: Option<String>,
}

/// Walk options.
#[derive(Debug, Clone, Copy)]
pub struct WalkOpts {
    pub respect_ignore: bool,
}

/// Every file under `paths`.
pub fn walk(paths: &[PathBuf], opts: WalkOpts) -> Vec<Target> {
    let strip_root = match paths {
        [one] if one.is_dir() => Some(one.clone()),
        _ => None,
    };
    // Made absolute against the working directory read once, not once per file.
    let cwd = std::env::current_dir().ok();
    let walked = |path: &Path, problem| target(path, strip_root.as_deref(), cwd.as_deref(), problem);
    let mut out = Vec::new();
    for p in paths {
        let mut b = ignore::WalkBuilder::new(p);
        b.hidden(false)
            .git_ignore(opts.respect_ignore)
            .git_global(false)
            .git_exclude(opts.respect_ignore)
            .ignore(opts.respect_ignore)
            .parents(opts.respect_ignore)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(|e| e.file_name() != ".git");
        for entry in b.build() {
            match entry {
                Ok(e) => {
                    let Some(ft) = e.file_type() else { continue };
                    if ft.is_dir() || ft.is_symlink() {
                        continue;
                    }
                    let problem = (!ft.is_file()).then(|| "not a regular file (fifo, socket or device)".to_string());
                    out.push(walked(e.path(), problem));
                }
                Err(err) => {
                    let path = error_path(&err).unwrap_or_else(|| p.clone());
                    out.push(walked(&path, Some(err.to_string())));
                }
            }
        }
    }
    out
}

fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// `path` as given (relative to `root` when walking one directory) and absolute: what
/// `std::path::absolute` makes of it, given the working directory `cwd`.
fn target(path: &Path, root: Option<&Path>, cwd: Option<&Path>, problem: Option<String>) -> Target {
    let rel = root.and_then(|r| path.strip_prefix(r).ok()).filter(|r| !r.as_os_str().is_empty()).unwrap_or(path);
    let rel = rel.to_string_lossy().trim_start_matches("./").to_string();
    let abs = match cwd {
        Some(cwd) if path.is_relative() => std::path::absolute(cwd.join(path)),
        _ => std::path::absolute(path),
    }
    .unwrap_or_else(|_| path.to_path_buf());
    Target { abs, rel, problem }
}

/// Totals of one walk.
#[derive(Debug, Default)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
}

/// Scans targets in parallel; findings come back in no particular order. The pieces
/// of all the targets (records below a detector's thresholds) are judged together.
pub fn scan(engine: &Engine, targets: &[Target]) -> (Vec<Finding>, Totals) {
    let bytes = AtomicU64::new(0);
    let max = engine.policy.settings.max_file_size;
    let per_target: Vec<(Vec<Finding>, Pieces)> = targets
        .par_iter()
        .map(|t| {
            let meta =
                ItemMeta { path: t.rel.clone(), abs: Some(t.abs.to_string_lossy().into_owned()), ..Default::default() };
            if let Some(p) = &t.problem {
                return (vec![engine.unscannable(&meta, &t.rel, p)], Vec::new());
            }
            match scan_one(engine, &meta, &t.abs, max) {
                Ok((f, n, pieces)) => {
                    bytes.fetch_add(n, Ordering::Relaxed);
                    (f, pieces.into_iter().map(|p| (meta.clone(), p)).collect())
                }
                Err(reason) => (vec![engine.unscannable(&meta, &t.rel, &reason)], Vec::new()),
            }
        })
        .collect();
    let mut findings = Vec::new();
    let mut pieces = Vec::new();
    for (f, p) in per_target {
        findings.extend(f);
        pieces.extend(p);
    }
    findings.extend(engine.judge_union("of the scan", &pieces));
    (findings, Totals { files: targets.len() as u64, bytes: bytes.into_inner() })
}

/// Findings, bytes read and pieces of one file.
type Scanned = (Vec<Finding>, u64, Vec<crate::detect::records::union::Piece>);

fn scan_one(engine: &Engine, meta: &ItemMeta, abs: &Path, max: u64) -> Result<Scanned, String> {
    let file = File::open(abs).map_err(|e| describe(&e))?;
    let len = file.metadata().map_err(|e| describe(&e))?.len();
    if len > max {
        return Err(format!("file of {len} bytes is larger than settings.max_file_size ({max} bytes)"));
    }
    if len <= engine.scanner.whole_read_max {
        // Small files are read once: scanned, and hashed when something was found (the
        // content hash binds approvals to these exact bytes).
        let mut data = Vec::with_capacity(len as usize);
        std::io::Read::read_to_end(&mut { file }, &mut data).map_err(|e| describe(&e))?;
        let scan = engine.scanner.scan_bytes(&meta.path, &data);
        let mut findings = engine.judge(meta, &scan);
        Engine::bind_content(&mut findings, &data);
        return Ok((findings, scan.bytes, scan.pieces));
    }
    let scan = engine
        .scanner
        .scan_reader(&meta.path, std::io::BufReader::with_capacity(1 << 16, file), len)
        .map_err(|e| describe(&e))?;
    let mut findings = engine.judge(meta, &scan);
    // Large files are hashed in a second streaming pass, only when something was found.
    if let Err(e) = File::open(abs).and_then(|f| Engine::bind_content_reader(&mut findings, f)) {
        return Err(describe(&e));
    }
    Ok((findings, scan.bytes, scan.pieces))
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "vanished before it could be read".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths made absolute against the working directory read once are what
    /// `std::path::absolute` makes of them.
    #[test]
    fn absolute_against_the_working_directory_read_once() {
        let cwd = std::env::current_dir().expect("cwd");
        for p in ["a", "./a/../b", "a//b/./c", ".", "..", "/x/./y", "/"] {
            let p = Path::new(p);
            assert_eq!(target(p, None, Some(&cwd), None).abs, std::path::absolute(p).expect("absolute"), "{p:?}");
        }
    }
}
