//! Marked-up records: HTML and markdown tables, vCard, LDIF and mail headers
//! (`To:`/`Cc:`/`Bcc:` recipient lists).

use std::sync::LazyLock;

use regex::Regex;

use super::{Records, Table};
use crate::detect::emails;
use crate::detect::fields::{self, Field};
use crate::detect::Text;

static ROW: LazyLock<Regex> = LazyLock::new(|| re(r"(?is)<tr(?-u:\b).*?(?:</tr\s*>|$)"));
static CELL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?is)<t([dh])(?-u:\b)[^>]*>(.*?)(?:</t[dh]\s*>|<t[dh](?-u:\b)|$)"));
static TAG: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<[^>]*>"));

fn re(s: &str) -> Regex {
    // Fixed patterns written above: a failure here is a programming error caught by tests.
    Regex::new(s).expect("static regex")
}

pub fn html(det: &Records, t: &Text) -> Table {
    let mut tab = Table::new("html table");
    // Without a row tag nothing matches, and without a cell tag every row is empty:
    // no rows, no header. Text that only says `<tree-ish>` or `<threads>`, or has a
    // `<tr>` without cells, is not read with the row and cell expressions (each row
    // then ran to the end of the text).
    if !has_tags(t.s.as_bytes()) {
        return tab;
    }
    for row in ROW.find_iter(t.s) {
        let cells: Vec<(bool, String)> = CELL
            .captures_iter(row.as_str())
            .map(|c| (&c[1] == "h" || &c[1] == "H", TAG.replace_all(&c[2], " ").trim().to_string()))
            .collect();
        if cells.iter().all(|(h, _)| *h) {
            if tab.header.is_none() {
                tab.set_header(cells.iter().map(|(_, c)| c.as_str()));
            }
            continue;
        }
        tab.row(det, t, cells.iter().map(|(_, c)| c.as_str()));
    }
    tab
}

/// Whether `b` holds both a row tag (`<tr`) and a cell tag (`<td`, `<th`), ASCII case
/// ignored, each ending where [`ROW`] and [`CELL`] see a word boundary: what they
/// need to find anything. One SIMD search for `<`; most text has few.
fn has_tags(b: &[u8]) -> bool {
    let (mut row, mut cell) = (false, false);
    for i in memchr::memchr_iter(b'<', b) {
        let Some(&[t, k]) = b.get(i + 1..i + 3) else { break };
        if t | 0x20 != b't' || b.get(i + 3).is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_') {
            continue;
        }
        match k | 0x20 {
            b'r' => row = true,
            b'd' | b'h' => cell = true,
            _ => {}
        }
        if row && cell {
            return true;
        }
    }
    false
}

pub fn markdown(det: &Records, t: &Text) -> Table {
    let mut tab = Table::new("markdown table");
    let mut in_table = false;
    for line in crate::detect::lines::lines_nl(t.s) {
        let l = line.trim();
        if !l.starts_with('|') {
            in_table = false;
            continue;
        }
        let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
        if cells.iter().all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))) {
            continue;
        }
        if !in_table {
            in_table = true;
            if !l.contains('@') {
                if tab.header.is_none() {
                    tab.set_header(cells.iter().copied());
                }
                continue;
            }
        }
        tab.row(det, t, cells);
    }
    tab
}

pub fn vcard(det: &Records, t: &Text) -> Table {
    let mut tab = Table::new("vcard");
    let lower = t.s.to_ascii_lowercase();
    let mut starts: Vec<usize> = lower.match_indices("begin:vcard").map(|(i, _)| i).collect();
    starts.push(t.s.len());
    for w in starts.windows(2) {
        let card = &t.s[w[0]..w[1]];
        let fields: Vec<(Option<Field>, &str)> = card
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                let k = k.split(';').next()?.to_ascii_uppercase();
                let kind = match k.as_str() {
                    "FN" | "N" => Some(Field::Name),
                    "EMAIL" => Some(Field::Email),
                    "TEL" => Some(Field::Phone),
                    "ADR" => Some(Field::Address),
                    "BDAY" => Some(Field::Birthdate),
                    "ORG" => Some(Field::Company),
                    "TITLE" => None,
                    _ => return None,
                };
                Some((kind, v.trim_matches(';')))
            })
            .collect();
        tab.row_typed(det, t, fields);
    }
    tab
}

pub fn ldif(det: &Records, t: &Text) -> Table {
    let mut tab = Table::new("ldif");
    for entry in t.s.split("\n\n") {
        if !entry.trim_start().starts_with("dn:") {
            continue;
        }
        let fields: Vec<(Option<Field>, &str)> = entry
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                let kind = match k.to_ascii_lowercase().as_str() {
                    "cn" | "sn" | "givenname" | "displayname" => Some(Field::Name),
                    "mail" => Some(Field::Email),
                    "telephonenumber" | "mobile" | "homephone" => Some(Field::Phone),
                    "street" | "postaladdress" | "homepostaladdress" => Some(Field::Address),
                    "postalcode" => Some(Field::Postcode),
                    "o" => Some(Field::Company),
                    _ => fields::from_header(k),
                };
                Some((kind, v.trim_start_matches(':').trim()))
            })
            .collect();
        tab.row_typed(det, t, fields);
    }
    tab
}

/// Every address of `To:`, `Cc:`, `Bcc:`, `Reply-To:` headers (with continuation lines)
/// is one row: a recipient list is a contact list.
pub fn mail_headers(det: &Records, t: &Text) -> Table {
    let mut tab = Table::new("mail headers");
    let found = collect_recipients(det, t, &mut tab);
    // A test mail to a handful of people is not a contact list; ten recipients are.
    if found < 10 {
        return Table::new("mail headers");
    }
    tab
}

fn collect_recipients(det: &Records, t: &Text, tab: &mut Table) -> usize {
    let mut found = 0;
    let mut lines = crate::detect::lines::lines_nl(t.s).peekable();
    while let Some(line) = lines.next() {
        let Some((k, v)) = line.split_once(':') else { continue };
        if !matches!(k.to_ascii_lowercase().as_str(), "to" | "cc" | "bcc" | "reply-to") {
            continue;
        }
        let mut parts = vec![v];
        while let Some(next) = lines.peek() {
            if next.starts_with([' ', '\t']) {
                parts.push(next);
                lines.next();
            } else {
                break;
            }
        }
        for p in parts {
            for (s, e) in emails::find(p) {
                // A recipient is a row of its own: its address and the header it stood in.
                tab.row(det, t, [&p[s..e], k]);
                found += 1;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text without the tags `has_tags` looks for holds no row with a cell: the
    /// expressions find nothing to read (generated text full of near misses).
    #[test]
    fn tag_gate_lets_every_table_through() {
        let alphabet = ["<tr", "<TR", "<td", "<tH", "<tree", "<th_", "<td9", "<t", ">", " ", "é", "</tr>", "x", "<"];
        let mut x: u32 = 7;
        let (mut tables, mut gated) = (0, 0);
        for round in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(round % 12) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                s.push_str(alphabet[(x >> 16) as usize % alphabet.len()]);
            }
            let cells = ROW.find_iter(&s).any(|r| CELL.is_match(r.as_str()));
            if cells {
                tables += 1;
                assert!(has_tags(s.as_bytes()), "{s:?} has a row with a cell");
            } else if !has_tags(s.as_bytes()) {
                gated += 1;
            }
        }
        assert!(tables > 500 && gated > 1000, "both kinds generated: {tables} tables, {gated} gated");
        assert!(!has_tags(b"git checkout <tree-ish> -- <threads>"));
        assert!(has_tags(b"<TR class=x><Td>a</td></tr>"));
    }
}
