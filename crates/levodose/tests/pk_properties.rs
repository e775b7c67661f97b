//! Property tests of the engine over random parameters and dosing histories: concentrations are
//! non-negative, linear in dose, superpose, and the closed-form steady state is the limit of
//! repeated dosing.

use levodose::pk::{self, PkParams};
use levodose::regimen::{DoseEvent, Route};
use proptest::prelude::*;

fn arb_params() -> impl Strategy<Value = PkParams> {
    (
        0.5f64..100.0,
        5.0f64..1000.0,
        0.02f64..5.0,
        0.0f64..6.0,
        0.1f64..=1.0,
        proptest::option::of((0.5f64..50.0, 5.0f64..800.0)),
    )
        .prop_map(|(cl, v, ka, lag, f, peripheral)| PkParams {
            clearance_l_per_h: cl,
            volume_l: v,
            ka_per_h: ka,
            bioavailability: f,
            lag_h: lag,
            peripheral,
        })
}

fn arb_doses() -> impl Strategy<Value = Vec<DoseEvent>> {
    proptest::collection::vec(
        (0.0f64..96.0, 0.1f64..500.0, 0u8..3, 0.5f64..6.0).prop_map(|(t, mg, r, dur)| DoseEvent {
            time_h: t,
            amount_mg: mg,
            route: if r == 0 { Route::Po } else { Route::Iv },
            infusion_h: if r == 2 { Some(dur) } else { None },
        }),
        1..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn nonnegative_linear_and_superposing(p in arb_params(), a in arb_doses(), b in arb_doses(), scale in 0.1f64..10.0) {
        let times: Vec<f64> = (0..=120).map(|i| i as f64).collect();
        let ca = pk::concentrations(&p, &a, &times).unwrap();
        let cb = pk::concentrations(&p, &b, &times).unwrap();
        let scaled: Vec<DoseEvent> = a.iter().map(|d| DoseEvent { amount_mg: d.amount_mg * scale, ..*d }).collect();
        let cs = pk::concentrations(&p, &scaled, &times).unwrap();
        let mut both = a.clone();
        both.extend(b.iter().copied());
        let cab = pk::concentrations(&p, &both, &times).unwrap();
        let peak = ca.iter().chain(&cb).fold(0.0f64, |m, &x| m.max(x)).max(1e-300);
        for i in 0..times.len() {
            prop_assert!(ca[i] >= -1e-12 * peak);
            prop_assert!((cs[i] - scale * ca[i]).abs() <= 1e-9 * scale * peak);
            prop_assert!((cab[i] - ca[i] - cb[i]).abs() <= 1e-9 * peak);
        }
    }

    #[test]
    fn steady_state_is_the_limit_of_repeated_dosing(p in arb_params(), mg in 1.0f64..300.0, tau_i in 0usize..3) {
        let tau = [8.0, 12.0, 24.0][tau_i];
        prop_assume!(p.lag_h < tau);
        let dose = DoseEvent { time_h: 0.0, amount_mg: mg, route: Route::Po, infusion_h: None };
        let ss = pk::steady_state(&p, &dose, tau).unwrap();
        // Enough doses for the slowest exponential to decay below 1e-12 of its start.
        let n = ((28.0 / (p.lambda_z_per_h() * tau)).ceil() as usize + 2).min(20_000);
        prop_assume!(n < 20_000);
        let doses: Vec<DoseEvent> = (0..n).map(|i| DoseEvent { time_h: tau * i as f64, ..dose }).collect();
        let start = tau * (n - 1) as f64;
        let c = pk::concentrations(&p, &doses, &[start + 0.5 * tau]).unwrap()[0];
        let expected = ss.profile.samples.iter().find(|s| (s.0 - 0.5 * tau).abs() < 1e-12).unwrap().1;
        prop_assert!((c - expected).abs() <= 1e-8 * expected.max(1e-12), "{} vs {}", c, expected);
    }
}
