//! Private staging and moves without following links.
//!
//! The wrapped tool writes into a staging file leakguard created (0600, in a 0700
//! directory it owns under the user's state directory); after the tool exits,
//! leakguard judges the file and moves it with `renameat2(RENAME_NOREPLACE)` into a
//! directory it opened by an `O_NOFOLLOW` walk (see `store`), or, across file systems,
//! copies it into a new `O_EXCL` file there and renames that. Every failure says what
//! survived where; the staged file is removed only once its bytes are safely elsewhere.

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

fn cstr(s: &OsStr) -> std::io::Result<CString> {
    CString::new(s.as_bytes()).map_err(|_| std::io::Error::other("a path with a NUL byte"))
}

fn cvt(r: libc::c_int) -> std::io::Result<libc::c_int> {
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Opens a directory: absolute `path` with no `at`, or the entry `name` of `at`,
/// never through a symlink in the last component.
pub fn open_dir(at: Option<&OwnedFd>, name: &OsStr) -> std::io::Result<OwnedFd> {
    let c = cstr(name)?;
    let dirfd = at.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
    // SAFETY: c is a valid NUL-terminated string; the returned fd is owned below.
    let fd = cvt(unsafe {
        libc::openat(dirfd, c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
    })?;
    // SAFETY: fd was just returned by openat and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `fstat` of a descriptor.
pub fn stat_fd(fd: &impl AsRawFd) -> std::io::Result<libc::stat> {
    // SAFETY: st is plain old data written by fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    cvt(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok(st)
}

/// `fstatat(…, AT_SYMLINK_NOFOLLOW)`: `None` when the entry does not exist.
pub fn stat_at(dir: &OwnedFd, name: &OsStr) -> std::io::Result<Option<libc::stat>> {
    let c = cstr(name)?;
    // SAFETY: st is plain old data; c is NUL-terminated.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    match cvt(unsafe { libc::fstatat(dir.as_raw_fd(), c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) }) {
        Ok(_) => Ok(Some(st)),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Creates (0700) or opens a directory that must be ours and owner-only; a symlink,
/// another owner or group/other access is an error naming it.
pub fn private_dir(path: &Path) -> std::io::Result<OwnedFd> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let fd = open_dir(None, path.as_os_str())
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e} (a symlink is not accepted)", path.display())))?;
    let st = stat_fd(&fd)?;
    if st.st_uid != euid() || st.st_mode & 0o077 != 0 {
        return Err(std::io::Error::other(format!(
            "{} is not private (mode {:o}, owner uid {}); leakguard needs it owned by uid {} with mode 700",
            path.display(),
            st.st_mode & 0o777,
            st.st_uid,
            euid()
        )));
    }
    Ok(fd)
}

/// A random hex word for unique names.
pub fn nonce() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    crate::detect::hex(&b)
}

/// A staged file: `dir/name`, created 0600 in a fresh 0700 directory.
#[derive(Debug)]
pub struct Staged {
    pub dir_path: PathBuf,
    pub dir: OwnedFd,
    pub name: OsString,
}

impl Staged {
    /// A new staging file named `name` under `base` (the user's private state directory).
    pub fn create(base: &Path, name: &OsStr) -> std::io::Result<Staged> {
        let root = base.join("staging");
        private_dir(&root)?;
        let dir_path = root.join(format!("run-{}-{}", std::process::id(), nonce()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir_path)?;
        let dir = open_dir(None, dir_path.as_os_str())?;
        // Only safe characters (the name may be quoted inside a tool's own command text).
        let clean: String = name
            .to_string_lossy()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
            .collect();
        let name = if clean.trim_matches('.').is_empty() { OsString::from("output") } else { OsString::from(clean) };
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(dir_path.join(&name))?;
        Ok(Staged { dir_path, dir, name })
    }

    pub fn path(&self) -> PathBuf {
        self.dir_path.join(&self.name)
    }

    /// Opens the staged file for reading, refusing anything but a regular file.
    pub fn open(&self) -> std::io::Result<File> {
        let c = cstr(&self.name)?;
        // SAFETY: c is NUL-terminated; the fd is owned by the File.
        let fd = cvt(unsafe {
            libc::openat(self.dir.as_raw_fd(), c.as_ptr(), libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        })
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", self.path().display())))?;
        // SAFETY: fd was just opened and is owned by nobody else.
        let f = unsafe { File::from_raw_fd(fd) };
        if !f.metadata()?.is_file() {
            return Err(std::io::Error::other(format!("{} is not a regular file", self.path().display())));
        }
        Ok(f)
    }

    /// Removes the (moved or empty) staging file and its directory.
    pub fn clean(&self) {
        if let Ok(c) = cstr(&self.name) {
            // SAFETY: plain unlinkat of a name in our own directory.
            unsafe { libc::unlinkat(self.dir.as_raw_fd(), c.as_ptr(), 0) };
        }
        let _ = std::fs::remove_dir(&self.dir_path);
    }
}

/// How a move ended when it did not fully succeed.
#[derive(Debug)]
pub enum MoveError {
    /// The name is taken (never replaced).
    Exists,
    /// Nothing was moved; the staged file is intact.
    Failed(std::io::Error),
    /// A copy stopped part-way: `copied` of `total` bytes reached a temporary file that
    /// was removed again; the staged file is intact.
    Partial { copied: u64, total: u64, error: std::io::Error },
}

impl std::fmt::Display for MoveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MoveError::Exists => f.write_str("the name is taken and leakguard never replaces a file"),
            MoveError::Failed(e) => write!(f, "{e}"),
            MoveError::Partial { copied, total, error } => {
                write!(f, "only {copied} of {total} bytes could be written ({error})")
            }
        }
    }
}

/// Moves the staged file to `name` in `to`: a rename that never replaces, or across file
/// systems a copy into a new file there (fsynced) renamed into place.
pub fn move_to(st: &Staged, to: &OwnedFd, name: &OsStr) -> Result<(), MoveError> {
    let from = cstr(&st.name).map_err(MoveError::Failed)?;
    let dest = cstr(name).map_err(MoveError::Failed)?;
    // SAFETY: both names are NUL-terminated and both fds are open directories.
    let r = unsafe {
        libc::renameat2(st.dir.as_raw_fd(), from.as_ptr(), to.as_raw_fd(), dest.as_ptr(), libc::RENAME_NOREPLACE)
    };
    if r == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EEXIST) => Err(MoveError::Exists),
        Some(libc::EXDEV) | Some(libc::EINVAL) | Some(libc::ENOSYS) => copy_to(st, to, &dest),
        _ => Err(MoveError::Failed(e)),
    }
}

fn copy_to(st: &Staged, to: &OwnedFd, dest: &CString) -> Result<(), MoveError> {
    let mut src = st.open().map_err(MoveError::Failed)?;
    let total = src.metadata().map(|m| m.len()).unwrap_or(0);
    let tmp = cstr(OsStr::new(&format!(".leakguard-{}.part", nonce()))).map_err(MoveError::Failed)?;
    // SAFETY: tmp is NUL-terminated; the fd is owned by the File.
    let fd = cvt(unsafe {
        libc::openat(
            to.as_raw_fd(),
            tmp.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            0o600 as libc::c_uint,
        )
    })
    .map_err(MoveError::Failed)?;
    // SAFETY: fd was just opened.
    let mut out = unsafe { File::from_raw_fd(fd) };
    let unlink_tmp = || {
        // SAFETY: unlinkat of the temporary name we created.
        unsafe { libc::unlinkat(to.as_raw_fd(), tmp.as_ptr(), 0) };
    };
    let mut copied = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    let r: std::io::Result<()> = (|| {
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            out.write_all(&buf[..n])?;
            copied += n as u64;
        }
        out.sync_all()
    })();
    if let Err(error) = r {
        unlink_tmp();
        return Err(MoveError::Partial { copied, total, error });
    }
    // SAFETY: names NUL-terminated, same directory fd.
    let r =
        unsafe { libc::renameat2(to.as_raw_fd(), tmp.as_ptr(), to.as_raw_fd(), dest.as_ptr(), libc::RENAME_NOREPLACE) };
    let r = if r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
        // No RENAME_NOREPLACE on this file system: link(2) also refuses an existing name.
        // SAFETY: as above.
        unsafe { libc::linkat(to.as_raw_fd(), tmp.as_ptr(), to.as_raw_fd(), dest.as_ptr(), 0) }
    } else {
        r
    };
    let e = std::io::Error::last_os_error();
    unlink_tmp();
    if r != 0 {
        return Err(if e.raw_os_error() == Some(libc::EEXIST) { MoveError::Exists } else { MoveError::Failed(e) });
    }
    st.clean();
    Ok(())
}

/// Creates a uniquely named new entry in quarantine: tries `stem` names with a time,
/// the pid and a nonce until one is free (concurrent runs never overwrite each other).
pub fn move_unique(st: &Staged, to: &OwnedFd, stem: &str) -> Result<OsString, MoveError> {
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    for _ in 0..16 {
        let name = OsString::from(format!("{ts}-{}-{}-{stem}", std::process::id(), nonce()));
        match move_to(st, to, &name) {
            Err(MoveError::Exists) => continue,
            Ok(()) => return Ok(name),
            Err(e) => return Err(e),
        }
    }
    Err(MoveError::Exists)
}

/// Copies the staged file into an open file (our stdout, already judged).
pub fn copy_into(st: &Staged, out: &mut impl Write) -> Result<(), MoveError> {
    let mut src = st.open().map_err(MoveError::Failed)?;
    let total = src.metadata().map(|m| m.len()).unwrap_or(0);
    let mut copied = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(MoveError::Partial { copied, total, error }),
        };
        if let Err(error) = out.write_all(&buf[..n]) {
            return Err(MoveError::Partial { copied, total, error });
        }
        copied += n as u64;
    }
    out.flush().map_err(|error| MoveError::Partial { copied, total, error })?;
    Ok(())
}

/// Reads the regular file `name` of an open directory, following no link.
pub fn read_at(dir: &OwnedFd, name: &OsStr) -> std::io::Result<Vec<u8>> {
    let c = cstr(name)?;
    // SAFETY: c is NUL-terminated; the fd is owned by the File.
    let fd =
        cvt(unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC) })?;
    // SAFETY: fd was just opened.
    let mut f = unsafe { File::from_raw_fd(fd) };
    let mut out = Vec::new();
    f.read_to_end(&mut out)?;
    Ok(out)
}

/// Links of the staged file (more than one: the tool made it visible at another name).
pub fn links(st: &Staged) -> u64 {
    st.open().and_then(|f| f.metadata()).map(|m| m.nlink()).unwrap_or(0)
}

/// Size of the staged file.
pub fn size(st: &Staged) -> u64 {
    st.open().and_then(|f| f.metadata()).map(|m| m.len()).unwrap_or(0)
}
