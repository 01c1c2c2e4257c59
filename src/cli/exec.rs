//! `leakguard exec [--action NAME] [--reason TEXT] -- CMD [ARG...]` and `leakguard whoami`.
//!
//! Exit: the wrapped command's status, or 77 when policy blocks the step (role,
//! upload of a protected file, export to a place its class may not live, an output
//! leakguard cannot locate). The decisions live in `exec::flow`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{exit, Global};
use crate::exec::flow;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  leakguard exec --action export-customers -- psql -c \"\\copy customers to '/srv/exports/customers/q3.csv' csv header\"\n  leakguard exec -- curl -T q3.csv https://uploads.example/        # finds the matching action\n  leakguard exec --reason \"ticket 4711\" -- aws s3 cp q3.csv s3://partner-drop/\n\nExit: the command's own status, or 77 when blocked."
)]
pub struct ExecArgs {
    /// Action of the policy this command is (default: the first whose argv pattern matches).
    #[arg(long)]
    pub action: Option<String>,
    /// Why: written into the approval request a blocked step prints.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
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

/// The policy exec reads — the system and user layers, then `--policy`, else
/// `$LEAKGUARD_POLICY`, else the repository's (`PolicyArgs::with_system_and_user`) —
/// and the repository root.
fn load(g: &Global) -> Result<(PathBuf, crate::policy::Policy), u8> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = super::find_root(&cwd);
    let args = g.policy_args(&root).with_system_and_user();
    match crate::policy::load(&args) {
        Ok(p) => Ok((root, p)),
        Err(e) => {
            super::print_reports(g, e.reports());
            Err(exit::USAGE)
        }
    }
}

pub fn run(g: &Global, a: ExecArgs) -> u8 {
    let (root, policy) = match load(g) {
        Ok(x) => x,
        Err(c) => return c,
    };
    if let Some(r) = &a.reason {
        // Read by approval::apply when it writes the request file.
        std::env::set_var("LEAKGUARD_REASON", r);
    }
    let cx = flow::Ctx {
        policy: &policy,
        actor: current_actor(Some(&root)),
        style: g.style(),
        redact: !g.no_redact,
        approvals: a.approvals,
        requests: a.requests,
        reason: a.reason.clone(),
    };
    flow::run(&cx, a.action.as_deref(), &a.command)
}

/// `$XDG_STATE_HOME/leakguard` (or `~/.local/state/leakguard`); without either, a
/// per-user directory under the runtime directory is named (never created here).
pub(crate) fn state_dir() -> PathBuf {
    flow::user_state().unwrap_or_else(|| {
        std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(format!("/run/user/{}", crate::exec::stage::euid())))
            .join("leakguard")
    })
}

/// `$LEAKGUARD_ACTOR`, else git `user.email`, else the OS user.
pub fn current_actor(repo: Option<&Path>) -> String {
    crate::approval::actor(repo)
}

pub fn whoami(g: &Global) -> u8 {
    let (root, policy) = match load(g) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let actor = current_actor(Some(&root));
    let roles = policy.roles_of(&actor);
    println!("actor: {actor}");
    println!("roles: {}", if roles.is_empty() { "none".to_string() } else { roles.join(", ") });
    exit::ALLOW
}
