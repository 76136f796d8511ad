//! `pointe ingest` of the layouts merchants publish beyond the first ones: Merchant Center data
//! as CSV (comma or pipe), Awin advertiser feeds, Shopify links from `--shop-url`; and what a
//! report says about each rejected row (line, item, field).

use serde_json::{Value, json};

use crate::{Env, fixture};

/// The one report of a JSON ingest run that must succeed.
fn ingest(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["ingest", "-o", "json"];
    all.extend_from_slice(args);
    let run = env.run(&all).expect_code(0).json();
    run["items"][0].clone()
}

fn counts(report: &Value) -> Value {
    json!({
        "format": report["format"],
        "rows": report["rows"],
        "records": report["records"],
        "accepted": report["accepted"],
        "rejected": report["rejected"],
        "warning_count": report["warning_count"],
    })
}

fn show(env: &Env, id: &str) -> Value {
    env.run(&["products", "show", id, "-o", "json"])
        .expect_code(0)
        .json()
}

#[test]
fn merchant_center_csv_is_detected_by_its_header_comma_or_pipe() {
    let env = Env::new();
    let report = ingest(&env, &[&fixture("liberty.gmc.csv")]);
    assert_eq!(
        counts(&report),
        json!({"format": "gmc-csv", "rows": 4, "records": 4, "accepted": 3, "rejected": 1,
               "warning_count": 1})
    );
    assert_eq!(
        report["rejections"],
        json!([{"line": 5, "item": "LB-2003", "field": "availability",
                "reason": "availability is required"}])
    );
    let repetto = show(&env, "LB-2001");
    assert_eq!(repetto["brand"], "Repetto");
    assert_eq!(repetto["offer_list"][0]["sale_price"]["amount"], "180.00");

    let report = ingest(&env, &[&fixture("arket.gmc.psv")]);
    assert_eq!(report["format"], "gmc-csv");
    assert_eq!(report["accepted"], 1);
    assert_eq!(report["rejections"][0]["item"], "AK-3002");
    assert_eq!(
        show(&env, "AK-3001")["title"],
        "Leather ballet flat | square toe"
    );

    // Named explicitly, the format reads the same file.
    let env = Env::new();
    let report = ingest(
        &env,
        &["--feed-format", "gmc-csv", &fixture("liberty.gmc.csv")],
    );
    assert_eq!(report["accepted"], 3);
}

#[test]
fn gmc_tsv_named_for_a_comma_file_says_the_file_is_not_tab_separated() {
    let env = Env::new();
    let feed = fixture("liberty.gmc.csv");
    let run = env
        .run(&["ingest", "--feed-format", "gmc-tsv", &feed])
        .expect_code(1);
    assert!(
        run.stderr.contains(&format!(
            "{feed}: line 1: the file is not tab-separated: its header row has no tab but 20 commas; \
             for a comma- or pipe-separated Merchant Center file use --feed-format gmc-csv"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing from"), "{}", run.stderr);
}

#[test]
fn an_awin_advertiser_feed_is_read_without_a_mapping() {
    let env = Env::new();
    let report = ingest(
        &env,
        &["--retailer", "Mango", &fixture("mango.awin-advertiser.csv")],
    );
    assert_eq!(
        counts(&report),
        json!({"format": "awin", "rows": 4, "records": 4, "accepted": 3, "rejected": 1,
               "warning_count": 0})
    );
    assert_eq!(report["rejections"][0]["item"], "57009213");
    assert_eq!(report["rejections"][0]["field"], "price");
    let red = show(&env, "67040591-RD");
    let offer = &red["offer_list"][0];
    assert_eq!(offer["retailer"], "Mango");
    assert_eq!(offer["price"]["amount"], "35.99");
    assert_eq!(offer["sale_price"]["amount"], "29.99");
    assert_eq!(
        offer["url"],
        "https://shop.example/mango/bow-leather-ballerina?c=70"
    );
    assert_eq!(red["colours"], json!(["Red"]));
    assert_eq!(
        show(&env, "67040591-BK")["offer_list"][0]["availability"],
        "out_of_stock"
    );
}

#[test]
fn two_columns_of_one_meaning_are_a_warning_in_the_report() {
    let env = Env::new();
    let feed = env.write(
        "dupes.csv",
        "product_id,product_name,price,currency,deep_link,product_url\n\
         1,Leather ballet flats,45.00,GBP,https://shop.example/p/1,https://shop.example/q/1\n",
    );
    let report = ingest(&env, &[&feed]);
    assert_eq!(report["accepted"], 1);
    assert_eq!(report["warning_count"], 1);
    assert_eq!(
        report["warnings"],
        json!([{"line": 1, "item": null, "field": "product_url",
                "reason": "the header has two columns for one field: `deep_link` (column 5) and \
                           `product_url` (column 6); `deep_link` is read"}])
    );
    let text = env.run(&["ingest", &feed]).expect_code(0);
    assert!(
        text.stdout
            .contains("warning line 1 (product_url): the header has two columns for one field"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_shop_url_links_each_shopify_variant_to_its_product_page() {
    let env = Env::new();
    let feed = fixture("shop.products.json");
    let report = ingest(
        &env,
        &[
            "--currency",
            "GBP",
            "--shop-url",
            "https://shop.example",
            &feed,
        ],
    );
    // A Shopify file's rows are its variants: rows = records = variants read.
    assert_eq!(report["rows"], 8);
    assert_eq!(report["records"], 8);
    let offer = &show(&env, "4101")["offer_list"][0];
    assert_eq!(
        offer["url"],
        "https://shop.example/products/satin-ballet-flats?variant=4101"
    );
    for bad in ["ftp://shop.example", "javascript:alert(1)", "shop.example"] {
        let run = env
            .run(&["ingest", "--currency", "GBP", "--shop-url", bad, &feed])
            .expect_code(1);
        assert!(
            run.stderr.contains("--shop-url: shop URL"),
            "{bad}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_rejection_in_a_one_line_xml_feed_names_the_item() {
    let env = Env::new();
    let items: String = (1..=2200)
        .map(|i| {
            let price = if i == 1234 { "free" } else { "10.00 GBP" };
            format!(
                "<item><g:id>it-{i}</g:id><g:title>Satin flats {i}</g:title>\
                 <g:price>{price}</g:price><g:availability>in stock</g:availability></item>"
            )
        })
        .collect();
    let feed = env.write(
        "one-line.xml",
        &format!("<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>{items}</channel></rss>"),
    );
    let report = ingest(&env, &[&feed]);
    assert_eq!(report["accepted"], 2199);
    assert_eq!(report["rejections"][0]["line"], 1);
    assert_eq!(report["rejections"][0]["item"], "it-1234");
    let text = Env::new().run(&["ingest", &feed]).expect_code(0);
    assert!(
        text.stdout
            .contains("rejected line 1 (price), item \"it-1234\": "),
        "{}",
        text.stdout
    );
}
