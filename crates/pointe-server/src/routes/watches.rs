//! `/api/v1/watches` and `/api/v1/alerts`: watches made, listed and removed, and the alerts they
//! raised, as `pointe watch` and `pointe alerts` give them. Every call needs a read-write token:
//! a watch names its webhook, and a team's watch list is its own.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use pointe_app::watches::{self, AddWatch, Target};
use pointe_core::store::TokenScope;
use pointe_core::watch::Alert;
use serde::{Deserialize, Serialize};

use crate::body::json_body;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;

/// The largest watch body read, in bytes.
pub const MAX_WATCH_BODY: usize = 16 * 1024;
/// The most alerts one call lists.
pub const MAX_ALERTS: usize = 1_000;

/// A watch to make: exactly one of `product`, `edit` and `search`, and its rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddWatchRequest {
    /// A product: a Pointe id, a feed item id, a URL or an exact title.
    #[serde(default)]
    pub product: Option<String>,
    /// Only this offer of the product (its feed item id: one variant).
    #[serde(default)]
    pub item: Option<String>,
    /// An edit's slug: its picks are watched.
    #[serde(default)]
    pub edit: Option<String>,
    /// A saved search ("ballet flats under £60 in pink").
    #[serde(default)]
    pub search: Option<String>,
    /// At or below this price ("£50", "60 EUR"), converted once into the offers' currency.
    #[serde(default)]
    pub below: Option<String>,
    /// A drop of at least this share or amount ("10%", "£20").
    #[serde(default)]
    pub drop: Option<String>,
    /// Any rise.
    #[serde(default)]
    pub rise: bool,
    /// Back in stock.
    #[serde(default)]
    pub restock: bool,
    /// Out of stock.
    #[serde(default)]
    pub out_of_stock: bool,
    /// A new match of the saved search.
    #[serde(default)]
    pub new_match: bool,
    /// Where each alert is POSTed (a public address unless the server allows private ones).
    #[serde(default)]
    pub webhook: Option<String>,
    /// The key that signs each POST (`Pointe-Signature`); never shown again.
    #[serde(default)]
    pub webhook_secret: Option<String>,
    /// The least time between two alerts of the watch (`0s`, `30m`, `1h`).
    #[serde(default)]
    pub min_interval: Option<String>,
    /// For an edit: swap a pick that can no longer be bought.
    #[serde(default)]
    pub auto_swap: bool,
}

/// The watches.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WatchList {
    /// Each watch (its webhook's secret never; `signed` says whether there is one).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    /// How many.
    pub total: usize,
}

/// Alerts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlertList {
    /// Each alert with its evidence and delivery, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Alert>,
    /// How many.
    pub total: usize,
}

fn target(r: &AddWatchRequest) -> ApiResult<Target> {
    match (&r.product, &r.edit, &r.search) {
        (Some(p), None, None) => Ok(Target::Product(p.clone())),
        (None, Some(e), None) => Ok(Target::Edit(e.clone())),
        (None, None, Some(q)) => Ok(Target::Search(q.clone())),
        _ => Err(ApiError::bad(
            "product",
            "give exactly one of product, edit and search",
        )),
    }
}

/// Every watch.
#[utoipa::path(get, path = "/api/v1/watches", operation_id = "list_watches", tag = "watches",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The watches", body = WatchList),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
    ))]
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<WatchList>> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    let items: Vec<serde_json::Value> = state
        .blocking(|ws| Ok(watches::list(ws)?.iter().map(watches::view).collect()))
        .await?;
    Ok(Json(WatchList {
        total: items.len(),
        items,
    }))
}

/// Makes a watch.
#[utoipa::path(post, path = "/api/v1/watches", operation_id = "add_watch", tag = "watches",
    security(("bearer" = [])),
    request_body(content = AddWatchRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The watch", body = Object),
        (status = 400, description = "A bad field, named", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
        (status = 404, description = "No such product or edit, with `candidates`", body = crate::error::ErrorBody),
        (status = 413, description = "A body over the limit", body = crate::error::ErrorBody),
    ))]
pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    let r: AddWatchRequest = json_body(body, MAX_WATCH_BODY).await?;
    let req = AddWatch {
        target: target(&r)?,
        item: r.item,
        below: r.below,
        drop: r.drop,
        rise: r.rise,
        restock: r.restock,
        out_of_stock: r.out_of_stock,
        new_match: r.new_match,
        webhook: r.webhook,
        webhook_secret: r.webhook_secret,
        min_interval: r.min_interval,
        auto_swap: r.auto_swap,
        allow_private: state.config.allow_private_sources,
    };
    let watch = state.blocking(move |ws| watches::add(ws, &req)).await?;
    Ok((StatusCode::CREATED, Json(watches::view(&watch))))
}

/// Removes a watch; its alerts stay.
#[utoipa::path(delete, path = "/api/v1/watches/{id}", operation_id = "remove_watch", tag = "watches",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The watch's id (w1, w2, …)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
        (status = 404, description = "No such watch", body = crate::error::ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    state.blocking(move |ws| watches::remove(ws, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The alerts raised at or after `since`, of one watch or all, the latest `limit` (100).
#[utoipa::path(get, path = "/api/v1/alerts", operation_id = "list_alerts", tag = "watches",
    security(("bearer" = [])),
    params(
        ("since" = Option<String>, Query, description = "RFC 3339: only alerts raised at or after it"),
        ("watch" = Option<String>, Query, description = "Only this watch's"),
        ("limit" = Option<usize>, Query, description = "At most this many, the latest (100)"),
    ),
    responses(
        (status = 200, description = "The alerts", body = AlertList),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
    ))]
pub async fn alerts(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<AlertList>> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    let p = Params::parse(query.as_deref(), &["since", "watch", "limit"])?;
    let limit = p.number("limit", 100, 1, MAX_ALERTS)?;
    if p.given("since") && p.str("since").is_none() {
        return Err(ApiError::bad(
            "since",
            "a date and time (RFC 3339), not blank",
        ));
    }
    let since = match p.str("since") {
        Some(raw) => Some(
            raw.trim()
                .parse::<jiff::Timestamp>()
                .map_err(|e| ApiError::bad("since", format!("{raw:?}: {e}")))?,
        ),
        None => None,
    };
    let watch = p.string("watch");
    let items = state
        .blocking(move |ws| watches::alerts(ws, since, watch.as_deref(), limit))
        .await?;
    Ok(Json(AlertList {
        total: items.len(),
        items,
    }))
}
