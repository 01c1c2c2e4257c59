//! `leakguard approval request|sign|verify|list` (issue #4).

use clap::Subcommand;

use super::{exit, Global};

#[derive(Debug, Subcommand)]
pub enum ApprovalCmd {
    /// Create a request for a blocked step.
    Request,
    /// Sign a request with an SSH key.
    Sign,
    /// Verify the approvals of a request.
    Verify,
    /// List requests and their approvals.
    List,
}

pub fn run(_g: &Global, _cmd: ApprovalCmd) -> u8 {
    eprintln!("leakguard: approvals are not implemented yet");
    exit::INTERNAL
}
