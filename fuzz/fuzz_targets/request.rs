//! Request parsing and signature reading: any bytes give a request or an error.
#![no_main]

use leakguard::approval::Request;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Request::parse(data) {
        assert!(r.id.starts_with("lgr1-"));
        let _ = r.requester();
    }
    let _ = ssh_key_from(data);
});

fn ssh_key_from(data: &[u8]) -> bool {
    leakguard::approval::parse_signature(data).is_ok()
}
