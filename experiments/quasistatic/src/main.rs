//! `cargo run --release -p quasistatic` — the quasi-static U = W V rank analysis (paper-spec §6).
fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<quasistatic::Quasistatic>()
}
