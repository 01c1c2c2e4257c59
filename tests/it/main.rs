//! One integration-test binary: every test drives the real `leakguard` binary
//! (and the real `git`, `ssh-keygen`, pre-commit) in temporary directories.

mod util;

mod approval;
mod audit;
mod corpus;
mod exec;
mod gate;
mod git;
mod history;
mod policy;
mod scan;
