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
//! the obviously correct version) and [`Kernel::Packed`] (production: symmetric packed storage, the rank-1
//! update deferred by one step and fused with the next matrix–vector product so P is streamed once per step).

mod bank;
mod error;
pub mod kernels;

pub use bank::{Kernel, Objective, RlsBank};
pub use error::RlsError;
