//! `/api/v1/sources`: a read-write token for every call, reads too; private and loopback
//! addresses refused unless the configuration allows them; a run asked for is made due now.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use pointe_server::ServerConfig;
use serde_json::{Value, json};

use crate::Api;

pub(crate) fn call(
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    req.body(body).unwrap()
}

fn shop(url: &str) -> Value {
    json!({"name": "shop", "url": url, "every": "1h", "retailer": "Arket"})
}

#[tokio::test]
async fn sources_are_read_and_written_with_a_read_write_token_only() {
    let api = Api::new();
    for uri in ["/api/v1/sources", "/api/v1/sources/shop"] {
        let (status, _, body) = api
            .send(api.app(), call(Method::GET, uri, None, None))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}: {body}");
        let feeds = Some(api.feeds_token.as_str());
        let (status, _, body) = api
            .send(api.app(), call(Method::GET, uri, feeds, None))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
    }
}

#[tokio::test]
async fn private_and_loopback_addresses_are_refused_unless_allowed() {
    let api = Api::new();
    let token = Some(api.token.as_str());
    for url in [
        "http://127.0.0.1:8080/feed.tsv",
        "http://localhost/feed.tsv",
        "http://[::1]/feed.tsv",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.7/feed.tsv",
        "file:///etc/passwd",
        "ftp://shop.example/feed.tsv",
    ] {
        let req = call(Method::POST, "/api/v1/sources", token, Some(shop(url)));
        let (status, _, body) = api.send(api.app(), req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert_eq!(body["error"]["field"], "url", "{url}: {body}");
    }
    let req = call(Method::GET, "/api/v1/sources", token, None);
    let (_, _, list) = api.send(api.app(), req).await;
    assert_eq!(list["total"], 0, "nothing was added: {list}");

    let allowed = api.app_with(ServerConfig {
        allow_private_sources: true,
        ..ServerConfig::default()
    });
    let req = call(
        Method::POST,
        "/api/v1/sources",
        token,
        Some(shop("http://127.0.0.1:8080/feed.tsv")),
    );
    let (status, _, body) = api.send(allowed, req).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["public_only"], false, "{body}");
}

#[tokio::test]
async fn a_source_is_added_shown_asked_to_run_and_removed() {
    let api = Api::new();
    let token = Some(api.token.as_str());
    let allowed = || {
        api.app_with(ServerConfig {
            allow_private_sources: true,
            ..ServerConfig::default()
        })
    };
    let body = shop("http://127.0.0.1:9/feed.tsv");
    let req = call(Method::POST, "/api/v1/sources", token, Some(body.clone()));
    let (status, _, added) = api.send(allowed(), req).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(
        (added["every_secs"].as_u64(), added["retailer"].as_str()),
        (Some(3600), Some("Arket"))
    );
    let again = call(Method::POST, "/api/v1/sources", token, Some(body));
    let (status, _, answer) = api.send(allowed(), again).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");

    for (bad, field) in [
        (
            json!({"name": "x", "url": "http://127.0.0.1/f", "every": "soon"}),
            "every",
        ),
        (json!({"name": "", "url": "http://127.0.0.1/f"}), "name"),
        (
            json!({"name": "x", "url": "http://127.0.0.1/f", "colour": "red"}),
            "colour",
        ),
        (
            json!({"name": "x", "url": "http://127.0.0.1/f", "currency": "XYZ"}),
            "currency",
        ),
    ] {
        let req = call(Method::POST, "/api/v1/sources", token, Some(bad.clone()));
        let (status, _, answer) = api.send(allowed(), req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{bad}: {answer}");
    }

    let req = call(Method::POST, "/api/v1/sources/shop/run", token, None);
    let (status, _, asked) = api.send(api.app(), req).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{asked}");
    assert_eq!(asked["scheduler_running"], false, "no scheduler runs here");
    assert!(asked["source"]["state"]["next_due"].is_string(), "{asked}");

    let req = call(Method::GET, "/api/v1/sources/shop?runs=5", token, None);
    let (status, _, shown) = api.send(api.app(), req).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["source"]["name"], "shop");
    assert_eq!(shown["runs"], json!([]));
    let req = call(Method::GET, "/api/v1/sources/shop?runs=0", token, None);
    let (status, _, answer) = api.send(api.app(), req).await;
    assert_eq!(
        (status, &answer["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("runs"))
    );

    let req = call(Method::DELETE, "/api/v1/sources/shop", token, None);
    let (status, _, _) = api.send(api.app(), req).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let req = call(Method::GET, "/api/v1/sources/shop", token, None);
    let (status, _, answer) = api.send(api.app(), req).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
}
