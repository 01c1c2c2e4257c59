//! Masking: how a sensitive value is shown when it must be shown at all.
//!
//! Owns the one rule for redaction so terminal, JSON, SARIF and audit agree:
//! an e-mail keeps its first character, its domain's first character and its
//! top-level domain (`j***@n*******.example`); any other value keeps at most four
//! leading characters of a known prefix and stars for the rest.
//!
//! Also owns which parts of a line are sensitive when a line is shown at all
//! ([`sensitive_ranges`]): every address, every long token with digits or high
//! entropy (keys, hashes, ids), every run of seven or more digits (phones, cards,
//! account and national numbers) — whatever the hit that shows the line.

use super::emails;
use super::pattern::shannon;

/// Masks one value; e-mail addresses keep their shape.
pub fn mask(value: &str) -> String {
    if let Some(at) = value.rfind('@') {
        let (local, domain) = (&value[..at], &value[at + 1..]);
        if !local.is_empty() && domain.contains('.') {
            return mask_email(local, domain);
        }
    }
    let chars: Vec<char> = value.chars().collect();
    let keep = if chars.len() >= 16 {
        4
    } else if chars.len() >= 8 {
        2
    } else {
        0
    };
    let mut out: String = chars[..keep].iter().collect();
    out.extend(std::iter::repeat_n('*', (chars.len() - keep).clamp(3, 12)));
    out
}

fn mask_email(local: &str, domain: &str) -> String {
    let mut out = String::new();
    out.extend(local.chars().next());
    out.push_str("***@");
    let (body, tld) = match domain.rfind('.') {
        Some(i) => (&domain[..i], &domain[i..]),
        None => (domain, ""),
    };
    let mut chars = body.chars();
    out.extend(chars.next());
    out.extend(chars.map(|c| if c == '.' { '.' } else { '*' }));
    out.push_str(tld);
    out
}

/// Replaces every byte range in `ranges` (sorted, non-overlapping, relative to `line`)
/// with its masked form.
pub fn mask_ranges(line: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    for &(s, e) in ranges {
        if s < last || e > line.len() || !line.is_char_boundary(s) || !line.is_char_boundary(e) {
            continue;
        }
        out.push_str(&line[last..s]);
        out.push_str(&mask(&line[s..e]));
        last = e;
    }
    out.push_str(&line[last..]);
    out
}

/// Byte ranges of `w` that are never shown: addresses, long tokens with digits or high
/// entropy, digit runs of seven or more; with `every_word`, every word of two or more
/// characters as well (a record's line). Sorted, non-overlapping, on char boundaries;
/// linear in `w`.
pub fn sensitive_ranges(w: &str, every_word: bool) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = emails::find(w);
    let b = w.as_bytes();
    // Tokens: runs of key characters.
    let key = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-');
    let mut i = 0;
    while i < b.len() {
        if !key(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && key(b[i]) {
            i += 1;
        }
        let tok = &w[start..i];
        if tok.len() >= 16 {
            let digits = tok.bytes().any(|c| c.is_ascii_digit());
            let letters = tok.bytes().any(|c| c.is_ascii_alphabetic());
            if (digits && letters) || shannon(tok) >= 4.0 {
                out.push((start, i));
            }
        }
    }
    // Digit runs (`+49 (30) 1234-567`, `4111 1111 1111 1111`, `123-45-6789`).
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let (start, mut end, mut digits) = (i, i, 0);
        while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b' ' | b'-' | b'.' | b'/' | b'(' | b')')) {
            if b[i].is_ascii_digit() {
                digits += 1;
                end = i + 1;
            }
            i += 1;
        }
        if digits >= 7 {
            out.push((start, end));
        }
    }
    if every_word {
        let mut start = None;
        for (i, c) in w.char_indices() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if i - s >= 2 {
                        out.push((s, i));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start.filter(|&s| w.len() - s >= 2) {
            out.push((s, w.len()));
        }
    }
    merge(out)
}

/// Sorts ranges and merges the overlapping ones.
fn merge(mut r: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    r.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(r.len());
    for (s, e) in r {
        match out.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_spec() {
        assert_eq!(mask("jane@northwind.example"), "j***@n********.example");
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA************");
        assert_eq!(mask("abc"), "***");
        assert!(!mask("s3cr3t-value-xyz").contains("value"));
    }

    #[test]
    fn every_sensitive_value_of_a_line_is_found() {
        let line = "key=AKIAZ5QWERTYUIOPASDF mail jane@acme.io tel +49 30 1234567 id 42 name ok";
        let shown = mask_ranges(line, &sensitive_ranges(line, false));
        for v in ["AKIAZ5QWERTYUIOPASDF", "jane@acme.io", "1234567", "+49 30"] {
            assert!(!shown.contains(v), "{v} in {shown}");
        }
        assert!(shown.contains("id 42 name ok"), "{shown}");
        let all = mask_ranges("Jane Doe,Berlin", &sensitive_ranges("Jane Doe,Berlin", true));
        assert!(!all.contains("Jane") && !all.contains("Berlin"), "{all}");
    }
}
