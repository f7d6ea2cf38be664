//! Training and evaluation end to end on a small real dataset (tests/data/four_pipelines: the
//! 96 schedules of `random_pipeline seed=0..4` from data/random/seeds-0000-0020.hgds.gz,
//! featurized again by `refeaturize` whenever the features change): the exported GCN
//! agrees with the trainer under tract, training is deterministic for a seed, `evaluate`
//! writes its report and plot, and bad datasets or splits are clear errors from the command.

use std::path::{Path, PathBuf};
use std::process::Command;

use halide_gcn_tools::evaluate::{run_evaluate, EvaluateCommand, Evaluation};
use halide_gcn_tools::train::Selection;
use halide_gcn_tools::train::TrainOptions;
use halide_gcn_tools::train_command::{run_train, TrainCommand, PARITY_TOLERANCE};
use halide_gcn_tools::training_set::Split;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/four_pipelines.hgds.gz")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// With 4 pipelines, this split has one for training, one for validation and two held out.
fn split() -> Split {
    Split {
        seed: 5,
        validation_fraction: 0.3,
        held_out_fraction: 0.3,
    }
}

fn train_into(dir: &Path, seed: u64) -> halide_gcn_tools::train_command::TrainSummary {
    train_with(dir, seed, Selection::Loss)
}

fn train_with(
    dir: &Path,
    seed: u64,
    selection: Selection,
) -> halide_gcn_tools::train_command::TrainSummary {
    run_train(&TrainCommand {
        data: vec![fixture()],
        out: dir.join("gcn.onnx"),
        baseline_out: dir.join("baseline.safetensors"),
        split: split(),
        options: TrainOptions {
            seed,
            max_epochs: 6,
            patience: 3,
            selection,
            ..TrainOptions::default()
        },
        hidden: 16,
        layers: 2,
        log_every: 0,
    })
    .unwrap_or_else(|e| panic!("training failed: {e}"))
}

fn evaluate_in(dir: &Path) -> Evaluation {
    run_evaluate(&EvaluateCommand {
        data: vec![fixture()],
        model: dir.join("gcn.onnx"),
        baseline: dir.join("baseline.safetensors"),
        split: split(),
        report: dir.join("model.md"),
        plot: dir.join("scatter.png"),
        command_line: "test".into(),
    })
    .unwrap_or_else(|e| panic!("evaluation failed: {e}"))
}

#[test]
fn training_exports_a_model_tract_agrees_with_and_is_deterministic() {
    let first = scratch("train-first");
    let summary = train_into(&first, 3);
    assert_eq!(
        (
            summary.train_pipelines,
            summary.validation_pipelines,
            summary.held_out_pipelines
        ),
        (1, 1, 2)
    );
    assert!(
        summary.parity <= PARITY_TOLERANCE,
        "parity {}",
        summary.parity
    );
    assert!(summary.gcn.epochs >= 1 && summary.gcn.best_epoch < summary.gcn.epochs);
    assert!(summary.gcn.best_validation_loss.is_finite());
    // Both models scored on both sets they learned from, one pipeline of 24 schedules each.
    let fit: Vec<(&str, &str, usize, usize)> = summary
        .fit
        .iter()
        .map(|(model, set, s)| (*model, *set, s.pipelines, s.samples))
        .collect();
    assert_eq!(
        fit,
        [
            ("GCN", "training", 1, 24),
            ("GCN", "validation", 1, 24),
            ("baseline", "training", 1, 24),
            ("baseline", "validation", 1, 24)
        ]
    );
    for (_, _, s) in &summary.fit {
        assert!(s.mape.is_finite() && (-1.0..=1.0).contains(&s.mean_tau) && s.mean_regret >= 1.0);
    }

    let scores = evaluate_in(&first);
    let gcn = &scores.gcn;
    for s in [&scores.gcn, &scores.baseline, &scores.analytic] {
        assert_eq!((s.pipelines, s.samples), (2, 48));
        assert!(s.mape.is_finite() && s.mape >= 0.0);
        assert!((-1.0..=1.0).contains(&s.mean_tau));
        assert!(s.mean_regret >= 1.0 && s.worst_regret >= s.mean_regret);
    }
    let report = std::fs::read_to_string(first.join("model.md")).unwrap();
    assert!(report.contains(&format!("{:.1}%", gcn.mape)), "{report}");
    // The analytic reference: its own row, scored on the same pipelines.
    assert!(
        report.contains(&format!("nothing learned) | {:.1}%", scores.analytic.mape)),
        "{report}"
    );
    assert!(report.contains("random_pipeline seed="), "{report}");
    let png = std::fs::read(first.join("scatter.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    // Another split would score pipelines the model trained on: refused.
    let err = run_evaluate(&EvaluateCommand {
        data: vec![fixture()],
        model: first.join("gcn.onnx"),
        baseline: first.join("baseline.safetensors"),
        split: Split { seed: 6, ..split() },
        report: first.join("other.md"),
        plot: first.join("other.png"),
        command_line: "test".into(),
    })
    .expect_err("evaluate accepted another split");
    assert!(err.contains("was trained with the split"), "{err}");
    // A model that records no split (init-model's untrained one): refused too.
    let untrained = first.join("untrained.onnx");
    let (ok, stderr) = tools(&["init-model", "--out", untrained.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let err = run_evaluate(&EvaluateCommand {
        data: vec![fixture()],
        model: untrained,
        baseline: first.join("baseline.safetensors"),
        split: split(),
        report: first.join("other.md"),
        plot: first.join("other.png"),
        command_line: "test".into(),
    })
    .expect_err("evaluate accepted a model without a recorded split");
    assert!(err.contains("records no training split"), "{err}");

    // The same seed again: the same model, byte for byte, and the same scores.
    let second = scratch("train-second");
    let again = train_into(&second, 3);
    assert_eq!(again.gcn.history, summary.gcn.history);
    assert_eq!(
        std::fs::read(first.join("gcn.onnx")).unwrap(),
        std::fs::read(second.join("gcn.onnx")).unwrap()
    );
    assert_eq!(evaluate_in(&second), scores);
}

fn tools(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_halide-gcn-tools"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "a panic instead of an error: {stderr}"
    );
    (out.status.success(), stderr)
}

fn train_on(file: &Path, extra: &[&str], dir: &Path) -> (bool, String) {
    let out = dir.join("gcn.onnx");
    let baseline = dir.join("baseline.safetensors");
    let mut args = vec![
        "train",
        "--data",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--baseline-out",
        baseline.to_str().unwrap(),
        "--max-epochs",
        "1",
    ];
    args.extend_from_slice(extra);
    tools(&args)
}

#[test]
fn bad_datasets_and_splits_are_clear_errors() {
    let dir = scratch("bad-input");
    let plain = dir.join("plain.hgds");
    // An uncompressed copy of the fixture, to cut and edit.
    let samples = halide_gcn_tools::dataset::read_dataset(&fixture()).unwrap();
    {
        let (mut writer, _) = halide_gcn_tools::dataset::DatasetWriter::open(&plain).unwrap();
        for s in &samples {
            writer.append(s).unwrap();
        }
    }
    let bytes = std::fs::read(&plain).unwrap();

    let truncated = dir.join("truncated.hgds");
    std::fs::write(&truncated, &bytes[..bytes.len() - 1000]).unwrap();
    let (ok, err) = train_on(&truncated, &[], &dir);
    assert!(
        !ok && err.contains("truncated.hgds") && err.contains("truncated"),
        "{err}"
    );

    let other_version = dir.join("version9.hgds");
    let mut edited = bytes.clone();
    edited[8..12].copy_from_slice(&9u32.to_le_bytes());
    std::fs::write(&other_version, &edited).unwrap();
    let (ok, err) = train_on(&other_version, &[], &dir);
    assert!(!ok && err.contains("version 9"), "{err}");

    let empty = dir.join("empty.hgds");
    std::fs::write(&empty, b"").unwrap();
    let (ok, err) = train_on(&empty, &[], &dir);
    assert!(
        !ok && err.contains("empty.hgds") && err.contains("empty"),
        "{err}"
    );

    // One sample of a pipeline measured on another machine: its times do not rank.
    let mixed = dir.join("mixed.hgds");
    {
        let (mut writer, _) = halide_gcn_tools::dataset::DatasetWriter::open(&mixed).unwrap();
        for (k, s) in samples.iter().enumerate() {
            let mut s = s.clone();
            if k == 1 {
                s.machine = "another machine".into();
            }
            writer.append(&s).unwrap();
        }
    }
    let (ok, err) = train_on(&mixed, &[], &dir);
    assert!(
        !ok && err.contains("another machine") && err.contains("one machine's data"),
        "{err}"
    );

    let header_only = dir.join("header_only.hgds");
    std::fs::write(&header_only, &bytes[..12]).unwrap();
    let (ok, err) = train_on(&header_only, &[], &dir);
    assert!(!ok && err.contains("no samples"), "{err}");

    // No pipeline held out: evaluate refuses; train refuses a split without validation.
    let (ok, err) = tools(&[
        "evaluate",
        "--data",
        plain.to_str().unwrap(),
        "--held-out-fraction",
        "0",
        "--model",
        "unused.onnx",
        "--baseline",
        "unused.safetensors",
    ]);
    assert!(
        !ok && err.contains("held-out split") && err.contains("no pipelines"),
        "{err}"
    );
    let (ok, err) = train_on(&plain, &["--validation-fraction", "0"], &dir);
    assert!(!ok && err.contains("no validation pipelines"), "{err}");
    let (ok, err) = train_on(&plain, &["--held-out-fraction", "1.5"], &dir);
    assert!(!ok && err.contains("--held-out-fraction"), "{err}");
    // Network shapes out of range are refused before anything is allocated.
    let (ok, err) = train_on(&plain, &["--layers", "9999999999"], &dir);
    assert!(
        !ok && err.contains("--layers") && err.contains("1..=16"),
        "{err}"
    );
    let (ok, err) = train_on(&plain, &["--hidden", "0"], &dir);
    assert!(!ok && err.contains("--hidden"), "{err}");
    assert!(!dir.join("gcn.onnx").exists(), "a failed run wrote a model");
}

#[test]
fn early_stopping_keeps_the_epoch_with_the_best_chosen_score() {
    let first_best = |scores: &[f64]| {
        (0..scores.len())
            .min_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)))
            .unwrap()
    };
    let dir = scratch("train-by-loss");
    let r = train_with(&dir, 4, Selection::Loss).gcn;
    let losses: Vec<f64> = r.history.iter().map(|h| h.1).collect();
    assert_eq!(r.best_epoch, first_best(&losses));
    assert_eq!(r.best_validation_loss, losses[r.best_epoch]);

    let dir = scratch("train-by-ranking");
    let r = train_with(&dir, 4, Selection::Ranking).gcn;
    assert_eq!(r.ranking_history.len(), r.history.len());
    assert_eq!(r.best_epoch, first_best(&r.ranking_history));
    assert_eq!(r.best_validation_ranking, r.ranking_history[r.best_epoch]);
    assert!(r.best_validation_ranking.is_finite());
}
