//! How well predicted run times match measured ones: absolute percentage error, Kendall's τ
//! within a pipeline, and top-1 regret (what the model's favourite really costs against the
//! best measured).

/// |predicted − measured| / measured.
pub fn absolute_percentage_error(predicted: f64, measured: f64) -> f64 {
    (predicted - measured).abs() / measured
}

/// Kendall's τ-b of two equally long sequences (ties in either count for neither side);
/// `None` when fewer than two items, the measured side is all ties, or a value is NaN; 0 when
/// only the predicted side is all ties (a model that cannot tell the schedules apart).
pub fn kendall_tau(predicted: &[f64], measured: &[f64]) -> Option<f64> {
    let n = predicted.len().min(measured.len());
    if n < 2 {
        return None;
    }
    let (mut concordant, mut discordant) = (0i64, 0i64);
    let (mut ties_predicted, mut ties_measured) = (0i64, 0i64);
    for i in 0..n {
        for j in i + 1..n {
            let a = (predicted[i] - predicted[j]).partial_cmp(&0.0)?;
            let b = (measured[i] - measured[j]).partial_cmp(&0.0)?;
            use std::cmp::Ordering::Equal;
            match (a, b) {
                (Equal, Equal) => {}
                (Equal, _) => ties_predicted += 1,
                (_, Equal) => ties_measured += 1,
                (a, b) if a == b => concordant += 1,
                _ => discordant += 1,
            }
        }
    }
    // Pairs the predictions (resp. the measurements) order one way or the other.
    let untied_predicted = (concordant + discordant + ties_measured) as f64;
    let untied_measured = (concordant + discordant + ties_predicted) as f64;
    if untied_measured == 0.0 {
        return None;
    }
    if untied_predicted == 0.0 {
        return Some(0.0);
    }
    Some((concordant - discordant) as f64 / (untied_predicted * untied_measured).sqrt())
}

/// Measured time of the schedule predicted fastest (the first such on ties), divided by the
/// best measured time; `None` for no schedules.
pub fn top1_regret(predicted: &[f64], measured: &[f64]) -> Option<f64> {
    let favourite = predicted
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))?
        .0;
    let best = measured.iter().copied().fold(f64::INFINITY, f64::min);
    Some(measured[favourite] / best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kendall_tau_of_known_orders() {
        let measured = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(kendall_tau(&[10.0, 20.0, 30.0, 40.0], &measured), Some(1.0));
        assert_eq!(kendall_tau(&[4.0, 3.0, 2.0, 1.0], &measured), Some(-1.0));
        // One swapped adjacent pair out of six: (5 - 1) / 6.
        let tau = kendall_tau(&[1.0, 3.0, 2.0, 4.0], &measured).unwrap();
        assert!((tau - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(kendall_tau(&[1.0], &[1.0]), None);
        assert_eq!(kendall_tau(&[1.0, 1.0], &[1.0, 2.0]), Some(0.0));
        assert_eq!(kendall_tau(&[1.0, 2.0], &[1.0, 1.0]), None);
        assert_eq!(kendall_tau(&[f64::NAN, 2.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn regret_is_the_favourites_true_time_over_the_best() {
        assert_eq!(top1_regret(&[3.0, 1.0, 2.0], &[1.0, 1.5, 2.0]), Some(1.5));
        assert_eq!(top1_regret(&[1.0, 2.0], &[2.0, 4.0]), Some(1.0));
        assert_eq!(top1_regret(&[], &[]), None);
    }

    #[test]
    fn percentage_error_is_relative_to_the_measurement() {
        assert!((absolute_percentage_error(1.5, 1.0) - 0.5).abs() < 1e-12);
        assert!((absolute_percentage_error(0.5, 1.0) - 0.5).abs() < 1e-12);
    }
}
