//! `pointe edit`: building the Balletcore edit, keeping it live, rendering it.

use serde_json::Value;

use crate::{Env, sample, shared_data};

fn create_balletcore(env: &Env, extra: &[&str]) -> Value {
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

fn item_id_of(env: &Env, product_id: &str) -> String {
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
    assert_eq!(edit["trend"]["line"], "Search volume up 1,566% — Pinterest");

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
    assert!(md.contains("Search volume up 1,566% — Pinterest"), "{md}");
}

#[test]
fn refresh_reports_stock_and_price_changes_and_swap_replaces_the_lost_pick() {
    let env = Env::new();
    let feed_path = env.dir.path().join("catalog.awin.csv");
    let original = std::fs::read_to_string(sample("catalog.awin.csv")).unwrap();
    std::fs::write(&feed_path, &original).unwrap();
    let feed = feed_path.display().to_string();
    env.run(&["ingest", "--seen-at", "2026-01-05", &feed])
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

#[test]
fn a_computed_trend_line_cites_pointes_own_series() {
    let Some(monthly) = shared_data("trends/google-trends-monthly/balletcore.csv") else {
        return;
    };
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    env.run(&["trends", "import", "--region", "worldwide", &monthly])
        .expect_code(0);
    let e = env
        .run(&[
            "edit",
            "create",
            "bc",
            "--title",
            "Balletcore",
            "--hero",
            "seed-001",
            "--trend",
            "balletcore",
            "-o",
            "json",
        ])
        .expect_code(0)
        .json();
    assert_eq!(
        e["trend"]["line"],
        "Search interest up 100% year on year — Google Trends, worldwide"
    );
    assert_eq!(e["trend"]["computed"], true);
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
