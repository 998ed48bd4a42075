//! `rls-bench`: how close one RLS sweep comes to the memory-bandwidth limit.
//!
//! ```text
//! cargo run --release -p spikelearn-rls --bin rls-bench              # full grid (a few minutes)
//! cargo run --release -p spikelearn-rls --bin rls-bench -- --quick   # small sizes only
//! options: --quick | --sizes 200,500 | --threads 1,2 | --defer 1,4,8 | --reps 5 | --min-ms 400
//!          --ref-max-gb 6 (skip the reference kernel when its dense P exceeds this) | --no-ref | --bw-mib 512
//!          --kernels ref,prod,prod_f32 (which kernels to time; default all three)
//! ```
//!
//! 1. Copy bandwidth B: a STREAM triad a = b + s·c over three arrays of `--bw-mib` MiB each (default 512,
//!    well above the last-level cache), counted as STREAM does (24 bytes per element, no write-allocate),
//!    best of 8 runs, for each thread count; B is the best over thread counts (the machine's bandwidth).
//!    Read-only (Σ a, vectorised) and in-place read+write (a ← s·a) bandwidths are printed too (see 4).
//! 2. Per case (N, K) ∈ {(200, 60), (500, 150), (1000, 300), (2000, 600), (10000, 100)}, kernel ∈ {reference
//!    (`ref`), production (`prod`), production with f32 storage of P (`prod_f32`, `Kernel::PackedF32`, opt-in
//!    reduced precision)}, threads ∈ {1, 2}: one sweep = one `RlsBank::step` over all N rows (drive objective, K
//!    random distinct inputs per row; the production kernels at the bank's default deferral depth for K and
//!    the size of P, `spikelearn_rls::default_defer`, unless `--defer` lists depths). Samples are one
//!    deferral cycle each (m sweeps of the production kernel: m − 1 read-only sweeps and one materialising
//!    sweep; one sweep of the reference), taken for `--reps` × `--min-ms` ms after a warm-up cycle; the time
//!    per sweep is the median over samples (and the best, which is less sensitive to other processes on a
//!    shared machine).
//!    * neuron-updates/s = N / t;
//!    * bound ratio = (N K(K+1)/2 · 8 bytes / B) / t: the time to read the packed f64 P matrices once at the
//!      measured bandwidth over the measured time. Every element of P changes at every update, so an exact
//!      f64 sweep cannot beat one read of packed P; 1 is the physical limit (above 1 only when P fits in a
//!      cache). `prod_f32` is given the same bound (the f64 packed read time), so its ratio can reach 2
//!      when it runs at the bandwidth limit of its own half-size stream;
//!    * store_MB: the bytes of P the kernel holds and streams (dense f64 K² for `ref`, packed f64 for
//!      `prod`, packed f32 for `prod_f32`), and own_ratio = (store bytes / B) / t (equal to the bound ratio
//!      for `prod`, half of it for `prod_f32`).
//!
//! 3. Because the host's bandwidth drifts over minutes, the triad is also re-measured around every case (best of
//!    3 runs before and 3 after, with the largest thread count): `B_local` / `bw_local_gbs`, and
//!    `ratio_local` / `bound_ratio_local` = (packed-P bytes / B_local) / t, the same ratio against the bandwidth of
//!    the case's own minute (`bound_ratio_local_best` with the best sample).
//!
//! 4. The read-only rate is re-measured the same way (`Bread_local` / `read_local_gbs`: best of 3 vectorised
//!    read passes before and 3 after, largest thread count), and `read_ratio` / `read_ratio_local` =
//!    (packed-P bytes / Bread_local) / t: the sweep against a pure read stream of the same bytes in the same
//!    minute (1 = the sweep runs as fast as merely reading P; `read_ratio_local_best` with the best sample).
//!    An exact m = 1 sweep reads and writes P, so where an in-place read+write pass reads more slowly than a
//!    plain read (both development VMs; see `--passes`), its read ratio stays below 1 by that factor.
//!
//! 5. `--passes` replaces the sweeps by a decomposition of one step: the bare passes over the same packed
//!    store (fused m = 1 pass, read-only product, flushes of 2 and 4 pending terms, a plain read and a plain
//!    in-place scale of the same bytes), interleaved round by round, each relative to the plain read and
//!    scale, and the per-step cost of deferral depths m = 1, 2, 4 estimated from them
//!    (`passes ...` and `passes_defer_estimate ...` lines; see [`passes`]).
//!
//! One line per case is printed for scripts:
//! `summary N=1000 K=300 threads=2 kernel=prod ms=.. updates_per_s=.. bound_ratio=.. defer=.. ...
//! p_bytes=.. own_ratio=.. bw_local_gbs=.. bound_ratio_local=.. bound_ratio_local_best=.. read_local_gbs=..
//! read_ratio_local=.. read_ratio_local_best=..`.

use spikelearn_rls::kernels::{
    packed_deferred_product, packed_index, packed_len, packed_materialise_product,
};
use spikelearn_rls::membw::{Stream, bound_ratio, median, packed_f64_bytes, read_sum};
use spikelearn_rls::{Kernel, Objective, RlsBank, kernels};
use std::hint::black_box;
use std::time::Instant;

struct Args {
    sizes: Vec<(usize, usize)>,
    threads: Vec<usize>,
    /// Deferral depths to time; empty: the bank's default for the case (`default_defer`).
    defers: Vec<usize>,
    reps: usize,
    min_ms: f64,
    ref_max_gb: f64,
    bw_mib: usize,
    kernels: Vec<Kernel>,
    passes: bool,
}

/// Name printed for a kernel.
fn kernel_name(k: Kernel) -> &'static str {
    match k {
        Kernel::Reference => "ref",
        Kernel::Packed => "prod",
        Kernel::PackedF32 => "prod_f32",
    }
}

/// Usage text (`--help`); the doc comment at the top of this file explains every column.
const USAGE: &str = "\
rls-bench: copy bandwidth, then one RLS sweep per case with its bound ratio (see crates/rls/README.md)

usage: rls-bench [options]
  --quick              small sizes only (N = 200, 500), fewer samples
  --sizes 200,500      network sizes N (K = 0.3 N, K = 100 from N = 10000)
  --k K                plastic inputs per row for every size
  --threads 1,2        thread counts
  --defer 1,4          deferral depths m of the production kernels (default: the bank's own
                       choice for the case's K and P size, spikelearn_rls::default_defer)
  --kernels ref,prod,prod_f32
                       kernels to time
  --reps 5             sample groups per case
  --min-ms 400         time per sample group (ms)
  --ref-max-gb 6       skip the reference kernel when its dense P exceeds this (GB)
  --no-ref             skip the reference kernel
  --bw-mib 512         size of each STREAM triad array (MiB)
  --passes             instead of bank sweeps, time the bare passes over packed P (fused m = 1 pass,
                       read-only product, flush of 2 and 4 terms, plain read, plain in-place scale)
  -h, --help           this text";

/// Print `msg` and the usage to stderr and exit with status 2 (bad command line).
fn fail(msg: &str) -> ! {
    eprintln!("rls-bench: error: {msg}\n\n{USAGE}");
    std::process::exit(2)
}

/// Parse `v` as the value of option `opt`, or fail naming both.
fn num<T: std::str::FromStr>(opt: &str, v: &str) -> T {
    v.trim()
        .parse()
        .unwrap_or_else(|_| fail(&format!("{opt}: not a valid number: {v:?}")))
}

/// A comma-separated list of positive integers for option `opt`.
fn parse_list(opt: &str, s: &str) -> Vec<usize> {
    let v: Vec<usize> = s.split(',').map(|v| num(opt, v)).collect();
    if v.contains(&0) {
        fail(&format!("{opt}: values must be at least 1, got {s:?}"));
    }
    v
}

fn k_for(n: usize) -> usize {
    if n >= 10_000 {
        100
    } else {
        (0.3 * n as f64).round() as usize
    }
}

fn parse() -> Args {
    let mut a = Args {
        sizes: [200, 500, 1000, 2000, 10_000]
            .iter()
            .map(|&n| (n, k_for(n)))
            .collect(),
        threads: vec![1, 2],
        defers: Vec::new(),
        reps: 5,
        min_ms: 400.0,
        ref_max_gb: 6.0,
        bw_mib: 512,
        kernels: vec![Kernel::Reference, Kernel::Packed, Kernel::PackedF32],
        passes: false,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    // `--k` applies to every size, whatever the order of `--k` and `--sizes`/`--quick`
    let mut k_all: Option<usize> = None;
    let mut i = 0;
    while i < argv.len() {
        let val = |i: usize| {
            argv.get(i + 1)
                .cloned()
                .unwrap_or_else(|| fail(&format!("{} needs a value", argv[i])))
        };
        match argv[i].as_str() {
            "--quick" => {
                a.sizes = vec![(200, 60), (500, 150)];
                a.reps = 3;
                a.min_ms = 100.0;
                a.bw_mib = 256;
            }
            "--sizes" => {
                a.sizes = parse_list("--sizes", &val(i))
                    .into_iter()
                    .map(|n| (n, k_for(n)))
                    .collect();
                i += 1;
            }
            "--k" => {
                let k = num("--k", &val(i));
                if k == 0 {
                    fail("--k: must be at least 1");
                }
                k_all = Some(k);
                i += 1;
            }
            "--threads" => {
                a.threads = parse_list("--threads", &val(i));
                i += 1;
            }
            "--defer" => {
                a.defers = parse_list("--defer", &val(i));
                i += 1;
            }
            "--reps" => {
                a.reps = num("--reps", &val(i));
                if a.reps == 0 {
                    fail("--reps: must be at least 1");
                }
                i += 1;
            }
            "--min-ms" => {
                a.min_ms = num("--min-ms", &val(i));
                if !(a.min_ms > 0.0 && a.min_ms.is_finite()) {
                    fail("--min-ms: must be a positive number of milliseconds");
                }
                i += 1;
            }
            "--ref-max-gb" => {
                a.ref_max_gb = num("--ref-max-gb", &val(i));
                if a.ref_max_gb.is_nan() || a.ref_max_gb < 0.0 {
                    fail("--ref-max-gb: must be a size in GB, at least 0");
                }
                i += 1;
            }
            "--no-ref" => a.ref_max_gb = 0.0,
            "--passes" => a.passes = true,
            "--kernels" => {
                a.kernels = val(i)
                    .split(',')
                    .map(|k| match k.trim() {
                        "ref" => Kernel::Reference,
                        "prod" => Kernel::Packed,
                        "prod_f32" => Kernel::PackedF32,
                        other => fail(&format!(
                            "--kernels: unknown kernel {other:?} (ref, prod, prod_f32)"
                        )),
                    })
                    .collect();
                i += 1;
            }
            "--bw-mib" => {
                a.bw_mib = num("--bw-mib", &val(i));
                if !(1..=4096).contains(&a.bw_mib) {
                    fail("--bw-mib: must be between 1 and 4096 (MiB per array, three arrays)");
                }
                i += 1;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => fail(&format!("unknown argument {other:?}")),
        }
        i += 1;
    }
    if let Some(k) = k_all {
        a.sizes.iter_mut().for_each(|s| s.1 = k);
    }
    if let Some(&(n, k)) = a.sizes.iter().find(|&&(n, k)| k >= n) {
        fail(&format!(
            "--k: K = {k} plastic inputs per row needs N > K (no autapses), but N = {n}"
        ));
    }
    a
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// splitmix64: a tiny deterministic generator for bench inputs.
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// K distinct random presynaptic indices per row (no autapse), sorted.
fn layout(n: usize, k: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = Mix(seed);
    let mut ptr = vec![0];
    let mut idx = Vec::with_capacity(n * k);
    let mut mark = vec![false; n];
    for i in 0..n {
        let mut row = Vec::with_capacity(k);
        while row.len() < k {
            let j = (rng.next() % n as u64) as usize;
            if j != i && !mark[j] {
                mark[j] = true;
                row.push(j);
            }
        }
        row.iter().for_each(|&j| mark[j] = false);
        row.sort_unstable();
        idx.extend(row);
        ptr.push(idx.len());
    }
    (ptr, idx)
}

struct Case<'a> {
    n: usize,
    k: usize,
    ptr: &'a [usize],
    idx: &'a [usize],
    rs: &'a [Vec<f64>],
    fs: &'a [Vec<f64>],
}

/// Per-sweep time in ms: (median, best) over samples of one deferral cycle each (m sweeps for the
/// production kernel, so every sample holds one materialising sweep), sampled for at least
/// `reps · min_ms` ms and at least 5 samples.
/// Also returns the bank's P bytes and the deferral depth it ran with (`defer`, or the bank's default when
/// `None`).
fn time_case(
    c: &Case<'_>,
    kernel: Kernel,
    defer: Option<usize>,
    threads: usize,
    reps: usize,
    min_ms: f64,
) -> (f64, f64, usize, usize) {
    pool(threads).install(|| {
        let mut bank = RlsBank::new(c.ptr, 1.0, kernel).expect("bank");
        if let Some(m) = defer {
            bank.set_defer(m);
        }
        let cycle = if kernel == Kernel::Reference {
            1
        } else {
            bank.defer()
        };
        let mut w = vec![0.0; c.idx.len()];
        let mut t = 0usize;
        let mut sweep = |bank: &mut RlsBank, w: &mut [f64]| {
            let s = t % c.rs.len();
            bank.step(c.idx, &c.rs[s], w, &c.fs[s], Objective::Drive)
                .expect("finite");
            t += 1;
        };
        // warm-up: one cycle (touches every page, fills the pending slots)
        for _ in 0..cycle {
            sweep(&mut bank, &mut w);
        }
        let budget = reps as f64 * min_ms;
        let mut ms = Vec::new();
        let start = Instant::now();
        while ms.len() < 5 || start.elapsed().as_secs_f64() * 1e3 < budget {
            let t0 = Instant::now();
            for _ in 0..cycle {
                sweep(&mut bank, &mut w);
            }
            ms.push(t0.elapsed().as_secs_f64() * 1e3 / cycle as f64);
        }
        black_box(&w);
        let best = ms.iter().cloned().fold(f64::INFINITY, f64::min);
        (median(&mut ms), best, bank.p_bytes(), bank.defer())
    })
}

fn main() {
    let args = parse();
    println!(
        "rls-bench: RLS sweep vs memory bandwidth (exact f64 kernels; prod_f32 = opt-in f32 storage of P)"
    );
    println!(
        "kernels dispatch to: {} (all paths bit-identical); rayon default threads: {}",
        kernels::isa(),
        rayon::current_num_threads()
    );
    println!(
        "\n## copy bandwidth (STREAM triad a = b + s c, 3 x {} MiB, 24 B/element; best of 8)",
        args.bw_mib
    );
    println!("threads  triad_best_GB/s  triad_median_GB/s  read_GB/s  read+write_GB/s");
    let mut bw = 0.0f64;
    for &th in &args.threads {
        let b = Stream::new(th, args.bw_mib).measure(8);
        let (tb, tm, rd, rw) = (b.triad_best, b.triad_median, b.read_best, b.rw_best);
        println!("{th:>7}  {tb:>15.2}  {tm:>17.2}  {rd:>9.2}  {rw:>15.2}");
        println!("bandwidth threads={th} triad_gbs={tb:.3} read_gbs={rd:.3} rw_gbs={rw:.3}");
        bw = bw.max(tb);
    }
    println!("bound uses B = {bw:.2} GB/s (best triad over thread counts)");
    if args.passes {
        for &(n, k) in &args.sizes {
            for &th in &args.threads {
                passes(n, k, th, args.reps);
            }
        }
        return;
    }
    // Re-measured around every case (3 triads and 3 reads before and after, best of the 6, with the
    // largest thread count): the host's bandwidth drifts over minutes, and the `_local` ratios compare the
    // sweep with the bandwidth of its own minute.
    let max_threads = args.threads.iter().copied().max().unwrap_or(1);
    let mut local = Stream::new(max_threads, args.bw_mib);
    println!(
        "\n## sweeps (ms per sweep: median and best over samples of one deferral cycle; \
         bound ratio = packed-P read time at B / sweep time)"
    );
    println!(
        "{:>6} {:>4} {:>8} {:>8} {:>8} {:>5} {:>7} {:>9} {:>9} {:>10} {:>14} {:>11} {:>10} {:>9} {:>8} {:>11} {:>11} {:>10}",
        "N",
        "K",
        "P_MB",
        "store_MB",
        "kernel",
        "defer",
        "threads",
        "ms",
        "ms_best",
        "updates/s",
        "updates/s/core",
        "bound_ratio",
        "ratio_best",
        "own_ratio",
        "B_local",
        "ratio_local",
        "Bread_local",
        "read_ratio"
    );
    for &(n, k) in &args.sizes {
        assert!(k < n, "K must be below N");
        let (ptr, idx) = layout(n, k, 1 + n as u64);
        let mut rng = Mix(99 + n as u64);
        // a few input vectors cycled through: r ~ U[0, 0.5] (per τ), targets ~ U[-1, 1]
        let rs: Vec<Vec<f64>> = (0..7)
            .map(|_| (0..n).map(|_| 0.5 * rng.unit()).collect())
            .collect();
        let fs: Vec<Vec<f64>> = (0..7)
            .map(|_| (0..n).map(|_| 2.0 * rng.unit() - 1.0).collect())
            .collect();
        let case = Case {
            n,
            k,
            ptr: &ptr,
            idx: &idx,
            rs: &rs,
            fs: &fs,
        };
        let packed_bytes = packed_f64_bytes(std::iter::repeat_n(k, n));
        let dense_gb = (n * k * k * 8) as f64 / 1e9;
        let mut runs: Vec<(Kernel, Option<usize>)> = Vec::new();
        let want = |k: Kernel| args.kernels.contains(&k);
        if want(Kernel::Reference) && dense_gb <= args.ref_max_gb {
            runs.push((Kernel::Reference, None));
        } else if want(Kernel::Reference) {
            println!(
                "(skipping reference at N={n} K={k}: dense P = {dense_gb:.1} GB > --ref-max-gb {})",
                args.ref_max_gb
            );
        }
        for kernel in [Kernel::Packed, Kernel::PackedF32] {
            if want(kernel) {
                if args.defers.is_empty() {
                    runs.push((kernel, None));
                }
                runs.extend(args.defers.iter().map(|&m| (kernel, Some(m))));
            }
        }
        for (kernel, defer) in runs {
            for &th in &args.threads {
                let bw_before = local.best_triad(3);
                let rd_before = local.best_read(3);
                let (ms, best, p_bytes, defer) =
                    time_case(&case, kernel, defer, th, args.reps, args.min_ms);
                let bw_local = bw_before.max(local.best_triad(3));
                let rd_local = rd_before.max(local.best_read(3));
                let (t, t_best) = (ms * 1e-3, best * 1e-3);
                let read_ratio = bound_ratio(packed_bytes, rd_local, t);
                let read_ratio_best = bound_ratio(packed_bytes, rd_local, t_best);
                let ratio_local = bound_ratio(packed_bytes, bw_local, t);
                let ratio_local_best = bound_ratio(packed_bytes, bw_local, t_best);
                let ups = case.n as f64 / t;
                let ratio = bound_ratio(packed_bytes, bw, t);
                let ratio_best = bound_ratio(packed_bytes, bw, t_best);
                let own_ratio = bound_ratio(p_bytes, bw, t);
                let name = kernel_name(kernel);
                println!(
                    "{:>6} {:>4} {:>8.1} {:>8.1} {:>8} {:>5} {:>7} {:>9.3} {:>9.3} {:>10.3e} {:>14.3e} {:>11.3} {:>10.3} {:>9.3} {:>8.2} {:>11.3} {:>11.2} {:>10.3}",
                    n,
                    case.k,
                    packed_bytes as f64 / 1e6,
                    p_bytes as f64 / 1e6,
                    name,
                    if kernel != Kernel::Reference {
                        defer.to_string()
                    } else {
                        "-".into()
                    },
                    th,
                    ms,
                    best,
                    ups,
                    ups / th as f64,
                    ratio,
                    ratio_best,
                    own_ratio,
                    bw_local,
                    ratio_local,
                    rd_local,
                    read_ratio
                );
                println!(
                    "summary N={n} K={} threads={th} kernel={name} ms={ms:.4} updates_per_s={ups:.4e} \
                     bound_ratio={ratio:.4} defer={defer} ms_best={best:.4} bound_ratio_best={ratio_best:.4} \
                     p_bytes={p_bytes} own_ratio={own_ratio:.4} bw_local_gbs={bw_local:.3} \
                     bound_ratio_local={ratio_local:.4} bound_ratio_local_best={ratio_local_best:.4} \
                     read_local_gbs={rd_local:.3} read_ratio_local={read_ratio:.4} \
                     read_ratio_local_best={read_ratio_best:.4}",
                    case.k
                );
            }
        }
    }
}

/// The bare passes over N packed K×K matrices stored back to back (as in the bank), each timed over the
/// whole store with `threads` threads (rayon, matrices split evenly), interleaved round by round so that
/// drifts of the host hit all of them alike: median ms over `8 · reps` rounds, and the time relative to a
/// plain read (`read_sum`) and to a plain in-place scale (a ← s·a) of the same bytes.
///
/// * `fused`: the m = 1 step's pass, one pending downdate written while P x is formed (read + write);
/// * `product`: the read-only Woodbury-form product with no pending term (what m > 1 does between flushes);
/// * `flush2`, `flush4`: the materialising pass with 2 and 4 pending terms (every m-th step for m = 2, 4);
/// * `read`, `scale`: what merely reading, and reading and writing back, the same bytes costs.
///
/// Per step, deferral depth m costs (flush_m + (m − 1) · product) / m against `fused` for m = 1; the line
/// `passes_defer_estimate` prints that for m = 2 and 4.
fn passes(n: usize, k: usize, threads: usize, reps: usize) {
    use rayon::prelude::*;
    let len = packed_len(k);
    let mut p = vec![0.0f64; n * len];
    let x: Vec<f64> = (0..k).map(|i| 0.3 + 0.001 * i as f64).collect();
    let q: Vec<f64> = (0..4 * k).map(|i| 1e-4 * (i % 7) as f64).collect();
    let c = [1e-6, 2e-6, 3e-6, 4e-6];
    let names = ["fused", "product", "flush2", "flush4", "read", "scale"];
    let pool = pool(threads);
    let per = n.div_ceil(threads);
    pool.install(|| {
        // first touch in parallel (pages spread like the bank's), P = I plus small off-diagonal values
        p.par_chunks_mut(len).for_each(|m| {
            m.iter_mut()
                .enumerate()
                .for_each(|(i, v)| *v = 1e-3 * (i % 97) as f64);
            for a in 0..k {
                m[packed_index(k, a, a)] = 1.0;
            }
        });
    });
    let run = |p: &mut [f64], pass: usize| {
        pool.install(|| {
            p.par_chunks_mut(per * len).for_each(|part| {
                let mut y = vec![0.0; k];
                let mut acc = 0.0;
                for m in part.chunks_mut(len) {
                    match pass {
                        0 => packed_materialise_product(m, &c[..1], &q[..k], &x, &mut y),
                        1 => packed_deferred_product(m, &[], &[], &x, &mut y),
                        2 => packed_materialise_product(m, &c[..2], &q[..2 * k], &x, &mut y),
                        3 => packed_materialise_product(m, &c[..4], &q, &x, &mut y),
                        4 => acc += read_sum(m),
                        _ => m.iter_mut().for_each(|v| *v *= 0.999_999_9),
                    }
                    acc += y[0];
                }
                black_box(acc);
            })
        })
    };
    let mut t: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for pass in 0..names.len() {
        run(&mut p, pass); // warm-up
    }
    for _ in 0..8 * reps {
        for (pass, v) in t.iter_mut().enumerate() {
            let t0 = Instant::now();
            run(&mut p, pass);
            v.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    let med: Vec<f64> = t.iter_mut().map(|v| median(v)).collect();
    let (read, scale) = (med[4], med[5]);
    let mb = (n * len * 8) as f64 / 1e6;
    println!(
        "\n## passes N={n} K={k} threads={threads}: {mb:.1} MB of packed P, median of {} rounds",
        8 * reps
    );
    for (name, &ms) in names.iter().zip(&med) {
        println!(
            "passes N={n} K={k} threads={threads} pass={name} ms={ms:.4} vs_read={:.3} vs_scale={:.3} read_gbs={:.2}",
            ms / read,
            ms / scale,
            mb / 1e3 / (ms * 1e-3)
        );
    }
    let m2 = (med[2] + med[1]) / 2.0;
    let m4 = (med[3] + 3.0 * med[1]) / 4.0;
    println!(
        "passes_defer_estimate N={n} K={k} threads={threads} m1_ms={:.4} m2_ms={m2:.4} m4_ms={m4:.4}",
        med[0]
    );
}
