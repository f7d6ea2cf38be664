//! Running a generated library on seeded random inputs at its estimated sizes and comparing its
//! outputs byte for byte (.npy files, header included) with a reference run.

use std::path::Path;
use std::process::Command;

use crate::process::run_checked;

/// Output names a RunGen runner reports.
fn output_names(runner: &Path) -> Result<Vec<String>, String> {
    let text = run_checked(Command::new(runner).arg("--describe"))?;
    Ok(text
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("Output \"")
                .and_then(|r| r.split('"').next())
        })
        .map(str::to_string)
        .collect())
}

/// Every output's bytes after one run on inputs drawn with `seed`.
pub fn run_outputs(runner: &Path, dir: &Path, seed: u32) -> Result<Vec<(String, Vec<u8>)>, String> {
    let names = output_names(runner)?;
    let mut cmd = Command::new(runner);
    cmd.arg(format!("--default_input_buffers=random:{seed}:estimate"))
        .arg("--default_input_scalars=estimate")
        .arg("--output_extents=estimate");
    for name in &names {
        cmd.arg(format!(
            "{name}={}",
            dir.join(format!("{name}.npy")).display()
        ));
    }
    run_checked(&mut cmd)?;
    names
        .into_iter()
        .map(|name| {
            let bytes =
                std::fs::read(dir.join(format!("{name}.npy"))).map_err(|e| e.to_string())?;
            Ok((name, bytes))
        })
        .collect()
}

/// None when identical, else where they first differ.
pub fn first_difference(got: &[(String, Vec<u8>)], want: &[(String, Vec<u8>)]) -> Option<String> {
    if got.len() != want.len() {
        return Some(format!("{} outputs instead of {}", got.len(), want.len()));
    }
    for ((name, a), (_, b)) in got.iter().zip(want) {
        if a.len() != b.len() {
            return Some(format!(
                "output {name} has {} bytes instead of {}",
                a.len(),
                b.len()
            ));
        }
        if let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) {
            return Some(format!("output {name} differs at byte {i}"));
        }
    }
    None
}
