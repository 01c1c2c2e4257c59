//! The admin-action wrapper: decides, before and after a wrapped command runs,
//! whether what it sends or produces may go where it is headed.
//!
//! Owns action matching (argv globs), the actor's role check, the scan of files an
//! upload sends (before a byte leaves), where an export's output may land (a store
//! that allows its class and the actor's role, with real permission checks for
//! `private` stores), and quarantine (0700, never losing output). Running the child
//! (signals, exit status, streaming stdout) lives in `run`. Must not import git2.

pub mod run;
pub mod store;

use std::path::{Path, PathBuf};

use crate::policy::{Action, Output, Policy, SendArgs};

/// Why a step may not go ahead (printed, audited, exit 77).
#[derive(Debug, Clone)]
pub struct Refusal {
    pub reason: String,
    pub fix: Option<String>,
}

/// Finds the action for an argv: the one named, or the first whose pattern matches.
pub fn find_action<'p>(policy: &'p Policy, name: Option<&str>, argv: &[String]) -> Result<Option<&'p Action>, String> {
    match name {
        Some(n) => {
            let a = policy.actions.iter().find(|a| a.id == n).ok_or_else(|| {
                let known: Vec<&str> = policy.actions.iter().map(|a| a.id.as_str()).collect();
                format!(
                    "no action `{n}` in the policy (known: {})",
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                )
            })?;
            if !matches(a, argv) {
                return Err(format!("the command does not match action `{n}` ({})", a.command.join(" ")));
            }
            Ok(Some(a))
        }
        None => Ok(policy.actions.iter().find(|a| matches(a, argv))),
    }
}

/// argv against the action's globs: one per argument, `**` for the rest; the program
/// matches by its full path or its file name.
pub fn matches(a: &Action, argv: &[String]) -> bool {
    let mut i = 0;
    for (gi, (glob, pat)) in a.command_globs.iter().zip(&a.command).enumerate() {
        if pat == "**" && gi == a.command.len() - 1 {
            return true;
        }
        let Some(arg) = argv.get(i) else { return false };
        let ok = glob.is_match(arg) || (gi == 0 && Path::new(arg).file_name().is_some_and(|f| glob.is_match(f)));
        if !ok {
            return false;
        }
        i += 1;
    }
    i == argv.len()
}

/// Roles check: an action with roles runs only for an actor holding one.
pub fn check_role(policy: &Policy, action: &Action, actor: &str) -> Result<(), Refusal> {
    if action.roles.is_empty() {
        return Ok(());
    }
    let held = policy.roles_of(actor);
    if action.roles.iter().any(|r| held.contains(r)) {
        return Ok(());
    }
    Err(Refusal {
        reason: format!(
            "{actor} may not run action `{}`: it needs role {} (holds: {})",
            action.id,
            action.roles.join(" or "),
            if held.is_empty() { "none".to_string() } else { held.join(", ") }
        ),
        fix: Some("ask someone holding the role, or have the policy's `roles:` updated".into()),
    })
}

/// Files an upload action sends: every argument naming an existing file (also
/// `--flag=FILE`), or the configured positions.
pub fn sent_files(action: &Action, argv: &[String]) -> Vec<PathBuf> {
    let Some(sends) = &action.sends else { return Vec::new() };
    let candidates: Vec<&str> = match &sends.args {
        SendArgs::Positions(p) => p.iter().filter_map(|&i| argv.get(i).map(String::as_str)).collect(),
        SendArgs::Files => argv
            .iter()
            .skip(1)
            .map(|a| if a.starts_with('-') { a.split_once('=').map_or("", |(_, v)| v) } else { a.as_str() })
            .collect(),
    };
    candidates.into_iter().filter(|c| !c.is_empty()).map(PathBuf::from).filter(|p| p.exists()).collect()
}

/// Where an export writes: (argv index to rewrite, path), or stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    /// `argv[index]` is the path (after `--flag=`, `prefix` is kept).
    Arg {
        index: usize,
        prefix: String,
        path: PathBuf,
    },
}

pub fn output_target(action: &Action, argv: &[String]) -> Option<Target> {
    match &action.output {
        Output::None => None,
        Output::Stdout => Some(Target::Stdout),
        Output::Arg(n) => {
            argv.get(*n).map(|p| Target::Arg { index: *n, prefix: String::new(), path: PathBuf::from(p) })
        }
        Output::Flag(f) => argv.iter().enumerate().find_map(|(i, a)| {
            if a == f {
                argv.get(i + 1).map(|p| Target::Arg { index: i + 1, prefix: String::new(), path: PathBuf::from(p) })
            } else {
                a.strip_prefix(&format!("{f}=")).map(|p| Target::Arg {
                    index: i,
                    prefix: format!("{f}="),
                    path: PathBuf::from(p),
                })
            }
        }),
    }
}

/// Digest of an argv (binds an exec approval to the exact command).
pub fn argv_digest(argv: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for a in argv {
        h.update(a.as_bytes());
        h.update([0]);
    }
    format!("sha256:{}", crate::detect::hex(&h.finalize()))
}
