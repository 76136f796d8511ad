//! Size limits that keep a hostile or damaged file from being buffered whole.
//!
//! Parsers hold one row (a CSV/TSV record), one XML text or tag, or one item (a Shopify product)
//! at a time; these caps bound that one thing, so a 100 MB line costs at most the cap in memory
//! before the file is refused with an error naming its line.

use std::io::{self, BufRead, Read};

/// The longest row of a delimited feed (CSV, TSV), in bytes: a record with the lines of its
/// quoted fields. A real feed row is a few kilobytes (Myntra's longest is under 5 KB); a longer
/// one means a damaged file or one that is not a feed, and the file is refused.
pub(crate) const MAX_ROW_BYTES: u64 = 1024 * 1024;

/// The longest text or tag of an XML feed, in bytes (what lies between one `<` or `>` and the
/// next). Merchant Center caps a description at 5,000 characters; a longer run means a damaged
/// file and it is refused.
pub(crate) const MAX_XML_TOKEN_BYTES: u64 = 1024 * 1024;

/// Follows the bytes of a file and says when one unit of it grows past its limit.
pub(crate) trait Scan {
    /// Follows `bytes`; the error message (starting with `line N:`) once the limit is passed.
    fn scan(&mut self, bytes: &[u8]) -> Result<(), String>;
}

/// Passes a file through, refusing it as soon as its [`Scan`] says a unit grew too long. The
/// error is of kind [`io::ErrorKind::Other`], so that it is not taken for a truncated gzip
/// stream, and it repeats on every later read.
pub(crate) struct Limited<R, S> {
    inner: R,
    scan: S,
    failed: Option<String>,
}

impl<R, S: Scan> Limited<R, S> {
    pub(crate) fn new(inner: R, scan: S) -> Self {
        Limited {
            inner,
            scan,
            failed: None,
        }
    }

    fn error(message: &str) -> io::Error {
        io::Error::other(message.to_string())
    }
}

impl<R: Read, S: Scan> Read for Limited<R, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(message) = &self.failed {
            return Err(Self::error(message));
        }
        let n = self.inner.read(buf)?;
        if let Err(message) = self.scan.scan(&buf[..n]) {
            let err = Self::error(&message);
            self.failed = Some(message);
            return Err(err);
        }
        Ok(n)
    }
}

impl<R: BufRead, S: Scan> BufRead for Limited<R, S> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let Some(message) = &self.failed {
            return Err(Self::error(message));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if amt > 0 && self.failed.is_none() {
            // The bytes being consumed are still in the inner buffer: asking for it again does
            // no I/O. A unit found too long here fails the next read.
            if let Ok(buf) = self.inner.fill_buf() {
                let seen = &buf[..amt.min(buf.len())];
                if let Err(message) = self.scan.scan(seen) {
                    self.failed = Some(message);
                }
            }
        }
        self.inner.consume(amt);
    }
}

/// Where the scan of a delimited row is, as the `csv` reader sees it: a `"` opens a quoted
/// field only at the start of a field, so an inch mark inside an unquoted field (`5" heel`)
/// does not swallow the rows after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// Just after a `"` inside a quoted field: a second `"` is an escaped quote.
    QuoteInQuoted,
}

/// Measures the rows of a delimited file: rows end at `\n` or `\r` outside quoted fields, as
/// the `csv` reader's default terminator does.
pub(crate) struct RowScan {
    delimiter: u8,
    limit: u64,
    state: State,
    /// Bytes of the current row so far.
    row_bytes: u64,
    /// 1-based line of the next byte.
    line: u64,
    /// 1-based line where the current row started.
    row_line: u64,
}

impl RowScan {
    /// Rows of a file whose fields are separated by `delimiter`, at most [`MAX_ROW_BYTES`].
    pub(crate) fn new(delimiter: u8) -> Self {
        Self::with_limit(delimiter, MAX_ROW_BYTES)
    }

    /// As [`RowScan::new`], with another limit (tests).
    pub(crate) fn with_limit(delimiter: u8, limit: u64) -> Self {
        RowScan {
            delimiter,
            limit,
            state: State::FieldStart,
            row_bytes: 0,
            line: 1,
            row_line: 1,
        }
    }
}

impl Scan for RowScan {
    fn scan(&mut self, bytes: &[u8]) -> Result<(), String> {
        for &b in bytes {
            let at_line = self.line;
            if b == b'\n' {
                self.line += 1;
            }
            let ends_row = match self.state {
                State::Quoted => {
                    if b == b'"' {
                        self.state = State::QuoteInQuoted;
                    }
                    false
                }
                State::FieldStart | State::Unquoted | State::QuoteInQuoted => {
                    if b == b'\n' || b == b'\r' {
                        self.state = State::FieldStart;
                        true
                    } else if b == self.delimiter {
                        self.state = State::FieldStart;
                        false
                    } else if b == b'"' && self.state != State::Unquoted {
                        // A quote opening a field, or the second of an escaped `""`.
                        self.state = State::Quoted;
                        false
                    } else {
                        self.state = State::Unquoted;
                        false
                    }
                }
            };
            if ends_row {
                self.row_bytes = 0;
                self.row_line = self.line;
                continue;
            }
            if self.row_bytes == 0 {
                self.row_line = at_line;
            }
            self.row_bytes += 1;
            if self.row_bytes > self.limit {
                return Err(format!(
                    "line {}: a row longer than {} is refused (a feed row is a few kilobytes): the file is damaged or not a feed",
                    self.row_line,
                    human_bytes(self.limit)
                ));
            }
        }
        Ok(())
    }
}

/// Measures the texts and tags of an XML file: the bytes between one `<` or `>` and the next.
pub(crate) struct TokenScan {
    limit: u64,
    run: u64,
    line: u64,
    run_line: u64,
}

impl TokenScan {
    /// Texts and tags of at most [`MAX_XML_TOKEN_BYTES`].
    pub(crate) fn new() -> Self {
        Self::with_limit(MAX_XML_TOKEN_BYTES)
    }

    /// As [`TokenScan::new`], with another limit (tests).
    pub(crate) fn with_limit(limit: u64) -> Self {
        TokenScan {
            limit,
            run: 0,
            line: 1,
            run_line: 1,
        }
    }
}

impl Scan for TokenScan {
    fn scan(&mut self, bytes: &[u8]) -> Result<(), String> {
        for &b in bytes {
            if b == b'<' || b == b'>' {
                self.run = 0;
            } else {
                if self.run == 0 {
                    self.run_line = self.line;
                }
                self.run += 1;
                if self.run > self.limit {
                    return Err(format!(
                        "line {}: a text or tag longer than {} is refused (a feed's longest text is a few kilobytes): the file is damaged or not a feed",
                        self.run_line,
                        human_bytes(self.limit)
                    ));
                }
            }
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(())
    }
}

/// `1 MiB`, `512 KiB` or `300 bytes`.
pub(crate) fn human_bytes(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_rows(text: &[u8], limit: u64) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Limited::new(text, RowScan::with_limit(b',', limit)).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn short_rows_pass_through_unchanged() {
        let text = b"id,title\r\n1,\"a\nb\"\n2,c\n";
        assert_eq!(read_rows(text, 8).unwrap(), text);
    }

    #[test]
    fn a_long_line_is_refused_naming_its_line() {
        let mut text = b"id,title\n1,ok\n2,".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100));
        let err = read_rows(&text, 50).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert!(
            err.to_string()
                .starts_with("line 3: a row longer than 50 bytes"),
            "{err}"
        );
    }

    #[test]
    fn a_quoted_field_spanning_lines_counts_as_one_row() {
        let mut text = b"id,title\n1,\"".to_vec();
        for _ in 0..20 {
            text.extend_from_slice(b"abcd\n");
        }
        text.extend_from_slice(b"\"\n");
        let err = read_rows(&text, 50).unwrap_err();
        assert!(err.to_string().starts_with("line 2:"), "{err}");
        assert!(read_rows(&text, 200).is_ok());
    }

    #[test]
    fn an_inch_mark_in_an_unquoted_field_does_not_open_a_quote() {
        let mut text = b"id,title\n".to_vec();
        text.extend_from_slice(b"1,5\" heel\n");
        for i in 0..50 {
            text.extend_from_slice(format!("{i},plain row\n").as_bytes());
        }
        assert!(read_rows(&text, 30).is_ok());
    }

    #[test]
    fn escaped_quotes_stay_inside_the_field() {
        let text = b"1,\"say \"\"hi\"\"\nstill quoted\"\n2,x\n";
        assert!(read_rows(text, 40).is_ok());
        let err = read_rows(text, 20).unwrap_err();
        assert!(err.to_string().starts_with("line 1:"), "{err}");
    }

    #[test]
    fn xml_texts_and_tags_are_capped_and_the_error_repeats() {
        let mut text = b"<rss>\n<item><title>ok</title>\n<description>".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100));
        text.extend_from_slice(b"</description></item></rss>");
        let mut ok = Vec::new();
        Limited::new(&text[..], TokenScan::with_limit(100))
            .read_to_end(&mut ok)
            .unwrap();
        let mut limited = Limited::new(&text[..], TokenScan::with_limit(99));
        let err = limited.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("line 3: a text or tag longer than 99 bytes"),
            "{err}"
        );
        assert!(limited.read(&mut [0; 8]).is_err(), "the error repeats");
    }

    #[test]
    fn consumed_bytes_are_scanned_too() {
        let text = b"<a>xxxxxxxxxx</a>";
        let mut limited = Limited::new(&text[..], TokenScan::with_limit(5));
        let n = limited.fill_buf().unwrap().len();
        limited.consume(n);
        let err = limited.fill_buf().unwrap_err();
        assert!(
            err.to_string().starts_with("line 1: a text or tag"),
            "{err}"
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(1024 * 1024), "1 MiB");
        assert_eq!(human_bytes(4 * 1024 * 1024), "4 MiB");
        assert_eq!(human_bytes(2048), "2 KiB");
        assert_eq!(human_bytes(50), "50 bytes");
    }
}
