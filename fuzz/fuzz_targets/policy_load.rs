//! Policy loading: any bytes as a policy file must give a policy or diagnostics, never a panic.
#![no_main]

use leakguard::policy::{load, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let src = Source::file("fuzz.yaml", text, None);
    if let Err(e) = load::from_sources(vec![src]) {
        // Rendering the diagnostics must not panic either.
        let handler = miette_handler();
        for r in e.reports() {
            let mut s = String::new();
            let _ = handler.render_report(&mut s, r.as_ref());
        }
    }
});

fn miette_handler() -> leakguard::miette::GraphicalReportHandler {
    leakguard::report::human::handler(&leakguard::report::Style { color: false, width: 80, quiet: false })
}
