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
    /// With --history: only the commits reachable from these branches or refs
    /// (repeatable; default every ref).
    #[arg(long, value_name = "REF", requires = "history")]
    pub branch: Vec<String>,
    /// With --history: only commits committed at or after this time (YYYY-MM-DD,
    /// RFC 3339, or seconds since the epoch).
    #[arg(long, value_name = "TIME", requires = "history")]
    pub since: Option<String>,
    /// With --history: only commits committed at or before this time.
    #[arg(long, value_name = "TIME", requires = "history")]
    pub until: Option<String>,
    /// With --history: enumerate by per-commit tree diffs (the former strategy; for
    /// comparison and benchmarks).
    #[arg(long, hide = true, requires = "history")]
    pub per_commit: bool,
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
    // `--format jsonl` of a history scan: each finding is written as soon as it is
    // judged (a long scan shows results early); the report line follows at the end.
    let streamed = g.format == report::Format::Jsonl && a.history;
    let stdout_closed = std::sync::atomic::AtomicBool::new(false);
    let stream_finding = |found: &[crate::report::Finding]| {
        use std::io::Write;
        use std::sync::atomic::Ordering::Relaxed;
        if found.is_empty() || stdout_closed.load(Relaxed) {
            return;
        }
        let mut w = std::io::stdout().lock();
        let r = found.iter().try_for_each(|f| report::json::finding_line(f, &mut w)).and_then(|_| w.flush());
        if r.is_err() {
            // A closed pipe: the rest of the scan still decides the exit status.
            stdout_closed.store(true, Relaxed);
        }
    };
    let (findings, totals) = if stdin {
        match scan_stdin(&engine, &a.stdin_name) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: cannot read stdin: {e}");
                return exit::INTERNAL;
            }
        }
    } else if a.staged || a.range.is_some() || a.history {
        match scan_git(&engine, &a, streamed.then_some(&stream_finding as &(dyn Fn(&[_]) + Sync))) {
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
    let written = if streamed {
        report::to_stdout(|w| report::json::report_line(&rep, w))
    } else {
        report::to_stdout(|w| report::render(&rep, g.format, &style, w))
    };
    if let Err(e) = written {
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
fn scan_git(
    engine: &Engine,
    a: &ScanArgs,
    sink: Option<crate::source::git::history::Sink<'_>>,
) -> Result<(Vec<crate::report::Finding>, fs::Totals), String> {
    use crate::source::git;
    let repo = match git::open() {
        Ok(r) => r,
        // SHA-256 or reftable repositories: libgit2 cannot open them; git can.
        Err(e) if a.staged => {
            let cli = git::cli_only::CliRepo::open().ok_or(e)?;
            let dest = cli.head_destination();
            let (f, t) = git::cli_only::staged_scan(engine, &cli, &[], &dest)?;
            return Ok((f, fs::Totals { files: t.items, bytes: t.bytes }));
        }
        Err(e) => return Err(e),
    };
    let ge = |e: git2::Error| e.message().to_string();
    if a.staged {
        let items = git::staged(&repo, &[]).map_err(ge)?;
        let (f, t) = git::scan(engine, &items, &git::head_destination(&repo), &git::open, None);
        return Ok((f, fs::Totals { files: t.items, bytes: t.bytes }));
    }
    if let Some(r) = &a.range {
        let commits = git::range_commits(&repo, r).map_err(ge)?;
        let items = git::introduced(&repo, &commits, &mut Default::default()).map_err(ge)?;
        let (f, t) = git::scan(engine, &items, "", &git::open, None);
        return Ok((f, fs::Totals { files: t.items, bytes: t.bytes }));
    }
    // --history
    git::history::tune_libgit2();
    let since = a.since.as_deref().map(parse_time).transpose()?;
    let until = a.until.as_deref().map(parse_time).transpose()?;
    let dated = since.is_some() || until.is_some();
    let listed = (!a.per_commit && !dated).then(|| git::history::Prelisting::start(repo.path()));
    let mut commits = if a.branch.is_empty() {
        git::all_commits(&repo).map_err(ge)?
    } else {
        git::commits_of(&repo, &a.branch).map_err(ge)?
    };
    if std::env::var_os("LEAKGUARD_TIMINGS").is_some() {
        eprintln!("leakguard: {} commits walked", commits.len());
    }
    if dated {
        commits.retain(|c| {
            let t = repo.find_commit(*c).map(|c| c.time().seconds()).unwrap_or(0);
            since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u)
        });
    }
    let bar = std::io::stderr().is_terminal().then(HistoryBar::new);
    let (findings, t) = if a.per_commit || dated {
        // A commit set that is not closed under parents: each commit's diff against its
        // parents says what it introduces.
        let mut items = if a.per_commit {
            git::introduced_per_commit(&repo, &commits, &mut Default::default()).map_err(ge)?
        } else {
            git::introduced(&repo, &commits, &mut Default::default()).map_err(ge)?
        };
        if a.branch.is_empty() && !dated {
            items.extend(git::all_ref_objects(&repo).map_err(ge)?);
        }
        // A history is not one change: its pieces are not judged as a union.
        let (f, t, _) = git::scan_pieces(engine, &items, "", &git::open);
        if let Some(s) = sink {
            s(&f);
        }
        (f, t)
    } else {
        let progress = bar.as_ref().map(|b| b as &dyn git::history::Progress);
        git::history::scan_history(engine, &repo, &commits, a.branch.is_empty(), listed, progress, sink)?
    };
    if let Some(b) = bar {
        b.0.finish_and_clear();
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

/// `YYYY-MM-DD` (UTC midnight), RFC 3339, or seconds since the epoch.
fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let day = time::format_description::parse_borrowed::<2>("[year]-[month]-[day]").map_err(|e| e.to_string())?;
    time::Date::parse(s, &day)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| format!("{s:?}: expected YYYY-MM-DD, RFC 3339 or seconds since the epoch"))
}

/// The history progress bar on a terminal: bytes with ETA, and objects.
struct HistoryBar(indicatif::ProgressBar, std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64);

impl HistoryBar {
    fn new() -> HistoryBar {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {msg} {elapsed} eta {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        HistoryBar(b, Default::default(), Default::default())
    }
}

impl crate::source::git::history::Progress for HistoryBar {
    fn start(&self, objects: u64, bytes: u64) {
        self.2.store(objects, std::sync::atomic::Ordering::Relaxed);
        self.0.set_length(bytes);
    }
    fn advance(&self, objects: u64, bytes: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let done = self.1.fetch_add(objects, Relaxed) + objects;
        self.0.inc(bytes);
        if done.is_multiple_of(1024) || done == self.2.load(Relaxed) {
            self.0.set_message(format!("{done}/{} objects", self.2.load(Relaxed)));
        }
    }
}

fn read_baseline(path: &PathBuf) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| format!("invalid baseline: {e}"))?;
    Ok(b.accepted.into_iter().map(|e| e.digest).collect())
}
