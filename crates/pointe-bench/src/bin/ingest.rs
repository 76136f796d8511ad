//! Ingest benchmark: generates a realistic Google Merchant Center TSV feed and ingests it end to
//! end into a fresh embedded store, reporting rows/s and peak memory; then loads the same file
//! with the `sqlite3` shell's `.import` (a peer that only copies text into one table, with no
//! parsing of prices, matching or history) for scale.
//!
//! Then it ingests the same feed again a day later with 5% of the prices changed and 1% more
//! rows (`reingest.tsv`): the refresh a retailer's feed brings every few hours.
//!
//! Usage: `cargo run --release -p pointe-bench --bin ingest -- [ROWS...]` (default 100000
//! 1000000). Each size runs in its own child process so that its peak memory is its own.
//! `--generate ROWS DIR` only writes the feeds into `DIR`; `--child ROWS DIR` ingests `DIR/feed.tsv`, then
//! `DIR/reingest.tsv`.

// The allocator the `pointe` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use pointe_core::brand::BrandBook;
use pointe_core::feed::FeedOptions;
use pointe_core::ingest::{IngestOptions, ingest_file};
use pointe_core::store::SqliteStore;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        let rows: usize = args[1].parse()?;
        let dir = Path::new(&args[2]);
        let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("feed.tsv"))?);
        pointe_bench::write_gmc_tsv(&mut out, rows, 42)?;
        write_reingest(&dir.join("reingest.tsv"), rows)?;
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("--child") {
        let rows: usize = args[1].parse()?;
        let dir = Path::new(&args[2]);
        return child(rows, dir);
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?
    };
    println!(
        "| rows | feed size | Pointe ingest | rows/s | peak RSS | sqlite3 .import | rows/s | \
         re-ingest | rows/s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for rows in sizes {
        let dir = tempfile::tempdir()?;
        let feed = dir.path().join("feed.tsv");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&feed)?);
        pointe_bench::write_gmc_tsv(&mut out, rows, 42)?;
        // On disk before any timing starts: the kernel writing the feeds back while Pointe
        // reads them would be counted against the ingest.
        out.into_inner()?.sync_all()?;
        write_reingest(&dir.path().join("reingest.tsv"), rows)?;
        let size = std::fs::metadata(&feed)?.len();
        let me = std::env::current_exe()?;
        let output = Command::new(me)
            .args([
                "--child",
                &rows.to_string(),
                &dir.path().display().to_string(),
            ])
            .output()?;
        if !output.status.success() {
            anyhow::bail!("child failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let line = String::from_utf8(output.stdout)?;
        let mut parts = line.split_whitespace();
        let secs: f64 = parts.next().unwrap_or("0").parse()?;
        let rss: u64 = parts.next().unwrap_or("0").parse()?;
        let again: f64 = parts.next().unwrap_or("0").parse()?;
        let peer = sqlite_import(&feed, dir.path())?;
        println!(
            "| {rows} | {:.1} MB | {secs:.2} s | {:.0} | {:.0} MB | {} | {} | {again:.2} s | {:.0} |",
            size as f64 / 1e6,
            rows as f64 / secs,
            rss as f64 / 1e6,
            peer.map(|s| format!("{s:.2} s"))
                .unwrap_or_else(|| "n/a".into()),
            peer.map(|s| format!("{:.0}", rows as f64 / s))
                .unwrap_or_else(|| "n/a".into()),
            reingest_rows(rows) as f64 / again,
        );
    }
    Ok(())
}

fn child(rows: usize, dir: &Path) -> anyhow::Result<()> {
    let feed = dir.join("feed.tsv");
    let mut store = SqliteStore::open_dir(&dir.join("data"))?;
    let brands = BrandBook::load(None)?;
    let extractor =
        pointe_core::attributes::Extractor::new(&pointe_core::attributes::Taxonomy::bundled());
    let options = IngestOptions {
        feed: FeedOptions::default(),
        // One source for both feeds, as a retailer's refreshed feed is.
        source: Some("Bench feed".into()),
        retailer: Some("Bench".into()),
        seen_at: pointe_core::clock::parse_time("2026-01-05")?,
        market: None,
        prices: Default::default(),
    };
    let start = Instant::now();
    let report = ingest_file(
        &mut store,
        &brands,
        &extractor,
        &feed,
        &options,
        &mut |_| {},
    )?;
    let secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.accepted as usize == rows,
        "accepted {} of {rows} rows: {:?}",
        report.accepted,
        report.rejections.first()
    );
    let rss = pointe_bench::peak_rss_bytes().unwrap_or(0);

    let options = IngestOptions {
        seen_at: pointe_core::clock::parse_time("2026-01-06")?,
        ..options
    };
    let start = Instant::now();
    let report = ingest_file(
        &mut store,
        &brands,
        &extractor,
        &dir.join("reingest.tsv"),
        &options,
        &mut |_| {},
    )?;
    let again = start.elapsed().as_secs_f64();
    let changed = rows.div_ceil(CHANGED_ONE_IN);
    anyhow::ensure!(
        report.accepted as usize == reingest_rows(rows) - rows
            && report.updated as usize == changed
            && report.unchanged as usize == rows - changed,
        "re-ingest: {} new, {} updated, {} unchanged",
        report.accepted,
        report.updated,
        report.unchanged
    );
    println!("{secs} {rss} {again}");
    Ok(())
}

/// One row in this many has a new price in the re-ingested feed.
const CHANGED_ONE_IN: usize = 20;

/// Rows of the re-ingested feed: 1% more than the first.
fn reingest_rows(rows: usize) -> usize {
    rows + rows / 100
}

/// The first feed's rows, every twentieth with a price one pound higher, and 1% new rows.
fn write_reingest(path: &Path, rows: usize) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut i = 0;
    pointe_bench::write_gmc_tsv_as(&mut out, reingest_rows(rows), 42, |mut p| {
        if i < rows && i % CHANGED_ONE_IN == 0 {
            p.price_minor += 100;
        }
        i += 1;
        p
    })?;
    out.into_inner()?.sync_all()?;
    Ok(())
}

/// Times `sqlite3 db ".mode tabs" ".import feed items"`, or `None` when the shell is missing.
fn sqlite_import(feed: &Path, dir: &Path) -> anyhow::Result<Option<f64>> {
    let db = dir.join("peer.db");
    let start = Instant::now();
    let status = Command::new("sqlite3")
        .arg(&db)
        .arg(".mode tabs")
        .arg(format!(".import {} items", feed.display()))
        .status();
    match status {
        Ok(s) if s.success() => Ok(Some(start.elapsed().as_secs_f64())),
        Ok(s) => anyhow::bail!("sqlite3 failed: {s}"),
        Err(_) => Ok(None),
    }
}
