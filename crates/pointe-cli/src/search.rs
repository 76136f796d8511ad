//! `pointe search` and `pointe lookalikes` (arguments and text output; the use cases are
//! `pointe_app::search` and `pointe_app::lookalikes`), and telling people when the search index
//! was rebuilt or could not be updated.

use clap::Args;
use pointe_app::IndexNote;
use pointe_app::lookalikes::{HeroRef, LookalikesRequest};
use pointe_app::reader::Reader;
use pointe_app::search::{GENDERS, SearchRequest};
use pointe_core::store::Catalog;
use pointe_search::lookalike::LookalikeResults;
use pointe_search::search::SearchResults;

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

/// Says on standard error that the index was rebuilt, and why.
fn tell(note: &IndexNote) {
    if let IndexNote::Rebuilt { why, products } = note {
        eprintln!("note: the search index {why}; rebuilt it ({products} products)");
    }
}

/// Brings the search index up to date after the store changed; a failure is a warning (the
/// next search brings it up to date). Another command building the index meanwhile is no failure: that
/// build, or the next command reading the index, brings it up to date.
pub fn refresh_index(cli: &Cli, store: &dyn Catalog) {
    let refreshed = crate::workspace(cli).and_then(|ws| Ok(ws.refresh_index(store)?));
    if let Err(err) = refreshed {
        eprintln!(
            "warning: the search index was not updated ({err}); the next search brings it up to date"
        );
    }
}

/// Runs `pointe search`.
pub fn run_search(cli: &Cli, args: &SearchArgs) -> anyhow::Result<u8> {
    let request = SearchRequest {
        text: args.query.join(" "),
        brand: args.brand.clone(),
        retailer: args.retailer.clone(),
        category: args.category.clone(),
        colour: args.colour.clone(),
        material: args.material.clone(),
        tier: args.tier.clone(),
        min_price: args.min_price.clone(),
        max_price: args.max_price.clone(),
        in_stock: args.in_stock,
        sort: Some(args.sort.clone()),
        limit: args.limit,
        offset: args.offset,
        currency: args.currency.clone(),
        gender: args.gender.clone(),
        market: args.market.clone(),
        literal: args.literal,
    };
    let results = read(cli, |open| pointe_app::search::search_in(open, &request))?;
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

/// Runs `f` over the data directory's store and index, saying first when the index had to
/// be rebuilt.
fn read<T>(
    cli: &Cli,
    f: impl FnOnce(&pointe_app::reader::Open<'_>) -> pointe_app::Result<T>,
) -> anyhow::Result<T> {
    let reader = Reader::new(crate::workspace(cli)?);
    tell(&reader.loaded().map_err(crate::app_error)?.note);
    reader.with(f).map_err(crate::app_error)
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
    let hero = match (&args.text, args.url.as_ref().or(args.id.as_ref())) {
        (Some(text), _) => HeroRef::Text(text.clone()),
        (None, Some(id)) => HeroRef::Product(id.clone()),
        (None, None) => anyhow::bail!("name a hero: an ID, --url URL or --text \"…\""),
    };
    let request = LookalikesRequest {
        cheaper: args.cheaper,
        max_price: args.max_price.clone(),
        tier: args.tier.clone(),
        in_stock: args.in_stock,
        limit: args.limit,
        per_brand: args.per_brand,
        currency: args.currency.clone(),
        gender: args.gender.clone(),
        min_saving: args.min_saving.clone(),
        other_brands: args.other_brands,
        ..LookalikesRequest::new(hero)
    };
    let results = read(cli, |open| {
        pointe_app::lookalikes::lookalikes_in(open, &request)
    })?;
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
                .map(|s| if s.amount.amount.parse::<f64>().ok() == Some(0.0) {
                    ", same price".to_string()
                } else if s.percent < 0.0 {
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
