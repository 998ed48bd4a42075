//! Chaotic rate-network targets (paper-spec §2.4, §4.3, §12.6).
//!
//! τ_r dx_i/dt = −x_i + Σ_j M_ij φ1(x_j), φ1(x) = sqrt(\[x\]₊)/π, integrated by forward Euler
//! x ← x + (h/τ_r)(−x + M φ1(x)) with h = dt_ms/k, k = ⌈dt_ms / max_step_ms⌉ (the authors' code: h = 1 ms).

use crate::TargetError;
use crate::spec::{ChaoticRateParams, whole_steps};
use ndarray::Array2;
use rand::Rng;
use spikelearn_meanfield::phi1;
use spikelearn_sim::SparseRows;

/// Number of Euler substeps per grid step: k = ⌈dt_ms / max_step_ms⌉ (≥ 1; a ratio within 1e-9 of an
/// integer counts as that integer, so 2 ms / 1 ms gives exactly 2 substeps).
pub(crate) fn substeps(dt_ms: f64, max_step_ms: f64) -> usize {
    let r = dt_ms / max_step_ms;
    let k = if (r - r.round()).abs() <= 1e-9 * r.max(1.0) {
        r.round()
    } else {
        r.ceil()
    };
    (k as usize).max(1)
}

/// Simulate the rate network and return x over the window (see [`ChaoticRateParams`]).
///
/// Random draws, in order: the connectivity M (`SparseRows::gaussian(n, p, g, zero_row_mean, rng)`), then
/// x_i(0) = init_scale·U[0, 1] for i = 0, 1, …, N − 1. The dynamics themselves are deterministic.
pub(crate) fn chaotic_rate<R: Rng + ?Sized>(
    p: &ChaoticRateParams,
    n: usize,
    steps: usize,
    dt_ms: f64,
    rng: &mut R,
) -> Result<Array2<f64>, TargetError> {
    let transient = whole_steps("targets.transient_ms", p.transient_ms, dt_ms)?;
    if n == 0 {
        return Ok(Array2::zeros((0, steps)));
    }
    let m = SparseRows::gaussian(n, p.p, p.g, p.zero_row_mean, rng)?;
    let mut x: Vec<f64> = (0..n).map(|_| p.init_scale * rng.random::<f64>()).collect();
    let k = substeps(dt_ms, p.max_step_ms);
    let c = dt_ms / k as f64 / p.tau_ms;
    let mut h = vec![0.0; n];
    let mut y = vec![0.0; n];
    let mut out = Array2::zeros((n, steps));
    for step in 0..transient + steps {
        for _ in 0..k {
            for (hj, &xj) in h.iter_mut().zip(&x) {
                *hj = phi1(xj);
            }
            m.matvec(&h, &mut y);
            for (xi, &yi) in x.iter_mut().zip(&y) {
                *xi += c * (yi - *xi);
            }
        }
        if step >= transient {
            let s = step - transient;
            for (i, &xi) in x.iter().enumerate() {
                if !xi.is_finite() {
                    return Err(TargetError::NonFinite { neuron: i, step: s });
                }
                out[[i, s]] = xi;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substep_counts() {
        assert_eq!(substeps(1.0, 1.0), 1);
        assert_eq!(substeps(0.1, 1.0), 1);
        assert_eq!(substeps(2.0, 1.0), 2);
        assert_eq!(substeps(2.5, 1.0), 3);
        assert_eq!(substeps(0.3 * 10.0, 1.0), 3);
    }
}
