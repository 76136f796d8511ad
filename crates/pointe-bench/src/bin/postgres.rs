//! The PostgreSQL store against the embedded one, on the same generated catalog in the same
//! run: ingest rows/s, look-alike latency (the hero read from each store, then the index),
//! how soon a second node sees a write, and PostgreSQL's own full-text search (`tsvector`,
//! GIN, `ts_rank`) over the same fields as a search peer of Pointe's index.
//!
//! Usage: `cargo run --release -p pointe-bench --bin postgres -- URL [ROWS]` with `URL` a
//! PostgreSQL server (`postgres://user@host:port/db`, the user allowed to create databases;
//! `scripts/pg-cluster start DIR` prints one) and ROWS default 1000000. A database of its own
//! is made on the server and dropped at the end.

use std::path::Path;
use std::time::{Duration, Instant};

use pointe_app::Workspace;
use pointe_bench::catalog::{FEED_SEED, QUERIES, RETAILER};
use pointe_core::feed::FeedOptions;
use pointe_core::ingest::{IngestOptions, IngestReport, ingest_file};
use pointe_core::store::{Catalog, Store};
use pointe_search::lookalike::{Hero, LookalikeQuery};
use pointe_search::search::SearchQuery;
use pointe_search::{IndexContext, SearchIndex};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A database of its own on the server, dropped at the end.
struct Database {
    admin: postgres::Client,
    name: String,
    url: String,
}

impl Database {
    fn new(server: &str) -> anyhow::Result<Database> {
        let mut admin = postgres::Client::connect(server, postgres::NoTls)?;
        let name = format!("pointe_bench_{}", std::process::id());
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let mut url = url::Url::parse(server)?;
        url.set_path(&name);
        Ok(Database {
            admin,
            name,
            url: url.to_string(),
        })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // POINTE_BENCH_KEEP_DB=1 keeps it, to look into its plans.
        if std::env::var_os("POINTE_BENCH_KEEP_DB").is_some() {
            eprintln!("kept the database {}", self.url);
            return;
        }
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = self.admin.batch_execute(&drop);
    }
}

fn ingest(
    ws: &Workspace,
    store: &mut dyn Store,
    feed: &Path,
    source: &str,
) -> anyhow::Result<IngestReport> {
    let extractor = ws.extractor()?;
    Ok(ingest_file(
        store,
        &ws.brands()?,
        &extractor,
        feed,
        &IngestOptions {
            feed: FeedOptions::default(),
            source: Some(source.into()),
            retailer: Some(RETAILER.into()),
            seen_at: pointe_core::clock::now()?,
            market: None,
            prices: Default::default(),
        },
        &mut |_| {},
    )?)
}

/// One store's figures.
#[derive(Default)]
struct Figures {
    ingest: Duration,
    rows: u64,
    index_build: Duration,
    lookalike: Vec<Duration>,
    tantivy_search: Vec<Duration>,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let server = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: postgres URL [ROWS]"))?;
    let rows: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir()?;
    let feed = tmp.path().join("feed.tsv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&feed)?);
        pointe_bench::write_gmc_tsv(&mut out, rows, FEED_SEED)?;
        std::io::Write::flush(&mut out)?;
    }
    eprintln!(
        "feed: {rows} rows, {:.1} MB",
        std::fs::metadata(&feed)?.len() as f64 / 1e6
    );

    let embedded = Workspace::new(tmp.path().join("embedded"));
    let mut e = Figures::default();
    let mut store_e = embedded.store()?;
    let t = Instant::now();
    e.rows = ingest(&embedded, &mut *store_e, &feed, "bench")?.accepted;
    e.ingest = t.elapsed();
    eprintln!("embedded ingest: {:.1} s", e.ingest.as_secs_f64());

    let db = Database::new(&server)?;
    let node_a = Workspace::with_database(tmp.path().join("node-a"), &db.url)?;
    let node_b = Workspace::with_database(tmp.path().join("node-b"), &db.url)?;
    let mut p = Figures::default();
    let mut store_p = node_a.store()?;
    let (t, cpu) = (Instant::now(), cpu_seconds());
    p.rows = ingest(&node_a, &mut *store_p, &feed, "bench")?.accepted;
    p.ingest = t.elapsed();
    let client_cpu = cpu_seconds() - cpu;
    eprintln!(
        "PostgreSQL ingest: {:.1} s, of which this process used {client_cpu:.1} s of CPU",
        p.ingest.as_secs_f64()
    );

    let t = Instant::now();
    let (index_e, _) = embedded.index(&*store_e)?;
    e.index_build = t.elapsed();
    eprintln!(
        "index from the embedded store: {:.1} s",
        e.index_build.as_secs_f64()
    );
    let store_b = node_b.store()?;
    let t = Instant::now();
    let (index_p, _) = node_b.index(&*store_b)?;
    p.index_build = t.elapsed();
    eprintln!(
        "index from PostgreSQL: {:.1} s",
        p.index_build.as_secs_f64()
    );
    let ctx = node_b.index_context(&*store_b)?;

    let heroes = pointe_bench::catalog::random_product_ids(&*store_e, 200, 7)?;
    e.lookalike = time_lookalikes(
        &*store_e,
        &index_e,
        &heroes,
        &embedded.index_context(&*store_e)?,
    )?;
    p.lookalike = time_lookalikes(&*store_b, &index_p, &heroes, &ctx)?;
    e.tantivy_search = time_search(&index_e)?;
    p.tantivy_search = time_search(&index_p)?;

    let mut peer = postgres::Client::connect(&db.url, postgres::NoTls)?;
    let t = Instant::now();
    pointe_bench::pg_fts::build(&mut peer, &*store_b, &ctx)?;
    let peer_build = t.elapsed();
    eprintln!(
        "PostgreSQL full-text peer: {:.1} s",
        peer_build.as_secs_f64()
    );
    let peer_size: i64 = peer
        .query_one("SELECT pg_total_relation_size('peer_docs')", &[])?
        .get(0);
    let mut peer_search = Vec::new();
    for q in QUERIES {
        pointe_bench::pg_fts::search(&mut peer, q)?;
    }
    for _ in 0..20 {
        for q in QUERIES {
            let t = Instant::now();
            pointe_bench::pg_fts::search(&mut peer, q)?;
            peer_search.push(t.elapsed());
        }
    }
    let mut peer_look = Vec::new();
    for id in &heroes {
        let product = store_b
            .product_by_id(id)?
            .ok_or_else(|| anyhow::anyhow!("hero {id} missing"))?;
        let hero = Hero::from_product(&product, &store_b.offers_of(product.key)?, &ctx)?;
        let t = Instant::now();
        pointe_bench::pg_fts::lookalikes(&mut peer, &hero, &ctx)?;
        peer_look.push(t.elapsed());
    }

    let seen = time_second_node(&node_a, &node_b, 5)?;

    report(
        rows,
        &e,
        &p,
        (peer_build, peer_size, peer_search, peer_look),
        &seen,
    );
    Ok(())
}

/// The CPU time this process has used (user and system), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

/// A look-alike request as the API answers it: the hero and its offers read from the store,
/// then the index's top 10 cheaper look-alikes.
fn time_lookalikes(
    store: &dyn Catalog,
    index: &SearchIndex,
    heroes: &[String],
    ctx: &IndexContext,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    for round in 0..2 {
        for id in heroes {
            let t = Instant::now();
            let product = store
                .product_by_id(id)?
                .ok_or_else(|| anyhow::anyhow!("hero {id} missing"))?;
            let hero = Hero::from_product(&product, &store.offers_of(product.key)?, ctx)?;
            index.lookalikes(&hero, &LookalikeQuery::default())?;
            // The first round warms the caches of both stores alike.
            if round == 1 {
                times.push(t.elapsed());
            }
        }
    }
    Ok(times)
}

fn time_search(index: &SearchIndex) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    for round in 0..21 {
        for q in QUERIES {
            let t = Instant::now();
            index.search(&SearchQuery {
                text: q.to_string(),
                limit: 20,
                ..SearchQuery::default()
            })?;
            if round > 0 {
                times.push(t.elapsed());
            }
        }
    }
    Ok(times)
}

/// Writes `n` new products through node A, one at a time, and times how long after each
/// commit node B's reader (the HTTP server's: it notices the store's generation moved and
/// catches its index up from the change log) first finds it.
fn time_second_node(a: &Workspace, b: &Workspace, n: usize) -> anyhow::Result<Vec<Duration>> {
    let reader = pointe_app::reader::Reader::new(b.clone());
    let found = |title: &str| -> anyhow::Result<bool> {
        Ok(reader.with(|open| {
            let page = open.loaded.index.search(&SearchQuery {
                text: title.to_string(),
                limit: 5,
                ..SearchQuery::default()
            })?;
            Ok(page.items.iter().any(|h| h.title == title))
        })?)
    };
    found("warm up")?;
    let mut seen = Vec::new();
    for i in 0..n {
        let title = format!("Vermilion moire opera gloves edition {i}");
        let feed = b.dir().join(format!("new-{i}.tsv"));
        std::fs::write(
            &feed,
            format!(
                "id\ttitle\tlink\tavailability\tprice\tbrand\tgoogle_product_category\n\
                 NEW-{i}\t{title}\thttps://shop.example/new/{i}\tin stock\t45.00 GBP\tArket\t\
                 Apparel & Accessories > Clothing Accessories > Gloves & Mittens\n"
            ),
        )?;
        let mut store = a.store()?;
        ingest(a, &mut *store, &feed, &format!("new-{i}"))?;
        let committed = Instant::now();
        while !found(&title)? {
            anyhow::ensure!(
                committed.elapsed() < Duration::from_secs(60),
                "node B never saw {title}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        seen.push(committed.elapsed());
    }
    Ok(seen)
}

fn pct(samples: &[Duration], q: f64) -> String {
    let mut s = samples.to_vec();
    s.sort();
    let at = s[((s.len() as f64 - 1.0) * q).round() as usize];
    format!("{:.2} ms", at.as_secs_f64() * 1000.0)
}

fn report(
    rows: usize,
    e: &Figures,
    p: &Figures,
    peer: (Duration, i64, Vec<Duration>, Vec<Duration>),
    seen: &[Duration],
) {
    let rate = |f: &Figures| f.rows as f64 / f.ingest.as_secs_f64();
    println!("## PostgreSQL against the embedded store ({rows} generated rows)\n");
    println!("| | embedded (SQLite) | PostgreSQL | PostgreSQL / embedded |");
    println!("|---|---:|---:|---:|");
    println!(
        "| ingest ({} rows) | {:.1} s, {:.0} rows/s | {:.1} s, {:.0} rows/s | {:.2} (time) |",
        e.rows,
        e.ingest.as_secs_f64(),
        rate(e),
        p.ingest.as_secs_f64(),
        rate(p),
        p.ingest.as_secs_f64() / e.ingest.as_secs_f64()
    );
    println!(
        "| search index built from the store | {:.1} s | {:.1} s | {:.2} |",
        e.index_build.as_secs_f64(),
        p.index_build.as_secs_f64(),
        p.index_build.as_secs_f64() / e.index_build.as_secs_f64()
    );
    println!(
        "| look-alike p50 / p99 (hero read from the store, top 10 cheaper) | {} / {} | {} / {} | |",
        pct(&e.lookalike, 0.5),
        pct(&e.lookalike, 0.99),
        pct(&p.lookalike, 0.5),
        pct(&p.lookalike, 0.99)
    );
    println!(
        "| search p50 / p99 (tantivy, top 20) | {} / {} | {} / {} | |",
        pct(&e.tantivy_search, 0.5),
        pct(&e.tantivy_search, 0.99),
        pct(&p.tantivy_search, 0.5),
        pct(&p.tantivy_search, 0.99)
    );
    let (build, size, search, look) = peer;
    println!(
        "\nPostgreSQL full-text peer (`tsvector` of the same fields, GIN, `ts_rank`): built in {:.1} s, {:.0} MB; search p50 / p99 {} / {} (Pointe over PostgreSQL: {} / {}, {:.1}× faster at p99); look-alike p50 / p99 {} / {}.",
        build.as_secs_f64(),
        size as f64 / 1e6,
        pct(&search, 0.5),
        pct(&search, 0.99),
        pct(&p.tantivy_search, 0.5),
        pct(&p.tantivy_search, 0.99),
        p99_ms(&search) / p99_ms(&p.tantivy_search),
        pct(&look, 0.5),
        pct(&look, 0.99)
    );
    let shown: Vec<String> = seen
        .iter()
        .map(|d| format!("{} ms", d.as_millis()))
        .collect();
    println!(
        "\nNode B (its own index, caught up from the change log) found each of {} products written through node A after: {}.",
        seen.len(),
        shown.join(", ")
    );
}

fn p99_ms(samples: &[Duration]) -> f64 {
    let mut s = samples.to_vec();
    s.sort();
    s[((s.len() as f64 - 1.0) * 0.99).round() as usize].as_secs_f64() * 1000.0
}
