//! `cargo run --release -p fig1` — regenerate Figure 1 (and its supplement 2).
fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<fig1::Fig1>()
}
