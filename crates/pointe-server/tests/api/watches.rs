//! `/api/v1/watches` and `/api/v1/alerts`: a read-write token for every call, one target per
//! watch, a webhook's secret never shown, a private webhook refused unless allowed.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::Api;
use crate::sources::call;

async fn send(api: &Api, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let req = call(method, uri, Some(&api.token), body);
    let (status, _, answer) = api.send(api.app(), req).await;
    (status, answer)
}

#[tokio::test]
async fn a_watch_is_made_listed_without_its_secret_and_removed() {
    let api = Api::new();
    let (status, made) = send(
        &api,
        Method::POST,
        "/api/v1/watches",
        Some(json!({
            "product": "seed-004",
            "drop": "10%",
            "below": "£30",
            "webhook": "https://93.184.216.34/hooks",
            "webhook_secret": "whsec_abc",
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["id"], "w1");
    assert_eq!(made["webhook"]["signed"], true, "{made}");
    assert_eq!(made["rules"]["below"][0]["amount"], "30.00", "{made}");
    assert!(!made.to_string().contains("whsec_abc"), "{made}");
    let (status, list) = send(&api, Method::GET, "/api/v1/watches", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert!(!list.to_string().contains("whsec_abc"), "{list}");

    let (status, _) = send(&api, Method::DELETE, "/api/v1/watches/w1", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, answer) = send(&api, Method::DELETE, "/api/v1/watches/w1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
}

#[tokio::test]
async fn a_bad_watch_names_its_field_and_nothing_is_made() {
    let api = Api::new();
    let cases = [
        (
            json!({"product": "seed-004", "edit": "balletcore", "drop": "10%"}),
            "product",
        ),
        (json!({"product": "seed-004"}), "rules"),
        (json!({"product": "seed-004", "drop": "150%"}), "drop"),
        (json!({"product": "seed-004", "below": "cheap"}), "below"),
        (
            json!({"product": "seed-004", "rise": true, "webhook": "http://127.0.0.1:9/h"}),
            "webhook",
        ),
        (
            json!({"product": "seed-004", "rise": true, "webhook": "ftp://x.example/h"}),
            "webhook",
        ),
        (
            json!({"product": "seed-004", "new_match": true}),
            "new_match",
        ),
        (
            json!({"product": "seed-004", "rise": true, "colour": "red"}),
            "colour",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) =
            send(&api, Method::POST, "/api/v1/watches", Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let (status, answer) = send(
        &api,
        Method::POST,
        "/api/v1/watches",
        Some(json!({"product": "no-such-thing", "rise": true})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (_, list) = send(&api, Method::GET, "/api/v1/watches", None).await;
    assert_eq!(list["total"], 0, "{list}");
}

#[tokio::test]
async fn alerts_are_read_with_a_token_and_since_is_checked() {
    let api = Api::new();
    let req = call(Method::GET, "/api/v1/alerts", None, None);
    let (status, _, _) = api.send(api.app(), req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = send(
        &api,
        Method::GET,
        "/api/v1/alerts?since=2026-01-01T00:00:00Z",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 0);
    for since in ["yesterday", ""] {
        let uri = format!("/api/v1/alerts?since={since}");
        let (status, body) = send(&api, Method::GET, &uri, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{since:?}: {body}");
        assert_eq!(body["error"]["field"], "since");
    }
    let (status, body) = send(&api, Method::GET, "/api/v1/alerts?limit=0", None).await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("limit"))
    );
}
