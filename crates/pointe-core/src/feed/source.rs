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

use super::limits::FeedLimits;

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

/// Decompressed bytes, refused once they pass the [`FeedLimits`] for their compressed size.
struct Inflation<R> {
    inner: R,
    /// Compressed bytes read from the file so far.
    compressed: Arc<AtomicU64>,
    inflated: u64,
    limits: FeedLimits,
    failed: Option<String>,
}

impl<R: Read> Read for Inflation<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(message) = &self.failed {
            return Err(io::Error::other(message.clone()));
        }
        let n = self.inner.read(buf)?;
        self.inflated += n as u64;
        let compressed = self.compressed.load(Ordering::Relaxed);
        if let Err(message) = self.limits.check(self.inflated, compressed) {
            self.failed = Some(message.clone());
            return Err(io::Error::other(message));
        }
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
    /// `1f 8b` (within `limits`), and reads the head.
    pub(crate) fn open(
        path: &Path,
        raw: Box<dyn Read + Send>,
        limits: &FeedLimits,
    ) -> crate::Result<Source> {
        let compressed = Arc::new(AtomicU64::new(0));
        let mut file = BufReader::new(CountingReader::new(raw, Arc::clone(&compressed)));
        let magic = file.fill_buf().map_err(|e| Error::io(path, e))?;
        let gzip = magic.starts_with(&[0x1f, 0x8b]);
        let mut stream: Stream = if gzip {
            Box::new(BufReader::new(Inflation {
                inner: MultiGzDecoder::new(file),
                compressed,
                inflated: 0,
                limits: *limits,
                failed: None,
            }))
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

/// Follows the bytes a CSV reader pulls, so that a record's true starting line can be found
/// from the byte offset the reader reports.
///
/// `csv`'s own `Position::line` points before skipped blank lines and before the `\n` of a
/// CRLF line break, so in a CRLF file it is one line short; this counts the line breaks itself.
/// It keeps one entry per line that holds anything but line breaks, from the last record asked
/// about on: blank lines cost nothing, so a file of a billion blank lines is read in constant
/// memory.
pub(crate) struct LineTracker<R> {
    inner: R,
    /// Offset of the next byte read.
    offset: u64,
    /// Line breaks (`\n`) read so far.
    newlines: u64,
    /// Whether the last byte read was a line break (`\r` or `\n`), or nothing was read yet.
    after_break: bool,
    /// Offset and 1-based line of the first byte of each line that is not a line break.
    starts: VecDeque<(u64, u64)>,
    /// Whether the end of the file was read.
    at_end: bool,
}

impl<R> LineTracker<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            newlines: 0,
            after_break: true,
            starts: VecDeque::new(),
            at_end: false,
        }
    }

    /// Whether the file was read to its end and its last byte, at `end`, is not a line break:
    /// the record ending there is the file's last, and nothing closes it.
    pub(crate) fn unterminated_at(&self, end: u64) -> bool {
        self.at_end && !self.after_break && end >= self.offset
    }

    /// The 1-based line of the first byte at or after `pos` that is not a line break, i.e. the
    /// line where a record whose scan began at `pos` really starts. Forgets the lines before it:
    /// positions must be asked in increasing order.
    pub(crate) fn record_line(&mut self, pos: u64) -> u64 {
        while self.starts.front().is_some_and(|&(offset, _)| offset < pos) {
            self.starts.pop_front();
        }
        match self.starts.front() {
            Some(&(_, line)) => line,
            None => self.newlines + 1,
        }
    }

    fn follow(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' || b == b'\r' {
                self.newlines += u64::from(b == b'\n');
                self.after_break = true;
            } else if self.after_break {
                self.starts.push_back((self.offset, self.newlines + 1));
                self.after_break = false;
            }
            self.offset += 1;
        }
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.at_end = true;
        }
        self.follow(&buf[..n]);
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
    fn blank_lines_cost_the_line_tracker_nothing() {
        let mut tracker = LineTracker::new(std::io::empty());
        tracker.follow(b"id\ttitle\n");
        for _ in 0..1000 {
            tracker.follow(&[b'\n'; 8192]);
        }
        tracker.follow(b"1\tx\n");
        assert_eq!(tracker.starts.len(), 2);
        assert_eq!(tracker.record_line(10), 1 + 1 + 8192 * 1000);
        assert_eq!(tracker.starts.len(), 1);
    }

    #[test]
    fn head_is_the_first_line_without_bom() {
        let bytes = b"\xEF\xBB\xBFid\ttitle\r\n1\tx\n".to_vec();
        let source = Source::open(
            Path::new("t.tsv"),
            Box::new(Cursor::new(bytes)),
            &FeedLimits::default(),
        )
        .unwrap();
        assert_eq!(source.first_line(), b"id\ttitle");
        assert!(!source.gzip);
        let mut all = String::new();
        let mut stream = source.stream;
        stream.read_to_string(&mut all).unwrap();
        assert_eq!(all, "id\ttitle\r\n1\tx\n");
    }
}
