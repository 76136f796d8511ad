//! The shapes of the core's JSON results, for the OpenAPI document: each mirrors how a core
//! type serialises (the handlers answer the core types themselves). Schemathesis checks every
//! response against them (`scripts/api-fuzz`).

#![allow(dead_code)]

use std::collections::BTreeMap;

use utoipa::ToSchema;

/// An amount of money.
#[derive(Debug, ToSchema)]
pub struct Money {
    /// Plain decimal amount with the currency's minor digits ("550.00").
    amount: String,
    /// ISO 4217 code.
    currency: String,
    /// Present (and true) when converted from another currency.
    approx: Option<bool>,
    /// The date of the exchange rate used, when converted.
    rate_date: Option<String>,
}

/// A feed item id a product is known by.
#[derive(Debug, ToSchema)]
pub struct ItemId {
    /// The source (feed).
    source: String,
    /// The retailer.
    retailer: String,
    /// The feed's id.
    item_id: String,
}

/// One search result.
#[derive(Debug, ToSchema)]
pub struct SearchHit {
    /// Pointe's id.
    id: String,
    /// Every feed item id the product is known by.
    item_ids: Vec<ItemId>,
    /// Brand.
    brand: Option<String>,
    /// Title.
    title: String,
    /// The lowest current price.
    price: Option<Money>,
    /// Price tier.
    tier: Option<String>,
    /// Whether any current offer can be bought now.
    in_stock: bool,
    /// The relevance score (BM25; 0 when sorted by price or when no words were given).
    score: f64,
}

/// One facet value and how many matching products have it.
#[derive(Debug, ToSchema)]
pub struct FacetCount {
    /// The value (a brand key, taxonomy id, tier…).
    value: String,
    /// Matching products with it.
    count: u64,
}

/// What a query was understood to ask for.
#[derive(Debug, ToSchema)]
pub struct Understood {
    /// The words searched, once every understood phrase is taken out.
    text: String,
    /// The lowest price asked for.
    min_price: Option<String>,
    /// The highest price asked for.
    max_price: Option<String>,
    /// The currency of the prices asked for.
    currency: Option<String>,
    /// The gender asked for.
    gender: Option<String>,
    /// The brand named, as its key.
    brand: Option<String>,
    /// The category understood (taxonomy id; several joined by `|`).
    category: Option<String>,
    /// What was read but not used, and why.
    notes: Option<Vec<String>>,
}

/// A page of products: search results when `q` or a search filter is given, else every
/// product the filters keep.
#[derive(Debug, ToSchema)]
pub struct ProductPage {
    /// This page's products.
    items: Vec<SearchHit>,
    /// How many match in all.
    total: u64,
    /// Counts of the matching products by brand, retailer, category, colour, material, tier
    /// and stock, and by price band in GBP (`price`: `"25-50"` counts £25 up to, not
    /// including, £50; `"500-"` £500 and over).
    facets: BTreeMap<String, Vec<FacetCount>>,
    /// True when no product had every word and the results are those with any of them.
    relaxed: bool,
    /// What the query was understood to ask for.
    understood: Understood,
}

/// The hero as look-alike results show it.
#[derive(Debug, ToSchema)]
pub struct HeroView {
    /// Pointe's id (none for a text hero).
    id: Option<String>,
    /// Its feed item ids.
    item_ids: Vec<ItemId>,
    /// Brand.
    brand: Option<String>,
    /// Title or text.
    title: String,
    /// Its lowest current price.
    price: Option<Money>,
    /// Its tier.
    tier: Option<String>,
    /// The attributes the scorer compares (labels).
    attributes: Vec<String>,
    /// What Pointe understood of it, for people.
    understood: String,
}

/// What a look-alike saves against the hero (negative when it costs more).
#[derive(Debug, ToSchema)]
pub struct Saving {
    /// The amount, in the hero's currency.
    amount: Money,
    /// As a percentage of the hero's price.
    percent: f64,
}

/// A hero value the look-alike does not state either way.
#[derive(Debug, ToSchema)]
pub struct Unstated {
    /// The dimension.
    dimension: String,
    /// The hero's value's label.
    hero: String,
}

/// One look-alike with its explanation.
#[derive(Debug, ToSchema)]
pub struct Lookalike {
    /// Pointe's id.
    id: String,
    /// Its feed item ids.
    item_ids: Vec<ItemId>,
    /// Brand.
    brand: Option<String>,
    /// Title.
    title: String,
    /// Its lowest current price in the hero's currency.
    price: Option<Money>,
    /// How alike it is, 0 to 1.
    score: f64,
    /// Whether it is of the hero's category or a sibling of it.
    same_category: bool,
    /// The hero's attributes it shares.
    shared: Vec<String>,
    /// How it differs ("leather instead of satin").
    differences: Vec<String>,
    /// The hero's attributes it does not state either way.
    unstated: Vec<Unstated>,
    /// What it saves against the hero.
    saving: Option<Saving>,
    /// Its price tier.
    tier: Option<String>,
}

/// Look-alikes: `{"hero", "items", "total"}`.
#[derive(Debug, ToSchema)]
pub struct LookalikeResults {
    /// The hero.
    hero: HeroView,
    /// Look-alikes, best first.
    items: Vec<Lookalike>,
    /// How many (the length of `items`).
    total: u64,
}

/// Every stored series ranked by momentum.
#[derive(Debug, ToSchema)]
pub struct TrendPage {
    /// The series, significantly rising ones first.
    items: Vec<pointe_app::trends::TrendItem>,
    /// How many.
    total: u64,
}
