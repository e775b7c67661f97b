//! Piecewise-linear interpolation in an (x, y) table: the one interpolation of the trial's dose
//! and time-course tables. Between points it is linear, beyond the last point held at the last
//! y; below the first point the caller chooses ([`BelowFirst`]).

/// What the table gives below its first x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BelowFirst {
    /// Held at the first y.
    Hold,
    /// Falling linearly to y = 0 at x = 0 (no dose, no effect; week 0, no change yet). A first
    /// point at x <= 0 is held.
    ToZero,
}

/// y at `x` in `table` (any order; sorted by x here). 0 for an empty table.
pub fn interpolate(table: &[(f64, f64)], x: f64, below: BelowFirst) -> f64 {
    let mut t = table.to_vec();
    t.sort_by(|a, b| a.0.total_cmp(&b.0));
    match (t.first(), t.last()) {
        (Some(&(x0, y0)), Some(&(xn, yn))) => {
            if x <= x0 {
                match below {
                    BelowFirst::ToZero if x0 > 0.0 => y0 * (x / x0).max(0.0),
                    _ => y0,
                }
            } else if x >= xn {
                yn
            } else {
                let k = t.windows(2).position(|w| x <= w[1].0).unwrap_or(0);
                let ((xa, ya), (xb, yb)) = (t[k], t[k + 1]);
                ya + (yb - ya) * (x - xa) / (xb - xa)
            }
        }
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_interpolation() {
        let t = [(40.0, -4.0), (80.0, -5.0)];
        assert_eq!(interpolate(&t, 20.0, BelowFirst::Hold), -4.0);
        assert_eq!(interpolate(&t, 60.0, BelowFirst::Hold), -4.5);
        assert_eq!(interpolate(&t, 200.0, BelowFirst::Hold), -5.0);
    }

    #[test]
    fn falls_to_zero_below_the_first_point() {
        let t = [(40.0, -4.0), (80.0, -5.0)];
        assert_eq!(interpolate(&t, 20.0, BelowFirst::ToZero), -2.0);
        assert_eq!(interpolate(&t, -1.0, BelowFirst::ToZero), 0.0);
        assert_eq!(interpolate(&t, 60.0, BelowFirst::ToZero), -4.5);
        assert_eq!(interpolate(&t, 200.0, BelowFirst::ToZero), -5.0);
        assert_eq!(interpolate(&[(0.0, 3.0)], -1.0, BelowFirst::ToZero), 3.0);
        assert_eq!(interpolate(&[], 1.0, BelowFirst::ToZero), 0.0);
    }
}
