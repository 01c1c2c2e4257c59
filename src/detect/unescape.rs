//! Text escapes that hide addresses from a plain reading: JSON `\u0040`, HTML entities
//! (`&#64;`, `&#x40;`, `&commat;`), URL-encoding (`%40`, form pairs), quoted-printable
//! (`=40`, soft line breaks), fullwidth `＠`/`．`, and `[at]`/`(at)`/`{at}` with
//! `[dot]`/`(dot)` obfuscation. A text holding enough of them gets a decoded copy that
//! the people detectors read (patterns read the original only).
//!
//! Owns these decoders; linear in the text, no allocation unless a copy is made.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Escapes announcing a hidden `@` (or `.`).
const MARKERS: &[&str] = &[
    "\\u0040", "\\U0040", "&#64;", "&#x40;", "&commat;", "%40", "=40", "＠", "[at]", "(at)", "{at}", " at ] ", "&#46;",
];

/// Fewest escapes that make a decoded copy worth reading.
const MIN_ESCAPES: usize = 3;

/// The decoded copy of `s`, when `s` holds at least [`MIN_ESCAPES`] escape markers:
/// borrowed (no copy made) when none of them decodes (`id=40…` in a log without
/// quoted-printable), owned otherwise.
pub fn decoded(s: &str) -> Option<Cow<'_, str>> {
    // One pass for every marker: a case-sensitive leftmost-first automaton gets a
    // SIMD (Teddy) prefilter, so the text is read once, not once per marker; it stops
    // as soon as enough are seen. No marker overlaps another, so the count is the
    // sum of each marker's non-overlapping occurrences.
    static MARKS: LazyLock<AhoCorasick> = LazyLock::new(|| super::literals::prefiltered(MARKERS));
    // `=40` is an escape only in quoted-printable text (asked once, at the first
    // one): elsewhere (`id=40…` in a log) it decodes nothing and does not count.
    let qp_cell = std::cell::OnceCell::new();
    let qp = || {
        *qp_cell
            .get_or_init(|| s.contains("=\n") || s.contains("=\r\n") || contains_ci(s.as_bytes(), b"quoted-printable"))
    };
    let counted = MARKS.find_iter(s).filter(|m| MARKERS[m.pattern().as_usize()] != "=40" || qp());
    if counted.take(MIN_ESCAPES).count() < MIN_ESCAPES {
        return None;
    }
    let qp = qp();
    let b = s.as_bytes();
    // Without quoted-printable `=` starts no escape: longer runs between candidates.
    let starts = if qp { &STARTS } else { &STARTS_NO_QP };
    // The copy starts at the first escape that decodes: until then the text is only read.
    let mut copy: Option<Vec<u8>> = None;
    let begin = |copy: &mut Option<Vec<u8>>, i: usize| {
        if copy.is_none() {
            let mut v = Vec::with_capacity(b.len());
            v.extend_from_slice(&b[..i]);
            *copy = Some(v);
        }
    };
    let mut i = 0;
    while i < b.len() {
        // Bytes that cannot start an escape are copied a run at a time.
        let run = b[i..].iter().position(|&c| starts[c as usize]).unwrap_or(b.len() - i);
        if let Some(out) = &mut copy {
            out.extend_from_slice(&b[i..i + run]);
        }
        i += run;
        if i == b.len() {
            break;
        }
        let c = b[i];
        let rest = &b[i..];
        // JSON \uXXXX
        if c == b'\\' && rest.len() >= 6 && (rest[1] == b'u' || rest[1] == b'U') {
            if let Some(ch) = hex(&rest[2..6]).and_then(char::from_u32) {
                begin(&mut copy, i);
                push_char(copy.as_mut(), ch);
                i += 6;
                continue;
            }
        }
        // HTML entities
        if c == b'&' {
            if let Some((ch, len)) = entity(rest) {
                begin(&mut copy, i);
                push_char(copy.as_mut(), ch);
                i += len;
                continue;
            }
        }
        // URL-encoding
        if c == b'%' && rest.len() >= 3 {
            if let Some(v) = hex(&rest[1..3]) {
                begin(&mut copy, i);
                push(copy.as_mut(), v as u8);
                i += 3;
                continue;
            }
        }
        // Quoted-printable
        if qp && c == b'=' {
            if rest.starts_with(b"=\r\n") {
                begin(&mut copy, i);
                i += 3;
                continue;
            }
            if rest.starts_with(b"=\n") {
                begin(&mut copy, i);
                i += 2;
                continue;
            }
            if rest.len() >= 3 && rest[1..3].iter().all(|x| x.is_ascii_digit() || (b'A'..=b'F').contains(x)) {
                if let Some(v) = hex(&rest[1..3]) {
                    begin(&mut copy, i);
                    push(copy.as_mut(), v as u8);
                    i += 3;
                    continue;
                }
            }
        }
        // Obfuscation: ` [at] `, `(at)`, `{dot}` (spaces around are dropped: those
        // before were copied and are popped, those after are skipped).
        if matches!(c, b'[' | b'(' | b'{') {
            if let Some((ch, len)) = obfuscated(rest) {
                begin(&mut copy, i);
                if let Some(out) = &mut copy {
                    while out.last() == Some(&b' ') {
                        out.pop();
                    }
                    out.push(ch);
                }
                i += len;
                while i < b.len() && b[i] == b' ' {
                    i += 1;
                }
                continue;
            }
        }
        // Fullwidth ＠ (EF BC A0) and ．(EF BC 8E)
        if c == 0xEF && rest.len() >= 3 && rest[1] == 0xBC && (rest[2] == 0xA0 || rest[2] == 0x8E) {
            begin(&mut copy, i);
            push(copy.as_mut(), if rest[2] == 0xA0 { b'@' } else { b'.' });
            i += 3;
            continue;
        }
        push(copy.as_mut(), c);
        i += 1;
    }
    Some(match copy {
        None => Cow::Borrowed(s),
        Some(out) => {
            Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
        }
    })
}

fn push(out: Option<&mut Vec<u8>>, c: u8) {
    if let Some(out) = out {
        out.push(c);
    }
}

/// `needle` (lower-case ASCII) occurs in `hay`, ASCII case ignored; no copy of `hay`.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    let (lo, up) = (needle[0], needle[0].to_ascii_uppercase());
    memchr::memchr2_iter(lo, up, hay)
        .any(|i| hay.len() - i >= needle.len() && hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// Bytes an escape starts with: `\\u`, `&…;`, `%XX`, `=XX`, brackets, fullwidth forms.
const STARTS: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\\' as usize] = true;
    t[b'&' as usize] = true;
    t[b'%' as usize] = true;
    t[b'=' as usize] = true;
    t[b'[' as usize] = true;
    t[b'(' as usize] = true;
    t[b'{' as usize] = true;
    t[0xEF] = true;
    t
};

/// [`STARTS`] without `=` (text that is not quoted-printable).
const STARTS_NO_QP: [bool; 256] = {
    let mut t = STARTS;
    t[b'=' as usize] = false;
    t
};

fn hex(h: &[u8]) -> Option<u32> {
    std::str::from_utf8(h).ok().and_then(|t| u32::from_str_radix(t, 16).ok())
}

fn push_char(out: Option<&mut Vec<u8>>, ch: char) {
    let mut buf = [0u8; 4];
    if let Some(out) = out {
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
}

/// `&#64;`, `&#x40;`, `&commat;` … at the start of `b`: the character and the length.
fn entity(b: &[u8]) -> Option<(char, usize)> {
    let end = b.iter().take(12).position(|&c| c == b';')?;
    let body = std::str::from_utf8(&b[1..end]).ok()?;
    let ch = if let Some(num) = body.strip_prefix('#') {
        match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok().and_then(char::from_u32)?,
            None => num.parse::<u32>().ok().and_then(char::from_u32)?,
        }
    } else {
        match body {
            "commat" => '@',
            "period" => '.',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => ' ',
            _ => return None,
        }
    };
    Some((ch, end + 1))
}

/// `[at]`, `(at)`, `{at}`, `[dot]`, `(dot)`, `{dot}`, optionally after spaces.
fn obfuscated(b: &[u8]) -> Option<(u8, usize)> {
    let lead = b.iter().take_while(|&&c| c == b' ').count();
    let r = &b[lead..];
    for (word, ch) in [(&b"at"[..], b'@'), (&b"dot"[..], b'.')] {
        for (o, c) in [(b'[', b']'), (b'(', b')'), (b'{', b'}')] {
            if r.len() >= word.len() + 2
                && r[0] == o
                && r[1..1 + word.len()].eq_ignore_ascii_case(word)
                && r[1 + word.len()] == c
            {
                return Some((ch, lead + word.len() + 2));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::emails;

    #[test]
    fn hidden_addresses_are_decoded() {
        for (s, want) in [
            (r#"{"e":"a\u0040acme.io","f":"b\u0040bolt.io","g":"c\u0040cor.io"}"#, 3),
            ("a&#64;acme.io b&#x40;bolt.io c&commat;cor.io", 3),
            ("email=a%40acme.io&x=1&email=b%40bolt.io&email=c%40cor.io", 3),
            ("Content-Transfer-Encoding: quoted-printable\n\na=40acme.io b=40bolt.io c=40cor=\n.io", 3),
            ("a＠acme．io b＠bolt.io c＠cor.io", 3),
            ("a [at] acme [dot] io, b(at)bolt(dot)io, c {at} cor {dot} io", 3),
        ] {
            let d = decoded(s).unwrap_or_default();
            assert_eq!(emails::find(&d).len(), want, "{s} -> {d}");
        }
        assert!(decoded("plain text with one a@b.io and 100%40 nothing").is_none());
        // `=40` without quoted-printable is not an escape: not counted, not read.
        assert!(decoded("id=40 x=40 y=40 z=401").is_none());
        assert!(decoded("id=40 x=40 a%40acme.io b%40bolt.io").is_none());
        // The same with a soft line break is quoted-printable: counted and decoded.
        let d = decoded("a=40acme.io b=40bolt.io c=40cor=\n.io").unwrap_or_default();
        assert_eq!(emails::find(&d).len(), 3, "{d}");
        // Markers that decode nothing (a bracket closed but never opened): no copy.
        assert!(matches!(decoded("a at ] b at ] c at ] d"), Some(Cow::Borrowed(_))));
    }
}
