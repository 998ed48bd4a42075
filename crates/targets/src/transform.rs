//! Transformations of a target matrix: drive → rate targets (paper-spec §4.1) and the partly repeated target
//! sets of Fig 3c (§5.3, §12.13).

use crate::TargetError;
use ndarray::{Array2, ArrayView2};
use rand::Rng;
use spikelearn_meanfield::Transfer;

/// Rate targets from drive targets, elementwise r_i(t) = φ(f_i(t)).
///
/// With φ = [`spikelearn_meanfield::Phi1`] this is the paper's rate target π⁻¹ sqrt(\[f\]₊) (Figs 1d, 2b;
/// paper-spec §4.1), in spikes per τ (Hz = 100 × value).
pub fn rate_from_drive(drive: ArrayView2<f64>, phi: &dyn Transfer) -> Array2<f64> {
    drive.mapv(|x| phi.value(x))
}

/// A target set in which only some neurons keep their own pattern (Fig 3c).
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatedTargets {
    /// The new `N × steps` targets.
    pub targets: Array2<f64>,
    /// Neurons that keep their own (independent, "random") target, ascending; round(q N) of them.
    pub random: Vec<usize>,
    /// Neurons that all share one pattern, ascending; N − round(q N) of them.
    pub repeated: Vec<usize>,
    /// The neuron (a member of `repeated`) whose original target became the shared pattern; `None` when
    /// `repeated` is empty.
    pub source: Option<usize>,
}

/// Fig 3c target sets: a fraction q of the neurons, chosen at random, keep their own independent targets; the
/// remaining neurons all get one identical pattern, the original target of one randomly chosen neuron of
/// that repeated group (paper-spec §5.3c, §12.13).
///
/// The number of random neurons is round(q N). Random draws, in order: a partial Fisher–Yates shuffle of
/// 0..N picking the random group (round(q N) uniform integer draws), then one uniform draw choosing the
/// source within the repeated group (skipped when it is empty).
///
/// Errors: q outside [0, 1].
pub fn repeated_fraction<R: Rng + ?Sized>(
    targets: ArrayView2<f64>,
    q: f64,
    rng: &mut R,
) -> Result<RepeatedTargets, TargetError> {
    if !(0.0..=1.0).contains(&q) {
        return Err(TargetError::OutOfRange {
            field: "q",
            value: q,
            expected: "[0, 1]",
        });
    }
    let n = targets.nrows();
    let n_random = ((q * n as f64).round() as usize).min(n);
    let mut order: Vec<usize> = (0..n).collect();
    for k in 0..n_random {
        let j = k + rng.random_range(0..n - k);
        order.swap(k, j);
    }
    let mut random = order[..n_random].to_vec();
    let mut repeated = order[n_random..].to_vec();
    random.sort_unstable();
    repeated.sort_unstable();
    let source = if repeated.is_empty() {
        None
    } else {
        Some(repeated[rng.random_range(0..repeated.len())])
    };
    let mut out = targets.to_owned();
    if let Some(src) = source {
        let pattern = targets.row(src);
        for &i in &repeated {
            out.row_mut(i).assign(&pattern);
        }
    }
    Ok(RepeatedTargets {
        targets: out,
        random,
        repeated,
        source,
    })
}

/// Nested Fig 3c target sets for several fractions at once: one uniformly random order of the neurons
/// (a full Fisher–Yates shuffle, N − 1 uniform integer draws) and one shared pattern for every q.
///
/// For each q in `qs`, the first round(q N) neurons of the order keep their own targets (`random`) and all
/// others get the original target of the **last** neuron of the order (`source`), which is repeated for every
/// q < 1. So the independent groups are nested (a larger q keeps every independent neuron of a smaller q)
/// and the repeated pattern is the same for every q: differences between the sets come from q alone, not
/// from a different draw of the group or of the pattern ([`repeated_fraction`] redraws both per set).
///
/// Errors: any q outside [0, 1].
pub fn repeated_fraction_nested<R: Rng + ?Sized>(
    targets: ArrayView2<f64>,
    qs: &[f64],
    rng: &mut R,
) -> Result<Vec<RepeatedTargets>, TargetError> {
    for &q in qs {
        if !(0.0..=1.0).contains(&q) {
            return Err(TargetError::OutOfRange {
                field: "q",
                value: q,
                expected: "[0, 1]",
            });
        }
    }
    let n = targets.nrows();
    let mut order: Vec<usize> = (0..n).collect();
    for k in 0..n.saturating_sub(1) {
        let j = k + rng.random_range(0..n - k);
        order.swap(k, j);
    }
    let last = order.last().copied();
    Ok(qs
        .iter()
        .map(|&q| {
            let n_random = ((q * n as f64).round() as usize).min(n);
            let mut random = order[..n_random].to_vec();
            let mut repeated = order[n_random..].to_vec();
            random.sort_unstable();
            repeated.sort_unstable();
            let source = if repeated.is_empty() { None } else { last };
            let mut out = targets.to_owned();
            if let Some(src) = source {
                let pattern = targets.row(src);
                for &i in &repeated {
                    out.row_mut(i).assign(&pattern);
                }
            }
            RepeatedTargets {
                targets: out,
                random,
                repeated,
                source,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use spikelearn_meanfield::{Phi1, Phi2, phi1, phi2};

    #[test]
    fn rate_from_drive_is_phi_elementwise() {
        let f = Array2::from_shape_fn((7, 13), |(i, s)| (i as f64 - 3.0) * 0.37 + (s as f64).sin());
        let r = rate_from_drive(f.view(), &Phi1);
        // Same function on the same inputs: bitwise equal.
        for (a, b) in r.iter().zip(f.iter()) {
            assert_eq!(*a, phi1(*b));
        }
        let r2 = rate_from_drive(f.view(), &Phi2::PAPER);
        for (a, b) in r2.iter().zip(f.iter()) {
            assert_eq!(*a, phi2(*b, 0.1));
        }
    }

    fn distinct_rows(a: &Array2<f64>) -> usize {
        let mut rows: Vec<Vec<u64>> = a
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect();
        rows.sort();
        rows.dedup();
        rows.len()
    }

    #[test]
    fn repeated_fraction_counts() {
        let n = 50;
        // All rows distinct: row i is i + sin(s).
        let t = Array2::from_shape_fn((n, 20), |(i, s)| i as f64 + (s as f64).sin());
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let rep = repeated_fraction(t.view(), 0.3, &mut rng).unwrap();
        assert_eq!(rep.random.len(), 15);
        assert_eq!(rep.repeated.len(), 35);
        // round(0.3 N) independent rows + one shared pattern.
        assert_eq!(distinct_rows(&rep.targets), 16);
        let src = rep.source.unwrap();
        assert!(rep.repeated.contains(&src));
        for &i in &rep.random {
            assert_eq!(rep.targets.row(i), t.row(i));
        }
        for &i in &rep.repeated {
            assert_eq!(rep.targets.row(i), t.row(src));
        }
        let all = repeated_fraction(t.view(), 1.0, &mut rng).unwrap();
        assert_eq!(all.targets, t);
        assert_eq!(all.source, None);
        let none = repeated_fraction(t.view(), 0.0, &mut rng).unwrap();
        assert_eq!(distinct_rows(&none.targets), 1);
        assert!(repeated_fraction(t.view(), 1.01, &mut rng).is_err());
        assert!(repeated_fraction(t.view(), f64::NAN, &mut rng).is_err());
    }

    /// Nested sets: groups grow with q, the shared pattern is the same for every q < 1, counts are round(q N),
    /// q = 1 leaves the targets unchanged; invalid q is rejected.
    #[test]
    fn nested_sets() {
        let n = 40;
        let t = Array2::from_shape_fn((n, 10), |(i, s)| i as f64 + (s as f64).cos());
        let qs = [0.0, 0.1, 0.25, 0.5, 1.0];
        let sets =
            repeated_fraction_nested(t.view(), &qs, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let src = sets[0].source.unwrap();
        for (k, (q, set)) in qs.iter().zip(&sets).enumerate() {
            assert_eq!(set.random.len(), (q * n as f64).round() as usize);
            assert_eq!(set.random.len() + set.repeated.len(), n);
            if *q < 1.0 {
                assert_eq!(set.source, Some(src));
                assert!(set.repeated.contains(&src));
                assert_eq!(distinct_rows(&set.targets), set.random.len() + 1);
                for &i in &set.repeated {
                    assert_eq!(set.targets.row(i), t.row(src));
                }
            } else {
                assert_eq!(set.targets, t);
                assert_eq!(set.source, None);
            }
            for &i in &set.random {
                assert_eq!(set.targets.row(i), t.row(i));
            }
            if k > 0 {
                assert!(sets[k - 1].random.iter().all(|i| set.random.contains(i)));
            }
        }
        assert!(
            repeated_fraction_nested(t.view(), &[0.5, -0.1], &mut ChaCha8Rng::seed_from_u64(3))
                .is_err()
        );
    }
}
