//! Spiking networks for spikelearn: neuron models, the exponential synaptic filter, sparse connectivity,
//! external input, and **the one simulation loop** [`Network::run`] that serves spontaneous runs,
//! training loops and test trials alike (Kim & Chow 2018, Methods eqs 4–8; paper-spec §2 and §13).
//!
//! Units: time in τ = 10 ms (see [`units`]); drives and inputs are dimensionless; filtered spike trains r
//! are in spikes per τ (Hz = 100 × r).

pub mod connectivity;
mod error;
pub mod fastcos;
pub mod izhikevich;
pub mod learning;
pub mod lif;
pub mod network;
pub mod neuron;
pub mod protocol;
pub mod rate_network;
pub mod record;
pub mod units;

pub use connectivity::SparseRows;
pub use error::SimError;
pub use izhikevich::{CellType, Izhikevich, IzhikevichParams};
pub use learning::{LearnMode, Learner, RlsLearner};
pub use lif::{Lif, LifParams};
pub use network::{Input, Network, Phase, StepView, Trial};
pub use neuron::{CosImpl, NeuronModel, Theta};
pub use rate_network::RateNetwork;
pub use record::{Recorder, SpikeRecorder, TraceRecorder, Variable, WindowRecorder};
pub use units::{Grid, TAU_MS};
