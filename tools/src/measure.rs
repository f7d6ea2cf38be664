//! How the collector measures one schedule's run time (and the noise report re-measures it):
//! one warm-up RunGen run, then timed repeats (each RunGen's best of its own iterations);
//! measured again when the repeats disagree by more than the threshold, or — after waiting for
//! the machine to go quiet — when anything else used the CPU meanwhile. The recorded run time
//! is the fastest repeat of all (both sets when measured again).

use std::path::Path;
use std::time::Duration;

use crate::quiet::{wait_until_quiet, Watch, QUIET_CORES};
use crate::timing::{best_ms, best_ms_within, median, min};

/// A run slower than this (ms) is timed twice only: a bad schedule of a random pipeline can
/// take seconds per run, and its exact time matters less than that it is slow.
pub const SLOW_RUN_MS: f64 = 200.0;

/// A run slower than this (ms) is not timed again: the warm-up (RunGen's best of at least
/// three runs) is recorded. RunGen runs a schedule at least three times per process, so a
/// 10-second schedule would otherwise cost minutes.
pub const VERY_SLOW_RUN_MS: f64 = 1000.0;

/// The collector's default relative spread of the repeats above which a schedule is measured
/// again (and marked noisy if it stays above).
pub const DEFAULT_NOISE_THRESHOLD: f64 = 0.10;

/// Measurements thrown away because others used the CPU, before one is kept anyway (marked
/// noisy).
const CONTENDED_RETRIES: usize = 3;

/// How long to wait for a quiet machine before measuring anyway (the measurement is then
/// marked noisy).
const PATIENCE: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy)]
pub struct Procedure {
    /// `HL_NUM_THREADS` of the runs.
    pub threads: u32,
    /// Timed repeats after the warm-up.
    pub repeats: u32,
    /// RunGen's `--benchmark_min_time` per repeat, seconds.
    pub min_time_s: f64,
    /// Relative spread of the repeats above which the schedule is measured again, and marked
    /// noisy if it stays above.
    pub noise_threshold: f64,
}

/// One schedule's recorded timing.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// Fastest repeat, ms.
    pub run_time_ms: f64,
    pub median_ms: f64,
    /// (slowest - fastest) / fastest over the repeats.
    pub spread: f64,
    pub repeats: u32,
    /// Spread above the threshold after measuring again, or others kept using the CPU.
    pub noisy: bool,
}

/// (slowest − fastest) / fastest.
pub fn spread(samples: &[f64]) -> f64 {
    let fastest = min(samples);
    let slowest = samples.iter().copied().fold(0.0, f64::max);
    (slowest - fastest) / fastest.max(1e-12)
}

/// How long the warm-up RunGen process may take (it runs the pipeline at least three times):
/// a schedule slower than that is not benchmarked at all.
pub const WARM_UP_LIMIT: Duration = Duration::from_secs(60);

/// Warm-up plus repeats, and whether others used the CPU meanwhile; `None` when the warm-up
/// ran over [`WARM_UP_LIMIT`].
fn timed_repeats(runner: &Path, procedure: &Procedure) -> Result<Option<(Vec<f64>, bool)>, String> {
    let watch = Watch::start();
    let Some(warm_up) = best_ms_within(
        runner,
        procedure.threads,
        procedure.min_time_s,
        WARM_UP_LIMIT,
    )?
    else {
        return Ok(None);
    };
    if warm_up > VERY_SLOW_RUN_MS {
        return Ok(Some((vec![warm_up], watch.others_cores() > QUIET_CORES)));
    }
    let repeats = if warm_up > SLOW_RUN_MS {
        procedure.repeats.min(2)
    } else {
        procedure.repeats
    };
    let times = (0..repeats.max(1))
        .map(|_| best_ms(runner, procedure.threads, procedure.min_time_s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((times, watch.others_cores() > QUIET_CORES)))
}

/// Timed repeats taken while nothing else ran (up to [`CONTENDED_RETRIES`] more tries, each
/// after waiting for a quiet machine); the flag says that others used the CPU during the
/// repeats kept.
fn quiet_repeats(
    runner: &Path,
    procedure: &Procedure,
    waiting: &mut dyn FnMut(f64),
) -> Result<Option<(Vec<f64>, bool)>, String> {
    let mut attempt = 0;
    loop {
        let Some((times, contended)) = timed_repeats(runner, procedure)? else {
            return Ok(None);
        };
        attempt += 1;
        if !contended || attempt > CONTENDED_RETRIES {
            return Ok(Some((times, contended)));
        }
        wait_until_quiet(PATIENCE, &mut *waiting);
    }
}

/// The recorded timing of one set of repeats, or of two when the first spread over the
/// threshold and the schedule was measured again: the fastest of every repeat (contention only
/// ever slows a run down, so the fastest of both sets is the better estimate); the spread of
/// the steadier set; noisy when even that set spread over the threshold, or when both sets ran
/// while others used the CPU.
pub fn record(
    first: (Vec<f64>, bool),
    again: Option<(Vec<f64>, bool)>,
    noise_threshold: f64,
) -> Recorded {
    let (mut times, mut contended) = first;
    let mut steadiest = spread(&times);
    if let Some((more, more_contended)) = again {
        steadiest = steadiest.min(spread(&more));
        contended = contended && more_contended;
        times.extend(more);
    }
    Recorded {
        run_time_ms: min(&times),
        median_ms: median(&times),
        spread: steadiest,
        repeats: times.len() as u32,
        noisy: contended || steadiest > noise_threshold,
    }
}

/// Measures a runner; `waiting` hears the others' load whenever the machine is not quiet.
/// `None`: too slow to benchmark (the warm-up ran over [`WARM_UP_LIMIT`]).
pub fn measure(
    runner: &Path,
    procedure: &Procedure,
    waiting: &mut dyn FnMut(f64),
) -> Result<Option<Recorded>, String> {
    let Some(first) = quiet_repeats(runner, procedure, waiting)? else {
        return Ok(None);
    };
    let slow = first.0.iter().any(|&t| t > SLOW_RUN_MS);
    let again = if spread(&first.0) > procedure.noise_threshold && !slow {
        quiet_repeats(runner, procedure, waiting)?
    } else {
        None
    };
    Ok(Some(record(first, again, procedure.noise_threshold)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_steady_set_is_recorded_as_it_is() {
        let r = record((vec![1.0, 1.02, 1.05], false), None, 0.1);
        assert_eq!((r.run_time_ms, r.repeats, r.noisy), (1.0, 3, false));
        assert!((r.spread - 0.05).abs() < 1e-12);
    }

    #[test]
    fn measured_again_the_fastest_of_both_sets_counts_and_the_steadier_spread() {
        // A slow outlier in the first set, a faster run in the second.
        let r = record(
            (vec![1.0, 1.5, 1.01], false),
            Some((vec![0.98, 1.0, 1.02], false)),
            0.1,
        );
        assert_eq!((r.run_time_ms, r.repeats, r.noisy), (0.98, 6, false));
        assert!((r.spread - 0.04 / 0.98).abs() < 1e-12);
        // Both sets spread: noisy.
        let r = record((vec![1.0, 1.5], false), Some((vec![1.2, 1.6], false)), 0.1);
        assert!(r.noisy);
        assert_eq!(r.run_time_ms, 1.0);
    }

    #[test]
    fn contention_marks_a_sample_only_when_every_set_had_it() {
        let steady = vec![1.0, 1.01];
        assert!(!record((vec![1.0, 1.5], true), Some((steady.clone(), false)), 0.1).noisy);
        assert!(record((vec![1.0, 1.5], true), Some((steady.clone(), true)), 0.1).noisy);
        assert!(record((steady, true), None, 0.1).noisy);
    }
}
