//! `leakguard exec --action NAME -- CMD [ARG...]` and `whoami` (issue #5).

use clap::Args;

use super::{exit, Global};

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Action of the policy this command is (default: found by matching argv).
    #[arg(long)]
    pub action: Option<String>,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub command: Vec<String>,
}

pub fn run(_g: &Global, _a: ExecArgs) -> u8 {
    eprintln!("leakguard: exec is not implemented yet; refusing to run the command");
    exit::EXEC_BLOCKED
}

pub fn whoami(_g: &Global) -> u8 {
    eprintln!("leakguard: whoami is not implemented yet");
    exit::INTERNAL
}
