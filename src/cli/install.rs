//! `leakguard install` / `uninstall`: hook shims (issue #3).

use clap::Args;

use super::{exit, Global};

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Hook to install (repeatable; default pre-commit and pre-push).
    #[arg(long = "hook", value_name = "NAME")]
    pub hooks: Vec<String>,
}

pub fn install(_g: &Global, _a: InstallArgs) -> u8 {
    eprintln!("leakguard: install is not implemented yet");
    exit::INTERNAL
}

pub fn uninstall(_g: &Global) -> u8 {
    eprintln!("leakguard: uninstall is not implemented yet");
    exit::INTERNAL
}
