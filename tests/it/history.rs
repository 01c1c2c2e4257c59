//! History scans (`scan --history`, issue #12) and object reading (#8 item 10), through
//! the real `git` CLI: the object-database enumeration against the former per-commit
//! strategy finding for finding, filters, corrupt and oversized staged objects, and
//! repositories libgit2 cannot open (SHA-256, reftable).

use crate::util::*;

/// Findings as comparable tuples, sorted.
fn findings(o: &std::process::Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}: {}", out(o)));
    let mut f: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}:{} commit={} blob={} {} sev={} dest={} sha={}",
                f["rule"],
                f["class"],
                f["path"],
                f["line"],
                f["column"],
                f["commit"],
                f["blob"],
                f["digest"],
                f["severity"],
                f["destination"],
                f["content_sha256"]
            )
        })
        .collect();
    f.sort();
    f
}

fn commit_all(r: &Repo, msg: &str) {
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "--allow-empty", "-m", msg]);
}

/// A history with the shapes that make attribution hard: the same blob at two paths,
/// a list removed and re-added, a directory renamed, branches merged both ways, a
/// type change, lists in commit messages, tags of every kind, an unreachable blob.
fn tangled() -> Repo {
    let r = Repo::new();
    let list = customer_csv(20);
    r.write("README.md", "hello\n");
    r.write("src/a.rs", "fn main() {}\n");
    commit_all(&r, "root");
    r.write("data/q1.csv", &list);
    r.write("copy/q1-again.csv", &list);
    commit_all(&r, "lists");
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("side/deploy.env", "AWS_KEY=AKIAZ5QWERTYUIOPASDF\n");
    r.git(&["mv", "data", "moved"]);
    commit_all(&r, &format!("side work\n\n{}", customer_csv(8)));
    r.git(&["checkout", "-q", "main"]);
    r.git(&["rm", "-q", "data/q1.csv"]);
    commit_all(&r, "remove");
    r.write("data/q1.csv", &list);
    r.write("notes.txt", "clean\n");
    commit_all(&r, "re-add");
    r.git(&["merge", "-q", "--no-edit", "-m", "merge side", "side"]);
    r.git(&["checkout", "-q", "side"]);
    r.git(&["merge", "-q", "--no-edit", "-m", "merge main", "main"]);
    r.write("side/deploy.env", "rotated\n");
    std::fs::remove_file(r.path().join("notes.txt")).expect("rm");
    std::os::unix::fs::symlink("README.md", r.path().join("notes.txt")).expect("symlink");
    commit_all(&r, "rotate");
    r.git(&["checkout", "-q", "main"]);
    // An evil merge: content that is in neither parent.
    r.git(&["checkout", "-q", "-b", "topic"]);
    r.write("topic.txt", "topic\n");
    commit_all(&r, "topic");
    r.git(&["checkout", "-q", "main"]);
    r.git(&["merge", "-q", "--no-ff", "--no-commit", "topic"]);
    r.write("evil/merge.csv", customer_csv(11));
    commit_all(&r, "evil merge");
    for i in 0..30 {
        r.write(format!("gen/f{i}.txt"), format!("{i}\n{}", if i == 3 { customer_csv(12) } else { String::new() }));
        commit_all(&r, &format!("gen {i}"));
    }
    r.git(&["tag", "-a", "v1", "-m", &format!("release\n\n{}", customer_csv(9))]);
    let b = r.blob("AWS_KEY=AKIAZ5QWERTYUIOPASDA\n");
    r.git(&["tag", "blobtag", &b]);
    // Unreachable: in the object database, on no ref.
    r.blob(customer_csv(15));
    r
}

#[test]
fn object_database_enumeration_matches_the_per_commit_strategy() {
    let r = tangled();
    let new = r.lg().args(["scan", "--history", "--format", "json"]).output().expect("runs");
    let old = r.lg().args(["scan", "--history", "--per-commit", "--format", "json"]).output().expect("runs");
    assert_eq!(new.status.code(), Some(1), "{}", err(&new));
    assert_eq!(old.status.code(), Some(1), "{}", err(&old));
    let (n, o) = (findings(&new), findings(&old));
    assert!(n.len() >= 8, "{n:#?}");
    assert_eq!(n, o, "new (left) and per-commit (right) strategies differ");
    // The shapes are there: both paths of the copied list, the re-added one attributed
    // to its first commit, the moved directory, the commit and tag messages.
    let all = n.join("\n");
    for p in [
        "evil/merge.csv",
        "copy/q1-again.csv",
        "data/q1.csv",
        "moved/q1.csv",
        "side/deploy.env",
        "gen/f3.txt",
        "COMMIT_MSG",
    ] {
        assert!(all.contains(&format!("\"{p}\"")), "{p} missing: {all}");
    }
    assert!(all.contains("refs/tags/v1^{tag}") && all.contains("refs/tags/blobtag^{blob}"), "{all}");
    // A dated history (not closed under parents) goes through `introduced`, which for
    // 32 commits or more asks `git log -c --raw`: the same as libgit2's diffs.
    let args = ["scan", "--history", "--since", "1971-01-01", "--format", "json"];
    let dated = r.lg().args(args).output().expect("runs");
    let dated_old = r.lg().args(args).arg("--per-commit").output().expect("runs");
    assert_eq!(findings(&dated), findings(&dated_old));
    assert!(findings(&dated).len() >= 6, "{:#?}", findings(&dated));
    // From a subdirectory, with `diff.relative` set: the same paths, nothing hidden.
    r.git(&["config", "diff.relative", "true"]);
    let sub = r.lg().current_dir(r.path().join("src")).args(args).output().expect("runs");
    assert_eq!(findings(&sub), findings(&dated_old));
    r.git(&["config", "--unset", "diff.relative"]);
    // The same on a repacked repository (pack order, deltas).
    r.git(&["repack", "-adq"]);
    let packed = r.lg().args(["scan", "--history", "--format", "json"]).output().expect("runs");
    assert_eq!(findings(&packed), o);
}

#[test]
fn history_filters_by_branch_and_time() {
    let r = tangled();
    let side = r.lg().args(["scan", "--history", "--branch", "side", "--format", "json"]).output().expect("runs");
    let all = findings(&side).join("\n");
    assert!(all.contains("side/deploy.env"), "{all}");
    assert!(!all.contains("gen/f3.txt"), "main-only commits are not on side: {all}");
    let future =
        r.lg().args(["scan", "--history", "--since", "2999-01-01", "--format", "json"]).output().expect("runs");
    assert_eq!(future.status.code(), Some(0), "{}", out(&future));
    let past = r.lg().args(["scan", "--history", "--until", "1971-01-01", "--format", "json"]).output().expect("runs");
    assert_eq!(past.status.code(), Some(0), "{}", out(&past));
    let now = r.lg().args(["scan", "--history", "--since", "1971-01-01", "--format", "json"]).output().expect("runs");
    assert_eq!(now.status.code(), Some(1), "{}", out(&now));
    let empty = Repo::new();
    let o = empty.lg().args(["scan", "--history"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "an unborn repository has no history: {}", err(&o));
    let bad = r.lg().args(["scan", "--history", "--since", "yesterday-ish"]).output().expect("runs");
    assert_eq!(bad.status.code(), Some(2), "{}", err(&bad));
}

fn installed() -> Repo {
    let r = Repo::new();
    let o = r.lg().arg("install").output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    r
}

#[test]
fn a_corrupt_staged_object_blocks() {
    let r = installed();
    r.write("notes.txt", "hello\n");
    r.git(&["add", "notes.txt"]);
    let oid = r.git(&["rev-parse", ":notes.txt"]).trim().to_string();
    let obj = r.path().join(".git/objects").join(&oid[..2]).join(&oid[2..]);
    let mut perm = std::fs::metadata(&obj).expect("loose object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&obj, perm).expect("chmod");
    std::fs::write(&obj, b"\x78\x9cnot a zlib stream at all").expect("corrupt");
    let o = r.git_output(&["commit", "-q", "-m", "c"]);
    assert!(!o.status.success(), "a corrupt staged object must block: {}", err(&o));
    let o = r.lg().args(["scan", "--staged", "--format", "json"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("unscannable") && out(&o).contains("\"block\""), "{}", out(&o));
}

#[test]
fn a_staged_blob_over_max_file_size_blocks_without_being_loaded() {
    let r = installed();
    r.write("leakguard.yaml", "version: 1\nsettings:\n  max_file_size: 1MiB\n");
    r.git(&["add", "leakguard.yaml"]);
    r.git(&["commit", "-q", "-m", "policy"]);
    r.write("big.bin", vec![b'a'; 3 << 20]);
    r.git(&["add", "big.bin"]);
    let o = r.git_output(&["commit", "-q", "-m", "big"]);
    assert!(!o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("max_file_size"), "{}", err(&o));
    let o = r.lg().args(["scan", "--history", "--format", "json"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// The newest git on this machine that supports `flag` for `git init`.
fn git_supports(flag: &str) -> bool {
    let d = Dir::new();
    std::process::Command::new("git")
        .args(["init", "-q", flag])
        .arg(d.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn cli_only_repo(flag: &str) -> Option<Repo> {
    if !git_supports(flag) {
        eprintln!("skipped: this git has no `git init {flag}`");
        return None;
    }
    let r = Repo { dir: Dir::new() };
    r.git(&["init", "-q", "-b", "main", flag]);
    r.git(&["config", "user.email", "alice@corp.test"]);
    r.git(&["config", "user.name", "Alice"]);
    let o = r.lg().arg("install").output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    Some(r)
}

fn commits_clean_and_blocks_lists(r: &Repo) {
    r.write("README.md", "hello\n");
    r.git(&["add", "README.md"]);
    let o = r.git_output(&["commit", "-q", "-m", "first"]);
    assert!(o.status.success(), "a clean first commit passes: {}", err(&o));
    r.write("exports/q3.csv", customer_csv(30));
    r.git(&["add", "exports/q3.csv"]);
    let o = r.git_output(&["commit", "-q", "-m", "list"]);
    assert!(!o.status.success(), "a staged list blocks");
    assert!(err(&o).contains("customer-list in exports/q3.csv"), "{}", err(&o));
    r.git(&["rm", "-q", "--cached", "exports/q3.csv"]);
    r.write("b.txt", "more\n");
    r.git(&["add", "b.txt"]);
    let o = r.git_output(&["commit", "-q", "-m", "clean"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = r.lg().args(["scan", "--staged"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
fn sha256_repositories_are_judged_through_the_git_cli() {
    if let Some(r) = cli_only_repo("--object-format=sha256") {
        commits_clean_and_blocks_lists(&r);
    }
}

#[test]
fn reftable_repositories_are_judged_through_the_git_cli() {
    if let Some(r) = cli_only_repo("--ref-format=reftable") {
        commits_clean_and_blocks_lists(&r);
    }
}

#[test]
fn a_blob_missing_from_the_object_database_blocks_a_history_scan() {
    let r = Repo::new();
    r.write("README.md", "hello\n");
    r.write("gone.txt", "this blob will vanish\n");
    commit_all(&r, "root");
    let oid = r.git(&["rev-parse", "HEAD:gone.txt"]).trim().to_string();
    std::fs::remove_file(r.path().join(".git/objects").join(&oid[..2]).join(&oid[2..])).expect("rm object");
    for extra in [&[][..], &["--per-commit"][..]] {
        let o = r.lg().args(["scan", "--history", "--format", "json"]).args(extra).output().expect("runs");
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {}{}", out(&o), err(&o));
        let f = findings(&o).join("\n");
        assert!(f.contains("unscannable") && f.contains("gone.txt") && f.contains("\"block\""), "{extra:?}: {f}");
    }
}

/// Pass 1 reads most objects in-process and streams those over the whole-read size (32
/// MiB) from `git cat-file`: a list at the end of such a blob is found, at its path and
/// commit, as by the per-commit strategy — loose and packed.
#[test]
fn a_list_at_the_end_of_a_blob_over_the_whole_read_size_is_found_in_history() {
    let r = Repo::new();
    r.write("README.md", "hello\n");
    commit_all(&r, "root");
    let mut big = "clean line of text\n".repeat((33 << 20) / 19);
    big.push_str(&customer_csv(20));
    r.write("dump/big.csv", &big);
    r.write("small.csv", customer_csv(12));
    commit_all(&r, "dump");
    let old = r.lg().args(["scan", "--history", "--per-commit", "--format", "json"]).output().expect("runs");
    assert_eq!(old.status.code(), Some(1), "{}", err(&old));
    for packed in [false, true] {
        if packed {
            r.git(&["repack", "-adq"]);
        }
        let new = r.lg().args(["scan", "--history", "--format", "json"]).output().expect("runs");
        assert_eq!(new.status.code(), Some(1), "{}", err(&new));
        let f = findings(&new);
        let all = f.join("\n");
        assert!(all.contains("\"dump/big.csv\"") && all.contains("\"small.csv\""), "packed={packed}: {all}");
        assert_eq!(f, findings(&old), "packed={packed}: new (left) and per-commit (right) differ");
    }
}

#[test]
fn replace_refs_do_not_hide_what_is_stored() {
    let r = Repo::new();
    r.write("README.md", "hello\n");
    commit_all(&r, "root");
    r.write("q.csv", customer_csv(20));
    commit_all(&r, "list");
    let listed = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    let tree = r.git(&["rev-parse", "HEAD~1^{tree}"]).trim().to_string();
    let parent = r.git(&["rev-parse", "HEAD~1"]).trim().to_string();
    let clean = r.commit_tree(&tree, Some(&parent), "list");
    r.git(&["replace", &listed, &clean]);
    for i in 0..40 {
        r.write("n.txt", format!("{i}\n"));
        commit_all(&r, &format!("n{i}"));
    }
    let mut seen = Vec::new();
    for args in [&["--history"][..], &["--history", "--per-commit"][..], &["--range", "HEAD~41..HEAD"][..]] {
        let o = r.lg().arg("scan").args(args).args(["--format", "json"]).output().expect("runs");
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", out(&o));
        let f: Vec<String> = findings(&o).into_iter().filter(|f| f.contains("q.csv")).collect();
        // Attributed to the commit that stored the list, not to a child of the replacement.
        assert!(f.len() == 1 && f[0].contains(&listed), "{args:?}: {f:?}");
        seen.push(f);
    }
    assert_eq!(seen[0], seen[1]);
}

#[test]
fn a_large_staged_blob_is_streamed_and_still_judged() {
    let r = Repo::new();
    // Over the 32 MiB whole-read size: read from `git cat-file` in windows.
    let mut big = "plain text line without anything of note\n".repeat(900_000).into_bytes();
    big.extend_from_slice(b"AWS_KEY=AKIAZ5QWERTYUIOPASDF\n");
    assert!(big.len() > 32 << 20);
    r.write("big.env", &big);
    r.git(&["add", "big.env"]);
    let o = r.lg().args(["scan", "--staged", "--format", "json"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let f = findings(&o).join("\n");
    assert!(f.contains("secret") && f.contains("big.env") && f.contains("900001:"), "{f}");
}

#[test]
fn relative_object_directories_from_the_environment_are_honoured() {
    let r = Repo::new();
    r.write("q.csv", customer_csv(20));
    commit_all(&r, "list");
    // The objects live elsewhere, named relative to where leakguard is started (as a
    // caller's environment may; a receive quarantine names its directories likewise).
    std::fs::rename(r.path().join(".git/objects"), r.path().join("odb")).expect("move objects");
    std::fs::create_dir_all(r.path().join(".git/objects/info")).expect("empty objects");
    std::fs::create_dir_all(r.path().join(".git/objects/pack")).expect("empty objects");
    let o = r
        .lg()
        .env("GIT_OBJECT_DIRECTORY", "odb")
        .args(["scan", "--history", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(findings(&o).join("\n").contains("q.csv"));
}

/// The real `git` on PATH.
fn real_git() -> std::path::PathBuf {
    let path = std::env::var_os("PATH").expect("PATH");
    std::env::split_paths(&path).map(|d| d.join("git")).find(|p| p.is_file()).expect("git on PATH")
}

#[test]
fn jsonl_streams_findings_before_the_history_scan_ends() {
    use std::io::BufRead;
    use std::os::unix::fs::PermissionsExt;
    let r = tangled();
    // A clean blob over the scanner's whole-read size (32 MiB): pass 1 streams it
    // last, from a `git cat-file --batch` of its own. With a `git` whose `cat-file
    // --batch` stays open 4 s after its last object, the scan cannot end before, while
    // everything needed to judge the candidates is there.
    r.blob("clean line of text\n".repeat((33 << 20) / 19));
    let bin = TempDir::new().expect("tempdir");
    let shim = bin.path().join("git");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do if [ \"$a\" = --batch ]; then \"{g}\" \"$@\"; s=$?; sleep 4; exit $s; fi; done\nexec \"{g}\" \"$@\"\n",
            g = real_git().display()
        ),
    )
    .expect("shim");
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").expect("PATH"));
    let mut c = lg_std();
    c.current_dir(r.path()).env("PATH", path).args(["scan", "--history", "--format", "jsonl"]);
    let start = std::time::Instant::now();
    let mut child = c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("runs");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a first line").expect("utf-8");
    let first_at = start.elapsed();
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the first finding arrived only when the scan had ended ({first_at:?})"
    );
    let v: serde_json::Value = serde_json::from_str(&first).expect("json line");
    assert_eq!(v["type"], "finding", "{first}");
    let rest: Vec<String> = lines.map(|l| l.expect("utf-8")).collect();
    let st = child.wait().expect("exits");
    assert_eq!(st.code(), Some(1));
    assert!(start.elapsed() >= first_at + std::time::Duration::from_secs(1), "{first_at:?} {:?}", start.elapsed());
    // Every streamed finding, then the report (sorted, the same as --format json).
    let (report, streamed) = rest.split_last().expect("a report line");
    let report: serde_json::Value = serde_json::from_str(report).expect("report line");
    assert_eq!(report["type"], "report");
    assert_eq!(report["verdict"], "block");
    let mut lines: Vec<serde_json::Value> = std::iter::once(first.as_str())
        .chain(streamed.iter().map(String::as_str))
        .map(|l| serde_json::from_str(l).expect("finding line"))
        .collect();
    assert!(lines.iter().all(|l| l["type"] == "finding"));
    let json = r.lg().args(["scan", "--history", "--format", "json"]).output().expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let key =
        |f: &serde_json::Value| format!("{} {} {} {} {}", f["path"], f["line"], f["blob"], f["commit"], f["digest"]);
    let mut want: Vec<String> = doc["findings"].as_array().expect("findings").iter().map(key).collect();
    let got: Vec<String> = report["findings"].as_array().expect("findings").iter().map(key).collect();
    assert_eq!(got, want, "the report line is the json report");
    lines.iter_mut().for_each(|l| l.as_object_mut().map(|o| o.remove("type")).map(|_| ()).unwrap_or(()));
    let mut streamed: Vec<String> = lines.iter().map(key).collect();
    streamed.sort();
    want.sort();
    assert_eq!(streamed, want, "each finding streamed once");
}
