//! `pointe ingest`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use pointe_app::ingest::{IngestRequest, MappingRef};
use pointe_core::ingest::{IngestReport, Progress};

use crate::output::{Format, print_json, table};
use crate::{Cli, exit};

/// Arguments of `pointe ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Feed files (plain or gzip-compressed).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The feed format: gmc-tsv, gmc-csv, gmc-xml, awin, shopify or mapped. Detected from the
    /// content by default; `mapped` is implied by --mapping.
    #[arg(long)]
    feed_format: Option<String>,
    /// A column mapping (TOML) for a CSV/TSV no built-in format knows: which column holds the
    /// id, title, price …, and constants for what the file lacks. See mappings/ for examples.
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// Name of the source; by default the file name, with the retailer when one is known.
    /// Offers of this source missing from a later ingest of it are marked stale.
    #[arg(long)]
    source: Option<String>,
    /// Retailer selling the feed's products, for feeds that do not name one per row.
    #[arg(long)]
    retailer: Option<String>,
    /// Currency of prices that name none (ISO 4217, e.g. INR). Required for Shopify's
    /// products.json; overrides a mapping's constant currency.
    #[arg(long)]
    currency: Option<String>,
    /// Which English the feed is written in (UK or US): "pumps" are flats in a UK feed and
    /// heeled court shoes in a US one. Default: from each row's currency.
    #[arg(long)]
    market: Option<String>,
    /// When the feed was observed (2026-01-05 or an RFC 3339 time); default now or POINTE_NOW.
    #[arg(long)]
    seen_at: Option<String>,
    /// The largest price a row may carry ("1000000 EUR", the default, or its equivalent in
    /// another currency); a row priced above it is rejected as damaged.
    #[arg(long, value_name = "PRICE")]
    max_price: Option<String>,
    /// The shop a Shopify products.json comes from (http or https, e.g. https://shop.example):
    /// each variant then links to {shop}/products/{handle}?variant={id}.
    #[arg(long, value_name = "URL")]
    shop_url: Option<String>,
}

impl IngestArgs {
    /// The application layer's request for these flags.
    fn request(&self) -> IngestRequest {
        IngestRequest {
            feed_format: self.feed_format.clone(),
            mapping: self.mapping.clone().map(MappingRef::File),
            source: self.source.clone(),
            retailer: self.retailer.clone(),
            currency: self.currency.clone(),
            market: self.market.clone(),
            seen_at: self.seen_at.clone(),
            max_price: self.max_price.clone(),
            shop_url: self.shop_url.clone(),
        }
    }
}

/// A progress bar per file, on standard error when it is a terminal (indicatif draws nothing
/// otherwise): the rows read, their rate, and the time left by the bytes still to read.
struct Bars {
    current: Option<(PathBuf, ProgressBar, Instant)>,
}

impl Bars {
    fn update(&mut self, file: &Path, p: Progress) {
        if self.current.as_ref().is_none_or(|(f, _, _)| f != file) {
            self.finish();
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {msg}, ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(file.display().to_string());
            bar.set_message("0 rows");
            self.current = Some((file.to_path_buf(), bar, Instant::now()));
        }
        if let Some((_, bar, started)) = &self.current {
            if let Some(total) = p.total_bytes {
                bar.set_length(total);
            }
            bar.set_position(p.bytes);
            let seconds = started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{} rows, {:.0} rows/s",
                p.rows,
                p.rows as f64 / seconds
            ));
        }
    }

    fn finish(&mut self) {
        if let Some((_, bar, _)) = self.current.take() {
            bar.finish_and_clear();
        }
    }
}

/// Runs `pointe ingest`: each file whole or not at all, a report per file, exit 1 when any
/// file failed and 3 when no row of some file was accepted.
pub fn run(cli: &Cli, args: &IngestArgs) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    let mut bars = Bars { current: None };
    let outcome = pointe_app::ingest::ingest(&ws, &args.files, &args.request(), &mut |f, p| {
        bars.update(f, p)
    })
    .map_err(crate::app_error)?;
    bars.finish();
    let mut failed = false;
    let mut nothing_accepted = false;
    for (file, result) in &outcome.files {
        match result {
            Ok(report) => {
                if report.accepted + report.updated + report.unchanged == 0 {
                    nothing_accepted = true;
                }
                if cli.output == Format::Table {
                    out!("{}", render_report(report))?;
                }
            }
            Err(err) => {
                failed = true;
                eprintln!("error: {err}");
                eprintln!("  nothing from {} was stored", file.display());
            }
        }
    }
    if let Some(w) = &outcome.index_warning {
        eprintln!(
            "warning: the search index was not updated ({w}); the next search brings it up to date"
        );
    }
    let reports: Vec<&IngestReport> = outcome.reports().collect();
    match cli.output {
        Format::Table => {}
        Format::Json => print_json(&serde_json::json!({"items": reports, "total": reports.len()}))?,
        _ => {
            for r in &reports {
                outln!("{}", serde_json::to_string(r)?)?;
            }
        }
    }
    Ok(if failed {
        exit::BAD_INPUT
    } else if nothing_accepted {
        exit::NOTHING_ACCEPTED
    } else {
        0
    })
}

/// The human-readable report of one ingest.
pub fn render_report(r: &IngestReport) -> String {
    let mut out = format!(
        "{} ({}, source {:?}, seen {})\n",
        r.file, r.format, r.source, r.seen_at
    );
    let rows = vec![
        vec!["rows".into(), r.rows.to_string()],
        vec!["accepted (new offers)".into(), r.accepted.to_string()],
        vec!["updated".into(), r.updated.to_string()],
        vec!["unchanged".into(), r.unchanged.to_string()],
        vec!["rejected".into(), r.rejected.to_string()],
        vec!["products created".into(), r.products_created.to_string()],
        vec![
            "offers matched to known products".into(),
            r.products_matched.to_string(),
        ],
        vec!["price points added".into(), r.price_points.to_string()],
        vec![
            "offers no longer in this source".into(),
            r.unseen.to_string(),
        ],
    ];
    for line in table(&rows).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    issues(&mut out, "rejected", &r.rejection_kinds);
    issues(&mut out, "warning", &r.warning_kinds);
    out
}

/// Lists row issues under a report, one line per kind: the line of a fault met once, or the
/// count and first lines of one met on many rows.
fn issues(out: &mut String, label: &str, kinds: &[pointe_core::ingest::IssueKind]) {
    for kind in kinds {
        let field = kind
            .field
            .as_ref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        // Item ids come from the feed: shown quoted and escaped.
        let item = kind
            .item
            .as_ref()
            .map(|i| format!(", item {i:?}"))
            .unwrap_or_default();
        let lines: Vec<String> = kind.lines.iter().map(u64::to_string).collect();
        if kind.count == 1 {
            out.push_str(&format!(
                "  {label} line {}{field}{item}: {}\n",
                lines[0], kind.example
            ));
        } else {
            let more = if kind.count as usize > lines.len() {
                ", …"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {label}{field} on {} rows (lines {}{more}), e.g.{item} {}\n",
                kind.count,
                lines.join(", "),
                kind.example
            ));
        }
    }
}
