//! Rendering a figure with every panel kind and awkward data (NaN, empty series, log axes) to PNG and
//! SVG. The files are kept in the target's tmp dir for looking at them.

use std::path::PathBuf;

use ndarray::Array2;
use spikelearn_lab::plot::{figure_size, render_png, render_svg};
use spikelearn_lab::*;

fn showcase() -> Figure {
    let t: Vec<f64> = (0..400).map(|i| i as f64 * 2.5).collect();
    let target: Vec<f64> = t.iter().map(|&t| (t / 80.0).sin()).collect();
    let mut output: Vec<f64> = t
        .iter()
        .map(|&t| 0.9 * (t / 80.0).sin() + 0.05 * (t / 7.0).cos())
        .collect();
    output[100] = f64::NAN;
    output[101] = f64::INFINITY;
    let n: Vec<f64> = vec![100.0, 200.0, 500.0, 1000.0, 2000.0];
    let err: Vec<f64> = vec![0.3, 0.2, 0.1, 0.05, 0.02];
    let e: Vec<f64> = n.iter().map(|n| 30.0 / n).collect();
    let spikes: Vec<(f64, u32)> = (0..50u32)
        .flat_map(|row| (0..20).map(move |k| ((k as f64 * 47.0 + row as f64 * 13.0) % 1000.0, row)))
        .collect();
    let x: Vec<f64> = (0..30).map(|i| i as f64 * 0.1).collect();
    let y: Vec<f64> = (0..20).map(|j| j as f64 * 0.5).collect();
    let mut z = Array2::from_shape_fn((20, 30), |(j, i)| (x[i] * y[j]).sin());
    z[[3, 3]] = f64::NAN;
    Figure::new("showcase", "Showcase: every panel kind", 2)
        .panel(
            Panel::lines(
                "a  drive training (µ ± σ, τ = 50 ms)",
                "time (ms)",
                "synaptic drive u",
                vec![
                    Series::line("target", t.clone(), target, Color::Red),
                    Series::dashed("network", t.clone(), output, Color::Black),
                    Series::line("empty", Vec::<f64>::new(), Vec::<f64>::new(), Color::Green),
                ],
            )
            .with_labeled_span(0.0, 50.0, Color::Gray, "stimulus")
            .with_y_range(-1.5, 1.5),
        )
        .panel(
            Panel::lines(
                "b  error vs network size",
                "N",
                "test error",
                vec![
                    Series::line_points("measured", n.clone(), e.clone(), Color::Blue)
                        .with_err(err),
                    Series::points(
                        "theory",
                        n.clone(),
                        e.iter().map(|v| v * 1.2).collect::<Vec<_>>(),
                        Color::Palette(1),
                    ),
                ],
            )
            .with_log_x()
            .with_log_y(),
        )
        .panel(
            Panel::raster("c  spike raster", "time (ms)", "neuron", spikes, 50).with_span(
                200.0,
                400.0,
                Color::LightBlue,
            ),
        )
        .panel(
            Panel::heatmap("d  correlation", "g", "λ (1/s)", x, y, z, "Pearson r")
                .with_z_range(-1.0, 1.0),
        )
        .panel(Panel::lines("e  nothing at all", "x", "y", vec![]))
}

#[test]
fn renders_png_and_svg() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lab-plot");
    std::fs::create_dir_all(&dir).unwrap();
    let fig = showcase();
    assert_eq!(figure_size(&fig), (1040, 3 * 340 + 40));
    let png = dir.join("showcase.png");
    let svg = dir.join("showcase.svg");
    render_png(&fig, &png).unwrap();
    render_svg(&fig, &svg).unwrap();
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.contains("synaptic drive u") && svg_text.contains("Pearson r"));
}

#[test]
fn bad_heatmap_shape_is_an_error() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lab-plot");
    std::fs::create_dir_all(&dir).unwrap();
    let fig = Figure::new("bad", "", 1).panel(Panel::heatmap(
        "h",
        "x",
        "y",
        vec![0.0, 1.0],
        vec![0.0],
        Array2::zeros((2, 2)),
        "z",
    ));
    let e = render_png(&fig, &dir.join("bad.png")).unwrap_err();
    assert!(format!("{e:#}").contains("panel 0"), "{e:#}");
}
