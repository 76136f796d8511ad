//! Format detection from the first bytes of a feed (after gunzip, BOM removed).

use crate::Error;

use super::FeedFormat;
use super::awin;
use super::gmc::GmcField;
use super::source::{Source, first_line, read_error};

/// The format the head of a file shows: XML when it starts with `<` (after whitespace); Shopify
/// when it starts with `{` and holds a `"products"` (or `"product"`) key; GMC TSV when its first
/// line has tabs and `id` and `title` columns; Awin when its first line has `aw_product_id`, or
/// `merchant_name`, `product_name` and `search_price` (a publisher feed), or `product_id`,
/// `product_name`, `price` and `deep_link` or `product_url` (an advertiser's feed); GMC CSV
/// when its first line, split on commas or pipes, has `id` and `title` columns. A mapped CSV
/// is never detected: it is read when a mapping is given.
pub(crate) fn detect(head: &[u8]) -> Option<FeedFormat> {
    let trimmed = head.trim_ascii_start();
    if trimmed.starts_with(b"<") {
        return Some(FeedFormat::GmcXml);
    }
    if trimmed.starts_with(b"{") {
        let has = |key: &[u8]| trimmed.windows(key.len()).any(|w| w == key);
        return (has(b"\"products\"") || has(b"\"product\"")).then_some(FeedFormat::Shopify);
    }
    let line = String::from_utf8_lossy(first_line(trimmed));
    if line.contains('\t') {
        let fields: Vec<Option<GmcField>> = line.split('\t').map(GmcField::from_name).collect();
        if fields.contains(&Some(GmcField::Id)) && fields.contains(&Some(GmcField::Title)) {
            return Some(FeedFormat::GmcTsv);
        }
    }
    let delimiter = char::from(awin::delimiter_of(line.as_bytes()));
    let names = line.split(delimiter).map(|n| n.trim().trim_matches('"'));
    if awin::is_awin_header(names) {
        return Some(FeedFormat::Awin);
    }
    let delimiter = char::from(super::gmc_tsv::csv_delimiter(line.as_bytes()));
    let fields: Vec<Option<GmcField>> = line.split(delimiter).map(GmcField::from_name).collect();
    if fields.len() > 1
        && fields.contains(&Some(GmcField::Id))
        && fields.contains(&Some(GmcField::Title))
    {
        return Some(FeedFormat::GmcCsv);
    }
    None
}

/// The error for a file whose format cannot be told: what was expected and what was found.
pub(crate) fn not_a_feed(source: &Source) -> Error {
    if let Some((kind, message)) = &source.head_error {
        return read_error(&source.path, source.gzip, Some(1), *kind, message.clone());
    }
    let head = &source.head;
    let found = if head.is_empty() {
        "an empty file".to_string()
    } else if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        "UTF-16 text (save the file as UTF-8)".to_string()
    } else {
        let text = String::from_utf8_lossy(head.trim_ascii_start());
        let shown: String = text.chars().take(60).collect();
        format!("{shown:?}")
    };
    Error::bad_file(
        &source.path,
        Some(1),
        format!(
            "{}: expected a Google Merchant Center TSV/CSV/XML header (id, title, price …), an Awin CSV header (aw_product_id, product_name, search_price … or product_id, product_name, price, deep_link …) or a Shopify products.json ({{\"products\": […]}}); for another CSV/TSV give a column mapping (--mapping FILE); found {found}",
            super::UNKNOWN_LAYOUT
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format_from_its_head() {
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?>\n<rss>"),
            Some(FeedFormat::GmcXml)
        );
        assert_eq!(detect(b"\n  <feed xmlns=\"x\">"), Some(FeedFormat::GmcXml));
        assert_eq!(
            detect(b"id\ttitle\tprice\n1\tx\t1 GBP\n"),
            Some(FeedFormat::GmcTsv)
        );
        assert_eq!(
            detect(b"\"g:id\"\t\"G:Title\"\r\n"),
            Some(FeedFormat::GmcTsv)
        );
        assert_eq!(
            detect(b"aw_product_id,product_name,search_price\n"),
            Some(FeedFormat::Awin)
        );
        assert_eq!(
            detect(b"\"merchant_name\",\"product_name\",\"search_price\"\n"),
            Some(FeedFormat::Awin)
        );
        assert_eq!(
            detect(b"aw_product_id|product_name|search_price\n"),
            Some(FeedFormat::Awin)
        );
        assert_eq!(
            detect(b"aw_product_id\tproduct_name\tsearch_price\n"),
            Some(FeedFormat::Awin)
        );
        assert_eq!(
            detect(b"{\"products\":[{\"id\":1}]}"),
            Some(FeedFormat::Shopify)
        );
        assert_eq!(
            detect(b"id,title,price,availability\n1,x,1 GBP,in stock\n"),
            Some(FeedFormat::GmcCsv)
        );
        assert_eq!(
            detect(b"\"g:id\"|\"g:title\"|\"g:price\"\r\n"),
            Some(FeedFormat::GmcCsv)
        );
        assert_eq!(
            detect(b"product_id;product_name;price;deep_link;image_url\n"),
            Some(FeedFormat::Awin)
        );
        assert_eq!(
            detect(b"product_id,product_name,price,product_url\n"),
            Some(FeedFormat::Awin)
        );
        assert_eq!(
            detect(b"  {\n  \"product\": {\"id\": 1"),
            Some(FeedFormat::Shopify)
        );
    }

    #[test]
    fn refuses_what_is_not_a_feed() {
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"name,price\nshoe,10\n"), None);
        assert_eq!(detect(b"merchant_name,product_name\n"), None);
        assert_eq!(detect(b"id\tname\n"), None);
        assert_eq!(detect(b"{\"id\": 1}"), None);
        assert_eq!(detect(b"{\"productsX\": []}"), None);
        assert_eq!(detect(b"Product_ID,Product_Name,Price\n"), None);
        assert_eq!(
            detect(b"Product_ID,Product_Name,Product_Brand,Gender,Price,Description\n"),
            None
        );
        assert_eq!(detect(b"id,brand,name,categories,colors\n"), None);
        assert_eq!(detect(b"id title\n"), None);
    }
}
