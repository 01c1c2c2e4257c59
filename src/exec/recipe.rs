//! Upload recipes: which local files (and whether stdin) a common upload tool sends,
//! read from its argv the way the tool reads it.
//!
//! curl (`-T F`, `-TF`, `--upload-file F`, `-F k=@F`, `-F k=<F`, `-d @F`, `--data @F`,
//! `--data-binary @F`, `--data-urlencode n@F`, `--json @F`), wget (`--post-file`,
//! `--body-file`), scp, sftp batch files (`-b F`: its `put` lines), rsync, `aws s3
//! cp|sync|mv`, `gsutil cp`, `gcloud storage cp`, `rclone copy`, `az storage blob
//! upload[-batch]`. Recipes without precise option knowledge (the positional ones) count
//! every argument that names an existing local path, so an unknown option shape sends
//! nothing unscanned. `-`, `@-`, `/dev/stdin` mean stdin. Options that make the tool
//! read what to send from somewhere leakguard cannot see (`curl -K`, `gsutil -I`,
//! `rsync --files-from`) are reported as problems, which block.

use std::path::PathBuf;

/// What an upload command sends.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Local files and directories named by the command (directories are walked later).
    pub paths: Vec<PathBuf>,
    /// The command sends what it reads on stdin.
    pub stdin: bool,
    /// What leakguard cannot see (each blocks as unscannable).
    pub problems: Vec<String>,
}

/// The recipes leakguard knows.
pub const RECIPES: &[&str] = &["curl", "wget", "scp", "sftp", "rsync", "aws", "gsutil", "gcloud", "rclone", "az"];

fn is_stdin(s: &str) -> bool {
    matches!(s, "-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0")
}

impl Sent {
    fn file(&mut self, s: &str) {
        if is_stdin(s) {
            self.stdin = true;
        } else if !s.is_empty() {
            self.paths.push(PathBuf::from(s));
        }
    }

    /// A path only when it names something local.
    fn maybe(&mut self, s: &str) {
        if is_stdin(s) {
            self.stdin = true;
        } else if !s.is_empty() && std::path::Path::new(s).symlink_metadata().is_ok() {
            self.paths.push(PathBuf::from(s));
        }
    }
}

/// What `args` (the tool's arguments, program excluded) send under `recipe`.
pub fn sent(recipe: &str, args: &[String]) -> Sent {
    let mut s = Sent::default();
    match recipe {
        "curl" => curl(args, &mut s),
        "wget" => wget(args, &mut s),
        "sftp" => sftp(args, &mut s),
        _ => positional(recipe, args, &mut s),
    }
    s.paths.dedup();
    s
}

/// curl: only its upload options send local data; positionals are URLs.
fn curl(args: &[String], s: &mut Sent) {
    // Short options of curl that take a value (the rest are switches and may cluster).
    const SHORT_VALUE: &str = "AbcCdDeEFHKmoPQrtTuUwxXyYz";
    const LONG_VALUE: &[&str] = &[
        "--upload-file",
        "--form",
        "--form-string",
        "--data",
        "--data-binary",
        "--data-ascii",
        "--data-raw",
        "--data-urlencode",
        "--json",
        "--config",
        "--output",
        "--header",
        "--user",
        "--request",
        "--url",
        "--proxy",
        "--cookie",
        "--cookie-jar",
        "--user-agent",
        "--referer",
        "--max-time",
        "--connect-timeout",
        "--cert",
        "--key",
        "--cacert",
        "--resolve",
        "--connect-to",
        "--write-out",
        "--range",
        "--retry",
        "--limit-rate",
    ];
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            break;
        } else if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some(v.to_string())),
                None => (a.clone(), None),
            };
            // curl accepted unambiguous prefixes of long options in many versions.
            let full = LONG_VALUE
                .iter()
                .find(|l| **l == name)
                .or_else(|| {
                    let hits: Vec<&&str> =
                        LONG_VALUE.iter().filter(|l| name.len() >= 4 && l.starts_with(&name)).collect();
                    (hits.len() == 1).then(|| hits[0])
                })
                .copied();
            if let Some(full) = full {
                let val = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        args.get(i).cloned().unwrap_or_default()
                    }
                };
                curl_option(full, &val, s);
            } else if name.len() >= 4
                && ["--upload-file", "--data", "--form", "--json"].iter().any(|l| l.starts_with(&name))
            {
                // An ambiguous prefix of an upload option: its value may be a file.
                let val = inline.unwrap_or_else(|| {
                    i += 1;
                    args.get(i).cloned().unwrap_or_default()
                });
                curl_option("--data", &val, s);
                curl_option("--upload-file", &val, s);
            }
        } else if a.starts_with('-') && a.len() > 1 {
            let chars: Vec<char> = a[1..].chars().collect();
            for (k, c) in chars.iter().enumerate() {
                if SHORT_VALUE.contains(*c) {
                    let rest: String = chars[k + 1..].iter().collect();
                    let val = if rest.is_empty() {
                        i += 1;
                        args.get(i).cloned().unwrap_or_default()
                    } else {
                        rest
                    };
                    let opt = match c {
                        'T' => "--upload-file",
                        'F' => "--form",
                        'd' => "--data",
                        'K' => "--config",
                        _ => "",
                    };
                    curl_option(opt, &val, s);
                    break;
                }
            }
        }
        i += 1;
    }
}

fn curl_option(opt: &str, val: &str, s: &mut Sent) {
    match opt {
        "--upload-file" => {
            if val == "." {
                s.stdin = true
            } else if val.contains(['{', '[']) && std::path::Path::new(val).symlink_metadata().is_err() {
                s.problems.push(format!("curl -T `{val}` uses URL globbing, which leakguard does not expand"));
            } else {
                s.file(val)
            }
        }
        "--form" => {
            // name=@file;type=…, name=<file (content as the value), name=value.
            let v = val.split_once('=').map_or(val, |(_, v)| v);
            if let Some(f) = v.strip_prefix('@').or_else(|| v.strip_prefix('<')) {
                let f = f.split(';').next().unwrap_or(f);
                s.file(f.trim_matches('"'));
                // `name=@a.csv,b.csv` sends several files.
                if f.contains(',') {
                    for part in f.split(',') {
                        s.file(part.trim_matches('"'));
                    }
                }
            }
        }
        "--data" | "--data-binary" | "--data-ascii" | "--json" => {
            if let Some(f) = val.strip_prefix('@') {
                s.file(f);
            }
        }
        "--data-urlencode" => {
            // content, =content, name=content, @file, name@file.
            if let Some(f) = val.strip_prefix('@') {
                s.file(f);
            } else if let Some((name, f)) = val.split_once('@') {
                if !name.contains('=') {
                    s.file(f);
                }
            }
        }
        "--config" => {
            s.problems.push(format!("curl reads further options from `{val}` (-K), which leakguard does not follow"))
        }
        _ => {}
    }
}

/// wget: `--post-file` and `--body-file`.
fn wget(args: &[String], s: &mut Sent) {
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        for flag in ["--post-file", "--body-file"] {
            if a == flag {
                i += 1;
                s.file(args.get(i).map_or("", String::as_str));
            } else if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                s.file(v);
            }
        }
        if a == "-i" || a.starts_with("--input-file") {
            // Reads URLs, not data; nothing is sent from it.
        }
        i += 1;
    }
}

/// sftp: the batch file's `put`/`reput`/`mput` lines name local files; `-b -` reads
/// the batch from stdin, which leakguard cannot both scan and pass on as commands.
fn sftp(args: &[String], s: &mut Sent) {
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let batch = if a == "-b" {
            i += 1;
            args.get(i).cloned()
        } else {
            a.strip_prefix("-b").filter(|r| !r.is_empty()).map(String::from)
        };
        if let Some(b) = batch {
            if is_stdin(&b) {
                s.problems.push("sftp reads its batch from stdin (-b -); give a batch file".into());
            } else {
                match std::fs::read_to_string(&b) {
                    Ok(text) => sftp_batch(&text, s),
                    Err(e) => s.problems.push(format!("cannot read the sftp batch file {b}: {e}")),
                }
            }
        }
        i += 1;
    }
}

fn sftp_batch(text: &str, s: &mut Sent) {
    for line in text.lines() {
        let line = line.trim().trim_start_matches(['-', '@']);
        let mut words = line.split_whitespace();
        let Some(cmd) = words.next() else { continue };
        if !matches!(cmd, "put" | "reput" | "mput") {
            continue;
        }
        let mut operands = words.filter(|w| !w.starts_with('-'));
        let Some(local) = operands.next() else { continue };
        let local = local.trim_matches('"');
        if local.contains(['*', '?', '[']) {
            s.paths.extend(glob_local(local));
        } else {
            s.file(local);
        }
        if cmd == "mput" {
            for more in operands {
                s.paths.extend(glob_local(more.trim_matches('"')));
            }
        }
    }
}

/// Local files matching a glob in one directory (`exports/*.csv`).
fn glob_local(pattern: &str) -> Vec<PathBuf> {
    let p = std::path::Path::new(pattern);
    let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let Some(name) = p.file_name().and_then(|n| n.to_str()) else { return Vec::new() };
    let Ok(g) = globset::Glob::new(name) else { return vec![p.to_path_buf()] };
    let m = g.compile_matcher();
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).filter(|e| m.is_match(e.file_name())).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// scp, rsync, aws, gsutil, gcloud, rclone, az: every operand (and option value) that
/// names a local path is sent; remote specs (`host:path`, `s3://`, `remote:`) are not
/// local files. Stdin forms and list-reading options are recognised.
fn positional(recipe: &str, args: &[String], s: &mut Sent) {
    let reads_list: &[&str] = match recipe {
        "rsync" => &["--files-from", "--include-from", "--exclude-from"],
        "gsutil" | "gcloud" => &["-I", "--read-paths-from-stdin"],
        "rclone" => &["--files-from", "--files-from-raw", "--include-from", "--filter-from"],
        "scp" => &["-F"],
        _ => &[],
    };
    for (i, a) in args.iter().enumerate() {
        let flag = a.split_once('=').map_or(a.as_str(), |(f, _)| f);
        if reads_list.contains(&flag) && !(recipe == "scp" && flag == "-F") {
            s.problems.push(format!("{recipe} {flag} reads what to send from a list leakguard does not follow"));
        }
        if a.starts_with('-') && a.len() > 1 {
            if let Some((_, v)) = a.split_once('=') {
                s.maybe(v);
            } else if !a.starts_with("--") && a.len() > 2 {
                // `-fFILE`: a value attached to a short option.
                s.maybe(&a[2..]);
            }
            continue;
        }
        // aws s3 cp - s3://b/k: `-` as a source is stdin (a `-` destination is stdout).
        if a == "-" {
            let is_last = i + 1 == args.len() || args[i + 1..].iter().all(|x| x.starts_with('-'));
            if !is_last {
                s.stdin = true;
            }
            continue;
        }
        s.maybe(a);
    }
    // The destination is the last operand: a local destination is not sent — when
    // another operand is remote (a download), or for scp/rsync between local paths.
    let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if let Some((last, rest)) = operands.split_last() {
        let download = !looks_remote(last) && rest.iter().any(|a| looks_remote(a));
        let local_copy = (recipe == "scp" || recipe == "rsync") && s.paths.len() > 1;
        if (download || local_copy) && s.paths.last() == Some(&PathBuf::from(last)) {
            s.paths.pop();
        }
    }
}

/// `s3://b/k`, `gs://…`, `host:path`, `remote:dir` — not a local path.
fn looks_remote(a: &str) -> bool {
    a.contains("://")
        || (a.find(':').is_some_and(|c| c > 0 && !a[..c].contains('/'))
            && std::path::Path::new(a).symlink_metadata().is_err())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn curl_forms() {
        let f = |a: &str| sent("curl", &v(a));
        assert_eq!(f("-T a.csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("-Ta.csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("-sST a.csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("--upload-file=a.csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("-F file=@a.csv;type=text/csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("-Ffile=<a.csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("--data-binary @a.csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("-d@a.csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("--data-urlencode x@a.csv http://h/").paths, [PathBuf::from("a.csv")]);
        assert_eq!(f("-d hello http://h/").paths, Vec::<PathBuf>::new());
        assert!(f("-T - http://h/").stdin);
        assert!(f("--data-binary @- http://h/").stdin);
        assert!(!f("-K cfg http://h/").problems.is_empty());
        assert!(!f("-T {a,b}.csv http://h/").problems.is_empty());
        assert!(f("-F f=@a.csv,b.csv http://h/").paths.contains(&PathBuf::from("b.csv")));
    }

    #[test]
    fn downloads_send_nothing() {
        let dir = std::env::temp_dir();
        let d = dir.to_str().expect("utf8");
        assert!(sent("aws", &v(&format!("s3 cp s3://b/k {d}"))).paths.is_empty());
        assert!(sent("scp", &v(&format!("host:/x {d}"))).paths.is_empty());
        assert_eq!(sent("aws", &v(&format!("s3 cp {d} s3://b/k"))).paths, [PathBuf::from(d)]);
    }

    #[test]
    fn wget_and_sftp() {
        assert_eq!(sent("wget", &v("--post-file=a.csv http://h/")).paths, [PathBuf::from("a.csv")]);
        assert_eq!(sent("wget", &v("--body-file a.csv --method=PUT http://h/")).paths, [PathBuf::from("a.csv")]);
        let mut s = Sent::default();
        sftp_batch("cd up\nput a.csv /remote/\n-put -p b.csv\nget x\n", &mut s);
        assert_eq!(s.paths, [PathBuf::from("a.csv"), PathBuf::from("b.csv")]);
    }
}
