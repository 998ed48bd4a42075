//! Figure 1—figure supplement 1 of Kim & Chow (2018): "Learning arbitrarily complex target patterns in a
//! network of rate-based neurons". A chaotic network of tanh rate units,
//!
//! τ dx_i/dt = −x_i + Σ_j W_ij tanh(x_j) + I_i(t),  τ = 10 ms, N = 500, p = 0.3, σ = 2,
//!
//! is trained with the same per-neuron RLS as the spiking networks (presynaptic vector tanh(x)) so that every
//! x_i follows its own product of sines after a 50 ms random stimulus. The simulator is
//! [`spikelearn_sim::RateNetwork`]; this crate only orchestrates training, tests and the report. Open
//! choices are listed in this crate's README.md.

use anyhow::Context;
use ndarray::{Array2, ArrayView2};
use rand::Rng;
use serde::{Deserialize, Serialize};
use spikelearn_lab::{
    Color, Ctx, Experiment, Figure, Panel, ParamError, Profile, Report, Series, Stream, Table,
    Validate, check_nonneg, check_positive, check_prob,
};
use spikelearn_sim::protocol::{ProtocolParams, Schedule, mean, pearson_rows};
use spikelearn_sim::{
    Grid, Input, LearnMode, Learner, RateNetwork, RlsLearner, SimError, SparseRows, TraceRecorder,
    Trial, Variable, WindowRecorder, units,
};
use spikelearn_targets::{ProductOfSinesParams, TargetSpec};

/// The rate network (paper-spec §2.4).
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | n | 500 | N | units | ≥ 2 | Fig 1—supp 1 caption |
/// | p | 0.3 | p | – | (0, 1] | caption |
/// | sigma | 2 | σ (= g) | – | ≥ 0 | caption ("chaotic before training") |
/// | tau_ms | 10 | τ | ms | > 0 | caption |
/// | dt_ms | 1 | – | ms | (0, 10] | not stated; as the spiking networks (paper-spec §2.5) |
///
/// W_ij = σ z_ij / sqrt(N p) on a Bernoulli(p) mask without autapses, no row-mean subtraction (the caption
/// gives none); the mask is the plastic set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateNetParams {
    /// Number of units N.
    pub n: usize,
    /// Connection probability p.
    pub p: f64,
    /// Coupling strength σ (chaotic for σ > 1).
    pub sigma: f64,
    /// Unit time constant τ (ms).
    pub tau_ms: f64,
    /// Integration step (ms).
    pub dt_ms: f64,
}

impl Default for RateNetParams {
    fn default() -> Self {
        Self {
            n: 500,
            p: 0.3,
            sigma: 2.0,
            tau_ms: 10.0,
            dt_ms: 1.0,
        }
    }
}

/// Parameters of the Figure 1—figure supplement 1 reproduction.
///
/// | field | default | paper symbol | source |
/// |---|---|---|---|
/// | network | see [`RateNetParams`] | | caption |
/// | protocol.stim_ms | 50 | – | caption ("50 ms") |
/// | protocol.stim_amp | 1 | – | Methods generic I_i ~ U[−1, 1] (caption: "constant random amplitude") |
/// | protocol.pre_ms | 1000 | – | authors' code free run before each stimulus (as the spiking figures) |
/// | protocol.pre_jitter_ms | 1000 | – | as fig1: training free run U[1000, 2000] ms ("applied at random times") |
/// | protocol.window_ms | 1000 | T | not stated; Fig 3 |
/// | protocol.learn_every_ms | 2 | Δt | not stated (paper-spec §3.6 "1-supp-1"); Figs 1–3 |
/// | protocol.lambda | 1 | λ | not stated; Figs 1, 3 |
/// | protocol.loops | 30 | – | not stated; Fig 3 |
/// | protocol.test_trials | 10 | – | this project |
/// | targets | product_of_sines | f_i | caption; ranges of Fig 3 (paper-spec §4.2, code phases) |
/// | delta | 1e-6 | – | size of the perturbation of the divergence test (rms over units) |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fig1Supp1Params {
    /// The rate network.
    pub network: RateNetParams,
    /// Training/test protocol (`post_ms`, `kernel` as for the spiking figures).
    pub protocol: ProtocolParams,
    /// Target family for x.
    pub targets: TargetSpec,
    /// Perturbation size of the divergence test (rms over units).
    pub delta: f64,
    /// Number of units whose traces are plotted.
    pub n_traces: usize,
}

impl Default for Fig1Supp1Params {
    fn default() -> Self {
        Self {
            network: RateNetParams::default(),
            protocol: ProtocolParams {
                stim_ms: 50.0,
                stim_amp: 1.0,
                pre_jitter_ms: 1000.0,
                loops: 30,
                lambda: 1.0,
                test_trials: 10,
                ..ProtocolParams::default()
            },
            targets: TargetSpec::ProductOfSines(ProductOfSinesParams::default()),
            delta: 1e-6,
            n_traces: 8,
        }
    }
}

impl Validate for Fig1Supp1Params {
    fn validate(&self) -> Result<(), ParamError> {
        let n = &self.network;
        if n.n < 2 {
            return Err(ParamError::out_of_range("network.n", n.n, ">= 2"));
        }
        check_prob("network.p", n.p)?;
        check_nonneg("network.sigma", n.sigma)?;
        check_positive("network.tau_ms", n.tau_ms)?;
        let grid = Grid::new(n.dt_ms).map_err(|e| ParamError::from_sim(e).in_section("network"))?;
        self.protocol.validate().map_err(ParamError::from_sim)?;
        self.protocol
            .schedule(&grid)
            .map_err(ParamError::from_sim)?;
        self.targets
            .validate()
            .map_err(|e| ParamError::invalid("targets", e))?;
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(ParamError::out_of_range("delta", self.delta, "(0, 1)"));
        }
        if self.n_traces > n.n {
            return Err(ParamError::out_of_range(
                "n_traces",
                self.n_traces,
                "<= network.n",
            ));
        }
        Ok(())
    }
}

/// The experiment.
pub struct Fig1Supp1;

/// What one trial of the rate network produced over the target window.
struct RateTrial {
    /// x over the window (N × window steps).
    x: Array2<f64>,
    /// Pearson(x_i, f_i) per unit.
    pearson_x: Vec<f64>,
    /// Pearson(u_i, f_i) per unit, u = W tanh(x) (the quantity RLS fits).
    pearson_u: Vec<f64>,
    /// Traces of the plotted units over the whole trial (ms after stimulus offset).
    t_ms: Vec<f64>,
    traces: Vec<Vec<f64>>,
}

fn run_trial(
    net: &mut RateNetwork,
    trial: &Trial,
    input: &Input<'_>,
    learner: Option<&mut dyn Learner>,
    targets: ArrayView2<'_, f64>,
    shown: &[usize],
) -> Result<RateTrial, SimError> {
    let n = net.n();
    let mut xr = WindowRecorder::new(Variable::State, n, trial.window);
    let mut ur = WindowRecorder::new(Variable::Drive, n, trial.window);
    let mut tr = TraceRecorder::new(Variable::State, shown.to_vec(), 1);
    net.run(trial, input, learner, &mut [&mut xr, &mut ur, &mut tr])?;
    Ok(RateTrial {
        pearson_x: pearson_rows(xr.data.view(), targets),
        pearson_u: pearson_rows(ur.data.view(), targets),
        x: xr.data,
        t_ms: tr.time.iter().map(|t| t * units::TAU_MS).collect(),
        traces: tr.traces,
    })
}

/// Mean over units of the temporal standard deviation of each row.
fn mean_temporal_sd(a: ArrayView2<'_, f64>) -> f64 {
    let sds: Vec<f64> = a
        .rows()
        .into_iter()
        .map(|r| {
            let m = r.mean().unwrap_or(0.0);
            (r.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / r.len() as f64).sqrt()
        })
        .collect();
    mean(&sds)
}

/// Mean over units of Pearson(x_i in trial a, x_i in trial b): reproducibility of the evoked activity.
fn trial_to_trial(a: &RateTrial, b: &RateTrial) -> f64 {
    mean(&pearson_rows(a.x.view(), b.x.view()))
}

/// Divergence of two copies of `net` started from its current state and from that state plus a random
/// perturbation of rms size `delta`, run freely (no input, no learning) for `steps`: rms distance over units
/// at each step (step 0 = the initial `delta`).
fn divergence(
    net: &RateNetwork,
    delta: f64,
    steps: usize,
    rng: &mut impl Rng,
) -> Result<Vec<f64>, SimError> {
    let n = net.n();
    let mut a = net.clone();
    let mut b = net.clone();
    let dir: Vec<f64> = (0..n)
        .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
        .collect();
    let x1: Vec<f64> = net
        .x()
        .iter()
        .zip(&dir)
        .map(|(x, d)| x + delta * d)
        .collect();
    b.set_state(&x1)?;
    let trial = Trial {
        pre: 0,
        stim: 0,
        window: steps,
        post: 0,
    };
    let zero = vec![0.0; n];
    let input = Input {
        stimulus: &zero,
        bias: None,
        noise: None,
    };
    let mut ra = WindowRecorder::new(Variable::State, n, steps);
    let mut rb = WindowRecorder::new(Variable::State, n, steps);
    a.run(&trial, &input, None, &mut [&mut ra])?;
    b.run(&trial, &input, None, &mut [&mut rb])?;
    let mut d = vec![delta];
    for s in 0..steps {
        let ss: f64 = (0..n)
            .map(|i| (ra.data[[i, s]] - rb.data[[i, s]]).powi(2))
            .sum();
        d.push((ss / n as f64).sqrt());
    }
    Ok(d)
}

/// Exponential growth rate (per s) of a divergence curve: least-squares slope of ln d(t) between t = 100 ms
/// (after the perturbation has rotated into the growing directions) and the first time d reaches 1e-2 (well
/// below the O(1) saturation of tanh units) or the end of the curve; from t = 0 if that leaves < 50 ms.
fn growth_rate_per_s(d: &[f64], dt_ms: f64) -> f64 {
    let end = d.iter().position(|&v| v >= 1e-2).unwrap_or(d.len()).max(2);
    let start = (100.0 / dt_ms).round() as usize;
    let start = if end > start + (50.0 / dt_ms).round() as usize {
        start
    } else {
        0
    };
    let t: Vec<f64> = (start..end).map(|s| s as f64 * dt_ms / 1000.0).collect();
    let y: Vec<f64> = d[start..end].iter().map(|v| v.max(1e-300).ln()).collect();
    let (mt, my) = (mean(&t), mean(&y));
    let num: f64 = t.iter().zip(&y).map(|(a, b)| (a - mt) * (b - my)).sum();
    let den: f64 = t.iter().map(|a| (a - mt) * (a - mt)).sum();
    num / den
}

/// The best Pearson(x_i, f_i) reachable when RLS fits u = W tanh(x) exactly to f: x is then f low-pass filtered
/// with time constant τ (τ dx/dt = −x + f). Computed with the same simulator, uncoupled (W = 0) and driven by
/// f as external input, after a warm-up at f(0) so that x starts at its steady state.
fn lag_ceiling(p: &Fig1Supp1Params, targets: ArrayView2<'_, f64>) -> Result<f64, SimError> {
    let (n, window) = targets.dim();
    let mut drive = Array2::<f64>::zeros((2 * window, n));
    for i in 0..n {
        for k in 0..window {
            drive[[k, i]] = targets[[i, 0]];
            drive[[window + k, i]] = targets[[i, k]];
        }
    }
    let empty = SparseRows::from_rows(n, vec![Vec::new(); n])?;
    let mut net = RateNetwork::new(
        empty,
        units::ms_to_tau(p.network.dt_ms),
        units::ms_to_tau(p.network.tau_ms),
    )?;
    let zero = vec![0.0; n];
    let input = Input {
        stimulus: &zero,
        bias: None,
        noise: Some(drive.view()),
    };
    let trial = Trial {
        pre: window,
        stim: 0,
        window,
        post: 0,
    };
    let mut xr = WindowRecorder::new(Variable::State, n, window);
    net.run(&trial, &input, None, &mut [&mut xr])?;
    Ok(mean(&pearson_rows(xr.data.view(), targets)))
}

/// Bring `net` to the state at stimulus offset of a test trial: reset (fresh random state from `rng`), free
/// run and stimulus exactly as in [`Schedule::test`].
fn to_stimulus_offset(
    net: &mut RateNetwork,
    sched: &Schedule,
    input: &Input<'_>,
    rng: &mut impl Rng,
) -> Result<(), SimError> {
    net.reset(rng);
    let trial = Trial {
        pre: sched.test.pre,
        stim: sched.test.stim,
        window: 0,
        post: 0,
    };
    net.run(&trial, input, None, &mut [])
}

struct Tests {
    trials: Vec<RateTrial>,
    divergence: Vec<f64>,
}

/// Test trials (reset to a fresh random state, free run, stimulus, window; no learning) and the divergence
/// test from the stimulus-offset state of one more fresh trial.
fn tests(
    net: &mut RateNetwork,
    p: &Fig1Supp1Params,
    sched: &Schedule,
    input: &Input<'_>,
    targets: ArrayView2<'_, f64>,
    shown: &[usize],
    ctx: &Ctx,
    base: u64,
) -> Result<Tests, SimError> {
    let mut trials = Vec::new();
    for t in 0..p.protocol.test_trials {
        net.reset(&mut ctx.rng(Stream::Trial, base + t as u64));
        trials.push(run_trial(net, &sched.test, input, None, targets, shown)?);
    }
    let mut rng = ctx.rng(Stream::Trial, base + 999);
    to_stimulus_offset(net, sched, input, &mut rng)?;
    let divergence = divergence(net, p.delta, sched.test.window, &mut rng)?;
    Ok(Tests { trials, divergence })
}

fn add_test_metrics(rep: &mut Report, prefix: &str, t: &Tests, dt_ms: f64) {
    let px: Vec<f64> = t.trials.iter().map(|r| mean(&r.pearson_x)).collect();
    let pu: Vec<f64> = t.trials.iter().map(|r| mean(&r.pearson_u)).collect();
    rep.metric(&format!("{prefix}_test_pearson_x_mean"), mean(&px));
    rep.metric(
        &format!("{prefix}_test_pearson_x_min"),
        px.iter().cloned().fold(f64::INFINITY, f64::min),
    );
    rep.metric(&format!("{prefix}_test_pearson_u_mean"), mean(&pu));
    let sd: Vec<f64> = t
        .trials
        .iter()
        .map(|r| mean_temporal_sd(r.x.view()))
        .collect();
    rep.metric(&format!("{prefix}_x_temporal_sd"), mean(&sd));
    let mut pairs = Vec::new();
    for a in 0..t.trials.len() {
        for b in a + 1..t.trials.len() {
            pairs.push(trial_to_trial(&t.trials[a], &t.trials[b]));
        }
    }
    rep.metric(&format!("{prefix}_trial_to_trial_pearson"), mean(&pairs));
    let d = &t.divergence;
    rep.metric(
        &format!("{prefix}_divergence_final_over_initial"),
        d[d.len() - 1] / d[0],
    );
    rep.metric(
        &format!("{prefix}_divergence_max_over_initial"),
        d.iter().cloned().fold(0.0, f64::max) / d[0],
    );
    rep.metric(
        &format!("{prefix}_divergence_rate_per_s"),
        growth_rate_per_s(d, dt_ms),
    );
    rep.table(
        Table::new(format!("{prefix}_tests"))
            .col("trial", (0..px.len()).map(|k| k as f64).collect::<Vec<_>>())
            .col("mean_pearson_x", px)
            .col("mean_pearson_u", pu)
            .col("x_temporal_sd", sd),
    );
}

fn trace_panel(
    title: &str,
    tr: &RateTrial,
    targets: ArrayView2<'_, f64>,
    dt_ms: f64,
    with_targets: bool,
) -> Panel {
    let offset = 3.0;
    let mut series = Vec::new();
    for (m, y) in tr.traces.iter().enumerate() {
        let off = offset * m as f64;
        let lbl = |s: &str| if m == 0 { s.to_string() } else { String::new() };
        if with_targets {
            let tt: Vec<f64> = (1..=targets.ncols()).map(|j| j as f64 * dt_ms).collect();
            let ty: Vec<f64> = targets.row(m).iter().map(|v| v + off).collect();
            series.push(Series::line(lbl("target"), tt, ty, Color::Red));
        }
        series.push(Series::line(
            lbl("x"),
            tr.t_ms.clone(),
            y.iter().map(|v| v + off).collect::<Vec<_>>(),
            Color::Black,
        ));
    }
    let t0 = tr.t_ms.first().copied().unwrap_or(0.0);
    Panel::lines(
        title,
        "time after stimulus offset (ms)",
        "unit (stacked)",
        series,
    )
    .with_x_range(t0, targets.ncols() as f64 * dt_ms)
}

impl Experiment for Fig1Supp1 {
    const NAME: &'static str = "fig1_supp1";
    const TITLE: &'static str =
        "Figure 1—figure supplement 1: a chaotic tanh rate network learns products of sines";
    type Params = Fig1Supp1Params;

    fn params(profile: Profile) -> Fig1Supp1Params {
        let mut p = Fig1Supp1Params::default();
        if profile == Profile::Quick {
            // CI size (bounds in data/published/fig1_supp1.toml): N = 200 costs (200/500)^3 = 6 % of the RLS
            // work per loop. At N = 200, 30 loops left some seeds fragile to the state at stimulus onset (test
            // Pearson 0.88-0.96 over seeds 1-6); 60 loops give 0.92-0.97 (README).
            p.protocol.loops = 60;
            p.network.n = 200;
            p.protocol.test_trials = 4;
        }
        p
    }

    fn run(p: &Fig1Supp1Params, ctx: &Ctx) -> anyhow::Result<Report> {
        let grid = Grid::new(p.network.dt_ms)?;
        let sched = p.protocol.schedule(&grid)?;
        let n = p.network.n;
        let dt_ms = p.network.dt_ms;
        let targets = p
            .targets
            .generate(
                n,
                sched.train.window,
                dt_ms,
                &mut ctx.rng(Stream::Targets, 0),
            )
            .context("generating targets")?;
        let stimulus = p.protocol.stimulus(n, &mut ctx.rng(Stream::Stimulus, 0));
        let input = Input {
            stimulus: &stimulus,
            bias: None,
            noise: None,
        };
        let w0 = SparseRows::gaussian(
            n,
            p.network.p,
            p.network.sigma,
            false,
            &mut ctx.rng(Stream::Connectivity, 0),
        )?;
        let mut net = RateNetwork::new(
            w0.clone(),
            units::ms_to_tau(dt_ms),
            units::ms_to_tau(p.network.tau_ms),
        )?;
        net.reset(&mut ctx.rng(Stream::InitialState, 0));
        let shown: Vec<usize> = (0..p.n_traces).collect();
        let mut rep = Report::new();

        // before training
        let before = tests(&mut net, p, &sched, &input, targets.view(), &shown, ctx, 0)
            .context("tests before training")?;
        add_test_metrics(&mut rep, "untrained", &before, dt_ms);

        // training: state carried over between loops (a fresh random state first, like the spiking figures)
        net.reset(&mut ctx.rng(Stream::InitialState, 1));
        let mut learner = RlsLearner::new(
            &net.w,
            p.protocol.lambda,
            sched.every,
            LearnMode::Drive,
            p.protocol.kernel,
            &[targets.view()],
        )?;
        let pb = ctx.progress(p.protocol.loops as u64, "training");
        let (mut lx, mut lu, mut ldw) = (Vec::new(), Vec::new(), Vec::new());
        let mut first = None;
        let mut loop_rng = ctx.rng(Stream::Other(2), 0);
        for l in 0..p.protocol.loops {
            let trial = sched.train_trial(&mut loop_rng);
            let st = run_trial(
                &mut net,
                &trial,
                &input,
                Some(&mut learner),
                targets.view(),
                &shown,
            )
            .with_context(|| format!("training loop {}", l + 1))?;
            lx.push(mean(&st.pearson_x));
            lu.push(mean(&st.pearson_u));
            ldw.push(net.w.frobenius_distance(&w0) / w0.frobenius());
            if l == 0 {
                first = Some(st);
            }
            pb.inc(1);
        }
        pb.finish_and_clear();
        rep.metric("loop_pearson_x_first", lx.first().copied().unwrap_or(0.0));
        rep.metric("loop_pearson_x_last", lx.last().copied().unwrap_or(0.0));
        rep.metric("dw_rel_last", ldw.last().copied().unwrap_or(0.0));
        let loops_x: Vec<f64> = (1..=lx.len()).map(|k| k as f64).collect();
        rep.table(
            Table::new("loops")
                .col("loop", loops_x.clone())
                .col("mean_pearson_x", lx.clone())
                .col("mean_pearson_u", lu.clone())
                .col("dw_rel", ldw.clone()),
        );

        // after training
        let after = tests(
            &mut net,
            p,
            &sched,
            &input,
            targets.view(),
            &shown,
            ctx,
            10_000,
        )
        .context("tests after training")?;
        add_test_metrics(&mut rep, "trained", &after, dt_ms);
        let ceiling = lag_ceiling(p, targets.view()).context("lag ceiling")?;
        rep.metric("lag_ceiling_pearson_x", ceiling);
        let px = rep
            .metrics
            .get("trained_test_pearson_x_mean")
            .copied()
            .unwrap_or(0.0);
        rep.metric("trained_test_pearson_x_over_ceiling", px / ceiling);

        // figure
        let stim_ms = sched.train.stim as f64 * dt_ms;
        let mut fig = Figure::new("fig1_supp1", Self::TITLE, 3);
        fig.push_panel(
            trace_panel(
                "a  before training: x (chaotic)",
                &before.trials[0],
                targets.view(),
                dt_ms,
                true,
            )
            .with_span(-stim_ms, 0.0, Color::LightBlue),
        );
        if let Some(f) = &first {
            fig.push_panel(
                trace_panel("training loop 1", f, targets.view(), dt_ms, true).with_span(
                    -stim_ms,
                    0.0,
                    Color::LightBlue,
                ),
            );
        }
        fig.push_panel(
            trace_panel(
                "b  after training (test trial): x vs target",
                &after.trials[0],
                targets.view(),
                dt_ms,
                true,
            )
            .with_span(-stim_ms, 0.0, Color::LightBlue),
        );
        fig.push_panel(
            Panel::lines(
                "mean Pearson(x, f) per training loop",
                "training loop",
                "mean Pearson r",
                vec![
                    Series::line_points("x", loops_x.clone(), lx, Color::Black),
                    Series::line_points("u = W tanh(x)", loops_x.clone(), lu, Color::Blue),
                ],
            )
            .with_y_range(-0.2, 1.0),
        );
        let tx: Vec<f64> = (1..=after.trials.len()).map(|k| k as f64).collect();
        fig.push_panel(
            Panel::lines(
                "test trials (fresh random states)",
                "test trial",
                "mean Pearson(x, f)",
                vec![
                    Series::points(
                        "before training",
                        tx.clone(),
                        before
                            .trials
                            .iter()
                            .map(|t| mean(&t.pearson_x))
                            .collect::<Vec<_>>(),
                        Color::Gray,
                    ),
                    Series::points(
                        "after training",
                        tx,
                        after
                            .trials
                            .iter()
                            .map(|t| mean(&t.pearson_x))
                            .collect::<Vec<_>>(),
                        Color::Red,
                    ),
                ],
            )
            .with_y_range(-0.2, 1.0),
        );
        let td: Vec<f64> = (0..before.divergence.len())
            .map(|s| s as f64 * dt_ms)
            .collect();
        fig.push_panel(
            Panel::lines(
                "divergence of nearby states after stimulus offset",
                "time after stimulus offset (ms)",
                "rms |x - x'|",
                vec![
                    Series::line(
                        "before training",
                        td.clone(),
                        before.divergence.clone(),
                        Color::Gray,
                    ),
                    Series::line(
                        "after training",
                        td.clone(),
                        after.divergence.clone(),
                        Color::Red,
                    ),
                ],
            )
            .with_log_y(),
        );
        rep.figure(fig);
        rep.table(
            Table::new("divergence")
                .col("t_ms", td)
                .col("untrained", before.divergence)
                .col("trained", after.divergence),
        );
        rep.note(format!(
            "N = {n}, σ = {}, τ = {} ms, dt = {} ms (RK4), Δt = {} ms, λ = {}, {} loops, stimulus {} ms U[-{a}, {a}], \
             RLS fits u = W tanh(x) to f; performance = Pearson(x, f)",
            p.network.sigma, p.network.tau_ms, dt_ms, p.protocol.learn_every_ms, p.protocol.lambda, p.protocol.loops,
            p.protocol.stim_ms, a = p.protocol.stim_amp
        ));
        Ok(rep)
    }
}
