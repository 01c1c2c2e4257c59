//! `leakguard debug staged [PATHS]` (hidden): the staged blobs exactly as the
//! pre-commit hook lists them, for tests that compare them with `git diff --cached` in
//! every index shape (`-vv` says which way they were listed). Logic in `source::git`.

use clap::Subcommand;

use super::exit;
use crate::source::git;

#[derive(Debug, Subcommand)]
pub enum DebugCmd {
    /// The staged blobs (index vs HEAD): `<oid> TAB <path> NUL` each, in order. With
    /// PATHS, only those paths or directories (literal, relative to the top).
    Staged { only: Vec<String> },
}

pub fn run(cmd: DebugCmd) -> u8 {
    let DebugCmd::Staged { only } = cmd;
    let listed = git::open().and_then(|repo| {
        git::StagedQuery::start(&repo, &only).finish(&repo).map_err(|e| format!("git: {}", e.message()))
    });
    let items = match listed {
        Ok(items) => items,
        Err(e) => {
            eprintln!("leakguard: {e}");
            return exit::INTERNAL;
        }
    };
    let written = crate::report::to_stdout(|w| items.iter().try_for_each(|i| write!(w, "{}\t{}\0", i.oid, i.path)));
    if written.is_err() {
        return exit::INTERNAL;
    }
    exit::ALLOW
}
