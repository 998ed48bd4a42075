//! The spikelearn harness: the only crate touching files.
//!
//! An experiment crate implements [`Experiment`] (parameters per [`Profile`], a `run` returning a
//! [`Report`]) and its binary calls [`main`]. The harness then
//!
//! - parses the shared command line ([`Args`]: `--quick | --full`, `--params FILE.toml`, `--seed`,
//!   `--out DIR`, `--threads N`, `--jobs N`, `--check`, `--dump-params`, `--no-plots`, `--quiet`,
//!   `--published`);
//! - builds the parameters (profile defaults, TOML deep-merged over them, [`Validate`]d once);
//! - hands the run a [`Ctx`] with one reproducible ChaCha8 stream per purpose ([`Ctx::rng`]), progress bars,
//!   logging and [`Ctx::map_jobs`], which runs independent trainings `--jobs` at a time;
//! - writes `<table>.csv`, `metrics.json`, `run.json`, `<array>.npy`, `<figure>.png` and `<figure>.svg`
//!   atomically (a failed run leaves the previous output directory untouched);
//! - with `--check`, compares the metrics with `data/published/<NAME>.toml` ([`check_metrics`]) and exits
//!   with code 2 when something falls short (1 on other errors).
//!
//! OpenBLAS (linked by binaries that use `spikelearn-meanfield`) is set to one thread at startup, because
//! its own threads beside rayon's were measured 13x slower; see [`limit_blas_threads`].

pub mod blas;
pub mod check;
pub mod cli;
pub mod ctx;
pub mod experiment;
pub mod output;
pub mod params;
pub mod plot;
pub mod report;

pub use blas::limit_blas_threads;
pub use check::{CheckReport, CheckRow, check_metrics};
pub use cli::{Args, Outcome, main, run_cli, run_quick_checked, workspace_root};
pub use ctx::{Ctx, Stream};
pub use experiment::Experiment;
pub use params::{
    ParamError, Profile, Validate, check_nonneg, check_positive, check_prob, check_range,
    validate_net_protocol,
};
pub use report::{
    Color, Figure, NamedArray, Panel, PanelKind, Report, Series, Span, Style, Table, loops_table,
};
