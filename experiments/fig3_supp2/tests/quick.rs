//! Quick-size Figure 3—figure supplement 2 run checked against `data/published/fig3_supp2.toml` (profile
//! "quick"), determinism (same seed → same metrics with 1 and 2 threads), and parameter errors naming the
//! field.

use spikelearn_lab::{Args, Experiment, Profile, Validate, run_cli, run_quick_checked};

#[test]
fn quick_run_passes_published_checks() {
    let out = run_quick_checked::<fig3_supp2::Fig3Supp2>(1);
    assert!(out.out_dir.join("fig3_supp2.png").exists());
    assert!(out.out_dir.join("izh_cell_types.csv").exists());
}

/// Same seed, `--threads 1` vs `--threads 2` vs two trainings at once (`--jobs 2`): identical metrics
/// (design.md §5). A reduced run (N = 50, two loops, every model, a one-point gain scan) keeps this short.
#[test]
fn thread_count_does_not_change_metrics() {
    let dir = std::env::temp_dir().join(format!("fig3_supp2-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let params = dir.join("small.toml");
    std::fs::write(
        &params,
        "models = [\"lif\", \"izhikevich\", \"theta\"]\nlif_gain_scan_mv = [5.0]\nizh_gain_scan = [10.0]\n\
         spont_ms = 600.0\nspont_skip_ms = 100.0\n[protocol]\nloops = 2\ntest_trials = 2\npre_ms = 300.0\n\
         window_ms = 400.0\n[network]\nn = 50\n",
    )
    .unwrap();
    let run = |threads: usize, jobs: usize| {
        let args = Args {
            quick: true,
            seed: 5,
            threads: Some(threads),
            jobs,
            params: Some(params.clone()),
            out: Some(dir.join(format!("t{threads}j{jobs}"))),
            no_plots: true,
            quiet: true,
            ..Args::default()
        };
        run_cli::<fig3_supp2::Fig3Supp2>(&args).unwrap().metrics
    };
    let a = run(1, 1);
    assert!(
        a.contains_key("izh_lts_test_pearson_mean")
            && a.contains_key("lif_gain5_test_pearson_mean")
    );
    assert_eq!(a, run(2, 1));
    assert_eq!(a, run(2, 2));
}

#[test]
fn invalid_parameters_name_the_field() {
    let mut p = fig3_supp2::Fig3Supp2::params(Profile::Default);
    p.lif.v_reset_mv = -40.0;
    assert_eq!(p.validate().unwrap_err().field(), "lif.v_reset_mv");
    let mut p = fig3_supp2::Fig3Supp2::params(Profile::Default);
    p.izhikevich.substep_ms = 2.0;
    assert_eq!(p.validate().unwrap_err().field(), "izhikevich.substep_ms");
    let mut p = fig3_supp2::Fig3Supp2::params(Profile::Default);
    p.izh_gain_scan = vec![0.0];
    assert_eq!(p.validate().unwrap_err().field(), "izh_gain_scan");
    let mut p = fig3_supp2::Fig3Supp2::params(Profile::Default);
    p.models.push(fig3_supp2::ModelKind::Lif);
    assert_eq!(p.validate().unwrap_err().field(), "models");
}
