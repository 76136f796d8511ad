//! The read routes beside edits: search with facets, look-alikes of a product or of words, and
//! trends (import with a token, list and show): success, the bad parameter named, unknown names
//! answered with candidates, bodies bounded, and JSON bodies as snapshots.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use pointe_server::ServerConfig;
use serde_json::Value;

use super::{Api, post_feed};

/// A Google Trends "Interest over time" export, in the layout the site downloads.
const TRENDS: &str = "Category: All categories\n\n\
Week,balletcore: (United Kingdom),coquette: (United Kingdom)\n\
2026-08-02,6,20\n2026-08-09,5,22\n2026-08-16,7,21\n2026-08-23,8,19\n\
2026-08-30,9,23\n2026-09-06,11,20\n2026-09-13,14,22\n2026-09-20,18,21\n\
2026-09-27,25,20\n2026-10-04,34,19\n2026-10-11,47,22\n2026-10-18,63,20\n\
2026-10-25,78,21\n2026-11-01,100,20\n";

/// What a snapshot keeps of each item: what a reader sees, not the scores tuning moves.
const KEPT: &[&str] = &[
    "id",
    "title",
    "brand",
    "price",
    "saving",
    "shared",
    "differences",
    "unstated",
];

/// Look-alike items with the scores taken out.
fn redact(mut value: Value) -> Value {
    if let Some(items) = value.get_mut("items").and_then(Value::as_array_mut) {
        for item in items {
            if let Some(obj) = item.as_object_mut() {
                obj.retain(|k, _| KEPT.contains(&k.as_str()));
            }
        }
    }
    value
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_search_reads_the_query_and_answers_items_with_facets() {
    let api = Api::new();
    let (status, body) = api
        .get("/api/v1/products?q=ballet+flats+under+%C2%A3150&per_page=5")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["understood"]["max_price"], "150.00", "{body}");
    assert_eq!(body["understood"]["currency"], "GBP");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 5, "{body}");
    assert!(body["total"].as_u64().unwrap() >= items.len() as u64);
    for item in items {
        let price: f64 = item["price"]["amount"].as_str().unwrap().parse().unwrap();
        assert!(price <= 150.0, "{item}");
        assert!(item["item_ids"].is_array(), "{item}");
    }
    let first = items[0]["title"].as_str().unwrap().to_lowercase();
    assert!(first.contains("ballet"), "{body}");
    assert!(body["facets"].is_object(), "{body}");
    let (status, body) = api.get("/api/v1/products?q=flats&sort=cheapest").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "sort");
    let long = "a".repeat(2000);
    let (status, body) = api.get(&format!("/api/v1/products?q={long}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "q");
}

#[tokio::test]
async fn the_seed_heros_lookalikes_under_a_price_are_cheaper_pairs() {
    let api = Api::new();
    let (status, body) = api
        .get("/api/v1/products/seed-001/lookalikes?max_price=100&limit=3")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["hero"]["brand"], "Miu Miu", "{body}");
    assert!(
        body["hero"]["understood"]
            .as_str()
            .is_some_and(|u| u.starts_with("category ballet flat")),
        "{body}"
    );
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{body}");
    assert!(
        ids(&body).contains(&"pt-ca9dc96cc1f0".to_string()),
        "M&S's pair: {body}"
    );
    for item in items {
        let price: f64 = item["price"]["amount"].as_str().unwrap().parse().unwrap();
        assert!(price <= 100.0, "{item}");
        assert!(item["saving"]["percent"].as_f64().unwrap() > 10.0, "{item}");
    }
    insta::assert_json_snapshot!("seed_lookalikes", redact(body));
}

#[tokio::test]
async fn lookalike_parameters_are_checked_and_named() {
    let api = Api::new();
    for (uri, field) in [
        ("/api/v1/products/seed-001/lookalikes?limit=0", "limit"),
        ("/api/v1/products/seed-001/lookalikes?limit=101", "limit"),
        ("/api/v1/products/seed-001/lookalikes?tier=couture", "tier"),
        ("/api/v1/products/seed-001/lookalikes?tier=%C2%A0", "tier"),
        ("/api/v1/products?gender=+", "gender"),
        ("/api/v1/lookalikes?text=+", "text"),
        ("/api/v1/products/seed-001/lookalikes?gender=cats", "gender"),
        (
            "/api/v1/products/seed-001/lookalikes?cheaper=maybe",
            "cheaper",
        ),
        ("/api/v1/products/seed-001/lookalikes?colour=red", "colour"),
        ("/api/v1/lookalikes", "text"),
    ] {
        let (status, body) = api.get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["error"]["code"], "bad_parameter", "{uri}");
        assert_eq!(body["error"]["field"], field, "{uri}: {body}");
    }
    let (status, body) = api.get("/api/v1/products/seed-00/lookalikes").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["error"]["candidates"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn lookalikes_of_words_say_what_was_understood() {
    let api = Api::new();
    let (status, body) = api
        .get("/api/v1/lookalikes?text=satin+ballet+flats+with+a+bow&limit=4")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["hero"]["understood"], "category ballet flat; heel flat, material satin, detail bow",
        "{body}"
    );
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 4, "{body}");
    assert!(
        items[0]["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("ballet"),
        "{body}"
    );
}

fn post_trends(token: Option<&str>, body: &str) -> Request<Body> {
    post_feed(
        "/api/v1/trends?name=multiTimeline.csv&region=GB",
        token,
        body.as_bytes().to_vec(),
    )
}

#[tokio::test]
async fn trends_are_imported_with_a_token_then_listed_and_shown() {
    let api = Api::new();
    let (status, body) = api.get("/api/v1/trends").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 0, "an empty store lists nothing: {body}");
    for token in [None, Some("pt_wrong")] {
        let (status, _, body) = api.send(api.app(), post_trends(token, TRENDS)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let (status, _, report) = api
        .send(api.app(), post_trends(Some(&api.token), TRENDS))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (status, list) = api.get("/api/v1/trends").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(
        list["items"][0]["term"], "balletcore",
        "the rising term leads: {list}"
    );
    let (status, shown) = api.get("/api/v1/trends/balletcore").await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let (status, body) = api.get("/api/v1/trends/baletcore").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["error"]["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().any(|t| t == "balletcore")),
        "{body}"
    );
    let (status, body) = api.get("/api/v1/trends?window=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "window");
}

#[tokio::test]
async fn a_broken_or_oversized_trend_export_stores_nothing() {
    let api = Api::new();
    let broken = "Category: All categories\n\nWeek,balletcore: (United Kingdom)\n2026-08-02,lots\n";
    let (status, _, body) = api
        .send(api.app(), post_trends(Some(&api.token), broken))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let config = ServerConfig {
        feed_limit: 100,
        ..ServerConfig::default()
    };
    let (status, _, body) = api
        .send(api.app_with(config), post_trends(Some(&api.token), TRENDS))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let (_, list) = api.get("/api/v1/trends").await;
    assert_eq!(list["total"], 0, "nothing was stored: {list}");
}
