//! Mean-field theory for spiking networks trained with RLS (Kim & Chow 2018, eLife 7:e37124; Methods eqs
//! 13–14, 39–60).
//!
//! Units: time in τ = 10 ms, rates in spikes per τ (Hz = 100 × rate); drives and inputs are dimensionless.
//!
//! | module | content | paper equations |
//! |---|---|---|
//! | [`transfer`] | theta-neuron f–I curves φ1, φ2 and derivatives | eq 13, eq 14, eq 45 |
//! | [`density`] | quasi-static stationary phase density ρ(θ; x), its flux and rate 2ρ(π) | eqs 39, 41–45 |
//! | [`quasistatic`] | predicted drive W φ(u + I), predicted rate φ(W R + I), quasi-static accuracy | eqs 1, 46, 47 |
//! | [`rank`] | U = W V analysis: correlation time and binning, V = φ(U + I), singular values, rank, masked least squares (parallel over neurons) | eq 1, §6 |
//! | [`error_theory`] | tracking constant τ_s/(4πτ_c), shot-noise variance, sampling scale 1/sqrt(τ_s N) | eqs 52–60, 3 |
//! | [`stats`] | mean, Pearson, Spearman, Kendall τ_b, binomial tail | §10 performance measure |
//! | [`quadrature`] | adaptive Gauss–Kronrod (G7–K15) integration used by `density` checks and `error_theory` | — |
//! | [`error`] | [`MeanfieldError`] | — |
//!
//! (§6 = paper section "Sufficient conditions for learning"; §10 = the measurement definitions of the project's
//! paper specification.)
//!
//! All fallible functions return [`MeanfieldError`] on bad shapes or parameters instead of panicking.

pub mod density;
pub mod error;
pub mod error_theory;
pub mod quadrature;
pub mod quasistatic;
pub mod rank;
pub mod stats;
pub mod transfer;

pub use density::{density_rate, stationary_density, stationary_flux, theta_velocity};
pub use error::{MeanfieldError, Result};
pub use error_theory::{
    filtered_spike_train, sampling_error_scale, sampling_error_variance, shot_noise_variance,
    shot_noise_variance_nonoverlap, tracking_cutoff, tracking_error_constant,
    tracking_error_constant_numeric,
};
pub use quasistatic::{per_neuron_correlation, predict_drive, predict_rate, quasi_static_accuracy};
pub use rank::{
    MaskedSolution, QuasiStaticAnalysis, analyze, bin_average, correlation_time, dense_mask,
    normal_equations_solution, numerical_rank, quasi_static_matrices, singular_values, solve_dense,
    solve_masked,
};
pub use stats::{binomial_sf, kendall_tau_b, mean, pearson, spearman};
pub use transfer::{Phi1, Phi2, Transfer, phi1, phi1_prime, phi2, phi2_prime};
