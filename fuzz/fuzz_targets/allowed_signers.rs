//! The allowed_signers parser and principal patterns: any text gives signers and
//! per-line problems, never a panic, and matching stays fast on any pattern.
#![no_main]

use leakguard::approval::signers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (ok, bad) = signers::parse(&text);
    for s in &ok {
        assert!(s.line >= 1);
        assert!(!s.principals.is_empty());
        let _ = signers::principal_matches(&s.principals, "carol@corp.test");
        if let Some(ns) = &s.namespaces {
            for n in ns {
                let _ = signers::pattern_match(n, "leakguard-approval");
            }
        }
    }
    for (line, _) in &bad {
        assert!(*line >= 1);
    }
    // The first line as a pattern against the second as a name (linear, no blow-up).
    let mut lines = text.lines();
    if let (Some(p), Some(s)) = (lines.next(), lines.next()) {
        let _ = signers::pattern_match(p, s);
    }
});
