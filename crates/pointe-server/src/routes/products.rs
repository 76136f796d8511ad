//! `GET /api/v1/products` and `GET /api/v1/products/{id}`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use pointe_app::products::{ListRequest, Page};
use pointe_core::catalog::{ProductDetail, ProductSummary};

use crate::error::ApiResult;
use crate::params::Params;
use crate::state::AppState;

/// The most products one page holds.
pub const MAX_PER_PAGE: usize = 100;

/// Lists products (filtered by brand and retailer), a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/products",
    tag = "products",
    params(
        ("brand" = Option<String>, Query, description = "Only this brand (any spelling)"),
        ("retailer" = Option<String>, Query, description = "Only products this retailer sells"),
        ("currency" = Option<String>, Query, description = "Show prices in this ISO 4217 currency"),
        ("page" = Option<usize>, Query, description = "Page number, from 1"),
        ("per_page" = Option<usize>, Query, description = "Products per page, 1 to 100 (20)"),
    ),
    responses(
        (status = 200, description = "A page of products", body = Object),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Page<ProductSummary>>> {
    let p = Params::parse(
        query.as_deref(),
        &["brand", "retailer", "currency", "page", "per_page"],
    )?;
    let per_page = p.number("per_page", 20, 1, MAX_PER_PAGE)?;
    let page = p.number("page", 1, 1, 100_000)?;
    let request = ListRequest {
        brand: p.string("brand"),
        retailer: p.string("retailer"),
        limit: per_page,
        offset: (page - 1) * per_page,
        currency: p.string("currency"),
    };
    let page = state
        .blocking(move |ws| pointe_app::products::list(ws, &request))
        .await?;
    Ok(Json(page))
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
