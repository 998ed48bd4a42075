//! Errors of the simulation crate.

/// Errors raised while building or running a network.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A parameter is outside its allowed range.
    #[error("parameter `{field}` = {value} is out of range: expected {expected}")]
    OutOfRange {
        /// Parameter name (dotted path as in the TOML files).
        field: &'static str,
        /// Offending value.
        value: f64,
        /// Allowed range.
        expected: &'static str,
    },
    /// A duration is not an integer number of time steps.
    #[error("`{field}` = {ms} ms is not a whole number of dt = {dt_ms} ms steps")]
    NotOnGrid {
        /// Parameter name.
        field: &'static str,
        /// Duration in ms.
        ms: f64,
        /// Time step in ms.
        dt_ms: f64,
    },
    /// Sizes of inputs do not match the network.
    #[error("shape mismatch: `{what}` has {got} entries, expected {expected}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// Size received.
        got: usize,
        /// Size expected.
        expected: usize,
    },
    /// The synaptic drive became non-finite.
    #[error("simulation diverged at trial step {step}: drive of neuron {neuron} is {value}")]
    Diverged {
        /// Step within the trial (1-based).
        step: usize,
        /// First neuron with a non-finite drive.
        neuron: usize,
        /// Its value.
        value: f64,
    },
    /// The RLS learner could not be set up (a bad λ, or P matrices too large to allocate).
    #[error("could not set up the RLS learner")]
    LearnerSetup {
        /// Underlying RLS error.
        #[source]
        source: spikelearn_rls::RlsError,
    },
    /// The learning rule failed.
    #[error("learning failed at window step {step}: {source}")]
    Learn {
        /// Window step (1-based).
        step: usize,
        /// Underlying RLS error.
        #[source]
        source: spikelearn_rls::RlsError,
    },
}

/// `Ok` when the parameter value `v` is finite and `ok` (its range condition) holds, else
/// [`SimError::OutOfRange`] naming `field` and the `expected` range.
pub(crate) fn check_range(
    field: &'static str,
    v: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), SimError> {
    if ok && v.is_finite() {
        Ok(())
    } else {
        Err(SimError::OutOfRange {
            field,
            value: v,
            expected,
        })
    }
}
