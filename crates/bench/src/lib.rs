//! Timing helpers for whole trainings: a [`Learner`] wrapper that measures the time spent in learning
//! steps, so a run's wall time splits into simulation (everything else) and learning.
//!
//! The binaries live in `src/bin/`: `fig3-timing` times a full Figure 3 training (paper-spec §3.6: N = 500,
//! p = 0.3, σ = 1, products of sines, T = 1000 ms, Δt = 2 ms, dt = 1 ms, 30 loops).

use spikelearn_sim::{Learner, SimError, SparseRows};
use std::time::{Duration, Instant};

/// CPU time consumed so far by the calling thread, in seconds (Linux `/proc/thread-self/schedstat`;
/// `None` elsewhere).
pub fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

/// CPU time (user + system) consumed so far by the whole process, in seconds (Linux `/proc/self/stat`,
/// clock ticks of 1/100 s; `None` elsewhere).
pub fn process_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based)
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Wraps a learner and accumulates the wall time (and the calling thread's CPU time) of its
/// [`Learner::learn`] calls.
pub struct Timed<L> {
    /// The wrapped learner.
    pub inner: L,
    /// Total wall time spent in `learn`.
    pub spent: Duration,
    /// CPU time of the calling (simulation) thread spent in `learn`, in seconds.
    pub caller_cpu_s: f64,
    /// Number of `learn` calls.
    pub calls: u64,
}

impl<L> Timed<L> {
    /// Wrap `inner` with zero accumulated time.
    pub fn new(inner: L) -> Self {
        Self {
            inner,
            spent: Duration::ZERO,
            caller_cpu_s: 0.0,
            calls: 0,
        }
    }
}

impl<L: Learner> Learner for Timed<L> {
    fn every(&self) -> usize {
        self.inner.every()
    }
    fn learn(
        &mut self,
        j: usize,
        r: &[f64],
        ext: &[f64],
        w: &mut SparseRows,
    ) -> Result<(), SimError> {
        let c0 = thread_cpu_s();
        let t = Instant::now();
        let out = self.inner.learn(j, r, ext, w);
        self.spent += t.elapsed();
        if let (Some(a), Some(b)) = (c0, thread_cpu_s()) {
            self.caller_cpu_s += b - a;
        }
        self.calls += 1;
        out
    }
}
