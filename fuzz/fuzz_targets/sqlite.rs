//! SQLite databases: any bytes after the SQLite header go through the file-format
//! reader (src/detect/decode/sqlite.rs) and the detectors; problems, never panics.
#![no_main]

use std::sync::LazyLock;

use leakguard::engine::Engine;
use leakguard::policy::{load, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: LazyLock<Policy> =
    LazyLock::new(|| load::from_sources(load::builtin()).unwrap_or_else(|_| panic!("the built-in pack is valid")));

fuzz_target!(|data: &[u8]| {
    let engine = Engine::new(&POLICY, Default::default());
    let mut db = b"SQLite format 3\0".to_vec();
    db.extend_from_slice(data.strip_prefix(b"SQLite format 3\0").unwrap_or(data));
    let _ = engine.scanner.scan_bytes("fuzz.sqlite", &db);
});
