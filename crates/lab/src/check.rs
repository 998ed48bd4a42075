//! Comparing a run's metrics with the published numbers in `data/published/<NAME>.toml`.
//!
//! File format (every table rejects unknown fields):
//!
//! ```toml
//! [meta]
//! figure = "Figure 1"
//!
//! [[check]]
//! metric = "drive_test_pearson_mean"
//! profiles = ["quick", "default", "full"]   # optional; default: all profiles
//! min = 0.9                                  # optional lower bound (inclusive)
//! max = 1.0                                  # optional upper bound (inclusive)
//! value = 9.1                                # optional published value ...
//! rel_tol = 0.15                             # ... within abs_tol + rel_tol * |value|
//! abs_tol = 0.0
//! source = "paper-spec §11.2 B16; Fig 1c"
//! reason = "why this tolerance"
//! ```
//!
//! Each check needs at least one of `min`, `max`, `value`, and `value` needs `rel_tol` or `abs_tol`.
//! A metric missing from the run fails its check.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Deserialize;

use crate::Profile;

/// A parsed published-numbers file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublishedFile {
    /// Descriptive header.
    #[serde(default)]
    pub meta: Meta,
    /// The checks, in file order.
    #[serde(default)]
    pub check: Vec<PublishedCheck>,
}

/// The `[meta]` table.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Which figure/result of the paper, e.g. `"Figure 1"`.
    #[serde(default)]
    pub figure: Option<String>,
    /// Where the numbers come from in general.
    #[serde(default)]
    pub source: Option<String>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// One `[[check]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublishedCheck {
    /// Metric key in `metrics.json`.
    pub metric: String,
    /// Profiles this check applies to (default: all).
    #[serde(default = "all_profiles")]
    pub profiles: Vec<Profile>,
    /// Inclusive lower bound.
    pub min: Option<f64>,
    /// Inclusive upper bound.
    pub max: Option<f64>,
    /// Published value, matched within `abs_tol + rel_tol * |value|`.
    pub value: Option<f64>,
    /// Relative tolerance for `value`.
    pub rel_tol: Option<f64>,
    /// Absolute tolerance for `value`.
    pub abs_tol: Option<f64>,
    /// Where the number comes from (paper figure / section).
    #[serde(default)]
    pub source: String,
    /// Why this tolerance.
    #[serde(default)]
    pub reason: String,
}

fn all_profiles() -> Vec<Profile> {
    Profile::ALL.to_vec()
}

impl PublishedCheck {
    fn validate(&self) -> Result<(), String> {
        if self.metric.trim().is_empty() {
            return Err("`metric` is empty".into());
        }
        if self.min.is_none() && self.max.is_none() && self.value.is_none() {
            return Err("needs at least one of `min`, `max`, `value`".into());
        }
        for (name, v) in [("min", self.min), ("max", self.max), ("value", self.value)] {
            if let Some(v) = v
                && v.is_nan()
            {
                return Err(format!("`{name}` is NaN"));
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max)
            && lo > hi
        {
            return Err(format!("`min` = {lo} exceeds `max` = {hi}"));
        }
        for (name, v) in [("rel_tol", self.rel_tol), ("abs_tol", self.abs_tol)] {
            if let Some(t) = v
                && !(t.is_finite() && t >= 0.0)
            {
                return Err(format!("`{name}` = {t} must be finite and >= 0"));
            }
        }
        if self.value.is_some() && self.rel_tol.is_none() && self.abs_tol.is_none() {
            return Err("`value` needs `rel_tol` or `abs_tol`".into());
        }
        if self.value.is_none() && (self.rel_tol.is_some() || self.abs_tol.is_some()) {
            return Err("`rel_tol` / `abs_tol` given without `value`".into());
        }
        if self.profiles.is_empty() {
            return Err("`profiles` is empty".into());
        }
        Ok(())
    }

    /// The tolerance around `value`: `abs_tol + rel_tol * |value|`.
    pub fn tolerance(&self) -> Option<f64> {
        self.value
            .map(|v| self.abs_tol.unwrap_or(0.0) + self.rel_tol.unwrap_or(0.0) * v.abs())
    }

    /// Whether `measured` satisfies every bound of this check (NaN never does).
    pub fn accepts(&self, measured: f64) -> bool {
        if measured.is_nan() {
            return false;
        }
        let lo = self.min.is_none_or(|lo| measured >= lo);
        let hi = self.max.is_none_or(|hi| measured <= hi);
        let near = match (self.value, self.tolerance()) {
            (Some(v), Some(tol)) => (measured - v).abs() <= tol,
            _ => true,
        };
        lo && hi && near
    }

    /// Human-readable bound, e.g. `[0.9, 1]`, `>= 0.9`, `9.1 ± 1.365 (rel 15%)`.
    pub fn bound_text(&self) -> String {
        let mut parts = Vec::new();
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => parts.push(format!("[{}, {}]", fmt_num(lo), fmt_num(hi))),
            (Some(lo), None) => parts.push(format!(">= {}", fmt_num(lo))),
            (None, Some(hi)) => parts.push(format!("<= {}", fmt_num(hi))),
            (None, None) => {}
        }
        if let (Some(v), Some(tol)) = (self.value, self.tolerance()) {
            let mut s = format!("{} ± {}", fmt_num(v), fmt_num(tol));
            if let Some(r) = self.rel_tol
                && r > 0.0
            {
                let _ = write!(s, " (rel {}%)", fmt_num(r * 100.0));
            }
            parts.push(s);
        }
        parts.join(" and ")
    }
}

/// Formats a number compactly (at most 6 significant digits, no trailing zeros).
fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-4) {
        return format!("{v:.4e}");
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    // keep 6 significant digits for numbers >= 1 as well
    s.to_string()
}

/// Reads and validates a published-numbers file; errors name the file and the check index.
pub fn load_published(path: &Path) -> anyhow::Result<PublishedFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read published numbers {}", path.display()))?;
    parse_published(&text, path)
}

/// Parses and validates a published-numbers document (`path` only names it in errors).
pub fn parse_published(text: &str, path: &Path) -> anyhow::Result<PublishedFile> {
    let file: PublishedFile = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("{}: invalid published-numbers file: {e}", path.display()))?;
    for (i, c) in file.check.iter().enumerate() {
        if let Err(msg) = c.validate() {
            bail!(
                "{}: check #{i} (metric `{}`): {msg}",
                path.display(),
                c.metric
            );
        }
    }
    Ok(file)
}

/// One row of a [`CheckReport`].
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    /// Metric key.
    pub metric: String,
    /// Measured value; `None` when the run did not report the metric.
    pub measured: Option<f64>,
    /// Human-readable bound.
    pub bound: String,
    /// Whether the bound was met.
    pub passed: bool,
    /// Where the published number comes from.
    pub source: String,
}

/// The result of comparing metrics with a published-numbers file.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// One row per check applying to the profile, in file order.
    pub rows: Vec<CheckRow>,
    /// The published-numbers file.
    pub file: PathBuf,
    /// The run's profile.
    pub profile: Profile,
}

impl CheckReport {
    /// True when every row passed (vacuously true without rows).
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|r| r.passed)
    }

    /// Number of failed rows.
    pub fn n_failed(&self) -> usize {
        self.rows.iter().filter(|r| !r.passed).count()
    }

    /// An aligned text table: metric | measured | bound | pass/FAIL | source, plus a summary line.
    pub fn render(&self) -> String {
        let header = ["metric", "measured", "bound", "result", "source"];
        let cells: Vec<[String; 5]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.metric.clone(),
                    r.measured.map_or_else(|| "missing".to_string(), fmt_num),
                    r.bound.clone(),
                    if r.passed { "pass" } else { "FAIL" }.to_string(),
                    r.source.clone(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |row: &[String; 5]| -> String {
            let mut s = String::new();
            for (i, (c, w)) in row.iter().zip(widths).enumerate() {
                if i > 0 {
                    s.push_str(" | ");
                }
                let pad = w - c.chars().count();
                if i == 1 {
                    // numbers right-aligned
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    if i < 4 {
                        s.push_str(&" ".repeat(pad));
                    }
                }
            }
            s.trim_end().to_string()
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "check against {} (profile {})",
            self.file.display(),
            self.profile
        );
        out.push_str(&line(&header.map(String::from)));
        out.push('\n');
        let total: usize = widths.iter().sum::<usize>() + 3 * 4;
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for row in &cells {
            out.push_str(&line(row));
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{} of {} checks passed{}",
            self.rows.len() - self.n_failed(),
            self.rows.len(),
            if self.passed() { "" } else { " — FAILED" }
        );
        out
    }
}

/// Compares `metrics` with the checks of `published` that apply to `profile`.
pub fn check_metrics(
    metrics: &BTreeMap<String, f64>,
    published: &Path,
    profile: Profile,
) -> anyhow::Result<CheckReport> {
    let file = load_published(published)?;
    let rows = file
        .check
        .iter()
        .filter(|c| c.profiles.contains(&profile))
        .map(|c| {
            let measured = metrics.get(&c.metric).copied();
            CheckRow {
                metric: c.metric.clone(),
                measured,
                bound: c.bound_text(),
                passed: measured.is_some_and(|m| c.accepts(m)),
                source: c.source.clone(),
            }
        })
        .collect();
    Ok(CheckReport {
        rows,
        file: published.to_path_buf(),
        profile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> anyhow::Result<PublishedFile> {
        parse_published(s, Path::new("pub.toml"))
    }

    #[test]
    fn validation_names_file_and_index() {
        let e = parse("[[check]]\nmetric='a'\nmin=0\n[[check]]\nmetric='b'\nvalue=1\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("pub.toml") && e.contains("#1") && e.contains("tol"),
            "{e}"
        );
        let e = parse("[[check]]\nmetric='a'\nmin=0\nfoo=1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("pub.toml") && e.contains("foo"), "{e}");
        let e = parse("[[check]]\nmetric='a'\n").unwrap_err().to_string();
        assert!(e.contains("#0"), "{e}");
    }

    #[test]
    fn bounds() {
        let f =
            parse("[[check]]\nmetric='a'\nvalue=10\nrel_tol=0.1\nabs_tol=0.5\nmin=0\nsource='x'\n")
                .unwrap();
        let c = &f.check[0];
        assert_eq!(c.profiles, Profile::ALL.to_vec());
        assert!(c.accepts(11.5) && c.accepts(8.5) && !c.accepts(11.6) && !c.accepts(f64::NAN));
        assert_eq!(c.bound_text(), ">= 0 and 10 ± 1.5 (rel 10%)");
    }
}
