//! What readers and CMSs reach outside the API: each edit's public page and the oEmbed
//! answer for it.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use pointe_app::edits::{self, OEmbed};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;

/// The largest `maxwidth` or `maxheight` read, in pixels.
pub const MAX_DIMENSION: usize = 10_000;

/// The public page of an edit: its widget in a page of its own (the URL editors paste),
/// carrying the oEmbed discovery link.
#[utoipa::path(get, path = "/edits/{slug}", operation_id = "edit_page", tag = "embedding",
    params(("slug" = String, Path, description = "The edit's slug")),
    responses(
        (status = 200, description = "The page", body = String, content_type = "text/html"),
        (status = 400, description = "A malformed slug", body = crate::error::ErrorBody),
        (status = 404, description = "No such edit", body = crate::error::ErrorBody),
    ))]
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<impl IntoResponse> {
    edits::check_slug(&slug)?;
    let links = state.links()?;
    let html = state
        .blocking(move |ws| edits::page(ws, &slug, &links))
        .await?;
    Ok(([(CONTENT_TYPE, "text/html; charset=utf-8")], html))
}

/// The oEmbed answer (rich type) for the public page of an edit: an iframe of the page.
#[utoipa::path(get, path = "/oembed", operation_id = "oembed", tag = "embedding",
    params(
        ("url" = String, Query, description = "The public page of an edit here"),
        ("maxwidth" = Option<u32>, Query, description = "The widest the embed may be, in pixels"),
        ("maxheight" = Option<u32>, Query, description = "The highest the embed may be, in pixels"),
        ("format" = Option<String>, Query, description = "json (the only format answered)"),
    ),
    responses(
        (status = 200, description = "The oEmbed answer", body = OEmbed),
        (status = 400, description = "A bad parameter (a format other than json)", body = crate::error::ErrorBody),
        (status = 404, description = "Not the page of an edit here", body = crate::error::ErrorBody),
    ))]
pub async fn oembed(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<OEmbed>> {
    let p = Params::parse(
        query.as_deref(),
        &["url", "maxwidth", "maxheight", "format"],
    )?;
    if let Some(format) = p.str("format")
        && format != "json"
    {
        return Err(ApiError::bad(
            "format",
            format!("{format:?}: only json is answered"),
        ));
    }
    let url = p
        .string("url")
        .ok_or_else(|| ApiError::bad("url", "the public page of an edit is needed"))?;
    let maxwidth = dimension(&p, "maxwidth")?;
    let maxheight = dimension(&p, "maxheight")?;
    let links = state.links()?;
    let answer = state
        .blocking(move |ws| edits::oembed(ws, &links, &url, maxwidth, maxheight))
        .await?;
    Ok(Json(answer))
}

fn dimension(p: &Params, name: &str) -> ApiResult<Option<u32>> {
    if !p.given(name) {
        return Ok(None);
    }
    let n = p.number(name, 0, 1, MAX_DIMENSION)?;
    Ok(u32::try_from(n).ok())
}
