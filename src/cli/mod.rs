//! Command line: clap derive types, one file per subcommand, and the mapping of
//! outcomes to SPEC exit codes (0 allow, 1 block, 2 usage/policy, 77 exec blocked,
//! 3 internal — hooks treat it as a block).

mod approval;
mod audit;
mod debug;
pub(crate) mod exec;
mod fingerprint;
mod hook;
mod init;
mod install;
mod policy_cmd;
mod scan;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::policy::{self, Policy, PolicyArgs};
use crate::report::{Format, Style};

/// Exit codes (SPEC).
pub mod exit {
    pub const ALLOW: u8 = 0;
    pub const BLOCK: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const INTERNAL: u8 = 3;
    pub const EXEC_BLOCKED: u8 = 77;
}

const ABOUT: &str = "Keeps customer lists and secrets inside the places they may live";
const LONG_ABOUT: &str = "leakguard enforces YAML policies such as \"customer lists never leave role-scoped stores\" \
at every moment data leaves: git commit, git push, server-side receive, admin exports and uploads. \
The built-in pack (customer lists, secrets, bulk PII) is the base every policy file builds on; \
`leakguard init` sets up a team, `leakguard policy show` prints the policy in force.";
const EXAMPLES: &str = "Examples:
  leakguard scan .                       scan the working directory with the policy in force
  leakguard scan --format json exports/  one JSON object on stdout
  leakguard init --approver carol@corp.test=carol.pub --approver dave@corp.test=dave.pub
  leakguard policy check                 validate leakguard.yaml / .leakguard/*.yaml
  leakguard policy explain customer-lists-stay-in-stores

Exit codes: 0 allowed, 1 blocked by policy, 2 usage or policy error, 77 exec blocked,
3 internal error — and a hook (or `install`) run outside a git repository: hooks fail closed.";

#[derive(Debug, Parser)]
#[command(name = "leakguard", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Policy file or directory instead of the repository's `.leakguard/` (repeatable: each
    /// is a layer on top of the built-in pack, later ones replacing earlier items by id;
    /// `builtin` names the pack).
    #[arg(long, global = true, value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Show sensitive values in full (never the default).
    #[arg(long, global = true)]
    pub no_redact: bool,
    /// Only blocking findings and the summary.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Colour: auto honours NO_COLOR and whether stdout is a terminal.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Structured logs (logfmt) on stderr of what leakguard reads and decides: -v for
    /// the steps, -vv for details. Never sensitive values.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The most detailed logs on stderr (same as -vv).
    #[arg(long, global = true)]
    pub debug: bool,
    /// Scanning threads (default: the CPUs this process may run on — affinity mask and
    /// cgroup quota; also `$LEAKGUARD_THREADS`). Output does not depend on it.
    #[arg(long, short = 'j', global = true, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default `.`) with the policy in force.
    #[command(
        after_help = "Examples:\n  leakguard scan .\n  leakguard scan exports/ --format sarif > leakguard.sarif\n  leakguard scan . --write-baseline .leakguard/baseline.json\n  leakguard scan . --baseline .leakguard/baseline.json"
    )]
    Scan(scan::ScanArgs),
    /// Git hook protocols: reads what git passes (args, stdin, env).
    #[command(subcommand)]
    Hook(hook::HookCmd),
    /// Install hook shims (honours core.hooksPath, chains an existing hook).
    Install(install::InstallArgs),
    /// Remove the shims and restore what was there.
    Uninstall,
    /// Run an admin export or upload command under policy.
    Exec(exec::ExecArgs),
    /// Two-person approvals: request, sign, verify, list.
    #[command(subcommand)]
    Approval(approval::ApprovalCmd),
    /// Validate, show, test and explain policies; print their JSON Schema.
    #[command(subcommand)]
    Policy(policy_cmd::PolicyCmd),
    /// Exact-data-match sets (keyed hashes, never plaintext).
    #[command(subcommand)]
    Fingerprint(fingerprint::FingerprintCmd),
    /// The hash-chained decision log.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Show the actor and their roles.
    Whoami,
    /// Set up a team: `.leakguard/` with a policy on top of the built-in pack, the
    /// approvers' keys and the store's paths (non-interactive, idempotent).
    Init(init::InitArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  leakguard completions bash > ~/.local/share/bash-completion/completions/leakguard\n  leakguard completions zsh > ~/.zfunc/_leakguard\n  leakguard completions fish > ~/.config/fish/completions/leakguard.fish"
    )]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Internals for tests (hidden): `debug staged` lists the staged blobs.
    #[command(subcommand, hide = true)]
    Debug(debug::DebugCmd),
    /// Print the man page (roff) of leakguard and its subcommands.
    #[command(
        after_help = "Examples:\n  leakguard man | man -l -\n  leakguard man > /usr/local/share/man/man1/leakguard.1"
    )]
    Man,
}

/// Parses the command line and runs it; the process exit code.
pub fn main() -> ExitCode {
    use clap::FromArgMatches;
    let mut name = String::new();
    let cli = match command().try_get_matches().and_then(|m| {
        name = m.subcommand_name().unwrap_or_default().to_string();
        Cli::from_arg_matches(&m)
    }) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { exit::ALLOW };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    crate::report::log::set_level(if cli.global.debug { 2 } else { cli.global.verbose });
    crate::report::log::info(
        "start",
        &[("command", &name), ("version", &env!("CARGO_PKG_VERSION")), ("pid", &std::process::id())],
    );
    let pool = crate::threads::init(cli.global.threads);
    crate::report::log::debug(
        "threads",
        &[("threads", &pool.threads), ("available", &pool.available), ("source", &pool.source)],
    );
    let code = match cli.command {
        Command::Scan(a) => scan::run(&cli.global, a),
        Command::Policy(c) => policy_cmd::run(&cli.global, c),
        Command::Hook(c) => hook::run(&cli.global, c),
        Command::Install(a) => install::install(&cli.global, a),
        Command::Uninstall => install::uninstall(&cli.global),
        Command::Exec(a) => exec::run(&cli.global, a),
        Command::Approval(c) => approval::run(&cli.global, c),
        Command::Fingerprint(c) => fingerprint::run(&cli.global, c),
        Command::Audit(c) => audit::run(&cli.global, c),
        Command::Whoami => exec::whoami(&cli.global),
        Command::Init(a) => init::run(&cli.global, a),
        Command::Completions { shell } => {
            let mut cmd = command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "leakguard", &mut buf);
            match crate::report::to_stdout(|w| w.write_all(&buf)) {
                Ok(()) => exit::ALLOW,
                Err(_) => exit::INTERNAL,
            }
        }
        Command::Man => man(),
        Command::Debug(c) => debug::run(c),
    };
    ExitCode::from(code)
}

impl Global {
    /// Rendering style for human output on stdout.
    pub fn style(&self) -> Style {
        let color = match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
        };
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
        Style { color, width, quiet: self.quiet }
    }

    /// The repository (or working directory) we run in, and its policy.
    pub fn load_here(&self) -> Result<(PathBuf, Policy), u8> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let root = find_root(&cwd);
        let policy = self.load_policy(&root)?;
        Ok((root, policy))
    }

    /// What the command line says about policies for a root. Faces that run outside
    /// repositories add the system and user layers:
    /// `g.policy_args(&root).with_system_and_user()` then [`Global::load_policy_from`].
    pub fn policy_args(&self, root: &Path) -> PolicyArgs {
        PolicyArgs { paths: self.policy.clone(), root: root.to_path_buf(), ..Default::default() }
    }

    /// Loads the policy in force for a root; on failure prints every diagnostic.
    pub fn load_policy(&self, root: &Path) -> Result<Policy, u8> {
        self.load_policy_from(&self.policy_args(root), root)
    }

    /// The policy of a server hook: `--policy` (recorded in the hook at install time) or
    /// the files in the git directory `git_dir` — never `$LEAKGUARD_POLICY` (a local
    /// push carries the pusher's environment) nor a work tree the push updates.
    pub fn load_server_policy(&self, git_dir: &Path) -> Result<Policy, u8> {
        let args = PolicyArgs { ignore_env: true, ..self.policy_args(git_dir) };
        self.load_policy_from(&args, git_dir)
    }

    /// Loads the policy `args` describe; on failure prints every diagnostic.
    pub fn load_policy_from(&self, args: &PolicyArgs, root: &Path) -> Result<Policy, u8> {
        let p = policy::load(args).map_err(|e| {
            print_reports(self, e.reports());
            exit::USAGE
        })?;
        if crate::report::log::enabled(1) {
            let files: Vec<&str> = p.sources.iter().map(|s| s.name.as_str()).collect();
            let mut layers: Vec<&str> = p.sources.iter().map(|s| s.kind.name()).collect();
            layers.dedup();
            crate::report::log::info(
                "policy.loaded",
                &[
                    ("root", &root.display()),
                    ("layers", &layers.join(",")),
                    ("files", &files.join(",")),
                    ("classes", &p.classes.len()),
                    ("rules", &p.rules.len()),
                    ("replaced", &p.replaced.len()),
                    ("digest", &p.digest),
                ],
            );
            for (k, v) in &p.replaced {
                let from: Vec<String> = v.iter().map(|o| p.origin_str(*o)).collect();
                crate::report::log::debug("policy.replaced", &[("item", k), ("was", &from.join(","))]);
            }
        }
        Ok(p)
    }
}

/// The command line as parsed, completed and documented: the derive types plus the help
/// of the git hook arguments (kept here so that `cli/hook.rs` stays git's protocol only).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command().mut_subcommand("hook", |h| {
        h.mut_subcommand("pre-commit", |c| {
            c.mut_arg("files", |a| {
                a.value_name("FILE")
                    .help("Staged paths to judge (the pre-commit framework passes them); none: every staged change")
            })
        })
        .mut_subcommand("pre-push", |c| {
            c.mut_arg("remote", |a| a.value_name("REMOTE").help("Name of the remote pushed to (git passes it)"))
                .mut_arg("url", |a| a.value_name("URL").help("URL of the remote pushed to (git passes it)"))
        })
    })
}

/// `leakguard man`: the page of leakguard, then one section per subcommand.
fn man() -> u8 {
    let cmd = command();
    let mut buf = Vec::new();
    let mut ok = clap_mangen::Man::new(cmd.clone()).render(&mut buf).is_ok();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        // clap names are `&'static str`; the page is printed once and the process ends.
        let name: &'static str = Box::leak(format!("leakguard-{}", sub.get_name()).into_boxed_str());
        let sub = sub.clone().name(name).bin_name(name);
        ok &= clap_mangen::Man::new(sub).render(&mut buf).is_ok();
    }
    match crate::report::to_stdout(|w| w.write_all(&buf)) {
        Ok(()) if ok => exit::ALLOW,
        _ => exit::INTERNAL,
    }
}

/// Prints diagnostics on stderr with the fixed-width miette handler.
pub fn print_reports(g: &Global, reports: Vec<miette::Report>) {
    let mut style = g.style();
    style.color = match g.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal(),
    };
    let handler = crate::report::human::handler(&style);
    let mut out = String::new();
    for r in &reports {
        let _ = handler.render_report(&mut out, r.as_ref());
    }
    if reports.len() > 1 {
        out.push_str(&format!("{} problems\n", reports.len()));
    }
    eprint!("{out}");
}

/// The repository root above `start` (a directory holding `.git`), else `start`.
pub fn find_root(start: &Path) -> PathBuf {
    let abs = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if abs.is_dir() { abs.clone() } else { abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone()) };
    loop {
        if dir.join(".git").exists() {
            return dir;
        }
        if !dir.pop() {
            return if abs.is_dir() { abs } else { abs.parent().map(Path::to_path_buf).unwrap_or(abs) };
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every argument of every subcommand says what it is for.
    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if a.is_hide_set() || id == "help" || id == "version" {
                    continue;
                }
                if a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for s in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                if s.get_about().is_none() && s.get_name() != "help" {
                    missing.push(format!("{path} {} (no about)", s.get_name()));
                }
                walk(s, &format!("{path} {}", s.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::command(), "leakguard", &mut missing);
        assert!(missing.is_empty(), "arguments without help:\n{}", missing.join("\n"));
    }
}
