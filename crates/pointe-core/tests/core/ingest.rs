//! Ingest against both store implementations: same results, and nothing kept from a failed file.

use std::io::Write;
use std::path::{Path, PathBuf};

use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::feed::FeedOptions;
use pointe_core::ingest::{IngestOptions, IngestReport, ingest_file};
use pointe_core::store::{Catalog, MemoryStore, ProductFilter, SqliteStore, Store};

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
fn memory_and_sqlite_stores_agree_on_the_sample_catalog() {
    let mut memory = MemoryStore::new();
    let mut sqlite = SqliteStore::open_in_memory().unwrap();
    for store in [&mut memory as &mut dyn Store, &mut sqlite as &mut dyn Store] {
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
    for store in [&mut memory as &mut dyn Store, &mut sqlite as &mut dyn Store] {
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
