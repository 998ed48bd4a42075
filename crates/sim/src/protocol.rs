//! The generic training / testing protocol of the paper (paper-spec §3.4), shared by every figure.
//!
//! A training *loop* (= "training trial") is one call of [`crate::Network::run`] with a learner: free run,
//! stimulus, then the target window with an RLS update every Δt; the network state is carried over between
//! loops (the authors' code). A *test* trial resets the network (fresh random phases, r = u = 0), applies the
//! same stimulus and runs without learning. Performance is the mean over neurons of the Pearson correlation
//! between target and response over the window (§10).

use crate::error::check_range;
use crate::{
    Grid, Input, Learner, Network, NeuronModel, Recorder, SimError, SparseRows, SpikeRecorder,
    Trial, Variable, WindowRecorder, units,
};
use ndarray::{Array2, ArrayView2};
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use spikelearn_meanfield::stats::pearson;
use spikelearn_rls::Kernel;

/// How the initial recurrent weights W0 are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialWeights {
    /// W_ij = σ z / sqrt(N p) on a Bernoulli(p) mask (plastic set = the non-zeros).
    Gaussian,
    /// W0 = 0 with a Bernoulli(p) plastic mask (Figs 6–7, Fig 1—supplement 2).
    Zero,
}

/// Network settings.
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | n | 500 | N | neurons | ≥ 2 | Fig 3 Methods |
/// | p | 0.3 | p | – | (0, 1] | all figures |
/// | sigma | 1.0 | σ | – | ≥ 0 | Fig 3 (Fig 1, 2: 4) |
/// | zero_row_mean | false | – | – | – | Fig 1, 2: true |
/// | initial | gaussian | W0 | – | gaussian, zero | Figs 6–7: zero |
/// | tau_s_ms | 20 | τ_s | ms | > 0 | Figs 1–3 |
/// | dt_ms | 1 | – | ms | (0, 10] | authors' code (paper-spec §2.5) |
/// | cos | fast | – | – | fast (vectorised cos θ, same bits everywhere), libm (the platform's cos) | this project |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkParams {
    /// Number of neurons N.
    pub n: usize,
    /// Connection (plastic-mask) probability p.
    pub p: f64,
    /// Initial coupling strength σ.
    pub sigma: f64,
    /// Subtract each row's mean over its non-zeros (rows sum to zero; Fig 1).
    pub zero_row_mean: bool,
    /// Initial weights.
    pub initial: InitialWeights,
    /// Synaptic decay time τ_s in ms.
    pub tau_s_ms: f64,
    /// Integration step in ms.
    pub dt_ms: f64,
    /// How the theta neurons evaluate cos θ: `fast` (default, [`crate::CosImpl::Fast`]: ≈ 2.6× faster neuron
    /// steps, the same bits on every platform) or `libm` (the platform's `cos`; within 2⁻⁵² of `fast`).
    pub cos: crate::CosImpl,
}

impl Default for NetworkParams {
    fn default() -> Self {
        Self {
            n: 500,
            p: 0.3,
            sigma: 1.0,
            zero_row_mean: false,
            initial: InitialWeights::Gaussian,
            tau_s_ms: 20.0,
            dt_ms: 1.0,
            cos: crate::CosImpl::default(),
        }
    }
}

/// Training and test protocol.
///
/// | field | default | paper symbol | units | range | source |
/// |---|---|---|---|---|---|
/// | pre_ms | 1000 | – | ms | ≥ 0 | authors' code free run before each stimulus |
/// | pre_jitter_ms | 0 | – | ms | ≥ 0 | random extra free run per training loop (§12.14) |
/// | stim_ms | 100 | – | ms | ≥ 0 | Methods (Figs 1–2: 50) |
/// | stim_amp | 1.0 | – | – | ≥ 0 | Methods: I_i ~ U[−1, 1] (code: 2) |
/// | window_ms | 1000 | T | ms | > 0 | Figs 1–3 |
/// | post_ms | 0 | – | ms | ≥ 0 | test trials run on after the window |
/// | learn_every_ms | 2 | Δt | ms | ≥ dt | Figs 1–3, 6, 7 |
/// | lambda | 1 | λ | – | > 0 | Figs 1, 3, 6, 7 (Fig 2, 4: 10) |
/// | loops | 30 | – | – | ≥ 0 | Fig 3, 6, 7 |
/// | test_trials | 5 | – | – | ≥ 1 | this project |
/// | kernel | packed | – | – | reference, packed (exact f64), packed_f32 (opt-in f32 storage of P) | this project |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProtocolParams {
    /// Free run before each stimulus (ms).
    pub pre_ms: f64,
    /// Training loops draw their free run uniformly from [pre_ms, pre_ms + pre_jitter_ms] (the paper's
    /// stimulus "applied at random times", paper-spec §12.14); 0 = the authors' code (fixed free run).
    pub pre_jitter_ms: f64,
    /// Stimulus duration (ms).
    pub stim_ms: f64,
    /// Stimulus amplitude a: I_i ~ U[−a, a].
    pub stim_amp: f64,
    /// Target window length T (ms).
    pub window_ms: f64,
    /// Extra free run after the window in test trials (ms).
    pub post_ms: f64,
    /// RLS update interval Δt (ms).
    pub learn_every_ms: f64,
    /// RLS regulariser λ (P(0) = I/λ).
    pub lambda: f64,
    /// Number of training loops.
    pub loops: usize,
    /// Number of test trials.
    pub test_trials: usize,
    /// RLS kernel: `packed` (default, exact f64), `reference`, or `packed_f32` (opt-in f32 storage of the
    /// RLS matrices; see `spikelearn_rls::Kernel::PackedF32`).
    pub kernel: Kernel,
}

impl Default for ProtocolParams {
    fn default() -> Self {
        Self {
            pre_ms: 1000.0,
            pre_jitter_ms: 0.0,
            stim_ms: 100.0,
            stim_amp: 1.0,
            window_ms: 1000.0,
            post_ms: 0.0,
            learn_every_ms: 2.0,
            lambda: 1.0,
            loops: 30,
            test_trials: 5,
            kernel: Kernel::Packed,
        }
    }
}

impl NetworkParams {
    /// Check every field; the error names the field as `network.<name>`.
    pub fn validate(&self) -> Result<(), SimError> {
        check_range("network.n", self.n as f64, self.n >= 2, ">= 2")?;
        check_range("network.p", self.p, self.p > 0.0 && self.p <= 1.0, "(0, 1]")?;
        check_range("network.sigma", self.sigma, self.sigma >= 0.0, "[0, inf)")?;
        check_range(
            "network.tau_s_ms",
            self.tau_s_ms,
            self.tau_s_ms > 0.0,
            "(0, inf) ms",
        )?;
        check_range(
            "network.dt_ms",
            self.dt_ms,
            self.dt_ms > 0.0 && self.dt_ms <= 10.0,
            "(0, 10] ms",
        )?;
        Ok(())
    }
    /// The time grid.
    pub fn grid(&self) -> Result<Grid, SimError> {
        Grid::new(self.dt_ms)
    }
    /// Draw W0 (and with it the plastic mask).
    pub fn weights<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<SparseRows, SimError> {
        match self.initial {
            InitialWeights::Gaussian => {
                SparseRows::gaussian(self.n, self.p, self.sigma, self.zero_row_mean, rng)
            }
            InitialWeights::Zero => SparseRows::zero_mask(self.n, self.p, rng),
        }
    }
    /// N theta neurons with phases drawn from `rng` and cos θ evaluated as `cos` says.
    pub fn theta_neurons(&self, rng: &mut dyn RngCore) -> crate::Theta {
        crate::Theta::new(self.n, rng).with_cos(self.cos)
    }
    /// Build a theta-neuron network with weights `w`, initial phases drawn from `rng`.
    pub fn theta_network(
        &self,
        w: SparseRows,
        rng: &mut dyn RngCore,
    ) -> Result<Network<crate::Theta>, SimError> {
        Network::new(
            self.theta_neurons(rng),
            w,
            units::ms_to_tau(self.dt_ms),
            units::ms_to_tau(self.tau_s_ms),
        )
    }
}

/// The protocol converted to steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// One training loop.
    pub train: Trial,
    /// One test trial: from a reset state (random phases, r = u = 0) the same free run, stimulus and window
    /// as a training loop, then `post` more steps (the authors' `run_test.jl`).
    pub test: Trial,
    /// Learning interval in steps.
    pub every: usize,
    /// Maximum extra free-run steps drawn per training loop.
    pub jitter: usize,
}

impl Schedule {
    /// The trial of one training loop: `train` with `pre` extended by U{0..=jitter} steps drawn from `rng`
    /// (no draw at all when jitter = 0, so results then do not depend on `rng`).
    pub fn train_trial(&self, rng: &mut dyn RngCore) -> Trial {
        let mut t = self.train;
        if self.jitter > 0 {
            t.pre += rng.random_range(0..=self.jitter);
        }
        t
    }
}

impl ProtocolParams {
    /// Check every field; the error names the field as `protocol.<name>`.
    pub fn validate(&self) -> Result<(), SimError> {
        check_range(
            "protocol.pre_ms",
            self.pre_ms,
            self.pre_ms >= 0.0,
            "[0, inf) ms",
        )?;
        check_range(
            "protocol.pre_jitter_ms",
            self.pre_jitter_ms,
            self.pre_jitter_ms >= 0.0,
            "[0, inf) ms",
        )?;
        check_range(
            "protocol.stim_ms",
            self.stim_ms,
            self.stim_ms >= 0.0,
            "[0, inf) ms",
        )?;
        check_range(
            "protocol.stim_amp",
            self.stim_amp,
            self.stim_amp >= 0.0,
            "[0, inf)",
        )?;
        check_range(
            "protocol.window_ms",
            self.window_ms,
            self.window_ms > 0.0,
            "(0, inf) ms",
        )?;
        check_range(
            "protocol.post_ms",
            self.post_ms,
            self.post_ms >= 0.0,
            "[0, inf) ms",
        )?;
        check_range(
            "protocol.learn_every_ms",
            self.learn_every_ms,
            self.learn_every_ms > 0.0,
            "(0, inf) ms",
        )?;
        check_range(
            "protocol.lambda",
            self.lambda,
            self.lambda > 0.0,
            "(0, inf)",
        )?;
        check_range(
            "protocol.test_trials",
            self.test_trials as f64,
            self.test_trials >= 1,
            ">= 1",
        )?;
        Ok(())
    }
    /// Convert to integer steps on `grid` (errors name durations that are not whole steps).
    pub fn schedule(&self, grid: &Grid) -> Result<Schedule, SimError> {
        let pre = grid.steps("protocol.pre_ms", self.pre_ms)?;
        let stim = grid.steps("protocol.stim_ms", self.stim_ms)?;
        let window = grid.steps("protocol.window_ms", self.window_ms)?;
        let post = grid.steps("protocol.post_ms", self.post_ms)?;
        let every = grid.steps("protocol.learn_every_ms", self.learn_every_ms)?;
        let jitter = grid.steps("protocol.pre_jitter_ms", self.pre_jitter_ms)?;
        if every == 0 {
            return Err(SimError::OutOfRange {
                field: "protocol.learn_every_ms",
                value: self.learn_every_ms,
                expected: ">= dt_ms",
            });
        }
        Ok(Schedule {
            train: Trial {
                pre,
                stim,
                window,
                post: 0,
            },
            test: Trial {
                pre,
                stim,
                window,
                post,
            },
            every,
            jitter,
        })
    }
    /// Stimulus vector I_i ~ U[−a, a] (drawn once, reused in every loop and test).
    pub fn stimulus<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Vec<f64> {
        (0..n)
            .map(|_| self.stim_amp * (2.0 * rng.random::<f64>() - 1.0))
            .collect()
    }
}

/// Pearson correlation per neuron between rows of `response` and `targets` (N × steps). A neuron whose
/// response or target is constant scores 0 (it did not follow the target).
pub fn pearson_rows(response: ArrayView2<'_, f64>, targets: ArrayView2<'_, f64>) -> Vec<f64> {
    response
        .rows()
        .into_iter()
        .zip(targets.rows())
        .map(|(a, b)| {
            let a = a.to_vec();
            let b = b.to_vec();
            pearson(&a, &b).unwrap_or(0.0)
        })
        .collect()
}

/// Mean of a slice (0 for an empty slice).
pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// What one trial produced.
#[derive(Debug, Clone)]
pub struct TrialStats {
    /// Recorded response over the window (N × window steps).
    pub response: Array2<f64>,
    /// Pearson correlation of each neuron's response with its target.
    pub pearson: Vec<f64>,
    /// Mean of `pearson`.
    pub mean_pearson: f64,
    /// Population firing rate in the window (Hz).
    pub rate_hz: f64,
    /// Spikes of the whole trial (trial step, neuron) for neurons below the raster limit.
    pub spikes: Vec<(u32, u32)>,
    /// Spike counts per neuron in the window.
    pub window_counts: Vec<u64>,
}

/// Run one trial with the given learner (None = no learning), recording `measure` over the window and
/// comparing it with `targets`; `raster` is the number of neurons whose spikes are kept.
pub fn run_trial<M: NeuronModel>(
    net: &mut Network<M>,
    trial: &Trial,
    input: &Input<'_>,
    learner: Option<&mut dyn Learner>,
    measure: Variable,
    targets: ArrayView2<'_, f64>,
    raster: usize,
    extra: &mut [&mut dyn Recorder],
) -> Result<TrialStats, SimError> {
    let n = net.n();
    if targets.nrows() != n || targets.ncols() != trial.window {
        return Err(SimError::Shape {
            what: "targets (N x window steps)",
            got: targets.ncols(),
            expected: trial.window,
        });
    }
    let mut win = WindowRecorder::new(measure, n, trial.window);
    let mut spk = SpikeRecorder::new(n, raster);
    {
        let mut recs: Vec<&mut dyn Recorder> = vec![&mut win, &mut spk];
        for e in extra.iter_mut() {
            recs.push(&mut **e);
        }
        net.run(trial, input, learner, &mut recs)?;
    }
    let pearson = pearson_rows(win.data.view(), targets);
    Ok(TrialStats {
        mean_pearson: mean(&pearson),
        pearson,
        rate_hz: units::per_tau_to_hz(spk.window_rate(net.dt())),
        spikes: spk.spikes,
        window_counts: spk.window_counts,
        response: win.data,
    })
}

/// A test trial: reset the state with `rng` (fresh random phases, r = u = 0), then [`run_trial`] without
/// learning. Use [`Schedule::test`]: like the authors' code, the network runs freely for `pre` steps before
/// the stimulus, so the stimulus arrives on spontaneous activity exactly as in training.
pub fn test_trial<M: NeuronModel>(
    net: &mut Network<M>,
    trial: &Trial,
    input: &Input<'_>,
    rng: &mut dyn RngCore,
    measure: Variable,
    targets: ArrayView2<'_, f64>,
    raster: usize,
    extra: &mut [&mut dyn Recorder],
) -> Result<TrialStats, SimError> {
    net.reset(rng);
    run_trial(net, trial, input, None, measure, targets, raster, extra)
}

/// Summary of one training loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopRecord {
    /// Loop index (0-based).
    pub index: usize,
    /// Mean Pearson correlation between the measured variable and the targets during this loop.
    pub mean_pearson: f64,
    /// Population rate in the window (Hz).
    pub rate_hz: f64,
    /// ‖W − W0‖_F after the loop.
    pub dw_fro: f64,
}

/// Run `loops` training loops (state carried over; each loop's trial from [`Schedule::train_trial`] with
/// `rng`), calling `observe(loop, stats)` after each. `w0` is the initial weight matrix for the ‖W − W0‖_F
/// record.
pub fn train_loops<M: NeuronModel>(
    net: &mut Network<M>,
    sched: &Schedule,
    rng: &mut dyn RngCore,
    input: &Input<'_>,
    learner: &mut dyn Learner,
    measure: Variable,
    targets: ArrayView2<'_, f64>,
    loops: usize,
    raster: usize,
    w0: &SparseRows,
    observe: &mut dyn FnMut(usize, &TrialStats),
) -> Result<Vec<LoopRecord>, SimError> {
    let mut out = Vec::with_capacity(loops);
    for index in 0..loops {
        let trial = sched.train_trial(rng);
        let stats = run_trial(
            net,
            &trial,
            input,
            Some(&mut *learner),
            measure,
            targets,
            raster,
            &mut [],
        )?;
        out.push(LoopRecord {
            index,
            mean_pearson: stats.mean_pearson,
            rate_hz: stats.rate_hz,
            dw_fro: net.w.frobenius_distance(w0),
        });
        observe(index, &stats);
    }
    Ok(out)
}

/// The best Pearson correlation a single trial's filtered spike trains can reach against rate targets: N
/// uncoupled theta neurons (W = 0, the τ_s and dt of `params`) receive exactly their drive targets f_i(t) as
/// external input, so that their instantaneous rate is φ1(f_i(t)) = `rate_targets` (paper-spec §3.3), and are
/// measured like a trained network (filtered spike train r_i vs the rate target over the window, mean over
/// neurons). Spike-train (shot) noise keeps this below 1 (variance ∝ 1/τ_s, §11.1 A8); it is the ceiling of
/// the rate-training Pearson. A warm-up of one window at f_i(first step) precedes the window; initial phases
/// come from `rng`.
pub fn rate_ceiling(
    params: &NetworkParams,
    drive: ArrayView2<'_, f64>,
    rate_targets: ArrayView2<'_, f64>,
    rng: &mut dyn RngCore,
) -> Result<f64, SimError> {
    let (n, window) = drive.dim();
    if rate_targets.dim() != (n, window) || n != params.n {
        return Err(SimError::Shape {
            what: "rate targets (N x window steps)",
            got: rate_targets.nrows(),
            expected: n,
        });
    }
    let mut input = Array2::<f64>::zeros((2 * window, n));
    for i in 0..n {
        for k in 0..window {
            input[[k, i]] = drive[[i, 0]];
            input[[window + k, i]] = drive[[i, k]];
        }
    }
    let empty = SparseRows::from_rows(n, vec![Vec::new(); n])?;
    let mut net = params.theta_network(empty, rng)?;
    let zeros = vec![0.0; n];
    let inp = Input {
        stimulus: &zeros,
        bias: None,
        noise: Some(input.view()),
    };
    let trial = Trial {
        pre: window,
        stim: 0,
        window,
        post: 0,
    };
    let st = run_trial(
        &mut net,
        &trial,
        &inp,
        None,
        Variable::Rate,
        rate_targets,
        0,
        &mut [],
    )?;
    Ok(st.mean_pearson)
}
