//! A line-per-fact text dump of what the autoscheduler sees in a pipeline: Funcs, stages and
//! loops, every edge's footprint per dimension (affine forms in the consumer's loop bounds)
//! with its value at root, every load's Jacobian and access pattern, and each stage's arithmetic.
//!
//! Written to the file named by `HALIDE_GCN_DUMP_DAG` when that variable is set: a debugging aid
//! for users reporting a bad schedule, and what the Dag-export tests read. Lines are stable
//! `key=value` records:
//!
//! ```text
//! func <name> index=<i> input=<0|1> output=<0|1> dims=<d0,d1> stages=<n>
//! stage <stage> loops=<innermost,...> extents=<e0,...>
//! ops <stage> computed=<operations per point> transcendental=<calls counted apart>
//! edge <producer> -> <stage> dim=<d> min=<form> max=<form> root=<min>..<max>
//! load <stage> <callee> pattern=<pattern> jacobian=<rows separated by ';', entries by ','>
//! ```

use crate::bounds::RootBounds;
use crate::dag::{access_pattern, jacobian, Bound, Dag};
use crate::expr::Rational;
use std::fmt::Write;

fn symbol_name(dag: &Dag, stage: usize, symbol: i64) -> String {
    let loops = &dag.stage(stage).loops;
    let var = loops
        .get((symbol / 2) as usize)
        .map(|l| l.var.as_str())
        .unwrap_or("?");
    format!("{var}.{}", if symbol % 2 == 0 { "min" } else { "max" })
}

fn bound_text(dag: &Dag, stage: usize, bound: &Bound) -> String {
    let Some(form) = bound.as_affine() else {
        return "general".to_string();
    };
    let mut text = String::new();
    for &(symbol, coeff) in &form.terms {
        if !text.is_empty() {
            text.push_str(if coeff < 0 { " - " } else { " + " });
        } else if coeff < 0 {
            text.push('-');
        }
        if coeff.abs() != 1 {
            let _ = write!(text, "{}*", coeff.abs());
        }
        text.push_str(&symbol_name(dag, stage, symbol));
    }
    if text.is_empty() {
        return form.constant.to_string();
    }
    if form.constant != 0 {
        let _ = write!(
            text,
            " {} {}",
            if form.constant < 0 { '-' } else { '+' },
            form.constant.abs()
        );
    }
    text
}

fn rational_text(r: Option<Rational>) -> String {
    match r {
        None => "?".to_string(),
        Some(r) if r.den == 1 => r.num.to_string(),
        Some(r) => format!("{}/{}", r.num, r.den),
    }
}

/// The dump of `dag` with its root bounds.
pub fn dump(dag: &Dag, bounds: &RootBounds) -> String {
    let mut out = String::new();
    for (f, func) in dag.raw.funcs.iter().enumerate() {
        let _ = writeln!(
            out,
            "func {} index={} input={} output={} dims={} stages={}",
            func.name,
            f,
            func.is_input as u8,
            func.is_output as u8,
            func.dims.join(","),
            func.num_stages
        );
    }
    for s in 0..dag.raw.stages.len() {
        let stage = dag.stage(s);
        let loops: Vec<&str> = stage.loops.iter().map(|l| l.var.as_str()).collect();
        let extents: Vec<String> = bounds.loops[s]
            .iter()
            .map(|l| l.extent().to_string())
            .collect();
        let _ = writeln!(
            out,
            "stage {} loops={} extents={}",
            dag.stage_name(s),
            loops.join(","),
            extents.join(",")
        );
        let _ = writeln!(
            out,
            "ops {} computed={} transcendental={}",
            dag.stage_name(s),
            dag.stage_ops[s],
            stage.transcendental_calls
        );
    }
    for (e, edge) in dag.raw.edges.iter().enumerate() {
        let s = edge.consumer_stage as usize;
        let producer = &dag.func(edge.producer as usize).name;
        for (d, pair) in dag.footprints[e].iter().enumerate() {
            let root = bounds.required[edge.producer as usize][d];
            let _ = writeln!(
                out,
                "edge {producer} -> {} dim={d} min={} max={} root={}..{}",
                dag.stage_name(s),
                bound_text(dag, s, &pair.min),
                bound_text(dag, s, &pair.max),
                root.min,
                root.max
            );
        }
    }
    for s in 0..dag.raw.stages.len() {
        let stage = dag.stage(s);
        for load in &stage.loads {
            let j = jacobian(&load.args, stage.loops.len());
            let rows: Vec<String> = j
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|&r| rational_text(r))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .collect();
            let _ = writeln!(
                out,
                "load {} {} pattern={:?} jacobian={}",
                dag.stage_name(s),
                dag.func(load.callee as usize).name,
                access_pattern(&j, stage.loops.len()),
                rows.join(";")
            );
        }
    }
    out
}
