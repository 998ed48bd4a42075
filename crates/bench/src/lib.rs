//! Timing helpers for whole trainings: a [`Learner`] wrapper that measures the time spent in learning
//! steps, so a run's wall time splits into simulation (everything else) and learning.
//!
//! The binaries live in `src/bin/`: `fig3-timing` times a full Figure 3 training (paper-spec §3.6: N = 500,
//! p = 0.3, σ = 1, products of sines, T = 1000 ms, Δt = 2 ms, dt = 1 ms, 30 loops).

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spikelearn_rls::Kernel;
use spikelearn_sim::protocol::{NetworkParams, ProtocolParams, Schedule};
use spikelearn_sim::{
    CosImpl, LearnMode, Learner, Network, RlsLearner, SimError, SparseRows, Theta,
};
use spikelearn_targets::TargetSpec;
use std::time::{Duration, Instant};

/// CPU time consumed so far by the calling thread, in seconds (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)` on
/// Linux, a fraction of a microsecond per call, cheap enough to wrap every learning step; `None`
/// elsewhere).
pub fn thread_cpu_s() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        (rc == 0).then_some(ts.tv_sec as f64 + 1e-9 * ts.tv_nsec as f64)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// CPU time (user + system) consumed so far by the whole process, in seconds (Linux `/proc/self/stat`,
/// clock ticks of 1/100 s; `None` elsewhere).
pub fn process_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based)
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Wraps a learner and accumulates the wall time (and the calling thread's CPU time) of its
/// [`Learner::learn`] calls.
pub struct Timed<L> {
    /// The wrapped learner.
    pub inner: L,
    /// Total wall time spent in `learn`.
    pub spent: Duration,
    /// CPU time of the calling (simulation) thread spent in `learn`, in seconds.
    pub caller_cpu_s: f64,
    /// Number of `learn` calls.
    pub calls: u64,
}

impl<L> Timed<L> {
    /// Wrap `inner` with zero accumulated time.
    pub fn new(inner: L) -> Self {
        Self {
            inner,
            spent: Duration::ZERO,
            caller_cpu_s: 0.0,
            calls: 0,
        }
    }
}

impl<L: Learner> Learner for Timed<L> {
    fn every(&self) -> usize {
        self.inner.every()
    }
    fn learn(
        &mut self,
        j: usize,
        r: &[f64],
        ext: &[f64],
        w: &mut SparseRows,
    ) -> Result<(), SimError> {
        let c0 = thread_cpu_s();
        let t = Instant::now();
        let out = self.inner.learn(j, r, ext, w);
        self.spent += t.elapsed();
        if let (Some(a), Some(b)) = (c0, thread_cpu_s()) {
            self.caller_cpu_s += b - a;
        }
        self.calls += 1;
        out
    }
}

/// Everything a full Figure 3 training needs (paper-spec §3.6, Fig 3 row), as used by `fig3-timing` and the
/// f32 drift test: N = 500 theta neurons, p = 0.3, σ = 1, protocol defaults (1000 ms free run, 100 ms
/// stimulus, T = 1000 ms, Δt = 2 ms, λ = 1), products-of-sines targets.
pub struct Fig3Setup {
    /// Network parameters.
    pub net_p: NetworkParams,
    /// Protocol parameters (`loops` and `kernel` as requested).
    pub prot: ProtocolParams,
    /// Training and test schedules.
    pub sched: Schedule,
    /// Initial weights W0.
    pub w0: SparseRows,
    /// The network (weights = W0, random initial phases).
    pub net: Network<Theta>,
    /// Stimulus amplitudes, one per neuron.
    pub stimulus: Vec<f64>,
    /// Targets, N × window steps.
    pub targets: Array2<f64>,
}

impl Fig3Setup {
    /// Draws W0, the initial state, the stimulus and the targets from one ChaCha8 stream seeded with `seed`
    /// (in that order).
    pub fn new(loops: usize, kernel: Kernel, seed: u64) -> Self {
        Self::with_cos(loops, kernel, CosImpl::default(), seed)
    }

    /// As [`Fig3Setup::new`], with the theta neurons' cos θ evaluated by `cos` (the same random draws).
    pub fn with_cos(loops: usize, kernel: Kernel, cos: CosImpl, seed: u64) -> Self {
        let net_p = NetworkParams {
            n: 500,
            p: 0.3,
            sigma: 1.0,
            cos,
            ..NetworkParams::default()
        };
        let prot = ProtocolParams {
            loops,
            kernel,
            ..ProtocolParams::default()
        };
        let grid = net_p.grid().expect("grid");
        let sched = prot.schedule(&grid).expect("schedule");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let w0 = net_p.weights(&mut rng).expect("weights");
        let net = net_p.theta_network(w0.clone(), &mut rng).expect("network");
        let stimulus = prot.stimulus(net_p.n, &mut rng);
        let targets = TargetSpec::default()
            .generate(net_p.n, sched.train.window, net_p.dt_ms, &mut rng)
            .expect("targets");
        Fig3Setup {
            net_p,
            prot,
            sched,
            w0,
            net,
            stimulus,
            targets,
        }
    }

    /// A synaptic-drive RLS learner for this setup (the protocol's λ, Δt and kernel).
    pub fn learner(&self) -> RlsLearner {
        RlsLearner::new(
            &self.net.w,
            self.prot.lambda,
            self.sched.every,
            LearnMode::Drive,
            self.prot.kernel,
            &[self.targets.view()],
        )
        .expect("learner")
    }
}
