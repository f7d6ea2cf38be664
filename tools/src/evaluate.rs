//! Evaluating cost models on held-out pipelines: each model's predictions (the GCN through the
//! plugin's own tract evaluator on the exported ONNX file, the baseline through candle), the
//! metrics per model (MAPE, mean Kendall τ within each pipeline, top-1 regret), and the
//! markdown report with its scatter plot.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use autoschedule_gcn::gcn_evaluator::GcnEvaluator;
use autoschedule_gcn::model_file::LoadedModel;
use autoschedule_gcn::normalization::Normalization;

use crate::cost_net::{CostNet, PipelineBatch};
use crate::metrics::{absolute_percentage_error, kendall_tau, top1_regret};
use crate::timing::{geomean, median};
use crate::training_set::PipelineData;

/// Predicted run times (seconds), per pipeline, per schedule.
pub type Predictions = Vec<Vec<f64>>;

/// The GCN's predictions, exactly as the search sees them.
pub fn predict_onnx(
    model: Arc<LoadedModel>,
    pipelines: &[&PipelineData],
) -> Result<Predictions, String> {
    let mut evaluator = GcnEvaluator::new(model);
    let mut out = Vec::with_capacity(pipelines.len());
    for p in pipelines {
        evaluator
            .set_pipeline(p.stages, &p.adjacency, &p.pipeline_features)
            .map_err(|e| format!("{}: {e}", p.id))?;
        let mut costs = Vec::with_capacity(p.schedules.len());
        // One evaluation per 64 states keeps the queue small.
        for chunk in p.schedules.chunks(64) {
            for s in chunk {
                evaluator
                    .enqueue(&s.features)
                    .map_err(|e| format!("{} {}: {e}", p.id, s.id))?;
            }
            costs.extend_from_slice(evaluator.evaluate().map_err(|e| format!("{}: {e}", p.id))?);
        }
        out.push(costs);
    }
    Ok(out)
}

/// A candle network's predictions.
pub fn predict_net(
    net: &dyn CostNet,
    normalization: &Normalization,
    pipelines: &[&PipelineData],
) -> Result<Predictions, String> {
    pipelines
        .iter()
        .map(|p| {
            let batch = PipelineBatch::new(p, normalization).map_err(|e| e.to_string())?;
            let log_costs = net.log_costs(&batch).map_err(|e| e.to_string())?;
            let costs: Vec<f64> = log_costs
                .to_vec1::<f32>()
                .map_err(|e| e.to_string())?
                .iter()
                .map(|l| f64::from(*l).exp())
                .collect();
            if costs.iter().any(|c| !c.is_finite()) {
                return Err(format!(
                    "{}: the network predicted a non-finite run time",
                    p.id
                ));
            }
            Ok(costs)
        })
        .collect()
}

/// The analytic cost model's predictions (the plugin's `cost_model=analytic`, hand-tuned to
/// this machine class, nothing learned), from the stored features at the measured thread count,
/// through the same `CostModel` calls the search makes.
pub fn predict_analytic(pipelines: &[&PipelineData]) -> Result<Predictions, String> {
    use autoschedule_gcn::cost_model::CostModel;
    use autoschedule_gcn::features::{StageFeatures, SCHEDULE_FEATURE_NAMES};
    pipelines
        .iter()
        .map(|p| {
            let mut model = autoschedule_gcn::analytic::AnalyticCostModel::new(p.threads);
            let width = p.pipeline_features.len() / p.stages.max(1);
            let rows: Vec<Vec<f32>> = p
                .pipeline_features
                .chunks(width.max(1))
                .map(<[f32]>::to_vec)
                .collect();
            model.set_pipeline_features(&rows);
            for schedule in &p.schedules {
                let stages = schedule
                    .features
                    .chunks(SCHEDULE_FEATURE_NAMES.len())
                    .map(StageFeatures::from_row)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("{} {}: a short feature row", p.id, schedule.id))?;
                model.enqueue(stages).map_err(|e| e.to_string())?;
            }
            model.evaluate().map_err(|e| format!("{}: {e}", p.id))
        })
        .collect()
}

/// One model's scores on a set of pipelines.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub pipelines: usize,
    pub samples: usize,
    /// Mean absolute percentage error of run time, percent.
    pub mape: f64,
    /// Median absolute percentage error, percent.
    pub median_ape: f64,
    /// Mean over pipelines (with 2+ distinct times) of Kendall's τ-b.
    pub mean_tau: f64,
    /// Mean top-1 regret over pipelines.
    pub mean_regret: f64,
    pub geomean_regret: f64,
    pub worst_regret: f64,
}

pub fn score(pipelines: &[&PipelineData], predictions: &Predictions) -> Scores {
    let mut errors = Vec::new();
    let mut taus = Vec::new();
    let mut regrets = Vec::new();
    for (p, predicted) in pipelines.iter().zip(predictions) {
        let measured: Vec<f64> = p.schedules.iter().map(|s| s.run_time_s).collect();
        for (pr, m) in predicted.iter().zip(&measured) {
            errors.push(100.0 * absolute_percentage_error(*pr, *m));
        }
        if let Some(tau) = kendall_tau(predicted, &measured) {
            taus.push(tau);
        }
        if let Some(regret) = top1_regret(predicted, &measured) {
            regrets.push(regret);
        }
    }
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    Scores {
        pipelines: pipelines.len(),
        samples: errors.len(),
        mape: mean(&errors),
        median_ape: median(&errors),
        mean_tau: mean(&taus),
        mean_regret: mean(&regrets),
        geomean_regret: geomean(&regrets),
        worst_regret: regrets.iter().copied().fold(f64::NAN, f64::max),
    }
}

/// The three models' scores on the held-out pipelines.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub gcn: Scores,
    pub baseline: Scores,
    /// The plugin's hand-tuned analytic model: the reference that nothing was learned.
    pub analytic: Scores,
}

/// One held-out pipeline's scores, in the order GCN, baseline, analytic.
pub struct PipelineScores {
    pub id: String,
    pub tau: [f64; 3],
    pub regret: [f64; 3],
}

/// Everything the report needs.
pub struct ReportInput<'a> {
    pub command: &'a str,
    pub data_files: &'a [String],
    pub split_seed: u64,
    pub model_description: &'a str,
    pub scores: &'a Evaluation,
    pub per_pipeline: &'a [PipelineScores],
    pub plot_file: &'a str,
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**not met**"
    }
}

/// The markdown report (docs/results/model.md).
pub fn report(input: &ReportInput) -> String {
    let g = &input.scores.gcn;
    let b = &input.scores.baseline;
    let mut out = String::new();
    let _ = writeln!(out, "# Cost model accuracy on held-out pipelines\n");
    let _ = writeln!(
        out,
        "Written by `{}`. Data: {}; split seed {} (pipelines are held out whole; bench \
         pipelines always). {} held-out pipelines, {} schedules.\n",
        input.command,
        input.data_files.join(", "),
        input.split_seed,
        g.pipelines,
        g.samples
    );
    let _ = writeln!(out, "GCN: {}\n", input.model_description);
    let _ = writeln!(
        out,
        "| model | MAPE | median APE | mean Kendall τ | top-1 regret (mean) | (geomean) | (worst) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (name, s) in [
        ("GCN", g),
        ("baseline: per-stage MLP, no message passing", b),
        (
            "reference: the analytic model (`cost_model=analytic`, hand-tuned, nothing learned)",
            &input.scores.analytic,
        ),
    ] {
        let _ = writeln!(
            out,
            "| {name} | {:.1}% | {:.1}% | {:.3} | {:.3} | {:.3} | {:.2} |",
            s.mape, s.median_ape, s.mean_tau, s.mean_regret, s.geomean_regret, s.worst_regret
        );
    }
    let _ = writeln!(out, "\n{}", by_kind_table(input.per_pipeline));
    let _ = writeln!(out, "Targets:\n");
    let _ = writeln!(
        out,
        "- GCN MAPE ≤ ⅓ of the baseline's: {:.1}% vs {:.1}% (ratio {:.2}) — {}",
        g.mape,
        b.mape,
        b.mape / g.mape,
        verdict(g.mape * 3.0 <= b.mape)
    );
    let _ = writeln!(
        out,
        "- GCN mean Kendall τ ≥ 0.8: {:.3} — {}",
        g.mean_tau,
        verdict(g.mean_tau >= 0.8)
    );
    let _ = writeln!(
        out,
        "- GCN top-1 regret ≤ 1.10 (mean over pipelines): {:.3} — {}",
        g.mean_regret,
        verdict(g.mean_regret <= 1.10)
    );
    let _ = writeln!(
        out,
        "\nWhat the measurements themselves allow: `docs/results/remeasure.md` scores the \
         recorded run times as predictions of a second measurement of the same schedules (a \
         model that learned the dataset perfectly would score about that)."
    );
    let _ = writeln!(
        out,
        "\n![predicted vs measured]({})\n\n## Per pipeline\n",
        input.plot_file
    );
    let _ = writeln!(
        out,
        "| pipeline | τ GCN | τ baseline | τ analytic | regret GCN | regret baseline | regret \
         analytic |\n|---|---|---|---|---|---|---|"
    );
    for p in input.per_pipeline {
        let [tg, tb, ta] = p.tau;
        let [rg, rb, ra] = p.regret;
        let _ = writeln!(
            out,
            "| {} | {tg:.3} | {tb:.3} | {ta:.3} | {rg:.3} | {rb:.3} | {ra:.3} |",
            p.id
        );
    }
    out
}

/// Mean τ and mean top-1 regret of each model over the bench pipelines and over the random
/// ones apart: the bench pipelines are the ones the end-to-end benchmark runs, and they are
/// larger and unlike the random pipelines the models are trained on.
fn by_kind_table(per_pipeline: &[PipelineScores]) -> String {
    let mut out = String::from(
        "| pipelines | count | τ GCN | τ baseline | τ analytic | regret GCN | regret baseline | \
         regret analytic |\n|---|---|---|---|---|---|---|---|\n",
    );
    let kinds: [(&str, fn(&str) -> bool); 2] = [
        ("bench", |id| id.starts_with("bench ")),
        ("random", |id| !id.starts_with("bench ")),
    ];
    for (kind, is_kind) in kinds {
        let rows: Vec<&PipelineScores> = per_pipeline.iter().filter(|p| is_kind(&p.id)).collect();
        if rows.is_empty() {
            continue;
        }
        let mean_of = |value: &dyn Fn(&PipelineScores) -> f64| {
            let finite: Vec<f64> = rows
                .iter()
                .map(|p| value(p))
                .filter(|v| v.is_finite())
                .collect();
            finite.iter().sum::<f64>() / finite.len() as f64
        };
        let _ = write!(out, "| {kind} | {} |", rows.len());
        for m in 0..3 {
            let _ = write!(out, " {:.3} |", mean_of(&|p| p.tau[m]));
        }
        for m in 0..3 {
            let _ = write!(out, " {:.3} |", mean_of(&|p| p.regret[m]));
        }
        out.push('\n');
    }
    out
}

/// Writes the report and the plot next to each other.
pub fn write_report(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The split `train` recorded in an ONNX model's metadata (None for a model it did not write).
fn recorded_split(model: &Path) -> Result<Option<String>, String> {
    use prost::Message;
    let bytes = std::fs::read(model).map_err(|e| format!("{}: {e}", model.display()))?;
    let proto = tract_onnx::pb::ModelProto::decode(bytes.as_slice())
        .map_err(|e| format!("{}: not an ONNX model: {e}", model.display()))?;
    Ok(proto
        .metadata_props
        .iter()
        .find(|p| p.key == crate::training_set::SPLIT_METADATA_KEY)
        .map(|p| p.value.clone()))
}

/// The `evaluate` command's inputs.
pub struct EvaluateCommand {
    pub data: Vec<std::path::PathBuf>,
    pub model: std::path::PathBuf,
    pub baseline: std::path::PathBuf,
    pub split: crate::training_set::Split,
    pub report: std::path::PathBuf,
    pub plot: std::path::PathBuf,
    /// The command line, for the report.
    pub command_line: String,
}

/// Scores both models on the held-out pipelines and writes the report and the plot.
pub fn run_evaluate(cmd: &EvaluateCommand) -> Result<Evaluation, String> {
    use crate::training_set::{load_pipelines, Role};
    let pipelines = load_pipelines(&cmd.data)?;
    let held_out = cmd.split.select(&pipelines, Role::HeldOut);
    if held_out.is_empty() {
        return Err(format!(
            "the held-out split (seed {}) has no pipelines among the {} loaded",
            cmd.split.seed,
            pipelines.len()
        ));
    }
    let source = autoschedule_gcn::model_file::file_source(&cmd.model.display().to_string())
        .map_err(|e| e.to_string())?;
    let model = autoschedule_gcn::model_file::load(&source).map_err(|e| e.to_string())?;
    let description = model.description.clone();
    let (baseline, baseline_normalization, baseline_split) =
        crate::baseline_net::BaselineNet::load(&cmd.baseline)
            .map_err(|e| format!("{}: {e}", cmd.baseline.display()))?;
    // Scoring pipelines a model was trained or validated on would flatter it: the split must
    // be the one both models recorded.
    let wanted = cmd.split.describe();
    let Some(recorded) = recorded_split(&cmd.model)? else {
        return Err(format!(
            "{} records no training split ({}): evaluate scores models written by `train`, \
             whose held-out pipelines it can tell apart from those they learned from",
            cmd.model.display(),
            crate::training_set::SPLIT_METADATA_KEY
        ));
    };
    for (file, split) in [
        (&cmd.model, recorded),
        (&cmd.baseline, baseline_split.describe()),
    ] {
        if split != wanted {
            return Err(format!(
                "{} was trained with the split `{split}`, not `{wanted}`: give evaluate the \
                 same --split-seed and fractions as train",
                file.display()
            ));
        }
    }
    let gcn_predictions = predict_onnx(model, &held_out)?;
    let baseline_predictions = predict_net(&baseline, &baseline_normalization, &held_out)?;
    let gcn = score(&held_out, &gcn_predictions);
    let base = score(&held_out, &baseline_predictions);
    let analytic_predictions = predict_analytic(&held_out)?;
    let analytic = score(&held_out, &analytic_predictions);

    let per_pipeline: Vec<PipelineScores> = held_out
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let measured: Vec<f64> = p.schedules.iter().map(|s| s.run_time_s).collect();
            let models = [
                &gcn_predictions[i],
                &baseline_predictions[i],
                &analytic_predictions[i],
            ];
            PipelineScores {
                id: p.id.clone(),
                tau: models.map(|m| kendall_tau(m, &measured).unwrap_or(f64::NAN)),
                regret: models.map(|m| top1_regret(m, &measured).unwrap_or(f64::NAN)),
            }
        })
        .collect();
    let points = |predictions: &Predictions| -> Vec<(f64, f64)> {
        held_out
            .iter()
            .zip(predictions)
            .flat_map(|(p, pr)| {
                p.schedules
                    .iter()
                    .zip(pr)
                    .map(|(s, v)| (s.run_time_s * 1e3, v * 1e3))
            })
            .collect()
    };
    let gcn_points = points(&gcn_predictions);
    let baseline_points = points(&baseline_predictions);
    if let Some(dir) = cmd.plot.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    crate::plot::scatter(
        &cmd.plot,
        "Held-out pipelines: predicted vs measured run time",
        &[
            crate::plot::Series {
                label: "GCN",
                points: &gcn_points,
            },
            crate::plot::Series {
                label: "baseline (per-stage MLP)",
                points: &baseline_points,
            },
        ],
    )?;
    // The report links the plot relative to itself when they share a folder.
    let plot_link = match (cmd.plot.parent(), cmd.report.parent()) {
        (Some(a), Some(b)) if a == b => cmd
            .plot
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => std::path::absolute(&cmd.plot)
            .unwrap_or_else(|_| cmd.plot.clone())
            .display()
            .to_string(),
    };
    let data_files: Vec<String> = cmd.data.iter().map(|d| d.display().to_string()).collect();
    let scores = Evaluation {
        gcn,
        baseline: base,
        analytic,
    };
    let text = report(&ReportInput {
        command: &cmd.command_line,
        data_files: &data_files,
        split_seed: cmd.split.seed,
        model_description: &description,
        scores: &scores,
        per_pipeline: &per_pipeline,
        plot_file: &plot_link,
    });
    write_report(&cmd.report, &text)?;
    Ok(scores)
}
