//! `/api/v1/sources`: feeds Pointe downloads by itself, as `pointe source` manages them. Every
//! call needs a read-write token, reads too: a feed's address often carries the network's key.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use pointe_app::ingest::MappingRef;
use pointe_app::sources::{self, AddSource, Scheduled};
use pointe_core::store::{FeedSource, SourceRun, TokenScope};
use serde::{Deserialize, Serialize};

use crate::body::json_body;
use crate::error::ApiResult;
use crate::params::Params;
use crate::state::AppState;

/// The largest source body read, in bytes.
pub const MAX_SOURCE_BODY: usize = 16 * 1024;
/// The most runs a source's page lists.
pub const MAX_RUNS: usize = 100;

/// A source to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSourceRequest {
    /// The source name: the same names as a feed's `source`, so staleness follows it.
    pub name: String,
    /// The feed's `http://` or `https://` address; private and loopback addresses are refused
    /// unless the server allows them.
    pub url: String,
    /// How often to fetch it: `90s`, `30m`, `6h`, `1d` (default 6h).
    #[serde(default)]
    pub every: Option<String>,
    /// The feed layout, when its content does not tell.
    #[serde(default)]
    pub feed_format: Option<String>,
    /// A mapping shipped with Pointe or in the data directory's mappings/.
    #[serde(default)]
    pub mapping: Option<String>,
    /// The retailer, for feeds that name none per row.
    #[serde(default)]
    pub retailer: Option<String>,
    /// The currency of prices that name none.
    #[serde(default)]
    pub currency: Option<String>,
    /// A download with fewer rows than this share (percent) of the last good one is refused
    /// (default 50).
    #[serde(default)]
    pub refuse_below_pct: Option<u32>,
}

/// The sources, by name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SourceList {
    /// Each source with its state.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<FeedSource>,
    /// How many.
    pub total: usize,
}

/// A source and its latest runs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SourceShown {
    /// The source with its state.
    #[schema(value_type = Object)]
    pub source: FeedSource,
    /// Its latest runs, newest first.
    #[schema(value_type = Vec<Object>)]
    pub runs: Vec<SourceRun>,
}

/// A run asked for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunAsked {
    /// The source, due now.
    #[schema(value_type = Object)]
    pub source: FeedSource,
    /// Whether a scheduler runs this server's sources (else the run waits for one).
    pub scheduler_running: bool,
}

/// Every source, with what its runs left (next due, failing, last error).
#[utoipa::path(get, path = "/api/v1/sources", operation_id = "list_sources", tag = "sources",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sources", body = SourceList),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<SourceList>> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    let items = state.blocking(sources::list).await?;
    Ok(Json(SourceList {
        total: items.len(),
        items,
    }))
}

/// Adds a source, first due now.
#[utoipa::path(post, path = "/api/v1/sources", operation_id = "add_source", tag = "sources",
    security(("bearer" = [])),
    request_body(content = AddSourceRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The source", body = Object),
        (status = 400, description = "A bad field, named", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
        (status = 409, description = "A source of this name exists", body = crate::error::ErrorBody),
        (status = 413, description = "A body over the limit", body = crate::error::ErrorBody),
    ))]
pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<FeedSource>)> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    let request: AddSourceRequest = json_body(body, MAX_SOURCE_BODY).await?;
    let add = AddSource {
        name: request.name,
        url: request.url,
        every: request.every.unwrap_or_else(|| "6h".into()),
        feed_format: request.feed_format,
        mapping: request.mapping.map(MappingRef::Name),
        retailer: request.retailer,
        currency: request.currency,
        refuse_below_pct: request.refuse_below_pct,
        allow_file: false,
        allow_private: state.config.allow_private_sources,
    };
    let source = state.blocking(move |ws| sources::add(ws, &add)).await?;
    Ok((StatusCode::CREATED, Json(source)))
}

/// One source and its latest runs (`runs`, 1 to 100, default 10).
#[utoipa::path(get, path = "/api/v1/sources/{name}", operation_id = "show_source", tag = "sources",
    security(("bearer" = [])),
    params(
        ("name" = String, Path, description = "The source's name"),
        ("runs" = Option<usize>, Query, description = "How many runs to list (10)"),
    ),
    responses(
        (status = 200, description = "The source and its runs", body = SourceShown),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
        (status = 404, description = "No such source; `candidates` lists the names", body = crate::error::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<SourceShown>> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    let runs = Params::parse(query.as_deref(), &["runs"])?.number("runs", 10, 1, MAX_RUNS)?;
    let (source, runs) = state
        .blocking(move |ws| sources::show(ws, &name, runs))
        .await?;
    Ok(Json(SourceShown { source, runs }))
}

/// Stops watching a source; its offers stay.
#[utoipa::path(delete, path = "/api/v1/sources/{name}", operation_id = "remove_source", tag = "sources",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "The source's name")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
        (status = 404, description = "No such source", body = crate::error::ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    state.blocking(move |ws| sources::remove(ws, &name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a source due now: the scheduler (`pointe serve` or `pointe daemon`) runs it within
/// seconds, and `GET /api/v1/sources/{name}` shows the run.
#[utoipa::path(post, path = "/api/v1/sources/{name}/run", operation_id = "run_source", tag = "sources",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "The source's name")),
    responses(
        (status = 202, description = "The run is asked for", body = RunAsked),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
        (status = 404, description = "No such source", body = crate::error::ErrorBody),
    ))]
pub async fn run(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<RunAsked>)> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    let Scheduled {
        source,
        scheduler_running,
    } = state
        .blocking(move |ws| sources::run_soon(ws, &name))
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RunAsked {
            source,
            scheduler_running,
        }),
    ))
}
