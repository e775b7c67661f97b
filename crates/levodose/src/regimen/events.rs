//! Expansion of a regimen into dose events (free-base mg at times in hours).

use super::{Amount, Frequency, Regimen, Route};
use crate::error::{Error, Result};
use crate::units::salt_to_base_mg;
use serde::{Deserialize, Serialize};

/// One administration. `amount_mg` is free base.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DoseEvent {
    pub time_h: f64,
    pub amount_mg: f64,
    pub route: Route,
    /// Zero-order infusion duration (route iv); None = bolus or extravascular.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub infusion_h: Option<f64>,
}

/// What turns a regimen into amounts: body weight for mg/kg, molar masses for `salt`, and the
/// simulated number of days for open-ended segments.
#[derive(Debug, Clone, Copy)]
pub struct ResolveContext {
    pub weight_kg: Option<f64>,
    pub molar_mass_base: f64,
    pub molar_mass_salt: Option<f64>,
    pub days: u32,
}

impl Regimen {
    /// Dose events sorted by time, up to the end of day `ctx.days`.
    pub fn events(&self, ctx: &ResolveContext) -> Result<Vec<DoseEvent>> {
        let horizon_h = ctx.days as f64 * 24.0;
        let mut out = Vec::new();
        for seg in &self.segments {
            let mut mg = match seg.amount {
                Amount::Mg(x) => x,
                Amount::MgPerKg(x) => {
                    let w = ctx.weight_kg.ok_or_else(|| {
                        Error::input(
                            "weight_kg",
                            format!(
                                "segment \"{seg}\" is in mg/kg: give a body weight (--weight-kg)"
                            ),
                        )
                    })?;
                    x * w
                }
            };
            if seg.salt {
                let salt = ctx.molar_mass_salt.ok_or_else(|| {
                    Error::input("regimen", format!("segment \"{seg}\" says salt, but the compound has no salt form in its monograph"))
                })?;
                mg = salt_to_base_mg(mg, ctx.molar_mass_base, salt);
            }
            let start_h = (seg.days.start as f64 - 1.0) * 24.0;
            let end_h = seg
                .days
                .end
                .map(|e| e as f64 * 24.0)
                .unwrap_or(horizon_h)
                .min(horizon_h);
            let event = |t: f64| DoseEvent {
                time_h: t,
                amount_mg: mg,
                route: seg.route,
                infusion_h: seg.infusion_h,
            };
            match seg.frequency {
                Frequency::Once => {
                    if start_h < horizon_h {
                        out.push(event(start_h));
                    }
                }
                Frequency::EveryHours(tau) => {
                    let mut k = 0u64;
                    loop {
                        let t = start_h + k as f64 * tau;
                        if t >= end_h - 1e-9 {
                            break;
                        }
                        out.push(event(t));
                        k += 1;
                    }
                }
            }
        }
        out.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
        Ok(out)
    }
}
