//! pytrends CSVs: `interest_over_time().to_csv()` gives `date,Term A,Term B,isPartial`.
//!
//! Analysts add to it: text columns (geo, region, segment…: text values, never numbers) and
//! several keyword batches in one file, stacked with a header row again before each (files
//! appended to) or told apart by a `batch` column. Each batch, and each combination of the text
//! columns' values, is one request to Google and so one scale: its own scale group. A region
//! column (`geo`, `country`, `region`…) gives the series' region; the other text columns its
//! segment (`segment=students`).

use std::collections::{HashMap, HashSet};

use crate::Result;
use crate::text::fold_key;

use super::cells::{is_number, shorten};
use super::rows::Row;
use super::{Builder, Draft, Layout, Reader, TrendFile, TrendSource, parse_date};

/// Headers that name a column of batch numbers (numbers, so told by name, not by content).
const BATCH_NAMES: &[&str] = &[
    "batch",
    "batch id",
    "batch no",
    "batch number",
    "kw batch",
    "keyword batch",
    "keyword group",
    "kw group",
    "request",
    "payload",
];

/// Headers that name a column of regions.
const REGION_NAMES: &[&str] = &[
    "geo",
    "geo code",
    "country",
    "country code",
    "region",
    "location",
    "market",
    "state",
    "city",
    "dma",
    "metro",
];

/// True for the header of pytrends' partial-period flag.
pub(super) fn is_partial_name(folded: &str) -> bool {
    folded.replace(' ', "") == "ispartial"
}

/// What a column of a block holds.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Term,
    Partial,
    Batch,
    Region,
    Segment,
}

/// One block of the file: a header row and the rows up to the next header.
#[derive(Debug)]
struct Block {
    header: usize,
    end: usize,
    columns: Vec<Column>,
}

/// The requests met so far and the series of each.
#[derive(Debug, Default)]
struct Requests {
    labels: Vec<String>,
    by_label: HashMap<String, usize>,
    /// Builders with the block and column they read.
    builders: Vec<(usize, usize, Builder)>,
    /// The builder of each (request, column).
    by_column: HashMap<(usize, usize), usize>,
}

fn is_header(row: &Row) -> bool {
    parse_date(row.cell(0)).is_none()
        && (fold_key(row.cell(0)) == "date"
            || row.cells.iter().any(|c| is_partial_name(&fold_key(c))))
}

impl Reader<'_> {
    /// A pytrends CSV whose first header is the row at `first`.
    pub(super) fn pytrends(&self, first: usize) -> Result<TrendFile> {
        let blocks = self.blocks(first)?;
        let source = self.source_or(TrendSource::Pytrends);
        let mut requests = Requests::default();
        for (n, block) in blocks.iter().enumerate() {
            let header = &self.rows[block.header];
            let width = header.used().len();
            for row in self.rows[block.header + 1..block.end]
                .iter()
                .filter(|r| !r.is_blank())
            {
                self.check_width(row, width, "a date")?;
                self.pytrends_row(&blocks, n, row, &source, &mut requests)?;
            }
        }
        let builders = keep_read_columns(requests.builders);
        let mut draft = Draft::new(Layout::Pytrends, builders, "search_interest");
        draft.requests = requests.labels;
        if draft.requests.is_empty() {
            draft.requests.push(String::new());
        }
        self.finish(draft)
    }

    /// Splits the file into blocks at each header row and classifies their columns.
    fn blocks(&self, first: usize) -> Result<Vec<Block>> {
        let mut starts = vec![first];
        starts.extend((first + 1..self.rows.len()).filter(|&i| is_header(&self.rows[i])));
        let mut blocks = Vec::with_capacity(starts.len());
        for (k, &header) in starts.iter().enumerate() {
            let end = starts.get(k + 1).copied().unwrap_or(self.rows.len());
            self.check_filled_columns(header, end)?;
            let columns = self.classify(header, end)?;
            blocks.push(Block {
                header,
                end,
                columns,
            });
        }
        Ok(blocks)
    }

    /// What each column of a block holds: the date (column 1), the partial flag, batch, region
    /// and segment columns (by name, or text values throughout), terms otherwise.
    fn classify(&self, header_at: usize, end: usize) -> Result<Vec<Column>> {
        let header = &self.rows[header_at];
        let data = &self.rows[header_at + 1..end];
        let mut columns = vec![Column::Term; header.used().len()];
        for (i, column) in columns.iter_mut().enumerate().skip(1) {
            let name = fold_key(header.cell(i));
            let text = data.iter().any(|r| !r.cell(i).is_empty())
                && data
                    .iter()
                    .all(|r| r.cell(i).is_empty() || !is_number(r.cell(i)));
            *column = if is_partial_name(&name) {
                Column::Partial
            } else if BATCH_NAMES.contains(&name.as_str()) {
                Column::Batch
            } else if REGION_NAMES.contains(&name.as_str()) {
                Column::Region
            } else if text {
                Column::Segment
            } else {
                Column::Term
            };
        }
        if !columns.iter().skip(1).any(|c| *c == Column::Term) {
            return Err(self.error(
                header.line,
                format!(
                    "expected at least one term column of numbers after the date column, found {}",
                    header.shown()
                ),
            ));
        }
        Ok(columns)
    }

    /// Reads one data row into the series of its request.
    fn pytrends_row(
        &self,
        blocks: &[Block],
        n: usize,
        row: &Row,
        source: &TrendSource,
        requests: &mut Requests,
    ) -> Result<()> {
        let block = &blocks[n];
        let date = self.row_date(row, 0)?;
        let partial = self.partial(block, row)?;
        let request = self.request_of(blocks, n, row, source, requests)?;
        for (column, kind) in block.columns.iter().enumerate().skip(1) {
            if *kind != Column::Term {
                continue;
            }
            let at = requests.by_column[&(request, column)];
            self.push_value(&mut requests.builders[at].2, row, column, date, partial)?;
        }
        Ok(())
    }

    /// The isPartial flag of a row (false without the column).
    fn partial(&self, block: &Block, row: &Row) -> Result<bool> {
        let Some(column) = block.columns.iter().position(|c| *c == Column::Partial) else {
            return Ok(false);
        };
        match fold_key(row.cell(column)).as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            _ => Err(self.error(
                row.line,
                format!(
                    "expected True or False in the isPartial column, found {}",
                    shorten(row.cell(column))
                ),
            )),
        }
    }

    /// The request of a row, by its block and its batch, region and segment values; a new one
    /// gets a builder for every term column of the block.
    fn request_of(
        &self,
        blocks: &[Block],
        n: usize,
        row: &Row,
        source: &TrendSource,
        requests: &mut Requests,
    ) -> Result<usize> {
        let block = &blocks[n];
        let header = &self.rows[block.header];
        let facet = |kind: Column| -> Vec<(String, String)> {
            block
                .columns
                .iter()
                .enumerate()
                .filter(|(i, c)| **c == kind && !row.cell(*i).is_empty())
                .map(|(i, _)| (header.cell(i).to_string(), row.cell(i).to_string()))
                .collect()
        };
        let (batch, region, segment) = (
            facet(Column::Batch),
            facet(Column::Region),
            facet(Column::Segment),
        );
        let mut label: Vec<String> = batch
            .iter()
            .chain(&region)
            .chain(&segment)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if blocks.len() > 1 {
            label.insert(0, format!("block {}", n + 1));
        }
        let label = label.join("; ");
        if let Some(&request) = requests.by_label.get(&label) {
            return Ok(request);
        }
        let request = requests.labels.len();
        requests.labels.push(label.clone());
        requests.by_label.insert(label, request);
        let region = (!region.is_empty()).then(|| join_values(&region));
        let segment = (!segment.is_empty()).then(|| {
            segment
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let terms: Vec<usize> = (1..block.columns.len())
            .filter(|&i| block.columns[i] == Column::Term)
            .collect();
        self.check_series_count(requests.builders.len() + terms.len(), row.line)?;
        for (column, mut builder) in self.term_columns(header, terms, source)? {
            builder.region = region.clone();
            builder.segment = segment.clone();
            builder.request = request;
            requests
                .by_column
                .insert((request, column), requests.builders.len());
            requests.builders.push((n, column, builder));
        }
        Ok(request)
    }
}

fn join_values(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Drops the empty series of a column that holds values in another request of its block (the
/// columns of other batches, left empty when batches are stacked side by side); a column with
/// no value anywhere keeps its one empty series, so no term is silently lost.
fn keep_read_columns(builders: Vec<(usize, usize, Builder)>) -> Vec<Builder> {
    let read: HashSet<(usize, usize)> = builders
        .iter()
        .filter(|(_, _, b)| !b.points.is_empty())
        .map(|(n, c, _)| (*n, *c))
        .collect();
    let mut kept_empty: HashSet<(usize, usize)> = HashSet::new();
    builders
        .into_iter()
        .filter(|(n, c, b)| {
            !b.points.is_empty() || (!read.contains(&(*n, *c)) && kept_empty.insert((*n, *c)))
        })
        .map(|(_, _, b)| b)
        .collect()
}
