//! Quick-size Figure 1 run checked against `data/published/fig1.toml` (profile "quick"), plus the
//! determinism requirement: the same seed gives identical metrics with 1 and 2 threads.

use spikelearn_lab::{Args, run_cli, run_quick_checked};

#[test]
fn quick_run_passes_published_checks() {
    let out = run_quick_checked::<fig1::Fig1>(1);
    assert!(out.out_dir.join("fig1.png").exists());
    assert!(out.out_dir.join("fig1_supp2.png").exists());
}

/// Same seed, `--threads 1` vs `--threads 2`: identical metrics (RLS rows are independent and each row's
/// arithmetic is sequential; design.md §5). A reduced run (few loops) keeps this test short.
#[test]
fn thread_count_does_not_change_metrics() {
    let dir = std::env::temp_dir().join(format!("fig1-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let params = dir.join("small.toml");
    std::fs::write(
        &params,
        "rate_loops = 2\nsupplement2 = false\n[protocol]\nloops = 2\ntest_trials = 1\n[network]\nn = 100\n",
    )
    .unwrap();
    let run = |threads: usize| {
        let args = Args {
            quick: true,
            seed: 3,
            threads: Some(threads),
            params: Some(params.clone()),
            out: Some(dir.join(format!("t{threads}"))),
            no_plots: true,
            quiet: true,
            ..Args::default()
        };
        run_cli::<fig1::Fig1>(&args).unwrap().metrics
    };
    assert_eq!(run(1), run(2));
}
