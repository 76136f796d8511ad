//! `pointe source …`: feeds Pointe downloads by itself.

use std::path::PathBuf;

use clap::Subcommand;
use pointe_app::fetch::{FetchLimits, HttpFetcher};
use pointe_app::ingest::MappingRef;
use pointe_app::sources::AddSource;
use pointe_core::store::{FeedSource, SourceRun};

use crate::output::{Format, print_json, table};
use crate::{Cli, exit};

/// `pointe source` subcommands.
#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Watch a feed: download it every so often and ingest it as the source NAME.
    Add {
        /// The source name (the same names as `ingest --source`: its offers go stale when a
        /// later good download no longer lists them).
        name: String,
        /// The feed's address: http(s)://, or file:// for a file on this machine.
        url: String,
        /// How often: 90s, 30m, 6h, 1d.
        #[arg(long, default_value = "6h")]
        every: String,
        /// The feed format (as for `ingest`); found from the content by default.
        #[arg(long)]
        feed_format: Option<String>,
        /// A column mapping (TOML) for a CSV/TSV no built-in format knows.
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// The retailer, for feeds that name none per row.
        #[arg(long)]
        retailer: Option<String>,
        /// The currency of prices that name none (ISO 4217).
        #[arg(long)]
        currency: Option<String>,
        /// Refuse a download that gives fewer good rows than this share of the last good one
        /// (a failed export, a cut-off file), keeping the last good data.
        #[arg(long, default_value = "50%", value_name = "PERCENT")]
        refuse_below: String,
    },
    /// The watched sources, with their state.
    List,
    /// One source and its latest runs.
    Show {
        /// The source name.
        name: String,
        /// How many runs to list (1 to 100).
        #[arg(long, default_value_t = 10, value_parser = crate::count_arg())]
        runs: usize,
    },
    /// Stop watching a source (its offers stay).
    Remove {
        /// The source name.
        name: String,
    },
    /// Run one source now, or every source that is due.
    Run {
        /// The source name.
        #[arg(required_unless_present = "due", conflicts_with = "due")]
        name: Option<String>,
        /// Every source that is due.
        #[arg(long)]
        due: bool,
        /// Tries in all for a download that fails in a way worth trying again (no connection,
        /// a timeout, HTTP 408, 429 or 5xx, a download that broke off).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
        attempts: u32,
        /// The wait before the second try (250ms, 2s); each later one doubles it, plus up to
        /// half again at random.
        #[arg(long, default_value = "2s", value_parser = parse_wait)]
        backoff: std::time::Duration,
    },
}

/// `250ms` or `2s`, at most a minute.
fn parse_wait(raw: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("{raw:?}: a wait like 250ms or 2s, at most 60s");
    let (n, scale) = match raw.strip_suffix("ms") {
        Some(n) => (n, 1),
        None => (raw.strip_suffix('s').ok_or_else(bad)?, 1000),
    };
    let ms = n.trim().parse::<u64>().map_err(|_| bad())? * scale;
    if ms > 60_000 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_millis(ms))
}

fn percent(raw: &str) -> anyhow::Result<u32> {
    let n = raw.trim().trim_end_matches('%').trim();
    n.parse::<u32>()
        .ok()
        .filter(|n| *n <= 100)
        .ok_or_else(|| anyhow::anyhow!("--refuse-below {raw:?}: a share from 0% to 100%"))
}

/// Runs `pointe source …`.
pub fn run(cli: &Cli, cmd: &SourceCommand) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    match cmd {
        SourceCommand::Add {
            name,
            url,
            every,
            feed_format,
            mapping,
            retailer,
            currency,
            refuse_below,
        } => {
            let req = AddSource {
                name: name.clone(),
                url: url.clone(),
                every: every.clone(),
                feed_format: feed_format.clone(),
                mapping: mapping.clone().map(MappingRef::File),
                retailer: retailer.clone(),
                currency: currency.clone(),
                refuse_below_pct: Some(percent(refuse_below)?),
                allow_private: true,
                allow_file: true,
            };
            let source = pointe_app::sources::add(&ws, &req).map_err(crate::app_error)?;
            match cli.output {
                Format::Table => outln!(
                    "watching {:?}: {} every {}; first run due now (pointe source run {:?}, \
                     or pointe serve)",
                    source.name,
                    source.url,
                    every,
                    source.name
                )?,
                _ => print_json(&source)?,
            }
        }
        SourceCommand::List => {
            let sources = pointe_app::sources::list(&ws).map_err(crate::app_error)?;
            match cli.output {
                Format::Table => out!("{}", sources_table(&sources))?,
                _ => print_json(&serde_json::json!({"items": sources, "total": sources.len()}))?,
            }
        }
        SourceCommand::Show { name, runs } => {
            let (source, list) =
                pointe_app::sources::show(&ws, name, *runs).map_err(crate::app_error)?;
            match cli.output {
                Format::Table => {
                    out!("{}", sources_table(std::slice::from_ref(&source)))?;
                    outln!()?;
                    out!("{}", runs_table(&list))?;
                }
                _ => print_json(&serde_json::json!({"source": source, "runs": list}))?,
            }
        }
        SourceCommand::Remove { name } => {
            pointe_app::sources::remove(&ws, name).map_err(crate::app_error)?;
            outln!("stopped watching {name:?}")?;
        }
        SourceCommand::Run {
            name,
            due,
            attempts,
            backoff,
        } => {
            let limits = FetchLimits {
                attempts: *attempts,
                backoff: *backoff,
                ..FetchLimits::default()
            };
            return run_sources(cli, &ws, name.as_deref(), *due, limits);
        }
    }
    Ok(0)
}

fn run_sources(
    cli: &Cli,
    ws: &pointe_app::Workspace,
    name: Option<&str>,
    due: bool,
    limits: FetchLimits,
) -> anyhow::Result<u8> {
    let fetcher = HttpFetcher::new(limits).map_err(|e| anyhow::anyhow!("{e}"))?;
    let runs = match (name, due) {
        (Some(name), _) => {
            vec![pointe_app::sources::run(ws, name, &fetcher).map_err(crate::app_error)?]
        }
        (None, _) => pointe_app::sources::run_due(ws, &fetcher).map_err(crate::app_error)?,
    };
    match cli.output {
        Format::Table => out!("{}", runs_table(&runs))?,
        _ => print_json(&serde_json::json!({"items": runs, "total": runs.len()}))?,
    }
    let failed = runs.iter().any(|r| !r.outcome.is_good());
    Ok(if failed { exit::SOURCE_FAILED } else { 0 })
}

fn sources_table(sources: &[FeedSource]) -> String {
    let mut rows = vec![vec![
        "NAME".to_string(),
        "URL".into(),
        "EVERY".into(),
        "STATE".into(),
        "LAST GOOD".into(),
        "ROWS".into(),
        "NEXT DUE".into(),
    ]];
    for s in sources {
        let state = match (&s.state.failing, &s.state.last_error) {
            (true, Some(e)) => format!("failing: {e}"),
            (true, None) => "failing".into(),
            (false, _) if s.state.last_run_at.is_none() => "never run".into(),
            (false, _) => "ok".into(),
        };
        let time = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
        rows.push(vec![
            s.name.clone(),
            s.url.clone(),
            format!("{}s", s.every_secs),
            state,
            time(s.state.last_good_at),
            s.state
                .last_good_rows
                .map(|n| n.to_string())
                .unwrap_or_default(),
            time(s.state.next_due),
        ]);
    }
    table(&rows)
}

fn runs_table(runs: &[SourceRun]) -> String {
    let mut rows = vec![vec![
        "SOURCE".to_string(),
        "STARTED".into(),
        "OUTCOME".into(),
        "HTTP".into(),
        "BYTES".into(),
        "ROWS".into(),
        "GOOD".into(),
        "REJECTED".into(),
        "MS".into(),
        "ERROR".into(),
    ]];
    for r in runs {
        rows.push(vec![
            r.source.clone(),
            r.started_at.to_string(),
            serde_json::to_value(r.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            r.http_status.map(|s| s.to_string()).unwrap_or_default(),
            r.bytes.to_string(),
            r.rows.to_string(),
            r.good_rows.to_string(),
            r.rejected.to_string(),
            r.duration_ms.to_string(),
            r.error.clone().unwrap_or_default(),
        ]);
    }
    table(&rows)
}
