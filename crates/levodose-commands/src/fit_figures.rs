//! Figures of `levodose fit --out`: goodness of fit, individual fits and the visual predictive
//! check. They only draw what the library computed (`FitResult`, `curves`, `vpc`).

use levodose::dataset::DatasetUnits;
use levodose_fit::curves::IndividualCurves;
use levodose_fit::estimate::FitResult;
use levodose_fit::vpc::Vpc;
use levodose_report::plot::Chart;

/// Individual-fit figures are drawn for the first this many subjects (dataset order): beyond
/// a dozen panels nobody looks at each one, and a large study would write hundreds of files.
pub const MAX_INDIVIDUAL_PLOTS: usize = 12;

/// Grid points of each individual PRED/IPRED curve (plus the dose and sampling times).
pub const CURVE_POINTS: usize = 240;

/// A chart and the file stem it is written under (`<stem>.svg`, figure id in the report).
pub struct NamedChart {
    pub stem: String,
    pub chart: Chart,
}

fn conc_label(what: &str, units: &DatasetUnits) -> String {
    format!("{what} ({})", units.dv.as_str())
}

fn with_note(mut c: Chart) -> Chart {
    c.note = Some(crate::research_note().to_string());
    c
}

/// Observed against PRED or IPRED, with the line of identity.
pub fn dv_vs(r: &FitResult, individual: bool, units: &DatasetUnits) -> NamedChart {
    let name = if individual { "IPRED" } else { "PRED" };
    let pts: Vec<(f64, f64)> = r
        .observations
        .iter()
        .map(|d| (if individual { d.ipred } else { d.pred }, d.dv))
        .collect();
    let max = pts.iter().map(|p| p.0.max(p.1)).fold(0.0, f64::max);
    let mut c = Chart::new(
        format!("Observed vs {name}"),
        conc_label(name, units),
        conc_label("observed DV", units),
    )
    .points("observations", pts)
    .line("identity", vec![(0.0, 0.0), (max, max)]);
    c.caption = Some(format!(
        "Observed concentration against the {} prediction; points on the line of identity are predicted exactly.",
        if individual {
            "individual (post hoc, IPRED)"
        } else {
            "population (eta = 0, PRED)"
        }
    ));
    NamedChart {
        stem: format!("dv_vs_{}", name.to_ascii_lowercase()),
        chart: with_note(c),
    }
}

/// CWRES against time or PRED, with the zero line.
pub fn cwres_vs(r: &FitResult, vs_time: bool, units: &DatasetUnits) -> NamedChart {
    let pts: Vec<(f64, f64)> = r
        .observations
        .iter()
        .filter_map(|d| {
            d.cwres
                .map(|c| (if vs_time { d.time_h } else { d.pred }, c))
        })
        .collect();
    let x = if vs_time {
        "time (h)".to_string()
    } else {
        conc_label("PRED", units)
    };
    let xmax = pts.iter().map(|p| p.0).fold(0.0, f64::max);
    let mut c = Chart::new(
        format!("CWRES vs {}", if vs_time { "time" } else { "PRED" }),
        x,
        "CWRES (dimensionless)",
    )
    .points("CWRES", pts)
    .line("0", vec![(0.0, 0.0), (xmax, 0.0)]);
    c.caption = Some(
        "Conditional weighted residuals (FOCE, Hooker et al. 2007); without model misspecification they scatter around 0, mostly within -2 to 2."
            .into(),
    );
    NamedChart {
        stem: format!("cwres_vs_{}", if vs_time { "time" } else { "pred" }),
        chart: with_note(c),
    }
}

/// The four goodness-of-fit plots.
pub fn goodness_of_fit(r: &FitResult, units: &DatasetUnits) -> Vec<NamedChart> {
    vec![
        dv_vs(r, false, units),
        dv_vs(r, true, units),
        cwres_vs(r, true, units),
        cwres_vs(r, false, units),
    ]
}

/// Unit of a structural parameter on the natural scale (V in L because predictions are
/// amount / V in DV units with amounts scaled to DV units x L).
fn parameter_unit(name: &str) -> &'static str {
    match name {
        "cl" | "q" => " L/h",
        "v" | "vp" => " L",
        "ka" => " 1/h",
        "lag" => " h",
        _ => "",
    }
}

/// A file-name-safe version of a subject ID.
fn safe_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One figure per subject for the first [`MAX_INDIVIDUAL_PLOTS`] subjects: observed DV,
/// IPRED and PRED curves on a fine grid.
pub fn individual_fits(curves: &[IndividualCurves], units: &DatasetUnits) -> Vec<NamedChart> {
    curves
        .iter()
        .take(MAX_INDIVIDUAL_PLOTS)
        .map(|c| {
            let ipred: Vec<(f64, f64)> = c.time_h.iter().copied().zip(c.ipred.clone()).collect();
            let pred: Vec<(f64, f64)> = c.time_h.iter().copied().zip(c.pred.clone()).collect();
            let mut chart = Chart::new(
                format!("Subject {}: observed, IPRED and PRED", c.id),
                "time (h)",
                conc_label("concentration", units),
            )
            .line("IPRED (post hoc)", ipred)
            .dashed("PRED (eta = 0)", pred)
            .points("observed DV", c.observed.clone());
            let params: Vec<String> = c
                .parameters
                .iter()
                .map(|(n, v)| format!("{n} {}{}", fmt_sig(*v), parameter_unit(n)))
                .collect();
            chart.caption = Some(format!(
                "Subject {}: post hoc {}. Curves are the model's closed form on a {}-point grid.",
                c.id,
                params.join(", "),
                CURVE_POINTS
            ));
            NamedChart {
                stem: format!("individual_{}", safe_id(&c.id)),
                chart: with_note(chart),
            }
        })
        .collect()
}

/// Four significant digits, for captions.
fn fmt_sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// The VPC: observed 5th/50th/95th percentiles over the simulated percentiles' 95 % intervals.
pub fn vpc_chart(v: &Vpc, units: &DatasetUnits) -> NamedChart {
    let x: Vec<f64> = v.bins.iter().map(|b| b.time_h).collect();
    let band = |f: &dyn Fn(&levodose_fit::vpc::VpcBin) -> levodose_fit::vpc::Interval| {
        let lo = v.bins.iter().map(|b| f(b).lower).collect();
        let hi = v.bins.iter().map(|b| f(b).upper).collect();
        (lo, hi)
    };
    let obs = |f: &dyn Fn(&levodose_fit::vpc::Percentiles) -> f64| -> Vec<(f64, f64)> {
        v.bins.iter().map(|b| (b.time_h, f(&b.observed))).collect()
    };
    let (l05, u05) = band(&|b| b.simulated.p05);
    let (l50, u50) = band(&|b| b.simulated.p50);
    let (l95, u95) = band(&|b| b.simulated.p95);
    // Bands and lines share colours by order: 5th, median, 95th.
    let mut c = Chart::new(
        "Visual predictive check",
        "time (h)",
        conc_label("concentration", units),
    )
    .band("simulated 5th pct, 95 % CI", x.clone(), l05, u05)
    .band("simulated median, 95 % CI", x.clone(), l50, u50)
    .band("simulated 95th pct, 95 % CI", x, l95, u95)
    .dashed("observed 5th pct", obs(&|p| p.p05))
    .line("observed median", obs(&|p| p.p50))
    .dashed("observed 95th pct", obs(&|p| p.p95));
    c.caption = Some(format!(
        "{} replicates of the study design simulated from the fitted model (seed {}); bins: {}. Lines: observed percentiles at the median time of each bin; shaded: 95 % intervals of the same simulated percentiles.",
        v.replicates, v.seed, v.binning
    ));
    NamedChart {
        stem: "vpc".into(),
        chart: with_note(c),
    }
}

/// The VPC bins as CSV (the table behind the figure).
pub fn vpc_csv(v: &Vpc) -> String {
    let mut s = String::from(
        "BIN,TIME_LOWER_H,TIME_UPPER_H,TIME_MEDIAN_H,N,OBS_P05,OBS_P50,OBS_P95,SIM_P05_LO,SIM_P05_MED,SIM_P05_HI,SIM_P50_LO,SIM_P50_MED,SIM_P50_HI,SIM_P95_LO,SIM_P95_MED,SIM_P95_HI\n",
    );
    for (i, b) in v.bins.iter().enumerate() {
        let o = &b.observed;
        let s5 = &b.simulated.p05;
        let s50 = &b.simulated.p50;
        let s95 = &b.simulated.p95;
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            i + 1,
            b.lower_h,
            b.upper_h,
            b.time_h,
            b.n_observations,
            o.p05,
            o.p50,
            o.p95,
            s5.lower,
            s5.median,
            s5.upper,
            s50.lower,
            s50.median,
            s50.upper,
            s95.lower,
            s95.median,
            s95.upper
        ));
    }
    s
}
