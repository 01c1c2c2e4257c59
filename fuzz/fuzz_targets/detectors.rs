//! Detectors: bytes in, findings out, through the built-in pack and the engine.
#![no_main]

use std::sync::LazyLock;

use leakguard::engine::{Engine, ItemMeta};
use leakguard::policy::{load, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: LazyLock<Policy> =
    LazyLock::new(|| load::from_sources(load::builtin()).unwrap_or_else(|_| panic!("the built-in pack is valid")));

fuzz_target!(|data: &[u8]| {
    let engine = Engine::new(&POLICY, Default::default());
    let meta = ItemMeta { path: "fuzz.bin".into(), ..Default::default() };
    let scan = engine.scanner.scan_bytes("fuzz.bin", data);
    let findings = engine.judge(&meta, &scan);
    for f in &findings {
        assert!(f.line > 0 || f.rule == "unscannable" || f.snippet.is_some());
    }
});
