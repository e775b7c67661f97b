//! Fast population kernels against references: the Gauss-Legendre time-averaged occupancy against
//! the exact engine's steady state sampled finely, the three-percentile selection against
//! `quantile_mut`, and the windowed grid against the full grid.

use levodose::monograph::builtin;
use levodose::occupancy::{Basis, OccupancyModel};
use levodose::pk::{self, Cursor, PkParams};
use levodose::population::{fast, summary};
use levodose::regimen::{DoseEvent, Route};
use levodose::subject::{typical_human, PkOverride};

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-12)
}

/// Time-averaged NET and SERT occupancy at steady state from the exact engine: the periodic state
/// of `pk::steady_state`, sampled every tau / 2^18 (plus the lag time, where the curve has a kink)
/// and averaged by `OccupancyModel::summary` (trapezoid; error below 1e-9 at this resolution).
fn exact_average(p: &PkParams, occ: &OccupancyModel, dose: &DoseEvent, tau: f64) -> (f64, f64) {
    let ss = pk::steady_state(p, dose, tau).unwrap();
    let actions = pk::actions_from_doses(p, std::slice::from_ref(dose));
    let mut cur = Cursor::with_state(p, &actions, 0.0, ss.state_before_dose, 0.0);
    let n = 1 << 18;
    let mut times: Vec<f64> = (0..=n).map(|i| tau * i as f64 / n as f64).collect();
    times.push(p.lag_h);
    times.sort_by(f64::total_cmp);
    let samples: Vec<(f64, f64)> = times
        .iter()
        .map(|&t| {
            cur.advance_to(t);
            (t, cur.conc_ng_per_ml())
        })
        .collect();
    let m = ss.profile.metrics;
    let (net, sert) = occ.summary(&samples, m.cmin_ng_per_ml, m.cmax_ng_per_ml);
    (net.average, sert.average)
}

#[test]
fn gauss_legendre_average_occupancy_matches_the_exact_engine() {
    let m = builtin("levomilnacipran").unwrap();
    let typical = typical_human(&m, &PkOverride::default()).unwrap();
    let mut worst = 0.0f64;
    for basis in [Basis::Ki, Basis::Ic50] {
        let occ = OccupancyModel::from_monograph(&m, basis, None, None).unwrap();
        for (cl, v) in [(21.0, 390.0), (8.0, 250.0), (60.0, 150.0), (40.0, 900.0)] {
            for ka in [0.02, 0.1, 0.3, 1.0, 3.0, 10.0] {
                for lag in [0.0, 2.0, 7.3] {
                    for (dose, tau) in [(120.0, 24.0), (20.0, 12.0), (40.0, 8.0)] {
                        if lag >= tau {
                            continue;
                        }
                        let p = PkParams {
                            clearance_l_per_h: cl,
                            volume_l: v,
                            ka_per_h: ka,
                            lag_h: lag,
                            ..typical
                        };
                        let d = DoseEvent {
                            time_h: 0.0,
                            amount_mg: dose,
                            route: Route::Po,
                            infusion_h: None,
                        };
                        let (net, sert) = exact_average(&p, &occ, &d, tau);
                        let f = fast::steady_state(&p, &occ, dose, tau);
                        let e = rel(f.net_occupancy_average, net)
                            .max(rel(f.sert_occupancy_average, sert));
                        assert!(e <= 1e-6, "{basis:?} {p:?} {dose} mg q{tau}h: {e:e}");
                        worst = worst.max(e);
                    }
                }
            }
        }
    }
    // ka = k (the closed form's 0/0 case)
    let occ = OccupancyModel::from_monograph(&m, Basis::Ki, None, None).unwrap();
    let p = PkParams {
        ka_per_h: typical.k_per_h(),
        ..typical
    };
    let d = DoseEvent {
        time_h: 0.0,
        amount_mg: 80.0,
        route: Route::Po,
        infusion_h: None,
    };
    let (net, _) = exact_average(&p, &occ, &d, 24.0);
    let f = fast::steady_state(&p, &occ, 80.0, 24.0);
    assert!(rel(f.net_occupancy_average, net) <= 1e-6);
    eprintln!("worst relative error of the average occupancy: {worst:e}");
}

#[test]
fn three_percentiles_equal_quantile_mut() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 1000) as f64 / 7.0
    };
    for n in (1..60).chain([99, 100, 101, 1000, 1001, 4321]) {
        let v: Vec<f64> = (0..n).map(|_| next()).collect();
        let got = summary::stat(&v);
        let mut w = v.clone();
        let want = [0.05, 0.5, 0.95].map(|p| summary::quantile_mut(&mut w, p));
        assert_eq!([got.p05, got.p50, got.p95], want, "n = {n}");
        // f32 values (either sign, and zeros) as integer keys
        let f: Vec<f32> = v.iter().map(|&a| (a - 40.0) as f32).collect();
        let mut keys: Vec<u32> = f.iter().map(|&a| summary::f32_key(a)).collect();
        let mut g: Vec<f64> = f.iter().map(|&a| a as f64).collect();
        let want = [0.05, 0.5, 0.95].map(|p| summary::quantile_mut(&mut g, p));
        let got = summary::percentiles_5_50_95(&mut keys, u32::cmp, summary::f32_of_key);
        assert_eq!(got, want, "n = {n}");
        for x in [0.0f32, -0.0, 1e-30, -1e-30, 3.5, -3.5, f32::MAX, f32::MIN] {
            assert_eq!(
                summary::f32_of_key(summary::f32_key(x)).to_bits(),
                (x as f64).to_bits()
            );
        }
    }
}

#[test]
fn windowed_grid_matches_the_full_grid() {
    let m = builtin("levomilnacipran").unwrap();
    let typical = typical_human(&m, &PkOverride::default()).unwrap();
    let reg =
        levodose::simulate::parse_regimen(&m, "20mg qd d1-2; 40mg qd d3-4; 80mg bid d5-").unwrap();
    let ctx = levodose::regimen::ResolveContext {
        weight_kg: None,
        molar_mass_base: 246.35,
        molar_mass_salt: None,
        days: 10,
    };
    let doses = reg.events(&ctx).unwrap();
    for lag in [0.0, 3.7, 12.0] {
        let p = PkParams {
            lag_h: lag,
            ..typical
        };
        let actions = pk::actions_from_doses(&p, &doses);
        let mut buf = Vec::new();
        fast::actions_into(&mut buf, &p, &doses);
        assert_eq!(buf, actions);
        let mut full = vec![0.0; 241];
        fast::grid(&p, &actions, 1.0, 241, |i, c| full[i] = c);
        for start in [0, 1, 50, 100, 228, 240] {
            fast::grid_range(&p, &actions, 1.0, start..241, |i, c| {
                assert!(
                    (c - full[i]).abs() <= 1e-12 * full[i].abs().max(1.0),
                    "lag {lag} start {start} point {i}: {c} vs {}",
                    full[i]
                )
            });
        }
    }
}

#[test]
fn gauss_legendre_average_occupancy_holds_across_a_sampled_population() {
    let m = builtin("levomilnacipran").unwrap();
    let occ = OccupancyModel::from_monograph(&m, Basis::Ki, None, None).unwrap();
    let spec = levodose::population::SampleSpec::from_monograph(&m, 3001, 7).unwrap();
    let mut s = levodose::population::sample(&m, &spec).unwrap();
    // the fastest elimination and the slowest absorption, and the first subjects
    s.sort_by(|a, b| b.params.k_per_h().total_cmp(&a.params.k_per_h()));
    let mut picked: Vec<PkParams> = s[..30].iter().map(|x| x.params).collect();
    s.sort_by(|a, b| a.params.ka_per_h.total_cmp(&b.params.ka_per_h));
    picked.extend(s[..20].iter().chain(&s[s.len() - 10..]).map(|x| x.params));
    let d = DoseEvent {
        time_h: 0.0,
        amount_mg: 120.0,
        route: Route::Po,
        infusion_h: None,
    };
    for p in picked {
        let (net, sert) = exact_average(&p, &occ, &d, 24.0);
        let f = fast::steady_state(&p, &occ, 120.0, 24.0);
        assert!(rel(f.net_occupancy_average, net) <= 1e-6, "{p:?}");
        assert!(rel(f.sert_occupancy_average, sert) <= 1e-6, "{p:?}");
    }
}
