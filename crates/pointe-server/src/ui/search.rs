//! `/` and `/search?q=…`: the query box, what was understood, facets with counts as links,
//! sort, pages of result cards.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use pointe_app::products::Card;
use pointe_app::search::SearchRequest;
use pointe_core::store::retailer_key;
use pointe_search::SearchResults;

use super::error::PageResult;
use super::view::{Html, Layout, Link, href, label, render};
use crate::params::Params;
use crate::state::AppState;

/// Results per page.
const PER_PAGE: usize = 24;

/// The highest page number asked for.
const MAX_PAGE: usize = 400;

/// The filters a search page may carry, with the facet each one's links come from.
const FILTERS: &[(&str, &str, &str)] = &[
    ("brand", "brand", "Brand"),
    ("retailer", "retailer", "Retailer"),
    ("category", "category", "Category"),
    ("colour", "colour_family", "Colour"),
    ("material", "material", "Material"),
    ("tier", "tier", "Tier"),
];

const PARAMS: &[&str] = &[
    "q",
    "brand",
    "retailer",
    "category",
    "colour",
    "material",
    "tier",
    "min_price",
    "max_price",
    "in_stock",
    "sort",
    "page",
];

#[derive(Debug, Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    sort: String,
    min_price: String,
    max_price: String,
    in_stock: bool,
    hidden: Vec<(String, String)>,
    understood: Option<String>,
    notes: Vec<String>,
    relaxed: bool,
    total: u64,
    active: Vec<Link>,
    facets: Vec<Facet>,
    cards: Vec<CardView>,
    previous: Option<String>,
    next: Option<String>,
    page: usize,
    pages: usize,
}

#[derive(Debug)]
struct Facet {
    name: &'static str,
    values: Vec<FacetValue>,
}

#[derive(Debug)]
struct FacetValue {
    href: String,
    text: String,
    count: u64,
    selected: bool,
}

#[derive(Debug)]
struct CardView {
    face: super::view::CardFace,
    in_stock: bool,
}

/// `GET /`: the search page, every product listed until words are typed.
pub async fn index(state: State<AppState>, query: RawQuery) -> PageResult<Html> {
    search(state, query).await
}

/// `GET /search`: a page of results for the words and filters in the query string.
pub async fn search(State(state): State<AppState>, RawQuery(query): RawQuery) -> PageResult<Html> {
    let p = Params::parse(query.as_deref(), PARAMS)?;
    let page = p.number("page", 1, 1, MAX_PAGE)?;
    let request = request(&p, page)?;
    let (results, cards, names) = state
        .read(move |open| {
            let results = pointe_app::search::search_in(open, &request)?;
            let ids: Vec<String> = results.items.iter().map(|h| h.id.clone()).collect();
            let cards = pointe_app::products::cards_in(open, &ids)?;
            let names = names(open, &results, &cards)?;
            Ok((results, cards, names))
        })
        .await?;
    render(&page_of(&p, page, results, cards, &names))
}

/// How people write the brand and retailer keys the facets count: a brand as the brand book or
/// its products write it, a retailer as a card on this page gives it.
fn names(
    open: &pointe_app::reader::Open<'_>,
    results: &SearchResults,
    cards: &[Card],
) -> pointe_app::Result<BTreeMap<String, String>> {
    let brand_keys: Vec<&str> = results
        .facets
        .get("brand")
        .into_iter()
        .flatten()
        .map(|v| v.value.as_str())
        .collect();
    let mut names = pointe_app::products::brand_names_in(open, &brand_keys)?;
    for value in results.facets.get("retailer").into_iter().flatten() {
        let name = cards
            .iter()
            .filter_map(|c| c.retailer.as_ref())
            .find(|r| retailer_key(r) == value.value);
        if let Some(name) = name {
            names.insert(value.value.clone(), name.clone());
        }
    }
    Ok(names)
}

fn request(p: &Params, page: usize) -> PageResult<SearchRequest> {
    Ok(SearchRequest {
        text: p.string("q").unwrap_or_default(),
        brand: p.string("brand"),
        retailer: p.string("retailer"),
        category: p.string("category"),
        colour: p.string("colour"),
        material: p.string("material"),
        tier: p.string("tier"),
        min_price: p.string("min_price"),
        max_price: p.string("max_price"),
        in_stock: p.flag("in_stock", false)?,
        sort: p.string("sort"),
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
        ..SearchRequest::default()
    })
}

/// The parameters the page was asked with, without the page number, in a stable order.
fn kept(p: &Params) -> Vec<(String, String)> {
    PARAMS
        .iter()
        .filter(|name| **name != "page")
        .filter_map(|name| p.string(name).map(|v| (name.to_string(), v)))
        .collect()
}

/// `pairs` with `name` set to `value` (or removed when `None`).
fn with(pairs: &[(String, String)], name: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != name).cloned().collect();
    if let Some(v) = value {
        out.push((name.to_string(), v.to_string()));
    }
    out
}

fn page_of(
    p: &Params,
    page: usize,
    results: SearchResults,
    cards: Vec<Card>,
    names: &BTreeMap<String, String>,
) -> SearchPage {
    let kept = kept(p);
    let pages = (results.total as usize)
        .div_ceil(PER_PAGE)
        .clamp(1, MAX_PAGE);
    let at = |n: usize| href("/search", &with(&kept, "page", Some(&n.to_string())));
    let q = p.string("q").unwrap_or_default();
    SearchPage {
        layout: Layout::new(
            if q.is_empty() {
                "Search".to_string()
            } else {
                format!("{q} — search")
            },
            "search",
        ),
        sort: p.string("sort").unwrap_or_else(|| "relevance".into()),
        min_price: p.string("min_price").unwrap_or_default(),
        max_price: p.string("max_price").unwrap_or_default(),
        in_stock: p.flag("in_stock", false).unwrap_or(false),
        hidden: FILTERS
            .iter()
            .filter_map(|(name, _, _)| p.string(name).map(|v| (name.to_string(), v)))
            .collect(),
        understood: (!q.is_empty()).then(|| results.understood.to_string()),
        notes: results.understood.notes.clone(),
        relaxed: results.relaxed,
        total: results.total,
        active: active_filters(&kept, names),
        facets: facets(&kept, &results, names),
        cards: card_views(&results, cards),
        previous: (page > 1).then(|| at(page - 1)),
        next: (page < pages).then(|| at(page + 1)),
        q,
        page,
        pages,
    }
}

/// A link per filter in force that takes it away.
fn active_filters(kept: &[(String, String)], names: &BTreeMap<String, String>) -> Vec<Link> {
    kept.iter()
        .filter(|(k, _)| FILTERS.iter().any(|(name, _, _)| name == k) || k == "in_stock")
        .map(|(k, v)| Link {
            href: href("/search", &with(kept, k, None)),
            text: if k == "in_stock" {
                "in stock".to_string()
            } else {
                format!("{k}: {}", names.get(v).cloned().unwrap_or_else(|| label(v)))
            },
        })
        .collect()
}

fn facets(
    kept: &[(String, String)],
    results: &SearchResults,
    names: &BTreeMap<String, String>,
) -> Vec<Facet> {
    FILTERS
        .iter()
        .filter_map(|(param, facet, name)| {
            let counts = results.facets.get(*facet)?;
            let chosen = kept
                .iter()
                .find(|(k, _)| k == param)
                .map(|(_, v)| v.as_str());
            let values: Vec<FacetValue> = counts
                .iter()
                .filter(|c| !c.value.is_empty())
                .map(|c| FacetValue {
                    href: href("/search", &with(kept, param, Some(&c.value))),
                    text: match *facet {
                        "brand" | "retailer" => names.get(&c.value).cloned(),
                        _ => None,
                    }
                    .unwrap_or_else(|| label(&c.value)),
                    count: c.count,
                    selected: chosen == Some(c.value.as_str()),
                })
                .collect();
            (!values.is_empty()).then_some(Facet { name, values })
        })
        .chain(price_facet(kept, results))
        .chain(stock_facet(kept, results))
        .collect()
}

/// The price bands of the matches as links to the lowest and highest price that select them
/// (a band ends a penny before the next starts: the highest price is inclusive).
fn price_facet(kept: &[(String, String)], results: &SearchResults) -> Option<Facet> {
    let bands = results.facets.get(pointe_search::PRICE_FACET)?;
    let chosen = |name: &str| kept.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let values: Vec<FacetValue> = bands
        .iter()
        .filter_map(|band| {
            let (from, to) = band.value.split_once('-')?;
            let min = (from != "0").then(|| from.to_string());
            let max = match to {
                "" => None,
                to => Some(format!("{}.99", to.parse::<u64>().ok()?.checked_sub(1)?)),
            };
            let text = match (&min, to.is_empty()) {
                (None, _) => format!("Under £{to}"),
                (Some(_), true) => format!("£{from} and over"),
                (Some(_), false) => format!("£{from} to £{to}"),
            };
            let pairs = with(kept, "min_price", min.as_deref());
            let pairs = with(&pairs, "max_price", max.as_deref());
            Some(FacetValue {
                href: href("/search", &pairs),
                selected: chosen("min_price") == min && chosen("max_price") == max,
                text,
                count: band.count,
            })
        })
        .collect();
    (!values.is_empty()).then_some(Facet {
        name: "Price",
        values,
    })
}

/// How many matches can be bought now, as the link that keeps only those.
fn stock_facet(kept: &[(String, String)], results: &SearchResults) -> Option<Facet> {
    let in_stock = results
        .facets
        .get("in_stock")?
        .iter()
        .find(|c| c.value == "1")?;
    Some(Facet {
        name: "Stock",
        values: vec![FacetValue {
            href: href("/search", &with(kept, "in_stock", Some("true"))),
            text: "In stock".to_string(),
            count: in_stock.count,
            selected: kept.iter().any(|(k, _)| k == "in_stock"),
        }],
    })
}

fn card_views(results: &SearchResults, cards: Vec<Card>) -> Vec<CardView> {
    super::view::with_cards(&results.items, cards)
        .map(|(hit, card)| CardView {
            face: super::view::CardFace::new(
                &hit.id,
                hit.brand.as_deref(),
                &hit.title,
                hit.price.as_ref().map(|p| p.display.as_str()),
                hit.tier.as_deref(),
                card,
            ),
            in_stock: hit.in_stock,
        })
        .collect()
}
