//! `leakguard scan [PATH...]`: files and directories through the one engine.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::{exit, Global};
use crate::engine::Engine;
use crate::report::{self, Report};
use crate::source::fs;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories (default `.`).
    pub paths: Vec<PathBuf>,
    /// Accepted findings: a file written by --write-baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the digests of the current findings as a baseline (sorted, no timestamps).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Scan files that .gitignore and .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
}

/// A baseline file: accepted digests, sorted, content-based (stable under line moves).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub accepted: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub digest: String,
    pub rule: String,
}

pub fn run(g: &Global, a: ScanArgs) -> u8 {
    let start = Instant::now();
    let paths = if a.paths.is_empty() { vec![PathBuf::from(".")] } else { a.paths.clone() };
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            eprintln!("error: {}: no such file or directory", p.display());
            return exit::USAGE;
        }
    }
    let root = super::find_root(&paths[0]);
    let policy = match g.load_policy(&root) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let baseline = match &a.baseline {
        None => BTreeSet::new(),
        Some(f) => match read_baseline(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: baseline {}: {e}", f.display());
                return exit::USAGE;
            }
        },
    };
    let mut engine = Engine::new(&policy, baseline);
    engine.scanner.redact = !g.no_redact;
    let targets = fs::walk(&paths, fs::WalkOpts { respect_ignore: !a.no_ignore });
    let (findings, totals) = fs::scan(&engine, &targets);
    let mut rep = Report { findings, stale: engine.stale_baseline(), ..Default::default() };
    rep.stats.files = totals.files;
    rep.stats.bytes = totals.bytes;
    rep.stats.elapsed_ms = start.elapsed().as_millis() as u64;
    rep.sort();
    if let Some(out) = &a.write_baseline {
        let mut accepted: Vec<BaselineEntry> = rep
            .findings
            .iter()
            .filter(|f| f.rule != "unscannable")
            .map(|f| BaselineEntry { digest: f.digest.clone(), rule: f.rule.clone() })
            .collect();
        accepted.sort();
        accepted.dedup();
        let text = serde_json::to_string_pretty(&Baseline { version: 1, accepted }).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(out, text) {
            eprintln!("error: cannot write baseline {}: {e}", out.display());
            return exit::INTERNAL;
        }
    }
    let style = g.style();
    if let Err(e) = report::to_stdout(|w| report::render(&rep, g.format, &style, w)) {
        eprintln!("error: cannot write report: {e}");
        return exit::INTERNAL;
    }
    match rep.verdict() {
        report::Verdict::Block => exit::BLOCK,
        _ => exit::ALLOW,
    }
}

fn read_baseline(path: &PathBuf) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| format!("invalid baseline: {e}"))?;
    Ok(b.accepted.into_iter().map(|e| e.digest).collect())
}
