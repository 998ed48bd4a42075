//! Quick-size Figure 3—figure supplement 1 run checked against `data/published/fig3_supp1.toml`
//! (profile "quick").

use spikelearn_lab::run_quick_checked;

#[test]
fn quick_run_passes_published_checks() {
    let out = run_quick_checked::<fig3_supp1::Fig3Supp1>(1);
    assert!(out.out_dir.join("fig3_supp1.png").exists());
}
