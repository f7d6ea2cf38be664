//! Training a cost network on pipelines: the loss (log run time error, weighted towards each
//! pipeline's fast schedules and split into the schedules' shape within the pipeline and the
//! pipeline's overall level, plus a pairwise ranking term within each pipeline), AdamW over a
//! few pipelines per step in a seeded order, and early stopping on the validation pipelines
//! (by their loss or by how well they are ranked; the best epoch's parameters are kept).
//! Deterministic for a given seed.

use candle_core::{Device, Result, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::cost_net::{CostNet, PipelineBatch};
use crate::metrics::{kendall_tau, top1_regret};

/// What early stopping keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Selection {
    /// The epoch with the lowest mean validation loss.
    Loss,
    /// The epoch that ranks the validation pipelines best: lowest `(1 − mean τ) + mean
    /// ln(top-1 regret)`, what a search needs of the model.
    Ranking,
}

#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub seed: u64,
    pub max_epochs: usize,
    /// Epochs without a better validation score before stopping.
    pub patience: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    /// Pipelines whose losses are averaged into one optimizer step.
    pub pipelines_per_step: usize,
    /// Weight of the ranking term against the regression term.
    pub ranking_weight: f64,
    /// A pair counts for ranking when the slower schedule is at least this much slower (log).
    pub ranking_margin: f64,
    /// Weight of the pipeline-level part of the regression error (the weighted mean error over
    /// the pipeline's schedules) against its shape (the deviations from that mean); 1 is the
    /// plain weighted squared error.
    pub level_weight: f64,
    pub selection: Selection,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            seed: 1,
            max_epochs: 400,
            patience: 40,
            learning_rate: 1e-3,
            weight_decay: 1e-4,
            pipelines_per_step: 4,
            ranking_weight: 1.0,
            ranking_margin: 0.05,
            level_weight: 1.0,
            selection: Selection::Loss,
        }
    }
}

/// One pipeline's loss. Regression: the error of log run time, each schedule weighted
/// `sqrt(best / run time)` (the fast schedules are the ones a search must tell apart), as its
/// weighted mean `ē` (the pipeline's level) and the deviations from it (the shape): `Σ w (e −
/// ē)² + level_weight · ē²` over normalized weights, the weighted mean squared error when
/// `level_weight` is 1. Ranking: `ranking_weight` times the mean logistic loss over the pairs
/// whose measured times differ by more than `ranking_margin` (log).
pub fn pipeline_loss(
    net: &dyn CostNet,
    batch: &PipelineBatch,
    options: &TrainOptions,
) -> Result<Tensor> {
    loss_of(&net.log_costs(batch)?, batch, options)
}

/// [`pipeline_loss`] of predicted log run times `[B]`.
fn loss_of(predicted: &Tensor, batch: &PipelineBatch, options: &TrainOptions) -> Result<Tensor> {
    let measured = &batch.log_run_time_host;
    let b = measured.len();
    let best = measured.iter().copied().fold(f32::INFINITY, f32::min);
    let weights: Vec<f32> = measured.iter().map(|t| (0.5 * (best - t)).exp()).collect();
    let weight_sum: f32 = weights.iter().sum();
    let weights =
        Tensor::from_vec(weights, b, &Device::Cpu)?.affine(1.0 / f64::from(weight_sum), 0.0)?;
    let error = (predicted - &batch.log_run_time)?;
    let level = (&error * &weights)?.sum_all()?;
    let shape = (error.broadcast_sub(&level)?.sqr()? * &weights)?.sum_all()?;
    let regression = (shape + level.sqr()?.affine(options.level_weight, 0.0)?)?;
    let ranking_weight = options.ranking_weight;
    let margin = options.ranking_margin as f32;
    if ranking_weight == 0.0 || b < 2 {
        return Ok(regression);
    }
    // slower[i][j] = 1 when schedule j measured clearly slower than schedule i.
    let mut slower = vec![0f32; b * b];
    let mut pairs = 0usize;
    for i in 0..b {
        for j in 0..b {
            if measured[j] - measured[i] > margin {
                slower[i * b + j] = 1.0;
                pairs += 1;
            }
        }
    }
    if pairs == 0 {
        return Ok(regression);
    }
    let slower = Tensor::from_vec(slower, (b, b), &Device::Cpu)?;
    // gap[i][j] = predicted_j - predicted_i: should be positive where j is slower.
    let gap = predicted
        .unsqueeze(0)?
        .broadcast_sub(&predicted.unsqueeze(1)?)?;
    // softplus(-gap) = relu(-gap) + ln(1 + e^-|gap|)
    let softplus = (gap.neg()?.relu()? + gap.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?)?;
    let ranking = (softplus * slower)?
        .sum_all()?
        .affine(ranking_weight / pairs as f64, 0.0)?;
    regression + ranking
}

/// The validation pipelines' scores, one forward pass each: the mean loss, and the ranking
/// score `(1 − mean τ) + mean ln(top-1 regret)` (lower is better; pipelines whose measured
/// times all tie count for the regret only). NaN for no pipelines.
pub fn validation_scores(
    net: &dyn CostNet,
    batches: &[PipelineBatch],
    options: &TrainOptions,
) -> Result<(f64, f64)> {
    if batches.is_empty() {
        return Ok((f64::NAN, f64::NAN));
    }
    let mut total_loss = 0.0;
    let (mut taus, mut log_regrets) = (Vec::new(), Vec::new());
    for batch in batches {
        let predicted_tensor = net.log_costs(batch)?;
        total_loss += f64::from(loss_of(&predicted_tensor, batch, options)?.to_scalar::<f32>()?);
        let predicted: Vec<f64> = predicted_tensor
            .to_vec1::<f32>()?
            .into_iter()
            .map(f64::from)
            .collect();
        let measured: Vec<f64> = batch
            .log_run_time_host
            .iter()
            .map(|&t| f64::from(t))
            .collect();
        if let Some(tau) = kendall_tau(&predicted, &measured) {
            taus.push(tau);
        }
        // Regret on run times: exp of the log gap to the best.
        let times: Vec<f64> = measured.iter().map(|t| t.exp()).collect();
        if let Some(regret) = top1_regret(&predicted, &times) {
            log_regrets.push(regret.ln());
        }
    }
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    Ok((
        total_loss / batches.len() as f64,
        1.0 - mean(&taus) + mean(&log_regrets),
    ))
}

/// How training went.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    pub epochs: usize,
    pub best_epoch: usize,
    pub best_validation_loss: f64,
    /// The validation ranking score ([`validation_scores`]) of the kept epoch.
    pub best_validation_ranking: f64,
    /// (training loss, validation loss) per epoch.
    pub history: Vec<(f64, f64)>,
    /// Validation ranking score per epoch.
    pub ranking_history: Vec<f64>,
}

fn snapshot(vars: &[Var]) -> Result<Vec<Tensor>> {
    vars.iter().map(|v| v.as_tensor().copy()).collect()
}

fn restore(vars: &[Var], saved: &[Tensor]) -> Result<()> {
    for (var, tensor) in vars.iter().zip(saved) {
        var.set(tensor)?;
    }
    Ok(())
}

/// Trains `net` in place; `epoch_done(epoch, train_loss, validation_loss)` hears each epoch.
pub fn train(
    net: &dyn CostNet,
    training: &[PipelineBatch],
    validation: &[PipelineBatch],
    options: &TrainOptions,
    mut epoch_done: impl FnMut(usize, f64, f64),
) -> Result<TrainReport> {
    let vars = net.vars();
    let mut optimizer = AdamW::new(
        vars.clone(),
        ParamsAdamW {
            lr: options.learning_rate,
            weight_decay: options.weight_decay,
            ..Default::default()
        },
    )?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut order: Vec<usize> = (0..training.len()).collect();
    // (score that selects, epoch, validation loss, validation ranking, parameters)
    let mut best = (f64::INFINITY, 0usize, f64::NAN, f64::NAN, snapshot(&vars)?);
    let (mut history, mut ranking_history) = (Vec::new(), Vec::new());
    for epoch in 0..options.max_epochs {
        // Fisher-Yates with the seeded stream.
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let mut epoch_loss = 0.0;
        for step in order.chunks(options.pipelines_per_step.max(1)) {
            let mut losses = Vec::with_capacity(step.len());
            for &k in step {
                losses.push(pipeline_loss(net, &training[k], options)?);
            }
            let loss = Tensor::stack(&losses, 0)?.mean_all()?;
            epoch_loss += f64::from(loss.to_scalar::<f32>()?) * step.len() as f64;
            optimizer.backward_step(&loss)?;
        }
        let train_loss = epoch_loss / training.len().max(1) as f64;
        let (validation_loss, validation_ranking) = validation_scores(net, validation, options)?;
        history.push((train_loss, validation_loss));
        ranking_history.push(validation_ranking);
        epoch_done(epoch, train_loss, validation_loss);
        let score = match options.selection {
            Selection::Loss => validation_loss,
            // A model whose loss is not finite is not a candidate, however it ranks.
            Selection::Ranking if validation_loss.is_finite() => validation_ranking,
            Selection::Ranking => f64::NAN,
        };
        if score < best.0 {
            best = (
                score,
                epoch,
                validation_loss,
                validation_ranking,
                snapshot(&vars)?,
            );
        } else if epoch >= best.1 + options.patience {
            break;
        }
    }
    if !best.0.is_finite() {
        return Err(candle_core::Error::Msg(format!(
            "the validation loss was never finite in {} epochs (last: training {:?}): nothing \
             learned",
            history.len(),
            history.last()
        )));
    }
    restore(&vars, &best.4)?;
    Ok(TrainReport {
        epochs: history.len(),
        best_epoch: best.1,
        best_validation_loss: best.2,
        best_validation_ranking: best.3,
        history,
        ranking_history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Predicts fixed log costs: one stage per schedule, output scale 1.
    struct Fixed(Vec<f32>);

    impl CostNet for Fixed {
        fn vars(&self) -> Vec<Var> {
            Vec::new()
        }
        fn log_stage_costs(&self, _: &PipelineBatch) -> Result<Tensor> {
            Tensor::from_vec(self.0.clone(), (self.0.len(), 1), &Device::Cpu)
        }
        fn output_scale(&self) -> f32 {
            1.0
        }
    }

    /// A batch of measured log run times (only those are read by the loss).
    fn measured(log_times: &[f32]) -> PipelineBatch {
        let cpu = Device::Cpu;
        let b = log_times.len();
        PipelineBatch {
            pipeline: Tensor::zeros((1, 1), candle_core::DType::F32, &cpu).unwrap(),
            schedules: Tensor::zeros((b, 1, 1), candle_core::DType::F32, &cpu).unwrap(),
            m_in: Tensor::zeros((1, 1), candle_core::DType::F32, &cpu).unwrap(),
            m_out: Tensor::zeros((1, 1), candle_core::DType::F32, &cpu).unwrap(),
            log_run_time: Tensor::from_vec(log_times.to_vec(), b, &cpu).unwrap(),
            log_run_time_host: log_times.to_vec(),
        }
    }

    fn loss(predicted: &[f32], batch: &PipelineBatch, options: &TrainOptions) -> f64 {
        f64::from(
            pipeline_loss(&Fixed(predicted.to_vec()), batch, options)
                .unwrap()
                .to_scalar::<f32>()
                .unwrap(),
        )
    }

    #[test]
    fn with_level_weight_one_the_regression_is_the_weighted_squared_error() {
        let times = [-7.0f32, -6.5, -5.0];
        let predicted = [-6.0f32, -6.9, -5.5];
        let options = TrainOptions {
            ranking_weight: 0.0,
            ..TrainOptions::default()
        };
        let weights: Vec<f64> = times
            .iter()
            .map(|&t| (0.5 * f64::from(-7.0 - t)).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        let expected: f64 = weights
            .iter()
            .zip(predicted.iter().zip(&times))
            .map(|(w, (p, t))| w * f64::from(p - t).powi(2))
            .sum::<f64>()
            / total;
        let got = loss(&predicted, &measured(&times), &options);
        assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
    }

    #[test]
    fn without_the_level_term_a_pipeline_wide_offset_costs_nothing() {
        let times = [-7.0f32, -6.5, -5.0, -6.8];
        let batch = measured(&times);
        let options = TrainOptions {
            level_weight: 0.0,
            ranking_margin: 0.1,
            ..TrainOptions::default()
        };
        let predicted = [-6.0f32, -6.9, -5.5, -6.0];
        let shifted: Vec<f32> = predicted.iter().map(|p| p + 3.0).collect();
        let (a, b) = (
            loss(&predicted, &batch, &options),
            loss(&shifted, &batch, &options),
        );
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        // With it, the offset is paid for.
        let options = TrainOptions {
            level_weight: 1.0,
            ..options
        };
        assert!(loss(&shifted, &batch, &options) > loss(&predicted, &batch, &options) + 1.0);
    }

    #[test]
    fn pairs_closer_than_the_margin_are_not_ranked() {
        // Two schedules 8% apart, predicted in the wrong order.
        let batch = measured(&[-7.0, -7.0 + 0.08]);
        let predicted = [-6.9f32, -7.0];
        let options = |margin| TrainOptions {
            ranking_margin: margin,
            ..TrainOptions::default()
        };
        let regression = loss(
            &predicted,
            &batch,
            &TrainOptions {
                ranking_weight: 0.0,
                ..options(0.05)
            },
        );
        assert!(loss(&predicted, &batch, &options(0.05)) > regression + 0.5);
        assert!((loss(&predicted, &batch, &options(0.1)) - regression).abs() < 1e-6);
    }

    #[test]
    fn the_ranking_score_rewards_order_and_the_right_favourite() {
        let batch = measured(&[-7.0, -6.0, -5.0]);
        let ranking = |predicted: Vec<f32>| {
            let options = TrainOptions::default();
            validation_scores(&Fixed(predicted), std::slice::from_ref(&batch), &options)
                .map(|(_, ranking)| ranking)
        };
        let right = ranking(vec![-3.0, -2.0, -1.0]);
        assert!(right.unwrap().abs() < 1e-9);
        // Reversed: τ = -1, and the favourite is e² slower than the best.
        let wrong = ranking(vec![-1.0, -2.0, -3.0]);
        assert!((wrong.unwrap() - 4.0).abs() < 1e-5);
    }
}
