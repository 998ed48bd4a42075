//! A minimal experiment on the shared command line, to try the harness:
//!
//! ```sh
//! cargo run -p spikelearn-lab --example demo -- --quick --out /tmp/demo
//! cargo run -p spikelearn-lab --example demo -- --dump-params
//! ```

use rand::Rng;
use serde::{Deserialize, Serialize};
use spikelearn_lab::{
    Color, Ctx, Experiment, Figure, Panel, ParamError, Profile, Report, Series, Stream, Table,
    Validate, check_positive, check_prob,
};

/// Parameters of the demo.
///
/// | name | default | units | range |
/// |---|---|---|---|
/// | `p` | 0.5 | – | (0, 1] |
/// | `n_trials` | 2000 (quick 200) | – | >= 1 |
/// | `tau_ms` | 20 | ms | (0, inf) |
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct DemoParams {
    p: f64,
    n_trials: usize,
    tau_ms: f64,
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            p: 0.5,
            n_trials: 2000,
            tau_ms: 20.0,
        }
    }
}

impl Validate for DemoParams {
    fn validate(&self) -> Result<(), ParamError> {
        check_prob("p", self.p)?;
        check_positive("tau_ms", self.tau_ms)?;
        if self.n_trials == 0 {
            return Err(ParamError::invalid("n_trials", "must be at least 1"));
        }
        Ok(())
    }
}

struct Demo;

impl Experiment for Demo {
    const NAME: &'static str = "demo";
    const TITLE: &'static str = "Harness demo: Bernoulli trials and an exponential kernel";
    type Params = DemoParams;

    fn params(profile: Profile) -> DemoParams {
        match profile {
            Profile::Quick => DemoParams {
                n_trials: 200,
                ..DemoParams::default()
            },
            Profile::Default | Profile::Full => DemoParams::default(),
        }
    }

    fn run(params: &DemoParams, ctx: &Ctx) -> anyhow::Result<Report> {
        let bar = ctx.progress(params.n_trials as u64, "trials");
        let hits: Vec<f64> = (0..params.n_trials as u64)
            .map(|k| {
                bar.inc(1);
                f64::from(u8::from(ctx.rng(Stream::Trial, k).random_bool(params.p)))
            })
            .collect();
        bar.finish_and_clear();
        let running: Vec<f64> = hits
            .iter()
            .scan(0.0, |s, &h| {
                *s += h;
                Some(*s)
            })
            .enumerate()
            .map(|(i, s)| s / (i + 1) as f64)
            .collect();
        let k: Vec<f64> = (0..running.len()).map(|i| (i + 1) as f64).collect();
        let t: Vec<f64> = (0..200).map(|i| i as f64).collect();
        let kernel: Vec<f64> = t
            .iter()
            .map(|t| (-t / params.tau_ms).exp() / params.tau_ms)
            .collect();
        let mut r = Report::new();
        r.metric("hit_fraction", running.last().copied().unwrap_or(0.0));
        r.table(
            Table::new("running")
                .col("trial", k.clone())
                .col("fraction", running.clone()),
        );
        r.figure(
            Figure::new("demo", Self::TITLE, 2)
                .panel(
                    Panel::lines(
                        "a  running fraction",
                        "trial",
                        "fraction",
                        vec![Series::line("measured", k, running, Color::Blue)],
                    )
                    .with_log_x()
                    .with_y_range(0.0, 1.0),
                )
                .panel(Panel::lines(
                    "b  synaptic kernel",
                    "t (ms)",
                    "kernel (1/ms)",
                    vec![Series::line("exp(-t/τ)/τ", t, kernel, Color::Red)],
                )),
        );
        Ok(r)
    }
}

fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<Demo>()
}
