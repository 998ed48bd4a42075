//! Timing helpers for whole trainings: a [`Learner`] wrapper that measures the time spent in learning
//! steps, so a run's wall time splits into simulation (everything else) and learning.
//!
//! The binaries live in `src/bin/`: `fig3-timing` times a full Figure 3 training (paper-spec §3.6: N = 500,
//! p = 0.3, σ = 1, products of sines, T = 1000 ms, Δt = 2 ms, dt = 1 ms, 30 loops).

use spikelearn_sim::{Learner, SimError, SparseRows};
use std::time::{Duration, Instant};

/// Wraps a learner and accumulates the wall time of its [`Learner::learn`] calls.
pub struct Timed<L> {
    /// The wrapped learner.
    pub inner: L,
    /// Total time spent in `learn`.
    pub spent: Duration,
    /// Number of `learn` calls.
    pub calls: u64,
}

impl<L> Timed<L> {
    /// Wrap `inner` with zero accumulated time.
    pub fn new(inner: L) -> Self {
        Self {
            inner,
            spent: Duration::ZERO,
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
        let t = Instant::now();
        let out = self.inner.learn(j, r, ext, w);
        self.spent += t.elapsed();
        self.calls += 1;
        out
    }
}
