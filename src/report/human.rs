//! Human output: one miette diagnostic per finding, pointing at a masked copy of
//! the line (never the real one), then a one-line summary that counts suppressed
//! and unscannable items so nothing is dropped silently.

use std::io::Write;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use super::{Finding, Report, Style, Verdict};
use crate::detect::group;
use crate::policy::Severity;

pub fn render(report: &Report, style: &Style, out: &mut dyn Write) -> std::io::Result<()> {
    // Content-derived strings (paths, evidence, reasons) never reach the terminal raw.
    let escaped = Report { findings: report.findings.iter().map(Finding::escaped).collect(), ..report.clone() };
    let report = &escaped;
    let handler = handler(style);
    for f in report.findings.iter().filter(|f| f.active()) {
        if style.quiet && f.severity != Severity::Block {
            continue;
        }
        let mut s = String::new();
        // Rendering into a String cannot fail for I/O reasons; a fmt error is dropped.
        let _ = handler.render_report(&mut s, &FindingDiag::new(f));
        out.write_all(s.as_bytes())?;
        if let Some(m) = &f.marker {
            writeln!(out, "  note: {m}")?;
        }
    }
    way_through(report, out)?;
    let suppressed: Vec<&Finding> = report.findings.iter().filter(|f| f.suppressed.is_some()).collect();
    if !style.quiet {
        for f in &suppressed {
            let why = f.suppressed.as_ref().map_or(String::new(), |s| format!("{}: {}", s.kind, s.justification));
            writeln!(out, "  suppressed {} in {}:{} ({why})", f.rule, f.path, f.line)?;
        }
        for d in &report.stale {
            writeln!(out, "  stale baseline entry {d}: matches nothing any more (remove it)")?;
        }
    }
    summary(report, out)
}

/// The last line: verdict and counts, so nothing is dropped silently.
fn summary(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let suppressed = report.findings.iter().filter(|f| f.suppressed.is_some()).count();
    let active: Vec<&Finding> = report.findings.iter().filter(|f| f.active()).collect();
    let count = |s: Severity| active.iter().filter(|f| f.severity == s && f.rule != "unscannable").count();
    let unscannable = report.stats.unscannable;
    let verdict = match report.verdict() {
        Verdict::Block => "blocked",
        Verdict::Override => "allowed by approval",
        Verdict::Allow => "allowed",
    };
    writeln!(
        out,
        "{verdict}: {} blocking, {} warning, {} suppressed, {} unscannable; {} files, {} in {} ms",
        count(Severity::Block),
        count(Severity::Warn),
        suppressed,
        unscannable,
        group(report.stats.files as usize),
        bytes(report.stats.bytes),
        report.stats.elapsed_ms
    )
}

/// After the findings: per request, once, the way through — who may approve, how many,
/// whether a reason is needed, where the request is, how approvers elsewhere get it and
/// send their signatures back — and how to report a false positive. Says plainly when
/// nobody can approve.
fn way_through(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let blocking: Vec<&Finding> = report.findings.iter().filter(|f| f.blocks()).collect();
    if blocking.is_empty() {
        return Ok(());
    }
    let mut requests: Vec<&str> = blocking.iter().filter_map(|f| f.request.as_deref()).collect();
    requests.sort_unstable();
    requests.dedup();
    for id in &requests {
        let rules: std::collections::BTreeSet<&str> =
            blocking.iter().filter(|f| f.request.as_deref() == Some(*id)).map(|f| f.rule.as_str()).collect();
        let n = blocking.iter().filter(|f| f.request.as_deref() == Some(*id)).count();
        // The request id on a line of its own: never wrapped, easy to copy.
        writeln!(out, "  request: {id}")?;
        writeln!(
            out,
            "  covers {n} blocking finding{} of rule{} {}",
            if n == 1 { "" } else { "s" },
            if rules.len() == 1 { "" } else { "s" },
            rules.iter().copied().collect::<Vec<_>>().join(", ")
        )?;
        let mut nobody = Vec::new();
        let mut reason = false;
        for r in &rules {
            let Some(a) = report.approvers.get(*r) else { continue };
            let Some(k) = a.approvals else { continue };
            reason |= a.reason_required;
            match &a.nobody {
                Some(why) => nobody.push(format!("rule {r}: {why}")),
                None => writeln!(
                    out,
                    "  approvals: {k} of role {} — {} — not the requester; valid {}",
                    a.roles.join(", "),
                    a.members.join(", "),
                    hours(a.ttl_secs)
                )?,
            }
        }
        if !nobody.is_empty() {
            writeln!(out, "  nobody can approve this request: {}", nobody.join("; "))?;
            writeln!(
                out,
                "  (an admin runs `leakguard init --approver NAME=KEYFILE` for each approver; docs/APPROVALS.md)"
            )?;
            continue;
        }
        match &report.requests_dir {
            Some(d) => {
                let file = d.join(format!("{id}.json"));
                writeln!(out, "  request file: {} (hashes only; may be sent or committed)", file.display())?;
                if reason {
                    writeln!(
                        out,
                        "  a reason is required: leakguard approval request --reason \"why it must go through\""
                    )?;
                    writeln!(
                        out,
                        "    (that is for what is staged; for a push, set LEAKGUARD_REASON=\"…\" on the run that first writes the request)"
                    )?;
                }
                writeln!(out, "  each approver: leakguard approval sign {id} --key ~/.ssh/id_ed25519 --approvals .leakguard/approvals")?;
                writeln!(
                    out,
                    "    approvers on another machine sign a copy of the request file instead of the id, and send back .leakguard/approvals/{id}/"
                )?;
                writeln!(
                    out,
                    "  then commit .leakguard/approvals/{id}/ with the change and run the step again (a server's pre-receive reads it from the pushed tree),"
                )?;
                writeln!(out, "    or push with: git push -o \"$(leakguard approval bundle {id})\"")?;
            }
            None => writeln!(
                out,
                "  request file: not written (`scan` is read-only; the hook that blocks the step writes it, or `scan --requests DIR`)"
            )?,
        }
    }
    for r in blocking.iter().map(|f| f.rule.as_str()).collect::<std::collections::BTreeSet<_>>() {
        if report.approvers.get(r).is_some_and(|a| a.approvals.is_none()) {
            writeln!(
                out,
                "  rule {r} has no override: no approval opens it; keep the content where the rule allows it"
            )?;
        }
    }
    let f = blocking[0];
    writeln!(
        out,
        "  false positive? accept its digest under `allow: {{ digests: [\"{}\"] }}` in a policy file such as .leakguard/accepted.yaml (reviewed like any policy change),",
        f.digest
    )?;
    if f.pieces.is_empty() {
        writeln!(
            out,
            "    or write `leakguard:allow {} -- <why>` on the line (or in the first lines of the file)",
            f.rule
        )?;
    } else {
        writeln!(
            out,
            "    (records across {} files: an inline marker in one of them does not cover the union)",
            f.pieces.len()
        )?;
    }
    Ok(())
}

fn hours(secs: u64) -> String {
    if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else {
        format!("{}m", secs / 60)
    }
}

/// `--format concise`: one line per active finding (like ruff's and gitleaks'), then
/// the summary line.
pub fn render_concise(report: &Report, style: &Style, out: &mut dyn Write) -> std::io::Result<()> {
    for f in report.findings.iter().filter(|f| f.active()) {
        if style.quiet && f.severity != Severity::Block {
            continue;
        }
        let mut line = format!(
            "{}:{}:{}: {} {} [{}] {}",
            f.path,
            f.line,
            f.column,
            f.severity.as_str(),
            f.rule,
            f.class,
            f.evidence
        );
        if let Some(r) = &f.request {
            line.push_str(&format!(" (request {r})"));
        }
        writeln!(out, "{}", line.replace('\n', " "))?;
    }
    summary(report, out)
}

/// The miette handler used for every human diagnostic: fixed width, colour optional.
pub fn handler(style: &Style) -> GraphicalReportHandler {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false)
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

struct FindingDiag<'a> {
    f: &'a Finding,
    title: String,
    help: String,
    src: Option<Masked>,
}

impl<'a> FindingDiag<'a> {
    fn new(f: &'a Finding) -> Self {
        let title = if f.rule == "unscannable" {
            format!("unscannable: {}", f.path)
        } else if f.message.is_empty() {
            format!("{} in {}", f.class, f.path)
        } else {
            format!("{} in {}: {}", f.class, f.path, f.message)
        };
        let mut help = Vec::new();
        if f.rule == "unscannable" {
            help.push(f.evidence.clone());
        } else {
            help.push(format!(
                "rule {}; sample {}; digest {}",
                f.rule,
                if f.sample.is_empty() { "-" } else { &f.sample },
                short(&f.digest)
            ));
            if !f.allowed_in.is_empty() {
                help.push(format!("allowed only in: {}", f.allowed_in.join(", ")));
            }
            if !f.destination.is_empty() {
                help.push(format!("destination: {}", f.destination));
            }
        }
        let src = f.snippet.as_ref().map(|s| Masked {
            name: f.path.clone(),
            text: s.text.clone(),
            line: f.line.max(1) as usize - 1,
            span: s.span,
        });
        FindingDiag { f, title, help: help.join("\n"), src }
    }
}

fn short(d: &str) -> &str {
    &d[..d.len().min(19)]
}

impl std::fmt::Debug for FindingDiag<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::fmt::Display for FindingDiag<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for FindingDiag<'_> {}

impl Diagnostic for FindingDiag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(format!("{}::{}", self.f.severity.as_str(), self.f.rule)))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.f.severity {
            Severity::Block => miette::Severity::Error,
            Severity::Warn => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.src.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let s = self.src.as_ref()?;
        let len = (s.span.1 - s.span.0).max(1);
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.f.evidence.clone()),
            SourceSpan::new(s.span.0.into(), len),
        ))))
    }
}

/// A masked line presented to miette with its real line number.
#[derive(Debug)]
struct Masked {
    name: String,
    text: String,
    line: usize,
    span: (usize, usize),
}

impl SourceCode for Masked {
    fn read_span<'a>(
        &'a self,
        _span: &SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, miette::MietteError> {
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            SourceSpan::new(0.into(), self.text.len()),
            self.line,
            0,
            1,
        )))
    }
}
