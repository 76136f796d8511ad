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
mod pin;
pub mod prices;
pub mod render;
mod resolve;
mod trend;
pub mod view;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::catalog::CatalogReader;
use crate::market::Market;
use crate::money::{Currency, Money};
use crate::store::StoredProduct;
use crate::tiers::Tiers;
use crate::{Error, Result};
pub use pin::{compare, pin};
pub use prices::{PriceRules, reference_price};
pub use resolve::{ResolvedEdit, ResolvedPick, resolve, shoppable};
pub use trend::{MAX_EDITOR_FIGURE, TrendCitation, TrendOutcome, check_editor_figure, cite_trend};

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
    /// Whose words and spelling its copy uses (`UK`, `US`); an edit stored without one uses
    /// its currency's (see [`Edit::market`]).
    #[serde(default, with = "crate::market::serde_code")]
    pub market: Option<Market>,
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
    /// How old a price may be and still show as current, and what makes a reference price.
    #[serde(default)]
    pub rules: PriceRules,
    /// When created.
    pub created_at: Timestamp,
    /// When last refreshed against the feeds.
    pub refreshed_at: Option<Timestamp>,
    /// What changed, and why, newest last.
    pub log: Vec<EditChange>,
}

impl Edit {
    /// The market the edit's copy is written for: its own, else its currency's (USD American,
    /// GBP, EUR, INR and the rest British).
    pub fn market(&self) -> Market {
        self.market.unwrap_or_else(|| {
            Currency::from_code(&self.currency).map_or(Market::Uk, Market::from_currency)
        })
    }
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

/// Whether a pick can be bought, or the first reason it cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickStatus {
    /// A current offer is in stock, seen within the edit's maximum age, with an http(s) buy
    /// link at a named shop.
    Live,
    /// Current offers exist, none in stock.
    OutOfStock,
    /// No offer is in its source's latest feed any more.
    Gone,
    /// The price was last seen longer ago than the edit's maximum age.
    Stale,
    /// No current offer has an http(s) buy link.
    NoLink,
    /// No current offer names a shop (a data vendor's price record).
    NoShop,
    /// No current offer's price converts to the edit's currency.
    NoPrice,
}

impl PickStatus {
    /// The snake-case name JSON uses (`out_of_stock`).
    pub fn as_str(self) -> &'static str {
        match self {
            PickStatus::Live => "live",
            PickStatus::OutOfStock => "out_of_stock",
            PickStatus::Gone => "gone",
            PickStatus::Stale => "stale",
            PickStatus::NoLink => "no_link",
            PickStatus::NoShop => "no_shop",
            PickStatus::NoPrice => "no_price",
        }
    }
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
    /// Whose words and spelling (default: the currency's, see [`Market::from_currency`]).
    pub market: Option<Market>,
    /// Number of picks (default 4).
    pub count: usize,
    /// At most this many picks per brand (default 1).
    pub per_brand: usize,
    /// The trend citation, already worked out (see [`cite_trend`]).
    pub trend: Option<TrendCitation>,
    /// Price age and reference rules (default: 14 days, 30-day window, 7 days charged).
    pub rules: PriceRules,
    /// Creation time: prices are judged current against it.
    pub now: Timestamp,
}

/// A look-alike `create` did not pick because it cannot be bought, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftOut {
    /// Pointe id.
    pub product_id: String,
    /// Brand and name.
    pub name: String,
    /// Look-alike score.
    pub score: f64,
    /// The first reason (`no_link`, `out_of_stock`, `stale`, `no_shop`, …).
    pub status: PickStatus,
    /// Every reason, for editors.
    pub reason: String,
}

/// A new edit, and the look-alikes it left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// The edit.
    pub edit: Edit,
    /// Look-alikes ranked at least as close as the last pick (all, when the edit has fewer
    /// picks than asked) that were left out because they cannot be bought, closest first.
    pub left_out: Vec<LeftOut>,
}

/// Picks `count` candidates: the closest first, then at least one from each of `spread_tiers`
/// (the two cheapest tiers, in practice) when the candidates include them and `count` allows,
/// then the best of the rest; at most `per_brand` of one brand (the hero's brand counts as
/// used), in stock only, never one of `exclude`. The picks come back closest first.
pub fn choose_picks(
    candidates: &[Candidate],
    hero_brand: Option<&str>,
    count: usize,
    per_brand: usize,
    exclude: &[String],
    spread_tiers: &[&str],
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
    let best = |chosen: &[&Candidate], tier: Option<&str>| {
        eligible
            .iter()
            .copied()
            .filter(|c| tier.is_none() || c.tier.as_deref() == tier)
            .filter(|c| !chosen.iter().any(|p| p.product_id == c.product_id))
            .find(|c| brand_ok(chosen, c))
    };
    if count > 0
        && let Some(c) = best(&chosen, None)
    {
        chosen.push(c);
    }
    for tier in spread_tiers {
        if chosen.len() >= count {
            break;
        }
        if chosen.iter().any(|c| c.tier.as_deref() == Some(tier)) {
            continue;
        }
        if let Some(c) = best(&chosen, Some(tier)) {
            chosen.push(c);
        }
    }
    while chosen.len() < count {
        let Some(c) = best(&chosen, None) else {
            break;
        };
        chosen.push(c);
    }
    // Closest first, as the finder ranked them.
    chosen.sort_by(|a, b| b.score.total_cmp(&a.score));
    chosen.into_iter().cloned().collect()
}

/// The tiers an edit spreads its picks over: the two cheapest of the edit's currency (the
/// GBP bands for a currency `tiers.toml` does not list).
pub fn spread_tiers(tiers: &Tiers, currency: Currency) -> Vec<&str> {
    let names: Vec<&str> = match tiers.bands(currency) {
        Some(bands) => bands.iter().map(|b| b.name.as_str()).collect(),
        None => tiers.names(),
    };
    names.into_iter().take(2).collect()
}

/// Builds a new edit: resolves the hero, asks `finder` for look-alikes, leaves out those that
/// cannot be bought (see [`shoppable`]) and picks across tiers from the rest, writing a blurb
/// for each from its explanation. Asks the finder for more look-alikes (60, then 240) while
/// too few can be bought.
pub fn create(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    finder: &dyn LookalikeFinder,
    request: &CreateRequest,
) -> Result<Created> {
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
    let spread = spread_tiers(tiers, request.currency);
    let per_brand = request.per_brand.max(1);
    let (mut chosen, mut failed) = (Vec::new(), Vec::new());
    for limit in [60, 240] {
        let candidates = finder.find(&hero, request.currency, limit)?;
        let asked = candidates.len();
        let mut buyable = Vec::new();
        failed.clear();
        for c in candidates {
            let product = reader.resolve(&c.product_id)?;
            match shoppable(
                reader,
                tiers,
                &product,
                request.currency,
                request.now,
                request.rules,
            )? {
                Ok(()) => buyable.push(c),
                Err((status, reason)) => failed.push(LeftOut {
                    product_id: c.product_id.clone(),
                    name: match &product.data.brand {
                        Some(b) => format!("{b} {}", product.data.title),
                        None => product.data.title.clone(),
                    },
                    score: c.score,
                    status,
                    reason,
                }),
            }
        }
        chosen = choose_picks(
            &buyable,
            hero.data.brand_key.as_deref(),
            request.count,
            per_brand,
            &[],
            &spread,
        );
        if chosen.len() >= request.count || asked < limit {
            break;
        }
    }
    if chosen.len() >= request.count
        && let Some(last) = chosen.iter().map(|c| c.score).min_by(f64::total_cmp)
    {
        failed.retain(|f| f.score >= last);
    }
    let mut edit = Edit {
        slug: request.slug.clone(),
        title: request.title.clone(),
        standfirst: request.standfirst.clone(),
        author: request.author.clone(),
        currency: request.currency.code().to_string(),
        market: Some(
            request
                .market
                .unwrap_or_else(|| Market::from_currency(request.currency)),
        ),
        hero: hero.id.clone(),
        hero_blurb: None,
        trend: request.trend.clone(),
        picks: Vec::new(),
        per_brand,
        rules: request.rules,
        created_at: request.now,
        refreshed_at: None,
        log: Vec::new(),
    };
    let writer = BlurbWriter::new(reader, tiers, &edit, &hero, request.now)?;
    edit.picks = picks_with_blurbs(&writer, &chosen, 0, &[])?;
    // Record what the edit shows now, so the first refresh has something to compare with.
    let resolved = resolve(reader, tiers, &edit, request.now)?;
    for (pick, shown) in edit.picks.iter_mut().zip(resolved.picks) {
        pick.last_price = shown.price_money;
        pick.last_status = shown.status;
    }
    Ok(Created {
        edit,
        left_out: failed,
    })
}

/// How the hero is named in blurbs: its brand ("the Miu Miu"), else its title.
pub fn hero_short_name(hero: &StoredProduct) -> String {
    hero.data
        .brand
        .clone()
        .unwrap_or_else(|| hero.data.title.clone())
}

/// Writes the blurbs of one edit: knows its hero, market, seed and the hero's price.
pub struct BlurbWriter<'r, 'a> {
    reader: &'r CatalogReader<'a>,
    tiers: &'r Tiers,
    hero: &'r StoredProduct,
    hero_name: String,
    hero_price: Option<(Money, bool)>,
    currency: Currency,
    market: Market,
    seed: u64,
    rules: PriceRules,
    now: Timestamp,
}

impl std::fmt::Debug for BlurbWriter<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlurbWriter")
            .field("hero", &self.hero.id)
            .field("market", &self.market)
            .finish_non_exhaustive()
    }
}

impl<'r, 'a> BlurbWriter<'r, 'a> {
    /// A writer for `edit`, whose hero is `hero`, with prices as they are at `now`. Reads the
    /// hero's current offers once.
    pub fn new(
        reader: &'r CatalogReader<'a>,
        tiers: &'r Tiers,
        edit: &Edit,
        hero: &'r StoredProduct,
        now: Timestamp,
    ) -> Result<BlurbWriter<'r, 'a>> {
        let currency = Currency::from_code(&edit.currency)
            .ok_or_else(|| Error::Usage(format!("edit currency {:?} is unknown", edit.currency)))?;
        Ok(BlurbWriter {
            reader,
            tiers,
            hero,
            hero_name: hero_short_name(hero),
            hero_price: resolve::shown_price(reader, tiers, hero, currency, now, edit.rules)?,
            currency,
            market: edit.market(),
            seed: blurb::seed(&edit.slug),
            rules: edit.rules,
            now,
        })
    }

    /// The blurb of `candidate` as the edit's pick at `rank` (0 for the closest), opening
    /// unlike every one of `taken`.
    pub fn write(&self, candidate: &Candidate, rank: usize, taken: &[String]) -> Result<String> {
        let product = self.reader.resolve(&candidate.product_id)?;
        let pick_attrs = product.data.attributes.as_ref();
        let hero_attrs = self.hero.data.attributes.as_ref();
        let differences: Vec<blurb::Difference> = candidate
            .differences
            .iter()
            .filter_map(|d| blurb::Difference::read(d, hero_attrs, pick_attrs))
            .collect();
        let price = resolve::shown_price(
            self.reader,
            self.tiers,
            &product,
            self.currency,
            self.now,
            self.rules,
        )?;
        let saving = match (self.hero_price, price) {
            (Some((h, hc)), Some((p, pc))) => {
                crate::market::saving_phrase(Money::new(h.minor - p.minor, self.currency), hc || pc)
            }
            _ => None,
        };
        let noun = blurb::Noun::of(pick_attrs);
        Ok(blurb::write(
            &blurb::BlurbInput {
                rank,
                seed: self.seed,
                hero_name: &self.hero_name,
                noun: &noun,
                shared: &candidate.shared,
                differences: &differences,
                tier_label: candidate.tier.as_deref().and_then(|t| self.tiers.label(t)),
                saving: saving.as_deref(),
                market: self.market,
            },
            taken,
        ))
    }
}

fn picks_with_blurbs(
    writer: &BlurbWriter<'_, '_>,
    chosen: &[Candidate],
    first_rank: usize,
    existing_openings: &[String],
) -> Result<Vec<Pick>> {
    let mut openings: Vec<String> = existing_openings.to_vec();
    chosen
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let text = writer.write(c, first_rank + i, &openings)?;
            openings.push(blurb::opening(&text));
            Ok(Pick {
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
            })
        })
        .collect()
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
    let resolved = resolve(reader, tiers, edit, now)?;
    let currency = Currency::from_code(&edit.currency)
        .ok_or_else(|| Error::Usage(format!("edit currency {:?} is unknown", edit.currency)))?;
    let mut changes = Vec::new();
    let mut to_swap = Vec::new();
    for (i, (pick, now_shown)) in edit.picks.iter_mut().zip(&resolved.picks).enumerate() {
        let name = &now_shown.name;
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
                PickStatus::Live => format!("{name}: can be bought again"),
                PickStatus::Gone => format!("{name}: no longer in any retailer's feed"),
                _ => format!(
                    "{name}: left out of the edit ({})",
                    now_shown.reason.as_deref().unwrap_or("cannot be bought")
                ),
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
        let writer = BlurbWriter::new(reader, tiers, edit, &hero, now)?;
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
            let mut same_tier: Vec<Candidate> = Vec::new();
            for c in others.iter().filter(|c| c.tier == out.tier) {
                let product = reader.resolve(&c.product_id)?;
                if shoppable(reader, tiers, &product, currency, now, edit.rules)?.is_ok() {
                    same_tier.push(c.clone());
                }
            }
            let same_tier: Vec<Candidate> = same_tier
                .iter()
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
            let Some(replacement) = choose_picks(&same_tier, None, 1, usize::MAX, &in_edit, &[])
                .into_iter()
                .next()
            else {
                changes.push(EditChange {
                    at: now,
                    product_id: out.product_id.clone(),
                    what: format!(
                        "{}: no look-alike that can be bought in the {} tier to swap in",
                        resolved.picks[i].name,
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
                &writer,
                std::slice::from_ref(&replacement),
                i.max(1),
                &openings,
            )?
            .remove(0);
            let product = reader.resolve(&replacement.product_id)?;
            new_pick.last_price =
                resolve::price_of(reader, tiers, &product, currency, now, edit.rules)?;
            new_pick.last_status = PickStatus::Live;
            changes.push(EditChange {
                at: now,
                product_id: out.product_id.clone(),
                what: format!(
                    "{} replaced by {} {} ({}): the pick was {}",
                    resolved.picks[i].name,
                    product.data.brand.as_deref().unwrap_or(""),
                    product.data.title,
                    new_pick
                        .tier
                        .as_deref()
                        .and_then(|t| tiers.label(t))
                        .unwrap_or("same tier"),
                    resolved.picks[i]
                        .reason
                        .as_deref()
                        .unwrap_or("no longer buyable")
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
