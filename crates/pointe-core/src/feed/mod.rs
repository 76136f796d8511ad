//! Feed parsing: retailer and affiliate feeds in, [`FeedRecord`]s out.
//!
//! Parsers stream: a feed of a million rows never sits in memory. Each row is either a
//! [`FeedRow::Record`] or a [`FeedRow::Rejected`] with the line, field and reason; an error from
//! the iterator itself means the file as a whole cannot be read (not a feed, truncated, not
//! UTF-8) and nothing from it should be kept; the iterator ends after it.
//!
//! Formats, each in its own module: Google Merchant Center TSV (`gmc_tsv`) and XML (`gmc_xml`,
//! RSS 2.0 and Atom), and Awin affiliate CSV (`awin`). [`open_feed`] gunzips files whose bytes
//! start with the gzip magic, whatever their name, and detects the format from the first line
//! when it is not named. Line numbers are 1-based lines of the file where the row or item starts.

mod awin;
mod delimited;
mod detect;
mod gmc;
mod gmc_tsv;
mod gmc_xml;
mod record;
mod source;

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::Result;
use crate::domain::Availability;
use crate::gtin::Gtin;
use crate::money::{Currency, Money};

/// The feed formats Pointe reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedFormat {
    /// Google Merchant Center product data, tab-separated with a header row.
    GmcTsv,
    /// Google Merchant Center product data as RSS 2.0 or Atom with the `g:` namespace.
    GmcXml,
    /// Awin-style affiliate CSV (multi-merchant).
    Awin,
}

impl FeedFormat {
    /// The name used on the command line (`gmc-tsv`, `gmc-xml`, `awin`).
    pub fn name(&self) -> &'static str {
        match self {
            FeedFormat::GmcTsv => "gmc-tsv",
            FeedFormat::GmcXml => "gmc-xml",
            FeedFormat::Awin => "awin",
        }
    }

    /// Reads a command-line name.
    pub fn from_name(name: &str) -> Option<FeedFormat> {
        match name.to_ascii_lowercase().as_str() {
            "gmc-tsv" | "gmc_tsv" | "tsv" => Some(FeedFormat::GmcTsv),
            "gmc-xml" | "gmc_xml" | "xml" | "rss" | "atom" => Some(FeedFormat::GmcXml),
            "awin" | "awin-csv" => Some(FeedFormat::Awin),
            _ => None,
        }
    }
}

/// What the caller knows about a feed beyond its bytes.
#[derive(Debug, Clone, Default)]
pub struct FeedOptions {
    /// The format, when named; detected from the content otherwise.
    pub format: Option<FeedFormat>,
    /// Currency for prices that name none (`--currency`).
    pub currency: Option<Currency>,
}

/// A problem with one row, or one field of a row: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    /// 1-based line in the file where the row (text formats) or the item's start tag (XML)
    /// begins.
    pub line: u64,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// One product row of a feed, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRecord {
    /// The 1-based line where the row (or, for XML, the item's start tag) begins.
    pub line: u64,
    /// The feed's item id (`id`, `aw_product_id`).
    pub item_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Brand as the feed writes it.
    pub brand: Option<String>,
    /// Retailer, when the feed names one per row (affiliate feeds' merchant).
    pub retailer: Option<String>,
    /// Product page (http(s) only; others are dropped with a warning).
    pub link: Option<String>,
    /// Image URLs, main image first (http(s) only).
    pub image_links: Vec<String>,
    /// Regular price.
    pub price: Money,
    /// Sale price.
    pub sale_price: Option<Money>,
    /// Availability; rows that state none are taken as in stock only when the format says so.
    pub availability: Availability,
    /// Valid GTIN; an invalid one is dropped with a warning.
    pub gtin: Option<Gtin>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// `new`, `used`, `refurbished`.
    pub condition: Option<String>,
    /// Google product category, as an id or a path.
    pub google_product_category: Option<String>,
    /// The merchant's own category path (`product_type`, `merchant_category`).
    pub product_type: Option<String>,
    /// Item group id.
    pub item_group_id: Option<String>,
    /// Colours (GMC separates several with `/`).
    pub colours: Vec<String>,
    /// Sizes.
    pub sizes: Vec<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Age group.
    pub age_group: Option<String>,
    /// Materials.
    pub materials: Vec<String>,
    /// Pattern.
    pub pattern: Option<String>,
    /// Problems that did not reject the row (an invalid GTIN, a non-http link).
    pub warnings: Vec<RowIssue>,
}

/// A row of a feed: a record, or a row that was rejected with its reason.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedRow {
    /// An accepted record.
    Record(Box<FeedRecord>),
    /// A rejected row.
    Rejected(RowIssue),
}

/// How far the reading of a feed has got: bytes of the file consumed so far (compressed bytes
/// for a gzip file) out of its size. Cheap to clone and to read from another thread, so a
/// progress bar can follow a parser it does not own.
#[derive(Debug, Clone)]
pub struct FeedProgress {
    bytes_read: Arc<AtomicU64>,
    total_bytes: Option<u64>,
}

impl FeedProgress {
    /// Bytes read from the file so far. Readers buffer ahead, so this runs up to some tens of
    /// kilobytes ahead of the rows given out; it reaches [`FeedProgress::total_bytes`] at the end.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    /// The file's size, when known.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }
}

/// An open feed: an iterator of rows, plus what the file says about itself.
///
/// The iterator gives `Err` when the file as a whole cannot be read any further (truncated
/// gzip, bytes that are not UTF-8, malformed XML), naming the file and line; it ends after the
/// first `Err`.
pub struct FeedReader {
    format: FeedFormat,
    retailer_hint: Option<String>,
    rows: Box<dyn Iterator<Item = Result<FeedRow>> + Send>,
    progress: FeedProgress,
}

impl std::fmt::Debug for FeedReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedReader")
            .field("format", &self.format)
            .field("retailer_hint", &self.retailer_hint)
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl FeedReader {
    /// The format being read.
    pub fn format(&self) -> FeedFormat {
        self.format
    }

    /// The retailer the file names for itself (an RSS channel's or Atom feed's title).
    pub fn retailer_hint(&self) -> Option<&str> {
        self.retailer_hint.as_deref()
    }

    /// Bytes of the file read so far (compressed bytes for a gzip file); see [`FeedProgress`].
    pub fn bytes_read(&self) -> u64 {
        self.progress.bytes_read()
    }

    /// The file's size in bytes, when known: the end of a progress bar.
    pub fn total_bytes(&self) -> Option<u64> {
        self.progress.total_bytes()
    }

    /// A handle on the progress that stays valid while the reader is iterated elsewhere.
    pub fn progress(&self) -> FeedProgress {
        self.progress.clone()
    }
}

impl Iterator for FeedReader {
    type Item = Result<FeedRow>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next()
    }
}

/// Opens a feed file, gunzipping it when it is gzip-compressed (detected from its bytes, not
/// its name) and detecting its format when `options.format` is `None`.
///
/// Opening reads the first line (at most 64 KiB) to detect the format and, for TSV and CSV,
/// the header row; for XML it reads up to the first item to learn the channel's title. Errors
/// here mean the file is not a feed Pointe can read: it cannot be opened, its format cannot be
/// told, or a required column is missing. Rows are then parsed one at a time as the reader is
/// iterated.
pub fn open_feed(path: &Path, options: &FeedOptions) -> Result<FeedReader> {
    let file = File::open(path).map_err(|e| crate::Error::io(path, e))?;
    let total_bytes = file.metadata().ok().map(|m| m.len());
    let bytes_read = Arc::new(AtomicU64::new(0));
    let raw = source::CountingReader::new(file, Arc::clone(&bytes_read));
    let progress = FeedProgress {
        bytes_read,
        total_bytes,
    };
    open_stream(path, Box::new(raw), options, progress)
}

/// Opens a feed from any byte stream; `path` names it in errors.
fn open_stream(
    path: &Path,
    raw: Box<dyn Read + Send>,
    options: &FeedOptions,
    progress: FeedProgress,
) -> Result<FeedReader> {
    let source = source::Source::open(path, raw)?;
    let format = match options.format {
        Some(format) => format,
        None => detect::detect(&source.head).ok_or_else(|| detect::not_a_feed(&source))?,
    };
    let (rows, retailer_hint): (Box<dyn Iterator<Item = Result<FeedRow>> + Send>, _) = match format
    {
        FeedFormat::GmcTsv => (
            Box::new(gmc_tsv::TsvRows::open(source, options.currency)?),
            None,
        ),
        FeedFormat::GmcXml => {
            let rows = gmc_xml::XmlRows::open(source, options.currency)?;
            let title = rows.title();
            (Box::new(rows), title)
        }
        FeedFormat::Awin => (
            Box::new(awin::AwinRows::open(source, options.currency)?),
            None,
        ),
    };
    Ok(FeedReader {
        format,
        retailer_hint,
        rows,
        progress,
    })
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers for the parsers' tests.

    use std::io::Cursor;
    use std::path::{Path, PathBuf};

    use super::*;

    /// A fixture file under `tests/fixtures/feeds/`.
    pub(crate) fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/feeds")
            .join(name)
    }

    /// Opens in-memory bytes as a feed named `name`.
    pub(crate) fn open_bytes(
        name: &str,
        bytes: Vec<u8>,
        format: Option<FeedFormat>,
        currency: Option<Currency>,
    ) -> Result<FeedReader> {
        let options = FeedOptions { format, currency };
        let progress = FeedProgress {
            bytes_read: Arc::new(AtomicU64::new(0)),
            total_bytes: Some(bytes.len() as u64),
        };
        open_stream(
            Path::new(name),
            Box::new(Cursor::new(bytes)),
            &options,
            progress,
        )
    }

    /// All rows of a feed that must read to the end without a whole-file error.
    pub(crate) fn rows(reader: FeedReader) -> Vec<FeedRow> {
        reader
            .map(|row| row.unwrap_or_else(|e| panic!("whole-file error: {e}")))
            .collect()
    }

    /// The records among `rows`.
    pub(crate) fn records(rows: &[FeedRow]) -> Vec<&FeedRecord> {
        rows.iter()
            .filter_map(|r| match r {
                FeedRow::Record(rec) => Some(&**rec),
                FeedRow::Rejected(_) => None,
            })
            .collect()
    }

    /// The rejected rows among `rows`.
    pub(crate) fn rejected(rows: &[FeedRow]) -> Vec<&RowIssue> {
        rows.iter()
            .filter_map(|r| match r {
                FeedRow::Rejected(issue) => Some(issue),
                FeedRow::Record(_) => None,
            })
            .collect()
    }

    /// Money in minor units of a currency code, for assertions.
    pub(crate) fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::from_code(code).unwrap())
    }

    /// `text` with one line changed: `op` 0 replaces it with `junk`, 1 inserts `junk` into it,
    /// 2 deletes it, 3 repeats it, 4 cuts the file inside it, 5 flips a byte of it.
    pub(crate) fn mutate(text: &[u8], line: usize, op: u8, junk: &[u8]) -> Vec<u8> {
        let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let i = line % lines.len();
        let at = if lines[i].is_empty() {
            0
        } else {
            line % lines[i].len()
        };
        match op {
            0 => lines[i] = junk.to_vec(),
            1 => {
                lines[i].splice(at..at, junk.iter().copied());
            }
            2 => {
                lines.remove(i);
            }
            3 => {
                let copy = lines[i].clone();
                lines.insert(i, copy);
            }
            4 => {
                lines[i].truncate(at);
                lines.truncate(i + 1);
            }
            _ => {
                if let Some(b) = lines[i].get_mut(at) {
                    *b ^= junk.first().copied().unwrap_or(0x80) | 1;
                }
            }
        }
        lines.join(&b'\n')
    }

    /// Reads every row of any input without panicking, and checks the invariants that hold
    /// whatever the bytes: rejected rows and warnings have reasons; the iterator ends after
    /// an error.
    pub(crate) fn check_never_panics(bytes: Vec<u8>, format: Option<FeedFormat>) {
        let Ok(reader) = open_bytes("fuzz", bytes, format, Currency::from_code("GBP")) else {
            return;
        };
        let mut reader = reader;
        let mut count = 0usize;
        while let Some(row) = reader.next() {
            count += 1;
            assert!(count < 1_000_000, "the iterator does not end");
            match row {
                Ok(FeedRow::Rejected(issue)) => {
                    assert!(!issue.reason.trim().is_empty(), "empty reason: {issue:?}");
                }
                Ok(FeedRow::Record(rec)) => {
                    assert!(!rec.item_id.trim().is_empty());
                    assert!(!rec.title.trim().is_empty());
                    for w in &rec.warnings {
                        assert!(!w.reason.trim().is_empty(), "empty warning: {w:?}");
                    }
                }
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    assert!(reader.next().is_none(), "rows after a whole-file error");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{fixture, open_bytes};
    use super::*;

    #[test]
    fn detects_the_format_of_each_fixture() {
        for (name, format) in [
            ("selfridges.gmc.xml", FeedFormat::GmcXml),
            ("atom.gmc.xml", FeedFormat::GmcXml),
            ("harrods.gmc.tsv", FeedFormat::GmcTsv),
            ("bad-rows.awin.csv", FeedFormat::Awin),
            ("small.awin.csv", FeedFormat::Awin),
        ] {
            let reader = open_feed(&fixture(name), &FeedOptions::default()).unwrap();
            assert_eq!(reader.format(), format, "{name}");
            let size = std::fs::metadata(fixture(name)).unwrap().len();
            assert_eq!(reader.total_bytes(), Some(size));
            assert!(reader.bytes_read() > 0);
        }
    }

    #[test]
    fn bom_is_skipped_before_detection() {
        let bytes = b"\xEF\xBB\xBFid\ttitle\tprice\tavailability\n1\tA\t1 GBP\tin stock\n".to_vec();
        let reader = open_bytes("bom.tsv", bytes, None, None).unwrap();
        assert_eq!(reader.format(), FeedFormat::GmcTsv);
        let rows: Vec<_> = reader.map(Result::unwrap).collect();
        assert!(matches!(&rows[0], FeedRow::Record(r) if r.item_id == "1" && r.line == 1 + 1));
    }

    #[test]
    fn an_unknown_file_is_refused_with_what_was_found() {
        let err = open_bytes("x.csv", b"name,price\nshoe,10\n".to_vec(), None, None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "x.csv: line 1: not a feed Pointe knows: expected a Google Merchant Center TSV/XML \
             header (id, title, price …) or an Awin CSV header (aw_product_id, product_name, \
             search_price …); found \"name,price\\nshoe,10\\n\""
        );
        let empty = open_bytes("e.csv", Vec::new(), None, None)
            .unwrap_err()
            .to_string();
        assert!(empty.ends_with("found an empty file"), "{empty}");
        let utf16 = open_bytes("u.csv", b"\xFF\xFEi\0d\0".to_vec(), None, None)
            .unwrap_err()
            .to_string();
        assert!(utf16.contains("UTF-16"), "{utf16}");
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let err =
            open_feed(Path::new("/nonexistent/feed.csv"), &FeedOptions::default()).unwrap_err();
        assert!(matches!(err, crate::Error::Io { .. }));
        assert!(err.to_string().starts_with("/nonexistent/feed.csv: "));
    }

    #[test]
    fn a_named_format_skips_detection() {
        let reader = open_bytes(
            "feed.txt",
            b"ID\tTITLE\tPRICE\tAVAILABILITY\n".to_vec(),
            Some(FeedFormat::GmcTsv),
            None,
        )
        .unwrap();
        assert_eq!(reader.format(), FeedFormat::GmcTsv);
        assert_eq!(reader.count(), 0);
        let err = open_bytes(
            "feed.txt",
            b"a,b\n".to_vec(),
            Some(FeedFormat::GmcTsv),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no `id` column"), "{err}");
    }

    #[test]
    fn feed_reader_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<FeedReader>();
        assert_send::<FeedProgress>();
    }
}
