//! `leakguard exec [--action NAME] -- CMD [ARG...]` and `leakguard whoami`.
//!
//! Exit: the wrapped command's status, or 77 when policy blocks the step (role,
//! upload of a protected file, export to a place its class may not live).

use std::path::{Path, PathBuf};

use clap::Args;

use super::{exit, Global};
use crate::approval::{self, Scope};
use crate::engine::{Engine, ItemMeta};
use crate::exec::{self, store, Target};
use crate::policy::Policy;
use crate::report::{self, Report};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  leakguard exec --action export-customers -- billing-cli export customers --out /srv/exports/customers/q3.csv\n  leakguard exec -- vt scan file q3.csv        # finds the matching action\n\nExit: the command's own status, or 77 when blocked."
)]
pub struct ExecArgs {
    /// Action of the policy this command is (default: the first whose argv pattern matches).
    #[arg(long)]
    pub action: Option<String>,
    /// Directory with approvals (`<request-id>/<principal>.sig`).
    #[arg(long, value_name = "DIR")]
    pub approvals: Option<PathBuf>,
    /// Directory request files are written to.
    #[arg(long, value_name = "DIR")]
    pub requests: Option<PathBuf>,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

pub fn run(g: &Global, a: ExecArgs) -> u8 {
    let (root, policy) = match g.load_here() {
        Ok(x) => x,
        Err(c) => return c,
    };
    let actor = current_actor(Some(&root));
    let log = policy.settings.audit_log.clone().unwrap_or_else(|| state_dir().join("audit.jsonl"));
    // Every exec decision is appended to the audit log (ids, rules, destinations — no values).
    let record = |kind: &str, action: &str, destination: &str, detail: &str| {
        let ev = crate::audit::Event {
            kind: kind.into(),
            actor: actor.clone(),
            request: None,
            rules: vec![format!("action:{action}")],
            digests: vec![exec::argv_digest(&a.command)],
            destination: destination.into(),
            detail: detail.into(),
        };
        if let Err(e) = crate::audit::append(&log, &ev) {
            eprintln!("leakguard: cannot append to the audit log {}: {e}", log.display());
        }
    };
    let action = match exec::find_action(&policy, a.action.as_deref(), &a.command) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let Some(action) = action else {
        if policy.settings.exec_unknown_blocks {
            record("exec-block", "-", "", "no action matches the command");
            return refuse(
                &format!("`{}` matches no action of the policy and settings.exec_unknown is block", a.command[0]),
                None,
            );
        }
        return pass_on(exec::run::run(&a.command, None));
    };
    if let Err(r) = exec::check_role(&policy, action, &actor) {
        record("exec-block", &action.id, "", &r.reason);
        return refuse(&r.reason, r.fix.as_deref());
    }
    let mut argv = a.command.clone();
    if let Some(sends) = &action.sends {
        let files = exec::sent_files(action, &argv);
        let rep = scan_sent(g, &policy, &files, &sends.destination, &actor, &a, &action.id, &argv);
        if rep.verdict() == report::Verdict::Block {
            let style = g.style();
            let mut buf = Vec::new();
            let _ = report::human::render(&rep, &style, &mut buf);
            eprint!("{}", String::from_utf8_lossy(&buf));
            return refuse(
                &format!("`{}` would send protected content to {}; nothing was sent", action.id, sends.destination),
                None,
            );
        }
    }
    let (Some(class), Some(target)) = (action.produces.clone(), exec::output_target(action, &argv)) else {
        record("exec-allow", &action.id, action.sends.as_ref().map_or("", |x| x.destination.as_str()), "");
        return pass_on(exec::run::run(&argv, None));
    };
    let dest_path = match &target {
        Target::Arg { path, .. } => Some(path.clone()),
        Target::Stdout => stdout_file(),
    };
    let verdict = match &dest_path {
        Some(p) => store::may_hold(&policy, &class, p, &actor),
        None => Err(exec::Refusal { reason: format!("{class} output may not go to a terminal or a pipe"), fix: None }),
    };
    match verdict {
        Ok(()) => {
            record(
                "exec-allow",
                &action.id,
                &dest_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                &class,
            );
            let code = pass_on(exec::run::run(&argv, None));
            if code == 0 {
                if let Some(p) = &dest_path {
                    register_output(&policy, &class, p);
                }
            }
            code
        }
        Err(refusal) => {
            let qdir = store::quarantine_dir(&policy, &class);
            let name = dest_path
                .as_ref()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "stdout".into());
            let qfile = unique(&qdir, &format!("{}-{}", action.id, name));
            let code = match &target {
                Target::Arg { index, prefix, .. } => {
                    argv[*index] = format!("{prefix}{}", qfile.display());
                    exec::run::run(&argv, None)
                }
                Target::Stdout => exec::run::run(&argv, Some(&qfile)),
            };
            let status = match code {
                Ok(c) => format!("the command exited with {c}"),
                Err(e) => format!("the command failed: {e}"),
            };
            record(
                "exec-quarantine",
                &action.id,
                &dest_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                &format!("{}; kept at {}", refusal.reason, qfile.display()),
            );
            eprintln!("leakguard: blocked: {}", refusal.reason);
            if let Some(f) = &refusal.fix {
                eprintln!("  fix: {f}");
            }
            eprintln!("  the output was kept in quarantine: {} ({status})", qfile.display());
            eprintln!("  nothing was written to {}", dest_path.map_or("stdout".into(), |p| p.display().to_string()));
            exit::EXEC_BLOCKED
        }
    }
}

/// Scans the files an upload would send, judged for the destination.
#[allow(clippy::too_many_arguments)]
fn scan_sent(
    g: &Global,
    policy: &Policy,
    files: &[PathBuf],
    destination: &str,
    actor: &str,
    a: &ExecArgs,
    action: &str,
    argv: &[String],
) -> Report {
    let mut engine = Engine::new(policy, Default::default());
    engine.scanner.redact = !g.no_redact;
    let targets = crate::source::fs::walk(files, crate::source::fs::WalkOpts { respect_ignore: false });
    let mut rep = Report::default();
    for t in &targets {
        let meta = ItemMeta {
            path: t.abs.to_string_lossy().into_owned(),
            abs: Some(t.abs.to_string_lossy().into_owned()),
            destination: destination.to_string(),
            ..Default::default()
        };
        match std::fs::read(&t.abs) {
            Ok(data) => {
                let scan = engine.scanner.scan_bytes(&meta.path, &data);
                let mut f = engine.judge(&meta, &scan);
                Engine::bind_content(&mut f, &data);
                rep.findings.extend(f);
                rep.stats.bytes += data.len() as u64;
            }
            Err(e) => rep.findings.push(engine.unscannable(&meta, &meta.path, &e.to_string())),
        }
    }
    rep.stats.files = targets.len() as u64;
    rep.sort();
    let state = state_dir();
    let cx = approval::Context {
        policy,
        scope: Scope::Exec {
            action: action.to_string(),
            argv_digest: exec::argv_digest(argv),
            destination: destination.to_string(),
        },
        actor: actor.to_string(),
        excluded: Vec::new(),
        approval_dirs: vec![a.approvals.clone().unwrap_or_else(|| state.join("approvals"))],
        push_options: Vec::new(),
        carried: Vec::new(),
        requests_dir: Some(a.requests.clone().unwrap_or_else(|| state.join("requests"))),
        audit_log: Some(policy.settings.audit_log.clone().unwrap_or_else(|| state.join("audit.jsonl"))),
    };
    if let Err(e) = approval::apply(&cx, &mut rep) {
        eprintln!("leakguard: approvals could not be checked: {e}");
    }
    rep
}

/// `$XDG_STATE_HOME/leakguard` (or `~/.local/state/leakguard`).
pub(crate) fn state_dir() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("leakguard")
}

/// Registers an allowed export's values into the class's fingerprint set, when the
/// class has a `fingerprints` detector and a key is available.
fn register_output(policy: &Policy, class: &str, path: &Path) {
    let Some(set) = policy.class(class).and_then(|c| {
        c.detectors.iter().find_map(|d| match d {
            crate::detect::Detector::Fingerprints(f) => Some(f.set.clone()),
            _ => None,
        })
    }) else {
        return;
    };
    let Ok(Some(key)) = crate::fingerprint::Key::load(policy.settings.fingerprint_key_file.as_deref()) else { return };
    let Ok(data) = std::fs::read(path) else { return };
    let dir = crate::fingerprint::default_dir(policy.settings.fingerprint_dir.as_deref());
    match crate::fingerprint::register_auto(&dir, &set, &key, &data) {
        Ok(r) => {
            eprintln!("leakguard: registered {} records of {} in fingerprint set `{set}`", r.records, path.display())
        }
        Err(e) => eprintln!("leakguard: could not register fingerprints of {}: {e}", path.display()),
    }
}

/// The file our stdout is redirected to, if it is a regular file.
fn stdout_file() -> Option<PathBuf> {
    let p = std::fs::read_link("/proc/self/fd/1").ok()?;
    std::fs::metadata(&p).ok().filter(|m| m.is_file()).map(|_| p)
}

fn unique(dir: &Path, name: &str) -> PathBuf {
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    for i in 0..1000 {
        let p = dir.join(if i == 0 { format!("{ts}-{name}") } else { format!("{ts}-{i}-{name}") });
        if !p.exists() {
            return p;
        }
    }
    dir.join(format!("{ts}-{}-{name}", std::process::id()))
}

fn refuse(reason: &str, fix: Option<&str>) -> u8 {
    eprintln!("leakguard: blocked: {reason}");
    if let Some(f) = fix {
        eprintln!("  fix: {f}");
    }
    exit::EXEC_BLOCKED
}

fn pass_on(r: std::io::Result<i32>) -> u8 {
    match r {
        Ok(c) => c.clamp(0, 255) as u8,
        Err(e) => {
            eprintln!("leakguard: {e}");
            127
        }
    }
}

/// `$LEAKGUARD_ACTOR`, else git `user.email`, else the OS user.
pub fn current_actor(repo: Option<&Path>) -> String {
    crate::approval::actor(repo)
}

pub fn whoami(g: &Global) -> u8 {
    let (root, policy) = match g.load_here() {
        Ok(x) => x,
        Err(c) => return c,
    };
    let actor = current_actor(Some(&root));
    let roles = policy.roles_of(&actor);
    println!("actor: {actor}");
    println!("roles: {}", if roles.is_empty() { "none".to_string() } else { roles.join(", ") });
    exit::ALLOW
}
