//! Periodic target families: single sines (paper-spec §4.1), products of two sines (§4.2) and the identical
//! sine of Fig 3—figure supplement 3 (§4.7).
//!
//! Times are in ms (the sine arguments are ratios of times, so the unit convention of §1 does not matter
//! here); values are dimensionless drive targets.

use crate::spec::{IdenticalSineParams, Phases, ProductOfSinesParams, SinesParams};
use ndarray::Array2;
use rand::Rng;
use std::f64::consts::PI;

/// `lo + (hi − lo)·U`, U ~ U[0, 1): a uniform draw on [lo, hi) that also accepts lo == hi (one draw is
/// consumed either way, so the stream position does not depend on the range).
#[inline]
pub(crate) fn uniform<R: Rng + ?Sized>(rng: &mut R, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// One sine target f(t) = A sin(2π(t − T0)/T1) (paper-spec §4.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sine {
    /// Amplitude A (dimensionless).
    pub amp: f64,
    /// Phase offset T0 in ms.
    pub t0_ms: f64,
    /// Period T1 in ms.
    pub period_ms: f64,
}

impl Sine {
    /// f(t) = A sin(2π(t − T0)/T1), t in ms.
    #[inline]
    pub fn value(&self, t_ms: f64) -> f64 {
        self.amp * (2.0 * PI * (t_ms - self.t0_ms) / self.period_ms).sin()
    }
}

/// One product-of-sines target f(t) = A sin(2π(t − t1)/T1) sin(2π(t − t2)/T2) (paper-spec §4.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProductSine {
    /// Amplitude A (dimensionless).
    pub amp: f64,
    /// Period T1 of the first (slow) factor, ms.
    pub period1_ms: f64,
    /// Phase offset t1 of the first factor, ms.
    pub phase1_ms: f64,
    /// Period T2 of the second (fast) factor, ms.
    pub period2_ms: f64,
    /// Phase offset t2 of the second factor, ms (= t1 for [`Phases::Common`]).
    pub phase2_ms: f64,
}

impl ProductSine {
    /// f(t) = A sin(2π(t − t1)/T1) sin(2π(t − t2)/T2), t in ms.
    #[inline]
    pub fn value(&self, t_ms: f64) -> f64 {
        self.amp
            * (2.0 * PI * (t_ms - self.phase1_ms) / self.period1_ms).sin()
            * (2.0 * PI * (t_ms - self.phase2_ms) / self.period2_ms).sin()
    }
}

/// Draw N sines. Per neuron, in this order (neuron 0 first): A ~ U[amp_min, amp_max],
/// T0 ~ U[t0_min_ms, t0_max_ms], T1 ~ U[period_min_ms, period_max_ms].
pub fn draw_sines<R: Rng + ?Sized>(p: &SinesParams, n: usize, rng: &mut R) -> Vec<Sine> {
    (0..n)
        .map(|_| {
            let amp = uniform(rng, p.amp_min, p.amp_max);
            let t0_ms = uniform(rng, p.t0_min_ms, p.t0_max_ms);
            let period_ms = uniform(rng, p.period_min_ms, p.period_max_ms);
            Sine {
                amp,
                t0_ms,
                period_ms,
            }
        })
        .collect()
}

/// Draw N products of sines. Per neuron, in this order (neuron 0 first, the order of the authors' code):
/// A ~ U[amp_min, amp_max] (skipped when `fixed_amp` is set), T1 ~ U[period1 range], T2 ~ U[period2 range],
/// then the phases: [`Phases::Independent`] t1 ~ U[0, T1], t2 ~ U[0, T2]; [`Phases::Common`]
/// T0 ~ U[t0 range], t1 = t2 = T0.
pub fn draw_products<R: Rng + ?Sized>(
    p: &ProductOfSinesParams,
    n: usize,
    rng: &mut R,
) -> Vec<ProductSine> {
    (0..n)
        .map(|_| {
            let amp = match p.fixed_amp {
                Some(a) => a,
                None => uniform(rng, p.amp_min, p.amp_max),
            };
            let period1_ms = uniform(rng, p.period1_min_ms, p.period1_max_ms);
            let period2_ms = uniform(rng, p.period2_min_ms, p.period2_max_ms);
            let (phase1_ms, phase2_ms) = match p.phases {
                Phases::Independent => {
                    (uniform(rng, 0.0, period1_ms), uniform(rng, 0.0, period2_ms))
                }
                Phases::Common => {
                    let t0 = uniform(rng, p.t0_min_ms, p.t0_max_ms);
                    (t0, t0)
                }
            };
            ProductSine {
                amp,
                period1_ms,
                phase1_ms,
                period2_ms,
                phase2_ms,
            }
        })
        .collect()
}

/// Evaluate per-neuron functions of time on the window grid: column s holds t = (s + 1)·dt_ms.
pub(crate) fn tabulate<F: Fn(usize, f64) -> f64>(
    n: usize,
    steps: usize,
    dt_ms: f64,
    f: F,
) -> Array2<f64> {
    Array2::from_shape_fn((n, steps), |(i, s)| f(i, (s + 1) as f64 * dt_ms))
}

/// The identical sine of every neuron (Fig 3—figure supplement 3): f_i(t) = A sin(2π(t − T0)/T1) for all i.
pub(crate) fn identical_sine(
    p: &IdenticalSineParams,
    n: usize,
    steps: usize,
    dt_ms: f64,
) -> Array2<f64> {
    let sine = Sine {
        amp: p.amp,
        t0_ms: p.t0_ms,
        period_ms: p.period_ms,
    };
    tabulate(n, steps, dt_ms, |_, t| sine.value(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn sine_values_at_quarter_periods() {
        let s = Sine {
            amp: 2.0,
            t0_ms: 100.0,
            period_ms: 400.0,
        };
        // Exact up to the rounding of sin near multiples of π (a few ulps).
        assert!(s.value(100.0).abs() < 1e-12);
        assert!((s.value(200.0) - 2.0).abs() < 1e-12);
        assert!(s.value(300.0).abs() < 1e-12);
        assert!((s.value(400.0) + 2.0).abs() < 1e-12);
    }

    #[test]
    fn uniform_accepts_degenerate_range_and_consumes_one_draw() {
        let mut a = ChaCha8Rng::seed_from_u64(1);
        let mut b = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(uniform(&mut a, 3.0, 3.0), 3.0);
        let _ = b.random::<f64>();
        assert_eq!(a.random::<u64>(), b.random::<u64>());
    }

    #[test]
    fn product_draws_respect_ranges() {
        let p = ProductOfSinesParams::default();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for d in draw_products(&p, 2000, &mut rng) {
            assert!((0.5..1.5).contains(&d.amp));
            assert!((500.0..1000.0).contains(&d.period1_ms));
            assert!((100.0..500.0).contains(&d.period2_ms));
            assert!((0.0..d.period1_ms).contains(&d.phase1_ms));
            assert!((0.0..d.period2_ms).contains(&d.phase2_ms));
        }
        let common = ProductOfSinesParams {
            phases: Phases::Common,
            ..p
        };
        for d in draw_products(&common, 2000, &mut rng) {
            assert_eq!(d.phase1_ms, d.phase2_ms);
            assert!((0.0..1000.0).contains(&d.phase1_ms));
        }
    }

    #[test]
    fn fixed_amplitude_is_used_exactly() {
        let p = ProductOfSinesParams::fig3_supp1(0.05);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for d in draw_products(&p, 500, &mut rng) {
            assert_eq!(d.amp, 0.05);
            assert!((500.0..1000.0).contains(&d.period1_ms));
            assert!((500.0..1000.0).contains(&d.period2_ms));
        }
    }
}
