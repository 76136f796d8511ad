//! The HTTP API, route by route, through `tower::ServiceExt::oneshot` (no socket): success,
//! 401 without a token on every write, 400 naming the bad parameter, 404 with suggestions,
//! 413, security headers, and JSON bodies as snapshots with volatile fields redacted.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use pointe_app::Workspace;
use pointe_app::ingest::IngestRequest;
use pointe_core::store::TokenScope;
use pointe_server::{ServerConfig, router};
use serde_json::Value;
use tower::ServiceExt;

#[path = "api/edits.rs"]
mod edits;
#[path = "api/read.rs"]
mod read;
#[path = "api/sources.rs"]
mod sources;
#[path = "api/ui.rs"]
mod ui;
#[path = "api/watches.rs"]
mod watches;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A data directory holding the bundled sample catalog, and a token that may write.
struct Api {
    _dir: tempfile::TempDir,
    ws: Workspace,
    token: String,
    feeds_token: String,
}

impl Api {
    fn new() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"));
        let request = IngestRequest {
            seen_at: Some("2026-12-01T09:00:00Z".into()),
            ..IngestRequest::default()
        };
        let outcome = pointe_app::ingest::ingest(
            &ws,
            &[repo().join("samples/catalog.awin.csv")],
            &request,
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(outcome.reports().count(), 1);
        let token = pointe_app::tokens::create(&ws, "cms", TokenScope::ReadWrite)
            .unwrap()
            .secret;
        let feeds_token = pointe_app::tokens::create(&ws, "pusher", TokenScope::Feeds)
            .unwrap()
            .secret;
        Api {
            _dir: dir,
            ws,
            token,
            feeds_token,
        }
    }

    fn app(&self) -> Router {
        self.app_with(ServerConfig::default())
    }

    fn app_with(&self, config: ServerConfig) -> Router {
        router(self.ws.clone(), config)
    }

    async fn send(
        &self,
        app: Router,
        req: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let response = app.oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, headers, body)
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let req = Request::get(uri).body(Body::empty()).unwrap();
        let (status, _, body) = self.send(self.app(), req).await;
        (status, body)
    }
}

fn post_feed(uri: &str, token: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut req = Request::post(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn products_list_in_pages_of_at_most_a_hundred() {
    let api = Api::new();
    let (status, body) = api.get("/api/v1/products?per_page=5&page=2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 24);
    assert_eq!(body["items"].as_array().unwrap().len(), 5);
    for item in body["items"].as_array().unwrap() {
        assert!(item["id"].as_str().unwrap().starts_with("pt-"));
        assert!(item["item_ids"].is_array(), "{item}");
    }
    let (status, body) = api.get("/api/v1/products?per_page=101").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_parameter");
    assert_eq!(body["error"]["field"], "per_page");
    let (status, body) = api.get("/api/v1/products?color=red").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "color");
    let (status, body) = api.get("/api/v1/products?currency=XXQ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "currency");
    let (status, body) = api.get("/api/v1/products?brand=Nobody+At+All").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 0, "an unknown brand matches nothing");
}

#[tokio::test]
async fn a_product_is_shown_by_any_id_the_cli_accepts_and_an_unknown_one_suggests() {
    let api = Api::new();
    let (_, list) = api.get("/api/v1/products?per_page=1").await;
    let first = &list["items"][0];
    let id = first["id"].as_str().unwrap();
    let item = first["item_ids"][0]["item_id"].as_str().unwrap();
    let (status, by_id) = api.get(&format!("/api/v1/products/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{by_id}");
    let (status, by_item) = api.get(&format!("/api/v1/products/{item}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_id, by_item);
    let near = &id[..id.len() - 1];
    let (status, body) = api.get(&format!("/api/v1/products/{near}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(
        body["error"]["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().any(|x| x == id)),
        "{body}"
    );
}

#[tokio::test]
async fn a_product_shows_its_offers_price_history_and_attributes_with_evidence() {
    let api = Api::new();
    let (status, body) = api.get("/api/v1/products/seed-004").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["title"], "Leather Bow Ballet Pumps", "{body}");
    let offer = &body["offer_list"][0];
    assert_eq!(offer["history"][0]["price"]["amount"], "35.00", "{body}");
    let evidence = &body["attributes"]["values"]["material"][0]["evidence"][0];
    assert_eq!(evidence["matched"], "Leather", "{body}");
    // Whether a price counts as current depends on the day the test runs.
    insta::assert_json_snapshot!("product_detail", body, {
        ".offer_list[].current" => "[depends on today]",
    });
}

#[tokio::test]
async fn a_feed_needs_a_token_and_is_ingested_whole() {
    let api = Api::new();
    let feed = std::fs::read(repo().join("samples/harvey.gmc.xml")).unwrap();
    let uri = "/api/v1/feeds?name=harvey.gmc.xml&source=harvey";
    for token in [None, Some("pt_not-a-token"), Some("garbage")] {
        let (status, headers, body) = api
            .send(api.app(), post_feed(uri, token, feed.clone()))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["code"], "unauthorized");
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    }
    let (_, before) = api.get("/api/v1/status").await;
    assert_eq!(before["products"], 24, "nothing was stored");
    let (status, _, report) = api
        .send(api.app(), post_feed(uri, Some(&api.feeds_token), feed))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["source"], "harvey");
    assert_eq!(report["format"], "gmc-xml");
    assert!(report["accepted"].as_u64().unwrap() > 0, "{report}");
    let (_, after) = api.get("/api/v1/status").await;
    assert!(after["products"].as_u64().unwrap() > 24);
}

/// Every write the OpenAPI document lists, with its path parameters filled in.
fn writes() -> Vec<(axum::http::Method, String)> {
    let doc: Value = serde_json::from_str(&pointe_server::openapi::document()).unwrap();
    let mut out = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if ["post", "put", "patch", "delete"].contains(&method.as_str()) {
                let uri = path
                    .replace("{slug}", "balletcore")
                    .replace("{id}", "seed-001")
                    .replace("{name}", "shop");
                out.push((method.to_uppercase().parse().unwrap(), uri));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_write_the_document_lists_is_401_without_a_valid_token_and_changes_nothing() {
    let api = Api::new();
    let (_, before) = api.get("/api/v1/status").await;
    let writes = writes();
    assert!(writes.len() >= 5, "{writes:?}");
    for (method, uri) in writes {
        for token in [None, Some("pt_0000"), Some("Basic abc")] {
            let mut req = Request::builder().method(method.clone()).uri(&uri);
            if let Some(t) = token {
                req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            let req = req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let (status, _, body) = api.send(api.app(), req).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}: {body}");
            assert_eq!(body["error"]["code"], "unauthorized", "{method} {uri}");
        }
    }
    let (_, after) = api.get("/api/v1/status").await;
    assert_eq!(before, after, "nothing changed");
}

#[tokio::test]
async fn a_bad_feed_or_parameter_is_400_and_stores_nothing() {
    let api = Api::new();
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "/api/v1/feeds?feed_format=csvish",
            b"a,b\n1,2\n",
            "feed_format",
        ),
        (
            "/api/v1/feeds?mapping=../../etc/passwd",
            b"a,b\n1,2\n",
            "mapping",
        ),
        ("/api/v1/feeds?name=../x", b"a,b\n1,2\n", "name"),
        (
            "/api/v1/feeds?currency=GBP&feed_format=shopify",
            b"{\"order\": 1}",
            "",
        ),
    ];
    for (uri, body, field) in cases {
        let (status, _, answer) = api
            .send(api.app(), post_feed(uri, Some(&api.token), body.to_vec()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {answer}");
        if !field.is_empty() {
            assert_eq!(answer["error"]["field"], field, "{uri}: {answer}");
        }
    }
    let (status, _, answer) = api
        .send(
            api.app(),
            post_feed(
                "/api/v1/feeds?name=photo.png",
                Some(&api.token),
                b"\x89PNG\r\n\x1a\n".to_vec(),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    assert_eq!(answer["error"]["code"], "unsupported_feed");
    let (_, status) = api.get("/api/v1/status").await;
    assert_eq!(status["products"], 24);
}

#[tokio::test]
async fn a_feed_over_the_limit_is_413() {
    let api = Api::new();
    let config = ServerConfig {
        feed_limit: 1000,
        ..ServerConfig::default()
    };
    let (status, _, body) = api
        .send(
            api.app_with(config),
            post_feed("/api/v1/feeds", Some(&api.token), vec![b'x'; 5000]),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let api = Api::new();
    for uri in ["/api/v1/health", "/api/v1/products", "/nowhere"] {
        let req = Request::get(uri).body(Body::empty()).unwrap();
        let (status, headers, body) = api.send(api.app(), req).await;
        if uri == "/nowhere" {
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert_eq!(body["error"]["code"], "not_found");
        }
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("frame-ancestors")
        );
        assert!(headers.contains_key(header::REFERRER_POLICY));
        assert!(headers.contains_key("x-request-id"));
        assert!(
            !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            "CORS is off by default"
        );
    }
}

#[tokio::test]
async fn a_broken_store_is_a_generic_500_that_names_the_request_not_the_cause() {
    let api = Api::new();
    let db = api.ws.dir().join("pointe.db");
    std::fs::write(
        &db,
        b"this is not an SQLite database, and its path is secret",
    )
    .unwrap();
    for uri in ["/api/v1/products?q=flats", "/api/v1/products/seed-004"] {
        let req = Request::get(uri).body(Body::empty()).unwrap();
        let (status, headers, body) = api.send(api.app(), req).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}: {body}");
        assert_eq!(body["error"]["code"], "internal");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            !message.contains("pointe.db") && !message.contains("SQLite"),
            "{message}"
        );
        assert!(headers.contains_key("x-request-id"));
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let api = Api::new();
    let app = api.app();
    for uri in ["/api/v1/products/pt-nothing", "/api/v1/health"] {
        let req = Request::get(uri).body(Body::empty()).unwrap();
        let _ = api.send(app.clone(), req).await;
    }
    let req = Request::get("/metrics").body(Body::empty()).unwrap();
    let (status, _, body) = api.send(app, req).await;
    assert_eq!(status, StatusCode::OK);
    let text = body.as_str().unwrap();
    assert!(
        text.contains(r#"route="/api/v1/products/{id}",method="GET",status="404""#),
        "{text}"
    );
    assert!(
        !text.contains("pt-nothing"),
        "raw paths never become labels"
    );
    assert!(text.contains("pointe_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn the_checked_in_openapi_document_is_the_one_served() {
    let api = Api::new();
    let served = pointe_server::openapi::document();
    let path = repo().join("docs/openapi.json");
    if std::env::var_os("POINTE_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, format!("{served}\n")).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        checked_in.trim_end(),
        served,
        "docs/openapi.json drifted from the code: rerun with POINTE_UPDATE_OPENAPI=1"
    );
    let (status, body) = api.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["paths"]["/api/v1/products/{id}"].is_object());
}
