//! The editor's web workspace: server-rendered pages over the application layer, one module
//! per page, templates compiled into the binary (`templates/`), one stylesheet served from
//! the binary. Every control is a link or a form; the one script (the builder's drag to
//! reorder) only adds to what its forms already do.
//!
//! Pages answer under their own Content-Security-Policy ([`PAGE_CSP`]): scripts and styles
//! only from Pointe itself (no inline script), so no inline style attribute works either. Everything a
//! feed wrote is escaped by the templates, and only http(s) addresses become links or
//! image sources ([`view::http_url`]).

mod assets;
mod builder;
mod chart;
mod edits;
mod error;
mod product;
mod search;
mod session;
mod status;
mod trends;
mod view;

use axum::Router;
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::state::AppState;

pub use error::PageError;

/// The policy every page is answered under.
pub const PAGE_CSP: &str = "default-src 'none'; img-src 'self' https: http: data:; \
     style-src 'self'; script-src 'self'; form-action 'self'; frame-src 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The web workspace's routes: search, products, trends, edits and their builder, the
/// session, status, the stylesheet and the icon.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(search::index))
        .route("/search", get(search::search))
        .route("/products/{id}", get(product::show))
        .route("/trends", get(trends::list))
        .route("/trends/{term}", get(trends::show))
        .route("/edits", get(edits::list))
        .route(
            "/edits/{slug}/builder",
            get(builder::show).post(builder::act),
        )
        .route("/edits/new", get(builder::new_form).post(builder::create))
        .route("/session", post(session::sign_in))
        .route("/status", get(status::show))
        .route(assets::CSS_PATH, get(assets::css))
        .route(assets::BUILDER_JS_PATH, get(assets::builder_js))
        .route(assets::ICON_PATH, get(assets::icon))
}

/// What answers an address no route takes: a page for a browser (it asks for HTML) outside
/// the API, the API's JSON error otherwise.
pub async fn fallback(headers: HeaderMap, uri: Uri) -> Response {
    let browser = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if browser && !uri.path().starts_with("/api/") {
        PageError::no_route().into_response()
    } else {
        ApiError::not_found("no such route").into_response()
    }
}
