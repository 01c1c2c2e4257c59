//! Pieces: what a `records` detector read in one item without firing — a table or a
//! list of records below the detector's thresholds (a customer CSV split into files of
//! four rows, a note holding two contacts). The engine judges the union of the pieces
//! of one commit, push or scan (`Engine::judge_union`); here each item is summarised
//! alone, I/O-free: format, number of records, the digests of the normalised direct
//! identifiers (never the values), organisations, deciding field types, first location.
//!
//! What is no piece, by content: an item a detector of the class fired on, people
//! credited by a project (credits, `.mailmap`, changelog and copyright lines — each
//! line is checked, whatever the file's name), a mail or a mail archive (a single
//! mail's recipients, an mbox), a patch, a keyring, a package manifest, and source
//! code (an address inside a string literal or a comment of a program is a fixture
//! or an author, not a record).
//!
//! Imports the records readers and the content-shape recognisers of `detect`; nothing
//! of the engine or the policy.

use sha2::{Digest, Sha256};

use super::{Records, RecordsObs};
use crate::detect::fields::Field;
use crate::detect::{credits, emails, Loc, Text};

/// Most lines (blank ones too) per record of an item read as a piece: a table or a
/// note of a few records is short.
pub const PIECE_LINES_PER_ADDRESS: usize = 16;

/// Most identifier digests one piece carries.
pub const PIECE_IDS_MAX: usize = 1000;

/// One item's records below a detector's thresholds.
#[derive(Debug, Clone)]
pub struct Piece {
    /// The class and the index of the `records` detector among its detectors.
    pub class: String,
    pub detector: usize,
    /// The part the records are in (`a.csv`, `x.zip!a.csv`).
    pub path: String,
    pub format: &'static str,
    /// What pieces of one list share: a table's deciding field types, whatever its
    /// format, header or file name; for lines of text, the file name's extension.
    pub shape: String,
    pub records: usize,
    /// SHA-256 (hex) of each normalised direct identifier, sorted, at most
    /// [`PIECE_IDS_MAX`].
    pub ids: Vec<String>,
    /// Organisations of the counted addresses (a webmail address is its own), sorted.
    pub domains: Vec<String>,
    /// For each field type, the counted records holding it.
    pub fields: Vec<(&'static str, usize)>,
    /// The least identifier, masked.
    pub sample: String,
    pub first: Loc,
}

impl Records {
    /// What `policy explain` says of pieces and their union for this detector.
    pub fn union_text(&self) -> String {
        let domains = if self.need_email {
            format!(" on ≥ {} organisations", self.min_distinct_domains)
        } else {
            String::new()
        };
        let notes = if self.need_email {
            format!(", or a short note (≤ {NOTE_LINES_MAX} lines, a record in ≥ 1 line of {NOTE_DENSITY}, not a program) with addresses not on credit lines")
        } else {
            String::new()
        };
        format!(
            "across files: a piece is a table of fewer than {} records{notes} (not credits, mail, patches, keyrings, manifests); pieces of one shape in one scan, commit, pre-commit file set or pushed ref fire once when ≥ 2 files hold {} distinct identifiers{domains} between them",
            self.min_rows, self.min_rows
        )
    }

    /// Cheap test that `t` may hold a piece the detector did not read: for e-mail
    /// records, fewer addresses than `min_rows` (more were read by the detector
    /// itself) of which one is on a line that credits no one. Reads only the lines
    /// holding an address; a source file with two author lines costs two line scans.
    pub fn may_hold_piece(&self, t: &Text) -> bool {
        if !self.need_email || t.binary {
            return false;
        }
        let spans = t.emails();
        if spans.is_empty() || spans.len() >= self.min_rows {
            return false;
        }
        if longer_than_records(t.s, spans.len()) {
            return false;
        }
        spans.iter().any(|&(s, e)| {
            let (ls, line) = line_of(t.s, s, e);
            !self.ignore.ignored(&emails::normalise(&t.s[s..e])) && !credited(line, s - ls, e - ls)
        })
    }

    /// The records of `t` read with every threshold at one, for content the detector
    /// itself did not parse (see [`Records::may_hold_piece`]). Lines of text that are
    /// no table are read as a note: each address on a line that credits no one.
    pub fn read_piece(&self, t: &Text) -> RecordsObs {
        let low = Records { min_rows: 1, min_distinct_domains: 1, ..self.clone() };
        let mut obs = RecordsObs::default();
        low.observe(t, &mut obs, false);
        if obs.rows == 0 || obs.format == "lines" {
            obs = self.read_note(t);
        }
        obs
    }

    /// A note's addresses: those on lines that credit no one, each line a record.
    fn read_note(&self, t: &Text) -> RecordsObs {
        let mut obs = RecordsObs { format: "lines", ..Default::default() };
        let mut last_line = usize::MAX;
        for &(s, e) in t.emails() {
            let (ls, line) = line_of(t.s, s, e);
            let n = emails::normalise(&t.s[s..e]);
            if self.ignore.ignored(&n) || credited(line, s - ls, e - ls) {
                continue;
            }
            if ls != last_line {
                last_line = ls;
                obs.rows += 1;
                *obs.fields.entry(Field::Email).or_default() += 1;
            }
            obs.first.get_or_insert_with(|| t.loc(s, e, true));
            obs.domains.insert(emails::org_of(&n));
            obs.emails.insert(&n);
        }
        obs
    }

    /// `obs` (what the detector read, unfired) as a piece of `path`, unless `t` is a
    /// recognised benign shape.
    pub fn piece(
        &self,
        class: &str,
        detector: usize,
        path: &str,
        t: &Text,
        obs: &RecordsObs,
        show: impl Fn(&str) -> String,
    ) -> Option<Piece> {
        if obs.rows == 0
            || obs.rows >= self.min_rows
            || self.fired(obs)
            || longer_than_records(t.s, obs.rows)
            || benign_shape(t)
        {
            return None;
        }
        if obs.format == "lines" && !note(t.s, obs.rows) {
            return None;
        }
        let first = obs.first.clone()?;
        let values = if self.personal() || self.need_company { &obs.ids } else { &obs.emails };
        let mut ids: Vec<String> = values.iter().map(|v| crate::detect::hex(&Sha256::digest(v.as_bytes()))).collect();
        ids.sort_unstable();
        ids.truncate(PIECE_IDS_MAX);
        let mut domains: Vec<String> = obs.domains.iter().map(str::to_string).collect();
        domains.sort_unstable();
        domains.truncate(PIECE_IDS_MAX);
        let fields = obs.fields.iter().map(|(f, n)| (f.label(), *n)).collect();
        let shape = if obs.format == "lines" {
            let name = path.rsplit(['/', '!']).next().unwrap_or(path);
            let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
            format!("lines of .{}", ext.to_ascii_lowercase())
        } else {
            // Whatever the format, the header's order or names: the field types.
            format!("records × {{{}}}", obs.deciding_fields().join(", "))
        };
        Some(Piece {
            class: class.to_string(),
            detector,
            path: path.to_string(),
            format: obs.format,
            shape,
            records: obs.rows,
            ids,
            domains,
            fields,
            sample: values.iter().min().map(show).unwrap_or_default(),
            first,
        })
    }
}

/// The line holding `[s, e)` (without its line break), and where it starts.
fn line_of(text: &str, s: usize, e: usize) -> (usize, &str) {
    let b = text.as_bytes();
    let ls = memchr::memrchr(b'\n', &b[..s]).map_or(0, |k| k + 1);
    let le = memchr::memchr(b'\n', &b[e..]).map_or(b.len(), |k| e + k);
    (ls, text[ls..le].trim_end_matches('\r'))
}

/// The records are not what the text is about: it has more than
/// [`PIECE_LINES_PER_ADDRESS`] lines per record (a program or a document with an
/// address or two). Reads only that many lines.
fn longer_than_records(s: &str, records: usize) -> bool {
    memchr::memchr_iter(b'\n', s.as_bytes()).nth(records * PIECE_LINES_PER_ADDRESS).is_some()
}

/// The address at `[s, e)` of `line` credits a person: the line is a credit line, or
/// the address's own stretch of it is (`By Ann Lee (a@x.io), Bo Ek (b@y.se) and …`:
/// from the end of the previous bracketed address to this one's closing bracket).
fn credited(line: &str, s: usize, e: usize) -> bool {
    if credits::credit_line(line, &[(s, e)], "", "") {
        return true;
    }
    let from = line[..s].rfind(['>', ')']).map_or(0, |k| k + 1);
    let to = if line[e..].starts_with(['>', ')']) { e + 1 } else { e };
    let seg = &line[from..to];
    let lead = seg.len() - seg.trim_start_matches([',', ';', ' ', '\t']).len();
    let seg = &seg[lead..];
    let seg_trimmed = seg.strip_prefix("and ").unwrap_or(seg);
    let lead = lead + (seg.len() - seg_trimmed.len());
    (from > 0 || to < line.len()) && credits::credit_line(seg_trimmed, &[(s - from - lead, e - from - lead)], "", "")
}

/// Content whose addresses are not records, whatever its name: a mail, its headers
/// (`Subject:`, `Message-ID:`) or a mail archive, a patch, a keyring, a package manifest.
pub fn benign_shape(t: &Text) -> bool {
    let s = t.s;
    let b = s.as_bytes();
    let has = |p: &[u8]| memchr::memmem::find(b, p).is_some();
    let m = t.shapes();
    m.mail
        || starts_with_any(s, &["From ", "From:", "Return-Path:", "Received:", "Message-ID:", "Date:", "Subject:"])
        || has(b"\nSubject: ")
        || has(b"\nMessage-ID: ")
        || has(b"\nMessage-Id: ")
        || has(b"\ndiff --git ")
        || has(b"\n+++ ") && has(b"\n@@ ")
        || has(b"-----BEGIN PGP")
        || credits::is_mail_archive(s)
        || credits::is_manifest(s)
}

fn starts_with_any(s: &str, p: &[&str]) -> bool {
    let s = s.trim_start_matches('\u{feff}');
    p.iter().any(|p| super::starts_with_ci(s, p))
}

/// Lines of text about the records they hold (a note, a ticket): short, at least one
/// line in [`NOTE_DENSITY`] holding a record, and not a program. A long document, a
/// fixture or a snapshot that mentions an address or two is not a piece.
fn note(s: &str, records: usize) -> bool {
    let mut lines = 0usize;
    for l in crate::detect::lines::lines_nl(s) {
        if !l.trim().is_empty() {
            lines += 1;
            if lines > NOTE_LINES_MAX || lines > records * NOTE_DENSITY {
                return false;
            }
        }
    }
    !source_code(s)
}

/// Most non-blank lines of a note.
const NOTE_LINES_MAX: usize = 200;
/// A note holds a record in at least one line of this many.
const NOTE_DENSITY: usize = 8;

/// A program (for lines of text, not tables): among its first non-blank lines, at
/// least a fifth end as statements and blocks do (`;`, `{`, `}`, `)`, `,`) or open as
/// comments, imports and definitions do.
fn source_code(s: &str) -> bool {
    const OPENERS: &[&str] = &[
        "#include",
        "#!",
        "//",
        "/*",
        "import ",
        "from ",
        "use ",
        "package ",
        "def ",
        "fn ",
        "pub ",
        "func ",
        "function ",
        "class ",
        "module ",
        "require",
        "const ",
        "let ",
        "var ",
        "return ",
        "describe ",
        "assert",
        "expect(",
        "<?php",
        "namespace ",
        "private ",
        "public ",
        "static ",
        "#define",
        "sub ",
        "my ",
    ];
    let (mut lines, mut code) = (0usize, 0usize);
    for l in crate::detect::lines::lines_nl(s).map(str::trim).filter(|l| !l.is_empty()).take(400) {
        lines += 1;
        let end = l.as_bytes()[l.len() - 1];
        if matches!(end, b';' | b'{' | b'}' | b')' | b'(' | b'[' | b']' | b',')
            || l == "end"
            || OPENERS.iter().any(|o| l.starts_with(o))
        {
            code += 1;
        }
    }
    lines >= 5 && code * 5 >= lines
}

impl crate::detect::Scanner {
    /// The pieces of one text of part `path`: for each `records` detector that read
    /// records without firing (or, for e-mail records, did not read the few addresses
    /// there are), what it read. The caller drops those of classes that fired.
    pub(in crate::detect) fn pieces(&self, path: &str, t: &Text, state: &[Vec<crate::detect::Obs>]) -> Vec<Piece> {
        let mut out = Vec::new();
        if t.binary || t.people_only || memchr::memchr(b'@', t.s.as_bytes()).is_none() && !t.shapes().personal {
            return out;
        }
        for (ci, class) in self.classes().iter().enumerate() {
            for (di, det) in class.detectors.iter().enumerate() {
                let (crate::detect::Detector::Records(r), Some(crate::detect::Obs::Records(o))) =
                    (det, state.get(ci).and_then(|s| s.get(di)))
                else {
                    continue;
                };
                let read;
                let obs = if o.rows > 0 {
                    o
                } else if r.may_hold_piece(t) && !t.credits() {
                    read = r.read_piece(t);
                    &read
                } else {
                    continue;
                };
                out.extend(r.piece(&class.id, di, path, t, obs, |v| self.show(v)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det() -> Records {
        Records {
            min_rows: 5,
            need_email: true,
            need_phone: false,
            need_company: false,
            min_distinct_domains: 3,
            ignore: Default::default(),
            until_fired: false,
        }
    }

    fn piece_of(s: &str) -> Option<Piece> {
        let t = Text::new(s, false);
        let d = det();
        if !d.may_hold_piece(&t) {
            return None;
        }
        d.piece("customer-list", 0, "x.txt", &t, &d.read_piece(&t), crate::detect::mask::mask)
    }

    #[test]
    fn bylines_and_credit_lines_credit_each_address() {
        let line = "By Ann Lee (ann@kestrel.io), Bo Ek (bo@norvale.se) and Cy Moe (cy@quill.nl).";
        for a in ["ann@", "bo@", "cy@"] {
            let s = line.find(a).expect("in line");
            let e = s + line[s..].find(')').expect("closed");
            assert!(credited(line, s, e), "{a}");
        }
        let note = "Spoke with Ann Lee (ann@kestrel.io) about the renewal.";
        let s = note.find("ann@").expect("in note");
        assert!(!credited(note, s, s + "ann@kestrel.io".len()));
    }

    #[test]
    fn notes_and_small_tables_are_pieces_long_texts_and_programs_are_not() {
        let p = piece_of("Call notes\n\nSpoke with the IT lead (lead@kestrel.io) about the renewal.\n").expect("note");
        assert_eq!((p.format, p.records, p.shape.as_str()), ("lines", 1, "lines of .txt"));
        assert_eq!(p.ids.len(), 1);
        assert!(!p.ids[0].contains('@') && !p.sample.contains("lead@"), "digests and a masked sample only");
        let p = piece_of("company,email\nKestrel,a@kestrel.io\nNorvale,b@norvale.se\n").expect("table");
        assert_eq!((p.records, p.shape.as_str()), (2, "records × {e-mail}"));
        // One address in a long document.
        let long = format!("{}Mail me at lead@kestrel.io.\n", "Some prose here.\n".repeat(40));
        assert!(piece_of(&long).is_none());
        // A program: statements and definitions.
        let prog = "use std::io;\nfn main() {\n    let a = 1;\n    let to = \"lead@kestrel.io\";\n    run(to);\n}\n";
        assert!(piece_of(prog).is_none());
        // Mail headers, patches, keyrings.
        for s in [
            "Author: Jo\nEmail: jo@kestrel.io\nSubject: fix\n",
            "From: Jo <jo@kestrel.io>\nTo: al@norvale.se\n\nhi\n",
            "x\ndiff --git a/f b/f\n+++ b/f\n@@ -1 +1 @@\n+ask jo@kestrel.io\n",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\nuid jo@kestrel.io key\n",
        ] {
            assert!(piece_of(s).is_none(), "{s}");
        }
        // Reserved and noreply addresses are no records.
        assert!(piece_of("Ping jo@example.com and noreply@kestrel.io today.\n").is_none());
    }
}
