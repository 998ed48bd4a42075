//! Figure 3 of Kim & Chow (2018): quasi-static and heterogeneous patterns can be learned.
//!
//! Three target families (products of sines, chaotic rate-network trajectories, Ornstein–Uhlenbeck noise) are
//! learned by the synaptic drive of an N = 500 theta-neuron network (panel a, with the quasi-static prediction
//! Σ_j W_ij φ1(u_j + I_j)); multi-trial rasters and 50 ms binned rates are compared with φ1(u_i) (panel b);
//! performance is measured against the fraction q of independent targets when the rest share one pattern
//! (panel c); and the outgoing synapses of 5 %, 10 %, 40 % of the neurons of the trained periodic network are
//! removed (panel d). All physics lives in `spikelearn-sim`/`-rls`/`-targets`/`-meanfield`; the shared
//! train/test wiring is in [`training`] (also used by `fig3_supp1` and `fig3_supp3`). Open choices are listed
//! in this crate's README.md.

pub mod training;

use anyhow::Context;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use spikelearn_lab::{
    Color, Ctx, Experiment, Figure, Panel, ParamError, Profile, Report, Series, Stream, Table,
    Validate, check_range,
};
use spikelearn_meanfield::quasistatic::synaptic_filter;
use spikelearn_sim::protocol::{NetworkParams, ProtocolParams, Schedule, TrialStats, mean};
use spikelearn_sim::{Input, Network, Theta};
use spikelearn_targets::{
    ChaoticRateParams, OuParams, ProductOfSinesParams, RepeatedTargets, TargetSpec,
};
use training::{
    BinnedRates, Trained, binned_rates, dense, loops_table, mean_over, permutation,
    quasi_static_accuracy, quasi_static_drive, quasi_static_rate_hz, test_drive, train_drive,
    validate_net_protocol,
};

/// Parameters of the Figure 3 reproduction.
///
/// | field | default | paper symbol | units | source |
/// |---|---|---|---|---|
/// | network.n | 500 | N | neurons | Fig 3 Methods |
/// | network.p | 0.3 | p | – | Fig 3 Methods |
/// | network.sigma | 1 | σ | – | Fig 3 Methods (no row-mean subtraction stated) |
/// | network.tau_s_ms | 20 | τ_s | ms | Fig 3 Methods |
/// | network.dt_ms | 1 | – | ms | authors' code (paper-spec §2.5) |
/// | protocol.stim_ms | 100 | – | ms | Methods (generic protocol) |
/// | protocol.stim_amp | 1 | – | – | Methods: I_i ~ U[−1, 1] (README: why not the code's U[−2, 2]) |
/// | protocol.window_ms | 1000 | T | ms | Fig 3 Methods |
/// | protocol.learn_every_ms | 2 | Δt | ms | Fig 3 Methods |
/// | protocol.lambda | 1 | λ | – | Fig 3 Methods |
/// | protocol.loops | 30 | – | – | Fig 3 Methods |
/// | protocol.test_trials | 5 | – | – | this project (panel b: "multiple trials") |
/// | families\[0\] `periodic` | product of sines, independent phases | f_i | – | §4.2, §12.5 (code variant) |
/// | families\[1\] `chaotic` | rate network g = 5, τ = 40 ms, rows mean-subtracted | f_i | – | §4.3, §12.6 |
/// | families\[2\] `ou` | τ_c = 200 ms, s = 0.3 (code convention) | f_i | – | §4.4, §12.4 |
/// | fractions | 0, 0.1, 0.2, 0.4, 0.6, 0.8, 1 | q | – | panel c; x-grid not published (§12.13) |
/// | fraction_draws | 3 | – | – | this project (panel c points averaged over draws of the repeated set; 1 in quick) |
/// | lesion_fractions | 0.05, 0.1, 0.4 | – | – | panel d text |
/// | lesion_draws | 3 | – | – | this project (average over random lesion sets) |
/// | rate_bin_ms | 50 | – | ms | panel b caption |
/// | n_traces | 3 | – | – | neurons shown in panels a, b |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fig3Params {
    /// Network settings.
    pub network: NetworkParams,
    /// Training/test protocol.
    pub protocol: ProtocolParams,
    /// Target families, each trained and tested on its own (panels a, b); the first one is also the base of
    /// panels c and d (paper: products of sines).
    pub families: Vec<Family>,
    /// Panel c: fractions q of neurons with independent targets (the rest share one pattern).
    pub fractions: Vec<f64>,
    /// Panel c: number of random draws of the repeated set and pattern averaged per q (one training each; q
    /// with no repeated neuron is trained once). One training per q is not enough at N = 500: the curve's
    /// saturation point moved with the draw (seed 2 with one draw).
    pub fraction_draws: usize,
    /// Panel d: fractions of neurons whose outgoing synapses are removed.
    pub lesion_fractions: Vec<f64>,
    /// Panel d: number of random lesion sets averaged (each set nests the smaller fractions in the larger).
    pub lesion_draws: usize,
    /// Panel b: bin width of the trial-averaged rate (ms).
    pub rate_bin_ms: f64,
    /// Number of neurons shown in panels a and b.
    pub n_traces: usize,
}

impl Default for Fig3Params {
    fn default() -> Self {
        Self {
            network: NetworkParams::default(),
            protocol: ProtocolParams::default(),
            families: vec![
                Family {
                    key: "periodic".into(),
                    title: "products of sines".into(),
                    targets: TargetSpec::ProductOfSines(ProductOfSinesParams::default()),
                },
                Family {
                    key: "chaotic".into(),
                    title: "chaotic rate network".into(),
                    targets: TargetSpec::ChaoticRate(ChaoticRateParams::default()),
                },
                Family {
                    key: "ou".into(),
                    title: "OU process".into(),
                    targets: TargetSpec::Ou(OuParams::default()),
                },
            ],
            fractions: vec![0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0],
            fraction_draws: 3,
            lesion_fractions: vec![0.05, 0.1, 0.4],
            lesion_draws: 3,
            rate_bin_ms: 50.0,
            n_traces: 3,
        }
    }
}

impl Validate for Fig3Params {
    fn validate(&self) -> Result<(), ParamError> {
        validate_net_protocol(&self.network, &self.protocol)?;
        if self.families.is_empty() {
            return Err(ParamError::invalid("families", "at least one family"));
        }
        for (k, f) in self.families.iter().enumerate() {
            let ok = !f.key.is_empty()
                && f.key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(ParamError::invalid(
                    &format!("families[{k}].key"),
                    format!("`{}` must be non-empty snake_case ([a-z0-9_])", f.key),
                ));
            }
            if self.families[..k].iter().any(|g| g.key == f.key) {
                return Err(ParamError::invalid(
                    &format!("families[{k}].key"),
                    format!("`{}` is used twice", f.key),
                ));
            }
            f.targets
                .validate()
                .map_err(|e| ParamError::invalid(&format!("families[{k}].targets"), e))?;
        }
        for &q in &self.fractions {
            check_range("fractions", q, 0.0, 1.0, true, true)?;
        }
        for &f in &self.lesion_fractions {
            check_range("lesion_fractions", f, 0.0, 1.0, true, true)?;
            if f >= 1.0 {
                return Err(ParamError::out_of_range(
                    "lesion_fractions",
                    f,
                    "[0, 1) (some neurons must remain)",
                ));
            }
        }
        if self.lesion_fractions.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ParamError::invalid(
                "lesion_fractions",
                "must be strictly increasing (the lesion sets are nested)",
            ));
        }
        if self.fraction_draws == 0 && !self.fractions.is_empty() {
            return Err(ParamError::invalid(
                "fraction_draws",
                "at least 1 when fractions are given",
            ));
        }
        if self.lesion_draws == 0 && !self.lesion_fractions.is_empty() {
            return Err(ParamError::out_of_range("lesion_draws", 0, ">= 1"));
        }
        let grid = self.network.grid().map_err(training::sim_err)?;
        let bin = grid
            .steps("rate_bin_ms", self.rate_bin_ms)
            .map_err(training::sim_err)?;
        let window = grid
            .steps("protocol.window_ms", self.protocol.window_ms)
            .map_err(training::sim_err)?;
        if bin == 0 || bin > window {
            return Err(ParamError::out_of_range(
                "rate_bin_ms",
                self.rate_bin_ms,
                "(0, protocol.window_ms]",
            ));
        }
        if self.n_traces == 0 || self.n_traces > self.network.n {
            return Err(ParamError::out_of_range(
                "n_traces",
                self.n_traces,
                "[1, network.n]",
            ));
        }
        Ok(())
    }
}

/// One target family of Figure 3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    /// Metric-name prefix, snake_case (e.g. `periodic` → `periodic_test_rate_hz`).
    pub key: String,
    /// Title in the figure.
    pub title: String,
    /// The target generator.
    pub targets: TargetSpec,
}

/// The Figure 3 experiment.
pub struct Fig3;

/// One trained and tested family.
struct FamilyResult {
    key: String,
    title: String,
    tau_s_ms: f64,
    targets: Array2<f64>,
    trained: Trained,
    tests: Vec<TrialStats>,
    qs_accuracy: f64,
    qs_filtered: f64,
    binned: BinnedRates,
}

impl FamilyResult {
    fn test_pearson(&self) -> f64 {
        mean_over(&self.tests, |t| t.mean_pearson)
    }
    fn test_rate(&self) -> f64 {
        mean_over(&self.tests, |t| t.rate_hz)
    }
}

struct Setup<'a> {
    p: &'a Fig3Params,
    ctx: &'a Ctx,
    sched: Schedule,
    stimulus: Vec<f64>,
}

impl Setup<'_> {
    fn input(&self) -> Input<'_> {
        Input {
            stimulus: &self.stimulus,
            bias: None,
            noise: None,
        }
    }

    fn bin_steps(&self) -> usize {
        (self.p.rate_bin_ms / self.p.network.dt_ms).round() as usize
    }

    /// Train on `targets`, test, and compute the panel a/b measures.
    fn run_family(
        &self,
        key: String,
        title: String,
        targets: Array2<f64>,
    ) -> anyhow::Result<FamilyResult> {
        let p = self.p;
        let input = self.input();
        let mut trained = train_drive(
            &p.network,
            &p.protocol,
            &self.sched,
            &input,
            targets.view(),
            self.ctx,
            &format!("{key}: training"),
        )?;
        let tests = test_drive(
            &mut trained.net,
            &self.sched,
            &input,
            targets.view(),
            p.protocol.test_trials,
            self.ctx,
            &key,
        )?;
        let (qs_accuracy, qs_filtered) = quasi_static_accuracy(&trained.net, &tests, None)?;
        let binned = binned_rates(&tests, &self.sched, self.bin_steps(), p.network.dt_ms, None);
        Ok(FamilyResult {
            key,
            title,
            tau_s_ms: p.network.tau_s_ms,
            targets,
            trained,
            tests,
            qs_accuracy,
            qs_filtered,
            binned,
        })
    }
}

/// The neurons shown in panels a and b: the first `k` that spike in the window of test trial 1 (silent
/// neurons make empty rasters), padded with the lowest remaining indices if fewer are active.
fn shown_neurons(fam: &FamilyResult, k: usize) -> Vec<usize> {
    let counts = &fam.tests[0].window_counts;
    let mut v: Vec<usize> = (0..counts.len())
        .filter(|&i| counts[i] > 0)
        .take(k)
        .collect();
    for i in 0..counts.len() {
        if v.len() >= k {
            break;
        }
        if !v.contains(&i) {
            v.push(i);
        }
    }
    v.sort_unstable();
    v
}

/// Mean of `per_neuron` over the neurons in `keep`.
fn mean_of(per_neuron: &[f64], keep: &[usize]) -> f64 {
    mean(&keep.iter().map(|&i| per_neuron[i]).collect::<Vec<_>>())
}

/// Test mean Pearson over the neurons in `keep`, averaged over trials.
fn pearson_over(tests: &[TrialStats], keep: &[usize]) -> f64 {
    mean(
        &tests
            .iter()
            .map(|t| mean_of(&t.pearson, keep))
            .collect::<Vec<_>>(),
    )
}

/// Metric-key form of a fraction: 0.05 → "0p05".
fn frac_key(q: f64) -> String {
    let s = format!("{q}");
    s.replace('.', "p")
}

/// Panel c's draws: per fraction q, the repeated/random splits of the first family's targets (draw d of q
/// number idx from stream `Other(1)`, index d · 1000 + idx, so draw 0 keeps the stream of single-draw runs).
/// A q with no repeated neuron has nothing random about it: one split, no training of its own (its tests
/// are the first family's).
fn panel_c_draws(
    s: &Setup<'_>,
    periodic_targets: &Array2<f64>,
) -> anyhow::Result<Vec<Vec<RepeatedTargets>>> {
    let p = s.p;
    let mut per_q = Vec::with_capacity(p.fractions.len());
    for (idx, &q) in p.fractions.iter().enumerate() {
        let mut draws = Vec::new();
        for d in 0..p.fraction_draws {
            let stream = (d * 1000 + idx) as u64;
            let rep = spikelearn_targets::repeated_fraction(
                periodic_targets.view(),
                q,
                &mut s.ctx.rng(Stream::Other(1), stream),
            )?;
            let done = rep.repeated.is_empty();
            draws.push(rep);
            if done {
                break;
            }
        }
        per_q.push(draws);
    }
    Ok(per_q)
}

/// Panel c rows (q, Pearson over all neurons, over the random ones, over the repeated ones, spread of the
/// first over the draws), each Pearson averaged over the draws; `tests[q][d]` are draw d's test trials.
fn panel_c_rows(
    fractions: &[f64],
    draws: &[Vec<RepeatedTargets>],
    tests: &[Vec<&[TrialStats]>],
    n: usize,
) -> Vec<[f64; 5]> {
    let all: Vec<usize> = (0..n).collect();
    let mut rows = Vec::with_capacity(fractions.len());
    for ((&q, reps), tests) in fractions.iter().zip(draws).zip(tests) {
        let per_draw: Vec<[f64; 3]> = reps
            .iter()
            .zip(tests)
            .map(|(rep, tests)| {
                let nan_if_empty = |v: &[usize]| {
                    if v.is_empty() {
                        f64::NAN
                    } else {
                        pearson_over(tests, v)
                    }
                };
                [
                    pearson_over(tests, &all),
                    nan_if_empty(&rep.random),
                    nan_if_empty(&rep.repeated),
                ]
            })
            .collect();
        let avg = |c: usize| per_draw.iter().map(|r| r[c]).sum::<f64>() / per_draw.len() as f64;
        let spread = per_draw
            .iter()
            .map(|r| r[0])
            .fold(f64::NEG_INFINITY, f64::max)
            - per_draw.iter().map(|r| r[0]).fold(f64::INFINITY, f64::min);
        rows.push([q, avg(0), avg(1), avg(2), spread]);
    }
    rows
}

/// One training of a Figure 3 run: a target family (panels a, b; the first one also underlies panels c
/// and d) or one draw of one panel-c fraction. They are independent of each other and run through
/// [`Ctx::map_jobs`] (`--jobs`), with the same results for any number of jobs.
enum Job<'a> {
    Family {
        key: String,
        title: String,
        targets: Array2<f64>,
    },
    Fraction {
        q: f64,
        draw: usize,
        targets: &'a Array2<f64>,
    },
}

/// What a [`Job`] returns.
enum Done {
    Family(Box<FamilyResult>),
    Fraction(Vec<TrialStats>),
}

impl Setup<'_> {
    fn run_job(&self, job: Job<'_>) -> anyhow::Result<Done> {
        match job {
            Job::Family {
                key,
                title,
                targets,
            } => Ok(Done::Family(Box::new(
                self.run_family(key, title, targets)?,
            ))),
            Job::Fraction { q, draw, targets } => {
                let p = self.p;
                let input = self.input();
                let mut tr = train_drive(
                    &p.network,
                    &p.protocol,
                    &self.sched,
                    &input,
                    targets.view(),
                    self.ctx,
                    &format!("panel c q = {q}, draw {}: training", draw + 1),
                )?;
                Ok(Done::Fraction(test_drive(
                    &mut tr.net,
                    &self.sched,
                    &input,
                    targets.view(),
                    p.protocol.test_trials,
                    self.ctx,
                    "panel c",
                )?))
            }
        }
    }
}

/// Panel d: remove all outgoing synapses of a random fraction of the neurons of the trained periodic network
/// and test on the remaining neurons. Returns rows (fraction, intact, lesioned, drop), averaged over draws;
/// intact and lesioned are measured on the same remaining neurons and the same test-trial phases.
fn panel_d(s: &Setup<'_>, periodic: &FamilyResult) -> anyhow::Result<Vec<[f64; 4]>> {
    let p = s.p;
    let n = p.network.n;
    let input = s.input();
    let mut acc = vec![[0.0; 4]; p.lesion_fractions.len()];
    for d in 0..p.lesion_draws {
        let order = permutation(n, &mut s.ctx.rng(Stream::Other(2), d as u64));
        for (row, &f) in acc.iter_mut().zip(&p.lesion_fractions) {
            let k = (f * n as f64).round() as usize;
            let mut keep: Vec<usize> = order[k..].to_vec();
            keep.sort_unstable();
            let mut net: Network<Theta> = periodic.trained.net.clone();
            for &j in &order[..k] {
                net.w.zero_column(j);
            }
            net.weights_changed();
            let tests = test_drive(
                &mut net,
                &s.sched,
                &input,
                periodic.targets.view(),
                p.protocol.test_trials,
                s.ctx,
                "panel d",
            )?;
            let intact = pearson_over(&periodic.tests, &keep);
            let lesioned = pearson_over(&tests, &keep);
            let w = 1.0 / p.lesion_draws as f64;
            row[0] = f;
            row[1] += w * intact;
            row[2] += w * lesioned;
            row[3] += w * (intact - lesioned);
        }
    }
    Ok(acc)
}

/// Panel a: targets (red), test-trial drive (black) and quasi-static prediction (blue), stacked.
fn panel_a(fam: &FamilyResult, shown: &[usize], dt_ms: f64) -> anyhow::Result<(Panel, Table)> {
    let t0 = &fam.tests[0];
    let w = dense(&fam.trained.net.w);
    let pred = quasi_static_drive(&w, t0.response.view(), None)?;
    let filtered = synaptic_filter(pred.view(), dt_ms / fam.tau_s_ms)?;
    let steps = fam.targets.ncols();
    let t_ms: Vec<f64> = (1..=steps).map(|j| j as f64 * dt_ms).collect();
    let amp = shown
        .iter()
        .flat_map(|&i| fam.targets.row(i).to_vec())
        .fold(0.0_f64, |a, v| a.max(v.abs()));
    let off = 2.5 * amp.max(1e-3);
    let mut series = Vec::new();
    let mut table = Table::new(format!("{}_panel_a", fam.key)).col("t_ms", t_ms.clone());
    for (m, &i) in shown.iter().enumerate() {
        let o = off * m as f64;
        let lbl = |s: &str| if m == 0 { s.to_string() } else { String::new() };
        let tg: Vec<f64> = fam.targets.row(i).to_vec();
        let u: Vec<f64> = t0.response.row(i).to_vec();
        let q: Vec<f64> = pred.row(i).to_vec();
        let qf: Vec<f64> = filtered.row(i).to_vec();
        series.push(Series::line(
            lbl("target"),
            t_ms.clone(),
            tg.iter().map(|v| v + o).collect::<Vec<_>>(),
            Color::Red,
        ));
        series.push(Series::line(
            lbl("drive (test)"),
            t_ms.clone(),
            u.iter().map(|v| v + o).collect::<Vec<_>>(),
            Color::Black,
        ));
        series.push(Series::dashed(
            lbl("quasi-static W φ1(u)"),
            t_ms.clone(),
            q.iter().map(|v| v + o).collect::<Vec<_>>(),
            Color::Blue,
        ));
        series.push(Series::line(
            lbl("τ_s-filtered W φ1(u)"),
            t_ms.clone(),
            qf.iter().map(|v| v + o).collect::<Vec<_>>(),
            Color::Green,
        ));
        table.push_col(format!("target_{i}"), tg);
        table.push_col(format!("drive_{i}"), u);
        table.push_col(format!("quasi_static_{i}"), q);
        table.push_col(format!("filtered_qs_{i}"), qf);
    }
    let panel = Panel::lines(
        format!(
            "a  {}: test r = {:.2}, q.-s. acc. = {:.2} (filtered {:.2})",
            fam.title,
            fam.test_pearson(),
            fam.qs_accuracy,
            fam.qs_filtered
        ),
        "time after stimulus offset (ms)",
        "synaptic drive (stacked)",
        series,
    )
    .with_x_range(0.0, steps as f64 * dt_ms);
    Ok((panel, table))
}

/// Panel b (top): spikes of the shown neurons in every test trial, one row per (neuron, trial).
fn panel_b_raster(fam: &FamilyResult, shown: &[usize], sched: &Schedule, dt_ms: f64) -> Panel {
    let trials = fam.tests.len();
    let k_off = sched.test.k_off() as f64;
    let mut spikes = Vec::new();
    for (m, &i) in shown.iter().enumerate() {
        for (t, st) in fam.tests.iter().enumerate() {
            let row = (m * trials + t) as u32;
            spikes.extend(
                st.spikes
                    .iter()
                    .filter(|&&(k, j)| j as usize == i && (k as f64) > k_off)
                    .map(|&(k, _)| ((k as f64 - k_off) * dt_ms, row)),
            );
        }
    }
    Panel::raster(
        format!(
            "b  {}: {} neurons x {} test trials",
            fam.title,
            shown.len(),
            trials
        ),
        "time after stimulus offset (ms)",
        "neuron / trial",
        spikes,
        (shown.len() * trials) as u32,
    )
    .with_x_range(0.0, sched.test.window as f64 * dt_ms)
}

/// Panel b (bottom): trial-averaged rate in bins (black) vs the binned φ1(u_i) (blue), stacked.
fn panel_b_rates(fam: &FamilyResult, shown: &[usize]) -> (Panel, Table) {
    let b = &fam.binned;
    let top = shown
        .iter()
        .flat_map(|&i| {
            b.measured
                .row(i)
                .iter()
                .chain(b.predicted.row(i).iter())
                .cloned()
                .collect::<Vec<_>>()
        })
        .fold(0.0_f64, f64::max);
    let off = 1.2 * top.max(1.0);
    let mut series = Vec::new();
    let mut table = Table::new(format!("{}_panel_b", fam.key)).col("t_ms", b.t_ms.clone());
    for (m, &i) in shown.iter().enumerate() {
        let o = off * m as f64;
        let lbl = |s: &str| if m == 0 { s.to_string() } else { String::new() };
        series.push(Series::line_points(
            lbl("trial-avg. rate"),
            b.t_ms.clone(),
            b.measured.row(i).iter().map(|v| v + o).collect::<Vec<_>>(),
            Color::Black,
        ));
        series.push(Series::line(
            lbl("φ1(u)"),
            b.t_ms.clone(),
            b.predicted.row(i).iter().map(|v| v + o).collect::<Vec<_>>(),
            Color::Blue,
        ));
        table.push_col(format!("rate_hz_{i}"), b.measured.row(i).to_vec());
        table.push_col(format!("phi1_u_hz_{i}"), b.predicted.row(i).to_vec());
    }
    let (r, _) = b.mean_pearson();
    let panel = Panel::lines(
        format!("b  {}: binned rate vs φ1(u), mean r = {r:.2}", fam.title),
        "time after stimulus offset (ms)",
        "rate (Hz, stacked)",
        series,
    );
    (panel, table)
}

impl Experiment for Fig3 {
    const NAME: &'static str = "fig3";
    const TITLE: &'static str = "Figure 3: quasi-static and heterogeneous patterns can be learned";
    type Params = Fig3Params;

    fn params(profile: Profile) -> Fig3Params {
        let mut p = Fig3Params::default();
        if profile == Profile::Quick {
            // CI size (bounds in data/published/fig3.toml, profile "quick"): N = 200, 10 loops, three q
            // values that bracket the failure and the saturation, one lesion draw.
            p.network.n = 200;
            p.protocol.loops = 10;
            p.fractions = vec![0.0, 0.1, 0.5, 1.0];
            p.fraction_draws = 1;
            p.lesion_draws = 1;
        }
        p
    }

    fn run(p: &Fig3Params, ctx: &Ctx) -> anyhow::Result<Report> {
        let grid = p.network.grid()?;
        let sched = p.protocol.schedule(&grid)?;
        let n = p.network.n;
        let dt_ms = p.network.dt_ms;
        let stimulus = p.protocol.stimulus(n, &mut ctx.rng(Stream::Stimulus, 0));
        let s = Setup {
            p,
            ctx,
            sched,
            stimulus,
        };
        let mut rep = Report::new();

        // Every training of the run (the families, then panel c's draws) is one job; see `Job`.
        let mut family_targets = Vec::with_capacity(p.families.len());
        for (idx, fam) in p.families.iter().enumerate() {
            family_targets.push(
                fam.targets
                    .generate(
                        n,
                        sched.train.window,
                        dt_ms,
                        &mut ctx.rng(Stream::Targets, idx as u64),
                    )
                    .with_context(|| format!("generating the {} targets", fam.key))?,
            );
        }
        let draws = panel_c_draws(&s, &family_targets[0])?;
        let fraction_jobs = p.fractions.iter().zip(&draws).flat_map(|(&q, reps)| {
            reps.iter()
                .enumerate()
                .filter(|(_, rep)| !rep.repeated.is_empty())
                .map(move |(draw, rep)| Job::Fraction {
                    q,
                    draw,
                    targets: &rep.targets,
                })
        });
        let jobs: Vec<Job<'_>> = p
            .families
            .iter()
            .zip(family_targets)
            .map(|(fam, targets)| Job::Family {
                key: fam.key.clone(),
                title: fam.title.clone(),
                targets,
            })
            .chain(fraction_jobs)
            .collect();
        let mut fams = Vec::with_capacity(p.families.len());
        let mut fraction_tests = Vec::new();
        for done in ctx.map_jobs(jobs, |job| s.run_job(job))? {
            match done {
                Done::Family(f) => fams.push(*f),
                Done::Fraction(t) => fraction_tests.push(t),
            }
        }

        let mut summary = Table::new("families");
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 8];
        for f in &fams {
            let k = f.key.as_str();
            let (bin_r, bin_n) = f.binned.mean_pearson();
            let vals = [
                f.test_pearson(),
                f.tests
                    .iter()
                    .map(|t| t.mean_pearson)
                    .fold(f64::INFINITY, f64::min),
                f.test_rate(),
                quasi_static_rate_hz(f.targets.view()),
                f.qs_accuracy,
                bin_r,
                f.trained.loops.last().map(|r| r.rate_hz).unwrap_or(0.0),
                f.qs_filtered,
            ];
            rep.metric(&format!("{k}_test_pearson_mean"), vals[0]);
            rep.metric(&format!("{k}_test_pearson_min"), vals[1]);
            rep.metric(&format!("{k}_test_rate_hz"), vals[2]);
            rep.metric(&format!("{k}_target_qs_rate_hz"), vals[3]);
            rep.metric(&format!("{k}_quasi_static_accuracy"), vals[4]);
            rep.metric(&format!("{k}_filtered_qs_accuracy"), vals[7]);
            rep.metric(&format!("{k}_binned_rate_pearson"), bin_r);
            rep.metric(&format!("{k}_binned_rate_neurons"), bin_n as f64);
            rep.metric(&format!("{k}_last_loop_rate_hz"), vals[6]);
            rep.metric(&format!("{k}_rate_over_target_qs"), vals[2] / vals[3]);
            rep.metric(
                &format!("{k}_last_loop_pearson"),
                f.trained
                    .loops
                    .last()
                    .map(|r| r.mean_pearson)
                    .unwrap_or(0.0),
            );
            for (c, v) in cols.iter_mut().zip(vals) {
                c.push(v);
            }
            rep.table(loops_table(k, &f.trained.loops, f.trained.w0_fro));
            rep.table(
                Table::new(format!("{k}_tests"))
                    .col(
                        "trial",
                        (0..f.tests.len()).map(|t| t as f64).collect::<Vec<_>>(),
                    )
                    .col(
                        "mean_pearson",
                        f.tests.iter().map(|t| t.mean_pearson).collect::<Vec<_>>(),
                    )
                    .col(
                        "rate_hz",
                        f.tests.iter().map(|t| t.rate_hz).collect::<Vec<_>>(),
                    ),
            );
        }
        summary.push_col(
            "family",
            (0..fams.len()).map(|i| i as f64).collect::<Vec<_>>(),
        );
        for (name, c) in [
            "test_pearson_mean",
            "test_pearson_min",
            "test_rate_hz",
            "target_qs_rate_hz",
            "quasi_static_accuracy",
            "binned_rate_pearson",
            "last_loop_rate_hz",
            "filtered_qs_accuracy",
        ]
        .into_iter()
        .zip(cols)
        {
            summary.push_col(name, c);
        }
        rep.table(summary);
        rep.note(format!(
            "families table rows: {}",
            p.families
                .iter()
                .enumerate()
                .map(|(i, f)| format!("{i} = {}", f.key))
                .collect::<Vec<_>>()
                .join(", ")
        ));

        // panel c
        let mut trained = fraction_tests.iter();
        let tests_c: Vec<Vec<&[TrialStats]>> = draws
            .iter()
            .map(|reps| {
                reps.iter()
                    .map(|rep| {
                        if rep.repeated.is_empty() {
                            fams[0].tests.as_slice()
                        } else {
                            trained
                                .next()
                                .expect("one training per draw with repeats")
                                .as_slice()
                        }
                    })
                    .collect()
            })
            .collect();
        let rows_c = panel_c_rows(&p.fractions, &draws, &tests_c, n);
        for r in &rows_c {
            rep.metric(&format!("frac_q{}_pearson", frac_key(r[0])), r[1]);
        }
        let lowest = rows_c
            .iter()
            .min_by(|a, b| a[0].total_cmp(&b[0]))
            .map(|r| r[1])
            .unwrap_or(f64::NAN);
        let best = rows_c
            .iter()
            .map(|r| r[1])
            .fold(f64::NEG_INFINITY, f64::max);
        rep.metric("frac_lowest_q_pearson", lowest);
        let highest = rows_c
            .iter()
            .max_by(|a, b| a[0].total_cmp(&b[0]))
            .map(|r| r[1])
            .unwrap_or(f64::NAN);
        rep.metric("frac_highest_q_pearson", highest);
        rep.metric("frac_highest_minus_lowest", highest - lowest);
        rep.metric("frac_best_pearson", best);
        // smallest q reaching 95 % of the best performance
        let q_sat = rows_c
            .iter()
            .filter(|r| r[1] >= 0.95 * best)
            .map(|r| r[0])
            .fold(f64::INFINITY, f64::min);
        rep.metric("frac_q_saturation", q_sat);
        // spread of performance above saturation (all q ≥ q_sat)
        let above: Vec<f64> = rows_c
            .iter()
            .filter(|r| r[0] >= q_sat)
            .map(|r| r[1])
            .collect();
        rep.metric(
            "frac_saturated_spread",
            above.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - above.iter().cloned().fold(f64::INFINITY, f64::min),
        );
        rep.table(
            Table::new("panel_c")
                .col("q", rows_c.iter().map(|r| r[0]).collect::<Vec<_>>())
                .col(
                    "pearson_all",
                    rows_c.iter().map(|r| r[1]).collect::<Vec<_>>(),
                )
                .col(
                    "pearson_random",
                    rows_c.iter().map(|r| r[2]).collect::<Vec<_>>(),
                )
                .col(
                    "pearson_repeated",
                    rows_c.iter().map(|r| r[3]).collect::<Vec<_>>(),
                )
                .col(
                    "pearson_all_draw_spread",
                    rows_c.iter().map(|r| r[4]).collect::<Vec<_>>(),
                ),
        );
        // how much one draw moves a point of the curve (max over q of max − min over draws)
        rep.metric(
            "frac_draw_spread",
            rows_c.iter().map(|r| r[4]).fold(0.0, f64::max),
        );
        rep.metric("frac_draws", p.fraction_draws as f64);

        // panel d
        let rows_d = panel_d(&s, &fams[0])?;
        for (k, r) in rows_d.iter().enumerate() {
            let pct = frac_key(100.0 * r[0]);
            rep.metric(&format!("lesion_{pct}pct_pearson"), r[2]);
            rep.metric(&format!("lesion_{pct}pct_drop"), r[3]);
            rep.metric(&format!("lesion_{pct}pct_retained"), r[2] / r[1]);
            // ordering of the drops: each fraction against the next smaller one
            if k > 0 {
                let prev = frac_key(100.0 * rows_d[k - 1][0]);
                rep.metric(
                    &format!("lesion_{pct}pct_minus_{prev}pct_drop"),
                    r[3] - rows_d[k - 1][3],
                );
            }
        }
        rep.table(
            Table::new("panel_d")
                .col("fraction", rows_d.iter().map(|r| r[0]).collect::<Vec<_>>())
                .col(
                    "pearson_intact",
                    rows_d.iter().map(|r| r[1]).collect::<Vec<_>>(),
                )
                .col(
                    "pearson_lesioned",
                    rows_d.iter().map(|r| r[2]).collect::<Vec<_>>(),
                )
                .col("drop", rows_d.iter().map(|r| r[3]).collect::<Vec<_>>()),
        );

        // figure
        let shown: Vec<Vec<usize>> = fams.iter().map(|f| shown_neurons(f, p.n_traces)).collect();
        let mut fig = Figure::new("fig3", Self::TITLE, 3);
        let mut a_panels = Vec::new();
        for (f, shown) in fams.iter().zip(&shown) {
            let (panel, table) = panel_a(f, shown, dt_ms)?;
            a_panels.push(panel);
            rep.table(table);
        }
        for panel in a_panels {
            fig.push_panel(panel);
        }
        for (f, shown) in fams.iter().zip(&shown) {
            fig.push_panel(panel_b_raster(f, shown, &s.sched, dt_ms));
        }
        for (f, shown) in fams.iter().zip(&shown) {
            let (panel, table) = panel_b_rates(f, shown);
            fig.push_panel(panel);
            rep.table(table);
        }
        fig.push_panel(
            Panel::lines(
                format!(
                    "c  performance vs fraction of random targets ({})",
                    fams[0].title
                ),
                "fraction q of independent targets",
                "test mean Pearson r",
                vec![
                    Series::line_points(
                        "all neurons",
                        rows_c.iter().map(|r| r[0]).collect::<Vec<_>>(),
                        rows_c.iter().map(|r| r[1]).collect::<Vec<_>>(),
                        Color::Black,
                    ),
                    Series::points(
                        "random-target neurons",
                        rows_c
                            .iter()
                            .filter(|r| r[2].is_finite())
                            .map(|r| r[0])
                            .collect::<Vec<_>>(),
                        rows_c
                            .iter()
                            .filter(|r| r[2].is_finite())
                            .map(|r| r[2])
                            .collect::<Vec<_>>(),
                        Color::Red,
                    ),
                    Series::points(
                        "repeated-target neurons",
                        rows_c
                            .iter()
                            .filter(|r| r[3].is_finite())
                            .map(|r| r[0])
                            .collect::<Vec<_>>(),
                        rows_c
                            .iter()
                            .filter(|r| r[3].is_finite())
                            .map(|r| r[3])
                            .collect::<Vec<_>>(),
                        Color::Blue,
                    ),
                ],
            )
            .with_x_range(-0.02, 1.02)
            .with_y_range(-0.2, 1.0),
        );
        let mut dx = vec![0.0];
        let mut dy = vec![fams[0].test_pearson()];
        for r in &rows_d {
            dx.push(100.0 * r[0]);
            dy.push(r[2]);
        }
        fig.push_panel(
            Panel::lines(
                "d  outgoing synapses of a fraction of neurons removed",
                "neurons removed (%)",
                "test mean Pearson r (remaining neurons)",
                vec![Series::line_points("", dx, dy, Color::Black)],
            )
            .with_y_range(-0.2, 1.0),
        );

        fig.push_panel(
            Panel::lines(
                "training: Pearson per loop",
                "training loop",
                "mean Pearson r",
                fams.iter()
                    .enumerate()
                    .map(|(c, f)| {
                        Series::line_points(
                            f.title.clone(),
                            f.trained
                                .loops
                                .iter()
                                .map(|r| (r.index + 1) as f64)
                                .collect::<Vec<_>>(),
                            f.trained
                                .loops
                                .iter()
                                .map(|r| r.mean_pearson)
                                .collect::<Vec<_>>(),
                            Color::Palette(c),
                        )
                    })
                    .collect(),
            )
            .with_y_range(-0.2, 1.0),
        );
        rep.figure(fig);
        rep.note(format!(
            "N = {n}, dt = {dt_ms} ms, Δt = {} ms, λ = {}, {} loops, stimulus {} ms U[-{a}, {a}], {} test trials",
            p.protocol.learn_every_ms,
            p.protocol.lambda,
            p.protocol.loops,
            p.protocol.stim_ms,
            p.protocol.test_trials,
            a = p.protocol.stim_amp,
        ));
        Ok(rep)
    }
}
