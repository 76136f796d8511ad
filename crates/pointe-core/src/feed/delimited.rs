//! Delimited text (GMC TSV, Awin CSV): a header row, then records with their true line numbers
//! and fields checked to be UTF-8.

use std::path::PathBuf;

use csv::ByteRecord;

use crate::{Error, Result};

use super::source::{LineTracker, Source, Stream, not_utf8_message, read_error};

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
    pub(crate) fn next_record(&mut self) -> Result<Option<(u64, Vec<&str>)>> {
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
            let fields = self.fields(line, false)?;
            return Ok(Some((line, fields)));
        }
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
