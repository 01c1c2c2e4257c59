//! #8 "what it must show": the pre-receive hook behind real transports. Each test
//! starts its own server on 127.0.0.1 (a free port, stopped by a guard at the end):
//!
//! - Debian's `sshd` with a throwaway host key and its own config, whose
//!   `authorized_keys` names the pusher per key (`environment="LEAKGUARD_PUSHER=…"`,
//!   allowed by `PermitUserEnvironment`) and forces `git-shell -c
//!   "$SSH_ORIGINAL_COMMAND"`;
//! - `git http-backend` behind lighttpd with basic auth, so `REMOTE_USER` reaches the
//!   hook.
//!
//! Through both, a customer list is rejected (`remote:` lines name the finding, never a
//! value, and the server ref does not move), a clean push is allowed, approvals ride on
//! push options, and the authenticated pusher — as the transport names them — may not
//! approve their own push while two other officers can.
//!
//! A missing server binary fails the test under `CI=true` (`.ci/run` installs
//! `openssh-server lighttpd`), and skips it with a reason otherwise.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

const POLICY: &str = r#"version: 1
roles:
  security-officer: [carol@corp.test, dave@corp.test, frank@corp.test]
approvals:
  allowed_signers: .leakguard/allowed_signers
classes:
  customer-list:
    detect:
      - records: { min_rows: 5, min_distinct_domains: 3 }
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
    override: { approvals: 2, approvers: [security-officer], ttl: 24h }
"#;

/// Is `what` (a path, or a command on PATH) there? Missing: fail under CI, else skip
/// with what to install.
fn have(what: &str, package: &str) -> bool {
    let ok = if what.starts_with('/') {
        Path::new(what).is_file()
    } else {
        Command::new("sh")
            .args(["-c", &format!("command -v {what}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{what} is required under CI (.ci/run installs {package})"
        );
        eprintln!("skipping: {what} is missing (apt-get install -y {package})");
    }
    ok
}

/// Where a command is on PATH.
fn which(cmd: &str) -> PathBuf {
    let o = Command::new("sh").args(["-c", &format!("command -v {cmd}")]).output().expect("sh runs");
    assert!(o.status.success(), "{cmd} not on PATH");
    PathBuf::from(out(&o).trim())
}

/// git's exec path (where `git-http-backend` is).
fn git_exec_path() -> PathBuf {
    let o = Command::new("git").arg("--exec-path").output().expect("git runs");
    PathBuf::from(out(&o).trim())
}

/// A server process of one test, stopped (SIGTERM, then SIGKILL) and reaped on drop.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the server; true when its process is gone.
    fn stop(mut self) -> bool {
        self.terminate();
        let pid = self.child.id();
        !Path::new(&format!("/proc/{pid}")).exists()
    }

    fn terminate(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Starts a server on a free port of 127.0.0.1 (`make(port)` writes its config and
/// returns the command), and waits until it accepts connections and its log says
/// `ready`. Another process may take the port in between: then tries another.
fn listen(name: &'static str, log: &Path, ready: &str, make: impl Fn(u16) -> Command) -> (Daemon, u16) {
    for _ in 0..5 {
        let port = free_port();
        let mut c = make(port);
        let f = File::create(log).expect("log file");
        c.stdin(Stdio::null()).stdout(f.try_clone().expect("dup")).stderr(f);
        let mut d = Daemon { child: c.spawn().unwrap_or_else(|e| panic!("{name} starts: {e}")), log: log.into() };
        let until = Instant::now() + Duration::from_secs(15);
        while Instant::now() < until {
            if d.child.try_wait().ok().flatten().is_some() {
                break;
            }
            if d.log().contains(ready) && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (d, port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{name} did not come up on port {port}: {}", d.log());
        d.terminate();
    }
    panic!("{name} never came up on 127.0.0.1");
}

/// SSH keys (made by the real `ssh-keygen`), used both to log in and to sign approvals.
struct Keys {
    dir: Dir,
}

impl Keys {
    fn new() -> Keys {
        let k = Keys { dir: Dir::new() };
        for name in ["carol", "dave", "frank", "erin", "host"] {
            let o = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                .arg(k.key(name))
                .output()
                .expect("ssh-keygen runs");
            assert!(o.status.success(), "{}", err(&o));
        }
        k
    }

    fn key(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn public(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.key(name).with_extension("pub")).expect("pub key");
        text.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    }

    fn signers(&self) -> String {
        ["carol", "dave", "frank"].iter().map(|w| format!("{w}@corp.test {}\n", self.public(w))).collect()
    }
}

/// A bare repository `project<random>.git` under `root`, with the server's own policy
/// and allowed signers beside it, push options advertised, receive-pack over HTTP
/// enabled, and `leakguard install --hook pre-receive`.
fn served_repo(root: &Path, keys: &Keys) -> Repo {
    std::fs::create_dir_all(root).expect("mkdir");
    let tmp = tempfile::Builder::new().prefix("project").suffix(".git").tempdir_in(root).expect("tempdir");
    let server = Repo { dir: Dir { tmp } };
    server.git(&["init", "-q", "--bare", "-b", "main"]);
    server.git(&["config", "receive.advertisePushOptions", "true"]);
    server.git(&["config", "http.receivepack", "true"]);
    server.write(".leakguard/policy.yaml", POLICY);
    server.write(".leakguard/allowed_signers", keys.signers());
    let o = server.lg().args(["install", "--hook", "pre-receive"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    server
}

/// How a test pushes through one transport as one person.
struct Transport<'a> {
    /// `git push` options and arguments → the push's output, as `who` (a key or a login).
    push: &'a dyn Fn(&Repo, &str, &[&str]) -> Output,
    /// The pusher as the transport names them (`carol@corp.test`, or the login `carol`).
    pusher: &'a dyn Fn(&str) -> String,
    /// The variable the hook reads it from.
    var: &'a str,
}

fn head(r: &Repo) -> String {
    r.git(&["rev-parse", "main"]).trim().to_string()
}

/// The request id a blocked push names.
fn request_id(o: &Output) -> String {
    err(o)
        .split("request: ")
        .nth(1)
        .map(|s| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>())
        .filter(|id| id.starts_with("lgr1-"))
        .unwrap_or_else(|| panic!("a request id in: {}", err(o)))
}

/// The whole story through one transport.
fn scenario(keys: &Keys, server: &Repo, t: &Transport) -> Repo {
    let client = Repo::new();
    client.write(".leakguard/policy.yaml", POLICY);
    client.write(".leakguard/allowed_signers", keys.signers());
    client.write("README.md", "hi\n");
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "policy"]);
    // A clean push is allowed.
    let o = (t.push)(&client, "carol", &[]);
    assert!(o.status.success(), "a clean push must pass: {}", err(&o));
    assert_eq!(head(server), head(&client));
    let clean = head(&client);

    // A customer list is rejected: the finding is named, no value is shown, the ref stays.
    let csv = customer_csv(30);
    client.write("q3.csv", &csv);
    client.git(&["add", "q3.csv"]);
    client.git(&["commit", "-q", "-m", "q3"]);
    let o = (t.push)(&client, "carol", &[]);
    let text = err(&o);
    assert!(!o.status.success(), "{text}");
    assert!(text.contains("remote: ") && text.contains("customer-list in q3.csv"), "{text}");
    assert!(text.contains("remote: leakguard: push rejected by policy"), "{text}");
    assert!(text.contains("pre-receive hook declined"), "{text}");
    for line in csv.lines().skip(1) {
        let email = line.rsplit(',').next().expect("email");
        assert!(!text.contains(email), "value {email} leaked: {text}");
    }
    assert_eq!(head(server), clean, "the server ref moved");
    // The pusher comes from the transport, not from the commits (alice) or the client.
    let carol = (t.pusher)("carol");
    let named = |who: &str| format!("pusher {} (from ${}) may not approve this push", (t.pusher)(who), t.var);
    assert!(text.contains(&named("carol")), "{text}");
    let id = request_id(&o);
    // Another person pushing the same content is named as themselves.
    let o = (t.push)(&client, "dave", &[]);
    assert!(!o.status.success(), "{}", err(&o));
    assert!(err(&o).contains(&named("dave")), "{}", err(&o));
    assert_eq!(request_id(&o), id, "the same blocked content, the same request");

    // Approvers fetch the request the server wrote, and sign it.
    let requests = client.path().join(".git/leakguard/requests");
    std::fs::create_dir_all(&requests).expect("mkdir");
    std::fs::copy(server.path().join(format!("leakguard/requests/{id}.json")), requests.join(format!("{id}.json")))
        .expect("the server wrote the request");
    let sign = |who: &str| {
        let o = client
            .lg()
            .args(["approval", "sign", &id, "--principal", &format!("{who}@corp.test"), "--key"])
            .arg(keys.key(who))
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", err(&o));
    };
    let bundle = || {
        let o = client.lg().args(["approval", "bundle", &id]).output().expect("runs");
        assert!(o.status.success(), "{}", err(&o));
        let option = out(&o).trim().to_string();
        assert!(option.starts_with("leakguard-approval="), "{option}");
        option
    };
    // Carol and dave sign; carol pushes: her own approval does not count.
    sign("carol");
    sign("dave");
    let option = bundle();
    let o = (t.push)(&client, "carol", &["-o", &option]);
    let text = err(&o);
    assert!(!o.status.success(), "carol's own approval must not count: {text}");
    assert!(text.contains(&format!("carol@corp.test authored, committed or pushed the content ({carol})")), "{text}");
    assert!(text.contains("remote: leakguard: approval by dave@corp.test counts (push option"), "{text}");
    assert_eq!(head(server), clean, "the server ref moved");
    // The same bundle pushed by dave: now dave's does not count.
    let o = (t.push)(&client, "dave", &["-o", &option]);
    assert!(!o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains(&format!("dave@corp.test authored, committed or pushed the content ({})", (t.pusher)("dave"))),
        "{}",
        err(&o)
    );
    assert_eq!(head(server), clean, "the server ref moved");
    // Frank signs too: for carol's push, dave and frank are two officers besides her.
    sign("frank");
    let o = (t.push)(&client, "carol", &["-o", &bundle()]);
    let text = err(&o);
    assert!(o.status.success(), "two other officers open the push: {text}");
    assert!(text.contains("remote: leakguard: approval by dave@corp.test counts (push option"), "{text}");
    assert!(text.contains("remote: leakguard: approval by frank@corp.test counts (push option"), "{text}");
    assert_eq!(head(server), head(&client));
    let log = std::fs::read_to_string(server.path().join("leakguard/audit.jsonl")).expect("server audit log");
    assert!(log.contains("\"allow-override\""), "{log}");
    assert!(!log.contains("admin1@"), "a value reached the audit log");
    client
}

/// The user sshd authenticates: ourselves (root in CI).
fn user_name() -> String {
    let o = Command::new("id").arg("-un").output().expect("id runs");
    out(&o).trim().to_string()
}

/// `sshd -D -e` on 127.0.0.1 with its own host key, config and `authorized_keys`: each
/// key of `logins` (a key, and the pusher its `environment=` names, if any) forced
/// through `git-shell`.
fn sshd(dir: &Path, keys: &Keys, logins: &[(&str, Option<&str>)]) -> (Daemon, u16) {
    let git_shell = which("git-shell");
    let mut authorized = String::new();
    for (key, pusher) in logins {
        let env = pusher.map(|p| format!(",environment=\"LEAKGUARD_PUSHER={p}\"")).unwrap_or_default();
        authorized.push_str(&format!(
            "restrict,command=\"{} -c \\\"$SSH_ORIGINAL_COMMAND\\\"\"{env} {}\n",
            git_shell.display(),
            keys.public(key)
        ));
    }
    std::fs::write(dir.join("authorized_keys"), authorized).expect("write");
    if unsafe { libc::geteuid() } == 0 && !Path::new("/run/sshd").is_dir() {
        // sshd running as root wants its privilege separation directory (the service
        // creates it at boot; nothing else does in a container).
        std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
    }
    listen("sshd", &dir.join("sshd.log"), "Server listening on 127.0.0.1", |port| {
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {pid}\n\
                 AuthorizedKeysFile {ak}\nStrictModes no\nUsePAM no\n\
                 PermitUserEnvironment LEAKGUARD_PUSHER\nPubkeyAuthentication yes\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nAllowUsers {user}\nLogLevel VERBOSE\n",
                host = keys.key("host").display(),
                pid = dir.join("sshd.pid").display(),
                ak = dir.join("authorized_keys").display(),
                user = user_name(),
            ),
        )
        .expect("write");
        let mut c = Command::new("/usr/sbin/sshd");
        c.args(["-D", "-e", "-f"]).arg(&config);
        c
    })
}

/// `GIT_SSH_COMMAND` logging in with `who`'s key. It also asks to set
/// `LEAKGUARD_PUSHER` itself: sshd accepts no client variables (no `AcceptEnv`), so the
/// pusher stays what the key's `environment=` says.
fn ssh_command(keys: &Keys, who: &str, port: u16) -> String {
    format!(
        "ssh -F /dev/null -i {} -p {port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
         -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=20 -o LogLevel=ERROR -o SetEnv=LEAKGUARD_PUSHER=frank@corp.test",
        keys.key(who).display()
    )
}

#[test]
fn pushes_over_ssh_are_judged_and_the_key_names_the_pusher() {
    if !have("/usr/sbin/sshd", "openssh-server")
        || !have("ssh", "openssh-client")
        || !have("ssh-keygen", "openssh-client")
        || !have("git-shell", "git")
    {
        return;
    }
    let keys = Keys::new();
    let top = Dir::new();
    let server = served_repo(&top.path().join("srv"), &keys);
    let logins = [("carol", Some("carol@corp.test")), ("dave", Some("dave@corp.test")), ("erin", None)];
    let (sshd, port) = sshd(top.path(), &keys, &logins);
    let url = format!("ssh://{}@127.0.0.1:{port}{}", user_name(), server.path().display());
    // The forced command admits git and nothing else.
    let o = Command::new("sh")
        .args([
            "-c",
            &format!(
                "{} {}@127.0.0.1 touch {}/owned",
                ssh_command(&keys, "carol", port),
                user_name(),
                top.path().display()
            ),
        ])
        .output()
        .expect("ssh runs");
    assert!(!o.status.success() && !top.path().join("owned").exists(), "git-shell must refuse: {}", err(&o));
    assert!(err(&o).contains("unrecognized command 'touch"), "refused by git-shell: {}", err(&o));
    let push = |client: &Repo, who: &str, extra: &[&str]| {
        client
            .git_cmd()
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_SSH_COMMAND", ssh_command(&keys, who, port))
            .arg("push")
            .args(extra)
            .args([url.as_str(), "main"])
            .output()
            .expect("git push runs")
    };
    let pusher = |who: &str| format!("{who}@corp.test");
    let client = scenario(&keys, &server, &Transport { push: &push, pusher: &pusher, var: "LEAKGUARD_PUSHER" });
    // A key without `environment=` names nobody, whatever the client asks to set.
    client.write("q4.csv", customer_csv(31));
    client.git(&["add", "q4.csv"]);
    client.git(&["commit", "-q", "-m", "q4"]);
    let before = head(&server);
    let o = push(&client, "erin", &[]);
    assert!(!o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("remote: leakguard: no authenticated pusher (none of $GL_USERNAME, $GITEA_PUSHER_EMAIL, $GITHUB_USER_LOGIN, $REMOTE_USER, $LEAKGUARD_PUSHER is set)"), "{}", err(&o));
    assert_eq!(head(&server), before, "the server ref moved");
    assert!(sshd.log().contains("Accepted publickey"), "{}", sshd.log());
    assert!(sshd.stop(), "sshd still running");
}

/// lighttpd serving `git http-backend` under `/git/` with basic auth (a plain user file).
fn lighttpd(dir: &Path, project_root: &Path, users: &[(&str, &str)]) -> (Daemon, u16) {
    let www = dir.join("www");
    std::fs::create_dir_all(&www).expect("mkdir");
    let users_file = dir.join("users");
    std::fs::write(&users_file, users.iter().map(|(u, p)| format!("{u}:{p}\n")).collect::<String>()).expect("write");
    let backend = git_exec_path().join("git-http-backend");
    let errorlog = dir.join("lighttpd.log");
    listen("lighttpd", &errorlog, "server started", |port| {
        let config = dir.join("lighttpd.conf");
        std::fs::write(
            &config,
            format!(
                r#"server.document-root = "{www}"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{errorlog}"
server.modules = ( "mod_auth", "mod_authn_file", "mod_alias", "mod_setenv", "mod_cgi" )
alias.url = ( "/git/" => "{backend}/" )
$HTTP["url"] =~ "^/git/" {{
  cgi.assign = ( "" => "" )
  setenv.add-environment = ( "GIT_PROJECT_ROOT" => "{root}", "GIT_HTTP_EXPORT_ALL" => "" )
}}
auth.backend = "plain"
auth.backend.plain.userfile = "{users}"
auth.require = ( "/git/" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )
"#,
                www = www.display(),
                errorlog = errorlog.display(),
                backend = backend.display(),
                root = project_root.display(),
                users = users_file.display(),
            ),
        )
        .expect("write");
        let mut c = Command::new("/usr/sbin/lighttpd");
        c.args(["-D", "-f"]).arg(&config);
        c
    })
}

#[test]
fn pushes_over_smart_http_are_judged_and_remote_user_names_the_pusher() {
    if !have("/usr/sbin/lighttpd", "lighttpd")
        || !have(&git_exec_path().join("git-http-backend").display().to_string(), "git")
    {
        return;
    }
    let keys = Keys::new();
    let top = Dir::new();
    let root = top.path().join("srv");
    let server = served_repo(&root, &keys);
    let (web, port) = lighttpd(top.path(), &root, &[("carol", "carol-pw"), ("dave", "dave-pw")]);
    let name = server.path().file_name().expect("name").to_string_lossy().into_owned();
    // Without credentials the server refuses.
    let anon = Repo::new();
    let o = anon
        .git_cmd()
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(["ls-remote", &format!("http://127.0.0.1:{port}/git/{name}")])
        .output()
        .expect("git runs");
    assert!(!o.status.success(), "basic auth is required: {}", err(&o));
    let push = |client: &Repo, who: &str, extra: &[&str]| {
        let url = format!("http://{who}:{who}-pw@127.0.0.1:{port}/git/{name}");
        let o = client
            .git_cmd()
            .env("GIT_TERMINAL_PROMPT", "0")
            .arg("push")
            .args(extra)
            .args([url.as_str(), "main"])
            .output()
            .expect("git push runs");
        assert!(!err(&o).contains(&format!("{who}-pw")), "the password was shown: {}", err(&o));
        o
    };
    let pusher = |who: &str| who.to_string();
    scenario(&keys, &server, &Transport { push: &push, pusher: &pusher, var: "REMOTE_USER" });
    assert!(web.stop(), "lighttpd still running");
}
