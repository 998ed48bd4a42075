//! Statistical and reproducibility tests of the target generators (paper-spec §4, §1.2).

use ndarray::{Array2, ArrayView1, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spikelearn_meanfield::phi1;
use spikelearn_targets::{
    ChaoticRateParams, IdenticalSineParams, OuInit, OuParams, Phases, ProductOfSinesParams,
    SinesParams, TargetSpec, draw_products, draw_sines,
};

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Quasi-static mean population rate 100·mean_{i,t} φ1(f_i(t)) in Hz (paper-spec §1.2).
fn quasi_static_rate_hz(f: &Array2<f64>) -> f64 {
    100.0 * f.iter().map(|&x| phi1(x)).sum::<f64>() / f.len() as f64
}

fn all_specs() -> Vec<TargetSpec> {
    vec![
        TargetSpec::Sines(SinesParams::default()),
        TargetSpec::ProductOfSines(ProductOfSinesParams::default()),
        TargetSpec::ProductOfSines(ProductOfSinesParams {
            phases: Phases::Common,
            ..ProductOfSinesParams::default()
        }),
        TargetSpec::Ou(OuParams::default()),
        TargetSpec::Ou(OuParams {
            init: OuInit::Zero {
                transient_ms: 1100.0,
            },
            ..OuParams::default()
        }),
        TargetSpec::ChaoticRate(ChaoticRateParams {
            transient_ms: 100.0,
            ..ChaoticRateParams::default()
        }),
    ]
}

#[test]
fn same_seed_same_targets_different_seed_different_targets() {
    for spec in all_specs() {
        let a = spec.generate(40, 150, 1.0, &mut rng(5)).unwrap();
        let b = spec.generate(40, 150, 1.0, &mut rng(5)).unwrap();
        let c = spec.generate(40, 150, 1.0, &mut rng(6)).unwrap();
        assert_eq!(a.dim(), (40, 150), "{}", spec.kind());
        assert_eq!(a, b, "{} not reproducible", spec.kind());
        assert_ne!(a, c, "{} ignores the seed", spec.kind());
    }
    // The identical sine uses no randomness at all.
    let spec = TargetSpec::IdenticalSine(IdenticalSineParams::default());
    assert_eq!(
        spec.generate(5, 50, 1.0, &mut rng(1)).unwrap(),
        spec.generate(5, 50, 1.0, &mut rng(2)).unwrap()
    );
}

#[test]
fn per_neuron_draws_do_not_depend_on_n() {
    // Neuron 0 is drawn first, so the first rows of a larger set equal a smaller set (periodic and OU
    // families draw neuron by neuron).
    for spec in [
        TargetSpec::Sines(SinesParams::default()),
        TargetSpec::ProductOfSines(ProductOfSinesParams::default()),
        TargetSpec::Ou(OuParams::default()),
    ] {
        let small = spec.generate(3, 80, 1.0, &mut rng(9)).unwrap();
        let large = spec.generate(10, 80, 1.0, &mut rng(9)).unwrap();
        assert_eq!(
            small,
            large.slice(ndarray::s![..3, ..]).to_owned(),
            "{}",
            spec.kind()
        );
    }
}

#[test]
fn sines_respect_amplitude_and_period_ranges() {
    let p = SinesParams::default();
    let draws = draw_sines(&p, 1000, &mut rng(1));
    for d in &draws {
        assert!((0.5..1.5).contains(&d.amp));
        assert!((0.0..1000.0).contains(&d.t0_ms));
        assert!((300.0..1000.0).contains(&d.period_ms));
    }
    // generate() = the same draws tabulated at t = (s + 1)·dt.
    let dt = 2.0;
    let f = TargetSpec::Sines(p)
        .generate(1000, 500, dt, &mut rng(1))
        .unwrap();
    for (i, d) in draws.iter().enumerate() {
        for s in [0, 17, 499] {
            assert_eq!(f[[i, s]], d.value((s + 1) as f64 * dt));
        }
        // |f| ≤ A; over 1000 ms ≥ one full period (T1 ≤ 1000 ms) the peak reaches A to within
        // 1 − cos(2π·dt/(2·T1)) ≤ 1 − cos(π·2/300) ≈ 2.2e-4 relative (grid spacing vs shortest period).
        let peak = f.row(i).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(peak <= d.amp * (1.0 + 1e-12));
        assert!(peak >= d.amp * (1.0 - 2.2e-4), "{peak} vs {}", d.amp);
    }
}

#[test]
fn products_respect_amplitude_and_period_ranges() {
    let p = ProductOfSinesParams::default();
    let draws = draw_products(&p, 1000, &mut rng(2));
    let f = TargetSpec::ProductOfSines(p)
        .generate(1000, 1000, 1.0, &mut rng(2))
        .unwrap();
    for (i, d) in draws.iter().enumerate() {
        assert!((0.5..1.5).contains(&d.amp));
        assert!((500.0..1000.0).contains(&d.period1_ms));
        assert!((100.0..500.0).contains(&d.period2_ms));
        assert!((0.0..d.period1_ms).contains(&d.phase1_ms));
        assert!((0.0..d.period2_ms).contains(&d.phase2_ms));
        assert_eq!(f[[i, 99]], d.value(100.0));
        let peak = f.row(i).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(peak <= d.amp * (1.0 + 1e-12));
    }
    // Fig 3—supp 1: fixed amplitude, every |f| ≤ 0.1.
    let f = TargetSpec::ProductOfSines(ProductOfSinesParams::fig3_supp1(0.1))
        .generate(200, 1000, 1.0, &mut rng(3))
        .unwrap();
    assert!(f.iter().all(|v| v.abs() <= 0.1 + 1e-15));
    assert!(f.iter().any(|v| v.abs() > 0.09));
}

fn sample_sd(x: ArrayView1<f64>) -> f64 {
    let m = x.mean().unwrap();
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Per-neuron temporal s.d. of each row, sorted ascending.
fn temporal_sds(f: &Array2<f64>) -> Vec<f64> {
    let mut sds: Vec<f64> = f.axis_iter(Axis(0)).map(sample_sd).collect();
    sds.sort_by(f64::total_cmp);
    sds
}

fn sample_corr(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    let (mx, my) = (x.mean().unwrap(), y.mean().unwrap());
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y.iter()) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// N independent neurons give N independent samples of x(t) at each t. The sample s.d. of N Gaussian values
/// has relative standard error 1/sqrt(2N) = 1.1 % for N = 4000; the tolerance 5 % is 4.5 standard errors.
const OU_N: usize = 4000;
const OU_SD_TOL: f64 = 0.05;

#[test]
fn ou_has_the_stationary_sd_of_the_code_convention() {
    let p = OuParams::default();
    let sd = p.stationary_sd();
    // s·sqrt(τ_c/2) with τ_c = 20 τ, s = 0.3 (paper-spec §4.4): 0.9487.
    assert!((sd - 0.3 * 10f64.sqrt()).abs() < 1e-12);
    let f = TargetSpec::Ou(p)
        .generate(OU_N, 400, 1.0, &mut rng(21))
        .unwrap();
    for s in [0, 199, 399] {
        let got = sample_sd(f.column(s));
        assert!((got / sd - 1.0).abs() < OU_SD_TOL, "col {s}: {got} vs {sd}");
    }
    // Zero start + the code's 1.1 s transient: variance σ²(1 − e^{−2·1100/200}) = σ²(1 − 1.7e-5).
    let z = TargetSpec::Ou(OuParams {
        init: OuInit::Zero {
            transient_ms: 1100.0,
        },
        ..p
    })
    .generate(OU_N, 10, 1.0, &mut rng(22))
    .unwrap();
    let got = sample_sd(z.column(0));
    assert!((got / sd - 1.0).abs() < OU_SD_TOL, "{got} vs {sd}");
    // dt > τ_c (τ_c = 5 ms, dt = 10 ms): the exact update stays stationary where Euler–Maruyama would not.
    let fast = OuParams { tau_c_ms: 5.0, ..p };
    let g = TargetSpec::Ou(fast)
        .generate(OU_N, 50, 10.0, &mut rng(23))
        .unwrap();
    let got = sample_sd(g.column(49));
    assert!((got / fast.stationary_sd() - 1.0).abs() < OU_SD_TOL);
    // Standardised: s.d. = target_sd whatever τ_c.
    let st = TargetSpec::Ou(OuParams {
        tau_c_ms: 30.0,
        standardize: true,
        target_sd: 0.5,
        ..p
    })
    .generate(OU_N, 20, 1.0, &mut rng(24))
    .unwrap();
    let got = sample_sd(st.column(19));
    assert!((got / 0.5 - 1.0).abs() < OU_SD_TOL, "{got}");
}

#[test]
fn ou_autocorrelation_is_exponential() {
    let p = OuParams::default();
    let f = TargetSpec::Ou(p)
        .generate(OU_N, 801, 1.0, &mut rng(31))
        .unwrap();
    for lag_ms in [20usize, 100, 200, 400, 800] {
        let rho = (-(lag_ms as f64) / p.tau_c_ms).exp();
        let got = sample_corr(f.column(0), f.column(lag_ms));
        // Standard error of a sample correlation ≈ (1 − ρ²)/sqrt(N) ≤ 1/sqrt(4000) = 0.016; 0.06 ≈ 4 s.e.
        assert!((got - rho).abs() < 0.06, "lag {lag_ms}: {got} vs {rho}");
    }
}

/// Measured over seeds 0..10 (see `measure_quasi_static_rates`, run with `--ignored --nocapture`):
/// products of sines (independent phases, N = 500, 1000 ms, dt = 1 ms) 9.00–9.34 Hz, mean 9.11 Hz; a ±10 % band around the
/// paper-spec value 9.16 Hz (8.24–10.08) covers this seed-to-seed spread with margin.
#[test]
fn quasi_static_rate_products_of_sines() {
    let f = TargetSpec::ProductOfSines(ProductOfSinesParams::default())
        .generate(500, 1000, 1.0, &mut rng(41))
        .unwrap();
    let hz = quasi_static_rate_hz(&f);
    assert!((hz / 9.16 - 1.0).abs() < 0.10, "{hz} Hz");
}

/// Expected value for a stationary Gaussian with s.d. σ = 0.9487: 100·E[sqrt([x]₊)]/π
/// = 100·sqrt(σ)·2^{−1/4}Γ(3/4)/(π sqrt(2π)) = 12.74 Hz; paper-spec §1.2 quotes 13.0 Hz (S3). Measured over
/// seeds 0..10: 12.16–13.32 Hz, mean 12.74 Hz; the ±10 % band around 13.0 Hz (11.7–14.3) covers it.
#[test]
fn quasi_static_rate_ou() {
    let f = TargetSpec::Ou(OuParams::default())
        .generate(500, 1000, 1.0, &mut rng(42))
        .unwrap();
    let hz = quasi_static_rate_hz(&f);
    assert!((hz / 13.0 - 1.0).abs() < 0.10, "{hz} Hz");
}

/// Paper-spec §4.3 (S3): 9.2–9.6 Hz with row-mean subtraction. Measured over seeds 0..10 (N = 500, 1000 ms
/// window after 1100 ms, dt = 1 ms): 8.63–10.11 Hz, mean 9.19 Hz; the band 8–11 Hz covers this spread
/// (the chaotic family varies more between seeds because each seed is a new network M).
#[test]
fn quasi_static_rate_chaotic() {
    let f = TargetSpec::ChaoticRate(ChaoticRateParams::default())
        .generate(500, 1000, 1.0, &mut rng(43))
        .unwrap();
    let hz = quasi_static_rate_hz(&f);
    assert!((8.0..11.0).contains(&hz), "{hz} Hz");
}

#[test]
fn chaotic_targets_fluctuate_and_are_finite() {
    let f = TargetSpec::ChaoticRate(ChaoticRateParams::default())
        .generate(500, 1000, 1.0, &mut rng(51))
        .unwrap();
    assert!(f.iter().all(|v| v.is_finite()));
    // Chaotic, not at a fixed point: every neuron's trace varies over the 1 s window. Measured over seeds
    // 0..10 (measurement test below): smallest per-neuron temporal s.d. 0.080, smallest median 0.228; the
    // thresholds 0.01 (any neuron) and 0.1 (median) sit well below these. (Without row-mean subtraction the
    // network sits near a fixed point: median s.d. ≈ 0.006 — another reason to keep the subtraction.)
    let sds = temporal_sds(&f);
    assert!(sds[0] > 0.01, "min temporal s.d. {}", sds[0]);
    assert!(
        sds[sds.len() / 2] > 0.1,
        "median temporal s.d. {}",
        sds[sds.len() / 2]
    );
    // Heterogeneous: neurons are not synchronised (mean |pairwise corr| of a few pairs well below 1).
    let c = sample_corr(f.row(0), f.row(1)).abs();
    assert!(c < 0.99, "{c}");
}

#[test]
fn chaotic_substeps_equal_the_fine_grid() {
    // dt = 2 ms runs two 1 ms Euler substeps per grid step: bit-identical to dt = 1 ms sampled every 2nd step.
    let spec = TargetSpec::ChaoticRate(ChaoticRateParams {
        transient_ms: 100.0,
        ..ChaoticRateParams::default()
    });
    let fine = spec.generate(60, 200, 1.0, &mut rng(61)).unwrap();
    let coarse = spec.generate(60, 100, 2.0, &mut rng(61)).unwrap();
    for s in 0..100 {
        assert_eq!(coarse.column(s), fine.column(2 * s + 1));
    }
    // A transient that is not a whole number of steps is rejected, naming the field.
    let err = spec.generate(5, 5, 0.3, &mut rng(1)).unwrap_err();
    assert!(err.to_string().contains("targets.transient_ms"), "{err}");
}

#[test]
fn identical_sine_is_the_same_for_every_neuron() {
    let f = TargetSpec::IdenticalSine(IdenticalSineParams::default())
        .generate(7, 1000, 1.0, &mut rng(0))
        .unwrap();
    for i in 1..7 {
        assert_eq!(f.row(i), f.row(0));
    }
    // Period 500 ms: f(t) = sin(2π t/500); quarter period at t = 125 ms (column 124).
    assert!((f[[0, 124]] - 1.0).abs() < 1e-12);
}

/// Prints the quasi-static rates and chaotic per-neuron s.d. over seeds 0..10 (the numbers quoted in the test
/// comments). `cargo test -p spikelearn-targets --release -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_quasi_static_rates() {
    let families = [
        (
            "product_of_sines (independent)",
            TargetSpec::ProductOfSines(ProductOfSinesParams::default()),
        ),
        (
            "product_of_sines (common)",
            TargetSpec::ProductOfSines(ProductOfSinesParams {
                phases: Phases::Common,
                ..ProductOfSinesParams::default()
            }),
        ),
        (
            "product_of_sines A = 0.1",
            TargetSpec::ProductOfSines(ProductOfSinesParams::fig3_supp1(0.1)),
        ),
        (
            "product_of_sines A = 0.05",
            TargetSpec::ProductOfSines(ProductOfSinesParams::fig3_supp1(0.05)),
        ),
        ("ou", TargetSpec::Ou(OuParams::default())),
        (
            "chaotic_rate",
            TargetSpec::ChaoticRate(ChaoticRateParams::default()),
        ),
        (
            "chaotic_rate (no row-mean subtraction)",
            TargetSpec::ChaoticRate(ChaoticRateParams {
                zero_row_mean: false,
                ..ChaoticRateParams::default()
            }),
        ),
    ];
    for (name, spec) in families {
        let mut rates = Vec::new();
        let mut min_sd = f64::INFINITY;
        let mut min_median_sd = f64::INFINITY;
        for seed in 0..10 {
            let f = spec.generate(500, 1000, 1.0, &mut rng(seed)).unwrap();
            rates.push(quasi_static_rate_hz(&f));
            let sds = temporal_sds(&f);
            min_sd = min_sd.min(sds[0]);
            min_median_sd = min_median_sd.min(sds[sds.len() / 2]);
        }
        let lo = rates.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = rates.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        println!(
            "{name:40} mean {mean:6.2} Hz  range {lo:6.2}–{hi:6.2} Hz  \
             per-neuron temporal s.d.: min {min_sd:.3}, smallest median {min_median_sd:.3}"
        );
    }
}
