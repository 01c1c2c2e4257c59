//! Finding, reading and composing policy files.
//!
//! Owns discovery, the layers and how they compose; `validate` turns the composed raw
//! files into the model. Never touches git2.
//!
//! **Layers**, lowest first (each later layer builds on the ones before it):
//!
//! 1. `builtin` — the pack compiled into the binary from `policies/`. It is the base of
//!    every policy unless *every* policy file opts out with `extends: []` (a file
//!    without `extends` means `extends: [builtin]`) and `builtin` is not named on the
//!    command line or in `$LEAKGUARD_POLICY`.
//! 2. `system` — `/etc/leakguard/*.yaml` (when the caller enables it, see
//!    [`PolicyArgs::with_system_and_user`]).
//! 3. `user` — `$XDG_CONFIG_HOME/leakguard/*.yaml` (same).
//! 4. the policy of the place: each `--policy` value (a file or directory; the word
//!    `builtin` names the pack) is a layer of its own in the order given; else each
//!    `$LEAKGUARD_POLICY` entry; else `leakguard.yaml` plus `.leakguard/*.yaml` at the
//!    repository root, together one layer.
//!
//! **Conflicts.** Within one layer an id (role, class, store, action, rule) is declared
//! once: a second declaration is a `duplicate-id` error naming both places. Across
//! layers the later layer wins per id: its item replaces the earlier one *whole* (a
//! role's member list, a class's detectors, a rule with all its fields), and `policy
//! show` names what it replaced. `approvals` and `settings` keys are replaced per key;
//! `allow.paths` and `allow.digests` add up. The one exception is the system layer:
//! its ids are final, a user or repository policy may add ids but not replace those
//! (a `duplicate-id` error), so an administrator's exec actions and rules hold in every
//! repository.
//!
//! Every file is parsed; parse errors of all files and validation problems are reported
//! together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{raw::RawPolicy, validate, Origin, Policy, PolicyDiag, Source};
use crate::code::Code;

/// The built-in pack: `policies/*.yaml`, embedded at build time.
pub const BUILTIN: &[(&str, &str)] = &[
    ("customer-lists.yaml", include_str!("../../policies/customer-lists.yaml")),
    ("secrets.yaml", include_str!("../../policies/secrets.yaml")),
    ("bulk-pii.yaml", include_str!("../../policies/bulk-pii.yaml")),
];

/// Where a policy file was found. Ordered lowest (the base) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LayerKind {
    Builtin,
    System,
    User,
    /// `leakguard.yaml` / `.leakguard/` at the repository (or scanned) root.
    Repository,
    /// An entry of `$LEAKGUARD_POLICY`.
    Environment,
    /// A `--policy` value.
    CommandLine,
}

impl LayerKind {
    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Builtin => "builtin",
            LayerKind::System => "system",
            LayerKind::User => "user",
            LayerKind::Repository => "repository",
            LayerKind::Environment => "$LEAKGUARD_POLICY",
            LayerKind::CommandLine => "--policy",
        }
    }
}

/// What the command line says about policies.
#[derive(Debug, Clone, Default)]
pub struct PolicyArgs {
    /// `--policy` values.
    pub paths: Vec<PathBuf>,
    /// Repository (or scan) root, for `leakguard.yaml` / `.leakguard/`.
    pub root: PathBuf,
    /// The system policy directory, read below everything but the pack (off unless set).
    pub system_dir: Option<PathBuf>,
    /// The user's policy directory, read after the system's (off unless set).
    pub user_dir: Option<PathBuf>,
    /// Never read `$LEAKGUARD_POLICY` (a server hook: the environment is the pusher's).
    pub ignore_env: bool,
}

impl PolicyArgs {
    /// Also reads the system (`$LEAKGUARD_SYSTEM_POLICY_DIR`, default `/etc/leakguard`) and
    /// the user (`$XDG_CONFIG_HOME/leakguard`, default `~/.config/leakguard`) policy
    /// directories, when they exist. Faces that run outside repositories (`exec`) use it.
    pub fn with_system_and_user(mut self) -> Self {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        self.system_dir = Some(env("LEAKGUARD_SYSTEM_POLICY_DIR").unwrap_or_else(|| PathBuf::from("/etc/leakguard")));
        self.user_dir =
            env("XDG_CONFIG_HOME").or_else(|| env("HOME").map(|h| h.join(".config"))).map(|d| d.join("leakguard"));
        self
    }
}

/// Why no policy could be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// Problems in policy files, each rendered with file:line:col.
    Invalid(Vec<miette::Report>),
}

impl LoadError {
    pub fn reports(self) -> Vec<miette::Report> {
        match self {
            LoadError::Invalid(r) => r,
        }
    }
}

/// Finds, parses, composes and validates the policy.
pub fn load(args: &PolicyArgs) -> Result<Policy, LoadError> {
    let sources = discover(args)?;
    let policy = from_sources(sources)?;
    fingerprint_key_ok(&policy)?;
    Ok(policy)
}

/// A `fingerprints` detector with an invalid key (too short, unreadable key file) is a
/// policy error: it would otherwise match nothing, silently.
fn fingerprint_key_ok(policy: &Policy) -> Result<(), LoadError> {
    let wants =
        policy.classes.iter().flat_map(|c| &c.detectors).any(|d| matches!(d, crate::detect::Detector::Fingerprints(_)));
    if !wants {
        return Ok(());
    }
    match crate::fingerprint::Key::load(policy.settings.fingerprint_key_file.as_deref()) {
        Ok(_) => Ok(()),
        Err(e) => Err(LoadError::Invalid(vec![miette::Report::new(PolicyDiag {
            code: Code::FingerprintKey,
            message: format!("the fingerprint key is invalid: {e}"),
            label: String::new(),
            help: Some("LEAKGUARD_FP_KEY holds 16+ bytes as hex (or names a key file); settings.fingerprint_key_file names a readable file".into()),
            src: None,
            span: None,
        })])),
    }
}

/// Parses, composes (see the module docs) and validates already-read sources. The pack
/// is added as the base when the files ask for it and it is not among them.
pub fn from_sources(sources: Vec<Source>) -> Result<Policy, LoadError> {
    let mut reports = Vec::new();
    let mut parsed: Vec<(Source, Option<RawPolicy>)> = Vec::new();
    for src in sources {
        let (raw, problems) = super::shape::parse(&src);
        reports.extend(problems);
        parsed.push((src, raw));
    }
    let mut warnings = Vec::new();
    let has_builtin = parsed.iter().any(|(s, _)| s.kind == LayerKind::Builtin);
    // Which files build on the pack: every file without `extends`, or naming `builtin`.
    let extending: Vec<usize> = parsed
        .iter()
        .enumerate()
        .filter(|(_, (_, r))| {
            r.as_ref().is_some_and(|r| r.extends.as_ref().is_none_or(|e| e.value.iter().any(|x| x.value == "builtin")))
        })
        .map(|(i, _)| i)
        .collect();
    let opted_out = parsed.iter().any(|(_, r)| r.as_ref().is_some_and(|r| r.extends.is_some()));
    let wants_builtin = has_builtin || !extending.is_empty() || !opted_out;
    for (i, (src, raw)) in parsed.iter().enumerate() {
        let Some(ext) = raw.as_ref().and_then(|r| r.extends.as_ref()) else { continue };
        for name in &ext.value {
            if name.value != "builtin" {
                reports.push(miette::Report::new(diag_at(
                    src,
                    Code::PolicySyntax,
                    &name.referenced,
                    format!("unknown base `{}` in `extends`", name.value),
                    "not a policy this leakguard knows",
                    Some("`extends` takes `[builtin]` (the default) or `[]` (start empty)".into()),
                )));
            }
        }
        if ext.value.is_empty() && wants_builtin {
            let by = if has_builtin {
                "`builtin` is named on the command line or in $LEAKGUARD_POLICY".to_string()
            } else {
                let others: Vec<&str> =
                    extending.iter().filter(|j| **j != i).map(|j| parsed[*j].0.name.as_str()).collect();
                format!("{} extends builtin (a file without `extends` does)", others.join(", "))
            };
            warnings.push(diag_at(
                src,
                Code::ExtendsIgnored,
                &ext.referenced,
                "`extends: []` has no effect: the built-in pack stays the base".to_string(),
                "start empty",
                Some(format!("{by}; the pack is left out only when no file asks for it")),
            ));
        }
    }
    if wants_builtin && !has_builtin {
        let mut all: Vec<(Source, Option<RawPolicy>)> = Vec::new();
        for src in builtin() {
            // The pack is compiled in and tested; a parse failure would be a build bug.
            let raw = super::shape::parse(&src).0;
            all.push((src, raw));
        }
        all.append(&mut parsed);
        parsed = all;
    }
    // Lowest layer first (stable: files keep their order within a layer).
    parsed.sort_by_key(|(s, _)| (s.kind != LayerKind::Builtin, s.layer));
    let (sources, raws): (Vec<Source>, Vec<Option<RawPolicy>>) = parsed.into_iter().unzip();
    let mut raws: Vec<(usize, RawPolicy)> = raws.into_iter().enumerate().filter_map(|(i, r)| Some((i, r?))).collect();
    let (replaced, diags) = compose(&sources, &mut raws);
    reports.extend(diags.into_iter().map(miette::Report::new));
    match validate::validate(&sources, raws) {
        Ok(mut p) if reports.is_empty() => {
            p.replaced = replaced;
            p.warnings.splice(0..0, warnings);
            Ok(p)
        }
        Ok(_) => Err(LoadError::Invalid(reports)),
        Err(diags) => {
            reports.extend(diags.into_iter().map(miette::Report::new));
            Err(LoadError::Invalid(reports))
        }
    }
}

/// A diagnostic at a location of a source.
pub(super) fn diag_at(
    src: &Source,
    code: Code,
    loc: &serde_saphyr::Location,
    message: String,
    label: &str,
    help: Option<String>,
) -> PolicyDiag {
    PolicyDiag {
        code,
        message,
        label: label.into(),
        help,
        src: Some(miette::NamedSource::new(&src.name, src.text.clone())),
        span: super::diag::span_of(loc, &src.text),
    }
}

/// The id kinds layers compose by.
const KINDS: [&str; 5] = ["role", "class", "store", "action", "rule"];

fn ids(raw: &RawPolicy, kind: &str) -> Vec<(String, serde_saphyr::Location)> {
    let key = |k: &crate::policy::raw::S<String>| (k.value.clone(), k.referenced);
    match kind {
        "role" => raw.roles.0.iter().map(|(k, _)| key(k)).collect(),
        "class" => raw.classes.0.iter().map(|(k, _)| key(k)).collect(),
        "store" => raw.stores.0.iter().map(|(k, _)| key(k)).collect(),
        "action" => raw.actions.0.iter().map(|(k, _)| key(k)).collect(),
        _ => raw.rules.iter().map(|r| key(&r.id)).collect(),
    }
}

fn retain(raw: &mut RawPolicy, kind: &str, keep: impl Fn(&str) -> bool) {
    match kind {
        "role" => raw.roles.0.retain(|(k, _)| keep(&k.value)),
        "class" => raw.classes.0.retain(|(k, _)| keep(&k.value)),
        "store" => raw.stores.0.retain(|(k, _)| keep(&k.value)),
        "action" => raw.actions.0.retain(|(k, _)| keep(&k.value)),
        _ => raw.rules.retain(|r| keep(&r.id.value)),
    }
}

/// Later layers replace earlier layers' items by id (see the module docs). Returns, per
/// `kind:id` that was replaced, the origins of the replaced declarations.
fn compose(sources: &[Source], raws: &mut [(usize, RawPolicy)]) -> (BTreeMap<String, Vec<Origin>>, Vec<PolicyDiag>) {
    let layer = |i: usize| (sources[i].kind != LayerKind::Builtin, sources[i].layer);
    let mut replaced: BTreeMap<String, Vec<Origin>> = BTreeMap::new();
    let mut diags = Vec::new();
    for kind in KINDS {
        // The winning layer of every id, and where it is first declared there.
        let mut winner: BTreeMap<String, ((bool, usize), usize, serde_saphyr::Location)> = BTreeMap::new();
        for (i, raw) in raws.iter() {
            for (id, loc) in ids(raw, kind) {
                let l = layer(*i);
                match winner.get(&id) {
                    Some((wl, _, _)) if *wl >= l => {}
                    _ => {
                        winner.insert(id, (l, *i, loc));
                    }
                }
            }
        }
        let mut refused: Vec<(usize, String)> = Vec::new();
        for (i, raw) in raws.iter_mut() {
            let l = layer(*i);
            let mut dropped = Vec::new();
            for (id, loc) in ids(raw, kind) {
                let (wl, wi, wloc) = &winner[&id];
                if *wl == l {
                    continue;
                }
                let key = format!("{kind}:{id}");
                let origin = Origin { source: *i, line: loc.line(), column: loc.column() };
                if sources[*i].kind == LayerKind::System && sources[*wi].kind != LayerKind::System {
                    diags.push(diag_at(
                        &sources[*wi],
                        Code::DuplicateId,
                        wloc,
                        format!("{kind} `{id}` is declared by the system policy and cannot be replaced"),
                        "declared again here",
                        Some(format!(
                            "first declared at {}:{}:{}; the system policy's ids are final — pick another id",
                            sources[*i].name,
                            loc.line(),
                            loc.column()
                        )),
                    ));
                    refused.push((*wi, id));
                    continue;
                }
                replaced.entry(key).or_default().push(origin);
                dropped.push(id);
            }
            if !dropped.is_empty() {
                retain(raw, kind, |id| !dropped.iter().any(|d| d == id));
            }
        }
        // The refused replacements are left out, so they are reported once.
        for (wi, id) in refused {
            if let Some((_, raw)) = raws.iter_mut().find(|(i, _)| *i == wi) {
                retain(raw, kind, |x| x != id);
            }
        }
    }
    (replaced, diags)
}

/// The policy files in force, read, each tagged with its layer.
pub fn discover(args: &PolicyArgs) -> Result<Vec<Source>, LoadError> {
    let mut layers: Vec<(LayerKind, PathBuf)> = Vec::new();
    for (kind, dir) in [(LayerKind::System, &args.system_dir), (LayerKind::User, &args.user_dir)] {
        if let Some(d) = dir.as_ref().filter(|d| d.is_dir()) {
            layers.push((kind, d.clone()));
        }
    }
    let mut place: Vec<(LayerKind, PathBuf)> = args.paths.iter().map(|p| (LayerKind::CommandLine, p.clone())).collect();
    if place.is_empty() && !args.ignore_env {
        if let Some(env) = std::env::var_os("LEAKGUARD_POLICY").filter(|v| !v.is_empty()) {
            place.extend(std::env::split_paths(&env).map(|p| (LayerKind::Environment, p)));
        }
    }
    let mut repo_files = Vec::new();
    if place.is_empty() {
        let file = args.root.join("leakguard.yaml");
        if file.is_file() {
            repo_files.push(file);
        }
        let dir = args.root.join(".leakguard");
        if dir.is_dir() {
            repo_files.extend(yaml_files(&dir).unwrap_or_default());
        }
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let read = |files: Vec<PathBuf>, kind: LayerKind, layer: usize, out: &mut Vec<Source>, errors: &mut Vec<_>| {
        for f in files {
            match std::fs::read(&f) {
                Ok(bytes) => out.push(Source {
                    name: f.display().to_string(),
                    text: Arc::new(String::from_utf8_lossy(&bytes).into_owned()),
                    dir: f.parent().map(Path::to_path_buf),
                    kind,
                    layer,
                }),
                Err(e) => errors.push(io_report(&f, &e)),
            }
        }
    };
    let mut n = 1;
    for (kind, p) in layers.into_iter().chain(place) {
        if p.as_os_str() == "builtin" {
            out.extend(builtin());
            continue;
        }
        match if p.is_dir() { yaml_files(&p) } else { Ok(vec![p.clone()]) } {
            Ok(files) => read(files, kind, n, &mut out, &mut errors),
            Err(e) => errors.push(io_report(&p, &e)),
        }
        n += 1;
    }
    read(repo_files, LayerKind::Repository, n, &mut out, &mut errors);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(LoadError::Invalid(errors))
    }
}

/// The built-in pack as sources (layer 0).
pub fn builtin() -> Vec<Source> {
    BUILTIN
        .iter()
        .map(|(name, text)| Source {
            name: format!("builtin:{name}"),
            text: Arc::new((*text).to_string()),
            dir: None,
            kind: LayerKind::Builtin,
            layer: 0,
        })
        .collect()
}

fn yaml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    Ok(files)
}

fn io_report(path: &Path, e: &std::io::Error) -> miette::Report {
    miette::Report::new(PolicyDiag {
        code: Code::PolicySyntax,
        message: format!("cannot read policy {}: {e}", path.display()),
        label: String::new(),
        help: None,
        src: None,
        span: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str, kind: LayerKind, layer: usize) -> Source {
        Source { name: name.into(), text: Arc::new(text.into()), dir: None, kind, layer }
    }

    #[test]
    fn system_ids_are_final_and_later_layers_replace_the_rest() {
        let system =
            src("/etc/leakguard/p.yaml", "version: 1\nroles:\n  admins: [root@corp.test]\n", LayerKind::System, 1);
        let user = src("u.yaml", "version: 1\nroles:\n  security-officer: [carol@corp.test]\n", LayerKind::User, 2);
        let p = from_sources(vec![system.clone(), user.clone()]).expect("valid");
        assert_eq!(p.roles["security-officer"], vec!["carol@corp.test".to_string()]);
        assert_eq!(p.replaced["role:security-officer"].len(), 1);
        let repo = src("r.yaml", "version: 1\nroles:\n  admins: [mallory@corp.test]\n", LayerKind::Repository, 3);
        let e = from_sources(vec![system, user, repo]).expect_err("system ids are final");
        let text: Vec<String> = e.reports().iter().map(|r| r.to_string()).collect();
        assert_eq!(text, vec!["role `admins` is declared by the system policy and cannot be replaced".to_string()]);
    }

    /// The pack's regexes are compiled on first use (detect::pattern::LazyRegex); this
    /// is what makes `get` infallible for them. A user's file with the same pattern
    /// reports the error when it loads.
    #[test]
    fn every_builtin_pattern_compiles_and_a_policy_files_bad_regex_is_reported_at_load() {
        let p = from_sources(builtin()).expect("the pack loads");
        let mut n = 0;
        for c in &p.classes {
            for d in &c.detectors {
                if let crate::detect::Detector::Pattern(pat) = d {
                    assert!(crate::detect::pattern::build_regex(pat.regex.as_str()).is_ok(), "{}", pat.name);
                    let _ = pat.regex.get();
                    n += 1;
                }
            }
        }
        assert!(n >= 20, "{n} patterns");
        let bad = "version: 1\nextends: []\nclasses:\n  x:\n    detect:\n      - pattern: { regex: 'a(' }\n";
        let e = from_sources(vec![src("bad.yaml", bad, LayerKind::Repository, 3)]).expect_err("bad regex");
        let text: Vec<String> = e.reports().iter().map(|r| r.to_string()).collect();
        assert!(text.iter().any(|t| t.contains("invalid regex")), "{text:?}");
    }
}
