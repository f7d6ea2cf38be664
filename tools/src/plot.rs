//! The predicted-vs-measured scatter plot of the evaluation (PNG, log-log, one colour per
//! model, the diagonal drawn). Text needs a TrueType font: the first of a few common system
//! fonts found is used (no font is shipped with the repository).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::FontStyle;

const FONT_CANDIDATES: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

fn register_system_font() -> Result<(), String> {
    for path in FONT_CANDIDATES {
        if let Ok(bytes) = std::fs::read(path) {
            // plotters keeps fonts for the process's life.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                return Ok(());
            }
        }
    }
    Err(format!(
        "the scatter plot needs a TrueType font for its labels and none was found (tried {})",
        FONT_CANDIDATES.join(", ")
    ))
}

/// One model's points: (measured, predicted) run times in milliseconds.
pub struct Series<'a> {
    pub label: &'a str,
    pub points: &'a [(f64, f64)],
}

/// Writes the scatter plot of `series` to `path` (PNG).
pub fn scatter(path: &Path, title: &str, series: &[Series]) -> Result<(), String> {
    register_system_font()?;
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for &(m, p) in all {
        for v in [m, p] {
            if v.is_finite() && v > 0.0 {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if !(lo.is_finite() && hi > 0.0) {
        return Err("nothing to plot".into());
    }
    let (lo, hi) = (lo / 1.5, hi * 1.5);
    let error = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let root = BitMapBackend::new(path, (900, 820)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d((lo..hi).log_scale(), (lo..hi).log_scale())
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .x_desc("measured run time (ms)")
        .y_desc("predicted run time (ms)")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(|e| error(&e))?;
    chart
        .draw_series(LineSeries::new([(lo, lo), (hi, hi)], BLACK.mix(0.6)))
        .map_err(|e| error(&e))?
        .label("predicted = measured")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK));
    let colours = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
    ];
    for (k, s) in series.iter().enumerate() {
        let colour = colours[k % colours.len()];
        chart
            .draw_series(
                s.points
                    .iter()
                    .filter(|(m, p)| *m > 0.0 && *p > 0.0 && p.is_finite())
                    .map(|&(m, p)| Circle::new((m, p.clamp(lo, hi)), 2, colour.mix(0.5).filled())),
            )
            .map_err(|e| error(&e))?
            .label(s.label)
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(|e| error(&e))?;
    root.present().map_err(|e| error(&e))
}
