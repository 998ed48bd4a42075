//! The trait every figure / result crate implements.

use serde::{Serialize, de::DeserializeOwned};

use crate::{Ctx, Profile, Report, Validate};

/// One reproducible result of the paper: parameters per profile and a `run` returning a [`Report`].
///
/// The binary is one line: `fn main() -> std::process::ExitCode { spikelearn_lab::main::<fig1::Fig1>() }`.
pub trait Experiment {
    /// Short name: the output directory is `figures/<NAME>/` and checks come from
    /// `data/published/<NAME>.toml` (e.g. `"fig1"`).
    const NAME: &'static str;
    /// Human-readable title (shown by `--help` and recorded in `run.json`).
    const TITLE: &'static str;
    /// The parameter struct: serde with `#[serde(default, deny_unknown_fields)]`, defaults = the paper's
    /// values.
    type Params: Serialize + DeserializeOwned + Clone + Validate + Send + Sync;
    /// Parameters for a profile: `Default` = the paper's values, `Quick` = reduced for CI, `Full` = full
    /// size.
    fn params(profile: Profile) -> Self::Params;
    /// Runs the experiment. Randomness comes only from `ctx.rng(..)`; files are written by the harness.
    fn run(params: &Self::Params, ctx: &Ctx) -> anyhow::Result<Report>;
}
