//! Errors of the RLS crate.

/// Errors raised by [`crate::RlsBank`].
#[non_exhaustive]
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum RlsError {
    /// λ must be a positive finite number (P(0) = I/λ).
    #[error("rls: lambda = {0} must be positive and finite")]
    BadLambda(f64),
    /// Slice lengths passed to a step do not match the layout.
    #[error("rls: `{what}` has length {got}, expected {expected}")]
    Shape {
        /// Which argument.
        what: &'static str,
        /// Length received.
        got: usize,
        /// Length expected.
        expected: usize,
    },
    /// A row produced a non-finite error or gain: the training diverged.
    #[error("rls: non-finite error or gain in row {row} (lowest such row); training diverged")]
    NonFinite {
        /// Neuron (row) index.
        row: usize,
    },
    /// The CSR row pointer is not monotone or does not start at 0.
    #[error("rls: malformed row pointer: {0}")]
    Layout(String),
}
