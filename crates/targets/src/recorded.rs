//! Recorded firing rates (the Fig 5 substitute data, `/work/shared/data/alm/`, paper-spec §4.6).
//!
//! File format (see the data directory's README): optional `#` comment lines, then one row per neuron of
//! comma-separated trial-averaged rates in Hz, one value per time bin (ALM files: 101 bins of 20 ms covering
//! −2.0 s … 0 s before the go cue). Blank lines are ignored. Value b of a row is taken as the rate at time
//! b·bin_ms after the first bin, so a row of B values covers (B − 1)·bin_ms.
//!
//! [`RecordedRates::resample`] puts the rates on the simulation grid of the target window (column s at
//! window time t = (s + 1)·dt_ms, with t = 0 at the first bin) and converts Hz to spikes per τ (÷ 100).

use crate::TargetError;
use ndarray::{Array1, Array2, Axis};
use spikelearn_sim::TAU_MS;
use std::path::{Path, PathBuf};

/// Bin width of the ALM rate files, ms (data README: 20 ms bins).
pub const ALM_BIN_MS: f64 = 20.0;

/// Trial-averaged rates of recorded neurons.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRates {
    /// Rates in Hz, neurons × bins.
    pub rates_hz: Array2<f64>,
    /// Bin width (spacing of the samples), ms.
    pub bin_ms: f64,
    /// File the rates came from.
    pub source: PathBuf,
    /// For each row, its 0-based row index among the data rows of the file (kept through selections).
    pub rows: Vec<usize>,
}

/// Load an ALM-format rate file with 20 ms bins ([`ALM_BIN_MS`]); see the module docs for the format.
///
/// Errors: [`TargetError::Io`] naming the path (e.g. missing file), [`TargetError::Parse`] naming file, line
/// and column of a field that is not a finite number, [`TargetError::Ragged`] naming the line of a row whose
/// length differs from the first data row, [`TargetError::Empty`] if there is no data row.
pub fn load_rates_csv(path: &Path) -> Result<RecordedRates, TargetError> {
    load_rates_csv_binned(path, ALM_BIN_MS)
}

/// As [`load_rates_csv`] with an explicit bin width in ms (must be positive and finite).
pub fn load_rates_csv_binned(path: &Path, bin_ms: f64) -> Result<RecordedRates, TargetError> {
    if !(bin_ms > 0.0 && bin_ms.is_finite()) {
        return Err(TargetError::OutOfRange {
            field: "bin_ms",
            value: bin_ms,
            expected: "(0, inf) ms",
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| TargetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut values: Vec<f64> = Vec::new();
    let mut width: Option<(usize, usize)> = None; // (fields, first data line)
    let mut n_rows = 0;
    for (k, line) in text.lines().enumerate() {
        let lineno = k + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let before = values.len();
        for (c, field) in trimmed.split(',').enumerate() {
            let field = field.trim();
            match field.parse::<f64>() {
                Ok(v) if v.is_finite() => values.push(v),
                _ => {
                    return Err(TargetError::Parse {
                        path: path.to_path_buf(),
                        line: lineno,
                        column: c + 1,
                        text: field.to_string(),
                    });
                }
            }
        }
        let got = values.len() - before;
        match width {
            None => width = Some((got, lineno)),
            Some((expected, first_line)) if expected != got => {
                return Err(TargetError::Ragged {
                    path: path.to_path_buf(),
                    line: lineno,
                    got,
                    expected,
                    first_line,
                });
            }
            Some(_) => {}
        }
        n_rows += 1;
    }
    let Some((bins, _)) = width else {
        return Err(TargetError::Empty {
            path: path.to_path_buf(),
        });
    };
    let rates_hz =
        Array2::from_shape_vec((n_rows, bins), values).expect("every row has `bins` values");
    Ok(RecordedRates {
        rates_hz,
        bin_ms,
        source: path.to_path_buf(),
        rows: (0..n_rows).collect(),
    })
}

impl RecordedRates {
    /// Number of neurons (rows).
    pub fn n_neurons(&self) -> usize {
        self.rates_hz.nrows()
    }

    /// Number of bins (columns).
    pub fn n_bins(&self) -> usize {
        self.rates_hz.ncols()
    }

    /// Time covered by the samples, (bins − 1)·bin_ms (0 for fewer than two bins).
    pub fn duration_ms(&self) -> f64 {
        self.n_bins().saturating_sub(1) as f64 * self.bin_ms
    }

    /// Mean rate of each neuron over all bins, Hz.
    pub fn mean_rates_hz(&self) -> Array1<f64> {
        self.rates_hz
            .mean_axis(Axis(1))
            .unwrap_or_else(|| Array1::zeros(self.n_neurons()))
    }

    /// The neurons whose mean rate over the bins strictly exceeds `hz` (paper: "average rate … exceeds 5 Hz",
    /// paper-spec §4.6), in file order; `rows` keeps their original row indices.
    pub fn select_mean_rate_above(&self, hz: f64) -> RecordedRates {
        let keep: Vec<usize> = self
            .mean_rates_hz()
            .iter()
            .enumerate()
            .filter(|&(_, &m)| m > hz)
            .map(|(i, _)| i)
            .collect();
        RecordedRates {
            rates_hz: self.rates_hz.select(Axis(0), &keep),
            bin_ms: self.bin_ms,
            source: self.source.clone(),
            rows: keep.iter().map(|&i| self.rows[i]).collect(),
        }
    }

    /// Drop the last `k` bins (the ALM files' last ~7 bins read low, data README). Errors if fewer than one
    /// bin would remain.
    pub fn drop_last_bins(&self, k: usize) -> Result<RecordedRates, TargetError> {
        let bins = self.n_bins();
        if k >= bins {
            return Err(TargetError::Shape {
                what: "bins to drop",
                got: k,
                expected: bins.saturating_sub(1),
            });
        }
        Ok(RecordedRates {
            rates_hz: self.rates_hz.slice(ndarray::s![.., ..bins - k]).to_owned(),
            bin_ms: self.bin_ms,
            source: self.source.clone(),
            rows: self.rows.clone(),
        })
    }

    /// Rate targets on the simulation grid, in spikes per τ (Hz ÷ 100, τ = 10 ms): an `N × steps` matrix
    /// whose column s is the piecewise-linear interpolation of the samples at t = (s + 1)·dt_ms, with t = 0
    /// at the first bin and sample b at b·bin_ms.
    ///
    /// Errors: dt_ms not in (0, ∞); steps·dt_ms longer than [`RecordedRates::duration_ms`] (up to 1e-9
    /// relative).
    pub fn resample(&self, dt_ms: f64, steps: usize) -> Result<Array2<f64>, TargetError> {
        if !(dt_ms > 0.0 && dt_ms.is_finite()) {
            return Err(TargetError::OutOfRange {
                field: "dt_ms",
                value: dt_ms,
                expected: "(0, inf) ms",
            });
        }
        let available_ms = self.duration_ms();
        let requested_ms = steps as f64 * dt_ms;
        if steps > 0 && requested_ms > available_ms * (1.0 + 1e-9) {
            return Err(TargetError::BeyondData {
                requested_ms,
                available_ms,
            });
        }
        let to_per_tau = TAU_MS / 1000.0;
        let last = self.n_bins().saturating_sub(1);
        // Bracketing samples and weight for each grid time.
        let stencil: Vec<(usize, f64)> = (0..steps)
            .map(|s| {
                let x = ((s + 1) as f64 * dt_ms / self.bin_ms).min(last as f64);
                let b = (x.floor() as usize).min(last.saturating_sub(1));
                (b, x - b as f64)
            })
            .collect();
        let mut out = Array2::zeros((self.n_neurons(), steps));
        for (mut o, r) in out.rows_mut().into_iter().zip(self.rates_hz.rows()) {
            for (s, &(b, w)) in stencil.iter().enumerate() {
                let v = if w == 0.0 {
                    r[b]
                } else {
                    (1.0 - w) * r[b] + w * r[b + 1]
                };
                o[s] = v * to_per_tau;
            }
        }
        Ok(out)
    }
}
