// scratch: per-schedule measured vs analytic for one pipeline
use autoschedule_gcn::features::{StageFeatures, SCHEDULE_FEATURE_NAMES};
use halide_gcn_tools::training_set::load_pipelines;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let ps = load_pipelines(&[a[1].clone().into()]).unwrap();
    let p = ps.iter().find(|p| p.id == a[2]).unwrap();
    let s = SCHEDULE_FEATURE_NAMES.len();
    let m = autoschedule_gcn::analytic::AnalyticCostModel::new(p.threads);
    println!("{} stages {}", p.id, p.stages);
    let mut rows: Vec<_> = p.schedules.iter().collect();
    rows.sort_by(|x, y| x.run_time_s.partial_cmp(&y.run_time_s).unwrap());
    for sc in rows {
        let per: Vec<f64> = sc
            .features
            .chunks(s)
            .map(|r| m.stage_seconds(&StageFeatures::from_row(r).unwrap()))
            .collect();
        let tot: f64 = per.iter().sum();
        let inl: Vec<String> = sc
            .features
            .chunks(s)
            .map(|r| {
                if r[0] > 0.0 {
                    "i".into()
                } else if r[1] > 0.0 {
                    "R".into()
                } else {
                    "c".into()
                }
            })
            .collect();
        println!(
            "{:>10.3} ms  analytic {:>10.3} ms {} {} {}",
            sc.run_time_s * 1e3,
            tot * 1e3,
            if sc.noisy { "N" } else { " " },
            inl.join(""),
            sc.id
        );
        if a.len() > 3 && a[3] == sc.id {
            for (i, r) in sc.features.chunks(s).enumerate() {
                println!("   stage {i}: {:?} -> {:.3} ms", r, per[i] * 1e3);
            }
        }
    }
}
