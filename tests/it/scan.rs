//! Integration tests: scan.
#[allow(unused_imports)] use crate::util::*;
