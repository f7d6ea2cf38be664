//! `refeaturize` on a dataset the collector just measured, with the plugin that measured it:
//! every schedule rebuilds from its recorded loop nest to the recorded featurization, the
//! measurements are carried over untouched, and a rerun resumes. Recorded values that differ
//! from what the nest gives are reported per column and replaced. Samples without a nest (as
//! recorded before featurization version 2) are searched for again from their ids and gain
//! their nest; one whose recorded features no longer match what its ids rebuild is left out
//! with a clear message and a failing exit status.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use autoschedule_gcn::featurization::Featurization;
use halide_gcn_tools::dataset::{read_dataset, DatasetWriter};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn plugin() -> PathBuf {
    repo().join("target/debug/libautoschedule_gcn.so")
}

fn tools(args: &[&str], paths: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_halide-gcn-tools"));
    cmd.current_dir(repo()).args(args);
    for (flag, path) in paths {
        cmd.arg(flag).arg(path);
    }
    cmd.output().unwrap()
}

fn refeaturize(data: &Path, out: &Path, work: &Path) -> (bool, String) {
    let output = tools(
        &["refeaturize"],
        &[
            ("--data", data),
            ("--out", out),
            ("--work", work),
            ("--plugin", &plugin()),
        ],
    );
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).to_string()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

#[test]
fn a_fresh_dataset_refeaturizes_to_itself_and_a_changed_one_is_refused() {
    let dir = repo().join("target/tools-tests/refeaturize");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let measured = dir.join("measured.hgds");
    let work = dir.join("work");
    let collected = tools(
        &[
            "collect",
            "--seeds",
            "7..8",
            "--stages",
            "4",
            "--schedules",
            "3",
            "--repeats",
            "1",
            "--threads",
            "2",
        ],
        &[
            ("--out", &measured),
            ("--work", &work),
            ("--plugin", &plugin()),
        ],
    );
    assert!(
        collected.status.success(),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );
    let original = read_dataset(&measured).unwrap();
    assert_eq!(original.len(), 3);

    // Rebuilt with the plugin that measured them: the same bytes, the same measurements.
    let out = dir.join("refeaturized.hgds");
    let (ok, log) = refeaturize(&measured, &out, &work);
    assert!(ok, "{log}");
    assert!(
        log.contains(
            "3 rebuilt as recorded, 0 with added columns or changed values (3 from their \
             recorded loop nest"
        ),
        "{log}"
    );
    assert_eq!(read_dataset(&out).unwrap(), original);

    // Run again: everything is already there.
    let (ok, log) = refeaturize(&measured, &out, &work);
    assert!(ok, "{log}");
    assert!(log.contains("3 samples already in"), "{log}");

    // The second sample records other feature values than its nest gives (as after a change
    // of a feature's definition): reported by column, and replaced by the current values.
    let redefined = dir.join("redefined.hgds");
    write_altered(&redefined, &original, |f, k| {
        if k == 1 {
            f.stages[0].schedule_features[2] += 1.0;
        }
    });
    let out = dir.join("from-redefined.hgds");
    let (ok, log) = refeaturize(&redefined, &out, &work);
    assert!(ok, "{log}");
    assert!(
        log.contains("2 rebuilt as recorded, 1 with added columns or changed values (3 from"),
        "{log}"
    );
    assert!(
        log.contains("schedule num_realizations: values changed in 1 samples"),
        "{log}"
    );
    assert_eq!(read_dataset(&out).unwrap(), original);

    // Without nests: searched for again, and they gain their nests.
    let without_nests = dir.join("without-nests.hgds");
    write_altered(&without_nests, &original, |f, _| f.loop_nest.clear());
    let out = dir.join("from-without-nests.hgds");
    let (ok, log) = refeaturize(&without_nests, &out, &work);
    assert!(ok, "{log}");
    assert!(log.contains("0 from their recorded loop nest"), "{log}");
    assert_eq!(read_dataset(&out).unwrap(), original);

    // Without a nest, the second sample's changed value means its ids rebuild another schedule.
    let tampered = dir.join("tampered.hgds");
    write_altered(&tampered, &original, |f, k| {
        f.loop_nest.clear();
        if k == 1 {
            f.stages[0].schedule_features[2] += 1.0;
        }
    });
    let out = dir.join("from-tampered.hgds");
    let (ok, log) = refeaturize(&tampered, &out, &work);
    assert!(!ok, "a changed sample must fail the run: {log}");
    assert!(
        log.contains(&format!(
            "{} | {}: left out: schedule feature `num_realizations` of stage",
            original[1].pipeline, original[1].schedule
        )),
        "{log}"
    );
    assert!(log.contains("1 samples no longer rebuild"), "{log}");
    let kept = read_dataset(&out).unwrap();
    assert_eq!(kept, vec![original[0].clone(), original[2].clone()]);
}

/// Writes `samples` to `path` with each featurization changed by `alter` (given the sample's
/// position).
fn write_altered(
    path: &Path,
    samples: &[halide_gcn_tools::dataset::Sample],
    alter: impl Fn(&mut Featurization, usize),
) {
    let (mut writer, _) = DatasetWriter::open(path).unwrap();
    for (k, sample) in samples.iter().enumerate() {
        let mut sample = sample.clone();
        let mut f = Featurization::from_bytes(&sample.featurization).unwrap();
        alter(&mut f, k);
        sample.featurization = f.to_bytes();
        writer.append(&sample).unwrap();
    }
}
