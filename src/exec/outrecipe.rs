//! Output recipes: where common export tools write, read from their argv the way they
//! read it, so `output: {recipe: psql}` is all a policy says.
//!
//! - `psql`: `\copy … to 'FILE'` inside `-c`/`--command` (the path is rewritten in
//!   place), `-o`/`--output FILE`; `\copy … to stdout` and no file: stdout. Refused as
//!   unknowable: `\copy … to program`, `\o`, `\g FILE`, `\w`, `\!`, a server-side
//!   `COPY … TO 'file'`, `-f`/`--file` scripts, `-L` logs, commands read from stdin.
//! - `pg_dump`: `-f`/`--file`; else stdout; directory format (`-Fd`) refused.
//! - `mysqldump`: `-r`/`--result-file`; else stdout; `--tab` refused.
//! - `mongoexport`: `-o`/`--out`; else stdout.

use super::argv::Occurrence;

/// Known output recipes.
pub const RECIPES: &[&str] = &["psql", "pg_dump", "mysqldump", "mongoexport"];

/// Where the tool writes: file occurrences (empty: stdout), or why it cannot be known.
pub fn occurrences(recipe: &str, argv: &[String], from: usize) -> Result<Vec<Occurrence>, String> {
    match recipe {
        "psql" => psql(argv, from),
        "pg_dump" => {
            if argv[from..].iter().any(|a| a == "-Fd" || a == "--format=directory" || a == "--format=d")
                || argv[from..].windows(2).any(|w| (w[0] == "-F" || w[0] == "--format") && w[1].starts_with('d'))
            {
                return Err("pg_dump's directory format writes a directory: use -Fc or -Fp with -f FILE".into());
            }
            file_flags(argv, from, &["-f"], "--file")
        }
        "mysqldump" => {
            if argv[from..].iter().any(|a| a.starts_with("--tab")) {
                return Err("mysqldump --tab writes files on the server side: dump to -r FILE or stdout".into());
            }
            file_flags(argv, from, &["-r"], "--result-file")
        }
        "mongoexport" => file_flags(argv, from, &["-o"], "--out"),
        other => Err(format!("unknown output recipe `{other}`")),
    }
}

/// A short flag (`-f X`, `-fX`) and a long one (`--file X`, `--file=X`, `--fi X`).
fn file_flags(argv: &[String], from: usize, short: &[&str], long: &str) -> Result<Vec<Occurrence>, String> {
    let mut out = super::argv::flag_occurrences(argv, from, long)?;
    for s in short {
        out.extend(super::argv::flag_occurrences(argv, from, s)?);
    }
    out.sort_by_key(|o| o.index);
    Ok(out)
}

fn psql(argv: &[String], from: usize) -> Result<Vec<Occurrence>, String> {
    let mut out = Vec::new();
    let mut commands = 0;
    let mut i = from;
    while i < argv.len() {
        let a = &argv[i];
        let (cmd, prefix) = if a == "-c" || a == "--command" {
            i += 1;
            (argv.get(i).ok_or("`-c` names no command")?.clone(), String::new())
        } else if let Some(v) = a.strip_prefix("--command=") {
            (v.to_string(), "--command=".to_string())
        } else if a.starts_with("-c") && !a.starts_with("--") {
            (a[2..].to_string(), "-c".to_string())
        } else {
            let flag = a.split_once('=').map_or(a.as_str(), |(f, _)| f);
            if matches!(flag, "-f" | "--file" | "-L" | "--log-file") || (a.starts_with("-f") && !a.starts_with("--")) {
                return Err(format!(
                    "psql {flag} reads commands from, or logs results to, a file leakguard does not follow: give the export as -c \"\\copy … to 'FILE'\""
                ));
            }
            i += 1;
            continue;
        };
        commands += 1;
        if let Some((start, end, path)) = copy_target(&cmd)? {
            out.push(Occurrence {
                index: i,
                prefix: format!("{prefix}{}", &cmd[..start]),
                path,
                suffix: cmd[end..].to_string(),
            });
        }
        i += 1;
    }
    if commands == 0 {
        return Err("psql reads its commands from stdin here: give the export as -c \"\\copy … to 'FILE'\"".into());
    }
    out.extend(super::argv::flag_occurrences(argv, from, "--output")?);
    out.extend(super::argv::flag_occurrences(argv, from, "-o")?);
    Ok(out)
}

/// In one `-c` text: the byte range of the quoted file of `\copy … to 'FILE'` (the
/// quotes included) and the file; `None` for `to stdout`. Other ways of writing files
/// are refused.
fn copy_target(cmd: &str) -> Result<Option<(usize, usize, String)>, String> {
    let lower = cmd.to_ascii_lowercase();
    for bad in ["\\o", "\\g ", "\\gx ", "\\w", "\\!"] {
        if lower.contains(bad) {
            return Err(format!("psql `{bad}` writes where leakguard cannot follow: use \\copy … to 'FILE'"));
        }
    }
    let Some(at) = lower.find("\\copy") else {
        if server_side_copy(&lower) {
            return Err("a server-side COPY … TO 'file' writes on the database host: use \\copy … to 'FILE'".into());
        }
        return Ok(None);
    };
    if lower[at + 5..].contains("\\copy") {
        return Err("several \\copy commands in one -c: run them one at a time".into());
    }
    // ` to ` outside quotes and parentheses, after the table or query.
    let b = cmd.as_bytes();
    let (mut depth, mut quote, mut k) = (0i32, false, at + 5);
    let to = loop {
        if k + 4 > b.len() {
            return Err("\\copy without `to` or `from`".into());
        }
        match b[k] {
            b'\'' => quote = !quote,
            b'(' if !quote => depth += 1,
            b')' if !quote => depth -= 1,
            _ => {}
        }
        if !quote && depth == 0 && b[k].is_ascii_whitespace() {
            let rest = &lower[k + 1..];
            if rest.starts_with("from ") || rest.starts_with("from\t") {
                return Ok(None);
            }
            if rest.starts_with("to ") || rest.starts_with("to\t") {
                break k + 3;
            }
        }
        k += 1;
    };
    let mut s = to;
    while s < b.len() && b[s].is_ascii_whitespace() {
        s += 1;
    }
    let rest = &lower[s..];
    if rest.starts_with("stdout") || rest.starts_with("pstdout") {
        return Ok(None);
    }
    if rest.starts_with("program") {
        return Err("\\copy … to program runs a command with the data: leakguard refuses it".into());
    }
    if b.get(s) == Some(&b'\'') {
        let mut e = s + 1;
        let mut path = String::new();
        loop {
            match b.get(e) {
                None => return Err("an unterminated quoted file name in \\copy".into()),
                Some(b'\'') if b.get(e + 1) == Some(&b'\'') => {
                    path.push('\'');
                    e += 2;
                }
                Some(b'\'') => break,
                Some(_) => {
                    let ch = cmd[e..].chars().next().unwrap_or('?');
                    path.push(ch);
                    e += ch.len_utf8();
                }
            }
        }
        return Ok(Some((s, e + 1, path)));
    }
    let e = cmd[s..].find(char::is_whitespace).map_or(cmd.len(), |n| s + n);
    Ok(Some((s, e, cmd[s..e].to_string())))
}

fn server_side_copy(lower: &str) -> bool {
    lower.split(';').any(|stmt| {
        let t = stmt.trim_start();
        t.starts_with("copy ") && t.contains(" to '")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn psql_copy_targets() {
        let a = v(&["psql", "-h", "/s", "-c", "\\copy customers to '/srv/x y.csv' csv header"]);
        let o = occurrences("psql", &a, 1).expect("ok");
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].path, "/srv/x y.csv");
        assert_eq!(o[0].prefix, "\\copy customers to ");
        assert_eq!(o[0].suffix, " csv header");
        let a = v(&["psql", "--command=\\copy (select * from c where n = 'a to b') to 'o.csv' with csv"]);
        assert_eq!(occurrences("psql", &a, 1).expect("ok")[0].path, "o.csv");
        let a = v(&["psql", "-c", "\\copy customers to stdout csv"]);
        assert!(occurrences("psql", &a, 1).expect("ok").is_empty());
        for bad in [
            "\\copy c to program 'curl -T - x'",
            "\\o /tmp/x",
            "copy c to '/tmp/x'",
            "\\copy a to 'x'; \\copy b to 'y'",
        ] {
            assert!(occurrences("psql", &v(&["psql", "-c", bad]), 1).is_err(), "{bad}");
        }
        assert!(occurrences("psql", &v(&["psql", "-f", "x.sql"]), 1).is_err());
        assert!(occurrences("psql", &v(&["psql", "-d", "db"]), 1).is_err());
        assert!(occurrences("psql", &v(&["psql", "-c", "\\copy c from 'in.csv' csv"]), 1).expect("ok").is_empty());
    }

    #[test]
    fn dump_tools() {
        let o = occurrences("pg_dump", &v(&["pg_dump", "-t", "c", "-f", "x.sql"]), 1).expect("ok");
        assert_eq!(o[0].path, "x.sql");
        assert_eq!(occurrences("pg_dump", &v(&["pg_dump", "-fx.sql"]), 1).expect("ok")[0].path, "x.sql");
        assert!(occurrences("pg_dump", &v(&["pg_dump", "-Fd", "-f", "d"]), 1).is_err());
        assert!(occurrences("pg_dump", &v(&["pg_dump", "db"]), 1).expect("ok").is_empty());
        assert_eq!(
            occurrences("mysqldump", &v(&["mysqldump", "--result-file=a.sql"]), 1).expect("ok")[0].path,
            "a.sql"
        );
        assert_eq!(occurrences("mongoexport", &v(&["mongoexport", "-o", "a.json"]), 1).expect("ok")[0].path, "a.json");
    }
}
