//! Exposure matching: the animal dose that reproduces a human steady-state metric.
//!
//! For each animal schedule (qd, bid, tid injections; a minipump as mg/kg/day) the steady-state
//! profile over 24 h is computed exactly (`pk::steady_state`, periodic), the metric evaluated, and
//! the dose solved: linear metrics (free Cavg, AUC24, Cmax) by proportion, occupancy metrics by
//! bisection on log dose (occupancy rises monotonically with dose).

use super::species::{AnimalRoute, SpeciesModel};
use crate::error::{Error, Result};
use crate::occupancy::OccupancyModel;
use crate::pk::{self, PkParams};
use crate::regimen::DoseEvent;
use serde::{Deserialize, Serialize};

/// What is matched between human and animal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    FreeCavg,
    FreeAuc24,
    FreeCmax,
    NetOccupancyTrough,
    NetOccupancyAverage,
    SertOccupancyTrough,
    SertOccupancyAverage,
}

pub const METRIC_NAMES: &str =
    "free_cavg, free_auc24, free_cmax, net_occupancy_trough, net_occupancy_average, sert_occupancy_trough, sert_occupancy_average (hyphens or dots accepted as aliases)";

impl Metric {
    pub fn parse(s: &str) -> Result<Metric> {
        Ok(match crate::metric::canonical(s).as_str() {
            "free_cavg" => Metric::FreeCavg,
            "free_auc24" => Metric::FreeAuc24,
            "free_cmax" => Metric::FreeCmax,
            "net_occupancy_trough" => Metric::NetOccupancyTrough,
            "net_occupancy_average" => Metric::NetOccupancyAverage,
            "sert_occupancy_trough" => Metric::SertOccupancyTrough,
            "sert_occupancy_average" => Metric::SertOccupancyAverage,
            other => {
                return Err(Error::input(
                    "metric",
                    format!("\"{other}\" is not one of: {METRIC_NAMES}"),
                ))
            }
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FreeCavg => "free_cavg",
            Metric::FreeAuc24 => "free_auc24",
            Metric::FreeCmax => "free_cmax",
            Metric::NetOccupancyTrough => "net_occupancy_trough",
            Metric::NetOccupancyAverage => "net_occupancy_average",
            Metric::SertOccupancyTrough => "sert_occupancy_trough",
            Metric::SertOccupancyAverage => "sert_occupancy_average",
        }
    }
    /// Unit of the metric and of its instantaneous quantity.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::FreeCavg | Metric::FreeCmax => "ng/mL (free)",
            Metric::FreeAuc24 => "ng*h/mL (free, per 24 h)",
            _ => "fraction occupied",
        }
    }
    pub fn is_occupancy(self) -> bool {
        !matches!(
            self,
            Metric::FreeCavg | Metric::FreeAuc24 | Metric::FreeCmax
        )
    }
    /// The quantity at one instant for total concentration `c` (ng/mL): occupancy or free conc.
    pub fn instantaneous(self, occ: &OccupancyModel, c: f64) -> f64 {
        match self {
            Metric::NetOccupancyTrough | Metric::NetOccupancyAverage => occ.net(c),
            Metric::SertOccupancyTrough | Metric::SertOccupancyAverage => occ.sert(c),
            _ => occ.free_ng_per_ml(c),
        }
    }
    /// The instantaneous level equivalent to a metric value (AUC24 -> its 24-h average).
    pub fn instantaneous_level(self, value: f64) -> f64 {
        if self == Metric::FreeAuc24 {
            value / 24.0
        } else {
            value
        }
    }
}

/// A steady-state profile over one dosing interval (times from the dose, h; total ng/mL).
#[derive(Debug, Clone)]
pub struct Periodic {
    pub tau_h: f64,
    pub samples: Vec<(f64, f64)>,
    pub tmax_h: f64,
    pub cmax_ng_per_ml: f64,
    pub cmin_ng_per_ml: f64,
    pub cavg_ng_per_ml: f64,
}

/// Steady state of `dose` every `tau_h` (exact periodic solution).
pub fn periodic(params: &PkParams, dose: &DoseEvent, tau_h: f64) -> Result<Periodic> {
    let ss = pk::steady_state(params, dose, tau_h)?;
    let m = ss.profile.metrics;
    Ok(Periodic {
        tau_h,
        samples: ss.profile.samples,
        tmax_h: m.tmax_h,
        cmax_ng_per_ml: m.cmax_ng_per_ml,
        cmin_ng_per_ml: m.cmin_ng_per_ml,
        cavg_ng_per_ml: m.cavg_ng_per_ml,
    })
}

/// Summary of a metric's instantaneous quantity over the interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Levels {
    pub trough: f64,
    pub peak: f64,
    pub average: f64,
}

impl Periodic {
    /// The metric value of this profile.
    pub fn metric(&self, metric: Metric, occ: &OccupancyModel) -> f64 {
        let l = self.levels(metric, occ);
        match metric {
            Metric::FreeCavg => occ.free_ng_per_ml(self.cavg_ng_per_ml),
            Metric::FreeAuc24 => occ.free_ng_per_ml(self.cavg_ng_per_ml) * 24.0,
            Metric::FreeCmax => occ.free_ng_per_ml(self.cmax_ng_per_ml),
            Metric::NetOccupancyTrough | Metric::SertOccupancyTrough => l.trough,
            Metric::NetOccupancyAverage | Metric::SertOccupancyAverage => l.average,
        }
    }

    /// Trough, peak and time-average of the instantaneous quantity (trapezoid rule).
    pub fn levels(&self, metric: Metric, occ: &OccupancyModel) -> Levels {
        let q = |c: f64| metric.instantaneous(occ, c);
        let mut area = 0.0;
        for w in self.samples.windows(2) {
            area += 0.5 * (q(w[0].1) + q(w[1].1)) * (w[1].0 - w[0].0);
        }
        Levels {
            trough: q(self.cmin_ng_per_ml),
            peak: q(self.cmax_ng_per_ml),
            average: area / self.tau_h,
        }
    }

    /// Hours per interval with the instantaneous quantity at or above `level` (linear
    /// interpolation between samples).
    pub fn hours_at_or_above(&self, metric: Metric, occ: &OccupancyModel, level: f64) -> f64 {
        let mut h = 0.0;
        for w in self.samples.windows(2) {
            let (a, b) = (
                metric.instantaneous(occ, w[0].1) - level,
                metric.instantaneous(occ, w[1].1) - level,
            );
            let dt = w[1].0 - w[0].0;
            h += match (a >= 0.0, b >= 0.0) {
                (true, true) => dt,
                (false, false) => 0.0,
                (true, false) => dt * a / (a - b),
                (false, true) => dt * b / (b - a),
            };
        }
        h
    }

    /// First and last time after the dose with the quantity at or above `level`.
    pub fn window(&self, metric: Metric, occ: &OccupancyModel, level: f64) -> Option<Window> {
        let above: Vec<(f64, bool)> = self
            .samples
            .iter()
            .map(|&(t, c)| (t, metric.instantaneous(occ, c) >= level))
            .collect();
        let first = above.iter().position(|x| x.1)?;
        let last = above.iter().rposition(|x| x.1)?;
        Some(Window {
            start: above[first].0,
            end: above[last].0,
        })
    }
}

/// A time window after the dose (h).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: f64,
    pub end: f64,
}

/// Animal dosing schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    Qd,
    Bid,
    Tid,
    /// Osmotic minipump: continuous infusion, dose in mg/kg/day.
    Minipump,
}

impl Schedule {
    pub const ALL: [Schedule; 4] = [
        Schedule::Qd,
        Schedule::Bid,
        Schedule::Tid,
        Schedule::Minipump,
    ];

    pub fn parse(s: &str) -> Result<Schedule> {
        match s.trim().to_ascii_lowercase().as_str() {
            "qd" => Ok(Schedule::Qd),
            "bid" => Ok(Schedule::Bid),
            "tid" => Ok(Schedule::Tid),
            "minipump" => Ok(Schedule::Minipump),
            other => Err(Error::input(
                "frequency",
                format!("\"{other}\" is not one of qd, bid, tid, minipump"),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::Qd => "qd",
            Schedule::Bid => "bid",
            Schedule::Tid => "tid",
            Schedule::Minipump => "minipump",
        }
    }
    pub fn tau_h(self) -> f64 {
        match self {
            Schedule::Qd | Schedule::Minipump => 24.0,
            Schedule::Bid => 12.0,
            Schedule::Tid => 8.0,
        }
    }
    pub fn doses_per_day(self) -> f64 {
        24.0 / self.tau_h()
    }
}

/// Steady-state profile of `dose_mg_per_kg` (per administration; per day for a minipump).
pub fn animal_periodic(
    model: &SpeciesModel,
    schedule: Schedule,
    dose_mg_per_kg: f64,
) -> Result<Periodic> {
    let amount = dose_mg_per_kg * model.weight_kg;
    let (params, dose) = if schedule == Schedule::Minipump || model.route == AnimalRoute::Minipump {
        // Zero-order input over the whole day: mg/kg/day at bioavailability F into plasma.
        let mut p = model.params;
        let a = amount * p.bioavailability;
        p.bioavailability = 1.0;
        (
            p,
            DoseEvent {
                time_h: 0.0,
                amount_mg: a,
                route: crate::regimen::Route::Iv,
                infusion_h: Some(24.0),
            },
        )
    } else if model.route == AnimalRoute::Iv {
        (
            model.params,
            DoseEvent {
                time_h: 0.0,
                amount_mg: amount,
                route: crate::regimen::Route::Iv,
                infusion_h: None,
            },
        )
    } else {
        (
            model.params,
            DoseEvent {
                time_h: 0.0,
                amount_mg: amount,
                route: model.route.engine_route(),
                infusion_h: None,
            },
        )
    };
    let tau = if schedule == Schedule::Minipump {
        24.0
    } else {
        schedule.tau_h()
    };
    periodic(&params, &dose, tau)
}

/// Total plasma concentration (ng/mL) at absolute time `t_h` (h from day 1 00:00) for
/// `dose_mg_per_kg` given at `dose_times_h` (bolus or i.p.), or by minipump for `days` days from
/// time 0 (exact multi-dose simulation, not steady state).
pub fn conc_at(
    model: &SpeciesModel,
    schedule: Schedule,
    dose_mg_per_kg: f64,
    dose_times_h: &[f64],
    days: u32,
    t_h: f64,
) -> Result<f64> {
    let amount = dose_mg_per_kg * model.weight_kg;
    let mut params = model.params;
    let doses: Vec<DoseEvent> = if schedule == Schedule::Minipump {
        let a = amount * params.bioavailability;
        params.bioavailability = 1.0;
        (0..days)
            .map(|d| DoseEvent {
                time_h: d as f64 * 24.0,
                amount_mg: a,
                route: crate::regimen::Route::Iv,
                infusion_h: Some(24.0),
            })
            .collect()
    } else {
        dose_times_h
            .iter()
            .map(|&t| DoseEvent {
                time_h: t,
                amount_mg: amount,
                route: model.route.engine_route(),
                infusion_h: None,
            })
            .collect()
    };
    // The value just after any dose at exactly t_h is wanted: nudge past it.
    Ok(pk::concentrations(&params, &doses, &[t_h + 1e-9])?[0])
}

/// The animal dose (mg/kg per administration; per day for a minipump) whose steady-state
/// `metric` equals `level`.
pub fn solve_dose(
    model: &SpeciesModel,
    schedule: Schedule,
    metric: Metric,
    level: f64,
) -> Result<f64> {
    if !(level.is_finite() && level > 0.0) {
        return Err(Error::input(
            "metric",
            format!("the level to match must be positive, got {level}"),
        ));
    }
    if metric.is_occupancy() && level >= 1.0 {
        return Err(Error::input("metric", "an occupancy level must be below 1"));
    }
    let f =
        |d: f64| animal_periodic(model, schedule, d).map(|p| p.metric(metric, &model.occupancy));
    if !metric.is_occupancy() {
        return Ok(level / f(1.0)?);
    }
    let (mut lo, mut hi) = (1e-6_f64, 1e4_f64);
    if f(hi)? < level {
        return Err(Error::input(
            "metric",
            format!(
                "{} {level:.3} is not reached below {hi} mg/kg",
                metric.as_str()
            ),
        ));
    }
    for _ in 0..80 {
        let mid = (lo * hi).sqrt();
        if f(mid)? < level {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi / lo < 1.0 + 1e-10 {
            break;
        }
    }
    Ok((lo * hi).sqrt())
}
