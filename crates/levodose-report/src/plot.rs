//! SVG line charts (plotters, SVG backend): lines, points, shaded bands, reference lines.
//! One small builder serves every command so plots look alike.
//!
//! The theme is the one journals ask for: a light major grid and no minor grid, fonts readable
//! when the figure is shrunk to a column, units on every axis (callers name them), the legend in
//! its own strip under the plot so it never covers data, and the Okabe-Ito palette, which stays
//! distinguishable under the common colour-vision deficiencies.

use plotters::prelude::*;

/// How a series is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Line,
    Dashed,
    Points,
    /// Triangles: a second marker shape, for points that must not be mistaken for the circles
    /// even in greyscale or by colour-blind readers (e.g. off-label candidates).
    Triangles,
    /// A line with a circle at each point, one colour and one legend entry (e.g. one compound's
    /// doses).
    LinePoints,
    /// A dark dashed reference line (e.g. the identity line); it takes no palette colour.
    Reference,
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
    /// Fixed x range; otherwise from the data. Set it when a mark sits at the last data point
    /// (e.g. the primary visit) so the mark is not drawn on the plot's edge.
    pub x_range: Option<(f64, f64)>,
    /// Logarithmic x axis (all x must be > 0).
    pub log_x: bool,
    /// Footnote under the title (e.g. the research-use note or an assumption).
    pub note: Option<String>,
    /// Kept so callers that set it still compile; the legend now always sits in its own strip
    /// under the plot, where it cannot cover data.
    #[allow(dead_code)]
    pub legend_lower_right: bool,
    /// Shaded x intervals (start, end, label), e.g. a behavioural test window.
    pub xspans: Vec<(f64, f64, String)>,
    /// Label x ticks as integers (doses in mg).
    pub integer_x: bool,
    /// Logarithmic y axis (concentrations); non-positive values are dropped.
    pub log_y: bool,
    /// Caption printed under the figure in reports (population, renal function, co-medication).
    pub caption: Option<String>,
}

/// Okabe & Ito (2008) colour-blind-safe palette (black omitted; it is used for reference lines).
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
];

/// Width and height of every chart in px; the SVG scales without loss.
const SIZE: (u32, u32) = (800, 520);
/// Height of one legend row, and the padding above and below the legend rows.
const LEGEND_ROW_PX: u32 = 18;
const LEGEND_PAD_PX: u32 = 13;
/// Left edge of the legend entries (aligned with the plot's y axis).
const LEGEND_LEFT_PX: i32 = 90;
/// Height of one line of the footnote.
const NOTE_LINE_PX: u32 = 16;
/// Footnote lines are wrapped at this many characters (12 px DejaVu Sans averages < 6.5 px per
/// character, so 130 characters fit the 800 px width with margins).
const NOTE_WRAP_CHARS: usize = 130;
/// Share of the y range kept free above the data for labels of vertical marks (dose steps), so
/// labels never sit on the curves.
const MARK_LABEL_HEADROOM: f64 = 0.09;
const FONT: &str = "sans-serif";

/// One legend entry: how it is drawn in the strip.
enum Key {
    Line(RGBColor, bool),
    Marker(RGBColor),
    Triangle(RGBColor),
    LineMarker(RGBColor),
    Area(RGBColor),
    Reference,
}

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

    /// A series of any style.
    pub fn series(
        mut self,
        name: impl Into<String>,
        points: Vec<(f64, f64)>,
        style: Style,
    ) -> Self {
        self.series.push(Series {
            name: name.into(),
            points,
            style,
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

    /// A shaded x interval (e.g. a test window).
    pub fn xspan(mut self, start: f64, end: f64, label: impl Into<String>) -> Self {
        self.xspans.push((start, end, label.into()));
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
        let keep = |v: &Vec<f64>, log: bool| {
            v.iter()
                .copied()
                .filter(|x| x.is_finite() && (!log || *x > 0.0))
                .collect::<Vec<_>>()
        };
        let (xs, ys) = (keep(&xs, self.log_x), keep(&ys, self.log_y));
        let (x0, mut x1) = min_max(&xs).unwrap_or(if self.log_x { (0.1, 1.0) } else { (0.0, 1.0) });
        let (mut y0, mut y1) =
            min_max(&ys).unwrap_or(if self.log_y { (0.1, 1.0) } else { (0.0, 1.0) });
        if x1 - x0 <= 1e-12 * x0.abs().max(1.0) {
            x1 = if self.log_x { x0 * 10.0 } else { x0 + 1.0 };
        }
        // Markers at the ends of the x range would be cut in half by the plot edge.
        let markers = self.series.iter().any(|s| {
            matches!(
                s.style,
                Style::Points | Style::Triangles | Style::LinePoints
            )
        });
        // An explicit x range (trial figures) wins over the padding.
        let (x0, x1) = match (markers, self.log_x) {
            (false, _) => (x0, x1),
            (true, false) => (x0 - 0.02 * (x1 - x0), x1 + 0.02 * (x1 - x0)),
            (true, true) => (x0 / (x1 / x0).powf(0.02), x1 * (x1 / x0).powf(0.02)),
        };
        let (x0, x1) = self.x_range.unwrap_or((x0, x1));
        let headroom = if self.vlines.iter().any(|v| !v.1.is_empty()) {
            MARK_LABEL_HEADROOM
        } else {
            0.0
        };
        if self.log_y {
            if y1 <= y0 * (1.0 + 1e-12) {
                y1 = y0 * 10.0;
            }
            let (lo, hi) = self.y_range.unwrap_or((y0 / 1.2, y1 * 1.2));
            return ((x0, x1), (lo, hi * (hi / lo).powf(headroom)));
        }
        if y0 >= 0.0 {
            y0 = 0.0;
        }
        if (y1 - y0).abs() < 1e-12 {
            y1 = y0 + 1.0;
        }
        let pad = 0.05 * (y1 - y0);
        let (lo, hi) = self
            .y_range
            .unwrap_or((if y0 == 0.0 { 0.0 } else { y0 - pad }, y1 + pad));
        ((x0, x1), (lo, hi + headroom * (hi - lo)))
    }

    /// Legend entries in drawing order (the same order `draw_contents` returns its keys).
    fn legend_names(&self) -> Vec<&str> {
        self.xspans
            .iter()
            .map(|x| x.2.as_str())
            .chain(self.bands.iter().map(|b| b.name.as_str()))
            .chain(self.series.iter().map(|s| s.name.as_str()))
            .chain(self.hlines.iter().map(|h| h.1.as_str()))
            .filter(|n| !n.is_empty())
            .collect()
    }

    /// Renders the chart as an SVG document (800 x 520 px, scalable).
    pub fn render_svg(&self) -> anyhow::Result<String> {
        let plot_err = |e: String| anyhow::anyhow!("plot: {e}");
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            root.fill(&WHITE).map_err(|e| plot_err(e.to_string()))?;
            // The legend strip and the footnote grow with their content, so neither is cut off
            // and the legend never overlaps the footnote.
            let rows = legend_layout(&self.legend_names(), SIZE.0 as i32).len() as u32;
            let legend_h = if rows == 0 {
                LEGEND_PAD_PX
            } else {
                2 * LEGEND_PAD_PX + rows * LEGEND_ROW_PX
            };
            let note_lines = self.note.as_deref().map(wrap_words).unwrap_or_default();
            let foot_h = if note_lines.is_empty() {
                0
            } else {
                6 + NOTE_LINE_PX * note_lines.len() as u32
            };
            let main_h = SIZE.1.saturating_sub(legend_h + foot_h).max(SIZE.1 / 2);
            let (main, rest) = root.split_vertically(main_h);
            let (legend, foot) = rest.split_vertically(legend_h);
            for (i, line) in note_lines.iter().enumerate() {
                foot.draw(&Text::new(
                    line.clone(),
                    (12, 2 + (NOTE_LINE_PX * i as u32) as i32),
                    (FONT, 12).into_font().color(&BLACK.mix(0.7)),
                ))
                .map_err(|e| plot_err(e.to_string()))?;
            }
            let ((x0, x1), (y0, y1)) = self.data_ranges();
            macro_rules! draw_with {
                ($xr:expr, $yr:expr) => {{
                    let mut chart = ChartBuilder::on(&main)
                        .caption(&self.title, (FONT, 19))
                        .margin(14)
                        .x_label_area_size(52)
                        .y_label_area_size(78)
                        .build_cartesian_2d($xr, $yr)
                        .map_err(|e| plot_err(e.to_string()))?;
                    let integer_x = self.integer_x;
                    let fmt_x = move |x: &f64| tick_label(*x, integer_x);
                    let fmt_y = |y: &f64| tick_label(*y, false);
                    chart
                        .configure_mesh()
                        .x_desc(&self.x_label)
                        .y_desc(&self.y_label)
                        .x_label_formatter(&fmt_x)
                        .y_label_formatter(&fmt_y)
                        .label_style((FONT, 14))
                        .axis_desc_style((FONT, 15))
                        .bold_line_style(BLACK.mix(0.12))
                        .light_line_style(TRANSPARENT)
                        .axis_style(BLACK.mix(0.7))
                        .draw()
                        .map_err(|e| plot_err(e.to_string()))?;
                    self.draw_contents(&mut chart, (x0, x1), (y0, y1))?
                }};
            }
            let keys = match (self.log_x, self.log_y) {
                (false, false) => draw_with!(x0..x1, y0..y1),
                (true, false) => draw_with!((x0..x1).log_scale(), y0..y1),
                (false, true) => draw_with!(x0..x1, (y0..y1).log_scale()),
                (true, true) => draw_with!((x0..x1).log_scale(), (y0..y1).log_scale()),
            };
            draw_legend(&legend, &keys).map_err(|e| plot_err(e.to_string()))?;
            root.present().map_err(|e| plot_err(e.to_string()))?;
        }
        Ok(svg)
    }

    /// Draws bands, spans, reference lines and series; returns the legend entries.
    fn draw_contents<'a, DB, X, Y>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
        (x0, x1): (f64, f64),
        (y0, y1): (f64, f64),
    ) -> anyhow::Result<Vec<(String, Key)>>
    where
        DB: DrawingBackend + 'a,
        X: Ranged<ValueType = f64> + 'a,
        Y: Ranged<ValueType = f64> + 'a,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("plot: {e}");
        let mut keys = Vec::new();
        // Position of a label a fraction of the way up the y range, on either scale.
        let y_at = |frac: f64| {
            if self.log_y {
                (y0.ln() + frac * (y1.ln() - y0.ln())).exp()
            } else {
                y0 + frac * (y1 - y0)
            }
        };
        for (i, (a, b, label)) in self.xspans.iter().enumerate() {
            let color = RGBColor(120, 120, 120).mix(0.15);
            let (a, b) = (a.max(x0), b.min(x1));
            if b <= a {
                continue;
            }
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, y0), (b, y1)],
                    color.filled(),
                )))
                .map_err(err)?;
            if !label.is_empty() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        (a, y_at(0.06 + 0.05 * i as f64)),
                        (FONT, 12).into_font().color(&BLACK.mix(0.75)),
                    )))
                    .map_err(err)?;
            }
            keys.push((label.clone(), Key::Area(RGBColor(200, 200, 200))));
        }
        for (i, b) in self.bands.iter().enumerate() {
            let base = PALETTE[i % PALETTE.len()];
            let color = base.mix(0.22);
            let mut poly: Vec<(f64, f64)> =
                b.x.iter().copied().zip(b.upper.iter().copied()).collect();
            poly.extend(b.x.iter().copied().zip(b.lower.iter().copied()).rev());
            poly.retain(|p| p.0.is_finite() && p.1.is_finite() && (!self.log_y || p.1 > 0.0));
            chart
                .draw_series(std::iter::once(Polygon::new(poly, color.filled())))
                .map_err(err)?;
            keys.push((b.name.clone(), Key::Area(base)));
        }
        for &(x, ref label) in &self.vlines {
            let c = BLACK.mix(0.6).stroke_width(2);
            chart
                .draw_series(LineSeries::new(vec![(x, y0), (x, y_at(0.04))], c))
                .map_err(err)?;
            if !label.is_empty() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        // Keep labels of marks near the right edge inside the plot.
                        (x.min(x1 - 0.12 * (x1 - x0)), y_at(0.985)),
                        (FONT, 12),
                    )))
                    .map_err(err)?;
            }
        }
        let mut colour_index = 0;
        for s in &self.series {
            let color = PALETTE[colour_index % PALETTE.len()];
            if s.style != Style::Reference {
                colour_index += 1;
            }
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite() && (!self.log_y || p.1 > 0.0))
                .collect();
            match s.style {
                Style::Line => {
                    chart
                        .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                        .map_err(err)?;
                    keys.push((s.name.clone(), Key::Line(color, false)));
                }
                Style::Dashed => {
                    chart
                        .draw_series(DashedLineSeries::new(pts, 8, 5, color.stroke_width(2)))
                        .map_err(err)?;
                    keys.push((s.name.clone(), Key::Line(color, true)));
                }
                Style::Points => {
                    chart
                        .draw_series(pts.into_iter().map(|p| {
                            EmptyElement::at(p)
                                + Circle::new((0, 0), 5, color.filled())
                                + Circle::new((0, 0), 5, WHITE.stroke_width(1))
                        }))
                        .map_err(err)?;
                    keys.push((s.name.clone(), Key::Marker(color)));
                }
                Style::Triangles => {
                    chart
                        .draw_series(pts.into_iter().map(|p| {
                            EmptyElement::at(p) + TriangleMarker::new((0, 0), 7, color.filled())
                        }))
                        .map_err(err)?;
                    keys.push((s.name.clone(), Key::Triangle(color)));
                }
                Style::LinePoints => {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                        .map_err(err)?;
                    chart
                        .draw_series(pts.into_iter().map(|p| {
                            EmptyElement::at(p)
                                + Circle::new((0, 0), 5, color.filled())
                                + Circle::new((0, 0), 5, WHITE.stroke_width(1))
                        }))
                        .map_err(err)?;
                    keys.push((s.name.clone(), Key::LineMarker(color)));
                }
                Style::Reference => {
                    chart
                        .draw_series(DashedLineSeries::new(
                            pts,
                            6,
                            4,
                            RGBColor(60, 60, 60).stroke_width(2),
                        ))
                        .map_err(err)?;
                    keys.push((s.name.clone(), Key::Reference));
                }
            }
        }
        // Reference lines go on top of the data: a flat curve at the same level (e.g. a
        // minipump at the matched human level) must not hide them.
        for &(y, ref label) in &self.hlines {
            let c = RGBColor(60, 60, 60);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x0, y), (x1, y)],
                    6,
                    4,
                    c.stroke_width(2),
                ))
                .map_err(err)?;
            keys.push((label.clone(), Key::Reference));
        }
        Ok(keys)
    }
}

/// A tick label: integers without decimals (and always for dose axes), otherwise up to 3
/// significant digits without trailing zeros.
fn tick_label(x: f64, integer: bool) -> String {
    if integer || (x - x.round()).abs() < 1e-9 {
        return format!("{:.0}", x);
    }
    let s = format!("{:.3}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Width a legend entry takes: the key, its text (about 7 px per character at 13 px) and a gap.
fn legend_entry_px(name: &str) -> i32 {
    28 + 7 * name.chars().count() as i32 + 22
}

/// Positions (x, y) of the legend entries, left to right, wrapping to a new row at `width`.
fn legend_layout(names: &[&str], width: i32) -> Vec<Vec<(i32, usize)>> {
    let mut rows: Vec<Vec<(i32, usize)>> = Vec::new();
    let mut x = LEGEND_LEFT_PX;
    for (i, name) in names.iter().enumerate() {
        let w = legend_entry_px(name);
        if rows.is_empty() || (x + w - 22 > width - 10 && x > LEGEND_LEFT_PX) {
            rows.push(Vec::new());
            x = LEGEND_LEFT_PX;
        }
        if let Some(row) = rows.last_mut() {
            row.push((x, i));
        }
        x += w;
    }
    rows
}

/// Splits a footnote into lines of at most `NOTE_WRAP_CHARS` characters at spaces.
fn wrap_words(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > NOTE_WRAP_CHARS {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Draws the legend in its own strip, in as many rows as it needs, so it can never cover data.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    keys: &[(String, Key)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let keys: Vec<&(String, Key)> = keys.iter().filter(|k| !k.0.is_empty()).collect();
    let names: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let width = area.dim_in_pixel().0 as i32;
    for (r, row) in legend_layout(&names, width).iter().enumerate() {
        let y = LEGEND_PAD_PX as i32 + (r as u32 * LEGEND_ROW_PX) as i32;
        for &(x, i) in row {
            let (name, key) = (&keys[i].0, &keys[i].1);
            let dashed = |c: RGBColor| -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
                area.draw(&PathElement::new(
                    vec![(x, y + 6), (x + 8, y + 6)],
                    c.stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    vec![(x + 13, y + 6), (x + 22, y + 6)],
                    c.stroke_width(2),
                ))
            };
            match key {
                Key::Line(c, true) => dashed(*c)?,
                Key::Line(c, false) => area.draw(&PathElement::new(
                    vec![(x, y + 6), (x + 22, y + 6)],
                    c.stroke_width(2),
                ))?,
                Key::Marker(c) => area.draw(&Circle::new((x + 11, y + 6), 5, c.filled()))?,
                Key::Triangle(c) => {
                    area.draw(&TriangleMarker::new((x + 11, y + 6), 7, c.filled()))?
                }
                Key::LineMarker(c) => {
                    area.draw(&PathElement::new(
                        vec![(x, y + 6), (x + 22, y + 6)],
                        c.stroke_width(2),
                    ))?;
                    area.draw(&Circle::new((x + 11, y + 6), 5, c.filled()))?;
                }
                Key::Area(c) => area.draw(&Rectangle::new(
                    [(x, y), (x + 22, y + 12)],
                    c.mix(0.3).filled(),
                ))?,
                Key::Reference => dashed(RGBColor(60, 60, 60))?,
            }
            area.draw(&Text::new(name.clone(), (x + 28, y), (FONT, 13)))?;
        }
    }
    Ok(())
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
