//! Learning rules plugged into [`crate::Network::run`].

use crate::{SimError, SparseRows};
use ndarray::ArrayView2;
use spikelearn_meanfield::{Phi2, Transfer};
use spikelearn_rls::{Kernel, Objective, RlsBank};

/// A learning rule called by the simulation loop on learning steps of the target window.
pub trait Learner {
    /// Learning interval Δt in steps (updates at window steps j with j % every == 0, j ≥ 2).
    fn every(&self) -> usize;
    /// Update `w` at window step j (1-based) given the filtered spike trains `r` and the external input.
    fn learn(
        &mut self,
        j: usize,
        r: &[f64],
        ext: &[f64],
        w: &mut SparseRows,
    ) -> Result<(), SimError>;
}

/// What is trained (paper-spec §3.2 vs §3.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LearnMode {
    /// Synaptic drive u_i follows f_i (eqs 10–12).
    Drive,
    /// Spiking rate φ(u_i + I_i) follows f_i (eqs 16–19), with φ = φ2 of smoothing constant c.
    Rate(Phi2),
}

/// Per-neuron RLS on every stored (plastic) weight, with P carried over across all loops.
///
/// The targets are stored step-major (window step j → row j−1, one value per neuron) so the learning step
/// reads one contiguous row. Several target sets can be registered (Fig 2); [`RlsLearner::select`] picks the
/// set used by the next trials while the P matrices stay shared (one RLS problem per neuron over all sets,
/// paper-spec §12.12).
#[derive(Debug, Clone)]
pub struct RlsLearner {
    bank: RlsBank,
    sets: Vec<Vec<f64>>,
    n: usize,
    steps: usize,
    active: usize,
    every: usize,
    mode: LearnMode,
}

impl RlsLearner {
    /// New learner for weights with the pattern of `w`, regulariser λ (P(0) = I/λ), learning every `every`
    /// steps, and target sets given as N × window-steps matrices (values on window steps j = 1..).
    pub fn new(
        w: &SparseRows,
        lambda: f64,
        every: usize,
        mode: LearnMode,
        kernel: Kernel,
        targets: &[ArrayView2<'_, f64>],
    ) -> Result<Self, SimError> {
        let n = w.n();
        let bank = RlsBank::new(&w.ptr, lambda, kernel)
            .map_err(|source| SimError::LearnerSetup { source })?;
        if every == 0 {
            return Err(SimError::OutOfRange {
                field: "learn_every_ms",
                value: 0.0,
                expected: ">= dt",
            });
        }
        let steps = targets.first().map(|t| t.ncols()).unwrap_or(0);
        let mut sets = Vec::new();
        for t in targets {
            if t.nrows() != n || t.ncols() != steps {
                return Err(SimError::Shape {
                    what: "targets",
                    got: t.nrows(),
                    expected: n,
                });
            }
            let mut v = Vec::with_capacity(n * steps);
            for s in 0..steps {
                v.extend(t.column(s).iter());
            }
            sets.push(v);
        }
        Ok(Self {
            bank,
            sets,
            n,
            steps,
            active: 0,
            every,
            mode,
        })
    }
    /// Train on target set `k` from now on.
    pub fn select(&mut self, k: usize) {
        assert!(k < self.sets.len(), "target set {k} does not exist");
        self.active = k;
    }
    /// The RLS state.
    pub fn bank(&self) -> &RlsBank {
        &self.bank
    }
}

impl Learner for RlsLearner {
    fn every(&self) -> usize {
        self.every
    }
    fn learn(
        &mut self,
        j: usize,
        r: &[f64],
        ext: &[f64],
        w: &mut SparseRows,
    ) -> Result<(), SimError> {
        if j > self.steps {
            return Err(SimError::Shape {
                what: "target steps",
                got: self.steps,
                expected: j,
            });
        }
        let f = &self.sets[self.active][(j - 1) * self.n..j * self.n];
        let phi;
        let obj = match self.mode {
            LearnMode::Drive => Objective::Drive,
            LearnMode::Rate(p) => {
                phi = p;
                Objective::Rate {
                    transfer: &phi as &dyn Transfer,
                    ext,
                }
            }
        };
        self.bank
            .step(&w.idx, r, &mut w.val, f, obj)
            .map_err(|e| SimError::Learn { step: j, source: e })
    }
}
