//! Same input, same output: the JSON report of a scan is byte-identical across runs
//! and thread counts (issue #13). Elapsed time is the only field masked.

use std::path::Path;

use crate::util::*;

/// `scan --format json` of `dir`, elapsed time masked; `threads` pins rayon.
fn json(dir: &Path, threads: Option<&str>) -> String {
    let mut c = lg();
    c.current_dir(dir).args(["--policy", "builtin", "scan", ".", "--format", "json", "--no-ignore"]);
    if let Some(n) = threads {
        c.env("RAYON_NUM_THREADS", n);
    }
    let o = c.output().expect("runs");
    assert!(o.status.code().is_some_and(|c| c <= 1), "scan failed: {}", err(&o));
    stable(&out(&o), dir)
}

/// A tree with every shape whose reading used to depend on iteration order: line
/// groups of equal size (the tie of the lines reader), tables, secrets, JSON keyed by
/// address, plus enough files to spread over threads.
fn tree() -> Dir {
    let d = Dir::new();
    for f in 0..40 {
        // Two same-shaped line groups of equal size, interleaved: a tie.
        let mut s = String::new();
        for i in 0..6 {
            let (name, domain) = company(f * 13 + i);
            s.push_str(&format!("{name} - ops{i}@{domain}\n"));
            let (_, d2) = company(f * 17 + i + 200);
            s.push_str(&format!("id={i}; it{i}@{d2}\n"));
        }
        d.write(format!("tickets/t{f:03}.txt"), s);
        d.write(format!("exports/e{f:03}.csv"), customer_csv(3 + f % 9));
        let mut j = String::from("{");
        for i in 0..(4 + f % 5) {
            let (_, domain) = company(f * 7 + i);
            j.push_str(&format!("\"a{i}@{domain}\": {{\"plan\": \"p{i}\"}},"));
        }
        j.push_str("\"end\": null}");
        d.write(format!("json/k{f:03}.json"), j);
        d.write(
            format!("conf/c{f:03}.env"),
            format!("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ{f:04}abc/\nGITHUB_TOKEN=ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz{f:04}\n"),
        );
    }
    d
}

#[test]
fn a_generated_tree_gives_the_same_json_every_time_and_on_one_thread() {
    let d = tree();
    let first = json(d.path(), None);
    assert!(first.contains("customer-list") && first.contains("\"secret\""), "{first}");
    for run in 1..20 {
        assert!(json(d.path(), None) == first, "run {run} differs from run 0");
    }
    assert!(json(d.path(), Some("1")) == first, "one thread differs from the default pool");
}

#[test]
fn the_corpus_gives_the_same_json_every_time_and_on_one_thread() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    for label in ["leak", "benign"] {
        let dir = root.join(label);
        let first = json(&dir, None);
        for run in 1..5 {
            assert!(json(&dir, None) == first, "{label}: run {run} differs from run 0");
        }
        assert!(json(&dir, Some("1")) == first, "{label}: one thread differs from the default pool");
    }
}

/// The pool is sized to the CPUs the process may run on (its affinity mask, not the
/// machine's core count), `--threads` wins over the environment, and output does not
/// depend on it (issue #13 item 4).
#[test]
fn the_pool_is_sized_to_the_cpus_this_process_may_use() {
    let d = Dir::new();
    d.write("a.txt", "nothing here\n");
    let threads_line = |o: &std::process::Output| {
        err(o).lines().find(|l| l.contains("event=threads")).map(str::to_string).unwrap_or_default()
    };
    // One CPU allowed by the affinity mask: one thread, whatever the machine has.
    let o = std::process::Command::new("taskset")
        .args(["-c", "0"])
        .arg(lg_path())
        .args(["-vv", "--policy", "builtin", "scan", "a.txt"])
        .current_dir(d.path())
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("LEAKGUARD_THREADS")
        .output()
        .expect("taskset runs");
    let line = threads_line(&o);
    assert!(line.contains("threads=1 available=1 source=available"), "{line}\n{}", err(&o));
    let o = lg()
        .args(["-vv", "-j", "3", "--policy", "builtin", "scan", "a.txt"])
        .current_dir(d.path())
        .env("LEAKGUARD_THREADS", "5")
        .output()
        .expect("runs");
    assert!(threads_line(&o).contains("threads=3") && threads_line(&o).contains("source=--threads"), "{}", err(&o));
    let o = lg()
        .args(["-vv", "--policy", "builtin", "scan", "a.txt"])
        .current_dir(d.path())
        .env_remove("RAYON_NUM_THREADS")
        .env("LEAKGUARD_THREADS", "5")
        .output()
        .expect("runs");
    assert!(threads_line(&o).contains("threads=5 "), "{}", err(&o));
}
