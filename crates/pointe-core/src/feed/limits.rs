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

/// How many lines a quoted field of a delimited feed may span. A real description with line
/// breaks spans a few (Myntra's longest, 9); a quote left open by mistake swallows every line
/// after it, so a field past this is refused with the line where its quote opened.
pub(crate) const MAX_QUOTED_LINES: u64 = 100;

/// The bounds on what a compressed feed may inflate to: a gzip file whose decompressed size
/// passes them is refused while it is read, with an error naming the file, so a compression
/// bomb (gigabytes of blank lines in a few megabytes) costs neither memory nor hours.
///
/// Real feeds compress some 5 to 20 times; the defaults leave them a wide margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedLimits {
    /// The largest decompressed size of a gzip feed, in bytes. Default 16 GiB (a feed of eight
    /// million rows of 2 KB).
    pub max_inflated_bytes: u64,
    /// The largest ratio of decompressed to compressed bytes, checked once
    /// [`FeedLimits::ratio_grace_bytes`] have come out. Default 100.
    pub max_inflation_ratio: u64,
    /// How many decompressed bytes may come out at any ratio before the ratio is checked (a
    /// small file's header and first rows). Default 16 MiB.
    pub ratio_grace_bytes: u64,
}

impl Default for FeedLimits {
    fn default() -> Self {
        FeedLimits {
            max_inflated_bytes: 16 * 1024 * 1024 * 1024,
            max_inflation_ratio: 100,
            ratio_grace_bytes: 16 * 1024 * 1024,
        }
    }
}

impl FeedLimits {
    /// The message for `inflated` decompressed bytes out of `compressed` ones, when past a bound.
    pub(crate) fn check(&self, inflated: u64, compressed: u64) -> Result<(), String> {
        if inflated > self.max_inflated_bytes {
            return Err(format!(
                "the gzip data inflates to more than {} (FeedLimits::max_inflated_bytes): refused as a compression bomb or not a feed",
                human_bytes(self.max_inflated_bytes)
            ));
        }
        if inflated > self.ratio_grace_bytes
            && inflated / compressed.max(1) > self.max_inflation_ratio
        {
            return Err(format!(
                "the gzip data inflates more than {} times ({} bytes from {} compressed, FeedLimits::max_inflation_ratio): refused as a compression bomb; a real feed compresses some 5 to 20 times",
                self.max_inflation_ratio, inflated, compressed
            ));
        }
        Ok(())
    }
}

/// Follows the bytes of a file and says when one unit of it grows past its limit.
pub(crate) trait Scan {
    /// Follows `bytes`; the error message (starting with `line N:`) once the limit is passed.
    fn scan(&mut self, bytes: &[u8]) -> Result<(), String>;

    /// Called at the end of the file: the error message when the file ends inside a unit that
    /// must be closed.
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
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

    /// Records the outcome of a scan: the error to return when it failed.
    fn fail_on(&mut self, outcome: Result<(), String>) -> io::Result<()> {
        outcome.map_err(|message| {
            let err = Self::error(&message);
            self.failed = Some(message);
            err
        })
    }
}

impl<R: Read, S: Scan> Read for Limited<R, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(message) = &self.failed {
            return Err(Self::error(message));
        }
        let n = self.inner.read(buf)?;
        let outcome = if n == 0 && !buf.is_empty() {
            self.scan.finish()
        } else {
            self.scan.scan(&buf[..n])
        };
        self.fail_on(outcome)?;
        Ok(n)
    }
}

impl<R: BufRead, S: Scan> BufRead for Limited<R, S> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let Some(message) = &self.failed {
            return Err(Self::error(message));
        }
        if self.inner.fill_buf()?.is_empty() {
            let outcome = self.scan.finish();
            self.fail_on(outcome)?;
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
/// the `csv` reader's default terminator does. Quoted fields are followed too: one that spans
/// more than [`MAX_QUOTED_LINES`] lines, or that the file ends inside, is an unclosed quote.
pub(crate) struct RowScan {
    delimiter: u8,
    limit: u64,
    quoted_lines_limit: u64,
    state: State,
    /// Bytes of the current row so far.
    row_bytes: u64,
    /// 1-based line of the next byte.
    line: u64,
    /// 1-based line where the current row started.
    row_line: u64,
    /// 1-based line where the open quoted field's quote is.
    quote_line: u64,
    /// Whether the last byte seen was a `\n` (the file's last line then ends with one).
    after_newline: bool,
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
            quoted_lines_limit: MAX_QUOTED_LINES,
            state: State::FieldStart,
            row_bytes: 0,
            line: 1,
            row_line: 1,
            quote_line: 1,
            after_newline: false,
        }
    }

    /// Moves the state on by one byte; `true` when the byte ends a row.
    fn step(&mut self, b: u8, at_line: u64) -> Result<bool, String> {
        match self.state {
            State::Quoted => {
                if b == b'"' {
                    self.state = State::QuoteInQuoted;
                } else if b == b'\n' && self.line - self.quote_line > self.quoted_lines_limit {
                    return Err(self.runaway_quote());
                }
                Ok(false)
            }
            State::FieldStart | State::Unquoted | State::QuoteInQuoted => {
                if b == b'\n' || b == b'\r' {
                    self.state = State::FieldStart;
                    return Ok(true);
                }
                if b == self.delimiter {
                    self.state = State::FieldStart;
                } else if b == b'"' && self.state != State::Unquoted {
                    // A quote opening a field, or the second of an escaped `""`.
                    if self.state == State::FieldStart {
                        self.quote_line = at_line;
                    }
                    self.state = State::Quoted;
                } else {
                    self.state = State::Unquoted;
                }
                Ok(false)
            }
        }
    }

    /// One byte, whatever it is.
    fn byte(&mut self, b: u8) -> Result<(), String> {
        let at_line = self.line;
        if b == b'\n' {
            self.line += 1;
        }
        self.after_newline = b == b'\n';
        if self.step(b, at_line)? {
            self.row_bytes = 0;
            self.row_line = self.line;
            return Ok(());
        }
        if self.row_bytes == 0 {
            self.row_line = at_line;
        }
        self.add_row_bytes(1)
    }

    /// A run of bytes none of which ends a row, a line or a quoted field, nor opens one: as
    /// [`RowScan::byte`] for each, at once.
    fn plain_run(&mut self, run: &[u8]) -> Result<(), String> {
        let Some(&last) = run.last() else {
            return Ok(());
        };
        self.after_newline = false;
        if self.state != State::Quoted {
            self.state = if last == self.delimiter {
                State::FieldStart
            } else {
                State::Unquoted
            };
        }
        if self.row_bytes == 0 {
            self.row_line = self.line;
        }
        self.add_row_bytes(run.len() as u64)
    }

    fn add_row_bytes(&mut self, n: u64) -> Result<(), String> {
        self.row_bytes += n;
        if self.row_bytes > self.limit {
            return Err(format!(
                "line {}: a row longer than {} is refused (a feed row is a few kilobytes): the file is damaged or not a feed",
                self.row_line,
                human_bytes(self.limit)
            ));
        }
        Ok(())
    }

    fn runaway_quote(&self) -> String {
        format!(
            "line {q}: the quoted field opened on line {q} is still open {n} lines later: an unclosed quote (`\"`) swallows the rows after it; the file is refused (close or remove the quote)",
            q = self.quote_line,
            n = self.quoted_lines_limit
        )
    }
}

impl Scan for RowScan {
    fn scan(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut at = 0;
        while at < bytes.len() {
            let rest = &bytes[at..];
            // Bytes that change nothing but the row's length are taken as a run: in a quoted
            // field all but `"` and `\n`, elsewhere all but `"`, `\n` and `\r`.
            let run = match self.state {
                State::Quoted => memchr::memchr2(b'"', b'\n', rest),
                _ => memchr::memchr3(b'"', b'\n', b'\r', rest),
            }
            .unwrap_or(rest.len());
            if run > 0 {
                self.plain_run(&rest[..run])?;
                at += run;
            } else {
                self.byte(rest[0])?;
                at += 1;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), String> {
        if self.state != State::Quoted {
            return Ok(());
        }
        let lost = self.line - self.quote_line - u64::from(self.after_newline);
        Err(format!(
            "line {q}: the quoted field opened on line {q} is never closed: the file ends inside it, so the {lost} line{s} after it (rows that would be lost) read as one field; the file is refused (close or remove the quote)",
            q = self.quote_line,
            s = if lost == 1 { "" } else { "s" }
        ))
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
    use proptest::prelude::*;

    use super::*;

    /// What a scan of `chunks` ends in, byte by byte or in runs.
    fn scanned(chunks: &[Vec<u8>], by_runs: bool) -> (Result<(), String>, Vec<u64>) {
        let mut scan = RowScan::with_limit(b',', 12);
        scan.quoted_lines_limit = 3;
        let mut result = Ok(());
        for chunk in chunks {
            result = if by_runs {
                scan.scan(chunk)
            } else {
                chunk.iter().try_for_each(|&b| scan.byte(b))
            };
            if result.is_err() {
                break;
            }
        }
        let result = result.and_then(|()| scan.finish());
        if result.is_err() {
            // A scan stops at its error: where it got to inside the run does not matter.
            return (result, Vec::new());
        }
        let state = vec![
            scan.row_bytes,
            scan.line,
            scan.row_line,
            scan.quote_line,
            u64::from(scan.after_newline),
            scan.state as u64,
        ];
        (result, state)
    }

    proptest! {
        #[test]
        fn runs_scan_as_bytes_do(
            chunks in prop::collection::vec(
                prop::collection::vec(prop::sample::select(b"ab,\"\n\r".to_vec()), 0..20),
                0..8,
            )
        ) {
            prop_assert_eq!(scanned(&chunks, true), scanned(&chunks, false));
        }
    }

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
    fn a_quote_open_at_the_end_of_the_file_is_refused_with_the_lines_it_took() {
        let err = read_rows(b"id,title\n1,\"open\n2,b\n3,c", 1000).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "line 2: the quoted field opened on line 2 is never closed: the file ends inside it, so the 2 lines after it"
            ),
            "{err}"
        );
        let err = read_rows(b"id,title\n1,\"open\n", 1000).unwrap_err();
        assert!(err.to_string().contains("so the 0 lines after it"), "{err}");
        assert!(read_rows(b"id,title\n1,\"closed\"\n", 1000).is_ok());
        assert!(read_rows(b"id,title\n1,5\" heel\n", 1000).is_ok());
    }

    #[test]
    fn inflation_past_the_ratio_is_told_after_the_grace_bytes() {
        let limits = FeedLimits {
            max_inflated_bytes: 1000,
            max_inflation_ratio: 10,
            ratio_grace_bytes: 100,
        };
        assert!(limits.check(100, 1).is_ok());
        assert!(limits.check(1000, 100).is_ok());
        assert!(
            limits
                .check(1001, 1000)
                .unwrap_err()
                .contains("more than 1000 bytes")
        );
        assert!(
            limits
                .check(111, 10)
                .unwrap_err()
                .contains("more than 10 times")
        );
        assert!(limits.check(101, 0).is_err());
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
