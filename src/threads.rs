//! How many threads a scan uses: the CPUs this process may actually run on, never more
//! (issue #13 item 4).
//!
//! Owns the sizing of rayon's global pool and nothing else; it imports no other module
//! of the crate. Output never depends on the count: every result is ordered by input
//! (tests/it/determinism.rs compares 1 thread with N).
//!
//! The count, first match wins:
//! 1. `--threads N` / `$LEAKGUARD_THREADS` (explicit; `0` means automatic);
//! 2. `$RAYON_NUM_THREADS` (honoured as rayon itself would);
//! 3. automatic: `std::thread::available_parallelism()` — the affinity mask
//!    (`sched_getaffinity`, e.g. `taskset -c 0`) and the cgroup CPU quota (containers,
//!    CI runners), not the machine's core count.
//!
//! A history scan's reader runs on its own thread (feeding the pool from `git
//! cat-file`, mostly waiting), never on one of the pool's workers.

/// Why the pool has the size it has; logged by the caller at -v.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    pub threads: usize,
    /// CPUs the process may use (affinity and cgroup quota).
    pub available: usize,
    pub source: &'static str,
}

/// The number of threads to use; `explicit` is `--threads` (0 = automatic).
pub fn size(explicit: Option<usize>) -> Sizing {
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|n| *n > 0);
    let (threads, source) = if let Some(n) = explicit.filter(|n| *n > 0) {
        (n, "--threads")
    } else if let Some(n) = env("LEAKGUARD_THREADS") {
        (n, "LEAKGUARD_THREADS")
    } else if let Some(n) = env("RAYON_NUM_THREADS") {
        (n, "RAYON_NUM_THREADS")
    } else {
        (available, "available")
    };
    Sizing { threads, available, source }
}

/// Sizes rayon's global pool once, before any parallel work. A second call (tests,
/// library users that built their own pool) leaves the first pool in place.
pub fn init(explicit: Option<usize>) -> Sizing {
    let s = size(explicit);
    let _ = rayon::ThreadPoolBuilder::new().num_threads(s.threads).build_global();
    s
}
