//! Time units and the time grid.
//!
//! All dynamics are integrated in units of the neuron time constant τ = 10 ms, exactly as the authors' code
//! (paper-spec §1.1): a duration of `x` ms is `x / 10` time units, and a rate of `v` spikes per τ is `100 v` Hz.
//! Durations are converted to integer step counts once, by [`Grid::steps`], never compared as floats.

use crate::SimError;

/// The neuron time constant τ in ms; the unit of time of every simulation.
pub const TAU_MS: f64 = 10.0;

/// Convert milliseconds to simulation time units (τ = 10 ms).
#[inline]
pub fn ms_to_tau(ms: f64) -> f64 {
    ms / TAU_MS
}

/// Convert a rate in spikes per τ to Hz.
#[inline]
pub fn per_tau_to_hz(rate: f64) -> f64 {
    rate * 1000.0 / TAU_MS
}

/// A uniform time grid of step `dt`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    dt_ms: f64,
}

impl Grid {
    /// Grid with step `dt_ms` (> 0, ≤ 10 ms).
    pub fn new(dt_ms: f64) -> Result<Self, SimError> {
        if !(dt_ms > 0.0 && dt_ms <= 10.0) {
            return Err(SimError::OutOfRange {
                field: "dt_ms",
                value: dt_ms,
                expected: "(0, 10] ms",
            });
        }
        Ok(Self { dt_ms })
    }
    /// Step in ms.
    pub fn dt_ms(&self) -> f64 {
        self.dt_ms
    }
    /// Step in units of τ.
    pub fn dt(&self) -> f64 {
        ms_to_tau(self.dt_ms)
    }
    /// Number of steps in `ms`; errors (naming `field`) unless `ms` is a non-negative whole number of steps
    /// (to 1e-9 relative).
    pub fn steps(&self, field: &'static str, ms: f64) -> Result<usize, SimError> {
        let x = ms / self.dt_ms;
        let n = x.round();
        if ms.is_nan() || ms < 0.0 || (x - n).abs() > 1e-9 * x.max(1.0) {
            return Err(SimError::NotOnGrid {
                field,
                ms,
                dt_ms: self.dt_ms,
            });
        }
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn grid_converts_whole_steps_and_rejects_fractions() {
        let g = Grid::new(1.0).unwrap();
        assert_eq!(g.steps("t", 1000.0).unwrap(), 1000);
        assert!((g.dt() - 0.1).abs() < 1e-15);
        let g2 = Grid::new(2.0).unwrap();
        assert!(g2.steps("t", 5.0).is_err());
        assert!(Grid::new(-1.0).is_err());
        assert_eq!(per_tau_to_hz(1.0 / std::f64::consts::PI).round(), 32.0);
    }
}
