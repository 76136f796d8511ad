//! Ingest against both store implementations: same results, and nothing kept from a failed file.

use std::io::Write;
use std::path::{Path, PathBuf};

use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::feed::FeedOptions;
use pointe_core::ingest::{IngestOptions, IngestReport, ingest_file};
use pointe_core::store::{Catalog, MemoryStore, PgStore, ProductFilter, SqliteStore, Store};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples")
}

fn options(seen_at: &str) -> IngestOptions {
    IngestOptions {
        feed: FeedOptions::default(),
        source: None,
        retailer: None,
        seen_at: pointe_core::clock::parse_time(seen_at).unwrap(),
        market: None,
        prices: Default::default(),
    }
}

fn ingest(store: &mut dyn Store, path: &Path, seen_at: &str) -> pointe_core::Result<IngestReport> {
    let brands = BrandBook::load(None).unwrap();
    let extractor = Extractor::new(&Taxonomy::bundled());
    ingest_file(
        store,
        &brands,
        &extractor,
        path,
        &options(seen_at),
        &mut |_| {},
    )
}

/// A PostgreSQL store of its own, when the tests have a server.
fn postgres() -> Option<PgStore> {
    pointe_testdata::database_url().map(|url| PgStore::scratch(&url).unwrap())
}

/// What a store holds, in a form two stores can be compared by.
fn snapshot(store: &dyn Catalog) -> Vec<String> {
    let (products, _) = store.list_products(&ProductFilter::default()).unwrap();
    let mut out = Vec::new();
    for p in products {
        out.push(format!("{} {:?} {}", p.id, p.data.brand, p.data.title));
        for o in store.offers_of(p.key).unwrap() {
            let history = store.price_history(o.id).unwrap();
            out.push(format!(
                "  {} {} {} {} {:?} {} {} points",
                o.source,
                o.retailer,
                o.item_id,
                o.price,
                o.sale_price.map(|s| s.to_string()),
                o.in_latest_ingest,
                history.len()
            ));
        }
    }
    out
}

#[test]
fn every_store_agrees_on_the_sample_catalog() {
    let mut memory = MemoryStore::new();
    let mut sqlite = SqliteStore::open_in_memory().unwrap();
    let mut pg = postgres();
    let mut stores = vec![&mut memory as &mut dyn Store, &mut sqlite as &mut dyn Store];
    if let Some(pg) = pg.as_mut() {
        stores.push(pg);
    }
    for store in stores {
        let first = ingest(store, &samples().join("catalog.awin.csv"), "2026-01-01").unwrap();
        assert_eq!(first.accepted, 24);
        assert_eq!(first.products_created, 24);
        let second = ingest(store, &samples().join("harvey.gmc.xml"), "2026-01-02").unwrap();
        assert_eq!(second.accepted, 3);
        assert_eq!(second.products_matched, 2);
        assert_eq!(second.products_created, 1);
        let again = ingest(store, &samples().join("harvey.gmc.xml"), "2026-01-03").unwrap();
        assert_eq!(again.unchanged, 3);
        assert_eq!(again.price_points, 0);
    }
    let a = snapshot(&memory);
    assert_eq!(a.len(), 25 + 27);
    assert_eq!(a, snapshot(&sqlite));
    if let Some(pg) = &pg {
        assert_eq!(a, snapshot(pg), "postgres");
    }
}

#[test]
fn a_file_that_fails_part_way_leaves_every_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    // A gzip feed cut off half-way: its first rows parse, then the stream breaks.
    let mut csv = String::from(
        "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock\n",
    );
    for i in 0..5000 {
        csv.push_str(&format!(
            "x{i},Shop,Acme,Satin flats no {i},{}.00,GBP,1\n",
            10 + i % 90
        ));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let truncated = dir.path().join("truncated.csv.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();

    let mut memory = MemoryStore::new();
    let mut sqlite = SqliteStore::open(&dir.path().join("pointe.db")).unwrap();
    let mut pg = postgres();
    let mut stores = vec![&mut memory as &mut dyn Store, &mut sqlite as &mut dyn Store];
    if let Some(pg) = pg.as_mut() {
        stores.push(pg);
    }
    for store in stores {
        ingest(store, &samples().join("catalog.awin.csv"), "2026-01-01").unwrap();
        let before = snapshot(store);
        let err = ingest(store, &truncated, "2026-01-02")
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated.csv.gz"), "{err}");
        assert_eq!(snapshot(store), before);
        assert_eq!(store.ingests(10).unwrap().len(), 1);
    }
    assert!(sqlite.check().unwrap().is_empty());
}

/// A GMC TSV feed of `rows` (id, title, price).
fn write_tsv(dir: &Path, name: &str, rows: &[(&str, &str, &str)]) -> PathBuf {
    let mut text = String::from("id\ttitle\tbrand\tprice\tavailability\tlink\n");
    for (id, title, price) in rows {
        text.push_str(&format!(
            "{id}\t{title}\tArket\t{price} GBP\tin_stock\thttps://arket.example/{id}\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_refreshed_feed_updates_what_changed_and_still_reports_a_repeated_item() {
    let dir = tempfile::tempdir().unwrap();
    let first = write_tsv(
        dir.path(),
        "arket.tsv",
        &[
            ("A1", "Satin ballet flats", "135.00"),
            ("B2", "Leather loafers", "150.00"),
            ("C3", "Suede mules", "120.00"),
        ],
    );
    let refreshed = write_tsv(
        dir.path(),
        "arket-refreshed.tsv",
        &[
            ("A1", "Satin ballet flats", "135.00"),
            ("B2", "Leather loafers", "99.00"),
            ("A1", "Satin ballet flats", "135.00"),
            ("D4", "Canvas espadrilles", "45.00"),
        ],
    );
    let mut memory = MemoryStore::new();
    let mut sqlite = SqliteStore::open(&dir.path().join("pointe.db")).unwrap();
    let mut pg = postgres();
    let mut stores = vec![&mut memory as &mut dyn Store, &mut sqlite as &mut dyn Store];
    if let Some(pg) = pg.as_mut() {
        stores.push(pg);
    }
    for store in stores {
        let brands = BrandBook::load(None).unwrap();
        let extractor = Extractor::new(&Taxonomy::bundled());
        let mut run = |path: &Path, seen_at: &str| {
            let options = IngestOptions {
                source: Some("Arket feed".into()),
                ..options(seen_at)
            };
            ingest_file(store, &brands, &extractor, path, &options, &mut |_| {}).unwrap()
        };
        assert_eq!(run(&first, "2026-01-05").accepted, 3);
        let again = run(&refreshed, "2026-01-06");
        assert_eq!(
            (
                again.unchanged,
                again.updated,
                again.accepted,
                again.rejected
            ),
            (1, 1, 1, 1)
        );
        assert!(
            again.rejections[0].reason.contains("duplicate item id"),
            "{:?}",
            again.rejections
        );
        assert_eq!(again.rejections[0].line, 4);
        assert_eq!(again.unseen, 1, "C3 is no longer listed");
        // B2's new price and D4's first one.
        assert_eq!(again.price_points, 2);
        // The same feed once more: every row as stored, the repeated one still reported.
        let third = run(&refreshed, "2026-01-07");
        assert_eq!(
            (
                third.unchanged,
                third.updated,
                third.accepted,
                third.rejected
            ),
            (3, 0, 0, 1)
        );
    }
    let a = snapshot(&memory);
    assert_eq!(a, snapshot(&sqlite));
    if let Some(pg) = &pg {
        assert_eq!(a, snapshot(pg), "postgres");
    }
    // A1 was seen by the last ingest though nothing about it changed; C3 was not.
    assert!(
        a.iter()
            .any(|l| l.contains("A1 £135.00 None true 1 points")),
        "{a:#?}"
    );
    assert!(
        a.iter()
            .any(|l| l.contains("C3 £120.00 None false 1 points")),
        "{a:#?}"
    );
    let (sold, _) = sqlite.list_products(&ProductFilter::default()).unwrap();
    assert_eq!(sold.len(), 4);
}
