//! Run context handed to [`Experiment::run`](crate::Experiment::run): seed, profile, RNG streams, progress
//! and logging.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::Context as _;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
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
    jobs: usize,
    /// Draws all progress bars of the run (several at once under [`Ctx::map_jobs`]) without tearing.
    bars: MultiProgress,
}

impl Ctx {
    /// A context for tests and library use: logs go to stderr, progress bars are hidden.
    pub fn new(seed: u64, profile: Profile) -> Self {
        Ctx {
            seed,
            profile,
            quiet: false,
            show_progress: false,
            jobs: 1,
            bars: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
        }
    }

    /// A context as the command line builds it: progress bars are shown when stderr is a terminal, the
    /// `CI` environment variable is unset and `quiet` is false; `quiet` also silences [`Ctx::log`].
    pub fn for_cli(seed: u64, profile: Profile, quiet: bool) -> Self {
        let show_progress =
            !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bars = MultiProgress::with_draw_target(if show_progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        Ctx {
            seed,
            profile,
            quiet,
            show_progress,
            jobs: 1,
            bars,
        }
    }

    /// Runs up to `jobs` independent pieces of work at once in [`Ctx::map_jobs`] (`--jobs`; 0 counts as 1).
    pub fn with_jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// How many pieces of work [`Ctx::map_jobs`] runs at once.
    pub fn jobs(&self) -> usize {
        self.jobs
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
        let bar = self.bars.add(ProgressBar::new(len));
        let style = ProgressStyle::with_template(
            "{msg:>12} [{bar:40.cyan/blue}] {pos}/{len} {elapsed_precise} (eta {eta})",
        )
        .expect("the progress template is valid")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(msg.to_string());
        bar
    }

    /// Writes one line to stderr (prefixed `[lab]`) unless quiet, above any progress bars.
    pub fn log(&self, msg: &str) {
        if !self.quiet {
            self.bars.suspend(|| eprintln!("[lab] {msg}"));
        }
    }

    /// Applies `f` to every item and returns the results in the items' order, running up to
    /// [`Ctx::jobs`] items at once.
    ///
    /// This is for independent trainings of one run (families, draws, sweep points). Each concurrent job
    /// runs in its own rayon pool of ⌊T / J⌋ threads (at least 1), T being the threads of the calling pool
    /// (`--threads`) and J the number of jobs at once. On the 2-core development VM, `--jobs 2` ran the
    /// quick-size figures (N = 200, P in cache) 1.3–1.6× faster than one training after the other on two
    /// threads: a single-threaded training pays no fork-join per step. At N = 500, where P streams from
    /// memory at the per-core rate either way, it made no difference beyond the host's noise (README,
    /// Performance). With more cores than one memory-bound training can use, jobs are what fills them.
    ///
    /// **Determinism.** `f` must compute its result from its item, its captures and the context's seeded
    /// streams ([`Ctx::rng`]) only. Every training here gives the same bits for every thread count, so the
    /// results, and every number of the run, are then the same for every J and T.
    ///
    /// **Errors.** The error returned is the first failing item's (in item order), as in a sequential run:
    /// items start in order, so every item before it has started and runs to the end. With J = 1 (or one
    /// item) the items run here, in order, in the calling pool, and the first error stops the run; with
    /// J > 1 an error stops new items from starting and the jobs already running finish.
    pub fn map_jobs<T, R, F>(&self, items: Vec<T>, f: F) -> anyhow::Result<Vec<R>>
    where
        T: Send,
        R: Send,
        F: Fn(T) -> anyhow::Result<R> + Sync,
    {
        let n = items.len();
        let jobs = self.jobs.min(n);
        if jobs <= 1 {
            return items.into_iter().map(f).collect();
        }
        let per_job = (rayon::current_num_threads() / jobs).max(1);
        let pools = (0..jobs)
            .map(|_| rayon::ThreadPoolBuilder::new().num_threads(per_job).build())
            .collect::<Result<Vec<_>, _>>()
            .context("building the thread pools of the concurrent jobs")?;
        let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
        let results: Vec<Mutex<Option<anyhow::Result<R>>>> =
            (0..n).map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        std::thread::scope(|scope| {
            for pool in &pools {
                scope.spawn(|| {
                    pool.install(|| {
                        while !failed.load(Ordering::Relaxed) {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= n {
                                break;
                            }
                            let item = slots[i]
                                .lock()
                                .expect("no job panics while holding a slot")
                                .take()
                                .expect("every item is taken once");
                            let r = f(item);
                            if r.is_err() {
                                failed.store(true, Ordering::Relaxed);
                            }
                            *results[i]
                                .lock()
                                .expect("no job panics while holding a result") = Some(r);
                        }
                    })
                });
            }
        });
        // In item order the first failing item comes before any item that never started (see Errors).
        let mut out = Vec::with_capacity(n);
        for r in results {
            match r
                .into_inner()
                .expect("no job panics while holding a result")
            {
                Some(Ok(v)) => out.push(v),
                Some(Err(e)) => return Err(e),
                None => unreachable!("an item was skipped although no earlier item failed"),
            }
        }
        Ok(out)
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

    /// Results come back in item order, and each job sees ⌊T / J⌋ threads, for every J.
    #[test]
    fn map_jobs_keeps_order_and_splits_threads() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for jobs in [1, 2, 3, 4, 9] {
            let ctx = Ctx::new(1, Profile::Quick).with_jobs(jobs);
            let out = pool
                .install(|| {
                    ctx.map_jobs((0..7u64).collect(), |i| {
                        // uneven durations, so that later items can finish first
                        std::thread::sleep(std::time::Duration::from_millis((7 - i) * 3));
                        Ok((i * i, rayon::current_num_threads()))
                    })
                })
                .unwrap();
            let squares: Vec<u64> = out.iter().map(|o| o.0).collect();
            assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36], "jobs = {jobs}");
            let want = if jobs == 1 {
                4
            } else {
                (4 / jobs.min(7)).max(1)
            };
            assert!(out.iter().all(|o| o.1 == want), "jobs = {jobs}: {out:?}");
        }
    }

    /// The error returned is the first failing item's, whatever the number of jobs.
    #[test]
    fn map_jobs_returns_the_first_error_in_item_order() {
        for jobs in [1, 2, 3] {
            let ctx = Ctx::new(1, Profile::Quick).with_jobs(jobs);
            let err = ctx
                .map_jobs((0..8u64).collect(), |i| {
                    // the later failure finishes first
                    std::thread::sleep(std::time::Duration::from_millis(if i == 3 {
                        40
                    } else {
                        1
                    }));
                    if i == 3 || i == 4 {
                        anyhow::bail!("item {i} failed")
                    }
                    Ok(i)
                })
                .unwrap_err();
            assert_eq!(err.to_string(), "item 3 failed", "jobs = {jobs}");
        }
    }

    #[test]
    #[should_panic(expected = "32 bits")]
    fn index_overflow_panics() {
        Ctx::new(1, Profile::Quick).rng(Stream::Trial, 1 << 32);
    }
}
