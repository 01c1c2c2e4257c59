//! Structured logs on stderr for `-v` / `--debug`: one logfmt line per event
//! (`level=debug elapsed_ms=3 event=policy.loaded sources=4 rules=3`), never a sensitive
//! value (callers log counts, ids, paths and digests only).
//!
//! Owns the log level and the line format. Must not import git2.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// 0 off, 1 info (`-v`), 2 debug (`-vv` or `--debug`).
static LEVEL: AtomicU8 = AtomicU8::new(0);
static START: OnceLock<Instant> = OnceLock::new();

pub fn set_level(level: u8) {
    START.get_or_init(Instant::now);
    LEVEL.store(level.min(2), Ordering::Relaxed);
}

pub fn enabled(level: u8) -> bool {
    LEVEL.load(Ordering::Relaxed) >= level
}

/// Logs `event` with `fields` at `level` (1 info, 2 debug).
pub fn event(level: u8, event: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    if !enabled(level) {
        return;
    }
    let ms = START.get_or_init(Instant::now).elapsed().as_millis();
    let mut line = format!("level={} elapsed_ms={ms} event={event}", if level >= 2 { "debug" } else { "info" });
    for (k, v) in fields {
        let v = v.to_string();
        if v.is_empty() || v.contains([' ', '"', '=']) {
            line.push_str(&format!(" {k}={v:?}"));
        } else {
            line.push_str(&format!(" {k}={v}"));
        }
    }
    eprintln!("{line}");
}

/// `log::info("event", &[("key", &value), …])`.
pub fn info(ev: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    event(1, ev, fields);
}

pub fn debug(ev: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    event(2, ev, fields);
}
