//! Detection: what content *is*. Bytes in, class hits out.
//!
//! Owns the detectors (`pattern`, `emails`, `records`, `canaries`, `fingerprints`),
//! decoding and containers (`decode`), masking (`mask`) and the [`Scanner`] that runs
//! every class over a piece of content in one pass per part. A hit carries counts,
//! a location, a masked snippet, a masked sample and a digest — never a plain value.
//!
//! Must not import git2, the policy model, the engine or reports: it does no I/O except
//! reading from a reader handed to it.

pub mod credits;
pub mod decode;
pub mod emails;
pub mod fields;
pub mod lines;
pub mod literals;
pub mod mask;
pub mod pattern;
pub mod records;
pub mod unescape;

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Read;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use sha2::{Digest, Sha256};

pub use decode::{Limits, Problem};
use emails::{Emails, EmailsObs};
use pattern::{Pattern, PatternObs};
use records::{Records, RecordsObs};

/// One configured detector.
#[derive(Debug, Clone)]
pub enum Detector {
    Pattern(Pattern),
    Emails(Emails),
    Records(Records),
    Canaries(Canaries),
    Fingerprints(Fingerprints),
}

impl Detector {
    pub fn kind(&self) -> &'static str {
        match self {
            Detector::Pattern(_) => "pattern",
            Detector::Emails(_) => "emails",
            Detector::Records(_) => "records",
            Detector::Canaries(_) => "canaries",
            Detector::Fingerprints(_) => "fingerprints",
        }
    }
}

/// A class and the detectors that recognise it.
#[derive(Debug, Clone)]
pub struct ClassSpec {
    pub id: String,
    pub detectors: Vec<Detector>,
}

/// `canaries`: planted values (or SHA-256 hashes of them) that must never appear.
#[derive(Debug, Clone, Default)]
pub struct Canaries {
    pub values: Vec<String>,
    /// Lower-case hex SHA-256 of normalised values.
    pub hashes: HashSet<String>,
    automaton: Option<AhoCorasick>,
}

impl Canaries {
    pub fn new(values: Vec<String>, hashes: HashSet<String>) -> Self {
        let automaton = (!values.is_empty())
            .then(|| AhoCorasickBuilder::new().ascii_case_insensitive(true).build(&values).ok())
            .flatten();
        Canaries { values, hashes, automaton }
    }
}

/// `fingerprints`: exact data match against a registered set of keyed hashes.
/// The set is attached by whoever loads it; without one the detector stays silent
/// and says so in `policy explain`.
#[derive(Debug, Clone)]
pub struct Fingerprints {
    pub set: String,
    pub min_matches: usize,
    pub lookup: Option<std::sync::Arc<dyn FingerprintLookup>>,
}

/// A loaded fingerprint set: answers whether a normalised value was registered.
pub trait FingerprintLookup: std::fmt::Debug + Send + Sync {
    /// Registered record keys matched by the candidate values found in `text`.
    fn matches(&self, text: &str, emails: &[(usize, usize)]) -> Vec<(u64, (usize, usize))>;
}

/// Where a hit is, with the line shown masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub offset: u64,
    pub line: u32,
    pub column: u32,
    /// The line, every sensitive value masked, shortened around the hit.
    pub snippet: String,
    /// Byte range of the hit inside `snippet`.
    pub span: (usize, usize),
}

/// An inline `leakguard:allow <rule> -- <reason>` marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub line: u32,
    pub rule: String,
    pub reason: String,
}

/// A class recognised in one part of the content.
#[derive(Debug, Clone)]
pub struct ClassHit {
    pub class: String,
    pub detector: &'static str,
    pub evidence: String,
    pub loc: Loc,
    /// One value, masked.
    pub sample: String,
    /// `sha256:` over the class and the sorted normalised values: stable under line moves.
    pub digest: String,
    pub count: usize,
    /// For records: the table shape it was read as (`csv`, `json`, `sql`, `lines`,
    /// `vcard`, …); empty for other detectors.
    pub shape: &'static str,
}

impl ClassHit {
    /// A table of records in a tabular format (delimited, JSON/NDJSON, SQL, HTML or
    /// markdown table, spreadsheet): judged wherever it is, whatever its file name.
    pub fn tabular(&self) -> bool {
        !self.shape.is_empty() && !matches!(self.shape, "lines" | "vcard" | "ldif" | "mail headers")
    }
}

/// Results for one decoded part.
#[derive(Debug, Clone)]
pub struct PartScan {
    pub path: String,
    pub encoding: &'static str,
    pub hits: Vec<ClassHit>,
    pub markers: Vec<Marker>,
}

/// Results for one item (a file, a blob).
#[derive(Debug, Default, Clone)]
pub struct ItemScan {
    pub parts: Vec<PartScan>,
    /// Records below a detector's thresholds, judged together with the pieces of the
    /// other items of a commit, push or scan (see [`records::union`]).
    pub pieces: Vec<records::union::Piece>,
    pub problems: Vec<Problem>,
    pub bytes: u64,
}

impl ItemScan {
    /// The same results for the same bytes found at another path: part and problem
    /// paths that start with `from` start with `to` instead (`a.zip!x` → `b.zip!x`).
    pub fn rebased(&self, from: &str, to: &str) -> std::borrow::Cow<'_, ItemScan> {
        if from == to {
            return std::borrow::Cow::Borrowed(self);
        }
        let re = |p: &str| match p.strip_prefix(from) {
            Some(rest) => format!("{to}{rest}"),
            None => p.to_string(),
        };
        let mut s = self.clone();
        for part in &mut s.parts {
            part.path = re(&part.path);
        }
        for p in &mut s.problems {
            p.path = re(&p.path);
        }
        for p in &mut s.pieces {
            p.path = re(&p.path);
        }
        std::borrow::Cow::Owned(s)
    }
}

/// A text being scanned, with its position inside the item.
pub struct Text<'a> {
    pub s: &'a str,
    pub binary: bool,
    base_offset: u64,
    base_line: u32,
    redact: bool,
    emails: OnceCell<Vec<emails::Span>>,
    shapes: OnceCell<records::Shapes>,
    index: OnceCell<lines::LineIndex>,
    credits: OnceCell<bool>,
    sql_keys: OnceCell<Vec<records::sql::Key>>,
    delimited: OnceCell<records::delimited::Split>,
    /// A decoded copy of escaped text: only the people detectors read it.
    pub people_only: bool,
}

impl<'a> Text<'a> {
    pub fn new(s: &'a str, binary: bool) -> Self {
        Text {
            s,
            binary,
            base_offset: 0,
            base_line: 0,
            redact: true,
            emails: OnceCell::new(),
            shapes: OnceCell::new(),
            index: OnceCell::new(),
            credits: OnceCell::new(),
            sql_keys: OnceCell::new(),
            delimited: OnceCell::new(),
            people_only: false,
        }
    }

    /// Which table shapes the text may hold (set by the scanner's keyword pass).
    pub fn shapes(&self) -> records::Shapes {
        *self.shapes.get_or_init(|| records::Shapes::find(self.s))
    }

    /// Every e-mail-shaped span, found once per text.
    pub fn emails(&self) -> &[emails::Span] {
        self.emails.get_or_init(|| emails::find(self.s))
    }

    /// The text credits people of a project (authors, maintainers, `.mailmap` …):
    /// not records, whatever its file name.
    pub fn credits(&self) -> bool {
        *self.credits.get_or_init(|| credits::is_credits_text(self.s, self.emails()))
    }

    /// The keywords of SQL statements, found once per text for every detector.
    pub fn sql_keys(&self) -> &[records::sql::Key] {
        self.sql_keys.get_or_init(|| records::sql::keys(self.s))
    }

    /// The delimited reading's delimiter and records, found once per text for every detector.
    pub fn delimited(&self) -> &records::delimited::Split {
        self.delimited.get_or_init(|| records::delimited::split(self.s))
    }

    /// Line positions, indexed once per text.
    fn index(&self) -> &lines::LineIndex {
        self.index.get_or_init(|| lines::LineIndex::new(self.s))
    }

    /// 1-based line number of byte `p`, counting the lines of earlier windows.
    pub fn line_no(&self, p: usize) -> u32 {
        self.base_line + 1 + self.index().line_of(self.s, p)
    }

    /// Location of `[s, e)`; with `mask_all` every word of the line is masked (records),
    /// otherwise every value [`mask::sensitive_ranges`] finds and the hit itself.
    /// Bounded work per call whatever the line's length: only a window around the hit
    /// is read.
    pub fn loc(&self, s: usize, e: usize, mask_all: bool) -> Loc {
        let ix = self.index();
        let line_start = ix.line_start(self.s, s);
        let line_end = ix.line_end(self.s, s).max(line_start);
        let line_no = self.base_line + 1 + ix.line_of(self.s, s);
        let column = 1 + (ix.chars_to(self.s, s) - ix.chars_to(self.s, line_start)) as u32;
        let e = e.min(line_end).max(s);
        // A window of the line: enough context that every value shown around the hit
        // (SNIPPET_MAX / 2 characters each side) was seen whole by the maskers.
        let ws = lines::floor_boundary(self.s, s.saturating_sub(WINDOW_MARGIN).max(line_start));
        let we = lines::ceil_boundary(self.s, (e + WINDOW_MARGIN).min(line_end));
        let w = self.s[ws..we].trim_end_matches('\r');
        let (hs, he) = (s - ws, (e - ws).min(w.len()));
        let (mut snippet, mut span) =
            if self.redact { masked_line(w, hs, he, mask_all) } else { clipped_line(w, hs, he) };
        if ws > line_start && !snippet.starts_with('…') {
            snippet.insert(0, '…');
            span = (span.0 + '…'.len_utf8(), span.1 + '…'.len_utf8());
        }
        if we < line_end && !snippet.ends_with('…') {
            snippet.push('…');
        }
        Loc { offset: self.base_offset + s as u64, line: line_no, column, snippet, span }
    }
}

const SNIPPET_MAX: usize = 120;
/// Bytes read each side of a hit for its snippet: the shown context (60 characters of
/// up to 4 bytes) plus the longest address (320 bytes) cut at the window's edge.
const WINDOW_MARGIN: usize = 640;

/// The line unmasked (`--no-redact`), shortened around the hit.
fn clipped_line(line: &str, hs: usize, he: usize) -> (String, (usize, usize)) {
    shorten(&line[..hs], &line[hs..he], &line[he..])
}

/// `pre`, `hit`, `post` joined, with `pre` and `post` cut to SNIPPET_MAX / 2 characters.
fn shorten(pre: &str, hit: &str, post: &str) -> (String, (usize, usize)) {
    let half = SNIPPET_MAX / 2;
    let pre_chars = pre.chars().count();
    let pre = if pre_chars > half {
        format!("…{}", pre.chars().skip(pre_chars - half).collect::<String>())
    } else {
        pre.to_string()
    };
    let post = if post.chars().nth(half).is_some() {
        format!("{}…", post.chars().take(half).collect::<String>())
    } else {
        post.to_string()
    };
    let span = (pre.len(), pre.len() + hit.len());
    (format!("{pre}{hit}{post}"), span)
}

/// Masks a line (a window of it) around the hit `[hs, he)`: every sensitive range
/// (every word with `mask_all`) and the hit itself; linear in the line.
fn masked_line(line: &str, hs: usize, he: usize, mask_all: bool) -> (String, (usize, usize)) {
    let ranges = mask::sensitive_ranges(line, mask_all);
    let clip = |lo: usize, hi: usize| -> Vec<(usize, usize)> {
        ranges
            .iter()
            .map(|&(a, b)| (a.max(lo), b.min(hi)))
            .filter(|&(a, b)| a < b)
            .map(|(a, b)| (a - lo, b - lo))
            .collect()
    };
    let before = mask::mask_ranges(&line[..hs], &clip(0, hs));
    let hit = mask::mask_ranges(&line[hs..he], &clip(hs, he));
    // A hit is never shown as it is: masked whole unless a value inside it was.
    let hit = if hit == line[hs..he] { mask::mask(&line[hs..he]) } else { hit };
    let after = mask::mask_ranges(&line[he..], &clip(he, line.len()));
    shorten(&before, &hit, &after)
}

/// Runs every class over content. Built once per policy; shared across threads.
#[derive(Debug)]
pub struct Scanner {
    classes: Vec<ClassSpec>,
    keywords: Option<literals::Literals>,
    /// For each literal of `keywords`: what it announces.
    keyword_owner: Vec<Vec<Hint>>,
    limits: Limits,
    /// Items larger than this are read in windows of `WINDOW` bytes.
    pub whole_read_max: u64,
    /// Mask values in snippets and samples (`--no-redact` turns it off).
    pub redact: bool,
    /// Rewrites an item's bytes before they are decoded (same length, same lines); the
    /// policy sets it to blank a policy file's own examples.
    pub prepare: Option<Prepare>,
}

/// See [`Scanner::prepare`]: `None` leaves the bytes as they are.
pub type Prepare = fn(&[u8]) -> Option<Vec<u8>>;

/// Size of one window when a large item is streamed.
pub const WINDOW: usize = 8 << 20;

/// What a literal of the scanner's automaton announces.
#[derive(Debug, Clone, Copy)]
enum Hint {
    /// A keyword of the pattern detector (class, detector).
    Keyword(usize, usize),
    /// A shape marker of the records detector (index into `SHAPE_MARKERS`).
    Shape(usize),
}

enum Obs {
    Pattern(PatternObs),
    Emails(EmailsObs),
    Records(RecordsObs),
    Canaries(CanaryObs),
    Fingerprints(FpObs),
}

#[derive(Default)]
struct CanaryObs {
    values: BTreeSet<String>,
    first: Option<Loc>,
}

#[derive(Default)]
struct FpObs {
    keys: BTreeSet<u64>,
    first: Option<Loc>,
}

impl Scanner {
    pub fn new(classes: Vec<ClassSpec>, limits: Limits) -> Scanner {
        // One case-insensitive automaton for every pattern keyword and every shape
        // marker of the records detector: one pass per text.
        let mut words: BTreeMap<String, Vec<Hint>> = BTreeMap::new();
        for (ci, c) in classes.iter().enumerate() {
            for (di, d) in c.detectors.iter().enumerate() {
                if let Detector::Pattern(p) = d {
                    for k in &p.keywords {
                        words.entry(k.to_ascii_lowercase()).or_default().push(Hint::Keyword(ci, di));
                    }
                }
            }
        }
        for (i, m) in records::SHAPE_MARKERS.iter().enumerate() {
            words.entry(m.to_string()).or_default().push(Hint::Shape(i));
        }
        let keyword_owner: Vec<Vec<Hint>> = words.values().cloned().collect();
        let keywords = literals::Literals::new(words.keys());
        Scanner { classes, keywords, keyword_owner, limits, whole_read_max: 32 << 20, redact: true, prepare: None }
    }

    pub fn classes(&self) -> &[ClassSpec] {
        &self.classes
    }

    /// Scans an item held in memory.
    pub fn scan_bytes(&self, path: &str, data: &[u8]) -> ItemScan {
        let mut out = ItemScan { bytes: data.len() as u64, ..Default::default() };
        let mut parts = Vec::new();
        let prepared = self.prepare.and_then(|f| f(data));
        let data = prepared.as_deref().unwrap_or(data);
        decode::expand(path, data, &self.limits, &mut out.problems, &mut |part| {
            let mut text = Text::new(&part.text, part.binary);
            text.redact = self.redact;
            text.people_only = part.people_only;
            let mut state = self.fresh_state();
            self.observe(&text, &mut state, false);
            let mut found = self.pieces(&part.path, &text, &state);
            let hits = self.conclude(state);
            found.retain(|p| !hits.iter().any(|h| h.class == p.class));
            out.pieces.extend(found);
            parts.push(PartScan { path: part.path, encoding: part.encoding, hits, markers: markers(&text) });
        });
        // A decoded copy reports only what its original did not: no second finding of
        // the same class for the same content.
        let fired: BTreeSet<(String, String)> = parts
            .iter()
            .flat_map(|p: &PartScan| p.hits.iter().map(move |h| (p.path.clone(), h.class.clone())))
            .collect();
        for p in parts.iter_mut() {
            if let Some(orig) = p.path.strip_suffix("!unescaped") {
                p.hits.retain(|h| !fired.contains(&(orig.to_string(), h.class.clone())));
            }
        }
        out.parts = parts;
        out
    }

    /// Scans an item from a reader: whole when small, in windows when large
    /// (bounded memory; containers are opened only when they fit in memory).
    pub fn scan_reader(&self, path: &str, mut r: impl Read, size_hint: u64) -> std::io::Result<ItemScan> {
        if size_hint <= self.whole_read_max {
            let mut data = Vec::with_capacity(size_hint as usize);
            r.read_to_end(&mut data)?;
            if data.len() as u64 <= self.whole_read_max.max(size_hint) * 2 {
                return Ok(self.scan_bytes(path, &data));
            }
        }
        let mut out = ItemScan::default();
        let mut state = self.fresh_state();
        let mut buf = vec![0u8; WINDOW];
        let mut carry: Vec<u8> = Vec::new();
        let (mut base_offset, mut base_line) = (0u64, 0u32);
        let mut markers_all = Vec::new();
        let mut encoding = "utf-8";
        loop {
            let n = read_full(&mut r, &mut buf)?;
            out.bytes += n as u64;
            carry.extend_from_slice(&buf[..n]);
            let eof = n == 0;
            if carry.is_empty() {
                break;
            }
            if base_offset == 0 && decode_first_window_is_container(&carry) {
                out.problems.push(Problem {
                    path: path.into(),
                    reason: format!("archive or database larger than {} MiB is not opened", self.whole_read_max >> 20),
                });
            }
            let cut = if eof { carry.len() } else { memchr::memrchr(b'\n', &carry).map_or(carry.len(), |i| i + 1) };
            let (text, enc, binary) = decode::decode_text(&carry[..cut]);
            encoding = enc;
            let mut t = Text::new(&text, binary);
            t.base_offset = base_offset;
            t.base_line = base_line;
            t.redact = self.redact;
            self.observe(&t, &mut state, true);
            markers_all.extend(markers(&t));
            base_line += memchr::memchr_iter(b'\n', &carry[..cut]).count() as u32;
            base_offset += cut as u64;
            carry.drain(..cut);
            if eof {
                break;
            }
        }
        out.parts.push(PartScan { path: path.into(), encoding, hits: self.conclude(state), markers: markers_all });
        Ok(out)
    }

    fn show(&self, v: &str) -> String {
        if self.redact {
            mask::mask(v)
        } else {
            v.to_string()
        }
    }

    fn fresh_state(&self) -> Vec<Vec<Obs>> {
        self.classes
            .iter()
            .map(|c| {
                c.detectors
                    .iter()
                    .map(|d| match d {
                        Detector::Pattern(_) => Obs::Pattern(PatternObs::default()),
                        Detector::Emails(_) => Obs::Emails(EmailsObs::default()),
                        Detector::Records(_) => Obs::Records(RecordsObs::default()),
                        Detector::Canaries(_) => Obs::Canaries(CanaryObs::default()),
                        Detector::Fingerprints(_) => Obs::Fingerprints(FpObs::default()),
                    })
                    .collect()
            })
            .collect()
    }

    /// Runs every detector over `t`; `more_may_follow` when `t` is one window of a
    /// larger item (state then carries over to the next window).
    fn observe(&self, t: &Text, state: &mut [Vec<Obs>], more_may_follow: bool) {
        // Where each keyworded pattern's keywords occur: the pattern's regex then runs
        // only on the lines around them, never over the whole text.
        // Keyed by detector (not by content): a fixed fast hash, looked up per keyword hit.
        let mut near: HashMap<(usize, usize), Vec<usize>, foldhash::fast::FixedState> = HashMap::default();
        if let Some(ac) = &self.keywords {
            let mut shapes = records::Shapes::start(t.s);
            ac.find(t.s, |m| {
                for hint in &self.keyword_owner[m.pattern().as_usize()] {
                    match *hint {
                        Hint::Keyword(ci, di) => near.entry((ci, di)).or_default().push(m.start()),
                        Hint::Shape(i) => shapes.mark(i),
                    }
                }
            });
            let _ = t.shapes.set(shapes);
        }
        let has_at = memchr::memchr(b'@', t.s.as_bytes()).is_some();
        // People credited by a project are not records and not a contact list.
        let people = has_at && t.credits();
        // Personal records are read last, and not at all when their hit could only be
        // dropped by `conclude` (see [`Scanner::personal_moot`]).
        let mut deferred = Vec::new();
        for (ci, class) in self.classes.iter().enumerate() {
            for (di, det) in class.detectors.iter().enumerate() {
                let decided = !more_may_follow && Self::decided_by(class, &state[ci][..di]);
                match (det, &mut state[ci][di]) {
                    (Detector::Records(r), _) if r.personal() && !more_may_follow => deferred.push((ci, di)),
                    (Detector::Pattern(_), _) if t.people_only => {}
                    (Detector::Pattern(p), Obs::Pattern(o)) if p.keywords.is_empty() => p.observe(t, o),
                    (Detector::Pattern(p), Obs::Pattern(o)) => {
                        // Volume patterns (min_count > 1) use the keyword as a hint for the
                        // whole text (a header `ssn`, values below); others stay near it.
                        match near.get_mut(&(ci, di)) {
                            Some(_) if p.min_count > 1 => p.observe(t, o),
                            Some(pos) => p.observe_near(t, pos, o),
                            None => {}
                        }
                    }
                    (Detector::Emails(e), Obs::Emails(o)) if has_at && !people => {
                        e.observe(t, o, decided);
                        e.settle(t, o, more_may_follow);
                    }
                    (Detector::Records(r), Obs::Records(o)) if (has_at || !r.need_email) && !people => {
                        r.observe(t, o, decided)
                    }
                    (Detector::Canaries(c), Obs::Canaries(o)) => observe_canaries(c, t, o),
                    (Detector::Fingerprints(f), Obs::Fingerprints(o)) => {
                        if let Some(l) = &f.lookup {
                            for (key, (s, e)) in l.matches(t.s, t.emails()) {
                                if o.first.is_none() {
                                    o.first = Some(t.loc(s, e, true));
                                }
                                o.keys.insert(key);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for (ci, di) in deferred {
            if self.personal_moot(state, ci, di) {
                continue;
            }
            if let (Detector::Records(r), Obs::Records(o)) = (&self.classes[ci].detectors[di], &mut state[ci][di]) {
                if (has_at || !r.need_email) && !people {
                    r.observe(t, o, false);
                }
            }
        }
    }

    /// Whether a `records` detector among `earlier` (the first detectors of `class`)
    /// has fired on the text: the class's finding is then that detector's, and a
    /// later one can only add its name to the evidence ("also matched by …"; its
    /// counts, digest and shape are not read), so it may stop reading once it fires.
    fn decided_by(class: &ClassSpec, earlier: &[Obs]) -> bool {
        class.detectors.iter().zip(earlier).any(|d| match d {
            (Detector::Records(r), Obs::Records(o)) => r.fired(o) && o.first.is_some(),
            _ => false,
        })
    }

    /// The personal records detector `(ci, di)` cannot change a whole part's findings:
    /// a class whose first detector is a non-personal `records` detector has fired
    /// (`conclude` then drops every personal-record hit of the part), and no other
    /// detector of the personal one's class has seen anything (it would report in
    /// the class's place). A contact list is then not read a third time.
    fn personal_moot(&self, state: &[Vec<Obs>], ci: usize, di: usize) -> bool {
        let contacts_fired = self.classes.iter().zip(state).any(|(c, obs)| match (c.detectors.first(), obs.first()) {
            (Some(Detector::Records(r)), Some(Obs::Records(o))) => !r.personal() && r.fired(o) && o.first.is_some(),
            _ => false,
        });
        contacts_fired
            && self.classes[ci].detectors.iter().zip(&state[ci]).enumerate().all(|(j, d)| match d {
                _ if j == di => true,
                (Detector::Pattern(_), Obs::Pattern(o)) => o.count == 0 && o.first.is_none() && o.values.is_empty(),
                _ => false,
            })
    }

    fn conclude(&self, state: Vec<Vec<Obs>>) -> Vec<ClassHit> {
        let mut hits = Vec::new();
        for (class, obs) in self.classes.iter().zip(state) {
            let mut volume: Option<ClassHit> = None;
            for (det, o) in class.detectors.iter().zip(obs) {
                // A later hit of the class only names its detector (and shape) in the
                // first one's evidence: its digest and sample are not computed.
                let first = volume.is_none();
                let digest_if_first = |values: &mut dyn Iterator<Item = &str>| {
                    if first {
                        digest(&class.id, values)
                    } else {
                        String::new()
                    }
                };
                let hit = match (det, o) {
                    (Detector::Pattern(p), Obs::Pattern(o)) if p.fired(&o) && p.min_count <= 1 => {
                        // One finding per pattern and part, at the first match: "185
                        // bcrypt hashes" once, not 50 lines and then silence.
                        if let Some(loc) = o.first.clone() {
                            let first = o.seen.first().cloned().unwrap_or_default();
                            let evidence = if o.values.len() <= 1 {
                                format!("{} ({} chars)", p.name, first.chars().count())
                            } else {
                                format!(
                                    "{}: {} matches ({} distinct), first on line {}",
                                    p.name,
                                    group(o.count),
                                    group(o.values.len()),
                                    loc.line
                                )
                            };
                            hits.push(ClassHit {
                                class: class.id.clone(),
                                detector: "pattern",
                                evidence,
                                sample: self.show(&first),
                                digest: digest_if_first(&mut o.values.iter().map(String::as_str)),
                                count: o.count,
                                shape: "",
                                loc,
                            });
                        }
                        None
                    }
                    (Detector::Pattern(p), Obs::Pattern(o)) if p.fired(&o) => o.first.clone().map(|loc| ClassHit {
                        class: class.id.clone(),
                        detector: "pattern",
                        evidence: format!(
                            "{}: {} matches ({} distinct)",
                            p.name,
                            group(o.count),
                            group(o.values.len())
                        ),
                        loc,
                        sample: o.values.iter().next().map(|v| self.show(v)).unwrap_or_default(),
                        digest: digest_if_first(&mut o.values.iter().map(String::as_str)),
                        count: o.count,
                        shape: "",
                    }),
                    (Detector::Emails(e), Obs::Emails(o)) if e.fired(&o) => {
                        let mut sorted: Vec<&str> = if first { o.addrs.iter().collect() } else { Vec::new() };
                        sorted.sort_unstable();
                        o.first.clone().map(|loc| ClassHit {
                            class: class.id.clone(),
                            detector: "emails",
                            evidence: format!(
                                "{} distinct e-mail addresses across {} domains",
                                group(o.addrs.len()),
                                group(o.domains.len())
                            ),
                            sample: sorted.first().map(|v| self.show(v)).unwrap_or_default(),
                            digest: digest_if_first(&mut sorted.into_iter()),
                            count: o.addrs.len(),
                            shape: "",
                            loc,
                        })
                    }
                    (Detector::Records(r), Obs::Records(o)) if r.fired(&o) => {
                        let shape = match &o.header {
                            Some(h) => format!("; header {h}"),
                            None if r.personal() => String::new(),
                            None => format!("; {} columns, no header", o.columns),
                        };
                        let deciding = o.deciding_fields().join(", ");
                        let evidence = if r.personal() {
                            format!("{} personal records × {{{deciding}}} ({}){shape}", group(o.rows), o.format)
                        } else if r.need_company {
                            format!("{} records × {{{deciding}}} ({}){shape}", group(o.rows), o.format)
                        } else {
                            let field = if r.need_email { "an e-mail field" } else { "a phone field" };
                            format!(
                                "{} records with {field} across {} domains ({}){shape}",
                                group(o.rows),
                                group(o.domains.len()),
                                o.format
                            )
                        };
                        let values = if r.personal() || r.need_company { &o.ids } else { &o.emails };
                        o.first.clone().map(|loc| ClassHit {
                            class: class.id.clone(),
                            detector: if r.personal() { "records (personal)" } else { "records" },
                            evidence,
                            sample: if first { values.iter().min().map(|v| self.show(v)) } else { None }
                                .unwrap_or_default(),
                            digest: digest_if_first(&mut values.iter()),
                            count: o.rows,
                            shape: o.format,
                            loc,
                        })
                    }
                    (Detector::Canaries(_), Obs::Canaries(o)) if !o.values.is_empty() => {
                        o.first.clone().map(|loc| ClassHit {
                            class: class.id.clone(),
                            detector: "canaries",
                            evidence: format!("{} planted canary value(s)", o.values.len()),
                            sample: o.values.iter().next().map(|v| self.show(v)).unwrap_or_default(),
                            digest: digest_if_first(&mut o.values.iter().map(String::as_str)),
                            count: o.values.len(),
                            shape: "",
                            loc,
                        })
                    }
                    (Detector::Fingerprints(f), Obs::Fingerprints(o)) if o.keys.len() >= f.min_matches.max(1) => {
                        let keys: Vec<String> = o.keys.iter().map(|k| format!("{k:016x}")).collect();
                        o.first.clone().map(|loc| ClassHit {
                            class: class.id.clone(),
                            detector: "fingerprints",
                            evidence: format!("{} records of fingerprint set `{}`", group(o.keys.len()), f.set),
                            sample: String::new(),
                            digest: digest_if_first(&mut keys.iter().map(String::as_str)),
                            count: o.keys.len(),
                            shape: "",
                            loc,
                        })
                    }
                    _ => None,
                };
                if let Some(h) = hit {
                    match &mut volume {
                        None => volume = Some(h),
                        Some(v) => {
                            v.evidence.push_str(&format!("; also matched by {}", h.detector));
                            if v.shape.is_empty() {
                                v.shape = h.shape;
                            }
                        }
                    }
                }
            }
            hits.extend(volume);
        }
        // A list of contacts across organisations is a customer list, not also bulk
        // personal data: personal-record hits yield to e-mail record hits of the part.
        if hits.iter().any(|h| h.detector == "records") {
            hits.retain(|h| !h.detector.starts_with("records (personal)"));
        }
        hits
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Containers only read whole (zip, gzip, bzip2, xz, zstd, tar, SQLite): streamed in
/// windows they would be read as printable text, so a too-large one is unscannable.
fn decode_first_window_is_container(d: &[u8]) -> bool {
    d.starts_with(b"PK\x03\x04")
        || d.starts_with(b"SQLite format 3\0")
        || d.starts_with(&[0x1f, 0x8b])
        || d.starts_with(b"BZh")
        || d.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00])
        || d.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (d.len() >= 512 && &d[257..262] == b"ustar")
}

fn observe_canaries(c: &Canaries, t: &Text, o: &mut CanaryObs) {
    if let Some(ac) = &c.automaton {
        for m in ac.find_iter(t.s) {
            if o.first.is_none() {
                o.first = Some(t.loc(m.start(), m.end(), false));
            }
            o.values.insert(t.s[m.start()..m.end()].to_ascii_lowercase());
        }
    }
    if !c.hashes.is_empty() {
        for &(s, e) in t.emails() {
            let n = emails::normalise(&t.s[s..e]);
            if c.hashes.contains(&hex(&Sha256::digest(n.as_bytes()))) {
                if o.first.is_none() {
                    o.first = Some(t.loc(s, e, false));
                }
                o.values.insert(n);
            }
        }
    }
}

/// The rule name of a `gitleaks:allow` marker (an alias naming no rule and no reason;
/// what it may suppress is decided where findings are judged).
pub const GITLEAKS_ALLOW: &str = "gitleaks:allow";

/// Inline `leakguard:allow <rule> -- <reason>` markers in a text, and `gitleaks:allow`
/// (rule [`GITLEAKS_ALLOW`], no reason). A marker reads at most [`MARKER_MAX`] bytes of
/// its line: linear in the text however many markers a line holds.
fn markers(t: &Text) -> Vec<Marker> {
    const TAG: &str = "leakguard:allow";
    let b = t.s.as_bytes();
    let mut out = Vec::new();
    // One pass for both tags, at their common `:allow`: `leakguard:allow` markers
    // first, then `gitleaks:allow` ones, each in text order.
    let mut gitleaks = Vec::new();
    let mut leakguard = Vec::new();
    for j in memchr::memmem::find_iter(b, ":allow") {
        if b[..j].ends_with(b"leakguard") {
            leakguard.push(j - "leakguard".len());
        } else if b[..j].ends_with(b"gitleaks") {
            gitleaks.push(j - "gitleaks".len());
        }
    }
    debug_assert!(TAG.ends_with(":allow") && GITLEAKS_ALLOW.ends_with(":allow"));
    for i in leakguard {
        let from = i + TAG.len();
        let limit = lines::floor_boundary(t.s, (from + MARKER_MAX).min(b.len()));
        let end = memchr::memchr(b'\n', &b[from..limit]).map_or(limit, |k| from + k);
        let line_rest = &t.s[from..end];
        let (rule, reason) = match line_rest.split_once("--") {
            Some((r, why)) => (r.trim(), why.trim()),
            None => (line_rest.trim(), ""),
        };
        let rule = rule.split_whitespace().next().unwrap_or("").to_string();
        out.push(Marker {
            line: t.line_no(i),
            rule,
            reason: reason.trim_end_matches(['*', '/', '>', '-', ' ']).to_string(),
        });
    }
    out.extend(gitleaks.into_iter().map(|i| Marker {
        line: t.line_no(i),
        rule: GITLEAKS_ALLOW.into(),
        reason: String::new(),
    }));
    out
}

/// Most bytes of a line a marker's rule and reason are read from.
const MARKER_MAX: usize = 1024;

/// `sha256:` over the class and the sorted, de-duplicated values.
pub fn digest<'a>(class: &str, values: impl IntoIterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = values.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    let mut h = Sha256::new();
    h.update(class.as_bytes());
    for x in v {
        h.update(b"\n");
        h.update(x.as_bytes());
    }
    format!("sha256:{}", hex(&h.finalize()))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `5614` → `5,614`.
pub fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
