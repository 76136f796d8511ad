//! `pointe trends`: real exports in every layout, the Balletcore figures, momentum ranking,
//! gaps, re-imports, broken files, terms that fold to one key, refreshed exports, related
//! queries, and aesthetics linked to products.

use serde_json::Value;

use crate::{Env, repo, shared_data};

/// A trend fixture of the core crate (described in its `README.md`).
fn trend_fixture(name: &str) -> String {
    repo()
        .join("crates/pointe-core/tests/fixtures/trends")
        .join(name)
        .display()
        .to_string()
}

fn all_trend_files() -> Option<Vec<String>> {
    let root = shared_data("trends")?;
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        for f in std::fs::read_dir(&dir).unwrap() {
            files.push(f.unwrap().path().display().to_string());
        }
    }
    files.sort();
    Some(files)
}

fn import(env: &Env, files: &[String]) -> Value {
    let mut args = vec!["trends", "import", "-o", "json"];
    args.extend(files.iter().map(String::as_str));
    env.run(&args).expect_code(0).json()
}

#[test]
fn every_shared_export_imports_and_balletcore_has_its_published_figures() {
    let Some(files) = all_trend_files() else {
        return;
    };
    let env = Env::new();
    let report = import(&env, &files);
    assert_eq!(report["total"], files.len());
    let censored: u64 = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["censored_points"].as_u64().unwrap())
        .sum();
    assert!(
        censored >= 11,
        "the classic exports' <1 cells are kept as censored: {censored}"
    );

    let show = env
        .run(&["trends", "show", "Ballet Core", "-o", "json"])
        .expect_code(0)
        .json();
    let a = &show["items"][0]["analysis"];
    assert_eq!(a["onset"], "2022-02-01");
    assert_eq!(a["peak"], serde_json::json!(["2023-02-01", 100.0]));
    assert_eq!(a["latest"], serde_json::json!(["2026-03-01", 42.0]));
    let yoy = a["growth_yoy"]["percent"].as_f64().unwrap();
    let pop = a["growth_pop"]["percent"].as_f64().unwrap();
    assert!((yoy - 100.0).abs() < 0.05, "{yoy}");
    assert!((pop - (-20.8)).abs() < 0.05, "{pop}");

    // Re-importing the same exports updates the series instead of duplicating them.
    let again = import(&env, &files);
    let new: u64 = again["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["series_new"].as_u64().unwrap())
        .sum();
    assert_eq!(new, 0);
    let list = env
        .run(&["trends", "list", "-o", "json"])
        .expect_code(0)
        .json();
    let balletcore: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["key"] == "balletcore")
        .collect();
    assert_eq!(balletcore.len(), 1);
    assert_eq!(balletcore[0]["aesthetic"], "Balletcore");
}

#[test]
fn the_long_weekly_file_ranks_by_momentum_with_mann_kendall_p_values() {
    let Some(file) = shared_data("trends/google-trends-weekly-long/google_trends.csv") else {
        return;
    };
    let env = Env::new();
    import(&env, &[file]);
    let list = env
        .run(&["trends", "list", "--window", "12", "-o", "json"])
        .expect_code(0)
        .json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 36);
    let mut last = (true, f64::INFINITY);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["rank"], i + 1);
        let p = item["mann_kendall_p"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{item}");
        assert_eq!(item["p_value"], item["mann_kendall_p"]);
        let rising = item["significant_rise"].as_bool().unwrap();
        if rising {
            assert!(p < 0.05, "{item}");
        }
        let m = item["momentum"].as_f64().unwrap();
        // Significant rises first, each group by momentum.
        assert!(
            last.0 || !rising,
            "a significant rise after the others: {item}"
        );
        if rising == last.0 {
            assert!(m <= last.1, "ranked by momentum within its group: {item}");
        }
        last = (rising, m);
        assert!(
            item["justification"]
                .as_str()
                .unwrap()
                .contains("Mann–Kendall")
        );
    }
    let table = env.run(&["trends", "list"]).expect_code(0);
    assert!(table.stdout.contains("MK P"), "{}", table.stdout);
}

#[test]
fn trends_list_ranks_significant_rises_above_the_near_dormant_e_girl() {
    let Some(dir) = shared_data("trends/google-trends-monthly") else {
        return;
    };
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| f.unwrap().path().display().to_string())
        .collect();
    files.sort();
    let env = Env::new();
    import(&env, &files);
    let list = env
        .run(&["trends", "list", "-o", "json"])
        .expect_code(0)
        .json();
    let items = list["items"].as_array().unwrap();
    let e_girl = items
        .iter()
        .find(|i| {
            i["term"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("e-girl")
                || i["key"] == "egirl"
                || i["key"] == "e girl"
        })
        .unwrap_or_else(|| panic!("e-girl in {list:#}"));
    let p = e_girl["p_value"].as_f64().unwrap();
    assert!((p - 0.19).abs() < 0.01, "{e_girl}");
    assert_eq!(e_girl["significant_rise"], false);
    let rises: Vec<&Value> = items
        .iter()
        .filter(|i| i["significant_rise"] == true)
        .collect();
    assert!(
        !rises.is_empty(),
        "some aesthetic rises significantly: {list:#}"
    );
    for r in rises {
        assert!(
            r["rank"].as_u64() < e_girl["rank"].as_u64(),
            "{r} below {e_girl}"
        );
    }
}

#[test]
fn tiktok_series_keep_their_gaps() {
    let Some(videos) = shared_data("trends/tiktok-weekly/tiktok-weekly-videos.csv") else {
        return;
    };
    let env = Env::new();
    import(&env, &[videos]);
    let show = env
        .run(&["trends", "show", "tomato girl", "-o", "json"])
        .expect_code(0)
        .json();
    let points = show["items"][0]["series"]["points"].as_array().unwrap();
    let dates: Vec<&str> = points.iter().map(|p| p["date"].as_str().unwrap()).collect();
    // A week missing from the export is a gap, not a zero point.
    assert!(!dates.contains(&"2023-02-20"), "{dates:?}");
    assert!(
        dates.contains(&"2023-02-13") && dates.contains(&"2023-02-27"),
        "{dates:?}"
    );
    let text = env.run(&["trends", "show", "tomato girl"]).expect_code(0);
    assert!(text.stdout.contains("· gap ·"), "{}", text.stdout);
}

#[test]
fn a_broken_export_names_file_and_line_and_stores_nothing() {
    let env = Env::new();
    let good = env.write(
        "good.csv",
        "term,date,value\nballetcore,2024-01-01,5\nballetcore,2024-01-08,7\n",
    );
    let bad = env.write(
        "bad.csv",
        "term,date,value\nballetcore,2024-01-01,5\nballetcore,2024-01-08,lots\n",
    );
    import(&env, &[good]);
    let run = env.run(&["trends", "import", &bad]).expect_code(1);
    assert!(
        run.stderr.contains("bad.csv") && run.stderr.contains("line 3"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing from"), "{}", run.stderr);
    let show = env
        .run(&["trends", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(show["total"], 1);
    assert_eq!(
        show["items"][0]["series"]["points"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let unknown = env.run(&["trends", "show", "gorpcore"]).expect_code(1);
    assert!(
        unknown.stderr.contains("no trend series"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn balletcore_products_on_the_seed_feed_and_real_catalogs_start_with_ballet_flats() {
    let (Some(seed), Some(myntra), Some(datafiniti)) = (
        shared_data("feeds/seed-edit.awin.csv"),
        shared_data("catalogs/myntra-products/myntra_products_catalog.csv"),
        shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv"),
    ) else {
        return;
    };
    let env = Env::new();
    let mapping = |name: &str| {
        crate::repo()
            .join("mappings")
            .join(name)
            .display()
            .to_string()
    };
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
            "trends",
            "products",
            "balletcore",
            "--limit",
            "10",
            "-o",
            "json",
        ])
        .expect_code(0)
        .json();
    let items = run["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    for item in items {
        let matched: Vec<&str> = item["matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["value"].as_str().unwrap())
            .collect();
        assert!(!matched.is_empty(), "{item}");
        assert!(
            item["tier"].is_string(),
            "every piece has its price tier: {item}"
        );
        assert!(
            item["category"] == "ballet_flats"
                || matched.contains(&"satin")
                || matched.contains(&"tulle"),
            "a balletcore piece: {item}"
        );
    }
    let flats = items
        .iter()
        .take(5)
        .filter(|i| i["category"] == "ballet_flats")
        .count();
    assert!(flats >= 4, "{items:#?}");
    let unknown = env.run(&["trends", "products", "gorpcore"]).expect_code(1);
    assert!(
        unknown.stderr.contains("known aesthetics: balletcore"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn show_finds_the_term_as_written_not_another_term_of_its_key() {
    let env = Env::new();
    let report = import(&env, &[trend_fixture("pinterest-folded-terms.csv")]);
    assert_eq!(report["items"][0]["series_new"], 4);
    let collisions = &report["items"][0]["collisions"];
    assert_eq!(collisions[0]["key"], "back_to_school", "{report}");
    assert_eq!(
        collisions[0]["terms"],
        serde_json::json!(["back to school outfits", "back to school"])
    );
    let text = env
        .run(&[
            "trends",
            "import",
            &trend_fixture("pinterest-folded-terms.csv"),
        ])
        .expect_code(0);
    assert!(
        text.stdout.contains(
            "note: \"back to school outfits\", \"back to school\" all read as back_to_school: kept as 2 series"
        ),
        "{}",
        text.stdout
    );
    for term in [
        "back to school",
        "back to school outfits",
        "fall outfits",
        "fall",
    ] {
        let show = env
            .run(&["trends", "show", term, "-o", "json"])
            .expect_code(0)
            .json();
        assert_eq!(show["total"], 1, "{term}: {show}");
        assert_eq!(show["items"][0]["series"]["term"], term);
    }
    // A term no series is written as finds every series of its key.
    let show = env
        .run(&["trends", "show", "back to school looks", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(show["total"], 2);
    let list = env
        .run(&["trends", "list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(list["total"], 4);
}

#[test]
fn a_refreshed_export_updates_its_series_instead_of_adding_one() {
    let env = Env::new();
    import(&env, &[trend_fixture("refresh/multiTimeline.csv")]);
    let again = import(&env, &[trend_fixture("refresh/multiTimeline (1).csv")]);
    assert_eq!(again["items"][0]["series_new"], 0, "{again}");
    assert_eq!(again["items"][0]["series_updated"], 2);
    let show = env
        .run(&["trends", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(show["total"], 1, "{show}");
    let points = show["items"][0]["series"]["points"].as_array().unwrap();
    assert_eq!(points.len(), 6, "the longer export's points");
    assert_eq!(show["items"][0]["analysis"]["latest"][1], 100.0);
}

#[test]
fn related_prints_top_and_rising_as_text_and_json_without_a_series() {
    let env = Env::new();
    import(
        &env,
        &[
            trend_fixture("relatedQueries-spreadsheet.csv"),
            trend_fixture("relatedQueries-zh.csv"),
        ],
    );
    let text = env.run(&["trends", "related", "Balletcore"]).expect_code(0);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines[0], "related queries of balletcore (Worldwide)");
    assert_eq!(lines[1], "KIND    QUERY                 VALUE");
    assert_eq!(lines[2], "TOP     ballet flats          100");
    assert_eq!(lines[5], "RISING  miu miu ballet flats  Breakout");
    assert_eq!(lines[6], "RISING  balletcore outfit     +3,700%");
    assert_eq!(lines.len(), 8, "{}", text.stdout);
    assert!(
        !text.stdout.contains("Score(") && !text.stdout.contains("Rising "),
        "no debug output: {}",
        text.stdout
    );
    let json = env
        .run(&["trends", "related", "芭蕾风", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["total"], 4);
    assert_eq!(json["items"][0]["kind"], "top");
    assert_eq!(json["items"][0]["value"], 100);
    assert_eq!(json["items"][2]["value_kind"], "breakout");
    assert_eq!(json["items"][3]["shown"], "+1,200%");
    assert_eq!(json["items"][3]["region"], "全球");
    // No series of the term: `show` says where its related queries are.
    let show = env.run(&["trends", "show", "balletcore"]).expect_code(1);
    assert!(
        show.stderr.contains("pointe trends related"),
        "{}",
        show.stderr
    );
    let none = env.run(&["trends", "related", "gorpcore"]).expect_code(1);
    assert!(
        none.stderr.contains("no related queries"),
        "{}",
        none.stderr
    );
}

#[test]
fn show_prints_its_related_queries_as_text() {
    let Some(series) = shared_data("trends/google-trends-monthly/balletcore.csv") else {
        return;
    };
    let env = Env::new();
    import(
        &env,
        &[series, trend_fixture("relatedQueries-rising-percent.csv")],
    );
    let text = env.run(&["trends", "show", "balletcore"]).expect_code(0);
    assert!(
        text.stdout
            .contains("related queries of balletcore (Worldwide)"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("RISING  balletcore outfit     +3,700%"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("Percent("), "{}", text.stdout);
    let json = env
        .run(&["trends", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["related"].as_array().unwrap().len(), 6);
}

#[test]
fn exports_in_other_languages_and_pytrends_batches_import() {
    let env = Env::new();
    let files: Vec<String> = [
        "google-classic-fr.csv",
        "google-classic-es.csv",
        "google-classic-zh.csv",
        "google-classic-ja.csv",
        "google-classic-de-semicolon.csv",
        "google-quoted-ja.csv",
        "relatedQueries-de.csv",
        "pytrends-geo-segment.csv",
        "pytrends-stacked-headers.csv",
    ]
    .iter()
    .map(|f| trend_fixture(f))
    .collect();
    let report = import(&env, &files);
    let layouts: Vec<&str> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["layout"].as_str().unwrap())
        .collect();
    assert_eq!(
        layouts,
        [
            "google_classic",
            "google_classic",
            "google_classic",
            "google_classic",
            "google_classic",
            "google_quoted",
            "google_related_queries",
            "pytrends",
            "pytrends"
        ]
    );
    let show = env
        .run(&["trends", "show", "coquette aesthetic", "-o", "json"])
        .expect_code(0)
        .json();
    let regions: Vec<&str> = show["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["series"]["region"].as_str().unwrap())
        .collect();
    assert_eq!(regions, ["US", "GB"], "{show}");
    assert_eq!(show["items"][0]["series"]["segment"], "segment=students");
}

#[test]
fn trends_list_on_an_empty_store_is_an_empty_list_and_exit_0() {
    let env = Env::new();
    let json = env
        .run(&["trends", "list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json, serde_json::json!({"items": [], "total": 0}));
    let table = env.run(&["trends", "list"]).expect_code(0);
    assert!(
        table.stderr.contains("no trend series yet"),
        "{}",
        table.stderr
    );
    let bad = env.run(&["trends", "list", "--window", "1"]).expect_code(1);
    assert!(bad.stderr.contains("--window"), "{}", bad.stderr);
}
