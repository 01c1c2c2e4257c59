//! Git sources (issue #3): staged blobs, pushed and received commits, history.
