//! Delimited text (GMC TSV, Awin CSV): a header row, then records with their true line numbers
//! and fields checked to be UTF-8.

use std::path::PathBuf;

use csv::ByteRecord;

use crate::{Error, Result};

use super::RowIssue;
use super::source::{LineTracker, Source, Stream, not_utf8_message, read_error};

/// The next record of a delimited file.
pub(crate) enum Next<'a> {
    /// A row: the line it starts on and its fields.
    Row(u64, Vec<&'a str>),
    /// A row rejected before its fields are read: one that swallowed the lines after it through
    /// a quote left open, or the file's last row, cut short.
    Rejected(RowIssue),
}

/// A delimited file after its header row.
pub(crate) struct Delimited {
    path: PathBuf,
    gzip: bool,
    csv: csv::Reader<LineTracker<Stream>>,
    record: ByteRecord,
    headers: Vec<String>,
    header_line: u64,
}

impl Delimited {
    /// Reads the header row. Quoting follows RFC 4180 (`"a<TAB>b"`, `""` for a quote); rows may
    /// have fewer or more fields than the header.
    pub(crate) fn open(source: Source, delimiter: u8) -> Result<Delimited> {
        let csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .quoting(true)
            .double_quote(true)
            .from_reader(LineTracker::new(source.stream));
        let mut table = Delimited {
            path: source.path,
            gzip: source.gzip,
            csv,
            record: ByteRecord::new(),
            headers: Vec::new(),
            header_line: 1,
        };
        let Some(line) = table.read()? else {
            return Err(Error::bad_file(
                &table.path,
                Some(1),
                "the file is empty: expected a header row",
            ));
        };
        table.header_line = line;
        let headers = table
            .fields(line, true)?
            .into_iter()
            .map(|h| h.trim().trim_matches('"').trim().to_string())
            .collect();
        table.headers = headers;
        Ok(table)
    }

    /// The header row's names, trimmed.
    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The line of the header row.
    pub(crate) fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The file, for error messages.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The next record that holds anything but blanks, with the line it starts on; `None` at
    /// the end of the file. Rows of empty fields (spreadsheet leftovers) are skipped.
    pub(crate) fn next_record(&mut self) -> Result<Option<Next<'_>>> {
        loop {
            let Some(line) = self.read()? else {
                return Ok(None);
            };
            if self
                .record
                .iter()
                .all(|f| f.iter().all(|b| b.is_ascii_whitespace()))
            {
                continue;
            }
            if let Some(issue) = self.runaway(line).or_else(|| self.cut_short(line)) {
                return Ok(Some(Next::Rejected(issue)));
            }
            let fields = self.fields(line, false)?;
            return Ok(Some(Next::Row(line, fields)));
        }
    }

    /// The issue for the file's last record when the file ends inside it: no line break after
    /// it and fewer fields than the header names, as an interrupted download leaves it. (A
    /// file cut inside its last field cannot be told from one saved without a final line
    /// break.)
    fn cut_short(&self, line: u64) -> Option<RowIssue> {
        let end = self.csv.position().byte();
        let width = self.headers.len();
        if self.record.len() >= width || !self.csv.get_ref().unterminated_at(end) {
            return None;
        }
        Some(RowIssue {
            line,
            item: None,
            field: None,
            reason: format!(
                "the file ends inside this row ({} of the header's {width} fields and no line break after it): it was cut short, as by an interrupted download; the row is rejected",
                self.record.len()
            ),
        })
    }

    /// The issue for a record that a quote left open merged with the lines after it, up to a
    /// later quote: a field spanning lines, and then more fields than the header names (the
    /// merged lines' own). A quote open to the end of the file, or for more lines than a field
    /// may span, is refused earlier, by the row scan.
    fn runaway(&self, line: u64) -> Option<RowIssue> {
        let width = self.headers.len();
        let spills = self
            .record
            .iter()
            .skip(width)
            .any(|f| !f.trim_ascii().is_empty());
        let (column, _) = self
            .record
            .iter()
            .enumerate()
            .find(|(_, f)| f.contains(&b'\n'))?;
        if !spills {
            return None;
        }
        let breaks: u64 = self
            .record
            .iter()
            .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
            .sum();
        let name = match self.headers.get(column) {
            Some(name) if !name.is_empty() => name.clone(),
            _ => format!("column {}", column + 1),
        };
        Some(RowIssue {
            line,
            item: None,
            field: Some(name.clone()),
            reason: format!(
                "the quoted {name} field of line {line} runs to line {}, and the row then has {} fields where the header has {width}: a quote left open swallowed the {breaks} line{} after it; the row is rejected (close the quote)",
                line + breaks,
                self.record.len(),
                if breaks == 1 { "" } else { "s" }
            ),
        })
    }

    /// Reads one raw record; returns its line.
    fn read(&mut self) -> Result<Option<u64>> {
        match self.csv.read_byte_record(&mut self.record) {
            Ok(true) => {
                let pos = self.record.position().map_or(0, |p| p.byte());
                Ok(Some(self.csv.get_mut().record_line(pos)))
            }
            Ok(false) => Ok(None),
            Err(e) => {
                let pos = self.record.position().map_or(0, |p| p.byte());
                let line = self.csv.get_mut().record_line(pos);
                Err(match e.kind() {
                    csv::ErrorKind::Io(io) => {
                        read_error(&self.path, self.gzip, Some(line), io.kind(), io.to_string())
                    }
                    _ => Error::bad_file(&self.path, Some(line), e.to_string()),
                })
            }
        }
    }

    /// The current record's fields as text.
    fn fields(&self, line: u64, header: bool) -> Result<Vec<&str>> {
        let mut fields = Vec::with_capacity(self.record.len());
        for (i, raw) in self.record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(text) => fields.push(text),
                Err(e) => {
                    let bad = raw.get(e.valid_up_to()).copied().unwrap_or(0);
                    let column = if header {
                        format!("header field {}", i + 1)
                    } else {
                        match self.headers.get(i) {
                            Some(name) if !name.is_empty() => format!("column {name}"),
                            _ => format!("column {}", i + 1),
                        }
                    };
                    return Err(Error::bad_file(
                        &self.path,
                        Some(line),
                        not_utf8_message(&format!("byte 0x{bad:02X} in {column}")),
                    ));
                }
            }
        }
        Ok(fields)
    }
}
