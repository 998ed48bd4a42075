//! The network and its one simulation loop.

use crate::{Learner, NeuronModel, Recorder, SimError, SparseRows};
use ndarray::ArrayView2;
use rand::RngCore;

/// The phases of one trial (training loop or test run), in integer steps.
///
/// A trial is: `pre` steps of free running, `stim` steps with the stimulus on, the target `window`
/// (learning allowed), then `post` steps of free running (tests look beyond the window). Window step j
/// (1-based) lies at time j·dt after stimulus offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trial {
    /// Free-running steps before the stimulus.
    pub pre: usize,
    /// Stimulus steps.
    pub stim: usize,
    /// Target-window steps (learning happens only here).
    pub window: usize,
    /// Free-running steps after the window.
    pub post: usize,
}

impl Trial {
    /// Total number of steps.
    pub fn len(&self) -> usize {
        self.pre + self.stim + self.window + self.post
    }
    /// True when the trial has no steps.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Phase of trial step k (1-based).
    pub fn phase(&self, k: usize) -> Phase {
        if k <= self.pre {
            Phase::Pre
        } else if k <= self.pre + self.stim {
            Phase::Stim
        } else if k <= self.pre + self.stim + self.window {
            Phase::Window
        } else {
            Phase::Post
        }
    }
    /// Step index (1-based) of the last stimulus step, k_off in paper-spec §13.
    pub fn k_off(&self) -> usize {
        self.pre + self.stim
    }
    /// Window step j = k − k_off of trial step k, or `None` outside the target window.
    pub fn window_step(&self, k: usize) -> Option<usize> {
        (self.phase(k) == Phase::Window).then(|| k - self.k_off())
    }
}

/// The learning-step rule of every time loop (paper-spec §13, the authors' code): a step learns when it is
/// window step j with j ≥ 2 and j a multiple of the learner's interval `every` (in steps). Returns that j.
pub(crate) fn learning_step(window_step: Option<usize>, every: usize) -> Option<usize> {
    window_step.filter(|&j| j >= 2 && j % every.max(1) == 0)
}

/// A run diverged when its state vector has a non-finite entry: the error names the step and the first
/// such neuron.
pub(crate) fn check_finite(step: usize, values: &[f64]) -> Result<(), SimError> {
    match values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((neuron, &value)) => Err(SimError::Diverged {
            step,
            neuron,
            value,
        }),
        None => Ok(()),
    }
}

/// Which part of the trial a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Free run before the stimulus.
    Pre,
    /// Stimulus on.
    Stim,
    /// Target window.
    Window,
    /// Free run after the window.
    Post,
}

/// External input I(t) to every neuron: the stimulus vector during the stimulus phase, plus an optional
/// constant bias and an optional frozen noise realisation (trial steps × N; Fig 3—supplement 3).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Stimulus amplitude per neuron (applied only during [`Phase::Stim`]).
    pub stimulus: &'a [f64],
    /// Constant input per neuron for the whole trial.
    pub bias: Option<&'a [f64]>,
    /// Frozen noise, row k−1 added at trial step k.
    pub noise: Option<ArrayView2<'a, f64>>,
}

impl Input<'_> {
    /// Check the sizes against a network of `n` neurons and a trial (shared by every time loop).
    pub(crate) fn check(&self, n: usize, trial: &Trial) -> Result<(), SimError> {
        if self.stimulus.len() != n {
            return Err(SimError::Shape {
                what: "stimulus",
                got: self.stimulus.len(),
                expected: n,
            });
        }
        if let Some(b) = self.bias
            && b.len() != n
        {
            return Err(SimError::Shape {
                what: "bias",
                got: b.len(),
                expected: n,
            });
        }
        if let Some(z) = self.noise
            && (z.ncols() != n || z.nrows() < trial.len())
        {
            return Err(SimError::Shape {
                what: "noise rows",
                got: z.nrows(),
                expected: trial.len(),
            });
        }
        Ok(())
    }

    /// I at trial step k (1-based): stimulus (only in [`Phase::Stim`]) + bias + noise row k−1.
    pub(crate) fn fill(&self, phase: Phase, k: usize, ext: &mut [f64]) {
        match phase {
            Phase::Stim => ext.copy_from_slice(self.stimulus),
            _ => ext.iter_mut().for_each(|v| *v = 0.0),
        }
        if let Some(b) = self.bias {
            ext.iter_mut().zip(b).for_each(|(e, b)| *e += b);
        }
        if let Some(z) = self.noise {
            ext.iter_mut().zip(z.row(k - 1)).for_each(|(e, z)| *e += z);
        }
    }
}

/// What recorders see after each step.
#[derive(Debug)]
pub struct StepView<'a> {
    /// Trial step k (1-based).
    pub step: usize,
    /// Phase of this step.
    pub phase: Phase,
    /// Window step j (1-based) when in the window.
    pub window_step: Option<usize>,
    /// Time in τ units relative to stimulus offset (k − k_off)·dt.
    pub time: f64,
    /// Neuron state (θ or v).
    pub state: &'a [f64],
    /// Filtered spike trains r (per τ).
    pub r: &'a [f64],
    /// Synaptic drive u = W r.
    pub u: &'a [f64],
    /// Neurons that spiked in this step (ascending).
    pub spikes: &'a [usize],
    /// External input I applied during this step.
    pub ext: &'a [f64],
}

/// A recurrent network of spiking neurons with single-exponential synapses:
/// τ_s dr_j/dt = −r_j + Σ_k δ(t − t_j^k) (eq 7), u = W r (eq 8).
#[derive(Debug, Clone)]
pub struct Network<M: NeuronModel> {
    /// The neurons.
    pub neurons: M,
    /// Recurrent weights (CSR; stored pattern = plastic mask).
    pub w: SparseRows,
    dt: f64,
    inv_tau_s: f64,
    decay: f64,
    r: Vec<f64>,
    u: Vec<f64>,
    x: Vec<f64>,
    ext: Vec<f64>,
    spiked: Vec<usize>,
    /// W changed since u was last recomputed in full.
    u_stale: bool,
}

/// Steps between full recomputations of u = W r in event-driven stretches (bounds rounding drift).
const RESYNC_EVERY: usize = 512;

impl<M: NeuronModel> Network<M> {
    /// A network with step `dt` and synaptic time constant `tau_s` (both in τ units).
    pub fn new(neurons: M, w: SparseRows, dt: f64, tau_s: f64) -> Result<Self, SimError> {
        let n = neurons.len();
        if w.n() != n {
            return Err(SimError::Shape {
                what: "weights",
                got: w.n(),
                expected: n,
            });
        }
        if !(tau_s > 0.0 && tau_s.is_finite()) {
            return Err(SimError::OutOfRange {
                field: "tau_s_ms",
                value: tau_s * 10.0,
                expected: "(0, inf) ms",
            });
        }
        if !(dt > 0.0 && dt.is_finite()) {
            return Err(SimError::OutOfRange {
                field: "dt_ms",
                value: dt * 10.0,
                expected: "(0, 10] ms",
            });
        }
        let b = 1.0 / tau_s;
        // RK4 increment of dr/dt = −b r over dt, as a factor: 1 − h + h²/2 − h³/6 + h⁴/24, h = b·dt.
        let h = b * dt;
        let decay = 1.0 - h + h * h / 2.0 - h * h * h / 6.0 + h * h * h * h / 24.0;
        Ok(Self {
            neurons,
            w,
            dt,
            inv_tau_s: b,
            decay,
            r: vec![0.0; n],
            u: vec![0.0; n],
            x: vec![0.0; n],
            ext: vec![0.0; n],
            spiked: Vec::with_capacity(n),
            u_stale: false,
        })
    }

    /// Number of neurons N.
    pub fn n(&self) -> usize {
        self.u.len()
    }
    /// Time step (τ units).
    pub fn dt(&self) -> f64 {
        self.dt
    }
    /// Synaptic time constant τ_s (τ units).
    pub fn tau_s(&self) -> f64 {
        1.0 / self.inv_tau_s
    }
    /// Filtered spike trains r.
    pub fn r(&self) -> &[f64] {
        &self.r
    }
    /// Synaptic drive u.
    pub fn u(&self) -> &[f64] {
        &self.u
    }

    /// New trial state: fresh random neuron state, r = 0, u = 0 (test trials, paper-spec §3.4 step 4).
    pub fn reset(&mut self, rng: &mut dyn RngCore) {
        self.neurons.reset(rng);
        self.r.iter_mut().for_each(|v| *v = 0.0);
        self.u.iter_mut().for_each(|v| *v = 0.0);
        self.u_stale = false;
    }

    /// Mark W as changed from outside (lesions, manual edits): u is recomputed in full at the next step.
    pub fn weights_changed(&mut self) {
        self.u_stale = true;
    }

    /// **The** simulation loop. Runs one trial from the current state (state carries over between calls).
    ///
    /// Step order for trial step k = 1..=trial.len() (paper-spec §2.5 and §13, the authors' code order):
    /// 1. I ← stimulus (if k is in the stimulus phase) + bias + noise[k−1]; x = u + I, frozen over the step;
    /// 2. neurons advance by dt with input x (RK4 for θ) and report spikes;
    /// 3. r ← decay·r + (1/τ_s)·[spiked], decay = RK4 factor of dr/dt = −r/τ_s (spike increment not decayed);
    /// 4. u ← W r (event-driven: u ← decay·u + (1/τ_s) Σ_{spiked j} W[:, j], exact for unchanged W; a full
    ///    product after W changed and every 512 steps);
    /// 5. in the window, on learning steps j (j ≥ 2 and j a multiple of the learner's interval): learning
    ///    update of W from this r, the target at j and I (u for the next step is the one of step 4: one-step
    ///    lag, as the code);
    /// 6. recorders observe the step.
    pub fn run(
        &mut self,
        trial: &Trial,
        input: &Input<'_>,
        mut learner: Option<&mut dyn Learner>,
        recorders: &mut [&mut dyn Recorder],
    ) -> Result<(), SimError> {
        input.check(self.n(), trial)?;
        let k_off = trial.k_off();
        let every = learner.as_ref().map(|l| l.every().max(1)).unwrap_or(1);
        let mut since_sync = 0usize;
        for k in 1..=trial.len() {
            let phase = trial.phase(k);
            // 1. external input
            input.fill(phase, k, &mut self.ext);
            for ((x, u), e) in self.x.iter_mut().zip(&self.u).zip(&self.ext) {
                *x = u + e;
            }
            // 2. neurons
            self.spiked.clear();
            self.neurons.step(&self.x, self.dt, &mut self.spiked);
            // 3. synaptic filter
            for r in &mut self.r {
                *r *= self.decay;
            }
            for &j in &self.spiked {
                self.r[j] += self.inv_tau_s;
            }
            // 4. drive
            since_sync += 1;
            if self.u_stale || since_sync >= RESYNC_EVERY {
                self.w.matvec(&self.r, &mut self.u);
                self.u_stale = false;
                since_sync = 0;
            } else {
                for u in &mut self.u {
                    *u *= self.decay;
                }
                for &j in &self.spiked {
                    self.w.add_column(j, self.inv_tau_s, &mut self.u);
                }
            }
            check_finite(k, &self.u)?;
            // 5. learning
            let window_step = trial.window_step(k);
            if let (Some(j), Some(l)) = (learning_step(window_step, every), learner.as_deref_mut())
            {
                l.learn(j, &self.r, &self.ext, &mut self.w)?;
                self.u_stale = true;
            }
            // 6. recorders
            if !recorders.is_empty() {
                let view = StepView {
                    step: k,
                    phase,
                    window_step,
                    time: (k as f64 - k_off as f64) * self.dt,
                    state: self.neurons.state(),
                    r: &self.r,
                    u: &self.u,
                    spikes: &self.spiked,
                    ext: &self.ext,
                };
                for rec in recorders.iter_mut() {
                    rec.record(&view);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trial of 2 + 3 + 7 + 1 steps: the window holds trial steps 6..=12 (j = 1..=7). With every = 2 the
    /// learning steps are j = 2, 4, 6 (j ≥ 2 and a multiple of the interval; paper-spec §13), with every = 1
    /// j = 2..=7, and no step learns outside the window.
    #[test]
    fn learning_steps_follow_the_window_rule() {
        let trial = Trial {
            pre: 2,
            stim: 3,
            window: 7,
            post: 1,
        };
        let window: Vec<_> = (1..=trial.len())
            .filter_map(|k| trial.window_step(k))
            .collect();
        assert_eq!(window, (1..=7).collect::<Vec<_>>());
        assert_eq!(trial.window_step(5), None);
        assert_eq!(trial.window_step(6), Some(1));
        assert_eq!(trial.window_step(13), None);
        let learn = |every| -> Vec<usize> {
            (1..=trial.len())
                .filter_map(|k| learning_step(trial.window_step(k), every))
                .collect()
        };
        assert_eq!(learn(2), vec![2, 4, 6]);
        assert_eq!(learn(1), vec![2, 3, 4, 5, 6, 7]);
        assert_eq!(learn(0), learn(1), "an interval of 0 counts as 1");
    }

    /// A non-finite state is reported with its trial step and the lowest such neuron (∞ before NaN here).
    #[test]
    fn divergence_names_step_and_first_neuron() {
        assert!(check_finite(3, &[0.0, 1.0]).is_ok());
        match check_finite(7, &[0.0, f64::INFINITY, f64::NAN]) {
            Err(SimError::Diverged {
                step: 7, neuron: 1, ..
            }) => {}
            other => panic!("expected Diverged at step 7, neuron 1, got {other:?}"),
        }
    }
}
