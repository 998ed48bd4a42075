#![allow(missing_docs)] // criterion macros generate undocumented items
//! Criterion bench: one simulation step of a random network (no learning) at N ∈ {200, 500, 1000}, p = 0.3.
use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spikelearn_sim::{Input, Network, SparseRows, Theta, Trial};

fn bench(c: &mut Criterion) {
    for &n in &[200usize, 500, 1000] {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let w = SparseRows::gaussian(n, 0.3, 4.0, true, &mut rng).unwrap();
        let mut net = Network::new(Theta::new(n, &mut rng), w, 0.1, 2.0).unwrap();
        let stim = vec![0.5; n];
        let input = Input {
            stimulus: &stim,
            bias: None,
            noise: None,
        };
        // warm up into the active regime
        net.run(
            &Trial {
                pre: 0,
                stim: 200,
                window: 0,
                post: 500,
            },
            &input,
            None,
            &mut [],
        )
        .unwrap();
        c.bench_function(&format!("network_100_steps_N{n}"), |b| {
            b.iter(|| {
                net.run(
                    &Trial {
                        pre: 100,
                        stim: 0,
                        window: 0,
                        post: 0,
                    },
                    &input,
                    None,
                    &mut [],
                )
                .unwrap()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
