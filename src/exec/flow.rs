//! One `leakguard exec`: match the action (through launchers), audit every run, check
//! the role, scan what an upload sends (files, walked directories, captured stdin)
//! before it runs, and for an export let the tool write into a private staging file,
//! judge it, then move it into the store or into quarantine — or refuse to run when
//! leakguard cannot tell where the output goes. Returns the exit code.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::stage::{self, MoveError, Staged};
use super::{store, Matched, Refusal, Target};
use crate::approval::{self, Scope};
use crate::engine::{Engine, ItemMeta};
use crate::policy::Policy;
use crate::report::{self, Report};

/// One line on stderr, control characters escaped (paths and names come from the
/// command line and the file system; none may rewrite the terminal).
macro_rules! say {
    ($($t:tt)*) => { eprintln!("{}", super::escape(&format!($($t)*))) };
}

/// Exit codes (SPEC): 77 blocked, 3 internal (something could not be kept), 127 the
/// command could not be started; otherwise the command's own status.
pub const BLOCKED: u8 = 77;
pub const INTERNAL: u8 = 3;
pub const USAGE: u8 = 2;

/// What the command line gives one exec run.
pub struct Ctx<'a> {
    pub policy: &'a Policy,
    pub actor: String,
    pub style: report::Style,
    pub redact: bool,
    pub approvals: Option<PathBuf>,
    pub requests: Option<PathBuf>,
    /// `exec --reason`: written into the request a blocked step prints.
    pub reason: Option<String>,
}

/// `$XDG_STATE_HOME/leakguard`, else `~/.local/state/leakguard`; `None` without either
/// (there is no shared fallback such as `/tmp`).
pub fn user_state() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".local/state")))
        .map(|d| d.join("leakguard"))
}

/// Where decisions and single-use consumption are recorded: `settings.state_dir`, else
/// the user's state directory.
pub fn decision_dir(policy: &Policy) -> Option<PathBuf> {
    policy.settings.state_dir.clone().or_else(user_state)
}

/// The exec audit log: `settings.audit_log`, else `<decision dir>/audit.jsonl`.
pub fn audit_log(policy: &Policy) -> Option<PathBuf> {
    policy.settings.audit_log.clone().or_else(|| decision_dir(policy).map(|d| d.join("audit.jsonl")))
}

/// Whether the actor could rewrite the single-use record (then it is not enforced).
pub fn single_use_enforced(policy: &Policy) -> Result<(), String> {
    let Some(log) = audit_log(policy) else { return Err("there is no state directory".into()) };
    let dir = log.parent().unwrap_or(Path::new("/"));
    let writable = |p: &Path| {
        let Ok(c) = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()) else { return true };
        // SAFETY: access(2) with a NUL-terminated path.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    };
    let owned = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.uid() == stage::euid());
    // SAFETY: getuid cannot fail.
    let who = format!("uid {}", unsafe { libc::getuid() });
    if !dir.exists() || writable(dir) || owned(dir) || writable(&log) || owned(&log) {
        return Err(format!(
            "{} is writable by {who}, who could reset it: set `settings.state_dir` to a directory of a service group (see docs/EXEC.md)",
            log.display(),
        ));
    }
    if !log.exists() {
        return Err(format!(
            "{} does not exist yet, and the first run would create it owned by {who}: create it as root (`install -o root -g leakguard -m 0660 /dev/null {}`)",
            log.display(),
            log.display()
        ));
    }
    Ok(())
}

/// Runs one exec.
pub fn run(cx: &Ctx, action: Option<&str>, argv: &[String]) -> u8 {
    let policy = cx.policy;
    let log = audit_log(policy);
    let record = |kind: &str, action: &str, destination: &str, detail: &str| {
        let ev = crate::audit::Event {
            kind: kind.into(),
            actor: cx.actor.clone(),
            request: None,
            rules: vec![format!("action:{action}")],
            digests: vec![super::argv_digest(argv)],
            destination: destination.into(),
            detail: detail.into(),
        };
        match &log {
            Some(log) => {
                if let Err(e) = crate::audit::append(log, &ev) {
                    say!("leakguard: cannot append to the audit log {}: {e}", log.display());
                }
            }
            None => say!("leakguard: no audit log (no HOME, no settings.state_dir): this run is not recorded"),
        }
    };
    if policy.actions.is_empty() && action.is_none() {
        say!(
            "leakguard: the policy in force declares no actions, so exec recognises no export or upload (policy: {})",
            policy.sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    let m = match super::find_action(policy, action, argv) {
        Ok(x) => x,
        Err(e) => {
            record("exec-block", action.unwrap_or("-"), "", &e);
            say!("error: {e}");
            return USAGE;
        }
    };
    let Some(m) = m else {
        let prog = argv.first().map(|p| super::escape(base(p))).unwrap_or_default();
        if let Some(hidden) = super::hidden_program(policy, argv) {
            let why = format!(
                "`{prog}` runs `{}` in a form leakguard cannot read (inside another argument)",
                super::escape(&hidden)
            );
            record("exec-block", "-", "", &why);
            return refuse(
                &why,
                Some(&format!(
                    "run `{}` directly: leakguard exec -- {} …",
                    super::escape(&hidden),
                    super::escape(&hidden)
                )),
            );
        }
        if policy.settings.exec_unknown_blocks {
            record("exec-block", "-", "", &format!("`{prog}` matches no action"));
            return refuse(
                &format!("`{prog}` matches no action of the policy and settings.exec_unknown is block"),
                None,
            );
        }
        record("exec-unmatched", "-", "", &format!("`{prog}` matches no action; ran unchecked"));
        return pass_on(super::run::run(argv, None, None).map(|r| r.0));
    };
    let a = m.action;
    if let Err(r) = super::check_role(policy, a, &cx.actor) {
        record("exec-block", &a.id, "", &r.reason);
        return refuse(&r.reason, r.fix.as_deref());
    }
    let mut stdin: Option<Staged> = None;
    if let Some(sends) = &a.sends {
        match upload(cx, &m, argv, &sends.destination) {
            Ok(s) => stdin = s,
            Err(code) => {
                record("exec-block", &a.id, &sends.destination, "upload blocked; nothing was sent");
                return code;
            }
        }
    }
    let stdin_file = match stdin.as_ref().map(Staged::open).transpose() {
        Ok(f) => f,
        Err(e) => {
            say!("leakguard: cannot reopen the captured stdin: {e}");
            return INTERNAL;
        }
    };
    let target = match super::output_target(&m, argv) {
        Ok(t) => t,
        Err(r) => {
            record("exec-block", &a.id, "", &r.reason);
            if let Some(s) = &stdin {
                s.clean();
            }
            return refuse(&r.reason, r.fix.as_deref());
        }
    };
    let (Some(class), Some(target)) = (a.produces.clone(), target) else {
        record("exec-allow", &a.id, a.sends.as_ref().map_or("", |x| x.destination.as_str()), "");
        let code = pass_on(super::run::run(argv, stdin_file, None).map(|r| r.0));
        if let Some(s) = &stdin {
            s.clean();
        }
        return code;
    };
    let code = export(cx, &m, argv, &class, &target, stdin_file, &record);
    if let Some(s) = &stdin {
        s.clean();
    }
    code
}

fn base(p: &str) -> &str {
    Path::new(p).file_name().and_then(OsStr::to_str).unwrap_or(p)
}

/// Scans what an upload sends; `Ok(Some(staged stdin))` to pass on, `Err(exit code)`.
fn upload(cx: &Ctx, m: &Matched, argv: &[String], destination: &str) -> Result<Option<Staged>, u8> {
    let sent = super::sent(m, argv);
    let mut engine = Engine::new(cx.policy, Default::default());
    engine.scanner.redact = cx.redact;
    let mut rep = Report::default();
    let meta_of = |p: &str| ItemMeta {
        path: p.to_string(),
        abs: Some(p.to_string()),
        destination: destination.to_string(),
        ..Default::default()
    };
    let mut stdin = None;
    if sent.stdin {
        let Some(base) = user_state() else {
            return Err(refuse("the upload reads stdin and there is no private place to capture it (set HOME)", None));
        };
        let st = Staged::create(&base, OsStr::new("stdin")).map_err(|e| {
            refuse(&format!("the upload reads stdin and it could not be captured: {e}"), None);
            INTERNAL
        })?;
        let copied = std::fs::OpenOptions::new().write(true).open(st.path()).and_then(|mut f| {
            std::io::copy(&mut std::io::stdin().lock(), &mut f).and_then(|n| f.sync_all().map(|()| n))
        });
        if let Err(e) = copied {
            st.clean();
            say!("leakguard: could not capture stdin for the upload: {e}; nothing was sent");
            return Err(INTERNAL);
        }
        scan_one(&engine, &mut rep, &meta_of("(stdin)"), &st.path());
        stdin = Some(st);
    }
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    for p in &sent.paths {
        walk(p, &mut seen, &mut files, 0);
    }
    for (shown, problem) in &files {
        let meta = meta_of(&shown.to_string_lossy());
        match problem {
            None => scan_one(&engine, &mut rep, &meta, shown),
            Some(why) => blocking_unscannable(&engine, &mut rep, &meta, why),
        }
    }
    for why in &sent.problems {
        let meta = meta_of(&argv.get(m.offset).cloned().unwrap_or_default());
        let mut f = engine.unscannable(&meta, &meta.path, why);
        f.severity = crate::policy::Severity::Block;
        rep.findings.push(f);
    }
    // A fingerprint detector that cannot work blocks: it would otherwise match nothing, silently.
    if !files.is_empty() || sent.stdin {
        for why in fingerprint_problems(cx.policy) {
            let meta = meta_of(&argv.get(m.offset).cloned().unwrap_or_default());
            let mut f = engine.unscannable(&meta, &meta.path, &why);
            f.severity = crate::policy::Severity::Block;
            rep.findings.push(f);
        }
    }
    rep.stats.files = files.len() as u64 + u64::from(sent.stdin);
    rep.sort();
    let state = user_state();
    let decisions = decision_dir(cx.policy);
    let acx = approval::Context {
        policy: cx.policy,
        scope: Scope::Exec {
            action: m.action.id.clone(),
            argv_digest: super::argv_digest(argv),
            destination: destination.to_string(),
        },
        actor: cx.actor.clone(),
        excluded: Vec::new(),
        approval_dirs: cx
            .approvals
            .clone()
            .or_else(|| state.as_ref().map(|s| s.join("approvals")))
            .into_iter()
            .collect(),
        push_options: Vec::new(),
        carried: Vec::new(),
        requests_dir: cx.requests.clone().or_else(|| state.as_ref().map(|s| s.join("requests"))),
        audit_log: audit_log(cx.policy).or_else(|| decisions.map(|d| d.join("audit.jsonl"))),
    };
    let wants_approval = rep.findings.iter().any(|f| f.severity == crate::policy::Severity::Block);
    if let Err(e) = approval::apply(&acx, &mut rep) {
        say!("leakguard: approvals could not be checked: {e}");
    }
    if wants_approval {
        if let Err(why) = single_use_enforced(cx.policy) {
            say!("leakguard: note: single use not enforced here: {why}");
        }
    }
    if rep.verdict() == report::Verdict::Block {
        if let Some(reason) = cx.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            give_reason(&acx, &rep, reason);
        }
        let mut buf = Vec::new();
        let _ = report::human::render(&rep, &cx.style, &mut buf);
        eprint!("{}", String::from_utf8_lossy(&buf));
        if let Some(s) = &stdin {
            s.clean();
        }
        return Err(refuse(
            &format!("`{}` would send protected content to {destination}; nothing was sent", m.action.id),
            None,
        ));
    }
    Ok(stdin)
}

/// Why the policy's fingerprint detectors cannot work here (key missing, invalid, or
/// not the one the set was registered with).
pub fn fingerprint_problems(policy: &Policy) -> Vec<String> {
    let classes: Vec<crate::detect::ClassSpec> = policy
        .classes
        .iter()
        .map(|c| crate::detect::ClassSpec { id: c.id.clone(), detectors: c.detectors.clone() })
        .collect();
    let dir = crate::fingerprint::default_dir(policy.settings.fingerprint_dir.as_deref());
    crate::fingerprint::problems(&classes, &dir, policy.settings.fingerprint_key_file.as_deref())
}

/// An unexpired request kept from an earlier run without this reason is re-issued
/// with it (same id; approvers sign the file that carries the reason).
fn give_reason(acx: &approval::Context, rep: &Report, reason: &str) {
    let ids: std::collections::BTreeSet<&String> = rep.findings.iter().filter_map(|f| f.request.as_ref()).collect();
    for id in ids {
        let Some(old) = approval::find_request(id, acx) else { continue };
        if old.reason == reason {
            continue;
        }
        let req = approval::Request::new(old.subject.clone(), (old.expires_at - old.created_at).max(1), reason);
        if let Some(d) = &acx.requests_dir {
            let path = d.join(format!("{id}.json"));
            if let Err(e) = std::fs::create_dir_all(d).and_then(|()| std::fs::write(&path, &req.bytes)) {
                say!("leakguard: cannot write the request {}: {e}", path.display());
            }
        }
    }
}

/// Scans one file an upload sends (streamed when large); what cannot be read blocks.
fn scan_one(engine: &Engine, rep: &mut Report, meta: &ItemMeta, path: &Path) {
    let r = (|| -> std::io::Result<u64> {
        let f = File::open(path)?;
        let size = f.metadata()?.len();
        let scan = engine.scanner.scan_reader(&meta.path, std::io::BufReader::new(f), size)?;
        let mut found = engine.judge(meta, &scan);
        Engine::bind_content_reader(&mut found, File::open(path)?)?;
        rep.findings.extend(found);
        Ok(size)
    })();
    match r {
        Ok(n) => rep.stats.bytes += n,
        Err(e) => blocking_unscannable(engine, rep, meta, &format!("cannot read: {e}")),
    }
}

/// An upload leakguard cannot read is not sent (whatever `settings.unscannable` says for scans).
fn blocking_unscannable(engine: &Engine, rep: &mut Report, meta: &ItemMeta, why: &str) {
    let mut f = engine.unscannable(meta, &meta.path, why);
    f.severity = crate::policy::Severity::Block;
    rep.findings.push(f);
}

/// Files under `p`, symlinks followed (an upload tool that follows them sends their
/// targets), each directory once; anything else than a regular file is a problem.
fn walk(p: &Path, seen: &mut HashSet<(u64, u64)>, out: &mut Vec<(PathBuf, Option<String>)>, depth: usize) {
    let md = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            if p.symlink_metadata().is_ok() {
                out.push((p.to_path_buf(), Some(format!("cannot read: {e}"))));
            }
            return;
        }
    };
    if md.is_file() {
        if seen.insert((md.dev(), md.ino())) {
            out.push((p.to_path_buf(), None));
        }
    } else if md.is_dir() {
        if depth > 64 || !seen.insert((md.dev(), md.ino())) {
            return;
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
            Ok(r) => r.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                out.push((p.to_path_buf(), Some(format!("cannot list directory: {e}"))));
                return;
            }
        };
        entries.sort();
        for e in entries {
            walk(&e, seen, out, depth + 1);
        }
    } else {
        out.push((p.to_path_buf(), Some("not a regular file (fifo, socket or device)".into())));
    }
}

/// Staging, running, judging and placing one export.
fn export(
    cx: &Ctx,
    m: &Matched,
    argv: &[String],
    class: &str,
    target: &Target,
    stdin: Option<File>,
    record: &dyn Fn(&str, &str, &str, &str),
) -> u8 {
    let a = m.action;
    let state = user_state();
    let stdout_dest = matches!(target, Target::Stdout).then(stdout_file).flatten();
    let dest = target.destination().or_else(|| stdout_dest.clone());
    let dest_shown =
        dest.as_ref().map_or_else(|| "stdout (a terminal or a pipe)".to_string(), |p| p.display().to_string());
    // Staging lives in the user's state directory, else in the class's quarantine.
    let base = match &state {
        Some(s) => s.clone(),
        None => match store::quarantine_dir(cx.policy, class, None) {
            Ok((q, _)) => q,
            Err(e) => {
                record("exec-block", &a.id, &dest_shown, &e);
                return refuse(&format!("no private place to stage the output: {e}"), None);
            }
        },
    };
    let name =
        dest.as_ref().and_then(|d| d.file_name()).map_or_else(|| OsStr::new("stdout").to_owned(), |n| n.to_owned());
    let staged = match Staged::create(&base, &name) {
        Ok(s) => s,
        Err(e) => {
            record("exec-block", &a.id, &dest_shown, &e.to_string());
            return refuse(&format!("cannot create a private staging file under {}: {e}", base.display()), None);
        }
    };
    let run_argv = target.rewrite(argv, &staged.path());
    let out_file = match target {
        Target::Stdout => match std::fs::OpenOptions::new().write(true).truncate(true).open(staged.path()) {
            Ok(f) => Some(f),
            Err(e) => {
                staged.clean();
                return refuse(&format!("cannot open the staging file: {e}"), None);
            }
        },
        _ => None,
    };
    let (code, cap) = match super::run::run(&run_argv, stdin, out_file) {
        Ok(x) => x,
        Err(e) => {
            staged.clean();
            record("exec-error", &a.id, &dest_shown, &e.to_string());
            say!("leakguard: {e}");
            return 127;
        }
    };
    let size = stage::size(&staged);
    let loss = cap.error.as_ref().map(|e| {
        format!(
            "the output could not be captured completely: {size} of {} bytes were kept, {} bytes were lost ({e})",
            cap.total,
            cap.total.saturating_sub(size)
        )
    });
    if code != 0 && size == 0 && loss.is_none() {
        staged.clean();
        record("exec-allow", &a.id, &dest_shown, &format!("{class}; the command exited with {code} and wrote nothing"));
        return code.clamp(0, 255) as u8;
    }
    // Judge: the produced class, and every class a scan of the output finds.
    let verdict: Result<store::Landing, Refusal> = match (&dest, &loss) {
        (_, Some(l)) => Err(Refusal { reason: l.clone(), fix: None }),
        (None, None) => Err(Refusal {
            reason: format!("{class} output may not go to a terminal or a pipe"),
            fix: Some("redirect it into a store (`> /path/in/store.csv`)".into()),
        }),
        (Some(d), None) => judge(cx, class, d, &staged, matches!(target, Target::Stdout)),
    };
    match verdict {
        Ok(land) => {
            let placed = if matches!(target, Target::Stdout) {
                stdout_matches(&land).and_then(|()| stage::copy_into(&staged, &mut std::io::stdout().lock()))
            } else {
                stage::move_to(&staged, &land.dir, &land.name)
            };
            match placed {
                Ok(()) => {
                    record("exec-allow", &a.id, &land.shown.display().to_string(), class);
                    register_output(cx.policy, class, &land);
                    staged.clean();
                    if code != 0 {
                        say!(
                            "leakguard: the command exited with {code}; its output was kept at {}",
                            land.shown.display()
                        );
                    }
                    code.clamp(0, 255) as u8
                }
                Err(MoveError::Exists) => quarantine(
                    cx,
                    m,
                    class,
                    &staged,
                    &dest_shown,
                    Refusal {
                        reason: format!("{} already exists; leakguard never replaces a file", land.shown.display()),
                        fix: None,
                    },
                    code,
                    None,
                    record,
                ),
                Err(e) => {
                    let msg = format!(
                        "the output could not be placed at {}: {e}; the complete output ({size} bytes) is kept at {}",
                        land.shown.display(),
                        staged.path().display()
                    );
                    record("exec-error", &a.id, &dest_shown, &msg);
                    say!("leakguard: error: {msg}");
                    INTERNAL
                }
            }
        }
        Err(refusal) => quarantine(cx, m, class, &staged, &dest_shown, refusal, code, loss, record),
    }
}

/// Landing checks for an output: the store walk, hard links, other classes found.
fn judge(cx: &Ctx, class: &str, dest: &Path, staged: &Staged, existing_ok: bool) -> Result<store::Landing, Refusal> {
    let mut classes = vec![class.to_string()];
    let land = store::landing(cx.policy, &classes, dest, &cx.actor, existing_ok)?;
    let links = stage::links(staged);
    if links > 1 && (land.store.is_empty() || store::private(cx.policy, &land.store)) {
        return Err(Refusal {
            reason: format!(
                "the output has {links} names (hard links): the tool made it visible outside leakguard's staging; private stores take only files with one link"
            ),
            fix: Some("find and remove the other name (`find / -samefile …`)".into()),
        });
    }
    // Other classes in the content must be allowed there too.
    if let Ok(file) = staged.open() {
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut engine = Engine::new(cx.policy, Default::default());
        engine.scanner.redact = cx.redact;
        if let Ok(scan) = engine.scanner.scan_reader(&dest.display().to_string(), std::io::BufReader::new(file), size) {
            let meta = ItemMeta { path: dest.display().to_string(), ..Default::default() };
            for f in engine.judge(&meta, &scan) {
                if f.severity == crate::policy::Severity::Block && !classes.contains(&f.class) {
                    classes.push(f.class);
                }
            }
        }
    }
    if classes.len() > 1 {
        return store::landing(cx.policy, &classes, dest, &cx.actor, existing_ok);
    }
    Ok(land)
}

/// Our stdout is the file the landing names (not swapped meanwhile), with one link.
fn stdout_matches(land: &store::Landing) -> Result<(), MoveError> {
    let out = stage::stat_fd(&std::io::stdout()).map_err(MoveError::Failed)?;
    let there = stage::stat_at(&land.dir, &land.name).map_err(MoveError::Failed)?;
    match there {
        Some(t) if t.st_dev == out.st_dev && t.st_ino == out.st_ino && out.st_nlink == 1 => Ok(()),
        _ => Err(MoveError::Failed(std::io::Error::other(
            "stdout is no longer the file in the store (replaced, or it has other names)",
        ))),
    }
}

#[allow(clippy::too_many_arguments)]
fn quarantine(
    cx: &Ctx,
    m: &Matched,
    class: &str,
    staged: &Staged,
    dest_shown: &str,
    refusal: Refusal,
    code: i32,
    loss: Option<String>,
    record: &dyn Fn(&str, &str, &str, &str),
) -> u8 {
    let a = m.action;
    let size = stage::size(staged);
    say!("leakguard: blocked: {}", refusal.reason);
    if let Some(f) = &refusal.fix {
        say!("  fix: {f}");
    }
    let stem = format!("{}-{}", a.id, staged.name.to_string_lossy());
    let placed = store::quarantine_dir(cx.policy, class, user_state().as_deref())
        .map_err(|e| MoveError::Failed(std::io::Error::other(e)))
        .and_then(|(qdir, fd)| stage::move_unique(staged, &fd, &stem).map(|n| qdir.join(n)));
    let status = format!("the command exited with {code}");
    match placed {
        Ok(q) => {
            record("exec-quarantine", &a.id, dest_shown, &format!("{}; kept at {}", refusal.reason, q.display()));
            staged.clean();
            if let Some(l) = loss {
                say!("leakguard: error: {l}; what was kept ({size} bytes) is in quarantine: {}", q.display());
                return INTERNAL;
            }
            say!("  the output was kept in quarantine: {} ({size} bytes; {status})", q.display());
            say!("  nothing was written to {dest_shown}");
            BLOCKED
        }
        Err(e) => {
            let msg = format!(
                "the output could not be moved into quarantine: {e}; it is kept ({size} bytes) at {}",
                staged.path().display()
            );
            record("exec-quarantine", &a.id, dest_shown, &format!("{}; {msg}", refusal.reason));
            say!("leakguard: error: {msg}");
            say!("  nothing was written to {dest_shown}");
            if loss.is_some() {
                INTERNAL
            } else {
                BLOCKED
            }
        }
    }
}

/// The file our stdout is redirected to, if it is a regular file.
fn stdout_file() -> Option<PathBuf> {
    let p = std::fs::read_link("/proc/self/fd/1").ok()?;
    std::fs::metadata(&p).ok().filter(|m| m.is_file()).map(|_| p)
}

/// Registers an allowed export's values into the class's fingerprint set, when the
/// class has a `fingerprints` detector and a key is available.
fn register_output(policy: &Policy, class: &str, land: &store::Landing) {
    let Some(set) = policy.class(class).and_then(|c| {
        c.detectors.iter().find_map(|d| match d {
            crate::detect::Detector::Fingerprints(f) => Some(f.set.clone()),
            _ => None,
        })
    }) else {
        return;
    };
    let key = match crate::fingerprint::Key::load(policy.settings.fingerprint_key_file.as_deref()) {
        Ok(Some(k)) => k,
        Ok(None) => {
            say!("leakguard: warning: no fingerprint key (LEAKGUARD_FP_KEY): the export was not registered in set `{set}`");
            return;
        }
        Err(e) => {
            say!("leakguard: warning: {e}: the export was not registered in set `{set}`");
            return;
        }
    };
    // Read through the directory leakguard opened, never through a (swapped) path.
    let Ok(data) = stage::read_at(&land.dir, &land.name) else { return };
    let dir = crate::fingerprint::default_dir(policy.settings.fingerprint_dir.as_deref());
    match crate::fingerprint::register_auto(&dir, &set, &key, &data) {
        Ok(r) => {
            say!("leakguard: registered {} records of {} in fingerprint set `{set}`", r.records, land.shown.display())
        }
        Err(e) => say!("leakguard: could not register fingerprints of {}: {e}", land.shown.display()),
    }
}

fn refuse(reason: &str, fix: Option<&str>) -> u8 {
    say!("leakguard: blocked: {reason}");
    if let Some(f) = fix {
        say!("  fix: {f}");
    }
    BLOCKED
}

fn pass_on(r: std::io::Result<i32>) -> u8 {
    match r {
        Ok(c) => c.clamp(0, 255) as u8,
        Err(e) => {
            say!("leakguard: {e}");
            127
        }
    }
}
