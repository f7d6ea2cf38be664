//! Building what the benchmark and the collector run: Halide's location, generator binaries
//! (a folder of generator sources linked with Halide's GenGen), and RunGen runners for
//! generated libraries. Objects are rebuilt only when their sources are newer.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::run_checked;

/// Where Halide and the plugins live.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub repo: PathBuf,
    pub halide: PathBuf,
    pub halide_lib: PathBuf,
    pub gcn_plugin: PathBuf,
    pub work: PathBuf,
}

fn newer(output: &Path, inputs: &[PathBuf]) -> bool {
    let Ok(out) = std::fs::metadata(output).and_then(|m| m.modified()) else {
        return false;
    };
    inputs.iter().all(|i| {
        std::fs::metadata(i)
            .and_then(|m| m.modified())
            .map(|t| t <= out)
            .unwrap_or(false)
    })
}

impl Toolchain {
    /// Finds Halide (HALIDE_ROOT, else the checkout's .venv) and the Gcn plugin: `gcn_plugin`,
    /// else the checkout's release build.
    pub fn locate(
        repo: &Path,
        work: &Path,
        gcn_plugin: Option<&Path>,
    ) -> Result<Toolchain, String> {
        let halide = match std::env::var_os("HALIDE_ROOT") {
            Some(root) => PathBuf::from(root),
            None => {
                let out = Command::new(repo.join(".venv/bin/python"))
                    .args(["-c", "import halide; print(halide.install_dir())"])
                    .output()
                    .map_err(|e| {
                        format!(
                            "cannot run .venv/bin/python ({e}): run `bash scripts/bootstrap.sh`"
                        )
                    })?;
                PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
            }
        };
        let halide_lib = ["lib64", "lib"]
            .iter()
            .map(|d| halide.join(d))
            .find(|d| d.join("libHalide.so").exists())
            .ok_or_else(|| format!("no libHalide.so under {}", halide.display()))?;
        let gcn_plugin = match gcn_plugin {
            Some(p) if !p.exists() => {
                return Err(format!("the Gcn plugin {} does not exist", p.display()))
            }
            Some(p) => p.to_path_buf(),
            None => {
                let built = repo.join("target/release/libautoschedule_gcn.so");
                if !built.exists() {
                    return Err(format!(
                        "{} is missing: run `cargo build --release` first",
                        built.display()
                    ));
                }
                built
            }
        };
        std::fs::create_dir_all(work).map_err(|e| e.to_string())?;
        Ok(Toolchain {
            repo: repo.to_path_buf(),
            halide,
            halide_lib,
            gcn_plugin,
            work: work.to_path_buf(),
        })
    }

    /// The plugin file of a scheduler by its registered name.
    pub fn plugin_of(&self, scheduler: &str) -> PathBuf {
        match scheduler {
            "Gcn" => self.gcn_plugin.clone(),
            other => self
                .halide_lib
                .join(format!("libautoschedule_{}.so", other.to_lowercase())),
        }
    }

    fn cxx(&self) -> Command {
        let mut cmd = Command::new(std::env::var("CXX").unwrap_or_else(|_| "c++".into()));
        cmd.arg("-std=c++17")
            .arg(format!("-I{}", self.halide.join("include").display()));
        cmd
    }

    /// The generator binary `<work>/<name>.generator` holding every generator in `dir`
    /// (relative to the repository).
    pub fn generator(&self, dir: &str, name: &str) -> Result<PathBuf, String> {
        let dir = self.repo.join(dir);
        let mut sources: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "cpp"))
            .collect();
        sources.sort();
        let mut objects = Vec::new();
        for source in &sources {
            let object = self
                .work
                .join(source.file_stem().unwrap())
                .with_extension("o");
            if !newer(&object, std::slice::from_ref(source)) {
                run_checked(
                    self.cxx()
                        .args(["-O1", "-c"])
                        .arg(source)
                        .arg("-o")
                        .arg(&object),
                )?;
            }
            objects.push(object);
        }
        let binary = self.work.join(format!("{name}.generator"));
        if !newer(&binary, &objects) {
            run_checked(
                self.cxx()
                    .args(&objects)
                    .arg(self.halide_lib.join("libHalide_GenGen.a"))
                    .arg(format!("-L{}", self.halide_lib.display()))
                    .arg("-lHalide")
                    .arg(format!("-Wl,-rpath,{}", self.halide_lib.display()))
                    .args(["-lpthread", "-ldl", "-o"])
                    .arg(&binary),
            )?;
        }
        Ok(binary)
    }

    fn rungen_object(&self) -> Result<PathBuf, String> {
        let tools = self.halide.join("share/tools");
        let object = self.work.join("RunGenMain.o");
        if !object.exists() {
            run_checked(
                self.cxx()
                    .args(["-O2", "-DHALIDE_NO_PNG", "-DHALIDE_NO_JPEG"])
                    .arg(format!("-I{}", tools.display()))
                    .arg("-c")
                    .arg(tools.join("RunGenMain.cpp"))
                    .arg("-o")
                    .arg(&object),
            )?;
        }
        Ok(object)
    }

    /// Links `<dir>/<name>.a` with RunGen.
    pub fn runner(&self, dir: &Path, name: &str) -> Result<PathBuf, String> {
        let runner = dir.join(format!("{name}.run"));
        run_checked(
            self.cxx()
                .arg(self.rungen_object()?)
                .arg(dir.join(format!("{name}.registration.cpp")))
                .arg(dir.join(format!("{name}.a")))
                .args(["-lpthread", "-ldl", "-o"])
                .arg(&runner),
        )?;
        Ok(runner)
    }
}
