//! `pointe serve`, `pointe daemon` and `pointe token`.

use std::net::SocketAddr;

use clap::{Args, Subcommand};
use pointe_server::ServerConfig;

use crate::Cli;
use crate::output::{Format, print_json, table};

/// Arguments of `pointe serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// An origin allowed to call the API from a browser (CORS); repeat for several. None by
    /// default.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Who may frame edit pages and widgets (CSP frame-ancestors sources).
    #[arg(long, default_value = "*")]
    frame_ancestors: String,
    /// Let sources added over the API name private and loopback addresses (refused by
    /// default: a source is downloaded from inside the network Pointe runs in).
    #[arg(long)]
    allow_private_sources: bool,
    /// Do not run the sources that are due (another process, `pointe daemon`, runs them).
    #[arg(long)]
    no_sources: bool,
}

/// Runs `pointe serve` until SIGTERM or Ctrl-C.
pub fn run(cli: &Cli, args: &ServeArgs) -> anyhow::Result<u8> {
    let config = ServerConfig {
        cors_origins: args.cors_origins.clone(),
        frame_ancestors: args.frame_ancestors.clone(),
        allow_private_sources: args.allow_private_sources,
        ..ServerConfig::default()
    };
    let ws = crate::workspace(cli)?;
    let sources = if args.no_sources {
        None
    } else {
        start_sources(&ws)?
    };
    let served = serve(ws, config, args.addr, cli, None);
    stop_sources(sources);
    served
}

/// Starts the data directory's scheduler on a thread; `None`, with a note, when another
/// process already runs it.
fn start_sources(
    ws: &pointe_app::Workspace,
) -> anyhow::Result<Option<pointe_app::scheduler::Running>> {
    let Some(scheduler) =
        pointe_app::scheduler::Scheduler::acquire(ws).map_err(crate::app_error)?
    else {
        eprintln!(
            "sources: another process runs the sources of {}; this one does not",
            ws.dir().display()
        );
        return Ok(None);
    };
    let mut jobs = pointe_app::scheduler::Jobs::http().map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(lease) = job_lease()? {
        jobs.lease = lease;
    }
    Ok(Some(scheduler.spawn(jobs)?))
}

/// The lease of a claimed job, from `POINTE_JOB_LEASE` (`30s`, `5m`), if set.
fn job_lease() -> anyhow::Result<Option<std::time::Duration>> {
    match std::env::var("POINTE_JOB_LEASE") {
        Ok(raw) if !raw.trim().is_empty() => {
            let secs = pointe_app::sources::parse_every(&raw)
                .map_err(|e| anyhow::anyhow!("POINTE_JOB_LEASE: {e}"))?;
            Ok(Some(std::time::Duration::from_secs(secs)))
        }
        _ => Ok(None),
    }
}

/// Stops the scheduler, giving a run under way a few seconds to end.
fn stop_sources(running: Option<pointe_app::scheduler::Running>) {
    if let Some(running) = running
        && !running.stop(STOP_GRACE)
    {
        eprintln!("sources: a run was still under way; it is abandoned and changes nothing");
    }
}

/// How long a run under way may take to end when Pointe stops.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs `pointe daemon`: the due sources, without the web server, until SIGTERM or Ctrl-C.
pub fn daemon(cli: &Cli) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let shutdown = {
        let _inside = runtime.enter();
        pointe_server::shutdown_signal()
    };
    let Some(running) = start_sources(&ws)? else {
        anyhow::bail!(
            "another process (pointe serve or pointe daemon) runs the sources of {}",
            ws.dir().display()
        );
    };
    eprintln!("running the sources of {}", ws.dir().display());
    runtime.block_on(shutdown);
    stop_sources(Some(running));
    eprintln!("stopped");
    Ok(0)
}

/// Serves `ws` on `addr`, saying where on standard error (and where the edit `show` is
/// published). Edits are published under `--public-url`, else the address listened on.
pub fn serve(
    ws: pointe_app::Workspace,
    mut config: ServerConfig,
    addr: SocketAddr,
    cli: &Cli,
    show: Option<&str>,
) -> anyhow::Result<u8> {
    if cli.public_url.is_some() {
        config.public_url = crate::public_links(cli)?.base().to_string();
    }
    let given = cli.public_url.is_some();
    // Blocking threads (store reads) idle for minutes before they end: threads that come
    // and go under bursty load would each leave their allocations behind.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(std::time::Duration::from_secs(300))
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("--addr {addr}: {e}"))?;
        let local = listener.local_addr()?;
        if !given {
            config.public_url = format!("http://{local}");
        }
        let links = pointe_app::edits::Links::new(&config.public_url).map_err(crate::app_error)?;
        let shutdown = pointe_server::shutdown_signal();
        eprintln!("serving {} on http://{local}", ws.dir().display());
        if let Some(slug) = show {
            eprintln!("the {slug} edit: {}", links.page(slug));
        }
        let app = pointe_server::router(ws, config);
        pointe_server::serve(listener, app, shutdown).await?;
        eprintln!("stopped");
        anyhow::Ok(0)
    })
}

/// `pointe token`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an API token; its secret is printed once and only its hash is kept.
    Create {
        /// A name for it ("cms", "feed-pusher").
        name: String,
        /// read-write (every write) or feeds (feeds and trend exports only).
        #[arg(long, default_value = "read-write")]
        scope: String,
    },
    /// List the tokens (never their secrets).
    List,
    /// Revoke a token: it authorises nothing from now on.
    Revoke {
        /// Its name.
        name: String,
    },
}

/// Runs `pointe token …`.
pub fn token(cli: &Cli, cmd: &TokenCommand) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    match cmd {
        TokenCommand::Create { name, scope } => {
            let scope = pointe_app::tokens::scope(scope).map_err(crate::app_error)?;
            let made = pointe_app::tokens::create(&ws, name, scope).map_err(crate::app_error)?;
            match cli.output {
                Format::Table => {
                    outln!("{}", made.secret)?;
                    eprintln!(
                        "token {:?} ({}): shown once; keep it secret. Send it as \
                         `Authorization: Bearer <token>`.",
                        made.token.name,
                        made.token.scope.name()
                    );
                }
                _ => print_json(&serde_json::json!({
                    "name": made.token.name,
                    "scope": made.token.scope,
                    "token": made.secret,
                }))?,
            }
        }
        TokenCommand::List => {
            let tokens = pointe_app::tokens::list(&ws).map_err(crate::app_error)?;
            match cli.output {
                Format::Table => {
                    let mut rows = vec![vec![
                        "NAME".to_string(),
                        "SCOPE".into(),
                        "CREATED".into(),
                        "REVOKED".into(),
                    ]];
                    for t in &tokens {
                        rows.push(vec![
                            t.name.clone(),
                            t.scope.name().into(),
                            t.created_at.to_string(),
                            t.revoked_at.map(|r| r.to_string()).unwrap_or_default(),
                        ]);
                    }
                    out!("{}", table(&rows))?;
                }
                _ => print_json(&serde_json::json!({"items": tokens, "total": tokens.len()}))?,
            }
        }
        TokenCommand::Revoke { name } => {
            pointe_app::tokens::revoke(&ws, name).map_err(crate::app_error)?;
            outln!("revoked {name}")?;
        }
    }
    Ok(0)
}
