//! Edits on the real catalogs, as an editor would publish them: Myntra heroes in seven
//! categories and the Miu Miu flats, with Datafiniti's price records in the store as
//! distractors. Every edit has at least three shoppable picks, none a data vendor's, blurbs
//! that pass the copy checks and a trend line only for a significantly rising series.

use std::collections::BTreeMap;

use pointe_core::edit::blurb;
use serde_json::Value;

use crate::{Env, repo, sample, shared_data};

/// One edit of the test: its slug, hero, currency and the trend it cites.
struct Case {
    slug: &'static str,
    hero: &'static str,
    currency: &'static str,
    trend: Option<&'static str>,
    /// Whether the trend's series is significantly rising (so the edit has a "Trending:" line).
    trending: bool,
    /// Footwear, whose picks are pairs.
    pairs: bool,
}

const CASES: &[Case] = &[
    // W Women Maroon & Golden Embroidered A-Line Dress, ₹2,799.
    Case {
        slug: "dress",
        hero: "10207461",
        currency: "INR",
        trend: Some("silhouette_slip_dress"),
        trending: true,
        pairs: false,
    },
    // Kvsfab Women Brown & Red Printed Straight Kurta, ₹1,999.
    Case {
        slug: "kurta",
        hero: "10033025",
        currency: "INR",
        trend: None,
        trending: false,
        pairs: false,
    },
    // Mast & Harbour Women Maroon Solid Bomber Jacket, ₹3,399. Bomber-jacket searches are
    // down year on year.
    Case {
        slug: "jacket",
        hero: "10115507",
        currency: "INR",
        trend: Some("silhouette_bomber_jacket"),
        trending: false,
        pairs: false,
    },
    // Jacques Lemans Women Black Analogue Watch 1-1811A, ₹11,100.
    Case {
        slug: "watch",
        hero: "10071413",
        currency: "INR",
        trend: Some("quiet luxury"),
        trending: true,
        pairs: false,
    },
    // Geox Women Black Leather Perforated Slip-On Sneakers, ₹4,999. Blokecore's TikTok views
    // decline and its video count's rise is not significant.
    Case {
        slug: "sneakers",
        hero: "10029021",
        currency: "INR",
        trend: Some("blokecore"),
        trending: false,
        pairs: true,
    },
    // Lavie Women Black & Pink Floral Print Block Heels, ₹1,999. Coquette searches decline.
    Case {
        slug: "heels",
        hero: "10131721",
        currency: "INR",
        trend: Some("coquette aesthetic"),
        trending: false,
        pairs: true,
    },
    // Lavie Peach-Coloured Textured Shoulder Bag, ₹4,199.
    Case {
        slug: "bag",
        hero: "10186227",
        currency: "INR",
        trend: None,
        trending: false,
        pairs: false,
    },
    // Inddus Women Maroon Solid Maxi Dress, ₹2,687.
    Case {
        slug: "maxi-dress",
        hero: "10255037",
        currency: "INR",
        trend: None,
        trending: false,
        pairs: false,
    },
    // Titan Ceramics Men Black Analogue watch NL90089KD01, ₹10,796.
    Case {
        slug: "ceramic-watch",
        hero: "10052455",
        currency: "INR",
        trend: None,
        trending: false,
        pairs: false,
    },
    // Lavie Women Black Textured Sling Bag, ₹3,999.
    Case {
        slug: "sling-bag",
        hero: "10186305",
        currency: "INR",
        trend: None,
        trending: false,
        pairs: false,
    },
    // Miu Miu Logo-patch satin ballet flats, £550 (samples/catalog.awin.csv). Balletcore's
    // rise over the last year is not significant.
    Case {
        slug: "balletcore",
        hero: "seed-001",
        currency: "GBP",
        trend: Some("balletcore"),
        trending: false,
        pairs: true,
    },
];

/// Myntra heroes across the rest of the wardrobe, whose edits' blurbs must read as well (the
/// picks' count is not checked: some categories have few cheaper look-alikes).
const MORE_HEROES: &[&str] = &[
    "10036899", // Chhabra 555 Green Checked Poly Georgette Saree
    "10245193", // Basics Men Khaki & Black Slim Fit Checked Casual Shirt
    "10148873", // Indian Terrain Men Navy Blue Brooklyn Slim Fit Self-Design Trousers
    "10001251", // Lara Karen Women Black Solid Maxi Satin Skirt
    "10187847", // WROGN Men Grey & Black Colourblocked Sweater
    "10050247", // Park Avenue Men Blue Solid Super Slim-Fit Single-Breasted Blazer
    "10197741", // EthnoVogue Sea Green & Gold-Toned Embroidered Made to Measure Lehenga & Blouse with Dupatta
    "10117285", // Bonjour Men Pack of 4 Calf-Length Socks
    "10161953", // Tistabene Gold-Plated Contemporary Enamelled Drop Earrings
    "10274313", // INVU Women Black Square Sunglasses B2900C
    "10186281", // Lavie Women Grey Solid Zip Around Wallet
    "10179015", // Global Desi Women Navy Blue Tassel Detail Backpack
    "10134377", // Calvin Klein Men Blue Solid Leather Belt
    "10007717", // Mast & Harbour Women Maroon Solid Open Toe Flats
    "10174527", // Tresmode Men Brown Leather Loafers
    "10176757", // Tommy Hilfiger Men Pack of 3 Solid Briefs A9AB1128
    "10213379", // U.S. Polo Assn. Kids Girls Black & Silver Star Printed Leggings
    "1005161",  // Arrow New York Black & Grey Cardigan
    "10021339", // shaze Women Silver-Plated Cubic Zirconia Studded Finger Ring
    "10033629", // SHISEIDO 518 Selfie ModernMatte Powder Lipstick 4g
];

/// The data directory every edit of the test shares: the three catalogs and the trend series.
fn catalogs_and_trends() -> Option<Env> {
    let myntra = shared_data("catalogs/myntra-products/myntra_products_catalog.csv")?;
    let datafiniti = shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv")?;
    let monthly = shared_data("trends/google-trends-monthly")?;
    let weekly = shared_data("trends/google-trends-weekly-long/google_trends.csv")?;
    let videos = shared_data("trends/tiktok-weekly/tiktok-weekly-videos.csv")?;
    let views = shared_data("trends/tiktok-weekly/tiktok-weekly-views.csv")?;
    let env = Env::new();
    let mapping = |m: &str| repo().join("mappings").join(m).display().to_string();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    for (m, csv) in [
        ("myntra-products.toml", &myntra),
        ("datafiniti-womens-shoes-jun19.toml", &datafiniti),
    ] {
        env.run(&["ingest", "--mapping", &mapping(m), csv])
            .expect_code(0);
    }
    let mut monthly_files: Vec<String> = std::fs::read_dir(&monthly)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".csv"))
        .collect();
    monthly_files.sort();
    let mut args = vec!["trends", "import", "--region", "worldwide"];
    args.extend(monthly_files.iter().map(String::as_str));
    env.run(&args).expect_code(0);
    env.run(&["trends", "import", &weekly, &videos, &views])
        .expect_code(0);
    Some(env)
}

fn create(env: &Env, case: &Case) -> crate::Run {
    let mut args = vec![
        "edit",
        "create",
        case.slug,
        "--title",
        "Get the look",
        "--hero",
        case.hero,
        "--currency",
        case.currency,
        "-o",
        "json",
    ];
    if let Some(t) = case.trend {
        args.extend(["--trend", t]);
    }
    env.run(&args).expect_code(0)
}

fn show(env: &Env, id: &str) -> Value {
    env.run(&["products", "show", id, "-o", "json"])
        .expect_code(0)
        .json()
}

/// Every pick can be bought at a shop with a link, none is Datafiniti's, and the render shows
/// them all.
fn assert_shoppable(env: &Env, case: &Case, edit: &Value) {
    let picks = edit["picks"].as_array().unwrap();
    assert!(picks.len() >= 3, "{}: {edit:#}", case.slug);
    for p in picks {
        let product = show(env, p["product_id"].as_str().unwrap());
        for offer in product["offer_list"].as_array().unwrap() {
            let source = offer["source"].as_str().unwrap();
            assert!(
                !source.starts_with("womens_shoes"),
                "{}: {product:#}",
                case.slug
            );
        }
    }
    let render = env
        .run(&["edit", "render", case.slug, "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(render["picks"].as_array().unwrap().len(), picks.len());
    for p in render["picks"].as_array().unwrap() {
        let url = p["buy_url"].as_str().unwrap_or_default();
        assert!(url.starts_with("https://"), "{}: {p:#}", case.slug);
        assert!(p["retailer"].as_str().is_some_and(|r| !r.is_empty()));
    }
}

/// Datafiniti's records that rank close enough are left out, each with its reason, and the
/// editor is told.
fn datafiniti_left_out(case: &Case, run: &crate::Run) -> usize {
    let e = run.json();
    let vendor: Vec<&Value> = e["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["status"] == "no_shop")
        .collect();
    for l in &vendor {
        let reason = l["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("no shop: its feed names no retailer; no http(s) buy link"),
            "{}: {reason}",
            case.slug
        );
        assert!(
            run.stderr.contains(&format!(
                "left out: {} ({reason})",
                l["name"].as_str().unwrap()
            )),
            "{}: {}",
            case.slug,
            run.stderr
        );
    }
    vendor.len()
}

fn assert_copy(env: &Env, case: &Case, edit: &Value) {
    let hero = show(env, case.hero);
    let hero_name = hero["brand"].as_str().unwrap();
    for p in edit["picks"].as_array().unwrap() {
        let text = p["blurb"].as_str().unwrap();
        let problems = blurb::problems(text, hero_name);
        assert!(problems.is_empty(), "{}: {text:?}: {problems:?}", case.slug);
        assert!(blurb::shape_of(text).is_some(), "{text}");
        if !case.pairs {
            assert!(!text.contains(" pair"), "{}: {text}", case.slug);
        }
        assert!(!text.contains("color"), "a UK edit: {text}");
    }
}

fn assert_trend(env: &Env, case: &Case, run: &crate::Run) {
    let e = run.json();
    let md = env
        .run(&["edit", "render", case.slug, "-o", "md"])
        .expect_code(0)
        .stdout;
    if case.trending {
        let line = e["trend"]["line"].as_str().unwrap();
        assert!(
            line.contains(" up ") && line.contains("year on year"),
            "{line}"
        );
        assert!(
            line.starts_with("Google search interest") || line.starts_with("TikTok:"),
            "{line}"
        );
        assert!(e["trend"]["p_value"].as_f64().unwrap() < 0.05, "{e:#}");
        assert!(md.contains(&format!("**Trending:** {line}")), "{md}");
    } else {
        assert_eq!(e["trend"], Value::Null, "{}: {e:#}", case.slug);
        assert!(!md.contains("Trending"), "{}: {md}", case.slug);
        if case.trend.is_some() {
            assert!(
                run.stderr.contains("no \"Trending:\" line"),
                "{}: {}",
                case.slug,
                run.stderr
            );
        }
    }
}

#[test]
fn real_catalog_edits_in_seven_categories_are_shoppable_read_well_and_trend_honestly() {
    let Some(env) = catalogs_and_trends() else {
        return;
    };
    let mut shapes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut myntra_blurbs = 0;
    let mut vendor_left_out = BTreeMap::new();
    for case in CASES {
        let run = create(&env, case);
        let e = run.json();
        assert_shoppable(&env, case, &e);
        assert_copy(&env, case, &e);
        assert_trend(&env, case, &run);
        vendor_left_out.insert(case.slug, datafiniti_left_out(case, &run));
        if case.currency == "INR" {
            assert_eq!(e["market"], "UK");
            for p in e["picks"].as_array().unwrap() {
                let shape = blurb::shape_of(p["blurb"].as_str().unwrap()).unwrap();
                *shapes.entry(shape).or_default() += 1;
                myntra_blurbs += 1;
            }
        }
    }
    eprintln!("opening shapes over {myntra_blurbs} Myntra blurbs: {shapes:?}");
    let mut checked = 0;
    for hero in MORE_HEROES {
        let slug = format!("more-{hero}");
        let e = env
            .run(&[
                "edit",
                "create",
                &slug,
                "--title",
                "T",
                "--hero",
                hero,
                "--currency",
                "INR",
                "-o",
                "json",
            ])
            .expect_code(0)
            .json();
        let hero_name = show(&env, hero)["brand"].as_str().unwrap().to_string();
        for p in e["picks"].as_array().unwrap() {
            let text = p["blurb"].as_str().unwrap();
            let problems = blurb::problems(text, &hero_name);
            assert!(problems.is_empty(), "{slug}: {text:?}: {problems:?}");
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} blurbs");
    assert_markets(&env);
    let most = shapes.values().max().copied().unwrap_or(0);
    assert!(
        most * 10 <= myntra_blurbs * 3,
        "one shape opens over 30% of the blurbs: {shapes:?}"
    );
    // The shoe heroes' closest look-alikes include Datafiniti's records.
    assert!(vendor_left_out["balletcore"] > 0, "{vendor_left_out:?}");
    assert!(vendor_left_out["sneakers"] > 0, "{vendor_left_out:?}");
    let balletcore = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    assert!(
        balletcore["picks"][0]["blurb"]
            .as_str()
            .unwrap()
            .starts_with("The closest pair to the Miu Miu"),
        "{balletcore:#}"
    );
}

/// A USD edit is American by default and an INR one British unless told; the market stays
/// through a refresh with swaps.
fn assert_markets(env: &Env) {
    let create = |slug: &str, extra: &[&str]| {
        let mut args = vec!["edit", "create", slug, "--title", "T", "--hero", "10071413"];
        args.extend_from_slice(extra);
        args.extend(["-o", "json"]);
        env.run(&args).expect_code(0).json()
    };
    // A USD edit is American by default; an INR one British unless told.
    let us = create("watch-us", &["--currency", "USD"]);
    let uk = create("watch-uk", &["--currency", "INR"]);
    let told = create("watch-told", &["--currency", "INR", "--market", "us"]);
    assert_eq!(
        (&us["market"], &uk["market"], &told["market"]),
        (&"US".into(), &"UK".into(), &"US".into())
    );
    let blurbs = |e: &Value| -> String {
        e["picks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["blurb"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(blurbs(&us).contains(" color") && !blurbs(&us).contains("colour"));
    assert!(blurbs(&uk).contains(" colour") && !blurbs(&uk).contains("color"));
    assert!(blurbs(&told).contains(" color"));
    // The Myntra prices are converted from rupees, so the saving is "about" one.
    assert!(blurbs(&us).contains("about $"), "{}", blurbs(&us));
    env.run(&["edit", "refresh", "watch-us", "--swap"])
        .expect_code(0);
    let shown = env
        .run(&["edit", "show", "watch-us", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(shown["market"], "US");
    let bad = env.run(&[
        "edit", "create", "x", "--title", "T", "--hero", "10071413", "--market", "FR",
    ]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("unknown market \"FR\""),
        "{}",
        bad.stderr
    );
}
