//! `leakguard policy check|test|explain|schema`.

use std::path::PathBuf;

use clap::Subcommand;

use super::{exit, Global};
use crate::code::Code;
use crate::policy::{Example, Policy};

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// Validate the policy in force (or PATH); every problem is reported with file:line:col.
    #[command(after_help = "Examples:\n  leakguard policy check\n  leakguard policy check .leakguard/")]
    Check { path: Option<PathBuf> },
    /// Prove every class's `examples` are detected and `negative_examples` are not.
    #[command(after_help = "Examples:\n  leakguard policy test\n  leakguard --policy builtin policy test")]
    Test { path: Option<PathBuf> },
    /// Explain a rule, a class, or a diagnostic code.
    #[command(
        after_help = "Examples:\n  leakguard policy explain customer-lists-stay-in-stores\n  leakguard policy explain bad-regex"
    )]
    Explain { id: String },
    /// Print the JSON Schema of the policy format.
    Schema,
}

pub fn run(g: &Global, cmd: PolicyCmd) -> u8 {
    match cmd {
        PolicyCmd::Schema => {
            let schema = schemars::schema_for!(crate::policy::raw::RawPolicy);
            let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
            let _ = crate::report::to_stdout(|w| w.write_all(format!("{text}\n").as_bytes()));
            exit::ALLOW
        }
        PolicyCmd::Check { path } => match load(g, path) {
            Ok(p) => {
                let names: Vec<&str> = p.sources.iter().map(|s| s.name.as_str()).collect();
                println!(
                    "ok: {} ({} classes, {} stores, {} actions, {} rules)",
                    names.join(", "),
                    p.classes.len(),
                    p.stores.len(),
                    p.actions.len(),
                    p.rules.len()
                );
                exit::ALLOW
            }
            Err(c) => c,
        },
        PolicyCmd::Test { path } => match load(g, path) {
            Ok(p) => test(&p),
            Err(c) => c,
        },
        PolicyCmd::Explain { id } => explain(g, &id),
    }
}

fn load(g: &Global, path: Option<PathBuf>) -> Result<Policy, u8> {
    let mut g = g.clone();
    if let Some(p) = path {
        g.policy = vec![p];
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    g.load_policy(&super::find_root(&cwd))
}

fn test(p: &Policy) -> u8 {
    let scanner = p.scanner();
    let mut failed = 0;
    for c in &p.classes {
        let mut problems = Vec::new();
        let check = |e: &Example, want: bool, i: usize, problems: &mut Vec<String>| {
            let (name, data) = match e {
                Example::Inline(s) => (format!("inline example #{}", i + 1), s.as_bytes().to_vec()),
                Example::File(f) => (f.display().to_string(), std::fs::read(f).unwrap_or_default()),
            };
            let scan = scanner.scan_bytes(&name, &data);
            let got = scan.parts.iter().any(|part| part.hits.iter().any(|h| h.class == c.id));
            if got != want {
                let code = if want { Code::ExampleMissed } else { Code::NegativeFlagged };
                problems.push(format!("  ✗ [{}] {name}: {}", code.name(), code.title()));
            }
        };
        for (i, e) in c.examples.iter().enumerate() {
            check(e, true, i, &mut problems);
        }
        for (i, e) in c.negative_examples.iter().enumerate() {
            check(e, false, i, &mut problems);
        }
        if problems.is_empty() {
            println!(
                "✓ {}: {} examples detected, {} negative examples not detected",
                c.id,
                c.examples.len(),
                c.negative_examples.len()
            );
        } else {
            failed += problems.len();
            println!("✗ {} ({}):", c.id, p.origin_str(c.origin));
            for pr in problems {
                println!("{pr}");
            }
        }
    }
    if failed > 0 {
        println!("{failed} example(s) failed");
        exit::BLOCK
    } else {
        exit::ALLOW
    }
}

fn explain(g: &Global, id: &str) -> u8 {
    if let Some(code) = Code::from_name(id) {
        println!("{} — {}\n\n{}", code.name(), code.title(), code.explanation());
        return exit::ALLOW;
    }
    let p = match load(g, None) {
        Ok(p) => p,
        Err(c) => return c,
    };
    if let Some(r) = p.rule(id) {
        println!("rule {} ({})", r.id, p.origin_str(r.origin));
        if !r.message.is_empty() {
            println!("  {}", r.message);
        }
        println!("  severity: {}", r.severity.as_str());
        println!("  class: {}", r.class);
        if let Some(c) = p.class(&r.class) {
            describe_class(&p, c);
        }
        println!("  allowed in: {}", if r.allow_in.is_empty() { "nowhere".to_string() } else { r.allow_in.join(", ") });
        for s in r.allow_in.iter().filter_map(|s| p.store(s)) {
            println!(
                "    {}: paths [{}] git [{}] roles [{}]{}",
                s.id,
                s.paths.join(", "),
                s.git.join(", "),
                s.roles.join(", "),
                if s.private { " private" } else { "" }
            );
        }
        if !r.paths.is_empty() {
            println!("  only paths: {}", r.paths.join(", "));
        }
        if !r.exclude_paths.is_empty() {
            println!("  excluded paths: {}", r.exclude_paths.join(", "));
        }
        match &r.override_ {
            Some(o) => println!(
                "  override: {} approvals from [{}], ttl {}h, reason {}",
                o.approvals,
                o.approvers.join(", "),
                o.ttl.as_secs() / 3600,
                if o.reason_required { "required" } else { "optional" }
            ),
            None => println!("  override: none"),
        }
        return exit::ALLOW;
    }
    if let Some(c) = p.class(id) {
        println!("class {} ({})", c.id, p.origin_str(c.origin));
        describe_class(&p, c);
        return exit::ALLOW;
    }
    eprintln!("error: `{id}` is no rule, class or diagnostic code of the policy in force");
    let rules: Vec<&str> = p.rules.iter().map(|r| r.id.as_str()).collect();
    eprintln!("  rules: {}", rules.join(", "));
    exit::USAGE
}

fn describe_class(_p: &Policy, c: &crate::policy::Class) {
    if !c.description.is_empty() {
        println!("  {}", c.description);
    }
    for d in &c.detectors {
        let what = match d {
            crate::detect::Detector::Pattern(x) => format!(
                "pattern `{}` (min_count {}{})",
                x.name,
                x.min_count,
                x.entropy.map(|e| format!(", entropy ≥ {e}")).unwrap_or_default()
            ),
            crate::detect::Detector::Emails(x) => {
                format!("emails (min_count {}, min_distinct_domains {})", x.min_count, x.min_distinct_domains)
            }
            crate::detect::Detector::Records(x) => format!(
                "records (min_rows {}, min_distinct_domains {}, fields {})",
                x.min_rows,
                x.min_distinct_domains,
                if x.need_phone { "phone" } else { "email" }
            ),
            crate::detect::Detector::Canaries(x) => {
                format!("canaries ({} values, {} hashes)", x.values.len(), x.hashes.len())
            }
            crate::detect::Detector::Fingerprints(x) => format!(
                "fingerprints (set `{}`, min_matches {}{})",
                x.set,
                x.min_matches,
                if x.lookup.is_none() { ", set not loaded" } else { "" }
            ),
        };
        println!("  detector: {what}");
    }
}
