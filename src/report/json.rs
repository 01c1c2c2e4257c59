//! `--format json`: one object on stdout, shaped as SPEC says.

use std::io::Write;

use serde::Serialize;

use super::{Finding, Report, Stats, Verdict};

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    verdict: Verdict,
    findings: &'a [Finding],
    stats: &'a Stats,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stale_baseline: &'a [String],
}

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = Doc {
        version: 1,
        verdict: report.verdict(),
        findings: &report.findings,
        stats: &report.stats,
        stale_baseline: &report.stale,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
