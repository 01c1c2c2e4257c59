//! The allowed_signers parser: any text gives signers and per-line problems, never a panic.
#![no_main]

use leakguard::approval::signers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (ok, bad) = signers::parse(&text);
    for s in &ok {
        assert!(s.line >= 1);
        for p in &s.principals {
            let _ = signers::pattern_match(p, "carol@corp.test");
        }
    }
    for (line, _) in &bad {
        assert!(*line >= 1);
    }
});
