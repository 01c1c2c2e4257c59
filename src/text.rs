//! Small text helpers shared by every face: escaping what reaches a terminal.
//!
//! Owns [`escape`]: content-derived strings (file names from trees, evidence, reasons,
//! principals) never reach a terminal or a `remote:` line raw. Imports nothing of the
//! crate.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: C0 controls (but tab), DEL, C1
/// controls, and the bidirectional overrides and isolates that reorder what is shown.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `s` with every control character written as a visible escape (`\x1b`, `\n`,
/// `\u{202e}`); borrowed when there is none.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn controls_become_visible_and_clean_text_is_borrowed() {
        assert_eq!(escape("a\x1b[2Jb\r\n\u{202e}c\u{7f}\u{9b}"), "a\\x1b[2Jb\\r\\n\\u{202e}c\\x7f\\x9b");
        assert!(matches!(escape("plain ünï\ttab"), std::borrow::Cow::Borrowed(_)));
    }
}
