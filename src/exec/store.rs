//! Stores on the filesystem: whether an export may land at a path, and the directory it
//! lands in, opened by an `O_NOFOLLOW` walk from the store's root — no symlink and no
//! `..` inside a store is followed, a name that exists (a dangling link included) is
//! never replaced, `private` stores are owner-only at every level; and quarantine
//! directories (0700, ours, no world-writable fallback).

use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

use super::stage::{self, euid};
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

/// Where an allowed export lands: an open directory inside a store and a free name.
#[derive(Debug)]
pub struct Landing {
    pub dir: OwnedFd,
    pub name: OsString,
    pub store: String,
    /// The path as shown to people.
    pub shown: PathBuf,
}

/// Decides whether `path` may hold content of every class in `classes` for `actor`,
/// and opens its directory without following links. `existing_ok`: the name may
/// already exist (our stdout, opened by the shell).
pub fn landing(
    policy: &Policy,
    classes: &[String],
    path: &Path,
    actor: &str,
    existing_ok: bool,
) -> Result<Landing, Refusal> {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if abs.components().any(|c| c == Component::ParentDir) {
        return Err(Refusal {
            reason: format!("{} contains `..`, which leakguard does not follow", path.display()),
            fix: Some("give the output path without `..`".into()),
        });
    }
    let abs: PathBuf = abs.components().filter(|c| *c != Component::CurDir).collect();
    let mut found: Option<Landing> = None;
    for class in classes {
        let rules: Vec<_> = policy.rules.iter().filter(|r| &r.class == class).collect();
        if rules.is_empty() {
            continue;
        }
        let mut why = Vec::new();
        let mut ok = None;
        'rules: for r in &rules {
            for s in r.allow_in.iter().filter_map(|s| policy.store(s)) {
                match land_in(policy, s, &abs, actor, existing_ok) {
                    Ok(l) => {
                        ok = Some(l);
                        break 'rules;
                    }
                    Err(e) => {
                        if e.fix.is_some() {
                            return Err(Refusal {
                                reason: format!("{class} may not be written there: {}", e.reason),
                                fix: e.fix,
                            });
                        }
                        why.push(e.reason)
                    }
                }
            }
        }
        match ok {
            Some(l) => found = Some(l),
            None => {
                return Err(Refusal {
                    reason: format!(
                        "{class} may not be written to {}: {}",
                        path.display(),
                        if why.is_empty() { "no store allows it".into() } else { why.join("; ") }
                    ),
                    fix: None,
                })
            }
        }
    }
    match found {
        Some(l) => Ok(l),
        // No rule governs these classes: open the directory all the same (no links).
        None => open_plain(&abs, existing_ok),
    }
}

fn open_plain(abs: &Path, existing_ok: bool) -> Result<Landing, Refusal> {
    let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
        return Err(Refusal { reason: format!("{} names no file", abs.display()), fix: None });
    };
    let dir = stage::open_dir(None, resolve(parent).as_os_str())
        .map_err(|e| Refusal { reason: format!("cannot open {}: {e}", parent.display()), fix: None })?;
    check_free(&dir, name.into(), abs, existing_ok)?;
    Ok(Landing { dir, name: name.into(), store: String::new(), shown: abs.to_path_buf() })
}

fn check_free(dir: &OwnedFd, name: OsString, shown: &Path, existing_ok: bool) -> Result<(), Refusal> {
    match stage::stat_at(dir, &name) {
        Ok(None) => Ok(()),
        Ok(Some(st)) if existing_ok && st.st_mode & libc::S_IFMT == libc::S_IFREG => Ok(()),
        Ok(Some(st)) => Err(Refusal {
            reason: format!(
                "{} already exists ({}); leakguard never replaces a file or follows a link in a store",
                shown.display(),
                if st.st_mode & libc::S_IFMT == libc::S_IFLNK { "a symlink" } else { "a file" }
            ),
            fix: None,
        }),
        Err(e) => Err(Refusal { reason: format!("cannot inspect {}: {e}", shown.display()), fix: None }),
    }
}

/// One store: the path below its root, globs, roles, an `O_NOFOLLOW` walk with
/// owner-only checks for private stores, a free name.
fn land_in(policy: &Policy, s: &Store, abs: &Path, actor: &str, existing_ok: bool) -> Result<Landing, Refusal> {
    let no = |reason: String| Refusal { reason, fix: None };
    let Some(root_decl) = root(s) else {
        return Err(no(format!("store `{}` has no literal root directory", s.id)));
    };
    let root_real = root_decl.canonicalize().unwrap_or_else(|_| root_decl.clone());
    let rel = abs
        .strip_prefix(&root_decl)
        .or_else(|_| abs.strip_prefix(&root_real))
        .map_err(|_| no(format!("{} is not in store `{}` ({})", abs.display(), s.id, s.paths.join(", "))))?;
    let inside = root_real.join(rel);
    if !s.path_set.is_match(&inside) && !s.path_set.is_match(root_decl.join(rel)) {
        return Err(no(format!("{} is not in store `{}` ({})", abs.display(), s.id, s.paths.join(", "))));
    }
    let held = policy.roles_of(actor);
    if !s.roles.is_empty() && !s.roles.iter().any(|r| held.contains(r)) {
        return Err(no(format!("{actor} holds none of store `{}`'s roles ({})", s.id, s.roles.join(", "))));
    }
    let comps: Vec<&std::ffi::OsStr> = rel.iter().collect();
    let Some((name, dirs)) = comps.split_last() else {
        return Err(no(format!("{} names the store's root, not a file", abs.display())));
    };
    let mut dir = stage::open_dir(None, root_real.as_os_str())
        .map_err(|e| no(format!("cannot open store `{}` at {}: {e}", s.id, root_real.display())))?;
    let mut at = root_real.clone();
    if s.private {
        private_ok(s, &dir, &at)?;
    }
    for c in dirs {
        at.push(c);
        dir = stage::open_dir(Some(&dir), c).map_err(|e| {
            no(match e.raw_os_error() {
                Some(libc::ELOOP) | Some(libc::ENOTDIR) => format!(
                    "{} inside store `{}` is a symlink or not a directory; leakguard follows no link inside a store",
                    at.display(),
                    s.id
                ),
                _ => format!("cannot open {}: {e}", at.display()),
            })
        })?;
        if s.private {
            private_ok(s, &dir, &at)?;
        }
    }
    check_free(&dir, (*name).into(), &inside, existing_ok)?;
    Ok(Landing { dir, name: (*name).into(), store: s.id.clone(), shown: inside })
}

/// Owner-only permissions of one directory of a private store.
fn private_ok(store: &Store, dir: &OwnedFd, shown: &Path) -> Result<(), Refusal> {
    let st = stage::stat_fd(dir).map_err(|e| Refusal { reason: format!("{}: {e}", shown.display()), fix: None })?;
    let mode = st.st_mode & 0o777;
    if st.st_uid != euid() || mode & 0o077 != 0 {
        return Err(Refusal {
            reason: format!(
                "store `{}` is private but {} is {} (mode {:o}, owner uid {})",
                store.id,
                shown.display(),
                if st.st_uid != euid() { "owned by someone else" } else { "open to group or others" },
                mode,
                st.st_uid
            ),
            fix: Some(format!("chmod 700 {}", shown.display())),
        });
    }
    Ok(())
}

/// Whether a store the path is in is private (hard links are refused there).
pub fn private(policy: &Policy, store: &str) -> bool {
    policy.store(store).is_some_and(|s| s.private)
}

/// A quarantine directory for content of `class`: the `quarantine` of the first store
/// that allows the class, else `<store root>/.leakguard-quarantine`, else
/// `<state dir>/quarantine`. Created 0700 and checked to be ours and owner-only; there
/// is no shared fallback.
pub fn quarantine_dir(policy: &Policy, class: &str, state: Option<&Path>) -> Result<(PathBuf, OwnedFd), String> {
    let mut candidates: Vec<PathBuf> = policy
        .rules
        .iter()
        .filter(|r| r.class == class)
        .flat_map(|r| r.allow_in.iter())
        .filter_map(|s| policy.store(s))
        .filter_map(|s| {
            s.quarantine.clone().map(PathBuf::from).or_else(|| root(s).map(|r| r.join(".leakguard-quarantine")))
        })
        .collect();
    candidates.extend(state.map(|s| s.join("quarantine")));
    let mut why = Vec::new();
    for c in candidates {
        match stage::private_dir(&c) {
            Ok(fd) => return Ok((c, fd)),
            Err(e) => why.push(format!("{}: {e}", c.display())),
        }
    }
    Err(if why.is_empty() {
        "no quarantine directory: no store allows this class and there is no state directory (set HOME or settings.state_dir)".into()
    } else {
        format!("no usable quarantine directory ({})", why.join("; "))
    })
}
