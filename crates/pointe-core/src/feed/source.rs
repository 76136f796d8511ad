//! Opening a feed's bytes: progress counting, gzip detection, the sniffed head, line tracking.
//!
//! Everything here streams: the only bytes held at once are the head (at most [`HEAD_LIMIT`])
//! and the buffers of the readers.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::bufread::MultiGzDecoder;

use crate::Error;

/// How much of the (decompressed) start of a file is read to detect its format: the first line,
/// or this many bytes when the first line is longer.
pub(crate) const HEAD_LIMIT: usize = 64 * 1024;

/// The stream a parser reads.
pub(crate) type Stream = Box<dyn BufRead + Send>;

/// Counts the bytes read from the file (before decompression) into a shared counter, so that
/// a progress bar can follow a parser from another thread.
pub(crate) struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    pub(crate) fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        CountingReader { inner, count }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A feed's bytes, ready to parse: decompressed, with the UTF-8 BOM removed, and with a copy of
/// the head for format detection.
pub(crate) struct Source {
    /// The file, for error messages.
    pub path: PathBuf,
    /// The whole (decompressed) content, head included.
    pub stream: Stream,
    /// The first line (or the first [`HEAD_LIMIT`] bytes), BOM removed.
    pub head: Vec<u8>,
    /// Whether the file is gzip-compressed.
    pub gzip: bool,
    /// A read error met while reading the head; the same error is also waiting in `stream`
    /// right after the head, so parsers meet it where it happened.
    pub head_error: Option<(io::ErrorKind, String)>,
}

impl Source {
    /// Wraps `raw` (the file's bytes), gunzipping when the bytes start with the gzip magic
    /// `1f 8b`, and reads the head.
    pub(crate) fn open(path: &Path, raw: Box<dyn Read + Send>) -> crate::Result<Source> {
        let mut file = BufReader::new(raw);
        let magic = file.fill_buf().map_err(|e| Error::io(path, e))?;
        let gzip = magic.starts_with(&[0x1f, 0x8b]);
        let mut stream: Stream = if gzip {
            Box::new(BufReader::new(MultiGzDecoder::new(file)))
        } else {
            Box::new(file)
        };

        let mut head = Vec::new();
        let mut head_error = None;
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    head.extend_from_slice(&chunk[..n]);
                    if head.contains(&b'\n') || head.len() >= HEAD_LIMIT {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if head.is_empty() {
                        return Err(read_error(path, gzip, None, e.kind(), e.to_string()));
                    }
                    head_error = Some(e);
                    break;
                }
            }
        }
        if head.starts_with(b"\xEF\xBB\xBF") {
            head.drain(..3);
        }
        let head_copy = head.clone();
        let rest: Stream = match head_error {
            Some(e) => {
                let summary = (e.kind(), e.to_string());
                let stream = Box::new(Cursor::new(head).chain(FailingReader::new(e)));
                return Ok(Source {
                    path: path.to_path_buf(),
                    stream,
                    head: head_copy,
                    gzip,
                    head_error: Some(summary),
                });
            }
            None => stream,
        };
        Ok(Source {
            path: path.to_path_buf(),
            stream: Box::new(Cursor::new(head).chain(rest)),
            head: head_copy,
            gzip,
            head_error: None,
        })
    }

    /// The first line of the head, without its line break.
    pub(crate) fn first_line(&self) -> &[u8] {
        first_line(&self.head)
    }
}

/// The first line of `bytes`, without its line break.
pub(crate) fn first_line(bytes: &[u8]) -> &[u8] {
    let line = match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => &bytes[..end],
        None => bytes,
    };
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Stands in for the rest of a file after a read error: returns that error, then keeps failing.
struct FailingReader {
    error: Option<io::Error>,
    kind: io::ErrorKind,
}

impl FailingReader {
    fn new(error: io::Error) -> Self {
        FailingReader {
            kind: error.kind(),
            error: Some(error),
        }
    }

    fn fail(&mut self) -> io::Error {
        self.error.take().unwrap_or_else(|| {
            io::Error::new(self.kind, "the file cannot be read past an earlier error")
        })
    }
}

impl Read for FailingReader {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(self.fail())
    }
}

impl BufRead for FailingReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Err(self.fail())
    }

    fn consume(&mut self, _amt: usize) {}
}

/// The error for a failed read of `path`: a gzip stream that ends early or is corrupt is named
/// as such (the usual cause is an interrupted download); anything else is an I/O error.
pub(crate) fn read_error(
    path: &Path,
    gzip: bool,
    line: Option<u64>,
    kind: io::ErrorKind,
    message: String,
) -> Error {
    match kind {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
            if gzip =>
        {
            Error::bad_file(
                path,
                line,
                format!(
                    "the gzip data ends early or is corrupt ({message}): the file is truncated or damaged, download it again"
                ),
            )
        }
        io::ErrorKind::UnexpectedEof => Error::bad_file(
            path,
            line,
            format!("the file ends early ({message}): it is truncated"),
        ),
        _ => Error::io(path, io::Error::new(kind, message)),
    }
}

/// The message for bytes that are not UTF-8 (the line is carried by the error itself).
pub(crate) fn not_utf8_message(detail: &str) -> String {
    format!(
        "not UTF-8 (Latin-1?): {detail}; save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
    )
}

/// Keeps the bytes a CSV reader has pulled but not yet finished with, so that a record's true
/// starting line can be found from the byte offset the reader reports.
///
/// `csv`'s own `Position::line` points before skipped blank lines and before the `\n` of a
/// CRLF line break, so in a CRLF file it is one line short; this counts the line breaks itself.
pub(crate) struct LineTracker<R> {
    inner: R,
    /// Absolute offset of `kept[0]`.
    offset: u64,
    /// Line breaks (`\n`) before `offset`.
    lines_before: u64,
    kept: VecDeque<u8>,
}

impl<R> LineTracker<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            lines_before: 0,
            kept: VecDeque::new(),
        }
    }

    /// The 1-based line of the first byte at or after `pos` that is not a line break, i.e. the
    /// line where a record whose scan began at `pos` really starts. Forgets the bytes before it:
    /// positions must be asked in increasing order.
    pub(crate) fn record_line(&mut self, pos: u64) -> u64 {
        let drop = usize::try_from(pos.saturating_sub(self.offset))
            .unwrap_or(usize::MAX)
            .min(self.kept.len());
        self.lines_before += self.kept.range(..drop).filter(|&&b| b == b'\n').count() as u64;
        self.kept.drain(..drop);
        self.offset += drop as u64;
        while let Some(&b) = self.kept.front() {
            if b != b'\n' && b != b'\r' {
                break;
            }
            if b == b'\n' {
                self.lines_before += 1;
            }
            self.kept.pop_front();
            self.offset += 1;
        }
        self.lines_before + 1
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.kept.extend(&buf[..n]);
        Ok(n)
    }
}

/// Counts the line breaks an XML reader consumes, so that items and errors carry line numbers.
pub(crate) struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R> LineCounter<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineCounter { inner, newlines: 0 }
    }

    /// The 1-based line of the next byte to be consumed.
    pub(crate) fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            // The bytes being consumed are still in the inner buffer: asking for it again does
            // no I/O.
            if let Ok(buf) = self.inner.fill_buf() {
                let seen = &buf[..amt.min(buf.len())];
                self.newlines += seen.iter().filter(|&&b| b == b'\n').count() as u64;
            }
        }
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_tracker_skips_blank_lines_and_crlf() {
        let text = "h\tx\r\n\r\n1\ta\r\n2\t\"b\nc\"\r\n3\ty";
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(text.as_bytes()));
        let mut rec = csv::ByteRecord::new();
        let mut lines = Vec::new();
        while csv.read_byte_record(&mut rec).unwrap() {
            let pos = rec.position().unwrap().byte();
            lines.push((rec[0].to_vec(), csv.get_mut().record_line(pos)));
        }
        assert_eq!(
            lines,
            vec![
                (b"h".to_vec(), 1),
                (b"1".to_vec(), 3),
                (b"2".to_vec(), 4),
                (b"3".to_vec(), 6)
            ]
        );
    }

    #[test]
    fn head_is_the_first_line_without_bom() {
        let bytes = b"\xEF\xBB\xBFid\ttitle\r\n1\tx\n".to_vec();
        let source = Source::open(Path::new("t.tsv"), Box::new(Cursor::new(bytes))).unwrap();
        assert_eq!(source.first_line(), b"id\ttitle");
        assert!(!source.gzip);
        let mut all = String::new();
        let mut stream = source.stream;
        stream.read_to_string(&mut all).unwrap();
        assert_eq!(all, "id\ttitle\r\n1\tx\n");
    }
}
