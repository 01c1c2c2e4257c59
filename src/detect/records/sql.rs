//! SQL dumps: `INSERT INTO t (cols) VALUES (...),(...);` and PostgreSQL
//! `COPY t (cols) FROM stdin;` blocks ending in `\.`.

use super::{Records, Table};
use crate::detect::Text;

pub fn parse(det: &Records, t: &Text) -> Table {
    let mut tab = Table::new("sql");
    let s = t.s;
    let lower = s.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(i) = lower[pos..].find("insert into") {
        let start = pos + i;
        let Some(v) = lower[start..].find("values") else { break };
        if tab.header.is_none() {
            let head = &s[start..start + v];
            if let (Some(a), Some(b)) = (head.find('('), head.rfind(')')) {
                if a < b {
                    tab.set_header(head[a + 1..b].split(',').map(|c| c.trim_matches(['`', '"', ' '])));
                }
            }
        }
        pos = tuples(det, t, &mut tab, start + v + 6);
    }
    let mut pos = 0;
    while let Some(i) = lower[pos..].find("copy ") {
        let start = pos + i;
        let line_end = s[start..].find('\n').map_or(s.len(), |e| start + e);
        let head = &lower[start..line_end];
        pos = line_end;
        if !head.contains("from stdin") {
            continue;
        }
        if tab.header.is_none() {
            if let (Some(a), Some(b)) = (head.find('('), head.rfind(')')) {
                if a < b {
                    tab.set_header(s[start + a + 1..start + b].split(',').map(|c| c.trim_matches(['"', ' '])));
                }
            }
        }
        for line in s[line_end.min(s.len())..].lines().skip(1) {
            if line == "\\." {
                break;
            }
            tab.row(det, t, line.split('\t').map(|f| if f == "\\N" { "" } else { f }));
            pos += line.len() + 1;
        }
    }
    tab.format = "sql";
    tab
}

/// Parses `(a, 'b', ...)` tuples from `from`; returns where parsing stopped.
fn tuples(det: &Records, t: &Text, tab: &mut Table, from: usize) -> usize {
    let b = t.s.as_bytes();
    let mut i = from;
    let mut fields: Vec<&str> = Vec::new();
    let mut depth = 0usize;
    let mut field_start = i;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                let s = i + 1;
                i += 1;
                while i < b.len() {
                    if b[i] == q && b.get(i + 1) == Some(&q) {
                        i += 2;
                        continue;
                    }
                    if b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q {
                        break;
                    }
                    i += 1;
                }
                if depth == 1 {
                    fields.push(t.s.get(s..i.min(b.len())).unwrap_or(""));
                    field_start = usize::MAX;
                }
            }
            b'(' => {
                depth += 1;
                if depth == 1 {
                    fields.clear();
                    field_start = i + 1;
                }
            }
            b',' | b')' if depth == 1 => {
                if field_start != usize::MAX {
                    fields.push(t.s.get(field_start..i).unwrap_or("").trim());
                }
                field_start = i + 1;
                if b[i] == b')' {
                    depth = 0;
                    tab.row(det, t, fields.drain(..));
                }
            }
            b')' => depth = depth.saturating_sub(1),
            b';' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i
}
