//! Drift of the opt-in f32 storage of the RLS matrices (`Kernel::PackedF32`) from the exact f64 kernel
//! (`Kernel::Packed`) over a full Figure 3 training (GitHub issue 5, item 2: "an optional f32 storage mode
//! is acceptable only behind an explicit option, with a test that bounds its drift from f64 over a full
//! Figure 3 training").
//!
//! Setup: exactly the training of `fig3-timing` (paper-spec §3.6, Fig 3 row): N = 500 theta neurons,
//! p = 0.3, σ = 1, protocol defaults (1000 ms free run, 100 ms stimulus, T = 1000 ms, Δt = 2 ms, λ = 1,
//! 30 loops = 15000 RLS steps), drive training on products of sines, 5 test trials; the same seed, so both
//! runs start from the same W0, neurons, stimulus and targets and differ only in the kernel.
//!
//! A spiking network is chaotic: the f32 rounding of P (relative 2^-24 per element and step) changes a
//! weight in the last bits within the first learning steps, that changes a spike time, and from then on
//! the two trajectories are different realisations of the same training. The weights therefore end up
//! measurably different (reported, with a loose sanity bound), and the test bounds the *outcome*: the
//! learned fit (last-loop Pearson correlation) and its recall (test Pearson), which must agree far more
//! closely than the run-to-run spread across seeds.
//!
//! Run time: two full trainings, run side by side on one thread each (≈ 2 min of two idle cores, 4 min on
//! the shared development VM), so the test is opt-in (`#[ignore]`, kept out of the CI budget, like the other
//! full-size runs): `cargo test --release -p spikelearn-bench --test f32_drift -- --ignored --nocapture`
//! runs it and prints the measured values. Run it after any change to the f32 kernel.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spikelearn_bench::Fig3Setup;
use spikelearn_rls::Kernel;
use spikelearn_sim::protocol::{mean, pearson_rows};
use spikelearn_sim::{Input, Variable, WindowRecorder};

/// What one training produced.
struct Outcome {
    w0: Vec<f64>,
    /// Plastic weights after every loop.
    w_loops: Vec<Vec<f64>>,
    /// Mean Pearson correlation (drive vs target) of every training loop.
    loop_pearson: Vec<f64>,
    /// Mean over test trials of the mean Pearson correlation.
    test_pearson: f64,
}

/// The Figure 3 training of `fig3-timing` with the given kernel.
fn train(kernel: Kernel, seed: u64, loops: usize, tests: usize) -> Outcome {
    let setup = Fig3Setup::new(loops, kernel, seed);
    let mut learner = setup.learner();
    let Fig3Setup {
        net_p,
        sched,
        w0,
        mut net,
        stimulus,
        targets,
        ..
    } = setup;
    let input = Input {
        stimulus: &stimulus,
        bias: None,
        noise: None,
    };
    let n = net_p.n;
    let mut w_loops = Vec::new();
    let mut loop_pearson = Vec::new();
    for _ in 0..loops {
        let mut win = WindowRecorder::new(Variable::Drive, n, sched.train.window);
        net.run(&sched.train, &input, Some(&mut learner), &mut [&mut win])
            .expect("training loop");
        loop_pearson.push(mean(&pearson_rows(win.data.view(), targets.view())));
        w_loops.push(net.w.val.clone());
    }
    let mut test_p = Vec::new();
    for k in 0..tests {
        let mut trng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(1000) + k as u64);
        net.reset(&mut trng);
        let mut win = WindowRecorder::new(Variable::Drive, n, sched.test.window);
        net.run(&sched.test, &input, None, &mut [&mut win])
            .expect("test trial");
        test_p.push(mean(&pearson_rows(win.data.view(), targets.view())));
    }
    Outcome {
        w0: w0.val,
        w_loops,
        loop_pearson,
        test_pearson: mean(&test_p),
    }
}

/// ‖a − b‖_F.
fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// `train` on a private one-thread rayon pool (results do not depend on the thread count: tested in
/// `spikelearn-rls`), so the two trainings can run side by side.
fn train_1thread(kernel: Kernel, seed: u64, loops: usize, tests: usize) -> (Outcome, f64) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let t = std::time::Instant::now();
    let out = pool.install(|| train(kernel, seed, loops, tests));
    (out, t.elapsed().as_secs_f64())
}

fn mean_of(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn std_of(v: &[f64]) -> f64 {
    let m = mean_of(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

#[test]
#[ignore = "full Figure 3 training twice (≈ 2–4 min); run with --ignored after changing the f32 kernel"]
fn f32_storage_outcome_matches_f64_over_full_fig3_training() {
    let (seed, loops, tests) = (1, 30, 5);
    // both trainings at once, one thread each (the 2-core CI machine runs them side by side)
    let ((f64_run, t64), (f32_run, t32)) = std::thread::scope(|s| {
        let a = s.spawn(|| train_1thread(Kernel::Packed, seed, loops, tests));
        let b = s.spawn(|| train_1thread(Kernel::PackedF32, seed, loops, tests));
        (
            a.join().expect("f64 training"),
            b.join().expect("f32 training"),
        )
    });
    assert_eq!(f64_run.w0, f32_run.w0, "same seed, same W0");

    // relative weight difference after every loop: ‖W_f32 − W_f64‖_F / ‖W_f64 − W0‖_F
    let rel_w: Vec<f64> = f64_run
        .w_loops
        .iter()
        .zip(&f32_run.w_loops)
        .map(|(a, b)| dist(a, b) / dist(a, &f64_run.w0))
        .collect();
    let last = loops - 1;
    let (p64, p32) = (&f64_run.loop_pearson, &f32_run.loop_pearson);
    let d_last = (p32[last] - p64[last]).abs();
    let d_test = (f32_run.test_pearson - f64_run.test_pearson).abs();
    let tail = loops - 10..loops;
    let d_tail = (mean_of(&p32[tail.clone()]) - mean_of(&p64[tail.clone()])).abs();
    // noise of a single loop's Pearson: within-run loop-to-loop spread, and the spread of the per-loop
    // difference between the two runs, over the last 20 loops (after the initial rise)
    let late = loops - 20..loops;
    let within = std_of(&p64[late.clone()]);
    let diffs: Vec<f64> = late.clone().map(|l| p32[l] - p64[l]).collect();
    let between = std_of(&diffs);
    let round4 = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.4}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    eprintln!("f32 drift over a full Fig 3 training (seed {seed}, {loops} loops, {tests} tests)");
    eprintln!("  wall (side by side, 1 thread each): f64 {t64:.1} s, f32 {t32:.1} s");
    eprintln!(
        "  last-loop Pearson:        f64 {:.5}, f32 {:.5}, |diff| {d_last:.5}",
        p64[last], p32[last]
    );
    eprintln!(
        "  mean of last 10 loops:    f64 {:.5}, f32 {:.5}, |diff| {d_tail:.5}",
        mean_of(&p64[tail.clone()]),
        mean_of(&p32[tail.clone()])
    );
    eprintln!(
        "  test Pearson:             f64 {:.5}, f32 {:.5}, |diff| {d_test:.5}",
        f64_run.test_pearson, f32_run.test_pearson
    );
    eprintln!(
        "  single-loop noise (last 20 loops): within-run std {within:.4}, std of f32−f64 per loop {between:.4}"
    );
    eprintln!("  loop Pearson f64: {}", round4(p64));
    eprintln!("  loop Pearson f32: {}", round4(p32));
    eprintln!(
        "  ‖W_f32 − W_f64‖_F / ‖W_f64 − W0‖_F per loop: {}",
        rel_w
            .iter()
            .map(|v| format!("{v:.2e}"))
            .collect::<Vec<_>>()
            .join(" ")
    );

    // Bounds (values measured 2026-11-28, seed 1, in brackets; the run is deterministic: the kernels are
    // bit-identical across instruction sets and thread counts).
    //
    // Before the trajectories separate, the f32 run is the f64 run up to the rounding of P: after the first
    // loop (500 RLS steps) the weights agree to ~1e-7 of the learned change [4.2e-7]. This holds as long
    // as no spike time changes during loop 1; from loop 2 on the chaotic dynamics amplify the difference
    // and the runs become different realisations of the same training [0.57 after loop 2].
    assert!(
        rel_w[0] <= 1e-4,
        "after loop 1: ‖ΔW‖/‖W − W0‖ = {:.3e}",
        rel_w[0]
    );
    // Outcome 1: recall. Test Pearson (mean over 5 test trials with fixed trained weights) within 0.01
    // [0.0009]; the run-to-run spread of the test Pearson across seeds at this size is 0.02–0.04
    // (issue 5), so f32 storage changes the outcome by much less than a different seed does.
    assert!(
        d_test <= 0.01,
        "test Pearson: f64 {:.5} vs f32 {:.5}",
        f64_run.test_pearson,
        f32_run.test_pearson
    );
    // Outcome 2: the learned fit, averaged over the last 10 loops, within 0.01 [0.0009]; the chaotic
    // per-loop difference (std ≈ 0.02 over loops 11–30) averages down to ≈ 0.006 over 10 loops.
    assert!(
        d_tail <= 0.01,
        "mean Pearson of the last 10 loops differs by {d_tail:.5}"
    );
    // Outcome 3: the last loop alone within 0.03 [0.0005]. A single loop's Pearson fluctuates from loop to
    // loop with std ≈ 0.014 within one run, and the per-loop difference between the two runs has std
    // ≈ 0.020 (measured above over loops 11–30), so a single-loop bound tighter than ~1.5 σ would test
    // the luck of the realisation rather than the precision of the kernel.
    assert!(
        d_last <= 0.03,
        "last-loop Pearson: f64 {:.5} vs f32 {:.5}",
        p64[last],
        p32[last]
    );
    // Weights at the end: a different realisation, not a rounding perturbation; reported, with a loose
    // sanity bound (the two learned changes differ by less than half of the change itself) [0.29].
    assert!(
        rel_w[last] <= 0.5,
        "final ‖W_f32 − W_f64‖_F / ‖W_f64 − W0‖_F = {:.3}",
        rel_w[last]
    );
}
