//! The pre-commit framework hook on named files: `pre-commit run --all-files` and
//! `--files X` judge what the names hold (index blobs, else working-tree files), a
//! commit through the framework still judges the staged blobs, and bad names stop the
//! step. The framework is the real one; the hook is `.pre-commit-hooks.yaml`'s own
//! `leakguard` entry with the built binary as `entry` (`language: system`, so no build).

use crate::util::*;

/// A `.pre-commit-config.yaml` with the `leakguard` hook of this repository's
/// `.pre-commit-hooks.yaml` as a local hook running the built binary.
fn local_config() -> String {
    let hooks = include_str!("../../.pre-commit-hooks.yaml");
    let start = hooks.find("\n- id: leakguard\n").expect("the leakguard hook");
    let block = &hooks[start + 1..];
    let block = &block[..block[1..].find("\n- id:").map_or(block.len(), |i| i + 2)];
    let mut out = String::from("repos:\n  - repo: local\n    hooks:\n");
    for line in block.lines() {
        let line = match line.trim_start() {
            l if l.starts_with("entry:") => {
                let args = l.trim_start_matches("entry:").trim().trim_start_matches("leakguard");
                format!("  entry: {}{args}", lg_path().display())
            }
            l if l.starts_with("language:") => "  language: system".into(),
            _ => line.to_string(),
        };
        out.push_str(&format!("      {line}\n"));
    }
    out
}

fn framework_repo() -> Option<(Repo, Dir)> {
    if !pre_commit_available() {
        return None;
    }
    let r = Repo::new();
    r.write(".pre-commit-config.yaml", local_config());
    r.write("README.md", "a clean repository\n");
    r.git(&["add", "."]);
    r.git(&["commit", "-q", "-m", "init"]);
    Some((r, Dir::new()))
}

/// The real framework in `r`, with its own cache directory and no user policy.
fn run(r: &Repo, home: &Dir, args: &[&str]) -> std::process::Output {
    let mut c = std::process::Command::new("pre-commit");
    c.current_dir(r.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("PRE_COMMIT_HOME", home.path().join("cache"))
        .env("PRE_COMMIT_COLOR", "never")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1");
    c.args(args).output().expect("pre-commit runs")
}

#[test]
fn precommit_all_files_and_files_judge_committed_content() {
    let Some((r, home)) = framework_repo() else { return };
    // A clean repository passes --all-files.
    let o = run(&r, &home, &["run", "--all-files"]);
    assert!(o.status.success(), "clean repository: {}{}", out(&o), err(&o));
    // A list committed without the hook: nothing is staged, yet --all-files finds it.
    r.write("data/list.csv", customer_csv(20));
    r.git(&["add", "data/list.csv"]);
    r.git(&["commit", "-q", "--no-verify", "-m", "list"]);
    let o = run(&r, &home, &["run", "--all-files"]);
    assert!(!o.status.success(), "--all-files must block a committed list: {}", out(&o));
    assert!(out(&o).contains("customer-list in data/list.csv"), "{}", out(&o));
    let o = run(&r, &home, &["run", "--files", "data/list.csv"]);
    assert!(!o.status.success(), "--files must block a committed list: {}", out(&o));
    assert!(out(&o).contains("customer-list in data/list.csv"), "{}", out(&o));
    // Another named file is judged by itself.
    let o = run(&r, &home, &["run", "--files", "README.md"]);
    assert!(o.status.success(), "a clean named file: {}{}", out(&o), err(&o));
}

#[test]
fn precommit_commit_through_the_framework_still_blocks() {
    let Some((r, home)) = framework_repo() else { return };
    let o = run(&r, &home, &["install"]);
    assert!(o.status.success(), "install: {}{}", out(&o), err(&o));
    let commit = |msg: &str| {
        let mut c = r.git_cmd();
        c.env("HOME", home.path()).env("PRE_COMMIT_HOME", home.path().join("cache"));
        c.args(["commit", "-q", "-m", msg]).output().expect("git commit")
    };
    r.write("notes.txt", "meeting notes\n");
    r.git(&["add", "notes.txt"]);
    let o = commit("notes");
    assert!(o.status.success(), "a clean commit: {}{}", out(&o), err(&o));
    r.write("list.csv", customer_csv(20));
    r.git(&["add", "list.csv"]);
    let o = commit("list");
    assert!(!o.status.success(), "a staged list must stop the commit: {}", out(&o));
    let shown = out(&o) + &err(&o);
    assert!(shown.contains("customer-list in list.csv"), "{shown}");
    assert_eq!(r.git(&["log", "--format=%s"]), "notes\ninit\n");
}

#[test]
fn precommit_names_read_index_then_work_tree() {
    let r = Repo::new();
    r.write("README.md", "clean\n");
    r.git(&["add", "README.md"]);
    r.git(&["commit", "-q", "-m", "init"]);
    // In the index: the staged blob is judged, not the working-tree file.
    r.write("staged.csv", "a,b\n1,2\n");
    r.git(&["add", "staged.csv"]);
    r.write("staged.csv", customer_csv(20));
    let o = r.lg().args(["hook", "pre-commit", "staged.csv"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "the staged blob is clean: {}", err(&o));
    r.git(&["add", "staged.csv"]);
    let o = r.lg().args(["hook", "pre-commit", "staged.csv"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "the staged blob is a list: {}", err(&o));
    r.git(&["reset", "-q"]);
    // Not in the index: the working-tree file; an absolute name inside the repository too.
    r.write("untracked/list.csv", customer_csv(20));
    let o = r.lg().args(["hook", "pre-commit", "untracked/list.csv"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "an untracked list: {}", err(&o));
    assert!(err(&o).contains("customer-list in untracked/list.csv"), "{}", err(&o));
    let abs = r.path().canonicalize().expect("abs").join("untracked/list.csv");
    let o = r.lg().args(["hook", "pre-commit"]).arg(&abs).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "an absolute name inside: {}", err(&o));
    // A symlink is judged by its target text (what git records), never followed.
    let outside = Dir::new();
    let list = outside.write("list.csv", customer_csv(20));
    std::os::unix::fs::symlink(&list, r.path().join("link.csv")).expect("symlink");
    std::os::unix::fs::symlink(outside.path(), r.path().join("linkdir")).expect("symlink");
    let o = r.lg().args(["hook", "pre-commit", "link.csv"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "a symlink is not followed: {}", err(&o));
    // Names that leave the repository stop the step with the name in the diagnostic.
    for bad in ["../x.csv", "a/../../x.csv", "linkdir/list.csv", "/etc/passwd"] {
        let o = r.lg().args(["hook", "pre-commit", bad]).output().expect("runs");
        assert_eq!(o.status.code(), Some(3), "{bad}: {}", err(&o));
        assert!(err(&o).contains(bad) && err(&o).contains("failing closed"), "{bad}: {}", err(&o));
    }
    // A deleted name has no content; a clean work tree passes.
    let o = r.lg().args(["hook", "pre-commit", "gone.csv", "README.md"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// Teams coming from the gitleaks pre-commit hook keep their `gitleaks:allow` markers:
/// one secret-pattern match on the marker's own line is suppressed (counted and listed
/// like any marker), never records, never the next line, never a two-person rule.
#[test]
fn precommit_gitleaks_allow_marker_is_an_alias() {
    let r = Repo::new();
    r.write(
        ".leakguard/policy.yaml",
        "version: 1\nextends: []\nclasses:\n  secret:\n    detect:\n      - pattern: { regex: 'SECRET-[0-9]{6}' }\n  customer-list:\n    detect:\n      - records: { min_rows: 5, fields: [email], min_distinct_domains: 3 }\nrules:\n  - id: no-secret\n    class: secret\n  - id: no-lists\n    class: customer-list\n",
    );
    r.write("ok.env", "token = SECRET-123456 # gitleaks:allow\n");
    r.git(&["add", "."]);
    let json = |args: &[&str]| {
        let o = r.lg().args(["--format", "json", "hook", "pre-commit"]).args(args).output().expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", err(&o)));
        (o.status.code(), v)
    };
    let (code, v) = json(&[]);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["stats"]["suppressed"], 1, "{v:#}");
    let f = &v["findings"][0];
    assert_eq!((f["path"].as_str(), f["suppressed"]["kind"].as_str()), (Some("ok.env"), Some("marker")), "{f:#}");
    assert_eq!(f["suppressed"]["justification"], "gitleaks:allow");
    // Not the next line (unlike leakguard:allow, it names no rule: its own line only).
    r.write("next.env", "# gitleaks:allow\ntoken = SECRET-654321\n");
    // Never a customer list, even on the marker's line.
    let list = customer_csv(12).replace('\n', " # gitleaks:allow\n");
    r.write("list.csv", list);
    r.git(&["add", "."]);
    let (code, v) = json(&["next.env", "list.csv", "ok.env"]);
    assert_eq!(code, Some(1), "{v:#}");
    let by = |p: &str| v["findings"].as_array().unwrap().iter().find(|f| f["path"] == p).cloned().expect(p);
    assert!(by("next.env")["suppressed"].is_null(), "{v:#}");
    assert!(by("list.csv")["suppressed"].is_null(), "{v:#}");
    assert!(by("list.csv")["marker"].as_str().unwrap_or("").contains("gitleaks:allow ignored"), "{v:#}");
    assert_eq!(by("ok.env")["suppressed"]["kind"], "marker");
    // The built-in pack's secret rule is a two-person rule: noted, not suppressed.
    std::fs::remove_file(r.path().join(".leakguard/policy.yaml")).expect("rm");
    r.write("gh.env", "token = \"ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbN\" # gitleaks:allow\n");
    r.git(&["add", "-A"]);
    let (code, v) = json(&["gh.env"]);
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(v["findings"][0]["marker"], "marker present: gitleaks:allow", "{v:#}");
}

/// A repository only the git CLI can read (SHA-256 objects) gets the same named-file
/// semantics: index blobs from `git ls-files --stage`, else working-tree files.
#[test]
fn precommit_names_in_a_sha256_repository() {
    let r = Repo { dir: Dir::new() };
    let o = r.git_output(&["init", "-q", "-b", "main", "--object-format=sha256"]);
    if !o.status.success() {
        eprintln!("skipped: this git has no `git init --object-format=sha256`: {}", err(&o));
        return;
    }
    r.git(&["config", "user.email", "alice@corp.test"]);
    r.git(&["config", "user.name", "Alice"]);
    r.write("README.md", "clean\n");
    r.write("data/list.csv", customer_csv(20));
    r.git(&["add", "."]);
    r.git(&["commit", "-q", "-m", "committed without a hook"]);
    let hook = |names: &[&str]| r.lg().args(["hook", "pre-commit"]).args(names).output().expect("runs");
    let o = hook(&[]);
    assert_eq!(o.status.code(), Some(0), "nothing staged: {}", err(&o));
    let o = hook(&["README.md", "data/list.csv"]);
    assert_eq!(o.status.code(), Some(1), "the committed list: {}", err(&o));
    assert!(err(&o).contains("customer-list in data/list.csv"), "{}", err(&o));
    let o = hook(&["README.md"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    r.write("new/list.csv", customer_csv(20));
    let o = hook(&["new/list.csv"]);
    assert_eq!(o.status.code(), Some(1), "an untracked list: {}", err(&o));
    let o = hook(&["../x.csv"]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
}
