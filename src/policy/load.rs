//! Finding, reading and merging policy files.
//!
//! Discovery order (SPEC): `--policy` (file or directory, repeatable; the word
//! `builtin` names the built-in pack), `$LEAKGUARD_POLICY`, `leakguard.yaml` and
//! `.leakguard/*.yaml` at the repository root, else the built-in pack compiled into
//! the binary from `policies/`. Every file is parsed; parse errors of all files and
//! validation problems are reported together.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{raw::RawPolicy, validate, Policy, PolicyDiag, Source};
use crate::code::Code;

/// The built-in pack: `policies/*.yaml`, embedded at build time.
pub const BUILTIN: &[(&str, &str)] = &[
    ("customer-lists.yaml", include_str!("../../policies/customer-lists.yaml")),
    ("secrets.yaml", include_str!("../../policies/secrets.yaml")),
    ("bulk-pii.yaml", include_str!("../../policies/bulk-pii.yaml")),
];

/// What the command line says about policies.
#[derive(Debug, Clone, Default)]
pub struct PolicyArgs {
    /// `--policy` values.
    pub paths: Vec<PathBuf>,
    /// Repository (or scan) root, for `leakguard.yaml` / `.leakguard/`.
    pub root: PathBuf,
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

/// Finds, parses, merges and validates the policy.
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

/// Parses and validates already-read sources.
pub fn from_sources(sources: Vec<Source>) -> Result<Policy, LoadError> {
    let mut reports = Vec::new();
    let mut raws = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        match serde_saphyr::from_str::<RawPolicy>(&src.text) {
            Ok(raw) => raws.push((i, raw)),
            Err(e) => reports.push(syntax_report(&e, src)),
        }
    }
    match validate::validate(&sources, raws) {
        Ok(p) if reports.is_empty() => Ok(p),
        Ok(_) => Err(LoadError::Invalid(reports)),
        Err(diags) => {
            reports.extend(diags.into_iter().map(miette::Report::new));
            Err(LoadError::Invalid(reports))
        }
    }
}

fn syntax_report(e: &serde_saphyr::Error, src: &Source) -> miette::Report {
    let loc = e.location();
    let message = e.to_string();
    let first = message.lines().next().unwrap_or("invalid policy");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // serde-saphyr prefixes `line N column M: `; the label already points there.
    let first = match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") && head.contains(" column ") => rest,
        _ => first,
    }
    .to_string();
    let span = loc.and_then(|l| super::diag::span_of(&l, &src.text));
    miette::Report::new(PolicyDiag {
        code: Code::PolicySyntax,
        message: first.trim_end_matches(':').to_string(),
        label: "here".into(),
        help: Some("`leakguard policy schema` prints every key a policy may have".into()),
        src: Some(miette::NamedSource::new(&src.name, src.text.clone())),
        span,
    })
}

/// The policy files in force, read.
pub fn discover(args: &PolicyArgs) -> Result<Vec<Source>, LoadError> {
    let mut paths: Vec<PathBuf> = args.paths.clone();
    if paths.is_empty() {
        if let Some(env) = std::env::var_os("LEAKGUARD_POLICY").filter(|v| !v.is_empty()) {
            paths.extend(std::env::split_paths(&env));
        }
    }
    if paths.is_empty() {
        let file = args.root.join("leakguard.yaml");
        if file.is_file() {
            paths.push(file);
        }
        let dir = args.root.join(".leakguard");
        if dir.is_dir() && yaml_files(&dir).is_ok_and(|f| !f.is_empty()) {
            paths.push(dir);
        }
    }
    if paths.is_empty() {
        return Ok(builtin());
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "builtin" {
            out.extend(builtin());
            continue;
        }
        let files = if p.is_dir() { yaml_files(&p) } else { Ok(vec![p.clone()]) };
        match files {
            Ok(files) => {
                for f in files {
                    match std::fs::read(&f) {
                        Ok(bytes) => out.push(Source {
                            name: f.display().to_string(),
                            text: Arc::new(String::from_utf8_lossy(&bytes).into_owned()),
                            dir: f.parent().map(Path::to_path_buf),
                        }),
                        Err(e) => errors.push(io_report(&f, &e)),
                    }
                }
            }
            Err(e) => errors.push(io_report(&p, &e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(LoadError::Invalid(errors))
    }
}

/// The built-in pack as sources.
pub fn builtin() -> Vec<Source> {
    BUILTIN
        .iter()
        .map(|(name, text)| Source { name: format!("builtin:{name}"), text: Arc::new((*text).to_string()), dir: None })
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
