//! Awin affiliate feeds: the publisher download (one CSV, many merchants) and an advertiser's
//! own product feed (the CSV a merchant uploads to Awin).
//!
//! Columns are found by name (case-insensitive) and any optional one may be missing. The
//! delimiter is read from the header row: comma, or tab, `|` or `;` when the header holds more
//! of those (Awin takes all four). The two layouts name some fields differently; each field
//! below lists its names, the first present being read. Two columns of one field (`deep_link`
//! and `product_url`, or `price` twice) leave a header warning. Rules:
//!
//! - item id: `aw_product_id`, else `merchant_product_id` / `product_id`; title:
//!   `product_name`; both required.
//! - price: `search_price` / `price`, required, in the row's `currency` (else `--currency`).
//!   When `rrp_price` (or else `store_price`) is higher, that is the regular price and the
//!   selling price is the sale price. A zero RRP means none; an unreadable one is ignored with
//!   a warning.
//! - availability: `in_stock` (`1`/`0`, `yes`/`no` …), with `stock_status`, then
//!   `stock_quantity` (more than zero is in stock) as fallbacks. When the file has **none of
//!   these columns**, every row is taken as in stock; when it has one and a row leaves it empty
//!   or unreadable, the row is rejected.
//! - link: `merchant_deep_link` / `deep_link` / `product_url` (the retailer's page), else
//!   `aw_deep_link`; images: `merchant_image_url` / `image_url` (else `aw_image_url`), then
//!   `large_image` and `alternate_image*`.
//! - GTIN: the first valid of `product_GTIN`, `ean`, `upc`, `isbn`; invalid ones (such as
//!   spreadsheet floats `8.86742E+11`) are dropped with a warning.
//! - retailer: `merchant_name` (publisher feeds); an advertiser's feed names none, so its
//!   retailer is `--retailer`, else the file name.
//!
//! Detected without a mapping: a publisher feed by `aw_product_id`, or `merchant_name`,
//! `product_name` and `search_price`; an advertiser feed by `product_id`, `product_name`,
//! `price` and `deep_link` or `product_url`. `line` is the line where the row starts in the
//! file; fields in issues are named as the header writes them.

use crate::domain::Availability;
use crate::money::{Currency, MoneyError, parse_price};
use crate::{Error, Result};

use super::delimited::{Delimited, Next};
use super::gmc_tsv::found_columns;
use super::record::{
    RowCheck, clean, extend_unique, money_reason, split_list, unknown_availability,
};
use super::source::Source;
use super::{FeedRecord, FeedRow, RowIssue};

/// The Awin columns Pointe reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    AwProductId,
    MerchantProductId,
    MerchantName,
    BrandName,
    ProductName,
    Description,
    ProductShortDescription,
    SearchPrice,
    StorePrice,
    RrpPrice,
    Currency,
    AwDeepLink,
    MerchantDeepLink,
    MerchantImageUrl,
    AwImageUrl,
    LargeImage,
    AlternateImage,
    AlternateImageTwo,
    AlternateImageThree,
    AlternateImageFour,
    InStock,
    StockStatus,
    StockQuantity,
    Colour,
    Material,
    Size,
    SuitableFor,
    Pattern,
    ProductGtin,
    Ean,
    Upc,
    Isbn,
    Mpn,
    MerchantCategory,
    CategoryName,
    ProductType,
    ItemGroup,
    ParentProductId,
    Condition,
}

const COL_COUNT: usize = 39;

/// Header names (lower case) of each column, in `Col` order, the preferred first.
const NAMES: [(Col, &[&str]); COL_COUNT] = [
    (Col::AwProductId, &["aw_product_id"]),
    (
        Col::MerchantProductId,
        &["merchant_product_id", "product_id"],
    ),
    (Col::MerchantName, &["merchant_name"]),
    (Col::BrandName, &["brand_name"]),
    (Col::ProductName, &["product_name"]),
    (Col::Description, &["description"]),
    (Col::ProductShortDescription, &["product_short_description"]),
    (Col::SearchPrice, &["search_price", "price"]),
    (Col::StorePrice, &["store_price"]),
    (Col::RrpPrice, &["rrp_price"]),
    (Col::Currency, &["currency"]),
    (Col::AwDeepLink, &["aw_deep_link"]),
    (
        Col::MerchantDeepLink,
        &["merchant_deep_link", "deep_link", "product_url", "link"],
    ),
    (Col::MerchantImageUrl, &["merchant_image_url", "image_url"]),
    (Col::AwImageUrl, &["aw_image_url"]),
    (Col::LargeImage, &["large_image"]),
    (Col::AlternateImage, &["alternate_image"]),
    (Col::AlternateImageTwo, &["alternate_image_two"]),
    (Col::AlternateImageThree, &["alternate_image_three"]),
    (Col::AlternateImageFour, &["alternate_image_four"]),
    (Col::InStock, &["in_stock"]),
    (Col::StockStatus, &["stock_status"]),
    (Col::StockQuantity, &["stock_quantity"]),
    (Col::Colour, &["colour"]),
    (Col::Material, &["fashion:material"]),
    (Col::Size, &["fashion:size"]),
    (Col::SuitableFor, &["fashion:suitable_for"]),
    (Col::Pattern, &["fashion:pattern"]),
    (Col::ProductGtin, &["product_gtin"]),
    (Col::Ean, &["ean"]),
    (Col::Upc, &["upc"]),
    (Col::Isbn, &["isbn"]),
    (Col::Mpn, &["mpn"]),
    (Col::MerchantCategory, &["merchant_category"]),
    (Col::CategoryName, &["category_name"]),
    (Col::ProductType, &["product_type"]),
    (Col::ItemGroup, &["item_group"]),
    (Col::ParentProductId, &["parent_product_id"]),
    (Col::Condition, &["condition"]),
];

impl Col {
    /// The column a header name holds, and how preferred that name is (0 first).
    fn from_header(raw: &str) -> Option<(Col, usize)> {
        let lower = raw.trim().to_ascii_lowercase();
        NAMES.iter().find_map(|(c, names)| {
            names
                .iter()
                .position(|n| *n == lower)
                .map(|rank| (*c, rank))
        })
    }
}

/// Whether a header row (already split) is an Awin one: a publisher feed has `aw_product_id`,
/// or all of `merchant_name`, `product_name` and `search_price`; an advertiser's feed has
/// `product_id`, `product_name`, `price` and `deep_link` or `product_url`.
pub(crate) fn is_awin_header<'a>(names: impl IntoIterator<Item = &'a str>) -> bool {
    let names: Vec<String> = names
        .into_iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    has("aw_product_id")
        || (has("merchant_name") && has("product_name") && has("search_price"))
        || (has("product_id")
            && has("product_name")
            && has("price")
            && (has("deep_link") || has("product_url")))
}

/// The delimiter of an Awin header line: `,` unless tabs, pipes or semicolons outnumber commas.
pub(crate) fn delimiter_of(header: &[u8]) -> u8 {
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    let commas = count(b',');
    [b'\t', b'|', b';']
        .into_iter()
        .map(|d| (d, count(d)))
        .filter(|&(_, n)| n > commas)
        .max_by_key(|&(_, n)| n)
        .map_or(b',', |(d, _)| d)
}

/// Where a column is in the file: its index, its name as written, and its name's rank.
type Found = Option<(usize, String, usize)>;

/// The rows of an Awin feed.
pub(crate) struct AwinRows {
    table: Delimited,
    /// For each column of `Col`, its index in the file and its name as written.
    index: [Option<(usize, String)>; COL_COUNT],
    currency: Option<Currency>,
    header_warnings: Vec<RowIssue>,
    done: bool,
}

impl AwinRows {
    /// Reads and checks the header row.
    pub(crate) fn open(source: Source, currency: Option<Currency>) -> Result<AwinRows> {
        let delimiter = delimiter_of(source.first_line());
        let table = Delimited::open(source, delimiter)?;
        let (found, header_warnings) = find_columns(table.headers(), table.header_line());
        let index = found.map(|f| f.map(|(i, name, _)| (i, name)));
        let missing = if index[Col::AwProductId as usize].is_none()
            && index[Col::MerchantProductId as usize].is_none()
        {
            Some("aw_product_id`, `merchant_product_id` or `product_id")
        } else if index[Col::ProductName as usize].is_none() {
            Some("product_name")
        } else if index[Col::SearchPrice as usize].is_none() {
            Some("search_price` or `price")
        } else {
            None
        };
        if let Some(missing) = missing {
            return Err(Error::bad_file(
                table.path(),
                Some(table.header_line()),
                format!(
                    "the header has no `{missing}` column; an Awin feed needs an item id, product_name and a price (found: {})",
                    found_columns(table.headers())
                ),
            ));
        }
        Ok(AwinRows {
            table,
            index,
            currency,
            header_warnings,
            done: false,
        })
    }

    /// The header's warnings (two columns of one field), taken once.
    pub(crate) fn take_header_warnings(&mut self) -> Vec<RowIssue> {
        std::mem::take(&mut self.header_warnings)
    }
}

/// Finds each column in the header: the most preferred name wins, the first copy of a name
/// repeated; every other column of the same field leaves a warning.
fn find_columns(headers: &[String], line: u64) -> ([Found; COL_COUNT], Vec<RowIssue>) {
    let mut found: [Found; COL_COUNT] = std::array::from_fn(|_| None);
    let mut warnings = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        let Some((col, rank)) = Col::from_header(name) else {
            continue;
        };
        let slot = &mut found[col as usize];
        let (kept, dropped) = match slot.take() {
            None => {
                *slot = Some((i, name.clone(), rank));
                continue;
            }
            Some(old) if old.2 <= rank => (old, (i, name.clone(), rank)),
            Some(old) => ((i, name.clone(), rank), old),
        };
        warnings.push(RowIssue {
            line,
            item: None,
            field: Some(dropped.1.clone()),
            reason: format!(
                "the header has two columns for one field: `{}` (column {}) and `{}` (column {}); `{}` is read",
                kept.1,
                kept.0 + 1,
                dropped.1,
                dropped.0 + 1,
                kept.1
            ),
        });
        *slot = Some(kept);
    }
    (found, warnings)
}

/// One row's fields, looked up by column.
struct Row<'a> {
    fields: &'a [&'a str],
    index: &'a [Option<(usize, String)>; COL_COUNT],
}

impl Row<'_> {
    /// The column's trimmed value, `None` when absent or blank.
    fn get(&self, col: Col) -> Option<&str> {
        let (i, _) = self.index[col as usize].as_ref()?;
        let value = self.fields.get(*i)?.trim();
        (!value.is_empty()).then_some(value)
    }

    fn text(&self, col: Col) -> Option<String> {
        self.get(col).and_then(clean)
    }

    /// The column's name as the header writes it (its preferred name when absent).
    fn name(&self, col: Col) -> &str {
        match &self.index[col as usize] {
            Some((_, name)) => name,
            None => NAMES[col as usize].1[0],
        }
    }

    fn has_column(&self, col: Col) -> bool {
        self.index[col as usize].is_some()
    }
}

fn build(row: &Row<'_>, line: u64, feed_currency: Option<Currency>) -> FeedRow {
    let mut check = RowCheck::new(line);
    let Some(item_id) = row
        .text(Col::AwProductId)
        .or_else(|| row.text(Col::MerchantProductId))
    else {
        let field = if row.has_column(Col::AwProductId) {
            row.name(Col::AwProductId)
        } else {
            row.name(Col::MerchantProductId)
        };
        return check.reject(
            field,
            "an item id is required: aw_product_id and merchant_product_id are both empty",
        );
    };
    check.item(&item_id);
    let Some(title) = row.text(Col::ProductName) else {
        let field = row.name(Col::ProductName);
        return check.reject(field, format!("{field} is required"));
    };

    let currency = match row.get(Col::Currency) {
        Some(code) => match Currency::from_code(code) {
            Some(c) => Some(c),
            None => {
                return check.reject(
                    row.name(Col::Currency),
                    MoneyError::UnknownCurrency(code.to_string()).to_string(),
                );
            }
        },
        None => feed_currency,
    };
    let search_field = row.name(Col::SearchPrice);
    let Some(search_text) = row.get(Col::SearchPrice) else {
        return check.reject(search_field, format!("{search_field} is required"));
    };
    let search = match parse_price(search_text, currency) {
        Ok(m) => m,
        Err(e) => return check.reject(search_field, money_reason(&e)),
    };
    let mut regular = None;
    for col in [Col::RrpPrice, Col::StorePrice] {
        let Some(text) = row.get(col) else { continue };
        match parse_price(text, Some(search.currency)) {
            Ok(m) if m.minor > search.minor => {
                regular = Some(m);
                break;
            }
            Ok(_) | Err(MoneyError::NotPositive(_)) => {}
            Err(e) => {
                let field = row.name(col).to_string();
                check.warn(&field, format!("{}; ignored", money_reason(&e)));
            }
        }
    }
    let (price, sale_price) = match regular {
        Some(r) => (r, Some(search)),
        None => (search, None),
    };

    let availability = match availability(row, &check) {
        Ok(a) => a,
        Err(rejected) => return rejected,
    };

    let mut link = check.url(
        row.name(Col::MerchantDeepLink),
        row.get(Col::MerchantDeepLink),
    );
    if link.is_none() {
        link = check.url(row.name(Col::AwDeepLink), row.get(Col::AwDeepLink));
    }
    let mut image_links = Vec::new();
    let main = check
        .url(
            row.name(Col::MerchantImageUrl),
            row.get(Col::MerchantImageUrl),
        )
        .or_else(|| check.url(row.name(Col::AwImageUrl), row.get(Col::AwImageUrl)));
    image_links.extend(main);
    for col in [
        Col::LargeImage,
        Col::AlternateImage,
        Col::AlternateImageTwo,
        Col::AlternateImageThree,
        Col::AlternateImageFour,
    ] {
        if let Some(value) = row.get(col) {
            let urls = check.urls(row.name(col), value);
            extend_unique(&mut image_links, urls);
        }
    }
    let mut gtin = None;
    for col in [Col::ProductGtin, Col::Ean, Col::Upc, Col::Isbn] {
        if gtin.is_some() {
            break;
        }
        gtin = check.gtin(row.name(col), row.get(col));
    }

    FeedRow::Record(Box::new(FeedRecord {
        line,
        item_id,
        title,
        description: row
            .text(Col::Description)
            .or_else(|| row.text(Col::ProductShortDescription)),
        brand: row.text(Col::BrandName),
        retailer: row.text(Col::MerchantName),
        link,
        image_links,
        price,
        sale_price,
        availability,
        gtin,
        mpn: row.text(Col::Mpn),
        condition: row.text(Col::Condition),
        google_product_category: None,
        product_type: row
            .text(Col::MerchantCategory)
            .or_else(|| row.text(Col::CategoryName))
            .or_else(|| row.text(Col::ProductType)),
        item_group_id: row
            .text(Col::ItemGroup)
            .or_else(|| row.text(Col::ParentProductId)),
        colours: row
            .get(Col::Colour)
            .map(|v| split_list(v, '/'))
            .unwrap_or_default(),
        sizes: row
            .get(Col::Size)
            .map(|v| split_list(v, ','))
            .unwrap_or_default(),
        gender: row.text(Col::SuitableFor),
        age_group: None,
        materials: row
            .get(Col::Material)
            .map(|v| split_list(v, '/'))
            .unwrap_or_default(),
        pattern: row.text(Col::Pattern),
        warnings: check.warnings,
        observations: Vec::new(),
    }))
}

/// A row's availability from `in_stock`, `stock_status`, then `stock_quantity`; in stock when
/// the file has none of them; the row rejected when it has one and the row says nothing
/// readable.
fn availability(row: &Row<'_>, check: &RowCheck) -> std::result::Result<Availability, FeedRow> {
    const COLUMNS: [Col; 3] = [Col::InStock, Col::StockStatus, Col::StockQuantity];
    if !COLUMNS.iter().any(|&c| row.has_column(c)) {
        return Ok(Availability::InStock);
    }
    let stated: Vec<(Col, &str)> = COLUMNS
        .into_iter()
        .filter_map(|c| row.get(c).map(|v| (c, v)))
        .collect();
    let read = |col: Col, value: &str| match col {
        Col::StockQuantity => value.parse::<i64>().ok().map(|n| {
            if n > 0 {
                Availability::InStock
            } else {
                Availability::OutOfStock
            }
        }),
        _ => Availability::parse(value),
    };
    if let Some(a) = stated.iter().find_map(|&(c, v)| read(c, v)) {
        return Ok(a);
    }
    Err(match stated.first() {
        Some((col, value)) => check.reject(row.name(*col), unknown_availability(value)),
        None => {
            let col = COLUMNS
                .into_iter()
                .find(|&c| row.has_column(c))
                .unwrap_or(Col::InStock);
            check.reject(
                row.name(col),
                "availability is empty (in_stock, stock_status and stock_quantity say nothing)",
            )
        }
    })
}

impl Iterator for AwinRows {
    type Item = Result<FeedRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.table.next_record() {
            Ok(Some(Next::Row(line, fields))) => {
                let row = Row {
                    fields: &fields,
                    index: &self.index,
                };
                Some(Ok(build(&row, line, self.currency)))
            }
            Ok(Some(Next::Rejected(issue))) => Some(Ok(FeedRow::Rejected(issue))),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use flate2::Compression;
    use flate2::write::GzEncoder;
    use proptest::prelude::*;

    use super::super::test_support::{
        check_never_panics, fixture, money, mutate, open_bytes, records, rejected, rows,
    };
    use super::super::{FeedFormat, FeedOptions, FeedRecord, RowIssue, open_feed};
    use super::*;
    use crate::gtin::{Gtin, GtinError};

    fn open_csv(text: &str) -> crate::Result<super::super::FeedReader> {
        open_bytes("t.csv", text.as_bytes().to_vec(), None, None)
    }

    #[test]
    fn bad_rows_fixture_reads_to_exact_records_and_rejections() {
        let reader = open_feed(&fixture("bad-rows.awin.csv"), &FeedOptions::default()).unwrap();
        assert_eq!(reader.format(), FeedFormat::Awin);
        let rows = rows(reader);
        assert_eq!(rows.len(), 6, "{rows:#?}");

        assert_eq!(
            rejected(&rows),
            vec![
                &RowIssue {
                    line: 4,
                    item: Some("aw-1002".into()),
                    field: Some("search_price".into()),
                    reason: parse_price("N/A", Currency::from_code("GBP"))
                        .unwrap_err()
                        .to_string(),
                },
                &RowIssue {
                    line: 5,
                    item: Some("aw-1003".into()),
                    field: Some("product_name".into()),
                    reason: "product_name is required".into(),
                },
            ]
        );

        let recs = records(&rows);
        assert_eq!(recs.len(), 4);
        assert_eq!(
            *recs[0],
            FeedRecord {
                line: 2,
                item_id: "aw-1001".into(),
                title: "Bow leather ballerina".into(),
                description: Some(
                    "Leather ballerina flats with a bow detail.\nAlso available in black.".into()
                ),
                brand: Some("Mango".into()),
                retailer: Some("Mango".into()),
                link: Some("https://shop.example/mango/bow-leather-ballerina".into()),
                image_links: vec!["https://shop.example/img/mango/MNG-67040591.jpg".into()],
                price: money(3600, "GBP"),
                sale_price: None,
                availability: Availability::InStock,
                gtin: Some(Gtin::parse("8412345678905").unwrap()),
                mpn: None,
                condition: None,
                google_product_category: None,
                product_type: Some("Woman > Shoes > Ballerinas".into()),
                item_group_id: Some("MNG-670".into()),
                colours: vec!["Red".into()],
                sizes: vec!["36".into(), "37".into(), "38".into(), "39".into()],
                gender: Some("Women".into()),
                age_group: None,
                materials: vec!["Leather".into()],
                pattern: None,
                warnings: vec![],
                observations: Vec::new(),
            }
        );

        // A javascript: retailer link is dropped with a warning; Awin's link stands in.
        let porte = recs[1];
        assert_eq!(porte.line, 6);
        assert_eq!(porte.retailer.as_deref(), Some("Porte & Paire"));
        assert_eq!(
            porte.link.as_deref(),
            Some("https://shop.example/awin/click?id=aw-1004")
        );
        assert_eq!(
            porte.warnings,
            vec![RowIssue {
                line: 6,
                item: Some("aw-1004".into()),
                field: Some("merchant_deep_link".into()),
                reason: "merchant_deep_link \"javascript:void(0)\" is not an http(s) URL; dropped"
                    .into(),
            }]
        );
        assert_eq!(
            porte.availability,
            Availability::InStock,
            "from stock_status"
        );

        // A GTIN that went through a spreadsheet as a float is dropped; a zero RRP is no RRP.
        let tabi = recs[2];
        assert_eq!(tabi.line, 7);
        assert_eq!(tabi.gtin, None);
        assert_eq!(
            tabi.warnings,
            vec![RowIssue {
                line: 7,
                item: Some("aw-1005".into()),
                field: Some("ean".into()),
                reason: format!("{}; dropped", GtinError::NotDigits("8.86742E+11".into())),
            }]
        );
        assert_eq!(tabi.price, money(58000, "GBP"));
        assert_eq!(tabi.sale_price, None);
        assert_eq!(
            tabi.image_links,
            vec!["https://shop.example/awin/img/aw-1005.jpg"]
        );

        // RRP above the search price: the RRP is the price, the search price the sale.
        let repetto = recs[3];
        assert_eq!(repetto.line, 8);
        assert_eq!(repetto.price, money(24000, "GBP"));
        assert_eq!(repetto.sale_price, Some(money(18000, "GBP")));
        assert_eq!(repetto.availability, Availability::OutOfStock);
        assert_eq!(repetto.gtin, Some(Gtin::parse("3760123456784").unwrap()));
        assert_eq!(repetto.sizes, vec!["37", "38"]);
        assert!(repetto.warnings.is_empty());
    }

    fn write_gzip(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, enc.finish().unwrap()).unwrap();
        path
    }

    #[test]
    fn gzip_is_detected_from_bytes_and_progress_reaches_the_size() {
        let dir = tempfile::tempdir().unwrap();
        let plain = std::fs::read(fixture("small.awin.csv")).unwrap();
        // No .gz in the name: detection is from the magic bytes.
        let path = write_gzip(dir.path(), "small.feed", &plain);
        let size = std::fs::metadata(&path).unwrap().len();
        let mut reader = open_feed(&path, &FeedOptions::default()).unwrap();
        assert_eq!(reader.format(), FeedFormat::Awin);
        assert_eq!(reader.total_bytes(), Some(size));
        let progress = reader.progress();
        let mut rows = Vec::new();
        for row in reader.by_ref() {
            rows.push(row.unwrap());
        }
        assert_eq!(reader.bytes_read(), size);
        assert_eq!(progress.bytes_read(), size);
        let recs = records(&rows);
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].item_id, "aw-2001");
        assert_eq!(recs[0].retailer.as_deref(), Some("Miu Miu"));
        assert_eq!(recs[0].price, money(58000, "GBP"));
        assert_eq!(recs[2].title, "Bow-embellished leather ballet flats");
        // The file has neither in_stock nor stock_status: every row is taken as in stock.
        assert!(recs.iter().all(|r| r.availability == Availability::InStock));
    }

    #[test]
    fn truncated_gzip_is_an_error_from_the_iterator_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let plain = std::fs::read(fixture("small.awin.csv")).unwrap();
        let full = std::fs::read(write_gzip(dir.path(), "full.gz", &plain)).unwrap();
        for cut in [full.len() - 4, full.len() - 12, full.len() * 2 / 3] {
            let path = dir.path().join(format!("cut-{cut}.csv.gz"));
            std::fs::write(&path, &full[..cut]).unwrap();
            let reader = open_feed(&path, &FeedOptions::default())
                .unwrap_or_else(|e| panic!("cut at {cut}: the header should open: {e}"));
            let results: Vec<_> = reader.collect();
            let last = results.last().expect("at least the error");
            let err = last
                .as_ref()
                .expect_err("the last item must be the error")
                .to_string();
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert!(err.contains("gzip data ends early or is corrupt"), "{err}");
            assert!(results[..results.len() - 1].iter().all(|r| r.is_ok()));
        }
        // Cut inside the header: opening fails, still naming the file.
        let path = dir.path().join("stub.gz");
        std::fs::write(&path, &full[..14]).unwrap();
        let err = open_feed(&path, &FeedOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("stub.gz"), "{err}");
    }

    #[test]
    fn missing_required_column_is_a_whole_file_error() {
        let err = open_bytes(
            "t.csv",
            b"aw_product_id,product_name,cost\n1,A,1\n".to_vec(),
            Some(FeedFormat::Awin),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no `search_price` or `price` column"), "{err}");
    }

    #[test]
    fn availability_columns_present_but_empty_reject_the_row() {
        let rows = rows(
            open_csv(
                "aw_product_id,product_name,search_price,currency,in_stock\n\
                 1,A,10.00,GBP,\n\
                 2,B,10.00,GBP,maybe\n\
                 3,C,10.00,GBP,no\n",
            )
            .unwrap(),
        );
        let rej = rejected(&rows);
        assert_eq!(rej.len(), 2);
        assert_eq!(
            (rej[0].line, rej[0].field.as_deref()),
            (2, Some("in_stock"))
        );
        assert_eq!(
            (rej[1].line, rej[1].field.as_deref()),
            (3, Some("in_stock"))
        );
        assert!(rej[1].reason.contains("\"maybe\""));
        assert_eq!(records(&rows)[0].availability, Availability::OutOfStock);
    }

    #[test]
    fn currency_comes_from_the_row_else_the_options() {
        let text = "aw_product_id,product_name,search_price,currency\n1,A,1.50,EUR\n2,B,2.50,\n3,C,3,XXQ\n";
        let rows =
            rows(open_bytes("t.csv", text.into(), None, Currency::from_code("GBP")).unwrap());
        let recs = records(&rows);
        assert_eq!(recs[0].price, money(150, "EUR"));
        assert_eq!(recs[1].price, money(250, "GBP"));
        let rej = rejected(&rows);
        assert_eq!(rej[0].field.as_deref(), Some("currency"));
        assert_eq!(
            rej[0].reason,
            MoneyError::UnknownCurrency("XXQ".into()).to_string()
        );

        // Neither a currency column value nor --currency: the price names no currency.
        let bare = super::super::test_support::rows(
            open_csv("aw_product_id,product_name,search_price\n1,A,1.50\n").unwrap(),
        );
        assert_eq!(rejected(&bare)[0].field.as_deref(), Some("search_price"));
    }

    #[test]
    fn tab_and_pipe_delimited_exports_are_read() {
        for sep in ["\t", "|"] {
            let text = [
                "aw_product_id",
                "merchant_name",
                "product_name",
                "search_price",
                "currency",
            ]
            .join(sep)
                + "\n"
                + &["9", "Arket", "Leather Ballet Flat", "135.00", "GBP"].join(sep)
                + "\n";
            let reader = open_csv(&text).unwrap();
            assert_eq!(reader.format(), FeedFormat::Awin);
            let rows = rows(reader);
            assert_eq!(records(&rows)[0].price, money(13500, "GBP"), "{sep:?}");
        }
    }

    #[test]
    fn merchant_product_id_stands_in_for_aw_product_id() {
        let rows = rows(
            open_csv(
                "aw_product_id,merchant_product_id,product_name,search_price,currency\n\
                 ,M-1,A,1,GBP\n\
                 ,,B,1,GBP\n",
            )
            .unwrap(),
        );
        assert_eq!(records(&rows)[0].item_id, "M-1");
        assert_eq!(rejected(&rows)[0].field.as_deref(), Some("aw_product_id"));
    }

    /// The real seed feed, when the shared data is present.
    #[test]
    fn seed_feed_reads_to_eight_records() {
        let Some(path) = crate::test_support::shared_data("feeds/seed-edit.awin.csv") else {
            return;
        };
        let reader = open_feed(&path, &FeedOptions::default()).unwrap();
        assert_eq!(reader.format(), FeedFormat::Awin);
        let rows = rows(reader);
        assert!(rejected(&rows).is_empty(), "{rows:#?}");
        let recs = records(&rows);
        assert_eq!(recs.len(), 8);
        let ms = recs.iter().find(|r| r.item_id == "seed-004").unwrap();
        assert_eq!(ms.title, "Leather Bow Ballet Pumps");
        assert_eq!(ms.brand.as_deref(), Some("M&S"));
        assert_eq!(ms.retailer.as_deref(), Some("Marks & Spencer"));
        assert_eq!(ms.price, money(3500, "GBP"));
        assert_eq!(ms.sale_price, None);
        assert_eq!(ms.availability, Availability::InStock);
        assert_eq!(
            ms.link.as_deref(),
            Some("https://shop.example/marks-and-spencer/leather-bow-ballet-pumps")
        );
        assert!(ms.image_links.is_empty());
    }

    #[test]
    fn detection_rule_for_awin_headers() {
        assert!(is_awin_header(["AW_PRODUCT_ID"]));
        assert!(is_awin_header([
            "merchant_name",
            "product_name",
            "search_price"
        ]));
        assert!(!is_awin_header(["merchant_name", "product_name"]));
        assert!(is_awin_header([
            "product_id",
            "product_name",
            "price",
            "product_url"
        ]));
        assert!(!is_awin_header(["Product_ID", "Product_Name", "Price"]));
        assert_eq!(delimiter_of(b"a,b\tc"), b',');
        assert_eq!(delimiter_of(b"a\tb\tc,d"), b'\t');
        assert_eq!(delimiter_of(b"a|b|c"), b'|');
        assert_eq!(delimiter_of(b"a;b;c,d"), b';');
    }

    #[test]
    fn an_advertiser_feed_is_detected_and_read_without_a_mapping() {
        let reader = open_feed(
            &fixture("mango.awin-advertiser.csv"),
            &FeedOptions::default(),
        )
        .unwrap();
        assert_eq!(reader.format(), FeedFormat::Awin);
        assert!(reader.header_warnings().is_empty());
        let rows = rows(reader);
        let recs = records(&rows);
        assert_eq!(recs.len(), 3, "{rows:#?}");
        let red = recs[0];
        assert_eq!(red.item_id, "67040591-RD");
        assert_eq!(red.title, "Bow leather ballerina");
        assert_eq!(red.retailer, None);
        assert_eq!(red.brand.as_deref(), Some("Mango"));
        assert_eq!(red.price, money(3599, "GBP"));
        assert_eq!(red.sale_price, Some(money(2999, "GBP")));
        assert_eq!(
            red.link.as_deref(),
            Some("https://shop.example/mango/bow-leather-ballerina?c=70")
        );
        assert_eq!(
            red.image_links,
            vec![
                "https://shop.example/img/mango/67040591_70.jpg",
                "https://shop.example/img/mango/67040591_70_B.jpg"
            ]
        );
        assert_eq!(red.sizes, vec!["36", "37", "38"]);
        assert_eq!(red.materials, vec!["Leather"]);
        assert_eq!(red.gender.as_deref(), Some("Female"));
        assert_eq!(red.item_group_id.as_deref(), Some("67040591"));
        assert_eq!(red.gtin, Some(Gtin::parse("8412345678905").unwrap()));
        assert_eq!(recs[1].availability, Availability::OutOfStock);
        assert_eq!(recs[1].sale_price, None);
        // No in_stock value: the stock quantity says.
        assert_eq!(recs[2].item_id, "57009214");
        assert_eq!(recs[2].availability, Availability::InStock);
        assert_eq!(
            rejected(&rows),
            vec![&RowIssue {
                line: 4,
                item: Some("57009213".into()),
                field: Some("price".into()),
                reason: parse_price("N/A", Currency::from_code("GBP"))
                    .unwrap_err()
                    .to_string(),
            }]
        );
    }

    #[test]
    fn two_columns_of_one_field_are_a_header_warning() {
        let text = "product_id,product_name,price,deep_link,product_url,price\n\
                    1,Flats,10.00,https://a.example/1,https://b.example/1,12.00\n";
        let reader = open_bytes("t.csv", text.into(), None, Currency::from_code("GBP")).unwrap();
        let warnings: Vec<(&str, &str)> = reader
            .header_warnings()
            .iter()
            .map(|w| (w.field.as_deref().unwrap(), w.reason.as_str()))
            .collect();
        assert_eq!(
            warnings,
            vec![
                (
                    "product_url",
                    "the header has two columns for one field: `deep_link` (column 4) and `product_url` (column 5); `deep_link` is read"
                ),
                (
                    "price",
                    "the header has two columns for one field: `price` (column 3) and `price` (column 6); `price` is read"
                ),
            ]
        );
        let read = rows(reader);
        assert_eq!(
            records(&read)[0].link.as_deref(),
            Some("https://a.example/1")
        );
        assert_eq!(records(&read)[0].price, money(1000, "GBP"));
        // The preferred name wins wherever it stands.
        let text = "aw_product_id,product_name,search_price,product_url,merchant_deep_link\n\
                    1,Flats,10.00,https://b.example/1,https://a.example/1\n";
        let reader = open_bytes("t.csv", text.into(), None, Currency::from_code("GBP")).unwrap();
        assert_eq!(reader.header_warnings().len(), 1);
        let read = rows(reader);
        assert_eq!(
            records(&read)[0].link.as_deref(),
            Some("https://a.example/1")
        );
    }

    fn fixtures() -> Vec<Vec<u8>> {
        [
            "bad-rows.awin.csv",
            "small.awin.csv",
            "mango.awin-advertiser.csv",
        ]
        .iter()
        .map(|n| std::fs::read(fixture(n)).unwrap())
        .collect()
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut csv = b"aw_product_id,product_name,search_price,rrp_price,store_price,currency,in_stock,ean,merchant_deep_link\n".to_vec();
            csv.extend_from_slice(&bytes);
            check_never_panics(csv, Some(FeedFormat::Awin));
            check_never_panics(bytes, Some(FeedFormat::Awin));
        }

        #[test]
        fn mutated_fixtures_never_panic(
            which in 0usize..3,
            line in any::<usize>(),
            op in 0u8..6,
            junk in "(,|\"|\\n|/|\\PC){0,16}",
        ) {
            let text = &fixtures()[which];
            check_never_panics(mutate(text, line, op, junk.as_bytes()), None);
        }
    }
}
