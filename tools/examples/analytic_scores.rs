//! Scores the analytic cost model (`cost_model=analytic`) on every pipeline of the given dataset
//! files, bench and random pipelines apart: mean Kendall τ, top-1 regret and MAPE as `evaluate`
//! reports them, and τ and regret per bench pipeline. Changes to src/analytic.rs are checked
//! with it: `cargo run --release -p halide-gcn-tools --example analytic_scores -- data/bench.hgds.gz data/random/*.hgds.gz`.
use halide_gcn_tools::evaluate::{predict_analytic, score};
use halide_gcn_tools::training_set::load_pipelines;
use std::path::PathBuf;

fn main() {
    let files: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let pipelines = load_pipelines(&files).unwrap();
    let all: Vec<_> = pipelines.iter().collect();
    let predictions = predict_analytic(&all).unwrap();
    for (name, bench) in [("bench", true), ("random", false)] {
        let (ps, pr): (Vec<_>, Vec<_>) = all
            .iter()
            .zip(&predictions)
            .filter(|(p, _)| p.is_bench() == bench)
            .map(|(p, pr)| (*p, pr.clone()))
            .unzip();
        let s = score(&ps, &pr);
        println!(
            "{name:6} pipelines {:4} tau {:.3} regret mean {:.3} geomean {:.3} mape {:.1}% median ape {:.1}%",
            s.pipelines, s.mean_tau, s.mean_regret, s.geomean_regret, s.mape, s.median_ape
        );
        if bench {
            for (p, pr) in ps.iter().zip(&pr) {
                let m: Vec<f64> = p.schedules.iter().map(|s| s.run_time_s).collect();
                println!(
                    "   {:28} tau {:6.3} regret {:.3}",
                    p.id,
                    halide_gcn_tools::metrics::kendall_tau(pr, &m).unwrap_or(f64::NAN),
                    halide_gcn_tools::metrics::top1_regret(pr, &m).unwrap_or(f64::NAN)
                );
            }
        }
    }
}
