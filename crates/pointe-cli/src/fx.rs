//! `pointe fx import|convert`.

use std::path::PathBuf;

use clap::Subcommand;
use pointe_core::fx::RateTable;
use pointe_core::money::{Currency, parse_price};

use crate::Cli;
use crate::output::{Format, print_json};

/// `pointe fx …`.
#[derive(Debug, Subcommand)]
pub enum FxCommand {
    /// Import the ECB's euro reference rates: the historical CSV (eurofxref-hist.csv) or a
    /// daily/90-day XML file (eurofxref-daily.xml).
    Import {
        /// Rate files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Convert an amount at the reference rate of a date (default today).
    Convert {
        /// The amount with its currency, e.g. "550.00 GBP" or "£550".
        amount: String,
        /// Target currency.
        #[arg(long)]
        to: String,
        /// Date of the rate (2025-05-09); the closest earlier business day is used.
        #[arg(long)]
        date: Option<String>,
    },
}

/// Runs `pointe fx …`.
pub fn run(cli: &Cli, cmd: &FxCommand) -> anyhow::Result<u8> {
    let mut store = crate::open_store(cli)?;
    match cmd {
        FxCommand::Import { files } => {
            for file in files {
                let table = RateTable::from_file(file)?;
                let triples: Vec<(String, String, String)> = table
                    .iter()
                    .map(|(d, c, r)| (d.to_string(), c.code().to_string(), r))
                    .collect();
                pointe_core::store::Store::put_fx_rates(&mut *store, &triples)?;
                outln!(
                    "{}: {} rates{}",
                    file.display(),
                    triples.len(),
                    table
                        .dates()
                        .map(|range| format!(" from {} to {}", range.start(), range.end()))
                        .unwrap_or_default()
                )?;
            }
        }
        FxCommand::Convert { amount, to, date } => {
            let rates = crate::rate_table(&*store)?;
            let money = parse_price(amount, None).map_err(|e| anyhow::anyhow!("{e}"))?;
            let to: Currency = to.parse().map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            let on = match date {
                Some(d) => d
                    .parse::<jiff::civil::Date>()
                    .map_err(|e| anyhow::anyhow!("--date {d:?}: {e}"))?,
                None => crate::today()?,
            };
            let converted = rates.convert(money, to, on)?;
            let view = if converted.approx {
                pointe_core::catalog::MoneyView::converted(converted.money, converted.rate_date)
            } else {
                pointe_core::catalog::MoneyView::exact(converted.money)
            };
            match cli.output {
                Format::Table => outln!(
                    "{} = {}{}",
                    money,
                    converted.money,
                    converted
                        .rate_date
                        .map(|d| format!(" (ECB reference rate of {d})"))
                        .unwrap_or_default()
                )?,
                _ => print_json(&view)?,
            }
        }
    }
    Ok(0)
}
