//! A retailer's listings of one product: the same product listed under several feed ids shows
//! once, in search and in look-alikes, with the other ids attached.
//!
//! Two listings are one product when everything a shopper or a filter can tell them by
//! agrees: the retailer, the brand, the folded title, the description, every attribute read
//! (colour, category, gender…), the price and whether it can be bought now. Brand, title and
//! colour alone are not enough: on the Myntra catalog, 2,766 listings share a brand, title and
//! colour with another, but their (price, description) pairs are 2,453 distinct products (the
//! same "Blue Solid Denim Jacket" with tasselled or striped detail, at 779, 839 or 1,299
//! rupees); only the listings identical in every field but their id are one product listed
//! twice. Unbranded listings are never folded.

use crate::features::{Features, IndexedProduct};

/// The key of a product's listing, when it has a brand: a hash of the fields that tell two
/// listings apart.
pub(crate) fn key(p: &IndexedProduct) -> Option<u64> {
    let brand = p.brand_key.as_deref()?;
    let mut tokens = p.attr_tokens.clone();
    tokens.sort();
    let price = p
        .price
        .map(|x| format!("{} {}", x.money.minor, x.money.currency.code()))
        .unwrap_or_default();
    let text = [
        p.retailer_keys.join(" "),
        brand.to_string(),
        pointe_core::text::fold_key(&p.display.title),
        pointe_core::text::fold_key(&p.description),
        tokens.join(" "),
        price,
        p.display.in_stock.to_string(),
    ]
    .join("\u{1f}");
    Some(pointe_core::text::fnv1a64(text.as_bytes()))
}

/// Whether two listings are one product (see the module's rule).
pub(crate) fn same_product(a: &Features, b: &Features) -> bool {
    a.listing.is_some() && a.listing == b.listing
}

/// The `duplicate_of` term of a later listing of the product whose listing key is `key`.
pub(crate) fn term(key: u64) -> String {
    format!("{key:016x}")
}

/// The `duplicate_of` term every later listing of a product carries: search leaves them out
/// and attaches their ids to the first.
pub(crate) const ANY_DUPLICATE: &str = "*";
