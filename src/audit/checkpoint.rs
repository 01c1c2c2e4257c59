//! Signed checkpoints: the hash chain alone can be recomputed by anyone who can write
//! the log (edit a line, recompute every later hash). A checkpoint is an entry of the
//! log itself (`event: checkpoint`) carrying an SSHSIG, namespace [`NAMESPACE`], by a
//! member of an audit signer role (`settings.audit_signers`) over the canonical
//! [`Claim::text`]: the log id (the hash of line 1), the number of lines it pins, the
//! hash of the last of them (the head) and the time. A valid checkpoint pins its prefix:
//! rewriting any pinned line changes the chain's hash at the pinned line, and the
//! signature cannot be recomputed without the key. Because the checkpoint is a line of
//! the chain, removing it is caught like removing any line. Lines after the last
//! checkpoint are protected by the chain only.
//!
//! Checkpoints are written under the log's lock, right after the line they pin, and only
//! when they will verify (a checkpoint that does not verify fails `audit verify` for
//! good: it cannot be removed without breaking the chain).
//!
//! Owns the checkpoint format and its verification. Must not import git2.

use std::path::Path;

use serde_json::{json, Map, Value};

use super::{append_entry, head, locked, verify as verify_chain, Event, GENESIS};
use crate::approval;
use crate::code::Code;
use crate::policy::Policy;

/// The SSHSIG namespace of checkpoints (`ssh-keygen -Y verify -n leakguard-audit`).
pub const NAMESPACE: &str = "leakguard-audit";

/// The event kind of a checkpoint entry.
pub const EVENT: &str = "checkpoint";

/// What a checkpoint signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The hash of line 1 (path-independent), `none` for an empty log.
    pub log: String,
    pub lines: u64,
    pub head: String,
    /// RFC 3339 (UTC) time of signing.
    pub time: String,
}

impl Claim {
    /// The exact bytes signed.
    pub fn text(&self) -> String {
        format!(
            "leakguard-audit-checkpoint v1\nlog {}\nlines {}\nhead {}\ntime {}\n",
            self.log, self.lines, self.head, self.time
        )
    }
}

/// One checkpoint entry as read from the log.
#[derive(Debug, Clone)]
pub struct Entry {
    /// 1-based line of the checkpoint entry.
    pub line: usize,
    pub principal: String,
    pub claim: Claim,
    pub signature: String,
    /// The hash of the checkpoint entry itself (an anchor for `audit verify --anchor`).
    pub hash: String,
}

/// A checkpoint that did not verify.
#[derive(Debug, Clone)]
pub struct Problem {
    pub line: usize,
    pub time: String,
    pub principal: String,
    pub code: Code,
    pub why: String,
}

/// What the checkpoints of an intact chain say.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Valid checkpoints, in order.
    pub valid: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// The log id: the hash of line 1, or `none`.
pub fn log_id(text: &str) -> String {
    text.lines()
        .next()
        .and_then(|l| serde_json::from_str::<Value>(l).ok()?.get("hash")?.as_str().map(str::to_string))
        .unwrap_or_else(|| "none".into())
}

/// Whether any line is a checkpoint entry (verification then needs the policy).
pub fn any(text: &str) -> bool {
    text.lines().any(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| v["event"] == EVENT))
}

/// Reads the checkpoint entry at a line; `Err` names what is missing.
fn parse(line: usize, v: &Value) -> Result<Entry, Problem> {
    let c = &v["checkpoint"];
    let s = |k: &str| c[k].as_str().map(str::to_string);
    let principal = s("principal").unwrap_or_default();
    let time = s("time").unwrap_or_default();
    let bad = |what: &str| Problem {
        line,
        time: time.clone(),
        principal: principal.clone(),
        code: Code::AuditCheckpointSignature,
        why: format!("malformed checkpoint entry: no `checkpoint.{what}`"),
    };
    let claim = Claim {
        log: s("log").ok_or_else(|| bad("log"))?,
        lines: c["lines"].as_u64().ok_or_else(|| bad("lines"))?,
        head: s("head").ok_or_else(|| bad("head"))?,
        time: s("time").ok_or_else(|| bad("time"))?,
    };
    if principal.is_empty() {
        return Err(bad("principal"));
    }
    let signature = s("signature").ok_or_else(|| bad("signature"))?;
    let hash = v["hash"].as_str().unwrap_or("").to_string();
    Ok(Entry { line, principal, claim, signature, hash })
}

/// Whether `principal`'s signature over `claim` counts: listed in the policy's
/// allowed_signers for namespace [`NAMESPACE`] at the signed time, verifying over the
/// claim's text, and the principal holding an audit signer role.
pub fn judge(policy: &Policy, principal: &str, claim: &Claim, signature: &str) -> Result<(), (Code, String)> {
    judge_with(policy, &approval::load_signers(policy), principal, claim, signature)
}

/// [`judge`] with the allowed signers read once (a log holds many checkpoints).
fn judge_with(
    policy: &Policy,
    signers: &Result<Vec<approval::signers::Signer>, String>,
    principal: &str,
    claim: &Claim,
    signature: &str,
) -> Result<(), (Code, String)> {
    use Code::*;
    let signers = signers.as_ref().map_err(|e| (AuditCheckpointUnlisted, e.clone()))?;
    let at = time::OffsetDateTime::parse(&claim.time, &time::format_description::well_known::Rfc3339)
        .map_err(|e| (AuditCheckpointSignature, format!("signed time `{}` does not parse: {e}", claim.time)))?
        .unix_timestamp();
    let mut key = String::new();
    let (sig, signer) = approval::listed_signer(signature.as_bytes(), principal, NAMESPACE, signers, at, &mut key)
        .map_err(|(code, why)| match code {
            // The signature itself (unreadable, or made for another namespace) versus its
            // key's listing (unlisted, cert-authority, namespaces=, validity window).
            ApprovalUnreadable => (AuditCheckpointSignature, why),
            ApprovalNamespace if why.starts_with("signed for namespace") => (AuditCheckpointSignature, why),
            _ => (AuditCheckpointUnlisted, why),
        })?;
    if signer.key.verify(NAMESPACE, claim.text().as_bytes(), &sig).is_err() {
        return Err((
            AuditCheckpointSignature,
            format!("the signature (key {key}) does not verify over the checkpoint it records"),
        ));
    }
    let allowed = policy.audit_signer_roles();
    let roles = policy.roles_of(principal);
    if !allowed.iter().any(|r| roles.contains(r)) {
        let allowed = if allowed.is_empty() { "none are defined".to_string() } else { allowed.join(", ") };
        return Err((AuditCheckpointRole, format!("{principal} holds none of the audit signer roles ({allowed})")));
    }
    Ok(())
}

/// Signs the log's current head with `key` for `principal` and appends the checkpoint,
/// all under the log's lock. Refused when the chain is broken (it would sign a tampered
/// log) or when the checkpoint would not verify under `policy`.
pub fn append(path: &Path, policy: &Policy, key: &Path, principal: &str) -> Result<Entry, String> {
    locked(path, |f| {
        use std::io::{Read, Seek, SeekFrom};
        f.seek(SeekFrom::Start(0))?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        let lines = verify_chain(&text).map_err(|(line, why)| {
            std::io::Error::other(format!(
                "{}:{line}: {why}; refusing to sign a broken chain (restore the log first)",
                path.display()
            ))
        })?;
        let claim = Claim { log: log_id(&text), lines: lines as u64, head: head(&text), time: super::now_rfc3339() };
        let (signature, fingerprint) = approval::sign(claim.text().as_bytes(), key, NAMESPACE).map_err(|e| {
            std::io::Error::other(if e.contains("passphrase-protected") {
                format!("{} is passphrase-protected: audit checkpoint signs with an unencrypted key (use a dedicated one, readable only by the job that checkpoints)", key.display())
            } else {
                e
            })
        })?;
        judge(policy, principal, &claim, &signature).map_err(|(code, why)| {
            std::io::Error::other(format!(
                "this checkpoint would not verify: {why} [leakguard::{}]; nothing written",
                code.name()
            ))
        })?;
        let ev = Event {
            kind: EVENT.into(),
            actor: principal.into(),
            detail: format!("pins {} lines, head {}", claim.lines, claim.head),
            ..Default::default()
        };
        let mut extra = Map::new();
        extra.insert(
            "checkpoint".into(),
            json!({
                "log": claim.log,
                "lines": claim.lines,
                "head": claim.head,
                "time": claim.time,
                "principal": principal,
                "key": fingerprint,
                "signature": signature,
            }),
        );
        let hash = append_entry(f, &ev, extra)?;
        Ok(Entry { line: lines + 1, principal: principal.into(), claim, signature, hash })
    })
    .map_err(|e| e.to_string())
}

/// Verifies every checkpoint of a log whose chain is intact ([`super::verify`] passed).
pub fn verify(text: &str, policy: &Policy) -> Outcome {
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap_or(Value::Null)).collect();
    let stored = |n: u64| -> String {
        if n == 0 {
            return GENESIS.into();
        }
        lines.get(n as usize - 1).and_then(|v| v["hash"].as_str()).unwrap_or("").to_string()
    };
    let id = log_id(text);
    let signers = approval::load_signers(policy);
    let mut out = Outcome::default();
    // The longest prefix pinned so far by a valid, matching checkpoint: (lines, time).
    let mut pinned: Option<(u64, String)> = None;
    for (i, v) in lines.iter().enumerate() {
        if v["event"] != EVENT {
            continue;
        }
        let line = i + 1;
        let e = match parse(line, v) {
            Ok(e) => e,
            Err(p) => {
                out.problems.push(p);
                continue;
            }
        };
        let problem = |code: Code, why: String| Problem {
            line,
            time: e.claim.time.clone(),
            principal: e.principal.clone(),
            code,
            why,
        };
        if let Err((code, why)) = judge_with(policy, &signers, &e.principal, &e.claim, &e.signature) {
            out.problems.push(problem(code, why));
            continue;
        }
        let n = e.claim.lines;
        let after = match &pinned {
            Some((m, t)) => format!(" (lines 1–{m} still match the checkpoint of {t})"),
            None => String::new(),
        };
        let from = pinned.as_ref().map_or(1, |(m, _)| m + 1);
        if n.checked_add(1) != Some(line as u64) {
            out.problems.push(problem(
                Code::AuditCheckpointMismatch,
                format!(
                    "rewrite before the last checkpoint: it pins {n} lines but {} lines precede it (lines inserted or removed before it){after}",
                    line - 1
                ),
            ));
            continue;
        }
        if n >= 1 && e.claim.log != id {
            out.problems.push(problem(
                Code::AuditCheckpointMismatch,
                format!(
                    "rewrite before the last checkpoint: line 1 differs (its hash is {id}, the checkpoint signed {})",
                    e.claim.log
                ),
            ));
            continue;
        }
        let now = stored(n);
        if now != e.claim.head {
            let first = if from >= n {
                format!("line {n} differs")
            } else {
                format!("the first line that differs is one of lines {from}–{n}")
            };
            out.problems.push(problem(
                Code::AuditCheckpointMismatch,
                format!(
                    "rewrite before the last checkpoint: {first} (line {n}'s hash is {now}, the checkpoint signed {}){after}",
                    e.claim.head
                ),
            ));
            continue;
        }
        pinned = Some((n, e.claim.time.clone()));
        out.valid.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_text_is_stable() {
        let c = Claim { log: "none".into(), lines: 0, head: GENESIS.into(), time: "2026-12-02T00:00:00Z".into() };
        assert_eq!(
            c.text(),
            format!("leakguard-audit-checkpoint v1\nlog none\nlines 0\nhead {GENESIS}\ntime 2026-12-02T00:00:00Z\n")
        );
        assert_eq!(log_id(""), "none");
        assert!(!any("{\"event\":\"block\"}\nnot json\n"));
        assert!(any("{\"event\":\"checkpoint\"}\n"));
    }
}
