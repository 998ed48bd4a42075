//! Neuron models behind one trait, so the simulation loop never changes when a model is added.

use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// A population of neurons advanced together with a frozen input over each step (paper-spec §2.5).
///
/// `step` receives the total input x_i = u_i + I_i (dimensionless, held constant during the step), advances
/// every neuron by `dt` (τ units) and appends the indices of the neurons that spiked, in increasing order.
pub trait NeuronModel: Send + Sync {
    /// Number of neurons.
    fn len(&self) -> usize;
    /// True for an empty population.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Draw a fresh random initial state (new trial).
    fn reset(&mut self, rng: &mut dyn RngCore);
    /// Advance by `dt` with frozen input `x`; push spiking neurons to `spiked`.
    fn step(&mut self, x: &[f64], dt: f64, spiked: &mut Vec<usize>);
    /// The main state variable (phase θ, or membrane potential), for recorders.
    fn state(&self) -> &[f64];
}

/// Theta (QIF) neurons, τ dθ/dt = 1 − cos θ + x (1 + cos θ) (paper eq 5).
///
/// Integration exactly as the authors' code (paper-spec §2.5): classical RK4 with x frozen over the step;
/// a spike is emitted iff Δ = θ_next − θ > 0 and Δ > mod(π − mod(θ, 2π), 2π) (the phase reaches the next odd
/// multiple of π); θ is never wrapped or reset. For constant x > 0 the rate is sqrt(x)/π per τ (eq 45).
#[derive(Debug, Clone)]
pub struct Theta {
    theta: Vec<f64>,
    /// How cos θ is evaluated.
    cos: CosImpl,
    /// Per-chunk spike lists of the parallel step (reused: no allocation per step).
    chunk_spikes: Vec<Vec<usize>>,
}

/// Neurons per parallel chunk of [`Theta::step`]; populations below two chunks step on the calling thread.
/// Each neuron's update is independent and sequential, so the result is the same for any thread count.
const THETA_CHUNK: usize = 128;

impl Theta {
    /// `n` neurons with phases drawn uniformly in [0, 2π).
    pub fn new(n: usize, rng: &mut dyn RngCore) -> Self {
        let mut t = Self::with_phases(vec![0.0; n]);
        t.reset(rng);
        t
    }
    /// Neurons with given phases.
    pub fn with_phases(theta: Vec<f64>) -> Self {
        let chunks = theta.len().div_ceil(THETA_CHUNK);
        Self {
            theta,
            cos: CosImpl::default(),
            chunk_spikes: vec![Vec::with_capacity(THETA_CHUNK); chunks],
        }
    }
    /// The same neurons with cos θ evaluated by `cos` (default [`CosImpl::Fast`]).
    pub fn with_cos(mut self, cos: CosImpl) -> Self {
        self.cos = cos;
        self
    }
}

/// How the theta neurons evaluate cos θ (four times per neuron and RK4 step: most of the simulation's time).
///
/// The two agree to 2⁻⁵² but not bit for bit (about 3 % of arguments differ in the last bit). The phases
/// θ then differ in their last bits, yet the outputs did not: spikes, drives, rates and every metric of
/// all seven theta-neuron figures (`--quick`) and of a full Figure 3 training were byte-identical with
/// either choice. A spike decision would flip only if a phase came within ~10⁻¹³ of the crossing test's
/// threshold at a step boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CosImpl {
    /// [`crate::fastcos::fast_cos`], eight neurons side by side (AVX2 where available): ≈ 2.6× faster
    /// neuron steps, and the same bits on every platform and instruction set (only +, −, ×). The default.
    #[default]
    Fast,
    /// The platform's `f64::cos` (glibc on Linux), one call per argument: what the project used before
    /// 2026-11-29, kept for comparison; its last bits depend on the C library.
    Libm,
}

/// RK4 step of neurons `first..` (phases `theta`, inputs `x`), spikes pushed to `spiked`.
///
/// Classical RK4 with x frozen: k1 = f(θ), k2 = f(θ + dt/2 k1), k3 = f(θ + dt/2 k2), k4 = f(θ + dt k3),
/// θ' = θ + dt/6 (k1 + 2 k2 + 2 k3 + k4), f(θ) = 1 − cos θ + x (1 + cos θ). Neurons go in blocks of 8 (the
/// tail padded), stage by stage, so the eight `cos` of a stage run side by side ([`crate::fastcos::cos8`]);
/// each neuron's operations and their order are the same as one neuron at a time.
#[inline]
fn theta_rk4(
    theta: &mut [f64],
    x: &[f64],
    dt: f64,
    first: usize,
    spiked: &mut Vec<usize>,
    cos: CosImpl,
) {
    let cos8 = |a: &[f64; 8], c: &mut [f64; 8]| match cos {
        CosImpl::Fast => crate::fastcos::cos8(a, c),
        CosImpl::Libm => {
            for (c, a) in c.iter_mut().zip(a) {
                *c = a.cos();
            }
        }
    };
    let h2 = 0.5 * dt;
    for (b, (tb, xb)) in theta.chunks_mut(8).zip(x.chunks(8)).enumerate() {
        let l = tb.len();
        let (mut t0, mut xi) = ([0.0; 8], [0.0; 8]);
        t0[..l].copy_from_slice(tb);
        xi[..l].copy_from_slice(&xb[..l]);
        let (mut c0, mut c) = ([0.0; 8], [0.0; 8]);
        let (mut k1, mut k2, mut k3, mut arg) = ([0.0; 8], [0.0; 8], [0.0; 8], [0.0; 8]);
        cos8(&t0, &mut c0);
        for j in 0..8 {
            k1[j] = rhs_of_cos(c0[j], xi[j]);
            arg[j] = t0[j] + h2 * k1[j];
        }
        cos8(&arg, &mut c);
        for j in 0..8 {
            k2[j] = rhs_of_cos(c[j], xi[j]);
            arg[j] = t0[j] + h2 * k2[j];
        }
        cos8(&arg, &mut c);
        for j in 0..8 {
            k3[j] = rhs_of_cos(c[j], xi[j]);
            arg[j] = t0[j] + dt * k3[j];
        }
        cos8(&arg, &mut c);
        for j in 0..l {
            let k4 = rhs_of_cos(c[j], xi[j]);
            let next = t0[j] + dt / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4);
            if crosses(t0[j], next - t0[j], c0[j]) {
                spiked.push(first + 8 * b + j);
            }
            tb[j] = next;
        }
    }
}

/// The spike test of the authors' code: with Δ = θ_next − θ, a spike iff Δ > 0 and
/// Δ > mod(π − mod(θ, 2π), 2π) (the phase passes the next odd multiple of π).
///
/// `c0` = cos θ (already computed for the first RK4 stage) decides almost every step without the two `fmod`s,
/// with the same result: let δ ∈ [0, π] be the distance from θ to the nearest odd multiple of π, so
/// cos θ = −cos δ. If cos θ > −1 + Δ²/2 + 10⁻⁹ ≥ −cos Δ + 10⁻⁹ (cos Δ ≥ 1 − Δ²/2; never true for Δ > π), then
/// cos δ < cos Δ − 10⁻⁹ and δ > Δ + 10⁻⁹. The `fmod` expression is the forward distance to the next crossing,
/// at least δ up to the float 2π's error of 2.5·10⁻¹⁶ per turn (< 4·10⁻¹¹ while |θ| < 10⁶) and a few ulps of
/// rounding, so it exceeds Δ too: no spike. Otherwise (near a crossing, |θ| ≥ 10⁶, or non-finite values) the
/// exact expression is evaluated. `crosses_matches_the_fmod_test` checks the equivalence.
#[inline]
fn crosses(t0: f64, d: f64, c0: f64) -> bool {
    if d > 0.0 {
        let far = t0.abs() < 1e6 && c0 > -1.0 + 0.5 * d * d + 1e-9;
        !far && crosses_exact(t0, d)
    } else {
        false
    }
}

/// The authors' test itself: Δ > 0 and Δ > mod(π − mod(θ, 2π), 2π).
#[inline]
fn crosses_exact(t0: f64, d: f64) -> bool {
    d > 0.0 && d > (PI - t0.rem_euclid(2.0 * PI)).rem_euclid(2.0 * PI)
}

/// Right-hand side 1 − cos θ + x (1 + cos θ) given c = cos θ.
#[inline]
fn rhs_of_cos(c: f64, x: f64) -> f64 {
    1.0 - c + x * (1.0 + c)
}

impl NeuronModel for Theta {
    fn len(&self) -> usize {
        self.theta.len()
    }
    fn reset(&mut self, rng: &mut dyn RngCore) {
        for t in &mut self.theta {
            *t = 2.0 * PI * rng.random::<f64>();
        }
    }
    /// Neurons are advanced in chunks of 128 in parallel (rayon) when there are at least two chunks and
    /// more than one thread; the per-chunk spike lists are appended in chunk order, so `spiked` stays
    /// ascending and every number is the same as the sequential step's.
    fn step(&mut self, x: &[f64], dt: f64, spiked: &mut Vec<usize>) {
        let n = self.theta.len();
        let x = &x[..n];
        let cos = self.cos;
        if n < 2 * THETA_CHUNK || rayon::current_num_threads() < 2 {
            theta_rk4(&mut self.theta, x, dt, 0, spiked, cos);
            return;
        }
        use rayon::prelude::*;
        self.theta
            .par_chunks_mut(THETA_CHUNK)
            .zip(x.par_chunks(THETA_CHUNK))
            .zip(self.chunk_spikes.par_iter_mut())
            .enumerate()
            .for_each(|(c, ((th, xc), sp))| {
                sp.clear();
                theta_rk4(th, xc, dt, c * THETA_CHUNK, sp, cos);
            });
        for sp in &self.chunk_spikes {
            spiked.extend_from_slice(sp);
        }
    }
    fn state(&self) -> &[f64] {
        &self.theta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(x: f64, dt: f64, t_end: f64) -> f64 {
        rate_with(x, dt, t_end, CosImpl::Libm)
    }

    fn rate_with(x: f64, dt: f64, t_end: f64, cos: CosImpl) -> f64 {
        let mut n = Theta::with_phases(vec![0.0]).with_cos(cos);
        let steps = (t_end / dt).round() as usize;
        let mut s = Vec::new();
        let mut times = Vec::new();
        for k in 0..steps {
            s.clear();
            n.step(&[x], dt, &mut s);
            if !s.is_empty() {
                times.push(k as f64 * dt);
            }
        }
        if times.len() < 2 {
            return 0.0;
        }
        (times.len() - 1) as f64 / (times[times.len() - 1] - times[0])
    }

    /// §11.1 A1: f–I curve sqrt(x)/π per τ. dt = 0.01 τ: tolerance 1e-3 relative (spike-time quantisation
    /// of 0.01 τ over ≥ 50 periods plus RK4 error); dt = 0.1 τ (the code's 1 ms): 2e-2.
    #[test]
    fn theta_rate_matches_phi1() {
        for &x in &[1.0f64, 0.25] {
            let expect = x.sqrt() / PI;
            let fine = rate(x, 0.01, 2000.0);
            assert!(
                (fine / expect - 1.0).abs() < 1e-3,
                "x={x}: {fine} vs {expect}"
            );
            let coarse = rate(x, 0.1, 2000.0);
            assert!(
                (coarse / expect - 1.0).abs() < 2e-2,
                "x={x}: {coarse} vs {expect}"
            );
        }
        assert_eq!(rate(-0.1, 0.1, 500.0), 0.0);
        assert_eq!(rate(0.0, 0.1, 500.0), 0.0);
        // The fast cos: the same f–I curve (same tolerance and reason, dt = 0.01 τ).
        for &x in &[1.0f64, 0.25] {
            let fast = rate_with(x, 0.01, 2000.0, CosImpl::Fast);
            assert!(
                (fast / (x.sqrt() / PI) - 1.0).abs() < 1e-3,
                "fast, x={x}: {fast}"
            );
        }
    }

    /// The shortcut in [`crosses`] gives the same decision as the authors' `fmod` test, for phases spread
    /// over up to 1.5·10⁵ turns (|θ| < 10⁶), concentrated just below and above crossings, and steps of
    /// both signs.
    #[test]
    fn crosses_matches_the_fmod_test() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let (mut spikes, mut near) = (0usize, 0usize);
        for i in 0..2_000_000 {
            let turns = [1.0, 1e2, 1e4, 1.5e5][i % 4] * rng.random::<f64>();
            let crossing = PI + 2.0 * PI * turns.floor();
            // offsets from the crossing: mostly tiny (the hard cases), some anywhere in the turn
            let off = if i % 3 == 0 {
                2.0 * PI * (rng.random::<f64>() - 0.5)
            } else {
                (rng.random::<f64>() - 0.5) * 10f64.powi(-(rng.random_range(1..16)))
            };
            let t0 = crossing + off;
            let d = if i % 5 == 0 {
                -0.1 * rng.random::<f64>()
            } else {
                0.6 * rng.random::<f64>() * 10f64.powi(-(rng.random_range(0..12)))
            };
            let want = crosses_exact(t0, d);
            assert_eq!(crosses(t0, d, t0.cos()), want, "t0 = {t0:e}, d = {d:e}");
            spikes += want as usize;
            near += (off.abs() < 1e-6) as usize;
        }
        assert!(
            spikes > 100_000 && near > 500_000,
            "too few hard cases: {spikes} spikes, {near} near"
        );
    }

    /// The parallel step (N ≥ 256 in chunks of 128, 2 threads) gives the same phases and the same ascending
    /// spike lists as the sequential one (1 thread), step after step.
    #[test]
    fn theta_step_is_thread_count_invariant() {
        use rand::SeedableRng;
        let n = 1000;
        let run = |threads: usize, cos: CosImpl| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
                let mut th = Theta::new(n, &mut rng).with_cos(cos);
                let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.13).cos()).collect();
                let mut all = Vec::new();
                let mut s = Vec::new();
                for _ in 0..200 {
                    s.clear();
                    th.step(&x, 0.1, &mut s);
                    assert!(s.windows(2).all(|w| w[0] < w[1]), "spikes not ascending");
                    all.push(s.clone());
                }
                (th.state().to_vec(), all)
            })
        };
        for cos in [CosImpl::Libm, CosImpl::Fast] {
            let (t1, s1) = run(1, cos);
            assert!(
                s1.iter().map(Vec::len).sum::<usize>() > 1000,
                "too few spikes to test"
            );
            assert_eq!((t1, s1), run(2, cos), "{cos:?}");
        }
    }

    /// The fast cos changes only last bits: 1000 uncoupled neurons (N not a multiple of 8, so the padded
    /// tail block is used) over 200 steps of 0.1 τ spike at the same steps as with libm, and their phases
    /// agree to 10⁻¹² (each step's error is ≤ 4 cos errors of 2⁻⁵² times dt, ≈ 10⁻¹⁶, and uncoupled
    /// neurons do not amplify it much over 20 τ), while not all phases are bit-identical.
    #[test]
    fn fast_cos_theta_follows_libm() {
        use rand::SeedableRng;
        let n = 1003;
        let run = |cos: CosImpl| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
            let mut th = Theta::new(n, &mut rng).with_cos(cos);
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() + 0.3).collect();
            let mut all = Vec::new();
            for _ in 0..200 {
                let mut s = Vec::new();
                th.step(&x, 0.1, &mut s);
                all.push(s);
            }
            (th.state().to_vec(), all)
        };
        let (t_libm, s_libm) = run(CosImpl::Libm);
        let (t_fast, s_fast) = run(CosImpl::Fast);
        assert_eq!(s_libm, s_fast);
        let worst = t_libm
            .iter()
            .zip(&t_fast)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-12, "phases differ by {worst:e}");
        assert!(t_libm != t_fast, "fast cos gave libm's bits everywhere");
    }

    /// The period of one cycle is π/sqrt(x) (hand-derived: θ = 2 atan(sqrt(x) tan(sqrt(x) t))).
    #[test]
    fn theta_period() {
        let x: f64 = 4.0;
        let dt = 0.001;
        let mut n = Theta::with_phases(vec![-PI + 1e-12]);
        let mut s = Vec::new();
        let mut k = 0usize;
        while s.is_empty() {
            n.step(&[x], dt, &mut s);
            k += 1;
        }
        let t = k as f64 * dt;
        assert!((t - PI / x.sqrt()).abs() < 2.0 * dt, "{t}");
    }
}
