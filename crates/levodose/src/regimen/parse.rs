//! Parser for the regimen language. Errors name the segment and what was expected.

use super::{Amount, DayRange, Frequency, Regimen, Route, Segment, TitrationRule};
use crate::error::{Error, Result};

const MAX_DAY: u32 = 3650;
const MAX_MG: f64 = 100_000.0;
const MAX_MG_PER_KG: f64 = 2_000.0;

fn err(segment: &str, expected: impl Into<String>) -> Error {
    Error::Regimen {
        segment: segment.trim().to_string(),
        expected: expected.into(),
    }
}

/// Parses a regimen. `titration` supplies the label rule for `label-titration[:TARGET_MG]`.
pub fn parse(text: &str, titration: Option<&TitrationRule>) -> Result<Regimen> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(err(
            text,
            "a regimen such as \"40mg qd\" or \"label-titration\"",
        ));
    }
    let lower = trimmed.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("label-titration") {
        let rule =
            titration.ok_or_else(|| err(trimmed, "a compound with a label titration rule"))?;
        let target = match rest.strip_prefix(':') {
            None if rest.is_empty() => rule.max_target_mg,
            Some(t) => {
                let t = t.trim().trim_end_matches("mg");
                t.parse::<f64>().map_err(|_| {
                    err(
                        trimmed,
                        "label-titration:TARGET_MG with a number, e.g. label-titration:80",
                    )
                })?
            }
            None => return Err(err(trimmed, "label-titration or label-titration:TARGET_MG")),
        };
        if !target.is_finite() || target < rule.min_target_mg || target > rule.max_target_mg {
            return Err(err(
                trimmed,
                format!(
                    "a titration target from {} to {} mg (the label's maintenance range)",
                    rule.min_target_mg, rule.max_target_mg
                ),
            ));
        }
        return Ok(Regimen::titration(rule, target));
    }
    let segments = trimmed
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .map(parse_segment)
        .collect::<Result<Vec<_>>>()?;
    if segments.is_empty() {
        return Err(err(text, "at least one dose segment"));
    }
    check_steady_state(&segments)?;
    Ok(Regimen { segments })
}

/// `ss` means "already at steady state when the run starts": only the earliest segment, starting
/// on day 1, with a repeated frequency can say it.
fn check_steady_state(segments: &[Segment]) -> Result<()> {
    let first_start = segments.iter().map(|s| s.days.start).min().unwrap_or(1);
    for s in segments.iter().filter(|s| s.steady_state) {
        if s.frequency.tau_h().is_none() {
            return Err(err(
                &s.to_string(),
                "\"ss\" only with a repeated dose (qd, bid, tid, q<N>h)",
            ));
        }
        if s.days.start != 1 || s.days.start != first_start {
            return Err(err(
                &s.to_string(),
                "\"ss\" only on the segment that starts on day 1 (the dose the subject is already on)",
            ));
        }
    }
    Ok(())
}

fn parse_number(s: &str) -> Option<f64> {
    if s.is_empty() || s.starts_with('+') {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn parse_amount(segment: &str, tok: &str) -> Result<Amount> {
    let (num, per_kg) = if let Some(n) = tok.strip_suffix("mg/kg") {
        (n, true)
    } else if let Some(n) = tok.strip_suffix("mg") {
        (n, false)
    } else {
        return Err(err(
            segment,
            format!("an amount like \"40mg\" or \"10mg/kg\" first, found \"{tok}\""),
        ));
    };
    let x = parse_number(num).ok_or_else(|| {
        err(
            segment,
            format!("a number before the unit, found \"{num}\""),
        )
    })?;
    let max = if per_kg { MAX_MG_PER_KG } else { MAX_MG };
    if x <= 0.0 || x > max {
        return Err(err(
            segment,
            format!(
                "an amount above 0 and at most {max} {}",
                if per_kg { "mg/kg" } else { "mg" }
            ),
        ));
    }
    Ok(if per_kg {
        Amount::MgPerKg(x)
    } else {
        Amount::Mg(x)
    })
}

fn parse_hours(segment: &str, tok: &str, what: &str) -> Result<f64> {
    let n = tok.strip_suffix('h').ok_or_else(|| {
        err(
            segment,
            format!("{what} in hours like \"2h\", found \"{tok}\""),
        )
    })?;
    let h = parse_number(n).ok_or_else(|| {
        err(
            segment,
            format!("{what} in hours like \"2h\", found \"{tok}\""),
        )
    })?;
    if h <= 0.0 || h > 24.0 * 28.0 {
        return Err(err(segment, format!("{what} above 0 and at most 672 h")));
    }
    Ok(h)
}

fn parse_days(segment: &str, tok: &str) -> Result<DayRange> {
    parse_day_range(tok).map_err(|why| err(segment, why))
}

/// Parses a day range `dA-B`, `dA-` or `dA` (1-based, inclusive); the error says what was
/// expected. Shared by regimens and co-medications so both use one syntax.
pub fn parse_day_range(tok: &str) -> std::result::Result<DayRange, String> {
    let body = tok
        .strip_prefix('d')
        .ok_or_else(|| format!("days like d1-14, d8- or d3, found \"{tok}\""))?;
    let day = |s: &str| -> std::result::Result<u32, String> {
        let d: u32 = s
            .parse()
            .map_err(|_| format!("days like d1-14, d8- or d3, found \"{tok}\""))?;
        if d == 0 || d > MAX_DAY {
            return Err(format!("day numbers from 1 to {MAX_DAY}"));
        }
        Ok(d)
    };
    let range = match body.split_once('-') {
        None => DayRange {
            start: day(body)?,
            end: Some(day(body)?),
        },
        Some((a, "")) => DayRange {
            start: day(a)?,
            end: None,
        },
        Some((a, b)) => DayRange {
            start: day(a)?,
            end: Some(day(b)?),
        },
    };
    if let Some(e) = range.end {
        if e < range.start {
            return Err(format!(
                "a day range whose end is not before its start, found \"{tok}\""
            ));
        }
    }
    Ok(range)
}

fn parse_segment(segment: &str) -> Result<Segment> {
    let lower = segment.trim().to_ascii_lowercase();
    let mut raw: Vec<&str> = lower.split_whitespace().collect();
    // Allow "40 mg" and "10 mg/kg" as well as "40mg".
    if raw.len() >= 2 && parse_number(raw[0]).is_some() && (raw[1] == "mg" || raw[1] == "mg/kg") {
        let joined = format!("{}{}", raw[0], raw[1]);
        let rest: Vec<&str> = raw[2..].to_vec();
        return parse_tokens(segment, &joined, &rest);
    }
    if raw.is_empty() {
        return Err(err(segment, "an amount like \"40mg\""));
    }
    let first = raw.remove(0).to_string();
    parse_tokens(segment, &first, &raw)
}

fn parse_tokens(segment: &str, amount_tok: &str, rest: &[&str]) -> Result<Segment> {
    let amount = parse_amount(segment, amount_tok)?;
    let mut route: Option<Route> = None;
    let mut infusion_h: Option<f64> = None;
    let mut frequency: Option<Frequency> = None;
    let mut days: Option<DayRange> = None;
    let mut salt = false;
    let mut steady_state = false;
    let mut i = 0;
    let dup = |what: &str| err(segment, format!("{what} given once only"));
    while i < rest.len() {
        let tok = rest[i];
        match tok {
            "po" | "oral" | "ip" | "iv" => {
                if route.is_some() {
                    return Err(dup("the route"));
                }
                route = Some(match tok {
                    "ip" => Route::Ip,
                    "iv" => Route::Iv,
                    _ => Route::Po,
                });
            }
            "over" => {
                let next = rest.get(i + 1).ok_or_else(|| err(segment, "a duration after \"over\", like \"over 2h\""))?;
                if infusion_h.is_some() {
                    return Err(dup("the infusion duration"));
                }
                infusion_h = Some(parse_hours(segment, next, "an infusion duration")?);
                i += 1;
            }
            "once" | "qd" | "bid" | "tid" => {
                if frequency.is_some() {
                    return Err(dup("the frequency"));
                }
                frequency = Some(match tok {
                    "once" => Frequency::Once,
                    "qd" => Frequency::EveryHours(24.0),
                    "bid" => Frequency::EveryHours(12.0),
                    _ => Frequency::EveryHours(8.0),
                });
            }
            "ss" => {
                if steady_state {
                    return Err(dup("ss"));
                }
                steady_state = true;
            }
            "salt" => {
                if salt {
                    return Err(dup("salt"));
                }
                salt = true;
            }
            t if t.starts_with('q') && t.ends_with('h') && t.len() > 2 => {
                if frequency.is_some() {
                    return Err(dup("the frequency"));
                }
                frequency = Some(Frequency::EveryHours(parse_hours(segment, &t[1..], "a dosing interval q<N>h")?));
            }
            t if t.starts_with('d') && t.len() > 1 && t.as_bytes()[1].is_ascii_digit() => {
                if days.is_some() {
                    return Err(dup("the day range"));
                }
                days = Some(parse_days(segment, t)?);
            }
            other => {
                return Err(err(
                    segment,
                    format!(
                        "a route (po, ip, iv), \"over Nh\" (iv infusion), a frequency (once, qd, bid, tid, q<N>h), days (d1-14, d8-, d3), \"ss\" (already at steady state) or \"salt\"; found \"{other}\""
                    ),
                ))
            }
        }
        i += 1;
    }
    let route = route.unwrap_or(Route::Po);
    if infusion_h.is_some() && route != Route::Iv {
        return Err(err(
            segment,
            "\"over Nh\" only with route iv (a zero-order infusion)",
        ));
    }
    let frequency = frequency.unwrap_or(Frequency::EveryHours(24.0));
    if let (Some(d), Some(tau)) = (infusion_h, frequency.tau_h()) {
        if d > tau {
            return Err(err(
                segment,
                format!("an infusion no longer than the dosing interval ({tau} h)"),
            ));
        }
    }
    let days = days.unwrap_or(match frequency {
        Frequency::Once => DayRange {
            start: 1,
            end: Some(1),
        },
        Frequency::EveryHours(_) => DayRange {
            start: 1,
            end: None,
        },
    });
    Ok(Segment {
        amount,
        route,
        infusion_h,
        frequency,
        days,
        salt,
        steady_state,
    })
}
