//! [`TargetSpec`]: the serde-tagged choice of target family with the paper's parameters as defaults.
//!
//! In a TOML parameter file a target family is one table with a `kind` tag and any fields to override:
//!
//! ```toml
//! [targets]
//! kind = "product_of_sines"   # sines | product_of_sines | ou | chaotic_rate | identical_sine
//! phases = "independent"      # or "common"
//! fixed_amp = 0.1             # Fig 3—figure supplement 1
//!
//! # [targets]
//! # kind = "ou"
//! # tau_c_ms = 200.0
//! # init = { kind = "zero", transient_ms = 1100.0 }
//! ```
//!
//! Unknown fields are rejected; omitted fields take the defaults listed in each params struct.

use crate::TargetError;
use crate::chaotic::chaotic_rate;
use crate::ou::ou;
use crate::periodic::{draw_products, draw_sines, identical_sine, tabulate};
use ndarray::Array2;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Choice of target family (paper-spec §4). Every variant holds a params struct whose `Default` is the
/// paper's setting; see each struct for the equations and the parameter table.
///
/// Targets are generated on the simulation grid of the target window: an `N × steps` matrix whose column s
/// holds the value at window time t = (s + 1)·dt_ms (ms after stimulus offset). Drive targets are
/// dimensionless; convert them to rate targets (spikes per τ) with [`crate::rate_from_drive`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetSpec {
    /// f_i(t) = A_i sin(2π(t − T0_i)/T1_i) (Figs 1, 2; paper-spec §4.1).
    Sines(SinesParams),
    /// f_i(t) = A_i sin(2π(t − t1_i)/T1_i) sin(2π(t − t2_i)/T2_i) (Fig 3 and supplements; §4.2).
    ProductOfSines(ProductOfSinesParams),
    /// Independent Ornstein–Uhlenbeck traces (Figs 3, 6, 7; Fig 5 auxiliary; §4.4).
    Ou(OuParams),
    /// Trajectories x_i(t) of a chaotic rate network (Fig 3; §2.4, §4.3).
    ChaoticRate(ChaoticRateParams),
    /// One sine shared by every neuron (Fig 3—figure supplement 3; §4.7).
    IdenticalSine(IdenticalSineParams),
}

impl Default for TargetSpec {
    /// The Fig 3 periodic family (code variant with independent phases).
    fn default() -> Self {
        TargetSpec::ProductOfSines(ProductOfSinesParams::default())
    }
}

/// Single sines f(t) = A sin(2π(t − T0)/T1), independent per neuron (paper-spec §4.1, Methods Fig 1).
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | `amp_min`, `amp_max` | 0.5, 1.5 | A ~ U[0.5, 1.5] | – | 0 ≤ min ≤ max | Methods Fig 1 |
/// | `t0_min_ms`, `t0_max_ms` | 0, 1000 | T0 ~ U[0, 1000 ms] | ms | min ≤ max | Methods Fig 1 |
/// | `period_min_ms`, `period_max_ms` | 300, 1000 | T1 ~ U[300, 1000 ms] | ms | 0 < min ≤ max | Methods Fig 1 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SinesParams {
    /// Lower bound of the amplitude A (Methods: 0.5).
    pub amp_min: f64,
    /// Upper bound of the amplitude A (Methods: 1.5).
    pub amp_max: f64,
    /// Lower bound of the phase offset T0 in ms (Methods: 0).
    pub t0_min_ms: f64,
    /// Upper bound of the phase offset T0 in ms (Methods: 1000).
    pub t0_max_ms: f64,
    /// Lower bound of the period T1 in ms (Methods: 300).
    pub period_min_ms: f64,
    /// Upper bound of the period T1 in ms (Methods: 1000).
    pub period_max_ms: f64,
}

impl Default for SinesParams {
    fn default() -> Self {
        Self {
            amp_min: 0.5,
            amp_max: 1.5,
            t0_min_ms: 0.0,
            t0_max_ms: 1000.0,
            period_min_ms: 300.0,
            period_max_ms: 1000.0,
        }
    }
}

/// How the two factors of a product of sines are phased (paper-spec §4.2, §12.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phases {
    /// Code variant (authors' `run_target.jl`): separate phases t1 ~ U[0, T1], t2 ~ U[0, T2]. Reproduces the
    /// published 9.1 Hz population rate (quasi-static prediction 9.16 Hz, paper-spec §1.2). Default.
    #[default]
    Independent,
    /// Paper variant (Methods): one phase T0 ~ U[t0_min_ms, t0_max_ms] for both factors (9.97 Hz predicted).
    Common,
}

/// Products of two sines f(t) = A sin(2π(t − t1)/T1) sin(2π(t − t2)/T2) (paper-spec §4.2, Methods Fig 3).
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | `amp_min`, `amp_max` | 0.5, 1.5 | A ~ U[0.5, 1.5] | – | 0 ≤ min ≤ max | Methods Fig 3 |
/// | `period1_min_ms`, `period1_max_ms` | 500, 1000 | T1 ~ U[500, 1000 ms] | ms | 0 < min ≤ max | Methods Fig 3 |
/// | `period2_min_ms`, `period2_max_ms` | 100, 500 | T2 ~ U[100, 500 ms] | ms | 0 < min ≤ max | Methods Fig 3 |
/// | `t0_min_ms`, `t0_max_ms` | 0, 1000 | T0 ~ U[0, 1000 ms] | ms | min ≤ max | Methods Fig 3 (used by `Common` only) |
/// | `phases` | `independent` | t1, t2 | – | independent, common | code (`run_target.jl`), §12.5 |
/// | `fixed_amp` | none | A | – | ≥ 0 | Fig 3—supp 1: 0.1, 0.05, 0.01 |
///
/// With `phases = "independent"`, t1 ~ U[0, T1] and t2 ~ U[0, T2] and the T0 range is unused; with
/// `"common"`, t1 = t2 = T0 ~ U[t0_min_ms, t0_max_ms]. `fixed_amp` replaces the random amplitude (no draw
/// is made for A). See [`ProductOfSinesParams::fig3_supp1`] for the low-rate supplement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProductOfSinesParams {
    /// Lower bound of the amplitude A (Methods: 0.5).
    pub amp_min: f64,
    /// Upper bound of the amplitude A (Methods: 1.5).
    pub amp_max: f64,
    /// Lower bound of the slow period T1 in ms (Methods: 500).
    pub period1_min_ms: f64,
    /// Upper bound of the slow period T1 in ms (Methods: 1000).
    pub period1_max_ms: f64,
    /// Lower bound of the fast period T2 in ms (Methods: 100).
    pub period2_min_ms: f64,
    /// Upper bound of the fast period T2 in ms (Methods: 500).
    pub period2_max_ms: f64,
    /// Lower bound of the common phase T0 in ms (Methods: 0; used by [`Phases::Common`] only).
    pub t0_min_ms: f64,
    /// Upper bound of the common phase T0 in ms (Methods: 1000; used by [`Phases::Common`] only).
    pub t0_max_ms: f64,
    /// Phase convention (default: the code's independent phases, paper-spec §12.5).
    pub phases: Phases,
    /// Fixed amplitude for every neuron instead of A ~ U[amp_min, amp_max] (Fig 3—supp 1: 0.1, 0.05, 0.01).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_amp: Option<f64>,
}

impl Default for ProductOfSinesParams {
    fn default() -> Self {
        Self {
            amp_min: 0.5,
            amp_max: 1.5,
            period1_min_ms: 500.0,
            period1_max_ms: 1000.0,
            period2_min_ms: 100.0,
            period2_max_ms: 500.0,
            t0_min_ms: 0.0,
            t0_max_ms: 1000.0,
            phases: Phases::Independent,
            fixed_amp: None,
        }
    }
}

impl ProductOfSinesParams {
    /// Fig 3—figure supplement 1 (and the product-of-sines targets of supplement 2): T0, T1, T2 ~ U[500, 1000]
    /// ms and a fixed amplitude `amp` (paper: 0.1, 0.05, 0.01). Phases stay `Independent` (the published
    /// 2.8 / 1.5 Hz agree with it, paper-spec §12.5); set `phases = Common` for the literal Methods version.
    pub fn fig3_supp1(amp: f64) -> Self {
        Self {
            period1_min_ms: 500.0,
            period1_max_ms: 1000.0,
            period2_min_ms: 500.0,
            period2_max_ms: 1000.0,
            t0_min_ms: 500.0,
            t0_max_ms: 1000.0,
            fixed_amp: Some(amp),
            ..Self::default()
        }
    }
}

/// Initial condition of the OU traces (paper-spec §4.4, §12.4).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OuInit {
    /// x(0) ~ N(0, s²τ_c/2), the stationary law ("random initial conditions", Methods). Default.
    #[default]
    Stationary,
    /// x = 0 at `transient_ms` before the window, then the OU update runs through the transient (the
    /// authors' code: x(0) = 0 and a 1.1 s transient before the training window, `transient_ms = 1100`).
    Zero {
        /// Length of the transient before the window, ms (code: 1100).
        transient_ms: f64,
    },
}

/// Ornstein–Uhlenbeck traces in the code's convention (paper-spec §4.4, §12.4).
///
/// With time in units of τ = 10 ms (dt = dt_ms/10, τ_c = tau_c_ms/10) each neuron's trace follows
/// dx = −(x/τ_c) dt + s dW, integrated with the exact update
///
/// x ← x·e^{−dt/τ_c} + s·sqrt((τ_c/2)(1 − e^{−2dt/τ_c}))·ξ,   ξ ~ N(0, 1),
///
/// which equals the code's Euler–Maruyama step x ← x − (x/τ_c)dt + s sqrt(dt) ξ for dt ≪ τ_c and is stable
/// for every dt. Stationary s.d. σ_OU = s·sqrt(τ_c/2) (0.95 for τ_c = 200 ms, s = 0.3), autocorrelation
/// e^{−|lag|/τ_c}. With `standardize = true` every value is multiplied by `target_sd / σ_OU`, so the
/// stationary s.d. becomes `target_sd` whatever τ_c (an option for the τ_c scans of Figs 6–7, §4.4).
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | `tau_c_ms` | 200 | τ_c | ms | (0, ∞) | Methods Fig 3 (caption says 100 ms, §12.4); Fig 5 aux: 800 |
/// | `s` | 0.3 | s | per sqrt(τ) | [0, ∞) | Methods Fig 3; Fig 5 aux: 0.1; Figs 6–7 unstated |
/// | `init` | `stationary` | x(0) | – | stationary, zero{transient_ms} | Methods "random"; code zero + 1100 ms |
/// | `standardize` | false | – | – | bool | not in paper (§12.4 option) |
/// | `target_sd` | 1.0 | – | – | (0, ∞) | used only with `standardize` |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OuParams {
    /// Correlation time τ_c in ms (Methods Fig 3: 200).
    pub tau_c_ms: f64,
    /// Noise amplitude s in the code convention (time in units of τ; Methods Fig 3: 0.3).
    pub s: f64,
    /// Initial condition (default: stationary).
    pub init: OuInit,
    /// Rescale so the stationary s.d. is `target_sd` (default false = the code's raw amplitude).
    pub standardize: bool,
    /// Stationary s.d. after standardisation (default 1.0).
    pub target_sd: f64,
}

impl Default for OuParams {
    fn default() -> Self {
        Self {
            tau_c_ms: 200.0,
            s: 0.3,
            init: OuInit::Stationary,
            standardize: false,
            target_sd: 1.0,
        }
    }
}

impl OuParams {
    /// The auxiliary-neuron OU process of Fig 5 (τ_c = 800 ms, s = 0.1; paper-spec §4.4). The later rate
    /// conversion and low-pass filtering are not part of this generator.
    pub fn fig5_aux() -> Self {
        Self {
            tau_c_ms: 800.0,
            s: 0.1,
            ..Self::default()
        }
    }

    /// Theoretical stationary s.d. of the raw traces, s·sqrt(τ_c/2) with τ_c in units of τ = 10 ms.
    pub fn stationary_sd(&self) -> f64 {
        self.s * (0.5 * self.tau_c_ms / spikelearn_sim::TAU_MS).sqrt()
    }
}

/// Trajectories of the target-generating chaotic rate network (paper-spec §2.4, §4.3, §12.6).
///
/// τ_r dx_i/dt = −x_i + Σ_j M_ij h(x_j),  h(x) = φ1(x) = sqrt(\[x\]₊)/π,
///
/// M sparse with connection probability p, M_ij = g z_ij / sqrt(N p), z ~ N(0, 1), no autapses, and (code)
/// each row's mean over its non-zero entries subtracted. x_i(0) = init_scale·U[0, 1]. Forward Euler with a
/// step of at most `max_step_ms` (code: 1 ms): for dt_ms ≤ max_step_ms one Euler step per grid step, otherwise
/// k = ⌈dt_ms / max_step_ms⌉ substeps of dt_ms/k. The target of neuron i is x_i over the window that starts
/// `transient_ms` after x(0) (column s = x_i(transient + (s + 1)·dt)).
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | `g` | 5 | g | – | [0, ∞) | Methods Fig 3 |
/// | `p` | 0.3 | p | – | (0, 1] | Methods Fig 3 |
/// | `tau_ms` | 40 | τ (rate network) | ms | (0, ∞) | Methods Fig 3 |
/// | `transient_ms` | 1100 | – | ms | [0, ∞), whole steps | code (`run_target.jl`, window at 1100 ms) |
/// | `zero_row_mean` | true | – | – | bool | code |
/// | `init_scale` | 0.2 | – | – | [0, ∞) | code |
/// | `max_step_ms` | 1.0 | dt | ms | (0, ∞) | code (dt = 0.1 τ) |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChaoticRateParams {
    /// Coupling strength g (Methods: 5).
    pub g: f64,
    /// Connection probability p (Methods: 0.3).
    pub p: f64,
    /// Rate-network time constant in ms (Methods: 40).
    pub tau_ms: f64,
    /// Transient before the target window in ms (code: 1100).
    pub transient_ms: f64,
    /// Subtract each row's mean over its non-zero entries (code: yes; keeps the rate near 9.5 Hz, §4.3).
    pub zero_row_mean: bool,
    /// x(0) ~ init_scale·U[0, 1] (code: 0.2).
    pub init_scale: f64,
    /// Largest Euler step in ms (code: 1).
    pub max_step_ms: f64,
}

impl Default for ChaoticRateParams {
    fn default() -> Self {
        Self {
            g: 5.0,
            p: 0.3,
            tau_ms: 40.0,
            transient_ms: 1100.0,
            zero_row_mean: true,
            init_scale: 0.2,
            max_step_ms: 1.0,
        }
    }
}

/// One sine f(t) = A sin(2π(t − T0)/T1) for every neuron (Fig 3—figure supplement 3, paper-spec §4.7; the
/// caption gives no sine parameters, the defaults are this project's choice).
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | `amp` | 1.0 | A | – | [0, ∞) | not given (choice) |
/// | `period_ms` | 500 | T1 | ms | (0, ∞) | not given (choice) |
/// | `t0_ms` | 0 | T0 | ms | finite | not given (choice) |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdenticalSineParams {
    /// Amplitude A.
    pub amp: f64,
    /// Period T1 in ms.
    pub period_ms: f64,
    /// Phase offset T0 in ms.
    pub t0_ms: f64,
}

impl Default for IdenticalSineParams {
    fn default() -> Self {
        Self {
            amp: 1.0,
            period_ms: 500.0,
            t0_ms: 0.0,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// validation helpers

fn finite(field: &'static str, v: f64) -> Result<(), TargetError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(TargetError::OutOfRange {
            field,
            value: v,
            expected: "a finite number",
        })
    }
}

fn non_negative(field: &'static str, v: f64) -> Result<(), TargetError> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(TargetError::OutOfRange {
            field,
            value: v,
            expected: "[0, inf)",
        })
    }
}

fn positive(field: &'static str, v: f64) -> Result<(), TargetError> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(TargetError::OutOfRange {
            field,
            value: v,
            expected: "(0, inf)",
        })
    }
}

fn ordered(
    min_field: &'static str,
    min: f64,
    max_field: &'static str,
    max: f64,
) -> Result<(), TargetError> {
    if min <= max {
        Ok(())
    } else {
        Err(TargetError::EmptyRange {
            min_field,
            max_field,
            min,
            max,
        })
    }
}

/// Number of grid steps in `ms`; errors unless it is a whole number of dt_ms steps (to 1e-9 relative).
pub(crate) fn whole_steps(field: &'static str, ms: f64, dt_ms: f64) -> Result<usize, TargetError> {
    let x = ms / dt_ms;
    let k = x.round();
    if !(ms >= 0.0 && ms.is_finite()) || (x - k).abs() > 1e-9 * x.max(1.0) {
        return Err(TargetError::NotOnGrid { field, ms, dt_ms });
    }
    Ok(k as usize)
}

impl SinesParams {
    /// Check ranges: 0 ≤ amp_min ≤ amp_max, t0_min ≤ t0_max finite, 0 < period_min ≤ period_max.
    pub fn validate(&self) -> Result<(), TargetError> {
        non_negative("targets.amp_min", self.amp_min)?;
        non_negative("targets.amp_max", self.amp_max)?;
        ordered(
            "targets.amp_min",
            self.amp_min,
            "targets.amp_max",
            self.amp_max,
        )?;
        finite("targets.t0_min_ms", self.t0_min_ms)?;
        finite("targets.t0_max_ms", self.t0_max_ms)?;
        ordered(
            "targets.t0_min_ms",
            self.t0_min_ms,
            "targets.t0_max_ms",
            self.t0_max_ms,
        )?;
        positive("targets.period_min_ms", self.period_min_ms)?;
        positive("targets.period_max_ms", self.period_max_ms)?;
        ordered(
            "targets.period_min_ms",
            self.period_min_ms,
            "targets.period_max_ms",
            self.period_max_ms,
        )
    }
}

impl ProductOfSinesParams {
    /// Check ranges: 0 ≤ amp_min ≤ amp_max, 0 < period{1,2}_min ≤ period{1,2}_max, t0_min ≤ t0_max finite,
    /// fixed_amp ≥ 0.
    pub fn validate(&self) -> Result<(), TargetError> {
        non_negative("targets.amp_min", self.amp_min)?;
        non_negative("targets.amp_max", self.amp_max)?;
        ordered(
            "targets.amp_min",
            self.amp_min,
            "targets.amp_max",
            self.amp_max,
        )?;
        positive("targets.period1_min_ms", self.period1_min_ms)?;
        positive("targets.period1_max_ms", self.period1_max_ms)?;
        ordered(
            "targets.period1_min_ms",
            self.period1_min_ms,
            "targets.period1_max_ms",
            self.period1_max_ms,
        )?;
        positive("targets.period2_min_ms", self.period2_min_ms)?;
        positive("targets.period2_max_ms", self.period2_max_ms)?;
        ordered(
            "targets.period2_min_ms",
            self.period2_min_ms,
            "targets.period2_max_ms",
            self.period2_max_ms,
        )?;
        finite("targets.t0_min_ms", self.t0_min_ms)?;
        finite("targets.t0_max_ms", self.t0_max_ms)?;
        ordered(
            "targets.t0_min_ms",
            self.t0_min_ms,
            "targets.t0_max_ms",
            self.t0_max_ms,
        )?;
        if let Some(a) = self.fixed_amp {
            non_negative("targets.fixed_amp", a)?;
        }
        Ok(())
    }
}

impl OuParams {
    /// Check ranges: τ_c > 0, s ≥ 0 (s > 0 with `standardize`), transient ≥ 0, target_sd > 0.
    pub fn validate(&self) -> Result<(), TargetError> {
        positive("targets.tau_c_ms", self.tau_c_ms)?;
        non_negative("targets.s", self.s)?;
        if let OuInit::Zero { transient_ms } = self.init {
            non_negative("targets.init.transient_ms", transient_ms)?;
        }
        positive("targets.target_sd", self.target_sd)?;
        if self.standardize && self.s <= 0.0 {
            return Err(TargetError::OutOfRange {
                field: "targets.s",
                value: self.s,
                expected: "(0, inf) when standardize = true",
            });
        }
        Ok(())
    }
}

impl ChaoticRateParams {
    /// Check ranges: g ≥ 0, p ∈ (0, 1], τ > 0, transient ≥ 0, init_scale ≥ 0, max_step_ms > 0.
    pub fn validate(&self) -> Result<(), TargetError> {
        non_negative("targets.g", self.g)?;
        if !(self.p > 0.0 && self.p <= 1.0) {
            return Err(TargetError::OutOfRange {
                field: "targets.p",
                value: self.p,
                expected: "(0, 1]",
            });
        }
        positive("targets.tau_ms", self.tau_ms)?;
        non_negative("targets.transient_ms", self.transient_ms)?;
        non_negative("targets.init_scale", self.init_scale)?;
        positive("targets.max_step_ms", self.max_step_ms)
    }
}

impl IdenticalSineParams {
    /// Check ranges: amp ≥ 0, period > 0, t0 finite.
    pub fn validate(&self) -> Result<(), TargetError> {
        non_negative("targets.amp", self.amp)?;
        positive("targets.period_ms", self.period_ms)?;
        finite("targets.t0_ms", self.t0_ms)
    }
}

impl TargetSpec {
    /// Check every parameter of the chosen family; errors name the field (`targets.<field>`) and the allowed
    /// range. [`TargetSpec::generate`] calls this first.
    pub fn validate(&self) -> Result<(), TargetError> {
        match self {
            TargetSpec::Sines(p) => p.validate(),
            TargetSpec::ProductOfSines(p) => p.validate(),
            TargetSpec::Ou(p) => p.validate(),
            TargetSpec::ChaoticRate(p) => p.validate(),
            TargetSpec::IdenticalSine(p) => p.validate(),
        }
    }

    /// Short snake_case name of the family (the serde `kind` tag).
    pub fn kind(&self) -> &'static str {
        match self {
            TargetSpec::Sines(_) => "sines",
            TargetSpec::ProductOfSines(_) => "product_of_sines",
            TargetSpec::Ou(_) => "ou",
            TargetSpec::ChaoticRate(_) => "chaotic_rate",
            TargetSpec::IdenticalSine(_) => "identical_sine",
        }
    }

    /// Generate the `n × steps` target matrix on the window grid: column s holds the value at window time
    /// t = (s + 1)·dt_ms. Drive targets, dimensionless.
    ///
    /// All randomness comes from `rng`, consumed in a fixed order (connectivity first for the chaotic
    /// family, then per-neuron draws, neuron 0 first), so the result depends on the rng state alone.
    /// `IdenticalSine` consumes nothing.
    ///
    /// Errors: invalid parameters (see [`TargetSpec::validate`]), `dt_ms` not in (0, ∞), a transient that
    /// is not a whole number of steps, or a non-finite trajectory of the chaotic network.
    pub fn generate<R: Rng + ?Sized>(
        &self,
        n: usize,
        steps: usize,
        dt_ms: f64,
        rng: &mut R,
    ) -> Result<Array2<f64>, TargetError> {
        self.validate()?;
        positive("dt_ms", dt_ms)?;
        match self {
            TargetSpec::Sines(p) => {
                let sines = draw_sines(p, n, rng);
                Ok(tabulate(n, steps, dt_ms, |i, t| sines[i].value(t)))
            }
            TargetSpec::ProductOfSines(p) => {
                let prods = draw_products(p, n, rng);
                Ok(tabulate(n, steps, dt_ms, |i, t| prods[i].value(t)))
            }
            TargetSpec::Ou(p) => ou(p, n, steps, dt_ms, rng),
            TargetSpec::ChaoticRate(p) => chaotic_rate(p, n, steps, dt_ms, rng),
            TargetSpec::IdenticalSine(p) => Ok(identical_sine(p, n, steps, dt_ms)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        for spec in [
            TargetSpec::Sines(SinesParams::default()),
            TargetSpec::ProductOfSines(ProductOfSinesParams::default()),
            TargetSpec::ProductOfSines(ProductOfSinesParams::fig3_supp1(0.01)),
            TargetSpec::Ou(OuParams::default()),
            TargetSpec::Ou(OuParams::fig5_aux()),
            TargetSpec::ChaoticRate(ChaoticRateParams::default()),
            TargetSpec::IdenticalSine(IdenticalSineParams::default()),
        ] {
            spec.validate().unwrap();
        }
    }

    #[test]
    fn errors_name_the_field() {
        let bad = TargetSpec::Ou(OuParams {
            tau_c_ms: -1.0,
            ..OuParams::default()
        });
        match bad.validate() {
            Err(TargetError::OutOfRange { field, value, .. }) => {
                assert_eq!(field, "targets.tau_c_ms");
                assert_eq!(value, -1.0);
            }
            other => panic!("unexpected {other:?}"),
        }
        let bad = TargetSpec::Sines(SinesParams {
            period_min_ms: 900.0,
            period_max_ms: 400.0,
            ..SinesParams::default()
        });
        match bad.validate() {
            Err(TargetError::EmptyRange {
                min_field,
                max_field,
                ..
            }) => {
                assert_eq!(min_field, "targets.period_min_ms");
                assert_eq!(max_field, "targets.period_max_ms");
            }
            other => panic!("unexpected {other:?}"),
        }
        for p in [0.0, 1.5, f64::NAN] {
            let bad = TargetSpec::ChaoticRate(ChaoticRateParams {
                p,
                ..ChaoticRateParams::default()
            });
            assert!(matches!(
                bad.validate(),
                Err(TargetError::OutOfRange {
                    field: "targets.p",
                    ..
                })
            ));
        }
        let bad = TargetSpec::Ou(OuParams {
            s: 0.0,
            standardize: true,
            ..OuParams::default()
        });
        assert!(matches!(
            bad.validate(),
            Err(TargetError::OutOfRange {
                field: "targets.s",
                ..
            })
        ));
        let msg = TargetSpec::ProductOfSines(ProductOfSinesParams {
            fixed_amp: Some(-0.1),
            ..ProductOfSinesParams::default()
        })
        .validate()
        .unwrap_err()
        .to_string();
        assert!(msg.contains("targets.fixed_amp"), "{msg}");
    }

    #[test]
    fn whole_steps_rejects_fractions() {
        assert_eq!(whole_steps("x", 1100.0, 1.0).unwrap(), 1100);
        assert_eq!(whole_steps("x", 1100.0, 0.1).unwrap(), 11000);
        assert!(matches!(
            whole_steps("x", 1100.0, 0.3),
            Err(TargetError::NotOnGrid { field: "x", .. })
        ));
        assert!(whole_steps("x", -2.0, 1.0).is_err());
    }

    #[test]
    fn generate_rejects_bad_dt() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        for dt in [0.0, -1.0, f64::INFINITY] {
            assert!(matches!(
                TargetSpec::default().generate(3, 3, dt, &mut rng),
                Err(TargetError::OutOfRange { field: "dt_ms", .. })
            ));
        }
    }
}
