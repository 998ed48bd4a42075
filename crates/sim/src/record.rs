//! Recorders: plug-ins that observe the simulation loop (like Brian2 monitors).

use crate::network::{Phase, StepView};
use ndarray::Array2;

/// Observes every step of [`crate::Network::run`].
pub trait Recorder {
    /// Called after each step.
    fn record(&mut self, view: &StepView<'_>);
}

/// Which per-neuron quantity to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    /// Synaptic drive u.
    Drive,
    /// Filtered spike train r (per τ).
    Rate,
    /// Neuron state (θ or v).
    State,
    /// Total input u + I.
    Input,
}

fn pick<'a>(v: &'a StepView<'a>, var: Variable, i: usize) -> f64 {
    match var {
        Variable::Drive => v.u[i],
        Variable::Rate => v.r[i],
        Variable::State => v.state[i],
        Variable::Input => v.u[i] + v.ext[i],
    }
}

/// Records one variable of all neurons over the target window: an N × window matrix (column j−1 = step j).
#[derive(Debug, Clone)]
pub struct WindowRecorder {
    /// What is recorded.
    pub var: Variable,
    /// N × window values.
    pub data: Array2<f64>,
}

impl WindowRecorder {
    /// Recorder for `n` neurons over `steps` window steps.
    pub fn new(var: Variable, n: usize, steps: usize) -> Self {
        Self {
            var,
            data: Array2::zeros((n, steps)),
        }
    }
}

impl Recorder for WindowRecorder {
    fn record(&mut self, v: &StepView<'_>) {
        if let Some(j) = v.window_step
            && j <= self.data.ncols()
        {
            let mut col = self.data.column_mut(j - 1);
            for i in 0..col.len() {
                col[i] = pick(v, self.var, i);
            }
        }
    }
}

/// Records every spike of the trial as (trial step, neuron), and counts window spikes per neuron.
#[derive(Debug, Clone, Default)]
pub struct SpikeRecorder {
    /// (trial step k, neuron) for neurons below `max_neuron`.
    pub spikes: Vec<(u32, u32)>,
    /// Only neurons with index < max_neuron are stored in `spikes` (all are counted).
    pub max_neuron: usize,
    /// Spikes per neuron inside the target window.
    pub window_counts: Vec<u64>,
    /// Number of window steps seen.
    pub window_steps: usize,
}

impl SpikeRecorder {
    /// Recorder storing spikes of neurons `0..max_neuron` and counting window spikes of all `n`.
    pub fn new(n: usize, max_neuron: usize) -> Self {
        Self {
            spikes: Vec::new(),
            max_neuron,
            window_counts: vec![0; n],
            window_steps: 0,
        }
    }
    /// Population rate in the window, spikes per neuron per τ (× 100 for Hz), given dt in τ units.
    pub fn window_rate(&self, dt: f64) -> f64 {
        let total: u64 = self.window_counts.iter().sum();
        total as f64 / (self.window_counts.len() as f64 * self.window_steps as f64 * dt)
    }
}

impl Recorder for SpikeRecorder {
    fn record(&mut self, v: &StepView<'_>) {
        let in_window = v.phase == Phase::Window;
        if in_window {
            self.window_steps += 1;
        }
        for &i in v.spikes {
            if i < self.max_neuron {
                self.spikes.push((v.step as u32, i as u32));
            }
            if in_window {
                self.window_counts[i] += 1;
            }
        }
    }
}

/// Records a variable of selected neurons over the whole trial, every `stride` steps.
#[derive(Debug, Clone)]
pub struct TraceRecorder {
    /// What is recorded.
    pub var: Variable,
    /// Neurons recorded.
    pub neurons: Vec<usize>,
    /// Keep every `stride`-th step.
    pub stride: usize,
    /// Time (τ units, relative to stimulus offset) of each sample.
    pub time: Vec<f64>,
    /// One trace per neuron.
    pub traces: Vec<Vec<f64>>,
}

impl TraceRecorder {
    /// Recorder for `neurons`, one sample every `stride` steps.
    pub fn new(var: Variable, neurons: Vec<usize>, stride: usize) -> Self {
        let m = neurons.len();
        Self {
            var,
            neurons,
            stride: stride.max(1),
            time: Vec::new(),
            traces: vec![Vec::new(); m],
        }
    }
}

impl Recorder for TraceRecorder {
    fn record(&mut self, v: &StepView<'_>) {
        if !v.step.is_multiple_of(self.stride) {
            return;
        }
        self.time.push(v.time);
        for (t, &i) in self.traces.iter_mut().zip(&self.neurons) {
            t.push(pick(v, self.var, i));
        }
    }
}
