//! Pointe's HTTP API and the editor's web pages ([`ui`]): axum routes over the application
//! layer (`pointe-app`). Handlers parse and check parameters, run one use case off the async
//! runtime and answer JSON (pages: HTML); every API error has one shape (see [`error`]).
//! Reads are public; writes need a bearer token (pages: the session cookie).

pub mod auth;
mod body;
pub mod constraints;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod params;
pub mod routes;
pub mod schema;
pub mod state;
pub mod ui;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::routing::{delete, get, post};
use pointe_app::Workspace;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::{AppState, ServerConfig};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a process-unique counter, prefixed with the start time so ids of two runs
/// differ.
#[derive(Debug, Clone)]
struct Counter {
    next: Arc<AtomicU64>,
    prefix: Arc<str>,
}

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

fn security_headers(router: Router, config: &ServerConfig) -> Router {
    let csp = format!(
        "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; \
         frame-ancestors {}; base-uri 'none'; form-action 'none'",
        config.frame_ancestors
    );
    let headers = [
        (
            axum::http::header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'none'")),
        ),
        (
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            axum::http::header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
    ];
    headers.into_iter().fold(router, |r, (name, value)| {
        r.layer(SetResponseHeaderLayer::if_not_present(name, value))
    })
}

fn cors(config: &ServerConfig) -> Option<CorsLayer> {
    if config.cors_origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PATCH])
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
            ]),
    )
}

/// The API's routes over `ws`.
pub fn router(ws: Workspace, config: ServerConfig) -> Router {
    let metrics = Arc::new(metrics::Metrics::default());
    let state = AppState {
        reader: Arc::new(pointe_app::reader::Reader::new(ws.clone())),
        ws,
        config: Arc::new(config.clone()),
        metrics: Arc::clone(&metrics),
    };
    let api = Router::new()
        .route("/api/v1/health", get(routes::system::health))
        .route("/api/v1/status", get(routes::system::status))
        .route("/api/v1/openapi.json", get(routes::system::openapi))
        .route("/api/v1/products", get(routes::products::list))
        .route("/api/v1/products/{id}", get(routes::products::show))
        .route(
            "/api/v1/products/{id}/lookalikes",
            get(routes::lookalikes::of_product),
        )
        .route("/api/v1/lookalikes", get(routes::lookalikes::of_text))
        .route(
            "/api/v1/trends",
            get(routes::trends::list).post(routes::trends::post),
        )
        .route("/api/v1/trends/{term}", get(routes::trends::show))
        .route(
            "/api/v1/feeds",
            post(routes::feeds::post).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/edits",
            get(routes::edits::list).post(routes::edits::create),
        )
        .route(
            "/api/v1/edits/{slug}",
            get(routes::edits::show).patch(routes::edits::update),
        )
        .route(
            "/api/v1/edits/{slug}/widget.html",
            get(routes::edits::widget_html),
        )
        .route(
            "/api/v1/edits/{slug}/widget.md",
            get(routes::edits::widget_md),
        )
        .route(
            "/api/v1/edits/{slug}/widget.json",
            get(routes::edits::widget_json),
        )
        .route("/api/v1/edits/{slug}/refresh", post(routes::edits::refresh))
        .route(
            "/api/v1/sources",
            get(routes::sources::list).post(routes::sources::add),
        )
        .route(
            "/api/v1/sources/{name}",
            get(routes::sources::show).delete(routes::sources::remove),
        )
        .route("/api/v1/sources/{name}/run", post(routes::sources::run))
        .route(
            "/api/v1/watches",
            get(routes::watches::list).post(routes::watches::add),
        )
        .route("/api/v1/watches/{id}", delete(routes::watches::remove))
        .route("/api/v1/alerts", get(routes::watches::alerts))
        .route("/edits/{slug}", get(routes::pages::page))
        .route("/oembed", get(routes::pages::oembed))
        .route("/metrics", get(routes::system::metrics))
        .merge(ui::routes())
        .fallback(ui::fallback)
        .layer(DefaultBodyLimit::max(config.json_limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&metrics),
            metrics::track,
        ))
        .with_state(state);
    let api = match cors(&config) {
        Some(layer) => api.layer(layer),
        None => api,
    };
    let ids = Counter {
        next: Arc::new(AtomicU64::new(1)),
        prefix: format!("{:x}", jiff::Timestamp::now().as_millisecond()).into(),
    };
    security_headers(api, &config)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.timeout,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, ids))
}

/// Serves `router` on `listener` until `shutdown` resolves; requests in flight then finish
/// (an ingest commits or rolls back whole: the store's transaction sees to it).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is called (inside a
/// runtime), not when it is first polled: a signal that comes between the two is not lost,
/// so a process that has said it is ready can be stopped at once.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let ctrl_c = tokio::spawn(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    async move {
        #[cfg(unix)]
        let term = async move {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            () = term => {},
        }
    }
}
