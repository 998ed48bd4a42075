//! Property tests: parameter ranges are respected for arbitrary valid settings, and the Fig 3c repeated
//! target sets always have the documented structure.

use ndarray::Array2;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spikelearn_targets::{
    Phases, ProductOfSinesParams, SinesParams, TargetSpec, draw_products, draw_sines,
    repeated_fraction,
};

/// An ordered pair (lo, hi) with lo ≤ hi inside [a, b].
fn range(a: f64, b: f64) -> impl Strategy<Value = (f64, f64)> {
    (a..b, a..b).prop_map(|(x, y)| if x <= y { (x, y) } else { (y, x) })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sine_draws_stay_in_range(
        amp in range(0.0, 3.0), t0 in range(-500.0, 1500.0), per in range(1.0, 2000.0), seed: u64,
    ) {
        let p = SinesParams {
            amp_min: amp.0, amp_max: amp.1, t0_min_ms: t0.0, t0_max_ms: t0.1,
            period_min_ms: per.0, period_max_ms: per.1,
        };
        prop_assert!(TargetSpec::Sines(p).validate().is_ok());
        for d in draw_sines(&p, 50, &mut ChaCha8Rng::seed_from_u64(seed)) {
            prop_assert!(d.amp >= amp.0 && d.amp <= amp.1);
            prop_assert!(d.t0_ms >= t0.0 && d.t0_ms <= t0.1);
            prop_assert!(d.period_ms >= per.0 && d.period_ms <= per.1);
        }
        let f = TargetSpec::Sines(p).generate(20, 100, 1.0, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        prop_assert!(f.iter().all(|v| v.abs() <= amp.1 * (1.0 + 1e-12)));
    }

    #[test]
    fn product_draws_stay_in_range(
        amp in range(0.0, 3.0), p1 in range(1.0, 2000.0), p2 in range(1.0, 2000.0),
        t0 in range(0.0, 1000.0), common: bool, seed: u64,
    ) {
        let p = ProductOfSinesParams {
            amp_min: amp.0, amp_max: amp.1, period1_min_ms: p1.0, period1_max_ms: p1.1,
            period2_min_ms: p2.0, period2_max_ms: p2.1, t0_min_ms: t0.0, t0_max_ms: t0.1,
            phases: if common { Phases::Common } else { Phases::Independent }, fixed_amp: None,
        };
        prop_assert!(TargetSpec::ProductOfSines(p).validate().is_ok());
        for d in draw_products(&p, 50, &mut ChaCha8Rng::seed_from_u64(seed)) {
            prop_assert!(d.amp >= amp.0 && d.amp <= amp.1);
            prop_assert!(d.period1_ms >= p1.0 && d.period1_ms <= p1.1);
            prop_assert!(d.period2_ms >= p2.0 && d.period2_ms <= p2.1);
            if common {
                prop_assert!(d.phase1_ms == d.phase2_ms && d.phase1_ms >= t0.0 && d.phase1_ms <= t0.1);
            } else {
                prop_assert!(d.phase1_ms >= 0.0 && d.phase1_ms <= d.period1_ms);
                prop_assert!(d.phase2_ms >= 0.0 && d.phase2_ms <= d.period2_ms);
            }
        }
    }

    #[test]
    fn repeated_fraction_structure(n in 1usize..80, q in 0.0f64..=1.0, seed: u64) {
        let t = Array2::from_shape_fn((n, 5), |(i, s)| (i * 5 + s) as f64);
        let rep = repeated_fraction(t.view(), q, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        let k = (q * n as f64).round() as usize;
        prop_assert_eq!(rep.random.len(), k);
        prop_assert_eq!(rep.repeated.len(), n - k);
        let mut all: Vec<usize> = rep.random.iter().chain(&rep.repeated).copied().collect();
        all.sort_unstable();
        prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        for &i in &rep.random {
            prop_assert_eq!(rep.targets.row(i), t.row(i));
        }
        match rep.source {
            Some(src) => {
                prop_assert!(rep.repeated.contains(&src));
                for &i in &rep.repeated {
                    prop_assert_eq!(rep.targets.row(i), t.row(src));
                }
            }
            None => prop_assert_eq!(k, n),
        }
    }
}
