//! Transporter occupancy from free concentration.
//!
//! occ = C_u,brain / (C_u,brain + K), Hill coefficient 1, with C_u,brain = fu * C * Kp,uu in nM
//! and K the binding Ki or the uptake IC50 (the basis). The basis is a visible choice: for racemic
//! milnacipran, PET occupancy (NOGAMI) is far below what free plasma concentration and in vitro
//! constants predict, so both bases give upper bounds.

use crate::error::{Error, Result};
use crate::monograph::Monograph;
use crate::units::ng_per_ml_to_nm;
use serde::{Deserialize, Serialize};

/// Which in vitro constant stands for K.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Binding affinity Ki (default: PET measures binding, so Ki is the like-for-like constant).
    #[default]
    Ki,
    /// Uptake inhibition IC50 (functional; gives levomilnacipran its NET preference).
    Ic50,
}

impl Basis {
    pub fn parse(s: &str) -> Result<Basis> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ki" => Ok(Basis::Ki),
            "ic50" => Ok(Basis::Ic50),
            other => Err(Error::input(
                "occupancy-basis",
                format!("\"{other}\" is not ki or ic50"),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Ki => "ki",
            Basis::Ic50 => "ic50",
        }
    }
}

/// Everything needed to turn a total plasma concentration into NET and SERT occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OccupancyModel {
    pub basis: Basis,
    pub net_k_nm: f64,
    pub sert_k_nm: f64,
    pub unbound_fraction: f64,
    pub brain_to_plasma_unbound_ratio: f64,
    pub molar_mass_g_per_mol: f64,
}

impl OccupancyModel {
    /// From the monograph; `kpuu` overrides the brain-to-plasma unbound ratio.
    pub fn from_monograph(
        m: &Monograph,
        basis: Basis,
        kpuu: Option<f64>,
        unbound_fraction: Option<f64>,
    ) -> Result<Self> {
        let t = &m.targets;
        let (net, sert) = match basis {
            Basis::Ki => (t.net_ki_nm.value, t.sert_ki_nm.value),
            Basis::Ic50 => match (&t.net_ic50_nm, &t.sert_ic50_nm) {
                (Some(n), Some(s)) => (n.value, s.value),
                _ => {
                    return Err(Error::input(
                        "occupancy-basis",
                        format!(
                            "{} has no uptake IC50 values in its monograph; use ki",
                            m.compound.name
                        ),
                    ))
                }
            },
        };
        let kpuu = kpuu.unwrap_or(t.brain_to_plasma_unbound_ratio.value);
        crate::error::check_range("brain-to-plasma unbound ratio", kpuu, 1e-4, 100.0, "")?;
        Ok(OccupancyModel {
            basis,
            net_k_nm: net,
            sert_k_nm: sert,
            unbound_fraction: unbound_fraction.unwrap_or(m.human.unbound_fraction.value),
            brain_to_plasma_unbound_ratio: kpuu,
            molar_mass_g_per_mol: m.compound.molar_mass_base_g_per_mol.value,
        })
    }

    /// Free plasma concentration (ng/mL) from total.
    #[inline]
    pub fn free_ng_per_ml(&self, total_ng_per_ml: f64) -> f64 {
        self.unbound_fraction * total_ng_per_ml
    }

    /// Free target-site concentration (nM) from total plasma (ng/mL).
    #[inline]
    pub fn site_nm(&self, total_ng_per_ml: f64) -> f64 {
        ng_per_ml_to_nm(
            self.free_ng_per_ml(total_ng_per_ml) * self.brain_to_plasma_unbound_ratio,
            self.molar_mass_g_per_mol,
        )
    }

    #[inline]
    pub fn net(&self, total_ng_per_ml: f64) -> f64 {
        hill1(self.site_nm(total_ng_per_ml), self.net_k_nm)
    }

    #[inline]
    pub fn sert(&self, total_ng_per_ml: f64) -> f64 {
        hill1(self.site_nm(total_ng_per_ml), self.sert_k_nm)
    }

    /// Trough, peak and time-average occupancy over a sampled interval (trapezoid rule).
    pub fn summary(
        &self,
        samples: &[(f64, f64)],
        cmin: f64,
        cmax: f64,
    ) -> (OccupancySummary, OccupancySummary) {
        let avg = |f: &dyn Fn(f64) -> f64| {
            let mut area = 0.0;
            for w in samples.windows(2) {
                area += 0.5 * (f(w[0].1) + f(w[1].1)) * (w[1].0 - w[0].0);
            }
            let span = samples.last().map(|s| s.0).unwrap_or(0.0)
                - samples.first().map(|s| s.0).unwrap_or(0.0);
            if span > 0.0 {
                area / span
            } else {
                f(samples.first().map(|s| s.1).unwrap_or(0.0))
            }
        };
        let net = OccupancySummary {
            trough: self.net(cmin),
            peak: self.net(cmax),
            average: avg(&|c| self.net(c)),
        };
        let sert = OccupancySummary {
            trough: self.sert(cmin),
            peak: self.sert(cmax),
            average: avg(&|c| self.sert(c)),
        };
        (net, sert)
    }
}

/// occ = c / (c + K)
#[inline]
pub fn hill1(c_nm: f64, k_nm: f64) -> f64 {
    c_nm / (c_nm + k_nm)
}

/// Occupancy (fraction 0-1) at trough, peak and averaged over the interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OccupancySummary {
    pub trough: f64,
    pub peak: f64,
    pub average: f64,
}
