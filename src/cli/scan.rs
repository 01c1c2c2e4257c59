//! `leakguard scan [PATH...]`: files and directories through the one engine.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::{exit, Global};
use crate::engine::Engine;
use crate::report::{self, Report};
use crate::source::fs;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories (default `.`); `-` reads the content to scan from stdin.
    pub paths: Vec<PathBuf>,
    /// The path stdin's content is judged as (rules and stores match paths), with `-`.
    #[arg(long, value_name = "PATH", default_value = "<stdin>")]
    pub stdin_name: String,
    /// Accepted findings: a file written by --write-baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the digests of the current findings as a baseline (sorted, no timestamps).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Scan files that .gitignore and .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Scan the staged blobs of the repository (what `git commit` would record).
    #[arg(long, conflicts_with_all = ["range", "history"])]
    pub staged: bool,
    /// Scan the blobs and messages commits `A..B` introduce.
    #[arg(long, value_name = "A..B", conflicts_with = "history")]
    pub range: Option<String>,
    /// Scan every unique blob reachable from any ref once, with the commit that introduced it.
    #[arg(long)]
    pub history: bool,
    /// Extra directory of approvals (`<id>/<principal>.sig`), besides `.leakguard/approvals`
    /// and `$GIT_DIR/leakguard/approvals` (repeatable).
    #[arg(long, value_name = "DIR")]
    pub approvals: Vec<PathBuf>,
    /// Write the request file of blocked findings into DIR (`scan` is read-only
    /// otherwise: it prints request ids but writes nothing; the hooks and `leakguard
    /// approval request` write request files into `$GIT_DIR/leakguard/requests`).
    #[arg(long, value_name = "DIR")]
    pub requests: Option<PathBuf>,
}

/// A baseline file: accepted digests, sorted, content-based (stable under line moves).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub accepted: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub digest: String,
    pub rule: String,
}

pub fn run(g: &Global, a: ScanArgs) -> u8 {
    let start = Instant::now();
    let paths = if a.paths.is_empty() { vec![PathBuf::from(".")] } else { a.paths.clone() };
    let stdin = paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && (paths.len() > 1 || a.staged || a.range.is_some() || a.history) {
        eprintln!("error: `-` (stdin) is scanned alone: no other path, --staged, --range or --history");
        return exit::USAGE;
    }
    for p in paths.iter().filter(|p| p.as_os_str() != "-") {
        if std::fs::symlink_metadata(p).is_err() {
            eprintln!("error: {}: no such file or directory", p.display());
            return exit::USAGE;
        }
    }
    let root = super::find_root(if stdin { std::path::Path::new(".") } else { &paths[0] });
    let policy = match g.load_policy(&root) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let baseline = match &a.baseline {
        None => BTreeSet::new(),
        Some(f) => match read_baseline(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: baseline {}: {e}", f.display());
                return exit::USAGE;
            }
        },
    };
    let mut engine = Engine::new(&policy, baseline);
    engine.scanner.redact = !g.no_redact;
    crate::report::log::info(
        "scan.start",
        &[
            ("root", &root.display()),
            ("paths", &paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(",")),
            (
                "mode",
                &if stdin {
                    "stdin"
                } else if a.staged {
                    "staged"
                } else if a.range.is_some() {
                    "range"
                } else if a.history {
                    "history"
                } else {
                    "files"
                },
            ),
        ],
    );
    let (findings, totals) = if stdin {
        match scan_stdin(&engine, &a.stdin_name) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: cannot read stdin: {e}");
                return exit::INTERNAL;
            }
        }
    } else if a.staged || a.range.is_some() || a.history {
        match scan_git(&engine, &a) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        }
    } else {
        let targets = fs::walk(&paths, fs::WalkOpts { respect_ignore: !a.no_ignore });
        let _progress = Progress::after_a_second(targets.len());
        fs::scan(&engine, &targets)
    };
    let mut rep = Report { findings, stale: engine.stale_baseline(), ..Default::default() };
    // Blocking findings get request ids and honour approvals, as in the hooks: in a
    // repository, or elsewhere when asked with --approvals / --requests.
    let repo = git2::Repository::open(&root).ok();
    let asked = !a.approvals.is_empty() || a.requests.is_some();
    if rep.findings.iter().any(|f| f.blocks()) && (repo.is_some() || asked) {
        let git_dir = repo.as_ref().map(|r| r.path().to_path_buf());
        let mut approval_dirs = vec![root.join(".leakguard/approvals")];
        approval_dirs.extend(git_dir.iter().map(|d| d.join("leakguard/approvals")));
        approval_dirs.extend(a.approvals.iter().cloned());
        let cx = crate::approval::Context {
            policy: &policy,
            scope: crate::approval::Scope::Git {
                repo: match &repo {
                    Some(r) => crate::source::git::repo_id(r, None),
                    None => root.display().to_string(),
                },
            },
            actor: requester(repo.as_ref(), a.range.as_deref()).unwrap_or_else(|| crate::approval::actor(Some(&root))),
            excluded: Vec::new(),
            approval_dirs,
            push_options: Vec::new(),
            carried: Vec::new(),
            // Read-only unless asked: only hooks and `approval request` write requests.
            requests_dir: a.requests.clone(),
            audit_log: None,
        };
        rep.requests_dir = a.requests.clone();
        crate::report::log::debug(
            "approvals.look",
            &[
                ("dirs", &cx.approval_dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(",")),
                (
                    "requests_dir",
                    &a.requests.as_ref().map_or("none (read-only)".to_string(), |d| d.display().to_string()),
                ),
            ],
        );
        if let Err(e) = crate::approval::apply(&cx, &mut rep) {
            eprintln!("leakguard: approvals could not be checked: {e}");
        }
    }
    rep.explain_approvers(&policy);
    rep.stats.files = totals.files;
    rep.stats.bytes = totals.bytes;
    rep.stats.elapsed_ms = start.elapsed().as_millis() as u64;
    rep.sort();
    crate::report::log::info(
        "scan.done",
        &[
            ("files", &rep.stats.files),
            ("bytes", &rep.stats.bytes),
            ("findings", &rep.findings.len()),
            ("blocking", &rep.findings.iter().filter(|f| f.blocks()).count()),
            ("suppressed", &rep.stats.suppressed),
            ("elapsed_ms", &rep.stats.elapsed_ms),
        ],
    );
    for f in &rep.findings {
        crate::report::log::debug(
            "finding",
            &[
                ("rule", &f.rule),
                ("path", &f.path),
                ("line", &f.line),
                ("digest", &f.digest),
                ("override", &f.override_),
                ("request", &f.request.as_deref().unwrap_or("-")),
            ],
        );
    }
    if let Some(out) = &a.write_baseline {
        let mut accepted: Vec<BaselineEntry> = rep
            .findings
            .iter()
            .filter(|f| f.rule != "unscannable")
            .map(|f| BaselineEntry { digest: f.digest.clone(), rule: f.rule.clone() })
            .collect();
        accepted.sort();
        accepted.dedup();
        let text = serde_json::to_string_pretty(&Baseline { version: 1, accepted }).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(out, text) {
            eprintln!("error: cannot write baseline {}: {e}", out.display());
            return exit::INTERNAL;
        }
    }
    let style = g.style();
    if let Err(e) = report::to_stdout(|w| report::render(&rep, g.format, &style, w)) {
        eprintln!("error: cannot write report: {e}");
        return exit::INTERNAL;
    }
    match rep.verdict() {
        report::Verdict::Block => exit::BLOCK,
        _ => exit::ALLOW,
    }
}

/// A spinner on stderr for a files scan that takes longer than a second, on a terminal
/// only; cleared when dropped. (`--history` has its own progress bar.)
struct Progress {
    done: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn after_a_second(files: usize) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress { done: None, thread: None };
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if rx.recv_timeout(std::time::Duration::from_secs(1)) != Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(format!("scanning {} files", crate::detect::group(files)));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let _ = rx.recv();
            bar.finish_and_clear();
        });
        Progress { done: Some(tx), thread: Some(thread) }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `--staged`, `--range`, `--history`: blobs from the object database, each once.
fn scan_git(engine: &Engine, a: &ScanArgs) -> Result<(Vec<crate::report::Finding>, fs::Totals), String> {
    use crate::source::git;
    let repo = git::open()?;
    let ge = |e: git2::Error| e.message().to_string();
    let (items, dest) = if a.staged {
        (git::staged(&repo, &[]).map_err(ge)?, git::head_destination(&repo))
    } else {
        let commits = match &a.range {
            Some(r) => git::range_commits(&repo, r).map_err(ge)?,
            None => git::all_commits(&repo).map_err(ge)?,
        };
        let mut items = git::introduced(&repo, &commits, &mut Default::default()).map_err(ge)?;
        if a.range.is_none() {
            items.extend(git::all_ref_objects(&repo).map_err(ge)?);
        }
        (items, String::new())
    };
    let bar = (a.history && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(items.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} blobs {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let (findings, t) = git::scan(engine, &items, &dest, &git::open, bar.as_ref());
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok((findings, fs::Totals { files: t.items, bytes: t.bytes }))
}

/// For `--range A..B` the requester is the author of `B`, as for a push (the pre-push
/// and pre-receive hooks use the pushed tip's author), so that CI finds the approvals
/// given for the commit or push.
fn requester(repo: Option<&git2::Repository>, range: Option<&str>) -> Option<String> {
    let tip = range?.rsplit_once("..").map(|(_, b)| b.trim_start_matches('.'))?;
    let tip = if tip.is_empty() { "HEAD" } else { tip };
    let c = repo?.revparse_single(tip).ok()?.peel_to_commit().ok()?;
    let email = c.author().email().map(str::to_string);
    email
}

/// `scan -`: stdin read whole (up to `settings.max_file_size`) and judged as one item
/// named `name`.
fn scan_stdin(engine: &Engine, name: &str) -> std::io::Result<(Vec<crate::report::Finding>, fs::Totals)> {
    use std::io::Read;
    let max = engine.policy.settings.max_file_size;
    let mut data = Vec::new();
    std::io::stdin().lock().take(max.saturating_add(1)).read_to_end(&mut data)?;
    let meta = crate::engine::ItemMeta { path: name.to_string(), ..Default::default() };
    if data.len() as u64 > max {
        let f = engine.unscannable(&meta, name, &format!("stdin is larger than settings.max_file_size ({max} bytes)"));
        return Ok((vec![f], fs::Totals { files: 1, bytes: data.len() as u64 }));
    }
    let scan = engine.scanner.scan_bytes(name, &data);
    let mut findings = engine.judge(&meta, &scan);
    Engine::bind_content(&mut findings, &data);
    Ok((findings, fs::Totals { files: 1, bytes: scan.bytes }))
}

fn read_baseline(path: &PathBuf) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| format!("invalid baseline: {e}"))?;
    Ok(b.accepted.into_iter().map(|e| e.digest).collect())
}
