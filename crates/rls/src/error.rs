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
    /// The P matrices could not be allocated: their size overflows the address space, exceeds the memory
    /// the system reports available (Linux: `MemAvailable`; checked first, so that the run stops with this
    /// error instead of being killed when the pages are touched), or the allocation was refused. `bytes` is
    /// what they need: Σ_i K_i(K_i+1)/2 values for the packed kernels, Σ_i K_i² for the reference kernel,
    /// 8 bytes each (4 for `PackedF32`).
    #[error(
        "rls: the P matrices of {rows} rows (mean K = {mean_k:.0} plastic inputs) need {:.1} GB with kernel \
         \"{}\"{}; use fewer neurons or a lower connection probability p (P grows as N K²){}",
        *bytes as f64 / 1e9,
        kernel.name(),
        match available {
            Some(a) => format!(", more than the {:.1} GB of memory available", *a as f64 / 1e9),
            None => " and could not be allocated".to_string(),
        },
        smaller_storage(*kernel)
    )]
    Alloc {
        /// Number of rows N.
        rows: usize,
        /// Mean number of plastic inputs per row, K̄.
        mean_k: f64,
        /// The kernel whose storage was requested.
        kernel: crate::Kernel,
        /// Bytes requested (computed in 128-bit arithmetic, so that an impossible size is reported as it is).
        bytes: u128,
        /// The memory the system reported available, when that is what the request exceeded.
        available: Option<u128>,
    },
}

/// The kernels that store P in fewer bytes than `kernel`, as the end of [`RlsError::Alloc`]'s advice.
fn smaller_storage(kernel: crate::Kernel) -> &'static str {
    match kernel {
        crate::Kernel::Reference => {
            ", or kernel = \"packed\" (about half the bytes of \"reference\") or \"packed_f32\" (a quarter)"
        }
        crate::Kernel::Packed => ", or kernel = \"packed_f32\" (half the bytes of \"packed\")",
        // already the smallest storage
        crate::Kernel::PackedF32 => "",
    }
}
