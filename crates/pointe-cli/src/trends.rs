//! `pointe trends import|list|show|related|products`.

use std::path::PathBuf;

use clap::Subcommand;
use pointe_core::catalog::{CatalogReader, MoneyView};
use pointe_core::store::{Catalog, Store, for_each_product};
use pointe_core::trends::{
    Aesthetics, AnalysisOptions, ImportOptions, RelatedQuery, RelatedValue, Series, TrendFile,
    analyse_many, rank_by_momentum, read_trend_file, related_for, series_for, sparkline, term_key,
};
use serde::Serialize;

use crate::output::{Format, clip, print_json, print_list, table};
use crate::{Cli, exit};

/// `pointe trends …`.
#[derive(Debug, Subcommand)]
pub enum TrendsCommand {
    /// Import search and social exports: Google Trends (classic, quoted monthly, related
    /// queries; in any language), pytrends, the long weekly layout, Pinterest Trends, plain
    /// term,date,value.
    Import {
        /// Export files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Source name (google_trends, pytrends, pinterest, tiktok, …) when the file does not say.
        #[arg(long)]
        source: Option<String>,
        /// Region, when the file does not say (e.g. US, Worldwide).
        #[arg(long)]
        region: Option<String>,
        /// Scale group: series whose values may be compared as levels. Default: one per
        /// request of an export (the file's stem and what it asked for, never its dates), so a
        /// longer export of the same terms updates its series; G/1, G/2… for several requests.
        #[arg(long)]
        scale_group: Option<String>,
    },
    /// Every series ranked: those whose Mann–Kendall test is significantly upward (p < 0.05)
    /// first, by momentum, then the rest by momentum; with stage, growth, peak and onset.
    List {
        /// Points in the momentum and trend-test window (default 12).
        #[arg(long, default_value_t = 12)]
        window: usize,
        /// Analyse as of this date (default: each series' latest complete point).
        #[arg(long)]
        at: Option<String>,
    },
    /// One term's series (the term as written, every source and region; else the series its
    /// key or aesthetic names): metrics, a sparkline, the points and its related queries.
    Show {
        /// The term or aesthetic ("balletcore", "ballet core", "fabric_satin").
        term: String,
        /// Points in the momentum and trend-test window (default 12).
        #[arg(long, default_value_t = 12)]
        window: usize,
    },
    /// A term's related queries, TOP and RISING, from Google Trends related-queries exports.
    Related {
        /// The term, as written in the export ("balletcore"), or its aesthetic.
        term: String,
    },
    /// Catalog products ranked by how well they embody an aesthetic.
    Products {
        /// The aesthetic ("balletcore").
        term: String,
        /// At most this many products.
        #[arg(long, default_value_t = 20, value_parser = crate::limit_arg())]
        limit: usize,
    },
}

fn options(window: usize, at: Option<&str>) -> anyhow::Result<AnalysisOptions> {
    if window < 2 {
        anyhow::bail!("--window must be at least 2");
    }
    let at = at
        .map(|d| {
            d.parse::<jiff::civil::Date>()
                .map_err(|e| anyhow::anyhow!("--at {d:?}: {e}"))
        })
        .transpose()?;
    Ok(AnalysisOptions { at, window })
}

/// Runs `pointe trends …`.
pub fn run(cli: &Cli, cmd: &TrendsCommand) -> anyhow::Result<u8> {
    match cmd {
        TrendsCommand::Import {
            files,
            source,
            region,
            scale_group,
        } => import(cli, files, source, region, scale_group),
        TrendsCommand::List { window, at } => list(cli, &options(*window, at.as_deref())?),
        TrendsCommand::Show { term, window } => show(cli, term, &options(*window, None)?),
        TrendsCommand::Related { term } => related(cli, term),
        TrendsCommand::Products { term, limit } => products(cli, term, *limit),
    }
}

fn import(
    cli: &Cli,
    files: &[PathBuf],
    source: &Option<String>,
    region: &Option<String>,
    scale_group: &Option<String>,
) -> anyhow::Result<u8> {
    let mut store = crate::open_store(cli)?;
    let options = ImportOptions {
        source: source.clone(),
        region: region.clone(),
        scale_group: scale_group.clone(),
    };
    let mut failed = false;
    let mut reports = Vec::new();
    for path in files {
        // The whole file is read before anything is stored: a file that fails half-way leaves
        // nothing behind.
        let file = match read_trend_file(path, &options) {
            Ok(file) => file,
            Err(err) => {
                eprintln!("error: {err}");
                eprintln!("  nothing from {} was stored", path.display());
                failed = true;
                continue;
            }
        };
        let (created, replaced) = store.put_trend_file(&file)?;
        let report = import_report(&file, created, replaced);
        if cli.output == Format::Table {
            print_import_report(&file, &report)?;
        }
        reports.push(report);
    }
    if cli.output != Format::Table {
        print_list(cli.output, &reports, reports.len() as u64)?;
    }
    Ok(if failed { exit::BAD_INPUT } else { 0 })
}

/// What one file's import did, as `-o json` prints it.
fn import_report(file: &TrendFile, created: u64, replaced: u64) -> serde_json::Value {
    let points: usize = file.series.iter().map(|s| s.points.len()).sum();
    let censored = file
        .series
        .iter()
        .flat_map(|s| &s.points)
        .filter(|p| p.censored)
        .count();
    serde_json::json!({
        "file": file.path.display().to_string(),
        "layout": file.layout.as_str(),
        "series_new": created,
        "series_updated": replaced,
        "points": points,
        "censored_points": censored,
        "related_queries": file.related.len(),
        "terms": file.series.iter().map(|s| s.term.clone()).collect::<Vec<_>>(),
        "collisions": file.collisions,
    })
}

fn print_import_report(file: &TrendFile, report: &serde_json::Value) -> std::io::Result<()> {
    outln!(
        "{}: {} — {} series ({} new, {} updated), {} points ({} censored \"<1\"), {} related queries",
        file.path.display(),
        file.layout.as_str(),
        file.series.len(),
        report["series_new"],
        report["series_updated"],
        report["points"],
        report["censored_points"],
        file.related.len()
    )?;
    for collision in &file.collisions {
        let quoted: Vec<String> = collision.terms.iter().map(|t| format!("{t:?}")).collect();
        outln!(
            "  note: {} all read as {}: kept as {} series (look each up by its term as written)",
            quoted.join(", "),
            collision.key,
            collision.terms.len()
        )?;
    }
    Ok(())
}

/// One line of `trends list`.
#[derive(Debug, Serialize)]
struct ListItem {
    rank: usize,
    term: String,
    key: String,
    aesthetic: Option<String>,
    source: String,
    metric: String,
    region: Option<String>,
    segment: Option<String>,
    scale_group: String,
    stage: String,
    growth_yoy: String,
    growth_yoy_percent: Option<f64>,
    growth_pop: String,
    growth_pop_percent: Option<f64>,
    onset: Option<String>,
    peak_date: Option<String>,
    peak_value: Option<f64>,
    latest_date: Option<String>,
    latest_value: Option<f64>,
    momentum: f64,
    /// The Mann–Kendall p-value of the window (also `mann_kendall_p`).
    p_value: f64,
    /// True when the trend test is significantly upward (p < 0.05): these rank first.
    significant_rise: bool,
    mann_kendall_p: f64,
    theil_sen_slope: f64,
    robust_z: f64,
    justification: String,
}

fn list(cli: &Cli, options: &AnalysisOptions) -> anyhow::Result<u8> {
    let store = crate::open_store(cli)?;
    let series = store.trend_series(None)?;
    if series.is_empty() {
        anyhow::bail!("no trend series yet: import an export with `pointe trends import FILE`");
    }
    let aesthetics = Aesthetics::bundled();
    let analyses = analyse_many(&series, options);
    let pairs: Vec<(Series, pointe_core::trends::Analysis)> =
        series.into_iter().zip(analyses).collect();
    let ranked = rank_by_momentum(&pairs);
    let items: Vec<ListItem> = ranked
        .iter()
        .map(|r| {
            let (series, analysis) = pairs
                .iter()
                .find(|(s, _)| {
                    s.term == r.term
                        && s.scale_group == r.scale_group
                        && s.metric == r.metric
                        && s.source == r.source
                        && s.region == r.region
                })
                .map(|(s, a)| (s, a))
                .unwrap_or_else(|| (&pairs[0].0, &pairs[0].1));
            ListItem {
                rank: r.rank,
                term: r.term.clone(),
                key: r.key.clone(),
                aesthetic: aesthetics.resolve(&series.term).map(|a| a.name.clone()),
                source: r.source.as_str().to_string(),
                metric: r.metric.clone(),
                region: r.region.clone(),
                segment: series.segment.clone(),
                scale_group: r.scale_group.clone(),
                stage: r.stage.as_str().to_string(),
                growth_yoy: r.growth_yoy.to_string(),
                growth_yoy_percent: r.growth_yoy.percent(),
                growth_pop: r.growth_pop.to_string(),
                growth_pop_percent: r.growth_pop.percent(),
                onset: analysis.onset.map(|d| d.to_string()),
                peak_date: analysis.peak.map(|(d, _)| d.to_string()),
                peak_value: analysis.peak.map(|(_, v)| v),
                latest_date: analysis.latest.map(|(d, _)| d.to_string()),
                latest_value: analysis.latest.map(|(_, v)| v),
                momentum: r.momentum,
                p_value: r.p_value,
                significant_rise: r.significant_rise,
                mann_kendall_p: r.mann_kendall.p_value,
                theil_sen_slope: r.theil_sen_slope,
                robust_z: r.robust_z,
                justification: r.justification(),
            }
        })
        .collect();
    match cli.output {
        Format::Table => {
            let mut rows = vec![
                [
                    "#", "TERM", "SOURCE", "STAGE", "YOY", "POP", "PEAK", "ONSET", "MOMENTUM",
                    "MK P", "RISING",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            ];
            for i in &items {
                rows.push(vec![
                    i.rank.to_string(),
                    clip(&i.term, 32),
                    format!("{} {}", i.source, i.metric),
                    i.stage.clone(),
                    i.growth_yoy.clone(),
                    i.growth_pop.clone(),
                    match (&i.peak_date, i.peak_value) {
                        (Some(d), Some(v)) => format!("{d} ({v:.0})"),
                        _ => "-".into(),
                    },
                    i.onset.clone().unwrap_or_else(|| "-".into()),
                    format!("{:+.1}", i.momentum),
                    format!("{:.4}", i.mann_kendall_p),
                    if i.significant_rise { "yes" } else { "-" }.to_string(),
                ]);
            }
            out!("{}", table(&rows))?;
        }
        format => print_list(format, &items, items.len() as u64)?,
    }
    Ok(0)
}

fn series_of(store: &dyn Catalog, term: &str) -> anyhow::Result<Vec<Series>> {
    let series = series_for(store, term)?;
    if !series.is_empty() {
        return Ok(series);
    }
    let known: Vec<String> = store
        .trend_series(None)?
        .into_iter()
        .map(|s| s.term)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(20)
        .collect();
    let related = if related_for(store, term)?.is_empty() {
        String::new()
    } else {
        format!("; it has related queries: `pointe trends related {term:?}`")
    };
    anyhow::bail!(
        "no trend series for {term:?} (read as {:?}); imported terms: {}{related}",
        term_key(term),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    );
}

fn show(cli: &Cli, term: &str, options: &AnalysisOptions) -> anyhow::Result<u8> {
    let store = crate::open_store(cli)?;
    let series = series_of(&store, term)?;
    let analyses = analyse_many(&series, options);
    let related = related_items(&related_for(&store, term)?);
    match cli.output {
        Format::Table => {
            for (s, a) in series.iter().zip(&analyses) {
                outln!(
                    "{} — {} {} ({}, {}, scale group {})",
                    s.term,
                    s.source.as_str(),
                    s.metric,
                    s.region.as_deref().unwrap_or("region not stated"),
                    s.granularity.as_str(),
                    s.scale_group
                )?;
                outln!("  {}", sparkline(&s.points))?;
                outln!(
                    "  stage {}; year on year {}; period on period {}; onset {}; peak {}; latest {}",
                    a.stage.as_str(),
                    a.growth_yoy,
                    a.growth_pop,
                    a.onset.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                    a.peak
                        .map(|(d, v)| format!("{d} at {v}"))
                        .unwrap_or_else(|| "-".into()),
                    a.latest
                        .map(|(d, v)| format!("{d} at {v}"))
                        .unwrap_or_else(|| "-".into()),
                )?;
                outln!(
                    "  Mann–Kendall S={} p={:.4}; Theil–Sen slope {:+.4}/period; robust z {:+.2}; momentum {:+.1}{}",
                    a.mann_kendall.s,
                    a.mann_kendall.p_value,
                    a.theil_sen_slope,
                    a.robust_z,
                    a.momentum,
                    if a.seasonal {
                        "; seasonally adjusted"
                    } else {
                        ""
                    }
                )?;
                let mut line = String::from("  ");
                let mut previous: Option<jiff::civil::Date> = None;
                for p in &s.points {
                    if let Some(prev) = previous {
                        let gap = (p.date - prev).get_days();
                        let expected = match s.granularity {
                            pointe_core::trends::Granularity::Day => 1,
                            pointe_core::trends::Granularity::Week => 7,
                            pointe_core::trends::Granularity::Month => 31,
                        };
                        if gap > expected {
                            line.push_str("· gap · ");
                        }
                    }
                    previous = Some(p.date);
                    let value = if p.censored {
                        "<1".to_string()
                    } else {
                        format!("{}", p.value)
                    };
                    line.push_str(&format!(
                        "{} {}{}  ",
                        p.date,
                        value,
                        if p.partial { " (partial)" } else { "" }
                    ));
                }
                outln!("{}", textwrap_simple(&line, 100))?;
            }
            if !related.is_empty() {
                out!("{}", related_tables(&related))?;
            }
        }
        _ => {
            let items: Vec<serde_json::Value> = series
                .iter()
                .zip(&analyses)
                .map(|(s, a)| {
                    serde_json::json!({
                        "id": s.id(),
                        "series": s,
                        "analysis": a,
                        "sparkline": sparkline(&s.points),
                    })
                })
                .collect();
            print_json(
                &serde_json::json!({"items": items, "total": items.len(), "related": related}),
            )?;
        }
    }
    Ok(0)
}

/// One related query as `trends related` and `trends show` print it.
#[derive(Debug, Serialize)]
struct RelatedItem {
    term: String,
    region: Option<String>,
    kind: &'static str,
    query: String,
    /// `score`, `percent` or `breakout`.
    value_kind: &'static str,
    /// The score or the percentage; none for a breakout.
    value: Option<u32>,
    /// The value as Google writes it: `100`, `+3,700%`, `Breakout`.
    shown: String,
}

fn related_items(queries: &[RelatedQuery]) -> Vec<RelatedItem> {
    queries
        .iter()
        .map(|q| {
            let (value_kind, value) = match q.value {
                RelatedValue::Score(v) => ("score", Some(v)),
                RelatedValue::Percent(v) => ("percent", Some(v)),
                RelatedValue::Breakout => ("breakout", None),
            };
            RelatedItem {
                term: q.term.clone(),
                region: q.region.clone(),
                kind: match q.kind {
                    pointe_core::trends::RelatedKind::Top => "top",
                    pointe_core::trends::RelatedKind::Rising => "rising",
                },
                query: q.query.clone(),
                value_kind,
                value,
                shown: q.value.to_string(),
            }
        })
        .collect()
}

/// One aligned table per term and region: a title line, then KIND, QUERY, VALUE.
fn related_tables(items: &[RelatedItem]) -> String {
    let mut out = String::new();
    let mut start = 0;
    while start < items.len() {
        let (term, region) = (&items[start].term, &items[start].region);
        let end = items[start..]
            .iter()
            .position(|i| (&i.term, &i.region) != (term, region))
            .map_or(items.len(), |n| start + n);
        out.push_str(&format!(
            "related queries of {term} ({})\n",
            region.as_deref().unwrap_or("region not stated")
        ));
        let mut rows = vec![vec!["KIND".to_string(), "QUERY".into(), "VALUE".into()]];
        for item in &items[start..end] {
            rows.push(vec![
                item.kind.to_uppercase(),
                clip(&item.query, 60),
                item.shown.clone(),
            ]);
        }
        out.push_str(&table(&rows));
        start = end;
    }
    out
}

fn related(cli: &Cli, term: &str) -> anyhow::Result<u8> {
    let store = crate::open_store(cli)?;
    let items = related_items(&related_for(&store, term)?);
    if items.is_empty() {
        anyhow::bail!(
            "no related queries for {term:?} (read as {:?}): import a Google Trends \
             related-queries export with `pointe trends import`",
            term_key(term)
        );
    }
    match cli.output {
        Format::Table => out!("{}", related_tables(&items))?,
        format => print_list(format, &items, items.len() as u64)?,
    }
    Ok(0)
}

fn textwrap_simple(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split("  ") {
        if line.chars().count() + word.chars().count() > width && !line.is_empty() {
            out.push_str(line.trim_end());
            out.push_str("\n  ");
            line.clear();
        }
        line.push_str(word);
        line.push_str("  ");
    }
    out.push_str(line.trim_end());
    out
}

/// One product of `trends products`.
#[derive(Debug, Serialize)]
struct FitItem {
    rank: usize,
    id: String,
    item_ids: Vec<pointe_core::catalog::ItemId>,
    brand: Option<String>,
    title: String,
    category: Option<String>,
    price: Option<MoneyView>,
    tier: Option<String>,
    score: f64,
    matched: Vec<pointe_core::trends::SignatureMatch>,
}

fn products(cli: &Cli, term: &str, limit: usize) -> anyhow::Result<u8> {
    let store = crate::open_store(cli)?;
    let aesthetics = Aesthetics::bundled();
    let Some(aesthetic) = aesthetics.resolve(term) else {
        let known: Vec<&str> = aesthetics.all().iter().map(|a| a.id.as_str()).collect();
        anyhow::bail!(
            "no aesthetic {term:?}; known aesthetics: {}",
            known.join(", ")
        );
    };
    let rates = crate::rate_table(&store)?;
    let today = crate::today()?;
    let reader = CatalogReader::new(&store, &rates, today);
    let tiers = pointe_core::tiers::Tiers::load(Some(&cli.data_dir))?;
    let mut scored = Vec::new();
    for_each_product(&store, 5000, |p| -> anyhow::Result<()> {
        if let Some(fit) = p
            .data
            .attributes
            .as_ref()
            .and_then(|attrs| pointe_core::trends::fit(aesthetic, attrs))
        {
            scored.push((fit, p));
        }
        Ok(())
    })?;
    scored.sort_by(|a, b| {
        b.0.score
            .total_cmp(&a.0.score)
            .then_with(|| b.0.matched.len().cmp(&a.0.matched.len()))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    let total = scored.len() as u64;
    let mut items = Vec::new();
    for (rank, (fit, product)) in scored.into_iter().take(limit).enumerate() {
        let summary = &reader.list_one(&product)?;
        let tier = summary
            .lowest_price
            .as_ref()
            .and_then(|p| {
                let currency = pointe_core::money::Currency::from_code(&p.currency)?;
                pointe_core::money::Money::from_amount_str(&p.amount, currency).ok()
            })
            .and_then(|m| {
                tiers
                    .of(m, &rates, today)
                    .ok()
                    .flatten()
                    .map(str::to_string)
            });
        items.push(FitItem {
            rank: rank + 1,
            id: product.id.clone(),
            item_ids: summary.item_ids.clone(),
            brand: product.data.brand.clone(),
            title: product.data.title.clone(),
            category: product
                .data
                .attributes
                .as_ref()
                .and_then(|a| a.category.clone()),
            price: summary.lowest_price.clone(),
            tier,
            score: fit.score,
            matched: fit.matched,
        });
    }
    match cli.output {
        Format::Table => {
            outln!("{} — products by fit to its signature\n", aesthetic.name)?;
            let mut rows = vec![vec![
                "#".to_string(),
                "FIT".into(),
                "BRAND".into(),
                "TITLE".into(),
                "PRICE".into(),
                "TIER".into(),
                "MATCHES".into(),
            ]];
            for i in &items {
                rows.push(vec![
                    i.rank.to_string(),
                    format!("{:.1}", i.score),
                    clip(i.brand.as_deref().unwrap_or(""), 18),
                    clip(&i.title, 44),
                    crate::output::price_cell(i.price.as_ref()),
                    i.tier.clone().unwrap_or_default(),
                    i.matched
                        .iter()
                        .map(|m| m.value.replace('_', " "))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]);
            }
            out!("{}", table(&rows))?;
            outln!("{} of {} fitting products", items.len(), total)?;
        }
        format => print_list(format, &items, total)?,
    }
    Ok(0)
}
