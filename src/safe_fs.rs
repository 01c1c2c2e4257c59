//! Reading and writing files in places content can shape (approval directories that
//! travel in a repository, request directories) without following what content points
//! at: no symlink is followed, nothing is read without a bound, a file is never
//! written through an existing name.
//!
//! Owns [`read_bounded`] and [`write_file`]. Imports nothing of the crate.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The bytes of a regular file at `path`, at most `max` of them: `None` when it is a
/// symlink, not a regular file (a FIFO, a device), larger than `max`, or unreadable.
pub fn read_bounded(path: &Path, max: u64) -> Option<Vec<u8>> {
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    let meta = f.metadata().ok()?;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    f.take(max + 1).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 <= max).then_some(buf)
}

/// Refuses a directory chain that content may have planted symlinks in: `dir` and its
/// `levels` nearest ancestors must be real directories (not symlinks) where they exist.
pub fn check_no_symlinks(dir: &Path, levels: usize) -> std::io::Result<()> {
    let mut p: Option<&Path> = Some(dir);
    for _ in 0..=levels {
        let Some(d) = p else { break };
        if let Ok(m) = std::fs::symlink_metadata(d) {
            if m.file_type().is_symlink() || !m.is_dir() {
                return Err(std::io::Error::other(format!(
                    "{} is a symlink or not a directory: not written through",
                    d.display()
                )));
            }
        }
        p = d.parent();
    }
    Ok(())
}

/// Writes `bytes` as `dir/name`: into a new file created with `O_EXCL|O_NOFOLLOW`
/// beside it, then renamed over the name (a symlink there is replaced, never followed).
/// `dir` and `levels` of its ancestors must not be symlinks ([`check_no_symlinks`]).
pub fn write_file(dir: &Path, name: &str, bytes: &[u8], levels: usize) -> std::io::Result<PathBuf> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." || name.contains('\0') {
        return Err(std::io::Error::other(format!("{name:?} is not a plain file name")));
    }
    check_no_symlinks(dir, levels)?;
    std::fs::create_dir_all(dir)?;
    check_no_symlinks(dir, levels)?;
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = dir.join(format!(".{name}.{}.tmp", u64::from_le_bytes(nonce)));
    let mut f: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&tmp)?;
    let done = f.write_all(bytes).and_then(|_| f.sync_all()).and_then(|_| std::fs::rename(&tmp, dir.join(name)));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done.map(|_| dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_are_neither_read_nor_written_through() {
        let d = tempfile::tempdir().expect("tmp");
        let outside = d.path().join("outside");
        std::fs::write(&outside, b"keep").expect("write");
        let dir = d.path().join("approvals");
        std::fs::create_dir(&dir).expect("mkdir");
        std::os::unix::fs::symlink(&outside, dir.join("a.sig")).expect("symlink");
        assert!(read_bounded(&dir.join("a.sig"), 100).is_none());
        write_file(&dir, "a.sig", b"new", 1).expect("written beside");
        assert_eq!(std::fs::read(&outside).expect("read"), b"keep");
        assert_eq!(std::fs::read(dir.join("a.sig")).expect("read"), b"new");
        std::os::unix::fs::symlink("/dev/zero", dir.join("z.sig")).expect("symlink");
        assert!(read_bounded(&dir.join("z.sig"), 100).is_none());
        let linked = d.path().join("linked");
        std::os::unix::fs::symlink(d.path(), &linked).expect("symlink");
        assert!(write_file(&linked.join("x"), "a.sig", b"no", 1).is_err());
        std::fs::write(dir.join("big.sig"), vec![b'x'; 200]).expect("write");
        assert!(read_bounded(&dir.join("big.sig"), 100).is_none());
    }
}
