//! Decoders through the real binary and the built-in pack (#10 item 4): SQLite
//! databases read by the file-format reader, one table a part (`db.sqlite!table`).

use crate::util::*;

/// A database made by real SQLite: the `sqlite3` CLI when installed (`.ci/run` installs
/// it), else Python's `sqlite3` module (the same library).
fn sqlite(d: &Dir, name: &str, sql: &str) {
    let file = d.path().join(name);
    let cli = std::process::Command::new("sqlite3").arg("-version").output().is_ok_and(|o| o.status.success());
    let mut cmd = if cli {
        std::process::Command::new("sqlite3")
    } else {
        let mut c = std::process::Command::new("python3");
        c.args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit(); c.close()"]);
        c
    };
    let mut child = cmd.arg(&file).stdin(std::process::Stdio::piped()).spawn().expect("sqlite3 CLI or python3 runs");
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

/// A database past the whole-read size (32 MiB) is streamed in windows: it is reported
/// unscannable (its tables are not read), never passed as printable text.
#[test]
fn a_database_too_large_to_open_is_unscannable() {
    let d = Dir::new();
    let mut sql = String::from("BEGIN;\nCREATE TABLE blobs(id INTEGER PRIMARY KEY, b BLOB);\n");
    for _ in 0..34 {
        sql.push_str("INSERT INTO blobs(b) VALUES (randomblob(1048576));\n");
    }
    sql.push_str("COMMIT;\n");
    sqlite(&d, "big.sqlite", &sql);
    assert!(std::fs::metadata(d.path().join("big.sqlite")).expect("db").len() > 33 << 20);
    let (f, all) = findings(&d);
    assert!(f.iter().any(|x| x.0 == "unscannable" && x.1 == "big.sqlite"), "{f:?}\n{all}");
}

/// Base32 (RFC 4648, padded).
fn base32(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut s = String::new();
    for chunk in b.chunks(5) {
        let mut buf = [0u8; 8];
        buf[3..3 + chunk.len()].copy_from_slice(chunk);
        let v = u64::from_be_bytes(buf);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            s.push(if i < chars { A[((v >> (35 - 5 * i)) & 31) as usize] as char } else { '=' });
        }
    }
    s
}

/// Adobe ascii85 between `<~` and `~>`.
fn ascii85(b: &[u8]) -> String {
    let mut s = String::from("<~");
    for chunk in b.chunks(4) {
        let mut buf = [0u8; 4];
        buf[..chunk.len()].copy_from_slice(chunk);
        let mut v = u32::from_be_bytes(buf);
        if v == 0 && chunk.len() == 4 {
            s.push('z');
            continue;
        }
        let mut d = [0u8; 5];
        for i in (0..5).rev() {
            d[i] = (v % 85) as u8 + b'!';
            v /= 85;
        }
        s.extend(d[..chunk.len() + 1].iter().map(|&c| c as char));
    }
    s.push_str("~>");
    s
}

/// uuencode, 45 bytes a line.
fn uuencode(name: &str, b: &[u8]) -> String {
    let mut s = format!("begin 644 {name}\n");
    for chunk in b.chunks(45) {
        s.push((b' ' + chunk.len() as u8) as char);
        for g in chunk.chunks(3) {
            let mut p = [0u8; 3];
            p[..g.len()].copy_from_slice(g);
            let w = (u32::from(p[0]) << 16) | (u32::from(p[1]) << 8) | u32::from(p[2]);
            for i in 0..4 {
                let v = ((w >> (18 - 6 * i)) & 63) as u8;
                s.push(if v == 0 { '`' } else { (b' ' + v) as char });
            }
        }
        s.push('\n');
    }
    s.push_str("`\nend\n");
    s
}

fn wrap(s: &str, w: usize) -> String {
    s.as_bytes().chunks(w).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("\n")
}

fn zlib(b: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(b).expect("zlib");
    z.finish().expect("zlib")
}

fn gzip(b: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(b).expect("gzip");
    z.finish().expect("gzip")
}

/// cp037 for the characters of the fixtures (letters, digits, punctuation, newline).
fn ebcdic(s: &str) -> Vec<u8> {
    const HIGH: &str = " \u{a0}âäàáãåçñ¢.<(+|&éêëèíîïìß!$*);¬-/ÂÄÀÁÃÅÇÑ¦,%_>?øÉÊËÈÍÎÏÌ`:#@'=\"Øabcdefghi«»ðýþ±°jklmnopqrªºæ¸Æ¤µ~stuvwxyz¡¿ÐÝÞ®^£¥·©§¶¼½¾[]¯¨´×{ABCDEFGHI\u{ad}ôöòóõ}JKLMNOPQR¹ûüùúÿ\\÷STUVWXYZ²ÔÖÒÓÕ0123456789³ÛÜÙÚ\u{9f}";
    s.chars()
        .map(
            |c| if c == '\n' { 0x25 } else { 0x40 + HIGH.chars().position(|h| h == c).expect("cp037 character") as u8 },
        )
        .collect()
}

/// Every encoding of a 300-row customer list is blocked with its count; the same
/// encoding of a clean text passes.
#[test]
fn encoded_customer_lists_are_blocked_and_clean_texts_pass() {
    let list = customer_csv(300);
    let mut clean = String::from("# Release notes\n");
    for i in 0..300 {
        clean.push_str(&format!("Line {i}: the scheduler retries a failed job after {} seconds.\n", i % 7 + 1));
    }
    type Enc = fn(&str) -> Vec<u8>;
    let encodings: [(&str, &str, Enc); 11] = [
        ("hex.txt", "hex.txt!hex@2", |s| format!("payload:\n{}\n", hex(s.as_bytes())).into_bytes()),
        ("hexwrap.txt", "hexwrap.txt!hex@1", |s| format!("{}\n", wrap(&hex(s.as_bytes()), 60)).into_bytes()),
        ("b32.txt", "b32.txt!base32@1", |s| format!("{}\n", wrap(&base32(s.as_bytes()), 76)).into_bytes()),
        ("a85.ps", "a85.ps!ascii85@2", |s| format!("%!PS\n{}\n", ascii85(s.as_bytes())).into_bytes()),
        ("mail.txt", "mail.txt!uu@3", |s| format!("Subject: x\n\n{}", uuencode("x.csv", s.as_bytes())).into_bytes()),
        ("data.z", "data.z!zlib", |s| zlib(s.as_bytes())),
        ("u32le.txt", "u32le.txt", |s| s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect()),
        ("u32be.txt", "u32be.txt", |s| {
            let mut v = vec![0, 0, 0xfe, 0xff];
            v.extend(s.chars().flat_map(|c| (c as u32).to_be_bytes()));
            v
        }),
        ("mainframe.txt", "mainframe.txt", |s| ebcdic(s)),
        ("install.sh", "install.sh!payload@4", |s| {
            let mut v = b"#!/bin/sh\ntail -n +5 \"$0\" | gunzip > x.csv\nexit 0\n".to_vec();
            v.extend(gzip(s.as_bytes()));
            v
        }),
        ("setup.sh", "setup.sh!payload@3!x.csv", |s| {
            use std::io::Write;
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            z.start_file("x.csv", zip::write::SimpleFileOptions::default()).expect("zip");
            z.write_all(s.as_bytes()).expect("zip");
            let mut v = b"#!/bin/sh\nunzip \"$0\"; exit 0\n".to_vec();
            v.extend(z.finish().expect("zip").into_inner());
            v
        }),
    ];
    let d = Dir::new();
    let c = Dir::new();
    for (file, _, enc) in &encodings {
        d.write(file, enc(&list));
        c.write(file, enc(&clean));
    }
    let (f, all) = findings(&d);
    for (file, part, _) in &encodings {
        let hit = f.iter().find(|x| x.1 == *part).unwrap_or_else(|| panic!("{file}: {part} not found: {f:?}\n{all}"));
        assert_eq!(hit.0, "customer-lists-stay-in-stores", "{file}: {hit:?}");
        assert!(hit.2.contains("300 records with an e-mail field"), "{file}: {}", hit.2);
    }
    assert_eq!(f.len(), encodings.len(), "{f:?}");
    assert!(!all.contains("admin1@"), "{all}");
    let (f, all) = findings(&c);
    assert!(f.is_empty(), "clean texts: {f:?}\n{all}");
}

/// Hex and base32 that decode to binary (hashes, ids, object names) are not decoded
/// into anything; a lockfile full of them is clean.
#[test]
fn hashes_and_ids_in_hex_or_base32_stay_clean() {
    use sha2::Digest;
    let d = Dir::new();
    let mut lock = String::new();
    let mut sums = String::new();
    let mut long = String::new();
    for i in 0..400 {
        let h = hex(&sha2::Sha256::digest(format!("pkg{i}").as_bytes()));
        lock.push_str(&format!("[[package]]\nname = \"pkg{i}\"\nchecksum = \"{h}\"\nrev = \"{}\"\n", &h[..40]));
        sums.push_str(&format!("{h}  dist/pkg{i}.tar.gz\n"));
        long.push_str(&h);
        long.push_str(&base32(&sha2::Sha256::digest(h.as_bytes())).replace('=', ""));
    }
    d.write("Cargo.lock", lock);
    d.write("SHA256SUMS", sums);
    d.write("blob.txt", format!("{}\n", wrap(&long, 76)));
    let (f, all) = findings(&d);
    assert!(f.is_empty(), "{f:?}\n{all}");
}
