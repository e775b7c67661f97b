//! Population summaries: percentiles (5, 50, 95), means, and probability of target attainment.
//!
//! Percentiles interpolate linearly between order statistics (Hyndman-Fan type 7, the default of
//! R and NumPy): with sorted x_(0..n-1) and h = (n - 1) p, q = x_(floor h) + (h - floor h)(x_(floor h + 1) - x_(floor h)).

use serde::Serialize;
use std::cmp::Ordering;

/// 5th, 50th and 95th percentiles and the mean of one quantity across subjects.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    pub mean: f64,
}

/// Percentile `p` (0-1) of `v` by type-7 interpolation; reorders `v`. NaN for an empty slice.
pub fn quantile_mut(v: &mut [f64], p: f64) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let (_, x_lo, rest) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let x_lo = *x_lo;
    let frac = h - lo as f64;
    if frac == 0.0 || rest.is_empty() {
        return x_lo;
    }
    let x_hi = rest.iter().copied().fold(f64::INFINITY, f64::min);
    x_lo + frac * (x_hi - x_lo)
}

/// p05, p50, p95 and mean of `values` (the mean is summed in input order, so it is deterministic).
pub fn stat(values: &[f64]) -> Stat {
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let mut buf = values.to_vec();
    let [p05, p50, p95] = percentiles_5_50_95(&mut buf, f64::total_cmp, |x| x);
    Stat {
        p05,
        p50,
        p95,
        mean,
    }
}

/// The 5th, 50th and 95th percentiles of `v` (type 7, as `quantile_mut`), with two and a half
/// selections instead of three: the median first, then the 5th percentile among the values left
/// of it and the 95th among those right of it. Reorders `v`, ordered by `cmp`, whose items are
/// worth `value` (f32 profiles as `f32_key`s are interpolated in f64). NaN for an empty slice.
pub fn percentiles_5_50_95<T: Copy>(
    v: &mut [T],
    cmp: impl Fn(&T, &T) -> Ordering + Copy,
    value: impl Fn(T) -> f64 + Copy,
) -> [f64; 3] {
    let n = v.len();
    if n == 0 {
        return [f64::NAN; 3];
    }
    let pos = |p: f64| {
        let h = (n - 1) as f64 * p;
        (h.floor() as usize, h - h.floor())
    };
    let ((l05, f05), (l50, f50), (l95, f95)) = (pos(0.05), pos(0.50), pos(0.95));
    let min = |s: &[T]| s.iter().copied().min_by(cmp).map(value);
    v.select_nth_unstable_by(l50, cmp);
    let x50 = value(v[l50]);
    let (left, right) = v.split_at_mut(l50);
    let right = &mut right[1..];
    // 95th percentile: rank l95 - l50 - 1 of `right` (or the median itself).
    let (x95, hi95) = if l95 > l50 {
        let r = l95 - l50 - 1;
        right.select_nth_unstable_by(r, cmp);
        (value(right[r]), min(&right[r + 1..]))
    } else {
        (x50, min(right))
    };
    // The next order statistic after the median: the smallest of `right`, which lies at or
    // before the 95th percentile's rank once `right` is partitioned there.
    let hi50 = if l95 > l50 {
        min(&right[..=l95 - l50 - 1])
    } else {
        min(right)
    };
    let (x05, hi05) = if l05 < l50 {
        left.select_nth_unstable_by(l05, cmp);
        let above = min(&left[l05 + 1..]).unwrap_or(x50);
        (value(left[l05]), Some(above))
    } else {
        (x50, hi50)
    };
    let lerp = |x: f64, frac: f64, hi: Option<f64>| match hi {
        Some(hi) if frac != 0.0 => x + frac * (hi - x),
        _ => x,
    };
    [
        lerp(x05, f05, hi05),
        lerp(x50, f50, hi50),
        lerp(x95, f95, hi95),
    ]
}

/// Share of `flags` that are true (probability of target attainment).
pub fn share(flags: impl Iterator<Item = bool>) -> f64 {
    let (mut yes, mut n) = (0usize, 0usize);
    for f in flags {
        n += 1;
        yes += f as usize;
    }
    if n == 0 {
        f64::NAN
    } else {
        yes as f64 / n as f64
    }
}

/// An f32 as a u32 key whose integer order is `f32::total_cmp`'s (sign bit set: all bits flipped;
/// else the sign bit set), so selections compare integers.
#[inline]
pub fn f32_key(x: f32) -> u32 {
    let b = x.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | 0x8000_0000
    }
}

/// The f32 of an `f32_key`, in f64.
#[inline]
pub fn f32_of_key(k: u32) -> f64 {
    let b = if k >> 31 == 1 { k & 0x7fff_ffff } else { !k };
    f32::from_bits(b) as f64
}
