//! Writing a run's files: CSV tables, `metrics.json`, `run.json`, `.npy` arrays and figures, all into a
//! staging directory that replaces the output directory only after everything succeeded.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};

use crate::plot;
use crate::report::Report;

/// Checks a report before anything is written: finite metrics (the error names the key), consistent
/// tables, distinct and file-safe names for tables, arrays and figures.
pub fn validate_report(report: &Report) -> anyhow::Result<()> {
    for (k, v) in &report.metrics {
        if !v.is_finite() {
            bail!("metric `{k}` is not finite ({v})");
        }
        if k.trim().is_empty() || k.chars().any(char::is_control) {
            bail!("metric name `{k}` is empty or contains control characters");
        }
    }
    let mut seen = HashSet::new();
    for t in &report.tables {
        check_name("table", &t.name)?;
        if !seen.insert(t.name.as_str()) {
            bail!("duplicate table name `{}`", t.name);
        }
        t.check()?;
    }
    let mut seen = HashSet::new();
    for a in &report.arrays {
        check_name("array", &a.name)?;
        if !seen.insert(a.name.as_str()) {
            bail!("duplicate array name `{}`", a.name);
        }
    }
    let mut seen = HashSet::new();
    for f in &report.figures {
        check_name("figure", &f.name)?;
        if !seen.insert(f.name.as_str()) {
            bail!("duplicate figure name `{}`", f.name);
        }
    }
    Ok(())
}

fn check_name(kind: &str, name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok {
        bail!(
            "{kind} name `{name}` must be non-empty ASCII letters, digits, `_`, `-`, `.` (not leading)"
        );
    }
    Ok(())
}

/// Writes every file of `report` into the existing directory `dir`; `run_json` is written as `run.json`.
pub fn write_report(
    report: &Report,
    run_json: &serde_json::Value,
    dir: &Path,
    plots: bool,
) -> anyhow::Result<()> {
    for t in &report.tables {
        let path = dir.join(format!("{}.csv", t.name));
        write_csv(t, &path).with_context(|| format!("writing table {}", path.display()))?;
    }
    let path = dir.join("metrics.json");
    write_json(&path, &serde_json::to_value(&report.metrics)?)
        .with_context(|| format!("writing {}", path.display()))?;
    let path = dir.join("run.json");
    write_json(&path, run_json).with_context(|| format!("writing {}", path.display()))?;
    for a in &report.arrays {
        let path = dir.join(format!("{}.npy", a.name));
        ndarray_npy::write_npy(&path, &a.data)
            .with_context(|| format!("writing array {}", path.display()))?;
    }
    if plots {
        for f in &report.figures {
            let png = dir.join(format!("{}.png", f.name));
            plot::render_png(f, &png).with_context(|| format!("plotting {}", png.display()))?;
            let svg = dir.join(format!("{}.svg", f.name));
            plot::render_svg(f, &svg).with_context(|| format!("plotting {}", svg.display()))?;
        }
    }
    Ok(())
}

fn write_csv(t: &crate::Table, path: &Path) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(t.columns.iter().map(|(n, _)| n.as_str()))?;
    for i in 0..t.n_rows() {
        // `{}` on f64 is the shortest representation that round-trips exactly.
        w.write_record(t.columns.iter().map(|(_, v)| format!("{}", v[i])))?;
    }
    w.flush()?;
    Ok(())
}

fn write_json(path: &Path, v: &serde_json::Value) -> anyhow::Result<()> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    std::fs::write(path, s)?;
    Ok(())
}

static STAGING_COUNTER: AtomicU64 = AtomicU64::new(0);

fn sibling(out: &Path, suffix: &str) -> anyhow::Result<PathBuf> {
    let name = out
        .file_name()
        .with_context(|| format!("output directory {} has no final component", out.display()))?;
    let mut name = name.to_os_string();
    name.push(suffix);
    Ok(out.with_file_name(name))
}

/// Runs `fill` on a fresh staging directory `<out>.staging-<pid>-<n>` next to `out`; on success replaces
/// `out` with it (old `out` renamed to `<out>.old-<pid>-<n>`, staging renamed to `out`, old removed).
/// On failure the staging directory is removed and `out` is left untouched.
pub fn write_atomically(
    out: &Path,
    fill: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if out.exists() && !out.is_dir() {
        bail!(
            "output path {} exists and is not a directory",
            out.display()
        );
    }
    if let Some(parent) = out.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let tag = format!(
        "{}-{}",
        std::process::id(),
        STAGING_COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let staging = sibling(out, &format!(".staging-{tag}"))?;
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing stale {}", staging.display()))?;
    }
    std::fs::create_dir(&staging)
        .with_context(|| format!("creating staging directory {}", staging.display()))?;
    if let Err(e) = fill(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let result = replace_dir(out, &staging, &tag);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn replace_dir(out: &Path, staging: &Path, tag: &str) -> anyhow::Result<()> {
    if out.exists() {
        let old = sibling(out, &format!(".old-{tag}"))?;
        std::fs::rename(out, &old)
            .with_context(|| format!("moving the previous output {} aside", out.display()))?;
        if let Err(e) = std::fs::rename(staging, out) {
            // Put the previous output back.
            let _ = std::fs::rename(&old, out);
            return Err(e).with_context(|| format!("moving the new output to {}", out.display()));
        }
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("removing the previous output {}", old.display()))?;
    } else {
        std::fs::rename(staging, out)
            .with_context(|| format!("moving the new output to {}", out.display()))?;
    }
    Ok(())
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Formats seconds since the epoch as an RFC 3339 UTC timestamp, e.g. `2018-06-04T12:00:05Z`.
pub fn rfc3339_utc(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn non_finite_metric_named() {
        let mut r = Report::new();
        r.metric("ok", 1.0);
        r.metric("bad_rate_hz", f64::NAN);
        let e = validate_report(&r).unwrap_err().to_string();
        assert!(e.contains("bad_rate_hz"), "{e}");
    }
}
