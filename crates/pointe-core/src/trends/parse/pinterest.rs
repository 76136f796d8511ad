//! Pinterest Trends' CSV export: a preamble (`"Pinterest Trends tool – …"`, `Selected Filters`,
//! filter rows such as `Region,United Kingdom`, a note row led by an empty cell), then
//! `Rank,Trend,Weekly change,Monthly change,Yearly change,<date>,<date>,…`, one row per trend.

use jiff::civil::Date;

use crate::Result;
use crate::text::fold_key;

use super::super::{ChangePeriod, ReportedChange, ReportedChanges};
use super::cells::{parse_date, parse_percent, shorten};
use super::rows::Row;
use super::{Builder, Draft, Layout, Reader, TrendFile, TrendSource};

/// True for the `Rank,Trend,…` header.
pub(super) fn is_header(folded: &[String]) -> bool {
    matches!(folded, [rank, trend, ..] if rank == "rank" && trend == "trend")
}

/// The columns of the `Rank,Trend,…` header.
#[derive(Debug)]
struct Columns {
    rank: Option<usize>,
    trend: usize,
    changes: Vec<(usize, ChangePeriod)>,
    dates: Vec<(usize, Date)>,
}

impl Reader<'_> {
    /// A Pinterest export whose first row is `first`.
    pub(super) fn pinterest(&self, first: usize) -> Result<TrendFile> {
        let Some(header_at) = (first..self.rows.len()).find(|&i| {
            let folded: Vec<String> = self.rows[i].used().iter().map(|c| fold_key(c)).collect();
            is_header(&folded)
        }) else {
            return Err(self.error(
                self.last_line(),
                "expected a `Rank,Trend,Weekly change,…,<dates>` header after the Pinterest \
                 preamble, found the end of the file",
            ));
        };
        let (region, filters) = self.filters(first, header_at);
        let columns = self.pinterest_columns(&self.rows[header_at])?;
        let source = self.source_or(TrendSource::Pinterest);
        let mut builders = Vec::new();
        let mut reported = Vec::new();
        for row in &self.rows[header_at + 1..] {
            let term = row.cell(columns.trend);
            // Blank rows, and note rows led by an empty cell, after the table as before it.
            if term.is_empty() {
                continue;
            }
            self.check_series_count(builders.len() + 1, row.line)?;
            reported.push(self.reported(&columns, row)?);
            let mut builder = Builder::new(term.to_string(), region.clone(), source.clone());
            for (column, date) in &columns.dates {
                self.push_value(&mut builder, row, *column, *date, false)?;
            }
            builders.push(builder);
        }
        if builders.is_empty() {
            return Err(self.error(
                self.last_line(),
                "expected at least one trend row after the `Rank,Trend,…` header, found none",
            ));
        }
        let mut draft = Draft::new(Layout::Pinterest, builders, "search_interest");
        draft.requests = vec![filters];
        draft.reported = reported;
        self.finish(draft)
    }

    /// The region and the filters of the preamble (`Region,United Kingdom`, `Age,All ages`):
    /// the filters name the request.
    fn filters(&self, first: usize, header_at: usize) -> (Option<String>, String) {
        let mut region = None;
        let mut filters = Vec::new();
        for row in &self.rows[first..header_at] {
            let [label, value] = row.used() else { continue };
            if label.is_empty() {
                continue;
            }
            let folded = fold_key(label);
            if matches!(
                folded.as_str(),
                "region" | "regions" | "country" | "countries"
            ) {
                region = Some(value.clone());
            }
            filters.push(format!("{folded}={value}"));
        }
        (region, filters.join("; "))
    }

    /// Reads the header: rank and trend, the change columns, then one column per date.
    fn pinterest_columns(&self, header: &Row) -> Result<Columns> {
        let cells = header.used();
        let folded: Vec<String> = cells.iter().map(|c| fold_key(c)).collect();
        let mut columns = Columns {
            rank: (folded[0] == "rank").then_some(0),
            trend: usize::from(folded[0] == "rank"),
            changes: Vec::new(),
            dates: Vec::new(),
        };
        for (column, name) in folded.iter().enumerate().skip(columns.trend + 1) {
            if let Some(date) = parse_date(&cells[column]) {
                columns.dates.push((column, date));
                continue;
            }
            let period = change_period(name).ok_or_else(|| {
                self.error(
                    header.line,
                    format!(
                        "expected a change column (Weekly, Monthly or Yearly change) or a date in \
                         column {} of the header, found {}",
                        column + 1,
                        shorten(&cells[column])
                    ),
                )
            })?;
            if !columns.dates.is_empty() {
                return Err(self.error(
                    header.line,
                    format!(
                        "expected only dates after the first date column, found {}",
                        shorten(&cells[column])
                    ),
                ));
            }
            columns.changes.push((column, period));
        }
        if columns.dates.is_empty() {
            return Err(self.error(
                header.line,
                "expected date columns (one normalised value per date) after the change columns, found none",
            ));
        }
        Ok(columns)
    }

    /// The rank and the changes a trend's row reports.
    fn reported(&self, columns: &Columns, row: &Row) -> Result<ReportedChanges> {
        let term = row.cell(columns.trend);
        let rank = match columns.rank.map(|c| row.cell(c)) {
            None | Some("") => None,
            Some(cell) => Some(cell.parse::<u32>().map_err(|_| {
                self.error(
                    row.line,
                    format!(
                        "expected a rank (a whole number) in column 1, found {}",
                        shorten(cell)
                    ),
                )
            })?),
        };
        let mut changes = Vec::new();
        for (column, period) in &columns.changes {
            let cell = row.cell(*column);
            if cell.is_empty() {
                continue;
            }
            let (percent, at_least) = parse_percent(cell).ok_or_else(|| {
                self.error(
                    row.line,
                    format!(
                        "expected a percentage such as `+25%` or `10,000%+` in column {} for `{term}`, found {}",
                        column + 1,
                        shorten(cell)
                    ),
                )
            })?;
            changes.push(ReportedChange {
                period: *period,
                percent,
                at_least,
            });
        }
        Ok(ReportedChanges {
            term: term.to_string(),
            rank,
            changes,
        })
    }
}

fn change_period(name: &str) -> Option<ChangePeriod> {
    if name.contains("week") {
        Some(ChangePeriod::Week)
    } else if name.contains("month") {
        Some(ChangePeriod::Month)
    } else if name.contains("year") {
        Some(ChangePeriod::Year)
    } else {
        None
    }
}
