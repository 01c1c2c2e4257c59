//! One integration-test binary: every test drives the real `leakguard` binary
//! (and the real `git`, `ssh-keygen`, pre-commit) in temporary directories.

mod util;

mod approval;
mod audit;
mod corpus;
mod decoders;
mod determinism;
mod exec;
mod exec_pg;
mod exec_store;
mod exec_system;
mod exec_upload;
mod exec_users;
mod fields;
mod first_hour;
mod gate;
mod git;
mod history;
mod policy;
mod precommit;
mod scan;
mod staged;
mod transport;
mod union;
mod wheel;
