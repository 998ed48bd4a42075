//! `cargo run --release -p fig3_supp2` — regenerate Figure 3—figure supplement 2 (LIF and Izhikevich networks).
fn main() -> std::process::ExitCode {
    spikelearn_lab::main::<fig3_supp2::Fig3Supp2>()
}
