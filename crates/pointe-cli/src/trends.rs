//! `pointe trends import|list|show|related|products`: arguments and text output; the use
//! cases are `pointe_app::trends`.

use std::path::PathBuf;

use clap::Subcommand;
use pointe_app::trends::{ImportReport, ImportRequest, RelatedItem};
use pointe_core::trends::{AnalysisOptions, sparkline};

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
    pointe_app::trends::options(window, at).map_err(crate::app_error)
}

/// Runs `pointe trends …`.
pub fn run(cli: &Cli, cmd: &TrendsCommand) -> anyhow::Result<u8> {
    match cmd {
        TrendsCommand::Import {
            files,
            source,
            region,
            scale_group,
        } => import(
            cli,
            files,
            &ImportRequest {
                source: source.clone(),
                region: region.clone(),
                scale_group: scale_group.clone(),
            },
        ),
        TrendsCommand::List { window, at } => list(cli, &options(*window, at.as_deref())?),
        TrendsCommand::Show { term, window } => show(cli, term, &options(*window, None)?),
        TrendsCommand::Related { term } => related(cli, term),
        TrendsCommand::Products { term, limit } => products(cli, term, *limit),
    }
}

/// An unknown term or aesthetic is bad input at the terminal (exit 1), not an unknown product.
fn not_found_is_bad_input(e: pointe_app::Error) -> anyhow::Error {
    match e {
        pointe_app::Error::NotFound { message, .. } => anyhow::anyhow!(message),
        other => crate::app_error(other),
    }
}

fn import(cli: &Cli, files: &[PathBuf], request: &ImportRequest) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    let mut failed = false;
    let mut reports = Vec::new();
    for path in files {
        let report = match pointe_app::trends::import_file(&ws, path, request) {
            Ok(report) => report,
            Err(err @ pointe_app::Error::Core(pointe_core::Error::Store(_))) => {
                return Err(err.into());
            }
            Err(err) => {
                eprintln!("error: {err}");
                eprintln!("  nothing from {} was stored", path.display());
                failed = true;
                continue;
            }
        };
        if cli.output == Format::Table {
            print_import_report(&report)?;
        }
        reports.push(report);
    }
    if cli.output != Format::Table {
        print_list(cli.output, &reports, reports.len() as u64)?;
    }
    Ok(if failed { exit::BAD_INPUT } else { 0 })
}

fn print_import_report(report: &ImportReport) -> std::io::Result<()> {
    outln!(
        "{}: {} — {} series ({} new, {} updated), {} points ({} censored \"<1\"), {} related queries",
        report.file,
        report.layout,
        report.series,
        report.series_new,
        report.series_updated,
        report.points,
        report.censored_points,
        report.related_queries
    )?;
    for collision in &report.collisions {
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

fn list(cli: &Cli, options: &AnalysisOptions) -> anyhow::Result<u8> {
    let page =
        pointe_app::trends::list(&crate::workspace(cli)?, options).map_err(crate::app_error)?;
    let items = page.items;
    if items.is_empty() && cli.output == Format::Table {
        eprintln!("no trend series yet: import an export with `pointe trends import FILE`");
        return Ok(0);
    }
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

fn show(cli: &Cli, term: &str, options: &AnalysisOptions) -> anyhow::Result<u8> {
    let shown = pointe_app::trends::show(&crate::workspace(cli)?, term, options)
        .map_err(not_found_is_bad_input)?;
    let related = &shown.related;
    match cli.output {
        Format::Table => {
            for view in &shown.items {
                let (s, a) = (&view.series, &view.analysis);
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
                out!("{}", related_tables(related))?;
            }
        }
        _ => print_json(&shown)?,
    }
    Ok(0)
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
    let page =
        pointe_app::trends::related(&crate::workspace(cli)?, term).map_err(crate::app_error)?;
    if page.items.is_empty() {
        anyhow::bail!(
            "no related queries for {term:?} (read as {:?}): import a Google Trends \
             related-queries export with `pointe trends import`",
            pointe_core::trends::term_key(term)
        );
    }
    match cli.output {
        Format::Table => out!("{}", related_tables(&page.items))?,
        format => print_list(format, &page.items, page.total)?,
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

fn products(cli: &Cli, term: &str, limit: usize) -> anyhow::Result<u8> {
    let (name, page) = pointe_app::trends::products(&crate::workspace(cli)?, term, limit)
        .map_err(not_found_is_bad_input)?;
    let (items, total) = (page.items, page.total);
    match cli.output {
        Format::Table => {
            outln!("{name} — products by fit to its signature\n")?;
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
