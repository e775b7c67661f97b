//! Shapiro-Wilk W and its p-value by Royston's approximation (Applied Statistics algorithm
//! AS R94, 1995), following R's `shapiro.test` (3 <= n <= 5000, no censoring).

use super::distributions::{norm_quantile, norm_sf};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShapiroWilk {
    pub w: f64,
    pub p: f64,
}

/// Evaluates c[0] + c[1] x + ... (AS 181.2's `poly`).
fn poly(c: &[f64], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
}

/// Royston's coefficients a_1..a_{n/2} (positive, for the upper half of the order statistics).
fn coefficients(n: usize) -> Vec<f64> {
    const C1: [f64; 6] = [0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
    const C2: [f64; 6] = [0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
    let nn2 = n / 2;
    if n == 3 {
        return vec![std::f64::consts::FRAC_1_SQRT_2];
    }
    let an = n as f64;
    let m: Vec<f64> = (1..=nn2)
        .map(|i| -norm_quantile((i as f64 - 0.375) / (an + 0.25)))
        .collect();
    let summ2 = 2.0 * m.iter().map(|x| x * x).sum::<f64>();
    let ssumm2 = summ2.sqrt();
    let rsn = 1.0 / an.sqrt();
    let a1 = poly(&C1, rsn) + m[0] / ssumm2;
    let mut a = vec![0.0; nn2];
    let (fac, first) = if n > 5 {
        let a2 = m[1] / ssumm2 + poly(&C2, rsn);
        let fac = ((summ2 - 2.0 * m[0] * m[0] - 2.0 * m[1] * m[1])
            / (1.0 - 2.0 * a1 * a1 - 2.0 * a2 * a2))
            .sqrt();
        a[1] = a2;
        (fac, 2)
    } else {
        let fac = ((summ2 - 2.0 * m[0] * m[0]) / (1.0 - 2.0 * a1 * a1)).sqrt();
        (fac, 1)
    };
    a[0] = a1;
    for i in first..nn2 {
        a[i] = m[i] / fac;
    }
    a
}

/// Shapiro-Wilk test; None for n < 3, n > 5000 or a zero range.
pub fn shapiro_wilk(values: &[f64]) -> Option<ShapiroWilk> {
    let n = values.len();
    if !(3..=5000).contains(&n) {
        return None;
    }
    let mut x = values.to_vec();
    x.sort_by(f64::total_cmp);
    let range = x[n - 1] - x[0];
    if range.partial_cmp(&1e-19) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let a = coefficients(n);
    // Full coefficient vector (antisymmetric), centred; W as the squared correlation.
    let full: Vec<f64> = (0..n)
        .map(|i| {
            let j = n - 1 - i;
            if i < j {
                -a[i]
            } else if i > j {
                a[j]
            } else {
                0.0
            }
        })
        .collect();
    let xs: Vec<f64> = x.iter().map(|v| v / range).collect();
    let sa = full.iter().sum::<f64>() / n as f64;
    let sx = xs.iter().sum::<f64>() / n as f64;
    let (mut ssa, mut ssx, mut sax) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let asa = full[i] - sa;
        let xsx = xs[i] - sx;
        ssa += asa * asa;
        ssx += xsx * xsx;
        sax += asa * xsx;
    }
    let ssassx = (ssa * ssx).sqrt();
    let w1 = (ssassx - sax) * (ssassx + sax) / (ssa * ssx);
    let w = 1.0 - w1;
    let p = if n == 3 {
        let pi6 = 6.0 / std::f64::consts::PI;
        let stqr = (0.75f64).sqrt().asin();
        (pi6 * (w.sqrt().asin() - stqr)).max(0.0)
    } else {
        let an = n as f64;
        let mut y = w1.ln();
        let (m, s) = if n <= 11 {
            let gamma = poly(&[-2.273, 0.459], an);
            if y >= gamma {
                return Some(ShapiroWilk { w, p: 1e-99 });
            }
            y = -(gamma - y).ln();
            (
                poly(&[0.544, -0.39978, 0.025054, -6.714e-4], an),
                poly(&[1.3822, -0.77857, 0.062767, -0.0020322], an).exp(),
            )
        } else {
            let xx = an.ln();
            (
                poly(&[-1.5861, -0.31082, -0.083751, 0.0038915], xx),
                poly(&[-0.4803, -0.082676, 0.0030302], xx).exp(),
            )
        };
        norm_sf((y - m) / s)
    };
    Some(ShapiroWilk { w, p })
}
