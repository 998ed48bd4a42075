//! Quick-size run checked against `data/published/quasistatic.toml` (profile "quick"), plus the determinism
//! requirement: the same seed gives identical metrics with 1 and 2 threads (the masked solves and the trainings
//! run in parallel, each with its own seeded streams, gathered in a fixed order).

use spikelearn_lab::{Args, run_cli, run_quick_checked};

#[test]
fn quick_run_passes_published_checks() {
    let out = run_quick_checked::<quasistatic::Quasistatic>(1);
    assert!(out.out_dir.join("quasistatic.png").exists());
    assert!(out.out_dir.join("b_solvability.csv").exists());
}

#[test]
fn thread_count_does_not_change_metrics() {
    let dir = std::env::temp_dir().join(format!("quasistatic-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let params = dir.join("small.toml");
    std::fs::write(
        &params,
        r#"corr_n = 40
corr_window_ms = 3000.0
robustness_fractions = [1.0]
[spectrum]
n = 30
[solvability]
ns = [40]
p_over_k = [0.25, 2.0]
[repetition]
n = 40
fractions = [0.0, 0.5, 1.0]
[training]
seeds = 2
families = ["ou_200ms"]
repeat_families = ["ou_200ms"]
fractions = [0.2]
[training.network]
n = 40
[training.protocol]
loops = 2
test_trials = 1
pre_ms = 100.0
"#,
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
        run_cli::<quasistatic::Quasistatic>(&args).unwrap().metrics
    };
    assert_eq!(run(1), run(2));
}
