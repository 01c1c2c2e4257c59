//! A team's first hour (#11): policies that compose with the built-in pack, a policy
//! that never blocks itself, every policy problem at once, the CLI conventions, `init`,
//! block messages that tell the way through, CI recipes and the newcomer walkthrough.

use crate::util::*;

fn installed() -> Repo {
    let r = Repo::new();
    let o = r.lg().arg("install").output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    r
}

/// docs/APPROVALS.md's setup example: roles and approvals only.
const ROLES_ONLY: &str = "version: 1\nroles:\n  security-officer: [carol@corp.test, dave@corp.test]\napprovals:\n  allowed_signers: .leakguard/allowed_signers\n";

#[test]
fn a_policy_with_only_roles_builds_on_the_pack_and_a_list_is_still_blocked() {
    let r = installed();
    r.write(".leakguard/policy.yaml", ROLES_ONLY);
    r.write(".leakguard/allowed_signers", "");
    let o = r.lg().args(["policy", "check"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("(3 classes, 2 stores, 0 actions, 3 rules)"), "{}", out(&o));
    r.write("exports/customers.csv", customer_csv(300));
    r.git(&["add", "."]);
    let o = r.git_output(&["commit", "-q", "-m", "list"]);
    assert_eq!(o.status.code(), Some(1), "a 300-row list must not commit: {}", err(&o));
    assert!(err(&o).contains("customer-list in exports/customers.csv"), "{}", err(&o));
    // The pack named explicitly next to the repository's policy is one base, not a clash.
    let o = r.lg().args(["--policy", "builtin", "--policy", ".leakguard", "policy", "check"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!err(&o).contains("duplicate"), "{}", err(&o));
}

#[test]
fn policy_show_names_the_file_of_every_item_and_what_it_replaced() {
    let r = Repo::new();
    r.write(".leakguard/policy.yaml", ROLES_ONLY);
    let o = r.lg().args(["policy", "show"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = stable(&out(&o), r.path());
    assert!(
        text.contains(
            "#   builtin            builtin:customer-lists.yaml, builtin:secrets.yaml, builtin:bulk-pii.yaml"
        ),
        "{text}"
    );
    assert!(text.contains("#   repository         [TMP]/.leakguard/policy.yaml"), "{text}");
    assert!(
        text.contains("  security-officer: [carol@corp.test, dave@corp.test]  # [TMP]/.leakguard/policy.yaml:3:3, replaces builtin:customer-lists.yaml:9:3"),
        "{text}"
    );
    assert!(
        text.contains("  allowed_signers: [TMP]/.leakguard/allowed_signers  # [TMP]/.leakguard/policy.yaml:5:20"),
        "{text}"
    );
    assert!(text.contains("  - id: customer-lists-stay-in-stores  # builtin:customer-lists.yaml:"), "{text}");
    assert!(text.contains("# members: carol@corp.test, dave@corp.test"), "{text}");
    // The same as JSON, for tooling.
    let o = r.lg().args(["--format", "json", "policy", "show"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let role = &v["roles"].as_array().expect("roles")[0];
    assert_eq!(role["id"], "security-officer");
    assert_eq!(role["members"], serde_json::json!(["carol@corp.test", "dave@corp.test"]));
    assert!(role["origin"].as_str().is_some_and(|o| o.ends_with(".leakguard/policy.yaml:3:3")), "{role}");
    assert!(role["replaces"][0].as_str().is_some_and(|o| o.starts_with("builtin:customer-lists.yaml:")), "{role}");
    let rule = &v["rules"].as_array().expect("rules")[0];
    assert_eq!(rule["override"]["members"], serde_json::json!(["carol@corp.test", "dave@corp.test"]));
}

#[test]
fn later_layers_replace_items_by_id_and_extends_empty_starts_empty() {
    let d = Dir::new();
    d.write("list.csv", customer_csv(30));
    // A later --policy layer replaces the rule of the same id: here it only warns.
    d.write(
        "warn.yaml",
        "version: 1\nrules:\n  - id: customer-lists-stay-in-stores\n    class: customer-list\n    severity: warn\n",
    );
    let o = lg().current_dir(d.path()).args(["--policy", "warn.yaml", "scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("0 blocking, 1 warning"), "{}", out(&o));
    // `extends: []` starts empty; `policy check` then says customer lists go unchecked.
    d.write("empty.yaml", "version: 1\nextends: []\nroles:\n  admins: [alice@corp.test]\n");
    let o = lg().current_dir(d.path()).args(["--policy", "empty.yaml", "policy", "check"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("(0 classes, 0 stores, 0 actions, 0 rules)"), "{}", out(&o));
    assert!(err(&o).contains("leakguard::no-customer-list-rule"), "{}", err(&o));
    assert!(err(&o).contains("no rule judges class `customer-list`"), "{}", err(&o));
    let o = lg()
        .current_dir(d.path())
        .args(["--policy", "empty.yaml", "policy", "check", "--deny-warnings"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    // `extends: []` next to a file that extends the pack has no effect, and says so.
    let o = lg()
        .current_dir(d.path())
        .args(["--policy", "empty.yaml", "--policy", "warn.yaml", "policy", "check"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("leakguard::extends-ignored"), "{}", err(&o));
    // A base leakguard does not know is an error at its place.
    d.write("bad.yaml", "version: 1\nextends: [biltin]\n");
    let o = lg().current_dir(d.path()).args(["--policy", "bad.yaml", "policy", "check"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("unknown base `biltin` in `extends`"), "{}", err(&o));
    assert!(err(&o).contains("bad.yaml:2:11"), "{}", err(&o));
}

#[test]
fn policy_check_warns_when_nobody_can_approve() {
    let d = Dir::new();
    let o = lg().current_dir(d.path()).args(["policy", "check"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("leakguard::no-approvers"), "{}", err(&o));
    assert!(err(&o).contains("nobody can approve rule `customer-lists-stay-in-stores`"), "{}", err(&o));
}

#[test]
fn a_copied_pack_never_blocks_itself_but_its_other_content_is_scanned() {
    let r = installed();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in ["customer-lists.yaml", "secrets.yaml", "bulk-pii.yaml"] {
        let text = std::fs::read_to_string(root.join("policies").join(f)).expect("pack file");
        r.write(format!("security/pack/{f}"), text);
    }
    r.git(&["add", "."]);
    let o = r.git_output(&["commit", "-q", "-m", "our copy of the pack"]);
    assert_eq!(o.status.code(), Some(0), "the pack's own examples blocked: {}", err(&o));
    let o = r.lg().args(["scan", "security"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("allowed: 0 blocking, 0 warning"), "{}", out(&o));
    // Only the example strings are exempt: a key elsewhere in a policy file is found.
    r.write(
        "security/extra.yaml",
        "version: 1\n# deploy key: GITHUB_TOKEN=ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbN\nclasses:\n  x:\n    detect: [{ pattern: { regex: 'X-[0-9]+' } }]\n    examples: ['X-1']\n",
    );
    let o = r.lg().args(["scan", "security/extra.yaml"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("secret in security/extra.yaml"), "{}", out(&o));
    // A list dressed up as a policy's example is too long to be one: blocked.
    let mut fake = String::from(
        "version: 1\nclasses:\n  x:\n    detect: [{ pattern: { regex: 'X-[0-9]+' } }]\n    examples:\n      - |\n",
    );
    for line in customer_csv(300).lines() {
        fake.push_str(&format!("        {line}\n"));
    }
    r.write("policy.yaml", fake);
    let o = r.lg().args(["scan", "policy.yaml"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("customer-list in policy.yaml"), "{}", out(&o));
    // A file named like a policy is not one: its content decides.
    r.write("leakguard.yaml.bak", format!("examples:\n{}", customer_csv(30)));
    let o = r.lg().args(["scan", "leakguard.yaml.bak"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
}

#[test]
fn policy_check_reports_every_typo_and_every_semantic_problem_in_one_run() {
    let d = Dir::new();
    d.write(
        "pol/a.yaml",
        "version: 1\nrolez:\n  admins: [a@corp.test]\nclasses:\n  c:\n    detect:\n      - records: { min_rows: 5, feilds: [email] }\n      - pattrn: { regex: 'x' }\n      - pattern: { regex: '(' }\n    exmples: [a]\nrules:\n  - id: r\n    clas: c\n    class: nope\n    override: { approvals: 1, approvers: [admins], ttl: 24x, reasn: required }\n",
    );
    d.write(
        "pol/b.yaml",
        "version: 1\nsettings:\n  max_file_sise: 1GiB\n  unscannable: blok\n  max_archive_bytes: lots\nstores:\n  s:\n    paths: ['[']\n",
    );
    let o = lg().args(["policy", "check"]).arg(d.path().join("pol")).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let text = stable(&err(&o), d.path());
    let want = [
        ("unknown key `rolez`", "[TMP]/pol/a.yaml:2:1", "did you mean `roles`?"),
        ("unknown key `feilds` in `classes.c.detect[0].records`", "[TMP]/pol/a.yaml:7:33", "did you mean `fields`?"),
        ("unknown key `pattrn` in `classes.c.detect[1]`", "[TMP]/pol/a.yaml:8:9", "did you mean `pattern`?"),
        ("unknown key `exmples` in `classes.c`", "[TMP]/pol/a.yaml:10:5", "did you mean `examples`?"),
        ("unknown key `clas` in `rules[0]`", "[TMP]/pol/a.yaml:13:5", "did you mean `class`?"),
        ("unknown key `reasn` in `rules[0].override`", "[TMP]/pol/a.yaml:15:62", "did you mean `reason`?"),
        ("unknown key `max_file_sise` in `settings`", "[TMP]/pol/b.yaml:3:3", "did you mean `max_file_size`?"),
        ("invalid regex in class `c`", "[TMP]/pol/a.yaml:9:27", "unclosed group"),
        ("rule `r` names unknown class `nope`", "[TMP]/pol/a.yaml:14:12", "known:"),
        ("unknown role `admins`", "[TMP]/pol/a.yaml:15:43", "known: security-officer"),
        ("invalid duration `24x`", "[TMP]/pol/a.yaml:15:57", ""),
        ("invalid store path glob `[`", "[TMP]/pol/b.yaml:8:13", ""),
        ("invalid value `blok` for settings.unscannable", "[TMP]/pol/b.yaml:4:16", "did you mean `block`?"),
        ("invalid value `lots` for settings.max_archive_bytes", "[TMP]/pol/b.yaml:5:22", ""),
    ];
    for (msg, place, help) in want {
        assert!(text.contains(msg), "missing `{msg}`:\n{text}");
        assert!(text.contains(&format!("╭─[{place}]")), "missing place {place} of `{msg}`:\n{text}");
        assert!(text.contains(help), "missing help `{help}`:\n{text}");
    }
    assert!(text.contains("14 problems"), "{text}");
}

#[test]
fn policy_test_failures_point_at_the_failing_example_s_line() {
    let d = Dir::new();
    d.write(
        "p.yaml",
        "version: 1\nextends: []\nclasses:\n  secret:\n    detect:\n      - pattern: { regex: 'SECRET-[0-9]{6}' }\n    examples:\n      - 'SECRET-123456'\n      - 'SECRET-12345'\n    negative_examples: ['nothing', 'SECRET-999999']\n",
    );
    let o = lg().args(["policy", "test"]).arg(d.path().join("p.yaml")).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let text = stable(&out(&o), d.path());
    assert!(text.contains("  ✗ [TMP]/p.yaml:9:9: [example-missed] inline example #2"), "{text}");
    assert!(text.contains("  ✗ [TMP]/p.yaml:10:36: [negative-flagged] inline negative example #2"), "{text}");
}

fn run_in(dir: &std::path::Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut c = lg_std();
    c.current_dir(dir).args(args);
    c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("runs");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write");
    child.wait_with_output().expect("runs")
}

#[test]
fn scan_dash_reads_stdin_and_concise_prints_one_line_per_finding() {
    let d = Dir::new();
    let o = run_in(
        d.path(),
        &["scan", "-", "--stdin-name", "exports/q3.csv", "--format", "concise"],
        customer_csv(40).as_bytes(),
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("exports/q3.csv:2:29: block customer-lists-stay-in-stores [customer-list] 40 records"),
        "{text}"
    );
    assert!(lines[1].starts_with("blocked: 1 blocking, 0 warning"), "{text}");
    assert!(!text.contains("admin1@"), "value leaked: {text}");
    let o = run_in(d.path(), &["scan", "-"], b"nothing to see\n");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("allowed: 0 blocking, 0 warning, 0 suppressed, 0 unscannable; 1 files"), "{}", out(&o));
    // `-` is scanned alone.
    let o = run_in(d.path(), &["scan", "-", "."], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn verbose_and_debug_log_structured_lines_on_stderr_without_values() {
    let d = Dir::new();
    d.write("list.csv", customer_csv(30));
    let o = lg().current_dir(d.path()).args(["-v", "scan", ".", "--format", "json"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("stdout stays one JSON object");
    let e = err(&o);
    assert!(
        e.lines()
            .any(|l| l.starts_with("level=info ") && l.contains(" event=policy.loaded ") && l.contains(" rules=3")),
        "{e}"
    );
    assert!(e.lines().any(|l| l.contains(" event=scan.done ") && l.contains(" blocking=1")), "{e}");
    assert!(!e.contains("event=finding"), "{e}");
    let o = lg().current_dir(d.path()).args(["--debug", "scan", "."]).output().expect("runs");
    let e = err(&o);
    assert!(
        e.lines().any(|l| l.starts_with("level=debug ")
            && l.contains(" event=finding rule=customer-lists-stay-in-stores path=list.csv")),
        "{e}"
    );
    assert!(!e.contains("admin1@"), "value leaked: {e}");
    // Without -v stderr stays quiet.
    let o = lg().current_dir(d.path()).args(["scan", ".", "--format", "json"]).output().expect("runs");
    assert_eq!(err(&o), "");
}

#[test]
fn scan_is_read_only_unless_asked_for_request_files() {
    let r = Repo::new();
    r.write("list.csv", customer_csv(30));
    let o = r.lg().args(["scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("request: lgr1-"), "{}", out(&o));
    assert!(!r.path().join(".git/leakguard").exists(), "scan wrote into .git/leakguard");
    let o = r.lg().args(["scan", ".", "--requests", "reqs"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let n = std::fs::read_dir(r.path().join("reqs")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(n, 1, "--requests DIR writes the request file");
}

#[test]
fn completions_and_man_page() {
    let o = lg().args(["completions", "bash"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("_leakguard()"), "{}", out(&o));
    // bash accepts the script.
    let dir = Dir::new();
    let f = dir.write("c.bash", &o.stdout);
    let b = std::process::Command::new("bash").arg("-n").arg(&f).output().expect("bash");
    assert!(b.status.success(), "{}", err(&b));
    let o = lg().args(["completions", "zsh"]).output().expect("runs");
    assert!(out(&o).starts_with("#compdef leakguard"), "{}", out(&o));
    let o = lg().args(["completions", "fish"]).output().expect("runs");
    assert!(out(&o).contains("complete -c leakguard"), "{}", out(&o));
    let o = lg().arg("man").output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let man = out(&o);
    assert!(man.contains(".TH leakguard 1"), "{}", &man[..man.len().min(400)]);
    assert!(man.contains(".TH leakguard-scan 1") && man.contains(".TH leakguard-policy 1"), "subcommand pages");
    assert!(man.contains("reads the content to scan from stdin"), "argument help is in the page");
}

/// An ed25519 key pair made by the real `ssh-keygen`; returns the private key path.
fn keygen(dir: &Dir, name: &str) -> std::path::PathBuf {
    let key = dir.path().join(name);
    let o = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen runs");
    assert!(o.status.success(), "{}", err(&o));
    key
}

#[test]
fn init_writes_a_working_setup_idempotently() {
    let r = Repo::new();
    let keys = Dir::new();
    keygen(&keys, "carol");
    keygen(&keys, "dave");
    let approver = |n: &str| format!("{n}@corp.test={}", keys.path().join(format!("{n}.pub")).display());
    let o = r
        .lg()
        .args(["init", "--approver", &approver("carol"), "--store-path", "/srv/exports/**"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("approvers (security-officer): carol@corp.test;"), "{}", out(&o));
    let o = r
        .lg()
        .args(["init", "--approver", &approver("carol"), "--approver", &approver("dave")])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let signers = std::fs::read_to_string(r.path().join(".leakguard/allowed_signers")).expect("signers");
    assert_eq!(
        signers
            .lines()
            .filter(|l| l.starts_with("carol@corp.test namespaces=\"leakguard-approval\" ssh-ed25519 "))
            .count(),
        1,
        "{signers}"
    );
    assert_eq!(signers.lines().filter(|l| l.starts_with("dave@corp.test ")).count(), 1, "{signers}");
    let policy = std::fs::read_to_string(r.path().join(".leakguard/policy.yaml")).expect("policy");
    assert!(policy.contains("security-officer: [\"carol@corp.test\", \"dave@corp.test\"]"), "{policy}");
    assert!(policy.contains("paths: [\"/srv/exports/**\"]"), "store paths kept on a re-run: {policy}");
    // Same inputs: nothing changes.
    let o = r
        .lg()
        .args(["init", "--approver", &approver("carol"), "--approver", &approver("dave")])
        .output()
        .expect("runs");
    assert!(out(&o).contains("unchanged: ") && !out(&o).contains("wrote: "), "{}", out(&o));
    // The result is valid and has nothing to warn about.
    let o = r.lg().args(["policy", "check", "--deny-warnings"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // A policy init did not write is not overwritten.
    r.write(".leakguard/policy.yaml", "version: 1\n");
    let o = r.lg().args(["init", "--approver", &approver("carol")]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("was not written by `leakguard init`"), "{}", err(&o));
    // A key approvals cannot use is refused with the reason.
    let rsa = keys.path().join("rsa");
    std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f"])
        .arg(&rsa)
        .status()
        .expect("ssh-keygen");
    let o = r
        .lg()
        .args(["init", "--force", "--approver", &format!("x@corp.test={}.pub", rsa.display())])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("cannot sign approvals (use ed25519 or ecdsa p256)"), "{}", err(&o));
}

#[test]
fn init_without_keys_says_nobody_can_approve_and_so_does_the_block() {
    let r = installed();
    let home = Dir::new();
    let o = r.lg().env("HOME", home.path()).arg("init").output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("no approvers: nobody can approve a blocked step"), "{}", out(&o));
    r.write("list.csv", customer_csv(30));
    r.git(&["add", "list.csv"]);
    let o = r.git_output(&["commit", "-q", "-m", "x"]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains(
            "nobody can approve this request: rule customer-lists-stay-in-stores: role security-officer has no members"
        ),
        "{e}"
    );
    assert!(!e.contains("each approver:"), "no instructions that cannot work: {e}");
    assert!(e.contains("false positive? accept its digest under `allow: { digests: [\"sha256:"), "{e}");
}

/// PATH with the built leakguard first.
fn path_with_leakguard() -> String {
    let dir = lg_path().parent().expect("bin dir").display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

/// The block scalar that follows the line `marker` (a `- |` or `run: |` line) in a YAML text.
fn block_after(text: &str, marker: &str) -> String {
    let mut lines = text.lines().skip_while(|l| l.trim() != marker);
    let head = lines.next().expect("marker line");
    let indent = head.len() - head.trim_start().len() + 2;
    lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn sarif_results(file: &std::path::Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).expect("sarif file")).expect("sarif json");
    assert_eq!(v["version"], "2.1.0");
    v["runs"][0]["results"].as_array().cloned().unwrap_or_default()
}

#[test]
fn ci_recipes_scan_the_range_and_write_sarif() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let r = Repo::new();
    r.write("README.md", "hi\n");
    r.git(&["add", "."]);
    r.git(&["commit", "-q", "-m", "init"]);
    let base = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    r.write("exports/list.csv", customer_csv(30));
    r.git(&["add", "."]);
    r.git(&["commit", "-q", "-m", "list"]);
    let head = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    let sh = |script: &str, env: &[(&str, &str)]| {
        let mut c = std::process::Command::new("sh");
        c.current_dir(r.path()).arg("-c").arg(script).env("PATH", path_with_leakguard()).env("NO_COLOR", "1");
        for k in [
            "GITHUB_BASE_REF",
            "CI_MERGE_REQUEST_DIFF_BASE_SHA",
            "CI_COMMIT_BEFORE_SHA",
            "LEAKGUARD_BASE",
            "LEAKGUARD_POLICY",
        ] {
            c.env_remove(k);
        }
        c.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("sh runs")
    };
    let script = root.join("ci/leakguard-ci.sh").display().to_string();
    // The generic script, with GitLab's merge-request variable and with GitHub's input.
    for (k, v) in [("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()), ("LEAKGUARD_BASE", base.as_str())] {
        let o = sh(&format!("sh {script}"), &[(k, v), ("LEAKGUARD_SARIF", "out.sarif")]);
        assert_eq!(o.status.code(), Some(1), "{k}: {}", err(&o));
        assert!(err(&o).contains(&format!("scanning {base}..HEAD")), "{}", err(&o));
        assert!(err(&o).contains("exports/list.csv:2:"), "concise summary on stderr: {}", err(&o));
        let res = sarif_results(&r.path().join("out.sarif"));
        assert_eq!(res.len(), 1, "{res:?}");
        assert_eq!(res[0]["level"], "error");
        assert_eq!(res[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "exports/list.csv");
        assert!(res[0].get("suppressions").is_none());
    }
    // No base known: the whole history.
    let o = sh(&format!("sh {script}"), &[("LEAKGUARD_SARIF", "all.sarif")]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("no base commit known: scanning the whole history"), "{}", err(&o));
    assert_eq!(sarif_results(&r.path().join("all.sarif")).len(), 1);
    // A base the clone does not have is a clear error, not a silent pass.
    let o = sh(&format!("sh {script} 1111111111111111111111111111111111111111"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("fetch-depth 0"), "{}", err(&o));
    // The GitLab template's script block, as GitLab runs it (sh, its variables).
    let gitlab = std::fs::read_to_string(root.join("ci/gitlab-ci.yml")).expect("template");
    let block = block_after(gitlab.split("  script:").nth(1).expect("script section"), "- |");
    let o = sh(
        &block,
        &[
            ("CI_COMMIT_BEFORE_SHA", &base),
            ("CI_COMMIT_SHA", &head),
            ("LEAKGUARD_SARIF", "gl.sarif"),
            ("LEAKGUARD_ARGS", ""),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert_eq!(sarif_results(&r.path().join("gl.sarif")).len(), 1);
    // The GitHub action runs the same script with its inputs as the environment.
    let action = std::fs::read_to_string(root.join("action.yml")).expect("action");
    assert!(action.contains("using: composite"));
    let run = block_after(action.split("id: scan").nth(1).expect("scan step"), "run: |");
    assert!(run.contains("sh \"$GITHUB_ACTION_PATH/ci/leakguard-ci.sh\""), "{run}");
    let run = run.replace("$GITHUB_ACTION_PATH", &root.display().to_string());
    let out_file = r.path().join("gh-output");
    let o = sh(
        &run,
        &[
            ("LEAKGUARD_BASE", &base),
            ("LEAKGUARD_HEAD", &head),
            ("LEAKGUARD_SARIF", "gh.sarif"),
            ("GITHUB_OUTPUT", &out_file.display().to_string()),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "the step records the exit code: {}", err(&o));
    assert_eq!(std::fs::read_to_string(&out_file).expect("output").trim(), "exit=1");
    assert_eq!(sarif_results(&r.path().join("gh.sarif")).len(), 1);
}

#[test]
fn the_first_hour_walkthrough_runs_end_to_end() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/first-hour.sh");
    let o = std::process::Command::new("bash").arg(script).env("LEAKGUARD", lg_path()).output().expect("bash");
    let text = format!("{}{}", out(&o), err(&o));
    assert!(o.status.success(), "{text}");
    for step in [
        "approvers (security-officer): carol@corp.test, dave@corp.test",
        "commit exit 1",
        "approvals: 2 of role security-officer — carol@corp.test, dave@corp.test — not the requester",
        "reason: auditors asked for the Q3 list (ticket 4711)",
        "approved",
        "commit went through with two approvals",
        "remote: allowed by approval: 0 blocking",
        "each with suppressions: two-person approval: request lgr1-",
        "chain intact",
        "first hour done",
    ] {
        assert!(text.contains(step), "missing `{step}` in:\n{text}");
    }
    assert!(!text.contains("admin1@customer1"), "a value leaked:\n{text}");
}

#[test]
fn a_rule_without_override_says_no_approval_opens_it() {
    let d = Dir::new();
    d.write("list.csv", customer_csv(30));
    d.write(
        "strict.yaml",
        "version: 1\nrules:\n  - id: customer-lists-stay-in-stores\n    class: customer-list\n    allow_in: [customer-exports]\n",
    );
    let o = lg().current_dir(d.path()).args(["--policy", "strict.yaml", "scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(text.contains("rule customer-lists-stay-in-stores has no override: no approval opens it"), "{text}");
    assert!(!text.contains("request: "), "{text}");
}
