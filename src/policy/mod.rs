//! Policies: load raw YAML with spans (`raw`), find and merge files (`load`),
//! validate into the model below collecting every problem (`validate`).
//!
//! Owns the policy model the rest of leakguard reads. Compiles detectors for
//! `detect` but does not scan; never touches git2.

pub mod diag;
pub mod examples;
pub mod load;
pub mod raw;
mod shape;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use globset::GlobSet;

use crate::detect::{self, ClassSpec, Limits, Scanner};

pub use diag::PolicyDiag;
pub use load::{load, LayerKind, LoadError, PolicyArgs};

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
    /// Where each role, store, action (`kind:id`) and each `approvals.*` / `settings.*`
    /// key that was set came from (classes and rules carry their own `origin`).
    pub origins: BTreeMap<String, Origin>,
    /// `kind:id` → the declarations a later layer replaced (see `load`).
    pub replaced: BTreeMap<String, Vec<Origin>>,
    /// Problems that do not stop the policy (rendered as miette warnings).
    pub warnings: Vec<PolicyDiag>,
}

/// One policy file as loaded.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as given, or `builtin:<name>`.
    pub name: String,
    pub text: std::sync::Arc<String>,
    /// Directory relative paths in the file are resolved against (none for built-in).
    pub dir: Option<PathBuf>,
    /// The layer the file belongs to (see `load`).
    pub kind: LayerKind,
    /// Position of that layer (0 is the pack); files of one layer share it.
    pub layer: usize,
}

impl Source {
    /// A file given directly (a layer of its own above the pack).
    pub fn file(name: impl Into<String>, text: impl Into<String>, dir: Option<PathBuf>) -> Source {
        Source {
            name: name.into(),
            text: std::sync::Arc::new(text.into()),
            dir,
            kind: LayerKind::CommandLine,
            layer: 1,
        }
    }
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

/// One example of a class, with where it is written.
#[derive(Debug, Clone)]
pub struct Example {
    pub what: ExampleText,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub enum ExampleText {
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
    /// Whether `path` is in this rule's `paths:` scope (all paths when it has none).
    pub fn in_scope(&self, path: &str) -> bool {
        let outer = path.split('!').next().unwrap_or(path);
        self.path_set.as_ref().is_none_or(|s| s.is_match(outer) || s.is_match(path))
    }

    /// The `exclude_paths` glob that matches the file at `path`, if any. Only the
    /// outer file's path counts: a member's name inside an archive (`x.zip!CHANGELOG`)
    /// never excludes it, or naming a member would hide it.
    pub fn excluded_by(&self, path: &str) -> Option<&str> {
        let outer = path.split('!').next().unwrap_or(path);
        self.exclude_set.matches(outer).first().and_then(|&i| self.exclude_paths.get(i)).map(String::as_str)
    }

    /// Whether this rule judges content at `path` (in scope and not excluded).
    pub fn applies_to(&self, path: &str) -> bool {
        self.in_scope(path) && self.excluded_by(path).is_none()
    }
}

/// The rule id of findings for content that could not be read or decoded.
pub const UNSCANNABLE: &str = "unscannable";

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
    /// `settings.pusher_env`: variables naming the authenticated pusher on a server.
    pub pusher_env: Vec<String>,
    /// `settings.audit_signers`: roles that may sign audit checkpoints (`None`: the
    /// default, [`Policy::audit_signer_roles`]).
    pub audit_signers: Option<Vec<String>>,
}

/// Variables hosting setups set to the authenticated pusher: GitLab server hooks,
/// Gitea/Forgejo, GitHub Enterprise pre-receive hooks, HTTP basic auth (`git
/// http-backend`), and leakguard's own for `authorized_keys` `environment=`.
pub const DEFAULT_PUSHER_ENV: &[&str] =
    &["GL_USERNAME", "GITEA_PUSHER_EMAIL", "GITHUB_USER_LOGIN", "REMOTE_USER", "LEAKGUARD_PUSHER"];

impl Settings {
    /// The authenticated pusher (variable, value) on a server, if the setup names one.
    pub fn pusher(&self) -> Option<(String, String)> {
        self.pusher_env.iter().find_map(|k| {
            let v = std::env::var(k).ok()?;
            let v = v.trim();
            (!v.is_empty()).then(|| (k.clone(), v.to_string()))
        })
    }
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
        let mut scanner = Scanner::new(classes, self.settings.limits.clone());
        scanner.prepare = Some(examples::blank);
        scanner
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

    /// The two-person override that opens findings of rule `id`. Findings of content
    /// that could not be read (`unscannable`) could hide any rule, so they take the
    /// strictest override the policy declares (most approvals, then shortest ttl).
    pub fn override_of(&self, id: &str) -> Option<&Override> {
        if id == UNSCANNABLE {
            return self
                .rules
                .iter()
                .filter_map(|r| r.override_.as_ref())
                .max_by_key(|o| (o.approvals, std::cmp::Reverse(o.ttl), o.reason_required));
        }
        self.rule(id)?.override_.as_ref()
    }

    /// Roles whose members may sign audit checkpoints: `settings.audit_signers`, else the
    /// roles that may approve anything — named by the override of every rule that has
    /// one (the built-in pack: `security-officer`). No rule with an override: none.
    pub fn audit_signer_roles(&self) -> Vec<String> {
        if let Some(r) = &self.settings.audit_signers {
            return r.clone();
        }
        let mut overrides = self.rules.iter().filter_map(|r| r.override_.as_ref());
        let Some(first) = overrides.next() else { return Vec::new() };
        let mut roles = first.approvers.clone();
        for o in overrides {
            roles.retain(|r| o.approvers.contains(r));
        }
        roles.sort();
        roles.dedup();
        roles
    }

    /// Roles held by a principal (case-insensitive match).
    pub fn roles_of(&self, principal: &str) -> Vec<String> {
        self.roles
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| p.eq_ignore_ascii_case(principal)))
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// Where an id was declared, as `file:line:col` (just `file` for a whole-file origin).
    pub fn origin_str(&self, o: Origin) -> String {
        let name = self.sources.get(o.source).map_or("?", |s| s.name.as_str());
        if o.line == 0 {
            return name.to_string();
        }
        format!("{name}:{}:{}", o.line, o.column)
    }

    /// Principals holding any of `roles`.
    pub fn members(&self, roles: &[String]) -> Vec<String> {
        let mut out: Vec<String> = roles
            .iter()
            .filter_map(|r| self.roles.get(r))
            .flatten()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        out.sort();
        out
    }

    /// Adds the warnings about the effective policy as a whole: no rule for customer
    /// lists; overrides nobody can give.
    fn with_warnings(mut self) -> Self {
        let warn = |p: &Policy, code: crate::code::Code, o: Option<Origin>, message: String, help: String| {
            let src = o.and_then(|o| p.sources.get(o.source).map(|s| (o, s)));
            PolicyDiag {
                code,
                message,
                label: "this rule".into(),
                help: Some(help),
                span: src.and_then(|(o, s)| diag::span_at(&s.text, o.line, o.column)),
                src: src.map(|(_, s)| miette::NamedSource::new(&s.name, s.text.clone())),
            }
        };
        if !self.rules.iter().any(|r| r.class == "customer-list") {
            let w = warn(
                &self,
                crate::code::Code::NoCustomerListRule,
                None,
                "no rule judges class `customer-list`: customer lists pass unchecked".into(),
                "keep the built-in pack as the base (drop `extends: []`) or add a rule with `class: customer-list`; \
                 `leakguard policy show` prints the effective policy"
                    .into(),
            );
            self.warnings.push(w);
        }
        let mut seen = BTreeSet::new();
        for r in &self.rules {
            let Some(o) = &r.override_ else { continue };
            let why = if self.members(&o.approvers).is_empty() {
                format!("its approver roles ({}) have no members", o.approvers.join(", "))
            } else if self.approvals.allowed_signers.is_none() {
                "the policy names no `approvals.allowed_signers` file".to_string()
            } else {
                continue;
            };
            if !seen.insert(why.clone()) {
                continue;
            }
            let w = warn(
                &self,
                crate::code::Code::NoApprovers,
                Some(r.origin),
                format!("nobody can approve rule `{}`: {why}", r.id),
                "run `leakguard init --approver NAME=~/.ssh/id_ed25519.pub` (twice for two approvers), or declare the \
                 role's members under `roles:` and their keys in `approvals.allowed_signers`"
                    .into(),
            );
            self.warnings.push(w);
        }
        self
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
