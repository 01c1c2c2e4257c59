//! The admin-action wrapper: decides, before and after a wrapped command runs,
//! whether what it sends or produces may go where it is headed.
//!
//! Owns action matching (argv globs), the actor's role check, the scan of files an
//! upload sends (before a byte leaves), where an export's output may land (a store
//! that allows its class and the actor's role, with real permission checks for
//! `private` stores), and quarantine (0700, never losing output). Running the child
//! (signals, exit status, streaming stdout) lives in `run`. Must not import git2.

pub mod argv;
pub mod flow;
pub mod outrecipe;
pub mod recipe;
pub mod run;
pub mod stage;
pub mod store;

use std::path::{Path, PathBuf};

use crate::policy::{Action, Output, Policy, SendArgs};

/// Why a step may not go ahead (printed, audited, exit 77).
#[derive(Debug, Clone)]
pub struct Refusal {
    pub reason: String,
    pub fix: Option<String>,
}

/// An action matched against an argv: the program starts at `argv[offset]` (after
/// launchers such as `env`, `sudo -u`, `python3`), its pattern words end before `end`.
#[derive(Debug, Clone, Copy)]
pub struct Matched<'p> {
    pub action: &'p Action,
    pub offset: usize,
    pub end: usize,
}

/// Finds the action for an argv: the one named, or the first whose pattern matches at
/// any launcher layer.
pub fn find_action<'p>(policy: &'p Policy, name: Option<&str>, argv: &[String]) -> Result<Option<Matched<'p>>, String> {
    match name {
        Some(n) => {
            let a = policy.actions.iter().find(|a| a.id == n).ok_or_else(|| {
                let known: Vec<&str> = policy.actions.iter().map(|a| a.id.as_str()).collect();
                format!(
                    "no action `{n}` in the policy (known: {})",
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                )
            })?;
            match matches(a, argv) {
                Some(m) => Ok(Some(m)),
                None => Err(format!("the command does not match action `{n}` ({})", a.command.join(" "))),
            }
        }
        None => Ok(policy.actions.iter().find_map(|a| matches(a, argv))),
    }
}

/// argv against the action's globs at every launcher layer (see `argv`).
pub fn matches<'p>(a: &'p Action, argv: &[String]) -> Option<Matched<'p>> {
    argv::layers(argv).into_iter().find_map(|offset| {
        argv::match_pattern(&a.command_globs, &a.command, &argv[offset..]).map(|end| Matched {
            action: a,
            offset,
            end: offset + end,
        })
    })
}

/// For a command no action matches: an action's program named inside another argument
/// (`sh -c "billing-cli export …"`, `xargs curl -T`, `env -S "…"`), which leakguard
/// cannot read as an argv — such a command is refused rather than run unchecked.
pub fn hidden_program(policy: &Policy, argv: &[String]) -> Option<String> {
    let programs: Vec<&str> = policy
        .actions
        .iter()
        .filter_map(|a| a.command.first())
        .map(|p| Path::new(p).file_name().and_then(|f| f.to_str()).unwrap_or(p))
        .filter(|p| !p.is_empty() && !p.contains(['*', '?', '[', '{']))
        .collect();
    // The program of each launcher layer (`env X=1 billing-cli import`) is an argv, not hidden.
    let programs_at = argv::layers(argv);
    argv.iter().enumerate().filter(|(i, _)| !programs_at.contains(i)).find_map(|(_, arg)| {
        arg.split(|c: char| {
            c.is_whitespace() || matches!(c, ';' | '|' | '&' | '(' | ')' | '`' | '$' | '<' | '>' | '\'' | '"')
        })
        .map(|w| Path::new(w).file_name().and_then(|f| f.to_str()).unwrap_or(w))
        .find(|w| programs.contains(w))
        .map(str::to_string)
    })
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

/// What an upload action sends: by recipe, the configured positions, or every
/// argument naming an existing path (also `--flag=FILE`, `@FILE`).
pub fn sent(m: &Matched, argv: &[String]) -> recipe::Sent {
    let Some(sends) = &m.action.sends else { return recipe::Sent::default() };
    let args = &argv[(m.offset + 1).min(argv.len())..];
    match &sends.args {
        SendArgs::Recipe(r) => recipe::sent(r, args),
        SendArgs::Positions(p) => {
            let mut s = recipe::Sent::default();
            for a in p.iter().filter_map(|&i| argv.get(m.offset + i)) {
                if a == "-" {
                    s.stdin = true;
                } else if Path::new(a).exists() {
                    s.paths.push(PathBuf::from(a));
                }
            }
            s
        }
        SendArgs::Files => {
            let mut s = recipe::Sent::default();
            for a in args {
                let c = if a.starts_with('-') { a.split_once('=').map_or("", |(_, v)| v) } else { a.as_str() };
                for c in [c, c.strip_prefix('@').unwrap_or("")] {
                    if !c.is_empty() && Path::new(c).exists() {
                        s.paths.push(PathBuf::from(c));
                    }
                }
            }
            s
        }
    }
}

/// Where an export writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The child's stdout (leakguard captures it).
    Stdout,
    /// Every argument naming the output (all are rewritten to the staging file; the
    /// tool writes the last, which is the destination judged).
    Args(Vec<argv::Occurrence>),
    /// The flag is absent: the tool writes to `default`; leakguard adds `flag STAGING`
    /// at argv index `insert` (the end of the options).
    Default { flag: String, insert: usize, path: PathBuf },
}

impl Target {
    /// The destination judged.
    pub fn destination(&self) -> Option<PathBuf> {
        match self {
            Target::Stdout => None,
            Target::Args(o) => o.last().map(|o| PathBuf::from(&o.path)),
            Target::Default { path, .. } => Some(path.clone()),
        }
    }

    /// argv with the output redirected to `staged`.
    pub fn rewrite(&self, argv: &[String], staged: &Path) -> Vec<String> {
        let mut out = argv.to_vec();
        let s = staged.display().to_string();
        match self {
            Target::Stdout => {}
            Target::Args(occ) => {
                for o in occ {
                    out[o.index] = format!("{}{s}{}", o.prefix, o.suffix);
                }
            }
            Target::Default { flag, insert, .. } => {
                out.splice(*insert..*insert, [flag.clone(), s]);
            }
        }
        out
    }
}

/// Where this export writes, or why leakguard cannot tell (then it must not run).
pub fn output_target(m: &Matched, argv: &[String]) -> Result<Option<Target>, Refusal> {
    let a = m.action;
    let declare = |what: &str| {
        Refusal {
        reason: format!("action `{}` produces {} but {what}", a.id, a.produces.as_deref().unwrap_or("output")),
        fix: Some(format!(
            "declare where the tool writes in the policy: `output: {{flag: --out, default: PATH}}` (PATH: where `{}` writes without the flag) or `output: stdout`",
            a.command.first().map_or("", String::as_str)
        )),
    }
    };
    match &a.output {
        Output::None => match a.produces {
            Some(_) => Err(declare("the policy does not say where its output goes")),
            None => Ok(None),
        },
        Output::Stdout => Ok(Some(Target::Stdout)),
        Output::Arg(n) => match argv.get(m.offset + n) {
            Some(p) => Ok(Some(Target::Args(vec![argv::Occurrence {
                index: m.offset + n,
                prefix: String::new(),
                path: p.clone(),
                suffix: String::new(),
            }]))),
            None => match &a.output_default {
                Some(_) => Err(declare(&format!("argument {n} is absent and a default cannot be redirected"))),
                None => Err(declare(&format!("argument {n} (the output) is absent"))),
            },
        },
        Output::Recipe(r) => {
            let occ = outrecipe::occurrences(r, argv, m.offset + 1).map_err(|e| declare(&e))?;
            if occ.is_empty() {
                Ok(Some(Target::Stdout))
            } else {
                Ok(Some(Target::Args(occ)))
            }
        }
        Output::Flag(f) => {
            let mut occ = argv::flag_occurrences(argv, m.offset + 1, f).map_err(|e| declare(&e))?;
            for alias in &a.output_aliases {
                occ.extend(argv::flag_occurrences(argv, m.offset + 1, alias).map_err(|e| declare(&e))?);
            }
            occ.sort_by_key(|o| o.index);
            occ.dedup_by_key(|o| o.index);
            if !occ.is_empty() {
                return Ok(Some(Target::Args(occ)));
            }
            match &a.output_default {
                // Last among the options (before `--`): where options repeat, the last wins,
                // so a spelling leakguard does not know (`-o X`) cannot come after it.
                Some(d) => {
                    let insert = argv[m.end..].iter().position(|a| a == "--").map_or(argv.len(), |p| m.end + p);
                    Ok(Some(Target::Default { flag: f.clone(), insert, path: d.clone() }))
                }
                None => Err(declare(&format!("`{f}` is not given and the policy names no default path"))),
            }
        }
    }
}

/// Text as printed: control characters escaped (a file name cannot rewrite the terminal).
pub fn escape(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
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
