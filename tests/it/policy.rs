//! Policy loading through the real binary: every diagnostic rendered (miette, no
//! colour, fixed width) with file:line:col, `policy test|explain|schema`, discovery.

use std::path::PathBuf;

use crate::util::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies").join(name)
}

fn check(name: &str) -> (i32, String) {
    let o = lg()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["policy", "check"])
        .arg(format!("tests/fixtures/policies/{name}"))
        .output()
        .expect("runs");
    (o.status.code().unwrap_or(-1), err(&o))
}

#[test]
fn every_problem_is_reported_at_once_with_its_place() {
    let (code, text) = check("many-problems.yaml");
    assert_eq!(code, 2);
    insta::assert_snapshot!("policy_many_problems", text);
}

#[test]
fn unknown_keys_are_errors() {
    let (code, text) = check("unknown-key.yaml");
    assert_eq!(code, 2);
    insta::assert_snapshot!("policy_unknown_key", text);
}

#[test]
fn yaml_syntax_errors_point_at_line_and_column() {
    let (code, text) = check("syntax-error.yaml");
    assert_eq!(code, 2);
    assert!(text.contains("tests/fixtures/policies/syntax-error.yaml:3:6"), "{text}");
    insta::assert_snapshot!("policy_syntax_error", text);
}

#[test]
fn the_spec_policy_is_valid_and_its_examples_pass() {
    let (code, text) = check("org.yaml");
    assert_eq!(code, 0, "{text}");
    let o = lg().args(["policy", "test"]).arg(fixture("org.yaml")).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("✓ customer-list: 1 examples detected, 1 negative examples not detected"));
}

#[test]
fn builtin_pack_proves_its_examples() {
    let o = lg().args(["--policy", "builtin", "policy", "test"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    insta::assert_snapshot!("policy_test_builtin", out(&o));
}

#[test]
fn a_failing_example_fails_policy_test() {
    let d = Dir::new();
    d.write("p.yaml", "version: 1\nextends: []\nclasses:\n  secret:\n    detect:\n      - pattern: { regex: 'SECRET-[0-9]{6}' }\n    examples: ['SECRET-12345']\n    negative_examples: ['SECRET-999999']\n");
    let o = lg().args(["policy", "test"]).arg(d.path().join("p.yaml")).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let text = stable(&out(&o), d.path());
    insta::assert_snapshot!("policy_test_failing", text);
}

#[test]
fn explain_rules_classes_and_codes() {
    let o = lg()
        .args(["--policy", "builtin", "policy", "explain", "customer-lists-stay-in-stores"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let text = out(&o);
    assert!(text.contains("rule customer-lists-stay-in-stores (builtin:customer-lists.yaml:"), "{text}");
    assert!(text.contains("override: 2 approvals from [security-officer], ttl 24h, reason required"), "{text}");
    let o = lg().args(["policy", "explain", "bad-regex"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).starts_with("bad-regex — a pattern detector's regex does not compile"));
    let o = lg().args(["--policy", "builtin", "policy", "explain", "no-such-rule"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn committed_schema_is_in_sync() {
    let o = lg().args(["policy", "schema"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let committed = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/policy.schema.json"))
        .unwrap_or_default();
    assert!(
        committed == out(&o),
        "docs/policy.schema.json is stale: run `leakguard policy schema > docs/policy.schema.json`"
    );
}

#[test]
fn discovery_prefers_flag_then_env_then_repo_files_then_builtin() {
    let d = Dir::new();
    d.write("list.csv", customer_csv(10));
    d.write(".git/HEAD", "ref: refs/heads/main\n");
    // Built-in pack: the list blocks.
    let o = lg().current_dir(d.path()).args(["scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    // A repository policy that knows no customer lists builds on the pack: still blocks.
    d.write(".leakguard/policy.yaml", "version: 1\nroles:\n  security-officer: [carol@corp.test]\n");
    let o = lg().current_dir(d.path()).args(["scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    // One that starts empty (`extends: []`) and knows no customer lists: passes.
    d.write(".leakguard/policy.yaml", "version: 1\nextends: []\nclasses:\n  secret:\n    detect:\n      - pattern: { regex: 'SECRET-[0-9]{6}' }\nrules:\n  - id: no-secret\n    class: secret\n");
    let o = lg().current_dir(d.path()).args(["scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // $LEAKGUARD_POLICY wins over the repository.
    let o = lg().current_dir(d.path()).env("LEAKGUARD_POLICY", "builtin").args(["scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    // --policy wins over the environment.
    let o = lg()
        .current_dir(d.path())
        .env("LEAKGUARD_POLICY", "builtin")
        .args(["--policy", ".leakguard", "scan", "."])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    // An invalid repository policy is exit 2, not a silent fallback.
    d.write("leakguard.yaml", "version: 2\n");
    let o = lg().current_dir(d.path()).args(["scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn duplicate_ids_across_files_name_both_places() {
    let d = Dir::new();
    let p = "version: 1\nclasses:\n  secret:\n    detect:\n      - pattern: { regex: 'X' }\n";
    d.write("pol/a.yaml", p);
    d.write("pol/b.yaml", p);
    let o = lg().args(["policy", "check"]).arg(d.path().join("pol")).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let text = stable(&err(&o), d.path());
    assert!(
        text.contains("duplicate class id `secret`") && text.contains("first declared at [TMP]/pol/a.yaml:3:3"),
        "{text}"
    );
}
