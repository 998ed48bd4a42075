//! `cargo run --release -p fig3` — regenerate Figure 3.
fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<fig3::Fig3>()
}
