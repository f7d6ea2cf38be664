//! The collector (and `remeasure`) refuse arguments out of range before they build or measure
//! anything: a clear error naming the argument and its range, nothing written.

use std::process::Command;

fn collect_with(extra: &[&str], out: &std::path::Path) -> (bool, String) {
    let work = out.with_extension("work");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let result = Command::new(env!("CARGO_BIN_EXE_halide-gcn-tools"))
        .current_dir(repo)
        .args(["collect", "--seeds", "0..1", "--out"])
        .arg(out)
        .arg("--work")
        .arg(&work)
        .args(extra)
        .output()
        .unwrap();
    (
        result.status.success(),
        String::from_utf8_lossy(&result.stderr).into_owned(),
    )
}

#[test]
fn out_of_range_arguments_are_refused_up_front() {
    let dir = std::env::temp_dir().join(format!("hgcn-collect-args-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("never.hgds");
    for (args, named, range) in [
        (["--jobs", "0"], "--jobs", "1..=64"),
        (["--threads", "0"], "--threads", "1..=1024"),
        (["--repeats", "0"], "--repeats", "1..=100"),
        (["--schedules", "0"], "--schedules", "1..=1000"),
        (["--dropout", "101"], "--dropout", "1..=100"),
        (["--stages", "1"], "--stages", "2 to 40"),
        (["--stages", "41"], "--stages", "2 to 40"),
    ] {
        let (ok, err) = collect_with(&args, &out);
        assert!(
            !ok && err.contains(named) && err.contains(range),
            "{args:?}: {err}"
        );
        assert!(!out.exists(), "{args:?} wrote a dataset");
    }
    // A plugin that is not there (as `noise --plugin` checks it too).
    let (ok, err) = collect_with(&["--plugin", "/nonexistent/plugin.so"], &out);
    assert!(
        !ok && err.contains("/nonexistent/plugin.so") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn remeasure_refuses_out_of_range_arguments_up_front() {
    let dir = std::env::temp_dir().join(format!("hgcn-remeasure-args-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("never.md");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (args, named, range) in [
        (["--pipelines", "0"], "--pipelines", "1..=1000"),
        (["--jobs", "0"], "--jobs", "1..=64"),
        (["--repeats", "0"], "--repeats", "1..=100"),
    ] {
        let result = Command::new(env!("CARGO_BIN_EXE_halide-gcn-tools"))
            .current_dir(&repo)
            .args([
                "remeasure",
                "--data",
                "tools/tests/data/four_pipelines.hgds.gz",
            ])
            .arg("--report")
            .arg(&report)
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&result.stderr);
        assert!(
            !result.status.success() && err.contains(named) && err.contains(range),
            "{args:?}: {err}"
        );
        assert!(!report.exists(), "{args:?} wrote a report");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
