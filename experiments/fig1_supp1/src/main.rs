//! `cargo run --release -p fig1_supp1` — regenerate Figure 1—figure supplement 1.
fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<fig1_supp1::Fig1Supp1>()
}
