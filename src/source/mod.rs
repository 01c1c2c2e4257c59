//! Sources: what is scanned. `fs` walks files and directories; git sources
//! (staged blobs, pushed and received commits, history) live beside it.
//!
//! Owns reading content and naming it (path, blob, commit, destination); hands
//! each item to the engine. Only this module (and `cli/hook`) may touch git2.

pub mod fs;
pub mod git;
pub mod lfs;
