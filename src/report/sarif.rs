//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it. Suppressed
//! findings, and findings opened by a valid two-person approval, are kept with a
//! `suppressions` entry (dropping them would make code scanning reopen them); git
//! findings carry the blob and commit as properties.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Value};

use super::Report;
use crate::policy::Severity;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for f in &report.findings {
        rules.entry(&f.rule).or_insert_with(|| {
            json!({
                "id": f.rule,
                "name": f.rule,
                "shortDescription": { "text": if f.message.is_empty() { f.rule.clone() } else { f.message.clone() } },
                "fullDescription": { "text": format!("Content of class `{}` outside the stores it may live in{}.", f.class,
                    if f.allowed_in.is_empty() { String::new() } else { format!(" ({})", f.allowed_in.join(", ")) }) },
                "defaultConfiguration": { "level": level(f.severity) },
                "help": { "text": format!("See `leakguard policy explain {}`.", f.rule) },
                "properties": { "tags": ["security", f.class.as_str()] }
            })
        });
    }
    let rule_index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut r = json!({
                "ruleId": f.rule,
                "ruleIndex": rule_index[f.rule.as_str()],
                "level": level(f.severity),
                "message": { "text": format!("{}: {}{}", f.class, f.evidence, if f.sample.is_empty() { String::new() } else { format!(" (sample {})", f.sample) }) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.path) },
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) }
                    }
                }],
                "partialFingerprints": { "leakguardDigest/v1": f.digest },
                "properties": { "class": f.class, "destination": f.destination, "digest": f.digest }
            });
            if let Some(s) = &f.suppressed {
                r["suppressions"] = json!([{ "kind": if s.kind == "marker" { "inSource" } else { "external" }, "status": "accepted", "justification": s.justification }]);
            } else if f.override_ == "valid" {
                // Opened by a two-person approval: code scanning shows it as dismissed,
                // not as an open error.
                let why = match &f.request {
                    Some(q) => format!("two-person approval: request {q}"),
                    None => "two-person approval".to_string(),
                };
                r["suppressions"] = json!([{ "kind": "external", "status": "accepted", "justification": why }]);
            }
            if let Some(b) = &f.blob {
                r["properties"]["blob"] = json!(b);
            }
            if let Some(c) = &f.commit {
                r["properties"]["commit"] = json!(c);
            }
            if let Some(q) = &f.request {
                r["properties"]["request"] = json!(q);
            }
            r
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "leakguard",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/leakguard/leakguard",
                "rules": rules.into_values().collect::<Vec<_>>()
            }},
            "results": results,
            "columnKind": "unicodeCodePoints"
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Block => "error",
        Severity::Warn => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI: percent-encode what is not allowed, keep `/`.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
