//! `pointe search` and `pointe lookalikes`: the seed edit's must-show, the real catalogs as
//! distractors, index staleness, filters, typos, diversity and the price cap.

use serde_json::Value;

use crate::{Env, repo, sample, shared_data};

fn mapping(name: &str) -> String {
    repo().join("mappings").join(name).display().to_string()
}

fn seed_env() -> Option<Env> {
    let seed = shared_data("feeds/seed-edit.awin.csv")?;
    let env = Env::new();
    env.run(&["ingest", &seed]).expect_code(0);
    Some(env)
}

fn sample_env() -> Env {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    env.run(&["ingest", &sample("harvey.gmc.xml")])
        .expect_code(0);
    env
}

fn id_of(env: &Env, item: &str) -> String {
    env.run(&["products", "show", item, "-o", "json"])
        .expect_code(0)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn lookalikes(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["lookalikes", "-o", "json"];
    all.extend_from_slice(args);
    env.run(&all).expect_code(0).json()
}

fn search(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["search", "-o", "json"];
    all.extend_from_slice(args);
    env.run(&all).expect_code(0).json()
}

fn results(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn amount(money: &Value) -> f64 {
    money["amount"].as_str().unwrap().parse().unwrap()
}

#[test]
fn the_seed_hero_ranks_the_m_and_s_bow_pumps_first_under_100() {
    let Some(env) = seed_env() else { return };
    let v = lookalikes(&env, &["seed-001", "--max-price", "100"]);
    let first = &results(&v)[0];
    assert_eq!(first["id"], id_of(&env, "seed-004"), "{v:#}");
    let shared = strings(&first["shared"]);
    assert!(shared.contains(&"ballet flat".to_string()), "{shared:?}");
    assert!(shared.contains(&"bow".to_string()), "{shared:?}");
    assert_eq!(first["tier"], "high_street");
    assert_eq!(first["saving"]["amount"]["amount"], "515.00");
    assert_eq!(first["saving"]["percent"], 93.6);
    let differences = strings(&first["differences"]);
    assert!(
        differences.contains(&"leather instead of satin".to_string())
            && differences.contains(&"no logo patch".to_string()),
        "{differences:?}"
    );
    for r in results(&v) {
        assert!(amount(&r["price"]) <= 100.0, "{r:#}");
    }
}

#[test]
fn the_seed_lookalikes_json_is_stable() {
    let Some(env) = seed_env() else { return };
    let v = lookalikes(&env, &["seed-001"]);
    insta::assert_json_snapshot!(v);
}

#[test]
fn with_the_real_catalogs_as_distractors_the_pumps_stay_in_the_top_five() {
    let Some(seed) = shared_data("feeds/seed-edit.awin.csv") else {
        return;
    };
    let Some(myntra) = shared_data("catalogs/myntra-products/myntra_products_catalog.csv") else {
        return;
    };
    let Some(datafiniti) = shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv")
    else {
        return;
    };
    let env = Env::new();
    env.run(&["ingest", &seed]).expect_code(0);
    env.run(&[
        "ingest",
        "--mapping",
        &mapping("datafiniti-womens-shoes-jun19.toml"),
        &datafiniti,
    ])
    .expect_code(0);
    env.run(&[
        "ingest",
        "--mapping",
        &mapping("myntra-products.toml"),
        &myntra,
    ])
    .expect_code(0);
    let pumps = id_of(&env, "seed-004");
    let v = lookalikes(&env, &["seed-001", "--max-price", "100", "--limit", "10"]);
    let list = results(&v);
    // Prices from INR and USD are shown in the hero's GBP, converted.
    assert!(
        list.iter()
            .all(|r| r["price"]["currency"] == "GBP" && amount(&r["price"]) <= 100.0),
        "{v:#}"
    );
    assert!(
        list.iter().any(|r| r["price"]["approx"] == true),
        "some converted prices: {v:#}"
    );
    let at = list
        .iter()
        .position(|r| r["id"] == pumps)
        .unwrap_or_else(|| panic!("the M&S pumps are not in the top 10: {v:#}"));
    assert!(at < 5, "the M&S pumps are #{}: {v:#}", at + 1);
    let theirs = list[at]["shared"].as_array().unwrap().len();
    for r in &list[..at] {
        let shared = r["shared"].as_array().unwrap().len();
        assert!(
            shared >= theirs,
            "{} ranks above the pumps sharing {shared} < {theirs} attributes: {r:#}",
            r["title"]
        );
    }
}

#[test]
fn an_unknown_hero_exits_2_with_did_you_mean() {
    let Some(env) = seed_env() else { return };
    let run = env.run(&["lookalikes", "seed-999"]).expect_code(2);
    assert!(run.stderr.contains("no product seed-999"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean"), "{}", run.stderr);
    assert!(run.stderr.contains("seed-001"), "{}", run.stderr);
}

#[test]
fn a_hero_by_url_is_the_same_product() {
    let Some(env) = seed_env() else { return };
    let by_url = lookalikes(
        &env,
        &[
            "--url",
            "https://shop.example/miu-miu/logo-patch-satin-ballet-flats",
        ],
    );
    assert_eq!(by_url["hero"]["id"], id_of(&env, "seed-001"));
    assert_eq!(by_url, lookalikes(&env, &["seed-001"]));
}

#[test]
fn free_text_without_a_category_still_gets_results_and_says_what_it_understood() {
    let Some(env) = seed_env() else { return };
    let v = lookalikes(&env, &["--text", "pink satin with a bow"]);
    let understood = v["hero"]["understood"].as_str().unwrap();
    assert!(understood.contains("no category"), "{understood}");
    assert!(
        understood.contains("satin") && understood.contains("bow"),
        "{understood}"
    );
    assert!(!results(&v).is_empty(), "{v:#}");
    let with_category = lookalikes(&env, &["--text", "satin ballet flats with a bow"]);
    assert!(
        with_category["hero"]["understood"]
            .as_str()
            .unwrap()
            .contains("category ballet flat"),
        "{with_category:#}"
    );
    assert_eq!(results(&with_category)[0]["id"], id_of(&env, "seed-001"));
}

#[test]
fn the_index_follows_ingests_and_is_rebuilt_when_missing() {
    let Some(env) = seed_env() else { return };
    assert_eq!(search(&env, &["ballet"])["total"], 8);
    let feed = env.write(
        "more.csv",
        "aw_product_id,merchant_name,brand_name,product_name,description,search_price,currency,in_stock,colour\n\
         extra-1,Repetto,Repetto,Cendrillon satin ballerinas,Satin ballet flats with a bow,320.00,GBP,1,Pink\n",
    );
    env.run(&["ingest", &feed]).expect_code(0);
    let found = search(&env, &["cendrillon"]);
    assert_eq!(found["total"], 1, "{found:#}");
    assert_eq!(found["items"][0]["title"], "Cendrillon satin ballerinas");

    std::fs::remove_dir_all(env.data_dir().join("index")).unwrap();
    let run = env
        .run(&["search", "cendrillon", "-o", "json"])
        .expect_code(0);
    assert!(run.stderr.contains("rebuilt"), "{}", run.stderr);
    assert_eq!(run.json()["total"], 1);
    // A damaged meta file of the live version is rebuilt too, never served.
    let index = env.data_dir().join("index");
    let live = std::fs::read_to_string(index.join("CURRENT")).unwrap();
    std::fs::write(
        index.join(live.trim()).join("pointe-index.json"),
        "{not json",
    )
    .unwrap();
    let run = env.run(&["search", "ballet", "-o", "json"]).expect_code(0);
    assert!(run.stderr.contains("rebuilt"), "{}", run.stderr);
    assert_eq!(run.json()["total"], 9);
}

#[test]
fn search_filters_by_brand_price_tier_and_category() {
    let env = sample_env();
    let ms = search(&env, &["--brand", "M&S"]);
    assert!(ms["total"].as_u64().unwrap() >= 1, "{ms:#}");
    for item in ms["items"].as_array().unwrap() {
        assert_eq!(item["brand"], "Marks & Spencer", "{item:#}");
    }
    let cheap = search(&env, &["--max-price", "40"]);
    assert!(cheap["total"].as_u64().unwrap() >= 1);
    for item in cheap["items"].as_array().unwrap() {
        assert!(amount(&item["price"]) <= 40.0, "{item:#}");
    }
    let in_euros = search(&env, &["--max-price", "46 EUR"]);
    assert_eq!(in_euros["total"], cheap["total"], "46 EUR is about £40");
    let luxury = search(&env, &["--tier", "luxury"]);
    for item in luxury["items"].as_array().unwrap() {
        assert_eq!(item["tier"], "luxury", "{item:#}");
    }
    let flats = search(&env, &["--category", "ballet flats"]);
    assert!(flats["total"].as_u64().unwrap() >= 8, "{flats:#}");
    let facets = &flats["facets"];
    assert!(facets["brand"].as_array().unwrap().len() > 1, "{facets:#}");
    assert!(facets["tier"].as_array().unwrap().len() > 1, "{facets:#}");
    let bad = env
        .run(&["search", "--category", "spaceships"])
        .expect_code(1);
    assert!(
        bad.stderr.contains("no category \"spaceships\""),
        "{}",
        bad.stderr
    );
    let stock = search(&env, &["--in-stock"]);
    for item in stock["items"].as_array().unwrap() {
        assert_eq!(item["in_stock"], true);
    }
}

#[test]
fn search_sorts_by_price_both_ways() {
    let env = sample_env();
    let up = search(&env, &["ballet", "--sort", "price", "--limit", "50"]);
    let prices: Vec<f64> = up["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| amount(&i["price"]))
        .collect();
    assert!(prices.len() > 2);
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let down = search(&env, &["ballet", "--sort", "-price", "--limit", "50"]);
    let prices: Vec<f64> = down["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| amount(&i["price"]))
        .collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");
}

#[test]
fn search_ranks_a_word_in_the_title_above_one_only_in_the_description() {
    let env = sample_env();
    let v = search(&env, &["bow"]);
    let in_title: Vec<bool> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_lowercase().contains("bow"))
        .collect();
    assert!(in_title.iter().filter(|t| **t).count() >= 4, "{v:#}");
    assert!(in_title.iter().filter(|t| !**t).count() >= 3, "{v:#}");
    let first_without = in_title.iter().position(|t| !t).unwrap();
    assert!(
        in_title[first_without..].iter().all(|t| !t),
        "{in_title:?}: {v:#}"
    );
}

#[test]
fn a_typo_still_finds_ballet_flats() {
    let env = sample_env();
    let v = search(&env, &["balet", "flats"]);
    assert!(v["total"].as_u64().unwrap() >= 3, "{v:#}");
    let title = v["items"][0]["title"].as_str().unwrap().to_lowercase();
    assert!(
        title.contains("ballet") || title.contains("ballerina"),
        "{title}"
    );
    // Stemming: "flat" finds "flats".
    assert!(search(&env, &["flat"])["total"].as_u64().unwrap() >= 3);
}

#[test]
fn per_brand_one_gives_one_result_per_brand() {
    let env = sample_env();
    let v = lookalikes(
        &env,
        &[
            "seed-001",
            "--cheaper",
            "false",
            "--per-brand",
            "1",
            "--limit",
            "20",
        ],
    );
    let brands: Vec<String> = results(&v)
        .iter()
        .map(|r| r["brand"].as_str().unwrap_or("").to_string())
        .collect();
    let mut unique = brands.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(brands.len(), unique.len(), "{brands:?}");
    assert!(brands.len() > 3, "{brands:?}");
}

/// The property: for every product of the sample catalog as hero, `--cheaper` (the default)
/// never returns the hero nor anything priced at or above it.
#[test]
fn cheaper_never_returns_the_hero_or_anything_not_cheaper() {
    let env = sample_env();
    let all = env
        .run(&["products", "list", "--limit", "1000", "-o", "json"])
        .expect_code(0)
        .json();
    let items = all["items"].as_array().unwrap();
    assert!(items.len() >= 20);
    for p in items {
        let id = p["id"].as_str().unwrap();
        let v = lookalikes(&env, &[id, "--limit", "50"]);
        let hero_price = amount(&v["hero"]["price"]);
        let currency = v["hero"]["price"]["currency"].clone();
        for r in results(&v) {
            assert_ne!(r["id"], id, "the hero itself: {v:#}");
            assert_eq!(r["price"]["currency"], currency, "{r:#}");
            assert!(
                amount(&r["price"]) < hero_price,
                "{} at {} is not cheaper than the hero {id} at {hero_price}",
                r["title"],
                r["price"]["amount"]
            );
        }
    }
}

/// The look-alikes of the rules fixture's hero, as JSON, with extra arguments.
fn rules_lookalikes(env: &Env, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["lookalikes", "LR-HERO", "--limit", "20", "-o", "json"];
    args.extend_from_slice(extra);
    env.run(&args).expect_code(0).json()
}

fn rules_env() -> Env {
    let env = Env::new();
    env.run(&["ingest", &crate::fixture("lookalike-rules.gmc.tsv")])
        .expect_code(0);
    env
}

/// The first item id of each result, in order.
fn first_ids(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_ids"][0]["item_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_womens_hero_gets_womens_and_unisex_pieces_unless_another_gender_is_asked() {
    let env = rules_env();
    let default = first_ids(&rules_lookalikes(&env, &[]));
    assert!(!default.contains(&"LR-MEN".to_string()), "{default:?}");
    assert!(default.contains(&"LR-UNI".to_string()), "{default:?}");
    let men = first_ids(&rules_lookalikes(&env, &["--gender", "men"]));
    assert_eq!(men, ["LR-MEN", "LR-UNI"]);
    let bad = env.run(&["lookalikes", "LR-HERO", "--gender", "cats"]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
}

#[test]
fn a_saving_under_the_minimum_is_not_a_cheaper_lookalike() {
    let env = rules_env();
    // £95 against £100 saves 5%: under the default 10%.
    assert!(!first_ids(&rules_lookalikes(&env, &[])).contains(&"LR-NEAR".to_string()));
    let any = first_ids(&rules_lookalikes(&env, &["--min-saving", "1%"]));
    assert!(any.contains(&"LR-NEAR".to_string()), "{any:?}");
    // At least £50 off: £50 and cheaper only.
    let fifty = rules_lookalikes(&env, &["--min-saving", "£50"]);
    for item in fifty["items"].as_array().unwrap() {
        let saved: f64 = item["saving"]["amount"]["amount"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(saved >= 50.0, "{item:#}");
    }
    assert_eq!(
        env.run(&["lookalikes", "LR-HERO", "--min-saving", "150%"])
            .code,
        1
    );
}

#[test]
fn other_brands_leaves_out_the_heros_own_brand() {
    let env = rules_env();
    assert!(first_ids(&rules_lookalikes(&env, &[])).contains(&"LR-OWN".to_string()));
    let others = rules_lookalikes(&env, &["--other-brands"]);
    for item in others["items"].as_array().unwrap() {
        assert_ne!(item["brand"], "Maison Hero", "{item:#}");
    }
}

/// LR-A1 and LR-A2 are one listing under two ids (every field but the id agrees).
#[test]
fn a_retailers_duplicate_listings_show_once_with_both_ids() {
    let env = rules_env();
    let v = rules_lookalikes(&env, &[]);
    let atelier: Vec<&serde_json::Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["brand"] == "Atelier A")
        .collect();
    assert_eq!(atelier.len(), 1, "{v:#}");
    let ids: Vec<&str> = atelier[0]["item_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["LR-A1", "LR-A2"]);
}

#[test]
fn another_category_ranks_below_every_piece_of_the_heros_and_unstated_is_no_difference() {
    let env = rules_env();
    let v = rules_lookalikes(&env, &[]);
    let items = v["items"].as_array().unwrap();
    assert_eq!(v["total"], items.len());
    // The court shoe is the cheapest and shares satin, bow and pink, yet ranks last.
    assert_eq!(items.last().unwrap()["item_ids"][0]["item_id"], "LR-COURT");
    assert_eq!(items.last().unwrap()["same_category"], false);
    assert!(
        items[..items.len() - 1]
            .iter()
            .all(|i| i["same_category"] == true)
    );
    // The plain flats state no material or colour: unstated, never a difference.
    let plain = items
        .iter()
        .find(|i| i["item_ids"][0]["item_id"] == "LR-PLAIN")
        .unwrap();
    assert_eq!(
        plain["unstated"],
        serde_json::json!([{"dimension": "material", "hero": "satin"}, {"dimension": "colour", "hero": "pink"}])
    );
    assert_eq!(plain["differences"], serde_json::json!([]));
    for item in items {
        for d in item["differences"].as_array().unwrap() {
            assert!(!d.as_str().unwrap().contains("not stated"), "{d}");
        }
    }
}

#[test]
fn a_hero_named_by_its_title_is_found_and_a_shared_title_lists_the_candidates() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    env.run(&["ingest", &crate::fixture("lookalike-rules.gmc.tsv")])
        .expect_code(0);
    for title in [
        "Leather Bow Ballet Pumps",
        "leather bow ballet PUMPS",
        "Marks & Spencer Leather Bow Ballet Pumps",
    ] {
        let v = env
            .run(&["lookalikes", title, "--cheaper", "false", "-o", "json"])
            .expect_code(0)
            .json();
        assert_eq!(v["hero"]["item_ids"][0]["item_id"], "seed-004", "{title}");
    }
    let shared = env
        .run(&["lookalikes", "Satin Bow Ballet Flats"])
        .expect_code(2);
    for brand in ["Atelier A", "Brand C", "Brand E"] {
        assert!(shared.stderr.contains(brand), "{}", shared.stderr);
    }
    assert!(shared.stderr.contains("ambiguous"), "{}", shared.stderr);
}

#[test]
fn a_dearer_lookalike_says_what_it_costs_more_never_a_negative_saving_nor_a_zero_one() {
    let env = Env::new();
    env.run(&["ingest", &crate::fixture("lookalike-rules.gmc.tsv")])
        .expect_code(0);
    let run = env
        .run(&["lookalikes", "LR-A1", "--cheaper", "false", "--limit", "20"])
        .expect_code(0);
    assert!(
        run.stdout.contains("costs £50.00 more (100%)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("saves -"), "{}", run.stdout);
    assert!(
        run.stdout.contains("£50.00, same price"),
        "a look-alike at the hero's price saves nothing: {}",
        run.stdout
    );
    assert!(!run.stdout.contains("saves £0.00"), "{}", run.stdout);
}
