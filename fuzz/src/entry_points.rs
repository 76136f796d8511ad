//! The byte entry points Pointe reads untrusted files through, each with the invariants that
//! hold whatever the bytes: the fuzz targets (`fuzz/fuzz_targets/`) and the property tests that
//! run in CI (`crates/pointe-core/tests/fuzz_entry_points.rs`) both call these, so a case found
//! by one is checked by the other.
//!
//! Invariants: no panic; every rejected row and every warning has a reason; every record has an
//! id and a title within the record bounds (no word over 100 characters, no control
//! characters); an error from a feed ends it; an error names the file.

use std::io::Write;
use std::path::Path;

use pointe_core::feed::{FeedFormat, FeedOptions, FeedRow, Mapping, open_feed_bytes};
use pointe_core::money::Currency;
use pointe_core::trends::{ImportOptions, read_trend_file};

/// A feed entry point: the format it is opened as (`None`: detected) and a valid start, so
/// that the bytes after it reach the rows.
#[derive(Debug, Clone, Copy)]
pub struct FeedEntry {
    /// Name of the fuzz target.
    pub name: &'static str,
    /// The format named, or `None` to detect it.
    pub format: Option<FeedFormat>,
    /// Bytes put before the fuzzed ones.
    pub prefix: &'static [u8],
}

/// The feed entry points: one per format and layout.
pub const FEEDS: [FeedEntry; 9] = [
    FeedEntry {
        name: "feed_detect",
        format: None,
        prefix: b"",
    },
    FeedEntry {
        name: "feed_gmc_tsv",
        format: Some(FeedFormat::GmcTsv),
        prefix: b"id\ttitle\tdescription\tprice\tsale_price\tavailability\tlink\tgtin\tsize\tcolor\n",
    },
    FeedEntry {
        name: "feed_gmc_csv",
        format: Some(FeedFormat::GmcCsv),
        prefix: b"id,title,description,price,sale_price,availability,link,gtin,size,color\n",
    },
    FeedEntry {
        name: "feed_gmc_rss",
        format: Some(FeedFormat::GmcXml),
        prefix: b"<?xml version=\"1.0\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel><title>Shop</title>\n",
    },
    FeedEntry {
        name: "feed_gmc_atom",
        format: Some(FeedFormat::GmcXml),
        prefix: b"<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:g=\"http://base.google.com/ns/1.0\"><title>Shop</title>\n",
    },
    FeedEntry {
        name: "feed_awin_publisher",
        format: Some(FeedFormat::Awin),
        prefix: b"aw_product_id,merchant_name,product_name,search_price,rrp_price,currency,in_stock,ean,merchant_deep_link\n",
    },
    FeedEntry {
        name: "feed_awin_advertiser",
        format: Some(FeedFormat::Awin),
        prefix: b"product_id,product_name,price,rrp_price,currency,deep_link,image_url,in_stock,stock_quantity\n",
    },
    FeedEntry {
        name: "feed_shopify",
        format: Some(FeedFormat::Shopify),
        prefix: b"{\"products\":[",
    },
    FeedEntry {
        name: "feed_mapped",
        format: Some(FeedFormat::Mapped),
        prefix: b"sku,name,cost,was,stock,seen,sizes\n",
    },
];

/// The mapping the `feed_mapped` entry reads through: every kind of column (split, prefix,
/// dated observations) and grouped rows.
const MAPPING: &str = "group_rows_by = \"sku\"\n[columns]\nid = \"sku\"\ntitle = \"name\"\n\
    price = \"cost\"\nwas_price = { column = \"was\", prefix = \"Was \" }\n\
    availability = \"stock\"\nobserved_at = { column = \"seen\", split = \",\" }\n\
    size = { column = \"sizes\", split = \"|\" }\n[constants]\ncurrency = \"GBP\"\n";

/// The entry named `name`.
pub fn feed_entry(name: &str) -> FeedEntry {
    *FEEDS
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no feed entry {name}"))
}

/// Opens `prefix + data` as the entry's feed, reads every row, and checks the invariants.
pub fn check_feed(entry: &FeedEntry, data: &[u8]) {
    let mut bytes = entry.prefix.to_vec();
    bytes.extend_from_slice(data);
    let options = FeedOptions {
        format: entry.format,
        currency: Currency::from_code("GBP"),
        mapping: (entry.format == Some(FeedFormat::Mapped))
            .then(|| Mapping::parse(MAPPING, "fuzz.toml").expect("the fuzz mapping is valid")),
        ..FeedOptions::default()
    };
    let name = Path::new("fuzz.feed");
    let reader = match open_feed_bytes(name, bytes, &options) {
        Ok(reader) => reader,
        Err(e) => {
            assert!(e.to_string().starts_with("fuzz.feed"), "unnamed error: {e}");
            return;
        }
    };
    for w in reader.header_warnings() {
        assert!(!w.reason.trim().is_empty(), "empty header warning: {w:?}");
    }
    let mut reader = reader;
    while let Some(row) = reader.next() {
        match row {
            Ok(FeedRow::Rejected(issue)) => {
                assert!(!issue.reason.trim().is_empty(), "empty reason: {issue:?}");
            }
            Ok(FeedRow::Record(rec)) => check_record(&rec),
            Err(e) => {
                assert!(e.to_string().starts_with("fuzz.feed"), "unnamed error: {e}");
                assert!(reader.next().is_none(), "rows after a whole-file error");
                return;
            }
        }
    }
}

fn check_record(rec: &pointe_core::feed::FeedRecord) {
    assert!(!rec.item_id.trim().is_empty(), "no id: {rec:?}");
    assert!(!rec.title.trim().is_empty(), "no title: {rec:?}");
    assert!(rec.title.chars().count() <= 500, "title past its bound");
    for text in std::iter::once(&rec.title).chain(rec.description.iter()) {
        assert!(
            text.split_whitespace().all(|w| w.chars().count() <= 100),
            "a word past its bound in {text:?}"
        );
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "a control character in {text:?}"
        );
    }
    for w in &rec.warnings {
        assert!(!w.reason.trim().is_empty(), "empty warning: {w:?}");
        assert!(w.item.is_some(), "a warning without its item: {w:?}");
    }
}

/// A trend entry point: a layout's start, so that the bytes after it reach its rows.
#[derive(Debug, Clone, Copy)]
pub struct TrendEntry {
    /// Name of the fuzz target.
    pub name: &'static str,
    /// Bytes put before the fuzzed ones.
    pub prefix: &'static [u8],
}

/// The trend entry points: one per layout `pointe trends import` reads.
pub const TRENDS: [TrendEntry; 7] = [
    TrendEntry {
        name: "trend_google_classic",
        prefix: b"Category: All categories\n\nWeek,balletcore: (United States)\n",
    },
    TrendEntry {
        name: "trend_google_quoted",
        prefix: b"\"Time\",\"Balletcore\"\n",
    },
    TrendEntry {
        name: "trend_google_related",
        prefix: b"Category: All categories\n\n\"balletcore: (1/1/23 - 12/31/23, Worldwide)\"\n\nTOP\n",
    },
    TrendEntry {
        name: "trend_pytrends",
        prefix: b"date,balletcore,coquette,isPartial\n",
    },
    TrendEntry {
        name: "trend_pinterest",
        prefix: b"\"Pinterest Trends tool \xE2\x80\x93 Top trends\"\nSelected Filters\nRegion,United Kingdom\nRank,Trend,Weekly change,Monthly change,Yearly change,2024-04-07,2024-04-14\n",
    },
    TrendEntry {
        name: "trend_term_date_value",
        prefix: b"term,date,value\n",
    },
    TrendEntry {
        name: "trend_long",
        prefix: b"trend_id,source,week,raw_signal\n",
    },
];

/// The entry named `name`.
pub fn trend_entry(name: &str) -> TrendEntry {
    *TRENDS
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no trend entry {name}"))
}

/// Reads `prefix + data` as a trend export and checks the invariants. The trend parser reads
/// files, so the bytes go through a temporary file.
pub fn check_trend(entry: &TrendEntry, data: &[u8]) {
    let mut file = tempfile::Builder::new()
        .prefix("fuzz-trend")
        .suffix(".csv")
        .tempfile()
        .expect("a temporary file");
    file.write_all(entry.prefix).expect("written");
    file.write_all(data).expect("written");
    file.flush().expect("flushed");
    let path = file.path().to_path_buf();
    match read_trend_file(&path, &ImportOptions::default()) {
        Ok(trends) => {
            for series in &trends.series {
                assert!(!series.term.trim().is_empty(), "a series without a term");
                assert!(
                    series.points.iter().all(|p| p.value.is_finite()),
                    "a value that is not a number in {}",
                    series.term
                );
            }
        }
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.starts_with(&path.display().to_string()),
                "unnamed error: {text}"
            );
        }
    }
}
