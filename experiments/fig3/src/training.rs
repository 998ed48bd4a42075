//! Train-then-test orchestration shared by Figure 3 and its supplements (`fig3_supp1`, `fig3_supp3`).
//!
//! Nothing here simulates: every step runs in `spikelearn_sim::Network::run` through the protocol functions
//! [`train_loops`] and [`test_trial`]. This module only wires a network, an RLS learner, targets and an input
//! together, and turns recorded test trials into the Fig 3 measures (quasi-static prediction, binned rates).

use anyhow::Context;
use ndarray::{Array2, ArrayView2};
use rand::{Rng, RngCore};
use spikelearn_lab::{Color, Ctx, Panel, ParamError, Series, Stream};
pub use spikelearn_lab::{loops_table, validate_net_protocol};
use spikelearn_meanfield::{Phi1, phi1, quasistatic, stats::pearson};
use spikelearn_sim::protocol::{
    LoopRecord, NetworkParams, ProtocolParams, Schedule, TrialStats, mean, test_trial, train_loops,
};
use spikelearn_sim::{
    Input, LearnMode, Network, RlsLearner, SimError, SparseRows, Theta, Variable, units,
};

/// Converts a simulator parameter error into the harness's [`ParamError`] (field name kept); see
/// [`ParamError::from_sim`].
pub fn sim_err(e: SimError) -> ParamError {
    ParamError::from_sim(e)
}

/// A trained network and its training history.
pub struct Trained {
    /// The network after the last training loop (weights = trained W).
    pub net: Network<Theta>,
    /// Per-loop records (Pearson during the loop, window rate, ‖W − W0‖_F).
    pub loops: Vec<LoopRecord>,
    /// ‖W0‖_F.
    pub w0_fro: f64,
}

/// Draws W0 (stream `Connectivity`, 0: the same network for every training of a run) and the initial
/// phases (stream `InitialState`, 0), then runs `protocol.loops` synaptic-drive RLS training loops on
/// `targets` (N × window steps) with the state carried over between loops (paper-spec §3.4).
pub fn train_drive(
    network: &NetworkParams,
    protocol: &ProtocolParams,
    sched: &Schedule,
    input: &Input<'_>,
    targets: ArrayView2<'_, f64>,
    ctx: &Ctx,
    label: &str,
) -> anyhow::Result<Trained> {
    let w0 = network.weights(&mut ctx.rng(Stream::Connectivity, 0))?;
    let mut net = network.theta_network(w0.clone(), &mut ctx.rng(Stream::InitialState, 0))?;
    let mut learner = RlsLearner::new(
        &net.w,
        protocol.lambda,
        sched.every,
        LearnMode::Drive,
        protocol.kernel,
        &[targets],
    )?;
    let pb = ctx.progress(protocol.loops as u64, label);
    // Free-run jitter per loop (protocol.pre_jitter_ms; no draws when it is 0).
    let mut loop_rng = ctx.rng(Stream::Other(0), 0);
    let loops = train_loops(
        &mut net,
        sched,
        &mut loop_rng,
        input,
        &mut learner,
        Variable::Drive,
        targets,
        protocol.loops,
        0,
        &w0,
        &mut |_, _| pb.inc(1),
    )
    .with_context(|| format!("{label}: training"))?;
    pb.finish_and_clear();
    Ok(Trained {
        net,
        loops,
        w0_fro: w0.frobenius(),
    })
}

/// `trials` test trials of `net` (no learning; reset with fresh random phases from stream `Trial`, index t,
/// so every call sees the same initial phases and comparisons between networks are paired). The drive u is
/// recorded over the window and compared with `targets`; spikes of all neurons are kept.
pub fn test_drive(
    net: &mut Network<Theta>,
    sched: &Schedule,
    input: &Input<'_>,
    targets: ArrayView2<'_, f64>,
    trials: usize,
    ctx: &Ctx,
    label: &str,
) -> anyhow::Result<Vec<TrialStats>> {
    let n = net.n();
    (0..trials)
        .map(|t| {
            let mut rng = ctx.rng(Stream::Trial, t as u64);
            test_trial(
                net,
                &sched.test,
                input,
                &mut rng as &mut dyn RngCore,
                Variable::Drive,
                targets,
                n,
                &mut [],
            )
            .with_context(|| format!("{label}: test trial {t}"))
        })
        .collect()
}

/// Dense N × N copy of the weights.
pub fn dense(w: &SparseRows) -> Array2<f64> {
    let n = w.n();
    Array2::from_shape_vec((n, n), w.to_dense()).expect("to_dense returns N·N values")
}

/// Quasi-static prediction of the drive over the window, Σ_j W_ij φ1(u_j(t) + I_j(t)) (paper eq 1), from
/// the recorded drive `u` (N × window) of a trial; I = 0 in the window (no bias) unless `ext` is given
/// (N × window, e.g. frozen noise).
pub fn quasi_static_drive(
    w: &Array2<f64>,
    u: ArrayView2<'_, f64>,
    ext: Option<ArrayView2<'_, f64>>,
) -> anyhow::Result<Array2<f64>> {
    let zeros;
    let ext = match ext {
        Some(e) => e,
        None => {
            zeros = Array2::<f64>::zeros(u.dim());
            zeros.view()
        }
    };
    Ok(quasistatic::predict_drive(w.view(), u, ext, &Phi1)?)
}

/// Quasi-static accuracy averaged over test trials (paper-spec §10): mean over trials of the mean over
/// neurons of Pearson(S_i, u_i) over the window, S_i = Σ_j W_ij φ1(u_j + I_j) (eq 1). Returned with the
/// same measure for the synaptically filtered prediction τ_s dU/dt = −U + S (eq 42 without the
/// quasi-static assumption; `spikelearn_meanfield::quasistatic::synaptic_filter`), which removes the lag of
/// u behind S (the tracking error τ_s du/dt of eq 52): (quasi-static, filtered).
pub fn quasi_static_accuracy(
    net: &Network<Theta>,
    tests: &[TrialStats],
    ext: Option<ArrayView2<'_, f64>>,
) -> anyhow::Result<(f64, f64)> {
    let w = dense(&net.w);
    let step = net.dt() / net.tau_s();
    let mut lit = Vec::new();
    let mut filt = Vec::new();
    for t in tests {
        let pred = quasi_static_drive(&w, t.response.view(), ext)?;
        lit.push(quasistatic::quasi_static_accuracy(
            pred.view(),
            t.response.view(),
        )?);
        let f = quasistatic::synaptic_filter(pred.view(), step)?;
        filt.push(quasistatic::quasi_static_accuracy(
            f.view(),
            t.response.view(),
        )?);
    }
    Ok((mean(&lit), mean(&filt)))
}

/// Trial-averaged spiking rate in bins of `bin` steps (Fig 3b) and the trial- and bin-averaged predicted
/// rate φ1(u_i(t) + I_i(t)), both in Hz, for every neuron (N × bins each). Spikes are counted on window
/// steps k_off < k ≤ k_off + window; a trailing partial bin is dropped.
pub struct BinnedRates {
    /// Measured: spike count per bin, averaged over trials, divided by the bin length (Hz).
    pub measured: Array2<f64>,
    /// Predicted: mean over the bin and the trials of 100·φ1(u_i + I_i) (Hz).
    pub predicted: Array2<f64>,
    /// Bin centres, ms after stimulus offset.
    pub t_ms: Vec<f64>,
}

/// Computes [`BinnedRates`] from test trials recorded with [`test_drive`] (response = drive).
pub fn binned_rates(
    tests: &[TrialStats],
    sched: &Schedule,
    bin: usize,
    dt_ms: f64,
    ext: Option<ArrayView2<'_, f64>>,
) -> BinnedRates {
    let n = tests.first().map(|t| t.response.nrows()).unwrap_or(0);
    let nb = sched.test.window / bin.max(1);
    let k_off = sched.test.k_off();
    let mut measured = Array2::<f64>::zeros((n, nb));
    let mut predicted = Array2::<f64>::zeros((n, nb));
    let bin_s = bin as f64 * dt_ms / 1000.0;
    let norm = 1.0 / tests.len().max(1) as f64;
    for t in tests {
        for &(k, i) in &t.spikes {
            let k = k as usize;
            if k > k_off {
                let b = (k - k_off - 1) / bin;
                if b < nb {
                    measured[[i as usize, b]] += norm / bin_s;
                }
            }
        }
        for i in 0..n {
            for b in 0..nb {
                let s: f64 = (b * bin..(b + 1) * bin)
                    .map(|s| {
                        let e = ext.map(|e| e[[i, s]]).unwrap_or(0.0);
                        phi1(t.response[[i, s]] + e)
                    })
                    .sum();
                predicted[[i, b]] += norm * units::per_tau_to_hz(s / bin as f64);
            }
        }
    }
    let t_ms = (0..nb)
        .map(|b| (b as f64 + 0.5) * bin as f64 * dt_ms)
        .collect();
    BinnedRates {
        measured,
        predicted,
        t_ms,
    }
}

impl BinnedRates {
    /// Mean over neurons of Pearson(measured, predicted) across bins; neurons with a constant trace
    /// (e.g. silent) are skipped. Returns (mean, number of neurons used).
    pub fn mean_pearson(&self) -> (f64, usize) {
        let rs: Vec<f64> = self
            .measured
            .rows()
            .into_iter()
            .zip(self.predicted.rows())
            .filter_map(|(a, b)| pearson(&a.to_vec(), &b.to_vec()))
            .collect();
        (mean(&rs), rs.len())
    }
}

/// Quasi-static population rate of a target set, 100·mean_{i,t} φ1(f_i(t)) Hz (paper-spec §1.2): the rate a
/// network whose drive equals its targets would fire at.
pub fn quasi_static_rate_hz(targets: ArrayView2<'_, f64>) -> f64 {
    units::per_tau_to_hz(
        targets.iter().map(|&f| phi1(f)).sum::<f64>() / targets.len().max(1) as f64,
    )
}

/// A uniformly random permutation of 0..n (Fisher–Yates, n − 1 draws, first position first).
pub fn permutation<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for k in 0..n.saturating_sub(1) {
        let j = k + rng.random_range(0..n - k);
        v.swap(k, j);
    }
    v
}

/// Panel: target (red) and test-trial drive (black) of neurons 0..`n_traces`, stacked `offset` apart, over the
/// window (`response`: N × window steps of one test trial).
pub fn trace_panel(
    title: String,
    targets: ArrayView2<'_, f64>,
    response: ArrayView2<'_, f64>,
    n_traces: usize,
    offset: f64,
    dt_ms: f64,
) -> Panel {
    let steps = targets.ncols();
    let t_ms: Vec<f64> = (1..=steps).map(|j| j as f64 * dt_ms).collect();
    let mut series = Vec::new();
    for i in 0..n_traces.min(targets.nrows()) {
        let o = offset * i as f64;
        let lbl = |s: &str| if i == 0 { s.to_string() } else { String::new() };
        series.push(Series::line(
            lbl("target"),
            t_ms.clone(),
            targets.row(i).iter().map(|v| v + o).collect::<Vec<_>>(),
            Color::Red,
        ));
        series.push(Series::line(
            lbl("drive (test)"),
            t_ms.clone(),
            response.row(i).iter().map(|v| v + o).collect::<Vec<_>>(),
            Color::Black,
        ));
    }
    Panel::lines(
        title,
        "time after stimulus offset (ms)",
        "synaptic drive (stacked)",
        series,
    )
    .with_x_range(0.0, steps as f64 * dt_ms)
}

/// Panel: window raster of neurons 0..`n_raster` of one test trial (`spikes` = (trial step, neuron), window
/// starting after step `k_off`, `window` steps long).
pub fn window_raster_panel(
    title: String,
    spikes: &[(u32, u32)],
    k_off: usize,
    window: usize,
    n_raster: usize,
    dt_ms: f64,
) -> Panel {
    let k0 = k_off as f64;
    Panel::raster(
        title,
        "time after stimulus offset (ms)",
        "neuron",
        spikes
            .iter()
            .filter(|&&(k, i)| (k as f64) > k0 && (i as usize) < n_raster)
            .map(|&(k, i)| ((k as f64 - k0) * dt_ms, i))
            .collect(),
        n_raster as u32,
    )
    .with_x_range(0.0, window as f64 * dt_ms)
}

/// Mean of TrialStats field over trials.
pub fn mean_over<F: Fn(&TrialStats) -> f64>(tests: &[TrialStats], f: F) -> f64 {
    mean(&tests.iter().map(f).collect::<Vec<_>>())
}

/// Checks the plotting counts: 1 ≤ `n_traces` ≤ N and `n_raster` ≤ N (errors name the field).
pub fn validate_shown(n_traces: usize, n_raster: usize, n: usize) -> Result<(), ParamError> {
    if n_traces == 0 || n_traces > n {
        return Err(ParamError::out_of_range(
            "n_traces",
            n_traces,
            "[1, network.n]",
        ));
    }
    if n_raster > n {
        return Err(ParamError::out_of_range(
            "n_raster",
            n_raster,
            "<= network.n",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spikelearn_sim::Trial;

    fn sched(window: usize) -> Schedule {
        let t = Trial {
            pre: 3,
            stim: 2,
            window,
            post: 0,
        };
        Schedule {
            train: t,
            test: t,
            every: 2,
            jitter: 0,
        }
    }

    /// Spike counts by hand: 2 trials, bins of 10 steps (dt = 1 ms → 10 ms bins); neuron 0 spikes twice in
    /// bin 0 of trial 0 and once in bin 1 of trial 1 → (2/2)/0.01 s = 100 Hz and (1/2)/0.01 s = 50 Hz.
    /// Spikes before the window (k ≤ k_off = 5) are ignored. The predicted rate of a constant drive u = 0.25
    /// is 100·φ1(0.25) = 100·0.5/π Hz in every bin (exact up to rounding, 1e-12).
    #[test]
    fn binned_rates_by_hand() {
        let s = sched(20);
        let mk = |spikes: Vec<(u32, u32)>| TrialStats {
            response: Array2::from_elem((2, 20), 0.25),
            pearson: vec![0.0; 2],
            mean_pearson: 0.0,
            rate_hz: 0.0,
            spikes,
            window_counts: vec![0; 2],
        };
        let tests = vec![
            mk(vec![(4, 0), (6, 0), (15, 0)]),
            mk(vec![(16, 0), (25, 1)]),
        ];
        let b = binned_rates(&tests, &s, 10, 1.0, None);
        assert_eq!(b.measured.dim(), (2, 2));
        assert!((b.measured[[0, 0]] - 100.0).abs() < 1e-9);
        assert!((b.measured[[0, 1]] - 50.0).abs() < 1e-9);
        assert!((b.measured[[1, 1]] - 50.0).abs() < 1e-9);
        assert_eq!(b.measured[[1, 0]], 0.0);
        let expect = 100.0 * 0.5 / std::f64::consts::PI;
        assert!(b.predicted.iter().all(|&v| (v - expect).abs() < 1e-12));
        assert_eq!(b.t_ms, vec![5.0, 15.0]);
    }

    /// A permutation contains every index once.
    #[test]
    fn permutation_is_a_permutation() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut p = permutation(37, &mut rng);
        p.sort_unstable();
        assert_eq!(p, (0..37).collect::<Vec<_>>());
    }

    /// 100·⟨φ1(f)⟩: f = 1 → 100/π Hz, f ≤ 0 → 0.
    #[test]
    fn quasi_static_rate_of_constant_targets() {
        let f = Array2::from_shape_vec((1, 2), vec![1.0, -1.0]).unwrap();
        assert!((quasi_static_rate_hz(f.view()) - 50.0 / std::f64::consts::PI).abs() < 1e-12);
    }
}
