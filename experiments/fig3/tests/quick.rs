//! Quick-size Figure 3 run checked against `data/published/fig3.toml` (profile "quick").

use spikelearn_lab::run_quick_checked;

#[test]
fn quick_run_passes_published_checks() {
    let out = run_quick_checked::<fig3::Fig3>(1);
    assert!(out.out_dir.join("fig3.png").exists());
    assert!(out.out_dir.join("panel_c.csv").exists());
    assert!(out.out_dir.join("panel_d.csv").exists());
}

/// Same seed, `--threads 1` vs `--threads 2` vs two trainings at once (`--jobs 2`, one thread each):
/// identical metrics (design.md §5). A tiny run keeps it short.
#[test]
fn thread_count_does_not_change_metrics() {
    use spikelearn_lab::{Args, run_cli};
    let dir = std::env::temp_dir().join(format!("fig3-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let params = dir.join("small.toml");
    std::fs::write(
        &params,
        "fractions = [0.0, 1.0]\nlesion_fractions = [0.1]\nlesion_draws = 1\n\
         [protocol]\nloops = 2\ntest_trials = 1\n[network]\nn = 60\n",
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
        run_cli::<fig3::Fig3>(&args).unwrap().metrics
    };
    let one = run(1, 1);
    assert_eq!(one, run(2, 1));
    assert_eq!(one, run(2, 2));
}

/// Bad panel-c / panel-d draw counts are rejected by name before anything runs.
#[test]
fn zero_draws_are_rejected_by_name() {
    use spikelearn_lab::Validate;
    let mut p = fig3::Fig3Params {
        fraction_draws: 0,
        ..Default::default()
    };
    let e = p.validate().unwrap_err().to_string();
    assert!(e.contains("fraction_draws"), "{e}");
    p.fraction_draws = 1;
    p.lesion_draws = 0;
    let e = p.validate().unwrap_err().to_string();
    assert!(e.contains("lesion_draws"), "{e}");
    p.lesion_draws = 1;
    assert!(p.validate().is_ok());
}
