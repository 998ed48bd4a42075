//! What [`Experiment::run`](crate::Experiment::run) returns: metrics, tables, arrays and figure specs.
//! Plotting reads only this (so a figure can be re-plotted from its CSVs); the harness writes it out.

use std::collections::BTreeMap;

use ndarray::Array2;

/// The result of one experiment run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Flat metrics, written to `metrics.json` and compared by `--check`. Stable snake_case names with
    /// units (`test_pearson_mean`, `train_time_s`); every value must be finite.
    pub metrics: BTreeMap<String, f64>,
    /// Tables, one `<name>.csv` each.
    pub tables: Vec<Table>,
    /// Figures, one `<name>.png` and `<name>.svg` each.
    pub figures: Vec<Figure>,
    /// Large matrices, one `<name>.npy` each.
    pub arrays: Vec<NamedArray>,
    /// Free-text notes, recorded in `run.json`.
    pub notes: Vec<String>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets metric `key` (replacing an earlier value).
    pub fn metric(&mut self, key: &str, v: f64) {
        self.metrics.insert(key.to_string(), v);
    }

    /// Adds a table.
    pub fn table(&mut self, t: Table) {
        self.tables.push(t);
    }

    /// Adds a figure.
    pub fn figure(&mut self, f: Figure) {
        self.figures.push(f);
    }

    /// Adds a matrix, written as `<name>.npy`.
    pub fn array(&mut self, name: &str, a: Array2<f64>) {
        self.arrays.push(NamedArray {
            name: name.to_string(),
            data: a,
        });
    }

    /// Adds a note.
    pub fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }
}

/// A table of named numeric columns, all of the same length (checked when written).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// File stem: the table is written to `<name>.csv`.
    pub name: String,
    /// (column name, values) in output order.
    pub columns: Vec<(String, Vec<f64>)>,
}

impl Table {
    /// An empty table.
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            columns: Vec::new(),
        }
    }

    /// Appends a column (builder style): `Table::new("traces").col("t_ms", t).col("x", x)`.
    pub fn col(mut self, name: impl Into<String>, values: impl Into<Vec<f64>>) -> Self {
        self.columns.push((name.into(), values.into()));
        self
    }

    /// Appends a column in place.
    pub fn push_col(&mut self, name: impl Into<String>, values: impl Into<Vec<f64>>) {
        self.columns.push((name.into(), values.into()));
    }

    /// Number of rows (length of the first column; 0 without columns).
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| v.len())
    }

    /// Checks that all columns have the same length and distinct names; the error names the table and
    /// the offending column.
    pub fn check(&self) -> anyhow::Result<()> {
        let n = self.n_rows();
        let mut names = std::collections::HashSet::new();
        for (name, v) in &self.columns {
            if !names.insert(name.as_str()) {
                anyhow::bail!("table `{}`: duplicate column `{name}`", self.name);
            }
            if v.len() != n {
                anyhow::bail!(
                    "table `{}`: column `{name}` has {} rows but column `{}` has {n}",
                    self.name,
                    v.len(),
                    self.columns[0].0
                );
            }
        }
        Ok(())
    }
}

/// A named matrix, written to `<name>.npy`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedArray {
    /// File stem.
    pub name: String,
    /// The matrix (row-major in the `.npy` file).
    pub data: Array2<f64>,
}

/// A figure: a grid of panels with an overall title.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem, e.g. `"fig1"` gives `fig1.png` and `fig1.svg`.
    pub name: String,
    /// Title drawn above the grid (empty for none).
    pub title: String,
    /// Number of panel columns (at least 1).
    pub ncols: usize,
    /// Panels in row-major order.
    pub panels: Vec<Panel>,
    /// Size of one panel in pixels, default (520, 340).
    pub panel_size: (u32, u32),
}

impl Figure {
    /// An empty figure with the default panel size.
    pub fn new(name: impl Into<String>, title: impl Into<String>, ncols: usize) -> Self {
        Figure {
            name: name.into(),
            title: title.into(),
            ncols: ncols.max(1),
            panels: Vec::new(),
            panel_size: (520, 340),
        }
    }

    /// Appends a panel (builder style).
    pub fn panel(mut self, p: Panel) -> Self {
        self.panels.push(p);
        self
    }

    /// Appends a panel in place.
    pub fn push_panel(&mut self, p: Panel) {
        self.panels.push(p);
    }

    /// Sets the size of one panel in pixels.
    pub fn with_panel_size(mut self, width: u32, height: u32) -> Self {
        self.panel_size = (width, height);
        self
    }

    /// Number of panel rows.
    pub fn nrows(&self) -> usize {
        self.panels.len().div_ceil(self.ncols.max(1))
    }
}

/// One panel (subplot) of a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Panel title (e.g. `"a  drive training"`).
    pub title: String,
    /// x-axis label with units.
    pub xlabel: String,
    /// y-axis label with units.
    pub ylabel: String,
    /// What is drawn.
    pub kind: PanelKind,
    /// Fixed x range; `None` fits the data.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range; `None` fits the data.
    pub y_range: Option<(f64, f64)>,
    /// Logarithmic x axis (non-positive values are skipped).
    pub log_x: bool,
    /// Logarithmic y axis (non-positive values are skipped).
    pub log_y: bool,
    /// Shaded x intervals (e.g. the stimulus window), drawn behind the data.
    pub spans: Vec<Span>,
    /// Draw a legend of labelled series and spans.
    pub legend: bool,
}

impl Panel {
    fn with_kind(
        title: impl Into<String>,
        xlabel: impl Into<String>,
        ylabel: impl Into<String>,
        kind: PanelKind,
        legend: bool,
    ) -> Self {
        Panel {
            title: title.into(),
            xlabel: xlabel.into(),
            ylabel: ylabel.into(),
            kind,
            x_range: None,
            y_range: None,
            log_x: false,
            log_y: false,
            spans: Vec::new(),
            legend,
        }
    }

    /// A line/point plot; the legend is on when any series has a label.
    pub fn lines(
        title: impl Into<String>,
        xlabel: impl Into<String>,
        ylabel: impl Into<String>,
        series: Vec<Series>,
    ) -> Self {
        let legend = series.iter().any(|s| !s.label.is_empty());
        Self::with_kind(title, xlabel, ylabel, PanelKind::Lines(series), legend)
    }

    /// A spike raster: `spikes` are (time, row) pairs with rows in `0..n_rows`, drawn black.
    pub fn raster(
        title: impl Into<String>,
        xlabel: impl Into<String>,
        ylabel: impl Into<String>,
        spikes: Vec<(f64, u32)>,
        n_rows: u32,
    ) -> Self {
        Self::with_kind(
            title,
            xlabel,
            ylabel,
            PanelKind::Raster {
                spikes,
                n_rows,
                color: Color::Black,
            },
            false,
        )
    }

    /// A heatmap: `z` is ny × nx with `x` (nx) and `y` (ny) the cell centres.
    pub fn heatmap(
        title: impl Into<String>,
        xlabel: impl Into<String>,
        ylabel: impl Into<String>,
        x: Vec<f64>,
        y: Vec<f64>,
        z: Array2<f64>,
        zlabel: impl Into<String>,
    ) -> Self {
        Self::with_kind(
            title,
            xlabel,
            ylabel,
            PanelKind::Heatmap {
                x,
                y,
                z,
                zlabel: zlabel.into(),
                zrange: None,
            },
            false,
        )
    }

    /// Fixes the x range.
    pub fn with_x_range(mut self, lo: f64, hi: f64) -> Self {
        self.x_range = Some((lo, hi));
        self
    }

    /// Fixes the y range.
    pub fn with_y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }

    /// Fixes the colour range of a heatmap (no effect on other kinds).
    pub fn with_z_range(mut self, lo: f64, hi: f64) -> Self {
        if let PanelKind::Heatmap { zrange, .. } = &mut self.kind {
            *zrange = Some((lo, hi));
        }
        self
    }

    /// Logarithmic x axis.
    pub fn with_log_x(mut self) -> Self {
        self.log_x = true;
        self
    }

    /// Logarithmic y axis.
    pub fn with_log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Adds an unlabelled shaded interval `[x0, x1]`.
    pub fn with_span(mut self, x0: f64, x1: f64, color: Color) -> Self {
        self.spans.push(Span {
            x0,
            x1,
            color,
            label: None,
        });
        self
    }

    /// Adds a shaded interval `[x0, x1]` with a legend label.
    pub fn with_labeled_span(
        mut self,
        x0: f64,
        x1: f64,
        color: Color,
        label: impl Into<String>,
    ) -> Self {
        self.spans.push(Span {
            x0,
            x1,
            color,
            label: Some(label.into()),
        });
        self
    }

    /// Turns the legend on or off.
    pub fn with_legend(mut self, on: bool) -> Self {
        self.legend = on;
        self
    }
}

/// A shaded x interval, drawn translucent behind the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Left end.
    pub x0: f64,
    /// Right end.
    pub x1: f64,
    /// Colour (drawn translucent).
    pub color: Color,
    /// Legend label.
    pub label: Option<String>,
}

/// What a panel shows.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelKind {
    /// Line and point series.
    Lines(Vec<Series>),
    /// A spike raster.
    Raster {
        /// (time, row) pairs.
        spikes: Vec<(f64, u32)>,
        /// Number of rows (neurons); rows are drawn bottom (0) to top.
        n_rows: u32,
        /// Tick colour.
        color: Color,
    },
    /// A colour-coded matrix with a colour bar; row 0 of `z` is drawn at `y[0]` (bottom when `y` increases).
    Heatmap {
        /// nx cell centres along x.
        x: Vec<f64>,
        /// ny cell centres along y.
        y: Vec<f64>,
        /// ny × nx values; non-finite cells are left blank.
        z: Array2<f64>,
        /// Colour-bar label.
        zlabel: String,
        /// Fixed colour range; `None` uses the finite min/max.
        zrange: Option<(f64, f64)>,
    },
}

/// One line or point series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label (empty: not in the legend).
    pub label: String,
    /// x values.
    pub x: Vec<f64>,
    /// y values (same length as `x`; extra values of the longer one are ignored).
    pub y: Vec<f64>,
    /// Colour.
    pub color: Color,
    /// Drawing style.
    pub style: Style,
    /// Symmetric error bars (± value per point).
    pub y_err: Option<Vec<f64>>,
}

impl Series {
    fn with_style(
        label: impl Into<String>,
        x: impl Into<Vec<f64>>,
        y: impl Into<Vec<f64>>,
        color: Color,
        style: Style,
    ) -> Self {
        Series {
            label: label.into(),
            x: x.into(),
            y: y.into(),
            color,
            style,
            y_err: None,
        }
    }

    /// A solid line.
    pub fn line(
        label: impl Into<String>,
        x: impl Into<Vec<f64>>,
        y: impl Into<Vec<f64>>,
        color: Color,
    ) -> Self {
        Self::with_style(label, x, y, color, Style::Line)
    }

    /// A dashed line.
    pub fn dashed(
        label: impl Into<String>,
        x: impl Into<Vec<f64>>,
        y: impl Into<Vec<f64>>,
        color: Color,
    ) -> Self {
        Self::with_style(label, x, y, color, Style::Dashed)
    }

    /// Markers only.
    pub fn points(
        label: impl Into<String>,
        x: impl Into<Vec<f64>>,
        y: impl Into<Vec<f64>>,
        color: Color,
    ) -> Self {
        Self::with_style(label, x, y, color, Style::Points)
    }

    /// A line with markers.
    pub fn line_points(
        label: impl Into<String>,
        x: impl Into<Vec<f64>>,
        y: impl Into<Vec<f64>>,
        color: Color,
    ) -> Self {
        Self::with_style(label, x, y, color, Style::LinePoints)
    }

    /// Sets the drawing style.
    pub fn style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    /// Adds symmetric error bars.
    pub fn with_err(mut self, y_err: impl Into<Vec<f64>>) -> Self {
        self.y_err = Some(y_err.into());
        self
    }
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Solid line.
    #[default]
    Line,
    /// Dashed line.
    Dashed,
    /// Markers only.
    Points,
    /// Line with markers.
    LinePoints,
}

/// A colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Color {
    /// Black.
    #[default]
    Black,
    /// Red.
    Red,
    /// Blue.
    Blue,
    /// Green.
    Green,
    /// Orange.
    Orange,
    /// Purple.
    Purple,
    /// Mid gray.
    Gray,
    /// Light blue.
    LightBlue,
    /// Any RGB colour.
    Rgb(u8, u8, u8),
    /// Entry `i` (mod 10) of a categorical palette (matplotlib's tab10).
    Palette(usize),
}

const TAB10: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

impl Color {
    /// The colour as 8-bit RGB.
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Color::Black => (0, 0, 0),
            Color::Red => (214, 39, 40),
            Color::Blue => (31, 119, 180),
            Color::Green => (44, 160, 44),
            Color::Orange => (255, 127, 14),
            Color::Purple => (148, 103, 189),
            Color::Gray => (127, 127, 127),
            Color::LightBlue => (158, 202, 225),
            Color::Rgb(r, g, b) => (r, g, b),
            Color::Palette(i) => TAB10[i % TAB10.len()],
        }
    }
}

/// Per-loop training record of `spikelearn_sim::protocol::train_loops` as the table `<key>_loops`: loop
/// (1-based), mean Pearson during the loop, window rate (Hz), ‖W − W0‖_F and ‖W − W0‖_F / ‖W0‖_F.
pub fn loops_table(
    key: &str,
    loops: &[spikelearn_sim::protocol::LoopRecord],
    w0_fro: f64,
) -> Table {
    let col = |f: &dyn Fn(&spikelearn_sim::protocol::LoopRecord) -> f64| {
        loops.iter().map(f).collect::<Vec<_>>()
    };
    Table::new(format!("{key}_loops"))
        .col("loop", col(&|r| (r.index + 1) as f64))
        .col("mean_pearson", col(&|r| r.mean_pearson))
        .col("rate_hz", col(&|r| r.rate_hz))
        .col("dw_fro", col(&|r| r.dw_fro))
        .col("dw_rel", col(&|r| r.dw_fro / w0_fro.max(f64::MIN_POSITIVE)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_check_names_column() {
        let t = Table::new("traces")
            .col("t_ms", vec![0.0, 1.0])
            .col("x", vec![1.0]);
        let msg = t.check().unwrap_err().to_string();
        assert!(msg.contains("traces") && msg.contains("`x`"), "{msg}");
        assert!(Table::new("ok").col("a", [1.0, 2.0]).check().is_ok());
    }

    #[test]
    fn builders() {
        let p = Panel::lines(
            "a",
            "t (ms)",
            "x",
            vec![Series::line("target", vec![0.0], vec![1.0], Color::Red)],
        )
        .with_y_range(-1.0, 1.0)
        .with_span(0.0, 1.0, Color::Gray);
        assert!(p.legend);
        let f = Figure::new("f", "t", 2)
            .panel(p.clone())
            .panel(p)
            .panel(Panel::raster("r", "t", "n", vec![], 3));
        assert_eq!(f.nrows(), 2);
    }
}
