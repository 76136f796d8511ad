//! `GET /api/v1/products` (search and listing) and `GET /api/v1/products/{id}`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use pointe_app::search::SearchRequest;
use pointe_core::catalog::ProductDetail;
use pointe_search::SearchResults;

use crate::error::ApiResult;
use crate::params::Params;
use crate::state::AppState;

/// The most products one page holds.
pub const MAX_PER_PAGE: usize = 100;

/// The deepest page a listing goes to.
pub const MAX_PAGE: usize = 100_000;

/// The parameters of `GET /api/v1/products`.
const LIST_PARAMS: &[&str] = &[
    "q",
    "brand",
    "retailer",
    "category",
    "colour",
    "material",
    "tier",
    "gender",
    "min_price",
    "max_price",
    "in_stock",
    "currency",
    "sort",
    "market",
    "literal",
    "page",
    "per_page",
];

/// Searches products (`q`, with filters) or lists them (no `q`: every product the filters
/// keep), a page at a time, with facets.
#[utoipa::path(
    get,
    path = "/api/v1/products",
    tag = "products",
    params(
        ("q" = Option<String>, Query, description = "The words to search for (\"satin ballet flats under £100\"); none lists every product the filters keep"),
        ("brand" = Option<String>, Query, description = "Only this brand (any spelling)"),
        ("retailer" = Option<String>, Query, description = "Only products this retailer sells"),
        ("category" = Option<String>, Query, description = "Only this category or its sub-categories"),
        ("colour" = Option<String>, Query, description = "Only this colour family or shade"),
        ("material" = Option<String>, Query, description = "Only this material or its kinds"),
        ("tier" = Option<String>, Query, description = "Only this tier (high_street, premium, luxury)"),
        ("gender" = Option<String>, Query, description = "women, men, unisex, kids, girls or boys"),
        ("min_price" = Option<String>, Query, description = "Lowest price, any currency (\"£50\"; a bare number is GBP)"),
        ("max_price" = Option<String>, Query, description = "Highest price, any currency"),
        ("in_stock" = Option<bool>, Query, description = "Only products that can be bought now"),
        ("currency" = Option<String>, Query, description = "Show prices in this ISO 4217 currency"),
        ("sort" = Option<String>, Query, description = "relevance (default), price or -price"),
        ("market" = Option<String>, Query, description = "uk or us: which English the words are in"),
        ("literal" = Option<bool>, Query, description = "Search the words as typed"),
        ("page" = Option<usize>, Query, description = "Page number, from 1"),
        ("per_page" = Option<usize>, Query, description = "Products per page, 1 to 100 (20)"),
    ),
    responses(
        (status = 200, description = "A page of products with facets", body = crate::schema::ProductPage),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<SearchResults>> {
    let p = Params::parse(query.as_deref(), LIST_PARAMS)?;
    let per_page = p.number("per_page", 20, 1, MAX_PER_PAGE)?;
    let page = p.number("page", 1, 1, MAX_PAGE)?;
    let request = SearchRequest {
        text: p.string("q").unwrap_or_default(),
        brand: p.string("brand"),
        retailer: p.string("retailer"),
        category: p.string("category"),
        colour: p.string("colour"),
        material: p.string("material"),
        tier: p.string("tier"),
        gender: p.string("gender"),
        min_price: p.string("min_price"),
        max_price: p.string("max_price"),
        in_stock: p.flag("in_stock", false)?,
        currency: p.string("currency"),
        sort: p.string("sort"),
        market: p.string("market"),
        literal: p.flag("literal", false)?,
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let results = state
        .read(move |open| pointe_app::search::search_in(open, &request))
        .await?;
    Ok(Json(results))
}

/// One product: offers, price history, attributes with their evidence. `id` is a Pointe id,
/// a feed item id, a URL or an exact title.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}",
    tag = "products",
    params(
        ("id" = String, Path, description = "Pointe id, feed item id, URL or exact title"),
        ("currency" = Option<String>, Query, description = "Show prices in this ISO 4217 currency"),
    ),
    responses(
        (status = 200, description = "The product", body = Object),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such product; `candidates` lists near ids", body = crate::error::ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ProductDetail>> {
    let p = Params::parse(query.as_deref(), &["currency"])?;
    let currency = p.string("currency");
    pointe_app::bounds::check_len("id", &id, 2048)?;
    let detail = state
        .blocking(move |ws| pointe_app::products::show(ws, &id, currency.as_deref()))
        .await?;
    Ok(Json(detail))
}
