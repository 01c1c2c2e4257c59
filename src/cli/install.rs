//! `leakguard install` / `uninstall`: small shims from `hooks/` written into the hooks
//! directory git really uses (`git rev-parse --git-path hooks`: honours
//! `core.hooksPath` and linked worktrees). An existing hook is kept as
//! `<hook>.leakguard-chained` and called first; installing twice changes nothing;
//! `uninstall` puts back what was there.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{exit, Global};

const SHIMS: &[(&str, &str)] = &[
    ("pre-commit", include_str!("../../hooks/pre-commit")),
    ("pre-merge-commit", include_str!("../../hooks/pre-merge-commit")),
    ("pre-push", include_str!("../../hooks/pre-push")),
    ("pre-receive", include_str!("../../hooks/pre-receive")),
];
const MARK: &str = "leakguard-shim";

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  leakguard install                       # pre-commit and pre-push\n  leakguard install --hook pre-receive    # in a bare server repository"
)]
pub struct InstallArgs {
    /// Hook to install (repeatable; default pre-commit, pre-merge-commit and pre-push; pre-receive in a bare repository).
    #[arg(long = "hook", value_name = "NAME")]
    pub hooks: Vec<String>,
}

pub fn install(g: &Global, a: InstallArgs) -> u8 {
    let dir = match hooks_dir() {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let names: Vec<String> = if a.hooks.is_empty() { default_hooks() } else { a.hooks };
    let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "leakguard".into());
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail(&format!("cannot create {}: {e}", dir.display()));
    }
    for name in &names {
        let Some((_, shim)) = SHIMS.iter().find(|(n, _)| n == name) else {
            eprintln!("error: unknown hook `{name}` (known: pre-commit, pre-merge-commit, pre-push, pre-receive)");
            return exit::USAGE;
        };
        let target = dir.join(name);
        let existing = std::fs::read_to_string(&target).ok();
        if existing.as_deref().is_some_and(|t| t.contains(MARK)) {
            println!("{name}: already installed in {}", dir.display());
            continue;
        }
        if target.exists() {
            let chained = dir.join(format!("{name}.leakguard-chained"));
            if let Err(e) = std::fs::rename(&target, &chained) {
                return fail(&format!("cannot keep the existing {name} hook: {e}"));
            }
            println!("{name}: existing hook kept as {} and called first", chained.display());
        }
        let text = shim.replace("@LEAKGUARD@", &exe.replace('\'', "'\\''"));
        let text = match server_policy(g, name) {
            Ok(args) => text.replace("@POLICY@", &args),
            Err(e) => return fail(&e),
        };
        if let Err(e) = write_exec(&target, &text) {
            return fail(&format!("cannot write {}: {e}", target.display()));
        }
        println!("{name}: installed in {}", dir.display());
    }
    exit::ALLOW
}

pub fn uninstall(_g: &Global) -> u8 {
    let dir = match hooks_dir() {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    for (name, _) in SHIMS {
        let target = dir.join(name);
        let ours = std::fs::read_to_string(&target).is_ok_and(|t| t.contains(MARK));
        if !ours {
            continue;
        }
        let chained = dir.join(format!("{name}.leakguard-chained"));
        let r = if chained.exists() { std::fs::rename(&chained, &target) } else { std::fs::remove_file(&target) };
        if let Err(e) = r {
            return fail(&format!("cannot restore {}: {e}", target.display()));
        }
        println!("{name}: removed");
    }
    exit::ALLOW
}

/// For the server hook: the policy named at install time (`--policy PATH`, else
/// `$LEAKGUARD_POLICY`), resolved to absolute paths and written into the hook as
/// `--policy` arguments, so pushes over ssh or http (which do not carry the installer's
/// environment) and local pushes (which carry the pusher's) use the same policy.
/// Empty when none is named: then the files beside the repository are the policy.
fn server_policy(g: &Global, hook: &str) -> Result<String, String> {
    if hook != "pre-receive" {
        return Ok(String::new());
    }
    let mut named: Vec<PathBuf> = g.policy.clone();
    if named.is_empty() {
        if let Some(env) = std::env::var_os("LEAKGUARD_POLICY").filter(|v| !v.is_empty()) {
            named.extend(std::env::split_paths(&env));
        }
    }
    let mut out = Vec::new();
    for p in named {
        let resolved = if p.as_os_str() == "builtin" {
            p
        } else {
            std::fs::canonicalize(&p).map_err(|e| format!("policy {}: {e}", p.display()))?
        };
        let s = resolved.to_str().ok_or_else(|| format!("policy path {} is not UTF-8", resolved.display()))?;
        if s.contains('\n') {
            return Err(format!("policy path {s:?} contains a newline"));
        }
        out.push(format!("--policy '{}'", s.replace('\'', "'\\''")));
    }
    Ok(out.join(" "))
}

fn default_hooks() -> Vec<String> {
    let bare = git(&["rev-parse", "--is-bare-repository"]).is_ok_and(|s| s.trim() == "true");
    if bare {
        vec!["pre-receive".into()]
    } else {
        vec!["pre-commit".into(), "pre-merge-commit".into(), "pre-push".into()]
    }
}

/// The hooks directory git uses here, absolute.
fn hooks_dir() -> Result<PathBuf, String> {
    let p = git(&["rev-parse", "--git-path", "hooks"])?;
    let p = PathBuf::from(p.trim());
    Ok(if p.is_absolute() { p } else { std::env::current_dir().map_err(|e| e.to_string())?.join(p) })
}

fn git(args: &[&str]) -> Result<String, String> {
    let o = std::process::Command::new("git").args(args).output().map_err(|e| format!("cannot run git: {e}"))?;
    if !o.status.success() {
        return Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&o.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}

fn write_exec(p: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(p, text)?;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
}

fn fail(msg: &str) -> u8 {
    eprintln!("error: {msg}");
    exit::INTERNAL
}
