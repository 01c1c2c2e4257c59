//! `leakguard audit verify|show`: the hash-chained decision log.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{exit, Global};
use crate::audit;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the chain: names the first edited, reordered, inserted or removed line.
    Verify(LogArg),
    /// Print the log readably.
    Show(LogArg),
    /// Append one test event (used to prove concurrent writers lose nothing).
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
    match cmd {
        AuditCmd::Verify(l) => {
            let path = match resolve(&l) {
                Ok(p) => p,
                Err(c) => return c,
            };
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    return exit::USAGE;
                }
            };
            match audit::verify(&text) {
                Ok(n) => {
                    println!("ok: {n} entries, chain intact ({})", path.display());
                    exit::ALLOW
                }
                Err((line, why)) => {
                    println!("{}:{line}: {why}", path.display());
                    exit::BLOCK
                }
            }
        }
        AuditCmd::Show(l) => {
            let path = match resolve(&l) {
                Ok(p) => p,
                Err(c) => return c,
            };
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
                println!(
                    "#{:<4} {}  {:<18} {:<24} {}{}{}",
                    v["seq"].as_u64().unwrap_or(0),
                    v["ts"].as_str().unwrap_or(""),
                    v["event"].as_str().unwrap_or(""),
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
