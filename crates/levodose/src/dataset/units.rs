//! Units of a NONMEM dataset. NONMEM itself has none (the model's scale factor S2 carries them);
//! levodose makes them explicit so that predictions in DV units follow from amount / volume.

use crate::error::{Error, Result};
use serde::Serialize;

/// Unit of the AMT column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AmountUnit {
    #[serde(rename = "mg")]
    Mg,
    #[serde(rename = "ug")]
    Ug,
    #[serde(rename = "ng")]
    Ng,
}

/// Unit of the DV column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConcUnit {
    #[serde(rename = "mg/L")]
    MgPerL,
    /// Also ng/mL.
    #[serde(rename = "ug/L")]
    UgPerL,
    #[serde(rename = "ng/mL")]
    NgPerMl,
}

impl AmountUnit {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mg" => Ok(AmountUnit::Mg),
            "ug" | "µg" | "mcg" => Ok(AmountUnit::Ug),
            "ng" => Ok(AmountUnit::Ng),
            other => Err(Error::input(
                "amt_unit",
                format!("\"{other}\" is not a supported amount unit; use mg, ug or ng"),
            )),
        }
    }
    /// mg per one unit of AMT.
    pub fn mg_per_unit(self) -> f64 {
        match self {
            AmountUnit::Mg => 1.0,
            AmountUnit::Ug => 1e-3,
            AmountUnit::Ng => 1e-6,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AmountUnit::Mg => "mg",
            AmountUnit::Ug => "ug",
            AmountUnit::Ng => "ng",
        }
    }
}

impl ConcUnit {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mg/l" | "ug/ml" => Ok(ConcUnit::MgPerL),
            "ug/l" | "µg/l" | "mcg/l" => Ok(ConcUnit::UgPerL),
            "ng/ml" => Ok(ConcUnit::NgPerMl),
            other => Err(Error::input(
                "dv_unit",
                format!(
                    "\"{other}\" is not a supported concentration unit; use mg/L, ug/L or ng/mL"
                ),
            )),
        }
    }
    /// DV units per mg/L.
    pub fn per_mg_per_l(self) -> f64 {
        match self {
            ConcUnit::MgPerL => 1.0,
            ConcUnit::UgPerL | ConcUnit::NgPerMl => 1e3,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ConcUnit::MgPerL => "mg/L",
            ConcUnit::UgPerL => "ug/L",
            ConcUnit::NgPerMl => "ng/mL",
        }
    }
}

/// The units of AMT and DV (TIME is always hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DatasetUnits {
    pub amt: AmountUnit,
    pub dv: ConcUnit,
}

impl Default for DatasetUnits {
    /// NONMEM's convention without a scale factor: AMT in mg and DV = amount / V in mg/L.
    fn default() -> Self {
        DatasetUnits {
            amt: AmountUnit::Mg,
            dv: ConcUnit::MgPerL,
        }
    }
}

impl DatasetUnits {
    /// Factor from (amount in mg) / (volume in L) to DV units.
    pub fn dv_per_mg_per_l(&self) -> f64 {
        self.dv.per_mg_per_l()
    }

    /// The comment line the writer puts first (NONMEM skips `#` lines by default: IGNORE=#).
    pub fn header_comment(&self) -> String {
        format!(
            "# units: TIME h; AMT {} (free base); DV {}",
            self.amt.as_str(),
            self.dv.as_str()
        )
    }

    /// Reads units from a `# units:` comment line written by [`Self::header_comment`].
    pub fn from_comment(line: &str) -> Option<Result<Self>> {
        let rest = line.trim_start_matches('#').trim().strip_prefix("units:")?;
        let mut units = DatasetUnits::default();
        for part in rest.split(';') {
            let mut it = part.split_whitespace();
            match (it.next(), it.next()) {
                (Some("AMT"), Some(u)) => match AmountUnit::parse(u) {
                    Ok(a) => units.amt = a,
                    Err(e) => return Some(Err(e)),
                },
                (Some("DV"), Some(u)) => match ConcUnit::parse(u) {
                    Ok(c) => units.dv = c,
                    Err(e) => return Some(Err(e)),
                },
                _ => {}
            }
        }
        Some(Ok(units))
    }
}
