//! #9 item 4: uploads through `leakguard exec` against a real HTTP server on 127.0.0.1
//! (a python `http.server` subclass started here that stores every POST/PUT body):
//! every recipe's file-argument conventions, blocked uploads deliver zero bytes
//! (counted on the server), an approved upload arrives byte-identical, a replayed
//! single-use approval is refused. curl, wget, rsync and scp are the real tools; the
//! cloud CLIs (aws, gsutil, gcloud, rclone, az) and sftp are stand-ins that POST every
//! local file their argv names, so what is tested is leakguard's reading of their argv.

use std::io::{BufRead, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::util::*;

const SERVER: &str = r#"
import http.server, os, sys, threading, uuid
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def _store(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            body = b''
            while True:
                size = int(self.rfile.readline().strip().split(b';')[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        name = os.path.join(d, uuid.uuid4().hex)
        with open(name + '.tmp', 'wb') as f:
            f.write(body)
        os.rename(name + '.tmp', name + '.body')
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')
    do_POST = _store
    do_PUT = _store
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

/// Stand-in for cloud CLIs and sftp: POSTs every local file its argv names (values
/// after `=`, attached to `-f`, directories walked following symlinks, `-` = stdin,
/// `-b FILE` = an sftp batch whose `put` lines name files) to $UPLOAD_URL.
const STANDIN: &str = r#"#!/usr/bin/env python3
import os, sys, urllib.request
url = os.environ['UPLOAD_URL']
def send(data):
    urllib.request.urlopen(urllib.request.Request(url, data=data, method='POST')).read()
def path(p):
    if os.path.isdir(p):
        for root, dirs, files in os.walk(p, followlinks=True):
            for f in files:
                send(open(os.path.join(root, f), 'rb').read())
    elif os.path.isfile(p):
        send(open(p, 'rb').read())
args = sys.argv[1:]
i = 0
while i < len(args):
    a = args[i]
    if a == '-b':
        i += 1
        for line in open(args[i]):
            w = line.split()
            if w and w[0] == 'put':
                path(w[1])
    elif a == '-':
        send(sys.stdin.buffer.read())
    elif a.startswith('-') and '=' in a:
        path(a.split('=', 1)[1])
    elif a.startswith('-f') and len(a) > 2:
        path(a[2:])
    else:
        path(a)
    i += 1
"#;

/// Is a tool there? Missing: fail under CI, else skip with a reason.
pub(crate) fn have(tool: &str) -> bool {
    let ok = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{tool} is required under CI (.ci/run installs it)");
        eprintln!("skipping: {tool} is not installed");
    }
    ok
}

struct Server {
    child: Child,
    url: String,
    dir: Dir,
}

impl Server {
    fn start() -> Server {
        let dir = Dir::new();
        dir.write("server.py", SERVER);
        std::fs::create_dir_all(dir.path().join("bodies")).expect("mkdir");
        let mut child = std::process::Command::new("python3")
            .arg(dir.path().join("server.py"))
            .arg(dir.path().join("bodies"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("port");
        let port: u16 = line.trim().parse().expect("a port");
        Server { child, url: format!("http://127.0.0.1:{port}/up"), dir }
    }

    /// Every body received so far.
    fn bodies(&self) -> Vec<Vec<u8>> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("bodies"))
            .expect("bodies")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "body"))
            .collect();
        v.sort();
        v.iter().map(|p| std::fs::read(p).expect("body")).collect()
    }

    fn bytes(&self) -> usize {
        self.bodies().iter().map(Vec::len).sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) const RECIPE_ACTIONS: &str = r#"actions:
  curl-upload: { command: ["curl", "**"], sends: { recipe: curl, destination: partner-drop } }
  wget-upload: { command: ["wget", "**"], sends: { recipe: wget, destination: partner-drop } }
  rsync-upload: { command: ["rsync", "**"], sends: { recipe: rsync, destination: partner-drop } }
  scp-upload: { command: ["scp", "**"], sends: { recipe: scp, destination: partner-drop } }
  sftp-upload: { command: ["sftp", "**"], sends: { recipe: sftp, destination: partner-drop } }
  aws-upload: { command: ["aws", "s3", "**"], sends: { recipe: aws, destination: partner-drop } }
  gsutil-upload: { command: ["gsutil", "**"], sends: { recipe: gsutil, destination: partner-drop } }
  gcloud-upload: { command: ["gcloud", "storage", "**"], sends: { recipe: gcloud, destination: partner-drop } }
  rclone-upload: { command: ["rclone", "**"], sends: { recipe: rclone, destination: partner-drop } }
  az-upload: { command: ["az", "storage", "blob", "**"], sends: { recipe: az, destination: partner-drop } }
"#;

struct Up {
    dir: Dir,
    server: Server,
}

impl Up {
    fn new(signers: &str) -> Up {
        Up::with(signers, "")
    }

    /// `override_extra`: more keys of the rule's override (`, reason: required`).
    fn with(signers: &str, override_extra: &str) -> Up {
        let dir = Dir::new();
        dir.write("allowed_signers", signers);
        dir.write(
            "policy.yaml",
            format!(
                r#"version: 1
roles:
  security-officer: [carol@corp.test, dave@corp.test]
approvals:
  allowed_signers: allowed_signers
classes:
  customer-list:
    detect:
      - records: {{ min_rows: 5, fields: [email], min_distinct_domains: 3 }}
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
    override: {{ approvals: 2, approvers: [security-officer], ttl: 24h{override_extra} }}
{RECIPE_ACTIONS}"#
            ),
        );
        dir.write("q.csv", customer_csv(60));
        dir.write("readme.txt", "release notes, nothing else\n");
        dir.write("dir/sub/notes.txt", "hello\n");
        std::os::unix::fs::symlink(dir.path().join("q.csv"), dir.path().join("dir/sub/linked.csv")).expect("symlink");
        dir.write("batch", "cd incoming\nput q.csv\n");
        std::fs::create_dir_all(dir.path().join("drop")).expect("mkdir");
        for tool in ["aws", "gsutil", "gcloud", "rclone", "az", "sftp"] {
            let p = dir.write(format!("bin/{tool}"), STANDIN);
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        Up { dir, server: Server::start() }
    }

    fn cmd(&self, args: &[&str]) -> std::process::Command {
        self.cmd_with(&[], args)
    }

    /// With options of `exec` (`--reason TEXT`) before `--`.
    fn run_with(&self, opts: &[&str], args: &[&str]) -> std::process::Output {
        self.cmd_with(opts, args).stdin(Stdio::null()).output().expect("runs")
    }

    fn cmd_with(&self, opts: &[&str], args: &[&str]) -> std::process::Command {
        let mut c = lg_std();
        for k in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            c.env_remove(k);
        }
        c.current_dir(self.dir.path())
            .env(
                "PATH",
                format!("{}:{}", self.dir.path().join("bin").display(), std::env::var("PATH").unwrap_or_default()),
            )
            .env("HOME", self.dir.path())
            .env("no_proxy", "127.0.0.1")
            .env("UPLOAD_URL", &self.server.url)
            .env("LEAKGUARD_ACTOR", "alice@corp.test")
            .args(["--policy", "policy.yaml", "exec", "--requests", "req", "--approvals", "appr"])
            .args(opts)
            .arg("--")
            .args(args);
        c
    }

    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
        let mut c = self.cmd(args);
        c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(data) = stdin {
            let _ = input.write_all(data);
        }
        drop(input);
        child.wait_with_output().expect("wait")
    }

    fn drop_bytes(&self) -> u64 {
        fn size(p: &Path) -> u64 {
            std::fs::read_dir(p)
                .map(|r| {
                    r.flatten()
                        .map(|e| {
                            let m = e.metadata().expect("md");
                            if m.is_dir() {
                                size(&e.path())
                            } else {
                                m.len()
                            }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        size(&self.dir.path().join("drop"))
    }
}

#[test]
fn every_recipe_blocks_a_customer_list_before_a_byte_leaves() {
    if !have("python3") || !have("curl") {
        return;
    }
    let up = Up::new("");
    let url = up.server.url.clone();
    let list = customer_csv(60);
    let mut cases: Vec<(Vec<String>, bool)> = Vec::new();
    let c = |s: &str| -> Vec<String> { s.split(' ').map(|w| w.replace("URL", &url)).collect() };
    for shape in [
        "curl -s -T q.csv URL",
        "curl -s -Tq.csv URL",
        "curl -sST q.csv URL",
        "curl -s --upload-file q.csv URL",
        "curl -s --upload-file=q.csv URL",
        "curl -s -F file=@q.csv;type=text/csv URL",
        "curl -s -F file=<q.csv URL",
        "curl -s -Ffile=@q.csv URL",
        "curl -s --form file=@q.csv URL",
        "curl -s --data-binary @q.csv URL",
        "curl -s -d @q.csv URL",
        "curl -s -d@q.csv URL",
        "curl -s --data @q.csv URL",
        "curl -s --data-urlencode rows@q.csv URL",
        "curl -s -T dir/sub/linked.csv URL",
        "env LANG=C curl -s -T q.csv URL",
        "curl -s -K cfg URL",
    ] {
        cases.push((c(shape), false));
    }
    up.dir.write("cfg", "upload-file = \"q.csv\"\n");
    // A FIFO (what `<(cat q.csv)` gives the tool) cannot be scanned ahead: it does not go.
    let fifo = std::ffi::CString::new(up.dir.path().join("pipe").to_str().expect("utf8")).expect("cstr");
    // SAFETY: mkfifo with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    cases.push((c("curl -s -T pipe URL"), false));
    // stdin uploads: captured and scanned first.
    cases.push((c("curl -s -T - URL"), true));
    cases.push((c("curl -s --data-binary @- URL"), true));
    if have("wget") {
        for shape in [
            "wget -q -O /dev/null --post-file=q.csv URL",
            "wget -q -O /dev/null --post-file q.csv URL",
            "wget -q -O /dev/null --method=PUT --body-file=q.csv URL",
        ] {
            cases.push((c(shape), false));
        }
    }
    for shape in [
        "aws s3 cp q.csv s3://bucket/q.csv",
        "aws --profile x s3 cp dir s3://bucket/ --recursive",
        "aws s3 sync dir s3://bucket/",
        "gsutil -m cp q.csv gs://bucket/",
        "gcloud storage cp q.csv gs://bucket/",
        "rclone copy dir remote:drop",
        "az storage blob upload --file q.csv -c drop -n q.csv",
        "az storage blob upload -fq.csv -c drop -n q.csv",
        "sftp -b batch partner@127.0.0.1",
    ] {
        cases.push((c(shape), false));
    }
    cases.push((c("aws s3 cp - s3://bucket/q.csv"), true));
    for (argv, stdin) in &cases {
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let o = up.run(&args, stdin.then_some(list.as_bytes()));
        assert_eq!(o.status.code(), Some(77), "{argv:?} was not blocked: {}", err(&o));
        assert_eq!(up.server.bytes(), 0, "{argv:?} delivered bytes to the server");
    }
    // Real rsync and scp into a local drop directory (their remote forms parse alike).
    for (tool, shape) in
        [("rsync", "rsync q.csv drop/"), ("rsync", "rsync -a -L dir/ drop/"), ("scp", "scp q.csv drop/x.csv")]
    {
        if !have(tool) {
            continue;
        }
        let args: Vec<&str> = shape.split(' ').collect();
        let o = up.run(&args, None);
        assert_eq!(o.status.code(), Some(77), "{shape}: {}", err(&o));
        assert_eq!(up.drop_bytes(), 0, "{shape} copied bytes");
    }
    // Control: the same commands without leakguard do deliver (the setup can see a leak).
    for shape in ["curl -s -F file=@q.csv URL", "sftp -b batch partner@127.0.0.1", "az storage blob upload -fq.csv"] {
        let before = up.server.bytes();
        let argv = c(shape);
        let st = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .current_dir(up.dir.path())
            .env(
                "PATH",
                format!("{}:{}", up.dir.path().join("bin").display(), std::env::var("PATH").unwrap_or_default()),
            )
            .env("UPLOAD_URL", &url)
            .env("no_proxy", "127.0.0.1")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .output()
            .expect("runs");
        assert!(st.status.success(), "{shape}: {}", err(&st));
        assert!(up.server.bytes() > before + list.len() / 2, "control {shape} delivered nothing");
    }
    std::fs::remove_dir_all(up.server.dir.path().join("bodies")).expect("rm");
    std::fs::create_dir_all(up.server.dir.path().join("bodies")).expect("mkdir");
    // Harmless content goes through, byte-identical (stdin too, passed on after the scan).
    let o = up.run(&["curl", "-s", "-T", "readme.txt", &url], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = up.run(&["curl", "-s", "--data-binary", "@-", &url], Some(b"just a note\n"));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let mut bodies = up.server.bodies();
    bodies.sort();
    let mut want = vec![b"just a note\n".to_vec(), b"release notes, nothing else\n".to_vec()];
    want.sort();
    assert_eq!(bodies, want);
    if have("rsync") {
        let o = up.run(&["rsync", "readme.txt", "drop/"], None);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert_eq!(
            std::fs::read(up.dir.path().join("drop/readme.txt")).expect("copied"),
            b"release notes, nothing else\n"
        );
    }
}

pub(crate) fn make_keys() -> Dir {
    let keys = Dir::new();
    for who in ["carol", "dave"] {
        let o = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", who, "-f"])
            .arg(keys.path().join(who))
            .output()
            .expect("ssh-keygen");
        assert!(o.status.success());
    }
    keys
}

pub(crate) fn signers(keys: &Dir) -> String {
    let public = |who: &str| {
        let t = std::fs::read_to_string(keys.path().join(format!("{who}.pub"))).expect("pub");
        t.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    };
    format!("carol@corp.test {}\ndave@corp.test {}\n", public("carol"), public("dave"))
}

fn sign(up: &Up, keys: &Dir, request: &Path, who: &str) -> std::process::Output {
    lg().current_dir(up.dir.path())
        .args(["--policy", "policy.yaml", "approval", "sign"])
        .arg(request)
        .args(["--principal", &format!("{who}@corp.test"), "--approvals", "appr", "--key"])
        .arg(keys.path().join(who))
        .output()
        .expect("runs")
}

fn requests(up: &Up) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(up.dir.path().join("req")).expect("req").flatten().map(|e| e.path()).collect();
    v.sort();
    v
}

#[test]
fn an_approved_upload_arrives_byte_identical_once() {
    if !have("python3") || !have("curl") || !have("ssh-keygen") {
        return;
    }
    let keys = make_keys();
    let up = Up::new(&signers(&keys));
    let url = up.server.url.clone();
    let argv = ["curl", "-s", "-T", "q.csv", url.as_str()];
    let o = up.run(&argv, None);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert_eq!(up.server.bytes(), 0);
    let req = requests(&up);
    assert_eq!(req.len(), 1);
    for who in ["carol", "dave"] {
        let o = sign(&up, &keys, &req[0], who);
        assert!(o.status.success(), "{}", err(&o));
    }
    let o = up.run(&argv, None);
    assert_eq!(o.status.code(), Some(0), "approved: {}", err(&o));
    assert_eq!(up.server.bodies(), vec![customer_csv(60).into_bytes()], "not byte-identical");
    // The user's own state directory holds the record: leakguard says so.
    assert!(err(&o).contains("single use not enforced here"), "{}", err(&o));
    let o = up.run(&argv, None);
    assert_eq!(o.status.code(), Some(77), "replayed: {}", err(&o));
    assert!(err(&o).contains("single-use"), "{}", err(&o));
    assert_eq!(up.server.bodies().len(), 1, "the replay delivered bytes");
}

/// #9 item 7: a rule with `reason: required` cannot be signed without one;
/// `exec --reason` and `approval request ID --reason` give it.
#[test]
fn a_required_reason_is_enforced_for_exec_requests() {
    if !have("python3") || !have("curl") || !have("ssh-keygen") {
        return;
    }
    let keys = make_keys();
    let up = Up::with(&signers(&keys), ", reason: required");
    let url = up.server.url.clone();
    let argv = ["curl", "-s", "-T", "q.csv", url.as_str()];
    assert_eq!(up.run(&argv, None).status.code(), Some(77));
    let req = requests(&up);
    let o = sign(&up, &keys, &req[0], "carol");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("asks for a reason"), "{}", err(&o));
    assert!(!up.dir.path().join("appr").exists(), "a signature was written");
    // Signed past leakguard with plain ssh-keygen, the reasonless request still does not count.
    let id0 = req[0].file_stem().expect("stem").to_string_lossy().into_owned();
    for who in ["carol", "dave"] {
        let o = std::process::Command::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", "leakguard-approval", "-f"])
            .arg(keys.path().join(who))
            .arg(&req[0])
            .output()
            .expect("ssh-keygen");
        assert!(o.status.success(), "{}", err(&o));
        let dir = up.dir.path().join("appr").join(&id0);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::rename(req[0].with_extension("json.sig"), dir.join(format!("{who}@corp.test.sig"))).expect("mv");
    }
    let o = up.run(&argv, None);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(err(&o).contains("gives no reason and rule customer-lists-stay-in-stores requires one"), "{}", err(&o));
    assert_eq!(up.server.bytes(), 0);
    std::fs::remove_dir_all(up.dir.path().join("appr")).expect("rm");
    // The requester re-issues the request with a reason (no git repository here).
    let id = req[0].file_stem().expect("stem").to_string_lossy().into_owned();
    let o = lg()
        .current_dir(up.dir.path())
        .env("LEAKGUARD_ACTOR", "alice@corp.test")
        .args(["--policy", "policy.yaml", "approval", "request", &id, "--reason", "ticket 4711", "--requests", "req"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(std::fs::read_to_string(&req[0]).expect("req").contains("ticket 4711"));
    for who in ["carol", "dave"] {
        let o = sign(&up, &keys, &req[0], who);
        assert!(o.status.success(), "{}", err(&o));
    }
    let o = up.run(&argv, None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(up.server.bodies().len(), 1);
    // `exec --reason` writes the reason into the request of a new step.
    up.dir.write("r.csv", customer_csv(30));
    let o = up.run(&["curl", "-s", "-T", "r.csv", url.as_str()], None);
    assert_eq!(o.status.code(), Some(77));
    let before: Vec<PathBuf> = requests(&up);
    let o = up.run_with(&["--reason", "quarterly audit"], &["curl", "-s", "-T", "r.csv", url.as_str()]);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert_eq!(requests(&up), before, "the same request id");
    let texts: Vec<String> = requests(&up).iter().map(|p| std::fs::read_to_string(p).expect("req")).collect();
    assert!(texts.iter().any(|t| t.contains("quarterly audit")), "the reason was not written");
}

/// #9 item 6: outside a repository, `exec` reads the system policy
/// (`$LEAKGUARD_SYSTEM_POLICY_DIR`, standing in for /etc/leakguard) and the user's
/// (`$XDG_CONFIG_HOME/leakguard`); with no action at all it says so, once.
#[test]
fn exec_finds_the_system_and_user_policies_outside_a_repository() {
    if !have("python3") || !have("curl") {
        return;
    }
    let server = Server::start();
    let sys = Dir::new();
    sys.write(
        "org.yaml",
        r#"version: 1
classes:
  customer-list:
    detect:
      - records: { min_rows: 5, fields: [email], min_distinct_domains: 3 }
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
actions:
  curl-upload: { command: ["curl", "**"], sends: { recipe: curl, destination: partner-drop } }
"#,
    );
    let home = Dir::new();
    home.write(
        "config/leakguard/mine.yaml",
        "version: 1\nactions:\n  wget-upload: { command: [\"wget\", \"**\"], sends: { recipe: wget, destination: partner-drop } }\n",
    );
    let work = Dir::new();
    work.write("q.csv", customer_csv(40));
    let run = |system: &Path, args: &[&str]| {
        let mut c = lg_std();
        for k in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
            c.env_remove(k);
        }
        c.current_dir(work.path())
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("LEAKGUARD_SYSTEM_POLICY_DIR", system)
            .env("no_proxy", "127.0.0.1")
            .arg("exec")
            .arg("--")
            .args(args)
            .output()
            .expect("runs")
    };
    let o = run(sys.path(), &["curl", "-s", "-T", "q.csv", &server.url]);
    assert_eq!(o.status.code(), Some(77), "the system policy was not read: {}", err(&o));
    if have("wget") {
        let o = run(sys.path(), &["wget", "-q", "-O", "/dev/null", "--post-file=q.csv", &server.url]);
        assert_eq!(o.status.code(), Some(77), "the user's policy was not read: {}", err(&o));
    }
    assert_eq!(server.bytes(), 0);
    // A `--policy` does not leave the system policy out.
    let own = work.write("own.yaml", "version: 1\n");
    let mut c = lg_std();
    let o = c
        .current_dir(work.path())
        .env("HOME", home.path())
        .env("LEAKGUARD_SYSTEM_POLICY_DIR", sys.path())
        .env("no_proxy", "127.0.0.1")
        .env_remove("http_proxy")
        .arg("--policy")
        .arg(&own)
        .args(["exec", "--", "curl", "-s", "-T", "q.csv", &server.url])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert_eq!(server.bytes(), 0);
    // No policy declares an action: exec says so once, and runs the command.
    let empty = Dir::new();
    let o = lg_std()
        .current_dir(work.path())
        .env("HOME", empty.path())
        .env("XDG_CONFIG_HOME", empty.path())
        .env("LEAKGUARD_SYSTEM_POLICY_DIR", empty.path())
        .args(["exec", "--", "sh", "-c", "echo ran"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(out(&o), "ran\n");
    assert_eq!(err(&o).matches("declares no actions").count(), 1, "{}", err(&o));
}
