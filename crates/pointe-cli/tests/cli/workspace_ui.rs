//! The editor's web workspace in headless Chromium, driven through WebDriver (Debian's
//! `chromium` and `chromium-driver`, installed by `scripts/test`; the `fantoccini` client):
//! `pointe demo --serve` on loopback, and an editor who searches, opens the hero, reads its
//! look-alikes, opens the trend, signs in with a token, builds an edit, reorders and replaces
//! picks, watches the preview follow, and opens the public page and the widget.
//!
//! Every page visited is saved as a screenshot at 375 and 1280 px, `<target>/artefacts/
//! ui-<page>-<width>.png`. Widths are set by emulation (`Emulation.setDeviceMetricsOverride`
//! through chromedriver's CDP endpoint), not the window, as a headless window is never
//! narrower than 500 px; the height is the page's own, so each shot holds the whole page.
//! At both widths axe-core (vendored) checks the page: a serious or critical violation fails
//! the test, and all it finds is written to `ui-<page>-<width>-axe.txt`.
//!
//! A page fails the test when the browser logs an error or a Content-Security-Policy
//! violation while on it (chromedriver's `browser` log, read after every page). Only a
//! resource off the machine failing to load is let through: the sample feeds' image hosts
//! are on the public internet, and the browser is kept on loopback
//! (`--host-resolver-rules`), so their pictures fail at once and the pages show the alt
//! text.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::Env;
use crate::browser::{artefacts_dir, chromium};

/// A Google Trends export (classic layout) in which balletcore rises through the autumn.
const TRENDS: &str = "Category: All categories\n\n\
Week,balletcore: (United Kingdom),coquette: (United Kingdom)\n\
2026-08-02,6,20\n2026-08-09,5,22\n2026-08-16,7,21\n2026-08-23,8,19\n\
2026-08-30,9,23\n2026-09-06,11,20\n2026-09-13,14,22\n2026-09-20,18,21\n\
2026-09-27,25,20\n2026-10-04,34,19\n2026-10-11,47,22\n2026-10-18,63,20\n\
2026-10-25,78,21\n2026-11-01,100,20\n";

/// axe-core, the accessibility engine (vendored, MPL-2.0: `vendor/axe-core/`), run on every
/// page visited. Injected through WebDriver, which the page's CSP does not govern.
const AXE: &str = include_str!("vendor/axe-core/axe.min.js");

/// The screenshot widths: a phone and a desktop.
const WIDTHS: [u32; 2] = [375, 1280];

/// The viewport pages are used in between screenshots: a desktop, tall enough that the
/// builder's lazily loaded previews are in view.
const DESKTOP: (u32, u32) = (1280, 2000);

/// The slug of the edit the test builds.
const SLUG: &str = "satin-for-less";

/// The chromedriver binary, or `None` (the skip recorded) when it is not installed.
fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("POINTE_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    if path.exists() {
        return Some(path);
    }
    pointe_testdata::skip(&format!("{} is not installed", path.display()));
    None
}

/// A process the test started, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `pointe demo --serve` on a free loopback port, the address it serves on and the editor's
/// token it prints.
fn serve_demo(env: &Env, dir: &Path) -> (Running, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pointe"))
        .args(["demo", "--dir", dir.to_str().unwrap()])
        .args(["--serve", "--addr", "127.0.0.1:0"])
        .env("POINTE_NOW", &env.now)
        .env_remove("POINTE_PUBLIC_URL")
        .env_remove("POINTE_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let running = Running(child);
    let (mut addr, mut token) = (None, None);
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        if let Some((_, t)) = line.trim().rsplit_once("directory): ") {
            token = Some(t.to_string());
        }
        if let Some((_, a)) = line.trim().rsplit_once(" on http://") {
            addr = Some(a.to_string());
        }
        if line.contains("the balletcore edit: ") {
            break;
        }
        line.clear();
    }
    let addr = addr.unwrap_or_else(|| panic!("the demo printed no address: {line}"));
    // Keeps the pipe drained for as long as the server writes to it.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let token = token.expect("the demo prints the editor's token");
    (running, format!("http://{addr}"), token)
}

/// chromedriver on a free loopback port, once it accepts connections; and that port.
fn start_chromedriver(driver: &Path) -> (Running, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let running = Running(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (running, port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver never listened on port {port}");
}

/// What chromedriver is asked for: headless Chromium with a fresh profile, kept on loopback,
/// its console and CSP messages kept in the `browser` log.
fn capabilities(chromium: &Path, profile: &Path) -> Capabilities {
    let caps = json!({
        "browserName": "chrome",
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                format!("--user-data-dir={}", profile.display()),
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        },
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// A chromedriver command fantoccini has no method for: `POST /session/{id}/{path}`.
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// The entries of the browser's log that fail a page: every error and every policy
/// violation, except a resource off `origin` that failed to load.
fn faults(entries: &[Value], origin: &str) -> Vec<String> {
    let ours = format!("{origin}/");
    entries
        .iter()
        .filter(|e| {
            let message = e["message"].as_str().unwrap_or_default();
            let bad = e["level"] == "SEVERE"
                || e["source"] == "security"
                || message.contains("Content Security Policy");
            let off_site = e["source"] == "network" && !message.starts_with(&ours);
            bad && !off_site
        })
        .map(|e| format!("[{}] {}", e["source"], e["message"]))
        .collect()
}

/// The width of a PNG, from its header.
fn png_width(png: &[u8]) -> u32 {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a screenshot is a PNG");
    u32::from_be_bytes(png[16..20].try_into().unwrap())
}

/// A WebDriver session on a Pointe server.
struct Browser {
    client: Client,
    origin: String,
    artefacts: PathBuf,
}

impl Browser {
    async fn connect(port: u16, chromium: &Path, profile: &Path, origin: &str) -> Browser {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities(chromium, profile))
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session: {e}"));
        let browser = Browser {
            client,
            origin: origin.to_string(),
            artefacts: artefacts_dir(),
        };
        browser.viewport(DESKTOP.0, DESKTOP.1).await;
        browser
    }

    async fn post(&self, path: &'static str, body: Value) -> Value {
        self.client
            .issue_cmd(SessionPost { path, body })
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Lays pages out `width` × `height` CSS pixels, as a phone does below 500 px.
    async fn viewport(&self, width: u32, height: u32) {
        let params = json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500,
        });
        self.post(
            "goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": params }),
        )
        .await;
    }

    async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.origin);
        self.client.goto(&url).await.unwrap();
    }

    /// The path (and query) of the page shown.
    async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let found = self.client.find(Locator::Css(css)).await;
        match found {
            Ok(e) => e,
            Err(e) => panic!("{}: no {css}: {e}", self.path().await),
        }
    }

    /// Clicks a link or a submit button and waits for the page it opens to be loaded (every
    /// click of the visit navigates): until the page clicked on is gone and the new one is
    /// complete.
    async fn click(&self, css: &str) {
        let old = self.find("html").await;
        self.find(css).await.click().await.unwrap();
        self.wait_for_a_new_page(&old, &format!("clicking {css}"))
            .await;
    }

    /// Waits until the page whose root is `old` is gone and the new one is complete.
    async fn wait_for_a_new_page(&self, old: &fantoccini::elements::Element, what: &str) {
        for _ in 0..200 {
            let gone = old.tag_name().await.is_err();
            let state = self
                .client
                .execute("return document.readyState", vec![])
                .await;
            if gone && state.is_ok_and(|s| s == "complete") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{}: {what} opened no page", self.path().await);
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.unwrap();
    }

    /// The text of every element matching `css`, as the document holds it (not as styled).
    async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.unwrap() {
            out.push(text_of(&e).await);
        }
        out
    }

    async fn text(&self, css: &str) -> String {
        text_of(&self.find(css).await).await
    }

    /// Saves the page at every width of [`WIDTHS`], then fails on anything the browser
    /// logged since the last page and on any serious accessibility violation.
    async fn visited(&self, page: &str) {
        self.checked(page, &[]).await;
    }

    /// [`Browser::visited`] for the widget's HTML fragment, which is pasted into a page of
    /// the publisher's: the rules about the whole document (its title, its language) are the
    /// host page's to meet, not the fragment's.
    async fn visited_fragment(&self, page: &str) {
        self.checked(page, &["document-title", "html-has-lang"])
            .await;
    }

    async fn checked(&self, page: &str, host_rules: &[&str]) {
        for width in WIDTHS {
            self.screenshot(page, width).await;
            let found = self.accessibility(host_rules).await;
            let report = self.artefacts.join(format!("ui-{page}-{width}-axe.txt"));
            std::fs::write(&report, found.join("\n")).unwrap();
            let serious: Vec<_> = found
                .iter()
                .filter(|f| f.contains(" (serious): ") || f.contains(" (critical): "))
                .collect();
            assert!(
                serious.is_empty(),
                "axe-core finds on the {page} page at {width} px:\n{serious:#?}"
            );
        }
        self.viewport(DESKTOP.0, DESKTOP.1).await;
        let faults = self.faults().await;
        assert!(faults.is_empty(), "the {page} page logged:\n{faults:#?}");
    }

    /// Lays the page out `width` px wide and as tall as it is, and saves it.
    async fn screenshot(&self, page: &str, width: u32) {
        self.viewport(width, 900).await;
        let metrics = self
            .post(
                "goog/cdp/execute",
                json!({ "cmd": "Page.getLayoutMetrics", "params": {} }),
            )
            .await;
        let height = metrics["cssContentSize"]["height"]
            .as_f64()
            .unwrap_or(900.0);
        self.viewport(width, (height.ceil() as u32).clamp(200, 12_000))
            .await;
        let png = self.client.screenshot().await.unwrap();
        assert_eq!(png_width(&png), width, "{page} at {width} px");
        let out = self.artefacts.join(format!("ui-{page}-{width}.png"));
        std::fs::write(&out, png).unwrap();
    }

    /// What axe-core finds on the page as laid out (WCAG 2.1 A and AA rules and axe's best
    /// practices), one line per element: rule (impact): element — what to fix. `off` names
    /// rules not run.
    async fn accessibility(&self, off: &[&str]) -> Vec<String> {
        self.client.execute(AXE, vec![]).await.unwrap();
        let run = "const [off, done] = arguments;\
            const rules = Object.fromEntries(off.map(id => [id, { enabled: false }]));\
            axe.run(document, { resultTypes: ['violations'], rules })\
              .then(r => done(r.violations), e => done(String(e)));";
        let found = self
            .client
            .execute_async(run, vec![json!(off)])
            .await
            .unwrap();
        let Value::Array(violations) = found else {
            panic!("axe-core did not run: {found}");
        };
        violations
            .iter()
            .flat_map(|v| {
                let nodes = v["nodes"].as_array().cloned().unwrap_or_default();
                nodes.into_iter().map(move |n| {
                    format!(
                        "{} ({}): {} — {}",
                        v["id"].as_str().unwrap_or_default(),
                        v["impact"].as_str().unwrap_or_default(),
                        n["target"],
                        n["failureSummary"]
                            .as_str()
                            .unwrap_or_default()
                            .replace('\n', " "),
                    )
                })
            })
            .collect()
    }

    /// What the browser logged since it was last asked that fails a page.
    async fn faults(&self) -> Vec<String> {
        let log = self.post("se/log", json!({ "type": "browser" })).await;
        faults(log.as_array().map_or(&[][..], Vec::as_slice), &self.origin)
    }
}

async fn text_of(e: &fantoccini::elements::Element) -> String {
    let text = e.prop("textContent").await.unwrap().unwrap_or_default();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn an_editor_builds_and_publishes_an_edit_in_chromium() {
    let (Some(chromium), Some(driver)) = (chromium(), chromedriver()) else {
        return;
    };
    let env = Env {
        now: "2026-12-01T09:00:00Z".into(),
        ..Env::new()
    };
    let dir = env.dir.path().join("demo");
    let (_server, origin, token) = serve_demo(&env, &dir);
    let data = dir.to_str().unwrap();
    let trends = env.write("multiTimeline.csv", TRENDS);
    env.run(&[
        "--data-dir",
        data,
        "trends",
        "import",
        "--region",
        "GB",
        &trends,
    ])
    .expect_code(0);
    let (_driver, port) = start_chromedriver(&driver);
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::connect(port, &chromium, profile.path(), &origin).await;
    let client = browser.client.clone();
    let outcome = tokio::spawn(async move { editor(&browser, &token).await }).await;
    // Chromium is stopped whatever happened; a failure of the visit is the one reported.
    let closed = client.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    closed.unwrap();
}

/// The whole visit, page by page.
async fn editor(b: &Browser, token: &str) {
    let hero = search_and_open_the_hero(b).await;
    the_pumps_are_among_its_lookalikes(b).await;
    the_trend_has_its_chart(b).await;
    b.goto(&hero).await;
    sign_in_and_create_an_edit(b, token).await;
    let before = preview(b).await;
    assert_eq!(
        before,
        b.texts(".picks .pick-name").await,
        "the preview shows the picks"
    );
    reorder_two_picks(b).await;
    drag_the_last_pick_first(b).await;
    replace_a_pick(b).await;
    let after = preview(b).await;
    assert_eq!(
        after,
        b.texts(".picks .pick-name").await,
        "the preview follows"
    );
    assert_ne!(after, before, "the preview changed");
    b.visited("builder-changed").await;
    the_public_page_and_its_widget(b, &after).await;
    the_edits_and_status_pages(b).await;
    the_log_is_read(b).await;
}

/// Searches "ballet flats" from the search box and opens the Miu Miu hero; its address.
async fn search_and_open_the_hero(b: &Browser) -> String {
    b.goto("/").await;
    b.visited("home").await;
    b.type_into("#q", "ballet flats").await;
    b.click("form.search button[type=submit]").await;
    let search = b.path().await;
    assert!(search.starts_with("/search?q=ballet+flats&"), "{search}");
    let understood = b.text(".understood").await;
    assert!(understood.contains("ballet flats"), "{understood}");
    b.visited("search").await;
    let cards = b.client.find_all(Locator::Css(".card-link")).await.unwrap();
    let mut hero = None;
    for card in cards {
        let text = text_of(&card).await;
        if text.contains("Miu Miu") && text.contains("Logo-patch satin ballet flats") {
            hero = Some(card);
        }
    }
    hero.expect("the Miu Miu flats are found")
        .click()
        .await
        .unwrap();
    assert_eq!(b.text("h1").await, "Logo-patch satin ballet flats");
    b.visited("product").await;
    b.path().await
}

/// The M&S pumps are a look-alike of the hero, with the attributes they share.
async fn the_pumps_are_among_its_lookalikes(b: &Browser) {
    let section = b.find("section[aria-labelledby=lookalikes-title]").await;
    let mut found = None;
    for card in section.find_all(Locator::Css("li.card")).await.unwrap() {
        if text_of(&card).await.contains("Leather Bow Ballet Pumps") {
            found = Some(card);
        }
    }
    let pumps = found.expect("the M&S pumps are a look-alike");
    let mut shared = Vec::new();
    for li in pumps.find_all(Locator::Css(".shared li")).await.unwrap() {
        shared.push(text_of(&li).await);
    }
    for attribute in ["ballet flat", "bow"] {
        assert!(shared.iter().any(|s| s == attribute), "{shared:?}");
    }
    let saving = text_of(&pumps.find(Locator::Css(".tag-good")).await.unwrap()).await;
    assert!(saving.starts_with("saves £"), "{saving}");
}

/// The trends dashboard, then the Balletcore term and its chart.
async fn the_trend_has_its_chart(b: &Browser) {
    b.click("header a[href=\"/trends\"]").await;
    let spark = b.find("svg.spark").await;
    assert!(spark.is_displayed().await.unwrap(), "a sparkline per term");
    b.visited("trends").await;
    b.click("a[href=\"/trends/balletcore\"]").await;
    assert_eq!(b.text("h1").await, "balletcore");
    let chart = b.find("svg.chart").await;
    assert!(chart.is_displayed().await.unwrap(), "the chart is shown");
    let (_, _, width, height) = chart.rectangle().await.unwrap();
    assert!(width > 200.0 && height > 100.0, "{width} × {height}");
    let line = b
        .find("svg.chart polyline")
        .await
        .attr("points")
        .await
        .unwrap();
    assert!(
        line.is_some_and(|p| p.split(' ').count() >= 10),
        "one point a week"
    );
    b.visited("trend").await;
}

/// From the hero's page: the token entered once, then the new edit's form, which opens the
/// builder.
async fn sign_in_and_create_an_edit(b: &Browser, token: &str) {
    b.click("a.button-link[href^=\"/edits/new?hero=\"]").await;
    assert!(b.path().await.starts_with("/edits/new?hero="));
    b.visited("sign-in").await;
    b.type_into("#token", token).await;
    b.click(".signin button[type=submit]").await;
    let cookie = b.client.get_named_cookie("pointe_session").await.unwrap();
    assert_eq!(
        (
            cookie.http_only(),
            cookie.secure(),
            format!("{:?}", cookie.same_site())
        ),
        (Some(true), Some(true), "Some(Strict)".to_string()),
        "the token is kept in a strict cookie"
    );
    assert!(
        b.path().await.starts_with("/edits/new?hero="),
        "back to the form"
    );
    b.visited("new-edit").await;
    b.type_into("#title", "Satin flats, for less").await;
    b.type_into("#slug", SLUG).await;
    b.find("#trend")
        .await
        .select_by_value("balletcore")
        .await
        .unwrap();
    b.click(".stacked-form button[type=submit]").await;
    assert_eq!(b.path().await, format!("/edits/{SLUG}/builder"));
    assert_eq!(b.text("h1").await, "Satin flats, for less");
    let tiers = b.texts(".tier-heading").await;
    assert!(tiers.len() >= 2, "the picks are grouped by tier: {tiers:?}");
    let handle = b.find(".pick .pick-head").await.attr("draggable").await;
    assert_eq!(
        handle.unwrap().as_deref(),
        Some("true"),
        "the builder's script ran under the page's policy"
    );
    b.visited("builder").await;
}

/// The names of the picks the desktop preview shows, in order.
async fn preview(b: &Browser) -> Vec<String> {
    b.find("iframe.preview-desktop")
        .await
        .enter_frame()
        .await
        .unwrap();
    let grid = b
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".pointe-edit__grid"))
        .await;
    let names = match grid {
        Ok(_) => b.texts(".pointe-edit__grid .pointe-edit__name").await,
        Err(e) => panic!("the preview shows no widget: {e}"),
    };
    b.client.enter_parent_frame().await.unwrap();
    names
}

/// The first pick moved down with its button: the first two change places.
async fn reorder_two_picks(b: &Browser) {
    let before = b.texts(".picks .pick-name").await;
    assert!(before.len() >= 3, "{before:?}");
    b.click("#pick-1 button[value=down]").await;
    assert_eq!(b.path().await, format!("/edits/{SLUG}/builder"));
    let after = b.texts(".picks .pick-name").await;
    assert_eq!(
        (&after[0], &after[1]),
        (&before[1], &before[0]),
        "{after:?}"
    );
    assert_eq!(after[2..], before[2..], "the others stay where they were");
}

/// The last pick dragged by its head onto the first (the browser's drag events, dispatched
/// as a mouse would; WebDriver's pointer actions do not drive HTML drag and drop): it
/// becomes the first, the others follow in their order.
async fn drag_the_last_pick_first(b: &Browser) {
    let before = b.texts(".picks .pick-name").await;
    let n = before.len();
    let old = b.find("html").await;
    let drag = "const [from, onto] = arguments;\
        const data = new DataTransfer();\
        const fire = (el, type) => el.dispatchEvent(new DragEvent(type,\
          { bubbles: true, cancelable: true, dataTransfer: data }));\
        const head = document.querySelector(from);\
        const target = document.querySelector(onto);\
        fire(head, 'dragstart'); fire(target, 'dragover'); fire(target, 'drop');";
    let from = format!("#pick-{n} .pick-head");
    b.client
        .execute(drag, vec![json!(from), json!("#pick-1")])
        .await
        .unwrap();
    b.wait_for_a_new_page(&old, "dragging a pick").await;
    let after = b.texts(".picks .pick-name").await;
    assert_eq!(after[0], before[n - 1], "{after:?}");
    assert_eq!(after[1..], before[..n - 1], "the others follow in order");
}

/// The first pick replaced by the first look-alike offered for it.
async fn replace_a_pick(b: &Browser) {
    let before = b.texts(".picks .pick-name").await;
    let offered = b.find("#with-1 option").await;
    let id = offered
        .attr("value")
        .await
        .unwrap()
        .expect("a look-alike id");
    let label = text_of(&offered).await;
    b.click("#pick-1 button[value=replace]").await;
    let after = b.texts(".picks .pick-name").await;
    let href = b
        .find("#pick-1 .pick-name a")
        .await
        .attr("href")
        .await
        .unwrap();
    assert_eq!(
        href,
        Some(format!("/products/{id}")),
        "{label} took its place"
    );
    assert!(label.contains(&after[0]), "{label} vs {after:?}");
    assert!(!after.contains(&before[0]), "{:?} left the edit", before[0]);
    assert_eq!(after[1..], before[1..], "the others stay");
}

/// The edit's public page (with its oEmbed discovery link) and its HTML widget, each
/// showing the picks in the builder's order.
async fn the_public_page_and_its_widget(b: &Browser, picks: &[String]) {
    let widget = b.find("#embed-html").await.prop("value").await.unwrap();
    let widget = widget.expect("the widget's address");
    b.click(&format!("a[href=\"/edits/{SLUG}\"]")).await;
    assert_eq!(b.path().await, format!("/edits/{SLUG}"));
    b.find("link[rel=alternate][type=\"application/json+oembed\"]")
        .await;
    assert_eq!(b.text(".pointe-edit__title").await, "Satin flats, for less");
    assert_eq!(
        b.texts(".pointe-edit__grid .pointe-edit__name").await,
        picks
    );
    b.visited("public").await;
    let path = widget
        .strip_prefix(&b.origin)
        .unwrap_or_else(|| panic!("{widget} is served here"));
    b.goto(path).await;
    b.find(&format!("section.pointe-edit[data-pointe-edit=\"{SLUG}\"]"))
        .await;
    assert_eq!(
        b.texts(".pointe-edit__grid .pointe-edit__name").await,
        picks
    );
    b.visited_fragment("widget").await;
}

/// The list of edits holds the new one; the status page counts the catalog.
async fn the_edits_and_status_pages(b: &Browser) {
    b.goto("/edits").await;
    let titles = b.texts(".edit-list h2").await;
    assert!(
        titles.iter().any(|t| t == "Satin flats, for less"),
        "{titles:?}"
    );
    b.visited("edits").await;
    b.click("header a[href=\"/status\"]").await;
    let figures = b.texts("dl dt").await;
    assert!(figures.iter().any(|f| f == "Products"), "{figures:?}");
    b.visited("status").await;
}

/// The log the test reads does report a page's errors: a missing page of Pointe's own is one.
async fn the_log_is_read(b: &Browser) {
    b.goto("/products/no-such-product").await;
    let faults = b.faults().await;
    assert!(
        faults
            .iter()
            .any(|f| f.contains("/products/no-such-product") && f.contains("404")),
        "{faults:#?}"
    );
}

#[test]
fn only_errors_on_the_site_and_policy_violations_fail_a_page() {
    let origin = "http://127.0.0.1:4000";
    let entries = [
        json!({ "level": "SEVERE", "source": "network",
                "message": "https://images.example/a.jpg - Failed to load resource: net::ERR_NAME_NOT_RESOLVED" }),
        json!({ "level": "SEVERE", "source": "network",
                "message": "http://127.0.0.1:4000/favicon.ico - Failed to load resource: the server responded with a status of 404 (Not Found)" }),
        json!({ "level": "SEVERE", "source": "security",
                "message": "http://127.0.0.1:4000/ 0 Applying inline style violates the following Content Security Policy directive" }),
        json!({ "level": "SEVERE", "source": "javascript", "message": "Uncaught TypeError" }),
        json!({ "level": "WARNING", "source": "other",
                "message": "Refused to frame: violates the following Content Security Policy directive" }),
        json!({ "level": "INFO", "source": "console-api", "message": "hello" }),
    ];
    let found = faults(&entries, origin);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].contains("favicon.ico"));
    assert!(
        !found
            .iter()
            .any(|f| f.contains("images.example") || f.contains("hello"))
    );
}
