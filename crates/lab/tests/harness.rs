//! End-to-end tests of the harness with a tiny dummy experiment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use spikelearn_lab::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct DummyParams {
    /// A probability: (0, 1].
    p: f64,
    /// Number of draws.
    n: usize,
    /// Make `run` fail.
    fail: bool,
    /// Report a NaN metric.
    nan_metric: bool,
    network: Net,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Net {
    g: f64,
}

impl Default for Net {
    fn default() -> Self {
        Net { g: 1.5 }
    }
}

impl Default for DummyParams {
    fn default() -> Self {
        DummyParams {
            p: 0.3,
            n: 200,
            fail: false,
            nan_metric: false,
            network: Net::default(),
        }
    }
}

impl Validate for DummyParams {
    fn validate(&self) -> Result<(), ParamError> {
        check_prob("p", self.p)?;
        check_positive("network.g", self.network.g)?;
        if self.n == 0 {
            return Err(ParamError::invalid("n", "must be at least 1"));
        }
        Ok(())
    }
}

struct Dummy;

impl Experiment for Dummy {
    const NAME: &'static str = "dummy";
    const TITLE: &'static str = "A dummy experiment";
    type Params = DummyParams;

    fn params(profile: Profile) -> DummyParams {
        match profile {
            Profile::Quick => DummyParams {
                n: 50,
                ..DummyParams::default()
            },
            _ => DummyParams::default(),
        }
    }

    fn run(params: &DummyParams, ctx: &Ctx) -> anyhow::Result<Report> {
        if params.fail {
            anyhow::bail!("boom");
        }
        let bar = ctx.progress(params.n as u64, "draws");
        let x: Vec<f64> = (0..params.n as u64)
            .into_par_iter()
            .map(|i| {
                bar.inc(1);
                ctx.rng(Stream::Trial, i).random::<f64>()
            })
            .collect();
        bar.finish_and_clear();
        let t: Vec<f64> = (0..params.n).map(|i| i as f64).collect();
        let mut r = Report::new();
        r.metric("mean_x", x.iter().sum::<f64>() / x.len() as f64);
        r.metric("p", params.p);
        if params.nan_metric {
            r.metric("broken_metric", f64::NAN);
        }
        r.table(Table::new("draws").col("i", t.clone()).col("x", x.clone()));
        r.array(
            "w",
            Array2::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f64 * params.network.g),
        );
        r.figure(
            Figure::new("dummy", "Dummy", 2)
                .panel(Panel::lines(
                    "draws",
                    "i",
                    "x",
                    vec![Series::line("x", t, x, Color::Blue)],
                ))
                .panel(Panel::raster(
                    "raster",
                    "t (ms)",
                    "neuron",
                    vec![(1.0, 0), (2.0, 1)],
                    2,
                )),
        );
        r.note("dummy note");
        Ok(r)
    }
}

fn args(out: &Path) -> Args {
    Args {
        quick: true,
        seed: 5,
        out: Some(out.to_path_buf()),
        quiet: true,
        ..Args::default()
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// All files of a directory, name -> bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn run_writes_all_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("figs").join("dummy");
    let outcome = run_cli::<Dummy>(&args(&out)).unwrap();
    assert_eq!(outcome.out_dir, out);
    assert!(outcome.check.is_none());
    for f in [
        "draws.csv",
        "metrics.json",
        "run.json",
        "w.npy",
        "dummy.png",
        "dummy.svg",
    ] {
        let meta = std::fs::metadata(out.join(f)).unwrap_or_else(|_| panic!("{f} missing"));
        assert!(meta.len() > 0, "{f} empty");
    }
    let metrics: BTreeMap<String, f64> =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics, outcome.metrics);
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["seed"], 5);
    assert_eq!(run["experiment"], "dummy");
    assert_eq!(run["profile"], "quick");
    assert_eq!(run["params"]["n"], 50);
    assert_eq!(run["params"]["network"]["g"], 1.5);
    assert_eq!(run["notes"][0], "dummy note");
    assert!(run["started_utc"].as_str().unwrap().ends_with('Z'));
    assert!(run["threads"].as_u64().unwrap() >= 1);
    // CSV at full precision: the mean of the written column is the metric, bit for bit.
    let csv = std::fs::read_to_string(out.join("draws.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("i,x"));
    let xs: Vec<f64> = lines
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        xs.iter().sum::<f64>() / xs.len() as f64,
        outcome.metrics["mean_x"]
    );
    let w: Array2<f64> = ndarray_npy::read_npy(out.join("w.npy")).unwrap();
    assert_eq!(w[[2, 1]], 5.0 * 1.5);
    // Nothing left beside the output directory.
    let siblings: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
    assert_eq!(siblings.len(), 1);
}

#[test]
fn no_plots_skips_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    run_cli::<Dummy>(&Args {
        no_plots: true,
        ..args(&out)
    })
    .unwrap();
    assert!(out.join("metrics.json").exists());
    assert!(!out.join("dummy.png").exists() && !out.join("dummy.svg").exists());
}

#[test]
fn params_file_overrides_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let good = write(tmp.path(), "good.toml", "p = 0.75\n[network]\ng = 2.0\n");
    let o = run_cli::<Dummy>(&Args {
        params: Some(good),
        no_plots: true,
        ..args(&out)
    })
    .unwrap();
    assert_eq!(o.metrics["p"], 0.75);
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["params"]["network"]["g"], 2.0);
    assert_eq!(
        run["params"]["n"], 50,
        "profile value kept where not overridden"
    );

    let unknown = write(tmp.path(), "unknown.toml", "[network]\npp = 2\n");
    let e = run_cli::<Dummy>(&Args {
        params: Some(unknown),
        ..args(&out)
    })
    .unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.contains("unknown.toml")
            && msg.contains("unknown field `pp`")
            && msg.contains("network"),
        "{msg}"
    );

    let bad = write(tmp.path(), "bad.toml", "p = 1.5\n");
    let e = run_cli::<Dummy>(&Args {
        params: Some(bad),
        ..args(&out)
    })
    .unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.contains("bad.toml") && msg.contains("`p`") && msg.contains("(0, 1]"),
        "{msg}"
    );
    let root = e.root_cause().downcast_ref::<ParamError>().unwrap();
    assert_eq!(root.field(), "p");

    let wrong_type = write(tmp.path(), "type.toml", "n = 'many'\n");
    let msg = format!(
        "{:#}",
        run_cli::<Dummy>(&Args {
            params: Some(wrong_type),
            ..args(&out)
        })
        .unwrap_err()
    );
    assert!(msg.contains("type.toml") && msg.contains("`n`"), "{msg}");
}

#[test]
fn dump_params_prints_without_running() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let o = run_cli::<Dummy>(&Args {
        dump_params: true,
        ..args(&out)
    })
    .unwrap();
    assert!(o.metrics.is_empty() && !out.exists());
    let text =
        spikelearn_lab::params::params_to_toml_string(&Dummy::params(Profile::Quick)).unwrap();
    let back: DummyParams = toml::from_str(&text).unwrap();
    assert_eq!(back.n, 50);
}

#[test]
fn failed_run_leaves_previous_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    run_cli::<Dummy>(&args(&out)).unwrap();
    let before = snapshot(&out);

    let fail = write(tmp.path(), "fail.toml", "fail = true\n");
    let e = run_cli::<Dummy>(&Args {
        params: Some(fail),
        seed: 99,
        ..args(&out)
    })
    .unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.contains("experiment `dummy` failed") && msg.contains("boom"),
        "{msg}"
    );
    assert_eq!(snapshot(&out), before);

    let nan = write(tmp.path(), "nan.toml", "nan_metric = true\n");
    let msg = format!(
        "{:#}",
        run_cli::<Dummy>(&Args {
            params: Some(nan),
            seed: 99,
            ..args(&out)
        })
        .unwrap_err()
    );
    assert!(msg.contains("broken_metric"), "{msg}");
    assert_eq!(snapshot(&out), before);

    // Writing fails (the output's parent is a file): error, and no staging directory is left.
    let blocker = write(tmp.path(), "blocker", "");
    let msg = format!(
        "{:#}",
        run_cli::<Dummy>(&args(&blocker.join("o"))).unwrap_err()
    );
    assert!(msg.contains("writing the outputs"), "{msg}");
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.contains("staging") && !n.contains(".old-")),
        "{names:?}"
    );
}

#[test]
fn check_against_published_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let pass = write(
        tmp.path(),
        "pass.toml",
        r#"
[meta]
figure = "Dummy"

[[check]]
metric = "mean_x"
profiles = ["quick"]
min = 0.3
max = 0.7
source = "uniform mean"
reason = "50 draws"

[[check]]
metric = "p"
value = 0.3
rel_tol = 0.01
source = "param"

[[check]]
metric = "not_reported"
profiles = ["full"]
min = 0.0
source = "full only"
"#,
    );
    let o = run_cli::<Dummy>(&Args {
        check: true,
        published: Some(pass.clone()),
        ..args(&out)
    })
    .unwrap();
    let c = o.check.unwrap();
    assert!(c.passed(), "{}", c.render());
    assert_eq!(
        c.rows.len(),
        2,
        "the full-only check does not apply to quick"
    );
    assert!(c.render().contains("mean_x"));

    let fail = write(
        tmp.path(),
        "fail.toml",
        r#"
[[check]]
metric = "p"
min = 0.5
source = "too strict"

[[check]]
metric = "missing_metric"
max = 1.0
source = "absent"

[[check]]
metric = "mean_x"
max = 1.0
source = "fine"
"#,
    );
    let o = run_cli::<Dummy>(&Args {
        published: Some(fail.clone()),
        ..args(&out)
    })
    .unwrap();
    let c = o.check.unwrap();
    assert!(!c.passed());
    assert_eq!(c.n_failed(), 2);
    assert_eq!(c.rows[1].measured, None);
    let table = c.render();
    assert!(
        table.contains("FAIL") && table.contains("missing") && table.contains("pass"),
        "{table}"
    );
    // The outputs are written all the same (they are the evidence).
    assert!(out.join("metrics.json").exists());

    // check_metrics directly.
    let c = check_metrics(&o.metrics, &fail, Profile::Full).unwrap();
    assert_eq!(c.rows.len(), 3);

    // An invalid published file fails before the run, naming the file and the check.
    let invalid = write(
        tmp.path(),
        "invalid.toml",
        "[[check]]\nmetric = 'p'\nmin = 0.0\n[[check]]\nmetric = 'q'\nvalue = 1.0\n",
    );
    let msg = format!(
        "{:#}",
        run_cli::<Dummy>(&Args {
            published: Some(invalid),
            ..args(&tmp.path().join("never"))
        })
        .unwrap_err()
    );
    assert!(msg.contains("invalid.toml") && msg.contains("#1"), "{msg}");
    assert!(!tmp.path().join("never").exists());
}

#[test]
fn same_seed_same_metrics_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |seed: u64, threads: Option<usize>, dir: &str| {
        run_cli::<Dummy>(&Args {
            seed,
            threads,
            no_plots: true,
            ..args(&tmp.path().join(dir))
        })
        .unwrap()
        .metrics
    };
    let a = run(3, None, "a");
    assert_eq!(a, run(3, Some(1), "b"));
    assert_eq!(a, run(3, Some(2), "c"));
    assert_ne!(a["mean_x"], run(4, None, "d")["mean_x"]);
}

#[test]
#[should_panic(expected = "dummy: quick run (seed 1) failed")]
fn run_quick_checked_panics_without_published_file() {
    // There is no data/published/dummy.toml: the run fails before simulating anything.
    run_quick_checked::<Dummy>(1);
}
