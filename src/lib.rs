//! leakguard: keeps sensitive bulk data — customer lists first, secrets too —
//! inside the places it is allowed to live.
//!
//! Data flow: `source` (files, git objects, exec output) → `detect` (classes) →
//! `engine` (rules × stores → findings) → approval → `report` (human, JSON, SARIF).
//! See ARCHITECTURE.md.

pub use miette;

pub mod approval;
pub mod audit;
pub mod cli;
pub mod code;
pub mod detect;
pub mod engine;
pub mod exec;
pub mod fingerprint;
pub mod policy;
pub mod report;
pub mod safe_fs;
pub mod source;
pub mod text;
pub mod threads;
