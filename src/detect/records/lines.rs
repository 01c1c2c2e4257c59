//! Fallback: lines that each carry a contact value and share one punctuation
//! shape (`Company – admin – e-mail` pasted into a ticket, log lines with users).

use std::collections::BTreeMap;

use super::{Records, Table};
use crate::detect::emails;
use crate::detect::Text;

pub fn parse(det: &Records, t: &Text) -> Table {
    let mut groups: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    let spans = t.emails();
    let b = t.s.as_bytes();
    let mut i = 0;
    // Only lines holding an address count: each is found from its first address, not
    // by reading every line of the text.
    while i < spans.len() {
        let at = spans[i].0;
        let line_start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |k| k + 1);
        let line_end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |k| at + k + 1);
        let line = &t.s[line_start..line_end];
        let mut first: Option<(usize, usize)> = None;
        let mut in_line = Vec::new();
        while i < spans.len() && spans[i].0 < line_end {
            let (s, e) = spans[i];
            in_line.push((s - line_start, e - line_start));
            if first.is_none() && !det.ignore.ignored(&emails::normalise(&t.s[s..e])) {
                first = Some((s, e));
            }
            i += 1;
        }
        if let Some(f) = first
            .filter(|_| !crate::detect::credits::credit_line(line.trim_end_matches(['\n', '\r']), &in_line, "", ""))
        {
            if let Some(key) = shape(line, &in_line) {
                groups.entry(key).or_default().push(f);
            }
        }
    }
    let mut tab = Table::new("lines");
    if let Some(best) = largest(groups) {
        for (s, e) in best {
            tab.row(det, t, [&t.s[s..e], "line"]);
        }
    }
    tab
}

/// The group with the most lines; a tie goes to the group whose first line comes
/// first in the text. A pure function of the text, never of a hasher's order.
fn largest(groups: BTreeMap<String, Vec<(usize, usize)>>) -> Option<Vec<(usize, usize)>> {
    groups.into_values().filter(|v| !v.is_empty()).max_by(|a, b| a.len().cmp(&b.len()).then(b[0].0.cmp(&a[0].0)))
}

/// The punctuation skeleton of a line outside its addresses, or `None` when the line
/// holds nothing but addresses.
fn shape(line: &str, spans: &[(usize, usize)]) -> Option<String> {
    let mut key = String::new();
    let mut words = 0;
    let mut in_word = false;
    let mut j = 0;
    for (i, c) in line.char_indices() {
        if j < spans.len() && i >= spans[j].0 {
            if i < spans[j].1 {
                continue;
            }
            j += 1;
            key.push('@');
        }
        if c.is_alphanumeric() {
            if !in_word {
                words += 1;
            }
            in_word = true;
            continue;
        }
        in_word = false;
        if matches!(
            c,
            ',' | ';' | '|' | '\t' | '–' | '—' | '-' | ':' | '=' | '<' | '>' | '(' | ')' | '"' | '[' | ']' | '/'
        ) && !key.ends_with(c)
            && key.len() < 24
        {
            key.push(c);
        }
    }
    (words >= 1).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det() -> Records {
        Records {
            min_rows: 1,
            need_email: true,
            need_phone: false,
            need_company: false,
            min_distinct_domains: 1,
            ignore: Default::default(),
            until_fired: false,
        }
    }

    /// Two shapes with the same number of lines: the one that starts first wins, on
    /// every run (the hasher's order used to decide).
    #[test]
    fn ties_go_to_the_first_group() {
        let text = "Acme - ops@acme-a.io\nid=1; beta@bexley.io\nBolt - it@bolt-b.io\nid=2; gamma@corvane.io\n";
        for _ in 0..50 {
            let t = Text::new(text, false);
            let tab = parse(&det(), &t);
            assert_eq!(tab.rows, 2);
            assert_eq!(tab.first, Some((7, 20)), "the ` - ` group starts first");
            let mut emails: Vec<&str> = tab.emails.iter().collect();
            emails.sort_unstable();
            assert_eq!(emails, ["it@bolt-b.io", "ops@acme-a.io"]);
        }
        let groups =
            BTreeMap::from([("b".to_string(), vec![(5, 6), (9, 10)]), ("a".to_string(), vec![(7, 8), (1, 2)])]);
        assert_eq!(largest(groups), Some(vec![(5, 6), (9, 10)]));
    }
}
