//! #9 "what it must show": a real PostgreSQL export through `leakguard exec`. The test
//! runs Debian's `initdb`/`pg_ctl` as an unprivileged user (`nobody` when we are root)
//! with a private socket directory in a temp dir, loads a `customers` table of 5,600
//! rows, then exports it with `psql -c "\copy … to '…' csv header"` and `pg_dump -t
//! customers`: into the store (allowed, fingerprints registered) and to a shared folder
//! (quarantined, exit 77, byte-identical to what the store got).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

struct Pg {
    bin: PathBuf,
    data: PathBuf,
    sock: PathBuf,
    as_user: Vec<String>,
}

impl Pg {
    fn cmd(&self, tool: &str) -> Command {
        let mut c = if self.as_user.is_empty() {
            Command::new(self.bin.join(tool))
        } else {
            let mut c = Command::new("setpriv");
            c.args(&self.as_user).arg("--").arg(self.bin.join(tool));
            c
        };
        c.env_remove("PGDATA");
        c
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self.cmd("pg_ctl").arg("-D").arg(&self.data).args(["-m", "immediate", "stop"]).output();
    }
}

fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn start(top: &Path) -> Pg {
    let bin = pg_bin().expect("initdb");
    let root = unsafe { libc::geteuid() } == 0;
    let as_user: Vec<String> = if root {
        ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups"].iter().map(|s| s.to_string()).collect()
    } else {
        Vec::new()
    };
    let (data, sock) = (top.join("pgdata"), top.join("pgsock"));
    for d in [&data, &sock] {
        std::fs::create_dir(d).expect("mkdir");
        if root {
            let o = Command::new("chown").args(["nobody:nogroup"]).arg(d).output().expect("chown");
            assert!(o.status.success());
        }
    }
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let pg = Pg { bin, data, sock, as_user };
    let o = pg
        .cmd("initdb")
        .arg("-D")
        .arg(&pg.data)
        .args(["-U", "lg", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"])
        .output()
        .expect("initdb");
    assert!(o.status.success(), "initdb: {}", err(&o));
    let o = pg
        .cmd("pg_ctl")
        .arg("-D")
        .arg(&pg.data)
        .arg("-l")
        .arg(pg.sock.join("log"))
        .arg("-o")
        .arg(format!("-k {} -c listen_addresses='' -p 5432 -c fsync=off", pg.sock.display()))
        .args(["-w", "start"])
        .output()
        .expect("pg_ctl");
    assert!(o.status.success(), "pg_ctl: {} {}", out(&o), err(&o));
    pg
}

#[test]
fn a_real_postgresql_export_lands_in_the_store_or_in_quarantine() {
    if pg_bin().is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "PostgreSQL is required under CI (.ci/run installs it)");
        eprintln!("skipping: PostgreSQL (initdb) is not installed");
        return;
    }
    if !crate::exec_upload::have("psql") || !crate::exec_upload::have("pg_dump") {
        return;
    }
    let top = Dir::new();
    std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let pg = start(top.path());
    let ws = top.path().join("ws");
    let store = ws.join("store");
    let shared = ws.join("shared");
    std::fs::create_dir_all(&store).expect("mkdir");
    std::fs::create_dir_all(&shared).expect("mkdir");
    std::fs::set_permissions(&ws, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::fs::write(
        ws.join("policy.yaml"),
        format!(
            r#"version: 1
roles:
  dba: [alice@corp.test]
classes:
  customer-list:
    detect:
      - records: {{ min_rows: 5, fields: [email], min_distinct_domains: 3 }}
      - fingerprints: {{ set: customers, min_matches: 3 }}
stores:
  customer-exports:
    paths: ["{store}/**"]
    roles: [dba]
    private: true
actions:
  export-customers:
    command: ["psql", "**"]
    roles: [dba]
    output: {{ recipe: psql }}
    produces: customer-list
  dump-customers:
    command: ["pg_dump", "**"]
    roles: [dba]
    output: {{ recipe: pg_dump }}
    produces: customer-list
rules:
  - id: customer-lists-stay-in-stores
    class: customer-list
    allow_in: [customer-exports]
settings:
  fingerprint_dir: {fp}
"#,
            store = store.display(),
            fp = ws.join("fp").display()
        ),
    )
    .expect("policy");
    let env = |c: &mut std::process::Command| {
        c.current_dir(&ws)
            .env("PGHOST", &pg.sock)
            .env("PGPORT", "5432")
            .env("PGUSER", "lg")
            .env("PGDATABASE", "postgres")
            .env("HOME", &ws)
            .env("LEAKGUARD_ACTOR", "alice@corp.test")
            .env("LEAKGUARD_FP_KEY", "00112233445566778899aabbccddeeff");
    };
    let mut c = Command::new("psql");
    env(&mut c);
    let o = c
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c"])
        .arg(
            "create table customers (company text, \"group\" text, admin_email text);
             insert into customers select initcap(substr(md5(i::text), 1, 8)) || ' ' || (array['Analytics','Systems','Foods','Labs'])[i % 4 + 1],
               'premium-' || (array['eu','us','apac'])[i % 3 + 1],
               'admin' || i || '@' || substr(md5((i % 211)::text), 1, 10) || '.io'
             from generate_series(1, 5600) as i;",
        )
        .output()
        .expect("psql");
    assert!(o.status.success(), "{}", err(&o));
    let exec = |args: &[&str]| {
        let mut c = lg_std();
        env(&mut c);
        c.args(["--policy", "policy.yaml", "exec"]).args(args).output().expect("runs")
    };
    let quarantine = || -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(store.join(".leakguard-quarantine"))
            .map(|r| r.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    // psql \copy into the store: allowed, 5,600 records registered.
    let to_store = format!("\\copy customers to '{}' csv header", store.join("customers.csv").display());
    let o = exec(&["--action", "export-customers", "--", "psql", "-c", &to_store]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let exported = std::fs::read(store.join("customers.csv")).expect("in the store");
    assert_eq!(exported.iter().filter(|b| **b == b'\n').count(), 5601);
    assert!(err(&o).contains("registered 5600 records"), "{}", err(&o));
    assert!(ws.join("fp/customers.lgfp").exists());
    // The same to a shared folder: quarantined, byte-identical, nothing shared.
    let to_shared = format!("\\copy customers to '{}' csv header", shared.join("customers.csv").display());
    let o = exec(&["--action", "export-customers", "--", "psql", "-c", &to_shared]);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!shared.join("customers.csv").exists());
    let q = quarantine();
    assert_eq!(q.len(), 1);
    assert_eq!(std::fs::read(&q[0]).expect("q"), exported, "not byte-identical");
    // `\copy … to program` is refused before psql runs.
    let o = exec(&["--", "psql", "-c", "\\copy customers to program 'cat > /dev/null' csv"]);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    // pg_dump -t customers: into the store, then to the shared folder.
    let o = exec(&["--", "pg_dump", "-t", "customers", "-f", store.join("customers.sql").to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let dump = std::fs::read(store.join("customers.sql")).expect("dump");
    assert!(String::from_utf8_lossy(&dump).contains("COPY public.customers"));
    let o = exec(&["--", "pg_dump", "-t", "customers", "--file", shared.join("customers.sql").to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert!(!shared.join("customers.sql").exists());
    let q = quarantine();
    assert_eq!(q.len(), 2);
    // pg_dump writes a fresh random `\restrict` key into every dump: compare without it.
    let unkeyed = |b: &[u8]| -> String {
        String::from_utf8_lossy(b)
            .lines()
            .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        q.iter().any(|f| unkeyed(&std::fs::read(f).expect("q")) == unkeyed(&dump)
            && std::fs::metadata(f).expect("md").len() == dump.len() as u64),
        "the dump is not identical in quarantine"
    );
    // pg_dump to stdout redirected by the shell into the shared folder: nothing arrives there.
    let f = std::fs::File::create(shared.join("redirected.sql")).expect("create");
    let mut c = lg_std();
    env(&mut c);
    let o = c
        .args(["--policy", "policy.yaml", "exec", "--", "pg_dump", "-t", "customers"])
        .stdout(f)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(77), "{}", err(&o));
    assert_eq!(std::fs::metadata(shared.join("redirected.sql")).expect("md").len(), 0);
    assert_eq!(quarantine().len(), 3);
}
