//! `leakguard hook pre-commit|pre-push|pre-receive`: the git hook protocols.
//!
//! Each hook reads what git passes (arguments, stdin lines, environment), scans what
//! the step records or transfers from the object database, applies approvals, prints
//! the report on stderr (git shows it; on a server as `remote:` lines) and exits 0 to
//! let the step through or 1 to stop it. Any error stops it too (exit 3, fail closed).

use std::collections::HashSet;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Subcommand;
use git2::{Oid, Repository};

use super::{exit, Global};
use crate::approval::{self, Scope};
use crate::engine::Engine;
use crate::report::{self, Finding, Report};
use crate::source::git;

// The variants are git's hook names, which all start with "pre".
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Subcommand)]
pub enum HookCmd {
    /// Scan the staged blobs (index vs HEAD). With FILES (what the pre-commit framework
    /// passes, also for `run --all-files` / `--files`): each file's staged blob when it is
    /// in the index, else the working-tree file (symlinks not followed).
    #[command(after_help = "Installed by `leakguard install`, or run by the pre-commit framework.")]
    PreCommit { files: Vec<String> },
    /// Scan the commits a push sends: reads git's `<local ref> <local oid> <remote ref>
    /// <remote oid>` lines; under the pre-commit framework, PRE_COMMIT_FROM_REF/TO_REF.
    PrePush { remote: Option<String>, url: Option<String> },
    /// Server side: scan the commits a push brings (`<old> <new> <ref>` lines on stdin);
    /// honours push options (`git push -o leakguard-approval=...`).
    PreReceive,
}

pub fn run(g: &Global, cmd: HookCmd) -> u8 {
    let started = Instant::now();
    let outcome = match cmd {
        HookCmd::PreCommit { files } => pre_commit(g, &files),
        HookCmd::PrePush { remote, url } => pre_push(g, remote, url),
        HookCmd::PreReceive => pre_receive(g),
    };
    match outcome {
        Ok(Some(mut rep)) => {
            rep.stats.elapsed_ms = started.elapsed().as_millis() as u64;
            finish(g, &rep)
        }
        Ok(None) => exit::ALLOW,
        Err(CodeOr::Code(c)) => c,
        Err(CodeOr::Msg(m)) => {
            eprintln!("leakguard: {m}");
            eprintln!("leakguard: failing closed: the step is stopped (fix the problem, or bypass locally with --no-verify where policy allows)");
            exit::INTERNAL
        }
    }
}

enum CodeOr {
    Code(u8),
    Msg(String),
}

impl From<git2::Error> for CodeOr {
    fn from(e: git2::Error) -> Self {
        CodeOr::Msg(format!("git: {}", e.message()))
    }
}

impl From<String> for CodeOr {
    fn from(e: String) -> Self {
        CodeOr::Msg(e)
    }
}

fn finish(g: &Global, rep: &Report) -> u8 {
    let mut style = g.style();
    style.color = matches!(g.color, super::Color::Always);
    let mut buf = Vec::new();
    let r = match g.format {
        report::Format::Human => {
            report::render(rep, g.format, &style, &mut buf).map(|_| eprint!("{}", String::from_utf8_lossy(&buf)))
        }
        _ => report::to_stdout(|w| report::render(rep, g.format, &style, w)),
    };
    if let Err(e) = r {
        eprintln!("leakguard: cannot write the report: {e}");
        return exit::INTERNAL;
    }
    match rep.verdict() {
        report::Verdict::Block => exit::BLOCK,
        _ => exit::ALLOW,
    }
}

/// Where the repository's files are (work tree, or the git dir of a bare repository).
fn root_of(repo: &Repository) -> PathBuf {
    repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf()
}

struct Prepared<'p> {
    engine: Engine<'p>,
    root: PathBuf,
}

fn prepare<'p>(g: &Global, policy: &'p crate::policy::Policy, root: &Path) -> Prepared<'p> {
    let mut engine = Engine::new(policy, Default::default());
    engine.scanner.redact = !g.no_redact;
    Prepared { engine, root: root.to_path_buf() }
}

/// Who and what a git step is about, for approvals.
#[derive(Default)]
pub(crate) struct Step {
    /// Identities that may not approve (authors and committers of pushed commits).
    excluded: Vec<String>,
    push_options: Vec<String>,
    /// The pushed tip (a push), else HEAD names the repository.
    tip: Option<Oid>,
    /// The authenticated pusher on a server.
    pusher: Option<String>,
}

/// Applies approvals for a git step (only when something blocks). `tip` names the
/// repository by its root commit when the step is a push; otherwise HEAD does.
pub(crate) fn approvals(repo: &Repository, root: &Path, policy: &crate::policy::Policy, step: Step, rep: &mut Report) {
    if !rep.findings.iter().any(|f| f.blocks()) {
        return;
    }
    let Step { mut excluded, push_options, tip, pusher } = step;
    // On a server, the authenticated pusher may not approve what they push, whoever
    // the commits name as author.
    excluded.extend(pusher);
    // For a push the requester is the author of the pushed tip — what both the client's
    // pre-push and the server's pre-receive can know; at commit time it is the actor,
    // whose user.email becomes the author.
    let actor = tip
        .and_then(|t| repo.find_commit(t).ok())
        .and_then(|c| c.author().email().map(str::to_string))
        .unwrap_or_else(|| super::exec::current_actor(Some(root)));
    // Approvals committed under `.leakguard/approvals/` travel in the pushed tree: read
    // from the object database and kept in memory (names from content are never paths).
    let carried = tip.map(|t| carried_approvals(repo, t)).unwrap_or_default();
    let approval_dirs = vec![root.join(".leakguard/approvals"), repo.path().join("leakguard/approvals")];
    let cx = approval::Context {
        policy,
        scope: Scope::Git { repo: git::repo_id(repo, tip) },
        actor,
        excluded,
        approval_dirs,
        push_options,
        carried,
        requests_dir: Some(repo.path().join("leakguard/requests")),
        audit_log: Some(policy.settings.audit_log.clone().unwrap_or_else(|| repo.path().join("leakguard/audit.jsonl"))),
    };
    if let Err(e) = approval::apply(&cx, rep) {
        eprintln!("leakguard: approvals could not be checked: {e}");
    }
    rep.requests_dir = cx.requests_dir.clone();
    rep.explain_approvers(policy);
}

/// `.leakguard/approvals/**` of a pushed commit's tree, as validated in-memory files
/// (entries whose names are not plain request ids / file names are ignored).
fn carried_approvals(repo: &Repository, tip: Oid) -> Vec<approval::CarriedFile> {
    git::tree_files(repo, tip, ".leakguard/approvals", approval::MAX_REQUEST_BYTES, 4096)
        .into_iter()
        .filter_map(|f| {
            let rel = if f.dir.is_empty() { f.name.clone() } else { format!("{}/{}", f.dir, f.name) };
            let origin = format!("pushed tree {tip}:.leakguard/approvals/{rel}");
            approval::CarriedFile::new(&f.dir, &f.name, f.bytes, origin)
        })
        .collect()
}

fn pre_commit(g: &Global, files: &[String]) -> Result<Option<Report>, CodeOr> {
    let repo = match git::open() {
        Ok(r) => r,
        Err(e) => return pre_commit_cli(g, files, e),
    };
    let root = root_of(&repo);
    // Without names, git lists the staged blobs while the policy loads.
    let staged = files.is_empty().then(|| git::StagedQuery::start(&repo, &[]));
    let policy = g.load_policy(&root).map_err(CodeOr::Code)?;
    let p = prepare(g, &policy, &root);
    let dest = git::head_destination(&repo);
    // Names (the pre-commit framework: `run --all-files`, `--files X`, the commit
    // stage) are scanned as what they name; without names, the staged changes.
    let (findings, totals) = match staged {
        Some(staged) => {
            let items = staged.finish(&repo)?;
            crate::report::log::debug("staged.listed", &[("items", &items.len())]);
            git::scan_in(&repo, &p.engine, &items, &dest, &git::open)
        }
        None => git::named::scan(&p.engine, &repo, files, &dest)?,
    };
    crate::report::log::debug("scan.done", &[("findings", &findings.len()), ("bytes", &totals.bytes)]);
    let mut rep = report_of(findings, totals);
    approvals(&repo, &p.root, &policy, Step::default(), &mut rep);
    crate::report::log::debug("approvals.done", &[]);
    Ok(Some(rep))
}

/// A repository libgit2 cannot open (SHA-256 objects, reftable refs) but git can:
/// the staged blobs, or the named files, through the git CLI (no approvals: they need
/// libgit2).
fn pre_commit_cli(g: &Global, files: &[String], open_err: String) -> Result<Option<Report>, CodeOr> {
    let repo = git::cli_only::CliRepo::open().ok_or(open_err)?;
    let policy = g.load_policy(&repo.root()).map_err(CodeOr::Code)?;
    let p = prepare(g, &policy, &repo.root());
    let dest = repo.head_destination();
    let (findings, totals) = if files.is_empty() {
        git::cli_only::staged_scan(&p.engine, &repo, &[], &dest)?
    } else {
        git::cli_only::named_scan(&p.engine, &repo, files, &dest)?
    };
    Ok(Some(report_of(findings, totals)))
}

/// (blob, path) pairs already judged, per set of stores a destination allows: a commit
/// judged for `main` is not judged again for `dev`, but is for `secure/*`.
type Seen = std::collections::HashMap<String, HashSet<(Oid, String)>>;

/// One ref update: what to scan and where it goes.
struct Update {
    local: Oid,
    remote: Oid,
    remote_ref: String,
}

fn pre_push(g: &Global, remote: Option<String>, _url: Option<String>) -> Result<Option<Report>, CodeOr> {
    let repo = git::open()?;
    let root = root_of(&repo);
    let remote_name =
        remote.or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok()).unwrap_or_else(|| "origin".into());
    let mut updates = Vec::new();
    for line in stdin_lines()? {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [_local_ref, local, remote_ref, remote_oid] = f[..] else {
            return Err(CodeOr::Msg(format!("unexpected pre-push input line: {line:?}")));
        };
        let local = Oid::from_str(local)?;
        if local.is_zero() {
            continue; // a deletion sends no content
        }
        updates.push(Update { local, remote: Oid::from_str(remote_oid)?, remote_ref: remote_ref.to_string() });
    }
    if updates.is_empty() {
        // The pre-commit framework passes refs in the environment instead of stdin.
        if let Some(to) = std::env::var("PRE_COMMIT_TO_REF").ok().filter(|s| !s.is_empty()) {
            let local = repo.revparse_single(&to)?.id();
            let remote = match std::env::var("PRE_COMMIT_FROM_REF").ok().filter(|s| !s.is_empty()) {
                Some(from) => repo.revparse_single(&from)?.id(),
                None => Oid::zero(),
            };
            let remote_ref = std::env::var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_else(|_| "refs/heads/unknown".into());
            updates.push(Update { local, remote, remote_ref });
        }
    }
    if updates.is_empty() {
        return Ok(None);
    }
    let policy = g.load_policy(&root).map_err(CodeOr::Code)?;
    let p = prepare(g, &policy, &root);
    let mut seen = Seen::default();
    let mut rep = Report::default();
    let mut all_commits = Vec::new();
    for u in &updates {
        let dest = format!("git:{}", u.remote_ref);
        let key = p.engine.destination_stores(&dest).join(",");
        let same = |r: &str| p.engine.destination_stores(&format!("git:{r}")).join(",") == key;
        let commits = git::pushed_commits(&repo, u.local, u.remote, &remote_name, &same)?;
        let mut items = git::ref_objects(&repo, u.local, &u.remote_ref)?;
        items.extend(git::introduced(&repo, &commits, seen.entry(key).or_default())?);
        let (findings, totals) = git::scan(&p.engine, &items, &dest, &git::open, None);
        rep.findings.extend(findings);
        rep.stats.files += totals.items;
        rep.stats.bytes += totals.bytes;
        all_commits.extend(commits);
    }
    rep.sort();
    let excluded = git::identities(&repo, &all_commits);
    let step = Step { excluded, tip: updates.first().map(|u| u.local), ..Default::default() };
    approvals(&repo, &p.root, &policy, step, &mut rep);
    Ok(Some(rep))
}

fn pre_receive(g: &Global) -> Result<Option<Report>, CodeOr> {
    let repo = git::open()?;
    let root = repo.path().to_path_buf(); // the git directory, never a work tree the push updates
                                          // The server's own policy: --policy (recorded in the hook) or files in the git
                                          // directory — never the pusher's environment, the pushed tree, or a work tree the
                                          // push updates (receive.denyCurrentBranch=updateInstead).
    let policy = g.load_server_policy(repo.path()).map_err(CodeOr::Code)?;
    let p = prepare(g, &policy, &root);
    let mut seen = Seen::default();
    let mut rep = Report::default();
    let mut all_commits = Vec::new();
    let mut tips = Vec::new();
    for line in stdin_lines()? {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [_old, new, refname] = f[..] else {
            return Err(CodeOr::Msg(format!("unexpected pre-receive input line: {line:?}")));
        };
        let new = Oid::from_str(new)?;
        if new.is_zero() {
            continue; // branch deletion
        }
        tips.push(new);
        let dest = format!("git:{refname}");
        let key = p.engine.destination_stores(&dest).join(",");
        let same = |r: &str| p.engine.destination_stores(&format!("git:{r}")).join(",") == key;
        let commits = git::received_commits(&repo, new, &same)?;
        let mut items = git::ref_objects(&repo, new, refname)?;
        items.extend(git::introduced(&repo, &commits, seen.entry(key).or_default())?);
        let (findings, totals) = git::scan(&p.engine, &items, &dest, &git::open, None);
        rep.findings.extend(findings);
        rep.stats.files += totals.items;
        rep.stats.bytes += totals.bytes;
        all_commits.extend(commits);
    }
    rep.sort();
    let options: Vec<String> =
        (0..std::env::var("GIT_PUSH_OPTION_COUNT").ok().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0))
            .filter_map(|i| std::env::var(format!("GIT_PUSH_OPTION_{i}")).ok())
            .collect();
    let excluded = git::identities(&repo, &all_commits);
    let pusher = policy.settings.pusher();
    if rep.findings.iter().any(|f| f.blocks()) {
        match &pusher {
            Some((var, who)) => eprintln!("leakguard: pusher {} (from ${var}) may not approve this push", report::escape(who)),
            None => eprintln!(
                "leakguard: no authenticated pusher (none of ${} is set): approvals are limited to commit metadata (author, committer)",
                policy.settings.pusher_env.join(", $")
            ),
        }
    }
    let step = Step { excluded, push_options: options, tip: tips.first().copied(), pusher: pusher.map(|p| p.1) };
    approvals(&repo, &p.root, &policy, step, &mut rep);
    if rep.verdict() == report::Verdict::Block {
        eprintln!("leakguard: push rejected by policy; nothing was stored");
    }
    Ok(Some(rep))
}

fn report_of(findings: Vec<Finding>, totals: git::Totals) -> Report {
    let mut rep = Report { findings, ..Default::default() };
    rep.stats.files = totals.items;
    rep.stats.bytes = totals.bytes;
    rep.sort();
    rep
}

/// Non-empty lines of stdin (none when stdin is a terminal).
fn stdin_lines() -> Result<Vec<String>, CodeOr> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(Vec::new());
    }
    let mut s = String::new();
    stdin.lock().read_to_string(&mut s).map_err(|e| CodeOr::Msg(format!("cannot read stdin: {e}")))?;
    Ok(s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
}
