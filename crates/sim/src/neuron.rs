//! Neuron models behind one trait, so the simulation loop never changes when a model is added.

use rand::{Rng, RngCore};
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
}

impl Theta {
    /// `n` neurons with phases drawn uniformly in [0, 2π).
    pub fn new(n: usize, rng: &mut dyn RngCore) -> Self {
        let mut t = Self {
            theta: vec![0.0; n],
        };
        t.reset(rng);
        t
    }
    /// Neurons with given phases.
    pub fn with_phases(theta: Vec<f64>) -> Self {
        Self { theta }
    }
}

#[inline]
fn theta_rhs(th: f64, x: f64) -> f64 {
    let c = th.cos();
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
    fn step(&mut self, x: &[f64], dt: f64, spiked: &mut Vec<usize>) {
        let h2 = 0.5 * dt;
        for (i, (th, &xi)) in self.theta.iter_mut().zip(x).enumerate() {
            let t0 = *th;
            let k1 = theta_rhs(t0, xi);
            let k2 = theta_rhs(t0 + h2 * k1, xi);
            let k3 = theta_rhs(t0 + h2 * k2, xi);
            let k4 = theta_rhs(t0 + dt * k3, xi);
            let next = t0 + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            let d = next - t0;
            if d > 0.0 && d > (PI - t0.rem_euclid(2.0 * PI)).rem_euclid(2.0 * PI) {
                spiked.push(i);
            }
            *th = next;
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
        let mut n = Theta::with_phases(vec![0.0]);
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
