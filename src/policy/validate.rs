//! Validation: raw policies → model. Collects every problem (bad regex, bad glob,
//! unknown or duplicate id, bad severity/duration/digest …) with a label pointing
//! at the span, instead of stopping at the first.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use miette::NamedSource;
use serde_saphyr::{Location, Spanned};

use super::raw::*;
use super::*;
use crate::code::Code;
use crate::detect::emails::{Emails, Ignore};
use crate::detect::pattern::{build_regex, LazyRegex, Pattern};
use crate::detect::records::Records;
use crate::detect::{Canaries, Detector, Fingerprints};

/// How sizes are written (`parse_size`): a number and an optional unit.
const SIZES: &[&str] = &["512MiB", "1GiB", "10GB", "100KB", "4096"];

struct Cx<'a> {
    sources: &'a [Source],
    diags: Vec<PolicyDiag>,
    cur: usize,
}

impl Cx<'_> {
    fn err(
        &mut self,
        code: Code,
        loc: &Location,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let src = &self.sources[self.cur];
        self.diags.push(PolicyDiag {
            code,
            message: message.into(),
            label: label.into(),
            help,
            span: diag::span_of(loc, &src.text),
            src: Some(NamedSource::new(&src.name, src.text.clone())),
        });
    }

    /// A setting whose value is not one of `expected`: an error at its place, with the
    /// closest expected value as a suggestion (never a silent default).
    fn bad_setting(&mut self, v: &Spanned<String>, key: &str, expected: &[&str]) {
        let lower = v.value.trim().to_ascii_lowercase();
        let close = expected
            .iter()
            .find(|e| {
                let e = e.to_ascii_lowercase();
                lower.starts_with(&e) || e.starts_with(&lower) || lower.replace(' ', "") == e
            })
            .or_else(|| expected.first());
        self.err(
            Code::BadSetting,
            &v.referenced,
            format!("invalid value `{}` for {key}", v.value),
            format!("expected {}", expected.join(", ")),
            close.map(|c| format!("did you mean `{c}`?")),
        );
    }

    fn origin(&self, loc: &Location) -> Origin {
        Origin { source: self.cur, line: loc.line(), column: loc.column() }
    }

    /// Compiles globs; rule and allow globs match case-insensitively (`ChangeLog`,
    /// `changelog`), store globs exactly (they name real, case-sensitive places).
    fn glob_set(&mut self, globs: &[Spanned<String>], what: &str) -> GlobSet {
        let mut b = GlobSetBuilder::new();
        let nocase = !what.starts_with("store");
        for g in globs {
            match globset::GlobBuilder::new(&g.value).case_insensitive(nocase).literal_separator(false).build() {
                Ok(glob) => {
                    b.add(glob);
                }
                Err(e) => self.err(
                    Code::BadGlob,
                    &g.referenced,
                    format!("invalid {what} glob `{}`", g.value),
                    "this glob",
                    Some(e.kind().to_string()),
                ),
            }
        }
        // Every glob added compiled on its own; a set of valid globs builds.
        b.build().unwrap_or_else(|_| GlobSet::empty())
    }

    fn duration(&mut self, d: &Spanned<String>) -> Option<Duration> {
        let r = parse_duration(&d.value);
        if r.is_none() {
            self.err(
                Code::BadDuration,
                &d.referenced,
                format!("invalid duration `{}`", d.value),
                "expected e.g. 24h",
                None,
            );
        }
        r
    }
}

struct Seen {
    first: HashMap<String, String>,
}

impl Seen {
    fn new() -> Self {
        Seen { first: HashMap::new() }
    }
}

pub(super) fn validate(sources: &[Source], raws: Vec<(usize, RawPolicy)>) -> Result<Policy, Vec<PolicyDiag>> {
    let mut cx = Cx { sources, diags: Vec::new(), cur: 0 };
    // Pass 1: ids, so references across files resolve.
    let mut ids: BTreeMap<&'static str, Seen> = BTreeMap::new();
    for kind in ["role", "class", "store", "action", "rule"] {
        ids.insert(kind, Seen::new());
    }
    for (i, raw) in &raws {
        cx.cur = *i;
        if raw.version.value != 1 {
            cx.err(
                Code::UnsupportedVersion,
                &raw.version.referenced,
                format!("unsupported policy version {}", raw.version.value),
                "only version 1 exists",
                None,
            );
        }
        let lists: [(&str, Vec<&Spanned<String>>); 5] = [
            ("role", raw.roles.0.iter().map(|(k, _)| k).collect()),
            ("class", raw.classes.0.iter().map(|(k, _)| k).collect()),
            ("store", raw.stores.0.iter().map(|(k, _)| k).collect()),
            ("action", raw.actions.0.iter().map(|(k, _)| k).collect()),
            ("rule", raw.rules.iter().map(|r| &r.id).collect()),
        ];
        for (kind, keys) in lists {
            for k in keys {
                let here = format!("{}:{}:{}", sources[*i].name, k.referenced.line(), k.referenced.column());
                // The five kinds were inserted above.
                let seen = ids.get_mut(kind).expect("kind registered");
                if let Some(prev) = seen.first.get(&k.value).cloned() {
                    cx.err(
                        Code::DuplicateId,
                        &k.referenced,
                        format!("duplicate {kind} id `{}`", k.value),
                        "declared again here",
                        Some(format!("first declared at {prev}")),
                    );
                } else {
                    seen.first.insert(k.value.clone(), here);
                }
            }
        }
    }
    let known = |kind: &str| -> HashSet<String> { ids[kind].first.keys().cloned().collect() };
    let (roles_known, classes_known, stores_known) = (known("role"), known("class"), known("store"));

    let mut roles = BTreeMap::new();
    let mut origins: BTreeMap<String, Origin> = BTreeMap::new();
    let mut classes = Vec::new();
    let mut stores = Vec::new();
    let mut actions = Vec::new();
    let mut rules = Vec::new();
    let mut allow_paths = Vec::new();
    let mut allow_globs: Vec<Spanned<String>> = Vec::new();
    let mut digests = BTreeSet::new();
    let mut markers = true;
    let mut approvals = Approvals {
        allowed_signers: None,
        namespace: "leakguard-approval".into(),
        default_ttl: Duration::from_secs(86_400),
        break_glass: None,
    };
    let mut settings = Settings {
        unscannable: Severity::Block,
        max_file_size: 1 << 30,
        limits: Default::default(),
        fingerprint_dir: None,
        fingerprint_key_file: None,
        exec_unknown_blocks: false,
        audit_log: None,
        state_dir: None,
        pusher_env: super::DEFAULT_PUSHER_ENV.iter().map(|s| s.to_string()).collect(),
        audit_signers: None,
    };

    for (i, raw) in raws {
        cx.cur = i;
        let dir = sources[i].dir.clone();
        let file_origin = Origin { source: i, line: 0, column: 0 };
        for (k, principals) in raw.roles.0 {
            origins.insert(format!("role:{}", k.value), cx.origin(&k.referenced));
            roles.insert(k.value, principals.into_iter().map(|p| p.value).collect::<Vec<_>>());
        }
        let check_role = |cx: &mut Cx, r: &Spanned<String>| {
            if !roles_known.contains(&r.value) {
                cx.err(
                    Code::UnknownRole,
                    &r.referenced,
                    format!("unknown role `{}`", r.value),
                    "not declared under `roles:`",
                    suggest(&r.value, &roles_known),
                );
            }
        };
        if let Some(a) = raw.approvals {
            if let Some(p) = a.allowed_signers {
                origins.insert("approvals.allowed_signers".into(), cx.origin(&p.referenced));
                let path = PathBuf::from(&p.value);
                approvals.allowed_signers = Some(match (&dir, path.is_absolute()) {
                    (Some(d), false) => repo_relative(d, &path),
                    _ => path,
                });
            }
            if let Some(ns) = a.namespace {
                origins.insert("approvals.namespace".into(), file_origin);
                approvals.namespace = ns;
            }
            if let Some(t) = a.default_ttl {
                origins.insert("approvals.default_ttl".into(), cx.origin(&t.referenced));
                if let Some(d) = cx.duration(&t) {
                    approvals.default_ttl = d;
                }
            }
            if let Some(bg) = &a.break_glass {
                origins.insert("approvals.break_glass".into(), file_origin);
                if !bg.enabled {
                    approvals.break_glass = None;
                }
            }
            if let Some(bg) = a.break_glass.filter(|b| b.enabled) {
                bg.approvers.iter().for_each(|r| check_role(&mut cx, r));
                approvals.break_glass =
                    Some(BreakGlass { approvers: bg.approvers.into_iter().map(|r| r.value).collect() });
            }
        }
        for (id, c) in raw.classes.0 {
            if c.detect.is_empty() {
                cx.err(
                    Code::EmptyClass,
                    &id.referenced,
                    format!("class `{}` has no detectors", id.value),
                    "this class",
                    None,
                );
            }
            let detectors = c.detect.into_iter().filter_map(|d| detector(&mut cx, &id.value, d.0?)).collect();
            let example_text = |cx: &mut Cx, e: Spanned<String>| -> ExampleText {
                let looks_like_path = !e.value.contains(['\n', ' '])
                    && (e.value.contains('/')
                        || e.value.rsplit_once('.').is_some_and(|(_, x)| {
                            (1..=5).contains(&x.len()) && x.chars().all(|c| c.is_ascii_alphanumeric())
                        }));
                if looks_like_path {
                    if let Some(d) = &dir {
                        let p = repo_relative(d, std::path::Path::new(&e.value));
                        if p.is_file() {
                            return ExampleText::File(p);
                        }
                        if !e.value.contains('@') {
                            cx.err(
                                Code::BadExample,
                                &e.referenced,
                                format!("example file `{}` not found", e.value),
                                "no such file",
                                Some(format!("looked for {}", p.display())),
                            );
                        }
                    }
                }
                ExampleText::Inline(e.value)
            };
            let example = |cx: &mut Cx, e: Spanned<String>| -> Example {
                let origin = cx.origin(&e.referenced);
                Example { what: example_text(cx, e), origin }
            };
            let examples = c.examples.into_iter().map(|e| example(&mut cx, e)).collect();
            let negative_examples = c.negative_examples.into_iter().map(|e| example(&mut cx, e)).collect();
            classes.push(Class {
                origin: cx.origin(&id.referenced),
                id: id.value,
                description: c.description.unwrap_or_default(),
                detectors,
                examples,
                negative_examples,
            });
        }
        for (id, s) in raw.stores.0 {
            origins.insert(format!("store:{}", id.value), cx.origin(&id.referenced));
            s.roles.iter().for_each(|r| check_role(&mut cx, r));
            let path_set = cx.glob_set(&s.paths, "store path");
            let git_set = cx.glob_set(&s.git, "store git");
            stores.push(Store {
                id: id.value,
                description: s.description.unwrap_or_default(),
                paths: s.paths.into_iter().map(|p| p.value).collect(),
                path_set,
                git: s.git.into_iter().map(|p| p.value).collect(),
                git_set,
                destinations: s.destinations.into_iter().map(|p| p.value).collect(),
                roles: s.roles.into_iter().map(|p| p.value).collect(),
                private: s.private,
                quarantine: s.quarantine,
            });
        }
        for (id, a) in raw.actions.0 {
            origins.insert(format!("action:{}", id.value), cx.origin(&id.referenced));
            a.roles.iter().for_each(|r| check_role(&mut cx, r));
            let mut globs = Vec::new();
            for arg in &a.command.value {
                match Glob::new(arg) {
                    Ok(g) => globs.push(g.compile_matcher()),
                    Err(e) => cx.err(
                        Code::BadGlob,
                        &a.command.referenced,
                        format!("invalid argument glob `{arg}` in action `{}`", id.value),
                        "in this command",
                        Some(e.kind().to_string()),
                    ),
                }
            }
            if let Some(p) = &a.produces {
                if !classes_known.contains(&p.value) {
                    cx.err(
                        Code::UnknownClass,
                        &p.referenced,
                        format!("unknown class `{}`", p.value),
                        "not declared under `classes:`",
                        suggest(&p.value, &classes_known),
                    );
                }
            }
            let sends = a.sends.map(|s| Sends {
                args: match (s.args, s.recipe) {
                    (_, Some(r)) => {
                        if !crate::exec::recipe::RECIPES.contains(&r.as_str()) {
                            cx.err(
                                Code::BadAction,
                                &a.command.referenced,
                                format!("action `{}` names unknown upload recipe `{r}`", id.value),
                                "this action",
                                Some(format!("recipes: {}", crate::exec::recipe::RECIPES.join(", "))),
                            );
                        }
                        SendArgs::Recipe(r)
                    }
                    (Some(RawSendArgs::Positions(p)), None) => SendArgs::Positions(p),
                    (Some(RawSendArgs::Keyword(_)), None) | (None, None) => SendArgs::Files,
                },
                destination: s.destination,
            });
            let (output, output_default, output_aliases) = match a.output {
                None => (Output::None, None, Vec::new()),
                Some(RawOutput::Keyword(k)) if k == "stdout" => (Output::Stdout, None, Vec::new()),
                Some(RawOutput::Spec(RawOutputSpec { flag: Some(f), arg: None, recipe: None, default, aliases })) => {
                    (Output::Flag(f), default.map(PathBuf::from), aliases)
                }
                Some(RawOutput::Spec(RawOutputSpec { flag: None, arg: Some(n), recipe: None, default, .. })) => {
                    (Output::Arg(n), default.map(PathBuf::from), Vec::new())
                }
                Some(RawOutput::Spec(RawOutputSpec {
                    flag: None, arg: None, recipe: Some(r), default: None, ..
                })) if crate::exec::outrecipe::RECIPES.contains(&r.as_str()) => (Output::Recipe(r), None, Vec::new()),
                Some(_) => {
                    cx.err(
                        Code::BadAction,
                        &a.command.referenced,
                        format!("action `{}`: `output` is `stdout`, `{{flag: --out}}` or `{{arg: N}}` (with an optional `default: PATH`), or `{{recipe: R}}` ({})", id.value, crate::exec::outrecipe::RECIPES.join(", ")),
                        "this action",
                        None,
                    );
                    (Output::None, None, Vec::new())
                }
            };
            actions.push(Action {
                id: id.value,
                description: a.description.unwrap_or_default(),
                command: a.command.value,
                command_globs: globs,
                roles: a.roles.into_iter().map(|r| r.value).collect(),
                output,
                produces: a.produces.map(|p| p.value),
                sends,
                output_default,
                output_aliases,
            });
        }
        for r in raw.rules {
            if !classes_known.contains(&r.class.value) {
                cx.err(
                    Code::UnknownClass,
                    &r.class.referenced,
                    format!("rule `{}` names unknown class `{}`", r.id.value, r.class.value),
                    "not declared under `classes:`",
                    suggest(&r.class.value, &classes_known),
                );
            }
            for s in &r.allow_in {
                if !stores_known.contains(&s.value) {
                    cx.err(
                        Code::UnknownStore,
                        &s.referenced,
                        format!("rule `{}` allows unknown store `{}`", r.id.value, s.value),
                        "not declared under `stores:`",
                        suggest(&s.value, &stores_known),
                    );
                }
            }
            let severity = match &r.severity {
                None => Severity::Block,
                Some(s) => Severity::parse(&s.value).unwrap_or_else(|| {
                    cx.err(
                        Code::BadSeverity,
                        &s.referenced,
                        format!("invalid severity `{}`", s.value),
                        "expected block, warn or info",
                        None,
                    );
                    Severity::Block
                }),
            };
            let rule_id = r.id.value.clone();
            let override_ = r.override_.map(|o| {
                o.approvers.iter().for_each(|a| check_role(&mut cx, a));
                if o.approvals == 0 {
                    if let Some(a) = o.approvers.first() {
                        cx.err(
                            Code::BadOverride,
                            &a.referenced,
                            format!("rule `{}` override needs at least one approval", r.id.value),
                            "approvals: 0",
                            None,
                        );
                    }
                }
                if let Some(r) = o.reason.as_ref().filter(|r| !matches!(r.value.as_str(), "required" | "optional")) {
                    cx.err(
                        Code::BadOverride,
                        &r.referenced,
                        format!("invalid reason `{}` in the override of rule `{}`", r.value, rule_id),
                        "expected required or optional",
                        None,
                    );
                }
                let ttl = o.ttl.as_ref().and_then(|t| cx.duration(t)).unwrap_or(approvals.default_ttl);
                Override {
                    approvals: o.approvals,
                    approvers: o.approvers.into_iter().map(|a| a.value).collect(),
                    ttl,
                    // Anything but `optional` asks for a reason (a typo is reported above).
                    reason_required: o.reason.as_ref().is_none_or(|r| r.value != "optional"),
                    reason_enforced: o.reason.as_ref().is_some_and(|r| r.value == "required"),
                }
            });
            let path_set = (!r.paths.is_empty()).then(|| cx.glob_set(&r.paths, "rule path"));
            let exclude_set = cx.glob_set(&r.exclude_paths, "rule exclude_paths");
            rules.push(Rule {
                origin: cx.origin(&r.id.referenced),
                id: r.id.value,
                class: r.class.value,
                allow_in: r.allow_in.into_iter().map(|s| s.value).collect(),
                paths: r.paths.into_iter().map(|s| s.value).collect(),
                path_set,
                exclude_paths: r.exclude_paths.into_iter().map(|s| s.value).collect(),
                exclude_set,
                severity,
                message: r.message.unwrap_or_default(),
                override_,
            });
        }
        if let Some(a) = raw.allow {
            for d in &a.digests {
                let ok = d
                    .value
                    .strip_prefix("sha256:")
                    .is_some_and(|h| h.len() == 64 && h.bytes().all(|c| c.is_ascii_hexdigit()));
                if ok {
                    digests.insert(d.value.to_ascii_lowercase());
                } else {
                    cx.err(
                        Code::BadDigest,
                        &d.referenced,
                        format!("invalid digest `{}`", d.value),
                        "expected sha256: and 64 hex digits",
                        None,
                    );
                }
            }
            allow_paths.extend(a.paths.iter().map(|p| p.value.clone()));
            allow_globs.extend(a.paths);
            if let Some(m) = a.markers {
                markers = m;
            }
        }
        if let Some(s) = raw.settings {
            let keys = [
                ("unscannable", s.unscannable.is_some()),
                ("max_file_size", s.max_file_size.is_some()),
                ("max_archive_depth", s.max_archive_depth.is_some()),
                ("max_archive_bytes", s.max_archive_bytes.is_some()),
                ("max_archive_ratio", s.max_archive_ratio.is_some()),
                ("fingerprint_dir", s.fingerprint_dir.is_some()),
                ("fingerprint_key_file", s.fingerprint_key_file.is_some()),
                ("exec_unknown", s.exec_unknown.is_some()),
                ("audit_log", s.audit_log.is_some()),
                ("state_dir", s.state_dir.is_some()),
                ("pusher_env", s.pusher_env.is_some()),
                ("audit_signers", s.audit_signers.is_some()),
            ];
            for (k, set) in keys {
                if set {
                    origins.insert(format!("settings.{k}"), file_origin);
                }
            }
            if let Some(u) = &s.unscannable {
                match Severity::parse(&u.value) {
                    Some(sev) => settings.unscannable = sev,
                    None => cx.bad_setting(u, "settings.unscannable", &["block", "warn", "info"]),
                }
            }
            if let Some(sz) = &s.max_file_size {
                match parse_size(&sz.value) {
                    Some(n) => settings.max_file_size = n,
                    None => cx.bad_setting(sz, "settings.max_file_size", SIZES),
                }
            }
            if let Some(d) = s.max_archive_depth {
                settings.limits.max_depth = d;
            }
            if let Some(b) = &s.max_archive_bytes {
                match parse_size(&b.value) {
                    Some(n) => settings.limits.max_expanded = n,
                    None => cx.bad_setting(b, "settings.max_archive_bytes", SIZES),
                }
            }
            let resolve = |p: String| match &dir {
                Some(d) if !Path::new(&p).is_absolute() => repo_relative(d, Path::new(&p)),
                _ => PathBuf::from(p),
            };
            if let Some(d) = s.fingerprint_dir {
                settings.fingerprint_dir = Some(resolve(d));
            }
            if let Some(k) = s.fingerprint_key_file {
                settings.fingerprint_key_file = Some(resolve(k));
            }
            if let Some(a) = s.audit_log {
                settings.audit_log = Some(resolve(a));
            }
            if let Some(d) = s.state_dir {
                settings.state_dir = Some(resolve(d));
            }
            if let Some(v) = s.pusher_env {
                settings.pusher_env = v;
            }
            if let Some(v) = s.audit_signers {
                v.iter().for_each(|r| check_role(&mut cx, r));
                settings.audit_signers = Some(v.into_iter().map(|r| r.value).collect());
            }
            if let Some(u) = &s.exec_unknown {
                match u.value.as_str() {
                    "block" => settings.exec_unknown_blocks = true,
                    "allow" => settings.exec_unknown_blocks = false,
                    _ => cx.bad_setting(u, "settings.exec_unknown", &["allow", "block"]),
                }
            }
            if let Some(r) = s.max_archive_ratio {
                settings.limits.max_ratio = r as u64;
            }
        }
        // Globs of `allow.paths` are compiled with this file's context for labels.
        let set = cx.glob_set(&allow_globs, "allow path");
        drop(set);
    }
    let path_set = {
        let mut b = GlobSetBuilder::new();
        for p in &allow_paths {
            if let Ok(g) = globset::GlobBuilder::new(p).case_insensitive(true).build() {
                b.add(g);
            }
        }
        b.build().unwrap_or_else(|_| GlobSet::empty())
    };
    if !cx.diags.is_empty() {
        return Err(cx.diags);
    }
    let digest = {
        use sha2::{Digest, Sha256};
        // Over the texts only, sorted: the same policy read from another path (a
        // server's copy) has the same digest, so approvals match across machines.
        let mut texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
        texts.sort_unstable();
        let mut h = Sha256::new();
        for t in texts {
            h.update(t.as_bytes());
            h.update([0]);
        }
        format!("sha256:{}", crate::detect::hex(&h.finalize()))
    };
    Ok(Policy {
        sources: sources.to_vec(),
        digest,
        roles,
        approvals,
        classes,
        stores,
        actions,
        rules,
        allow: Allow { paths: allow_paths, path_set, digests, markers },
        settings,
        origins,
        replaced: BTreeMap::new(),
        warnings: Vec::new(),
    }
    .with_warnings())
}

/// A path in a policy is relative to the repository holding the policy (the parent of
/// `.leakguard/`), or to the policy file's directory otherwise.
fn repo_relative(dir: &std::path::Path, p: &std::path::Path) -> PathBuf {
    let base = if dir.file_name().is_some_and(|n| n == ".leakguard") { dir.parent().unwrap_or(dir) } else { dir };
    let first = base.join(p);
    if first.exists() || base == dir || !dir.join(p).exists() {
        return first;
    }
    dir.join(p)
}

fn detector(cx: &mut Cx, class: &str, d: RawDetector) -> Option<Detector> {
    Some(match d {
        RawDetector::Pattern(p) => {
            let builtin = cx.sources[cx.cur].kind == LayerKind::Builtin;
            let regex = match builtin {
                true => Ok(LazyRegex::deferred(&p.regex.value)),
                false => build_regex(&p.regex.value).map(|r| LazyRegex::compiled(&p.regex.value, r)),
            };
            let regex = match regex {
                Ok(r) => r,
                Err(e) => {
                    let why = e.to_string();
                    let last = why
                        .lines()
                        .rfind(|l| l.starts_with("error:"))
                        .unwrap_or(&why)
                        .trim_start_matches("error: ")
                        .to_string();
                    cx.err(
                        Code::BadRegex,
                        &p.regex.referenced,
                        format!("invalid regex in class `{class}`"),
                        "this regex",
                        Some(last),
                    );
                    return None;
                }
            };
            Detector::Pattern(Pattern {
                name: p.name.unwrap_or_else(|| class.to_string()),
                regex,
                keywords: p.keywords,
                min_count: p.min_count.unwrap_or(1),
                entropy: p.entropy,
                multiline: ["\\s", "\\n", "(?s", "\\v", "[^"].iter().any(|m| p.regex.value.contains(m)),
            })
        }
        RawDetector::Emails(e) => Detector::Emails(Emails {
            min_count: e.min_count.unwrap_or(20),
            min_distinct_domains: e.min_distinct_domains.unwrap_or(1),
            ignore: Ignore { domains: e.ignore_domains.into_iter().map(|d| d.to_ascii_lowercase()).collect() },
        }),
        RawDetector::Records(r) => {
            let mut need_email = r.fields.is_empty();
            let mut need_phone = false;
            let mut need_company = false;
            for f in &r.fields {
                match f.value.as_str() {
                    "email" => need_email = true,
                    "phone" => need_phone = true,
                    "company" => need_company = true,
                    // Records of a person, typed by detect::fields (neither flag set).
                    "personal" => {}
                    other => cx.err(
                        Code::PolicySyntax,
                        &f.referenced,
                        format!("unknown contact field `{other}`"),
                        "expected email, phone, personal or company",
                        None,
                    ),
                }
            }
            Detector::Records(Records {
                min_rows: r.min_rows.unwrap_or(5).max(1),
                need_email,
                need_phone,
                need_company,
                min_distinct_domains: r.min_distinct_domains.unwrap_or(1),
                ignore: Ignore { domains: r.ignore_domains.into_iter().map(|d| d.to_ascii_lowercase()).collect() },
                until_fired: false,
            })
        }
        RawDetector::Fingerprints(f) => {
            Detector::Fingerprints(Fingerprints { set: f.set, min_matches: f.min_matches.unwrap_or(3), lookup: None })
        }
        RawDetector::Canaries(c) => {
            let mut hashes = HashSet::new();
            for h in c.hashes {
                match h.value.strip_prefix("sha256:") {
                    Some(x) if x.len() == 64 && x.bytes().all(|b| b.is_ascii_hexdigit()) => {
                        hashes.insert(x.to_ascii_lowercase());
                    }
                    _ => cx.err(
                        Code::BadDigest,
                        &h.referenced,
                        format!("invalid canary hash `{}`", h.value),
                        "expected sha256: and 64 hex digits",
                        None,
                    ),
                }
            }
            Detector::Canaries(Canaries::new(c.values, hashes))
        }
    })
}

/// `did you mean …?` for a misspelt id.
pub(super) fn suggest(got: &str, known: &HashSet<String>) -> Option<String> {
    let best = known.iter().map(|k| (strsim(got, k), k)).filter(|(d, _)| *d <= 3).min();
    match best {
        Some((_, k)) => Some(format!("did you mean `{k}`?")),
        None if known.is_empty() => None,
        None => {
            let mut all: Vec<&String> = known.iter().collect();
            all.sort();
            Some(format!("known: {}", all.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")))
        }
    }
}

/// Levenshtein distance.
fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
