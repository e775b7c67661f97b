//! Rank tests: Kruskal-Wallis with tie correction (R's `kruskal.test`) and Dunn's test of every
//! group against a control with Holm's adjustment (`p.adjust(method = "holm")`).
//! As in R, ranks are taken on the values as stored doubles (two values share a mid-rank only
//! when they are the same double; 1-ulp differences from decimal subtraction do not), while the
//! tie correction counts tie groups as `table(x)` does, on the values printed to 15 significant
//! digits, so such near-ties enter the correction term.

use super::distributions::{chisq_sf, norm_sf};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KruskalWallis {
    pub statistic: f64,
    pub df: f64,
    pub p: f64,
    pub n_tie_groups: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DunnRow {
    pub group: String,
    pub mean_rank_diff: f64,
    pub z: f64,
    pub p: f64,
    pub p_adjusted: f64,
}

/// Mid-ranks of all values pooled (1-based), and sum over tie groups of t^3 - t.
fn pooled_ranks(groups: &[&[f64]]) -> (Vec<Vec<f64>>, f64, usize) {
    let mut all: Vec<(f64, usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, v)| v.iter().enumerate().map(move |(i, &x)| (x, g, i)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut ranks: Vec<Vec<f64>> = groups.iter().map(|g| vec![0.0; g.len()]).collect();
    let (mut tie_sum, mut tie_groups) = (0.0, 0);
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for e in &all[i..=j] {
            ranks[e.1][e.2] = r;
        }
        i = j + 1;
    }
    // Tie groups for the correction: equal at 15 significant digits (R's as.character).
    let key = |x: f64| format!("{x:.14e}");
    let mut i = 0;
    while i < all.len() {
        let k = key(all[i].0);
        let mut j = i;
        while j + 1 < all.len() && key(all[j + 1].0) == k {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        if t > 1.0 {
            tie_sum += t * t * t - t;
            tie_groups += 1;
        }
        i = j + 1;
    }
    (ranks, tie_sum, tie_groups)
}

fn mean_ranks(groups: &[&[f64]]) -> (Vec<f64>, f64, usize, f64) {
    let (ranks, tie_sum, tie_groups) = pooled_ranks(groups);
    let n: usize = groups.iter().map(|g| g.len()).sum();
    let rbar = ranks
        .iter()
        .map(|r| r.iter().sum::<f64>() / r.len() as f64)
        .collect();
    (rbar, tie_sum, tie_groups, n as f64)
}

/// Kruskal-Wallis H (tie-corrected). None when every value is the same (H undefined).
pub fn kruskal_wallis(groups: &[&[f64]]) -> Option<KruskalWallis> {
    let (rbar, tie_sum, n_tie_groups, n) = mean_ranks(groups);
    let correction = 1.0 - tie_sum / (n * n * n - n);
    if groups.len() < 2 || correction <= 0.0 {
        return None;
    }
    let h_raw = 12.0 / (n * (n + 1.0))
        * groups
            .iter()
            .zip(&rbar)
            .map(|(g, r)| g.len() as f64 * r * r)
            .sum::<f64>()
        - 3.0 * (n + 1.0);
    let h = h_raw / correction;
    let df = (groups.len() - 1) as f64;
    Some(KruskalWallis {
        statistic: h,
        df,
        p: chisq_sf(h, df),
        n_tie_groups,
    })
}

/// Dunn's z for every group against `control`, Holm-adjusted. None when all values tie.
pub fn dunn(names: &[String], groups: &[&[f64]], control: usize) -> Option<Vec<DunnRow>> {
    let (rbar, tie_sum, _, n) = mean_ranks(groups);
    let sigma2 = n * (n + 1.0) / 12.0 - tie_sum / (12.0 * (n - 1.0));
    if sigma2.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let nc = groups[control].len() as f64;
    let mut rows: Vec<DunnRow> = (0..groups.len())
        .filter(|&i| i != control)
        .map(|i| {
            let diff = rbar[i] - rbar[control];
            let z = diff / (sigma2 * (1.0 / groups[i].len() as f64 + 1.0 / nc)).sqrt();
            DunnRow {
                group: names[i].clone(),
                mean_rank_diff: diff,
                z,
                p: 2.0 * norm_sf(z.abs()),
                p_adjusted: 0.0,
            }
        })
        .collect();
    let p: Vec<f64> = rows.iter().map(|r| r.p).collect();
    for (r, a) in rows.iter_mut().zip(holm(&p)) {
        r.p_adjusted = a;
    }
    Some(rows)
}

/// Holm's step-down adjustment, as R's `p.adjust(p, "holm")`.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (i, &idx) in order.iter().enumerate() {
        running = running.max(((m - i) as f64 * p[idx]).min(1.0));
        out[idx] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_its_definition() {
        // p.adjust(c(0.01, 0.04, 0.03), "holm") = c(0.03, 0.06, 0.06)
        let a = holm(&[0.01, 0.04, 0.03]);
        assert!((a[0] - 0.03).abs() < 1e-15 && (a[1] - 0.06).abs() < 1e-15);
        assert!((a[2] - 0.06).abs() < 1e-15);
    }
}
