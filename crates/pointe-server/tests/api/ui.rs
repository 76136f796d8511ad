//! The web workspace's pages through `oneshot`: each answers 200 over the sample catalog
//! with its key content, under a policy without inline script or style; feed text is
//! escaped and only http(s) addresses become links; unknown ids answer 404 with
//! candidates and bad parameters 400 naming them; three pages as snapshots.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pointe_app::Workspace;
use pointe_app::ingest::IngestRequest;
use pointe_app::trends::ImportRequest;
use pointe_core::store::TokenScope;
use tower::ServiceExt;

use super::{Api, repo};

const TRENDS: &str = "Category: All categories\n\n\
Week,balletcore: (United Kingdom),coquette: (United Kingdom)\n\
2026-08-02,6,20\n2026-08-09,5,22\n2026-08-16,7,21\n2026-08-23,8,19\n\
2026-08-30,9,23\n2026-09-06,11,20\n2026-09-13,14,22\n2026-09-20,18,21\n\
2026-09-27,25,20\n2026-10-04,34,19\n2026-10-11,47,22\n2026-10-18,63,20\n\
2026-10-25,78,21\n2026-11-01,100,20\n";

/// A product whose feed text tries to break out of the page.
const HOSTILE: &str = "aw_product_id,merchant_product_id,merchant_name,brand_name,product_name,description,search_price,rrp_price,currency,in_stock,colour,Fashion:material,Fashion:size,merchant_category,merchant_deep_link,merchant_image_url,ean\n\
hostile-1,H-1,Evil <i>Shop</i>,<b>Bold</b>,\"<script>alert(1)</script> satin ballet flats\",\"<img src=x onerror=alert(2)> flats\",20.00,,GBP,1,Pink,Satin,38,Shoes > Ballerinas,https://shop.example/\"><script>alert(3)</script>,javascript:alert(4),\n";

/// A kurta by a brand the brand book does not know, named as the feed writes it.
const KURTA: &str = "aw_product_id,merchant_product_id,merchant_name,brand_name,product_name,description,search_price,rrp_price,currency,in_stock,colour,Fashion:material,Fashion:size,merchant_category,merchant_deep_link,merchant_image_url,ean\n\
kurta-1,K-1,Kurta House,Jompers,Jompers Women Blue Printed Straight Kurta,A cotton kurta,19.00,,GBP,1,Blue,Cotton,M,Kurtas,https://shop.example/kurta-1,https://images.example/kurta-1.jpg,\n";

/// The sample catalog seen at a fixed time, the trend export, and (when `edit`) the
/// Balletcore edit.
fn seeded(seen_at: Option<&str>, extra: Option<&str>) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new(dir.path().join("data"));
    let request = IngestRequest {
        seen_at: seen_at.map(str::to_string),
        ..IngestRequest::default()
    };
    let mut feeds = vec![
        repo().join("samples/catalog.awin.csv"),
        repo().join("samples/harvey.gmc.xml"),
    ];
    if let Some(csv) = extra {
        let path = dir.path().join("extra.awin.csv");
        std::fs::write(&path, csv).unwrap();
        feeds.push(path);
    }
    for feed in &feeds {
        pointe_app::ingest::ingest(&ws, std::slice::from_ref(feed), &request, &mut |_, _| {})
            .unwrap();
    }
    pointe_app::trends::import_bytes(
        &ws,
        "multiTimeline.csv",
        TRENDS.as_bytes(),
        &ImportRequest {
            region: Some("GB".into()),
            ..ImportRequest::default()
        },
    )
    .unwrap();
    Api {
        _dir: dir,
        ws,
        token: String::new(),
        feeds_token: String::new(),
    }
}

fn fixed() -> Api {
    seeded(Some("2026-12-01T09:00:00Z"), None)
}

/// Status, headers and body of a page.
async fn page(api: &Api, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let response = api.app().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn ok(api: &Api, uri: &str) -> String {
    let (status, headers, body) = page(api, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    assert_page(uri, &headers, &body);
    body
}

/// What every page keeps to: HTML under the pages' policy, the stylesheet linked, no
/// inline script or style; a script only from Pointe's own assets.
fn assert_page(uri: &str, headers: &axum::http::HeaderMap, body: &str) {
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/html; charset=utf-8",
        "{uri}"
    );
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert_eq!(csp, pointe_server::ui::PAGE_CSP, "{uri}");
    assert!(
        !csp.contains("unsafe-inline") && csp.contains("script-src 'self';"),
        "{csp}"
    );
    assert!(body.starts_with("<!doctype html>"), "{uri}");
    assert!(
        body.contains("<link rel=\"stylesheet\" href=\"/assets/pointe.css?v="),
        "{uri}"
    );
    for script in body.split("<script").skip(1) {
        assert!(
            script.starts_with(" src=\"/assets/builder.js?v=") && script.contains("></script>"),
            "{uri}: only Pointe's own script, never inline: <script{script}"
        );
        let inline = &script[script.find('>').unwrap() + 1..script.find("</script>").unwrap()];
        assert!(inline.is_empty(), "{uri}: an inline script");
    }
    assert!(!body.contains(" style=\""), "{uri}: no style attribute");
    assert!(!body.contains("<style"), "{uri}: no style element");
    assert_balanced(uri, body);
}

/// Every element `body` opens is closed, in order; ids are unique. Feed text cannot open
/// one: escaped, it holds no `<`.
fn assert_balanced(uri: &str, body: &str) {
    const VOID: &[&str] = &["meta", "link", "img", "input", "br", "hr", "!doctype"];
    let mut open: Vec<&str> = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for tag in body.split('<').skip(1) {
        let tag = &tag[..tag
            .find('>')
            .unwrap_or_else(|| panic!("{uri}: unclosed <{tag}"))];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop(),
                Some(name),
                "{uri}: </{name}> closes the wrong element"
            );
            continue;
        }
        let name = tag.split([' ', '\n']).next().unwrap_or_default();
        if let Some(at) = tag.find(" id=\"") {
            let id = &tag[at + 5..];
            let id = &id[..id.find('"').unwrap()];
            assert!(ids.insert(id.to_string()), "{uri}: id {id} twice");
        }
        if !VOID.contains(&name.to_ascii_lowercase().as_str()) {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "{uri}: {open:?} never closed");
}

#[tokio::test]
async fn the_search_page_lists_cards_with_facets_sort_and_pages() {
    let api = fixed();
    let home = ok(&api, "/").await;
    assert!(home.contains("products</h2>"), "{home}");
    assert!(
        home.contains("<label for=\"q\">"),
        "the query box is labelled"
    );
    let body = ok(&api, "/search?q=ballet+flats").await;
    assert!(body.contains("Understood as"), "{body}");
    assert!(body.contains("Logo-patch satin ballet flats"), "{body}");
    assert!(body.contains("Leather Bow Ballet Pumps"), "{body}");
    assert!(body.contains("£495.00"), "the lowest price is shown");
    assert!(
        body.contains("at Harvey &#38; Co"),
        "the retailer of the lowest price is shown"
    );
    assert!(
        body.contains("src=\"https://images.example/miu-miu/5f094d.jpg\""),
        "the card has the feed's image"
    );
    assert!(
        body.contains("href=\"/search?q=ballet+flats&#38;brand="),
        "facet values are links keeping the words: {body}"
    );
    assert!(body.contains("<select id=\"sort\" name=\"sort\">"));
    assert!(
        body.contains(">Marks &#38; Spencer</a> <span class=\"count\">1</span>"),
        "brands by name"
    );
    for link in [
        "/search?q=ballet+flats&brand=marks+and+spencer",
        "/search?q=ballet+flats&retailer=harvey+and+co&brand=marks+and+spencer",
    ] {
        let narrowed = ok(&api, link).await;
        assert!(narrowed.contains(">1 product</h2>"), "{link}: {narrowed}");
        assert!(narrowed.contains("Leather Bow Ballet Pumps"), "{link}");
        assert!(
            narrowed.contains("class=\"chip\""),
            "the filter in force can be removed"
        );
    }
    assert!(
        body.contains(
            "href=\"/search?q=ballet+flats&#38;min_price=25&#38;max_price=49.99\">£25 to £50</a> \
             <span class=\"count\">3</span>"
        ),
        "price bands with counts: {body}"
    );
    assert!(body.contains("in_stock=true\">In stock</a> <span class=\"count\">"));
    let band = ok(&api, "/search?q=ballet+flats&min_price=25&max_price=49.99").await;
    assert!(
        band.contains(">3 products</h2>"),
        "the band's count: {band}"
    );
    assert!(band.contains("aria-current=\"true\" class=\"selected\">£25 to £50</a>"));
    let cheap = ok(&api, "/search?q=ballet+flats&sort=price").await;
    let (first, last) = (
        cheap.find("£35.00").unwrap(),
        cheap.find("£495.00").unwrap(),
    );
    assert!(first < last, "cheapest first when sorted by price");
    let paged = ok(&api, "/search?page=2").await;
    assert!(paged.contains("Page 2 of 2"), "{paged}");
    assert!(
        paged.contains("rel=\"prev\" href=\"/search?page=1\""),
        "{paged}"
    );
}

#[tokio::test]
async fn a_bad_search_parameter_is_a_400_page_naming_it() {
    let api = fixed();
    for (uri, field) in [
        ("/search?page=0", "page"),
        ("/search?color=red", "color"),
        ("/search?colour=plaid", "colour"),
        ("/search?q=a&q=b", "q"),
        ("/trends?window=1", "window"),
        ("/products/seed-001?currency=XXQ", "currency"),
    ] {
        let (status, headers, body) = page(&api, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_page(uri, &headers, &body);
        assert!(
            body.contains(&format!("The parameter at fault is <code>{field}</code>")),
            "{uri}: {body}"
        );
    }
}

#[tokio::test]
async fn a_product_page_shows_offers_its_price_chart_attributes_and_lookalikes() {
    let api = fixed();
    let body = ok(&api, "/products/seed-001").await;
    assert!(
        body.contains("<h1>Logo-patch satin ballet flats</h1>"),
        "{body}"
    );
    assert!(
        body.contains("<svg class=\"chart\""),
        "a price chart is drawn"
    );
    assert!(body.contains("<polyline class=\"line line-0\" points=\""));
    assert!(body.contains("Price history in GBP"));
    assert!(body.contains("material: “Satin”"), "evidence words: {body}");
    assert!(body.contains("Look-alikes"));
    let pumps = body
        .find("Leather Bow Ballet Pumps")
        .expect("the M&S pumps are a look-alike");
    assert!(body[pumps..].contains("Shares"), "with what they share");
    assert!(body.contains("saves £"), "with the saving");
    let euros = ok(&api, "/products/seed-001?currency=EUR").await;
    assert!(euros.contains("<option value=\"EUR\" selected>"), "{euros}");
    assert!(euros.contains("≈€"), "a converted price says so: {euros}");
    let sold_twice = ok(&api, "/products/seed-004").await;
    assert!(
        sold_twice.matches("<th scope=\"row\">").count() >= 2,
        "an offer per retailer"
    );
    assert!(sold_twice.contains("rel=\"noopener noreferrer nofollow\""));
}

#[tokio::test]
async fn an_unknown_product_or_term_is_a_404_page_with_candidates() {
    let api = fixed();
    let (status, headers, body) = page(&api, "/products/seed-00").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_page("/products/seed-00", &headers, &body);
    assert!(body.contains("Did you mean"), "{body}");
    assert!(body.contains("href=\"/products/seed-00"), "{body}");
    let req = Request::get("/nowhere")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(&api, req).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_page("/nowhere", &headers, &body);
    assert!(body.contains("<a href=\"/trends\">Trends</a>"), "{body}");
    let req = Request::get("/api/v1/nowhere")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&api, req).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body.contains("\"not_found\""),
        "the API answers JSON: {body}"
    );
    let (status, _, body) = page(&api, "/trends/baletcore").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body.contains("<a href=\"/trends/balletcore\">balletcore</a>"),
        "{body}"
    );
}

#[tokio::test]
async fn the_trends_pages_show_stages_sparklines_charts_and_the_trend_test() {
    let api = fixed();
    let body = ok(&api, "/trends").await;
    assert!(
        body.contains("<a href=\"/trends/balletcore\">balletcore</a>"),
        "{body}"
    );
    assert!(
        body.contains("<svg class=\"spark\""),
        "a sparkline per series"
    );
    assert!(body.contains("Rising"), "{body}");
    let term = ok(&api, "/trends/balletcore").await;
    assert!(term.contains("<svg class=\"chart\""), "{term}");
    assert!(
        term.contains("search interest, year over year"),
        "the metric is named: {term}"
    );
    assert!(term.contains("Mann–Kendall p-value"));
    assert!(term.contains("Products that fit the"), "{term}");
}

#[tokio::test]
async fn the_status_and_edits_pages_say_what_the_directory_holds() {
    let api = seeded(None, None);
    let links = pointe_app::edits::Links::new("http://127.0.0.1:8080").unwrap();
    let request: pointe_app::edits::CreateEditRequest = serde_json::from_value(serde_json::json!({
        "slug": "balletcore",
        "title": "Balletcore, for less",
        "hero": "seed-001",
        "trend": "balletcore",
    }))
    .unwrap();
    pointe_app::edits::create(&api.ws, &request, &links).unwrap();
    let status = ok(&api, "/status").await;
    assert!(status.contains("<dt>Products</dt><dd>25</dd>"), "{status}");
    assert!(status.contains("catalog.awin.csv"), "{status}");
    assert!(status.contains("Rejected"));
    assert!(
        status.contains("up to date") || status.contains("rebuilds"),
        "{status}"
    );
    let edits = ok(&api, "/edits").await;
    assert!(
        edits.contains("<a href=\"/edits/balletcore\">Balletcore, for less</a>"),
        "{edits}"
    );
    assert!(edits.contains("href=\"/products/"), "{edits}");
}

#[tokio::test]
async fn a_brand_is_named_as_its_feed_writes_it_and_a_price_not_seen_for_weeks_is_dated() {
    let api = seeded(None, Some(KURTA));
    let results = ok(&api, "/search?q=kurta").await;
    assert!(
        results.contains(">Jompers</a> <span class=\"count\">1</span>"),
        "the brand facet names the brand, not its key: {results}"
    );
    let fresh = ok(&api, "/products/kurta-1").await;
    assert!(fresh.contains("<strong>£19.00</strong>"), "{fresh}");
    assert!(!fresh.contains("Price last seen"), "seen today: {fresh}");
    let old = seeded(Some("2025-01-06T09:00:00Z"), Some(KURTA));
    let body = ok(&old, "/products/kurta-1").await;
    assert!(
        body.contains("Price last seen 2025-01-06: the feeds have not confirmed it since."),
        "{body}"
    );
}

#[tokio::test]
async fn feed_text_is_escaped_and_only_http_addresses_become_links() {
    let api = seeded(Some("2026-12-01T09:00:00Z"), Some(HOSTILE));
    let results = ok(&api, "/search?q=satin+ballet+flats").await;
    assert!(
        results.contains("&#60;script&#62;alert(1)&#60;/script&#62; satin ballet flats"),
        "the hostile title is found and escaped: {results}"
    );
    assert!(!results.contains("javascript:"), "{results}");
    let body = ok(&api, "/products/hostile-1").await;
    assert!(
        body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{body}"
    );
    assert!(
        body.contains("&#60;img src=x onerror=alert(2)&#62;"),
        "{body}"
    );
    assert!(!body.contains("javascript:"), "{body}");
    assert!(
        !body.contains("\"><script>"),
        "an address cannot close its attribute"
    );
}

#[tokio::test]
async fn the_stylesheet_is_served_from_the_binary_with_a_long_cache_life() {
    let api = fixed();
    let (status, headers, css) = page(&api, "/assets/pointe.css?v=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(css.contains(":focus-visible"), "keyboard focus is visible");
    assert!(
        !css.contains("@import") && !css.contains("url(http"),
        "no external assets"
    );
}

#[tokio::test]
async fn the_icon_browsers_ask_for_is_served_rather_than_a_404() {
    let api = fixed();
    let (status, headers, svg) = page(&api, "/favicon.ico").await;
    assert_eq!(status, StatusCode::OK, "{svg}");
    assert_eq!(headers[header::CONTENT_TYPE], "image/svg+xml");
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(!svg.contains("href"), "the icon links to nothing");
}

/// `body` without what moves between builds (the stylesheet's hash) or with the day the test
/// runs (whether the fixed day the samples were seen is long ago: tested on its own).
fn redact(body: &str) -> String {
    let mut body = body.to_string();
    while let Some(at) = body.find("<p class=\"note\">Price last seen ") {
        let end = at + body[at..].find("</p>").expect("the note closes") + "</p>".len();
        body.replace_range(at..end, "");
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(at) = rest.find("pointe.css?v=") {
        let (head, tail) = rest.split_at(at + "pointe.css?v=".len());
        out.push_str(head);
        out.push_str("[hash]");
        rest = tail.trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn pages_as_snapshots() {
    let api = fixed();
    insta::assert_snapshot!(
        "ui_search",
        redact(&ok(&api, "/search?q=ballet+flats").await)
    );
    insta::assert_snapshot!("ui_product", redact(&ok(&api, "/products/seed-004").await));
    insta::assert_snapshot!("ui_trends", redact(&ok(&api, "/trends").await));
}

/// The samples seen now, the Balletcore edit, and a token that may write.
async fn with_edit() -> (Api, String) {
    let api = seeded(None, None);
    let links = pointe_app::edits::Links::new("http://127.0.0.1:8080").unwrap();
    let request = pointe_app::edits::CreateEditRequest {
        slug: "balletcore".into(),
        title: "Balletcore, for less".into(),
        hero: "seed-001".into(),
        ..Default::default()
    };
    pointe_app::edits::create(&api.ws, &request, &links).unwrap();
    let token = pointe_app::tokens::create(&api.ws, "editor", TokenScope::ReadWrite)
        .unwrap()
        .secret;
    (api, token)
}

fn post_form(uri: &str, cookie: Option<&str>, pairs: &[(&str, &str)]) -> Request<Body> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let mut req =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::from(body)).unwrap()
}

async fn send(api: &Api, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = api.app().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn builder_page(api: &Api, cookie: &str) -> String {
    let req = Request::get("/edits/balletcore/builder")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(api, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_page("/edits/balletcore/builder", &headers, &body);
    body
}

/// The value of the first `name="csrf"` field of `page`.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..at + 64].to_string()
}

fn pick_ids(api: &Api) -> Vec<String> {
    let links = pointe_app::edits::Links::new("http://127.0.0.1:8080").unwrap();
    let shown = pointe_app::edits::show(&api.ws, "balletcore", &links).unwrap();
    shown.edit.picks.iter().map(|p| p.id.clone()).collect()
}

#[tokio::test]
async fn the_builder_asks_for_the_token_once_and_keeps_it_in_a_strict_cookie() {
    let (api, token) = with_edit().await;
    let (status, _, page) = page(&api, "/edits/balletcore/builder").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<form class=\"inline-form\" action=\"/session\" method=\"post\">"));
    assert!(
        !page.contains("name=\"csrf\""),
        "no write form without a session"
    );
    let next = "/edits/balletcore/builder";
    let (status, _, body) = send(
        &api,
        post_form("/session", None, &[("token", "pt_wrong"), ("next", next)]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, headers, _) = send(
        &api,
        post_form("/session", None, &[("token", &token), ("next", next)]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], next);
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let (_, headers, _) = send(
        &api,
        post_form(
            "/session",
            None,
            &[("token", &token), ("next", "//evil.example")],
        ),
    )
    .await;
    assert_eq!(
        headers[header::LOCATION],
        "/edits",
        "only local paths are followed"
    );
}

#[tokio::test]
async fn builder_changes_need_the_session_and_its_csrf_token() {
    let (api, token) = with_edit().await;
    let cookie = format!("pointe_session={token}");
    let page = builder_page(&api, &cookie).await;
    let csrf = csrf_of(&page);
    let before = pick_ids(&api);
    assert!(before.len() >= 2, "{before:?}");
    let down = [("action", "down"), ("product", before[0].as_str())];
    let uri = "/edits/balletcore/builder";
    let (status, _, _) = send(
        &api,
        post_form(uri, None, &[&down[..], &[("csrf", &csrf)]].concat()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no cookie");
    let (status, _, body) = send(
        &api,
        post_form(
            uri,
            Some(&cookie),
            &[&down[..], &[("csrf", "0".repeat(64).as_str())]].concat(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(pick_ids(&api), before, "a refused change changes nothing");
    let (status, headers, _) = send(
        &api,
        post_form(
            uri,
            Some(&cookie),
            &[&down[..], &[("csrf", &csrf)]].concat(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], uri);
    let after = pick_ids(&api);
    assert_eq!(
        (&after[0], &after[1]),
        (&before[1], &before[0]),
        "the first pick moved down"
    );
}

#[tokio::test]
async fn the_drag_form_moves_a_pick_to_a_position_and_names_a_bad_one() {
    let (api, token) = with_edit().await;
    let cookie = format!("pointe_session={token}");
    let page = builder_page(&api, &cookie).await;
    assert!(page.contains("<form id=\"move-form\""), "{page}");
    assert!(
        page.contains("<script src=\"/assets/builder.js?v="),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let before = pick_ids(&api);
    let last = before.last().unwrap().as_str();
    let uri = "/edits/balletcore/builder";
    let far = (before.len() + 1).to_string();
    let moves = [
        ("0", StatusCode::BAD_REQUEST),
        (far.as_str(), StatusCode::BAD_REQUEST),
        ("1", StatusCode::SEE_OTHER),
    ];
    for (to, expected) in moves {
        let form = [
            ("csrf", csrf.as_str()),
            ("action", "move"),
            ("product", last),
            ("to", to),
        ];
        let (status, _, body) = send(&api, post_form(uri, Some(&cookie), &form)).await;
        assert_eq!(status, expected, "to={to}: {body}");
        if expected == StatusCode::BAD_REQUEST {
            assert!(body.contains("<code>to</code>"), "{body}");
            assert_eq!(pick_ids(&api), before, "nothing changed");
        }
    }
    let after = pick_ids(&api);
    assert_eq!(after[0], last, "the last pick is first");
    assert_eq!(
        after[1..],
        before[..before.len() - 1],
        "the others follow in order"
    );
}

#[tokio::test]
async fn a_builder_form_missing_a_field_is_a_400_page_naming_it() {
    let (api, token) = with_edit().await;
    let cookie = format!("pointe_session={token}");
    let csrf = csrf_of(&builder_page(&api, &cookie).await);
    let before = pick_ids(&api);
    let uri = "/edits/balletcore/builder";
    let (status, headers, body) =
        send(&api, post_form(uri, Some(&cookie), &[("csrf", &csrf)])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{headers:?}"
    );
    assert!(body.contains("<code>action</code>"), "{body}");
    assert_eq!(pick_ids(&api), before, "nothing changed");
}

#[tokio::test]
async fn a_pick_is_replaced_pinned_and_reblurbed_from_the_builder() {
    let (api, token) = with_edit().await;
    let cookie = format!("pointe_session={token}");
    let page = builder_page(&api, &cookie).await;
    let csrf = csrf_of(&page);
    let uri = "/edits/balletcore/builder";
    let first = pick_ids(&api)[0].clone();
    let at = page
        .find("name=\"with\"")
        .expect("replacements are offered");
    let value = page[at..].find("<option value=\"").unwrap() + at + 15;
    let with = page[value..value + page[value..].find('"').unwrap()].to_string();
    let replace = [
        ("csrf", csrf.as_str()),
        ("action", "replace"),
        ("product", &first),
        ("with", &with),
    ];
    let (status, _, body) = send(&api, post_form(uri, Some(&cookie), &replace)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let ids = pick_ids(&api);
    assert_eq!(ids[0], with, "the look-alike took the pick's place");
    assert!(!ids.contains(&first));
    let blurb = [
        ("csrf", csrf.as_str()),
        ("action", "blurb"),
        ("product", &with),
        ("blurb", "<b>Our</b> pick"),
    ];
    let (status, _, _) = send(&api, post_form(uri, Some(&cookie), &blurb)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let unpin = [
        ("csrf", csrf.as_str()),
        ("action", "unpin"),
        ("product", &with),
    ];
    let (status, _, _) = send(&api, post_form(uri, Some(&cookie), &unpin)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = builder_page(&api, &cookie).await;
    assert!(
        page.contains("&#60;b&#62;Our&#60;/b&#62; pick"),
        "the blurb is kept, escaped"
    );
    assert!(page.contains("<iframe class=\"preview preview-phone\" src=\"/edits/balletcore\""));
    assert!(
        page.contains("value=\"http://127.0.0.1:8080/oembed?url="),
        "the embed code: {page}"
    );
    assert!(page.contains("widget.html"), "{page}");
    let unknown = [
        ("csrf", csrf.as_str()),
        ("action", "up"),
        ("product", "pt-nothing"),
    ];
    let (status, _, body) = send(&api, post_form(uri, Some(&cookie), &unknown)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("<code>product</code>"), "{body}");
}

#[tokio::test]
async fn an_edit_is_started_from_a_hero_and_opens_in_the_builder() {
    let (api, token) = with_edit().await;
    let product = ok(&api, "/products/seed-004").await;
    assert!(product.contains("href=\"/edits/new?hero=pt-"), "{product}");
    let cookie = format!("pointe_session={token}");
    let req = Request::get("/edits/new?hero=seed-004")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let (status, headers, form) = send(&api, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_page("/edits/new", &headers, &form);
    assert!(
        form.contains("<option value=\"balletcore\">"),
        "trends are offered: {form}"
    );
    assert!(
        form.contains(r#"pattern="[A-Za-z0-9_\-]+""#),
        "a hyphen in a pattern's class is escaped: browsers compile patterns in the v mode, \
         where a bare one is a syntax error and the pattern is dropped: {form}"
    );
    let fields = [
        ("csrf", csrf_of(&form)),
        ("slug", "pumps".to_string()),
        ("title", "Pumps for less".to_string()),
        ("hero", "seed-004".to_string()),
        ("trend", "balletcore".to_string()),
    ];
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, headers, body) = send(&api, post_form("/edits/new", Some(&cookie), &pairs)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(headers[header::LOCATION], "/edits/pumps/builder");
    let links = pointe_app::edits::Links::new("http://127.0.0.1:8080").unwrap();
    let shown = pointe_app::edits::show(&api.ws, "pumps", &links).unwrap();
    assert_eq!(shown.edit.title, "Pumps for less");
}
