//! `leakguard audit verify|show`: the hash-chained decision log.
//!
//! Owns the audit subcommands' arguments and output; the format is [`crate::audit`].

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
        Exit 0: the chain is intact; 1: it is not (the first bad line is named as FILE:LINE);\n\
        2: the log cannot be read. The head hash printed on success can be kept elsewhere:\n\
        --anchor then also catches lines removed from the end.")]
    Verify {
        #[command(flatten)]
        log: LogArg,
        /// A head hash printed by an earlier verify: the log must still hold that entry.
        #[arg(long, value_name = "HASH")]
        anchor: Option<String>,
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
                    println!("ok: {n} entries, chain intact ({}); head {}", path.display(), audit::head(&text));
                    exit::ALLOW
                }
                Err((line, why)) => {
                    println!("{}:{line}: {why}", path.display());
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
