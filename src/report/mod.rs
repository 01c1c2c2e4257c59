//! Reports: the one [`Finding`] type and the [`Report`] every face renders, as
//! human text (miette, masked snippet), JSON (SPEC shape) or SARIF 2.1.0.
//!
//! Owns output formats only. Must not import git2 or run detectors; it renders what
//! the engine decided. Writes go through [`Out`], which turns a closed pipe into a
//! quiet exit instead of a panic.

pub mod human;
pub mod json;
pub mod log;
pub mod sarif;

use std::io::Write;

use serde::Serialize;

use crate::policy::Severity;

/// One violation (or suppressed / unscannable item): data, not an error.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub class: String,
    pub severity: Severity,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub digest: String,
    pub destination: String,
    pub evidence: String,
    pub sample: String,
    pub request: Option<String>,
    #[serde(rename = "override")]
    pub override_: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// An inline marker next to the finding that does not suppress it (the rule is a
    /// two-person rule, or the marker has no reason): shown to help the approvers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip)]
    pub message: String,
    #[serde(skip)]
    pub snippet: Option<Snippet>,
    #[serde(skip)]
    pub allowed_in: Vec<String>,
    /// SHA-256 (hex) of the whole item the finding is in; binds approvals to content.
    #[serde(skip)]
    pub content_sha256: Option<String>,
    /// For a union of pieces (records split across files): every piece's path, the
    /// finding's own `path` first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pieces: Vec<String>,
}

/// Why a finding does not count.
#[derive(Debug, Clone, Serialize)]
pub struct Suppression {
    /// `path` (allow.paths), `excluded` (a rule's exclude_paths), `baseline`, `marker`.
    pub kind: &'static str,
    pub justification: String,
}

/// A masked line to point at.
#[derive(Debug, Clone)]
pub struct Snippet {
    pub text: String,
    pub span: (usize, usize),
}

pub use crate::text::escape;

impl Finding {
    /// A copy whose strings are safe to print on a terminal: every content-derived
    /// string escaped ([`escape`]), the snippet's span moved with its text.
    pub fn escaped(&self) -> Finding {
        let e = |s: &str| escape(s).into_owned();
        let mut f = self.clone();
        f.path = e(&f.path);
        f.evidence = e(&f.evidence);
        f.sample = e(&f.sample);
        f.message = e(&f.message);
        f.destination = e(&f.destination);
        f.pieces = f.pieces.iter().map(|p| e(p)).collect();
        f.marker = f.marker.as_deref().map(e);
        if let Some(s) = &mut f.suppressed {
            s.justification = e(&s.justification);
        }
        if let Some(sn) = &mut f.snippet {
            let (a, b) = (sn.span.0.min(sn.text.len()), sn.span.1.min(sn.text.len()));
            if sn.text.is_char_boundary(a) && sn.text.is_char_boundary(b) && a <= b {
                let (pre, mid, post) = (e(&sn.text[..a]), e(&sn.text[a..b]), e(&sn.text[b..]));
                sn.span = (pre.len(), pre.len() + mid.len());
                sn.text = format!("{pre}{mid}{post}");
            } else {
                sn.text = e(&sn.text);
                sn.span = (0, 0);
            }
        }
        f
    }

    /// Counts toward the verdict.
    pub fn active(&self) -> bool {
        self.suppressed.is_none() && self.override_ != "valid"
    }

    pub fn blocks(&self) -> bool {
        self.active() && self.severity == Severity::Block
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allow,
    Block,
    Override,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub files: u64,
    pub bytes: u64,
    pub elapsed_ms: u64,
    pub suppressed: u64,
    pub unscannable: u64,
}

/// Everything one run decided.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Baseline digests that matched nothing.
    pub stale: Vec<String>,
    /// Where the request file of this run's blocking findings was written (none: not
    /// written, e.g. `scan` is read-only without `--requests`).
    pub requests_dir: Option<std::path::PathBuf>,
    /// What the policy says about approving each blocking rule (for the block message);
    /// filled by [`Report::explain_approvers`].
    pub approvers: std::collections::BTreeMap<String, Approvers>,
}

/// Who may open a rule's blocks, as the block message tells it.
#[derive(Debug, Clone, Default)]
pub struct Approvers {
    /// `None`: the rule has no override (nothing opens it).
    pub approvals: Option<u32>,
    pub roles: Vec<String>,
    pub members: Vec<String>,
    pub reason_required: bool,
    pub ttl_secs: u64,
    /// Why nobody can approve, when nobody can.
    pub nobody: Option<String>,
}

impl Report {
    /// Records, for every rule with a blocking finding, who may approve it and whether
    /// anybody can (members in the roles, an allowed_signers file that exists).
    pub fn explain_approvers(&mut self, p: &crate::policy::Policy) {
        for f in self.findings.iter().filter(|f| f.blocks()) {
            if self.approvers.contains_key(&f.rule) {
                continue;
            }
            let Some(rule) = p.rule(&f.rule) else { continue };
            let a = match &rule.override_ {
                None => Approvers::default(),
                Some(o) => {
                    let members = p.members(&o.approvers);
                    let nobody = if members.is_empty() {
                        Some(format!(
                            "role{} {} ha{} no members",
                            if o.approvers.len() == 1 { "" } else { "s" },
                            o.approvers.join(", "),
                            if o.approvers.len() == 1 { "s" } else { "ve" }
                        ))
                    } else {
                        match &p.approvals.allowed_signers {
                            None => Some("the policy names no approvals.allowed_signers file".to_string()),
                            Some(f) if !f.is_file() => {
                                Some(format!("the allowed_signers file {} does not exist", f.display()))
                            }
                            Some(_) => None,
                        }
                    };
                    Approvers {
                        approvals: Some(o.approvals),
                        roles: o.approvers.clone(),
                        members,
                        reason_required: o.reason_required,
                        ttl_secs: o.ttl.as_secs(),
                        nobody,
                    }
                }
            };
            self.approvers.insert(f.rule.clone(), a);
        }
    }

    pub fn verdict(&self) -> Verdict {
        if self.findings.iter().any(Finding::blocks) {
            Verdict::Block
        } else if self.findings.iter().any(|f| f.override_ == "valid" && f.severity == Severity::Block) {
            Verdict::Override
        } else {
            Verdict::Allow
        }
    }

    /// Stable order: path, line, rule.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.path, a.line, a.column, &a.rule, &a.digest).cmp(&(&b.path, b.line, b.column, &b.rule, &b.digest))
        });
        self.stats.suppressed = self.findings.iter().filter(|f| f.suppressed.is_some()).count() as u64;
        self.stats.unscannable = self.findings.iter().filter(|f| f.rule == "unscannable").count() as u64;
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One diagnostic per finding with a masked snippet, and the way through.
    Human,
    /// One line per finding: `path:line:col: severity rule [class] evidence`.
    Concise,
    /// One JSON object (SPEC shape).
    Json,
    /// JSON Lines: one `{"type":"finding",…}` line per finding (written as each is
    /// judged by `scan --history`, before the scan ends), then the whole `json` report
    /// on one last line with `"type":"report"` (sorted; request ids and overrides).
    Jsonl,
    /// SARIF 2.1.0, as GitHub code scanning ingests it.
    Sarif,
}

/// Rendering options.
#[derive(Debug, Clone)]
pub struct Style {
    pub color: bool,
    pub width: usize,
    pub quiet: bool,
}

/// Writes a report in the chosen format.
pub fn render(report: &Report, format: Format, style: &Style, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Human => human::render(report, style, out),
        Format::Concise => human::render_concise(report, style, out),
        Format::Json => json::render(report, out),
        Format::Jsonl => json::render_lines(report, out),
        Format::Sarif => sarif::render(report, out),
    }
}

/// Runs `f` on stdout; a closed pipe (`leakguard scan | head`) ends quietly.
pub fn to_stdout(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    match f(&mut lock).and_then(|_| lock.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}
