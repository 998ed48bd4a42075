//! Quasi-static stationary phase density of a theta neuron (paper Methods eqs 39, 44, 45).
//!
//! In τ = 1 units the theta neuron with total input x = U + I obeys θ̇ = F(θ, x) = 1 − cos θ + x(1 + cos θ)
//! (eq 39). For x > 0 the phase rotates and the stationary solution of the continuity equation
//! ∂_t ρ + ∂_θ(F ρ) = 0 (eq 41 with ∂_t ρ = 0, eq 43) has constant flux F ρ = φ1(x):
//!
//! ρ(θ; x) = sqrt(\[x\]₊) / (π \[1 − cos θ + x(1 + cos θ)\]),  ∫_{−π}^{π} ρ dθ = 1   (eq 44)
//!
//! and since F(π, x) = 2, the rate (the flux through θ = π) is φ(x) = 2ρ(π; x) = sqrt(\[x\]₊)/π = φ1(x) (eq 45).
//!
//! For x < 1 the density peaks at θ = 0 (the neuron lingers near the ghost of the fixed point, height
//! 1/(2π sqrt x), width ~ sqrt x); for x > 1 it peaks at θ = π (height sqrt(x)/(2π)).

/// Phase velocity F(θ, x) = 1 − cos θ + x(1 + cos θ) of the theta neuron with total input x, in τ = 1 units
/// (paper eq 39; eq 4 with I = x).
#[inline]
pub fn theta_velocity(theta: f64, x: f64) -> f64 {
    let c = theta.cos();
    1.0 - c + x * (1.0 + c)
}

/// Stationary phase density ρ(θ; x) = sqrt(\[x\]₊) / (π \[1 − cos θ + x(1 + cos θ)\]) (paper eq 44), per radian,
/// normalised on θ ∈ [−π, π].
///
/// For x ≤ 0 there is no rotating stationary state: the phase settles on a stable fixed point, the density is a
/// point mass that this function does not represent, and it returns 0 (the numerator sqrt(\[x\]₊) vanishes; this
/// also avoids the 0/0 at θ = 0, x = 0). The rate 2ρ(π; x) = 0 is then still correct (eq 45).
#[inline]
pub fn stationary_density(theta: f64, x: f64) -> f64 {
    if x > 0.0 {
        x.sqrt() / (std::f64::consts::PI * theta_velocity(theta, x))
    } else {
        0.0
    }
}

/// Firing rate from the density, 2ρ(π; x) (paper eq 45), in spikes per τ; equals φ1(x) = sqrt(\[x\]₊)/π.
///
/// The factor 2 is the phase velocity F(π, x) = 2 at the spike (θ = π), so this is the probability flux through
/// θ = π (eq 40: s_j = η_j(π) θ̇_j|_{θ=π}).
#[inline]
pub fn density_rate(x: f64) -> f64 {
    2.0 * stationary_density(std::f64::consts::PI, x)
}

/// Probability flux J(θ) = F(θ, x) ρ(θ; x) of the stationary density (paper eqs 41, 43–44).
///
/// Stationarity (∂_θ J = 0) means J is independent of θ and equals the firing rate φ1(x) for x > 0.
#[inline]
pub fn stationary_flux(theta: f64, x: f64) -> f64 {
    theta_velocity(theta, x) * stationary_density(theta, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quadrature::{QuadOptions, integrate};
    use crate::transfer::phi1;
    use std::f64::consts::PI;

    /// Inputs spanning sharply peaked densities at θ = 0 (x ≪ 1), the uniform case (x = 1) and peaks at θ = π
    /// (x ≫ 1).
    const XS: [f64; 8] = [1e-4, 1e-2, 0.1, 0.25, 1.0, 2.0, 10.0, 1e3];

    /// §11.1 A3: ∫_{−π}^{π} ρ(θ; x) dθ = 1 to 1e-8 by adaptive quadrature directly in θ (no substitution, so
    /// the formula of eq 44 is what is integrated).
    #[test]
    fn density_is_normalised() {
        for &x in &XS {
            let q = integrate(
                |t| stationary_density(t, x),
                -PI,
                PI,
                QuadOptions::default(),
            )
            .unwrap();
            assert!((q.value - 1.0).abs() < 1e-8, "x={x}: integral {}", q.value);
            // The quadrature's own error estimate must be below the tolerance being asserted.
            assert!(
                q.error_estimate < 1e-8,
                "x={x}: error estimate {}",
                q.error_estimate
            );
        }
    }

    /// §11.1 A3 / eq 45: 2ρ(π; x) = φ1(x) (closed forms, so 1e-15 relative), and independently the rate from
    /// the period by quadrature, 1/∫_{−π}^{π} dθ/F(θ, x), equals φ1(x) to 1e-8.
    #[test]
    fn rate_from_density_equals_phi1() {
        for &x in &XS {
            assert!(
                (density_rate(x) - phi1(x)).abs() <= 1e-15 * phi1(x),
                "x={x}"
            );
            let period = integrate(
                |t| 1.0 / theta_velocity(t, x),
                -PI,
                PI,
                QuadOptions::default(),
            )
            .unwrap();
            assert!((1.0 / period.value - phi1(x)).abs() < 1e-8, "x={x}");
        }
    }

    /// Stationarity: the flux F ρ is constant in θ and equals φ1(x) (eq 41 with ∂_t ρ = 0). Relative 1e-14:
    /// one product and one quotient of O(1) numbers.
    #[test]
    fn flux_is_constant() {
        for &x in &XS {
            for k in 0..=64 {
                let theta = -PI + 2.0 * PI * k as f64 / 64.0;
                let j = stationary_flux(theta, x);
                assert!(
                    (j - phi1(x)).abs() <= 1e-14 * phi1(x),
                    "x={x} θ={theta}: {j}"
                );
            }
        }
    }

    /// Peak location and height: θ = 0 with 1/(2π sqrt x) for x < 1, θ = π with sqrt(x)/(2π) for x > 1.
    #[test]
    fn peak_location() {
        let x = 0.01;
        assert!((stationary_density(0.0, x) - 1.0 / (2.0 * PI * x.sqrt())).abs() < 1e-12);
        assert!(stationary_density(0.0, x) > stationary_density(PI, x));
        let x = 9.0;
        assert!((stationary_density(PI, x) - x.sqrt() / (2.0 * PI)).abs() < 1e-12);
        assert!(stationary_density(PI, x) > stationary_density(0.0, x));
        // x = 1: uniform density 1/(2π).
        assert!((stationary_density(0.7, 1.0) - 1.0 / (2.0 * PI)).abs() < 1e-15);
    }

    /// Silent regime: zero density and rate for x ≤ 0, no NaN at θ = 0, x = 0.
    #[test]
    fn silent_below_threshold() {
        for &x in &[0.0, -0.5] {
            assert_eq!(stationary_density(0.0, x), 0.0);
            assert_eq!(density_rate(x), 0.0);
        }
    }
}
