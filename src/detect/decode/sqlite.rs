//! SQLite 3 database files, read without the SQLite library: a bounded, panic-free,
//! read-only reader of the file format (header, the schema table on page 1, table
//! b-trees, cells with overflow chains, records). Each rowid table becomes tab-separated
//! text: a header row of its column names, then one row per record.
//!
//! Every page is visited at most once per database (a second visit is a cycle), so
//! time is linear in the file; rows and output bytes are capped. Whatever cannot be
//! read (a truncated file, a cycle, a page of the wrong kind, a `WITHOUT ROWID` table)
//! is returned as a problem, never skipped silently and never a panic.

/// The first 16 bytes of every SQLite 3 database file.
pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Most rows read from one database, all tables together.
pub const MAX_ROWS: usize = 5_000_000;

/// One table as text.
#[derive(Debug)]
pub struct Table {
    pub name: String,
    pub tsv: String,
}

/// What was read, and what could not be: `(table or "", reason)`.
#[derive(Debug, Default)]
pub struct Read {
    pub tables: Vec<Table>,
    pub problems: Vec<(String, String)>,
}

/// Reads every rowid table of the database in `data`, producing at most `max_bytes`
/// of text and [`MAX_ROWS`] rows.
pub fn read(data: &[u8], max_bytes: u64) -> Read {
    read_with(data, max_bytes, MAX_ROWS)
}

fn read_with(data: &[u8], max_bytes: u64, max_rows: usize) -> Read {
    let mut out = Read::default();
    let mut db = match Db::open(data, &mut out.problems) {
        Ok(db) => db,
        Err(reason) => {
            out.problems.push((String::new(), reason));
            return out;
        }
    };
    let mut schema = Vec::new();
    if let Err(reason) = db.walk(1, &mut |_, payload, db: &Db| {
        let v = record(payload)?;
        let text = |i: usize| v.get(i).map(|x| db.text(x)).unwrap_or_default();
        let root = match v.get(3) {
            Some(Value::Int(n)) => *n,
            _ => 0,
        };
        schema.push((text(0), text(1), root, text(4)));
        Ok(())
    }) {
        out.problems.push((String::new(), format!("unreadable schema: {reason}")));
    }
    let (mut bytes, mut rows) = (0u64, 0usize);
    for (kind, name, root, sql) in schema {
        if kind != "table" || name.starts_with("sqlite_") {
            continue;
        }
        if root <= 0 {
            // A virtual table (full-text search …): its rows live in shadow tables,
            // which are ordinary tables read on their own.
            continue;
        }
        let cols = columns(&sql);
        if without_rowid(&sql) {
            out.problems.push((name, "WITHOUT ROWID table is not read".to_string()));
            continue;
        }
        let mut tsv = String::new();
        let header: Vec<String> = cols.iter().map(|c| clean(&c.0)).collect();
        tsv.push_str(&header.join("\t"));
        tsv.push('\n');
        bytes += tsv.len() as u64;
        let walked = db.walk(u32::try_from(root).unwrap_or(u32::MAX), &mut |rowid, payload, db: &Db| {
            if rows >= max_rows {
                return Err(format!("database holds more than {max_rows} rows (limit); the rest is not read"));
            }
            let v = record(payload)?;
            let start = tsv.len();
            let n = v.len().max(cols.len());
            for i in 0..n {
                if i > 0 {
                    tsv.push('\t');
                }
                match v.get(i) {
                    Some(Value::Null) | None if cols.get(i).is_some_and(|c| c.1) => tsv.push_str(&rowid.to_string()),
                    Some(x) => tsv.push_str(&clean(&db.text(x))),
                    None => {}
                }
            }
            tsv.push('\n');
            rows += 1;
            bytes += (tsv.len() - start) as u64;
            if bytes > max_bytes {
                tsv.truncate(start);
                return Err("database expands beyond the size limit; the rest is not read".to_string());
            }
            Ok(())
        });
        if let Err(reason) = walked {
            out.problems.push((name.clone(), reason));
        }
        out.tables.push(Table { name, tsv });
        if bytes > max_bytes || rows >= max_rows {
            break;
        }
    }
    if out.problems.len() > MAX_PROBLEMS {
        let more = out.problems.len() - MAX_PROBLEMS;
        out.problems.truncate(MAX_PROBLEMS);
        out.problems.push((String::new(), format!("{more} more damaged tables")));
    }
    out
}

/// Most problems reported for one database (a damaged schema may name thousands of tables).
const MAX_PROBLEMS: usize = 20;

/// A value of a record; text and blobs borrow the payload.
#[derive(Debug)]
enum Value<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

/// Called with each row of a table: `(rowid, payload, database)`.
type RowFn<'f> = dyn FnMut(i64, &[u8], &Db) -> Result<(), String> + 'f;

/// The parsed header and the pages, with the set of pages already visited.
struct Db<'a> {
    data: &'a [u8],
    page_size: usize,
    usable: usize,
    pages: u32,
    /// 1 UTF-8, 2 UTF-16LE, 3 UTF-16BE.
    encoding: u32,
    visited: Vec<bool>,
}

impl<'a> Db<'a> {
    fn open(data: &'a [u8], problems: &mut Vec<(String, String)>) -> Result<Db<'a>, String> {
        if data.len() < 100 || !data.starts_with(MAGIC) {
            return Err("not an SQLite 3 database (header too short)".to_string());
        }
        let page_size = match u16::from_be_bytes([data[16], data[17]]) {
            1 => 65536usize,
            n => n as usize,
        };
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!("unreadable SQLite database: invalid page size {page_size}"));
        }
        let reserved = data[20] as usize;
        let usable = page_size - reserved;
        if usable < 480 {
            return Err("unreadable SQLite database: invalid reserved space".to_string());
        }
        let encoding = be32(data, 56).unwrap_or(1);
        let encoding = if encoding == 0 { 1 } else { encoding };
        if encoding > 3 {
            return Err(format!("unreadable SQLite database: unknown text encoding {encoding}"));
        }
        let in_file = data.len() / page_size;
        if !data.len().is_multiple_of(page_size) {
            problems.push((String::new(), "truncated SQLite database: the last page is incomplete".to_string()));
        }
        let declared = be32(data, 28).unwrap_or(0);
        let valid = be32(data, 24) == be32(data, 92);
        if valid && declared as usize > in_file {
            problems.push((
                String::new(),
                format!("truncated SQLite database: the header declares {declared} pages, the file holds {in_file}"),
            ));
        }
        let pages = u32::try_from(in_file).unwrap_or(u32::MAX);
        Ok(Db { data, page_size, usable, pages, encoding, visited: vec![false; in_file + 1] })
    }

    /// Page `n` (1-based), marked visited: a second visit is a cycle.
    fn visit(&mut self, n: u32) -> Result<&'a [u8], String> {
        if n == 0 || n > self.pages {
            return Err(format!("page {n} is beyond the end of the file ({} pages)", self.pages));
        }
        let seen = self.visited.get_mut(n as usize).ok_or_else(|| format!("page {n} out of range"))?;
        if *seen {
            return Err(format!("page {n} is reached twice (a cycle)"));
        }
        *seen = true;
        let start = (n as usize - 1) * self.page_size;
        self.data.get(start..start + self.page_size).ok_or_else(|| format!("page {n} is beyond the end of the file"))
    }

    /// Every row of the table b-tree rooted at `root`, in rowid order: `f(rowid, payload, db)`.
    fn walk(&mut self, root: u32, f: &mut RowFn<'_>) -> Result<(), String> {
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let page = self.visit(n)?;
            let h = if n == 1 { 100 } else { 0 };
            let kind = *page.get(h).ok_or("short page")?;
            let cells = be16(page, h + 3).ok_or("short page")? as usize;
            match kind {
                5 => {
                    let first = h + 12;
                    if first + 2 * cells > page.len() {
                        return Err(format!("page {n}: cell count beyond the page"));
                    }
                    stack.push(be32(page, h + 8).ok_or("short page")?);
                    for i in (0..cells).rev() {
                        let at = be16(page, first + 2 * i).ok_or("short page")? as usize;
                        stack.push(be32(page, at).ok_or_else(|| format!("page {n}: cell beyond the page"))?);
                    }
                }
                13 => {
                    let first = h + 8;
                    if first + 2 * cells > page.len() {
                        return Err(format!("page {n}: cell count beyond the page"));
                    }
                    for i in 0..cells {
                        let at = be16(page, first + 2 * i).ok_or("short page")? as usize;
                        let (rowid, payload) = self.leaf_cell(page, at).map_err(|e| format!("page {n}: {e}"))?;
                        f(rowid, &payload, self)?;
                    }
                }
                k => return Err(format!("page {n} is not a table b-tree page (type {k})")),
            }
        }
        Ok(())
    }

    /// A table leaf cell at offset `at`: its rowid and whole payload (overflow included).
    fn leaf_cell(&mut self, page: &[u8], at: usize) -> Result<(i64, Vec<u8>), String> {
        let (size, k) = varint(page, at).ok_or("cell beyond the page")?;
        let (rowid, k2) = varint(page, at + k).ok_or("cell beyond the page")?;
        let start = at + k + k2;
        let total = usize::try_from(size).map_err(|_| "cell size out of range".to_string())?;
        if total > self.data.len() {
            return Err("cell larger than the file".to_string());
        }
        let u = self.usable;
        let x = u - 35;
        let local = if total <= x {
            total
        } else {
            let m = ((u - 12) * 32 / 255) - 23;
            let k = m + (total - m) % (u - 4);
            if k <= x {
                k
            } else {
                m
            }
        };
        let mut out = page.get(start..start + local).ok_or("cell beyond the page")?.to_vec();
        if total > local {
            let mut next = be32(page, start + local).ok_or("cell beyond the page")?;
            while out.len() < total {
                if next == 0 {
                    return Err("overflow chain ends early".to_string());
                }
                let p = self.visit(next)?;
                next = be32(p, 0).ok_or("short page")?;
                let take = (u - 4).min(total - out.len());
                out.extend_from_slice(p.get(4..4 + take).ok_or("short overflow page")?);
            }
        }
        Ok((rowid as i64, out))
    }

    fn text(&self, v: &Value<'_>) -> String {
        match v {
            Value::Null => String::new(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Text(b) => match self.encoding {
                2 => encoding_rs::UTF_16LE.decode_without_bom_handling(b).0.into_owned(),
                3 => encoding_rs::UTF_16BE.decode_without_bom_handling(b).0.into_owned(),
                _ => String::from_utf8_lossy(b).into_owned(),
            },
            // Blobs that hold text are read as text; other blobs are left out.
            Value::Blob(b) => match std::str::from_utf8(b) {
                Ok(s) if s.chars().all(|c| !c.is_control() || c.is_whitespace()) => s.to_string(),
                _ => String::new(),
            },
        }
    }
}

/// The values of a record (header of serial types, then the body).
fn record(p: &[u8]) -> Result<Vec<Value<'_>>, String> {
    let (hlen, k) = varint(p, 0).ok_or("record header beyond the payload")?;
    let hlen = usize::try_from(hlen).map_err(|_| "record header out of range".to_string())?;
    if hlen > p.len() || hlen < k {
        return Err("record header beyond the payload".to_string());
    }
    let mut at = k;
    let mut body = hlen;
    let mut out = Vec::new();
    while at < hlen {
        let (t, n) = varint(p, at).ok_or("record header beyond the payload")?;
        at += n;
        let size = match t {
            0 | 8 | 9 => 0,
            1..=4 => t as usize,
            5 => 6,
            6 | 7 => 8,
            10 | 11 => return Err("reserved serial type in a record".to_string()),
            _ => usize::try_from((t - 12) / 2).map_err(|_| "record value out of range".to_string())?,
        };
        let bytes = p.get(body..body.saturating_add(size)).ok_or("record value beyond the payload")?;
        body += size;
        out.push(match t {
            0 => Value::Null,
            8 => Value::Int(0),
            9 => Value::Int(1),
            1..=6 => {
                let mut v: i64 = if bytes.first().is_some_and(|b| b & 0x80 != 0) { -1 } else { 0 };
                for &b in bytes {
                    v = (v << 8) | i64::from(b);
                }
                Value::Int(v)
            }
            7 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(bytes);
                Value::Float(f64::from_be_bytes(a))
            }
            t if t % 2 == 0 => Value::Blob(bytes),
            _ => Value::Text(bytes),
        });
    }
    Ok(out)
}

/// An SQLite varint at `at`: (value, length in bytes).
fn varint(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..9 {
        let c = *b.get(at.checked_add(i)?)?;
        if i == 8 {
            return Some(((v << 8) | u64::from(c), 9));
        }
        v = (v << 7) | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// `… ) WITHOUT ROWID` after the column list.
fn without_rowid(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    let tail = &upper[upper.rfind(')').map_or(0, |i| i + 1)..];
    let words: Vec<&str> =
        tail.split(|c: char| c.is_whitespace() || c == ',' || c == ';').filter(|w| !w.is_empty()).collect();
    words.windows(2).any(|w| w == ["WITHOUT", "ROWID"])
}

/// A value on one line of one cell: tabs, line breaks and other controls become spaces.
fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The columns of a `CREATE TABLE` statement: (name, is an `INTEGER PRIMARY KEY`,
/// stored as the rowid). Table constraints are left out.
fn columns(sql: &str) -> Vec<(String, bool)> {
    let Some(open) = sql.find('(') else { return Vec::new() };
    let body = &sql[open + 1..];
    let mut parts = Vec::new();
    let (mut depth, mut start, mut quote) = (0usize, 0usize, None::<u8>);
    let mut closed = false;
    for (i, &b) in body.as_bytes().iter().enumerate() {
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' | b'`' => quote = Some(b),
            b'[' => quote = Some(b']'),
            b'(' => depth += 1,
            b')' if depth == 0 => {
                parts.push(&body[start..i]);
                closed = true;
                break;
            }
            b')' => depth -= 1,
            b',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !closed {
        parts.push(&body[start..]);
    }
    let mut out = Vec::new();
    for p in parts {
        let p = p.trim();
        let (name, rest, quoted) = match p.as_bytes().first() {
            Some(&q @ (b'"' | b'`' | b'[' | b'\'')) => {
                let close = if q == b'[' { b']' } else { q };
                match p.as_bytes()[1..].iter().position(|&c| c == close) {
                    Some(e) => (&p[1..1 + e], &p[2 + e..], true),
                    None => (&p[1..], "", true),
                }
            }
            _ => {
                let e = p.find(char::is_whitespace).unwrap_or(p.len());
                (&p[..e], &p[e..], false)
            }
        };
        if name.is_empty() {
            continue;
        }
        let upper = name.to_ascii_uppercase();
        if !quoted && matches!(upper.as_str(), "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN") {
            continue;
        }
        let rest = rest.trim_start().to_ascii_uppercase();
        let ipk = rest.starts_with("INTEGER")
            && rest.split_whitespace().collect::<Vec<_>>().windows(2).any(|w| w[0] == "PRIMARY" && w[1] == "KEY")
            && !rest.contains("DESC");
        out.push((name.to_string(), ipk));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(varint(&[0x05], 0), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00], 0), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9], 0), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81], 0), None);
    }

    #[test]
    fn column_names_from_create_table() {
        let c = columns(
            "CREATE TABLE \"cust omers\" (id INTEGER PRIMARY KEY, [full name] TEXT NOT NULL, \
             `e-mail` varchar(255) DEFAULT ('x,y'), amount NUMERIC(10, 2), CONSTRAINT u UNIQUE (id), \
             PRIMARY KEY(id), é TEXT)",
        );
        let names: Vec<&str> = c.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, ["id", "full name", "e-mail", "amount", "é"]);
        assert!(c[0].1 && !c[1].1);
    }

    /// A database made by real SQLite from `sql`: the `sqlite3` CLI when installed
    /// (`.ci/run` installs it), else Python's `sqlite3` module (the same library).
    fn make(sql: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("t.sqlite");
        let cli = std::process::Command::new("sqlite3").arg("-version").output().is_ok_and(|o| o.status.success());
        let mut cmd = if cli {
            std::process::Command::new("sqlite3")
        } else {
            let mut c = std::process::Command::new("python3");
            c.args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit(); c.close()"]);
            c
        };
        let mut child =
            cmd.arg(&file).stdin(std::process::Stdio::piped()).spawn().expect("sqlite3 CLI or python3 runs");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), sql.as_bytes()).expect("sql written");
        drop(child.stdin.take());
        assert!(child.wait().expect("sqlite3 runs").success());
        std::fs::read(file).expect("database written")
    }

    /// `customers` (300 rows, a long note every 50th: overflow pages) and `config`.
    fn sample(pragmas: &str) -> Vec<u8> {
        let mut sql = format!(
            "{pragmas}\nBEGIN;\nCREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, phone TEXT, note TEXT);\n"
        );
        for i in 0..300 {
            let note = if i % 50 == 0 { "long note ".repeat(900) } else { format!("n{i}") };
            sql.push_str(&format!(
                "INSERT INTO customers(name, phone, note) VALUES ('Name {i}', '+44 20 7946 {i:04}', '{note}');\n"
            ));
        }
        sql.push_str("CREATE TABLE config(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;\n");
        sql.push_str("CREATE TABLE kv(k, v);\nINSERT INTO kv VALUES ('a\tb', 3.5), (NULL, X'00ff');\nCOMMIT;\n");
        make(&sql)
    }

    fn table<'a>(r: &'a Read, name: &str) -> &'a str {
        &r.tables.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("{name}: {r:?}")).tsv
    }

    #[test]
    fn reads_real_databases_with_overflow_pages_and_page_sizes() {
        for pragmas in [
            "",
            "PRAGMA page_size=512;",
            "PRAGMA page_size=65536;",
            "PRAGMA auto_vacuum=FULL;",
            "PRAGMA journal_mode=WAL;",
            "PRAGMA encoding='UTF-16le';",
            "PRAGMA encoding='UTF-16be'; PRAGMA page_size=1024;",
        ] {
            let r = read(&sample(pragmas), 1 << 30);
            let c = table(&r, "customers");
            let lines: Vec<&str> = c.lines().collect();
            assert_eq!(lines.len(), 301, "{pragmas}");
            assert_eq!(lines[0], "id\tname\tphone\tnote");
            assert_eq!(lines[1].split('\t').collect::<Vec<_>>()[..3], ["1", "Name 0", "+44 20 7946 0000"], "{pragmas}");
            assert_eq!(lines[1].len(), "1\tName 0\t+44 20 7946 0000\t".len() + 9000, "{pragmas}: overflow read whole");
            assert_eq!(lines[300], "300\tName 299\t+44 20 7946 0299\tn299");
            assert_eq!(table(&r, "kv"), "k\tv\na b\t3.5\n\t\n");
            assert_eq!(r.problems.len(), 1, "{pragmas}: {:?}", r.problems);
            assert_eq!(r.problems[0], ("config".to_string(), "WITHOUT ROWID table is not read".to_string()));
        }
    }

    #[test]
    fn truncation_cycles_and_huge_page_counts_are_problems() {
        let db = sample("PRAGMA page_size=1024;");
        // Truncated: half the file.
        let r = read(&db[..db.len() / 2], 1 << 30);
        assert!(r.problems.iter().any(|p| p.1.contains("truncated")), "{:?}", r.problems);
        assert!(r.problems.iter().any(|p| p.0 == "customers"), "{:?}", r.problems);
        // A huge declared page count (the header is otherwise valid).
        let mut huge = db.clone();
        huge[28..32].copy_from_slice(&u32::MAX.to_be_bytes());
        let r = read(&huge, 1 << 30);
        assert!(r.problems.iter().any(|p| p.1.contains("declares 4294967295 pages")), "{:?}", r.problems);
        // A cycle: the customers root (an interior page) points at itself.
        let root = {
            let r = read(&db, 1 << 30);
            assert!(r.tables.iter().any(|t| t.name == "customers"));
            2usize // the first table created takes page 2
        };
        let mut cyc = db.clone();
        let at = (root - 1) * 1024;
        assert_eq!(cyc[at], 5, "the customers root is an interior page");
        cyc[at + 8..at + 12].copy_from_slice(&(root as u32).to_be_bytes());
        let r = read(&cyc, 1 << 30);
        assert!(r.problems.iter().any(|p| p.0 == "customers" && p.1.contains("cycle")), "{:?}", r.problems);
        // Limits: rows and bytes.
        let r = read_with(&db, 1 << 30, 10);
        assert!(r.problems.iter().any(|p| p.1.contains("more than 10 rows")), "{:?}", r.problems);
        let r = read(&db, 2000);
        assert!(r.problems.iter().any(|p| p.1.contains("size limit")), "{:?}", r.problems);
        assert!(r.tables.iter().map(|t| t.tsv.len()).sum::<usize>() <= 2000);
    }

    #[test]
    fn many_tables_on_one_root_are_few_problems() {
        let mut sql = String::from("PRAGMA page_size=512;\nBEGIN;\n");
        for i in 0..60 {
            sql.push_str(&format!("CREATE TABLE t{i}(a);\n"));
        }
        sql.push_str("COMMIT;\n");
        let mut db = make(&sql);
        // Point every table's root page at page 2: the schema's 60 rows name one page.
        let text = String::from_utf8_lossy(&db).into_owned();
        assert!(text.contains("CREATE TABLE t59"));
        let r = read(&db, 1 << 20);
        assert_eq!(r.tables.len(), 60);
        assert!(r.problems.is_empty());
        let mut n = 0;
        for i in 0..db.len().saturating_sub(3) {
            // Schema records: ... 'table' 't12' 't12' <root as 1 byte int> ...: the root
            // follows the second copy of the name.
            if db[i] == b't' && db[i + 1].is_ascii_digit() {
                let end = (i + 1..i + 4).find(|&k| !db[k].is_ascii_digit()).unwrap_or(i + 3);
                let name = db[i..end].to_vec();
                if db[end..].starts_with(&name) && end + name.len() < db.len() {
                    let at = end + name.len();
                    if (3..=70).contains(&db[at]) {
                        db[at] = 2;
                        n += 1;
                    }
                }
            }
        }
        assert!(n >= 50, "{n} roots rewritten");
        let r = read(&db, 1 << 20);
        assert!(r.problems.len() <= MAX_PROBLEMS + 1, "{:?}", r.problems);
        assert!(r.problems.last().is_some_and(|p| p.1.contains("more damaged tables")), "{:?}", r.problems);
    }

    #[test]
    fn random_corruptions_never_panic() {
        let db = sample("PRAGMA page_size=512;");
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..3000 {
            let mut d = db.clone();
            for _ in 0..1 + round % 8 {
                let at = (next() as usize) % d.len();
                // Mostly the b-tree headers and cell pointers, where damage matters.
                let at = if round % 2 == 0 { at / 512 * 512 + (at % 24) } else { at };
                d[at] = next() as u8;
            }
            if round % 7 == 0 {
                d.truncate((next() as usize) % d.len());
            }
            let r = read(&d, 1 << 24);
            assert!(r.tables.iter().map(|t| t.tsv.len()).sum::<usize>() <= 1 << 24);
        }
    }

    #[test]
    fn garbage_is_a_problem_not_a_panic() {
        let mut d = MAGIC.to_vec();
        d.resize(100, 0);
        let r = read(&d, 1 << 20);
        assert!(r.tables.is_empty() && !r.problems.is_empty());
        let mut d = MAGIC.to_vec();
        d.extend_from_slice(&[0x10, 0x00]);
        d.resize(8192, 0xff);
        let r = read(&d, 1 << 20);
        assert!(r.tables.is_empty() && !r.problems.is_empty(), "{r:?}");
    }
}
