//! Rendering [`Figure`]s to PNG and SVG with plotters.
//!
//! Text uses DejaVu Sans embedded from the `dejavu` crate (registered once with plotters' `ab_glyph`
//! support under the generic family `sans-serif`), so PNGs render identically on machines without any
//! system fonts; SVGs name `sans-serif` so viewers substitute their own sans font.
//!
//! Non-finite points are skipped (a NaN breaks a line into segments), empty series draw nothing, and on
//! log axes non-positive values are skipped.

use std::path::Path;
use std::sync::Once;

use anyhow::{Context as _, anyhow, bail};
use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::Color as _;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::{Color, Figure, Panel, PanelKind, Series, Style};

/// The font family every text element uses (DejaVu Sans, see [`register_fonts`]).
pub const FONT_FAMILY: &str = "sans-serif";

/// Height in pixels reserved for the figure title.
const TITLE_HEIGHT: u32 = 40;
/// Width in pixels of a heatmap's colour bar area.
const COLORBAR_WIDTH: u32 = 100;

static REGISTER: Once = Once::new();

/// Registers the embedded DejaVu fonts with plotters (idempotent; called by the render functions).
pub fn register_fonts() {
    REGISTER.call_once(|| {
        let sans = [
            (FontStyle::Normal, dejavu::sans::regular()),
            (FontStyle::Bold, dejavu::sans::bold()),
            (FontStyle::Oblique, dejavu::sans::oblique()),
            (FontStyle::Italic, dejavu::sans::oblique()),
        ];
        for family in [FONT_FAMILY, "DejaVu Sans", "serif"] {
            for (style, bytes) in sans {
                let ok = plotters::style::register_font(family, style, bytes).is_ok();
                assert!(ok, "the embedded DejaVu Sans font must parse");
            }
        }
        let ok = plotters::style::register_font(
            "monospace",
            FontStyle::Normal,
            dejavu::sans_mono::regular(),
        )
        .is_ok();
        assert!(ok, "the embedded DejaVu Sans Mono font must parse");
    });
}

/// Total pixel size of a rendered figure: `ncols × nrows` panels plus the title band.
pub fn figure_size(fig: &Figure) -> (u32, u32) {
    let ncols = fig.ncols.max(1).min(fig.panels.len().max(1)) as u32;
    let nrows = fig.nrows().max(1) as u32;
    let title = if fig.title.is_empty() {
        0
    } else {
        TITLE_HEIGHT
    };
    (fig.panel_size.0 * ncols, fig.panel_size.1 * nrows + title)
}

/// Renders `fig` to a PNG file.
pub fn render_png(fig: &Figure, path: &Path) -> anyhow::Result<()> {
    register_fonts();
    let root = BitMapBackend::new(path, figure_size(fig)).into_drawing_area();
    draw_figure(&root, fig)?;
    root.present()
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))
}

/// Renders `fig` to an SVG file.
pub fn render_svg(fig: &Figure, path: &Path) -> anyhow::Result<()> {
    register_fonts();
    let root = SVGBackend::new(path, figure_size(fig)).into_drawing_area();
    draw_figure(&root, fig)?;
    root.present()
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))
}

fn derr<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing failed: {e:?}")
}

fn rgb(c: Color) -> RGBColor {
    let (r, g, b) = c.rgb();
    RGBColor(r, g, b)
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size).into_font())
}

fn bold_font(size: u32) -> TextStyle<'static> {
    TextStyle::from(FontDesc::new(
        FontFamily::Name(FONT_FAMILY),
        f64::from(size),
        FontStyle::Bold,
    ))
}

fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
) -> anyhow::Result<()> {
    root.fill(&WHITE).map_err(derr)?;
    let body = if fig.title.is_empty() {
        root.clone()
    } else {
        let (top, body) = root.split_vertically(TITLE_HEIGHT);
        let (w, _) = top.dim_in_pixel();
        top.draw(&Text::new(
            fig.title.clone(),
            (w as i32 / 2, TITLE_HEIGHT as i32 / 2),
            bold_font(20).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(derr)?;
        body
    };
    if fig.panels.is_empty() {
        return Ok(());
    }
    let ncols = fig.ncols.max(1).min(fig.panels.len());
    let cells = body.split_evenly((fig.nrows(), ncols));
    for (i, (panel, cell)) in fig.panels.iter().zip(cells.iter()).enumerate() {
        draw_panel(cell, panel)
            .with_context(|| format!("figure `{}`, panel {i} `{}`", fig.name, panel.title))?;
    }
    Ok(())
}

/// Finite (and, on log axes, positive) values.
fn usable(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

/// The (lo, hi) of the usable values, padded by `pad` of the span (multiplicatively on log axes);
/// degenerate or empty data get a unit-wide range.
fn auto_range(values: impl Iterator<Item = f64>, log: bool, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|&v| usable(v, log)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        if lo == hi {
            return (lo / 2.0, hi * 2.0);
        }
        let f = (hi / lo).powf(pad);
        (lo / f, hi * f)
    } else {
        if lo == hi {
            let d = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
            return (lo - d, hi + d);
        }
        let d = (hi - lo) * pad;
        (lo - d, hi + d)
    }
}

/// Tick positions for a log axis over `[lo, hi]` (0 < lo < hi): decades, refined to 1-2-5 or 1..9 per
/// decade when fewer than three would show, thinned when more than eight would.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let inside = |mantissas: &[f64]| -> Vec<f64> {
        (d0..=d1)
            .flat_map(|d| mantissas.iter().map(move |m| m * 10f64.powi(d)))
            .filter(|&v| v >= lo * (1.0 - 1e-12) && v <= hi * (1.0 + 1e-12))
            .collect()
    };
    let decades = inside(&[1.0]);
    if decades.len() >= 3 {
        let step = decades.len().div_ceil(8);
        return decades.into_iter().step_by(step).collect();
    }
    let t125 = inside(&[1.0, 2.0, 5.0]);
    if t125.len() >= 3 {
        return t125;
    }
    inside(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
}

/// The range handed to [`fmt_tick`]: the axis range on linear axes, an empty span on log axes (so that only
/// an exact 0 prints as `0`).
fn tick_span(range: (f64, f64), log: bool) -> (f64, f64) {
    if log { (0.0, 0.0) } else { range }
}

/// Formats a tick label compactly: `200` not `200.0`, `0.05`, `1e-4`; values within 1e-9 of the axis
/// span around zero print as `0`.
fn fmt_tick(v: f64, range: (f64, f64)) -> String {
    let span = (range.1 - range.0).abs();
    if v == 0.0 || v.abs() < 1e-9 * span {
        return "0".to_string();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.2e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        return format!("{m}e{e}");
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Validates a fixed range for the axis type.
fn fixed_range(r: (f64, f64), log: bool, axis: &str) -> anyhow::Result<(f64, f64)> {
    let (lo, hi) = r;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        bail!("{axis} range ({lo}, {hi}) must be finite with lo < hi");
    }
    if log && lo <= 0.0 {
        bail!("{axis} range ({lo}, {hi}) must be positive on a log axis");
    }
    Ok((lo, hi))
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> anyhow::Result<()> {
    match &panel.kind {
        PanelKind::Lines(series) => {
            let xr = match panel.x_range {
                Some(r) => fixed_range(r, panel.log_x, "x")?,
                None => auto_range(
                    series.iter().flat_map(|s| s.x.iter().copied()),
                    panel.log_x,
                    0.0,
                ),
            };
            let yr = match panel.y_range {
                Some(r) => fixed_range(r, panel.log_y, "y")?,
                None => auto_range(
                    series.iter().flat_map(|s| {
                        let err = s.y_err.as_deref().unwrap_or(&[]);
                        s.y.iter().enumerate().flat_map(move |(i, &y)| {
                            let e = err.get(i).copied().unwrap_or(0.0);
                            let e = if e.is_finite() { e.abs() } else { 0.0 };
                            [y - e, y + e]
                        })
                    }),
                    panel.log_y,
                    0.05,
                ),
            };
            let (x0, x1) = xr;
            let (y0, y1) = yr;
            let lx = || (x0..x1).log_scale().with_key_points(log_ticks(x0, x1));
            let ly = || (y0..y1).log_scale().with_key_points(log_ticks(y0, y1));
            match (panel.log_x, panel.log_y) {
                (false, false) => draw_lines(area, panel, series, x0..x1, y0..y1),
                (true, false) => draw_lines(area, panel, series, lx(), y0..y1),
                (false, true) => draw_lines(area, panel, series, x0..x1, ly()),
                (true, true) => draw_lines(area, panel, series, lx(), ly()),
            }
        }
        PanelKind::Raster {
            spikes,
            n_rows,
            color,
        } => draw_raster(area, panel, spikes, *n_rows, *color),
        PanelKind::Heatmap {
            x,
            y,
            z,
            zlabel,
            zrange,
        } => draw_heatmap(area, panel, x, y, z, zlabel, *zrange),
    }
}

type Chart<'a, DB, X, Y> = ChartContext<
    'a,
    DB,
    Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>,
>;

/// Builds a chart with the panel's caption, axis labels and a light grid.
fn build_chart<'a, DB, X, Y>(
    area: &'a DrawingArea<DB, Shift>,
    panel: &Panel,
    xspec: X,
    yspec: Y,
) -> anyhow::Result<Chart<'a, DB, X, Y>>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(8)
        .margin_right(16)
        .x_label_area_size(42)
        .y_label_area_size(62);
    if !panel.title.is_empty() {
        builder.caption(&panel.title, bold_font(15));
    }
    let mut chart = builder.build_cartesian_2d(xspec, yspec).map_err(derr)?;
    let xr = axis_range(chart.as_coord_spec().x_spec());
    let yr = axis_range(chart.as_coord_spec().y_spec());
    // On a log axis every tick is a meaningful positive value: no snapping of small values to `0`.
    let (xr, yr) = (tick_span(xr, panel.log_x), tick_span(yr, panel.log_y));
    let fx = move |v: &f64| fmt_tick(*v, xr);
    let fy = move |v: &f64| fmt_tick(*v, yr);
    chart
        .configure_mesh()
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_desc(panel.xlabel.as_str())
        .y_desc(panel.ylabel.as_str())
        .axis_desc_style(font(14))
        .label_style(font(12))
        .bold_line_style(BLACK.mix(0.1))
        .light_line_style(TRANSPARENT)
        .x_labels(6)
        .y_labels(6)
        .draw()
        .map_err(derr)?;
    Ok(chart)
}

/// Draws the panel's shaded spans (clipped to the x range) behind the data.
fn draw_spans<DB, XC, YC>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<XC, YC>>,
    panel: &Panel,
    xr: (f64, f64),
    yr: (f64, f64),
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    XC: Ranged<ValueType = f64> + ValueFormatter<f64>,
    YC: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    for span in &panel.spans {
        let (a, b) = (span.x0.min(span.x1), span.x0.max(span.x1));
        if !(a.is_finite() && b.is_finite()) {
            continue;
        }
        let (a, b) = (a.max(xr.0), b.min(xr.1));
        if a > b {
            continue;
        }
        let fill = rgb(span.color).mix(0.2).filled();
        let anno = chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, yr.0), (b, yr.1)],
                fill,
            )))
            .map_err(derr)?;
        if panel.legend
            && let Some(label) = &span.label
        {
            anno.label(label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], fill));
        }
    }
    Ok(())
}

fn axis_range<R: Ranged<ValueType = f64>>(r: &R) -> (f64, f64) {
    let rr = r.range();
    (rr.start, rr.end)
}

/// Splits a series into runs of consecutive usable points (non-finite points break the line).
fn segments(s: &Series, log_x: bool, log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (&x, &y) in s.x.iter().zip(&s.y) {
        if usable(x, log_x) && usable(y, log_y) {
            cur.push((x, y));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn draw_lines<DB, X, Y>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    series: &[Series],
    xspec: X,
    yspec: Y,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = build_chart(area, panel, xspec, yspec)?;
    let xr = axis_range(chart.as_coord_spec().x_spec());
    let yr = axis_range(chart.as_coord_spec().y_spec());
    draw_spans(&mut chart, panel, xr, yr)?;
    let mut any_label = panel.spans.iter().any(|s| s.label.is_some());
    for s in series {
        let color = rgb(s.color);
        let line_style = color.stroke_width(2);
        let segs = segments(s, panel.log_x, panel.log_y);
        let labelled = panel.legend && !s.label.is_empty();
        any_label |= labelled;
        let mut legend_done = !labelled;
        // Lines.
        if matches!(s.style, Style::Line | Style::LinePoints | Style::Dashed) {
            for seg in &segs {
                let anno = if s.style == Style::Dashed {
                    chart
                        .draw_series(DashedLineSeries::new(seg.iter().copied(), 8, 5, line_style))
                        .map_err(derr)?
                } else {
                    chart
                        .draw_series(LineSeries::new(seg.iter().copied(), line_style))
                        .map_err(derr)?
                };
                if !legend_done {
                    legend_done = true;
                    set_legend(anno, &s.label, color, s.style);
                }
            }
        }
        // Markers.
        if matches!(s.style, Style::Points | Style::LinePoints) {
            let pts: Vec<(f64, f64)> = segs.iter().flatten().copied().collect();
            let anno = chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))
                .map_err(derr)?;
            if !legend_done {
                legend_done = true;
                set_legend(anno, &s.label, color, s.style);
            }
        }
        // A labelled series with no drawable point still gets its legend entry.
        if !legend_done {
            let anno = chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(derr)?;
            set_legend(anno, &s.label, color, s.style);
        }
        // Error bars with small caps.
        if let Some(err) = &s.y_err {
            let bar_style = color.stroke_width(1);
            let bars = s
                .x
                .iter()
                .zip(&s.y)
                .zip(err)
                .filter(|&((&x, &y), &e)| usable(x, panel.log_x) && y.is_finite() && e.is_finite())
                .filter_map(|((&x, &y), &e)| {
                    let (lo, hi) = (y - e.abs(), y + e.abs());
                    let lo = if panel.log_y && lo <= 0.0 { yr.0 } else { lo };
                    if !usable(hi, panel.log_y) {
                        return None;
                    }
                    Some((x, lo, hi))
                })
                .collect::<Vec<_>>();
            chart
                .draw_series(
                    bars.iter()
                        .map(|&(x, lo, hi)| PathElement::new(vec![(x, lo), (x, hi)], bar_style)),
                )
                .map_err(derr)?;
            for &(x, lo, hi) in &bars {
                chart
                    .draw_series([lo, hi].into_iter().map(|y| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(-4, 0), (4, 0)], bar_style)
                    }))
                    .map_err(derr)?;
            }
        }
    }
    if panel.legend && any_label {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(font(12))
            .draw()
            .map_err(derr)?;
    }
    Ok(())
}

/// Legend entry: a line sample and/or a marker, matching the series style.
fn set_legend<'a, DB: DrawingBackend + 'a>(
    anno: &mut plotters::chart::SeriesAnno<'a, DB>,
    label: &str,
    color: RGBColor,
    style: Style,
) {
    let markers = matches!(style, Style::Points | Style::LinePoints);
    let line_style = if style == Style::Points {
        TRANSPARENT.stroke_width(0)
    } else {
        color.stroke_width(2)
    };
    let dot_style = if markers {
        color.filled()
    } else {
        TRANSPARENT.filled()
    };
    anno.label(label).legend(move |(x, y)| {
        EmptyElement::at((x, y))
            + PathElement::new(vec![(0, 0), (20, 0)], line_style)
            + Circle::new((10, 0), 3, dot_style)
    });
}

fn draw_raster<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    spikes: &[(f64, u32)],
    n_rows: u32,
    color: Color,
) -> anyhow::Result<()> {
    let xr = match panel.x_range {
        Some(r) => fixed_range(r, false, "x")?,
        None => auto_range(spikes.iter().map(|s| s.0), false, 0.0),
    };
    let yr = match panel.y_range {
        Some(r) => fixed_range(r, false, "y")?,
        None => (0.0, f64::from(n_rows.max(1))),
    };
    let mut chart = build_chart(area, panel, xr.0..xr.1, yr.0..yr.1)?;
    draw_spans(&mut chart, panel, xr, yr)?;
    let c = rgb(color).stroke_width(1);
    chart
        .draw_series(
            spikes
                .iter()
                .filter(|(t, row)| {
                    t.is_finite() && *t >= xr.0 && *t <= xr.1 && {
                        let r = f64::from(*row);
                        r >= yr.0 && r < yr.1
                    }
                })
                .map(|&(t, row)| {
                    let r = f64::from(row);
                    PathElement::new(vec![(t, r + 0.1), (t, r + 0.9)], c)
                }),
        )
        .map_err(derr)?;
    if panel.legend && panel.spans.iter().any(|s| s.label.is_some()) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(font(12))
            .draw()
            .map_err(derr)?;
    }
    Ok(())
}

/// A viridis-like colour map: piecewise-linear through 9 samples of matplotlib's viridis.
pub fn viridis(t: f64) -> (u8, u8, u8) {
    const TABLE: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 44.0, 122.0),
        (59.0, 81.0, 139.0),
        (44.0, 113.0, 142.0),
        (33.0, 144.0, 141.0),
        (39.0, 173.0, 129.0),
        (92.0, 200.0, 99.0),
        (170.0, 220.0, 50.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (TABLE.len() - 1) as f64;
    let i = (pos.floor() as usize).min(TABLE.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (TABLE[i], TABLE[i + 1]);
    let lerp = |p: f64, q: f64| (p + (q - p) * f).round().clamp(0.0, 255.0) as u8;
    (lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Cell edges from cell centres (midpoints; ends extrapolated by half a cell).
fn edges(c: &[f64]) -> Vec<f64> {
    match c.len() {
        0 => vec![],
        1 => vec![c[0] - 0.5, c[0] + 0.5],
        n => {
            let mut e = Vec::with_capacity(n + 1);
            e.push(c[0] - (c[1] - c[0]) / 2.0);
            for i in 0..n - 1 {
                e.push((c[i] + c[i + 1]) / 2.0);
            }
            e.push(c[n - 1] + (c[n - 1] - c[n - 2]) / 2.0);
            e
        }
    }
}

fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    x: &[f64],
    y: &[f64],
    z: &ndarray::Array2<f64>,
    zlabel: &str,
    zrange: Option<(f64, f64)>,
) -> anyhow::Result<()> {
    if z.dim() != (y.len(), x.len()) {
        bail!(
            "heatmap z is {}×{} but expected ny × nx = {}×{}",
            z.nrows(),
            z.ncols(),
            y.len(),
            x.len()
        );
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        bail!("heatmap cell centres must be finite");
    }
    let (xe, ye) = (edges(x), edges(y));
    let xr = match panel.x_range {
        Some(r) => fixed_range(r, false, "x")?,
        None => auto_range(xe.iter().copied(), false, 0.0),
    };
    let yr = match panel.y_range {
        Some(r) => fixed_range(r, false, "y")?,
        None => auto_range(ye.iter().copied(), false, 0.0),
    };
    let (zlo, zhi) = match zrange {
        Some(r) => fixed_range(r, false, "z")?,
        None => auto_range(z.iter().copied(), false, 0.0),
    };
    let (w, _) = area.dim_in_pixel();
    let (main, bar) = area.split_horizontally(w.saturating_sub(COLORBAR_WIDTH));
    let mut chart = build_chart(&main, panel, xr.0..xr.1, yr.0..yr.1)?;
    let mut cells = Vec::with_capacity(z.len());
    for ((j, i), &v) in z.indexed_iter() {
        if !v.is_finite() {
            continue;
        }
        let (r, g, b) = viridis((v - zlo) / (zhi - zlo));
        cells.push(Rectangle::new(
            [(xe[i], ye[j]), (xe[i + 1], ye[j + 1])],
            RGBColor(r, g, b).filled(),
        ));
    }
    chart.draw_series(cells).map_err(derr)?;
    draw_spans(&mut chart, panel, xr, yr)?;

    // Colour bar: same vertical layout as the main chart (caption band, bottom label area).
    let top = if panel.title.is_empty() {
        8
    } else {
        8 + 15 + 8
    };
    let mut cb = ChartBuilder::on(&bar)
        .margin_top(top)
        .margin_bottom(8)
        .margin_left(4)
        .margin_right(4)
        .x_label_area_size(42)
        .right_y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, zlo..zhi)
        .map_err(derr)?;
    let fz = move |v: &f64| fmt_tick(*v, (zlo, zhi));
    cb.configure_mesh()
        .y_label_formatter(&fz)
        .disable_mesh()
        .disable_x_axis()
        .y_desc(zlabel)
        .axis_desc_style(font(13))
        .label_style(font(11))
        .y_labels(5)
        .draw()
        .map_err(derr)?;
    let steps = 128;
    cb.draw_series((0..steps).map(|k| {
        let a = zlo + (zhi - zlo) * k as f64 / steps as f64;
        let b = zlo + (zhi - zlo) * (k + 1) as f64 / steps as f64;
        let (r, g, bb) = viridis((k as f64 + 0.5) / steps as f64);
        Rectangle::new([(0.0, a), (1.0, b)], RGBColor(r, g, bb).filled())
    }))
    .map_err(derr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(auto_range([].into_iter(), false, 0.05), (0.0, 1.0));
        assert_eq!(
            auto_range([2.0, f64::NAN].into_iter(), false, 0.0),
            (1.8, 2.2)
        );
        assert_eq!(
            auto_range([0.0, 10.0].into_iter(), true, 0.0),
            (10.0 / 2.0, 20.0)
        );
        assert_eq!(edges(&[0.0, 1.0, 2.0]), vec![-0.5, 0.5, 1.5, 2.5]);
        assert_eq!(viridis(0.0), (68, 1, 84));
        assert_eq!(viridis(1.0), (253, 231, 37));
    }

    #[test]
    fn ticks() {
        assert_eq!(fmt_tick(200.0, (0.0, 1000.0)), "200");
        assert_eq!(fmt_tick(0.15, (0.0, 1.0)), "0.15");
        assert_eq!(fmt_tick(-1.0, (-1.5, 1.5)), "-1");
        assert_eq!(fmt_tick(5.5e-17, (-0.3, 0.3)), "0");
        assert_eq!(fmt_tick(1e-4, (1e-5, 1.0)), "1e-4");
        // Log axes (here 1e-16 .. 1): tiny ticks keep their value.
        assert_eq!(fmt_tick(1e-13, tick_span((1e-16, 1.0), true)), "1e-13");
        assert_eq!(fmt_tick(1e-13, tick_span((-1.0, 1.0), false)), "0");
        assert_eq!(fmt_tick(2.5e6, (0.0, 1e7)), "2.5e6");
        assert_eq!(
            log_ticks(100.0, 2000.0),
            vec![100.0, 200.0, 500.0, 1000.0, 2000.0]
        );
        assert_eq!(log_ticks(1e-6, 1e6).len(), 7);
        assert_eq!(log_ticks(1.0, 1000.0), vec![1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(log_ticks(3.0, 7.0), vec![3.0, 4.0, 5.0, 6.0, 7.0]);
    }

    #[test]
    fn segments_break_at_nan() {
        let s = Series::line(
            "",
            vec![0.0, 1.0, 2.0, 3.0],
            vec![1.0, f64::NAN, 2.0, 3.0],
            Color::Red,
        );
        assert_eq!(segments(&s, false, false).len(), 2);
    }
}
