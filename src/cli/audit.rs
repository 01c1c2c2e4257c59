//! `leakguard audit verify|show` (issue #4).

use clap::Subcommand;

use super::{exit, Global};

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the hash chain of the audit log.
    Verify,
    /// Print the audit log readably.
    Show,
}

pub fn run(_g: &Global, _cmd: AuditCmd) -> u8 {
    eprintln!("leakguard: the audit log is not implemented yet");
    exit::INTERNAL
}
