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
