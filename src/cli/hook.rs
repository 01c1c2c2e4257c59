//! `leakguard hook pre-commit|pre-push|pre-receive`: git hook protocols (issue #3).

use clap::Subcommand;

use super::{exit, Global};

#[derive(Debug, Subcommand)]
pub enum HookCmd {
    /// Scan the staged blobs (index vs HEAD).
    PreCommit,
    /// Scan the commits being pushed (reads git's stdin lines).
    PrePush { remote: String, url: String },
    /// Server side: scan received commits (reads `old new ref` lines).
    PreReceive,
}

pub fn run(_g: &Global, _cmd: HookCmd) -> u8 {
    eprintln!("leakguard: git hooks are not implemented yet; failing closed");
    exit::INTERNAL
}
