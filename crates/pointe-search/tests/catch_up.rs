//! The index follows the store from its change log: after a feed changes prices, stock,
//! descriptions and listings, the caught-up index answers every search and look-alike as a
//! full rebuild of the same store does; a search running while feeds are ingested always
//! reads one generation whole; the log is trimmed once the index has passed it.

use std::collections::BTreeSet;
use std::path::Path;

use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::feed::FeedOptions;
use pointe_core::fx::RateTable;
use pointe_core::ingest::{IngestOptions, ingest_file};
use pointe_core::store::{Catalog, Changes, SqliteStore};
use pointe_core::tiers::Tiers;
use pointe_search::index::{Freshness, Refresh};
use pointe_search::lookalike::{Hero, LookalikeQuery};
use pointe_search::search::SearchQuery;
use pointe_search::{IndexContext, LookalikeConfig, SearchIndex};

fn context() -> IndexContext {
    IndexContext {
        taxonomy: Taxonomy::bundled(),
        rates: RateTable::bundled(),
        tiers: Tiers::bundled(),
        today: "2026-01-06".parse().unwrap(),
        config: LookalikeConfig::bundled(),
    }
}

const HEADER: &str = "aw_product_id,merchant_product_id,merchant_name,brand_name,product_name,\
description,search_price,currency,in_stock,colour,merchant_category,merchant_deep_link";

/// One row of an Awin-shaped feed: id, brand, title, description, price, in stock.
fn row(id: &str, brand: &str, title: &str, description: &str, price: &str, stock: u8) -> String {
    format!(
        "{id},M-{id},Nordvik,{brand},{title},\"{description}\",{price},GBP,{stock},,\
         Women > Clothing,https://shop.example/{id}"
    )
}

/// Ingests `rows` as the feed of the source `shop`, seen at `seen_at`.
fn ingest(store: &mut SqliteStore, dir: &Path, rows: &[String], seen_at: &str) {
    let path = dir.join("shop.awin.csv");
    std::fs::write(&path, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let options = IngestOptions {
        feed: FeedOptions::default(),
        source: Some("shop".into()),
        retailer: None,
        seen_at: pointe_core::clock::parse_time(seen_at).unwrap(),
        market: None,
        prices: Default::default(),
    };
    let report = ingest_file(
        store,
        &BrandBook::load(None).unwrap(),
        &Extractor::new(&Taxonomy::bundled()),
        &path,
        &options,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.rejected, 0, "{:?}", report.rejections);
}

const JACKET: &str = "Women Blue Solid Denim Jacket";
const JACKET_TEXT: &str = "Blue denim jacket with a spread collar and two pockets";
const FLATS: &str = "Women Pink Satin Ballet Flats";
const FLATS_TEXT: &str = "Pink satin ballet flats with a bow";

fn first_feed() -> Vec<String> {
    vec![
        // ls-1 and ls-2 are one product listed twice.
        row("ls-1", "Nordvik", JACKET, JACKET_TEXT, "60.00", 1),
        row("ls-2", "Nordvik", JACKET, JACKET_TEXT, "60.00", 1),
        row("ls-3", "Aurelia", FLATS, FLATS_TEXT, "35.00", 1),
        row(
            "ls-4",
            "Aurelia",
            "Women Black Leather Loafers",
            "Black leather loafers",
            "80.00",
            1,
        ),
        row(
            "ls-5",
            "Kestrel",
            "Women White Cotton T-Shirt",
            "A white cotton tee",
            "12.00",
            1,
        ),
    ]
}

fn second_feed() -> Vec<String> {
    vec![
        // ls-1 changes price: ls-2 is then the first (and only) listing of its product.
        row("ls-1", "Nordvik", JACKET, JACKET_TEXT, "55.00", 1),
        row("ls-2", "Nordvik", JACKET, JACKET_TEXT, "60.00", 1),
        // ls-3 is cheaper and sold out; ls-7 is a second listing of it.
        row("ls-3", "Aurelia", FLATS, FLATS_TEXT, "30.00", 0),
        row("ls-7", "Aurelia", FLATS, FLATS_TEXT, "30.00", 0),
        // ls-4 is gone from the feed; ls-5's description grows; ls-6 is new.
        row(
            "ls-5",
            "Kestrel",
            "Women White Cotton T-Shirt",
            "A white organic cotton tee with a crew neck",
            "12.00",
            1,
        ),
        row(
            "ls-6",
            "Aurelia",
            "Women Pink Satin Mary Janes",
            "Pink satin Mary Janes",
            "40.00",
            1,
        ),
    ]
}

/// Every answer of a set of searches and look-alikes, as comparable text, in a stable order.
fn answers(index: &SearchIndex, store: &SqliteStore, hero: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in [
        "denim jacket",
        "ballet flats",
        "loafers",
        "t-shirt",
        "mary janes",
        "pink",
    ] {
        let r = index
            .search(&SearchQuery {
                text: text.into(),
                limit: 20,
                facets: true,
                ..SearchQuery::default()
            })
            .unwrap();
        out.insert(format!("{text}: total {}", r.total));
        for h in &r.items {
            let mut ids: Vec<&str> = h.item_ids.iter().map(|i| i.item_id.as_str()).collect();
            ids.sort();
            out.insert(format!(
                "{text}: {} {ids:?} {:?} {:?} in stock {}",
                h.title, h.price, h.tier, h.in_stock
            ));
        }
        for f in &r.facets {
            out.insert(format!("{text}: facet {f:?}"));
        }
    }
    let ctx = context();
    let hero = store.products_by_item_id(hero).unwrap().remove(0).0;
    let offers = store.offers_of(hero.key).unwrap();
    let hero = Hero::from_product(&hero, &offers, &ctx).unwrap();
    let r = index
        .lookalikes(
            &hero,
            &LookalikeQuery {
                cheaper: false,
                limit: 10,
                ..LookalikeQuery::default()
            },
        )
        .unwrap();
    for l in &r.items {
        let mut ids: Vec<&str> = l.item_ids.iter().map(|i| i.item_id.as_str()).collect();
        ids.sort();
        out.insert(format!("look-alike: {} {ids:?} {:?}", l.title, l.price));
    }
    out
}

#[test]
fn a_caught_up_index_answers_as_a_rebuild_of_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open_dir(&dir.path().join("data")).unwrap();
    let root = dir.path().join("index");
    ingest(
        &mut store,
        dir.path(),
        &first_feed(),
        "2026-01-05T09:00:00Z",
    );
    let (_, found) = SearchIndex::open_or_build(&root, &store, context()).unwrap();
    assert_eq!(found, Freshness::Missing);
    let before = SearchIndex::open(&root, context()).unwrap();
    let old_answers = answers(&before, &store, "ls-3");

    ingest(
        &mut store,
        dir.path(),
        &second_feed(),
        "2026-01-06T09:00:00Z",
    );
    let (caught, found) = SearchIndex::open_or_build(&root, &store, context()).unwrap();
    // Every product changed (a new day dates every price again) and two listings joined.
    assert_eq!(found, Freshness::CaughtUp(7));
    assert_eq!(caught.meta().generation, store.generation().unwrap());
    assert_eq!(caught.meta().products, 7);

    let rebuilt_dir = tempfile::tempdir().unwrap();
    let rebuilt = SearchIndex::build(rebuilt_dir.path(), &store, context()).unwrap();
    let new_answers = answers(&caught, &store, "ls-3");
    assert_eq!(new_answers, answers(&rebuilt, &store, "ls-3"));
    assert_ne!(
        new_answers, old_answers,
        "the second feed changed what searches find"
    );
    assert!(
        new_answers
            .iter()
            .any(|a| a.contains("[\"ls-3\", \"ls-7\"]")),
        "ls-7 is shown as a second listing of ls-3: {new_answers:#?}"
    );
    // The index that was open keeps answering from the commit it opened.
    assert_eq!(answers(&before, &store, "ls-3"), old_answers);
    // The log up to the index's generation is gone.
    assert_eq!(store.changes_since(0).unwrap(), Changes::All);
    assert_eq!(
        store.changes_since(caught.meta().generation).unwrap(),
        Changes::Products(Vec::new())
    );
}

/// A store holding the first feed, seen on 5 January, and its index.
fn indexed_first_feed() -> (tempfile::TempDir, SqliteStore, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open_dir(&dir.path().join("data")).unwrap();
    let root = dir.path().join("index");
    ingest(
        &mut store,
        dir.path(),
        &first_feed(),
        "2026-01-05T09:00:00Z",
    );
    SearchIndex::open_or_build(&root, &store, context()).unwrap();
    (dir, store, root)
}

#[test]
fn a_feed_seen_again_the_same_day_moves_the_index_without_indexing_anything() {
    let (dir, mut store, root) = indexed_first_feed();
    ingest(
        &mut store,
        dir.path(),
        &first_feed(),
        "2026-01-05T15:00:00Z",
    );
    assert_eq!(
        SearchIndex::refresh(&root, &store, context()).unwrap(),
        Refresh::CaughtUp(0)
    );
    let index = SearchIndex::open(&root, context()).unwrap();
    assert_eq!(index.meta().generation, store.generation().unwrap());
    assert_eq!(index.meta().products, 5);
}

#[test]
fn an_index_the_trimmed_log_no_longer_reaches_is_rebuilt() {
    let (dir, mut store, root) = indexed_first_feed();
    ingest(
        &mut store,
        dir.path(),
        &second_feed(),
        "2026-01-06T09:00:00Z",
    );
    // Another index of this store passed the change (a copy read by another node).
    store.trim_changes(store.generation().unwrap()).unwrap();
    let (index, found) = SearchIndex::open_or_build(&root, &store, context()).unwrap();
    let Freshness::Stale(why) = found else {
        panic!("rebuilt, not {found:?}");
    };
    assert!(why.contains("no longer reaches back"), "{why}");
    assert_eq!(index.meta().products, 7);
}

#[test]
fn a_listing_that_joins_or_leaves_a_product_reindexes_the_listings_it_displaces() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open_dir(&dir.path().join("data")).unwrap();
    let root = dir.path().join("index");
    let jacket = |id: &str, price: &str| row(id, "Nordvik", JACKET, JACKET_TEXT, price, 1);
    // ls-2 and ls-8 are one product; ls-1 is another, cheaper.
    let feed = |first: &str| {
        vec![
            jacket("ls-1", first),
            jacket("ls-2", "60.00"),
            jacket("ls-8", "60.00"),
        ]
    };
    ingest(
        &mut store,
        dir.path(),
        &feed("55.00"),
        "2026-01-05T09:00:00Z",
    );
    SearchIndex::open_or_build(&root, &store, context()).unwrap();
    let jackets = |index: &SearchIndex| -> Vec<Vec<String>> {
        let r = index
            .search(&SearchQuery {
                text: "denim jacket".into(),
                limit: 10,
                ..SearchQuery::default()
            })
            .unwrap();
        let mut out: Vec<Vec<String>> = r
            .items
            .iter()
            .map(|h| {
                let mut ids: Vec<String> = h.item_ids.iter().map(|i| i.item_id.clone()).collect();
                ids.sort();
                ids
            })
            .collect();
        out.sort();
        out
    };
    // The same day, ls-1 takes ls-2's price: it joins that product as its first listing, and
    // ls-2, unchanged in the store, becomes a later one.
    ingest(
        &mut store,
        dir.path(),
        &feed("60.00"),
        "2026-01-05T15:00:00Z",
    );
    let (joined, found) = SearchIndex::open_or_build(&root, &store, context()).unwrap();
    assert_eq!(
        found,
        Freshness::CaughtUp(2),
        "ls-1 changed, ls-2 displaced"
    );
    assert_eq!(jackets(&joined), [["ls-1", "ls-2", "ls-8"]]);
    drop(joined);
    // And back: ls-1 leaves, ls-2 heads the product again.
    ingest(
        &mut store,
        dir.path(),
        &feed("55.00"),
        "2026-01-05T18:00:00Z",
    );
    let (left, found) = SearchIndex::open_or_build(&root, &store, context()).unwrap();
    assert_eq!(found, Freshness::CaughtUp(2));
    assert_eq!(jackets(&left), [vec!["ls-1"], vec!["ls-2", "ls-8"]]);
    let rebuilt_dir = tempfile::tempdir().unwrap();
    let rebuilt = SearchIndex::build(rebuilt_dir.path(), &store, context()).unwrap();
    assert_eq!(
        answers(&left, &store, "ls-1"),
        answers(&rebuilt, &store, "ls-1")
    );
}

/// Version `k` of a feed of `n` jackets: every price is 100 + k pounds, and they are in stock
/// when `k` is even.
fn versioned_feed(n: usize, k: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            row(
                &format!("j-{i}"),
                "Nordvik",
                &format!("Women Denim Jacket Style {i}"),
                "Denim jacket",
                &format!("{}.00", 100 + k),
                u8::from(k.is_multiple_of(2)),
            )
        })
        .collect()
}

#[test]
fn a_search_during_ingests_reads_one_generation_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open_dir(&dir.path().join("data")).unwrap();
    let root = dir.path().join("index");
    let n = 40;
    ingest(
        &mut store,
        dir.path(),
        &versioned_feed(n, 0),
        "2026-01-05T09:00:00Z",
    );
    SearchIndex::open_or_build(&root, &store, context()).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        let searcher = scope.spawn(|| {
            let mut versions = BTreeSet::new();
            // Until it reads the last feed, once the ingests are done.
            let deadline = std::time::Duration::from_secs(60);
            let started = std::time::Instant::now();
            while !(done.load(std::sync::atomic::Ordering::Relaxed) && versions.contains(&6))
                && started.elapsed() < deadline
            {
                let index = SearchIndex::open(&root, context()).unwrap();
                let r = index
                    .search(&SearchQuery {
                        text: "denim jacket".into(),
                        limit: n,
                        ..SearchQuery::default()
                    })
                    .unwrap();
                assert_eq!(r.total as usize, n);
                let version = |h: &pointe_search::search::SearchHit| {
                    let pounds = h.price.as_ref().unwrap().amount.split('.').next().unwrap();
                    let k: usize = pounds.parse::<usize>().unwrap() - 100;
                    assert_eq!(
                        h.in_stock,
                        k.is_multiple_of(2),
                        "{} read half-updated",
                        h.title
                    );
                    k
                };
                let k = version(&r.items[0]);
                for h in &r.items {
                    assert_eq!(version(h), k, "one answer read two generations");
                }
                versions.insert(k);
            }
            versions
        });
        for k in 1..=6 {
            let seen_at = format!("2026-01-05T1{k}:00:00Z");
            ingest(&mut store, dir.path(), &versioned_feed(n, k), &seen_at);
            let refreshed = SearchIndex::refresh(&root, &store, context()).unwrap();
            assert_eq!(refreshed, Refresh::CaughtUp(n as u64));
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        searcher.join().unwrap()
    });
    assert!(
        seen.contains(&6),
        "the searches saw the last feed: {seen:?}"
    );
    assert!(seen.len() >= 2, "the searches ran across updates: {seen:?}");
}

/// The brand a search for `text` is understood to name.
fn brand_read(index: &SearchIndex, text: &str) -> Option<String> {
    let q = SearchQuery {
        text: text.into(),
        limit: 5,
        ..SearchQuery::default()
    };
    index.search(&q).unwrap().understood.brand
}

#[test]
fn a_reopened_index_takes_its_predecessors_vocabulary_only_when_the_brands_are_the_same() {
    let (dir, mut store, root) = indexed_first_feed();
    let first = SearchIndex::open(&root, context()).unwrap();
    assert_eq!(
        brand_read(&first, "aurelia flats").as_deref(),
        Some("aurelia")
    );
    assert_eq!(brand_read(&first, "zephyrine flats"), None);

    // The same brands: the reopened index reads queries as its predecessor did.
    ingest(
        &mut store,
        dir.path(),
        &first_feed(),
        "2026-01-05T15:00:00Z",
    );
    SearchIndex::refresh(&root, &store, context()).unwrap();
    let same = SearchIndex::open(&root, context()).unwrap();
    same.inherit_vocabulary(&first);
    assert_eq!(
        brand_read(&same, "aurelia flats").as_deref(),
        Some("aurelia")
    );

    // A new brand: the vocabulary offered is not the index's, so it builds its own.
    let mut rows = first_feed();
    rows.push(row("ls-9", "Zephyrine", FLATS, FLATS_TEXT, "25.00", 1));
    ingest(&mut store, dir.path(), &rows, "2026-01-06T09:00:00Z");
    SearchIndex::refresh(&root, &store, context()).unwrap();
    let grown = SearchIndex::open(&root, context()).unwrap();
    grown.inherit_vocabulary(&same);
    assert_eq!(
        brand_read(&grown, "zephyrine flats").as_deref(),
        Some("zephyrine")
    );
}
