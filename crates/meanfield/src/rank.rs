//! The U = W V solvability / rank analysis of the quasi-static state (paper "Sufficient conditions for
//! learning", paper-spec §6; eq 1 in matrix form).
//!
//! Discretise the training window into P quasi-static bins. The targets give U (N × P, row i = neuron i's
//! target u_i ∈ ℝ^P) and V = φ(U + I) (N × P). Learning requires U = W V, i.e. for each neuron i the P equations
//! u_i = Vᵀ w_i in its incoming weights w_i. If rank(V) = P ≤ N every target is reachable exactly; if N < P
//! the best one can do is the least-squares W = U Vᵀ (V Vᵀ)⁻¹ (non-zero residual); repeated identical targets
//! lower rank(V) and make learning fail (Fig 3c). With a sparse plastic mask, neuron i has only K_i = |mask_i|
//! unknowns and the relevant comparison is K_i vs P.
//!
//! All least-squares problems are solved through a thin SVD (LAPACK `dgesdd` via ndarray-linalg), so the
//! ridge-free case returns the minimum-norm least-squares solution and is exact whenever the problem is.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use ndarray_linalg::{FactorizeC, JobSvd, SVDDC, SolveC, UPLO};
use rayon::prelude::*;

use crate::error::{MeanfieldError, Result};
use crate::transfer::Transfer;

fn check_finite(what: &'static str, x: ArrayView2<f64>) -> Result<()> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(MeanfieldError::NonFinite { what })
    }
}

/// Average over consecutive, non-overlapping time bins of `bin` samples: x (N × T) ↦ (N × P), P = ⌊T / bin⌋,
/// column p = mean of columns p·bin .. (p+1)·bin − 1. The last T mod bin samples (an incomplete bin) are
/// dropped.
///
/// Errors: `InvalidParameter` if `bin == 0` or `bin > T` (no complete bin).
pub fn bin_average(x: ArrayView2<f64>, bin: usize) -> Result<Array2<f64>> {
    if bin == 0 || bin > x.ncols() {
        return Err(MeanfieldError::InvalidParameter {
            name: "bin",
            value: bin as f64,
            expected: "1 <= bin <= number of time samples",
        });
    }
    let p = x.ncols() / bin;
    let mut out = Array2::zeros((x.nrows(), p));
    for k in 0..p {
        let block = x.slice(s![.., k * bin..(k + 1) * bin]);
        let m = block
            .mean_axis(Axis(1))
            .expect("bin >= 1 so the block is non-empty");
        out.column_mut(k).assign(&m);
    }
    Ok(out)
}

/// The quasi-static matrices of paper-spec §6: U = bin-averaged targets (N × P, [`bin_average`]) and
/// V = φ(U + I) (N × P, V_ip = φ(U_ip + I_i), eq 1's rate patterns).
///
/// φ is applied **after** bin averaging: each bin is treated as one quasi-static state whose drive is the bin's
/// mean target, so V is the stationary rate of that state (not the bin average of φ(target), which differs by
/// the within-bin curvature of φ). `ext` is the constant external input I_i of each neuron (length N).
///
/// Errors: `ShapeMismatch` if `ext.len() != N`; those of [`bin_average`].
pub fn quasi_static_matrices(
    targets: ArrayView2<f64>,
    ext: &[f64],
    bin: usize,
    phi: &dyn Transfer,
) -> Result<(Array2<f64>, Array2<f64>)> {
    if ext.len() != targets.nrows() {
        return Err(MeanfieldError::ShapeMismatch {
            what: "quasi_static_matrices: ext length vs target rows",
            expected: vec![targets.nrows()],
            found: vec![ext.len()],
        });
    }
    let u = bin_average(targets, bin)?;
    let mut v = u.clone();
    for (mut row, &i_ext) in v.rows_mut().into_iter().zip(ext) {
        row.mapv_inplace(|x| phi.value(x + i_ext));
    }
    Ok((u, v))
}

/// Correlation time of a target set, used to choose the quasi-static bin (paper-spec §6: "a bin is a fixed
/// fraction of the target correlation time").
///
/// With x̃_i = row i minus its time mean, the neuron-averaged normalised autocorrelation is
///
/// C̄(l) = (1/N') Σ_i [Σ_{t=0}^{T−1−l} x̃_i(t) x̃_i(t+l)] / [Σ_t x̃_i(t)²],
///
/// (the standard biased estimator; rows with zero variance are skipped and N' counts the others). The result
/// is dt · l*, where l* is the first lag with C̄(l*) < 1/e, linearly interpolated between the two samples
/// around the crossing. For an OU process (autocorrelation e^{−|l|/τ_c}) this estimates τ_c, biased low by
/// O(τ_c/T) from the finite window and the mean subtraction.
///
/// A crossing always exists: for a centred row Σ_{l=1}^{T−1} C(l) = −1/2 (the full autocovariance sums to
/// zero), so some lag has C̄ < 0. A result comparable to the window length T·dt means the window is too
/// short to measure the time scale; the caller should check.
///
/// Errors: `InvalidParameter` for dt ≤ 0 or non-finite; `NonFinite` (x); `NoVariance` if every row is
/// constant.
pub fn correlation_time(x: ArrayView2<f64>, dt: f64) -> Result<f64> {
    if !(dt.is_finite() && dt > 0.0) {
        return Err(MeanfieldError::InvalidParameter {
            name: "dt",
            value: dt,
            expected: "finite and > 0",
        });
    }
    check_finite("correlation_time: x", x)?;
    let t = x.ncols();
    let rows: Vec<(Vec<f64>, f64)> = x
        .rows()
        .into_iter()
        .filter_map(|r| {
            let m = r.mean()?;
            let c: Vec<f64> = r.iter().map(|v| v - m).collect();
            let c0: f64 = c.iter().map(|v| v * v).sum();
            (c0 > 0.0).then_some((c, c0))
        })
        .collect();
    if rows.is_empty() {
        return Err(MeanfieldError::NoVariance);
    }
    let level = (-1.0f64).exp();
    let acf = |l: usize| -> f64 {
        rows.iter()
            .map(|(c, c0)| {
                c[..t - l]
                    .iter()
                    .zip(&c[l..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    / c0
            })
            .sum::<f64>()
            / rows.len() as f64
    };
    let mut prev = 1.0; // C̄(0) = 1 by construction
    for l in 1..t {
        let c = acf(l);
        if c < level {
            let frac = (prev - level) / (prev - c);
            return Ok(dt * ((l - 1) as f64 + frac));
        }
        prev = c;
    }
    unreachable!("Σ_(l≥1) C̄(l) = −1/2 < 0, so C̄ falls below 1/e before lag T")
}

/// Everything the quasi-static rank analysis reports for one target set ([`analyze`]).
#[derive(Debug, Clone, PartialEq)]
pub struct QuasiStaticAnalysis {
    /// U: bin-averaged targets, N × P.
    pub u: Array2<f64>,
    /// V = φ(U + I), N × P.
    pub v: Array2<f64>,
    /// Singular values of V, descending.
    pub singular_values: Vec<f64>,
    /// Numerical rank of V ([`numerical_rank`]).
    pub rank: usize,
    /// The rank tolerance max(N, P) ε σ_max.
    pub rank_tol: f64,
    /// The per-neuron masked solution of U ≈ Ŵ V ([`solve_masked`]).
    pub solution: MaskedSolution,
}

/// The full quasi-static analysis of paper-spec §6 for one target set: U and V ([`quasi_static_matrices`]),
/// the singular values and numerical rank of V, and the masked least-squares / ridge solution of U = Ŵ V
/// ([`solve_masked`], each neuron restricted to `mask[i]`; pass [`dense_mask`] for the paper's dense argument).
///
/// Errors: those of [`quasi_static_matrices`], [`singular_values`] and [`solve_masked`].
pub fn analyze(
    targets: ArrayView2<f64>,
    ext: &[f64],
    bin: usize,
    phi: &dyn Transfer,
    mask: &[Vec<usize>],
    ridge: f64,
) -> Result<QuasiStaticAnalysis> {
    let (u, v) = quasi_static_matrices(targets, ext, bin, phi)?;
    let sv = singular_values(v.view())?;
    let (rank, rank_tol) = numerical_rank(&sv, v.dim());
    let solution = solve_masked(u.view(), v.view(), mask, ridge)?;
    Ok(QuasiStaticAnalysis {
        u,
        v,
        singular_values: sv,
        rank,
        rank_tol,
        solution,
    })
}

/// Singular values of `v`, in descending order (LAPACK `dgesdd`, values only).
///
/// Errors: `NonFinite` if `v` contains NaN/±inf; `Linalg` if LAPACK fails. An empty matrix gives an empty vector.
pub fn singular_values(v: ArrayView2<f64>) -> Result<Vec<f64>> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    check_finite("singular_values: v", v)?;
    let (_, sv, _) = v.to_owned().svddc(JobSvd::None)?;
    let mut sv = sv.to_vec();
    // LAPACK returns them sorted; enforce the documented order regardless.
    sv.sort_by(|a, b| b.total_cmp(a));
    Ok(sv)
}

/// Numerical rank of a matrix of the given `shape` = (rows, cols) from its singular values `sv`: the number of
/// σ_k > tol with tol = max(rows, cols) · ε_machine · σ_max.
///
/// This is the tolerance of NumPy's `numpy.linalg.matrix_rank` (and MATLAB's `rank`), following the LAPACK
/// Users' Guide / Golub & Van Loan: singular values below max(m, n) ε σ_max are indistinguishable from rounding
/// errors of a backward-stable SVD. Returns (rank, tol); (0, 0.0) for an empty `sv`.
pub fn numerical_rank(sv: &[f64], shape: (usize, usize)) -> (usize, f64) {
    let smax = sv.iter().copied().fold(0.0_f64, f64::max);
    let tol = shape.0.max(shape.1) as f64 * f64::EPSILON * smax;
    (sv.iter().filter(|&&s| s > tol).count(), tol)
}

/// Per-neuron solution of U ≈ Ŵ V restricted to a presynaptic mask ([`solve_masked`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MaskedSolution {
    /// For neuron i, the weights ŵ_ij for j in `mask[i]`, in the mask's order.
    pub w_rows: Vec<Vec<f64>>,
    /// For neuron i, ||u_i − V_{mask_i}ᵀ ŵ_i||₂ (Euclidean norm over the P bins, not squared; without the ridge
    /// penalty).
    pub residual_per_neuron: Vec<f64>,
    /// For neuron i, the numerical rank of its P × K_i system V_{mask_i}ᵀ (singular values above
    /// max(P, K_i) ε σ_max, [`numerical_rank`]); the least-squares problem is exactly solvable for every
    /// target when this equals P (0 for an empty mask or P = 0).
    pub rank_per_neuron: Vec<usize>,
    /// ||U − Ŵ V||_F / ||U||_F (0 when U = 0, in which case Ŵ = 0 and the residual is 0).
    pub relative_residual: f64,
}

impl MaskedSolution {
    /// Scatter the rows into a dense N_post × `n_pre` matrix Ŵ (zeros outside the mask).
    ///
    /// Errors: `ShapeMismatch` if `mask` does not match `w_rows`; `InvalidMask` for an index ≥ `n_pre`.
    pub fn weight_matrix(&self, mask: &[Vec<usize>], n_pre: usize) -> Result<Array2<f64>> {
        if mask.len() != self.w_rows.len() {
            return Err(MeanfieldError::ShapeMismatch {
                what: "weight_matrix: mask length vs w_rows",
                expected: vec![self.w_rows.len()],
                found: vec![mask.len()],
            });
        }
        let mut w = Array2::zeros((mask.len(), n_pre));
        for (i, (m, row)) in mask.iter().zip(&self.w_rows).enumerate() {
            if m.len() != row.len() {
                return Err(MeanfieldError::ShapeMismatch {
                    what: "weight_matrix: mask[i] length vs w_rows[i]",
                    expected: vec![row.len()],
                    found: vec![m.len()],
                });
            }
            for (&j, &x) in m.iter().zip(row) {
                if j >= n_pre {
                    return Err(MeanfieldError::InvalidMask {
                        neuron: i,
                        reason: format!("index {j} >= n_pre = {n_pre}"),
                    });
                }
                w[[i, j]] = x;
            }
        }
        Ok(w)
    }
}

/// The dense mask: every postsynaptic neuron may use all `n_pre` presynaptic neurons (autapses included).
pub fn dense_mask(n_post: usize, n_pre: usize) -> Vec<Vec<usize>> {
    vec![(0..n_pre).collect(); n_post]
}

fn validate_mask(mask: &[Vec<usize>], n_pre: usize) -> Result<()> {
    for (i, m) in mask.iter().enumerate() {
        for (k, &j) in m.iter().enumerate() {
            if j >= n_pre {
                return Err(MeanfieldError::InvalidMask {
                    neuron: i,
                    reason: format!("index {j} >= number of presynaptic neurons {n_pre}"),
                });
            }
            if k > 0 && m[k - 1] >= j {
                return Err(MeanfieldError::InvalidMask {
                    neuron: i,
                    reason: format!("indices not strictly increasing at position {k}"),
                });
            }
        }
    }
    Ok(())
}

/// Weights (K × G, column g for `members[g]`), residual norms and rank of one group of neurons sharing a mask.
struct GroupSolution {
    wt: Array2<f64>,
    residual: Vec<f64>,
    rank: usize,
}

/// Solve the least-squares / ridge problem of every neuron in `members` (all with presynaptic set `m`) with
/// one thin SVD of A = V_mᵀ (P × K). See [`solve_masked`] for the filter factors.
fn solve_group(
    u: ArrayView2<f64>,
    v: ArrayView2<f64>,
    m: &[usize],
    members: &[usize],
    ridge: f64,
) -> Result<GroupSolution> {
    let p = u.ncols();
    let k = m.len();
    // Right-hand sides: B (P × G), column g = u_{members[g]}.
    let mut b = Array2::zeros((p, members.len()));
    for (g, &i) in members.iter().enumerate() {
        b.column_mut(g).assign(&u.row(i));
    }
    let norms = |r: &Array2<f64>| -> Vec<f64> {
        r.columns().into_iter().map(|c| c.dot(&c).sqrt()).collect()
    };
    if k == 0 || p == 0 {
        return Ok(GroupSolution {
            wt: Array2::zeros((k, members.len())),
            residual: norms(&b),
            rank: 0,
        });
    }
    // A = V_{mask}ᵀ (P × K).
    let a: Array2<f64> = v
        .select(Axis(0), m)
        .reversed_axes()
        .as_standard_layout()
        .into_owned();
    let (q, sigma, zt) = a.svddc(JobSvd::Some)?;
    let q = q.expect("JobSvd::Some returns U");
    let zt = zt.expect("JobSvd::Some returns Vᵀ");
    let (rank, tol) = numerical_rank(sigma.as_slice().expect("1-d owned array"), (p, k));
    let filt: Array1<f64> = sigma.mapv(|s| {
        if ridge > 0.0 {
            s / (s * s + ridge)
        } else if s > tol {
            1.0 / s
        } else {
            0.0
        }
    });
    // Coefficients C = diag(f) Qᵀ B (r × G); weights Wᵀ = Z C (K × G).
    let mut c = q.t().dot(&b);
    for (mut row, &f) in c.rows_mut().into_iter().zip(filt.iter()) {
        row *= f;
    }
    let wt = zt.t().dot(&c);
    let resid = &b - &a.dot(&wt);
    Ok(GroupSolution {
        residual: norms(&resid),
        wt,
        rank,
    })
}

/// Solve U ≈ Ŵ V row by row on a presynaptic mask (paper-spec §6; eq 1 with a sparse plastic mask):
/// for each neuron i independently,
///
/// ŵ_i = argmin_{w ∈ ℝ^{K_i}} ||u_i − V_{mask_i}ᵀ w||² + ridge ||w||²,
///
/// where V_{mask_i} is the K_i × P submatrix of V with rows `mask[i]`.
///
/// * `u`: N_post × P targets (row i = u_i); `v`: N_pre × P rate patterns (usually N_post = N_pre = N);
///   `mask[i]`: the strictly increasing presynaptic indices neuron i may use (length N_post).
/// * `ridge = 0`: minimum-norm least squares via the thin SVD A = Q Σ Zᵀ of A = V_{mask_i}ᵀ (P × K_i),
///   ŵ = Z Σ⁺ Qᵀ u_i, with singular values ≤ max(P, K_i) ε σ_max treated as zero ([`numerical_rank`]). Exact
///   (residual at rounding level) when K_i ≥ P and rank(V_{mask_i}) = P.
/// * `ridge > 0`: ŵ = Z diag(σ/(σ² + ridge)) Qᵀ u_i = (AᵀA + ridge I)⁻¹ Aᵀ u_i (the RLS fixed point with
///   λ = ridge, paper-spec §11.1 A4).
///
/// Neurons with identical masks share one SVD, so the dense case costs a single decomposition; distinct
/// masks (the sparse plastic masks of the paper) are solved in parallel over the current rayon pool, with
/// results identical for any thread count (each SVD is sequential and results are gathered in neuron order).
/// [`MaskedSolution::rank_per_neuron`] reports the numerical rank of each neuron's system: u_i is reproduced
/// exactly whenever that rank equals P.
///
/// Errors: `ShapeMismatch` (u and v column counts, mask length), `InvalidMask` (index ≥ N_pre or not strictly
/// increasing), `InvalidParameter` (ridge negative or non-finite), `NonFinite` (u or v), `Linalg`.
pub fn solve_masked(
    u: ArrayView2<f64>,
    v: ArrayView2<f64>,
    mask: &[Vec<usize>],
    ridge: f64,
) -> Result<MaskedSolution> {
    let (n_post, p) = u.dim();
    let n_pre = v.nrows();
    if v.ncols() != p {
        return Err(MeanfieldError::ShapeMismatch {
            what: "solve_masked: v columns (bins) vs u columns",
            expected: vec![p],
            found: vec![v.ncols()],
        });
    }
    if mask.len() != n_post {
        return Err(MeanfieldError::ShapeMismatch {
            what: "solve_masked: mask length vs u rows",
            expected: vec![n_post],
            found: vec![mask.len()],
        });
    }
    if !(ridge.is_finite() && ridge >= 0.0) {
        return Err(MeanfieldError::InvalidParameter {
            name: "ridge",
            value: ridge,
            expected: "finite and >= 0",
        });
    }
    validate_mask(mask, n_pre)?;
    check_finite("solve_masked: u", u)?;
    check_finite("solve_masked: v", v)?;

    // Group neurons by identical mask (BTreeMap: deterministic order).
    let mut groups: BTreeMap<&[usize], Vec<usize>> = BTreeMap::new();
    for (i, m) in mask.iter().enumerate() {
        groups.entry(m.as_slice()).or_default().push(i);
    }
    let groups: Vec<(&[usize], Vec<usize>)> = groups.into_iter().collect();

    // One independent SVD per group, in parallel; each group's arithmetic is sequential and the results are
    // scattered back in neuron order, so the numbers do not depend on the thread count.
    let solved: Vec<GroupSolution> = groups
        .par_iter()
        .map(|(m, members)| solve_group(u, v, m, members, ridge))
        .collect::<Result<Vec<_>>>()?;

    let mut w_rows = vec![Vec::new(); n_post];
    let mut residual_per_neuron = vec![0.0; n_post];
    let mut rank_per_neuron = vec![0; n_post];
    for ((_, members), sol) in groups.iter().zip(solved) {
        for (g, &i) in members.iter().enumerate() {
            w_rows[i] = sol.wt.column(g).to_vec();
            residual_per_neuron[i] = sol.residual[g];
            rank_per_neuron[i] = sol.rank;
        }
    }
    let res2: f64 = residual_per_neuron.iter().map(|r| r * r).sum();
    let u2: f64 = u.iter().map(|x| x * x).sum();
    let relative_residual = if u2 > 0.0 { (res2 / u2).sqrt() } else { 0.0 };
    Ok(MaskedSolution {
        w_rows,
        residual_per_neuron,
        rank_per_neuron,
        relative_residual,
    })
}

/// [`solve_masked`] with the dense mask (every neuron uses all N_pre presynaptic neurons): the quasi-static
/// weight matrix of eq 1, minimum-norm for `ridge = 0`. Use `solution.weight_matrix(&dense_mask(..), n_pre)`
/// for the N_post × N_pre matrix.
pub fn solve_dense(u: ArrayView2<f64>, v: ArrayView2<f64>, ridge: f64) -> Result<MaskedSolution> {
    solve_masked(u, v, &dense_mask(u.nrows(), v.nrows()), ridge)
}

/// The paper's closed-form least-squares solution for N < P, W = U Vᵀ (V Vᵀ)⁻¹ (paper-spec §6), computed by a
/// Cholesky factorisation of V Vᵀ (N_pre × N_pre). Requires rank(V) = N_pre (V Vᵀ positive definite).
///
/// Squares the condition number of V; prefer [`solve_dense`] for computation and use this as the textbook
/// reference.
///
/// Errors: `ShapeMismatch` if column counts differ; `NonFinite`; `Linalg` if V Vᵀ is not positive definite.
pub fn normal_equations_solution(u: ArrayView2<f64>, v: ArrayView2<f64>) -> Result<Array2<f64>> {
    if u.ncols() != v.ncols() {
        return Err(MeanfieldError::ShapeMismatch {
            what: "normal_equations_solution: v columns vs u columns",
            expected: vec![u.ncols()],
            found: vec![v.ncols()],
        });
    }
    check_finite("normal_equations_solution: u", u)?;
    check_finite("normal_equations_solution: v", v)?;
    let gram = v.dot(&v.t());
    let chol = gram.factorizec(UPLO::Lower)?;
    // (V Vᵀ) Wᵀ = V Uᵀ, one right-hand side per postsynaptic neuron.
    let rhs = v.dot(&u.t());
    let mut w = Array2::zeros((u.nrows(), v.nrows()));
    for (i, col) in rhs.columns().into_iter().enumerate() {
        let x = chol.solvec(&col.to_owned())?;
        w.row_mut(i).assign(&x);
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{Phi1, phi1};
    use ndarray::array;

    /// Exact small-integer averages; the incomplete last bin (column 6) is dropped.
    #[test]
    fn bin_average_drops_remainder() {
        let x = array![
            [1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 100.0],
            [0.0, 0.0, 1.0, 1.0, 2.0, 4.0, -100.0]
        ];
        let b = bin_average(x.view(), 2).unwrap();
        assert_eq!(b, array![[2.0, 6.0, 10.0], [0.0, 1.0, 3.0]]);
        assert_eq!(bin_average(x.view(), 7).unwrap().shape(), &[2, 1]);
        assert_eq!(bin_average(x.view(), 1).unwrap(), x);
        assert!(bin_average(x.view(), 0).is_err());
        assert!(bin_average(x.view(), 8).is_err());
    }

    /// φ is applied after bin averaging: a target alternating ±1 in bins of 2 has mean 0, so V = φ1(0 + 0) = 0,
    /// whereas averaging φ1(target) would give φ1(1)/2 ≠ 0.
    #[test]
    fn phi_applied_after_binning() {
        let x = array![[1.0, -1.0, 1.0, -1.0], [0.5, 0.5, 2.0, 2.0]];
        let (u, v) = quasi_static_matrices(x.view(), &[0.0, 0.25], 2, &Phi1).unwrap();
        assert_eq!(u, array![[0.0, 0.0], [0.5, 2.0]]);
        assert_eq!(v[[0, 0]], 0.0);
        assert_eq!(v[[1, 0]], phi1(0.75));
        assert_eq!(v[[1, 1]], phi1(2.25));
        assert!(quasi_static_matrices(x.view(), &[0.0], 2, &Phi1).is_err());
    }

    /// Singular values of a diagonal matrix (exact), descending; numerical rank with the NumPy tolerance.
    #[test]
    fn singular_values_and_rank_of_diagonal() {
        let d = array![
            [0.0, 0.0, 0.0],
            [0.0, 3.0, 0.0],
            [0.0, 0.0, 1e-20],
            [0.0, 0.0, 0.0]
        ];
        let sv = singular_values(d.view()).unwrap();
        assert_eq!(sv.len(), 3);
        assert!(sv[0] == 3.0 && sv[1] == 1e-20 && sv[2] == 0.0, "{sv:?}");
        let (r, tol) = numerical_rank(&sv, (4, 3));
        assert_eq!(r, 1);
        assert_eq!(tol, 4.0 * f64::EPSILON * 3.0);
        assert_eq!(numerical_rank(&[], (0, 0)), (0, 0.0));
        assert!(singular_values(array![[f64::NAN]].view()).is_err());
    }

    #[test]
    fn solve_masked_validates_input() {
        let u = Array2::<f64>::ones((2, 3));
        let v = Array2::<f64>::ones((2, 3));
        let ok = vec![vec![0, 1], vec![1]];
        assert!(solve_masked(u.view(), v.view(), &ok, 0.0).is_ok());
        let unsorted = vec![vec![1, 0], vec![1]];
        let out_of_range = vec![vec![0, 2], vec![1]];
        assert!(matches!(
            solve_masked(u.view(), v.view(), &unsorted, 0.0),
            Err(MeanfieldError::InvalidMask { neuron: 0, .. })
        ));
        assert!(matches!(
            solve_masked(u.view(), v.view(), &out_of_range, 0.0),
            Err(MeanfieldError::InvalidMask { neuron: 0, .. })
        ));
        assert!(solve_masked(u.view(), v.view(), &ok[..1], 0.0).is_err());
        assert!(solve_masked(u.view(), v.view(), &ok, -1.0).is_err());
        let v_bad = Array2::<f64>::ones((2, 4));
        assert!(solve_masked(u.view(), v_bad.view(), &ok, 0.0).is_err());
        let mut v_nan = v.clone();
        v_nan[[0, 0]] = f64::NAN;
        assert!(matches!(
            solve_masked(u.view(), v_nan.view(), &ok, 0.0),
            Err(MeanfieldError::NonFinite { .. })
        ));
    }

    /// Empty masks and U = 0 are handled: residual = ||u_i||, relative residual 0 for U = 0.
    #[test]
    fn degenerate_cases() {
        let u = array![[3.0, 4.0], [0.0, 0.0]];
        let v = array![[1.0, 0.0], [0.0, 1.0]];
        let sol = solve_masked(u.view(), v.view(), &[vec![], vec![0, 1]], 0.0).unwrap();
        assert_eq!(sol.residual_per_neuron[0], 5.0);
        assert!(sol.w_rows[0].is_empty());
        assert!((sol.relative_residual - 1.0).abs() < 1e-15);
        let z = Array2::<f64>::zeros((2, 2));
        let sol = solve_dense(z.view(), v.view(), 0.0).unwrap();
        assert_eq!(sol.relative_residual, 0.0);
    }

    /// Identity V: Ŵ = U exactly for ridge 0, and Ŵ = U/(1 + ridge) for ridge > 0 (σ = 1 filter factor).
    #[test]
    fn identity_patterns() {
        let u = array![[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]];
        let v = Array2::<f64>::eye(3);
        let w = solve_dense(u.view(), v.view(), 0.0)
            .unwrap()
            .weight_matrix(&dense_mask(2, 3), 3)
            .unwrap();
        assert!((&w - &u).iter().all(|x| x.abs() < 1e-14));
        let w = solve_dense(u.view(), v.view(), 0.5)
            .unwrap()
            .weight_matrix(&dense_mask(2, 3), 3)
            .unwrap();
        assert!((&w - &(&u / 1.5)).iter().all(|x| x.abs() < 1e-14));
    }

    /// A long cosine of period 100 samples: C̄(l) = cos(2πl/100)(1 − l/T) up to the O(1/T) mean term, so the
    /// estimate equals the interpolated crossing of the exact cosine to ~l*/T ≈ 2e-4 relative (asserting 1e-3).
    /// A constant row is skipped and all-constant input is an error; a short ramp is checked by hand.
    #[test]
    fn correlation_time_of_a_cosine() {
        let t = 100_000;
        let mut x = Array2::zeros((2, t));
        for s in 0..t {
            x[[0, s]] = (2.0 * std::f64::consts::PI * s as f64 / 100.0).cos();
            x[[1, s]] = 3.0;
        }
        let c = |l: f64| (2.0 * std::f64::consts::PI * l / 100.0).cos();
        let level = (-1.0f64).exp();
        let l_star = 19.0 + (c(19.0) - level) / (c(19.0) - c(20.0));
        assert!((l_star - 19.004).abs() < 1e-3); // 100 · arccos(1/e) / (2π) = 19.005
        let tau = correlation_time(x.view(), 0.5).unwrap();
        assert!((tau - 0.5 * l_star).abs() < 1e-3 * 0.5 * l_star, "{tau}");
        assert!(matches!(
            correlation_time(x.slice(s![1..2, ..]), 1.0),
            Err(MeanfieldError::NoVariance)
        ));
        // A 5-sample ramp (centred −2..2, C(0) = 10): C(1) = 4/10, C(2) = −1/10 ⇒ crossing at
        // 1 + (0.4 − 1/e)/(0.4 + 0.1).
        let ramp = Array2::from_shape_fn((1, 5), |(_, s)| s as f64);
        let expect = 1.0 + (0.4 - (-1.0f64).exp()) / 0.5;
        assert!((correlation_time(ramp.view(), 1.0).unwrap() - expect).abs() < 1e-15);
        assert!(correlation_time(x.view(), 0.0).is_err());
    }

    /// `analyze` bundles U, V, the spectrum, the rank and the masked solution: identical to calling the parts.
    #[test]
    fn analyze_matches_its_parts() {
        let x = Array2::from_shape_fn((6, 40), |(i, s)| {
            ((i + 1) as f64 * 0.37 * s as f64).sin() + 0.2
        });
        let mask: Vec<Vec<usize>> = (0..6)
            .map(|i| (0..6).filter(|&j| j != i).collect())
            .collect();
        let a = analyze(x.view(), &[0.1; 6], 8, &Phi1, &mask, 0.0).unwrap();
        let (u, v) = quasi_static_matrices(x.view(), &[0.1; 6], 8, &Phi1).unwrap();
        assert_eq!(a.u, u);
        assert_eq!(a.v, v);
        let sv = singular_values(v.view()).unwrap();
        assert_eq!(a.singular_values, sv);
        assert_eq!((a.rank, a.rank_tol), numerical_rank(&sv, v.dim()));
        assert_eq!(
            a.solution,
            solve_masked(u.view(), v.view(), &mask, 0.0).unwrap()
        );
        // 5 inputs per neuron, P = 5 bins, generic targets: every neuron's system has rank P = 5.
        assert_eq!(a.solution.rank_per_neuron, vec![5; 6]);
    }

    /// The per-neuron rank counts the usable independent inputs: a mask whose two rows of V coincide has rank
    /// 1; an empty mask has rank 0.
    #[test]
    fn rank_per_neuron_counts_independent_inputs() {
        let v = array![[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [0.0, 1.0, 5.0]];
        let u = array![[1.0, 0.0, 0.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1.0]];
        let sol = solve_masked(
            u.view(),
            v.view(),
            &[vec![0, 1], vec![0, 1, 2], vec![]],
            0.0,
        )
        .unwrap();
        assert_eq!(sol.rank_per_neuron, vec![1, 2, 0]);
        // Neuron 1's target (2 × row 0) lies in the span: exact despite rank 2 < P = 3.
        assert!(sol.residual_per_neuron[1] < 1e-12);
    }

    /// Distinct masks are solved in parallel: 1 thread and 2 threads give bit-identical results.
    #[test]
    fn solve_masked_thread_invariant() {
        let n = 24;
        let v = Array2::from_shape_fn((n, 15), |(i, s)| {
            ((i * 7 + s * 3) % 11) as f64 + (i as f64).sqrt()
        });
        let u = Array2::from_shape_fn((n, 15), |(i, s)| ((i + 2 * s) as f64).sin());
        let mask: Vec<Vec<usize>> = (0..n)
            .map(|i| (0..n).filter(|&j| (i + j) % 3 != 0).collect())
            .collect();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| solve_masked(u.view(), v.view(), &mask, 0.01).unwrap())
        };
        assert_eq!(run(1), run(2));
    }
}
