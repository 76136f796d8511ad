//! `GET /api/v1/products/{id}/lookalikes` and `GET /api/v1/lookalikes?text=…`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use pointe_app::lookalikes::{HeroRef, LookalikesRequest};
use pointe_search::LookalikeResults;

use crate::error::ApiResult;
use crate::params::Params;
use crate::state::AppState;

/// The most look-alikes one request returns.
pub const MAX_LIMIT: usize = 100;

/// The most look-alikes of one brand a request may ask for.
pub const MAX_PER_BRAND: usize = 100;

/// The options both routes take.
const OPTIONS: &[&str] = &[
    "max_price",
    "tier",
    "limit",
    "gender",
    "cheaper",
    "currency",
    "in_stock",
    "per_brand",
    "min_saving",
    "other_brands",
];

/// The request for `hero` from the query string (`text` allowed too when `extra` says).
fn request(hero: HeroRef, p: &Params) -> ApiResult<LookalikesRequest> {
    let per_brand = match p.given("per_brand") {
        true => Some(p.number("per_brand", 1, 1, MAX_PER_BRAND)?),
        false => None,
    };
    Ok(LookalikesRequest {
        cheaper: p.flag("cheaper", true)?,
        max_price: p.string("max_price"),
        tier: p.string("tier"),
        in_stock: p.flag("in_stock", false)?,
        limit: p.number("limit", 10, 1, MAX_LIMIT)?,
        per_brand,
        currency: p.string("currency"),
        gender: p.string("gender"),
        min_saving: p.string("min_saving"),
        other_brands: p.flag("other_brands", false)?,
        ..LookalikesRequest::new(hero)
    })
}

/// The products that look most like a catalog product, cheaper by default, with what each
/// shares, how it differs and what it saves.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/lookalikes",
    tag = "lookalikes",
    params(
        ("id" = String, Path, description = "The hero: Pointe id, feed item id, URL or exact title"),
        ("max_price" = Option<String>, Query, description = "Highest price, any currency (a bare number is in the hero's)"),
        ("tier" = Option<String>, Query, description = "Only this tier (high_street, premium, luxury)"),
        ("limit" = Option<usize>, Query, description = "At most this many, 1 to 100 (10)"),
        ("gender" = Option<String>, Query, description = "women, men, unisex, kids, girls or boys (default the hero's)"),
        ("cheaper" = Option<bool>, Query, description = "Only products cheaper than the hero (true)"),
        ("currency" = Option<String>, Query, description = "Show prices in this ISO 4217 currency (default the hero's)"),
        ("in_stock" = Option<bool>, Query, description = "Only products that can be bought now"),
        ("per_brand" = Option<usize>, Query, description = "At most this many per brand, 1 to 100"),
        ("min_saving" = Option<String>, Query, description = "With cheaper, the least saving: \"10%\" (default) or an amount"),
        ("other_brands" = Option<bool>, Query, description = "Only brands other than the hero's"),
    ),
    responses(
        (status = 200, description = "The hero and its look-alikes", body = crate::schema::LookalikeResults),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such product; `candidates` lists near ids", body = crate::error::ErrorBody),
    )
)]
pub async fn of_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<LookalikeResults>> {
    let p = Params::parse(query.as_deref(), OPTIONS)?;
    let request = request(HeroRef::Product(id), &p)?;
    answer(&state, request).await
}

/// The products that look most like a hero described in words.
#[utoipa::path(
    get,
    path = "/api/v1/lookalikes",
    tag = "lookalikes",
    params(
        ("text" = String, Query, description = "The hero in words (\"satin ballet flats with a bow\")"),
        ("max_price" = Option<String>, Query, description = "Highest price, any currency (a bare number is GBP)"),
        ("tier" = Option<String>, Query, description = "Only this tier (high_street, premium, luxury)"),
        ("limit" = Option<usize>, Query, description = "At most this many, 1 to 100 (10)"),
        ("gender" = Option<String>, Query, description = "women, men, unisex, kids, girls or boys"),
        ("cheaper" = Option<bool>, Query, description = "Ignored: a hero in words has no price"),
        ("currency" = Option<String>, Query, description = "Show prices in this ISO 4217 currency (GBP)"),
        ("in_stock" = Option<bool>, Query, description = "Only products that can be bought now"),
        ("per_brand" = Option<usize>, Query, description = "At most this many per brand, 1 to 100"),
        ("min_saving" = Option<String>, Query, description = "Ignored without a hero price"),
        ("other_brands" = Option<bool>, Query, description = "Ignored: a hero in words has no brand"),
    ),
    responses(
        (status = 200, description = "The hero as understood and its look-alikes", body = crate::schema::LookalikeResults),
        (status = 400, description = "A bad or missing parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn of_text(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<LookalikeResults>> {
    let mut allowed = OPTIONS.to_vec();
    allowed.push("text");
    let p = Params::parse(query.as_deref(), &allowed)?;
    let text = p
        .string("text")
        .ok_or_else(|| crate::error::ApiError::bad("text", "describe the hero in a few words"))?;
    let request = request(HeroRef::Text(text), &p)?;
    answer(&state, request).await
}

async fn answer(state: &AppState, request: LookalikesRequest) -> ApiResult<Json<LookalikeResults>> {
    let results = state
        .read(move |open| pointe_app::lookalikes::lookalikes_in(open, &request))
        .await?;
    Ok(Json(results))
}
