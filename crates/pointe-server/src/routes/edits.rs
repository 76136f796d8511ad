//! `/api/v1/edits`: edits listed, shown and rendered (public), created, changed and refreshed
//! (with a token).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use pointe_app::edits::{
    self, CreateEditRequest, Created, EditDoc, EditList, RenderFormat, Rendered, Shown,
    UpdateEditRequest,
};
use pointe_core::edit::RefreshReport;
use pointe_core::store::TokenScope;

use crate::body::json_body;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;

/// The largest edit body read, in bytes: a hundred picks with long blurbs fit in a fraction.
pub const MAX_EDIT_BODY: usize = 256 * 1024;

fn check_slug(slug: &str) -> ApiResult<()> {
    Ok(edits::check_slug(slug)?)
}

/// Every edit.
#[utoipa::path(get, path = "/api/v1/edits", operation_id = "list_edits", tag = "edits",
    responses((status = 200, description = "The edits", body = EditList)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<EditList>> {
    let links = state.links()?;
    let list = state.blocking(move |ws| edits::list(ws, &links)).await?;
    Ok(Json(list))
}

/// One edit as stored: its picks (each with `id` and `item_ids`), citation, change log and
/// where it is published.
#[utoipa::path(get, path = "/api/v1/edits/{slug}", operation_id = "show_edit", tag = "edits",
    params(("slug" = String, Path, description = "The edit's slug")),
    responses(
        (status = 200, description = "The edit", body = EditDoc),
        (status = 400, description = "A malformed slug", body = crate::error::ErrorBody),
        (status = 404, description = "No such edit; `candidates` lists the slugs", body = crate::error::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<EditDoc>> {
    check_slug(&slug)?;
    let links = state.links()?;
    let shown = state
        .blocking(move |ws| edits::show(ws, &slug, &links))
        .await?;
    Ok(Json(shown.edit))
}

async fn rendered(state: &AppState, slug: String, format: RenderFormat) -> ApiResult<Response> {
    check_slug(&slug)?;
    let out = state
        .blocking(move |ws| edits::render(ws, &slug, format))
        .await?;
    Ok(match out {
        Rendered::Json(value) => Json(value).into_response(),
        Rendered::Text(text) => {
            let kind = match format {
                RenderFormat::Markdown => "text/markdown; charset=utf-8",
                _ => "text/html; charset=utf-8",
            };
            ([(CONTENT_TYPE, kind)], text).into_response()
        }
    })
}

/// The edit as an embeddable HTML widget with JSON-LD, prices read now.
#[utoipa::path(get, path = "/api/v1/edits/{slug}/widget.html", operation_id = "edit_widget_html", tag = "edits",
    params(("slug" = String, Path, description = "The edit's slug")),
    responses(
        (status = 200, description = "The widget", body = String, content_type = "text/html"),
        (status = 400, description = "A malformed slug", body = crate::error::ErrorBody),
        (status = 404, description = "No such edit", body = crate::error::ErrorBody),
    ))]
pub async fn widget_html(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    rendered(&state, slug, RenderFormat::Html).await
}

/// The edit as Markdown, prices read now.
#[utoipa::path(get, path = "/api/v1/edits/{slug}/widget.md", operation_id = "edit_widget_md", tag = "edits",
    params(("slug" = String, Path, description = "The edit's slug")),
    responses(
        (status = 200, description = "The Markdown", body = String, content_type = "text/markdown"),
        (status = 400, description = "A malformed slug", body = crate::error::ErrorBody),
        (status = 404, description = "No such edit", body = crate::error::ErrorBody),
    ))]
pub async fn widget_md(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    rendered(&state, slug, RenderFormat::Markdown).await
}

/// The edit as readers see it now, as JSON with its JSON-LD; every product carries `id`
/// and `item_ids`.
#[utoipa::path(get, path = "/api/v1/edits/{slug}/widget.json", operation_id = "edit_widget_json", tag = "edits",
    params(("slug" = String, Path, description = "The edit's slug")),
    responses(
        (status = 200, description = "The view", body = Object),
        (status = 400, description = "A malformed slug", body = crate::error::ErrorBody),
        (status = 404, description = "No such edit", body = crate::error::ErrorBody),
    ))]
pub async fn widget_json(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    rendered(&state, slug, RenderFormat::Json).await
}

/// Builds an edit, as `pointe edit create` does.
#[utoipa::path(post, path = "/api/v1/edits", operation_id = "create_edit", tag = "edits",
    security(("bearer" = [])),
    request_body(content = CreateEditRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The new edit, and the look-alikes left out", body = Created),
        (status = 400, description = "A bad field, named", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 404, description = "No such hero; `candidates` lists near ids", body = crate::error::ErrorBody),
        (status = 409, description = "An edit of this slug exists", body = crate::error::ErrorBody),
        (status = 413, description = "A body over the limit", body = crate::error::ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Created>)> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    let request: CreateEditRequest = json_body(body, MAX_EDIT_BODY).await?;
    let links = state.links()?;
    let created = state
        .blocking(move |ws| edits::create(ws, &request, &links))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes an edit's headline, standfirst or picks (the whole ordered list).
#[utoipa::path(patch, path = "/api/v1/edits/{slug}", operation_id = "update_edit", tag = "edits",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The edit's slug")),
    request_body(content = UpdateEditRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The edit as changed", body = Shown),
        (status = 400, description = "A bad field, named", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 404, description = "No such edit or product, with `candidates`", body = crate::error::ErrorBody),
        (status = 413, description = "A body over the limit", body = crate::error::ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Shown>> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    check_slug(&slug)?;
    let request: UpdateEditRequest = json_body(body, MAX_EDIT_BODY).await?;
    let links = state.links()?;
    let shown = state
        .blocking(move |ws| edits::update(ws, &slug, &request, &links))
        .await?;
    Ok(Json(shown))
}

/// Re-reads the current offers of an edit's picks, recording price and stock changes; with
/// `swap=true`, replaces picks that can no longer be bought.
#[utoipa::path(post, path = "/api/v1/edits/{slug}/refresh", operation_id = "refresh_edit", tag = "edits",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The edit's slug"),
        ("swap" = Option<bool>, Query, description = "Swap out picks that cannot be bought (false)"),
    ),
    responses(
        (status = 200, description = "What changed (slug, changes)", body = Object),
        (status = 400, description = "A bad parameter", body = crate::error::ErrorBody),
        (status = 401, description = "No valid token", body = crate::error::ErrorBody),
        (status = 400, description = "A malformed slug", body = crate::error::ErrorBody),
        (status = 404, description = "No such edit", body = crate::error::ErrorBody),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<RefreshReport>> {
    crate::auth::require(&state, &headers, TokenScope::ReadWrite).await?;
    check_slug(&slug)?;
    let swap = Params::parse(query.as_deref(), &["swap"])?.flag("swap", false)?;
    let mut reports = state
        .blocking(move |ws| edits::refresh(ws, Some(&slug), swap))
        .await?;
    reports
        .items
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no such edit"))
}
