//! Train a spiking network on targets of your own (the README's "Using it for your own targets").
//!
//! Every neuron i gets its own target drive f_i(t) = A_i sin(2π (t + T0_i) / T1_i) over the 1 s window
//! (A ~ U[0.5, 1.5], T0 ~ U[0, 1000] ms, T1 ~ U[300, 1000] ms: the paper's Figure 1 targets, written out by
//! hand here; any N × window-steps array works, e.g. a recording resampled with `spikelearn_targets`).
//! The network (N = 200 theta neurons, p = 0.3, σ = 4, rows with zero mean, τ_s = 20 ms, dt = 1 ms) is
//! trained with per-neuron RLS on its synaptic drive for 20 loops, then tested from 3 fresh states.
//!
//! ```sh
//! cargo run --release -p spikelearn-sim --example own_targets [-- SEED]
//! ```

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spikelearn_sim::protocol::{NetworkParams, ProtocolParams, run_trial, test_trial};
use spikelearn_sim::{Input, LearnMode, RlsLearner, SimError, Variable};

fn main() -> Result<(), SimError> {
    let seed = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("the seed must be an unsigned integer"))
        .unwrap_or(1u64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let net_p = NetworkParams {
        n: 200,
        sigma: 4.0,
        zero_row_mean: true,
        ..Default::default()
    };
    let proto = ProtocolParams {
        stim_amp: 2.0, // stimulus U[-2, 2] for 100 ms, as the authors' code (experiments/fig1/README.md)
        loops: 20,
        test_trials: 3,
        ..Default::default()
    };
    let sched = proto.schedule(&net_p.grid()?)?;

    // Your targets: one row per neuron, one column per window step (here dt = 1 ms).
    let targets = sine_targets(net_p.n, sched.train.window, net_p.dt_ms, &mut rng);

    let w0 = net_p.weights(&mut rng)?;
    let mut net = net_p.theta_network(w0, &mut rng)?;
    let stim = proto.stimulus(net_p.n, &mut rng);
    let input = Input {
        stimulus: &stim,
        bias: None,
        noise: None,
    };
    let mut rls = RlsLearner::new(
        &net.w,
        proto.lambda,
        sched.every,
        LearnMode::Drive,
        proto.kernel,
        &[targets.view()],
    )?;
    for lp in 1..=proto.loops {
        let stats = run_trial(
            &mut net,
            &sched.train,
            &input,
            Some(&mut rls),
            Variable::Drive,
            targets.view(),
            0,
            &mut [],
        )?;
        println!(
            "loop {lp:2}: mean Pearson {:.3}, rate {:.1} Hz",
            stats.mean_pearson, stats.rate_hz
        );
    }
    for t in 1..=proto.test_trials {
        let test = test_trial(
            &mut net,
            &sched.test,
            &input,
            &mut rng,
            Variable::Drive,
            targets.view(),
            0,
            &mut [],
        )?;
        println!("test {t}: mean Pearson {:.3}", test.mean_pearson);
    }
    Ok(())
}

/// n × steps targets, row i = A_i sin(2π (t + T0_i) / T1_i) at t = (k + 1) dt for window step k.
fn sine_targets(n: usize, steps: usize, dt_ms: f64, rng: &mut impl Rng) -> Array2<f64> {
    let mut f = Array2::zeros((n, steps));
    for mut row in f.rows_mut() {
        let a = rng.random_range(0.5..1.5);
        let t0 = rng.random_range(0.0..1000.0);
        let t1 = rng.random_range(300.0..1000.0);
        for (k, v) in row.iter_mut().enumerate() {
            let t = (k + 1) as f64 * dt_ms;
            *v = a * (2.0 * std::f64::consts::PI * (t + t0) / t1).sin();
        }
    }
    f
}
