//! Quick-size Figure 1 run checked against `data/published/fig1.toml` (profile "quick"), plus the
//! determinism requirement: the same seed gives identical metrics with 1 and 2 threads and 1 or 2 jobs.

use spikelearn_lab::{Args, run_cli, run_quick_checked};

#[test]
fn quick_run_passes_published_checks() {
    let out = run_quick_checked::<fig1::Fig1>(1);
    assert!(out.out_dir.join("fig1.png").exists());
    assert!(out.out_dir.join("fig1_supp2.png").exists());
}

/// Same seed, `--threads 1` vs `--threads 2` vs two trainings at once (`--jobs 2`): identical metrics (RLS
/// rows are independent and each row's arithmetic is sequential; design.md §5). A reduced run (few loops)
/// keeps this test short.
#[test]
fn thread_count_does_not_change_metrics() {
    let dir = std::env::temp_dir().join(format!("fig1-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let params = dir.join("small.toml");
    std::fs::write(
        &params,
        "rate_loops = 2\n[protocol]\nloops = 2\ntest_trials = 1\n[network]\nn = 100\n",
    )
    .unwrap();
    let run = |threads: usize, jobs: usize| {
        let args = Args {
            quick: true,
            seed: 3,
            threads: Some(threads),
            jobs,
            params: Some(params.clone()),
            out: Some(dir.join(format!("t{threads}j{jobs}"))),
            no_plots: true,
            quiet: true,
            ..Args::default()
        };
        run_cli::<fig1::Fig1>(&args).unwrap().metrics
    };
    let one = run(1, 1);
    assert!(one.contains_key("supp2_rate_test_pearson_mean"));
    assert_eq!(one, run(2, 1));
    assert_eq!(one, run(2, 2));
}

/// Bad parameters fail before any simulation with a message naming the field.
#[test]
fn bad_parameters_name_the_field() {
    let dir = std::env::temp_dir().join(format!("fig1-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (toml, needle) in [
        ("[network]\np = 1.5\n", "network.p"),
        ("[network]\ntau_s_ms = -20.0\n", "network.tau_s_ms"),
        ("[network]\npp = 0.3\n", "pp"),
        ("[protocol]\nstim_ms = 0.5\n", "protocol.stim_ms"),
        (
            "[targets]\nkind = \"sines\"\namp_min = 2.0\namp_max = 1.0\n",
            "amp",
        ),
    ] {
        let f = dir.join("bad.toml");
        std::fs::write(&f, toml).unwrap();
        let args = Args {
            quick: true,
            params: Some(f),
            out: Some(dir.join("out")),
            quiet: true,
            ..Args::default()
        };
        let err = format!("{:#}", run_cli::<fig1::Fig1>(&args).unwrap_err());
        assert!(
            err.contains(needle),
            "error for {toml:?} does not name {needle}: {err}"
        );
        assert!(
            !dir.join("out").exists(),
            "nothing may be written for invalid parameters"
        );
    }
}
