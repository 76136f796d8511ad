//! `pointe edit create|pick|unpick|move|blurb|render|refresh|list|show`.

use clap::Subcommand;
use pointe_app::edits::{
    self, CreateEditRequest, EditList, PickRequest, RefreshList, RenderFormat, Rendered, Shown,
};
use pointe_core::edit::{self, check_editor_figure};

use crate::Cli;
use crate::output::{Format, print_json, print_list, table};

/// `pointe edit …`.
#[derive(Debug, Subcommand)]
pub enum EditCommand {
    /// Build an edit: the hero's best look-alikes across tiers, one per brand, in stock.
    Create {
        /// URL slug (letters, digits, '-', '_').
        slug: String,
        /// Headline.
        #[arg(long)]
        title: String,
        /// The hero: Pointe id, feed item id or offer URL.
        #[arg(long)]
        hero: String,
        /// Standfirst under the headline.
        #[arg(long)]
        standfirst: Option<String>,
        /// Author.
        #[arg(long)]
        author: Option<String>,
        /// Trend term; its figure comes from imported series unless --trend-figure is given.
        #[arg(long)]
        trend: Option<String>,
        /// The editor's growth figure in percent (1566 for "up 1,566%", -12 for "down 12%"),
        /// cited with --trend-source: finite, above -100 and at most 100000. A falling figure is
        /// printed as a plain line, never under "Trending:".
        #[arg(long, requires = "trend_source", requires = "trend", value_parser = figure_arg, allow_hyphen_values = true)]
        trend_figure: Option<f64>,
        /// Who measured --trend-figure, and what (e.g. "Pinterest search volume").
        #[arg(long, requires = "trend_figure")]
        trend_source: Option<String>,
        /// A price last seen more than this many days ago is not shown as current, and a
        /// product whose offers are all older is not picked.
        #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=3650))]
        max_age: u32,
        /// A struck-through "was" price must have been charged for at least this many days of
        /// the 30 before the reduction.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=30))]
        min_reference_days: u32,
        /// Number of picks.
        #[arg(long, default_value_t = 4, value_parser = crate::count_arg())]
        count: usize,
        /// Currency of the edit's prices.
        #[arg(long, default_value = "GBP")]
        currency: String,
        /// Whose words and spelling the copy uses: UK (trainers, colour) or US (sneakers,
        /// color). Default: US for a USD edit, UK for GBP, EUR, INR and the rest. Kept by
        /// refresh.
        #[arg(long, value_parser = market_arg)]
        market: Option<pointe_core::market::Market>,
        /// Picks allowed per brand.
        #[arg(long, default_value_t = 1, value_parser = crate::count_arg())]
        per_brand: usize,
        /// Replace an existing edit of this slug.
        #[arg(long)]
        replace: bool,
    },
    /// Pin a product as a pick (added, or moved, and never swapped out automatically).
    Pick {
        /// The edit.
        slug: String,
        /// The product.
        product: String,
        /// Position, from 1 (default: last).
        #[arg(long)]
        position: Option<usize>,
        /// The blurb (default: written from how it compares with the hero).
        #[arg(long)]
        blurb: Option<String>,
    },
    /// Remove a pick.
    Unpick {
        /// The edit.
        slug: String,
        /// The product.
        product: String,
    },
    /// Move a pick to a position, from 1.
    Move {
        /// The edit.
        slug: String,
        /// The product.
        product: String,
        /// New position, from 1.
        position: usize,
    },
    /// Replace a pick's blurb with the editor's own.
    Blurb {
        /// The edit.
        slug: String,
        /// The product.
        product: String,
        /// The blurb.
        text: String,
    },
    /// Render an edit: -o md (Markdown), html (an embeddable widget with JSON-LD) or json.
    Render {
        /// The edit.
        slug: String,
    },
    /// Re-read current offers: record price and stock changes; --swap replaces picks that can
    /// no longer be bought with the next best look-alike of the same tier.
    Refresh {
        /// The edit (or --all).
        #[arg(required_unless_present = "all")]
        slug: Option<String>,
        /// Every edit.
        #[arg(long, conflicts_with = "slug")]
        all: bool,
        /// Swap out picks that are out of stock or gone.
        #[arg(long)]
        swap: bool,
    },
    /// List edits.
    List,
    /// Show an edit as stored (its picks, citations and change log).
    Show {
        /// The edit.
        slug: String,
    },
}

/// Runs `pointe edit …`.
pub fn run(cli: &Cli, cmd: &EditCommand) -> anyhow::Result<u8> {
    let ws = crate::workspace(cli)?;
    let links = crate::public_links(cli)?;
    let shown = match cmd {
        EditCommand::Create {
            slug,
            title,
            hero,
            standfirst,
            author,
            trend,
            trend_figure,
            trend_source,
            count,
            currency,
            market,
            per_brand,
            replace,
            max_age,
            min_reference_days,
        } => {
            let request = CreateEditRequest {
                slug: slug.clone(),
                title: title.clone(),
                hero: hero.clone(),
                standfirst: standfirst.clone(),
                author: author.clone(),
                trend: trend.clone(),
                trend_figure: *trend_figure,
                trend_source: trend_source.clone(),
                count: Some(*count),
                currency: Some(currency.clone()),
                per_brand: Some(*per_brand),
                market: market.map(|m| m.code().to_string()),
                max_age: Some(*max_age),
                min_reference_days: Some(*min_reference_days),
                replace: *replace,
            };
            let created = edits::create(&ws, &request, &links).map_err(edit_error)?;
            print_notes(&created.shown);
            print_left_out(&created.left_out);
            if is_json(cli) {
                print_json(&created)?;
            } else {
                print_summary(cli, &created.shown)?;
                print_embed(cli, &created.shown)?;
            }
            return Ok(0);
        }
        EditCommand::Pick {
            slug,
            product,
            position,
            blurb,
        } => {
            let request = PickRequest {
                product: product.clone(),
                position: *position,
                blurb: blurb.clone(),
            };
            edits::pick(&ws, slug, &request, &links).map_err(edit_error)?
        }
        EditCommand::Unpick { slug, product } => {
            edits::unpick(&ws, slug, product, &links).map_err(edit_error)?
        }
        EditCommand::Move {
            slug,
            product,
            position,
        } => edits::move_pick(&ws, slug, product, *position, &links).map_err(edit_error)?,
        EditCommand::Blurb {
            slug,
            product,
            text,
        } => edits::set_blurb(&ws, slug, product, text, &links).map_err(edit_error)?,
        EditCommand::Render { slug } => {
            let format = match cli.output {
                Format::Md | Format::Table => RenderFormat::Markdown,
                Format::Html => RenderFormat::Html,
                Format::Json | Format::Jsonl => RenderFormat::Json,
            };
            match edits::render(&ws, slug, format).map_err(edit_error)? {
                Rendered::Text(text) => out!("{text}")?,
                Rendered::Json(value) => print_json(&value)?,
            }
            return Ok(0);
        }
        EditCommand::Refresh { slug, all, swap } => {
            let slug = if *all { None } else { slug.as_deref() };
            let reports = edits::refresh(&ws, slug, *swap).map_err(edit_error)?;
            print_reports(cli, &reports)?;
            return Ok(0);
        }
        EditCommand::List => {
            let list = edits::list(&ws, &links).map_err(edit_error)?;
            print_edit_list(cli, &list)?;
            return Ok(0);
        }
        EditCommand::Show { slug } => {
            let shown = edits::show(&ws, slug, &links).map_err(edit_error)?;
            print_summary(cli, &shown)?;
            print_embed(cli, &shown)?;
            return Ok(0);
        }
    };
    print_notes(&shown);
    print_summary(cli, &shown)?;
    Ok(0)
}

fn is_json(cli: &Cli) -> bool {
    matches!(cli.output, Format::Json | Format::Jsonl)
}

/// An application error as `pointe edit` tells it; an unknown edit is bad input (exit 1).
fn edit_error(e: pointe_app::Error) -> anyhow::Error {
    match e {
        pointe_app::Error::UnknownEdit { .. } => anyhow::anyhow!("{e}"),
        other => crate::app_error(other),
    }
}

fn print_notes(shown: &Shown) {
    for n in &shown.notes {
        note(&format!("note: {n}"));
    }
    for w in &shown.warnings {
        note(&format!("warning: {w}"));
    }
}

fn print_reports(cli: &Cli, reports: &RefreshList) -> anyhow::Result<()> {
    if is_json(cli) {
        return print_list(cli.output, &reports.items, reports.total);
    }
    for r in &reports.items {
        if r.changes.is_empty() {
            outln!("{}: no changes", r.slug)?;
        }
        for c in &r.changes {
            outln!("{}: {}", r.slug, c.what)?;
        }
    }
    Ok(())
}

fn print_edit_list(cli: &Cli, list: &EditList) -> anyhow::Result<()> {
    if is_json(cli) {
        return print_list(cli.output, &list.items, list.total);
    }
    let mut rows = vec![vec![
        "SLUG".to_string(),
        "TITLE".into(),
        "PICKS".into(),
        "REFRESHED".into(),
    ]];
    for e in &list.items {
        rows.push(vec![
            e.slug.clone(),
            e.title.clone(),
            e.picks.len().to_string(),
            e.refreshed_at
                .map(|t| t.to_string())
                .unwrap_or_else(|| "never".into()),
        ]);
    }
    out!("{}", table(&rows))?;
    Ok(())
}

/// Where the edit is published, as alternatives to the static HTML of `edit render -o html`.
fn print_embed(cli: &Cli, shown: &Shown) -> anyhow::Result<()> {
    if is_json(cli) {
        return Ok(());
    }
    let embed = &shown.edit.embed;
    outln!("public page: {} (served by pointe serve)", embed.public_url)?;
    outln!("iframe: {}", embed.iframe)?;
    Ok(())
}

fn print_summary(cli: &Cli, shown: &Shown) -> anyhow::Result<()> {
    if is_json(cli) {
        return print_json(shown);
    }
    let (e, view) = (&shown.edit, &shown.view);
    outln!("{} — {}", e.slug, e.title)?;
    if let Some(t) = &view.trend_line {
        outln!("Trending: {t}")?;
    }
    if let Some(t) = &view.trend_note {
        outln!("{t}")?;
    }
    outln!("prices checked {}", view.prices_checked)?;
    let hero_price = view
        .hero
        .price
        .as_ref()
        .map(|p| p.display.clone())
        .unwrap_or_default();
    outln!(
        "hero: {} {} {}",
        view.hero.brand.as_deref().unwrap_or(""),
        view.hero.name,
        hero_price
    )?;
    let mut rows = vec![vec![
        "#".to_string(),
        "PICK".into(),
        "PRICE".into(),
        "TIER".into(),
        "BLURB".into(),
    ]];
    for (i, p) in view.picks.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            format!("{} {}", p.brand.as_deref().unwrap_or(""), p.name),
            crate::output::price_cell(p.price.as_ref()),
            p.tier_label
                .clone()
                .or_else(|| p.tier.clone())
                .unwrap_or_default(),
            p.blurb.clone(),
        ]);
    }
    out!("{}", table(&rows))?;
    for u in &view.unavailable {
        outln!(
            "not shown: {} {} ({})",
            u.brand.as_deref().unwrap_or(""),
            u.name,
            u.reason
        )?;
    }
    Ok(())
}

/// The value of `--market`: UK or US.
fn market_arg(raw: &str) -> Result<pointe_core::market::Market, String> {
    raw.parse().map_err(|e: pointe_core::Error| e.to_string())
}

/// The value of `--trend-figure`: a finite percentage in (−100, 100000].
fn figure_arg(raw: &str) -> Result<f64, String> {
    let figure: f64 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a number"))?;
    check_editor_figure(figure).map_err(|e| e.to_string())
}

/// A line for the editor on standard error, with control characters from feeds escaped.
fn note(text: &str) {
    eprintln!("{}", crate::output::escape_controls(text));
}

/// Tells the editor which look-alikes were left out of a new edit, and why.
fn print_left_out(left_out: &[edit::LeftOut]) {
    const SHOWN: usize = 20;
    for l in left_out.iter().take(SHOWN) {
        note(&format!("left out: {} ({})", l.name, l.reason));
    }
    if left_out.len() > SHOWN {
        note(&format!(
            "left out: … and {} more that cannot be bought",
            left_out.len() - SHOWN
        ));
    }
}
