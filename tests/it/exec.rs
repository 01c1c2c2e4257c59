//! Integration tests: exec.
#[allow(unused_imports)] use crate::util::*;
