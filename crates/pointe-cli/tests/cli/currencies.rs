//! Prices in every currency a feed may use: shown in their own currency when no conversion is
//! asked for, left out of a view that cannot convert them, never failing a command; absurd
//! amounts rejected at ingest.

use crate::{Env, fixture};

fn items(run: &serde_json::Value) -> &Vec<serde_json::Value> {
    run["items"].as_array().unwrap()
}

fn price_of<'a>(list: &'a serde_json::Value, title: &str) -> &'a serde_json::Value {
    let item = items(list)
        .iter()
        .find(|p| p["title"] == title)
        .unwrap_or_else(|| panic!("no {title:?} in {list:#}"));
    if item.get("lowest_price").is_some() {
        &item["lowest_price"]
    } else {
        &item["price"]
    }
}

#[test]
fn a_ron_price_shows_in_lei_in_listing_search_and_price_sorting() {
    let env = Env::new();
    env.run(&["ingest", &fixture("ron.gmc.xml")]).expect_code(0);
    let list = env
        .run(&["products", "list", "--currency", "RON", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(
        price_of(&list, "Balerini din satin roz cu fundă"),
        &serde_json::json!({"amount": "349.00", "currency": "RON"})
    );
    let found = env
        .run(&["search", "balerini", "--currency", "RON", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(found["total"], 3);
    assert_eq!(
        price_of(&found, "Balerini din catifea bordo"),
        &serde_json::json!({"amount": "1249.00", "currency": "RON"})
    );
    // Sorting by price needs a rate to GBP: every lei price has one and sorts.
    let sorted = env
        .run(&["search", "balerini", "--sort", "price", "-o", "json"])
        .expect_code(0)
        .json();
    let order: Vec<&str> = items(&sorted)
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "Balerini din piele neagră",
            "Balerini din satin roz cu fundă",
            "Balerini din catifea bordo"
        ]
    );
}

#[test]
fn a_currency_without_rates_is_reported_once_and_never_fails_a_command() {
    let env = Env::new();
    let report = env
        .run(&["ingest", "-o", "json", &fixture("omr.gmc.xml")])
        .expect_code(0)
        .json();
    let warnings: Vec<&serde_json::Value> = items(&report)[0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| {
            w["reason"]
                .as_str()
                .unwrap()
                .contains("no exchange rate for OMR")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{report:#}");

    let own = env
        .run(&["products", "list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(
        price_of(&own, "Satin Ballet Flats"),
        &serde_json::json!({"amount": "42.500", "currency": "OMR"})
    );
    let in_rupees = env
        .run(&["products", "list", "--currency", "INR", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(
        price_of(&in_rupees, "Satin Ballet Flats"),
        &serde_json::Value::Null
    );
    let found = env
        .run(&["search", "flats", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(
        price_of(&found, "Satin Ballet Flats"),
        &serde_json::json!({"amount": "42.500", "currency": "OMR"})
    );
    env.run(&["search", "flats", "--currency", "GBP"])
        .expect_code(0);
    env.run(&["lookalikes", "MS-1", "--currency", "GBP"])
        .expect_code(0);
}

#[test]
fn an_absurd_price_rejects_its_row_and_breaks_no_command() {
    let env = Env::new();
    let report = env
        .run(&["ingest", "-o", "json", &fixture("absurd-price.gmc.xml")])
        .expect_code(0)
        .json();
    let report = &items(&report)[0];
    assert_eq!(report["accepted"], 2);
    assert_eq!(report["rejected"], 2);
    // Beyond i64 minor units, and beyond a million euros: each rejected naming its price.
    for rejection in report["rejections"].as_array().unwrap() {
        assert_eq!(rejection["field"], "price", "{report:#}");
    }
    assert!(
        report["rejections"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("beyond any retail price"),
        "{report:#}"
    );
    env.run(&["products", "list", "--currency", "INR"])
        .expect_code(0);
    env.run(&["search", "flats", "--currency", "INR"])
        .expect_code(0);
    env.run(&[
        "edit", "create", "flats", "--title", "Flats", "--hero", "OD-1",
    ])
    .expect_code(0);
    // The bound is the editor's to move.
    let strict = Env::new();
    let report = strict
        .run(&[
            "ingest",
            "-o",
            "json",
            "--max-price",
            "60 GBP",
            &fixture("absurd-price.gmc.xml"),
        ])
        .expect_code(0)
        .json();
    assert_eq!(items(&report)[0]["rejected"], 3);
}

#[test]
fn a_flood_of_identical_warnings_is_one_line_with_its_count() {
    let env = Env::new();
    let mut feed = String::from(
        "aw_product_id,product_name,merchant_name,search_price,currency,ean,aw_deep_link\n",
    );
    for i in 1..=40 {
        feed.push_str(&format!(
            "a{i},Flat {i},Shop,10.00,GBP,{i}.5E+11,https://shop.example/{i}\n"
        ));
    }
    let path = env.write("flood.awin.csv", &feed);
    let run = env.run(&["ingest", &path]).expect_code(0);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("warning"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(
        lines[0].contains("on 40 rows (lines 2, 3, 4, 5, 6, …)"),
        "{}",
        lines[0]
    );
}
