//! One spelling of each metric across commands. The canonical name is snake_case, as the JSON
//! fields are (`net_occupancy_trough`); dotted (`net_occupancy.trough`) and hyphenated
//! (`net-occupancy-trough`) spellings, in any case, are accepted as aliases, and the caller
//! reports a note so the user learns the canonical name that every output prints.

use crate::occupancy::OccupancySummary;
use crate::population::summary::{stat, Stat};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Index;

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

/// Every exposure metric levodose reports. The one list of metric names: targets, percentiles,
/// tables and every JSON field of a metric go through [`Metric::name`], so no list of names is
/// kept in step by hand and no behaviour hangs on matching a name's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    CmaxNgPerMl,
    /// Hours after the interval start.
    TmaxH,
    CminNgPerMl,
    CavgNgPerMl,
    /// AUC over one dosing interval at steady state.
    AucTauNgHPerMl,
    AccumulationRatio,
    TimeTo90pctH,
    NetOccupancyTrough,
    NetOccupancyPeak,
    NetOccupancyAverage,
    SertOccupancyTrough,
    SertOccupancyPeak,
    SertOccupancyAverage,
    /// AUC over the last interval of a run (which need not be at steady state, nor a full
    /// interval): a quantity of its own, so its name differs from `AucTauNgHPerMl`.
    AucNgHPerMl,
}

impl Metric {
    /// Every metric.
    pub const ALL: [Metric; 14] = [
        Metric::CmaxNgPerMl,
        Metric::TmaxH,
        Metric::CminNgPerMl,
        Metric::CavgNgPerMl,
        Metric::AucTauNgHPerMl,
        Metric::AccumulationRatio,
        Metric::TimeTo90pctH,
        Metric::NetOccupancyTrough,
        Metric::NetOccupancyPeak,
        Metric::NetOccupancyAverage,
        Metric::SertOccupancyTrough,
        Metric::SertOccupancyPeak,
        Metric::SertOccupancyAverage,
        Metric::AucNgHPerMl,
    ];

    /// The steady-state metrics ([`SteadyMetrics`]), in output order; targets are on these.
    pub const STEADY_STATE: [Metric; 13] = [
        Metric::CmaxNgPerMl,
        Metric::TmaxH,
        Metric::CminNgPerMl,
        Metric::CavgNgPerMl,
        Metric::AucTauNgHPerMl,
        Metric::AccumulationRatio,
        Metric::TimeTo90pctH,
        Metric::NetOccupancyTrough,
        Metric::NetOccupancyPeak,
        Metric::NetOccupancyAverage,
        Metric::SertOccupancyTrough,
        Metric::SertOccupancyPeak,
        Metric::SertOccupancyAverage,
    ];

    /// The metrics of the last interval of a population run (`population::LastMetrics`), in
    /// output order.
    pub const LAST_INTERVAL: [Metric; 11] = [
        Metric::CmaxNgPerMl,
        Metric::TmaxH,
        Metric::CminNgPerMl,
        Metric::CavgNgPerMl,
        Metric::AucNgHPerMl,
        Metric::NetOccupancyTrough,
        Metric::NetOccupancyPeak,
        Metric::NetOccupancyAverage,
        Metric::SertOccupancyTrough,
        Metric::SertOccupancyPeak,
        Metric::SertOccupancyAverage,
    ];

    /// The canonical name (snake_case, as the JSON fields).
    pub const fn name(self) -> &'static str {
        match self {
            Metric::CmaxNgPerMl => "cmax_ng_per_ml",
            Metric::TmaxH => "tmax_h",
            Metric::CminNgPerMl => "cmin_ng_per_ml",
            Metric::CavgNgPerMl => "cavg_ng_per_ml",
            Metric::AucTauNgHPerMl => "auc_tau_ng_h_per_ml",
            Metric::AccumulationRatio => "accumulation_ratio",
            Metric::TimeTo90pctH => "time_to_90pct_h",
            Metric::NetOccupancyTrough => "net_occupancy_trough",
            Metric::NetOccupancyPeak => "net_occupancy_peak",
            Metric::NetOccupancyAverage => "net_occupancy_average",
            Metric::SertOccupancyTrough => "sert_occupancy_trough",
            Metric::SertOccupancyPeak => "sert_occupancy_peak",
            Metric::SertOccupancyAverage => "sert_occupancy_average",
            Metric::AucNgHPerMl => "auc_ng_h_per_ml",
        }
    }

    /// The metric of a canonical name (see [`canonical`] for aliases).
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether the metric is a transporter occupancy (a fraction 0-1).
    pub const fn is_occupancy(self) -> bool {
        matches!(
            self,
            Metric::NetOccupancyTrough
                | Metric::NetOccupancyPeak
                | Metric::NetOccupancyAverage
                | Metric::SertOccupancyTrough
                | Metric::SertOccupancyPeak
                | Metric::SertOccupancyAverage
        )
    }

    /// Names of `metrics`, in their order.
    pub const fn names<const N: usize>(metrics: [Metric; N]) -> [&'static str; N] {
        let mut names = [""; N];
        let mut i = 0;
        while i < N {
            names[i] = metrics[i].name();
            i += 1;
        }
        names
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl Serialize for Metric {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A set of metric values of one subject, read by [`Metric`].
pub trait MetricValues {
    /// The metrics the set holds, in output order.
    const METRICS: &'static [Metric];
    /// The value of `m` (None when the set does not hold it).
    fn value(&self, m: Metric) -> Option<f64>;
}

/// Serialises a metric set as a flat object, fields in `METRICS` order under their names.
fn serialize_values<T: MetricValues, S: Serializer>(
    v: &T,
    type_name: &'static str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut s = serializer.serialize_struct(type_name, T::METRICS.len())?;
    for &m in T::METRICS {
        s.serialize_field(m.name(), &v.value(m).unwrap_or(f64::NAN))?;
    }
    s.end()
}

/// Steady-state metrics of one subject at one dose and interval: the one struct for them.
/// Field names are the canonical metric names ([`Metric::STEADY_STATE`]); the JSON goes through
/// those names. `simulate::SteadyStateOut` wraps it with the dose and interval and prints the
/// occupancies nested (`occupancy.net.trough`), as its JSON always has.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
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

impl MetricValues for SteadyMetrics {
    const METRICS: &'static [Metric] = &Metric::STEADY_STATE;
    fn value(&self, m: Metric) -> Option<f64> {
        Some(match m {
            Metric::CmaxNgPerMl => self.cmax_ng_per_ml,
            Metric::TmaxH => self.tmax_h,
            Metric::CminNgPerMl => self.cmin_ng_per_ml,
            Metric::CavgNgPerMl => self.cavg_ng_per_ml,
            Metric::AucTauNgHPerMl => self.auc_tau_ng_h_per_ml,
            Metric::AccumulationRatio => self.accumulation_ratio,
            Metric::TimeTo90pctH => self.time_to_90pct_h,
            Metric::NetOccupancyTrough => self.net_occupancy_trough,
            Metric::NetOccupancyPeak => self.net_occupancy_peak,
            Metric::NetOccupancyAverage => self.net_occupancy_average,
            Metric::SertOccupancyTrough => self.sert_occupancy_trough,
            Metric::SertOccupancyPeak => self.sert_occupancy_peak,
            Metric::SertOccupancyAverage => self.sert_occupancy_average,
            Metric::AucNgHPerMl => return None,
        })
    }
}

impl Serialize for SteadyMetrics {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_values(self, "SteadyMetrics", serializer)
    }
}

impl SteadyMetrics {
    /// Metric names, in output order.
    pub const NAMES: [&'static str; 13] = Metric::names(Metric::STEADY_STATE);

    /// The values in output order (`NAMES`).
    pub fn values(&self) -> [f64; 13] {
        Metric::STEADY_STATE.map(|m| self[m])
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

    /// A metric by canonical name (`NAMES`).
    pub fn get(&self, name: &str) -> Option<f64> {
        Metric::from_name(name).and_then(|m| self.value(m))
    }
}

impl Index<Metric> for SteadyMetrics {
    type Output = f64;
    /// Panics for a metric that is not a steady-state metric (`Metric::STEADY_STATE`).
    fn index(&self, m: Metric) -> &f64 {
        match m {
            Metric::CmaxNgPerMl => &self.cmax_ng_per_ml,
            Metric::TmaxH => &self.tmax_h,
            Metric::CminNgPerMl => &self.cmin_ng_per_ml,
            Metric::CavgNgPerMl => &self.cavg_ng_per_ml,
            Metric::AucTauNgHPerMl => &self.auc_tau_ng_h_per_ml,
            Metric::AccumulationRatio => &self.accumulation_ratio,
            Metric::TimeTo90pctH => &self.time_to_90pct_h,
            Metric::NetOccupancyTrough => &self.net_occupancy_trough,
            Metric::NetOccupancyPeak => &self.net_occupancy_peak,
            Metric::NetOccupancyAverage => &self.net_occupancy_average,
            Metric::SertOccupancyTrough => &self.sert_occupancy_trough,
            Metric::SertOccupancyPeak => &self.sert_occupancy_peak,
            Metric::SertOccupancyAverage => &self.sert_occupancy_average,
            Metric::AucNgHPerMl => panic!("{m} is not a steady-state metric"),
        }
    }
}

/// Exposure and occupancy over the last dosing interval of a population run, read from the
/// output grid ([`Metric::LAST_INTERVAL`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LastMetrics {
    pub cmax_ng_per_ml: f64,
    /// Hours after the last dose.
    pub tmax_h: f64,
    pub cmin_ng_per_ml: f64,
    pub cavg_ng_per_ml: f64,
    pub auc_ng_h_per_ml: f64,
    pub net_occupancy_trough: f64,
    pub net_occupancy_peak: f64,
    pub net_occupancy_average: f64,
    pub sert_occupancy_trough: f64,
    pub sert_occupancy_peak: f64,
    pub sert_occupancy_average: f64,
}

impl MetricValues for LastMetrics {
    const METRICS: &'static [Metric] = &Metric::LAST_INTERVAL;
    fn value(&self, m: Metric) -> Option<f64> {
        Some(match m {
            Metric::CmaxNgPerMl => self.cmax_ng_per_ml,
            Metric::TmaxH => self.tmax_h,
            Metric::CminNgPerMl => self.cmin_ng_per_ml,
            Metric::CavgNgPerMl => self.cavg_ng_per_ml,
            Metric::AucNgHPerMl => self.auc_ng_h_per_ml,
            Metric::NetOccupancyTrough => self.net_occupancy_trough,
            Metric::NetOccupancyPeak => self.net_occupancy_peak,
            Metric::NetOccupancyAverage => self.net_occupancy_average,
            Metric::SertOccupancyTrough => self.sert_occupancy_trough,
            Metric::SertOccupancyPeak => self.sert_occupancy_peak,
            Metric::SertOccupancyAverage => self.sert_occupancy_average,
            Metric::AucTauNgHPerMl | Metric::AccumulationRatio | Metric::TimeTo90pctH => {
                return None
            }
        })
    }
}

impl Serialize for LastMetrics {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_values(self, "LastMetrics", serializer)
    }
}

impl LastMetrics {
    /// Metric names, in output order.
    pub const NAMES: [&'static str; 11] = Metric::names(Metric::LAST_INTERVAL);

    /// The values in output order (`NAMES`).
    pub fn values(&self) -> [f64; 11] {
        Metric::LAST_INTERVAL.map(|m| self.value(m).unwrap_or(f64::NAN))
    }
}

/// Population percentiles ([`Stat`]) of some metrics, indexed by [`Metric`]. The JSON is an
/// object keyed by the metric names in alphabetical order (the order these objects have always
/// had), and so is iteration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricStats {
    stats: [Option<Stat>; Metric::ALL.len()],
}

impl MetricStats {
    /// Percentiles of each of `metrics` over `rows` (a metric a row lacks counts as NaN).
    pub fn of<T: MetricValues>(rows: &[T], metrics: &[Metric]) -> MetricStats {
        let mut out = MetricStats::default();
        for &m in metrics {
            let col: Vec<f64> = rows
                .iter()
                .map(|r| r.value(m).unwrap_or(f64::NAN))
                .collect();
            out.insert(m, stat(&col));
        }
        out
    }

    /// Sets the percentiles of `m`.
    pub fn insert(&mut self, m: Metric, s: Stat) {
        self.stats[m as usize] = Some(s);
    }

    pub fn get(&self, m: Metric) -> Option<&Stat> {
        self.stats[m as usize].as_ref()
    }

    pub fn contains_key(&self, name: &str) -> bool {
        Metric::from_name(name).is_some_and(|m| self.get(m).is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.stats.iter().all(Option::is_none)
    }

    pub fn len(&self) -> usize {
        self.stats.iter().filter(|s| s.is_some()).count()
    }

    /// (metric, percentiles) in alphabetical order of the names.
    pub fn iter(&self) -> impl Iterator<Item = (Metric, &Stat)> + '_ {
        let mut ms: Vec<Metric> = Metric::ALL
            .into_iter()
            .filter(|m| self.get(*m).is_some())
            .collect();
        ms.sort_by_key(|m| m.name());
        ms.into_iter().filter_map(|m| self.get(m).map(|s| (m, s)))
    }

    /// The metrics held, in alphabetical order of the names.
    pub fn keys(&self) -> impl Iterator<Item = Metric> + '_ {
        self.iter().map(|(m, _)| m)
    }
}

impl<'a> IntoIterator for &'a MetricStats {
    type Item = (Metric, &'a Stat);
    type IntoIter = Box<dyn Iterator<Item = (Metric, &'a Stat)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Index<Metric> for MetricStats {
    type Output = Stat;
    fn index(&self, m: Metric) -> &Stat {
        self.get(m)
            .unwrap_or_else(|| panic!("no percentiles of {m}"))
    }
}

/// By canonical name, as the maps keyed by name these replace were read.
impl Index<&str> for MetricStats {
    type Output = Stat;
    fn index(&self, name: &str) -> &Stat {
        let m = Metric::from_name(name).unwrap_or_else(|| panic!("no metric \"{name}\""));
        &self[m]
    }
}

impl Index<&String> for MetricStats {
    type Output = Stat;
    fn index(&self, name: &String) -> &Stat {
        &self[name.as_str()]
    }
}

impl Serialize for MetricStats {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (m, s) in self.iter() {
            map.serialize_entry(m.name(), s)?;
        }
        map.end()
    }
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
