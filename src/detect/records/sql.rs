//! SQL dumps: `INSERT INTO t (cols) VALUES (...),(...);` and PostgreSQL
//! `COPY t (cols) FROM stdin;` blocks ending in `\.`. An `INSERT` without a column
//! list takes its column names from the dump's `CREATE TABLE t (...)` (Northwind).

use memchr::memmem::Finder;

use super::{Records, Table};
use crate::detect::Text;

/// The statements' keywords, lower-case; they cannot overlap one another, so the
/// first to start is the first to end.
const KEYWORDS: [&str; 2] = ["insert into", "copy "];

/// A keyword of a statement in a text and what reading it needs of the text that no
/// detector changes: found once per text ([`Text::sql_keys`]), read by each detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `insert into` at `start`; `head` when a statement head follows it
    /// ([`insert_head`], not prose), and where `values` is first found after it.
    Insert { start: usize, head: bool, values: Option<usize> },
    /// `copy ` at `start`, `stdin` when it starts a line saying `from stdin` (ending at
    /// `line_end`).
    Copy { start: usize, line_end: usize, stdin: bool },
}

/// Every keyword of `s`, in order. Found case-insensitively with SIMD substring
/// searches over lower-cased blocks of the text (no copy of all of it: most texts
/// holding a keyword are prose saying "insert into"); a statement head is read on the
/// text itself, and only a text with one is lower-cased whole, to find `values`.
pub fn keys(s: &str) -> Vec<Key> {
    const BLOCK: usize = 64 << 10;
    let b = s.as_bytes();
    let finders = KEYWORDS.map(Finder::new);
    let longest = KEYWORDS.iter().map(|k| k.len()).max().unwrap_or(0);
    let mut hits: Vec<(usize, usize)> = Vec::new();
    let mut block = Vec::with_capacity(BLOCK.min(b.len()) + longest);
    let mut at = 0;
    while at < b.len() {
        // The block and enough of the next one to hold a keyword starting in it.
        let own_end = (at + BLOCK).min(b.len());
        block.clear();
        block.extend(b[at..(own_end + longest - 1).min(b.len())].iter().map(u8::to_ascii_lowercase));
        for (k, f) in finders.iter().enumerate() {
            hits.extend(f.find_iter(&block).map(|p| (at + p, k)).filter(|&(p, _)| p < own_end));
        }
        at = own_end;
    }
    hits.sort_unstable();
    let lower = std::cell::OnceCell::new();
    hits.into_iter()
        .map(|(start, k)| {
            let line_end = memchr::memchr(b'\n', &b[start..]).map_or(s.len(), |e| start + e);
            if k == 0 {
                let head = insert_head(&b[start + KEYWORDS[0].len()..]);
                let values = if head {
                    let lower = lower.get_or_init(|| s.to_ascii_lowercase());
                    memchr::memmem::find(&lower.as_bytes()[start..], b"values").map(|v| start + v)
                } else {
                    None
                };
                Key::Insert { start, head, values }
            } else {
                let stdin = (start == 0 || b[start - 1] == b'\n')
                    && memchr::memmem::find(&b[start..line_end].to_ascii_lowercase(), b"from stdin").is_some();
                Key::Copy { start, line_end, stdin }
            }
        })
        .collect()
}

pub fn parse(det: &Records, t: &Text) -> Table {
    let mut tab = Table::new("sql");
    let s = t.s;
    // Where reading resumes: keywords inside a statement already read are no statements.
    let mut pos = 0;
    for &key in t.sql_keys() {
        match key {
            Key::Insert { start, head, values } => {
                if start < pos {
                    continue;
                }
                pos = start + KEYWORDS[0].len();
                // INSERT INTO t (cols) VALUES (...), (...);
                if !head {
                    continue; // `insert into` in prose (a message, a comment): no statement
                }
                let Some(v) = values else { break };
                if tab.header.is_none() {
                    let head = &s[start..v];
                    if let (Some(a), Some(b)) = (head.find('('), head.rfind(')')) {
                        if a < b {
                            tab.set_header(head[a + 1..b].split(',').map(|c| c.trim_matches(['`', '"', ' '])));
                        }
                    } else if let Some(cols) = create_table_columns(s, head["insert into".len()..].trim()) {
                        tab.set_header(cols);
                    }
                }
                pos = tuples(det, t, &mut tab, v + 6).max(pos);
            }
            Key::Copy { start, line_end, stdin } => {
                if start < pos {
                    continue;
                }
                pos = start + KEYWORDS[1].len();
                // COPY t (cols) FROM stdin; rows until `\.`
                if !stdin {
                    continue;
                }
                let head = &s[start..line_end];
                if tab.header.is_none() {
                    if let (Some(a), Some(b)) = (head.find('('), head.rfind(')')) {
                        if a < b {
                            tab.set_header(head[a + 1..b].split(',').map(|c| c.trim_matches(['"', ' '])));
                        }
                    }
                }
                pos = (line_end + 1).min(s.len());
                for line in crate::detect::lines::split_inclusive_nl(&s[pos..]) {
                    pos += line.len();
                    let line = line.trim_end_matches(['\n', '\r']);
                    if line == "\\." {
                        break;
                    }
                    tab.row(det, t, line.split('\t').map(|f| if f == "\\N" { "" } else { f }));
                }
            }
        }
    }
    tab
}

/// What follows `insert into` in a statement (`b`, any case): a table name (bare,
/// quoted, bracketed, dotted), an optional column list, at most a few words
/// (`overriding system value`), then `values`. Text that merely says "insert into"
/// is not read up to the next `values` however far away.
fn insert_head(b: &[u8]) -> bool {
    const MAX_NAME: usize = 512;
    const MAX_COLUMNS: usize = 64 << 10;
    let ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    // The name: quoted parts up to their closing quote, bare parts up to a space or `(`.
    let start = ws(0);
    let mut i = start;
    while i < b.len() && i - start <= MAX_NAME {
        let close = match b[i] {
            b'"' => b'"',
            b'`' => b'`',
            b'[' => b']',
            c if c.is_ascii_whitespace() || c == b'(' || c == b';' => break,
            _ => {
                i += 1;
                continue;
            }
        };
        match memchr::memchr(close, &b[i + 1..(i + 1 + MAX_NAME).min(b.len())]) {
            Some(k) => i += k + 2,
            None => return false,
        }
    }
    if i == start || i - start > MAX_NAME {
        return false;
    }
    i = ws(i);
    // The column list, to its closing parenthesis.
    if b.get(i) == Some(&b'(') {
        let mut depth = 0usize;
        let end = (i + MAX_COLUMNS).min(b.len());
        loop {
            if i >= end || b[i] == b';' {
                return false;
            }
            match b[i] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        i = ws(i + 1);
    }
    // `values`, after at most four words.
    for _ in 0..5 {
        if b.get(i..i + 6).is_some_and(|w| w.eq_ignore_ascii_case(b"values")) {
            return true;
        }
        let w = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        if i == w {
            return false;
        }
        i = ws(i);
    }
    false
}

/// Column names of `CREATE TABLE <name> (...)` in `s`: the first word of each
/// definition at depth one, without constraints; at most 200 columns in 64 KiB.
/// The statement is found with ASCII case ignored.
fn create_table_columns<'a>(s: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let name = name.trim_matches(['`', '"', '[', ']']).to_ascii_lowercase();
    if name.is_empty() || name.len() > 64 || name.contains(char::is_whitespace) {
        return None;
    }
    let find =
        |needle: String| crate::detect::literals::case_insensitive(&[needle.as_str()]).find(s).map(|m| m.start());
    let at = find(format!("create table {name}"))
        .or_else(|| find(format!("create table public.{name}")))
        .or_else(|| find(format!("create table `{name}`")))
        .or_else(|| find(format!("create table \"{name}\"")))?;
    let mut end = s.len().min(at + (64 << 10));
    while !s.is_char_boundary(end) {
        end -= 1; // never inside a multi-byte character
    }
    let body = &s[at..end];
    let open = body.find('(')?;
    let (mut depth, mut start, mut cols) = (0usize, open + 1, Vec::new());
    for (i, c) in body.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '(' => depth += 1,
            ')' | ',' if depth == 1 => {
                let def = body[start..i].trim();
                let word = def.split_whitespace().next().unwrap_or("").trim_matches(['`', '"', '[', ']']);
                let constraint = ["constraint", "primary", "foreign", "unique", "key", "check", "index"]
                    .iter()
                    .any(|k| word.eq_ignore_ascii_case(k));
                if !word.is_empty() && !constraint {
                    cols.push(word);
                }
                if c == ')' || cols.len() >= 200 {
                    return Some(cols);
                }
                start = i + 1;
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
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
    // An escape at the very end can step past it.
    i.min(b.len())
}

#[cfg(test)]
mod tests {
    use crate::detect::records::Records;
    use crate::detect::Text;

    /// Found by the `detectors` fuzz target: a COPY block, an escape at the end, multibyte text.
    #[test]
    fn odd_dumps_do_not_panic() {
        let det = Records {
            min_rows: 1,
            need_email: true,
            need_phone: false,
            need_company: false,
            min_distinct_domains: 1,
            ignore: Default::default(),
            until_fired: false,
        };
        for s in [
            "COPY t (a) FROM stdin;\né\tx@y.io\n\\.\n",
            "INSERT INTO t VALUES ('a\\",
            "x\nCOPY t FROM stdin;\n\u{e9}",
            "INSERT INTO t (a) VALUES ('é'), ('x@y.io', 'ü\\",
        ] {
            let t = Text::new(s, false);
            let _ = super::parse(&det, &t);
        }
    }

    /// Keywords found block by block are those of one lower-cased copy of the whole
    /// text: straddling block ends, in any case, statement heads or prose.
    #[test]
    fn keys_by_block_are_the_whole_text_s() {
        use super::{insert_head, keys, Key, KEYWORDS};
        let reference = |s: &str| -> Vec<Key> {
            let lower = s.to_ascii_lowercase();
            let b = lower.as_bytes();
            let mut hits: Vec<(usize, usize)> = Vec::new();
            for (k, w) in KEYWORDS.iter().enumerate() {
                hits.extend(memchr::memmem::find_iter(b, w.as_bytes()).map(|at| (at, k)));
            }
            hits.sort_unstable();
            hits.into_iter()
                .map(|(start, k)| {
                    let line_end = memchr::memchr(b'\n', &b[start..]).map_or(s.len(), |e| start + e);
                    if k == 0 {
                        let head = insert_head(&b[start + 11..]);
                        let values =
                            if head { memchr::memmem::find(&b[start..], b"values").map(|v| start + v) } else { None };
                        Key::Insert { start, head, values }
                    } else {
                        let stdin = (start == 0 || b[start - 1] == b'\n')
                            && memchr::memmem::find(&b[start..line_end], b"from stdin").is_some();
                        Key::Copy { start, line_end, stdin }
                    }
                })
                .collect()
        };
        let pieces = [
            "INSERT INTO t (a) VALUES (1);\n",
            "insert Into x values",
            "we insert into the index ",
            "\nCOPY t (a) FROM STDIN;\n1\n\\.\n",
            "a copy of ",
            "x",
            "é",
            "\n",
        ];
        let mut x: u32 = 1;
        for round in 0..40 {
            let mut s = String::new();
            while s.len() < 70_000 + round * 5_000 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                s.push_str(pieces[(x >> 16) as usize % pieces.len()]);
                if (x >> 8).is_multiple_of(7) {
                    s.push_str(&"y".repeat((x >> 4) as usize % 9000));
                }
            }
            let want = reference(&s);
            assert!(want.len() > 10);
            assert_eq!(keys(&s), want, "round {round}");
        }
    }

    /// Statements in their usual dialects pass; prose saying "insert into" does not.
    #[test]
    fn insert_heads_are_statements() {
        let head = |s: &str| super::insert_head(s.as_bytes());
        for s in [
            " customers VALUES (1)",
            " `tenants` (`id`, `email`) VALUES (1, 'a')",
            " \"public\".\"users\" (\"id\") VALUES",
            " [dbo].[My Customers] ([a],[b])\nVALUES",
            " t(a, b)\n  values\n(1, 2)",
            " t (a) OVERRIDING SYSTEM VALUE VALUES (1)",
        ] {
            assert!(head(s), "{s}");
        }
        for s in [
            " database\"\nmsgstr \"\"\n... values",
            " the index (see below) and then values",
            " t (a; values",
            " t SELECT * FROM u; INSERT INTO v VALUES",
            " `unclosed VALUES",
            "",
        ] {
            assert!(!head(s), "{s}");
        }
    }

    /// Northwind's shape: `INSERT INTO t VALUES (...)` after `CREATE TABLE t (...)`.
    #[test]
    fn inserts_without_columns_take_them_from_create_table() {
        let cols = |s: &str, name: &str| super::create_table_columns(s, name).map(|c| c.join(","));
        let dump = "CREATE TABLE Customers (\n  id varchar(5) NOT NULL,\n  contact_name varchar(30),\n  phone numeric(24, 0),\n  PRIMARY KEY (id)\n);";
        assert_eq!(cols(dump, "customers").as_deref(), Some("id,contact_name,phone"));
        assert_eq!(cols("CREATE TABLE other (a int);", "customers"), None);
        assert_eq!(cols("CREATE TABLE customers (a int", "customers"), None);
        // The 64 KiB window ends inside a multi-byte character: no panic.
        let long = format!("CREATE TABLE customers (a int, --- {}\n", "é".repeat(40_000));
        assert!(!long.is_char_boundary(64 << 10), "the window must end inside a character");
        assert_eq!(cols(&long, "customers"), None);
    }
}
