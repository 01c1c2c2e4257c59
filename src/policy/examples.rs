//! A policy never blocks itself: the `examples` and `negative_examples` strings of a
//! policy file are blanked before the file is scanned, so a copied pack committed into a
//! repository is not a finding.
//!
//! Owns recognising a policy file **by its content**, never by its path (anyone can
//! name a list `policy.yaml`), and never by being the policy in force (the hooks judge
//! staged and pushed versions, history and uploads that are not the loaded files): a
//! YAML mapping whose top-level keys are all leakguard's, with `version` and
//! `classes`. Only the example strings under `classes.<id>.examples` /
//! `negative_examples` are blanked (same length, newlines kept, so every other finding
//! keeps its line); everything else in the file is scanned as usual. So that a list
//! cannot hide as a fake policy's examples, an example longer than
//! [`MAX_EXAMPLE_LINES`] lines or [`MAX_EXAMPLE_BYTES`] bytes, and examples beyond
//! [`MAX_FILE_LINES`] lines per file, are scanned as usual.
//!
//! Must not import detect, engine or git2: bytes in, bytes out.

use super::shape::{tree, NodeKind};

/// Top-level keys of a policy file (kept equal to `RawPolicy`'s by a test).
pub const TOP_LEVEL_KEYS: &[&str] =
    &["version", "extends", "roles", "approvals", "classes", "stores", "actions", "rules", "allow", "settings"];

/// An example with more lines than this is scanned.
pub const MAX_EXAMPLE_LINES: usize = 20;
/// An example larger than this is scanned.
pub const MAX_EXAMPLE_BYTES: usize = 4096;
/// Lines of examples blanked per file at most.
pub const MAX_FILE_LINES: usize = 64;
/// Files larger than this are not looked at as policies.
const MAX_POLICY_BYTES: usize = 1 << 20;

/// The file with its own examples blanked, when it is a policy file with examples.
pub fn blank(data: &[u8]) -> Option<Vec<u8>> {
    // Called on every scanned text: one searcher built once, not one per call.
    static EXAMPLES: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"examples"));
    if data.len() > MAX_POLICY_BYTES || !may_be_policy(data) || EXAMPLES.find(data).is_none() {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    if !text.contains("classes") || !text.contains("version") {
        return None;
    }
    let spans = example_spans(text)?;
    if spans.is_empty() {
        return None;
    }
    let mut out = data.to_vec();
    for (start, end) in spans {
        for b in &mut out[start..end] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    Some(out)
}

/// False when the text's first node already rules out a policy's top-level mapping:
/// after blank, comment, `---` and `%` lines, a line starting a plain scalar that is no
/// mapping key (no `: ` on it; implicit keys are one line) or whose key is none of
/// [`TOP_LEVEL_KEYS`]. Anything else (flow, quoted or complex keys, a sequence) is left
/// to the parse. Most texts are ruled out on their first lines, not searched whole.
fn may_be_policy(data: &[u8]) -> bool {
    for line in data.split(|&b| b == b'\n') {
        let l = line.trim_ascii();
        let Some(&c) = l.first() else { continue };
        if c == b'#' || c == b'%' || l.starts_with(b"---") {
            continue;
        }
        if b"-?:,[]{}&*!|>'\"@`".contains(&c) || !c.is_ascii() {
            return true;
        }
        let end = (0..l.len()).find(|&i| l[i] == b':' && l.get(i + 1).is_none_or(|n| *n == b' ' || *n == b'\t'));
        return end.is_some_and(|e| TOP_LEVEL_KEYS.iter().any(|k| k.as_bytes() == l[..e].trim_ascii_end()));
    }
    false
}

/// Byte ranges of the example strings that may be blanked; `None` when the text is not
/// a policy.
fn example_spans(text: &str) -> Option<Vec<(usize, usize)>> {
    let root = tree(text)?;
    let NodeKind::Map(top) = &root.kind else { return None };
    if !top.iter().all(|(k, _)| TOP_LEVEL_KEYS.contains(&k.value.as_str()))
        || !["version", "classes"].iter().all(|want| top.iter().any(|(k, _)| k.value == *want))
    {
        return None;
    }
    let mut out = Vec::new();
    let mut lines = 0;
    for (k, classes) in top {
        let (true, NodeKind::Map(classes)) = (k.value == "classes", &classes.kind) else { continue };
        for (_, class) in classes {
            let NodeKind::Map(fields) = &class.kind else { continue };
            for (f, list) in fields {
                let (true, NodeKind::Seq(items)) =
                    (f.value == "examples" || f.value == "negative_examples", &list.kind)
                else {
                    continue;
                };
                for item in items {
                    let NodeKind::Str(s) = &item.kind else { continue };
                    let sp = item.loc.span();
                    let (Some(start), Some(len)) = (sp.byte_offset(), sp.byte_len()) else { continue };
                    let (start, end) = (start as usize, (start + len) as usize);
                    let n = s.lines().count().max(1);
                    if end > text.len() || n > MAX_EXAMPLE_LINES || s.len() > MAX_EXAMPLE_BYTES {
                        continue;
                    }
                    if lines + n > MAX_FILE_LINES {
                        return Some(out);
                    }
                    lines += n;
                    out.push((start, end));
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_keys_are_the_schema_s() {
        let schema = serde_json::to_value(schemars::schema_for!(crate::policy::raw::RawPolicy)).expect("json");
        let mut keys: Vec<&str> =
            schema["properties"].as_object().expect("properties").keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut ours = TOP_LEVEL_KEYS.to_vec();
        ours.sort_unstable();
        assert_eq!(keys, ours);
    }

    #[test]
    fn only_examples_of_a_policy_are_blanked() {
        let text = "version: 1\nclasses:\n  c:\n    detect: []\n    examples:\n      - |\n        a,b\n        c,d\n      - 'SECRET-1'\nrules: []\n# SECRET-2\n";
        let out = String::from_utf8(blank(text.as_bytes()).expect("a policy")).expect("utf8");
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(!out.contains("a,b") && !out.contains("SECRET-1") && out.contains("# SECRET-2"), "{out}");
        // Whatever comes before the first key (comments, a document marker), and keys
        // in flow or quoted style: still a policy.
        for policy in [
            format!("# a policy\n%YAML 1.2\n---\n\n  {}", text.replace('\n', "\n  ")),
            "{version: 1, classes: {c: {detect: [], examples: ['SECRET-1']}}}".to_string(),
            "\"version\": 1\nclasses:\n  c:\n    detect: []\n    examples: ['SECRET-1']\n".to_string(),
        ] {
            let out = String::from_utf8(blank(policy.as_bytes()).expect(&policy)).expect("utf8");
            assert!(!out.contains("SECRET-1"), "{out}");
        }
        // Texts whose first line rules a policy out, with examples, classes and version later.
        for other in ["#!/bin/sh\nversion=1\n", "msgid \"\"\n", "/* c */\n", "title: x\n", "version=1: x\n"] {
            let t = format!("{other}version: 1\nclasses:\n  c:\n    detect: []\n    examples: ['SECRET-1']\n");
            assert!(blank(t.as_bytes()).is_none(), "{t}");
        }
        // Not a policy: an unknown top-level key, or no classes.
        assert!(blank(b"version: 1\nclasses:\n  c:\n    examples: [x]\ncustomers: []\n").is_none());
        assert!(blank(b"version: 1\nexamples: [x]\n").is_none());
    }
}
