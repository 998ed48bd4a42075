//! Figure 2 of Kim & Chow (2018): "Learning multiple target patterns". One network of theta neurons (as in
//! Fig 1) learns two independent sets of N sine targets, each preceded by its own random stimulus; training
//! loops alternate between the sets with one RLS problem per neuron shared by both (one P per neuron,
//! paper-spec §12.12). After training, stimulus A recalls set A and stimulus B recalls set B, for
//! synaptic-drive training (panel a) and for spiking-rate training (panel b). The recall test gives the 2×2
//! matrix of mean Pearson correlations (cue × target set).
//!
//! All physics lives in `spikelearn-sim`/`-rls`/`-targets`; this crate only orchestrates the protocol and
//! assembles the report. Choices the paper leaves open are listed in this crate's README.md.

use anyhow::Context;
use ndarray::{Array2, ArrayView2};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use spikelearn_lab::{
    Color, Ctx, Experiment, Figure, Panel, ParamError, Profile, Report, Series, Stream, Table,
    Validate,
};
use spikelearn_meanfield::{Phi1, Phi2};
use spikelearn_sim::protocol::{
    InitialWeights, NetworkParams, ProtocolParams, Schedule, mean, pearson_rows, rate_ceiling,
    run_trial, test_trial,
};
use spikelearn_sim::{Input, LearnMode, Network, RlsLearner, Theta, TraceRecorder, Variable};
use spikelearn_targets::{SinesParams, TargetSpec};

/// Parameters of the Figure 2 reproduction.
///
/// | field | default | paper symbol | source |
/// |---|---|---|---|
/// | network.n | 200 | N | Fig 2 Methods ("as Fig 1") |
/// | network.p | 0.3 | p | Fig 1 Methods |
/// | network.sigma | 4 | σ | Fig 1 Methods (rows mean-subtracted) |
/// | network.tau_s_ms | 20 | τ_s | Fig 2 Methods |
/// | network.dt_ms | 1 | – | authors' code (paper-spec §2.5) |
/// | protocol.stim_ms | 100 | – | as fig1: Fig 1 caption and authors' code (Fig 1/2 Methods say 50; README) |
/// | protocol.stim_amp | 2 | – | as fig1: authors' code I_i ~ U[−2, 2] (Methods U[−1, 1]; README) |
/// | protocol.pre_jitter_ms | 1000 | – | as fig1: free run U[1000, 2000] ms per loop, text "applied at random times" |
/// | protocol.learn_every_ms | 2 | Δt | Fig 2 Methods |
/// | protocol.lambda | 10 | λ | Fig 2 Methods |
/// | protocol.loops | 100 | – | drive-training loops **per set** (Fig 2 Methods: 100 per set, alternating) |
/// | protocol.test_trials | 5 | – | test trials per cue (this project) |
/// | rate_loops | 100 | – | rate-training loops per set (Methods: 100 per set) |
/// | targets | sines | f_i | §4.1, two independent draws (sets A and B) |
/// | rate | true | – | also run spiking-rate training (panel b) |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fig2Params {
    /// Network settings.
    pub network: NetworkParams,
    /// Training/test protocol (`loops` = drive-training loops per target set, `test_trials` per cue).
    pub protocol: ProtocolParams,
    /// Spiking-rate training loops per target set.
    pub rate_loops: usize,
    /// Target family for the synaptic drive (rate targets are φ1 of these); drawn twice (sets A and B).
    pub targets: TargetSpec,
    /// Also run spiking-rate training.
    pub rate: bool,
    /// Number of neurons whose traces are plotted.
    pub n_traces: usize,
}

impl Default for Fig2Params {
    fn default() -> Self {
        Self {
            network: NetworkParams {
                n: 200,
                p: 0.3,
                sigma: 4.0,
                zero_row_mean: true,
                initial: InitialWeights::Gaussian,
                tau_s_ms: 20.0,
                dt_ms: 1.0,
                ..NetworkParams::default()
            },
            protocol: ProtocolParams {
                stim_ms: 100.0,
                stim_amp: 2.0,
                pre_jitter_ms: 1000.0,
                lambda: 10.0,
                loops: 100,
                test_trials: 5,
                ..ProtocolParams::default()
            },
            rate_loops: 100,
            targets: TargetSpec::Sines(SinesParams::default()),
            rate: true,
            n_traces: 4,
        }
    }
}

impl Validate for Fig2Params {
    fn validate(&self) -> Result<(), ParamError> {
        spikelearn_lab::validate_net_protocol(&self.network, &self.protocol)?;
        self.targets
            .validate()
            .map_err(|e| ParamError::invalid("targets", e))?;
        if self.protocol.loops == 0 {
            return Err(ParamError::out_of_range(
                "protocol.loops",
                self.protocol.loops,
                ">= 1",
            ));
        }
        if self.rate && self.rate_loops == 0 {
            return Err(ParamError::out_of_range(
                "rate_loops",
                self.rate_loops,
                ">= 1 when rate = true",
            ));
        }
        if self.n_traces > self.network.n {
            return Err(ParamError::out_of_range(
                "n_traces",
                self.n_traces,
                "<= network.n",
            ));
        }
        Ok(())
    }
}

/// The Figure 2 experiment.
pub struct Fig2;

/// Which training is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Drive,
    Rate,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Drive => "drive",
            Kind::Rate => "rate",
        }
    }
    fn measure(self) -> Variable {
        match self {
            Kind::Drive => Variable::Drive,
            Kind::Rate => Variable::Rate,
        }
    }
    fn index(self) -> u64 {
        match self {
            Kind::Drive => 0,
            Kind::Rate => 1,
        }
    }
}

const SETS: [&str; 2] = ["a", "b"];

/// One training loop: which set was trained and how the response correlated with both sets.
struct LoopRow {
    set: usize,
    own: f64,
    other: f64,
    rate_hz: f64,
    dw_rel: f64,
}

/// Recall test: `pearson[c][s]` = mean Pearson of the response to cue c with target set s, per test trial.
struct Recall {
    pearson: [[Vec<f64>; 2]; 2],
    rate_hz: [Vec<f64>; 2],
    /// Traces of the shown neurons in the first test trial of each cue (time in ms after stimulus offset).
    t_ms: [Vec<f64>; 2],
    traces: [Vec<Vec<f64>>; 2],
}

impl Recall {
    fn mean(&self, c: usize, s: usize) -> f64 {
        mean(&self.pearson[c][s])
    }
}

struct Outcome {
    loops: Vec<LoopRow>,
    untrained: [f64; 2],
    recall: Recall,
}

struct Setup<'a> {
    p: &'a Fig2Params,
    ctx: &'a Ctx,
    sched: Schedule,
    stimuli: [Vec<f64>; 2],
}

fn train_and_test(
    s: &Setup<'_>,
    kind: Kind,
    targets: [&Array2<f64>; 2],
) -> anyhow::Result<Outcome> {
    let p = s.p;
    let w0 = p.network.weights(&mut s.ctx.rng(Stream::Connectivity, 0))?;
    let mut net: Network<Theta> = p
        .network
        .theta_network(w0.clone(), &mut s.ctx.rng(Stream::InitialState, 0))?;
    let w0_fro = w0.frobenius();
    let (mode, loops) = match kind {
        Kind::Drive => (LearnMode::Drive, p.protocol.loops),
        Kind::Rate => (LearnMode::Rate(Phi2::PAPER), p.rate_loops),
    };
    let var = kind.measure();
    let inputs = [0, 1].map(|c| Input {
        stimulus: &s.stimuli[c],
        bias: None,
        noise: None,
    });
    let label = kind.key();

    // before training: one test trial per cue (fresh phases; stimulus of that set)
    let mut untrained = [0.0; 2];
    for c in 0..2 {
        let mut rng = s
            .ctx
            .rng(Stream::Trial, 100_000 + 10_000 * kind.index() + c as u64);
        let st = test_trial(
            &mut net,
            &s.sched.test,
            &inputs[c],
            &mut rng as &mut dyn RngCore,
            var,
            targets[c].view(),
            0,
            &mut [],
        )
        .with_context(|| format!("{label}: untrained test, cue {}", SETS[c]))?;
        untrained[c] = st.mean_pearson;
    }
    // fresh state for training (as an untouched network)
    net.reset(&mut s.ctx.rng(Stream::InitialState, 1));

    // one P per neuron shared by both sets; loops alternate A, B, A, B, ...
    let mut learner = RlsLearner::new(
        &net.w,
        p.protocol.lambda,
        s.sched.every,
        mode,
        p.protocol.kernel,
        &[targets[0].view(), targets[1].view()],
    )?;
    let pb = s
        .ctx
        .progress(2 * loops as u64, &format!("{label} training"));
    let mut rows = Vec::with_capacity(2 * loops);
    let mut loop_rng = s.ctx.rng(Stream::Other(2), kind.index());
    for l in 0..2 * loops {
        let set = l % 2;
        learner.select(set);
        let trial = s.sched.train_trial(&mut loop_rng);
        let st = run_trial(
            &mut net,
            &trial,
            &inputs[set],
            Some(&mut learner),
            var,
            targets[set].view(),
            0,
            &mut [],
        )
        .with_context(|| format!("{label}: training loop {}", l + 1))?;
        let other = mean(&pearson_rows(st.response.view(), targets[1 - set].view()));
        rows.push(LoopRow {
            set,
            own: st.mean_pearson,
            other,
            rate_hz: st.rate_hz,
            dw_rel: net.w.frobenius_distance(&w0) / w0_fro,
        });
        pb.inc(1);
    }
    pb.finish_and_clear();

    // recall: fresh random phases each trial, same pre-stimulus free run as training, cue c
    let shown: Vec<usize> = (0..p.n_traces).collect();
    let mut recall = Recall {
        pearson: Default::default(),
        rate_hz: Default::default(),
        t_ms: Default::default(),
        traces: Default::default(),
    };
    for c in 0..2 {
        for t in 0..p.protocol.test_trials {
            let mut rng = s.ctx.rng(
                Stream::Trial,
                10_000 * kind.index() + 1_000 * c as u64 + t as u64,
            );
            let mut tr = TraceRecorder::new(var, shown.clone(), 1);
            let st = test_trial(
                &mut net,
                &s.sched.test,
                &inputs[c],
                &mut rng as &mut dyn RngCore,
                var,
                targets[c].view(),
                0,
                &mut [&mut tr],
            )
            .with_context(|| format!("{label}: recall test, cue {}, trial {t}", SETS[c]))?;
            recall.pearson[c][c].push(st.mean_pearson);
            recall.pearson[c][1 - c].push(mean(&pearson_rows(
                st.response.view(),
                targets[1 - c].view(),
            )));
            recall.rate_hz[c].push(st.rate_hz);
            if t == 0 {
                recall.t_ms[c] = tr.time.iter().map(|x| x * 10.0).collect();
                recall.traces[c] = tr.traces;
            }
        }
    }
    Ok(Outcome {
        loops: rows,
        untrained,
        recall,
    })
}

fn add_metrics(rep: &mut Report, o: &Outcome, kind: Kind, chance: f64) {
    let k = kind.key();
    let r = &o.recall;
    for c in 0..2 {
        for s in 0..2 {
            rep.metric(&format!("{k}_recall_{}{}", SETS[c], SETS[s]), r.mean(c, s));
        }
        rep.metric(
            &format!("{k}_untrained_pearson_{}{}", SETS[c], SETS[c]),
            o.untrained[c],
        );
    }
    let diag = [r.mean(0, 0), r.mean(1, 1)];
    let off = [r.mean(0, 1), r.mean(1, 0)];
    let diag_min = diag[0].min(diag[1]);
    let off_max = off[0].max(off[1]);
    rep.metric(&format!("{k}_recall_diag_min"), diag_min);
    rep.metric(&format!("{k}_recall_offdiag_max"), off_max);
    rep.metric(&format!("{k}_recall_margin"), diag_min - off_max);
    rep.metric(&format!("{k}_recall_margin_a"), diag[0] - off[1]);
    rep.metric(&format!("{k}_recall_margin_b"), diag[1] - off[0]);
    // worst single trial on the diagonal ("regardless of the initial activity")
    let trial_min = r.pearson[0][0]
        .iter()
        .chain(&r.pearson[1][1])
        .cloned()
        .fold(f64::INFINITY, f64::min);
    rep.metric(&format!("{k}_recall_diag_trial_min"), trial_min);
    // off-diagonal relative to the chance level set by the targets themselves: how much more the response to
    // one cue correlates with the other set than the two target sets correlate with each other
    rep.metric(&format!("{k}_recall_offdiag_excess_max"), off_max - chance);
    rep.metric(
        &format!("{k}_test_rate_hz"),
        mean(&[r.rate_hz[0].clone(), r.rate_hz[1].clone()].concat()),
    );
    let last: Vec<f64> = o.loops[o.loops.len().saturating_sub(10)..]
        .iter()
        .map(|l| l.own)
        .collect();
    rep.metric(&format!("{k}_loop_pearson_last10"), mean(&last));
    rep.metric(
        &format!("{k}_loop_pearson_first"),
        o.loops.first().map(|l| l.own).unwrap_or(0.0),
    );
    rep.metric(
        &format!("{k}_dw_rel_last"),
        o.loops.last().map(|l| l.dw_rel).unwrap_or(0.0),
    );

    rep.table(
        Table::new(format!("{k}_loops"))
            .col(
                "loop",
                (1..=o.loops.len()).map(|i| i as f64).collect::<Vec<_>>(),
            )
            .col(
                "set",
                o.loops.iter().map(|l| l.set as f64).collect::<Vec<_>>(),
            )
            .col(
                "pearson_trained_set",
                o.loops.iter().map(|l| l.own).collect::<Vec<_>>(),
            )
            .col(
                "pearson_other_set",
                o.loops.iter().map(|l| l.other).collect::<Vec<_>>(),
            )
            .col(
                "rate_hz",
                o.loops.iter().map(|l| l.rate_hz).collect::<Vec<_>>(),
            )
            .col(
                "dw_rel",
                o.loops.iter().map(|l| l.dw_rel).collect::<Vec<_>>(),
            ),
    );
    let mut t = Table::new(format!("{k}_recall"));
    t.push_col(
        "trial",
        (0..r.pearson[0][0].len())
            .map(|i| i as f64)
            .collect::<Vec<_>>(),
    );
    for c in 0..2 {
        for s in 0..2 {
            t.push_col(
                format!("cue_{}_set_{}", SETS[c], SETS[s]),
                r.pearson[c][s].clone(),
            );
        }
    }
    rep.table(t);
}

/// Traces of the shown neurons under one cue with both target sets overlaid (stacked per neuron).
fn trace_panel(
    title: &str,
    r: &Recall,
    cue: usize,
    targets: [ArrayView2<'_, f64>; 2],
    dt_ms: f64,
    offset: f64,
    t0: f64,
) -> Panel {
    let mut series = Vec::new();
    let tt: Vec<f64> = (1..=targets[0].ncols()).map(|j| j as f64 * dt_ms).collect();
    for (m, y) in r.traces[cue].iter().enumerate() {
        let off = offset * m as f64;
        let lbl = |s: &str| if m == 0 { s.to_string() } else { String::new() };
        series.push(Series::line(
            lbl("target set A"),
            tt.clone(),
            targets[0]
                .row(m)
                .iter()
                .map(|v| v + off)
                .collect::<Vec<_>>(),
            Color::Blue,
        ));
        series.push(Series::dashed(
            lbl("target set B"),
            tt.clone(),
            targets[1]
                .row(m)
                .iter()
                .map(|v| v + off)
                .collect::<Vec<_>>(),
            Color::Green,
        ));
        series.push(Series::line(
            lbl("network"),
            r.t_ms[cue].clone(),
            y.iter().map(|v| v + off).collect::<Vec<_>>(),
            Color::Black,
        ));
    }
    Panel::lines(
        title,
        "time after stimulus offset (ms)",
        "neuron (stacked)",
        series,
    )
    .with_x_range(t0, targets[0].ncols() as f64 * dt_ms)
}

fn matrix_panel(title: &str, r: &Recall) -> Panel {
    let z = Array2::from_shape_fn((2, 2), |(s, c)| r.mean(c, s));
    Panel::heatmap(
        title,
        "cue (0 = A, 1 = B)",
        "target set (0 = A, 1 = B)",
        vec![0.0, 1.0],
        vec![0.0, 1.0],
        z,
        "mean Pearson r",
    )
    .with_z_range(-0.2, 1.0)
}

fn loop_panel(title: &str, o: &Outcome) -> Panel {
    let pick = |set: usize, own: bool| -> (Vec<f64>, Vec<f64>) {
        o.loops
            .iter()
            .enumerate()
            .filter(|(_, l)| l.set == set)
            .map(|(i, l)| ((i + 1) as f64, if own { l.own } else { l.other }))
            .unzip()
    };
    let (xa, ya) = pick(0, true);
    let (xb, yb) = pick(1, true);
    let (xa2, ya2) = pick(0, false);
    let (xb2, yb2) = pick(1, false);
    Panel::lines(
        title,
        "training loop (alternating A, B)",
        "mean Pearson r",
        vec![
            Series::line("set A loops: vs set A", xa, ya, Color::Blue),
            Series::line("set B loops: vs set B", xb, yb, Color::Green),
            Series::dashed("set A loops: vs set B", xa2, ya2, Color::LightBlue),
            Series::dashed("set B loops: vs set A", xb2, yb2, Color::Gray),
        ],
    )
    .with_y_range(-0.3, 1.0)
}

/// The 2×2 recall as points with s.d. over test trials: x = 1 AA, 2 AB, 3 BA, 4 BB.
fn bars_panel(outcomes: &[(Kind, &Outcome)]) -> Panel {
    let mut series = Vec::new();
    for (m, (kind, o)) in outcomes.iter().enumerate() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        let mut e = Vec::new();
        for c in 0..2 {
            for s in 0..2 {
                let v = &o.recall.pearson[c][s];
                let mu = mean(v);
                let sd = (v.iter().map(|a| (a - mu) * (a - mu)).sum::<f64>()
                    / v.len().max(1) as f64)
                    .sqrt();
                x.push((2 * c + s + 1) as f64 + 0.1 * m as f64);
                y.push(mu);
                e.push(sd);
            }
        }
        let color = if *kind == Kind::Drive {
            Color::Black
        } else {
            Color::Red
        };
        series.push(Series::points(kind.key(), x, y, color).with_err(e));
    }
    Panel::lines(
        "recall (cue, set): 1 = AA, 2 = AB, 3 = BA, 4 = BB",
        "cue, target set",
        "mean Pearson r (± s.d. over trials)",
        series,
    )
    .with_x_range(0.5, 4.6)
    .with_y_range(-0.3, 1.0)
}

impl Experiment for Fig2 {
    const NAME: &'static str = "fig2";
    const TITLE: &'static str =
        "Figure 2: one network learns two target sets, each recalled by its own stimulus";
    type Params = Fig2Params;

    fn params(profile: Profile) -> Fig2Params {
        let mut p = Fig2Params::default();
        if profile == Profile::Quick {
            // CI size: same network and targets, fewer loops and tests (bounds in data/published/fig2.toml):
            // 20 drive loops per set (the drive recall is near its plateau), 40 rate loops per set (rate
            // learning is slower and still rising there; about 2/3 of its default-size level).
            p.protocol.loops = 20;
            p.rate_loops = 40;
            p.protocol.test_trials = 3;
        }
        p
    }

    fn run(p: &Fig2Params, ctx: &Ctx) -> anyhow::Result<Report> {
        let grid = p.network.grid()?;
        let sched = p.protocol.schedule(&grid)?;
        let n = p.network.n;
        let dt_ms = p.network.dt_ms;
        let window = sched.train.window;
        let drive: Vec<Array2<f64>> = (0..2)
            .map(|s| {
                p.targets
                    .generate(n, window, dt_ms, &mut ctx.rng(Stream::Targets, s))
                    .with_context(|| format!("generating target set {}", SETS[s as usize]))
            })
            .collect::<anyhow::Result<_>>()?;
        let rate: Vec<Array2<f64>> = drive
            .iter()
            .map(|d| spikelearn_targets::rate_from_drive(d.view(), &Phi1))
            .collect();
        let stimuli = [0, 1].map(|s| p.protocol.stimulus(n, &mut ctx.rng(Stream::Stimulus, s)));
        let setup = Setup {
            p,
            ctx,
            sched,
            stimuli,
        };
        let mut rep = Report::new();

        // chance level of the off-diagonal: how much the two target sets correlate with each other
        let chance_drive = mean(&pearson_rows(drive[0].view(), drive[1].view()));
        let chance_rate = mean(&pearson_rows(rate[0].view(), rate[1].view()));
        rep.metric("targets_ab_pearson_drive", chance_drive);
        rep.metric("targets_ab_pearson_rate", chance_rate);

        // The drive and the rate training are independent jobs (`--jobs`; same results for any number).
        let mut jobs = vec![(Kind::Drive, [&drive[0], &drive[1]])];
        if p.rate {
            jobs.push((Kind::Rate, [&rate[0], &rate[1]]));
        }
        let mut outcomes = ctx
            .map_jobs(jobs, |(kind, targets)| {
                train_and_test(&setup, kind, targets)
            })?
            .into_iter();
        let d = outcomes.next().expect("the drive training ran");
        add_metrics(&mut rep, &d, Kind::Drive, chance_drive);
        let r = if let Some(r) = outcomes.next() {
            add_metrics(&mut rep, &r, Kind::Rate, chance_rate);
            // shot-noise ceiling of the filtered-spike-train measure, per set (as fig1)
            let ceil: Vec<f64> = (0..2)
                .map(|s| {
                    rate_ceiling(
                        &p.network,
                        drive[s].view(),
                        rate[s].view(),
                        &mut ctx.rng(Stream::Other(1), s as u64),
                    )
                })
                .collect::<Result<_, _>>()
                .context("rate ceiling")?;
            rep.metric("rate_ceiling_pearson_a", ceil[0]);
            rep.metric("rate_ceiling_pearson_b", ceil[1]);
            rep.metric(
                "rate_recall_diag_over_ceiling_min",
                (r.recall.mean(0, 0) / ceil[0]).min(r.recall.mean(1, 1) / ceil[1]),
            );
            Some(r)
        } else {
            None
        };

        let stim_ms = sched.train.stim as f64 * dt_ms;
        let t0 = -stim_ms - 100.0;
        let mut fig = Figure::new("fig2", Self::TITLE, 3);
        let mut all = vec![(Kind::Drive, &d, [drive[0].view(), drive[1].view()], 3.0)];
        if let Some(r) = &r {
            all.push((Kind::Rate, r, [rate[0].view(), rate[1].view()], 1.0));
        }
        for (kind, o, tg, off) in &all {
            let k = kind.key();
            let what = if *kind == Kind::Drive {
                "synaptic drive"
            } else {
                "filtered spike train"
            };
            for c in 0..2 {
                let color = if c == 0 {
                    Color::LightBlue
                } else {
                    Color::Rgb(190, 235, 190)
                };
                fig.push_panel(
                    trace_panel(
                        &format!("{k}: {what}, cue {} (test)", SETS[c].to_uppercase()),
                        &o.recall,
                        c,
                        *tg,
                        dt_ms,
                        *off,
                        t0,
                    )
                    .with_span(-stim_ms, 0.0, color),
                );
            }
            let m = &o.recall;
            fig.push_panel(matrix_panel(
                &format!(
                    "{k} recall: AA {:.2} AB {:.2} BA {:.2} BB {:.2}",
                    m.mean(0, 0),
                    m.mean(0, 1),
                    m.mean(1, 0),
                    m.mean(1, 1)
                ),
                m,
            ));
        }
        for (kind, o, _, _) in &all {
            fig.push_panel(loop_panel(
                &format!("{}: Pearson per training loop", kind.key()),
                o,
            ));
        }
        let outs: Vec<(Kind, &Outcome)> = all.iter().map(|(k, o, _, _)| (*k, *o)).collect();
        fig.push_panel(bars_panel(&outs));
        rep.figure(fig);
        rep.note(format!(
            "dt = {} ms, Δt = {} ms, λ = {}, {} drive and {} rate loops per set (alternating), one P per neuron \
             shared by both sets, stimulus {} ms U[-{a}, {a}] (one vector per set) after a free run of \
             U[{}, {}] ms, {} test trials per cue (free run {} ms)",
            dt_ms,
            p.protocol.learn_every_ms,
            p.protocol.lambda,
            p.protocol.loops,
            if p.rate { p.rate_loops } else { 0 },
            p.protocol.stim_ms,
            p.protocol.pre_ms,
            p.protocol.pre_ms + p.protocol.pre_jitter_ms,
            p.protocol.test_trials,
            p.protocol.pre_ms,
            a = p.protocol.stim_amp
        ));
        Ok(rep)
    }
}
