//! Learning-error theory (paper Methods "Analysis of learning error", eqs 52–60; result eq 3).
//!
//! * Tracking error ε_track = τ_s dû/dt (eq 52); its average normalised spectral magnitude up to the target
//!   cut-off Ω_c = 1/(2π τ_c) is (1/Ω_c) ∫_0^{Ω_c} τ_s ω dω = τ_s Ω_c / 2 = τ_s / (4π τ_c) (eq 55).
//! * Sampling error: the variance of a filtered spike train r(t) = (1/τ_s) Σ_k e^{−(t−t_k)/τ_s} H(t − t_k) about
//!   its mean r̄ (eqs 57–59). For a Poisson train Campbell's theorem gives exactly
//!   Var r = r̄ ∫ h² = r̄/(2τ_s); the paper's non-overlap argument gives r̄(1/(2τ_s) − r̄) (eq 59), which agrees
//!   when r̄ τ_s ≪ 1. With W = O(1/N) and pN inputs, Var\[ε_sample\] ~ 1/(τ_s N) (eq 60), so
//!   ε_sample ~ 1/sqrt(τ_s N) (eq 3).
//!
//! Units: any consistent time unit (the project uses τ = 10 ms); rates in spikes per that unit.
//! Every function validates its arguments and returns `InvalidParameter` for non-finite or out-of-range values.

use crate::error::{MeanfieldError, Result};
use crate::quadrature::{QuadOptions, integrate};

fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(MeanfieldError::InvalidParameter {
            name,
            value,
            expected: "finite and > 0",
        })
    }
}

fn non_negative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(MeanfieldError::InvalidParameter {
            name,
            value,
            expected: "finite and >= 0",
        })
    }
}

/// Cut-off frequency Ω_c = 1/(2π τ_c) of the OU target spectrum used in eq 55 (inverse time units).
pub fn tracking_cutoff(tau_c: f64) -> Result<f64> {
    Ok(1.0 / (2.0 * std::f64::consts::PI * positive("tau_c", tau_c)?))
}

/// Tracking-error constant τ_s / (4π τ_c) (paper eq 55), dimensionless (τ_s and τ_c in the same unit).
///
/// Example (§11.1 A7): τ_s = 20 ms, τ_c = 100 ms → 1/(20π) = 0.015915….
pub fn tracking_error_constant(tau_s: f64, tau_c: f64) -> Result<f64> {
    let tau_s = positive("tau_s", tau_s)?;
    let tau_c = positive("tau_c", tau_c)?;
    Ok(tau_s / (4.0 * std::f64::consts::PI * tau_c))
}

/// The left-hand side of eq 55 evaluated by quadrature: (1/Ω_c) ∫_0^{Ω_c} |F\[ε_track\]/F\[û\]| dω with
/// |F\[ε_track\]/F\[û\]| = τ_s ω (eq 54) and Ω_c = 1/(2π τ_c). Equals [`tracking_error_constant`].
pub fn tracking_error_constant_numeric(tau_s: f64, tau_c: f64) -> Result<f64> {
    let tau_s = positive("tau_s", tau_s)?;
    let omega_c = tracking_cutoff(tau_c)?;
    let q = integrate(|w| tau_s * w, 0.0, omega_c, QuadOptions::default())?;
    Ok(q.value / omega_c)
}

/// Campbell variance of a Poisson spike train filtered with h(t) = e^{−t/τ_s}/τ_s:
/// Var r = r̄ ∫_0^∞ h(t)² dt = r̄/(2τ_s) (the leading term of eq 59; exact for Poisson spikes).
///
/// `rate` = r̄ in spikes per time unit, `tau_s` in the same time unit.
pub fn shot_noise_variance(rate: f64, tau_s: f64) -> Result<f64> {
    let rate = non_negative("rate", rate)?;
    let tau_s = positive("tau_s", tau_s)?;
    Ok(rate / (2.0 * tau_s))
}

/// The paper's non-overlapping-spike form ⟨(r − r̄)²⟩ = r̄ (1/(2τ_s) − r̄) (eq 59).
///
/// It subtracts r̄² from the non-overlap estimate ⟨r²⟩ ≈ r̄/(2τ_s) (eq 58); for a Poisson train the exact
/// ⟨r²⟩ is r̄/(2τ_s) + r̄², so this underestimates the variance by the relative amount 2 r̄ τ_s and is only
/// meaningful in the sparse limit r̄ τ_s ≪ 1 (it turns negative for r̄ > 1/(2τ_s)).
pub fn shot_noise_variance_nonoverlap(rate: f64, tau_s: f64) -> Result<f64> {
    let rate = non_negative("rate", rate)?;
    let tau_s = positive("tau_s", tau_s)?;
    Ok(rate * (1.0 / (2.0 * tau_s) - rate))
}

/// A spike train filtered with h(t) = e^{−t/τ_s}/τ_s (paper eq 7 / eq 57), sampled at t_k = (k + 1)·dt for
/// k = 0..n_samples: r(t_k) = Σ_{t_j ≤ t_k} e^{−(t_k − t_j)/τ_s}/τ_s, computed event by event with exact
/// exponentials (each spike adds 1/τ_s at its own time, then everything decays).
///
/// `spike_times` must be sorted and non-negative (same time unit as `tau_s` and `dt`); spikes after the last
/// sample are ignored. Errors: `InvalidParameter` for τ_s or dt ≤ 0 / non-finite, or unsorted, negative or
/// non-finite spike times.
pub fn filtered_spike_train(
    spike_times: &[f64],
    tau_s: f64,
    dt: f64,
    n_samples: usize,
) -> Result<Vec<f64>> {
    let tau_s = positive("tau_s", tau_s)?;
    let dt = positive("dt", dt)?;
    for (k, &t) in spike_times.iter().enumerate() {
        if !(t.is_finite() && t >= 0.0) || (k > 0 && t < spike_times[k - 1]) {
            return Err(MeanfieldError::InvalidParameter {
                name: "spike_times",
                value: t,
                expected: "sorted, finite and >= 0",
            });
        }
    }
    let decay = (-dt / tau_s).exp();
    let mut out = Vec::with_capacity(n_samples);
    let (mut r, mut next) = (0.0, 0);
    for k in 0..n_samples {
        let t = (k + 1) as f64 * dt;
        r *= decay;
        while next < spike_times.len() && spike_times[next] <= t {
            r += (-(t - spike_times[next]) / tau_s).exp() / tau_s;
            next += 1;
        }
        out.push(r);
    }
    Ok(out)
}

/// Variance of the filtered sampling error of one neuron, Σ_j W_ij² r̄_j/(2τ_s) (eq 56 with the Campbell
/// variance of independent Poisson inputs).
///
/// `w_row`: the neuron's incoming weights; `rates`: the presynaptic mean rates r̄_j (same length).
/// Errors: `ShapeMismatch` for unequal lengths; `InvalidParameter` for negative/non-finite rates or τ_s ≤ 0.
pub fn sampling_error_variance(w_row: &[f64], rates: &[f64], tau_s: f64) -> Result<f64> {
    if w_row.len() != rates.len() {
        return Err(MeanfieldError::ShapeMismatch {
            what: "sampling_error_variance: w_row vs rates",
            expected: vec![w_row.len()],
            found: vec![rates.len()],
        });
    }
    let tau_s = positive("tau_s", tau_s)?;
    let mut acc = 0.0;
    for (&w, &r) in w_row.iter().zip(rates) {
        acc += w * w * non_negative("rates[j]", r)? / (2.0 * tau_s);
    }
    Ok(acc)
}

/// Sampling-error scale 1/sqrt(τ_s N) (paper eq 60, eq 3), up to an O(1) constant; τ_s in the project's time
/// unit τ.
pub fn sampling_error_scale(tau_s: f64, n: usize) -> Result<f64> {
    let tau_s = positive("tau_s", tau_s)?;
    if n == 0 {
        return Err(MeanfieldError::InvalidParameter {
            name: "n",
            value: 0.0,
            expected: ">= 1",
        });
    }
    Ok(1.0 / (tau_s * n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// §11.1 A7: τ_s = 20 ms, τ_c = 100 ms → 1/(20π) = 0.015915494309189534, to 1e-12, both in ms and in τ units
    /// (2.0 and 10.0): the ratio is unit-free. The quadrature of a linear integrand is exact up to rounding.
    #[test]
    fn tracking_constant_a7() {
        let expect = 1.0 / (20.0 * PI);
        assert!((expect - 0.015_915_494_309_189_534).abs() < 1e-15);
        for (ts, tc) in [(20.0, 100.0), (2.0, 10.0)] {
            assert!((tracking_error_constant(ts, tc).unwrap() - expect).abs() < 1e-12);
            assert!((tracking_error_constant_numeric(ts, tc).unwrap() - expect).abs() < 1e-12);
        }
        // Closed form = τ_s Ω_c / 2.
        let oc = tracking_cutoff(10.0).unwrap();
        assert!((tracking_error_constant(2.0, 10.0).unwrap() - 2.0 * oc / 2.0).abs() < 1e-15);
    }

    /// Closed forms of eqs 57–60 (rounding only, 1e-15).
    #[test]
    fn shot_noise_closed_forms() {
        // 10 Hz = 0.1 per τ, τ_s = 20 ms = 2 τ.
        assert!((shot_noise_variance(0.1, 2.0).unwrap() - 0.025).abs() < 1e-15);
        assert!((shot_noise_variance_nonoverlap(0.1, 2.0).unwrap() - 0.015).abs() < 1e-15);
        // Sparse limit: relative difference 2 r̄ τ_s.
        let (r, ts) = (1e-3, 2.0);
        let rel = 1.0
            - shot_noise_variance_nonoverlap(r, ts).unwrap() / shot_noise_variance(r, ts).unwrap();
        assert!((rel - 2.0 * r * ts).abs() < 1e-15);
        assert!((sampling_error_scale(2.0, 500).unwrap() - 1.0 / 1000f64.sqrt()).abs() < 1e-15);
        let v = sampling_error_variance(&[0.5, -1.0], &[0.1, 0.2], 2.0).unwrap();
        assert!((v - (0.25 * 0.1 + 0.2) / 4.0).abs() < 1e-15);
    }

    /// eq 60: with W_ij = c/N over N inputs at a common rate, Var\[ε_sample\] = c² r̄/(2 τ_s N), i.e. it scales as
    /// sampling_error_scale² (ratio constant across N and τ_s to rounding).
    #[test]
    fn sampling_variance_scales_as_one_over_tau_s_n() {
        let (c, rate) = (3.0, 0.1);
        let mut ratios = Vec::new();
        for &n in &[100usize, 500, 2000] {
            for &ts in &[0.5, 2.0, 20.0] {
                let w = vec![c / n as f64; n];
                let r = vec![rate; n];
                let var = sampling_error_variance(&w, &r, ts).unwrap();
                ratios.push(var / sampling_error_scale(ts, n).unwrap().powi(2));
            }
        }
        let expect = c * c * rate / 2.0;
        for q in ratios {
            assert!((q - expect).abs() < 1e-12 * expect, "{q}");
        }
    }

    #[test]
    fn rejects_invalid_parameters() {
        assert!(tracking_error_constant(0.0, 1.0).is_err());
        assert!(tracking_error_constant(1.0, -1.0).is_err());
        assert!(tracking_error_constant_numeric(f64::NAN, 1.0).is_err());
        assert!(shot_noise_variance(-0.1, 1.0).is_err());
        assert!(shot_noise_variance_nonoverlap(0.1, 0.0).is_err());
        assert!(sampling_error_scale(1.0, 0).is_err());
        assert!(sampling_error_variance(&[1.0], &[0.1, 0.2], 1.0).is_err());
        assert!(sampling_error_variance(&[1.0], &[-0.1], 1.0).is_err());
    }

    /// One spike at t = 0.75 sampled at t = 0.5, 1.0, …: 0 before it, e^{−(t − 0.75)/τ_s}/τ_s after (1e-14
    /// relative: at most 6 roundings of the repeated decay factor); two coincident spikes add; invalid input is
    /// rejected.
    #[test]
    fn filtered_train_by_hand() {
        let r = filtered_spike_train(&[0.75], 2.0, 0.5, 6).unwrap();
        assert_eq!(r[0], 0.0);
        for (k, &x) in r.iter().enumerate().skip(1) {
            let t = (k + 1) as f64 * 0.5;
            let expect = (-(t - 0.75) / 2.0).exp() / 2.0;
            assert!((x - expect).abs() <= 1e-14 * expect, "{k}: {x} vs {expect}");
        }
        let two = filtered_spike_train(&[0.75, 0.75], 2.0, 0.5, 6).unwrap();
        assert!((two[3] - 2.0 * r[3]).abs() < 1e-15);
        assert!(filtered_spike_train(&[1.0, 0.5], 2.0, 0.5, 6).is_err());
        assert!(filtered_spike_train(&[-1.0], 2.0, 0.5, 6).is_err());
        assert!(filtered_spike_train(&[], 0.0, 0.5, 6).is_err());
    }
}
