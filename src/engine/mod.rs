//! The engine: classes × stores × rules → findings. One engine for every face
//! (scan, hooks, exec), so allowlists, baselines and markers mean the same everywhere.
//!
//! Owns the decision for one item: which rules its classes violate given where it
//! is (path) and where it goes (destination), and what suppresses them. Does no I/O
//! and never touches git2: sources hand it scanned items.

mod union;

pub use union::Pieces;

use std::collections::BTreeSet;
use std::sync::Mutex;

use crate::detect::{ItemScan, Scanner};
use crate::policy::{Policy, Severity};
use crate::report::{Finding, Snippet, Suppression};

/// What is known about an item besides its content.
#[derive(Debug, Clone, Default)]
pub struct ItemMeta {
    /// Relative to the scanned root or repository (shown, matched by relative globs).
    pub path: String,
    /// Absolute path on disk, when there is one (matched by absolute store globs).
    pub abs: Option<String>,
    /// `git:refs/heads/main`, `virustotal`, or empty for a file at rest.
    pub destination: String,
    pub blob: Option<String>,
    pub commit: Option<String>,
}

pub struct Engine<'p> {
    pub policy: &'p Policy,
    pub scanner: Scanner,
    /// Accepted digests: the policy's `allow.digests` and a `--baseline` file.
    accepted: BTreeSet<String>,
    used: Mutex<BTreeSet<String>>,
    baseline: BTreeSet<String>,
}

impl<'p> Engine<'p> {
    pub fn new(policy: &'p Policy, baseline: BTreeSet<String>) -> Self {
        let mut accepted = policy.allow.digests.clone();
        accepted.extend(baseline.iter().cloned());
        Engine { policy, scanner: policy.scanner(), accepted, used: Mutex::new(BTreeSet::new()), baseline }
    }

    /// Findings for one scanned item.
    pub fn judge(&self, meta: &ItemMeta, scan: &ItemScan) -> Vec<Finding> {
        let mut out = Vec::new();
        for part in &scan.parts {
            for hit in &part.hits {
                for rule in self.policy.rules.iter().filter(|r| r.class == hit.class) {
                    if !rule.in_scope(&part.path) || self.allowed_here(meta, &rule.allow_in) {
                        continue;
                    }
                    let mut f = self.finding(rule, meta, &part.path, &hit.loc, &hit.digest, &hit.evidence, &hit.sample);
                    // A rule's exclusion never hides a table of records: a CSV renamed
                    // CHANGELOG is still a CSV. What it does hide is counted and listed.
                    f.suppressed = match rule.excluded_by(&part.path) {
                        Some(glob) if !hit.tabular() => Some(Suppression {
                            kind: "excluded",
                            justification: format!("rule {} exclude_paths ({glob})", rule.id),
                        }),
                        _ => self.suppression(&part.path, &mut f, &part.markers, hit, rule.override_.is_some()),
                    };
                    out.push(f);
                }
            }
        }
        for p in &scan.problems {
            out.push(self.unscannable(meta, &p.path, &p.reason));
        }
        out
    }

    /// A finding for content that could not be read or decoded.
    pub fn unscannable(&self, meta: &ItemMeta, path: &str, reason: &str) -> Finding {
        let mut f = item_finding(meta, path, crate::detect::digest("unscannable", [path]), reason.to_string());
        f.rule = crate::policy::UNSCANNABLE.into();
        f.class = crate::policy::UNSCANNABLE.into();
        f.severity = self.policy.settings.unscannable;
        f.message = "content could not be scanned".into();
        f
    }

    /// Sets `content_sha256` on findings of one item (call when any were found).
    pub fn bind_content(findings: &mut [Finding], data: &[u8]) {
        if findings.is_empty() {
            return;
        }
        use sha2::{Digest, Sha256};
        let h = crate::detect::hex(&Sha256::digest(data));
        for f in findings {
            f.content_sha256 = Some(h.clone());
        }
    }

    /// [`Engine::bind_content`] for content too large to hold: hashes the reader as a
    /// stream (only when there are findings).
    pub fn bind_content_reader(findings: &mut [Finding], mut r: impl std::io::Read) -> std::io::Result<()> {
        if findings.is_empty() {
            return Ok(());
        }
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        std::io::copy(&mut r, &mut h)?;
        let h = crate::detect::hex(&h.finalize());
        for f in findings {
            f.content_sha256 = Some(h.clone());
        }
        Ok(())
    }

    /// Baseline digests that matched no finding during this engine's life.
    pub fn stale_baseline(&self) -> Vec<String> {
        let used = self.used.lock().map(|u| u.clone()).unwrap_or_default();
        self.baseline.iter().filter(|d| !used.contains(*d)).cloned().collect()
    }

    /// The stores that accept content going to `destination` (sorted ids). Two
    /// destinations with the same stores are judged alike: what was judged for one need
    /// not be judged again for the other, and only then.
    pub fn destination_stores(&self, destination: &str) -> Vec<&str> {
        let meta = ItemMeta { destination: destination.to_string(), ..Default::default() };
        let mut v: Vec<&str> = self
            .policy
            .stores
            .iter()
            .filter(|s| self.allowed_here(&meta, std::slice::from_ref(&s.id)))
            .map(|s| s.id.as_str())
            .collect();
        v.sort_unstable();
        v
    }

    fn allowed_here(&self, meta: &ItemMeta, stores: &[String]) -> bool {
        stores.iter().filter_map(|s| self.policy.store(s)).any(|s| {
            let by_path = meta.destination.is_empty()
                && (s.path_set.is_match(&meta.path) || meta.abs.as_deref().is_some_and(|a| s.path_set.is_match(a)));
            let by_dest = !meta.destination.is_empty()
                && (s.git_set.is_match(meta.destination.trim_start_matches("git:"))
                    || s.destinations.iter().any(|d| d == &meta.destination));
            by_path || by_dest
        })
    }

    /// A finding of `rule` at `loc` of `path` (not yet suppressed).
    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        rule: &crate::policy::Rule,
        meta: &ItemMeta,
        path: &str,
        loc: &crate::detect::Loc,
        digest: &str,
        evidence: &str,
        sample: &str,
    ) -> Finding {
        let mut f = item_finding(meta, path, digest.to_string(), evidence.to_string());
        f.rule = rule.id.clone();
        f.class = rule.class.clone();
        f.severity = rule.severity;
        (f.line, f.column) = (loc.line, loc.column);
        f.sample = sample.to_string();
        f.message = rule.message.clone();
        f.snippet = Some(Snippet { text: loc.snippet.clone(), span: loc.span });
        f.allowed_in = rule.allow_in.clone();
        f
    }

    /// `baseline` when `digest` is accepted (`allow.digests`, `--baseline`), noted as used.
    fn accepted(&self, digest: &str) -> Option<Suppression> {
        if !self.accepted.contains(digest) {
            return None;
        }
        if let Ok(mut u) = self.used.lock() {
            u.insert(digest.to_string());
        }
        Some(Suppression { kind: "baseline", justification: "accepted digest".into() })
    }

    /// Why a finding does not count, if it does not: `allow.paths`, an accepted digest,
    /// or an inline marker with a reason — never a marker for a two-person rule (one
    /// with an `override`), which is noted on the finding for the approvers instead.
    fn suppression(
        &self,
        path: &str,
        f: &mut Finding,
        markers: &[crate::detect::Marker],
        hit: &crate::detect::ClassHit,
        two_person: bool,
    ) -> Option<Suppression> {
        let line = hit.loc.line;
        let outer = path.split('!').next().unwrap_or(path);
        if let Some(&i) = self.policy.allow.path_set.matches(outer).first() {
            let glob = self.policy.allow.paths.get(i).map_or("", String::as_str);
            return Some(Suppression { kind: "path", justification: format!("allow.paths ({glob})") });
        }
        if let Some(s) = self.accepted(&f.digest) {
            return Some(s);
        }
        if self.policy.allow.markers && f.severity != Severity::Info {
            // A marker covers its own line and the next one, and names the rule (or
            // its class); `all` names nothing.
            let near = markers
                .iter()
                .filter(|m| (m.line == line || m.line + 1 == line) && (m.rule == f.rule || m.rule == f.class));
            for m in near {
                if m.reason.is_empty() {
                    f.marker = Some(format!("marker for {} without a reason (ignored: add `-- <reason>`)", m.rule));
                } else if two_person {
                    f.marker = Some(format!("marker present: {}", m.reason));
                } else if hit.count > 1 {
                    // One finding stands for several matches; a marker at the first one
                    // does not speak for the others.
                    f.marker = Some(format!(
                        "marker present: {} (covers 1 of {} matches: not suppressed)",
                        m.reason, hit.count
                    ));
                } else {
                    return Some(Suppression { kind: "marker", justification: m.reason.clone() });
                }
            }
            if f.marker.is_none() && markers.iter().any(|m| m.rule == crate::detect::GITLEAKS_ALLOW && m.line == line) {
                // `gitleaks:allow` names no rule and gives no reason: it covers one
                // secret-pattern match on its own line, never records, e-mail lists or
                // bulk patterns, never a two-person rule.
                if hit.detector != "pattern" || hit.count != 1 {
                    f.marker = Some("gitleaks:allow ignored: it covers a single secret-pattern match only".into());
                } else if two_person {
                    f.marker = Some("marker present: gitleaks:allow".into());
                } else {
                    return Some(Suppression { kind: "marker", justification: "gitleaks:allow".into() });
                }
            }
            if f.marker.is_none() && markers.iter().any(|m| m.rule == "all" && (m.line == line || m.line + 1 == line)) {
                f.marker = Some("marker `all` ignored: a marker names one rule".into());
            }
        }
        None
    }
}

/// A finding about the item of `meta` at `path`, with what every finding takes from
/// the item (destination, blob, commit) and nothing of a rule yet.
fn item_finding(meta: &ItemMeta, path: &str, digest: String, evidence: String) -> Finding {
    Finding {
        rule: String::new(),
        class: String::new(),
        severity: Severity::Block,
        path: path.to_string(),
        line: 0,
        column: 0,
        digest,
        destination: meta.destination.clone(),
        evidence,
        sample: String::new(),
        request: None,
        override_: "none".into(),
        suppressed: None,
        marker: None,
        blob: meta.blob.clone(),
        commit: meta.commit.clone(),
        message: String::new(),
        snippet: None,
        allowed_in: Vec::new(),
        content_sha256: None,
        pieces: Vec::new(),
    }
}
