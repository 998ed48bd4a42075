//! The shared command line: every experiment binary is
//! `fn main() -> std::process::ExitCode { spikelearn_lab::main::<fig1::Fig1>() }`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context as _, bail};
use clap::{CommandFactory, FromArgMatches, Parser};

use crate::check::{CheckReport, check_metrics, load_published};
use crate::output::{rfc3339_utc, unix_now, validate_report, write_atomically, write_report};
use crate::params::{load_params_file, params_to_toml_string};
use crate::{Ctx, Experiment, Profile, Report, Validate, blas};

/// Command-line options shared by all experiment binaries.
#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(version)]
pub struct Args {
    /// Reduced-size run (CI); checks use the `quick` profile.
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Full-size run.
    #[arg(long)]
    pub full: bool,
    /// TOML file overriding parameters (deep-merged over the profile's parameters).
    #[arg(long, value_name = "FILE.toml")]
    pub params: Option<PathBuf>,
    /// Master seed of all random streams.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (default: figures/NAME in the workspace root).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Number of rayon worker threads (default: rayon's default, one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Run up to N independent trainings of the figure at once, each on threads / N worker threads
    /// (default 1: one after the other on all threads). The results are the same for every N.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Compare metrics with data/published/NAME.toml; exit code 2 if a check fails.
    #[arg(long)]
    pub check: bool,
    /// Print the effective parameters as TOML and exit.
    #[arg(long)]
    pub dump_params: bool,
    /// Skip writing PNG/SVG figures.
    #[arg(long)]
    pub no_plots: bool,
    /// No log lines or progress bars.
    #[arg(long, short)]
    pub quiet: bool,
    /// Published-numbers file to check against instead of data/published/NAME.toml (implies --check).
    #[arg(long, value_name = "FILE.toml")]
    pub published: Option<PathBuf>,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            quick: false,
            full: false,
            params: None,
            seed: 1,
            out: None,
            threads: None,
            jobs: 1,
            check: false,
            dump_params: false,
            no_plots: false,
            quiet: false,
            published: None,
        }
    }
}

impl Args {
    /// The profile selected by `--quick` / `--full` (else `Default`); both together is an error.
    pub fn profile(&self) -> anyhow::Result<Profile> {
        match (self.quick, self.full) {
            (true, true) => bail!("--quick and --full are mutually exclusive"),
            (true, false) => Ok(Profile::Quick),
            (false, true) => Ok(Profile::Full),
            (false, false) => Ok(Profile::Default),
        }
    }

    /// Whether published checks run (`--check`, or `--published FILE`).
    pub fn checking(&self) -> bool {
        self.check || self.published.is_some()
    }
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The output directory (not written with `--dump-params`).
    pub out_dir: PathBuf,
    /// The run's metrics (empty with `--dump-params`).
    pub metrics: BTreeMap<String, f64>,
    /// The published-number comparison, with `--check`.
    pub check: Option<CheckReport>,
}

/// The workspace root: two levels above this crate's manifest directory when it exists at run time
/// (a `Cargo.toml` is there), else the current directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match manifest.parent().and_then(Path::parent) {
        Some(root) if root.join("Cargo.toml").is_file() => root.to_path_buf(),
        _ => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    }
}

/// The published-numbers file for experiment `name`: `<root>/data/published/<name>.toml`.
pub fn published_path(name: &str) -> PathBuf {
    workspace_root()
        .join("data")
        .join("published")
        .join(format!("{name}.toml"))
}

/// The effective parameters: the profile's, overridden by `--params`, validated. Errors name the file
/// (or the profile) and the field.
pub fn effective_params<E: Experiment>(args: &Args) -> anyhow::Result<E::Params> {
    let profile = args.profile()?;
    let base = E::params(profile);
    let params = match &args.params {
        Some(path) => load_params_file(&base, path)?,
        None => {
            base.validate().map_err(|e| {
                anyhow::Error::new(e).context(format!(
                    "built-in `{profile}` parameters of `{}` are invalid",
                    E::NAME
                ))
            })?;
            base
        }
    };
    Ok(params)
}

/// Runs `f` on a worker of a dedicated rayon pool with `n` threads (`None`: rayon's default count).
///
/// Running the whole experiment inside the pool (not on the main thread) matters for speed: the
/// simulation loop calls into rayon at every learning step and, for large populations, at every neuron
/// step; from a worker thread those calls split work directly, from outside the pool every call would be
/// injected into it and the main thread would block on a latch each time. Results do not depend on it.
fn with_threads<R: Send>(n: Option<usize>, f: impl FnOnce() -> R + Send) -> anyhow::Result<R> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    match n {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => builder = builder.num_threads(n),
        None => {}
    }
    let pool = builder.build().context("building the rayon thread pool")?;
    Ok(pool.install(f))
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Everything `main` does, returning the outcome instead of exiting: parameters, threads, the run, the
/// atomic write of all outputs and (with `--check`) the published-number comparison, whose table is
/// printed to stdout. With `--dump-params` it prints the effective parameters as TOML and returns
/// without running.
pub fn run_cli<E: Experiment>(args: &Args) -> anyhow::Result<Outcome> {
    let profile = args.profile()?;
    let params = effective_params::<E>(args)?;
    let root = workspace_root();
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("figures").join(E::NAME));
    if args.dump_params {
        print!("{}", params_to_toml_string(&params)?);
        return Ok(Outcome {
            out_dir,
            metrics: BTreeMap::new(),
            check: None,
        });
    }
    // Fail before a long run, not after it, when the published file is broken.
    let published = args.checking().then(|| {
        args.published
            .clone()
            .unwrap_or_else(|| published_path(E::NAME))
    });
    if let Some(path) = &published {
        load_published(path)?;
    }
    blas::limit_blas_threads();

    if args.jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let ctx = Ctx::for_cli(args.seed, profile, args.quiet).with_jobs(args.jobs);
    ctx.log(&format!(
        "{} ({}): profile {profile}, seed {}",
        E::NAME,
        E::TITLE,
        args.seed
    ));
    let started = unix_now();
    let (report, threads): (Report, usize) = with_threads(args.threads, || {
        E::run(&params, &ctx).map(|r| (r, rayon::current_num_threads()))
    })?
    .with_context(|| format!("experiment `{}` failed", E::NAME))?;
    validate_report(&report)
        .with_context(|| format!("experiment `{}` returned an invalid report", E::NAME))?;
    let wall = unix_now() - started;

    let run_json = serde_json::json!({
        "experiment": E::NAME,
        "title": E::TITLE,
        "profile": profile,
        "seed": args.seed,
        "threads": threads,
        "jobs": args.jobs,
        "params": serde_json::to_value(&params).context("serializing the parameters")?,
        "params_file": args.params.as_ref().map(|p| p.display().to_string()),
        "git_revision": git(&root, &["rev-parse", "HEAD"]),
        "git_dirty": git(&root, &["status", "--porcelain"]).map(|s| !s.is_empty()),
        "lab_version": env!("CARGO_PKG_VERSION"),
        "rustc": option_env!("SPIKELEARN_RUSTC_VERSION").filter(|s| !s.is_empty()),
        "started_unix_s": started,
        "started_utc": rfc3339_utc(started as u64),
        "wall_time_s": wall,
        "command_line": std::env::args().collect::<Vec<_>>(),
        "notes": report.notes,
    });
    write_atomically(&out_dir, |dir| {
        write_report(&report, &run_json, dir, !args.no_plots)
    })
    .with_context(|| {
        format!(
            "writing the outputs of `{}` to {}",
            E::NAME,
            out_dir.display()
        )
    })?;
    ctx.log(&format!("wrote {} in {wall:.1} s", out_dir.display()));

    let check = match &published {
        Some(path) => {
            let rep = check_metrics(&report.metrics, path, profile)?;
            println!("{}", rep.render());
            Some(rep)
        }
        None => None,
    };
    Ok(Outcome {
        out_dir,
        metrics: report.metrics,
        check,
    })
}

/// The shared `main`: parses the command line, runs, and returns exit code 0 on success, 2 when a
/// published check failed, 1 on any other error (printed to stderr with its cause chain).
pub fn main<E: Experiment>() -> ExitCode {
    blas::limit_blas_threads();
    let cmd = Args::command().name(E::NAME).about(E::TITLE);
    let args = match cmd
        .try_get_matches()
        .and_then(|m| Args::from_arg_matches(&m))
    {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run_cli::<E>(&args) {
        Ok(outcome) => match outcome.check {
            Some(c) if !c.passed() => {
                eprintln!(
                    "{}: {} published check(s) failed; outputs are in {}",
                    E::NAME,
                    c.n_failed(),
                    outcome.out_dir.display()
                );
                ExitCode::from(2)
            }
            _ => ExitCode::SUCCESS,
        },
        Err(e) => {
            // The cause chain, without anyhow's backtrace (noise for parameter and file errors).
            for line in error_lines(&e) {
                eprintln!("{line}");
            }
            ExitCode::from(1)
        }
    }
}

/// The lines printed for a failed run: `Error: <message>`, then `  caused by: <cause>` for each cause in
/// the chain whose text the line above does not already contain (many error types quote their source in
/// their own message; printing it again would repeat it).
fn error_lines(e: &anyhow::Error) -> Vec<String> {
    let mut above = e.to_string();
    let mut lines = vec![format!("Error: {above}")];
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !above.contains(&text) {
            lines.push(format!("  caused by: {text}"));
        }
        above = text;
    }
    lines
}

static QUICK_COUNTER: AtomicU64 = AtomicU64::new(0);

/// For experiment integration tests: runs profile `Quick` with `seed` into a fresh temporary directory
/// (under the system temp dir, kept as evidence), checking against `data/published/<NAME>.toml`.
///
/// # Panics
/// If the run fails (with the error chain) or a check fails (with the rendered table).
pub fn run_quick_checked<E: Experiment>(seed: u64) -> Outcome {
    let out = std::env::temp_dir().join("spikelearn-quick").join(format!(
        "{}-seed{seed}-{}-{}",
        E::NAME,
        std::process::id(),
        QUICK_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let args = Args {
        quick: true,
        seed,
        out: Some(out),
        check: true,
        ..Args::default()
    };
    match run_cli::<E>(&args) {
        Ok(outcome) => {
            if let Some(c) = &outcome.check
                && !c.passed()
            {
                panic!(
                    "{}: quick run (seed {seed}) failed its published checks; outputs in {}\n{}",
                    E::NAME,
                    outcome.out_dir.display(),
                    c.render()
                );
            }
            outcome
        }
        Err(e) => panic!("{}: quick run (seed {seed}) failed: {e:?}", E::NAME),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cause that the message above already quotes is not printed again; one it does not is.
    #[test]
    fn error_lines_skip_causes_already_quoted() {
        #[derive(Debug)]
        struct Leaf;
        impl std::fmt::Display for Leaf {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("rls: non-finite gain in row 3")
            }
        }
        impl std::error::Error for Leaf {}
        #[derive(Debug)]
        struct Quoting(Leaf);
        impl std::fmt::Display for Quoting {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "learning failed at window step 5: {}", self.0)
            }
        }
        impl std::error::Error for Quoting {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = anyhow::Error::new(Quoting(Leaf)).context("experiment `x` failed");
        assert_eq!(
            error_lines(&e),
            [
                "Error: experiment `x` failed",
                "  caused by: learning failed at window step 5: rls: non-finite gain in row 3",
            ]
        );
        let e = anyhow::Error::new(Leaf).context("setting up");
        assert_eq!(
            error_lines(&e),
            [
                "Error: setting up",
                "  caused by: rls: non-finite gain in row 3"
            ]
        );
    }

    #[test]
    fn parse_args() {
        let a = Args::try_parse_from([
            "x",
            "--quick",
            "--seed",
            "7",
            "--threads",
            "2",
            "--jobs",
            "2",
        ])
        .unwrap();
        assert_eq!(a.profile().unwrap(), Profile::Quick);
        assert_eq!((a.seed, a.threads, a.jobs), (7, Some(2), 2));
        assert_eq!(Args::try_parse_from(["x"]).unwrap(), Args::default());
        assert!(Args::try_parse_from(["x", "--quick", "--full"]).is_err());
        Args::command().debug_assert();
    }
}
