//! Criterion bench: one full RLS update sweep over all N neurons with K = 0.3 N plastic inputs each,
//! for the reference and the production kernel, N ∈ {200, 500, 1000}.
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spikelearn_rls::{Kernel, Objective, RlsBank};

fn bench(c: &mut Criterion) {
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
        for kernel in [Kernel::Reference, Kernel::Packed] {
            let mut bank = RlsBank::new(&ptr, 1.0, kernel).unwrap();
            let mut w = vec![0.0; idx.len()];
            g.bench_function(format!("{kernel:?}_N{n}_K{k}"), |b| {
                b.iter(|| bank.step(&idx, &r, &mut w, &f, Objective::Drive).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
