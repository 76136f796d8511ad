//! The search index holds whatever the store holds: a stored row of any size is indexed cut
//! to its bounds, and search, look-alikes and edits keep working around it.

use serde_json::Value;

use crate::Env;

/// A Google Merchant Center TSV of two satin ballet flats, the first titled with one word of
/// `word_len` characters.
fn long_word_feed(env: &Env, word_len: usize) -> String {
    let word = "a".repeat(word_len);
    env.write(
        "long.tsv",
        &format!(
            "id\ttitle\tdescription\tlink\tavailability\tprice\tbrand\tcolor\n\
             long-1\tSatin ballet flats {word}\tSatin flats with a bow.\thttps://shop.example/p/1\tin_stock\t40.00 GBP\tBrand A\tPink\n\
             plain-2\tSatin ballet flats\tSatin flats with a bow.\thttps://shop.example/p/2\tin_stock\t60.00 GBP\tBrand B\tPink\n"
        ),
    )
}

/// Search, look-alikes and `edit create` all answer, and the store checks out.
fn assert_index_serves(env: &Env, hero: &str) {
    let found = env
        .run(&["search", "satin", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(found["total"], 2, "{found:#}");
    let alike = env
        .run(&["lookalikes", hero, "-o", "json", "--cheaper", "false"])
        .expect_code(0)
        .json();
    assert_eq!(alike["items"].as_array().unwrap().len(), 1, "{alike:#}");
    env.run(&[
        "edit",
        "create",
        "flats",
        "--title",
        "Flats",
        "--hero",
        hero,
        "--replace",
    ])
    .expect_code(0);
    assert_eq!(env.run(&["check"]).expect_code(0).stdout.trim(), "ok");
}

#[test]
fn a_title_with_a_70000_character_word_does_not_damage_the_index() {
    let env = Env::new();
    let feed = long_word_feed(&env, 70_000);
    let ingest = env.run(&["ingest", &feed]).expect_code(0);
    assert!(!ingest.stderr.contains("warning"), "{}", ingest.stderr);
    assert_index_serves(&env, "plain-2");
    assert_index_serves(&env, "long-1");
}

/// Rewrites a stored product's texts and attributes through SQL, as a store written by a
/// Pointe without feed bounds could hold them, and marks the store changed.
fn store_hostile_row(env: &Env, item_id: &str) {
    let db = rusqlite::Connection::open(env.data_dir().join("pointe.db")).unwrap();
    let key: i64 = db
        .query_row(
            "SELECT product_key FROM offers WHERE item_id = ?1",
            [item_id],
            |r| r.get(0),
        )
        .unwrap();
    let attributes: String = db
        .query_row(
            "SELECT attributes FROM products WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .unwrap();
    // The store's compact form: [category, colour family, heel, taxonomy version, values],
    // each value [id, label, parents, [[field, words]]].
    let mut attributes: Value = serde_json::from_str(&attributes).unwrap();
    let details: Vec<Value> = (0..1_000)
        .map(|i| {
            serde_json::json!([
                format!("detail_{i}_{}", "\u{1}".repeat(300)),
                "é".repeat(300),
                [],
                [["t", "ö".repeat(2_000)]],
            ])
        })
        .collect();
    attributes[4]["detail"] = Value::Array(details);
    let word = "ü".repeat(70_000);
    db.execute(
        "UPDATE products SET title = ?2, description = ?3, brand = ?4, attributes = ?5 \
         WHERE key = ?1",
        rusqlite::params![
            key,
            format!("Satin ballet flats {word} {word}"),
            format!("Satin flats with a bow. {}", "bow ".repeat(250_000)),
            "B".repeat(100_000),
            attributes.to_string()
        ],
    )
    .unwrap();
    db.execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'generation'",
        [],
    )
    .unwrap();
}

#[test]
fn a_stored_row_beyond_every_bound_is_indexed_cut_to_its_bounds() {
    let env = Env::new();
    env.run(&["ingest", &long_word_feed(&env, 10)])
        .expect_code(0);
    store_hostile_row(&env, "long-1");
    assert_index_serves(&env, "plain-2");
    assert_index_serves(&env, "long-1");
    let found = env
        .run(&["search", "satin", "-o", "json"])
        .expect_code(0)
        .json();
    let titles: Vec<usize> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().len())
        .collect();
    assert!(
        titles
            .iter()
            .all(|&n| n <= pointe_search::bounds::MAX_TITLE_BYTES),
        "{titles:?}"
    );
}
