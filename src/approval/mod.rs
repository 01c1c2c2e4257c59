//! Two-person approvals (issue #4): requests, SSH signatures, verification.
