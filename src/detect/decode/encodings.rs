//! Encodings seen daily besides base64 and UTF-16: hex and base32 blocks, ascii85
//! (`<~ … ~>`), uuencode (`begin 644 name` … `end`), zlib streams, UTF-32 LE/BE, EBCDIC
//! (cp037) text, and archives appended to shell scripts (self-extracting installers).
//!
//! Each is looked for only when a cheap test says it may be there: hex and base32
//! blocks start with a long run inside one of the text's long base64 runs, found once
//! for all blocks by [`super::long_runs`] (ordinary text is mostly skipped, not read), ascii85 and uuencode by their markers, UTF-32 and EBCDIC
//! only where UTF-8 decoding already failed or the first bytes hold NULs. Decoded
//! blocks are kept only when they hold text or a container,
//! so hashes, ids and object names in hex or base32 decode to nothing ([`texty`]).

/// Most blocks decoded from one text, all kinds together.
const MAX_BLOCKS: usize = 64;
/// Fewest encoded characters in a hex or base32 block.
const MIN_CHARS: usize = 160;

/// Hex, base32, ascii85 and uuencoded blocks of `s`: (`hex@12`, decoded bytes).
/// `long` is every run of 60+ base64 bytes of `s` ([`super::long_runs`]): a hex or
/// base32 run is inside one.
pub(super) fn text_blocks(s: &str, long: &[(usize, usize)]) -> Vec<(String, Vec<u8>)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    runs(b, long, &mut out);
    if memchr::memmem::find(b, b"<~").is_some() {
        ascii85(b, &mut out);
    }
    if memchr::memmem::find(b, b"begin ").is_some() {
        uuencoded(b, &mut out);
    }
    out
}

/// Decoded bytes worth scanning: a container, or UTF-8 text with hardly any control
/// characters (stricter than for base64: a short block of random bytes is often
/// "printable" by byte counts, almost never valid UTF-8).
fn texty(b: &[u8]) -> bool {
    if super::is_zip(b) || b.starts_with(&[0x1f, 0x8b]) || is_zlib(b) {
        return true;
    }
    let head = &b[..b.len().min(4096)];
    let s = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
        Err(_) => return false,
    };
    let controls = s.chars().filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')).count();
    !s.is_empty() && controls * 100 <= s.len()
}

fn line_of(b: &[u8], at: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &b[..at]).count()
}

#[derive(Clone, Copy, PartialEq)]
enum Alphabet {
    Hex,
    Base32,
}

impl Alphabet {
    fn has(self, c: u8) -> bool {
        match self {
            Alphabet::Hex => c.is_ascii_hexdigit(),
            Alphabet::Base32 => matches!(c, b'A'..=b'Z' | b'2'..=b'7'),
        }
    }
}

/// Hex and base32 blocks: a run of 60+ characters of one alphabet, continued across
/// wrapped lines of the same alphabet (`xxd -p`, `base32`).
fn runs(b: &[u8], long: &[(usize, usize)], out: &mut Vec<(String, Vec<u8>)>) {
    let n = b.len();
    let mut i = 0;
    let mut r = 0;
    while out.len() < MAX_BLOCKS {
        // The next run at or after `i`, searched only inside the base64 runs: a run
        // ends where its base64 run ends (that byte is in neither alphabet).
        let mut next = None;
        while let Some(&(s, e)) = long.get(r) {
            if e > i {
                next = next_run(&b[..e], i.max(s), 60);
                if next.is_some() {
                    break;
                }
            }
            r += 1;
        }
        let Some((start, run_end)) = next else { break };
        i = run_end;
        let run = &b[start..run_end];
        let alpha = if run.iter().all(|&c| Alphabet::Hex.has(c)) {
            Alphabet::Hex
        } else if run.iter().all(|&c| Alphabet::Base32.has(c)) {
            Alphabet::Base32
        } else {
            continue;
        };
        let width = run.len();
        let mut body = run.to_vec();
        let mut end = run_end;
        while let Some((s2, k)) = super::wrapped_line(b, end, |c| alpha.has(c)) {
            // The line must end there (a word that starts with hex letters is not data).
            if k == s2 || (k < n && !matches!(b[k], b'\n' | b'\r' | b'=')) {
                break;
            }
            body.extend_from_slice(&b[s2..k]);
            end = k;
            if k - s2 < width {
                break;
            }
        }
        while end < n && b[end] == b'=' {
            end += 1;
        }
        i = end;
        if body.len() < MIN_CHARS {
            continue;
        }
        let (name, bytes) = match alpha {
            Alphabet::Hex => ("hex", hex(&body)),
            Alphabet::Base32 => ("base32", base32(&body)),
        };
        if texty(&bytes) {
            out.push((format!("{name}@{}", line_of(b, start)), bytes));
        }
    }
}

/// Hex digits and base32 letters: `0-9`, `a-f`, `A-Z`.
const HEX32: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'a'..=b'f');
        c += 1;
    }
    t
};

/// The first maximal run of [`HEX32`] bytes at least `len` long at or after `from`
/// (`from` is 0 or follows a byte outside the set). A run of `len` starting in
/// `[i, i + len)` covers byte `i + len - 1`: when that byte is outside the set the
/// search jumps `len` bytes ahead, so one byte in `len` is read where no run can be.
/// Only ever asked inside a long base64 run.
fn next_run(b: &[u8], from: usize, len: usize) -> Option<(usize, usize)> {
    let n = b.len();
    let mut i = from;
    loop {
        let j = i + len - 1;
        if j >= n {
            return None;
        }
        if !HEX32[b[j] as usize] {
            i = j + 1;
            continue;
        }
        let mut k = j;
        while k > i && HEX32[b[k - 1] as usize] {
            k -= 1;
        }
        let mut m = j + 1;
        while m < k + len && m < n && HEX32[b[m] as usize] {
            m += 1;
        }
        if m < k + len {
            if m >= n {
                return None;
            }
            i = m + 1;
            continue;
        }
        while m < n && HEX32[b[m] as usize] {
            m += 1;
        }
        return Some((k, m));
    }
}

fn hex(s: &[u8]) -> Vec<u8> {
    let v = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c.wrapping_sub(b'A').wrapping_add(10) & 15,
    };
    s.chunks_exact(2).map(|p| (v(p[0]) << 4) | v(p[1])).collect()
}

fn base32(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u64, 0u32);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            _ => c.wrapping_sub(b'2').wrapping_add(26) & 31,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Adobe ascii85 blocks between `<~` and `~>`.
fn ascii85(b: &[u8], out: &mut Vec<(String, Vec<u8>)>) {
    let mut from = 0;
    while out.len() < MAX_BLOCKS {
        let Some(s) = memchr::memmem::find(&b[from..], b"<~").map(|p| from + p) else { break };
        let Some(e) = memchr::memmem::find(&b[s + 2..], b"~>").map(|p| s + 2 + p) else { break };
        from = e + 2;
        if e - s < 64 {
            continue;
        }
        if let Some(bytes) = decode_ascii85(&b[s + 2..e]) {
            if texty(&bytes) {
                out.push((format!("ascii85@{}", line_of(b, s)), bytes));
            }
        }
    }
}

fn decode_ascii85(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 4 / 5);
    let (mut group, mut n) = (0u64, 0usize);
    for &c in s {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0c => continue,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group = group * 85 + u64::from(c - b'!');
                n += 1;
                if n == 5 {
                    out.extend_from_slice(&u32::try_from(group).ok()?.to_be_bytes());
                    (group, n) = (0, 0);
                }
            }
            _ => return None,
        }
    }
    if n == 1 {
        return None;
    }
    if n > 1 {
        for _ in n..5 {
            group = group * 85 + 84;
        }
        let bytes = u32::try_from(group).ok()?.to_be_bytes();
        out.extend_from_slice(&bytes[..n - 1]);
    }
    Some(out)
}

/// uuencoded files: `begin <mode> <name>`, encoded lines, then a zero-length line and `end`.
fn uuencoded(b: &[u8], out: &mut Vec<(String, Vec<u8>)>) {
    let mut from = 0;
    while out.len() < MAX_BLOCKS {
        let Some(s) = memchr::memmem::find(&b[from..], b"begin ").map(|p| from + p) else { break };
        from = s + 6;
        if s > 0 && b[s - 1] != b'\n' {
            continue;
        }
        let head_end = memchr::memchr(b'\n', &b[s..]).map_or(b.len(), |p| s + p);
        let mut words = b[s + 6..head_end].splitn(2, |&c| c == b' ');
        let mode_ok =
            words.next().is_some_and(|m| (3..=4).contains(&m.len()) && m.iter().all(|c| (b'0'..=b'7').contains(c)));
        if !mode_ok || words.next().is_none_or(|name| name.trim_ascii().is_empty()) {
            continue;
        }
        let mut bytes = Vec::new();
        let mut at = head_end + 1;
        let mut ok = false;
        while at < b.len() {
            let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |p| at + p);
            let line = b[at..end].strip_suffix(b"\r").unwrap_or(&b[at..end]);
            at = end + 1;
            let Some(&first) = line.first() else { break };
            let len = usize::from(first.wrapping_sub(b' ') & 63);
            if len == 0 {
                ok = true;
                break;
            }
            let data = &line[1..];
            if data.len() < len.div_ceil(3) * 4 || !data.iter().all(|c| (b' '..=b'`').contains(c)) {
                break;
            }
            let mut got = Vec::with_capacity(len + 2);
            for q in data[..len.div_ceil(3) * 4].chunks_exact(4) {
                let v: Vec<u32> = q.iter().map(|&c| u32::from(c.wrapping_sub(b' ') & 63)).collect();
                let w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
                got.extend_from_slice(&[(w >> 16) as u8, (w >> 8) as u8, w as u8]);
            }
            got.truncate(len);
            bytes.extend_from_slice(&got);
        }
        from = at.min(b.len()).max(from);
        if (ok || !bytes.is_empty()) && bytes.len() >= 32 && texty(&bytes) {
            out.push((format!("uu@{}", line_of(b, s)), bytes));
        }
    }
}

/// A zlib stream: CMF 0x78 (deflate, 32 KiB window), a common level, a valid check.
pub(super) fn is_zlib(d: &[u8]) -> bool {
    d.len() > 8 && d[0] == 0x78 && matches!(d[1], 0x01 | 0x9c | 0xda)
}

/// Where an archive appended to a shell script starts (`#!/bin/sh … exit 0` then a
/// gzip stream or a zip archive): the offset of its first byte.
pub(super) fn appended_archive(d: &[u8]) -> Option<usize> {
    if !d.starts_with(b"#!") {
        return None;
    }
    let gz = memchr::memmem::find(d, b"\n\x1f\x8b\x08");
    let zip = memchr::memmem::find(d, b"\nPK\x03\x04");
    match (gz, zip) {
        (Some(a), Some(b)) => Some(a.min(b) + 1),
        (a, b) => a.or(b).map(|p| p + 1),
    }
}

/// UTF-32 text, with a BOM or mostly ASCII (three NULs in every four bytes).
pub(super) fn utf32(d: &[u8]) -> Option<(String, &'static str)> {
    let (le, body) = if let Some(r) = d.strip_prefix(b"\xff\xfe\x00\x00") {
        (true, r)
    } else if let Some(r) = d.strip_prefix(b"\x00\x00\xfe\xff") {
        (false, r)
    } else if d.len() >= 16 && d[1..4] == [0, 0, 0] && d[0] != 0 {
        (true, d)
    } else if d.len() >= 16 && d[..3] == [0, 0, 0] && d[3] != 0 {
        (false, d)
    } else {
        return None;
    };
    let unit = |q: &[u8]| {
        let a = [q[0], q[1], q[2], q[3]];
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    if body.len() == d.len() {
        // No BOM: most units must be printable characters below U+0800 (not an array of
        // small integers).
        let head = &body[..body.len().min(8192) / 4 * 4];
        let units = head.len() / 4;
        let good =
            head.chunks_exact(4).map(unit).filter(|&u| (0x20..0x800).contains(&u) || matches!(u, 9 | 10 | 13)).count();
        if good * 10 < units * 9 {
            return None;
        }
    }
    let text: String =
        body.chunks_exact(4).map(|q| char::from_u32(unit(q)).unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    Some((text, if le { "utf-32le" } else { "utf-32be" }))
}

/// EBCDIC (cp037) text: spaces at 0x40, letters in 0x81–0xE9, digits at 0xF0–0xF9, no
/// ASCII text look. Read only where UTF-8 failed (EBCDIC letters are all above 0x80).
pub(super) fn ebcdic(d: &[u8]) -> Option<String> {
    let head = &d[..d.len().min(4096)];
    if head.len() < 32 {
        return None;
    }
    let (mut space, mut alnum, mut ascii_letters, mut low) = (0usize, 0usize, 0usize, 0usize);
    for &c in head {
        match c {
            0x40 => space += 1,
            0x81..=0x89 | 0x91..=0x99 | 0xa2..=0xa9 | 0xc1..=0xc9 | 0xd1..=0xd9 | 0xe2..=0xe9 | 0xf0..=0xf9 => {
                alnum += 1
            }
            b'A'..=b'Z' | b'a'..=b'z' => ascii_letters += 1,
            0x05 | 0x0d | 0x15 | 0x25 => {}
            0..=0x3f => low += 1,
            _ => {}
        }
    }
    let n = head.len();
    if (space + alnum) * 10 < n * 6 || ascii_letters * 10 > n || low * 50 > n {
        return None;
    }
    Some(
        d.iter()
            .map(|&c| match c {
                0x05 => '\t',
                0x0d => '\r',
                0x15 | 0x25 => '\n',
                0..=0x3f => ' ',
                _ => CP037_HIGH[usize::from(c - 0x40)],
            })
            .collect(),
    )
}

/// cp037 from 0x40 to 0xFF.
const CP037_HIGH: [char; 192] = [
    ' ', '\u{a0}', 'â', 'ä', 'à', 'á', 'ã', 'å', 'ç', 'ñ', '¢', '.', '<', '(', '+', '|', '&', 'é', 'ê', 'ë', 'è', 'í',
    'î', 'ï', 'ì', 'ß', '!', '$', '*', ')', ';', '¬', '-', '/', 'Â', 'Ä', 'À', 'Á', 'Ã', 'Å', 'Ç', 'Ñ', '¦', ',', '%',
    '_', '>', '?', 'ø', 'É', 'Ê', 'Ë', 'È', 'Í', 'Î', 'Ï', 'Ì', '`', ':', '#', '@', '\'', '=', '"', 'Ø', 'a', 'b', 'c',
    'd', 'e', 'f', 'g', 'h', 'i', '«', '»', 'ð', 'ý', 'þ', '±', '°', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 'ª',
    'º', 'æ', '¸', 'Æ', '¤', 'µ', '~', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '¡', '¿', 'Ð', 'Ý', 'Þ', '®', '^', '£',
    '¥', '·', '©', '§', '¶', '¼', '½', '¾', '[', ']', '¯', '¨', '´', '×', '{', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
    'I', '\u{ad}', 'ô', 'ö', 'ò', 'ó', 'õ', '}', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', '¹', 'û', 'ü', 'ù', 'ú',
    'ÿ', '\\', '÷', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', '²', 'Ô', 'Ö', 'Ò', 'Ó', 'Õ', '0', '1', '2', '3', '4', '5',
    '6', '7', '8', '9', '³', 'Û', 'Ü', 'Ù', 'Ú', '\u{9f}',
];

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks_of(s: &str) -> Vec<(String, Vec<u8>)> {
        text_blocks(s, &super::super::long_runs(s.as_bytes(), 60))
    }

    const CSV: &str = "company,group,admin_email\nKestrel Labs,premium-eu,admin0@kestrel.io\nNorv Foods,premium-us,admin1@norv.de\nQuill Systems,premium-apac,admin2@quill.fr\n";

    fn hexs(b: &[u8]) -> String {
        b.iter().map(|c| format!("{c:02x}")).collect()
    }

    fn b32(b: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut s = String::new();
        for chunk in b.chunks(5) {
            let mut buf = [0u8; 5];
            buf[..chunk.len()].copy_from_slice(chunk);
            let v = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
            let chars = (chunk.len() * 8).div_ceil(5);
            for i in 0..8 {
                s.push(if i < chars { A[((v >> (35 - 5 * i)) & 31) as usize] as char } else { '=' });
            }
        }
        s
    }

    fn wrap(s: &str, w: usize) -> String {
        s.as_bytes().chunks(w).map(|c| std::str::from_utf8(c).unwrap_or("")).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn hex_and_base32_blocks_one_line_and_wrapped() {
        for text in [
            format!("data = \"{}\"\n", hexs(CSV.as_bytes())),
            format!("x\n{}\nend\n", wrap(&hexs(CSV.as_bytes()), 60)),
            format!("{}\n", wrap(&hexs(CSV.as_bytes()).to_uppercase(), 64)),
        ] {
            let b = blocks_of(&text);
            assert_eq!(b.len(), 1, "{text}");
            assert!(b[0].0.starts_with("hex@"));
            assert_eq!(b[0].1, CSV.as_bytes());
        }
        for text in [format!("k: {}\n", b32(CSV.as_bytes())), format!("{}\n", wrap(&b32(CSV.as_bytes()), 76))] {
            let b = blocks_of(&text);
            assert_eq!(b.len(), 1, "{text}");
            assert!(b[0].0.starts_with("base32@"));
            assert_eq!(b[0].1, CSV.as_bytes());
        }
    }

    #[test]
    fn hashes_and_ids_decode_to_nothing() {
        let mut text = String::new();
        let mut x: u64 = 1;
        for i in 0..200 {
            let mut id = String::new();
            for _ in 0..8 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                id.push_str(&format!("{:08x}", x >> 32));
            }
            text.push_str(&format!("{id}  file{i}.tar.gz\n"));
            text.push_str(&id.repeat(3));
            text.push('\n');
            text.push_str(&b32(id.as_bytes()).chars().take(40).collect::<String>());
            text.push('\n');
        }
        let found: Vec<String> =
            blocks_of(&text).into_iter().map(|b| format!("{} {:?}", b.0, String::from_utf8_lossy(&b.1))).collect();
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn ascii85_and_uuencode() {
        // Python: base64.a85encode(CSV, adobe=True)
        let a85 = r#"<~@rH4'@;^?AB6%p5E%GF.D/!lpASkjiC^NgHF*)G6C`lD[@WO)>Eb0*%F_r^AFY$s3D/!lA5\jqPFE1r//no52:2b/r+@^9fA90;@Eb0*%F_r^QF"Ca1D/!lB5]1L\FtR<:$;kq[Cht4mH#n(=D0%7IEb0*%F_r^=E+*6-@:X4hDDFIsF_PZ./nT,2~>"#;
        let b = blocks_of(&format!("pdf\n{a85}\n"));
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].0, "ascii85@2");
        assert_eq!(b[0].1, CSV.as_bytes());
        // Python: binascii.b2a_uu per 45 bytes.
        let mut uu = String::from("hello\nbegin 644 customers.csv\n");
        for chunk in CSV.as_bytes().chunks(45) {
            uu.push((b' ' + chunk.len() as u8) as char);
            for g in chunk.chunks(3) {
                let mut p = [0u8; 3];
                p[..g.len()].copy_from_slice(g);
                let w = (u32::from(p[0]) << 16) | (u32::from(p[1]) << 8) | u32::from(p[2]);
                for i in 0..4 {
                    let v = ((w >> (18 - 6 * i)) & 63) as u8;
                    uu.push(if v == 0 { '`' } else { (b' ' + v) as char });
                }
            }
            uu.push('\n');
        }
        uu.push_str("`\nend\n");
        let b = blocks_of(&uu);
        assert_eq!(b.len(), 1, "{uu}");
        assert_eq!(b[0].0, "uu@2");
        assert_eq!(b[0].1, CSV.as_bytes());
        // Damaged: no panic.
        for cut in 0..uu.len() {
            let _ = blocks_of(&uu[..cut]);
        }
        for cut in 0..a85.len() {
            let _ = blocks_of(&a85[..cut]);
        }
    }

    #[test]
    fn runs_agree_with_reading_every_byte() {
        let mut x: u32 = 11;
        for round in 0..300 {
            let mut b = Vec::new();
            for _ in 0..50 + round * 5 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b.push(if (x >> 16).is_multiple_of(2 + round as u32 % 50) {
                    b"g \n=z"[(x as usize >> 8) % 5]
                } else {
                    b'A'
                });
            }
            let mut naive = Vec::new();
            let mut i = 0;
            while i < b.len() {
                let s = i;
                while i < b.len() && HEX32[b[i] as usize] {
                    i += 1;
                }
                if i - s >= 7 {
                    naive.push((s, i));
                }
                i = i.max(s + 1);
            }
            let mut fast = Vec::new();
            let mut from = 0;
            while let Some((s, e)) = next_run(&b, from, 7) {
                fast.push((s, e));
                from = e;
            }
            assert_eq!(fast, naive, "round {round}");
        }
    }

    #[test]
    fn utf32_and_ebcdic() {
        let le: Vec<u8> = CSV.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let be: Vec<u8> = CSV.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        assert_eq!(utf32(&le), Some((CSV.to_string(), "utf-32le")));
        assert_eq!(utf32(&be), Some((CSV.to_string(), "utf-32be")));
        let mut bom = b"\xff\xfe\x00\x00".to_vec();
        bom.extend_from_slice(&le);
        assert_eq!(utf32(&bom), Some((CSV.to_string(), "utf-32le")));
        assert_eq!(utf32(b"plain text, not utf-32 at all"), None);
        let ints: Vec<u8> = (0u32..64).flat_map(|i| (i % 7 + 1).to_le_bytes()).collect();
        assert_eq!(utf32(&ints), None);
        // cp037 of CSV, line ends as NL (0x15).
        let enc: Vec<u8> = CSV
            .chars()
            .map(|c| if c == '\n' { 0x15 } else { 0x40 + CP037_HIGH.iter().position(|&h| h == c).unwrap_or(0) as u8 })
            .collect();
        assert_eq!(ebcdic(&enc).as_deref(), Some(CSV));
        assert_eq!(ebcdic("Müller GmbH, Straße 1, München — ordinary Latin-1 text here".as_bytes()), None);
    }
}
