//! #9 item 3: where exports land. The tool writes into a private staging file; leakguard
//! moves it into the store without following a link (dangling symlinks, hard links, a
//! store directory swapped for a symlink mid-run), never replaces a file, keeps
//! concurrent blocked exports apart in quarantine, and says exactly what survived a loss.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;

use crate::exec::{quarantined, Ws};
use crate::util::*;

fn export(ws: &Ws, out: &str) -> std::process::Output {
    let out = ws.p(out);
    ws.exec("alice@corp.test", &["--", "billing-cli", "export", "customers", "--out", out.to_str().expect("utf8")])
}

#[test]
fn a_dangling_symlink_in_the_store_is_not_followed() {
    let ws = Ws::new();
    std::os::unix::fs::symlink(ws.p("public/q3.csv"), ws.p("store/q3.csv")).expect("symlink");
    let o = export(&ws, "store/q3.csv");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!ws.p("public/q3.csv").exists(), "the export followed the link out of the store");
    assert!(err(&o).contains("a symlink"), "{}", err(&o));
    assert_eq!(quarantined(&ws).len(), 1);
}

#[test]
fn a_hard_link_in_the_store_is_never_written_through() {
    let ws = Ws::new();
    ws.dir.write("public/shared.csv", "old\n");
    std::fs::hard_link(ws.p("public/shared.csv"), ws.p("store/shared.csv")).expect("link");
    let o = export(&ws, "store/shared.csv");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(ws.p("public/shared.csv")).expect("read"), "old\n");
    // A tool that links its own output elsewhere is refused in a private store.
    let out = ws.p("store/h.csv");
    let o = ws.exec("alice@corp.test", &["--", "odd-cli", "hardlink", "--out", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(err(&o).contains("hard links"), "{}", err(&o));
    assert!(!out.exists());
}

#[test]
fn a_store_directory_swapped_for_a_symlink_during_the_run_is_refused() {
    let ws = Ws::new();
    std::fs::create_dir(ws.p("store/sub")).expect("mkdir");
    let out = ws.p("store/sub/q.csv");
    let o = ws.exec("alice@corp.test", &["--", "odd-cli", "swap", "--out", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!ws.p("public/q.csv").exists(), "redirected out of the store");
    assert!(err(&o).contains("follows no link inside a store"), "{}", err(&o));
    assert_eq!(quarantined(&ws).len(), 1);
}

#[test]
fn the_tool_writes_a_private_staging_file() {
    let ws = Ws::new();
    let out = ws.p("store/p.csv");
    let o = ws.exec("alice@corp.test", &["--", "odd-cli", "perms", "--out", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(std::fs::read_to_string(ws.p("perms.txt")).expect("perms"), format!("600 {uid}\n700 {uid}\n"));
    assert_eq!(std::fs::read(&out).expect("moved"), std::fs::read(ws.p("export.csv")).expect("src"));
    // Nothing is left behind in staging.
    let staging = ws.p(".local/state/leakguard/staging");
    assert_eq!(std::fs::read_dir(staging).expect("staging").count(), 0);
}

#[test]
fn concurrent_blocked_exports_of_one_name_never_overwrite_each_other() {
    let ws = Ws::new();
    let out = ws.p("public/same.csv");
    let runs: Vec<std::process::Child> = (0..6)
        .map(|_| {
            ws.cmd(
                "alice@corp.test",
                &["--", "billing-cli", "export", "customers", "--out", out.to_str().expect("utf8")],
            )
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    for r in runs {
        assert_eq!(r.wait_with_output().expect("wait").status.code(), Some(77));
    }
    let q = quarantined(&ws);
    assert_eq!(q.len(), 6, "{q:?}");
    let src = std::fs::read(ws.p("export.csv")).expect("src");
    assert!(q.iter().all(|f| std::fs::read(f).expect("q") == src));
}

#[test]
fn a_loss_is_an_error_that_says_what_survived_where() {
    let ws = Ws::new();
    let mut c = ws.cmd("alice@corp.test", &["--", "billing-cli", "dump", "28672"]);
    c.stdout(std::fs::File::create(ws.p("public/x.csv")).expect("create"));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: 8192, rlim_max: 8192 };
            libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let o = c.output().expect("runs");
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("8192 of 28672 bytes were kept, 20480 bytes were lost"), "{e}");
    let q = quarantined(&ws);
    assert_eq!(q.len(), 1);
    assert!(e.contains(&q[0].display().to_string()), "{e}");
    assert_eq!(std::fs::metadata(&q[0]).expect("q").len(), 8192);
    assert!(!e.contains("was kept in quarantine"), "{e}");
}

#[test]
fn without_home_quarantine_stays_in_the_store_and_never_in_tmp() {
    let ws = Ws::new();
    let out = ws.p("public/nohome.csv");
    let o = ws
        .cmd("alice@corp.test", &["--", "billing-cli", "export", "customers", "--out", out.to_str().expect("utf8")])
        .env_remove("HOME")
        .env_remove("XDG_STATE_HOME")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    let q = quarantined(&ws);
    assert_eq!(q.len(), 1, "{}", err(&o));
    assert!(!err(&o).contains("/tmp/leakguard"), "{}", err(&o));
}

/// #9 item 8: a fingerprint detector without its key, with a too-short key or with
/// another key than the set's does not stay silent: the upload is blocked, and a
/// registration with another key is refused.
#[test]
fn fingerprint_key_problems_block_instead_of_matching_nothing() {
    let ws = Ws::new();
    let key = "00112233445566778899aabbccddeeff";
    ws.dir.write("store/full.csv", customer_csv(300));
    let add = |k: Option<&str>| {
        let mut c = lg();
        c.current_dir(ws.dir.path()).args([
            "--policy",
            "policy.yaml",
            "fingerprint",
            "add",
            "--set",
            "customers",
            "--column",
            "admin_email",
            "store/full.csv",
        ]);
        if let Some(k) = k {
            c.env("LEAKGUARD_FP_KEY", k);
        }
        c.output().expect("runs")
    };
    assert_eq!(add(Some(key)).status.code(), Some(0));
    // Three registered addresses in a note: too few for the shape detectors.
    let rows: Vec<String> =
        customer_csv(300).lines().skip(100).take(3).map(|l| l.split(',').nth(2).unwrap_or("").to_string()).collect();
    ws.dir.write("note.txt", format!("call back: {}\n", rows.join(", ")));
    let upload = |k: Option<&str>| {
        let mut c = ws.cmd("alice@corp.test", &["--", "vt", "scan", "file", "note.txt"]);
        c.env_remove("LEAKGUARD_FP_KEY");
        if let Some(k) = k {
            c.env("LEAKGUARD_FP_KEY", k);
        }
        c.output().expect("runs")
    };
    let o = upload(Some(key));
    assert_eq!(o.status.code(), Some(77), "the right key finds the rows: {}", err(&o));
    // A too-short key is a policy error (exit 2): nothing runs.
    let o = upload(Some("0011"));
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("the fingerprint key is invalid"), "{}", err(&o));
    for (k, why) in
        [(None, "no key is given"), (Some("ffeeddccbbaa99887766554433221100"), "registered with another key")]
    {
        let o = upload(k);
        assert_eq!(o.status.code(), Some(77), "{k:?}: {}", err(&o));
        assert!(err(&o).contains(why), "{k:?}: {}", err(&o));
        assert!(!ws.p("received/note.txt").exists(), "{k:?} uploaded");
    }
    // A harmless file still goes with the right key.
    ws.dir.write("readme.txt", "hello\n");
    let mut c = ws.cmd("alice@corp.test", &["--", "vt", "scan", "file", "readme.txt"]);
    assert_eq!(c.output().expect("runs").status.code(), Some(0));
    // Registering into the set with another key is refused, the set unchanged.
    let before = std::fs::read(ws.p("fp/customers.lgfp")).expect("set");
    let o = add(Some("ffeeddccbbaa99887766554433221100"));
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("another key"), "{}", err(&o));
    assert_eq!(std::fs::read(ws.p("fp/customers.lgfp")).expect("set"), before);
}

#[test]
fn control_characters_in_paths_are_escaped_in_messages() {
    let ws = Ws::new();
    let o = export(&ws, "public/\u{1b}[2J\u{7}x.csv");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!err(&o).contains('\u{1b}') && !err(&o).contains('\u{7}'), "{:?}", err(&o));
    assert!(err(&o).contains("\\u{1b}[2J"), "{}", err(&o));
}

/// A store on another file system (tmpfs) than the staging directory: the output is
/// copied into a new file there and renamed into place, never replacing a name.
#[test]
fn a_store_on_another_file_system_gets_a_copy_renamed_into_place() {
    if !Path::new("/dev/shm").is_dir() {
        eprintln!("skipping: no /dev/shm");
        return;
    }
    let ws = Ws::new();
    let shm = tempfile::Builder::new().prefix("lg-store").tempdir_in("/dev/shm").expect("tmpfs dir");
    std::fs::set_permissions(shm.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    ws.dir.write(
        "shm.yaml",
        format!(
            "version: 1\nroles:\n  billing-admin: [alice@corp.test]\nclasses:\n  customer-list:\n    detect:\n      - records: {{ min_rows: 5, fields: [email] }}\nstores:\n  shm:\n    paths: [\"{}/**\"]\n    private: true\nactions:\n  export-customers:\n    command: [\"billing-cli\", \"export\", \"customers\", \"**\"]\n    output: {{ flag: --out }}\n    produces: customer-list\nrules:\n  - id: lists\n    class: customer-list\n    allow_in: [shm]\n",
            shm.path().display()
        ),
    );
    let run = |out: &Path| {
        lg_std()
            .current_dir(ws.dir.path())
            .env("PATH", format!("{}:{}", ws.p("bin").display(), std::env::var("PATH").unwrap_or_default()))
            .env("HOME", ws.dir.path())
            .env("LEAKGUARD_ACTOR", "alice@corp.test")
            .args(["--policy", "shm.yaml", "exec", "--", "billing-cli", "export", "customers", "--out"])
            .arg(out)
            .output()
            .expect("runs")
    };
    let out = shm.path().join("q3.csv");
    let o = run(&out);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(std::fs::read(&out).expect("copied"), std::fs::read(ws.p("export.csv")).expect("src"));
    assert_eq!(std::fs::metadata(&out).expect("md").permissions().mode() & 0o777, 0o600);
    let names: Vec<String> = std::fs::read_dir(shm.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["q3.csv"], "a temporary file was left behind");
    // Again to the same name: never replaced, kept in quarantine instead.
    std::fs::write(&out, "mine\n").expect("write");
    let o = run(&out);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "mine\n");
    assert!(err(&o).contains("already exists"), "{}", err(&o));
}
