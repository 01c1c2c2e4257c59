//! The audit log through the real binary: concurrent writers lose nothing, and every
//! kind of tampering is caught with the first bad line named.

use crate::util::*;

#[test]
fn sixty_four_concurrent_writers_lose_nothing() {
    let d = Dir::new();
    let log = d.path().join("audit.jsonl");
    let children: Vec<std::process::Child> = (0..64)
        .map(|_| {
            lg_std()
                .current_dir(d.path())
                .args(["--policy", "builtin", "audit", "append-test", "--count", "100", "--log"])
                .arg(&log)
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        assert!(c.wait_with_output().expect("wait").status.success());
    }
    let text = std::fs::read_to_string(&log).expect("log");
    assert_eq!(text.lines().count(), 6400);
    let o = lg().args(["--policy", "builtin", "audit", "verify", "--log"]).arg(&log).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("ok: 6400 entries"));
}

fn tampered(f: impl Fn(Vec<String>) -> Vec<String>) -> String {
    let d = Dir::new();
    let log = d.path().join("audit.jsonl");
    let o = lg()
        .args(["--policy", "builtin", "audit", "append-test", "--count", "6", "--log"])
        .arg(&log)
        .output()
        .expect("runs");
    assert!(o.status.success());
    let lines: Vec<String> = std::fs::read_to_string(&log).expect("log").lines().map(str::to_string).collect();
    std::fs::write(&log, f(lines).join("\n") + "\n").expect("write");
    let o = lg().args(["--policy", "builtin", "audit", "verify", "--log"]).arg(&log).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "tampering not caught: {}", out(&o));
    stable(&out(&o), d.path())
}

#[test]
fn every_kind_of_tampering_is_caught_at_its_line() {
    let edited = tampered(|mut l| {
        l[2] = l[2].replace("\"test\"", "\"allow-override\"");
        l
    });
    assert_eq!(edited, "[TMP]/audit.jsonl:3: content does not match its hash (entry edited)\n");
    let reordered = tampered(|mut l| {
        l.swap(1, 2);
        l
    });
    assert!(reordered.starts_with("[TMP]/audit.jsonl:2: sequence 3 where 2 was expected"), "{reordered}");
    let removed = tampered(|mut l| {
        l.remove(3);
        l
    });
    assert!(removed.starts_with("[TMP]/audit.jsonl:4:"), "{removed}");
    let inserted = tampered(|mut l| {
        let copy = l[1].clone();
        l.insert(2, copy);
        l
    });
    assert!(inserted.starts_with("[TMP]/audit.jsonl:3:"), "{inserted}");
    let truncated = tampered(|l| l.into_iter().skip(1).collect());
    assert!(truncated.starts_with("[TMP]/audit.jsonl:1:"), "{truncated}");
}

#[test]
fn show_prints_entries_readably() {
    let d = Dir::new();
    let log = d.path().join("audit.jsonl");
    let o = lg()
        .args(["--policy", "builtin", "audit", "append-test", "--count", "2", "--log"])
        .arg(&log)
        .output()
        .expect("runs");
    assert!(o.status.success());
    let o = lg().args(["--policy", "builtin", "audit", "show", "--log"]).arg(&log).output().expect("runs");
    assert_eq!(out(&o).lines().count(), 2);
    assert!(out(&o).starts_with("#1 "), "{}", out(&o));
}

#[test]
fn show_as_json_lines_and_a_missing_log_is_a_usage_error() {
    let d = Dir::new();
    let log = d.path().join("audit.jsonl");
    let o = lg().args(["--policy", "builtin", "audit", "show", "--log"]).arg(&log).output().expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("cannot read the audit log"), "{}", err(&o));
    let o = lg().args(["--policy", "builtin", "audit", "verify", "--log"]).arg(&log).output().expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let o = lg()
        .args(["--policy", "builtin", "audit", "append-test", "--count", "3", "--log"])
        .arg(&log)
        .output()
        .expect("runs");
    assert!(o.status.success());
    let o = lg()
        .args(["--policy", "builtin", "--format", "json", "audit", "show", "--log"])
        .arg(&log)
        .output()
        .expect("runs");
    let lines: Vec<serde_json::Value> =
        out(&o).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["prev"], "0".repeat(64), "genesis");
    assert_eq!(lines[1]["prev"], lines[0]["hash"]);
    let o = lg()
        .args(["--policy", "builtin", "audit", "show", "--request", "lgr1-none", "--log"])
        .arg(&log)
        .output()
        .expect("runs");
    assert_eq!(out(&o), "");
}

#[test]
fn an_anchored_head_catches_lines_removed_from_the_end() {
    let d = Dir::new();
    let log = d.path().join("audit.jsonl");
    let append = |n: &str| {
        let o = lg()
            .args(["--policy", "builtin", "audit", "append-test", "--count", n, "--log"])
            .arg(&log)
            .output()
            .expect("runs");
        assert!(o.status.success());
    };
    let verify = |anchor: &str| {
        let mut c = lg();
        c.args(["--policy", "builtin", "audit", "verify", "--log"]).arg(&log);
        if !anchor.is_empty() {
            c.args(["--anchor", anchor]);
        }
        c.output().expect("runs")
    };
    append("4");
    let o = verify("");
    let head = out(&o).trim().rsplit("head ").next().unwrap_or("").to_string();
    assert_eq!(head.len(), 64, "{}", out(&o));
    // The log grows: the anchor is still in it.
    append("2");
    assert_eq!(verify(&head).status.code(), Some(0));
    // The last three lines removed: a valid shorter chain, but the anchored entry is gone.
    let text = std::fs::read_to_string(&log).expect("log");
    let kept: Vec<&str> = text.lines().take(3).collect();
    std::fs::write(&log, kept.join("\n") + "\n").expect("write");
    assert_eq!(verify("").status.code(), Some(0));
    let o = verify(&head);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("is not in the log"), "{}", out(&o));
}

// ---- Signed checkpoints, with keys from the real `ssh-keygen`.

/// A repository whose policy lists carol (security-officer) and dave (no audit role) in
/// allowed_signers; mallory has a key nobody listed. Events are in `audit.jsonl`.
struct Signed {
    repo: Repo,
    keys: Dir,
    log: std::path::PathBuf,
}

impl Signed {
    fn new() -> Signed {
        let keys = Dir::new();
        for name in ["carol", "dave", "mallory"] {
            let o = std::process::Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                .arg(keys.path().join(name))
                .output()
                .expect("ssh-keygen runs");
            assert!(o.status.success(), "{}", err(&o));
        }
        let public = |n: &str| {
            let t = std::fs::read_to_string(keys.path().join(format!("{n}.pub"))).expect("pub");
            t.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
        };
        let repo = Repo::new();
        repo.write(
            ".leakguard/policy.yaml",
            "version: 1\nroles:\n  security-officer: [carol@corp.test]\n  developer: [dave@corp.test]\napprovals:\n  allowed_signers: .leakguard/allowed_signers\n",
        );
        repo.write(
            ".leakguard/allowed_signers",
            format!("carol@corp.test {}\ndave@corp.test {}\n", public("carol"), public("dave")),
        );
        let log = repo.path().join("audit.jsonl");
        Signed { repo, keys, log }
    }

    fn append(&self, n: u32) {
        let o = self
            .repo
            .lg()
            .args(["audit", "append-test", "--count", &n.to_string(), "--log"])
            .arg(&self.log)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", err(&o));
    }

    fn checkpoint(&self, key: &str, principal: &str) -> std::process::Output {
        self.repo
            .lg()
            .args(["audit", "checkpoint", "--principal", principal, "--key"])
            .arg(self.keys.path().join(key))
            .arg("--log")
            .arg(&self.log)
            .output()
            .expect("runs")
    }

    fn verify(&self) -> (Option<i32>, String) {
        let o = self.repo.lg().args(["audit", "verify", "--log"]).arg(&self.log).output().expect("runs");
        (o.status.code(), stable(&out(&o), self.repo.path()) + &err(&o))
    }

    fn lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .expect("log")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    }

    /// The attacker's rewrite: writes these entries back with `seq`, `prev` and `hash`
    /// recomputed the way src/audit does (SHA-256 over RFC 8785 canonical JSON of the
    /// entry without `hash`), so the chain alone is consistent again.
    fn write_rechained(&self, mut entries: Vec<serde_json::Value>) {
        use sha2::{Digest, Sha256};
        let mut prev = "0".repeat(64);
        let mut text = String::new();
        for (i, e) in entries.iter_mut().enumerate() {
            let o = e.as_object_mut().expect("object");
            o.insert("seq".into(), serde_json::json!(i + 1));
            o.insert("prev".into(), serde_json::json!(prev));
            o.remove("hash");
            let h: String = Sha256::digest(canonical(e).as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            e["hash"] = serde_json::json!(h);
            prev = h;
            text.push_str(&canonical(e));
            text.push('\n');
        }
        std::fs::write(&self.log, text).expect("write");
    }
}

/// RFC 8785 for what the log holds (strings, integers, arrays, objects): keys sorted,
/// no whitespace.
fn canonical(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let parts: Vec<String> =
                keys.iter().map(|k| format!("{}:{}", serde_json::json!(k), canonical(&m[k.as_str()]))).collect();
            format!("{{{}}}", parts.join(","))
        }
        serde_json::Value::Array(a) => format!("[{}]", a.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

#[test]
fn a_signed_checkpoint_catches_a_rewrite_with_the_chain_recomputed() {
    let s = Signed::new();
    s.append(5);
    let o = s.checkpoint("carol", "carol@corp.test");
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("audit.jsonl:6 by carol@corp.test: pins lines 1–5"), "{}", out(&o));
    s.append(2);
    let (code, text) = s.verify();
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("1 signed checkpoint(s) verified; the last, line 6 by carol@corp.test, pins lines 1–5"),
        "{text}"
    );
    assert!(text.contains("2 lines after the last checkpoint at 20"), "{text}");
    assert!(text.contains("are protected by the hash chain only"), "{text}");
    assert!(text.contains("ok: 8 entries"), "{text}");

    // The checkpoint entry carries what it signs.
    let entries = s.lines();
    let cp = &entries[5]["checkpoint"];
    assert_eq!(entries[5]["event"], "checkpoint");
    assert_eq!(cp["lines"], 5);
    assert_eq!(cp["head"], entries[4]["hash"]);
    assert_eq!(cp["log"], entries[0]["hash"]);
    assert_eq!(cp["principal"], "carol@corp.test");

    // The attack: edit line 3 and recompute every later hash (the checkpoint's own too).
    let mut forged = entries.clone();
    forged[2]["actor"] = serde_json::json!("mallory@corp.test");
    s.write_rechained(forged);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("[TMP]/audit.jsonl:6: checkpoint of 20"), "names the checkpoint: {text}");
    assert!(
        text.contains(
            "by carol@corp.test: rewrite before the last checkpoint: the first line that differs is one of lines 1–5"
        ),
        "{text}"
    );
    assert!(text.contains("[leakguard::audit-checkpoint-mismatch]"), "{text}");

    // The same rewrite of the same log without the checkpoint passes: only the
    // checkpoint caught it.
    let mut unsigned: Vec<serde_json::Value> = entries.clone();
    unsigned.remove(5);
    unsigned[2]["actor"] = serde_json::json!("mallory@corp.test");
    s.write_rechained(unsigned);
    let (code, text) = s.verify();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("no signed checkpoint: all 7 lines are protected by the hash chain only"), "{text}");
}

#[test]
fn a_later_checkpoint_narrows_the_rewrite_and_line_one_is_named() {
    let s = Signed::new();
    s.append(3);
    assert!(s.checkpoint("carol", "carol@corp.test").status.success());
    s.append(3);
    assert!(s.checkpoint("carol", "carol@corp.test").status.success());
    let entries = s.lines();
    assert_eq!(entries.len(), 8);
    let mut forged = entries.clone();
    forged[6]["detail"] = serde_json::json!("changed");
    s.write_rechained(forged);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(":8: checkpoint of"), "{text}");
    assert!(text.contains("one of lines 4–7"), "{text}");
    assert!(text.contains("(lines 1–3 still match the checkpoint of"), "{text}");
    assert_eq!(text.lines().filter(|l| l.contains("checkpoint of")).count(), 1, "the first still verifies: {text}");
    let mut forged = entries.clone();
    forged[0]["detail"] = serde_json::json!("changed");
    s.write_rechained(forged);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(":4: checkpoint of") && text.contains("line 1 differs"), "{text}");
}

#[test]
fn forged_and_unauthorised_checkpoints_fail_verify_with_a_code() {
    let s = Signed::new();
    s.append(3);
    // Refused up front, nothing written: a key not listed for the principal, a listed
    // principal without an audit signer role.
    let o = s.checkpoint("mallory", "carol@corp.test");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(err(&o).contains("leakguard::audit-checkpoint-unlisted"), "{}", err(&o));
    let o = s.checkpoint("dave", "dave@corp.test");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(err(&o).contains("leakguard::audit-checkpoint-role"), "{}", err(&o));
    assert_eq!(s.lines().len(), 3, "nothing written");
    assert!(s.checkpoint("carol", "carol@corp.test").status.success());
    let good = s.lines();

    // Forged: the same claim signed with mallory's key (plain ssh-keygen), the chain
    // recomputed around it.
    let cp = &good[3]["checkpoint"];
    let claim = format!(
        "leakguard-audit-checkpoint v1\nlog {}\nlines {}\nhead {}\ntime {}\n",
        cp["log"].as_str().expect("log"),
        cp["lines"],
        cp["head"].as_str().expect("head"),
        cp["time"].as_str().expect("time")
    );
    let msg = s.keys.write("claim.txt", &claim);
    let o = std::process::Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "leakguard-audit", "-f"])
        .arg(s.keys.path().join("mallory"))
        .arg(&msg)
        .output()
        .expect("ssh-keygen runs");
    assert!(o.status.success(), "{}", err(&o));
    let mallory_sig = std::fs::read_to_string(msg.with_extension("txt.sig")).expect("sig");
    let mut forged = good.clone();
    forged[3]["checkpoint"]["signature"] = serde_json::json!(mallory_sig);
    s.write_rechained(forged);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(":4: checkpoint of") && text.contains("[leakguard::audit-checkpoint-unlisted]"), "{text}");

    // Forged: carol's signature kept, the pinned head changed to match a rewrite.
    let mut forged = good.clone();
    forged[3]["checkpoint"]["head"] = serde_json::json!("1".repeat(64));
    s.write_rechained(forged);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("does not verify over the checkpoint") && text.contains("audit-checkpoint-signature"),
        "{text}"
    );

    // Not a signature at all.
    let mut forged = good.clone();
    forged[3]["checkpoint"]["signature"] = serde_json::json!("not a signature");
    s.write_rechained(forged);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("[leakguard::audit-checkpoint-signature]"), "{text}");

    // Malformed: the checkpoint object gone, or absurd numbers.
    let mut forged = good.clone();
    forged[3]["checkpoint"] = serde_json::Value::Null;
    s.write_rechained(forged);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("malformed checkpoint entry") && text.contains("audit-checkpoint-signature"), "{text}");
    let mut forged = good.clone();
    forged[3]["checkpoint"]["lines"] = serde_json::json!(u64::MAX);
    forged[3]["checkpoint"]["time"] = serde_json::json!("yesterday");
    s.write_rechained(forged);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("audit-checkpoint-signature"), "{text}");

    // Every code is explained.
    for code in [
        "audit-checkpoint-signature",
        "audit-checkpoint-unlisted",
        "audit-checkpoint-role",
        "audit-checkpoint-mismatch",
    ] {
        let o = s.repo.lg().args(["policy", "explain", code]).output().expect("runs");
        assert!(o.status.success(), "{code}: {}", err(&o));
    }
}

#[test]
fn removing_the_checkpoint_line_is_caught_by_the_chain() {
    let s = Signed::new();
    s.append(3);
    assert!(s.checkpoint("carol", "carol@corp.test").status.success());
    s.append(2);
    let text = std::fs::read_to_string(&s.log).expect("log");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(3);
    std::fs::write(&s.log, lines.join("\n") + "\n").expect("write");
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("[TMP]/audit.jsonl:4: sequence 5 where 4 was expected"), "{text}");
}

#[test]
fn a_checkpoint_signature_verifies_with_plain_ssh_keygen() {
    let s = Signed::new();
    s.append(2);
    assert!(s.checkpoint("carol", "carol@corp.test").status.success());
    let cp = s.lines()[2]["checkpoint"].clone();
    let claim = format!(
        "leakguard-audit-checkpoint v1\nlog {}\nlines {}\nhead {}\ntime {}\n",
        cp["log"].as_str().expect("log"),
        cp["lines"],
        cp["head"].as_str().expect("head"),
        cp["time"].as_str().expect("time")
    );
    let sig = s.keys.write("cp.sig", cp["signature"].as_str().expect("signature"));
    let mut c = std::process::Command::new("ssh-keygen");
    c.args(["-Y", "verify", "-n", "leakguard-audit", "-I", "carol@corp.test", "-f"])
        .arg(s.repo.path().join(".leakguard/allowed_signers"))
        .arg("-s")
        .arg(&sig)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("ssh-keygen runs");
    {
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(claim.as_bytes()).expect("write");
    }
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("Good \"leakguard-audit\" signature for carol@corp.test"), "{}", out(&o));
}

#[test]
fn a_broken_chain_is_not_checkpointed() {
    let s = Signed::new();
    s.append(3);
    let text = std::fs::read_to_string(&s.log).expect("log");
    std::fs::write(&s.log, text.replacen("\"test\"", "\"block\"", 1)).expect("write");
    let o = s.checkpoint("carol", "carol@corp.test");
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("refusing to sign a broken chain"), "{}", err(&o));
    assert_eq!(s.lines().len(), 3);
}

#[test]
fn settings_audit_signers_names_the_roles_that_may_checkpoint() {
    let s = Signed::new();
    s.append(2);
    let policy = std::fs::read_to_string(s.repo.path().join(".leakguard/policy.yaml")).expect("policy");
    s.repo.write(".leakguard/policy.yaml", format!("{policy}settings:\n  audit_signers: [developer]\n"));
    // carol is a security officer, but the setting names only developers now.
    let o = s.checkpoint("carol", "carol@corp.test");
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("holds none of the audit signer roles (developer)"), "{}", err(&o));
    let o = s.checkpoint("dave", "dave@corp.test");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(s.verify().0, Some(0));
    // Back to the default: dave's checkpoint no longer counts.
    s.repo.write(".leakguard/policy.yaml", &policy);
    let (code, text) = s.verify();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("[leakguard::audit-checkpoint-role]"), "{text}");
    // An unknown role is a policy error at its place.
    s.repo.write(".leakguard/policy.yaml", format!("{policy}settings:\n  audit_signers: [auditors]\n"));
    let o = s.checkpoint("carol", "carol@corp.test");
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("unknown role `auditors`"), "{}", err(&o));
}

#[test]
fn hook_decisions_are_checkpointed_in_the_default_log() {
    let s = Signed::new();
    let r = &s.repo;
    r.git(&["add", "."]);
    r.git(&["commit", "-q", "-m", "policy"]);
    assert!(r.lg().arg("install").output().expect("runs").status.success());
    for i in 0..2 {
        r.write(format!("q{i}.csv"), customer_csv(12));
        r.git(&["add", "."]);
        let o = r.git_output(&["commit", "-q", "-m", "q"]);
        assert_eq!(o.status.code(), Some(1), "blocked: {}", err(&o));
        r.git(&["reset", "-q"]);
    }
    let log = r.path().join(".git/leakguard/audit.jsonl");
    let before = std::fs::read_to_string(&log).expect("the hooks wrote the log");
    let n = before.lines().count();
    assert!(n >= 2 && before.contains("\"event\":\"block\""), "{before}");
    // No --log: the same default log the hooks write.
    let o = r
        .lg()
        .args(["audit", "checkpoint", "--principal", "carol@corp.test", "--key"])
        .arg(s.keys.path().join("carol"))
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains(&format!("pins lines 1–{n}")), "{}", out(&o));
    let o = r.lg().args(["audit", "verify"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("0 lines after the last checkpoint"), "{}", out(&o));
    let o = r.lg().args(["audit", "show"]).output().expect("runs");
    assert!(out(&o).contains("checkpoint") && out(&o).contains(&format!("pins {n} lines")), "{}", out(&o));
}
