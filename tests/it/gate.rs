//! The git gate, tried as an attacker with push access would: crafted objects
//! (`git hash-object --literally`, `git mktree`, `git commit-tree`) pushed through the
//! real `git` CLI to a bare repository with the installed pre-receive hook.

use crate::util::*;

/// Item 1 (critical): a tree entry under `.leakguard/approvals` whose *name* is an
/// absolute path (or `..`) must never become a place leakguard writes to. Today's code
/// joined it onto a temporary directory, so the first push overwrote the server's own
/// pre-receive hook with `exit 0` and the second stored the list.
#[test]
fn a_pushed_tree_never_names_a_file_leakguard_writes() {
    let (server, client) = server_and_clone();
    let hooks = server.path().join("hooks");
    let hook_before = std::fs::read(hooks.join("pre-receive")).expect("hook installed");
    let outside = Dir::new();
    let payload = client.blob("#!/bin/sh\nexit 0\n");
    let inner = client.raw_tree(&[("100644", b"pre-receive", &payload)]);
    let inner2 = client.raw_tree(&[("100644", b"planted", &payload)]);
    let abs = hooks.display().to_string();
    let abs_outside = outside.path().display().to_string();
    let dotdot = format!("../../../../../../../..{}", outside.path().display());
    let approvals = client.raw_tree(&[
        ("40000", abs.as_bytes(), &inner),
        ("40000", abs_outside.as_bytes(), &inner2),
        ("40000", dotdot.as_bytes(), &inner2),
        ("100644", format!("{abs_outside}/direct").as_bytes(), &payload),
    ]);
    let dot_lg = client.raw_tree(&[("40000", b"approvals", &approvals)]);
    let list = client.blob(customer_csv(30));
    let readme = client.blob("hi\n");
    let root = client.raw_tree(&[
        ("40000", b".leakguard", &dot_lg),
        ("100644", b"README.md", &readme),
        ("100644", b"q3.csv", &list),
    ]);
    let head = client.git(&["rev-parse", "HEAD"]).trim().to_string();
    let commit = client.commit_tree(&root, Some(&head), "approvals");
    for attempt in 0..2 {
        let o = client.git_output(&["push", "origin", &format!("{commit}:refs/heads/main")]);
        assert!(!o.status.success(), "push {attempt} must be rejected: {}", err(&o));
        assert!(err(&o).contains("customer-list in q3.csv"), "{}", err(&o));
    }
    assert_eq!(std::fs::read(hooks.join("pre-receive")).expect("hook"), hook_before, "server hook overwritten");
    assert!(!outside.path().join("planted").exists(), "file written outside");
    assert!(!outside.path().join("direct").exists(), "file written outside");
    assert_eq!(std::fs::read_dir(outside.path()).expect("dir").count(), 0, "nothing may appear outside");
    assert_ne!(server.git(&["rev-parse", "main"]).trim(), commit, "the list reached the server");
    // Nothing named after the push appears in the temporary directory either.
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .expect("tmp")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(&commit))
        .collect();
    assert!(leftovers.is_empty(), "temporary files named after the push: {leftovers:?}");
}
