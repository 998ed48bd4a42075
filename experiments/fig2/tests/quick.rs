//! Quick-size Figure 2 run checked against `data/published/fig2.toml` (profile "quick").

use spikelearn_lab::run_quick_checked;

#[test]
fn quick_run_passes_published_checks() {
    let out = run_quick_checked::<fig2::Fig2>(1);
    assert!(out.out_dir.join("fig2.png").exists());
}
