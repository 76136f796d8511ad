//! `pointe demo`: the bundled sample catalog, loaded into a fresh directory and shown.

use std::path::PathBuf;

use clap::Args;
use pointe_core::brand::BrandBook;
use pointe_core::catalog::CatalogReader;
use pointe_core::feed::FeedOptions;
use pointe_core::ingest::{IngestOptions, ingest_file};
use pointe_core::store::{ProductFilter, SqliteStore};

/// The sample feeds shipped inside the binary: an affiliate CSV of 24 products (the eight of
/// the Balletcore edit among them) and a second retailer's Google Merchant Center XML feed that
/// sells two of the same products.
const SAMPLES: &[(&str, &str)] = &[
    (
        "catalog.awin.csv",
        include_str!("../../../samples/catalog.awin.csv"),
    ),
    (
        "harvey.gmc.xml",
        include_str!("../../../samples/harvey.gmc.xml"),
    ),
];

/// Arguments of `pointe demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the demo's catalog; emptied first. Default: `pointe-demo` in the system's
    /// temporary directory. The demo never touches `--data-dir`.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Then serve the demo's catalog over HTTP (the API, and the Balletcore edit's public
    /// page) until SIGTERM or Ctrl-C.
    #[arg(long)]
    serve: bool,
    /// The address to serve on, with --serve.
    #[arg(long, default_value = "127.0.0.1:8080", requires = "serve")]
    addr: std::net::SocketAddr,
}

/// Runs `pointe demo`.
pub fn run(cli: &crate::Cli, args: &DemoArgs) -> anyhow::Result<u8> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("pointe-demo"));
    if dir.exists() {
        let marker = dir.join("pointe.db");
        let empty = std::fs::read_dir(&dir)?.next().is_none();
        if !marker.exists() && !empty {
            anyhow::bail!(
                "{} exists and is not a Pointe demo directory; choose another with --dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(&dir)?;
    }
    let feeds_dir = dir.join("samples");
    std::fs::create_dir_all(&feeds_dir)?;
    let mut store = SqliteStore::open_dir(&dir)?;
    let brands = BrandBook::load(Some(&dir))?;
    let extractor =
        pointe_core::attributes::Extractor::new(&pointe_core::attributes::Taxonomy::bundled());
    let options = IngestOptions {
        feed: FeedOptions::default(),
        source: None,
        retailer: None,
        seen_at: pointe_core::clock::now()?,
        market: None,
        prices: Default::default(),
    };

    outln!(
        "Pointe demo: loading the bundled sample catalog into {}\n",
        dir.display()
    )?;
    for (name, text) in SAMPLES {
        let path = feeds_dir.join(name);
        std::fs::write(&path, text)?;
        let report = ingest_file(
            &mut store,
            &brands,
            &extractor,
            &path,
            &options,
            &mut |_, _| {},
        )?;
        out!("{}", crate::ingest::render_report(&report))?;
        outln!()?;
    }

    let rates = crate::rate_table(&store)?;
    let reader = CatalogReader::new(&store, &rates, crate::today()?);
    let (items, total) = reader.list(&ProductFilter::default(), None)?;
    outln!("The catalog:\n")?;
    out!("{}", crate::products::list_table(&items, total))?;

    outln!("\nOne product, two retailers — the M&S pumps of the Balletcore edit:\n")?;
    let pumps = reader.resolve("seed-004")?;
    out!(
        "{}",
        crate::products::show_text(&reader.detail(&pumps, None)?)
    )?;

    // The Balletcore edit of the seed article, with the editor's figure (Pinterest) as its
    // trend line: the demo imports no trend series, and never cites a made-up one.
    let tiers = pointe_core::tiers::Tiers::bundled();
    let now = pointe_core::clock::now()?;
    let demo_ws = pointe_app::Workspace::new(&dir);
    let (finder, _) = pointe_app::edits::SearchFinder::open(&demo_ws, &store)?;
    let request = pointe_core::edit::CreateRequest {
        slug: "balletcore".into(),
        title: "Balletcore is here to stay: the Miu Miu flats, and the pairs that get the look for less"
            .into(),
        standfirst: Some(
            "Satin, bows and a dancer's slipper shape: the trend that refuses to leave, at every price."
                .into(),
        ),
        author: Some("The Pointe desk".into()),
        hero: "seed-001".into(),
        currency: pointe_core::money::Currency::from_code("GBP")
            .ok_or_else(|| anyhow::anyhow!("GBP is unknown"))?,
        market: None,
        count: 4,
        per_brand: 1,
        trend: pointe_core::edit::cite_trend(
            &store,
            "balletcore",
            Some((1566.0, "Pinterest".into())),
        )?
        .citation,
        rules: pointe_core::edit::PriceRules::default(),
        now,
    };
    let edit = pointe_core::edit::create(&reader, &tiers, &finder, &request)?.edit;
    drop(finder);
    let mut view = pointe_core::edit::resolve(&reader, &tiers, &edit, now)?.into_view();
    for p in std::iter::once(&mut view.hero).chain(view.picks.iter_mut()) {
        p.buy_url = p.url.clone();
    }
    let html_path = dir.join("balletcore.html");
    std::fs::write(&html_path, pointe_core::edit::render::html(&view))?;
    pointe_core::store::Store::put_edit(&mut store, &edit)?;

    outln!("\nThe Balletcore edit, as Markdown:\n")?;
    out!("{}", pointe_core::edit::render::markdown(&view))?;
    outln!(
        "\nThe same edit as an embeddable HTML widget: {}",
        html_path.display()
    )?;
    outln!(
        "\nExplore it: pointe --data-dir {} products list --brand \"M&S\"",
        dir.display()
    )?;
    outln!(
        "            pointe --data-dir {} edit render balletcore -o html",
        dir.display()
    )?;
    if args.serve {
        let ws = pointe_app::Workspace::new(&dir);
        let config = pointe_server::ServerConfig::default();
        return crate::serve::serve(ws, config, args.addr, cli, Some("balletcore"));
    }
    Ok(0)
}
