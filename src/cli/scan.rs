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
    /// Files or directories (default `.`).
    pub paths: Vec<PathBuf>,
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
    /// Where request files of blocked findings are written (default
    /// `$GIT_DIR/leakguard/requests`; outside a repository, nowhere).
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
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            eprintln!("error: {}: no such file or directory", p.display());
            return exit::USAGE;
        }
    }
    let root = super::find_root(&paths[0]);
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
    let (findings, totals) = if a.staged || a.range.is_some() || a.history {
        match scan_git(&engine, &a) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        }
    } else {
        let targets = fs::walk(&paths, fs::WalkOpts { respect_ignore: !a.no_ignore });
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
            actor: crate::approval::actor(Some(&root)),
            excluded: Vec::new(),
            approval_dirs,
            push_options: Vec::new(),
            carried: Vec::new(),
            requests_dir: a.requests.clone().or_else(|| git_dir.map(|d| d.join("leakguard/requests"))),
            audit_log: None,
        };
        if let Err(e) = crate::approval::apply(&cx, &mut rep) {
            eprintln!("leakguard: approvals could not be checked: {e}");
        }
    }
    rep.stats.files = totals.files;
    rep.stats.bytes = totals.bytes;
    rep.stats.elapsed_ms = start.elapsed().as_millis() as u64;
    rep.sort();
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

/// `--staged`, `--range`, `--history`: blobs from the object database, each once.
fn scan_git(engine: &Engine, a: &ScanArgs) -> Result<(Vec<crate::report::Finding>, fs::Totals), String> {
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
    let since = a.since.as_deref().map(parse_time).transpose()?;
    let until = a.until.as_deref().map(parse_time).transpose()?;
    let mut commits = if a.branch.is_empty() {
        git::all_commits(&repo).map_err(ge)?
    } else {
        git::commits_of(&repo, &a.branch).map_err(ge)?
    };
    let dated = since.is_some() || until.is_some();
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
        git::scan(engine, &items, "", &git::open, None)
    } else {
        let progress = bar.as_ref().map(|b| b as &dyn git::history::Progress);
        git::history::scan_history(engine, &repo, &commits, a.branch.is_empty(), progress)?
    };
    if let Some(b) = bar {
        b.0.finish_and_clear();
    }
    Ok((findings, fs::Totals { files: t.items, bytes: t.bytes }))
}

/// `YYYY-MM-DD` (UTC midnight), RFC 3339, or seconds since the epoch.
fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
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
