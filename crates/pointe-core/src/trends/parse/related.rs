//! Google Trends' related queries, read by shape.
//!
//! A title `term: (dates, Region)` names the term (on a row of its own, or after the preamble's
//! label on one row when a spreadsheet re-saved the file); `query,value` rows follow. A row of
//! one cell after the title opens a section: TOP or RISING when it is a known word, else (a
//! marker in another language, or no marker at all) each value tells its section: a score
//! 0–100 is TOP, a percentage (`+3,700%`) or a breakout mark is RISING.

use crate::Result;

use super::super::{RelatedKind, RelatedQuery};
use super::cells::{
    is_term_header, related_value, related_value_by_shape, section, shorten, term_and_region,
};
use super::rows::Row;
use super::{Layout, Reader, TrendFile};

/// What the rows read so far say about the next query.
#[derive(Debug, Default)]
struct Section {
    /// The term and region of the last title.
    title: Option<(String, Option<String>)>,
    /// The section its marker named, when known.
    kind: Option<RelatedKind>,
}

/// The title cell of a row: its last cell, when that has the `term: (…)` shape.
fn title_of(row: &Row) -> Option<&str> {
    let last = row.used().last()?;
    is_term_header(last).then_some(last.as_str())
}

impl Reader<'_> {
    /// Related queries from the row at `from` on.
    pub(super) fn related(&self, from: usize) -> Result<TrendFile> {
        let mut at = Section::default();
        let mut related = Vec::new();
        for row in self.rows[from..].iter().filter(|r| !r.is_blank()) {
            if let Some(title) = title_of(row) {
                let (term, region) = term_and_region(title);
                at.title = Some((term, self.options.region.clone().or(region)));
                at.kind = None;
            } else if row.used().len() == 1 {
                self.marker(&mut at, row)?;
            } else {
                related.push(self.query(&at, row)?);
            }
        }
        if related.is_empty() {
            return Err(self.error(
                self.last_line(),
                "expected TOP or RISING queries after the preamble, found none",
            ));
        }
        let mut draft = super::Draft::new(Layout::GoogleRelatedQueries, Vec::new(), "");
        draft.related = related;
        self.finish(draft)
    }

    /// A row of one cell: a section marker after a title, a preamble row before one.
    fn marker(&self, at: &mut Section, row: &Row) -> Result<()> {
        let cell = &row.used()[0];
        match (section(cell), &at.title) {
            (Some(_), None) => Err(self.error(
                row.line,
                format!("expected a `term: (dates, Region)` row before the {cell} section"),
            )),
            (kind, Some(_)) => {
                at.kind = kind;
                Ok(())
            }
            (None, None) => Ok(()),
        }
    }

    /// A `query,value` row.
    fn query(&self, at: &Section, row: &Row) -> Result<RelatedQuery> {
        let Some((term, region)) = &at.title else {
            return Err(self.error(
                row.line,
                format!(
                    "expected a `term: (dates, Region)` title before the queries, found {}",
                    row.shown()
                ),
            ));
        };
        let used = row.used();
        if used.len() != 2 {
            return Err(self.error(
                row.line,
                format!(
                    "expected 2 cells (a query and its value), found {}",
                    used.len()
                ),
            ));
        }
        if used[0].is_empty() {
            return Err(self.error(
                row.line,
                "expected a query in column 1, found an empty cell",
            ));
        }
        let (kind, value) = self.query_value(at.kind, row)?;
        Ok(RelatedQuery {
            term: term.clone(),
            region: region.clone(),
            kind,
            query: used[0].clone(),
            value,
        })
    }

    fn query_value(
        &self,
        kind: Option<RelatedKind>,
        row: &Row,
    ) -> Result<(RelatedKind, super::super::RelatedValue)> {
        let (query, cell) = (row.cell(0), row.cell(1));
        let found = match kind {
            Some(kind) => related_value(kind, cell).map(|value| (kind, value)),
            None => related_value_by_shape(cell),
        };
        found.ok_or_else(|| {
            let wanted = match kind {
                Some(RelatedKind::Top) => "a score from 0 to 100",
                Some(RelatedKind::Rising) => "`Breakout` or a percentage such as `+3,700%`",
                None => "a score from 0 to 100, `Breakout` or a percentage such as `+3,700%`",
            };
            self.error(
                row.line,
                format!(
                    "expected {wanted} for the query `{query}`, found {}",
                    shorten(cell)
                ),
            )
        })
    }
}
