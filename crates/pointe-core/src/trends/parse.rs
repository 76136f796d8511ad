//! Reading trend exports: layout detection and one reader per layout.
//!
//! A file is read whole (trend exports are small), decoded (UTF-8 with or without a byte-order
//! mark, or UTF-16 with one), split into CSV rows with their true line numbers, and its layout is
//! told from its first rows:
//!
//! | first rows | layout |
//! |---|---|
//! | a one-cell `Label: value` row (`Category: All categories`, `Kategorie: …`), then `Week,term: (Region)` | Google classic |
//! | the same preamble, then a `term: (dates, Region)` row and `TOP` / `RISING` sections | Google related queries |
//! | `Time,Term,…` (or `Week`, `Day`, `Month`, in English or another language) | Google quoted |
//! | `date,Term,…,isPartial` | pytrends |
//! | a row naming Pinterest, `Selected Filters`, …, then `Rank,Trend,…` | Pinterest |
//! | `term,date,value` | term, date, value |
//! | `trend_id,source,week,raw_signal` (a term, a date and a value column, and more) | long |
//!
//! Any cell Pointe cannot read stops the whole file with an error naming the file, the line and
//! what was expected; nothing of a half-read file is returned.

use std::collections::HashMap;
use std::path::Path;

use jiff::civil::Date;

use crate::text::fold_key;
use crate::{Error, Result};

use super::{
    ChangePeriod, Granularity, ImportOptions, Layout, Point, RelatedKind, RelatedQuery,
    RelatedValue, ReportedChange, ReportedChanges, Series, TrendFile, TrendSource, normalise_term,
};

/// The largest trend export read, in bytes: the biggest real one (five years of 36 weekly
/// series) is 430 KB; a file is read whole and split into cells of some 80 bytes each, so a
/// larger one is refused before it fills memory (4 MiB of one-byte cells peak under 256 MB).
pub(crate) const MAX_TREND_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a trend export, detecting its layout (see the module docs for the layouts).
///
/// Every series gets its source, region, granularity and scale group from `options` when given
/// there, else from the file. Errors name the file, the line and what was expected; a file that
/// fails part-way returns nothing of what it read.
pub fn read_trend_file(path: &Path, options: &ImportOptions) -> Result<TrendFile> {
    let bytes = crate::toml_file::read_capped_bytes(path, MAX_TREND_FILE_BYTES, "a trend export")?;
    parse_bytes(path, &bytes, options)
}

/// Reads a trend export held in memory; `path` names it in errors and in the default scale group.
pub(crate) fn parse_bytes(path: &Path, bytes: &[u8], options: &ImportOptions) -> Result<TrendFile> {
    let text = decode(path, bytes)?;
    let rows = split_rows(&text);
    let mut reader = Reader {
        path,
        options,
        rows: &rows,
    };
    reader.read()
}

/// One CSV row: the line it starts on and its cells, trimmed.
#[derive(Debug)]
struct Row {
    line: u64,
    cells: Vec<String>,
}

impl Row {
    /// True when every cell is empty (a blank line, or `,,,` left by a spreadsheet).
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.is_empty())
    }

    /// The cells up to the last non-empty one.
    fn used(&self) -> &[String] {
        let end = self
            .cells
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(0, |i| i + 1);
        &self.cells[..end]
    }

    /// The row as it reads in the file, shortened for messages.
    fn shown(&self) -> String {
        shorten(&self.cells.join(","))
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        format!("`{text}`")
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("`{cut}…`")
    }
}

fn decode(path: &Path, bytes: &[u8]) -> Result<String> {
    let utf16 = |big_endian: bool, body: &[u8]| -> Result<String> {
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| {
            Error::bad_file(
                path,
                None,
                "expected UTF-16 text after the byte-order mark, found invalid UTF-16",
            )
        })
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(path, rest),
        [0xFF, 0xFE, rest @ ..] => utf16(false, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(true, rest),
        _ => utf8(path, bytes),
    }
}

fn utf8(path: &Path, bytes: &[u8]) -> Result<String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64
                + 1;
            Err(Error::bad_file(
                path,
                Some(line),
                "expected UTF-8 text, found bytes that are not UTF-8",
            ))
        }
    }
}

fn split_rows(text: &str) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    for record in reader.records() {
        // The text is valid UTF-8, so the only errors left are I/O ones, which a slice has none of.
        let Ok(record) = record else { break };
        // The csv crate counts the blank lines before a record as part of it: skip them.
        let (mut byte, mut line) = record
            .position()
            .map_or((0, 1), |p| (p.byte() as usize, p.line()));
        while byte < bytes.len() && (bytes[byte] == b'\n' || bytes[byte] == b'\r') {
            if bytes[byte] == b'\n' {
                line += 1;
            }
            byte += 1;
        }
        let cells = record.iter().map(|c| c.trim().to_string()).collect();
        rows.push(Row { line, cells });
    }
    rows
}

/// The words that head the date column of Google exports, folded, with the granularity they name
/// (`None` for the language's word for "time").
const TIME_WORDS: &[(&str, Option<Granularity>)] = &[
    ("time", None),
    ("zeit", None),
    ("temps", None),
    ("tiempo", None),
    ("tempo", None),
    ("tijd", None),
    ("czas", None),
    ("tid", None),
    ("week", Some(Granularity::Week)),
    ("woche", Some(Granularity::Week)),
    ("semaine", Some(Granularity::Week)),
    ("semana", Some(Granularity::Week)),
    ("settimana", Some(Granularity::Week)),
    ("tydzien", Some(Granularity::Week)),
    ("vecka", Some(Granularity::Week)),
    ("uge", Some(Granularity::Week)),
    ("uke", Some(Granularity::Week)),
    ("day", Some(Granularity::Day)),
    ("tag", Some(Granularity::Day)),
    ("jour", Some(Granularity::Day)),
    ("dia", Some(Granularity::Day)),
    ("giorno", Some(Granularity::Day)),
    ("dag", Some(Granularity::Day)),
    ("dzien", Some(Granularity::Day)),
    ("month", Some(Granularity::Month)),
    ("monat", Some(Granularity::Month)),
    ("mois", Some(Granularity::Month)),
    ("mes", Some(Granularity::Month)),
    ("mese", Some(Granularity::Month)),
    ("maand", Some(Granularity::Month)),
    ("miesiac", Some(Granularity::Month)),
    ("manad", Some(Granularity::Month)),
    ("maned", Some(Granularity::Month)),
];

fn time_word(cell: &str) -> Option<Option<Granularity>> {
    let folded = fold_key(cell);
    TIME_WORDS
        .iter()
        .find(|(word, _)| *word == folded)
        .map(|(_, g)| *g)
}

/// Section markers of related-queries exports, folded: TOP, then RISING in several languages.
const TOP_WORDS: &[&str] = &["top", "principales", "meistgesucht"];
const RISING_WORDS: &[&str] = &[
    "rising",
    "steigend",
    "zunehmend",
    "ansteigend",
    "en hausse",
    "en augmentation",
    "en aumento",
    "in aumento",
    "em ascensao",
    "stijgend",
];
const BREAKOUT_WORDS: &[&str] = &[
    "breakout",
    "sprunghafter anstieg",
    "explosion",
    "aumento repentino",
    "impennata",
    "enorme aumento",
    "boom",
];

fn section(cell: &str) -> Option<RelatedKind> {
    let folded = fold_key(cell);
    if TOP_WORDS.contains(&folded.as_str()) {
        Some(RelatedKind::Top)
    } else if RISING_WORDS.contains(&folded.as_str()) {
        Some(RelatedKind::Rising)
    } else {
        None
    }
}

/// Splits a Google header cell `term: (Region)` into the term and the region; a cell without the
/// parenthesis is all term.
fn term_and_region(cell: &str) -> (String, Option<String>) {
    if let Some(open) = cell.rfind(": (")
        && cell.ends_with(')')
    {
        let term = cell[..open].trim().to_string();
        let inside = cell[open + 3..cell.len() - 1].trim();
        // Related-query headers put the dates first: `(11/9/18 - 11/9/19, United States)`.
        let region = inside.rsplit(',').next().unwrap_or(inside).trim();
        let region = (!region.is_empty()).then(|| region.to_string());
        return (term, region);
    }
    (cell.trim().to_string(), None)
}

/// Reads a date cell: `2022-02-01`, `2022-02-01 00:00:00` (pytrends, the time is dropped),
/// `2022-02` (a month) or `2/1/2022` (month/day/year, as US exports write it).
pub(crate) fn parse_date(cell: &str) -> Option<Date> {
    let cell = cell.trim();
    let day_part = cell.split([' ', 'T']).next().unwrap_or(cell);
    if let Ok(date) = day_part.parse::<Date>() {
        return Some(date);
    }
    let numbers = |sep: char| -> Option<Vec<i32>> {
        let parts: Vec<&str> = day_part.split(sep).collect();
        if parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        {
            parts.iter().map(|p| p.parse().ok()).collect()
        } else {
            None
        }
    };
    if let Some(parts) = numbers('-')
        && let [year, month] = parts[..]
        && day_part.len() == 7
    {
        return Date::new(i16::try_from(year).ok()?, i8::try_from(month).ok()?, 1).ok();
    }
    if let Some(parts) = numbers('/')
        && let [month, day, year] = parts[..]
        && year >= 1000
    {
        return Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok();
    }
    None
}

/// A value cell of a series: a number ≥ 0, `<1` (censored), or empty (a gap).
enum Cell {
    Gap,
    Value(f64, bool),
}

fn parse_value(cell: &str) -> Option<Cell> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Some(Cell::Gap);
    }
    if cell == "<1" {
        return Some(Cell::Value(0.5, true));
    }
    if !cell.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let value: f64 = cell.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(Cell::Value(value, false))
}

/// Reads a percentage such as `+3,700%`, `-12%`, `10,000%+` or `3.700 %`; `None` if it is not
/// one. The flag is true for a floor (`…%+`).
fn parse_percent(cell: &str) -> Option<(f64, bool)> {
    let mut text: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    let at_least = text.ends_with("%+");
    if at_least {
        text.pop();
    }
    let text = text.strip_suffix('%')?;
    let (negative, digits) = match text.as_bytes().first()? {
        b'+' => (false, &text[1..]),
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty()
        || !digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
        || !digits.as_bytes()[0].is_ascii_digit()
    {
        return None;
    }
    // Separators between groups of exactly three digits group thousands (`3,700`, `3.700`);
    // a single separator before other than three digits is a decimal point (`12,5`, `12.5`).
    let parts: Vec<&str> = digits.split([',', '.']).collect();
    let number = if parts.len() == 1 {
        parts[0].to_string()
    } else if parts[0].len() <= 3 && parts[1..].iter().all(|p| p.len() == 3) {
        parts.concat()
    } else if parts.len() == 2 && !parts[1].is_empty() {
        format!("{}.{}", parts[0], parts[1])
    } else {
        return None;
    };
    let value: f64 = number.parse().ok()?;
    Some((if negative { -value } else { value }, at_least))
}

/// Collects one series' points before they are checked and sorted.
struct Builder {
    term: String,
    region: Option<String>,
    source: TrendSource,
    points: Vec<(Point, u64)>,
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

    fn read(&mut self) -> Result<TrendFile> {
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
        if folded.iter().any(|c| c.contains("pinterest")) || is_pinterest_header(&folded) {
            return self.pinterest(first);
        }
        if used.len() == 1 && used[0].contains(':') {
            return self.after_google_preamble(first);
        }
        if used.len() >= 2 {
            if folded[0] == "date" {
                return self.wide(first, Layout::Pytrends);
            }
            if time_word(&used[0]).is_some() {
                return self.wide(first, Layout::GoogleQuoted);
            }
            if let Some(columns) = LongColumns::find(&folded) {
                let layout = if columns.source.is_none() && used.len() == 3 {
                    Layout::TermDateValue
                } else {
                    Layout::Long
                };
                return self.long(first, columns, layout);
            }
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

    /// After a Google preamble row: either a classic time series or related queries.
    fn after_google_preamble(&mut self, preamble: usize) -> Result<TrendFile> {
        let mut i = preamble + 1;
        while let Some(at) = self.next_used(i) {
            let used = self.rows[at].used();
            if used.len() >= 2 {
                return self.wide(at, Layout::GoogleClassic);
            }
            if section(&used[0]).is_some() {
                return self.related(preamble + 1);
            }
            i = at + 1;
        }
        Err(self.error(
            self.last_line(),
            "expected a `Week,term: (Region)` header or TOP and RISING sections after the Google \
             Trends preamble, found the end of the file",
        ))
    }

    fn source_or(&self, default: TrendSource) -> TrendSource {
        self.options
            .source
            .as_deref()
            .map_or(default, TrendSource::parse)
    }

    /// A wide layout: a date column, then one column per term (Google classic and quoted,
    /// pytrends with its trailing `isPartial`).
    fn wide(&mut self, header_at: usize, layout: Layout) -> Result<TrendFile> {
        let header = &self.rows[header_at];
        let cells = header.used();
        let hint = time_word(&cells[0]).flatten();
        let partial_column = (layout == Layout::Pytrends)
            .then(|| {
                cells
                    .iter()
                    .rposition(|c| fold_key(c).replace(' ', "") == "ispartial")
            })
            .flatten();
        let default_source = if layout == Layout::Pytrends {
            TrendSource::Pytrends
        } else {
            TrendSource::GoogleTrends
        };
        let source = self.source_or(default_source);
        let mut builders: Vec<(usize, Builder)> = Vec::new();
        for (column, cell) in cells.iter().enumerate().skip(1) {
            if Some(column) == partial_column {
                continue;
            }
            let (term, region) = term_and_region(cell);
            if term.is_empty() {
                return Err(self.error(
                    header.line,
                    format!(
                        "expected a term in column {} of the header, found an empty cell",
                        column + 1
                    ),
                ));
            }
            builders.push((
                column,
                Builder {
                    term,
                    region,
                    source: source.clone(),
                    points: Vec::new(),
                },
            ));
        }
        if builders.is_empty() {
            return Err(self.error(
                header.line,
                format!(
                    "expected at least one term after the date column, found {}",
                    header.shown()
                ),
            ));
        }
        let width = cells.len();
        for row in &self.rows[header_at + 1..] {
            if row.is_blank() {
                continue;
            }
            let used = row.used();
            if used.len() > width {
                return Err(self.error(
                    row.line,
                    format!(
                        "expected {width} cells (a date and {} values) as in the header, found {}",
                        width - 1,
                        used.len()
                    ),
                ));
            }
            let date = parse_date(&used[0]).ok_or_else(|| {
                self.error(
                    row.line,
                    format!(
                        "expected a date (YYYY-MM-DD) in column 1, found {}",
                        shorten(&used[0])
                    ),
                )
            })?;
            let partial = match partial_column {
                Some(column) => {
                    let cell = row.cells.get(column).map_or("", String::as_str);
                    match fold_key(cell).as_str() {
                        "true" | "1" => true,
                        "false" | "0" | "" => false,
                        _ => {
                            return Err(self.error(
                                row.line,
                                format!(
                                    "expected True or False in the isPartial column, found {}",
                                    shorten(cell)
                                ),
                            ));
                        }
                    }
                }
                None => false,
            };
            for (column, builder) in &mut builders {
                let cell = row.cells.get(*column).map_or("", String::as_str);
                match parse_value(cell) {
                    Some(Cell::Gap) => {}
                    Some(Cell::Value(value, censored)) => builder.points.push((
                        Point {
                            date,
                            value,
                            censored,
                            partial,
                        },
                        row.line,
                    )),
                    None => {
                        return Err(Error::bad_file(
                            self.path,
                            Some(row.line),
                            format!(
                                "expected a number ≥ 0 or `<1` for `{}` in column {}, found {}",
                                builder.term,
                                *column + 1,
                                shorten(cell)
                            ),
                        ));
                    }
                }
            }
        }
        let builders = builders.into_iter().map(|(_, b)| b).collect();
        self.finish(
            layout,
            builders,
            hint,
            "search_interest".into(),
            Vec::new(),
            Vec::new(),
        )
    }

    /// Related queries: a term row, then TOP and RISING sections of `query,value` rows.
    fn related(&mut self, from: usize) -> Result<TrendFile> {
        let mut term: Option<String> = None;
        let mut kind: Option<RelatedKind> = None;
        let mut related = Vec::new();
        for row in &self.rows[from..] {
            if row.is_blank() {
                continue;
            }
            let used = row.used();
            if used.len() == 1 {
                if let Some(found) = section(&used[0]) {
                    if term.is_none() {
                        return Err(self.error(
                            row.line,
                            format!(
                                "expected a `term: (dates, Region)` row before the {} section",
                                used[0]
                            ),
                        ));
                    }
                    kind = Some(found);
                } else {
                    let (found, _) = term_and_region(&used[0]);
                    term = Some(found);
                    kind = None;
                }
                continue;
            }
            let (Some(term), Some(kind)) = (&term, kind) else {
                return Err(self.error(
                    row.line,
                    format!(
                        "expected a TOP or RISING section row before the queries, found {}",
                        row.shown()
                    ),
                ));
            };
            if used.len() != 2 {
                return Err(self.error(
                    row.line,
                    format!(
                        "expected 2 cells (a query and its value), found {}",
                        used.len()
                    ),
                ));
            }
            let value = related_value(kind, &used[1]).ok_or_else(|| {
                let wanted = match kind {
                    RelatedKind::Top => "a score from 0 to 100",
                    RelatedKind::Rising => "`Breakout` or a percentage such as `+3,700%`",
                };
                self.error(
                    row.line,
                    format!(
                        "expected {wanted} for the query `{}`, found {}",
                        used[0],
                        shorten(&used[1])
                    ),
                )
            })?;
            related.push(RelatedQuery {
                term: term.clone(),
                kind,
                query: used[0].clone(),
                value,
            });
        }
        if related.is_empty() {
            return Err(self.error(
                self.last_line(),
                "expected TOP or RISING queries after the preamble, found none",
            ));
        }
        Ok(TrendFile {
            path: self.path.to_path_buf(),
            layout: Layout::GoogleRelatedQueries,
            series: Vec::new(),
            related,
            reported: Vec::new(),
        })
    }

    /// One row per term (and source) and date.
    fn long(
        &mut self,
        header_at: usize,
        columns: LongColumns,
        layout: Layout,
    ) -> Result<TrendFile> {
        let header = &self.rows[header_at];
        let value_name = fold_key(&header.cells[columns.value]).replace(' ', "_");
        let hint = match fold_key(&header.cells[columns.date]).as_str() {
            "week" => Some(Granularity::Week),
            "day" => Some(Granularity::Day),
            "month" => Some(Granularity::Month),
            _ => None,
        };
        let default_source = if layout == Layout::TermDateValue {
            TrendSource::Tiktok
        } else {
            TrendSource::Other("unknown".into())
        };
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        let mut builders: Vec<Builder> = Vec::new();
        let needed = columns.value.max(columns.date).max(columns.term) + 1;
        for row in &self.rows[header_at + 1..] {
            if row.is_blank() {
                continue;
            }
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
            let term = &row.cells[columns.term];
            if term.is_empty() {
                return Err(self.error(
                    row.line,
                    format!(
                        "expected a term in column {}, found an empty cell",
                        columns.term + 1
                    ),
                ));
            }
            let date = parse_date(&row.cells[columns.date]).ok_or_else(|| {
                self.error(
                    row.line,
                    format!(
                        "expected a date (YYYY-MM-DD) in column {}, found {}",
                        columns.date + 1,
                        shorten(&row.cells[columns.date])
                    ),
                )
            })?;
            let source_cell = columns
                .source
                .map_or("", |c| row.cells.get(c).map_or("", String::as_str));
            let cell = &row.cells[columns.value];
            let (value, censored) = match parse_value(cell) {
                Some(Cell::Value(value, censored)) => (value, censored),
                // A row that exists but holds no value is a gap, like a missing row.
                Some(Cell::Gap) => continue,
                None => {
                    return Err(self.error(
                        row.line,
                        format!(
                            "expected a number ≥ 0 or `<1` in column {} for `{term}`, found {}",
                            columns.value + 1,
                            shorten(cell)
                        ),
                    ));
                }
            };
            let key = (term.clone(), source_cell.to_string());
            let at = *index.entry(key).or_insert_with(|| {
                let source = if source_cell.is_empty() {
                    default_source.clone()
                } else {
                    TrendSource::parse(source_cell)
                };
                builders.push(Builder {
                    term: term.clone(),
                    region: None,
                    source,
                    points: Vec::new(),
                });
                builders.len() - 1
            });
            builders[at].points.push((
                Point {
                    date,
                    value,
                    censored,
                    partial: false,
                },
                row.line,
            ));
        }
        if let Some(source) = &self.options.source {
            let source = TrendSource::parse(source);
            for b in &mut builders {
                b.source = source.clone();
            }
        }
        let searchy = builders.iter().all(|b| {
            matches!(
                b.source,
                TrendSource::GoogleTrends | TrendSource::Pytrends | TrendSource::Pinterest
            )
        });
        let metric = if searchy && !builders.is_empty() {
            "search_interest".to_string()
        } else if !matches!(
            value_name.as_str(),
            "value" | "raw_signal" | "signal" | "count"
        ) {
            value_name
        } else {
            metric_from_stem(self.path).unwrap_or(value_name)
        };
        self.finish(layout, builders, hint, metric, Vec::new(), Vec::new())
    }

    /// A Pinterest Trends export: preamble rows, then `Rank,Trend,<changes>,<dates>`.
    fn pinterest(&mut self, first: usize) -> Result<TrendFile> {
        let mut region = None;
        let mut header_at = None;
        for (i, row) in self.rows.iter().enumerate().skip(first) {
            let folded: Vec<String> = row.used().iter().map(|c| fold_key(c)).collect();
            if is_pinterest_header(&folded) {
                header_at = Some(i);
                break;
            }
            if let [label, value, ..] = &folded[..]
                && matches!(
                    label.as_str(),
                    "region" | "regions" | "country" | "countries"
                )
                && !value.is_empty()
            {
                region = Some(row.cells[1].clone());
            }
        }
        let Some(header_at) = header_at else {
            return Err(self.error(
                self.last_line(),
                "expected a `Rank,Trend,Weekly change,…,<dates>` header after the Pinterest \
                 preamble, found the end of the file",
            ));
        };
        let header = &self.rows[header_at];
        let cells = header.used();
        let folded: Vec<String> = cells.iter().map(|c| fold_key(c)).collect();
        let (rank_column, trend_column) = if folded[0] == "rank" {
            (Some(0), 1)
        } else {
            (None, 0)
        };
        let mut changes: Vec<(usize, ChangePeriod)> = Vec::new();
        let mut dates: Vec<(usize, Date)> = Vec::new();
        for (column, name) in folded.iter().enumerate().skip(trend_column + 1) {
            if let Some(date) = parse_date(&cells[column]) {
                dates.push((column, date));
                continue;
            }
            let period = if name.contains("week") {
                ChangePeriod::Week
            } else if name.contains("month") {
                ChangePeriod::Month
            } else if name.contains("year") {
                ChangePeriod::Year
            } else {
                return Err(self.error(
                    header.line,
                    format!(
                        "expected a change column (Weekly, Monthly or Yearly change) or a date in \
                         column {} of the header, found {}",
                        column + 1,
                        shorten(&cells[column])
                    ),
                ));
            };
            if !dates.is_empty() {
                return Err(self.error(
                    header.line,
                    format!(
                        "expected only dates after the first date column, found {}",
                        shorten(&cells[column])
                    ),
                ));
            }
            changes.push((column, period));
        }
        if dates.is_empty() {
            return Err(self.error(
                header.line,
                "expected date columns (one normalised value per date) after the change columns, found none",
            ));
        }
        let source = self.source_or(TrendSource::Pinterest);
        let region = self.options.region.clone().or(region);
        let mut builders = Vec::new();
        let mut reported = Vec::new();
        for row in &self.rows[header_at + 1..] {
            if row.is_blank() {
                continue;
            }
            let term = row.cells.get(trend_column).map_or("", String::as_str);
            if term.is_empty() {
                // A note row led by an empty cell, after the table as before it.
                continue;
            }
            let rank = match rank_column
                .and_then(|c| row.cells.get(c))
                .map(String::as_str)
            {
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
            let mut found = Vec::new();
            for (column, period) in &changes {
                let cell = row.cells.get(*column).map_or("", String::as_str);
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
                found.push(ReportedChange {
                    period: *period,
                    percent,
                    at_least,
                });
            }
            let mut points = Vec::new();
            for (column, date) in &dates {
                let cell = row.cells.get(*column).map_or("", String::as_str);
                match parse_value(cell) {
                    Some(Cell::Gap) => {}
                    Some(Cell::Value(value, censored)) => points.push((
                        Point {
                            date: *date,
                            value,
                            censored,
                            partial: false,
                        },
                        row.line,
                    )),
                    None => {
                        return Err(self.error(
                            row.line,
                            format!(
                                "expected a number ≥ 0 for `{term}` on {date} (column {}), found {}",
                                column + 1,
                                shorten(cell)
                            ),
                        ));
                    }
                }
            }
            reported.push(ReportedChanges {
                term: term.to_string(),
                rank,
                changes: found,
            });
            builders.push(Builder {
                term: term.to_string(),
                region: region.clone(),
                source: source.clone(),
                points,
            });
        }
        if builders.is_empty() {
            return Err(self.error(
                self.last_line(),
                "expected at least one trend row after the `Rank,Trend,…` header, found none",
            ));
        }
        self.finish(
            Layout::Pinterest,
            builders,
            None,
            "search_interest".into(),
            Vec::new(),
            reported,
        )
    }

    /// Checks, sorts and names the series of a file: one point per date, a granularity, a scale
    /// group.
    fn finish(
        &self,
        layout: Layout,
        builders: Vec<Builder>,
        hint: Option<Granularity>,
        metric: String,
        related: Vec<RelatedQuery>,
        reported: Vec<ReportedChanges>,
    ) -> Result<TrendFile> {
        let mut all_dates: Vec<Date> = Vec::new();
        let mut checked = Vec::with_capacity(builders.len());
        for mut builder in builders {
            builder.points.sort_by_key(|(p, line)| (p.date, *line));
            for pair in builder.points.windows(2) {
                let ((a, first_line), (b, line)) = (&pair[0], &pair[1]);
                if a.date == b.date {
                    return Err(self.error(
                        *line,
                        format!(
                            "expected one value per date for `{}`, found a second value for {} \
                             (the first is on line {first_line})",
                            builder.term, b.date
                        ),
                    ));
                }
            }
            all_dates.extend(builder.points.iter().map(|(p, _)| p.date));
            checked.push(builder);
        }
        all_dates.sort_unstable();
        all_dates.dedup();
        let granularity = infer_granularity(&all_dates, hint)
            .map_err(|found| self.error(self.first_data_line(), found))?;
        let region_override = self.options.region.clone();
        let mut series: Vec<Series> = checked
            .into_iter()
            .map(|b| Series {
                key: normalise_term(&b.term),
                term: b.term,
                source: b.source,
                region: region_override.clone().or(b.region),
                granularity,
                scale_group: String::new(),
                metric: metric.clone(),
                points: b.points.into_iter().map(|(p, _)| p).collect(),
            })
            .collect();
        let group = match &self.options.scale_group {
            Some(group) => group.clone(),
            None => default_scale_group(self.path, layout, &series, &all_dates),
        };
        for s in &mut series {
            s.scale_group = group.clone();
        }
        Ok(TrendFile {
            path: self.path.to_path_buf(),
            layout,
            series,
            related,
            reported,
        })
    }

    fn first_data_line(&self) -> u64 {
        self.rows
            .iter()
            .find(|r| !r.is_blank())
            .map_or(1, |r| r.line)
    }
}

fn is_pinterest_header(folded: &[String]) -> bool {
    matches!(folded, [rank, trend, ..] if rank == "rank" && trend == "trend")
}

/// The columns of a long or `term,date,value` file.
struct LongColumns {
    term: usize,
    date: usize,
    value: usize,
    source: Option<usize>,
}

impl LongColumns {
    /// Finds the columns by their names: a term (`trend_id`, `term`, `keyword`, `query`,
    /// `trend`), a date (`week`, `date`, `day`, `month`), a value (`raw_signal`, `value`,
    /// `interest`, or a count such as `views`) and optionally `source`.
    fn find(folded: &[String]) -> Option<LongColumns> {
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

/// The granularity of a set of sorted, distinct dates: the median distance between neighbours
/// (1 day, about 7 days, or 28–31 days with every date a first of the month). A single date takes
/// the header's word, else is read as daily.
fn infer_granularity(
    dates: &[Date],
    hint: Option<Granularity>,
) -> std::result::Result<Granularity, String> {
    if dates.len() < 2 {
        return Ok(hint.unwrap_or(Granularity::Day));
    }
    let mut gaps: Vec<i32> = dates
        .windows(2)
        .map(|w| super::analysis::day_number(w[1]) - super::analysis::day_number(w[0]))
        .collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    let firsts = dates.iter().all(|d| d.day() == 1);
    match median {
        1 => Ok(Granularity::Day),
        6..=8 => Ok(Granularity::Week),
        28..=31 if firsts => Ok(Granularity::Month),
        _ => Err(format!(
            "expected daily, weekly or monthly dates, found dates a median {median} days apart"
        )),
    }
}

/// One group per export: the file's stem and a hash of what identifies the request (layout,
/// terms, regions, first and last date), so the same export imported twice lands in the same
/// group and another export in another.
fn default_scale_group(path: &Path, layout: Layout, series: &[Series], dates: &[Date]) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trends".into());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |text: &str| {
        for b in text.bytes().chain([0xff]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(layout.as_str());
    for s in series {
        feed(&s.term);
        feed(s.source.as_str());
        feed(s.region.as_deref().unwrap_or(""));
        feed(&s.metric);
    }
    if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
        feed(&first.to_string());
        feed(&last.to_string());
    }
    format!("{stem}-{:08x}", (hash >> 32) as u32 ^ hash as u32)
}

fn related_value(kind: RelatedKind, cell: &str) -> Option<RelatedValue> {
    match kind {
        RelatedKind::Top => {
            if cell == "<1" {
                return Some(RelatedValue::Score(0));
            }
            cell.parse::<u32>()
                .ok()
                .filter(|v| *v <= 100)
                .map(RelatedValue::Score)
        }
        RelatedKind::Rising => {
            if BREAKOUT_WORDS.contains(&fold_key(cell).as_str()) {
                return Some(RelatedValue::Breakout);
            }
            let (percent, _) = parse_percent(cell)?;
            (percent >= 0.0 && percent <= f64::from(u32::MAX))
                .then(|| RelatedValue::Percent(percent.round() as u32))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_thousands_and_decimals() {
        assert_eq!(parse_percent("+3,700%"), Some((3700.0, false)));
        assert_eq!(parse_percent("10,000%+"), Some((10000.0, true)));
        assert_eq!(parse_percent("-12%"), Some((-12.0, false)));
        assert_eq!(parse_percent("+3.700 %"), Some((3700.0, false)));
        assert_eq!(parse_percent("12,5%"), Some((12.5, false)));
        assert_eq!(parse_percent("0%"), Some((0.0, false)));
        assert_eq!(parse_percent("1,234,567%"), Some((1_234_567.0, false)));
        assert_eq!(parse_percent("Breakout"), None);
        assert_eq!(parse_percent("%"), None);
        assert_eq!(parse_percent("+%"), None);
    }

    #[test]
    fn dates_in_the_layouts_exports_use() {
        let d = |y, m, day| Date::new(y, m, day).unwrap();
        assert_eq!(parse_date("2022-02-01"), Some(d(2022, 2, 1)));
        assert_eq!(parse_date("2022-02-01 00:00:00"), Some(d(2022, 2, 1)));
        assert_eq!(parse_date("2022-02"), Some(d(2022, 2, 1)));
        assert_eq!(parse_date("2/13/2023"), Some(d(2023, 2, 13)));
        assert_eq!(parse_date("2022-13-01"), None);
        assert_eq!(parse_date("Rank"), None);
        assert_eq!(parse_date("11/9/18"), None);
    }

    #[test]
    fn header_cells_split_into_term_and_region() {
        assert_eq!(
            term_and_region("yeezy: (United States)"),
            ("yeezy".into(), Some("United States".into()))
        );
        assert_eq!(
            term_and_region("airpods pro: (11/9/18 - 11/9/19, United States)"),
            ("airpods pro".into(), Some("United States".into()))
        );
        assert_eq!(term_and_region("Balletcore"), ("Balletcore".into(), None));
    }
}
