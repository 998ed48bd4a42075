//! A recurrent network of tanh rate units (Figure 1—figure supplement 1; paper-spec §2.4, §5.1):
//!
//! τ dx_i/dt = −x_i + Σ_j W_ij tanh(x_j) + I_i(t),
//!
//! trained with the same per-neuron RLS ([`crate::RlsLearner`]) as the spiking networks, the presynaptic
//! vector being r = tanh(x).
//!
//! [`RateNetwork::run`] is the only time loop of the project besides [`crate::Network::run`]. It exists
//! because this model has no spikes, no synaptic filter and a state that is not advanced with a frozen
//! input (the spiking loop's steps 2–4 do not apply); everything else is shared: the same [`Trial`] phases,
//! the same [`Input`] (assembled by the same code), the same [`Learner`] plug-in with the same
//! learning-step rule, and the same [`Recorder`]s through the same [`StepView`].

use crate::network::{Input, StepView, Trial, check_finite, learning_step};
use crate::{Learner, Recorder, SimError, SparseRows};
use rand::RngCore;
use rand_distr::{Distribution, StandardNormal};

/// N tanh rate units with recurrent weights W (CSR; stored pattern = plastic mask).
///
/// Integration: classical RK4 of the full right-hand side F(x) = (−x + W tanh(x) + I)/τ (four sparse
/// products W tanh(·) per step), with I held constant over the step. RK4 rather than the exact-exponential
/// Euler step x ← u + I + (x − u − I) e^{−dt/τ} (exact only for frozen u = W tanh(x)): at dt = 1 ms = τ/10
/// the recurrent input u changes on the time scale τ in the chaotic regime, and a frozen-u step would add
/// an O(dt/τ) error to exactly the quantity being trained. Time is in units of τ_ref = 10 ms like the rest
/// of the crate (`dt`, `tau` are in those units; the paper's τ = 10 ms is `tau = 1`).
///
/// What [`StepView`] shows after each step: `state` = x, `r` = tanh(x) (the presynaptic vector of the
/// learning rule), `u` = W tanh(x) (the recurrent input, linear in W: this is what RLS fits to the target,
/// and x is its low-pass filter with time constant τ), `spikes` = empty, `ext` = I.
#[derive(Debug, Clone)]
pub struct RateNetwork {
    /// Recurrent weights (W_ij = coupling from j to i).
    pub w: SparseRows,
    dt: f64,
    tau: f64,
    x: Vec<f64>,
    r: Vec<f64>,
    u: Vec<f64>,
    ext: Vec<f64>,
    // RK4 scratch
    k: [Vec<f64>; 4],
    xs: Vec<f64>,
    ts: Vec<f64>,
    us: Vec<f64>,
}

impl RateNetwork {
    /// A network with weights `w`, step `dt` and unit time constant `tau` (both in units of 10 ms), state
    /// x = 0.
    pub fn new(w: SparseRows, dt: f64, tau: f64) -> Result<Self, SimError> {
        if !(tau > 0.0 && tau.is_finite()) {
            return Err(SimError::OutOfRange {
                field: "tau_ms",
                value: tau * 10.0,
                expected: "(0, inf) ms",
            });
        }
        if !(dt > 0.0 && dt.is_finite() && dt <= 1.0) {
            return Err(SimError::OutOfRange {
                field: "dt_ms",
                value: dt * 10.0,
                expected: "(0, 10] ms",
            });
        }
        let n = w.n();
        let z = vec![0.0; n];
        let mut net = Self {
            w,
            dt,
            tau,
            x: z.clone(),
            r: z.clone(),
            u: z.clone(),
            ext: z.clone(),
            k: [z.clone(), z.clone(), z.clone(), z.clone()],
            xs: z.clone(),
            ts: z.clone(),
            us: z,
        };
        net.sync();
        Ok(net)
    }

    /// Number of units N.
    pub fn n(&self) -> usize {
        self.x.len()
    }
    /// Time step (units of 10 ms).
    pub fn dt(&self) -> f64 {
        self.dt
    }
    /// Unit time constant τ (units of 10 ms).
    pub fn tau(&self) -> f64 {
        self.tau
    }
    /// State x.
    pub fn x(&self) -> &[f64] {
        &self.x
    }
    /// Rates r = tanh(x).
    pub fn r(&self) -> &[f64] {
        &self.r
    }
    /// Recurrent input u = W tanh(x) (as of the last step or state change).
    pub fn u(&self) -> &[f64] {
        &self.u
    }

    /// Set the state x (e.g. two nearby initial states for a divergence test).
    pub fn set_state(&mut self, x: &[f64]) -> Result<(), SimError> {
        if x.len() != self.n() {
            return Err(SimError::Shape {
                what: "state",
                got: x.len(),
                expected: self.n(),
            });
        }
        self.x.copy_from_slice(x);
        self.sync();
        Ok(())
    }

    /// New trial state: x_i ~ N(0, 1) independently (the paper gives no initial condition; any O(1)
    /// spread works because every trial starts with a free run before the stimulus).
    pub fn reset(&mut self, rng: &mut dyn RngCore) {
        for x in &mut self.x {
            *x = StandardNormal.sample(rng);
        }
        self.sync();
    }

    /// Mark W as changed from outside: u is recomputed now.
    pub fn weights_changed(&mut self) {
        self.sync();
    }

    fn sync(&mut self) {
        for (r, x) in self.r.iter_mut().zip(&self.x) {
            *r = x.tanh();
        }
        self.w.matvec(&self.r, &mut self.u);
    }

    /// k = F(xs) = (−xs + W tanh(xs) + I)/τ.
    fn rhs(
        w: &SparseRows,
        tau: f64,
        xs: &[f64],
        ext: &[f64],
        ts: &mut [f64],
        us: &mut [f64],
        k: &mut [f64],
    ) {
        for (t, x) in ts.iter_mut().zip(xs) {
            *t = x.tanh();
        }
        w.matvec(ts, us);
        let inv = 1.0 / tau;
        for i in 0..k.len() {
            k[i] = (us[i] + ext[i] - xs[i]) * inv;
        }
    }

    /// The rate network's time loop. Runs one trial from the current state (state carries over).
    ///
    /// Step order for trial step k = 1..=trial.len(), mirroring [`crate::Network::run`]:
    /// 1. I ← stimulus (if k is in the stimulus phase) + bias + noise[k−1], constant over the step;
    /// 2. x advances by dt: classical RK4 of τ dx/dt = −x + W tanh(x) + I;
    /// 3. r ← tanh(x), u ← W r;
    /// 4. in the window, on learning steps j (j ≥ 2 and j a multiple of the learner's interval): learning
    ///    update of W from this r, the target at j and I (drive mode: e = f − w_i·r, i.e. u_i is fitted);
    /// 5. recorders observe the step (u is the value of step 3, before the update, as in the spiking loop).
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
        let n = self.n();
        let (h, h2) = (self.dt, 0.5 * self.dt);
        for k in 1..=trial.len() {
            let phase = trial.phase(k);
            // 1. external input
            input.fill(phase, k, &mut self.ext);
            // 2. RK4
            let [k1, k2, k3, k4] = &mut self.k;
            Self::rhs(
                &self.w,
                self.tau,
                &self.x,
                &self.ext,
                &mut self.ts,
                &mut self.us,
                k1,
            );
            for i in 0..n {
                self.xs[i] = self.x[i] + h2 * k1[i];
            }
            Self::rhs(
                &self.w,
                self.tau,
                &self.xs,
                &self.ext,
                &mut self.ts,
                &mut self.us,
                k2,
            );
            for i in 0..n {
                self.xs[i] = self.x[i] + h2 * k2[i];
            }
            Self::rhs(
                &self.w,
                self.tau,
                &self.xs,
                &self.ext,
                &mut self.ts,
                &mut self.us,
                k3,
            );
            for i in 0..n {
                self.xs[i] = self.x[i] + h * k3[i];
            }
            Self::rhs(
                &self.w,
                self.tau,
                &self.xs,
                &self.ext,
                &mut self.ts,
                &mut self.us,
                k4,
            );
            for i in 0..n {
                self.x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
            // 3. rates and recurrent input
            self.sync();
            check_finite(k, &self.x)?;
            // 4. learning
            let window_step = trial.window_step(k);
            if let (Some(j), Some(l)) = (learning_step(window_step, every), learner.as_deref_mut())
            {
                l.learn(j, &self.r, &self.ext, &mut self.w)?;
            }
            // 5. recorders
            if !recorders.is_empty() {
                let view = StepView {
                    step: k,
                    phase,
                    window_step,
                    time: (k as f64 - k_off as f64) * self.dt,
                    state: &self.x,
                    r: &self.r,
                    u: &self.u,
                    spikes: &[],
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
    use crate::{TraceRecorder, Variable, WindowRecorder};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn input(n: usize) -> Vec<f64> {
        vec![0.0; n]
    }

    /// W = 0, I = 0: τ dx/dt = −x, so x(t) = x0 e^{−t/τ}. RK4 with h = dt/τ = 0.1 has a per-step relative
    /// error h⁵/120 ≈ 8.3e-8, i.e. ≈ 8.3e-6 relative after 100 steps; the tolerance 2e-5 covers it.
    #[test]
    fn uncoupled_decay_is_exponential() {
        let w = SparseRows::from_rows(2, vec![vec![], vec![]]).unwrap();
        let tau = 1.0;
        let mut net = RateNetwork::new(w, 0.1, tau).unwrap();
        net.set_state(&[1.0, -0.5]).unwrap();
        let trial = Trial {
            pre: 0,
            stim: 0,
            window: 0,
            post: 100,
        };
        let mut tr = TraceRecorder::new(Variable::State, vec![0, 1], 1);
        let z = input(2);
        net.run(
            &trial,
            &Input {
                stimulus: &z,
                bias: None,
                noise: None,
            },
            None,
            &mut [&mut tr],
        )
        .unwrap();
        for (s, &t) in tr.time.iter().enumerate() {
            let e = (-t / tau).exp();
            assert!((tr.traces[0][s] / e - 1.0).abs() < 2e-5, "step {s}");
            assert!(
                (tr.traces[1][s] / (-0.5 * e) - 1.0).abs() < 2e-5,
                "step {s}"
            );
        }
        assert!((tr.time[99] - 10.0).abs() < 1e-12);
    }

    /// W = 0 with a constant stimulus a for the stimulus phase: x relaxes to a as a − (a − x0) e^{−t/τ}; the
    /// view shows r = tanh(x) and u = 0.
    #[test]
    fn stimulus_drives_relaxation_and_view_is_consistent() {
        let w = SparseRows::from_rows(1, vec![vec![]]).unwrap();
        let mut net = RateNetwork::new(w, 0.1, 2.0).unwrap();
        let trial = Trial {
            pre: 0,
            stim: 50,
            window: 0,
            post: 0,
        };
        let mut tr = TraceRecorder::new(Variable::State, vec![0], 1);
        let mut rr = TraceRecorder::new(Variable::Rate, vec![0], 1);
        let mut uu = TraceRecorder::new(Variable::Drive, vec![0], 1);
        net.run(
            &trial,
            &Input {
                stimulus: &[0.7],
                bias: None,
                noise: None,
            },
            None,
            &mut [&mut tr, &mut rr, &mut uu],
        )
        .unwrap();
        for s in 0..50 {
            let t = (s + 1) as f64 * 0.1;
            let e = 0.7 * (1.0 - (-t / 2.0).exp());
            assert!((tr.traces[0][s] - e).abs() < 1e-7);
            assert_eq!(rr.traces[0][s], tr.traces[0][s].tanh());
            assert_eq!(uu.traces[0][s], 0.0);
        }
    }

    /// Two coupled units x' = −x + w tanh(y), y' = −y: y decays exactly, and x solves a linear ODE with a known
    /// forcing; compare with a fine-step reference run (RK4 is 4th order: error ratio between dt and dt/2
    /// ≈ 16, checked ≥ 10).
    #[test]
    fn rk4_is_fourth_order() {
        let run = |dt: f64, steps: usize| {
            let w = SparseRows::from_rows(2, vec![vec![(1, 1.5)], vec![(0, -2.0)]]).unwrap();
            let mut net = RateNetwork::new(w, dt, 1.0).unwrap();
            net.set_state(&[0.3, 1.2]).unwrap();
            let trial = Trial {
                pre: 0,
                stim: 0,
                window: 0,
                post: steps,
            };
            net.run(
                &trial,
                &Input {
                    stimulus: &[0.0, 0.0],
                    bias: None,
                    noise: None,
                },
                None,
                &mut [],
            )
            .unwrap();
            net.x().to_vec()
        };
        let exact = run(0.0025, 800);
        let e1 = run(0.1, 20);
        let e2 = run(0.05, 40);
        let err = |a: &[f64]| {
            a.iter()
                .zip(&exact)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        };
        let ratio = err(&e1) / err(&e2);
        assert!(ratio > 10.0 && ratio < 24.0, "error ratio {ratio}");
    }

    fn chaotic(n: usize, seed: u64) -> RateNetwork {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let w = SparseRows::gaussian(n, 0.3, 2.0, false, &mut rng).unwrap();
        let mut net = RateNetwork::new(w, 0.1, 1.0).unwrap();
        net.reset(&mut rng);
        net
    }

    /// Same weights, same initial state → bit-identical trajectories; and a 1e-8 perturbation of a σ = 2
    /// network grows by orders of magnitude (chaos, Sompolinsky et al. 1988: g = σ > 1), while σ = 0.5 decays
    /// to the fixed point x = 0.
    #[test]
    fn deterministic_and_chaotic_at_sigma_2() {
        let n = 200;
        let trial = Trial {
            pre: 0,
            stim: 0,
            window: 0,
            post: 3000,
        };
        let z = input(n);
        let inp = Input {
            stimulus: &z,
            bias: None,
            noise: None,
        };
        let mut a = chaotic(n, 5);
        let mut b = chaotic(n, 5);
        a.run(&trial, &inp, None, &mut []).unwrap();
        b.run(&trial, &inp, None, &mut []).unwrap();
        assert_eq!(a.x(), b.x());
        let mut pert = a.x().to_vec();
        pert[0] += 1e-8;
        b.set_state(&pert).unwrap();
        a.run(&trial, &inp, None, &mut []).unwrap();
        b.run(&trial, &inp, None, &mut []).unwrap();
        let d: f64 = a
            .x()
            .iter()
            .zip(b.x())
            .map(|(p, q)| (p - q).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(d > 1e-3, "distance after 3 s: {d}");
        // sub-critical coupling: activity dies out
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let w = SparseRows::gaussian(n, 0.3, 0.5, false, &mut rng).unwrap();
        let mut c = RateNetwork::new(w, 0.1, 1.0).unwrap();
        c.reset(&mut rng);
        c.run(&trial, &inp, None, &mut []).unwrap();
        assert!(c.x().iter().all(|v| v.abs() < 1e-6));
    }

    /// The learning contract of the loop: the learner is called exactly on window steps j ≥ 2 that are
    /// multiples of its interval, with r = tanh(x) of that step (what recorders see) and I; a change of W by
    /// the learner takes effect from the next step on.
    #[test]
    fn learner_sees_tanh_state_on_learning_steps() {
        struct Probe {
            calls: Vec<(usize, Vec<f64>)>,
        }
        impl Learner for Probe {
            fn every(&self) -> usize {
                3
            }
            fn learn(
                &mut self,
                j: usize,
                r: &[f64],
                _ext: &[f64],
                w: &mut SparseRows,
            ) -> Result<(), SimError> {
                self.calls.push((j, r.to_vec()));
                w.val.iter_mut().for_each(|v| *v = 0.0);
                Ok(())
            }
        }
        let n = 30;
        let mut net = chaotic(n, 9);
        let trial = Trial {
            pre: 5,
            stim: 4,
            window: 10,
            post: 3,
        };
        let z = input(n);
        let mut probe = Probe { calls: Vec::new() };
        let mut rec = WindowRecorder::new(Variable::State, n, trial.window);
        net.run(
            &trial,
            &Input {
                stimulus: &z,
                bias: None,
                noise: None,
            },
            Some(&mut probe),
            &mut [&mut rec],
        )
        .unwrap();
        let js: Vec<usize> = probe.calls.iter().map(|c| c.0).collect();
        assert_eq!(js, vec![3, 6, 9]);
        for (j, r) in &probe.calls {
            for i in 0..n {
                assert_eq!(r[i], rec.data[[i, j - 1]].tanh());
            }
        }
        // W = 0 after the first learning step (j = 3): u = 0 from then on
        assert!(net.w.val.iter().all(|&v| v == 0.0));
        assert!(net.u().iter().all(|&v| v == 0.0));
    }

    #[test]
    fn bad_sizes_and_ranges_are_named() {
        let w = SparseRows::from_rows(2, vec![vec![], vec![]]).unwrap();
        assert!(
            RateNetwork::new(w.clone(), 0.1, 0.0)
                .unwrap_err()
                .to_string()
                .contains("tau_ms")
        );
        assert!(
            RateNetwork::new(w.clone(), 0.0, 1.0)
                .unwrap_err()
                .to_string()
                .contains("dt_ms")
        );
        let mut net = RateNetwork::new(w, 0.1, 1.0).unwrap();
        let trial = Trial {
            pre: 1,
            stim: 1,
            window: 0,
            post: 0,
        };
        let e = net.run(
            &trial,
            &Input {
                stimulus: &[0.0],
                bias: None,
                noise: None,
            },
            None,
            &mut [],
        );
        assert!(e.unwrap_err().to_string().contains("stimulus"));
    }
}
