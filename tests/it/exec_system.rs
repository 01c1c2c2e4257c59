//! `exec` and `whoami` read the system and user layers the way the policy loader
//! defines them (`PolicyArgs::with_system_and_user`): the system directory from
//! `$LEAKGUARD_SYSTEM_POLICY_DIR` (default /etc/leakguard), its ids final — a
//! repository policy may add ids but never replace the administrator's.

use crate::util::*;

fn whoami(cwd: &std::path::Path, env: &[(&str, &std::path::Path)]) -> std::process::Output {
    let home = Dir::new();
    let mut c = lg_std();
    c.current_dir(cwd)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("LEAKGUARD_ACTOR", "alice@corp.test");
    for (k, v) in env {
        c.env(k, v);
    }
    c.arg("whoami").output().expect("runs")
}

#[test]
fn exec_system_policy_dir_is_read_and_final() {
    let sys = Dir::new();
    sys.write("org.yaml", "version: 1\nroles:\n  exporters: [alice@corp.test]\n");
    let r = Repo::new();
    let o = whoami(r.path(), &[("LEAKGUARD_SYSTEM_POLICY_DIR", sys.path())]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("roles: exporters"), "{}", out(&o));
    // One name: the variable exec used to read alone is not read any more.
    let o =
        whoami(r.path(), &[("LEAKGUARD_SYSTEM_DIR", sys.path()), ("LEAKGUARD_SYSTEM_POLICY_DIR", Dir::new().path())]);
    assert!(out(&o).contains("roles: none"), "{}", out(&o));
    // A repository may add a role, not replace the system's.
    r.write(".leakguard/team.yaml", "version: 1\nroles:\n  reviewers: [alice@corp.test]\n");
    let o = whoami(r.path(), &[("LEAKGUARD_SYSTEM_POLICY_DIR", sys.path())]);
    assert!(out(&o).contains("roles: exporters, reviewers"), "{}{}", out(&o), err(&o));
    r.write(".leakguard/team.yaml", "version: 1\nroles:\n  exporters: [mallory@corp.test]\n");
    let o = whoami(r.path(), &[("LEAKGUARD_SYSTEM_POLICY_DIR", sys.path())]);
    assert_eq!(o.status.code(), Some(2), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("declared by the system policy and cannot be replaced"), "{}", err(&o));
    let o = lg_std()
        .current_dir(r.path())
        .env("LEAKGUARD_SYSTEM_POLICY_DIR", sys.path())
        .env("LEAKGUARD_ACTOR", "mallory@corp.test")
        .args(["exec", "--", "true"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "exec refuses the replaced role too: {}", err(&o));
}
