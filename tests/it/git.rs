//! leakguard in git, through the real `git` CLI: installed hooks on commit, push and
//! receive, partial staging, odd names, submodules, worktrees, hooksPath, chained
//! hooks, history, and the pre-commit framework.

use std::os::unix::fs::PermissionsExt;

use crate::util::*;

fn installed() -> Repo {
    let r = Repo::new();
    let o = r.lg().arg("install").output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    r
}

fn commit(r: &Repo, args: &[&str]) -> std::process::Output {
    r.git_output(&[&["commit", "-q", "-m", "change"][..], args].concat())
}

#[test]
fn commit_of_a_staged_list_is_blocked_even_when_gone_from_the_work_tree() {
    let r = installed();
    r.write("exports/q3.csv", customer_csv(40));
    r.git(&["add", "exports/q3.csv"]);
    std::fs::remove_file(r.path().join("exports/q3.csv")).expect("rm");
    let o = commit(&r, &[]);
    assert_eq!(o.status.code(), Some(1), "first commit must be blocked: {}", err(&o));
    assert!(err(&o).contains("customer-list in exports/q3.csv"), "{}", err(&o));
    assert!(err(&o).contains("destination: git:refs/heads/main"));
    assert!(!err(&o).contains("admin1@"), "value leaked");
    // Nothing was recorded, and the index still holds the file (we never edit it).
    assert!(r.git_output(&["rev-parse", "HEAD"]).status.code() != Some(0));
    assert!(r.git(&["diff", "--cached", "--name-only"]).contains("exports/q3.csv"));
    // A clean commit passes.
    r.git(&["rm", "-q", "--cached", "exports/q3.csv"]);
    r.write("README.md", "hello\n");
    r.git(&["add", "README.md"]);
    assert_eq!(commit(&r, &[]).status.code(), Some(0));
}

#[test]
fn commit_a_and_commit_path_see_what_they_record() {
    let r = installed();
    r.write("notes.txt", "hello\n");
    r.git(&["add", "notes.txt"]);
    assert_eq!(commit(&r, &[]).status.code(), Some(0));
    // `git commit -a` uses a temporary index (GIT_INDEX_FILE).
    r.write("notes.txt", customer_csv(20));
    let o = commit(&r, &["-a"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    // `git commit <path>` likewise.
    let o = commit(&r, &["notes.txt"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    // Restored content passes with -a.
    r.write("notes.txt", "hello again\n");
    assert_eq!(commit(&r, &["-a"]).status.code(), Some(0));
}

#[test]
fn partial_staging_judges_the_index_not_the_work_tree() {
    let r = installed();
    r.write("doc.md", "# doc\n");
    r.git(&["add", "doc.md"]);
    assert_eq!(commit(&r, &[]).status.code(), Some(0));
    // Stage a version with a list, then clean the work tree copy: still blocked.
    r.write("doc.md", format!("# doc\n{}", customer_csv(12)));
    r.git(&["add", "doc.md"]);
    r.write("doc.md", "# doc\nclean\n");
    assert_eq!(commit(&r, &[]).status.code(), Some(1));
    // The reverse: a clean version staged, the list only in the work tree: passes.
    r.git(&["add", "doc.md"]);
    r.write("doc.md", format!("# doc\n{}", customer_csv(12)));
    assert_eq!(commit(&r, &[]).status.code(), Some(0));
}

#[test]
fn renames_binaries_odd_names_and_merges() {
    let r = installed();
    r.write("a.txt", "base\n");
    r.git(&["add", "."]);
    assert_eq!(commit(&r, &[]).status.code(), Some(0));
    // A CSV renamed to .txt (content decides).
    r.write("list.txt", customer_csv(15));
    r.git(&["add", "list.txt"]);
    assert_eq!(commit(&r, &[]).status.code(), Some(1));
    r.git(&["rm", "-q", "--cached", "list.txt"]);
    std::fs::remove_file(r.path().join("list.txt")).expect("rm");
    // A binary file with a key inside, and odd names.
    let mut bin = vec![0u8, 159, 146, 150, 0];
    bin.extend_from_slice(b"AKIAZ5QWERTYUIOPASDF\0");
    r.write("blob.bin", &bin);
    r.write("name with spaces\nand newline.txt", "x\n");
    {
        use std::os::unix::ffi::OsStrExt;
        std::fs::write(r.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")), "y\n").expect("write");
    }
    r.git(&["add", "."]);
    let o = commit(&r, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("secret in blob.bin"), "{}", err(&o));
    r.git(&["rm", "-q", "--cached", "blob.bin"]);
    assert_eq!(commit(&r, &[]).status.code(), Some(0), "odd names alone pass");
    // A merge commit with a list on the merged branch: the branch commit is blocked by
    // the hook, so bypass it there and check the merge result is judged.
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("side.csv", customer_csv(10));
    r.git(&["add", "side.csv"]);
    assert_eq!(commit(&r, &["--no-verify"]).status.code(), Some(0));
    r.git(&["checkout", "-q", "main"]);
    r.write("main.txt", "m\n");
    r.git(&["add", "main.txt"]);
    assert_eq!(commit(&r, &[]).status.code(), Some(0));
    let o = r.git_output(&["merge", "-q", "--no-ff", "side", "-m", "merge"]);
    assert_ne!(o.status.code(), Some(0), "the merge brings the list into main: {}", err(&o));
}

#[test]
fn submodule_worktree_hookspath_and_chained_hooks() {
    // A submodule (gitlink) is skipped, not read as a blob.
    let sub = Repo::new();
    sub.write("x.txt", "x\n");
    sub.git(&["add", "."]);
    sub.git(&["commit", "-q", "-m", "x"]);
    let r = installed();
    let o = r.git_output(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.path().to_str().expect("utf8"),
        "sub",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(commit(&r, &[]).status.code(), Some(0), "submodule commit passes");
    // A linked worktree uses the same hooks and its own index.
    let wt = r.path().join("../wt-linked-leakguard-test");
    let _ = std::fs::remove_dir_all(&wt);
    r.git(&["worktree", "add", "-q", wt.to_str().expect("utf8"), "-b", "wt"]);
    std::fs::write(wt.join("l.csv"), customer_csv(10)).expect("write");
    let o = r.git_cmd().current_dir(&wt).args(["add", "l.csv"]).output().expect("git");
    assert!(o.status.success());
    let o = r.git_cmd().current_dir(&wt).args(["commit", "-q", "-m", "l"]).output().expect("git");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    r.git(&["worktree", "remove", "--force", wt.to_str().expect("utf8")]);

    // core.hooksPath with an existing hook: chained, idempotent, restored.
    let r = Repo::new();
    r.git(&["config", "core.hooksPath", ".githooks"]);
    r.write(".githooks/pre-commit", "#!/bin/sh\necho chained-hook-ran >&2\nexit 0\n");
    std::fs::set_permissions(r.path().join(".githooks/pre-commit"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    for _ in 0..2 {
        let o = r.lg().arg("install").output().expect("runs");
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    }
    assert!(r.path().join(".githooks/pre-commit.leakguard-chained").exists());
    r.write("l.csv", customer_csv(10));
    r.git(&["add", "l.csv"]);
    let o = commit(&r, &[]);
    assert_eq!(o.status.code(), Some(1));
    // leakguard decides first: a hook that was there runs only when the step is allowed.
    assert!(!err(&o).contains("chained-hook-ran"), "{}", err(&o));
    r.git(&["rm", "-q", "--cached", "l.csv"]);
    r.write("ok.txt", "fine\n");
    r.git(&["add", "ok.txt"]);
    let o = commit(&r, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("chained-hook-ran"), "{}", err(&o));
    let o = r.lg().arg("uninstall").output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let restored = std::fs::read_to_string(r.path().join(".githooks/pre-commit")).expect("restored");
    assert!(restored.contains("chained-hook-ran") && !restored.contains("leakguard"));
}

#[test]
fn server_side_receive_rejects_lists_and_accepts_the_rest() {
    let (server, client) = server_and_clone();
    client.write("q3.csv", customer_csv(30));
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "oops"]);
    let o = client.git_output(&["push", "origin", "main"]);
    assert!(!o.status.success());
    let text = err(&o);
    assert!(text.contains("remote: ") && text.contains("customer-list in q3.csv"), "{text}");
    assert!(text.contains("remote: leakguard: push rejected by policy"), "{text}");
    assert!(!text.contains("admin1@"), "value leaked: {text}");
    assert!(text.contains("pre-receive hook declined"), "{text}");
    // The server did not move.
    assert_ne!(server.git(&["rev-parse", "main"]).trim(), client.git(&["rev-parse", "main"]).trim());
    // A force push of history without the list passes; so do new branches, tags, deletions.
    client.git(&["reset", "-q", "--hard", "HEAD~1"]);
    client.write("ok.txt", "fine\n");
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "fine"]);
    assert!(client.git_output(&["push", "-q", "-f", "origin", "main"]).status.success());
    client.git(&["checkout", "-q", "-b", "feature"]);
    assert!(client.git_output(&["push", "-q", "origin", "feature"]).status.success());
    client.git(&["tag", "-a", "v1", "-m", "v1"]);
    assert!(client.git_output(&["push", "-q", "origin", "v1"]).status.success());
    assert!(client.git_output(&["push", "-q", "origin", "--delete", "feature"]).status.success());
    // A new branch carrying a list is rejected.
    client.git(&["checkout", "-q", "-b", "leaky"]);
    client.write(
        "l.json",
        format!(
            "[{}]",
            (0..10)
                .map(|i| format!("{{\"company\":\"C{i}\",\"email\":\"a{i}@d{i}.io\"}}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    );
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "l"]);
    assert!(!client.git_output(&["push", "-q", "origin", "leaky"]).status.success());
}

#[test]
fn a_push_of_200_commits_is_scanned_once_per_blob() {
    let (_server, client) = server_and_clone();
    client.write("counter.txt", "start\n");
    client.git(&["add", "counter.txt"]);
    for i in 0..200 {
        client.write("counter.txt", format!("{i}\n"));
        client.git(&["commit", "-q", "-a", "-m", &format!("c{i}")]);
    }
    let o = client.git_output(&["push", "-q", "origin", "main"]);
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn pre_push_new_branch_both_ways() {
    let (_server, client) = server_and_clone();
    let o = client.lg().arg("install").output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    // A clean new branch passes without re-judging what the remote already has.
    client.git(&["checkout", "-q", "-b", "clean"]);
    client.write("c.txt", "c\n");
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "c"]);
    let o = client.git_output(&["push", "-q", "origin", "clean"]);
    assert!(o.status.success(), "{}", err(&o));
    // A new branch with a secret committed past the commit hook is stopped at push.
    client.git(&["checkout", "-q", "-b", "secret"]);
    client.write("deploy.env", "AWS=AKIAZ5QWERTYUIOPASDF\n");
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "--no-verify", "-m", "s"]);
    let o = client.git_output(&["push", "origin", "secret"]);
    assert!(!o.status.success());
    assert!(err(&o).contains("secret in deploy.env") && err(&o).contains("git:refs/heads/secret"), "{}", err(&o));
}

#[test]
fn commit_messages_and_history_are_scanned() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.git(&["add", "."]);
    let msg = format!("import\n\n{}", customer_csv(8));
    r.git(&["commit", "-q", "-m", &msg]);
    r.write("b.csv", customer_csv(20));
    r.git(&["add", "."]);
    r.git(&["commit", "-q", "-m", "b"]);
    r.git(&["rm", "-q", "b.csv"]);
    r.git(&["commit", "-q", "-m", "remove b"]);
    let o = r.lg().args(["scan", "--history", "--format", "json"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let found: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["path"].as_str().unwrap_or("").to_string(), f["commit"].as_str().unwrap_or("").to_string()))
        .collect();
    let first = r.git(&["rev-list", "--max-parents=0", "HEAD"]).trim().to_string();
    let second = r.git(&["rev-parse", "HEAD~1"]).trim().to_string();
    assert!(found.contains(&("COMMIT_MSG".to_string(), first)), "{found:?}");
    assert!(found.contains(&("b.csv".to_string(), second.clone())), "{found:?}");
    // A range that excludes the list commit finds nothing.
    let o = r.lg().args(["scan", "--range", "HEAD~1..HEAD", "--format", "json"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // --staged on a clean index.
    let o = r.lg().args(["scan", "--staged"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn pre_commit_framework_try_repo_blocks_and_passes() {
    if !pre_commit_available() {
        return;
    }
    let here = env!("CARGO_MANIFEST_DIR");
    let home = std::path::Path::new(here).join("target/pre-commit-home");
    // try-repo needs the hook repository's HEAD to hold .pre-commit-hooks.yaml and the crate.
    let r = Repo::new();
    r.write("ok.txt", "fine\n");
    r.git(&["add", "ok.txt"]);
    let run = |r: &Repo, hook: &str, extra: &[&str]| {
        let mut cmd = std::process::Command::new("pre-commit");
        cmd.current_dir(r.path())
            .env("PRE_COMMIT_HOME", &home)
            .env("PRE_COMMIT_COLOR", "never")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("LEAKGUARD_POLICY");
        // try-repo installs the hook into a fresh temporary store every time (`cargo install
        // --path .`): one shared target directory and a quick release profile let the
        // second and later installs reuse the first build.
        cmd.env("CARGO_TARGET_DIR", std::path::Path::new(here).join("target/pre-commit-target"))
            .env("CARGO_PROFILE_RELEASE_LTO", "off")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1");
        cmd.args(["try-repo", here, hook]).args(extra);
        cmd.output().expect("pre-commit runs")
    };
    let o = run(&r, "leakguard", &[]);
    assert!(o.status.success(), "clean commit: {}{}", out(&o), err(&o));
    r.git(&["commit", "-q", "-m", "init"]);
    r.write("list.csv", customer_csv(20));
    r.git(&["add", "list.csv"]);
    let o = run(&r, "leakguard", &[]);
    assert!(!o.status.success(), "a staged list must fail: {}", out(&o));
    assert!(out(&o).contains("customer-list in list.csv"), "{}", out(&o));
    // The push hook: PRE_COMMIT_FROM_REF/TO_REF; a new branch has no FROM.
    r.git(&["commit", "-q", "--no-verify", "-m", "l"]);
    let head = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    let o = run(&r, "leakguard-push", &["--hook-stage", "pre-push", "--to-ref", &head, "--from-ref", &head]);
    assert!(o.status.success(), "nothing new between equal refs: {}", out(&o));
    let root = r.git(&["rev-list", "--max-parents=0", "HEAD"]).trim().to_string();
    let o = run(&r, "leakguard-push", &["--hook-stage", "pre-push", "--to-ref", &head, "--from-ref", &root]);
    assert!(!o.status.success(), "the pushed list must fail: {}", out(&o));
}

#[test]
fn hooks_fail_closed_outside_a_repository() {
    let d = Dir::new();
    let o = lg()
        .current_dir(d.path())
        .env("GIT_CEILING_DIRECTORIES", d.path().parent().expect("parent"))
        .args(["hook", "pre-commit"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("failing closed"), "{}", err(&o));
}
