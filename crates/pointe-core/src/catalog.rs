//! Reading the catalog for people and programs: finding a product by any of its names, and the
//! views of products and offers that the CLI, the JSON contract and the HTTP API share.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::domain::{Offer, PricePoint};
use crate::fx::RateTable;
use crate::money::{Currency, Money};
use crate::store::{Catalog, ProductData, ProductFilter, StoredProduct};
use crate::{Error, Result};

/// Money as the JSON contract writes it: `{"amount": "550.00", "currency": "GBP"}`, plus
/// `"approx": true` and the `rate_date` used when the amount was converted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyView {
    /// Plain decimal amount with the currency's minor digits.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Present (and true) when converted from another currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approx: Option<bool>,
    /// The date of the exchange rate used, when converted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_date: Option<String>,
    /// For people: `£550.00`.
    #[serde(skip)]
    pub display: String,
}

impl MoneyView {
    /// An amount in its own currency.
    pub fn exact(money: Money) -> MoneyView {
        MoneyView {
            amount: money.amount_string(),
            currency: money.currency.code().to_string(),
            approx: None,
            rate_date: None,
            display: money.to_string(),
        }
    }

    /// An amount converted at the rate of `rate_date`.
    pub fn converted(money: Money, rate_date: Option<Date>) -> MoneyView {
        MoneyView {
            approx: Some(true),
            rate_date: rate_date.map(|d| d.to_string()),
            display: format!("≈{money}"),
            ..MoneyView::exact(money)
        }
    }
}

/// One of the feed item ids a product is known by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemId {
    /// The source (feed).
    pub source: String,
    /// The retailer.
    pub retailer: String,
    /// The feed's id.
    pub item_id: String,
}

/// A product with its offers summarised: what `products list` shows.
#[derive(Debug, Clone, Serialize)]
pub struct ProductSummary {
    /// Pointe's id.
    pub id: String,
    /// Every feed item id it is known by.
    pub item_ids: Vec<ItemId>,
    /// Canonical brand.
    pub brand: Option<String>,
    /// Title.
    pub title: String,
    /// Number of offers (stale ones included).
    pub offers: usize,
    /// The lowest current price (see [`lowest_current_price`]).
    pub lowest_price: Option<MoneyView>,
    /// The retailer with the lowest current price.
    pub lowest_price_retailer: Option<String>,
    /// Whether any current offer can be bought now.
    pub in_stock: bool,
}

/// An offer with its price history: part of what `products show` shows.
#[derive(Debug, Clone, Serialize)]
pub struct OfferView {
    /// The source.
    pub source: String,
    /// The feed's item id.
    pub item_id: String,
    /// The retailer.
    pub retailer: String,
    /// Product page.
    pub url: Option<String>,
    /// Regular price.
    pub price: MoneyView,
    /// Sale price.
    pub sale_price: Option<MoneyView>,
    /// What a shopper pays now.
    pub current_price: MoneyView,
    /// `in_stock`, `out_of_stock`, `preorder`, `backorder`.
    pub availability: String,
    /// Sizes.
    pub sizes: Vec<String>,
    /// First observation.
    pub first_seen: Timestamp,
    /// Last observation.
    pub last_seen: Timestamp,
    /// False when the latest ingest of its source no longer held it.
    pub current: bool,
    /// Price history, oldest first.
    pub history: Vec<PricePointView>,
}

/// A price point for display and JSON.
#[derive(Debug, Clone, Serialize)]
pub struct PricePointView {
    /// When observed.
    pub seen_at: Timestamp,
    /// Regular price.
    pub price: MoneyView,
    /// Sale price.
    pub sale_price: Option<MoneyView>,
    /// Availability.
    pub availability: String,
}

/// Everything about one product: what `products show` prints.
#[derive(Debug, Clone, Serialize)]
pub struct ProductDetail {
    /// The summary (id, item ids, brand, title, lowest price).
    #[serde(flatten)]
    pub summary: ProductSummary,
    /// The product's data; its brand and title are the summary's, and its matching keys stay
    /// inside.
    #[serde(flatten, serialize_with = "detail_fields")]
    pub data: ProductData,
    /// Offers, current first, each with its price history.
    #[serde(rename = "offer_list")]
    pub offer_list: Vec<OfferView>,
}

/// Writes the fields of `data` that the summary beside it does not hold, so that a detail
/// has each key once.
fn detail_fields<S: serde::Serializer>(data: &ProductData, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Fields<'a> {
        description: &'a Option<String>,
        google_category_id: &'a Option<u32>,
        category_text: &'a Option<String>,
        gender: &'a Option<String>,
        age_group: &'a Option<String>,
        colours: &'a [String],
        materials: &'a [String],
        pattern: &'a Option<String>,
        image_urls: &'a [String],
        gtin: &'a Option<String>,
        mpn: &'a Option<String>,
        item_group: &'a Option<String>,
        condition: &'a Option<String>,
        market: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        attributes: &'a Option<crate::attributes::Attributes>,
    }
    Fields {
        description: &data.description,
        google_category_id: &data.google_category_id,
        category_text: &data.category_text,
        gender: &data.gender,
        age_group: &data.age_group,
        colours: &data.colours,
        materials: &data.materials,
        pattern: &data.pattern,
        image_urls: &data.image_urls,
        gtin: &data.gtin,
        mpn: &data.mpn,
        item_group: &data.item_group,
        condition: &data.condition,
        market: &data.market,
        attributes: &data.attributes,
    }
    .serialize(s)
}

/// Read access to the catalog with exchange rates for showing prices in one currency.
pub struct CatalogReader<'a> {
    store: &'a dyn Catalog,
    rates: &'a RateTable,
    today: Date,
}

impl std::fmt::Debug for CatalogReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogReader")
            .field("today", &self.today)
            .finish_non_exhaustive()
    }
}

impl<'a> CatalogReader<'a> {
    /// A reader converting at the rates of `today` (or the closest earlier date).
    pub fn new(store: &'a dyn Catalog, rates: &'a RateTable, today: Date) -> CatalogReader<'a> {
        CatalogReader {
            store,
            rates,
            today,
        }
    }

    /// Finds a product by Pointe id, then feed item id, then offer URL. An item id shared by
    /// products of several sources is ambiguous; an unknown one comes with near matches.
    pub fn resolve(&self, query: &str) -> Result<StoredProduct> {
        let query = query.trim();
        if let Some(p) = self.store.product_by_id(query)? {
            return Ok(p);
        }
        let by_item = self.store.products_by_item_id(query)?;
        let mut keys: Vec<i64> = by_item.iter().map(|(p, _)| p.key).collect();
        keys.dedup();
        match keys.len() {
            1 => {
                return Ok(by_item
                    .into_iter()
                    .next()
                    .map(|(p, _)| p)
                    .unwrap_or_else(|| unreachable!()));
            }
            n if n > 1 => {
                return Err(Error::AmbiguousProduct {
                    query: query.to_string(),
                    candidates: by_item
                        .iter()
                        .map(|(p, source)| format!("{} (source {source}: {})", p.id, p.data.title))
                        .collect(),
                });
            }
            _ => {}
        }
        let by_url = self.store.products_by_url(query)?;
        match by_url.len() {
            1 => return Ok(by_url.into_iter().next().unwrap_or_else(|| unreachable!())),
            n if n > 1 => {
                return Err(Error::AmbiguousProduct {
                    query: query.to_string(),
                    candidates: by_url
                        .iter()
                        .map(|p| format!("{} ({})", p.id, p.data.title))
                        .collect(),
                });
            }
            _ => {}
        }
        let by_title = self.by_title(query)?;
        match by_title.len() {
            1 => {
                return Ok(by_title
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| unreachable!()));
            }
            n if n > 1 => {
                return Err(Error::AmbiguousProduct {
                    query: query.to_string(),
                    candidates: by_title
                        .iter()
                        .map(|p| {
                            let brand = p.data.brand.as_deref().unwrap_or("no brand");
                            format!("{} ({brand}: {})", p.id, p.data.title)
                        })
                        .collect(),
                });
            }
            _ => {}
        }
        Err(Error::UnknownProduct {
            query: query.to_string(),
            candidates: self.suggest(query)?,
        })
    }

    /// The products whose title is `query` (folded), with or without their brand in front:
    /// "Leather Bow Ballet Pumps" or "M&S Leather Bow Ballet Pumps".
    fn by_title(&self, query: &str) -> Result<Vec<StoredProduct>> {
        let folded = crate::text::fold_key(query);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        if words.len() < 2 {
            return Ok(Vec::new());
        }
        let mut found = self.store.products_by_title_key(&folded, 20)?;
        // A brand of up to four words before the title.
        for cut in 1..words.len().min(5) {
            let (brand, title) = (words[..cut].join(" "), words[cut..].join(" "));
            found.extend(
                self.store
                    .products_by_title_key(&title, 20)?
                    .into_iter()
                    .filter(|p| p.data.brand_key.as_deref() == Some(brand.as_str())),
            );
        }
        found.sort_by_key(|p| p.key);
        found.dedup_by_key(|p| p.key);
        Ok(found)
    }

    fn suggest(&self, query: &str) -> Result<Vec<String>> {
        let mut pool = Vec::new();
        let chars: Vec<char> = query.chars().collect();
        // Widen the prefix until something shares it.
        for keep in [chars.len() * 2 / 3, chars.len() / 2, 2, 0] {
            let prefix: String = chars.iter().take(keep).collect();
            pool = self.store.ids_like(&prefix, 200)?;
            if !pool.is_empty() {
                break;
            }
        }
        pool.sort_by_key(|id| strsim::levenshtein(id, query));
        pool.truncate(3);
        Ok(pool)
    }

    /// Lists products with their lowest current price.
    pub fn list(
        &self,
        filter: &ProductFilter,
        currency: Option<Currency>,
    ) -> Result<(Vec<ProductSummary>, u64)> {
        let (products, total) = self.store.list_products(filter)?;
        let summaries = products
            .iter()
            .map(|p| {
                let offers = self.store.offers_of(p.key)?;
                self.summarise(p, &offers, currency)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((summaries, total))
    }

    /// The offers of a product, current ones first.
    pub fn offers(&self, product: &StoredProduct) -> Result<Vec<Offer>> {
        self.store.offers_of(product.key)
    }

    /// An offer's price history, oldest first.
    pub fn history(&self, offer: &Offer) -> Result<Vec<PricePoint>> {
        self.store.price_history(offer.id)
    }

    /// The exchange rates in use.
    pub fn rates(&self) -> &RateTable {
        self.rates
    }

    /// The reader's "today".
    pub fn today(&self) -> Date {
        self.today
    }

    /// Converts an amount seen at `seen_at` to `to`: `(amount, approx, rate date)`; exact and
    /// unchanged when already in `to`.
    pub fn convert(
        &self,
        money: Money,
        to: Currency,
        seen_at: Timestamp,
    ) -> Result<(Money, bool, Option<Date>)> {
        let c = convert_as_seen(self.rates, money, to, seen_at, self.today)?;
        Ok((c.money, c.approx, c.rate_date))
    }

    /// As [`CatalogReader::convert`], but `None` for an amount that does not convert (no rate,
    /// or too large), for views that leave such a price out.
    pub fn try_convert(
        &self,
        money: Money,
        to: Currency,
        seen_at: Timestamp,
    ) -> Result<Option<(Money, bool, Option<Date>)>> {
        let seen = seen_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        Ok(self
            .rates
            .try_convert(money, to, seen.min(self.today))?
            .map(|c| (c.money, c.approx, c.rate_date)))
    }

    /// The summary of one product (item ids, lowest current price) in its own currency.
    pub fn list_one(&self, product: &StoredProduct) -> Result<ProductSummary> {
        let offers = self.store.offers_of(product.key)?;
        self.summarise(product, &offers, None)
    }

    /// Everything about one product.
    pub fn detail(
        &self,
        product: &StoredProduct,
        currency: Option<Currency>,
    ) -> Result<ProductDetail> {
        let offers = self.store.offers_of(product.key)?;
        let summary = self.summarise(product, &offers, currency)?;
        let offer_list = offers
            .iter()
            .map(|o| {
                let history = self
                    .store
                    .price_history(o.id)?
                    .iter()
                    .map(point_view)
                    .collect();
                Ok(OfferView {
                    source: o.source.clone(),
                    item_id: o.item_id.clone(),
                    retailer: o.retailer.clone(),
                    url: o.url.clone(),
                    price: MoneyView::exact(o.price),
                    sale_price: o.sale_price.map(MoneyView::exact),
                    current_price: MoneyView::exact(o.current_price()),
                    availability: o.availability.as_str().to_string(),
                    sizes: o.sizes.clone(),
                    first_seen: o.first_seen,
                    last_seen: o.last_seen,
                    current: o.in_latest_ingest,
                    history,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ProductDetail {
            summary,
            data: product.data.clone(),
            offer_list,
        })
    }

    fn summarise(
        &self,
        product: &StoredProduct,
        offers: &[Offer],
        currency: Option<Currency>,
    ) -> Result<ProductSummary> {
        let lowest = lowest_current_price(offers, currency, self.rates, self.today)?;
        Ok(ProductSummary {
            id: product.id.clone(),
            item_ids: offers
                .iter()
                .map(|o| ItemId {
                    source: o.source.clone(),
                    retailer: o.retailer.clone(),
                    item_id: o.item_id.clone(),
                })
                .collect(),
            brand: product.data.brand.clone(),
            title: product.data.title.clone(),
            offers: offers.len(),
            lowest_price_retailer: lowest
                .as_ref()
                .map(|(_, o)| o.retailer.clone())
                .filter(|r| !r.is_empty()),
            lowest_price: lowest.map(|(v, _)| v),
            in_stock: offers
                .iter()
                .any(|o| o.in_latest_ingest && o.availability.is_buyable()),
        })
    }
}

fn point_view(p: &PricePoint) -> PricePointView {
    PricePointView {
        seen_at: p.seen_at,
        price: MoneyView::exact(p.price),
        sale_price: p.sale_price.map(MoneyView::exact),
        availability: p.availability.as_str().to_string(),
    }
}

/// The lowest price a shopper can pay now, and the offer that has it. Only offers the latest
/// ingest of their source still held count, buyable ones first (an out-of-stock price is shown
/// only when nothing is buyable). Prices in other currencies than `currency` (by default the
/// first current offer's) are converted at the rate of the day each price was last seen (never
/// later than `today`) and marked approximate; an offer whose price does not convert to the
/// target (no rate, or too large) is left out.
pub fn lowest_current_price<'o>(
    offers: &'o [Offer],
    currency: Option<Currency>,
    rates: &RateTable,
    today: Date,
) -> Result<Option<(MoneyView, &'o Offer)>> {
    let current: Vec<&Offer> = offers.iter().filter(|o| o.in_latest_ingest).collect();
    let buyable: Vec<&Offer> = current
        .iter()
        .copied()
        .filter(|o| o.availability.is_buyable())
        .collect();
    let pool = if buyable.is_empty() { current } else { buyable };
    let Some(first) = pool.first() else {
        return Ok(None);
    };
    let target = currency.unwrap_or(first.price.currency);
    let mut best: Option<(Money, MoneyView, &Offer)> = None;
    for offer in pool {
        let price = offer.current_price();
        let (amount, view) = if price.currency == target {
            (price, MoneyView::exact(price))
        } else {
            let seen = offer
                .last_seen
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date();
            // An offer that cannot be converted to the target (no rate, or an amount too large
            // to hold) cannot be compared: it is left out rather than failing the product.
            let Some(c) = rates.try_convert(price, target, seen.min(today))? else {
                tracing::debug!(
                    "offer {} left out: {price} does not convert to {target}",
                    offer.id
                );
                continue;
            };
            (c.money, MoneyView::converted(c.money, c.rate_date))
        };
        if best.as_ref().is_none_or(|(m, _, _)| amount.minor < m.minor) {
            best = Some((amount, view, offer));
        }
    }
    Ok(best.map(|(_, v, o)| (v, o)))
}

/// Converts an amount at the rate of the day it was seen (never later than `today`): the one
/// rule every shown or compared price follows. Unchanged and exact when already in `to`.
pub fn convert_as_seen(
    rates: &RateTable,
    money: Money,
    to: Currency,
    seen_at: Timestamp,
    today: Date,
) -> Result<crate::fx::Converted> {
    let seen = seen_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    rates.convert(money, to, seen.min(today))
}

/// A stretch of time during which an offer asked one price: what a shopper paid (the sale
/// price when lower) from `from` until `until`, and whether it could be bought then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargedSpan {
    /// The price paid during the span.
    pub paid: Money,
    /// When the price was first seen.
    pub from: Timestamp,
    /// When the next change was seen (or the end the caller gave).
    pub until: Timestamp,
    /// Whether the offer was buyable during the span (in stock, pre-order or back order).
    pub buyable: bool,
}

/// What a shopper paid at one price point: its sale price when lower than its price.
pub fn paid_at(point: &PricePoint) -> Money {
    match point.sale_price {
        Some(s) if s.minor < point.price.minor => s,
        _ => point.price,
    }
}

/// An offer's price history (oldest first) as spans of one paid price and buyability, the last
/// running until `end`. Points that change neither (a regular price moving under an unchanged
/// sale price) extend the span they fall in.
pub fn charged_spans(history: &[PricePoint], end: Timestamp) -> Vec<ChargedSpan> {
    let mut spans: Vec<ChargedSpan> = Vec::new();
    for point in history {
        let paid = paid_at(point);
        let buyable = point.availability.is_buyable();
        if let Some(last) = spans.last_mut() {
            if last.paid == paid && last.buyable == buyable {
                continue;
            }
            last.until = point.seen_at;
        }
        spans.push(ChargedSpan {
            paid,
            from: point.seen_at,
            until: point.seen_at,
            buyable,
        });
    }
    if let Some(last) = spans.last_mut() {
        last.until = end.max(last.from);
    }
    spans
}
