//! Memory-bandwidth probe: the denominator of the RLS **bound ratio**.
//!
//! Every element of every P_i changes at every learning step, so an exact f64 sweep cannot take less than
//! the time to read the packed P matrices once:
//!
//! ```text
//! t_bound = Σ_i K_i (K_i + 1)/2 · 8 bytes / B,        bound ratio = t_bound / t_sweep   (1 = physical limit)
//! ```
//!
//! with B the machine's copy bandwidth, measured here as STREAM does: the triad a = b + s·c over three
//! arrays well above the last-level cache, counted as 24 bytes per element (no write-allocate traffic).
//! A read-only pass (Σ a_i, 8 bytes per element) and an in-place read+write pass (a ← s·a, 16 bytes per
//! element: read plus written) are measured too. The read-only rate B_read is the machine's ceiling for a
//! pass that only has to *read* P, so
//!
//! ```text
//! read ratio = (Σ_i K_i (K_i + 1)/2 · 8 bytes / B_read) / t_sweep
//! ```
//!
//! says how close a sweep comes to a pure read stream of the same bytes on the same host (an in-place
//! read+write pass, which an m = 1 step is, reads more slowly than that on both development VMs).
//! Both `rls-bench` (sweeps) and `fig3-timing` (a whole training) use this module, so their ratios are
//! comparable.

use crate::kernels::{VecTask, with_isa};
use crate::simd::F8;
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;

/// Parallel chunk length (elements) of the bandwidth passes.
const CHUNK: usize = 1 << 15;

/// Bandwidths in GB/s (1e9 bytes per second).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bandwidth {
    /// Best STREAM triad (24 bytes per element) over the runs: B of the bound ratio.
    pub triad_best: f64,
    /// Median STREAM triad over the runs.
    pub triad_median: f64,
    /// Best read-only pass (8 bytes per element).
    pub read_best: f64,
    /// Best in-place read+write pass (16 bytes per element: read plus written).
    pub rw_best: f64,
}

/// The three STREAM arrays (first touched in parallel, so their pages spread like the kernels' data) and
/// the thread pool the passes run on.
pub struct Stream {
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    pool: rayon::ThreadPool,
}

impl Stream {
    /// Three arrays of `mib` MiB each (`mib` ≥ 1; choose it well above the last-level cache) and a pool of
    /// `threads` threads (≥ 1).
    ///
    /// # Panics
    /// If the thread pool cannot be built (the operating system refuses the threads).
    pub fn new(threads: usize, mib: usize) -> Self {
        let n = (mib.max(1) * 1024 * 1024 / 8).max(CHUNK);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .expect("bandwidth probe: thread pool");
        let (a, b, c) = pool.install(|| {
            let fill = |v: f64| {
                let mut x = vec![0.0f64; n];
                x.par_chunks_mut(CHUNK)
                    .for_each(|s| s.iter_mut().for_each(|e| *e = v));
                x
            };
            (fill(1.0), fill(2.0), fill(0.5))
        });
        Stream { a, b, c, pool }
    }

    /// One triad a = b + s·c; GB/s counted as STREAM does (24 bytes per element).
    pub fn triad(&mut self) -> f64 {
        let s = black_box(0.999_999);
        let (a, b, c) = (&mut self.a, &self.b, &self.c);
        let t = Instant::now();
        self.pool.install(|| {
            a.par_chunks_mut(CHUNK)
                .zip(b.par_chunks(CHUNK))
                .zip(c.par_chunks(CHUNK))
                .for_each(|((a, b), c)| {
                    for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                        *a = b + s * c;
                    }
                })
        });
        let gbs = 24.0 * a.len() as f64 / t.elapsed().as_secs_f64() / 1e9;
        black_box(&a);
        gbs
    }

    /// One read-only pass Σ a_i over `a` ([`read_sum`]: vectorised, four independent accumulators); GB/s at
    /// 8 bytes per element.
    pub fn read(&self) -> f64 {
        let a = &self.a;
        let t = Instant::now();
        let sum: f64 = self
            .pool
            .install(|| a.par_chunks(CHUNK).map(read_sum).sum());
        let gbs = 8.0 * a.len() as f64 / t.elapsed().as_secs_f64() / 1e9;
        black_box(sum);
        gbs
    }

    /// One in-place pass b ← s·b; GB/s at 16 bytes per element (read plus written).
    pub fn read_write(&mut self) -> f64 {
        let s = black_box(0.999_999);
        let b = &mut self.b;
        let t = Instant::now();
        self.pool.install(|| {
            b.par_chunks_mut(CHUNK)
                .for_each(|b| b.iter_mut().for_each(|v| *v *= s))
        });
        let gbs = 16.0 * b.len() as f64 / t.elapsed().as_secs_f64() / 1e9;
        black_box(&b);
        gbs
    }

    /// Best triad GB/s over `runs` runs (at least one).
    pub fn best_triad(&mut self, runs: usize) -> f64 {
        (0..runs.max(1)).map(|_| self.triad()).fold(0.0, f64::max)
    }

    /// Best read-only rate (GB/s) over `runs` passes (at least one): B_read of the read ratio.
    pub fn best_read(&self, runs: usize) -> f64 {
        (0..runs.max(1)).map(|_| self.read()).fold(0.0, f64::max)
    }

    /// `runs` rounds (at least one) of triad, read and read+write passes: best and median triad, best read,
    /// best read+write.
    pub fn measure(&mut self, runs: usize) -> Bandwidth {
        let (mut triad, mut read, mut rw) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs.max(1) {
            triad.push(self.triad());
            read.push(self.read());
            rw.push(self.read_write());
        }
        let best = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        Bandwidth {
            triad_best: best(&triad),
            triad_median: median(&mut triad),
            read_best: best(&read),
            rw_best: best(&rw),
        }
    }
}

/// Σ a_i with the CPU's widest vectors ([`with_isa`]) and four independent 8-lane accumulators over blocks
/// of 32 elements (then one 8-lane accumulator, then the last < 8 in order): enough independent additions
/// in flight that a pass over memory is limited by the read rate, not by the addition latency. Only the
/// read probe uses it; the sum's value is not used for anything but keeping the loads alive.
pub fn read_sum(a: &[f64]) -> f64 {
    struct Sum<'a> {
        a: &'a [f64],
        out: &'a mut f64,
    }
    impl VecTask for Sum<'_> {
        #[inline(always)]
        fn run<V: F8>(self) {
            let a = self.a;
            let n = a.len();
            let mut acc = [V::zero(); 4];
            let mut o = 0;
            while o + 32 <= n {
                for (j, s) in acc.iter_mut().enumerate() {
                    *s = s.add(V::load(&a[o + 8 * j..]));
                }
                o += 32;
            }
            while o + 8 <= n {
                acc[0] = acc[0].add(V::load(&a[o..]));
                o += 8;
            }
            let mut s = acc[0].add(acc[1]).add(acc[2].add(acc[3])).sum();
            for v in &a[o..] {
                s += v;
            }
            *self.out = s;
        }
    }
    let mut out = 0.0;
    with_isa(Sum { a, out: &mut out });
    out
}

/// Median of `v` (sorted in place; NaN-free input; NaN for an empty slice).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// Bytes of the packed f64 P matrices for rows of lengths `row_lens`: Σ K_i (K_i + 1)/2 · 8, the bytes an
/// exact f64 sweep must read at least once (the bound's numerator, whatever the kernel stores).
pub fn packed_f64_bytes(row_lens: impl IntoIterator<Item = usize>) -> usize {
    row_lens.into_iter().map(|k| k * (k + 1) / 2 * 8).sum()
}

/// Bound ratio (t_bound / t) of a sweep that took `seconds` over `bytes` of packed P at `gbs` GB/s.
pub fn bound_ratio(bytes: usize, gbs: f64, seconds: f64) -> f64 {
    (bytes as f64 / (gbs * 1e9)) / seconds
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Σ K(K+1)/2 · 8 by hand: K = 1 → 8 bytes, K = 2 → 24, K = 150 → 90 600.
    #[test]
    fn packed_bytes_count_the_triangle() {
        assert_eq!(packed_f64_bytes([1]), 8);
        assert_eq!(packed_f64_bytes([2, 1]), 32);
        assert_eq!(packed_f64_bytes([150; 500]), 45_300_000);
    }

    /// The vectorised read pass sums every element once, whatever the length's remainder (small integers:
    /// every partial sum is exact, so any order gives the same value).
    #[test]
    fn read_sum_adds_every_element_once() {
        for n in [0usize, 1, 7, 8, 9, 31, 32, 33, 40, 71, 1000] {
            let a: Vec<f64> = (0..n).map(|i| (i % 13) as f64).collect();
            let want: f64 = a.iter().sum();
            assert_eq!(read_sum(&a), want, "n = {n}");
        }
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    /// The passes run and report positive, finite rates (a tiny array: this checks the plumbing and the
    /// byte counts' arithmetic, not the machine).
    #[test]
    fn passes_report_positive_rates() {
        let mut s = Stream::new(2, 1);
        let b = s.measure(2);
        for v in [b.triad_best, b.triad_median, b.read_best, b.rw_best] {
            assert!(v.is_finite() && v > 0.0, "{b:?}");
        }
        assert!(b.triad_best >= b.triad_median);
    }

    /// 45.3 MB at 30 GB/s takes 1.51 ms: a 1.51 ms sweep is at the bound (ratio 1), a 3.02 ms one at half.
    #[test]
    fn bound_ratio_is_read_time_over_sweep_time() {
        assert!((bound_ratio(45_300_000, 30.0, 1.51e-3) - 1.0).abs() < 1e-12);
        assert!((bound_ratio(45_300_000, 30.0, 3.02e-3) - 0.5).abs() < 1e-12);
    }
}
