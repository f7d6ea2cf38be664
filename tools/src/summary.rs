//! `summary`: what a dataset holds — pipelines, samples, schedules per pipeline, histograms of
//! stage counts and run times, and the measurement noise.

use std::collections::BTreeMap;

use autoschedule_gcn::featurization::Featurization;

use crate::dataset::Sample;
use crate::measure::DEFAULT_NOISE_THRESHOLD;
use crate::timing::median;

fn histogram(title: &str, buckets: &[(String, usize)]) -> String {
    let widest = buckets.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let mut out = format!("{title}\n");
    for (label, count) in buckets {
        let bar = "#".repeat((count * 40).div_ceil(widest));
        out += &format!("  {label:>14} {count:>7} {bar}\n");
    }
    out
}

/// The summary as text.
pub fn summarize(samples: &[Sample]) -> Result<String, String> {
    if samples.is_empty() {
        return Ok("0 samples\n".into());
    }
    let mut per_pipeline: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for s in samples {
        per_pipeline.entry(&s.pipeline).or_default().push(s);
    }
    let mut out = format!(
        "{} samples of {} pipelines ({} to {} schedules each)\n",
        samples.len(),
        per_pipeline.len(),
        per_pipeline.values().map(Vec::len).min().unwrap_or(0),
        per_pipeline.values().map(Vec::len).max().unwrap_or(0),
    );
    let machines: std::collections::BTreeSet<&str> =
        samples.iter().map(|s| s.machine.as_str()).collect();
    out += &format!(
        "machines: {}\n",
        machines.into_iter().collect::<Vec<_>>().join("; ")
    );

    // Stages per pipeline (from each pipeline's first featurization).
    let mut stage_buckets = [0usize; 6];
    let stage_labels = ["1-5", "6-10", "11-20", "21-40", "41-80", "81+"];
    for samples in per_pipeline.values() {
        let f = Featurization::from_bytes(&samples[0].featurization)
            .map_err(|e| format!("{}: {e}", samples[0].pipeline))?;
        let n = f.stages.len();
        let b = match n {
            0..=5 => 0,
            6..=10 => 1,
            11..=20 => 2,
            21..=40 => 3,
            41..=80 => 4,
            _ => 5,
        };
        stage_buckets[b] += 1;
    }
    out += &histogram(
        "stages per pipeline:",
        &stage_labels
            .iter()
            .zip(stage_buckets)
            .map(|(l, c)| (l.to_string(), c))
            .collect::<Vec<_>>(),
    );

    // Run times, in decades.
    let mut decades: BTreeMap<i32, usize> = BTreeMap::new();
    for s in samples {
        *decades
            .entry(s.run_time_ms.max(1e-6).log10().floor() as i32)
            .or_default() += 1;
    }
    out += &histogram(
        "run time (ms):",
        &decades
            .iter()
            .map(|(d, c)| (format!("{}-{}", 10f64.powi(*d), 10f64.powi(*d + 1)), *c))
            .collect::<Vec<_>>(),
    );

    // Spread of the best schedule's time against the worst within each pipeline.
    let ranges: Vec<f64> = per_pipeline
        .values()
        .map(|v| {
            let best = v
                .iter()
                .map(|s| s.run_time_ms)
                .fold(f64::INFINITY, f64::min);
            let worst = v.iter().map(|s| s.run_time_ms).fold(0.0, f64::max);
            worst / best.max(1e-12)
        })
        .collect();
    out += &format!(
        "worst/best run time within a pipeline: median {:.2}x\n",
        median(&ranges)
    );
    let spreads: Vec<f64> = samples.iter().map(|s| s.spread).collect();
    let full_repeats = samples.iter().map(|s| s.repeats).max().unwrap_or(0);
    out += &format!(
        "noise: median relative spread over repeats {:.2}% (up to {} repeats each)\n",
        100.0 * median(&spreads),
        full_repeats,
    );
    out += &noise_causes(samples, full_repeats);
    Ok(out)
}

/// Why samples are marked noisy, told apart from what each sample keeps: a sample timed fewer
/// times (a slow run, not measured again) whose repeats disagree; a fully timed one whose
/// repeats still disagreed by more than the collector's default threshold after measuring
/// again; and one whose repeats agree, so it was marked because others used the CPU.
fn noise_causes(samples: &[Sample], full_repeats: u32) -> String {
    let noisy: Vec<&Sample> = samples.iter().filter(|s| s.noisy).collect();
    let slow = noisy.iter().filter(|s| s.repeats < full_repeats).count();
    let spread = noisy
        .iter()
        .filter(|s| s.repeats == full_repeats && s.spread > DEFAULT_NOISE_THRESHOLD)
        .count();
    let contended = noisy.len() - slow - spread;
    let percent = |n: usize| 100.0 * n as f64 / samples.len() as f64;
    format!(
        "marked noisy: {} samples ({:.1}%): {} ({:.1}%) slow runs timed fewer times, \
         {} ({:.1}%) spread over {:.0}% after measuring again, {} ({:.1}%) others used the CPU\n",
        noisy.len(),
        percent(noisy.len()),
        slow,
        percent(slow),
        spread,
        percent(spread),
        100.0 * DEFAULT_NOISE_THRESHOLD,
        contended,
        percent(contended),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(repeats: u32, spread: f64, noisy: bool) -> Sample {
        Sample {
            pipeline: "random_pipeline seed=0".into(),
            schedule: format!("s{repeats}-{spread}-{noisy}"),
            run_time_ms: 1.0,
            median_ms: 1.0,
            spread,
            repeats,
            threads: 2,
            noisy,
            machine: "test".into(),
            featurization: Vec::new(),
        }
    }

    #[test]
    fn noisy_samples_are_told_apart_by_cause() {
        let samples = [
            sample(7, 0.02, false),
            sample(7, 0.25, true), // spread stayed high
            sample(7, 0.03, true), // repeats agree: contention
            sample(2, 0.15, true), // slow run, timed twice
            sample(1, 0.0, false), // very slow run, warm-up only
        ];
        let text = noise_causes(&samples, 7);
        assert_eq!(
            text,
            "marked noisy: 3 samples (60.0%): 1 (20.0%) slow runs timed fewer times, \
             1 (20.0%) spread over 10% after measuring again, 1 (20.0%) others used the CPU\n"
        );
    }
}
