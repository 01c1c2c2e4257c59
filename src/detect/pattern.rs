//! `pattern` detector: a Rust regex behind an optional keyword prefilter, with
//! `min_count` and an entropy floor for the sensitive part (capture group `secret`).
//!
//! The keyword prefilter is shared: the scanner runs one Aho-Corasick pass over the
//! content for all patterns and only then runs the regexes whose keywords occurred.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;

use super::{Loc, Text};

#[derive(Debug, Clone)]
pub struct Pattern {
    pub name: String,
    pub regex: LazyRegex,
    pub keywords: Vec<String>,
    pub min_count: usize,
    pub entropy: Option<f64>,
    /// The regex can match across lines (`\s`, `\n`, `(?s)`): keyword windows extend.
    pub multiline: bool,
}

#[derive(Debug, Default)]
pub struct PatternObs {
    pub values: BTreeSet<String>,
    /// The first match's value (the one at `first`).
    pub seen: Vec<String>,
    pub count: usize,
    pub first: Option<Loc>,
}

/// A pattern's regex, compiled when a text first needs it. Every pattern runs behind its
/// keywords, so a hook whose staged files name no keyword compiles none of them: the
/// pack's 20 regexes are most of a policy's load time. Policy files' own regexes are
/// compiled (and their errors reported) when the policy loads; the built-in pack's are
/// deferred, and a test compiles each of them.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: String,
    compiled: OnceLock<Regex>,
}

/// The limits every pattern is compiled with.
pub fn build_regex(source: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(source).size_limit(1 << 24).build()
}

impl LazyRegex {
    /// A regex already compiled (and so known to be valid).
    pub fn compiled(source: &str, regex: Regex) -> Self {
        LazyRegex { source: source.to_string(), compiled: OnceLock::from(regex) }
    }

    /// A regex of the built-in pack, compiled on first use.
    pub fn deferred(source: &str) -> Self {
        LazyRegex { source: source.to_string(), compiled: OnceLock::new() }
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            // Only the built-in pack is deferred; `every_builtin_pattern_compiles` proves it.
            build_regex(&self.source).unwrap_or_else(|e| panic!("built-in pattern does not compile: {e}"))
        })
    }
}

impl Pattern {
    /// Runs the regex over the whole text.
    pub fn observe(&self, t: &Text, obs: &mut PatternObs) {
        self.observe_range(t, 0, t.s.len(), obs);
    }

    /// Runs the regex only around keyword positions: from the start of each hit's line
    /// to the end of that line (plus 8 KiB for patterns that span lines), windows merged.
    pub fn observe_near(&self, t: &Text, positions: &mut [usize], obs: &mut PatternObs) {
        positions.sort_unstable();
        let b = t.s.as_bytes();
        let extra = if self.multiline { 8 << 10 } else { 0 };
        let mut window: Option<(usize, usize)> = None;
        for &p in positions.iter() {
            let start = memchr::memrchr(b'\n', &b[..p]).map_or(0, |i| i + 1);
            let reach = (p + extra).min(b.len());
            let end = memchr::memchr(b'\n', &b[reach..]).map_or(b.len(), |i| reach + i);
            match &mut window {
                Some((_, e)) if start <= *e => *e = (*e).max(end),
                _ => {
                    if let Some((s, e)) = window.take() {
                        self.observe_range(t, s, e, obs);
                    }
                    window = Some((start, end));
                }
            }
        }
        if let Some((s, e)) = window {
            self.observe_range(t, s, e, obs);
        }
    }

    fn observe_range(&self, t: &Text, from: usize, to: usize, obs: &mut PatternObs) {
        let regex = self.regex.get();
        let hay = &t.s[from..to];
        // Most windows around a keyword hold no match: told without captures (their
        // slots are allocated per search) and without looking up the group by name.
        if !regex.is_match(hay) {
            return;
        }
        for caps in regex.captures_iter(hay) {
            let Some(m) = caps.name("secret").or_else(|| caps.get(0)) else {
                continue;
            };
            if m.is_empty() || documented_example(m.as_str()) {
                continue;
            }
            if let Some(floor) = self.entropy {
                if shannon(m.as_str()) < floor {
                    continue;
                }
            }
            obs.count += 1;
            let (s, e) = (from + m.start(), from + m.end());
            if obs.first.is_none() {
                obs.first = Some(t.loc(s, e, false));
                obs.seen.push(m.as_str().to_string());
            }
            if obs.values.len() < 10_000 {
                obs.values.insert(m.as_str().to_string());
            }
        }
    }

    pub fn fired(&self, obs: &PatternObs) -> bool {
        obs.count >= self.min_count.max(1)
    }
}

/// Keys published in vendors' documentation (`AKIAIOSFODNN7EXAMPLE`,
/// `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`): they mark themselves with `EXAMPLE`,
/// which a random key of an upper-case or mixed alphabet holds with negligible odds.
pub fn documented_example(v: &str) -> bool {
    memchr::memmem::find(v.as_bytes(), b"EXAMPLE").is_some()
}

/// Shannon entropy in bits per character.
pub fn shannon(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert!(super::shannon("aaaaaaaaaaaaaaaa") < 1.0);
        assert!(super::shannon("wJalrXUtnFEMI/K7MDENG/bPxRfiCY") > 4.0);
    }
}
