//! Listing and showing products.

use std::collections::BTreeMap;

use pointe_core::catalog::{CatalogReader, ProductDetail, ProductSummary};
use pointe_core::store::{ProductFilter, retailer_key};
use serde::Serialize;

use crate::{Result, Workspace};

/// The most products one page may hold.
pub const MAX_PAGE: usize = 10_000;

/// A page of the product list.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Only this brand (any spelling the brand book knows).
    pub brand: Option<String>,
    /// Only products some offer of this retailer sells.
    pub retailer: Option<String>,
    /// At most this many (1 to [`MAX_PAGE`]).
    pub limit: usize,
    /// Skip this many first.
    pub offset: usize,
    /// Show prices in this currency (converted prices say so).
    pub currency: Option<String>,
}

/// A list and how many match in all.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// How many match in all.
    pub total: u64,
}

/// Lists products, newest ingest order, filtered by brand and retailer.
pub fn list(ws: &Workspace, request: &ListRequest) -> Result<Page<ProductSummary>> {
    crate::bounds::check_count("limit", request.limit, MAX_PAGE)?;
    let currency = request
        .currency
        .as_deref()
        .map(|c| Workspace::currency("currency", c))
        .transpose()?;
    let store = ws.store()?;
    let brands = ws.brands()?;
    let rates = ws.rates(&*store)?;
    let reader = CatalogReader::new(&*store, &rates, ws.today()?);
    let filter = ProductFilter {
        // An unknown brand is its own canonical brand, so it matches nothing; a blank one is
        // no filter.
        brand_key: request
            .brand
            .as_deref()
            .and_then(|b| brands.canonical(b))
            .map(|b| b.key),
        retailer_key: request.retailer.as_deref().map(|r| {
            brands
                .canonical(r)
                .map(|b| retailer_key(&b.display))
                .unwrap_or_else(|| retailer_key(r))
        }),
        limit: Some(request.limit),
        offset: request.offset,
    };
    let (items, total) = reader.list(&filter, currency)?;
    Ok(Page { items, total })
}

/// One product with its offers, price history and attributes with their evidence. `id` is
/// anything the catalog resolves: a Pointe id, a feed item id, a URL or an exact title.
pub fn show(ws: &Workspace, id: &str, currency: Option<&str>) -> Result<ProductDetail> {
    let currency = currency
        .map(|c| Workspace::currency("currency", c))
        .transpose()?;
    let store = ws.store()?;
    let rates = ws.rates(&*store)?;
    let reader = CatalogReader::new(&*store, &rates, ws.today()?);
    let product = reader.resolve(id)?;
    Ok(reader.detail(&product, currency)?)
}

/// What a result card shows besides a search hit's own fields: the product's first image and
/// the retailer of its lowest current price.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Card {
    /// Pointe's id.
    pub id: String,
    /// The first image the feeds give, as written (a front end checks its scheme).
    pub image_url: Option<String>,
    /// The retailer with the lowest current price.
    pub retailer: Option<String>,
    /// The first colour the feeds give, as written ("Camel"): what tells two colourways of
    /// one title apart.
    pub colour: Option<String>,
}

/// How the canonical brand keys `keys` are written (a facet counts keys): the brand book's
/// name, else the brand as the first stored product of it writes it. A key no product has is
/// left out. Costs one indexed read per key the brand book does not know.
pub fn brand_names_in(
    open: &crate::reader::Open<'_>,
    keys: &[&str],
) -> Result<BTreeMap<String, String>> {
    if keys.len() > MAX_PAGE {
        return Err(crate::Error::bad(
            "brands",
            format!("{}: at most {MAX_PAGE} brands at once", keys.len()),
        ));
    }
    let mut names = BTreeMap::new();
    for key in keys {
        let known = open
            .loaded
            .brands
            .canonical(key)
            .filter(|b| b.key == *key && b.display != *key)
            .map(|b| b.display);
        let name = match known {
            Some(name) => Some(name),
            None => open.store.brand_name(key)?,
        };
        if let Some(name) = name {
            names.insert(key.to_string(), name);
        }
    }
    Ok(names)
}

/// The cards of `ids` over an open store, in order; an id no longer stored gets an empty
/// card. Costs one product and one offer read per id.
pub fn cards_in(open: &crate::reader::Open<'_>, ids: &[String]) -> Result<Vec<Card>> {
    if ids.len() > MAX_PAGE {
        return Err(crate::Error::bad(
            "ids",
            format!("{}: at most {MAX_PAGE} cards at once", ids.len()),
        ));
    }
    let ctx = open.loaded.index.context();
    let reader = CatalogReader::new(open.store, &ctx.rates, ctx.today);
    ids.iter()
        .map(|id| {
            let Some(product) = open.store.product_by_id(id)? else {
                return Ok(Card {
                    id: id.clone(),
                    ..Card::default()
                });
            };
            let summary = reader.list_one(&product)?;
            Ok(Card {
                id: id.clone(),
                image_url: product.data.image_urls.first().cloned(),
                retailer: summary.lowest_price_retailer,
                colour: product.data.colours.first().cloned(),
            })
        })
        .collect()
}
