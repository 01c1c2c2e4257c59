//! Decoding: bytes → the texts to scan. Opens containers (zip, xlsx, gzip, bzip2, xz,
//! lzma, zstd, tar, SQLite databases, long base64 blocks) with limits against bombs, and decodes text (UTF-8 with or without
//! BOM, UTF-16 LE/BE with or without BOM, Windows-1252 fallback). Binary content is
//! reduced to its printable runs, so tokens inside binaries are still seen.
//!
//! Owns every limit on expansion. Does no file-system I/O of its own.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

mod encodings;
mod sqlite;

/// Limits against archive bombs and runaway nesting.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest nesting of containers (zip in zip in gzip …).
    pub max_depth: u32,
    /// Most bytes one item may expand to, all containers together.
    pub max_expanded: u64,
    /// Largest expansion ratio of one compressed member.
    pub max_ratio: u64,
    /// Most members read from one archive.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_depth: 4, max_expanded: 512 << 20, max_ratio: 200, max_entries: 20_000 }
    }
}

/// One decoded piece of content: a text to run detectors on.
#[derive(Debug)]
pub struct Part<'a> {
    /// `outer.zip!inner.csv`, `file.gz!file`, `notes.md!base64@12`.
    pub path: String,
    pub text: Cow<'a, str>,
    /// `utf-8`, `utf-16le`, `windows-1252`, `binary` …
    pub encoding: &'static str,
    pub binary: bool,
    /// A decoded copy of escaped text (`\u0040`, `&#64;`, `%40` …): read by the people
    /// detectors only, so a secret is not reported twice.
    pub people_only: bool,
}

/// Something that could not be opened or decoded: reported, never skipped silently.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: String,
    pub reason: String,
}

/// Expands `data` (found at `path`) into parts, calling `f` for each; problems are
/// collected into `problems`.
pub fn expand(path: &str, data: &[u8], limits: &Limits, problems: &mut Vec<Problem>, f: &mut dyn FnMut(Part<'_>)) {
    Expander { limits, budget: limits.max_expanded, problems, f }.at(path, data, 0);
}

/// One item's expansion: the limits, the bytes it may still expand to, and where
/// parts and problems go.
struct Expander<'a> {
    limits: &'a Limits,
    budget: u64,
    problems: &'a mut Vec<Problem>,
    f: &'a mut dyn FnMut(Part<'_>),
}

impl Expander<'_> {
    fn problem(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem { path: path.into(), reason: reason.into() });
    }

    /// A container at `depth` may be opened only above the nesting limit.
    fn too_deep(&mut self, path: &str, depth: u32) -> bool {
        let deep = depth >= self.limits.max_depth;
        if deep {
            self.problem(path, format!("archive nested deeper than {} levels", self.limits.max_depth));
        }
        deep
    }

    fn at(&mut self, path: &str, data: &[u8], depth: u32) {
        if is_zip(data) {
            if !self.too_deep(path, depth) {
                self.zip(path, data, depth);
            }
            return;
        }
        if data.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])
            && path.to_ascii_lowercase().ends_with(".xls")
        {
            if !self.too_deep(path, depth) {
                self.sheets(path, <calamine::Xls<_> as calamine::Reader<_>>::new(Cursor::new(data)), depth);
            }
            return;
        }
        if data.starts_with(&[0x1f, 0x8b]) {
            if !self.too_deep(path, depth) {
                let name = path.rsplit('/').next().unwrap_or(path);
                let inner = format!("{path}!{}", strip_ext(name, &[".gz", ".tgz"]));
                match self.read_limited(flate2::read::MultiGzDecoder::new(data), data.len() as u64) {
                    Ok(out) => self.at(&inner, &out, depth + 1),
                    Err(reason) => self.problem(inner, reason),
                }
            }
            return;
        }
        if let Some(kind) = compression(path, data) {
            if !self.too_deep(path, depth) {
                let name = path.rsplit('/').next().unwrap_or(path);
                let inner = format!("{path}!{}", strip_ext(name, kind.ext()));
                match self.decompress(kind, data) {
                    Ok(out) => self.at(&inner, &out, depth + 1),
                    Err(reason) => self.problem(inner, reason),
                }
            }
            return;
        }
        if is_tar(data) {
            if !self.too_deep(path, depth) {
                self.tar(path, data, depth);
            }
            return;
        }
        if data.starts_with(sqlite::MAGIC) {
            if !self.too_deep(path, depth) {
                self.sqlite(path, data, depth);
            }
            return;
        }
        if encodings::is_zlib(data) && depth < self.limits.max_depth {
            let inner = format!("{path}!zlib");
            match self.read_limited(flate2::read::ZlibDecoder::new(data), data.len() as u64) {
                Ok(out) => return self.at(&inner, &out, depth + 1),
                Err(reason) if !reason.starts_with("corrupt") => return self.problem(inner, reason),
                // Not a zlib stream after all: read as bytes below.
                Err(_) => {}
            }
        }
        if let Some(off) = encodings::appended_archive(data) {
            // A self-extracting script: the script as text, the archive after it.
            self.at(path, &data[..off], depth);
            if !self.too_deep(path, depth) {
                let line = 1 + memchr::memchr_iter(b'\n', &data[..off]).count();
                let (inner, payload) = (format!("{path}!payload@{line}"), &data[off..]);
                if payload.starts_with(&[0x1f, 0x8b]) {
                    // Named after the script, not `payload@4!payload@4`.
                    match self.read_limited(flate2::read::MultiGzDecoder::new(payload), payload.len() as u64) {
                        Ok(out) => self.at(&inner, &out, depth + 1),
                        Err(reason) => self.problem(inner, reason),
                    }
                } else {
                    self.at(&inner, payload, depth + 1);
                }
            }
            return;
        }
        let (text, encoding, binary) = decode_text(data);
        // Base64, hex and base32 blocks all start with a run of 60+ base64 bytes (the
        // hex/base32 alphabet is a subset): the text is searched for such runs once.
        let long = if binary { Vec::new() } else { long_runs(text.as_bytes(), 60) };
        let blocks = base64_blocks(&text, &long);
        let encoded = if binary { Vec::new() } else { encodings::text_blocks(&text, &long) };
        let unescaped = if binary { None } else { super::unescape::decoded(&text) };
        if let Some(u) = &unescaped {
            self.budget = self.budget.saturating_sub(u.len() as u64);
        }
        // Markers without anything decoded (`id=40…` in a log): the copy would only
        // repeat what the original reports, so it is not read a second time.
        let unescaped = unescaped.and_then(|u| match u {
            Cow::Owned(u) if *u != *text => Some(u),
            _ => None,
        });
        (self.f)(Part { path: path.to_string(), text, encoding, binary, people_only: false });
        if let Some(u) = unescaped {
            (self.f)(Part {
                path: format!("{path}!unescaped"),
                text: Cow::Owned(u),
                encoding: "unescaped",
                binary: false,
                people_only: true,
            });
        }
        for (line, bytes) in blocks {
            if depth < self.limits.max_depth && (bytes.len() as u64) <= self.budget {
                self.budget -= bytes.len() as u64;
                self.at(&format!("{path}!base64@{line}"), &bytes, depth + 1);
            }
        }
        for (at, bytes) in encoded {
            if depth < self.limits.max_depth && (bytes.len() as u64) <= self.budget {
                self.budget -= bytes.len() as u64;
                self.at(&format!("{path}!{at}"), &bytes, depth + 1);
            }
        }
    }

    fn zip(&mut self, path: &str, data: &[u8], depth: u32) {
        let mut ar = match zip::ZipArchive::new(Cursor::new(data)) {
            Ok(a) => a,
            Err(e) => return self.problem(path, format!("unreadable zip archive: {e}")),
        };
        if ar.index_for_name("xl/workbook.xml").is_some() {
            // The workbook reader inflates members itself: refuse bombs by their
            // declared sizes first, then stream cells (never a dense range).
            if let Err(reason) = self.declared_sizes_fit(&mut ar) {
                return self.problem(path, reason);
            }
            return self.xlsx(path, data, depth);
        }
        // OpenDocument spreadsheets (and texts) are read as text from `content.xml`
        // below: repeated rows and columns (`number-rows-repeated`) are not expanded.
        if ar.len() > self.limits.max_entries {
            return self
                .problem(path, format!("zip archive has {} members (limit {})", ar.len(), self.limits.max_entries));
        }
        for i in 0..ar.len() {
            let mut entry = match ar.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.problem(format!("{path}!#{i}"), format!("unreadable zip member: {e}"));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let inner = format!("{path}!{}", entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("#{i}")));
            if entry.encrypted() {
                self.problem(inner, "encrypted zip member");
                continue;
            }
            let compressed = entry.compressed_size().max(1);
            let office_xml = office_text_member(&inner);
            match self.read_limited(&mut entry, compressed) {
                Ok(out) if office_xml => {
                    drop(entry);
                    let text = office_text(&String::from_utf8_lossy(&out));
                    self.at(&inner, text.as_bytes(), depth + 1);
                }
                Ok(out) => {
                    drop(entry);
                    self.at(&inner, &out, depth + 1);
                }
                Err(reason) => {
                    self.problem(inner, reason);
                    if self.budget == 0 {
                        return;
                    }
                }
            }
        }
    }

    /// Decompresses one stream within the ratio and size limits.
    fn decompress(&mut self, kind: Compression, data: &[u8]) -> Result<Vec<u8>, String> {
        let compressed = data.len() as u64;
        match kind {
            Compression::Bzip2 => self.read_limited(bzip2::read::MultiBzDecoder::new(data), compressed),
            Compression::Zstd => match ruzstd::decoding::StreamingDecoder::new(data) {
                Ok(d) => self.read_limited(d, compressed),
                Err(e) => Err(format!("corrupt compressed data: {e}")),
            },
            Compression::Xz | Compression::Lzma => {
                let by_ratio = compressed.saturating_mul(self.limits.max_ratio).max(1 << 20);
                let cap = by_ratio.min(self.budget);
                let mut w = CappedWriter { out: Vec::new(), cap };
                let mut input = std::io::BufReader::new(data);
                let r = if kind == Compression::Xz {
                    lzma_rs::xz_decompress(&mut input, &mut w)
                } else {
                    lzma_rs::lzma_decompress(&mut input, &mut w)
                };
                match r {
                    Ok(()) => {
                        self.budget -= w.out.len() as u64;
                        Ok(w.out)
                    }
                    Err(_) if w.out.len() as u64 >= cap => {
                        self.budget = self.budget.saturating_sub(cap);
                        Err(if cap == by_ratio {
                            format!("compression bomb: expands more than {}x (limit)", self.limits.max_ratio)
                        } else {
                            "archive expands beyond the size limit".to_string()
                        })
                    }
                    Err(e) => Err(format!("corrupt compressed data: {e:?}")),
                }
            }
        }
    }

    /// Every regular file of a tar archive.
    fn tar(&mut self, path: &str, data: &[u8], depth: u32) {
        let mut ar = tar::Archive::new(Cursor::new(data));
        let entries = match ar.entries() {
            Ok(e) => e,
            Err(e) => return self.problem(path, format!("unreadable tar archive: {e}")),
        };
        for (n, entry) in entries.enumerate() {
            if n >= self.limits.max_entries {
                return self
                    .problem(path, format!("tar archive has more than {} members (limit)", self.limits.max_entries));
            }
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => return self.problem(format!("{path}!#{n}"), format!("unreadable tar member: {e}")),
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = entry.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| format!("#{n}"));
            let inner = format!("{path}!{name}");
            let size = entry.size();
            if size > self.budget {
                self.problem(inner, "archive expands beyond the size limit");
                return;
            }
            let mut out = Vec::with_capacity(size as usize);
            if let Err(e) = (&mut entry).take(size).read_to_end(&mut out) {
                self.problem(inner, format!("unreadable tar member: {e}"));
                continue;
            }
            self.budget -= out.len() as u64;
            self.at(&inner, &out, depth + 1);
        }
    }

    /// Sum and ratio of the members' declared sizes against the limits.
    fn declared_sizes_fit<R: Read + std::io::Seek>(&self, ar: &mut zip::ZipArchive<R>) -> Result<(), String> {
        let mut total = 0u64;
        for i in 0..ar.len().min(self.limits.max_entries + 1) {
            let Ok(e) = ar.by_index_raw(i) else { continue };
            let by_ratio = e.compressed_size().max(1).saturating_mul(self.limits.max_ratio).max(1 << 20);
            if e.size() > by_ratio {
                return Err(format!("compression bomb: expands more than {}x (limit)", self.limits.max_ratio));
            }
            total = total.saturating_add(e.size());
        }
        if ar.len() > self.limits.max_entries {
            return Err(format!("zip archive has {} members (limit {})", ar.len(), self.limits.max_entries));
        }
        if total > self.budget {
            return Err("archive expands beyond the size limit".to_string());
        }
        Ok(())
    }

    /// Every sheet of an xlsx workbook, streamed cell by cell: memory and time follow
    /// the cells present, never the sheet's dimensions (a cell at `XFD1048576` is one
    /// cell, not 17 billion).
    fn xlsx(&mut self, path: &str, data: &[u8], depth: u32) {
        use calamine::{Data, Reader, Xlsx};
        let mut wb: Xlsx<_> = match Xlsx::new(Cursor::new(data)) {
            Ok(w) => w,
            Err(e) => return self.problem(path, format!("unreadable workbook: {e}")),
        };
        for name in wb.sheet_names() {
            let inner = format!("{path}!{name}");
            let mut cells: Vec<(u32, u32, String)> = Vec::new();
            let mut size = 0u64;
            let mut trouble = None;
            match wb.worksheet_cells_reader(&name) {
                Err(e) => trouble = Some(format!("unreadable sheet: {e}")),
                Ok(mut rdr) => loop {
                    match rdr.next_cell() {
                        Ok(Some(c)) => {
                            let v = Data::from(c.get_value().clone());
                            if v == Data::Empty {
                                continue;
                            }
                            let text = v.to_string().replace(['\t', '\n', '\r'], " ");
                            size += text.len() as u64 + 1;
                            if cells.len() >= MAX_SHEET_CELLS || size > self.budget {
                                trouble = Some(format!(
                                    "sheet holds more than {} cells or expands beyond the size limit; the rest is not read",
                                    MAX_SHEET_CELLS
                                ));
                                break;
                            }
                            let (r, col) = c.get_position();
                            cells.push((r, col, text));
                        }
                        Ok(None) => break,
                        Err(e) => {
                            trouble = Some(format!("unreadable sheet: {e}"));
                            break;
                        }
                    }
                },
            }
            if let Some(reason) = trouble {
                self.problem(inner.clone(), reason);
            }
            if cells.is_empty() {
                continue;
            }
            let tsv = sparse_tsv(cells);
            self.budget = self.budget.saturating_sub(tsv.len() as u64);
            self.at(&inner, tsv.as_bytes(), depth + 1);
        }
    }

    /// Every rowid table of an SQLite database as tab-separated rows (`db.sqlite!table`).
    fn sqlite(&mut self, path: &str, data: &[u8], depth: u32) {
        let read = sqlite::read(data, self.budget);
        for (table, reason) in read.problems {
            let at = if table.is_empty() { path.to_string() } else { format!("{path}!{table}") };
            self.problem(at, reason);
        }
        for t in read.tables {
            self.budget = self.budget.saturating_sub(t.tsv.len() as u64);
            self.at(&format!("{path}!{}", t.name), t.tsv.as_bytes(), depth + 1);
        }
    }

    /// Every sheet of a legacy workbook (xls) as tab-separated rows.
    fn sheets<RS, W>(&mut self, path: &str, wb: Result<W, impl std::fmt::Display>, depth: u32)
    where
        RS: std::io::Read + std::io::Seek,
        W: calamine::Reader<RS>,
        W::Error: std::fmt::Display,
    {
        let mut wb = match wb {
            Ok(w) => w,
            Err(e) => return self.problem(path, format!("unreadable workbook: {e}")),
        };
        for name in wb.sheet_names() {
            let inner = format!("{path}!{name}");
            let range = match wb.worksheet_range(&name) {
                Ok(r) => r,
                Err(e) => {
                    self.problem(inner, format!("unreadable sheet: {e}"));
                    continue;
                }
            };
            let mut tsv = String::new();
            for row in range.rows() {
                for (i, c) in row.iter().enumerate() {
                    if i > 0 {
                        tsv.push('\t');
                    }
                    tsv.push_str(&c.to_string().replace(['\t', '\n', '\r'], " "));
                }
                tsv.push('\n');
                if tsv.len() as u64 > self.budget {
                    return self.problem(inner, "sheet expands beyond the size limit");
                }
            }
            self.budget -= tsv.len() as u64;
            self.at(&inner, tsv.as_bytes(), depth + 1);
        }
    }

    /// Reads a decompressing stream, refusing more than the budget or the ratio allows.
    fn read_limited(&mut self, r: impl Read, compressed: u64) -> Result<Vec<u8>, String> {
        let by_ratio = compressed.saturating_mul(self.limits.max_ratio).max(1 << 20);
        let cap = by_ratio.min(self.budget);
        let mut out = Vec::new();
        r.take(cap + 1).read_to_end(&mut out).map_err(|e| format!("corrupt compressed data: {e}"))?;
        if out.len() as u64 > cap {
            self.budget = self.budget.saturating_sub(cap);
            return Err(if cap == by_ratio {
                format!("compression bomb: expands more than {}x (limit)", self.limits.max_ratio)
            } else {
                "archive expands beyond the size limit".to_string()
            });
        }
        self.budget -= out.len() as u64;
        Ok(out)
    }
}

/// Compressed single streams recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    Bzip2,
    Xz,
    Lzma,
    Zstd,
}

impl Compression {
    fn ext(self) -> &'static [&'static str] {
        match self {
            Compression::Bzip2 => &[".bz2", ".tbz2", ".tbz"],
            Compression::Xz => &[".xz", ".txz"],
            Compression::Lzma => &[".lzma"],
            Compression::Zstd => &[".zst", ".zstd", ".tzst"],
        }
    }
}

/// The compression of `data`, from its magic bytes (legacy `.lzma` has none: its
/// properties byte and the file name).
fn compression(path: &str, data: &[u8]) -> Option<Compression> {
    if data.len() >= 10
        && data.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&data[3])
        && data[4..10] == *b"\x31\x41\x59\x26\x53\x59"
    {
        return Some(Compression::Bzip2);
    }
    if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Some(Compression::Xz);
    }
    if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some(Compression::Zstd);
    }
    if data.len() >= 13 && data[0] == 0x5d && path.to_ascii_lowercase().ends_with(".lzma") {
        return Some(Compression::Lzma);
    }
    None
}

/// `name` without the first matching extension (`x.tar.xz` → `x.tar`, `x.tbz2` → `x.tar`).
fn strip_ext(name: &str, exts: &[&str]) -> String {
    let lower = name.to_ascii_lowercase();
    for e in exts {
        if lower.ends_with(e) && name.len() > e.len() {
            let base = &name[..name.len() - e.len()];
            return if e.starts_with(".t") && *e != ".tar" { format!("{base}.tar") } else { base.to_string() };
        }
    }
    name.to_string()
}

/// A POSIX (ustar) or GNU tar archive: `ustar` at offset 257.
fn is_tar(d: &[u8]) -> bool {
    d.len() >= 512 && &d[257..262] == b"ustar"
}

/// A writer that refuses more than `cap` bytes (decoders that only write).
struct CappedWriter {
    out: Vec<u8>,
    cap: u64,
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() as u64 + buf.len() as u64 > self.cap {
            let room = (self.cap - self.out.len() as u64) as usize;
            self.out.extend_from_slice(&buf[..room]);
            return Err(std::io::Error::other("size limit"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Most cells read from one sheet.
const MAX_SHEET_CELLS: usize = 5_000_000;
/// Most empty rows or columns kept between two cells; wider gaps collapse to this.
const MAX_GAP: u32 = 64;

/// Cells `(row, column, text)` as tab-separated rows, relative to the first used row
/// and column; gaps wider than [`MAX_GAP`] collapse, so the text is linear in the cells.
fn sparse_tsv(mut cells: Vec<(u32, u32, String)>) -> String {
    cells.sort_by_key(|c| (c.0, c.1));
    let min_row = cells.first().map_or(0, |c| c.0);
    let min_col = cells.iter().map(|c| c.1).min().unwrap_or(0);
    let mut out = String::new();
    let mut at: Option<(u32, u32)> = None;
    for (r, c, text) in cells {
        let tabs = match at {
            Some((pr, pc)) if pr == r => (c - pc).clamp(1, MAX_GAP),
            Some((pr, _)) => {
                out.extend(std::iter::repeat_n('\n', (r - pr).min(MAX_GAP) as usize));
                (c - min_col).min(MAX_GAP)
            }
            None => {
                out.extend(std::iter::repeat_n('\n', (r - min_row).min(MAX_GAP) as usize));
                (c - min_col).min(MAX_GAP)
            }
        };
        out.extend(std::iter::repeat_n('\t', tabs as usize));
        out.push_str(&text);
        at = Some((r, c));
    }
    out.push('\n');
    out
}

/// Members of office documents whose XML holds the text (docx, pptx, odt, odp, ods).
fn office_text_member(inner: &str) -> bool {
    let name = inner.rsplit('!').next().unwrap_or(inner);
    name == "word/document.xml"
        || name == "content.xml"
        || (name.starts_with("ppt/slides/slide") && name.ends_with(".xml"))
}

/// Office XML to text: paragraphs and table rows become lines, cells tabs, tags go.
fn office_text(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() / 2);
    let mut cell_depth = 0usize;
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        out.push_str(&unescape(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else { break };
        let tag = &rest[lt + 1..lt + gt];
        let name = tag.split([' ', '/']).find(|n| !n.is_empty()).unwrap_or("");
        let closing = tag.starts_with('/');
        let self_closing = tag.ends_with('/');
        if matches!(name, "table:table-cell" | "table:covered-table-cell") && self_closing {
            // An empty cell keeps its column; `number-columns-repeated` is not expanded.
            out.push('\t');
        } else if matches!(name, "w:tc" | "table:table-cell" | "table:covered-table-cell") && !self_closing {
            if closing {
                cell_depth = cell_depth.saturating_sub(1);
                out.push('\t');
            } else {
                cell_depth += 1;
            }
        } else if matches!(name, "w:tr" | "table:table-row") && closing {
            out.push('\n');
        } else if (closing && matches!(name, "w:p" | "text:p" | "a:p")) || matches!(name, "w:br" | "text:line-break") {
            out.push(if cell_depth > 0 { ' ' } else { '\n' });
        } else if matches!(name, "w:tab" | "text:tab") {
            out.push('\t');
        }
        rest = &rest[lt + gt + 1..];
    }
    out
}

fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

fn is_zip(d: &[u8]) -> bool {
    d.starts_with(b"PK\x03\x04") || d.starts_with(b"PK\x05\x06")
}

/// Decodes bytes to text: (text, encoding name, is binary).
pub fn decode_text(data: &[u8]) -> (Cow<'_, str>, &'static str, bool) {
    if let Some(rest) = data.strip_prefix(b"\xef\xbb\xbf") {
        return (String::from_utf8_lossy(rest), "utf-8", false);
    }
    if let Some((text, enc)) = encodings::utf32(data) {
        return (Cow::Owned(text), enc, false);
    }
    if data.starts_with(b"\xff\xfe") {
        return (Cow::Owned(UTF_16LE.decode_without_bom_handling(&data[2..]).0.into_owned()), "utf-16le", false);
    }
    if data.starts_with(b"\xfe\xff") {
        return (Cow::Owned(UTF_16BE.decode_without_bom_handling(&data[2..]).0.into_owned()), "utf-16be", false);
    }
    let head = &data[..data.len().min(8192)];
    // UTF-16 without a BOM has NULs in its head: without one, its pairs are not counted.
    let binary = memchr::memchr(0, head).is_some();
    if let Some(enc) = binary.then(|| sniff_utf16(head)).flatten() {
        let text = if enc == "utf-16le" { UTF_16LE } else { UTF_16BE }.decode_without_bom_handling(data).0;
        return (Cow::Owned(text.into_owned()), enc, false);
    }
    if binary {
        return (Cow::Owned(printable_runs(data)), "binary", true);
    }
    // Valid UTF-8 (nearly every text) is proven by the SIMD validator; only invalid
    // input is read again for where the error is.
    if let Ok(s) = simdutf8::basic::from_utf8(data) {
        return (Cow::Borrowed(s), "utf-8", false);
    }
    match std::str::from_utf8(data) {
        Ok(s) => (Cow::Borrowed(s), "utf-8", false),
        Err(e) if e.error_len().is_none() && data.len() - e.valid_up_to() < 4 => {
            // Cut in the middle of a character (a window's end): keep the valid part.
            (String::from_utf8_lossy(data), "utf-8", false)
        }
        Err(_) => match encodings::ebcdic(data) {
            Some(text) => (Cow::Owned(text), "ebcdic-cp037", false),
            None => (Cow::Owned(WINDOWS_1252.decode_without_bom_handling(data).0.into_owned()), "windows-1252", false),
        },
    }
}

/// UTF-16 without BOM: mostly-ASCII text has a NUL in every other byte.
fn sniff_utf16(head: &[u8]) -> Option<&'static str> {
    if head.len() < 16 {
        return None;
    }
    let pairs = head.len() / 2;
    let (mut even0, mut odd0) = (0, 0);
    for p in head.chunks_exact(2) {
        even0 += usize::from(p[0] == 0);
        odd0 += usize::from(p[1] == 0);
    }
    if odd0 * 10 >= pairs * 7 && even0 * 20 < pairs {
        Some("utf-16le")
    } else if even0 * 10 >= pairs * 7 && odd0 * 20 < pairs {
        Some("utf-16be")
    } else {
        None
    }
}

/// Printable ASCII runs of six or more bytes, one per line (like `strings`).
fn printable_runs(data: &[u8]) -> String {
    let mut out = String::new();
    let mut start = None;
    for (i, &b) in data.iter().enumerate() {
        let printable = (0x20..0x7f).contains(&b) || b == b'\t';
        match (printable, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= 6 {
                    // The run is printable ASCII, hence valid UTF-8.
                    out.push_str(std::str::from_utf8(&data[s..i]).unwrap_or(""));
                    out.push('\n');
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        if data.len() - s >= 6 {
            out.push_str(std::str::from_utf8(&data[s..]).unwrap_or(""));
        }
    }
    out
}

/// Every maximal run of base64 bytes at least `len` long, in order.
///
/// Read 32 bytes at a time as a bit mask of their base64 bytes (compares the compiler
/// makes SIMD): a run longer than 32 bytes is the ones at the top of one mask, any
/// all-ones masks, and the ones at the bottom of the next, so only each mask's
/// trailing and leading ones are counted. Shorter `len` (tests) reads byte by byte.
pub(super) fn long_runs(b: &[u8], len: usize) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    // Length of the run of base64 bytes that ends at `at`.
    let (mut run, mut at) = (0usize, 0usize);
    let mut words = b.chunks_exact(32);
    if len > 32 {
        for w in &mut words {
            let m = b64_mask(w);
            if m == u32::MAX {
                run += 32;
            } else {
                let low = m.trailing_ones() as usize;
                if run + low >= len {
                    runs.push((at - run, at + low));
                }
                run = m.leading_ones() as usize;
            }
            at += 32;
        }
    }
    for &c in &b[at..] {
        if b64_byte(c) {
            run += 1;
        } else {
            if run >= len {
                runs.push((at - run, at));
            }
            run = 0;
        }
        at += 1;
    }
    if run >= len {
        runs.push((at - run, at));
    }
    runs
}

/// Bit `i` set when `w[i]` (of 32 bytes) is a base64 byte: SSE2 compares (part of
/// every x86-64) where they exist.
#[cfg(target_arch = "x86_64")]
fn b64_mask(w: &[u8]) -> u32 {
    use std::arch::x86_64::*;
    assert!(w.len() >= 32);
    let half = |p: *const u8| {
        // SAFETY: SSE2 is part of the x86-64 baseline; `p` points at 16 readable bytes
        // of `w` (checked above), read unaligned.
        unsafe {
            let v = _mm_loadu_si128(p.cast::<__m128i>());
            // Signed compares: bytes from 0x80 are negative and in no range.
            let l = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let letter = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8(0x60)), _mm_cmplt_epi8(l, _mm_set1_epi8(0x7b)));
            let digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x2e)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x3a)));
            let plus = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x2b));
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), plus)) as u32 & 0xffff
        }
    };
    half(w.as_ptr()) | (half(w[16..].as_ptr()) << 16)
}

#[cfg(not(target_arch = "x86_64"))]
fn b64_mask(w: &[u8]) -> u32 {
    w[..32].iter().enumerate().fold(0, |m, (i, &c)| m | u32::from(b64_byte(c)) << i)
}

/// [`is_b64`] as arithmetic without a table or a branch: `A-Z a-z 0-9 + /`.
#[inline(always)]
fn b64_byte(c: u8) -> bool {
    ((c | 0x20).wrapping_sub(b'a') < 26) | (c.wrapping_sub(b'/') < 11) | (c == b'+')
}

/// Long base64 blocks (one long run, or wrapped lines of 60+ characters), decoded,
/// with their line. A block starts with one of `long`, the text's runs of at least
/// 60 base64 characters ([`long_runs`]).
fn base64_blocks(s: &str, long: &[(usize, usize)]) -> Vec<(usize, Vec<u8>)> {
    use base64::Engine;
    const MIN: usize = 256;
    const LINE: usize = 60;
    let b = s.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    // A block's wrapped lines may be runs of the list: those are skipped.
    let mut runs = long.iter();
    while out.len() < 64 {
        let Some(&(start, run_end)) = runs.by_ref().find(|r| r.0 >= i) else { break };
        i = run_end;
        // Extend across wrapped lines while each line is long enough to be base64.
        let mut end = i;
        let mut total = i - start;
        while let Some((s2, k)) = wrapped_line(b, end, is_b64) {
            if k == s2 {
                break;
            }
            total += k - s2;
            end = k;
            if k - s2 < LINE {
                break;
            }
        }
        while end < n && b[end] == b'=' {
            end += 1;
        }
        i = end;
        if total < MIN {
            continue;
        }
        // The block is base64 characters and line breaks, then `=` padding: copied a
        // line at a time (a filter byte by byte was a fifth of scanning base64 text).
        let mut body: Vec<u8> = Vec::with_capacity(end - start);
        let mut from = start;
        for brk in memchr::memchr2_iter(b'\n', b'\r', &b[start..end]) {
            body.extend_from_slice(&b[from..start + brk]);
            from = start + brk + 1;
        }
        body.extend_from_slice(&b[from..end]);
        while body.last() == Some(&b'=') {
            body.pop();
        }
        if body.len() % 4 == 1 {
            body.pop();
        }
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD_NO_PAD.decode(&body) {
            if looks_interesting(&bytes) {
                let line = 1 + memchr::memchr_iter(b'\n', &b[..start]).count();
                out.push((line, bytes));
            }
        }
    }
    out
}

const B64: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        c += 1;
    }
    t
};

/// The next line of a block wrapped at a width: after `end` a line break (`\n` or
/// `\r\n`), then a run of `has` characters — its (start, end). `None`: no line break.
fn wrapped_line(b: &[u8], end: usize, has: impl Fn(u8) -> bool) -> Option<(usize, usize)> {
    let n = b.len();
    let mut k = end;
    if k < n && b[k] == b'\r' {
        k += 1;
    }
    if k >= n || b[k] != b'\n' {
        return None;
    }
    k += 1;
    let s2 = k;
    while k < n && has(b[k]) {
        k += 1;
    }
    Some((s2, k))
}

fn is_b64(c: u8) -> bool {
    B64[c as usize]
}

/// Decoded base64 worth scanning: a container, or mostly text.
fn looks_interesting(b: &[u8]) -> bool {
    if is_zip(b) || b.starts_with(&[0x1f, 0x8b]) {
        return true;
    }
    let head = &b[..b.len().min(4096)];
    let printable = head.iter().filter(|&&c| c >= 0x20 || c == b'\n' || c == b'\r' || c == b'\t').count();
    printable * 100 >= head.len() * 95
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf16_without_bom() {
        let s: Vec<u8> = "company,email\nAcme,a@b.io\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let (t, enc, bin) = decode_text(&s);
        assert_eq!((enc, bin), ("utf-16le", false));
        assert!(t.starts_with("company,email"));
    }

    #[test]
    fn sparse_cells_keep_columns_and_collapse_wide_gaps() {
        let cells = vec![
            (5, 1, "b".to_string()),
            (4, 1, "Name".to_string()),
            (4, 2, "Mail".to_string()),
            (5, 2, "c".to_string()),
            (1_048_575, 16_383, "far".to_string()),
        ];
        let tsv = sparse_tsv(cells);
        assert!(tsv.starts_with("Name\tMail\nb\tc\n"), "{tsv:?}");
        assert!(tsv.len() < 200, "gaps collapse: {} bytes", tsv.len());
        assert!(tsv.ends_with("far\n"));
    }

    #[test]
    fn base64_bytes_by_arithmetic_are_the_table() {
        for c in 0..=255u8 {
            assert_eq!(b64_byte(c), is_b64(c), "{c:#x}");
            // Each byte value at each lane of the mask, among non-base64 and base64 fill.
            for fill in [b' ', b'A'] {
                for lane in [0, 7, 15, 16, 31] {
                    let mut w = [fill; 32];
                    w[lane] = c;
                    let want = (0..32).fold(0u32, |m, i| m | u32::from(is_b64(w[i])) << i);
                    assert_eq!(b64_mask(&w), want, "{c:#x} at {lane}");
                }
            }
        }
    }

    #[test]
    fn long_runs_agree_with_reading_every_byte() {
        // Naive: every maximal run of at least `len` base64 bytes, in order.
        fn naive(b: &[u8], len: usize) -> Vec<(usize, usize)> {
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if !is_b64(b[i]) {
                    i += 1;
                    continue;
                }
                let s = i;
                while i < b.len() && is_b64(b[i]) {
                    i += 1;
                }
                if i - s >= len {
                    out.push((s, i));
                }
            }
            out
        }
        let mut x: u32 = 7;
        for round in 0..400 {
            let mut b = Vec::new();
            let n = 50 + round * 7;
            for _ in 0..n {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                // Long runs of base64 bytes broken by separators now and then.
                // Every byte class: separators, the bytes around each base64 range.
                let c = if (x >> 16).is_multiple_of(3 + round as u32 % 97) {
                    b" \n=.-@[`{:*,\x80\xc1\xff"[(x as usize >> 8) % 15]
                } else {
                    b"azAZ09+/mQ"[(x as usize >> 8) % 10]
                };
                b.push(c);
            }
            for len in [1, 2, 5, 33, 60, 64, 97] {
                assert_eq!(long_runs(&b, len), naive(&b, len), "round {round}, len {len}");
            }
        }
    }

    #[test]
    fn falls_back_to_windows_1252() {
        let (t, enc, _) = decode_text(b"M\xfcller GmbH,m@x.de");
        assert_eq!(enc, "windows-1252");
        assert_eq!(t, "Müller GmbH,m@x.de");
    }
}
