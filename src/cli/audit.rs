//! `leakguard audit verify|show|checkpoint`: the hash-chained decision log and its
//! signed checkpoints.
//!
//! Owns the audit subcommands' arguments and output; the format and the verification are
//! [`crate::audit`] and [`crate::audit::checkpoint`].

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{exit, Format, Global};
use crate::audit;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the chain: names the first edited, reordered, inserted or removed line.
    #[command(after_help = "Examples:\n  \
        leakguard audit verify\n  \
        leakguard audit verify --log ~/.local/state/leakguard/audit.jsonl\n  \
        leakguard audit verify --anchor 3f1c…   # a head printed earlier must still be in the log\n\n\
        Exit 0: the chain is intact and every signed checkpoint verifies; 1: it is not (the\n\
        first bad line is named as FILE:LINE), or a checkpoint does not verify (its line and a\n\
        leakguard::audit-checkpoint-* code); 2: the log cannot be read. Checkpoints are checked\n\
        against the policy's approvals.allowed_signers (namespace leakguard-audit). The head\n\
        hash printed on success can be kept elsewhere: --anchor then also catches lines\n\
        removed from the end.")]
    Verify {
        #[command(flatten)]
        log: LogArg,
        /// A head hash printed by an earlier verify: the log must still hold that entry.
        #[arg(long, value_name = "HASH")]
        anchor: Option<String>,
    },
    /// Sign the log's current head (SSHSIG, namespace `leakguard-audit`) and append it as a
    /// checkpoint entry: lines up to it can no longer be rewritten unnoticed.
    #[command(after_help = "Examples:\n  \
        leakguard audit checkpoint --key ~/.ssh/id_ed25519\n  \
        leakguard audit checkpoint --key /etc/leakguard/audit_ed25519 --principal audit-bot@corp.test --log /var/lib/leakguard/audit.jsonl\n\n\
        The principal (default: the actor, git's user.email) must be listed with the key in the\n\
        policy's approvals.allowed_signers and hold a role of settings.audit_signers (default:\n\
        the roles that approve every rule with an override). Refused, writing nothing, when the\n\
        chain is broken or the checkpoint would not verify. The key must be unencrypted\n\
        (a dedicated key, e.g. for cron).")]
    Checkpoint {
        #[command(flatten)]
        log: LogArg,
        /// OpenSSH private key to sign with.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Principal the key is listed under in allowed_signers (default: the actor).
        #[arg(long, value_name = "NAME")]
        principal: Option<String>,
    },
    /// Print the log readably (`--format json`: the raw JSON lines).
    #[command(after_help = "Examples:\n  \
        leakguard audit show\n  \
        leakguard audit show --request lgr1-abc…\n  \
        leakguard --format json audit show | jq 'select(.event == \"break-glass\")'")]
    Show {
        #[command(flatten)]
        log: LogArg,
        /// Only entries about this request id.
        #[arg(long, value_name = "ID")]
        request: Option<String>,
    },
    /// Append test events (used to prove concurrent writers lose nothing).
    #[command(hide = true)]
    AppendTest {
        #[command(flatten)]
        log: LogArg,
        #[arg(long, default_value_t = 1)]
        count: u32,
    },
}

#[derive(Debug, Args)]
pub struct LogArg {
    /// Log file (default: the policy's `settings.audit_log`, else `$GIT_DIR/leakguard/audit.jsonl`).
    #[arg(long)]
    pub log: Option<PathBuf>,
}

pub fn run(g: &Global, cmd: AuditCmd) -> u8 {
    let resolve = |l: &LogArg| -> Result<PathBuf, u8> {
        if let Some(p) = &l.log {
            return Ok(p.clone());
        }
        let (root, policy) = g.load_here()?;
        Ok(policy.settings.audit_log.clone().unwrap_or_else(|| {
            let git_dir =
                crate::source::git::open().map(|r| r.path().to_path_buf()).unwrap_or_else(|_| root.join(".git"));
            git_dir.join("leakguard/audit.jsonl")
        }))
    };
    let read = |l: &LogArg| -> Result<(PathBuf, String), u8> {
        let path = resolve(l)?;
        match std::fs::read(&path) {
            Ok(b) => Ok((path, String::from_utf8_lossy(&b).into_owned())),
            Err(e) => {
                eprintln!("error: cannot read the audit log {}: {e}", path.display());
                Err(exit::USAGE)
            }
        }
    };
    match cmd {
        AuditCmd::Verify { log, anchor } => {
            let (path, text) = match read(&log) {
                Ok(x) => x,
                Err(c) => return c,
            };
            match audit::verify(&text) {
                Ok(n) => {
                    if let Some(a) = anchor.as_deref().filter(|a| audit::find_hash(&text, a).is_none()) {
                        println!(
                            "{}: the anchored entry {a} is not in the log (lines removed from the end, or the log replaced)",
                            path.display()
                        );
                        return exit::BLOCK;
                    }
                    if audit::checkpoint::any(&text) {
                        let policy = match g.load_here() {
                            Ok((_, p)) => p,
                            Err(c) => return c,
                        };
                        let o = audit::checkpoint::verify(&text, &policy);
                        for p in &o.problems {
                            println!(
                                "{}:{}: checkpoint of {} by {}: {} [leakguard::{}]",
                                path.display(),
                                p.line,
                                if p.time.is_empty() { "?" } else { &p.time },
                                if p.principal.is_empty() { "?" } else { &p.principal },
                                p.why,
                                p.code.name()
                            );
                        }
                        if !o.problems.is_empty() {
                            return exit::BLOCK;
                        }
                        if let Some(last) = o.valid.last() {
                            println!(
                                "{} signed checkpoint(s) verified; the last, line {} by {}, pins lines 1–{}",
                                o.valid.len(),
                                last.line,
                                last.principal,
                                last.claim.lines
                            );
                            println!(
                                "{} lines after the last checkpoint at {} are protected by the hash chain only",
                                n - last.line,
                                last.claim.time
                            );
                        }
                    } else {
                        println!(
                            "no signed checkpoint: all {n} lines are protected by the hash chain only (leakguard audit checkpoint)"
                        );
                    }
                    println!("ok: {n} entries, chain intact ({}); head {}", path.display(), audit::head(&text));
                    exit::ALLOW
                }
                Err((line, why)) => {
                    println!("{}:{line}: {why}", path.display());
                    exit::BLOCK
                }
            }
        }
        AuditCmd::Checkpoint { log, key, principal } => {
            let path = match resolve(&log) {
                Ok(p) => p,
                Err(c) => return c,
            };
            let (root, policy) = match g.load_here() {
                Ok(x) => x,
                Err(c) => return c,
            };
            let principal = principal.unwrap_or_else(|| crate::approval::actor(Some(&root)));
            match audit::checkpoint::append(&path, &policy, &key, &principal) {
                Ok(e) => {
                    println!(
                        "checkpoint at {}:{} by {principal}: pins lines 1–{}, head {}",
                        path.display(),
                        e.line,
                        e.claim.lines,
                        e.claim.head
                    );
                    // Kept elsewhere, the checkpoint's own hash also catches the checkpoint
                    // being stripped and the chain recomputed (`audit verify --anchor`).
                    println!("anchor: {}", e.hash);
                    exit::ALLOW
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    exit::BLOCK
                }
            }
        }
        AuditCmd::Show { log, request } => {
            let (_, text) = match read(&log) {
                Ok(x) => x,
                Err(c) => return c,
            };
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
                if request.as_deref().is_some_and(|r| v["request"].as_str() != Some(r)) {
                    continue;
                }
                if g.format == Format::Json {
                    println!("{line}");
                    continue;
                }
                let event = v["event"].as_str().unwrap_or("?");
                let loud = if event == "break-glass" { "!! " } else { "" };
                println!(
                    "#{:<4} {}  {loud}{:<18} {:<24} {}{}{}",
                    v["seq"].as_u64().unwrap_or(0),
                    v["ts"].as_str().unwrap_or(""),
                    event,
                    v["actor"].as_str().unwrap_or(""),
                    v["rules"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(","))
                        .unwrap_or_default(),
                    v["request"].as_str().map(|r| format!(" {r}")).unwrap_or_default(),
                    v["detail"].as_str().filter(|d| !d.is_empty()).map(|d| format!(" — {d}")).unwrap_or_default(),
                );
            }
            exit::ALLOW
        }
        AuditCmd::AppendTest { log, count } => {
            let path = match resolve(&log) {
                Ok(p) => p,
                Err(c) => return c,
            };
            for i in 0..count {
                let ev = audit::Event {
                    kind: "test".into(),
                    actor: format!("pid{}", std::process::id()),
                    detail: format!("{i}"),
                    ..Default::default()
                };
                if let Err(e) = audit::append(&path, &ev) {
                    eprintln!("error: {e}");
                    return exit::INTERNAL;
                }
            }
            exit::ALLOW
        }
    }
}
