//! Integration tests: audit.
#[allow(unused_imports)] use crate::util::*;
