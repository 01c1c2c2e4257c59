//! Stores on the filesystem: whether a path is inside a store (symlinks resolved, so
//! a link out of a store is no way around it), permission checks for `private`
//! stores, and quarantine directories.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::Refusal;
use crate::policy::{Policy, Store};

/// The path with its existing prefix canonicalised (the file itself may not exist yet).
pub fn resolve(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(c) = abs.canonicalize() {
        return c;
    }
    match (abs.parent(), abs.file_name()) {
        (Some(parent), Some(name)) => resolve(parent).join(name),
        _ => abs,
    }
}

/// The literal directory a store's first path glob names (`/srv/exports/**` → `/srv/exports`).
pub fn root(store: &Store) -> Option<PathBuf> {
    let g = store.paths.first()?;
    let cut = g.find(['*', '?', '[', '{']).unwrap_or(g.len());
    let lit = &g[..cut];
    let dir = if cut < g.len() { lit.rsplit_once('/').map_or("", |(d, _)| d) } else { lit };
    (!dir.is_empty()).then(|| PathBuf::from(dir))
}

/// Decides whether `path` may hold content of `class` for `actor`: some rule about
/// the class allows a store whose globs match the resolved path, whose roles include
/// the actor's, and (if private) whose directories are owner-only.
pub fn may_hold(policy: &Policy, class: &str, path: &Path, actor: &str) -> Result<(), Refusal> {
    let rules: Vec<_> = policy.rules.iter().filter(|r| r.class == class).collect();
    if rules.is_empty() {
        return Ok(());
    }
    let real = resolve(path);
    let real_s = real.to_string_lossy();
    let held = policy.roles_of(actor);
    let mut why = Vec::new();
    for r in &rules {
        for s in r.allow_in.iter().filter_map(|s| policy.store(s)) {
            if !s.path_set.is_match(real_s.as_ref()) {
                why.push(format!("{} is not in store `{}` ({})", real.display(), s.id, s.paths.join(", ")));
                continue;
            }
            if !s.roles.is_empty() && !s.roles.iter().any(|r| held.contains(r)) {
                why.push(format!("{actor} holds none of store `{}`'s roles ({})", s.id, s.roles.join(", ")));
                continue;
            }
            if s.private {
                if let Err(e) = private_ok(s, &real) {
                    why.push(e.reason.clone());
                    return Err(e);
                }
            }
            return Ok(());
        }
    }
    Err(Refusal { reason: format!("{class} may not be written to {}: {}", path.display(), why.join("; ")), fix: None })
}

/// Owner-only permissions on the directories from the store root down to the file.
fn private_ok(store: &Store, file: &Path) -> Result<(), Refusal> {
    let uid = unsafe_geteuid();
    let root = root(store).map(|r| resolve(&r));
    let mut dir = file.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        if let Ok(m) = std::fs::metadata(&d) {
            let mode = m.permissions().mode() & 0o777;
            if m.uid() != uid || mode & 0o077 != 0 {
                return Err(Refusal {
                    reason: format!(
                        "store `{}` is private but {} is {} (mode {:o}, owner uid {})",
                        store.id,
                        d.display(),
                        if m.uid() != uid { "owned by someone else" } else { "open to group or others" },
                        mode,
                        m.uid()
                    ),
                    fix: Some(format!("chmod 700 {}", d.display())),
                });
            }
        }
        if root.as_deref().is_none_or(|r| d == r) {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Ok(())
}

fn unsafe_geteuid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// A quarantine directory for content of `class`: the `quarantine` of the first store
/// that allows the class, else `<store root>/.leakguard-quarantine`, else the user's
/// state directory. Created 0700.
pub fn quarantine_dir(policy: &Policy, class: &str) -> PathBuf {
    let candidates = policy
        .rules
        .iter()
        .filter(|r| r.class == class)
        .flat_map(|r| r.allow_in.iter())
        .filter_map(|s| policy.store(s))
        .filter_map(|s| {
            s.quarantine.clone().map(PathBuf::from).or_else(|| root(s).map(|r| r.join(".leakguard-quarantine")))
        });
    for c in candidates {
        if make_private_dir(&c).is_ok() {
            return c;
        }
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    let d = state.join("leakguard/quarantine");
    let _ = make_private_dir(&d);
    d
}

fn make_private_dir(d: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(d)?;
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))
}
