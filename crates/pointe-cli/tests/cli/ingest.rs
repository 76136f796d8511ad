//! `pointe ingest`: reports, matching across retailers, history, staleness, exit codes.

use crate::{Env, fixture, sample, shared_data};

fn products(env: &Env, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["products", "list", "-o", "json"];
    all.extend_from_slice(args);
    env.run(&all).expect_code(0).json()
}

fn find_by_item<'a>(list: &'a serde_json::Value, item_id: &str) -> &'a serde_json::Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["item_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["item_id"] == item_id)
        })
        .unwrap_or_else(|| panic!("no product with item id {item_id} in {list:#}"))
}

#[test]
fn seed_feed_holds_eight_products_and_every_brand_alias_finds_the_pumps() {
    let Some(seed) = shared_data("feeds/seed-edit.awin.csv") else {
        return;
    };
    let env = Env::new();
    let run = env
        .run(&["ingest", "-o", "json", &seed])
        .expect_code(0)
        .json();
    assert_eq!(run["items"][0]["accepted"], 8);
    assert_eq!(run["items"][0]["rejected"], 0);

    let list = products(&env, &[]);
    assert_eq!(list["total"], 8);
    assert_eq!(list["items"].as_array().unwrap().len(), 8);
    let pumps = find_by_item(&list, "seed-004");
    assert_eq!(pumps["brand"], "Marks & Spencer");
    assert_eq!(pumps["title"], "Leather Bow Ballet Pumps");
    assert_eq!(
        pumps["lowest_price"],
        serde_json::json!({"amount": "35.00", "currency": "GBP"})
    );
    assert_eq!(pumps["item_ids"][0]["retailer"], "Marks & Spencer");
    assert_eq!(pumps["item_ids"][0]["source"], "seed-edit.awin.csv");

    for alias in ["M&S", "Marks & Spencer", "m&s collection"] {
        let by_brand = products(&env, &["--brand", alias]);
        assert_eq!(by_brand["total"], 1, "--brand {alias}");
        assert_eq!(by_brand["items"][0]["item_ids"][0]["item_id"], "seed-004");
    }
    let by_retailer = products(&env, &["--retailer", "M&S"]);
    assert_eq!(by_retailer["total"], 1);
    assert_eq!(products(&env, &["--brand", "Miu Miu"])["total"], 2);
}

#[test]
fn a_second_retailers_feeds_become_second_offers_and_the_lowest_price_shows() {
    let Some(seed) = shared_data("feeds/seed-edit.awin.csv") else {
        return;
    };
    let env = Env::new();
    env.run(&["ingest", &seed]).expect_code(0);
    let xml = env
        .run(&["ingest", "-o", "json", &fixture("selfridges.gmc.xml")])
        .expect_code(0)
        .json();
    // The Miu Miu flats (brand in the title) and the M&S pumps (brand "M&S Collection").
    assert_eq!(xml["items"][0]["products_matched"], 2);
    assert_eq!(xml["items"][0]["source"], "selfridges.gmc.xml (Selfridges)");
    let tsv = env
        .run(&[
            "ingest",
            "--retailer",
            "Harrods",
            &fixture("harrods.gmc.tsv"),
        ])
        .expect_code(0);
    assert!(
        tsv.stdout.contains("rejected line 4 (price)"),
        "{}",
        tsv.stdout
    );
    let tsv = env
        .run(&[
            "ingest",
            "-o",
            "json",
            "--retailer",
            "Harrods",
            &fixture("harrods.gmc.tsv"),
        ])
        .expect_code(0)
        .json();
    // Re-read unchanged: the Miu Miu flats, the Tabi flats and the Porte & Paire flats.
    assert_eq!(tsv["items"][0]["unchanged"], 3);

    let list = products(&env, &[]);
    let flats = find_by_item(&list, "seed-001");
    let retailers: Vec<&str> = flats["item_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["retailer"].as_str().unwrap())
        .collect();
    assert_eq!(retailers.len(), 3, "{flats:#}");
    assert!(
        retailers.contains(&"Miu Miu")
            && retailers.contains(&"Selfridges")
            && retailers.contains(&"Harrods")
    );
    // Selfridges has them on sale at £495, below Miu Miu's own £550 and Harrods' £560.
    assert_eq!(flats["lowest_price"]["amount"], "495.00");
    assert_eq!(flats["lowest_price_retailer"], "Selfridges");

    let pumps = find_by_item(&list, "seed-004");
    assert_eq!(pumps["offers"], 2);
    assert_eq!(pumps["lowest_price"]["amount"], "35.00");
    assert_eq!(pumps["lowest_price_retailer"], "Marks & Spencer");

    let tabi = find_by_item(&list, "seed-005");
    assert_eq!(tabi["offers"], 2);
    assert_eq!(tabi["lowest_price"]["amount"], "472.00");
    assert_eq!(tabi["lowest_price_retailer"], "Harrods");
}

#[test]
fn an_unchanged_feed_adds_no_price_points_and_advances_last_seen() {
    let mut env = Env::new();
    let feed = sample("catalog.awin.csv");
    let first = env
        .run(&["ingest", "-o", "json", &feed])
        .expect_code(0)
        .json();
    let first = &first["items"][0];
    assert_eq!(first["accepted"], 24);
    assert_eq!(first["price_points"], 24);

    env.now = "2026-01-12T09:00:00Z".into();
    let again = env
        .run(&["ingest", "-o", "json", &feed])
        .expect_code(0)
        .json();
    let again = &again["items"][0];
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["unchanged"], 24);
    assert_eq!(again["updated"], 0);
    assert_eq!(again["price_points"], 0);
    assert_eq!(again["unseen"], 0);

    let show = env
        .run(&["products", "show", "seed-004", "-o", "json"])
        .expect_code(0)
        .json();
    let offer = &show["offer_list"][0];
    assert_eq!(offer["first_seen"], "2026-01-05T09:00:00Z");
    assert_eq!(offer["last_seen"], "2026-01-12T09:00:00Z");
    assert_eq!(offer["history"].as_array().unwrap().len(), 1);
}

#[test]
fn price_changes_append_history_and_missing_offers_of_the_same_source_go_stale() {
    let env = Env::new();
    let header =
        "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock\n";
    let v1 = env.write(
        "shop.csv",
        &format!("{header}a1,Shop,Acme,Satin flats,50.00,GBP,1\na2,Shop,Acme,Leather loafers,80.00,GBP,1\n"),
    );
    env.run(&["ingest", "--seen-at", "2026-01-01", &v1])
        .expect_code(0);
    let other = env.write(
        "other.csv",
        &format!("{header}b1,Other,Acme,Mesh flats,30.00,GBP,1\n"),
    );
    env.run(&["ingest", "--seen-at", "2026-01-01", &other])
        .expect_code(0);

    // The second version drops a2 and cuts a1's price, then puts it out of stock.
    std::fs::write(
        &v1,
        format!("{header}a1,Shop,Acme,Satin flats,40.00,GBP,1\n"),
    )
    .unwrap();
    let report = env
        .run(&["ingest", "--seen-at", "2026-01-08", "-o", "json", &v1])
        .expect_code(0)
        .json();
    assert_eq!(report["items"][0]["updated"], 1);
    assert_eq!(report["items"][0]["unseen"], 1);
    std::fs::write(
        &v1,
        format!("{header}a1,Shop,Acme,Satin flats,40.00,GBP,0\n"),
    )
    .unwrap();
    env.run(&["ingest", "--seen-at", "2026-01-15", &v1])
        .expect_code(0);

    let flats = env
        .run(&["products", "show", "a1", "-o", "json"])
        .expect_code(0)
        .json();
    let history: Vec<(String, String, String)> = flats["offer_list"][0]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["seen_at"].as_str().unwrap().to_string(),
                p["price"]["amount"].as_str().unwrap().to_string(),
                p["availability"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        history,
        vec![
            (
                "2026-01-01T00:00:00Z".into(),
                "50.00".into(),
                "in_stock".into()
            ),
            (
                "2026-01-08T00:00:00Z".into(),
                "40.00".into(),
                "in_stock".into()
            ),
            (
                "2026-01-15T00:00:00Z".into(),
                "40.00".into(),
                "out_of_stock".into()
            ),
        ]
    );

    let loafers = env
        .run(&["products", "show", "a2", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(loafers["offer_list"][0]["current"], false);
    assert_eq!(loafers["lowest_price"], serde_json::Value::Null);
    // The other source's offer was never touched by Shop's ingests.
    let mesh = env
        .run(&["products", "show", "b1", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(mesh["offer_list"][0]["current"], true);
}

#[test]
fn bad_rows_are_reported_with_line_field_and_reason_and_the_rest_is_kept() {
    let env = Env::new();
    let feed = env.write(
        "mixed.csv",
        "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock\n\
         ok1,Shop,Acme,Satin flats,50.00,GBP,1\n\
         bad1,Shop,Acme,Leather loafers,free,GBP,1\n\
         bad2,Shop,Acme,,20.00,GBP,1\n\
         ok2,Shop,Acme,Mesh flats,\"1,299.00\",GBP,1\n",
    );
    let run = env.run(&["ingest", &feed]).expect_code(0);
    assert!(
        run.stdout.contains("rejected line 3 (search_price)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("rejected line 4 (product_name)"),
        "{}",
        run.stdout
    );
    let list = products(&env, &[]);
    assert_eq!(list["total"], 2);
    let mesh = find_by_item(&list, "ok2");
    assert_eq!(mesh["lowest_price"]["amount"], "1299.00");
}

#[test]
fn a_feed_with_no_good_row_exits_3_and_a_non_feed_exits_1_leaving_the_store_as_it_was() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    let all_bad = env.write(
        "bad.csv",
        "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock\n\
         x1,Shop,Acme,Satin flats,N/A,GBP,1\n",
    );
    env.run(&["ingest", &all_bad]).expect_code(3);

    let not_a_feed = env.write("notes.txt", "Dear diary,\nno products here.\n");
    let run = env.run(&["ingest", &not_a_feed]).expect_code(1);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing from"), "{}", run.stderr);

    let missing = env.run(&["ingest", "no-such-file.csv"]).expect_code(1);
    assert!(
        missing.stderr.contains("no-such-file.csv"),
        "{}",
        missing.stderr
    );

    assert_eq!(products(&env, &[])["total"], 24);
}

#[test]
fn bad_options_are_usage_errors() {
    let env = Env::new();
    let feed = sample("catalog.awin.csv");
    let run = env
        .run(&["ingest", "--currency", "XYZ", &feed])
        .expect_code(1);
    assert!(run.stderr.contains("--currency"), "{}", run.stderr);
    let run = env
        .run(&["ingest", "--seen-at", "last week", &feed])
        .expect_code(1);
    assert!(run.stderr.contains("--seen-at"), "{}", run.stderr);
    let run = env
        .run(&["ingest", "--feed-format", "pdf", &feed])
        .expect_code(1);
    assert!(run.stderr.contains("--feed-format"), "{}", run.stderr);
}

/// The products of `list` whose title starts with `prefix`.
fn titled<'a>(list: &'a serde_json::Value, prefix: &str) -> Vec<&'a serde_json::Value> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["title"].as_str().unwrap().starts_with(prefix))
        .collect()
}

#[test]
fn a_gtin_reused_on_two_products_of_one_feed_does_not_merge_them() {
    let env = Env::new();
    let report = env
        .run(&["ingest", "-o", "json", &fixture("shared-codes.gmc.xml")])
        .expect_code(0)
        .json();
    let list = products(&env, &["--limit", "100"]);
    let cave = find_by_item(&list, "PP-CAVE-01");
    let blanket = find_by_item(&list, "PP-BLNK-01");
    assert_ne!(cave["id"], blanket["id"]);
    assert_eq!(cave["title"], "Felt Cat Cave");
    assert_eq!(cave["lowest_price"]["amount"], "34.99");
    assert_eq!(blanket["title"], "Cream Cat Blanket");
    assert_eq!(blanket["lowest_price"]["amount"], "12.99");
    // One warning per shared code, naming it, however many items share it.
    let warnings = report["items"][0]["warnings"].as_array().unwrap();
    for gtin in ["05012345678900", "05012345678917", "05012345678924"] {
        let about: Vec<_> = warnings
            .iter()
            .filter(|w| w["reason"].as_str().unwrap().contains(gtin))
            .collect();
        assert_eq!(about.len(), 1, "warnings about {gtin}: {warnings:#?}");
    }
}

#[test]
fn colours_sharing_one_gtin_stay_separate_products() {
    let env = Env::new();
    env.run(&["ingest", &fixture("shared-codes.gmc.xml")])
        .expect_code(0);
    let list = products(&env, &["--limit", "100"]);
    let collars = titled(&list, "Leather Dog Collar");
    assert_eq!(collars.len(), 7, "{collars:#?}");
    // Sizes of one item in one colour, sharing a code, are one product with one offer each.
    let harnesses = titled(&list, "Padded Dog Harness");
    assert_eq!(harnesses.len(), 1, "{harnesses:#?}");
    assert_eq!(harnesses[0]["item_ids"].as_array().unwrap().len(), 3);
}

#[test]
fn item_group_variants_with_different_designs_keep_their_own_products_and_titles() {
    let env = Env::new();
    env.run(&["ingest", &fixture("shared-codes.gmc.xml")])
        .expect_code(0);
    let list = products(&env, &["--limit", "100"]);
    let mut carriers: Vec<&str> = titled(&list, "")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .filter(|t| t.ends_with("Baby Carrier"))
        .collect();
    carriers.sort();
    assert_eq!(
        carriers,
        [
            "Bear Baby Carrier",
            "Owl Baby Carrier",
            "Puppy Baby Carrier"
        ]
    );
    // Ingesting the feed again changes nothing.
    let again = env
        .run(&["ingest", "-o", "json", &fixture("shared-codes.gmc.xml")])
        .expect_code(0)
        .json();
    assert_eq!(again["items"][0]["products_created"], 0);
    assert_eq!(products(&env, &["--limit", "100"])["total"], list["total"]);
}

#[test]
fn ingest_shows_rows_and_their_rate_on_a_terminal_and_nothing_on_a_pipe() {
    let env = Env::new();
    let piped = env
        .run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    assert_eq!(piped.stderr, "", "no progress on a pipe");
    // util-linux's `script` runs the command on a pseudo-terminal.
    let Ok(script) = which_script() else {
        eprintln!("SKIP: no `script` to give the ingest a terminal");
        return;
    };
    let command = format!(
        "{} ingest {} --source terminal",
        env!("CARGO_BIN_EXE_pointe"),
        sample("catalog.awin.csv")
    );
    let out = std::process::Command::new(script)
        .args(["-qec", &command, "/dev/null"])
        .env("POINTE_DATA_DIR", env.data_dir())
        .env("POINTE_NOW", &env.now)
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("24 rows, "), "{shown}");
    assert!(shown.contains(" rows/s, ETA "), "{shown}");
}

fn which_script() -> Result<&'static str, ()> {
    ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .ok_or(())
}
