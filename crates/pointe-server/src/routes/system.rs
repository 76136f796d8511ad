//! Health, status, metrics and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use pointe_app::status::Status;

use crate::error::ApiResult;
use crate::state::AppState;

/// Whether the server answers.
#[utoipa::path(get, path = "/api/v1/health", tag = "system",
    responses((status = 200, description = "The server answers", body = Object)))]
pub async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// What the data directory holds.
#[utoipa::path(get, path = "/api/v1/status", tag = "system",
    responses((status = 200, description = "Products, generation, last ingests", body = Object)))]
pub async fn status(State(state): State<AppState>) -> ApiResult<Json<Status>> {
    let status = state
        .blocking(|ws| pointe_app::status::status(ws, 10))
        .await?;
    state.metrics.products.set(status.products as i64);
    Ok(Json(status))
}

/// Prometheus metrics.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
}

/// The OpenAPI document of this API.
pub async fn openapi() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/json")],
        crate::openapi::document(),
    )
}
