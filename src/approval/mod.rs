//! Two-person approvals: the only way through a blocking finding whose rule declares
//! `override: {approvals: N, approvers: [roles], ttl}`.
//!
//! A blocked step's **subject** — rule ids, scope (the repository for git, so one
//! approval serves commit, push and receive; action + argv digest + destination for
//! exec), a content digest over the offending items and findings, the requester — is
//! canonical JSON ([`jcs`], RFC 8785); its SHA-256 in base32 is the request id
//! (`lgr1-…`), the same for the same blocked step every time. The request file (subject +
//! created/expires + reason + nonce, canonical bytes) is what approvers sign with SSH keys
//! (`approval sign`, or plain `ssh-keygen -Y sign -n leakguard-approval`). [`apply`]
//! recomputes the subject from the live content, finds signatures, checks each against
//! `allowed_signers` (namespaces, validity window, signature, approver role, not the
//! requester or author) and counts distinct principals *and* distinct keys. Exec
//! approvals are single-use: their consumption is recorded in the audit log under its
//! lock, so two concurrent runs cannot both use one approval. Break-glass (off unless the
//! policy enables it) lets one approver open a request made with `--break-glass` and a
//! reason, with a loud audit event.
//!
//! Owns requests, signatures, verification and the actor. Must not import git2 (the git
//! CLI is run only for `user.email`); never writes a sensitive value (hashes only).

pub mod jcs;
pub mod signers;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use ssh_key::{HashAlg, SshSig};

use crate::audit;
use crate::code::Code;
use crate::detect::hex;
use crate::policy::Policy;
use crate::report::Report;

/// How far a request's `created_at` may lie ahead of this clock (seconds).
const CLOCK_SKEW: i64 = 300;

/// The request type every subject carries.
pub const REQUEST_TYPE: &str = "leakguard-approval-request";

/// What an approval is bound to besides the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A repository, named by its root commit so every clone agrees.
    Git { repo: String },
    /// An `exec` action: its argv digest and destination. Exec approvals are single-use.
    Exec { action: String, argv_digest: String, destination: String },
}

/// Everything verification needs from the face that calls it.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub scope: Scope,
    /// The requester: [`actor`] — `$LEAKGUARD_ACTOR`, git `user.email`, or the OS user.
    pub actor: String,
    /// Principals who may not approve besides the requester (commit author, committer).
    pub excluded: Vec<String>,
    /// Directories searched for `<request-id>/<principal>.sig` (and request files).
    pub approval_dirs: Vec<PathBuf>,
    /// Approvals carried in push options (`leakguard-approval=<base64 of a bundle>`).
    pub push_options: Vec<String>,
    /// Approval files carried in pushed content (`.leakguard/approvals/**` of the pushed
    /// tip), read from the object database and kept in memory: never written to disk.
    pub carried: Vec<CarriedFile>,
    /// Where request files are written (`$GIT_DIR/leakguard/requests`), if anywhere.
    pub requests_dir: Option<PathBuf>,
    /// Audit log decisions are appended to, if any (exec: required for single use).
    pub audit_log: Option<PathBuf>,
}

/// Who is acting: `$LEAKGUARD_ACTOR`, else `git config user.email` (run in `repo` when
/// given), else `$USER` / `$LOGNAME`, else `unknown`.
pub fn actor(repo: Option<&Path>) -> String {
    if let Some(a) = std::env::var("LEAKGUARD_ACTOR").ok().filter(|a| !a.trim().is_empty()) {
        return a.trim().to_string();
    }
    let mut git = std::process::Command::new("git");
    if let Some(r) = repo {
        git.current_dir(r);
    }
    git.stdin(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    if let Ok(o) = git.args(["config", "user.email"]).output() {
        let e = String::from_utf8_lossy(&o.stdout).trim().to_string();
        if o.status.success() && !e.is_empty() {
            return e;
        }
    }
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The deterministic part of a request.
pub fn subject(
    rule_ids: &BTreeSet<String>,
    scope: &Scope,
    content_digest: &str,
    requester: &str,
    policy_digest: &str,
) -> Value {
    let scope = match scope {
        Scope::Git { repo } => json!({"kind": "git", "repo": repo}),
        Scope::Exec { action, argv_digest, destination } => {
            json!({"kind": "exec", "action": action, "argv_digest": argv_digest, "destination": destination})
        }
    };
    json!({
        "v": 1,
        "type": REQUEST_TYPE,
        "rule_ids": rule_ids,
        "policy_digest": policy_digest,
        "scope": scope,
        "content_digest": content_digest,
        "requester": requester,
    })
}

/// RFC 8785 canonical JSON: sorted keys (UTF-16 order), minimal escapes, no white space.
pub fn canonical(v: &Value) -> String {
    jcs::canonical(v)
}

/// `lgr1-` + base32 (lower case, no padding) of SHA-256 of the canonical subject.
pub fn request_id(subject: &Value) -> String {
    let h = Sha256::digest(canonical(subject).as_bytes());
    format!("lgr1-{}", data_encoding::BASE32_NOPAD.encode(&h).to_ascii_lowercase())
}

/// Whether `s` has the shape of a request id (safe to use as a file name).
pub fn is_request_id(s: &str) -> bool {
    s.strip_prefix("lgr1-").is_some_and(|b| b.len() == 52 && b.bytes().all(|c| matches!(c, b'a'..=b'z' | b'2'..=b'7')))
}

/// One approval file that travels inside content (a pushed tree): `<id>/<name>` where
/// `name` is `<principal>.sig` or `*.json`, or `<id>.json` (then `name` is empty).
/// Constructed only through [`CarriedFile::new`], which refuses every name that is not
/// a plain file name of that shape: content never names a place leakguard writes to.
#[derive(Debug, Clone)]
pub struct CarriedFile {
    id: String,
    name: String,
    origin: String,
    bytes: Vec<u8>,
}

/// Largest signature file read (armored SSHSIG are a few hundred bytes).
pub const MAX_SIG_BYTES: u64 = 64 << 10;
/// Largest request file read.
pub const MAX_REQUEST_BYTES: u64 = 1 << 20;

impl CarriedFile {
    /// `dir` is the directory under the approvals root (a request id) or `""` for a file at
    /// the root; `name` the file name. `None` for anything else: ids of another shape,
    /// names with `/`, NUL, control characters, a leading `.`, other extensions, or
    /// more bytes than a signature/request may have.
    pub fn new(dir: &str, name: &str, bytes: Vec<u8>, origin: String) -> Option<CarriedFile> {
        let plain = |n: &str| {
            !n.is_empty()
                && n.len() <= 255
                && !n.starts_with('.')
                && !n.chars().any(|c| c == '/' || c == '\\' || c.is_control())
        };
        if !plain(name) {
            return None;
        }
        let (id, name) = if dir.is_empty() {
            (name.strip_suffix(".json")?.to_string(), String::new())
        } else {
            (dir.to_string(), name.to_string())
        };
        if !is_request_id(&id) {
            return None;
        }
        let limit = if name.ends_with(".sig") {
            MAX_SIG_BYTES
        } else if name.is_empty() || name.ends_with(".json") {
            MAX_REQUEST_BYTES
        } else {
            return None;
        };
        (bytes.len() as u64 <= limit).then_some(CarriedFile { id, name, origin, bytes })
    }

    fn principal(&self) -> Option<&str> {
        self.name.strip_suffix(".sig").filter(|p| !p.is_empty())
    }

    fn is_request(&self) -> bool {
        self.name.is_empty() || self.name.ends_with(".json")
    }
}

/// A request as written to disk.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub subject: Value,
    pub created_at: i64,
    pub expires_at: i64,
    pub reason: String,
    /// Made with `approval request --break-glass`: one break-glass approver may open it.
    pub break_glass: bool,
    /// The exact bytes approvers sign.
    pub bytes: Vec<u8>,
}

impl Request {
    /// A fresh request for `subject`, valid `ttl_secs` from now.
    pub fn new(subject: Value, ttl_secs: i64, reason: &str) -> Request {
        Request::build(subject, ttl_secs, reason, false)
    }

    /// A break-glass request (the flag is in the signed bytes, so the approver sees it).
    pub fn break_glass(subject: Value, ttl_secs: i64, reason: &str) -> Request {
        Request::build(subject, ttl_secs, reason, true)
    }

    fn build(subject: Value, ttl_secs: i64, reason: &str, break_glass: bool) -> Request {
        let now = now();
        let mut nonce = [0u8; 16];
        // Without randomness the nonce is all zeros; the id does not depend on it.
        let _ = getrandom::fill(&mut nonce);
        let mut doc = json!({
            "subject": subject,
            "created_at": now,
            "expires_at": now + ttl_secs,
            "reason": reason,
            "nonce": hex(&nonce),
        });
        if break_glass {
            doc["break_glass"] = json!(true);
        }
        Request {
            id: request_id(&subject),
            subject,
            created_at: now,
            expires_at: now + ttl_secs,
            reason: reason.to_string(),
            break_glass,
            bytes: canonical(&doc).into_bytes(),
        }
    }

    /// Reads a request file: an object with a `subject` object of our type and integer
    /// `created_at` / `expires_at`. Anything else is an error naming what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Request, String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a request file: {e}"))?;
        let subject = v.get("subject").filter(|s| s.is_object()).cloned().ok_or("not a request file: no subject")?;
        if subject.get("type").and_then(Value::as_str) != Some(REQUEST_TYPE) {
            return Err(format!("not a request file: subject type is not `{REQUEST_TYPE}`"));
        }
        if subject.get("v").and_then(Value::as_u64) != Some(1) {
            return Err("unsupported request version (this leakguard reads v 1)".into());
        }
        let int = |k: &str| v.get(k).and_then(Value::as_i64).ok_or(format!("not a request file: no integer `{k}`"));
        Ok(Request {
            id: request_id(&subject),
            created_at: int("created_at")?,
            expires_at: int("expires_at")?,
            reason: v.get("reason").and_then(Value::as_str).unwrap_or("").to_string(),
            break_glass: v.get("break_glass").and_then(Value::as_bool).unwrap_or(false),
            subject,
            bytes: bytes.to_vec(),
        })
    }

    pub fn requester(&self) -> &str {
        self.subject["requester"].as_str().unwrap_or("")
    }

    pub fn expired(&self) -> bool {
        now() > self.expires_at
    }

    /// The scope kind: `git` or `exec`.
    pub fn scope_kind(&self) -> &str {
        self.subject["scope"]["kind"].as_str().unwrap_or("")
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Unix seconds as RFC 3339 (UTC), for people.
pub fn format_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}

/// How one signature was judged.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub principal: String,
    pub source: String,
    /// `None`: counts. `Some(reason)`: does not.
    pub rejected: Option<String>,
    /// The diagnostic code of the refusal (`leakguard policy explain <code>`).
    pub code: Option<Code>,
    /// SHA-256 fingerprint of the signing key (empty when the signature is unreadable).
    pub key: String,
}

/// The policy's allowed signers, or why there are none.
pub fn load_signers(policy: &Policy) -> Result<Vec<signers::Signer>, String> {
    let Some(p) = &policy.approvals.allowed_signers else {
        return Err("the policy names no approvals.allowed_signers file".into());
    };
    let text =
        std::fs::read_to_string(p).map_err(|e| format!("allowed_signers file {} cannot be read: {e}", p.display()))?;
    let (signers, bad) = signers::parse(&text);
    for (line, why) in bad {
        eprintln!("leakguard: {}:{line}: line ignored: {why}", p.display());
    }
    Ok(signers)
}

/// Checks every signature found for a request. `reqs` are the request files known for
/// one id (same subject; a signature counts when it verifies over any unexpired one).
/// `excluded` principals may not approve; `max_ttl` is the rule's ttl in seconds.
pub fn verify(
    policy: &Policy,
    reqs: &[Request],
    sigs: &[(String, String, Vec<u8>)],
    excluded: &[String],
    approver_roles: &[String],
    max_ttl: Option<i64>,
) -> Vec<Verdict> {
    let signers = load_signers(policy);
    let ns = &policy.approvals.namespace;
    let now = now();
    let mut out = Vec::new();
    for (principal, source, data) in sigs {
        let mut v = Verdict {
            principal: principal.clone(),
            source: source.clone(),
            rejected: None,
            code: None,
            key: String::new(),
        };
        let cx = Check { policy, reqs, ns, now, excluded, approver_roles, max_ttl };
        if let Err((code, why)) = match &signers {
            Ok(s) => cx.check(principal, data, s, &mut v.key),
            Err(e) => Err((Code::ApprovalUnlisted, e.clone())),
        } {
            v.rejected = Some(why);
            v.code = Some(code);
        }
        out.push(v);
    }
    // Distinct principals and distinct keys: a second signature by either counts once.
    let mut seen_p = BTreeSet::new();
    let mut seen_k = BTreeSet::new();
    for v in out.iter_mut().filter(|v| v.rejected.is_none()) {
        if !seen_p.insert(v.principal.to_ascii_lowercase()) {
            v.rejected = Some(format!("{} already approved: one person counts once", v.principal));
            v.code = Some(Code::ApprovalDuplicate);
        } else if !seen_k.insert(v.key.clone()) {
            v.rejected = Some(format!("key {} already approved under another principal: one key counts once", v.key));
            v.code = Some(Code::ApprovalDuplicate);
        }
    }
    out
}

struct Check<'a> {
    policy: &'a Policy,
    reqs: &'a [Request],
    ns: &'a str,
    now: i64,
    excluded: &'a [String],
    approver_roles: &'a [String],
    max_ttl: Option<i64>,
}

impl Check<'_> {
    /// Why one signature does not count, or `Ok` when it does. The order goes from the
    /// signature itself, through the signer's listing, to the request and the person.
    fn check(
        &self,
        principal: &str,
        data: &[u8],
        signers: &[signers::Signer],
        key_out: &mut String,
    ) -> Result<(), (Code, String)> {
        use Code::*;
        let ns = self.ns;
        let (sig, signer) = listed_signer(data, principal, ns, signers, self.now, key_out)?;
        // The request file this signature is over (the subject is the same in all).
        let Some(req) = self.reqs.iter().find(|r| signer.key.verify(ns, &r.bytes, &sig).is_ok()) else {
            return Err((ApprovalOtherRequest, "the signature does not verify over this request".into()));
        };
        if req.created_at > self.now + CLOCK_SKEW {
            return Err((
                ApprovalExpired,
                format!("the request claims to be created in the future ({})", format_time(req.created_at)),
            ));
        }
        if self.now > req.expires_at {
            return Err((ApprovalExpired, format!("the request has expired (at {})", format_time(req.expires_at))));
        }
        if let Some(max) = self.max_ttl {
            if req.expires_at.saturating_sub(req.created_at) > max {
                return Err((
                    ApprovalExpired,
                    format!("the request's lifetime exceeds the rule's ttl of {}", human_secs(max)),
                ));
            }
        }
        if principal.eq_ignore_ascii_case(req.requester()) {
            return Err((ApprovalSelf, format!("{principal} is the requester")));
        }
        if let Some(e) = self.excluded.iter().find(|e| same_identity(e, principal)) {
            return Err((ApprovalSelf, format!("{principal} authored, committed or pushed the content ({e})")));
        }
        // `reason: required` written out: a signature over a request without one (made
        // with plain ssh-keygen, past `approval sign`) does not count either.
        let unreasoned: Vec<String> = reason_missing(self.policy, req)
            .into_iter()
            .filter(|r| self.policy.rule(r).and_then(|x| x.override_.as_ref()).is_some_and(|o| o.reason_enforced))
            .collect();
        if !unreasoned.is_empty() {
            return Err((
                ApprovalReason,
                format!("the signed request gives no reason and rule {} requires one", unreasoned.join(", ")),
            ));
        }
        let roles = self.policy.roles_of(principal);
        if !self.approver_roles.iter().any(|r| roles.contains(r)) {
            return Err((
                ApprovalRole,
                format!("{principal} holds none of the approver roles ({})", self.approver_roles.join(", ")),
            ));
        }
        Ok(())
    }
}

/// The allowed_signers line a signature's key is listed under for `principal`, judged
/// as of `now`: the signature parses and is in namespace `ns`, the key is listed for the
/// principal (not as a cert-authority), may sign `ns` and is inside its validity window.
/// Whether the signature verifies over the signed bytes is the caller's (`signer.key.
/// verify(ns, bytes, &sig)`). Shared by approvals and audit checkpoints.
pub fn listed_signer<'a>(
    data: &[u8],
    principal: &str,
    ns: &str,
    signers: &'a [signers::Signer],
    now: i64,
    key_out: &mut String,
) -> Result<(SshSig, &'a signers::Signer), (Code, String)> {
    use Code::*;
    let sig = SshSig::from_pem(data).map_err(|e| (ApprovalUnreadable, format!("unreadable signature: {e}")))?;
    *key_out = sig.public_key().fingerprint(HashAlg::Sha256).to_string();
    if sig.namespace() != ns {
        return Err((ApprovalNamespace, format!("signed for namespace `{}`, not `{ns}`", sig.namespace())));
    }
    let candidates: Vec<&signers::Signer> = signers
        .iter()
        .filter(|s| s.key.key_data() == sig.public_key() && signers::principal_matches(&s.principals, principal))
        .collect();
    let Some(&signer) = candidates.first() else {
        return Err((ApprovalUnlisted, format!("key {key_out} is not listed for {principal} in allowed_signers")));
    };
    if signer.cert_authority {
        return Err((
            ApprovalCertAuthority,
            format!(
                "allowed_signers line {}: cert-authority lines are not supported; list the approver's own key",
                signer.line
            ),
        ));
    }
    if let Some(nss) = &signer.namespaces {
        if !nss.iter().any(|n| signers::pattern_match(n, ns)) {
            return Err((
                ApprovalNamespace,
                format!("allowed_signers line {} limits this key to namespaces {}", signer.line, nss.join(",")),
            ));
        }
    }
    if signer.valid_after.is_some_and(|t| now < t) {
        return Err((
            ApprovalKeyValidity,
            format!("allowed_signers line {}: key not valid yet (valid-after)", signer.line),
        ));
    }
    if signer.valid_before.is_some_and(|t| now > t) {
        return Err((
            ApprovalKeyValidity,
            format!("allowed_signers line {}: key no longer valid (valid-before)", signer.line),
        ));
    }
    Ok((sig, signer))
}

fn human_secs(s: i64) -> String {
    if s % 86_400 == 0 {
        format!("{}d", s / 86_400)
    } else if s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Signatures for a request: `<dir>/<id>/<principal>.sig` in every directory, and push
/// options `leakguard-approval=<base64 JSON {"request": ..., "signatures": {principal: pem}}>`.
/// Each is `(principal, where it was found, armored bytes)`.
pub fn find_signatures(
    id: &str,
    dirs: &[PathBuf],
    push_options: &[String],
    carried: &[CarriedFile],
) -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    if !is_request_id(id) {
        return out;
    }
    for d in dirs {
        let dir = d.join(id);
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> =
            rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "sig")).collect();
        files.sort();
        for f in files {
            let principal = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            // Signatures are a few hundred bytes; anything large, or not a regular file
            // (a symlink to /dev/zero committed into the directory), is not one.
            if let Some(data) = crate::safe_fs::read_bounded(&f, MAX_SIG_BYTES) {
                out.push((principal, f.display().to_string(), data));
            }
        }
    }
    for c in carried.iter().filter(|c| c.id == id) {
        if let Some(p) = c.principal() {
            out.push((p.to_string(), c.origin.clone(), c.bytes.clone()));
        }
    }
    for (i, b) in bundles(push_options).iter().enumerate() {
        if let Some(sigs) = b["signatures"].as_object() {
            for (p, pem) in sigs {
                out.push((p.clone(), format!("push option #{i}"), pem.as_str().unwrap_or("").as_bytes().to_vec()));
            }
        }
    }
    out
}

/// A push option carrying a request and its signatures to a server:
/// `leakguard-approval=<base64 of {"request": text, "requests": [other texts], "signatures": {principal: pem}}>`.
pub fn bundle(reqs: &[Request], sigs: &[(String, String, Vec<u8>)]) -> String {
    use base64::Engine;
    let text = |r: &Request| String::from_utf8_lossy(&r.bytes).into_owned();
    let signatures: serde_json::Map<String, Value> =
        sigs.iter().map(|(p, _, pem)| (p.clone(), json!(String::from_utf8_lossy(pem)))).collect();
    let doc = json!({
        "request": reqs.first().map(text).unwrap_or_default(),
        "requests": reqs.iter().skip(1).map(text).collect::<Vec<_>>(),
        "signatures": signatures,
    });
    format!("leakguard-approval={}", base64::engine::general_purpose::STANDARD.encode(canonical(&doc)))
}

fn bundles(push_options: &[String]) -> Vec<Value> {
    use base64::Engine;
    push_options
        .iter()
        .filter_map(|o| o.strip_prefix("leakguard-approval="))
        .filter_map(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect()
}

/// Every request file known for `id` (requests directory first, then beside approvals,
/// then push-option bundles), distinct by bytes, each checked to hash to `id`.
pub fn find_requests(id: &str, cx: &Context) -> Vec<Request> {
    let mut out: Vec<Request> = Vec::new();
    if !is_request_id(id) {
        return out;
    }
    let mut places: Vec<PathBuf> = cx.requests_dir.iter().map(|d| d.join(format!("{id}.json"))).collect();
    for d in &cx.approval_dirs {
        places.extend(request_copies(&d.join(id)));
        places.push(d.join(format!("{id}.json")));
    }
    let mut found: Vec<Request> = places
        .into_iter()
        .filter_map(|p| crate::safe_fs::read_bounded(&p, MAX_REQUEST_BYTES))
        .filter_map(|b| Request::parse(&b).ok())
        .collect();
    found.extend(
        cx.carried.iter().filter(|c| c.id == id && c.is_request()).filter_map(|c| Request::parse(&c.bytes).ok()),
    );
    for b in bundles(&cx.push_options) {
        let texts = std::iter::once(&b["request"]).chain(b["requests"].as_array().into_iter().flatten());
        found.extend(texts.filter_map(|t| Request::parse(t.as_str()?.as_bytes()).ok()));
    }
    for r in found {
        if r.id == id && !out.iter().any(|o| o.bytes == r.bytes) {
            out.push(r);
        }
    }
    out
}

/// The request files kept beside the signatures in `<approvals>/<id>/` (`request.json`
/// first, then other `*.json` copies: each signer keeps the file they signed).
pub fn request_copies(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .take(256)
                .collect()
        })
        .unwrap_or_default();
    v.sort_by_key(|p| (p.file_name().is_none_or(|n| n != "request.json"), p.clone()));
    v
}

/// Keeps a copy of a signed request file in `<approvals>/<id>/`: `request.json`, or,
/// when a different one is there already, `request-<sha256 prefix>.json`, so every
/// signature keeps the exact bytes it is over. Returns the path written or found.
pub fn keep_request_copy(dir: &Path, req: &Request) -> std::io::Result<PathBuf> {
    use crate::safe_fs::{read_bounded, write_file};
    let main = dir.join("request.json");
    let name = match read_bounded(&main, MAX_REQUEST_BYTES) {
        None if std::fs::symlink_metadata(&main).is_err() => "request.json".to_string(),
        Some(b) if b == req.bytes => return Ok(main),
        _ => format!("request-{}.json", &hex(&Sha256::digest(&req.bytes))[..16]),
    };
    if read_bounded(&dir.join(&name), MAX_REQUEST_BYTES).as_deref() == Some(&req.bytes[..]) {
        return Ok(dir.join(name));
    }
    // `<approvals>/<id>/` and the two directories above it may come from a repository.
    write_file(dir, &name, &req.bytes, 2)
}

/// The request file for `id`, the first of [`find_requests`].
pub fn find_request(id: &str, cx: &Context) -> Option<Request> {
    find_requests(id, cx).into_iter().next()
}

/// Annotates blocking findings with the request id, writes the request file (unless an
/// unexpired one exists), verifies approvals, marks covered findings `override: "valid"`,
/// and audits the decision. An override that cannot be audited is not honoured.
pub fn apply(cx: &Context, report: &mut Report) -> std::io::Result<()> {
    let policy = cx.policy;
    if !report.findings.iter().any(|f| f.blocks()) {
        return Ok(());
    }
    let (overridable, rule_ids, subj) = request_subject(cx, report);
    let Some(subj) = subj else {
        return audit_outcome(cx, "block", None, report, "");
    };
    let id = request_id(&subj);
    for &i in &overridable {
        report.findings[i].request = Some(id.clone());
    }
    let ttl = rule_ids
        .iter()
        .filter_map(|r| policy.override_of(r).map(|o| o.ttl.as_secs() as i64))
        .min()
        .unwrap_or(policy.approvals.default_ttl.as_secs() as i64);
    let reqs = find_requests(&id, cx);
    // A request file is written unless an unexpired one exists (which is kept as it is:
    // its created_at and nonce are what approvers sign).
    if !reqs.iter().any(|r| !r.expired()) {
        let reason = std::env::var("LEAKGUARD_REASON").unwrap_or_default();
        let fresh = Request::new(subj, ttl, &reason);
        if let Some(d) = &cx.requests_dir {
            let path = d.join(format!("{id}.json"));
            match std::fs::create_dir_all(d).and_then(|_| std::fs::write(&path, &fresh.bytes)) {
                Ok(()) if !reqs.is_empty() => eprintln!(
                    "leakguard: request {id} had expired; a new one is in {} — it needs new signatures",
                    path.display()
                ),
                Ok(()) => {}
                Err(e) => eprintln!("leakguard: cannot write the request {}: {e}", path.display()),
            }
        }
    }
    let sigs = find_signatures(&id, &cx.approval_dirs, &cx.push_options, &cx.carried);
    if sigs.is_empty() {
        return audit_outcome(cx, "block", Some(&id), report, "");
    }
    let excluded = excluded_identities(cx);
    let single_use = matches!(cx.scope, Scope::Exec { .. });
    let mut all_ok = true;
    let mut explained = Vec::new();
    let mut max_ttl = i64::MAX;
    for rid in &rule_ids {
        let Some(o) = policy.override_of(rid) else { continue };
        max_ttl = max_ttl.min(o.ttl.as_secs() as i64);
        let verdicts = verify(policy, &reqs, &sigs, &excluded, &o.approvers, Some(o.ttl.as_secs() as i64));
        let good = verdicts.iter().filter(|v| v.rejected.is_none()).count() as u32;
        explained.extend(verdicts);
        if good < o.approvals {
            all_ok = false;
        }
    }
    let mut kind = "allow-override";
    let mut detail = String::new();
    if !all_ok {
        if let Some((who, reason)) = break_glass(cx, &reqs, &sigs, &excluded, max_ttl) {
            all_ok = true;
            kind = "break-glass";
            detail = format!("opened by {who}: {reason}");
            eprintln!("leakguard: !!! BREAK-GLASS: request {id} opened by one approver ({who}); reason: {reason}");
            eprintln!("leakguard: !!! this is recorded in the audit log and will be reviewed");
        }
    }
    for v in dedup_verdicts(&explained) {
        match &v.rejected {
            None => eprintln!("leakguard: approval by {} counts ({})", v.principal, v.source),
            Some(r) => {
                eprintln!("leakguard: approval by {} does not count: {r} ({}) [{}]", v.principal, v.source, code(v));
                let what = format!("{}: {r}", v.principal);
                if let Some(log) = &cx.audit_log {
                    let _ = audit::append(log, &event(cx, "approval-rejected", Some(&id), report, &what));
                }
            }
        }
    }
    if !all_ok {
        for &i in &overridable {
            report.findings[i].override_ = "insufficient".into();
        }
        return audit_outcome(cx, "block", Some(&id), report, "");
    }
    for &i in &overridable {
        report.findings[i].override_ = "valid".into();
    }
    if single_use {
        // Check-and-consume under the audit log's lock: one use, even when racing.
        let fresh = match &cx.audit_log {
            None => Err(std::io::Error::other("single-use approvals need an audit log")),
            Some(log) => audit::append_once(
                log,
                "approval-consumed",
                &id,
                &event(cx, "approval-consumed", Some(&id), report, kind),
            ),
        };
        match fresh {
            Ok(true) => {}
            Ok(false) => {
                eprintln!("leakguard: approval {id} was already used for this action (exec approvals are single-use) [leakguard::approval-used]");
                for &i in &overridable {
                    report.findings[i].override_ = "used".into();
                }
                return audit_outcome(cx, "block", Some(&id), report, "approval already used (single-use)");
            }
            Err(e) => {
                for &i in &overridable {
                    report.findings[i].override_ = "unaudited".into();
                }
                return Err(e);
            }
        }
    }
    let outcome = if report.findings.iter().any(|f| f.blocks()) { "block" } else { kind };
    if let Err(e) = audit_outcome(cx, outcome, Some(&id), report, &detail) {
        // Fail closed: an override nobody can later see did not happen.
        for &i in &overridable {
            report.findings[i].override_ = "unaudited".into();
        }
        return Err(e);
    }
    Ok(())
}

fn audit_outcome(cx: &Context, kind: &str, id: Option<&str>, report: &Report, detail: &str) -> std::io::Result<()> {
    match &cx.audit_log {
        Some(log) => audit::append(log, &event(cx, kind, id, report, detail)).map(|_| ()),
        None => Ok(()),
    }
}

/// Who may not approve: `cx.excluded`, plus for git the author and committer git names
/// in the environment of its hooks (`git commit --author=…` exports
/// `GIT_AUTHOR_EMAIL` to `pre-commit`), so nobody approves what they authored.
fn excluded_identities(cx: &Context) -> Vec<String> {
    let mut v = cx.excluded.clone();
    if matches!(cx.scope, Scope::Git { .. }) {
        for var in ["GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"] {
            if let Some(e) = std::env::var(var).ok().map(|e| e.trim().to_string()).filter(|e| !e.is_empty()) {
                v.push(e);
            }
        }
    }
    v
}

/// Whether an identity (an e-mail, or a bare user name such as a pusher's login) names
/// `principal`: equal ignoring case, or a bare name equal to the principal's local part
/// (`alice` names `alice@corp.example`).
fn same_identity(identity: &str, principal: &str) -> bool {
    identity.eq_ignore_ascii_case(principal)
        || (!identity.contains('@')
            && principal.split_once('@').is_some_and(|(local, _)| local.eq_ignore_ascii_case(identity)))
}

/// Break-glass: enabled by the policy, asked for in a request file with a reason, and
/// signed by one principal of the break-glass roles (every other check still applies).
fn break_glass(
    cx: &Context,
    reqs: &[Request],
    sigs: &[(String, String, Vec<u8>)],
    excluded: &[String],
    max_ttl: i64,
) -> Option<(String, String)> {
    let bg = cx.policy.approvals.break_glass.as_ref()?;
    let asked: Vec<Request> = reqs.iter().filter(|r| r.break_glass && !r.reason.trim().is_empty()).cloned().collect();
    if asked.is_empty() || bg.approvers.is_empty() {
        return None;
    }
    let verdicts = verify(cx.policy, &asked, sigs, excluded, &bg.approvers, Some(max_ttl));
    let who = verdicts.iter().find(|v| v.rejected.is_none())?.principal.clone();
    Some((who, asked[0].reason.clone()))
}

/// The blocking findings a request can cover, their rules, and the request subject
/// (none when no blocking finding's rule allows an override).
pub fn request_subject(cx: &Context, report: &Report) -> (Vec<usize>, BTreeSet<String>, Option<Value>) {
    let policy = cx.policy;
    let overridable: Vec<usize> = report
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.blocks() && policy.override_of(&f.rule).is_some())
        .map(|(i, _)| i)
        .collect();
    let rule_ids: BTreeSet<String> = overridable.iter().map(|&i| report.findings[i].rule.clone()).collect();
    let mut lines: Vec<String> = overridable
        .iter()
        .map(|&i| {
            let f = &report.findings[i];
            format!("{}\0{}\0{}", f.path, f.content_sha256.as_deref().unwrap_or(""), f.digest)
        })
        .collect();
    lines.sort();
    lines.dedup();
    let content_digest = format!("sha256:{}", hex(&Sha256::digest(lines.join("\n").as_bytes())));
    let subj =
        (!rule_ids.is_empty()).then(|| subject(&rule_ids, &cx.scope, &content_digest, &cx.actor, &policy.digest));
    (overridable, rule_ids, subj)
}

/// `leakguard::<code>` of a refusal, for the one-line explanations.
pub fn code(v: &Verdict) -> String {
    v.code.map(|c| format!("leakguard::{}", c.name())).unwrap_or_default()
}

fn dedup_verdicts(v: &[Verdict]) -> Vec<&Verdict> {
    let mut seen = BTreeSet::new();
    v.iter().filter(|x| seen.insert((x.principal.clone(), x.source.clone()))).collect()
}

fn event(cx: &Context, kind: &str, request: Option<&str>, report: &Report, detail: &str) -> audit::Event {
    let blocking = || report.findings.iter().filter(|f| f.severity == crate::policy::Severity::Block);
    let rules: Vec<String> = blocking().map(|f| f.rule.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let digests: Vec<String> = blocking().map(|f| f.digest.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let destination = report.findings.first().map(|f| f.destination.clone()).unwrap_or_default();
    audit::Event {
        kind: kind.into(),
        actor: cx.actor.clone(),
        request: request.map(str::to_string),
        rules,
        digests,
        destination,
        detail: detail.into(),
    }
}

/// Reads an armored SSH signature (`-----BEGIN SSH SIGNATURE-----`).
pub fn parse_signature(data: &[u8]) -> Result<SshSig, String> {
    SshSig::from_pem(data).map_err(|e| e.to_string())
}

/// Signs a request file with an OpenSSH private key (unencrypted; for a passphrase
/// use `ssh-keygen -Y sign -n leakguard-approval -f KEY FILE`). Returns the armored
/// signature and the key's SHA-256 fingerprint.
pub fn sign(request_bytes: &[u8], key: &Path, namespace: &str) -> Result<(String, String), String> {
    let k =
        ssh_key::PrivateKey::read_openssh_file(key).map_err(|e| format!("cannot read key {}: {e}", key.display()))?;
    if k.is_encrypted() {
        return Err(format!(
            "{} is passphrase-protected: sign with `ssh-keygen -Y sign -n {namespace} -f {} <request>.json`",
            key.display(),
            key.display()
        ));
    }
    let sig = k.sign(namespace, HashAlg::Sha512, request_bytes).map_err(|e| format!("cannot sign: {e}"))?;
    let pem = sig.to_pem(ssh_key::LineEnding::LF).map_err(|e| e.to_string())?;
    Ok((pem, k.public_key().fingerprint(HashAlg::Sha256).to_string()))
}

/// Whether the policy's allowed_signers lists the key with this fingerprint for
/// `principal` (used to warn a signer whose signature would not count).
pub fn listed(policy: &Policy, principal: &str, fingerprint: &str) -> Result<bool, String> {
    Ok(load_signers(policy)?.iter().any(|s| {
        s.key.fingerprint(HashAlg::Sha256).to_string() == fingerprint
            && signers::principal_matches(&s.principals, principal)
    }))
}

/// Requests in these directories (`<id>.json`, or `<id>/request.json` beside approvals),
/// one per id, newest first.
pub fn list(dirs: &[PathBuf]) -> Vec<Request> {
    let mut v: Vec<Request> = Vec::new();
    for dir in dirs {
        let Ok(rd) = std::fs::read_dir(dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let file = if p.is_dir() { p.join("request.json") } else { p };
            if let Some(r) =
                crate::safe_fs::read_bounded(&file, MAX_REQUEST_BYTES).and_then(|b| Request::parse(&b).ok())
            {
                if !v.iter().any(|o| o.id == r.id) {
                    v.push(r);
                }
            }
        }
    }
    v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    v
}

/// Rules of the request that ask for a reason when the request file gives none
/// (`override.reason`; shown to signers, not enforced: hooks write requests without one).
pub fn reason_missing(policy: &Policy, req: &Request) -> Vec<String> {
    if !req.reason.trim().is_empty() {
        return Vec::new();
    }
    req.subject["rule_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str())
        .filter(|r| policy.override_of(r).is_some_and(|o| o.reason_required))
        .map(str::to_string)
        .collect()
}

/// Map of rule id → (approvals needed, approver roles, ttl in seconds), for display.
pub fn requirements(policy: &Policy, req: &Request) -> BTreeMap<String, (u32, Vec<String>, i64)> {
    req.subject["rule_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str())
        .filter_map(|r| {
            policy.override_of(r).map(|o| (r.to_string(), (o.approvals, o.approvers.clone(), o.ttl.as_secs() as i64)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_well_formed() {
        let rules: BTreeSet<String> = ["r".to_string()].into();
        let s = subject(&rules, &Scope::Git { repo: "root".into() }, "sha256:00", "alice@corp.test", "sha256:11");
        let id = request_id(&s);
        assert!(is_request_id(&id), "{id}");
        assert_eq!(id, request_id(&s));
        let r = Request::new(s.clone(), 60, "why");
        let back = Request::parse(&r.bytes).expect("parses");
        assert_eq!(back.id, id);
        assert_eq!(back.reason, "why");
        assert!(!back.break_glass && !back.expired());
        assert!(Request::break_glass(s, 60, "x").bytes.windows(11).any(|w| w == b"break_glass"));
        assert!(Request::parse(b"{\"subject\":{\"v\":1}}").is_err());
        assert!(!is_request_id("lgr1-../../etc"));
    }
}
