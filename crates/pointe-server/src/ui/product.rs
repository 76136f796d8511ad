//! `/products/{id}`: images, offers per retailer, the price history as an SVG chart,
//! attributes with the words that state them, and the look-alikes with what they share,
//! how they differ, what they save and their tier.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use jiff::Timestamp;
use pointe_app::lookalikes::{HeroRef, LookalikesRequest};
use pointe_app::products::Card;
use pointe_core::catalog::{OfferView, ProductDetail};
use pointe_core::edit::PriceRules;
use pointe_search::lookalike::LookalikeResults;

use super::chart::{self, ChartView, Series};
use super::error::{PageError, PageResult};
use super::view::{Html, Layout, http_url, label, render, segment};
use crate::params::Params;
use crate::state::AppState;

/// The most look-alikes a product page shows.
const LOOKALIKES: usize = 8;

/// The currencies a product page offers to show prices in (any ISO code works in the
/// address).
const CURRENCIES: &[&str] = &["GBP", "EUR", "USD"];

/// The most images a product page shows.
const IMAGES: usize = 6;

#[derive(Debug, Template)]
#[template(path = "product.html")]
struct ProductPage {
    layout: Layout,
    id: String,
    self_path: String,
    currencies: Vec<(String, bool)>,
    new_edit: String,
    brand: Option<String>,
    title: String,
    description: Option<String>,
    price: Option<String>,
    retailer: Option<String>,
    /// The day the price was last seen, when that is too long ago to show it as today's.
    price_seen: Option<String>,
    tier: Option<String>,
    images: Vec<String>,
    offers: Vec<OfferRow>,
    chart: Option<ChartView>,
    chart_note: Option<String>,
    attributes: Vec<AttributeRow>,
    understood: String,
    lookalike_error: Option<String>,
    lookalikes: Vec<LookalikeView>,
}

#[derive(Debug)]
struct OfferRow {
    retailer: String,
    price: String,
    was: Option<String>,
    availability: String,
    sizes: String,
    last_seen: String,
    current: bool,
    url: Option<String>,
}

#[derive(Debug)]
struct AttributeRow {
    dimension: String,
    value: String,
    evidence: Vec<String>,
}

#[derive(Debug)]
struct LookalikeView {
    face: super::view::CardFace,
    saving: Option<String>,
    shared: Vec<String>,
    differences: Vec<String>,
}

/// `GET /products/{id}`; `id` is anything the catalog resolves (a Pointe id, a feed item id,
/// a URL, an exact title). An unknown one answers 404 with near ids as links.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult<Html> {
    let p = Params::parse(query.as_deref(), &["currency"])?;
    let currency = p.string("currency");
    pointe_app::bounds::check_len("id", &id, 2048).map_err(crate::error::ApiError::from)?;
    let wanted = currency.clone();
    let detail = state
        .blocking(move |ws| pointe_app::products::show(ws, &id, wanted.as_deref()))
        .await
        .map_err(|e| PageError::from_api(e, "/products/"))?;
    let hero = detail.summary.id.clone();
    let found = state
        .read(move |open| {
            let request = LookalikesRequest {
                limit: LOOKALIKES,
                currency,
                ..LookalikesRequest::new(HeroRef::Product(hero))
            };
            let looks = pointe_app::lookalikes::lookalikes_in(open, &request)?;
            let ids: Vec<String> = looks.items.iter().map(|l| l.id.clone()).collect();
            let cards = pointe_app::products::cards_in(open, &ids)?;
            Ok((looks, cards))
        })
        .await;
    // The product is worth showing even when its look-alikes cannot be found.
    let looks = found.map_err(|e| format!("Look-alikes could not be found: {}", e.message()));
    let now = pointe_core::clock::now()
        .map_err(|e| crate::error::ApiError::from(pointe_app::Error::from(e)))?;
    render(&page_of(detail, looks, now))
}

/// The currencies the price selector offers, the one the price is shown in chosen: the
/// common three, and the listing's own when it is another (an INR catalog's rupees).
fn currencies(shown: Option<&str>) -> Vec<(String, bool)> {
    let mut codes: Vec<String> = CURRENCIES.iter().map(|c| c.to_string()).collect();
    if let Some(shown) = shown
        && !codes.iter().any(|c| c == shown)
    {
        codes.push(shown.to_string());
    }
    codes
        .into_iter()
        .map(|c| {
            let chosen = Some(c.as_str()) == shown;
            (c, chosen)
        })
        .collect()
}

type Found = Result<(LookalikeResults, Vec<Card>), String>;

fn page_of(detail: ProductDetail, found: Found, now: Timestamp) -> ProductPage {
    let s = &detail.summary;
    let (chart, chart_note) = price_chart(&detail.offer_list);
    ProductPage {
        layout: Layout::new(
            match &s.brand {
                Some(b) => format!("{b} {}", s.title),
                None => s.title.clone(),
            },
            "search",
        ),
        id: s.id.clone(),
        new_edit: super::view::href("/edits/new", &[("hero".into(), s.id.clone())]),
        self_path: format!("/products/{}", segment(&s.id)),
        currencies: currencies(s.lowest_price.as_ref().map(|p| p.currency.as_str())),
        brand: s.brand.clone(),
        title: s.title.clone(),
        description: detail.data.description.clone(),
        price: s.lowest_price.as_ref().map(|p| p.display.clone()),
        retailer: s.lowest_price_retailer.clone(),
        price_seen: s
            .lowest_price
            .as_ref()
            .and_then(|_| seen_long_ago(&detail.offer_list, now)),
        tier: found
            .as_ref()
            .ok()
            .and_then(|(l, _)| l.hero.tier.as_deref().map(label)),
        images: detail
            .data
            .image_urls
            .iter()
            .filter_map(|u| http_url(u))
            .take(IMAGES)
            .collect(),
        offers: detail.offer_list.iter().map(offer_row).collect(),
        chart,
        chart_note,
        attributes: attributes(&detail),
        understood: found
            .as_ref()
            .map(|(l, _)| l.hero.understood.clone())
            .unwrap_or_default(),
        lookalike_error: found.as_ref().err().cloned(),
        lookalikes: found
            .map(|(l, cards)| lookalike_views(&l, cards))
            .unwrap_or_default(),
    }
}

/// The day the current offers were last seen, when even the newest of them is too old to show
/// as current by the edits' default price rules ([`PriceRules::is_stale`]): the feeds have not
/// confirmed the price since.
fn seen_long_ago(offers: &[OfferView], now: Timestamp) -> Option<String> {
    let newest = offers
        .iter()
        .filter(|o| o.current)
        .map(|o| o.last_seen)
        .max()?;
    PriceRules::default()
        .is_stale(newest, now)
        .then(|| day(newest))
}

fn day(ts: Timestamp) -> String {
    ts.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// Who sells the offer: its retailer, else (a data vendor's price record names none) the
/// source it came from.
fn seller(o: &OfferView) -> &str {
    if o.retailer.is_empty() {
        &o.source
    } else {
        &o.retailer
    }
}

fn offer_row(o: &OfferView) -> OfferRow {
    OfferRow {
        retailer: seller(o).to_string(),
        price: o.current_price.display.clone(),
        was: o.sale_price.as_ref().map(|_| o.price.display.clone()),
        availability: super::view::availability(&o.availability),
        sizes: o.sizes.join(", "),
        last_seen: day(o.last_seen),
        current: o.current,
        url: o.url.as_deref().and_then(http_url),
    }
}

fn attributes(detail: &ProductDetail) -> Vec<AttributeRow> {
    let Some(attrs) = &detail.data.attributes else {
        return Vec::new();
    };
    attrs
        .values
        .iter()
        .flat_map(|(dimension, values)| {
            values.iter().map(move |v| AttributeRow {
                dimension: label(dimension),
                value: v.label.clone(),
                evidence: v
                    .evidence
                    .iter()
                    .map(|e| format!("{}: “{}”", e.field, e.matched))
                    .collect(),
            })
        })
        .collect()
}

/// The price a shopper paid at each observation of each offer, as steps (a price holds
/// until the next observation, and the last until the offer was last seen). Only offers in
/// the first offer's currency are drawn: lines in two currencies on one axis would mislead.
fn price_chart(offers: &[OfferView]) -> (Option<ChartView>, Option<String>) {
    let Some(currency) = offers.first().map(|o| o.current_price.currency.clone()) else {
        return (None, None);
    };
    let series: Vec<Series> = offers
        .iter()
        .filter(|o| o.current_price.currency == currency)
        .map(|o| Series {
            label: format!(
                "{} ({})",
                seller(o),
                if o.current {
                    "current"
                } else {
                    "no longer listed"
                }
            ),
            points: steps(o),
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    let left_out = offers.len()
        - offers
            .iter()
            .filter(|o| o.current_price.currency == currency)
            .count();
    let note = (left_out > 0)
        .then(|| format!("{left_out} offer(s) priced in another currency are not drawn."));
    if series.is_empty() {
        return (None, note);
    }
    let code = currency.clone();
    let drawn = chart::line_chart(
        &series,
        &|d| day(Timestamp::from_second((d * 86_400.0) as i64).unwrap_or_default()),
        &move |v| format!("{v:.2} {code}"),
        false,
    );
    let view = ChartView {
        chart: drawn,
        id: "price-history".into(),
        title: format!("Price history in {currency}, one line per offer"),
    };
    (Some(view), note)
}

fn steps(o: &OfferView) -> Vec<(f64, f64)> {
    let days = |ts: Timestamp| ts.as_second() as f64 / 86_400.0;
    let mut points = Vec::new();
    for h in &o.history {
        let paid = h.sale_price.as_ref().unwrap_or(&h.price);
        let Ok(value) = paid.amount.parse::<f64>() else {
            continue;
        };
        if let Some(&(_, before)) = points.last() {
            points.push((days(h.seen_at), before));
        }
        points.push((days(h.seen_at), value));
    }
    if let Some(&(x, v)) = points.last() {
        let end = days(o.last_seen);
        if end > x {
            points.push((end, v));
        }
    }
    points
}

fn lookalike_views(looks: &LookalikeResults, cards: Vec<Card>) -> Vec<LookalikeView> {
    super::view::with_cards(&looks.items, cards)
        .map(|(l, card)| LookalikeView {
            face: super::view::CardFace::new(
                &l.id,
                l.brand.as_deref(),
                &l.title,
                l.price.as_ref().map(|p| p.display.as_str()),
                l.tier.as_deref(),
                card,
            ),
            saving: l
                .saving
                .as_ref()
                .map(|s| format!("saves {} ({:.1}%)", s.amount.display, s.percent)),
            shared: l.shared.clone(),
            differences: l.differences.iter().map(|d| d.sentence.clone()).collect(),
        })
        .collect()
}
