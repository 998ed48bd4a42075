//! Quick-size Figure 1—figure supplement 1 run checked against `data/published/fig1_supp1.toml` (profile
//! "quick").

use spikelearn_lab::run_quick_checked;

#[test]
fn quick_run_passes_published_checks() {
    let out = run_quick_checked::<fig1_supp1::Fig1Supp1>(1);
    assert!(out.out_dir.join("fig1_supp1.png").exists());
}
