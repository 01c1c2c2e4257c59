//! Across files (issue #10, item 5): a list split into pieces that each stay below a
//! `records` detector's thresholds is judged as the union of what one commit, push or
//! scan adds, and blocked once with the pieces listed — through the installed hooks,
//! the pre-receive hook of a server and a directory scan. Benign people-lists, source
//! with a few author addresses and correspondence stay clean.

use crate::util::*;

/// Piece `n` of a customer list: a CSV of four rows (below `min_rows` = 5), each row
/// on its own organisation.
fn csv_piece(n: usize) -> String {
    let mut s = String::from("company,group,admin_email\n");
    for j in 0..4 {
        let (name, domain) = company(n * 4 + j);
        s.push_str(&format!("{name},premium-eu,ops{}@{domain}\n", n * 4 + j));
    }
    s
}

/// 21 notes holding 24 addresses between them (three notes hold two), on 12+ domains.
fn notes() -> Vec<(String, String)> {
    (0..21)
        .map(|i| {
            let (name, domain) = company(i * 5 + 1);
            let mut s = format!(
                "Call notes, {name}\n\nSpoke with the IT lead (lead{i}@{domain}) about the renewal.\nNext step: send the quote on Monday.\n"
            );
            if i % 7 == 0 {
                let (_, d2) = company(i * 5 + 3);
                s.push_str(&format!("Billing contact is billing{i}@{d2} from now on.\n"));
            }
            (format!("notes/{:02}-call.txt", i), s)
        })
        .collect()
}

fn installed() -> Repo {
    let r = Repo::new();
    let o = r.lg().arg("install").output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    r
}

/// Findings of the union in a human report: the lines listing the pieces.
fn union_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains("(pieces: ")).collect()
}

#[test]
fn a_list_split_into_125_csv_pieces_is_blocked_once_at_commit() {
    let r = installed();
    for n in 0..125 {
        r.write(format!("export/part-{n:03}.csv"), csv_piece(n));
    }
    r.git(&["add", "."]);
    let o = r.git_output(&["commit", "-q", "-m", "pieces"]);
    let text = err(&o);
    assert_eq!(o.status.code(), Some(1), "the split list must be blocked: {text}");
    assert_eq!(text.matches("customer-list in ").count(), 1, "one finding, not one per piece: {text}");
    assert!(text.contains("customer-list in export/part-000.csv"), "{text}");
    let lines = union_lines(&text);
    assert!(!lines.is_empty(), "{text}");
    let l = lines.join("\n");
    assert!(l.contains("500 records") && l.contains("across 125 files going to refs/heads/main"), "{l}");
    assert!(l.contains("pieces: export/part-000.csv, export/part-001.csv") && l.contains("+117 more"), "{l}");
    assert!(!text.contains("ops1@") && !text.contains("ops0@"), "a value leaked: {text}");
    assert!(text.contains("an inline marker in one of them does not cover the union"), "{text}");
    assert!(!text.contains("on the line (or in the first lines"), "{text}");
    // Nothing was recorded.
    assert!(r.git_output(&["rev-parse", "HEAD"]).status.code() != Some(0));
    // Fewer pieces, below the thresholds together (4 records), pass.
    r.git(&["rm", "-r", "-q", "--cached", "export"]);
    r.write("one/a.csv", csv_piece(0));
    r.git(&["add", "one"]);
    let o = r.git_output(&["commit", "-q", "-m", "one piece"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
fn twenty_one_notes_with_24_addresses_are_blocked_at_commit_and_in_a_scan() {
    let r = installed();
    for (p, s) in notes() {
        r.write(&p, s);
    }
    // Each note alone is clean.
    let d = Dir::new();
    let (p, s) = &notes()[0];
    d.write(p, s);
    let (one, _) = findings(&d);
    assert!(one.is_empty(), "{one:?}");
    r.git(&["add", "."]);
    let o = r.git_output(&["commit", "-q", "-m", "notes"]);
    let text = err(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    let l = union_lines(&text).join("\n");
    assert!(l.contains("24 records") && l.contains("across 21 files"), "{text}");
    assert!(!text.contains("lead1@"), "a value leaked: {text}");
    // The same notes in a directory scan.
    let o = lg().current_dir(r.path()).args(["--policy", "builtin", "scan", "notes"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("24 records") && out(&o).contains("across 21 files of the scan"), "{}", out(&o));
}

#[test]
fn pieces_in_a_directory_scan_fire_once_with_a_stable_digest() {
    let d = Dir::new();
    for n in 0..30 {
        d.write(format!("p/{n:02}.csv"), csv_piece(n));
    }
    let (f, text) = findings(&d);
    assert_eq!(f.len(), 1, "{text}");
    assert_eq!(f[0].0, "customer-lists-stay-in-stores");
    assert_eq!(f[0].1, "p/00.csv");
    assert!(f[0].2.contains("120 records") && f[0].2.contains("across 30 files of the scan"), "{}", f[0].2);
    // The digest does not depend on the order or names of the pieces: accepted, it
    // suppresses the union.
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let digest = v["findings"][0]["digest"].as_str().expect("digest").to_string();
    let pieces = v["findings"][0]["pieces"].as_array().expect("pieces listed");
    assert_eq!((pieces.len(), pieces[0].as_str()), (30, Some("p/00.csv")));
    let e = Dir::new();
    for n in (0..30).rev() {
        e.write(format!("q/{:02}-renamed.csv", 29 - n), csv_piece(n));
    }
    let (g, text) = findings(&e);
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(g.len(), 1, "{text}");
    assert_eq!(v["findings"][0]["digest"].as_str(), Some(digest.as_str()));
    let base = e.path().join("baseline.txt");
    let scan_q = |flag: &str| {
        lg().current_dir(e.path()).args(["--policy", "builtin", "scan", "q", flag]).arg(&base).output().expect("runs")
    };
    let o = scan_q("--write-baseline");
    assert!(std::fs::read_to_string(&base).expect("written").contains(&digest), "{}", err(&o));
    let o = scan_q("--baseline");
    assert_eq!(o.status.code(), Some(0), "an accepted union passes: {}{}", out(&o), err(&o));
}

#[test]
fn pieces_renamed_changelog_and_po_still_count() {
    let d = Dir::new();
    for n in 0..6 {
        d.write(format!("rel{n}/CHANGELOG"), csv_piece(n));
        d.write(format!("po/l{n}.po"), csv_piece(n + 6));
    }
    let (f, text) = findings(&d);
    let union: Vec<_> = f.iter().filter(|f| f.2.contains("files of the scan")).collect();
    assert_eq!(union.len(), 1, "{text}");
    assert!(union[0].2.contains("48 records") && union[0].2.contains("across 12 files"), "{}", union[0].2);
    assert!(union[0].2.contains("(excluded path, counted)"), "excluded pieces are shown: {}", union[0].2);
}

#[test]
fn pieces_over_two_commits_of_one_push_are_blocked_by_pre_push_and_pre_receive() {
    let (server, client) = server_and_clone();
    for n in 0..4 {
        client.write(format!("a/{n}.csv"), csv_piece(n));
    }
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "first half"]);
    for n in 4..8 {
        client.write(format!("b/{n}.csv"), csv_piece(n));
    }
    client.git(&["add", "."]);
    client.git(&["commit", "-q", "-m", "second half"]);
    // The server's pre-receive hook sees the push's new content as one scope.
    let o = client.git_output(&["push", "origin", "main"]);
    let text = err(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("customer-list in a/0.csv") && text.contains("across 8 files going to refs/heads/main"),
        "{text}"
    );
    assert!(!text.contains("ops1@"), "a value leaked: {text}");
    assert_ne!(server.git(&["rev-parse", "main"]).trim(), client.git(&["rev-parse", "main"]).trim());
    // The client's pre-push hook, likewise.
    let o = client.lg().arg("install").output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = client.git_output(&["push", "origin", "main"]);
    let text = err(&o);
    assert!(!o.status.success(), "{text}");
    assert!(text.contains("across 8 files going to refs/heads/main"), "{text}");
    assert!(!text.contains("remote: "), "stopped before the server: {text}");
}

#[test]
fn people_lists_source_and_correspondence_are_no_pieces() {
    let d = Dir::new();
    // Two AUTHORS-like credits files (one of them too short to be credits as a whole).
    d.write(
        "AUTHORS",
        "Olga Jorlan <olga@ravbrook.pl>\nGreta Ulfsson <greta@verstone.dk>\nWim Quennet <wim@orrgate.net>\n",
    );
    d.write("lib/THANKS.md", "Thanks to Keiko Morvell <keiko@kesworks.net>\nand Dmitri Ostrand <d@ashridge.de>.\n");
    d.write("docs/people.txt", "Maintainer: Farid Vikander <farid@verline.be>\n");
    // A source tree with an author address or two per file.
    for i in 0..12 {
        let (_, domain) = company(i);
        d.write(
            format!("src/mod{i}.rs"),
            format!(
                "// Copyright 2024 Jo Coder <jo{i}@{domain}>\n//! Module {i}.\n\nuse std::io;\n\npub fn run() -> io::Result<()> {{\n    let support = \"help{i}@{domain}\";\n    println!(\"{{support}}\");\n    Ok(())\n}}\n"
            ),
        );
        d.write(
            format!("app/m{i}.py"),
            format!("\"\"\"Mailer {i}.\n\nAuthor: Anna Varlow <anna{i}@{domain}>\n\"\"\"\nSUPPORT = \"support{i}@{domain}\"\n\ndef send(to):\n    return to\n\n\nclass M:\n    pass\n"),
        );
    }
    // A thread of single mails: each names its correspondents.
    for i in 0..8 {
        let (_, a) = company(i);
        let (_, b) = company(i + 20);
        d.write(
            format!("fixtures/thread/{i}.eml"),
            format!("From: Jo <jo@{a}>\nTo: Al <al@{b}>, Bo <bo{i}@{a}>\nSubject: Re: plan\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nSounds good.\n"),
        );
    }
    // An mbox.
    let mut mbox = String::new();
    for i in 0..3 {
        let (_, a) = company(i + 40);
        mbox.push_str(&format!(
            "From jo@{a} Mon Jan  1 10:00:00 2024\nFrom: Jo <jo@{a}>\nTo: list@{a}\nSubject: x{i}\n\nbody\n\n"
        ));
    }
    d.write("fixtures/list.mbox", mbox);
    let (f, text) = findings(&d);
    assert!(f.is_empty(), "nothing here is a list: {text}");
}

#[test]
fn pieces_in_an_allowed_store_do_not_count_and_allow_paths_neither() {
    let d = Dir::new();
    let policy = "version: 1\nextends: []\nclasses:\n  customer-list:\n    detect:\n      - records: { min_rows: 5, fields: [email], min_distinct_domains: 3 }\nstores:\n  exports:\n    paths: [\"vault/**\"]\nrules:\n  - id: lists-stay\n    class: customer-list\n    allow_in: [exports]\n    severity: block\n    message: stay\n";
    d.write("p.yaml", policy);
    // Two pieces in the store, one outside: 4 records outside, below the threshold.
    d.write("tree/vault/a.csv", csv_piece(0));
    d.write("tree/vault/b.csv", csv_piece(1));
    d.write("tree/out/c.csv", csv_piece(2));
    let scan = |args: &[&str]| lg().current_dir(d.path()).args(args).output().expect("runs");
    let o = scan(&["--policy", "p.yaml", "scan", "tree"]);
    assert_eq!(o.status.code(), Some(0), "the store's pieces do not count: {}", out(&o));
    // A second piece outside the store: 8 records on 8 domains outside, blocked.
    d.write("tree/out/d.csv", csv_piece(3));
    let o = scan(&["--policy", "p.yaml", "scan", "tree"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("8 records") && text.contains("across 2 files"), "{text}");
    assert!(!text.contains("vault/"), "store pieces are not listed: {text}");
    // `allow.paths` takes a piece out of the union too.
    d.write("p.yaml", format!("{policy}allow:\n  paths: [\"**/d.csv\"]\n"));
    let o = scan(&["--policy", "p.yaml", "scan", "tree"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn the_files_the_pre_commit_framework_names_are_one_scope() {
    let r = Repo::new();
    // Two staged pieces and one named file that is not in the index (a working-tree file).
    r.write("a/0.csv", csv_piece(0));
    r.write("b/1.csv", csv_piece(1));
    r.git(&["add", "a", "b"]);
    r.write("c/2.csv", csv_piece(2));
    let o = r.lg().args(["hook", "pre-commit", "a/0.csv"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "one piece alone passes: {}", err(&o));
    let o = r.lg().args(["hook", "pre-commit", "a/0.csv", "b/1.csv", "c/2.csv"]).output().expect("runs");
    let text = err(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("12 records") && text.contains("across 3 files going to refs/heads/main"), "{text}");
    assert!(text.contains("pieces: a/0.csv, b/1.csv, c/2.csv"), "{text}");
}

#[test]
fn pieces_in_other_formats_and_column_orders_are_one_list() {
    let d = Dir::new();
    for n in 0..3 {
        d.write(format!("a/{n}.csv"), csv_piece(n));
    }
    // The same kind of records with the columns in another order, as TSV and as JSON.
    let mut tsv = String::from("admin_email\tcompany\n");
    let mut json = Vec::new();
    for j in 0..4 {
        let (name, domain) = company(40 + j);
        tsv.push_str(&format!("it{j}@{domain}\t{name}\n"));
        let (name, domain) = company(50 + j);
        json.push(format!("{{\"email\": \"sec{j}@{domain}\", \"company\": \"{name}\"}}"));
    }
    d.write("b/x.tsv", tsv);
    d.write("c/y.json", format!("[{}]\n", json.join(",\n")));
    let (f, text) = findings(&d);
    assert_eq!(f.len(), 1, "{text}");
    assert!(f[0].2.contains("20 records") && f[0].2.contains("across 5 files of the scan"), "{}", f[0].2);
}
