//! `pointe watch …` and `pointe alerts`: watches on products, edits and saved searches, and
//! the alerts they raised.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use pointe_app::watches::{AddWatch, Target};
use pointe_core::watch::{Alert, Watch, WatchTarget};

use crate::Cli;
use crate::output::{Format, print_json, table};

/// `pointe watch` subcommands.
#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Watch a product (ID: a Pointe id, feed item id, URL or exact title), an edit's picks
    /// (--edit) or a saved search (--search) for price and stock changes.
    Add(AddArgs),
    /// The watches.
    List,
    /// Stop a watch (its alerts stay).
    Remove {
        /// The watch's id (w1, w2, …).
        id: String,
    },
    /// Judge the watches on what was recorded since they last looked, and deliver the
    /// webhooks that are due (`pointe serve` and `pointe daemon` do this by themselves).
    Check,
}

/// Arguments of `pointe watch add`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["id", "edit", "search"])))]
pub struct AddArgs {
    /// The product.
    id: Option<String>,
    /// An edit's slug: its picks are watched.
    #[arg(long)]
    edit: Option<String>,
    /// A saved search ("ballet flats under £60 in pink").
    #[arg(long)]
    search: Option<String>,
    /// Only this offer of the product (its feed item id: one variant).
    #[arg(long, requires = "id")]
    item: Option<String>,
    /// Alert when the price is at or below this ("£50", "60 EUR"; bare: GBP). Converted
    /// now, once, into the offers' currency.
    #[arg(long, value_name = "PRICE")]
    below: Option<String>,
    /// Alert on a drop of at least this share or amount ("10%", "£20"), measured from the
    /// lowest price paid in the 30 days before.
    #[arg(long, value_name = "SHARE|AMOUNT")]
    drop: Option<String>,
    /// Alert on a rise.
    #[arg(long)]
    rise: bool,
    /// Alert when back in stock.
    #[arg(long)]
    restock: bool,
    /// Alert when out of stock.
    #[arg(long)]
    out_of_stock: bool,
    /// Alert on a product the saved search did not find before.
    #[arg(long, requires = "search")]
    new_match: bool,
    /// POST each alert as JSON to this address.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// A file holding the key that signs each POST (Pointe-Signature, HMAC-SHA256).
    #[arg(long, value_name = "FILE", requires = "webhook")]
    webhook_secret_file: Option<PathBuf>,
    /// The least time between two alerts of this watch (0s, 30m, 1h).
    #[arg(long, default_value = "0s")]
    min_interval: String,
    /// For an edit: swap a pick that can no longer be bought for the next best look-alike.
    #[arg(long, requires = "edit")]
    auto_swap: bool,
}

/// The most bytes read from a secret file.
const MAX_SECRET_FILE: u64 = 4096;

fn secret(path: &PathBuf) -> anyhow::Result<String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("--webhook-secret-file {}: {e}", path.display()))?;
    if meta.len() > MAX_SECRET_FILE {
        anyhow::bail!(
            "--webhook-secret-file {}: larger than {MAX_SECRET_FILE} bytes",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("--webhook-secret-file {}: {e}", path.display()))?;
    let text = text.trim().to_string();
    if text.is_empty() {
        anyhow::bail!("--webhook-secret-file {}: empty", path.display());
    }
    Ok(text)
}

/// Runs `pointe watch …`.
pub fn run(cli: &Cli, cmd: &WatchCommand) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    match cmd {
        WatchCommand::Add(args) => {
            let target = match (&args.id, &args.edit, &args.search) {
                (Some(id), _, _) => Target::Product(id.clone()),
                (_, Some(slug), _) => Target::Edit(slug.clone()),
                (_, _, Some(q)) => Target::Search(q.clone()),
                _ => unreachable!("clap requires one target"),
            };
            let req = AddWatch {
                target,
                item: args.item.clone(),
                below: args.below.clone(),
                drop: args.drop.clone(),
                rise: args.rise,
                restock: args.restock,
                out_of_stock: args.out_of_stock,
                new_match: args.new_match,
                webhook: args.webhook.clone(),
                webhook_secret: args.webhook_secret_file.as_ref().map(secret).transpose()?,
                min_interval: Some(args.min_interval.clone()),
                auto_swap: args.auto_swap,
                allow_private: true,
            };
            let watch = pointe_app::watches::add(&ws, &req).map_err(crate::app_error)?;
            match cli.output {
                Format::Table => outln!("{}: watching {}", watch.id, describe(&watch))?,
                _ => print_json(&pointe_app::watches::view(&watch))?,
            }
        }
        WatchCommand::List => {
            let watches = pointe_app::watches::list(&ws).map_err(crate::app_error)?;
            match cli.output {
                Format::Table => out!("{}", watches_table(&watches))?,
                _ => {
                    let items: Vec<_> = watches.iter().map(pointe_app::watches::view).collect();
                    print_json(&serde_json::json!({"items": items, "total": items.len()}))?
                }
            }
        }
        WatchCommand::Remove { id } => {
            pointe_app::watches::remove(&ws, id).map_err(crate::app_error)?;
            outln!("removed {id}")?;
        }
        WatchCommand::Check => return check(cli, &ws),
    }
    Ok(0)
}

fn check(cli: &Cli, ws: &pointe_app::Workspace) -> anyhow::Result<u8> {
    let alerts = pointe_app::watches::evaluate(ws).map_err(crate::app_error)?;
    let jobs = pointe_app::scheduler::Jobs::http().map_err(|e| anyhow::anyhow!("{e}"))?;
    let sent = pointe_app::webhooks::deliver_due(ws, jobs.post.as_ref(), &jobs.policy)
        .map_err(crate::app_error)?;
    match cli.output {
        Format::Table => {
            out!("{}", alerts_table(&alerts))?;
            for d in &sent {
                let state = serde_json::to_value(d.delivery.state).unwrap_or_default();
                outln!(
                    "webhook {} ({}): {} after {} attempt(s){}",
                    d.key,
                    d.watch_id,
                    state.as_str().unwrap_or(""),
                    d.delivery.attempts,
                    d.delivery
                        .last_error
                        .as_ref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                )?;
            }
        }
        _ => print_json(&serde_json::json!({
            "alerts": alerts, "total": alerts.len(), "deliveries": sent,
        }))?,
    }
    Ok(0)
}

/// Arguments of `pointe alerts`.
#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Only alerts raised at or after this time (RFC 3339: 2026-12-01T09:00:00Z).
    #[arg(long)]
    since: Option<jiff::Timestamp>,
    /// Only this watch's.
    #[arg(long)]
    watch: Option<String>,
    /// At most this many, the latest.
    #[arg(long, default_value_t = 100, value_parser = crate::limit_arg())]
    limit: usize,
}

/// Runs `pointe alerts`.
pub fn alerts(cli: &Cli, args: &AlertsArgs) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    let list = pointe_app::watches::alerts(&ws, args.since, args.watch.as_deref(), args.limit)
        .map_err(crate::app_error)?;
    match cli.output {
        Format::Table => out!("{}", alerts_table(&list))?,
        _ => print_json(&serde_json::json!({"items": list, "total": list.len()}))?,
    }
    Ok(0)
}

fn describe(w: &Watch) -> String {
    let what = match &w.target {
        WatchTarget::Product {
            product_id,
            item_id: Some(item),
        } => format!("{product_id} (item {item})"),
        WatchTarget::Product { product_id, .. } => product_id.clone(),
        WatchTarget::Edit { slug } => format!("the edit {slug}"),
        WatchTarget::Search { query } => format!("the search {query:?}"),
    };
    let r = &w.rules;
    let mut rules = Vec::new();
    if let Some(b) = r.below.first() {
        rules.push(format!("at or below {}", b.money()));
    }
    match &r.drop {
        Some(pointe_core::watch::DropRule::Percent { percent }) => {
            rules.push(format!("a drop of {percent}%"))
        }
        Some(pointe_core::watch::DropRule::Amount { amounts }) => {
            if let Some(a) = amounts.first() {
                rules.push(format!("a drop of {}", a.money()));
            }
        }
        None => {}
    }
    for (on, name) in [
        (r.rise, "a rise"),
        (r.restock, "back in stock"),
        (r.out_of_stock, "out of stock"),
        (r.new_match, "a new match"),
    ] {
        if on {
            rules.push(name.to_string());
        }
    }
    format!("{what} for {}", rules.join(", "))
}

fn watches_table(watches: &[Watch]) -> String {
    let mut rows = vec![vec![
        "ID".to_string(),
        "WATCHING".into(),
        "WEBHOOK".into(),
        "LAST ALERT".into(),
    ]];
    for w in watches {
        rows.push(vec![
            w.id.clone(),
            describe(w),
            w.webhook
                .as_ref()
                .map(|h| h.url.clone())
                .unwrap_or_default(),
            w.state
                .last_alert_at
                .map(|t| t.to_string())
                .unwrap_or_default(),
        ]);
    }
    table(&rows)
}

fn alerts_table(alerts: &[Alert]) -> String {
    let mut rows = vec![vec![
        "RAISED".to_string(),
        "WATCH".into(),
        "ALERT".into(),
        "PRODUCT".into(),
        "BEFORE".into(),
        "NOW".into(),
        "30-DAY LOW".into(),
        "SOURCE".into(),
        "KEY".into(),
    ]];
    for a in alerts {
        let paid = |o: &Option<pointe_core::watch::Observed>| {
            o.as_ref()
                .map(|o| format!("{} ({})", o.paid.money(), o.availability))
                .unwrap_or_default()
        };
        rows.push(vec![
            a.raised_at.to_string(),
            a.watch_id.clone(),
            a.kind.name().to_string(),
            format!("{} {}", a.product_id, a.title),
            paid(&a.previous),
            paid(&a.current),
            a.prior_low_30d
                .map(|m| m.money().to_string())
                .unwrap_or_default(),
            match (&a.source, a.line) {
                (Some(s), Some(l)) => format!("{s} line {l}"),
                (Some(s), None) => s.clone(),
                _ => String::new(),
            },
            a.key.clone(),
        ]);
    }
    table(&rows)
}
