//! `pointe`: the command line of Pointe. Each command parses its arguments, calls the core
//! library and prints the result; nothing here decides anything about feeds or products.

#[macro_use]
mod output;
mod attributes;
mod demo;
mod edit;
mod fx;
mod ingest;
mod products;
mod search;
mod serve;
mod source;
mod trends;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pointe_core::Error as CoreError;

use crate::output::Format;

/// Ingest parses on one thread and writes on another; mimalloc frees across threads cheaply.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Pointe turns trend signals and retailer feeds into shoppable "Get the look" edits.
#[derive(Debug, Parser)]
#[command(name = "pointe", version, about, propagate_version = true)]
pub struct Cli {
    /// Where Pointe keeps its catalog.
    #[arg(
        long,
        global = true,
        env = "POINTE_DATA_DIR",
        default_value = "pointe-data"
    )]
    data_dir: PathBuf,

    /// A PostgreSQL database to keep the catalog in (`postgres://user@host:port/db`), shared
    /// by several Pointe nodes; each keeps its search index in its own data directory.
    /// Default: the embedded store in the data directory.
    #[arg(
        long,
        global = true,
        env = "POINTE_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,

    /// Output format of commands that print data: table, json or jsonl; `edit render` adds md
    /// and html.
    #[arg(short, long, global = true, default_value = "table")]
    output: Format,

    /// The address readers reach `pointe serve` at: edits' public pages, iframe snippets and
    /// oEmbed answers are given under it.
    /// Default: the address `pointe serve` listens on.
    #[arg(long, global = true, env = "POINTE_PUBLIC_URL")]
    public_url: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ingest retailer or affiliate feeds (Google Merchant Center TSV/CSV/XML, Awin publisher and
    /// advertiser CSVs, Shopify products.json, any CSV with --mapping; gzip or not).
    Ingest(ingest::IngestArgs),
    /// List and show products with their offers and price history.
    #[command(subcommand)]
    Products(products::ProductsCommand),
    /// Trend radar: import search and social exports, rank terms by momentum, link aesthetics
    /// to products.
    #[command(subcommand)]
    Trends(trends::TrendsCommand),
    /// Edits: build a "Get the look" from a hero and a trend, keep it live, render it.
    #[command(subcommand)]
    Edit(edit::EditCommand),
    /// Full-text product search with filters, facets and sorting.
    Search(search::SearchArgs),
    /// The products that look most like a hero (an id, --url or --text), cheaper by default,
    /// with what each shares, how it differs and what it saves.
    Lookalikes(search::LookalikesArgs),
    /// Exchange rates: import the European Central Bank's files, convert amounts.
    #[command(subcommand)]
    Fx(fx::FxCommand),
    /// Fashion attributes: see what the extractor reads from any text, or extract in bulk.
    #[command(subcommand)]
    Attributes(attributes::AttributesCommand),
    /// Extract every product's attributes again (after the taxonomy changed).
    Reextract {
        /// Also redo products already extracted with the current taxonomy.
        #[arg(long)]
        force: bool,
    },
    /// Load the bundled sample catalog into a fresh directory, show what Pointe holds and build
    /// the sample Balletcore edit.
    Demo(demo::DemoArgs),
    /// What the data directory holds: products, the last ingests, edits and trend series.
    Status {
        /// How many of the last ingests to list (1 to 100).
        #[arg(long, default_value_t = 10)]
        ingests: usize,
    },
    /// Check the store's integrity (SQLite integrity and foreign keys).
    Check,
    /// Serve the HTTP API and the web workspace (reads public, writes with a token), and run
    /// the sources that are due, until SIGTERM or Ctrl-C.
    Serve(serve::ServeArgs),
    /// Run the sources that are due, without the web server, until SIGTERM or Ctrl-C (one
    /// process per data directory runs them: this or `pointe serve`).
    Daemon,
    /// API tokens for writes over HTTP.
    #[command(subcommand)]
    Token(serve::TokenCommand),
    /// Feeds Pointe downloads by itself: add, list, show, remove and run them.
    #[command(subcommand)]
    Source(source::SourceCommand),
    /// Watches on products, edits and saved searches: alerts on price and stock changes,
    /// delivered to webhooks.
    #[command(subcommand)]
    Watch(watch::WatchCommand),
    /// The alerts the watches raised, with their evidence.
    Alerts(watch::AlertsArgs),
    /// The PostgreSQL database (`--database-url`): its schema.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Apply the pending schema migrations (every command that connects applies them too) and
    /// print the schema version.
    Migrate,
    /// Copy an embedded catalog (its products, offers and price history, sources, watches,
    /// alerts, tokens, edits and trends, with their ids) into a new PostgreSQL database,
    /// checking every table's count before it commits.
    Copy {
        /// The embedded store: `sqlite:PATH`, a data directory or its `pointe.db`.
        #[arg(long)]
        from: String,
        /// The database: `postgres://user@host:port/db`.
        #[arg(long)]
        to: String,
    },
}

/// Exit codes of the JSON/CLI contract.
/// The most results a `--limit` may ask for; a larger one is a usage error, as is 0.
pub const MAX_LIMIT: u64 = 10_000;

/// Parses `--limit`: 1 to [`MAX_LIMIT`].
pub fn limit_arg() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_LIMIT)
}

/// Parses a small count (`--count`, `--per-brand`): 1 to 100.
pub fn count_arg() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100)
}

pub mod exit {
    /// Bad input or usage.
    pub const BAD_INPUT: u8 = 1;
    /// Unknown or ambiguous product.
    pub const UNKNOWN_PRODUCT: u8 = 2;
    /// An ingest in which no row was accepted.
    pub const NOTHING_ACCEPTED: u8 = 3;
    /// A source run that failed or was refused (the source keeps its last good data).
    pub const SOURCE_FAILED: u8 = 4;
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("POINTE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // Usage errors exit 1 like every other bad input (clap's own default is 2, which Pointe
    // keeps for an unknown product); help and version exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { exit::BAD_INPUT } else { 0 };
            // Printing help to a closed pipe is not worth a second error.
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    if matches!(cli.output, output::Format::Md | output::Format::Html)
        && !matches!(cli.command, Command::Edit(edit::EditCommand::Render { .. }))
    {
        eprintln!("error: -o md and -o html are for `pointe edit render`");
        return ExitCode::from(exit::BAD_INPUT);
    }
    let result = match &cli.command {
        Command::Ingest(args) => ingest::run(&cli, args),
        Command::Products(cmd) => products::run(&cli, cmd),
        Command::Fx(cmd) => fx::run(&cli, cmd),
        Command::Search(args) => search::run_search(&cli, args),
        Command::Lookalikes(args) => search::run_lookalikes(&cli, args),
        Command::Trends(cmd) => trends::run(&cli, cmd),
        Command::Edit(cmd) => edit::run(&cli, cmd),
        Command::Demo(args) => demo::run(&cli, args),
        Command::Attributes(cmd) => attributes::run(&cli, cmd),
        Command::Reextract { force } => attributes::reextract(&cli, *force),
        Command::Status { ingests } => status(&cli, *ingests),
        Command::Check => check(&cli),
        Command::Serve(args) => serve::run(&cli, args),
        Command::Daemon => serve::daemon(&cli),
        Command::Token(cmd) => serve::token(&cli, cmd),
        Command::Source(cmd) => source::run(&cli, cmd),
        Command::Watch(cmd) => watch::run(&cli, cmd),
        Command::Alerts(args) => watch::alerts(&cli, args),
        Command::Db(DbCommand::Migrate) => db_migrate(&cli),
        Command::Db(DbCommand::Copy { from, to }) => db_copy(&cli, from, to),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            let not_found = matches!(
                err.downcast_ref::<CoreError>(),
                Some(CoreError::UnknownProduct { .. } | CoreError::AmbiguousProduct { .. })
            ) || err
                .downcast_ref::<pointe_app::Error>()
                .is_some_and(|e| e.code() == pointe_app::ErrorCode::NotFound);
            let code = if not_found {
                exit::UNKNOWN_PRODUCT
            } else {
                exit::BAD_INPUT
            };
            ExitCode::from(code)
        }
    }
}

/// Runs `pointe check`: exit 0 and "ok" when the store is sound, 1 with the problems otherwise.
fn status(cli: &Cli, ingests: usize) -> anyhow::Result<u8> {
    if !(1..=100).contains(&ingests) {
        anyhow::bail!("--ingests: {ingests}: expected 1 to 100");
    }
    let status = pointe_app::status::status(&workspace(cli)?, ingests).map_err(app_error)?;
    match cli.output {
        output::Format::Table => out!("{}", output::status_text(&status))?,
        _ => output::print_json(&status)?,
    }
    Ok(0)
}

fn check(cli: &Cli) -> anyhow::Result<u8> {
    if cli.database_url.is_some() {
        anyhow::bail!(
            "`pointe check` checks the embedded store; PostgreSQL keeps its own (its foreign keys are enforced)"
        );
    }
    let store = pointe_core::store::SqliteStore::open_dir(&cli.data_dir)?;
    let problems = store.check()?;
    if problems.is_empty() {
        println!("ok");
        Ok(0)
    } else {
        for p in &problems {
            println!("{p}");
        }
        Ok(exit::BAD_INPUT)
    }
}

fn db_migrate(cli: &Cli) -> anyhow::Result<u8> {
    let Some(url) = &cli.database_url else {
        anyhow::bail!("--database-url (or POINTE_DATABASE_URL) names no database to migrate");
    };
    let store = pointe_core::store::PgStore::connect(url)?;
    let (applied, known) = store.schema_version()?;
    println!("schema version {applied} of {known}");
    Ok(0)
}

fn db_copy(cli: &Cli, from: &str, to: &str) -> anyhow::Result<u8> {
    let report = pointe_app::database::copy(from, to).map_err(app_error)?;
    match cli.output {
        output::Format::Table => {
            for t in &report.tables {
                println!("{:<14} {:>10}", t.table, t.rows);
            }
            println!("copied; every table's count matches");
        }
        _ => output::print_json(&report)?,
    }
    Ok(0)
}

/// The application layer's view of the data directory and its store.
fn workspace(cli: &Cli) -> anyhow::Result<pointe_app::Workspace> {
    Ok(match &cli.database_url {
        Some(url) => pointe_app::Workspace::with_database(&cli.data_dir, url)?,
        None => pointe_app::Workspace::new(&cli.data_dir),
    })
}

/// An application error as the CLI tells it: a bad parameter names its flag (`--feed-format`).
fn app_error(e: pointe_app::Error) -> anyhow::Error {
    match e {
        pointe_app::Error::BadParameter { field, message } => {
            anyhow::anyhow!("--{}: {message}", field.replace('_', "-"))
        }
        other => other.into(),
    }
}

/// The addresses of published edits under `--public-url`.
fn public_links(cli: &Cli) -> anyhow::Result<pointe_app::edits::Links> {
    let url = cli.public_url.as_deref().unwrap_or("http://127.0.0.1:8080");
    pointe_app::edits::Links::new(url).map_err(app_error)
}

/// Opens the store.
fn open_store(cli: &Cli) -> anyhow::Result<Box<dyn pointe_core::store::Backend>> {
    Ok(workspace(cli)?.store()?)
}

/// The attribute extractor over the bundled taxonomy, or `<data-dir>/taxonomy.toml` when present.
fn extractor(cli: &Cli) -> anyhow::Result<pointe_core::attributes::Extractor> {
    Ok(workspace(cli)?.extractor()?)
}

/// The bundled exchange rates, overridden by any imported into the store.
fn rate_table(
    store: &dyn pointe_core::store::Catalog,
) -> anyhow::Result<pointe_core::fx::RateTable> {
    Ok(pointe_app::stored_rates(store)?)
}

/// Today's date in UTC, or `POINTE_NOW`'s.
fn today() -> anyhow::Result<jiff::civil::Date> {
    Ok(pointe_app::today()?)
}
