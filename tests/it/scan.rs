//! `leakguard scan` through the real binary: exit codes, every format, masking,
//! allowlists and baselines, and bad input (binary, invalid UTF-8, sparse 1 GiB,
//! zip bomb, vanishing file, non-UTF-8 names, symlink loops, closed pipes).

use std::io::Write;

use crate::util::*;

fn scan_json(dir: &Dir, extra: &[&str]) -> (i32, serde_json::Value) {
    let o = lg().current_dir(dir.path()).args(["scan", ".", "--format", "json"]).args(extra).output().expect("runs");
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e}\n{}\n{}", out(&o), err(&o)));
    (o.status.code().unwrap_or(-1), v)
}

fn rules(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| format!("{}:{}", f["rule"].as_str().unwrap_or(""), f["path"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn clean_tree_exits_0() {
    let d = Dir::new();
    d.write("src/main.rs", "fn main() { println!(\"mail support@corp.test\"); }\n");
    d.write("README.md", "# demo\nContact: ops@acme-widgets.com\n");
    let o = lg().current_dir(d.path()).args(["scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    insta::assert_snapshot!(stable(&out(&o), d.path()), @"allowed: 0 blocking, 0 warning, 0 suppressed, 0 unscannable; 2 files, 87 B in [T] ms");
}

#[test]
fn customer_list_blocks_with_masked_human_output() {
    let d = Dir::new();
    d.write("exports/q3.csv", customer_csv(40));
    let o = lg().current_dir(d.path()).args(["scan", "."]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let text = stable(&out(&o), d.path());
    assert!(!text.contains("admin0@"), "a value leaked: {text}");
    insta::assert_snapshot!("human_customer_list", text);
}

#[test]
fn json_report_has_the_spec_shape_and_no_values() {
    let d = Dir::new();
    d.write("exports/q3.csv", customer_csv(25));
    d.write("deploy.env", "AWS_KEY=AKIAZ5QWERTYUIOPASDF\n");
    let o = lg().current_dir(d.path()).args(["scan", ".", "--format", "json"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let text = stable(&out(&o), d.path());
    assert!(!text.contains("AKIAZ5QWERTYUIOPASDF") && !text.contains("admin1@"));
    insta::assert_snapshot!("json_report", text);
}

#[test]
fn no_redact_shows_values() {
    let d = Dir::new();
    d.write("deploy.env", "AWS_KEY=AKIAZ5QWERTYUIOPASDF\n");
    let (_, v) = scan_json(&d, &["--no-redact"]);
    assert_eq!(v["findings"][0]["sample"], "AKIAZ5QWERTYUIOPASDF");
}

#[test]
fn usage_errors_exit_2() {
    let d = Dir::new();
    let o = lg().current_dir(d.path()).args(["scan", "--format", "yaml"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let o = lg().current_dir(d.path()).args(["scan", "does-not-exist"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("does-not-exist"));
    let o = lg().current_dir(d.path()).args(["frobnicate"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let d = Dir::new();
    d.write("exports/q3.csv", customer_csv(30));
    d.write("a b/ünï.txt", "# leakguard:allow no-secrets-outside-vaults -- revoked test token\ntoken = \"ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbN\"\n");
    // Credits are excluded by name: listed as suppressed, never dropped.
    let credits: String = (0..30).map(|i| format!("Person {i} <p{i}@{}>\n", company(i).1)).collect();
    d.write("AUTHORS", credits);
    let o = lg().current_dir(d.path()).args(["scan", ".", "--format", "sarif"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif is json");
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    // A marker never suppresses a two-person rule.
    let secret = results.iter().find(|r| r["ruleId"] == "no-secrets-outside-vaults").expect("secret result");
    assert!(secret["suppressions"].is_null(), "{secret:#}");
    assert_eq!(secret["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "a%20b/%C3%BCn%C3%AF.txt");
    let credits = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "AUTHORS")
        .expect("excluded credits are listed");
    assert_eq!(credits["suppressions"][0]["kind"], "external");
}

/// The SARIF 2.1.0 schema as shipped in the npm package `@microsoft/jest-sarif`,
/// fetched once into `target/` with the real npm client.
fn sarif_schema() -> serde_json::Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sarif-schema");
    let file = dir.join("package/lib/schemas/sarif-2.1.0-rtm.5.json");
    if !file.exists() {
        std::fs::create_dir_all(&dir).expect("mkdir");
        let o = std::process::Command::new("npm")
            .args(["pack", "@microsoft/jest-sarif@1.0.0-beta.0", "--silent", "--pack-destination"])
            .arg(&dir)
            .output()
            .expect("npm runs");
        assert!(o.status.success(), "npm pack failed: {}", err(&o));
        let tgz = dir.join("microsoft-jest-sarif-1.0.0-beta.0.tgz");
        let t = std::process::Command::new("tar").arg("xzf").arg(&tgz).arg("-C").arg(&dir).status().expect("tar runs");
        assert!(t.success());
    }
    serde_json::from_slice(&std::fs::read(&file).expect("schema file")).expect("schema json")
}

fn by_path_in(v: &serde_json::Value, p: &str) -> serde_json::Value {
    v["findings"].as_array().expect("findings").iter().find(|f| f["path"] == p).cloned().expect("finding")
}

#[test]
fn inline_marker_path_allow_and_counts_are_reported() {
    let d = Dir::new();
    d.write(
        "fixtures/list.csv",
        customer_csv(12).replacen('\n', "\n# leakguard:allow customer-lists-stay-in-stores -- synthetic fixture\n", 1),
    );
    d.write("leakguard.yaml", "version: 1\nextends: []\nclasses:\n  secret:\n    detect:\n      - pattern: { regex: 'SECRET-[0-9]{6}' }\nrules:\n  - id: no-secret\n    class: secret\nallow:\n  paths: [\"vendor/**\"]\n");
    d.write("vendor/x.txt", "SECRET-123456\n");
    let (code, v) = scan_json(&d, &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["stats"]["suppressed"], 1);
    assert_eq!(v["findings"][0]["suppressed"]["kind"], "path");
    // A user rule without an override is suppressed by a marker with a reason on the
    // line before or the same line.
    d.write("notes.txt", "# leakguard:allow no-secret -- rotated in 2024\nSECRET-654321\n");
    d.write("more.txt", "SECRET-111111\n\n# leakguard:allow no-secret -- rotated in 2024\n");
    let (code, v) = scan_json(&d, &[]);
    assert_eq!(code, 1, "a marker covers its own line and the next, not the one before: {v:#}");
    assert_eq!(by_path_in(&v, "notes.txt")["suppressed"]["kind"], "marker");
    assert_eq!(by_path_in(&v, "notes.txt")["suppressed"]["justification"], "rotated in 2024");
    assert!(by_path_in(&v, "more.txt")["suppressed"].is_null());
    // One finding standing for several matches is not suppressed by a marker at the first.
    std::fs::remove_file(d.path().join("more.txt")).expect("rm");
    d.write("notes.txt", "# leakguard:allow no-secret -- rotated in 2024\nSECRET-654321\nSECRET-777777\n");
    let (code, v) = scan_json(&d, &[]);
    assert_eq!(code, 1, "{v:#}");
    let f = by_path_in(&v, "notes.txt");
    assert!(f["suppressed"].is_null(), "{f:#}");
    assert!(f["marker"].as_str().unwrap_or("").contains("covers 1 of 2 matches"), "{f:#}");
    // The built-in pack's rules are two-person rules: a marker never suppresses them; the
    // finding shows it to help the approvers.
    let (code, v) = scan_json(&d, &["--policy", "builtin"]);
    assert_eq!(code, 1, "{v:#}");
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["path"] == "fixtures/list.csv").cloned().unwrap();
    assert!(f["suppressed"].is_null(), "{f:#}");
    assert_eq!(f["marker"], "marker present: synthetic fixture");
}

#[test]
fn marker_without_reason_does_not_suppress() {
    let d = Dir::new();
    d.write("list.csv", format!("# leakguard:allow customer-lists-stay-in-stores\n{}", customer_csv(12)));
    let (code, _) = scan_json(&d, &[]);
    assert_eq!(code, 1);
}

#[test]
fn baseline_is_stable_under_moves_and_reports_stale_entries() {
    let d = Dir::new();
    let csv = customer_csv(30);
    d.write("data/a.csv", &csv);
    let base = d.path().join("baseline.json");
    let o = lg().current_dir(d.path()).args(["scan", "data", "--write-baseline"]).arg(&base).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&base).expect("baseline written");
    assert!(text.contains("sha256:") && !text.contains("a.csv") && !text.contains("admin"), "{text}");
    // Same rows, reordered and moved to another file: still accepted.
    let mut lines: Vec<&str> = csv.lines().collect();
    lines[1..].reverse();
    std::fs::remove_file(d.path().join("data/a.csv")).expect("rm");
    d.write("data/moved/b.csv", lines.join("\n"));
    let o = lg()
        .current_dir(d.path())
        .args(["scan", "data", "--format", "json", "--baseline"])
        .arg(&base)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // One more row: a new digest; the old entry is stale.
    d.write("data/moved/b.csv", customer_csv(31));
    let o = lg()
        .current_dir(d.path())
        .args(["scan", "data", "--format", "json", "--baseline"])
        .arg(&base)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["stale_baseline"].as_array().map(Vec::len), Some(1));
}

#[test]
fn binary_and_invalid_utf8_are_scanned() {
    let d = Dir::new();
    let mut bin = vec![0u8, 1, 2, 3, 0xff, 0];
    bin.extend_from_slice(b"config: AKIAZ5QWERTYUIOPASDF\0\0more");
    d.write("blob.bin", &bin);
    let mut latin = b"Firma;E-Mail\n".to_vec();
    for i in 0..8 {
        let (_, dom) = company(i);
        latin.extend_from_slice(format!("M\u{fc}ller {i};kontakt@{dom}\n").replace('\u{fc}', "\u{1}").as_bytes());
    }
    let latin: Vec<u8> = latin.into_iter().map(|b| if b == 1 { 0xfc } else { b }).collect();
    d.write("kunden.txt", &latin);
    let (code, v) = scan_json(&d, &[]);
    assert_eq!(code, 1);
    assert_eq!(rules(&v), ["no-secrets-outside-vaults:blob.bin", "customer-lists-stay-in-stores:kunden.txt"]);
}

#[test]
fn encodings_and_containers_are_opened() {
    let d = Dir::new();
    let csv = customer_csv(20);
    let utf16: Vec<u8> = [0xff, 0xfe].into_iter().chain(csv.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    d.write("utf16.csv", utf16);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(csv.as_bytes()).expect("gz");
    d.write("list.csv.gz", gz.finish().expect("gz"));
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("inner/customers.csv", zip::write::SimpleFileOptions::default()).expect("zip");
    z.write_all(csv.as_bytes()).expect("zip");
    let inner = z.finish().expect("zip").into_inner();
    let mut outer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    outer.start_file("nested.zip", zip::write::SimpleFileOptions::default()).expect("zip");
    outer.write_all(&inner).expect("zip");
    d.write("outer.zip", outer.finish().expect("zip").into_inner());
    use base64::Engine;
    d.write(
        "blob.json",
        format!("{{\"attachment\": \"{}\"}}", base64::engine::general_purpose::STANDARD.encode(csv.as_bytes())),
    );
    let (code, v) = scan_json(&d, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&v),
        [
            "customer-lists-stay-in-stores:blob.json!base64@1",
            "customer-lists-stay-in-stores:list.csv.gz!list.csv",
            "customer-lists-stay-in-stores:outer.zip!nested.zip!inner/customers.csv",
            "customer-lists-stay-in-stores:utf16.csv"
        ]
    );
}

#[test]
fn zip_bomb_is_unscannable_not_a_crash() {
    let d = Dir::new();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    z.start_file("zeros.txt", opts).expect("zip");
    let chunk = vec![b'0'; 1 << 20];
    for _ in 0..300 {
        z.write_all(&chunk).expect("zip");
    }
    d.write("bomb.zip", z.finish().expect("zip").into_inner());
    let (code, v) = scan_json(&d, &[]);
    assert_eq!(code, 1, "unscannable content blocks by default");
    assert_eq!(v["findings"][0]["rule"], "unscannable");
    assert_eq!(v["findings"][0]["path"], "bomb.zip!zeros.txt");
    assert!(v["findings"][0]["evidence"].as_str().unwrap_or("").contains("compression bomb"), "{v:#}");
}

#[test]
fn sparse_1gib_file_streams_and_a_vanished_file_is_reported() {
    let d = Dir::new();
    let f = std::fs::File::create(d.path().join("a-sparse.img")).expect("create");
    f.set_len(1 << 30).expect("sparse");
    d.write("b-victim.csv", customer_csv(10));
    let child = lg_std()
        .current_dir(d.path())
        .env("RAYON_NUM_THREADS", "1")
        .args(["scan", ".", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::fs::remove_file(d.path().join("b-victim.csv")).expect("rm");
    let o = child.wait_with_output().expect("wait");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["stats"]["files"], 2);
    assert!(v["stats"]["bytes"].as_u64().unwrap_or(0) >= 1 << 30, "{v:#}");
    assert_eq!(v["findings"][0]["rule"], "unscannable", "{v:#}");
    assert_eq!(v["findings"][0]["path"], "b-victim.csv");
    assert_eq!(v["findings"][0]["evidence"], "vanished before it could be read");
}

#[test]
fn odd_names_and_symlink_loops() {
    use std::os::unix::ffi::OsStrExt;
    let d = Dir::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9 list\n.csv");
    std::fs::write(d.path().join(name), customer_csv(10)).expect("write");
    std::fs::create_dir(d.path().join("loop")).expect("mkdir");
    std::os::unix::fs::symlink("..", d.path().join("loop/up")).expect("symlink");
    std::os::unix::fs::symlink("self", d.path().join("self")).expect("symlink");
    let (code, v) = scan_json(&d, &[]);
    assert_eq!(code, 1);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert_eq!(v["findings"][0]["path"], "caf\u{fffd} list\n.csv");
}

#[test]
fn closed_pipe_is_quiet() {
    let d = Dir::new();
    for i in 0..50 {
        d.write(format!("f{i}.csv"), customer_csv(10));
    }
    let o = std::process::Command::new("bash")
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .arg("-c")
        .arg(format!("{} scan . | head -c 1 >/dev/null; echo \"status=${{PIPESTATUS[0]}}\"", lg_path().display()))
        .output()
        .expect("bash");
    let text = out(&o);
    assert!(text.contains("status=1") || text.contains("status=0"), "{text}");
    assert!(!err(&o).contains("panicked"), "{}", err(&o));
}

#[test]
fn gitignored_files_are_skipped_unless_asked() {
    let d = Dir::new();
    d.write(".gitignore", "build/\n");
    d.write("build/list.csv", customer_csv(10));
    let (code, _) = scan_json(&d, &[]);
    assert_eq!(code, 0);
    let (code, _) = scan_json(&d, &["--no-ignore"]);
    assert_eq!(code, 1);
}

/// A deflated zip of `(name, content)` members.
fn zip_of(members: &[(&str, String)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        z.start_file(*name, opts).expect("zip");
        z.write_all(data.as_bytes()).expect("zip");
    }
    z.finish().expect("zip").into_inner()
}

/// A minimal xlsx workbook with one sheet `Customers` holding `cells` (reference, inline text).
fn xlsx(cells: &[(String, String)]) -> Vec<u8> {
    let mut rows: Vec<(u32, String)> = Vec::new();
    for (r, v) in cells {
        let row: u32 = r.trim_start_matches(|c: char| c.is_ascii_alphabetic()).parse().expect("row");
        let c = format!("<c r=\"{r}\" t=\"inlineStr\"><is><t>{v}</t></is></c>");
        match rows.last_mut() {
            Some((n, s)) if *n == row => s.push_str(&c),
            _ => rows.push((row, c)),
        }
    }
    let data: String = rows.iter().map(|(n, c)| format!("<row r=\"{n}\">{c}</row>")).collect();
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    zip_of(&[
        ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>".into()),
        ("_rels/.rels", format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>")),
        ("xl/workbook.xml", format!("<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"{rel}\"><sheets><sheet name=\"Customers\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")),
        ("xl/_rels/workbook.xml.rels", format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>")),
        ("xl/worksheets/sheet1.xml", format!("<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{data}</sheetData></worksheet>")),
    ])
}

/// `scan --format json` with the address space capped at 4 GiB: a dense allocation
/// from a spreadsheet's dimensions aborts the process instead of passing unnoticed.
fn scan_json_capped(dir: &Dir) -> (i32, serde_json::Value) {
    use std::os::unix::process::CommandExt;
    let mut c = lg_std();
    c.current_dir(dir.path()).args(["scan", ".", "--format", "json"]);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: 4 << 30, rlim_max: 4 << 30 };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let o = c.output().expect("runs");
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json: {e} (status {:?})\n{}", o.status, err(&o)));
    (o.status.code().unwrap_or(-1), v)
}

#[test]
fn spreadsheet_dimensions_are_no_bomb() {
    let d = Dir::new();
    // xlsx: a customer list and one cell at the last address of a sheet.
    let mut cells = vec![("A1".to_string(), "Company".to_string()), ("B1".to_string(), "Email".to_string())];
    for i in 0..12 {
        let (name, domain) = company(i);
        cells.push((format!("A{}", i + 2), name));
        cells.push((format!("B{}", i + 2), format!("admin{i}@{domain}")));
    }
    cells.push(("XFD1048576".to_string(), "x".to_string()));
    let book = xlsx(&cells);
    assert!(book.len() < 4096, "a small file: {} bytes", book.len());
    d.write("book.xlsx", book);
    // ods: a row repeated a million times with a cell repeated 16,384 times, then the list.
    let mut rows = String::from(
        "<table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"string\"><text:p>x</text:p></table:table-cell></table:table-row>",
    );
    for i in 0..12 {
        let (name, domain) = company(i + 40);
        rows.push_str(&format!("<table:table-row><table:table-cell><text:p>{name}</text:p></table:table-cell><table:table-cell/><table:table-cell><text:p>it{i}@{domain}</text:p></table:table-cell></table:table-row>"));
    }
    let content = format!("<?xml version=\"1.0\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:spreadsheet><table:table table:name=\"S\">{rows}</table:table></office:spreadsheet></office:body></office:document-content>");
    d.write(
        "book.ods",
        zip_of(&[("mimetype", "application/vnd.oasis.opendocument.spreadsheet".into()), ("content.xml", content)]),
    );
    let (code, v) = scan_json_capped(&d);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        rules(&v),
        ["customer-lists-stay-in-stores:book.ods!content.xml", "customer-lists-stay-in-stores:book.xlsx!Customers"],
        "{v:#}"
    );
}

/// Megabytes on one line: minified JSON of 60,000 customers, a one-line SQL INSERT and
/// 100,000 markers on one line. Every detector, the snippet masking and the marker
/// reader read a bounded window per hit, so this runs in linear time (the quadratic
/// versions took minutes); the behaviour is asserted here, the time in bench/.
#[test]
fn one_line_files_of_megabytes_are_linear_and_masked() {
    let d = Dir::new();
    let mut json = String::from("[");
    let mut sql = String::from("INSERT INTO customers (company, email, phone) VALUES ");
    for i in 0..60_000 {
        let (name, domain) = company(i);
        if i > 0 {
            json.push(',');
            sql.push(',');
        }
        json.push_str(&format!("{{\"company\":\"{name}\",\"email\":\"c{i}@{domain}\",\"tel\":\"+49 30 {:07}\"}}", i));
        if i < 30_000 {
            sql.push_str(&format!("('{name}','c{i}@{domain}','+44 20 {:07}')", i));
        }
    }
    json.push(']');
    sql.push(';');
    assert!(json.len() > 4_000_000 && sql.len() > 1_500_000, "{} {}", json.len(), sql.len());
    d.write("customers.min.json", &json);
    d.write("dump.sql", &sql);
    let markers = "/* leakguard:allow no-such-rule -- a reason */ ".repeat(100_000);
    d.write("markers.txt", format!("{markers}\n{}", "x\n".repeat(10)));
    let (code, v) = scan_json(&d, &["--policy", "builtin"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        rules(&v),
        ["customer-lists-stay-in-stores:customers.min.json", "customer-lists-stay-in-stores:dump.sql"],
        "{v:#}"
    );
    let o = lg().current_dir(d.path()).args(["--policy", "builtin", "scan", "."]).output().expect("runs");
    let human = out(&o);
    for line in human.lines() {
        assert!(line.chars().count() < 400, "a snippet is a window, not the line: {} chars", line.chars().count());
    }
    for v in ["c0@", "c1@", "+49 30", "+44 20", "Analytics", "0000001"] {
        assert!(!human.contains(v), "{v} printed:\n{human}");
    }
}

/// Secret findings are one per file and pattern, at the first match, with the count:
/// "185 bcrypt hashes", not 50 lines and then silence.
#[test]
fn secret_findings_are_aggregated_per_file_and_pattern() {
    let d = Dir::new();
    let mut dump = String::from("id,login,password_hash\n");
    let alphabet: Vec<char> = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".chars().collect();
    for i in 0..185usize {
        let tail: String = (0..53).map(|k| alphabet[(i * 7 + k * 13 + k * k) % alphabet.len()]).collect();
        dump.push_str(&format!("{i},user{i},$2b$12${tail}\n"));
    }
    d.write("users.csv", &dump);
    let mut env = String::new();
    for i in 0..60 {
        env.push_str(&format!("TOKEN_{i}=ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz{i:04}\n"));
    }
    d.write("tokens.env", &env);
    let (code, v) = scan_json(&d, &["--policy", "builtin"]);
    assert_eq!(code, 1, "{v:#}");
    let f = v["findings"].as_array().expect("findings");
    assert_eq!(f.len(), 2, "{v:#}");
    let bcrypt = by_path_in(&v, "users.csv");
    assert!(bcrypt["evidence"].as_str().unwrap_or("").contains("bcrypt password hashes: 185 matches"), "{bcrypt:#}");
    assert_eq!(bcrypt["line"], 2);
    let tokens = by_path_in(&v, "tokens.env");
    assert!(
        tokens["evidence"].as_str().unwrap_or("").contains("GitHub token: 60 matches (60 distinct), first on line 1"),
        "{tokens:#}"
    );
    assert!(!v.to_string().contains("ghp_Zx9Q"), "no token printed: {v:#}");
}

/// bzip2, xz and zstd are opened within the same limits: a bomb and a corrupt stream
/// are unscannable findings, never skipped silently, never a crash.
#[test]
fn compressed_bombs_and_corrupt_streams_are_unscannable() {
    let d = Dir::new();
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    enc.write_all(&vec![0u8; 8 << 20]).expect("bzip2");
    let bomb = enc.finish().expect("bzip2");
    assert!(bomb.len() < 4096, "{}", bomb.len());
    d.write("zeros.bin.bz2", bomb);
    let mut xz = vec![0xfd, b'7', b'z', b'X', b'Z', 0x00];
    xz.extend_from_slice(b"not an xz stream at all, only its magic");
    d.write("broken.csv.xz", xz);
    let mut zst = vec![0x28, 0xb5, 0x2f, 0xfd];
    zst.extend_from_slice(&[0xff; 40]);
    d.write("broken.csv.zst", zst);
    let (_, v) = scan_json(&d, &["--policy", "builtin"]);
    let f = v["findings"].as_array().expect("findings");
    let ev = |p: &str| {
        f.iter()
            .find(|x| x["path"] == p && x["rule"] == "unscannable")
            .and_then(|x| x["evidence"].as_str())
            .unwrap_or_else(|| panic!("{p} unscannable: {v:#}"))
            .to_string()
    };
    assert!(ev("zeros.bin.bz2!zeros.bin").contains("compression bomb"), "{v:#}");
    assert!(ev("broken.csv.xz!broken.csv").contains("corrupt"), "{v:#}");
    assert!(ev("broken.csv.zst!broken.csv").contains("corrupt"), "{v:#}");
}

/// Nothing guarded is printed: a first row of data is not shown as a header, keys that
/// are addresses are not shown as a header, and a snippet masks every value on its
/// line that a detector would type (other keys, addresses, phones), not only its hit.
#[test]
fn evidence_and_snippets_never_print_guarded_values() {
    let d = Dir::new();
    let mut phones = String::new();
    for i in 0..30 {
        phones.push_str(&format!("Jane Doe{i},+44 20 7946 {:04},{} Baker Street\n", i, i + 1));
    }
    d.write("phones.csv", &phones);
    let mut keyed = String::from("{");
    for i in 0..30 {
        let (name, domain) = company(i);
        keyed.push_str(&format!("\"admin{i}@{domain}\": \"{name}\","));
    }
    keyed.push_str("\"x\": \"y\"}");
    d.write("keyed.json", &keyed);
    d.write(
        "config.env",
        "GITHUB_TOKEN=ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbN OTHER=sk_live_51Hx9Qw8Er7Ty6Ui5Op4As3Df owner=jane@acme-corp.io tel=+44 20 7946 0000\n",
    );
    let (code, v) = scan_json(&d, &["--policy", "builtin"]);
    assert_eq!(code, 1, "{v:#}");
    let o = lg().current_dir(d.path()).args(["--policy", "builtin", "scan", "."]).output().expect("runs");
    let all = format!("{}\n{}", v, out(&o));
    for guarded in
        ["Jane Doe", "7946", "Baker", "admin0@", "@brightfalcon", "Zx9Qw8Er", "51Hx9Qw8", "jane@acme", "acme-corp"]
    {
        assert!(!all.contains(guarded), "{guarded} printed:\n{all}");
    }
    let ev = |p: &str| {
        v["findings"].as_array().expect("findings").iter().find(|f| f["path"] == p).map(|f| f["evidence"].to_string())
    };
    let phones_ev = ev("phones.csv").unwrap_or_else(|| panic!("phones.csv: {v:#}"));
    assert!(phones_ev.contains("30 personal records") && phones_ev.contains("phone"), "{phones_ev}");
}

/// A decoded copy (`!unescaped`) adds what its original hides, never a second finding
/// of the same class for the same file.
#[test]
fn a_decoded_copy_does_not_repeat_its_original() {
    let d = Dir::new();
    let mut s = customer_csv(30);
    s.push_str("Contact: sales&#64;ourservice.io, support&#64;ourservice.io, press&#64;ourservice.io\n");
    d.write("page.csv", &s);
    let (code, v) = scan_json(&d, &["--policy", "builtin"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(rules(&v), ["customer-lists-stay-in-stores:page.csv"], "{v:#}");
}
