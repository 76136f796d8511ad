//! `POST /api/v1/feeds`: a feed body, streamed to a file in the data directory (never held
//! whole in memory), size-limited, ingested whole or not at all.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use futures_util::StreamExt;
use pointe_app::ErrorCode;
use pointe_app::ingest::{IngestRequest, MappingRef};
use pointe_core::ingest::IngestReport;
use pointe_core::store::TokenScope;
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;

const PARAMS: &[&str] = &[
    "feed_format",
    "source",
    "retailer",
    "currency",
    "mapping",
    "market",
    "seen_at",
    "max_price",
    "shop_url",
    "name",
];

/// The file name reports give the upload: `name` when it is a plain file name, else
/// `default`.
pub(crate) fn upload_name(p: &Params, default: &str) -> ApiResult<String> {
    let Some(name) = p.str("name") else {
        return Ok(default.into());
    };
    let plain = name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if plain {
        Ok(name.to_string())
    } else {
        Err(ApiError::bad(
            "name",
            "a plain file name: letters, digits, '.', '-' and '_' (it may end .gz)",
        ))
    }
}

/// Writes `body` to `path`, refusing it past `limit` bytes.
async fn spool(body: Body, path: &Path, limit: u64) -> ApiResult<u64> {
    let io = |e: std::io::Error| {
        tracing::error!(error = %e, "writing an upload");
        ApiError::new(
            ErrorCode::Internal,
            "internal error; the server log has the details",
        )
    };
    let mut file = tokio::fs::File::create(path).await.map_err(io)?;
    let mut stream = body.into_data_stream();
    let mut written = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad("body", format!("could not be read: {e}")))?;
        written += chunk.len() as u64;
        if written > limit {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the feed is larger than {limit} bytes"),
            ));
        }
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    Ok(written)
}

/// Ingests a feed sent as the request body (any layout `pointe ingest` reads; gzip or not).
#[utoipa::path(
    post,
    path = "/api/v1/feeds",
    tag = "feeds",
    security(("bearer" = [])),
    params(
        ("feed_format" = Option<String>, Query, description = "gmc-tsv, gmc-csv, gmc-xml, awin, shopify or mapped; found from the content when absent"),
        ("mapping" = Option<String>, Query, description = "A mapping shipped with Pointe or in the data directory's mappings/"),
        ("source" = Option<String>, Query, description = "The source's name (one feed)"),
        ("retailer" = Option<String>, Query, description = "The retailer selling the offers"),
        ("currency" = Option<String>, Query, description = "Currency of prices that name none"),
        ("market" = Option<String>, Query, description = "UK or US: whose words the text uses"),
        ("seen_at" = Option<String>, Query, description = "When the feed was seen (RFC 3339)"),
        ("max_price" = Option<String>, Query, description = "The highest believable price"),
        ("shop_url" = Option<String>, Query, description = "The shop's address (Shopify)"),
        ("name" = Option<String>, Query, description = "The file name reports give the feed"),
    ),
    request_body(content = String, description = "The feed", content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The ingest report", body = Object),
        (status = 400, description = "A bad parameter or a feed that cannot be read", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 403, description = "A token without the scope", body = crate::error::ErrorBody),
        (status = 413, description = "A feed over the limit", body = crate::error::ErrorBody),
        (status = 415, description = "A feed of no layout Pointe reads", body = crate::error::ErrorBody),
    )
)]
pub async fn post(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<IngestReport>> {
    crate::auth::require(&state, &headers, TokenScope::Feeds).await?;
    let p = Params::parse(query.as_deref(), PARAMS)?;
    let name = upload_name(&p, "feed")?;
    let request = IngestRequest {
        feed_format: p.string("feed_format"),
        mapping: p.string("mapping").map(MappingRef::Name),
        source: p.string("source").or_else(|| Some(name.clone())),
        retailer: p.string("retailer"),
        currency: p.string("currency"),
        market: p.string("market"),
        seen_at: p.string("seen_at"),
        max_price: p.string("max_price"),
        shop_url: p.string("shop_url"),
    };
    let uploads = state.ws.dir().join("uploads");
    let dir = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&uploads)?;
        tempfile::Builder::new()
            .prefix("upload-")
            .tempdir_in(&uploads)
    })
    .await
    .map_err(|_| ApiError::new(ErrorCode::Internal, "internal error"))?
    .map_err(|e| {
        tracing::error!(error = %e, "making the upload directory");
        ApiError::new(
            ErrorCode::Internal,
            "internal error; the server log has the details",
        )
    })?;
    let path: PathBuf = dir.path().join(&name);
    spool(body, &path, state.config.feed_limit).await?;
    let reader = Arc::clone(&state.reader);
    let report = state
        .blocking(move |ws| {
            let outcome = pointe_app::ingest::ingest(ws, &[path], &request, &mut |_, _| {})?;
            if let Some(w) = &outcome.index_warning {
                tracing::warn!(warning = %w, "the search index was not updated");
            }
            // This server's next answers read the feed.
            if let Err(e) = reader.reload() {
                tracing::warn!(error = %e, "reopening the search index after an ingest");
            }
            drop(dir);
            let (_, result) = outcome
                .files
                .into_iter()
                .next()
                .ok_or_else(|| pointe_app::Error::bad("body", "no feed was ingested"))?;
            result
        })
        .await?;
    Ok(Json(report))
}
