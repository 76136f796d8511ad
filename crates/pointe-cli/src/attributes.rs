//! `pointe attributes explain|extract` and `pointe reextract`.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Subcommand;
use pointe_core::attributes::{Attributes, Extractor, Market, ProductText};

use crate::Cli;
use crate::output::{Format, print_json};

/// `pointe attributes …`.
#[derive(Debug, Subcommand)]
pub enum AttributesCommand {
    /// Show what the extractor reads from a text: every value with the words that state it.
    Explain {
        /// The text, e.g. "Leather Bow Ballet Pumps".
        text: String,
        /// UK or US English (default UK).
        #[arg(long, default_value = "UK")]
        market: String,
    },
    /// Extract attributes in bulk: one text per line on standard input (or a column of a CSV),
    /// one JSON object per line out.
    Extract {
        /// Read this CSV file instead of standard input.
        #[arg(long, requires = "column")]
        csv: Option<PathBuf>,
        /// The CSV column to read.
        #[arg(long, requires = "csv")]
        column: Option<String>,
        /// UK or US English (default UK).
        #[arg(long, default_value = "UK")]
        market: String,
    },
}

fn market(raw: &str) -> anyhow::Result<Market> {
    raw.parse::<Market>()
        .map_err(|e| anyhow::anyhow!("--market: {e}"))
}

/// Runs `pointe attributes …`.
pub fn run(cli: &Cli, cmd: &AttributesCommand) -> anyhow::Result<u8> {
    let extractor = crate::extractor(cli)?;
    match cmd {
        AttributesCommand::Explain { text, market: m } => {
            let attrs = extractor.extract(&ProductText::new(text, market(m)?));
            match cli.output {
                Format::Table => out!("{}", explain_text(&attrs))?,
                _ => print_json(&attrs)?,
            }
        }
        AttributesCommand::Extract {
            csv,
            column,
            market: m,
        } => {
            let market = market(m)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match (csv, column) {
                (Some(path), Some(column)) => {
                    let mut reader = csv::ReaderBuilder::new()
                        .flexible(true)
                        .from_path(path)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                    let headers = reader
                        .headers()
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
                        .clone();
                    let index = headers.iter().position(|h| h == column).ok_or_else(|| {
                        anyhow::anyhow!(
                            "{}: no column {column:?}; the columns are {}",
                            path.display(),
                            headers.iter().collect::<Vec<_>>().join(", ")
                        )
                    })?;
                    for record in reader.records() {
                        let record =
                            record.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                        let text = record.get(index).unwrap_or("");
                        write_line(&mut out, &extractor, text, market)?;
                    }
                }
                _ => {
                    for line in std::io::stdin().lock().lines() {
                        write_line(&mut out, &extractor, &line?, market)?;
                    }
                }
            }
            out.flush()?;
        }
    }
    Ok(0)
}

fn write_line(
    out: &mut dyn Write,
    extractor: &Extractor,
    text: &str,
    market: Market,
) -> anyhow::Result<()> {
    let attrs = extractor.extract(&ProductText::new(text, market));
    let values: serde_json::Map<String, serde_json::Value> = attrs
        .values
        .iter()
        .map(|(dim, list)| {
            (
                dim.clone(),
                serde_json::Value::from(list.iter().map(|e| e.value.clone()).collect::<Vec<_>>()),
            )
        })
        .collect();
    serde_json::to_writer(
        &mut *out,
        &serde_json::json!({
            "input": text,
            "category": attrs.category,
            "colour_family": attrs.colour_family,
            "attributes": values,
        }),
    )?;
    writeln!(out)?;
    Ok(())
}

/// Attributes with their evidence, one value a line.
pub fn explain_text(attrs: &Attributes) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "category: {}\ncolour family: {}\n",
        attrs.category.as_deref().unwrap_or("-"),
        attrs.colour_family.as_deref().unwrap_or("-")
    ));
    if let Some(h) = attrs.heel_height_cm {
        out.push_str(&format!("heel height: {h} cm\n"));
    }
    for (dim, list) in &attrs.values {
        for e in list {
            let evidence: Vec<String> = e
                .evidence
                .iter()
                .map(|ev| format!("{} \"{}\"", ev.field, ev.matched))
                .collect();
            out.push_str(&format!("  {dim}: {} — {}\n", e.label, evidence.join("; ")));
        }
    }
    out
}

/// Runs `pointe reextract`.
pub fn reextract(cli: &Cli, force: bool) -> anyhow::Result<u8> {
    let mut store = crate::open_store(cli)?;
    let extractor = crate::extractor(cli)?;
    let report = pointe_core::ingest::reextract(&mut *store, &extractor, force)?;
    crate::search::refresh_index(cli, &*store);
    match cli.output {
        Format::Table => outln!(
            "{} products: {} changed, {} already current (taxonomy {})",
            report.products,
            report.changed,
            report.current,
            extractor.taxonomy().version()
        )?,
        _ => print_json(&report)?,
    }
    Ok(0)
}
