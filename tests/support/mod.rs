//! Shared machinery of the integration tests: the real Halide from the project's `.venv`, the
//! built plugin, the test-pipeline generator binary (tests/pipelines/*.cpp linked with Halide's
//! GenGen), RunGen runners, and exact output comparison.
//!
//! Everything is built under `target/<profile>/hgcn-tests/` and rebuilt only when its sources
//! change. Every child process is checked for death by signal: a test that sees one fails,
//! whatever the exit code would have been.
#![allow(dead_code)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

/// Calls `$m!` with the name of every test pipeline that is compared with its unscheduled
/// output (tests/pipelines/, all but the bad-input ones), so every suite covers the same list.
#[macro_export]
macro_rules! with_test_pipelines {
    ($m:ident) => {
        $m!(
            pointwise_mixed,
            separable_blur,
            stencil_chain,
            pyramid,
            histogram,
            boundary,
            scalar_param,
            matmul,
            conv_relu,
            max_pool,
            scan,
            multi_output,
            tuple_func,
            multi_update,
            diamond,
            transpose,
            lookup_table,
            gamma_curve,
        );
    };
}

/// The target every correctness comparison compiles for (DESIGN §10: strict_float so that
/// scheduled and unscheduled code round identically).
pub const TARGET: &str = "host-strict_float";

pub fn halide_root() -> PathBuf {
    PathBuf::from(env!("HALIDE_GCN_HALIDE_ROOT"))
}

pub fn halide_lib_dir() -> PathBuf {
    let root = halide_root();
    if root.join("lib64/libHalide.so").exists() {
        root.join("lib64")
    } else {
        root.join("lib")
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>`, the folder of the test binary's `deps/`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// The plugin cargo built alongside this test binary.
pub fn plugin_path() -> PathBuf {
    let path = profile_dir().join("libautoschedule_gcn.so");
    assert!(
        path.exists(),
        "plugin not built at {}: run `cargo build` before `cargo test` (scripts/test.sh does both)",
        path.display()
    );
    path
}

pub fn python() -> PathBuf {
    repo_root().join(".venv/bin/python")
}

pub fn build_dir() -> PathBuf {
    let dir = profile_dir().join("hgcn-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh, empty folder for one test.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = build_dir().join("work").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command; panics if it could not start or was killed by a signal.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if let Some(signal) = out.status.signal() {
        panic!(
            "{cmd:?} was killed by signal {signal}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// Runs a command and requires exit status 0.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn newest_mtime(paths: &[PathBuf]) -> std::time::SystemTime {
    paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max()
        .unwrap_or(std::time::UNIX_EPOCH)
}

fn is_stale(output: &Path, inputs: &[PathBuf]) -> bool {
    match std::fs::metadata(output).and_then(|m| m.modified()) {
        Ok(t) => t < newest_mtime(inputs),
        Err(_) => true,
    }
}

fn cxx() -> Command {
    let mut cmd = Command::new(std::env::var("CXX").unwrap_or_else(|_| "c++".into()));
    cmd.arg("-std=c++17")
        .arg(format!("-I{}", halide_root().join("include").display()));
    cmd
}

/// Links objects with libHalide (rpath set) into an executable.
pub fn link_with_halide(objects: &[PathBuf], extra: &[&str], output: &Path) {
    let mut cmd = cxx();
    cmd.args(objects)
        .args(extra)
        .arg(format!("-L{}", halide_lib_dir().display()))
        .arg("-lHalide")
        .arg(format!("-Wl,-rpath,{}", halide_lib_dir().display()))
        .args(["-lpthread", "-ldl", "-o"])
        .arg(output);
    run_ok(&mut cmd);
}

/// Compiles one C++ source to an object if it changed (extra headers count as inputs).
pub fn compile_object(source: &Path, flags: &[&str], headers: &[PathBuf], object: &Path) {
    let mut inputs = vec![source.to_path_buf()];
    inputs.extend_from_slice(headers);
    if is_stale(object, &inputs) {
        let mut cmd = cxx();
        cmd.args(flags).arg("-c").arg(source).arg("-o").arg(object);
        run_ok(&mut cmd);
    }
}

fn pipeline_sources() -> Vec<PathBuf> {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/pipelines"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cpp"))
        .collect();
    sources.sort();
    sources
}

static BUILD_LOCK: Mutex<()> = Mutex::new(());

/// The generator binary holding every test pipeline (built once per process, if stale).
pub fn generator_binary() -> PathBuf {
    static GENERATOR: OnceLock<PathBuf> = OnceLock::new();
    GENERATOR
        .get_or_init(|| {
            let _guard = BUILD_LOCK.lock().unwrap();
            let dir = build_dir().join("pipelines");
            std::fs::create_dir_all(&dir).unwrap();
            let mut objects = Vec::new();
            for source in pipeline_sources() {
                let object = dir.join(source.file_stem().unwrap()).with_extension("o");
                compile_object(&source, &["-O1", "-fno-omit-frame-pointer"], &[], &object);
                objects.push(object);
            }
            let binary = dir.join("test_pipelines.generator");
            if is_stale(&binary, &objects) {
                objects.push(halide_lib_dir().join("libHalide_GenGen.a"));
                link_with_halide(&objects, &[], &binary);
            }
            binary
        })
        .clone()
}

/// RunGenMain.cpp compiled once: links with any generated library into a runner.
pub fn rungen_object() -> PathBuf {
    static OBJECT: OnceLock<PathBuf> = OnceLock::new();
    OBJECT
        .get_or_init(|| {
            let _guard = BUILD_LOCK.lock().unwrap();
            let tools = halide_root().join("share/tools");
            let object = build_dir().join("RunGenMain.o");
            compile_object(
                &tools.join("RunGenMain.cpp"),
                &[
                    "-O1",
                    "-DHALIDE_NO_PNG",
                    "-DHALIDE_NO_JPEG",
                    &format!("-I{}", tools.display()),
                ],
                &[],
                &object,
            );
            object
        })
        .clone()
}

/// Runs the test-pipeline generator for `pipeline` into `dir`, emitting a static library,
/// header and registration (plus `emit` extras). `scheduler_args` are the autoscheduler
/// arguments (empty for the unscheduled reference).
pub fn generate(pipeline: &str, dir: &Path, emit: &[&str], scheduler_args: &[String]) -> Output {
    let mut emits = vec!["static_library", "c_header", "registration"];
    emits.extend_from_slice(emit);
    let mut cmd = generator_command(&generator_binary(), pipeline, dir, &emits, TARGET);
    cmd.args(scheduler_args);
    run(&mut cmd)
}

/// `<generator> -g <pipeline> -f <pipeline> -e <emits> -o <dir> target=<target>`.
pub fn generator_command(
    generator: &Path,
    pipeline: &str,
    dir: &Path,
    emits: &[&str],
    target: &str,
) -> Command {
    let mut cmd = Command::new(generator);
    cmd.args(["-g", pipeline, "-f", pipeline, "-e", &emits.join(",")])
        .arg("-o")
        .arg(dir)
        .arg(format!("target={target}"));
    cmd
}

/// `-p <plugin> autoscheduler=Gcn autoscheduler.<k>=<v>...`. With
/// `HALIDE_GCN_TEST_COST_MODEL=gcn` in the environment (and no cost model or model file among
/// `params`), every run uses that cost model: `scripts/test.sh` runs the correctness and search
/// suites once more that way.
pub fn gcn_args(params: &[(&str, &str)]) -> Vec<String> {
    let mut args = vec![
        "-p".to_string(),
        plugin_path().display().to_string(),
        "autoscheduler=Gcn".to_string(),
    ];
    args.extend(params.iter().map(|(k, v)| format!("autoscheduler.{k}={v}")));
    let chooses_model = params
        .iter()
        .any(|(k, _)| *k == "cost_model" || *k == "model_path");
    if let Ok(model) = std::env::var("HALIDE_GCN_TEST_COST_MODEL") {
        if !chooses_model {
            args.push(format!("autoscheduler.cost_model={model}"));
        }
    }
    args
}

/// Links `<dir>/<pipeline>.a` with RunGen into a runner program.
pub fn build_runner(pipeline: &str, dir: &Path) -> PathBuf {
    let runner = dir.join(format!("{pipeline}.run"));
    let mut cmd = cxx();
    cmd.arg(rungen_object())
        .arg(dir.join(format!("{pipeline}.registration.cpp")))
        .arg(dir.join(format!("{pipeline}.a")))
        .args(["-lpthread", "-ldl", "-o"])
        .arg(&runner);
    run_ok(&mut cmd);
    runner
}

/// Output names a RunGen runner reports.
pub fn runner_outputs(runner: &Path) -> Vec<String> {
    let out = run_ok(Command::new(runner).arg("--describe"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("Output \"")
                .and_then(|r| r.split('"').next())
        })
        .map(str::to_string)
        .collect()
}

/// Runs a runner on seeded random inputs at the estimated sizes; returns each output's bytes
/// (the .npy file, header included: it records type and shape).
pub fn run_outputs(runner: &Path, dir: &Path, seed: u32) -> Vec<(String, Vec<u8>)> {
    let outputs = runner_outputs(runner);
    assert!(
        !outputs.is_empty(),
        "{} reports no outputs",
        runner.display()
    );
    let mut cmd = Command::new(runner);
    cmd.arg(format!("--default_input_buffers=random:{seed}:estimate"))
        .arg("--default_input_scalars=estimate")
        .arg("--output_extents=estimate");
    let files: Vec<PathBuf> = outputs
        .iter()
        .map(|o| dir.join(format!("{o}.npy")))
        .collect();
    for (name, file) in outputs.iter().zip(&files) {
        cmd.arg(format!("{name}={}", file.display()));
    }
    run_ok(&mut cmd);
    outputs
        .into_iter()
        .zip(files)
        .map(|(name, file)| (name, std::fs::read(&file).expect("runner wrote its output")))
        .collect()
}

/// The unscheduled pipeline's outputs (cached per process and pipeline).
pub fn reference_outputs(pipeline: &str) -> Vec<(String, Vec<u8>)> {
    static CACHE: OnceLock<Mutex<std::collections::HashMap<String, Vec<(String, Vec<u8>)>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap().get(pipeline) {
        return hit.clone();
    }
    let dir = fresh_dir(&format!("{pipeline}-reference"));
    let out = generate(pipeline, &dir, &[], &[]);
    assert!(
        out.status.success(),
        "reference build of {pipeline} failed:\n{}",
        stderr_of(&out)
    );
    let runner = build_runner(pipeline, &dir);
    let outputs = run_outputs(&runner, &dir, 1);
    cache
        .lock()
        .unwrap()
        .insert(pipeline.to_string(), outputs.clone());
    outputs
}

/// Requires two sets of outputs to be byte-identical, naming the first difference.
pub fn assert_same_outputs(what: &str, got: &[(String, Vec<u8>)], want: &[(String, Vec<u8>)]) {
    assert_eq!(
        got.iter().map(|o| &o.0).collect::<Vec<_>>(),
        want.iter().map(|o| &o.0).collect::<Vec<_>>(),
        "{what}: different outputs"
    );
    for ((name, a), (_, b)) in got.iter().zip(want) {
        assert_eq!(
            a.len(),
            b.len(),
            "{what}: output {name} has a different size"
        );
        if let Some(i) = a.iter().zip(b.iter()).position(|(x, y)| x != y) {
            panic!(
                "{what}: output {name} differs from the unscheduled pipeline at byte {i} of {}",
                a.len()
            );
        }
    }
}

/// Schedules `pipeline` with Gcn and `params`, runs it, and checks its outputs against the
/// unscheduled pipeline's. Returns the folder holding the generated files.
pub fn check_gcn_matches_reference(
    pipeline: &str,
    params: &[(&str, &str)],
    emit: &[&str],
) -> PathBuf {
    let reference = reference_outputs(pipeline);
    let tag: String = params.iter().map(|(k, v)| format!("-{k}{v}")).collect();
    let dir = fresh_dir(&format!("{pipeline}-gcn{tag}"));
    let out = generate(pipeline, &dir, emit, &gcn_args(params));
    assert!(
        out.status.success(),
        "Gcn build of {pipeline} failed:\n{}",
        stderr_of(&out)
    );
    let runner = build_runner(pipeline, &dir);
    let got = run_outputs(&runner, &dir, 1);
    assert_same_outputs(&format!("{pipeline} scheduled by Gcn"), &got, &reference);
    dir
}
