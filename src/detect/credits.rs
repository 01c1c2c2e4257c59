//! What a list is not, by content: people credited with their addresses — authors,
//! contributors, maintainers, translators, thanks, changelog and `.mailmap` lines,
//! copyright notices, `N:`/`E:` credit blocks and manifest author entries — one person
//! per line and no other fields. The same content gets the same verdict under any
//! file name (a renamed `AUTHORS` is still credits; a renamed CSV is still a table).
//!
//! Owns the credit-line shapes only; imports the address finder's spans, nothing of
//! the engine or the policy.

use super::emails::Span;
use super::fields;

/// Share of address-bearing lines that must be credit lines for a text to be credits.
const CREDIT_SHARE: f64 = 0.8;

/// True when nearly every line carrying an address credits one person: the text is a
/// people list of a project, not a table of records.
pub fn is_credits_text(s: &str, spans: &[Span]) -> bool {
    // Credits need three address lines; each holds at least one span.
    if spans.len() < 3 {
        return false;
    }
    // A header naming an e-mail column makes a table, whatever its rows look like.
    let first = super::lines::lines_nl(s).find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.len() <= 400
        && first.split([',', ';', '\t', '|']).filter(|f| !f.trim().is_empty()).count() >= 2
        && first.split([',', ';', '\t', '|']).any(|f| fields::from_header(f) == Some(fields::Field::Email))
    {
        return false;
    }
    // Both read the whole text: decided when a line first needs them (most texts
    // never ask, or ask only on their few header-like lines).
    let manifest_cell = std::cell::OnceCell::new();
    let archive_cell = std::cell::OnceCell::new();
    let manifest = || *manifest_cell.get_or_init(|| is_manifest(s));
    let archive = || *archive_cell.get_or_init(|| is_mail_archive(s));
    let b = s.as_bytes();
    let (mut total, mut credits) = (0usize, 0usize);
    let mut i = 0;
    // Only the lines holding an address are visited; what the lines between carry
    // (the last non-blank line, whether the line before is a header field or one of
    // its continuation lines) is read back from the text, no further than `done`, the
    // end of the last visited line, where it is known: linear in the text.
    let mut done = 0;
    let mut prev_done: &str = "";
    let (mut header_done, mut recipients_done) = (false, false);
    while let Some(&(p, _)) = spans.get(i) {
        if p >= s.len() {
            break;
        }
        let line_start = memchr::memrchr(b'\n', &b[done..p]).map_or(done, |k| done + k + 1);
        let line_end = memchr::memchr(b'\n', &b[p..]).map_or(s.len(), |k| p + k + 1);
        let first = i;
        while i < spans.len() && spans[i].0 < line_end {
            i += 1;
        }
        let n = i - first;
        // Offsets in the line of its first three spans: enough for `credit_line`, which
        // reads two and rejects more.
        let mut in_line = [(0, 0); 3];
        for (r, &(a, z)) in in_line.iter_mut().zip(&spans[first..i]) {
            *r = (a - line_start, z - line_start);
        }
        let in_line = &in_line[..n.min(3)];
        let text = s[line_start..line_end].trim_end_matches(['\n', '\r']);
        let prev = lines_back(s, done, line_start).find(|t| !t.trim().is_empty()).unwrap_or(prev_done);
        // In a mail archive, header fields (and their continuation lines) name the
        // correspondents of one message: correspondence, not a list.
        let header = (mail_header(text)
            || text.starts_with("From ")
            || (continues(text)
                && chained(s, done, line_start, header_done, |t| mail_header(t) || t.starts_with("From "))))
            && archive();
        // In a single mail, recipients are a contact list: never credits.
        let recipient = (is_recipient_field(text)
            || (continues(text) && chained(s, done, line_start, recipients_done, is_recipient_field)))
            && !archive();
        if header {
            total += 1;
            credits += 1;
        } else if recipient {
            total += 1;
        } else {
            total += 1;
            let next = &s[line_end..memchr::memchr(b'\n', &b[line_end..]).map_or(s.len(), |k| line_end + k + 1)];
            if credit_line(text, in_line, prev, next)
                && (!manifest_entry(text, in_line[0].0, in_line[0].1, prev, next) || manifest())
            {
                credits += 1;
            } else if (total - credits) * 4 > spans.len() {
                // More than a quarter of all addresses (a bound on the lines yet to
                // count) are on lines that credit no one: the share cannot be reached.
                return false;
            }
        }
        prev_done = if text.trim().is_empty() { prev } else { text };
        (done, header_done, recipients_done) = (line_end, header, recipient);
    }
    total >= 3 && credits as f64 >= total as f64 * CREDIT_SHARE
}

/// A continuation line of a mail header field.
fn continues(text: &str) -> bool {
    text.starts_with([' ', '\t'])
}

/// The lines of `s[from..to]` (whole lines), last first, without their line ends.
fn lines_back(s: &str, from: usize, to: usize) -> impl Iterator<Item = &str> {
    let mut end = to;
    std::iter::from_fn(move || {
        if end <= from {
            return None;
        }
        let start = memchr::memrchr(b'\n', &s.as_bytes()[from..end - 1]).map_or(from, |k| from + k + 1);
        let text = s[start..end].trim_end_matches(['\n', '\r']);
        end = start;
        Some(text)
    })
}

/// Whether the line ending at `to` belongs to a field: it opens one or continues a
/// line that does. Walks back over continuation lines down to `from`, the start of a
/// line whose predecessor's answer is `at_from`. (The callers' gate, the same for every
/// line, applies to the whole chain: it is left to them.)
fn chained(s: &str, from: usize, to: usize, at_from: bool, opens: impl Fn(&str) -> bool) -> bool {
    for text in lines_back(s, from, to) {
        if opens(text) {
            return true;
        }
        if !continues(text) {
            return false;
        }
    }
    at_from
}

/// Several mails (an mbox, a mailing-list archive) or a patch series: `From:` and
/// `Subject:` headers twice or more, or a diff with sign-offs.
pub(crate) fn is_mail_archive(s: &str) -> bool {
    let b = s.as_bytes();
    let count = |p: &[u8]| memchr::memmem::find_iter(b, p).take(2).count() + usize::from(b.starts_with(&p[1..]));
    (count(b"\nFrom: ") >= 2 && count(b"\nSubject: ") >= 2)
        || (memchr::memmem::find(b, b"\ndiff --git ").is_some()
            && memchr::memmem::find(b, b"Signed-off-by: ").is_some())
}

/// `To:`, `Cc:`, `Bcc:` of a mail.
fn is_recipient_field(line: &str) -> bool {
    let l = line.as_bytes();
    [&b"to:"[..], b"cc:", b"bcc:"].iter().any(|p| l.len() >= p.len() && l[..p.len()].eq_ignore_ascii_case(p))
}

/// A header field of a mail naming people or messages.
fn mail_header(line: &str) -> bool {
    const NAMES: &[&str] = &[
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "sender",
        "return-path",
        "delivered-to",
        "message-id",
        "in-reply-to",
        "references",
        "x-original-to",
        "list-id",
        "list-post",
        "mail-followup-to",
        "envelope-to",
        "x-mailing-list",
        "signed-off-by",
        "reviewed-by",
        "acked-by",
        "tested-by",
        "reported-by",
        "cc-by",
        "suggested-by",
        "co-developed-by",
        "link",
    ];
    let Some((k, _)) = line.split_once(':') else { return false };
    let k = k.trim_start_matches(['>', ' ']);
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(k))
}

/// A package manifest naming its people (`authors`, `contributors`, `maintainers`
/// keys): only there are `name`/`email` entries credits.
pub(crate) fn is_manifest(s: &str) -> bool {
    // Any of fifteen literals: one SIMD pass over the head, not fifteen.
    static KEYS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> = std::sync::LazyLock::new(|| {
        let keys = ["authors", "contributors", "maintainers", "author", "maintainer"]
            .iter()
            .flat_map(|k| [format!("\"{k}\""), format!("\n{k} ="), format!("\n{k}=")]);
        aho_corasick::AhoCorasick::new(keys).ok()
    });
    let head = &s.as_bytes()[..s.len().min(1 << 20)];
    match &*KEYS {
        Some(ac) => ac.is_match(head),
        None => ["authors", "contributors", "maintainers", "author", "maintainer"].iter().any(|k| {
            memchr::memmem::find(head, format!("\"{k}\"").as_bytes()).is_some()
                || memchr::memmem::find(head, format!("\n{k} =").as_bytes()).is_some()
                || memchr::memmem::find(head, format!("\n{k}=").as_bytes()).is_some()
        }),
    }
}

/// Words that introduce a credited person in prose or trailers.
const CREDIT_WORDS: &[&str] = &[
    "by",
    "thanks",
    "thank",
    "to",
    "from",
    "author",
    "authors",
    "maintainer",
    "maintainers",
    "translator",
    "reported-by:",
    "signed-off-by:",
    "co-authored-by:",
    "reviewed-by:",
    "acked-by:",
    "tested-by:",
    "suggested-by:",
    "helped-by:",
    "author:",
    "maintainer:",
    "contact:",
    "credit",
    "credits",
    "courtesy",
];

/// One line crediting one person: `Name <addr>` or `Name (addr)` after a short label,
/// a bullet or a crediting phrase (`… by`, `(thanks`), before nothing but a date, a
/// year or a second address (`.mailmap`); an `E: addr` under `N: Name`; a manifest
/// entry `{name = "…", email = "…"}` or `"email": "…"` beside `"name": "…"`; or a
/// copyright notice.
pub fn credit_line(line: &str, spans: &[Span], prev: &str, next: &str) -> bool {
    let Some(&(s, e)) = spans.first() else { return false };
    let lower = line.to_ascii_lowercase();
    if lower.contains("copyright") || line.contains('©') || lower.contains("(c)") {
        return true;
    }
    if spans.len() > 2 {
        return false;
    }
    let before = line[..s].trim_end();
    // `E: addr` under `N: Name` (kernel CREDITS).
    if matches!(before, "E:" | "E:\t") && prev.trim_start().starts_with("N:") {
        return line[e..].trim().is_empty();
    }
    // Manifest entries: the line holds only name/email keys, quotes and the name.
    if manifest_entry(line, s, e, prev, next) {
        return true;
    }
    // `Name<two or more spaces>addr` (aligned THANKS columns): the bare form.
    let lead = line[..s].trim_end_matches(['*', '_']);
    let gap = lead.len() - lead.trim_end_matches(' ').len();
    // Two or more spaces: an aligned column. Tabs are not counted: they delimit TSV
    // rows (with empty cells), and a two-column `Company<TAB>addr` table is no credit.
    let bare = gap >= 2 && line[..s].len() > gap && line[e..].trim().trim_matches(['*', '_']).is_empty();
    let before = if bare { lead.trim_end() } else { before };
    let close = match before.chars().last() {
        Some('<') => '>',
        Some('(') => ')',
        _ if bare => ' ',
        _ => return false,
    };
    // Markdown emphasis and doubled brackets: `**Jane Doe** <<jane@x.io>>`.
    let before =
        if bare { before } else { before.trim_end_matches(['<', '(']).trim_end().trim_end_matches(['*', '_']) };
    // An aligned `Surname, Given (Nick)  addr` column: the whole cell is the name.
    if bare
        && before.chars().count() <= 40
        && before.chars().next().is_some_and(char::is_uppercase)
        && before.chars().all(|c| c.is_alphabetic() || " .,'()-".contains(c))
        && !fields::is_company(before)
    {
        return true;
    }
    let run_start = before
        .rfind(|c: char| !(c.is_alphabetic() || " .'-".contains(c)))
        .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
    // The name: the trailing capitalised words (with particles such as `van`, `de`);
    // lower-case words before it (`… by`, `thanks`) belong to the label.
    const PARTICLES: &[&str] = &["van", "von", "de", "der", "den", "da", "di", "du", "del", "dos", "das", "la", "le"];
    let mut name_start = before.len();
    for (i, w) in before[run_start..].split_whitespace().rev().map(|w| {
        let off = w.as_ptr() as usize - before.as_ptr() as usize;
        (off, w)
    }) {
        if w.chars().next().is_some_and(char::is_uppercase) || (name_start < before.len() && PARTICLES.contains(&w)) {
            name_start = i;
        } else {
            break;
        }
    }
    while before[name_start..].split_whitespace().next().is_some_and(|w| PARTICLES.contains(&w)) {
        name_start += before[name_start..].find(' ').map_or(0, |k| k + 1);
    }
    let name = before[name_start..].trim();
    let words = name.split_whitespace().count();
    if !(1..=5).contains(&words) || !name.chars().next().is_some_and(char::is_uppercase) || fields::is_company(name) {
        return false;
    }
    let label = before[..name_start].trim();
    let label_lower = label.to_lowercase();
    let last_word = label_lower.split_whitespace().last().unwrap_or("").trim_start_matches('(');
    let label_ok = label.chars().all(|c| c.is_whitespace() || "*_#/;\"'-–,[(".contains(c))
        || (label.chars().count() <= 30 && (label.ends_with(':') || label.ends_with(']')) && !label.contains('@'))
        || CREDIT_WORDS.contains(&last_word)
        // GNU ChangeLog: `2022-10-10  Werner Koch  <wk@gnupg.org>`, `Fri Apr  7 15:14:43 PDT 2017  …`.
        || (!label.is_empty() && is_date(label));
    if bare && (words < 2 || !(label.is_empty() || is_date(label))) {
        return false;
    }
    if !label_ok {
        return false;
    }
    let mut after = line[e..].trim_start();
    after = after.strip_prefix(close).unwrap_or(after).trim_start();
    // `.mailmap`: a second address in brackets.
    if let Some(&(s2, e2)) = spans.get(1) {
        let between = line[e..s2].trim();
        if !(between.starts_with('>') && between.ends_with('<')) {
            return false;
        }
        after = line[e2..].trim_start_matches('>').trim_start();
    }
    let after = after.trim_matches(|c: char| c.is_whitespace() || "\"',;.)]>*_".contains(c));
    after.is_empty() || is_date(after) || prose(after)
}

/// A remark after a credited address: in parentheses (`(he/him)`, `(on IRC)`) or a
/// phrase opened by a function word (`for discovering this bug`, `- automake update`),
/// without delimiters or addresses — not a further field of a record.
fn prose(s: &str) -> bool {
    if s.contains(['@', ',', ';', '|', '\t']) || s.chars().count() > 80 {
        return false;
    }
    let first = s.split_whitespace().next().unwrap_or("").to_lowercase();
    s.starts_with('(')
        || matches!(
            first.as_str(),
            "for" | "in" | "on" | "and" | "who" | "with" | "at" | "from" | "via" | "-" | "–" | "—"
        )
}

/// `{name = "Jane Doe", email = "j@x.io"}` on one line, or `"email": "j@x.io"` next to
/// `"name": "Jane Doe"`: an author entry of a package manifest.
fn manifest_entry(line: &str, s: usize, e: usize, prev: &str, next: &str) -> bool {
    let key = |t: &str| {
        let t = t.trim().trim_matches(['{', '}', ',', ' ']);
        let t = t.trim_start_matches(['"', '\'']);
        let k: String = t.chars().take_while(|c| c.is_ascii_alphabetic() || *c == '_').collect();
        k.to_ascii_lowercase()
    };
    let outside = format!("{}{}", &line[..s], &line[e..]);
    let is_name_key = |t: &str| matches!(key(t).as_str(), "name" | "author" | "maintainer");
    if outside.contains("name") && key(&outside) != "email" {
        // One line: every word outside quotes is a key; the name is capitalised.
        let keys_ok = outside
            .split(['{', '}', ',', '=', ':'])
            .map(|p| p.trim().trim_matches(['"', '\'']).trim())
            .filter(|p| !p.is_empty())
            .all(|p| {
                matches!(p, "name" | "email" | "mail" | "url")
                    || fields::looks_like_name(p)
                    || p.split_whitespace().count() == 1 && p.chars().next().is_some_and(char::is_uppercase)
            });
        return keys_ok && is_name_key(outside.trim_start_matches(['{', ' ', '\t']));
    }
    let k = key(&line[..s]);
    matches!(k.as_str(), "email" | "mail")
        && line[e..].trim().trim_matches(['"', '\'', ',', '}', ' ']).is_empty()
        && (is_name_key(prev) || is_name_key(next))
}

/// `Mon, 01 Jan 2024 10:00:00 +0000`, `2024-01-01`, `2010`: digits and calendar words.
pub fn is_date(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
        "oct", "nov", "dec", "utc", "gmt", "pst", "pdt", "est", "edt", "cst", "cdt", "mst", "mdt", "cet", "cest",
        "bst", "met", "mest", "jst", "ist",
    ];
    s.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).all(|t| {
        t.chars().all(|c| c.is_ascii_digit() || ":+-./T".contains(c))
            || WORDS.contains(&t.to_ascii_lowercase().as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::emails;

    fn credits(s: &str) -> bool {
        is_credits_text(s, &emails::find(s))
    }

    #[test]
    fn people_lists_of_projects_are_credits() {
        for s in [
            "# Authors\nOlga Jorlan <olga@ravbrook.pl>\nGreta Ulfsson <greta@verstone.dk>\nFarid Vikander <farid@verline.be>\n",
            "Olga Jorlan <olga@ravbrook.pl> <olga@old-0.io>\nGreta Ulfsson <greta@verstone.dk> <greta@old-1.de>\nWim Quennet <wim@orrgate.net> <wim@old.de>\n",
            "Thanks to:\n  Keiko Morvell (keiko@kesworks.net)\n  Olga Pellinor (olga@jorbrook.pl)\n  Dmitri Ostrand (d@ashridge.de)\n",
            "* Change 0 by Greta Iversby <greta@keswick.pl>\n* Change 1 by Dmitri Norsk <dn@xanforge.dk>\n* Change 2 by Ben Iv <ben@cor.nl>\n",
            "- Fix #100 (thanks Olga Jorlan <olga@ravbrook.pl>)\n- Fix #101 (thanks Greta Ulfsson <g@verstone.dk>)\n- Fix #102 (thanks Wim Q <w@o.net>)\n",
            "N: Olga Jorlan\nE: olga@ravbrook.pl\nD: testing\n\nN: Greta Ulfsson\nE: greta@verstone.dk\n\nN: Wim Q\nE: w@o.net\n",
            "# German translation.\n# Olga Jorlan <olga@ravbrook.pl>, 2010.\n# Greta Ulfsson <greta@verstone.dk>, 2011.\n# Wim Q <w@o.net>, 2012.\n",
            "[project]\nauthors = [\n  {name = \"Olga Jorlan\", email = \"olga@ravbrook.pl\"},\n  {name = \"Greta Ulfsson\", email = \"g@verstone.dk\"},\n  {name = \"Wim Q\", email = \"w@o.net\"},\n]\n",
            "\"contributors\": [\n {\n  \"name\": \"Olga Jorlan\",\n  \"email\": \"olga@ravbrook.pl\"\n },\n {\n  \"name\": \"Greta U\",\n  \"email\": \"g@verstone.dk\"\n },\n {\n  \"name\": \"Wim Q\",\n  \"email\": \"w@o.net\"\n }\n]\n",
        ] {
            assert!(credits(s), "{s}");
        }
    }

    #[test]
    fn tables_and_customer_notes_are_not_credits() {
        for s in [
            "company,email\nAcme GmbH,ops@acme.de\nBolt Ltd,it@bolt.co.uk\nCorvane,admin@corvane.io\n",
            "Zenpoint AG: freya@zenpoint.fr\nAldstone Holdings: jonas@aldstone.de\nRavpoint S.A.: secops@ravpoint.nl\n",
            "Harworks GmbH (gw@harworks.nl)\nFenline S.A. (hk@fenline.es)\nBrogate AB (cw@brogate.no)\n",
            "Jane Doe <jane@acme.io>, premium-eu, t-1\nBob Roe <bob@bolt.io>, premium-us, t-2\nCy Poe <cy@corvane.io>, basic, t-3\n",
        ] {
            assert!(!credits(s), "{s}");
        }
    }

    /// The verdict as it was computed before address lines were reached directly:
    /// every line visited in turn. Kept to prove the two equal.
    fn is_credits_text_ref(s: &str, spans: &[Span]) -> bool {
        // Credits need three address lines; each holds at least one span.
        if spans.len() < 3 {
            return false;
        }
        // A header naming an e-mail column makes a table, whatever its rows look like.
        let first = crate::detect::lines::lines_nl(s).find(|l| !l.trim().is_empty()).unwrap_or("");
        if first.len() <= 400
            && first.split([',', ';', '\t', '|']).filter(|f| !f.trim().is_empty()).count() >= 2
            && first.split([',', ';', '\t', '|']).any(|f| fields::from_header(f) == Some(fields::Field::Email))
        {
            return false;
        }
        let (mut total, mut credits) = (0usize, 0usize);
        let mut i = 0;
        let mut line_start = 0;
        let mut prev: &str = "";
        let mut lines = crate::detect::lines::split_inclusive_nl(s).peekable();
        // Both read the whole text: decided when a line first needs them (most texts
        // never ask, or ask only on their few header-like lines).
        let manifest_cell = std::cell::OnceCell::new();
        let archive_cell = std::cell::OnceCell::new();
        let manifest = || *manifest_cell.get_or_init(|| is_manifest(s));
        let archive = || *archive_cell.get_or_init(|| is_mail_archive(s));
        let mut in_header = false;
        let mut in_recipients = false;
        while let Some(line) = lines.next() {
            let line_end = line_start + line.len();
            let mut in_line: Vec<Span> = Vec::new();
            while i < spans.len() && spans[i].0 < line_end {
                in_line.push((spans[i].0 - line_start, spans[i].1 - line_start));
                i += 1;
            }
            let text = line.trim_end_matches(['\n', '\r']);
            // In a mail archive, header fields (and their continuation lines) name the
            // correspondents of one message: correspondence, not a list.
            let header =
                (mail_header(text) || text.starts_with("From ") || (in_header && text.starts_with([' ', '\t'])))
                    && archive();
            in_header = header;
            // In a single mail, recipients are a contact list: never credits.
            let recipient =
                (is_recipient_field(text) || (in_recipients && text.starts_with([' ', '\t']))) && !archive();
            in_recipients = recipient;
            if header && !in_line.is_empty() {
                total += 1;
                credits += 1;
            } else if recipient && !in_line.is_empty() {
                total += 1;
            } else if !in_line.is_empty() {
                total += 1;
                let next = lines.peek().copied().unwrap_or("");
                if credit_line(text, &in_line, prev, next)
                    && (!manifest_entry(text, in_line[0].0, in_line[0].1, prev, next) || manifest())
                {
                    credits += 1;
                } else if (total - credits) * 4 > spans.len() {
                    // More than a quarter of all addresses (a bound on the lines yet to
                    // count) are on lines that credit no one: the share cannot be reached.
                    return false;
                }
            }
            if !text.trim().is_empty() {
                prev = text;
            }
            line_start = line_end;
            if i == spans.len() {
                // Lines after the last address count nothing.
                break;
            }
        }
        total >= 3 && credits as f64 >= total as f64 * CREDIT_SHARE
    }

    /// Xorshift: the same texts on every run.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
    }

    /// One generated line (without its end) of a credits file, a mail, a patch, a
    /// manifest or prose; `bias` favours one family so that every verdict occurs.
    fn gen_line(r: &mut Rng, bias: usize) -> String {
        const NAMES: &[&str] = &["Olga Jorlan", "Greta Ulfsson", "Wim van Quennet", "Acme GmbH", "jane", "Dmitri O"];
        const ADDRS: &[&str] = &["olga@ravbrook.pl", "g@verstone.dk", "w.q@orrgate.net", "ops@acme.de", "x@y.io"];
        let (n, a, a2) = (r.pick(NAMES), r.pick(ADDRS), r.pick(ADDRS));
        let kind = if r.below(3) == 0 { r.below(34) } else { bias * 6 + r.below(10) };
        match kind % 34 {
            0 => format!("{n} <{a}>"),
            1 => format!("{n} <{a}> <{a2}>"),
            2 => format!("# {n} <{a}>, 2010."),
            3 => format!("  {n} ({a})"),
            4 => format!("* Fix #1 by {n} <{a}>"),
            5 => format!("Copyright (c) 2020 {n} <{a}>"),
            6 => format!("From: {n} <{a}>"),
            7 => format!("To: {n} <{a}>,"),
            8 => format!("Cc: {a}"),
            9 => format!(" {n} <{a}>,"),
            10 => format!("\t{a}"),
            11 => "Subject: hello".into(),
            12 => format!("From {a} Mon Jan  1 00:00:00 2024"),
            13 => format!("> From: {n} <{a}>"),
            14 => format!("Signed-off-by: {n} <{a}>"),
            15 => "diff --git a/x b/x".into(),
            16 => " continued words".into(),
            17 => format!("\"name\": \"{n}\","),
            18 => format!("  \"email\": \"{a}\""),
            19 => format!("{{name = \"{n}\", email = \"{a}\"}},"),
            20 => "\"authors\": [".into(),
            21 => format!("N: {n}"),
            22 => format!("E: {a}"),
            23 => format!("please contact {a} for details"),
            24 => format!("{n}, {a}, premium-eu"),
            25 => format!("{a}; {a2}; {a}"),
            26 => String::new(),
            27 => "  ".into(),
            28 => "\t".into(),
            29 => "\u{a0}".into(),
            30 => "msgid \"x\"".into(),
            31 => format!("bcc: {a}"),
            32 => format!("Reply-To: {n} <{a}>"),
            _ => format!("{n}  {a}"),
        }
    }

    #[test]
    fn reaching_address_lines_directly_gives_the_verdict_of_visiting_every_line() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut yes, mut no) = (0, 0);
        for _ in 0..40_000 {
            let bias = r.below(6);
            let mut s = String::new();
            for _ in 0..1 + r.below(30) {
                s += &gen_line(&mut r, bias);
                s += ["\n", "\n", "\n", "\r\n", "\r\r\n"][r.below(5)];
            }
            if r.below(4) == 0 {
                s.truncate(s.trim_end_matches(['\n', '\r']).len());
            }
            let mut spans = emails::find(&s);
            if r.below(3) == 0 {
                // A subset: lines holding addresses the finder was not asked about.
                spans.retain(|_| r.below(4) != 0);
            }
            let want = is_credits_text_ref(&s, &spans);
            assert_eq!(is_credits_text(&s, &spans), want, "{s:?} {spans:?}");
            if want {
                yes += 1;
            } else {
                no += 1;
            }
        }
        // Both verdicts occur often enough for a difference to show.
        assert!(yes > 2_000 && no > 2_000, "{yes} {no}");
    }
}
