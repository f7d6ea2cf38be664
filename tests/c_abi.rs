//! The public C ABI (include/halide_gcn.h and the C++ wrapper halide_gcn.hpp) used the way a
//! foreign search would: programs compiled with plain `cc` and `c++` against include/, linked
//! with libautoschedule_gcn.so, run end to end (tests/c_abi/use_model.c and .cpp).

mod support;

use std::process::Command;
use support::*;

/// Compiles `source` with `compiler` against include/ and the plugin library, runs it with the
/// embedded model's file as argument, and returns its stdout.
fn build_and_run(compiler: &str, source: &str, extra: &[&str]) -> String {
    let dir = fresh_dir(&format!("c-abi-{compiler}"));
    let exe = dir.join("use_model");
    let plugin = plugin_path();
    let lib_dir = plugin.parent().unwrap();
    let mut cmd = Command::new(compiler);
    cmd.args(extra)
        .arg(format!("-I{}", repo_root().join("include").display()))
        .arg(repo_root().join("tests/c_abi").join(source))
        .arg("-o")
        .arg(&exe)
        .arg(&plugin)
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lm");
    run_ok(&mut cmd);
    let out = run_ok(Command::new(&exe).arg(repo_root().join("models/gcn.onnx")));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_c_program_uses_the_abi_end_to_end() {
    let out = build_and_run("cc", "use_model.c", &["-std=c11", "-Wall", "-Werror"]);
    assert!(out.contains("C ABI: ok"), "{out}");
}

#[test]
fn a_cpp_program_uses_the_raii_wrapper_end_to_end() {
    let out = build_and_run("c++", "use_model.cpp", &["-std=c++17", "-Wall", "-Werror"]);
    assert!(out.contains("C++ ABI: ok"), "{out}");
}
