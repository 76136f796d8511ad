//! Trend analysis of one series: onset, peak, growth, trend tests, lifecycle stage and momentum.
//!
//! Everything but the reported values (peak, latest) and growth percentages is computed on the
//! series divided by its own peak (as of the analysis date) and rounded to a multiple of 2⁻⁴⁰
//! (about 10⁻¹²), so the results do not depend on the series' scale: Google's 0–100 index of one
//! request, another request's, and raw view counts all give the same stage and momentum for the
//! same shape. The rounding absorbs the last-place differences that dividing a scaled series
//! leaves, so a series and the same series times 3.7 give the same Mann–Kendall result and
//! stage (the property tests check it); only a ratio within a few units in the last place of a
//! rounding boundary could still differ, by 2⁻⁴⁰.
//!
//! Growth compares values as in the file: `Percent` is scale-free up to rounding.
//!
//! Points flagged partial, and points whose value is not a finite number ≥ 0, are ignored; a gap
//! is a missing point, never a zero.

use jiff::civil::Date;
use serde::Serialize;

use super::{Granularity, Point, Series, TrendSource};

/// How a series is analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisOptions {
    /// Analyse the series as of this date: later points are ignored. Default (`None`): the
    /// latest point that is not partial.
    pub at: Option<Date>,
    /// The number of periods (months, weeks or days, as the series goes) the trend tests and
    /// momentum look at, ending at the analysis date. Default 12; 0 is read as 1. A gap inside
    /// the window leaves fewer points than periods.
    pub window: usize,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            at: None,
            window: 12,
        }
    }
}

/// A change between two points of a series.
///
/// `Percent(100 × (now − then) / then)` when the earlier value is above zero; `New` when it is
/// zero and the later one is not (a term that rises from nothing is new, not "+∞%"); `Flat`
/// when both are zero; `NoData` when either point is missing (a gap, or before the series
/// starts). A censored `<1` counts as 0.5.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Growth {
    /// The change in percent.
    Percent(f64),
    /// The earlier value is zero and the later one is not.
    New,
    /// One of the two points is missing.
    NoData,
    /// Both values are zero.
    Flat,
}

impl Growth {
    /// The change in percent, when there is one.
    pub fn percent(self) -> Option<f64> {
        match self {
            Growth::Percent(p) => Some(p),
            _ => None,
        }
    }

    fn between(then: f64, now: f64) -> Growth {
        if then > 0.0 {
            Growth::Percent(100.0 * (now - then) / then)
        } else if now > 0.0 {
            Growth::New
        } else {
            Growth::Flat
        }
    }
}

impl std::fmt::Display for Growth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Growth::Percent(p) => write!(f, "{p:+.1}%"),
            Growth::New => f.write_str("new"),
            Growth::NoData => f.write_str("no data"),
            Growth::Flat => f.write_str("flat"),
        }
    }
}

/// The Mann–Kendall trend test over the analysis window.
///
/// For the window's values `x₁…xₙ` in date order: `S = Σ_{i<j} sign(xⱼ − xᵢ)`;
/// `Var(S) = [n(n−1)(2n+5) − Σₜ t(t−1)(2t+5)] / 18`, the sum running over groups of `t` tied
/// values; `Z = (S − 1)/√Var(S)` when `S > 0`, `(S + 1)/√Var(S)` when `S < 0`, else 0 (the
/// continuity correction); the two-sided `p = 2·(1 − Φ(|Z|))` from the normal approximation;
/// Kendall's `τ = S / (n(n−1)/2)`. When every value is tied (an all-zero window) or there are
/// fewer than two points, `Var(S) = 0` and the result is `S = 0, Z = 0, p = 1, τ = 0`: no
/// evidence of a trend, not an error. Φ is computed with a rational approximation whose relative
/// error is below 1.2·10⁻⁷.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannKendall {
    /// The number of points tested.
    pub n: usize,
    /// Kendall's S: concordant minus discordant pairs.
    pub s: i64,
    /// The normal score of S, with continuity correction.
    pub z: f64,
    /// The two-sided p-value, in [0, 1].
    pub p_value: f64,
    /// Kendall's τ in [−1, 1].
    pub tau: f64,
}

impl MannKendall {
    /// The result for no evidence at all: `S = 0, Z = 0, p = 1, τ = 0`.
    pub fn none(n: usize) -> MannKendall {
        MannKendall {
            n,
            s: 0,
            z: 0.0,
            p_value: 1.0,
            tau: 0.0,
        }
    }

    /// True when the trend is significant at 5% (two-sided) and upward.
    pub fn rising(&self) -> bool {
        self.s > 0 && self.p_value < ALPHA
    }

    /// True when the trend is significant at 5% (two-sided) and downward.
    pub fn falling(&self) -> bool {
        self.s < 0 && self.p_value < ALPHA
    }
}

/// Where a term is in its life, by the rules below, tried in this order (the first that holds
/// wins). "Level" is the mean of the last `max(1, window/4)` points divided by the peak so far;
/// "rising"/"falling" mean a Mann–Kendall test over the window significant at 5% with S > 0 /
/// S < 0 (on the seasonally adjusted values when the series is long enough).
///
/// 1. **Dormant**: no point above zero so far, or a level below 10% of the peak without a rising
///    trend.
/// 2. **Emerging**: the onset (first point above zero) falls within the window, after at least
///    one zero point: the term is new. (A series whose first point is already above zero may
///    have had interest before it starts, so it is never called emerging.)
/// 3. **Rising**: a rising trend.
/// 4. **Declining**: a falling trend.
/// 5. **Peaking**: no significant trend, at a level of 75% of the peak or more.
/// 6. **PostPeak**: no significant trend, below 75% of a peak that has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// New: the first interest falls within the window.
    Emerging,
    /// Significantly upward over the window.
    Rising,
    /// Flat at 75% of the peak or more.
    Peaking,
    /// Flat below 75% of a past peak.
    PostPeak,
    /// Significantly downward over the window.
    Declining,
    /// Nothing, or below 10% of the peak without rising.
    Dormant,
}

impl Stage {
    /// The snake-case name (`post_peak`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Emerging => "emerging",
            Stage::Rising => "rising",
            Stage::Peaking => "peaking",
            Stage::PostPeak => "post_peak",
            Stage::Declining => "declining",
            Stage::Dormant => "dormant",
        }
    }
}

/// What the analysis of one series found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The first point above zero (a censored `<1` counts), up to the analysis date.
    pub onset: Option<Date>,
    /// The highest value up to the analysis date and its date (the first, on a tie), as in the
    /// file.
    pub peak: Option<(Date, f64)>,
    /// The point the analysis is made at: the last non-partial point on or before
    /// [`AnalysisOptions::at`], as in the file.
    pub latest: Option<(Date, f64)>,
    /// Period-over-period growth: the latest point against the previous period's (see
    /// [`growth_over`] for how the earlier point is found).
    pub growth_pop: Growth,
    /// Year-over-year growth: the latest point against the point 12 months, 52 weeks or 365 days
    /// earlier.
    pub growth_yoy: Growth,
    /// The Mann–Kendall test over the window (seasonally adjusted when `seasonal`).
    pub mann_kendall: MannKendall,
    /// The Theil–Sen slope over the window, in fractions of the peak per period (0.02 is two
    /// percent of the peak per week on a weekly series). See [`theil_sen_slope`].
    pub theil_sen_slope: f64,
    /// How far the latest points stand from the series' own history, in robust standard
    /// deviations: `(median(recent) − median(history)) / (1.4826 · MAD(history))`, where recent
    /// is the last `max(1, window/4)` points and history every earlier point. When the MAD is
    /// zero, `1.2533 · mean absolute deviation` is used instead; when that is zero too, the
    /// z-score is 0 if recent equals history and ±10 otherwise. Clamped to [−10, 10]; 0 when the
    /// history has fewer than four points.
    pub robust_z: f64,
    /// Whether the window's values were seasonally adjusted before the trend tests, slope and
    /// z-score: true when the series holds at least three seasons (36 months, 156 weeks, or 21
    /// days for the day-of-week cycle). The adjustment is additive: each point minus its
    /// season's index. A season is the month, the weekday, or for weekly series one of 52 bins
    /// of 365/52 days of the year. The index is the median over the season's points of the point
    /// minus a centred moving average one cycle long (a 2×12 or 2×52 average), smoothed 1-2-1
    /// with the neighbouring bins for weekly series, and the indexes are centred on zero.
    /// Averages with less than 80% of their points present are skipped.
    pub seasonal: bool,
    /// Where the term is in its life (see [`Stage`] for the rules).
    pub stage: Stage,
    /// The implied change across the window relative to its typical level, in percent:
    /// `100 × theil_sen_slope × window / max(window_median, 0.05)`. Scale-free, so terms of
    /// different scale groups can be ranked by it; 0 for a dormant series.
    pub momentum: f64,
    /// The mean of the last `max(1, window/4)` points, as a fraction of the peak.
    pub level: f64,
    /// The median of the window's points, as a fraction of the peak.
    pub window_median: f64,
    /// The number of points in the window (fewer than the window when there are gaps).
    pub window_points: usize,
}

const ALPHA: f64 = 0.05;
const DORMANT_LEVEL: f64 = 0.10;
const PEAKING_LEVEL: f64 = 0.75;
const MOMENTUM_FLOOR: f64 = 0.05;
const Z_CAP: f64 = 10.0;
/// Windows of up to this many points get the exact Theil–Sen median over every pair.
const THEIL_SEN_EXACT_MAX: usize = 100;
/// Longer windows get the median over this many pairs drawn with a fixed-seed generator.
const THEIL_SEN_SAMPLES: usize = 4096;

/// Days since 1970-01-01 (negative before), for date arithmetic in tight loops.
pub(crate) fn day_number(date: Date) -> i32 {
    let (y, m, d) = (
        i32::from(date.year()),
        i32::from(date.month()),
        i32::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn month_number(date: Date) -> i32 {
    i32::from(date.year()) * 12 + i32::from(date.month()) - 1
}

/// The season length of a granularity: 12 months, 52 weeks, or 7 days (the weekday cycle).
fn season_length(granularity: Granularity) -> usize {
    match granularity {
        Granularity::Day => 7,
        Granularity::Week => 52,
        Granularity::Month => 12,
    }
}

/// The usable points of a series as of a date, in the arrays the analysis works on.
#[derive(Debug, Default)]
struct Usable {
    dates: Vec<Date>,
    days: Vec<i32>,
    values: Vec<f64>,
}

impl Usable {
    fn fill(&mut self, points: &[Point], at: Option<Date>) {
        self.dates.clear();
        self.days.clear();
        self.values.clear();
        let sorted = points.is_sorted_by(|a, b| a.date < b.date);
        let mut owned;
        let points = if sorted {
            points
        } else {
            owned = points.to_vec();
            owned.sort_by_key(|p| p.date);
            owned.dedup_by_key(|p| p.date);
            &owned[..]
        };
        for p in points {
            if p.partial || !p.value.is_finite() || p.value < 0.0 {
                continue;
            }
            if at.is_some_and(|at| p.date > at) {
                break;
            }
            self.dates.push(p.date);
            self.days.push(day_number(p.date));
            self.values.push(p.value);
        }
    }

    /// The index of the point `periods` periods before point `i`: the same month for monthly
    /// series, else the nearest point within half a period of the date `periods` weeks or days
    /// earlier.
    fn lagged(&self, i: usize, periods: usize, granularity: Granularity) -> Option<usize> {
        let periods = i32::try_from(periods).ok()?;
        match granularity {
            Granularity::Month => {
                let target = month_number(self.dates[i]) - periods;
                let j = self.dates[..i].partition_point(|d| month_number(*d) < target);
                (j < i && month_number(self.dates[j]) == target).then_some(j)
            }
            Granularity::Week | Granularity::Day => {
                let (step, tolerance) = if granularity == Granularity::Week {
                    (7, 3)
                } else {
                    (1, 0)
                };
                let target = self.days[i] - periods * step;
                let j = self.days[..i].partition_point(|d| *d < target - tolerance);
                let mut best: Option<usize> = None;
                for k in j..i {
                    let off = (self.days[k] - target).abs();
                    if off > tolerance {
                        break;
                    }
                    if best.is_none_or(|b| off < (self.days[b] - target).abs()) {
                        best = Some(k);
                    }
                }
                best
            }
        }
    }
}

/// Growth of a series over a chosen number of periods, as of a date.
///
/// Compares the last non-partial point on or before `at` (the latest point when `at` is `None`)
/// with the point `periods` periods earlier: for monthly series the point of exactly that month;
/// for weekly and daily series the point nearest the date `7 × periods` or `periods` days earlier,
/// within half a period (3 days for weeks, none for days). The formula and the zero cases are
/// [`Growth`]'s; percentages come from the values as in the file.
pub fn growth_over(series: &Series, at: Option<Date>, periods: usize) -> Growth {
    let mut usable = Usable::default();
    usable.fill(&series.points, at);
    growth_in(&usable, periods, series.granularity)
}

fn growth_in(usable: &Usable, periods: usize, granularity: Granularity) -> Growth {
    let Some(last) = usable.values.len().checked_sub(1) else {
        return Growth::NoData;
    };
    match usable.lagged(last, periods, granularity) {
        Some(j) => Growth::between(usable.values[j], usable.values[last]),
        None => Growth::NoData,
    }
}

/// The Mann–Kendall test of values in time order (see [`MannKendall`] for the formulas).
///
/// Exact in O(n log n): above 64 values, S is counted from the inversions of a merge sort
/// (every pair is concordant, discordant or tied); below, pair by pair. The values should be
/// finite ([`analyse`] drops the others); a NaN never panics but makes S meaningless.
pub fn mann_kendall(values: &[f64]) -> MannKendall {
    let n = values.len();
    if n < 2 {
        return MannKendall::none(n);
    }
    let pairs = (n * (n - 1) / 2) as i64;
    let mut sorted = values.to_vec();
    let s = if n <= 64 {
        sorted.sort_unstable_by(f64::total_cmp);
        let mut s = 0i64;
        for i in 0..n {
            for j in i + 1..n {
                s += (values[j] > values[i]) as i64 - (values[j] < values[i]) as i64;
            }
        }
        Some(s)
    } else {
        None
    };
    let inversions = if s.is_none() {
        let mut buffer = vec![0.0; n];
        count_inversions(&mut sorted, &mut buffer) as i64
    } else {
        0
    };
    // Tie groups, from the sorted values.
    let mut ties = 0i64;
    let mut tied_pairs = 0i64;
    let mut run = 1i64;
    for i in 1..=n {
        if i < n && sorted[i] == sorted[i - 1] {
            run += 1;
        } else {
            ties += run * (run - 1) * (2 * run + 5);
            tied_pairs += run * (run - 1) / 2;
            run = 1;
        }
    }
    // Every pair is concordant, discordant (an inversion) or tied.
    let s = s.unwrap_or(pairs - tied_pairs - 2 * inversions);
    let n64 = n as f64;
    let variance = (n64 * (n64 - 1.0) * (2.0 * n64 + 5.0) - ties as f64) / 18.0;
    if variance <= 0.0 {
        return MannKendall::none(n);
    }
    let z = match s {
        0 => 0.0,
        s if s > 0 => (s - 1) as f64 / variance.sqrt(),
        s => (s + 1) as f64 / variance.sqrt(),
    };
    let p_value = erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0);
    MannKendall {
        n,
        s,
        z,
        p_value,
        tau: s as f64 / pairs as f64,
    }
}

/// Sorts `values` and returns the number of pairs `i < j` with `values[i] > values[j]`: a
/// merge sort, with insertion sort for short runs.
fn count_inversions(values: &mut [f64], buffer: &mut [f64]) -> u64 {
    let n = values.len();
    if n <= 16 {
        let mut count = 0u64;
        for i in 1..n {
            let x = values[i];
            let mut j = i;
            while j > 0 && values[j - 1] > x {
                values[j] = values[j - 1];
                j -= 1;
            }
            values[j] = x;
            count += (i - j) as u64;
        }
        return count;
    }
    let mid = n / 2;
    let (left, right) = values.split_at_mut(mid);
    let mut count =
        count_inversions(left, &mut buffer[..mid]) + count_inversions(right, &mut buffer[mid..]);
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        if right[j] < left[i] {
            count += (left.len() - i) as u64;
            buffer[k] = right[j];
            j += 1;
        } else {
            buffer[k] = left[i];
            i += 1;
        }
        k += 1;
    }
    buffer[k..k + left.len() - i].copy_from_slice(&left[i..]);
    k += left.len() - i;
    buffer[k..k + right.len() - j].copy_from_slice(&right[j..]);
    values.copy_from_slice(&buffer[..n]);
    count
}

/// The Theil–Sen slope of values at times `t` (in periods): the median of `(yⱼ − yᵢ)/(tⱼ − tᵢ)`
/// over the pairs `i < j` with `tᵢ ≠ tⱼ` (the mean of the two middle slopes for an even count).
///
/// Exact for up to 100 points (4,950 pairs). Longer inputs use an approximation: the median over
/// 4,096 pairs drawn uniformly with a fixed-seed generator, so the same input always gives the
/// same slope; its rank error is about ±0.8 percentile of the pairwise slopes (one standard
/// error), measured against the exact median in the benchmarks. 0 for fewer than two times.
pub fn theil_sen_slope(t: &[f64], y: &[f64]) -> f64 {
    let mut slopes = Vec::new();
    theil_sen_with(t, y, &mut slopes)
}

fn theil_sen_with(t: &[f64], y: &[f64], slopes: &mut Vec<i64>) -> f64 {
    let n = t.len().min(y.len());
    slopes.clear();
    if n <= THEIL_SEN_EXACT_MAX {
        for i in 0..n {
            for j in i + 1..n {
                let dt = t[j] - t[i];
                if dt != 0.0 {
                    slopes.push(order_key((y[j] - y[i]) / dt));
                }
            }
        }
    } else {
        let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ n as u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Two indexes from one draw, each by a multiply-shift into 0..n (no division).
        let bound = n as u64;
        // Pairs with equal times are skipped; a bounded number of draws keeps inputs whose
        // times are nearly all equal from looping for long.
        for _ in 0..4 * THEIL_SEN_SAMPLES {
            if slopes.len() == THEIL_SEN_SAMPLES {
                break;
            }
            let r = next();
            let a = (((r & 0xFFFF_FFFF) * bound) >> 32) as usize;
            let b = (((r >> 32) * bound) >> 32) as usize;
            let (i, j) = (a.min(b), a.max(b));
            let dt = t[j] - t[i];
            if dt != 0.0 {
                slopes.push(order_key((y[j] - y[i]) / dt));
            }
        }
    }
    let n = slopes.len();
    if n == 0 {
        return 0.0;
    }
    let (lower, upper, _) = slopes.select_nth_unstable(n / 2);
    let upper = from_order_key(*upper);
    if n % 2 == 1 {
        upper
    } else {
        let below = lower.iter().copied().max().map_or(upper, from_order_key);
        (below + upper) / 2.0
    }
}

/// An integer that orders like the float under `f64::total_cmp`: selecting on integers is
/// about twice as fast as on floats with a comparison function.
fn order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

fn from_order_key(key: i64) -> f64 {
    f64::from_bits((key ^ (((key >> 63) as u64) >> 1) as i64) as u64)
}

/// The median of the values (reordering them); `None` when empty.
fn median_in_place(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (lower, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        Some(upper)
    } else {
        let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((below + upper) / 2.0)
    }
}

/// The complementary error function, with relative error below 1.2·10⁻⁷ (Numerical Recipes'
/// Chebyshev fit).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Rounds a fraction of the peak to a multiple of 2⁻⁴⁰ (about 10⁻¹²), so that scaling a series
/// cannot move a result by one unit in the last place. A power of two keeps the rounding itself
/// exact.
fn quantise(x: f64) -> f64 {
    const GRID: f64 = (1u64 << 40) as f64;
    (x * GRID).round() / GRID
}

/// Buffers reused from one series to the next.
#[derive(Debug, Default)]
struct Scratch {
    usable: Usable,
    norm: Vec<f64>,
    index: Vec<i32>,
    adjusted: Vec<f64>,
    grid: Vec<f64>,
    sums: Vec<(f64, f64)>,
    seasons: Vec<u16>,
    pairs: Vec<(u16, f64)>,
    work: Vec<f64>,
    times: Vec<f64>,
    slopes: Vec<i64>,
}

/// Analyses one series (see [`Analysis`] for each figure and its formula, [`Stage`] for the
/// stage rules).
///
/// Never fails and never returns NaN: an empty series gives no onset, peak or latest point,
/// `NoData` growth and the dormant stage; an all-zero series is dormant with a Mann–Kendall
/// p-value of 1. Cost: linear in the points plus the window's pairs (66 for 12 points).
pub fn analyse(series: &Series, options: &AnalysisOptions) -> Analysis {
    analyse_with(series, options, &mut Scratch::default())
}

/// Analyses many series on every core, in the input's order; the same as calling [`analyse`] on
/// each.
pub fn analyse_many(series: &[Series], options: &AnalysisOptions) -> Vec<Analysis> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || series.len() < 64 {
        let mut scratch = Scratch::default();
        return series
            .iter()
            .map(|s| analyse_with(s, options, &mut scratch))
            .collect();
    }
    let chunk = series.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = series
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut scratch = Scratch::default();
                    part.iter()
                        .map(|s| analyse_with(s, options, &mut scratch))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

fn empty_analysis() -> Analysis {
    Analysis {
        onset: None,
        peak: None,
        latest: None,
        growth_pop: Growth::NoData,
        growth_yoy: Growth::NoData,
        mann_kendall: MannKendall::none(0),
        theil_sen_slope: 0.0,
        robust_z: 0.0,
        seasonal: false,
        stage: Stage::Dormant,
        momentum: 0.0,
        level: 0.0,
        window_median: 0.0,
        window_points: 0,
    }
}

fn analyse_with(series: &Series, options: &AnalysisOptions, scratch: &mut Scratch) -> Analysis {
    let granularity = series.granularity;
    let window = options.window.max(1);
    scratch.usable.fill(&series.points, options.at);
    let usable = &scratch.usable;
    let n = usable.values.len();
    if n == 0 {
        return empty_analysis();
    }
    let last = n - 1;
    let latest = Some((usable.dates[last], usable.values[last]));
    let mut peak_at = 0;
    for i in 1..n {
        if usable.values[i] > usable.values[peak_at] {
            peak_at = i;
        }
    }
    let peak_value = usable.values[peak_at];
    let onset_at = usable.values.iter().position(|v| *v > 0.0);
    let growth_pop = growth_in(usable, 1, granularity);
    let growth_yoy = growth_in(usable, granularity.periods_per_year(), granularity);
    let onset = onset_at.map(|i| usable.dates[i]);
    let peak = (peak_value > 0.0).then(|| (usable.dates[peak_at], peak_value));

    // Scale-free values: fractions of the peak.
    scratch.norm.clear();
    if peak_value > 0.0 {
        scratch
            .norm
            .extend(usable.values.iter().map(|v| quantise(v / peak_value)));
    } else {
        scratch.norm.resize(n, 0.0);
    }
    // Period numbers, counted from the first usable point.
    scratch.index.clear();
    match granularity {
        Granularity::Month => {
            let first = month_number(usable.dates[0]);
            scratch
                .index
                .extend(usable.dates.iter().map(|d| month_number(*d) - first));
        }
        Granularity::Week => {
            let first = usable.days[0];
            scratch
                .index
                .extend(usable.days.iter().map(|d| (d - first + 3).div_euclid(7)));
        }
        Granularity::Day => {
            let first = usable.days[0];
            scratch.index.extend(usable.days.iter().map(|d| d - first));
        }
    }
    let end = scratch.index[last];
    let window_start = scratch
        .index
        .partition_point(|i| i64::from(*i) <= i64::from(end) - window as i64);
    let window_points = n - window_start;

    let seasonal = seasonally_adjust(granularity, scratch);
    let adjusted: &[f64] = if seasonal {
        &scratch.adjusted
    } else {
        &scratch.norm
    };

    let mann_kendall = mann_kendall(&adjusted[window_start..]);
    scratch.times.clear();
    scratch
        .times
        .extend(scratch.index[window_start..].iter().map(|i| f64::from(*i)));
    let slope = theil_sen_with(
        &scratch.times,
        &adjusted[window_start..],
        &mut scratch.slopes,
    );

    let recent = (window / 4).max(1).min(window_points.max(1));
    let recent_start = n - recent.min(n);
    let robust_z = robust_z(
        &adjusted[..recent_start],
        &adjusted[recent_start..],
        &mut scratch.work,
    );
    let level = scratch.norm[recent_start..].iter().sum::<f64>() / (n - recent_start) as f64;
    scratch.work.clear();
    scratch
        .work
        .extend_from_slice(&scratch.norm[window_start..]);
    let window_median = median_in_place(&mut scratch.work).unwrap_or(0.0);

    let stage = if peak_value <= 0.0 || (level < DORMANT_LEVEL && !mann_kendall.rising()) {
        Stage::Dormant
    } else if onset_at.is_some_and(|o| o > 0 && o >= window_start) {
        Stage::Emerging
    } else if mann_kendall.rising() {
        Stage::Rising
    } else if mann_kendall.falling() {
        Stage::Declining
    } else if level >= PEAKING_LEVEL {
        Stage::Peaking
    } else {
        Stage::PostPeak
    };
    let momentum = if stage == Stage::Dormant {
        0.0
    } else {
        100.0 * slope * window as f64 / window_median.max(MOMENTUM_FLOOR)
    };
    Analysis {
        onset,
        peak,
        latest,
        growth_pop,
        growth_yoy,
        mann_kendall,
        theil_sen_slope: slope,
        robust_z,
        seasonal,
        stage,
        momentum,
        level,
        window_median,
        window_points,
    }
}

/// The robust z-score of `recent` against `history` (see [`Analysis::robust_z`]).
fn robust_z(history: &[f64], recent: &[f64], work: &mut Vec<f64>) -> f64 {
    if history.len() < 4 || recent.is_empty() {
        return 0.0;
    }
    work.clear();
    work.extend_from_slice(recent);
    let now = median_in_place(work).unwrap_or(0.0);
    work.clear();
    work.extend_from_slice(history);
    let centre = median_in_place(work).unwrap_or(0.0);
    let mean_abs = history.iter().map(|v| (v - centre).abs()).sum::<f64>() / history.len() as f64;
    work.clear();
    work.extend(history.iter().map(|v| (v - centre).abs()));
    let mad = median_in_place(work).unwrap_or(0.0);
    let diff = now - centre;
    let scale = if mad > 0.0 {
        1.4826 * mad
    } else {
        1.2533 * mean_abs
    };
    let z = if scale > 0.0 {
        diff / scale
    } else if diff == 0.0 {
        0.0
    } else {
        diff.signum() * Z_CAP
    };
    z.clamp(-Z_CAP, Z_CAP)
}

/// Fills `scratch.adjusted` with the seasonally adjusted `scratch.norm` and returns true, when
/// the series holds at least three seasons (see [`Analysis::seasonal`]); else returns false.
fn seasonally_adjust(granularity: Granularity, scratch: &mut Scratch) -> bool {
    let period = season_length(granularity);
    let n = scratch.norm.len();
    let Some(&last) = scratch.index.last() else {
        return false;
    };
    let span = last as usize + 1;
    if n < 3 * period || span < 3 * period || span > 8 * n {
        return false;
    }
    let seasons = &mut scratch.seasons;
    seasons.clear();
    seasons.extend(
        scratch.usable.dates.iter().zip(&scratch.usable.days).map(
            |(date, day)| match granularity {
                Granularity::Month => (date.month() - 1) as u16,
                // 52 bins of 365/52 days, so the last days of December get a bin of their own.
                Granularity::Week => ((day_of_year(*date) - 1) * 52 / 365).min(51) as u16,
                Granularity::Day => (day + 3).rem_euclid(7) as u16,
            },
        ),
    );
    // Prefix sums over the regular grid of periods (a gap adds nothing), so each centred
    // moving average costs O(1).
    let grid = &mut scratch.grid;
    grid.clear();
    grid.resize(span, f64::NAN);
    for (i, v) in scratch.index.iter().zip(&scratch.norm) {
        grid[*i as usize] = *v;
    }
    let sums = &mut scratch.sums;
    sums.clear();
    sums.reserve(span + 1);
    let (mut sum, mut count) = (0.0, 0.0);
    sums.push((0.0, 0.0));
    for x in grid.iter() {
        if !x.is_nan() {
            sum += x;
            count += 1.0;
        }
        sums.push((sum, count));
    }
    let half = period / 2;
    let even = period.is_multiple_of(2);
    let pairs = &mut scratch.pairs;
    pairs.clear();
    let mut per_season = [0usize; 52];
    for (k, (i, v)) in scratch.index.iter().zip(&scratch.norm).enumerate() {
        let t = *i as usize;
        if t < half || t + half >= span {
            continue;
        }
        let (sum, weight) = if even {
            // A 2×P average: the inner P − 1 periods weigh 1, the two ends ½.
            let (mut sum, mut weight) = (
                sums[t + half].0 - sums[t - half + 1].0,
                sums[t + half].1 - sums[t - half + 1].1,
            );
            for end in [grid[t - half], grid[t + half]] {
                if !end.is_nan() {
                    sum += 0.5 * end;
                    weight += 0.5;
                }
            }
            (sum, weight)
        } else {
            (
                sums[t + half + 1].0 - sums[t - half].0,
                sums[t + half + 1].1 - sums[t - half].1,
            )
        };
        if weight < 0.8 * period as f64 {
            continue;
        }
        let season = seasons[k];
        per_season[season as usize] += 1;
        pairs.push((season, v - sum / weight));
    }
    // A counting sort by season, then the median of each season's few residuals.
    let mut offsets = [0usize; 53];
    for s in 0..52 {
        offsets[s + 1] = offsets[s] + per_season[s];
    }
    let work = &mut scratch.work;
    work.clear();
    work.resize(pairs.len(), 0.0);
    let mut fill = offsets;
    for (season, r) in pairs.iter() {
        work[fill[*season as usize]] = *r;
        fill[*season as usize] += 1;
    }
    let mut index = [0.0f64; 52];
    for s in 0..period {
        let bucket = &mut work[offsets[s]..offsets[s + 1]];
        if bucket.len() >= 2 {
            index[s] = median_in_place(bucket).unwrap_or(0.0);
        }
    }
    if granularity == Granularity::Week {
        // 52 indexes from a few years are noisy: smooth them with their neighbours (a circular
        // 1-2-1 average), as seasonal smoothers do.
        let raw = index;
        for s in 0..period {
            let before = raw[(s + period - 1) % period];
            let after = raw[(s + 1) % period];
            index[s] = (before + 2.0 * raw[s] + after) / 4.0;
        }
    }
    let centre = index[..period].iter().sum::<f64>() / period as f64;
    for s in &mut index[..period] {
        *s -= centre;
    }
    scratch.adjusted.clear();
    scratch.adjusted.extend(
        scratch
            .norm
            .iter()
            .zip(seasons.iter())
            .map(|(v, s)| v - index[*s as usize]),
    );
    true
}

/// The day of the year, 1 to 366.
fn day_of_year(date: Date) -> i32 {
    const BEFORE: [i32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let year = i32::from(date.year());
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month = date.month() as usize;
    BEFORE[month - 1] + i32::from(date.day()) + i32::from(leap && month > 2)
}

/// One place in a momentum ranking, with the numbers that justify it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    /// The place, from 1.
    pub rank: usize,
    /// The term as the file writes it.
    pub term: String,
    /// The normalised term.
    pub key: String,
    /// The series' source.
    pub source: TrendSource,
    /// The series' region.
    pub region: Option<String>,
    /// The series' scale group (shown, never used to compare levels).
    pub scale_group: String,
    /// What the series measures.
    pub metric: String,
    /// Whether the Mann–Kendall test over the window is significantly upward (p < 0.05, S > 0):
    /// such series rank first.
    pub significant_rise: bool,
    /// The Mann–Kendall p-value (two-sided), as in `mann_kendall`.
    pub p_value: f64,
    /// The ranking key within each of the two groups: [`Analysis::momentum`].
    pub momentum: f64,
    /// The Theil–Sen slope, in fractions of the peak per period.
    pub theil_sen_slope: f64,
    /// The window's median, as a fraction of the peak (momentum's denominator).
    pub window_median: f64,
    /// The points in the window.
    pub window_points: usize,
    /// The Mann–Kendall test over the window.
    pub mann_kendall: MannKendall,
    /// The robust z-score of the latest points.
    pub robust_z: f64,
    /// Period-over-period growth.
    pub growth_pop: Growth,
    /// Year-over-year growth.
    pub growth_yoy: Growth,
    /// The lifecycle stage.
    pub stage: Stage,
    /// The date the series was analysed at.
    pub at: Option<Date>,
    /// Whether the window was seasonally adjusted.
    pub seasonal: bool,
}

impl Ranked {
    /// One line that says why the term holds its place: momentum, slope, level, the test.
    pub fn justification(&self) -> String {
        format!(
            "momentum {:+.1}% = slope {:+.2}% of peak/period × {} points / median {:.0}% of peak; \
             Mann–Kendall S={} τ={:+.2} p={:.4}; robust z {:+.1}; {}{}",
            self.momentum,
            100.0 * self.theil_sen_slope,
            self.window_points,
            100.0 * self.window_median,
            self.mann_kendall.s,
            self.mann_kendall.tau,
            self.mann_kendall.p_value,
            self.robust_z,
            self.stage.as_str(),
            if self.seasonal {
                ", seasonally adjusted"
            } else {
                ""
            },
        )
    }
}

/// Ranks analysed series: those whose Mann–Kendall test is significantly upward (p < 0.05)
/// first, by momentum, highest first; then every other series, by momentum.
///
/// A large momentum from a near-dormant series (a few points off zero) whose test is not
/// significant never ranks above a series that is significantly rising. Momentum is scale-free
/// (a slope relative to the series' own level), so series of different scale groups rank
/// against each other without their raw levels ever being compared. Ties go to the larger
/// Mann–Kendall Z, then to the key in alphabetical order.
pub fn rank_by_momentum(items: &[(Series, Analysis)]) -> Vec<Ranked> {
    let mut order: Vec<&(Series, Analysis)> = items.iter().collect();
    order.sort_by(|(sa, a), (sb, b)| {
        b.mann_kendall
            .rising()
            .cmp(&a.mann_kendall.rising())
            .then(b.momentum.total_cmp(&a.momentum))
            .then(b.mann_kendall.z.total_cmp(&a.mann_kendall.z))
            .then(sa.key.cmp(&sb.key))
    });
    order
        .into_iter()
        .enumerate()
        .map(|(i, (series, analysis))| Ranked {
            rank: i + 1,
            term: series.term.clone(),
            key: series.key.clone(),
            source: series.source.clone(),
            region: series.region.clone(),
            scale_group: series.scale_group.clone(),
            metric: series.metric.clone(),
            significant_rise: analysis.mann_kendall.rising(),
            p_value: analysis.mann_kendall.p_value,
            momentum: analysis.momentum,
            theil_sen_slope: analysis.theil_sen_slope,
            window_median: analysis.window_median,
            window_points: analysis.window_points,
            mann_kendall: analysis.mann_kendall,
            robust_z: analysis.robust_z,
            growth_pop: analysis.growth_pop,
            growth_yoy: analysis.growth_yoy,
            stage: analysis.stage,
            at: analysis.latest.map(|(d, _)| d),
            seasonal: analysis.seasonal,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keys_sort_like_total_cmp() {
        let mut values = [3.5, -0.0, 0.0, -2.25, f64::MIN_POSITIVE, -1e300, 1e300, 7.0];
        let mut keys: Vec<i64> = values.iter().map(|v| order_key(*v)).collect();
        keys.sort_unstable();
        values.sort_by(f64::total_cmp);
        let back: Vec<f64> = keys.into_iter().map(from_order_key).collect();
        assert_eq!(
            back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn day_arithmetic_agrees_with_jiff() {
        let epoch = jiff::civil::date(1970, 1, 1);
        let mut d = jiff::civil::date(1899, 12, 25);
        while d < jiff::civil::date(2101, 1, 8) {
            assert_eq!(day_number(d), (d - epoch).get_days(), "{d}");
            assert_eq!(day_of_year(d), i32::from(d.day_of_year()), "{d}");
            d = d.tomorrow().unwrap();
        }
    }
}
