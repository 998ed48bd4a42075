//! Transfer functions (f–I curves) of the theta neuron, in spikes per τ (τ = 10 ms; Hz = 100 × value).
//!
//! * φ1(x) = sqrt(\[x\]₊)/π — exact stationary rate of a theta neuron with constant input x (paper eq 13, eq 45).
//! * φ2(x) = (1/π) sqrt(c · log(1 + exp(x/c))), c = 0.1 — smooth version used in the spiking-rate learning
//!   rule (paper eq 14). Computed with a numerically stable softplus.

/// A scalar transfer function with its derivative, used by the rate-training rule and quasi-static predictions.
pub trait Transfer: Send + Sync {
    /// φ(x), in spikes per τ.
    fn value(&self, x: f64) -> f64;
    /// dφ/dx.
    fn deriv(&self, x: f64) -> f64;
}

/// φ1(x) = sqrt(\[x\]₊)/π (paper eq 13): the theta neuron's exact constant-input rate per τ.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Phi1;

/// φ2(x) = (1/π) sqrt(c log(1 + e^{x/c})) (paper eq 14) with smoothing constant `c`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phi2 {
    /// Smoothing constant c (the paper uses 0.1).
    pub c: f64,
}

impl Phi2 {
    /// The paper's choice c = 0.1 (Methods, eq 14).
    pub const PAPER: Phi2 = Phi2 { c: 0.1 };
}

impl Default for Phi2 {
    fn default() -> Self {
        Self::PAPER
    }
}

/// φ1(x) = sqrt(\[x\]₊)/π.
#[inline]
pub fn phi1(x: f64) -> f64 {
    if x > 0.0 {
        x.sqrt() / std::f64::consts::PI
    } else {
        0.0
    }
}

/// dφ1/dx = 1/(2π sqrt(x)) for x > 0, 0 otherwise.
#[inline]
pub fn phi1_prime(x: f64) -> f64 {
    if x > 0.0 {
        0.5 / (std::f64::consts::PI * x.sqrt())
    } else {
        0.0
    }
}

/// Numerically stable softplus log(1 + e^z).
#[inline]
pub fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Logistic sigmoid 1/(1 + e^{-z}), stable for large |z|.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// φ2(x) = (1/π) sqrt(c · softplus(x/c)).
#[inline]
pub fn phi2(x: f64, c: f64) -> f64 {
    (c * softplus(x / c)).sqrt() / std::f64::consts::PI
}

/// dφ2/dx = σ(x/c) / (2π sqrt(c · softplus(x/c))), with σ the logistic function.
///
/// Derivation: d/dx sqrt(c·sp(x/c)) = c·σ(x/c)/c / (2 sqrt(c·sp(x/c))).
/// For x/c ≪ 0 both numerator and denominator vanish like e^{x/c} and e^{x/(2c)}, so the ratio is computed
/// as sqrt(σ(x/c)·σ(x/c)/(c·sp(x/c))) to avoid 0/0.
#[inline]
pub fn phi2_prime(x: f64, c: f64) -> f64 {
    let z = x / c;
    let sp = softplus(z);
    if sp == 0.0 {
        return 0.0;
    }
    let s = sigmoid(z);
    s / (2.0 * std::f64::consts::PI * (c * sp).sqrt())
}

impl Transfer for Phi1 {
    fn value(&self, x: f64) -> f64 {
        phi1(x)
    }
    fn deriv(&self, x: f64) -> f64 {
        phi1_prime(x)
    }
}

impl Transfer for Phi2 {
    fn value(&self, x: f64) -> f64 {
        phi2(x, self.c)
    }
    fn deriv(&self, x: f64) -> f64 {
        phi2_prime(x, self.c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §11.1 A2: φ2(0) = sqrt(0.1 ln 2)/π = 0.083804 per τ (8.38 Hz); closed form to 1e-12.
    #[test]
    fn phi2_at_zero_closed_form() {
        let expect = (0.1 * std::f64::consts::LN_2).sqrt() / std::f64::consts::PI;
        assert!((phi2(0.0, 0.1) - expect).abs() < 1e-12);
        assert!((expect - 0.083804).abs() < 1e-6);
    }

    /// §11.1 A2: φ2(1) ≈ φ1(1) = 1/π (softplus(10) = 10 + 4.5e-5).
    #[test]
    #[allow(
        clippy::approx_constant,
        reason = "the literal is the independently written value of 1/π being checked"
    )]
    fn phi2_matches_phi1_far_above_threshold() {
        let expect = (0.1 * (10.0 + (-10.0f64).exp().ln_1p())).sqrt() / std::f64::consts::PI;
        assert!((phi2(1.0, 0.1) - expect).abs() < 1e-12);
        assert!((phi2(1.0, 0.1) - phi1(1.0)).abs() < 1e-5);
        assert!((phi1(1.0) - 0.318_309_886_183_791).abs() < 1e-12);
    }

    /// §11.1 A1 (analytic part): φ1(1) = 31.831 Hz, φ1(0.25) = 15.915 Hz, silent for x ≤ 0.
    #[test]
    fn phi1_values() {
        assert!((100.0 * phi1(1.0) - 31.831).abs() < 1e-3);
        assert!((100.0 * phi1(0.25) - 15.915).abs() < 1e-3);
        assert_eq!(phi1(0.0), 0.0);
        assert_eq!(phi1(-3.0), 0.0);
    }

    /// Derivatives agree with central finite differences (h = 1e-6, error O(h²) ≈ 1e-10 relative).
    #[test]
    fn derivatives_match_finite_differences() {
        let h = 1e-6;
        for &x in &[-0.5, -0.1, 0.0, 0.05, 0.3, 1.0, 2.5] {
            let fd = (phi2(x + h, 0.1) - phi2(x - h, 0.1)) / (2.0 * h);
            assert!(
                (fd - phi2_prime(x, 0.1)).abs() < 1e-7 * (1.0 + fd.abs()),
                "x={x}"
            );
        }
        for &x in &[0.05, 0.3, 1.0, 2.5] {
            let fd = (phi1(x + h) - phi1(x - h)) / (2.0 * h);
            assert!(
                (fd - phi1_prime(x)).abs() < 1e-6 * (1.0 + fd.abs()),
                "x={x}"
            );
        }
    }

    /// Stability: no NaN/inf far below or above threshold.
    #[test]
    fn phi2_is_stable_at_extremes() {
        for &x in &[-1e4, -50.0, 50.0, 1e4] {
            assert!(phi2(x, 0.1).is_finite());
            assert!(phi2_prime(x, 0.1).is_finite());
        }
        assert_eq!(phi2_prime(-1e4, 0.1), 0.0);
    }
}
