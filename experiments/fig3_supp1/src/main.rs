//! `cargo run --release -p fig3_supp1` — regenerate Figure 3—figure supplement 1.
fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<fig3_supp1::Fig3Supp1>()
}
