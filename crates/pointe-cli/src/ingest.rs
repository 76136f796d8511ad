//! `pointe ingest`.

use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use pointe_core::feed::{FeedFormat, FeedOptions, Mapping, ShopUrl};
use pointe_core::ingest::{IngestOptions, IngestReport, PriceRules, ingest_file};

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

/// The price rules of an ingest: the store's rates, and `--max-price` converted to euros.
fn price_rules(
    max_price: Option<&str>,
    rates: pointe_core::fx::RateTable,
) -> anyhow::Result<PriceRules> {
    let mut rules = PriceRules {
        rates: std::sync::Arc::new(rates),
        ..PriceRules::default()
    };
    if let Some(raw) = max_price {
        let money = pointe_core::money::parse_price(raw, None)
            .map_err(|e| anyhow::anyhow!("--max-price {raw:?}: {e}"))?;
        let eur = pointe_core::money::Currency::from_code("EUR")
            .ok_or_else(|| anyhow::anyhow!("EUR is unknown"))?;
        let in_eur = rules.rates.convert(money, eur, crate::today()?)?.money;
        if in_eur.minor <= 0 {
            anyhow::bail!("--max-price {raw:?}: must be above zero");
        }
        rules.max_eur_minor = in_eur.minor;
    }
    Ok(rules)
}

/// Runs `pointe ingest`.
pub fn run(cli: &Cli, args: &IngestArgs) -> anyhow::Result<u8> {
    let format = match &args.feed_format {
        Some(name) => Some(FeedFormat::from_name(name).ok_or_else(|| {
            anyhow::anyhow!(
                "--feed-format {name:?}: expected gmc-tsv, gmc-csv, gmc-xml, awin, shopify or mapped"
            )
        })?),
        None => None,
    };
    let currency = args
        .currency
        .as_deref()
        .map(crate::currency_arg)
        .transpose()?;
    if format == Some(FeedFormat::Shopify) && currency.is_none() {
        anyhow::bail!(
            "--feed-format shopify needs --currency: a Shopify products.json names no currency (e.g. --currency GBP)"
        );
    }
    let mapping = match &args.mapping {
        Some(path) => Some(Mapping::load(path).map_err(|e| anyhow::anyhow!("--mapping: {e}"))?),
        None => None,
    };
    if let (Some(format), Some(_)) = (format, &mapping)
        && format != FeedFormat::Mapped
    {
        anyhow::bail!(
            "--mapping reads a CSV/TSV as `mapped`; it cannot be used with --feed-format {}",
            format.name()
        );
    }
    if format == Some(FeedFormat::Mapped) && mapping.is_none() {
        anyhow::bail!("--feed-format mapped needs --mapping FILE saying which column holds what");
    }
    let shop_url = args
        .shop_url
        .as_deref()
        .map(|raw| ShopUrl::parse(raw).map_err(|e| anyhow::anyhow!("--shop-url: {e}")))
        .transpose()?;
    let seen_at = match &args.seen_at {
        Some(raw) => {
            pointe_core::clock::parse_time(raw).map_err(|e| anyhow::anyhow!("--seen-at: {e}"))?
        }
        None => pointe_core::clock::now()?,
    };
    if args.source.is_some() && args.files.len() > 1 {
        anyhow::bail!("--source names one feed; give one file per ingest when using it");
    }
    let market = match &args.market {
        Some(m) => Some(
            m.parse::<pointe_core::attributes::Market>()
                .map_err(|e| anyhow::anyhow!("--market: {e}"))?,
        ),
        None => None,
    };
    let mut store = crate::open_store(cli)?;
    let brands = crate::brand_book(cli)?;
    let extractor = crate::extractor(cli)?;
    let prices = price_rules(args.max_price.as_deref(), crate::rate_table(&store)?)?;
    let options = IngestOptions {
        feed: FeedOptions {
            format,
            currency,
            mapping,
            shop_url,
            ..FeedOptions::default()
        },
        source: args.source.clone(),
        retailer: args.retailer.clone(),
        seen_at,
        market,
        prices,
    };

    let mut reports = Vec::new();
    let mut failed = false;
    let mut nothing_accepted = false;
    for file in &args.files {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(file.display().to_string());
        let result = ingest_file(
            &mut store,
            &brands,
            &extractor,
            file,
            &options,
            &mut |done, total| {
                if let Some(total) = total {
                    bar.set_length(total);
                }
                bar.set_position(done);
            },
        );
        bar.finish_and_clear();
        match result {
            Ok(report) => {
                if report.accepted + report.updated + report.unchanged == 0 {
                    nothing_accepted = true;
                }
                if cli.output == Format::Table {
                    print!("{}", render_report(&report));
                }
                reports.push(report);
            }
            Err(err) => {
                failed = true;
                eprintln!("error: {err}");
                eprintln!("  nothing from {} was stored", file.display());
            }
        }
    }
    if !reports.is_empty() {
        crate::search::refresh_index(cli, &store);
    }
    match cli.output {
        Format::Table => {}
        Format::Json => print_json(&serde_json::json!({"items": reports, "total": reports.len()}))?,
        _ => {
            for r in &reports {
                println!("{}", serde_json::to_string(r)?);
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
