//! Masking: how a sensitive value is shown when it must be shown at all.
//!
//! Owns the one rule for redaction so terminal, JSON, SARIF and audit agree:
//! an e-mail keeps its first character, its domain's first character and its
//! top-level domain (`j***@n*******.example`); any other value keeps at most four
//! leading characters of a known prefix and stars for the rest.

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
}
