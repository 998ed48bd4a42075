//! `cargo run --release -p fig3_supp3` — regenerate Figure 3—figure supplement 3.
fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<fig3_supp3::Fig3Supp3>()
}
