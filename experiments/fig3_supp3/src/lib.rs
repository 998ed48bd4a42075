//! Figure 3—figure supplement 3 of Kim & Chow (2018): every neuron's synaptic drive is trained on the same
//! sine wave while each neuron receives its own frozen Ornstein–Uhlenbeck input noise (the same realisation in
//! every training loop and test trial). Identical targets give identical rate patterns φ(f), a rank-one basis
//! that cannot express the target (paper-spec §6); independent input noise makes the patterns φ1(f + η_j)
//! heterogeneous, so learning fails at low noise and succeeds at high noise.
//!
//! The paper gives neither the sine, nor the noise time constant, nor the three amplitudes (paper-spec §4.7);
//! the choices and their justification are in README.md. Besides the trainings, the run reports the
//! quasi-static solvability of U = W V for each noise level: the relative residual of the best masked
//! ridge fit of the binned targets by the binned patterns φ1(f + η) (`spikelearn_meanfield::solve_masked`).

use anyhow::Context;
use fig3::training::{
    loops_table, mean_over, quasi_static_accuracy, test_drive, trace_panel, train_drive,
    validate_net_protocol, validate_shown, window_raster_panel,
};
use ndarray::{Array2, s};
use serde::{Deserialize, Serialize};
use spikelearn_lab::{
    Color, Ctx, Experiment, Figure, Panel, ParamError, Profile, Report, Series, Stream, Table,
    Validate, check_nonneg, check_positive,
};
use spikelearn_meanfield::{bin_average, phi1, solve_masked};
use spikelearn_sim::protocol::{NetworkParams, ProtocolParams};
use spikelearn_sim::{Input, SparseRows};
use spikelearn_targets::{IdenticalSineParams, OuInit, OuParams, TargetSpec};

/// Parameters of the Figure 3—figure supplement 3 reproduction.
///
/// | field | default | paper symbol | units | source |
/// |---|---|---|---|---|
/// | network | N = 500, p = 0.3, σ = 1, τ_s = 20 ms, dt = 1 ms | – | – | as Fig 3 (not stated) |
/// | protocol | 100 ms stimulus U[−1, 1], T = 1000 ms, Δt = 2 ms, λ = 1, 30 loops, 5 tests | – | – | as Fig 3 (not stated) |
/// | sine | A = 1, T1 = 500 ms, T0 = 0 | f | – | not given (choice, README) |
/// | noise_tau_ms | 100 | τ_c of the noise | ms | not given (choice, README) |
/// | noise_sds | 0, 0.05, 0.3, 1.0 | noise amplitude | – | "low, medium, high" not given (choice, README); 0 = control |
/// | qs_bin_ms | 10 | – | ms | bin of the quasi-static solvability check |
/// | n_traces | 4 | – | – | neurons plotted |
/// | n_raster | 100 | – | – | neurons in the rasters |
///
/// The noise of neuron i is an OU process with correlation time `noise_tau_ms`, rescaled to stationary s.d.
/// `noise_sd` (`OuParams { standardize: true }`), drawn once from stream `Noise` and added to the input
/// I_i(t) over the whole trial (free run, stimulus and window). All amplitudes share the same underlying
/// realisation (only the scale differs), so the comparison between amplitudes is paired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Supp3Params {
    /// Network settings.
    pub network: NetworkParams,
    /// Training/test protocol.
    pub protocol: ProtocolParams,
    /// The sine every neuron learns.
    pub sine: IdenticalSineParams,
    /// Correlation time of the input noise (ms).
    pub noise_tau_ms: f64,
    /// Stationary s.d. of the input noise, one training each (0 = no noise).
    pub noise_sds: Vec<f64>,
    /// Bin of the quasi-static solvability check (ms).
    pub qs_bin_ms: f64,
    /// Neurons plotted.
    pub n_traces: usize,
    /// Neurons in the rasters.
    pub n_raster: usize,
}

impl Default for Supp3Params {
    fn default() -> Self {
        Self {
            network: NetworkParams::default(),
            protocol: ProtocolParams::default(),
            sine: IdenticalSineParams::default(),
            noise_tau_ms: 100.0,
            noise_sds: vec![0.0, 0.05, 0.3, 1.0],
            qs_bin_ms: 10.0,
            n_traces: 4,
            n_raster: 100,
        }
    }
}

impl Validate for Supp3Params {
    fn validate(&self) -> Result<(), ParamError> {
        validate_net_protocol(&self.network, &self.protocol)?;
        TargetSpec::IdenticalSine(self.sine)
            .validate()
            .map_err(|e| ParamError::invalid("sine", e))?;
        check_positive("noise_tau_ms", self.noise_tau_ms)?;
        if self.noise_sds.is_empty() {
            return Err(ParamError::invalid("noise_sds", "at least one amplitude"));
        }
        for &sd in &self.noise_sds {
            check_nonneg("noise_sds", sd)?;
        }
        let grid = self.network.grid().map_err(fig3::training::sim_err)?;
        let bin = grid
            .steps("qs_bin_ms", self.qs_bin_ms)
            .map_err(fig3::training::sim_err)?;
        let window = grid
            .steps("protocol.window_ms", self.protocol.window_ms)
            .map_err(fig3::training::sim_err)?;
        if bin == 0 || bin > window {
            return Err(ParamError::out_of_range(
                "qs_bin_ms",
                self.qs_bin_ms,
                "(0, protocol.window_ms]",
            ));
        }
        validate_shown(self.n_traces, self.n_raster, self.network.n)
    }
}

/// The Figure 3—figure supplement 3 experiment.
pub struct Fig3Supp3;

/// Metric-key form of a noise s.d.: 0.3 → "sd0p3".
fn sd_key(sd: f64) -> String {
    format!("sd{}", format!("{sd}").replace('.', "p"))
}

/// Trough depth: over the window steps where the (shared) target is below −A/2, the mean drive divided by the
/// mean target, averaged over neurons and test trials. 1 = the drive follows the negative half of the sine,
/// 0 = it stays flat there (a network whose neurons are all silent cannot push its drive below zero).
fn trough_depth(
    tests: &[spikelearn_sim::protocol::TrialStats],
    targets: &Array2<f64>,
    amp: f64,
) -> f64 {
    let f = targets.row(0);
    let steps: Vec<usize> = (0..f.len()).filter(|&s| f[s] < -0.5 * amp).collect();
    if steps.is_empty() {
        return f64::NAN;
    }
    let f_mean = steps.iter().map(|&s| f[s]).sum::<f64>() / steps.len() as f64;
    let per_trial: Vec<f64> = tests
        .iter()
        .map(|t| {
            let u: f64 = t
                .response
                .rows()
                .into_iter()
                .map(|r| steps.iter().map(|&s| r[s]).sum::<f64>() / steps.len() as f64)
                .sum::<f64>()
                / t.response.nrows().max(1) as f64;
            u / f_mean
        })
        .collect();
    per_trial.iter().sum::<f64>() / per_trial.len().max(1) as f64
}

/// Plastic mask of `w` as per-neuron presynaptic index lists.
fn mask_of(w: &SparseRows) -> Vec<Vec<usize>> {
    (0..w.n()).map(|i| w.row(i).0.to_vec()).collect()
}

impl Experiment for Fig3Supp3 {
    const NAME: &'static str = "fig3_supp3";
    const TITLE: &'static str = "Figure 3—figure supplement 3: identical sine targets learned with independent frozen OU input noise";
    type Params = Supp3Params;

    fn params(profile: Profile) -> Supp3Params {
        let mut p = Supp3Params::default();
        if profile == Profile::Quick {
            // CI size (bounds in data/published/fig3_supp3.toml, profile "quick").
            p.network.n = 200;
            p.protocol.loops = 10;
        }
        p
    }

    fn run(p: &Supp3Params, ctx: &Ctx) -> anyhow::Result<Report> {
        let grid = p.network.grid()?;
        let sched = p.protocol.schedule(&grid)?;
        let n = p.network.n;
        let dt_ms = p.network.dt_ms;
        let window = sched.train.window;
        let k_off = sched.train.k_off();
        let len = sched.train.len().max(sched.test.len());
        let bin = (p.qs_bin_ms / dt_ms).round() as usize;
        let stimulus = p.protocol.stimulus(n, &mut ctx.rng(Stream::Stimulus, 0));
        let targets = TargetSpec::IdenticalSine(p.sine)
            .generate(n, window, dt_ms, &mut ctx.rng(Stream::Targets, 0))
            .context("generating the sine targets")?;
        // One unit-s.d. OU realisation (N × trial steps), scaled per amplitude.
        let unit = TargetSpec::Ou(OuParams {
            tau_c_ms: p.noise_tau_ms,
            init: OuInit::Stationary,
            standardize: true,
            target_sd: 1.0,
            ..OuParams::default()
        })
        .generate(n, len, dt_ms, &mut ctx.rng(Stream::Noise, 0))
        .context("generating the input noise")?;
        let mask = mask_of(&p.network.weights(&mut ctx.rng(Stream::Connectivity, 0))?);
        let u_binned = bin_average(targets.view(), bin)?;
        // RLS-equivalent ridge in bin units: λ over all training samples, rescaled to P bins.
        let samples = (p.protocol.loops.max(1) * window / sched.every) as f64;
        let ridge = p.protocol.lambda * u_binned.ncols() as f64 / samples;

        let mut rep = Report::new();
        let mut fig = Figure::new("fig3_supp3", Self::TITLE, p.noise_sds.len().max(3));
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 8];
        let mut trace_panels = Vec::new();
        let mut raster_panels = Vec::new();
        let mut loop_series = Vec::new();
        // Quasi-static solvability of U = W V with V = φ1(f + η) on the window, per noise level. It needs no
        // training, so it runs (and fails, if it must) before the trainings.
        let fits = p
            .noise_sds
            .iter()
            .map(|&sd| -> anyhow::Result<_> {
                // the window of the noise added below, N × window (row k−1 of `noise` at trial step k)
                let win_noise: Array2<f64> =
                    unit.slice(s![.., k_off..k_off + window]).mapv(|z| sd * z);
                let v = (&targets + &win_noise).mapv(phi1);
                let sol = solve_masked(
                    u_binned.view(),
                    bin_average(v.view(), bin)?.view(),
                    &mask,
                    ridge,
                )
                .with_context(|| format!("quasi-static fit at noise s.d. {sd}"))?;
                Ok((win_noise, sol))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        // One training per noise level, run as independent jobs (`--jobs`; same results for any number).
        let runs = ctx.map_jobs(p.noise_sds.clone(), |sd| {
            // noise as trial steps × N (row k−1 added at trial step k)
            let noise: Array2<f64> = unit.t().mapv(|z| sd * z);
            let input = Input {
                stimulus: &stimulus,
                bias: None,
                noise: (sd > 0.0).then(|| noise.view()),
            };
            let mut tr = train_drive(
                &p.network,
                &p.protocol,
                &sched,
                &input,
                targets.view(),
                ctx,
                &format!("noise s.d. {sd}: training"),
            )?;
            let tests = test_drive(
                &mut tr.net,
                &sched,
                &input,
                targets.view(),
                p.protocol.test_trials,
                ctx,
                &sd_key(sd),
            )?;
            Ok((tr, tests))
        })?;
        for ((idx, &sd), ((tr, tests), (win_noise, sol))) in p
            .noise_sds
            .iter()
            .enumerate()
            .zip(runs.into_iter().zip(fits))
        {
            let key = sd_key(sd);
            let pearson = mean_over(&tests, |t| t.mean_pearson);
            let rate = mean_over(&tests, |t| t.rate_hz);
            let active = mean_over(&tests, |t| {
                t.window_counts.iter().filter(|&&c| c > 0).count() as f64 / n as f64
            });
            let qs_acc = quasi_static_accuracy(&tr.net, &tests, Some(win_noise.view()))
                .map(|a| a.0)
                .unwrap_or(f64::NAN);
            let vals = [
                sd,
                pearson,
                rate,
                active,
                qs_acc,
                sol.relative_residual,
                tr.loops.last().map(|r| r.mean_pearson).unwrap_or(0.0),
                trough_depth(&tests, &targets, p.sine.amp),
            ];
            for (name, v) in [
                "test_pearson_mean",
                "test_rate_hz",
                "active_fraction",
                "quasi_static_accuracy",
                "qs_fit_residual",
                "last_loop_pearson",
                "trough_depth",
            ]
            .into_iter()
            .zip(&vals[1..])
            {
                rep.metric(&format!("{key}_{name}"), *v);
            }
            for (c, v) in cols.iter_mut().zip(vals) {
                c.push(v);
            }
            loop_series.push(Series::line_points(
                format!("noise s.d. {sd}"),
                tr.loops
                    .iter()
                    .map(|r| (r.index + 1) as f64)
                    .collect::<Vec<_>>(),
                tr.loops.iter().map(|r| r.mean_pearson).collect::<Vec<_>>(),
                Color::Palette(idx),
            ));
            let t0 = &tests[0];
            trace_panels.push(trace_panel(
                format!("noise s.d. {sd}: test r = {pearson:.2}"),
                targets.view(),
                t0.response.view(),
                p.n_traces,
                2.5 * p.sine.amp.max(1e-3),
                dt_ms,
            ));
            raster_panels.push(window_raster_panel(
                format!("noise s.d. {sd}: raster (test trial 1), {rate:.1} Hz"),
                &t0.spikes,
                sched.test.k_off(),
                window,
                p.n_raster,
                dt_ms,
            ));
            rep.table(loops_table(&key, &tr.loops, tr.w0_fro));
        }
        for panel in trace_panels.into_iter().chain(raster_panels) {
            fig.push_panel(panel);
        }
        let sds = cols[0].clone();
        fig.push_panel(
            Panel::lines(
                "test Pearson and trough depth vs noise amplitude",
                "noise s.d.",
                "test mean Pearson r / trough depth",
                vec![
                    Series::line_points("test Pearson", sds.clone(), cols[1].clone(), Color::Black),
                    Series::line_points("trough depth", sds.clone(), cols[7].clone(), Color::Red),
                ],
            )
            .with_y_range(-0.2, 1.1),
        );
        fig.push_panel(Panel::lines(
            "quasi-static fit residual ||U − Ŵ φ1(U + η)|| / ||U||",
            "noise s.d.",
            "relative residual",
            vec![Series::line_points("", sds, cols[5].clone(), Color::Blue)],
        ));
        fig.push_panel(
            Panel::lines(
                "training: Pearson per loop",
                "training loop",
                "mean Pearson r",
                loop_series,
            )
            .with_y_range(-0.2, 1.0),
        );
        rep.figure(fig);
        let mut table = Table::new("noise_levels");
        for (name, c) in [
            "noise_sd",
            "test_pearson_mean",
            "test_rate_hz",
            "active_fraction",
            "quasi_static_accuracy",
            "qs_fit_residual",
            "last_loop_pearson",
            "trough_depth",
        ]
        .into_iter()
        .zip(cols)
        {
            table.push_col(name, c);
        }
        rep.table(table);
        rep.note(format!(
            "N = {n}, dt = {dt_ms} ms, Δt = {} ms, λ = {}, {} loops, stimulus {} ms U[-{a}, {a}], sine A = {} T1 = {} ms, noise OU τ = {} ms, quasi-static check: {} ms bins, ridge {ridge:.3e}",
            p.protocol.learn_every_ms,
            p.protocol.lambda,
            p.protocol.loops,
            p.protocol.stim_ms,
            p.sine.amp,
            p.sine.period_ms,
            p.noise_tau_ms,
            p.qs_bin_ms,
            a = p.protocol.stim_amp,
        ));
        Ok(rep)
    }
}
