//! `pointe ingest` of the catalogs no built-in feed format describes: Shopify `products.json`,
//! CSVs read through a column mapping (`--mapping`), the real catalogs of the shared data set
//! with the mapping files shipped in `mappings/`, and hostile input that must leave the store as
//! it was.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::{Env, fixture, repo, sample, shared_data};

/// A mapping file shipped in `mappings/`.
fn mapping(name: &str) -> String {
    repo().join("mappings").join(name).display().to_string()
}

fn total(env: &Env) -> u64 {
    env.run(&["products", "list", "--limit", "1", "-o", "json"])
        .expect_code(0)
        .json()["total"]
        .as_u64()
        .unwrap()
}

fn show(env: &Env, id: &str) -> Value {
    env.run(&["products", "show", id, "-o", "json"])
        .expect_code(0)
        .json()
}

/// The one report of a JSON ingest run that must succeed.
fn ingest(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["ingest", "-o", "json"];
    all.extend_from_slice(args);
    let run = env.run(&all).expect_code(0).json();
    assert_eq!(run["total"], 1, "{run:#}");
    run["items"][0].clone()
}

/// The counts of a report, for one comparison that shows them all when it fails.
fn counts(report: &Value) -> Value {
    json!({
        "format": report["format"],
        "rows": report["rows"],
        "records": report["records"],
        "accepted": report["accepted"],
        "updated": report["updated"],
        "unchanged": report["unchanged"],
        "rejected": report["rejected"],
        "rejected_by_field": report["rejected_by_field"],
        "products_created": report["products_created"],
        "products_matched": report["products_matched"],
        "price_points": report["price_points"],
        "warning_count": report["warning_count"],
    })
}

/// `(seen_at, price, sale price, availability)` of an offer's history.
fn history(offer: &Value) -> Vec<(String, String, Option<String>, String)> {
    offer["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["seen_at"].as_str().unwrap().to_string(),
                p["price"]["amount"].as_str().unwrap().to_string(),
                p["sale_price"]["amount"].as_str().map(str::to_string),
                p["availability"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn myntra_products_ingest_whole_rupees_and_repeated_titles_stay_separate_products() {
    let Some(csv) = shared_data("catalogs/myntra-products/myntra_products_catalog.csv") else {
        return;
    };
    let env = Env::new();
    let report = ingest(&env, &["--mapping", &mapping("myntra-products.toml"), &csv]);
    // 12,491 rows, one item id each; nothing to reject (every price is whole rupees, every row
    // has an id and a name) and nothing to warn about (no GTIN, no link in this file).
    assert_eq!(
        counts(&report),
        json!({
            "format": "mapped",
            "rows": 12491,
            "records": 12491,
            "accepted": 12491,
            "updated": 0,
            "unchanged": 0,
            "rejected": 0,
            "rejected_by_field": {},
            "products_created": 12491,
            "products_matched": 0,
            "price_points": 12491,
            "warning_count": 0,
        })
    );
    assert_eq!(report["source"], "myntra_products_catalog.csv (Myntra)");
    assert_eq!(total(&env), 12491);

    let trolley = show(&env, "10017413");
    assert_eq!(trolley["brand"], "DKNY");
    assert_eq!(trolley["gender"], "unisex");
    assert_eq!(trolley["colours"], json!(["Black"]));
    let offer = &trolley["offer_list"][0];
    assert_eq!(offer["retailer"], "Myntra");
    // The mapping builds the link from the id.
    assert_eq!(offer["url"], "https://www.myntra.com/10017413");
    assert_eq!(
        offer["price"],
        json!({"amount": "11745.00", "currency": "INR"})
    );
    assert_eq!(offer["availability"], "in_stock");

    // The same brand and title under two ids and prices: two products.
    let cheap = show(&env, "10007801");
    let dear = show(&env, "10007713");
    assert_eq!(cheap["title"], dear["title"]);
    assert_ne!(cheap["id"], dear["id"]);
    assert_eq!(cheap["offer_list"][0]["price"]["amount"], "944.00");
    assert_eq!(dear["offer_list"][0]["price"]["amount"], "1999.00");
}

#[test]
fn datafiniti_jun19_groups_sizes_into_products_with_dated_lowest_prices() {
    let Some(csv) = shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv") else {
        return;
    };
    let env = Env::new();
    let report = ingest(
        &env,
        &[
            "--mapping",
            &mapping("datafiniti-womens-shoes-jun19.toml"),
            &csv,
        ],
    );
    // 10,000 rows are 2,830 distinct names: the report's `rows` counts the records given to
    // ingest, one per product. Every `ean / upc` is a rounded float and fails the GTIN check:
    // 3,779 warnings, one per distinct (product, value). 4,210 distinct (product, time)
    // observations; 3,454 of them change the product's lowest price or availability and
    // become price points (recomputed independently from the CSV).
    assert_eq!(
        counts(&report),
        json!({
            "format": "mapped",
            "rows": 10000,
            "records": 2830,
            "accepted": 2830,
            "updated": 0,
            "unchanged": 0,
            "rejected": 0,
            "rejected_by_field": {},
            "products_created": 2830,
            "products_matched": 0,
            "price_points": 3454,
            "warning_count": 3779,
        })
    );
    // Datafiniti is a data vendor, not a shop: the mapping names no retailer.
    assert_eq!(report["source"], "womens_shoes_jun19.csv");
    assert_eq!(report["warnings"].as_array().unwrap().len(), 1000);
    for warning in report["warnings"].as_array().unwrap() {
        assert_eq!(warning["field"], "ean / upc", "{warning:#}");
        assert!(
            warning["reason"]
                .as_str()
                .unwrap()
                .contains("contains characters other than digits"),
            "{warning:#}"
        );
    }
    assert_eq!(total(&env), 2830);

    // Read again, the same observations add nothing: every offer is unchanged.
    let again = ingest(
        &env,
        &[
            "--mapping",
            &mapping("datafiniti-womens-shoes-jun19.toml"),
            &csv,
        ],
    );
    assert_eq!(again["unchanged"], 2830);
    assert_eq!(again["price_points"], 0);
    assert_eq!(total(&env), 2830);
}

#[test]
fn a_datafiniti_product_shows_several_dated_price_points() {
    let Some(csv) = shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv") else {
        return;
    };
    let env = Env::new();
    ingest(
        &env,
        &[
            "--mapping",
            &mapping("datafiniti-womens-shoes-jun19.toml"),
            &csv,
        ],
    );
    // Three rows (sizes 11.5, 10, 9.5), each seen once.
    let jacey = show(&env, "Women's Jacey Walking Shoe");
    assert_eq!(jacey["brand"], "Trotters");
    let offer = &jacey["offer_list"][0];
    assert_eq!(offer["retailer"], "", "no shop is named");
    assert_eq!(offer["url"], serde_json::Value::Null);
    assert_eq!(offer["sizes"], json!(["9.5", "10", "11.5"]));
    assert_eq!(offer["first_seen"], "2019-04-21T09:22:45Z");
    assert_eq!(offer["last_seen"], "2019-04-23T09:21:34Z");
    assert_eq!(
        history(offer),
        vec![
            (
                "2019-04-21T09:22:45Z".into(),
                "71.96".into(),
                None,
                "out_of_stock".into()
            ),
            (
                "2019-04-21T09:22:46Z".into(),
                "34.04".into(),
                None,
                "in_stock".into()
            ),
            (
                "2019-04-23T09:21:34Z".into(),
                "59.95".into(),
                None,
                "out_of_stock".into()
            ),
        ]
    );
    // The offer's own price is the latest observation's.
    assert_eq!(offer["price"]["amount"], "59.95");

    // "Was 16.82" with a price of 9: a sale from 16.82.
    let faded = show(&env, "Faded Glory Sport Ballet Shoe");
    assert_eq!(
        history(&faded["offer_list"][0]),
        vec![(
            "2019-04-19T03:14:25Z".into(),
            "16.82".into(),
            Some("9.00".into()),
            "in_stock".into()
        )]
    );
}

#[test]
fn datafiniti_2018_products_ingest_one_row_per_product() {
    let Some(csv) = shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_2018_products.csv")
    else {
        return;
    };
    let env = Env::new();
    let report = ingest(
        &env,
        &[
            "--mapping",
            &mapping("datafiniti-womens-shoes-2018.toml"),
            &csv,
        ],
    );
    // 653 rows with 653 distinct ids, every price_min a USD decimal, every URL http(s).
    assert_eq!(
        counts(&report),
        json!({
            "format": "mapped",
            "rows": 653,
            "records": 653,
            "accepted": 653,
            "updated": 0,
            "unchanged": 0,
            "rejected": 0,
            "rejected_by_field": {},
            "products_created": 653,
            "products_matched": 0,
            "price_points": 653,
            "warning_count": 0,
        })
    );
    let muk = show(&env, "AVpi74XfLJeJML43qZAc");
    assert_eq!(muk["title"], "MUK LUKS Womens Jane Suede Moccasin");
    let offer = &muk["offer_list"][0];
    // price_min, not price_max.
    assert_eq!(
        offer["price"],
        json!({"amount": "35.25", "currency": "USD"})
    );
    assert_eq!(
        offer["url"],
        "https://www.walmart.com/ip/MUK-LUKS-Womens-Jane-Suede-Moccasin/41271362"
    );
    assert_eq!(muk["image_urls"].as_array().unwrap().len(), 6);
}

#[test]
fn a_shopify_products_json_gives_one_offer_per_variant() {
    let env = Env::new();
    let feed = fixture("shop.products.json");
    let run = env.run(&["ingest", &feed]).expect_code(1);
    assert!(run.stderr.contains("shop.products.json"), "{}", run.stderr);
    assert!(run.stderr.contains("--currency"), "{}", run.stderr);
    let run = env
        .run(&["ingest", "--feed-format", "shopify", &feed])
        .expect_code(1);
    assert!(
        run.stderr
            .contains("--currency: the shopify layout needs a currency"),
        "{}",
        run.stderr
    );

    let report = ingest(
        &env,
        &["--currency", "GBP", "--retailer", "Porte Shop", &feed],
    );
    // Four product objects (the copy of product 7001 on the second page is skipped) with eight
    // variants: seven with a price, one without. A Shopify file's rows are its variants. The
    // variants of one product and colour are one Pointe product with an offer per size: 7001
    // in pink and in black, 7002, 7003. Warnings: an invalid barcode, a compare-at price below
    // the price.
    assert_eq!(
        counts(&report),
        json!({
            "format": "shopify",
            "rows": 8,
            "records": 8,
            "accepted": 7,
            "updated": 0,
            "unchanged": 0,
            "rejected": 1,
            "rejected_by_field": {"variants.price": 1},
            "products_created": 4,
            "products_matched": 3,
            "price_points": 7,
            "warning_count": 2,
        })
    );
    assert_eq!(report["source"], "shop.products.json (Porte Shop)");
    let flats = show(&env, "4101");
    assert_eq!(flats["title"], "Satin Ballet Flats");
    assert_eq!(flats["brand"], "Porte & Paire");
    assert_eq!(flats["item_group"], "7001");
    let offer = &flats["offer_list"][0];
    assert_eq!(offer["retailer"], "Porte Shop");
    assert_eq!(offer["price"]["amount"], "120.00");
    assert_eq!(offer["sale_price"]["amount"], "95.00");
    assert_eq!(offer["sizes"], json!(["36"]));
    assert_eq!(flats["colours"], json!(["Pink"]));
    let sizes: Vec<&str> = flats["offer_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["item_id"].as_str().unwrap())
        .collect();
    assert_eq!(sizes, vec!["4101", "4102"]);
    assert_ne!(
        show(&env, "4103")["id"],
        flats["id"],
        "black is another colourway"
    );
    let black = show(&env, "4104");
    let offer = black["offer_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["item_id"] == "4104")
        .unwrap();
    assert_eq!(offer["availability"], "out_of_stock");
}

#[test]
fn a_mapped_csv_groups_rows_and_reports_each_bad_row_by_its_column() {
    let env = Env::new();
    let mapping = fixture("price-records.mapping.toml");
    let report = ingest(
        &env,
        &["--mapping", &mapping, &fixture("price-records.csv")],
    );
    assert_eq!(
        counts(&report),
        json!({
            "format": "mapped",
            "rows": 10,
            "records": 8,
            "accepted": 3,
            "updated": 0,
            "unchanged": 0,
            "rejected": 5,
            "rejected_by_field": {"In stock": 1, "Name": 1, "Price": 1, "Seen": 1, "Style": 1},
            "products_created": 3,
            "products_matched": 0,
            // F-1: 2019-04-01 and 04-05 (04-02 repeats 04-01); L-2: one; N-5: undated, one at
            // the ingest's time.
            "price_points": 4,
            "warning_count": 2,
        })
    );
    assert_eq!(report["source"], "price-records.csv (Example Outlet)");
    let lines: Vec<u64> = report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![6, 7, 8, 9, 10]);
    let mules = show(&env, "N-5");
    assert_eq!(
        history(&mules["offer_list"][0]),
        vec![(env.now.clone(), "25.00".into(), None, "in_stock".into())]
    );
}

#[test]
fn mapping_mistakes_are_usage_errors_naming_the_file_and_line() {
    let env = Env::new();
    let bad = env.write(
        "bad.toml",
        "[columns]\nid = \"Style\"\ntitle = \"Name\"\nprice = \"Price\"\ncolr = \"Colours\"\n",
    );
    let feed = fixture("price-records.csv");
    let run = env
        .run(&["ingest", "--mapping", &bad, &feed])
        .expect_code(1);
    assert!(
        run.stderr.contains("--mapping: ")
            && run
                .stderr
                .contains("bad.toml: line 5: unknown field `colr`"),
        "{}",
        run.stderr
    );
    let mapping = fixture("price-records.mapping.toml");
    let run = env
        .run(&[
            "ingest",
            "--mapping",
            &mapping,
            "--feed-format",
            "awin",
            &feed,
        ])
        .expect_code(1);
    assert!(run.stderr.contains("--mapping"), "{}", run.stderr);
    let run = env
        .run(&["ingest", "--feed-format", "mapped", &feed])
        .expect_code(1);
    assert!(run.stderr.contains("--mapping FILE"), "{}", run.stderr);
    // A mapped column missing from the header names the column and the mapping.
    let other = env.write("other.csv", "Style,Title,Price\nA,B,1.00\n");
    let run = env
        .run(&["ingest", "--mapping", &mapping, &other])
        .expect_code(1);
    assert!(
        run.stderr.contains("other.csv: line 1: the mapping"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("\"Name\""), "{}", run.stderr);
}

/// Writes `head`, `size` bytes of `fill`, then `tail`, a megabyte at a time: the test never
/// holds the file.
fn write_huge(path: &Path, head: &[u8], size: usize, tail: &[u8]) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(head).unwrap();
    let chunk = vec![b'x'; 1024 * 1024];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    file.write_all(tail).unwrap();
    file.flush().unwrap();
}

/// A gzip stream of `data` in one stored (uncompressed) block, cut halfway: what an
/// interrupted download leaves.
fn truncated_gzip(data: &[u8]) -> Vec<u8> {
    assert!(data.len() < 65_535);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let len = data.len() as u16;
    out.push(1);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(&data[..data.len() / 2]);
    out
}

/// Runs an ingest that must fail as a whole: exit 1, an error naming the file and what is
/// wrong, and the catalog as it was.
#[track_caller]
fn refused(env: &Env, args: &[&str], expected: &[&str]) {
    let before = total(env);
    let run = env.run(args).expect_code(1);
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "{text:?} not in:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("nothing from"), "{}", run.stderr);
    assert_eq!(total(env), before, "the store changed");
}

#[test]
fn hostile_input_is_refused_with_a_clear_error_and_the_store_is_left_as_it_was() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    assert_eq!(total(&env), 24);
    let dir = env.dir.path();
    // Four times the largest limit (4 MiB) is as good as any size: the reader stops at the
    // limit. Each file is removed before the next is written, so the test needs little disk.
    let huge = 16 * 1024 * 1024;

    // A 16 MiB line in an Awin feed, a mapped CSV, a Shopify products.json and an RSS feed.
    let awin = dir.join("huge.awin.csv");
    write_huge(
        &awin,
        b"aw_product_id,product_name,search_price,currency\nok1,Fine flats,10.00,GBP\nx1,",
        huge,
        b",10.00,GBP\n",
    );
    refused(
        &env,
        &["ingest", awin.to_str().unwrap()],
        &["huge.awin.csv: line 3: a row longer than 1 MiB is refused"],
    );
    std::fs::remove_file(&awin).unwrap();
    let mapped = dir.join("huge.csv");
    write_huge(
        &mapped,
        b"Style,Name,Brand,Price,Offer,In stock,Seen,Size,Colours,Link,Images,EAN\nS-1,Flats,Acme,1.00,,TRUE,,,,,,\nS-2,",
        huge,
        b",Acme,1.00,,TRUE,,,,,,\n",
    );
    refused(
        &env,
        &[
            "ingest",
            "--mapping",
            &fixture("price-records.mapping.toml"),
            mapped.to_str().unwrap(),
        ],
        &["huge.csv: line 3: a row longer than 1 MiB is refused"],
    );
    std::fs::remove_file(&mapped).unwrap();
    let json = dir.join("huge.products.json");
    write_huge(
        &json,
        b"{\"products\":[\n{\"id\":1,\"title\":\"x\",\"body_html\":\"",
        huge,
        b"\",\"variants\":[{\"id\":2,\"price\":\"1.00\",\"available\":true}]}]}\n",
    );
    refused(
        &env,
        &["ingest", "--currency", "GBP", json.to_str().unwrap()],
        &["huge.products.json: line 2: a product larger than 4 MiB is refused"],
    );
    std::fs::remove_file(&json).unwrap();
    let xml = dir.join("huge.gmc.xml");
    write_huge(
        &xml,
        b"<?xml version=\"1.0\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>\
          <title>Shop</title>\n<item><g:id>1</g:id><g:title>t</g:title><g:price>1.00 GBP</g:price>\
          <g:availability>in stock</g:availability>\n<g:description>",
        huge,
        b"</g:description></item></channel></rss>\n",
    );
    refused(
        &env,
        &["ingest", xml.to_str().unwrap()],
        &["huge.gmc.xml: line 4: a text or tag longer than 1 MiB is refused"],
    );
    std::fs::remove_file(&xml).unwrap();

    // Files that are not feeds.
    let png = dir.join("photo.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10").unwrap();
    refused(
        &env,
        &["ingest", png.to_str().unwrap()],
        &[
            "photo.png: line 1: not a feed Pointe knows",
            "--mapping FILE",
        ],
    );
    let json_not_shopify = env.write("order.json", "{\"order\": {\"id\": 1}}\n");
    refused(
        &env,
        &["ingest", &json_not_shopify],
        &["order.json: line 1: not a feed Pointe knows"],
    );
    let unknown_csv = env.write("export.csv", "sku,name,cost\n1,Flats,10\n");
    refused(
        &env,
        &["ingest", &unknown_csv],
        &[
            "export.csv: line 1: not a feed Pointe knows",
            "--mapping FILE",
        ],
    );

    // Truncated gzip: a Shopify file and a mapped CSV cut halfway.
    for (name, extra) in [
        ("shop.products.json", vec!["--currency", "GBP"]),
        ("price-records.csv", vec!["--mapping", "MAPPING"]),
    ] {
        let mapping = fixture("price-records.mapping.toml");
        let bytes = std::fs::read(fixture(name)).unwrap();
        let path = dir.join(format!("{name}.gz"));
        std::fs::write(&path, truncated_gzip(&bytes)).unwrap();
        let mut args = vec!["ingest"];
        args.extend(
            extra
                .iter()
                .map(|a| if *a == "MAPPING" { mapping.as_str() } else { a }),
        );
        args.push(path.to_str().unwrap());
        refused(
            &env,
            &args,
            &[&format!("{name}.gz"), "gzip data ends early or is corrupt"],
        );
    }

    // Latin-1: a valid first row, then a byte that is not UTF-8.
    let mut latin1 = b"Style,Name,Brand,Price,Offer,In stock,Seen,Size,Colours,Link,Images,EAN\n\
                       S-1,Flats,Acme,1.00,,TRUE,,,,,,\nS-2,Escarpins ros"
        .to_vec();
    latin1.push(0xE9);
    latin1.extend_from_slice(b",Acme,1.00,,TRUE,,,,,,\n");
    let path = dir.join("latin1.csv");
    std::fs::write(&path, latin1).unwrap();
    refused(
        &env,
        &[
            "ingest",
            "--mapping",
            &fixture("price-records.mapping.toml"),
            path.to_str().unwrap(),
        ],
        &["latin1.csv: line 3: not UTF-8 (Latin-1?): byte 0xE9 in column Name"],
    );
    let mut latin1_json = b"{\"products\":[\n{\"id\":1,\"title\":\"Escarpins ros".to_vec();
    latin1_json.push(0xE9);
    latin1_json.extend_from_slice(
        b"\",\"variants\":[{\"id\":2,\"price\":\"1.00\",\"available\":true}]}]}\n",
    );
    let path = dir.join("latin1.products.json");
    std::fs::write(&path, latin1_json).unwrap();
    refused(
        &env,
        &["ingest", "--currency", "EUR", path.to_str().unwrap()],
        &["latin1.products.json: line 2: not UTF-8 (Latin-1?): byte 0xE9"],
    );

    assert_eq!(total(&env), 24);
}

/// A mapping that sets every row's gender (the shipped Datafiniti mappings set `female`) does
/// not outweigh a title that names another: "Men's Leather Penny Loafers" is men's, so a women's
/// hero leaves it out and `--gender men` finds it.
#[test]
fn a_titles_explicit_gender_wins_over_a_mappings_constant_gender() {
    let env = Env::new();
    let feed = env.write(
        "shop.csv",
        "id,name,price\nA1,Men's Leather Penny Loafers,80\nA2,Women's Suede Loafers,70\n",
    );
    let map = env.write(
        "shop.toml",
        "delimiter = \",\"\n[columns]\nid = \"id\"\ntitle = \"name\"\nprice = \"price\"\n\
         [constants]\ncurrency = \"USD\"\nretailer = \"Shop\"\ngender = \"female\"\n\
         availability = \"in_stock\"\n",
    );
    ingest(&env, &["--mapping", &map, &feed]);
    let titles = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["lookalikes", "A2", "--cheaper", "false", "-o", "json"];
        all.extend_from_slice(args);
        env.run(&all).expect_code(0).json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(&[]), Vec::<String>::new());
    assert_eq!(
        titles(&["--gender", "men"]),
        ["Men's Leather Penny Loafers"]
    );
}
