//! Google Trends' time series: a date column, then one column per term (`term: (Region)` in
//! the classic layout, the bare term in the quoted one). The helpers here also serve pytrends.

use jiff::civil::Date;

use crate::Result;

use super::cells::{Cell, parse_date, parse_value, shorten, term_and_region, time_word};
use super::rows::Row;
use super::{Builder, Draft, Layout, Point, Reader, TrendFile, TrendSource};

impl Reader<'_> {
    /// A Google time series whose header is the row at `header_at`.
    pub(super) fn wide(&self, header_at: usize, layout: Layout) -> Result<TrendFile> {
        let header = &self.rows[header_at];
        let width = header.used().len();
        self.check_filled_columns(header_at, self.rows.len())?;
        let source = self.source_or(TrendSource::GoogleTrends);
        let mut columns = self.term_columns(header, (1..width).collect(), &source)?;
        for row in self.rows[header_at + 1..].iter().filter(|r| !r.is_blank()) {
            self.check_width(row, width, "a date")?;
            let date = self.row_date(row, 0)?;
            for (column, builder) in &mut columns {
                self.push_value(builder, row, *column, date, false)?;
            }
        }
        let mut draft = Draft::new(
            layout,
            columns.into_iter().map(|(_, b)| b).collect(),
            "search_interest",
        );
        draft.hint = time_word(&header.used()[0]).flatten();
        draft.requests = vec![self.preamble_label(header_at)];
        self.finish(draft)
    }

    /// The label rows above a header (`Category: All categories`): they name the request.
    fn preamble_label(&self, header_at: usize) -> String {
        self.rows[..header_at]
            .iter()
            .filter(|r| !r.is_blank())
            .map(|r| r.used().join(" "))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// One builder per term column of a header, each with its region.
    pub(super) fn term_columns(
        &self,
        header: &Row,
        columns: Vec<usize>,
        source: &TrendSource,
    ) -> Result<Vec<(usize, Builder)>> {
        self.check_series_count(columns.len(), header.line)?;
        let mut out = Vec::with_capacity(columns.len());
        for column in columns {
            let (term, region) = term_and_region(header.cell(column));
            if term.is_empty() {
                return Err(self.error(
                    header.line,
                    format!(
                        "expected a term in column {} of the header, found an empty cell",
                        column + 1
                    ),
                ));
            }
            // Exports quote whole cells; a quote inside a term is a quote left open or a
            // damaged header.
            if term.contains('"') {
                return Err(self.error(
                    header.line,
                    format!(
                        "expected a term in column {} of the header, found a stray quote in {}",
                        column + 1,
                        shorten(&term)
                    ),
                ));
            }
            out.push((column, Builder::new(term, region, source.clone())));
        }
        if out.is_empty() {
            return Err(self.error(
                header.line,
                format!(
                    "expected at least one term after the date column, found {}",
                    header.shown()
                ),
            ));
        }
        Ok(out)
    }

    /// Refuses a row longer than its header.
    pub(super) fn check_width(&self, row: &Row, width: usize, first: &str) -> Result<()> {
        let used = row.used().len();
        if used > width {
            return Err(self.error(
                row.line,
                format!(
                    "expected {width} cells ({first} and {} values) as in the header, found {used}",
                    width - 1
                ),
            ));
        }
        Ok(())
    }

    /// The date in `column` of a row.
    pub(super) fn row_date(&self, row: &Row, column: usize) -> Result<Date> {
        parse_date(row.cell(column)).ok_or_else(|| {
            self.error(
                row.line,
                format!(
                    "expected a date (YYYY-MM-DD) in column {}, found {}",
                    column + 1,
                    shorten(row.cell(column))
                ),
            )
        })
    }

    /// Adds the value in `column` of a row to a series; an empty cell is a gap.
    pub(super) fn push_value(
        &self,
        builder: &mut Builder,
        row: &Row,
        column: usize,
        date: Date,
        partial: bool,
    ) -> Result<()> {
        match parse_value(row.cell(column)) {
            Some(Cell::Gap) => Ok(()),
            Some(Cell::Value(value, censored)) => {
                let point = Point {
                    date,
                    value,
                    censored,
                    partial,
                };
                builder.points.push((point, row.line));
                Ok(())
            }
            None => Err(self.error(
                row.line,
                format!(
                    "expected a number ≥ 0 or `<1` for `{}` in column {}, found {}",
                    builder.term,
                    column + 1,
                    shorten(row.cell(column))
                ),
            )),
        }
    }
}
