//! Ornstein–Uhlenbeck targets in the code convention (paper-spec §4.4, §12.4).
//!
//! Time is measured in units of τ = 10 ms (paper-spec §1.1): dt = dt_ms/10, τ_c = tau_c_ms/10. The exact
//! discretisation of dx = −(x/τ_c) dt + s dW is
//!
//! x(t + dt) = a·x(t) + b·ξ,  a = e^{−dt/τ_c},  b = s·sqrt((τ_c/2)(1 − e^{−2dt/τ_c})),  ξ ~ N(0, 1),
//!
//! with stationary s.d. σ = s·sqrt(τ_c/2) and autocorrelation ⟨x(t)x(t + ℓ)⟩/σ² = e^{−ℓ/τ_c}.

use crate::TargetError;
use crate::spec::{OuInit, OuParams, whole_steps};
use ndarray::Array2;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use spikelearn_sim::TAU_MS;

/// Coefficients (a, b) of the exact OU update x ← a x + b ξ for step `dt_ms` (see the module docs).
pub fn ou_update_coefficients(tau_c_ms: f64, s: f64, dt_ms: f64) -> (f64, f64) {
    let dt = dt_ms / TAU_MS;
    let tc = tau_c_ms / TAU_MS;
    let a = (-dt / tc).exp();
    // 1 − e^{−2dt/τ_c} = −expm1(−2dt/τ_c), accurate also for dt ≪ τ_c.
    let b = s * (0.5 * tc * (-(-2.0 * dt / tc).exp_m1())).sqrt();
    (a, b)
}

/// Generate N independent OU traces (module docs). Per neuron, neuron 0 first: the initial draw
/// (stationary: x(0) = σ ξ; zero init: no draw, then one ξ per transient step), then one ξ per window step.
pub(crate) fn ou<R: Rng + ?Sized>(
    p: &OuParams,
    n: usize,
    steps: usize,
    dt_ms: f64,
    rng: &mut R,
) -> Result<Array2<f64>, TargetError> {
    let transient = match p.init {
        OuInit::Stationary => 0,
        OuInit::Zero { transient_ms } => {
            whole_steps("targets.init.transient_ms", transient_ms, dt_ms)?
        }
    };
    let (a, b) = ou_update_coefficients(p.tau_c_ms, p.s, dt_ms);
    let sd = p.stationary_sd();
    let scale = if p.standardize { p.target_sd / sd } else { 1.0 };
    let mut out = Array2::zeros((n, steps));
    for mut row in out.rows_mut() {
        let mut x = match p.init {
            OuInit::Stationary => {
                let z: f64 = StandardNormal.sample(rng);
                sd * z
            }
            OuInit::Zero { .. } => {
                let mut x = 0.0;
                for _ in 0..transient {
                    let z: f64 = StandardNormal.sample(rng);
                    x = a * x + b * z;
                }
                x
            }
        };
        for v in row.iter_mut() {
            let z: f64 = StandardNormal.sample(rng);
            x = a * x + b * z;
            *v = scale * x;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_preserve_the_stationary_variance() {
        // a²σ² + b² = σ² exactly (up to rounding, ~1e-15 relative) for any dt, including dt ≫ τ_c.
        for (tc, dt) in [(200.0, 1.0), (1.0, 1.0), (5.0, 100.0), (800.0, 0.1)] {
            let (a, b) = ou_update_coefficients(tc, 0.3, dt);
            let var = 0.09 * tc / TAU_MS / 2.0;
            assert!((a * a * var + b * b - var).abs() < 1e-12 * var, "{tc} {dt}");
        }
    }

    #[test]
    fn coefficients_match_euler_maruyama_for_small_steps() {
        // Code: x ← (1 − dt/τ_c) x + s sqrt(dt) ξ. For dt/τ_c = 0.005 the two agree to O((dt/τ_c)²) ~ 1e-5
        // relative in a and O(dt/τ_c) ~ 5e-3 relative in b.
        let (a, b) = ou_update_coefficients(200.0, 0.3, 1.0);
        let dt = 0.1;
        assert!((a - (1.0 - dt / 20.0)).abs() < 2e-5);
        assert!((b / (0.3 * f64::sqrt(dt)) - 1.0).abs() < 5e-3);
    }
}
