//! Trend signals: reading search-interest and social exports into series, and analysing them.
//!
//! The flow is `parse` (a file → [`TrendFile`]: one [`Series`] per term, plus related queries)
//! → `analysis` (a series → [`Analysis`]: onset, peak, growth, Mann–Kendall trend, Theil–Sen
//! slope, robust z-score, lifecycle [`Stage`], momentum) → [`rank_by_momentum`]. `aesthetics`
//! maps series names to aesthetics ("coquette aesthetic" is coquette) and each aesthetic to
//! weighted attribute signatures, which the product ranking builds on.
//!
//! Values are `f64`: they are index numbers (Google, Pinterest: 0–100 within one request) or
//! counts (views, videos), never money. Index numbers are relative to the request that produced
//! them, so every series carries a `scale_group` and nothing here compares raw levels across
//! groups: the analysis works on each series divided by its own peak.

mod aesthetics;
mod analysis;
mod fit;
mod lookup;
mod parse;

use std::fmt;
use std::path::PathBuf;

use jiff::civil::Date;
use serde::Serialize;

pub use aesthetics::{
    Aesthetic, Aesthetics, DIMENSIONS, SignatureEntry, TermAlias, normalise_term,
};
pub use analysis::{
    Analysis, AnalysisOptions, Growth, MannKendall, Ranked, Stage, analyse, analyse_many,
    growth_over, mann_kendall, rank_by_momentum, theil_sen_slope,
};
pub use fit::{Fit, SignatureMatch, fit};
pub use lookup::{fold_term, related_for, series_for, term_key};
pub(crate) use parse::group_stem;
pub use parse::{MAX_TREND_FILE_BYTES, parse_trend_bytes, read_trend_file};

/// How far apart the points of a series are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One point per day.
    Day,
    /// One point per week (the date is the first day of the week as the source counts it).
    Week,
    /// One point per month (the date is the first of the month).
    Month,
}

impl Granularity {
    /// The lower-case name: `day`, `week` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }

    /// The number of periods in a year: 365, 52 or 12.
    pub fn periods_per_year(self) -> usize {
        match self {
            Granularity::Day => 365,
            Granularity::Week => 52,
            Granularity::Month => 12,
        }
    }
}

/// Where a series comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendSource {
    /// A Google Trends export (classic, newer quoted, or the long `trend_id,source,week,…` layout
    /// whose source column says `google_trends`).
    GoogleTrends,
    /// A pytrends `interest_over_time()` CSV.
    Pytrends,
    /// A Pinterest Trends CSV export.
    Pinterest,
    /// Social counts in the plain `term,date,value` layout (TikTok views, video counts).
    Tiktok,
    /// Anything else, by the name given with `--source` or found in the file.
    Other(String),
}

impl TrendSource {
    /// Reads a source name as given on the command line or in a file's source column:
    /// `google`, `google_trends`, `google-trends` → Google Trends; `pytrends`; `pinterest`;
    /// `tiktok`; anything else is kept as [`TrendSource::Other`] (folded to lower case).
    pub fn parse(name: &str) -> TrendSource {
        let folded = crate::text::fold_key(name).replace(' ', "_");
        match folded.as_str() {
            "google" | "google_trends" | "googletrends" | "gtrends" => TrendSource::GoogleTrends,
            "pytrends" => TrendSource::Pytrends,
            "pinterest" | "pinterest_trends" => TrendSource::Pinterest,
            "tiktok" | "tik_tok" => TrendSource::Tiktok,
            _ => TrendSource::Other(folded),
        }
    }

    /// The name used in stores and output: `google_trends`, `pytrends`, `pinterest`, `tiktok`
    /// or the other name.
    pub fn as_str(&self) -> &str {
        match self {
            TrendSource::GoogleTrends => "google_trends",
            TrendSource::Pytrends => "pytrends",
            TrendSource::Pinterest => "pinterest",
            TrendSource::Tiktok => "tiktok",
            TrendSource::Other(name) => name,
        }
    }
}

/// One observation of a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// The first day of the period the value covers.
    pub date: Date,
    /// The value: an index (0–100) or a count. A censored `<1` cell is stored as 0.5, the middle
    /// of the interval it stands for.
    pub value: f64,
    /// True when the file gave `<1`: a small, non-zero value whose exact size is unknown.
    pub censored: bool,
    /// True when the source flagged the period as incomplete (pytrends `isPartial`); such a point
    /// is kept but never trusted by the analysis.
    pub partial: bool,
}

/// One term's values over time, from one file.
///
/// A series is identified by its [`SeriesId`]: source, term as written, region, scale group
/// and metric. Its `key` (the folded, normalised term) only matches it to aesthetics and helps
/// look it up: "back to school" and "back to school outfits" share a key and are two series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The term as the file writes it (`"coquette aesthetic"`, `"fabric_satin"`).
    pub term: String,
    /// The normalised term (see [`normalise_term`]): `"coquette"`, `"satin"`.
    pub key: String,
    /// Where the series comes from.
    pub source: TrendSource,
    /// The region, from `--region` or read from the file (`"United States"`), when known.
    pub region: Option<String>,
    /// What else the file says the request covered, from pytrends' extra text columns
    /// (`"segment=students"`), when it says.
    pub segment: Option<String>,
    /// How far apart the points are.
    pub granularity: Granularity,
    /// The series whose values share one scale. Google and pytrends scale each request to its
    /// peak, so values are comparable only within a group. By default one request of a file is
    /// one group, named from the file's stem and what the request asked for, never its dates
    /// (see [`ImportOptions::scale_group`]).
    pub scale_group: String,
    /// What the values measure: `search_interest`, `views`, `videos`, …
    pub metric: String,
    /// The points, sorted by date, one per date at most. A gap is a missing date, never a zero.
    pub points: Vec<Point>,
}

impl Series {
    /// The series' identity: importing a series of the same identity replaces its points.
    pub fn id(&self) -> SeriesId {
        SeriesId {
            source: self.source.as_str().to_string(),
            term: self.term.clone(),
            region: self.region.clone(),
            scale_group: self.scale_group.clone(),
            metric: self.metric.clone(),
        }
    }
}

/// What makes two series one: the same source, term as written, region, scale group and metric.
///
/// The metric is part of it because views and video counts of one term are two measures, even
/// when `--scale-group` names one group for both files.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SeriesId {
    /// The source's name (`google_trends`, `pytrends`, …).
    pub source: String,
    /// The term as the file writes it.
    pub term: String,
    /// The region, when known.
    pub region: Option<String>,
    /// The scale group.
    pub scale_group: String,
    /// What the values measure.
    pub metric: String,
}

impl SeriesId {
    /// The identity as one string, for a store's unique column: `series|` and the fields as a
    /// JSON object, so that no two identities give the same string whatever their text.
    pub fn to_key_string(&self) -> String {
        format!("series|{}", serde_json::to_string(self).unwrap_or_default())
    }
}

/// The layout a trend file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Google Trends' classic `multiTimeline.csv`: a preamble (`Category: All categories`), then
    /// `Week,term: (Region),…` and one row per date; `<1` cells are censored values.
    GoogleClassic,
    /// Google Trends' newer export: `"Time","Term",…` then `"2022-02-01",45`, no preamble.
    GoogleQuoted,
    /// Google Trends' `relatedQueries.csv`: a preamble, then TOP and RISING sections per term.
    GoogleRelatedQueries,
    /// pytrends `interest_over_time().to_csv()`: `date,Term A,Term B,isPartial`.
    Pytrends,
    /// One row per term and date: `trend_id,source,week,raw_signal`.
    Long,
    /// Pinterest Trends' CSV export: a preamble, then `Rank,Trend,Weekly change,Monthly
    /// change,Yearly change,<date>,…`, one row per trend.
    Pinterest,
    /// Plain social counts: `term,date,value`.
    TermDateValue,
}

impl Layout {
    /// The snake-case name of the layout (`google_classic`, `pytrends`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::GoogleClassic => "google_classic",
            Layout::GoogleQuoted => "google_quoted",
            Layout::GoogleRelatedQueries => "google_related_queries",
            Layout::Pytrends => "pytrends",
            Layout::Long => "long",
            Layout::Pinterest => "pinterest",
            Layout::TermDateValue => "term_date_value",
        }
    }
}

/// Which section of a related-queries export a query comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelatedKind {
    /// The most searched queries alongside the term (scored 0–100).
    Top,
    /// The queries whose searches grew most (a percentage, or `Breakout`).
    Rising,
}

/// The value Google gives a related query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelatedValue {
    /// A TOP score, 0–100 relative to the most searched related query.
    Score(u32),
    /// A RISING growth in percent (`"+3,700%"` is 3700).
    Percent(u32),
    /// A RISING query that grew by more than 5000% (Google writes `Breakout`).
    Breakout,
}

impl fmt::Display for RelatedValue {
    /// `100`, `+3,700%` or `Breakout`, as Google writes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelatedValue::Score(score) => write!(f, "{score}"),
            RelatedValue::Percent(percent) => write!(f, "+{}%", group_digits(*percent)),
            RelatedValue::Breakout => f.write_str("Breakout"),
        }
    }
}

fn group_digits(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// One related query of a Google Trends related-queries export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedQuery {
    /// The term the query relates to, as the file writes it.
    pub term: String,
    /// The region the export covers (`"Worldwide"`), from `--region` or the file, when known.
    pub region: Option<String>,
    /// The section: TOP or RISING.
    pub kind: RelatedKind,
    /// The related query.
    pub query: String,
    /// Its score, growth or breakout mark.
    pub value: RelatedValue,
}

/// The period a change reported by the source covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangePeriod {
    /// Week over week.
    Week,
    /// Month over month.
    Month,
    /// Year over year.
    Year,
}

/// A change the source itself reports for a term (Pinterest's "Weekly change" and the like),
/// kept as given: it is the source's figure, not one Pointe computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReportedChange {
    /// The period the change covers.
    pub period: ChangePeriod,
    /// The change in percent (`"-12%"` is −12).
    pub percent: f64,
    /// True when the source gave a floor rather than a value (`"10,000%+"`).
    pub at_least: bool,
}

/// The changes one term's row reports (Pinterest).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportedChanges {
    /// The term, as the file writes it.
    pub term: String,
    /// The source's rank of the term in the export, when given.
    pub rank: Option<u32>,
    /// The reported changes, in the file's column order; an empty cell is left out.
    pub changes: Vec<ReportedChange>,
}

/// Terms of one file that fold to one key: each is its own series, but looking the key up (or
/// an aesthetic by it) finds them all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermCollision {
    /// The key they share (`back_to_school`).
    pub key: String,
    /// The terms, as the file writes them, in the file's order.
    pub terms: Vec<String>,
}

/// Everything read from one trend file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendFile {
    /// The file.
    pub path: PathBuf,
    /// The layout it was read as.
    pub layout: Layout,
    /// One series per term (and, in the long layout, per source), in the file's order.
    pub series: Vec<Series>,
    /// The related queries (related-queries exports only).
    pub related: Vec<RelatedQuery>,
    /// The changes the source reports per term (Pinterest exports only).
    pub reported: Vec<ReportedChanges>,
    /// The terms of the file that fold to one key; every one of them is kept as its own series.
    pub collisions: Vec<TermCollision>,
    /// True when Pointe named the scale groups (no `--scale-group`): a store may then take over
    /// a series it holds under the group an older Pointe named for the same file.
    pub default_groups: bool,
}

/// What the user tells the importer about a file; every field may be left to the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The source (`google_trends`, `pytrends`, `pinterest`, `tiktok`, or another name). Default:
    /// what the layout implies (`term,date,value` files are read as TikTok).
    pub source: Option<String>,
    /// The region of every series, overriding the one the file names. Default: the file's.
    pub region: Option<String>,
    /// The scale group of every series (numbered `G/1`, `G/2`… for a file of several requests,
    /// such as stacked pytrends batches). Default: one group per request, named from the file's
    /// stem (without a download counter or dates) and a hash of the layout, the request's terms
    /// (where they share a scale), regions, segments and preamble, never its dates: importing the
    /// same export twice, or a longer export of the same terms, updates its series in place, and
    /// another request gives another group.
    pub scale_group: Option<String>,
}

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Draws points as a one-line chart of `▁▂▃▄▅▆▇█`, a space for each missing period.
///
/// Heights are relative to the largest value drawn (zero is `▁`). The period is the smallest
/// distance between two points (a calendar month when every date is a first of the month), so a
/// weekly series with one week missing shows one space. When the gaps would make the line more
/// than four times as long as the points, the points are drawn side by side instead.
pub fn sparkline(points: &[Point]) -> String {
    let mut sorted: Vec<&Point> = points.iter().filter(|p| p.value.is_finite()).collect();
    sorted.sort_by_key(|p| p.date);
    sorted.dedup_by_key(|p| p.date);
    if sorted.is_empty() {
        return String::new();
    }
    let max = sorted.iter().map(|p| p.value.max(0.0)).fold(0.0, f64::max);
    let block = |v: f64| {
        if max <= 0.0 {
            BLOCKS[0]
        } else {
            let level = ((v.max(0.0) / max) * 7.0).round() as usize;
            BLOCKS[level.min(7)]
        }
    };
    let monthly = sorted.iter().all(|p| p.date.day() == 1) && sorted.len() > 1;
    let index = |d: Date| -> i64 {
        if monthly {
            i64::from(d.year()) * 12 + i64::from(d.month())
        } else {
            i64::from(analysis::day_number(d))
        }
    };
    let step = sorted
        .windows(2)
        .map(|w| index(w[1].date) - index(w[0].date))
        .filter(|d| *d > 0)
        .min()
        .unwrap_or(1);
    let first = index(sorted[0].date);
    let last = index(sorted[sorted.len() - 1].date);
    let slots = (last - first) / step + 1;
    if slots > 4 * sorted.len() as i64 + 16 {
        return sorted.iter().map(|p| block(p.value)).collect();
    }
    let mut line = vec![' '; slots as usize];
    for p in &sorted {
        let slot = ((index(p.date) - first) as f64 / step as f64).round() as usize;
        if let Some(cell) = line.get_mut(slot) {
            *cell = block(p.value);
        }
    }
    line.into_iter().collect()
}

#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod parse_props;
#[cfg(test)]
mod tests;
