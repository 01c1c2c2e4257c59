//! Policies: load raw YAML with spans (`raw`), find and merge files (`load`),
//! validate into the model below collecting every problem (`validate`).
//!
//! Owns the policy model the rest of leakguard reads. Compiles detectors for
//! `detect` but does not scan; never touches git2.

pub mod diag;
pub mod load;
pub mod raw;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use globset::GlobSet;

use crate::detect::{self, ClassSpec, Limits, Scanner};

pub use diag::PolicyDiag;
pub use load::{load, LoadError, PolicyArgs};

/// A validated policy: every file merged, every reference resolved.
#[derive(Debug)]
pub struct Policy {
    pub sources: Vec<Source>,
    /// `sha256:` over the sources (name and text), in load order.
    pub digest: String,
    pub roles: BTreeMap<String, Vec<String>>,
    pub approvals: Approvals,
    pub classes: Vec<Class>,
    pub stores: Vec<Store>,
    pub actions: Vec<Action>,
    pub rules: Vec<Rule>,
    pub allow: Allow,
    pub settings: Settings,
}

/// One policy file as loaded.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as given, or `builtin:<name>`.
    pub name: String,
    pub text: std::sync::Arc<String>,
    /// Directory relative paths in the file are resolved against (none for built-in).
    pub dir: Option<PathBuf>,
}

/// Where an id was declared: source index and 1-based line/column.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin {
    pub source: usize,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone)]
pub struct Class {
    pub id: String,
    pub description: String,
    pub detectors: Vec<detect::Detector>,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<Example>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub enum Example {
    Inline(String),
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Store {
    pub id: String,
    pub description: String,
    pub paths: Vec<String>,
    pub path_set: GlobSet,
    pub git: Vec<String>,
    pub git_set: GlobSet,
    pub destinations: Vec<String>,
    pub roles: Vec<String>,
    pub private: bool,
    pub quarantine: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub id: String,
    pub description: String,
    pub command: Vec<String>,
    pub command_globs: Vec<globset::GlobMatcher>,
    pub roles: Vec<String>,
    pub output: Output,
    pub produces: Option<String>,
    pub sends: Option<Sends>,
    /// Where the tool writes when the output flag is absent (`output.default`).
    pub output_default: Option<PathBuf>,
    /// Other spellings of the output flag (`output.aliases`).
    pub output_aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    None,
    Stdout,
    Flag(String),
    Arg(usize),
    /// A built-in output recipe (`output: {recipe: psql}`).
    Recipe(String),
}

#[derive(Debug, Clone)]
pub struct Sends {
    pub args: SendArgs,
    pub destination: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendArgs {
    Files,
    Positions(Vec<usize>),
    /// A built-in upload recipe (`sends: {recipe: curl}`).
    Recipe(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Block,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "block" => Some(Severity::Block),
            "warn" => Some(Severity::Warn),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Block => "block",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub class: String,
    pub allow_in: Vec<String>,
    pub paths: Vec<String>,
    pub path_set: Option<GlobSet>,
    pub exclude_paths: Vec<String>,
    pub exclude_set: GlobSet,
    pub severity: Severity,
    pub message: String,
    pub override_: Option<Override>,
    pub origin: Origin,
}

impl Rule {
    /// Whether this rule judges content at `path` (repository- or root-relative).
    pub fn applies_to(&self, path: &str) -> bool {
        let outer = path.split('!').next().unwrap_or(path);
        let in_scope = self.path_set.as_ref().is_none_or(|s| s.is_match(outer) || s.is_match(path));
        in_scope && !self.exclude_set.is_match(outer) && !self.exclude_set.is_match(path)
    }
}

#[derive(Debug, Clone)]
pub struct Override {
    pub approvals: u32,
    pub approvers: Vec<String>,
    pub ttl: Duration,
    pub reason_required: bool,
    /// `reason: required` written out: a request without a reason cannot be signed.
    pub reason_enforced: bool,
}

#[derive(Debug, Clone)]
pub struct Allow {
    pub paths: Vec<String>,
    pub path_set: GlobSet,
    pub digests: BTreeSet<String>,
    pub markers: bool,
}

#[derive(Debug, Clone)]
pub struct Approvals {
    pub allowed_signers: Option<PathBuf>,
    pub namespace: String,
    pub default_ttl: Duration,
    pub break_glass: Option<BreakGlass>,
}

#[derive(Debug, Clone)]
pub struct BreakGlass {
    pub approvers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub unscannable: Severity,
    pub max_file_size: u64,
    pub limits: Limits,
    pub fingerprint_dir: Option<PathBuf>,
    pub fingerprint_key_file: Option<PathBuf>,
    /// `exec` of a command no action matches is blocked.
    pub exec_unknown_blocks: bool,
    pub audit_log: Option<PathBuf>,
    /// `settings.state_dir`: single-use consumption and the exec audit log.
    pub state_dir: Option<PathBuf>,
}

impl Policy {
    /// The scanner for every class of this policy.
    /// Fingerprint sets named by `fingerprints` detectors are opened here when a key is
    /// available (`settings.fingerprint_key_file` or `$LEAKGUARD_FP_KEY`).
    pub fn scanner(&self) -> Scanner {
        let mut classes: Vec<ClassSpec> =
            self.classes.iter().map(|c| ClassSpec { id: c.id.clone(), detectors: c.detectors.clone() }).collect();
        let wants_fp =
            classes.iter().flat_map(|c| &c.detectors).any(|d| matches!(d, detect::Detector::Fingerprints(_)));
        if wants_fp {
            let key = crate::fingerprint::Key::load(self.settings.fingerprint_key_file.as_deref()).ok().flatten();
            let dir = crate::fingerprint::default_dir(self.settings.fingerprint_dir.as_deref());
            crate::fingerprint::attach(&mut classes, &dir, key.as_ref());
        }
        Scanner::new(classes, self.settings.limits.clone())
    }

    pub fn class(&self, id: &str) -> Option<&Class> {
        self.classes.iter().find(|c| c.id == id)
    }

    pub fn store(&self, id: &str) -> Option<&Store> {
        self.stores.iter().find(|s| s.id == id)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Roles held by a principal (case-insensitive match).
    pub fn roles_of(&self, principal: &str) -> Vec<String> {
        self.roles
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| p.eq_ignore_ascii_case(principal)))
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// Where an id was declared, as `file:line:col`.
    pub fn origin_str(&self, o: Origin) -> String {
        let name = self.sources.get(o.source).map_or("?", |s| s.name.as_str());
        format!("{name}:{}:{}", o.line, o.column)
    }
}

/// `24h`, `30m`, `7d`, `90s`, `2w`, or combinations such as `1h30m`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0u64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total = total.checked_add(n.checked_mul(match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        })?)?;
    }
    if !num.is_empty() {
        return None;
    }
    Some(Duration::from_secs(total))
}

/// `1048576`, `64KiB`, `512MiB`, `1GiB`, `100MB`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    let mult = match s[split..].trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1000,
        "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("24"), None);
        assert_eq!(parse_duration("3x"), None);
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("10 MB"), Some(10_000_000));
        assert_eq!(parse_size("ten"), None);
    }
}
