//! Integration tests: policy.
#[allow(unused_imports)] use crate::util::*;
