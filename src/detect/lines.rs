//! Where an offset is in a text (line, line start and end, column) in time bounded by
//! a chunk, whatever the text's length or line length: one pass builds per-chunk
//! checkpoints, each question then reads at most one chunk.
//!
//! Owns position arithmetic only; imports nothing from the detectors.

/// Bytes between two checkpoints.
const CHUNK: usize = 64 << 10;

/// Checkpoints every [`CHUNK`] bytes of one text.
#[derive(Debug)]
pub struct LineIndex {
    /// Newlines in `[0, c * CHUNK)`.
    lines_before: Vec<u32>,
    /// Characters (not bytes) in `[0, c * CHUNK)`.
    chars_before: Vec<u64>,
    /// Last newline before `c * CHUNK`.
    last_nl_before: Vec<Option<usize>>,
    /// First newline at or after `c * CHUNK` (the text's length when none).
    first_nl_from: Vec<usize>,
}

fn is_char_start(b: u8) -> bool {
    (b as i8) >= -0x40
}

impl LineIndex {
    pub fn new(s: &str) -> LineIndex {
        let b = s.as_bytes();
        let n = b.len() / CHUNK + 1;
        let mut ix = LineIndex {
            lines_before: Vec::with_capacity(n),
            chars_before: Vec::with_capacity(n),
            last_nl_before: Vec::with_capacity(n),
            first_nl_from: vec![b.len(); n],
        };
        let mut first_in = Vec::with_capacity(n);
        let (mut lines, mut chars, mut last) = (0u32, 0u64, None);
        for c in 0..n {
            let (start, end) = ((c * CHUNK).min(b.len()), ((c + 1) * CHUNK).min(b.len()));
            ix.lines_before.push(lines);
            ix.chars_before.push(chars);
            ix.last_nl_before.push(last);
            let chunk = &b[start..end];
            first_in.push(memchr::memchr(b'\n', chunk).map(|p| start + p));
            if c + 1 == n {
                // What a chunk holds is only asked of the chunks after it: the last
                // (a text under one chunk, most of them) is not read further.
                break;
            }
            if let Some(p) = memchr::memrchr(b'\n', chunk) {
                last = Some(start + p);
            }
            // A chunk holds fewer than 2^32 newlines: counted at once, not one by one.
            lines = lines.saturating_add(memchr::memchr_iter(b'\n', chunk).count() as u32);
            chars += count_chars(chunk);
        }
        let mut next = b.len();
        for c in (0..n).rev() {
            if let Some(f) = first_in[c] {
                next = f;
            }
            ix.first_nl_from[c] = next;
        }
        ix
    }

    /// Start of the line holding byte `p`.
    pub fn line_start(&self, s: &str, p: usize) -> usize {
        let c = p / CHUNK;
        match memchr::memrchr(b'\n', &s.as_bytes()[c * CHUNK..p]) {
            Some(i) => c * CHUNK + i + 1,
            None => self.last_nl_before[c].map_or(0, |i| i + 1),
        }
    }

    /// End of the line holding byte `p` (its newline, or the text's end).
    pub fn line_end(&self, s: &str, p: usize) -> usize {
        let c = p / CHUNK;
        let chunk_end = ((c + 1) * CHUNK).min(s.len());
        match memchr::memchr(b'\n', &s.as_bytes()[p..chunk_end]) {
            Some(i) => p + i,
            None => self.first_nl_from.get(c + 1).copied().unwrap_or(s.len()),
        }
    }

    /// Newlines before byte `p` (the 0-based line number).
    pub fn line_of(&self, s: &str, p: usize) -> u32 {
        let c = p / CHUNK;
        self.lines_before[c] + memchr::memchr_iter(b'\n', &s.as_bytes()[c * CHUNK..p]).count() as u32
    }

    /// Characters before byte `p`.
    pub fn chars_to(&self, s: &str, p: usize) -> u64 {
        let c = p / CHUNK;
        self.chars_before[c] + count_chars(&s.as_bytes()[c * CHUNK..p])
    }
}

/// Characters of UTF-8 bytes: the bytes that are not continuation bytes (`10xxxxxx`),
/// eight at a time.
fn count_chars(b: &[u8]) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    let mut continuation = 0u64;
    for w in &mut words {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        // Bit 7 set and bit 6 clear, in each byte's bit 7.
        continuation += u64::from((w & !(w << 1) & HIGH).count_ones());
    }
    continuation += words.remainder().iter().filter(|&&x| !is_char_start(x)).count() as u64;
    b.len() as u64 - continuation
}

/// `s.split_inclusive('\n')`, found with the SIMD `memchr` (the standard library's
/// search reads a word at a time, a fifth of the cost of some detectors on source).
pub fn split_inclusive_nl(s: &str) -> impl Iterator<Item = &str> + Clone {
    let mut it = memchr::memchr_iter(b'\n', s.as_bytes());
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= s.len() {
            return None;
        }
        let end = it.next().map_or(s.len(), |k| k + 1);
        let line = &s[pos..end];
        pos = end;
        Some(line)
    })
}

/// `s.lines()`, with [`split_inclusive_nl`]: each line without its `\n` and then its
/// `\r`; a last line without `\n` keeps a trailing `\r`.
pub fn lines_nl(s: &str) -> impl Iterator<Item = &str> + Clone {
    split_inclusive_nl(s).map(|l| match l.strip_suffix('\n') {
        Some(l) => l.strip_suffix('\r').unwrap_or(l),
        None => l,
    })
}

/// The largest char boundary `<= i`.
pub fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest char boundary `>= i`.
pub fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_iterators_agree_with_std() {
        for s in ["", "\n", "a", "a\n", "a\r\n", "a\r", "\r\n\r\n", "a\nb", "a\n\nb\r\n", "é\r\nx\r", "\n\n\r"] {
            assert_eq!(split_inclusive_nl(s).collect::<Vec<_>>(), s.split_inclusive('\n').collect::<Vec<_>>(), "{s:?}");
            assert_eq!(lines_nl(s).collect::<Vec<_>>(), s.lines().collect::<Vec<_>>(), "{s:?}");
        }
    }

    #[test]
    fn agrees_with_naive_counting_across_chunks() {
        let mut s = String::new();
        for i in 0..20_000 {
            s.push_str(&"é".repeat(i % 7));
            s.push_str(if i % 1000 == 0 { "x" } else { "ab" });
            if i % 3 != 0 {
                s.push('\n');
            }
        }
        s.push_str(&"y".repeat(200_000));
        let ix = LineIndex::new(&s);
        for p in (0..s.len()).step_by(997).filter(|&p| s.is_char_boundary(p)).chain([s.len()]) {
            let b = s.as_bytes();
            let start = memchr::memrchr(b'\n', &b[..p]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &b[p..]).map_or(s.len(), |i| p + i);
            assert_eq!(ix.line_start(&s, p), start, "start at {p}");
            assert_eq!(ix.line_end(&s, p), end, "end at {p}");
            assert_eq!(ix.line_of(&s, p) as usize, memchr::memchr_iter(b'\n', &b[..p]).count());
            assert_eq!(ix.chars_to(&s, p) as usize, s[..p].chars().count());
        }
    }
}
