//! From bytes to CSV rows with their true line numbers: decoding (UTF-8 with or without a
//! byte-order mark, UTF-16 with one) and the delimiter a spreadsheet saved the file with.

use std::borrow::Cow;
use std::path::Path;

use crate::{Error, Result};

use super::cells::shorten;

/// One CSV row: the line it starts on and its cells, trimmed.
#[derive(Debug)]
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) cells: Vec<String>,
}

impl Row {
    /// True when every cell is empty (a blank line, or `,,,` left by a spreadsheet).
    pub(super) fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.is_empty())
    }

    /// The cells up to the last non-empty one.
    pub(super) fn used(&self) -> &[String] {
        let end = self
            .cells
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(0, |i| i + 1);
        &self.cells[..end]
    }

    /// The cell in `column`, or an empty one past the end of the row.
    pub(super) fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }

    /// The row as it reads in the file, shortened for messages.
    pub(super) fn shown(&self) -> String {
        shorten(&self.cells.join(","))
    }
}

/// Decodes a file's bytes: UTF-8 (a byte-order mark is dropped) or UTF-16 after its mark.
pub(super) fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>> {
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(path, rest),
        [0xFF, 0xFE, rest @ ..] => utf16(path, rest, u16::from_le_bytes).map(Cow::Owned),
        [0xFE, 0xFF, rest @ ..] => utf16(path, rest, u16::from_be_bytes).map(Cow::Owned),
        _ => utf8(path, bytes),
    }
}

fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
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

fn utf16(path: &Path, body: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String> {
    let units = body
        .chunks(2)
        .map(|c| unit([c[0], *c.get(1).unwrap_or(&0)]));
    let mut text = String::with_capacity(body.len() / 2);
    let mut line = 1;
    for ch in char::decode_utf16(units) {
        match ch {
            Ok(ch) => {
                line += u64::from(ch == '\n');
                text.push(ch);
            }
            Err(_) => {
                return Err(Error::bad_file(
                    path,
                    Some(line),
                    "expected UTF-16 text after the byte-order mark, found invalid UTF-16",
                ));
            }
        }
    }
    Ok(text)
}

/// The delimiter of the file: a comma, or the semicolon or tab a spreadsheet saved it with in
/// some locales. The one found outside quotes on the most of the first 32 lines wins; a tie
/// goes to the comma.
fn delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().take(32).collect();
    let mut best = (b',', 0);
    for candidate in [b',', b';', b'\t'] {
        let count = lines.iter().filter(|l| has_unquoted(l, candidate)).count();
        if count > best.1 {
            best = (candidate, count);
        }
    }
    best.0
}

fn has_unquoted(line: &str, delimiter: u8) -> bool {
    let mut quoted = false;
    line.bytes().any(|b| {
        if b == b'"' {
            quoted = !quoted;
        }
        !quoted && b == delimiter
    })
}

/// Splits text into rows, each with the line it starts on; blank lines give no row. Stops with
/// an error naming the line where the rows pass `max_cells` cells, before holding more.
pub(super) fn split(path: &Path, text: &str, max_cells: usize) -> Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    let mut cells_read = 0;
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
        cells_read += record.len();
        if cells_read > max_cells {
            return Err(Error::bad_file(
                path,
                Some(line),
                format!(
                    "expected at most {max_cells} cells in a trend export, found more by this line"
                ),
            ));
        }
        check_cells(path, line, &record)?;
        let cells = record.iter().map(|c| c.trim().to_string()).collect();
        rows.push(Row { line, cells });
    }
    check_not_cut(path, text, &rows)?;
    Ok(rows)
}

/// The longest cell a trend export holds, in characters: terms, dates, numbers and the
/// preamble's labels are far shorter.
const MAX_CELL_CHARS: usize = 1_000;

/// Refuses a cell longer than [`MAX_CELL_CHARS`], and one holding a line break: trend exports
/// never quote one, so it is a quote left open that swallowed the lines after it.
fn check_cells(path: &Path, line: u64, record: &csv::StringRecord) -> Result<()> {
    for cell in record {
        if let Some(breaks) = (cell.contains('\n')).then(|| cell.matches('\n').count()) {
            return Err(Error::bad_file(
                path,
                Some(line),
                format!(
                    "a quote opened on this line is not closed on it: the cell runs over {} \
                     more lines (trend exports hold no line breaks in a cell)",
                    breaks
                ),
            ));
        }
        let chars = cell.chars().count();
        if chars > MAX_CELL_CHARS {
            return Err(Error::bad_file(
                path,
                Some(line),
                format!(
                    "a cell of {chars} characters; a trend export's cells hold at most \
                     {MAX_CELL_CHARS}"
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a file whose last row, with no line break after it, has fewer cells than the row
/// before: the file was cut short in the middle of that row.
fn check_not_cut(path: &Path, text: &str, rows: &[Row]) -> Result<()> {
    if text.ends_with('\n') {
        return Ok(());
    }
    let used: Vec<&Row> = rows.iter().filter(|r| !r.is_blank()).collect();
    if let [.., before, last] = used.as_slice()
        && last.used().len() < before.used().len()
    {
        return Err(Error::bad_file(
            path,
            Some(last.line),
            format!(
                "the file ends inside this row ({} of {} cells): it looks cut short",
                last.used().len(),
                before.used().len()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_and_tabs_of_spreadsheets_are_delimiters() {
        assert_eq!(
            delimiter("Woche;balletcore: (Deutschland)\n2023-01-01;12\n"),
            b';'
        );
        assert_eq!(delimiter("week\tballetcore\n2023-01-01\t12\n"), b'\t');
        assert_eq!(delimiter("a,\"b;c\"\n1,\"2;3\"\n"), b',');
        assert_eq!(delimiter("Category: All categories\n"), b',');
    }

    #[test]
    fn too_many_cells_stop_the_split_at_the_line_that_passes_the_cap() {
        let text = "date,a,b\n2024-01-07,1,2\n\n2024-01-14,3,4\n2024-01-21,5,6\n";
        assert_eq!(split(Path::new("x.csv"), text, 12).unwrap().len(), 4);
        match split(Path::new("x.csv"), text, 8) {
            Err(Error::BadFile { line, message, .. }) => {
                assert_eq!(line, Some(4));
                assert!(message.contains("at most 8 cells"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_utf16_names_its_line() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "a\nb\n".encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        bytes.extend(0xD800u16.to_le_bytes());
        match decode(Path::new("x.csv"), &bytes) {
            Err(Error::BadFile { line, .. }) => assert_eq!(line, Some(3)),
            other => panic!("{other:?}"),
        }
    }
}
