//! Parameters: run profiles, validation, typed errors and TOML overrides.
//!
//! An experiment's parameter struct is plain serde data (`#[serde(default, deny_unknown_fields)]`) whose
//! defaults are the paper's values. The harness starts from [`Experiment::params`](crate::Experiment::params)
//! for the chosen [`Profile`], deep-merges an optional TOML file over it ([`merge_toml`]), deserializes the
//! result (unknown fields are errors naming the file, field and section) and calls [`Validate::validate`]
//! once, so the simulation's hot loops can be infallible.

use std::fmt::{self, Display};
use std::path::Path;
use std::str::FromStr;

use anyhow::{Context as _, anyhow};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Size of a run: which parameter set [`Experiment::params`](crate::Experiment::params) returns and which
/// published checks apply.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Reduced size for CI and integration tests (seconds to a minute).
    Quick,
    /// The paper's parameter values (the default without `--quick` / `--full`).
    #[default]
    Default,
    /// Full-size reproduction (may take hours; never in CI).
    Full,
}

impl Profile {
    /// All profiles, in order of size.
    pub const ALL: [Profile; 3] = [Profile::Quick, Profile::Default, Profile::Full];

    /// Lowercase name, as used in TOML files and `run.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Default => "default",
            Profile::Full => "full",
        }
    }
}

impl Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = ParamError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "quick" => Ok(Profile::Quick),
            "default" => Ok(Profile::Default),
            "full" => Ok(Profile::Full),
            other => Err(ParamError::invalid(
                "profile",
                format!("unknown profile `{other}`: expected quick, default or full"),
            )),
        }
    }
}

/// A typed parameter error, naming the field (dotted path for nested structs, e.g. `network.p`).
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ParamError {
    /// A numeric value outside its allowed interval.
    #[error("parameter `{field}` = {value} is out of range: expected {expected}")]
    OutOfRange {
        /// Field name, dotted for nested structs.
        field: String,
        /// The offending value, formatted.
        value: String,
        /// The allowed range, e.g. `(0, 1]`.
        expected: String,
    },
    /// Any other invalid value or combination of values.
    #[error("parameter `{field}`: {message}")]
    Invalid {
        /// Field name, dotted for nested structs.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl ParamError {
    /// An [`OutOfRange`](ParamError::OutOfRange) error.
    pub fn out_of_range(field: &str, value: impl Display, expected: &str) -> Self {
        ParamError::OutOfRange {
            field: field.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    /// An [`Invalid`](ParamError::Invalid) error.
    pub fn invalid(field: &str, msg: impl Display) -> Self {
        ParamError::Invalid {
            field: field.to_string(),
            message: msg.to_string(),
        }
    }

    /// The simulator's parameter errors as harness errors, keeping the field name: out-of-range values and
    /// values off the time grid name their field; any other simulator error is reported under `network`.
    pub fn from_sim(e: spikelearn_sim::SimError) -> Self {
        use spikelearn_sim::SimError;
        match e {
            SimError::OutOfRange {
                field,
                value,
                expected,
            } => ParamError::out_of_range(field, value, expected),
            SimError::NotOnGrid { field, .. } => ParamError::invalid(field, e.to_string()),
            other => ParamError::invalid("network", other.to_string()),
        }
    }

    /// The field this error is about.
    pub fn field(&self) -> &str {
        match self {
            ParamError::OutOfRange { field, .. } | ParamError::Invalid { field, .. } => field,
        }
    }

    /// Prefixes the field with a section name, for nested parameter structs:
    /// `network.validate().map_err(|e| e.in_section("network"))` turns `p` into `network.p`.
    pub fn in_section(self, section: &str) -> Self {
        match self {
            ParamError::OutOfRange {
                field,
                value,
                expected,
            } => ParamError::OutOfRange {
                field: format!("{section}.{field}"),
                value,
                expected,
            },
            ParamError::Invalid { field, message } => ParamError::Invalid {
                field: format!("{section}.{field}"),
                message,
            },
        }
    }
}

/// Validation of a parameter struct, called once after construction / loading.
pub trait Validate {
    /// `Ok(())` when every field is in range; otherwise the first problem, naming the field.
    fn validate(&self) -> Result<(), ParamError>;
}

fn fmt_bound(v: f64) -> String {
    if v == f64::INFINITY {
        "inf".to_string()
    } else if v == f64::NEG_INFINITY {
        "-inf".to_string()
    } else {
        format!("{v}")
    }
}

/// Checks `lo <(=) value <(=) hi`; the error's `expected` is written in interval notation, e.g. `(0, 1]`.
/// NaN is always out of range. Use `f64::INFINITY` for an open upper end.
pub fn check_range(
    field: &str,
    value: f64,
    lo: f64,
    hi: f64,
    lo_inclusive: bool,
    hi_inclusive: bool,
) -> Result<(), ParamError> {
    let above = if lo_inclusive {
        value >= lo
    } else {
        value > lo
    };
    let below = if hi_inclusive {
        value <= hi
    } else {
        value < hi
    };
    if above && below {
        Ok(())
    } else {
        let expected = format!(
            "{}{}, {}{}",
            if lo_inclusive { '[' } else { '(' },
            fmt_bound(lo),
            fmt_bound(hi),
            if hi_inclusive { ']' } else { ')' }
        );
        Err(ParamError::out_of_range(field, value, &expected))
    }
}

/// Checks `value > 0` (and finite): expected `(0, inf)`.
pub fn check_positive(field: &str, value: f64) -> Result<(), ParamError> {
    check_range(field, value, 0.0, f64::INFINITY, false, false)
}

/// Checks a probability-like fraction `0 < value <= 1`: expected `(0, 1]`.
pub fn check_prob(field: &str, value: f64) -> Result<(), ParamError> {
    check_range(field, value, 0.0, 1.0, false, true)
}

/// Checks `value >= 0` (and finite): expected `[0, inf)`.
pub fn check_nonneg(field: &str, value: f64) -> Result<(), ParamError> {
    check_range(field, value, 0.0, f64::INFINITY, true, false)
}

/// Deep-merges `overlay` into `base`: tables merge key by key (recursively), every other value
/// (including arrays) is replaced wholesale.
pub fn merge_toml(base: &mut toml::Value, overlay: toml::Value) {
    match (base, overlay) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge_toml(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Serializes parameters to a TOML value (a table for any struct).
pub fn params_to_toml<P: Serialize>(params: &P) -> anyhow::Result<toml::Value> {
    toml::Value::try_from(params).context("cannot represent the parameters as TOML")
}

/// Serializes parameters to a TOML document (what `--dump-params` prints).
pub fn params_to_toml_string<P: Serialize>(params: &P) -> anyhow::Result<String> {
    toml::to_string_pretty(params).context("cannot represent the parameters as TOML")
}

/// Applies a TOML document (`source` names it in errors) over `base`: parse, deep-merge over `base`
/// serialized to TOML, deserialize, validate. Errors name `source` and the field.
pub fn apply_overrides<P>(base: &P, toml_text: &str, source: &str) -> anyhow::Result<P>
where
    P: Serialize + DeserializeOwned + Validate,
{
    let overlay: toml::Table =
        toml::from_str(toml_text).map_err(|e| anyhow!("{source}: not a valid TOML file:\n{e}"))?;
    let mut merged = params_to_toml(base)?;
    merge_toml(&mut merged, toml::Value::Table(overlay));
    let params: P =
        P::deserialize(merged).map_err(|e| anyhow!("{source}: {}", one_line(&e.to_string())))?;
    params
        .validate()
        .map_err(|e| anyhow::Error::new(e).context(format!("{source}: invalid parameters")))?;
    Ok(params)
}

/// Reads a TOML parameter file and applies it over `base` (see [`apply_overrides`]).
pub fn load_params_file<P>(base: &P, path: &Path) -> anyhow::Result<P>
where
    P: Serialize + DeserializeOwned + Validate,
{
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read parameter file {}", path.display()))?;
    apply_overrides(base, &text, &path.display().to_string())
}

/// Collapses a multi-line error message (toml's) into one line, keeping its content; toml's trailing
/// "in `section`" line becomes a parenthesis.
fn one_line(s: &str) -> String {
    let mut out = String::new();
    for line in s.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("in `") {
            out.push_str(&format!(" ({line})"));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(line);
        }
    }
    out
}

/// Validates a network and a protocol section and that the protocol's durations fit the network's time grid
/// (every error names its field, e.g. `network.p`, `protocol.stim_ms`).
pub fn validate_net_protocol(
    network: &spikelearn_sim::protocol::NetworkParams,
    protocol: &spikelearn_sim::protocol::ProtocolParams,
) -> Result<(), ParamError> {
    network.validate().map_err(ParamError::from_sim)?;
    protocol.validate().map_err(ParamError::from_sim)?;
    let grid = network.grid().map_err(ParamError::from_sim)?;
    protocol.schedule(&grid).map_err(ParamError::from_sim)?;
    Ok(())
}

impl From<spikelearn_sim::SimError> for ParamError {
    fn from(e: spikelearn_sim::SimError) -> Self {
        ParamError::from_sim(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulator errors keep their field (out of range, off grid); others are filed under `network`.
    #[test]
    fn sim_errors_keep_their_field() {
        use spikelearn_sim::SimError;
        let e = ParamError::from(SimError::OutOfRange {
            field: "network.p",
            value: 1.5,
            expected: "(0, 1]",
        });
        assert_eq!(e, ParamError::out_of_range("network.p", 1.5, "(0, 1]"));
        let e = ParamError::from_sim(SimError::NotOnGrid {
            field: "protocol.stim_ms",
            ms: 0.5,
            dt_ms: 1.0,
        });
        assert_eq!(e.field(), "protocol.stim_ms");
        assert!(e.to_string().contains("0.5 ms"), "{e}");
        let e = ParamError::from_sim(SimError::Shape {
            what: "stimulus",
            got: 1,
            expected: 2,
        });
        assert_eq!(e.field(), "network");
    }

    #[test]
    fn range_messages() {
        let e = check_prob("network.p", 1.5).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter `network.p` = 1.5 is out of range: expected (0, 1]"
        );
        assert!(check_prob("p", 1.0).is_ok());
        assert!(check_prob("p", 0.0).is_err());
        assert!(check_positive("tau", f64::NAN).is_err());
        assert!(check_positive("tau", f64::INFINITY).is_err());
        assert!(check_nonneg("x", 0.0).is_ok());
        assert_eq!(
            check_nonneg("x", -1.0).unwrap_err().to_string(),
            "parameter `x` = -1 is out of range: expected [0, inf)"
        );
        assert_eq!(
            check_prob("p", 2.0).unwrap_err().in_section("net").field(),
            "net.p"
        );
    }

    #[test]
    fn profile_names() {
        for p in Profile::ALL {
            assert_eq!(p.to_string().parse::<Profile>().unwrap(), p);
        }
    }

    #[test]
    fn deep_merge() {
        let mut a: toml::Value = toml::from_str("x = 1\n[t]\na = 1\nb = [1, 2]\n").unwrap();
        let b: toml::Value = toml::from_str("[t]\nb = [3]\nc = 'new'\n").unwrap();
        merge_toml(&mut a, b);
        let expect: toml::Value =
            toml::from_str("x = 1\n[t]\na = 1\nb = [3]\nc = 'new'\n").unwrap();
        assert_eq!(a, expect);
    }
}
