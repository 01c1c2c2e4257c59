//! `leakguard approval request|sign|verify|list`: create a request for what is staged,
//! sign one with an SSH key, explain per signature why it counts or not, list requests.
//!
//! Owns the approval subcommands' arguments and output; the logic is in
//! [`crate::approval`]. Never prints a sensitive value (requests hold hashes only).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{exit, Global};
use crate::approval::{self, Request, Scope};
use crate::engine::Engine;
use crate::policy::Policy;
use crate::report::Report;
use crate::source::git;
use crate::text::escape;

#[derive(Debug, Subcommand)]
pub enum ApprovalCmd {
    /// Create the request for what is staged now, with a reason, and print its id.
    #[command(after_help = "Examples:\n  \
        leakguard approval request --reason \"quarterly report for the auditors\"\n  \
        leakguard approval request --break-glass --reason \"incident 4711: regulator deadline today\"\n\n\
        The request file is written to $GIT_DIR/leakguard/requests/<id>.json (hashes only).\n\
        --break-glass asks for the policy's break-glass path (approvals.break_glass):\n\
        one approver of its roles suffices, and the audit log records it loudly.")]
    Request {
        /// An existing request (id or file, e.g. one `leakguard exec` printed) to re-issue
        /// with the reason; default: a new request for what is staged.
        request: Option<String>,
        /// Why the content must go through (shown to approvers, signed with the request).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        places: Places,
        /// Ask for break-glass: one approver of the policy's break-glass roles.
        #[arg(long)]
        break_glass: bool,
    },
    /// Sign a request with an SSH key; writes `<approvals>/<id>/<principal>.sig`.
    #[command(after_help = "Examples:\n  \
        leakguard approval sign lgr1-abc… --key ~/.ssh/id_ed25519\n  \
        leakguard approval sign lgr1-abc… --key ~/.ssh/id_ed25519 --approvals .leakguard/approvals   # to commit with the change\n  \
        ssh-keygen -Y sign -n leakguard-approval -f ~/.ssh/id_ed25519 .git/leakguard/requests/lgr1-abc….json\n  \
        mv .git/leakguard/requests/lgr1-abc….json.sig .git/leakguard/approvals/lgr1-abc…/you@corp.test.sig   # equivalent")]
    Sign {
        /// Request id, or a request file.
        request: String,
        /// OpenSSH private key (ed25519 or ecdsa p256, unencrypted).
        #[arg(long)]
        key: PathBuf,
        /// Who signs (default: the actor: $LEAKGUARD_ACTOR, git user.email, OS user).
        #[arg(long)]
        principal: Option<String>,
        /// Approvals directory (default `$GIT_DIR/leakguard/approvals`; exec requests:
        /// `$XDG_STATE_HOME/leakguard/approvals`).
        #[arg(long, value_name = "DIR")]
        approvals: Option<PathBuf>,
        #[command(flatten)]
        places: Places,
    },
    /// Explain, per signature, whether it counts; exit 0 when the request is approved.
    #[command(after_help = "Examples:\n  \
        leakguard approval verify lgr1-abc…\n  \
        leakguard approval verify ~/.local/state/leakguard/requests/lgr1-abc….json --approvals ~/.local/state/leakguard/approvals\n\n\
        Each signature gets one line: ✓ counts, or ✗ and the reason it does not.\n\
        Exit 0: approved; 1: not (yet) approved; 2: unknown request.")]
    Verify {
        /// Request id, or a request file.
        request: String,
        /// Extra approvals directory (repeatable).
        #[arg(long, value_name = "DIR")]
        approvals: Vec<PathBuf>,
        /// Audit log to check single-use exec approvals against (default: the policy's).
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        #[command(flatten)]
        places: Places,
    },
    /// Print a push option carrying the request and its signatures to a server.
    #[command(after_help = "Examples:\n  \
        git push -o \"$(leakguard approval bundle lgr1-abc…)\" origin main\n\n\
        The server must advertise push options (git config receive.advertisePushOptions true);\n\
        its pre-receive hook checks the signatures against its own allowed_signers.")]
    Bundle {
        /// Request id, or a request file.
        request: String,
        /// Extra approvals directory (repeatable).
        #[arg(long, value_name = "DIR")]
        approvals: Vec<PathBuf>,
        #[command(flatten)]
        places: Places,
    },
    /// List requests and their approvals.
    #[command(
        after_help = "Examples:\n  leakguard approval list\n  leakguard approval list --requests ~/.local/state/leakguard/requests"
    )]
    List {
        /// Extra approvals directory (repeatable).
        #[arg(long, value_name = "DIR")]
        approvals: Vec<PathBuf>,
        #[command(flatten)]
        places: Places,
    },
}

#[derive(Debug, Args)]
pub struct Places {
    /// Requests directory (default `$GIT_DIR/leakguard/requests`, and exec's).
    #[arg(long, value_name = "DIR")]
    pub requests: Option<PathBuf>,
}

/// Where requests and approvals are looked for by default.
struct Dirs {
    requests: Vec<PathBuf>,
    approvals: Vec<PathBuf>,
    git_approvals: PathBuf,
    exec_approvals: PathBuf,
}

pub fn run(g: &Global, cmd: ApprovalCmd) -> u8 {
    let (root, policy) = match g.load_here() {
        Ok(x) => x,
        Err(c) => return c,
    };
    let repo = git::open().ok();
    let git_dir = repo.as_ref().map(|r| r.path().to_path_buf()).unwrap_or_else(|| root.join(".git"));
    let state = super::exec::state_dir();
    let dirs = |places: &Places, extra: &[PathBuf]| {
        let mut requests: Vec<PathBuf> = places.requests.iter().cloned().collect();
        requests.extend([git_dir.join("leakguard/requests"), state.join("requests")]);
        let mut approvals =
            vec![root.join(".leakguard/approvals"), git_dir.join("leakguard/approvals"), state.join("approvals")];
        approvals.extend(extra.iter().cloned());
        Dirs {
            requests,
            approvals,
            git_approvals: git_dir.join("leakguard/approvals"),
            exec_approvals: state.join("approvals"),
        }
    };
    match cmd {
        ApprovalCmd::Request { request: Some(request), reason, break_glass, places } => {
            if reason.trim().is_empty() {
                return fail("--reason must say why the content must go through");
            }
            let d = dirs(&places, &[]);
            let old = match load_request(&request, &d) {
                Ok(r) => r,
                Err(e) => return fail(&e),
            };
            let actor = approval::actor(Some(&root));
            if !actor.eq_ignore_ascii_case(old.requester()) {
                return fail(&format!(
                    "request {} is {}'s: only the requester gives its reason",
                    old.id,
                    old.requester()
                ));
            }
            let ttl = (old.expires_at - old.created_at).max(1);
            let req = if break_glass {
                Request::break_glass(old.subject.clone(), ttl, reason.trim())
            } else {
                Request::new(old.subject.clone(), ttl, reason.trim())
            };
            let dir = places.requests.clone().unwrap_or(if req.scope_kind() == "exec" {
                state.join("requests")
            } else {
                git_dir.join("leakguard/requests")
            });
            let path = dir.join(format!("{}.json", req.id));
            if let Err(e) = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, &req.bytes)) {
                return fail(&format!("cannot write the request: {e}"));
            }
            println!("{}", req.id);
            eprintln!(
                "request re-issued with the reason in {} (expires {})",
                path.display(),
                approval::format_time(req.expires_at)
            );
            exit::ALLOW
        }
        ApprovalCmd::Request { request: None, reason, break_glass, .. } => {
            let Some(repo) = repo else {
                return fail("approval request without a request id runs inside a git repository (for an exec request: `leakguard approval request ID --reason …`)");
            };
            if reason.trim().is_empty() {
                return fail("--reason must say why the content must go through");
            }
            if break_glass && policy.approvals.break_glass.is_none() {
                return fail("break-glass is off: the policy does not enable approvals.break_glass");
            }
            let requests_dir = git_dir.join("leakguard/requests");
            let engine = Engine::new(&policy, Default::default());
            let items = match git::staged(&repo, &[]) {
                Ok(i) => i,
                Err(e) => return fail(e.message()),
            };
            let (findings, _) = git::scan(&engine, &items, &git::head_destination(&repo), &git::open, None);
            let rep = Report { findings, ..Default::default() };
            let cx = approval::Context {
                policy: &policy,
                scope: Scope::Git { repo: git::repo_id(&repo, None) },
                actor: approval::actor(Some(&root)),
                excluded: Vec::new(),
                approval_dirs: Vec::new(),
                push_options: Vec::new(),
                carried: Vec::new(),
                requests_dir: Some(requests_dir.clone()),
                audit_log: None,
            };
            let (_, rules, subj) = approval::request_subject(&cx, &rep);
            let Some(subj) = subj else {
                println!("nothing staged needs an approval");
                return exit::ALLOW;
            };
            let ttl = rules
                .iter()
                .filter_map(|r| policy.override_of(r).map(|o| o.ttl.as_secs() as i64))
                .min()
                .unwrap_or(policy.approvals.default_ttl.as_secs() as i64);
            let req = if break_glass {
                Request::break_glass(subj, ttl, reason.trim())
            } else {
                Request::new(subj, ttl, reason.trim())
            };
            let path = requests_dir.join(format!("{}.json", req.id));
            if let Err(e) = std::fs::create_dir_all(&requests_dir).and_then(|_| std::fs::write(&path, &req.bytes)) {
                return fail(&format!("cannot write the request: {e}"));
            }
            println!("{}", req.id);
            eprintln!("request written to {} (expires {})", path.display(), approval::format_time(req.expires_at));
            eprintln!("approvers: leakguard approval sign {} --key ~/.ssh/id_ed25519", req.id);
            exit::ALLOW
        }
        ApprovalCmd::Sign { request, key, principal, approvals, places } => {
            let d = dirs(&places, &[]);
            let req = match load_request(&request, &d) {
                Ok(r) => r,
                Err(e) => return fail(&e),
            };
            if req.expired() {
                return fail(&format!(
                    "request {} expired at {}: ask {} to run the step again (or `leakguard approval request`) for a fresh one",
                    req.id,
                    approval::format_time(req.expires_at),
                    req.requester()
                ));
            }
            let principal = principal.unwrap_or_else(|| approval::actor(Some(&root)));
            if !safe_file_name(&principal) {
                return fail(&format!("principal `{principal}` cannot name a signature file"));
            }
            let (pem, fingerprint) = match approval::sign(&req.bytes, &key, &policy.approvals.namespace) {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            match approval::listed(&policy, &principal, &fingerprint) {
                Ok(true) => {}
                Ok(false) => eprintln!(
                    "warning: key {fingerprint} is not listed for {principal} in allowed_signers: this signature will not count"
                ),
                Err(e) => eprintln!("warning: {e}: this signature cannot be checked"),
            }
            let asked = approval::reason_missing(&policy, &req);
            let missing: Vec<String> = asked
                .iter()
                .filter(|r| policy.rule(r).and_then(|x| x.override_.as_ref()).is_some_and(|o| o.reason_enforced))
                .cloned()
                .collect();
            if missing.is_empty() && !asked.is_empty() {
                eprintln!(
                    "note: rule {} asks for a reason and this request gives none (the requester can add one: `leakguard approval request --reason …`)",
                    asked.join(", ")
                );
            }
            if !missing.is_empty() {
                return fail(&format!(
                    "rule {} asks for a reason and request {} gives none: nothing was signed (the requester adds one: `leakguard approval request {} --reason …`)",
                    missing.join(", "),
                    req.id,
                    req.id
                ));
            }
            if principal.eq_ignore_ascii_case(req.requester()) {
                eprintln!("warning: {principal} is the requester: this signature will not count");
            }
            let base = approvals.unwrap_or(if req.scope_kind() == "exec" { d.exec_approvals } else { d.git_approvals });
            let dir = base.join(&req.id);
            let out = dir.join(format!("{principal}.sig"));
            // The request travels with its signatures, so a server can verify them too.
            let r = approval::keep_request_copy(&dir, &req)
                .and_then(|_| crate::safe_fs::write_file(&dir, &format!("{principal}.sig"), pem.as_bytes(), 2));
            if let Err(e) = r {
                return fail(&format!("cannot write {}: {e}", out.display()));
            }
            println!("{}", out.display());
            exit::ALLOW
        }
        ApprovalCmd::Verify { request, approvals, log, places } => {
            let d = dirs(&places, &approvals);
            let req = match load_request(&request, &d) {
                Ok(r) => r,
                Err(e) => return fail(&e),
            };
            println!("request {} by {}", req.id, escape(req.requester()));
            println!(
                "  {} scope, created {}, expires {}{}",
                if req.scope_kind().is_empty() { "unknown" } else { req.scope_kind() },
                approval::format_time(req.created_at),
                approval::format_time(req.expires_at),
                if req.expired() { " (expired)" } else { "" }
            );
            if !req.reason.is_empty() {
                println!("  reason: {}", escape(&req.reason));
            } else if !approval::reason_missing(&policy, &req).is_empty() {
                println!("  reason: none given (the rule asks for one: `leakguard approval request --reason …`)");
            }
            if req.break_glass {
                println!("  BREAK-GLASS requested");
            }
            let log =
                log.or_else(|| crate::exec::flow::audit_log(&policy)).unwrap_or_else(|| state.join("audit.jsonl"));
            let ok = explain(&policy, &req, &d, &log, "  ");
            if req.scope_kind() == "exec" {
                if let Err(why) = crate::exec::flow::single_use_enforced(&policy) {
                    println!("  single use not enforced here: {why}");
                }
            }
            if ok {
                println!("approved");
                exit::ALLOW
            } else {
                println!("not approved");
                exit::BLOCK
            }
        }
        ApprovalCmd::Bundle { request, approvals, places } => {
            let d = dirs(&places, &approvals);
            let req = match load_request(&request, &d) {
                Ok(r) => r,
                Err(e) => return fail(&e),
            };
            let mut reqs = vec![req.clone()];
            for other in others(&req.id, &d) {
                if !reqs.iter().any(|r| r.bytes == other.bytes) {
                    reqs.push(other);
                }
            }
            let sigs = approval::find_signatures(&req.id, &d.approvals, &[], &[]);
            if sigs.is_empty() {
                return fail(&format!("no signatures for {} (looked in {})", req.id, join(&d.approvals)));
            }
            println!("{}", approval::bundle(&reqs, &sigs));
            exit::ALLOW
        }
        ApprovalCmd::List { approvals, places } => {
            let d = dirs(&places, &approvals);
            let mut all = d.requests.clone();
            all.extend(d.approvals.iter().cloned());
            let list = approval::list(&all);
            if list.is_empty() {
                println!("no requests (looked in {})", join(&d.requests));
            }
            let log = crate::exec::flow::audit_log(&policy).unwrap_or_else(|| state.join("audit.jsonl"));
            for r in list {
                let state = if r.expired() { "expired" } else { "open" };
                println!(
                    "{}  {state}  requester {}  expires {}{}{}",
                    r.id,
                    r.requester(),
                    approval::format_time(r.expires_at),
                    if r.break_glass { "  BREAK-GLASS" } else { "" },
                    if r.reason.is_empty() { String::new() } else { format!("  — {}", escape(&r.reason)) },
                );
                let ok = explain(&policy, &r, &d, &log, "    ");
                println!("    {}", if ok { "approved" } else { "not approved" });
            }
            exit::ALLOW
        }
    }
}

/// Prints, per rule of the request, how many approvals count and one line per signature
/// (✓ counts, ✗ and why not); then single use and break-glass. Whether it is approved.
fn explain(policy: &Policy, req: &Request, d: &Dirs, audit_log: &Path, indent: &str) -> bool {
    let mut reqs = vec![req.clone()];
    for other in others(&req.id, d) {
        if !reqs.iter().any(|r| r.bytes == other.bytes) {
            reqs.push(other);
        }
    }
    let sigs = approval::find_signatures(&req.id, &d.approvals, &[], &[]);
    let by_rule = approval::requirements(policy, req);
    if by_rule.is_empty() {
        println!("{indent}✗ no rule of the policy in force allows an override of this request");
        return false;
    }
    if sigs.is_empty() {
        println!("{indent}no signatures found (looked in {})", join(&d.approvals));
    }
    let line = |v: &approval::Verdict| match &v.rejected {
        None => println!("{indent}  ✓ {} counts ({})", escape(&v.principal), escape(&v.source)),
        Some(r) => println!(
            "{indent}  ✗ {} does not count: {} ({}) [{}]",
            escape(&v.principal),
            escape(r),
            escape(&v.source),
            approval::code(v)
        ),
    };
    let mut ok = true;
    let mut max_ttl = i64::MAX;
    for (rule, (n, roles, ttl)) in by_rule {
        max_ttl = max_ttl.min(ttl);
        let verdicts = approval::verify(policy, &reqs, &sigs, &[], &roles, Some(ttl));
        let good = verdicts.iter().filter(|v| v.rejected.is_none()).count() as u32;
        println!("{indent}rule {rule}: {good} of {n} approvals from [{}]", roles.join(", "));
        verdicts.iter().for_each(line);
        ok &= good >= n;
    }
    if let Some(bg) = policy.approvals.break_glass.as_ref().filter(|_| !ok) {
        let asked: Vec<Request> =
            reqs.iter().filter(|r| r.break_glass && !r.reason.trim().is_empty()).cloned().collect();
        if !asked.is_empty() {
            let verdicts = approval::verify(policy, &asked, &sigs, &[], &bg.approvers, Some(max_ttl));
            let good = verdicts.iter().filter(|v| v.rejected.is_none()).count();
            println!("{indent}break-glass: {good} of 1 approval from [{}]", bg.approvers.join(", "));
            verdicts.iter().for_each(line);
            ok = good >= 1;
        }
    }
    if req.scope_kind() == "exec" {
        if crate::audit::has_event(audit_log, "approval-consumed", &req.id) {
            println!(
                "{indent}✗ already used (exec approvals are single-use; see {}) [leakguard::approval-used]",
                audit_log.display()
            );
            ok = false;
        } else {
            println!("{indent}single-use: not used yet ({})", audit_log.display());
        }
    }
    ok
}

/// Other request files for the same id (e.g. a copy beside the approvals).
fn others(id: &str, d: &Dirs) -> Vec<Request> {
    let mut places: Vec<PathBuf> = d.requests.iter().map(|r| r.join(format!("{id}.json"))).collect();
    places.extend(d.approvals.iter().flat_map(|a| approval::request_copies(&a.join(id))));
    places
        .into_iter()
        .filter_map(|p| crate::safe_fs::read_bounded(&p, approval::MAX_REQUEST_BYTES))
        .filter_map(|b| Request::parse(&b).ok())
        .filter(|r| r.id == id)
        .collect()
}

fn load_request(arg: &str, d: &Dirs) -> Result<Request, String> {
    let read = |p: &Path| -> Result<Request, String> {
        let bytes = crate::safe_fs::read_bounded(p, approval::MAX_REQUEST_BYTES).ok_or_else(|| {
            format!("{}: not a regular file of at most {} bytes", p.display(), approval::MAX_REQUEST_BYTES)
        })?;
        Request::parse(&bytes).map_err(|e| format!("{}: {e}", p.display()))
    };
    let direct = PathBuf::from(arg);
    if direct.is_file() {
        return read(&direct);
    }
    if !approval::is_request_id(arg) {
        return Err(format!("`{arg}` is neither a request file nor a request id (lgr1-…)"));
    }
    let mut places: Vec<PathBuf> = d.requests.iter().map(|r| r.join(format!("{arg}.json"))).collect();
    places.extend(d.approvals.iter().map(|a| a.join(arg).join("request.json")));
    match places.iter().find(|p| p.is_file()) {
        Some(p) => read(p),
        None => Err(format!("no request `{arg}` (looked in {})", join(&d.requests))),
    }
}

/// A principal becomes `<principal>.sig`: no separators, no leading dot.
fn safe_file_name(p: &str) -> bool {
    !p.is_empty() && !p.starts_with('.') && !p.contains(['/', '\\', '\0']) && p.len() <= 200
}

fn join(ps: &[PathBuf]) -> String {
    ps.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn fail(msg: &str) -> u8 {
    eprintln!("error: {msg}");
    exit::USAGE
}
