//! Field types through the real binary and the built-in pack: tables of national ids
//! with checksums (FR NIR, IT codice fiscale, DE Steuer-ID, IN Aadhaar) are bulk
//! personal data; the same shapes with broken checksums, or plain digit strings under
//! a header that does not name them, are not.

use crate::util::*;

const NIR: [&str; 12] = [
    "249073305007592",
    "1 63 10 75 932 520 80",
    "142022A42907286",
    "1 45 09 2A 061 847 34",
    "154113359797118",
    "176102A05122733",
    "175036943014836",
    "176052B83669914",
    "146102B65519331",
    "246093306557894",
    "179042A69754574",
    "289062A60094638",
];
const CF: [&str; 12] = [
    "OLJHZF84D06E538G",
    "PKXOJT44B45G169Z",
    "YKEPNB82B61L587Z",
    "ZKKWLT71R64H071G",
    "CIPWVC43T57E663A",
    "SVOJWM96S23A964P",
    "OLFTDP43D62E133Q",
    "XHMMPC50M26L285W",
    "ENRIWN62S25D155I",
    "CFEHVH40M66C270C",
    "JAENRL79R21C708G",
    "QTUVXB69S64L402I",
];
const STEUER: [&str; 12] = [
    "12487530896",
    "83967045319",
    "29834776104",
    "27560983456",
    "31687295485",
    "23066417598",
    "43102609577",
    "24396910859",
    "63148251905",
    "20774389154",
    "86075134904",
    "94391657024",
];
const AADHAAR: [&str; 12] = [
    "6348 3954 8623",
    "2579 8682 8281",
    "272902227914",
    "258887180337",
    "601878017599",
    "547887838486",
    "572616751366",
    "334125242736",
    "367232686564",
    "555150587706",
    "858948113119",
    "640242646280",
];
const NAMES: [&str; 12] = [
    "Anna Varlow",
    "Ben Quennet",
    "Carla Holmgard",
    "David Astrup",
    "Elif Belcour",
    "Farid Dravik",
    "Greta Ellstad",
    "Hugo Fornell",
    "Ines Gedrin",
    "Jonas Hallvik",
    "Keiko Iversby",
    "Liam Jorlan",
];

/// A CSV `name,<header>` with one row per id.
fn table(header: &str, ids: &[String]) -> String {
    let mut s = format!("name,{header}\n");
    for (n, id) in NAMES.iter().zip(ids) {
        s.push_str(&format!("{n},{id}\n"));
    }
    s
}

/// A directory of `name,<header>` tables: (file, header, ids).
fn tables(files: &[(&str, &str, Vec<String>)]) -> Dir {
    let d = Dir::new();
    for (file, header, ids) in files {
        d.write(file, table(header, ids));
    }
    d
}

/// The ids with their last character changed (a broken checksum).
fn broken(ids: &[&str]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            let (head, last) = id.split_at(id.len() - 1);
            let c = last.as_bytes()[0];
            let alt = if c.is_ascii_digit() { b'0' + (c - b'0' + 1) % 10 } else { b'A' + (c - b'A' + 1) % 26 };
            format!("{head}{}", alt as char)
        })
        .collect()
}

fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn tables_of_checksummed_national_ids_are_bulk_pii() {
    // NIR and codice fiscale are strong enough to be typed without a header word (`ref`).
    let (f, all) = findings(&tables(&[
        ("nir.csv", "numéro de sécurité sociale", owned(&NIR)),
        ("cf.csv", "codice_fiscale", owned(&CF)),
        ("steuer.csv", "Steuer-ID", owned(&STEUER)),
        ("aadhaar.csv", "aadhaar", owned(&AADHAAR)),
        ("nir_ref.csv", "ref", owned(&NIR)),
        ("cf_ref.csv", "ref", owned(&CF)),
    ]));
    let paths: Vec<&str> = f.iter().map(|(_, p, _)| p.as_str()).collect();
    for p in ["aadhaar.csv", "cf.csv", "cf_ref.csv", "nir.csv", "nir_ref.csv", "steuer.csv"] {
        let hit = f.iter().find(|(_, fp, _)| fp == p).unwrap_or_else(|| panic!("{p} not found: {paths:?}\n{all}"));
        assert_eq!(hit.0, "bulk-pii-stays-in-stores", "{p}: {hit:?}");
        assert!(hit.2.contains("12 personal records") && hit.2.contains("national id"), "{p}: {}", hit.2);
    }
    for guarded in ["OLJHZF84", "2490733050", "12487530896", "6348 3954", "Anna Varlow"] {
        assert!(!all.contains(guarded), "{guarded} printed:\n{all}");
    }
}

#[test]
fn broken_checksums_and_unnamed_digit_strings_stay_clean() {
    // Steuer-IDs and Aadhaar numbers are plain digit strings: only a header names them.
    let (f, all) = findings(&tables(&[
        ("nir.csv", "nir", broken(&NIR)),
        ("cf.csv", "codice_fiscale", broken(&CF)),
        ("steuer.csv", "steuer_id", broken(&STEUER)),
        ("aadhaar.csv", "aadhaar", broken(&AADHAAR)),
        ("steuer_ref.csv", "ref", owned(&STEUER)),
        ("aadhaar_ref.csv", "ref", owned(&AADHAAR)),
    ]));
    assert!(f.is_empty(), "{f:?}\n{all}");
}

const COMPANIES: [&str; 12] = [
    "Kestrelmark GmbH",
    "Norvale B.V.",
    "Quillon Systems Inc",
    "Tarnwick Labs Ltd",
    "Umbrel Freight LLC",
    "Ardent Mills S.A.",
    "Bexley Partners AG",
    "Corvane K.K.",
    "Dunmore Health Ltd",
    "Elmstead Bank AG",
    "Fenwick Tools GmbH",
    "Galloway Media Inc.",
];

/// The incident's shape without its e-mail column: companies with a plan, tier, seat
/// count or tenant are a customer roster.
#[test]
fn a_company_roster_with_plans_is_a_customer_list_without_contacts() {
    let d = Dir::new();
    let plans = ["premium-eu", "enterprise", "business-plus", "starter"];
    let mut roster = String::from("company,group\n");
    let mut seats = String::from("Kunde;Tarif;Seats\n");
    let mut tenants = String::from("[");
    for (i, c) in COMPANIES.iter().enumerate() {
        roster.push_str(&format!("{c},{}\n", plans[i % 4]));
        seats.push_str(&format!("{c};T{};{}\n", i % 3, 10 + i));
        tenants.push_str(&format!("{{\"org\": \"{c}\", \"tenant_id\": \"t-{:04}\"}},", 1000 + i));
    }
    tenants.push_str("{}]");
    d.write("roster.csv", &roster);
    d.write("seats.csv", &seats);
    d.write("tenants.json", &tenants);
    let (f, all) = findings(&d);
    for (p, fields) in
        [("roster.csv", "{company, plan}"), ("seats.csv", "{company, plan}"), ("tenants.json", "{company, tenant}")]
    {
        let hit = f.iter().find(|(_, fp, _)| fp == p).unwrap_or_else(|| panic!("{p} not found: {f:?}\n{all}"));
        assert_eq!(hit.0, "customer-lists-stay-in-stores", "{p}: {hit:?}");
        assert!(hit.2.contains(&format!("12 records × {fields}")), "{p}: {}", hit.2);
    }
    for guarded in ["Kestrelmark", "Quillon", "premium-eu", "t-1000"] {
        assert!(!all.contains(guarded), "{guarded} printed:\n{all}");
    }
}

/// Companies named in a README, a sponsors list or a table of offices, without a plan
/// or tenant column, are not a roster of customers.
#[test]
fn companies_without_plans_or_tenants_stay_clean() {
    let d = Dir::new();
    let mut readme = String::from("# Sponsors\n\nThanks to our sponsors:\n\n");
    let mut offices = String::from("company,country,founded\n");
    let mut table = String::from("| Sponsor | Tier |\n|---|---|\n");
    for (i, c) in COMPANIES.iter().enumerate() {
        readme.push_str(&format!("- {c}\n"));
        offices.push_str(&format!("{c},DE,{}\n", 1990 + i));
        table.push_str(&format!("| {c} | {} |\n", ["Gold", "Silver", "Bronze"][i % 3]));
    }
    d.write("SPONSORS.md", &readme);
    d.write("offices.csv", &offices);
    d.write("docs/backers.md", &table);
    let (f, all) = findings(&d);
    assert!(f.is_empty(), "{f:?}\n{all}");
}

/// `policy explain` documents every field type: header names, validator, thresholds.
#[test]
fn policy_explain_documents_field_types_and_thresholds() {
    let o = lg().args(["--policy", "builtin", "policy", "explain", "bulk-pii-stays-in-stores"]).output().expect("runs");
    let text = out(&o);
    for want in [
        "fires at 10 records",
        "national id: headers",
        "numéro_de_sécurité_sociale",
        "codice_fiscale",
        "Verhoeff",
        "97 − n mod 97",
        "company: headers",
        "plan: headers",
        "Luhn",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    let o = lg().args(["--policy", "builtin", "policy", "explain", "customer-list"]).output().expect("runs");
    assert!(out(&o).contains("a company and a plan or tenant") && out(&o).contains("fires at 10 rows"), "{}", out(&o));
}

/// A valid card number (Visa range, Luhn check digit) made from `i`.
fn card(i: usize) -> String {
    let body: Vec<u32> = format!("4{:014}", 1_000_003 * i + 17).bytes().map(|c| (c - b'0') as u32).collect();
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &x)| {
            if k % 2 == 0 {
                if x * 2 > 9 {
                    x * 2 - 9
                } else {
                    x * 2
                }
            } else {
                x
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    format!("{}{check}", body.iter().map(|d| char::from(b'0' + *d as u8)).collect::<String>())
}

/// Evasions of any shortcut that judges a table by its header or first rows: customer or
/// personal rows after 200 rows of metrics in the same file, under a benign header, or
/// without any header, are still found.
#[test]
fn personal_rows_after_benign_rows_or_headers_are_found() {
    let d = Dir::new();
    let metrics = |s: &mut String| {
        s.push_str("ts,cpu,mem\n");
        for i in 0..200 {
            s.push_str(&format!("{},0.{:03},{}\n", 1_700_000_000 + i, (i * 37) % 1000, 100 + (i * 13) % 900));
        }
    };
    let mut contacts = String::new();
    let mut phones = String::new();
    let mut cards = String::new();
    let mut benign_header = String::from("ts,cpu,mem\n");
    let mut headerless_phones = String::new();
    let mut headerless_cards = String::new();
    metrics(&mut contacts);
    metrics(&mut phones);
    metrics(&mut cards);
    for i in 0..5000 {
        let (name, domain) = company(i);
        let person = NAMES[i % NAMES.len()];
        contacts.push_str(&format!("{name},premium,admin{i}@{domain}\n"));
        phones.push_str(&format!("{},+49 30 {:07},{person}\n", 1_700_000_200 + i, 1_000_000 + i * 7));
        cards.push_str(&format!("{},{},{}\n", 1_700_000_200 + i, card(i), i % 1000));
        if i < 300 {
            benign_header.push_str(&format!("{},+44 20 {:07},{person}\n", 1_700_000_000 + i, 2_000_000 + i * 3));
            headerless_phones.push_str(&format!("{person},+33 1 {:08}\n", 10_000_000 + i * 11));
            headerless_cards.push_str(&format!("{},{}\n", i, card(i + 9000)));
        }
    }
    d.write("metrics_then_contacts.csv", &contacts);
    d.write("metrics_then_phones.csv", &phones);
    d.write("metrics_then_cards.csv", &cards);
    d.write("benign_header_phones.csv", &benign_header);
    d.write("headerless_phones.csv", &headerless_phones);
    d.write("headerless_cards.csv", &headerless_cards);
    let (f, all) = findings(&d);
    for (p, rule) in [
        ("metrics_then_contacts.csv", "customer-lists-stay-in-stores"),
        ("metrics_then_phones.csv", "bulk-pii-stays-in-stores"),
        ("metrics_then_cards.csv", "bulk-pii-stays-in-stores"),
        ("benign_header_phones.csv", "bulk-pii-stays-in-stores"),
        ("headerless_phones.csv", "bulk-pii-stays-in-stores"),
        ("headerless_cards.csv", "bulk-pii-stays-in-stores"),
    ] {
        let hit = f.iter().find(|(_, fp, _)| fp == p).unwrap_or_else(|| panic!("{p} not found: {f:?}\n{all}"));
        assert_eq!(hit.0, rule, "{p}: {hit:?}");
    }
}

/// Rows that need an address are read up to the record holding the text's last `@`:
/// every address row before it counts, the last one too when its quoted record runs on
/// over more lines, and a long tail without addresses changes nothing — quoted or not.
#[test]
fn address_rows_up_to_the_last_at_all_count() {
    let d = Dir::new();
    let mut quoted = String::from("\"company\",\"email\",\"note\"\n");
    let mut plain = String::from("company,email,note\n");
    for i in 0..7 {
        let (name, domain) = company(i);
        // The last address row's note runs over three lines.
        let note = if i == 6 { "\"first\nsecond\nthird\"".to_string() } else { format!("\"n{i}\"") };
        quoted.push_str(&format!("\"{name}\",\"admin{i}@{domain}\",{note}\n"));
        plain.push_str(&format!("{name},admin{i}@{domain},n{i}\n"));
    }
    for i in 0..3000 {
        quoted.push_str(&format!("\"row {i}\",\"\",\"x\"\n"));
        plain.push_str(&format!("row {i},,x\n"));
    }
    d.write("quoted.csv", &quoted);
    d.write("plain.csv", &plain);
    let (f, all) = findings(&d);
    for p in ["quoted.csv", "plain.csv"] {
        let hit = f.iter().find(|(_, fp, _)| fp == p).unwrap_or_else(|| panic!("{p} not found: {f:?}\n{all}"));
        assert_eq!(hit.0, "customer-lists-stay-in-stores", "{p}: {hit:?}");
        assert!(hit.2.starts_with("\"7 records with an e-mail field"), "{p}: {hit:?}");
    }
}
