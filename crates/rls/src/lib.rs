//! Per-neuron recursive least squares (RLS) for training the recurrent weights of a spiking network
//! (Kim & Chow 2018, Methods eqs 10–12 and 16–19).
//!
//! Every neuron i owns an inverse-correlation matrix P_i over its plastic presynaptic index set
//! (|set| = K_i), initialised to I/λ and carried over across all training loops (paper-spec §3.2).
//! At each learning step, with x = r restricted to the plastic set of i:
//!
//! * **drive training** (eqs 10–12): q = P x, c = 1/(1 + xᵀq), P ← P − c q qᵀ, e = f_i − w·x, w ← w + e c q;
//! * **rate training** (eqs 16–19): g = φ'(w·x + I_i), x̃ = g x, q = P x̃, c = 1/(1 + x̃ᵀq), P ← P − c q qᵀ,
//!   e = f_i − φ(w·x + I_i), w ← w + e c q.
//!
//! (c q = P_new x, so w ← w + e P_new x exactly as in eq 10.) Rows are independent and updated in parallel
//! with rayon; each row's arithmetic is sequential, so results are identical for any thread count.
//!
//! Two kernels implement the same mathematics: [`Kernel::Reference`] (plain dense K×K matrices, two passes,
//! the obviously correct version) and [`Kernel::Packed`] (production: symmetric packed storage; rank-1
//! downdates kept pending for up to m steps and the product formed in Woodbury form
//! P_t x = P x − Σ_j c_j q_j (q_jᵀ x), so P is read once per step and written once every m steps, in a pass
//! fused with that step's product; see [`kernels`]). The production kernels run with AVX-512F or AVX2
//! when the CPU has them (run-time detection) and give the same bits on every instruction set: lane-wise
//! IEEE operations in one fixed order, no FMA contraction.
//!
//! Both are exact f64 and [`Kernel::Packed`] is the default. [`Kernel::PackedF32`] is an explicit opt-in
//! that stores P in f32 (half the bytes streamed per step) with f64 arithmetic everywhere, rounding P to
//! f32 after every update (rounding model on [`Kernel::PackedF32`] and in [`kernels`]); its drift from f64
//! is bounded by tests, including a full Figure 3 training in `spikelearn-bench`.
//!
//! Performance (memory-bandwidth bound ratios, the Figure 3 training time) is measured by the `rls-bench`
//! binary of this crate and `fig3-timing` of `spikelearn-bench`, both against the bandwidth probe of [`membw`];
//! results are in this crate's README.

mod bank;
mod error;
pub mod kernels;
pub mod membw;
mod simd;

pub use bank::{DEFER_FROM_BYTES, DEFER_FROM_K, Kernel, Objective, RlsBank, default_defer};
pub use error::RlsError;
