//! The staged list in every index shape: what `leakguard debug staged` (the list the
//! pre-commit hook scans) says equals what `git diff --cached --raw -z --no-renames
//! --diff-filter=AMT --ignore-submodules=all` says, the index is read in-process where
//! it can be (`staged.source=index`) and git asked where not, and a customer list staged
//! in each shape is still blocked.

use std::os::unix::ffi::OsStrExt;

use crate::util::*;

type Env<'a> = &'a [(&'a str, &'a str)];

/// A shape: its name, how to make it on [`base`], whether nothing is staged then.
type Shape<'a> = (&'a str, &'a dyn Fn(&Repo), bool);

/// A committed repository with nested directories (so that the cache-tree has levels),
/// an executable, a symlink, a directory that becomes a file and a file that becomes a
/// directory.
fn base() -> Repo {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.write("b.txt", "b\n");
    r.write("run.sh", "#!/bin/sh\n");
    r.write("x", "x is a file\n");
    r.write("m/one.txt", "1\n");
    r.write("m/two.txt", "2\n");
    r.write("a-b.txt", "sorts before a/\n");
    for i in 0..6 {
        r.write(format!("d1/d2/d3/f{i}.txt"), format!("{i}\n"));
        r.write(format!("d1/d2/g{i}.txt"), format!("{i}\n"));
        r.write(format!("d1/h{i}.txt"), format!("{i}\n"));
        r.write(format!("e{i}/f.txt"), format!("{i}\n"));
    }
    std::os::unix::fs::symlink("a.txt", r.path().join("link")).expect("symlink");
    r.git(&["add", "-A"]);
    r.git(&["update-index", "--chmod=+x", "run.sh"]);
    r.git(&["commit", "-q", "-m", "base"]);
    r
}

/// `git diff --cached` (the reference): (object id, path) of each added, modified or
/// type-changed entry, gitlinks (new mode 160000) and all-zero ids left out as
/// leakguard does.
fn by_git(r: &Repo, env: Env, only: &[&str]) -> Vec<(String, String)> {
    let mut c = r.git_cmd();
    c.envs(env.iter().copied()).args([
        "--literal-pathspecs",
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-renames",
        "--no-abbrev",
        "--diff-filter=AMT",
        "--ignore-submodules=all",
        "--",
    ]);
    let o = c.args(only).output().expect("git runs");
    assert!(o.status.success(), "git diff --cached: {}", err(&o));
    let mut fields = o.stdout.split(|&b| b == 0);
    let mut out = Vec::new();
    while let (Some(meta), Some(path)) = (fields.next().filter(|m| !m.is_empty()), fields.next()) {
        let meta = String::from_utf8_lossy(meta);
        let parts: Vec<&str> = meta.split(' ').collect();
        // What a corrupt index reads as (an all-zero id) is no blob either.
        if parts[1] == "160000" || parts[3].bytes().all(|b| b == b'0') {
            continue;
        }
        out.push((parts[3].to_string(), String::from_utf8_lossy(path).into_owned()));
    }
    out
}

/// `leakguard -vv debug staged`: (object id, path) pairs and the way they were listed.
fn by_leakguard(r: &Repo, env: Env, only: &[&str]) -> (Vec<(String, String)>, String) {
    let mut c = r.lg();
    c.envs(env.iter().copied()).args(["-vv", "debug", "staged", "--"]).args(only);
    let o = c.output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let items = o
        .stdout
        .split(|&b| b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| {
            let s = String::from_utf8_lossy(f);
            let (oid, path) = s.split_once('\t').expect("oid TAB path");
            (oid.to_string(), path.to_string())
        })
        .collect();
    let e = err(&o);
    let source = e
        .lines()
        .find_map(|l| l.split_once("event=staged.source source=").map(|(_, s)| s.split(' ').next().unwrap_or("")))
        .unwrap_or_else(|| panic!("no staged.source in: {e}"))
        .to_string();
    (items, source)
}

/// leakguard's list equals git's (and is not empty unless `expect_empty`), listed by
/// `source`; then a customer list staged on top in this shape is listed and blocked.
fn check(r: &Repo, shape: &str, env: Env, source: &str, expect_empty: bool) {
    let want = by_git(r, env, &[]);
    let (got, how) = by_leakguard(r, env, &[]);
    assert_eq!(got, want, "{shape}: leakguard's staged list differs from git's");
    assert_eq!(want.is_empty(), expect_empty, "{shape}: {want:?}");
    assert_eq!(how, source, "{shape}: listed by {how}");
    let list = format!("zz/lists/{shape}.csv");
    r.write(&list, customer_csv(40));
    let o = r.git_cmd().envs(env.iter().copied()).args(["add", "--", &list]).output().expect("git runs");
    assert!(o.status.success(), "{}", err(&o));
    let (got, how) = by_leakguard(r, env, &[]);
    assert_eq!(got, by_git(r, env, &[]), "{shape} + list");
    assert!(got.iter().any(|(_, p)| *p == list), "{shape}: {got:?}");
    assert_eq!(how, source, "{shape} + list");
    let o = r.lg().envs(env.iter().copied()).args(["hook", "pre-commit"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{shape}: a staged list must be blocked: {}", err(&o));
    assert!(err(&o).contains(&format!("customer-list in {list}")), "{shape}: {}", err(&o));
}

fn paths(items: &[(String, String)]) -> Vec<&str> {
    items.iter().map(|(_, p)| p.as_str()).collect()
}

#[test]
fn staged_list_equals_git_in_simple_shapes() {
    let shapes: &[Shape] = &[
        ("clean", &|_| {}, true),
        (
            "new-file",
            &|r| {
                r.write("new.txt", "new\n");
                r.git(&["add", "new.txt"]);
            },
            false,
        ),
        (
            "modified",
            &|r| {
                r.write("a.txt", "changed\n");
                r.git(&["add", "a.txt"]);
            },
            false,
        ),
        (
            "mode-change",
            &|r| {
                r.git(&["update-index", "--chmod=+x", "a.txt"]);
                r.git(&["update-index", "--chmod=-x", "run.sh"]);
            },
            false,
        ),
        (
            "file-to-symlink",
            &|r| {
                std::fs::remove_file(r.path().join("b.txt")).expect("rm");
                std::os::unix::fs::symlink("a.txt", r.path().join("b.txt")).expect("symlink");
                r.git(&["add", "b.txt"]);
            },
            false,
        ),
        (
            "symlink-retargeted",
            &|r| {
                std::fs::remove_file(r.path().join("link")).expect("rm");
                std::os::unix::fs::symlink("b.txt", r.path().join("link")).expect("symlink");
                r.git(&["add", "link"]);
            },
            false,
        ),
        (
            "deleted",
            &|r| {
                r.git(&["rm", "-q", "d1/h1.txt", "m/one.txt"]);
            },
            true,
        ),
        (
            "file-to-dir",
            &|r| {
                std::fs::remove_file(r.path().join("x")).expect("rm");
                r.write("x/inner.txt", "now a directory\n");
                r.git(&["add", "-A", "x"]);
            },
            false,
        ),
        (
            "dir-to-file",
            &|r| {
                std::fs::remove_dir_all(r.path().join("m")).expect("rm");
                r.write("m", "now a file\n");
                r.git(&["add", "-A", "m"]);
            },
            false,
        ),
        (
            "deep-change",
            &|r| {
                r.write("d1/d2/d3/f3.txt", "deep change\n");
                r.git(&["add", "d1/d2/d3/f3.txt"]);
            },
            false,
        ),
        (
            "soft-reset",
            &|r| {
                // The cache-tree is valid for the newer commit: directories that differ
                // from HEAD must be read, the others skipped.
                r.write("d1/d2/g2.txt", "second\n");
                r.write("e3/f.txt", "second\n");
                r.write("e9/new.txt", "second\n");
                r.git(&["add", "-A"]);
                r.git(&["commit", "-q", "-m", "second"]);
                r.git(&["reset", "-q", "--soft", "HEAD~1"]);
            },
            false,
        ),
        (
            "index-v4",
            &|r| {
                r.git(&["update-index", "--index-version", "4"]);
                r.write("d1/d2/g4.txt", "v4\n");
                r.write("d1/d2/new-with-a-longer-name.txt", "v4\n");
                r.write("e0/f.txt", "v4\n");
                r.git(&["add", "-A"]);
            },
            false,
        ),
        (
            "index-v3-skip-worktree",
            &|r| {
                // Extended flags make git write version 3; a skip-worktree entry's staged
                // change still counts.
                r.git(&["update-index", "--skip-worktree", "e1/f.txt", "b.txt"]);
                let blob = r.blob("staged behind skip-worktree\n");
                r.git(&["update-index", "--cacheinfo", &format!("100644,{blob},b.txt")]);
                r.write("e2/f.txt", "v3\n");
                r.git(&["add", "e2/f.txt"]);
            },
            false,
        ),
        (
            "intent-to-add",
            &|r| {
                r.write("later.txt", "intent to add\n");
                r.write("d1/d2/later.txt", "intent to add\n");
                r.git(&["add", "-N", "later.txt", "d1/d2/later.txt"]);
                r.write("a.txt", "changed\n");
                r.git(&["add", "a.txt"]);
            },
            false,
        ),
        (
            "gitlinks",
            &|r| {
                // A submodule added, a file replaced by a submodule: both skipped.
                let head = r.git(&["rev-parse", "HEAD"]).trim().to_string();
                r.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{head},sub")]);
                r.git(&["update-index", "--cacheinfo", &format!("160000,{head},e4/f.txt")]);
            },
            true,
        ),
        (
            "many-files-config",
            &|r| {
                // feature.manyFiles (index v4, untracked cache: a `UNTR` extension) and
                // index.skipHash (an all-zero trailing checksum).
                r.git(&["config", "feature.manyFiles", "true"]);
                r.git(&["config", "index.skipHash", "true"]);
                r.git(&["update-index", "--untracked-cache"]);
                r.write("untracked.txt", "u\n");
                r.git(&["status", "--porcelain"]);
                r.write("e5/f.txt", "many files\n");
                r.git(&["add", "e5/f.txt"]);
            },
            false,
        ),
        (
            "non-utf8-path",
            &|r| {
                let name = std::ffi::OsStr::from_bytes(b"caf\xe9/na\xefve.csv");
                r.write(name, "plain\n");
                r.git(&["add", "-A"]);
            },
            false,
        ),
    ];
    for (shape, make, empty) in shapes {
        let r = base();
        make(&r);
        check(&r, shape, &[], "index", *empty);
    }
}

#[test]
fn gitlink_replaced_by_a_file_is_listed() {
    let r = base();
    let head = r.git(&["rev-parse", "HEAD"]).trim().to_string();
    r.git(&["update-index", "--add", "--cacheinfo", &format!("160000,{head},sub")]);
    r.git(&["commit", "-q", "-m", "submodule"]);
    r.git(&["update-index", "--force-remove", "sub"]);
    r.write("sub", "a file now\n");
    r.git(&["add", "sub"]);
    let (got, _) = by_leakguard(&r, &[], &[]);
    assert_eq!(paths(&got), ["sub"]);
    check(&r, "gitlink-to-file", &[], "index", false);
}

#[test]
fn unborn_head_lists_every_entry() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.write("d/e/f.txt", "f\n");
    r.git(&["add", "-A"]);
    let (got, _) = by_leakguard(&r, &[], &[]);
    assert_eq!(paths(&got), ["a.txt", "d/e/f.txt"]);
    check(&r, "unborn", &[], "index", false);
}

#[test]
fn conflicts_and_split_indexes_are_left_to_git() {
    // A merge conflict: stages 1-3.
    let r = base();
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("a.txt", "side\n");
    r.git(&["commit", "-q", "-am", "side"]);
    r.git(&["checkout", "-q", "main"]);
    r.write("a.txt", "main\n");
    r.write("d1/h2.txt", "merged cleanly\n");
    r.git(&["commit", "-q", "-am", "main"]);
    r.git(&["checkout", "-q", "side"]);
    r.write("e5/f.txt", "side only\n");
    r.git(&["commit", "-q", "-am", "side 2"]);
    r.git(&["checkout", "-q", "main"]);
    assert!(!r.git_output(&["merge", "-q", "side"]).status.success(), "conflict expected");
    assert!(r.git(&["ls-files", "-u"]).contains("a.txt"));
    check(&r, "conflict", &[], "git", false);

    let r = base();
    r.git(&["update-index", "--split-index"]);
    r.write("a.txt", "split\n");
    r.git(&["add", "a.txt"]);
    check(&r, "split-index", &[], "git", false);
}

#[test]
fn index_named_by_git_index_file() {
    let r = base();
    let tmp = Dir::new();
    let index = tmp.path().join("other-index");
    let index = index.to_str().expect("utf-8 temp path");
    let env: Env = &[("GIT_INDEX_FILE", index)];
    let o = r.git_cmd().envs(env.iter().copied()).args(["read-tree", "HEAD"]).output().expect("git");
    assert!(o.status.success());
    r.write("only-in-other.txt", "other index\n");
    let o = r.git_cmd().envs(env.iter().copied()).args(["add", "only-in-other.txt"]).output().expect("git");
    assert!(o.status.success());
    // The repository's own index has nothing staged.
    assert_eq!(by_leakguard(&r, &[], &[]).0, vec![]);
    assert_eq!(paths(&by_leakguard(&r, env, &[]).0), ["only-in-other.txt"]);
    check(&r, "git-index-file", env, "index", false);
}

#[test]
fn only_names_paths_and_directories_literally() {
    let r = base();
    for p in ["a.txt", "a-b.txt", "d1/h0.txt", "d1/d2/d3/f1.txt", "d1x.txt", "e1/f.txt", "[ab].txt"] {
        r.write(p, "changed\n");
    }
    r.git(&["add", "-A"]);
    for only in [&["d1"][..], &["d1/"], &["a.txt"], &["a.txt", "e1"], &["[ab].txt"], &["nothing"], &["d1/d2/d3/f1.txt"]]
    {
        let (got, how) = by_leakguard(&r, &[], only);
        assert_eq!(got, by_git(&r, &[], only), "only {only:?}");
        assert_eq!(how, "index");
    }
    assert_eq!(paths(&by_leakguard(&r, &[], &["d1"]).0), ["d1/d2/d3/f1.txt", "d1/h0.txt"]);
}

/// The index file with `tail` spliced in before the checksum, and the checksum redone.
fn rewrite_index(r: &Repo, edit: impl Fn(&mut Vec<u8>)) {
    let path = r.path().join(".git/index");
    let mut bytes = std::fs::read(&path).expect("index");
    bytes.truncate(bytes.len() - 20);
    edit(&mut bytes);
    let tmp = r.path().join(".git/index.body");
    std::fs::write(&tmp, &bytes).expect("write");
    let o = std::process::Command::new("sha1sum").arg(&tmp).output().expect("sha1sum runs");
    let hexsum = String::from_utf8_lossy(&o.stdout)[..40].to_string();
    bytes.extend((0..20).map(|i| u8::from_str_radix(&hexsum[2 * i..2 * i + 2], 16).expect("hex")));
    std::fs::remove_file(&tmp).expect("rm");
    std::fs::write(&path, bytes).expect("write");
}

#[test]
fn unknown_optional_extension_is_skipped_and_a_required_one_is_left_to_git() {
    let r = base();
    r.write("d1/new.txt", "new\n");
    r.git(&["add", "d1/new.txt"]);
    rewrite_index(&r, |b| {
        b.extend_from_slice(b"Zzzz");
        b.extend_from_slice(&5u32.to_be_bytes());
        b.extend_from_slice(b"hello");
    });
    check(&r, "optional-extension", &[], "index", false);

    let r = base();
    r.write("d1/new.txt", "new\n");
    r.git(&["add", "d1/new.txt"]);
    rewrite_index(&r, |b| {
        b.extend_from_slice(b"zzzz");
        b.extend_from_slice(&0u32.to_be_bytes());
    });
    // git refuses such an index too: the hook fails closed.
    let o = r.lg().args(["-vv", "hook", "pre-commit"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("reason=\"unknown required index extension\""), "{}", err(&o));
}

#[test]
fn truncated_or_garbage_index_is_left_to_git_without_a_panic() {
    let r = base();
    r.write("exports/q3.csv", customer_csv(40));
    r.git(&["add", "exports/q3.csv"]);
    let path = r.path().join(".git/index");
    let good = std::fs::read(&path).expect("index");
    let cuts = [0, 11, 12, 50, 100, good.len() / 2, good.len() - 21, good.len() - 1];
    for cut in cuts {
        std::fs::write(&path, &good[..cut]).expect("write");
        // Left to git, whose answer stands: an error (then the hook fails closed) or
        // what it reads (git does not verify the checksum either).
        let o = r.lg().args(["-vv", "debug", "staged"]).output().expect("runs");
        assert!(err(&o).contains("event=staged.index_skipped"), "cut at {cut}: {}", err(&o));
        assert!(!err(&o).contains("panicked"), "{}", err(&o));
        let git = r.git_output(&["diff", "--cached", "--raw"]);
        let hook = r.lg().args(["hook", "pre-commit"]).output().expect("runs");
        if git.status.success() {
            let want = by_git(&r, &[], &[]);
            assert_eq!(by_leakguard(&r, &[], &[]).0, want, "cut at {cut}");
            let listed = want.iter().any(|(_, p)| p == "exports/q3.csv");
            assert_eq!(hook.status.code(), Some(if listed { 1 } else { 0 }), "cut at {cut}: {}", err(&hook));
        } else {
            assert_eq!(o.status.code(), Some(3), "cut at {cut}: {}", err(&o));
            assert_eq!(hook.status.code(), Some(3), "cut at {cut}: {}", err(&hook));
        }
    }
    std::fs::write(&path, b"DIRC\0\0\0\x02\xff\xff\xff\xffgarbage garbage garbage garbage").expect("write");
    let o = r.lg().args(["hook", "pre-commit"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    // The trailing checksum is git's to verify: a wrong one still lists in-process.
    let mut bad_sum = good.clone();
    let n = bad_sum.len();
    bad_sum[n - 1] ^= 0xff;
    std::fs::write(&path, &bad_sum).expect("write");
    let o = r.lg().args(["-vv", "hook", "pre-commit"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("staged.source source=index"), "{}", err(&o));
    std::fs::write(&path, &good).expect("write");
    check(&r, "restored", &[], "index", false);
}

/// Plain `git commit` passes `GIT_INDEX_FILE=.git/index` (relative) to its hooks, `-a`
/// and `<path>` an absolute temporary index: every one is read in-process and a staged
/// list is blocked.
#[test]
fn real_commits_list_in_process() {
    use std::os::unix::fs::PermissionsExt;
    let r = base();
    let hook = r.path().join(".git/hooks/pre-commit");
    std::fs::write(&hook, format!("#!/bin/sh\nexec '{}' -vv hook pre-commit\n", lg_path().display())).expect("hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    r.write("d1/d2/list.csv", customer_csv(40));
    r.git(&["add", "d1/d2/list.csv"]);
    r.write("a.txt", customer_csv(40));
    for args in [&["commit", "-q", "-m", "x"][..], &["commit", "-q", "-am", "x"], &["commit", "-q", "-m", "x", "a.txt"]]
    {
        let o = r.git_output(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", err(&o));
        assert!(err(&o).contains("staged.source source=index"), "{args:?}: {}", err(&o));
        assert!(err(&o).contains("customer-list in"), "{args:?}: {}", err(&o));
    }
}
