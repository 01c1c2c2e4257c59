//! #9 item 5: single-use exec approvals recorded where the actor cannot reset them, with
//! two real local users: root prepares `settings.state_dir` (root:GROUP 0770, the log
//! pre-created 0660) and a setgid-GROUP copy of leakguard; a user outside the group runs
//! the upload through it (via `setpriv`), cannot truncate the log, and cannot replay the
//! approval; with a state directory the user owns, leakguard says single use is not
//! enforced. Needs root (`useradd`); skipped with a reason otherwise (fails under CI).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

struct Users {
    user: String,
    group: String,
}

impl Drop for Users {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.user).output();
        let _ = Command::new("groupdel").arg(&self.group).output();
        let _ = Command::new("groupdel").arg(&self.user).output();
    }
}

fn sh(cmd: &mut Command) -> String {
    let o = cmd.output().expect("runs");
    assert!(o.status.success(), "{cmd:?}: {}", err(&o));
    out(&o)
}

fn id(user: &str, flag: &str) -> String {
    sh(Command::new("id").args([flag, user])).trim().to_string()
}

#[test]
fn a_single_use_approval_cannot_be_replayed_by_a_user_outside_the_service_group() {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "this test needs root under CI");
        eprintln!("skipping: needs root to create local users (useradd)");
        return;
    }
    if !crate::exec_upload::have("useradd")
        || !crate::exec_upload::have("setpriv")
        || !crate::exec_upload::have("ssh-keygen")
    {
        return;
    }
    let tag = format!("lgt{}", std::process::id() % 100_000);
    let users = Users { user: format!("{tag}a"), group: format!("{tag}g") };
    sh(Command::new("groupadd").arg(&users.group));
    sh(Command::new("useradd").args(["-M", "-U", "-s", "/usr/sbin/nologin", &users.user]));
    let (uid, gid) = (id(&users.user, "-u"), id(&users.user, "-g"));
    let top = Dir::new();
    std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // The service group's state directory and log, and the setgid wrapper.
    let state = top.path().join("state");
    std::fs::create_dir(&state).expect("mkdir");
    sh(Command::new("chown").arg(format!("root:{}", users.group)).arg(&state));
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o770)).expect("chmod");
    let log = state.join("audit.jsonl");
    sh(Command::new("install").args(["-o", "root", "-g", &users.group, "-m", "0660", "/dev/null"]).arg(&log));
    let bin = top.path().join("bin/leakguard");
    std::fs::create_dir(top.path().join("bin")).expect("mkdir");
    std::fs::set_permissions(top.path().join("bin"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::copy(lg_path(), &bin).expect("copy");
    sh(Command::new("chown").arg(format!("root:{}", users.group)).arg(&bin));
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o2755)).expect("setgid");
    // The user's workspace.
    let ws = top.path().join("ws");
    let keys = crate::exec_upload::make_keys();
    let write = |rel: &str, data: &str| {
        let p = ws.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    };
    write("allowed_signers", &crate::exec_upload::signers(&keys));
    write("q.csv", &customer_csv(40));
    write("out/.keep", "");
    let policy = |state_dir: &Path| {
        format!(
            r#"version: 1
roles:
  security-officer: [carol@corp.test, dave@corp.test]
approvals:
  allowed_signers: allowed_signers
classes:
  customer-list:
    detect:
      - records: {{ min_rows: 5, min_distinct_domains: 3 }}
actions:
  upload:
    command: ["cp", "**"]
    sends: {{ args: [1], destination: shared-platform }}
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
    override: {{ approvals: 2, approvers: [security-officer], ttl: 24h }}
settings:
  state_dir: {}
"#,
            state_dir.display()
        )
    };
    write("policy.yaml", &policy(&state));
    write("own.yaml", &policy(&ws.join("mystate")));
    sh(Command::new("chown").args(["-R", &format!("{uid}:{gid}")]).arg(&ws));
    let as_user = |args: &[&str]| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid", &uid, "--regid", &gid, "--clear-groups", "--"])
            .arg(&bin)
            .args(args)
            .current_dir(&ws)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &ws)
            .env("XDG_STATE_HOME", ws.join("my-own-state"))
            .env("NO_COLOR", "1")
            .env("LEAKGUARD_ACTOR", "alice@corp.test");
        c.output().expect("setpriv runs")
    };
    let upload = |to: &str| {
        as_user(&[
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
        ])
    };
    let o = upload("out/a.csv");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    let req: Vec<PathBuf> = std::fs::read_dir(ws.join("req")).expect("req").flatten().map(|e| e.path()).collect();
    for who in ["carol", "dave"] {
        let o = lg()
            .current_dir(&ws)
            .args(["--policy", "policy.yaml", "approval", "sign"])
            .arg(&req[0])
            .args(["--principal", &format!("{who}@corp.test"), "--approvals", "appr", "--key"])
            .arg(keys.path().join(who))
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", err(&o));
    }
    let o = upload("out/a.csv");
    assert_eq!(o.status.code(), Some(0), "approved: {}", err(&o));
    assert!(ws.join("out/a.csv").exists());
    assert!(!err(&o).contains("not enforced"), "{}", err(&o));
    // The user cannot reset the record: not in the group, not the owner.
    let mut t = Command::new("setpriv");
    t.args(["--reuid", &uid, "--regid", &gid, "--clear-groups", "--", "truncate", "-s", "0"]).arg(&log);
    assert!(!t.output().expect("runs").status.success(), "the user truncated the log");
    assert!(std::fs::read_to_string(&log).expect("log").contains("approval-consumed"));
    // A replay of the same step — with the user's own XDG_STATE_HOME — is refused.
    std::fs::remove_file(ws.join("out/a.csv")).expect("rm");
    let o = upload("out/a.csv");
    assert_eq!(o.status.code(), Some(77), "replayed: {}", err(&o));
    assert!(err(&o).contains("single-use"), "{}", err(&o));
    assert!(!ws.join("out/a.csv").exists());
    let id = req[0].file_stem().expect("stem").to_string_lossy().into_owned();
    let o =
        as_user(&["--policy", "policy.yaml", "approval", "verify", &id, "--requests", "req", "--approvals", "appr"]);
    assert!(out(&o).contains("already used"), "{}", out(&o));
    assert!(!out(&o).contains("not enforced"), "{}", out(&o));
    // With a state directory the user owns, nobody promises single use.
    let o = as_user(&["--policy", "own.yaml", "approval", "verify", &id, "--requests", "req", "--approvals", "appr"]);
    assert!(out(&o).contains("single use not enforced here"), "{}", out(&o));
}
