//! Adaptive Gauss–Kronrod quadrature (G7–K15, QUADPACK QAG strategy) on a finite interval.
//!
//! Used to check the stationary phase density (paper eq 44–45) and to evaluate the tracking-error integral
//! (paper eq 55) numerically. The 15-point Kronrod rule is exact for polynomials of degree ≤ 22, the embedded
//! 7-point Gauss rule for degree ≤ 13; their difference |K15 − G7| is used as the (conservative) local error
//! estimate. The interval with the largest error estimate is bisected until the summed estimate falls below
//! `max(abs_tol, rel_tol · |value|)`.

use crate::error::{MeanfieldError, Result};

/// Kronrod abscissae on [−1, 1] (non-negative half, descending; QUADPACK `qk15`). Odd indices are the
/// Gauss–Legendre 7-point nodes.
#[allow(
    clippy::excessive_precision,
    reason = "digits kept verbatim from QUADPACK qk15"
)]
const XGK: [f64; 8] = [
    0.991_455_371_120_812_639_206_854_697_526_329,
    0.949_107_912_342_758_524_526_189_684_047_851,
    0.864_864_423_359_769_072_789_712_788_640_926,
    0.741_531_185_599_394_439_863_864_773_280_788,
    0.586_087_235_467_691_130_294_144_845_693_013,
    0.405_845_151_377_397_166_906_606_412_076_961,
    0.207_784_955_007_898_467_600_689_403_773_245,
    0.0,
];

/// Kronrod weights matching [`XGK`].
#[allow(
    clippy::excessive_precision,
    reason = "digits kept verbatim from QUADPACK qk15"
)]
const WGK: [f64; 8] = [
    0.022_935_322_010_529_224_963_732_008_058_970,
    0.063_092_092_629_978_553_290_700_663_189_204,
    0.104_790_010_322_250_183_839_876_322_541_518,
    0.140_653_259_715_525_918_745_189_590_510_238,
    0.169_004_726_639_267_902_826_583_426_598_550,
    0.190_350_578_064_785_409_913_256_402_421_014,
    0.204_432_940_075_298_892_414_161_999_234_649,
    0.209_482_141_084_727_828_012_999_174_891_714,
];

/// Gauss–Legendre 7-point weights for the nodes XGK[1], XGK[3], XGK[5], XGK[7] (= 0).
#[allow(
    clippy::excessive_precision,
    reason = "digits kept verbatim from QUADPACK qk15"
)]
const WG: [f64; 4] = [
    0.129_484_966_168_869_693_270_611_432_679_082,
    0.279_705_391_489_276_667_901_467_771_423_780,
    0.381_830_050_505_118_944_950_369_775_488_975,
    0.417_959_183_673_469_387_755_102_040_816_327,
];

/// Tolerances and budget of [`integrate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuadOptions {
    /// Absolute tolerance on the summed error estimate.
    pub abs_tol: f64,
    /// Relative tolerance (relative to |value|).
    pub rel_tol: f64,
    /// Maximum number of subintervals before giving up.
    pub max_intervals: usize,
}

impl Default for QuadOptions {
    /// abs_tol = 1e-13, rel_tol = 1e-12, at most 10 000 subintervals.
    fn default() -> Self {
        Self {
            abs_tol: 1e-13,
            rel_tol: 1e-12,
            max_intervals: 10_000,
        }
    }
}

/// Result of [`integrate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quadrature {
    /// ∫_a^b f(x) dx.
    pub value: f64,
    /// Summed |K15 − G7| over the final subintervals (an upper-bound-like estimate of the absolute error).
    pub error_estimate: f64,
    /// Number of subintervals in the final partition.
    pub intervals: usize,
}

/// One G7–K15 panel on [a, b]: (Kronrod value, |Kronrod − Gauss|).
fn gk15(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut k = WGK[7] * fc;
    let mut g = WG[3] * fc;
    for j in 0..7 {
        let dx = h * XGK[j];
        let s = f(c - dx) + f(c + dx);
        k += WGK[j] * s;
        if j % 2 == 1 {
            g += WG[j / 2] * s;
        }
    }
    (k * h, ((k - g) * h).abs())
}

/// Adaptive ∫_a^b f(x) dx (G7–K15, bisect the worst interval first).
///
/// Errors: `InvalidParameter` for non-finite or reversed limits (a > b) or non-positive tolerances;
/// `QuadratureNotConverged` if `max_intervals` is exhausted; `NonFinite` if f returns NaN/±inf.
pub fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, opts: QuadOptions) -> Result<Quadrature> {
    if !(a.is_finite() && b.is_finite() && a <= b) {
        return Err(MeanfieldError::InvalidParameter {
            name: "a, b",
            value: b - a,
            expected: "finite limits with a <= b",
        });
    }
    if !(opts.abs_tol > 0.0 || opts.rel_tol > 0.0) || opts.max_intervals == 0 {
        return Err(MeanfieldError::InvalidParameter {
            name: "opts",
            value: opts.abs_tol.max(opts.rel_tol),
            expected: "a positive tolerance and max_intervals >= 1",
        });
    }
    // (a, b, value, error) of every current subinterval.
    let mut parts: Vec<(f64, f64, f64, f64)> = Vec::new();
    let (v, e) = gk15(&f, a, b);
    parts.push((a, b, v, e));
    loop {
        let value: f64 = parts.iter().map(|p| p.2).sum();
        let error: f64 = parts.iter().map(|p| p.3).sum();
        if !value.is_finite() || !error.is_finite() {
            return Err(MeanfieldError::NonFinite { what: "integrand" });
        }
        if error <= opts.abs_tol.max(opts.rel_tol * value.abs()) {
            return Ok(Quadrature {
                value,
                error_estimate: error,
                intervals: parts.len(),
            });
        }
        if parts.len() >= opts.max_intervals {
            return Err(MeanfieldError::QuadratureNotConverged {
                estimate: value,
                error_estimate: error,
                intervals: parts.len(),
            });
        }
        let worst = parts
            .iter()
            .enumerate()
            .max_by(|x, y| x.1.3.total_cmp(&y.1.3))
            .map(|(i, _)| i)
            .expect("parts is never empty");
        let (lo, hi, _, _) = parts.swap_remove(worst);
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            // Interval cannot be split further in floating point.
            return Err(MeanfieldError::QuadratureNotConverged {
                estimate: value,
                error_estimate: error,
                intervals: parts.len() + 1,
            });
        }
        let (v1, e1) = gk15(&f, lo, mid);
        let (v2, e2) = gk15(&f, mid, hi);
        parts.push((lo, mid, v1, e1));
        parts.push((mid, hi, v2, e2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule constants: Kronrod and Gauss weights each sum to 2 (= ∫_{-1}^{1} 1); floating-point sums of
    /// 8 terms, so 1e-15.
    #[test]
    fn weights_sum_to_two() {
        let k: f64 = WGK[7] + 2.0 * WGK[..7].iter().sum::<f64>();
        let g: f64 = WG[3] + 2.0 * WG[..3].iter().sum::<f64>();
        assert!((k - 2.0).abs() < 1e-15, "{k}");
        assert!((g - 2.0).abs() < 1e-15, "{g}");
    }

    /// A single K15 panel is exact for x^d, d ≤ 22, and G7 for d ≤ 13 but not d = 14; checks every constant.
    /// Tolerance 1e-14: a handful of roundings of O(1) terms.
    #[test]
    fn single_panel_polynomial_exactness() {
        for d in 0..=22 {
            let exact = if d % 2 == 0 {
                2.0 / (d as f64 + 1.0)
            } else {
                0.0
            };
            let (k, diff) = gk15(&|x: f64| x.powi(d), -1.0, 1.0);
            assert!((k - exact).abs() < 1e-14, "K15 degree {d}: {k} vs {exact}");
            if d <= 13 {
                assert!(diff < 1e-14, "G7 degree {d}: |K-G| = {diff}");
            }
        }
        // Degree 14 is beyond G7: the difference must be visibly non-zero.
        let (_, diff14) = gk15(&|x: f64| x.powi(14), -1.0, 1.0);
        assert!(diff14 > 1e-6, "{diff14}");
    }

    /// Adaptive integration of a sharply peaked Lorentzian, ∫_{-1}^{1} ε/(π(x²+ε²)) dx = (2/π) atan(1/ε),
    /// to the default tolerance (value O(1), so 1e-11 leaves a margin over rel_tol = 1e-12).
    #[test]
    fn adaptive_lorentzian() {
        for &eps in &[1e-1, 1e-3, 1e-5] {
            let q = integrate(
                |x| eps / (std::f64::consts::PI * (x * x + eps * eps)),
                -1.0,
                1.0,
                QuadOptions::default(),
            )
            .unwrap();
            let exact = 2.0 / std::f64::consts::PI * (1.0 / eps).atan();
            assert!(
                (q.value - exact).abs() < 1e-11,
                "eps={eps}: {} vs {exact}",
                q.value
            );
        }
    }

    #[test]
    fn rejects_bad_limits_and_budget() {
        assert!(integrate(|x| x, 1.0, 0.0, QuadOptions::default()).is_err());
        assert!(integrate(|x| x, 0.0, f64::INFINITY, QuadOptions::default()).is_err());
        let tight = QuadOptions {
            abs_tol: 1e-300,
            rel_tol: 0.0,
            max_intervals: 3,
        };
        assert!(matches!(
            integrate(|x: f64| x.abs().sqrt(), -1.0, 1.0, tight),
            Err(MeanfieldError::QuadratureNotConverged { .. })
        ));
        assert!(matches!(
            integrate(|_| f64::NAN, 0.0, 1.0, QuadOptions::default()),
            Err(MeanfieldError::NonFinite { .. })
        ));
    }
}
