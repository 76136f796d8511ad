//! Feed parsing: retailer and affiliate feeds in, [`FeedRecord`]s out.
//!
//! Parsers stream: a feed of a million rows never sits in memory. Each row is either a
//! [`FeedRow::Record`] or a [`FeedRow::Rejected`] with the line, item, field and reason; an
//! error from the iterator itself means the file as a whole cannot be read (not a feed,
//! truncated, not UTF-8, an unclosed quote, a compression bomb) and nothing from it should be
//! kept; the iterator ends after it.
//!
//! Formats, each in its own module: Google Merchant Center TSV or CSV (`gmc_tsv`) and XML
//! (`gmc_xml`, RSS 2.0 and Atom), Awin affiliate CSVs, publisher and advertiser (`awin`),
//! Shopify `products.json` (`shopify`), and any other CSV/TSV through a column [`Mapping`]
//! (`mapped`). [`open_feed`] gunzips files whose bytes start with the gzip magic, whatever
//! their name (within [`FeedLimits`]), and detects the format from the first line when it is
//! not named (a mapped CSV is read only when a mapping is given). Line numbers are 1-based
//! lines of the file where the row or item starts.
//!
//! Nothing is buffered without a bound: a row of a CSV/TSV, or a text or tag of an XML feed, is
//! at most 1 MiB, an XML item or a Shopify product at most 4 MiB, and a quoted field spans at
//! most 100 lines; a file holding a longer one is refused with an error naming the line. Every
//! record is then bounded field by field (`bounds`: words, texts, lists, ids, prices) before it
//! is given out.

/// How the error about a file of no layout Pointe reads begins (front ends tell it apart:
/// HTTP answers it 415).
pub const UNKNOWN_LAYOUT: &str = "not a feed Pointe knows";

mod awin;
mod bounds;
mod delimited;
mod detect;
mod gmc;
mod gmc_tsv;
mod gmc_xml;
mod limits;
mod mapped;
mod record;
mod shopify;
mod source;
mod title_brand;

pub use limits::FeedLimits;
pub use mapped::Mapping;
pub use shopify::ShopUrl;

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
    /// Google Merchant Center product data, comma- or pipe-separated with a header row.
    GmcCsv,
    /// Google Merchant Center product data as RSS 2.0 or Atom with the `g:` namespace.
    GmcXml,
    /// Awin affiliate CSV: the publisher download (multi-merchant, `aw_product_id`,
    /// `search_price` …) or an advertiser's own feed (`product_id`, `price`, `deep_link` …).
    Awin,
    /// A Shopify shop's `products.json` (one or more pages): one offer per variant. The format
    /// names no currency: [`FeedOptions::currency`] is required.
    Shopify,
    /// Any CSV/TSV read through a column [`Mapping`] ([`FeedOptions::mapping`], required).
    Mapped,
}

impl FeedFormat {
    /// The name used on the command line (`gmc-tsv`, `gmc-csv`, `gmc-xml`, `awin`, `shopify`,
    /// `mapped`).
    pub fn name(&self) -> &'static str {
        match self {
            FeedFormat::GmcTsv => "gmc-tsv",
            FeedFormat::GmcCsv => "gmc-csv",
            FeedFormat::GmcXml => "gmc-xml",
            FeedFormat::Awin => "awin",
            FeedFormat::Shopify => "shopify",
            FeedFormat::Mapped => "mapped",
        }
    }

    /// Reads a command-line name.
    pub fn from_name(name: &str) -> Option<FeedFormat> {
        match name.to_ascii_lowercase().as_str() {
            "gmc-tsv" | "gmc_tsv" | "tsv" => Some(FeedFormat::GmcTsv),
            "gmc-csv" | "gmc_csv" => Some(FeedFormat::GmcCsv),
            "gmc-xml" | "gmc_xml" | "xml" | "rss" | "atom" => Some(FeedFormat::GmcXml),
            "awin" | "awin-csv" => Some(FeedFormat::Awin),
            "shopify" | "shopify-json" => Some(FeedFormat::Shopify),
            "mapped" | "mapping" => Some(FeedFormat::Mapped),
            _ => None,
        }
    }
}

/// What the caller knows about a feed beyond its bytes.
#[derive(Debug, Clone, Default)]
pub struct FeedOptions {
    /// The format, when named; detected from the content otherwise.
    pub format: Option<FeedFormat>,
    /// Currency for prices that name none (`--currency`). Required for Shopify; for a mapped
    /// CSV it overrides the mapping's constant currency (a currency column still wins).
    pub currency: Option<Currency>,
    /// The column mapping of a CSV/TSV no built-in format knows (`--mapping`). Given, the file
    /// is read as [`FeedFormat::Mapped`] (naming another format is then an error); a mapped
    /// CSV is never detected without one.
    pub mapping: Option<Mapping>,
    /// The shop a Shopify `products.json` comes from (`--shop-url`): each variant's link is
    /// made from it and the product's handle. Without it, Shopify records have no link.
    pub shop_url: Option<ShopUrl>,
    /// How far a gzip file may inflate; see [`FeedLimits`] for the defaults.
    pub limits: FeedLimits,
}

/// A problem with one row, or one field of a row: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    /// 1-based line in the file where the row (text formats) or the item's start tag (XML)
    /// begins.
    pub line: u64,
    /// The item's id as the feed writes it (`g:id`, `aw_product_id`, a Shopify variant's id,
    /// or a Shopify product's id for a problem with the whole product), when it is known: in a
    /// one-line XML feed the line alone does not find the item.
    pub item: Option<String>,
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
    /// Dated observations of this item's price, for feeds that record when each price was seen
    /// (price-tracking exports). Empty for ordinary feeds: the row is then one observation at
    /// the ingest's time, with `price`, `sale_price` and `availability`, which always hold the
    /// latest observation.
    pub observations: Vec<Observation>,
}

/// One dated observation of an item's price and availability.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// When it was seen.
    pub seen_at: jiff::Timestamp,
    /// Regular price.
    pub price: Money,
    /// Sale price.
    pub sale_price: Option<Money>,
    /// Availability.
    pub availability: Availability,
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
    source_rows: Option<Arc<AtomicU64>>,
    header_warnings: Vec<RowIssue>,
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

    /// The retailer the file names for itself (an RSS channel's or Atom feed's title), or the
    /// mapping's constant retailer for a mapped CSV.
    pub fn retailer_hint(&self) -> Option<&str> {
        self.retailer_hint.as_deref()
    }

    /// Problems with the file's header that reject nothing: two columns with one meaning (the
    /// first is read), a column repeated.
    pub fn header_warnings(&self) -> &[RowIssue] {
        &self.header_warnings
    }

    /// How many rows of the file were read so far, for formats where one [`FeedRow`] is not
    /// one of them: the data rows of a mapped CSV (with `group_rows_by`, many rows make one
    /// record: Datafiniti's 10,000 rows are some 2,830 items). `None` for the other formats,
    /// whose rows are the [`FeedRow`]s themselves (for Shopify, one per variant).
    pub fn source_rows(&self) -> Option<u64> {
        self.source_rows.as_ref().map(|n| n.load(Ordering::Relaxed))
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
        let row = match self.rows.next()? {
            Ok(FeedRow::Record(rec)) => bounds::bound(rec),
            other => return Some(other),
        };
        Some(Ok(match row {
            FeedRow::Record(mut rec) => {
                for w in &mut rec.warnings {
                    if w.item.is_none() {
                        w.item = Some(rec.item_id.clone());
                    }
                }
                FeedRow::Record(rec)
            }
            rejected => rejected,
        }))
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

/// Opens a feed held in memory, as [`open_feed`] opens a file; `name` names it in errors.
/// The entry point of the fuzzers and of callers that receive a feed over the network.
pub fn open_feed_bytes(name: &Path, bytes: Vec<u8>, options: &FeedOptions) -> Result<FeedReader> {
    let progress = FeedProgress {
        bytes_read: Arc::new(AtomicU64::new(0)),
        total_bytes: Some(bytes.len() as u64),
    };
    let raw = source::CountingReader::new(
        std::io::Cursor::new(bytes),
        Arc::clone(&progress.bytes_read),
    );
    open_stream(name, Box::new(raw), options, progress)
}

/// Opens a feed from any byte stream; `path` names it in errors.
fn open_stream(
    path: &Path,
    raw: Box<dyn Read + Send>,
    options: &FeedOptions,
    progress: FeedProgress,
) -> Result<FeedReader> {
    let format = named_format(options)?;
    let mut source = source::Source::open(path, raw, &options.limits)?;
    let format = match format {
        Some(format) => format,
        None => detect::detect(&source.head).ok_or_else(|| detect::not_a_feed(&source))?,
    };
    // Rows of delimited files and texts of XML files are capped in size, so that a damaged
    // file is refused rather than read into memory whole (Shopify products are capped by their
    // parser).
    let delimiter = match (format, &options.mapping) {
        (FeedFormat::GmcTsv, _) => Some(b'\t'),
        (FeedFormat::GmcCsv, _) => Some(gmc_tsv::csv_delimiter(source.first_line())),
        (FeedFormat::Awin, _) => Some(awin::delimiter_of(source.first_line())),
        (FeedFormat::Mapped, Some(mapping)) => Some(mapping.delimiter()),
        _ => None,
    };
    let stream = std::mem::replace(&mut source.stream, Box::new(std::io::empty()));
    source.stream = match (delimiter, format) {
        (Some(delimiter), _) => Box::new(limits::Limited::new(
            stream,
            limits::RowScan::new(delimiter),
        )),
        (None, FeedFormat::GmcXml) => {
            Box::new(limits::Limited::new(stream, limits::TokenScan::new()))
        }
        (None, _) => stream,
    };
    let opened = open_rows(path, source, format, delimiter, options)?;
    Ok(FeedReader {
        format,
        retailer_hint: opened.retailer_hint.and_then(bounds::bound_name),
        rows: opened.rows,
        progress,
        source_rows: opened.source_rows,
        header_warnings: opened.header_warnings,
    })
}

/// The format the options name, checked against the mapping.
fn named_format(options: &FeedOptions) -> Result<Option<FeedFormat>> {
    match (&options.mapping, options.format) {
        (Some(_), None | Some(FeedFormat::Mapped)) => Ok(Some(FeedFormat::Mapped)),
        (Some(mapping), Some(other)) => Err(crate::Error::Usage(format!(
            "the mapping {} reads a CSV/TSV as `mapped`; it cannot be used with the {} format",
            mapping.origin(),
            other.name()
        ))),
        (None, Some(FeedFormat::Mapped)) => Err(crate::Error::Usage(
            "the `mapped` format needs a mapping file (--mapping FILE) saying which column holds what"
                .into(),
        )),
        (None, format) => Ok(format),
    }
}

/// A format's parser, opened on its header, and what it learnt there.
struct Opened {
    rows: Box<dyn Iterator<Item = Result<FeedRow>> + Send>,
    retailer_hint: Option<String>,
    source_rows: Option<Arc<AtomicU64>>,
    header_warnings: Vec<RowIssue>,
}

impl Opened {
    fn new(rows: impl Iterator<Item = Result<FeedRow>> + Send + 'static) -> Opened {
        Opened {
            rows: Box::new(rows),
            retailer_hint: None,
            source_rows: None,
            header_warnings: Vec::new(),
        }
    }
}

fn open_rows(
    path: &Path,
    source: source::Source,
    format: FeedFormat,
    delimiter: Option<u8>,
    options: &FeedOptions,
) -> Result<Opened> {
    Ok(match format {
        FeedFormat::GmcTsv | FeedFormat::GmcCsv => {
            let delimiter = delimiter.unwrap_or(b'\t');
            let mut rows = gmc_tsv::TsvRows::open(source, delimiter, options.currency)?;
            let header_warnings = rows.take_header_warnings();
            Opened {
                header_warnings,
                ..Opened::new(rows)
            }
        }
        FeedFormat::GmcXml => {
            let rows = gmc_xml::XmlRows::open(source, options.currency)?;
            let retailer_hint = rows.title();
            Opened {
                retailer_hint,
                ..Opened::new(rows)
            }
        }
        FeedFormat::Awin => {
            let mut rows = awin::AwinRows::open(source, options.currency)?;
            let header_warnings = rows.take_header_warnings();
            Opened {
                header_warnings,
                ..Opened::new(rows)
            }
        }
        FeedFormat::Shopify => {
            let currency = options.currency.ok_or_else(|| {
                crate::Error::bad_file(
                    path,
                    None,
                    "a Shopify products.json names no currency: give the shop's currency with --currency (e.g. --currency GBP)",
                )
            })?;
            Opened::new(shopify::ShopifyRows::open(
                source,
                currency,
                options.shop_url.clone(),
            ))
        }
        FeedFormat::Mapped => {
            let Some(mapping) = &options.mapping else {
                unreachable!("the mapped format was chosen because a mapping was given");
            };
            let counter = Arc::new(AtomicU64::new(0));
            let mut rows =
                mapped::MappedRows::open(source, mapping, options.currency, Arc::clone(&counter))?;
            let header_warnings = rows.take_header_warnings();
            Opened {
                retailer_hint: mapping.retailer().map(str::to_string),
                source_rows: Some(counter),
                header_warnings,
                ..Opened::new(rows)
            }
        }
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

    /// A mapping file shipped under `mappings/` at the repository root.
    pub(crate) fn shipped_mapping(name: &str) -> Mapping {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../mappings")
            .join(name);
        Mapping::load(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(crate) use crate::test_support::shared_data;

    /// Opens in-memory bytes as a feed named `name`.
    pub(crate) fn open_bytes(
        name: &str,
        bytes: Vec<u8>,
        format: Option<FeedFormat>,
        currency: Option<Currency>,
    ) -> Result<FeedReader> {
        let options = FeedOptions {
            format,
            currency,
            ..FeedOptions::default()
        };
        open_reader(name, Box::new(Cursor::new(bytes)), &options)
    }

    /// Opens any byte stream as a feed named `name`, with all the options.
    pub(crate) fn open_reader(
        name: &str,
        reader: Box<dyn Read + Send>,
        options: &FeedOptions,
    ) -> Result<FeedReader> {
        let progress = FeedProgress {
            bytes_read: Arc::new(AtomicU64::new(0)),
            total_bytes: None,
        };
        open_stream(Path::new(name), reader, options, progress)
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
        let options = FeedOptions {
            format,
            currency: Currency::from_code("GBP"),
            ..FeedOptions::default()
        };
        check_never_panics_with(bytes, &options);
    }

    /// As [`check_never_panics`], with all the options (a mapping).
    pub(crate) fn check_never_panics_with(bytes: Vec<u8>, options: &FeedOptions) {
        let Ok(reader) = open_reader("fuzz", Box::new(Cursor::new(bytes)), options) else {
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
    use std::io::Read;

    #[test]
    fn detects_the_format_of_each_fixture() {
        for (name, format) in [
            ("selfridges.gmc.xml", FeedFormat::GmcXml),
            ("atom.gmc.xml", FeedFormat::GmcXml),
            ("harrods.gmc.tsv", FeedFormat::GmcTsv),
            ("bad-rows.awin.csv", FeedFormat::Awin),
            ("small.awin.csv", FeedFormat::Awin),
            ("mango.awin-advertiser.csv", FeedFormat::Awin),
            ("liberty.gmc.csv", FeedFormat::GmcCsv),
            ("arket.gmc.psv", FeedFormat::GmcCsv),
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
            "x.csv: line 1: not a feed Pointe knows: expected a Google Merchant Center \
             TSV/CSV/XML header (id, title, price …), an Awin CSV header (aw_product_id, \
             product_name, search_price … or product_id, product_name, price, deep_link …) or a \
             Shopify products.json ({\"products\": […]}); for another CSV/TSV give a column \
             mapping (--mapping FILE); found \"name,price\\nshoe,10\\n\""
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
        assert_eq!(
            err,
            "feed.txt: line 1: the file is not tab-separated: its header row has no tab but 1 \
             comma; for a comma- or pipe-separated Merchant Center file use --feed-format gmc-csv"
        );
        let err = open_bytes(
            "feed.txt",
            b"a\tb\n".to_vec(),
            Some(FeedFormat::GmcTsv),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no `id` column"), "{err}");
    }

    /// A reader of `header`, then one row whose field is `size` bytes of `x`, then `tail`:
    /// made on the fly, so a 100 MB line is never held by the test.
    struct HugeRow {
        parts: Vec<Vec<u8>>,
        fill_left: u64,
    }

    impl HugeRow {
        fn new(head: &str, size: u64, tail: &str) -> HugeRow {
            HugeRow {
                parts: vec![tail.as_bytes().to_vec(), head.as_bytes().to_vec()],
                fill_left: size,
            }
        }
    }

    impl Read for HugeRow {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.parts.len() == 2 {
                let head = self.parts.pop().unwrap_or_default();
                let n = head.len().min(buf.len());
                buf[..n].copy_from_slice(&head[..n]);
                if n < head.len() {
                    self.parts.push(head[n..].to_vec());
                }
                return Ok(n);
            }
            if self.fill_left > 0 {
                let n = buf
                    .len()
                    .min(usize::try_from(self.fill_left).unwrap_or(usize::MAX));
                buf[..n].fill(b'x');
                self.fill_left -= n as u64;
                return Ok(n);
            }
            let tail = self.parts.pop().unwrap_or_default();
            let n = tail.len().min(buf.len());
            buf[..n].copy_from_slice(&tail[..n]);
            if n < tail.len() {
                self.parts.push(tail[n..].to_vec());
            }
            Ok(n)
        }
    }

    #[test]
    fn a_100_mb_line_is_refused_in_every_delimited_format_naming_its_line() {
        let mapping = Mapping::parse(
            "[columns]\nid = \"id\"\ntitle = \"title\"\nprice = \"price\"\n\
             [constants]\navailability = \"in_stock\"\ncurrency = \"GBP\"\n",
            "m.toml",
        )
        .unwrap();
        let cases = [
            (
                "id\ttitle\tprice\tavailability\n1\tok\t1 GBP\tin stock\n2\t",
                None,
                FeedFormat::GmcTsv,
            ),
            (
                "aw_product_id,product_name,search_price,currency\n1,ok,1.00,GBP\n2,",
                None,
                FeedFormat::Awin,
            ),
            (
                "id,title,price\n1,ok,1.00\n2,",
                Some(mapping),
                FeedFormat::Mapped,
            ),
        ];
        for (head, mapping, format) in cases {
            let options = FeedOptions {
                mapping,
                ..FeedOptions::default()
            };
            let huge = HugeRow::new(head, 100 * 1024 * 1024, ",1.00\n");
            let reader = test_support::open_reader("huge.csv", Box::new(huge), &options).unwrap();
            assert_eq!(reader.format(), format);
            let rows: Vec<Result<FeedRow>> = reader.collect();
            assert_eq!(rows.len(), 2, "{format:?}: {rows:?}");
            assert!(matches!(rows[0], Ok(FeedRow::Record(_))), "{format:?}");
            let err = rows[1].as_ref().unwrap_err().to_string();
            assert!(
                err.starts_with("huge.csv: line 3: a row longer than 1 MiB is refused"),
                "{format:?}: {err}"
            );
        }
    }

    #[test]
    fn a_100_mb_xml_text_is_refused_naming_its_line() {
        let head = "<?xml version=\"1.0\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>\
                    <title>Shop</title>\n<item><g:id>1</g:id><g:title>t</g:title>\
                    <g:price>1.00 GBP</g:price><g:availability>in stock</g:availability>\n\
                    <g:description>";
        let huge = HugeRow::new(
            head,
            100 * 1024 * 1024,
            "</g:description></item></channel></rss>\n",
        );
        let results: Vec<Result<FeedRow>> =
            match test_support::open_reader("huge.xml", Box::new(huge), &FeedOptions::default()) {
                Ok(reader) => reader.collect(),
                Err(e) => vec![Err(e)],
            };
        let err = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .expect("an error")
            .to_string();
        assert!(
            err.starts_with("huge.xml: line 4: a text or tag longer than 1 MiB is refused"),
            "{err}"
        );
    }

    #[test]
    fn a_truncated_gzip_of_the_new_formats_is_a_whole_file_error() {
        use flate2::Compression;
        use flate2::write::GzEncoder;
        use std::io::Write;

        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "shop.products.json",
                FeedOptions {
                    currency: Currency::from_code("GBP"),
                    ..FeedOptions::default()
                },
            ),
            (
                "price-records.csv",
                FeedOptions {
                    mapping: Some(Mapping::load(&fixture("price-records.mapping.toml")).unwrap()),
                    ..FeedOptions::default()
                },
            ),
        ];
        for (name, options) in cases {
            let mut gz = GzEncoder::new(Vec::new(), Compression::default());
            gz.write_all(&std::fs::read(fixture(name)).unwrap())
                .unwrap();
            let bytes = gz.finish().unwrap();
            let path = dir.path().join(format!("{name}.gz"));
            std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
            let results: Vec<Result<FeedRow>> = match open_feed(&path, &options) {
                Ok(reader) => reader.collect(),
                Err(e) => vec![Err(e)],
            };
            let err = results
                .iter()
                .find_map(|r| r.as_ref().err())
                .unwrap_or_else(|| panic!("{name}: no error"))
                .to_string();
            assert!(err.contains("gzip data ends early"), "{name}: {err}");
            assert!(
                results.last().unwrap().is_err(),
                "{name}: rows after the error"
            );
        }
    }

    /// The delimited formats, each with a header and the options that read it.
    fn delimited_formats() -> Vec<(FeedFormat, &'static str, FeedOptions, char)> {
        let mapping = Mapping::parse(
            "[columns]\nid = \"id\"\ntitle = \"title\"\nprice = \"price\"\n\
             availability = \"availability\"\n[constants]\ncurrency = \"GBP\"\n",
            "m.toml",
        )
        .unwrap();
        let gbp = FeedOptions {
            currency: Currency::from_code("GBP"),
            ..FeedOptions::default()
        };
        vec![
            (
                FeedFormat::GmcTsv,
                "id\ttitle\tprice\tavailability",
                gbp.clone(),
                '\t',
            ),
            (
                FeedFormat::GmcCsv,
                "id,title,price,availability",
                gbp.clone(),
                ',',
            ),
            (
                FeedFormat::Awin,
                "aw_product_id,product_name,search_price,in_stock",
                gbp.clone(),
                ',',
            ),
            (
                FeedFormat::Mapped,
                "id,title,price,availability",
                FeedOptions {
                    mapping: Some(mapping),
                    ..gbp
                },
                ',',
            ),
        ]
    }

    fn read_all(name: &str, bytes: Vec<u8>, options: &FeedOptions) -> Vec<Result<FeedRow>> {
        match test_support::open_reader(name, Box::new(std::io::Cursor::new(bytes)), options) {
            Ok(reader) => reader.collect(),
            Err(e) => vec![Err(e)],
        }
    }

    #[test]
    fn an_unclosed_quote_no_longer_swallows_the_rows_after_it() {
        for (format, header, options, sep) in delimited_formats() {
            let row = |id: u32| format!("{id}{sep}Flats {id}{sep}10.00{sep}in stock\n");
            let mut text = format!("{header}\n{}", row(1));
            text.push_str(&format!("2{sep}\"Flats 2{sep}10.00{sep}in stock\n"));
            for id in 3..=12 {
                text.push_str(&row(id));
            }
            let results = read_all("quote.csv", text.into_bytes(), &options);
            assert!(matches!(results[0], Ok(FeedRow::Record(_))), "{format:?}");
            let err = results.last().unwrap().as_ref().unwrap_err().to_string();
            assert_eq!(
                err,
                "quote.csv: line 3: the quoted field opened on line 3 is never closed: the file \
                 ends inside it, so the 10 lines after it (rows that would be lost) read as one \
                 field; the file is refused (close or remove the quote)",
                "{format:?}"
            );
        }
    }

    #[test]
    fn a_quote_open_for_more_lines_than_a_field_spans_is_refused_early() {
        for (format, header, options, sep) in delimited_formats() {
            let mut text = format!("{header}\n1{sep}\"Flats{sep}10.00{sep}in stock\n");
            for id in 2..1000 {
                text.push_str(&format!("{id}{sep}Flats{sep}10.00{sep}in stock\n"));
            }
            text.push_str("\"\n");
            let results = read_all("quote.csv", text.into_bytes(), &options);
            let err = results.last().unwrap().as_ref().unwrap_err().to_string();
            assert!(
                err.starts_with(
                    "quote.csv: line 2: the quoted field opened on line 2 is still open 100 lines later"
                ),
                "{format:?}: {err}"
            );
        }
    }

    #[test]
    fn a_quote_closed_rows_later_rejects_the_row_it_swallowed_them_into() {
        for (format, header, options, sep) in delimited_formats() {
            let text = format!(
                "{header}\n1{sep}\"Flats{sep}10.00{sep}in stock\n2{sep}B{sep}2.00{sep}in stock\n\
                 3{sep}\"C{sep} ok\"{sep}3.00{sep}in stock\n4{sep}D{sep}4.00{sep}in stock\n"
            );
            let rows: Vec<FeedRow> = read_all("quote.csv", text.into_bytes(), &options)
                .into_iter()
                .map(|r| r.unwrap())
                .collect();
            let rejected = test_support::rejected(&rows);
            assert_eq!(rejected.len(), 1, "{format:?}: {rows:#?}");
            assert_eq!(rejected[0].line, 2);
            assert!(
                rejected[0]
                    .reason
                    .contains("runs to line 4, and the row then has 5 fields where the header has 4: a quote left open swallowed the 2 lines after it"),
                "{format:?}: {}",
                rejected[0].reason
            );
            let ids: Vec<&str> = test_support::records(&rows)
                .iter()
                .map(|r| r.item_id.as_str())
                .collect();
            assert_eq!(ids, vec!["4"], "{format:?}");
        }
    }

    #[test]
    fn a_last_row_cut_short_is_rejected_not_read_as_a_row() {
        for (format, header, options, sep) in delimited_formats() {
            let text = format!("{header}\n1{sep}A{sep}10.00{sep}in stock\n2{sep}Satin fl");
            let rows: Vec<FeedRow> = read_all("cut.csv", text.into_bytes(), &options)
                .into_iter()
                .map(|r| r.unwrap())
                .collect();
            let rejected = test_support::rejected(&rows);
            assert_eq!(rows.len(), 2, "{format:?}");
            assert_eq!(rejected.len(), 1, "{format:?}");
            assert_eq!(rejected[0].line, 3);
            assert!(
                rejected[0]
                    .reason
                    .starts_with("the file ends inside this row (2 of the header's 4 fields"),
                "{format:?}: {}",
                rejected[0].reason
            );
            // A whole last row without a final line break is an ordinary row.
            let text = format!("{header}\n1{sep}A{sep}10.00{sep}in stock");
            let rows = read_all("whole.csv", text.into_bytes(), &options);
            assert!(
                matches!(rows[..], [Ok(FeedRow::Record(_))]),
                "{format:?}: {rows:?}"
            );
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn a_gzip_of_blank_lines_is_refused_by_its_inflation_ratio() {
        let mut text = b"id\ttitle\tprice\tavailability\n1\tA\t1 GBP\tin stock\n".to_vec();
        text.resize(text.len() + 8 * 1024 * 1024, b'\n');
        let options = FeedOptions {
            limits: FeedLimits {
                ratio_grace_bytes: 1024 * 1024,
                ..FeedLimits::default()
            },
            ..FeedOptions::default()
        };
        let results = read_all("blank.tsv.gz", gzip(&text), &options);
        let err = results.last().unwrap().as_ref().unwrap_err().to_string();
        assert!(
            err.starts_with("blank.tsv.gz: the gzip data inflates more than 100 times"),
            "{err}"
        );
        // The same bytes uncompressed are read, every blank line skipped.
        let rows = read_all("blank.tsv", text, &options);
        assert_eq!(rows.len(), 1);
        assert!(rows[0].is_ok());
    }

    #[test]
    fn a_gzip_past_the_decompressed_cap_is_refused() {
        let mut text = b"id\ttitle\tprice\tavailability\n".to_vec();
        for i in 0..40_000 {
            text.extend_from_slice(format!("{i}\tFlats {i}\t1 GBP\tin stock\n").as_bytes());
        }
        let options = FeedOptions {
            limits: FeedLimits {
                max_inflated_bytes: 256 * 1024,
                ..FeedLimits::default()
            },
            ..FeedOptions::default()
        };
        let results = read_all("big.tsv.gz", gzip(&text), &options);
        let err = results.last().unwrap().as_ref().unwrap_err().to_string();
        assert_eq!(
            err,
            "big.tsv.gz: the gzip data inflates to more than 256 KiB \
             (FeedLimits::max_inflated_bytes): refused as a compression bomb or not a feed"
        );
        assert!(
            read_all("big.tsv.gz", gzip(&text), &FeedOptions::default())
                .iter()
                .all(Result::is_ok)
        );
    }

    #[test]
    fn feeds_open_from_bytes_as_from_files() {
        let bytes = std::fs::read(fixture("liberty.gmc.csv")).unwrap();
        let from_bytes: Vec<FeedRow> =
            open_feed_bytes(Path::new("liberty.gmc.csv"), bytes, &FeedOptions::default())
                .unwrap()
                .map(Result::unwrap)
                .collect();
        let from_file: Vec<FeedRow> =
            open_feed(&fixture("liberty.gmc.csv"), &FeedOptions::default())
                .unwrap()
                .map(Result::unwrap)
                .collect();
        assert_eq!(from_bytes, from_file);
    }

    #[test]
    fn mapping_and_format_must_agree() {
        let mapping = Mapping::load(&fixture("price-records.mapping.toml")).unwrap();
        let options = FeedOptions {
            format: Some(FeedFormat::Awin),
            mapping: Some(mapping),
            ..FeedOptions::default()
        };
        let err = open_feed(&fixture("price-records.csv"), &options)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be used with the awin format"), "{err}");
        let options = FeedOptions {
            format: Some(FeedFormat::Mapped),
            ..FeedOptions::default()
        };
        let err = open_feed(&fixture("price-records.csv"), &options)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--mapping"), "{err}");
        // Without a mapping, a CSV no format knows is not a feed.
        let err = open_feed(&fixture("price-records.csv"), &FeedOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a feed Pointe knows"), "{err}");
    }

    #[test]
    fn format_names_round_trip() {
        for format in [
            FeedFormat::GmcTsv,
            FeedFormat::GmcCsv,
            FeedFormat::GmcXml,
            FeedFormat::Awin,
            FeedFormat::Shopify,
            FeedFormat::Mapped,
        ] {
            assert_eq!(FeedFormat::from_name(format.name()), Some(format));
        }
    }

    /// Every seed feed Pointe has, with the options that read it: the fixtures, the bundled
    /// samples, and the first lines of the real catalogs when the shared data set is present.
    fn seeds() -> &'static [(String, Vec<u8>, FeedOptions)] {
        static SEEDS: std::sync::OnceLock<Vec<(String, Vec<u8>, FeedOptions)>> =
            std::sync::OnceLock::new();
        SEEDS.get_or_init(|| {
            let gbp = FeedOptions {
                currency: Currency::from_code("GBP"),
                ..FeedOptions::default()
            };
            let mut seeds = Vec::new();
            for name in [
                "harrods.gmc.tsv",
                "liberty.gmc.csv",
                "arket.gmc.psv",
                "selfridges.gmc.xml",
                "atom.gmc.xml",
                "small.awin.csv",
                "bad-rows.awin.csv",
                "mango.awin-advertiser.csv",
                "shop.products.json",
            ] {
                seeds.push((
                    name.to_string(),
                    std::fs::read(fixture(name)).unwrap(),
                    gbp.clone(),
                ));
            }
            seeds.push((
                "price-records.csv".into(),
                std::fs::read(fixture("price-records.csv")).unwrap(),
                FeedOptions {
                    mapping: Some(Mapping::load(&fixture("price-records.mapping.toml")).unwrap()),
                    ..FeedOptions::default()
                },
            ));
            for (relative, mapping) in [
                (
                    "catalogs/myntra-products/myntra_products_catalog.csv",
                    Some("myntra-products.toml"),
                ),
                (
                    "catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv",
                    Some("datafiniti-womens-shoes-jun19.toml"),
                ),
                (
                    "catalogs/datafiniti-womens-shoes/womens_shoes_2018_products.csv",
                    Some("datafiniti-womens-shoes-2018.toml"),
                ),
                ("feeds/seed-edit.awin.csv", None),
            ] {
                let Some(path) = test_support::shared_data(relative) else {
                    continue;
                };
                // The first 40 lines are enough rows to mutate, and keep each case fast.
                let text = std::fs::read(&path).unwrap();
                let head: Vec<u8> = text
                    .split_inclusive(|&b| b == b'\n')
                    .take(40)
                    .flatten()
                    .copied()
                    .collect();
                let options = FeedOptions {
                    mapping: mapping.map(test_support::shipped_mapping),
                    ..gbp.clone()
                };
                seeds.push((relative.to_string(), head, options));
            }
            seeds
        })
    }

    #[test]
    fn every_seed_reads_to_its_end() {
        for (name, bytes, options) in seeds() {
            let reader = test_support::open_reader(
                name,
                Box::new(std::io::Cursor::new(bytes.clone())),
                options,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let rows: Vec<FeedRow> = test_support::rows(reader);
            assert!(
                !test_support::records(&rows).is_empty(),
                "{name}: no record"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn mutated_seeds_of_every_format_never_panic(
            seed in proptest::prelude::any::<proptest::sample::Index>(),
            line in proptest::prelude::any::<usize>(),
            op in 0u8..6,
            junk in "(,|\t|\"|\\{|\\}|<|>|:|/|\\PC){0,16}",
        ) {
            let seeds = seeds();
            let (_, bytes, options) = &seeds[seed.index(seeds.len())];
            test_support::check_never_panics_with(
                test_support::mutate(bytes, line, op, junk.as_bytes()),
                options,
            );
        }

        #[test]
        fn random_bytes_through_detection_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            prefix in 0usize..5,
        ) {
            let heads: [&[u8]; 5] = [
                b"",
                b"{\"products\":[",
                b"<rss><channel><item>",
                b"id\ttitle\tprice\tavailability\n",
                b"aw_product_id,product_name,search_price\n",
            ];
            let mut input = heads[prefix].to_vec();
            input.extend_from_slice(&bytes);
            test_support::check_never_panics(input, None);
        }
    }

    #[test]
    fn feed_reader_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<FeedReader>();
        assert_send::<FeedProgress>();
    }
}
