//! Raw policy types: exactly what the YAML says, with source locations.
//!
//! Owns the serde shape of a policy file and nothing else: no validation, no
//! compilation. `validate.rs` turns these into the model. Unknown keys are not refused
//! by serde here (that would stop at the first one): the schema says
//! `additionalProperties: false` for every struct (`schemars(deny_unknown_fields)`) and
//! `shape` checks the whole document against it, reporting every unknown key at once.
//! The JSON Schema printed by `policy schema` is derived from these types.

use std::fmt;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A value with the place it was written; the schema sees only the value.
pub type S<T> = Spanned<T>;

/// One policy file as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPolicy {
    /// Policy format version; only `1` exists.
    #[schemars(with = "u32")]
    pub version: S<u32>,
    /// What this file builds on: `[builtin]` (the default: the built-in pack is the base
    /// and this file adds to it or replaces its items by id) or `[]` (start empty).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub extends: Option<S<Vec<S<String>>>>,
    /// Role name → principals (e-mail addresses or user names) that hold it.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, Vec<String>>")]
    pub roles: IdMap<Vec<S<String>>>,
    /// Where approvals are checked.
    #[serde(default)]
    pub approvals: Option<RawApprovals>,
    /// What content *is*: class id → detectors.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, RawClass>")]
    pub classes: IdMap<RawClass>,
    /// Role-scoped places where a class may live.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, RawStore>")]
    pub stores: IdMap<RawStore>,
    /// Admin commands the `exec` wrapper knows.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, RawAction>")]
    pub actions: IdMap<RawAction>,
    /// Class + allowed stores; content of the class anywhere else is a violation.
    #[serde(default)]
    pub rules: Vec<RawRule>,
    /// Suppressions: path globs, accepted digests, inline markers.
    #[serde(default)]
    pub allow: Option<RawAllow>,
    /// Scanner limits and defaults.
    #[serde(default)]
    pub settings: Option<RawSettings>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawApprovals {
    /// git's `allowed_signers` file, relative to the policy file's repository.
    #[schemars(with = "Option<String>")]
    pub allowed_signers: Option<S<String>>,
    /// SSH signature namespace (default `leakguard-approval`).
    pub namespace: Option<String>,
    /// Default lifetime of a request, e.g. `24h`, `30m`, `7d`.
    #[schemars(with = "Option<String>")]
    pub default_ttl: Option<S<String>>,
    /// One-approver emergency override: off unless enabled here.
    pub break_glass: Option<RawBreakGlass>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawBreakGlass {
    pub enabled: bool,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub approvers: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawClass {
    pub description: Option<String>,
    /// Any detector that fires makes content this class.
    #[schemars(with = "Vec<RawDetector>")]
    pub detect: Vec<DetectorEntry>,
    /// Content that must be this class: inline text, or a fixture path relative to the policy file.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub examples: Vec<S<String>>,
    /// Content that must not be this class.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub negative_examples: Vec<S<String>>,
}

/// One detector, written as a one-key map: `- emails: { min_count: 20 }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDetector {
    Pattern(RawPattern),
    Emails(RawEmails),
    Records(RawRecords),
    Fingerprints(RawFingerprints),
    Canaries(RawCanaries),
}

/// One entry of `detect:`: a detector, or `None` for a kind leakguard does not know (the
/// unknown key is reported by `shape` with the others; the rest of the file is still
/// validated).
#[derive(Debug)]
pub struct DetectorEntry(pub Option<RawDetector>);

impl<'de> Deserialize<'de> for DetectorEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DetectorEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a detector: a one-key map such as `emails: { min_count: 20 }`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<DetectorEntry, A::Error> {
                let Some(kind) = m.next_key::<String>()? else {
                    return Err(serde::de::Error::custom(
                        "a detector needs a kind: pattern, emails, records, fingerprints or canaries",
                    ));
                };
                let det = match kind.as_str() {
                    "pattern" => Some(RawDetector::Pattern(m.next_value()?)),
                    "emails" => Some(RawDetector::Emails(m.next_value()?)),
                    "records" => Some(RawDetector::Records(m.next_value()?)),
                    "fingerprints" => Some(RawDetector::Fingerprints(m.next_value()?)),
                    "canaries" => Some(RawDetector::Canaries(m.next_value()?)),
                    _ => {
                        m.next_value::<serde::de::IgnoredAny>()?;
                        None
                    }
                };
                // Further keys are unknown keys too (reported by `shape`).
                while m.next_key::<serde::de::IgnoredAny>()?.is_some() {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
                Ok(DetectorEntry(det))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPattern {
    /// A name shown in findings (defaults to the class id).
    pub name: Option<String>,
    /// Rust regex; a capture group named `secret` marks the sensitive part.
    #[schemars(with = "String")]
    pub regex: S<String>,
    /// Case-insensitive literals of which one must occur before the regex runs.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Matches needed (default 1).
    pub min_count: Option<usize>,
    /// Shannon entropy floor in bits per character for the sensitive part.
    pub entropy: Option<f64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawEmails {
    pub min_count: Option<usize>,
    pub min_distinct_domains: Option<usize>,
    /// Domains (or `*.suffix`) never counted; reserved and noreply hosts are always ignored.
    #[serde(default)]
    pub ignore_domains: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawRecords {
    /// Rows carrying contact fields needed (default 5).
    pub min_rows: Option<usize>,
    /// Fields every counted row must carry: `email`, `phone`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub fields: Vec<S<String>>,
    /// Distinct e-mail domains needed across the rows (default 1).
    pub min_distinct_domains: Option<usize>,
    #[serde(default)]
    pub ignore_domains: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawFingerprints {
    /// Name of a fingerprint set registered with `leakguard fingerprint add`.
    pub set: String,
    pub min_matches: Option<usize>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawCanaries {
    /// Planted values that must never appear.
    #[serde(default)]
    pub values: Vec<String>,
    /// `sha256:<hex>` of planted values (e-mail addresses normalised to lower case).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub hashes: Vec<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawStore {
    pub description: Option<String>,
    /// Path globs (absolute, or relative to the scanned root / repository).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub paths: Vec<S<String>>,
    /// Git destinations: `git:<remote-url-glob>` or ref globs such as `refs/heads/vault/**`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub git: Vec<S<String>>,
    /// Named destinations of `exec` actions (e.g. `s3:internal-bucket`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub destinations: Vec<S<String>>,
    /// Roles that may use this store.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub roles: Vec<S<String>>,
    /// Filesystem permissions are checked (owner only).
    #[serde(default)]
    pub private: bool,
    /// Where blocked output is kept (default `<store>/.leakguard-quarantine`).
    pub quarantine: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawAction {
    pub description: Option<String>,
    /// argv pattern: one glob per argument, `**` for the rest.
    #[schemars(with = "Vec<String>")]
    pub command: S<Vec<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub roles: Vec<S<String>>,
    pub output: Option<RawOutput>,
    /// The class every output of this action is, whatever its content.
    #[schemars(with = "Option<String>")]
    pub produces: Option<S<String>>,
    pub sends: Option<RawSends>,
}

/// `stdout`, or `{flag: --out}` / `{arg: N}` with an optional `default: PATH` (where the
/// tool writes when the flag is not given).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawOutput {
    Keyword(String),
    Spec(RawOutputSpec),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOutputSpec {
    pub flag: Option<String>,
    pub arg: Option<usize>,
    /// A built-in output recipe: psql, pg_dump, mysqldump, mongoexport.
    pub recipe: Option<String>,
    /// Other spellings of the flag (`[-o]`): every one is redirected too.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Where the tool writes when the flag is absent.
    pub default: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSends {
    /// `files` (every argument naming an existing file) or a list of argument positions.
    pub args: Option<RawSendArgs>,
    /// A built-in upload recipe: curl, wget, scp, sftp, rsync, aws, gsutil, gcloud, rclone, az.
    pub recipe: Option<String>,
    pub destination: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawSendArgs {
    Keyword(String),
    Positions(Vec<usize>),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawRule {
    #[schemars(with = "String")]
    pub id: S<String>,
    #[schemars(with = "String")]
    pub class: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub allow_in: Vec<S<String>>,
    /// Only content at these path globs is judged by this rule.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub paths: Vec<S<String>>,
    /// Content at these path globs is never judged by this rule.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude_paths: Vec<S<String>>,
    /// `block` (default), `warn` or `info`.
    #[schemars(with = "Option<String>")]
    pub severity: Option<S<String>>,
    pub message: Option<String>,
    #[serde(rename = "override")]
    pub override_: Option<RawOverride>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawOverride {
    pub approvals: u32,
    #[schemars(with = "Vec<String>")]
    pub approvers: Vec<S<String>>,
    #[schemars(with = "Option<String>")]
    pub ttl: Option<S<String>>,
    /// `required` or `optional`.
    #[schemars(with = "Option<String>")]
    pub reason: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawAllow {
    /// Paths never scanned.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub paths: Vec<S<String>>,
    /// Accepted finding digests (`sha256:…`), e.g. a baseline.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub digests: Vec<S<String>>,
    /// Honour `leakguard:allow <rule> -- <reason>` markers (default true).
    pub markers: Option<bool>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSettings {
    /// Severity of content that could not be read or decoded: `block` (default), `warn`
    /// or `info`. Unscannable findings take the strictest override of the rules they
    /// might hide.
    #[schemars(with = "Option<String>")]
    pub unscannable: Option<S<String>>,
    /// Largest file scanned, e.g. `1GiB` (larger files are reported unscannable).
    #[schemars(with = "Option<String>")]
    pub max_file_size: Option<S<String>>,
    /// Archive limits against bombs.
    pub max_archive_depth: Option<u32>,
    #[schemars(with = "Option<String>")]
    pub max_archive_bytes: Option<S<String>>,
    pub max_archive_ratio: Option<u32>,
    /// Directory of fingerprint sets (default `$LEAKGUARD_FP_DIR` or `~/.local/share/leakguard/fingerprints`).
    pub fingerprint_dir: Option<String>,
    /// File holding the fingerprint key (default `$LEAKGUARD_FP_KEY`); keep it outside the repository.
    pub fingerprint_key_file: Option<String>,
    /// What `exec` does with a command no action matches: `allow` (default) or `block`.
    #[schemars(with = "Option<String>")]
    pub exec_unknown: Option<S<String>>,
    /// Audit log of `exec` decisions (default `~/.local/state/leakguard/audit.jsonl`).
    pub audit_log: Option<String>,
    /// Where `exec` records single-use consumption and its audit log, out of the actor's
    /// reach (a directory owned by a service group); default the user's state directory.
    pub state_dir: Option<String>,
    /// Environment variables that name the authenticated pusher on a server, first set
    /// wins (default `GL_USERNAME`, `GITEA_PUSHER_EMAIL`, `GITHUB_USER_LOGIN`,
    /// `REMOTE_USER`, `LEAKGUARD_PUSHER`). The pusher is the requester of a push: they
    /// may not approve it.
    pub pusher_env: Option<Vec<String>>,
    /// Roles whose members may sign audit checkpoints (`leakguard audit checkpoint`);
    /// default: the roles that approve every rule with an override (the built-in pack's
    /// `security-officer`).
    #[schemars(with = "Option<Vec<String>>")]
    pub audit_signers: Option<Vec<S<String>>>,
}

/// A map that keeps document order and the place of every key, so duplicates (within
/// one file and across files) are reported where they stand.
#[derive(Debug)]
pub struct IdMap<V>(pub Vec<(S<String>, V)>);

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for IdMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V_<V> {
            type Value = IdMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of ids")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(IdMap(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<S<String>>()? {
                    out.push((k, m.next_value()?));
                }
                Ok(IdMap(out))
            }
        }
        d.deserialize_map(V_(PhantomData))
    }
}
