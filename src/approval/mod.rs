//! Two-person approvals: the only way through a blocking finding whose rule declares
//! `override: {approvals: N, approvers: [roles], ttl}`.
//!
//! A blocked step's **subject** — rule ids, scope (the repository for git, so one
//! approval serves commit, push and receive; action + argv digest + destination for
//! exec), a content digest over the offending items and findings, the requester — is
//! canonical JSON; its SHA-256 in base32 is the request id (`lgr1-…`), the same for the
//! same blocked step every time. The request file (subject + created/expires + reason +
//! nonce, canonical bytes) is what approvers sign with SSH keys (`approval sign`, or
//! plain `ssh-keygen -Y sign -n leakguard-approval`). [`apply`] recomputes the subject
//! from the live content, finds signatures, checks each against `allowed_signers`
//! (namespaces, validity window, signature, approver role, not the requester or
//! author) and counts distinct principals *and* distinct keys.
//!
//! Owns requests, signatures and verification. Must not import git2.

pub mod signers;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use ssh_key::{HashAlg, SshSig};

use crate::audit;
use crate::detect::hex;
use crate::policy::Policy;
use crate::report::Report;

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
    /// The requester: `$LEAKGUARD_ACTOR`, git `user.email`, or the OS user.
    pub actor: String,
    /// Principals who may not approve besides the requester (commit author, committer).
    pub excluded: Vec<String>,
    /// Directories searched for `<request-id>/<principal>.sig` (and request files).
    pub approval_dirs: Vec<PathBuf>,
    /// Approvals carried in push options (`leakguard-approval=<base64 of a bundle>`).
    pub push_options: Vec<String>,
    /// Where request files are written (`$GIT_DIR/leakguard/requests`), if anywhere.
    pub requests_dir: Option<PathBuf>,
    /// Audit log decisions are appended to, if any.
    pub audit_log: Option<PathBuf>,
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
        "type": "leakguard-approval-request",
        "rule_ids": rule_ids,
        "policy_digest": policy_digest,
        "scope": scope,
        "content_digest": content_digest,
        "requester": requester,
    })
}

/// RFC 8785 canonical JSON for the values requests use (objects with string keys,
/// strings, integers, arrays): sorted keys, no white space.
pub fn canonical(v: &Value) -> String {
    // serde_json's Map is a BTreeMap (no `preserve_order`), so keys serialise sorted.
    serde_json::to_string(v).unwrap_or_default()
}

/// `lgr1-` + base32 (lower case, no padding) of SHA-256 of the canonical subject.
pub fn request_id(subject: &Value) -> String {
    let h = Sha256::digest(canonical(subject).as_bytes());
    format!("lgr1-{}", data_encoding::BASE32_NOPAD.encode(&h).to_ascii_lowercase())
}

/// A request as written to disk.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub subject: Value,
    pub created_at: i64,
    pub expires_at: i64,
    pub bytes: Vec<u8>,
}

impl Request {
    pub fn new(subject: Value, ttl_secs: i64, reason: &str) -> Request {
        let now = now();
        let mut nonce = [0u8; 16];
        let _ = getrandom::fill(&mut nonce);
        let doc = json!({
            "subject": subject,
            "created_at": now,
            "expires_at": now + ttl_secs,
            "reason": reason,
            "nonce": hex(&nonce),
        });
        let id = request_id(&subject);
        Request { id, subject, created_at: now, expires_at: now + ttl_secs, bytes: canonical(&doc).into_bytes() }
    }

    pub fn parse(bytes: &[u8]) -> Result<Request, String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a request file: {e}"))?;
        let subject = v.get("subject").cloned().ok_or("no subject")?;
        Ok(Request {
            id: request_id(&subject),
            created_at: v["created_at"].as_i64().unwrap_or(0),
            expires_at: v["expires_at"].as_i64().unwrap_or(0),
            subject,
            bytes: bytes.to_vec(),
        })
    }

    pub fn requester(&self) -> &str {
        self.subject["requester"].as_str().unwrap_or("")
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// How one signature was judged.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub principal: String,
    pub source: String,
    /// `None`: counts. `Some(reason)`: does not.
    pub rejected: Option<String>,
    pub key: String,
}

/// Checks every signature found for a request. `excluded` principals may not approve.
pub fn verify(
    policy: &Policy,
    req: &Request,
    sigs: &[(String, String, Vec<u8>)],
    excluded: &[String],
    approver_roles: &[String],
    max_ttl: Option<i64>,
) -> Vec<Verdict> {
    let (signers, _) = match &policy.approvals.allowed_signers {
        Some(p) => signers::parse(&std::fs::read_to_string(p).unwrap_or_default()),
        None => (Vec::new(), Vec::new()),
    };
    let ns = &policy.approvals.namespace;
    let now = now();
    let mut out = Vec::new();
    for (principal, source, data) in sigs {
        let mut v =
            Verdict { principal: principal.clone(), source: source.clone(), rejected: None, key: String::new() };
        v.rejected =
            check(policy, req, principal, data, &signers, ns, now, excluded, approver_roles, max_ttl, &mut v.key).err();
        out.push(v);
    }
    // Distinct principals and distinct keys: a second signature by either counts once.
    let mut seen_p = BTreeSet::new();
    let mut seen_k = BTreeSet::new();
    for v in out.iter_mut().filter(|v| v.rejected.is_none()) {
        if !seen_p.insert(v.principal.to_ascii_lowercase()) {
            v.rejected = Some(format!("{} already approved: one person counts once", v.principal));
        } else if !seen_k.insert(v.key.clone()) {
            v.rejected = Some("this key already approved under another principal: one key counts once".into());
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn check(
    policy: &Policy,
    req: &Request,
    principal: &str,
    data: &[u8],
    signers: &[signers::Signer],
    ns: &str,
    now: i64,
    excluded: &[String],
    approver_roles: &[String],
    max_ttl: Option<i64>,
    key_out: &mut String,
) -> Result<(), String> {
    if now > req.expires_at {
        return Err("the request has expired".into());
    }
    if let Some(max) = max_ttl {
        if req.expires_at - req.created_at > max {
            return Err(format!("the request's lifetime exceeds the rule's ttl of {}h", max / 3600));
        }
    }
    let sig = SshSig::from_pem(data).map_err(|e| format!("unreadable signature: {e}"))?;
    *key_out = sig.public_key().fingerprint(HashAlg::Sha256).to_string();
    if sig.namespace() != ns {
        return Err(format!("signed for namespace `{}`, not `{ns}`", sig.namespace()));
    }
    let candidates: Vec<&signers::Signer> = signers
        .iter()
        .filter(|s| {
            s.key.key_data() == sig.public_key() && s.principals.iter().any(|p| signers::pattern_match(p, principal))
        })
        .collect();
    let Some(signer) = candidates.first() else {
        return Err(format!("key {} is not listed for {principal} in allowed_signers", key_out));
    };
    if signer.cert_authority {
        return Err("cert-authority lines are not supported; list the approver's own key".into());
    }
    if let Some(nss) = &signer.namespaces {
        if !nss.iter().any(|n| n == ns) {
            return Err(format!(
                "allowed_signers line {} limits this key to namespaces {}",
                signer.line,
                nss.join(",")
            ));
        }
    }
    if signer.valid_after.is_some_and(|t| now < t) {
        return Err(format!("allowed_signers line {}: key not valid yet (valid-after)", signer.line));
    }
    if signer.valid_before.is_some_and(|t| now > t) {
        return Err(format!("allowed_signers line {}: key no longer valid (valid-before)", signer.line));
    }
    signer
        .key
        .verify(ns, &req.bytes, &sig)
        .map_err(|_| "the signature does not verify over this request".to_string())?;
    if excluded.iter().any(|e| e.eq_ignore_ascii_case(principal)) {
        return Err(format!("{principal} authored or committed the content"));
    }
    if principal.eq_ignore_ascii_case(req.requester()) {
        return Err(format!("{principal} is the requester"));
    }
    let roles = policy.roles_of(principal);
    if !approver_roles.iter().any(|r| roles.contains(r)) {
        return Err(format!("{principal} holds none of the approver roles ({})", approver_roles.join(", ")));
    }
    Ok(())
}

/// Signatures for a request: `<dir>/<id>/<principal>.sig` in every directory, and push
/// options `leakguard-approval=<base64 JSON {"request": ..., "signatures": {principal: pem}}>`.
pub fn find_signatures(id: &str, dirs: &[PathBuf], push_options: &[String]) -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for d in dirs {
        let dir = d.join(id);
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> =
            rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "sig")).collect();
        files.sort();
        for f in files {
            let principal = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if let Ok(data) = std::fs::read(&f) {
                out.push((principal, f.display().to_string(), data));
            }
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

fn bundles(push_options: &[String]) -> Vec<Value> {
    use base64::Engine;
    push_options
        .iter()
        .filter_map(|o| o.strip_prefix("leakguard-approval="))
        .filter_map(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect()
}

/// The request file for `id`: in the requests directory, beside approvals, or in a bundle.
pub fn find_request(id: &str, cx: &Context) -> Option<Request> {
    let mut places: Vec<PathBuf> = cx.requests_dir.iter().map(|d| d.join(format!("{id}.json"))).collect();
    for d in &cx.approval_dirs {
        places.push(d.join(id).join("request.json"));
        places.push(d.join(format!("{id}.json")));
    }
    for p in places {
        if let Some(r) = std::fs::read(&p).ok().and_then(|b| Request::parse(&b).ok()) {
            if r.id == id {
                return Some(r);
            }
        }
    }
    bundles(&cx.push_options).into_iter().find_map(|b| {
        let text = b["request"].as_str()?.to_string();
        Request::parse(text.as_bytes()).ok().filter(|r| r.id == id)
    })
}

/// Annotates blocking findings with the request id, writes the request file, verifies
/// approvals, marks covered findings `override: "valid"`, and audits the decision.
pub fn apply(cx: &Context, report: &mut Report) -> std::io::Result<()> {
    let policy = cx.policy;
    if !report.findings.iter().any(|f| f.blocks()) {
        return Ok(());
    }
    let (overridable, rule_ids, subj) = request_subject(cx, report);
    let mut outcome = "block";
    let mut request = None;
    if let Some(subj) = subj {
        let id = request_id(&subj);
        for &i in &overridable {
            report.findings[i].request = Some(id.clone());
        }
        let ttl = rule_ids
            .iter()
            .filter_map(|r| policy.rule(r)?.override_.as_ref().map(|o| o.ttl.as_secs() as i64))
            .min()
            .unwrap_or(86_400);
        // The request on disk wins when present (its created_at/nonce were signed).
        let req = match find_request(&id, cx) {
            Some(r) => {
                if r.expires_at < now() {
                    eprintln!("leakguard: request {id} has expired; renew it with `leakguard approval request --reason …` and sign again");
                }
                r
            }
            None => {
                let r = Request::new(subj, ttl, "");
                if let Some(d) = &cx.requests_dir {
                    if std::fs::create_dir_all(d).is_ok() {
                        let _ = std::fs::write(d.join(format!("{id}.json")), &r.bytes);
                    }
                }
                r
            }
        };
        let sigs = find_signatures(&id, &cx.approval_dirs, &cx.push_options);
        let single_use = matches!(cx.scope, Scope::Exec { .. });
        let consumed =
            single_use && cx.audit_log.as_deref().is_some_and(|l| audit::has_event(l, "approval-consumed", &id));
        let mut all_ok = !sigs.is_empty();
        let mut explained = Vec::new();
        for rid in &rule_ids {
            let Some(o) = policy.rule(rid).and_then(|r| r.override_.as_ref()) else { continue };
            let verdicts = verify(policy, &req, &sigs, &cx.excluded, &o.approvers, Some(o.ttl.as_secs() as i64));
            let good = verdicts.iter().filter(|v| v.rejected.is_none()).count() as u32;
            explained.extend(verdicts);
            if good < o.approvals || consumed {
                all_ok = false;
            }
        }
        for v in explained.iter().filter(|v| v.rejected.is_some()) {
            if let Some(log) = &cx.audit_log {
                let _ = audit::append(
                    log,
                    &event(
                        cx,
                        "approval-rejected",
                        Some(&id),
                        report,
                        &format!("{}: {}", v.principal, v.rejected.as_deref().unwrap_or("")),
                    ),
                );
            }
        }
        if !sigs.is_empty() {
            for v in dedup_verdicts(&explained) {
                match &v.rejected {
                    None => eprintln!("leakguard: approval by {} counts ({})", v.principal, v.source),
                    Some(r) => eprintln!("leakguard: approval by {} does not count: {r} ({})", v.principal, v.source),
                }
            }
            if consumed {
                eprintln!("leakguard: approval {id} was already used for this action (exec approvals are single-use)");
            }
        }
        if all_ok {
            for &i in &overridable {
                report.findings[i].override_ = "valid".into();
            }
            outcome = if report.findings.iter().any(|f| f.blocks()) { "block" } else { "allow-override" };
            if single_use && outcome == "allow-override" {
                if let Some(log) = &cx.audit_log {
                    let _ =
                        audit::append(log, &event(cx, "approval-consumed", Some(&id), report, "exec approval used"));
                }
            }
        } else if !sigs.is_empty() {
            for &i in &overridable {
                report.findings[i].override_ = "insufficient".into();
            }
        }
        request = Some(id);
    }
    if let Some(log) = &cx.audit_log {
        audit::append(log, &event(cx, outcome, request.as_deref(), report, ""))?;
    }
    Ok(())
}

/// The blocking findings a request can cover, their rules, and the request subject
/// (none when no blocking finding's rule allows an override).
pub fn request_subject(cx: &Context, report: &Report) -> (Vec<usize>, BTreeSet<String>, Option<Value>) {
    let policy = cx.policy;
    let overridable: Vec<usize> = report
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.blocks() && policy.rule(&f.rule).is_some_and(|r| r.override_.is_some()))
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
/// use `ssh-keygen -Y sign -n leakguard-approval -f KEY FILE`).
pub fn sign(request_bytes: &[u8], key: &Path, namespace: &str) -> Result<String, String> {
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
    sig.to_pem(ssh_key::LineEnding::LF).map_err(|e| e.to_string())
}

/// Requests in a directory, newest first.
pub fn list(dir: &Path) -> Vec<Request> {
    let mut v: Vec<Request> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read(e.path()).ok())
                .filter_map(|b| Request::parse(&b).ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    v
}

/// Map of rule id → (approvals needed, approver roles), for display.
pub fn requirements(policy: &Policy, req: &Request) -> BTreeMap<String, (u32, Vec<String>)> {
    req.subject["rule_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str())
        .filter_map(|r| {
            policy
                .rule(r)
                .and_then(|x| x.override_.as_ref().map(|o| (r.to_string(), (o.approvals, o.approvers.clone()))))
        })
        .collect()
}
