//! E-mail addresses: a memchr-driven finder (no regex), the ignore rules for
//! reserved and noreply hosts, and the `emails` detector.
//!
//! Owns what counts as a contact address. Must not import git2 or the policy model.

use std::hash::BuildHasher;
use std::sync::{LazyLock, OnceLock};

use super::literals::{ascii_lower, word_set, WordSet};
use super::{Loc, Text};

/// A set of values read from content (addresses, organisations, identifiers), held
/// back to back in one buffer: a contact list's thousands of values cost no allocation
/// each (nor a free). The values are chosen by whoever wrote the content: hashed with
/// foldhash (several times faster than SipHash on short strings) under a per-process
/// random seed. Iterates in the order values were added.
#[derive(Debug, Clone, Default)]
pub struct ValueSet {
    buf: String,
    /// Where each value is in `buf`, in the order added.
    spans: Vec<(usize, usize)>,
    /// The seeded hash of a value to its index in `spans`; a value whose hash an
    /// earlier one holds is in `collided` instead.
    by_hash: std::collections::HashMap<u64, usize, PassThrough>,
    collided: Vec<usize>,
}

impl ValueSet {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Room for `n` more values.
    pub fn reserve(&mut self, n: usize) {
        self.spans.reserve(n);
        self.by_hash.reserve(n);
    }

    fn get(&self, i: usize) -> &str {
        let (s, e) = self.spans[i];
        &self.buf[s..e]
    }

    /// Whether the set holds `v`; `at` is the index of the value with `v`'s hash.
    fn holds(&self, at: usize, v: &str) -> bool {
        self.get(at) == v || self.collided.iter().any(|&j| self.get(j) == v)
    }

    /// Adds `v` unless the set holds it (a value seen before costs a lookup, no
    /// allocation); true when added.
    pub fn insert(&mut self, v: &str) -> bool {
        self.insert_hashed(Seeded.hash_one(v), v)
    }

    /// [`ValueSet::insert`] given `v`'s hash.
    fn insert_hashed(&mut self, h: u64, v: &str) -> bool {
        let i = self.spans.len();
        match self.by_hash.get(&h) {
            Some(&at) if self.holds(at, v) => return false,
            Some(_) => self.collided.push(i),
            None => {
                self.by_hash.insert(h, i);
            }
        }
        self.spans.push((self.buf.len(), self.buf.len() + v.len()));
        self.buf.push_str(v);
        true
    }

    /// The values, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.spans.len()).map(|i| self.get(i))
    }
}

/// The hasher of a map keyed by a hash already computed: the key itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassThrough;

impl BuildHasher for PassThrough {
    type Hasher = PassThroughHasher;

    fn build_hasher(&self) -> PassThroughHasher {
        PassThroughHasher(0)
    }
}

#[derive(Debug, Default)]
pub struct PassThroughHasher(u64);

impl std::hash::Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; any other input is still mixed in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// foldhash keyed by a per-process random seed, drawn once from the standard
/// library's own random hash keys (the OS's randomness). Zero-sized: a set holds no
/// copy of it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seeded;

impl BuildHasher for Seeded {
    type Hasher = foldhash::fast::FoldHasher<'static>;

    fn build_hasher(&self) -> Self::Hasher {
        static SEED: LazyLock<(u64, foldhash::SharedSeed)> = LazyLock::new(|| {
            let std = std::collections::hash_map::RandomState::new();
            (std.hash_one(1u8), foldhash::SharedSeed::from_u64(std.hash_one(2u8)))
        });
        foldhash::fast::FoldHasher::with_seed(SEED.0, &SEED.1)
    }
}

/// Byte range of one address inside a text.
pub type Span = (usize, usize);

/// Every syntactically plausible address in `s`, in order.
pub fn find(s: &str) -> Vec<Span> {
    let mut out = Vec::new();
    each(s, |sp| {
        out.push(sp);
        true
    });
    out
}

/// The addresses of [`find`], in order, handed to `f` until it returns false; nothing
/// collected.
pub fn each(s: &str, mut f: impl FnMut(Span) -> bool) {
    let b = s.as_bytes();
    let mut last_end = 0;
    for at in memchr::memchr_iter(b'@', b) {
        if at < last_end {
            continue;
        }
        let mut start = at;
        while start > last_end && start > 0 && is_local(b[start - 1]) && at - start < 64 {
            start -= 1;
        }
        while start < at && matches!(b[start], b'.' | b'-' | b'+' | b'\'') {
            start += 1;
        }
        if start == at {
            continue;
        }
        // A local part longer than RFC 5321's 64 octets is no mailbox (a message id:
        // `<40 hex>.<time>.git.gitgitgadget@gmail.com`).
        if at - start >= 64 && start > 0 && is_local(b[start - 1]) {
            last_end = at + 1;
            continue;
        }
        // `lore.kernel.org/r/<id@host>`, `https://user@host/`: a message id or a
        // login inside a URL, not an address — also when the id holds characters a
        // mailbox cannot (`…=_Do…=T01OhA@mail.gmail.com`): the token it sits in is
        // read back to its start.
        if (start > 0 && b[start - 1] == b'/') || in_url_path(b, start, last_end) {
            last_end = at + 1;
            continue;
        }
        let mut end = at + 1;
        while end < b.len() && is_domain(b[end]) && end - at < 254 {
            end += 1;
        }
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if valid_domain(&s[at + 1..end]) {
            if !f((start, end)) {
                return;
            }
            last_end = end;
        }
    }
}

/// Whether the address candidate starting at `start` sits in a URL: the token around
/// it (back to whitespace, a quote, a bracket or a field separator, at most 2 KiB, never
/// before `floor`) holds `://` before the candidate. A bare `/` is not enough, so
/// `team/jane@acme.io` in a cell still counts. Linear overall: `floor` moves forward.
fn in_url_path(b: &[u8], start: usize, floor: usize) -> bool {
    let lo = start.saturating_sub(2048).max(floor);
    let token = b[lo..start]
        .iter()
        .rposition(|&c| {
            c.is_ascii_whitespace()
                || matches!(c, b'<' | b'>' | b'"' | b'\'' | b'(' | b')' | b',' | b';' | b'|' | b'[' | b']')
        })
        .map_or(lo, |i| lo + i + 1);
    // A short token: no substring searcher built per candidate.
    let t = &b[token..start];
    t.windows(3).any(|w| w == b"://")
}

fn is_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

/// The last `c` in `b`: a byte loop, an address or a domain being too short for a
/// vector search's set-up to pay (these run for every address, several times).
fn last(b: &[u8], c: u8) -> Option<usize> {
    b.iter().rposition(|&x| x == c)
}

fn is_domain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
}

fn valid_domain(d: &str) -> bool {
    let Some(dot) = last(d.as_bytes(), b'.') else { return false };
    let tld = &d[dot + 1..];
    if !(2..=24).contains(&tld.len()) || !tld.bytes().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    // No label empty or starting with `-`: the first one, and the one after each dot.
    let b = d.as_bytes();
    let bad_start = |i: usize| b.get(i).is_none_or(|&c| c == b'.' || c == b'-');
    if bad_start(0) || (0..b.len()).any(|i| b[i] == b'.' && bad_start(i + 1)) {
        return false;
    }
    // Lower-cased on the stack, one lookup (a TLD is ASCII letters, checked above).
    let mut buf = [0u8; 32];
    !ascii_lower(tld, &mut buf).is_some_and(|l| word_set(&NOT_TLD_SET, NOT_TLDS).contains(l))
}

static NOT_TLD_SET: OnceLock<WordSet> = OnceLock::new();

/// File extensions that follow `@` in asset names (`icon@2x.png`) and are no TLDs.
const NOT_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "mjs", "cjs", "css", "scss", "json", "html", "htm", "xml",
    "txt", "lock", "woff", "woff2", "ttf", "eot", "map", "min", "yaml", "yml", "toml", "log", "tmp", "bak", "pdf",
    "zip", "tgz", "gz", "exe", "dll", "so", "wasm",
];

/// Hosts and mailboxes that are never someone's contact address.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    /// Extra domains from the policy; `*.suffix` matches subdomains.
    pub domains: Vec<String>,
}

impl Ignore {
    /// True when the address (lower-cased) is reserved, noreply, or ignored by policy.
    pub fn ignored(&self, addr: &str) -> bool {
        let Some(at) = last(addr.as_bytes(), b'@') else { return true };
        let (local, domain) = (&addr[..at], &addr[at + 1..]);
        if is_reserved(domain) || is_noreply(local, domain) {
            return true;
        }
        self.domains.iter().any(|d| match d.strip_prefix("*.") {
            Some(suf) => domain.ends_with(suf) && domain.len() > suf.len(),
            None => domain == d,
        })
    }
}

/// RFC 2606 / RFC 6761 reserved names.
/// The last label decides: `example`, `test`, `invalid`, `localhost`, `local`, or
/// `com`/`net`/`org`/`edu` under a label `example` (`example.com`, `mail.example.org`).
pub fn is_reserved(domain: &str) -> bool {
    let dot = last(domain.as_bytes(), b'.');
    let tld = dot.map_or(domain, |i| &domain[i + 1..]);
    match tld {
        "example" | "test" | "invalid" | "localhost" | "local" => true,
        "com" | "net" | "org" | "edu" => {
            let rest = &domain[..dot.unwrap_or(0)];
            rest == "example" || rest.ends_with(".example")
        }
        _ => false,
    }
}

fn is_noreply(local: &str, domain: &str) -> bool {
    const LOCALS: &[&str] = &[
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
        "mailer-daemon",
        "postmaster",
        "bounce",
        "bounces",
        "notifications",
        "notification",
        "abuse",
        "hostmaster",
        "webmaster",
    ];
    let base = local.split('+').next().unwrap_or(local);
    // At each `n`: no substring searcher set up per address.
    let d = domain.as_bytes();
    static SET: OnceLock<WordSet> = OnceLock::new();
    // A byte loop: a domain is too short for a vector search's set-up to pay.
    word_set(&SET, LOCALS).contains(base)
        || (0..d.len()).any(|i| d[i] == b'n' && (d[i..].starts_with(b"noreply") || d[i..].starts_with(b"no-reply")))
}

/// Lower-cases an address for counting and hashing.
pub fn normalise(addr: &str) -> String {
    addr.trim().to_ascii_lowercase()
}

/// [`normalise`] into `buf` (its allocation reused from address to address).
pub fn normalise_into(addr: &str, buf: &mut String) {
    buf.clear();
    buf.push_str(addr.trim());
    buf.make_ascii_lowercase();
}

/// The organisation an address belongs to: its registrable domain, approximated as
/// the last two labels, or three under a country's second level (`co.uk`, `com.au`,
/// `gov.zq`), so `linux.intel.com` and `intel.com` count once.
///
/// An address on a consumer mail host (`gmail.com`, `web.de` …) belongs to a person,
/// not an organisation: it is its own organisation, so 500 customers on gmail.com
/// and yahoo.com are 500 organisations.
pub fn org_of(addr: &str) -> &str {
    let d = domain_of(addr);
    if is_consumer(d) {
        return addr;
    }
    // The dots from the end (byte searches: this runs for every address).
    let b = d.as_bytes();
    let dot_before = |end: usize| last(&b[..end], b'.');
    let Some(p1) = dot_before(b.len()) else { return d };
    let Some(p2) = dot_before(p1) else { return d };
    let (tld, second) = (&d[p1 + 1..], &d[p2 + 1..p1]);
    if tld.len() == 2 && SECOND_LEVEL.contains(&second) {
        return dot_before(p2).map_or(d, |p3| &d[p3 + 1..]);
    }
    &d[p2 + 1..]
}

/// Consumer (webmail and ISP) mail hosts.
pub fn is_consumer(domain: &str) -> bool {
    const HOSTS: &[&str] = &[
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.es",
        "yahoo.it",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "hotmail.es",
        "hotmail.it",
        "outlook.com",
        "outlook.de",
        "outlook.fr",
        "live.com",
        "live.co.uk",
        "live.fr",
        "live.de",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "gmx.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "proton.me",
        "protonmail.com",
        "zoho.com",
        "qq.com",
        "163.com",
        "126.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "wanadoo.fr",
        "sfr.fr",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "btinternet.com",
        "sky.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "naver.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "rambler.ru",
        "rediffmail.com",
        "ziggo.nl",
        "kpnmail.nl",
        "planet.nl",
        "telenet.be",
        "skynet.be",
        "bluewin.ch",
        "terra.com.br",
        "uol.com.br",
        "bol.com.br",
        "sapo.pt",
        "mail.com",
        "fastmail.com",
        "hey.com",
        "tutanota.com",
    ];
    static SET: OnceLock<WordSet> = OnceLock::new();
    word_set(&SET, HOSTS).contains(domain)
}

const SECOND_LEVEL: &[&str] =
    &["co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gv", "gob", "nic", "mil"];

/// The domain part of a normalised address.
pub fn domain_of(addr: &str) -> &str {
    last(addr.as_bytes(), b'@').map_or("", |at| &addr[at + 1..])
}

/// `emails` detector: many distinct contact addresses across several domains.
#[derive(Debug, Clone)]
pub struct Emails {
    pub min_count: usize,
    pub min_distinct_domains: usize,
    pub ignore: Ignore,
}

/// What the `emails` detector saw so far in one piece of content.
#[derive(Debug, Default)]
pub struct EmailsObs {
    pub addrs: ValueSet,
    pub domains: ValueSet,
    pub first: Option<Loc>,
    /// The first address of the text being read, until [`Emails::settle`] makes it
    /// `first` (a location costs an index of the whole text).
    pending: Option<(usize, usize)>,
}

const CAP: usize = 200_000;

impl Emails {
    /// Counts the addresses of `t`; with `until_fired` (only whether the detector
    /// fires is asked, see `Scanner::decided_by`) no more once it has: the counts only grow.
    pub fn observe(&self, t: &Text, obs: &mut EmailsObs, until_fired: bool) {
        let mut a = String::new();
        for &(s, e) in t.emails() {
            if until_fired && self.fired(obs) {
                break;
            }
            normalise_into(&t.s[s..e], &mut a);
            if self.ignore.ignored(&a) {
                continue;
            }
            if obs.first.is_none() && obs.pending.is_none() {
                obs.pending = Some((s, e));
            }
            if obs.addrs.len() < CAP {
                if obs.addrs.is_empty() {
                    // At most one entry per address of the text: no growing by doubling.
                    let n = t.emails().len().min(CAP);
                    obs.addrs.reserve(n);
                    obs.domains.reserve(n);
                }
                obs.domains.insert(org_of(&a));
                obs.addrs.insert(&a);
            }
        }
    }

    /// Turns the first address read from `t` into its location while `t` is at hand:
    /// always when more text may follow (a window of a large item), otherwise only if
    /// the detector fired, since nothing else reads it.
    pub fn settle(&self, t: &Text, obs: &mut EmailsObs, more_may_follow: bool) {
        if let Some((s, e)) = obs.pending.take() {
            if more_may_follow || self.fired(obs) {
                obs.first = Some(t.loc(s, e, true));
            }
        }
    }

    pub fn fired(&self, obs: &EmailsObs) -> bool {
        obs.addrs.len() >= self.min_count && obs.domains.len() >= self.min_distinct_domains
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set holds each value once, whatever the hashes: values sharing one hash (as
    /// an attacker who knew the seed could make them) are told apart by their bytes.
    #[test]
    fn value_sets_hold_each_value_once() {
        let words: Vec<String> = (0..300).map(|i| format!("v{}@x{}.io", i % 120, i % 7)).collect();
        for hash in [None, Some(7u64)] {
            let mut set = ValueSet::default();
            let mut want = std::collections::BTreeSet::new();
            for w in &words {
                let added = match hash {
                    Some(h) => set.insert_hashed(h ^ (w.len() as u64 % 2), w),
                    None => set.insert(w),
                };
                assert_eq!(added, want.insert(w.clone()), "{w}");
            }
            assert_eq!(set.len(), want.len());
            assert_eq!(
                set.iter().collect::<std::collections::BTreeSet<_>>(),
                want.iter().map(String::as_str).collect()
            );
            // Held: adding any of them again adds nothing; a new value is added.
            for w in &words {
                let added = match hash {
                    Some(h) => set.insert_hashed(h ^ (w.len() as u64 % 2), w),
                    None => set.insert(w),
                };
                assert!(!added, "{w}");
            }
            assert!(set.insert("absent@x.io"));
        }
    }

    /// Organisations and noreply hosts found with byte searches agree with the
    /// string-splitting definitions.
    #[test]
    fn org_and_noreply_agree_with_splitting() {
        let naive_org = |addr: &str| -> String {
            let d = addr.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
            if is_consumer(d) {
                return addr.to_string();
            }
            let mut labels = d.rsplitn(4, '.');
            let keep = match (labels.next(), labels.next(), labels.next()) {
                (Some(tld), Some(second), Some(_)) if tld.len() == 2 && SECOND_LEVEL.contains(&second) => 3,
                _ => 2,
            };
            let mut cut = d.len();
            for _ in 0..keep {
                match d[..cut].rfind('.') {
                    Some(i) => cut = i,
                    None => return d.to_string(),
                }
            }
            d[cut + 1..].to_string()
        };
        for a in [
            "a@acme.io",
            "a@x.acme.io",
            "a@acme.co.uk",
            "a@x.acme.co.uk",
            "a@co.uk",
            "a@.co.uk",
            "a@gmail.com",
            "a@localhost",
            "a@b",
            "a@",
            "nope",
            "a@b@acme.de",
            "a@linux.intel.com",
            "a@x.y.gov.zq",
            "a@..",
            "a@a.b.c.d.e",
        ] {
            assert_eq!(org_of(a), naive_org(a), "{a}");
        }
        for (local, domain) in [
            ("x", "noreply.github.com"),
            ("x", "mail.no-reply.io"),
            ("x", "n.io"),
            ("x", "nonoreply"),
            ("x", "acme.io"),
        ] {
            let naive = domain.contains("noreply") || domain.contains("no-reply");
            assert_eq!(is_noreply(local, domain), naive, "{domain}");
        }
    }

    /// The label check reads bytes; it agrees with splitting the domain at its dots.
    #[test]
    fn domain_labels_agree_with_splitting() {
        let naive = |d: &str| {
            d.rfind('.').is_some_and(|dot| {
                let tld = &d[dot + 1..];
                (2..=24).contains(&tld.len())
                    && tld.bytes().all(|c| c.is_ascii_alphabetic())
                    && !d.split('.').any(|l| l.is_empty() || l.starts_with('-'))
                    && !NOT_TLDS.contains(&tld.to_ascii_lowercase().as_str())
            })
        };
        for d in [
            "acme.io",
            "a.b.co.uk",
            ".acme.io",
            "-acme.io",
            "acme..io",
            "acme.-x.io",
            "acme.io.",
            "a-b.io",
            "x.PNG",
            "x.Json",
            "x.de",
            "",
            ".",
            "..",
            "-.io",
            "a.-",
            "acme.i",
            "ACME.COM",
        ] {
            assert_eq!(valid_domain(d), naive(d), "{d}");
        }
    }

    fn all(s: &str) -> Vec<&str> {
        find(s).into_iter().map(|(a, b)| &s[a..b]).collect()
    }

    #[test]
    fn finds_addresses_and_skips_lookalikes() {
        assert_eq!(
            all("mail jane.doe+x@north-wind.co.uk, or bob@acme.io."),
            ["jane.doe+x@north-wind.co.uk", "bob@acme.io"]
        );
        assert!(all("icon@2x.png lodash@4.17.21 @media x@y").is_empty());
        assert_eq!(all("<a href=\"mailto:a@b.de\">"), ["a@b.de"]);
        assert!(all("https://lore.kernel.org/r/20240101.1234-1-jane@acme.io/").is_empty());
        // Message ids in lore links: characters no mailbox has, local parts over 64.
        assert!(all("https://lore.kernel.org/git/CABPp-BE6zW0nJSStcVU=_DoDBnPgLqOR8pkTXK3dW11=T01OhA@mail.gmail.com/")
            .is_empty());
        assert!(all("see ccfedc7140dbf63ba26a15f93bd3885180b26517.1606861519.git.gitgitgadget@gmail.com").is_empty());
        assert_eq!(all("path/to/x mailto:jane@acme.io (jane@acme.io)").len(), 2);
        assert_eq!(all("Müller;01/02/1980;jane@acme.io|03/04/1990|joe@acme.io").len(), 2);
        assert_eq!(all("id=1&team=ops/x=jane@acme.io").len(), 1);
    }

    #[test]
    fn reserved_and_noreply_are_ignored() {
        let i = Ignore::default();
        for a in [
            "a@example.com",
            "a@mail.example.org",
            "a@x.test",
            "a@foo.example",
            "noreply@acme.io",
            "1+x@users.noreply.github.com",
            "a@localhost",
        ] {
            assert!(i.ignored(a), "{a}");
        }
        assert!(!i.ignored("jane@acme.io"));
        assert!(!i.ignored("jane@myexample.com"));
    }

    /// The last-label reading of reserved names agrees with comparing every name.
    #[test]
    fn reserved_agrees_with_the_lists() {
        let naive = |domain: &str| {
            const SUFFIXES: &[&str] = &[".example", ".test", ".invalid", ".localhost", ".local"];
            const EXACT: &[&str] = &["example.com", "example.net", "example.org", "example.edu", "localhost"];
            EXACT.iter().any(|e| domain == *e || domain.strip_suffix(e).is_some_and(|p| p.ends_with('.')))
                || SUFFIXES.iter().any(|s| domain.ends_with(s) || domain == &s[1..])
        };
        let parts = [
            "",
            ".",
            "example",
            "com",
            "net",
            "edu",
            "io",
            "test",
            "local",
            "localhost",
            "invalid",
            "x",
            "myexample",
            "EXAMPLE",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    for d in
                        [format!("{a}{b}{c}"), format!("{a}.{b}.{c}"), format!("{a}.{b}{c}"), format!("{a}{b}.{c}")]
                    {
                        assert_eq!(is_reserved(&d), naive(&d), "{d:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn organisations() {
        assert_eq!(org_of("a@linux.intel.com"), "intel.com");
        assert_eq!(org_of("a@mail.norvale.co.uk"), "norvale.co.uk");
        assert_eq!(org_of("a@agency.gov.zq"), "agency.gov.zq");
        assert_eq!(org_of("a@acme.io"), "acme.io");
        assert_eq!(org_of("jane.doe@gmail.com"), "jane.doe@gmail.com");
    }
}
