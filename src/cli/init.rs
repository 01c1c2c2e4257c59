//! `leakguard init`: a working `.leakguard/` for a team in one non-interactive command —
//! a policy on top of the built-in pack that fills its `security-officer` role, an
//! `allowed_signers` file with the approvers' keys, optionally the store's paths.
//!
//! Owns writing those files only (idempotent: the same inputs give the same bytes, and
//! a file that would not change is not touched). What the files mean is the policy's and
//! the approval module's; the result is loaded and checked like any policy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{exit, Global};

/// First line of a policy `init` wrote (and may rewrite).
const MARK: &str = "# Written by `leakguard init`";
/// The role the pack's overrides name.
const ROLE: &str = "security-officer";

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  leakguard init --approver carol@corp.test=carol.pub --approver dave@corp.test=dave.pub
  leakguard init                                   # your own ~/.ssh/*.pub, as your git user.email
  leakguard init --store-path '/srv/exports/customers/**' --approver …

Writes .leakguard/policy.yaml (extends the built-in pack; fills its security-officer role
with every principal of allowed_signers) and .leakguard/allowed_signers (git's format, keys
limited to the leakguard-approval namespace). Running it again with more approvers adds
them; with the same ones it changes nothing. Commit .leakguard/ and run `leakguard install`.")]
pub struct InitArgs {
    /// An approver: the principal (their e-mail, as git's user.email) and their OpenSSH
    /// public key file (ed25519 or ecdsa p256), e.g. `carol@corp.test=carol.pub`
    /// (repeatable). Without any: your own `~/.ssh/*.pub` under your identity.
    #[arg(long = "approver", value_name = "NAME=KEYFILE")]
    pub approvers: Vec<String>,
    /// Where customer lists may live: path globs of the pack's `customer-exports` store
    /// (repeatable; replaces the pack's placeholder `/srv/exports/customers/**`).
    #[arg(long = "store-path", value_name = "GLOB")]
    pub store_paths: Vec<String>,
    /// Write `.leakguard/` into DIR instead of the repository root (e.g. a bare server
    /// repository's directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Replace a `.leakguard/policy.yaml` that `init` did not write.
    #[arg(long)]
    pub force: bool,
}

pub fn run(g: &Global, a: InitArgs) -> u8 {
    let root = match &a.dir {
        Some(d) => d.clone(),
        None => super::find_root(&std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))),
    };
    let dir = root.join(".leakguard");
    let signers_path = dir.join("allowed_signers");
    let policy_path = dir.join("policy.yaml");
    let ns = "leakguard-approval";

    // Keys: given, or the user's own.
    let mut keys: Vec<(String, String, PathBuf)> = Vec::new();
    for spec in &a.approvers {
        let Some((name, file)) = spec.split_once('=').filter(|(n, f)| !n.trim().is_empty() && !f.is_empty()) else {
            eprintln!("error: --approver wants NAME=KEYFILE (e.g. carol@corp.test=carol.pub), got `{spec}`");
            return exit::USAGE;
        };
        if name.trim().contains(|c: char| c.is_whitespace() || matches!(c, ',' | '"' | '*' | '?' | '!')) {
            eprintln!("error: --approver {spec}: the principal is one name (an e-mail), without spaces, commas, quotes or patterns");
            return exit::USAGE;
        }
        let file = expand_home(file);
        match read_key(&file) {
            Ok(k) => keys.push((name.trim().to_string(), k, file)),
            Err(e) => {
                eprintln!("error: --approver {spec}: {e}");
                return exit::USAGE;
            }
        }
    }
    if a.approvers.is_empty() {
        let me = crate::approval::actor(Some(&root));
        for file in own_keys() {
            if let Ok(k) = read_key(&file) {
                keys.push((me.clone(), k, file));
            }
        }
    }

    // allowed_signers: existing lines kept as they are, new (principal, key) pairs added.
    let old_signers = std::fs::read_to_string(&signers_path).unwrap_or_default();
    let (parsed, _) = crate::approval::signers::parse(&old_signers);
    let mut text = old_signers.clone();
    if text.is_empty() {
        text.push_str(
            "# git's allowed_signers format: principal [options] keytype key [comment]. Written by `leakguard init`.\n",
        );
    } else if !text.ends_with('\n') {
        text.push('\n');
    }
    for (name, key, file) in &keys {
        let known = parsed.iter().any(|s| {
            s.principals.iter().any(|p| p == name)
                && s.key.to_openssh().ok().is_some_and(|k| key_body(&k) == key_body(key))
        });
        if !known {
            let from = file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            text.push_str(&format!("{name} namespaces=\"{ns}\" {} {from}\n", key_body(key)));
        }
    }
    let (all, _) = crate::approval::signers::parse(&text);
    let members: BTreeSet<String> =
        all.iter().flat_map(|s| s.principals.iter()).filter(|p| !p.contains(['*', '?', '!'])).cloned().collect();

    // The policy: a layer on top of the pack.
    let old_policy = std::fs::read_to_string(&policy_path).ok();
    if let Some(p) = &old_policy {
        if !p.starts_with(MARK) && !a.force {
            eprintln!(
                "error: {} exists and was not written by `leakguard init`; add to it by hand:\n  roles:\n    {ROLE}: [{}]\n  approvals:\n    allowed_signers: .leakguard/allowed_signers\n(or run again with --force to replace it)",
                policy_path.display(),
                members.iter().cloned().collect::<Vec<_>>().join(", ")
            );
            return exit::USAGE;
        }
    }
    let store_paths: Vec<String> = if a.store_paths.is_empty() {
        // Keep what an earlier run wrote.
        old_policy.as_deref().map(previous_store_paths).unwrap_or_default()
    } else {
        a.store_paths.clone()
    };
    let policy = policy_text(&members, &store_paths);

    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return exit::INTERNAL;
    }
    for (path, new, old) in [(&signers_path, &text, Some(&old_signers)), (&policy_path, &policy, old_policy.as_ref())] {
        if old.is_some_and(|o| o == new) {
            println!("unchanged: {}", path.display());
            continue;
        }
        if let Err(e) = std::fs::write(path, new) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::INTERNAL;
        }
        println!("wrote: {}", path.display());
    }

    // The result is a policy like any other: load and check it.
    let p = match g.load_policy(&root) {
        Ok(p) => p,
        Err(c) => return c,
    };
    super::print_reports(g, p.warnings.iter().cloned().map(miette::Report::new).collect());
    if members.is_empty() {
        println!(
            "no approvers: nobody can approve a blocked step until you run `leakguard init --approver NAME=KEYFILE` (no key given, none found in ~/.ssh)"
        );
    } else {
        let n = p.rule("customer-lists-stay-in-stores").and_then(|r| r.override_.as_ref()).map_or(2, |o| o.approvals);
        println!(
            "approvers ({ROLE}): {}; a blocked step needs {n} of them, not the requester",
            members.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        if (members.len() as u32) < n + 1 {
            println!(
                "note: an approver's own blocked step needs {n} *other* approvers; with {} of them, add {} more (--approver) so that theirs can be approved too",
                members.len(),
                n + 1 - members.len() as u32
            );
        }
    }
    println!("next: leakguard install && git add .leakguard && git commit -m 'leakguard: policy and approvers'");
    exit::ALLOW
}

fn policy_text(members: &BTreeSet<String>, store_paths: &[String]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let list = |v: Vec<String>| format!("[{}]", v.join(", "));
    let mut t = format!(
        "{MARK}; running it again rewrites this file (keep your own additions in another\n\
         # .leakguard/*.yaml file: all of them are one layer on top of the built-in pack).\n\
         # No `extends` means `extends: [builtin]`: every rule of the pack stays in force.\n\
         # `leakguard policy show` prints the effective policy, each item with its origin.\n\
         version: 1\n\
         roles:\n  # every principal of .leakguard/allowed_signers; the pack's overrides name this role\n  {ROLE}: {}\n\
         approvals:\n  allowed_signers: .leakguard/allowed_signers\n",
        list(members.iter().map(|m| quote(m)).collect())
    );
    if !store_paths.is_empty() {
        t.push_str(&format!(
            "stores:\n  # replaces the pack's store of the same id: where customer lists may live\n  customer-exports:\n    description: Role-scoped export directories\n    paths: {}\n    roles: []\n    private: true\n",
            list(store_paths.iter().map(|p| quote(p)).collect())
        ));
    }
    t
}

/// The store paths a policy `init` wrote holds (to keep them on a re-run).
fn previous_store_paths(text: &str) -> Vec<String> {
    let Some(line) = text.lines().find(|l| l.trim_start().starts_with("paths: [")) else { return Vec::new() };
    let inner = line.trim().trim_start_matches("paths: [").trim_end_matches(']');
    inner
        .split("\", \"")
        .map(|s| s.trim_matches('"').replace("\\\"", "\"").replace("\\\\", "\\"))
        .filter(|s| !s.is_empty())
        .collect()
}

/// An OpenSSH public key file, checked: one key, of a type approvals accept.
fn read_key(file: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    let key = ssh_key::PublicKey::from_openssh(line)
        .map_err(|e| format!("{} is not an OpenSSH public key (give the `.pub` file): {e}", file.display()))?;
    match key.algorithm() {
        ssh_key::Algorithm::Ed25519 | ssh_key::Algorithm::Ecdsa { curve: ssh_key::EcdsaCurve::NistP256 } => {}
        other => {
            return Err(format!("{}: {other} keys cannot sign approvals (use ed25519 or ecdsa p256)", file.display()))
        }
    }
    key.to_openssh().map_err(|e| e.to_string())
}

/// `keytype base64` without the comment.
fn key_body(k: &str) -> String {
    k.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

fn own_keys() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else { return Vec::new() };
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(&home).join(".ssh"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "pub")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(h)) => Path::new(&h).join(rest),
        _ => PathBuf::from(p),
    }
}
