//! `cargo run --release -p fig2` — regenerate Figure 2.
fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<fig2::Fig2>()
}
