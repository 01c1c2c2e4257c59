//! `leakguard policy check|test|explain|schema`.

use std::path::PathBuf;

use clap::Subcommand;

use super::{exit, Global};
use crate::code::Code;
use crate::policy::{Example, ExampleText, Policy};

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// Validate the policy in force (or PATH); every problem is reported with file:line:col.
    ///
    /// Warnings (no rule for customer lists, overrides nobody can give, an `extends: []`
    /// that has no effect) are printed too; they fail the check only with --deny-warnings.
    #[command(
        after_help = "Examples:\n  leakguard policy check\n  leakguard policy check .leakguard/\n  leakguard policy check --deny-warnings"
    )]
    Check {
        /// A policy file or directory to check instead of the policy in force (it extends
        /// the built-in pack unless it says `extends: []`).
        path: Option<PathBuf>,
        /// Exit 2 when there is any warning.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Print the effective policy: every layer composed, each item with the file (and
    /// line) it came from and what it replaced (`--format json` for tooling).
    #[command(
        after_help = "Examples:\n  leakguard policy show\n  leakguard --policy builtin --policy ci.yaml policy show"
    )]
    Show {
        /// A policy file or directory to show instead of the policy in force.
        path: Option<PathBuf>,
    },
    /// Prove every class's `examples` are detected and `negative_examples` are not.
    #[command(after_help = "Examples:\n  leakguard policy test\n  leakguard --policy builtin policy test")]
    Test {
        /// A policy file or directory to test instead of the policy in force.
        path: Option<PathBuf>,
    },
    /// Explain a rule, a class, or a diagnostic code.
    #[command(
        after_help = "Examples:\n  leakguard policy explain customer-lists-stay-in-stores\n  leakguard policy explain bad-regex"
    )]
    Explain {
        /// A rule id, a class id, or a diagnostic code such as `bad-regex`.
        id: String,
    },
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
        PolicyCmd::Show { path } => match load(g, path) {
            Ok(p) => {
                let text = if g.format == crate::report::Format::Json { show_json(&p) } else { show(&p) };
                let _ = crate::report::to_stdout(|w| w.write_all(text.as_bytes()));
                super::print_reports(g, p.warnings.iter().cloned().map(miette::Report::new).collect());
                exit::ALLOW
            }
            Err(c) => c,
        },
        PolicyCmd::Check { path, deny_warnings } => match load(g, path) {
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
                let n = p.warnings.len();
                super::print_reports(g, p.warnings.into_iter().map(miette::Report::new).collect());
                if n > 0 && deny_warnings {
                    exit::USAGE
                } else {
                    exit::ALLOW
                }
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
            let (name, data) = match &e.what {
                ExampleText::Inline(s) => {
                    (format!("inline {}example #{}", if want { "" } else { "negative " }, i + 1), s.as_bytes().to_vec())
                }
                ExampleText::File(f) => (f.display().to_string(), std::fs::read(f).unwrap_or_default()),
            };
            let scan = scanner.scan_bytes(&name, &data);
            let got = scan.parts.iter().any(|part| part.hits.iter().any(|h| h.class == c.id));
            if got != want {
                let code = if want { Code::ExampleMissed } else { Code::NegativeFlagged };
                problems.push(format!("  ✗ {}: [{}] {name}: {}", p.origin_str(e.origin), code.name(), code.title()));
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
        println!("  detector: {}", detector(d));
        if let crate::detect::Detector::Records(r) = d {
            println!("    {}", r.rule_text());
            println!("    {}", r.union_text());
        }
    }
    if c.detectors.iter().any(|d| matches!(d, crate::detect::Detector::Records(_))) {
        println!("  field types:");
        for line in crate::detect::fields::explain() {
            println!("    {line}");
        }
    }
}

fn detector(d: &crate::detect::Detector) -> String {
    {
        match d {
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
                x.kind()
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
        }
    }
}

/// The effective policy as YAML-like text with a `# file:line:col` comment per item.
fn show(p: &Policy) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let from = |key: &str, origin: Option<crate::policy::Origin>| -> String {
        let mut s = match origin {
            Some(x) => format!("  # {}", p.origin_str(x)),
            None => "  # default".to_string(),
        };
        if let Some(r) = p.replaced.get(key) {
            let list: Vec<String> = r.iter().map(|x| p.origin_str(*x)).collect();
            s.push_str(&format!(", replaces {}", list.join(", ")));
        }
        s
    };
    let list = |v: &[String]| format!("[{}]", v.join(", "));
    let _ = writeln!(o, "# effective policy, lowest layer first (later layers replace earlier ones by id):");
    let mut layers: Vec<(usize, &str, Vec<&str>)> = Vec::new();
    for s in &p.sources {
        match layers.last_mut() {
            Some((l, _, names)) if *l == s.layer => names.push(&s.name),
            _ => layers.push((s.layer, s.kind.name(), vec![&s.name])),
        }
    }
    for (_, kind, names) in &layers {
        let _ = writeln!(o, "#   {kind:<18} {}", names.join(", "));
    }
    let _ = writeln!(o, "version: 1");
    let _ = writeln!(o, "roles:");
    for (r, members) in &p.roles {
        let key = format!("role:{r}");
        let _ = writeln!(o, "  {r}: {}{}", list(members), from(&key, p.origins.get(&key).copied()));
    }
    let a = &p.approvals;
    let _ = writeln!(o, "approvals:");
    let signers = a.allowed_signers.as_ref().map_or("none".to_string(), |s| s.display().to_string());
    let _ =
        writeln!(o, "  allowed_signers: {signers}{}", from("", p.origins.get("approvals.allowed_signers").copied()));
    let _ = writeln!(o, "  namespace: {}{}", a.namespace, from("", p.origins.get("approvals.namespace").copied()));
    let _ = writeln!(
        o,
        "  default_ttl: {}{}",
        duration(a.default_ttl),
        from("", p.origins.get("approvals.default_ttl").copied())
    );
    let bg = a.break_glass.as_ref().map_or("off".to_string(), |b| format!("approvers {}", list(&b.approvers)));
    let _ = writeln!(o, "  break_glass: {bg}{}", from("", p.origins.get("approvals.break_glass").copied()));
    let _ = writeln!(o, "classes:");
    for c in &p.classes {
        let _ = writeln!(o, "  {}:{}", c.id, from(&format!("class:{}", c.id), Some(c.origin)));
        for d in &c.detectors {
            let _ = writeln!(o, "    - {}", detector(d));
        }
    }
    let _ = writeln!(o, "stores:");
    for s in &p.stores {
        let key = format!("store:{}", s.id);
        let _ = writeln!(o, "  {}:{}", s.id, from(&key, p.origins.get(&key).copied()));
        let _ = writeln!(o, "    paths: {}", list(&s.paths));
        if !s.git.is_empty() {
            let _ = writeln!(o, "    git: {}", list(&s.git));
        }
        if !s.destinations.is_empty() {
            let _ = writeln!(o, "    destinations: {}", list(&s.destinations));
        }
        let _ = writeln!(o, "    roles: {}", list(&s.roles));
        if s.private {
            let _ = writeln!(o, "    private: true");
        }
    }
    let _ = writeln!(o, "actions:");
    for x in &p.actions {
        let key = format!("action:{}", x.id);
        let _ = writeln!(o, "  {}:{}", x.id, from(&key, p.origins.get(&key).copied()));
        let _ = writeln!(o, "    command: {}", list(&x.command));
        let _ = writeln!(o, "    roles: {}", list(&x.roles));
    }
    let _ = writeln!(o, "rules:");
    for r in &p.rules {
        let _ = writeln!(o, "  - id: {}{}", r.id, from(&format!("rule:{}", r.id), Some(r.origin)));
        let _ = writeln!(o, "    class: {}", r.class);
        let _ = writeln!(o, "    allow_in: {}", list(&r.allow_in));
        let _ = writeln!(o, "    severity: {}", r.severity.as_str());
        if let Some(ov) = &r.override_ {
            let members = p.members(&ov.approvers);
            let _ = writeln!(
                o,
                "    override: {{ approvals: {}, approvers: {}, ttl: {}, reason: {} }}  # members: {}",
                ov.approvals,
                list(&ov.approvers),
                duration(ov.ttl),
                if ov.reason_required { "required" } else { "optional" },
                if members.is_empty() { "none".to_string() } else { members.join(", ") }
            );
        }
    }
    let _ = writeln!(o, "allow:");
    let _ = writeln!(o, "  paths: {}", list(&p.allow.paths));
    let _ = writeln!(o, "  digests: {} accepted", p.allow.digests.len());
    let _ = writeln!(o, "  markers: {}", p.allow.markers);
    let st = &p.settings;
    let _ = writeln!(o, "settings:");
    let set = |k: &str| from("", p.origins.get(&format!("settings.{k}")).copied());
    let _ = writeln!(o, "  unscannable: {}{}", st.unscannable.as_str(), set("unscannable"));
    let _ = writeln!(o, "  max_file_size: {}{}", st.max_file_size, set("max_file_size"));
    let _ = writeln!(
        o,
        "  exec_unknown: {}{}",
        if st.exec_unknown_blocks { "block" } else { "allow" },
        set("exec_unknown")
    );
    if let Some(l) = &st.audit_log {
        let _ = writeln!(o, "  audit_log: {}{}", l.display(), set("audit_log"));
    }
    o
}

/// `policy show --format json`: the effective policy, every item with `origin` (file:line:col)
/// and `replaces` (what a later layer replaced).
fn show_json(p: &Policy) -> String {
    use serde_json::json;
    let origin = |key: &str, o: Option<crate::policy::Origin>| {
        json!({
            "origin": o.map(|o| p.origin_str(o)),
            "replaces": p.replaced.get(key).map(|v| v.iter().map(|o| p.origin_str(*o)).collect::<Vec<_>>()).unwrap_or_default(),
        })
    };
    let with = |mut v: serde_json::Value, key: &str, o: Option<crate::policy::Origin>| {
        if let (Some(m), serde_json::Value::Object(extra)) = (v.as_object_mut(), origin(key, o)) {
            m.extend(extra);
        }
        v
    };
    let doc = json!({
        "layers": p.sources.iter().map(|s| json!({"layer": s.kind.name(), "file": s.name})).collect::<Vec<_>>(),
        "digest": p.digest,
        "roles": p.roles.iter().map(|(r, m)| {
            let k = format!("role:{r}");
            with(json!({"id": r, "members": m}), &k, p.origins.get(&k).copied())
        }).collect::<Vec<_>>(),
        "approvals": {
            "allowed_signers": p.approvals.allowed_signers.as_ref().map(|f| f.display().to_string()),
            "namespace": p.approvals.namespace,
            "default_ttl_secs": p.approvals.default_ttl.as_secs(),
            "break_glass": p.approvals.break_glass.as_ref().map(|b| json!({"approvers": b.approvers})),
        },
        "classes": p.classes.iter().map(|c| with(
            json!({"id": c.id, "detectors": c.detectors.iter().map(detector).collect::<Vec<_>>()}),
            &format!("class:{}", c.id), Some(c.origin))).collect::<Vec<_>>(),
        "stores": p.stores.iter().map(|s| {
            let k = format!("store:{}", s.id);
            with(json!({"id": s.id, "paths": s.paths, "git": s.git, "destinations": s.destinations, "roles": s.roles, "private": s.private}),
                &k, p.origins.get(&k).copied())
        }).collect::<Vec<_>>(),
        "actions": p.actions.iter().map(|x| {
            let k = format!("action:{}", x.id);
            with(json!({"id": x.id, "command": x.command, "roles": x.roles}), &k, p.origins.get(&k).copied())
        }).collect::<Vec<_>>(),
        "rules": p.rules.iter().map(|r| with(json!({
            "id": r.id, "class": r.class, "allow_in": r.allow_in, "severity": r.severity.as_str(),
            "override": r.override_.as_ref().map(|o| json!({
                "approvals": o.approvals, "approvers": o.approvers, "members": p.members(&o.approvers),
                "ttl_secs": o.ttl.as_secs(), "reason_required": o.reason_required,
            })),
        }), &format!("rule:{}", r.id), Some(r.origin))).collect::<Vec<_>>(),
        "allow": {"paths": p.allow.paths, "digests": p.allow.digests, "markers": p.allow.markers},
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 && s > 259_200 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 && s > 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
