//! Figure 3—figure supplement 2 of Kim & Chow (2018): the synaptic-drive training of Figure 3 with
//! leaky integrate-and-fire (panels a, b) and Izhikevich neurons of five cell types (panels c, d) instead of
//! theta neurons. Claim: learning does not depend on the spiking mechanism. The same W0, stimulus and targets
//! are also trained with theta neurons (the Fig 3 model at the same size) as the reference the claim is
//! measured against.
//!
//! All physics (the neuron models, the one simulation loop, RLS) lives in `spikelearn-sim`; this crate only
//! orchestrates the protocol and assembles the report. Choices the paper leaves open are in README.md.

use anyhow::Context;
use ndarray::{Array2, ArrayView2};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use spikelearn_lab::{
    Color, Ctx, Experiment, Figure, Panel, ParamError, Profile, Report, Series, Stream, Table,
    Validate,
};
use spikelearn_sim::lif::theta_matched_gain_mv;
use spikelearn_sim::protocol::{
    InitialWeights, LoopRecord, NetworkParams, ProtocolParams, Schedule, TrialStats, mean,
    run_trial, test_trial, train_loops,
};
use spikelearn_sim::{
    CellType, Input, Izhikevich, IzhikevichParams, LearnMode, Lif, LifParams, Network, NeuronModel,
    Recorder, RlsLearner, SimError, SpikeRecorder, TraceRecorder, Trial, Variable, units,
};
use spikelearn_targets::{ProductOfSinesParams, TargetSpec};

/// The spiking models trained by this experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Leaky integrate-and-fire ([`Lif`]), panels a, b.
    Lif,
    /// Izhikevich neurons, five cell types in equal blocks ([`Izhikevich`]), panels c, d.
    Izhikevich,
    /// Theta neurons (the Fig 3 model), the reference at the same size; not in the supplement.
    Theta,
}

impl ModelKind {
    /// Metric prefix.
    pub fn key(self) -> &'static str {
        match self {
            ModelKind::Lif => "lif",
            ModelKind::Izhikevich => "izh",
            ModelKind::Theta => "theta",
        }
    }
    fn label(self) -> &'static str {
        match self {
            ModelKind::Lif => "LIF",
            ModelKind::Izhikevich => "Izhikevich",
            ModelKind::Theta => "theta (reference)",
        }
    }
}

/// Parameters of the Figure 3—figure supplement 2 reproduction.
///
/// | field | default | paper symbol | source |
/// |---|---|---|---|
/// | network.n | 200 | N | Fig 3—supp 2 caption |
/// | network.p | 0.3 | p | all figures (not restated for the supplement) |
/// | network.sigma | 1 | σ | Fig 3 (not stated for the supplement) |
/// | network.tau_s_ms | 30 | τ_s | Fig 3—supp 2 caption |
/// | network.dt_ms | 1 | – | authors' code (paper-spec §2.5) |
/// | protocol.stim_ms, stim_amp | 100, 2 | – | 100 ms: Methods; U[−2, 2] (drive units): the authors' code, as fig1 (Methods: U[−1, 1]; README) |
/// | protocol.pre_ms, pre_jitter_ms | 1000, 1000 | – | free run U[1000, 2000] ms before each training stimulus: the text's "random times" (§12.14), as fig1 |
/// | protocol.window_ms | 1000 | T | Fig 3—supp 2 caption |
/// | protocol.learn_every_ms | 2 | Δt | Fig 3 (not stated for the supplement) |
/// | protocol.lambda | 1 | λ | Fig 3 (not stated for the supplement) |
/// | protocol.loops | 60 | – | not stated (§12.11); Fig 3's 30 leave the Izhikevich network unconverged (README) |
/// | protocol.test_trials | 10 | – | this project |
/// | targets | product of sines, T1, T2 ~ U[500, 1000] ms, A ~ U[0.5, 1.5] | f_i | caption (periods); A not stated: Fig 3's range in drive units |
/// | lif | [`LifParams::default`] | τ, v_thr, v_res, I_i | caption + choices documented there |
/// | izhikevich | [`IzhikevichParams::default`] | a, b, c, d, I_i | caption, Izhikevich 2003 + choices documented there |
/// | models | lif, izhikevich, theta | – | theta = the Fig 3 model at the same size, the reference for the claim |
/// | spont_ms, spont_skip_ms | 2000, 500 | – | untrained spontaneous run for rate and ISI CV (this project) |
/// | lif_gain_scan_mv | 0.836, 3, 8 | – | extra LIF trainings at other gains (0.836 = theta-matched f–I), rest level fixed |
/// | izh_gain_scan | 5, 10, 20 | – | extra Izhikevich trainings at other gains, bias fixed |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fig3Supp2Params {
    /// Network settings (shared by all models: same W0 and plastic mask).
    pub network: NetworkParams,
    /// Training/test protocol.
    pub protocol: ProtocolParams,
    /// Target family (drive targets, dimensionless; the models' gains convert them to mV / current).
    pub targets: TargetSpec,
    /// LIF parameters.
    pub lif: LifParams,
    /// Izhikevich parameters (cell types: five equal contiguous blocks RS, IB, CH, FS, LTS).
    pub izhikevich: IzhikevichParams,
    /// Which models are trained, in this order.
    pub models: Vec<ModelKind>,
    /// Length of the untrained spontaneous run (no stimulus), ms.
    pub spont_ms: f64,
    /// Initial part of the spontaneous run excluded from its statistics, ms.
    pub spont_skip_ms: f64,
    /// Further LIF gains (mV per unit drive) trained for the gain scan (other parameters unchanged).
    pub lif_gain_scan_mv: Vec<f64>,
    /// Further Izhikevich gains (current per unit drive) trained for the gain scan.
    pub izh_gain_scan: Vec<f64>,
}

/// Products of sines with T1, T2 ~ U[500, 1000] ms and A ~ U[0.5, 1.5] (independent phases, §12.5).
pub fn supp2_targets() -> TargetSpec {
    TargetSpec::ProductOfSines(ProductOfSinesParams {
        fixed_amp: None,
        ..ProductOfSinesParams::fig3_supp1(1.0)
    })
}

impl Default for Fig3Supp2Params {
    fn default() -> Self {
        Self {
            network: NetworkParams {
                n: 200,
                p: 0.3,
                sigma: 1.0,
                zero_row_mean: false,
                initial: InitialWeights::Gaussian,
                tau_s_ms: 30.0,
                dt_ms: 1.0,
                ..NetworkParams::default()
            },
            protocol: ProtocolParams {
                stim_amp: 2.0,
                pre_jitter_ms: 1000.0,
                loops: 60,
                test_trials: 10,
                ..ProtocolParams::default()
            },
            targets: supp2_targets(),
            lif: LifParams::default(),
            izhikevich: IzhikevichParams::default(),
            models: vec![ModelKind::Lif, ModelKind::Izhikevich, ModelKind::Theta],
            spont_ms: 2000.0,
            spont_skip_ms: 500.0,
            lif_gain_scan_mv: vec![
                (1e4 * theta_matched_gain_mv(10.0, 2.0, -50.0, -65.0)).round() / 1e4,
                3.0,
                8.0,
            ],
            izh_gain_scan: vec![5.0, 10.0, 20.0],
        }
    }
}

impl Validate for Fig3Supp2Params {
    fn validate(&self) -> Result<(), ParamError> {
        spikelearn_lab::validate_net_protocol(&self.network, &self.protocol)?;
        let grid = self.network.grid().map_err(ParamError::from_sim)?;
        self.targets
            .validate()
            .map_err(|e| ParamError::invalid("targets", e))?;
        self.lif.validate().map_err(ParamError::from_sim)?;
        self.izhikevich.validate().map_err(ParamError::from_sim)?;
        if self.izhikevich.substep_ms > self.network.dt_ms {
            return Err(ParamError::out_of_range(
                "izhikevich.substep_ms",
                self.izhikevich.substep_ms,
                "(0, network.dt_ms]",
            ));
        }
        if self.models.is_empty() {
            return Err(ParamError::invalid("models", "at least one model"));
        }
        for (k, m) in self.models.iter().enumerate() {
            if self.models[..k].contains(m) {
                return Err(ParamError::invalid("models", format!("{m:?} listed twice")));
            }
        }
        grid.steps("spont_ms", self.spont_ms)
            .map_err(ParamError::from_sim)?;
        grid.steps("spont_skip_ms", self.spont_skip_ms)
            .map_err(ParamError::from_sim)?;
        for (field, v) in self
            .lif_gain_scan_mv
            .iter()
            .map(|v| ("lif_gain_scan_mv", v))
            .chain(self.izh_gain_scan.iter().map(|v| ("izh_gain_scan", v)))
        {
            if !(*v > 0.0 && v.is_finite()) {
                return Err(ParamError::out_of_range(field, v, "(0, inf)"));
            }
        }
        if self.spont_skip_ms >= self.spont_ms {
            return Err(ParamError::out_of_range(
                "spont_skip_ms",
                self.spont_skip_ms,
                "< spont_ms",
            ));
        }
        Ok(())
    }
}

/// The Figure 3—figure supplement 2 experiment.
pub struct Fig3Supp2;

/// Statistics of a spontaneous (untrained, unstimulated) run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpontStats {
    /// Population rate (Hz).
    pub rate_hz: f64,
    /// Mean over neurons with ≥ 3 spikes of the coefficient of variation of their interspike intervals (NaN
    /// when no neuron has 3 spikes).
    pub cv_isi: f64,
    /// Fraction of neurons with at least one spike.
    pub active_frac: f64,
}

/// Rate, ISI CV and active fraction of `n` neurons from (step, neuron) spikes in steps `k0+1..=k1`.
pub fn spont_stats(
    spikes: &[(u32, u32)],
    n: usize,
    k0: usize,
    k1: usize,
    dt_ms: f64,
) -> SpontStats {
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); n];
    for &(k, i) in spikes {
        let k = k as usize;
        if k > k0 && k <= k1 {
            times[i as usize].push(k as f64 * dt_ms);
        }
    }
    let total: usize = times.iter().map(Vec::len).sum();
    let dur_s = (k1 - k0) as f64 * dt_ms / 1000.0;
    let cvs: Vec<f64> = times
        .iter()
        .filter(|t| t.len() >= 3)
        .map(|t| {
            let isi: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
            let m = mean(&isi);
            let var = isi.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / isi.len() as f64;
            var.sqrt() / m
        })
        .collect();
    SpontStats {
        rate_hz: total as f64 / (n as f64 * dur_s),
        cv_isi: if cvs.is_empty() { f64::NAN } else { mean(&cvs) },
        active_frac: times.iter().filter(|t| !t.is_empty()).count() as f64 / n as f64,
    }
}

/// Traces of the plotted neurons over a whole trial plus its raster, times in ms after stimulus offset.
struct Traces {
    t_ms: Vec<f64>,
    volt: Vec<Vec<f64>>,
    drive: Vec<Vec<f64>>,
    spikes: Vec<(f64, u32)>,
}

impl Traces {
    fn from(
        v: TraceRecorder,
        u: TraceRecorder,
        stats: &TrialStats,
        k_off: usize,
        dt_ms: f64,
    ) -> Self {
        Traces {
            t_ms: v.time.iter().map(|t| t * units::TAU_MS).collect(),
            volt: v.traces,
            drive: u.traces,
            spikes: stats
                .spikes
                .iter()
                .map(|&(k, i)| ((k as f64 - k_off as f64) * dt_ms, i))
                .collect(),
        }
    }
}

/// Everything one model's training produced.
struct Outcome {
    kind: ModelKind,
    spont: SpontStats,
    untrained: TrialStats,
    loops: Vec<LoopRecord>,
    w0_fro: f64,
    after: Traces,
    tests: Vec<TrialStats>,
}

struct Setup<'a> {
    p: &'a Fig3Supp2Params,
    ctx: &'a Ctx,
    sched: Schedule,
    stimulus: Vec<f64>,
    targets: &'a Array2<f64>,
    shown: Vec<usize>,
}

fn train_and_test<M: NeuronModel>(
    s: &Setup<'_>,
    kind: ModelKind,
    mut net: Network<M>,
) -> anyhow::Result<Outcome> {
    let p = s.p;
    let label = kind.label();
    let n = p.network.n;
    let dt_ms = p.network.dt_ms;
    let grid = p.network.grid()?;
    let w0 = net.w.clone();

    // 1. untrained spontaneous activity (no stimulus): rate, irregularity
    let spont_trial = Trial {
        pre: grid.steps("spont_ms", p.spont_ms)?,
        stim: 0,
        window: 0,
        post: 0,
    };
    let zeros = vec![0.0; n];
    let mut spk = SpikeRecorder::new(n, n);
    net.run(
        &spont_trial,
        &Input {
            stimulus: &zeros,
            bias: None,
            noise: None,
        },
        None,
        &mut [&mut spk],
    )
    .with_context(|| format!("{label}: spontaneous run"))?;
    let skip = grid.steps("spont_skip_ms", p.spont_skip_ms)?;
    let spont = spont_stats(&spk.spikes, n, skip, spont_trial.pre, dt_ms);

    // 2. one untrained trial with the stimulus (drive vs target before training)
    let input = Input {
        stimulus: &s.stimulus,
        bias: None,
        noise: None,
    };
    let untrained = run_trial(
        &mut net,
        &s.sched.train,
        &input,
        None,
        Variable::Drive,
        s.targets.view(),
        0,
        &mut [],
    )
    .with_context(|| format!("{label}: untrained trial"))?;

    // 3. training
    let mut learner = RlsLearner::new(
        &net.w,
        p.protocol.lambda,
        s.sched.every,
        LearnMode::Drive,
        p.protocol.kernel,
        &[s.targets.view()],
    )?;
    let pb = s
        .ctx
        .progress(p.protocol.loops as u64, &format!("{label}: training"));
    let loops = train_loops(
        &mut net,
        &s.sched,
        &mut s.ctx.rng(Stream::Other(1), 0),
        &input,
        &mut learner,
        Variable::Drive,
        s.targets.view(),
        p.protocol.loops,
        0,
        &w0,
        &mut |_, _| pb.inc(1),
    )
    .with_context(|| format!("{label}: training"))?;
    pb.finish_and_clear();

    // 4. tests: fresh random initial state each trial, same stimulus
    let mut tests = Vec::new();
    let mut after = None;
    for t in 0..p.protocol.test_trials {
        let mut rng = s.ctx.rng(Stream::Trial, t as u64);
        let mut tv = TraceRecorder::new(Variable::State, s.shown.clone(), 1);
        let mut tu = TraceRecorder::new(Variable::Drive, s.shown.clone(), 1);
        let raster = if t == 0 { n } else { 0 };
        let st = test_trial(
            &mut net,
            &s.sched.test,
            &input,
            &mut rng as &mut dyn RngCore,
            Variable::Drive,
            s.targets.view(),
            raster,
            &mut [&mut tv as &mut dyn Recorder, &mut tu],
        )
        .with_context(|| format!("{label}: test trial {t}"))?;
        if t == 0 {
            after = Some(Traces::from(tv, tu, &st, s.sched.test.k_off(), dt_ms));
        }
        tests.push(st);
    }
    Ok(Outcome {
        kind,
        spont,
        untrained,
        loops,
        w0_fro: w0.frobenius(),
        after: after.expect("test_trials >= 1 is validated"),
        tests,
    })
}

/// Mean over test trials of the mean Pearson of the neurons in `idx`.
fn group_pearson(tests: &[TrialStats], idx: &[usize]) -> f64 {
    mean(
        &tests
            .iter()
            .map(|t| mean(&idx.iter().map(|&i| t.pearson[i]).collect::<Vec<_>>()))
            .collect::<Vec<_>>(),
    )
}

/// Mean over test trials of the window rate (Hz) of the neurons in `idx`.
fn group_rate_hz(tests: &[TrialStats], idx: &[usize], window_s: f64) -> f64 {
    mean(
        &tests
            .iter()
            .map(|t| {
                idx.iter().map(|&i| t.window_counts[i] as f64).sum::<f64>()
                    / (idx.len() as f64 * window_s)
            })
            .collect::<Vec<_>>(),
    )
}

fn add_metrics(rep: &mut Report, o: &Outcome) -> f64 {
    let k = o.kind.key();
    let test: Vec<f64> = o.tests.iter().map(|t| t.mean_pearson).collect();
    let test_mean = mean(&test);
    rep.metric(&format!("{k}_test_pearson_mean"), test_mean);
    rep.metric(
        &format!("{k}_test_pearson_min"),
        test.iter().cloned().fold(f64::INFINITY, f64::min),
    );
    let rates: Vec<f64> = o.tests.iter().map(|t| t.rate_hz).collect();
    rep.metric(&format!("{k}_test_rate_hz"), mean(&rates));
    rep.metric(&format!("{k}_untrained_pearson"), o.untrained.mean_pearson);
    rep.metric(&format!("{k}_untrained_rate_hz"), o.untrained.rate_hz);
    if let Some(last) = o.loops.last() {
        rep.metric(&format!("{k}_loop_pearson_last"), last.mean_pearson);
        rep.metric(&format!("{k}_dw_rel_last"), last.dw_fro / o.w0_fro);
        rep.table(spikelearn_lab::loops_table(k, &o.loops, o.w0_fro));
    }
    rep.metric(&format!("{k}_spont_rate_hz"), o.spont.rate_hz);
    if o.spont.cv_isi.is_finite() {
        rep.metric(&format!("{k}_spont_cv_isi"), o.spont.cv_isi);
    }
    rep.metric(&format!("{k}_spont_active_frac"), o.spont.active_frac);
    rep.table(
        Table::new(format!("{k}_tests"))
            .col(
                "trial",
                (0..o.tests.len()).map(|k| k as f64).collect::<Vec<_>>(),
            )
            .col("mean_pearson", test)
            .col("rate_hz", rates),
    );
    test_mean
}

/// Neuron indices of each Izhikevich cell type.
fn type_groups(types: &[CellType]) -> Vec<(CellType, Vec<usize>)> {
    CellType::ALL
        .into_iter()
        .map(|t| {
            (
                t,
                types
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| **u == t)
                    .map(|(i, _)| i)
                    .collect(),
            )
        })
        .filter(|(_, v): &(CellType, Vec<usize>)| !v.is_empty())
        .collect()
}

fn type_color(t: CellType) -> Color {
    match t {
        CellType::Rs => Color::Palette(0),
        CellType::Ib => Color::Palette(1),
        CellType::Ch => Color::Palette(2),
        CellType::Fs => Color::Palette(3),
        CellType::Lts => Color::Palette(4),
    }
}

/// Voltage traces of the shown neurons, stacked by `offset` mV, with each spike drawn as a vertical line up
/// to `peak` mV at its step.
fn voltage_panel(
    title: &str,
    tr: &Traces,
    shown: &[usize],
    colors: &[Color],
    peak: f64,
    offset: f64,
    x0: f64,
    x1: f64,
) -> Panel {
    let mut series = Vec::new();
    for (m, (v, &i)) in tr.volt.iter().zip(shown).enumerate() {
        let off = -offset * m as f64;
        let spikes: Vec<f64> = tr
            .spikes
            .iter()
            .filter(|s| s.1 as usize == i)
            .map(|s| s.0)
            .collect();
        let (mut x, mut y) = (Vec::with_capacity(v.len()), Vec::with_capacity(v.len()));
        let mut si = 0;
        for (&t, &val) in tr.t_ms.iter().zip(v) {
            if t < x0 || t > x1 {
                continue;
            }
            while si < spikes.len() && spikes[si] < t - 1e-9 {
                si += 1;
            }
            if si < spikes.len() && (spikes[si] - t).abs() < 1e-9 {
                x.extend([t, t]);
                y.extend([peak + off, val + off]);
            } else {
                x.push(t);
                y.push(val + off);
            }
        }
        series.push(Series::line("", x, y, colors[m % colors.len()]));
    }
    Panel::lines(
        title,
        "time after stimulus offset (ms)",
        "v (mV, stacked)",
        series,
    )
    .with_x_range(x0, x1)
}

/// Drive (black) vs target (red) of the shown neurons, stacked.
fn drive_panel(
    title: &str,
    tr: &Traces,
    shown: &[usize],
    targets: ArrayView2<'_, f64>,
    dt_ms: f64,
    x0: f64,
    x1: f64,
) -> Panel {
    let offset = 3.0;
    let mut series = Vec::new();
    for (m, (u, &i)) in tr.drive.iter().zip(shown).enumerate() {
        let off = -offset * m as f64;
        let lbl = |s: &str| if m == 0 { s.to_string() } else { String::new() };
        let tt: Vec<f64> = (1..=targets.ncols()).map(|j| j as f64 * dt_ms).collect();
        series.push(Series::line(
            lbl("target"),
            tt,
            targets.row(i).iter().map(|v| v + off).collect::<Vec<_>>(),
            Color::Red,
        ));
        let (x, y): (Vec<f64>, Vec<f64>) = tr
            .t_ms
            .iter()
            .zip(u)
            .filter(|(t, _)| **t >= x0 && **t <= x1)
            .map(|(t, v)| (*t, v + off))
            .unzip();
        series.push(Series::line(lbl("synaptic drive"), x, y, Color::Black));
    }
    Panel::lines(
        title,
        "time after stimulus offset (ms)",
        "drive u (stacked)",
        series,
    )
    .with_x_range(x0, x1)
}

/// A raster whose rows are coloured by group (each spike a short vertical segment).
fn grouped_raster(
    title: &str,
    tr: &Traces,
    groups: &[(String, Vec<usize>, Color)],
    n: usize,
    x0: f64,
    x1: f64,
) -> Panel {
    let mut row_group = vec![usize::MAX; n];
    for (g, (_, idx, _)) in groups.iter().enumerate() {
        for &i in idx {
            row_group[i] = g;
        }
    }
    let mut xs = vec![Vec::new(); groups.len()];
    let mut ys = vec![Vec::new(); groups.len()];
    for &(t, i) in &tr.spikes {
        let g = row_group[i as usize];
        if g == usize::MAX || t < x0 || t > x1 {
            continue;
        }
        let r = i as f64;
        xs[g].extend([t, t, f64::NAN]);
        ys[g].extend([r + 0.1, r + 0.9, f64::NAN]);
    }
    let series = groups
        .iter()
        .zip(xs.into_iter().zip(ys))
        .map(|((name, _, c), (x, y))| Series::line(name.clone(), x, y, *c))
        .collect();
    Panel::lines(title, "time after stimulus offset (ms)", "neuron", series)
        .with_x_range(x0, x1)
        .with_y_range(0.0, n as f64)
}

fn loop_panel(o: &Outcome) -> Panel {
    let x: Vec<f64> = o.loops.iter().map(|r| (r.index + 1) as f64).collect();
    let nl = x.len() as f64;
    let tx: Vec<f64> = (0..o.tests.len())
        .map(|k| nl + 1.0 + k as f64 * 0.2)
        .collect();
    Panel::lines(
        format!("{}: Pearson per loop (black), tests (red)", o.kind.label()),
        "training loop (tests after)",
        "mean Pearson r",
        vec![
            Series::line_points(
                "training loops",
                x,
                o.loops.iter().map(|r| r.mean_pearson).collect::<Vec<_>>(),
                Color::Black,
            ),
            Series::points(
                "tests",
                tx,
                o.tests.iter().map(|t| t.mean_pearson).collect::<Vec<_>>(),
                Color::Red,
            ),
        ],
    )
    .with_y_range(-0.2, 1.0)
    .with_legend(false)
}

fn build<M: NeuronModel>(
    p: &Fig3Supp2Params,
    neurons: M,
    w: spikelearn_sim::SparseRows,
) -> Result<Network<M>, SimError> {
    Network::new(
        neurons,
        w,
        units::ms_to_tau(p.network.dt_ms),
        units::ms_to_tau(p.network.tau_s_ms),
    )
}

impl Experiment for Fig3Supp2 {
    const NAME: &'static str = "fig3_supp2";
    const TITLE: &'static str =
        "Figure 3—figure supplement 2: learning with LIF and Izhikevich neurons";
    type Params = Fig3Supp2Params;

    fn params(profile: Profile) -> Fig3Supp2Params {
        let mut p = Fig3Supp2Params::default();
        if profile == Profile::Quick {
            // CI size: the default networks, targets and loops for LIF and Izhikevich (fewer loops leave the
            // Izhikevich network unconverged, README.md), 3 test trials, no theta reference, no gain scan.
            p.models = vec![ModelKind::Lif, ModelKind::Izhikevich];
            p.protocol.test_trials = 3;
            p.lif_gain_scan_mv.clear();
            p.izh_gain_scan.clear();
        }
        p
    }

    fn run(p: &Fig3Supp2Params, ctx: &Ctx) -> anyhow::Result<Report> {
        let grid = p.network.grid()?;
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
        let w0 = p.network.weights(&mut ctx.rng(Stream::Connectivity, 0))?;
        let types = CellType::equal_blocks(n);
        let groups = type_groups(&types);
        // one neuron per cell-type block (the same indices for every model)
        let shown: Vec<usize> = groups.iter().map(|(_, idx)| idx[0]).collect();
        let setup = Setup {
            p,
            ctx,
            sched,
            stimulus,
            targets: &targets,
            shown: shown.clone(),
        };
        let window_s = sched.train.window as f64 * dt_ms / 1000.0;

        let mut rep = Report::new();
        let mut outcomes = Vec::new();
        let mut scan_panels: Vec<Panel> = Vec::new();
        let run_model =
            |kind: ModelKind, lif: LifParams, izh: IzhikevichParams| -> anyhow::Result<Outcome> {
                let init = &mut ctx.rng(Stream::InitialState, 0);
                match kind {
                    ModelKind::Lif => {
                        train_and_test(&setup, kind, build(p, Lif::new(n, lif, init)?, w0.clone())?)
                    }
                    ModelKind::Izhikevich => train_and_test(
                        &setup,
                        kind,
                        build(p, Izhikevich::new(types.clone(), izh, init)?, w0.clone())?,
                    ),
                    ModelKind::Theta => train_and_test(
                        &setup,
                        kind,
                        build(p, p.network.theta_neurons(init), w0.clone())?,
                    ),
                }
            };
        // The models' trainings and the gain scan's (the same training at other unit conversions,
        // everything else unchanged) are independent jobs (`--jobs`; same results for any number).
        let mut jobs: Vec<(ModelKind, Option<f64>)> = p.models.iter().map(|&k| (k, None)).collect();
        for (kind, gains) in [
            (ModelKind::Lif, &p.lif_gain_scan_mv),
            (ModelKind::Izhikevich, &p.izh_gain_scan),
        ] {
            jobs.extend(gains.iter().map(|&g| (kind, Some(g))));
        }
        let mut done = ctx
            .map_jobs(jobs.clone(), |(kind, gain)| match gain {
                None => run_model(kind, p.lif, p.izhikevich),
                Some(g) => run_model(
                    kind,
                    LifParams {
                        gain_mv: g,
                        ..p.lif
                    },
                    IzhikevichParams {
                        gain: g,
                        ..p.izhikevich
                    },
                ),
            })?
            .into_iter();
        for o in done.by_ref().take(p.models.len()) {
            let pear = add_metrics(&mut rep, &o);
            outcomes.push((o, pear));
        }
        let scan: Vec<(ModelKind, f64, Outcome)> = jobs[p.models.len()..]
            .iter()
            .zip(done)
            .map(|(&(kind, g), o)| (kind, g.expect("scan jobs carry a gain"), o))
            .collect();
        if !scan.is_empty() {
            let default_gain = |k: ModelKind| {
                if k == ModelKind::Lif {
                    p.lif.gain_mv
                } else {
                    p.izhikevich.gain
                }
            };
            let mut rows: Vec<(ModelKind, f64, &Outcome)> =
                scan.iter().map(|(k, g, o)| (*k, *g, o)).collect();
            for (o, _) in &outcomes {
                if o.kind != ModelKind::Theta {
                    rows.push((o.kind, default_gain(o.kind), o));
                }
            }
            rows.sort_by(|a, b| {
                (a.0 as usize, a.1)
                    .partial_cmp(&(b.0 as usize, b.1))
                    .expect("finite gains")
            });
            let col = |f: &dyn Fn(&(ModelKind, f64, &Outcome)) -> f64| {
                rows.iter().map(f).collect::<Vec<f64>>()
            };
            let test_mean =
                |o: &Outcome| mean(&o.tests.iter().map(|t| t.mean_pearson).collect::<Vec<_>>());
            let test_rate =
                |o: &Outcome| mean(&o.tests.iter().map(|t| t.rate_hz).collect::<Vec<_>>());
            rep.table(
                Table::new("gain_scan")
                    .col("model_lif0_izh1", col(&|r| r.0 as usize as f64))
                    .col("gain", col(&|r| r.1))
                    .col("test_pearson_mean", col(&|r| test_mean(r.2)))
                    .col(
                        "test_pearson_min",
                        col(&|r| {
                            r.2.tests
                                .iter()
                                .map(|t| t.mean_pearson)
                                .fold(f64::INFINITY, f64::min)
                        }),
                    )
                    .col("test_rate_hz", col(&|r| test_rate(r.2)))
                    .col("spont_rate_hz", col(&|r| r.2.spont.rate_hz))
                    .col(
                        "spont_cv_isi",
                        col(&|r| {
                            if r.2.spont.cv_isi.is_finite() {
                                r.2.spont.cv_isi
                            } else {
                                -1.0
                            }
                        }),
                    ),
            );
            for (k, g, o) in &scan {
                let tag = format!("{}_gain{}", k.key(), format!("{g}").replace('.', "p"));
                rep.metric(&format!("{tag}_test_pearson_mean"), test_mean(o));
                rep.metric(&format!("{tag}_test_rate_hz"), test_rate(o));
                rep.metric(&format!("{tag}_spont_rate_hz"), o.spont.rate_hz);
            }
            let theta_ref = outcomes
                .iter()
                .find(|(o, _)| o.kind == ModelKind::Theta)
                .map(|(_, v)| *v);
            let mut ps = Vec::new();
            let mut rs = Vec::new();
            for (k, c) in [
                (ModelKind::Lif, Color::Blue),
                (ModelKind::Izhikevich, Color::Orange),
            ] {
                let sel: Vec<&(ModelKind, f64, &Outcome)> =
                    rows.iter().filter(|r| r.0 == k).collect();
                if sel.is_empty() {
                    continue;
                }
                let g: Vec<f64> = sel.iter().map(|r| r.1).collect();
                let unit = if k == ModelKind::Lif {
                    "LIF (mV/unit)"
                } else {
                    "Izhikevich (current/unit)"
                };
                ps.push(Series::line_points(
                    unit,
                    g.clone(),
                    sel.iter().map(|r| test_mean(r.2)).collect::<Vec<_>>(),
                    c,
                ));
                rs.push(Series::line_points(
                    format!("{unit}: trained"),
                    g.clone(),
                    sel.iter().map(|r| test_rate(r.2)).collect::<Vec<_>>(),
                    c,
                ));
                rs.push(Series::dashed(
                    format!("{unit}: untrained"),
                    g,
                    sel.iter().map(|r| r.2.spont.rate_hz).collect::<Vec<_>>(),
                    c,
                ));
            }
            if let Some(th) = theta_ref {
                let gs = col(&|r| r.1);
                let (lo, hi) = gs
                    .iter()
                    .fold((f64::INFINITY, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
                ps.push(Series::dashed(
                    "theta reference",
                    vec![lo, hi],
                    vec![th, th],
                    Color::Black,
                ));
            }
            scan_panels.push(
                Panel::lines(
                    "gain scan: test Pearson",
                    "gain G (drive unit -> model input)",
                    "mean Pearson r",
                    ps,
                )
                .with_log_x()
                .with_y_range(0.0, 1.0),
            );
            scan_panels.push(
                Panel::lines(
                    "gain scan: population rate",
                    "gain G (drive unit -> model input)",
                    "rate (Hz)",
                    rs,
                )
                .with_log_x()
                .with_log_y(),
            );
        }
        // per cell type (Izhikevich)
        let mut type_panel: Option<Panel> = None;
        if let Some((o, _)) = outcomes
            .iter()
            .find(|(o, _)| o.kind == ModelKind::Izhikevich)
        {
            let mut names = Vec::new();
            let (mut pe, mut ra, mut un) = (Vec::new(), Vec::new(), Vec::new());
            for (t, idx) in &groups {
                let key = t.name().to_lowercase();
                let (a, b) = (
                    group_pearson(&o.tests, idx),
                    group_rate_hz(&o.tests, idx, window_s),
                );
                rep.metric(&format!("izh_{key}_test_pearson_mean"), a);
                rep.metric(&format!("izh_{key}_test_rate_hz"), b);
                let c = group_rate_hz(std::slice::from_ref(&o.untrained), idx, window_s);
                rep.metric(&format!("izh_{key}_untrained_rate_hz"), c);
                names.push(CellType::ALL.iter().position(|u| u == t).unwrap_or(0) as f64);
                pe.push(a);
                ra.push(b);
                un.push(c);
            }
            rep.table(
                Table::new("izh_cell_types")
                    .col("type_index_rs_ib_ch_fs_lts", names.clone())
                    .col("test_pearson_mean", pe.clone())
                    .col("test_rate_hz", ra.clone())
                    .col("untrained_rate_hz", un.clone()),
            );
            rep.metric(
                "izh_min_type_test_pearson",
                pe.iter().cloned().fold(f64::INFINITY, f64::min),
            );
            type_panel = Some(
                Panel::lines(
                    "Izhikevich: test Pearson and rate per cell type",
                    "cell type (0 RS, 1 IB, 2 CH, 3 FS, 4 LTS)",
                    "mean Pearson r  /  rate (Hz) / 100",
                    vec![
                        Series::line_points(
                            "test Pearson",
                            names.clone(),
                            pe.clone(),
                            Color::Black,
                        ),
                        Series::line_points(
                            "test rate / 100 Hz",
                            names.clone(),
                            ra.iter().map(|v| v / 100.0).collect::<Vec<_>>(),
                            Color::Red,
                        ),
                        Series::dashed(
                            "untrained rate / 100 Hz",
                            names.clone(),
                            un.iter().map(|v| v / 100.0).collect::<Vec<_>>(),
                            Color::Red,
                        ),
                    ],
                )
                .with_x_range(-0.5, 4.5),
            );
        }
        if let Some(&(_, th)) = outcomes.iter().find(|(o, _)| o.kind == ModelKind::Theta) {
            for (o, pr) in &outcomes {
                if o.kind != ModelKind::Theta {
                    rep.metric(
                        &format!("{}_minus_theta_test_pearson", o.kind.key()),
                        pr - th,
                    );
                }
            }
        }
        rep.table(
            Table::new("spontaneous")
                .col(
                    "model_lif_izh_theta",
                    outcomes
                        .iter()
                        .map(|(o, _)| o.kind as usize as f64)
                        .collect::<Vec<_>>(),
                )
                .col(
                    "rate_hz",
                    outcomes
                        .iter()
                        .map(|(o, _)| o.spont.rate_hz)
                        .collect::<Vec<_>>(),
                )
                .col(
                    "cv_isi",
                    outcomes
                        .iter()
                        .map(|(o, _)| o.spont.cv_isi)
                        .collect::<Vec<_>>(),
                )
                .col(
                    "active_frac",
                    outcomes
                        .iter()
                        .map(|(o, _)| o.spont.active_frac)
                        .collect::<Vec<_>>(),
                ),
        );

        // figure: one row per model
        let stim_ms = sched.train.stim as f64 * dt_ms;
        let (x0, x1) = (-stim_ms - 100.0, sched.train.window as f64 * dt_ms);
        let mut fig = Figure::new("fig3_supp2", Self::TITLE, 4);
        for (o, _) in &outcomes {
            let name = o.kind.label();
            let tr = &o.after;
            let colors: Vec<Color> = match o.kind {
                ModelKind::Izhikevich => shown.iter().map(|&i| type_color(types[i])).collect(),
                _ => vec![Color::Black],
            };
            let vp = match o.kind {
                ModelKind::Lif => voltage_panel(
                    &format!("{name}: membrane potential (test)"),
                    tr,
                    &shown,
                    &colors,
                    p.lif.v_thr_mv + 15.0,
                    35.0,
                    x0,
                    x1,
                ),
                ModelKind::Izhikevich => voltage_panel(
                    &format!("{name}: v of one RS, IB, CH, FS, LTS cell (test)"),
                    tr,
                    &shown,
                    &colors,
                    p.izhikevich.v_peak_mv,
                    110.0,
                    x0,
                    x1,
                ),
                ModelKind::Theta => {
                    // the QIF voltage v = tan(θ/2) of the theta neuron (paper eq 4), clipped at ±4
                    let mut q = Traces {
                        t_ms: tr.t_ms.clone(),
                        volt: Vec::new(),
                        drive: Vec::new(),
                        spikes: tr.spikes.clone(),
                    };
                    q.volt = tr
                        .volt
                        .iter()
                        .map(|v| {
                            v.iter()
                                .map(|th| (0.5 * th).tan().clamp(-4.0, 4.0))
                                .collect()
                        })
                        .collect();
                    voltage_panel(
                        &format!("{name}: QIF v = tan(θ/2) (test)"),
                        &q,
                        &shown,
                        &colors,
                        4.0,
                        9.0,
                        x0,
                        x1,
                    )
                    .with_y_range(-9.0 * (shown.len() as f64 - 1.0) - 4.5, 4.5)
                }
            };
            fig.push_panel(vp.with_span(-stim_ms, 0.0, Color::LightBlue));
            fig.push_panel(
                drive_panel(
                    &format!("{name}: synaptic drive vs target (test)"),
                    tr,
                    &shown,
                    targets.view(),
                    dt_ms,
                    x0,
                    x1,
                )
                .with_span(-stim_ms, 0.0, Color::LightBlue),
            );
            let rgroups: Vec<(String, Vec<usize>, Color)> = match o.kind {
                ModelKind::Izhikevich => groups
                    .iter()
                    .map(|(t, idx)| (t.name().to_string(), idx.clone(), type_color(*t)))
                    .collect(),
                _ => vec![(String::new(), (0..n).collect(), Color::Black)],
            };
            fig.push_panel(
                grouped_raster(&format!("{name}: raster (test)"), tr, &rgroups, n, x0, x1)
                    .with_span(-stim_ms, 0.0, Color::LightBlue),
            );
            fig.push_panel(loop_panel(o));
        }
        if let Some(tp) = type_panel {
            fig.push_panel(tp);
        }
        for sp in scan_panels {
            fig.push_panel(sp);
        }
        rep.figure(fig);
        rep.array("targets", targets);
        rep.note(format!(
            "N = {n}, p = {}, σ = {}, τ_s = {} ms, dt = {dt_ms} ms, Δt = {} ms, λ = {}, {} loops, {} test trials; \
             stimulus {} ms U[-{a}, {a}]; same W0, stimulus and targets for every model",
            p.network.p,
            p.network.sigma,
            p.network.tau_s_ms,
            p.protocol.learn_every_ms,
            p.protocol.lambda,
            p.protocol.loops,
            p.protocol.test_trials,
            p.protocol.stim_ms,
            a = p.protocol.stim_amp,
        ));
        rep.note(format!(
            "LIF: G = {:.4} mV per unit drive, rest {:.3} mV (rheobase x0 = {:.4}), t_ref = {} ms; Izhikevich: bias {}, gain {}, sub-step {} ms",
            p.lif.gain_mv,
            p.lif.v_rest_mv,
            p.lif.rheobase(),
            p.lif.t_ref_ms,
            p.izhikevich.bias,
            p.izhikevich.gain,
            p.izhikevich.substep_ms
        ));
        Ok(rep)
    }
}
