//! `fig3-timing`: wall time of a full Figure 3 training and its simulation/learning split.
//!
//! ```text
//! cargo run --release -p spikelearn-bench --bin fig3-timing [-- --threads 2 --loops 30 --kernel packed
//!                                                             --seed 1 --tests 5]
//! ```
//!
//! `--kernel`: `packed` (default, exact f64), `reference`, or `packed_f32` (opt-in f32 storage of the RLS
//! matrices, `Kernel::PackedF32`; its drift from f64 is bounded by `tests/f32_drift.rs`).
//! `--cos`: `fast` (default, the vectorised cos θ of `CosImpl::Fast`) or `libm` (the platform's `cos`; the
//! same training results, slower neuron steps).
//!
//! Setup (paper-spec §3.6, Fig 3 row): N = 500 theta neurons, p = 0.3, σ = 1, τ_s = 20 ms, dt = 1 ms;
//! protocol defaults (1000 ms free run, 100 ms stimulus, T = 1000 ms window, Δt = 2 ms, λ = 1, 30 loops);
//! drive training on the default target family (products of sines, one family). Prints the wall time of the
//! training loops, the time spent inside the RLS learning steps (the rest is simulation: neuron updates,
//! synaptic filter, drive u = W r and recorders), the mean Pearson correlation of the last loop and of the
//! test trials, and a parseable `summary` line. On a shared machine the wall time depends on the other
//! processes; the CPU-time view (simulation thread outside the learning steps; the rest of the process CPU
//! time is learning) gives an estimate for idle cores: sim_cpu + learn_cpu / threads. The neuron step and
//! W r run on the pool too (parallel chunks), so the other workers' share of the simulation is counted
//! with learning there: the wall-time split is the one to quote.
//!
//! Because the host's memory bandwidth moves a lot on a shared machine, the same run measures it
//! (`spikelearn_rls::membw`: STREAM triad, best of 5 before and 5 after the training, `--bw-mib` MiB per
//! array; `--bw-mib 0` skips it) and reports the learning's **bound ratio**: the time to read the packed f64
//! P matrices once per learning step at that bandwidth, steps · Σ_i K_i(K_i+1)/2 · 8 bytes / B, over the
//! measured learning time (1 = the physical limit of an exact f64 step, as in `rls-bench`), and the
//! training time that bandwidth allows: simulation + learning at the bound. The read-only rate B_read
//! (vectorised read pass, same runs) gives the **read ratio**, the same quotient against B_read: how close
//! each learning step comes to merely reading packed P once on this host at this time.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spikelearn_bench::{Fig3Setup, Timed, process_cpu_s, thread_cpu_s};
use spikelearn_rls::Kernel;
use spikelearn_rls::membw::{Stream, bound_ratio, packed_f64_bytes};
use spikelearn_sim::protocol::{mean, pearson_rows};
use spikelearn_sim::{CosImpl, Input, Variable, WindowRecorder};
use std::time::Instant;

/// Kernel choice on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum KernelArg {
    /// Dense per-row P, two passes (the obviously correct version).
    Reference,
    /// Packed symmetric P in f64, fused pass (production, exact).
    Packed,
    /// Packed P stored in f32 (opt-in reduced precision).
    #[value(name = "packed_f32", alias = "packed-f32")]
    PackedF32,
}

/// cos θ choice on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum CosArg {
    /// Vectorised cos, 8 neurons side by side (default; the same bits on every platform).
    Fast,
    /// The platform's `cos`, one call per argument (within 2⁻⁵² of fast).
    Libm,
}

/// Wall time of a full Figure 3 training (N = 500, 30 loops, one family) and its simulation/learning split.
#[derive(clap::Parser, Debug)]
#[command(name = "fig3-timing")]
struct Args {
    /// Threads of the rayon pool (simulation chunks and RLS rows).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
    /// Training loops (the paper's Figure 3: 30).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    loops: u32,
    /// RLS kernel.
    #[arg(long, value_enum, default_value_t = KernelArg::Packed)]
    kernel: KernelArg,
    /// How the theta neurons evaluate cos θ.
    #[arg(long, value_enum, default_value_t = CosArg::Fast)]
    cos: CosArg,
    /// Seed of the network, initial state and targets.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Test trials after training (fresh random phases, no learning).
    #[arg(long, default_value_t = 5)]
    tests: u32,
    /// MiB per array of the bandwidth probe run before and after the training (three arrays; 0: no probe).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u16).range(0..=4096))]
    bw_mib: u16,
}

fn main() {
    let a = <Args as clap::Parser>::parse();
    let kernel = match a.kernel {
        KernelArg::Reference => Kernel::Reference,
        KernelArg::Packed => Kernel::Packed,
        KernelArg::PackedF32 => Kernel::PackedF32,
    };
    let cos = match a.cos {
        CosArg::Libm => CosImpl::Libm,
        CosArg::Fast => CosImpl::Fast,
    };
    let threads = usize::from(a.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        run(
            a.loops as usize,
            kernel,
            cos,
            a.seed,
            a.tests as usize,
            threads,
            usize::from(a.bw_mib),
        )
    });
}

/// Best triad and best read-only rate (GB/s), each of `runs` runs on `threads` threads with `mib` MiB arrays
/// (freed on return, so the training's P keeps its huge pages); `None` when `mib` is 0.
fn bandwidth(threads: usize, mib: usize, runs: usize) -> Option<(f64, f64)> {
    (mib > 0).then(|| {
        let mut s = Stream::new(threads, mib);
        (s.best_triad(runs), s.best_read(runs))
    })
}

fn run(
    loops: usize,
    kernel: Kernel,
    cos: CosImpl,
    seed: u64,
    tests: usize,
    threads: usize,
    bw_mib: usize,
) {
    let bw_before = bandwidth(threads, bw_mib, 5);
    let t_all = Instant::now();
    let setup = Fig3Setup::with_cos(loops, kernel, cos, seed);
    let learner = setup.learner();
    let Fig3Setup {
        net_p,
        sched,
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
    let nnz = net.w.idx.len();
    let p_bytes = packed_f64_bytes((0..learner.bank().n_rows()).map(|i| learner.bank().row_len(i)));
    let mut timed = Timed::new(learner);
    let setup = t_all.elapsed().as_secs_f64();
    let n = net_p.n;
    let window = sched.train.window;
    // training: `loops` calls of the one simulation loop with the learner (state carried over)
    let (cpu0, tcpu0) = (process_cpu_s(), thread_cpu_s());
    let t = Instant::now();
    let mut last = f64::NAN;
    for _ in 0..loops {
        let mut win = WindowRecorder::new(Variable::Drive, n, window);
        net.run(&sched.train, &input, Some(&mut timed), &mut [&mut win])
            .expect("training loop");
        last = mean(&pearson_rows(win.data.view(), targets.view()));
    }
    let train_s = t.elapsed().as_secs_f64();
    let learn_s = timed.spent.as_secs_f64();
    let sim_s = train_s - learn_s;
    // CPU-time view (robust to other processes sharing the cores): the simulation thread's CPU time outside
    // `learn` is the simulation; the rest of the process CPU time is learning on all threads.
    let cpu = match (cpu0, process_cpu_s(), tcpu0, thread_cpu_s()) {
        (Some(p0), Some(p1), Some(t0), Some(t1)) => {
            let sim_cpu = (t1 - t0) - timed.caller_cpu_s;
            let learn_cpu = (p1 - p0) - sim_cpu;
            Some((sim_cpu, learn_cpu))
        }
        _ => None,
    };
    // tests: fresh random phases, same stimulus, no learning
    let t = Instant::now();
    let mut test_p = Vec::new();
    for k in 0..tests {
        let mut trng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(1000) + k as u64);
        net.reset(&mut trng);
        let mut win = WindowRecorder::new(Variable::Drive, n, sched.test.window);
        net.run(&sched.test, &input, None, &mut [&mut win])
            .expect("test trial");
        test_p.push(mean(&pearson_rows(win.data.view(), targets.view())));
    }
    let test_s = t.elapsed().as_secs_f64();
    let bw = bw_before
        .zip(bandwidth(threads, bw_mib, 5))
        .map(|(a, b)| (a.0.max(b.0), a.1.max(b.1)));
    // no test trials: no test score (NaN), not a misleading 0
    let test_mean = if test_p.is_empty() {
        f64::NAN
    } else {
        mean(&test_p)
    };
    println!(
        "fig3-timing: N = 500, K ≈ {:.0} (nnz {nnz}), {loops} loops, threads = {threads}, kernel = {kernel:?}, cos = {cos:?}",
        nnz as f64 / 500.0
    );
    println!("  setup (weights, targets, bank)  {setup:8.2} s");
    println!(
        "  training                        {train_s:8.2} s  ({} learning steps, {:.2} ms each)",
        timed.calls,
        1e3 * learn_s / timed.calls.max(1) as f64
    );
    println!(
        "    learning (RLS steps)          {learn_s:8.2} s  ({:.0} %)",
        100.0 * learn_s / train_s
    );
    println!(
        "    simulation (the rest)         {sim_s:8.2} s  ({:.0} %)",
        100.0 * sim_s / train_s
    );
    if let Some((sim_cpu, learn_cpu)) = cpu {
        let est = sim_cpu + learn_cpu / threads as f64;
        println!(
            "  CPU time: simulation {sim_cpu:.2} s, learning {learn_cpu:.2} s over {threads} threads \
             => {est:.2} s on {threads} idle cores (estimate)"
        );
        println!(
            "cpu fig3 sim_cpu_s={sim_cpu:.3} learn_cpu_s={learn_cpu:.3} est_idle_wall_s={est:.3}"
        );
    }
    let mut bound = String::new();
    if let Some((bw, rd)) = bw {
        let steps = timed.calls.max(1) as f64;
        let t_read = p_bytes as f64 / (bw * 1e9);
        let ratio = bound_ratio(p_bytes, bw, learn_s / steps);
        let read_ratio = bound_ratio(p_bytes, rd, learn_s / steps);
        let at_bound = sim_s + steps * t_read;
        println!(
            "  bandwidth B = {bw:.2} GB/s (triad, best of 5 before and 5 after): one read of packed P ({:.1} MB) \
             takes {:.3} ms",
            p_bytes as f64 / 1e6,
            1e3 * t_read
        );
        println!(
            "    learning bound ratio {ratio:.3}; with learning at the bound the training would take {at_bound:.2} s"
        );
        println!(
            "  read-only rate B_read = {rd:.2} GB/s (same runs): learning read ratio {read_ratio:.3} \
             (1 = each step as fast as merely reading packed P)"
        );
        bound = format!(
            " bw_gbs={bw:.3} p_bytes={p_bytes} learn_bound_ratio={ratio:.4} at_bound_s={at_bound:.3} \
             read_gbs={rd:.3} learn_read_ratio={read_ratio:.4}"
        );
    }
    println!("  {tests} test trials                   {test_s:8.2} s");
    println!(
        "  last-loop Pearson {last:.4}, test Pearson {:.4}",
        test_mean
    );
    println!(
        "summary fig3 threads={threads} loops={loops} kernel={kernel:?} train_s={train_s:.3} learn_s={learn_s:.3} \
         sim_s={sim_s:.3} test_s={test_s:.3} last_pearson={last:.5} test_pearson={:.5}{bound} cos={cos:?}",
        test_mean
    );
}
