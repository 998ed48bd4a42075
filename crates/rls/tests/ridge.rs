//! Cross-implementation and analytic tests of the RLS bank (paper-spec §11.1 A4, A5, A12).

use ndarray::{Array1, Array2};
use ndarray_linalg::Inverse;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spikelearn_meanfield::Phi2;
use spikelearn_rls::{Kernel, Objective, RlsBank};

/// Random CSR layout: row i has k_i distinct presynaptic indices out of n (no autapse).
fn layout(n: usize, kmax: usize, rng: &mut ChaCha8Rng) -> (Vec<usize>, Vec<usize>) {
    let mut ptr = vec![0];
    let mut idx = Vec::new();
    for i in 0..n {
        let k = rng.random_range(0..=kmax.min(n - 1));
        let mut cols: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        // partial Fisher-Yates
        for a in 0..k {
            let b = rng.random_range(a..cols.len());
            cols.swap(a, b);
        }
        let mut c = cols[..k].to_vec();
        c.sort_unstable();
        idx.extend(c);
        ptr.push(idx.len());
    }
    (ptr, idx)
}

/// A4: after n drive updates from w0 with P(0) = I/λ, w equals the ridge solution with prior mean w0,
/// w = w0 + (Σ x xᵀ + λI)⁻¹ Σ x (f − w0·x), and P = (Σ x xᵀ + λI)⁻¹.
/// Tolerance 1e-9 relative: the RLS recursion and the direct inverse differ only by rounding on
/// well-conditioned (λ ≥ 0.5, K ≤ 12) systems.
#[test]
fn drive_rls_equals_batch_ridge() {
    for kernel in [Kernel::Reference, Kernel::Packed] {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 15;
        let (ptr, idx) = layout(n, 12, &mut rng);
        let lambda = 0.7;
        let mut bank = RlsBank::new(&ptr, lambda, kernel).unwrap();
        let w0: Vec<f64> = (0..idx.len())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let mut w = w0.clone();
        let steps = 40;
        let rs: Vec<Vec<f64>> = (0..steps)
            .map(|_| (0..n).map(|_| rng.random_range(0.0..2.0)).collect())
            .collect();
        let fs: Vec<Vec<f64>> = (0..steps)
            .map(|_| (0..n).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect();
        for t in 0..steps {
            bank.step(&idx, &rs[t], &mut w, &fs[t], Objective::Drive)
                .unwrap();
        }
        for i in 0..n {
            let (a, b) = (ptr[i], ptr[i + 1]);
            let k = b - a;
            if k == 0 {
                continue;
            }
            let mut m = Array2::<f64>::eye(k) * lambda;
            let mut rhs = Array1::<f64>::zeros(k);
            for t in 0..steps {
                let x: Array1<f64> = idx[a..b].iter().map(|&j| rs[t][j]).collect();
                let pred0: f64 = x.iter().zip(&w0[a..b]).map(|(p, q)| p * q).sum();
                for u in 0..k {
                    for v in 0..k {
                        m[[u, v]] += x[u] * x[v];
                    }
                    rhs[u] += x[u] * (fs[t][i] - pred0);
                }
            }
            let pinv = m.inv().unwrap();
            let dw = pinv.dot(&rhs);
            for u in 0..k {
                let expect = w0[a + u] + dw[u];
                assert!(
                    (w[a + u] - expect).abs() <= 1e-9 * (1.0 + expect.abs()),
                    "{kernel:?} row {i}"
                );
            }
            let p = bank.p_dense(i);
            for u in 0..k {
                for v in 0..k {
                    assert!(
                        (p[u * k + v] - pinv[[u, v]]).abs() <= 1e-9 * (1.0 + pinv[[u, v]].abs())
                    );
                    // symmetry to 1e-12 (packed storage is symmetric by construction; dense by arithmetic)
                    assert!((p[u * k + v] - p[v * k + u]).abs() <= 1e-12);
                }
            }
        }
    }
}

/// A5: rate-training RLS equals the drive recursion applied to x̃ = φ'(w·x + I) x with the error
/// e = f − φ(w·x + I). Checked by replaying the same sequence through a one-row drive bank fed with the
/// scaled inputs (which is A4 for fixed x̃). Tolerance 1e-12: identical arithmetic up to ordering.
#[test]
fn rate_rls_reduces_to_scaled_drive_rls() {
    let phi = Phi2::PAPER;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let n = 6;
    let ptr = vec![0, n - 1];
    let idx: Vec<usize> = (1..n).collect();
    let mut bank = RlsBank::new(&ptr, 1.0, Kernel::Reference).unwrap();
    let mut w: Vec<f64> = (0..n - 1).map(|_| rng.random_range(-0.5..0.5)).collect();
    // shadow: dense P and w evolved by hand
    let k = n - 1;
    let mut p = vec![0.0; k * k];
    (0..k).for_each(|a| p[a * k + a] = 1.0);
    let mut ws = w.clone();
    let ext = [0.2];
    for _ in 0..30 {
        let r: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..1.5)).collect();
        let f = [rng.random_range(0.0..0.4)];
        bank.step(
            &idx,
            &r,
            &mut w,
            &f,
            Objective::Rate {
                transfer: &phi,
                ext: &ext,
            },
        )
        .unwrap();
        let x: Vec<f64> = idx.iter().map(|&j| r[j]).collect();
        let wx: f64 = x.iter().zip(&ws).map(|(a, b)| a * b).sum();
        let g = spikelearn_meanfield::phi2_prime(wx + ext[0], 0.1);
        let xt: Vec<f64> = x.iter().map(|v| v * g).collect();
        let e = f[0] - spikelearn_meanfield::phi2(wx + ext[0], 0.1);
        let mut q = vec![0.0; k];
        let c = spikelearn_rls::kernels::dense_update(&mut p, &xt, &mut q);
        for a in 0..k {
            ws[a] += e * c * q[a];
        }
    }
    for a in 0..k {
        assert!((w[a] - ws[a]).abs() < 1e-12);
    }
}

/// Production kernel == reference kernel, and results do not depend on the thread count (bit for bit; also
/// for the f32-storage kernel).
#[test]
fn packed_equals_reference_and_threads_do_not_matter() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 60;
    let (ptr, idx) = layout(n, 25, &mut rng);
    let w0: Vec<f64> = (0..idx.len())
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let seq: Vec<(Vec<f64>, Vec<f64>)> = (0..50)
        .map(|_| {
            (
                (0..n).map(|_| rng.random_range(0.0..1.0)).collect(),
                (0..n).map(|_| rng.random_range(-1.0..1.0)).collect(),
            )
        })
        .collect();
    let run = |kernel: Kernel, threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut bank = RlsBank::new(&ptr, 1.0, kernel).unwrap();
            let mut w = w0.clone();
            for (r, f) in &seq {
                bank.step(&idx, r, &mut w, f, Objective::Drive).unwrap();
            }
            let ps: Vec<Vec<f64>> = (0..n).map(|i| bank.p_dense(i)).collect();
            (w, ps)
        })
    };
    let (wr, pr) = run(Kernel::Reference, 1);
    let (wp1, pp1) = run(Kernel::Packed, 1);
    let (wp3, pp3) = run(Kernel::Packed, 3);
    assert_eq!(wp1, wp3, "thread count changed w");
    assert_eq!(pp1, pp3, "thread count changed P");
    let (wf1, pf1) = run(Kernel::PackedF32, 1);
    let (wf3, pf3) = run(Kernel::PackedF32, 3);
    assert_eq!(wf1, wf3, "thread count changed w (f32 storage)");
    assert_eq!(pf1, pf3, "thread count changed P (f32 storage)");
    // reference vs packed: same math, different summation order; 1e-12 relative
    for (a, b) in wr.iter().zip(&wp1) {
        assert!((a - b).abs() <= 1e-12 * (1.0 + a.abs()), "{a} vs {b}");
    }
    for (ma, mb) in pr.iter().zip(&pp1) {
        for (a, b) in ma.iter().zip(mb) {
            assert!((a - b).abs() <= 1e-12 * (1.0 + a.abs()));
        }
    }
}

/// The kernels' serde names (as written in an experiment's TOML, `protocol.kernel = "packed_f32"`).
#[test]
fn kernel_serde_names() {
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};
    for (name, kernel) in [
        ("reference", Kernel::Reference),
        ("packed", Kernel::Packed),
        ("packed_f32", Kernel::PackedF32),
    ] {
        let de: StrDeserializer<'_, Error> = name.into_deserializer();
        assert_eq!(Kernel::deserialize(de).unwrap(), kernel);
    }
    let de: StrDeserializer<'_, Error> = "f32".into_deserializer();
    assert!(Kernel::deserialize(de).is_err());
    assert_eq!(
        Kernel::default(),
        Kernel::Packed,
        "the default stays exact f64"
    );
}

/// Bad input gets a typed error naming the argument.
#[test]
fn shape_and_lambda_errors() {
    assert!(RlsBank::new(&[0, 2], 0.0, Kernel::Packed).is_err());
    assert!(RlsBank::new(&[0, 2, 1], 1.0, Kernel::Packed).is_err());
    let mut bank = RlsBank::new(&[0, 2], 1.0, Kernel::Packed).unwrap();
    let err = bank
        .step(
            &[1, 2],
            &[0.0; 3],
            &mut [0.0; 2],
            &[0.0; 2],
            Objective::Drive,
        )
        .unwrap_err();
    assert!(err.to_string().contains("target"));
}

/// A diverging input (NaN rate of neuron 0, read only by row 1) is reported with the offending row.
#[test]
fn non_finite_is_reported() {
    let mut bank = RlsBank::new(&[0, 1, 2], 1.0, Kernel::Packed).unwrap();
    let err = bank
        .step(
            &[1, 0],
            &[f64::NAN, 1.0],
            &mut [0.0; 2],
            &[0.0; 2],
            Objective::Drive,
        )
        .unwrap_err();
    assert_eq!(err, spikelearn_rls::RlsError::NonFinite { row: 1 });
}

mod prop {
    use super::{ChaCha8Rng, Kernel, Objective, Phi2, RlsBank, SeedableRng, layout};
    use proptest::prelude::*;
    use rand::Rng;

    /// Run `steps` updates with `kernel` (and deferral depth `defer`) on `threads` threads; returns w and
    /// every row's dense P.
    fn run(
        ptr: &[usize],
        idx: &[usize],
        w0: &[f64],
        seq: &[(Vec<f64>, Vec<f64>)],
        rate: bool,
        kernel: Kernel,
        defer: usize,
        threads: usize,
    ) -> (Vec<f64>, Vec<Vec<f64>>) {
        let n = ptr.len() - 1;
        let phi = Phi2::PAPER;
        let ext: Vec<f64> = (0..n).map(|i| 0.3 * ((i as f64) * 0.7).sin()).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut bank = RlsBank::new(ptr, 0.8, kernel).unwrap();
            bank.set_defer(defer);
            let mut w = w0.to_vec();
            for (r, f) in seq {
                let obj = if rate {
                    Objective::Rate {
                        transfer: &phi,
                        ext: &ext,
                    }
                } else {
                    Objective::Drive
                };
                bank.step(idx, r, &mut w, f, obj).unwrap();
            }
            let ps = (0..n).map(|i| bank.p_dense(i)).collect();
            (w, ps)
        })
    }

    /// max |a − b| / max |a| over a slice (0 when both vanish).
    fn rel(a: &[f64], b: &[f64]) -> f64 {
        let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = a
            .iter()
            .zip(b)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
        if scale == 0.0 { diff } else { diff / scale }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

        /// Production (packed, deferred Woodbury-form) kernel == reference kernel across random sizes,
        /// masks, deferral depths, objectives and thread counts, and bit-identical for 1 vs `threads`
        /// threads. Tolerance 1e-12 relative to each row's largest |P| and to the largest |w|: the kernels
        /// differ only in summation order and in forming P_t x as P x − Σ c q (qᵀx) (cancellation bounded
        /// by the condition of P, ≲ 10 here: λ = 0.8, x ∈ [0, 1)^K, ≤ 60 steps).
        #[test]
        fn production_equals_reference(
            seed in 0u64..1_000_000,
            n in 2usize..40,
            kmax in 0usize..45,
            steps in 1usize..60,
            defer in 1usize..12,
            threads in 2usize..5,
            rate in any::<bool>(),
        ) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (ptr, idx) = layout(n, kmax, &mut rng);
            let w0: Vec<f64> = (0..idx.len()).map(|_| rng.random_range(-0.5..0.5)).collect();
            let seq: Vec<(Vec<f64>, Vec<f64>)> = (0..steps)
                .map(|_| {
                    (
                        (0..n).map(|_| rng.random_range(0.0..1.0)).collect(),
                        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect(),
                    )
                })
                .collect();
            let (wr, pr) = run(&ptr, &idx, &w0, &seq, rate, Kernel::Reference, 1, 1);
            let (wp, pp) = run(&ptr, &idx, &w0, &seq, rate, Kernel::Packed, defer, 1);
            let (wt, pt) = run(&ptr, &idx, &w0, &seq, rate, Kernel::Packed, defer, threads);
            prop_assert_eq!(&wp, &wt, "thread count changed w");
            prop_assert_eq!(&pp, &pt, "thread count changed P");
            prop_assert!(rel(&wr, &wp) <= 1e-12, "w: rel {}", rel(&wr, &wp));
            for (i, (a, b)) in pr.iter().zip(&pp).enumerate() {
                prop_assert!(rel(a, b) <= 1e-12, "P row {}: rel {}", i, rel(a, b));
            }
        }
    }

    /// max |a − b| over the scale of w: max over entries of |a| and of the learned change |a − w0| (so a
    /// row whose weights end near 0 is compared with the size of its updates, not with ~0).
    fn rel_w(a: &[f64], b: &[f64], w0: &[f64]) -> f64 {
        let scale = a
            .iter()
            .zip(w0)
            .fold(0.0f64, |m, (x, x0)| m.max(x.abs()).max((x - x0).abs()));
        let diff = a
            .iter()
            .zip(b)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
        if scale == 0.0 { diff } else { diff / scale }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

        /// Opt-in f32 storage (`Kernel::PackedF32`) agrees with the exact f64 packed kernel over 200–400
        /// steps on random small problems (drive and rate objectives, K ≤ 28): w to 1e-5 relative
        /// ([`rel_w`]: max |Δw| over the scale of w and of its learned change), every P_i to 1e-5
        /// relative (to its largest element), for m = 1 and for a random deferral depth m > 1; and it is
        /// bit-identical for 1 vs `threads` threads (m = 1 and m > 1).
        ///
        /// Why 1e-5: P is rounded to f32 (relative 2^-24 ≈ 6e-8) once per step; with λ = 0.8 and
        /// x ∈ [0, 1)^K the problems are well conditioned and the rounding errors do not amplify (RLS
        /// forgets perturbations of P as P shrinks ~1/t). Measured worst cases over 400 random cases
        /// (`PROPTEST_CASES=400`, 2026-11-28): w 2.2e-6 (m > 1: 1.4e-6), P 2.5e-6; the bound leaves
        /// a factor ≈ 4 for the random cases CI draws.
        #[test]
        fn f32_storage_tracks_f64(
            seed in 0u64..1_000_000,
            n in 2usize..30,
            kmax in 1usize..40,
            steps in 200usize..400,
            defer in 2usize..12,
            threads in 2usize..5,
            rate in any::<bool>(),
        ) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (ptr, idx) = layout(n, kmax, &mut rng);
            let w0: Vec<f64> = (0..idx.len()).map(|_| rng.random_range(-0.5..0.5)).collect();
            let seq: Vec<(Vec<f64>, Vec<f64>)> = (0..steps)
                .map(|_| {
                    (
                        (0..n).map(|_| rng.random_range(0.0..1.0)).collect(),
                        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect(),
                    )
                })
                .collect();
            let (w64, p64) = run(&ptr, &idx, &w0, &seq, rate, Kernel::Packed, 1, 1);
            let (w32, p32) = run(&ptr, &idx, &w0, &seq, rate, Kernel::PackedF32, 1, 1);
            let (wt, pt) = run(&ptr, &idx, &w0, &seq, rate, Kernel::PackedF32, 1, threads);
            prop_assert_eq!(&w32, &wt, "thread count changed w");
            prop_assert_eq!(&p32, &pt, "thread count changed P");
            let (wm1, pm1) = run(&ptr, &idx, &w0, &seq, rate, Kernel::PackedF32, defer, 1);
            let (wmt, pmt) = run(&ptr, &idx, &w0, &seq, rate, Kernel::PackedF32, defer, threads);
            prop_assert_eq!(&wm1, &wmt, "thread count changed w (m = {})", defer);
            prop_assert_eq!(&pm1, &pmt, "thread count changed P (m = {})", defer);
            let rw = rel_w(&w64, &w32, &w0);
            let rwm = rel_w(&w64, &wm1, &w0);
            let rp = p64.iter().zip(&p32).map(|(a, b)| rel(a, b)).fold(0.0f64, f64::max);
            prop_assert!(rw <= 1e-5, "w: rel {}", rw);
            prop_assert!(rp <= 1e-5, "P: rel {}", rp);
            prop_assert!(rwm <= 1e-5, "w (m = {}): rel {}", defer, rwm);
        }
    }
}
