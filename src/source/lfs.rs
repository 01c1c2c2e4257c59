//! Git LFS pointers: a committed pointer file stands for content kept outside git.
//! When that content is in the local LFS store (`<git common dir>/lfs/objects`) it is
//! what a push really sends, so it is judged; when it is not, nothing about it is known
//! and it is reported unscannable (never skipped silently).
//!
//! Owns recognising a pointer and finding its object. Must not import git2 (callers
//! pass the git directory).

use std::path::{Path, PathBuf};

/// The largest pointer file (the spec keeps them under 1024 bytes).
const MAX_POINTER: usize = 1024;

/// An LFS pointer: the object's sha256 (64 lower-case hex digits) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    pub oid: String,
    pub size: u64,
}

/// `data` read as an LFS pointer (`version https://git-lfs.github.com/spec/v1`, `oid
/// sha256:<hex>`, `size <n>`), if it is one.
pub fn pointer(data: &[u8]) -> Option<Pointer> {
    if data.len() > MAX_POINTER || !data.starts_with(b"version https://git-lfs.github.com/spec/") {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    let mut oid = None;
    let mut size = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("oid sha256:") {
            if h.len() == 64 && h.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
                oid = Some(h.to_string());
            }
        } else if let Some(n) = line.strip_prefix("size ") {
            size = n.trim().parse().ok();
        }
    }
    Some(Pointer { oid: oid?, size: size? })
}

/// Where the object of `p` lives in the local LFS store of `common_dir` (the git
/// common directory), whether or not it is there.
pub fn object_path(common_dir: &Path, p: &Pointer) -> PathBuf {
    common_dir.join("lfs/objects").join(&p.oid[..2]).join(&p.oid[2..4]).join(&p.oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_recognised_strictly() {
        let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
        let p = format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 12345\n");
        assert_eq!(pointer(p.as_bytes()), Some(Pointer { oid: oid.into(), size: 12345 }));
        assert_eq!(
            object_path(Path::new("/g"), &pointer(p.as_bytes()).unwrap()),
            Path::new(&format!("/g/lfs/objects/4d/7a/{oid}"))
        );
        assert!(pointer(b"version https://git-lfs.github.com/spec/v1\noid sha256:../../x\nsize 1\n").is_none());
        assert!(pointer(b"hello").is_none());
    }
}
