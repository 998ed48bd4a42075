//! Invariants of the one simulation loop (paper-spec §11.1 A6, A12; design.md §5 determinism).

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spikelearn_rls::Kernel;
use spikelearn_sim::{
    Input, LearnMode, Network, Recorder, RlsLearner, SparseRows, StepView, Theta, TraceRecorder,
    Trial, Variable,
};
use std::f64::consts::PI;

/// A6: a filtered spike jumps by 1/τ_s and integrates to 1. One isolated theta neuron starting just below π
/// with zero input spikes exactly once (θ then creeps towards the fixed point 2π). dt = 0.001 τ, τ_s = 2 τ:
/// the trapezoid sum of the RK4-decayed trace differs from 1 by ≈ h²/12 with h = dt/τ_s = 5e-4, i.e. 2e-8,
/// well inside the 1e-6 tolerance of §11.1 A6.
#[test]
fn filtered_spike_jump_and_unit_integral() {
    let w = SparseRows::from_rows(1, vec![vec![]]).unwrap();
    let dt = 0.001;
    let tau_s = 2.0;
    let mut net = Network::new(Theta::with_phases(vec![PI - 1e-4]), w, dt, tau_s).unwrap();
    let trial = Trial {
        pre: 0,
        stim: 0,
        window: 0,
        post: 40_000,
    };
    let mut tr = TraceRecorder::new(Variable::Rate, vec![0], 1);
    net.run(
        &trial,
        &Input {
            stimulus: &[0.0],
            bias: None,
            noise: None,
        },
        None,
        &mut [&mut tr],
    )
    .unwrap();
    let r = &tr.traces[0];
    assert!((r[0] - 1.0 / tau_s).abs() < 1e-15, "jump {}", r[0]);
    let integral = dt * (r.iter().sum::<f64>() - 0.5 * r[0]);
    assert!((integral - 1.0).abs() < 1e-6, "integral {integral}");
}

struct DriveCheck {
    w: SparseRows,
    buf: Vec<f64>,
    max_err: f64,
}
impl Recorder for DriveCheck {
    fn record(&mut self, v: &StepView<'_>) {
        self.w.matvec(v.r, &mut self.buf);
        for (a, b) in self.buf.iter().zip(v.u) {
            self.max_err = self.max_err.max((a - b).abs());
        }
    }
}

/// The event-driven drive update equals u = W r at every step (no learning). Tolerance 1e-10: rounding
/// accumulated over at most 512 steps of O(1) sums.
#[test]
fn event_driven_drive_equals_full_product() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 150;
    let w = SparseRows::gaussian(n, 0.3, 4.0, true, &mut rng).unwrap();
    let mut net = Network::new(Theta::new(n, &mut rng), w.clone(), 0.1, 2.0).unwrap();
    let stim: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.37).sin()).collect();
    let mut chk = DriveCheck {
        w,
        buf: vec![0.0; n],
        max_err: 0.0,
    };
    let trial = Trial {
        pre: 300,
        stim: 100,
        window: 1000,
        post: 600,
    };
    net.run(
        &trial,
        &Input {
            stimulus: &stim,
            bias: None,
            noise: None,
        },
        None,
        &mut [&mut chk],
    )
    .unwrap();
    assert!(chk.max_err < 1e-10, "max |u - W r| = {}", chk.max_err);
    assert!(
        net.r().iter().any(|&r| r > 0.0),
        "network must be active for the test to mean anything"
    );
}

fn train(threads: usize) -> SparseRows {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let n = 80;
        let w = SparseRows::gaussian(n, 0.3, 4.0, true, &mut rng).unwrap();
        let mut net = Network::new(Theta::new(n, &mut rng), w, 0.1, 2.0).unwrap();
        let steps = 300;
        let targets = Array2::from_shape_fn((n, steps), |(i, s)| {
            (2.0 * PI * (s as f64 * 0.1) / (30.0 + i as f64)).sin()
        });
        let mut l = RlsLearner::new(
            &net.w,
            1.0,
            2,
            LearnMode::Drive,
            Kernel::Packed,
            &[targets.view()],
        )
        .unwrap();
        let stim: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.91).cos()).collect();
        let trial = Trial {
            pre: 100,
            stim: 50,
            window: steps,
            post: 0,
        };
        for _ in 0..3 {
            net.run(
                &trial,
                &Input {
                    stimulus: &stim,
                    bias: None,
                    noise: None,
                },
                Some(&mut l),
                &mut [],
            )
            .unwrap();
        }
        net.w.clone()
    })
}

/// Determinism across thread counts (bit for bit) and A12: no weight appears outside the initial mask,
/// no autapse, after training.
#[test]
fn training_is_thread_invariant_and_respects_mask() {
    let w1 = train(1);
    let w2 = train(2);
    assert_eq!(w1.val, w2.val);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let w0 = SparseRows::gaussian(80, 0.3, 4.0, true, &mut rng).unwrap();
    assert_eq!(w0.ptr, w1.ptr);
    assert_eq!(w0.idx, w1.idx);
    assert_ne!(w0.val, w1.val, "training must have changed the weights");
    let d = w1.to_dense();
    let d0 = w0.to_dense();
    for i in 0..80 {
        assert_eq!(d[i * 80 + i], 0.0);
        for j in 0..80 {
            if d0[i * 80 + j] == 0.0 {
                assert_eq!(d[i * 80 + j], 0.0);
            }
        }
    }
}

/// Bad shapes are reported with the argument name.
#[test]
fn stimulus_shape_error_names_the_input() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let w = SparseRows::gaussian(10, 0.3, 1.0, false, &mut rng).unwrap();
    let mut net = Network::new(Theta::new(10, &mut rng), w, 0.1, 2.0).unwrap();
    let e = net
        .run(
            &Trial {
                pre: 1,
                stim: 1,
                window: 1,
                post: 0,
            },
            &Input {
                stimulus: &[0.0; 3],
                bias: None,
                noise: None,
            },
            None,
            &mut [],
        )
        .unwrap_err();
    assert!(e.to_string().contains("stimulus"));
}

/// A learner that cannot be built says so, with the RLS reason as its source (here λ = 0; P matrices too
/// large to allocate are tested in spikelearn-rls, `impossible_p_storage_is_an_error_naming_its_size`).
#[test]
fn learner_setup_errors_name_the_reason() {
    use spikelearn_sim::SimError;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let w = SparseRows::gaussian(10, 0.3, 1.0, false, &mut rng).unwrap();
    let targets = Array2::<f64>::zeros((10, 4));
    let Err(e) = RlsLearner::new(
        &w,
        0.0,
        2,
        LearnMode::Drive,
        Kernel::Packed,
        &[targets.view()],
    ) else {
        panic!("lambda = 0 accepted")
    };
    match &e {
        SimError::LearnerSetup { source } => {
            assert!(source.to_string().contains("lambda"), "{source}")
        }
        other => panic!("wrong error {other}"),
    }
}
