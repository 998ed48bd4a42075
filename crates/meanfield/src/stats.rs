//! Small descriptive statistics used by the performance measures (paper §10): mean, Pearson, Spearman and
//! Kendall τ_b correlations.
//!
//! Conventions shared by the correlation functions:
//! * `None` when the correlation is undefined: the slices differ in length, have fewer than 2 elements, or one
//!   side has zero variance (all elements equal; for the rank correlations: all elements tied).
//! * NaN in the input is **not** turned into `None`: it propagates to `Some(NaN)`, so a diverged trace is never
//!   silently skipped by an average over neurons.

/// Arithmetic mean (1/n) Σ a_k; `None` for an empty slice.
pub fn mean(a: &[f64]) -> Option<f64> {
    if a.is_empty() {
        None
    } else {
        Some(a.iter().sum::<f64>() / a.len() as f64)
    }
}

/// True when every element equals the first (zero sample variance, exactly).
fn is_constant(a: &[f64]) -> bool {
    a.iter().all(|&x| x == a[0])
}

fn has_nan(a: &[f64]) -> bool {
    a.iter().any(|x| x.is_nan())
}

/// Pearson correlation r = Σ (a−ā)(b−b̄) / sqrt(Σ (a−ā)² Σ (b−b̄)²) (the performance measure of paper §10).
///
/// Two-pass (centred) sums; the result is clamped to [−1, 1] against rounding. `None` when the lengths differ,
/// n < 2, or either side is constant (zero variance); NaN inputs give `Some(NaN)` (see module docs).
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    if has_nan(a) || has_nan(b) {
        return Some(f64::NAN);
    }
    if is_constant(a) || is_constant(b) {
        return None;
    }
    let ma = mean(a)?;
    let mb = mean(b)?;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    let r = sab / (saa.sqrt() * sbb.sqrt());
    // ±inf inputs give NaN here, which is propagated like NaN.
    Some(if r.is_nan() { r } else { r.clamp(-1.0, 1.0) })
}

/// Ranks 1..n with ties given the average of the ranks they span (fractional ranking). Input must be NaN-free.
fn average_ranks(a: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..a.len()).collect();
    idx.sort_by(|&i, &j| a[i].total_cmp(&a[j]));
    let mut ranks = vec![0.0; a.len()];
    let mut start = 0;
    while start < idx.len() {
        let mut end = start;
        while end + 1 < idx.len() && a[idx[end + 1]] == a[idx[start]] {
            end += 1;
        }
        // Positions start..=end (0-based) share the mean rank (start + end)/2 + 1.
        let r = 0.5 * (start + end) as f64 + 1.0;
        for &k in &idx[start..=end] {
            ranks[k] = r;
        }
        start = end + 1;
    }
    ranks
}

/// Spearman rank correlation ρ_s = Pearson correlation of the fractional ranks (ties get their average rank).
///
/// Used for the collapse checks of Fig 6e,f (paper §11.2 B10). `None`/NaN conventions as in [`pearson`].
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    if has_nan(a) || has_nan(b) {
        return Some(f64::NAN);
    }
    pearson(&average_ranks(a), &average_ranks(b))
}

/// Kendall's τ_b = (n_c − n_d) / sqrt((n_0 − n_1)(n_0 − n_2)), with n_0 = n(n−1)/2, n_c / n_d the concordant /
/// discordant pairs, n_1 / n_2 the pairs tied in `a` / in `b` (pairs tied in both count in both and in neither
/// n_c nor n_d). Used for monotone-trend checks (paper §11.2 B11).
///
/// O(n²) pair count: meant for the short sequences of a parameter sweep. `None`/NaN conventions as in
/// [`pearson`] (all-tied side ⇒ zero denominator ⇒ `None`).
pub fn kendall_tau_b(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len();
    if n != b.len() || n < 2 {
        return None;
    }
    if has_nan(a) || has_nan(b) {
        return Some(f64::NAN);
    }
    let (mut nc, mut nd, mut ta, mut tb) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        for j in (i + 1)..n {
            let da = a[i].total_cmp(&a[j]);
            let db = b[i].total_cmp(&b[j]);
            // total_cmp distinguishes −0.0 from 0.0; use == for ties so they count as equal.
            let tie_a = a[i] == a[j];
            let tie_b = b[i] == b[j];
            if tie_a {
                ta += 1;
            }
            if tie_b {
                tb += 1;
            }
            if !tie_a && !tie_b {
                if da == db {
                    nc += 1;
                } else {
                    nd += 1;
                }
            }
        }
    }
    let n0 = (n * (n - 1) / 2) as u64;
    if ta == n0 || tb == n0 {
        return None;
    }
    let denom = (((n0 - ta) as f64) * ((n0 - tb) as f64)).sqrt();
    Some((nc as f64 - nd as f64) / denom)
}

/// Binomial upper tail P(X ≥ k) for X ~ Binomial(n, p).
///
/// Used for the sparse-mask solvability count of paper-spec §6: with a Bernoulli(p) plastic mask without
/// autapses, K_i ~ Binomial(N − 1, p), and a neuron's P-bin problem can be exact only if K_i ≥ P, so the
/// expected fraction of exactly solvable neurons is `binomial_sf(N − 1, p, P)` (when all inputs are active).
///
/// Sums the probability mass k..=n in log space (log pmf by the recursion
/// pmf(j+1) = pmf(j) (n − j)/(j + 1) · p/(1 − p)), so large n does not underflow. `None` if p ∉ [0, 1] or p is NaN.
pub fn binomial_sf(n: u64, p: f64, k: u64) -> Option<f64> {
    if !(0.0..=1.0).contains(&p) {
        return None;
    }
    if k == 0 {
        return Some(1.0);
    }
    if k > n {
        return Some(0.0);
    }
    if p == 0.0 {
        return Some(0.0);
    }
    if p == 1.0 {
        return Some(1.0);
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mut log_pmf = n as f64 * lq; // j = 0
    let mut tail = 0.0;
    for j in 0..n {
        if j >= k {
            tail += log_pmf.exp();
        }
        log_pmf += ((n - j) as f64).ln() - ((j + 1) as f64).ln() + lp - lq;
    }
    tail += log_pmf.exp(); // j = n
    Some(tail.min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Closed forms: corr([1..5], [2,4,5,4,5]) = sqrt(3/5); 1e-15 is a few ulps.
    #[test]
    fn pearson_closed_form() {
        let r = pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 5.0, 4.0, 5.0]).unwrap();
        assert!((r - 0.6f64.sqrt()).abs() < 1e-15, "{r}");
        let r = pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap();
        assert!((r + 1.0).abs() < 1e-15);
    }

    #[test]
    fn undefined_cases() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 2.0]), Some(1.5));
        assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(
            pearson(&[0.1; 7], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),
            None
        );
        assert_eq!(pearson(&[1.0, 2.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
        assert_eq!(spearman(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(kendall_tau_b(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]), None);
        assert!(
            pearson(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0])
                .unwrap()
                .is_nan()
        );
        assert!(
            spearman(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0])
                .unwrap()
                .is_nan()
        );
        assert!(
            kendall_tau_b(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 3.0])
                .unwrap()
                .is_nan()
        );
    }

    /// Reference values from the SciPy documentation examples of `spearmanr` and `kendalltau` (both with
    /// ties), reproduced independently by hand; 1e-15 is a few ulps.
    #[test]
    fn rank_correlations_reference_values() {
        let s = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
        assert!((s - 0.820_782_681_668_123_3).abs() < 1e-15, "{s}");
        let t = kendall_tau_b(&[12.0, 2.0, 1.0, 12.0, 2.0], &[1.0, 4.0, 7.0, 1.0, 0.0]).unwrap();
        assert!((t - (-0.471_404_520_791_031_73)).abs() < 1e-15, "{t}");
        // n_c = 2, n_d = 6, n_1 = 2, n_2 = 1 ⇒ (2 − 6)/sqrt(8 · 9) = −sqrt(2)/3.
        assert!((t + 2f64.sqrt() / 3.0).abs() < 1e-15);
    }

    #[test]
    fn average_ranks_with_ties() {
        assert_eq!(
            average_ranks(&[10.0, 20.0, 10.0, 30.0]),
            vec![1.5, 3.0, 1.5, 4.0]
        );
        assert_eq!(average_ranks(&[3.0, 3.0, 3.0]), vec![2.0, 2.0, 2.0]);
    }

    proptest! {
        /// Invariances: |r| ≤ 1, symmetry, invariance under a positive affine map and sign flip under a negative
        /// one (1e-12: the rescaled centred sums differ by rounding only); rank correlations are invariant under
        /// strictly increasing maps (exactly, since ranks are identical) and are ±1 for monotone relations.
        #[test]
        fn correlation_invariances(
            a in proptest::collection::vec(-1e3f64..1e3, 3..40),
            seed in proptest::collection::vec(-1e3f64..1e3, 40),
            scale in 0.01f64..100.0,
            shift in -100f64..100.0,
        ) {
            let b: Vec<f64> = seed[..a.len()].to_vec();
            if let Some(r) = pearson(&a, &b) {
                prop_assert!((-1.0..=1.0).contains(&r));
                prop_assert_eq!(Some(r), pearson(&b, &a));
                let a2: Vec<f64> = a.iter().map(|x| scale * x + shift).collect();
                let neg: Vec<f64> = a.iter().map(|x| -scale * x + shift).collect();
                prop_assert!((pearson(&a2, &b).unwrap() - r).abs() < 1e-12);
                prop_assert!((pearson(&neg, &b).unwrap() + r).abs() < 1e-12);
            }
            let cube: Vec<f64> = a.iter().map(|x| x * x * x).collect();
            prop_assert_eq!(spearman(&a, &b), spearman(&cube, &b));
            prop_assert_eq!(kendall_tau_b(&a, &b), kendall_tau_b(&cube, &b));
            if !is_constant(&a) {
                prop_assert!((spearman(&a, &cube).unwrap() - 1.0).abs() < 1e-12);
                prop_assert!((kendall_tau_b(&a, &cube).unwrap() - 1.0).abs() < 1e-12);
            }
        }
    }

    /// Exact small cases: Bin(4, 1/2) tail from 3 = 5/16; from 0 = 1; beyond n = 0; p = 0, 1 edge cases; large n
    /// (no underflow): Bin(2000, 0.3) tail from its mean 600 is ≈ 1/2 (0.51 by the normal approximation with
    /// continuity correction; asserting 0.45–0.56).
    #[test]
    fn binomial_tail() {
        assert!((binomial_sf(4, 0.5, 3).unwrap() - 5.0 / 16.0).abs() < 1e-15);
        assert!((binomial_sf(10, 0.3, 1).unwrap() - (1.0 - 0.7f64.powi(10))).abs() < 1e-14);
        assert_eq!(binomial_sf(4, 0.5, 0), Some(1.0));
        assert_eq!(binomial_sf(4, 0.5, 5), Some(0.0));
        assert_eq!(binomial_sf(4, 0.0, 1), Some(0.0));
        assert_eq!(binomial_sf(4, 1.0, 4), Some(1.0));
        assert_eq!(binomial_sf(4, 1.5, 1), None);
        assert_eq!(binomial_sf(4, f64::NAN, 1), None);
        let mid = binomial_sf(2000, 0.3, 600).unwrap();
        assert!((0.45..0.56).contains(&mid), "{mid}");
    }
}
