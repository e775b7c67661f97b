//! SVG line charts (plotters, SVG backend): lines, points, shaded bands, reference lines.
//! One small builder serves every command so plots look alike.

use plotters::prelude::*;

/// How a series is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Line,
    Dashed,
    Points,
}

/// A named series of (x, y) points.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
}

/// A shaded band between `lower` and `upper` at the same x values.
pub struct Band {
    pub name: String,
    pub x: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// A chart description; `render_svg` turns it into an SVG document.
#[derive(Default)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub bands: Vec<Band>,
    /// Vertical marks (x, label), e.g. dose times.
    pub vlines: Vec<(f64, String)>,
    /// Horizontal reference lines (y, label), e.g. a target level.
    pub hlines: Vec<(f64, String)>,
    /// Fixed y range; otherwise from the data (starting at 0 when all data are non-negative).
    pub y_range: Option<(f64, f64)>,
    /// Logarithmic x axis (all x must be > 0).
    pub log_x: bool,
    /// Footnote under the title (e.g. the research-use note or an assumption).
    pub note: Option<String>,
    /// Put the legend in the lower right (for curves that rise to the upper right).
    pub legend_lower_right: bool,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

impl Chart {
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Chart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Default::default()
        }
    }

    pub fn line(mut self, name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series.push(Series {
            name: name.into(),
            points,
            style: Style::Line,
        });
        self
    }

    pub fn dashed(mut self, name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series.push(Series {
            name: name.into(),
            points,
            style: Style::Dashed,
        });
        self
    }

    pub fn points(mut self, name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series.push(Series {
            name: name.into(),
            points,
            style: Style::Points,
        });
        self
    }

    pub fn band(
        mut self,
        name: impl Into<String>,
        x: Vec<f64>,
        lower: Vec<f64>,
        upper: Vec<f64>,
    ) -> Self {
        self.bands.push(Band {
            name: name.into(),
            x,
            lower,
            upper,
        });
        self
    }

    fn data_ranges(&self) -> ((f64, f64), (f64, f64)) {
        let mut xs: Vec<f64> = Vec::new();
        let mut ys: Vec<f64> = Vec::new();
        for s in &self.series {
            for &(x, y) in &s.points {
                xs.push(x);
                ys.push(y);
            }
        }
        for b in &self.bands {
            xs.extend(&b.x);
            ys.extend(&b.lower);
            ys.extend(&b.upper);
        }
        ys.extend(self.hlines.iter().map(|h| h.0));
        let finite = |v: &Vec<f64>| {
            v.iter()
                .copied()
                .filter(|x| x.is_finite())
                .collect::<Vec<_>>()
        };
        let (xs, ys) = (finite(&xs), finite(&ys));
        let (mut x0, mut x1) = min_max(&xs).unwrap_or((0.0, 1.0));
        let (mut y0, mut y1) = min_max(&ys).unwrap_or((0.0, 1.0));
        if y0 >= 0.0 && !self.log_x {
            y0 = 0.0;
        }
        if (x1 - x0).abs() < 1e-12 {
            x1 = x0 + 1.0;
        }
        if self.log_x && x0 <= 0.0 {
            x0 = xs
                .iter()
                .copied()
                .filter(|&x| x > 0.0)
                .fold(f64::INFINITY, f64::min);
            if !x0.is_finite() {
                x0 = 1e-3;
            }
        }
        if (y1 - y0).abs() < 1e-12 {
            y1 = y0 + 1.0;
        }
        let pad = 0.05 * (y1 - y0);
        (
            (x0, x1),
            self.y_range
                .unwrap_or((if y0 == 0.0 { 0.0 } else { y0 - pad }, y1 + pad)),
        )
    }

    /// Renders the chart as an SVG document (800 x 500 px).
    pub fn render_svg(&self) -> anyhow::Result<String> {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (800, 500)).into_drawing_area();
            root.fill(&WHITE)
                .map_err(|e| anyhow::anyhow!("plot: {e}"))?;
            let root = if let Some(note) = &self.note {
                let (main, foot) = root.split_vertically(470);
                foot.draw(&Text::new(
                    note.clone(),
                    (10, 8),
                    ("sans-serif", 12).into_font().color(&BLACK.mix(0.7)),
                ))
                .map_err(|e| anyhow::anyhow!("plot: {e}"))?;
                main
            } else {
                root
            };
            let ((x0, x1), (y0, y1)) = self.data_ranges();
            if self.log_x {
                let mut chart = ChartBuilder::on(&root)
                    .caption(&self.title, ("sans-serif", 20))
                    .margin(12)
                    .x_label_area_size(45)
                    .y_label_area_size(70)
                    .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                    .map_err(|e| anyhow::anyhow!("plot: {e}"))?;
                chart
                    .configure_mesh()
                    .x_desc(&self.x_label)
                    .y_desc(&self.y_label)
                    .draw()
                    .map_err(|e| anyhow::anyhow!("plot: {e}"))?;
                self.draw_contents(&mut chart, (x0, x1), (y0, y1))?;
            } else {
                let mut chart = ChartBuilder::on(&root)
                    .caption(&self.title, ("sans-serif", 20))
                    .margin(12)
                    .x_label_area_size(45)
                    .y_label_area_size(70)
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(|e| anyhow::anyhow!("plot: {e}"))?;
                chart
                    .configure_mesh()
                    .x_desc(&self.x_label)
                    .y_desc(&self.y_label)
                    .draw()
                    .map_err(|e| anyhow::anyhow!("plot: {e}"))?;
                self.draw_contents(&mut chart, (x0, x1), (y0, y1))?;
            }
            root.present().map_err(|e| anyhow::anyhow!("plot: {e}"))?;
        }
        Ok(svg)
    }

    fn draw_contents<'a, DB, X>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
        (x0, x1): (f64, f64),
        (y0, y1): (f64, f64),
    ) -> anyhow::Result<()>
    where
        DB: DrawingBackend + 'a,
        X: Ranged<ValueType = f64> + 'a,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("plot: {e}");
        for (i, b) in self.bands.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()].mix(0.2);
            let mut poly: Vec<(f64, f64)> =
                b.x.iter().copied().zip(b.upper.iter().copied()).collect();
            poly.extend(b.x.iter().copied().zip(b.lower.iter().copied()).rev());
            chart
                .draw_series(std::iter::once(Polygon::new(poly, color.filled())))
                .map_err(err)?
                .label(b.name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 16, y + 5)], color.filled())
                });
        }
        for &(x, ref label) in &self.vlines {
            let c = BLACK.mix(0.6).stroke_width(2);
            chart
                .draw_series(LineSeries::new(
                    vec![(x, y0), (x, y0 + 0.04 * (y1 - y0))],
                    c,
                ))
                .map_err(err)?;
            if !label.is_empty() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        // Keep labels of marks near the right edge inside the plot.
                        (x.min(x1 - 0.1 * (x1 - x0)), y1),
                        ("sans-serif", 11),
                    )))
                    .map_err(err)?;
            }
        }
        for &(y, ref label) in &self.hlines {
            let c = RGBColor(90, 90, 90);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x0, y), (x1, y)],
                    6,
                    4,
                    c.stroke_width(1),
                ))
                .map_err(err)?
                .label(label.clone())
                .legend(move |(x, yy)| PathElement::new(vec![(x, yy), (x + 16, yy)], c));
        }
        for (i, s) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            let anno = match s.style {
                Style::Line => chart
                    .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                    .map_err(err)?,
                Style::Dashed => chart
                    .draw_series(DashedLineSeries::new(pts, 8, 5, color.stroke_width(2)))
                    .map_err(err)?,
                Style::Points => chart
                    .draw_series(pts.into_iter().map(|p| Circle::new(p, 4, color.filled())))
                    .map_err(err)?,
            };
            anno.label(s.name.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .position(if self.legend_lower_right {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            })
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

fn min_max(v: &[f64]) -> Option<(f64, f64)> {
    if v.is_empty() {
        return None;
    }
    Some(
        v.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            }),
    )
}
