//! `pointe edit create|pick|unpick|move|blurb|render|refresh|list|show`.

use clap::Subcommand;
use pointe_core::catalog::CatalogReader;
use pointe_core::edit::affiliate::AffiliateLinks;
use pointe_core::edit::{
    self, Candidate, CreateRequest, Edit, PickStatus, PriceRules, check_editor_figure, cite_trend,
};
use pointe_core::money::Currency;
use pointe_core::store::{Catalog, SqliteStore, Store};
use pointe_core::tiers::Tiers;

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

struct Ctx {
    store: SqliteStore,
    rates: pointe_core::fx::RateTable,
    tiers: Tiers,
    links: AffiliateLinks,
    today: jiff::civil::Date,
}

impl Ctx {
    fn reader(&self) -> CatalogReader<'_> {
        CatalogReader::new(&self.store, &self.rates, self.today)
    }
}

fn load(ctx: &Ctx, slug: &str) -> anyhow::Result<Edit> {
    ctx.store.edit(slug)?.ok_or_else(|| {
        let known: Vec<String> = ctx
            .store
            .edits()
            .map(|e| e.into_iter().map(|e| e.slug).collect())
            .unwrap_or_default();
        anyhow::anyhow!(
            "no edit {slug:?}; edits: {}",
            if known.is_empty() {
                "none yet".into()
            } else {
                known.join(", ")
            }
        )
    })
}

/// Checks an edit still resolves (every product known, every price convertible) before it is
/// stored, so a failing change leaves the stored edit as it was.
fn save(ctx: &mut Ctx, edit: &Edit, now: jiff::Timestamp) -> anyhow::Result<()> {
    edit::resolve(&ctx.reader(), &ctx.tiers, edit, now)?;
    ctx.store.put_edit(edit)?;
    Ok(())
}

fn position_of(ctx: &Ctx, edit: &Edit, product: &str) -> anyhow::Result<usize> {
    let id = ctx.reader().resolve(product)?.id;
    edit.picks
        .iter()
        .position(|p| p.product_id == id)
        .ok_or_else(|| anyhow::anyhow!("{product} is not a pick of {:?}", edit.slug))
}

/// Runs `pointe edit …`.
pub fn run(cli: &Cli, cmd: &EditCommand) -> anyhow::Result<u8> {
    let store = crate::open_store(cli)?;
    let rates = crate::rate_table(&store)?;
    let mut ctx = Ctx {
        store,
        rates,
        tiers: Tiers::load(Some(&cli.data_dir))?,
        links: AffiliateLinks::load(Some(&cli.data_dir))?,
        today: crate::today()?,
    };
    let now = pointe_core::clock::now()?;
    match cmd {
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
            if !replace && ctx.store.edit(slug)?.is_some() {
                anyhow::bail!("edit {slug:?} exists; give --replace to build it again");
            }
            let currency: Currency = crate::currency_arg(currency)?;
            let outcome = trend
                .as_deref()
                .map(|t| cite_trend(&ctx.store, t, trend_figure.zip(trend_source.clone())))
                .transpose()?;
            let mut warnings = Vec::new();
            let trend = outcome.and_then(|o| {
                warnings.extend(o.warnings);
                o.citation
            });
            let finder = crate::finder::open(cli, &ctx.store)?;
            let request = CreateRequest {
                slug: slug.clone(),
                title: title.clone(),
                standfirst: standfirst.clone(),
                author: author.clone(),
                hero: hero.clone(),
                currency,
                market: *market,
                count: *count,
                per_brand: *per_brand,
                trend,
                rules: PriceRules {
                    max_age_days: *max_age,
                    min_reference_days: *min_reference_days,
                    ..PriceRules::default()
                },
                now,
            };
            let created = edit::create(&ctx.reader(), &ctx.tiers, finder.as_ref(), &request)?;
            drop(finder);
            let built = created.edit;
            if built.picks.len() < *count {
                warnings.push(format!(
                    "only {} of {count} picks can be bought now",
                    built.picks.len()
                ));
            }
            for w in &warnings {
                note(&format!("warning: {w}"));
            }
            print_left_out(&created.left_out);
            save(&mut ctx, &built, now)?;
            if matches!(cli.output, Format::Json | Format::Jsonl) {
                let mut value = serde_json::to_value(&built)?;
                if let serde_json::Value::Object(map) = &mut value {
                    map.insert("left_out".into(), serde_json::to_value(&created.left_out)?);
                    map.insert("warnings".into(), serde_json::to_value(&warnings)?);
                }
                print_json(&value)?;
            } else {
                print_summary(cli, &ctx, &built, now)?;
            }
        }
        EditCommand::Pick {
            slug,
            product,
            position,
            blurb,
        } => {
            let mut e = load(&ctx, slug)?;
            let reader = ctx.reader();
            let pick = reader.resolve(product)?;
            let hero = reader.resolve(&e.hero)?;
            if pick.id == hero.id {
                anyhow::bail!("{product} is the hero of {slug:?}");
            }
            // Picked again: it keeps its place and the editor's blurb unless told otherwise.
            let previous = e.picks.iter().position(|p| p.product_id == pick.id);
            let kept = previous.map(|i| e.picks.remove(i));
            let currency = Currency::from_code(&e.currency)
                .ok_or_else(|| anyhow::anyhow!("edit currency {:?} is unknown", e.currency))?;
            // Explain it as the finder would; a product the finder does not rank (dearer than
            // the hero, say) is explained from the attributes the two share.
            let finder = crate::finder::open(cli, &ctx.store)?;
            let found: Option<Candidate> = finder
                .find(&hero, currency, 500)?
                .into_iter()
                .find(|c| c.product_id == pick.id);
            drop(finder);
            let candidate = found.unwrap_or_else(|| crate::finder::compare(&hero, &pick, currency));
            let openings: Vec<String> = e
                .picks
                .iter()
                .map(|p| edit::blurb::opening(&p.blurb))
                .collect();
            let editor_blurb = blurb.clone().or_else(|| {
                kept.as_ref()
                    .filter(|k| k.blurb_by_editor)
                    .map(|k| k.blurb.clone())
            });
            let text = match &editor_blurb {
                Some(b) => b.clone(),
                None => edit::BlurbWriter::new(&reader, &ctx.tiers, &e, &hero, now)?.write(
                    &candidate,
                    e.picks.len().max(1),
                    &openings,
                )?,
            };
            let new_pick = edit::Pick {
                product_id: pick.id.clone(),
                pinned: true,
                blurb: text,
                blurb_by_editor: editor_blurb.is_some(),
                tier: candidate.tier.clone(),
                score: candidate.score,
                shared: candidate.shared.iter().map(|(_, l)| l.clone()).collect(),
                differences: candidate.differences.clone(),
                last_price: None,
                last_status: PickStatus::Live,
            };
            let at = position
                .map(|p| p.clamp(1, e.picks.len() + 1) - 1)
                .or(previous)
                .unwrap_or(e.picks.len());
            e.picks.insert(at, new_pick);
            let resolved = edit::resolve(&ctx.reader(), &ctx.tiers, &e, now)?;
            if resolved.picks[at].price_money.is_none()
                && let Some(offer) = ctx.store.offers_of(pick.key)?.first()
                && !ctx.rates.quotes(offer.price.currency)
            {
                anyhow::bail!(
                    "{product} cannot be priced in {currency}: no exchange rate from {} to {currency}",
                    offer.price.currency
                );
            }
            e.picks[at].last_price = resolved.picks[at].price_money.clone();
            e.picks[at].last_status = resolved.picks[at].status;
            if let Some(reason) = &resolved.picks[at].reason {
                note(&format!(
                    "warning: {product} cannot be bought now ({reason}): it is left out of the \
                     public renders until it can"
                ));
            }
            save(&mut ctx, &e, now)?;
            print_summary(cli, &ctx, &e, now)?;
        }
        EditCommand::Unpick { slug, product } => {
            let mut e = load(&ctx, slug)?;
            let i = position_of(&ctx, &e, product)?;
            e.picks.remove(i);
            save(&mut ctx, &e, now)?;
            print_summary(cli, &ctx, &e, now)?;
        }
        EditCommand::Move {
            slug,
            product,
            position,
        } => {
            let mut e = load(&ctx, slug)?;
            if *position == 0 || *position > e.picks.len() {
                anyhow::bail!(
                    "position {position}: the edit has picks 1 to {}",
                    e.picks.len()
                );
            }
            let i = position_of(&ctx, &e, product)?;
            let pick = e.picks.remove(i);
            e.picks.insert(position - 1, pick);
            save(&mut ctx, &e, now)?;
            print_summary(cli, &ctx, &e, now)?;
        }
        EditCommand::Blurb {
            slug,
            product,
            text,
        } => {
            let mut e = load(&ctx, slug)?;
            if text.trim().is_empty() {
                anyhow::bail!("the blurb is empty");
            }
            let i = position_of(&ctx, &e, product)?;
            e.picks[i].blurb = text.trim().to_string();
            e.picks[i].blurb_by_editor = true;
            save(&mut ctx, &e, now)?;
            print_summary(cli, &ctx, &e, now)?;
        }
        EditCommand::Render { slug } => {
            let e = load(&ctx, slug)?;
            let view = render_view(&ctx, &e, now)?;
            match cli.output {
                Format::Md | Format::Table => out!("{}", edit::render::markdown(&view))?,
                Format::Html => out!("{}", edit::render::html(&view))?,
                Format::Json | Format::Jsonl => print_json(&edit::render::json(&view))?,
            }
        }
        EditCommand::Refresh { slug, all, swap } => {
            let slugs: Vec<String> = if *all {
                ctx.store.edits()?.into_iter().map(|e| e.slug).collect()
            } else {
                slug.iter().cloned().collect()
            };
            let finder = crate::finder::open(cli, &ctx.store)?;
            let mut reports = Vec::new();
            let mut updated = Vec::new();
            for s in &slugs {
                let mut e = load(&ctx, s)?;
                let report = edit::refresh(
                    &ctx.reader(),
                    &ctx.tiers,
                    finder.as_ref(),
                    &mut e,
                    *swap,
                    now,
                )?;
                reports.push(report);
                updated.push(e);
            }
            drop(finder);
            for e in &updated {
                save(&mut ctx, e, now)?;
            }
            match cli.output {
                Format::Json | Format::Jsonl => {
                    print_list(cli.output, &reports, reports.len() as u64)?
                }
                _ => {
                    for r in &reports {
                        if r.changes.is_empty() {
                            outln!("{}: no changes", r.slug)?;
                        }
                        for c in &r.changes {
                            outln!("{}: {}", r.slug, c.what)?;
                        }
                    }
                }
            }
        }
        EditCommand::List => {
            let edits = ctx.store.edits()?;
            match cli.output {
                Format::Json | Format::Jsonl => print_list(cli.output, &edits, edits.len() as u64)?,
                _ => {
                    let mut rows = vec![vec![
                        "SLUG".to_string(),
                        "TITLE".into(),
                        "PICKS".into(),
                        "REFRESHED".into(),
                    ]];
                    for e in &edits {
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
                }
            }
        }
        EditCommand::Show { slug } => {
            let e = load(&ctx, slug)?;
            match cli.output {
                Format::Json | Format::Jsonl => print_json(&e)?,
                _ => print_summary(cli, &ctx, &e, now)?,
            }
        }
    }
    Ok(0)
}

/// The view with buy links passed through the affiliate templates, and the disclosure line
/// when any of them was.
fn render_view(ctx: &Ctx, e: &Edit, now: jiff::Timestamp) -> anyhow::Result<edit::view::EditView> {
    let mut view = edit::resolve(&ctx.reader(), &ctx.tiers, e, now)?.into_view();
    let mut affiliated = false;
    for p in std::iter::once(&mut view.hero).chain(view.picks.iter_mut()) {
        p.buy_url = p
            .url
            .as_deref()
            .and_then(|u| ctx.links.link(p.retailer.as_deref(), u));
        affiliated |= p.buy_url.is_some() && p.buy_url != p.url;
    }
    if affiliated {
        view.disclosure = Some(ctx.links.disclosure().to_string());
    }
    Ok(view)
}

fn print_summary(cli: &Cli, ctx: &Ctx, e: &Edit, now: jiff::Timestamp) -> anyhow::Result<()> {
    if matches!(cli.output, Format::Json | Format::Jsonl) {
        return print_json(e);
    }
    let view = render_view(ctx, e, now)?;
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
