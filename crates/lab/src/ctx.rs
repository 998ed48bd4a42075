//! Run context handed to [`Experiment::run`](crate::Experiment::run): seed, profile, RNG streams, progress
//! and logging.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::Profile;

/// The purpose of a random stream. Each purpose (and each index within it) gets its own ChaCha8 stream
/// derived from the master seed, so adding draws for one purpose never shifts another's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Connectivity masks and initial weights.
    Connectivity,
    /// Target generation (random sines, OU processes, innate-activity targets).
    Targets,
    /// External stimulus (cue amplitudes, per-neuron input weights).
    Stimulus,
    /// Initial neuron states.
    InitialState,
    /// Per-trial randomness (index = trial number).
    Trial,
    /// Noise injected during runs.
    Noise,
    /// Any other purpose; the number must be below 2^31.
    Other(u32),
}

impl Stream {
    /// The 32-bit tag stored in the upper half of the ChaCha stream id.
    pub fn tag(self) -> u32 {
        match self {
            Stream::Connectivity => 1,
            Stream::Targets => 2,
            Stream::Stimulus => 3,
            Stream::InitialState => 4,
            Stream::Trial => 5,
            Stream::Noise => 6,
            Stream::Other(k) => {
                assert!(
                    k < 1 << 31,
                    "Stream::Other({k}): the number must be below 2^31"
                );
                (1 << 31) | k
            }
        }
    }

    /// The ChaCha stream id `(tag << 32) | index`.
    ///
    /// # Panics
    /// If `index` does not fit in 32 bits (it would collide with another purpose's stream).
    pub fn id(self, index: u64) -> u64 {
        assert!(
            index <= u64::from(u32::MAX),
            "stream index {index} does not fit in 32 bits"
        );
        (u64::from(self.tag()) << 32) | index
    }
}

/// Everything an experiment's `run` needs from the harness besides its parameters.
#[derive(Debug, Clone)]
pub struct Ctx {
    seed: u64,
    profile: Profile,
    quiet: bool,
    show_progress: bool,
}

impl Ctx {
    /// A context for tests and library use: logs go to stderr, progress bars are hidden.
    pub fn new(seed: u64, profile: Profile) -> Self {
        Ctx {
            seed,
            profile,
            quiet: false,
            show_progress: false,
        }
    }

    /// A context as the command line builds it: progress bars are shown when stderr is a terminal, the
    /// `CI` environment variable is unset and `quiet` is false; `quiet` also silences [`Ctx::log`].
    pub fn for_cli(seed: u64, profile: Profile, quiet: bool) -> Self {
        let show_progress =
            !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Ctx {
            seed,
            profile,
            quiet,
            show_progress,
        }
    }

    /// Silences [`Ctx::log`] (and progress) when `quiet` is true.
    pub fn with_quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        if quiet {
            self.show_progress = false;
        }
        self
    }

    /// The master seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The run's profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Whether [`Ctx::log`] is silenced.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// One independent, reproducible generator per purpose:
    /// `ChaCha8Rng::seed_from_u64(seed)` then `set_stream((stream tag << 32) | index)`.
    /// It depends only on (seed, stream, index), never on the thread calling it: seed per neuron, row or
    /// trial and 1 thread gives the same numbers as N threads.
    ///
    /// # Panics
    /// If `index` does not fit in 32 bits.
    pub fn rng(&self, stream: Stream, index: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(stream.id(index));
        rng
    }

    /// A progress bar of `len` steps labelled `msg`; hidden (but still usable) when progress is disabled,
    /// stderr is not a terminal, `CI` is set or the run is quiet.
    pub fn progress(&self, len: u64, msg: &str) -> ProgressBar {
        if !self.show_progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg:>12} [{bar:40.cyan/blue}] {pos}/{len} {elapsed_precise} (eta {eta})",
        )
        .expect("the progress template is valid")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(msg.to_string());
        bar
    }

    /// Writes one line to stderr (prefixed `[lab]`) unless quiet.
    pub fn log(&self, msg: &str) {
        if !self.quiet {
            eprintln!("[lab] {msg}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn draws(mut r: ChaCha8Rng) -> Vec<u64> {
        (0..8).map(|_| r.random()).collect()
    }

    #[test]
    fn streams_reproducible_and_distinct() {
        let ctx = Ctx::new(7, Profile::Quick);
        assert_eq!(
            draws(ctx.rng(Stream::Targets, 3)),
            draws(Ctx::new(7, Profile::Full).rng(Stream::Targets, 3))
        );
        let all = [
            Stream::Connectivity,
            Stream::Targets,
            Stream::Stimulus,
            Stream::InitialState,
            Stream::Trial,
            Stream::Noise,
            Stream::Other(0),
            Stream::Other(5),
        ];
        let mut seen = std::collections::HashSet::new();
        for s in all {
            for i in 0..3 {
                assert!(seen.insert(draws(ctx.rng(s, i))), "{s:?} {i} repeats");
            }
        }
        assert!(seen.insert(draws(Ctx::new(8, Profile::Quick).rng(Stream::Targets, 3))));
    }

    #[test]
    fn rng_is_thread_independent() {
        let ctx = Ctx::new(11, Profile::Quick);
        let here = draws(ctx.rng(Stream::Trial, 2));
        let there = std::thread::spawn(move || draws(ctx.rng(Stream::Trial, 2)))
            .join()
            .unwrap();
        assert_eq!(here, there);
    }

    #[test]
    #[should_panic(expected = "32 bits")]
    fn index_overflow_panics() {
        Ctx::new(1, Profile::Quick).rng(Stream::Trial, 1 << 32);
    }
}
