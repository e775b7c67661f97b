//! One spelling of each metric across commands. The canonical name is snake_case, as the JSON
//! fields are (`net_occupancy_trough`); dotted (`net_occupancy.trough`) and hyphenated
//! (`net-occupancy-trough`) spellings, in any case, are accepted as aliases, and the caller
//! reports a note so the user learns the canonical name that every output prints.

use crate::occupancy::OccupancySummary;
use serde::Serialize;

/// The canonical spelling of a metric name: lower case, `.` and `-` written as `_`.
pub fn canonical(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace(['.', '-'], "_")
}

/// A note when `text` is an alias of its canonical name (None when already canonical).
pub fn alias_note(text: &str) -> Option<String> {
    let c = canonical(text);
    (text.trim() != c).then(|| {
        format!(
            "metric \"{}\" is an alias of \"{c}\", the name every output uses",
            text.trim()
        )
    })
}

/// Alias notes of the metrics of several target or metric expressions (`METRIC>=X` allowed).
pub fn alias_notes(texts: &[String]) -> Vec<String> {
    let mut notes: Vec<String> = texts
        .iter()
        .filter_map(|t| {
            let lhs = t.split(['>', '<', '=']).next().unwrap_or(t);
            alias_note(lhs)
        })
        .collect();
    notes.dedup();
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_one_canonical_name() {
        for alias in [
            "net_occupancy.trough",
            "net-occupancy-trough",
            "NET_OCCUPANCY_TROUGH",
        ] {
            assert_eq!(canonical(alias), "net_occupancy_trough");
            assert!(alias_note(alias)
                .unwrap()
                .contains("\"net_occupancy_trough\""));
        }
        assert_eq!(alias_note("net_occupancy_trough"), None);
        assert_eq!(
            alias_notes(&[
                "net_occupancy.trough>=0.8".into(),
                "cmax_ng_per_ml<=400".into()
            ])
            .len(),
            1
        );
    }
}

/// Steady-state metrics of one subject at one dose and interval: the one struct for them.
/// Field names are the canonical metric names (`NAMES`) that targets, percentiles and every
/// JSON output use; `simulate::SteadyStateOut` wraps it with the dose and interval and prints
/// the occupancies nested (`occupancy.net.trough`), as its JSON always has.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SteadyMetrics {
    pub cmax_ng_per_ml: f64,
    pub tmax_h: f64,
    pub cmin_ng_per_ml: f64,
    pub cavg_ng_per_ml: f64,
    pub auc_tau_ng_h_per_ml: f64,
    pub accumulation_ratio: f64,
    pub time_to_90pct_h: f64,
    pub net_occupancy_trough: f64,
    pub net_occupancy_peak: f64,
    pub net_occupancy_average: f64,
    pub sert_occupancy_trough: f64,
    pub sert_occupancy_peak: f64,
    pub sert_occupancy_average: f64,
}

impl SteadyMetrics {
    /// Metric names, in output order.
    pub const NAMES: [&'static str; 13] = [
        "cmax_ng_per_ml",
        "tmax_h",
        "cmin_ng_per_ml",
        "cavg_ng_per_ml",
        "auc_tau_ng_h_per_ml",
        "accumulation_ratio",
        "time_to_90pct_h",
        "net_occupancy_trough",
        "net_occupancy_peak",
        "net_occupancy_average",
        "sert_occupancy_trough",
        "sert_occupancy_peak",
        "sert_occupancy_average",
    ];

    pub fn values(&self) -> [f64; 13] {
        [
            self.cmax_ng_per_ml,
            self.tmax_h,
            self.cmin_ng_per_ml,
            self.cavg_ng_per_ml,
            self.auc_tau_ng_h_per_ml,
            self.accumulation_ratio,
            self.time_to_90pct_h,
            self.net_occupancy_trough,
            self.net_occupancy_peak,
            self.net_occupancy_average,
            self.sert_occupancy_trough,
            self.sert_occupancy_peak,
            self.sert_occupancy_average,
        ]
    }

    /// NET occupancy over the interval (trough, peak, time average).
    pub fn net_occupancy(&self) -> OccupancySummary {
        OccupancySummary {
            trough: self.net_occupancy_trough,
            peak: self.net_occupancy_peak,
            average: self.net_occupancy_average,
        }
    }

    /// SERT occupancy over the interval (trough, peak, time average).
    pub fn sert_occupancy(&self) -> OccupancySummary {
        OccupancySummary {
            trough: self.sert_occupancy_trough,
            peak: self.sert_occupancy_peak,
            average: self.sert_occupancy_average,
        }
    }

    /// A metric by name (`NAMES`).
    pub fn get(&self, name: &str) -> Option<f64> {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| self.values()[i])
    }
}
