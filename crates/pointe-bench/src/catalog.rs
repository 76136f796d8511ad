//! The generated catalog the search, look-alike and HTTP benchmarks share: the store made
//! from a seeded feed, the 24 search queries and the heroes.

use std::path::Path;
use std::time::Instant;

use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::feed::FeedOptions;
use pointe_core::ingest::{IngestOptions, ingest_file};
use pointe_core::store::{Catalog, SqliteStore, StoredProduct};

use crate::Rng;

/// The seed of the generated feed.
pub const FEED_SEED: u64 = 42;

/// The day the generated feed is seen on (and "today" for converting its prices).
pub const SEEN_AT: &str = "2026-01-05";

/// The retailer the generated catalog's feed is ingested as.
pub const RETAILER: &str = "Bench";

/// Realistic search queries, one with a typo ("balet flats").
pub const QUERIES: &[&str] = &[
    "satin ballet flats",
    "leather loafers",
    "black ankle boots",
    "pink tulle skirt",
    "suede mules",
    "quilted shoulder bag",
    "wrap dress",
    "patent leather court shoes",
    "silk slip dress",
    "canvas trainers",
    "bow ballet pumps",
    "cable knit jumper",
    "velvet mary jane flats",
    "chain strap clutch",
    "leopard sandals",
    "wool cardigan",
    "blush satin ballerinas",
    "balet flats",
    "mesh leotard",
    "cream leather tote bag",
    "red slingback pumps",
    "horsebit loafers",
    "crystal embellished mules",
    "navy knee-high boots",
];

/// Writes `root/feed.tsv` (`rows` generated products) and ingests it into a fresh store in
/// `root/data`, a Pointe data directory (`pointe --data-dir root/data` reads it).
pub fn generate_store(root: &Path, rows: usize) -> anyhow::Result<SqliteStore> {
    let feed = root.join("feed.tsv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&feed)?);
        crate::write_gmc_tsv(&mut out, rows, FEED_SEED)?;
        std::io::Write::flush(&mut out)?;
    }
    let mut store = SqliteStore::open_dir(&root.join("data"))?;
    let taxonomy = Taxonomy::bundled();
    let extractor = Extractor::new(&taxonomy);
    let start = Instant::now();
    let report = ingest_file(
        &mut store,
        &BrandBook::load(None)?,
        &extractor,
        &feed,
        &IngestOptions {
            feed: FeedOptions::default(),
            source: None,
            retailer: Some(RETAILER.into()),
            seen_at: pointe_core::clock::parse_time(SEEN_AT)?,
            market: None,
            prices: Default::default(),
        },
        &mut |_| {},
    )?;
    eprintln!(
        "ingested {} rows in {:.1} s",
        report.accepted,
        start.elapsed().as_secs_f64()
    );
    Ok(store)
}

/// Up to `n` distinct random products of a store made by [`generate_store`] with `rows`
/// rows, found by their feed item ids (seeded, so every run picks the same).
pub fn random_products(
    store: &SqliteStore,
    rows: usize,
    n: usize,
    seed: u64,
) -> anyhow::Result<Vec<StoredProduct>> {
    let mut rng = Rng::new(seed);
    let mut seen = std::collections::HashSet::new();
    let mut picked = Vec::new();
    for _ in 0..n * 2 {
        if picked.len() == n || rows == 0 {
            break;
        }
        let item_id = crate::item_id(rng.below(rows));
        if let Some((p, _)) = store.products_by_item_id(&item_id)?.into_iter().next()
            && seen.insert(p.id.clone())
        {
            picked.push(p);
        }
    }
    Ok(picked)
}

/// The ids of `n` products of `store` at random offsets (seeded: every run and every store
/// of the same catalog pick the same).
pub fn random_product_ids(store: &dyn Catalog, n: usize, seed: u64) -> anyhow::Result<Vec<String>> {
    use pointe_core::store::ProductFilter;
    let total = store
        .list_products(&ProductFilter {
            limit: Some(1),
            ..ProductFilter::default()
        })?
        .1 as usize;
    let mut rng = Rng::new(seed);
    let mut ids = Vec::new();
    for _ in 0..n {
        let (page, _) = store.list_products(&ProductFilter {
            limit: Some(1),
            offset: rng.below(total),
            ..ProductFilter::default()
        })?;
        if let Some(p) = page.first() {
            ids.push(p.id.clone());
        }
    }
    Ok(ids)
}
