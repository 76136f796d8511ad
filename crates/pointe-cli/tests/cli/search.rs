//! `pointe search`: query understanding (price phrases, gender words, whole brands, category
//! words by market) on a small feed of its own, in GBP and INR.

use crate::Env;

/// A feed whose products tell the understood filters apart: a white Under Armour hoodie
/// ("under" must not find it), sneakers for women, men and everyone, kurtas in rupees either
/// side of ₹1,000, a US court pump and British ballet pumps.
const FEED: &str = "\
aw_product_id,merchant_name,brand_name,product_name,description,search_price,currency,in_stock,colour,merchant_category
ua-1,Sportsland,Under Armour,Under Armour White Rival Fleece Hoodie,A soft fleece hoodie.,40.00,GBP,1,White,Clothing > Hoodies
sn-w,Shoe Hall,Veja,Women's White Leather Sneakers,Low-top sneakers.,45.00,GBP,1,White,Shoes > Trainers
sn-m,Shoe Hall,Veja,Men's White Leather Sneakers,Low-top sneakers.,45.00,GBP,1,White,Shoes > Trainers
sn-u,Shoe Hall,Novesta,Unisex White Canvas Sneakers,Canvas plimsolls.,30.00,GBP,1,White,Shoes > Trainers
sn-x,Shoe Hall,Veja,White Leather Sneakers Deluxe,Low-top sneakers.,95.00,GBP,1,White,Shoes > Trainers
ku-1,Desi Mart,Libas,Women Blue Printed Straight Kurta,Cotton kurta.,999.00,INR,1,Blue,Ethnic > Kurtas
ku-2,Desi Mart,Libas,Women Green Printed Straight Kurta,Cotton kurta.,1000.00,INR,1,Green,Ethnic > Kurtas
pu-us,Shoe Hall,Steve Madden,Black Suede Pumps with 9cm Heel,Pointed pumps.,45.00,USD,1,Black,Shoes > Heels
pu-uk,Shoe Hall,M&S,Leather Bow Ballet Pumps,Flat ballet pumps.,35.00,GBP,1,Pink,Shoes > Flats
";

fn loaded() -> Env {
    let env = Env::new();
    let feed = env.write("understood.awin.csv", FEED);
    env.run(&["ingest", &feed]).expect_code(0);
    env
}

/// The item ids of a JSON search result, in order.
fn ids(json: &serde_json::Value) -> Vec<String> {
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_ids"][0]["item_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn under_a_price_is_a_price_filter_and_never_the_brand_under_armour() {
    let env = loaded();
    let json = env
        .run(&["search", "white", "sneakers", "under", "£50", "-o", "json"])
        .expect_code(0)
        .json();
    let u = &json["understood"];
    assert_eq!(u["text"], "white sneakers");
    assert_eq!(u["max_price"], "50.00");
    assert_eq!(u["min_price"], serde_json::Value::Null);
    assert_eq!(u["currency"], "GBP");
    assert_eq!(u["brand"], serde_json::Value::Null);
    assert_eq!(u["category"], "trainers");
    let found = ids(&json);
    assert!(!found.contains(&"ua-1".to_string()), "{found:?}");
    assert!(
        !found.contains(&"sn-x".to_string()),
        "over the price: {found:?}"
    );
    assert_eq!(json["total"], 3, "{found:?}");
    // The brand named whole is the brand.
    let json = env
        .run(&["search", "under armour", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["understood"]["brand"], "under armour");
    assert_eq!(ids(&json), ["ua-1"]);
}

#[test]
fn a_price_in_rupees_is_compared_in_rupees() {
    let env = loaded();
    let json = env
        .run(&["search", "kurta less than 1000 rupees", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["understood"]["currency"], "INR");
    assert_eq!(ids(&json), ["ku-1"]);
    let json = env
        .run(&["search", "kurta ₹1,000", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(ids(&json).len(), 2, "a budget includes its amount");
    // A GBP limit takes rupee prices through the exchange rate (₹999 is about £9).
    let json = env
        .run(&["search", "kurta £5-£10", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(ids(&json), ["ku-1", "ku-2"]);
}

#[test]
fn gender_words_and_the_gender_flag_keep_unisex_and_leave_out_the_other() {
    let env = loaded();
    let json = env
        .run(&["search", "women's sneakers", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["understood"]["gender"], "women");
    let found = ids(&json);
    assert!(found.contains(&"sn-w".to_string()) && found.contains(&"sn-u".to_string()));
    assert!(!found.contains(&"sn-m".to_string()), "{found:?}");
    let json = env
        .run(&["search", "sneakers", "--gender", "men", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["understood"]["gender"], "men");
    let found = ids(&json);
    assert!(found.contains(&"sn-m".to_string()) && !found.contains(&"sn-w".to_string()));
    let bad = env.run(&["search", "sneakers", "--gender", "aliens"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("women, men, unisex"), "{}", bad.stderr);
}

#[test]
fn pumps_are_read_by_market_and_both_ways_without_one() {
    let env = loaded();
    let search = |market: Option<&str>| {
        let mut args = vec!["search", "pumps", "-o", "json"];
        if let Some(m) = market {
            args.extend(["--market", m]);
        }
        env.run(&args).expect_code(0).json()
    };
    assert_eq!(ids(&search(Some("us"))), ["pu-us"]);
    assert_eq!(ids(&search(Some("uk"))), ["pu-uk"]);
    let both = search(None);
    assert_eq!(ids(&both).len(), 2);
    assert_eq!(both["understood"]["category"], "flats|court_shoes");
    assert!(
        both["understood"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("--market")
    );
}

#[test]
fn a_typo_is_read_as_the_category_its_correction_names() {
    let env = loaded();
    let json = env
        .run(&["search", "sneekers", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["understood"]["category"], "trainers");
    assert_eq!(json["understood"]["text"], "sneekers");
    assert_eq!(json["total"], 4);
}

#[test]
fn the_text_output_says_what_was_understood_in_one_line() {
    let env = loaded();
    let run = env
        .run(&["search", "women's", "sneakers", "£20–£50"])
        .expect_code(0);
    let first = run.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "understood: words \"sneakers\" · category trainers · gender women · price GBP 20.00 to \
         50.00"
    );
    assert!(
        run.stdout.contains("Women's White Leather Sneakers"),
        "{}",
        run.stdout
    );
}

#[test]
fn hostile_price_phrases_are_noted_not_searched() {
    let env = loaded();
    for (query, note) in [
        ("white sneakers under £", "no amount"),
        ("white sneakers £20-$50", "two currencies"),
        (
            "white sneakers under £99999999999999999999999",
            "over a billion",
        ),
    ] {
        let json = env
            .run(&["search", query, "-o", "json"])
            .expect_code(0)
            .json();
        let u = &json["understood"];
        assert_eq!(u["text"], "white sneakers", "{query}");
        assert_eq!(u["max_price"], serde_json::Value::Null, "{query}");
        assert!(
            u["notes"][0].as_str().unwrap().contains(note),
            "{query}: {u}"
        );
        assert_eq!(json["total"], 4, "{query}");
    }
    // --literal searches the words as typed.
    let json = env
        .run(&["search", "--literal", "under armour", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["understood"]["brand"], serde_json::Value::Null);
}
