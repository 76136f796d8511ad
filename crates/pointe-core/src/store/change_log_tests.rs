//! The change log, run against both stores: what each write logs, what a rollback leaves, and
//! how trimming bounds what the log can answer.

use jiff::Timestamp;

use super::{Changes, MemoryStore, OfferData, OfferSeen, PgStore, ProductData, SqliteStore, Store};
use crate::domain::Availability;
use crate::money::{Currency, Money};

fn stores() -> Vec<(&'static str, Box<dyn Store>)> {
    let mut stores: Vec<(&'static str, Box<dyn Store>)> = vec![
        ("sqlite", Box::new(SqliteStore::open_in_memory().unwrap())),
        ("memory", Box::new(MemoryStore::new())),
    ];
    if let Some(url) = pointe_testdata::database_url() {
        stores.push(("postgres", Box::new(PgStore::scratch(&url).unwrap())));
    }
    stores
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn product(title: &str) -> ProductData {
    ProductData {
        title: title.into(),
        title_key: title.to_lowercase(),
        ..ProductData::default()
    }
}

fn offer(product_key: i64, source_key: i64, item: &str, minor: i64) -> OfferData {
    OfferData {
        product_key,
        source_key,
        item_id: item.into(),
        retailer: "Arket".into(),
        url: None,
        price: Money::new(minor, Currency::from_code("GBP").unwrap()),
        sale_price: None,
        availability: Availability::InStock,
        sizes: Vec::new(),
    }
}

/// Two products with one offer each, in one commit; returns (product keys, offer keys,
/// source key).
fn seed(store: &mut dyn Store) -> ([i64; 2], [i64; 2], i64) {
    let mut tx = store.begin().unwrap();
    let source = tx.source_key("arket").unwrap();
    let ingest = tx.start_ingest(source, at("2026-01-05T09:00:00Z")).unwrap();
    let a = tx
        .insert_product("pt-a", &product("Bow Flats"))
        .unwrap()
        .unwrap();
    let b = tx
        .insert_product("pt-b", &product("Mary Janes"))
        .unwrap()
        .unwrap();
    let seen = at("2026-01-05T09:00:00Z");
    let oa = tx
        .insert_offer(
            &offer(a, source, "A1", 13500),
            OfferSeen {
                at: seen,
                ingest_id: ingest,
            },
            None,
        )
        .unwrap();
    let ob = tx
        .insert_offer(
            &offer(b, source, "B1", 9900),
            OfferSeen {
                at: seen,
                ingest_id: ingest,
            },
            None,
        )
        .unwrap();
    tx.commit().unwrap();
    ([a, b], [oa, ob], source)
}

fn products(keys: &[i64]) -> Changes {
    Changes::Products(keys.to_vec())
}

#[test]
fn each_commit_logs_the_products_it_changed_under_the_generation_it_reaches() {
    for (name, mut store) in stores() {
        assert_eq!(store.changes_since(0).unwrap(), products(&[]), "{name}");
        let ([a, b], [oa, _], source) = seed(store.as_mut());
        assert_eq!(store.generation().unwrap(), 1, "{name}");
        assert_eq!(store.changes_since(0).unwrap(), products(&[a, b]), "{name}");
        assert_eq!(store.changes_since(1).unwrap(), products(&[]), "{name}");

        let mut tx = store.begin().unwrap();
        let ingest = tx.start_ingest(source, at("2026-01-05T15:00:00Z")).unwrap();
        tx.update_offer(
            oa,
            &offer(a, source, "A1", 12000),
            OfferSeen {
                at: at("2026-01-05T15:00:00Z"),
                ingest_id: ingest,
            },
            None,
        )
        .unwrap();
        tx.commit().unwrap();
        assert_eq!(
            store.changes_since(1).unwrap(),
            products(&[a]),
            "{name}: a new price"
        );
        assert_eq!(store.changes_since(0).unwrap(), products(&[a, b]), "{name}");
    }
}

#[test]
fn an_offer_seen_again_the_same_day_changes_nothing_and_the_next_day_changes_its_product() {
    for (name, mut store) in stores() {
        let ([a, b], [oa, ob], source) = seed(store.as_mut());
        let mut tx = store.begin().unwrap();
        let ingest = tx.start_ingest(source, at("2026-01-05T21:00:00Z")).unwrap();
        tx.touch_offer(
            oa,
            OfferSeen {
                at: at("2026-01-05T21:00:00Z"),
                ingest_id: ingest,
            },
            None,
        )
        .unwrap();
        tx.touch_offer(
            ob,
            OfferSeen {
                at: at("2026-01-05T21:00:00Z"),
                ingest_id: ingest,
            },
            None,
        )
        .unwrap();
        tx.commit().unwrap();
        assert_eq!(
            store.changes_since(1).unwrap(),
            products(&[]),
            "{name}: same day"
        );

        let mut tx = store.begin().unwrap();
        let ingest = tx.start_ingest(source, at("2026-01-06T09:00:00Z")).unwrap();
        tx.touch_offer(
            ob,
            OfferSeen {
                at: at("2026-01-06T09:00:00Z"),
                ingest_id: ingest,
            },
            None,
        )
        .unwrap();
        // The feed no longer lists A: its offer is no longer current.
        assert_eq!(tx.mark_unseen(source, ingest).unwrap(), 1, "{name}");
        tx.commit().unwrap();
        assert_eq!(
            store.changes_since(2).unwrap(),
            products(&[a, b]),
            "{name}: next day"
        );
    }
}

#[test]
fn an_offer_moved_to_another_product_changes_both() {
    for (name, mut store) in stores() {
        let ([a, b], [oa, _], source) = seed(store.as_mut());
        let mut tx = store.begin().unwrap();
        let ingest = tx.start_ingest(source, at("2026-01-05T10:00:00Z")).unwrap();
        tx.update_offer(
            oa,
            &offer(b, source, "A1", 13500),
            OfferSeen {
                at: at("2026-01-05T10:00:00Z"),
                ingest_id: ingest,
            },
            None,
        )
        .unwrap();
        tx.commit().unwrap();
        assert_eq!(store.changes_since(1).unwrap(), products(&[a, b]), "{name}");
    }
}

#[test]
fn a_rolled_back_transaction_logs_nothing() {
    for (name, mut store) in stores() {
        let ([a, _], _, _) = seed(store.as_mut());
        {
            let mut tx = store.begin().unwrap();
            tx.update_product(a, &product("Satin Bow Flats")).unwrap();
        }
        assert_eq!(store.generation().unwrap(), 1, "{name}");
        assert_eq!(store.changes_since(1).unwrap(), products(&[]), "{name}");
    }
}

#[test]
fn a_trimmed_log_answers_only_for_the_generations_after_the_trim() {
    for (name, mut store) in stores() {
        let ([a, b], _, _) = seed(store.as_mut());
        let mut tx = store.begin().unwrap();
        tx.update_product(b, &product("Patent Mary Janes")).unwrap();
        tx.commit().unwrap();
        store.trim_changes(1).unwrap();
        assert_eq!(
            store.changes_since(0).unwrap(),
            Changes::All,
            "{name}: trimmed"
        );
        assert_eq!(store.changes_since(1).unwrap(), products(&[b]), "{name}");
        // A generation not reached yet is never trimmed.
        store.trim_changes(99).unwrap();
        assert_eq!(store.changes_since(2).unwrap(), products(&[]), "{name}");
        let mut tx = store.begin().unwrap();
        tx.update_product(a, &product("Satin Bow Flats")).unwrap();
        tx.commit().unwrap();
        assert_eq!(store.changes_since(2).unwrap(), products(&[a]), "{name}");
    }
}

#[test]
fn products_are_read_by_key_and_paged_by_key() {
    for (name, mut store) in stores() {
        let ([a, b], _, _) = seed(store.as_mut());
        let got = store.products_by_keys(&[b, 404, a, b]).unwrap();
        let ids: Vec<&str> = got.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["pt-a", "pt-b"], "{name}");
        let page = store.products_after(a, 10).unwrap();
        assert_eq!(page.len(), 1, "{name}");
        assert_eq!(page[0].key, b, "{name}");
        assert!(store.products_after(b, 10).unwrap().is_empty(), "{name}");
    }
}

#[test]
fn a_transaction_logging_every_product_logs_one_marker_and_the_next_logs_products_again() {
    for (name, mut store) in stores() {
        let mut tx = store.begin().unwrap();
        tx.log_every_product().unwrap();
        let a = tx
            .insert_product("pt-a", &product("Bow Flats"))
            .unwrap()
            .unwrap();
        tx.commit().unwrap();
        assert_eq!(store.changes_since(0).unwrap(), Changes::All, "{name}");
        let mut tx = store.begin().unwrap();
        tx.update_product(a, &product("Satin Bow Flats")).unwrap();
        tx.commit().unwrap();
        assert_eq!(store.changes_since(1).unwrap(), products(&[a]), "{name}");
    }
}

#[test]
fn a_rolled_back_transaction_that_logged_every_product_leaves_the_log_as_it_was() {
    for (name, mut store) in stores() {
        let ([a, _], _, _) = seed(store.as_mut());
        {
            let mut tx = store.begin().unwrap();
            tx.log_every_product().unwrap();
            tx.update_product(a, &product("Satin Bow Flats")).unwrap();
        }
        assert_eq!(store.changes_since(1).unwrap(), products(&[]), "{name}");
        let mut tx = store.begin().unwrap();
        tx.update_product(a, &product("Satin Bow Flats")).unwrap();
        tx.commit().unwrap();
        assert_eq!(store.changes_since(1).unwrap(), products(&[a]), "{name}");
    }
}
