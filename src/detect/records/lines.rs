//! Fallback: lines that each carry a contact value and share one punctuation
//! shape (`Company – admin – e-mail` pasted into a ticket, log lines with users).

use std::collections::HashMap;

use super::{Records, Table};
use crate::detect::emails;
use crate::detect::Text;

pub fn parse(det: &Records, t: &Text) -> Table {
    let mut groups: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let spans = t.emails();
    let mut i = 0;
    let mut line_start = 0;
    for line in t.s.split_inclusive('\n') {
        let line_end = line_start + line.len();
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
        if let Some(f) = first.filter(|_| !is_credit(line, &in_line)) {
            if let Some(key) = shape(line, &in_line) {
                groups.entry(key).or_default().push(f);
            }
        }
        line_start = line_end;
    }
    let mut tab = Table::new("lines");
    if let Some(best) = groups.into_values().max_by_key(|v| v.len()) {
        for (s, e) in best {
            tab.row(det, t, [&t.s[s..e], "line"]);
        }
    }
    tab
}

/// A credit line: a person's name and their address, optionally after a short label
/// (`M:`, `de:`, `uid [ultimate]`, a comment or bullet) and before a date
/// (`-- Jane Doe <j@x.io>  Mon, 01 Jan 2024 10:00:00 +0000`), or a copyright notice.
/// Authors, maintainers and translators are named this way in source headers,
/// manifests and changelogs; customer rows carry more than a name.
fn is_credit(line: &str, spans: &[(usize, usize)]) -> bool {
    let Some(&(s, e)) = spans.first() else { return false };
    let lower = line.to_ascii_lowercase();
    if lower.contains("copyright") || line.contains('©') || lower.contains("(c)") {
        return true;
    }
    let Some(before) = line[..s].trim_end().strip_suffix('<') else { return false };
    let before = before.trim_end();
    let name_start = before
        .rfind(|c: char| !(c.is_alphabetic() || " .'-".contains(c)))
        .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
    let name = before[name_start..].trim();
    let words = name.split_whitespace().count();
    if !(1..=5).contains(&words) || !name.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    let label = before[..name_start].trim();
    let label_ok = label.chars().all(|c| c.is_whitespace() || "*#/;\"'-–,[(".contains(c))
        || (label.chars().count() <= 30 && (label.ends_with(':') || label.ends_with(']')) && !label.contains('@'));
    let after = line[e..].trim_start_matches('>').trim_matches(|c: char| c.is_whitespace() || "\"',;)]".contains(c));
    label_ok && (after.is_empty() || is_date(after))
}

/// `Mon, 01 Jan 2024 10:00:00 +0000`, `2024-01-01`: digits and calendar words only.
fn is_date(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
        "oct", "nov", "dec", "utc", "gmt",
    ];
    s.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).all(|t| {
        t.chars().all(|c| c.is_ascii_digit() || ":+-./T".contains(c))
            || WORDS.contains(&t.to_ascii_lowercase().as_str())
    })
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
