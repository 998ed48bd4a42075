//! Errors of the target crate.

use std::path::PathBuf;

/// Errors raised while validating target parameters, generating targets or loading recorded data.
///
/// Parameter errors name the field by its dotted path as written in the TOML parameter files
/// (`targets.tau_c_ms`, ...); file errors name the file and, where it applies, the 1-based line and column.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A parameter is outside its allowed range.
    #[error("parameter `{field}` = {value} is out of range: expected {expected}")]
    OutOfRange {
        /// Parameter name (dotted path as in the TOML files, e.g. `targets.tau_c_ms`).
        field: &'static str,
        /// Offending value.
        value: f64,
        /// Allowed range, e.g. `"(0, inf) ms"`.
        expected: &'static str,
    },
    /// A `[min, max]` parameter range is empty (min > max).
    #[error("empty range: `{min_field}` = {min} is larger than `{max_field}` = {max}")]
    EmptyRange {
        /// Name of the lower bound.
        min_field: &'static str,
        /// Name of the upper bound.
        max_field: &'static str,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// A duration is not a whole number of time steps of the simulation grid.
    #[error("`{field}` = {ms} ms is not a whole number of dt = {dt_ms} ms steps")]
    NotOnGrid {
        /// Parameter name.
        field: &'static str,
        /// Duration in ms.
        ms: f64,
        /// Time step in ms.
        dt_ms: f64,
    },
    /// Sizes of inputs do not agree.
    #[error("shape mismatch: `{what}` is {got}, expected {expected}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// Size received.
        got: usize,
        /// Size expected (or the largest allowed).
        expected: usize,
    },
    /// A generated target became non-finite (diverging generator).
    #[error("target of neuron {neuron} is non-finite at window step {step}")]
    NonFinite {
        /// Neuron index.
        neuron: usize,
        /// Window column (0-based).
        step: usize,
    },
    /// The random connectivity of the chaotic rate network could not be built.
    #[error("target-generating connectivity: {0}")]
    Connectivity(#[from] spikelearn_sim::SimError),
    /// A file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV field is not a finite number.
    #[error("{}:{line}:{column}: `{text}` is not a finite number", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line in the file (comment lines included).
        line: usize,
        /// 1-based column (field index within the row).
        column: usize,
        /// The offending text.
        text: String,
    },
    /// A CSV row has a different number of fields than the first data row.
    #[error("{}:{line}: row has {got} values, expected {expected} (as on line {first_line})", path.display())]
    Ragged {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending row.
        line: usize,
        /// Number of fields found.
        got: usize,
        /// Number of fields of the first data row.
        expected: usize,
        /// 1-based line of the first data row.
        first_line: usize,
    },
    /// A file holds no data rows.
    #[error("`{}` contains no data rows", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The requested window is longer than the recorded data.
    #[error("requested window of {requested_ms} ms exceeds the recorded data ({available_ms} ms)")]
    BeyondData {
        /// Requested window length in ms.
        requested_ms: f64,
        /// Length covered by the data in ms.
        available_ms: f64,
    },
}
