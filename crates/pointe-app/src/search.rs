//! Searching products: words and filters as the user wrote them, checked and named, run over
//! the search index.

use pointe_core::attributes::Market;
use pointe_core::money::{Currency, Money, MoneyError, parse_price};
use pointe_core::store::retailer_key;
use pointe_search::search::{SearchQuery, SearchResults, SortOrder, resolve_value, to_gbp_minor};
use pointe_search::{IndexContext, SearchIndex};

use crate::reader::{Open, Reader};
use crate::{Error, Result, Workspace};

/// The most results one search returns.
pub const MAX_LIMIT: usize = 10_000;

/// The longest query text read, in bytes.
pub const MAX_TEXT: usize = 1000;

/// The genders a search or look-alike may ask for (taxonomy ids).
pub const GENDERS: [&str; 6] = ["women", "men", "unisex", "kids", "girls", "boys"];

/// A search as the user wrote it. Field names in errors are these (the CLI's flags are the
/// same words with `--`).
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// The words ("satin ballet flats under £100"); empty lists every product the filters keep.
    pub text: String,
    /// Only this brand (any alias).
    pub brand: Option<String>,
    /// Only products sold by this retailer.
    pub retailer: Option<String>,
    /// Only this category or its sub-categories ("flats", "bags").
    pub category: Option<String>,
    /// Only this colour family or shade.
    pub colour: Option<String>,
    /// Only this material or its kinds.
    pub material: Option<String>,
    /// Only this tier (a tier name from tiers.toml).
    pub tier: Option<String>,
    /// Lowest price, in any currency ("50", "£50", "60 EUR"; a bare number is GBP).
    pub min_price: Option<String>,
    /// Highest price, in any currency.
    pub max_price: Option<String>,
    /// Only products that can be bought now.
    pub in_stock: bool,
    /// `relevance` (default), `price` (cheapest first) or `-price` (dearest first).
    pub sort: Option<String>,
    /// At most this many results (1 to [`MAX_LIMIT`]).
    pub limit: usize,
    /// Skip this many first.
    pub offset: usize,
    /// Show prices in this currency (a price typed without one is in it too).
    pub currency: Option<String>,
    /// Only products made for this gender (see [`GENDERS`]).
    pub gender: Option<String>,
    /// `uk` or `us`: which English the words are in.
    pub market: Option<String>,
    /// Search the words as typed: no price, gender, brand or category reading.
    pub literal: bool,
}

/// Searches the data directory's catalog (opening the index, rebuilding it when stale).
pub fn search(ws: &Workspace, request: &SearchRequest) -> Result<SearchResults> {
    Reader::new(ws.clone()).with(|open| search_in(open, request))
}

/// Searches over an open store and index.
pub fn search_in(open: &Open<'_>, request: &SearchRequest) -> Result<SearchResults> {
    let query = query(&open.loaded.index, &open.loaded.brands, request)?;
    Ok(open.loaded.index.search(&query)?)
}

/// The index query `request` asks for, every parameter checked.
fn query(
    index: &SearchIndex,
    brands: &pointe_core::brand::BrandBook,
    r: &SearchRequest,
) -> Result<SearchQuery> {
    crate::bounds::check_count("limit", r.limit, MAX_LIMIT)?;
    crate::bounds::check_len("q", &r.text, MAX_TEXT)?;
    let ctx = index.context();
    check_filters(ctx, r)?;
    let to_gbp = |field: &str, raw: &Option<String>| -> Result<Option<u64>> {
        raw.as_deref()
            .map(|raw| {
                Ok(to_gbp_minor(
                    price(field, raw, gbp())?,
                    &ctx.rates,
                    ctx.today,
                )?)
            })
            .transpose()
    };
    Ok(SearchQuery {
        text: r.text.clone(),
        brand_key: r.brand.as_deref().map(|b| {
            brands
                .canonical(b)
                .map(|b| b.key)
                .unwrap_or_else(|| pointe_core::text::fold_key(b))
        }),
        retailer_key: r.retailer.as_deref().map(retailer_key),
        category: r.category.clone(),
        colour: r.colour.clone(),
        material: r.material.clone(),
        tier: r.tier.clone(),
        min_price_gbp: to_gbp("min_price", &r.min_price)?,
        max_price_gbp: to_gbp("max_price", &r.max_price)?,
        in_stock: r.in_stock,
        sort: sort(r.sort.as_deref())?,
        limit: r.limit,
        offset: r.offset,
        currency: currency(r.currency.as_deref())?,
        facets: true,
        gender: r.gender.clone(),
        market: market(r.market.as_deref())?,
        literal: r.literal,
    })
}

/// The category, colour, material, tier and gender filters must name something the
/// taxonomy and tiers know.
fn check_filters(ctx: &IndexContext, r: &SearchRequest) -> Result<()> {
    for (field, dim, raw) in [
        ("category", "category", &r.category),
        ("colour", "colour", &r.colour),
        ("material", "material", &r.material),
    ] {
        if let Some(raw) = raw
            && resolve_value(&ctx.taxonomy, dim, raw).is_none()
        {
            let known: Vec<&str> = ctx
                .taxonomy
                .values(dim)
                .map(|v| v.id.as_str())
                .take(12)
                .collect();
            return Err(Error::bad(
                field,
                format!("no {dim} {raw:?}; try one of {}", known.join(", ")),
            ));
        }
    }
    check_tier(ctx, r.tier.as_deref())?;
    check_gender(r.gender.as_deref())
}

/// A tier must be one of tiers.toml's.
pub(crate) fn check_tier(ctx: &IndexContext, tier: Option<&str>) -> Result<()> {
    match tier {
        Some(t) if !ctx.tiers.has(t) => Err(Error::bad(
            "tier",
            format!(
                "no tier {t:?}; the tiers are {}",
                ctx.tiers.names().join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

/// A gender must be one of [`GENDERS`].
pub(crate) fn check_gender(gender: Option<&str>) -> Result<()> {
    match gender {
        Some(g) if !GENDERS.contains(&g) => Err(Error::bad(
            "gender",
            format!("no gender {g:?}; the genders are {}", GENDERS.join(", ")),
        )),
        _ => Ok(()),
    }
}

fn sort(raw: Option<&str>) -> Result<SortOrder> {
    match raw.unwrap_or("relevance") {
        "relevance" => Ok(SortOrder::Relevance),
        "price" | "price-asc" => Ok(SortOrder::PriceAsc),
        "-price" | "price-desc" => Ok(SortOrder::PriceDesc),
        other => Err(Error::bad(
            "sort",
            format!("{other:?}: use relevance, price or -price"),
        )),
    }
}

fn market(raw: Option<&str>) -> Result<Option<Market>> {
    raw.map(|m| {
        m.parse::<Market>()
            .map_err(|e| Error::bad("market", e.to_string()))
    })
    .transpose()
}

/// A `currency` parameter, when given.
pub(crate) fn currency(raw: Option<&str>) -> Result<Option<Currency>> {
    raw.map(|c| Workspace::currency("currency", c)).transpose()
}

/// GBP, the currency of bare search prices.
pub(crate) fn gbp() -> Currency {
    Currency::from_code("GBP").unwrap_or_else(|| unreachable!("GBP is a known currency"))
}

/// A price in any currency form; a bare number is in `default`. A price that names its
/// currency keeps it, and one that cannot be read says why (not that it differs from
/// `default`).
pub(crate) fn price(field: &str, raw: &str, default: Currency) -> Result<Money> {
    match parse_price(raw, None) {
        Err(MoneyError::NoCurrency(_)) => parse_price(raw, Some(default)),
        read => read,
    }
    .map_err(|e| Error::bad(field, format!("{raw:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_keeps_its_own_currency_and_says_why_it_cannot_be_read() {
        let php = Currency::from_code("PHP").unwrap();
        let gbp = price("max_price", "£50", php).unwrap();
        assert_eq!((gbp.minor, gbp.currency), (5000, super::gbp()));
        assert_eq!(price("max_price", "50", php).unwrap().currency, php);
        let e = price("max_price", "3857,797 GBP", php)
            .unwrap_err()
            .to_string();
        assert!(e.contains("group"), "{e}");
        assert!(!e.contains("PHP"), "{e}");
    }
}
