//! `pointe edit`: building the Balletcore edit, keeping it live, rendering it.

use serde_json::Value;

use crate::{Env, sample, shared_data};

pub(crate) fn create_balletcore(env: &Env, extra: &[&str]) -> Value {
    let mut args = vec![
        "edit",
        "create",
        "balletcore",
        "--title",
        "Balletcore is here to stay",
        "--hero",
        "seed-001",
        "--trend",
        "balletcore",
        "--trend-figure",
        "1566",
        "--trend-source",
        "Pinterest",
        "--author",
        "The Pointe desk",
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    env.run(&args).expect_code(0).json()
}

/// `pointe products show ID -o json`.
fn product_json(env: &Env, product_id: &str) -> Value {
    env.run(&["products", "show", product_id, "-o", "json"])
        .expect_code(0)
        .json()
}

pub(crate) fn item_id_of(env: &Env, product_id: &str) -> String {
    product_json(env, product_id)["item_ids"][0]["item_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_seed_feed_gives_a_balletcore_edit_with_the_m_and_s_pumps_and_a_premium_pick() {
    let Some(seed) = shared_data("feeds/seed-edit.awin.csv") else {
        return;
    };
    let env = Env::new();
    env.run(&["ingest", &seed]).expect_code(0);
    let edit = create_balletcore(&env, &[]);
    let picks = edit["picks"].as_array().unwrap();
    assert_eq!(picks.len(), 4, "{edit:#}");
    let items: Vec<String> = picks
        .iter()
        .map(|p| item_id_of(&env, p["product_id"].as_str().unwrap()))
        .collect();
    assert!(
        items.contains(&"seed-004".to_string()),
        "the M&S pumps: {items:?}"
    );
    assert!(!items.contains(&"seed-001".to_string()), "never the hero");
    assert!(
        !items.contains(&"seed-002".to_string()),
        "one per brand: the hero is Miu Miu"
    );
    let tiers: Vec<&str> = picks.iter().map(|p| p["tier"].as_str().unwrap()).collect();
    assert!(
        tiers.contains(&"premium") && tiers.contains(&"high_street"),
        "{tiers:?}"
    );
    assert_eq!(edit["trend"]["line"], "Pinterest: up 1,566%");

    // No two blurbs open the same way.
    let mut openings: Vec<String> = picks
        .iter()
        .map(|p| {
            p["blurb"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        })
        .collect();
    openings.sort();
    openings.dedup();
    assert_eq!(openings.len(), 4, "{picks:#?}");
    // Every attribute a blurb names is one the pick shares with the hero, from its own evidence.
    for p in picks {
        let show = product_json(&env, p["product_id"].as_str().unwrap());
        let labels: Vec<String> = show["attributes"]["values"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|l| {
                l.as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["label"].as_str().unwrap().to_string())
            })
            .collect();
        for shared in p["shared"].as_array().unwrap() {
            let shared = shared.as_str().unwrap();
            assert!(
                labels.iter().any(|l| l == shared),
                "{shared} not in {labels:?}"
            );
        }
    }

    let md = env
        .run(&["edit", "render", "balletcore", "-o", "md"])
        .expect_code(0)
        .stdout;
    for (name, price) in [
        ("Leather Bow Ballet Pumps", "£35"),
        ("Logo-patch satin ballet flats", "£550"),
    ] {
        let line = md
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} in\n{md}"));
        assert!(line.contains(price), "{line}");
    }
    for p in picks {
        let show = product_json(&env, p["product_id"].as_str().unwrap());
        let amount = show["lowest_price"]["amount"].as_str().unwrap();
        let pounds = amount.trim_end_matches(".00");
        let line = md
            .lines()
            .find(|l| l.contains(show["title"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("{} in\n{md}", show["title"]));
        assert!(
            line.contains(&format!("£{pounds}")),
            "{line} should show £{pounds}"
        );
    }
    assert!(md.contains("**Trending:** Pinterest: up 1,566%"), "{md}");
    assert!(md.contains("*Prices checked 5 Jan 2026.*"), "{md}");
}

#[test]
fn refresh_reports_stock_and_price_changes_and_swap_replaces_the_lost_pick() {
    let env = Env::new();
    let feed_path = env.dir.path().join("catalog.awin.csv");
    let original = std::fs::read_to_string(sample("catalog.awin.csv")).unwrap();
    std::fs::write(&feed_path, &original).unwrap();
    let feed = feed_path.display().to_string();
    // Seen since 26 December: by 10 January, £35 has been charged for 15 days, more than the
    // seven a reference price needs.
    env.run(&["ingest", "--seen-at", "2025-12-26", &feed])
        .expect_code(0);
    let edit = create_balletcore(&env, &[]);
    let picks: Vec<String> = edit["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| item_id_of(&env, p["product_id"].as_str().unwrap()))
        .collect();
    assert!(picks.contains(&"seed-004".to_string()), "{picks:?}");
    // Another pick goes out of stock; the M&S pumps drop from £35 to £29.
    let lost = picks.iter().find(|i| *i != "seed-004").unwrap().clone();
    let v2: String = original
        .lines()
        .map(|line| {
            if line.starts_with(&format!("{lost},")) {
                // `…,price,rrp,currency,in_stock,…`: the stock flag follows the currency.
                line.replacen(",GBP,1,", ",GBP,0,", 1)
            } else if line.starts_with("seed-004,") {
                line.replacen(",35.00,,GBP,", ",29.00,,GBP,", 1)
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(v2, original);
    std::fs::write(&feed_path, v2 + "\n").unwrap();
    let mut later = Env::new();
    later.dir = env.dir;
    later.now = "2026-01-10T09:00:00Z".into();
    let env = later;
    env.run(&["ingest", "--seen-at", "2026-01-10", &feed])
        .expect_code(0);

    let report = env
        .run(&["edit", "refresh", "balletcore"])
        .expect_code(0)
        .stdout;
    assert!(report.contains("out of stock"), "{report}");
    assert!(
        report.contains("Leather Bow Ballet Pumps: price dropped from £35.00 to £29.00"),
        "{report}"
    );
    let html = env
        .run(&["edit", "render", "balletcore", "-o", "html"])
        .expect_code(0)
        .stdout;
    // The drop shows with the lowest price of the 30 days before it.
    assert!(html.contains("£29"), "{html}");
    let struck = html
        .split("<s")
        .skip(1)
        .any(|s| s.split("</s>").next().unwrap_or("").contains("£35"));
    assert!(struck, "£35 struck through:\n{html}");
    // The pick that went out of stock is left out of the public renders and listed, with its
    // reason, in the JSON until it is swapped.
    let lost_id = edit["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product_id"].as_str().unwrap())
        .find(|id| item_id_of(&env, id) == lost)
        .unwrap()
        .to_string();
    let lost_title = product_json(&env, &lost_id)["title"]
        .as_str()
        .unwrap()
        .to_string();
    let md = env
        .run(&["edit", "render", "balletcore", "-o", "md"])
        .expect_code(0)
        .stdout;
    assert!(!md.contains(&lost_title), "{md}");
    assert!(!html.contains(&lost_title), "{html}");
    let json = env
        .run(&["edit", "render", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["picks"].as_array().unwrap().len(), 3, "{json:#}");
    assert_eq!(json["unavailable"][0]["product_id"], lost_id.as_str());
    assert_eq!(json["unavailable"][0]["status"], "out_of_stock");
    assert!(
        json["unavailable"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("out of stock at "),
        "{json:#}"
    );
    assert_eq!(json["prices_checked"], "2026-01-10");

    let swapped = env
        .run(&["edit", "refresh", "balletcore", "--swap"])
        .expect_code(0)
        .stdout;
    assert!(swapped.contains("replaced by"), "{swapped}");
    let after = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    let items: Vec<String> = after["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| item_id_of(&env, p["product_id"].as_str().unwrap()))
        .collect();
    assert!(!items.contains(&lost), "{items:?}");
    assert_eq!(items.len(), 4);
    assert!(after["log"].as_array().unwrap().len() >= 3, "{after:#}");
}

#[test]
fn editing_picks_and_errors_leave_the_stored_edit_as_it_was() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    create_balletcore(&env, &["--count", "3"]);
    let before = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();

    // A trend with no series and no figure, an unknown hero, an unknown pick: clear errors.
    let run = env.run(&[
        "edit", "create", "other", "--title", "T", "--hero", "seed-001", "--trend", "gorpcore",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no trend series for \"gorpcore\""),
        "{}",
        run.stderr
    );
    let run = env.run(&[
        "edit", "create", "other", "--title", "T", "--hero", "seed-999",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("did you mean"), "{}", run.stderr);
    env.run(&["edit", "pick", "balletcore", "nope-123"])
        .expect_code(2);
    let exists = env.run(&[
        "edit",
        "create",
        "balletcore",
        "--title",
        "T",
        "--hero",
        "seed-001",
    ]);
    assert_eq!(exists.code, 1);
    // A pick priced in a currency with no exchange rate to the edit's.
    let dirhams = env.write(
        "dubai.csv",
        "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock\n\
         aed-1,Dubai Shop,Acme,Satin ballet flats,120.00,AED,1\n",
    );
    env.run(&["ingest", &dirhams]).expect_code(0);
    let run = env.run(&["edit", "pick", "balletcore", "aed-1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no exchange rate from AED to GBP"),
        "{}",
        run.stderr
    );
    let after = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(before, after);

    // Pin a product that is not yet a pick at the top, give it the editor's blurb, move it,
    // remove it.
    let current: Vec<String> = before["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| item_id_of(&env, p["product_id"].as_str().unwrap()))
        .collect();
    let extra = ["pt-s-012", "pt-s-010", "pt-s-009", "pt-s-011"]
        .into_iter()
        .find(|i| !current.iter().any(|c| c == i))
        .unwrap();
    env.run(&["edit", "pick", "balletcore", extra, "--position", "1"])
        .expect_code(0);
    let e = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(
        item_id_of(&env, e["picks"][0]["product_id"].as_str().unwrap()),
        extra
    );
    assert_eq!(e["picks"].as_array().unwrap().len(), 4);
    assert_eq!(e["picks"][0]["pinned"], true);
    env.run(&[
        "edit",
        "blurb",
        "balletcore",
        extra,
        "Ribbons to tie at the ankle.",
    ])
    .expect_code(0);
    env.run(&["edit", "move", "balletcore", extra, "2"])
        .expect_code(0);
    let e = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(e["picks"][1]["blurb"], "Ribbons to tie at the ankle.");
    assert_eq!(e["picks"][1]["blurb_by_editor"], true);
    // Picking it again keeps its place and the editor's blurb.
    env.run(&["edit", "pick", "balletcore", extra])
        .expect_code(0);
    let again = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(again["picks"], e["picks"], "re-picked in place, blurb kept");
    env.run(&["edit", "move", "balletcore", extra, "9"])
        .expect_code(1);
    env.run(&["edit", "unpick", "balletcore", extra])
        .expect_code(0);
    let e = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(e["picks"].as_array().unwrap().len(), 3);
    let list = env
        .run(&["edit", "list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(list["total"], 1);
    env.run(&["products", "list", "-o", "md"]).expect_code(1);
}

fn create_with_trend(env: &Env, slug: &str, trend: &str, extra: &[&str]) -> crate::Run {
    let mut args = vec![
        "edit", "create", slug, "--title", "T", "--hero", "seed-001", "--trend", trend, "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    env.run(&args)
}

#[test]
fn a_trend_whose_test_is_not_significant_gets_no_trending_line() {
    let Some(monthly) = shared_data("trends/google-trends-monthly/balletcore.csv") else {
        return;
    };
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    env.run(&["trends", "import", "--region", "worldwide", &monthly])
        .expect_code(0);
    // Up 100% on March 2025, but the twelve months' Mann–Kendall test is not significant.
    let run = create_with_trend(&env, "bc", "balletcore", &[]).expect_code(0);
    let e = run.json();
    assert_eq!(e["trend"], Value::Null, "{e:#}");
    assert!(
        run.stderr.contains(
            "Google search interest (worldwide) for \"balletcore\" is up 100.0% year on year \
             but its trend test is not significant (Mann–Kendall p = 0.09"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no \"Trending:\" line"),
        "{}",
        run.stderr
    );
    let md = env
        .run(&["edit", "render", "bc", "-o", "md"])
        .expect_code(0)
        .stdout;
    assert!(!md.contains("Trending"), "{md}");
}

#[test]
fn tiktok_counts_are_cited_as_sampled_videos_and_a_declining_term_is_not() {
    let Some(videos) = shared_data("trends/tiktok-weekly/tiktok-weekly-videos.csv") else {
        return;
    };
    let views = shared_data("trends/tiktok-weekly/tiktok-weekly-views.csv").unwrap();
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    env.run(&["trends", "import", &videos, &views])
        .expect_code(0);
    let e = create_with_trend(&env, "ql", "quiet luxury", &[])
        .expect_code(0)
        .json();
    assert_eq!(
        e["trend"]["line"],
        "TikTok: weekly sampled videos up 1,700% year on year (week of 18 Nov 2024 against \
         week of 20 Nov 2023)"
    );
    assert_eq!(e["trend"]["computed"], true);
    assert!(e["trend"]["p_value"].as_f64().unwrap() < 0.05);
    let md = env
        .run(&["edit", "render", "ql", "-o", "md"])
        .expect_code(0)
        .stdout;
    assert!(
        md.contains("**Trending:** TikTok: weekly sampled videos up 1,700% year on year"),
        "{md}"
    );
    assert!(!md.contains("Search interest"), "{md}");

    // Blokecore's views fall significantly and its video count's rise is not significant.
    let run = create_with_trend(&env, "bk", "blokecore", &[]).expect_code(0);
    assert_eq!(run.json()["trend"], Value::Null);
    assert!(
        run.stderr.contains(
            "TikTok: weekly sampled views for \"blokecore\" is declining over its last 12 points"
        ),
        "{}",
        run.stderr
    );
    // The editor may still state a figure, with its source; a falling one reads "down" and is
    // never printed under "Trending:".
    let e = create_with_trend(
        &env,
        "bk2",
        "blokecore",
        &["--trend-figure", "-40", "--trend-source", "TikTok views"],
    )
    .expect_code(0)
    .json();
    assert_eq!(e["trend"]["line"], "TikTok views: down 40%");
    let md = env
        .run(&["edit", "render", "bk2", "-o", "md"])
        .expect_code(0)
        .stdout;
    assert!(md.contains("\nTikTok views: down 40%\n"), "{md}");
    assert!(!md.contains("Trending"), "{md}");
}

#[test]
fn editor_figures_that_are_not_finite_or_out_of_range_are_usage_errors() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    for bad in ["inf", "NaN", "-inf", "-100", "100001", "lots"] {
        let run = create_with_trend(
            &env,
            "x",
            "balletcore",
            &["--trend-figure", bad, "--trend-source", "Pinterest"],
        );
        assert_eq!(run.code, 1, "{bad}: {}", run.stderr);
        assert!(
            run.stderr.contains("--trend-figure"),
            "{bad}: {}",
            run.stderr
        );
    }
    assert_eq!(
        env.run(&["edit", "list", "-o", "json"])
            .expect_code(0)
            .json()["total"],
        0,
        "nothing stored"
    );
}

#[test]
fn affiliate_templates_rewrite_buy_links_and_the_edit_discloses_them() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    create_balletcore(&env, &[]);
    let render = |format: &str| {
        env.run(&["edit", "render", "balletcore", "-o", format])
            .expect_code(0)
            .stdout
    };
    // Without templates: links go straight to the retailers, and nothing is disclosed.
    let plain = render("html");
    assert!(
        !plain.contains("<p class=\"pointe-edit__disclosure\""),
        "{plain}"
    );
    assert!(
        plain.contains("href=\"https://shop.example/marks-and-spencer/leather-bow-ballet-pumps\"")
    );

    std::fs::write(
        env.data_dir().join("affiliates.toml"),
        "disclosure = \"Pointe earns a commission on these links.\"\n\
         [[retailer]]\n\
         name = \"marks and spencer\"\n\
         template = \"https://www.awin1.com/cread.php?awinmid=1402&awinaffid=99&ued={url}\"\n",
    )
    .unwrap();
    let html = render("html");
    assert!(
        html.contains(
            "href=\"https://www.awin1.com/cread.php?awinmid=1402&amp;awinaffid=99&amp;ued=\
             https%3A%2F%2Fshop.example%2Fmarks-and-spencer%2Fleather-bow-ballet-pumps\" \
             rel=\"sponsored noopener\""
        ),
        "{html}"
    );
    // Other retailers have no template and keep their own links.
    assert!(html.contains("href=\"https://shop.example/mango/bow-leather-ballerina\""));
    assert!(
        html.contains(
            "<p class=\"pointe-edit__disclosure\">Pointe earns a commission on these links.</p>"
        ),
        "{html}"
    );
    // Disclosed before the first buy link, as advertising rules ask.
    let disclosed = html.find("<p class=\"pointe-edit__disclosure\"").unwrap();
    assert!(disclosed < html.find("<a class=\"pointe-edit__buy").unwrap());
    let md = render("md");
    assert!(
        md.contains("*Pointe earns a commission on these links.*"),
        "{md}"
    );
    let json: Value = serde_json::from_str(&render("json")).unwrap();
    assert_eq!(
        json["disclosure"],
        "Pointe earns a commission on these links."
    );

    // A template that is not an http(s) URL is refused, naming the file.
    std::fs::write(
        env.data_dir().join("affiliates.toml"),
        "default = \"javascript:alert('{url}')\"\n",
    )
    .unwrap();
    let bad = env
        .run(&["edit", "render", "balletcore", "-o", "html"])
        .expect_code(1);
    assert!(bad.stderr.contains("affiliates.toml"), "{}", bad.stderr);
}

/// A small Awin feed of a hero and three pieces whose prices move between updates; every
/// version holds every product, so none goes stale.
fn price_feed(a: &str, b: &str, d: &str) -> String {
    let row = |id: &str, name: &str, prices: &str| {
        format!("{id},Shop {id},Brand {id},{name},{prices},GBP,1,https://shop.example/{id}\n")
    };
    let mut csv = String::from(
        "aw_product_id,merchant_name,brand_name,product_name,search_price,rrp_price,currency,in_stock,merchant_deep_link\n",
    );
    csv.push_str(&row("h", "Satin ballet flats with a bow", "550.00,"));
    csv.push_str(&row("a", "Satin ballet pumps", a));
    csv.push_str(&row("b", "Satin bow ballerinas", b));
    csv.push_str(&row("d", "Satin ballet slippers", d));
    csv
}

#[test]
fn raise_then_sale_shows_no_struck_price_and_a_genuine_reduction_does() {
    let mut env = Env::new();
    let feed = env.dir.path().join("shop.csv");
    let ingest = |env: &Env, day: &str, csv: String| {
        std::fs::write(&feed, csv).unwrap();
        env.run(&["ingest", "--seen-at", day, &feed.display().to_string()])
            .expect_code(0);
    };
    // 1 December: A £90, B £120, D £90.
    ingest(
        &env,
        "2025-12-01",
        price_feed("90.00,", "120.00,", "90.00,"),
    );
    // 2 January, one update: A raised to £120 and "on sale" at £95 at once; D raised to £120.
    ingest(
        &env,
        "2026-01-02",
        price_feed("95.00,120.00", "120.00,", "120.00,"),
    );
    // 3 January: B, at £120 for a month, reduced to £95; D "reduced" back to £95 a day after
    // its raise.
    ingest(
        &env,
        "2026-01-03",
        price_feed("95.00,120.00", "95.00,120.00", "95.00,120.00"),
    );
    env.now = "2026-01-04T09:00:00Z".into();
    env.run(&[
        "edit", "create", "sale", "--title", "Satin", "--hero", "h", "--count", "1",
    ])
    .expect_code(0);
    for item in ["a", "b", "d"] {
        env.run(&["edit", "pick", "sale", item]).expect_code(0);
    }
    let json = env
        .run(&["edit", "render", "sale", "-o", "json"])
        .expect_code(0)
        .json();
    let was = |item: &str| {
        json["picks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| {
                p["name"].as_str().unwrap().ends_with(match item {
                    "a" => "pumps",
                    "b" => "ballerinas",
                    _ => "slippers",
                })
            })
            .unwrap_or_else(|| panic!("{item} in {json:#}"))["was_price"]
            .clone()
    };
    assert_eq!(was("a"), Value::Null, "raise and sale in one update");
    assert_eq!(was("d"), Value::Null, "raise, then sale in a second update");
    assert_eq!(
        was("b"),
        serde_json::json!({"amount": "120.00", "currency": "GBP"}),
        "a genuine reduction"
    );
    assert_eq!(json["prices_checked"], "2026-01-03");
    let md = env
        .run(&["edit", "render", "sale", "-o", "md"])
        .expect_code(0)
        .stdout;
    assert_eq!(md.matches("~~").count(), 2, "one struck price: {md}");
    assert!(md.contains("~~£120~~ £95"), "{md}");
    assert!(md.contains("*Prices checked 3 Jan 2026.*"), "{md}");

    // Twenty days on, with no new feed, the prices are too old to show as current: the picks
    // leave the public renders, and the hero shows no price.
    env.now = "2026-01-23T09:00:00Z".into();
    let json = env
        .run(&["edit", "render", "sale", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["picks"].as_array().unwrap().len(), 0, "{json:#}");
    let unavailable = json["unavailable"].as_array().unwrap();
    assert_eq!(unavailable.len(), 3, "{json:#}");
    assert!(
        unavailable.iter().all(|u| u["status"] == "stale"),
        "{json:#}"
    );
    assert!(
        unavailable[0]["reason"]
            .as_str()
            .unwrap()
            .contains("price last seen 2026-01-03, over 14 days ago"),
        "{json:#}"
    );
    assert_eq!(json["hero"]["price"], Value::Null);
    assert_eq!(json["hero"]["notice"], "Price not checked since 2026-01-03");
}

#[test]
fn edits_on_the_real_catalogs_never_pick_a_data_vendors_records_and_say_why() {
    let (Some(seed), Some(myntra), Some(datafiniti)) = (
        shared_data("feeds/seed-edit.awin.csv"),
        shared_data("catalogs/myntra-products/myntra_products_catalog.csv"),
        shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv"),
    ) else {
        return;
    };
    let env = Env::new();
    let mapping = |m: &str| crate::repo().join("mappings").join(m).display().to_string();
    env.run(&["ingest", &seed]).expect_code(0);
    env.run(&[
        "ingest",
        "--mapping",
        &mapping("myntra-products.toml"),
        &myntra,
    ])
    .expect_code(0);
    env.run(&[
        "ingest",
        "--mapping",
        &mapping("datafiniti-womens-shoes-jun19.toml"),
        &datafiniti,
    ])
    .expect_code(0);
    let run = env
        .run(&[
            "edit", "create", "flats", "--title", "Flats", "--hero", "seed-001", "-o", "json",
        ])
        .expect_code(0);
    let e = run.json();
    let picks = e["picks"].as_array().unwrap();
    assert!(picks.len() >= 3, "{e:#}");
    for p in picks {
        let show = product_json(&env, p["product_id"].as_str().unwrap());
        let offer = &show["offer_list"][0];
        assert!(
            !offer["source"]
                .as_str()
                .unwrap()
                .starts_with("womens_shoes"),
            "a Datafiniti pick: {show:#}"
        );
        assert!(offer["retailer"].as_str().unwrap() != "", "{show:#}");
        assert!(
            offer["url"].as_str().unwrap().starts_with("https://"),
            "{show:#}"
        );
    }
    // The closest look-alikes include Datafiniti's records, left out with their reasons.
    let left_out = e["left_out"].as_array().unwrap();
    let vendor: Vec<&Value> = left_out
        .iter()
        .filter(|l| l["status"] == "no_shop")
        .collect();
    assert!(!vendor.is_empty(), "{left_out:#?}");
    for l in &vendor {
        let reason = l["reason"].as_str().unwrap();
        assert!(
            reason.contains("no shop") && reason.contains("no http(s) buy link"),
            "{reason}"
        );
    }
    assert!(run.stderr.contains("left out: "), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("(no shop: its feed names no retailer; no http(s) buy link")
    );
    let md = env
        .run(&["edit", "render", "flats", "-o", "md"])
        .expect_code(0)
        .stdout;
    assert!(!md.contains("Datafiniti"), "{md}");
}

#[test]
fn edit_json_gives_every_product_its_ids_and_the_edit_its_public_page_and_iframe() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    let created = create_balletcore(&env, &["--public-url", "https://edits.example.com/"]);
    let shown = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    for edit in [&created, &shown] {
        for p in edit["picks"].as_array().unwrap() {
            assert_eq!(p["id"], p["product_id"], "{p}");
            let known = product_json(&env, p["id"].as_str().unwrap())["item_ids"].clone();
            assert_eq!(p["item_ids"], known, "{p}");
        }
        assert_eq!(edit["hero_item_ids"][0]["item_id"], "seed-001");
    }
    assert_eq!(
        created["embed"]["public_url"],
        "https://edits.example.com/edits/balletcore"
    );
    assert_eq!(
        shown["embed"]["public_url"], "http://127.0.0.1:8080/edits/balletcore",
        "the default is where pointe serve listens"
    );
    let text = env
        .run(&["edit", "show", "balletcore"])
        .expect_code(0)
        .stdout
        .clone();
    assert!(
        text.contains("public page: http://127.0.0.1:8080/edits/balletcore"),
        "{text}"
    );
    assert!(
        text.contains("iframe: <iframe src=\"http://127.0.0.1:8080/edits/balletcore\""),
        "{text}"
    );
    let list = env
        .run(&["edit", "list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["picks"], shown["picks"]);
    let render = env
        .run(&["edit", "render", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(render["hero"]["item_ids"][0]["item_id"], "seed-001");
    assert_eq!(render["picks"][0]["id"], render["picks"][0]["product_id"]);
}
