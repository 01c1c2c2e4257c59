//! `leakguard approval request|sign|verify|list`.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{exit, Global};
use crate::approval::{self, Request, Scope};
use crate::engine::Engine;
use crate::report::Report;
use crate::source::git;

#[derive(Debug, Subcommand)]
pub enum ApprovalCmd {
    /// Create the request for what is staged now, with a reason, and print its id.
    #[command(after_help = "Examples:\n  leakguard approval request --reason \"quarterly report for the auditors\"")]
    Request {
        /// Why the content must go through (shown to approvers).
        #[arg(long)]
        reason: String,
    },
    /// Sign a request with an SSH key; writes `<approvals>/<id>/<principal>.sig`.
    #[command(
        after_help = "Examples:\n  leakguard approval sign lgr1-abc… --key ~/.ssh/id_ed25519\n  ssh-keygen -Y sign -n leakguard-approval -f ~/.ssh/id_ed25519 .git/leakguard/requests/lgr1-abc….json   # equivalent"
    )]
    Sign {
        /// Request id, or a request file.
        request: String,
        /// OpenSSH private key (ed25519 or ecdsa p256, unencrypted).
        #[arg(long)]
        key: PathBuf,
        /// Who signs (default: the actor).
        #[arg(long)]
        principal: Option<String>,
        /// Approvals directory (default `$GIT_DIR/leakguard/approvals`).
        #[arg(long, value_name = "DIR")]
        approvals: Option<PathBuf>,
    },
    /// Explain, per signature, whether it counts; exit 0 when the request is approved.
    Verify {
        /// Request id, or a request file.
        request: String,
        /// Extra approvals directory (repeatable).
        #[arg(long, value_name = "DIR")]
        approvals: Vec<PathBuf>,
    },
    /// List requests and their approvals.
    List,
}

pub fn run(g: &Global, cmd: ApprovalCmd) -> u8 {
    let (root, policy) = match g.load_here() {
        Ok(x) => x,
        Err(c) => return c,
    };
    let repo = git::open().ok();
    let git_dir = repo.as_ref().map(|r| r.path().to_path_buf()).unwrap_or_else(|| root.join(".git"));
    let requests_dir = git_dir.join("leakguard/requests");
    let default_dirs = vec![root.join(".leakguard/approvals"), git_dir.join("leakguard/approvals")];
    match cmd {
        ApprovalCmd::Request { reason } => {
            let Some(repo) = repo else { return fail("approval request runs inside a git repository") };
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
                actor: super::exec::current_actor(Some(&root)),
                excluded: Vec::new(),
                approval_dirs: default_dirs,
                push_options: Vec::new(),
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
                .filter_map(|r| policy.rule(r)?.override_.as_ref().map(|o| o.ttl.as_secs() as i64))
                .min()
                .unwrap_or(86_400);
            let req = Request::new(subj, ttl, &reason);
            if let Err(e) = std::fs::create_dir_all(&requests_dir)
                .and_then(|_| std::fs::write(requests_dir.join(format!("{}.json", req.id)), &req.bytes))
            {
                return fail(&format!("cannot write the request: {e}"));
            }
            println!("{}", req.id);
            eprintln!("request written to {}", requests_dir.join(format!("{}.json", req.id)).display());
            exit::ALLOW
        }
        ApprovalCmd::Sign { request, key, principal, approvals } => {
            let req = match load_request(&request, &requests_dir, &default_dirs) {
                Ok(r) => r,
                Err(e) => return fail(&e),
            };
            let principal = principal.unwrap_or_else(|| super::exec::current_actor(Some(&root)));
            let pem = match approval::sign(&req.bytes, &key, &policy.approvals.namespace) {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            let dir = approvals.unwrap_or_else(|| git_dir.join("leakguard/approvals")).join(&req.id);
            let out = dir.join(format!("{principal}.sig"));
            // The request travels with its signatures, so a server can verify them too.
            let r = std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(&out, pem))
                .and_then(|_| std::fs::write(dir.join("request.json"), &req.bytes));
            if let Err(e) = r {
                return fail(&format!("cannot write {}: {e}", out.display()));
            }
            println!("{}", out.display());
            exit::ALLOW
        }
        ApprovalCmd::Verify { request, approvals } => {
            let req = match load_request(&request, &requests_dir, &default_dirs) {
                Ok(r) => r,
                Err(e) => return fail(&e),
            };
            let mut dirs = default_dirs;
            dirs.extend(approvals);
            let sigs = approval::find_signatures(&req.id, &dirs, &[]);
            let mut ok = true;
            println!("request {} by {}", req.id, req.requester());
            let reqs = approval::requirements(&policy, &req);
            if reqs.is_empty() {
                println!("  no rule of the policy in force allows an override of this request");
                return exit::BLOCK;
            }
            for (rule, (n, roles)) in reqs {
                let verdicts = approval::verify(&policy, &req, &sigs, &[], &roles, None);
                let good = verdicts.iter().filter(|v| v.rejected.is_none()).count() as u32;
                println!("  rule {rule}: {good} of {n} approvals from [{}]", roles.join(", "));
                for v in &verdicts {
                    match &v.rejected {
                        None => println!("    ✓ {} counts ({})", v.principal, v.source),
                        Some(r) => println!("    ✗ {} does not count: {r} ({})", v.principal, v.source),
                    }
                }
                ok &= good >= n;
            }
            if ok {
                exit::ALLOW
            } else {
                exit::BLOCK
            }
        }
        ApprovalCmd::List => {
            for r in approval::list(&requests_dir) {
                let n = approval::find_signatures(&r.id, &default_dirs, &[]).len();
                println!("{}  requester {}  {} signature(s)  expires {}", r.id, r.requester(), n, r.expires_at);
            }
            exit::ALLOW
        }
    }
}

fn load_request(arg: &str, requests_dir: &Path, dirs: &[PathBuf]) -> Result<Request, String> {
    let mut places = vec![PathBuf::from(arg), requests_dir.join(format!("{arg}.json"))];
    places.extend(dirs.iter().map(|d| d.join(arg).join("request.json")));
    for p in places {
        if p.is_file() {
            let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            return Request::parse(&bytes);
        }
    }
    Err(format!("no request `{arg}` (looked in {})", requests_dir.display()))
}

fn fail(msg: &str) -> u8 {
    eprintln!("error: {msg}");
    exit::USAGE
}
