//! SVG figures of `analyze study`, one function per figure so the HTML report can embed each:
//! every animal as a point with group mean and SEM and Dunnett marks; qPCR fold changes with 95 %
//! CIs on a log2 axis; the locomotor check as two panels. Plain SVG text: categorical axes and
//! error bars are simpler to draw directly than through the line-chart builder.

use levodose::study::StudyResult;
use levodose_stats::comparisons::EndpointAnalysis;
use std::fmt::Write;

const W: f64 = 720.0;
const H: f64 = 420.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 90.0;
/// Okabe & Ito (2008) colour-blind-safe palette, as in `levodose_report::plot::PALETTE` (yellow omitted:
/// too light for points on white).
const COLOURS: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];
/// Approximate width of one character of 11 px DejaVu Sans, for wrapping group labels.
const LABEL_CHAR_PX: f64 = 6.5;

/// Every figure as (file name, SVG text).
pub fn all(r: &StudyResult) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, a) in &r.endpoints.0 {
        if let Some(v) = r.values.get(name) {
            out.push((
                format!("endpoint_{}.svg", file_stem(name)),
                endpoint(name, a, v, &r.study.control),
            ));
        }
    }
    if !r.qpcr.0.is_empty() {
        out.push(("qpcr_fold_change.svg".into(), qpcr(r)));
    }
    if !r.locomotor_check.is_empty() {
        out.push(("locomotor_check.svg".into(), locomotor(r)));
    }
    out
}

fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn header(title: &str, w: f64, h: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
        w / 2.0,
        esc(title)
    )
}

/// About five round tick values covering [lo, hi].
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * mag);
    let mut t = Vec::new();
    let mut v = (lo / step).ceil() * step;
    while v <= hi + 1e-9 * span {
        t.push(v);
        v += step;
    }
    t
}

/// Vertical axis with ticks and a label; returns the y mapping.
#[allow(clippy::too_many_arguments)] // one drawing call: position, range, label and tick format
fn y_axis(
    s: &mut String,
    lo: f64,
    hi: f64,
    x0: f64,
    top: f64,
    bottom: f64,
    label: &str,
    fmt: &dyn Fn(f64) -> String,
) -> impl Fn(f64) -> f64 {
    let map = move |v: f64| bottom - (v - lo) / (hi - lo) * (bottom - top);
    let _ = writeln!(
        s,
        "<line x1=\"{x0}\" y1=\"{top}\" x2=\"{x0}\" y2=\"{bottom}\" stroke=\"black\"/>"
    );
    for t in ticks(lo, hi) {
        let y = map(t);
        let _ = writeln!(s, "<line x1=\"{}\" y1=\"{y:.1}\" x2=\"{x0}\" y2=\"{y:.1}\" stroke=\"black\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>", x0 - 5.0, x0 - 8.0, y + 4.0, fmt(t));
    }
    let _ = writeln!(
        s,
        "<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        x0 - 55.0,
        (top + bottom) / 2.0,
        esc(label)
    );
    map
}

/// Group label under the axis, centred, wrapped at spaces to fit its slot (`slot` px wide) so
/// neighbouring labels never run into each other and nothing is cut off.
fn x_label(s: &mut String, x: f64, y: f64, name: &str, slot: f64) {
    let max_chars = ((slot - 6.0) / LABEL_CHAR_PX).floor().max(6.0) as usize;
    for (i, line) in wrap(name, max_chars).iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            y + 13.0 * i as f64,
            esc(line)
        );
    }
}

/// Splits `text` into lines of at most `max_chars` characters at spaces (a longer word stays
/// whole on its own line).
fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max_chars {
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

fn stars(p: f64) -> &'static str {
    if p < 0.001 {
        "***"
    } else if p < 0.01 {
        "**"
    } else if p < 0.05 {
        "*"
    } else {
        "ns"
    }
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.12).max(1e-9 * hi.abs().max(1.0));
    (lo - pad, hi + 2.0 * pad)
}

/// Points per animal, mean and SEM per group, Dunnett marks against the control.
pub fn endpoint(name: &str, a: &EndpointAnalysis, values: &[Vec<f64>], control: &str) -> String {
    let mut s = header(
        &format!("{name}: animals, mean and SEM; Dunnett vs {control}"),
        W,
        H,
    );
    let (lo, hi) = range(values.iter().flatten().copied());
    let y = y_axis(&mut s, lo, hi, LEFT, TOP, H - BOTTOM, name, &|v| {
        format!("{v}")
    });
    let k = values.len().max(1);
    let slot = (W - LEFT - RIGHT) / k as f64;
    for (i, (g, v)) in a.groups.iter().zip(values).enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        let c = COLOURS[i % COLOURS.len()];
        for (j, x) in v.iter().enumerate() {
            // Deterministic jitter: alternate sides, growing offsets.
            let off = ((j % 7) as f64 - 3.0) * slot * 0.05;
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{c}\" fill-opacity=\"0.55\"/>",
                cx + off,
                y(*x)
            );
        }
        if let Some(m) = g.mean {
            let _ = writeln!(s, "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\" stroke-width=\"2.5\"/>", cx - slot * 0.25, y(m), cx + slot * 0.25, y(m));
            if let Some(se) = g.sem {
                let _ = writeln!(s, "<line x1=\"{cx:.1}\" y1=\"{:.1}\" x2=\"{cx:.1}\" y2=\"{:.1}\" stroke=\"black\" stroke-width=\"1.5\"/>", y(m - se), y(m + se));
                for e in [m - se, m + se] {
                    let _ = writeln!(s, "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\"/>", cx - slot * 0.08, y(e), cx + slot * 0.08, y(e));
                }
            }
        }
        if let Some(d) = a.dunnett.iter().find(|d| d.group == g.group) {
            let _ = writeln!(
                s,
                "<text x=\"{cx:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\">{}</text>",
                TOP + 4.0,
                stars(d.p_adjusted)
            );
        } else if g.group == control {
            let _ = writeln!(s, "<text x=\"{cx:.1}\" y=\"{}\" text-anchor=\"middle\" font-style=\"italic\">control</text>", TOP + 4.0);
        }
        x_label(&mut s, cx, H - BOTTOM + 18.0, &g.group, slot);
    }
    let _ = writeln!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{b}\" x2=\"{}\" y2=\"{b}\" stroke=\"black\"/>",
        W - RIGHT,
        b = H - BOTTOM
    );
    let _ = writeln!(s, "<text x=\"{LEFT}\" y=\"{}\" font-size=\"10\">Bars: mean and SEM. Dunnett adjusted p: * &lt; 0.05, ** &lt; 0.01, *** &lt; 0.001, ns not significant.</text>", H - 12.0);
    s.push_str("</svg>\n");
    s
}

/// qPCR fold change (2^-ddCt) with 95 % CI per group, one panel per target, log2 axis.
pub fn qpcr(r: &StudyResult) -> String {
    let n = r.qpcr.0.len();
    // Wide enough for each group's label (about 100 px) under its point.
    let groups = r
        .qpcr
        .0
        .iter()
        .map(|(_, t)| t.groups.len())
        .max()
        .unwrap_or(1);
    let pw = (LEFT + RIGHT + 100.0 * groups as f64).max(420.0);
    let w = pw * n as f64;
    let mut s = header("qPCR fold change vs calibrator (95 % CI, log2 axis)", w, H);
    for (p, (gene, t)) in r.qpcr.0.iter().enumerate() {
        let x0 = p as f64 * pw + LEFT;
        let vals = t
            .groups
            .iter()
            .flat_map(|g| [g.fold_change_lower, g.fold_change_upper, g.fold_change])
            .flatten()
            .map(f64::log2);
        let (lo, hi) = range(vals.chain([0.0]));
        let y = y_axis(
            &mut s,
            lo,
            hi,
            x0,
            TOP,
            H - BOTTOM,
            &format!("{gene} fold change"),
            &|v| format!("{:.3}", v.exp2()),
        );
        let slot = (pw - LEFT - RIGHT) / t.groups.len().max(1) as f64;
        let _ = writeln!(s, "<line x1=\"{x0}\" y1=\"{z:.1}\" x2=\"{}\" y2=\"{z:.1}\" stroke=\"grey\" stroke-dasharray=\"4 3\"/>", x0 + pw - LEFT - RIGHT, z = y(0.0));
        for (i, g) in t.groups.iter().enumerate() {
            let cx = x0 + slot * (i as f64 + 0.5);
            if let (Some(l), Some(u)) = (g.fold_change_lower, g.fold_change_upper) {
                let _ = writeln!(s, "<line x1=\"{cx:.1}\" y1=\"{:.1}\" x2=\"{cx:.1}\" y2=\"{:.1}\" stroke=\"black\"/>", y(l.log2()), y(u.log2()));
            }
            if let Some(f) = g.fold_change {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{cx:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{}\"/>",
                    y(f.log2()),
                    COLOURS[i % COLOURS.len()]
                );
            }
            x_label(&mut s, cx, H - BOTTOM + 18.0, &g.group, slot);
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Two panels: forced swim difference (s) and open-field difference (% of control) per drug group.
pub fn locomotor(r: &StudyResult) -> String {
    let pw = 400.0;
    let mut s = header(
        &format!(
            "Locomotor check: difference from {} (Dunnett)",
            r.study.control
        ),
        2.0 * pw,
        H,
    );
    let rows = &r.locomotor_check;
    type Pick = fn(&levodose::study::locomotor::LocomotorRow) -> (f64, f64);
    let panels: [(&str, Pick); 2] = [
        ("forced swim immobility, difference (s)", |l| {
            (l.fst_estimate, l.fst_p_adjusted)
        }),
        ("open-field distance, difference (% of control)", |l| {
            (l.oft_pct_of_control.unwrap_or(0.0), l.oft_p_adjusted)
        }),
    ];
    for (p, (label, pick)) in panels.iter().enumerate() {
        let x0 = p as f64 * pw + LEFT;
        let (lo, hi) = range(rows.iter().map(|l| pick(l).0).chain([0.0]));
        let y = y_axis(&mut s, lo, hi, x0, TOP, H - BOTTOM, label, &|v| {
            format!("{v}")
        });
        let slot = (pw - LEFT - RIGHT) / rows.len().max(1) as f64;
        let _ = writeln!(
            s,
            "<line x1=\"{x0}\" y1=\"{z:.1}\" x2=\"{}\" y2=\"{z:.1}\" stroke=\"black\"/>",
            x0 + pw - LEFT - RIGHT,
            z = y(0.0)
        );
        for (i, l) in rows.iter().enumerate() {
            let (v, pv) = pick(l);
            let cx = x0 + slot * (i as f64 + 0.5);
            let (ya, yb) = (y(0.0).min(y(v)), y(0.0).max(y(v)));
            let _ = writeln!(s, "<rect x=\"{:.1}\" y=\"{ya:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" fill-opacity=\"0.7\"/>", cx - slot * 0.3, slot * 0.6, yb - ya, COLOURS[(i + 2) % COLOURS.len()]);
            let _ = writeln!(
                s,
                "<text x=\"{cx:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                TOP + 4.0,
                stars(pv)
            );
            x_label(&mut s, cx, H - BOTTOM + 18.0, &l.group, slot);
        }
    }
    s.push_str("</svg>\n");
    s
}
