//! `leakguard fingerprint add|list` (issue #5).

use clap::Subcommand;

use super::{exit, Global};

#[derive(Debug, Subcommand)]
pub enum FingerprintCmd {
    /// Register the values of a file's columns.
    Add,
    /// List fingerprint sets.
    List,
}

pub fn run(_g: &Global, _cmd: FingerprintCmd) -> u8 {
    eprintln!("leakguard: fingerprints are not implemented yet");
    exit::INTERNAL
}
