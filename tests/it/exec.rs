//! `leakguard exec` with real processes: exports into a store or quarantine, uploads
//! blocked before the uploader runs, roles, exit status, signals, a 2 GB stdout
//! stream; fingerprints of an export found again in other shapes.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::util::*;

/// A workspace: a policy, a private store, a `bin/` with stand-ins for the admin tools.
pub(crate) struct Ws {
    pub(crate) dir: Dir,
}

impl Ws {
    pub(crate) fn new() -> Ws {
        let dir = Dir::new();
        let store = dir.path().join("store");
        std::fs::create_dir_all(&store).expect("mkdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let policy = format!(
            r#"version: 1
roles:
  billing-admin: [alice@corp.test]
  security-officer: [carol@corp.test, dave@corp.test]
classes:
  customer-list:
    detect:
      - records: {{ min_rows: 5, fields: [email], min_distinct_domains: 3 }}
      - fingerprints: {{ set: customers, min_matches: 3 }}
stores:
  customer-exports:
    paths: ["{store}/**"]
    roles: [billing-admin]
    private: true
actions:
  export-customers:
    command: ["billing-cli", "export", "customers", "**"]
    roles: [billing-admin]
    output: {{ flag: "--out" }}
    produces: customer-list
  dump-customers:
    command: ["billing-cli", "dump", "**"]
    roles: [billing-admin]
    output: stdout
    produces: customer-list
  export-py:
    command: ["billing-py", "export", "customers", "**"]
    roles: [billing-admin]
    output: {{ flag: "--out", aliases: ["-o"] }}
    produces: customer-list
  export-def:
    command: ["billing-def", "export", "**"]
    output: {{ flag: "--out", default: "{public}/default.csv" }}
    produces: customer-list
  odd:
    command: ["odd-cli", "**"]
    roles: [billing-admin]
    output: {{ flag: "--out" }}
    produces: customer-list
  upload-virustotal:
    command: ["vt", "scan", "file", "**"]
    sends: {{ args: files, destination: virustotal }}
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
    allow_in: [customer-exports]
    override: {{ approvals: 2, approvers: [security-officer], ttl: 24h }}
settings:
  fingerprint_dir: {fp}
"#,
            store = store.display(),
            public = dir.path().join("public").display(),
            fp = dir.path().join("fp").display()
        );
        dir.write("policy.yaml", policy);
        // billing-cli: `export customers --out FILE ROWS` writes a CSV; `dump N` prints N bytes of a CSV to stdout.
        dir.write(
            "bin/billing-cli",
            "#!/bin/sh\nset -e\ntouch \"$(dirname \"$0\")/../ran-billing\"\nif [ \"$1\" = dump ]; then head -c \"$2\" /dev/zero | tr '\\0' 'x'; exit 0; fi\nout=\"$4\"\ncat \"$(dirname \"$0\")/../export.csv\" > \"$out\"\n",
        );
        dir.write("bin/vt", "#!/bin/sh\nmkdir -p \"$(dirname \"$0\")/../received\"\nfor f in \"$@\"; do [ -f \"$f\" ] && cp \"$f\" \"$(dirname \"$0\")/../received/\"; done\nexit 0\n");
        // billing-py: a real argparse tool (abbreviations, last --out wins, options anywhere).
        dir.write(
            "bin/billing-py",
            "#!/usr/bin/env python3\nimport argparse, os, sys\np = argparse.ArgumentParser()\np.add_argument('--out', '-o', default=os.environ.get('BILLING_DEFAULT_OUT', 'customers.csv'))\np.add_argument('-v', action='store_true')\np.add_argument('cmd', nargs='*')\na = p.parse_args()\ndata = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'export.csv'), 'rb').read()\nopen(a.out, 'wb').write(data)\n",
        );
        std::os::unix::fs::symlink("billing-py", dir.path().join("bin/billing-def")).expect("symlink");
        // sudo stand-in: `sudo -u USER CMD…` runs CMD (the argv shape is what matters).
        dir.write("bin/sudo", "#!/bin/sh\nwhile [ \"$1\" = -u ]; do shift 2; done\nexec \"$@\"\n");
        std::fs::create_dir_all(dir.path().join("public")).expect("mkdir");
        // odd-cli MODE --out FILE: swaps a store directory for a symlink while running,
        // hard-links its output elsewhere, or records the permissions it was given.
        dir.write(
            "bin/odd-cli",
            r#"#!/bin/sh
set -e
mode="$1"; shift
out=""
while [ $# -gt 0 ]; do case "$1" in --out) out="$2"; shift 2;; *) shift;; esac; done
root="$(dirname "$0")/.."
case "$mode" in
  swap) mv "$root/store/sub" "$root/store/sub.old"; ln -s "$root/public" "$root/store/sub";;
  perms) stat -c '%a %u' "$out" "$(dirname "$out")" > "$root/perms.txt";;
esac
cat "$root/export.csv" > "$out"
if [ "$mode" = hardlink ]; then ln "$out" "$root/public/also.csv"; fi
"#,
        );
        for b in ["bin/billing-cli", "bin/vt", "bin/billing-py", "bin/sudo", "bin/odd-cli"] {
            std::fs::set_permissions(dir.path().join(b), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        dir.write("export.csv", customer_csv(200));
        Ws { dir }
    }

    pub(crate) fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub(crate) fn exec(&self, actor: &str, args: &[&str]) -> std::process::Output {
        self.cmd(actor, args).output().expect("runs")
    }

    /// `leakguard --policy policy.yaml exec ARGS` with `bin/` first in PATH, HOME here.
    pub(crate) fn cmd(&self, actor: &str, args: &[&str]) -> std::process::Command {
        let path = format!("{}:{}", self.p("bin").display(), std::env::var("PATH").unwrap_or_default());
        let mut c = lg_std();
        c.current_dir(self.dir.path())
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("LEAKGUARD_ACTOR", actor)
            .env("LEAKGUARD_FP_KEY", "00112233445566778899aabbccddeeff")
            .args(["--policy", "policy.yaml", "exec"])
            .args(args);
        c
    }
}

pub(crate) fn quarantined(ws: &Ws) -> Vec<PathBuf> {
    let q = ws.p("store/.leakguard-quarantine");
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(&q).map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    // Files only: without a state directory, staging happens in a sub-directory here.
    v.retain(|p| p.is_file());
    v.sort();
    v
}

#[test]
fn export_into_the_store_passes_and_registers_fingerprints() {
    let ws = Ws::new();
    let out = ws.p("store/q3.csv");
    let o =
        ws.exec("alice@corp.test", &["--", "billing-cli", "export", "customers", "--out", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(std::fs::read(&out).expect("written"), std::fs::read(ws.p("export.csv")).expect("src"));
    assert!(err(&o).contains("registered 200 records"), "{}", err(&o));
    let set = std::fs::read(ws.p("fp/customers.lgfp")).expect("set written");
    let text = String::from_utf8_lossy(&set);
    assert!(
        !text.contains("admin1@") && !text.to_lowercase().contains("analytics"),
        "plaintext in the fingerprint set"
    );
}

#[test]
fn export_outside_the_store_is_quarantined_byte_identical() {
    let ws = Ws::new();
    let out = ws.p("public/q3.csv");
    std::fs::create_dir_all(ws.p("public")).expect("mkdir");
    let o = ws.exec(
        "alice@corp.test",
        &[
            "--action",
            "export-customers",
            "--",
            "billing-cli",
            "export",
            "customers",
            "--out",
            out.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!out.exists(), "output left at the forbidden place");
    let q = quarantined(&ws);
    assert_eq!(q.len(), 1, "{}", err(&o));
    assert_eq!(std::fs::read(&q[0]).expect("q"), std::fs::read(ws.p("export.csv")).expect("src"));
    let mode = std::fs::metadata(ws.p("store/.leakguard-quarantine")).expect("q dir").permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(err(&o).contains("kept in quarantine"), "{}", err(&o));
    // The decision is in the audit log, which verifies and holds no value.
    let log = ws.p(".local/state/leakguard/audit.jsonl");
    let text = std::fs::read_to_string(&log).expect("audit log");
    assert!(text.contains("\"exec-quarantine\"") && !text.contains("admin1@"), "{text}");
    let v = lg().args(["--policy", "builtin", "audit", "verify", "--log"]).arg(&log).output().expect("runs");
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
}

#[test]
fn a_symlink_out_of_the_store_is_no_way_around() {
    let ws = Ws::new();
    std::fs::create_dir_all(ws.p("public")).expect("mkdir");
    std::os::unix::fs::symlink(ws.p("public"), ws.p("store/link")).expect("symlink");
    let out = ws.p("store/link/q3.csv");
    let o =
        ws.exec("alice@corp.test", &["--", "billing-cli", "export", "customers", "--out", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!ws.p("public/q3.csv").exists());
}

#[test]
fn a_store_open_to_others_is_refused_with_the_fix() {
    let ws = Ws::new();
    std::fs::set_permissions(ws.p("store"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = ws.p("store/q3.csv");
    let o =
        ws.exec("alice@corp.test", &["--", "billing-cli", "export", "customers", "--out", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(77));
    assert!(err(&o).contains("chmod 700"), "{}", err(&o));
    assert!(!out.exists());
}

#[test]
fn wrong_role_is_refused_before_running() {
    let ws = Ws::new();
    let out = ws.p("store/q3.csv");
    let o =
        ws.exec("bob@corp.test", &["--", "billing-cli", "export", "customers", "--out", out.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(77));
    assert!(
        err(&o).contains("bob@corp.test may not run action `export-customers`: it needs role billing-admin"),
        "{}",
        err(&o)
    );
    assert!(!ws.p("ran-billing").exists(), "the command ran");
}

#[test]
fn upload_of_a_customer_list_never_reaches_the_uploader() {
    let ws = Ws::new();
    ws.dir.write("q3.csv", customer_csv(50));
    let o = ws.exec("alice@corp.test", &["--", "vt", "scan", "file", "q3.csv"]);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!ws.p("received").exists(), "the uploader received the file");
    assert!(err(&o).contains("nothing was sent"), "{}", err(&o));
    // A harmless file goes through.
    ws.dir.write("readme.txt", "hello");
    let o = ws.exec("alice@corp.test", &["--", "vt", "scan", "file", "readme.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(ws.p("received/readme.txt").exists());
}

#[test]
fn exit_status_passes_through() {
    let ws = Ws::new();
    let o = ws.exec("alice@corp.test", &["--", "sh", "-c", "exit 7"]);
    assert_eq!(o.status.code(), Some(7));
    let o = ws.exec("alice@corp.test", &["--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(o.status.code(), Some(128 + 15));
}

#[test]
fn signals_reach_the_child() {
    let ws = Ws::new();
    let marker = ws.p("got-int");
    let script = format!(
        "trap 'echo int > {}; exit 130' INT; touch {}; while :; do sleep 0.05; done",
        marker.display(),
        ws.p("started").display()
    );
    let path = format!("{}:{}", ws.p("bin").display(), std::env::var("PATH").unwrap_or_default());
    let child = lg_std()
        .current_dir(ws.dir.path())
        .env("PATH", path)
        .env("LEAKGUARD_ACTOR", "alice@corp.test")
        .args(["--policy", "policy.yaml", "exec", "--", "sh", "-c", &script])
        .spawn()
        .expect("spawn");
    for _ in 0..200 {
        if ws.p("started").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: plain kill(2) of our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(130));
    assert!(marker.exists(), "the child did not see SIGINT");
}

#[test]
fn a_2gb_stdout_export_streams_in_bounded_memory() {
    let ws = Ws::new();
    let path = format!("{}:{}", ws.p("bin").display(), std::env::var("PATH").unwrap_or_default());
    // stdout is a pipe to us: not a store, so the stream goes to quarantine.
    let mut child = lg_std()
        .current_dir(ws.dir.path())
        .env("PATH", path)
        .env("LEAKGUARD_ACTOR", "alice@corp.test")
        .args(["--policy", "policy.yaml", "exec", "--", "billing-cli", "dump", "2147483648"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // VmHWM of leakguard's own address space (fresh at exec), polled until it exits.
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(v) = text.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
                peak_kib = peak_kib.max(v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0));
            }
        }
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let _ = child.stdout.take();
    assert_eq!(status.code(), Some(77));
    let q = quarantined(&ws);
    assert_eq!(q.len(), 1);
    assert_eq!(std::fs::metadata(&q[0]).expect("q").len(), 2 << 30);
    std::fs::remove_file(&q[0]).expect("rm");
    assert!(peak_kib > 0 && peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
}

fn fp_policy(ws: &Ws) -> PathBuf {
    // Only the fingerprint detector: shape alone must not match.
    ws.dir.write(
        "fp-only.yaml",
        format!(
            "version: 1\nclasses:\n  customer-list:\n    detect:\n      - fingerprints: {{ set: customers, min_matches: 3 }}\nrules:\n  - id: known-customers\n    class: customer-list\nsettings:\n  fingerprint_dir: {}\n",
            ws.p("fp").display()
        ),
    )
}

fn scan_fp(ws: &Ws, policy: &Path, file: &str) -> i32 {
    lg().current_dir(ws.dir.path())
        .env("LEAKGUARD_FP_KEY", "00112233445566778899aabbccddeeff")
        .args(["--policy"])
        .arg(policy)
        .args(["scan", file])
        .output()
        .expect("runs")
        .status
        .code()
        .unwrap_or(-1)
}

#[test]
fn ten_of_6000_rows_are_found_again_in_any_shape() {
    let ws = Ws::new();
    let big = customer_csv(6000);
    ws.dir.write("store/full.csv", &big);
    let o = lg()
        .current_dir(ws.dir.path())
        .env("LEAKGUARD_FP_KEY", "00112233445566778899aabbccddeeff")
        .args([
            "--policy",
            "policy.yaml",
            "fingerprint",
            "add",
            "--set",
            "customers",
            "--column",
            "admin_email",
            "--column",
            "company",
            "store/full.csv",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let pol = fp_policy(&ws);
    let rows: Vec<&str> = big.lines().skip(1).skip(4000).step_by(37).take(10).collect();
    // A markdown note.
    let md: String = rows
        .iter()
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            format!("- {} — contact {} (tier {})\n", f[0], f[2], f[1])
        })
        .collect();
    ws.dir.write("note.md", format!("# Follow-ups\n\n{md}"));
    assert_eq!(scan_fp(&ws, &pol, "note.md"), 1);
    // A source file.
    let src: String = rows.iter().map(|r| format!("    \"{}\",\n", r.split(',').nth(2).unwrap_or(""))).collect();
    ws.dir.write("seed.py", format!("ADMINS = [\n{src}]\n"));
    assert_eq!(scan_fp(&ws, &pol, "seed.py"), 1);
    // Re-ordered as JSON.
    let json: Vec<String> = rows
        .iter()
        .rev()
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            format!("{{\"mail\": \"{}\", \"org\": \"{}\"}}", f[2].to_uppercase(), f[0])
        })
        .collect();
    ws.dir.write("blob.json", format!("[{}]", json.join(",")));
    assert_eq!(scan_fp(&ws, &pol, "blob.json"), 1);
    // An unrelated list of the same shape is not matched by the fingerprint detector.
    let other: String = (0..50).map(|i| format!("Other Co {i},premium-eu,someone{i}@unrelated{i}.net\n")).collect();
    ws.dir.write("other.csv", format!("company,group,admin_email\n{other}"));
    assert_eq!(scan_fp(&ws, &pol, "other.csv"), 0);
    // No plaintext in the set.
    let set = std::fs::read(ws.p("fp/customers.lgfp")).expect("set");
    for r in &rows {
        let mail = r.split(',').nth(2).unwrap_or("");
        assert!(!set.windows(mail.len()).any(|w| w == mail.as_bytes()));
    }
}

#[test]
fn whoami_shows_actor_and_roles() {
    let ws = Ws::new();
    let o = lg()
        .current_dir(ws.dir.path())
        .env("LEAKGUARD_ACTOR", "alice@corp.test")
        .args(["--policy", "policy.yaml", "whoami"])
        .output()
        .expect("runs");
    assert_eq!(out(&o), "actor: alice@corp.test\nroles: billing-admin\n");
}

#[test]
fn the_virustotal_story_runs_end_to_end() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/virustotal-story.sh");
    let o = std::process::Command::new("bash").arg(script).env("LEAKGUARD", lg_path()).output().expect("bash");
    let text = out(&o);
    assert!(o.status.success(), "{text}\n{}", err(&o));
    for step in [
        "exit 77; in the shared folder: 0 files",
        "exit 77; uploaded: 0 files",
        "commit exit 1",
        "commit went through with two approvals",
        "chain intact",
    ] {
        assert!(text.contains(step), "missing `{step}` in:\n{text}");
    }
}

fn s(p: PathBuf) -> String {
    p.to_str().expect("utf8").to_string()
}

/// #9 item 1: every spelling of the output flag is captured and judged; an output
/// leakguard cannot locate is refused before the tool runs.
#[test]
fn output_flags_in_every_spelling_are_judged() {
    let ws = Ws::new();
    let src = std::fs::read(ws.p("export.csv")).expect("src");
    let (store, public) = (s(ws.p("store")), s(ws.p("public")));
    let cases: Vec<(Vec<String>, &str)> = vec![
        // Given twice: the tool writes the last.
        (vec!["--out".into(), format!("{store}/a.csv"), "--out".into(), format!("{public}/b.csv")], "b.csv"),
        // Abbreviated long flag (argparse accepts it).
        (vec!["--ou".into(), format!("{public}/c.csv")], "c.csv"),
        (vec![format!("--out={public}/d.csv")], "d.csv"),
        (vec![format!("--o={public}/e.csv")], "e.csv"),
        // A declared alias after the flag (the tool writes the last).
        (vec!["--out".into(), format!("{store}/a.csv"), "-o".into(), format!("{public}/f.csv")], "f.csv"),
        (vec!["--out".into(), format!("{store}/a.csv"), format!("-o{public}/g.csv")], "g.csv"),
    ];
    for (i, (args, name)) in cases.iter().enumerate() {
        let mut argv = vec!["--", "billing-py", "export", "customers"];
        argv.extend(args.iter().map(String::as_str));
        let o = ws.exec("alice@corp.test", &argv);
        assert_eq!(o.status.code(), Some(77), "{argv:?}: {}", err(&o));
        assert!(!ws.p(&format!("public/{name}")).exists(), "{argv:?} wrote outside the store");
        assert!(!ws.p("store/a.csv").exists(), "{argv:?}");
        let q = quarantined(&ws);
        assert_eq!(q.len(), i + 1, "{argv:?}: {}", err(&o));
        assert!(q.iter().all(|f| std::fs::read(f).expect("q") == src), "not byte-identical");
    }
    // The same spellings into the store are allowed.
    let o = ws.exec("alice@corp.test", &["--", "billing-py", "export", "customers", &format!("--ou={store}/ok.csv")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(std::fs::read(ws.p("store/ok.csv")).expect("in store"), src);
}

#[test]
fn an_absent_output_flag_is_refused_or_judged_at_its_default() {
    let ws = Ws::new();
    // No --out and no declared default: leakguard cannot know where it writes.
    let o = lg()
        .current_dir(ws.dir.path())
        .env("PATH", format!("{}:{}", ws.p("bin").display(), std::env::var("PATH").unwrap_or_default()))
        .env("HOME", ws.dir.path())
        .env("LEAKGUARD_ACTOR", "alice@corp.test")
        .env("BILLING_DEFAULT_OUT", ws.p("public/default.csv"))
        .args(["--policy", "policy.yaml", "exec", "--", "billing-py", "export", "customers"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(err(&o).contains("output: {flag: --out, default: PATH}"), "{}", err(&o));
    assert!(!ws.p("public/default.csv").exists(), "the tool ran");
    // With `default:` declared, the tool is given the staging file and its output judged.
    let o = lg()
        .current_dir(ws.dir.path())
        .env("PATH", format!("{}:{}", ws.p("bin").display(), std::env::var("PATH").unwrap_or_default()))
        .env("HOME", ws.dir.path())
        .env("LEAKGUARD_ACTOR", "alice@corp.test")
        .env("BILLING_DEFAULT_OUT", ws.p("public/default.csv"))
        .args(["--policy", "policy.yaml", "exec", "--", "billing-def", "export"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!ws.p("public/default.csv").exists(), "written at the default path");
    assert_eq!(quarantined(&ws).len(), 1);
}

#[test]
fn stdout_redirected_by_the_shell_is_judged() {
    let ws = Ws::new();
    let path = format!("{}:{}", ws.p("bin").display(), std::env::var("PATH").unwrap_or_default());
    let run = |to: &Path| {
        let f = std::fs::File::create(to).expect("create");
        lg_std()
            .current_dir(ws.dir.path())
            .env("PATH", &path)
            .env("HOME", ws.dir.path())
            .env("LEAKGUARD_ACTOR", "alice@corp.test")
            .args(["--policy", "policy.yaml", "exec", "--", "billing-cli", "dump", "30000"])
            .stdout(f)
            .output()
            .expect("runs")
    };
    let o = run(&ws.p("public/x.csv"));
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert_eq!(std::fs::metadata(ws.p("public/x.csv")).expect("x").len(), 0, "bytes reached the shared file");
    assert_eq!(std::fs::metadata(&quarantined(&ws)[0]).expect("q").len(), 30000);
    let o = run(&ws.p("store/x.csv"));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(std::fs::metadata(ws.p("store/x.csv")).expect("x").len(), 30000);
}

/// #9 item 2: options before the sub-command, launchers and interpreters still match;
/// every exec is audited.
#[test]
fn launchers_and_leading_options_still_match_and_everything_is_audited() {
    let ws = Ws::new();
    let public = s(ws.p("public"));
    let script = s(ws.p("bin/billing-py"));
    let shapes: Vec<Vec<String>> = vec![
        vec!["billing-py".into(), "--out".into(), format!("{public}/1.csv"), "export".into(), "customers".into()],
        vec!["billing-py".into(), "-v".into(), "export".into(), "customers".into(), format!("--out={public}/2.csv")],
        vec![
            "env".into(),
            "LANG=C".into(),
            "billing-py".into(),
            "export".into(),
            "customers".into(),
            "--out".into(),
            format!("{public}/3.csv"),
        ],
        vec![
            "python3".into(),
            script.clone(),
            "export".into(),
            "customers".into(),
            "--out".into(),
            format!("{public}/4.csv"),
        ],
        vec![
            "sudo".into(),
            "-u".into(),
            "svc".into(),
            "billing-py".into(),
            "export".into(),
            "customers".into(),
            "--out".into(),
            format!("{public}/5.csv"),
        ],
        vec![
            "env".into(),
            "A=1".into(),
            "python3".into(),
            "-u".into(),
            script,
            "--out".into(),
            format!("{public}/6.csv"),
            "export".into(),
            "customers".into(),
        ],
    ];
    for (i, argv) in shapes.iter().enumerate() {
        let mut args = vec!["--"];
        args.extend(argv.iter().map(String::as_str));
        let o = ws.exec("alice@corp.test", &args);
        assert_eq!(o.status.code(), Some(77), "{argv:?}: {}", err(&o));
        assert!(!ws.p(&format!("public/{}.csv", i + 1)).exists(), "{argv:?} ran unchecked");
    }
    // A protected program hidden inside another argument is refused, not run unchecked.
    for hidden in [
        vec!["sh".to_string(), "-c".into(), format!("billing-py export customers --out {public}/7.csv")],
        vec!["bash".to_string(), "-c".into(), format!("cd /tmp && billing-py export customers --out={public}/8.csv")],
        vec!["xargs".to_string(), "-a".into(), "/dev/null".into(), "billing-py".into()],
    ] {
        let mut args = vec!["--"];
        args.extend(hidden.iter().map(String::as_str));
        let o = ws.exec("alice@corp.test", &args);
        assert_eq!(o.status.code(), Some(77), "{hidden:?}: {}", err(&o));
        assert!(err(&o).contains("run `billing-py` directly"), "{}", err(&o));
    }
    assert!(!ws.p("public/7.csv").exists() && !ws.p("public/8.csv").exists());
    // A launcher in front of a sub-command no action covers is not "hidden": it runs.
    let o = ws.exec("alice@corp.test", &["--", "env", "A=1", "billing-py", "--help"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // An unmatched command runs, and is audited.
    let o = ws.exec("alice@corp.test", &["--", "sh", "-c", "exit 0"]);
    assert_eq!(o.status.code(), Some(0));
    let log = std::fs::read_to_string(ws.p(".local/state/leakguard/audit.jsonl")).expect("log");
    assert_eq!(log.lines().filter(|l| l.contains("exec-quarantine")).count(), shapes.len(), "{log}");
    assert!(log.contains("exec-unmatched"), "{log}");
}

#[test]
fn bad_output_and_sends_declarations_are_policy_errors() {
    let d = Dir::new();
    d.write(
        "p.yaml",
        "version: 1\nactions:\n  a: { command: [\"x\", \"**\"], output: { flag: --out, arg: 2 } }\n  b: { command: [\"y\", \"**\"], sends: { recipe: ftp, destination: d } }\n  c: { command: [\"z\", \"**\"], output: { recipe: oracle } }\n",
    );
    let o = lg().current_dir(d.path()).args(["--policy", "p.yaml", "policy", "check"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert_eq!(e.matches("leakguard::bad-action").count(), 3, "{e}");
    assert!(e.contains("unknown upload recipe `ftp`") && e.contains("psql, pg_dump, mysqldump, mongoexport"), "{e}");
}
