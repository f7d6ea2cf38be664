//! Build script: finds Halide, compiles the C++ glue in `halide_glue/` together with the cxx
//! bridge (`src/bridge.rs`) against Halide's headers, and links the wheel's `libHalide.so` with
//! an rpath so that `libautoschedule_gcn.so` loads without LD_LIBRARY_PATH.
//!
//! Halide is looked up in this order: `HALIDE_ROOT`, then the project's own `.venv` (the PyPI
//! wheel `halide==21.0.0`, installed by `scripts/setup.sh`). The root it finds is exported to the
//! crate's tests as `HALIDE_GCN_HALIDE_ROOT`.

use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL_HINT: &str = "run `bash scripts/setup.sh` (installs halide==21.0.0 into .venv), \
or set HALIDE_ROOT to a Halide 21 install";

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

fn halide_root(manifest_dir: &Path) -> PathBuf {
    if let Some(root) = std::env::var_os("HALIDE_ROOT") {
        return PathBuf::from(root);
    }
    let python = manifest_dir.join(".venv/bin/python");
    if python.exists() {
        let out = Command::new(&python)
            .args(["-c", "import halide; print(halide.install_dir())"])
            .output();
        if let Ok(out) = out {
            if out.status.success() {
                let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !text.is_empty() {
                    return PathBuf::from(text);
                }
            }
        }
    }
    fail(&format!("Halide not found: {INSTALL_HINT}"));
}

fn halide_lib_dir(root: &Path) -> PathBuf {
    for candidate in ["lib64", "lib"] {
        let dir = root.join(candidate);
        if dir.join("libHalide.so").exists() {
            return dir;
        }
    }
    fail(&format!(
        "no libHalide.so under {}/lib64 or {}/lib: {INSTALL_HINT}",
        root.display(),
        root.display()
    ));
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=HALIDE_ROOT");
    println!("cargo:rerun-if-changed=src/bridge.rs");
    println!("cargo:rerun-if-changed=halide_glue");

    let root = halide_root(&manifest_dir);
    let include = root.join("include");
    if !include.join("Halide.h").exists() {
        fail(&format!(
            "no Halide.h under {}: {INSTALL_HINT}",
            include.display()
        ));
    }
    let lib_dir = halide_lib_dir(&root);

    let mut glue_sources: Vec<PathBuf> = std::fs::read_dir(manifest_dir.join("halide_glue"))
        .unwrap_or_else(|e| fail(&format!("cannot read halide_glue/: {e}")))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "cpp"))
        .collect();
    glue_sources.sort();

    // The glue holds the static registrar of the `Gcn` autoscheduler: nothing references it, so
    // the archive is linked whole or the registrar would be dropped from the cdylib.
    cxx_build::bridge("src/bridge.rs")
        .files(&glue_sources)
        .include(&include)
        .include(manifest_dir.join("halide_glue"))
        .std("c++17")
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-Wno-deprecated-declarations")
        .cargo_metadata(false)
        .compile("halide_gcn_glue");
    let out_dir = std::env::var("OUT_DIR").unwrap();
    println!("cargo:rustc-link-search=native={out_dir}");
    println!("cargo:rustc-link-lib=static:+whole-archive=halide_gcn_glue");
    println!("cargo:rustc-link-lib=dylib=stdc++");

    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=dylib=Halide");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    // For dependents (`links = "halide"`): they read DEP_HALIDE_LIB_DIR to set their rpath.
    println!("cargo:lib_dir={}", lib_dir.display());
    println!("cargo:rustc-env=HALIDE_GCN_HALIDE_ROOT={}", root.display());
}
