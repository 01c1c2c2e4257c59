//! Reading an argv the way the wrapped tool and the kernel will: launchers in front of
//! the program (`env VAR=1`, `sudo -u svc`, `nice`, `timeout 5`, interpreters running a
//! script), options before a sub-command (`billing-cli --out X export customers`), and
//! every spelling of an output flag (`--out X`, `--out=X`, an unambiguous prefix such as
//! `--ou` that getopt_long/argparse/clap accept, `-oX` for a short flag, given twice).
//!
//! Owns no policy decision: it answers "where does the program start", "does this argv
//! match this pattern" and "which arguments name the output".

use std::path::Path;

/// Candidate starts of the real program in `argv`: 0, then after each launcher that
/// can be unwrapped (`env A=1 sudo -u svc python3 -u tool.py …` → 0, 2, 5, 7).
pub fn layers(argv: &[String]) -> Vec<usize> {
    let mut out = vec![0];
    let mut at = 0;
    while let Some(next) = unwrap_one(argv, at) {
        if next >= argv.len() || next <= at {
            break;
        }
        out.push(next);
        at = next;
    }
    out
}

fn base(s: &str) -> &str {
    Path::new(s).file_name().and_then(|f| f.to_str()).unwrap_or(s)
}

/// Is this program an interpreter that runs a script named by its first operand?
fn is_interpreter(name: &str) -> bool {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    matches!(stem, "python" | "pypy" | "perl" | "ruby" | "node" | "bash" | "sh" | "dash" | "zsh" | "ksh" | "php")
}

/// Index of the program a launcher at `at` runs, if `argv[at]` is a launcher.
fn unwrap_one(argv: &[String], at: usize) -> Option<usize> {
    let name = base(argv.get(at)?);
    // Options of each launcher that take a separate value.
    let (with_value, assignments): (&[&str], bool) = match name {
        "env" => (&["-u", "--unset", "-C", "--chdir", "-S", "--split-string"], true),
        "sudo" | "doas" => (
            &[
                "-u",
                "--user",
                "-g",
                "--group",
                "-C",
                "--close-from",
                "-D",
                "--chdir",
                "-h",
                "--host",
                "-p",
                "--prompt",
                "-r",
                "--role",
                "-t",
                "--type",
                "-T",
                "--command-timeout",
                "-U",
                "--other-user",
            ],
            true,
        ),
        "runuser" | "setpriv" | "su" => (
            &[
                "-u",
                "--user",
                "-g",
                "--group",
                "-G",
                "--supp-group",
                "--reuid",
                "--regid",
                "--groups",
                "--inh-caps",
                "--ambient-caps",
                "--bounding-set",
                "--securebits",
                "--selinux-label",
                "--apparmor-profile",
                "-w",
                "--whitelist-environment",
            ],
            false,
        ),
        "nice" => (&["-n", "--adjustment"], false),
        "ionice" => (&["-c", "--class", "-n", "--classdata", "-p", "-P", "-u"], false),
        "stdbuf" => (&["-i", "-o", "-e", "--input", "--output", "--error"], false),
        "timeout" => (&["-s", "--signal", "-k", "--kill-after"], false),
        "nohup" | "command" | "exec" | "time" | "chronic" | "setsid" | "unbuffer" => (&[], false),
        n if is_interpreter(n) => return interpreter_script(argv, at, n),
        _ => return None,
    };
    let mut i = at + 1;
    while let Some(a) = argv.get(i) {
        if a == "--" {
            i += 1;
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            let flag = a.split_once('=').map_or(a.as_str(), |(f, _)| f);
            i += if !a.contains('=') && with_value.contains(&flag) { 2 } else { 1 };
            continue;
        }
        if assignments && a.contains('=') && !a.starts_with('=') {
            i += 1;
            continue;
        }
        break;
    }
    // `timeout DURATION CMD`: the duration comes first.
    if name == "timeout" {
        i += 1;
    }
    Some(i)
}

/// `python3 -u tool.py …` → the index of `tool.py`; `python3 -m tool` → `tool`.
fn interpreter_script(argv: &[String], at: usize, name: &str) -> Option<usize> {
    let with_value: &[&str] = match name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.') {
        "python" | "pypy" => &["-W", "-X", "--check-hash-based-pycs"],
        "perl" => &["-I", "-M", "-m"],
        "ruby" => &["-I", "-r", "-C", "-E"],
        "node" => &["-r", "--require", "--import", "--loader"],
        _ => &["-o", "+o", "-O", "+O"],
    };
    let mut i = at + 1;
    while let Some(a) = argv.get(i) {
        match a.as_str() {
            "--" => return Some(i + 1),
            "-m" => return Some(i + 1),
            // An inline program: there is no script to match.
            "-c" | "-e" | "-E" | "--eval" | "-p" | "--print" => return None,
            _ if a.starts_with('-') && a.len() > 1 => i += if with_value.contains(&a.as_str()) { 2 } else { 1 },
            _ => return Some(i),
        }
    }
    None
}

/// Matches `argv` (the program first) against an action pattern: one glob per
/// argument, `**` last for the rest; the program matches by its full path or file
/// name; options (and the value after an option without `=`) may stand anywhere
/// before, between and after the pattern's words, until `--`. Returns the argv
/// index just after the last pattern word matched.
pub fn match_pattern(globs: &[globset::GlobMatcher], pattern: &[String], argv: &[String]) -> Option<usize> {
    let (g0, a0) = (globs.first()?, argv.first()?);
    if !(g0.is_match(a0) || g0.is_match(base(a0))) {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    step(globs, pattern, argv, 1, 1, false, false, 1, &mut seen)
}

#[allow(clippy::too_many_arguments)]
fn step(
    globs: &[globset::GlobMatcher],
    pattern: &[String],
    argv: &[String],
    gi: usize,
    ai: usize,
    prev_opt: bool,
    after_dd: bool,
    last_word: usize,
    seen: &mut std::collections::HashSet<(usize, usize, bool, bool)>,
) -> Option<usize> {
    if gi == pattern.len() - 1 && pattern[gi] == "**" {
        return Some(ai);
    }
    if !seen.insert((gi, ai, prev_opt, after_dd)) {
        return None;
    }
    let Some(arg) = argv.get(ai) else {
        return (gi == pattern.len()).then_some(last_word);
    };
    if gi < pattern.len() && globs[gi].is_match(arg) {
        if let Some(r) = step(globs, pattern, argv, gi + 1, ai + 1, false, after_dd || arg == "--", ai + 1, seen) {
            return Some(r);
        }
    }
    if after_dd {
        return None;
    }
    if arg == "--" {
        return step(globs, pattern, argv, gi, ai + 1, false, true, last_word, seen);
    }
    if arg.starts_with('-') && arg.len() > 1 {
        return step(globs, pattern, argv, gi, ai + 1, !arg.contains('='), false, last_word, seen);
    }
    if prev_opt {
        return step(globs, pattern, argv, gi, ai + 1, false, false, last_word, seen);
    }
    None
}

/// One place in argv that names the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// `argv[index]` holds the path, after `prefix` (`--out=`, `-o`).
    pub index: usize,
    pub prefix: String,
    pub path: String,
    /// Text after the path in the same argument (`' csv header` of a psql `\copy`).
    pub suffix: String,
}

/// Every occurrence of an output flag in `argv[from..]` (until `--`): exact, `=`-joined,
/// an abbreviation of a long flag (`--ou`), attached to a short flag (`-oX`). A flag
/// with no value is an error that keeps the flag.
pub fn flag_occurrences(argv: &[String], from: usize, flag: &str) -> Result<Vec<Occurrence>, String> {
    let long = flag.starts_with("--");
    let mut out = Vec::new();
    let mut i = from;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            break;
        }
        let (name, value) = match a.split_once('=') {
            Some((n, v)) if a.starts_with("--") => (n, Some(v)),
            _ => (a.as_str(), None),
        };
        let hit = if long {
            name == flag || (name.len() >= 3 && name.starts_with("--") && flag.starts_with(name))
        } else {
            name == flag
        };
        if hit {
            match value {
                Some(v) => out.push(Occurrence {
                    index: i,
                    prefix: format!("{name}="),
                    path: v.to_string(),
                    suffix: String::new(),
                }),
                None => {
                    let v = argv.get(i + 1).ok_or_else(|| format!("`{a}` is the last argument: it names no file"))?;
                    out.push(Occurrence {
                        index: i + 1,
                        prefix: String::new(),
                        path: v.clone(),
                        suffix: String::new(),
                    });
                    i += 1;
                }
            }
        } else if !long && a.len() > flag.len() && a.starts_with(flag) && !a.starts_with("--") {
            out.push(Occurrence {
                index: i,
                prefix: flag.to_string(),
                path: a[flag.len()..].to_string(),
                suffix: String::new(),
            });
        }
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    fn globs(p: &[String]) -> Vec<globset::GlobMatcher> {
        p.iter().map(|s| globset::Glob::new(s).expect("glob").compile_matcher()).collect()
    }

    #[test]
    fn launchers_unwrap() {
        assert_eq!(layers(&v("env A=1 B=2 billing-cli x")), [0, 3]);
        assert_eq!(layers(&v("sudo -u svc -E billing-cli x")), [0, 4]);
        assert_eq!(layers(&v("env A=1 sudo -u svc python3 -u /opt/billing-cli export")), [0, 2, 5, 7]);
        assert_eq!(layers(&v("python3 -c print(1)")), [0]);
        assert_eq!(layers(&v("timeout -s KILL 5 tool a")), [0, 4]);
    }

    #[test]
    fn options_before_the_subcommand() {
        let p = v("billing-cli export customers **");
        let g = globs(&p);
        assert_eq!(match_pattern(&g, &p, &v("billing-cli --out X export customers")), Some(5));
        assert_eq!(match_pattern(&g, &p, &v("/usr/bin/billing-cli -v export --fmt=csv customers --out Y")), Some(5));
        assert_eq!(match_pattern(&g, &p, &v("billing-cli --out export export customers")), Some(5));
        assert_eq!(match_pattern(&g, &p, &v("billing-cli import customers")), None);
        assert_eq!(match_pattern(&g, &p, &v("billing-cli -- export customers")), Some(4));
    }

    #[test]
    fn output_flags_every_spelling() {
        let a = v("t --out a --ou b --out=c --o d --output e --outx f");
        let o = flag_occurrences(&a, 1, "--out").expect("ok");
        let paths: Vec<&str> = o.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(paths, ["a", "b", "c", "d"]);
        let s = flag_occurrences(&v("t -o x -oy"), 1, "-o").expect("ok");
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].prefix, "-o");
        assert!(flag_occurrences(&v("t --out"), 1, "--out").is_err());
    }
}
