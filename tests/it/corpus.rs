//! Integration tests: corpus.
#[allow(unused_imports)] use crate::util::*;
