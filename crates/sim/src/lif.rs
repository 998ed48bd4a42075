//! Leaky integrate-and-fire (LIF) neurons of Figure 3—figure supplement 2a,b (paper-spec §2.4, §12.15).
//!
//! # Equations
//!
//! The paper's LIF neuron (caption of Fig 3—supp 2) is
//!
//! ```text
//! dv_i/dt = −(v_i − I_i)/τ_m + u_i,   τ_m = 10 ms,
//! v_i ≥ v_thr = −50 mV  →  spike, v_i ← v_res = −65 mV,
//! ```
//!
//! with I_i a rest level (mV) and u_i the synaptic drive in mV/ms. The simulation loop
//! ([`crate::Network::run`]) hands every model the *dimensionless* total input x_i = u_i + I_i^ext of the theta
//! network (drive plus stimulus), so this module converts once, with a gain G in mV:
//!
//! ```text
//! τ_m dv_i/dt = −(v_i − v_rest) + G·x_i           (v in mV)
//! ```
//!
//! i.e. the paper's I_i is `v_rest_mv` and the paper's u_i is G·x_i/τ_m. For frozen x the membrane relaxes
//! to v_∞ = v_rest + G·x, and a neuron with v_∞ > v_thr fires periodically with interspike interval
//!
//! ```text
//! ISI(x) = t_ref + τ_m ln((v_∞ − v_res)/(v_∞ − v_thr)),
//! ```
//!
//! silent otherwise. The rheobase is x_0 = (v_thr − v_rest)/G.
//!
//! # Integration
//!
//! Exact: with x frozen over the step (like the theta model's RK4, paper-spec §2.5) the solution
//! v(t) = v_∞ + (v − v_∞) e^{−t/τ_m} is used, and the threshold-crossing time inside the step,
//! t* = τ_m ln((v_∞ − v)/(v_∞ − v_thr)), is computed exactly. After a spike v is clamped at v_res for t_ref, then
//! relaxes again for whatever is left of the step. The f–I curve is therefore exact for any dt (only the
//! reported spike step is quantised to the grid; the sub-step phase is kept). At most one spike per neuron
//! and step is reported: if t_ref < dt and a second crossing would fall in the same step, v is held at v_thr
//! and the spike is emitted at the start of the next step (a delay < dt; impossible with the default
//! t_ref = 2 ms ≥ dt = 1 ms).

use crate::error::check_range;
use crate::{NeuronModel, SimError, TAU_MS};
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};

/// Parameters of the LIF population (all neurons share them).
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | tau_m_ms | 10 | τ | ms | > 0 | Fig 3—supp 2 caption |
/// | v_thr_mv | −50 | v_thr | mV | > v_reset_mv | Fig 3—supp 2 caption |
/// | v_reset_mv | −65 | v_res | mV | < v_thr_mv | Fig 3—supp 2 caption |
/// | v_rest_mv | −49.5 | I_i | mV | finite | not given (§12.15): 0.5 mV above threshold, see below |
/// | gain_mv | 15 | – | mV per unit input | > 0 | not given: v_thr − v_res, see below |
/// | t_ref_ms | 2 | – | ms | ≥ 0 | not given (§12.15): the customary 2 ms (e.g. Brunel 2000) |
///
/// Choices (not in the paper, measured consequences in experiments/fig3_supp2/README.md):
/// * `gain_mv` G converts the theta model's dimensionless drive into mV. Default: one unit of drive moves
///   the steady-state potential by the reset-to-threshold distance v_thr − v_res = 15 mV, the only voltage
///   scale of the caption; the Fig 3 target amplitudes A ~ U[0.5, 1.5] then mean 7.5–22.5 mV of synaptic
///   depolarisation. The alternative of matching the theta neuron's f–I curve at one unit above rheobase
///   ([`theta_matched_gain_mv`], 0.836 mV) squeezes the targets into ±1.3 mV, where the LIF f–I curve is
///   almost a step (0 → 13 Hz at rheobase, 35 Hz at 1.5 units): that network learns markedly worse.
/// * `v_rest_mv` (the paper's I_i): 0.5 mV above threshold (rheobase x_0 = −1/30). With the rest level at
///   or below threshold a deterministic LIF network started anywhere below threshold falls silent for good
///   (each v relaxes monotonically to v_∞ ≤ v_thr); just above it every neuron fires spontaneously and the
///   recurrent input (σ = 1) modulates the rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LifParams {
    /// Membrane time constant τ_m (ms).
    pub tau_m_ms: f64,
    /// Spike threshold v_thr (mV).
    pub v_thr_mv: f64,
    /// Reset potential v_res (mV).
    pub v_reset_mv: f64,
    /// Rest level (the paper's I_i, mV).
    pub v_rest_mv: f64,
    /// Gain G: depolarisation (mV) per unit of dimensionless input x = u + I.
    pub gain_mv: f64,
    /// Absolute refractory period (ms), during which v is clamped at v_res.
    pub t_ref_ms: f64,
}

/// The gain G (mV per unit input) for which the rate one unit of input above rheobase equals the theta
/// neuron's φ1(1) = 1/π per τ, i.e. ISI = π τ (paper eq 45): G = (v_thr − v_res)/(e^{(π τ − t_ref)/τ_m} − 1).
/// 0.83584 mV for τ_m = 10 ms, t_ref = 2 ms, v_thr − v_res = 15 mV. Not the default (see [`LifParams`]); kept
/// for the gain scan of experiments/fig3_supp2.
pub fn theta_matched_gain_mv(tau_m_ms: f64, t_ref_ms: f64, v_thr_mv: f64, v_reset_mv: f64) -> f64 {
    let isi = std::f64::consts::PI * TAU_MS;
    (v_thr_mv - v_reset_mv) / (((isi - t_ref_ms) / tau_m_ms).exp() - 1.0)
}

impl Default for LifParams {
    fn default() -> Self {
        Self {
            tau_m_ms: 10.0,
            v_thr_mv: -50.0,
            v_reset_mv: -65.0,
            v_rest_mv: -49.5,
            gain_mv: 15.0,
            t_ref_ms: 2.0,
        }
    }
}

impl LifParams {
    /// Check every field; errors name the field as `lif.<name>`.
    pub fn validate(&self) -> Result<(), SimError> {
        check_range(
            "lif.tau_m_ms",
            self.tau_m_ms,
            self.tau_m_ms > 0.0,
            "(0, inf) ms",
        )?;
        check_range("lif.v_thr_mv", self.v_thr_mv, true, "finite")?;
        check_range(
            "lif.v_reset_mv",
            self.v_reset_mv,
            self.v_reset_mv < self.v_thr_mv,
            "< lif.v_thr_mv",
        )?;
        check_range("lif.v_rest_mv", self.v_rest_mv, true, "finite")?;
        check_range(
            "lif.gain_mv",
            self.gain_mv,
            self.gain_mv > 0.0,
            "(0, inf) mV",
        )?;
        check_range(
            "lif.t_ref_ms",
            self.t_ref_ms,
            self.t_ref_ms >= 0.0,
            "[0, inf) ms",
        )?;
        Ok(())
    }

    /// Rheobase x_0 = (v_thr − v_rest)/G: the neuron fires under constant input x iff x > x_0.
    pub fn rheobase(&self) -> f64 {
        (self.v_thr_mv - self.v_rest_mv) / self.gain_mv
    }

    /// Steady firing rate under constant input x, in spikes per ms:
    /// 1/(t_ref + τ_m ln((v_∞ − v_res)/(v_∞ − v_thr))) for v_∞ = v_rest + G x > v_thr, else 0.
    pub fn rate_per_ms(&self, x: f64) -> f64 {
        let vinf = self.v_rest_mv + self.gain_mv * x;
        if vinf <= self.v_thr_mv {
            return 0.0;
        }
        let isi = self.t_ref_ms
            + self.tau_m_ms * ((vinf - self.v_reset_mv) / (vinf - self.v_thr_mv)).ln();
        1.0 / isi
    }
}

/// A population of LIF neurons (see the module documentation for equations and integration).
#[derive(Debug, Clone)]
pub struct Lif {
    params: LifParams,
    v: Vec<f64>,
    /// Remaining refractory time (ms).
    refr: Vec<f64>,
    /// Cached (step length in ms, e^{−h/τ_m}).
    decay: (f64, f64),
}

impl Lif {
    /// `n` neurons with initial state drawn by [`NeuronModel::reset`]; errors on invalid parameters.
    pub fn new(n: usize, params: LifParams, rng: &mut dyn RngCore) -> Result<Self, SimError> {
        params.validate()?;
        let mut l = Self {
            params,
            v: vec![params.v_reset_mv; n],
            refr: vec![0.0; n],
            decay: (f64::NAN, f64::NAN),
        };
        l.reset(rng);
        Ok(l)
    }

    /// Neurons with given membrane potentials (mV, each below threshold) and no refractoriness.
    pub fn with_potentials(v: Vec<f64>, params: LifParams) -> Result<Self, SimError> {
        params.validate()?;
        if let Some(&bad) = v.iter().find(|&&v| v.is_nan() || v >= params.v_thr_mv) {
            return Err(SimError::OutOfRange {
                field: "lif initial v",
                value: bad,
                expected: "< lif.v_thr_mv",
            });
        }
        let n = v.len();
        Ok(Self {
            params,
            v,
            refr: vec![0.0; n],
            decay: (f64::NAN, f64::NAN),
        })
    }

    /// The parameters.
    pub fn params(&self) -> &LifParams {
        &self.params
    }
}

impl NeuronModel for Lif {
    fn len(&self) -> usize {
        self.v.len()
    }

    /// v_i ~ U[v_res, v_thr), no neuron refractory.
    fn reset(&mut self, rng: &mut dyn RngCore) {
        let (lo, hi) = (self.params.v_reset_mv, self.params.v_thr_mv);
        for (v, r) in self.v.iter_mut().zip(&mut self.refr) {
            *v = lo + (hi - lo) * rng.random::<f64>();
            *r = 0.0;
        }
    }

    fn step(&mut self, x: &[f64], dt: f64, spiked: &mut Vec<usize>) {
        let p = self.params;
        let h = dt * TAU_MS;
        if self.decay.0 != h {
            self.decay = (h, (-h / p.tau_m_ms).exp());
        }
        let full_decay = self.decay.1;
        for (i, ((v, r), &xi)) in self.v.iter_mut().zip(&mut self.refr).zip(x).enumerate() {
            let vinf = p.v_rest_mv + p.gain_mv * xi;
            // 1. refractory part of the step
            let mut left = h;
            if *r > 0.0 {
                let spent = r.min(left);
                *r -= spent;
                left -= spent;
                if left <= 0.0 {
                    continue;
                }
            }
            // 2. held at threshold by a postponed spike: fire at the start of this step
            let t_star = if *v >= p.v_thr_mv {
                Some(0.0)
            } else {
                let e = if left == h {
                    full_decay
                } else {
                    (-left / p.tau_m_ms).exp()
                };
                let next = vinf + (*v - vinf) * e;
                if next >= p.v_thr_mv {
                    // vinf > v_thr > v here, so the logarithm's argument is > 1 and t* ∈ (0, left]
                    Some((p.tau_m_ms * ((vinf - *v) / (vinf - p.v_thr_mv)).ln()).min(left))
                } else {
                    *v = next;
                    None
                }
            };
            // 3. spike, reset, refractoriness, and the rest of the step
            if let Some(ts) = t_star {
                spiked.push(i);
                let after = left - ts;
                if after < p.t_ref_ms {
                    *v = p.v_reset_mv;
                    *r = p.t_ref_ms - after;
                } else {
                    let rem = after - p.t_ref_ms;
                    let next = vinf + (p.v_reset_mv - vinf) * (-rem / p.tau_m_ms).exp();
                    // a second crossing in this step is postponed to the next step
                    *v = next.min(p.v_thr_mv);
                    *r = 0.0;
                }
            }
        }
    }

    /// Membrane potentials v (mV).
    fn state(&self) -> &[f64] {
        &self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Spike times (ms) of one neuron under constant input `x`, from v0, over `t_ms`, step `dt_ms`.
    fn spike_times(p: LifParams, v0: f64, x: f64, dt_ms: f64, t_ms: f64) -> Vec<f64> {
        let mut n = Lif::with_potentials(vec![v0], p).unwrap();
        let steps = (t_ms / dt_ms).round() as usize;
        let mut s = Vec::new();
        let mut out = Vec::new();
        for k in 1..=steps {
            s.clear();
            n.step(&[x], dt_ms / TAU_MS, &mut s);
            if !s.is_empty() {
                out.push(k as f64 * dt_ms);
            }
        }
        out
    }

    /// Hand-derived f–I curve: ISI = t_ref + τ ln((v_∞ − v_res)/(v_∞ − v_thr)). The integration is exact, so
    /// the mean ISI over many spikes equals it up to the grid quantisation of the first and last spike
    /// (≤ 2 dt over the whole run, i.e. ≤ 2 dt / (spikes · ISI) relative) plus rounding (1e-12).
    #[test]
    fn f_i_curve_matches_closed_form() {
        let p = LifParams::default();
        for &x in &[0.01, 0.1, 0.5, 1.0, 1.5, 10.0] {
            let vinf = p.v_rest_mv + p.gain_mv * x;
            let isi = p.t_ref_ms + p.tau_m_ms * ((vinf - p.v_reset_mv) / (vinf - p.v_thr_mv)).ln();
            assert!((1.0 / p.rate_per_ms(x) - isi).abs() < 1e-12);
            for &dt in &[1.0, 0.1] {
                let t = spike_times(p, p.v_reset_mv, x, dt, 20_000.0);
                let m = t.len() - 1;
                let mean_isi = (t[m] - t[0]) / m as f64;
                let tol = 2.0 * dt / m as f64 + 1e-9;
                assert!(
                    (mean_isi - isi).abs() <= tol,
                    "x={x} dt={dt}: mean ISI {mean_isi} vs {isi} (tol {tol})"
                );
            }
        }
    }

    /// First spike from v_res: exactly at t* = τ ln((v_∞ − v_res)/(v_∞ − v_thr)) (no refractoriness before the
    /// first spike), reported in the step that contains it.
    #[test]
    fn first_spike_time_and_reset() {
        let p = LifParams::default();
        let x = 2.0;
        let vinf = p.v_rest_mv + p.gain_mv * x;
        let t1 = p.tau_m_ms * ((vinf - p.v_reset_mv) / (vinf - p.v_thr_mv)).ln();
        let t = spike_times(p, p.v_reset_mv, x, 0.01, 200.0);
        assert!(t[0] >= t1 && t[0] < t1 + 0.01 + 1e-9, "{} vs {t1}", t[0]);
        // right after a spike at the end of a 1 ms step the neuron sits at v_res and is refractory
        let mut n = Lif::with_potentials(vec![p.v_thr_mv - 1e-9], p).unwrap();
        let mut s = Vec::new();
        n.step(&[x], 0.1, &mut s);
        assert_eq!(s, vec![0]);
        assert_eq!(n.state()[0], p.v_reset_mv);
        // still clamped 1 ms later (t_ref = 2 ms, spike ~0 ms into the previous step)
        s.clear();
        n.step(&[x], 0.1, &mut s);
        assert!(s.is_empty());
        assert!((n.state()[0] - p.v_reset_mv).abs() < 1e-3);
    }

    /// Below rheobase the neuron never fires and relaxes to v_∞ = v_rest + G x exactly.
    #[test]
    fn subthreshold_relaxation_is_exact() {
        let p = LifParams::default();
        let x = p.rheobase() - 0.5;
        let vinf = p.v_rest_mv + p.gain_mv * x;
        let v0 = -60.0;
        let mut n = Lif::with_potentials(vec![v0], p).unwrap();
        let mut s = Vec::new();
        for _ in 0..37 {
            n.step(&[x], 0.1, &mut s);
        }
        assert!(s.is_empty());
        let expect = vinf + (v0 - vinf) * (-37.0_f64 / 10.0).exp();
        assert!((n.state()[0] - expect).abs() < 1e-10);
        assert_eq!(p.rate_per_ms(p.rheobase() - 1e-9), 0.0);
    }

    /// [`theta_matched_gain_mv`] makes the rate one unit of input above rheobase equal the theta neuron's
    /// φ1(1) = 1/π per τ (paper eq 45); 1e-12: closed form, rounding only. Its value for the caption's
    /// parameters is 15/(e^{2.94159} − 1) = 0.83584 mV (hand-computed, 5 digits).
    #[test]
    fn theta_matched_gain_reproduces_theta_rate() {
        let g = theta_matched_gain_mv(10.0, 2.0, -50.0, -65.0);
        assert!((g - 0.83584).abs() < 1e-5, "{g}");
        let p = LifParams {
            gain_mv: g,
            ..LifParams::default()
        };
        let per_tau = p.rate_per_ms(p.rheobase() + 1.0) * TAU_MS;
        assert!(
            (per_tau * std::f64::consts::PI - 1.0).abs() < 1e-12,
            "{per_tau}"
        );
        // default: one unit of drive = the 15 mV reset-to-threshold gap, rest 0.5 mV above threshold
        let d = LifParams::default();
        assert_eq!(d.gain_mv, d.v_thr_mv - d.v_reset_mv);
        assert!((d.rheobase() + 1.0 / 30.0).abs() < 1e-12);
    }

    /// t_ref < dt: a second crossing inside the step is postponed, never lost or doubled.
    #[test]
    fn at_most_one_spike_per_step() {
        let p = LifParams {
            t_ref_ms: 0.0,
            ..LifParams::default()
        };
        let x = 20.0; // ISI = 10 ln(315.5/300.5) ms ≈ 0.49 ms < dt = 1 ms
        let mut n = Lif::with_potentials(vec![p.v_reset_mv], p).unwrap();
        let mut s = Vec::new();
        for _ in 0..100 {
            let before = s.len();
            n.step(&[x], 0.1, &mut s);
            assert!(s.len() - before <= 1);
            assert!(n.state()[0] <= p.v_thr_mv);
        }
        assert_eq!(s.len(), 100, "one spike every step when ISI < dt");
    }

    #[test]
    fn reset_is_deterministic_and_in_range() {
        let p = LifParams::default();
        let a = Lif::new(50, p, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
        let b = Lif::new(50, p, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
        assert_eq!(a.state(), b.state());
        assert!(
            a.state()
                .iter()
                .all(|&v| v >= p.v_reset_mv && v < p.v_thr_mv)
        );
        let c = Lif::new(50, p, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
        assert_ne!(a.state(), c.state());
    }

    #[test]
    fn invalid_parameters_name_the_field() {
        let p = LifParams {
            v_reset_mv: -40.0,
            ..LifParams::default()
        };
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("lif.v_reset_mv"), "{e}");
        let p = LifParams {
            gain_mv: 0.0,
            ..LifParams::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("lif.gain_mv")
        );
    }
}
