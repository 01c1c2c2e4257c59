//! Fixtures shared by the integration tests: the binary with a clean, fixed
//! environment (no colour, fixed width, no user policy), temporary git repositories
//! driven through the real `git` CLI, and generated customer lists.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub use assert_cmd::Command;
pub use tempfile::TempDir;

/// The leakguard binary with a deterministic environment.
pub fn lg() -> Command {
    Command::from_std(lg_std())
}

/// The same, as a plain `std::process::Command` (to spawn and interact).
pub fn lg_std() -> std::process::Command {
    let mut c = std::process::Command::new(lg_path());
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("LEAKGUARD_")
            || k.starts_with("GIT_")
            || k == "PRE_COMMIT_FROM_REF"
            || k == "PRE_COMMIT_TO_REF"
        {
            c.env_remove(&k);
        }
    }
    c.env("NO_COLOR", "1").env("COLUMNS", "100").env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null");
    c
}

/// Path of the built binary (for hook shims and PATH).
pub fn lg_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("leakguard")
}

/// stdout as text.
pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Replaces run-dependent parts (timings, temp paths) for snapshots.
pub fn stable(s: &str, tmp: &Path) -> String {
    let s = s.replace(&tmp.display().to_string(), "[TMP]");
    let re = regex::Regex::new(r"in \d+ ms").expect("static regex");
    let s = re.replace_all(&s, "in [T] ms").into_owned();
    let re = regex::Regex::new(r#""elapsed_ms": \d+"#).expect("static regex");
    re.replace_all(&s, r#""elapsed_ms": 0"#).into_owned()
}

/// A temporary directory with files.
pub struct Dir {
    pub tmp: TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir { tmp: tempfile::tempdir().expect("tempdir") }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn write(&self, rel: impl AsRef<Path>, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.tmp.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, data).expect("write");
        p
    }
}

/// A temporary git repository driven through the real `git` CLI.
pub struct Repo {
    pub dir: Dir,
}

impl Repo {
    /// `git init` with a fixed identity and no global or system config.
    pub fn new() -> Repo {
        let r = Repo { dir: Dir::new() };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.email", "alice@corp.test"]);
        r.git(&["config", "user.name", "Alice"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r
    }

    /// A bare repository.
    pub fn bare() -> Repo {
        let r = Repo { dir: Dir::new() };
        r.git(&["init", "-q", "--bare", "-b", "main"]);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: impl AsRef<Path>, data: impl AsRef<[u8]>) -> PathBuf {
        self.dir.write(rel, data)
    }

    /// A `git` command in this repository with a clean environment.
    pub fn git_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new("git");
        c.current_dir(self.path());
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("GIT_") || k.starts_with("LEAKGUARD_") {
                c.env_remove(&k);
            }
        }
        c.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100");
        c
    }

    /// Runs git and asserts success; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let o = self.git_cmd().args(args).output().expect("git runs");
        assert!(o.status.success(), "git {args:?} failed: {}", err(&o));
        out(&o)
    }

    /// Runs git with `input` on stdin and asserts success; returns stdout, trimmed.
    pub fn git_in(&self, args: &[&str], input: &[u8]) -> String {
        use std::io::Write;
        let mut child = self
            .git_cmd()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("git runs");
        child.stdin.take().expect("stdin").write_all(input).expect("write stdin");
        let o = child.wait_with_output().expect("git runs");
        assert!(o.status.success(), "git {args:?} failed: {}", err(&o));
        out(&o).trim().to_string()
    }

    /// Writes a blob, returns its id.
    pub fn blob(&self, data: impl AsRef<[u8]>) -> String {
        self.git_in(&["hash-object", "-w", "--stdin"], data.as_ref())
    }

    /// Writes a tree object exactly as given, with names git itself would refuse
    /// (absolute paths, `..`, `/` inside): `(mode, name bytes, object id)` entries,
    /// through `git hash-object -t tree --literally`. Returns its id.
    pub fn raw_tree(&self, entries: &[(&str, &[u8], &str)]) -> String {
        let mut raw = Vec::new();
        for (mode, name, oid) in entries {
            raw.extend_from_slice(mode.as_bytes());
            raw.push(b' ');
            raw.extend_from_slice(name);
            raw.push(0);
            raw.extend((0..oid.len() / 2).map(|i| u8::from_str_radix(&oid[2 * i..2 * i + 2], 16).expect("hex")));
        }
        self.git_in(&["hash-object", "-t", "tree", "--literally", "-w", "--stdin"], &raw)
    }

    /// A commit of `tree` on top of `parent` (if any), written without touching a ref.
    pub fn commit_tree(&self, tree: &str, parent: Option<&str>, msg: &str) -> String {
        let mut args = vec!["commit-tree", tree, "-m", msg];
        if let Some(p) = parent {
            args.extend(["-p", p]);
        }
        self.git(&args).trim().to_string()
    }

    /// Runs git, whatever the outcome.
    pub fn git_output(&self, args: &[&str]) -> Output {
        self.git_cmd().args(args).output().expect("git runs")
    }

    /// leakguard run inside this repository.
    pub fn lg(&self) -> Command {
        let mut c = lg();
        c.current_dir(self.path());
        c
    }
}

/// A bare server repository with the pre-receive hook installed, and a clone that has
/// pushed one clean commit to `main`.
pub fn server_and_clone() -> (Repo, Repo) {
    let server = Repo::bare();
    let o = server.lg().args(["install", "--hook", "pre-receive"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let client = clone_of(&server);
    (server, client)
}

/// A new repository with `server` as `origin` and one clean commit pushed to `main`.
pub fn clone_of(server: &Repo) -> Repo {
    let client = Repo::new();
    client.git(&["remote", "add", "origin", &format!("file://{}", server.path().display())]);
    client.write("README.md", "hi\n");
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "init"]);
    let o = client.git_output(&["push", "-q", "origin", "main"]);
    assert!(o.status.success(), "{}", err(&o));
    client
}

/// The first request id (`lgr1-…`) in a text.
pub fn request_id_in(text: &str) -> Option<String> {
    let at = text.find("lgr1-")?;
    Some(text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect())
}

/// `leakguard approval sign ID --principal P --approvals DIR --key KEY` in `r`.
pub fn sign_into(r: &Repo, id: &str, principal: &str, approvals: &str, key: &Path) -> Output {
    r.lg()
        .args(["approval", "sign", id, "--principal", principal, "--approvals", approvals, "--key"])
        .arg(key)
        .output()
        .expect("runs")
}

/// Invented company names and domains, deterministic.
pub fn company(i: usize) -> (String, String) {
    const A: &[&str] =
        &["bright", "kestrel", "norv", "quill", "tarn", "umber", "vel", "wex", "yar", "zen", "alder", "brisk"];
    const B: &[&str] = &["falcon", "mark", "ale", "on", "wick", "freight", "ora", "ford", "row", "ith", "gate", "moor"];
    const T: &[&str] = &["io", "de", "co.uk", "com", "ai", "fr", "nl", "ch"];
    let (a, b, t) = (A[i % A.len()], B[(i / A.len()) % B.len()], T[(i / 7) % T.len()]);
    let name = format!("{}{} {}", a[..1].to_uppercase(), &a[1..], ["Analytics", "Systems", "Foods", "Labs"][i % 4]);
    (name, format!("{a}{b}{}.{t}", i / (A.len() * B.len())))
}

/// A customer list CSV with `rows` rows (header company,group,admin_email).
pub fn customer_csv(rows: usize) -> String {
    let mut s = String::from("company,group,admin_email\n");
    for i in 0..rows {
        let (name, domain) = company(i);
        s.push_str(&format!("{name},premium-{},admin{i}@{domain}\n", ["eu", "us", "apac"][i % 3]));
    }
    s
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `pre-commit` from PATH; required on CI (the CI script installs it into a venv).
pub fn pre_commit_available() -> bool {
    let ok = std::process::Command::new("pre-commit").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "pre-commit must be on PATH in CI");
        eprintln!("skipped: pre-commit is not on PATH (pip install pre-commit)");
    }
    ok
}

/// (rule, path, evidence) of every finding of a builtin-pack scan, and the whole output.
pub fn findings(d: &Dir) -> (Vec<(String, String, String)>, String) {
    let o = lg()
        .current_dir(d.path())
        .args(["--policy", "builtin", "scan", ".", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}: {}", err(&o)));
    let list = v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
                    (s("rule"), s("path"), f["evidence"].to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    (list, out(&o))
}
