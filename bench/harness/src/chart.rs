//! The report's chart (docs/results/bench.png): per pipeline, each scheduler's best run time
//! relative to the fastest scheduler on that pipeline (1.0 = fastest; lower is better), as
//! grouped bars on a log scale. Drawn with plotters; text in the embedded DejaVu Sans.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;

use crate::report::PipelineResult;

const COLORS: [RGBColor; 5] = [
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
];

/// Draws the chart into `path` (PNG).
pub fn draw(
    path: &Path,
    pipelines: &[String],
    schedulers: &[String],
    results: &BTreeMap<String, PipelineResult>,
) -> Result<(), String> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "cannot load the embedded font".to_string())?;
    let rows: Vec<(String, Vec<Option<f64>>)> = pipelines
        .iter()
        .filter_map(|p| {
            let r = results.get(p)?;
            let times: Vec<Option<f64>> = schedulers
                .iter()
                .map(|s| r.schedulers.get(s).and_then(|x| x.best_ms()))
                .collect();
            let fastest = times
                .iter()
                .flatten()
                .copied()
                .fold(f64::INFINITY, f64::min);
            fastest.is_finite().then(|| {
                (
                    p.clone(),
                    times.iter().map(|t| t.map(|t| t / fastest)).collect(),
                )
            })
        })
        .collect();
    let worst = rows
        .iter()
        .flat_map(|(_, r)| r.iter().flatten())
        .copied()
        .fold(1.0, f64::max);

    let root = BitMapBackend::new(path, (1400, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let n = rows.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Run time relative to the fastest scheduler (lower is better)",
            ("sans-serif", 24),
        )
        .margin(20)
        .x_label_area_size(150)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..n as f64, (0.9f64..worst * 1.2).log_scale())
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc("time / fastest")
        .draw()
        .map_err(|e| e.to_string())?;
    let width = 0.8 / schedulers.len().max(1) as f64;
    for (k, scheduler) in schedulers.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let bars = rows.iter().enumerate().filter_map(|(i, (_, times))| {
            let t = times[k]?;
            let left = i as f64 + 0.1 + k as f64 * width;
            Some(Rectangle::new(
                [(left, 0.9), (left + width, t)],
                color.filled(),
            ))
        });
        chart
            .draw_series(bars)
            .map_err(|e| e.to_string())?
            .label(scheduler.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(|e| e.to_string())?;
    // Pipeline names under their groups, drawn where the axis puts each group's center.
    let label_style = ("sans-serif", 14)
        .into_font()
        .transform(FontTransform::Rotate90)
        .color(&BLACK);
    for (i, (name, _)) in rows.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.9));
        root.draw(&Text::new(
            name.clone(),
            (px - 7, py + 10),
            label_style.clone(),
        ))
        .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}
