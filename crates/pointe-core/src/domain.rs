//! The catalog's domain: products, offers, price points and the sources they come from.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Whether an offer can be bought now. Feeds spell these many ways; [`Availability::parse`]
/// reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// In stock.
    InStock,
    /// Out of stock.
    OutOfStock,
    /// Can be ordered now, ships once released.
    Preorder,
    /// Can be ordered now, ships once restocked.
    Backorder,
}

impl Availability {
    /// Reads the spellings of Google Merchant Center (`in_stock`, `in stock`, `out of stock`,
    /// `preorder`, `backorder`) and of affiliate feeds (`1`/`0`, `yes`/`no`, `true`/`false`).
    /// `None` when the value means nothing Pointe knows.
    pub fn parse(raw: &str) -> Option<Availability> {
        let norm: String = raw
            .trim()
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
            .collect();
        match norm.as_str() {
            "in_stock"
            | "instock"
            | "1"
            | "yes"
            | "y"
            | "true"
            | "available"
            | "limited_availability" => Some(Availability::InStock),
            "out_of_stock" | "outofstock" | "0" | "no" | "n" | "false" | "sold_out"
            | "discontinued" => Some(Availability::OutOfStock),
            "preorder" | "pre_order" => Some(Availability::Preorder),
            "backorder" | "back_order" | "available_for_order" => Some(Availability::Backorder),
            _ => None,
        }
    }

    /// The stable name used in JSON and in the store (`in_stock`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            Availability::InStock => "in_stock",
            Availability::OutOfStock => "out_of_stock",
            Availability::Preorder => "preorder",
            Availability::Backorder => "backorder",
        }
    }

    /// Whether a shopper can buy it now (in stock, or orderable).
    pub fn is_buyable(&self) -> bool {
        !matches!(self, Availability::OutOfStock)
    }
}

/// A product: one distinct item (brand + model + colourway), sold by one or more offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    /// Pointe's own id (`pt-…`), stable across ingests.
    pub id: String,
    /// The canonical brand's display name, when the feed gives a brand.
    pub brand: Option<String>,
    /// The title as the first feed that described the product wrote it.
    pub title: String,
    /// The longest description a feed gave.
    pub description: Option<String>,
    /// Google product taxonomy id, when the feed gives one.
    pub google_category_id: Option<u32>,
    /// Category text from the feed (Google category path, product type or merchant category).
    pub category_text: Option<String>,
    /// Gender the feed states (`female`, `male`, `unisex`).
    pub gender: Option<String>,
    /// Age group the feed states.
    pub age_group: Option<String>,
    /// Colours the feeds state.
    pub colours: Vec<String>,
    /// Materials the feeds state.
    pub materials: Vec<String>,
    /// Pattern the feed states.
    pub pattern: Option<String>,
    /// Image URLs (http(s) only).
    pub image_urls: Vec<String>,
    /// Validated GTIN (14 digits), when a feed gave a valid one.
    pub gtin: Option<String>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// The feed's item group (the product family across sizes and colours).
    pub item_group: Option<String>,
    /// Condition (`new`, `used`, `refurbished`).
    pub condition: Option<String>,
}

/// One retailer's offer of a product, from one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// The store's id of the offer.
    pub id: i64,
    /// The product it sells (Pointe id).
    pub product_id: String,
    /// The source (feed) it comes from.
    pub source: String,
    /// The feed's own item id.
    pub item_id: String,
    /// The shop selling it, as its feed, mapping or `--retailer` names it; empty when nothing
    /// names one (a data vendor's price records): such an offer is never an edit's pick.
    pub retailer: String,
    /// The product page (http(s) only).
    pub url: Option<String>,
    /// Regular price.
    pub price: Money,
    /// Sale price, when lower than the regular price is offered.
    pub sale_price: Option<Money>,
    /// Availability.
    pub availability: Availability,
    /// Sizes offered.
    pub sizes: Vec<String>,
    /// First time a feed of its source held it.
    pub first_seen: Timestamp,
    /// Last time a feed of its source held it.
    pub last_seen: Timestamp,
    /// Whether the latest ingest of its source held it. `false` means the offer is stale.
    pub in_latest_ingest: bool,
}

impl Offer {
    /// The price a shopper pays now: the sale price when there is one, else the price.
    pub fn current_price(&self) -> Money {
        match self.sale_price {
            Some(sale) if sale.minor < self.price.minor => sale,
            _ => self.price,
        }
    }
}

/// An offer's price, sale price and availability at one time; appended only when one changes.
#[derive(Debug, Clone, PartialEq)]
pub struct PricePoint {
    /// When it was observed.
    pub seen_at: Timestamp,
    /// Regular price.
    pub price: Money,
    /// Sale price.
    pub sale_price: Option<Money>,
    /// Availability.
    pub availability: Availability,
}
