//! Izhikevich (2003) neurons of five cell types, Figure 3—figure supplement 2c,d (paper-spec §2.4, §12.15).
//!
//! # Equations
//!
//! The paper's Izhikevich neuron (caption of Fig 3—supp 2; Izhikevich 2003, IEEE TNN 14:1569), time in ms:
//!
//! ```text
//! dv_i/dt = 0.04 v_i² + 5 v_i + 140 − w_i + I_i + u_i,
//! dw_i/dt = a (b v_i − w_i),
//! v_i ≥ v_peak = 30 mV  →  spike, v_i ← c, w_i ← w_i + d,
//! ```
//!
//! with v in mV and the input current in the model's own units (mV/ms, "pA-like"). The simulation loop
//! ([`crate::Network::run`]) hands every model the dimensionless total input x_i = u_i + I_i^ext of the theta
//! network, so this module converts once with a gain G and a constant bias current I_b (the paper's I_i):
//!
//! ```text
//! current_i = I_b + G·x_i.
//! ```
//!
//! Cell types (a, b, c, d) are Izhikevich 2003's (Fig 2 there; paper-spec §2.4): RS (0.02, 0.2, −65, 8),
//! IB (0.02, 0.2, −55, 4), CH (0.02, 0.2, −50, 2), FS (0.1, 0.2, −65, 2), LTS (0.02, 0.25, −65, 2).
//!
//! # Integration
//!
//! Forward Euler on sub-steps of length h_s = dt/⌈dt/`substep_ms`⌉ with x frozen over the whole step, v first
//! and then w with the new v (the order of Izhikevich 2003, whose code used two 0.5 ms half-steps for v and one
//! 1 ms step for w):
//!
//! ```text
//! v ← v + h_s (0.04 v² + 5 v + 140 − w + current);   if v ≥ v_peak: spike, v ← c, w ← w + d;
//! w ← w + h_s a (b v − w).
//! ```
//!
//! The reset is applied in the sub-step where v reaches v_peak, so [`NeuronModel::state`] never shows the
//! spike peak (plots draw it from the spike list). At most one spike per neuron and step is reported: a
//! second crossing inside the same step holds v at v_peak for the rest of the step and the spike is emitted
//! in the next step (with 0.1 ms sub-steps and dt = 1 ms this needs an interspike interval < 1 ms).

use crate::error::check_range;
use crate::{NeuronModel, SimError, TAU_MS};
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};

/// The five cell types of Izhikevich (2003) used by the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellType {
    /// Regular spiking (excitatory, adapting): (a, b, c, d) = (0.02, 0.2, −65, 8).
    Rs,
    /// Intrinsically bursting (excitatory): (0.02, 0.2, −55, 4).
    Ib,
    /// Chattering (excitatory, fast rhythmic bursts): (0.02, 0.2, −50, 2).
    Ch,
    /// Fast spiking (inhibitory interneuron): (0.1, 0.2, −65, 2).
    Fs,
    /// Low-threshold spiking (inhibitory interneuron): (0.02, 0.25, −65, 2).
    Lts,
}

impl CellType {
    /// All five types in the paper's order (RS, IB, CH, FS, LTS).
    pub const ALL: [CellType; 5] = [
        CellType::Rs,
        CellType::Ib,
        CellType::Ch,
        CellType::Fs,
        CellType::Lts,
    ];

    /// (a, b, c, d) of Izhikevich (2003), Fig 2: a in 1/ms, b dimensionless, c in mV, d in current units.
    pub fn abcd(self) -> (f64, f64, f64, f64) {
        match self {
            CellType::Rs => (0.02, 0.2, -65.0, 8.0),
            CellType::Ib => (0.02, 0.2, -55.0, 4.0),
            CellType::Ch => (0.02, 0.2, -50.0, 2.0),
            CellType::Fs => (0.1, 0.2, -65.0, 2.0),
            CellType::Lts => (0.02, 0.25, -65.0, 2.0),
        }
    }

    /// Short upper-case name ("RS", "IB", "CH", "FS", "LTS").
    pub fn name(self) -> &'static str {
        match self {
            CellType::Rs => "RS",
            CellType::Ib => "IB",
            CellType::Ch => "CH",
            CellType::Fs => "FS",
            CellType::Lts => "LTS",
        }
    }

    /// `n` neurons split into five contiguous blocks RS, IB, CH, FS, LTS of equal size (the first n mod 5
    /// blocks get one extra neuron); N = 200 gives 40 of each (paper: "equal numbers").
    pub fn equal_blocks(n: usize) -> Vec<CellType> {
        let (q, r) = (n / 5, n % 5);
        let mut out = Vec::with_capacity(n);
        for (k, t) in CellType::ALL.into_iter().enumerate() {
            out.extend(std::iter::repeat_n(t, q + usize::from(k < r)));
        }
        out
    }
}

/// Parameters shared by the Izhikevich population.
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | v_peak_mv | 30 | spike cut-off | mV | finite | Fig 3—supp 2 caption, Izhikevich 2003 |
/// | bias | 1 | I_i | current (mV/ms) | finite | not given (§12.15): just above the LTS rheobase, see below |
/// | gain | 15 | – | current per unit input | > 0 | not given: see below |
/// | substep_ms | 0.1 | – | ms | (0, dt] | this project: ISI within 1 % of a 0.001 ms Euler reference |
/// | v_init_min_mv, v_init_max_mv | −70, −50 | v(0) | mV | min ≤ max < v_peak | this project |
///
/// Choices (not in the paper, measured consequences in experiments/fig3_supp2/README.md):
/// * `gain` G converts the theta model's dimensionless drive into the model's current. Default 15, the
///   same number as the LIF's mV gain: the Fig 3 target amplitudes A ~ U[0.5, 1.5] become currents of
///   ±7.5–22.5 around the bias, the range of the cell-type demonstrations of Izhikevich 2003 (RS fires
///   22 Hz at 10, 33 Hz at 15; FS 133 Hz at 10). Smaller gains put the network at lower rates, where it
///   learns worse (gain scan in the README).
/// * `bias` I_b (the paper's I_i): 1, just above the rheobase of the most excitable type (LTS, b = 0.25:
///   ≈ 0.8) and below that of RS, IB, CH, FS (≈ 3.8; b = 0.2 fixed points exist up to 4). The untrained
///   network is then spontaneously active (LTS cells fire, recurrent fluctuations recruit the others) and
///   irregular, the analogue of the LIF's rest level 0.5 mV above threshold.
/// * Initial states: v ~ U[v_init_min_mv, v_init_max_mv], w = b v (on the w-nullcline), the analogue of
///   the theta model's random initial phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IzhikevichParams {
    /// Spike cut-off v_peak (mV).
    pub v_peak_mv: f64,
    /// Constant bias current I_b (the paper's I_i), model current units.
    pub bias: f64,
    /// Gain G: model current per unit of dimensionless input x = u + I.
    pub gain: f64,
    /// Longest Euler sub-step (ms).
    pub substep_ms: f64,
    /// Lower end of the initial-v range (mV).
    pub v_init_min_mv: f64,
    /// Upper end of the initial-v range (mV).
    pub v_init_max_mv: f64,
}

impl Default for IzhikevichParams {
    fn default() -> Self {
        Self {
            v_peak_mv: 30.0,
            bias: 1.0,
            gain: 15.0,
            substep_ms: 0.1,
            v_init_min_mv: -70.0,
            v_init_max_mv: -50.0,
        }
    }
}

impl IzhikevichParams {
    /// Check every field; errors name the field as `izhikevich.<name>`.
    pub fn validate(&self) -> Result<(), SimError> {
        check_range("izhikevich.v_peak_mv", self.v_peak_mv, true, "finite")?;
        check_range("izhikevich.bias", self.bias, true, "finite")?;
        check_range("izhikevich.gain", self.gain, self.gain > 0.0, "(0, inf)")?;
        check_range(
            "izhikevich.substep_ms",
            self.substep_ms,
            self.substep_ms > 0.0,
            "(0, dt_ms]",
        )?;
        check_range(
            "izhikevich.v_init_min_mv",
            self.v_init_min_mv,
            self.v_init_min_mv <= self.v_init_max_mv,
            "<= izhikevich.v_init_max_mv",
        )?;
        check_range(
            "izhikevich.v_init_max_mv",
            self.v_init_max_mv,
            self.v_init_max_mv < self.v_peak_mv,
            "< izhikevich.v_peak_mv",
        )?;
        Ok(())
    }
}

/// A population of Izhikevich neurons, each with its own cell type (see the module documentation).
#[derive(Debug, Clone)]
pub struct Izhikevich {
    params: IzhikevichParams,
    types: Vec<CellType>,
    /// Per-neuron (a, b, c, d).
    abcd: Vec<(f64, f64, f64, f64)>,
    v: Vec<f64>,
    w: Vec<f64>,
}

impl Izhikevich {
    /// One neuron per entry of `types`, initial state drawn by [`NeuronModel::reset`]; errors on invalid
    /// parameters.
    pub fn new(
        types: Vec<CellType>,
        params: IzhikevichParams,
        rng: &mut dyn RngCore,
    ) -> Result<Self, SimError> {
        let mut z = Self::with_state(types, params, None)?;
        z.reset(rng);
        Ok(z)
    }

    /// Neurons at rest-like initial state v = v_init_min_mv, w = b v (deterministic; for tests), or at the
    /// given (v, w) per neuron.
    pub fn with_state(
        types: Vec<CellType>,
        params: IzhikevichParams,
        state: Option<(Vec<f64>, Vec<f64>)>,
    ) -> Result<Self, SimError> {
        params.validate()?;
        let n = types.len();
        let abcd: Vec<_> = types.iter().map(|t| t.abcd()).collect();
        let (v, w) = match state {
            Some((v, w)) => {
                for (what, got) in [
                    ("izhikevich initial v", v.len()),
                    ("izhikevich initial w", w.len()),
                ] {
                    if got != n {
                        return Err(SimError::Shape {
                            what,
                            got,
                            expected: n,
                        });
                    }
                }
                (v, w)
            }
            None => {
                let v0 = params.v_init_min_mv;
                (vec![v0; n], abcd.iter().map(|p| p.1 * v0).collect())
            }
        };
        Ok(Self {
            params,
            types,
            abcd,
            v,
            w,
        })
    }

    /// Cell type of every neuron.
    pub fn types(&self) -> &[CellType] {
        &self.types
    }

    /// Recovery variables w.
    pub fn recovery(&self) -> &[f64] {
        &self.w
    }

    /// The parameters.
    pub fn params(&self) -> &IzhikevichParams {
        &self.params
    }
}

impl NeuronModel for Izhikevich {
    fn len(&self) -> usize {
        self.v.len()
    }

    /// v_i ~ U[v_init_min_mv, v_init_max_mv], w_i = b_i v_i.
    fn reset(&mut self, rng: &mut dyn RngCore) {
        let (lo, hi) = (self.params.v_init_min_mv, self.params.v_init_max_mv);
        for ((v, w), p) in self.v.iter_mut().zip(&mut self.w).zip(&self.abcd) {
            *v = lo + (hi - lo) * rng.random::<f64>();
            *w = p.1 * *v;
        }
    }

    fn step(&mut self, x: &[f64], dt: f64, spiked: &mut Vec<usize>) {
        let p = self.params;
        let h = dt * TAU_MS;
        let n_sub = ((h / p.substep_ms) - 1e-9).ceil().max(1.0) as usize;
        let hs = h / n_sub as f64;
        for (i, (((v, w), &(a, b, c, d)), &xi)) in self
            .v
            .iter_mut()
            .zip(&mut self.w)
            .zip(&self.abcd)
            .zip(x)
            .enumerate()
        {
            let current = p.bias + p.gain * xi;
            let mut fired = false;
            for _ in 0..n_sub {
                *v += hs * (0.04 * *v * *v + 5.0 * *v + 140.0 - *w + current);
                if *v >= p.v_peak_mv {
                    if fired {
                        // second crossing in this step: hold at the peak, fire next step
                        *v = p.v_peak_mv;
                        break;
                    }
                    fired = true;
                    spiked.push(i);
                    *v = c;
                    *w += d;
                }
                *w += hs * a * (b * *v - *w);
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

    /// Spike times (ms) of one neuron of type `t` at constant current `current` (bias 0, gain 1) over `t_ms`
    /// from v = −65 mV, w = b v, with the production stepper at step `dt_ms` and sub-step `sub_ms`.
    fn model_spikes(t: CellType, current: f64, dt_ms: f64, sub_ms: f64, t_ms: f64) -> Vec<f64> {
        let p = IzhikevichParams {
            bias: 0.0,
            gain: 1.0,
            substep_ms: sub_ms,
            ..IzhikevichParams::default()
        };
        let b = t.abcd().1;
        let mut z =
            Izhikevich::with_state(vec![t], p, Some((vec![-65.0], vec![-65.0 * b]))).unwrap();
        let steps = (t_ms / dt_ms).round() as usize;
        let mut s = Vec::new();
        let mut out = Vec::new();
        for k in 1..=steps {
            s.clear();
            z.step(&[current], dt_ms / TAU_MS, &mut s);
            if !s.is_empty() {
                out.push(k as f64 * dt_ms);
            }
        }
        out
    }

    /// Independent reference: plain forward Euler on (v, w) jointly with step h (ms), reset at v ≥ 30.
    fn reference_spikes(t: CellType, current: f64, h: f64, t_ms: f64) -> Vec<f64> {
        let (a, b, c, d) = t.abcd();
        let (mut v, mut w) = (-65.0, -65.0 * b);
        let mut out = Vec::new();
        let steps = (t_ms / h).round() as usize;
        for k in 1..=steps {
            let dv = 0.04 * v * v + 5.0 * v + 140.0 - w + current;
            let dw = a * (b * v - w);
            v += h * dv;
            w += h * dw;
            if v >= 30.0 {
                out.push(k as f64 * h);
                v = c;
                w += d;
            }
        }
        out
    }

    /// Mean rate (Hz) from the spikes in [t0, t1) ms.
    fn rate_hz(s: &[f64], t0: f64, t1: f64) -> f64 {
        s.iter().filter(|&&t| t >= t0 && t < t1).count() as f64 / ((t1 - t0) / 1000.0)
    }

    /// Mean interspike interval (ms) of the spikes after `t0` ms (first to last spike).
    fn mean_isi(s: &[f64], t0: f64) -> f64 {
        let s: Vec<f64> = s.iter().copied().filter(|&t| t > t0).collect();
        (s[s.len() - 1] - s[0]) / (s.len() - 1) as f64
    }

    /// Tonic RS firing at constant current 10 matches a fine-step reference (forward Euler, 0.001 ms) in
    /// its steady-state rate (1 / mean ISI; the first 500 ms, ≈ 10 adaptation time constants 1/a = 50 ms, are
    /// skipped). Tolerance 1 %: the first-order Euler error of the default 0.1 ms sub-step (measured 0.6 %
    /// on the ISI, see `substep_convergence`) plus the 1 ms grid quantisation of the first and last spike
    /// (≤ 2 ms over ≈ 2500 ms: 0.08 %).
    #[test]
    fn rs_tonic_rate_matches_fine_reference() {
        let reference = mean_isi(&reference_spikes(CellType::Rs, 10.0, 0.001, 3000.0), 500.0);
        let spikes = model_spikes(CellType::Rs, 10.0, 1.0, 0.1, 3000.0);
        let model = mean_isi(&spikes, 500.0);
        let r_ref = 1000.0 / reference;
        assert!(
            r_ref > 10.0 && r_ref < 60.0,
            "RS at I = 10 fires tonically: {r_ref} Hz"
        );
        assert!(
            (model / reference - 1.0).abs() < 0.01,
            "model ISI {model} ms vs reference {reference} ms"
        );
        // tonic: steady-state interspike intervals are all equal to within one step (1 ms)
        let isi: Vec<f64> = spikes
            .windows(2)
            .filter(|w| w[0] > 500.0)
            .map(|w| w[1] - w[0])
            .collect();
        let (lo, hi) = isi
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
        assert!(hi - lo <= 1.0 + 1e-9, "tonic RS ISIs {lo}..{hi} ms");
    }

    /// The sub-stepped Euler scheme converges to the reference as the sub-step shrinks: its error in the
    /// mean interspike interval is first order, so 0.5 ms (Izhikevich 2003's half-steps) is worse than 0.1 ms,
    /// which is worse than 0.02 ms, and 0.1 ms is within 1 % (measured 0.6 %). dt = 1 ms as in the network:
    /// the grid quantisation of the first and last spike adds ≤ 2 ms / 2500 ms = 0.08 % to each error.
    #[test]
    fn substep_convergence() {
        let reference = mean_isi(&reference_spikes(CellType::Rs, 10.0, 0.001, 3000.0), 500.0);
        let err = |sub: f64| {
            let s = model_spikes(CellType::Rs, 10.0, 1.0, sub, 3000.0);
            let e = mean_isi(&s, 500.0) / reference - 1.0;
            eprintln!("sub-step {sub} ms: relative ISI error {e:+.4}");
            e.abs()
        };
        let (e05, e01, e002) = (err(0.5), err(0.1), err(0.02));
        assert!(e01 < 0.01, "0.1 ms sub-steps: relative ISI error {e01}");
        assert!(
            e05 > e01 && e01 > e002,
            "errors {e05} (0.5 ms), {e01} (0.1 ms), {e002} (0.02 ms)"
        );
    }

    /// At the same current FS (a = 0.1: fast recovery, little adaptation) fires faster than RS (d = 8: strong
    /// adaptation) — Izhikevich 2003 Fig 2; and no type fires well below its rheobase.
    #[test]
    fn fs_faster_than_rs_and_silent_below_rheobase() {
        let rs = rate_hz(
            &model_spikes(CellType::Rs, 10.0, 1.0, 0.1, 2500.0),
            500.0,
            2500.0,
        );
        let fs = rate_hz(
            &model_spikes(CellType::Fs, 10.0, 1.0, 0.1, 2500.0),
            500.0,
            2500.0,
        );
        assert!(fs > 2.0 * rs, "FS {fs} Hz vs RS {rs} Hz");
        // b = 0.2: fixed points of (v, w) exist iff 0.04 v² + 4.8 v + 140 + I has a real root, i.e. I ≤ 4;
        // repetitive firing starts slightly below (≈ 3.8, measured), so current 3 is subthreshold for RS, IB,
        // CH and FS
        for t in [CellType::Rs, CellType::Ib, CellType::Ch, CellType::Fs] {
            assert!(
                model_spikes(t, 3.0, 1.0, 0.1, 1000.0).is_empty(),
                "{t:?} fires at current 3"
            );
        }
    }

    /// Chattering cells fire repeated bursts: groups of ≥ 2 spikes with intra-burst intervals ≤ 10 ms
    /// separated by longer pauses, over and over (Izhikevich 2003 Fig 2, CH at current 10).
    #[test]
    fn ch_bursts() {
        let s = model_spikes(CellType::Ch, 10.0, 1.0, 0.1, 1000.0);
        let mut bursts = 0;
        let mut run = 1;
        for w in s.windows(2) {
            if w[1] - w[0] <= 10.0 {
                run += 1;
            } else {
                if run >= 2 {
                    bursts += 1;
                }
                run = 1;
            }
        }
        assert!(
            bursts >= 10,
            "CH: {bursts} bursts of >= 2 spikes in 1 s ({} spikes)",
            s.len()
        );
        // and RS at the same current does not burst (all intervals > 10 ms after the first spike pair)
        let rs = model_spikes(CellType::Rs, 10.0, 1.0, 0.1, 1000.0);
        assert!(rs.windows(2).skip(2).all(|w| w[1] - w[0] > 10.0));
    }

    /// Reset rule: the step in which v reaches v_peak reports a spike and leaves v = c, w increased by d
    /// (minus the following sub-steps' w decay).
    #[test]
    fn reset_rule() {
        let p = IzhikevichParams {
            bias: 0.0,
            gain: 1.0,
            substep_ms: 1.0,
            ..IzhikevichParams::default()
        };
        for t in CellType::ALL {
            let (a, b, c, d) = t.abcd();
            let w0 = 2.0;
            let mut z = Izhikevich::with_state(vec![t], p, Some((vec![29.0], vec![w0]))).unwrap();
            let mut s = Vec::new();
            z.step(&[0.0], 0.1, &mut s);
            assert_eq!(s, vec![0], "{t:?}");
            assert_eq!(z.state()[0], c);
            let w_expect = (w0 + d) + a * (b * c - (w0 + d));
            assert!((z.recovery()[0] - w_expect).abs() < 1e-12);
        }
    }

    #[test]
    fn blocks_and_reset_are_deterministic() {
        let types = CellType::equal_blocks(200);
        for (k, t) in CellType::ALL.into_iter().enumerate() {
            assert!(types[40 * k..40 * (k + 1)].iter().all(|&u| u == t));
        }
        assert_eq!(CellType::equal_blocks(7).len(), 7);
        let p = IzhikevichParams::default();
        let a = Izhikevich::new(types.clone(), p, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        let b = Izhikevich::new(types.clone(), p, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        assert_eq!(a.state(), b.state());
        assert_eq!(a.recovery(), b.recovery());
        assert!(a.state().iter().all(|&v| (-70.0..=-50.0).contains(&v)));
        let c = Izhikevich::new(types, p, &mut ChaCha8Rng::seed_from_u64(2)).unwrap();
        assert_ne!(a.state(), c.state());
    }

    #[test]
    fn invalid_parameters_name_the_field() {
        let p = IzhikevichParams {
            gain: -1.0,
            ..IzhikevichParams::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("izhikevich.gain")
        );
        let p = IzhikevichParams {
            substep_ms: 0.0,
            ..IzhikevichParams::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("izhikevich.substep_ms")
        );
    }
}
