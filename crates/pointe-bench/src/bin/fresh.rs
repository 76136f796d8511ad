//! Freshness benchmark: in a large generated catalog, how soon a retailer's feed of changed
//! and new offers is searchable after its ingest commits, and how long a full rebuild of the
//! index takes; SQLite FTS5 doing the same two jobs on the same products in the same run.
//!
//! Usage: `fresh ROOT`, where `ROOT/data` holds the store `load prepare ROOT ROWS` made. The
//! store is copied to `ROOT/fresh` (removed at the end), so `ROOT/data` is left as it was.
//!
//! A second retailer, Harbour, sells 9,000 generated products (most of them the catalog's,
//! matched by brand and title). Its next feed changes every one of those prices and adds
//! 1,000 products: 10,000 rows. The benchmark times the ingest, the index catching up, and
//! opening the index and answering a first search; then it checks that searches and
//! look-alikes answer with the store's current prices.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pointe_bench::catalog::SEEN_AT;
use pointe_bench::fts::{build_fts, update_fts};
use pointe_bench::harbour::{CHANGED, NEW, SOURCE, item_id, write_feed};
use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::catalog::{MoneyView, lowest_current_price};
use pointe_core::feed::FeedOptions;
use pointe_core::fx::RateTable;
use pointe_core::ingest::{IngestOptions, ingest_file};
use pointe_core::money::Currency;
use pointe_core::store::{Catalog, Changes, ProductFilter, SqliteStore, StoredProduct};
use pointe_core::tiers::Tiers;
use pointe_search::index::Refresh;
use pointe_search::lookalike::{Hero, LookalikeQuery};
use pointe_search::search::SearchQuery;
use pointe_search::{IndexContext, LookalikeConfig, SearchIndex};

/// Products whose search and look-alike answers are checked.
const CHECKED: usize = 50;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root] = args.as_slice() else {
        anyhow::bail!("usage: fresh ROOT (ROOT/data made by `load prepare ROOT ROWS`)");
    };
    let root = Path::new(root);
    let work = copy_store(root)?;
    let result = run(&work);
    std::fs::remove_dir_all(&work).ok();
    result
}

/// Copies the store of `root/data` (not its index) to `root/fresh`.
fn copy_store(root: &Path) -> anyhow::Result<PathBuf> {
    let work = root.join("fresh");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    // A checkpoint first, so that the copied file holds every commit.
    let source = SqliteStore::open_dir(&root.join("data"))?;
    drop(source);
    let db = root.join("data/pointe.db");
    rusqlite::Connection::open(&db)?.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    std::fs::copy(&db, work.join("pointe.db"))?;
    Ok(work)
}

fn context() -> anyhow::Result<IndexContext> {
    Ok(IndexContext {
        taxonomy: Taxonomy::bundled(),
        rates: RateTable::bundled(),
        tiers: Tiers::bundled(),
        today: SEEN_AT.parse()?,
        config: LookalikeConfig::bundled(),
    })
}

fn run(work: &Path) -> anyhow::Result<()> {
    let mut store = SqliteStore::open_dir(work)?;
    let ctx = context()?;
    let index_root = work.join("index");
    let products = store
        .list_products(&ProductFilter {
            limit: Some(1),
            ..ProductFilter::default()
        })?
        .1;
    eprintln!("{products} products");

    let t = Instant::now();
    let index = SearchIndex::build(&index_root, &store, ctx.clone())?;
    let rebuild = t.elapsed();
    drop(index);
    eprintln!("full rebuild: {:.1} s", rebuild.as_secs_f64());
    let t = Instant::now();
    let mut fts = build_fts(&work.join("fts.db"), &store, &ctx)?;
    let fts_build = t.elapsed();
    eprintln!("fts5 build: {:.1} s", fts_build.as_secs_f64());

    // Harbour's first feed, not timed.
    let first = write_feed(work, "harbour-1.tsv", false)?;
    ingest(&mut store, &first, "2026-01-05T10:00:00Z")?;
    SearchIndex::refresh(&index_root, &store, ctx.clone())?;
    let generation = store.generation()?;

    // Its next feed: every price down a fifth, and new products.
    let next = write_feed(work, "harbour-2.tsv", true)?;
    let t = Instant::now();
    ingest(&mut store, &next, "2026-01-05T11:00:00Z")?;
    let ingest_time = t.elapsed();
    let Changes::Products(changed) = store.changes_since(generation)? else {
        anyhow::bail!("the change log does not reach back to generation {generation}");
    };
    let t = Instant::now();
    let refreshed = SearchIndex::refresh(&index_root, &store, ctx.clone())?;
    let catch_up = t.elapsed();
    anyhow::ensure!(
        matches!(refreshed, Refresh::CaughtUp(_)),
        "the index did not catch up: {refreshed:?}"
    );
    let t = Instant::now();
    let index = SearchIndex::open(&index_root, ctx.clone())?;
    index.search(&SearchQuery {
        text: "satin ballet flats".into(),
        limit: 20,
        ..SearchQuery::default()
    })?;
    let first_search = t.elapsed();
    let checked = check_prices(&index, &store, &ctx)?;

    let t = Instant::now();
    update_fts(&mut fts, &store, &changed, &ctx)?;
    let fts_update = t.elapsed();

    report(&Report {
        products,
        changed: changed.len(),
        reindexed: match refreshed {
            Refresh::CaughtUp(n) => n,
            _ => 0,
        },
        ingest_time,
        catch_up,
        first_search,
        fts_update,
        rebuild,
        fts_build,
        checked,
    });
    Ok(())
}

fn ingest(store: &mut SqliteStore, feed: &Path, seen_at: &str) -> anyhow::Result<()> {
    let report = ingest_file(
        store,
        &BrandBook::load(None)?,
        &Extractor::new(&Taxonomy::bundled()),
        feed,
        &IngestOptions {
            feed: FeedOptions::default(),
            source: Some(SOURCE.into()),
            retailer: Some("Harbour".into()),
            seen_at: pointe_core::clock::parse_time(seen_at)?,
            market: None,
            prices: Default::default(),
        },
        &mut |_| {},
    )?;
    anyhow::ensure!(report.rejected == 0, "{:?}", report.rejections);
    Ok(())
}

/// What the checks of the answers found.
#[derive(Debug, Default)]
struct Checked {
    /// Search hits and look-alikes compared with the store.
    answers: usize,
    /// Of those, the products Harbour's second feed changed.
    changed: usize,
}

/// Checks that searches for Harbour's products and their look-alikes answer with the prices
/// the store holds now; fails at the first that does not.
fn check_prices(
    index: &SearchIndex,
    store: &SqliteStore,
    ctx: &IndexContext,
) -> anyhow::Result<Checked> {
    let mut checked = Checked::default();
    for i in (0..CHANGED + NEW).step_by((CHANGED + NEW) / CHECKED) {
        let item = item_id(i);
        let Some((product, _)) = store.products_by_item_id(&item)?.into_iter().next() else {
            anyhow::bail!("{item} is not in the store");
        };
        let hits = index.search(&SearchQuery {
            text: product.data.title.clone(),
            brand_key: product.data.brand_key.clone(),
            limit: 100,
            ..SearchQuery::default()
        })?;
        let hit = hits.items.iter().find(|h| h.id == product.id);
        let hit = hit.ok_or_else(|| anyhow::anyhow!("a search for {item} misses it"))?;
        expect_price(store, ctx, &product, hit.price.as_ref(), "search")?;
        checked.answers += 1;
        checked.changed += 1;
        let offers = store.offers_of(product.key)?;
        let hero = Hero::from_product(&product, &offers, ctx)?;
        let query = LookalikeQuery {
            cheaper: false,
            limit: 20,
            ..LookalikeQuery::default()
        };
        for l in index.lookalikes(&hero, &query)?.items {
            let Some(p) = store.product_by_id(&l.id)? else {
                anyhow::bail!("look-alike {} is not in the store", l.id);
            };
            expect_price(store, ctx, &p, l.price.as_ref(), "look-alike")?;
            checked.answers += 1;
            let harbour = store.offers_of(p.key)?.iter().any(|o| o.source == SOURCE);
            checked.changed += usize::from(harbour);
        }
    }
    Ok(checked)
}

fn expect_price(
    store: &SqliteStore,
    ctx: &IndexContext,
    product: &StoredProduct,
    shown: Option<&MoneyView>,
    what: &str,
) -> anyhow::Result<()> {
    let offers = store.offers_of(product.key)?;
    let gbp = Currency::from_code("GBP").ok_or_else(|| anyhow::anyhow!("GBP"))?;
    let now = lowest_current_price(&offers, Some(gbp), &ctx.rates, ctx.today)?.map(|(v, _)| v);
    anyhow::ensure!(
        shown == now.as_ref(),
        "{what} {}: shown {shown:?}, the store's price is {now:?}",
        product.id
    );
    Ok(())
}

struct Report {
    products: u64,
    changed: usize,
    reindexed: u64,
    ingest_time: Duration,
    catch_up: Duration,
    first_search: Duration,
    fts_update: Duration,
    rebuild: Duration,
    fts_build: Duration,
    checked: Checked,
}

fn report(r: &Report) {
    let s = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let searchable = r.catch_up + r.first_search;
    println!(
        "## Freshness ({} products; a 10,000-row feed changing {} products)\n",
        r.products, r.changed
    );
    println!("| | Pointe (tantivy) | SQLite FTS5 | ratio |");
    println!("|---|---:|---:|---:|");
    println!(
        "| the feed's changes searchable after its ingest commits | {} | {} | {:.2} |",
        s(searchable),
        s(r.fts_update),
        searchable.as_secs_f64() / r.fts_update.as_secs_f64()
    );
    println!(
        "| full rebuild | {} | {} | {:.2} |",
        s(r.rebuild),
        s(r.fts_build),
        r.rebuild.as_secs_f64() / r.fts_build.as_secs_f64()
    );
    println!(
        "\nThe ingest itself: {} (commit). Searchable = the index catching up ({}, {} products \
         indexed again) + opening it and answering a first search ({}).",
        s(r.ingest_time),
        s(r.catch_up),
        r.reindexed,
        s(r.first_search)
    );
    println!(
        "Checked: {} search hits and look-alikes answered with the store's current price \
         ({} of them products Harbour's feed changed).",
        r.checked.answers, r.checked.changed
    );
}
