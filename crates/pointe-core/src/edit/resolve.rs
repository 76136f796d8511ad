//! Resolving an edit against the current offers: which offer each piece shows, whether it can
//! be bought, and what a reader may be told about its price.

use jiff::Timestamp;
use jiff::civil::Date;

use super::prices::{PriceRules, reference_price};
use super::view::{EditView, Family, PickView, UnavailableView};
use super::{Edit, PickStatus, PriceRecord};
use crate::catalog::{CatalogReader, MoneyView};
use crate::domain::{Availability, Offer};
use crate::money::{Currency, Money};
use crate::store::StoredProduct;
use crate::tiers::Tiers;
use crate::{Error, Result};

/// An edit resolved against the current offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedEdit {
    /// The view renderers take: the hero, the picks that can be bought, and the others under
    /// `unavailable`.
    pub view: EditView,
    /// Every pick of the edit, in its order, with its price and status.
    pub picks: Vec<ResolvedPick>,
}

impl ResolvedEdit {
    /// The view, for renderers.
    pub fn into_view(self) -> EditView {
        self.view
    }
}

/// What an edit records of a product it shows: the price shown and whether it can be bought.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedPick {
    /// Brand and name, for reports.
    pub name: String,
    /// Price shown, in the edit's currency; `None` when no price may be shown as current.
    pub price_money: Option<PriceRecord>,
    /// Live, or why it cannot be bought.
    pub status: PickStatus,
    /// Why it cannot be bought, for editors ("no buy link; no shop named"); `None` when live.
    pub reason: Option<String>,
}

/// Resolves an edit against the current offers at `now`: each product shows its cheapest
/// shoppable offer (current, in stock, with an http(s) link and a named shop, seen within the
/// edit's `max_age_days`) in, or converted to, the edit's currency. A pick with no such offer
/// leaves the view's `picks` for its `unavailable` list, with the reason; the hero stays, shown
/// "Sold out" when it is, and without a price when its price is too old to be current.
pub fn resolve(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    edit: &Edit,
    now: Timestamp,
) -> Result<ResolvedEdit> {
    let currency = Currency::from_code(&edit.currency)
        .ok_or_else(|| Error::Usage(format!("edit currency {:?} is unknown", edit.currency)))?;
    let ctx = Ctx {
        reader,
        tiers,
        currency,
        now,
        rules: edit.rules,
    };
    let hero = reader.resolve(&edit.hero)?;
    let hero_shown = ctx.product(&hero, edit.hero_blurb.clone().unwrap_or_default(), true)?;
    let mut checked: Vec<Timestamp> = hero_shown.price_seen.into_iter().collect();
    let mut picks = Vec::new();
    let mut pick_views = Vec::new();
    let mut unavailable = Vec::new();
    for pick in &edit.picks {
        let product = reader.resolve(&pick.product_id)?;
        let shown = ctx.product(&product, pick.blurb.clone(), false)?;
        if shown.resolved.status == PickStatus::Live {
            checked.extend(shown.price_seen);
            pick_views.push(shown.view);
        } else {
            unavailable.push(UnavailableView {
                product_id: product.id.clone(),
                brand: product.data.brand.clone(),
                name: product.data.title.clone(),
                status: shown.resolved.status.as_str().to_string(),
                reason: shown.resolved.reason.clone().unwrap_or_default(),
            });
        }
        picks.push(shown.resolved);
    }
    let prices_checked = checked
        .into_iter()
        .min()
        .unwrap_or(now)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    Ok(ResolvedEdit {
        view: EditView {
            slug: edit.slug.clone(),
            title: edit.title.clone(),
            standfirst: edit.standfirst.clone(),
            author: edit.author.clone(),
            trend_line: edit.trend.as_ref().and_then(|t| t.published_line()),
            trend_note: edit.trend.as_ref().and_then(|t| t.plain_line()),
            currency: edit.currency.clone(),
            hero: hero_shown.view,
            picks: pick_views,
            unavailable,
            prices_checked: prices_checked.to_string(),
            refreshed_at: edit.refreshed_at.map(|t| t.to_string()),
            disclosure: None,
        },
        picks,
    })
}

/// Whether `product` can be a pick at `now`: `Ok(())`, or its status and the reason.
pub fn shoppable(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    product: &StoredProduct,
    currency: Currency,
    now: Timestamp,
    rules: PriceRules,
) -> Result<std::result::Result<(), (PickStatus, String)>> {
    let ctx = Ctx {
        reader,
        tiers,
        currency,
        now,
        rules,
    };
    let shown = ctx.product(product, String::new(), false)?;
    Ok(match shown.resolved.status {
        PickStatus::Live => Ok(()),
        status => Err((status, shown.resolved.reason.unwrap_or_default())),
    })
}

/// The price a product shows now, as an edit records it.
pub(crate) fn price_of(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    product: &StoredProduct,
    currency: Currency,
    now: Timestamp,
    rules: PriceRules,
) -> Result<Option<PriceRecord>> {
    let ctx = Ctx {
        reader,
        tiers,
        currency,
        now,
        rules,
    };
    Ok(ctx
        .product(product, String::new(), false)?
        .resolved
        .price_money)
}

/// The price a product shows now in `currency` and whether it was converted from another
/// currency; `None` when no price may be shown as current.
pub(crate) fn shown_price(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    product: &StoredProduct,
    currency: Currency,
    now: Timestamp,
    rules: PriceRules,
) -> Result<Option<(Money, bool)>> {
    let ctx = Ctx {
        reader,
        tiers,
        currency,
        now,
        rules,
    };
    let shown = ctx.product(product, String::new(), false)?;
    let converted = shown
        .view
        .price
        .as_ref()
        .is_some_and(|p| p.approx == Some(true));
    Ok(shown
        .resolved
        .price_money
        .and_then(|p| p.money())
        .map(|m| (m, converted)))
}

/// A product as the edit shows it.
struct Shown {
    view: PickView,
    resolved: ResolvedPick,
    /// When the price shown as current was last seen.
    price_seen: Option<Timestamp>,
}

/// One offer weighed for showing: what it lacks, and its price in the edit's currency.
struct Weighed<'o> {
    offer: &'o Offer,
    shortfalls: Vec<PickStatus>,
    price: Option<(Money, bool, Option<Date>)>,
}

struct Ctx<'r, 'a> {
    reader: &'r CatalogReader<'a>,
    tiers: &'r Tiers,
    currency: Currency,
    now: Timestamp,
    rules: PriceRules,
}

impl Ctx<'_, '_> {
    /// What an offer lacks to be shoppable, most fundamental first.
    fn weigh<'o>(&self, offer: &'o Offer) -> Result<Weighed<'o>> {
        let price =
            self.reader
                .try_convert(offer.current_price(), self.currency, offer.last_seen)?;
        let mut shortfalls = Vec::new();
        if offer.retailer.trim().is_empty() {
            shortfalls.push(PickStatus::NoShop);
        }
        if offer
            .url
            .as_deref()
            .and_then(super::render::safe_url)
            .is_none()
        {
            shortfalls.push(PickStatus::NoLink);
        }
        if price.is_none() {
            shortfalls.push(PickStatus::NoPrice);
        }
        if self.rules.is_stale(offer.last_seen, self.now) {
            shortfalls.push(PickStatus::Stale);
        }
        if !offer.availability.is_buyable() {
            shortfalls.push(PickStatus::OutOfStock);
        }
        Ok(Weighed {
            offer,
            shortfalls,
            price,
        })
    }

    fn reason(&self, w: &Weighed<'_>) -> String {
        let offer = w.offer;
        let seen = offer.last_seen.strftime("%Y-%m-%d");
        let parts: Vec<String> = w
            .shortfalls
            .iter()
            .map(|s| match s {
                PickStatus::NoShop => "no shop: its feed names no retailer".to_string(),
                PickStatus::NoLink => "no http(s) buy link".to_string(),
                PickStatus::NoPrice => format!(
                    "no price in {}: no exchange rate converts {}",
                    self.currency, offer.price.currency
                ),
                PickStatus::Stale => format!(
                    "stale: price last seen {seen}, over {} days ago",
                    self.rules.max_age_days
                ),
                PickStatus::OutOfStock => match offer.retailer.trim() {
                    "" => "out of stock".to_string(),
                    shop => format!("out of stock at {shop}"),
                },
                PickStatus::Gone | PickStatus::Live => String::new(),
            })
            .collect();
        parts.join("; ")
    }

    /// The offer a product shows and everything said about it.
    fn product(&self, product: &StoredProduct, blurb: String, hero: bool) -> Result<Shown> {
        let offers = self.reader.offers(product)?;
        let current: Vec<&Offer> = offers.iter().filter(|o| o.in_latest_ingest).collect();
        let mut weighed = current
            .iter()
            .map(|o| self.weigh(o))
            .collect::<Result<Vec<_>>>()?;
        // Fewest shortfalls first, then the cheapest.
        weighed.sort_by_key(|w| {
            (
                w.shortfalls.len(),
                w.price.map_or(i64::MAX, |(m, ..)| m.minor),
            )
        });
        let mut view = PickView {
            product_id: product.id.clone(),
            brand: product.data.brand.clone(),
            name: product.data.title.clone(),
            retailer: None,
            url: None,
            buy_url: None,
            image_url: product.data.image_urls.first().cloned(),
            price: None,
            original_price: None,
            was_price: None,
            tier: None,
            tier_label: None,
            family: Family::of(product.data.attributes.as_ref()),
            availability: "OutOfStock".into(),
            blurb,
            notice: None,
        };
        let name = match &product.data.brand {
            Some(b) => format!("{b} {}", product.data.title),
            None => product.data.title.clone(),
        };
        let Some(best) = weighed.first() else {
            let last = offers.iter().max_by_key(|o| o.last_seen);
            view.retailer = last
                .map(|o| o.retailer.clone())
                .filter(|r| !r.trim().is_empty());
            view.notice = Some(match last {
                Some(o) => format!(
                    "No longer sold here; last seen {}",
                    o.last_seen.strftime("%Y-%m-%d")
                ),
                None => "No retailer sells this".to_string(),
            });
            let reason = match last {
                Some(o) => format!(
                    "gone: no longer in its feed (last seen {})",
                    o.last_seen.strftime("%Y-%m-%d")
                ),
                None => "gone: no retailer sells it".to_string(),
            };
            return Ok(Shown {
                view,
                resolved: ResolvedPick {
                    name,
                    price_money: None,
                    status: PickStatus::Gone,
                    reason: Some(reason),
                },
                price_seen: None,
            });
        };
        let offer = best.offer;
        let status = best.shortfalls.first().copied().unwrap_or(PickStatus::Live);
        view.retailer = Some(offer.retailer.clone()).filter(|r| !r.trim().is_empty());
        view.url = offer.url.clone();
        view.buy_url = offer.url.clone();
        view.availability = schema_availability(offer.availability).to_string();
        let price_current = !best
            .shortfalls
            .iter()
            .any(|s| matches!(s, PickStatus::Stale | PickStatus::NoPrice));
        let mut price_money = None;
        let mut price_seen = None;
        if let (true, Some((price, approx, rate_date))) = (price_current, best.price) {
            let money_view = |m: Money| {
                if approx {
                    MoneyView::converted(m, rate_date)
                } else {
                    MoneyView::exact(m)
                }
            };
            if status == PickStatus::Live {
                let history = self.reader.history(offer)?;
                view.was_price = match reference_price(&history, offer, self.now, &self.rules) {
                    Some(m) => self
                        .reader
                        .try_convert(m, self.currency, offer.last_seen)?
                        .map(|(c, ..)| c),
                    None => None,
                }
                .filter(|w| w.minor > price.minor)
                .map(money_view);
            }
            view.price = Some(money_view(price));
            view.original_price = approx.then(|| MoneyView::exact(offer.current_price()));
            view.tier = self
                .tiers
                .of(price, self.reader.rates(), self.reader.today())
                .ok()
                .flatten()
                .map(str::to_string);
            view.tier_label = view
                .tier
                .as_deref()
                .and_then(|t| self.tiers.label(t))
                .map(str::to_string);
            price_money = Some(PriceRecord::of(price));
            price_seen = Some(offer.last_seen);
        }
        view.notice = match status {
            PickStatus::Stale => Some(format!(
                "Price not checked since {}",
                offer.last_seen.strftime("%Y-%m-%d")
            )),
            PickStatus::NoPrice => Some(format!(
                "No price in {}: no exchange rate converts it",
                self.currency
            )),
            _ => None,
        };
        if status == PickStatus::OutOfStock && hero {
            // A designer hero often is: it stays, marked for readers.
            view.availability = "SoldOut".into();
        }
        let reason = (status != PickStatus::Live).then(|| self.reason(best));
        Ok(Shown {
            view,
            resolved: ResolvedPick {
                name,
                price_money,
                status,
                reason,
            },
            price_seen,
        })
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
