//! `GET /api/v1/trends`, `GET /api/v1/trends/{term}` and `POST /api/v1/trends` (an export).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use futures_util::StreamExt;
use pointe_app::ErrorCode;
use pointe_app::products::Page;
use pointe_app::trends::{ImportReport, ImportRequest, TermTrends, TrendItem};
use pointe_core::store::TokenScope;
use pointe_core::trends::MAX_TREND_FILE_BYTES;

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;

/// The most points a momentum and trend-test window takes (ten years of weeks).
pub const MAX_WINDOW: usize = 520;

/// Every stored series ranked: significantly rising ones first, by momentum; an empty store
/// gives an empty list.
#[utoipa::path(
    get,
    path = "/api/v1/trends",
    tag = "trends",
    params(
        ("window" = Option<usize>, Query, description = "Points in the momentum and trend-test window, 2 to 520 (12)"),
        ("at" = Option<String>, Query, description = "Analyse as of this date (YYYY-MM-DD; default each series' latest complete point)"),
    ),
    responses(
        (status = 200, description = "The ranked series", body = crate::schema::TrendPage),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Page<TrendItem>>> {
    let p = Params::parse(query.as_deref(), &["window", "at"])?;
    let window = p.number("window", 12, 2, MAX_WINDOW)?;
    if p.given("at") && p.str("at").is_none() {
        return Err(crate::error::ApiError::bad(
            "at",
            "blank: give a date, YYYY-MM-DD",
        ));
    }
    let at = p.string("at");
    let page = state
        .blocking(move |ws| {
            let options = pointe_app::trends::options(window, at.as_deref())?;
            pointe_app::trends::list(ws, &options)
        })
        .await?;
    Ok(Json(page))
}

/// One term's series (the term as written, every source and region; else the series its key
/// or aesthetic names), analysed, with its related queries.
#[utoipa::path(
    get,
    path = "/api/v1/trends/{term}",
    tag = "trends",
    params(
        ("term" = String, Path, example = "balletcore", description = "The term or aesthetic (\"balletcore\", \"ballet core\")"),
        ("window" = Option<usize>, Query, description = "Points in the momentum and trend-test window, 2 to 520 (12)"),
    ),
    responses(
        (status = 200, description = "The term's series and related queries", body = TermTrends),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No series of the term; `candidates` lists imported terms", body = crate::error::ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(term): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<TermTrends>> {
    let p = Params::parse(query.as_deref(), &["window"])?;
    let window = p.number("window", 12, 2, MAX_WINDOW)?;
    let shown = state
        .blocking(move |ws| {
            let options = pointe_app::trends::options(window, None)?;
            pointe_app::trends::show(ws, &term, &options)
        })
        .await?;
    Ok(Json(shown))
}

/// Reads `body` whole, refusing it past `limit` bytes.
async fn read_body(body: Body, limit: u64) -> ApiResult<Vec<u8>> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad("body", format!("could not be read: {e}")))?;
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the export is larger than {limit} bytes"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Imports a search or social export sent as the request body (any layout `pointe trends
/// import` reads), whole or not at all.
#[utoipa::path(
    post,
    path = "/api/v1/trends",
    tag = "trends",
    security(("bearer" = [])),
    params(
        ("name" = Option<String>, Query, description = "The export's file name (its stem names the default scale group)"),
        ("source" = Option<String>, Query, description = "google_trends, pytrends, pinterest, tiktok, … when the file does not say"),
        ("region" = Option<String>, Query, description = "The region, when the file does not say"),
        ("scale_group" = Option<String>, Query, description = "The scale group of every series"),
    ),
    request_body(content = String, description = "The export", content_type = "text/csv"),
    responses(
        (status = 200, description = "What the import stored", body = ImportReport),
        (status = 400, description = "A bad parameter or an export that cannot be read", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
        (status = 413, description = "An export over the limit", body = crate::error::ErrorBody),
    )
)]
pub async fn post(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ImportReport>> {
    crate::auth::require(&state, &headers, TokenScope::Feeds).await?;
    let p = Params::parse(
        query.as_deref(),
        &["name", "source", "region", "scale_group"],
    )?;
    let name = crate::routes::feeds::upload_name(&p, "trends.csv")?;
    let request = ImportRequest {
        source: p.string("source"),
        region: p.string("region"),
        scale_group: p.string("scale_group"),
    };
    let limit = state.config.feed_limit.min(MAX_TREND_FILE_BYTES);
    let bytes = read_body(body, limit).await?;
    let report = state
        .blocking(move |ws| pointe_app::trends::import_bytes(ws, &name, &bytes, &request))
        .await?;
    Ok(Json(report))
}
