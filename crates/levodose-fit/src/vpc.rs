//! Visual predictive check (VPC): does the fitted model reproduce the spread of the data?
//!
//! The dataset's design (the same subjects, doses, sampling times and covariates) is simulated
//! `replicates` times from the fitted model: per subject an eta drawn from N(0, Omega) on top
//! of its typical parameters, then per observation a residual drawn with the fit's variance
//! `R = additive_sd^2 + (proportional_sd f)^2`. Predictions use [`crate::predict::predict`],
//! the closed forms the estimation itself uses, so the simulation and the fit share one engine.
//! Simulated values are not truncated at 0 (as NONMEM's $SIMULATION).
//!
//! Observations are binned by time. When the design has at most `max_bins` distinct sampling
//! times (nominal times, the usual case in a planned study) each time is its own bin;
//! otherwise the bins hold about equal numbers of observations (quantile bins, as PsN's
//! `-bin_by_count`) and never split observations at the same time. In each bin the observed
//! 5th, 50th and 95th percentiles are compared with the 95 % interval (2.5th to 97.5th
//! percentile over the replicates) of the same percentile of the simulated data. Percentiles
//! are R's default (type 7, linear interpolation).
//!
//! Each replicate draws from its own ChaCha8 stream (`seed`, stream = replicate index), so
//! the result is the same for any number of threads.

use crate::curves::subjects_with_parameters;
use crate::estimate::FitResult;
use crate::predict::predict;
use levodose::dataset::Dataset;
use levodose::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;

/// Percentiles of the data compared in each bin.
pub const PERCENTILES: [f64; 3] = [0.05, 0.50, 0.95];
/// Limits of the interval of each simulated percentile over the replicates.
pub const INTERVAL: (f64, f64) = (0.025, 0.975);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpcOptions {
    pub replicates: usize,
    pub seed: u64,
    /// Largest number of time bins.
    pub max_bins: usize,
}

impl Default for VpcOptions {
    fn default() -> Self {
        VpcOptions {
            replicates: 200,
            seed: 1,
            max_bins: 10,
        }
    }
}

/// The 5th, 50th and 95th percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// One simulated percentile over the replicates: 2.5th, 50th and 97.5th percentile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lower: f64,
    pub median: f64,
    pub upper: f64,
}

impl Interval {
    pub fn contains(&self, x: f64) -> bool {
        self.lower <= x && x <= self.upper
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimulatedPercentiles {
    pub p05: Interval,
    pub p50: Interval,
    pub p95: Interval,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VpcBin {
    /// Earliest and latest observation time in the bin (h).
    pub lower_h: f64,
    pub upper_h: f64,
    /// Median observation time in the bin (h), where the bin is plotted.
    pub time_h: f64,
    pub n_observations: usize,
    pub observed: Percentiles,
    pub simulated: SimulatedPercentiles,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vpc {
    pub replicates: usize,
    pub seed: u64,
    /// How the bins were formed, in words.
    pub binning: String,
    pub bins: Vec<VpcBin>,
}

/// Sample percentile, R type 7: linear interpolation between order statistics.
/// `sorted` must be ascending and non-empty.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn percentiles_of(values: &mut [f64]) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    PERCENTILES.map(|p| quantile(values, p))
}

/// Bin index of each distinct time (ascending) and the wording of the rule used.
fn bin_distinct_times(times: &[f64], max_bins: usize) -> (Vec<f64>, Vec<usize>, String) {
    let mut distinct: Vec<f64> = times.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() <= max_bins {
        let bins = (0..distinct.len()).collect();
        let text = format!(
            "one bin per sampling time ({} distinct times, at most {max_bins} bins)",
            distinct.len()
        );
        return (distinct, bins, text);
    }
    let n = times.len();
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut bins = Vec::with_capacity(distinct.len());
    let (mut bin, mut seen) = (0usize, 0usize);
    for &t in &distinct {
        // Close the bin once it holds its share of observations; tied times stay together.
        if seen >= (bin + 1) * n / max_bins && bin + 1 < max_bins {
            bin += 1;
        }
        bins.push(bin);
        seen += sorted.partition_point(|&x| x <= t) - sorted.partition_point(|&x| x < t);
    }
    let text = format!(
        "{} bins of about equal numbers of observations (quantile bins; tied times kept together)",
        bin + 1
    );
    (distinct, bins, text)
}

/// A square root of the (positive semi-definite) omega: Cholesky, or from the eigenvalues
/// (negative ones set to 0) when omega is singular, e.g. an eta with zero variance.
fn omega_root(omega: &DMatrix<f64>) -> DMatrix<f64> {
    if let Some(c) = omega.clone().cholesky() {
        return c.l();
    }
    let e = omega.clone().symmetric_eigen();
    let d = DMatrix::from_diagonal(&e.eigenvalues.map(|l| l.max(0.0).sqrt()));
    &e.eigenvectors * d
}

fn check_options(opts: &VpcOptions) -> Result<()> {
    if !(1..=100_000).contains(&opts.replicates) {
        return Err(Error::input(
            "vpc_replicates",
            format!("{} is not in 1..=100000", opts.replicates),
        ));
    }
    if !(1..=100).contains(&opts.max_bins) {
        return Err(Error::input(
            "vpc_bins",
            format!("{} is not in 1..=100", opts.max_bins),
        ));
    }
    Ok(())
}

/// The VPC of `result`, a fit of `data`.
pub fn vpc(result: &FitResult, data: &Dataset, opts: &VpcOptions) -> Result<Vpc> {
    check_options(opts)?;
    let model = &result.fitted;
    let pairs = subjects_with_parameters(result, data)?;
    let times: Vec<f64> = pairs
        .iter()
        .flat_map(|(s, _)| s.time_h.iter().copied())
        .collect();
    if times.is_empty() {
        return Err(Error::input("dataset", "has no observations"));
    }
    let (distinct, bin_of_distinct, binning) = bin_distinct_times(&times, opts.max_bins);
    let bin_of_time = |t: f64| bin_of_distinct[distinct.partition_point(|&x| x < t)];
    let obs_bin: Vec<usize> = times.iter().map(|&t| bin_of_time(t)).collect();
    let n_bins = obs_bin.iter().max().map_or(0, |b| b + 1);

    let root = omega_root(&model.omega);
    let ne = model.n_eta();
    let add_var = model.error.additive_sd.map_or(0.0, |s| s * s);
    let prop_var = model.error.proportional_sd.map_or(0.0, |s| s * s);
    let structure = model.structure;

    // Per replicate: per bin the simulated 5th/50th/95th percentiles.
    let per_replicate: Vec<Vec<[f64; 3]>> = (0..opts.replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(r as u64);
            let mut by_bin: Vec<Vec<f64>> = vec![Vec::new(); n_bins];
            let mut k = 0;
            for (s, lp) in &pairs {
                let z = DVector::from_fn(ne, |_, _| StandardNormal.sample(&mut rng));
                let eta = &root * z;
                let mut phi = lp.typical.clone();
                for (e, &p) in model.eta_parameter.iter().enumerate() {
                    phi[p] += eta[e];
                }
                for j in 0..s.time_h.len() {
                    let f = predict(structure, &phi, s, j).v;
                    let eps: f64 = StandardNormal.sample(&mut rng);
                    let y = f + (add_var + prop_var * f * f).sqrt() * eps;
                    by_bin[obs_bin[k]].push(y);
                    k += 1;
                }
            }
            by_bin.iter_mut().map(|v| percentiles_of(v)).collect()
        })
        .collect();

    let observed_dv: Vec<f64> = pairs
        .iter()
        .flat_map(|(s, _)| s.dv.iter().copied())
        .collect();
    let bins = (0..n_bins)
        .map(|b| {
            let members: Vec<usize> = (0..times.len()).filter(|&i| obs_bin[i] == b).collect();
            let mut t: Vec<f64> = members.iter().map(|&i| times[i]).collect();
            let mut dv: Vec<f64> = members.iter().map(|&i| observed_dv[i]).collect();
            t.sort_by(f64::total_cmp);
            let obs = percentiles_of(&mut dv);
            let interval = |q: usize| {
                let mut v: Vec<f64> = per_replicate.iter().map(|rep| rep[b][q]).collect();
                v.sort_by(f64::total_cmp);
                Interval {
                    lower: quantile(&v, INTERVAL.0),
                    median: quantile(&v, 0.5),
                    upper: quantile(&v, INTERVAL.1),
                }
            };
            VpcBin {
                lower_h: t[0],
                upper_h: t[t.len() - 1],
                time_h: quantile(&t, 0.5),
                n_observations: members.len(),
                observed: Percentiles {
                    p05: obs[0],
                    p50: obs[1],
                    p95: obs[2],
                },
                simulated: SimulatedPercentiles {
                    p05: interval(0),
                    p50: interval(1),
                    p95: interval(2),
                },
            }
        })
        .collect();
    Ok(Vpc {
        replicates: opts.replicates,
        seed: opts.seed,
        binning,
        bins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_is_r_type_7() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0.05, 0.5, 0.95)) = 1.2, 3.0, 8.8
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!((quantile(&x, 0.05) - 1.2).abs() < 1e-12);
        assert_eq!(quantile(&x, 0.5), 3.0);
        assert!((quantile(&x, 0.95) - 8.8).abs() < 1e-12);
    }

    #[test]
    fn nominal_times_get_one_bin_each() {
        let t = [1.0, 2.0, 1.0, 4.0, 2.0, 4.0];
        let (d, b, _) = bin_distinct_times(&t, 10);
        assert_eq!(d, vec![1.0, 2.0, 4.0]);
        assert_eq!(b, vec![0, 1, 2]);
    }

    #[test]
    fn many_times_get_equal_count_bins_without_splitting_ties() {
        // 100 distinct times, 4 bins: 25 observations each.
        let t: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let (_, b, _) = bin_distinct_times(&t, 4);
        for bin in 0..4 {
            assert_eq!(b.iter().filter(|&&x| x == bin).count(), 25);
        }
        // Ties: 30 observations at t = 0 stay in one bin even though a bin's share is 20.
        let mut t: Vec<f64> = vec![0.0; 30];
        t.extend((1..=70).map(|i| i as f64));
        let (d, b, _) = bin_distinct_times(&t, 5);
        assert_eq!(d[0], 0.0);
        assert_eq!(b[0], 0);
        assert!(
            b[1] > 0,
            "the next time opens a new bin once t = 0 filled it"
        );
        assert!(b.windows(2).all(|w| w[1] >= w[0] && w[1] - w[0] <= 1));
        assert_eq!(*b.last().unwrap(), 4);
    }

    #[test]
    fn omega_root_handles_a_zero_variance() {
        let omega = DMatrix::from_row_slice(2, 2, &[0.09, 0.0, 0.0, 0.0]);
        let r = omega_root(&omega);
        assert!((&r * r.transpose() - &omega).norm() < 1e-12);
    }
}
