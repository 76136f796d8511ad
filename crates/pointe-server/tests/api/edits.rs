//! The edit routes, the public page and oEmbed: reads public, writes with a token, a bad
//! field named, unknown slugs and products answered with candidates, and bodies bounded.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use pointe_app::Workspace;
use pointe_app::ingest::IngestRequest;
use pointe_core::store::TokenScope;
use serde_json::{Value, json};

use super::{Api, repo};

/// The sample catalog seen now (so its prices are current for edits) and a token.
fn api() -> Api {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new(dir.path().join("data"));
    for feed in ["samples/catalog.awin.csv", "samples/harvey.gmc.xml"] {
        pointe_app::ingest::ingest(
            &ws,
            &[repo().join(feed)],
            &IngestRequest::default(),
            &mut |_, _| {},
        )
        .unwrap();
    }
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

fn send_json(method: Method, uri: &str, token: Option<&str>, body: &Value) -> Request<Body> {
    send_raw(method, uri, token, body.to_string().into_bytes())
}

fn send_raw(method: Method, uri: &str, token: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(Body::from(body)).unwrap()
}

fn balletcore() -> Value {
    json!({
        "slug": "balletcore",
        "title": "Balletcore, for less",
        "hero": "seed-001",
        "trend": "balletcore",
        "trend_figure": 1566,
        "trend_source": "Pinterest",
        "author": "The Pointe desk",
        "count": 3,
    })
}

impl Api {
    async fn call(&self, req: Request<Body>) -> (StatusCode, Value) {
        let (status, _, body) = self.send(self.app(), req).await;
        (status, body)
    }

    async fn create(&self) -> Value {
        let req = send_json(
            Method::POST,
            "/api/v1/edits",
            Some(&self.token),
            &balletcore(),
        );
        let (status, body) = self.call(req).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

fn redacted(value: &Value) -> Value {
    let mut v = value.clone();
    for key in ["created_at", "refreshed_at", "prices_checked"] {
        if let Some(slot) = v.get_mut(key).filter(|s| !s.is_null()) {
            *slot = json!("[time]");
        }
    }
    v
}

#[tokio::test]
async fn an_edit_is_created_with_a_token_and_carries_ids_and_its_embeds() {
    let api = api();
    for token in [None, Some("pt_forged"), Some(api.feeds_token.as_str())] {
        let req = send_json(Method::POST, "/api/v1/edits", token, &balletcore());
        let (status, body) = api.call(req).await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
            "{status} {body}"
        );
    }
    let (_, list) = api.get("/api/v1/edits").await;
    assert_eq!(list, json!({"items": [], "total": 0}), "nothing was stored");

    let created = api.create().await;
    let picks = created["picks"].as_array().unwrap();
    assert_eq!(picks.len(), 3, "{created:#}");
    for p in picks {
        assert!(p["id"].as_str().unwrap().starts_with("pt-"), "{p}");
        assert_eq!(p["id"], p["product_id"]);
        assert!(!p["item_ids"].as_array().unwrap().is_empty(), "{p}");
    }
    assert_eq!(created["hero_item_ids"][0]["item_id"], "seed-001");
    assert_eq!(
        created["embed"]["public_url"],
        "http://127.0.0.1:8080/edits/balletcore"
    );
    assert!(
        created["embed"]["iframe"]
            .as_str()
            .unwrap()
            .starts_with("<iframe src=\"http://127.0.0.1:8080/edits/balletcore\"")
    );
    assert!(
        created["trend"]["line"]
            .as_str()
            .unwrap()
            .contains("1,566%")
    );
    insta::assert_json_snapshot!("created_edit", redacted(&created));

    let again = send_json(
        Method::POST,
        "/api/v1/edits",
        Some(&api.token),
        &balletcore(),
    );
    let (status, body) = api.call(again).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");

    let (status, list) = api.get("/api/v1/edits").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    let (status, shown) = api.get("/api/v1/edits/balletcore").await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["picks"], created["picks"]);
    assert_eq!(list["items"][0], shown);
}

#[tokio::test]
async fn a_bad_create_names_its_field_and_an_unknown_hero_suggests() {
    let api = api();
    let with = |k: &str, v: Value| {
        let mut b = balletcore();
        b[k] = v;
        b
    };
    let cases = [
        (with("count", json!(0)), "count"),
        (with("count", json!("four")), "count"),
        (with("currency", json!("XXQ")), "currency"),
        (with("market", json!("FR")), "market"),
        (with("market", json!(7)), "market"),
        (with("slug", json!("no/slashes")), "slug"),
        (with("trend_figure", json!(-150)), "trend_figure"),
        (with("colour", json!("pink")), "colour"),
        (json!({"slug": "x", "hero": "seed-001"}), "title"),
    ];
    for (body, field) in cases {
        let req = send_json(Method::POST, "/api/v1/edits", Some(&api.token), &body);
        let (status, answer) = api.call(req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "bad_parameter");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let req = send_raw(
        Method::POST,
        "/api/v1/edits",
        Some(&api.token),
        b"{not json".to_vec(),
    );
    let (status, answer) = api.call(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["field"], "body", "{answer}");

    let req = send_json(
        Method::POST,
        "/api/v1/edits",
        Some(&api.token),
        &with("hero", json!("seed-00")),
    );
    let (status, answer) = api.call(req).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert!(
        answer["error"]["candidates"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "{answer}"
    );

    let huge = with("standfirst", json!("a".repeat(300 * 1024)));
    let req = send_json(Method::POST, "/api/v1/edits", Some(&api.token), &huge);
    let (status, answer) = api.call(req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(answer["error"]["code"], "payload_too_large");
    let (_, list) = api.get("/api/v1/edits").await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn an_unknown_edit_is_404_with_the_slugs_there_are() {
    let api = api();
    api.create().await;
    for uri in [
        "/api/v1/edits/gorpcore",
        "/api/v1/edits/gorpcore/widget.html",
        "/api/v1/edits/gorpcore/widget.md",
        "/api/v1/edits/gorpcore/widget.json",
        "/edits/gorpcore",
    ] {
        let (status, body) = api.get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(body["error"]["candidates"], json!(["balletcore"]), "{uri}");
    }
    let (status, body) = api.get("/api/v1/edits/bad%20slug").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "slug");
}

#[tokio::test]
async fn widgets_render_as_html_markdown_and_json_with_ids() {
    let api = api();
    api.create().await;
    let req = Request::get("/api/v1/edits/balletcore/widget.html")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = api.send(api.app(), req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.as_str().unwrap().contains("application/ld+json"));
    let (status, md) = api.get("/api/v1/edits/balletcore/widget.md").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        md.as_str().unwrap().contains("Balletcore, for less"),
        "{md}"
    );
    let (status, view) = api.get("/api/v1/edits/balletcore/widget.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        view["hero"]["item_ids"][0]["item_id"], "seed-001",
        "{view:#}"
    );
    for p in view["picks"].as_array().unwrap() {
        assert_eq!(p["id"], p["product_id"]);
        assert!(p["item_ids"].is_array());
    }
}

#[tokio::test]
async fn patch_sets_the_headline_and_the_whole_ordered_list_of_picks() {
    let api = api();
    let created = api.create().await;
    let ids: Vec<String> = created["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let uri = "/api/v1/edits/balletcore";
    let body = json!({"title": "New", "picks": [{"id": ids[2]}, {"id": ids[0]}]});
    let (status, _) = api.call(send_json(Method::PATCH, uri, None, &body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, unchanged) = api.get(uri).await;
    assert_eq!(unchanged["title"], "Balletcore, for less");

    let (status, after) = api
        .call(send_json(Method::PATCH, uri, Some(&api.token), &body))
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["title"], "New");
    let order: Vec<&str> = after["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [ids[2].as_str(), ids[0].as_str()]);
    assert_eq!(
        after["picks"][0]["blurb"], created["picks"][2]["blurb"],
        "kept"
    );

    // A product not yet picked is pinned and blurbed; the editor's blurb and pinning stick.
    let body = json!({"picks": [
        {"id": ids[2], "blurb": "The editor's own words.", "pinned": true},
        {"id": ids[1]},
    ]});
    let (status, after) = api
        .call(send_json(Method::PATCH, uri, Some(&api.token), &body))
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["picks"][0]["blurb"], "The editor's own words.");
    assert_eq!(after["picks"][0]["blurb_by_editor"], true);
    assert_eq!(after["picks"][1]["id"], ids[1].as_str());
    assert!(!after["picks"][1]["item_ids"].as_array().unwrap().is_empty());
    assert_eq!(after["picks"][1]["pinned"], true);
    assert!(!after["picks"][1]["blurb"].as_str().unwrap().is_empty());

    let bad = [
        (
            json!({"picks": [{"id": ids[2]}, {"id": ids[2]}]}),
            "picks[1].id",
        ),
        (
            json!({"picks": [{"id": ids[2], "blurb": " "}]}),
            "picks[0].blurb",
        ),
        (
            json!({"picks": [{"id": ids[2], "pinned": "yes"}]}),
            "picks[0].pinned",
        ),
        (json!({"picks": [{"product": ids[2]}]}), "picks[0].product"),
        (json!({"title": ""}), "title"),
        (json!({"picks": vec![json!({"id": "x"}); 101]}), "picks"),
    ];
    for (body, field) in bad {
        let (status, answer) = api
            .call(send_json(Method::PATCH, uri, Some(&api.token), &body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let body = json!({"picks": [{"id": "seed-00"}]});
    let (status, answer) = api
        .call(send_json(Method::PATCH, uri, Some(&api.token), &body))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (_, now) = api.get(uri).await;
    assert_eq!(
        now["picks"].as_array().unwrap().len(),
        2,
        "a failed change stores nothing"
    );
}

#[tokio::test]
async fn refresh_needs_a_token_and_reports_changes() {
    let api = api();
    api.create().await;
    let uri = "/api/v1/edits/balletcore/refresh?swap=true";
    let (status, _) = api
        .call(send_raw(Method::POST, uri, None, Vec::new()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, report) = api
        .call(send_raw(Method::POST, uri, Some(&api.token), Vec::new()))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["slug"], "balletcore");
    assert_eq!(
        report["changes"],
        json!([]),
        "nothing changed since creation"
    );
    let (_, shown) = api.get("/api/v1/edits/balletcore").await;
    assert!(shown["refreshed_at"].is_string());
    let (status, answer) = api
        .call(send_raw(
            Method::POST,
            "/api/v1/edits/balletcore/refresh?swap=maybe",
            Some(&api.token),
            Vec::new(),
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["field"], "swap");
}

#[tokio::test]
async fn the_public_page_embeds_the_widget_and_oembed_answers_for_it() {
    let api = api();
    api.create().await;
    let req = Request::get("/edits/balletcore")
        .body(Body::empty())
        .unwrap();
    let (status, headers, page) = api.send(api.app(), req).await;
    assert_eq!(status, StatusCode::OK);
    let page = page.as_str().unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains(
        "<link rel=\"alternate\" type=\"application/json+oembed\" \
         href=\"http://127.0.0.1:8080/oembed?url=http%3A%2F%2F127.0.0.1%3A8080%2Fedits%2Fballetcore&amp;format=json\""
    ), "{page}");
    assert!(page.contains("pointe-edit"), "the widget is in the page");
    assert_eq!(
        page.matches("<h1 class=\"pointe-edit__title\">").count(),
        1,
        "on a page of its own the edit's title is the page's heading: {page}"
    );
    assert!(page.contains("<h2 class=\"pointe-edit__name\">"), "{page}");
    assert!(!page.contains("<h3"), "no heading level is skipped: {page}");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );

    let url = "http%3A%2F%2F127.0.0.1%3A8080%2Fedits%2Fballetcore";
    let (status, o) = api
        .get(&format!("/oembed?url={url}&maxwidth=400&format=json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_eq!(o["type"], "rich");
    assert_eq!(o["version"], "1.0");
    assert_eq!(o["width"], 400);
    let html = o["html"].as_str().unwrap();
    assert!(
        html.starts_with("<iframe src=\"http://127.0.0.1:8080/edits/balletcore\""),
        "{html}"
    );
    assert!(html.contains("width=\"400\""));
    insta::assert_json_snapshot!("oembed", o);

    let (status, answer) = api.get(&format!("/oembed?url={url}&format=xml")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["field"], "format");
    for other in [
        "https%3A%2F%2Fevil.example%2Fedits%2Fballetcore",
        "http%3A%2F%2F127.0.0.1%3A8080%2Fedits%2Fgorpcore",
    ] {
        let (status, answer) = api.get(&format!("/oembed?url={other}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{other}: {answer}");
    }
    let (status, answer) = api.get("/oembed?maxwidth=0&url=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["field"], "maxwidth");
}

#[tokio::test]
async fn a_configured_public_url_is_the_one_edits_and_pages_give() {
    let api = api();
    let config = pointe_server::ServerConfig {
        public_url: "https://edits.example.com/".into(),
        ..pointe_server::ServerConfig::default()
    };
    let req = send_json(
        Method::POST,
        "/api/v1/edits",
        Some(&api.token),
        &balletcore(),
    );
    let (status, _, created) = api.send(api.app_with(config.clone()), req).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["embed"]["public_url"],
        "https://edits.example.com/edits/balletcore"
    );
    let req = Request::get("/oembed?url=https%3A%2F%2Fedits.example.com%2Fedits%2Fballetcore")
        .body(Body::empty())
        .unwrap();
    let (status, _, o) = api.send(api.app_with(config), req).await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_eq!(o["provider_url"], "https://edits.example.com");
}

/// serde reads a struct from a list of its fields as well as from an object; an edit body in
/// any shape but the documented one is refused, the edit left as it was.
#[tokio::test]
async fn an_edit_body_that_is_not_an_object_is_a_400_and_changes_nothing() {
    let api = api();
    api.create().await;
    let (_, before) = api.get("/api/v1/edits/balletcore").await;
    let uri = "/api/v1/edits/balletcore";
    for (body, field) in [
        ("[]", "body"),
        ("[\"New title\"]", "body"),
        ("\"title\"", "body"),
        ("{\"picks\": [[\"pt-1\"]]}", "picks[0]"),
        ("{\"picks\": [{\"id\": \"pt-1\"}, 3]}", "picks[1]"),
    ] {
        let (status, answer) = api
            .call(send_raw(
                Method::PATCH,
                uri,
                Some(&api.token),
                body.as_bytes().to_vec(),
            ))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let (status, _) = api
        .call(send_raw(
            Method::POST,
            "/api/v1/edits",
            Some(&api.token),
            b"[]".to_vec(),
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, after) = api.get("/api/v1/edits/balletcore").await;
    assert_eq!(after, before);
}
