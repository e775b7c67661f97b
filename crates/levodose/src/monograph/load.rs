//! Loading and validation of monographs.

use super::schema::Monograph;
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::Value as Json;

/// The embedded monographs live in `levodose-data`; this module parses and validates them.
const BUILTIN: &[(&str, &str)] = levodose_data::BUILTIN_COMPOUNDS;

/// Names of the embedded monographs.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Loads an embedded monograph by compound name (case-insensitive, synonyms accepted).
pub fn builtin(name: &str) -> Result<Monograph> {
    let wanted = name.trim().to_ascii_lowercase();
    for (n, text) in BUILTIN {
        let m = from_toml_str(text, &format!("crates/levodose-data/compounds/{n}.toml"))?;
        if *n == wanted
            || m.compound
                .synonyms
                .iter()
                .any(|s| s.to_ascii_lowercase() == wanted)
        {
            return Ok(m);
        }
    }
    Err(Error::input(
        "compound",
        format!(
            "unknown compound \"{name}\"; built-in compounds: {}",
            builtin_names().join(", ")
        ),
    ))
}

/// Parses and validates a monograph; errors name `file`, the key and the reason.
pub fn from_toml_str(text: &str, file: &str) -> Result<Monograph> {
    let m: Monograph = toml::from_str(text).map_err(|e| Error::Monograph {
        file: file.into(),
        key: e
            .span()
            .map(|s| format!("bytes {}..{}", s.start, s.end))
            .unwrap_or_else(|| "(document)".into()),
        reason: e.message().to_string(),
    })?;
    validate(&m, file)?;
    Ok(m)
}

/// One sourced number as `levodose facts` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct FactRow {
    pub key: String,
    pub value: String,
    pub unit: String,
    pub source: String,
    pub status: String,
    pub note: String,
}

impl Monograph {
    /// Every sourced value in the monograph, in file order of sections, with its key path.
    pub fn facts(&self) -> Vec<FactRow> {
        let json = serde_json::to_value(self).unwrap_or(Json::Null);
        let mut rows = Vec::new();
        walk(&json, "", &mut |path, obj| {
            let value = match (obj.get("value"), obj.get("values")) {
                (Some(v), _) => fmt_num(v),
                (None, Some(Json::Array(vs))) => {
                    vs.iter().map(fmt_num).collect::<Vec<_>>().join(", ")
                }
                _ => return,
            };
            rows.push(FactRow {
                key: path.to_string(),
                value,
                unit: str_field(obj, "unit"),
                source: str_field(obj, "source"),
                status: str_field(obj, "status"),
                note: str_field(obj, "note"),
            });
        });
        rows
    }

    /// Molar mass of the salt, when the compound has one.
    pub fn salt_molar_mass(&self) -> Option<f64> {
        self.compound
            .salt
            .as_ref()
            .map(|s| s.molar_mass_g_per_mol.value)
    }
}

fn fmt_num(v: &Json) -> String {
    match v.as_f64() {
        Some(x) => format!("{x}"),
        None => v.to_string(),
    }
}

fn str_field(obj: &serde_json::Map<String, Json>, k: &str) -> String {
    obj.get(k).and_then(Json::as_str).unwrap_or("").to_string()
}

/// Calls `f(path, object)` for every JSON object that carries a `unit` and a `source`.
fn walk(v: &Json, path: &str, f: &mut dyn FnMut(&str, &serde_json::Map<String, Json>)) {
    match v {
        Json::Object(obj) => {
            if obj.contains_key("unit")
                && obj.contains_key("source")
                && (obj.contains_key("value") || obj.contains_key("values"))
            {
                f(path, obj);
                return;
            }
            for (k, child) in obj {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(child, &p, f);
            }
        }
        Json::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let label = child
                    .get("name")
                    .or_else(|| child.get("group"))
                    .and_then(Json::as_str)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| i.to_string());
                walk(child, &format!("{path}[{label}]"), f);
            }
        }
        _ => {}
    }
}

/// Expected unit for a key by its name suffix (units-in-names convention), and its allowed range.
fn expected_unit(key: &str) -> Option<(&'static str, f64, f64)> {
    let last = key.rsplit('.').next().unwrap_or(key);
    let last = last.split('[').next().unwrap_or(last);
    const RULES: &[(&str, &str, f64, f64)] = &[
        ("_g_per_mol", "g/mol", 1.0, 5000.0),
        ("_ng_h_per_ml", "ng*h/mL", 0.0, 1e9),
        ("_ng_per_ml", "ng/mL", 0.0, 1e9),
        ("_l_per_h", "L/h", 0.0, 1e5),
        ("_ml_per_min", "mL/min", 0.0, 1000.0),
        ("_per_h", "1/h", 0.0, 1000.0),
        ("_nm", "nM", 0.0, 1e7),
        ("_l_per_h_per_kg", "L/h/kg", 0.0, 1000.0),
        ("_l_per_kg", "L/kg", 0.0, 1000.0),
        ("_ml_per_kg", "mL/kg", 0.0, 100.0),
        ("_mg_per_kg", "mg/kg", 0.0, 2000.0),
        ("_kg_per_m2", "kg/m2", 0.0, 100.0),
        ("_mg", "mg", 0.0, 10000.0),
        ("_kg", "kg", 0.0, 1000.0),
        ("_days", "d", 0.0, 10000.0),
        ("_h", "h", 0.0, 10000.0),
        ("_l", "L", 0.0, 1e6),
        ("_fraction", "1", 0.0, 1.0),
        ("_ratio", "1", 0.0, 1000.0),
    ];
    RULES
        .iter()
        .find(|(suffix, ..)| last.ends_with(suffix))
        .map(|&(_, u, lo, hi)| (u, lo, hi))
}

fn validate(m: &Monograph, file: &str) -> Result<()> {
    let err = |key: &str, reason: String| Error::Monograph {
        file: file.into(),
        key: key.into(),
        reason,
    };
    let json = serde_json::to_value(m).map_err(|e| err("(document)", e.to_string()))?;
    let mut first: Option<Error> = None;
    walk(&json, "", &mut |path, obj| {
        if first.is_some() {
            return;
        }
        let source = str_field(obj, "source");
        if !m.references.contains_key(&source) && source != "user" {
            first = Some(err(
                path,
                format!("source \"{source}\" is not in [references]"),
            ));
            return;
        }
        let unit = str_field(obj, "unit");
        let nums: Vec<f64> = match (obj.get("value"), obj.get("values")) {
            (Some(v), _) => v.as_f64().into_iter().collect(),
            (None, Some(Json::Array(vs))) => vs.iter().filter_map(Json::as_f64).collect(),
            _ => vec![],
        };
        if nums.is_empty() {
            first = Some(err(path, "no numeric value".into()));
            return;
        }
        if let Some((u, lo, hi)) = expected_unit(path) {
            if unit != u {
                first = Some(err(
                    path,
                    format!("unit \"{unit}\" does not match the key; expected \"{u}\""),
                ));
                return;
            }
            if let Some(x) = nums.iter().find(|x| !x.is_finite() || **x < lo || **x > hi) {
                first = Some(err(
                    path,
                    format!("value {x} {unit} is outside {lo} to {hi}"),
                ));
            }
        } else if unit.is_empty() {
            first = Some(err(path, "unit is empty".into()));
        }
    });
    if let Some(e) = first {
        return Err(e);
    }
    let h = &m.human;
    for (key, v) in [
        ("human.clearance_l_per_h", h.clearance_l_per_h.value),
        ("human.volume_l", h.volume_l.value),
        ("human.ka_per_h", h.ka_per_h.value),
        (
            "human.bioavailability_fraction",
            h.bioavailability_fraction.value,
        ),
        ("human.unbound_fraction", h.unbound_fraction.value),
        ("targets.net_ki_nm", m.targets.net_ki_nm.value),
        ("targets.sert_ki_nm", m.targets.sert_ki_nm.value),
    ] {
        if v <= 0.0 {
            return Err(err(key, format!("must be positive, got {v}")));
        }
    }
    if h.unbound_fraction.value > 1.0 {
        return Err(err("human.unbound_fraction", "must be at most 1".into()));
    }
    if h.intercompartmental_clearance_l_per_h.is_some() != h.peripheral_volume_l.is_some() {
        return Err(err(
            "human.peripheral_volume_l",
            "a two-compartment model needs both intercompartmental_clearance_l_per_h and peripheral_volume_l".into(),
        ));
    }
    if let Some(label) = &m.label {
        for (i, cap) in label.renal.iter().enumerate() {
            if !m.references.contains_key(&cap.source) {
                return Err(err(
                    &format!("label.renal[{i}].source"),
                    format!("\"{}\" is not in [references]", cap.source),
                ));
            }
            if cap.crcl_min_ml_per_min >= cap.crcl_max_ml_per_min {
                return Err(err(
                    &format!("label.renal[{i}]"),
                    "crcl_min_ml_per_min must be below crcl_max_ml_per_min".into(),
                ));
            }
            if cap.max_dose_mg.is_none() && !cap.not_recommended {
                return Err(err(
                    &format!("label.renal[{i}]"),
                    "needs max_dose_mg or not_recommended = true".into(),
                ));
            }
        }
        if !m.references.contains_key(&label.source) {
            return Err(err(
                "label.source",
                format!("\"{}\" is not in [references]", label.source),
            ));
        }
    }
    if let Some(inter) = &m.interactions {
        for c in &inter.comedications {
            if !m.references.contains_key(&c.source) {
                return Err(err(
                    &format!("interactions.comedications[{}].source", c.name),
                    format!("\"{}\" is not in [references]", c.source),
                ));
            }
            if c.class.is_cyp3a4() && !inter.class_activity_ratio.contains_key(c.class.key()) {
                return Err(err(
                    &format!("interactions.comedications[{}]", c.name),
                    format!(
                        "no class_activity_ratio.{} for its class (every CYP3A4 prediction uses the class model)",
                        c.class.key()
                    ),
                ));
            }
        }
    }
    if let Some(s) = &m.safety {
        for t in s
            .adverse_events
            .iter()
            .chain(&s.vital_signs)
            .chain(std::iter::once(&s.discontinuation_for_ae))
        {
            let key = format!("safety[{}]", t.name);
            if t.doses_mg.len() != t.values.len() || t.doses_mg.is_empty() {
                return Err(err(
                    &key,
                    "doses_mg and values must have the same, non-zero length".into(),
                ));
            }
            if !t.n.is_empty() && t.n.len() != t.doses_mg.len() {
                return Err(err(&key, "n must have one entry per dose".into()));
            }
            if !m.references.contains_key(&t.source) {
                return Err(err(
                    &key,
                    format!("source \"{}\" is not in [references]", t.source),
                ));
            }
        }
        for p in &s.pooled_adverse_reactions {
            let key = format!("safety.pooled_adverse_reactions[{}]", p.name);
            let [lo, hi] = p.dose_range_mg;
            if !(lo.is_finite() && hi.is_finite() && 0.0 < lo && lo <= hi) {
                return Err(err(
                    &key,
                    format!("dose_range_mg [{lo}, {hi}] must be positive with low <= high"),
                ));
            }
            if p.active_n == 0
                || p.placebo_n == 0
                || p.active_events > p.active_n
                || p.placebo_events > p.placebo_n
            {
                return Err(err(
                    &key,
                    "events must lie between 0 and n, with n > 0 in both pools".into(),
                ));
            }
            if !m.references.contains_key(&p.source) {
                return Err(err(
                    &key,
                    format!("source \"{}\" is not in [references]", p.source),
                ));
            }
        }
    }
    Ok(())
}
