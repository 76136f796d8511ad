//! Search and look-alike benchmark: Pointe's tantivy index against SQLite FTS5 on the same
//! generated catalog, in the same run.
//!
//! Usage: `cargo run --release -p pointe-bench --bin search -- [ROWS]` (default 1000000).
//! Generates a Google Merchant Center feed of ROWS realistic fashion products, ingests it into
//! a fresh store, builds Pointe's search index from the store and an FTS5 table of the same
//! fields, then measures:
//! - index build time and size for both;
//! - search latency (p50/p99) over a set of realistic queries: Pointe's BM25 search (top 20,
//!   with and without the facet counts) vs FTS5 `bm25()` over the same fields (top 20);
//! - look-alike latency (p50/p99) over random heroes: Pointe's look-alikes (top 10, cheaper
//!   than the hero) vs an FTS5 OR query over the hero's attribute words (top 200 by bm25,
//!   cheaper than the hero) re-scored by the same scorer.

use std::time::{Duration, Instant};

use pointe_core::attributes::Taxonomy;
use pointe_core::fx::RateTable;
use pointe_core::store::{Catalog, SqliteStore};
use pointe_core::tiers::Tiers;
use pointe_search::lookalike::{Hero, LookalikeQuery, score_features_json};
use pointe_search::search::SearchQuery;
use pointe_search::{IndexContext, LookalikeConfig, SearchIndex};
use rusqlite::params;

use pointe_bench::catalog::QUERIES;
use pointe_bench::fts::{build_fts, build_fts_empty};

/// Queries with phrases search reads into filters (price, gender, brand, category by market),
/// timed on their own line.
const UNDERSTOOD_QUERIES: &[&str] = &[
    "satin ballet flats under £100",
    "women's leather loafers",
    "black ankle boots £50-£150",
    "mens suede mules",
    "quilted shoulder bag below $200",
    "wrap dress between 40 and 90 pounds",
    "womens court shoes",
    "canvas trainers under 60",
];

fn main() -> anyhow::Result<()> {
    let rows: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    // POINTE_BENCH_DIR keeps the generated store between runs (for working on the engine:
    // the store is generated once, the index rebuilt only when it is stale); POINTE_BENCH_PEER=0
    // leaves the FTS5 peer out. Published figures come from a fresh run with both.
    let kept = std::env::var_os("POINTE_BENCH_DIR").map(std::path::PathBuf::from);
    let with_peer = std::env::var("POINTE_BENCH_PEER").map_or(true, |v| v != "0");
    let tmp = tempfile::tempdir()?;
    let root = kept.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&root)?;
    let data = root.join("data");
    let reuse = kept.is_some() && data.exists();
    let store = if reuse {
        SqliteStore::open_dir(&data)?
    } else {
        pointe_bench::catalog::generate_store(&root, rows)?
    };
    let taxonomy = Taxonomy::bundled();

    let ctx = IndexContext {
        taxonomy: taxonomy.clone(),
        rates: RateTable::bundled(),
        tiers: Tiers::bundled(),
        today: pointe_bench::catalog::SEEN_AT.parse()?,
        config: LookalikeConfig::bundled(),
    };

    // Pointe's index.
    let start = Instant::now();
    let index = if reuse {
        SearchIndex::open_or_build(&data.join("index"), &store, ctx.clone())?.0
    } else {
        SearchIndex::build(&data.join("index"), &store, ctx.clone())?
    };
    let pointe_build = start.elapsed();
    let pointe_size = index.size_bytes();
    eprintln!("tantivy index: {:.1} s", pointe_build.as_secs_f64());

    // The FTS5 peer: the same fields, read from the store the same way.
    let fts_path = tmp.path().join("fts.db");
    let start = Instant::now();
    let fts = if with_peer {
        build_fts(&fts_path, &store, &ctx)?
    } else {
        build_fts_empty(&fts_path)?
    };
    let fts_build = start.elapsed();
    let fts_size = std::fs::metadata(&fts_path)?.len();
    eprintln!("fts5 index: {:.1} s", fts_build.as_secs_f64());

    // Heroes: random products.
    let mut heroes = Vec::new();
    for id in pointe_bench::catalog::random_product_ids(&store, 200, 7)? {
        let p = store
            .product_by_id(&id)?
            .ok_or_else(|| anyhow::anyhow!("product {id} missing"))?;
        heroes.push(Hero::from_product(&p, &store.offers_of(p.key)?, &ctx)?);
    }

    // Warm both up once.
    for q in QUERIES {
        index.search(&SearchQuery {
            text: q.to_string(),
            limit: 20,
            ..SearchQuery::default()
        })?;
        fts_search(&fts, q)?;
    }

    let rounds = 20;
    let mut pointe_search = Vec::new();
    let mut pointe_facets = Vec::new();
    let mut fts_search_t = Vec::new();
    for _ in 0..rounds {
        for q in QUERIES {
            let t = Instant::now();
            index.search(&SearchQuery {
                text: q.to_string(),
                limit: 20,
                ..SearchQuery::default()
            })?;
            pointe_search.push(t.elapsed());
            let t = Instant::now();
            index.search(&SearchQuery {
                text: q.to_string(),
                limit: 20,
                facets: true,
                ..SearchQuery::default()
            })?;
            pointe_facets.push(t.elapsed());
            let t = Instant::now();
            fts_search(&fts, q)?;
            fts_search_t.push(t.elapsed());
        }
    }

    let mut pointe_understood = Vec::new();
    for _ in 0..rounds {
        for q in UNDERSTOOD_QUERIES {
            let t = Instant::now();
            index.search(&SearchQuery {
                text: q.to_string(),
                limit: 20,
                ..SearchQuery::default()
            })?;
            pointe_understood.push(t.elapsed());
        }
    }

    if std::env::var_os("POINTE_BENCH_VERBOSE").is_some() {
        for (i, q) in QUERIES.iter().enumerate() {
            let mut times: Vec<Duration> = pointe_search
                .iter()
                .skip(i)
                .step_by(QUERIES.len())
                .copied()
                .collect();
            let (p50, p99) = pct(&mut times);
            eprintln!("{q:30} {p50} {p99}");
        }
    }

    let mut pointe_look = Vec::new();
    let mut fts_look = Vec::new();
    let mut agree = 0usize;
    for hero in &heroes {
        let t = Instant::now();
        let mine = index.lookalikes(hero, &LookalikeQuery::default())?;
        pointe_look.push(t.elapsed());
        let t = Instant::now();
        let theirs = fts_lookalikes(&fts, hero, &ctx)?;
        fts_look.push(t.elapsed());
        if mine.items.first().map(|r| r.score)
            == theirs
                .first()
                .map(|s| f64::from(*s))
                .map(|s| (s * 1000.0).round() / 1000.0)
        {
            agree += 1;
        }
    }

    println!("## Search and look-alikes ({rows} generated products)\n");
    println!("| | Pointe (tantivy) | SQLite FTS5 |");
    println!("|---|---:|---:|");
    println!(
        "| index build (from the store) | {:.1} s | {:.1} s |",
        pointe_build.as_secs_f64(),
        fts_build.as_secs_f64()
    );
    println!(
        "| index size | {:.0} MB | {:.0} MB |",
        pointe_size as f64 / 1e6,
        fts_size as f64 / 1e6
    );
    let (p50, p99) = pct(&mut pointe_search);
    let (f50, f99) = pct(&mut fts_search_t);
    println!("| search p50 / p99 (top 20) | {p50} / {p99} | {f50} / {f99} |");
    let (p50, p99) = pct(&mut pointe_facets);
    println!("| search p50 / p99 with count + 7 facets | {p50} / {p99} | – |");
    let (p50, p99) = pct(&mut pointe_understood);
    println!(
        "| search p50 / p99, queries with price, gender or market words ({}) | {p50} / {p99} | – |",
        UNDERSTOOD_QUERIES.len()
    );
    let (p50, p99) = pct(&mut pointe_look);
    let (f50, f99) = pct(&mut fts_look);
    println!("| look-alike p50 / p99 (top 10, cheaper) | {p50} / {p99} | {f50} / {f99} |");
    println!(
        "\n{} search queries × {rounds} rounds; {} random heroes; best look-alike score equal in {agree} of {} heroes.",
        QUERIES.len(),
        heroes.len(),
        heroes.len()
    );
    Ok(())
}

fn pct(samples: &mut [Duration]) -> (String, String) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let fmt = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    (fmt(at(0.5)), fmt(at(0.99)))
}

/// The FTS5 tables without rows (when the peer is left out).
/// FTS5 query text: each word quoted (so punctuation and operators are literal).
fn fts_words(text: &str) -> Vec<String> {
    pointe_core::text::fold_key(text)
        .split(' ')
        .filter(|w| !w.is_empty() && !["a", "an", "and", "the", "with"].contains(w))
        .map(|w| format!("\"{w}\""))
        .collect()
}

fn fts_search(conn: &rusqlite::Connection, q: &str) -> anyhow::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs, 4.0, 1.0, 3.0, 2.0) LIMIT 20",
    )?;
    let query = fts_words(q).join(" AND ");
    let rows = stmt.query_map([query], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The FTS5 peer of a look-alike search: an OR query over the hero's attribute words, the
/// 200 best by bm25 that are cheaper than the hero, re-scored by Pointe's scorer; the top 10
/// scores.
fn fts_lookalikes(
    conn: &rusqlite::Connection,
    hero: &Hero,
    ctx: &IndexContext,
) -> anyhow::Result<Vec<f32>> {
    let words: Vec<String> = hero
        .attribute_words(&ctx.taxonomy)
        .iter()
        .map(|w| format!("\"{}\"", pointe_core::text::fold_key(w)))
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let cap = pointe_bench::fts::hero_cap(hero, ctx)?;
    let mut stmt = conn.prepare_cached(
        "SELECT f.features FROM docs JOIN feats f ON f.rowid = docs.rowid \
         WHERE docs MATCH ?1 AND f.price_gbp < ?2 AND f.id != ?3 \
         ORDER BY bm25(docs, 4.0, 1.0, 3.0, 2.0) LIMIT 200",
    )?;
    let rows = stmt.query_map(
        params![words.join(" OR "), cap, hero.id.clone().unwrap_or_default()],
        |r| r.get::<_, String>(0),
    )?;
    let mut scores = Vec::new();
    for json in rows {
        scores.push(score_features_json(hero, &json?, ctx)?);
    }
    scores.sort_by(|a, b| b.total_cmp(a));
    scores.truncate(10);
    Ok(scores)
}
