//! Request files, canonical JSON and signature reading: any bytes give a request or an
//! error, canonicalisation is stable, and a junk signature is refused, never a panic.
#![no_main]

use leakguard::approval::{self, jcs, Request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Request::parse(data) {
        assert!(approval::is_request_id(&r.id));
        assert_eq!(r.id, approval::request_id(&r.subject));
        let _ = (r.requester(), r.scope_kind(), r.expired());
        let _ = approval::format_time(r.expires_at);
    }
    // Canonical JSON is a fixed point: parse(canonical(v)) canonicalises to itself.
    // (Floats are left out: serde_json's default float parser may round differently
    // from the shortest-form formatter; request files hold no floats.)
    if let Some(c) = jcs::canonicalize_exact(data) {
        assert_eq!(jcs::canonicalize_exact(c.as_bytes()).as_ref(), Some(&c), "canonical JSON is a fixed point");
    }
    let _ = approval::parse_signature(data);
});
