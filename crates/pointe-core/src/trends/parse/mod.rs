//! Reading trend exports: layout detection and one reader per layout.
//!
//! A file is read whole (trend exports are small; a file over [`MAX_TREND_FILE_BYTES`] is
//! refused), decoded (UTF-8 with or without a byte-order mark, or UTF-16 with one), split into
//! CSV rows with their true line numbers (comma, or the semicolon or tab a spreadsheet saved it
//! with), and its layout is told from the shape of its first rows, in any language:
//!
//! | first rows | layout |
//! |---|---|
//! | a row naming Pinterest, `Selected Filters`, …, then `Rank,Trend,…` | Pinterest |
//! | one-cell label rows (`Category: All categories`, `类别：所有类别`), then a header whose first cell is a date word (`Week`, `Semaine`, `周`) or whose next row starts with a date, and `term: (Region)` cells | Google classic |
//! | label rows, then a one-cell `term: (dates, Region)` title and sections of `query,value` rows (TOP and RISING, named in any language or not at all); or the label and the title on one row | Google related queries |
//! | a header with an `isPartial` column, or `date` in its first cell: `date,Term,…,isPartial`, maybe with text columns (geo, segment) and keyword batches stacked | pytrends |
//! | `trend_id,source,week,raw_signal` (a term, a date and a value column, and more) | long |
//! | `term,date,value` | term, date, value |
//! | a header whose first cell is a date word or whose next row starts with a date: `Time,Term,…` | Google quoted |
//!
//! Any cell Pointe cannot read stops the whole file with an error naming the file, the line and
//! what was expected; nothing of a half-read file is returned.

mod cells;
mod finish;
mod long;
mod pinterest;
mod pytrends;
mod related;
mod rows;
mod wide;

use std::io::Read;
use std::path::Path;

use crate::text::fold_key;
use crate::{Error, Result};

use super::{
    Granularity, ImportOptions, Layout, Point, RelatedQuery, ReportedChanges, TrendFile,
    TrendSource,
};
use cells::{is_term_header, parse_date, time_word};
use rows::Row;

pub(crate) use finish::group_stem;

/// The largest trend file Pointe reads, in bytes (4 MiB): real exports are a few hundred
/// kilobytes at most, so a larger file is refused before it is read into memory, and the
/// memory a file can take stays bounded.
pub const MAX_TREND_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The most cells one trend file may hold (4 million): memory stays bounded whatever the bytes.
const MAX_CELLS: usize = 4_000_000;

/// The most series one trend file may give (50,000).
const MAX_SERIES: usize = 50_000;

/// Reads a trend export, detecting its layout (see the module docs for the layouts).
///
/// Every series gets its source, region and scale group from `options` when given there, else
/// from the file. Errors name the file, the line and what was expected; a file that fails
/// part-way returns nothing of what it read. A file over [`MAX_TREND_FILE_BYTES`] is refused
/// after reading at most one byte more than the limit.
pub fn read_trend_file(path: &Path, options: &ImportOptions) -> Result<TrendFile> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_TREND_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    parse_trend_bytes(path, &bytes, options)
}

/// Reads a trend export held in memory, as [`read_trend_file`] reads a file.
///
/// `path` only names the file: in errors, and in the default scale group (its stem). The bytes
/// may be anything: the result is a [`TrendFile`] or an [`Error::BadFile`] naming `path` and a
/// line, never a panic. Bytes over [`MAX_TREND_FILE_BYTES`] are refused without being read.
pub fn parse_trend_bytes(path: &Path, bytes: &[u8], options: &ImportOptions) -> Result<TrendFile> {
    if bytes.len() as u64 > MAX_TREND_FILE_BYTES {
        return Err(too_large(path, bytes));
    }
    let text = rows::decode(path, bytes)?;
    let rows = rows::split(path, &text, MAX_CELLS)?;
    Reader {
        path,
        options,
        rows: &rows,
    }
    .read()
}

fn too_large(path: &Path, bytes: &[u8]) -> Error {
    let limit = MAX_TREND_FILE_BYTES as usize;
    let line = bytes[..limit].iter().filter(|b| **b == b'\n').count() as u64 + 1;
    Error::bad_file(
        path,
        Some(line),
        format!(
            "expected a trend export of at most {} MiB, found a larger file (this line passes the limit)",
            MAX_TREND_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// Collects one series' points before they are checked and sorted.
#[derive(Debug)]
struct Builder {
    term: String,
    region: Option<String>,
    segment: Option<String>,
    source: TrendSource,
    /// The request of the file the series comes from (an index into [`Draft::requests`]).
    request: usize,
    points: Vec<(Point, u64)>,
}

impl Builder {
    fn new(term: String, region: Option<String>, source: TrendSource) -> Builder {
        Builder {
            term,
            region,
            segment: None,
            source,
            request: 0,
            points: Vec::new(),
        }
    }
}

/// What a layout reader hands over to be checked, sorted and named.
#[derive(Debug)]
struct Draft {
    layout: Layout,
    builders: Vec<Builder>,
    /// One entry per request the file holds (one for every layout but stacked pytrends
    /// batches): what names the request besides its terms and region (a preamble's category,
    /// Pinterest's filters, pytrends' batch and facet values), never a date.
    requests: Vec<String>,
    /// The granularity the header's words name, for a file of a single date.
    hint: Option<Granularity>,
    metric: String,
    related: Vec<RelatedQuery>,
    reported: Vec<ReportedChanges>,
}

impl Draft {
    fn new(layout: Layout, builders: Vec<Builder>, metric: &str) -> Draft {
        Draft {
            layout,
            builders,
            requests: vec![String::new()],
            hint: None,
            metric: metric.to_string(),
            related: Vec::new(),
            reported: Vec::new(),
        }
    }
}

struct Reader<'a> {
    path: &'a Path,
    options: &'a ImportOptions,
    rows: &'a [Row],
}

impl Reader<'_> {
    fn error(&self, line: u64, message: impl Into<String>) -> Error {
        Error::bad_file(self.path, Some(line), message)
    }

    fn last_line(&self) -> u64 {
        self.rows.last().map_or(1, |r| r.line)
    }

    /// The index of the next non-blank row at or after `from`.
    fn next_used(&self, from: usize) -> Option<usize> {
        (from..self.rows.len()).find(|&i| !self.rows[i].is_blank())
    }

    fn source_or(&self, default: TrendSource) -> TrendSource {
        self.options
            .source
            .as_deref()
            .map_or(default, TrendSource::parse)
    }

    /// Refuses a file that would give more than [`MAX_SERIES`] series.
    /// Refuses a header that names a column no row below it (up to `end`) fills: an extra
    /// or misplaced column, which would otherwise become an empty series.
    fn check_filled_columns(&self, header_at: usize, end: usize) -> Result<()> {
        let header = &self.rows[header_at];
        let data: Vec<&Row> = self.rows[header_at + 1..end]
            .iter()
            .filter(|r| !r.is_blank())
            .collect();
        if data.is_empty() {
            return Ok(());
        }
        for (column, name) in header.used().iter().enumerate() {
            if !name.is_empty() && data.iter().all(|r| r.cell(column).is_empty()) {
                return Err(self.error(
                    header.line,
                    format!(
                        "the header names column {} ({}) but no row gives it a value",
                        column + 1,
                        cells::shorten(name)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_series_count(&self, count: usize, line: u64) -> Result<()> {
        if count > MAX_SERIES {
            return Err(self.error(
                line,
                format!("expected at most {MAX_SERIES} series in one trend export, found more"),
            ));
        }
        Ok(())
    }

    /// True when the row at `at` heads a time series: a first cell naming the date column (a
    /// date word in any language, or any word when the next row starts with a date) and the
    /// terms after it.
    fn is_wide_header(&self, at: usize) -> bool {
        let used = self.rows[at].used();
        if used.len() < 2 || parse_date(&used[0]).is_some() {
            return false;
        }
        let dated_next = self
            .next_used(at + 1)
            .is_some_and(|next| parse_date(self.rows[next].cell(0)).is_some());
        let all_terms =
            !used[0].contains([':', '：']) && used[1..].iter().all(|c| is_term_header(c));
        dated_next || all_terms || time_word(&used[0]).is_some()
    }

    fn read(&self) -> Result<TrendFile> {
        let Some(first) = self.next_used(0) else {
            return Err(self.error(
                1,
                "expected a trends export (Google Trends, pytrends, Pinterest, `term,date,value` \
                 or `trend_id,source,week,raw_signal`), found an empty file",
            ));
        };
        let row = &self.rows[first];
        let used = row.used();
        let folded: Vec<String> = used.iter().map(|c| fold_key(c)).collect();
        if pinterest::is_header(&folded) || (used.len() == 1 && folded[0].contains("pinterest")) {
            return self.pinterest(first);
        }
        if used.len() == 1 {
            return self.after_preamble(first);
        }
        if !self.is_wide_header(first) && used.iter().any(|c| is_term_header(c)) {
            return self.related(first);
        }
        if folded.iter().any(|c| pytrends::is_partial_name(c)) {
            return self.pytrends(first);
        }
        if let Some(columns) = long::LongColumns::find(&folded) {
            return self.long(first, columns);
        }
        if folded[0] == "date" {
            return self.pytrends(first);
        }
        if self.is_wide_header(first) {
            return self.wide(first, Layout::GoogleQuoted);
        }
        Err(self.error(
            row.line,
            format!(
                "expected a trends export header (Google Trends `Category: …` or `Time,Term`, \
                 pytrends `date,…,isPartial`, Pinterest `Rank,Trend,…`, `term,date,value` or \
                 `trend_id,source,week,raw_signal`), found {}",
                row.shown()
            ),
        ))
    }

    /// After a row of one cell (a Google preamble): a classic time series, or related queries.
    fn after_preamble(&self, preamble: usize) -> Result<TrendFile> {
        let mut i = preamble + 1;
        while let Some(at) = self.next_used(i) {
            if self.rows[at].used().len() >= 2 {
                return if self.is_wide_header(at) {
                    self.wide(at, Layout::GoogleClassic)
                } else {
                    self.related(preamble)
                };
            }
            i = at + 1;
        }
        Err(self.error(
            self.last_line(),
            "expected a `Week,term: (Region)` header or TOP and RISING sections after the Google \
             Trends preamble, found the end of the file",
        ))
    }
}
