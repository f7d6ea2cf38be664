//! Training a cost network on pipelines: the loss (log run time error, weighted towards each
//! pipeline's fast schedules, plus a pairwise ranking term within each pipeline), AdamW over
//! a few pipelines per step in a seeded order, and early stopping on the validation pipelines
//! (the best epoch's parameters are kept). Deterministic for a given seed.

use candle_core::{Device, Result, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::cost_net::{CostNet, PipelineBatch};

#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub seed: u64,
    pub max_epochs: usize,
    /// Epochs without a better validation loss before stopping.
    pub patience: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    /// Pipelines whose losses are averaged into one optimizer step.
    pub pipelines_per_step: usize,
    /// Weight of the ranking term against the regression term.
    pub ranking_weight: f64,
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
        }
    }
}

/// A pair counts for ranking when the slower schedule is at least this much slower (log).
const RANKING_MARGIN: f32 = 0.05;

/// One pipeline's loss: weighted mean squared error of log run time, the weight of a schedule
/// `sqrt(best / run time)` (the fast schedules are the ones a search must tell apart), plus
/// `ranking_weight` times the mean logistic loss over the pairs whose measured times differ by
/// more than the margin.
pub fn pipeline_loss(
    net: &dyn CostNet,
    batch: &PipelineBatch,
    ranking_weight: f64,
) -> Result<Tensor> {
    let predicted = net.log_costs(batch)?; // [B]
    let measured = &batch.log_run_time_host;
    let b = measured.len();
    let best = measured.iter().copied().fold(f32::INFINITY, f32::min);
    let weights: Vec<f32> = measured.iter().map(|t| (0.5 * (best - t)).exp()).collect();
    let weight_sum: f32 = weights.iter().sum();
    let weights = Tensor::from_vec(weights, b, &Device::Cpu)?;
    let error = (&predicted - &batch.log_run_time)?;
    let regression = (error.sqr()? * weights)?
        .sum_all()?
        .affine(1.0 / f64::from(weight_sum), 0.0)?;
    if ranking_weight == 0.0 || b < 2 {
        return Ok(regression);
    }
    // slower[i][j] = 1 when schedule j measured clearly slower than schedule i.
    let mut slower = vec![0f32; b * b];
    let mut pairs = 0usize;
    for i in 0..b {
        for j in 0..b {
            if measured[j] - measured[i] > RANKING_MARGIN {
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

/// Mean loss over pipelines (no optimizer step).
pub fn mean_loss(net: &dyn CostNet, batches: &[PipelineBatch], ranking_weight: f64) -> Result<f64> {
    if batches.is_empty() {
        return Ok(f64::NAN);
    }
    let mut total = 0.0;
    for batch in batches {
        total += f64::from(pipeline_loss(net, batch, ranking_weight)?.to_scalar::<f32>()?);
    }
    Ok(total / batches.len() as f64)
}

/// How training went.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    pub epochs: usize,
    pub best_epoch: usize,
    pub best_validation_loss: f64,
    /// (training loss, validation loss) per epoch.
    pub history: Vec<(f64, f64)>,
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
    let mut best = (f64::INFINITY, 0usize, snapshot(&vars)?);
    let mut history = Vec::new();
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
                losses.push(pipeline_loss(net, &training[k], options.ranking_weight)?);
            }
            let loss = Tensor::stack(&losses, 0)?.mean_all()?;
            epoch_loss += f64::from(loss.to_scalar::<f32>()?) * step.len() as f64;
            optimizer.backward_step(&loss)?;
        }
        let train_loss = epoch_loss / training.len().max(1) as f64;
        let validation_loss = mean_loss(net, validation, options.ranking_weight)?;
        history.push((train_loss, validation_loss));
        epoch_done(epoch, train_loss, validation_loss);
        if validation_loss < best.0 {
            best = (validation_loss, epoch, snapshot(&vars)?);
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
    restore(&vars, &best.2)?;
    Ok(TrainReport {
        epochs: history.len(),
        best_epoch: best.1,
        best_validation_loss: best.0,
        history,
    })
}
