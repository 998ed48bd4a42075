//! The crate's error type.

/// Errors returned by the mean-field analysis functions instead of panicking on bad input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeanfieldError {
    /// Two arrays (or an array and a slice) that must agree in shape do not.
    #[error("shape mismatch in {what}: expected {expected:?}, found {found:?}")]
    ShapeMismatch {
        /// Which argument or relation failed, e.g. `"predict_drive: w columns vs u rows"`.
        what: &'static str,
        /// The expected shape.
        expected: Vec<usize>,
        /// The shape that was passed.
        found: Vec<usize>,
    },
    /// A scalar parameter is outside its allowed range.
    #[error("invalid parameter {name} = {value}: expected {expected}")]
    InvalidParameter {
        /// Parameter name as in the function signature (e.g. `"tau_s"`).
        name: &'static str,
        /// The value that was passed (usize parameters are converted to f64).
        value: f64,
        /// The allowed range, in words.
        expected: &'static str,
    },
    /// A presynaptic index set passed to [`crate::rank::solve_masked`] is invalid.
    #[error("invalid mask for neuron {neuron}: {reason}")]
    InvalidMask {
        /// Postsynaptic neuron whose mask is invalid.
        neuron: usize,
        /// What is wrong (out of range index, not strictly increasing, ...).
        reason: String,
    },
    /// An input array contains NaN or ±inf where finite numbers are required (e.g. before LAPACK calls).
    #[error("non-finite value in {what}")]
    NonFinite {
        /// Which argument contained the non-finite value.
        what: &'static str,
    },
    /// No neuron had a defined correlation (every predicted or actual trace was constant).
    #[error("no neuron with non-zero variance in both traces; the accuracy is undefined")]
    NoVariance,
    /// Adaptive quadrature did not reach the requested tolerance within the interval budget.
    #[error(
        "quadrature did not converge: estimate {estimate}, error estimate {error_estimate} after {intervals} intervals"
    )]
    QuadratureNotConverged {
        /// Best value reached.
        estimate: f64,
        /// Its estimated absolute error.
        error_estimate: f64,
        /// Number of subintervals used.
        intervals: usize,
    },
    /// A LAPACK routine (through ndarray-linalg) failed.
    #[error("linear algebra failure: {0}")]
    Linalg(#[from] ndarray_linalg::error::LinalgError),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, MeanfieldError>;
