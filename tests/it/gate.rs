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

fn push(client: &Repo, refspec: &str) -> std::process::Output {
    client.git_output(&["push", "origin", refspec])
}

/// Item 2: every object a push makes reachable is judged — a lightweight tag at a blob
/// or a tree, an annotated tag at a tree, and an annotated tag's message.
#[test]
fn tags_of_every_kind_are_judged() {
    let (server, client) = server_and_clone();
    let list = client.blob(customer_csv(30));
    // A lightweight tag pointing straight at the blob.
    client.git(&["tag", "leak-blob", &list]);
    let o = push(&client, "refs/tags/leak-blob");
    assert!(!o.status.success(), "a tag at a blob must be judged: {}", err(&o));
    assert!(err(&o).contains("customer-list in refs/tags/leak-blob^{blob}"), "{}", err(&o));
    // A lightweight tag pointing at a tree.
    let tree = client.raw_tree(&[("100644", b"q3.csv", &list)]);
    client.git(&["tag", "leak-tree", &tree]);
    let o = push(&client, "refs/tags/leak-tree");
    assert!(!o.status.success(), "a tag at a tree must be judged: {}", err(&o));
    assert!(err(&o).contains("customer-list in q3.csv"), "{}", err(&o));
    // An annotated tag pointing at a tree.
    client.git(&["tag", "-a", "-m", "release", "leak-atree", &tree]);
    let o = push(&client, "refs/tags/leak-atree");
    assert!(!o.status.success(), "an annotated tag at a tree must be judged: {}", err(&o));
    // An annotated tag whose message is the list, on a clean commit.
    let msgfile = client.write(".git/TAGMSG", format!("release notes\n\n{}", customer_csv(30)));
    client.git(&["tag", "-a", "-F", &msgfile.display().to_string(), "leak-msg", "HEAD"]);
    let o = push(&client, "refs/tags/leak-msg");
    assert!(!o.status.success(), "a tag message must be judged: {}", err(&o));
    assert!(err(&o).contains("refs/tags/leak-msg^{tag}"), "{}", err(&o));
    assert!(!err(&o).contains("admin1@"), "value leaked: {}", err(&o));
    let tags = server.git(&["tag", "--list"]);
    assert!(tags.trim().is_empty(), "no tag may land: {tags}");
    // A clean annotated tag still goes through.
    client.git(&["tag", "-a", "-m", "v1", "v1", "HEAD"]);
    assert!(push(&client, "refs/tags/v1").status.success());
}

/// Item 3: one excluded copy must not hide another. The same bytes at
/// `exports/customers.csv` and at `AUTHORS` (excluded by name) are judged per path.
#[test]
fn an_excluded_copy_does_not_hide_the_same_blob_elsewhere() {
    let (server, client) = server_and_clone();
    let list = customer_csv(30);
    client.write("exports/customers.csv", &list);
    client.write("AUTHORS", &list);
    client.git(&["add", "."]);
    // pre-commit (run directly on the staged blobs).
    let o = client.lg().args(["hook", "pre-commit"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("customer-list in exports/customers.csv"), "{}", err(&o));
    client.git(&["commit", "-q", "-m", "two copies"]);
    // pre-push: this clone pushes what the server has not got.
    let head = client.git(&["rev-parse", "HEAD"]).trim().to_string();
    let old = client.git(&["rev-parse", "HEAD~1"]).trim().to_string();
    let o = client
        .lg()
        .args(["hook", "pre-push", "origin"])
        .write_stdin(format!("refs/heads/main {head} refs/heads/main {old}\n"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("customer-list in exports/customers.csv"), "{}", err(&o));
    // pre-receive on the server.
    let o = push(&client, "main");
    assert!(!o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("customer-list in exports/customers.csv"), "{}", err(&o));
    assert_ne!(server.git(&["rev-parse", "main"]).trim(), head);
}

/// Item 6: a commit stored under a ref whose rules allow it (a `git:` store) is judged
/// again when pushed to a ref whose rules do not.
#[test]
fn a_commit_allowed_in_a_store_ref_is_judged_again_for_main() {
    let (server, client) = server_and_clone();
    server.write(
        "leakguard.yaml",
        "version: 1\nextends: []\nclasses:\n  customer-list:\n    detect:\n      - records: { min_rows: 5, fields: [email], min_distinct_domains: 3 }\n\
         stores:\n  vault:\n    git: [\"refs/heads/secure/**\"]\n\
         rules:\n  - id: lists-in-vault\n    class: customer-list\n    allow_in: [vault]\n",
    );
    client.write("q3.csv", customer_csv(30));
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "list"]);
    let o = push(&client, "HEAD:refs/heads/secure/q3");
    assert!(o.status.success(), "the store ref accepts the list: {}", err(&o));
    let o = push(&client, "HEAD:refs/heads/main");
    assert!(!o.status.success(), "main must judge the commit again: {}", err(&o));
    assert!(err(&o).contains("customer-list in q3.csv"), "{}", err(&o));
    // Another ref with the same rules as main (no store) needs no second look at
    // main's commits, but gets the same verdict for the list.
    let o = push(&client, "HEAD:refs/heads/feature");
    assert!(!o.status.success(), "{}", err(&o));
    assert!(server.git_output(&["rev-parse", "--verify", "-q", "refs/heads/main"]).status.success());
}

/// A zip archive with the given members (deflated).
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("zip member");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// Item 4: content cannot switch the gate off. A marker `all` in the first lines, a
/// marker without a reason, a list renamed to a credits/manifest name, or hidden in a
/// zip under such a member name: each push is rejected, and what an exclusion does hide
/// is counted as suppressed.
#[test]
fn markers_and_excluded_names_do_not_switch_the_gate_off() {
    let (server, client) = server_and_clone();
    let csv = customer_csv(30);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("notes.csv", format!("# leakguard:allow all -- x\n{csv}").into_bytes()),
        ("plain.csv", csv.replacen('\n', "\n# leakguard:allow customer-lists-stay-in-stores\n", 1).into_bytes()),
        ("CHANGELOG", csv.clone().into_bytes()),
        ("AUTHORS.txt", csv.clone().into_bytes()),
        ("THANKS", csv.clone().into_bytes()),
        ("po/x.po", csv.clone().into_bytes()),
        ("package.json", csv.clone().into_bytes()),
        ("docs.zip", zip_of(&[("docs/CHANGELOG", csv.as_bytes())])),
    ];
    for (path, data) in cases {
        client.write(path, &data);
        client.git(&["add", "."]);
        client.git(&["commit", "-q", "-m", path]);
        let o = push(&client, "main");
        assert!(!o.status.success(), "{path} must be rejected: {}", err(&o));
        assert!(err(&o).contains(&format!("customer-list in {path}")), "{path}: {}", err(&o));
        if path == "plain.csv" {
            assert!(err(&o).contains("without a reason"), "a marker without a reason is reported: {}", err(&o));
        }
        client.git(&["reset", "-q", "--hard", "HEAD~1"]);
    }
    // Real credits stay excluded, and are counted and listed as suppressed.
    let credits: String = (0..30).map(|i| format!("Person {i} <p{i}@{}>\n", company(i).1)).collect();
    client.write("AUTHORS", credits);
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "credits"]);
    let o = push(&client, "main");
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("1 suppressed"), "{}", err(&o));
    assert!(err(&o).contains("suppressed customer-lists-stay-in-stores in AUTHORS"), "{}", err(&o));
    assert_eq!(server.git(&["rev-parse", "main"]), client.git(&["rev-parse", "main"]));
}

/// A zip whose only member is flagged encrypted (general-purpose bit 0 set in the
/// local and central headers): nothing can read it without the password.
fn encrypted_zip(inner: &[u8]) -> Vec<u8> {
    let mut z = zip_of(&[("list.csv", inner)]);
    for sig in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
        let at = z.windows(4).position(|w| w == sig).expect("header");
        let flags = if sig[2] == 3 { at + 6 } else { at + 8 };
        z[flags] |= 1;
    }
    z
}

/// Item 5: content leakguard cannot read blocks in hooks by default (an encrypted zip,
/// archives nested past the limit, too many entries, a bomb ratio), overridable only
/// by policy; settings are validated like every other key.
#[test]
fn unreadable_content_blocks_and_settings_are_validated() {
    let (server, client) = server_and_clone();
    let csv = customer_csv(30);
    let mut nested = zip_of(&[("list.csv", csv.as_bytes())]);
    for i in 0..5 {
        nested = zip_of(&[(&format!("level{i}.zip"), &nested)]);
    }
    let many: Vec<(String, Vec<u8>)> = (0..20_001).map(|i| (format!("f{i}.txt"), b"x".to_vec())).collect();
    let many_refs: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let mut padded = csv.clone().into_bytes();
    padded.extend(std::iter::repeat_n(b' ', 64 << 20));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("secret.zip", encrypted_zip(csv.as_bytes())),
        ("deep.zip", nested),
        ("many.zip", zip_of(&many_refs)),
        ("padded.zip", zip_of(&[("list.csv", &padded)])),
    ];
    for (path, data) in &cases {
        client.write(path, data);
        client.git(&["add", "."]);
        client.git(&["commit", "-q", "-m", path]);
        let o = push(&client, "main");
        assert!(!o.status.success(), "{path} must be rejected: {}", err(&o));
        assert!(err(&o).contains("unscannable"), "{path}: {}", err(&o));
        // The client's own pre-commit hook says the same.
        client.git(&["reset", "-q", "--soft", "HEAD~1"]);
        let o = client.lg().args(["hook", "pre-commit"]).output().expect("runs");
        assert_eq!(o.status.code(), Some(1), "{path}: {}", err(&o));
        client.git(&["reset", "-q", "--hard", "HEAD"]);
        let _ = std::fs::remove_file(client.path().join(path));
    }
    // The server's policy may lower it (the policy says so, in plain words).
    server.write("leakguard.yaml", "version: 1\nsettings:\n  unscannable: warn\n");
    client.write("secret.zip", encrypted_zip(csv.as_bytes()));
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "warn only"]);
    let o = push(&client, "main");
    assert!(o.status.success(), "{}", err(&o));
    // Settings are checked: each bad value is an error at its place with a suggestion.
    let d = Dir::new();
    d.write(
        "leakguard.yaml",
        "version: 1\nsettings:\n  unscannable: blocking\n  exec_unknown: Block\n  max_file_size: 10 gigs\n",
    );
    let o = lg().current_dir(d.path()).args(["policy", "check"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let text = format!("{}{}", out(&o), err(&o));
    for want in [
        "`blocking`",
        "did you mean `block`",
        "`Block`",
        "`10 gigs`",
        "leakguard.yaml:3:",
        "leakguard.yaml:4:",
        "leakguard.yaml:5:",
    ] {
        assert!(text.contains(want), "missing {want}: {text}");
    }
}

/// A clean clone of `server` with one commit pushed to `main`.
fn clone_of(server: &Repo) -> Repo {
    let client = Repo::new();
    client.git(&["remote", "add", "origin", &format!("file://{}", server.path().display())]);
    client.write("README.md", "hi\n");
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "init"]);
    let o = client.git_output(&["push", "-q", "origin", "main"]);
    assert!(o.status.success(), "{}", err(&o));
    client
}

/// Item 7: the server keeps its policy. One named at install time is recorded in the
/// hook; the pusher's `LEAKGUARD_POLICY` and a policy pushed into a non-bare server's
/// work tree (`updateInstead`) are never read.
#[test]
fn the_server_keeps_its_own_policy() {
    let policies = Dir::new();
    let strict = policies.write(
        "server.yaml",
        "version: 1\nclasses:\n  ticket:\n    detect:\n      - pattern: { regex: 'SERVERONLY-[0-9]{6}' }\nrules:\n  - id: no-tickets\n    class: ticket\n",
    );
    let lax = policies.write("lax.yaml", "version: 1\nextends: []\n");
    let server = Repo::bare();
    let o =
        server.lg().env("LEAKGUARD_POLICY", &strict).args(["install", "--hook", "pre-receive"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let hook = std::fs::read_to_string(server.path().join("hooks/pre-receive")).expect("hook");
    assert!(hook.contains(&format!("--policy '{}'", strict.canonicalize().expect("abs").display())), "{hook}");
    let client = clone_of(&server);
    // The recorded policy holds without the installer's environment.
    client.write("t.txt", "SERVERONLY-123456\n");
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "t"]);
    let o = push(&client, "main");
    assert!(!o.status.success(), "the recorded policy must apply: {}", err(&o));
    client.git(&["reset", "-q", "--hard", "HEAD~1"]);
    // The pusher's environment names a policy with no rules: ignored.
    client.write("q3.csv", customer_csv(30));
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "q"]);
    let o = client.git_cmd().env("LEAKGUARD_POLICY", &lax).args(["push", "origin", "main"]).output().expect("git");
    assert!(!o.status.success(), "the pusher's LEAKGUARD_POLICY must not apply: {}", err(&o));
    assert!(err(&o).contains("customer-list in q3.csv"), "{}", err(&o));

    // A non-bare server that updates its work tree on push.
    let work = Repo::new();
    work.write("README.md", "server\n");
    work.git(&["add", "."]);
    work.git(&["commit", "-q", "-m", "server"]);
    work.git(&["config", "receive.denyCurrentBranch", "updateInstead"]);
    assert_eq!(work.lg().args(["install", "--hook", "pre-receive"]).output().expect("runs").status.code(), Some(0));
    let c = Repo::new();
    c.git(&["remote", "add", "origin", &format!("file://{}", work.path().display())]);
    c.git(&["fetch", "-q", "origin"]);
    c.git(&["reset", "-q", "--hard", "origin/main"]);
    // First a push that only brings a policy with no rules (it lands in the work tree)...
    c.write("leakguard.yaml", "version: 1\nextends: []\n");
    c.git(&["add", "."]);
    c.git(&["commit", "-q", "-m", "policy"]);
    let o = push(&c, "main");
    assert!(o.status.success(), "{}", err(&o));
    assert!(work.path().join("leakguard.yaml").exists(), "updateInstead updated the work tree");
    // ...then the list: the work tree's policy is not the server's.
    c.write("q3.csv", customer_csv(30));
    c.git(&["add", "."]);
    c.git(&["commit", "-q", "-m", "q"]);
    let o = push(&c, "main");
    assert!(!o.status.success(), "a policy pushed into the work tree must not apply: {}", err(&o));
}

/// Item 8: leakguard decides before a chained pre-push hook (git-lfs uploads there) runs.
#[test]
fn a_chained_pre_push_hook_runs_only_after_leakguard_allows() {
    let (_server, client) = server_and_clone();
    let ran = client.path().join(".git/uploaded");
    client.write(".git/hooks/pre-push", format!("#!/bin/sh\ncat >/dev/null\necho uploaded >> '{}'\n", ran.display()));
    std::fs::set_permissions(
        client.path().join(".git/hooks/pre-push"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    assert_eq!(client.lg().arg("install").output().expect("runs").status.code(), Some(0));
    client.write("q3.csv", customer_csv(30));
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "--no-verify", "-m", "q"]);
    let o = push(&client, "main");
    assert!(!o.status.success());
    assert!(!ran.exists(), "the chained hook ran before leakguard blocked: {}", err(&o));
    client.git(&["reset", "-q", "--hard", "HEAD~1"]);
    client.write("ok.txt", "fine\n");
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "ok"]);
    let o = push(&client, "main");
    assert!(o.status.success(), "{}", err(&o));
    assert!(ran.exists(), "the chained hook runs when leakguard allows");
}

/// Item 10: names and reasons from content never reach the terminal (or `remote:`
/// lines) with their control characters; `approval sign` never writes through a
/// symlink committed into the approvals directory.
#[test]
fn terminal_escapes_are_escaped_and_approval_files_are_not_written_through_symlinks() {
    let (_server, client) = server_and_clone();
    let name = "evil\x1b]0;owned\x07\x1b[2J.csv";
    client.write(name, customer_csv(30));
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "esc"]);
    let o = push(&client, "main");
    assert!(!o.status.success());
    assert!(!err(&o).contains('\x1b'), "raw escape reached the terminal: {:?}", err(&o));
    assert!(err(&o).contains("evil\\x1b]0;owned\\x07\\x1b[2J.csv"), "{}", err(&o));
    let o = client.lg().args(["scan", "."]).output().expect("runs");
    assert!(!out(&o).contains('\x1b') && !err(&o).contains('\x1b'), "{:?}", out(&o));

    // approval sign with a symlink planted where the signature goes.
    let r = Repo::new();
    let keys = Dir::new();
    let key = keys.path().join("k");
    let k = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen");
    assert!(k.status.success());
    r.write("q3.csv", customer_csv(30));
    r.git(&["add", "."]);
    let o = r.lg().args(["approval", "request", "--reason", "quarterly report"]).output().expect("runs");
    let id = out(&o)
        .split_whitespace()
        .chain(err(&o).split_whitespace())
        .find(|w| w.starts_with("lgr1-"))
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-').to_string())
        .unwrap_or_else(|| panic!("request id: {} {}", out(&o), err(&o)));
    let victim = keys.path().join("victim");
    std::fs::write(&victim, "keep\n").expect("write");
    let dir = r.path().join(format!(".leakguard/approvals/{id}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::os::unix::fs::symlink(&victim, dir.join("carol@corp.test.sig")).expect("symlink");
    std::os::unix::fs::symlink(&victim, dir.join("request.json")).expect("symlink");
    let o = r
        .lg()
        .args([
            "approval",
            "sign",
            &id,
            "--principal",
            "carol@corp.test",
            "--approvals",
            ".leakguard/approvals",
            "--key",
        ])
        .arg(&key)
        .output()
        .expect("runs");
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep\n", "written through a symlink: {}", err(&o));
    // A symlinked directory is refused outright.
    let other = Dir::new();
    std::fs::remove_dir_all(&dir).expect("rm");
    std::os::unix::fs::symlink(other.path(), &dir).expect("symlink dir");
    let o = r
        .lg()
        .args([
            "approval",
            "sign",
            &id,
            "--principal",
            "carol@corp.test",
            "--approvals",
            ".leakguard/approvals",
            "--key",
        ])
        .arg(&key)
        .output()
        .expect("runs");
    assert_ne!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(std::fs::read_dir(other.path()).expect("dir").count(), 0, "nothing written through the symlinked dir");
}
