//! `pointe search` and `pointe lookalikes`, and keeping the search index up to date after
//! `ingest` and `reextract`.

use clap::Args;
use pointe_core::catalog::CatalogReader;
use pointe_core::money::{Currency, Money, parse_price};
use pointe_core::store::{Catalog, retailer_key};
use pointe_core::tiers::Tiers;
use pointe_search::lookalike::{Hero, LookalikeQuery, LookalikeResults, MinSaving};
use pointe_search::search::{SearchQuery, SearchResults, SortOrder, to_gbp_minor};
use pointe_search::{Freshness, IndexContext, LookalikeConfig, SearchIndex};

use crate::Cli;
use crate::output::{Format, clip, print_json, table};

/// Arguments of `pointe search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The words to search for ("satin ballet flats"); none lists everything the filters keep.
    query: Vec<String>,
    /// Only this brand (any alias).
    #[arg(long)]
    brand: Option<String>,
    /// Only products sold by this retailer.
    #[arg(long)]
    retailer: Option<String>,
    /// Only this category or its sub-categories ("flats", "ballet flat", "bags").
    #[arg(long)]
    category: Option<String>,
    /// Only this colour family or shade ("pink", "blush").
    #[arg(long)]
    colour: Option<String>,
    /// Only this material or its kinds ("leather" includes suede).
    #[arg(long)]
    material: Option<String>,
    /// Only this tier: a tier name from tiers.toml (by default high_street, premium or luxury).
    #[arg(long)]
    tier: Option<String>,
    /// Lowest price, in any currency ("50", "£50", "60 EUR"; a bare number is GBP).
    #[arg(long)]
    min_price: Option<String>,
    /// Highest price, in any currency.
    #[arg(long)]
    max_price: Option<String>,
    /// Only products that can be bought now.
    #[arg(long)]
    in_stock: bool,
    /// Order: relevance, price (cheapest first) or -price (dearest first).
    #[arg(long, default_value = "relevance", allow_hyphen_values = true)]
    sort: String,
    /// At most this many results.
    #[arg(long, default_value_t = 20, value_parser = crate::limit_arg())]
    limit: usize,
    /// Skip this many first.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Show prices in this currency; a price typed without one ("under 50") is in it too
    /// (default GBP, or USD with --market us).
    #[arg(long)]
    currency: Option<String>,
    /// Only products made for this gender (unisex products, and those stating none, meet
    /// every one). Wins over gender words in the query ("women's").
    #[arg(long, value_parser = GENDERS)]
    gender: Option<String>,
    /// Which English the query is in, for words that differ: "pumps" are flat in the UK and
    /// heeled in the US. Default: such a word is searched both ways.
    #[arg(long, value_parser = ["uk", "us"], ignore_case = true)]
    market: Option<String>,
    /// Search the words as typed: no price, gender, brand or category reading.
    #[arg(long)]
    literal: bool,
}

/// The genders `--gender` takes (taxonomy ids).
const GENDERS: [&str; 6] = ["women", "men", "unisex", "kids", "girls", "boys"];

/// Arguments of `pointe lookalikes`.
#[derive(Debug, Args)]
pub struct LookalikesArgs {
    /// The hero: Pointe id, feed item id or offer URL.
    #[arg(required_unless_present_any = ["url", "text"])]
    id: Option<String>,
    /// The hero by the URL of one of its offers.
    #[arg(long, conflicts_with_all = ["id", "text"])]
    url: Option<String>,
    /// A hero described in words ("satin ballet flats with a bow").
    #[arg(long, conflicts_with_all = ["id", "url"])]
    text: Option<String>,
    /// Only products cheaper than the hero (default true; `--cheaper false` to drop it).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1,
          default_missing_value = "true")]
    cheaper: bool,
    /// Highest price, in any currency ("100", "£100", "120 EUR"; a bare number is in the
    /// hero's currency).
    #[arg(long)]
    max_price: Option<String>,
    /// Only this tier: a tier name from tiers.toml (by default high_street, premium or luxury).
    #[arg(long)]
    tier: Option<String>,
    /// Only products that can be bought now.
    #[arg(long)]
    in_stock: bool,
    /// At most this many results.
    #[arg(long, default_value_t = 10, value_parser = crate::limit_arg())]
    limit: usize,
    /// At most this many results per brand.
    #[arg(long, value_parser = crate::count_arg())]
    per_brand: Option<usize>,
    /// Show prices in this currency (default the hero's).
    #[arg(long)]
    currency: Option<String>,
    /// Only products made for this gender: women, men, unisex, kids, girls or boys (unisex
    /// products meet every one). Default: the hero's, leaving out pieces stated for another.
    #[arg(long, value_parser = GENDERS)]
    gender: Option<String>,
    /// With --cheaper, the least saving worth showing: a percentage of the hero's price
    /// ("10%", the default) or an amount ("£20", "20" in the hero's currency).
    #[arg(long, value_name = "AMOUNT|N%")]
    min_saving: Option<String>,
    /// Only brands other than the hero's.
    #[arg(long)]
    other_brands: bool,
}

/// Reads `--min-saving`: a percentage ("15%", 0 to 100) or an amount in any currency (a bare
/// number is in `currency`).
fn min_saving(raw: &str, currency: Currency) -> anyhow::Result<MinSaving> {
    if let Some(number) = raw.trim().strip_suffix('%') {
        let percent: f64 = number.trim().parse().map_err(|_| {
            anyhow::anyhow!("--min-saving {raw:?}: expected a percentage such as 10%")
        })?;
        if !(0.0..=100.0).contains(&percent) {
            anyhow::bail!("--min-saving {raw:?}: a percentage is between 0% and 100%");
        }
        return Ok(MinSaving::Percent(percent));
    }
    Ok(MinSaving::Amount(price("--min-saving", raw, currency)?))
}

/// What building and querying the index needs, from the data directory.
pub fn context(cli: &Cli, store: &dyn Catalog) -> anyhow::Result<IndexContext> {
    context_in(&cli.data_dir, store)
}

/// What building and querying the index needs, from any data directory (the demo's too).
pub fn context_in(dir: &std::path::Path, store: &dyn Catalog) -> anyhow::Result<IndexContext> {
    Ok(IndexContext {
        taxonomy: pointe_core::attributes::Taxonomy::load(Some(dir))?,
        rates: crate::rate_table(store)?,
        tiers: Tiers::load(Some(dir))?,
        today: crate::today()?,
        config: LookalikeConfig::load(Some(dir))?,
    })
}

/// Opens the search index of the data directory, rebuilding it when it is missing, stale or
/// damaged (and saying so on standard error).
pub fn open_index(cli: &Cli, store: &dyn Catalog) -> anyhow::Result<SearchIndex> {
    let dir = cli.data_dir.join("index");
    let (index, found) = SearchIndex::open_or_build(&dir, store, context(cli, store)?)?;
    let why = match found {
        Freshness::Fresh => None,
        Freshness::Missing => Some("was missing".to_string()),
        Freshness::Stale(why) => Some(format!("was stale ({why})")),
        Freshness::Corrupt(why) => Some(format!("could not be read ({why})")),
    };
    if let Some(why) = why {
        eprintln!(
            "note: the search index {why}; rebuilt it ({} products)",
            index.meta().products
        );
    }
    Ok(index)
}

/// Brings the search index up to date after the store changed; a failure is a warning (the
/// next search rebuilds it). Another command building the index meanwhile is no failure: that
/// build, or the next command reading the index, brings it up to date.
pub fn refresh_index(cli: &Cli, store: &dyn Catalog) {
    let dir = cli.data_dir.join("index");
    let result = context(cli, store)
        .and_then(|ctx| SearchIndex::refresh(&dir, store, ctx).map_err(anyhow::Error::from));
    if let Err(err) = result {
        eprintln!("warning: the search index was not updated ({err}); the next search rebuilds it");
    }
}

/// A price in any currency form; a bare number is in `default`.
fn price(flag: &str, raw: &str, default: Currency) -> anyhow::Result<Money> {
    parse_price(raw, None)
        .or_else(|_| parse_price(raw, Some(default)))
        .map_err(|e| anyhow::anyhow!("{flag} {raw:?}: {e}"))
}

/// Runs `pointe search`.
pub fn run_search(cli: &Cli, args: &SearchArgs) -> anyhow::Result<u8> {
    let store = crate::open_store(cli)?;
    let brands = crate::brand_book(cli)?;
    let index = open_index(cli, &store)?;
    let ctx = index.context();
    let gbp = Currency::from_code("GBP").unwrap_or_else(|| unreachable!());
    let to_gbp = |flag: &str, raw: &Option<String>| -> anyhow::Result<Option<u64>> {
        raw.as_deref()
            .map(|r| Ok(to_gbp_minor(price(flag, r, gbp)?, &ctx.rates, ctx.today)?))
            .transpose()
    };
    let sort = match args.sort.as_str() {
        "relevance" => SortOrder::Relevance,
        "price" | "price-asc" => SortOrder::PriceAsc,
        "-price" | "price-desc" => SortOrder::PriceDesc,
        other => anyhow::bail!("--sort {other:?}: use relevance, price or -price"),
    };
    let query = SearchQuery {
        text: args.query.join(" "),
        brand_key: args.brand.as_deref().map(|b| {
            brands
                .canonical(b)
                .map(|b| b.key)
                .unwrap_or_else(|| pointe_core::text::fold_key(b))
        }),
        retailer_key: args.retailer.as_deref().map(retailer_key),
        category: args.category.clone(),
        colour: args.colour.clone(),
        material: args.material.clone(),
        tier: args.tier.clone(),
        min_price_gbp: to_gbp("--min-price", &args.min_price)?,
        max_price_gbp: to_gbp("--max-price", &args.max_price)?,
        in_stock: args.in_stock,
        sort,
        limit: args.limit,
        offset: args.offset,
        currency: args
            .currency
            .as_deref()
            .map(crate::currency_arg)
            .transpose()?,
        facets: true,
        gender: args.gender.clone(),
        market: args
            .market
            .as_deref()
            .map(str::parse::<pointe_core::attributes::Market>)
            .transpose()?,
        literal: args.literal,
    };
    let results = index.search(&query)?;
    match cli.output {
        Format::Json => print_json(&results)?,
        Format::Jsonl => {
            for item in &results.items {
                outln!("{}", serde_json::to_string(item)?)?;
            }
        }
        _ => out!("{}", search_table(&results))?,
    }
    Ok(0)
}

fn search_table(r: &SearchResults) -> String {
    let mut rows = vec![vec![
        "ID".to_string(),
        "BRAND".into(),
        "TITLE".into(),
        "PRICE".into(),
        "TIER".into(),
    ]];
    for h in &r.items {
        rows.push(vec![
            h.id.clone(),
            h.brand.clone().unwrap_or_default(),
            clip(&h.title, 56),
            crate::output::price_cell(h.price.as_ref()),
            h.tier.clone().unwrap_or_default(),
        ]);
    }
    let mut out = format!("understood: {}\n", r.understood);
    out.push_str(&table(&rows));
    out.push_str(&format!(
        "{} of {} products{}\n",
        r.items.len(),
        r.total,
        if r.relaxed {
            " (none had every word: showing those with any)"
        } else {
            ""
        }
    ));
    out
}

/// Runs `pointe lookalikes`.
pub fn run_lookalikes(cli: &Cli, args: &LookalikesArgs) -> anyhow::Result<u8> {
    let store = crate::open_store(cli)?;
    let index = open_index(cli, &store)?;
    let ctx = index.context();
    let hero = match (&args.text, args.url.as_ref().or(args.id.as_ref())) {
        (Some(text), _) => {
            let extractor = pointe_core::attributes::Extractor::new(&ctx.taxonomy);
            Hero::from_text(text, &extractor, &ctx.taxonomy)
        }
        (None, Some(id)) => {
            let reader = CatalogReader::new(&store, &ctx.rates, ctx.today);
            let product = reader.resolve(id)?;
            let offers = store.offers_of(product.key)?;
            Hero::from_product(&product, &offers, ctx)?
        }
        (None, None) => anyhow::bail!("name a hero: an ID, --url URL or --text \"…\""),
    };
    let out_currency = args
        .currency
        .as_deref()
        .map(crate::currency_arg)
        .transpose()?;
    let default_currency = out_currency
        .or(hero.price.map(|(m, _)| m.currency))
        .unwrap_or_else(|| Currency::from_code("GBP").unwrap_or_else(|| unreachable!()));
    let query = LookalikeQuery {
        cheaper: args.cheaper,
        max_price: args
            .max_price
            .as_deref()
            .map(|raw| price("--max-price", raw, default_currency))
            .transpose()?,
        tier: args.tier.clone(),
        in_stock: args.in_stock,
        limit: args.limit,
        per_brand: args.per_brand,
        currency: out_currency,
        min_saving: match &args.min_saving {
            Some(raw) => Some(min_saving(raw, default_currency)?),
            None => LookalikeQuery::default().min_saving,
        },
        gender: args.gender.clone(),
        other_brands: args.other_brands,
    };
    let results = index.lookalikes(&hero, &query)?;
    match cli.output {
        Format::Json => print_json(&results)?,
        Format::Jsonl => {
            for item in &results.items {
                outln!("{}", serde_json::to_string(item)?)?;
            }
        }
        _ => out!("{}", lookalikes_text(&results))?,
    }
    Ok(0)
}

/// The brand and a space to write before `title`, unless the title already starts with it
/// ("Franco Sarto Georgetta…" is not written "Franco Sarto Franco Sarto Georgetta…").
fn brand_prefix(brand: Option<&str>, title: &str) -> String {
    match brand {
        Some(b)
            if !pointe_core::text::fold_key(title).starts_with(&pointe_core::text::fold_key(b)) =>
        {
            format!("{b} ")
        }
        _ => String::new(),
    }
}

fn lookalikes_text(r: &LookalikeResults) -> String {
    let h = &r.hero;
    let mut out = format!(
        "hero: {}{}{}{}\n",
        h.id.as_deref()
            .map(|i| format!("{i} — "))
            .unwrap_or_default(),
        brand_prefix(h.brand.as_deref(), &h.title),
        h.title,
        h.price
            .as_ref()
            .map(|p| format!(" ({})", p.display))
            .unwrap_or_default()
    );
    out.push_str(&format!("understood: {}\n", h.understood));
    if r.items.is_empty() {
        out.push_str("no look-alikes match\n");
        return out;
    }
    for (i, l) in r.items.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {:.3}  {} — {}{}  {}{}{}\n",
            i + 1,
            l.score,
            l.id,
            brand_prefix(l.brand.as_deref(), &l.title),
            clip(&l.title, 60),
            crate::output::price_cell(l.price.as_ref()),
            l.saving
                .as_ref()
                .map(|s| if s.percent < 0.0 {
                    format!(
                        ", costs {} more ({}%)",
                        s.amount.display.replacen('-', "", 1),
                        -s.percent
                    )
                } else {
                    format!(", saves {} ({}%)", s.amount.display, s.percent)
                })
                .unwrap_or_default(),
            l.tier
                .as_deref()
                .map(|t| format!(", {t}"))
                .unwrap_or_default(),
        ));
        out.push_str(&format!("   shares: {}\n", l.shared.join(", ")));
        if !l.differences.is_empty() {
            let d: Vec<&str> = l.differences.iter().map(|d| d.sentence.as_str()).collect();
            out.push_str(&format!("   differs: {}\n", d.join("; ")));
        }
    }
    out
}
