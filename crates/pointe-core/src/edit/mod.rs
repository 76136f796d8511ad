//! Edits: a hero, a trend and picks across price tiers, published and kept true as prices and
//! stock change.
//!
//! An [`Edit`] is stored as a document. Building one asks a [`LookalikeFinder`] (the search
//! engine, in practice) for the hero's look-alikes and picks across tiers; [`resolve`] reads the
//! current offers to make the [`view::EditView`] every renderer takes; [`refresh`] compares the
//! current offers with what the edit last showed, records the changes and can swap out picks
//! that can no longer be bought.

pub mod affiliate;
pub mod blurb;
pub mod render;
pub mod view;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogReader, MoneyView};
use crate::domain::{Availability, Offer};
use crate::money::{Currency, Money};
use crate::store::{Catalog, StoredProduct};
use crate::tiers::Tiers;
use crate::{Error, Result};
use view::{EditView, PickView};

/// An edit as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    /// URL slug, unique.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Standfirst.
    pub standfirst: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// ISO 4217 currency every price is shown in.
    pub currency: String,
    /// The hero's Pointe id.
    pub hero: String,
    /// The hero's blurb, if the editor wrote one.
    #[serde(default)]
    pub hero_blurb: Option<String>,
    /// The trend the edit cites.
    pub trend: Option<TrendCitation>,
    /// The picks, in order.
    pub picks: Vec<Pick>,
    /// At most this many picks of one brand (the hero's brand counts as used).
    pub per_brand: usize,
    /// When created.
    pub created_at: Timestamp,
    /// When last refreshed against the feeds.
    pub refreshed_at: Option<Timestamp>,
    /// What changed, and why, newest last.
    pub log: Vec<EditChange>,
}

/// The trend line of an edit and where its figure comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendCitation {
    /// The trend term, e.g. `balletcore`.
    pub term: String,
    /// The line printed: "Search volume up 1,566% — Pinterest".
    pub line: String,
    /// The growth figure in percent.
    pub figure: f64,
    /// Who measured it.
    pub source: String,
    /// True when Pointe computed it from imported series; false when the editor supplied it.
    pub computed: bool,
}

/// One pick of an edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    /// Pointe id.
    pub product_id: String,
    /// Pinned picks are never swapped out automatically.
    pub pinned: bool,
    /// The blurb.
    pub blurb: String,
    /// True when the editor wrote the blurb (it is then never regenerated).
    pub blurb_by_editor: bool,
    /// Tier when picked.
    pub tier: Option<String>,
    /// Look-alike score when picked.
    pub score: f64,
    /// What it shares with the hero (taxonomy labels), when picked.
    pub shared: Vec<String>,
    /// How it differs, when picked ("leather instead of satin").
    pub differences: Vec<String>,
    /// The price shown at the last build or refresh.
    pub last_price: Option<PriceRecord>,
    /// Whether it could be bought at the last build or refresh.
    pub last_status: PickStatus,
}

/// A price as an edit records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRecord {
    /// Amount in minor units.
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

impl PriceRecord {
    fn of(m: Money) -> PriceRecord {
        PriceRecord {
            minor: m.minor,
            currency: m.currency.code().to_string(),
        }
    }
    fn money(&self) -> Option<Money> {
        Currency::from_code(&self.currency).map(|c| Money::new(self.minor, c))
    }
}

/// Whether a pick can be bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickStatus {
    /// A current offer can be bought.
    Live,
    /// Current offers exist, none in stock.
    OutOfStock,
    /// No offer is in its source's latest feed any more.
    Gone,
}

/// One recorded change of an edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditChange {
    /// When.
    pub at: Timestamp,
    /// The product concerned.
    pub product_id: String,
    /// What changed and why.
    pub what: String,
}

/// A look-alike offered to an edit: what picking and blurbs need to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Pointe id.
    pub product_id: String,
    /// Canonical brand key.
    pub brand_key: Option<String>,
    /// Look-alike score (higher is closer).
    pub score: f64,
    /// The hero's attributes it shares as `(dimension, label)`, most important first, each
    /// backed by the pick's own extracted evidence.
    pub shared: Vec<(String, String)>,
    /// How it differs, as short phrases.
    pub differences: Vec<String>,
    /// Tier of its price.
    pub tier: Option<String>,
    /// Its price in the edit's currency.
    pub price: Money,
    /// Whether a current offer is in stock.
    pub in_stock: bool,
}

/// Finds a hero's look-alikes: the seam between edits and the search engine.
pub trait LookalikeFinder {
    /// Up to `limit` look-alikes of `hero` cheaper than it, best first, priced in `currency`.
    fn find(
        &self,
        hero: &StoredProduct,
        currency: Currency,
        limit: usize,
    ) -> Result<Vec<Candidate>>;
}

/// What an editor asks for when creating an edit.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// Slug.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Standfirst.
    pub standfirst: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// The hero: Pointe id, item id or URL.
    pub hero: String,
    /// Currency (default GBP).
    pub currency: Currency,
    /// Number of picks (default 4).
    pub count: usize,
    /// At most this many picks per brand (default 1).
    pub per_brand: usize,
    /// The trend citation, already worked out (see [`cite_trend`]).
    pub trend: Option<TrendCitation>,
    /// Creation time.
    pub now: Timestamp,
}

/// Picks `count` candidates: best first, at most `per_brand` of one brand (the hero's brand
/// counts as used), in stock only, and at least one high-street and one premium pick when the
/// candidates include them.
pub fn choose_picks(
    candidates: &[Candidate],
    hero_brand: Option<&str>,
    count: usize,
    per_brand: usize,
    exclude: &[String],
) -> Vec<Candidate> {
    let eligible: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.in_stock && !exclude.contains(&c.product_id))
        .collect();
    let mut chosen: Vec<&Candidate> = Vec::new();
    let brand_ok = |chosen: &[&Candidate], c: &Candidate| {
        let Some(brand) = &c.brand_key else {
            return true;
        };
        let used = chosen
            .iter()
            .filter(|p| p.brand_key.as_ref() == Some(brand))
            .count()
            + usize::from(hero_brand == Some(brand.as_str()));
        used < per_brand
    };
    for tier in ["high_street", "premium"] {
        if chosen.len() >= count {
            break;
        }
        if chosen.iter().any(|c| c.tier.as_deref() == Some(tier)) {
            continue;
        }
        if let Some(c) = eligible
            .iter()
            .find(|c| c.tier.as_deref() == Some(tier) && brand_ok(&chosen, c))
        {
            chosen.push(c);
        }
    }
    for c in &eligible {
        if chosen.len() >= count {
            break;
        }
        if chosen.iter().any(|p| p.product_id == c.product_id) || !brand_ok(&chosen, c) {
            continue;
        }
        chosen.push(c);
    }
    // Closest first, as the finder ranked them.
    chosen.sort_by(|a, b| b.score.total_cmp(&a.score));
    chosen.into_iter().cloned().collect()
}

/// Builds a new edit: resolves the hero, asks `finder` for look-alikes and picks across tiers,
/// writing a blurb for each from its explanation.
pub fn create(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    finder: &dyn LookalikeFinder,
    request: &CreateRequest,
) -> Result<Edit> {
    if request.slug.trim().is_empty()
        || !request
            .slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::Usage(format!(
            "slug {:?}: use letters, digits, '-' and '_' only",
            request.slug
        )));
    }
    if request.count == 0 {
        return Err(Error::Usage("--count must be at least 1".into()));
    }
    let hero = reader.resolve(&request.hero)?;
    let candidates = finder.find(&hero, request.currency, 60)?;
    let chosen = choose_picks(
        &candidates,
        hero.data.brand_key.as_deref(),
        request.count,
        request.per_brand.max(1),
        &[],
    );
    let hero_name = hero_short_name(&hero);
    let picks = picks_with_blurbs(&chosen, &hero_name, 0, &[]);
    let mut edit = Edit {
        slug: request.slug.clone(),
        title: request.title.clone(),
        standfirst: request.standfirst.clone(),
        author: request.author.clone(),
        currency: request.currency.code().to_string(),
        hero: hero.id.clone(),
        hero_blurb: None,
        trend: request.trend.clone(),
        picks,
        per_brand: request.per_brand.max(1),
        created_at: request.now,
        refreshed_at: None,
        log: Vec::new(),
    };
    // Record what the edit shows now, so the first refresh has something to compare with.
    let resolved = resolve(reader, tiers, &edit)?;
    for (pick, shown) in edit.picks.iter_mut().zip(resolved.picks) {
        pick.last_price = shown.price_money;
        pick.last_status = shown.status;
    }
    Ok(edit)
}

/// How the hero is named in blurbs: its brand ("the Miu Miu"), else its title.
pub fn hero_short_name(hero: &StoredProduct) -> String {
    hero.data
        .brand
        .clone()
        .unwrap_or_else(|| hero.data.title.clone())
}

fn picks_with_blurbs(
    chosen: &[Candidate],
    hero_name: &str,
    first_rank: usize,
    existing_openings: &[String],
) -> Vec<Pick> {
    let mut openings: Vec<String> = existing_openings.to_vec();
    chosen
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let text = blurb::write(
                &blurb::BlurbInput {
                    rank: first_rank + i,
                    hero_name,
                    shared: &c.shared,
                    differences: &c.differences,
                    tier: c.tier.as_deref(),
                },
                &openings,
            );
            openings.push(blurb::opening(&text));
            Pick {
                product_id: c.product_id.clone(),
                pinned: false,
                blurb: text,
                blurb_by_editor: false,
                tier: c.tier.clone(),
                score: c.score,
                shared: c.shared.iter().map(|(_, l)| l.clone()).collect(),
                differences: c.differences.clone(),
                last_price: None,
                last_status: PickStatus::Live,
            }
        })
        .collect()
}

/// Works out an edit's trend line: the editor's figure and source when given, else Pointe's own
/// year-on-year growth of the term's imported series. A term with neither is an error.
pub fn cite_trend(
    store: &dyn Catalog,
    term: &str,
    editor_figure: Option<(f64, String)>,
) -> Result<TrendCitation> {
    if let Some((figure, source)) = editor_figure {
        if source.trim().is_empty() {
            return Err(Error::Usage(
                "--trend-source must name who measured the figure".into(),
            ));
        }
        return Ok(TrendCitation {
            term: term.to_string(),
            line: format!(
                "Search volume up {}% — {}",
                group_thousands(figure),
                source.trim()
            ),
            figure,
            source: source.trim().to_string(),
            computed: false,
        });
    }
    let aesthetics = crate::trends::Aesthetics::bundled();
    let key = aesthetics
        .resolve(term)
        .map(|a| a.id.clone())
        .unwrap_or_else(|| crate::trends::normalise_term(term));
    // The term as written first ("fall outfits" is not "fall"), then the aesthetic it names.
    let mut series = crate::trends::series_for(store, term)?;
    if series.is_empty() {
        series = store.trend_series(Some(&key))?;
    }
    let search = series
        .iter()
        .find(|s| s.source == crate::trends::TrendSource::GoogleTrends)
        .or_else(|| series.first())
        .ok_or_else(|| {
            Error::Usage(format!(
                "no trend series for {term:?}: import one with `pointe trends import`, or give \
                 the editor's figure with --trend-figure and --trend-source"
            ))
        })?;
    let analysis = crate::trends::analyse(search, &crate::trends::AnalysisOptions::default());
    let Some(figure) = analysis.growth_yoy.percent() else {
        return Err(Error::Usage(format!(
            "the {term:?} series has no year-on-year growth to cite ({})",
            analysis.growth_yoy
        )));
    };
    let source = match search.source {
        crate::trends::TrendSource::GoogleTrends => "Google Trends".to_string(),
        ref other => other.as_str().to_string(),
    };
    let region = search
        .region
        .as_deref()
        .map(|r| format!(", {r}"))
        .unwrap_or_default();
    let direction = if figure >= 0.0 { "up" } else { "down" };
    Ok(TrendCitation {
        term: term.to_string(),
        line: format!(
            "Search interest {direction} {}% year on year — {source}{region}",
            group_thousands(figure.abs())
        ),
        figure,
        source: format!("{source}{region}"),
        computed: true,
    })
}

/// `1566` → `1,566`; one decimal kept when the figure has one.
fn group_thousands(figure: f64) -> String {
    let rounded = (figure * 10.0).round() / 10.0;
    let whole = rounded.trunc() as i64;
    let frac = ((rounded - whole as f64).abs() * 10.0).round() as i64;
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if whole < 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// An edit resolved against the current offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedEdit {
    /// The view renderers take.
    pub view: EditView,
    /// The picks, with their price and status, in the edit's order.
    pub picks: Vec<ResolvedPick>,
}

/// What an edit records of a product it shows: the price shown and whether it can be bought.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedPick {
    /// Price shown, in the edit's currency.
    pub price_money: Option<PriceRecord>,
    /// Live, out of stock or gone.
    pub status: PickStatus,
}

/// Resolves an edit against the current offers: the offer shown for each product is its
/// cheapest current in-stock offer in (or converted to) the edit's currency; an out-of-stock or
/// stale offer is shown only with a notice saying so.
pub fn resolve(reader: &CatalogReader<'_>, tiers: &Tiers, edit: &Edit) -> Result<ResolvedEdit> {
    let currency = Currency::from_code(&edit.currency)
        .ok_or_else(|| Error::Usage(format!("edit currency {:?} is unknown", edit.currency)))?;
    let hero = reader.resolve(&edit.hero)?;
    let (hero_view, _) = resolve_product(
        reader,
        tiers,
        &hero,
        currency,
        edit.hero_blurb.clone().unwrap_or_default(),
    )?;
    let mut picks = Vec::new();
    let mut pick_views = Vec::new();
    for pick in &edit.picks {
        let product = reader.resolve(&pick.product_id)?;
        let (view, shown) = resolve_product(reader, tiers, &product, currency, pick.blurb.clone())?;
        picks.push(shown);
        pick_views.push(view);
    }
    Ok(ResolvedEdit {
        view: EditView {
            slug: edit.slug.clone(),
            title: edit.title.clone(),
            standfirst: edit.standfirst.clone(),
            author: edit.author.clone(),
            trend_line: edit.trend.as_ref().map(|t| t.line.clone()),
            currency: edit.currency.clone(),
            hero: hero_view,
            picks: pick_views,
            refreshed_at: edit.refreshed_at.map(|t| t.to_string()),
            disclosure: None,
        },
        picks,
    })
}

impl ResolvedEdit {
    /// The view, for renderers.
    pub fn into_view(self) -> EditView {
        self.view
    }
}

fn schema_availability(a: Availability) -> &'static str {
    match a {
        Availability::InStock => "InStock",
        Availability::OutOfStock => "OutOfStock",
        Availability::Preorder => "PreOrder",
        Availability::Backorder => "BackOrder",
    }
}

fn resolve_product(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    product: &StoredProduct,
    currency: Currency,
    blurb: String,
) -> Result<(PickView, ResolvedPick)> {
    let offers = reader.offers(product)?;
    let current: Vec<&Offer> = offers.iter().filter(|o| o.in_latest_ingest).collect();
    let buyable: Vec<&Offer> = current
        .iter()
        .copied()
        .filter(|o| o.availability.is_buyable())
        .collect();
    let (pool, status) = if !buyable.is_empty() {
        (buyable, PickStatus::Live)
    } else if !current.is_empty() {
        (current, PickStatus::OutOfStock)
    } else {
        (offers.iter().collect(), PickStatus::Gone)
    };
    // The cheapest offer in the edit's currency; one that does not convert to it is left out.
    let mut best: Option<(Money, bool, Option<Date>, &Offer)> = None;
    let mut unpriced = false;
    for offer in pool {
        let price = offer.current_price();
        let Some((amount, approx, rate_date)) =
            reader.try_convert(price, currency, offer.last_seen)?
        else {
            unpriced = true;
            continue;
        };
        if best.as_ref().is_none_or(|(m, ..)| amount.minor < m.minor) {
            best = Some((amount, approx, rate_date, offer));
        }
    }
    let Some((price, approx, rate_date, offer)) = best else {
        let notice = if unpriced {
            format!("No price in {currency}: no exchange rate converts it")
        } else {
            "No retailer sells this any more".to_string()
        };
        return Ok((
            PickView {
                product_id: product.id.clone(),
                brand: product.data.brand.clone(),
                name: product.data.title.clone(),
                retailer: None,
                url: None,
                buy_url: None,
                image_url: product.data.image_urls.first().cloned(),
                price: None,
                was_price: None,
                tier: None,
                availability: "OutOfStock".into(),
                blurb,
                notice: Some(notice),
            },
            ResolvedPick {
                price_money: None,
                status: PickStatus::Gone,
            },
        ));
    };
    let money_view = |m: Money| {
        if approx {
            MoneyView::converted(m, rate_date)
        } else {
            MoneyView::exact(m)
        }
    };
    let history = reader.history(offer)?;
    let now = reader
        .today()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(offer.last_seen);
    let was = match reference_price(&history, offer, now.max(offer.last_seen)) {
        Some(m) => reader
            .try_convert(m, currency, offer.last_seen)?
            .map(|(c, ..)| c),
        None => None,
    }
    .filter(|w| w.minor > price.minor);
    let notice = match status {
        PickStatus::Live => None,
        PickStatus::OutOfStock => Some(format!("Out of stock at {}", offer.retailer)),
        PickStatus::Gone => Some(format!(
            "No longer in {}'s feed; price last seen {}",
            offer.retailer,
            offer.last_seen.strftime("%Y-%m-%d")
        )),
    };
    Ok((
        PickView {
            product_id: product.id.clone(),
            brand: product.data.brand.clone(),
            name: product.data.title.clone(),
            retailer: Some(offer.retailer.clone()),
            url: offer.url.clone(),
            buy_url: offer.url.clone(),
            image_url: product.data.image_urls.first().cloned(),
            price: Some(money_view(price)),
            was_price: was.map(money_view),
            tier: tiers
                .of(price, reader.rates(), reader.today())
                .ok()
                .flatten()
                .map(str::to_string),
            availability: schema_availability(if status == PickStatus::Gone {
                Availability::OutOfStock
            } else {
                offer.availability
            })
            .to_string(),
            blurb,
            notice,
        },
        ResolvedPick {
            price_money: Some(PriceRecord::of(price)),
            status,
        },
    ))
}

/// The struck-through reference price of an offer on sale, or `None` when it is not on sale.
///
/// An offer is on sale when its sale price is below its price, or when its price fell below an
/// earlier price within the last 30 days. The reference shown is then the lowest price the
/// offer had in the 30 days before the reduction (as EU/UK price-reduction rules require), so a
/// price raised just before a "sale" cannot inflate the saving.
pub fn reference_price(
    history: &[crate::domain::PricePoint],
    offer: &Offer,
    now: Timestamp,
) -> Option<Money> {
    let paid = |p: &crate::domain::PricePoint| match p.sale_price {
        Some(s) if s.minor < p.price.minor => s,
        _ => p.price,
    };
    let current = offer.current_price();
    // The reduction: the latest point at which the price paid dropped to today's.
    let mut reduction: Option<usize> = None;
    for i in (1..history.len()).rev() {
        if paid(&history[i]) == current && paid(&history[i - 1]).minor > current.minor {
            reduction = Some(i);
            break;
        }
        if paid(&history[i]) != current {
            break;
        }
    }
    let thirty_days = jiff::SignedDuration::from_hours(24 * 30);
    match reduction {
        Some(i) => {
            let at = history[i].seen_at;
            if now.duration_since(at) > thirty_days && offer.sale_price.is_none() {
                // A reduction older than 30 days is the regular price now.
                return None;
            }
            let from = at.checked_sub(thirty_days).ok()?;
            history[..i]
                .iter()
                .enumerate()
                .filter(|(j, p)| {
                    p.seen_at >= from
                        // The point in force at the window's start counts too.
                        || history.get(j + 1).is_some_and(|n| n.seen_at > from)
                })
                .map(|(_, p)| paid(p))
                .min_by_key(|m| m.minor)
                .filter(|m| m.minor > current.minor)
        }
        None => match offer.sale_price {
            Some(s) if s.minor < offer.price.minor => Some(offer.price),
            _ => None,
        },
    }
}

/// One entry of a refresh report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefreshReport {
    /// The edit.
    pub slug: String,
    /// What changed.
    pub changes: Vec<EditChange>,
}

/// Re-reads the current offers of an edit's picks: records price changes, picks that went out
/// of stock or disappeared, and with `swap` replaces an unbuyable pick (not pinned) by the next
/// best look-alike in the same tier.
pub fn refresh(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    finder: &dyn LookalikeFinder,
    edit: &mut Edit,
    swap: bool,
    now: Timestamp,
) -> Result<RefreshReport> {
    let resolved = resolve(reader, tiers, edit)?;
    let currency = Currency::from_code(&edit.currency)
        .ok_or_else(|| Error::Usage(format!("edit currency {:?} is unknown", edit.currency)))?;
    let mut changes = Vec::new();
    let mut to_swap = Vec::new();
    for (i, (pick, now_shown)) in edit.picks.iter_mut().zip(&resolved.picks).enumerate() {
        let name = &resolved.view.picks[i].name;
        if pick.last_price != now_shown.price_money {
            let before = pick.last_price.as_ref().and_then(PriceRecord::money);
            let after = now_shown.price_money.as_ref().and_then(PriceRecord::money);
            if let (Some(b), Some(a)) = (before, after) {
                let verb = if a.minor < b.minor { "dropped" } else { "rose" };
                changes.push(EditChange {
                    at: now,
                    product_id: pick.product_id.clone(),
                    what: format!("{name}: price {verb} from {b} to {a}"),
                });
            }
        }
        if pick.last_status != now_shown.status {
            let what = match now_shown.status {
                PickStatus::Live => format!("{name}: back in stock"),
                PickStatus::OutOfStock => format!("{name}: out of stock"),
                PickStatus::Gone => format!("{name}: no longer in any retailer's feed"),
            };
            changes.push(EditChange {
                at: now,
                product_id: pick.product_id.clone(),
                what,
            });
        }
        pick.last_price = now_shown.price_money.clone();
        pick.last_status = now_shown.status;
        if swap && now_shown.status != PickStatus::Live && !pick.pinned {
            to_swap.push(i);
        }
    }
    if !to_swap.is_empty() {
        let hero = reader.resolve(&edit.hero)?;
        let candidates = finder.find(&hero, currency, 80)?;
        let hero_name = hero_short_name(&hero);
        for i in to_swap {
            let out = edit.picks[i].clone();
            let in_edit: Vec<String> = edit.picks.iter().map(|p| p.product_id.clone()).collect();
            let others: Vec<Candidate> = candidates
                .iter()
                .filter(|c| c.product_id != out.product_id)
                .cloned()
                .collect();
            // Brands other picks already use.
            let mut remaining: Vec<Candidate> = Vec::new();
            for p in edit.picks.iter().enumerate().filter(|(j, _)| *j != i) {
                if let Some(c) = candidates.iter().find(|c| c.product_id == p.1.product_id) {
                    remaining.push(c.clone());
                }
            }
            let same_tier: Vec<Candidate> = others
                .iter()
                .filter(|c| c.tier == out.tier)
                .filter(|c| {
                    let used = remaining
                        .iter()
                        .filter(|r| r.brand_key.is_some() && r.brand_key == c.brand_key)
                        .count()
                        + usize::from(
                            hero.data.brand_key.is_some() && hero.data.brand_key == c.brand_key,
                        );
                    used < edit.per_brand
                })
                .cloned()
                .collect();
            let Some(replacement) = choose_picks(&same_tier, None, 1, usize::MAX, &in_edit)
                .into_iter()
                .next()
            else {
                changes.push(EditChange {
                    at: now,
                    product_id: out.product_id.clone(),
                    what: format!(
                        "{}: no in-stock look-alike in the {} tier to swap in",
                        resolved.view.picks[i].name,
                        out.tier.as_deref().unwrap_or("same")
                    ),
                });
                continue;
            };
            let openings: Vec<String> = edit
                .picks
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| blurb::opening(&p.blurb))
                .collect();
            let mut new_pick = picks_with_blurbs(
                std::slice::from_ref(&replacement),
                &hero_name,
                i.max(1),
                &openings,
            )
            .remove(0);
            let product = reader.resolve(&replacement.product_id)?;
            let (_, shown) =
                resolve_product(reader, tiers, &product, currency, new_pick.blurb.clone())?;
            new_pick.last_price = shown.price_money;
            new_pick.last_status = shown.status;
            changes.push(EditChange {
                at: now,
                product_id: out.product_id.clone(),
                what: format!(
                    "{} replaced by {} {} ({}): the pick was {}",
                    resolved.view.picks[i].name,
                    product.data.brand.as_deref().unwrap_or(""),
                    product.data.title,
                    new_pick.tier.as_deref().unwrap_or("same tier"),
                    match out.last_status {
                        PickStatus::Gone => "no longer in any feed",
                        _ => "out of stock",
                    }
                ),
            });
            edit.picks[i] = new_pick;
        }
    }
    edit.refreshed_at = Some(now);
    edit.log.extend(changes.iter().cloned());
    Ok(RefreshReport {
        slug: edit.slug.clone(),
        changes,
    })
}

#[cfg(test)]
mod tests;
