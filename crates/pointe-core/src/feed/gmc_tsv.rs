//! Google Merchant Center product data as delimited text: tab-separated (`gmc-tsv`), or comma-
//! or pipe-separated (`gmc-csv`; Merchant Center accepts both).
//!
//! The header row names the attributes (`id`, `title`, `price` …) in any case, with or without
//! the `g:` prefix, with spaces for underscores; unknown columns are ignored. A column may be
//! repeated: `additional_image_link` gathers every copy; any other repeated attribute leaves a
//! header warning and a row's first non-empty copy is read. Fields may be quoted (`"a<TAB>b"`,
//! `""` for a quote). `id`, `title` and `price` columns are required. `line` is the line where
//! the row starts in the file.

use crate::money::Currency;
use crate::{Error, Result};

use super::delimited::{Delimited, Next};
use super::gmc::{self, GmcField, GmcItem};
use super::source::Source;
use super::{FeedRow, RowIssue};

/// Columns a GMC TSV must have.
const REQUIRED: [GmcField; 3] = [GmcField::Id, GmcField::Title, GmcField::Price];

/// The delimiter of a Merchant Center CSV header line: `,` unless pipes outnumber commas.
pub(crate) fn csv_delimiter(header: &[u8]) -> u8 {
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    if count(b'|') > count(b',') {
        b'|'
    } else {
        b','
    }
}

/// The rows of a GMC TSV or CSV feed.
pub(crate) struct TsvRows {
    table: Delimited,
    columns: Vec<Option<GmcField>>,
    currency: Option<Currency>,
    header_warnings: Vec<RowIssue>,
    done: bool,
}

impl TsvRows {
    /// Reads and checks the header row of a file separated by `delimiter`.
    pub(crate) fn open(
        source: Source,
        delimiter: u8,
        currency: Option<Currency>,
    ) -> Result<TsvRows> {
        if delimiter == b'\t' && !source.first_line().contains(&b'\t') {
            return Err(not_tab_separated(&source));
        }
        let table = Delimited::open(source, delimiter)?;
        let columns: Vec<Option<GmcField>> = table
            .headers()
            .iter()
            .map(|h| GmcField::from_name(h))
            .collect();
        for required in REQUIRED {
            if !columns.contains(&Some(required)) {
                return Err(Error::bad_file(
                    table.path(),
                    Some(table.header_line()),
                    format!(
                        "the header has no `{}` column; a Google Merchant Center file needs id, title and price (found: {})",
                        required.name(),
                        found_columns(table.headers())
                    ),
                ));
            }
        }
        let header_warnings = repeated_columns(&columns, table.header_line());
        Ok(TsvRows {
            table,
            columns,
            currency,
            header_warnings,
            done: false,
        })
    }

    /// The header's warnings (repeated columns), taken once.
    pub(crate) fn take_header_warnings(&mut self) -> Vec<RowIssue> {
        std::mem::take(&mut self.header_warnings)
    }
}

/// The error for a file read as tab-separated whose header has no tab.
fn not_tab_separated(source: &Source) -> Error {
    let header = source.first_line();
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    let (name, n) = [("comma", b','), ("pipe", b'|'), ("semicolon", b';')]
        .into_iter()
        .map(|(name, d)| (name, count(d)))
        .max_by_key(|&(_, n)| n)
        .unwrap_or(("comma", 0));
    let seen = if n > 0 {
        format!(" but {n} {name}{}", if n == 1 { "" } else { "s" })
    } else {
        String::new()
    };
    Error::bad_file(
        &source.path,
        Some(1),
        format!(
            "the file is not tab-separated: its header row has no tab{seen}; for a comma- or pipe-separated Merchant Center file use --feed-format gmc-csv"
        ),
    )
}

/// A header warning for each attribute given by more than one column (other than the ones that
/// may repeat).
fn repeated_columns(columns: &[Option<GmcField>], line: u64) -> Vec<RowIssue> {
    let mut warnings = Vec::new();
    let mut seen: Vec<GmcField> = Vec::new();
    for column in columns {
        let Some(field) = *column else { continue };
        if field.repeats() || seen.contains(&field) {
            continue;
        }
        seen.push(field);
        let at: Vec<String> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == Some(field))
            .map(|(j, _)| (j + 1).to_string())
            .collect();
        if at.len() > 1 {
            warnings.push(RowIssue {
                line,
                item: None,
                field: Some(field.name().to_string()),
                reason: format!(
                    "the header gives `{}` in {} columns ({}): each row's first non-empty one is read",
                    field.name(),
                    at.len(),
                    at.join(", ")
                ),
            });
        }
    }
    warnings
}

/// The header's names for an error message, cut after a few.
pub(crate) fn found_columns(headers: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut shown: Vec<String> = headers
        .iter()
        .take(SHOWN)
        .map(|h| format!("{:?}", super::record::quote(h)))
        .collect();
    if headers.len() > SHOWN {
        shown.push(format!("… {} more", headers.len() - SHOWN));
    }
    if shown.is_empty() {
        "no columns".to_string()
    } else {
        shown.join(", ")
    }
}

impl Iterator for TsvRows {
    type Item = Result<FeedRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.table.next_record() {
            Ok(Some(Next::Row(line, fields))) => {
                let mut item = GmcItem::default();
                for (value, column) in fields.iter().zip(&self.columns) {
                    if let Some(field) = column {
                        item.push(*field, (*value).to_string());
                    }
                }
                Some(Ok(gmc::build(&item, line, self.currency)))
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
    use proptest::prelude::*;

    use super::super::test_support::{
        check_never_panics, fixture, money, mutate, open_bytes, records, rejected, rows,
    };
    use super::super::{FeedFormat, FeedOptions, FeedRecord, FeedRow, RowIssue, open_feed};
    use crate::domain::Availability;
    use crate::gtin::Gtin;
    use crate::money::{Currency, parse_price};

    fn open_tsv(text: &str) -> crate::Result<super::super::FeedReader> {
        open_bytes("t.tsv", text.as_bytes().to_vec(), None, None)
    }

    #[test]
    fn harrods_tsv_reads_to_exact_records_and_rejections() {
        let reader = open_feed(&fixture("harrods.gmc.tsv"), &FeedOptions::default()).unwrap();
        assert_eq!(reader.format(), FeedFormat::GmcTsv);
        assert_eq!(reader.retailer_hint(), None);
        let rows = rows(reader);
        assert_eq!(rows.len(), 5, "{rows:#?}");
        let recs = records(&rows);
        assert_eq!(recs.len(), 3);

        assert_eq!(
            *recs[0],
            FeedRecord {
                line: 2,
                item_id: "HR-1001".into(),
                title: "Miu Miu Logo-Patch Satin Ballet Flats".into(),
                description: Some(
                    "Ballet flats in pale pink satin with an elastic strap and a logo patch."
                        .into()
                ),
                brand: Some("Miu Miu".into()),
                retailer: None,
                link: Some(
                    "https://shop.example/harrods/miu-miu-logo-patch-satin-ballet-flats".into()
                ),
                image_links: vec![
                    "https://shop.example/img/harrods/HR-1001-1.jpg".into(),
                    "https://shop.example/img/harrods/HR-1001-2.jpg".into(),
                    "https://shop.example/img/harrods/HR-1001-3.jpg".into(),
                ],
                price: money(56000, "GBP"),
                sale_price: None,
                availability: Availability::InStock,
                gtin: None,
                mpn: Some("5F094D".into()),
                condition: Some("new".into()),
                google_product_category: Some("187".into()),
                product_type: Some("Shoes > Ballet Flats".into()),
                item_group_id: Some("HR-10".into()),
                colours: vec!["Pink".into()],
                sizes: vec!["36".into(), "37".into(), "38".into()],
                gender: Some("female".into()),
                age_group: Some("adult".into()),
                materials: vec!["Satin".into()],
                pattern: None,
                warnings: vec![],
                observations: Vec::new(),
            }
        );

        let tabi = recs[1];
        assert_eq!(tabi.line, 3);
        assert_eq!(tabi.item_id, "HR-1002");
        assert_eq!(
            tabi.title,
            "Maison Margiela Tabi split-toe leather ballet flats"
        );
        assert_eq!(tabi.brand.as_deref(), Some("Maison Margiela"));
        assert_eq!(tabi.price, money(59000, "GBP"));
        assert_eq!(tabi.sale_price, Some(money(47200, "GBP")));
        assert_eq!(tabi.gtin, Some(Gtin::parse("3760123456784").unwrap()));
        assert_eq!(tabi.colours, vec!["Black"]);
        assert!(tabi.warnings.is_empty());

        let porte = recs[2];
        assert_eq!(porte.line, 5);
        assert_eq!(
            porte.description.as_deref(),
            Some("Classic leather ballet flats\tfinished with a \"signature\" bow.")
        );
        assert_eq!(
            porte.title,
            "Porte & Paire Bow-embellished leather ballet flats"
        );
        assert_eq!(porte.price, money(19500, "GBP"));
        assert_eq!(porte.availability, Availability::Backorder);
        assert_eq!(
            porte.image_links,
            vec!["https://shop.example/img/harrods/HR-1004.jpg"]
        );
        assert_eq!(porte.warnings.len(), 1);
        assert_eq!(
            porte.warnings[0].field.as_deref(),
            Some("additional_image_link")
        );
        assert!(
            porte.warnings[0].reason.contains("data:image/png"),
            "{:?}",
            porte.warnings
        );

        assert_eq!(
            rejected(&rows),
            vec![
                &RowIssue {
                    line: 4,
                    item: Some("HR-1003".into()),
                    field: Some("price".into()),
                    reason: parse_price("free", None).unwrap_err().to_string(),
                },
                &RowIssue {
                    line: 6,
                    item: Some("HR-1005".into()),
                    field: Some("availability".into()),
                    reason: "availability is required".into(),
                },
            ]
        );
    }

    #[test]
    fn missing_required_column_is_a_whole_file_error() {
        let err = open_tsv("id\ttitle\tavailability\n1\tA\tin stock\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("t.tsv: line 1:"), "{text}");
        assert!(text.contains("no `price` column"), "{text}");
        assert!(text.contains("\"availability\""), "{text}");
    }

    #[test]
    fn lines_are_true_with_crlf_blank_lines_and_quoted_newlines() {
        let text = "id\ttitle\tprice\tavailability\r\n\
                    \r\n\
                    a\tA\t1.00 GBP\tin stock\r\n\
                    b\t\"B\r\nsecond line\"\t2.00 GBP\tin stock\r\n\
                    \t\t\t\r\n\
                    c\t\t3.00 GBP\tin stock\r\n";
        let rows = rows(open_tsv(text).unwrap());
        let lines: Vec<u64> = rows
            .iter()
            .map(|r| match r {
                FeedRow::Record(rec) => rec.line,
                FeedRow::Rejected(issue) => issue.line,
            })
            .collect();
        assert_eq!(lines, vec![3, 4, 7], "{rows:#?}");
        assert_eq!(records(&rows)[1].title, "B\nsecond line");
        assert_eq!(rejected(&rows)[0].field.as_deref(), Some("title"));
    }

    #[test]
    fn sale_price_problems() {
        let header = "id\ttitle\tprice\tsale_price\tavailability\n";
        let rows = rows(
            open_tsv(&format!(
                "{header}a\tA\t10.00 GBP\tcheap\tin stock\n\
                 b\tB\t10.00 GBP\t12.00 GBP\tin stock\n\
                 c\tC\t10.00 GBP\t8.00 EUR\tin stock\n\
                 d\tD\t10.00 GBP\t8.00\tin stock\n\
                 e\tE\t10.00 GBP\t\tsold out\n\
                 f\tF\t10.00 GBP\t\tsoon\n"
            ))
            .unwrap(),
        );
        let rej = rejected(&rows);
        assert_eq!(rej.len(), 3, "{rows:#?}");
        assert_eq!(
            (rej[0].line, rej[0].field.as_deref()),
            (2, Some("sale_price"))
        );
        assert_eq!(
            rej[0].reason,
            parse_price("cheap", Currency::from_code("GBP"))
                .unwrap_err()
                .to_string()
        );
        assert_eq!(
            (rej[1].line, rej[1].field.as_deref()),
            (4, Some("sale_price"))
        );
        assert_eq!(
            (rej[2].line, rej[2].field.as_deref()),
            (7, Some("availability"))
        );
        assert!(rej[2].reason.contains("\"soon\""), "{}", rej[2].reason);
        let recs = records(&rows);
        assert_eq!(recs[0].item_id, "b");
        assert_eq!(recs[0].sale_price, None);
        assert_eq!(recs[0].warnings[0].field.as_deref(), Some("sale_price"));
        assert_eq!(recs[1].item_id, "d");
        assert_eq!(recs[1].sale_price, Some(money(800, "GBP")));
        assert_eq!(recs[2].availability, Availability::OutOfStock);
    }

    #[test]
    fn feed_currency_applies_to_bare_prices() {
        let text = "id\ttitle\tprice\tavailability\n1\tA\t1.099,00\tin stock\n";
        let reader = open_bytes("t.tsv", text.into(), None, Currency::from_code("EUR")).unwrap();
        let rows = rows(reader);
        assert_eq!(records(&rows)[0].price, money(109900, "EUR"));
    }

    #[test]
    fn not_utf8_is_an_error_naming_file_and_line() {
        let mut bytes = b"id\ttitle\tprice\tavailability\n1\tA\t1 GBP\tin stock\n2\tCaf".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b"\t1 GBP\tin stock\n");
        let mut reader = open_bytes("latin1.tsv", bytes, None, None).unwrap();
        assert!(matches!(reader.next(), Some(Ok(FeedRow::Record(_)))));
        let err = reader.next().unwrap().unwrap_err().to_string();
        assert_eq!(
            err,
            "latin1.tsv: line 3: not UTF-8 (Latin-1?): byte 0xE9 in column title; \
             save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
        );
        assert!(reader.next().is_none());
    }

    #[test]
    fn a_comma_separated_merchant_center_file_is_detected_and_read() {
        let reader = open_feed(&fixture("liberty.gmc.csv"), &FeedOptions::default()).unwrap();
        assert_eq!(reader.format(), FeedFormat::GmcCsv);
        assert!(reader.header_warnings().is_empty());
        let rows = rows(reader);
        let recs = records(&rows);
        let ids: Vec<&str> = recs.iter().map(|r| r.item_id.as_str()).collect();
        assert_eq!(ids, vec!["LB-2001", "LB-2002", "LB-2004"]);
        let repetto = recs[0];
        assert_eq!(repetto.line, 2);
        assert_eq!(repetto.price, money(24000, "GBP"));
        assert_eq!(repetto.sale_price, Some(money(18000, "GBP")));
        assert_eq!(repetto.sizes, vec!["37", "38", "39"]);
        assert_eq!(repetto.image_links.len(), 3);
        assert_eq!(
            repetto.product_type.as_deref(),
            Some("Shoes > Ballet flats")
        );
        let porte = recs[1];
        assert_eq!(porte.title, "Porte & Paire \"Ballerine\" satin flats");
        assert_eq!(
            porte.description.as_deref(),
            Some("Satin ballet flats with a grosgrain bow.\nMade in Spain.")
        );
        let ganni = recs[2];
        assert_eq!(ganni.line, 6);
        assert_eq!(ganni.link, None);
        assert_eq!(ganni.warnings[0].item.as_deref(), Some("LB-2004"));
        assert_eq!(ganni.availability, Availability::OutOfStock);
        assert_eq!(
            rejected(&rows),
            vec![&RowIssue {
                line: 5,
                item: Some("LB-2003".into()),
                field: Some("availability".into()),
                reason: "availability is required".into(),
            }]
        );
    }

    #[test]
    fn a_pipe_separated_merchant_center_file_is_detected_and_read() {
        let reader = open_feed(&fixture("arket.gmc.psv"), &FeedOptions::default()).unwrap();
        assert_eq!(reader.format(), FeedFormat::GmcCsv);
        let rows = rows(reader);
        let recs = records(&rows);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].title, "Leather ballet flat | square toe");
        assert_eq!(recs[0].colours, vec!["Black"]);
        let rej = rejected(&rows);
        assert_eq!(
            (rej[0].line, rej[0].item.as_deref(), rej[0].field.as_deref()),
            (3, Some("AK-3002"), Some("price"))
        );
    }

    #[test]
    fn gmc_tsv_named_for_a_comma_file_says_it_is_not_tab_separated() {
        let options = FeedOptions {
            format: Some(FeedFormat::GmcTsv),
            ..FeedOptions::default()
        };
        let err = open_feed(&fixture("liberty.gmc.csv"), &options)
            .unwrap_err()
            .to_string();
        let path = fixture("liberty.gmc.csv").display().to_string();
        assert_eq!(
            err,
            format!(
                "{path}: line 1: the file is not tab-separated: its header row has no tab but 20 \
                 commas; for a comma- or pipe-separated Merchant Center file use --feed-format \
                 gmc-csv"
            )
        );
        let options = FeedOptions {
            format: Some(FeedFormat::GmcCsv),
            ..FeedOptions::default()
        };
        assert_eq!(
            open_feed(&fixture("liberty.gmc.csv"), &options)
                .unwrap()
                .count(),
            4
        );
    }

    #[test]
    fn a_repeated_column_is_a_header_warning_and_the_first_value_is_read() {
        let text = "id\ttitle\tprice\tavailability\tprice\tadditional_image_link\tadditional_image_link\n\
                    1\tA\t10.00 GBP\tin stock\t12.00 GBP\thttps://a.example/1.jpg\thttps://a.example/2.jpg\n";
        let reader = open_tsv(text).unwrap();
        assert_eq!(
            reader.header_warnings(),
            &[RowIssue {
                line: 1,
                item: None,
                field: Some("price".into()),
                reason: "the header gives `price` in 2 columns (3, 5): each row's first non-empty one is read".into(),
            }]
        );
        let rows = rows(reader);
        assert_eq!(records(&rows)[0].price, money(1000, "GBP"));
        assert_eq!(records(&rows)[0].image_links.len(), 2);
    }

    fn harrods() -> Vec<u8> {
        std::fs::read(fixture("harrods.gmc.tsv")).unwrap()
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut tsv = b"id\ttitle\tprice\tavailability\tlink\tgtin\tsale_price\n".to_vec();
            tsv.extend_from_slice(&bytes);
            check_never_panics(tsv, Some(FeedFormat::GmcTsv));
            check_never_panics(bytes, Some(FeedFormat::GmcTsv));
        }

        #[test]
        fn random_rows_never_panic(row in "[\\t\"a-z0-9 .,:/£€$-]{0,120}") {
            let tsv = format!("id\ttitle\tprice\tavailability\tsale_price\tlink\tgtin\n{row}\n");
            check_never_panics(tsv.into_bytes(), None);
        }

        #[test]
        fn mutated_fixture_never_panics(
            line in any::<usize>(),
            op in 0u8..6,
            junk in "(\\t|\"|,|/|\\PC){0,16}",
        ) {
            check_never_panics(mutate(&harrods(), line, op, junk.as_bytes()), None);
        }
    }
}
