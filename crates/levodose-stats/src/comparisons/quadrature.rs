//! Adaptive Gauss-Kronrod (7/15) quadrature with a global error budget, as QUADPACK's QAG.
//! The Dunnett and Tukey probabilities are double integrals whose values can be as small as
//! 1e-10; a relative tolerance on the whole integral keeps their relative accuracy.

const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
];
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// One Kronrod panel: (integral, error estimate).
fn panel<F: Fn(f64) -> f64>(f: &F, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut k = WGK[7] * fc;
    let mut g = WG[3] * fc;
    for j in 0..7 {
        let x = h * XGK[j];
        let s = f(c - x) + f(c + x);
        k += WGK[j] * s;
        if j % 2 == 1 {
            g += WG[j / 2] * s;
        }
    }
    (k * h, ((k - g) * h).abs())
}

/// Integral of `f` over the consecutive pieces of `breaks` (ascending), refined by bisecting the
/// panel with the largest error until the total error is below `rel_tol` times the integral
/// (or `abs_tol`), or `max_panels` is reached.
pub fn integrate<F: Fn(f64) -> f64>(
    f: &F,
    breaks: &[f64],
    rel_tol: f64,
    abs_tol: f64,
    max_panels: usize,
) -> f64 {
    let mut panels: Vec<(f64, f64, f64, f64)> = breaks
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| {
            let (v, e) = panel(f, w[0], w[1]);
            (w[0], w[1], v, e)
        })
        .collect();
    loop {
        let total: f64 = panels.iter().map(|p| p.2).sum();
        let err: f64 = panels.iter().map(|p| p.3).sum();
        if err <= abs_tol.max(rel_tol * total.abs()) || panels.len() >= max_panels {
            return total;
        }
        let (i, _) = panels
            .iter()
            .enumerate()
            .max_by(|x, y| x.1 .3.total_cmp(&y.1 .3))
            .expect("at least one panel");
        let (a, b, _, _) = panels.swap_remove(i);
        let m = 0.5 * (a + b);
        if !(m > a && m < b) {
            // Panel cannot be split further in floating point: accept it.
            return total;
        }
        let (v1, e1) = panel(f, a, m);
        let (v2, e2) = panel(f, m, b);
        panels.push((a, m, v1, e1));
        panels.push((m, b, v2, e2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_gaussian_to_its_known_mass() {
        // int exp(-x^2/2) over R = sqrt(2 pi)
        let v = integrate(
            &|x: f64| (-0.5 * x * x).exp(),
            &[-40.0, 0.0, 40.0],
            1e-13,
            0.0,
            500,
        );
        assert!((v - (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-12);
    }
}
