//! git's `allowed_signers` format (ssh-keygen(1) ALLOWED SIGNERS): one line per key,
//! `principals [options] keytype base64-key [comment]`, principals a comma-separated
//! list of patterns (`*`, `?`), options `namespaces="a,b"`, `valid-after=`,
//! `valid-before=` (YYYYMMDD[HHMM[SS]][Z]) and `cert-authority` (parsed, then refused
//! at verification with a clear message: approvals name people, not CAs). `!pattern`
//! negates, as in OpenSSH.
//!
//! Owns parsing only; never panics on any text (fuzzed). Must not import git2.

use ssh_key::PublicKey;

/// One usable line.
#[derive(Debug, Clone)]
pub struct Signer {
    pub line: usize,
    pub principals: Vec<String>,
    pub namespaces: Option<Vec<String>>,
    pub valid_after: Option<i64>,
    pub valid_before: Option<i64>,
    pub cert_authority: bool,
    pub key: PublicKey,
}

/// Parses the file; unparsable lines are reported (line, reason), the rest kept.
pub fn parse(text: &str) -> (Vec<Signer>, Vec<(usize, String)>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok(mut s) => {
                s.line = i + 1;
                out.push(s);
            }
            Err(e) => bad.push((i + 1, e)),
        }
    }
    (out, bad)
}

fn parse_line(line: &str) -> Result<Signer, String> {
    let toks = tokens(line);
    let mut it = toks.into_iter().peekable();
    let principals: Vec<String> = it
        .next()
        .ok_or("empty line")?
        .trim_matches('"')
        .split(',')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if principals.is_empty() {
        return Err("no principals".into());
    }
    let (mut namespaces, mut valid_after, mut valid_before, mut cert_authority) = (None, None, None, false);
    let first = it.next().ok_or("no key")?;
    let (keytype, rest_first) =
        if is_keytype(&first) { (first, None) } else { (it.next().ok_or("no key type")?, Some(first)) };
    if let Some(opts) = rest_first {
        for opt in split_opts(&opts) {
            let (k, v) = opt
                .split_once('=')
                .map(|(k, v)| (k.to_ascii_lowercase(), Some(v.trim_matches('"').to_string())))
                .unwrap_or((opt.to_ascii_lowercase(), None));
            match (k.as_str(), v) {
                ("cert-authority", _) => cert_authority = true,
                ("namespaces", Some(v)) => namespaces = Some(v.split(',').map(str::to_string).collect()),
                ("valid-after", Some(v)) => valid_after = Some(timestamp(&v)?),
                ("valid-before", Some(v)) => valid_before = Some(timestamp(&v)?),
                (other, _) => return Err(format!("unknown option `{other}`")),
            }
        }
    }
    if !is_keytype(&keytype) {
        return Err(format!("unknown key type `{keytype}`"));
    }
    let b64 = it.next().ok_or("no key data")?;
    let key = PublicKey::from_openssh(&format!("{keytype} {b64}")).map_err(|e| format!("bad key: {e}"))?;
    Ok(Signer { line: 0, principals, namespaces, valid_after, valid_before, cert_authority, key })
}

fn is_keytype(t: &str) -> bool {
    t.starts_with("ssh-") || t.starts_with("ecdsa-sha2-") || t.starts_with("sk-")
}

/// Whitespace-separated tokens; double quotes group (options may hold spaces).
fn tokens(line: &str) -> Vec<String> {
    split_outside_quotes(line, char::is_whitespace)
}

/// Options are comma-separated, but commas inside quotes belong to the value.
fn split_opts(s: &str) -> Vec<String> {
    split_outside_quotes(s, |c| c == ',')
}

/// Splits at separators outside double quotes (quotes are kept); empty parts dropped.
fn split_outside_quotes(s: &str, is_sep: impl Fn(char) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && is_sep(c) {
            out.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(c);
    }
    out.push(cur);
    out.retain(|p| !p.is_empty());
    out
}

/// `YYYYMMDD[HHMM[SS]][Z]` → Unix seconds (UTC).
fn timestamp(v: &str) -> Result<i64, String> {
    let d = v.trim_end_matches(['Z', 'z']);
    let bad = || format!("bad timestamp `{v}`");
    if !(d.len() == 8 || d.len() == 12 || d.len() == 14) || !d.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |a: usize, b: usize| d.get(a..b).and_then(|x| x.parse::<u8>().ok()).unwrap_or(0);
    let year: i32 = d[..4].parse().map_err(|_| bad())?;
    let month = time::Month::try_from(n(4, 6)).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(year, month, n(6, 8)).map_err(|_| bad())?;
    let t = time::Time::from_hms(n(8, 10), n(10, 12), n(12, 14)).map_err(|_| bad())?;
    Ok(time::PrimitiveDateTime::new(date, t).assume_utc().unix_timestamp())
}

/// Shell-style pattern match (`*`, `?`) used for principals and namespaces; linear
/// backtracking on the last `*`, so no input makes it slow.
pub fn pattern_match(pat: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pat.chars().collect(), s.chars().collect());
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// OpenSSH `match_pattern_list`: a principal matches a line when some pattern matches
/// it and no negated (`!pattern`) one does.
pub fn principal_matches(patterns: &[String], principal: &str) -> bool {
    let mut hit = false;
    for p in patterns {
        if let Some(neg) = p.strip_prefix('!') {
            if pattern_match(neg, principal) {
                return false;
            }
        } else if pattern_match(p, principal) {
            hit = true;
        }
    }
    hit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_options_and_patterns() {
        let k = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMS7Kz1KL9pNCuqP1uK5ZRdLocfyJKH9zHzF2Ar3KXjm";
        let text = format!("# comment\ncarol@corp.test,*@sec.corp.test namespaces=\"git,leakguard-approval\",valid-before=\"20300101Z\" {k} c\nbad line\ndave@corp.test cert-authority {k}\n");
        let (s, bad) = parse(&text);
        assert_eq!(s.len(), 2);
        assert_eq!(bad.len(), 1);
        assert_eq!(s[0].namespaces.as_deref(), Some(&["git".to_string(), "leakguard-approval".to_string()][..]));
        assert!(s[0].valid_before.is_some() && s[1].cert_authority);
        assert!(pattern_match("*@sec.corp.test", "erin@sec.corp.test"));
        assert!(!pattern_match("*@sec.corp.test", "erin@corp.test"));
        assert!(!pattern_match(&("*a".repeat(40) + "b"), &"a".repeat(60)));
        assert!(pattern_match("a*b?d", "axxbcd") && !pattern_match("a*b?d", "axxbd"));
        let pats: Vec<String> = ["*@corp.test".into(), "!mallory@corp.test".into()].into();
        assert!(principal_matches(&pats, "carol@corp.test"));
        assert!(!principal_matches(&pats, "mallory@corp.test"));
        let (s, _) = parse(&format!("\"carol@corp.test,dave@corp.test\" {k}\n"));
        assert_eq!(s[0].principals, ["carol@corp.test", "dave@corp.test"]);
    }
}
