//! Trend analysis at scale: 100,000 weekly series of 260 points (five years).
//!
//! `cargo bench -p pointe-core --bench trends`. Before the timings, `main` prints how far the
//! sampled Theil–Sen slope (used for windows over 100 points) lands from the exact median, and
//! checks that the O(n log n) Mann–Kendall S equals the pairwise count, on the same data.
//!
//! Benchmarks, all over the same 100,000 series:
//! - `analyse_window_12_*`: the full [`analyse`] (onset, peak, growth, seasonal adjustment,
//!   Mann–Kendall, Theil–Sen, robust z, stage, momentum) with the default 12-week window, on one
//!   core and on every core ([`analyse_many`]).
//! - `analyse_window_260_all_cores`: the same over the whole five years (260-point windows).
//! - `trend_260_fast` vs `trend_260_exact_baseline`: Mann–Kendall and Theil–Sen alone over 260
//!   points; Pointe's (merge-sort S, 4,096 sampled pairs) against the textbook O(n²) pair loops
//!   with the exact median of all 33,670 slopes, on every core for both.

use std::sync::OnceLock;

use jiff::civil::date;
use pointe_core::trends::{
    AnalysisOptions, Granularity, Point, Series, TrendSource, analyse, analyse_many, mann_kendall,
    theil_sen_slope,
};

const SERIES: usize = 100_000;
const POINTS: usize = 260;

fn main() {
    report_accuracy();
    divan::main();
}

/// A fixed-seed xorshift generator, so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Google-like weekly series (integers 0–100, peak 100): rising, falling, flat, emerging from
/// zero, and mostly-zero shapes with `<1` cells, a yearly cycle, noise, and 2% gaps.
fn corpus() -> &'static [Series] {
    static CORPUS: OnceLock<Vec<Series>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let start = date(2020, 8, 2);
        let dates: Vec<_> = (0..POINTS)
            .map(|i| {
                start
                    .checked_add(jiff::Span::new().days(7 * i as i64))
                    .unwrap()
            })
            .collect();
        let mut rng = Rng(0x5EED_1234_ABCD_0001);
        (0..SERIES)
            .map(|k| {
                let shape = k % 5;
                let season = 0.4 * rng.unit();
                let noise = 0.05 + 0.25 * rng.unit();
                let onset = 100 + (rng.next() % 150) as usize;
                let raw: Vec<f64> = (0..POINTS)
                    .map(|i| {
                        let x = i as f64 / POINTS as f64;
                        let cycle =
                            1.0 + season * (2.0 * std::f64::consts::PI * i as f64 / 52.18).sin();
                        let level = match shape {
                            0 => 0.2 + x,
                            1 => 1.2 - x,
                            2 => 0.6,
                            3 if i < onset => 0.0,
                            3 => (i - onset) as f64 / 20.0,
                            _ => 0.01,
                        };
                        (level * cycle * (1.0 + noise * (rng.unit() - 0.5))).max(0.0)
                    })
                    .collect();
                let max = raw.iter().copied().fold(0.0, f64::max).max(1e-9);
                let points = raw
                    .iter()
                    .zip(&dates)
                    .filter(|_| !rng.next().is_multiple_of(50))
                    .map(|(v, d)| {
                        let scaled = 100.0 * v / max;
                        let censored = scaled > 0.0 && scaled < 0.5;
                        Point {
                            date: *d,
                            value: if censored { 0.5 } else { scaled.round() },
                            censored,
                            partial: false,
                        }
                    })
                    .collect();
                Series {
                    term: format!("term {k}"),
                    key: format!("term_{k}"),
                    source: TrendSource::GoogleTrends,
                    region: None,
                    segment: None,
                    granularity: Granularity::Week,
                    scale_group: format!("batch {}", k / 5),
                    metric: "search_interest".into(),
                    points,
                }
            })
            .collect()
    })
}

/// The values and times (in weeks) of a series, as the trend tests take them.
fn arrays(series: &Series) -> (Vec<f64>, Vec<f64>) {
    let first = series.points[0].date;
    let t = series
        .points
        .iter()
        .map(|p| ((p.date - first).get_days() as f64 / 7.0).round())
        .collect();
    let y = series.points.iter().map(|p| p.value).collect();
    (t, y)
}

/// The textbook Mann–Kendall S: every pair.
fn mann_kendall_s_exact(y: &[f64]) -> i64 {
    let mut s = 0i64;
    for i in 0..y.len() {
        for j in i + 1..y.len() {
            s += (y[j] > y[i]) as i64 - (y[j] < y[i]) as i64;
        }
    }
    s
}

/// The exact Theil–Sen slope: the median of every pairwise slope.
fn theil_sen_exact(t: &[f64], y: &[f64], slopes: &mut Vec<f64>) -> f64 {
    slopes.clear();
    for i in 0..y.len() {
        for j in i + 1..y.len() {
            let dt = t[j] - t[i];
            if dt != 0.0 {
                slopes.push((y[j] - y[i]) / dt);
            }
        }
    }
    let n = slopes.len();
    let (lower, upper, _) = slopes.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        upper
    } else {
        (lower.iter().copied().fold(f64::NEG_INFINITY, f64::max) + upper) / 2.0
    }
}

fn report_accuracy() {
    let sample = &corpus()[..2_000];
    let mut slopes = Vec::new();
    let (mut worst_rank, mut sum_rank, mut sign_flips, mut worst_abs) = (0.0f64, 0.0, 0, 0.0f64);
    for series in sample {
        let (t, y) = arrays(series);
        assert_eq!(
            mann_kendall(&y).s,
            mann_kendall_s_exact(&y),
            "{}",
            series.term
        );
        let exact = theil_sen_exact(&t, &y, &mut slopes);
        let approx = theil_sen_slope(&t, &y);
        slopes.sort_unstable_by(f64::total_cmp);
        let below = slopes.partition_point(|s| *s < approx);
        let above = slopes.partition_point(|s| *s <= approx);
        // The quantiles the sampled slope occupies among the exact ones (a range when slopes
        // tie, as integer-valued series make them do), and how far that range is from 0.5.
        let (low, high) = (
            below as f64 / slopes.len() as f64,
            above as f64 / slopes.len() as f64,
        );
        let off = if high < 0.5 {
            0.5 - high
        } else if low > 0.5 {
            low - 0.5
        } else {
            0.0
        };
        worst_rank = worst_rank.max(off);
        sum_rank += off;
        worst_abs = worst_abs.max((approx - exact).abs());
        if approx.signum() != exact.signum() && exact != 0.0 && approx != 0.0 {
            sign_flips += 1;
        }
    }
    eprintln!(
        "Theil–Sen over 260 points, sampled (4,096 pairs) vs exact (33,670 pairs), {} series: \
         mean distance of its quantile from 0.5 = {:.4}, worst = {:.4}; worst |difference| = {:.4} index points \
         per week; sign differs in {} series. Mann–Kendall S: merge sort equals the pair loop \
         on all of them.",
        sample.len(),
        sum_rank / sample.len() as f64,
        worst_rank,
        worst_abs,
        sign_flips
    );
}

/// The corpus as (times, values) arrays, built once outside the timings.
fn corpus_arrays() -> &'static [(Vec<f64>, Vec<f64>)] {
    static ARRAYS: OnceLock<Vec<(Vec<f64>, Vec<f64>)>> = OnceLock::new();
    ARRAYS.get_or_init(|| corpus().iter().map(arrays).collect())
}

/// Runs `work` over the corpus arrays on every core, each thread with its own slope buffer.
fn on_all_cores(work: fn(&[f64], &[f64], &mut Vec<f64>) -> f64) -> f64 {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let corpus = corpus_arrays();
    let chunk = corpus.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = corpus
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut slopes = Vec::new();
                    part.iter()
                        .map(|(t, y)| work(t, y, &mut slopes))
                        .sum::<f64>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn analyse_window_12_one_core(bencher: divan::Bencher) {
    let corpus = corpus();
    let options = AnalysisOptions::default();
    bencher.bench(|| {
        corpus
            .iter()
            .map(|s| analyse(s, &options).momentum)
            .sum::<f64>()
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn analyse_window_12_all_cores(bencher: divan::Bencher) {
    let corpus = corpus();
    let options = AnalysisOptions::default();
    bencher.bench(|| analyse_many(divan::black_box(corpus), &options));
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn analyse_window_260_all_cores(bencher: divan::Bencher) {
    let corpus = corpus();
    let options = AnalysisOptions {
        at: None,
        window: POINTS,
    };
    bencher.bench(|| analyse_many(divan::black_box(corpus), &options));
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn trend_260_fast(bencher: divan::Bencher) {
    corpus_arrays();
    bencher.bench(|| on_all_cores(|t, y, _| mann_kendall(y).z + theil_sen_slope(t, y)));
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn trend_260_exact_baseline(bencher: divan::Bencher) {
    corpus_arrays();
    bencher.bench(|| {
        on_all_cores(|t, y, slopes| mann_kendall_s_exact(y) as f64 + theil_sen_exact(t, y, slopes))
    });
}
