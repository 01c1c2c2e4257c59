//! Two-person approvals (issue #4): requests, SSH signatures, verification.
//!
//! Every face (scan, git hooks, exec) calls [`apply`] on its report after the
//! engine has judged the content: blocking findings whose rule declares an
//! `override` get a request id, a request file is written, and approvals found in
//! the given places are verified; findings they cover get `override: "valid"`.
//!
//! This file is the interface the other faces build against; the implementation
//! arrives with issue #4.

use std::path::PathBuf;

use crate::policy::Policy;
use crate::report::Report;

/// What an approval is bound to besides the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One approval covers the same content at commit, push and receive in this repository.
    Git { repo: String },
    /// An `exec` action: its argv digest and destination.
    Exec { action: String, argv_digest: String, destination: String },
}

/// Everything verification needs from the face that calls it.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub scope: Scope,
    /// The requester: `$LEAKGUARD_ACTOR`, git `user.email`, or the OS user.
    pub actor: String,
    /// Principals who may not approve besides the requester (commit author, committer).
    pub excluded: Vec<String>,
    /// Directories searched for `<request-id>/<principal>.sig` approvals.
    pub approval_dirs: Vec<PathBuf>,
    /// Approvals carried in push options (`leakguard-approval=<base64>`).
    pub push_options: Vec<String>,
    /// Where request files are written (`$GIT_DIR/leakguard/requests`), if anywhere.
    pub requests_dir: Option<PathBuf>,
    /// Audit log to append decisions to, if any.
    pub audit_log: Option<PathBuf>,
}

/// Annotates blocking findings with request ids and verified overrides.
/// Findings must carry `content_sha256` for their request to be computed.
pub fn apply(_cx: &Context, _report: &mut Report) -> std::io::Result<()> {
    Ok(())
}
