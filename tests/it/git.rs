//! Integration tests: git.
#[allow(unused_imports)] use crate::util::*;
