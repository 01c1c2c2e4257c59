//! The scanner's literal pass: every pattern keyword and table-shape marker, ASCII
//! case ignored, found in one read of a text, with exactly the matches of one
//! case-insensitive Aho-Corasick automaton run over the whole text (standard,
//! non-overlapping semantics).
//!
//! That automaton has no prefilter once it holds more than a few literals case-
//! insensitively: it walks every byte (about 550 MB/s, as much as the rest of the
//! scan together). So candidates come first from SIMD (Teddy) searchers over the
//! lower-cased text, at most [`GROUP`] literals each, and the automaton only runs
//! from each candidate to the end of the longest literal after it. A searcher
//! reports leftmost non-overlapping matches, so every occurrence of its literals
//! starts inside a match it reports; the automaton restarted at such a start (or
//! at the end of its previous match, whichever is later) finds what it would have
//! found reading every byte, because no literal starts in the bytes skipped.
//!
//! Also the detectors' other fixed word lists: a leftmost-first automaton with a
//! prefilter ([`prefiltered`]), a set built on first use ([`word_set`]) and ASCII
//! lower-casing on the stack ([`ascii_lower`]).
//!
//! Owns literal search only; imports nothing from the detectors.

use aho_corasick::packed::{Config, Searcher};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, Match};

/// Most literals per SIMD searcher (Teddy's limit; past 32 it spreads them over 16
/// buckets instead of 8).
const GROUP: usize = 64;
/// Bytes of a literal a candidate searcher looks for (its fingerprint is at most 4).
const PREFIX: usize = 4;
/// Bytes lower-cased and searched at a time (bounded memory whatever the text).
const BLOCK: usize = 64 << 10;

/// A fixed word list's automaton, ASCII case ignored (the gates' one-pass checks).
pub fn case_insensitive(words: &[&str]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .build(words)
        // Fixed literals written in the source: building cannot fail.
        .expect("static automaton")
}

/// A fixed word list's case-sensitive automaton with leftmost-first matches: unlike a
/// case-insensitive or standard one, it gets a SIMD (Teddy) prefilter, so a text is
/// read at vector speed, not a byte at a time.
pub fn prefiltered(words: &[&str]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(words)
        // Fixed literals written in the source: building cannot fail.
        .expect("static automaton")
}

/// A fixed list of words as a set (keyed by a fixed seed: the words are ours, only
/// looked up).
pub type WordSet = std::collections::HashSet<&'static str, foldhash::fast::FixedState>;

/// `words` as a set, built on first use into `cell`: one look-up instead of a
/// comparison with each entry.
pub fn word_set(cell: &'static std::sync::OnceLock<WordSet>, words: &'static [&'static str]) -> &'static WordSet {
    cell.get_or_init(|| words.iter().copied().collect())
}

/// `w` lower-cased into `buf` when it is ASCII and fits, else `None` (then the caller
/// lower-cases with `to_lowercase`, or knows no entry is that long).
pub fn ascii_lower<'b>(w: &str, buf: &'b mut [u8; 32]) -> Option<&'b str> {
    let b = w.as_bytes();
    if b.len() > buf.len() || !b.is_ascii() {
        return None;
    }
    for (o, c) in buf.iter_mut().zip(b) {
        *o = c.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..b.len()]).ok()
}

/// Literals found case-insensitively; see the module docs.
#[derive(Debug)]
pub struct Literals {
    automaton: AhoCorasick,
    /// Candidate searchers over lower-cased literals; `None` when one cannot be built
    /// (no SIMD): the automaton then reads every byte.
    groups: Option<Vec<Searcher>>,
    longest: usize,
}

impl Literals {
    /// `None` when the literals cannot be compiled. Literals are matched with ASCII
    /// case ignored; pattern ids are their indices.
    pub fn new<I, P>(literals: I) -> Option<Literals>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let lower: Vec<Vec<u8>> = literals.into_iter().map(|l| l.as_ref().to_ascii_lowercase()).collect();
        let automaton = AhoCorasickBuilder::new().ascii_case_insensitive(true).build(&lower).ok()?;
        let longest = lower.iter().map(Vec::len).max().unwrap_or(0);
        // Candidates are the literals' first bytes, each once: every occurrence of a
        // literal starts with one of its prefix (the argument of the module docs holds
        // for prefixes), and literals sharing a prefix (`xoxb-`, `xoxp-` …) share it.
        let prefixes: std::collections::BTreeSet<&[u8]> = lower.iter().map(|l| &l[..l.len().min(PREFIX)]).collect();
        // A searcher's fingerprint is as long as its shortest literal: literals of each
        // length get their own.
        let mut sets: Vec<Vec<&[u8]>> = Vec::new();
        for len in (1..=PREFIX).rev() {
            let same: Vec<&[u8]> = prefixes.iter().copied().filter(|l| l.len() == len).collect();
            sets.extend(same.chunks(GROUP).map(<[_]>::to_vec));
        }
        let groups = if lower.iter().any(Vec::is_empty) {
            None
        } else {
            sets.iter().map(|set| Config::new().builder().extend(set.iter().copied()).build()).collect()
        };
        Some(Literals { automaton, groups, longest })
    }

    /// Calls `f` with every match in `s`, in order: the automaton's matches over the
    /// whole text.
    pub fn find(&self, s: &str, mut f: impl FnMut(Match)) {
        let Some(groups) = &self.groups else {
            self.automaton.find_iter(s).for_each(f);
            return;
        };
        let b = s.as_bytes();
        let mut lower = Vec::with_capacity(BLOCK.min(b.len()) + self.longest);
        let mut candidates: Vec<(usize, usize)> = Vec::new();
        // Where the automaton resumes: the end of its last match.
        let mut resume = 0;
        let mut at = 0;
        while at < b.len() {
            let own_end = (at + BLOCK).min(b.len());
            // The block and enough of the next one to hold a literal starting in it.
            let end = (own_end + self.longest.saturating_sub(1)).min(b.len());
            lower.clear();
            lower.extend(b[at..end].iter().map(u8::to_ascii_lowercase));
            candidates.clear();
            for g in groups {
                candidates.extend(
                    g.find_iter(&lower).map(|m| (at + m.start(), at + m.end())).take_while(|&(s, _)| s < own_end),
                );
            }
            candidates.sort_unstable();
            for &(c_start, c_end) in &candidates {
                // Every literal starting in [start, c_end) ends before `limit`.
                let mut start = c_start.max(resume);
                let limit = (c_end + self.longest).min(b.len());
                while start < c_end {
                    match self.automaton.find(Input::new(b).range(start..limit)) {
                        Some(m) => {
                            resume = m.end();
                            start = m.end();
                            f(m);
                        }
                        None => break,
                    }
                }
            }
            at = own_end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The candidate search finds exactly the automaton's matches over the whole text,
    /// across block boundaries and with overlapping literals.
    #[test]
    fn agrees_with_the_automaton_alone() {
        let lits: Vec<String> = [
            "token",
            "secret",
            "aws_secret",
            "passw",
            "ssn",
            "\n|",
            "<tr",
            "tel:",
            "tel,",
            ",tel",
            "insert into",
            "sg.",
            "akia",
            "$2a$",
            "ab",
            "b",
            "secret_access_key",
            "api_key",
            "apikey",
            "phone",
            "mobile",
            "iban",
            "x",
            "xx",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let lit = Literals::new(&lits).expect("literals");
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("ssse3") {
            assert!(lit.groups.is_some(), "the SIMD searchers are what is tested");
        }
        let alone = AhoCorasickBuilder::new().ascii_case_insensitive(true).build(&lits).expect("automaton");
        let alphabet = [
            "ToKeN", "SeCrEt", "aws_", "PASSW", "ssn", "\n", "|", "<", "TR", "tel", ":", ",", "a", "b", "x", " ",
            "SG.", "AKIA", "$2A$", "q", "é",
        ];
        let mut x: u32 = 11;
        for round in 0..200 {
            let n = if round % 10 == 0 { BLOCK / 3 + round * 37 } else { round * 13 };
            let mut s = String::new();
            while s.len() < n {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                s.push_str(alphabet[(x >> 16) as usize % alphabet.len()]);
            }
            let mut got = Vec::new();
            lit.find(&s, |m| got.push((m.start(), m.end(), m.pattern())));
            let want: Vec<_> = alone.find_iter(&s).map(|m| (m.start(), m.end(), m.pattern())).collect();
            assert_eq!(got, want, "round {round}");
        }
    }
}
