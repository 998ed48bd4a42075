#![allow(missing_docs)] // criterion macros generate undocumented items
//! Criterion bench: one full RLS update sweep over all N neurons with K = 0.3 N plastic inputs each, for the
//! reference kernel, the production kernel (deferral depth 1 and the default) and the opt-in f32-storage
//! production kernel (m = 1), N ∈ {200, 500, 1000}, plus the single-row kernels (f64 and f32 storage) at
//! K = 300. For bound ratios against the measured memory bandwidth use the
//! `rls-bench` binary (`cargo run --release -p spikelearn-rls --bin rls-bench`).
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spikelearn_rls::kernels::{
    packed_deferred_product, packed_deferred_product_f32, packed_len, packed_materialise_product,
    packed_materialise_product_f32,
};
use spikelearn_rls::membw::packed_f64_bytes;
use spikelearn_rls::{Kernel, Objective, RlsBank, default_defer};

fn sweep(c: &mut Criterion) {
    let mut g = c.benchmark_group("rls_sweep");
    g.sample_size(10);
    for &n in &[200usize, 500, 1000] {
        let k = (0.3 * n as f64) as usize;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut ptr = vec![0];
        let mut idx = Vec::new();
        for i in 0..n {
            idx.extend((0..k).map(|a| (i + 1 + a) % n));
            ptr.push(idx.len());
        }
        let r: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..0.5)).collect();
        let f: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut cases = vec![
            (Kernel::Reference, 1),
            (Kernel::Packed, 1),
            (
                Kernel::Packed,
                default_defer(
                    Kernel::Packed,
                    k as f64,
                    packed_f64_bytes(std::iter::repeat_n(k, n)),
                ),
            ),
            (Kernel::PackedF32, 1),
        ];
        cases.dedup(); // the default depth may be 1 (criterion IDs must be unique)
        for (kernel, defer) in cases {
            let mut bank = RlsBank::new(&ptr, 1.0, kernel).unwrap();
            bank.set_defer(defer);
            let mut w = vec![0.0; idx.len()];
            g.bench_function(format!("{kernel:?}_m{defer}_N{n}_K{k}"), |b| {
                b.iter(|| bank.step(&idx, &r, &mut w, &f, Objective::Drive).unwrap())
            });
        }
    }
    g.finish();
}

fn row_kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("rls_row");
    let k = 300;
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut p: Vec<f64> = (0..packed_len(k))
        .map(|_| rng.random_range(-1e-3..1e-3))
        .collect();
    let x: Vec<f64> = (0..k).map(|_| rng.random_range(0.0..0.5)).collect();
    let np = 4;
    let cs = vec![1e-9; np];
    let qs: Vec<f64> = (0..np * k).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut y = vec![0.0; k];
    g.bench_function(format!("deferred_product_K{k}_n{np}"), |b| {
        b.iter(|| packed_deferred_product(&p, &cs, &qs, &x, &mut y))
    });
    g.bench_function(format!("materialise_product_K{k}_n{np}"), |b| {
        b.iter(|| packed_materialise_product(&mut p, &cs, &qs, &x, &mut y))
    });
    let mut p32: Vec<f32> = p.iter().map(|&v| v as f32).collect();
    g.bench_function(format!("deferred_product_f32_K{k}_n{np}"), |b| {
        b.iter(|| packed_deferred_product_f32(&p32, &cs, &qs, &x, &mut y))
    });
    g.bench_function(format!("materialise_product_f32_K{k}_n{np}"), |b| {
        b.iter(|| packed_materialise_product_f32(&mut p32, &cs, &qs, &x, &mut y))
    });
    g.finish();
}

criterion_group!(benches, sweep, row_kernels);
criterion_main!(benches);
