//! `pointe demo`: the bundled sample catalog, loaded into a fresh directory and shown.

use std::path::PathBuf;

use clap::Args;

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
    outln!(
        "Pointe demo: loading the bundled sample catalog into {}\n",
        dir.display()
    )?;
    let links = crate::public_links(cli)?;
    let demo = pointe_app::demo::run(&dir, &links).map_err(crate::app_error)?;
    present(&demo)?;
    if args.serve {
        let ws = pointe_app::Workspace::new(&dir);
        let scope = pointe_app::tokens::scope("read-write").map_err(crate::app_error)?;
        let editor =
            pointe_app::tokens::create(&ws, "demo-editor", scope).map_err(crate::app_error)?;
        eprintln!(
            "the builder's sign-in token for this demo (read-write; gone with the demo's \
             directory): {}",
            editor.secret
        );
        let config = pointe_server::ServerConfig::default();
        return crate::serve::serve(
            ws,
            config,
            args.addr,
            cli,
            Some(pointe_app::demo::EDIT_SLUG),
        );
    }
    Ok(0)
}

fn present(demo: &pointe_app::demo::Demo) -> anyhow::Result<()> {
    for report in &demo.reports {
        out!("{}", crate::ingest::render_report(report))?;
        outln!()?;
    }
    outln!("The catalog:\n")?;
    out!(
        "{}",
        crate::products::list_table(&demo.catalog.items, demo.catalog.total)
    )?;
    outln!("\nOne product, two retailers — the M&S pumps of the Balletcore edit:\n")?;
    out!("{}", crate::products::show_text(&demo.shown))?;
    outln!("\nThe Balletcore edit, as Markdown:\n")?;
    out!("{}", demo.markdown)?;
    outln!(
        "\nThe same edit as an embeddable HTML widget: {}",
        demo.html_path.display()
    )?;
    let dir = demo.dir.display();
    outln!("\nExplore it: pointe --data-dir {dir} products list --brand \"M&S\"")?;
    outln!("            pointe --data-dir {dir} edit render balletcore -o html")?;
    Ok(())
}
