//! Delimited text: CSV, TSV, `;` and `|` separated, sniffed from the first lines;
//! quoted fields, CRLF and a BOM read as the csv crate reads them (a unit test
//! compares the two), split in place rather than copied record by record.

use std::borrow::Cow;

use super::{Records, Table, HEADER_HINTS};
use crate::detect::fields::{self, class};
use crate::detect::Text;

const DELIMS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// What every detector's reading of a text needs and none changes: the sniffed
/// delimiter and, for a quoted text, where the records that can count start (the
/// first, a header candidate, and those with two non-empty fields: a record with fewer
/// only widens the column count) — found once per text ([`Text::delimited`]).
#[derive(Debug, Default)]
pub struct Split {
    delim: Option<u8>,
    records: Vec<usize>,
}

/// [`Split`] of `s` (without its BOM).
pub fn split(s: &str) -> Split {
    let s = s.trim_start_matches('\u{feff}');
    let Some(delim) = sniff(s) else { return Split::default() };
    let mut records = Vec::new();
    if memchr::memchr(b'"', s.as_bytes()).is_some() {
        let mut owned: Vec<Cow<'_, str>> = Vec::new();
        let mut at = 0;
        while let Some(next) = quoted_record(s, at, delim, &mut owned) {
            if records.is_empty() || owned.iter().filter(|f| !fields::trim(f).is_empty()).take(2).count() == 2 {
                records.push(at);
            }
            at = next;
        }
    }
    Split { delim: Some(delim), records }
}

pub fn parse(det: &Records, t: &Text) -> Table {
    let s = t.s.trim_start_matches('\u{feff}');
    let split = t.delimited();
    let Some(delim) = split.delim else { return Table::new("csv") };
    let format = match delim {
        b'\t' => "tsv",
        b';' => "csv (;)",
        b'|' => "psv",
        _ => "csv",
    };
    let mut tab = Table::new(format);
    let mut first = true;
    let mut cells: Vec<&str> = Vec::new();
    // A row counted for its address holds an `@` (unquoting makes none): when rows
    // need one, those after the last `@` only widen the column count and are not
    // read (a translation catalogue credits its translators at the top).
    let last_at = if det.need_email { memchr::memrchr(b'@', s.as_bytes()) } else { None };
    if memchr::memchr(b'"', s.as_bytes()).is_none() {
        // Up to the end of the line holding the last `@`.
        let end =
            last_at.map_or(s.len(), |p| memchr::memchr2(b'\n', b'\r', &s.as_bytes()[p..]).map_or(s.len(), |i| p + i));
        let s = &s[..end];
        // Without a quote the csv crate's reading is plain splitting: a record per
        // non-empty line (`\n`, `\r` or `\r\n` ends it), a field per delimiter. Done
        // here on the text itself: no copy of each record, no UTF-8 check of it.
        // One read of the bytes: rows of a table are short, and a SIMD search per
        // line and per cell cost more in set-up than it saved.
        // Each cell's byte classes are OR-ed on the way (one table look-up per byte,
        // which also finds the delimiter and the line ends): a row no validator of
        // the detector can type is judged from them without reading a cell again.
        let mut lut = fields::class::TABLE;
        for c in [delim, b'\n', b'\r'] {
            lut[c as usize] = class::SPECIAL;
        }
        tab.in_text = Some(0);
        let b = s.as_bytes();
        let (mut line, mut cell, mut mask) = (0, 0, 0u16);
        let mut masks: Vec<u16> = Vec::new();
        for (i, &c) in b.iter().enumerate() {
            let k = lut[c as usize];
            if k != class::SPECIAL {
                mask |= k;
            } else if c == delim {
                cells.push(&s[cell..i]);
                masks.push(mask);
                (cell, mask) = (i + 1, 0);
            } else {
                if i > line {
                    cells.push(&s[cell..i]);
                    masks.push(mask);
                    row_classed(det, t, &mut tab, &cells, &masks, &mut first);
                }
                cells.clear();
                masks.clear();
                (line, cell, mask) = (i + 1, i + 1, 0);
            }
        }
        if b.len() > line {
            cells.push(&s[cell..]);
            masks.push(mask);
            row_classed(det, t, &mut tab, &cells, &masks, &mut first);
        }
        return tab;
    }
    // The records that can count, each split again: the others (one field or none)
    // change nothing a detector reads.
    let mut owned: Vec<Cow<'_, str>> = Vec::new();
    for &at in &split.records {
        if last_at.is_some_and(|p| at > p) {
            break; // the record holding the last `@` is read
        }
        if quoted_record(s, at, delim, &mut owned).is_none() {
            break;
        }
        let cells: Vec<&str> = owned.iter().map(|c| &**c).collect();
        row(det, t, &mut tab, &cells, &mut first);
    }
    tab
}

/// The record of `s` starting at byte `i` (or after the blank lines there), read as
/// the csv crate reads one (quote `"`, a doubled quote inside quotes is one, bytes
/// after a closing quote join the field, `\r` or `\n` ends a record, blank lines are
/// skipped, any number of fields): its cells into `cells`, and where the next record
/// starts; `None` at the end. Cells are slices of `s` unless a doubled quote or bytes
/// after a closing quote make a copy. One pass, no per-record UTF-8 check (`s` is text
/// and every split is at an ASCII byte).
fn quoted_record<'a>(s: &'a str, mut i: usize, delim: u8, cells: &mut Vec<Cow<'a, str>>) -> Option<usize> {
    let b = s.as_bytes();
    let end_of_record = |c: u8| c == b'\n' || c == b'\r';
    while i < b.len() && end_of_record(b[i]) {
        i += 1;
    }
    if i >= b.len() {
        return None;
    }
    cells.clear();
    loop {
        // A field starts at `i`; ends at a delimiter (another field follows), at the end
        // of the record or of the text.
        let mut field: Cow<'a, str>;
        if b.get(i) == Some(&b'"') {
            let mut from = i + 1;
            field = Cow::Borrowed("");
            loop {
                let Some(q) = memchr::memchr(b'"', &b[from..]).map(|k| from + k) else {
                    // Quote never closed: the field runs to the end of the text.
                    append(&mut field, &s[from..]);
                    i = b.len();
                    break;
                };
                if b.get(q + 1) == Some(&b'"') {
                    append(&mut field, &s[from..q + 1]);
                    from = q + 2;
                    continue;
                }
                append(&mut field, &s[from..q]);
                // After the closing quote, bytes up to a delimiter or line end join it.
                let rest = memchr::memchr3(delim, b'\n', b'\r', &b[q + 1..]).map_or(b.len(), |k| q + 1 + k);
                append(&mut field, &s[q + 1..rest]);
                i = rest;
                break;
            }
        } else {
            let e = memchr::memchr3(delim, b'\n', b'\r', &b[i..]).map_or(b.len(), |k| i + k);
            field = Cow::Borrowed(&s[i..e]);
            i = e;
        }
        cells.push(field);
        match b.get(i) {
            Some(&c) if c == delim => i += 1,
            Some(_) => return Some(i + 1),
            None => return Some(i),
        }
    }
}

/// `field` followed by `more`, copied only when both are non-empty.
fn append<'a>(field: &mut Cow<'a, str>, more: &'a str) {
    if more.is_empty() {
        return;
    }
    if field.is_empty() {
        *field = Cow::Borrowed(more);
    } else {
        field.to_mut().push_str(more);
    }
}

/// [`row`], given the byte classes of each cell: a row the detector cannot count
/// only widens the table's column count.
fn row_classed(det: &Records, t: &Text, tab: &mut Table, cells: &[&str], masks: &[u16], first: &mut bool) {
    if !*first {
        let all = masks.iter().fold(0, |a, m| a | m);
        // Only a row of `-`, `:` and white space can be a separator row.
        let separator_chars = class::DASH | class::COLON | class::WHITE | class::NON_ASCII;
        if all & !separator_chars != 0 {
            if let Some(nonempty) = det.inert_row(&tab.types, cells, masks) {
                tab.columns = tab.columns.max(nonempty);
                return;
            }
        }
    }
    row(det, t, tab, cells, first);
}

/// One record's cells: the header when it is the first and reads as one, else a row.
fn row(det: &Records, t: &Text, tab: &mut Table, cells: &[&str], first: &mut bool) {
    if *first {
        *first = false;
        if is_header(cells) {
            tab.set_header(cells.iter().copied());
            return;
        }
    }
    if cells.iter().all(|f| f.trim().chars().all(|c| matches!(c, '-' | ':' | ' '))) {
        return; // markdown separator row
    }
    // A record has two non-empty fields: one with fewer only widens the column count,
    // as it would in `Table::row` (a text sniffed as `|`-separated for a glossary at
    // its top is mostly lines of one field).
    let nonempty = cells.iter().filter(|f| !fields::trim(f).is_empty()).take(2).count();
    if nonempty < 2 {
        tab.columns = tab.columns.max(nonempty);
        return;
    }
    tab.row(det, t, cells.iter().copied());
}

/// A first row of names: no value a validator types (address, phone, card …), and
/// words rather than data.
fn is_header(rec: &[&str]) -> bool {
    let mut alpha = 0;
    for f in rec.iter() {
        let f = f.trim();
        if f.contains('@') || f.len() > 40 || fields::from_value(f).is_some() || fields::is_phone(f) {
            return false;
        }
        if f.chars().any(char::is_alphabetic) {
            alpha += 1;
        }
    }
    alpha >= 2
        || rec.iter().any(|f| {
            let f = f.trim().to_lowercase();
            HEADER_HINTS.iter().any(|h| f.contains(h))
        })
}

/// The delimiter whose per-line count is the most consistent over the first lines.
fn sniff(s: &str) -> Option<u8> {
    let lines: Vec<&str> = crate::detect::lines::lines_nl(s).filter(|l| !l.trim().is_empty()).take(60).collect();
    if lines.len() < 2 {
        return None;
    }
    let mut best: Option<(f64, u8)> = None;
    for d in DELIMS {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let mut freq = std::collections::HashMap::new();
        for &c in counts.iter().filter(|&&c| c > 0) {
            *freq.entry(c).or_insert(0usize) += 1;
        }
        let Some((&mode, &n)) = freq.iter().max_by_key(|(k, v)| (**v, **k)) else { continue };
        let consistency = n as f64 / lines.len() as f64;
        if consistency < 0.6 {
            continue;
        }
        let score = consistency * (1.0 + (mode as f64).min(8.0) / 8.0);
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, d));
        }
    }
    best.map(|(_, d)| d)
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut inq = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            inq = !inq;
        } else if b == d && !inq {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading only the records of [`split`] counts what reading every record counts
    /// (rows, header, addresses, field types, first location), for each kind of
    /// detector, on generated quoted texts of one-field lines, blank lines, quoted
    /// fields across lines and addresses anywhere (the last one too).
    #[test]
    fn split_records_read_as_every_record() {
        use crate::detect::records::Records;
        let alphabet = [
            "a@b.io",
            "Jo Ann",
            "\"x, y\"",
            ",",
            ",",
            "\n",
            "\n",
            "\r\n",
            "\"q\n r\"",
            "+49 30 1234567",
            "msgid \"a\"",
            " ",
            "\"\"",
            "c@d.org",
            "12 Main Street",
            "\nJo Ann,a@b.io,+49 30 1234567\n",
            "\nMax Muster,\"c@d.org\",12 Main Street\n",
            "\nAcme GmbH,premium,e@f.io\n",
        ];
        let dets: Vec<Records> = [(true, false), (false, false), (false, true)]
            .iter()
            .map(|&(need_email, need_company)| Records {
                min_rows: 1,
                need_email,
                need_phone: false,
                need_company,
                min_distinct_domains: 1,
                ignore: Default::default(),
                until_fired: false,
            })
            .collect();
        let mut x: u32 = 3;
        let mut counted = 0;
        for round in 0..3000 {
            let mut s = String::from("name,email,phone\n");
            for _ in 0..(round % 50) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                s.push_str(alphabet[(x >> 16) as usize % alphabet.len()]);
            }
            let t = Text::new(&s, false);
            let Some(delim) = sniff(&s) else { continue };
            for det in &dets {
                let got = parse(det, &t);
                // Every record, as read before the split was shared.
                let mut want = Table::new("csv");
                let (mut owned, mut at, mut first) = (Vec::new(), 0, true);
                let last_at = if det.need_email { memchr::memrchr(b'@', s.as_bytes()) } else { None };
                while let Some(next) = quoted_record(&s, at, delim, &mut owned) {
                    at = next;
                    let cells: Vec<&str> = owned.iter().map(|c| &**c).collect();
                    row(det, &t, &mut want, &cells, &mut first);
                    if last_at.is_some_and(|p| at > p) {
                        break;
                    }
                }
                let set = |v: &crate::detect::emails::ValueSet| v.iter().map(str::to_string).collect::<Vec<_>>();
                assert_eq!(
                    (got.rows, &got.header, set(&got.emails), set(&got.ids), &got.fields, got.first),
                    (want.rows, &want.header, set(&want.emails), set(&want.ids), &want.fields, want.first),
                    "{s:?}"
                );
                counted += got.rows;
            }
        }
        assert!(counted > 1000, "rows were counted: {counted}");
    }

    /// Every record and field as the csv crate reads them, on generated texts full of
    /// quotes, doubled quotes, delimiters and line ends in every position.
    #[test]
    fn quoted_records_are_the_csv_crates() {
        let alphabet = ["a", "é", ",", ";", "\"", "\"\"", "\n", "\r", "\r\n", " ", "x\"y", "\n\n"];
        let mut x: u32 = 5;
        for round in 0..3000 {
            let mut s = String::new();
            for _ in 0..(round % 40) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                s.push_str(alphabet[(x >> 16) as usize % alphabet.len()]);
            }
            for delim in [b',', b';'] {
                let mut want: Vec<Vec<String>> = Vec::new();
                let mut rdr = csv::ReaderBuilder::new()
                    .delimiter(delim)
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(s.as_bytes());
                let mut rec = csv::StringRecord::new();
                while rdr.read_record(&mut rec).expect("valid text") {
                    want.push(rec.iter().map(str::to_string).collect());
                }
                let mut got: Vec<Vec<String>> = Vec::new();
                let mut cells = Vec::new();
                let mut at = 0;
                while let Some(next) = quoted_record(&s, at, delim, &mut cells) {
                    assert!(next > at, "no progress at {at} in {s:?}");
                    at = next;
                    got.push(cells.iter().map(|c| c.to_string()).collect());
                }
                assert_eq!(got, want, "round {round}, {:?}: {s:?}", delim as char);
            }
        }
    }
}
