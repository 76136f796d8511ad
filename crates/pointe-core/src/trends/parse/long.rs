//! One row per term and date: the long `trend_id,source,week,raw_signal` layout and the plain
//! `term,date,value` social counts.

use std::collections::HashMap;
use std::path::Path;

use crate::Result;
use crate::text::fold_key;

use super::rows::Row;
use super::{Builder, Draft, Granularity, Layout, Reader, TrendFile, TrendSource};

/// The columns of a long or `term,date,value` file.
pub(super) struct LongColumns {
    term: usize,
    date: usize,
    value: usize,
    source: Option<usize>,
}

impl LongColumns {
    /// Finds the columns by their names: a term (`trend_id`, `term`, `keyword`, `query`,
    /// `trend`), a date (`week`, `date`, `day`, `month`), a value (`raw_signal`, `value`,
    /// `interest`, or a count such as `views`) and optionally `source`.
    pub(super) fn find(folded: &[String]) -> Option<LongColumns> {
        let position = |names: &[&str]| {
            folded
                .iter()
                .position(|c| names.contains(&c.replace(' ', "_").as_str()))
        };
        let term = position(&[
            "trend_id",
            "term",
            "keyword",
            "query",
            "trend",
            "search_term",
        ])?;
        let date = position(&["week", "date", "day", "month", "time", "period"])?;
        let source = position(&["source", "platform"]);
        let value = position(&[
            "raw_signal",
            "value",
            "interest",
            "search_interest",
            "signal",
            "count",
            "views",
            "videos",
            "posts",
            "likes",
            "shares",
            "comments",
            "plays",
            "mentions",
            "searches",
        ])
        .or_else(|| {
            // Otherwise the one column that is none of the others.
            let rest: Vec<usize> = (0..folded.len())
                .filter(|i| *i != term && *i != date && Some(*i) != source)
                .collect();
            (rest.len() == 1).then(|| rest[0])
        })?;
        Some(LongColumns {
            term,
            date,
            value,
            source,
        })
    }
}

impl Reader<'_> {
    /// One row per term (and source) and date, under the header at `header_at`.
    pub(super) fn long(&self, header_at: usize, columns: LongColumns) -> Result<TrendFile> {
        self.check_filled_columns(header_at, self.rows.len())?;
        let header = &self.rows[header_at];
        let layout = if columns.source.is_none() && header.used().len() == 3 {
            Layout::TermDateValue
        } else {
            Layout::Long
        };
        let default_source = if layout == Layout::TermDateValue {
            TrendSource::Tiktok
        } else {
            TrendSource::Other("unknown".into())
        };
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        let mut builders: Vec<Builder> = Vec::new();
        for row in self.rows[header_at + 1..].iter().filter(|r| !r.is_blank()) {
            self.check_long_row(header, row, &columns)?;
            let term = row.cell(columns.term);
            let date = self.row_date(row, columns.date)?;
            let source_cell = columns.source.map_or("", |c| row.cell(c));
            let key = (term.to_string(), source_cell.to_string());
            let at = match index.get(&key) {
                Some(&at) => at,
                None => {
                    self.check_series_count(builders.len() + 1, row.line)?;
                    let source = if source_cell.is_empty() {
                        default_source.clone()
                    } else {
                        TrendSource::parse(source_cell)
                    };
                    builders.push(Builder::new(term.to_string(), None, source));
                    index.insert(key, builders.len() - 1);
                    builders.len() - 1
                }
            };
            self.push_long_value(&mut builders[at], row, columns.value, date)?;
        }
        if let Some(source) = &self.options.source {
            let source = TrendSource::parse(source);
            for b in &mut builders {
                b.source = source.clone();
            }
        }
        let metric = self.long_metric(header.cell(columns.value), &builders);
        let mut draft = Draft::new(layout, builders, &metric);
        draft.hint = match fold_key(header.cell(columns.date)).as_str() {
            "week" => Some(Granularity::Week),
            "day" => Some(Granularity::Day),
            "month" => Some(Granularity::Month),
            _ => None,
        };
        self.finish(draft)
    }

    fn check_long_row(&self, header: &Row, row: &Row, columns: &LongColumns) -> Result<()> {
        let needed = columns.value.max(columns.date).max(columns.term) + 1;
        if row.cells.len() < needed {
            return Err(self.error(
                row.line,
                format!(
                    "expected {} cells as in the header, found {}",
                    header.cells.len(),
                    row.cells.len()
                ),
            ));
        }
        if row.cell(columns.term).is_empty() {
            return Err(self.error(
                row.line,
                format!(
                    "expected a term in column {}, found an empty cell",
                    columns.term + 1
                ),
            ));
        }
        Ok(())
    }

    /// Adds a row's value; a row that exists but holds no value is a gap, like a missing row.
    fn push_long_value(
        &self,
        builder: &mut Builder,
        row: &Row,
        column: usize,
        date: jiff::civil::Date,
    ) -> Result<()> {
        use super::cells::{Cell, parse_value, shorten};
        match parse_value(row.cell(column)) {
            Some(Cell::Gap) => Ok(()),
            Some(Cell::Value(..)) => self.push_value(builder, row, column, date, false),
            None => Err(self.error(
                row.line,
                format!(
                    "expected a number ≥ 0 or `<1` in column {} for `{}`, found {}",
                    column + 1,
                    builder.term,
                    shorten(row.cell(column))
                ),
            )),
        }
    }

    /// What the values measure: search interest for search sources, else the value column's
    /// name when it says (`views`), else the count the file's name says.
    fn long_metric(&self, value_header: &str, builders: &[Builder]) -> String {
        let value_name = fold_key(value_header).replace(' ', "_");
        let searchy = builders.iter().all(|b| {
            matches!(
                b.source,
                TrendSource::GoogleTrends | TrendSource::Pytrends | TrendSource::Pinterest
            )
        });
        if searchy && !builders.is_empty() {
            "search_interest".to_string()
        } else if !matches!(
            value_name.as_str(),
            "value" | "raw_signal" | "signal" | "count"
        ) {
            value_name
        } else {
            metric_from_stem(self.path).unwrap_or(value_name)
        }
    }
}

/// The count a `term,date,value` file holds, read from its name (`tiktok-weekly-views.csv` holds
/// views).
fn metric_from_stem(path: &Path) -> Option<String> {
    const METRICS: &[&str] = &[
        "views", "videos", "posts", "likes", "shares", "comments", "plays", "mentions", "searches",
        "saves", "pins",
    ];
    let stem = fold_key(&path.file_stem()?.to_string_lossy());
    stem.split(' ')
        .rev()
        .find(|w| METRICS.contains(w))
        .map(str::to_string)
}
