//! The in-process side of the HTTP load test (`scripts/bench-http`): prepares the generated
//! catalog as a Pointe data directory with the request paths the load generator rotates
//! through, and measures the library's own throughput for the same requests.
//!
//! - `load prepare ROOT [ROWS]` (default 1000000): makes `ROOT/data` (the store of the search
//!   benchmark and its search index; kept when present, so `POINTE_BENCH_DIR` of the search
//!   benchmark can be reused), then writes `ROOT/search.paths` (the 24 bench queries as
//!   `/api/v1/products?q=…`) and `ROOT/lookalikes.paths` (`/api/v1/products/{id}/lookalikes`
//!   for 256 distinct random products).
//! - `load run ROOT search|lookalikes THREADS SECONDS`: THREADS threads call what the routes
//!   call (`pointe_app::search::search_in`, `pointe_app::lookalikes::lookalikes_in` with the
//!   routes' defaults) over one shared `Reader` for SECONDS, each thread rotating through the
//!   same queries or heroes; prints one line `requests=… seconds=… rps=… p50_ms=… p99_ms=…
//!   errors=… cpu_ms_per_request=…` (the process's CPU time over the timed requests: what a
//!   request costs whatever else the machine runs).
//! - `load harbour ROOT`: writes `ROOT/harbour-1.tsv` and `ROOT/harbour-2.tsv`, a second
//!   retailer's first feed and its next (`pointe_bench::harbour`), for the run that ingests a
//!   feed through the API during a load.
//!
//! Set `POINTE_NOW=2026-01-05` (the day the feed was seen) for both, as the server gets it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pointe_app::Workspace;
use pointe_app::lookalikes::{HeroRef, LookalikesRequest};
use pointe_app::reader::Reader;
use pointe_app::search::SearchRequest;
use pointe_core::store::{Catalog, ProductFilter, SqliteStore};

/// How many distinct heroes the look-alike paths name.
const HEROES: usize = 256;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["prepare", root] => prepare(Path::new(root), 1_000_000),
        ["prepare", root, rows] => prepare(Path::new(root), rows.parse()?),
        ["harbour", root] => {
            for (name, next) in [("harbour-1.tsv", false), ("harbour-2.tsv", true)] {
                pointe_bench::harbour::write_feed(Path::new(root), name, next)?;
            }
            Ok(())
        }
        ["run", root, workload, threads, seconds] => run(
            Path::new(root),
            workload,
            threads.parse()?,
            Duration::from_secs_f64(seconds.parse()?),
        ),
        _ => anyhow::bail!(
            "usage: load prepare ROOT [ROWS] | load run ROOT search|lookalikes THREADS SECONDS \
             | load harbour ROOT"
        ),
    }
}

fn prepare(root: &Path, rows: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(root)?;
    let data = root.join("data");
    let store = if data.exists() {
        let store = SqliteStore::open_dir(&data)?;
        // The generated catalog's products (a run of the HTTP benchmark adds a second
        // retailer's).
        let held = store.list_products(&ProductFilter {
            limit: Some(1),
            retailer_key: Some(pointe_core::store::retailer_key(
                pointe_bench::catalog::RETAILER,
            )),
            ..ProductFilter::default()
        })?;
        anyhow::ensure!(
            held.1 as usize == rows,
            "{} holds {} generated products, not {rows}: remove it or give its size",
            data.display(),
            held.1
        );
        eprintln!("reusing the store of {rows} products in {}", data.display());
        store
    } else {
        pointe_bench::catalog::generate_store(root, rows)?
    };
    let start = Instant::now();
    let reader = Reader::new(Workspace::new(&data));
    let loaded = reader.loaded()?;
    eprintln!(
        "search index of {} products ({:?}) in {:.1} s",
        loaded.index.meta().products,
        loaded.note,
        start.elapsed().as_secs_f64()
    );
    let search: Vec<String> = pointe_bench::catalog::QUERIES
        .iter()
        .map(|q| format!("/api/v1/products?q={}", form_encode(q)))
        .collect();
    let heroes = pointe_bench::catalog::random_products(&store, rows, HEROES, 7)?;
    anyhow::ensure!(heroes.len() >= 200, "only {} heroes found", heroes.len());
    let lookalikes: Vec<String> = heroes
        .iter()
        .map(|p| format!("/api/v1/products/{}/lookalikes", form_encode(&p.id)))
        .collect();
    std::fs::write(root.join("search.paths"), search.join("\n") + "\n")?;
    std::fs::write(root.join("lookalikes.paths"), lookalikes.join("\n") + "\n")?;
    eprintln!(
        "{} search paths, {} look-alike paths (distinct heroes)",
        search.len(),
        lookalikes.len()
    );
    Ok(())
}

/// `text` as a URL query value: unreserved bytes kept, spaces as `+`, the rest `%XX`.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One request of a workload.
enum Work {
    Search(Vec<String>),
    Lookalikes(Vec<String>),
}

impl Work {
    fn load(root: &Path, workload: &str) -> anyhow::Result<Work> {
        match workload {
            "search" => Ok(Work::Search(
                pointe_bench::catalog::QUERIES
                    .iter()
                    .map(|q| q.to_string())
                    .collect(),
            )),
            "lookalikes" => {
                let paths = std::fs::read_to_string(root.join("lookalikes.paths"))?;
                let ids = paths
                    .lines()
                    .filter_map(|l| l.strip_prefix("/api/v1/products/"))
                    .filter_map(|l| l.strip_suffix("/lookalikes"))
                    .map(str::to_string)
                    .collect();
                Ok(Work::Lookalikes(ids))
            }
            other => anyhow::bail!("workload {other:?}: search or lookalikes"),
        }
    }

    fn len(&self) -> usize {
        match self {
            Work::Search(v) | Work::Lookalikes(v) => v.len(),
        }
    }

    /// Runs request `i` (modulo the list); `Err` carries the error's text.
    fn call(&self, reader: &Reader, i: usize) -> Result<(), String> {
        let outcome = match self {
            Work::Search(queries) => {
                let request = SearchRequest {
                    text: queries[i % queries.len()].clone(),
                    limit: 20,
                    ..SearchRequest::default()
                };
                reader
                    .with(|open| pointe_app::search::search_in(open, &request))
                    .map(|_| ())
            }
            Work::Lookalikes(ids) => {
                let request = LookalikesRequest::new(HeroRef::Product(ids[i % ids.len()].clone()));
                reader
                    .with(|open| pointe_app::lookalikes::lookalikes_in(open, &request))
                    .map(|_| ())
            }
        };
        outcome.map_err(|e| e.to_string())
    }
}

/// What one thread measured.
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

fn run(root: &Path, workload: &str, threads: usize, span: Duration) -> anyhow::Result<()> {
    anyhow::ensure!(threads > 0, "THREADS must be at least 1");
    let work = Work::load(root, workload)?;
    anyhow::ensure!(work.len() > 0, "no requests for {workload}");
    let data: PathBuf = root.join("data");
    let reader = Reader::new(Workspace::new(&data));
    // Open the index and warm it once over every request, as the server is before the load.
    for i in 0..work.len() {
        work.call(&reader, i).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (work, reader) = (&work, &reader);
                s.spawn(move || thread(work, reader, t * work.len() / threads, start, span))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    report(tallies, seconds, cpu);
    Ok(())
}

/// The CPU time this process has used (user and system), from Linux `/proc/self/stat`;
/// `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports these in USER_HZ, 100 per second on every architecture it runs on.
    Some(ticks / 100.0)
}

fn thread(work: &Work, reader: &Reader, first: usize, start: Instant, span: Duration) -> Tally {
    let mut tally = Tally {
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
    };
    let mut i = first;
    while start.elapsed() < span {
        let t = Instant::now();
        if let Err(e) = work.call(reader, i) {
            tally.errors += 1;
            tally.first_error.get_or_insert(e);
        }
        tally.latencies.push(t.elapsed());
        i += 1;
    }
    tally
}

fn report(tallies: Vec<Tally>, seconds: f64, cpu: Option<f64>) {
    let errors: usize = tallies.iter().map(|t| t.errors).sum();
    if let Some(e) = tallies.iter().find_map(|t| t.first_error.as_ref()) {
        eprintln!("first error: {e}");
    }
    let mut all: Vec<Duration> = tallies.into_iter().flat_map(|t| t.latencies).collect();
    all.sort();
    let at = |q: f64| {
        all.get(((all.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let cpu_ms = cpu.map_or("-".to_string(), |c| {
        format!("{:.2}", c * 1000.0 / all.len().max(1) as f64)
    });
    println!(
        "requests={} seconds={seconds:.1} rps={:.0} p50_ms={:.2} p99_ms={:.2} errors={errors} cpu_ms_per_request={cpu_ms}",
        all.len(),
        all.len() as f64 / seconds,
        at(0.5),
        at(0.99)
    );
}
