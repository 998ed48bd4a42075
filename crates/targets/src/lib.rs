//! Target patterns for spiking networks trained with RLS (Kim & Chow 2018, eLife 7:e37124), and loaders for
//! recorded firing rates.
//!
//! # Conventions
//!
//! * A target set is an `ndarray::Array2<f64>` of shape `N × steps` on the simulation grid of the target
//!   window: column s holds the value at window time t = (s + 1)·dt_ms, in ms after stimulus offset.
//! * Drive targets are dimensionless; rate targets are in spikes per τ (τ = 10 ms, Hz = 100 × value).
//! * Where the time unit matters (OU noise amplitude), time is measured in units of τ = 10 ms exactly as in
//!   the authors' code (paper-spec §1.1): dt = dt_ms/10, τ_c = tau_c_ms/10.
//! * Randomness comes only from the caller's generator, consumed in a documented fixed order (neuron 0
//!   first), so the same generator state gives bit-identical targets.
//!
//! # Generators ([`TargetSpec`])
//!
//! | kind | equation | defaults (paper) | paper-spec |
//! |---|---|---|---|
//! | `sines` | f_i(t) = A_i sin(2π(t − T0_i)/T1_i) | A ~ U[0.5, 1.5], T0 ~ U[0, 1000] ms, T1 ~ U[300, 1000] ms | §4.1 (Figs 1, 2) |
//! | `product_of_sines` | f_i(t) = A_i sin(2π(t − t1_i)/T1_i) sin(2π(t − t2_i)/T2_i) | A ~ U[0.5, 1.5], T1 ~ U[500, 1000] ms, T2 ~ U[100, 500] ms, t1 ~ U[0, T1], t2 ~ U[0, T2] (code); or t1 = t2 = T0 ~ U[0, 1000] ms (Methods); optional fixed A (Fig 3—supp 1: 0.1, 0.05, 0.01) | §4.2 (Fig 3) |
//! | `ou` | x ← x e^{−dt/τ_c} + s sqrt((τ_c/2)(1 − e^{−2dt/τ_c})) ξ, time in τ units; s.d. s sqrt(τ_c/2) | τ_c = 200 ms, s = 0.3 (s.d. 0.95), stationary start | §4.4, §12.4 (Figs 3, 6, 7) |
//! | `chaotic_rate` | τ_r dx_i/dt = −x_i + Σ_j M_ij sqrt(\[x_j\]₊)/π, M_ij = g z_ij/sqrt(Np) on a Bernoulli(p) graph, rows mean-subtracted; target x_i(t) | g = 5, p = 0.3, τ_r = 40 ms, Euler 1 ms, x(0) = 0.2 U[0, 1], 1100 ms transient | §2.4, §4.3, §12.6 (Fig 3) |
//! | `identical_sine` | f_i(t) = A sin(2π(t − T0)/T1) for all i | A = 1, T1 = 500 ms, T0 = 0 (not given in the paper) | §4.7 (Fig 3—supp 3) |
//!
//! Quasi-static mean population rates of these families, 100·mean_{i,t} φ1(f_i(t)) Hz (paper-spec §1.2),
//! measured by this crate's tests (N = 500, 1000 ms, dt = 1 ms, seeds 0..10, mean and range):
//!
//! | family | this crate | paper-spec (S3) | paper |
//! |---|---|---|---|
//! | product of sines, independent phases | 9.11 (9.00–9.34) Hz | 9.16 Hz | 9.1 Hz |
//! | product of sines, common phase | 10.01 (9.84–10.14) Hz | 9.97 Hz | – |
//! | product of sines, A = 0.1 (supp 1) | 2.91 (2.77–3.02) Hz | 2.9 Hz | 2.8 Hz |
//! | OU τ_c = 200 ms, s = 0.3 | 12.74 (12.16–13.32) Hz; exact mean 12.74 Hz | 13.0 Hz | 12.1 Hz |
//! | chaotic rate network | 9.19 (8.63–10.11) Hz | 9.2–9.6 Hz | 7.2 Hz |
//!
//! # Transformations
//!
//! * [`rate_from_drive`]: rate targets r = φ(f) elementwise; with φ1 this is π⁻¹ sqrt(\[f\]₊) (§4.1).
//! * [`repeated_fraction`]: Fig 3c target sets — a random fraction q of the neurons keeps independent
//!   targets, the rest share one pattern (§5.3); [`repeated_fraction_nested`] builds such sets for several q
//!   at once with nested independent groups and one shared pattern.
//!
//! # Recorded data
//!
//! * [`load_rates_csv`] reads the ALM rate files (`#` comment lines, rows = neurons, rates in Hz at 20 ms
//!   bins) into [`RecordedRates`], which selects neurons by mean rate, drops bins and resamples onto the
//!   simulation grid in spikes per τ (§4.6).
//!
//! Errors are [`TargetError`]s naming the offending field, file, line or column.

mod chaotic;
mod error;
mod ou;
pub mod periodic;
mod recorded;
mod spec;
mod transform;

pub use error::TargetError;
pub use ou::ou_update_coefficients;
pub use periodic::{ProductSine, Sine, draw_products, draw_sines};
pub use recorded::{ALM_BIN_MS, RecordedRates, load_rates_csv, load_rates_csv_binned};
pub use spec::{
    ChaoticRateParams, IdenticalSineParams, OuInit, OuParams, Phases, ProductOfSinesParams,
    SinesParams, TargetSpec,
};
pub use transform::{
    RepeatedTargets, rate_from_drive, repeated_fraction, repeated_fraction_nested,
};
