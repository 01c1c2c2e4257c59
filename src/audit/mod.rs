//! The audit log: JSON lines, hash-chained. Each entry carries `seq`, `prev` (the
//! previous entry's `hash`, 64 zeros for the first) and `hash` = SHA-256 of the entry's
//! canonical JSON without `hash`. Appends take an exclusive lock and use `O_APPEND`, so
//! concurrent writers lose nothing. Entries hold ids, rules and digests — never a
//! sensitive value. `verify` names the first edited, reordered, inserted or removed line.
//!
//! Lines and hashes use RFC 8785 canonical JSON ([`crate::approval::jcs`]).
//!
//! Signed checkpoints ([`checkpoint`]) pin a prefix of the log against someone who can
//! rewrite it and recompute the chain.
//!
//! Owns the log format. Must not import git2.

pub mod checkpoint;

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::approval::jcs::canonical;
use crate::detect::hex;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One decision to record.
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// `block`, `allow-override`, `approval-rejected`, `approval-consumed`, `break-glass`, `exec-allow`, `exec-block`
    /// (`checkpoint` entries are written by [`checkpoint::append`] only).
    pub kind: String,
    pub actor: String,
    pub request: Option<String>,
    pub rules: Vec<String>,
    pub digests: Vec<String>,
    pub destination: String,
    pub detail: String,
}

/// Appends an event under an exclusive lock; returns its hash.
pub fn append(path: &Path, ev: &Event) -> std::io::Result<String> {
    locked(path, |f| append_locked(f, ev))
}

/// Appends `ev` unless an event of `kind` for request `id` is already in the log; the
/// check and the append happen under one lock. `Ok(true)` when appended (first use).
pub fn append_once(path: &Path, kind: &str, id: &str, ev: &Event) -> std::io::Result<bool> {
    locked(path, |f| {
        f.seek(SeekFrom::Start(0))?;
        let mut text = String::new();
        f.read_to_string(&mut text)?;
        if names_event(&text, kind, id) {
            return Ok(false);
        }
        append_locked(f, ev).map(|_| true)
    })
}

/// Runs `op` on the log opened for append (`O_APPEND`) under an exclusive lock.
fn locked<T>(path: &Path, op: impl FnOnce(&mut std::fs::File) -> std::io::Result<T>) -> std::io::Result<T> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = OpenOptions::new().create(true).read(true).append(true).open(path)?;
    f.lock()?;
    let r = op(&mut f);
    let _ = f.unlock();
    r
}

fn append_locked(f: &mut std::fs::File, ev: &Event) -> std::io::Result<String> {
    append_entry(f, ev, Map::new())
}

/// Appends `ev` with `extra` fields (hashed like the rest) to the locked log.
fn append_entry(f: &mut std::fs::File, ev: &Event, extra: Map<String, Value>) -> std::io::Result<String> {
    let (seq, prev) = last(f)?;
    let mut entry = Map::new();
    entry.insert("seq".into(), json!(seq));
    entry.insert("ts".into(), json!(now_rfc3339()));
    entry.insert("event".into(), json!(ev.kind));
    entry.insert("actor".into(), json!(ev.actor));
    if let Some(r) = &ev.request {
        entry.insert("request".into(), json!(r));
    }
    entry.insert("rules".into(), json!(ev.rules));
    entry.insert("digests".into(), json!(ev.digests));
    entry.insert("destination".into(), json!(ev.destination));
    entry.insert("detail".into(), json!(ev.detail));
    entry.extend(extra);
    entry.insert("prev".into(), json!(prev));
    let hash = entry_hash(&entry);
    entry.insert("hash".into(), json!(hash));
    let mut line = canonical(&Value::Object(entry));
    line.push('\n');
    f.write_all(line.as_bytes())?;
    f.flush()?;
    Ok(hash)
}

/// Sequence number and hash to chain onto: read from the end of the file.
fn last(f: &mut std::fs::File) -> std::io::Result<(u64, String)> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((1, GENESIS.into()));
    }
    // Read back from the end until the last line is whole (entries are small).
    let mut back = len.min(8 << 10);
    let text = loop {
        f.seek(SeekFrom::Start(len - back))?;
        let mut buf = Vec::with_capacity(back as usize);
        f.take(back).read_to_end(&mut buf)?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        if back == len || text.trim_end().contains('\n') {
            break text;
        }
        back = len.min(back * 4);
    };
    let line = text.trim_end().rsplit('\n').next().unwrap_or("");
    let v: Value =
        serde_json::from_str(line).map_err(|e| std::io::Error::other(format!("audit log tail is not JSON: {e}")))?;
    let seq = v["seq"].as_u64().unwrap_or(0) + 1;
    let hash = v["hash"].as_str().unwrap_or(GENESIS).to_string();
    Ok((seq, hash))
}

/// SHA-256 over the canonical JSON of an entry without its `hash`.
pub fn entry_hash(entry: &Map<String, Value>) -> String {
    let mut e = entry.clone();
    e.remove("hash");
    hex(&Sha256::digest(canonical(&Value::Object(e)).as_bytes()))
}

/// The first problem in a log, if any: (1-based line, reason).
pub fn verify(text: &str) -> Result<usize, (usize, String)> {
    let mut prev = GENESIS.to_string();
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let no = i + 1;
        let v: Value = serde_json::from_str(line).map_err(|e| (no, format!("not a JSON entry: {e}")))?;
        let Some(obj) = v.as_object() else { return Err((no, "not a JSON object".into())) };
        let seq = obj.get("seq").and_then(Value::as_u64).unwrap_or(0);
        if seq != no as u64 {
            return Err((no, format!("sequence {seq} where {no} was expected (line inserted, removed or reordered)")));
        }
        if obj.get("prev").and_then(Value::as_str) != Some(prev.as_str()) {
            return Err((no, "does not chain onto the previous entry (line inserted, removed or reordered)".into()));
        }
        let stored = obj.get("hash").and_then(Value::as_str).unwrap_or("").to_string();
        if entry_hash(obj) != stored {
            return Err((no, "content does not match its hash (entry edited)".into()));
        }
        prev = stored;
        n = no;
    }
    Ok(n)
}

/// The `hash` of the last entry (the head to anchor elsewhere), or the genesis hash.
pub fn head(text: &str) -> String {
    text.lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok()?.get("hash")?.as_str().map(str::to_string))
        .unwrap_or_else(|| GENESIS.to_string())
}

/// The 1-based line of the entry whose hash is `hash`, if the log holds it.
pub fn find_hash(text: &str, hash: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            serde_json::from_str::<Value>(l).ok().and_then(|v| v.get("hash")?.as_str().map(|h| h == hash)) == Some(true)
        })
        .map(|i| i + 1)
}

/// Whether an event of `kind` names request `id` (single-use approvals).
pub fn has_event(path: &Path, kind: &str, id: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| names_event(&t, kind, id))
}

fn names_event(text: &str, kind: &str, id: &str) -> bool {
    text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).any(|v| v["event"] == kind && v["request"] == id)
}

/// Now as RFC 3339 (UTC, seconds).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_and_tamper() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("a.jsonl");
        for i in 0..3 {
            append(&p, &Event { kind: "block".into(), actor: format!("actor-{i}@corp.test"), ..Default::default() })
                .expect("append");
        }
        let text = std::fs::read_to_string(&p).expect("read");
        assert_eq!(verify(&text), Ok(3));
        let edited = text.replacen("actor-1@corp.test", "mallory@corp.test", 1);
        assert_eq!(verify(&edited).map_err(|e| e.0), Err(2));
        let lines: Vec<&str> = text.lines().collect();
        let removed = format!("{}\n{}\n", lines[0], lines[2]);
        assert_eq!(verify(&removed).map_err(|e| e.0), Err(2));
        let ev = Event { kind: "approval-consumed".into(), request: Some("lgr1-x".into()), ..Default::default() };
        assert_eq!(append_once(&p, "approval-consumed", "lgr1-x", &ev).ok(), Some(true));
        assert_eq!(append_once(&p, "approval-consumed", "lgr1-x", &ev).ok(), Some(false));
        assert_eq!(verify(&std::fs::read_to_string(&p).expect("read")), Ok(4));
    }
}
