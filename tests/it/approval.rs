//! Two-person approvals with keys made by the real `ssh-keygen`: what counts, what
//! does not and why, through real `git commit`, `git push` and `leakguard exec`.

use std::path::{Path, PathBuf};

use crate::util::*;

/// Keys of the people in these tests, made once per test in its own directory.
struct Keys {
    dir: Dir,
}

impl Keys {
    fn new() -> Keys {
        let k = Keys { dir: Dir::new() };
        for name in ["carol", "carol2", "dave", "erin", "alice", "mallory"] {
            k.make(name, "ed25519");
        }
        k.make("frank", "ecdsa");
        k
    }

    fn make(&self, name: &str, kind: &str) {
        let mut c = std::process::Command::new("ssh-keygen");
        c.args(["-q", "-t", kind, "-N", "", "-C", name, "-f"]).arg(self.key(name));
        if kind == "ecdsa" {
            c.args(["-b", "256"]);
        }
        let o = c.output().expect("ssh-keygen runs");
        assert!(o.status.success(), "{}", err(&o));
    }

    fn key(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn public(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.key(name).with_extension("pub")).expect("pub key");
        text.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    }
}

const POLICY: &str = r#"version: 1
roles:
  security-officer: [carol@corp.test, dave@corp.test, erin@corp.test, alice@corp.test, frank@corp.test]
approvals:
  allowed_signers: .leakguard/allowed_signers
classes:
  customer-list:
    detect:
      - records: { min_rows: 5, min_distinct_domains: 3 }
  secret:
    detect:
      - pattern: { regex: 'SECRET-[0-9]{6}' }
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
    override: { approvals: 2, approvers: [security-officer], ttl: TTL }
  - id: no-secrets
    class: secret
    override: { approvals: 2, approvers: [security-officer], ttl: 24h }
"#;

/// A repository with the policy, allowed signers, installed hooks, and a blocked commit.
fn blocked_repo(keys: &Keys, ttl: &str, extra_signers: &str) -> (Repo, String) {
    blocked_repo_with(keys, &POLICY.replace("TTL", ttl), extra_signers)
}

fn blocked_repo_with(keys: &Keys, policy: &str, extra_signers: &str) -> (Repo, String) {
    let r = Repo::new();
    r.write(".leakguard/policy.yaml", policy);
    let signers = format!(
        "carol@corp.test {}\ncarol@corp.test {}\ndave@corp.test {}\nerin@corp.test namespaces=\"git\" {}\nalice@corp.test {}\nfrank@corp.test {}\n{extra_signers}",
        keys.public("carol"),
        keys.public("carol2"),
        keys.public("dave"),
        keys.public("erin"),
        keys.public("alice"),
        keys.public("frank"),
    );
    r.write(".leakguard/allowed_signers", signers);
    r.git(&["add", "."]);
    // Each repository starts its own history (a distinct root commit).
    r.git(&["commit", "-q", "-m", &format!("policy for {}", r.path().display())]);
    assert!(r.lg().arg("install").output().expect("runs").status.success());
    r.write("q.csv", customer_csv(12));
    r.git(&["add", "q.csv"]);
    let o = r.git_output(&["commit", "-q", "-m", "q"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let id = request_id(&r);
    assert!(err(&o).contains(&id[..20]), "the blocked commit names its request: {}", err(&o));
    (r, id)
}

fn request_id(r: &Repo) -> String {
    let dir = r.path().join(".git/leakguard/requests");
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .expect("requests written")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().trim_end_matches(".json").to_string())
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 1, "{ids:?}");
    ids.remove(0)
}

/// `leakguard approval sign` as `who` with `key`.
fn sign(r: &Repo, keys: &Keys, id: &str, who: &str, key: &str) {
    let o = r
        .lg()
        .args(["approval", "sign", id, "--principal", &format!("{who}@corp.test"), "--key"])
        .arg(keys.key(key))
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", err(&o));
}

/// Plain `ssh-keygen -Y sign` over the request file, placed where leakguard looks.
fn sign_with_ssh_keygen(r: &Repo, keys: &Keys, id: &str, who: &str, key: &str) {
    let req = r.path().join(format!(".git/leakguard/requests/{id}.json"));
    let o = std::process::Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "leakguard-approval", "-f"])
        .arg(keys.key(key))
        .arg(&req)
        .output()
        .expect("ssh-keygen");
    assert!(o.status.success(), "{}", err(&o));
    let dir = r.path().join(format!(".git/leakguard/approvals/{id}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::rename(req.with_extension("json.sig"), dir.join(format!("{who}@corp.test.sig"))).expect("move sig");
}

fn commit(r: &Repo) -> std::process::Output {
    r.git_output(&["commit", "-q", "-m", "q"])
}

#[test]
fn two_approvals_let_the_commit_through_and_ours_pass_ssh_keygen_verify() {
    let keys = Keys::new();
    let (r, id) = blocked_repo(&keys, "24h", "");
    sign(&r, &keys, &id, "carol", "carol");
    sign_with_ssh_keygen(&r, &keys, &id, "frank", "frank");
    let o = r.lg().args(["approval", "verify", &id]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("2 of 2 approvals"), "{}", out(&o));
    let o = commit(&r);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // Our signature passes the real ssh-keygen -Y verify.
    ssh_keygen_verifies(&r, &id, "carol");
    // The audit log recorded the block and the override, and its chain holds.
    let o = r.lg().args(["audit", "verify"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let log = std::fs::read_to_string(r.path().join(".git/leakguard/audit.jsonl")).expect("log");
    assert!(log.contains("\"allow-override\"") && !log.contains("admin1@"));
}

/// `ssh-keygen -Y verify` accepts the signature leakguard wrote for `who`.
fn ssh_keygen_verifies(r: &Repo, id: &str, who: &str) {
    let sig = r.path().join(format!(".git/leakguard/approvals/{id}/{who}@corp.test.sig"));
    let req = std::fs::read(r.path().join(format!(".git/leakguard/requests/{id}.json"))).expect("req");
    let mut v = std::process::Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", "leakguard-approval", "-I", &format!("{who}@corp.test"), "-f"])
        .arg(r.path().join(".leakguard/allowed_signers"))
        .arg("-s")
        .arg(&sig)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    v.stdin.take().expect("stdin").write_all(&req).expect("write");
    let o = v.wait_with_output().expect("wait");
    assert!(o.status.success(), "ssh-keygen -Y verify refused {who}'s signature: {}{}", out(&o), err(&o));
}

#[test]
fn our_ecdsa_signature_passes_ssh_keygen_and_its_ed25519_signature_counts() {
    let keys = Keys::new();
    let (r, id) = blocked_repo(&keys, "24h", "");
    sign(&r, &keys, &id, "frank", "frank");
    ssh_keygen_verifies(&r, &id, "frank");
    sign_with_ssh_keygen(&r, &keys, &id, "dave", "dave");
    let o = r.lg().args(["approval", "verify", &id]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("✓ dave@corp.test counts") && out(&o).contains("✓ frank@corp.test counts"), "{}", out(&o));
    let o = commit(&r);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// Refusals: each leaves the commit blocked and names its reason.
fn refused(r: &Repo, reason: &str) {
    let o = commit(r);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains(reason), "expected `{reason}` in:\n{}", err(&o));
}

#[test]
fn one_approval_is_not_enough() {
    let keys = Keys::new();
    let (r, id) = blocked_repo(&keys, "24h", "");
    sign(&r, &keys, &id, "carol", "carol");
    refused(&r, "approval by carol@corp.test counts");
    // `approval list` shows the request and, per signature, why it counts or not.
    let o = r.lg().args(["approval", "list"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    assert!(text.starts_with(&format!("{id}  open  requester alice@corp.test")), "{text}");
    assert!(text.contains("1 of 2 approvals") && text.contains("✓ carol@corp.test counts"), "{text}");
    assert!(text.contains("not approved"), "{text}");
}

#[test]
fn the_same_person_twice_or_with_two_keys_counts_once() {
    let keys = Keys::new();
    let (r, id) = blocked_repo(&keys, "24h", "");
    sign(&r, &keys, &id, "carol", "carol");
    // The same signature again, committed beside the request.
    let src = r.path().join(format!(".git/leakguard/approvals/{id}/carol@corp.test.sig"));
    let dst = r.path().join(format!(".leakguard/approvals/{id}"));
    std::fs::create_dir_all(&dst).expect("mkdir");
    std::fs::copy(&src, dst.join("carol@corp.test.sig")).expect("copy");
    refused(&r, "carol@corp.test already approved: one person counts once");
    // A second key of the same person.
    std::fs::remove_dir_all(&dst).expect("rm");
    let o = r
        .lg()
        .args(["approval", "sign", &id, "--principal", "carol@corp.test", "--approvals"])
        .arg(r.path().join(".leakguard/approvals"))
        .arg("--key")
        .arg(keys.key("carol2"))
        .output()
        .expect("runs");
    assert!(o.status.success());
    refused(&r, "one person counts once");
    // One key filed under two names counts once.
    std::fs::remove_dir_all(r.path().join(format!(".leakguard/approvals/{id}"))).expect("rm");
    let signers = r.path().join(".leakguard/allowed_signers");
    let mut text = std::fs::read_to_string(&signers).expect("signers");
    text.push_str(&format!("dave@corp.test {}\n", keys.public("carol")));
    std::fs::write(&signers, text).expect("write");
    sign(&r, &keys, &id, "dave", "carol");
    refused(&r, "already approved under another principal: one key counts once");
}

#[test]
fn requester_unlisted_keys_namespaces_and_validity_are_refused() {
    let keys = Keys::new();
    let past = format!(
        "dave@corp.test valid-before=\"20200101\" {m}\nzed@corp.test cert-authority {m}\n",
        m = keys.public("mallory")
    );
    let (r, id) = blocked_repo(&keys, "24h", &past);
    sign(&r, &keys, &id, "alice", "alice");
    refused(&r, "alice@corp.test is the requester");
    // `approval verify` explains the same, one line per signature.
    let o = r.lg().args(["approval", "verify", &id]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("✗ alice@corp.test does not count: alice@corp.test is the requester"), "{}", out(&o));
    assert!(out(&o).contains("0 of 2 approvals"), "{}", out(&o));
    assert!(out(&o).contains("[leakguard::approval-self]"), "{}", out(&o));
    let o = r.lg().args(["policy", "explain", "approval-self"]).output().expect("runs");
    assert!(out(&o).contains("two people besides the one asking"), "{}", out(&o));
    sign(&r, &keys, &id, "zed", "mallory");
    refused(&r, "cert-authority lines are not supported");
    sign(&r, &keys, &id, "mallory", "mallory");
    refused(&r, "is not listed for mallory@corp.test in allowed_signers");
    sign(&r, &keys, &id, "erin", "erin");
    refused(&r, "limits this key to namespaces git");
    // Dave signing with a key valid only before 2020.
    sign(&r, &keys, &id, "dave", "mallory");
    refused(&r, "key no longer valid (valid-before)");
}

#[test]
fn expiry_and_signatures_over_other_requests_are_refused() {
    let keys = Keys::new();
    let (r, id) = blocked_repo(&keys, "2s", "");
    sign(&r, &keys, &id, "carol", "carol");
    sign(&r, &keys, &id, "dave", "dave");
    std::thread::sleep(std::time::Duration::from_secs(3));
    refused(&r, "the request has expired");
    // A signature over a different request file, placed under this id.
    let (r2, id2) = blocked_repo(&keys, "24h", "");
    // The same request with another content digest: a different subject, a different id.
    let mut doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(r2.path().join(format!(".git/leakguard/requests/{id2}.json"))).expect("request"),
    )
    .expect("json");
    doc["subject"]["content_digest"] = serde_json::json!(format!("sha256:{}", "0".repeat(64)));
    let other = r2.path().join("other.json");
    std::fs::write(&other, doc.to_string()).expect("write");
    let o = r2
        .lg()
        .args(["approval", "sign"])
        .arg(&other)
        .args(["--principal", "carol@corp.test", "--key"])
        .arg(keys.key("carol"))
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", err(&o));
    let made = out(&o).trim().to_string();
    let dir = r2.path().join(format!(".git/leakguard/approvals/{id2}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(&made, dir.join("carol@corp.test.sig")).expect("copy");
    sign(&r2, &keys, &id2, "dave", "dave");
    refused(&r2, "the signature does not verify over this request");
}

#[test]
fn changed_content_another_rule_or_another_repository_need_new_approvals() {
    let keys = Keys::new();
    let (r, id) = blocked_repo(&keys, "24h", "");
    sign(&r, &keys, &id, "carol", "carol");
    sign(&r, &keys, &id, "dave", "dave");
    // One byte more: a new request id, the old approvals do not apply.
    let mut csv = customer_csv(12);
    csv.push(' ');
    r.write("q.csv", csv);
    r.git(&["add", "q.csv"]);
    let o = commit(&r);
    assert_eq!(o.status.code(), Some(1));
    let ids: Vec<String> = std::fs::read_dir(r.path().join(".git/leakguard/requests"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(ids.len(), 2, "a second request for the changed content: {ids:?}");
    // Another rule: the same approvals copied under that request's id do not verify.
    r.write("q.csv", customer_csv(12));
    r.write("s.txt", "SECRET-123456\n");
    r.git(&["add", "."]);
    let o = commit(&r);
    let new_id = err(&o)
        .split("request: ")
        .nth(1)
        .map(|s| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>())
        .unwrap_or_default();
    assert!(new_id.starts_with("lgr1-") && new_id != id, "{}", err(&o));
    copy_dir(
        &r.path().join(format!(".git/leakguard/approvals/{id}")),
        &r.path().join(format!(".git/leakguard/approvals/{new_id}")),
    );
    refused(&r, "does not verify");
    // Another repository with the same content: its own request; copied approvals fail.
    let (r3, id3) = blocked_repo(&keys, "24h", "");
    assert_ne!(id3, id, "repositories differ by their root commit");
    copy_dir(
        &r.path().join(format!(".git/leakguard/approvals/{id}")),
        &r3.path().join(format!(".git/leakguard/approvals/{id3}")),
    );
    refused(&r3, "does not verify");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("dir").flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

#[test]
fn the_commit_author_may_not_approve_a_push() {
    let keys = Keys::new();
    let (r, id) = blocked_repo(&keys, "24h", "");
    let _ = id;
    // Dave authors the commit (bypassing the commit hook), then pushes to a bare repo.
    r.git(&["-c", "user.email=dave@corp.test", "commit", "-q", "--no-verify", "-m", "by dave"]);
    let server = Repo::bare();
    r.git(&["remote", "add", "origin", &format!("file://{}", server.path().display())]);
    let o = r.git_output(&["push", "-q", "origin", "main"]);
    assert!(!o.status.success(), "{}", err(&o));
    let dir = r.path().join(".git/leakguard/requests");
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().trim_end_matches(".json").to_string())
        .collect();
    ids.sort();
    let push_id = ids.into_iter().find(|i| i != &id).unwrap_or(id);
    sign(&r, &keys, &push_id, "dave", "dave");
    sign(&r, &keys, &push_id, "carol", "carol");
    let o = r.git_output(&["push", "origin", "main"]);
    assert!(!o.status.success());
    // The author of the pushed tip is also the push's requester: either way, not an approver.
    assert!(
        err(&o).contains("approval by dave@corp.test does not count: dave@corp.test is the requester")
            || err(&o).contains("dave@corp.test authored or committed the content"),
        "{}",
        err(&o)
    );
    sign(&r, &keys, &push_id, "frank", "frank");
    let o = r.git_output(&["push", "-q", "origin", "main"]);
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn an_export_approval_is_single_use() {
    let keys = Keys::new();
    let d = Dir::new();
    let signers = format!("carol@corp.test {}\ndave@corp.test {}\n", keys.public("carol"), keys.public("dave"));
    d.write("allowed_signers", signers);
    d.write(
        "policy.yaml",
        r#"version: 1
roles:
  security-officer: [carol@corp.test, dave@corp.test]
approvals:
  allowed_signers: allowed_signers
classes:
  customer-list:
    detect:
      - records: { min_rows: 5, min_distinct_domains: 3 }
actions:
  upload:
    command: ["cp", "**"]
    sends: { args: [1], destination: shared-platform }
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
    override: { approvals: 2, approvers: [security-officer], ttl: 24h }
settings:
  audit_log: audit.jsonl
"#,
    );
    d.write("q.csv", customer_csv(20));
    let exec_cmd = |to: &str| {
        let mut c = lg_std();
        c.current_dir(d.path()).env("LEAKGUARD_ACTOR", "alice@corp.test").args([
            "--policy",
            "policy.yaml",
            "exec",
            "--requests",
            "req",
            "--approvals",
            "appr",
            "--",
            "cp",
            "q.csv",
            to,
        ]);
        c
    };
    let exec = || exec_cmd("out.csv").output().expect("runs");
    let o = exec();
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    let requests = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d.path().join("req"))
            .expect("req")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().trim_end_matches(".json").to_string())
            .collect();
        v.sort();
        v
    };
    let approve = |id: &str| {
        for who in ["carol", "dave"] {
            let o = lg()
                .current_dir(d.path())
                .args(["--policy", "policy.yaml", "approval", "sign"])
                .arg(d.path().join(format!("req/{id}.json")))
                .args(["--principal", &format!("{who}@corp.test"), "--approvals", "appr", "--key"])
                .arg(keys.key(who))
                .output()
                .expect("runs");
            assert!(o.status.success(), "{}", err(&o));
        }
    };
    let id = requests().remove(0);
    approve(&id);
    let o = exec();
    assert_eq!(o.status.code(), Some(0), "approved once: {}", err(&o));
    assert!(d.path().join("out.csv").exists());
    std::fs::remove_file(d.path().join("out.csv")).expect("rm");
    let o = exec();
    assert_eq!(o.status.code(), Some(77), "replayed: {}", err(&o));
    assert!(err(&o).contains("single-use"), "{}", err(&o));
    assert!(!d.path().join("out.csv").exists());
    // `approval verify` knows it is used.
    let o = lg()
        .current_dir(d.path())
        .args(["--policy", "policy.yaml", "approval", "verify", &format!("req/{id}.json"), "--approvals", "appr"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("already used"), "{}", out(&o));
    // Racing: one approval, four concurrent runs of the same step — exactly one goes.
    assert_eq!(exec_cmd("out2.csv").output().expect("runs").status.code(), Some(77));
    let fresh = requests().into_iter().find(|r| r != &id).expect("a second request");
    approve(&fresh);
    let runs: Vec<std::process::Child> =
        (0..4).map(|_| exec_cmd("out2.csv").stderr(std::process::Stdio::piped()).spawn().expect("spawn")).collect();
    let codes: Vec<Option<i32>> = runs.into_iter().map(|c| c.wait_with_output().expect("wait").status.code()).collect();
    assert_eq!(codes.iter().filter(|c| **c == Some(0)).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == Some(77)).count(), 3, "{codes:?}");
    let o = lg().current_dir(d.path()).args(["--policy", "policy.yaml", "audit", "verify"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// A bare server with its own copy of the policy and allowed signers (push options
/// advertised) and the pre-receive hook, and a clone holding the same files, pushed.
fn policy_server(signers: &str) -> (Repo, Repo) {
    let policy = POLICY.replace("TTL", "24h");
    let server = Repo::bare();
    server.write(".leakguard/policy.yaml", &policy);
    server.write(".leakguard/allowed_signers", signers);
    server.git(&["config", "receive.advertisePushOptions", "true"]);
    assert!(server.lg().args(["install", "--hook", "pre-receive"]).output().expect("runs").status.success());
    let r = Repo::new();
    r.write(".leakguard/policy.yaml", &policy);
    r.write(".leakguard/allowed_signers", signers);
    r.git(&["add", "."]);
    r.git(&["commit", "-q", "-m", "policy"]);
    r.git(&["remote", "add", "origin", &format!("file://{}", server.path().display())]);
    assert!(r.git_output(&["push", "-q", "origin", "main"]).status.success());
    (server, r)
}

#[test]
fn approvals_committed_with_the_change_open_the_server() {
    let keys = Keys::new();
    let signers = format!("carol@corp.test {}\ndave@corp.test {}\n", keys.public("carol"), keys.public("dave"));
    // The server keeps its own copy of the policy and of the allowed signers.
    let (server, r) = policy_server(&signers);
    assert!(r.lg().arg("install").output().expect("runs").status.success());
    r.write("q.csv", customer_csv(12));
    r.git(&["add", "q.csv"]);
    r.git(&["commit", "-q", "--no-verify", "-m", "q"]);
    // The client's pre-push blocks and writes the request the server will compute too.
    let o = r.git_output(&["push", "origin", "main"]);
    assert!(!o.status.success());
    let id = request_id_in(&err(&o)).expect("request id");
    for who in ["carol", "dave"] {
        let o = sign_into(&r, &id, &format!("{who}@corp.test"), ".leakguard/approvals", &keys.key(who));
        assert!(o.status.success(), "{}", err(&o));
    }
    r.git(&["add", ".leakguard/approvals"]);
    let o = r.git_output(&["commit", "-q", "-m", "approvals for q.csv"]);
    assert!(o.status.success(), "approval files carry no sensitive data: {}", err(&o));
    // Client and server both find two valid approvals: the push goes through.
    let o = r.git_output(&["push", "origin", "main"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("remote: leakguard: approval by carol@corp.test counts"), "{}", err(&o));
    let log = std::fs::read_to_string(server.path().join("leakguard/audit.jsonl")).expect("server audit log");
    assert!(log.contains("\"allow-override\""), "{log}");
}

#[test]
fn break_glass_needs_its_own_request_and_leaves_a_loud_trace() {
    let keys = Keys::new();
    // Off unless the policy enables it.
    let (plain, _) = blocked_repo(&keys, "24h", "");
    let o = plain.lg().args(["approval", "request", "--break-glass", "--reason", "now"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("break-glass is off"), "{}", err(&o));
    let policy = POLICY.replace("TTL", "24h").replace(
        "  allowed_signers: .leakguard/allowed_signers\n",
        "  allowed_signers: .leakguard/allowed_signers\n  break_glass: { enabled: true, approvers: [security-officer] }\n",
    );
    let (r, id) = blocked_repo_with(&keys, &policy, "");
    // One approval of the ordinary request is still one too few.
    sign(&r, &keys, &id, "dave", "dave");
    refused(&r, "approval by dave@corp.test counts");
    // The requester asks for break-glass with a reason: the same id, a new request file.
    let o = r
        .lg()
        .args(["approval", "request", "--break-glass", "--reason", "incident 4711: regulator deadline"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o).trim(), id);
    // Dave signs that one: a break-glass request, opened by one officer.
    sign(&r, &keys, &id, "dave", "dave");
    let o = commit(&r);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("BREAK-GLASS") && err(&o).contains("dave@corp.test"), "{}", err(&o));
    let log = std::fs::read_to_string(r.path().join(".git/leakguard/audit.jsonl")).expect("log");
    assert!(log.contains("\"break-glass\"") && log.contains("incident 4711"), "{log}");
    let o = r.lg().args(["audit", "verify"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn scan_honours_approvals_from_a_directory() {
    let keys = Keys::new();
    let d = Dir::new();
    let signers = format!("carol@corp.test {}\ndave@corp.test {}\n", keys.public("carol"), keys.public("dave"));
    d.write("allowed_signers", signers);
    d.write("policy.yaml", POLICY.replace("TTL", "24h").replace(".leakguard/allowed_signers", "allowed_signers"));
    d.write("data/q.csv", customer_csv(12));
    let scan = |extra: &[&str]| {
        lg().current_dir(d.path())
            .env("LEAKGUARD_ACTOR", "alice@corp.test")
            .args(["--policy", "policy.yaml", "--format", "json", "scan", "--requests", "req"])
            .args(extra)
            .arg("data")
            .output()
            .expect("runs")
    };
    let o = scan(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    let id = v["findings"][0]["request"].as_str().expect("a request id").to_string();
    assert!(d.path().join(format!("req/{id}.json")).is_file());
    for who in ["carol", "dave"] {
        let o = lg()
            .current_dir(d.path())
            .args(["--policy", "policy.yaml", "approval", "sign"])
            .arg(format!("req/{id}.json"))
            .args(["--principal", &format!("{who}@corp.test"), "--approvals", "appr", "--key"])
            .arg(keys.key(who))
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", err(&o));
    }
    // Without the directory the scan is still blocked; with it, the verdict is override.
    assert_eq!(scan(&[]).status.code(), Some(1));
    let o = scan(&["--approvals", "appr"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
    assert_eq!(v["verdict"], "override", "{v}");
    assert_eq!(v["findings"][0]["override"], "valid", "{v}");
}

#[test]
fn a_large_file_is_bound_to_its_exact_bytes_too() {
    // Larger than the scanner reads whole (32 MiB): hashed in a second streaming pass.
    let d = Dir::new();
    d.write("policy.yaml", POLICY.replace("TTL", "24h"));
    let mut big = customer_csv(12).into_bytes();
    let filler = "the quick brown fox jumps over the lazy dog, again and again and again\n".repeat(1 << 10);
    while big.len() <= 33 << 20 {
        big.extend_from_slice(filler.as_bytes());
    }
    d.write("data/big.csv", &big);
    let id = || {
        let o = lg()
            .current_dir(d.path())
            .env("LEAKGUARD_ACTOR", "alice@corp.test")
            .args(["--policy", "policy.yaml", "--format", "json", "scan", "--requests", "req", "data"])
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(1), "{}", err(&o));
        let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("json");
        v["findings"][0]["request"].as_str().expect("a request").to_string()
    };
    let first = id();
    assert_eq!(id(), first, "the same bytes, the same request");
    big.push(b'\n');
    d.write("data/big.csv", &big);
    assert_ne!(id(), first, "one byte more at the far end: another request");
}

#[test]
fn approvals_sent_as_a_push_option_open_the_server() {
    let keys = Keys::new();
    let signers = format!("carol@corp.test {}\ndave@corp.test {}\n", keys.public("carol"), keys.public("dave"));
    // The server keeps its own copy of the policy and of the allowed signers.
    let (_server, r) = policy_server(&signers);
    assert!(r.lg().arg("install").output().expect("runs").status.success());
    r.write("q.csv", customer_csv(12));
    r.git(&["add", "q.csv"]);
    r.git(&["commit", "-q", "--no-verify", "-m", "q"]);
    let o = r.git_output(&["push", "origin", "main"]);
    assert!(!o.status.success());
    let id = request_id_in(&err(&o)).expect("request id");
    // Signed locally: the client's pre-push is satisfied, the server knows nothing yet.
    sign(&r, &keys, &id, "carol", "carol");
    sign(&r, &keys, &id, "dave", "dave");
    let o = r.git_output(&["push", "origin", "main"]);
    assert!(!o.status.success(), "the server has its own view: {}", err(&o));
    assert!(err(&o).contains("remote:"), "{}", err(&o));
    let o = r.lg().args(["approval", "bundle", &id]).output().expect("runs");
    assert!(o.status.success(), "{}", err(&o));
    let option = out(&o).trim().to_string();
    assert!(option.starts_with("leakguard-approval="), "{option}");
    let o = r.git_output(&["push", "-o", &option, "origin", "main"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("remote: leakguard: approval by dave@corp.test counts (push option"), "{}", err(&o));
}

#[test]
fn the_author_named_with_git_commit_author_may_not_approve_the_commit() {
    let keys = Keys::new();
    let (r, _) = blocked_repo(&keys, "24h", "");
    // Alice commits content she says Dave wrote: the same request (alice asks)...
    let author = ["commit", "-q", "--author", "Dave <dave@corp.test>", "-m", "q"];
    let o = r.git_output(&author);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let id = request_id(&r);
    // ...and Dave, named as its author, does not count.
    sign(&r, &keys, &id, "dave", "dave");
    sign(&r, &keys, &id, "carol", "carol");
    let o = r.git_output(&author);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("dave@corp.test authored, committed or pushed the content"), "{}", err(&o));
    sign(&r, &keys, &id, "frank", "frank");
    let o = r.git_output(&author);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// A copy of the request with other times, signed by carol and dave with `approval sign`.
fn forged_times(r: &Repo, keys: &Keys, id: &str, created: i64, expires: i64) {
    let path = r.path().join(format!(".git/leakguard/requests/{id}.json"));
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("request")).expect("json");
    doc["created_at"] = created.into();
    doc["expires_at"] = expires.into();
    let forged = r.path().join("forged.json");
    std::fs::write(&forged, doc.to_string()).expect("write");
    for who in ["carol", "dave"] {
        let o = r
            .lg()
            .args(["approval", "sign"])
            .arg(&forged)
            .args(["--principal", &format!("{who}@corp.test"), "--key"])
            .arg(keys.key(who))
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", err(&o));
    }
}

#[test]
fn requests_longer_than_the_ttl_or_from_the_future_count_nothing() {
    let keys = Keys::new();
    let (r, id) = blocked_repo(&keys, "24h", "");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    forged_times(&r, &keys, &id, now, now + 7 * 86_400);
    refused(&r, "the request's lifetime exceeds the rule's ttl of 1d");
    let (r, id) = blocked_repo(&keys, "24h", "");
    forged_times(&r, &keys, &id, now + 30 * 86_400, now + 30 * 86_400 + 3600);
    refused(&r, "the request claims to be created in the future");
}

/// #8 item 9: on the server the authenticated pusher (here `$LEAKGUARD_PUSHER`, as an
/// `authorized_keys` `environment=` option would set it) may not approve what they
/// push, whoever the commits name as author.
#[test]
fn the_pusher_may_not_approve_their_own_push() {
    let keys = Keys::new();
    let signers = format!(
        "carol@corp.test {}\ndave@corp.test {}\nfrank@corp.test {}\n",
        keys.public("carol"),
        keys.public("dave"),
        keys.public("frank")
    );
    // The server keeps its own copy of the policy and of the allowed signers.
    let (server, r) = policy_server(&signers);
    // Carol, a security officer, pushes a list she made look like Alice's work.
    r.write("q.csv", customer_csv(12));
    r.git(&["add", "q.csv"]);
    r.git(&["commit", "-q", "-m", "q"]);
    let push =
        |r: &Repo| r.git_cmd().env("LEAKGUARD_PUSHER", "carol").args(["push", "origin", "main"]).output().expect("git");
    let o = push(&r);
    assert!(!o.status.success());
    assert!(err(&o).contains("pusher carol (from $LEAKGUARD_PUSHER) may not approve this push"), "{}", err(&o));
    let id = request_id_in(&err(&o)).expect("request id");
    let sign_in_tree = |who: &str| {
        let o = sign_into(&r, &id, &format!("{who}@corp.test"), ".leakguard/approvals", &keys.key(who));
        assert!(o.status.success(), "{}", err(&o));
    };
    // The request was written on the server: approvers get it from there.
    std::fs::create_dir_all(r.path().join(".git/leakguard/requests")).expect("mkdir");
    std::fs::copy(
        server.path().join(format!("leakguard/requests/{id}.json")),
        r.path().join(format!(".git/leakguard/requests/{id}.json")),
    )
    .expect("request file on the server");
    sign_in_tree("carol");
    sign_in_tree("dave");
    r.git(&["add", ".leakguard/approvals"]);
    r.git(&["commit", "-q", "-m", "approvals"]);
    let o = push(&r);
    assert!(!o.status.success(), "carol's own approval must not count: {}", err(&o));
    assert!(err(&o).contains("carol@corp.test authored, committed or pushed the content (carol)"), "{}", err(&o));
    // A second officer who is not the pusher: the push goes through.
    sign_in_tree("frank");
    r.git(&["add", ".leakguard/approvals"]);
    r.git(&["commit", "-q", "-m", "approvals"]);
    let o = push(&r);
    assert!(o.status.success(), "{}", err(&o));
}
