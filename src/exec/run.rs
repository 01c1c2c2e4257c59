//! Running the wrapped command: stdin and stderr pass through, stdout either passes
//! through or streams into a file (bounded memory, any size), signals sent to
//! leakguard by another process are forwarded to the child (a terminal's Ctrl-C
//! already reaches the whole foreground group, so it is not sent twice), and the
//! child's exit status becomes ours (128 + signal when it was killed).

use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;
use signal_hook::low_level::siginfo::Cause;

/// Runs argv; with `stdout_to`, the child's stdout is streamed into that new file (0600).
/// Returns the exit code to pass on.
pub fn run(argv: &[String], stdout_to: Option<&Path>) -> std::io::Result<i32> {
    let (prog, args) = argv.split_first().ok_or_else(|| std::io::Error::other("no command given"))?;
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])?;
    let handle = signals.handle();
    let mut cmd = Command::new(prog);
    cmd.args(args).stdin(Stdio::inherit()).stderr(Stdio::inherit());
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
    let copied = match (stdout_to, child.stdout.take()) {
        (Some(path), Some(mut out)) => {
            let file = std::fs::OpenOptions::new().create_new(true).write(true).mode(0o600).open(path)?;
            let mut w = BufWriter::with_capacity(1 << 16, file);
            let mut buf = vec![0u8; 1 << 16];
            let r: std::io::Result<()> = (|| {
                loop {
                    let n = match out.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    };
                    w.write_all(&buf[..n])?;
                }
                w.flush()?;
                w.get_ref().sync_all()
            })();
            r
        }
        _ => Ok(()),
    };
    let status = child.wait()?;
    handle.close();
    let _ = forwarder.join();
    copied?;
    Ok(status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}
