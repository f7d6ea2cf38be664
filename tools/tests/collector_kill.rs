//! The collector survives SIGKILL: killed after it has written some samples, then run again
//! with the same command, it ends with every sample exactly once, the ones written before the
//! kill unchanged, and a file every reader accepts.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use halide_gcn_tools::dataset::{read_dataset, DatasetWriter};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn collector(out: &std::path::Path, work: &std::path::Path) -> Command {
    let repo = repo();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_halide-gcn-tools"));
    cmd.current_dir(&repo)
        .args([
            "collect",
            "--seeds",
            "100..102",
            "--stages",
            "3",
            "--schedules",
            "3",
        ])
        .args(["--repeats", "1", "--threads", "2", "--out"])
        .arg(out)
        .arg("--work")
        .arg(work)
        .arg("--plugin")
        .arg(repo.join("target/debug/libautoschedule_gcn.so"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[test]
fn killed_mid_run_and_restarted_it_loses_and_duplicates_nothing() {
    let dir = repo().join("target/tools-tests/kill");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("data.hgds");
    let work = dir.join("work");

    // Kill it once the first sample is on disk (and the next is being worked on).
    let mut child = collector(&out, &work).spawn().unwrap();
    let start = Instant::now();
    loop {
        let written = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        if written > 12 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the collector ended before writing"
        );
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "no sample within 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // What survived: intact records only (a cut tail is repaired, never read as a sample).
    let (writer, _) = DatasetWriter::open(&out).unwrap();
    let survived = writer.existing;
    drop(writer);
    let before = read_dataset(&out).unwrap();
    assert_eq!(before.len(), survived);
    assert!(survived >= 1);

    let status = collector(&out, &work).status().unwrap();
    assert!(status.success());
    let after = read_dataset(&out).unwrap();
    assert_eq!(after.len(), 6, "2 pipelines x 3 schedules");
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "samples written before the kill changed"
    );
    let mut keys: Vec<_> = after.iter().map(|s| s.key()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 6, "a sample is duplicated");
    for s in &after {
        assert!(s.run_time_ms > 0.0 && s.featurization.len() > 100, "{s:?}");
    }
}
