//! Integration tests: approval.
#[allow(unused_imports)] use crate::util::*;
