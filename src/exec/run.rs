//! Running the wrapped command: stdin and stderr pass through, stdout either passes
//! through or streams into a file (bounded memory, any size), signals sent to
//! leakguard by another process are forwarded to the child (a terminal's Ctrl-C
//! already reaches the whole foreground group, so it is not sent twice), and the
//! child's exit status becomes ours (128 + signal when it was killed).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;
use signal_hook::low_level::siginfo::Cause;

/// What happened to a captured stdout.
#[derive(Debug, Default)]
pub struct Capture {
    /// Bytes written to the capture file.
    pub kept: u64,
    /// Bytes the child wrote that could not be kept (after a write error).
    pub lost: u64,
    /// Every byte the child wrote to stdout.
    pub total: u64,
    pub error: Option<std::io::Error>,
}

/// Runs argv. `stdin`: a file the child reads instead of ours; `stdout_to`: a file the
/// child's stdout is streamed into (bounded memory, any size; after a write error the
/// rest is drained and counted, so the child never blocks). Returns the exit code to
/// pass on and what the capture kept.
pub fn run(argv: &[String], stdin: Option<File>, stdout_to: Option<File>) -> std::io::Result<(i32, Capture)> {
    let (prog, args) = argv.split_first().ok_or_else(|| std::io::Error::other("no command given"))?;
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])?;
    let handle = signals.handle();
    let mut cmd = Command::new(prog);
    cmd.args(args).stderr(Stdio::inherit());
    cmd.stdin(match stdin {
        Some(f) => Stdio::from(f),
        None => Stdio::inherit(),
    });
    cmd.stdout(if stdout_to.is_some() { Stdio::piped() } else { Stdio::inherit() });
    let mut child = cmd.spawn().map_err(|e| std::io::Error::new(e.kind(), format!("cannot run {prog}: {e}")))?;
    let pid = child.id() as i32;
    let forwarder = std::thread::spawn(move || {
        for origin in signals.forever() {
            if !matches!(origin.cause, Cause::Kernel) {
                // SAFETY: kill has no memory-safety preconditions; a stale pid only yields ESRCH.
                unsafe { libc::kill(pid, origin.signal) };
            }
        }
    });
    let mut cap = Capture::default();
    if let (Some(file), Some(mut out)) = (stdout_to, child.stdout.take()) {
        let mut w = Some(BufWriter::with_capacity(1 << 16, file));
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match out.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    cap.error.get_or_insert(e);
                    break;
                }
            };
            cap.total += n as u64;
            match w.as_mut().map(|w| w.write_all(&buf[..n])) {
                Some(Ok(())) => cap.kept += n as u64,
                Some(Err(e)) => {
                    cap.error = Some(e);
                    cap.lost += n as u64;
                    w = None;
                }
                None => cap.lost += n as u64,
            }
        }
        if let Some(mut w) = w {
            if let Err(e) = w.flush().and_then(|()| w.get_ref().sync_all()) {
                cap.error.get_or_insert(e);
            }
        }
        // What the buffer held when the error came is lost too: count by the file.
        if cap.error.is_some() {
            cap.kept = 0;
        }
    }
    let status = child.wait()?;
    handle.close();
    let _ = forwarder.join();
    Ok((status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0)), cap))
}
