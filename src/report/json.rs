//! `--format json`: one object on stdout, shaped as SPEC says; `--format jsonl`: one
//! line per finding (streamed by `scan --history` as findings are judged), then that
//! same object on one line.

use std::io::Write;

use serde::Serialize;

use super::{Finding, Report, Stats, Verdict};

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    version: u32,
    verdict: Verdict,
    findings: &'a [Finding],
    stats: &'a Stats,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stale_baseline: &'a [String],
}

fn doc<'a>(report: &'a Report, kind: Option<&'static str>) -> Doc<'a> {
    Doc {
        kind,
        version: 1,
        verdict: report.verdict(),
        findings: &report.findings,
        stats: &report.stats,
        stale_baseline: &report.stale,
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &doc(report, None))?;
    writeln!(out)
}

#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    finding: &'a Finding,
}

/// One finding as a JSON line: the fields of a `json` report's finding, plus
/// `"type":"finding"`. Streamed lines are written before approvals are looked up:
/// their `request` and `override` are those of the report line at the end.
pub fn finding_line(f: &Finding, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &Line { kind: "finding", finding: f })?;
    writeln!(out)
}

/// The `json` report on one line, with `"type":"report"`: the last line of `jsonl`.
pub fn report_line(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &doc(report, Some("report")))?;
    writeln!(out)
}

/// `--format jsonl` of a finished report: its finding lines, then the report line.
pub fn render_lines(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for f in &report.findings {
        finding_line(f, out)?;
    }
    report_line(report, out)
}
