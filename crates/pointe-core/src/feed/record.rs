//! Field rules every format shares: trimming, lists, links, GTINs, prices and the warnings
//! they leave on a row.

use crate::domain::Availability;
use crate::gtin::Gtin;
use crate::money::{Currency, Money, MoneyError, parse_price};

use super::{FeedRow, RowIssue};

/// How many characters of a bad value a message quotes.
const QUOTE_CHARS: usize = 60;

/// The trimmed value with line breaks as `\n`, or `None` when nothing is left.
pub(crate) fn clean(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.contains('\r') {
        Some(trimmed.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Some(trimmed.to_string())
    }
}

/// The non-empty trimmed parts of `raw` split on `sep`.
pub(crate) fn split_list(raw: &str, sep: char) -> Vec<String> {
    raw.split(sep).filter_map(clean).collect()
}

/// Splits a comma-separated list of URLs. A piece that cannot start a URL (no `:`, no leading
/// `/`) belongs to the previous one: commas inside URLs (`…/w_100,h_200/x.jpg`, `data:…;base64,…`)
/// do not split them.
pub(crate) fn split_urls(raw: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for piece in raw.split(',') {
        let starts_url = piece.contains(':') || piece.trim_start().starts_with('/');
        match urls.last_mut() {
            Some(last) if !starts_url => {
                last.push(',');
                last.push_str(piece);
            }
            _ => urls.push(piece.to_string()),
        }
    }
    urls
}

/// Appends `items` to `list`, skipping values already in it, up to
/// [`super::bounds::LIST_GATHER_CAP`] values (the record's bounds then cut it further, with a
/// warning).
pub(crate) fn extend_unique(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        if list.len() >= super::bounds::LIST_GATHER_CAP {
            return;
        }
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// At most [`QUOTE_CHARS`] characters of `raw`, with `…` when cut, for messages.
pub(crate) fn quote(raw: &str) -> String {
    let mut chars = raw.chars();
    let head: String = chars.by_ref().take(QUOTE_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// An item id as issues name it: whole up to [`super::bounds::MAX_ID_CHARS`] characters, cut
/// with `…` past them (such a row is rejected for its id).
pub(crate) fn quote_id(id: &str) -> String {
    match id.char_indices().nth(super::bounds::MAX_ID_CHARS) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id.to_string(),
    }
}

/// Whether `url` is an absolute http(s) URL with something after the scheme.
fn is_http_url(url: &str) -> bool {
    let bytes = url.as_bytes();
    let scheme_len = if bytes.len() >= 8 && bytes[..8].eq_ignore_ascii_case(b"https://") {
        8
    } else if bytes.len() >= 7 && bytes[..7].eq_ignore_ascii_case(b"http://") {
        7
    } else {
        return false;
    };
    url[scheme_len..]
        .chars()
        .next()
        .is_some_and(|c| c != '/' && !c.is_whitespace())
}

/// The message for an availability value Pointe does not know.
pub(crate) fn unknown_availability(raw: &str) -> String {
    format!(
        "unknown availability {:?}; expected in_stock, out_of_stock, preorder or backorder",
        quote(raw)
    )
}

/// One row being checked: its line, its item id once read, and the warnings gathered so far.
pub(crate) struct RowCheck {
    pub line: u64,
    pub item: Option<String>,
    pub warnings: Vec<RowIssue>,
}

impl RowCheck {
    pub(crate) fn new(line: u64) -> Self {
        RowCheck {
            line,
            item: None,
            warnings: Vec::new(),
        }
    }

    /// Names the row's item in the issues that follow.
    pub(crate) fn item(&mut self, id: &str) {
        self.item = Some(quote_id(id));
    }

    /// Notes a problem that does not reject the row.
    pub(crate) fn warn(&mut self, field: &str, reason: impl Into<String>) {
        self.warnings.push(RowIssue {
            line: self.line,
            item: self.item.clone(),
            field: Some(field.to_string()),
            reason: reason.into(),
        });
    }

    /// The row, rejected because of `field`.
    pub(crate) fn reject(&self, field: &str, reason: impl Into<String>) -> FeedRow {
        FeedRow::Rejected(RowIssue {
            line: self.line,
            item: self.item.clone(),
            field: Some(field.to_string()),
            reason: reason.into(),
        })
    }

    /// `raw` when it is an http(s) URL; otherwise `None` and a warning naming `field`.
    pub(crate) fn url(&mut self, field: &str, raw: Option<&str>) -> Option<String> {
        let value = clean(raw?)?;
        if is_http_url(&value) {
            Some(value)
        } else {
            self.warn(
                field,
                format!("{field} {:?} is not an http(s) URL; dropped", quote(&value)),
            );
            None
        }
    }

    /// The http(s) URLs in a comma-separated list, warning about the others.
    pub(crate) fn urls(&mut self, field: &str, raw: &str) -> Vec<String> {
        split_urls(raw)
            .into_iter()
            .filter_map(|part| self.url(field, Some(&part)))
            .collect()
    }

    /// The GTIN in `raw` when valid; an invalid one is dropped with a warning naming `field`.
    pub(crate) fn gtin(&mut self, field: &str, raw: Option<&str>) -> Option<Gtin> {
        let value = clean(raw?)?;
        match Gtin::parse(&value) {
            Ok(gtin) => Some(gtin),
            Err(e) => {
                self.warn(field, format!("{e}; dropped"));
                None
            }
        }
    }
}

/// A regular price and the sale price, checked against each other.
pub(crate) struct Prices {
    pub price: Money,
    pub sale_price: Option<Money>,
}

/// Parses the price in `price_field` (required) and the optional sale price: an unreadable
/// price of either kind rejects the row (a wrong price must never slip through); a sale price
/// that is not lower than the price is no sale and is dropped with a warning.
pub(crate) fn gmc_prices(
    check: &mut RowCheck,
    price_field: &str,
    price: Option<&str>,
    sale_field: &str,
    sale: Option<&str>,
    currency: Option<Currency>,
) -> Result<Prices, FeedRow> {
    let Some(price_text) = price.and_then(clean) else {
        return Err(check.reject(price_field, format!("{price_field} is required")));
    };
    let price = parse_price(&price_text, currency)
        .map_err(|e| check.reject(price_field, money_reason(&e)))?;
    let sale_price = match sale.and_then(clean) {
        None => None,
        Some(text) => {
            let sale = parse_price(&text, currency.or(Some(price.currency)))
                .map_err(|e| check.reject(sale_field, money_reason(&e)))?;
            if sale.currency != price.currency {
                return Err(check.reject(
                    sale_field,
                    format!(
                        "{sale_field} is in {} but {price_field} is in {}",
                        sale.currency, price.currency
                    ),
                ));
            }
            if sale.minor >= price.minor {
                check.warn(
                    sale_field,
                    format!("sale price {sale} is not lower than the price {price}; ignored"),
                );
                None
            } else {
                Some(sale)
            }
        }
    };
    Ok(Prices { price, sale_price })
}

/// The reason for a refused price: the [`MoneyError`] text, never empty.
pub(crate) fn money_reason(e: &MoneyError) -> String {
    let text = e.to_string();
    if text.trim().is_empty() {
        "price cannot be read".to_string()
    } else {
        text
    }
}

/// Reads a required availability value.
pub(crate) fn required_availability(
    check: &RowCheck,
    field: &str,
    raw: Option<&str>,
) -> Result<Availability, FeedRow> {
    let Some(value) = raw.and_then(clean) else {
        return Err(check.reject(field, format!("{field} is required")));
    };
    Availability::parse(&value).ok_or_else(|| check.reject(field, unknown_availability(&value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_are_links() {
        assert!(is_http_url("https://shop.example/a"));
        assert!(is_http_url("HTTP://shop.example"));
        assert!(!is_http_url("javascript:void(0)"));
        assert!(!is_http_url("data:image/png;base64,AAAA"));
        assert!(!is_http_url("/relative/path"));
        assert!(!is_http_url("//cdn.example/x.jpg"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https:///x"));
        assert!(!is_http_url("htt"));
        assert!(!is_http_url("ftp://x.example/y"));
    }

    #[test]
    fn bad_urls_leave_a_warning_naming_the_field() {
        let mut check = RowCheck::new(7);
        assert_eq!(check.url("link", Some(" javascript:alert(1) ")), None);
        assert_eq!(check.warnings.len(), 1);
        assert_eq!(check.warnings[0].line, 7);
        assert_eq!(check.warnings[0].field.as_deref(), Some("link"));
        assert!(check.warnings[0].reason.contains("javascript:alert(1)"));
        assert_eq!(check.url("link", Some("  ")), None);
        assert_eq!(check.warnings.len(), 1);
    }

    #[test]
    fn quotes_are_cut_on_char_boundaries() {
        let long = "é".repeat(100);
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), QUOTE_CHARS + 1);
        assert!(quoted.ends_with('…'));
        assert_eq!(quote("short"), "short");
    }

    #[test]
    fn url_lists_split_on_commas_between_urls_only() {
        assert_eq!(
            split_urls("https://a.example/1.jpg, https://a.example/w_10,h_20/2.jpg"),
            vec![
                "https://a.example/1.jpg",
                " https://a.example/w_10,h_20/2.jpg"
            ]
        );
        assert_eq!(
            split_urls("data:image/png;base64,iVBO,https://a.example/x"),
            vec!["data:image/png;base64,iVBO", "https://a.example/x"]
        );
        assert_eq!(split_urls(""), vec![""]);
    }

    #[test]
    fn clean_trims_and_normalises_line_breaks() {
        assert_eq!(clean("  a\r\nb\rc "), Some("a\nb\nc".to_string()));
        assert_eq!(clean(" \t "), None);
    }

    #[test]
    fn lists_are_split_and_trimmed() {
        assert_eq!(split_list(" Pink / Black /", '/'), vec!["Pink", "Black"]);
        assert!(split_list("", ',').is_empty());
    }
}
