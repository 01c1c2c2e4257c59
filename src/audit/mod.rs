//! The hash-chained audit log (issue #4).
