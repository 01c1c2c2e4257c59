//! Decoders through the real binary and the built-in pack (#10 item 4): SQLite
//! databases read by the file-format reader, one table a part (`db.sqlite!table`).

use crate::util::*;

/// (rule, path, evidence) of every finding of a builtin-pack scan, and the whole output.
fn findings(d: &Dir) -> (Vec<(String, String, String)>, String) {
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

/// A database made by the real `sqlite3` CLI (installed by `.ci/run`).
fn sqlite(d: &Dir, name: &str, sql: &str) {
    let file = d.path().join(name);
    let mut child = std::process::Command::new("sqlite3")
        .arg(&file)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("sqlite3 CLI (apt-get install sqlite3)");
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), sql.as_bytes()).expect("sql written");
    drop(child.stdin.take());
    assert!(child.wait().expect("sqlite3 runs").success());
}

#[test]
fn sqlite_tables_are_read_as_records() {
    let d = Dir::new();
    let mut sql = String::from(
        "BEGIN;\nCREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, phone TEXT, street TEXT);\n\
         CREATE TABLE mail(id INTEGER PRIMARY KEY, email TEXT, note TEXT);\n",
    );
    const FIRST: [&str; 6] = ["Anna", "Ben", "Carla", "David", "Elif", "Farid"];
    const LAST: [&str; 5] = ["Varlow", "Quennet", "Holmgard", "Astrup", "Belcour"];
    for i in 0..300 {
        sql.push_str(&format!(
            "INSERT INTO customers(name, phone, street) VALUES ('{} {}', '+44 20 7946 {:04}', '{} Kestrel Road');\n",
            FIRST[i % 6],
            LAST[i / 6 % 5],
            i,
            i + 1
        ));
    }
    for i in 0..1000 {
        let (_, domain) = company(i);
        // Every 100th note is long: its row spills onto overflow pages.
        let note = if i % 100 == 0 { "see ticket ".repeat(600) } else { format!("n{i}") };
        sql.push_str(&format!("INSERT INTO mail(email, note) VALUES ('admin{i}@{domain}', '{note}');\n"));
    }
    sql.push_str("COMMIT;\n");
    sqlite(&d, "crm.sqlite", &sql);
    let mut clean = String::from("CREATE TABLE config(key TEXT PRIMARY KEY, value TEXT);\n");
    for i in 0..300 {
        clean.push_str(&format!("INSERT INTO config VALUES ('feature.flag_{i}', '{}');\n", i % 2 == 0));
    }
    sqlite(&d, "settings.db", &clean);
    let (f, all) = findings(&d);
    assert_eq!(f.len(), 2, "{f:?}\n{all}");
    let pii = f.iter().find(|x| x.1 == "crm.sqlite!customers").unwrap_or_else(|| panic!("{f:?}"));
    assert_eq!(pii.0, "bulk-pii-stays-in-stores");
    assert!(pii.2.contains("300 personal records"), "{}", pii.2);
    let list = f.iter().find(|x| x.1 == "crm.sqlite!mail").unwrap_or_else(|| panic!("{f:?}"));
    assert_eq!(list.0, "customer-lists-stay-in-stores");
    assert!(list.2.contains("1,000 records with an e-mail field"), "{}", list.2);
    for guarded in ["Kestrel Road", "7946 0001", "admin1@"] {
        assert!(!all.contains(guarded), "{guarded} printed:\n{all}");
    }

    // Truncated: what cannot be read is unscannable, never skipped; bounded time.
    let data = std::fs::read(d.path().join("crm.sqlite")).expect("db");
    let t = Dir::new();
    t.write("cut.sqlite", &data[..data.len() / 3]);
    let mut huge = data.clone();
    huge[28..32].copy_from_slice(&u32::MAX.to_be_bytes());
    t.write("huge.sqlite", huge);
    let started = std::time::Instant::now();
    let (f, all) = findings(&t);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    for p in ["cut.sqlite", "huge.sqlite"] {
        assert!(f.iter().any(|x| x.0 == "unscannable" && x.1 == p), "{p}: {f:?}\n{all}");
    }
}
