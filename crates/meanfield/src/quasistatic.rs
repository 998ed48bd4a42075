//! Quasi-static predictions of the mean-field equations (paper eq 1 = eq 46, eq 47) and the quasi-static
//! accuracy measure (paper §10, Fig 4i).
//!
//! Layout: `w` is the N_post × N_pre coupling matrix with `w[[i, j]]` the weight from presynaptic neuron j to
//! postsynaptic neuron i; activity arrays are neurons × time (one row per neuron, one column per time sample).
//! A constant per-neuron input `ext: Array1` of length N can be passed as
//! `ext.view().insert_axis(Axis(1)).broadcast((n, t)).unwrap()`.

use ndarray::{Array2, ArrayView2, Zip};

use crate::error::{MeanfieldError, Result};
use crate::stats::pearson;
use crate::transfer::Transfer;

fn check_same_shape(what: &'static str, expected: &[usize], found: &[usize]) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(MeanfieldError::ShapeMismatch {
            what,
            expected: expected.to_vec(),
            found: found.to_vec(),
        })
    }
}

/// φ applied element-wise to `x + ext` (shapes already checked equal).
fn phi_of_sum(x: ArrayView2<f64>, ext: ArrayView2<f64>, phi: &dyn Transfer) -> Array2<f64> {
    Zip::from(&x)
        .and(&ext)
        .map_collect(|&a, &b| phi.value(a + b))
}

/// Predicted synaptic drive Σ_j W_ij φ(u_j(t) + I_j(t)) (paper eq 1 = eq 46), N_post × T.
///
/// `w`: N_post × N_pre; `u`: recorded drive, N_pre × T; `ext`: external input of the presynaptic neurons,
/// N_pre × T. The paper's Fig 4i compares this with the recorded u (for square W); which φ the paper used is
/// not stated (paper-spec §12.7; default φ1, the one derived in mean field).
///
/// Errors: `ShapeMismatch` if `w.ncols() != u.nrows()` or `ext.shape() != u.shape()`.
pub fn predict_drive(
    w: ArrayView2<f64>,
    u: ArrayView2<f64>,
    ext: ArrayView2<f64>,
    phi: &dyn Transfer,
) -> Result<Array2<f64>> {
    check_same_shape(
        "predict_drive: w columns vs u rows",
        &[u.nrows()],
        &[w.ncols()],
    )?;
    check_same_shape("predict_drive: ext vs u", u.shape(), ext.shape())?;
    Ok(w.dot(&phi_of_sum(u, ext, phi)))
}

/// Predicted spiking rate φ(Σ_j W_ij R_j(t) + I_i(t)) (paper eq 47; eq 2 without the external input),
/// N_post × T.
///
/// `w`: N_post × N_pre; `r`: recorded rates of the presynaptic neurons (filtered spike trains or binned rates, in
/// spikes per τ), N_pre × T; `ext`: external input of the **postsynaptic** neurons, N_post × T.
///
/// Errors: `ShapeMismatch` if `w.ncols() != r.nrows()` or `ext` is not N_post × T.
pub fn predict_rate(
    w: ArrayView2<f64>,
    r: ArrayView2<f64>,
    ext: ArrayView2<f64>,
    phi: &dyn Transfer,
) -> Result<Array2<f64>> {
    check_same_shape(
        "predict_rate: w columns vs r rows",
        &[r.nrows()],
        &[w.ncols()],
    )?;
    check_same_shape(
        "predict_rate: ext vs (w rows, r columns)",
        &[w.nrows(), r.ncols()],
        ext.shape(),
    )?;
    let drive = w.dot(&r);
    Ok(phi_of_sum(drive.view(), ext, phi))
}

/// Synaptic low-pass filter of a predicted drive: the mean-field equation with synaptic dynamics
/// τ_s dU_i/dt = −U_i + S_i(t) (paper eq 42, with the quasi-static phase density so that the source is
/// S = Σ_j W_ij φ(u_j + I_j), e.g. from [`predict_drive`]), without the quasi-static assumption τ_s dU/dt ≈ 0
/// of eq 43. Integrated exactly for S constant over each sample of length dt:
///
/// U(t_k) = a U(t_{k−1}) + (1 − a) S(t_k),  a = e^{−dt/τ_s},  U(t_0) = S(t_0).
///
/// `source`: N × T (one row per neuron); `dt_over_tau_s`: sample interval over τ_s. The difference between
/// this and the quasi-static prediction is the tracking error τ_s dU/dt of paper eq 52.
///
/// Errors: `InvalidParameter` if `dt_over_tau_s` is not finite and > 0.
pub fn synaptic_filter(source: ArrayView2<f64>, dt_over_tau_s: f64) -> Result<Array2<f64>> {
    if !(dt_over_tau_s.is_finite() && dt_over_tau_s > 0.0) {
        return Err(MeanfieldError::InvalidParameter {
            name: "dt_over_tau_s",
            value: dt_over_tau_s,
            expected: "finite and > 0",
        });
    }
    let a = (-dt_over_tau_s).exp();
    let mut out = source.to_owned();
    for mut row in out.rows_mut() {
        let mut u = row.first().copied().unwrap_or(0.0);
        for v in row.iter_mut() {
            u = a * u + (1.0 - a) * *v;
            *v = u;
        }
    }
    Ok(out)
}

/// Pearson correlation over time for each neuron (row) between `pred` and `actual` (paper §10); `None` for a
/// neuron whose predicted or actual trace is constant (correlation undefined, see [`crate::stats::pearson`]).
///
/// Errors: `ShapeMismatch` if the shapes differ.
pub fn per_neuron_correlation(
    pred: ArrayView2<f64>,
    actual: ArrayView2<f64>,
) -> Result<Vec<Option<f64>>> {
    check_same_shape(
        "per_neuron_correlation: pred vs actual",
        actual.shape(),
        pred.shape(),
    )?;
    Ok(pred
        .rows()
        .into_iter()
        .zip(actual.rows())
        .map(|(p, a)| pearson(&p.to_vec(), &a.to_vec()))
        .collect())
}

/// Quasi-static accuracy: mean over neurons of the Pearson correlation over time between the prediction and
/// the recorded activity (paper §10 "Quasi-static accuracy", Fig 4i: corr(Σ_j W_ij φ(u_j + I_j), u_i)).
///
/// Neurons whose predicted or actual trace has zero variance (e.g. a silent neuron whose prediction is
/// constant) have no defined correlation and are **skipped**, i.e. the mean is over the remaining neurons. A NaN
/// in a trace is not skipped: it makes the result NaN.
///
/// Errors: `ShapeMismatch` if the shapes differ; `NoVariance` if every neuron is skipped.
pub fn quasi_static_accuracy(pred: ArrayView2<f64>, actual: ArrayView2<f64>) -> Result<f64> {
    let rs: Vec<f64> = per_neuron_correlation(pred, actual)?
        .into_iter()
        .flatten()
        .collect();
    if rs.is_empty() {
        return Err(MeanfieldError::NoVariance);
    }
    Ok(rs.iter().sum::<f64>() / rs.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{Phi1, Phi2, phi1};
    use ndarray::{Array1, Axis, array};

    /// eq 1 by hand for a 2-neuron network: pred_i(t) = Σ_j W_ij φ1(u_j(t) + I_j). Exact small-integer
    /// arithmetic up to the sqrt, so 1e-15.
    #[test]
    fn predict_drive_by_hand() {
        let w = array![[0.0, 2.0], [-1.0, 0.5]];
        let u = array![[0.0, 0.75, 3.0], [1.0, -2.0, 0.0]];
        let ext = Array1::from(vec![1.0, 0.0]);
        let ext2 = ext.view().insert_axis(Axis(1));
        let ext2 = ext2.broadcast((2, 3)).unwrap();
        let p = predict_drive(w.view(), u.view(), ext2, &Phi1).unwrap();
        for t in 0..3 {
            let r0 = phi1(u[[0, t]] + 1.0);
            let r1 = phi1(u[[1, t]]);
            assert!((p[[0, t]] - 2.0 * r1).abs() < 1e-15);
            assert!((p[[1, t]] - (-r0 + 0.5 * r1)).abs() < 1e-15);
        }
    }

    /// eq 47 and eq 46 against explicit triple loops (an independent implementation) on a rectangular W
    /// (2 postsynaptic × 3 presynaptic). 1e-14: sums of three O(1) products.
    #[test]
    fn predictions_match_explicit_loops() {
        let phi = Phi2::PAPER;
        let w = array![[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]];
        let r = array![
            [0.1, 0.2, 0.3, 0.15],
            [0.3, 0.05, 0.2, 0.25],
            [0.2, 0.4, 0.1, 0.35]
        ];
        let ext_post = array![[0.2, -0.1, 0.0, 0.3], [0.0, 0.1, -0.3, 0.2]];
        let ext_pre = array![
            [0.2, -0.1, 0.0, 0.3],
            [0.0, 0.1, -0.3, 0.2],
            [1.0, 0.5, 0.0, -1.0]
        ];
        let pr = predict_rate(w.view(), r.view(), ext_post.view(), &phi).unwrap();
        let pd = predict_drive(w.view(), r.view(), ext_pre.view(), &phi).unwrap();
        assert_eq!(pr.shape(), &[2, 4]);
        assert_eq!(pd.shape(), &[2, 4]);
        for i in 0..2 {
            for t in 0..4 {
                let mut wr = 0.0;
                let mut wphi = 0.0;
                for j in 0..3 {
                    wr += w[[i, j]] * r[[j, t]];
                    wphi += w[[i, j]] * phi.value(r[[j, t]] + ext_pre[[j, t]]);
                }
                assert!((pr[[i, t]] - phi.value(wr + ext_post[[i, t]])).abs() < 1e-14);
                assert!((pd[[i, t]] - wphi).abs() < 1e-14);
            }
        }
        // A prediction equal to the data up to an affine map has accuracy 1 (1e-12: rounding of Pearson).
        let scaled = pr.mapv(|x| 3.0 * x + 1.0);
        assert!((quasi_static_accuracy(pr.view(), scaled.view()).unwrap() - 1.0).abs() < 1e-12);
    }

    /// Accuracy skips constant neurons and averages the rest; errors on shape mismatch and on all-constant.
    #[test]
    fn accuracy_skips_constant_neurons() {
        let pred = array![
            [1.0, 2.0, 3.0],
            [5.0, 5.0, 5.0],
            [3.0, 2.0, 1.0],
            [1.0, 2.0, 3.0]
        ];
        let actual = array![
            [2.0, 4.0, 6.0],
            [1.0, 2.0, 3.0],
            [1.0, 2.0, 3.0],
            [0.0, 0.0, 0.0]
        ];
        // Row 0: +1, row 1 skipped (pred constant), row 2: −1, row 3 skipped (actual constant) ⇒ mean 0.
        let per = per_neuron_correlation(pred.view(), actual.view()).unwrap();
        assert_eq!(per[1], None);
        assert_eq!(per[3], None);
        let acc = quasi_static_accuracy(pred.view(), actual.view()).unwrap();
        assert!(acc.abs() < 1e-15, "{acc}");
        let flat = Array2::<f64>::zeros((2, 3));
        assert!(matches!(
            quasi_static_accuracy(flat.view(), flat.view()),
            Err(MeanfieldError::NoVariance)
        ));
        assert!(matches!(
            quasi_static_accuracy(pred.view(), flat.view()),
            Err(MeanfieldError::ShapeMismatch { .. })
        ));
    }

    /// Exact exponential relaxation: a constant source stays constant (1e-15), a unit step from 0 reaches
    /// 1 − a^k after k samples (1e-14, rounding of k products), and a bad step is rejected.
    #[test]
    fn synaptic_filter_step_response() {
        let c = Array2::from_elem((2, 5), 0.7);
        let f = synaptic_filter(c.view(), 0.05).unwrap();
        assert!(f.iter().all(|v| (v - 0.7).abs() < 1e-15));
        let mut step = Array2::<f64>::ones((1, 40));
        step[[0, 0]] = 0.0;
        let f = synaptic_filter(step.view(), 0.05).unwrap();
        let a = (-0.05f64).exp();
        for k in 0..40 {
            assert!((f[[0, k]] - (1.0 - a.powi(k as i32))).abs() < 1e-14, "{k}");
        }
        assert!(synaptic_filter(c.view(), 0.0).is_err());
        assert!(synaptic_filter(c.view(), f64::NAN).is_err());
    }

    #[test]
    fn shape_errors() {
        let w = Array2::<f64>::zeros((3, 3));
        let u = Array2::<f64>::zeros((2, 5));
        let ext = Array2::<f64>::zeros((2, 5));
        assert!(matches!(
            predict_drive(w.view(), u.view(), ext.view(), &Phi1),
            Err(MeanfieldError::ShapeMismatch { .. })
        ));
        let u = Array2::<f64>::zeros((3, 5));
        assert!(predict_drive(w.view(), u.view(), ext.view(), &Phi1).is_err());
        assert!(predict_rate(w.view(), u.view(), ext.view(), &Phi1).is_err());
    }
}
